"""Every shipped scenario's configuration gives the manuscript's configuration
numbers (fast: no simulation, no workflow run). The sparse-followup scenario's
per-site loss to follow-up once failed here only when its report was built."""

from __future__ import annotations

from pathlib import Path

import pytest
from selfcare.core import io as sio
from selfcare.report.confignumbers import config_records
from selfcare.scenario import load, scenario_configs

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p.stem for p in (ROOT / "config/scenarios").glob("*.yaml"))


@pytest.mark.parametrize("name", SCENARIOS)
def test_config_numbers_for_every_scenario(name):
    configs = scenario_configs(ROOT, load(ROOT, name))
    measures = sio.read_yaml(ROOT / "config/measures.yaml")
    records = config_records(configs["config"], measures, configs["simulation"])
    by_key = {r["key"]: r for r in records}
    assert len(by_key) == len(records), "one record per key"
    assert all(str(r["display"]).strip() for r in records)
    sites = list(configs["config"]["sites"])
    for key in ("assumption.sim.screening.sites", "assumption.sim.loss_to_followup_rate"):
        assert key in by_key
    for site in sites:
        assert f"at {site}" in by_key["assumption.sim.screening.sites"]["display"]
