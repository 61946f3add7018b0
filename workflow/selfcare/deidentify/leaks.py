"""The fail-closed leak check over every file the workflow writes.

:func:`build_leak_index` indexes every identifier of the raw registers (names,
NHS numbers, dates of birth, phones, e-mails, postcodes, corrected values
included); :func:`scan_text` and :func:`scan_bytes` count them per type in a
text; :func:`find_identifiers` says where; :func:`scan_outputs` runs over
every output file read as a reader meets it
(:func:`selfcare.deidentify.documents.document_segments`). Reports name the
file, the line or page, the identifier type and the register row it came from
(its number in the raw register only: never the pseudonym it was released
under, which beside the hit's place would tie a released record to the
leaked identifier), never the value. Files or archive members that could not
be read are listed with the reason; one that may carry text fails the check.

Names that a manuscript prints in public (cited authors and editors, its own
authors) are read in their own context: a register first name written as part
of such a person's name ("Graham Thornicroft", "Thornicroft, Graham") is that
person's, not a leak; a register surname or a register full name still is.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from selfcare.deidentify.documents import Document, Segment, Skipped, document_segments, strip_image_payloads
from selfcare.deidentify.keys import _phone_digits
from selfcare.deidentify.leak_sources import REGISTER_COLUMNS, register_identifiers
from selfcare.deidentify.names import _CHAR_FOLD, _LETTER, _fold, _name_parts, _unaccent
from selfcare.deidentify.scrub import _EMAIL_RE, PLACEHOLDER_TYPES

__all__ = [
    "LEAK_TYPES",
    "LeakIndex",
    "REGISTER_COLUMNS",
    "build_leak_index",
    "find_identifiers",
    "register_identifiers",
    "scan_bytes",
    "scan_outputs",
    "scan_text",
    "strip_image_payloads",
]

#: Identifier types understood by :func:`build_leak_index`.
LEAK_TYPES: tuple[str, ...] = (
    "date_of_birth",
    "email",
    "name",
    "nhs_number",
    "phone",
    "postcode",
)


_MONTH_NUMBERS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_PLACEHOLDER_RE = re.compile(r"\[(?:" + "|".join(PLACEHOLDER_TYPES) + r")\]")
_NON_DIGIT_RE = re.compile(r"\D")
_DIGIT_RUN_RE = re.compile(r"\d(?:[\s().\-]{0,3}\d)*")
_LEAK_WORD_RE = re.compile(rf"{_LETTER}+(?:'{_LETTER}+)*")
_LEAK_POSTCODE_RE = re.compile(
    r"(?=([A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s{0,2}[0-9][A-Za-z]{2}))"
)
_LEAK_DATE_RE = re.compile(
    r"(?i)"
    r"(?<!\d)(?P<a>\d{1,2})(?P<s>[/.\-])(?P<b>\d{1,2})(?P=s)(?P<c>\d{4}|\d{2})(?!\d)"
    r"|(?<!\d)(?P<iy>\d{4})(?P<t>[/.\-])(?P<im>\d{1,2})(?P=t)(?P<id>\d{1,2})(?!\d)"
    r"|(?<!\d)(?P<dd>\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<dm>[a-z]+)\.?,?\s+(?P<dy>\d{4})(?!\d)"
    r"|\b(?P<mm>[a-z]+)\.?\s+(?P<md>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<my>\d{4})(?!\d)"
)


@dataclass(frozen=True)
class LeakIndex:
    """Normalised identifiers to look for in outputs (see :func:`build_leak_index`).

    Its printed form shows only how many identifiers of each type it holds.

    Attributes
    ----------
    names : frozenset of str
        Case-folded name parts of 3+ letters (minus ignored words).
    digits : dict of str to str
        Digit strings (NHS numbers; phone numbers without the trunk 0 or
        country code) mapped to their identifier type.
    emails : frozenset of str
        Case-folded e-mail addresses.
    postcodes : frozenset of str
        Upper-case postcodes without spaces.
    dates : frozenset of (int, int, int)
        Dates of birth as (year, month, day).
    sizes : dict of str to int
        Number of distinct identifiers per type.
    given_only : frozenset of str
        Name parts that are only ever a first (given) name in the registers.
    public : dict of str to frozenset of str
        First name -> surnames of the people a manuscript names in public.
    sources : dict of str to tuple of str
        ``"type:identifier"`` -> labels of the register rows it came from
        (see :func:`register_identifiers`); never printed.
    """

    names: frozenset[str] = field(repr=False)
    digits: Mapping[str, str] = field(repr=False)
    emails: frozenset[str] = field(repr=False)
    postcodes: frozenset[str] = field(repr=False)
    dates: frozenset[tuple[int, int, int]] = field(repr=False)
    sizes: dict[str, int] = field(default_factory=dict)
    given_only: frozenset[str] = field(default=frozenset(), repr=False)
    public: Mapping[str, frozenset[str]] = field(default_factory=dict, repr=False)
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    @property
    def digit_lengths(self) -> tuple[int, ...]:
        """Distinct lengths of the stored digit strings, sorted."""
        return tuple(sorted({len(d) for d in self.digits}))


def _parse_dob(value: str) -> dt.date:
    text = value.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    raise ValueError("not an ISO (YYYY-MM-DD) or DD/MM/YYYY date")


def _name_roles(value: str) -> tuple[set[str], set[str]]:
    """Searchable parts of a register name: (first names, surname), accents folded too.

    The last word is the surname; any earlier word a first (or middle) name.
    """
    words = value.split()
    given = _name_parts(" ".join(words[:-1]), min_letters=3)
    family = _name_parts(words[-1], min_letters=3) if words else set()
    return given | {_unaccent(p) for p in given}, family | {_unaccent(p) for p in family}


def _public_index(people: Iterable[str]) -> dict[str, frozenset[str]]:
    """First name -> surnames of public people (``"Given Family"`` strings)."""
    out: dict[str, set[str]] = {}
    for person in people:
        given, family = _name_roles(person)
        for g in given:
            out.setdefault(g, set()).update(family)
    return {g: frozenset(f) for g, f in sorted(out.items())}


def build_leak_index(
    records: list[dict[str, str]],
    ignore_words: set[str] | frozenset[str] = frozenset(),
    public_names: Iterable[str] = (),
) -> LeakIndex:
    """Normalise register identifiers into an index for :func:`scan_text`.

    Parameters
    ----------
    records : list of dict
        Each ``{"type": t, "value": v}`` with ``t`` in :data:`LEAK_TYPES`.
        Records whose value is missing or blank are skipped; an optional
        ``"source"`` labels the register row (reported with a hit, see
        :func:`register_identifiers`). Names contribute
        every part of three or more letters (hyphenated and apostrophe names
        also their pieces), each also without accents (a text's words are
        compared with and without theirs, so "Zoe" finds "Zoë" and back); NHS numbers their ten digits; phone numbers their
        digits without the national ``0`` or the ``44`` country code (so the
        national, +44 and 0044 forms all match); postcodes upper case without
        spaces; e-mails case-folded; dates of birth the calendar date.
    ignore_words : set of str, optional
        Words that may legitimately appear in outputs and must not count as
        name leaks even if they are someone's name part (for example site
        codes, place or theme words such as "Leeds" or "Hope"). Matching is
        case-insensitive. Applies to names only.
    public_names : iterable of str, optional
        People named in public by the outputs (``"Given Family"``: cited
        authors and editors, the manuscript's authors; see
        :func:`selfcare.deidentify.documents.public_names`). A register
        first name written as part of such a name is not a hit.

    Returns
    -------
    LeakIndex
        The index.

    Raises
    ------
    ValueError
        If a record is not a mapping with ``type`` and ``value``, has an
        unknown type, or has a value that cannot be read as its type (the
        message names the record number and type, never the value).
    """
    ignore = {_fold(w) for w in ignore_words if isinstance(w, str)}
    names: set[str] = set()
    given_names: set[str] = set()
    surnames: set[str] = set()
    digits: dict[str, str] = {}
    emails: set[str] = set()
    postcodes: set[str] = set()
    dates: set[tuple[int, int, int]] = set()
    sources: dict[str, list[str]] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, Mapping) or "type" not in rec or "value" not in rec:
            raise ValueError(
                f"leak record {i} must be a mapping with 'type' and 'value'"
            )
        kind, value = rec["type"], rec["value"]
        if kind not in LEAK_TYPES:
            raise ValueError(
                f"leak record {i} has unknown type {kind!r}; expected one of {list(LEAK_TYPES)}"
            )
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            continue
        value = str(value)
        if not value.strip():
            continue
        if kind == "name":
            # variants: accents folded (Zoë / Zoe written either way)
            given, family = (_kept(parts, ignore) for parts in _name_roles(value))
            given_names |= given
            surnames |= family
            keys = sorted(given | family)
            names.update(keys)
        else:
            keys = [_normalised(i, kind, value)]
            if kind in ("nhs_number", "phone"):
                digits.setdefault(keys[0], kind)
            elif kind == "email":
                emails.add(keys[0])
            elif kind == "postcode":
                postcodes.add(keys[0])
            else:
                dates.add(_date_tuple(keys[0]))
        if rec.get("source"):
            for k in keys:
                sources.setdefault(f"{kind}:{k}", []).append(str(rec["source"]))
    sizes = {
        "date_of_birth": len(dates),
        "email": len(emails),
        "name": len(names),
        "nhs_number": sum(1 for t in digits.values() if t == "nhs_number"),
        "phone": sum(1 for t in digits.values() if t == "phone"),
        "postcode": len(postcodes),
    }
    return LeakIndex(
        names=frozenset(names),
        digits=dict(sorted(digits.items())),
        emails=frozenset(emails),
        postcodes=frozenset(postcodes),
        dates=frozenset(dates),
        sizes=sizes,
        given_only=frozenset(given_names - surnames),
        public=_public_index(public_names),
        sources={k: tuple(dict.fromkeys(v)) for k, v in sorted(sources.items())},
    )


def _kept(parts: set[str], ignore: set[str]) -> set[str]:
    """Name parts that are not ignored (with or without their accents)."""
    return {p for p in parts if p not in ignore and _unaccent(p) not in ignore}


def _normalised(i: int, kind: str, value: str) -> str:
    """The searchable form of one non-name identifier (record ``i``, for messages)."""
    if kind == "nhs_number":
        d = re.sub(r"\D", "", value)
        if len(d) != 10:
            raise ValueError(f"leak record {i} (nhs_number) does not have ten digits")
        return d
    if kind == "phone":
        d = _phone_digits(value).lstrip("0")
        if len(d) < 6:
            raise ValueError(f"leak record {i} (phone) has fewer than seven digits")
        return d
    if kind == "email":
        e = value.strip().casefold()
        if "@" not in e:
            raise ValueError(f"leak record {i} (email) has no '@'")
        return e
    if kind == "postcode":
        pc = re.sub(r"\s", "", value).upper()
        if len(pc) < 5:
            raise ValueError(f"leak record {i} (postcode) is too short for a full postcode")
        return pc
    try:  # date_of_birth
        d0 = _parse_dob(value)
    except ValueError:
        raise ValueError(f"leak record {i} (date_of_birth) is not a readable date") from None
    return _date_key((d0.year, d0.month, d0.day))


def _date_tuple(key: str) -> tuple[int, int, int]:
    y, m, d = (int(x) for x in key.split("-"))
    return (y, m, d)


def _date_key(date: tuple[int, int, int]) -> str:
    return "%04d-%02d-%02d" % date


def _date_matches(text: str, dates: frozenset[tuple[int, int, int]]) -> list[tuple[int, str]]:
    """(position, date key) of each date of birth written in ``text``."""
    if not dates:
        return []
    short = {(d, m, y % 100): (y, m, d) for y, m, d in dates}
    found: list[tuple[int, str]] = []
    for m in _LEAK_DATE_RE.finditer(text):
        g = m.groupdict()
        hit: tuple[int, int, int] | None = None
        if g["a"] is not None:
            a, b, c = int(g["a"]), int(g["b"]), g["c"]
            for day, month in ((a, b), (b, a)):  # day-first, and month-first to be safe
                if len(c) == 4:
                    hit = hit or ((int(c), month, day) if (int(c), month, day) in dates else None)
                else:
                    hit = hit or short.get((day, month, int(c)))
        elif g["iy"] is not None:
            hit = (int(g["iy"]), int(g["im"]), int(g["id"]))
        elif g["dd"] is not None:
            hit = (int(g["dy"]), _MONTH_NUMBERS.get(g["dm"].lower(), 0), int(g["dd"]))
        else:
            hit = (int(g["my"]), _MONTH_NUMBERS.get(g["mm"].lower(), 0), int(g["md"]))
        if hit in dates:
            found.append((m.start(), _date_key(hit)))
    return found


def _public_context(clean: str, end: int, key: str, before: str, public: Mapping[str, frozenset[str]]) -> bool:
    """Whether the name part ``key`` ending at ``end`` is written as part of a public person's name.

    That is: the next word (single-letter initials skipped, up to two) or the
    word ``before`` it is a surname of a public person with this first name.
    """
    families = public.get(key) or public.get(_unaccent(key)) or frozenset()
    following = (m.group().casefold() for m in itertools.islice(_LEAK_WORD_RE.finditer(clean, end), 3))
    after = [w for w in following if len(w) > 1][:1]
    return any(w in families or _unaccent(w) in families for w in [*after, before])


def _name_matches(clean: str, index: LeakIndex) -> list[tuple[int, str]]:
    """(position, name part) of each register name part in ``clean`` (see :func:`scan_text`)."""
    names = index.names
    found: list[tuple[int, str]] = []
    before = ""
    for m in _LEAK_WORD_RE.finditer(clean):
        key = m.group().casefold()
        plain = _unaccent(key)
        if key.endswith("'s") and key not in names and plain not in names:
            key, plain = key[:-2], plain[:-2]
        hit = key if key in names else plain if plain in names else None
        if hit is not None and not (
            hit in index.given_only and _public_context(clean, m.end(), key, before, index.public)
        ):
            found.append((m.start(), hit))
        before = key
    return found


def find_identifiers(text: str, index: LeakIndex) -> list[tuple[int, str, str]]:
    """Where register identifiers occur in a text: ``(line, type, key)``, in order.

    The rules are those of :func:`scan_text`. ``line`` counts from 1;
    ``key`` is the normalised identifier, to look up its register rows in
    ``index.sources``: it is the value itself and must never be shown.

    Parameters
    ----------
    text : str
        Text to check.
    index : LeakIndex
        Identifiers to look for.

    Returns
    -------
    list of (int, str, str)
        One entry per occurrence, sorted by position.
    """
    if not text:
        return []
    clean = unicodedata.normalize("NFC", _PLACEHOLDER_RE.sub(" | ", text)).translate(_CHAR_FOLD)
    found: list[tuple[int, str, str]] = []
    if index.names:
        found += [(pos, "name", key) for pos, key in _name_matches(clean, index)]
    if index.digits:
        lengths = index.digit_lengths
        lookup = index.digits
        for run in _DIGIT_RUN_RE.finditer(clean):
            d = run.group()
            d = d if d.isdigit() else _NON_DIGIT_RE.sub("", d)
            if len(d) < lengths[0]:
                continue
            for n in lengths:
                for i in range(len(d) - n + 1):
                    kind = lookup.get(d[i : i + n])
                    if kind is not None:
                        found.append((run.start(), kind, d[i : i + n]))
    if index.emails:
        found += [(m.start(), "email", m.group().casefold()) for m in _EMAIL_RE.finditer(clean)
                  if m.group().casefold() in index.emails]
    if index.postcodes:
        seen_ends: set[int] = set()
        for m in _LEAK_POSTCODE_RE.finditer(clean):
            candidate = re.sub(r"\s", "", m.group(1)).upper()
            end = m.start(1) + len(m.group(1))
            if candidate in index.postcodes and end not in seen_ends:
                seen_ends.add(end)
                found.append((m.start(1), "postcode", candidate))
    found += [(pos, "date_of_birth", key) for pos, key in _date_matches(clean, index.dates)]
    found.sort(key=lambda f: f[0])
    # placeholders and NFC keep every line break, so lines are those of the text
    return [(clean.count("\n", 0, pos) + 1, kind, key) for pos, kind, key in found]


def scan_text(text: str, index: LeakIndex) -> dict[str, int]:
    """Count occurrences of register identifiers in a text.

    Placeholders such as ``[NAME]`` are removed first and never count.
    Names are whole words compared case-insensitively (a possessive ``'s`` is
    ignored); a first name written as part of a public person's name (the
    index's ``public``: "Graham Thornicroft", "Thornicroft, Graham") does not
    count when no register person has it as a surname. NHS and phone numbers are found inside runs of digits that may
    be broken by spaces, hyphens, dots or brackets; postcodes with or without
    the space, in any case; e-mails case-insensitively; dates of birth in the
    forms 2001-02-03, 03/02/2001, 3/2/2001, 03-02-2001, 03.02.2001,
    03/02/01, 3 February 2001, 3rd of Feb 2001 and February 3, 2001
    (numeric forms are also tried month-first).

    Parameters
    ----------
    text : str
        Text to check (e.g. an output file).
    index : LeakIndex
        Identifiers to look for.

    Returns
    -------
    dict of str to int
        Number of hits per identifier type, every type of :data:`LEAK_TYPES`
        present (zero when none), keys sorted. No value is ever returned.
    """
    counts = {kind: 0 for kind in LEAK_TYPES}
    for _, kind, _ in find_identifiers(text, index):
        counts[kind] += 1
    return counts


def scan_bytes(data: bytes, index: LeakIndex) -> dict[str, int]:
    """Like :func:`scan_text` for raw file bytes (decoded as UTF-8, errors ignored).

    Compressed content (zip members, PDF streams) is not inflated here: pass
    the member bytes or the source text instead.

    Parameters
    ----------
    data : bytes
        File content.
    index : LeakIndex
        Identifiers to look for.

    Returns
    -------
    dict of str to int
        Hits per identifier type, as :func:`scan_text`.
    """
    return scan_text(bytes(data).decode("utf-8", errors="ignore"), index)

class LeakError(RuntimeError):
    """An identifier from the registers was found in an output.

    The message lists each file and identifier type with the number of hits,
    then where each hit is (line or page) and which register row it came from
    (see :func:`scan_outputs`), never the value.
    """

    def __init__(self, report: Mapping[str, Any]):
        self.report = report
        lines = []
        for h in report["hits"]:
            lines.append(f"  - {h['file']}: {h['type']} x{h['count']}")
            lines += [f"      {loc['where']}: {loc['source']}" for loc in h.get("locations", [])]
        unreadable = report.get("unreadable", [])
        lines += [f"  - {u}: cannot be read, so not checked" for u in unreadable]
        if report.get("quarantine_dir"):
            lines.append(
                f"  the {len(report.get('quarantined', []))} affected output(s) were moved out of "
                f"results/ to {report['quarantine_dir']}/"
            )
        found = f"{len(report['hits'])} file/type pair(s)"
        if unreadable:
            found += f", {len(unreadable)} unreadable file(s) or member(s) that may carry text"
        super().__init__(
            "rule leak_check: identifiers from the raw registers found in outputs "
            f"({found}); values are not shown:\n" + "\n".join(lines)
        )


def extractable_text(name: str, data: bytes) -> str | None:
    """All the text of one output file as a reader meets it; ``None`` for opaque images.

    The segments of :func:`selfcare.deidentify.documents.document_segments`
    joined by newlines.
    """
    segments = document_segments(name, data)
    return None if segments is None else "\n".join(seg.text for seg in segments)


#: A file passed as ``None`` to :func:`scan_outputs`.
_NOT_READ = Skipped("", "image without a text layer", False)

#: Hit locations listed per file and identifier type (the count covers all).
MAX_LOCATIONS = 50


def _sources(index: LeakIndex, kind: str, key: str) -> str:
    rows = index.sources.get(f"{kind}:{key}", ())
    if not rows:
        return "register row unknown"
    more = f" and {len(rows) - 3} more row(s)" if len(rows) > 3 else ""
    return "; ".join(rows[:3]) + more


def _skipped_label(path: str, skipped: Any) -> str:
    return f"{' '.join(filter(None, (path, skipped.where)))} ({skipped.reason})"


def scan_outputs(
    texts: Mapping[str, Document | Sequence[Segment] | str | None], index: LeakIndex
) -> dict[str, Any]:
    """Scan every output's text; report hits by file and type, with places and sources (no values).

    Parameters
    ----------
    texts : mapping
        File path -> its :class:`~selfcare.deidentify.documents.Document`
        (:func:`~selfcare.deidentify.documents.read_document`), its segments,
        a plain text (read line by line), or ``None`` for a file that was
        not read (an image without a text layer).
    index : selfcare.deidentify.leaks.LeakIndex
        The identifiers to look for.

    Returns
    -------
    dict
        ``status`` (``"failed"`` on a hit or on an unreadable file or
        member that may carry text), file counts, the index sizes, ``hits``
        (file, type, count and ``locations``: each hit's ``where``, e.g.
        ``"line 12"`` or ``"page 3"``, and ``source``, the register row(s)
        of the identifier, at most :data:`MAX_LOCATIONS` per file and type),
        ``hits_by_type``, ``skipped`` (every file or member not read, as
        ``"path [member] (reason)"``; ``files_skipped`` counts them) and
        ``unreadable`` (those of them that may carry text).
    """
    hits = []
    totals: dict[str, int] = {}
    skipped: list[str] = []
    unreadable: list[str] = []
    whole = 0
    for path in sorted(texts):
        segments = texts[path]
        if segments is None:
            segments = Document([], [_NOT_READ])
        elif isinstance(segments, str):
            segments = Document([Segment("", segments, True)], [])
        elif not isinstance(segments, Document):
            segments = Document(list(segments), [])
        for s in segments.skipped:
            skipped.append(_skipped_label(path, s))
            if s.fatal:
                unreadable.append(skipped[-1])
        whole += any(s.where == "" for s in segments.skipped)
        found: dict[str, list[dict[str, str]]] = {}
        for seg in segments.segments:
            for line, kind, key in find_identifiers(seg.text, index):
                where = " ".join(filter(None, (seg.where, f"line {line}" if seg.lines else "")))
                found.setdefault(kind, []).append({"where": where, "source": _sources(index, kind, key)})
        for kind in sorted(found):
            n = len(found[kind])
            hits.append({"file": path, "type": kind, "count": n, "locations": found[kind][:MAX_LOCATIONS]})
            totals[kind] = totals.get(kind, 0) + n
    return {
        "status": "failed" if hits or unreadable else "passed",
        "files_scanned": len(texts) - whole,
        "files_skipped": len(skipped),
        "skipped": skipped,
        "unreadable": unreadable,
        "identifiers_indexed": dict(index.sizes),
        "hits": hits,
        "hits_by_type": dict(sorted(totals.items())),
    }
