"""The auditor's check: does a clean rerun from raw data reproduce the report?

``python -m selfcare.audit`` reruns the whole workflow from the raw hand-over
in a clean temporary copy of the project and compares every number of the
registry with the accepted numbers (``manuscript/accepted-numbers.json``) at
display precision, which is the precision the report prints. The functions
here are pure: they take the accepted snapshot, the rerun's provenance manifest
and the manuscript source, and return the audit table, the verdict and a
CODECHECK manifest (``codecheck.yml``, the community format for certifying
that a paper's results were reproduced: https://codecheck.org.uk/spec/config/1.0/).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import pandas as pd

AUDIT_COLUMNS = ["key", "accepted", "reproduced", "verdict", "meaning", "rule", "output"]
CODECHECK_SPEC = "https://codecheck.org.uk/spec/config/1.0/"
_INCLUDE = re.compile(r"\{\{<\s*include\s+(figures|tables)/([\w-]+)\.md\s*>\}\}")


def audit_table(accepted: Mapping[str, str], manifest: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Every number, accepted against reproduced, at display precision.

    Parameters
    ----------
    accepted : mapping
        Key -> display string as accepted by the editors.
    manifest : sequence of mapping
        The rerun's provenance manifest (``key, display, meaning, rule, output``).

    Returns
    -------
    pandas.DataFrame
        One row per key of either side, sorted by key, with ``verdict`` one of
        ``same``, ``different``, ``missing`` (accepted but not reproduced) and
        ``new`` (reproduced but never accepted).
    """
    current = {m["key"]: m for m in manifest}
    rows = []
    for key in sorted(set(accepted) | set(current)):
        m = current.get(key, {})
        old = accepted.get(key)
        new = str(m["display"]) if "display" in m else None
        if old is None:
            verdict = "new"
        elif new is None:
            verdict = "missing"
        else:
            verdict = "same" if old == new else "different"
        rows.append({"key": key, "accepted": old or "", "reproduced": new or "", "verdict": verdict,
                     "meaning": m.get("meaning", ""), "rule": m.get("rule", ""), "output": m.get("output", "")})
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def audit_verdict(table: pd.DataFrame) -> dict[str, Any]:
    """The overall verdict of an audit table.

    Returns
    -------
    dict
        ``status`` (``reproduced`` when every accepted number is reproduced
        at display precision and nothing new appeared, else
        ``not reproduced``), the counts per verdict, and the keys that
        differ, are missing or are new.
    """
    counts = {v: int((table["verdict"] == v).sum()) for v in ("same", "different", "missing", "new")}
    failing = table.loc[table["verdict"] != "same", ["key", "verdict"]]
    return {
        "status": "reproduced" if failing.empty and counts["same"] > 0 else "not reproduced",
        "numbers": int(len(table)),
        **counts,
        "failing_keys": [f"{k} ({v})" for k, v in failing.itertuples(index=False)],
    }


def report_roles(qmd: str) -> list[tuple[str, str]]:
    """(role, name) of the figures and tables in the order the report numbers them.

    Parameters
    ----------
    qmd : str
        The manuscript source (``index.qmd``), whose ``{{< include >}}``
        shortcodes place each generated figure and table.

    Returns
    -------
    list of tuple
        ``("Figure 1", "flow")``, ``("Table 1", "table1")``, ... by first
        inclusion; figures and tables are numbered separately.
    """
    seen: dict[tuple[str, str], str] = {}
    counter = {"figures": 0, "tables": 0}
    for kind, name in _INCLUDE.findall(qmd):
        if (kind, name) in seen:
            continue
        counter[kind] += 1
        seen[(kind, name)] = f"{'Figure' if kind == 'figures' else 'Table'} {counter[kind]}"
    return [(role, name) for (kind, name), role in seen.items()]


def codecheck_manifest(
    qmd: str,
    meta: Mapping[str, Any],
    command: str,
    verdict: Mapping[str, Any],
) -> dict[str, Any]:
    """A CODECHECK ``codecheck.yml`` for the rerun.

    Parameters
    ----------
    qmd : str
        The manuscript source (for the figure and table roles).
    meta : mapping
        The manuscript's front matter (``title``, ``subtitle``, ``author``).
    command : str
        The command that reran the workflow.
    verdict : mapping
        :func:`audit_verdict` of the rerun.

    Returns
    -------
    dict
        The manifest: every output with its role in the report, the command,
        the audit's verdict, and empty fields for the human codechecker
        (name, ORCID, check time, certificate, report, summary).
    """
    manifest = [
        {"file": f"results/figures/{name}.png" if role.startswith("Figure") else f"results/manuscript/tables/{name}.md",
         "comment": role}
        for role, name in report_roles(qmd)
    ]
    manifest += [
        {"file": "results/report/index.pdf", "comment": "the report (PDF)"},
        {"file": "results/report/index.html", "comment": "the report (HTML)"},
        {"file": "results/provenance/numbers.csv", "comment": "every reported number with its rule, file and SHA-256"},
        {"file": "results/audit/audit.csv", "comment": "accepted against reproduced, number by number"},
    ]
    authors = meta.get("author") or []
    if isinstance(authors, (str, Mapping)):
        authors = [authors]
    return {
        "version": CODECHECK_SPEC,
        "paper": {
            "title": ": ".join(str(meta[k]) for k in ("title", "subtitle") if meta.get(k)),
            "authors": [{"name": a["name"] if isinstance(a, Mapping) else str(a)} for a in authors],
            "reference": "",
        },
        "manifest": manifest,
        "codechecker": [{"name": "", "ORCID": ""}],
        "summary": "",
        "repository": "",
        "check_time": "",
        "certificate": "",
        "report": "",
        "workflow": {
            "command": command,
            "audit_status": verdict["status"],
            "numbers_checked": verdict["numbers"],
            "numbers_same": verdict["same"],
        },
    }
