"""Trace every number in the manuscript back to the registry.

The manuscript (``index.qmd``) quotes numbers only through Quarto shortcodes
``{{< var key >}}``; the keys come from the number registry
(:mod:`selfcare.report.registry`). This module checks that promise from both ends:

* :func:`~selfcare.report.markdown.check_var_keys` fails on a shortcode whose
  key is not in the registry (Quarto itself only warns);
* :func:`check_no_hand_typed_digits` fails on digits typed by hand in a
  section that must be fully generated (the sections of
  :data:`CHECKED_SECTIONS`: every section with prose), and
  :mod:`selfcare.report.numberwords` on spelled-out numbers ("seven themes");
* includes are inlined first (:func:`~selfcare.report.markdown.expand_includes`),
  so that the checks also see the shortcodes of generated table and figure
  snippets;
* :func:`trace_table` lists, sentence by sentence, which key fed which
  number and which rule and file it came from;
* :func:`check_values_rendered` verifies that each display string really
  appears in the rendered HTML and PDF text.

All functions take and return text; no file access happens here.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from typing import Any, Iterable, Mapping

import pandas as pd

from selfcare.report.claims import check_claims
from selfcare.report.markdown import (
    _ATTRIBUTES,
    _ATX,
    _BARE_CITATION,
    _BRACKET_CITATION,
    _ESCAPED_SHORTCODE,
    _FENCE,
    _FOOTNOTE_LABEL,
    _HTML_COMMENT,
    _LINK_TARGET,
    _LIST_NUMBER,
    _SHORTCODE,
    _TOKEN,
    _TOKEN_TRIM,
    _VAR,
    HandTypedNumberError,
    SectionNotFoundError,
    ValueNotRenderedError,
    _line_of,
    check_var_keys,
    find_var_keys,
)

# --------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------


def _normalise_heading(text: str) -> str:
    """Heading text without attributes or closing hashes, case-folded."""
    text = re.sub(r"\{[^{}]*\}\s*$", "", text.strip())
    text = re.sub(r"[ \t]+#+$", "", text)
    return " ".join(text.split()).casefold()


def _front_matter_end(qmd_text: str) -> int:
    """1-based line number of the closing YAML front matter fence (0 if none)."""
    lines = qmd_text.split("\n")
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                return i + 1
    return 0


def _headings(qmd_text: str) -> list[tuple[int, int, str]]:
    """ATX headings as (0-based line index, level, raw text), skipping YAML
    front matter and fenced code blocks."""
    lines = qmd_text.split("\n")
    found: list[tuple[int, int, str]] = []
    start = _front_matter_end(qmd_text)
    fence: str | None = None
    for i in range(start, len(lines)):
        line = lines[i]
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(
                fence_match.group(1)
            ) >= len(fence) and not line.strip()[len(fence_match.group(1)) :].strip():
                fence = None
            continue
        if fence_match:
            fence = fence_match.group(1)
            continue
        atx = _ATX.match(line)
        if atx:
            found.append((i, len(atx.group(1)), atx.group(2) or ""))
    return found


def extract_section(qmd_text: str, heading: str) -> tuple[str, int]:
    """Return one section of the manuscript, found by its heading text.

    Parameters
    ----------
    qmd_text : str
        Quarto markdown.
    heading : str
        Heading text, compared case-insensitively without attributes
        (``"Executive summary"`` matches ``## Executive Summary {#sec-summary}``).

    Returns
    -------
    (str, int)
        The section text, from its heading line up to (not including) the
        next heading of the same or a higher level, and the 1-based line
        number of the heading.

    Raises
    ------
    SectionNotFoundError
        If no heading or more than one heading has that text.
    """
    heads = _headings(qmd_text)
    wanted = _normalise_heading(heading)
    hits = [h for h in heads if _normalise_heading(h[2]) == wanted]
    if not hits:
        available = ", ".join(repr(h[2].strip()) for h in heads) or "none"
        raise SectionNotFoundError(f"no heading {heading!r} in the manuscript (headings: {available})")
    if len(hits) > 1:
        where = ", ".join(str(h[0] + 1) for h in hits)
        raise SectionNotFoundError(f"heading {heading!r} occurs more than once (lines {where})")
    index, level, _ = hits[0]
    lines = qmd_text.split("\n")
    end = len(lines)
    for other_index, other_level, _ in heads:
        if other_index > index and other_level <= level:
            end = other_index
            break
    return "\n".join(lines[index:end]), index + 1


# --------------------------------------------------------------------------
# hand-typed numbers
# --------------------------------------------------------------------------


def _blank(match: re.Match[str]) -> str:
    """Replace a match by spaces, keeping its newlines."""
    return re.sub(r"[^\n]", " ", match.group(0))


def mask_generated(text: str) -> str:
    """Blank out everything whose digits are not hand-typed prose numbers.

    Masked (replaced by spaces, newlines kept so positions and lines stay
    valid): HTML comments, shortcodes, attribute blocks ``{#id .class k=v}``,
    bracketed citations ``[@a; @b, p. 3]``, bare citation keys and
    cross-reference labels (``@smith2010``, ``@fig-flow``), link and image
    destinations, footnote labels ``[^1]`` and ordered-list numbers.

    Parameters
    ----------
    text : str
        Quarto markdown.

    Returns
    -------
    str
        Text of the same length with those parts blanked.
    """
    for pattern in (
        _HTML_COMMENT,
        _ESCAPED_SHORTCODE,
        _SHORTCODE,
        _ATTRIBUTES,
        _BRACKET_CITATION,
        _BARE_CITATION,
        _LINK_TARGET,
        _FOOTNOTE_LABEL,
    ):
        text = pattern.sub(_blank, text)
    return _LIST_NUMBER.sub(lambda m: m.group(1) + " " * len(m.group(2)), text)


_SENTENCE_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_BLOCK_LINE = re.compile(r"^[ \t]*(#{1,6}[ \t]|[-*+][ \t]|\d+[.)][ \t]|\||:::)", re.MULTILINE)


def _sentence_bounds(masked: str, original: str) -> list[int]:
    """Sorted positions where sentences start or end.

    Sentence ends are found in the masked text (so that dots in keys and
    citations do not count); block starts (headings, list items, table rows,
    divs) in the original text, which has the same positions."""
    bounds = {0, len(masked)}
    bounds.update(m.end() for m in _SENTENCE_END.finditer(masked))
    bounds.update(m.start() for m in _PARAGRAPH_BREAK.finditer(masked))
    for m in _BLOCK_LINE.finditer(original):
        bounds.add(m.start())
        line_end = original.find("\n", m.start())
        if m.group(1).lstrip().startswith(("#", "|", ":::")):
            bounds.add(len(masked) if line_end < 0 else line_end)
    return sorted(bounds)


def _sentence_at(original: str, bounds: list[int], pos: int) -> tuple[int, int]:
    """Start and end of the sentence holding ``pos``."""
    i = bisect.bisect_right(bounds, pos)
    return bounds[i - 1], bounds[i] if i < len(bounds) else len(original)


def _clean_sentence(text: str) -> str:
    """Sentence text without HTML comments, whitespace collapsed."""
    return " ".join(_HTML_COMMENT.sub(" ", text).split())


def find_hand_typed_digits(
    section_text: str, first_line_no: int, allow: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Find digits typed by hand in a section.

    Parameters
    ----------
    section_text : str
        Text of the section (see :func:`extract_section`).
    first_line_no : int
        Line number of the first line of ``section_text`` in its file.
    allow : iterable of str, optional
        Regular expressions; a token matching one of them in full is
        accepted (e.g. ``r"20\\d\\d"`` for years). Empty by default.

    Returns
    -------
    list of dict
        ``{"line", "sentence", "token"}`` for each word that contains a digit
        outside the parts blanked by :func:`mask_generated`; ``sentence`` is
        the surrounding sentence of the original text, whitespace-normalised.
    """
    allowed = [re.compile(p) for p in allow]
    masked = mask_generated(section_text)
    bounds = _sentence_bounds(masked, section_text)
    found: list[dict[str, Any]] = []
    for match in _TOKEN.finditer(masked):
        token = match.group(0).strip(_TOKEN_TRIM)
        if not any(ch.isdigit() for ch in token):
            continue
        if any(p.fullmatch(token) for p in allowed):
            continue
        start, end = _sentence_at(section_text, bounds, match.start())
        found.append(
            {
                "line": _line_of(section_text, match.start(), first_line_no),
                "sentence": _clean_sentence(section_text[start:end]),
                "token": token,
            }
        )
    return found


#: Sections of ``index.qmd`` that may hold no hand-typed number, each with the
#: regular expressions of the tokens with digits it may hold all the same. Those
#: tokens are names, not numbers from data or configuration: instrument and
#: algorithm names. Keep this list short and explicit.
#: Names that contain digits but are not numbers (allowed everywhere).
NAME_TOKENS: tuple[str, ...] = (
    r"CSQ-8",  # Client Satisfaction Questionnaire, 8-item version: an instrument name
    r"HMAC-SHA256",  # the keyed hash of the pseudonyms: an algorithm name
    r"SHA-256",  # the hash of the provenance manifest: an algorithm name
)

#: Sections of the manuscript source checked for hand-typed digits (every
#: section with prose; generated tables and figures enter through include
#: shortcodes, which the check skips), with the tokens allowed in each.
CHECKED_SECTIONS: dict[str, tuple[str, ...]] = {
    "Executive summary": (),
    "Methods": NAME_TOKENS,
    "Results": NAME_TOKENS,
    "Discussion": NAME_TOKENS,
    "Reproduction check": NAME_TOKENS,
    "Provenance": NAME_TOKENS,
    "Changes since the accepted version": NAME_TOKENS,
    "Colophon": NAME_TOKENS,
}


def check_no_hand_typed_digits(
    section_text: str,
    first_line_no: int,
    file_name: str = "manuscript",
    allow: Iterable[str] = (),
) -> None:
    """Fail if a section contains hand-typed digits.

    Parameters
    ----------
    section_text : str
        Text of the section (see :func:`extract_section`).
    first_line_no : int
        Line number of the first line of ``section_text``.
    file_name : str, optional
        File name used in the message.
    allow : iterable of str, optional
        Regular expressions of accepted tokens (see
        :func:`find_hand_typed_digits`).

    Raises
    ------
    HandTypedNumberError
        Naming the line, the token and the sentence of every finding.
    """
    hits = find_hand_typed_digits(section_text, first_line_no, allow)
    if hits:
        lines = "\n".join(
            f"  {file_name}:{h['line']}: {h['token']!r} in: {h['sentence']}" for h in hits
        )
        raise HandTypedNumberError(
            f"{len(hits)} hand-typed number(s); quote numbers with {{{{< var key >}}}} instead:\n{lines}"
        )


# --------------------------------------------------------------------------
# trace table
# --------------------------------------------------------------------------

TRACE_COLUMNS = ["section", "line", "sentence", "display", "key", "rule", "output"]


def trace_table(
    qmd_text: str,
    section: str | None,
    records_by_key: Mapping[str, Mapping[str, Any]],
) -> pd.DataFrame:
    """Tabulate the numbers quoted in a section and where they come from.

    Parameters
    ----------
    qmd_text : str
        Quarto markdown of the whole manuscript.
    section : str or None
        Heading of the section to trace (see :func:`extract_section`); None
        traces the whole document, naming for each row the nearest heading.
    records_by_key : mapping
        Number records by key (``display``, ``rule``, ``output`` are used).

    Returns
    -------
    pandas.DataFrame
        One row per var shortcode, in text order, with columns ``section,
        line, sentence, display, key, rule, output``; ``sentence`` has every
        shortcode replaced by its display.

    Raises
    ------
    UnknownKeyError
        If a shortcode names a key absent from ``records_by_key``.
    SectionNotFoundError
        If ``section`` is not a heading of the document.
    """
    if section is None:
        text, first = qmd_text, 1
    else:
        text, first = extract_section(qmd_text, section)
    check_var_keys(text, set(records_by_key), "manuscript")
    heads = _headings(qmd_text)
    head_lines = [h[0] + 1 for h in heads]
    front_end = _front_matter_end(qmd_text)
    masked = mask_generated(text)
    bounds = _sentence_bounds(masked, text)

    def display_of(match: re.Match[str]) -> str:
        """Display string of the key of one var shortcode."""
        return str(records_by_key[match.group("key")]["display"])

    rows: list[dict[str, Any]] = []
    for match in _VAR.finditer(text):
        key = match.group("key")
        record = records_by_key[key]
        line = _line_of(text, match.start(), first)
        if section is None:
            i = bisect.bisect_right(head_lines, line)
            where = _normalise_heading_text(heads[i - 1][2]) if i > 0 else ""
        else:
            where = section
        start, end = _sentence_at(text, bounds, match.start())
        if section is None and line <= front_end:
            where = "(front matter)"
            start = text.rfind("\n", 0, match.start()) + 1
            stop = text.find("\n", match.end())
            end = len(text) if stop < 0 else stop
        sentence = _clean_sentence(_VAR.sub(display_of, text[start:end]))
        rows.append(
            {
                "section": where,
                "line": line,
                "sentence": sentence,
                "display": str(record["display"]),
                "key": key,
                "rule": str(record.get("rule", "")),
                "output": str(record.get("output", "")),
            }
        )
    return pd.DataFrame(rows, columns=TRACE_COLUMNS)


def _normalise_heading_text(text: str) -> str:
    """Heading text without attributes or closing hashes (case kept)."""
    text = re.sub(r"\{[^{}]*\}\s*$", "", text.strip())
    return re.sub(r"[ \t]+#+$", "", text).strip()


# --------------------------------------------------------------------------
# rendered values
# --------------------------------------------------------------------------

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_QUOTES = {
    ord("\u2018"): "'",
    ord("\u2019"): "'",
    ord("\u201c"): '"',
    ord("\u201d"): '"',
}


def normalise_text(text: str) -> str:
    """Normalise rendered text for value matching.

    Applies Unicode NFKC (ligatures, no-break and thin spaces), maps the
    various dashes and the minus sign to ``-`` and curly quotes to straight
    ones, drops soft hyphens and collapses whitespace.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        The normalised text.
    """
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = text.translate(_DASHES).translate(_QUOTES)
    return " ".join(text.split())


def _display_as_rendered(display: str) -> str:
    """The text a display string becomes after markdown rendering."""
    text = re.sub(r"\\(.)", r"\1", display)
    text = text.replace("*", "").replace("`", "").replace("--", "-")
    return normalise_text(text)


def html_visible_text(html: str) -> str:
    """Visible text of an HTML document (body only; scripts and styles dropped).

    Parameters
    ----------
    html : str
        HTML source.

    Returns
    -------
    str
        Text content with entities unescaped.
    """
    import lxml.html

    if not html.strip():
        return ""
    root = lxml.html.document_fromstring(html)
    for bad in root.xpath("//script|//style|//template"):
        bad.drop_tree()
    body = root.find("body")
    return (body if body is not None else root).text_content()


def _bounded(needle: str) -> re.Pattern[str]:
    """``needle`` as a whole token: "0.01" must not match inside "0.018" or "10.01"."""
    before = r"(?<![0-9.])" if needle[:1].isdigit() else (r"(?<!\w)" if needle[:1].isalnum() else "")
    after = r"(?![0-9])" if needle[-1:].isdigit() else (r"(?!\w)" if needle[-1:].isalnum() else "")
    return re.compile(before + re.escape(needle) + after)


def _present(needle: str, haystack: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` as a whole token, also when all
    whitespace is ignored (line breaks inside a number in PDF text)."""
    if _bounded(needle).search(haystack):
        return True
    squeeze = re.compile(r"\s+")
    return bool(_bounded(squeeze.sub("", needle)).search(squeeze.sub("", haystack)))


def without_page_furniture(pdf_text: str, repeats: int = 3) -> str:
    """PDF text without lines that are only a page number or a short running
    header (a line recurring ``repeats`` times or more, with no digit), so
    that a sentence over a page break reads whole again."""
    lines = pdf_text.split("\n")
    counts = Counter(line.strip() for line in lines)
    return "\n".join(line for line in lines if not re.fullmatch(r"\d{1,4}", line.strip()) and not (
        counts[line.strip()] >= repeats and 0 < len(line.strip()) <= 80 and not re.search(r"\d", line)))


def check_values_rendered(displays: Mapping[str, str], html_text: str, pdf_text: str) -> None:
    """Fail if a display string is missing from the rendered outputs.

    Parameters
    ----------
    displays : mapping of str to str
        ``key -> display`` for every number the manuscript quotes.
    html_text : str
        The rendered HTML source (tags are stripped, entities unescaped).
    pdf_text : str
        Text extracted from the PDF (see :func:`selfcare.report.render.pdf_text`).

    Raises
    ------
    ValueNotRenderedError
        Naming each key (and its display) that is absent from the HTML or
        from the PDF text. Matching ignores whitespace differences, dash and
        minus glyphs, ligatures and words hyphenated at a PDF line end.
    """
    html_norm = normalise_text(html_visible_text(html_text))
    pdf_dehyphen = re.sub(r"(?<=[A-Za-z])-\n(?=[a-z])", "", pdf_text)
    pdf_variants = [normalise_text(pdf_text), normalise_text(pdf_dehyphen),
                    normalise_text(without_page_furniture(pdf_dehyphen))]
    problems: list[str] = []
    for key in sorted(displays):
        display = _display_as_rendered(str(displays[key]))
        missing = []
        if not _present(display, html_norm):
            missing.append("HTML")
        if not any(_present(display, variant) for variant in pdf_variants):
            missing.append("PDF")
        if missing:
            problems.append(f"  {key} ({displays[key]!r}): not found in {' and '.join(missing)}")
    if problems:
        raise ValueNotRenderedError(
            f"{len(problems)} registry value(s) missing from the rendered manuscript:\n"
            + "\n".join(problems)
        )


def run_trace_check(
    source_text: str,
    qmd_text: str,
    qmd_name: str,
    records_by_key: Mapping[str, Mapping[str, Any]],
    html_text: str,
    pdf_text: str,
) -> pd.DataFrame:
    """The whole trace check of a rendered manuscript.

    (a) every var key is known; the claims check
    (:func:`selfcare.report.claims.check_claims`) finds no sentence whose words
    contradict its numbers or the model specification; (b) no hand-typed digit in the checked
    sections (:data:`CHECKED_SECTIONS`); (c) every value the document quotes
    appears, as a whole token, in the HTML and in the PDF text; (d) the trace
    table of the executive summary.

    Parameters
    ----------
    source_text : str
        The manuscript source as written (the digit check reads this: tables
        and figure snippets enter through include shortcodes).
    qmd_text : str
        The same source with its includes expanded (keys and values).
    qmd_name : str
        Its file name (for messages).
    records_by_key : mapping
        Registry records (``display``, ``rule``, ``output``) by key.
    html_text : str
        The rendered HTML.
    pdf_text : str
        Text extracted from the rendered PDF.

    Returns
    -------
    pandas.DataFrame
        The trace table (see :func:`trace_table`).

    Raises
    ------
    TraceError
        The first check that fails, naming key, line and sentence.
    """
    check_var_keys(qmd_text, set(records_by_key), qmd_name)
    vocabulary = ["site"] + sorted({k.split(".")[1] for k in records_by_key if re.fullmatch(r"table1\.[a-z_]+\.statistic", k)})
    check_claims(source_text, records_by_key, vocabulary)
    for heading, allow in CHECKED_SECTIONS.items():
        section, first = extract_section(source_text, heading)
        check_no_hand_typed_digits(section, first, qmd_name, allow)
    from selfcare.report.numberwords import check_number_word_sections  # it builds on this module

    check_number_word_sections(source_text, qmd_name)
    displays = {k: records_by_key[k]["display"] for k, _ in find_var_keys(qmd_text)}
    check_values_rendered(displays, html_visible_text(html_text), pdf_text)
    return trace_table(qmd_text, "Executive summary", records_by_key)
