"""Names beyond the registers: a name gazetteer, an English word list and
name contexts, used by the transcript scrubber.

Maintained data, not hand-typed lists (issue 12, item 1):

* first names and surnames with their frequencies: the US Census Bureau's
  1990 name files (``dist.male.first``, ``dist.female.first``,
  ``dist.all.last``; public domain), as bundled by the PyPI package
  ``names`` 0.3.0 (MIT);
* ordinary English words: the lower-case entries of Webster's Second
  International Dictionary word list (``web2``; public domain), as bundled by
  ``english-words`` 2.0.2 (MIT). A word written in lower case there is an
  ordinary word; regular inflections (-s, -es, -ies, -ed, -ing, -er, -est,
  -ly) are reduced before the look-up;
* a second, modern word list for words the 1934 dictionary lacks ("hang",
  "okay"): the headwords of the GNU Collaborative International Dictionary
  of English 0.53 (``gcide``, as bundled by ``english-words``); it
  lower-cases proper nouns, so its words count as ordinary only when the
  gazetteer does not hold them, and a lower-case word it holds is never
  taken for a name;
* diminutives and full forms ("Bob" for Robert, "Liz" for Elizabeth): the
  hand-curated English name/nickname table of C. Northern and N. Crews
  (github.com/carltonnorthern/nicknames), as bundled by ``nicknames`` 1.0.1
  (Apache-2.0).

A word is a *name* when the gazetteer knows it and the dictionary does not
("Priya", "Sutcliffe"); *ambiguous* when both know it ("Rose", "Will",
"Hall"); *unknown* when neither does ("Zyandra", "Okafor"). What the scrubber
does with each (and with the title and role contexts "Dr X", "my son X",
"my care coordinator X") is in :mod:`selfcare.deidentify.names`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

__all__ = [
    "ACRONYMS",
    "CALENDAR_WORDS",
    "CONTEXT_RE",
    "Lexicon",
    "build_lexicon",
    "load_lexicon",
    "parse_census",
    "parse_nicknames",
]

#: Words spoken in every interview that the 1934 dictionary lacks (fillers,
#: modern words); not names.
SPOKEN_WORDS: frozenset[str] = frozenset(
    {
        "erm", "er", "um", "umm", "hmm", "mm", "hm", "uh", "ah", "okay", "ok",
        "yeah", "yep", "nope", "email", "mail", "online", "internet", "website",
        "app", "apps", "texted", "facebook", "whatsapp", "google", "covid",
        "lockdown", "wellbeing", "co", "self", "non", "pre", "ex",
    }
)

#: Day and month names: never taken as names on their own (a context such as
#: "my daughter April" still is); dates are found by the date detector.
CALENDAR_WORDS: frozenset[str] = frozenset(
    {
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday", "mondays", "tuesdays", "wednesdays", "thursdays", "fridays",
        "saturdays", "sundays", "january", "february", "march", "april",
        "may", "june", "july", "august", "september", "october", "november",
        "december", "christmas", "easter",
    }
)

#: Acronyms that the name gazetteer also holds as a surname or first name:
#: written in capitals they are kept ("NICE guidance", "the UK", "SU" for
#: service user, "ED" for the emergency department, "PA", "OK", "US").
#: Acronyms the gazetteer does not hold (NHS, GP, A&E, CPA, CMHT, WRAP, PCT)
#: need no entry (see :meth:`selfcare.deidentify.names.NameMatcher.verdict`).
ACRONYMS: frozenset[str] = frozenset({"ed", "nice", "ok", "pa", "su", "uk", "us"})

_TITLES = (
    r"Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Sister|Matron|Rev|"
    r"Reverend|Father|Sir|Dame|Councillor|Cllr|Auntie|Aunty|Aunt|Uncle|Nan|Nanna|Grandma|Grandad"
)
_ROLES = (
    r"son|daughter|partner|husband|wife|boyfriend|girlfriend|fianc[eé]e?|"
    r"mum|mam|mom|mother|dad|father|brother|sister|friend|mate|pal|neighbour|"
    r"nephew|niece|cousin|grandson|granddaughter|grandchild|grandma|grandad|"
    r"nan|uncle|aunt|auntie|child|kid|baby|stepson|stepdaughter|carer|"
    r"care[ -]co-?ordinator|co-?ordinator|key[ -]?worker|support[ -]worker|"
    r"social[ -]worker|peer[ -]worker|consultant|psychiatrist|psychologist|"
    r"therapist|counsellor|doctor|gp|nurse|cpn|manager|boss|colleague|"
    r"facilitator|worker|mentor|landlord|landlady|vicar|priest|imam|rabbi"
)
#: Where a name is expected next: after a title ("Dr", "Nurse"), after a
#: possessive and a role ("my son", "her care coordinator", "our GP"), after
#: "called" or "named". The match ends where the expected name begins.
CONTEXT_RE: re.Pattern[str] = re.compile(
    rf"(?:\b(?:{_TITLES})\.?[ \t]+"
    rf"|(?i:\b(?:my|our|his|her|their|your)[ \t]+"
    rf"(?:(?:new|old|late|ex|eldest|oldest|youngest|little|big|best|older|younger|"
    rf"step|lovely)[ \t-]+)?(?:{_ROLES})s?(?:[ \t]*,)?[ \t]+(?:(?:called|named|is)[ \t]+)?)"
    rf"|(?i:\b(?:called|named|name[ \t]+is|name's|name\u2019s)[ \t]+))"
    rf"(?=[^\W\d_])"
)

_CENSUS_LINE = re.compile(r"^([A-Z][A-Z'-]*)\s+(\d+(?:\.\d+)?)\s", re.MULTILINE)


def parse_census(text: str) -> dict[str, float]:
    """Names and their frequencies (% of people) from a 1990 Census name file.

    Parameters
    ----------
    text : str
        A file such as ``dist.all.last``: one name a line, then its
        frequency, cumulative frequency and rank.

    Returns
    -------
    dict of str to float
        Lower-case name -> frequency in per cent.
    """
    return {m.group(1).lower(): float(m.group(2)) for m in _CENSUS_LINE.finditer(text)}


def parse_nicknames(text: str) -> dict[str, frozenset[str]]:
    """Name -> its diminutives and full forms, both ways, from ``names.csv``.

    Parameters
    ----------
    text : str
        The nickname table: a header, then ``name1,relationship,name2`` rows
        where the relationship is ``has_nickname``.

    Returns
    -------
    dict of str to frozenset of str
        Lower-case name -> lower-case related names (nicknames of a full
        name, and full names of a nickname).
    """
    pairs: dict[str, set[str]] = {}
    for line in text.splitlines()[1:]:
        cells = [c.strip().lower() for c in line.split(",")]
        if len(cells) != 3 or cells[1] != "has_nickname" or not cells[0] or not cells[2]:
            continue
        pairs.setdefault(cells[0], set()).add(cells[2])
        pairs.setdefault(cells[2], set()).add(cells[0])
    return {k: frozenset(v) for k, v in pairs.items()}


_SUFFIXES = (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""),
             ("ing", "e"), ("er", ""), ("er", "e"), ("est", ""), ("ly", ""), ("'s", ""))
# British spellings of the American dictionary's words.
_BRITISH = (("isation", "ization"), ("ise", "ize"), ("ised", "ized"), ("ising", "izing"),
            ("our", "or"), ("ours", "ors"), ("tre", "ter"), ("tres", "ters"), ("ogue", "og"))


@dataclass(frozen=True)
class Lexicon:
    """Name gazetteer, English word list and diminutive table.

    Attributes
    ----------
    first, last : frozenset of str
        Lower-case first names and surnames.
    words : frozenset of str
        Lower-case ordinary English words.
    known : frozenset of str
        Every lower-cased headword of a second dictionary, proper nouns
        included: a lower-case word found there is never taken for a name.
    nicknames : mapping of str to frozenset of str
        Lower-case name -> related diminutives and full forms.
    frequency : mapping of str to float
        First name -> share of people bearing it (per cent, the larger of
        the male and female figures); 0 when not known.
    """

    first: frozenset[str] = field(repr=False)
    last: frozenset[str] = field(repr=False)
    words: frozenset[str] = field(repr=False)
    known: frozenset[str] = field(repr=False)
    nicknames: Mapping[str, frozenset[str]] = field(repr=False, hash=False, compare=False)
    frequency: Mapping[str, float] = field(default_factory=dict, repr=False, hash=False, compare=False)

    def __repr__(self) -> str:
        return (f"Lexicon(<{len(self.first)} first names>, <{len(self.last)} surnames>, "
                f"<{len(self.words)} words>)")

    def is_name(self, key: str) -> bool:
        """Whether a case-folded word is in the name gazetteer."""
        return key in self.first or key in self.last

    def is_word(self, key: str) -> bool:
        """Whether a case-folded word is an ordinary English word (inflections reduced)."""
        if key in self.words or key in SPOKEN_WORDS:
            return True
        for suffix, repl in _SUFFIXES + _BRITISH:
            if not key.endswith(suffix):
                continue
            stem = key[: -len(suffix)]
            if len(stem) > 1 and (stem + repl in self.words or (
                    stem[-1:] == stem[-2:-1] and stem[:-1] + repl in self.words)):
                return True
        if key[-1:] == key[-2:-1] == key[-3:-2]:  # "sooo", "mmm"
            return True
        return False


def build_lexicon(
    first: Iterable[str] | Mapping[str, float], last: Iterable[str], words: Iterable[str],
    nicknames: Mapping[str, Iterable[str]] | None = None, known: Iterable[str] = (),
) -> Lexicon:
    """Build a :class:`Lexicon` from plain lists (all folded to lower case).

    Parameters
    ----------
    first, last : iterable of str
        First names and surnames; ``first`` may be a mapping of name to
        frequency in per cent (see :func:`parse_census`).
    words : iterable of str
        Ordinary words; entries that are not all lower case are left out
        (in ``web2`` a capitalised entry is a proper noun).
    nicknames : mapping, optional
        Name -> related names (see :func:`parse_nicknames`).
    known : iterable of str, optional
        Headwords of a second dictionary that lower-cases proper nouns too:
        those that are not in the gazetteer count as ordinary words.

    Returns
    -------
    Lexicon
    """
    frequency = {str(k).lower(): float(v) for k, v in first.items()} if isinstance(first, Mapping) else {}
    first_set = frozenset(n.lower() for n in first)
    last_set = frozenset(n.lower() for n in last)
    known_set = frozenset(w.lower() for w in known)
    return Lexicon(
        first=first_set,
        last=last_set,
        words=frozenset(w for w in words if w.islower()) | (known_set - first_set - last_set),
        known=known_set,
        frequency=frequency,
        nicknames={k.lower(): frozenset(v.lower() for v in vs) for k, vs in (nicknames or {}).items()},
    )


@functools.lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The lexicon from the bundled data of ``names``, ``english-words`` and ``nicknames``.

    Returns
    -------
    Lexicon
        Loaded once per process (about a second; some 40 MB).
    """
    import english_words
    import names
    import nicknames

    from selfcare.core import io

    male = parse_census(io.read_text(names.FILES["first:male"]))
    female = parse_census(io.read_text(names.FILES["first:female"]))
    first = {k: max(male.get(k, 0.0), female.get(k, 0.0)) for k in {*male, *female}}
    last = parse_census(io.read_text(names.FILES["last"]))
    table = parse_nicknames(io.read_text(Path(nicknames.__file__).parent / "names.csv"))
    words = english_words.get_english_words_set(["web2"], alpha=True)
    known = english_words.get_english_words_set(["gcide"], alpha=True, lower=True)
    return build_lexicon(first, last, words, table, known)
