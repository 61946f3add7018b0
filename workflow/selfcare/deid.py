"""De-identification: NHS numbers, keyed pseudonyms, field generalisation,
transcript scrubbing, leak scanning and k-anonymity.

Every function here is pure: it receives strings, numbers, dates or data frames
and returns new objects. Reading registers, keys and transcripts and writing
the results is the job of :mod:`selfcare.io` and the workflow scripts.

Privacy rules kept throughout the module:

* error messages name the broken thing (record number, column, identifier
  type, configuration key) but never echo an identifying value;
* objects that hold identifying material (:class:`NameMatcher`,
  :class:`LeakIndex`) print only their sizes, never their content;
* :class:`ScrubResult` keeps offsets and placeholder types, not the removed
  text.

Design decisions (also stated in the manuscript's methods):

* Pseudonyms are HMAC-SHA256 of ``kind + ":" + normalised value`` under a
  secret key, written as **lower-case hexadecimal** and truncated (default 10
  hex digits = 40 bits; collisions among a few hundred people are very
  unlikely, about 1 in 10 million for 500 values).
* Transcript names come from a list of the people in the study registers (no
  statistical name recogniser is available offline). Every name part of two or
  more letters is scrubbed wherever it stands as a whole word, in any case,
  **including name parts that are also ordinary English words** ("Will",
  "Hope", "Rose", "May"): a conservative default that may over-scrub. Words
  passed in ``stopwords`` are spared only when written entirely in lower case
  ("I hope so" kept, "Hope said" scrubbed).
* Overlapping detections are merged: the replaced region is the union of the
  overlapping spans and its placeholder type is that of the longest span
  (ties: earliest start, then the fixed priority in :data:`PLACEHOLDER_PRIORITY`);
  when a valid NHS number overlaps a phone number the type is NHS_NUMBER.
"""

from __future__ import annotations

import bisect
import functools
import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = [
    "COMMON_WORD_NAMES",
    "KEY_CONFIG_KEY",
    "KEY_ENV_VAR",
    "LEAK_TYPES",
    "LeakIndex",
    "MIN_KEY_BYTES",
    "NameMatcher",
    "PLACEHOLDER_PRIORITY",
    "PLACEHOLDER_TYPES",
    "PseudonymKeyError",
    "Replacement",
    "ScrubResult",
    "age_at",
    "age_band",
    "build_leak_index",
    "build_name_matcher",
    "check_key_file_location",
    "days_between",
    "enforce_k",
    "is_valid_nhs_number",
    "load_key",
    "make_test_nhs_number",
    "nhs_check_digit",
    "normalise_identifier",
    "placeholder",
    "postcode_district",
    "pseudonym",
    "scan_bytes",
    "scan_text",
    "scrub_text",
    "smallest_class",
]

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

#: Environment variable that may hold the pseudonymisation key.
KEY_ENV_VAR = "SELFCARE_PSEUDONYM_KEY"
#: Configuration key naming a key file (the file must live outside the repo).
KEY_CONFIG_KEY = "deidentify.key_file"
#: Shortest accepted key, in bytes (the HMAC-SHA256 output size).
MIN_KEY_BYTES = 32

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

#: Identifier types understood by :func:`build_leak_index`.
LEAK_TYPES: tuple[str, ...] = (
    "date_of_birth",
    "email",
    "name",
    "nhs_number",
    "phone",
    "postcode",
)

#: A suggested ``stopwords`` set: first names and surnames that are also
#: common English words. Not used unless passed to :func:`build_name_matcher`.
COMMON_WORD_NAMES: frozenset[str] = frozenset(
    {
        "april",
        "bell",
        "bill",
        "brown",
        "carol",
        "cook",
        "dawn",
        "faith",
        "frank",
        "grace",
        "green",
        "guy",
        "hall",
        "hill",
        "holly",
        "hope",
        "hunter",
        "iris",
        "ivy",
        "jack",
        "joy",
        "june",
        "lane",
        "mark",
        "may",
        "miles",
        "moore",
        "park",
        "pat",
        "penny",
        "rich",
        "rose",
        "ruby",
        "sandy",
        "summer",
        "wade",
        "ward",
        "white",
        "will",
        "wood",
        "young",
    }
)

