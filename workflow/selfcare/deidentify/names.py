"""Register names in free text: the name matcher of the transcript scrubber.

Transcript names come from a list of the people in the study registers.
Every name part of two or more letters is matched wherever it stands as a
whole word, in any case, including name parts that are also ordinary English
words ("Will", "Hope", "Rose", "May"): a conservative default that may
over-scrub. Words passed in ``stopwords`` are spared only when written
entirely in lower case ("I hope so" kept, "Hope said" scrubbed). Possessives,
curly apostrophes and names split across a line end are matched too.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

__all__ = [
    "COMMON_WORD_NAMES",
    "NameMatcher",
    "build_name_matcher",
]

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


@functools.lru_cache(maxsize=65536)
def _unaccent(word: str) -> str:
    """A word without its accents (``zoë`` -> ``zoe``, ``josé`` -> ``jose``)."""
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))
    )


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
            key = _unaccent(key)  # "Zoe" for a register "Zoë", and back
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
        found = _name_parts(name, min_letters=2)
        parts |= found | {_unaccent(p) for p in found}
        initials |= {p for p in _name_parts(name, min_letters=1) if len(p) == 1}
    return NameMatcher(
        parts=frozenset(parts),
        initials=frozenset(initials),
        stopwords=frozenset(_fold(w) for w in stopwords if isinstance(w, str)),
    )
