"""The auditor's command: rerun from raw data, compare every number.

``python -m selfcare.audit`` is run on a copy of the project after one raw
value is changed (the untouched case runs in tests/workflow/test_guides.py,
as the auditor's guide); the pure comparison functions are tested on small
hand-made inputs.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from selfcare.audit import copy_project
from selfcare.report.audit import (
    audit_table,
    audit_verdict,
    codecheck_manifest,
    report_roles,
)

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- pure functions


def test_audit_table_compares_at_display_precision():
    accepted = {"a": "1.2", "b": "0.05", "c": "7"}
    manifest = [{"key": "a", "display": "1.2", "meaning": "A", "rule": "r", "output": "o"},
                {"key": "b", "display": "0.06"}, {"key": "d", "display": "9"}]
    table = audit_table(accepted, manifest)
    assert dict(zip(table["key"], table["verdict"])) == {"a": "same", "b": "different", "c": "missing", "d": "new"}
    verdict = audit_verdict(table)
    assert verdict["status"] == "not reproduced"
    assert verdict["failing_keys"] == ["b (different)", "c (missing)", "d (new)"]
    assert audit_verdict(audit_table({"a": "1.2"}, manifest[:1]))["status"] == "reproduced"
    # nothing compared is not a reproduction
    assert audit_verdict(audit_table({}, []))["status"] == "not reproduced"


def test_roles_follow_the_order_of_inclusion():
    qmd = ("{{< include tables/table1.md >}}\n{{< include figures/flow.md >}}\n"
           "{{< include tables/flow.md >}}\n{{< include figures/flow.md >}}\n{{< include figures/ae.md >}}\n")
    assert report_roles(qmd) == [("Table 1", "table1"), ("Figure 1", "flow"), ("Table 2", "flow"), ("Figure 2", "ae")]
    manifest = codecheck_manifest(qmd, {"title": "T", "author": [{"name": "N"}]}, "cmd",
                                  {"status": "reproduced", "numbers": 3, "same": 3})
    assert manifest["manifest"][0] == {"file": "results/manuscript/tables/table1.md", "comment": "Table 1"}
    assert manifest["manifest"][1] == {"file": "results/figures/flow.png", "comment": "Figure 1"}
    assert manifest["codechecker"] == [{"name": "", "ORCID": ""}] and manifest["check_time"] == ""
    assert manifest["paper"]["authors"] == [{"name": "N"}]


# ---------------------------------------------------------------- end to end


def _project(tmp: Path) -> Path:
    dest = tmp / "project"
    dest.mkdir()
    copy_project(ROOT, dest)  # what the auditor's rerun copies
    return dest


def _audit(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "selfcare.audit", "--cores", "2"], cwd=project,
                          capture_output=True, text=True, timeout=1200)


@pytest.mark.slow
def test_audit_fails_after_a_one_value_change_in_raw_data_naming_the_moved_keys(tmp_path):
    project = _project(tmp_path)
    path = project / "resources/synthetic/baseline.csv"
    lines = path.read_text().split("\n")
    comment = [line for line in lines if line.startswith("#")]
    frame = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    row = frame.index[frame["site"].eq("LO") & frame["es_01"].isin(["3", "4"])][0] if "site" in frame else \
        frame.index[frame["es_01"].isin(["3", "4"])][0]
    frame.loc[row, "es_01"] = "1"
    path.write_text("\n".join(comment) + "\n" + frame.to_csv(index=False, lineterminator="\n"))
    # the shipped hand-over is signed as SYNTHETIC: the edited copy is signed again
    subprocess.run([sys.executable, "-m", "selfcare.synth", "sign", "resources/synthetic"], cwd=project, check=True,
                   capture_output=True)
    res = _audit(project)
    assert res.returncode == 1, (res.stdout + res.stderr)[-3000:]
    with open(project / "results/audit/audit.csv", newline="") as fh:
        moved = [r["key"] for r in csv.DictReader(fh) if r["verdict"] == "different"]
    assert moved and any(k.startswith(("change.", "table1.", "reliability.", "ancova.")) for k in moved)
    for key in moved:
        assert key in res.stderr, f"the failure message names {key}"