#: Honorifics ignored when a register name is split into parts.
_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "rev", "sir", "dame"}
)

_APOSTROPHES = "'\u2019\u2018`\u02bc"
_HYPHENS = "-\u2010\u2011"
_CHAR_FOLD = str.maketrans(
    {**{c: "'" for c in _APOSTROPHES}, **{c: "-" for c in _HYPHENS}}
)
_LETTER = r"(?:[^\W\d_]|[\u0300-\u036f])"
_APOS_CLASS = "['\u2019\u2018`\u02bc]"
_HYPHEN_CLASS = "[-\u2010\u2011]"
_HYPHEN_SEARCH = re.compile(_HYPHEN_CLASS).search


class PseudonymKeyError(ValueError):
    """The pseudonymisation key is missing, too short or not allowed."""


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


# ---------------------------------------------------------------------------
# 1. NHS numbers
# ---------------------------------------------------------------------------

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_NHS_FULL_RE = re.compile(r"\d{3}[ -]?\d{3}[ -]?\d{4}")


def nhs_check_digit(first9: str) -> int | None:
    """Compute the modulus-11 check digit of an NHS number.

    Digits 1-9 are weighted 10 down to 2 and summed; the check digit is
    ``11 - (sum mod 11)``, with 11 written as 0. A result of 10 means that no
    valid NHS number starts with these nine digits.

    Parameters
    ----------
    first9 : str
        Exactly nine ASCII digits.

    Returns
    -------
    int or None
        The check digit 0-9, or ``None`` when the check would be 10.

    Raises
    ------
    ValueError
        If ``first9`` is not nine digits.
    """
    if not isinstance(first9, str) or not re.fullmatch(r"[0-9]{9}", first9):
        raise ValueError("nhs_check_digit needs exactly nine digits")
    total = sum(int(d) * w for d, w in zip(first9, _NHS_WEIGHTS))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    """Tell whether a string is a well-formed NHS number with a valid check digit.

    Parameters
    ----------
    value : str
        Ten digits, optionally grouped 3-3-4 with single spaces or hyphens
        ("943 476 5919", "943-476-5919"); surrounding whitespace is ignored.

    Returns
    -------
    bool
        ``True`` when the format and the check digit are both correct. Any
        non-string input gives ``False``.
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not _NHS_FULL_RE.fullmatch(text):
        return False
    digits = re.sub(r"\D", "", text)
    return nhs_check_digit(digits[:9]) == int(digits[9])


def make_test_nhs_number(rng: np.random.Generator) -> str:
    """Draw a synthetic NHS number from the 999 000 0000-999 999 9999 test range.

    Parameters
    ----------
    rng : numpy.random.Generator
        Seeded generator (the only source of randomness).

    Returns
    -------
    str
        Ten digits without spaces, starting ``999``, with a valid check digit.
        Draws whose check digit would be 10 are discarded and redrawn.
    """
    while True:
        first9 = f"999{int(rng.integers(0, 1_000_000)):06d}"
        check = nhs_check_digit(first9)
        if check is not None:
            return f"{first9}{check}"


# ---------------------------------------------------------------------------
# 2. Keyed pseudonyms
# ---------------------------------------------------------------------------

_IDENTIFIER_KINDS = ("email", "name", "nhs_number", "phone", "postcode", "study_id")


def _phone_digits(value: str) -> str:
    """Digits of a UK phone number in national form (+44 / 0044 -> 0)."""
    text = value.strip().replace("(0)", "")
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and digits.startswith("44"):
        digits = "0" + digits[2:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    while digits.startswith("00"):
        digits = digits[1:]
    return digits


def normalise_identifier(value: str, kind: str) -> str:
    """Bring an identifier to the canonical form that is hashed.

    Parameters
    ----------
    value : str
        Raw identifier.
    kind : {"nhs_number", "postcode", "email", "name", "study_id", "phone"}
        ``nhs_number``: digits only. ``postcode``: upper case, all whitespace
        removed. ``email``: stripped, lower case. ``name``: Unicode NFC,
        case-folded, runs of whitespace collapsed to one space. ``study_id``:
        stripped, upper case. ``phone``: digits only, with a leading ``+44`` or
        ``0044`` (and an optional ``(0)``) turned into the national ``0``.

    Returns
    -------
    str
        The normalised identifier.

    Raises
    ------
    ValueError
        If ``kind`` is unknown, ``value`` is not a string, or nothing is left
        after normalisation.
    """
    if kind not in _IDENTIFIER_KINDS:
        raise ValueError(
            f"unknown identifier kind {kind!r}; expected one of {list(_IDENTIFIER_KINDS)}"
        )
    if not isinstance(value, str):
        raise ValueError(f"{kind} value must be a string, got {type(value).__name__}")
    if kind == "nhs_number":
        out = re.sub(r"\D", "", value)
    elif kind == "postcode":
        out = re.sub(r"\s", "", value).upper()
    elif kind == "email":
        out = value.strip().lower()
    elif kind == "name":
        out = " ".join(unicodedata.normalize("NFC", value).casefold().split())
    elif kind == "study_id":
        out = value.strip().upper()
    else:  # phone
        out = _phone_digits(value)
    if not out:
        raise ValueError(f"{kind} value is empty after normalisation")
    return out


def pseudonym(
    value: str, key: bytes, kind: str, prefix: str = "", length: int = 10
) -> str:
    """Return a keyed, repeatable pseudonym for an identifier.

    The pseudonym is ``prefix`` followed by the first ``length`` characters of
    the lower-case hexadecimal HMAC-SHA256 digest of
    ``kind + ":" + normalise_identifier(value, kind)`` (UTF-8) under ``key``.
    The same key and value always give the same pseudonym; without the key
    the pseudonym cannot be recomputed from a guessed value.

    Parameters
    ----------
    value : str
        Raw identifier (normalised with :func:`normalise_identifier`).
    key : bytes
        Secret key (see :func:`load_key`).
    kind : str
        Identifier kind; it is part of the hashed message, so the same string
        gives different pseudonyms as different kinds.
    prefix : str, optional
        Text put in front, e.g. ``"P"``.
    length : int, optional
        Number of hex digits kept, 1-64 (default 10, i.e. 40 bits).

    Returns
    -------
    str
        The pseudonym.

    Raises
    ------
    ValueError
        If the key is empty or not bytes, ``length`` is out of range, or the
        value is invalid for ``kind``.
    """
    if not isinstance(key, (bytes, bytearray)) or len(key) == 0:
        raise ValueError("pseudonym key must be non-empty bytes")
    if not isinstance(length, (int, np.integer)) or not 1 <= int(length) <= 64:
        raise ValueError("pseudonym length must be an integer from 1 to 64")
    message = f"{kind}:{normalise_identifier(value, kind)}".encode("utf-8")
    digest = hmac.new(bytes(key), message, digestmod=hashlib.sha256).hexdigest()
    return f"{prefix}{digest[: int(length)]}"


def _key_help(reason: str) -> str:
    return (
        f"{reason} Supply a secret pseudonymisation key of at least {MIN_KEY_BYTES} "
        f"bytes, either in the environment variable {KEY_ENV_VAR} or in a text file "
        f"named by the configuration key {KEY_CONFIG_KEY}; keep that file OUTSIDE "
        "the repository and never commit it. One way to make a key: "
        'python -c "import secrets; print(secrets.token_hex(32))". '
        "The demo key shipped with the synthetic data may be used only for "
        "synthetic data."
    )


def _key_bytes(text: str | None) -> bytes | None:
    if text is None:
        return None
    # Comment lines (such as the header of the shipped demo key file) are not
    # part of the key: otherwise the bare demo key, copied into the
    # environment or a key file, would not be recognised as the demo key.
    stripped = "\n".join(
        ln for ln in text.splitlines() if not ln.lstrip().startswith("#")
    ).strip()
    return stripped.encode("utf-8") if stripped else None


def load_key(
    env_value: str | None,
    file_text: str | None,
    demo_key_text: str | None,
    synthetic: bool,
) -> tuple[bytes, str]:
    """Choose the pseudonymisation key and check that it may be used.

    Order of precedence: the environment value, then the key file's text,
    then (synthetic data only) the demo key. Key texts lose their comment
    lines (starting with ``#``), are stripped of surrounding whitespace and
    are used as their UTF-8 bytes (a 64-character
    ``secrets.token_hex(32)`` string therefore gives a 64-byte key).

    Parameters
    ----------
    env_value : str or None
        Value of the environment variable :data:`KEY_ENV_VAR` (``None`` or
        blank when unset).
    file_text : str or None
        Text of the file named by :data:`KEY_CONFIG_KEY` (``None`` when no
        file is configured).
    demo_key_text : str or None
        Text of the demo key shipped with the synthetic data.
    synthetic : bool
        Whether the data set is marked synthetic.

    Returns
    -------
    key : bytes
        The key.
    source : {"env", "file", "demo"}
        Where it came from. ``"demo"`` whenever the key equals the demo key,
        whichever channel delivered it, so that provenance records show that
        the pseudonyms are not secret.

    Raises
    ------
    PseudonymKeyError
        If no key is given for non-synthetic data; if the demo key is given
        for non-synthetic data; if the key is shorter than
        :data:`MIN_KEY_BYTES` bytes (the demo key with synthetic data is
        exempt); or if synthetic data have neither a key nor a demo key.
    """
    demo = _key_bytes(demo_key_text)
    env = _key_bytes(env_value)
    from_file = _key_bytes(file_text)
    if env is not None:
        key, source = env, "env"
    elif from_file is not None:
        key, source = from_file, "file"
    elif synthetic:
        if demo is None:
            raise PseudonymKeyError(
                _key_help(
                    "The data are synthetic but no demo key and no key were given."
                )
            )
        return demo, "demo"
    else:
        raise PseudonymKeyError(
            _key_help(
                "No pseudonymisation key was given and the data are not synthetic."
            )
        )
    is_demo = demo is not None and hmac.compare_digest(key, demo)
    if is_demo:
        if not synthetic:
            raise PseudonymKeyError(
                _key_help(
                    f"The key from {source} is the public demo key, which is not "
                    "allowed for real (non-synthetic) data."
                )
            )
        return key, "demo"
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(
            _key_help(
                f"The key from {source} is {len(key)} bytes long, shorter than "
                f"the minimum of {MIN_KEY_BYTES}."
            )
        )
    return key, source


def check_key_file_location(
    key_path: str | PurePath, repo_root: str | PurePath
) -> None:
    """Refuse a key file that lies inside the repository.

    Pure path comparison: pass both paths already made absolute and resolved
    (``pathlib.Path(p).resolve()``) by the caller.

    Parameters
    ----------
    key_path : str or PurePath
        Absolute path of the key file.
    repo_root : str or PurePath
        Absolute path of the repository root.

    Raises
    ------
    PseudonymKeyError
        If ``key_path`` is inside ``repo_root`` or either path is relative.
    """
    key_p, root_p = PurePath(key_path), PurePath(repo_root)
    if not key_p.is_absolute() or not root_p.is_absolute():
        raise PseudonymKeyError(
            _key_help(
                f"The paths given for {KEY_CONFIG_KEY} and the repository must be absolute."
            )
        )
    if key_p == root_p or key_p.is_relative_to(root_p):
        raise PseudonymKeyError(
            _key_help(f"The file named by {KEY_CONFIG_KEY} is inside the repository.")
        )


# ---------------------------------------------------------------------------
# 3. Structured fields
# ---------------------------------------------------------------------------

_OUTWARD_RE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_INWARD_RE = re.compile(r"[0-9][A-Z]{2}")


def postcode_district(pc: str) -> str:
    """Return the postcode district (outward code) of a UK postcode.

    The inward code is always the last three characters once spaces are
    removed; the district is what comes before it.

    Parameters
    ----------
    pc : str
        Full postcode in any case, with or without spaces ("SW17 0RE", "po13ax").

    Returns
    -------
    str
        Upper-case district, e.g. ``"SW17"``, ``"PO1"``.

    Raises
    ------
    ValueError
        If the value does not have the shape of a full UK postcode (the value
        itself is not shown).
    """
    if not isinstance(pc, str):
        raise ValueError(f"postcode must be a string, got {type(pc).__name__}")
    code = re.sub(r"\s", "", pc).upper()
    if code == "GIR0AA":
        return "GIR"
    outward, inward = code[:-3], code[-3:]
    if (
        len(code) < 5
        or not _OUTWARD_RE.fullmatch(outward)
        or not _INWARD_RE.fullmatch(inward)
    ):
        raise ValueError("postcode does not have the shape of a full UK postcode")
    return outward


def age_at(dob: dt.date, on: dt.date) -> int:
    """Age in completed years on a given date.

    Parameters
    ----------
    dob : datetime.date
        Date of birth (a ``datetime`` is reduced to its date).
    on : datetime.date
        Reference date.

    Returns
    -------
    int
        Completed years. Someone born on 29 February turns a year older on
        1 March in non-leap years.

    Raises
    ------
    ValueError
        If ``on`` is before ``dob``.
    """
    d0 = dob.date() if isinstance(dob, dt.datetime) else dob
    d1 = on.date() if isinstance(on, dt.datetime) else on
    if d1 < d0:
        raise ValueError("reference date is before the date of birth")
    return d1.year - d0.year - ((d1.month, d1.day) < (d0.month, d0.day))


def age_band(age: float | None, edges: list[int]) -> str | None:
    """Put an age into a band.

    Parameters
    ----------
    age : float or None
        Age in years; fractional ages are floored to completed years. ``None``
        / NaN / ``pd.NA`` mean missing.
    edges : list of int
        Strictly increasing lower band limits, e.g. ``[18, 25, 35, 45, 55, 65]``
        gives "18-24", "25-34", "35-44", "45-54", "55-64", "65+".

    Returns
    -------
    str or None
        The band label; ``"<18"`` (``"<" + first edge``) below the first
        edge; ``None`` when the age is missing.

    Raises
    ------
    ValueError
        If ``edges`` is empty or not strictly increasing, or the age is negative.
    """
    if not edges or any(int(b) <= int(a) for a, b in zip(edges, edges[1:])):
        raise ValueError("age band edges must be a non-empty, strictly increasing list")
    if age is None or pd.isna(age):
        return None
    if age < 0:
        raise ValueError("age is negative")
    years = int(np.floor(float(age)))
    lows = [int(e) for e in edges]
    if years < lows[0]:
        return f"<{lows[0]}"
    i = bisect.bisect_right(lows, years) - 1
    if i == len(lows) - 1:
        return f"{lows[i]}+"
    return f"{lows[i]}-{lows[i + 1] - 1}"


def days_between(start: dt.date | str | None, end: dt.date | str | None) -> int | None:
    """Whole days from ``start`` to ``end`` (negative when ``end`` is earlier).

    Parameters
    ----------
    start, end : datetime.date, pandas.Timestamp, ISO string or None
        Dates; times of day are ignored.

    Returns
    -------
    int or None
        ``end - start`` in days, or ``None`` when either date is missing.
    """
    if start is None or end is None or pd.isna(start) or pd.isna(end):
        return None
    t0 = pd.Timestamp(start).normalize()
    t1 = pd.Timestamp(end).normalize()
    return int((t1 - t0).days)


# ---------------------------------------------------------------------------
# 4. Transcript scrubbing
# ---------------------------------------------------------------------------

# A word: letters (with combining accents), joined by internal apostrophes or
# hyphens ("O'Neill", "Smith-Jones", "Sarah's").
_WORD_RE = re.compile(rf"{_LETTER}+(?:(?:{_APOS_CLASS}|{_HYPHEN_CLASS}){_LETTER}+)*")
# What may separate two name words that are joined into one [NAME]:
# whitespace (line breaks included), a hyphen, or a middle initial.
_NAME_GAP_RE = re.compile(r"\s+|\s*-\s*|\s+[A-Z]\.?\s+")


@functools.lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    """NFC, unified apostrophes and hyphens, case-folded."""
    return unicodedata.normalize("NFC", text).translate(_CHAR_FOLD).casefold()


def _letters(word: str) -> int:
    return sum(ch.isalpha() for ch in word)


def _name_parts(full_name: str, min_letters: int) -> set[str]:
    """Case-folded searchable parts of one register name."""
    parts: set[str] = set()
    for raw in _fold(full_name).split():
        word = raw.strip('"()[]{},.;:!?')
        word = word.strip("'-")
        if not word or word.rstrip(".") in _TITLES:
            continue
        candidates = {word}
        for piece in word.split("-"):
            candidates.add(piece)
            if "'" in piece:
                candidates.add(piece.replace("'", ""))
                candidates.update(piece.split("'"))
        if "'" in word:
            candidates.add(word.replace("'", ""))
        for cand in candidates:
            cand = cand.strip("'-")
            if cand and cand not in _TITLES and _letters(cand) >= min_letters:
                parts.add(cand)
    return parts


@dataclass(frozen=True)
class NameMatcher:
    """Finds the names of study people in free text.

    Build it with :func:`build_name_matcher`. Its printed form shows only the
    number of name parts, never the names.

    Attributes
    ----------
    parts : frozenset of str
        Case-folded name parts (full names are split into words; hyphenated
        and apostrophe names also contribute their pieces of 2+ letters).
    stopwords : frozenset of str
        Case-folded parts that are spared when written in lower case.
    initials : frozenset of str
        Case-folded single-letter name parts, taken only next to a name.
    """

    parts: frozenset[str] = field(repr=False)
    stopwords: frozenset[str] = field(default=frozenset(), repr=False)
    initials: frozenset[str] = field(default=frozenset(), repr=False)

    def __repr__(self) -> str:
        return f"NameMatcher(<{len(self.parts)} name parts>, <{len(self.stopwords)} stopwords>)"

    def _is_name(self, word: str) -> bool:
        key = _fold(word)
        if key not in self.parts:
            return False
        return not (key in self.stopwords and word == word.lower())

    def _word_spans(self, text: str, start: int, word: str) -> list[tuple[int, int]]:
        """Name spans inside one word token (possessive suffixes left out)."""
        end = start + len(word)
        if self._is_name(word):
            return [(start, end)]
        # "Sarah's" / "Khan's": name followed by apostrophe + s.
        if len(word) > 2 and word[-2] in _APOSTROPHES and word[-1] in "sS":
            if self._is_name(word[:-2]):
                return [(start, end - 2)]
        # "Sarahs'": name + s, then a closing apostrophe.
        if (
            end < len(text)
            and text[end] in _APOSTROPHES
            and len(word) > 1
            and word[-1] in "sS"
            and self._is_name(word[:-1])
        ):
            return [(start, end - 1)]
        # Hyphenated compounds: check each piece.
        if _HYPHEN_SEARCH(word):
            spans: list[tuple[int, int]] = []
            for m in re.finditer(rf"[^{_HYPHENS}]+", word):
                spans.extend(self._word_spans(text, start + m.start(), m.group()))
            return spans
        return []

    def find(self, text: str) -> list[tuple[int, int]]:
        """Return the sorted character spans of names in ``text``.

        Neighbouring names separated only by whitespace (line breaks
        included), a hyphen or a middle initial are merged into one span, so a
        full name gives one span. A capital single letter that is itself a
        register name part (the "O" of "O Neill", the "Ó" of "Ó Briain") is
        taken only when it stands next to a name.

        Parameters
        ----------
        text : str
            Any text.

        Returns
        -------
        list of (int, int)
            Half-open ``(start, end)`` spans, sorted and non-overlapping.
        """
        if not self.parts:
            return []
        spans: list[tuple[int, int, bool]] = []
        for m in _WORD_RE.finditer(text):
            word = m.group()
            found = self._word_spans(text, m.start(), word)
            if found:
                spans.extend((s, e, True) for s, e in found)
            elif len(word) == 1 and word.isupper() and _fold(word) in self.initials:
                spans.append((m.start(), m.end(), False))
        merged: list[list[Any]] = []
        for s, e, strong in spans:
            if merged and _NAME_GAP_RE.fullmatch(text, merged[-1][1], s):
                merged[-1][1] = e
                merged[-1][2] = merged[-1][2] or strong
            else:
                merged.append([s, e, strong])
        return [(s, e) for s, e, strong in merged if strong]


def build_name_matcher(
    names: Iterable[str], stopwords: set[str] | frozenset[str] = frozenset()
) -> NameMatcher:
    """Build a :class:`NameMatcher` from the full names in the study registers.

    Parameters
    ----------
    names : iterable of str
        Full names of everyone in the registers (participants, carers, staff,
        managers). Missing values (``None``, NaN, blank) are skipped. Titles
        such as "Dr" or "Mrs" and single letters are not name parts.
    stopwords : set of str, optional
        Name parts that are also common words and should be left alone when
        they appear entirely in lower case (e.g. ``{"will", "hope"}``; see
        :data:`COMMON_WORD_NAMES`). Capitalised or upper-case uses are still
        scrubbed. Default: empty (every name part is always scrubbed).

    Returns
    -------
    NameMatcher
        Matcher for whole-word, case-insensitive name matching.
    """
    parts: set[str] = set()
    initials: set[str] = set()
    for name in names:
        if not isinstance(name, str) or not name.strip():
            continue
        parts |= _name_parts(name, min_letters=2)
        initials |= {p for p in _name_parts(name, min_letters=1) if len(p) == 1}
    return NameMatcher(
        parts=frozenset(parts),
        initials=frozenset(initials),
        stopwords=frozenset(_fold(w) for w in stopwords if isinstance(w, str)),
    )


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
    + r"\b(?:,?\s+(?:\d{4}|'\d{2})(?!\d))?"
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
) -> list[tuple[int, int, str]]:
    """All candidate detections (may overlap)."""
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
    for m in _DATE_RE.finditer(text):
        if _plausible_date(m):
            found.append((m.start(), m.end(), "DATE"))
    place_re = _place_regex(places)
    if place_re is not None:
        for m in place_re.finditer(text):
            found.append((m.start(), m.end(), "PLACE"))
    for s, e in matcher.find(text):
        found.append((s, e, "NAME"))
    return found


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
    """

    text: str = field(repr=False)
    counts: dict[str, int]
    replacements: tuple[Replacement, ...] = field(repr=False)
    raw_length: int

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
    regions = _resolve(_detect(text, matcher, places))
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
    return ScrubResult(
        text="".join(out),
        counts=dict(sorted(counts.items())),
        replacements=tuple(reps),
        raw_length=len(text),
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
        also their pieces); NHS numbers their ten digits; phone numbers their
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
            names |= {p for p in _name_parts(value, min_letters=3) if p not in ignore}
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
            if key in names:
                counts["name"] += 1
            elif key.endswith("'s") and key[:-2] in names:
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


# ---------------------------------------------------------------------------
# 6. k-anonymity / disclosure control
# ---------------------------------------------------------------------------

SUPPRESSED = "suppressed"


def _check_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what}: column(s) {missing} not in the data frame")


