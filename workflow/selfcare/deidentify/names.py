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
from typing import Any, Iterable, Mapping

from selfcare.deidentify.lexicon import ACRONYMS, CALENDAR_WORDS, CONTEXT_RE, Lexicon

__all__ = [
    "COMMON_WORD_NAMES",
    "NameMatcher",
    "build_name_matcher",
    "leak_variants",
    "misspelling_index",
    "name_variants",
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


# A word piece for the gazetteer (hyphenated words are judged piece by piece).
_PIECE_RE = re.compile(rf"{_LETTER}+(?:{_APOS_CLASS}{_LETTER}+)*")
# A hyphen at a line end ("Sa-" / "rah"), and the word parts either side.
_BREAK_GAP_RE = re.compile(rf"(?<={_LETTER}){_HYPHEN_CLASS}[ \t]*\r?\n[ \t]*(?={_LETTER})")
_TAIL_RE = re.compile(rf"{_LETTER}+\Z")
_HEAD_RE = re.compile(rf"{_LETTER}+")
_CONTRACTIONS = frozenset({"s", "m", "re", "ve", "ll", "d"})
_SENTENCE_END = ".?!:;\u2026"
_OPENERS = " \t\r\n\"'()[]\u2018\u201c\u2013\u2014-"

#: A first name borne by at least this share of people (per cent) is a
#: frequent name: a lower-case word that the second dictionary holds is taken
#: for a first name only when it is frequent, and a frequent name is an
#: ordinary word only when the dictionary holds it as it stands.
_LOWER_CASE_NAME_PCT = 0.01

#: Verdicts of the gazetteer on a word the registers do not hold.
NAME, WEAK, UNCERTAIN = "name", "weak", "uncertain"


def _key(word: str) -> str:
    """The look-up key of a word: folded, unaccented, contraction or possessive cut."""
    key = _unaccent(_fold(word))
    head, _, tail = key.rpartition("'")
    if tail == "t":  # didn't, can't, won't: never a name
        return ""
    if tail in _CONTRACTIONS:  # O'Neill's -> o'neill
        key = head
    return key.replace("'", "")


def _one_edit(a: str, b: str) -> bool:
    """Whether two different words are one deletion, insertion, substitution
    or swap of neighbouring letters apart."""
    if len(a) < len(b):
        a, b = b, a
    if len(a) - len(b) > 1 or a == b:
        return False
    if len(a) > len(b):
        return any(a[:i] + a[i + 1:] == b for i in range(len(a)))
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    i, j = diff[0], diff[-1]
    return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _sentence_start(text: str, pos: int) -> bool:
    """Whether a word at ``pos`` opens a sentence (or a speaker turn)."""
    j = pos - 1
    while j >= 0 and text[j] in _OPENERS:
        j -= 1
    return j < 0 or text[j] in _SENTENCE_END


@dataclass(frozen=True)
class NameMatcher:
    """Finds the names of study people, and names beyond the registers, in free text.

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
    variants : frozenset of str
        Diminutives and full forms of register first names ("bob" for a
        register "Robert"), from the lexicon's nickname table.
    near : mapping
        Misspelling index: a register part of five or more letters and each
        of its one-letter deletions -> the parts it came from.
    lexicon : Lexicon or None
        Name gazetteer and word list; without it only register names (and
        their accent-folded forms) are found.
    redact, keep : frozenset of str
        Words a data steward decided to redact or keep (review decisions).
    """

    parts: frozenset[str] = field(repr=False)
    stopwords: frozenset[str] = field(default=frozenset(), repr=False)
    initials: frozenset[str] = field(default=frozenset(), repr=False)
    variants: frozenset[str] = field(default=frozenset(), repr=False)
    near: Mapping[str, frozenset[str]] = field(default_factory=dict, repr=False, hash=False, compare=False)
    lexicon: Lexicon | None = field(default=None, repr=False, hash=False, compare=False)
    redact: frozenset[str] = field(default=frozenset(), repr=False)
    keep: frozenset[str] = field(default=frozenset(), repr=False)
    cache: dict[Any, list[tuple[int, int, str]]] = field(
        default_factory=dict, repr=False, hash=False, compare=False
    )

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

    def _near_part(self, key: str) -> bool:
        """Whether ``key`` is one typing slip from a register part of 5+ letters."""
        if len(key) < 4:
            return False
        for probe in (key, *_deletes(key)):
            if any(_one_edit(key, part) for part in self.near.get(probe, ())):
                return True
        return False

    def verdict(self, word: str, expected: bool, opens: bool) -> str | None:
        """What the gazetteer makes of a word the registers do not hold.

        Parameters
        ----------
        word : str
            One word (no hyphen).
        expected : bool
            A title or role stands just before it ("Dr", "my son").
        opens : bool
            It opens a sentence or a speaker turn.

        Returns
        -------
        str or None
            :data:`NAME` (a name), :data:`WEAK` (a name only next to another
            name), :data:`UNCERTAIN` (for the review) or ``None`` (a word).
        """
        lex = self.lexicon
        key = _key(word)
        if lex is None or len(key) < 2:
            return None
        if key in self.redact:
            return NAME
        # a frequent first name counts as a word only as it stands ("Beverly"
        # is not "bever" + "ly"; "Numbers", a rare census first name, is)
        frequent = lex.frequency.get(key, 0.0) >= _LOWER_CASE_NAME_PCT
        common = key in lex.words if frequent else lex.is_word(key)
        capital = word[0].isupper()
        if expected:  # after a title or role: a name, whatever the steward kept elsewhere
            return NAME if capital or not common or key in lex.first else None
        if key in self.keep:
            return None
        if key in CALENDAR_WORDS:
            return None
        if key in self.variants:
            if not common or (capital and not opens):
                return NAME
            return UNCERTAIN if capital else None
        if not common and self._near_part(key):
            return NAME
        if word.isupper() and len(key) <= 5:
            return self._capitals(key, common, opens)
        if capital:
            if not common:
                return NAME if lex.is_name(key) else UNCERTAIN
            return None if opens or not lex.is_name(key) else UNCERTAIN
        if common or not lex.is_name(key):
            return None
        if key in lex.known and lex.frequency.get(key, 0.0) < _LOWER_CASE_NAME_PCT:
            return None  # "hang", "so": a rare first name and a word
        return NAME if key in lex.first else WEAK

    def _capitals(self, key: str, common: bool, opens: bool) -> str | None:
        """The verdict on a short word in capitals ("NHS", "KHAN", "LEE").

        A known acronym (:data:`~selfcare.deidentify.lexicon.ACRONYMS`) and
        a word the gazetteer does not hold (CMHT, WRAP) are kept; so is a
        two-letter word (SO, NO: site codes, shouting) and a first name that
        is also a word and no surname (JOY). A gazetteer name that is no word
        is a name (KHAN, PATEL, KEVIN); a surname that is also a word (LEE,
        BELL) goes to review unless it opens a sentence.
        """
        lex = self.lexicon
        assert lex is not None
        if key in ACRONYMS or not lex.is_name(key):
            return None
        if not common:
            return NAME
        if len(key) < 3 or key not in lex.last or opens:
            return None
        return UNCERTAIN

    def _breaks(self, text: str) -> list[tuple[int, int]]:
        """Names split by a hyphen at a line end, as whole spans."""
        found = []
        for m in _BREAK_GAP_RE.finditer(text):
            head = _TAIL_RE.search(text, max(0, m.start() - 60), m.start())
            tail = _HEAD_RE.match(text, m.end())
            if head is None or tail is None:
                continue
            joined = head.group() + tail.group()
            if self._is_name(joined) or self.verdict(joined, False, False) == NAME:
                found.append((head.start(), tail.end()))
        return found

    def _word_kinds(
        self, word: str, apostrophe_after: bool, flags: tuple[tuple[bool, bool], ...]
    ) -> list[tuple[int, int, str]]:
        """Name, weak and review spans inside one word, relative to its start."""
        ckey = (word, apostrophe_after, flags)
        cached = self.cache.get(ckey)
        if cached is not None:
            return cached
        found = self._word_spans(word + ("'" if apostrophe_after else ""), 0, word)
        if found:
            out = [(s, e, NAME) for s, e in found]
        elif len(word) == 1 and word.isupper() and _fold(word) in self.initials:
            out = [(0, 1, WEAK)]
        else:
            out = []
            if self.lexicon is not None:
                for p, (expected, opens) in zip(_PIECE_RE.finditer(word), flags):
                    piece = p.group()
                    kind = self.verdict(piece, expected, opens)
                    if kind is not None:
                        cut = 2 if len(piece) > 2 and piece[-2] in _APOSTROPHES and piece[-1] in "sS" else 0
                        out.append((p.start(), p.end() - cut, kind))
        self.cache[ckey] = out
        return out

    def scan(self, text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Name spans and the spans of words left for review.

        Returns
        -------
        names, uncertain : list of (int, int)
            Sorted half-open spans; a word left for review is one span of its
            own, unless it stands next to a name and is part of that name.
        """
        if not self.parts and self.lexicon is None:
            return [], []
        lexicon = self.lexicon is not None
        breaks = self._breaks(text)
        spans: list[tuple[int, int, str]] = [(s, e, NAME) for s, e in breaks]
        expected = {m.end() for m in CONTEXT_RE.finditer(text)}
        cut = iter(breaks)
        nxt = next(cut, None)
        size = len(text)
        for m in _WORD_RE.finditer(text):
            start, end = m.span()
            while nxt is not None and nxt[1] <= start:
                nxt = next(cut, None)
            if nxt is not None and nxt[0] <= start < nxt[1]:
                continue
            word = m.group()
            flags: tuple[tuple[bool, bool], ...] = ()
            if lexicon and not _HYPHEN_SEARCH(word):
                flags = ((start in expected, word[0].isupper() and _sentence_start(text, start)),)
            elif lexicon:
                flags = tuple(
                    (start + p.start() in expected,
                     p.group()[0].isupper() and _sentence_start(text, start + p.start()))
                    for p in _PIECE_RE.finditer(word)
                )
            apostrophe_after = end < size and text[end] in _APOSTROPHES
            spans.extend((start + s, start + e, k) for s, e, k in self._word_kinds(word, apostrophe_after, flags))
        return self._merge(text, sorted(spans))

    @staticmethod
    def _merge(
        text: str, spans: list[tuple[int, int, str]]
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        merged: list[list[Any]] = []
        for s, e, kind in spans:
            if merged and _NAME_GAP_RE.fullmatch(text, merged[-1][1], s):
                merged[-1][1] = e
                merged[-1][2].append((s, e, kind))
            else:
                merged.append([s, e, [(s, e, kind)]])
        names = [(s, e) for s, e, members in merged if any(k == NAME for _, _, k in members)]
        unsure = [(s, e) for _, _, members in merged if all(k != NAME for _, _, k in members)
                  for s, e, k in members if k == UNCERTAIN]
        return names, unsure

    def find(self, text: str) -> list[tuple[int, int]]:
        """Return the sorted character spans of names in ``text``.

        Neighbouring names separated only by whitespace (line breaks
        included), a hyphen or a middle initial are merged into one span, so a
        full name gives one span. A capital single letter that is itself a
        register name part (the "O" of "O Neill", the "Ó" of "Ó Briain") is
        taken only when it stands next to a name. With a lexicon, names
        beyond the registers are found too (see :meth:`verdict`).

        Parameters
        ----------
        text : str
            Any text.

        Returns
        -------
        list of (int, int)
            Half-open ``(start, end)`` spans, sorted and non-overlapping.
        """
        return self.scan(text)[0]


def name_variants(parts: Iterable[str], lexicon: Lexicon) -> set[str]:
    """Diminutives and full forms of register name parts ("bob" for "robert").

    Parameters
    ----------
    parts : iterable of str
        Case-folded register name parts.
    lexicon : Lexicon
        Holds the nickname table (see :mod:`selfcare.deidentify.lexicon`).

    Returns
    -------
    set of str
        Related names of two or more letters that are not register parts.
    """
    parts = set(parts)
    found = {v for p in parts for v in lexicon.nicknames.get(p, ())}
    return {v for v in found if len(v) >= 2 and v not in parts}


def leak_variants(full_names: Iterable[str], lexicon: Lexicon) -> list[str]:
    """Diminutives and full forms of register names for the leak index.

    Only variants of three or more letters that are not ordinary words
    ("Becky" for Rebecca, not "Pat" or "Will"), so that the fail-closed leak
    check does not stop on ordinary prose.

    Parameters
    ----------
    full_names : iterable of str
        Register full names (missing values skipped).
    lexicon : Lexicon
        Nickname table and word lists.

    Returns
    -------
    list of str
        Sorted variants.
    """
    parts: set[str] = set()
    for name in full_names:
        if isinstance(name, str) and name.strip():
            parts |= _name_parts(name, min_letters=2)
    return sorted(v for v in name_variants(parts, lexicon) if len(v) >= 3 and not lexicon.is_word(v))


def misspelling_index(parts: Iterable[str]) -> dict[str, frozenset[str]]:
    """Index of one-letter slips of register parts of five or more letters.

    Parameters
    ----------
    parts : iterable of str
        Case-folded register name parts.

    Returns
    -------
    dict of str to frozenset of str
        Each part and each of its one-letter deletions -> the parts.
    """
    index: dict[str, set[str]] = {}
    for part in parts:
        if len(part) >= 5 and part.isalpha():
            for probe in (part, *_deletes(part)):
                index.setdefault(probe, set()).add(part)
    return {k: frozenset(v) for k, v in index.items()}


def build_name_matcher(
    names: Iterable[str],
    stopwords: set[str] | frozenset[str] = frozenset(),
    lexicon: Lexicon | None = None,
    redact: Iterable[str] = (),
    keep: Iterable[str] = (),
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
    lexicon : Lexicon, optional
        Name gazetteer, word list and nickname table. With it the matcher
        also finds diminutives of register names, one-letter misspellings of
        register names of five or more letters, names after a title or role,
        and gazetteer names that are not ordinary words; capitalised words it
        cannot place are left for review (:meth:`NameMatcher.scan`).
    redact, keep : iterable of str
        Words a data steward decided to redact or to keep.

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
    extra = {}
    if lexicon is not None:
        extra = {"variants": frozenset(name_variants(parts, lexicon)),
                 "near": misspelling_index(parts), "lexicon": lexicon}
    return NameMatcher(
        parts=frozenset(parts),
        initials=frozenset(initials),
        stopwords=frozenset(_fold(w) for w in stopwords if isinstance(w, str)),
        redact=frozenset(_key(w) for w in redact),
        keep=frozenset(_key(w) for w in keep),
        **extra,
    )
