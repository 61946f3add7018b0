"""Provenance tables of the report's appendix: every number and every figure
with the rule, script, inputs and SHA-256 that produced it.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from selfcare.report.tables.markdown import (
    _missing,
    md_escape,
    pipe_table,
    provenance_anchor,
)

__all__ = [
    "provenance_md",
    "figures_provenance_md",
]

# --------------------------------------------------------------------------
# provenance
# --------------------------------------------------------------------------


def _short(sha: Any, n: int = 12) -> str:
    """First ``n`` hex digits of a hash ('' if missing)."""
    return "" if _missing(sha) else str(sha)[:n]


def _breakable(text: Any) -> str:
    """Escaped text with break opportunities (zero-width spaces) after each
    ``/``, ``.`` and ``_``, so that long paths, keys and rule names wrap in
    narrow columns."""
    out = md_escape(text)
    for ch in ("/", "."):
        out = out.replace(ch, ch + "\u200b")
    return out.replace("\\_", "\\_\u200b")


def provenance_md(manifest: Sequence[Mapping[str, Any]]) -> str:
    """Every number of the registry with the rule, script and file behind it.

    Parameters
    ----------
    manifest : sequence of dict
        Entries of :func:`selfcare.report.registry.provenance_manifest` (``key,
        display, rule, script, output, output_sha256``).

    Returns
    -------
    str
        Pipe table; the key in the first cell of each row is a span with the
        id ``prov-<key with dots as hyphens>`` (see :func:`provenance_anchor`)
        so that values in the HTML can link to their row. Zero-width spaces
        after the dots let long keys wrap.
    """
    rows = []
    for entry in sorted(manifest, key=lambda e: str(e["key"])):
        key = str(entry["key"])
        rows.append(
            {
                "Key": f"[{_breakable(key)}]{{#{provenance_anchor(key)}}}",
                "Value": md_escape(entry.get("display", "")),
                "Rule": _breakable(entry.get("rule", "")),
                "Script": _breakable(entry.get("script", "")),
                "Output file": _breakable(entry.get("output", "")),
                "sha256 (output)": _short(entry.get("output_sha256")),
            }
        )
    caption = (
        "Provenance of every number in the registry: the workflow rule and script that computed it, "
        "the file that holds it and the first twelve hexadecimal digits of that file's SHA-256 hash "
        "(the full hashes, with those of the inputs and package modules, are in the provenance "
        "manifest)."
    )
    df = pd.DataFrame(rows, columns=["Key", "Value", "Rule", "Script", "Output file", "sha256 (output)"])
    return pipe_table(df, caption, "provenance", raw_columns=list(df.columns), widths=[3.4, 1.6, 1.8, 2.4, 2.4, 1.5],
                      align=["l", "r", "l", "l", "l", "l"])


def figures_provenance_md(figs: Sequence[Mapping[str, Any]]) -> str:
    """Every figure with the rule, script and inputs that made it.

    Parameters
    ----------
    figs : sequence of dict
        ``{name, rule, script, inputs, sha256}``; ``inputs`` is a list of
        paths (or of ``{path, sha256}``); ``sha256`` is the PNG's hash.
    """
    rows = []
    for fig in sorted(figs, key=lambda f: str(f["name"])):
        inputs = fig.get("inputs") or []
        if isinstance(inputs, (str, bytes)):
            inputs = [inputs]
        paths = [str(i.get("path", "")) if isinstance(i, Mapping) else str(i) for i in inputs]
        rows.append(
            {
                "Figure": f"[{md_escape(fig['name'])}]{{#{provenance_anchor('fig.' + str(fig['name']))}}}",
                "Rule": _breakable(fig.get("rule", "")),
                "Script": _breakable(fig.get("script", "")),
                "Inputs": "; ".join(_breakable(p) for p in sorted(paths)),
                "sha256 (PNG)": _short(fig.get("sha256")),
            }
        )
    caption = (
        "Provenance of the figures: the rule and script that drew each one, its input files and the "
        "first twelve hexadecimal digits of the SHA-256 hash of the image."
    )
    df = pd.DataFrame(rows, columns=["Figure", "Rule", "Script", "Inputs", "sha256 (PNG)"])
    return pipe_table(df, caption, "figures_provenance", raw_columns=list(df.columns),
                      widths=[1.3, 1.5, 2.6, 5, 1.5], align=["l"] * 5)
