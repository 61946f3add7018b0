"""What changed in the reported numbers since the accepted version.

Editors rebuild the report after a correction and must see which reported
numbers moved. ``manuscript/accepted-numbers.json`` holds the displayed value
of every registry number as last accepted (written by
``python -m selfcare.report.changes accept``); the ``number_changes`` rule compares
the current registry with it, number by number.
"""

from __future__ import annotations

import argparse
import re
from typing import Any, Mapping, Sequence

import pandas as pd

CHANGE_COLUMNS = ["key", "status", "accepted", "current", "meaning", "rule", "output"]


def accepted_snapshot(manifest: list[Mapping[str, Any]]) -> dict[str, str]:
    """Key -> displayed value, from a provenance manifest."""
    return {m["key"]: str(m["display"]) for m in sorted(manifest, key=lambda m: m["key"])}


def number_changes(accepted: Mapping[str, str], manifest: list[Mapping[str, Any]]) -> pd.DataFrame:
    """Compare the current registry with the accepted snapshot.

    Parameters
    ----------
    accepted : mapping
        Key -> display as accepted (empty when nothing was accepted yet).
    manifest : list of mapping
        Current provenance manifest (``key, display, meaning, rule, output``).

    Returns
    -------
    pandas.DataFrame
        One row per key whose display differs, is new, or was removed
        (``status`` = changed | added | removed), sorted by status then key;
        unchanged numbers are not listed.
    """
    current = {m["key"]: m for m in manifest}
    rows = []
    for key in sorted(set(accepted) | set(current)):
        m = current.get(key)
        if m is None:
            rows.append({"key": key, "status": "removed", "accepted": accepted[key], "current": "",
                         "meaning": "", "rule": "", "output": ""})
            continue
        old = accepted.get(key)
        if old == str(m["display"]):
            continue
        rows.append({"key": key, "status": "added" if old is None else "changed", "accepted": old or "",
                     "current": str(m["display"]), "meaning": m.get("meaning", ""), "rule": m.get("rule", ""),
                     "output": m.get("output", "")})
    order = {"changed": 0, "added": 1, "removed": 2}
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    return out.sort_values(["status", "key"], key=lambda s: s.map(order) if s.name == "status" else s).reset_index(drop=True)


