"""Conditional blocks of the manuscript: text shown only for some hand-overs.

A paragraph about one site of the published study (say, LO) makes sense only
when the hand-over has that site; a sentence about how the shipped hand-over
was constructed only when the published numbers were realised. The
manuscript marks such text with Quarto's own conditional syntax::

    ::: {.content-visible when-meta="selfcare.sites.lo"}
    At LO, ...
    :::

and the workflow writes the document metadata the conditions read
(:func:`document_metadata`): ``selfcare.sites.<site>`` is ``true`` for
every configured site (codes in lower case) and
``selfcare.realised_published`` is ``true`` when the simulator realised the
published numbers in the hand-over. Quarto reads the metadata from the
staged ``_quarto.yml`` (:func:`quarto_metadata_text` appends it there), and
the pandoc fallback applies the same rules itself (:func:`apply_conditions`):
``.content-visible`` with ``when-meta``/``unless-meta`` and
``.content-hidden`` with the same attributes. A block that is not shown is
dropped with everything in it, its shortcodes unresolved; its lines become
blank lines so that line numbers in messages stay those of the source.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import yaml

__all__ = [
    "META_ROOT",
    "ConditionError",
    "apply_conditions",
    "document_metadata",
    "meta_true",
    "quarto_metadata_text",
]

#: Top-level metadata key under which the workflow writes its conditions.
META_ROOT = "selfcare"

_OPEN = re.compile(r"^ {0,3}(:{3,})\s*(\{.*\}|[\w-]+)\s*$")
_CLOSE = re.compile(r"^ {0,3}(:{3,})\s*$")
_CLASS = re.compile(r"(?<![\w-])\.([\w-]+)")
_ATTR = re.compile(r"([\w-]+)\s*=\s*\"([^\"]*)\"")
_CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


class ConditionError(ValueError):
    """A conditional block is malformed (unclosed, or closed without opening)."""


def document_metadata(sites: Sequence[str], realised_published: bool) -> dict[str, Any]:
    """The metadata that the manuscript's conditional blocks read.

    Parameters
    ----------
    sites : sequence of str
        The configured sites of the hand-over.
    realised_published : bool
        Whether the hand-over was made to realise the published numbers
        (the simulator's ``constraints.realise_published``).

    Returns
    -------
    dict
        ``{"selfcare": {"sites": {code_lower: True, ...},
        "realised_published": bool}}``.
    """
    return {META_ROOT: {"sites": {str(s).lower(): True for s in sites},
                        "realised_published": bool(realised_published)}}


def meta_true(meta: Mapping[str, Any], dotted: str) -> bool:
    """Whether the metadata value at a dotted path is ``true`` (missing: false)."""
    node: Any = meta
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return node is True


def quarto_metadata_text(meta: Mapping[str, Any], project_text: str) -> str:
    """``_quarto.yml`` text with the workflow's metadata appended (for Quarto).

    Raises
    ------
    ConditionError
        If the project already sets a top-level key of ``meta``.
    """
    existing = yaml.safe_load(project_text) or {}
    clash = sorted(k for k in meta if k in existing)
    if clash:
        raise ConditionError(f"_quarto.yml: top-level key(s) {', '.join(clash)} are written by the workflow; remove them")
    block = yaml.safe_dump(dict(meta), sort_keys=True, default_flow_style=False)
    return project_text.rstrip("\n") + "\n\n# written by the workflow (selfcare.report.conditions)\n" + block


def _condition(header: str) -> tuple[bool, list[tuple[str, str]]] | None:
    """``(visible_class, [(attribute, key), ...])`` of a meta-conditional div, else None."""
    classes = set(_CLASS.findall(header))
    kind = "content-visible" in classes, "content-hidden" in classes
    attrs = [(a, v) for a, v in _ATTR.findall(header) if a in ("when-meta", "unless-meta")]
    if not any(kind) or not attrs:
        return None
    return kind[0], attrs


def _shown(cond: tuple[bool, list[tuple[str, str]]], meta: Mapping[str, Any]) -> bool:
    """Quarto's rule: every clause must match for the condition to hold."""
    visible, attrs = cond
    holds = all(meta_true(meta, key) == (attr == "when-meta") for attr, key in attrs)
    return holds if visible else not holds


def apply_conditions(text: str, meta: Mapping[str, Any], file_name: str = "manuscript") -> str:
    """Drop the conditional blocks whose condition fails; unwrap the others.

    Parameters
    ----------
    text : str
        Quarto markdown (includes expanded or not).
    meta : mapping
        Document metadata (see :func:`document_metadata`).
    file_name : str, optional
        Name used in messages.

    Returns
    -------
    str
        The text with the fences of every meta-conditional block blanked,
        and the lines of every block not shown blanked (nested blocks and
        shortcodes inside included). Other fenced divs are kept as they are.
        The number of lines is unchanged.

    Raises
    ------
    ConditionError
        If a fenced div is left open or a closing fence has no opening one.
    """
    lines = text.split("\n")
    out: list[str] = []
    stack: list[tuple[int, bool | None]] = []  # (line, shown) per open div; None: not conditional
    hidden = 0  # open divs not shown
    code_fence = ""
    for i, line in enumerate(lines):
        if code_fence:  # inside a code block: no div fences
            bare = line.strip()
            if bare and set(bare) == {code_fence[0]} and len(bare) >= len(code_fence):
                code_fence = ""
            out.append("" if hidden else line)
            continue
        fence = _CODE_FENCE.match(line)
        if fence:
            code_fence = fence.group(1)
            out.append("" if hidden else line)
            continue
        opened, closed = _OPEN.match(line), _CLOSE.match(line)
        if opened:
            cond = _condition(opened.group(2))
            shown = None if cond is None else _shown(cond, meta)
            stack.append((i + 1, shown))
            hidden += shown is False
            out.append("" if hidden or cond is not None else line)
        elif closed:
            if not stack:
                raise ConditionError(f"{file_name}:{i + 1}: closing ':::' without an opening fenced div")
            _, shown = stack.pop()
            out.append("" if hidden or shown is not None else line)
            hidden -= shown is False
        else:
            out.append("" if hidden else line)
    if stack:
        raise ConditionError(f"{file_name}:{stack[-1][0]}: fenced div ':::' is never closed")
    return "\n".join(out)
