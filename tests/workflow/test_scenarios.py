"""Scenarios: the workflow on other simulated studies (config/scenarios/).

Three scenarios run the whole workflow through the rendered report, the
leak check and the claims check (``python -m selfcare.scenario run``, each in
its own project folder); the rest run the quantitative path in process: the
simulated tables are scored, built into the analysis dataset and analysed
with the workflow's own estimators.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from selfcare.analysis.steps import baseline_characteristics, participant_flow
from selfcare.core import io as sio
from selfcare.scenario import load, scenario_configs
from selfcare.synth.calibration import dataset_from_tables, headline_estimates
from selfcare.synth.quantitative import simulate_quantitative

pytestmark = pytest.mark.slow  # whole-workflow runs: not in the fast run

ROOT = Path(__file__).resolve().parents[2]
#: Scenarios run through the whole workflow (small sizes: CI time).
WHOLE = ("four-sites", "reverse-effects", "small")
#: Scenarios run through the quantitative path only.
QUANTITATIVE = ("other-seed", "large", "sparse-followup", "item-missingness")


def test_every_scenario_is_tested():
    shipped = {p.stem for p in (ROOT / "config/scenarios").glob("*.yaml")}
    assert shipped == set(WHOLE) | set(QUANTITATIVE)


@pytest.mark.parametrize("name", WHOLE)
def test_scenario_runs_through_the_checked_report(name, tmp_path):
    dest = tmp_path / name
    res = subprocess.run([sys.executable, "-m", "selfcare.scenario", "run", name, "--dir", str(dest), "--cores", "2"],
                         cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert res.returncode == 0, (res.stdout + res.stderr)[-5000:]
    results = dest / "results"
    for out in ("report/index.html", "report/index.pdf", "report/trace.csv", "checks/leak_check.json"):
        assert (results / out).stat().st_size > 0, out
    assert json.loads((results / "checks/leak_check.json").read_text())["status"] == "passed"
    sites = list(sio.read_yaml(dest / "config/config.yaml")["sites"])
    flow = pd.read_csv(results / "analysis/flow.csv")
    assert list(flow["site"]) == sites, "the participant flow lists every configured site, in order"
    people = pd.read_csv(results / "analysis/dataset.csv")
    assert flow["recruited"].sum() >= len(people) and set(people["site"]) == set(sites)
    for site in sites:
        assert (results / f"analysis/change_{site}.csv").exists()
    html = (results / "report/index.html").read_text()
    assert all(f">{site}<" in html or f" {site} " in html for site in sites)


@pytest.mark.parametrize("name", QUANTITATIVE)
def test_scenario_quantitative_path(name):
    configs = scenario_configs(ROOT, load(ROOT, name))
    measures = sio.read_yaml(ROOT / "config/measures.yaml")
    analysis = configs["config"]["analysis"]
    q = simulate_quantitative(configs["simulation"], measures)
    ds = dataset_from_tables(q, measures, analysis)
    sites = list(configs["config"]["sites"])
    flow = participant_flow(q["screening"], ds, analysis, configs["config"]["formatting"], sites=sites)["table"]
    assert list(flow["site"]) == sites and flow["unaccounted_referrals"].eq(0).all()
    table1 = baseline_characteristics(ds, analysis, [], configs["config"]["formatting"], sites=sites)
    assert len(table1["tests"]) > 0
    estimates = headline_estimates(ds, analysis)
    assert estimates and all(math.isfinite(v["estimate"]) for v in estimates.values()), estimates
