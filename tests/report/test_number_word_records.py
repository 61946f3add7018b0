"""Registry records that replace typed number words (issue 14): counts from data and configuration."""

from __future__ import annotations

import pandas as pd
from selfcare.analysis.steps import _recall_records
from selfcare.qualitative.counts import qualitative_records
from selfcare.report.confignumbers import _derived_config
from selfcare.report.records import Records
from selfcare.survey.summary import _item_count_records

CONFIG = {
    "deidentify": {"age_bands": [16, 30, 50]},
    "analysis": {"alpha": 0.05, "outcomes": ["a", "b"], "baseline_table": []},
    "sites": ["LO", "SO"],
}


def _by_key(records):
    return {r["key"]: r for r in records}


def test_recall_period_comes_from_the_data_in_words():
    recs = Records({})
    _recall_records(recs, pd.DataFrame({"recall_months": [9, 9, None]}))
    assert _by_key(recs.items)["flow.recall_months_word"]["display"] == "nine"
    recs = Records({})
    _recall_records(recs, pd.DataFrame({"recall_months": [6, 12, 6]}))
    assert _by_key(recs.items)["flow.recall_months_word"]["display"] == "six to twelve"


def test_survey_item_counts_and_scale_come_from_the_items():
    binary = pd.DataFrame({"column": [f"q{i}" for i in range(3)]})
    likert = pd.DataFrame({"column": ["r1", "r2"], "levels": [7, 7]})
    by = _by_key(_item_count_records(binary, likert))
    assert by["survey.n_yesno_word"]["display"] == "three"
    assert by["survey.n_likert_word"]["display"] == "two"
    assert by["survey.likert_levels_word"]["display"] == "seven"
    assert by["survey.agree_answers"]["display"] == "six or seven"


def test_theme_count_and_list_come_from_the_framework():
    framework = {"themes": {"a": {"label": "The Trust", "codes": {}}, "b": {"label": "Peer support", "codes": {}}}}
    counts = pd.DataFrame({"level": ["theme"] * 2, "theme": ["a", "b"], "site": ["all"] * 2,
                           "group": ["x"] * 2, "n_sources": [1, 2]})
    register = pd.DataFrame({"group": ["x", "x"], "pid": ["p1", "p2"]})
    by = _by_key(qualitative_records(counts, register, framework, {}))
    assert by["qual.n_themes_word"]["display"] == "two"
    assert by["qual.themes.list"]["display"] == "the Trust and peer support"


def test_interval_width_digits_come_from_the_formatting_configuration():
    by = _by_key(_derived_config(CONFIG, {"ci_width_digits": 3}))
    assert by["config.formatting.ci_width_digits_word"]["display"] == "three"
    assert _by_key(_derived_config(CONFIG, None))["config.formatting.ci_width_digits_word"]["display"] == "two"


def test_simulator_follow_up_target_in_whole_months():
    from selfcare.report.confignumbers import _derived_simulation

    assert _derived_simulation({"followup_days": {"target": 274}})[0]["display"] == "nine"
    assert _derived_simulation({"followup_days": {"target": 182}})[0]["display"] == "six"
    assert _derived_simulation({}) == []


def test_survey_caption_takes_its_numbers_and_scale_from_the_registry():
    from pathlib import Path

    from selfcare.core import io as sio

    caption = sio.read_yaml(Path(__file__).resolve().parents[2] / "manuscript" / "tables.yaml")["survey"]["caption"]
    for key in ("survey.responded", "survey.invited", "survey.rate", "survey.rate_ci", "survey.likert_levels_word",
                "config.confidence_pct"):
        assert "{" + key + "}" in caption
