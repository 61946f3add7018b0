"""Deployment into a study team's own repository as a Snakemake module.

The test writes what ``snakedeploy deploy-workflow`` would write into a new
folder (a ``workflow/Snakefile`` with a ``module`` that points at this
workflow's ``Snakefile`` and passes the team's own config, plus
``use rule * from selfcare as selfcare_*``), gives it its own ``config/`` and a
raw hand-over in its own ``data/raw/`` folder, and runs the whole workflow to
the report there. Nothing of the team's folder is inside this repository.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

DEPLOYED_SNAKEFILE = """\
configfile: "config/config.yaml"


module selfcare:
    snakefile:
        "{snakefile}"
    config:
        config


use rule * from selfcare as selfcare_*
"""


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> Path:
    team = tmp_path_factory.mktemp("team-repo")
    (team / "workflow").mkdir()
    (team / "workflow" / "Snakefile").write_text(DEPLOYED_SNAKEFILE.format(snakefile=ROOT / "Snakefile"))
    shutil.copytree(ROOT / "config", team / "config")
    shutil.copytree(ROOT / "resources" / "synthetic", team / "data" / "raw")
    cfg = team / "config" / "config.yaml"
    text = cfg.read_text()
    assert "raw_dir: resources/synthetic" in text
    cfg.write_text(text.replace("raw_dir: resources/synthetic", "raw_dir: data/raw"))
    res = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2"], cwd=team, capture_output=True, text=True, timeout=1200
    )
    assert res.returncode == 0, (res.stdout + res.stderr)[-5000:]
    return team


def test_deployed_module_runs_to_the_checked_report(deployed):
    for out in ("report/index.html", "report/index.pdf", "report/trace.csv", "checks/leak_check.json"):
        assert (deployed / "results" / out).stat().st_size > 0, out


def test_deployed_numbers_equal_the_accepted_numbers(deployed):
    # same hand-over as this repository's: no reported number may move
    with open(deployed / "results/report/number_changes.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == []


def test_deployed_provenance_names_the_module_code_and_the_prefixed_rules(deployed):
    with open(deployed / "results/provenance/numbers.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ancova = next(r for r in rows if r["key"] == "ancova.confidence.estimate")
    assert ancova["rule"] == "selfcare_ancova"
    # the module's code is named relative to the module's own checkout, never by a machine path
    assert ancova["script"] == "workflow/scripts/ancova.py"
    assert "workflow/selfcare/analysis/models.py" in ancova["inputs"].split(";")
    assert "data/raw" not in ancova["inputs"]  # inputs of ancova are results, not raw files
