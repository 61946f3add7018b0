"""Markup transforms of the manuscript source before pandoc.

Small-print divs set small in the PDF, callouts set as boxes, values that would start an ordered
list escaped, and the SYNTHETIC marks of the PDF (running header and title
metadata). Used by :mod:`selfcare.report.render`.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from selfcare.report.staging import split_front_matter

#: Small-print notes (e.g. a table's provenance): a fenced div of one of these
#: classes is set in small grey type in the PDF (the HTML styles the class).
SMALL_PRINT_CLASSES = ("table-provenance",)

_SMALL_PRINT = re.compile(
    r"^::: \{\.(" + "|".join(SMALL_PRINT_CLASSES) + r")\}\n(.*?)\n:::$", re.MULTILINE | re.DOTALL
)


def _typst_small_print(text: str) -> str:
    """Wrap small-print divs in raw Typst that sets their text small and grey."""
    return _SMALL_PRINT.sub(
        lambda m: "```{=typst}\n#block(above: 0.6em)[#set text(size: 7.5pt, fill: luma(90))\n```\n\n"
        + m.group(2) + "\n\n```{=typst}\n]\n```",
        text,
    )


#: Quarto callout kinds and their colours in the PDF (rule, fill), the same as
#: the HTML stylesheet's (``manuscript/_html/report.css``).
CALLOUT_COLOURS: dict[str, tuple[str, str]] = {
    "warning": ("#9a6700", "#fff8c5"),
    "important": ("#a40e26", "#ffebe9"),
    "caution": ("#a40e26", "#ffebe9"),
    "note": ("#0b5cad", "#ddf4ff"),
    "tip": ("#0b5cad", "#ddf4ff"),
}

_CALLOUT = re.compile(
    r"^::: ?\{\.callout-(" + "|".join(CALLOUT_COLOURS) + r")\}[ \t]*\n(.*?)\n:::[ \t]*$", re.MULTILINE | re.DOTALL
)


def _typst_callouts(text: str) -> str:
    """Set Quarto callout divs (``::: {.callout-warning}``) as boxes in the PDF.

    Quarto draws them itself; pandoc's Typst writer would print a plain
    paragraph. Each becomes an unbreakable block with the kind's fill and a
    rule on its left, as in the HTML page.
    """
    def box(m: re.Match[str]) -> str:
        rule, fill = CALLOUT_COLOURS[m.group(1)]
        return (
            "```{=typst}\n"
            f'#block(width: 100%, breakable: false, inset: (x: 10pt, y: 8pt), radius: 3pt, fill: rgb("{fill}"), '
            f'stroke: (left: 4pt + rgb("{rule}")))[\n```\n\n' + m.group(2) + "\n\n```{=typst}\n]\n```"
        )

    return _CALLOUT.sub(box, text)


_LIST_MARKER = re.compile(r"^(\(\d+\)|\d+[.)])(?=\s|$)")


def escape_list_markers(variables: Any) -> Any:
    """Copy of nested variables whose values cannot start a Markdown list.

    pandoc reads a line that starts with ``(1)``, ``1.`` or ``1)`` as an
    ordered list item; a value substituted at the start of a source line
    (e.g. a count in brackets) would become one. The marker's first
    punctuation is backslash-escaped (``\\(1)``), which renders as the value
    itself anywhere in running text. Quarto substitutes values after parsing
    and needs no escaping.

    Parameters
    ----------
    variables : mapping, list or value
        Nested number variables.

    Returns
    -------
    same type
        The variables with such values escaped.
    """
    if isinstance(variables, Mapping):
        return {k: escape_list_markers(v) for k, v in variables.items()}
    if isinstance(variables, list):
        return [escape_list_markers(v) for v in variables]
    if isinstance(variables, str) and _LIST_MARKER.match(variables):
        return "\\(" + variables[1:] if variables.startswith("(") else re.sub(r"([.)])", r"\\\1", variables, count=1)
    return variables


_LINE_START_VAR = re.compile(r"^([ \t]*)(\(?)(\{\{<\s*var\s[^>]*>\}\})([.)]?)", re.MULTILINE)


def _escape_line_start_vars(text: str) -> str:
    """Escape the bracket or dot around a value that starts a source line.

    ``(`` + a var shortcode at the start of a line, or a shortcode followed
    by ``.`` or ``)``, would read as an ordered list marker (``(1)``, ``1.``)
    once the value is substituted; the punctuation is backslash-escaped.
    """

    def fix(m: re.Match[str]) -> str:
        lead = "\\(" if m.group(2) else ""
        tail = "\\" + m.group(4) if m.group(4) else ""
        return m.group(1) + lead + m.group(3) + tail

    return _LINE_START_VAR.sub(fix, text)


#: Running header of every PDF page when the data are synthetic.
SYNTHETIC_HEADER = "SYNTHETIC DATA: no real participant took part"


def _typst_string(text: str) -> str:
    """``text`` as a Typst string literal."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def synthetic_pdf(meta: Mapping[str, Any], markdown: str, title: str) -> tuple[dict[str, Any], str]:
    """Mark a PDF as SYNTHETIC: a running header and the title metadata.

    Parameters
    ----------
    meta : mapping
        Pandoc metadata of the Typst output; its ``header-includes`` (raw
        Typst set before the template's page setup) gets the page header.
    markdown : str
        The document (front matter first); a raw Typst block after the front
        matter sets the PDF's title metadata to ``"SYNTHETIC DATA: <title>"``
        (it follows the template's own ``set document``, so it wins).
    title : str
        The document title.

    Returns
    -------
    meta, markdown
        Copies with the header and the title metadata added.
    """
    header = (
        "```{=typst}\n#set page(header: align(right, text(size: 8pt, weight: \"bold\", "
        f"fill: rgb(\"#B00020\"))[{SYNTHETIC_HEADER}]))\n```"
    )
    out = dict(meta)
    before = out.get("header-includes") or ""
    out["header-includes"] = (before + "\n" if before else "") + header + "\n"
    block = (
        "\n```{=typst}\n"
        f"#set document(title: {_typst_string('SYNTHETIC DATA: ' + title if title else 'SYNTHETIC DATA')})\n"
        "```\n\n"
    )
    front, body = split_front_matter(markdown)
    return out, front + block + body
