"""The manuscript reads for a hand-over whose sites it has never seen (issue 11).

In process, without Snakemake: the ``small`` scenario (two sites, EA and WE,
none of the published LO, SO and NO) is simulated on the quantitative path,
analysed site by site with the workflow's own steps, and the manuscript as
the renderer would show it (its conditional blocks applied with the
scenario's metadata) must quote only keys that these steps produce, with no
key of a published site it does not have. The whole workflow on this
scenario runs in tests/workflow/test_scenarios.py (slow).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from selfcare.analysis.sites import site_summary
from selfcare.analysis.steps import (
    ancova_models,
    baseline_characteristics,
    change_by_site,
    engagement_model,
    participant_flow,
    satisfaction_model,
    service_use_by_site,
    significance_summary,
)
from selfcare.core import io as sio
from selfcare.report.conditions import apply_conditions, document_metadata
from selfcare.report.confignumbers import config_records
from selfcare.report.markdown import find_var_keys
from selfcare.report.reproduction import verdict_records, verdicts
from selfcare.report.tables.published import published_records
from selfcare.scenario import load, scenario_configs
from selfcare.synth.calibration import dataset_from_tables
from selfcare.synth.quantitative import simulate_quantitative

ROOT = Path(__file__).resolve().parents[2]
#: Key families that depend on the sites; the rest (survey, qualitative, models) do not.
SITE_DEPENDENT = ("change.", "service.", "flow.", "table1.", "reproduction.", "assumption.", "config.", "published.",
                  "ancova.", "satisfaction.", "engagement.")


@pytest.fixture(scope="module")
def small():
    configs = scenario_configs(ROOT, load(ROOT, "small"))
    cfg, fcfg = configs["config"], configs["config"]["formatting"]
    sites = list(cfg["sites"])
    measures = sio.read_yaml(ROOT / "config/measures.yaml")
    published = sio.read_yaml(ROOT / "config/published.yaml")
    q = simulate_quantitative(configs["simulation"], measures)
    ds = dataset_from_tables(q, measures, cfg["analysis"])
    records = participant_flow(q["screening"], ds, cfg["analysis"], fcfg, sites=sites)["records"]
    per_site, tables, changes = [], {}, []
    for site in sites:
        change = change_by_site(ds, site, cfg["analysis"], fcfg)
        per_site += change["records"]
        changes.append(change["table"])
        res = service_use_by_site(ds, site, cfg["analysis"], fcfg)
        per_site += res["records"]
        tables[site] = res["table"]
    records += per_site + site_summary(per_site, tables, sites, cfg["analysis"]["outcomes"], cfg["analysis"]["alpha"], fcfg)
    records += significance_summary(changes, cfg["analysis"]["alpha"], fcfg)
    for model in (ancova_models, satisfaction_model, engagement_model):
        records += model(ds, cfg["analysis"], fcfg)["records"]
    t1 = baseline_characteristics(ds, cfg["analysis"], published["table1"], fcfg, sites, published["sites"])
    records += t1["records"] + t1["check_records"]
    records += config_records(cfg, measures, configs["simulation"]) + published_records(published, fcfg)
    by_key = {r["key"]: r for r in records}
    records += verdict_records(verdicts(published, by_key, 0.05, sites), fcfg)
    return {"sites": sites, "by_key": {r["key"]: r for r in records}, "check": t1["check"], "configs": configs}


def test_the_scenario_has_none_of_the_published_sites(small):
    assert small["sites"] == ["EA", "WE"]
    assert small["by_key"]["assumption.sim.realise_published"]["value"] == "no"


def test_every_site_dependent_key_the_manuscript_shows_resolves(small):
    meta = document_metadata(small["sites"], realised_published=False)
    shown = apply_conditions(sio.read_text(ROOT / "manuscript/index.qmd"), meta)
    keys = {k for k, _ in find_var_keys(shown)}
    assert not [k for k in keys if re.search(r"\.(lo|so|no)(\.|$)", k)], "a published site's key is still shown"
    missing = sorted(k for k in keys if k.startswith(SITE_DEPENDENT) and k not in small["by_key"])
    assert not missing, missing
    words = small["by_key"]
    assert words["service.sites.ae.totals"]["display"].endswith(" at WE") and " at EA" in words["change.sites.severity"]["display"]
    assert words["config.n_sites_trusts"]["display"] == "two Trusts"


def test_published_findings_and_table1_statistics_of_absent_sites_are_not_assessed(small):
    by_key = small["by_key"]
    assert by_key["reproduction.lo_empowerment.verdict"]["display"] == "not assessed (site not in the hand-over)"
    assert by_key["reproduction.n_not_assessed"]["value"] == 4 and by_key["reproduction.n_findings"]["value"] == 5
    assert "not assessed" in by_key["reproduction.failed"]["display"]
    check = small["check"]
    assert check["verdict"].astype(str).str.startswith("not assessed (LO, SO and NO not in the hand-over").all()
    assert check["computed"].isna().all() and check["counts_statistic"].notna().any()  # published counts still checked
    assert by_key["table1.check.n_published"]["value"] == 0 and by_key["table1.check.n_not_assessed"]["value"] == len(check)
    assert by_key["table1.check.n_flagged"]["value"] == 0
    assert by_key["table1.check.exceptions"]["display"].startswith("none is assessed: LO, SO and NO not in the hand-over")
