"""Trace every number in the manuscript back to the registry.

The manuscript (``index.qmd``) quotes numbers only through Quarto shortcodes
``{{< var key >}}``; the keys come from the number registry
(:mod:`selfcare.registry`). This module checks that promise from both ends:

* :func:`check_var_keys` fails on a shortcode whose key is not in the
  registry (Quarto itself only warns);
* :func:`check_no_hand_typed_digits` fails on digits typed by hand in a
  section that must be fully generated (the sections of
  :data:`CHECKED_SECTIONS`: every section with prose);
* :func:`substitute_vars` performs the substitution for the pandoc fallback;
* :func:`expand_includes` inlines ``{{< include path >}}`` files, so that the
  checks above also see the shortcodes of generated table and figure snippets;
* :func:`trace_table` lists, sentence by sentence, which key fed which
  number and which rule and file it came from;
* :func:`check_values_rendered` verifies that each display string really
  appears in the rendered HTML and PDF text.

All functions take and return text; no file access happens here.
"""

from __future__ import annotations

import bisect
import posixpath
import re
import unicodedata
from typing import Any, Callable, Collection, Iterable, Mapping

import pandas as pd

from selfcare.registry import flatten_variables


class TraceError(ValueError):
    """Base class of the errors raised by the trace checks."""


class UnknownKeyError(TraceError):
    """A ``{{< var >}}`` shortcode names a key that is not in the registry."""


class SectionNotFoundError(TraceError):
    """A section heading is missing from the manuscript, or is ambiguous."""


class HandTypedNumberError(TraceError):
    """A digit was typed by hand in a section that must be fully generated."""


class ValueNotRenderedError(TraceError):
    """A registry display string is absent from the rendered HTML or PDF."""


class IncludeError(TraceError):
    """An ``{{< include >}}`` shortcode names a file that cannot be read, or
    the includes form a cycle."""


# ``{{< var key >}}``; the escaped form ``{{{< var key >}}}`` is literal text.
_ESCAPED_SHORTCODE = re.compile(r"\{\{\{<(.*?)>\}\}\}", re.DOTALL)
_SHORTCODE = re.compile(r"\{\{<\s*(?P<name>[\w-]+)(?P<args>.*?)>\}\}", re.DOTALL)
_VAR = re.compile(r"(?<!\{)\{\{<\s*var\s+(?P<key>[^\s>]+)\s*>\}\}(?!\})")

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# attribute blocks such as {#sec-x .class key="v"} after headings, spans, images
_ATTRIBUTES = re.compile(r"\{\s*[#.][^{}\n]*\}|\{[^{}\n]*=[^{}\n]*\}")
# bracketed citation groups such as [@a; @b, p. 3] or [-@fig-x]
_BRACKET_CITATION = re.compile(r"\[[^\[\]\n]*?(?<![\w.])-?@[^\[\]\n]*\]")
# bare citation keys and cross-reference labels: @smith2010, @fig-flow, @{key}
_BARE_CITATION = re.compile(r"(?<![\w.@])-?@(?:\{[^{}\n]*\}|[\w][\w:.#$%&\-+?<>~/]*)")
# link and image destinations: ](path/fig1.png "title")
_LINK_TARGET = re.compile(r"(?<=\])\([^()\s]*(?:\s+\"[^\"\n]*\")?\)")
_FOOTNOTE_LABEL = re.compile(r"\[\^[^\]\s]+\]")
_LIST_NUMBER = re.compile(r"^([ \t]*)(\d+[.)])(?=[ \t])", re.MULTILINE)

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TOKEN = re.compile(r"\S*\d\S*")
_TOKEN_TRIM = "()[]{}<>,;:.!?\"'`*_\u201c\u201d\u2018\u2019"


# --------------------------------------------------------------------------
# shortcodes
# --------------------------------------------------------------------------


def _line_of(text: str, pos: int, first_line_no: int = 1) -> int:
    """1-based line number of character ``pos`` (counting from ``first_line_no``)."""
    return first_line_no + text.count("\n", 0, pos)


def find_var_keys(qmd_text: str) -> list[tuple[str, int]]:
    """List the keys of the ``{{< var key >}}`` shortcodes in a text.

    Parameters
    ----------
    qmd_text : str
        Quarto markdown.

    Returns
    -------
    list of (str, int)
        Key and 1-based line number of each shortcode, in text order.
        Escaped shortcodes (``{{{< var x >}}}``) are literal text and skipped.
    """
    return [(m.group("key"), _line_of(qmd_text, m.start())) for m in _VAR.finditer(qmd_text)]


