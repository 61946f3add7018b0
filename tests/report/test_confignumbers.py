"""Tests for selfcare.report.confignumbers: the registry records of the configuration."""

from __future__ import annotations

import copy
import datetime
import re

import pytest
from selfcare.report import formatting
from selfcare.report.confignumbers import (
    ConfigNumbersError,
    config_records,
    table_records,
    written_decimals,
)
from selfcare.report.registry import check_key, merge_fragments, quarto_variables


def _records(configs):
    return config_records(configs["config"], configs["measures"], configs["simulation"])


def _displays(configs):
    return {r["key"]: r["display"] for r in _records(configs)}


SMALL_SPECS = (
    ("config.scoring.min_answered_pct", "measures:defaults.min_answered_share", "pct", "proportion", "share"),
    ("config.alpha", "config:analysis.alpha", "num", "", "level"),
    ("assumption.sim.loss", "simulation:loss", "pct", "proportion", "loss"),
    ("assumption.sim.start", "simulation:start", "month_year", "date", "start"),
    ("assumption.sim.lag.max", "simulation:lag.-1", "int", "days", "longest lag"),
    ("assumption.sim.change.{0}", "simulation:change.*", "signed", "points", "change at {0}"),
    ("assumption.sim.screening.{0}.declined", "simulation:screening.*.declined", "int", "people", "{0} declined"),
)

SMALL_DOCS = {
    "config": {"analysis": {"alpha": 0.05}},
    "measures": {"defaults": {"min_answered_share": 0.8}},
    "simulation": {
        "loss": 0.175,
        "start": datetime.date(2007, 10, 1),
        "lag": [7, 45],
        "change": {"LO": 3.9, "NO": -1.0, "SO": 0.0},
        "screening": {"LO": {"declined": 11}, "NO": {"ineligible": 5}},  # NO lacks the path: skipped
    },
}


def test_small_table_gives_expected_keys_and_displays():
    recs = table_records(SMALL_DOCS, {"leading_zero": True}, SMALL_SPECS)
    shown = {r["key"]: r["display"] for r in recs}
    assert shown == {
        "config.scoring.min_answered_pct": "80%",
        "config.alpha": "0.05",
        "assumption.sim.loss": "17.5%",
        "assumption.sim.start": "October 2007",
        "assumption.sim.lag.max": "45",
        "assumption.sim.change.lo": "+3.9",
        "assumption.sim.change.no": "-1.0",
        "assumption.sim.change.so": "0.0",
        "assumption.sim.screening.lo.declined": "11",
    }  # NO has no "declined": a branch without the rest of the path is skipped
    by_key = {r["key"]: r for r in recs}
    assert by_key["config.scoring.min_answered_pct"]["value"] == 0.8  # the configured value, unscaled
    assert by_key["assumption.sim.start"]["value"] == "2007-10-01"
    assert by_key["assumption.sim.change.lo"]["meaning"] == "change at LO"


def test_small_table_display_follows_the_formatting_config():
    recs = table_records(SMALL_DOCS, {"minus": "\u2212", "leading_zero": False, "pct_sign": " per cent"}, SMALL_SPECS)
    shown = {r["key"]: r["display"] for r in recs}
    assert shown["assumption.sim.change.no"] == "\u22121.0"
    assert shown["config.alpha"] == ".05"
    assert shown["config.scoring.min_answered_pct"] == "80 per cent"


@pytest.mark.parametrize(
    "spec, docs, message",
    [
        (("config.x", "config:analysis.nothing", "int", "", "x"), {"config": {"analysis": {}}}, "nothing at"),
        (("config.x", "config:analysis.alpha", "int", "", "x"), {"config": {"analysis": {"alpha": 0.05}}}, "whole number"),
        (("config.x", "config:analysis.alpha", "num", "", "x"), {"config": {"analysis": {"alpha": "a"}}}, "a number"),
        (("config.x", "config:analysis.alpha", "num", "", "x"), {"config": {"analysis": {"alpha": True}}}, "a number"),
        (("config.x", "config:analysis.alpha", "odd", "", "x"), {"config": {"analysis": {"alpha": 1}}}, "unknown kind"),
        (("config.x.{0}", "config:sites.*.n", "int", "", "x"), {"config": {"sites": {"LO": {}}}}, "nothing at"),
        (("config.x", "other:a", "int", "", "x"), {"config": {}}, "unknown file"),
    ],
)
def test_table_errors_name_the_key(spec, docs, message):
    with pytest.raises(ConfigNumbersError, match=message) as err:
        table_records(docs, None, (spec,))
    assert "config.x" in str(err.value) or "unknown kind" in str(err.value)


def test_written_decimals():
    assert [written_decimals(x) for x in (3, 0.45, 4.5, 1.0, 0.001, 0.01, 1e-05)] == [0, 2, 1, 1, 3, 2, 5]


def test_fmt_month_year():
    assert formatting.fmt_month_year(datetime.date(2007, 10, 1), None) == "October 2007"
    assert formatting.fmt_month_year("2010-01-31", None) == "January 2010"
    assert formatting.fmt_month_year(None, {"missing": "--"}) == "--"
    with pytest.raises(ValueError):
        formatting.fmt_month_year("Oct 2007", None)


def test_shipped_config_records_are_valid_and_unique(configs):
    recs = _records(configs)
    keys = [r["key"] for r in recs]
    assert len(keys) == len(set(keys))
    for key in keys:
        check_key(key)
        assert key.startswith(("config.", "assumption.sim.", "model."))
    for r in recs:
        assert r["display"].strip() and r["meaning"].strip() and "\n" not in r["meaning"]
    merged = merge_fragments([("results/numbers/config.json", recs)])
    assert len(merged) == len(recs)
    quarto_variables(merged)  # no key is both a value and a prefix of another key


