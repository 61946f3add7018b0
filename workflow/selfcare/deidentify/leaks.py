"""The fail-closed leak check over every file the workflow writes.

:func:`build_leak_index` indexes every identifier of the raw registers (names,
NHS numbers, dates of birth, phones, e-mails, postcodes, corrected values
included); :func:`scan_text` and :func:`scan_bytes` count them per type in a
text; :func:`scan_outputs` runs over every output file (PDF text extracted,
zip members read). Reports name the file, the identifier type and the count,
never the value.
"""

from __future__ import annotations

import datetime as dt
import io as _io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from selfcare.deidentify.keys import _phone_digits
from selfcare.deidentify.lexicon import Lexicon
from selfcare.deidentify.names import _CHAR_FOLD, _LETTER, _fold, _name_parts, _unaccent, leak_variants
from selfcare.deidentify.scrub import _EMAIL_RE, PLACEHOLDER_TYPES

__all__ = [
    "LEAK_TYPES",
    "LeakIndex",
    "build_leak_index",
    "scan_bytes",
    "scan_text",
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


# ---------------------------------------------------------------------------
# 5. Leak check
# ---------------------------------------------------------------------------

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
    """

    names: frozenset[str] = field(repr=False)
    digits: Mapping[str, str] = field(repr=False)
    emails: frozenset[str] = field(repr=False)
    postcodes: frozenset[str] = field(repr=False)
    dates: frozenset[tuple[int, int, int]] = field(repr=False)
    sizes: dict[str, int] = field(default_factory=dict)

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


def build_leak_index(
    records: list[dict[str, str]], ignore_words: set[str] | frozenset[str] = frozenset()
) -> LeakIndex:
    """Normalise register identifiers into an index for :func:`scan_text`.

    Parameters
    ----------
    records : list of dict
        Each ``{"type": t, "value": v}`` with ``t`` in :data:`LEAK_TYPES`.
        Records whose value is missing or blank are skipped. Names contribute
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
    digits: dict[str, str] = {}
    emails: set[str] = set()
    postcodes: set[str] = set()
    dates: set[tuple[int, int, int]] = set()
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
            parts = _name_parts(value, min_letters=3)
            # variants: accents folded (Zoë / Zoe written either way)
            parts |= {_unaccent(p) for p in parts}
            names |= {p for p in parts if p not in ignore and _unaccent(p) not in ignore}
        elif kind == "nhs_number":
            d = re.sub(r"\D", "", value)
            if len(d) != 10:
                raise ValueError(
                    f"leak record {i} (nhs_number) does not have ten digits"
                )
            digits.setdefault(d, "nhs_number")
        elif kind == "phone":
            d = _phone_digits(value).lstrip("0")
            if len(d) < 6:
                raise ValueError(f"leak record {i} (phone) has fewer than seven digits")
            digits.setdefault(d, "phone")
        elif kind == "email":
            e = value.strip().casefold()
            if "@" not in e:
                raise ValueError(f"leak record {i} (email) has no '@'")
            emails.add(e)
        elif kind == "postcode":
            pc = re.sub(r"\s", "", value).upper()
            if len(pc) < 5:
                raise ValueError(
                    f"leak record {i} (postcode) is too short for a full postcode"
                )
            postcodes.add(pc)
        else:  # date_of_birth
            try:
                d0 = _parse_dob(value)
            except ValueError:
                raise ValueError(
                    f"leak record {i} (date_of_birth) is not a readable date"
                ) from None
            dates.add((d0.year, d0.month, d0.day))
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
    )


def _date_hits(text: str, dates: frozenset[tuple[int, int, int]]) -> int:
    if not dates:
        return 0
    short = {(d, m, y % 100) for y, m, d in dates}
    hits = 0
    for m in _LEAK_DATE_RE.finditer(text):
        g = m.groupdict()
        found = False
        if g["a"] is not None:
            a, b, c = int(g["a"]), int(g["b"]), g["c"]
            for day, month in ((a, b), (b, a)):  # day-first, and month-first to be safe
                if len(c) == 4:
                    found = found or (int(c), month, day) in dates
                else:
                    found = found or (day, month, int(c)) in short
        elif g["iy"] is not None:
            found = (int(g["iy"]), int(g["im"]), int(g["id"])) in dates
        elif g["dd"] is not None:
            month = _MONTH_NUMBERS.get(g["dm"].lower())
            found = month is not None and (int(g["dy"]), month, int(g["dd"])) in dates
        else:
            month = _MONTH_NUMBERS.get(g["mm"].lower())
            found = month is not None and (int(g["my"]), month, int(g["md"])) in dates
        hits += found
    return hits