def check_var_keys(qmd_text: str, known_keys: Collection[str], file_name: str) -> None:
    """Fail if a ``var`` shortcode names a key that is not known.

    Parameters
    ----------
    qmd_text : str
        Quarto markdown.
    known_keys : collection of str
        Dotted keys available (registry keys plus build variables).
    file_name : str
        Name of the file, used in the message.

    Raises
    ------
    UnknownKeyError
        Naming every unknown key with ``file:line``.
    """
    unknown = [(key, line) for key, line in find_var_keys(qmd_text) if key not in known_keys]
    if unknown:
        lines = "\n".join(f"  {file_name}:{line}: unknown number key {key!r}" for key, line in unknown)
        raise UnknownKeyError(
            f"{len(unknown)} var shortcode(s) name keys missing from the number registry:\n{lines}"
        )


def substitute_vars(
    qmd_text: str,
    variables_nested: Mapping[str, Any],
    link: Callable[[str, str], str] | None = None,
    file_name: str = "manuscript",
) -> str:
    """Replace ``{{< var key >}}`` shortcodes by their display strings.

    Parameters
    ----------
    qmd_text : str
        Quarto markdown.
    variables_nested : mapping
        Nested variables as in ``_variables.yml``.
    link : callable, optional
        ``link(key, display) -> markdown`` used instead of the bare display,
        e.g. to wrap the value in a provenance link for the HTML output.
    file_name : str, optional
        Name used in error messages.

    Returns
    -------
    str
        The text with every shortcode replaced; escaped shortcodes
        ``{{{< ... >}}}`` become the literal ``{{< ... >}}``.

    Raises
    ------
    UnknownKeyError
        Naming every unknown key with file and line.
    """
    flat = flatten_variables(variables_nested)
    check_var_keys(qmd_text, set(flat), file_name)

    def replace(match: re.Match[str]) -> str:
        """Replacement text for one (possibly escaped) shortcode."""
        if match.group("escaped") is not None:
            return "{{<" + match.group("escaped") + ">}}"
        key = match.group("key")
        display = flat[key]
        return link(key, display) if link is not None else display

    pattern = re.compile(
        r"\{\{\{<(?P<escaped>.*?)>\}\}\}|\{\{<\s*var\s+(?P<key>[^\s>]+)\s*>\}\}", re.DOTALL
    )
    return pattern.sub(replace, qmd_text)


_INCLUDE = re.compile(
    r"\{\{\{<.*?>\}\}\}"  # escaped shortcode: literal text, kept
    r"|\{\{<\s*include\s+(?:\"(?P<dq>[^\"\n]+)\"|'(?P<sq>[^'\n]+)'|(?P<bare>[^\s>]+))\s*>\}\}",
    re.DOTALL,
)


def _include_target(path: str) -> str:
    """Path of an included file relative to the project root.

    As in Quarto, an include is a copy-and-paste of the file's text, so every
    relative path (also of an include nested in an included file) resolves
    from the folder of the main document; a leading ``/`` (project root)
    means the same here."""
    norm = posixpath.normpath(path.lstrip("/"))
    return "" if norm == "." else norm