def _classes(df: pd.DataFrame, quasi_identifiers: list[str]) -> pd.Series:
    if not quasi_identifiers:
        return pd.Series([len(df)] if len(df) else [], dtype="int64")
    return df.groupby(
        list(quasi_identifiers), dropna=False, observed=True, sort=True
    ).size()


def smallest_class(df: pd.DataFrame, quasi_identifiers: list[str]) -> int:
    """Size of the smallest equivalence class (the data set's k).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person.
    quasi_identifiers : list of str
        Columns an intruder could know. Missing values form a class of their
        own. With no quasi-identifiers the whole frame is one class.

    Returns
    -------
    int
        Smallest number of rows sharing one combination of values; 0 for an
        empty frame.

    Raises
    ------
    KeyError
        If a quasi-identifier is not a column.
    """
    _check_columns(df, quasi_identifiers, "quasi-identifiers")
    sizes = _classes(df, quasi_identifiers)
    return int(sizes.min()) if len(sizes) else 0


def _apply_step(s: pd.Series, step: Mapping[str, Any], n: int) -> tuple[pd.Series, str]:
    values = s.astype(object)
    if "map" in step:
        mapping = step["map"]
        if not isinstance(mapping, Mapping):
            raise ValueError(f"generalisation step {n}: 'map' must be a mapping")
        new = values.map(lambda v: v if pd.isna(v) or v not in mapping else mapping[v])
        return new, "map"
    if "merge_below" in step:
        threshold = step["merge_below"]
        into = step.get("into", "other")
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, np.integer))
            or threshold < 1
        ):
            raise ValueError(
                f"generalisation step {n}: 'merge_below' must be a positive integer"
            )
        freq = values.value_counts(dropna=True)
        rare = {v for v, c in freq.items() if c < threshold and v != into}
        new = values.map(lambda v: into if (not pd.isna(v) and v in rare) else v)
        return new, "merge_below"
    if step.get("suppress") is True:
        return pd.Series(SUPPRESSED, index=s.index, dtype=object), "suppress"
    raise ValueError(
        f"generalisation step {n}: needs one of 'map', 'merge_below' (+ 'into') or 'suppress: true'"
    )


