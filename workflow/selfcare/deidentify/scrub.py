"""Transcript scrubbing: detectors and the scrubber.

Detectors find register names (:mod:`selfcare.deidentify.names`), NHS numbers,
postcodes, phone numbers, e-mail addresses, dates, URLs and configured places.
Overlapping detections are merged: the replaced region is the union of the
overlapping spans and its placeholder type is that of the longest span (ties:
earliest start, then the fixed priority in :data:`PLACEHOLDER_PRIORITY`); when
a valid NHS number overlaps a phone number the type is NHS_NUMBER.
:class:`ScrubResult` keeps offsets and placeholder types, never the removed
text.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from selfcare.deidentify.keys import _phone_digits
from selfcare.deidentify.names import (
    _APOS_CLASS,
    _APOSTROPHES,
    _HYPHEN_CLASS,
    _HYPHENS,
    NameMatcher,
)
from selfcare.raw.nhs import is_valid_nhs_number

__all__ = [
    "PLACEHOLDER_PRIORITY",
    "PLACEHOLDER_TYPES",
    "Replacement",
    "ScrubResult",
    "placeholder",
    "scrub_text",
]

#: Placeholder types written into scrubbed text, as ``[TYPE]``.
PLACEHOLDER_TYPES: tuple[str, ...] = (
    "DATE",
    "EMAIL",
    "NAME",
    "NHS_NUMBER",
    "PHONE",
    "PLACE",
    "POSTCODE",
    "URL",
)
#: Tie-break order between overlapping detections of equal length (first wins).
PLACEHOLDER_PRIORITY: tuple[str, ...] = (
    "NHS_NUMBER",
    "EMAIL",
    "URL",
    "PHONE",
    "POSTCODE",
    "DATE",
    "PLACE",
    "NAME",
)
_PRIORITY_RANK = {kind: i for i, kind in enumerate(PLACEHOLDER_PRIORITY)}


def placeholder(kind: str) -> str:
    """Return the placeholder written for a detection type.

    Parameters
    ----------
    kind : str
        One of :data:`PLACEHOLDER_TYPES`.

    Returns
    -------
    str
        ``"[" + kind + "]"``.

    Raises
    ------
    ValueError
        If ``kind`` is not a known placeholder type.
    """
    if kind not in PLACEHOLDER_TYPES:
        raise ValueError(f"unknown placeholder type {kind!r}")
    return f"[{kind}]"


# --- pattern detectors -------------------------------------------------------

_NHS_RE = re.compile(r"(?<![\w+])\d{3}(?:[ -]|\r?\n)?\d{3}(?:[ -]|\r?\n)?\d{4}(?!\w)")

_PHONE_RE = re.compile(
    r"""
    (?<![\w+(])
    (?:
        (?:\+|\b00)44[ \t-]?(?:\(0\)[ \t-]?)?\(?[1-9]\d{1,4}\)?   # +44 / 0044 forms
      | \(?0[1-9]\d{1,4}\)?                                      # national 0 prefix
    )
    (?:(?:[ \t-]|\r?\n)?\d){5,8}                             # a separator may be a line break
    (?!\w)
    """,
    re.VERBOSE,
)

_EMAIL_RE = re.compile(
    r"(?<![\w.+%-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)

_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'\[\]{}]+")
_URL_TRAIL = ".,;:!?)'\""

_POSTCODE_RE = re.compile(
    r"(?i)(?<![A-Za-z0-9])(?:GIR[ \t]{0,2}0AA|[A-Z]{1,2}[0-9][A-Z0-9]?(?:[ \t]{0,2}|\r?\n)[0-9][A-Z]{2})(?![A-Za-z0-9])"
)

_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_DAY = r"(?<!\d)(?P<{g}>\d{{1,2}})(?:st|nd|rd|th)?(?![\w])"
_DATE_RE = re.compile(
    r"(?i)"
    # 12/03/2008, 12-03-08, 12.03.2008 (same separator twice)
    r"(?<![\d/.-])(?P<n1>\d{1,2})(?P<sep>[/.-])(?P<n2>\d{1,2})(?P=sep)(?:\d{4}|\d{2})(?![\d]|[/.-]\d)"
    # 2008-03-12, 2008/03/12
    r"|(?<![\d/.-])\d{4}(?P<isep>[/.-])(?P<i2>\d{1,2})(?P=isep)(?P<i3>\d{1,2})(?![\d]|[/.-]\d)"
    # 12 March 2008, 3rd of May, 12th March, '08
    r"|"
    + _DAY.format(g="d1")
    + r"(?:\s+of)?\s+"
    + _MONTH
    # not followed by a letter (a plain \b would drop the full stop of "Feb.")
    + r"(?![a-z])(?:,?\s+(?:\d{4}|'\d{2})(?!\d))?"
    # March 12th 2008, March 12, 2008, May 3, June the 20th
    r"|\b"
    + _MONTH
    + r"\s+(?:the\s+)?"
    + _DAY.format(g="d2")
    + r"(?:,?\s+\d{4}(?!\d))?"
    # March 2008
    r"|\b"
    + _MONTH
    + r",?\s+\d{4}(?!\d)"
)


def _plausible_date(m: re.Match[str]) -> bool:
    groups = m.groupdict()
    if groups["n1"] is not None:
        a, b = int(groups["n1"]), int(groups["n2"])
        return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)
    if groups["i2"] is not None:
        return 1 <= int(groups["i2"]) <= 12 and 1 <= int(groups["i3"]) <= 31
    day = groups["d1"] or groups["d2"]
    if day is not None:
        return 1 <= int(day) <= 31
    return True


def _dates(text: str) -> list[tuple[int, int, str]]:
    """Every plausible date in the text. A match that is not a date (day 32)
    is searched again after its first number, so that the month and year it
    swallowed ("32 March 2008") are still found."""
    found = []
    pos = 0
    while (m := _DATE_RE.search(text, pos)) is not None:
        if _plausible_date(m):
            found.append((m.start(), m.end(), "DATE"))
            pos = m.end()
        else:
            pos = m.start() + 1
    return found


def _phone_ok(matched: str) -> bool:
    digits = _phone_digits(matched)
    return len(digits) in (10, 11) and digits[0] == "0" and digits[1] in "1235789"


def _phone_end(matched: str) -> int:
    """Length of the longest valid phone number at the start of a match (0 if none).

    The phone pattern is greedy, so "07700 900123 4" first matches with the
    stray trailing digit; trailing digit groups are dropped one at a time.
    """
    if _phone_ok(matched):
        return len(matched)
    for cut in sorted(
        (m.start() for m in re.finditer(r"[ \t\r\n-]", matched)), reverse=True
    ):
        head = matched[:cut]
        if _phone_ok(head):
            return len(head)
    return 0


def _literal_pattern(phrase: str) -> str | None:
    words = re.split(r"\s+", phrase.strip())
    if not words or words == [""]:
        return None
    pieces = []
    for word in words:
        out = []
        for ch in word:
            if ch in _APOSTROPHES:
                out.append(_APOS_CLASS)
            elif ch in _HYPHENS:
                out.append(_HYPHEN_CLASS)
            else:
                out.append(re.escape(ch))
        pieces.append("".join(out))
    return r"\s+".join(pieces)


_STREET = (r"Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Close|Drive|Dr|Way|Crescent|Cres|Court|Ct|"
           r"Place|Pl|Grove|Gardens|Gdns|Terrace|Tce|Square|Sq|Mews|Rise|Row|Walk|Hill|Park|"
           r"Parade|Green|View|Vale|Estate|Boulevard")
_NAMED_STREET = (r"Street|Road|Lane|Avenue|Close|Drive|Crescent|Gardens|Terrace|Mews|Grove|"
                 r"Square|Parade|Estate")
_NOT_A_NAME = r"(?!(?:The|A|An|My|Our|Your|His|Her|Their|This|That|In|At|On|Of|To|And|Or|But|So)\s)"
#: Street addresses (a house number, up to three words and a street type, in
#: any case; or one or two capitalised words and a capitalised street type),
#: wards, hospitals, clinics and surgeries named by a capitalised word.
_ADDRESS_RE = re.compile(
    r"(?<![\w])(?:(?i:flat|apartment|unit)\s+\d{1,4}[A-Za-z]?,?\s+)?\d{1,4}[A-Za-z]?(?:-\d{1,4})?,?[ \t]+"
    rf"(?:[^\W\d_][\w'\u2019-]*\s+){{1,3}}(?i:{_STREET})\b"
    rf"|\b(?:{_NOT_A_NAME}[A-Z][\w'\u2019-]*\s+){{1,2}}(?:{_NAMED_STREET})\b"
    rf"|\b(?:(?:St\.?|Saint)\s+)?(?:{_NOT_A_NAME}[A-Z][\w'\u2019-]*\s+){{1,3}}"
    r"(?:Ward|Hospital|Infirmary|Clinic|Surgery|Hospice|Health\s+Centre|Medical\s+Centre|Medical\s+Practice)\b"
)


def _place_regex(places: Iterable[str]) -> re.Pattern[str] | None:
    phrases = sorted(
        {
            unicodedata.normalize("NFC", p).strip()
            for p in places
            if isinstance(p, str) and p.strip()
        },
        key=lambda p: (-len(p), p),
    )
    patterns = [pat for pat in (_literal_pattern(p) for p in phrases) if pat]
    if not patterns:
        return None
    return re.compile(r"(?i)(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)")


def _detect(
    text: str, matcher: NameMatcher, places: Iterable[str]
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
    """All candidate detections (may overlap), and the words left for review."""
    found: list[tuple[int, int, str]] = []
    for m in _NHS_RE.finditer(text):
        if is_valid_nhs_number(re.sub(r"\r?\n", " ", m.group())):
            found.append((m.start(), m.end(), "NHS_NUMBER"))
    for m in _PHONE_RE.finditer(text):
        end = _phone_end(m.group())
        if end:
            found.append((m.start(), m.start() + end, "PHONE"))
    for m in _EMAIL_RE.finditer(text):
        found.append((m.start(), m.end(), "EMAIL"))
    for m in _URL_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _URL_TRAIL:
            end -= 1
        if end - m.start() > 4:
            found.append((m.start(), end, "URL"))
    for m in _POSTCODE_RE.finditer(text):
        found.append((m.start(), m.end(), "POSTCODE"))
    found += _dates(text)
    place_re = _place_regex(places)
    if place_re is not None:
        for m in place_re.finditer(text):
            found.append((m.start(), m.end(), "PLACE"))
    for m in _ADDRESS_RE.finditer(text):
        found.append((m.start(), m.end(), "PLACE"))
    names, unsure = matcher.scan(text)
    found += [(s, e, "NAME") for s, e in names]
    return found, unsure


def _resolve(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Merge overlapping detections into disjoint, typed regions."""
    found = sorted(found, key=lambda f: (f[0], f[1], _PRIORITY_RANK[f[2]]))
    clusters: list[list[tuple[int, int, str]]] = []
    cluster_end = -1
    for item in found:
        if clusters and item[0] < cluster_end:
            clusters[-1].append(item)
            cluster_end = max(cluster_end, item[1])
        else:
            clusters.append([item])
            cluster_end = item[1]
    regions = []
    for members in clusters:
        start = min(s for s, _, _ in members)
        end = max(e for _, e, _ in members)
        best = min(members, key=lambda f: (-(f[1] - f[0]), f[0], _PRIORITY_RANK[f[2]]))
        kind = best[2]
        if kind == "PHONE" and any(k == "NHS_NUMBER" for _, _, k in members):
            kind = "NHS_NUMBER"
        regions.append((start, end, kind))
    return regions


@dataclass(frozen=True)
class Replacement:
    """One replaced region: offsets in the raw and the scrubbed text, and its type.

    Attributes
    ----------
    raw_start, raw_end : int
        Half-open span in the raw text.
    start, end : int
        Half-open span of the placeholder in the scrubbed text.
    kind : str
        Placeholder type (one of :data:`PLACEHOLDER_TYPES`).
    """

    raw_start: int
    raw_end: int
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class ScrubResult:
    """Outcome of :func:`scrub_text`.

    Attributes
    ----------
    text : str
        The scrubbed text.
    counts : dict of str to int
        Number of placeholders written per type; every type in
        :data:`PLACEHOLDER_TYPES` is present (zero when none), keys sorted.
    replacements : tuple of Replacement
        Replaced regions in text order (offsets and types only; the removed
        text is not kept).
    raw_length : int
        Length of the raw text.
    uncertain : tuple of (int, int)
        Raw-text spans of words the scrubber could not place (capitalised
        words that are neither ordinary words nor known names, or both),
        left in the text for a data steward's decision; spans inside a
        replaced region are not listed.
    """

    text: str = field(repr=False)
    counts: dict[str, int]
    replacements: tuple[Replacement, ...] = field(repr=False)
    raw_length: int
    uncertain: tuple[tuple[int, int], ...] = field(default=(), repr=False)

    def _map(self, pos: int, side: str) -> int:
        starts = [r.raw_start for r in self.replacements]
        i = bisect.bisect_right(starts, pos) - 1
        if i < 0:
            return pos
        rep = self.replacements[i]
        if pos < rep.raw_end:
            if pos == rep.raw_start or side == "start":
                return rep.start
            return rep.end
        return rep.end + (pos - rep.raw_end)

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        """Convert a span on the raw text to the span on the scrubbed text.

        A boundary inside a replaced region snaps outward, so the mapped span
        includes the whole placeholder; boundaries elsewhere move by the
        length change of the replacements before them.

        Parameters
        ----------
        start, end : int
            Half-open span on the raw text, ``0 <= start <= end <= raw_length``.

        Returns
        -------
        (int, int)
            The corresponding half-open span on :attr:`text`.

        Raises
        ------
        ValueError
            If the span is out of range or reversed.
        """
        if not (0 <= int(start) <= int(end) <= self.raw_length):
            raise ValueError(
                f"span ({start}, {end}) is outside the raw text of length {self.raw_length}"
            )
        return self._map(int(start), "start"), self._map(int(end), "end")


def scrub_text(
    text: str, matcher: NameMatcher, places: Iterable[str] = ()
) -> ScrubResult:
    """Replace identifiers in free text with typed placeholders.

    Detected: register names (``[NAME]``, via ``matcher``), NHS numbers with a
    valid check digit (``[NHS_NUMBER]``), UK postcodes in any case
    (``[POSTCODE]``), UK phone numbers (07..., 01.../02.../03..., 08...,
    +44 / 0044 forms, with spaces, hyphens or brackets; ``[PHONE]``), e-mail
    addresses (``[EMAIL]``), dates with a day or month (12/03/2008, 12-03-08,
    2008-03-12, 12 March 2008, March 12th 2008, 3rd of May, March 2008; a bare
    year is kept; ``[DATE]``), URLs (http(s)://..., www....; ``[URL]``) and
    the given place names (case-insensitive whole words; ``[PLACE]``).
    Ten-digit numbers with an invalid NHS check digit are not NHS numbers;
    they are replaced only if they look like a phone number.

    Parameters
    ----------
    text : str
        Raw text.
    matcher : NameMatcher
        Names to remove (see :func:`build_name_matcher`).
    places : iterable of str, optional
        Street, estate, town or venue names to remove.

    Returns
    -------
    ScrubResult
        Scrubbed text, counts per placeholder type and the offset map.
    """
    if not isinstance(text, str):
        raise ValueError(f"scrub_text needs a string, got {type(text).__name__}")
    found, unsure = _detect(text, matcher, places)
    regions = _resolve(found)
    out: list[str] = []
    reps: list[Replacement] = []
    counts = {kind: 0 for kind in PLACEHOLDER_TYPES}
    pos = 0
    new_pos = 0
    for start, end, kind in regions:
        out.append(text[pos:start])
        new_pos += start - pos
        token = placeholder(kind)
        out.append(token)
        reps.append(Replacement(start, end, new_pos, new_pos + len(token), kind))
        new_pos += len(token)
        counts[kind] += 1
        pos = end
    out.append(text[pos:])
    # one word each: dropped when any of it is replaced
    left = [(s, e) for s, e in unsure if not any(rs < e and s < re_ for rs, re_, _ in regions)]
    return ScrubResult(
        text="".join(out),
        counts=dict(sorted(counts.items())),
        replacements=tuple(reps),
        raw_length=len(text),
        uncertain=tuple(left),
    )
