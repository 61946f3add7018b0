"""The README's guides, executed: researcher, editor and auditor, step by step.

The commands are read from the guides' code blocks in README.md and run in
order in a copy of the project, so a guide that no longer works fails here.
"""

from __future__ import annotations

import csv
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def guide_commands(title: str) -> list[str]:
    """The commands of a guide's ```bash block in README.md."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split(f"### {title}", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, f"guide {title!r} has no command block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def run(project: Path, command: str, timeout: int = 1200) -> subprocess.CompletedProcess[str]:
    assert command.startswith(("snakemake", "python -m selfcare.")), command
    args = command.split()
    args = [sys.executable, "-m", *args[2:]] if args[0] == "python" else [sys.executable, "-m", "snakemake", *args[1:]]
    return subprocess.run(args, cwd=project, capture_output=True, text=True, timeout=timeout)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def project(tmp_path_factory, shipped_run, copy_of_run) -> Path:
    """The project after its first full run (the shared run of conftest.py, copied): the
    researcher's first command then finds everything up to date."""
    return copy_of_run(shipped_run, tmp_path_factory.mktemp("guides"))


def test_researcher_guide_runs_reruns_nothing_explains_and_recovers_from_a_killed_run(project):
    steps = guide_commands("Researcher: run, rerun, ask why, recover")
    assert steps[0].startswith("snakemake --cores")
    first = run(project, steps[0])
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    dry = run(project, steps[1])
    assert dry.returncode == 0 and "Nothing to be done" in dry.stdout + dry.stderr
    changes = run(project, steps[2])
    assert changes.returncode == 0 and not changes.stdout.strip()
    # make work, kill the run in the middle, then follow the recovery steps
    cfg = project / "config/config.yaml"
    cfg.write_text(cfg.read_text().replace("p_decimals: 3", "p_decimals: 4"))
    why = run(project, "snakemake -n")
    assert "params" in (why.stdout + why.stderr).lower()
    proc = subprocess.Popen([sys.executable, "-m", "snakemake", "--cores", "2"], cwd=project,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(8)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for step in steps[3:]:
        res = run(project, step)
        assert res.returncode == 0, (step, (res.stdout + res.stderr)[-3000:])
    assert "Nothing to be done" in run(project, "snakemake -n").stdout + run(project, "snakemake -n").stderr
    # back to the shipped setting; the next guide's first rebuild brings the
    # results up to date (no extra run here: CI time)
    cfg.write_text(cfg.read_text().replace("p_decimals: 4", "p_decimals: 3"))


def test_editor_guide_correction_change_list_and_accept(project):
    steps = guide_commands("Editor: correct the data, rebuild, see what changed, accept")
    # step 1: a documented correction of one item response of a participant at LO
    baseline = (project / "resources/synthetic/baseline.csv").read_text().splitlines()
    header = next(line for line in baseline if not line.startswith("#")).split(",")
    col = header.index("es_01")
    row = next(r.split(",") for r in baseline if r.startswith("LO-") and r.split(",")[col] in ("1", "2"))
    corrections = project / "resources/synthetic/corrections.csv"
    corrections.write_text(corrections.read_text().rstrip("\n") + "\n"
                           f"C003,baseline.csv,{row[0]},es_01,{row[col]},4,data entry: wrong box ticked,2008-11-20\n")
    # the shipped hand-over is signed as SYNTHETIC: an edited copy is signed again
    # (a real hand-over is never signed and runs with the team's own key)
    sign = run(project, "python -m selfcare.synth sign resources/synthetic")
    assert sign.returncode == 0, sign.stderr[-2000:]
    rebuild = run(project, steps[0])
    assert rebuild.returncode == 0, (rebuild.stdout + rebuild.stderr)[-3000:]
    moved = _rows(project / "results/report/number_changes.csv")
    assert moved and all(r["status"] == "changed" for r in moved)
    keys = {r["key"] for r in moved}
    sentences = _rows(project / "results/report/changed_sentences.csv")
    assert sentences and {s["key"] for s in sentences} <= keys
    assert all(s["section"] and s["sentence"] for s in sentences)
    cells = _rows(project / "results/report/changed_cells.csv")
    assert cells and all(c["accepted"] != c["current"] for c in cells)
    figures = _rows(project / "results/report/changed_figures.csv")
    assert {"change", "scores"} & {f["figure"] for f in figures}
    trail = _rows(project / "results/validation/corrections_applied.csv")
    assert [t["correction_id"] for t in trail] == ["C001", "C002", "C003"]
    html = (project / "results/report/index.html").read_text()
    assert "<mark>" in html, "moved values are highlighted in the HTML appendix"
    # step 4: accept, rebuild: nothing has moved any more
    accept = run(project, steps[1])
    assert accept.returncode == 0, accept.stderr[-2000:]
    accepted = json.loads((project / "manuscript/accepted-numbers.json").read_text())
    # the change list's CSV guards cells that begin with a formula character (+, -, =, @) with an apostrophe
    assert all(accepted[r["key"]] == _unguarded(r["current"]) for r in moved)
    again = run(project, steps[2])
    assert again.returncode == 0
    assert _rows(project / "results/report/number_changes.csv") == []
    assert _rows(project / "results/report/changed_cells.csv") == []


def test_auditor_guide_reproduces_every_accepted_number(project):
    (step,) = guide_commands("Auditor: rerun from raw data and check every number")
    res = run(project, step)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    verdict = json.loads((project / "results/audit/verdict.json").read_text())
    assert verdict["status"] == "reproduced" and verdict["same"] == verdict["numbers"] > 400
    assert (project / "results/audit/codecheck.yml").exists() and (project / "results/audit/audit.csv").exists()


def _unguarded(cell: str) -> str:
    """A CSV cell as written before the spreadsheet-formula guard."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("+", "-", "=", "@") else cell
