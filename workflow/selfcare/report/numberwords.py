"""Spelled-out numbers typed by hand: "seven themes" is a number too.

The trace check (:mod:`selfcare.report.trace`) fails on digits typed in the
manuscript's prose; this module extends it to number words, in the sections of
:data:`NUMBER_WORD_SECTIONS` and in the figure captions
(``manuscript/figures.yaml``), allowing only the fixed phrases of
:data:`NUMBER_WORD_PHRASES`. All functions take and return text.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from selfcare.report.markdown import HandTypedNumberError, _line_of
from selfcare.report.trace import (
    NAME_TOKENS,
    _blank,
    _clean_sentence,
    _headings,
    _normalise_heading,
    _sentence_at,
    _sentence_bounds,
    extract_section,
    find_hand_typed_digits,
    mask_generated,
)

__all__ = [
    "NUMBER_WORD",
    "NUMBER_WORD_PHRASES",
    "NUMBER_WORD_SECTIONS",
    "check_captions",
    "check_number_word_sections",
    "find_number_words",
]

#: Number words: a count written as a word ("seven themes") is a number too.
NUMBER_WORD = re.compile(
    r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty"
    r"|ninety|hundred|thousand|million)\b",
    re.IGNORECASE,
)

#: Fixed phrases whose number word is not a value from data or configuration
#: (matched case-insensitively around the word): the study's design period
#: ("nine months", the published follow-up; the configuration holds the
#: follow-up window in days), idioms and the names of methods.
NUMBER_WORD_PHRASES: tuple[str, ...] = (
    r"nine[ -]months?",  # the study's published follow-up period (Gillard et al. 2010)
    r"one another",
    r"one's",  # idiom: "one's own care"
    r"one-way",  # one-way analysis of variance: a method's name
    r"two-sided",  # two-sided test: a method's name
)


def find_number_words(
    section_text: str, first_line_no: int, phrases: Iterable[str] = NUMBER_WORD_PHRASES
) -> list[dict[str, Any]]:
    """Find spelled-out numbers typed by hand (``"seven themes"``).

    Parameters
    ----------
    section_text : str
        Text of the section (or caption).
    first_line_no : int
        Line number of its first line.
    phrases : iterable of str, optional
        Regular expressions of fixed phrases that hold a number word which is
        not a value (default :data:`NUMBER_WORD_PHRASES`).

    Returns
    -------
    list of dict
        ``{"line", "sentence", "token"}`` for each number word outside the
        masked parts (:func:`mask_generated`) and the allowed phrases.
    """
    masked = mask_generated(section_text)
    for phrase in phrases:
        masked = re.sub(phrase, _blank, masked, flags=re.IGNORECASE)
    bounds = _sentence_bounds(masked, section_text)
    found = []
    for match in NUMBER_WORD.finditer(masked):
        start, end = _sentence_at(section_text, bounds, match.start())
        found.append(
            {
                "line": _line_of(section_text, match.start(), first_line_no),
                "sentence": _clean_sentence(section_text[start:end]),
                "token": match.group(0),
            }
        )
    return found


#: Sections whose number words are checked as well as their digits (the
#: other prose sections still quote some counts as words: to be extended).
NUMBER_WORD_SECTIONS: tuple[str, ...] = ("Background",)


def check_captions(captions: Mapping[str, str], file_name: str = "figures.yaml") -> None:
    """Fail if a figure caption holds a hand-typed digit or number word.

    Parameters
    ----------
    captions : mapping of str to str
        Figure name -> caption (``manuscript/figures.yaml``).
    file_name : str, optional
        File name used in the message.

    Raises
    ------
    HandTypedNumberError
        Naming the figure, the token and the sentence of every finding.
    """
    hits = []
    for name, caption in captions.items():
        for h in find_hand_typed_digits(caption, 1, NAME_TOKENS) + find_number_words(caption, 1):
            hits.append(f"  {file_name}: figure {name}: {h['token']!r} in: {h['sentence']}")
    if hits:
        raise HandTypedNumberError(
            f"{len(hits)} hand-typed number(s) in figure captions; quote them with {{{{< var key >}}}}:\n"
            + "\n".join(hits)
        )


def check_number_word_sections(source_text: str, qmd_name: str = "manuscript") -> None:
    """Fail on spelled-out numbers in the sections of :data:`NUMBER_WORD_SECTIONS`.

    Parameters
    ----------
    source_text : str
        The manuscript source as written.
    qmd_name : str, optional
        Its file name (for messages).

    Raises
    ------
    HandTypedNumberError
        Naming the line, the word and the sentence of every finding. A
        section absent from the document is skipped (the manuscript's own
        Background is required by tests/report/test_captions.py).
    """
    present = {_normalise_heading(h[2]) for h in _headings(source_text)}
    for heading in NUMBER_WORD_SECTIONS:
        if _normalise_heading(heading) not in present:
            continue
        section, first = extract_section(source_text, heading)
        words = find_number_words(section, first)
        if words:
            lines = "\n".join(f"  {qmd_name}:{h['line']}: {h['token']!r} in: {h['sentence']}" for h in words)
            raise HandTypedNumberError(f"{len(words)} spelled-out number(s); quote them from the registry:\n{lines}")
