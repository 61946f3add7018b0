"""The simulator for other studies: sites as data, sizes, constraints only
when asked, whole-array draws; and the scenario configurations."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from selfcare.core import io as sio
from selfcare.raw.nhs import is_valid_nhs_number
from selfcare.scenario import SCENARIO_DIR, load, merge, scenario_configs
from selfcare.synth.cli import check_config, missing_sites, override, parse_sizes
from selfcare.synth.facts import matched_site_ages
from selfcare.synth.handover import build_codebook
from selfcare.synth.identifiers import NHS_TEST_NUMBERS, iso, iso_days, participants
from selfcare.synth.quantitative import simulate_quantitative, true_parameters

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = sio.read_yaml(ROOT / "workflow/schemas/simulation.schema.yaml")


def _four_sites(configs):
    """The shipped simulator configuration with a fourth site ZZ9 (a copy of NO)."""
    return scenario_configs(ROOT, {"description": "x", "simulation": _copy_site(configs["simulation"], "NO", "ZZ9")})[
        "simulation"]


def _copy_site(sim, src, new):
    """Changes that add site ``new`` with the settings of ``src`` (every per-site setting)."""
    change = {"sites": {new: copy.deepcopy(sim["sites"][src])}, "screening": {new: sim["screening"][src]},
              "outcomes": {k: {"baseline": {new: o["baseline"][src]}, "change": {new: o["change"][src]}}
                           for k, o in sim["outcomes"].items()},
              "engagement": {"sessions": {new: sim["engagement"]["sessions"][src]}},
              "service_use": {k: {p: {new: v[p][src]} for p in ("mean_if_any", "mean", "rate_ratio") if p in v}
                              for k, v in sim["service_use"].items() if isinstance(v, dict)},
              "identifiers": {p: {new: sim["identifiers"][p][src]} for p in ("postcode_districts", "phone_prefixes", "places")}}
    return change


def test_a_fourth_site_with_any_code_is_simulated_with_its_own_people(configs):
    sim = override(_four_sites(configs), parse_sizes("15", ["LO", "SO", "NO", "ZZ9"]), constraints=False)
    check_config(sim, SCHEMA)
    q = simulate_quantitative(sim, configs["measures"])
    assert q["people"]["site"].value_counts().to_dict() == {"LO": 15, "SO": 15, "NO": 15, "ZZ9": 15}
    assert list(q["screening"]["site"]) == ["LO", "SO", "NO", "ZZ9"]
    assert set(true_parameters(sim)["change"]["empowerment"]) == {"LO", "SO", "NO", "ZZ9"}
    assert q["people"]["study_id"].str.fullmatch(r"(LO|SO|NO|ZZ9)-\d{3}").all()


def test_a_site_without_its_per_site_settings_is_named(configs):
    sim = copy.deepcopy(configs["simulation"])
    sim["sites"]["XY"] = copy.deepcopy(sim["sites"]["LO"])
    missing = missing_sites(sim)
    assert "screening: XY" in missing and "outcomes.severity.change: XY" in missing
    with pytest.raises(ValueError, match="do not match the sites"):
        check_config(sim, SCHEMA)
    assert missing_sites(configs["simulation"]) == []


def test_changing_only_the_size_works_without_constraints_and_fails_clearly_with_them(configs):
    sim = override(configs["simulation"], {"LO": 50, "SO": 50, "NO": 50}, constraints=False)
    q = simulate_quantitative(sim, configs["measures"])
    assert len(q["people"]) == 150 and q["people"]["age"].notna().sum() == 149
    # the counts became shares of the configured size: no exact Table 1 count, but close
    assert 0.5 < (q["people"]["gender"] == "female").mean() < 0.9
    with pytest.raises(ValueError, match="add up to"):
        simulate_quantitative(override(configs["simulation"], {"LO": 50}), configs["measures"])


def test_max_attempts_is_configurable_and_named_in_the_error(configs):
    sim = copy.deepcopy(configs["simulation"])
    sim["constraints"]["age_f"] = 99.0  # unreachable
    sim["constraints"]["max_attempts"] = 2
    with pytest.raises(RuntimeError, match="in 2 attempts.*max_attempts"):
        matched_site_ages(sim, 1)
    sim["constraints"]["age_f"] = None
    assert set(matched_site_ages(sim, 1)) == {"LO", "SO", "NO"}


def test_vectorised_draws_give_valid_identifiers_and_exact_ages():
    rng = np.random.default_rng(3)
    n = 4000
    people = pd.DataFrame({
        "study_id": [f"AB-{i:04d}" for i in range(n)], "site": np.where(np.arange(n) % 2, "AB", "CD"),
        "initiative": "x", "gender": np.where(rng.random(n) < 0.5, "female", "male"),
        "age": np.where(np.arange(n) == 7, np.nan, rng.integers(18, 80, n)).astype(float),
        "referral_day": rng.integers(-40, 300, n), "baseline_day": rng.integers(0, 1500, n),
        "followup_day": np.where(rng.random(n) < 0.2, np.nan, 300.0), "withdrawn": "no",
        "withdrawal_day": np.nan, "consent_quotes": "yes"})
    ident = {"first_names": {"female": ["Ann"], "male": ["Bob", "Cy"]}, "surnames": ["O'Dea", "Lee"],
             "postcode_districts": {"AB": ["SW11"], "CD": ["LS4"]}, "email_domains": ["example.org"],
             "phone_prefixes": {"mobile": "07700 900", "AB": "020 7946 0", "CD": "0113 496 0"}}
    start = dt.date(2007, 10, 1)
    reg = participants({"draws": "vectorised", "identifiers": ident}, people, 5, set(), start)
    assert reg["nhs_number"].map(is_valid_nhs_number).all() and reg["nhs_number"].is_unique
    assert reg["nhs_number"].str.startswith("999").all()
    dob = pd.to_datetime(reg["date_of_birth"].replace("", None))
    base = pd.to_datetime(reg["baseline_date"])
    age = base.dt.year - dob.dt.year - ((base.dt.month * 100 + base.dt.day) < (dob.dt.month * 100 + dob.dt.day))
    assert (age[people["age"].notna()] == people["age"].dropna()).all() and reg.at[7, "date_of_birth"] == ""
    assert reg["postcode"].str.fullmatch(r"(SW11|LS4) \d[A-Z]{2}").all()
    assert reg.loc[reg["email"] != "", "email"].str.fullmatch(r"[a-z]+\.[a-z]+\d+@example\.org").all()
    assert list(iso_days(start, [0.0, np.nan, -3.0])) == [iso(start, 0.0), "", iso(start, -3.0)]


def test_whole_array_study_is_drawn_and_nhs_numbers_stay_in_the_test_range(configs):
    sim = override(configs["simulation"], parse_sizes("2000", ["LO", "SO", "NO"]), constraints=False,
                   draws="vectorised")
    q = simulate_quantitative(sim, configs["measures"])
    att = q["attendance"].merge(q["people"][["study_id", "baseline_day"]], on="study_id")
    offset = att["day"] - att["baseline_day"]
    assert offset.between(0, 300).all() and len(q["attendance"]) > 6000
    assert NHS_TEST_NUMBERS == 909_091


def test_codebook_tokens_follow_the_sites(configs):
    sites = {"AB": "x", "CD9": "y", "EF": "x"}
    pkg = build_codebook(configs["codebook"], configs["measures"], True, [], sites, id_width=5, nhs_unique=False)
    fields = {f["name"]: f for r in pkg["resources"] if r["name"] == "participants" for f in r["schema"]["fields"]}
    assert fields["site"]["constraints"]["enum"] == ["AB", "CD9", "EF"]
    assert fields["initiative"]["constraints"]["enum"] == ["x", "y"]
    assert re.fullmatch(fields["study_id"]["constraints"]["pattern"], "CD9-00012")
    assert not re.fullmatch(fields["study_id"]["constraints"]["pattern"], "CD9-012")
    assert "unique" not in fields["nhs_number"]["constraints"]


def test_scenario_merge_replaces_merges_and_removes():
    assert merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": 5, "c": None}, "d": [2]}) == {"a": {"b": 5}, "d": [2]}


@pytest.mark.parametrize("path", sorted((ROOT / SCENARIO_DIR).glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_gives_a_valid_simulator_configuration(path):
    configs = scenario_configs(ROOT, load(ROOT, path.stem))
    check_config(configs["simulation"], SCHEMA)
    assert list(configs["config"]["sites"]) == list(configs["simulation"]["sites"])
    assert configs["config"]["data"]["raw_dir"] == "raw"


def test_the_flow_counts_every_configured_site_and_refuses_an_unconfigured_one(configs):
    from selfcare.analysis.steps import participant_flow
    from selfcare.synth.calibration import dataset_from_tables

    sim = override(_four_sites(configs), parse_sizes("12", ["LO", "SO", "NO", "ZZ9"]), constraints=False)
    q = simulate_quantitative(sim, configs["measures"])
    ds = dataset_from_tables(q, configs["measures"], configs["config"]["analysis"])
    fcfg = configs["config"]["formatting"]
    sites = ["LO", "SO", "NO", "ZZ9"]
    res = participant_flow(q["screening"], ds, configs["config"]["analysis"], fcfg, sites=sites)
    assert list(res["table"]["site"]) == sites and res["table"]["recruited"].sum() == len(ds) == 48
    keys = {r["key"] for r in res["records"]}
    assert {"flow.zz9.recruited", "flow.per_site.recruited"} <= keys
    shown = {r["key"]: r["display"] for r in res["records"]}
    assert shown["flow.per_site.recruited"] == "12"  # equal sizes: one number, not "12 to 12"
    # the sentences' site lists name every configured site, in order
    assert shown["flow.sites.recruited"] == "12 at LO, 12 at SO, 12 at NO and 12 at ZZ9"
    fu = res["table"].set_index("site")["followed_up"]
    assert shown["flow.sites.followed_up"] == (
        f"{fu['LO']} of 12 people at LO, {fu['SO']} of 12 at SO, {fu['NO']} of 12 at NO and {fu['ZZ9']} of 12 at ZZ9")
    with pytest.raises(ValueError, match="not among the configured sites"):
        participant_flow(q["screening"], ds, configs["config"]["analysis"], fcfg, sites=sites[:3])


def test_scenario_command_line_passes_targets_and_snakemake_arguments(tmp_path, monkeypatch):
    import selfcare.scenario as scenario

    seen = {}
    monkeypatch.setattr(scenario, "prepare", lambda root, name, dest: dest)
    monkeypatch.setattr(scenario.io, "read_yaml", lambda path: {"sites": {"AA": {}, "BB": {}}})
    monkeypatch.setattr(scenario.subprocess, "run", lambda cmd: seen.setdefault("cmd", cmd) and type("R", (), {"returncode": 0}))
    assert scenario.main(["run", "small", "--dir", str(tmp_path), "--quantitative", "--", "-n", "--quiet"]) == 0
    cmd = seen["cmd"]
    assert cmd[cmd.index("--directory") + 1] == str(tmp_path.resolve())
    assert "results/analysis/service_use_BB.csv" in cmd and cmd[-2:] == ["-n", "--quiet"]
