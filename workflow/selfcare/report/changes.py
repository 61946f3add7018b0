"""What changed in the reported numbers since the accepted version.

Editors rebuild the report after a correction and must see which reported
numbers moved. ``manuscript/accepted-numbers.json`` holds the displayed value
of every registry number as last accepted (written by
``python -m selfcare.report.changes accept``); the ``number_changes`` rule compares
the current registry with it, number by number.
"""

from __future__ import annotations

import argparse
from typing import Any, Mapping

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


def main(argv: list[str] | None = None) -> int:
    """``python -m selfcare.report.changes accept``: accept the current numbers."""
    from selfcare.core import io

    parser = argparse.ArgumentParser(prog="python -m selfcare.report.changes")
    parser.add_argument("action", choices=["accept"])
    parser.add_argument("--manifest", default="results/provenance/numbers.json")
    parser.add_argument("--out", default="manuscript/accepted-numbers.json")
    args = parser.parse_args(argv)
    snap = accepted_snapshot(io.read_json(args.manifest))
    io.write_json(args.out, snap)
    print(f"accepted {len(snap)} numbers into {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