def test_shipped_config_expected_displays(configs):
    shown = _displays(configs)
    expected = {
        "config.scoring.min_answered_pct": "80%",
        "config.alpha": "0.05",
        "config.engagement.window_start": "183",
        "config.engagement.window_end": "300",
        "config.deid.k": "5",
        "config.survey.invited": "58",
        "config.formatting.p_min": "0.001",
        "config.measures.empowerment.n_items": "28",
        "config.measures.empowerment.response_range": "1-4",
        "config.measures.empowerment.range": "28-112",
        "config.measures.empowerment.n_reverse": "9",
        "config.measures.empowerment.reverse_items": "4, 7, 8, 10, 16, 17, 21, 22 and 23",
        "config.measures.confidence.range": "1-6",
        "config.measures.collaboration.range": "0-24",
        "config.measures.collaboration.positive_collaboration.items": "1-6",
        "config.measures.collaboration.non_supportive_input.items": "10-12",
        "config.measures.satisfaction.sum_range": "8-32",
        "config.measures.severity.range": "14-70",
        "config.deid.age_bands": "18-24, 25-34, 35-44, 45-54, 55-64 and 65+",
        "config.baseline_table.dependants.top_bin": "3+",
        "assumption.sim.recruitment.start": "October 2007",
        "assumption.sim.recruitment.days": "330",
        "assumption.sim.withdrawal_rate": "5%",
        "assumption.sim.loss_to_followup_rate": "17%",
        "assumption.sim.screening.no.declined": "14",
        "assumption.sim.outcomes.empowerment.change.lo": "+3.9",
        "assumption.sim.outcomes.empowerment.medication_effect": "4.5",
        "assumption.sim.medication.share.none_prescribed": "20%",
        "assumption.sim.engagement.quality_of_life.log_or": "0.45",
        "assumption.sim.engagement.collaboration.log_or": "0.1",
        "assumption.sim.satisfaction.slope": "0.01",
        "assumption.sim.service_use.ae.rate_ratio.lo": "0.65",
        "assumption.sim.item_missing_rate": "2%",
        "assumption.sim.interviews.managers": "3",
        "assumption.sim.survey.responded": "36",
    }
    assert {k: shown.get(k) for k in expected} == expected
    assert "assumption.sim.missing_age_site" not in shown  # text settings are not numbers


def test_changing_a_config_value_changes_the_display(configs):
    changed = copy.deepcopy(configs)
    changed["measures"]["defaults"]["min_answered_share"] = 0.75
    changed["measures"]["measures"]["empowerment"]["reverse"].remove("es_04")
    changed["config"]["deidentify"]["disclosure"]["k"] = 10
    changed["config"]["analysis"]["engagement"]["window_start"] = 150
    changed["simulation"]["withdrawal_rate"] = 0.1
    changed["simulation"]["interviews"]["carers"] = 6
    before, after = _displays(configs), _displays(changed)
    assert after["config.scoring.min_answered_pct"] == "75%"
    assert after["config.measures.empowerment.n_reverse"] == "8"
    assert after["config.measures.empowerment.reverse_items"] == "7, 8, 10, 16, 17, 21, 22 and 23"
    assert after["config.deid.k"] == "10"
    assert after["config.engagement.window_start"] == "150"
    assert after["assumption.sim.withdrawal_rate"] == "10%"
    assert after["assumption.sim.interviews.carers"] == "6"
    moved = {k for k in before if before[k] != after.get(k)}
    assert moved == {
        "config.scoring.min_answered_pct", "config.measures.empowerment.n_reverse",
        "config.measures.empowerment.reverse_items", "config.deid.k", "config.engagement.window_start",
        "assumption.sim.withdrawal_rate", "assumption.sim.interviews.carers",
    }
    # the formatting block of config.yaml formats every display
    changed["config"]["formatting"]["minus"] = "\u2212"
    assert _displays(changed)["assumption.sim.outcomes.severity.change.lo"] == "\u22121.5"
    # the configuration is not modified
    assert configs["measures"]["measures"]["empowerment"]["reverse"][0] == "es_04"


def test_missing_config_value_fails_naming_the_key(configs):
    broken = copy.deepcopy(configs)
    del broken["simulation"]["recruitment"]["days"]
    with pytest.raises(ConfigNumbersError, match=r"assumption\.sim\.recruitment\.days: nothing at"):
        _records(broken)


def test_every_config_key_quoted_by_the_manuscript_exists(configs, repo_root):
    qmd = (repo_root / "manuscript" / "index.qmd").read_text(encoding="utf-8")
    quoted = set(re.findall(r"\{\{<\s*var\s+((?:config|assumption)\.[\w.]+)\s*>\}\}", qmd))
    assert quoted, "the manuscript quotes configuration numbers"
    assert quoted <= set(_displays(configs)), sorted(quoted - set(_displays(configs)))


def test_loss_to_followup_per_site_reads_as_one_phrase(configs):
    # a scenario may set one loss-to-follow-up rate per site (sparse follow-up)
    cfg = copy.deepcopy(configs)
    base = _displays(cfg)["assumption.sim.loss_to_followup_rate"]
    assert re.fullmatch(r"\d+%", base)
    cfg["simulation"]["loss_to_followup_rate"] = {"EA": 0.17, "WE": 0.7}
    assert _displays(cfg)["assumption.sim.loss_to_followup_rate"] == "17% at EA and 70% at WE"