def scan_text(text: str, index: LeakIndex) -> dict[str, int]:
    """Count occurrences of register identifiers in a text.

    Placeholders such as ``[NAME]`` are removed first and never count.
    Names are whole words compared case-insensitively (a possessive ``'s`` is
    ignored); NHS and phone numbers are found inside runs of digits that may
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
    if not text:
        return counts
    clean = unicodedata.normalize("NFC", _PLACEHOLDER_RE.sub(" | ", text)).translate(
        _CHAR_FOLD
    )

    if index.names:
        names = index.names
        for word in _LEAK_WORD_RE.findall(clean):
            key = word.casefold()
            plain = _unaccent(key)
            if key in names or plain in names:
                counts["name"] += 1
            elif key.endswith("'s") and (key[:-2] in names or plain[:-2] in names):
                counts["name"] += 1

    if index.digits:
        lengths = index.digit_lengths
        shortest = lengths[0]
        lookup = index.digits
        for run in _DIGIT_RUN_RE.findall(clean):
            d = re.sub(r"\D", "", run) if not run.isdigit() else run
            if len(d) < shortest:
                continue
            for n in lengths:
                for i in range(len(d) - n + 1):
                    kind = lookup.get(d[i : i + n])
                    if kind is not None:
                        counts[kind] += 1

    if index.emails:
        for m in _EMAIL_RE.finditer(clean):
            if m.group().casefold() in index.emails:
                counts["email"] += 1

    if index.postcodes:
        seen_ends: set[int] = set()
        for m in _LEAK_POSTCODE_RE.finditer(clean):
            candidate = re.sub(r"\s", "", m.group(1)).upper()
            end = m.start(1) + len(m.group(1))
            if candidate in index.postcodes and end not in seen_ends:
                seen_ends.add(end)
                counts["postcode"] += 1

    counts["date_of_birth"] = _date_hits(clean, index.dates)
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

#: Register column -> identifier type of :func:`selfcare.deidentify.leaks.build_leak_index`.
REGISTER_COLUMNS = {
    "full_name": "name",
    "nhs_number": "nhs_number",
    "phone": "phone",
    "email": "email",
    "postcode": "postcode",
    "date_of_birth": "date_of_birth",
}


class LeakError(RuntimeError):
    """An identifier from the registers was found in an output."""

    def __init__(self, report: Mapping[str, Any]):
        self.report = report
        lines = [f"  - {h['file']}: {h['type']} x{h['count']}" for h in report["hits"]]
        if report.get("quarantine_dir"):
            lines.append(
                f"  the {len(report.get('quarantined', []))} affected output(s) were moved out of "
                f"results/ to {report['quarantine_dir']}/"
            )
        super().__init__(
            "rule leak_check: identifiers from the raw registers found in outputs "
            f"({len(report['hits'])} file/type pair(s)); values are not shown:\n" + "\n".join(lines)
        )


def register_identifiers(
    registers: Mapping[str, pd.DataFrame], corrections: pd.DataFrame | None = None,
    lexicon: Lexicon | None = None,
) -> list[dict[str, str]]:
    """Records ``{"type", "value"}`` of every identifier in the registers.

    Parameters
    ----------
    registers : mapping
        Raw register tables (participants, interviewees).
    corrections : pandas.DataFrame, optional
        The documented corrections: a corrected identifier (say, a misspelt
        name put right) is looked for as well as the value it replaced.
    lexicon : Lexicon, optional
        With it, diminutives and full forms of register names that are not
        ordinary words are indexed too (:func:`~selfcare.deidentify.names.leak_variants`).
    """
    records = []
    for frame in registers.values():
        for col, kind in REGISTER_COLUMNS.items():
            if col in frame.columns:
                records += [{"type": kind, "value": str(v)} for v in frame[col].dropna() if str(v).strip()]
    if corrections is not None and len(corrections):
        for _, c in corrections.iterrows():
            kind = REGISTER_COLUMNS.get(str(c["column"]))
            if kind and pd.notna(c["new_value"]) and str(c["new_value"]).strip():
                records.append({"type": kind, "value": str(c["new_value"])})
    if lexicon is not None:
        named = [r["value"] for r in records if r["type"] == "name"]
        records += [{"type": "name", "value": v} for v in leak_variants(named, lexicon)]
    return records


def extractable_text(suffix: str, data: bytes) -> str | None:
    """Text to scan in one output file; ``None`` for images (not scannable).

    PDF text is extracted with :func:`selfcare.report.render.pdf_text`; zip archives
    (``.qdpx``) are scanned member by member; everything else is decoded as
    UTF-8, ignoring undecodable bytes.
    """
    if suffix in (".png", ".jpg", ".jpeg", ".gif"):
        return None
    if suffix == ".pdf":
        from selfcare.report.render import pdf_text

        return pdf_text(data)
    if suffix in (".qdpx", ".zip"):
        with zipfile.ZipFile(_io.BytesIO(data)) as zf:
            return "\n".join(zf.read(n).decode("utf-8", errors="ignore") for n in sorted(zf.namelist()))
    return strip_image_payloads(data.decode("utf-8", errors="ignore"))


_DATA_URI = re.compile(r"data:image/[\w.+-]+;base64,[A-Za-z0-9+/=\s]+")


def strip_image_payloads(text: str) -> str:
    """Text as a reader meets it: base64 image payloads (``data:image/...``
    URIs, as a self-contained HTML embeds its figures) replaced by a marker.

    A payload is encoded pixels, not text: a short name can occur in it by
    chance, which would be a false alarm. The figure's alternative text and
    caption stay in the document and are scanned; the images themselves hold
    aggregates only.
    """
    return _DATA_URI.sub("data:image;base64,[payload]", text)


def scan_outputs(texts: Mapping[str, str | None], index: LeakIndex) -> dict[str, Any]:
    """Scan every output's text; return counts by file and type (no values).

    Parameters
    ----------
    texts : mapping
        File path -> text (``None`` for files that cannot be scanned).
    index : selfcare.deidentify.leaks.LeakIndex
        The identifiers to look for.
    """
    hits = []
    totals: dict[str, int] = {}
    skipped = []
    for path in sorted(texts):
        text = texts[path]
        if text is None:
            skipped.append(path)
            continue
        for kind, n in scan_text(text, index).items():
            if n:
                hits.append({"file": path, "type": kind, "count": int(n)})
                totals[kind] = totals.get(kind, 0) + int(n)
    return {
        "status": "failed" if hits else "passed",
        "files_scanned": len(texts) - len(skipped),
        "files_skipped": len(skipped),
        "skipped": skipped,
        "identifiers_indexed": dict(index.sizes),
        "hits": hits,
        "hits_by_type": dict(sorted(totals.items())),
    }