def enforce_k(
    df: pd.DataFrame,
    quasi_identifiers: list[str],
    k: int,
    steps: list[dict[str, Any]],
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Generalise quasi-identifiers step by step until every class has >= k rows.

    Steps are applied in the configured order, stopping as soon as the
    smallest class reaches ``k``. Step forms:

    * ``{"column": c, "map": {old: new, ...}}``: recode listed values; other
      values and missing values are kept;
    * ``{"column": c, "merge_below": n, "into": label}``: values seen in fewer
      than ``n`` rows become ``label`` (default ``"other"``);
    * ``{"column": c, "suppress": True}``: every value becomes ``"suppressed"``.

    Changed columns have object dtype.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person; not modified.
    quasi_identifiers : list of str
        Columns defining the equivalence classes.
    k : int
        Target smallest class size (>= 1).
    steps : list of dict
        Generalisation steps, as above.

    Returns
    -------
    frame : pandas.DataFrame
        The generalised copy.
    log : list of dict
        One entry per applied step with keys ``step`` (1-based position in
        ``steps``), ``action``, ``column``, ``rows_changed``, ``k_before``,
        ``k_after``, ``classes_before``, ``classes_after``, ``target_k`` and
        ``reached``; then a final entry with ``action`` ``"result"`` whose
        ``reached`` says whether the target was met (an empty frame counts as
        met). The function does not raise when the target is missed: the
        caller decides.

    Raises
    ------
    ValueError
        If ``k`` < 1 or a step is malformed (the message names the step).
    KeyError
        If a quasi-identifier or a step column is missing.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError("k must be a positive integer")
    _check_columns(df, quasi_identifiers, "quasi-identifiers")
    out = df.copy()
    log: list[dict[str, Any]] = []

    def state(frame: pd.DataFrame) -> tuple[int, int]:
        sizes = _classes(frame, quasi_identifiers)
        return (int(sizes.min()) if len(sizes) else 0), int(len(sizes))

    def met(k_now: int) -> bool:
        return len(out) == 0 or k_now >= k

    k_now, n_classes = state(out)
    for n, step in enumerate(steps, start=1):
        if met(k_now):
            break
        if not isinstance(step, Mapping) or "column" not in step:
            raise ValueError(
                f"generalisation step {n} must be a mapping with a 'column'"
            )
        column = step["column"]
        _check_columns(out, [column], f"generalisation step {n}")
        new, action = _apply_step(out[column], step, n)
        old = out[column].astype(object)
        changed = int(
            sum(
                not (
                    (pd.isna(a) and pd.isna(b))
                    or (not pd.isna(a) and not pd.isna(b) and a == b)
                )
                for a, b in zip(old, new)
            )
        )
        out[column] = new
        k_after, classes_after = state(out)
        log.append(
            {
                "step": n,
                "action": action,
                "column": column,
                "rows_changed": changed,
                "k_before": k_now,
                "k_after": k_after,
                "classes_before": n_classes,
                "classes_after": classes_after,
                "target_k": int(k),
                "reached": met(k_after),
            }
        )
        k_now, n_classes = k_after, classes_after
    log.append(
        {
            "step": None,
            "action": "result",
            "column": None,
            "rows_changed": 0,
            "k_before": k_now,
            "k_after": k_now,
            "classes_before": n_classes,
            "classes_after": n_classes,
            "target_k": int(k),
            "reached": met(k_now),
        }
    )
    return out, log