def expand_includes(
    qmd_text: str,
    base_dir_reader: Callable[[str], str],
    file_name: str = "",
    max_depth: int = 20,
) -> str:
    """Inline the files named by ``{{< include path >}}`` shortcodes.

    Quarto replaces an include shortcode by the text of the file before it
    processes the other shortcodes; this function does the same, so that
    :func:`check_var_keys`, :func:`find_var_keys`, :func:`trace_table` and
    :func:`substitute_vars` see the ``var`` shortcodes of included files
    when they are given the expanded text. Line numbers reported on the
    expanded text count the inlined lines.

    Parameters
    ----------
    qmd_text : str
        Quarto markdown.
    base_dir_reader : callable
        ``reader(path) -> str`` returning the text of a file given its path
        relative to the project root (the folder of the main document). It
        should raise ``OSError`` (e.g. ``FileNotFoundError``) for a file that
        does not exist. As in Quarto, every path, also of an include nested in
        an included file, is relative to the project root (a leading ``/``
        is allowed).
    file_name : str, optional
        Name of the document, used in messages.
    max_depth : int, optional
        Deepest nesting accepted.

    Returns
    -------
    str
        The text with every (unescaped) include shortcode replaced by the
        file's text (one final newline dropped, as the shortcode line keeps
        its own). Escaped shortcodes ``{{{< include x >}}}`` are left as they
        are.

    Raises
    ------
    IncludeError
        Naming the missing or unreadable file (and where it was included), a
        path outside the project, an include cycle, or nesting deeper than
        ``max_depth``.
    """

    def expand(text: str, where: str, chain: tuple[str, ...]) -> str:
        """Expand the includes of one file's text."""

        def replace(match: re.Match[str]) -> str:
            """Text of one included file, itself expanded."""
            path = match.group("dq") or match.group("sq") or match.group("bare")
            if path is None:  # escaped shortcode
                return match.group(0)
            target = _include_target(path)
            line = _line_of(text, match.start())
            origin = f"{where or 'main document'}:{line}"
            if not target:
                raise IncludeError(f"{origin}: include shortcode names no file ({path!r})")
            if target == ".." or target.startswith("../"):
                raise IncludeError(f"{origin}: included file {path!r} lies outside the project")
            if target in chain:
                cycle = " -> ".join([*chain[1:], target]) if len(chain) > 1 else target
                raise IncludeError(f"{origin}: include cycle: {cycle}")
            if len(chain) > max_depth:
                raise IncludeError(f"{origin}: includes nested deeper than {max_depth} levels")
            try:
                included = base_dir_reader(target)
            except (OSError, KeyError) as exc:
                raise IncludeError(
                    f"{origin}: included file {target!r} cannot be read ({type(exc).__name__}: {exc})"
                ) from None
            if not isinstance(included, str):
                raise IncludeError(f"{origin}: reader returned {type(included).__name__} for {target!r}, not text")
            if included.endswith("\n"):
                included = included[:-1]
            return expand(included, target, (*chain, target))

        return _INCLUDE.sub(replace, text)

    return expand(qmd_text, file_name, (file_name,))


def find_shortcodes(qmd_text: str) -> list[tuple[str, str, int]]:
    """List every (unescaped) shortcode in a text.

    Parameters
    ----------
    qmd_text : str
        Quarto markdown.

    Returns
    -------
    list of (str, str, int)
        Shortcode name (``var``, ``meta``, ``pagebreak``...), the full
        shortcode text and its 1-based line number.
    """
    masked = _ESCAPED_SHORTCODE.sub(lambda m: " " * len(m.group(0)), qmd_text)
    return [
        (m.group("name"), m.group(0), _line_of(qmd_text, m.start()))
        for m in _SHORTCODE.finditer(masked)
    ]


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


def check_values_rendered(displays: Mapping[str, str], html_text: str, pdf_text: str) -> None:
    """Fail if a display string is missing from the rendered outputs.

    Parameters
    ----------
    displays : mapping of str to str
        ``key -> display`` for every number the manuscript quotes.
    html_text : str
        The rendered HTML source (tags are stripped, entities unescaped).
    pdf_text : str
        Text extracted from the PDF (see :func:`selfcare.render.pdf_text`).

    Raises
    ------
    ValueNotRenderedError
        Naming each key (and its display) that is absent from the HTML or
        from the PDF text. Matching ignores whitespace differences, dash and
        minus glyphs, ligatures and words hyphenated at a PDF line end.
    """
    html_norm = normalise_text(html_visible_text(html_text))
    pdf_dehyphen = re.sub(r"(?<=[A-Za-z])-\n(?=[a-z])", "", pdf_text)
    pdf_variants = [normalise_text(pdf_text), normalise_text(pdf_dehyphen)]
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

    (a) every var key is known; (b) no hand-typed digit in the checked
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
    for heading, allow in CHECKED_SECTIONS.items():
        section, first = extract_section(source_text, heading)
        check_no_hand_typed_digits(section, first, qmd_name, allow)
    displays = {k: records_by_key[k]["display"] for k, _ in find_var_keys(qmd_text)}
    check_values_rendered(displays, html_visible_text(html_text), pdf_text)
    return trace_table(qmd_text, "Executive summary", records_by_key)
