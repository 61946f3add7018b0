"""Provenance in the report itself: the compact appendix of the numbers
(grouped by rule and output file), the figures' table, and the note that
every generated table carries (the rule and the specific files it was built
from).

No zero-width characters are inserted: long keys and paths wrap in the HTML
through CSS (``overflow-wrap: anywhere``) and between list items in the PDF,
so that copied keys and paths match the files.
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
    "figures_provenance_md",
    "group_records",
    "provenance_md",
    "table_provenance_md",
]


def _short(sha: Any, n: int = 12) -> str:
    """First ``n`` hex digits of a hash ('' if missing)."""
    return "" if _missing(sha) else str(sha)[:n]


def _files(entries: Any) -> list[list[str]]:
    """``[[path, sha256], ...]`` from a list of ``{path, sha256}`` (or of paths)."""
    if isinstance(entries, (str, bytes)):
        entries = [entries]
    out = []
    for e in entries or []:
        if isinstance(e, Mapping):
            out.append([str(e.get("path", "")), str(e.get("sha256", "") or "")])
        else:
            out.append([str(e), ""])
    return out


def group_records(manifest: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The provenance manifest grouped by rule and output file.

    Parameters
    ----------
    manifest : sequence of mapping
        Entries of :func:`selfcare.report.registry.provenance_manifest`.

    Returns
    -------
    list of dict
        One group per (rule, output), sorted by rule then output: ``rule``,
        ``output``, ``output_sha256``, ``script``, ``script_sha256``,
        ``modules`` and ``inputs`` (``[[path, sha256], ...]``, the union over
        the group's numbers, sorted) and ``records`` (the entries, by key).
    """
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in manifest:
        ident = (str(entry.get("rule", "")), str(entry.get("output", "")))
        group = groups.setdefault(ident, {
            "rule": ident[0], "output": ident[1], "output_sha256": str(entry.get("output_sha256", "") or ""),
            "script": str(entry.get("script", "") or ""), "script_sha256": str(entry.get("script_sha256", "") or ""),
            "modules": {}, "inputs": {}, "records": [],
        })
        group["modules"].update({p: s for p, s in _files(entry.get("package_modules"))})
        group["inputs"].update({p: s for p, s in _files(entry.get("inputs"))})
        group["records"].append(entry)
    return [
        {**g, "modules": [list(i) for i in sorted(g["modules"].items())],
         "inputs": [list(i) for i in sorted(g["inputs"].items())],
         "records": sorted(g["records"], key=lambda e: str(e["key"]))}
        for _, g in sorted(groups.items())
    ]


def provenance_md(manifest: Sequence[Mapping[str, Any]], *, caption: str) -> str:
    """The appendix: every number of the registry, grouped by rule and output file.

    Parameters
    ----------
    manifest : sequence of dict
        Entries of :func:`selfcare.report.registry.provenance_manifest` (``key,
        rule, script, output, output_sha256``).

    Returns
    -------
    str
        Pipe table, one row per rule and output file; its last cell lists the
        keys of the numbers that file holds, each a span with the id
        ``prov-<key with dots as hyphens>`` (see :func:`provenance_anchor`)
        so that the numbers of the PDF link to their row. The full record of
        each number (full-precision value, meaning, inputs, package modules)
        is in the HTML provenance page and ``results/provenance/numbers.csv``.
    """
    rows = []
    for g in group_records(manifest):
        rows.append(
            {
                "Rule, script and output file": (
                    f"{md_escape(g['rule'])}: {md_escape(g['script'])} wrote {md_escape(g['output'])} "
                    f"(sha256 {_short(g['output_sha256'])})"
                ),
                "Numbers (keys, by common stem)": _keys_by_stem(g["records"]),
            }
        )
    df = pd.DataFrame(rows, columns=["Rule, script and output file", "Numbers (keys, by common stem)"])
    return pipe_table(df, caption, "provenance", raw_columns=list(df.columns), widths=[3.2, 8.8], align=["l", "l"])


def _keys_by_stem(records: Sequence[Mapping[str, Any]]) -> str:
    """``stem: a, b; stem2: c`` with each last part a span whose id is the full key's anchor."""
    stems: dict[str, list[str]] = {}
    for r in records:
        key = str(r["key"])
        stem, _, last = key.rpartition(".")
        stems.setdefault(stem, []).append(f"[{md_escape(last)}]{{#{provenance_anchor(key)}}}")
    return "; ".join(f"{md_escape(stem)}: {', '.join(parts)}" if stem else ", ".join(parts)
                     for stem, parts in stems.items())


def figures_provenance_md(figs: Sequence[Mapping[str, Any]], *, caption: str) -> str:
    """Every figure with the rule, script and the specific inputs it was drawn from.

    Parameters
    ----------
    figs : sequence of dict
        ``{name, rule, script, inputs, sha256}``; ``inputs`` is a list of
        paths (or of ``{path, sha256}``); ``sha256`` is the PNG's hash.
    """
    rows = []
    for fig in sorted(figs, key=lambda f: str(f["name"])):
        paths = sorted(p for p, _ in _files(fig.get("inputs")))
        rows.append(
            {
                "Figure": f"[{md_escape(fig['name'])}]{{#{provenance_anchor('fig.' + str(fig['name']))}}}",
                "Rule": md_escape(fig.get("rule", "")),
                "Script": md_escape(fig.get("script", "")),
                "Inputs": "; ".join(md_escape(p) for p in paths),
                "sha256 (PNG)": _short(fig.get("sha256")),
            }
        )
    df = pd.DataFrame(rows, columns=["Figure", "Rule", "Script", "Inputs", "sha256 (PNG)"])
    return pipe_table(df, caption, "figures_provenance", raw_columns=list(df.columns),
                      widths=[1.3, 1.5, 2.6, 5, 1.5], align=["l"] * 5)


def table_provenance_md(record: Mapping[str, Any]) -> str:
    """The note under a generated table: its rule, builder and source files.

    Parameters
    ----------
    record : mapping
        ``{name, rule, script, module, inputs}`` (see
        :func:`selfcare.report.provenance.artefact_record`).

    Returns
    -------
    str
        A fenced div of class ``table-provenance`` (small print in the HTML).
    """
    files = "; ".join(f"`{p}` (`{_short(s)}`)" if s else f"`{p}`" for p, s in _files(record.get("inputs")))
    return (
        f"\n::: {{.table-provenance}}\nProvenance: rule `{record.get('rule', '')}`, script `{record.get('script', '')}`,"
        f" built by `{record.get('module', '')}` from {files}.\n:::\n"
    )