def number_changes_and_sentences(
    accepted: Mapping[str, str], manifest: list[Mapping[str, Any]], qmd: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The moved numbers (:func:`number_changes`) and the sentences quoting them
    (:func:`changed_sentences`), as rule ``number_changes`` writes them."""
    changes = number_changes(accepted, manifest)
    displays = {m["key"]: str(m["display"]) for m in manifest}
    return changes, changed_sentences(qmd, list(changes["key"]), displays)


def main(argv: list[str] | None = None) -> int:
    """``python -m selfcare.report.changes accept``: accept the current numbers,
    table cells and figures as the version editors compare with."""
    from pathlib import Path

    from selfcare.core import io

    parser = argparse.ArgumentParser(prog="python -m selfcare.report.changes")
    parser.add_argument("action", choices=["accept"])
    parser.add_argument("--manifest", default="results/provenance/numbers.json")
    parser.add_argument("--out", default="manuscript/accepted-numbers.json")
    parser.add_argument("--tables", default="results/manuscript/tables")
    parser.add_argument("--figures", default="results/figures/figures.json")
    args = parser.parse_args(argv)
    snap = accepted_snapshot(io.read_json(args.manifest))
    io.write_json(args.out, snap)
    tables = table_snapshot({p.stem: io.read_text(p) for p in io.list_files(args.tables) if p.suffix == ".md"})
    out_dir = Path(args.out).parent
    io.write_json(out_dir / "accepted-tables.json", tables)
    io.write_json(out_dir / "accepted-figures.json", figure_snapshot(io.read_json(args.figures)))
    print(f"accepted {len(snap)} numbers, {len(tables)} tables and the figures into {out_dir}")
    return 0



# --------------------------------------------------------------------------
# what an editor re-reads: sentences, table cells and figures that moved
# --------------------------------------------------------------------------

SENTENCE_COLUMNS = ["key", "section", "line", "sentence"]
CELL_COLUMNS = ["table", "row", "column", "accepted", "current"]
FIGURE_COLUMNS = ["figure", "status", "accepted_sha256", "current_sha256"]
#: Generated tables that are not results (they list hashes, or the changes themselves).
NOT_COMPARED = ("changes", "provenance", "figures_provenance")
_VAR = re.compile(r"\{\{<\s*var\s+([\w.-]+)\s*>\}\}")


def changed_sentences(qmd: str, changed_keys: Sequence[str], displays: Mapping[str, str]) -> pd.DataFrame:
    """Every manuscript sentence that quotes a moved number, for re-reading.

    Parameters
    ----------
    qmd : str
        The manuscript source (``index.qmd``).
    changed_keys : sequence of str
        Keys whose display moved (or that were added or removed).
    displays : mapping
        Key -> current display, to show each sentence as it now reads.

    Returns
    -------
    pandas.DataFrame
        One row per (key, sentence): the key, the section heading the
        sentence stands under, its line in ``index.qmd`` and its text with
        every number filled in. Sorted by line, then key.
    """
    from selfcare.report.trace import _clean_sentence, _headings, _sentence_at, _sentence_bounds, mask_generated

    wanted = set(changed_keys)
    bounds = _sentence_bounds(mask_generated(qmd), qmd)
    heads = _headings(qmd)
    rows = []
    for m in _VAR.finditer(qmd):
        if m.group(1) not in wanted:
            continue
        start, end = _sentence_at(qmd, bounds, m.start())
        line = qmd.count("\n", 0, m.start()) + 1
        section = next((h[2].split("{")[0].strip() for h in reversed(heads) if h[0] + 1 <= line), "")
        text = _VAR.sub(lambda v: displays.get(v.group(1), v.group(1)), qmd[start:end])
        rows.append({"key": m.group(1), "section": section, "line": line, "sentence": _clean_sentence(text)})
    out = pd.DataFrame(rows, columns=SENTENCE_COLUMNS).drop_duplicates()
    return out.sort_values(["line", "key"]).reset_index(drop=True)


def table_cells(md: str) -> dict[str, Any]:
    """The header and body cells of a generated pipe table (caption left out)."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in md.splitlines() if line.lstrip().startswith("|")]
    rows = [r for r in rows if not all(set(c) <= set(":-") and c for c in r)]
    return {"header": rows[0] if rows else [], "rows": rows[1:]}


def table_snapshot(tables: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Table name -> cells, for every result table (see :data:`NOT_COMPARED`)."""
    return {name: table_cells(md) for name, md in sorted(tables.items()) if name not in NOT_COMPARED}


def changed_cells(accepted: Mapping[str, Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Table cells that moved since the accepted snapshot.

    Rows are matched by position and named by their first cell, columns by
    the header; a row or table present on one side only is listed cell by
    cell with the other side blank.
    """
    rows = []
    for name in sorted(set(accepted) | set(current)):
        old, new = accepted.get(name, {"header": [], "rows": []}), current.get(name, {"header": [], "rows": []})
        header = new["header"] or old["header"]
        for i in range(max(len(old["rows"]), len(new["rows"]))):
            a = old["rows"][i] if i < len(old["rows"]) else []
            b = new["rows"][i] if i < len(new["rows"]) else []
            label = (b or a or [""])[0]
            for j in range(1, max(len(a), len(b))):
                va, vb = (a[j] if j < len(a) else ""), (b[j] if j < len(b) else "")
                if va != vb:
                    column = header[j] if j < len(header) else str(j + 1)
                    rows.append({"table": name, "row": label, "column": column, "accepted": va, "current": vb})
    return pd.DataFrame(rows, columns=CELL_COLUMNS)


def figure_snapshot(figs: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Figure name -> SHA-256 of its PNG, from the figures manifest."""
    return {str(f["name"]): str(f["sha256"]) for f in sorted(figs, key=lambda f: str(f["name"]))}


def changed_figures(accepted: Mapping[str, str], figs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Figures whose PNG bytes differ from the accepted version (or that are new or gone)."""
    current = figure_snapshot(figs)
    rows = []
    for name in sorted(set(accepted) | set(current)):
        old, new = accepted.get(name, ""), current.get(name, "")
        if old != new:
            status = "changed" if old and new else ("added" if new else "removed")
            rows.append({"figure": name, "status": status, "accepted_sha256": old, "current_sha256": new})
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
