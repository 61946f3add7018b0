"""Spelled-out numbers typed by hand: "seven themes" is a number too.

The trace check (:mod:`selfcare.report.trace`) fails on digits typed in the
manuscript's prose; this module extends it to number words, in the whole
manuscript (but the sections of :data:`NUMBER_WORD_PENDING`), in the figure
captions (``manuscript/figures.yaml``) and in the table captions
(``manuscript/tables.yaml``, digits too), allowing only the fixed phrases of
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
    find_hand_typed_digits,
    mask_generated,
)

__all__ = [
    "NUMBER_WORD",
    "NUMBER_WORD_PHRASES",
    "NUMBER_WORD_PENDING",
    "check_captions",
    "check_number_word_sections",
    "check_table_caption",
    "find_number_words",
    "prose_of",
]

#: Number words: a count written as a word ("seven themes") is a number too.
NUMBER_WORD = re.compile(
    r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty"
    r"|ninety|hundred|thousand|million)\b",
    re.IGNORECASE,
)

#: Fixed phrases whose number word is not a value from data or configuration
#: (matched case-insensitively around the word): idioms and the names of
#: methods. Periods, counts of items, themes, questions and scale points are
#: registry records (the recall period is a column of the hand-over, the
#: themes and questions are configuration), never phrases here.
NUMBER_WORD_PHRASES: tuple[str, ...] = (
    r"one another",  # idiom
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


#: Headings of sections left out of the number-word check: none. Every section
#: of the manuscript is checked, from the executive summary to the appendices
#: (a test or a caller may pass its own list).
NUMBER_WORD_PENDING: tuple[str, ...] = ()

#: Citation years in captions ("Gillard et al. 2010"): a reference, not a value.
_CITATION_YEAR = re.compile(r"(?<=et al\. )\(?\d{4}\)?")


def _blank_lines(text: str, start: int, end: int) -> str:
    """``text`` with lines ``start`` to ``end - 1`` (0-based) emptied, line count kept."""
    lines = text.split("\n")
    return "\n".join("" if start <= i < end else line for i, line in enumerate(lines))


def prose_of(source_text: str, pending: Iterable[str] = NUMBER_WORD_PENDING) -> str:
    """The manuscript's prose as checked (front matter included): ``pending`` sections emptied.

    Line numbers are kept, so a finding's line is the line of the source.
    A pending heading absent from the document is skipped.
    """
    text = source_text
    heads = _headings(source_text)
    for heading in pending:
        hits = [h for h in heads if _normalise_heading(h[2]) == _normalise_heading(heading)]
        for index, level, _ in hits:
            end = next((i for i, lv, _ in heads if i > index and lv <= level), len(source_text.split("\n")))
            text = _blank_lines(text, index, end)
    return text


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


def check_table_caption(name: str, caption: str, file_name: str = "manuscript/tables.yaml") -> None:
    """Fail if a table caption holds a hand-typed digit or number word.

    Citation years ("Gillard et al. 2010") are references, not values.

    Raises
    ------
    HandTypedNumberError
        Naming the file, the table, the token and its sentence.
    """
    masked = _CITATION_YEAR.sub(_blank, caption)
    found = find_hand_typed_digits(masked, 1, NAME_TOKENS) + find_number_words(masked, 1)
    if found:
        hits = "\n".join(f"  {file_name}: table {name}: {h['token']!r} in: {h['sentence']}" for h in found)
        raise HandTypedNumberError(
            f"{len(found)} hand-typed number(s) in a table caption; quote them with {{registry.key}}:\n{hits}"
        )


def check_number_word_sections(
    source_text: str, qmd_name: str = "manuscript", pending: Iterable[str] = NUMBER_WORD_PENDING
) -> None:
    """Fail on spelled-out numbers anywhere in the manuscript's prose.

    Parameters
    ----------
    source_text : str
        The manuscript source as written.
    qmd_name : str, optional
        Its file name (for messages).
    pending : iterable of str, optional
        Headings of sections not (yet) checked (default :data:`NUMBER_WORD_PENDING`).

    Raises
    ------
    HandTypedNumberError
        Naming the file, line, word and sentence of every finding.
    """
    words = find_number_words(prose_of(source_text, pending), 1)
    if words:
        lines = "\n".join(f"  {qmd_name}:{h['line']}: {h['token']!r} in: {h['sentence']}" for h in words)
        raise HandTypedNumberError(f"{len(words)} spelled-out number(s); quote them from the registry:\n{lines}")
