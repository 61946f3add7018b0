"""Quarto shortcodes in the manuscript source: ``{{< var key >}}`` and
``{{< include path >}}``.

:func:`check_var_keys` fails on a shortcode whose key is not in the registry
(Quarto itself only warns); :func:`substitute_vars` performs the substitution
for the pandoc fallback; :func:`expand_includes` inlines included files, so
that the trace checks also see the shortcodes of generated table and figure
snippets. All functions take and return text.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, Callable, Collection, Mapping

from selfcare.report.registry import flatten_variables


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
