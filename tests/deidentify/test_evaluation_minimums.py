"""The scrubber's evaluation can fail (privacy review of release 0.3.0, item 5).

``deidentify.evaluation`` sets minimum recall (removed, and removed or held
for review) per identifier kind and minimum precision per placeholder type;
rule deid_evaluation fails below them, naming the kind and the measured and
required figures. A deliberately weakened scrubber (no name gazetteer, no
phone detector) fails on the shipped evaluation set under the shipped
minimums.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from selfcare.core import io as sio
from selfcare.deidentify import evaluate, scrub
from selfcare.deidentify.evaluate import THRESHOLDS, EvaluationError, check_evaluation, evaluate_scrubber
from selfcare.deidentify.lexicon import load_lexicon
from selfcare.deidentify.names import build_name_matcher

REPO_ROOT = Path(__file__).resolve().parents[2]

REPORT = {
    "recall_by_kind": {"phone": {"recall": 0.9, "recall_with_review": 1.0}, "name": {"recall": 0.8,
                                                                                  "recall_with_review": 0.95}},
    "precision_by_type": {"NAME": {"precision": 0.97}},
}


@pytest.fixture(scope="module")
def minimums(configs):
    return configs["config"]["deidentify"]["evaluation"]


@pytest.fixture(scope="module")
def eval_set():
    data = sio.read_json(REPO_ROOT / "resources" / "evaluation" / "deid_evaluation.json")
    return {**data, "passages": data["passages"][:60]}


def test_figures_at_or_above_their_minimums_pass_and_are_reported():
    verdicts = check_evaluation(REPORT, {"min_recall": {"phone": 0.9, "name": 0.5}, "min_precision": {"NAME": 0.97}})
    assert verdicts == {
        "min_recall": {"name": {"required": 0.5, "measured": 0.8, "passed": True},
                       "phone": {"required": 0.9, "measured": 0.9, "passed": True}},
        "min_precision": {"NAME": {"required": 0.97, "measured": 0.97, "passed": True}},
    }
    assert check_evaluation(REPORT, {}) == {}


def test_a_shortfall_names_the_kind_the_figure_and_both_shares():
    with pytest.raises(EvaluationError) as info:
        check_evaluation(REPORT, {"min_recall": {"phone": 0.95, "name": 0.8},
                                  "min_recall_with_review": {"name": 1.0, "phone": 1.0},
                                  "min_precision": {"NAME": 0.98, "PHONE": 0.9}})
    assert info.value.failures == [
        "phone: recall (removed) 0.9 is below the required 0.95 (min_recall)",
        "name: recall with review 0.95 is below the required 1.0 (min_recall_with_review)",
        "NAME: precision 0.97 is below the required 0.98 (min_precision)",
        "PHONE: precision not measured (none in the evaluation set); min_precision is 0.9",
    ]
    assert str(info.value).startswith(
        "rule deid_evaluation: the scrubber falls short on the evaluation set (4 figure(s)):\n"
        "  - phone: recall (removed) 0.9 is below the required 0.95 (min_recall)\n")
    assert isinstance(info.value, ValueError)


def test_every_setting_of_the_schema_is_checked(configs):
    schema = sio.read_yaml(REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml")
    section = schema["properties"]["deidentify"]["properties"]["evaluation"]
    assert set(section["properties"]) == set(THRESHOLDS) == set(configs["config"]["deidentify"]["evaluation"])


def test_the_shipped_scrubber_meets_the_shipped_minimums(eval_set, minimums):
    verdicts = check_evaluation(evaluate_scrubber(eval_set, load_lexicon()), minimums)
    assert all(v["passed"] for kinds in verdicts.values() for v in kinds.values())


def test_a_scrubber_without_its_name_gazetteer_fails(eval_set, minimums, monkeypatch):
    monkeypatch.setattr(evaluate, "build_name_matcher", lambda names, lexicon: build_name_matcher(names))
    report = evaluate_scrubber(eval_set, load_lexicon())
    with pytest.raises(EvaluationError) as info:
        check_evaluation(report, minimums)
    measured = report["recall_by_kind"]["out_of_register_name"]["recall"]
    assert measured < minimums["min_recall"]["out_of_register_name"]
    assert (f"out_of_register_name: recall (removed) {measured} is below the required "
            f"{minimums['min_recall']['out_of_register_name']} (min_recall)") in info.value.failures


def test_a_scrubber_that_misses_phone_numbers_fails(eval_set, minimums, monkeypatch):
    original = scrub.scrub_text

    def no_phones(text, matcher, places):
        res = original(text, matcher, places)
        return dataclasses.replace(res, replacements=tuple(r for r in res.replacements if r.kind != "PHONE"))

    monkeypatch.setattr(evaluate, "scrub_text", no_phones)
    report = evaluate_scrubber(eval_set, load_lexicon())
    with pytest.raises(EvaluationError) as info:
        check_evaluation(report, minimums)
    assert any(f.startswith("phone: recall (removed) 0.0 is below the required 1.0") for f in info.value.failures)
    assert any(f.startswith("PHONE: precision not measured") for f in info.value.failures)
