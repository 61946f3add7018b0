"""Scoring rules, their configuration guards and the reliability tables: the
behaviour mutation testing showed unprotected (issue 18). A small invented
configuration keeps every expected value computable by hand."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
from selfcare.scoring.measures import (
    ITEM_TOTAL_COLUMNS,
    RELIABILITY_COLUMNS,
    SCORE_COLUMNS,
    MeasureConfigError,
    ScoringError,
    _Scale,
    check_measures,
    min_items_answered,
    scale_table,
    validate_schema,
)
from selfcare.scoring.reliability import _alpha, _corrected_item_total, reliability, reliability_records
from selfcare.scoring.score import _score_scale, check_score_range, score_measures, site_items

BASE = {
    "defaults": {"min_answered_share": 0.5},
    "measures": {
        "alpha": {
            "label": "Alpha scale",
            "items": ["a1", "a2", "a3", "a4"],
            "response_min": 1,
            "response_max": 4,
            "reverse": ["a2"],
            "method": "sum",
            "timepoints": ["baseline", "followup"],
            "subscales": {"s": {"items": ["a1", "a2", "a3"], "method": "mean"}},
            "primary": "s",
            "reference": "Invented (2026)",
        },
        "beta": {
            "items": ["b1", "b2"],
            "response_min": 0,
            "response_max": 2,
            "method": "mean",
            "timepoints": ["followup"],
            "min_answered_share": 1.0,
        },
    },
}


def cfg() -> dict:
    return copy.deepcopy(BASE)


def message(config, available=None) -> str:
    with pytest.raises(MeasureConfigError) as e:
        check_measures(config, available)
    return str(e.value)


# --------------------------------------------------------------- config
def test_check_measures_normalises_every_key():
    out = check_measures(BASE)
    assert out["defaults"] == {"min_answered_share": 0.5}
    assert out["measures"]["alpha"] == {
        "label": "Alpha scale",
        "items": ["a1", "a2", "a3", "a4"],
        "response_min": 1,
        "response_max": 4,
        "reverse": ["a2"],
        "method": "sum",
        "min_answered_share": 0.5,
        "timepoints": ["baseline", "followup"],
        "reference": "Invented (2026)",
        "primary": "s",
        "subscales": {"s": {"items": ["a1", "a2", "a3"], "method": "mean", "min_answered_share": 0.5}},
    }
    assert out["measures"]["beta"]["min_answered_share"] == 1.0
    assert out["measures"]["beta"]["reverse"] == [] and out["measures"]["beta"]["subscales"] == {}
    assert "assumption" not in out["measures"]["beta"]
    assert check_measures(out) == out  # idempotent


def test_assumption_is_kept_and_the_result_is_a_deep_copy():
    c = cfg()
    c["measures"]["beta"]["assumption"] = {"note": "x"}
    out = check_measures(c)
    assert out["measures"]["beta"]["assumption"] == {"note": "x"}
    out["measures"]["beta"]["assumption"]["note"] = "changed"
    out["measures"]["alpha"]["subscales"]["s"]["items"].append("zz")
    assert c["measures"]["beta"]["assumption"] == {"note": "x"}
    assert c["measures"]["alpha"]["subscales"]["s"]["items"] == ["a1", "a2", "a3"]
    c["measures"]["beta"]["assumption"] = False
    assert check_measures(c)["measures"]["beta"]["assumption"] is False


def test_top_level_guards():
    top = (
        "measures configuration: expected a mapping with a 'measures' key "
        "(the whole content of config/measures.yaml)"
    )
    assert message([]) == top
    assert message({"measures": ["x"]}) == top
    assert message({"measures": {}}) == "measures configuration: 'measures' is empty"
    c = cfg()
    c["defaults"]["min_answered_share"] = 0
    assert message(c) == "defaults: min_answered_share must be in (0, 1]"
    c["defaults"] = None
    assert message(c) == "measure 'alpha': min_answered_share is not set and there is no defaults.min_answered_share"
    c = cfg()
    c["defaults"]["min_answered_share"] = 1
    assert check_measures(c)["defaults"] == {"min_answered_share": 1.0}
    assert isinstance(check_measures(c)["defaults"]["min_answered_share"], float)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "must be a number in (0, 1]"),
        ("0.5", "must be a number in (0, 1]"),
        (0.0, "must be in (0, 1]"),
        (-0.1, "must be in (0, 1]"),
        (1.01, "must be in (0, 1]"),
        (1.5, "must be in (0, 1]"),
    ],
)
def test_share_limits(value, text):
    c = cfg()
    c["measures"]["beta"]["min_answered_share"] = value
    assert message(c) == f"measure 'beta': min_answered_share {text}"
    c = cfg()
    c["measures"]["alpha"]["subscales"]["s"]["min_answered_share"] = value
    assert message(c) == f"measure 'alpha', subscale 's': min_answered_share {text}"


def test_share_accepts_its_upper_limit_and_integers():
    c = cfg()
    c["measures"]["alpha"]["subscales"]["s"]["min_answered_share"] = 1
    assert check_measures(c)["measures"]["alpha"]["subscales"]["s"]["min_answered_share"] == 1.0
    c["measures"]["alpha"]["min_answered_share"] = 0.01
    assert check_measures(c)["measures"]["alpha"]["min_answered_share"] == 0.01


def test_available_columns_guards():
    assert (
        message(BASE, {"midpoint": set()})
        == "available columns: unknown time point 'midpoint' (expected one of baseline, followup)"
    )
    assert message(BASE, {"followup": {"a1", "a2", "a3", "a4", "b2"}}) == (
        "measure 'beta': item(s) b1 not in the followup questionnaire codebook"
    )
    assert message(BASE, {"baseline": {"a1"}}) == (
        "measure 'alpha': item(s) a2, a3, a4 not in the baseline questionnaire codebook"
    )
    # a time point without a codebook is not checked, later ones still are
    c = cfg()
    c["measures"]["beta"]["timepoints"] = ["baseline", "followup"]
    assert message(c, {"followup": {"a1", "a2", "a3", "a4"}}) == (
        "measure 'beta': item(s) b1, b2 not in the followup questionnaire codebook"
    )
    assert check_measures(BASE, {"followup": {"a1", "a2", "a3", "a4", "b1", "b2"}})["measures"].keys() == {"alpha", "beta"}


@pytest.mark.parametrize(
    ("edit", "text"),
    [
        (lambda c: c["measures"].update({"a.b": c["measures"].pop("beta")}), "measure 'a.b': names must be non-empty and contain no dot"),
        (lambda c: c["measures"].update({"": c["measures"].pop("beta")}), "measure '': names must be non-empty and contain no dot"),
        (lambda c: c["measures"].update({3: c["measures"].pop("beta")}), "measure '3': names must be non-empty and contain no dot"),
        (lambda c: c["measures"].update({"beta": ["b1"]}), "measure 'beta': expected a mapping"),
        (lambda c: c["measures"]["beta"].update({"items": ["b1"]}), "measure 'beta': needs at least two items"),
        (lambda c: c["measures"]["beta"].update({"items": "b1 b2"}), "measure 'beta', items: expected a list of item codes"),
        (lambda c: c["measures"]["beta"].update({"items": ["b1", 2]}), "measure 'beta', items: expected a list of item codes"),
        (lambda c: c["measures"]["beta"].update({"items": ["b1", "b1"]}), "measure 'beta', items: 'b1' is listed more than once"),
        (lambda c: c["measures"]["beta"].update({"items": ["b1", "a3"]}), "measure 'beta': item 'a3' is also an item of measure 'alpha'"),
        (lambda c: c["measures"]["beta"].update({"response_min": True}), "measure 'beta': response_min must be an integer"),
        (lambda c: c["measures"]["beta"].update({"response_min": "0"}), "measure 'beta': response_min must be an integer"),
        (lambda c: c["measures"]["beta"].update({"response_max": 2.5}), "measure 'beta': response_max must be an integer"),
        (lambda c: c["measures"]["beta"].update({"response_max": None}), "measure 'beta': response_max must be an integer"),
        (lambda c: c["measures"]["beta"].update({"response_max": 0}), "measure 'beta': response_min (0) must be below response_max (0)"),
        (lambda c: c["measures"]["beta"].update({"reverse": ["b1", "b1"]}), "measure 'beta', reverse: 'b1' is listed more than once"),
        (lambda c: c["measures"]["beta"].update({"reverse": "b1"}), "measure 'beta', reverse: expected a list of item codes"),
        (lambda c: c["measures"]["beta"].update({"reverse": ["a1"]}), "measure 'beta': reverse-keyed item 'a1' is not one of the measure's items"),
        (lambda c: c["measures"]["beta"].update({"method": "median"}), "measure 'beta': method must be one of sum, mean"),
        (lambda c: c["measures"]["beta"].update({"timepoints": []}), "measure 'beta': timepoints is empty"),
        (lambda c: c["measures"]["beta"].update({"timepoints": "followup"}), "measure 'beta', timepoints: expected a list of item codes"),
        (lambda c: c["measures"]["beta"].update({"timepoints": ["followup", "followup"]}), "measure 'beta', timepoints: 'followup' is listed more than once"),
        (lambda c: c["measures"]["beta"].update({"timepoints": ["week6"]}), "measure 'beta': unknown time point 'week6' (expected one of baseline, followup)"),
        (lambda c: c["measures"]["beta"].update({"subscales": ["x"]}), "measure 'beta', subscales: expected a mapping"),
        (lambda c: c["measures"]["beta"].update({"primary": "nope"}), "measure 'beta': primary names subscale 'nope', which is not defined"),
        (lambda c: c["measures"]["alpha"]["subscales"].update({"x.y": {"items": ["a1"], "method": "sum"}}), "measure 'alpha', subscale 'x.y': names must be non-empty and contain no dot"),
        (lambda c: c["measures"]["alpha"]["subscales"].update({"": {"items": ["a1"], "method": "sum"}}), "measure 'alpha', subscale '': names must be non-empty and contain no dot"),
        (lambda c: c["measures"]["alpha"]["subscales"].update({1: {"items": ["a1"], "method": "sum"}}), "measure 'alpha', subscale '1': names must be non-empty and contain no dot"),
        (lambda c: c["measures"]["alpha"]["subscales"].update({"t": ["a1"]}), "measure 'alpha', subscale 't': expected a mapping"),
        (lambda c: c["measures"]["alpha"]["subscales"].update({"t": {"items": [], "method": "sum"}}), "measure 'alpha', subscale 't': has no items"),
        (lambda c: c["measures"]["alpha"]["subscales"].update({"t": {"items": "a1", "method": "sum"}}), "measure 'alpha', subscale 't', items: expected a list of item codes"),
        (lambda c: c["measures"]["alpha"]["subscales"].update({"t": {"items": ["a1", "a1"], "method": "sum"}}), "measure 'alpha', subscale 't', items: 'a1' is listed more than once"),
        (lambda c: c["measures"]["alpha"]["subscales"].update({"t": {"items": ["b1"], "method": "sum"}}), "measure 'alpha', subscale 't': item 'b1' is not one of the measure's items"),
        (lambda c: c["measures"]["alpha"]["subscales"].update({"t": {"items": ["a1"], "method": "max"}}), "measure 'alpha', subscale 't': method must be one of sum, mean"),
    ],
)
def test_measure_guards_name_the_measure_and_the_field(edit, text):
    c = cfg()
    edit(c)
    assert message(c) == text


def test_a_name_with_a_dot_is_refused_even_when_otherwise_valid():
    c = cfg()
    c["measures"]["alpha"]["subscales"]["s.t"] = c["measures"]["alpha"]["subscales"].pop("s")
    c["measures"]["alpha"]["primary"] = None
    assert message(c) == "measure 'alpha', subscale 's.t': names must be non-empty and contain no dot"


def test_two_items_are_enough():
    c = cfg()
    assert check_measures(c)["measures"]["beta"]["items"] == ["b1", "b2"]


def test_validate_schema_lists_every_violation_sorted_by_location():
    schema = {
        "type": "object",
        "required": ["measures"],
        "properties": {
            "measures": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {"method": {"enum": ["sum", "mean"]}, "items": {"type": "array"}},
                },
            }
        },
    }
    validate_schema({"measures": {"x": {"method": "sum"}}}, schema)
    with pytest.raises(MeasureConfigError) as e:
        validate_schema({"measures": {"z": {"method": "max"}, "a": {"items": "x", "method": "median"}}}, schema)
    assert str(e.value) == (
        "measures configuration does not match its schema:\n"
        "  measures/a/items: 'x' is not of type 'array'\n"
        "  measures/a/method: 'median' is not one of ['sum', 'mean']\n"
        "  measures/z/method: 'max' is not one of ['sum', 'mean']"
    )
    with pytest.raises(MeasureConfigError) as e:
        validate_schema({}, schema)
    assert str(e.value) == "measures configuration does not match its schema:\n  (top level): 'measures' is a required property"


def test_scale_table():
    table = scale_table(BASE)
    assert table.to_dict("records") == [
        {"measure": "alpha", "scale": "alpha", "method": "sum", "n_items": 4, "min_items_answered": 2,
         "score_min": 4.0, "score_max": 16.0, "primary": False, "timepoints": "baseline;followup"},
        {"measure": "alpha", "scale": "alpha.s", "method": "mean", "n_items": 3, "min_items_answered": 2,
         "score_min": 1.0, "score_max": 4.0, "primary": True, "timepoints": "baseline;followup"},
        {"measure": "beta", "scale": "beta", "method": "mean", "n_items": 2, "min_items_answered": 2,
         "score_min": 0.0, "score_max": 2.0, "primary": True, "timepoints": "followup"},
    ]
    assert table.index.tolist() == [0, 1, 2]


@pytest.mark.parametrize(("share", "n", "need"), [(0.8, 28, 23), (0.28, 25, 7), (0.5, 3, 2), (0.01, 3, 1), (1.0, 4, 4)])
def test_min_items_answered(share, n, need):
    assert min_items_answered(share, n) == need


def test_scale_bounds():
    s = _Scale("m", "m", ("a", "b", "c"), "sum", 0.5, 1, 4, True)
    assert s.bounds == (3.0, 12.0)
    assert _Scale("m", "m", ("a", "b", "c"), "mean", 0.5, 1, 4, True).bounds == (1.0, 4.0)


# -------------------------------------------------------------- scoring
def items_frame(rows: dict[str, list]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_scores_by_hand():
    items = items_frame({"pid": ["P2", "P1"], "a1": [4, 1], "a2": [1, np.nan], "a3": [4, np.nan], "a4": [4, np.nan],
                         "b1": [2, 0], "b2": [1, np.nan]})
    out = score_measures(items, BASE, "followup", ["pid"])
    assert out.columns.tolist() == ["pid"] + SCORE_COLUMNS
    assert out[["pid", "scale"]].values.tolist() == [
        ["P1", "alpha"], ["P1", "alpha.s"], ["P1", "beta"], ["P2", "alpha"], ["P2", "alpha.s"], ["P2", "beta"]
    ]
    assert out.index.tolist() == list(range(6))
    p2 = out[out["pid"] == "P2"].set_index("scale")
    assert p2.loc["alpha", "score"] == 16.0  # a2 reversed: 1+4-1 = 4
    assert p2.loc["alpha.s", "score"] == 4.0
    assert p2.loc["beta", "score"] == 1.5
    p1 = out[out["pid"] == "P1"].set_index("scale")
    assert math.isnan(p1.loc["alpha", "score"])  # 1 of 4 answered, 2 needed
    assert p1.loc["alpha", "items_answered"] == 1 and p1.loc["alpha", "items_total"] == 4
    assert math.isnan(p1.loc["beta", "score"])
    assert out["prorated"].tolist() == [False] * 6
    assert out["primary"].tolist() == [False, True, True] * 2
    assert out["timepoint"].tolist() == ["followup"] * 6
    assert out["items_answered"].dtype == "int64" and out["items_total"].dtype == "int64"
    assert out["score"].dtype == float


def test_prorated_sum():
    items = items_frame({"pid": [1], "a1": [4], "a2": [np.nan], "a3": [2], "a4": [3]})
    out = score_measures(items, BASE, "baseline", ["pid"]).set_index("scale")
    assert out.loc["alpha", "score"] == 12.0  # (4+2+3)/3*4
    assert bool(out.loc["alpha", "prorated"]) and bool(out.loc["alpha.s", "prorated"])
    assert out.loc["alpha.s", "score"] == 3.0
    assert out.loc["alpha", "items_answered"] == 3


def test_scores_ignore_the_index_of_the_item_table():
    items = items_frame({"pid": ["x", "y"], "a1": [1, 4], "a2": [4, 1], "a3": [1, 4], "a4": [1, 4]})
    items.index = [10, 3]
    out = score_measures(items, BASE, "baseline", ["pid"])
    assert out["pid"].tolist() == ["x", "x", "y", "y"]
    assert out["score"].tolist() == [4.0, 1.0, 16.0, 4.0]
    assert "index" not in out.columns


def test_numeric_strings_and_integer_columns():
    items = items_frame({"pid": [1, 2], "a1": ["1", "4"], "a2": [4, 1], "a3": [1, 4], "a4": [1, 4]})
    out = score_measures(items, BASE, "baseline", ["pid"])
    assert out["score"].tolist() == [4.0, 1.0, 16.0, 4.0]


def test_empty_item_table_and_time_point_without_measures():
    empty = items_frame({"pid": pd.Series([], dtype=str), "a1": [], "a2": [], "a3": [], "a4": [], "b1": [], "b2": []})
    out = score_measures(empty, BASE, "followup", ["pid"])
    assert out.columns.tolist() == ["pid"] + SCORE_COLUMNS
    assert len(out) == 0
    assert {c: str(out[c].dtype) for c in SCORE_COLUMNS} == {
        "timepoint": "str", "measure": "str", "scale": "str", "score": "float64",
        "items_answered": "int64", "items_total": "int64", "prorated": "bool", "primary": "bool",
    }
    c = cfg()
    del c["measures"]["alpha"]
    items = items_frame({"pid": ["P1"], "b1": [1], "b2": [1]})
    out = score_measures(items, c, "baseline", ["pid"])
    assert len(out) == 0 and out.columns.tolist() == ["pid"] + SCORE_COLUMNS


def test_response_guards():
    def err(**cols):
        base = {"pid": [1, 2, 3], "a1": [1, 1, 1], "a2": [1, 1, 1], "a3": [1, 1, 1], "a4": [1, 1, 1]}
        base.update(cols)
        with pytest.raises(ScoringError) as e:
            score_measures(items_frame(base), BASE, "baseline", ["pid"])
        return str(e.value)

    assert err(a3=[1, "x", "y"]) == "measure 'alpha', item 'a3', row 2: response is not a number (2 row(s) affected)"
    assert err(a3=[1, 1, 5]) == "measure 'alpha', item 'a3', row 3: response is outside 1-4 (1 row(s) affected)"
    assert err(a3=[0, 1, 1]) == "measure 'alpha', item 'a3', row 1: response is outside 1-4 (1 row(s) affected)"
    assert err(a3=[1, 1.5, 2.5]) == "measure 'alpha', item 'a3', row 2: response is not a whole number (2 row(s) affected)"
    assert err(a4=[True, False, True]) == "measure 'alpha', item 'a4': column is boolean, not numeric"
    frame = items_frame({"pid": [1], "a1": [1], "a2": [1], "a3": [1], "a4": [1]})
    with pytest.raises(ScoringError) as e:
        score_measures(frame.drop(columns=["a2", "a4"]), BASE, "baseline", ["pid"])
    assert str(e.value) == "measure 'alpha': item column(s) a2, a4 not in the item table"
    dup = pd.concat([frame, frame[["a1"]]], axis=1)
    with pytest.raises(ScoringError) as e:
        score_measures(dup, BASE, "baseline", ["pid"])
    assert str(e.value) == "measure 'alpha', item 'a1': column appears more than once"
    # the limits themselves are valid responses
    out = score_measures(items_frame({"pid": [1], "a1": [4], "a2": [1], "a3": [4], "a4": [4]}), BASE, "baseline", ["pid"])
    assert out["score"].tolist() == [16.0, 4.0]


def test_id_guards():
    frame = items_frame({"pid": ["a", "b", None, "b"], "site": ["X"] * 4, "a1": [1] * 4, "a2": [1] * 4, "a3": [1] * 4, "a4": [1] * 4})

    def err(items, ids):
        with pytest.raises(ScoringError) as e:
            score_measures(items, BASE, "baseline", ids)
        return str(e.value)

    assert err(frame, []) == "id_columns is empty: at least one respondent id column is needed"
    assert err(frame, ["pid", "nope", "gone"]) == "item table: id column(s) nope, gone missing"
    assert err(frame, ["a2", "site", "a1"]) == "id column(s) a1, a2 clash with item or output column names"
    framed = frame.assign(score=1, measure="m")
    assert err(framed, ["score", "measure"]) == "id column(s) measure, score clash with item or output column names"
    assert err(frame, ["pid"]) == "item table, row 3: respondent id is missing"
    assert err(frame.iloc[[0, 1, 3]], ["pid"]) == "item table, row 3: respondent id (pid) repeats an earlier row"
    assert err(frame.iloc[[0, 1, 3]], ["site", "pid"]) == "item table, row 3: respondent id (site, pid) repeats an earlier row"
    two_missing = frame.assign(pid=["a", None, None, "c"])
    assert err(two_missing, ["pid"]) == "item table, row 2: respondent id is missing"
    ok = score_measures(frame.iloc[[0, 1]], BASE, "baseline", ("site", "pid"))
    assert ok.columns.tolist()[:2] == ["site", "pid"]


def test_unknown_time_point():
    with pytest.raises(ScoringError) as e:
        score_measures(items_frame({"pid": [1]}), BASE, "week6", ["pid"])
    assert str(e.value) == "unknown time point 'week6' (expected one of baseline, followup)"


def test_score_scale_guards_division():
    scale = _Scale("m", "m", ("a", "b"), "sum", 1.0, 1, 4, True)
    score, answered = _score_scale(np.array([[1.0, np.nan], [2.0, 3.0]]), scale)
    assert np.isnan(score[0]) and score[1] == 5.0 and answered.tolist() == [1, 2]


# ------------------------------------------------------------ range check
def test_check_score_range_limits():
    def frame(score, scale="alpha"):
        return pd.DataFrame({"measure": ["alpha"], "scale": [scale], "score": [score]})

    check_score_range(frame(4.0), BASE)
    check_score_range(frame(16.0), BASE)
    check_score_range(frame(16.0 + 1e-10), BASE)
    check_score_range(frame(np.nan), BASE)
    check_score_range(frame(None), BASE)
    check_score_range(frame("4"), BASE)
    with pytest.raises(ScoringError) as e:
        check_score_range(frame(16.01), BASE)
    assert str(e.value) == "measure 'alpha', scale 'alpha', row 1: score outside the theoretical range 4-16"
    with pytest.raises(ScoringError) as e:
        check_score_range(frame(0.99, "alpha.s"), BASE)
    assert str(e.value) == "measure 'alpha', scale 'alpha.s', row 1: score outside the theoretical range 1-4"
    with pytest.raises(ScoringError) as e:
        check_score_range(frame(1.0, "alpha.zz"), BASE)
    assert str(e.value) == "scores table, row 1: unknown scale 'alpha.zz' of measure 'alpha'"
    with pytest.raises(ScoringError) as e:
        check_score_range(frame(1.0).drop(columns="scale"), BASE)
    assert str(e.value) == "scores table: column 'scale' is missing"
    two = pd.concat([frame(5.0), frame(17.0)], ignore_index=True)
    with pytest.raises(ScoringError, match="row 2: score outside"):
        check_score_range(two, BASE)


# ---------------------------------------------------------------- sites
def test_site_items_selects_one_site_and_keeps_the_order():
    questionnaire = pd.DataFrame({"pid": ["p3", "p1", "p2", "p4"], "a1": [3, 1, 2, 4]})
    participants = pd.DataFrame({"pid": ["p1", "p2", "p3", "p4"], "site": ["A", "B", "A", "B"], "age": [1, 2, 3, 4]})
    a = site_items(questionnaire, participants, "A")
    assert a.to_dict("list") == {"pid": ["p3", "p1"], "a1": [3, 1], "site": ["A", "A"]}
    assert a.index.tolist() == [0, 1]
    assert site_items(questionnaire, participants, "C").empty
    # a questionnaire without a register entry belongs to no site
    q = pd.concat([questionnaire, pd.DataFrame({"pid": ["p9"], "a1": [2]})], ignore_index=True)
    assert site_items(q, participants, "B")["pid"].tolist() == ["p2", "p4"]
    with pytest.raises(pd.errors.MergeError):
        site_items(questionnaire, pd.concat([participants, participants.iloc[[0]]]), "A")


# ---------------------------------------------------------- reliability
def rel_items() -> pd.DataFrame:
    return items_frame({
        "pid": range(6),
        "a1": [1, 2, 3, 4, 4, 2],
        "a2": [4, 3, 2, 1, 2, 3],
        "a3": [1, 2, 4, 4, 3, np.nan],
        "a4": [2, 2, 3, 4, 4, 1],
        "b1": [0, 1, 2, 2, 1, 0],
        "b2": [0, 1, 1, 2, 2, 0],
    })


def test_reliability_tables():
    alpha, item = reliability(rel_items(), BASE, "followup")
    assert alpha.columns.tolist() == RELIABILITY_COLUMNS and item.columns.tolist() == ITEM_TOTAL_COLUMNS
    assert alpha[["measure", "scale", "timepoint", "n", "n_items"]].values.tolist() == [
        ["alpha", "alpha", "followup", 5, 4],
        ["alpha", "alpha.s", "followup", 5, 3],
        ["beta", "beta", "followup", 6, 2],
    ]
    assert alpha.index.tolist() == [0, 1, 2] and item.index.tolist() == list(range(9))
    assert alpha["n"].dtype == "int64" and alpha["alpha"].dtype == float
    assert item[["scale", "item"]].values.tolist() == [
        ["alpha", "a1"], ["alpha", "a2"], ["alpha", "a3"], ["alpha", "a4"],
        ["alpha.s", "a1"], ["alpha.s", "a2"], ["alpha.s", "a3"], ["beta", "b1"], ["beta", "b2"],
    ]
    assert set(item["timepoint"]) == {"followup"}
    # by hand: beta items (0,1,2,2,1,0) and (0,1,1,2,2,0): k=2, var1=0.8, var2=0.8, var(sum)=2.8
    assert alpha.loc[2, "alpha"] == pytest.approx(2 * (1 - 1.6 / 2.8))
    for col in ("alpha", "ci_low", "ci_high"):
        assert np.isfinite(alpha[col]).all()
    assert (alpha["ci_low"] < alpha["alpha"]).all() and (alpha["alpha"] < alpha["ci_high"]).all()


def test_reliability_pairwise_uses_rows_with_any_answer():
    items = rel_items()
    items.loc[5, ["a1", "a2", "a3", "a4"]] = np.nan
    items.loc[4, "a3"] = np.nan
    listwise, _ = reliability(items, BASE, "followup")
    pairwise, _ = reliability(items, BASE, "followup", nan_policy="pairwise")
    assert listwise["n"].tolist() == [4, 4, 6]
    assert pairwise["n"].tolist() == [5, 5, 6]
    assert pairwise.loc[0, "alpha"] != listwise.loc[0, "alpha"]
    with pytest.raises(ValueError) as e:
        reliability(items, BASE, "followup", nan_policy="none")
    assert str(e.value) == "nan_policy must be 'listwise' or 'pairwise', not 'none'"
    with pytest.raises(ScoringError, match="unknown time point 'later'"):
        reliability(items, BASE, "later")


def test_reliability_skips_short_subscales_but_not_two_item_totals():
    c = cfg()
    c["measures"]["alpha"]["subscales"]["s"]["items"] = ["a1", "a2"]
    alpha, item = reliability(rel_items(), c, "followup")
    assert alpha["scale"].tolist() == ["alpha", "beta"]
    c["measures"]["alpha"]["subscales"]["t"] = {"items": ["a2", "a3", "a4"], "method": "sum"}
    alpha, _ = reliability(rel_items(), c, "followup")
    assert alpha["scale"].tolist() == ["alpha", "alpha.t", "beta"]
    # only baseline: beta is not collected then
    alpha, _ = reliability(rel_items(), BASE, "baseline")
    assert alpha["scale"].tolist() == ["alpha", "alpha.s"] and set(alpha["timepoint"]) == {"baseline"}


def test_reliability_of_an_empty_time_point():
    c = cfg()
    del c["measures"]["alpha"]
    alpha, item = reliability(rel_items(), c, "baseline")
    assert alpha.columns.tolist() == RELIABILITY_COLUMNS and len(alpha) == 0
    assert item.columns.tolist() == ITEM_TOTAL_COLUMNS and len(item) == 0


def test_alpha_needs_two_rows_and_variance():
    two = pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 3.0]})
    assert all(math.isnan(v) for v in _alpha(two.iloc[:1], "listwise"))
    flat = pd.DataFrame({"x": [1.0, 1.0, 1.0], "y": [2.0, 2.0, 2.0]})
    assert all(math.isnan(v) for v in _alpha(flat, "listwise"))
    three = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 3.0, 2.0, 4.0]})
    a, lo, hi = _alpha(three, "listwise")
    # by hand: var(x) = var(y) = 5/3, var(x + y) = 6: alpha = 2 * (1 - (10/3) / 6) = 8/9
    assert a == pytest.approx(8 / 9) and lo < a < hi


def test_alpha_of_two_rows_is_computed():
    two = pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 3.0], "z": [2.0, 4.0]})
    a, lo, hi = _alpha(two, "listwise")
    assert np.isfinite(a)


def test_corrected_item_total():
    data = pd.DataFrame({"x": [1, 2, 3, 4, np.nan], "y": [1, 3, 2, 4, 1], "z": [2, 2, 2, 2, 2]})
    r = _corrected_item_total(data)
    assert list(r) == ["x", "y", "z"]
    assert r["x"] == pytest.approx(np.corrcoef([1, 2, 3, 4], [3, 5, 4, 6])[0, 1])
    assert r["y"] == pytest.approx(0.8)
    assert math.isnan(r["z"])  # no variance
    assert all(math.isnan(v) for v in _corrected_item_total(data.iloc[:2]).values())
    three = _corrected_item_total(data.iloc[:3])
    assert np.isfinite(three["x"]) and np.isfinite(three["y"])
    # the rest of the scale does not vary
    flat_rest = pd.DataFrame({"x": [1, 2, 3], "y": [5, 5, 5]})
    assert math.isnan(_corrected_item_total(flat_rest)["x"])


def test_reliability_records():
    alpha = pd.DataFrame({"scale": ["alpha", "alpha.s"], "alpha": [0.8149, np.nan]})
    recs = reliability_records(alpha, "followup", {})
    assert [r["key"] for r in recs] == ["reliability.followup.alpha.alpha", "reliability.followup.alpha_s.alpha"]
    assert recs[0]["display"] == "0.81"
    assert recs[0]["meaning"] == "Cronbach's alpha of alpha at followup"
    assert recs[1]["value"] == "NaN"


# ------------------------------------------------- found by mutation testing
def test_range_limits_are_inclusive_to_the_tolerance():
    def frame(score):
        return pd.DataFrame({"measure": ["alpha"], "scale": ["alpha"], "score": [score]})

    check_score_range(frame(4.0 - 1e-9), BASE)
    check_score_range(frame(16.0 + 1e-9), BASE)
    check_score_range(frame("not a number"), BASE)  # unreadable scores count as missing


def test_an_id_column_may_be_called_index():
    items = items_frame({"index": ["x", "y"], "a1": [1, 4], "a2": [4, 1], "a3": [1, 4], "a4": [1, 4]})
    out = score_measures(items, BASE, "baseline", ["index"])
    assert out["index"].tolist() == ["x", "x", "y", "y"]


def test_reliability_item_table_is_sorted_by_item_with_a_fresh_index():
    c = cfg()
    c["measures"]["alpha"]["items"] = ["a3", "a1", "a4", "a2"]
    c["measures"]["alpha"]["subscales"]["s"]["items"] = ["a3", "a2", "a1"]
    _, item = reliability(rel_items(), c, "followup")
    assert item[["measure", "scale", "item"]].values.tolist() == [
        ["alpha", "alpha", "a1"], ["alpha", "alpha", "a2"], ["alpha", "alpha", "a3"], ["alpha", "alpha", "a4"],
        ["alpha", "alpha.s", "a1"], ["alpha", "alpha.s", "a2"], ["alpha", "alpha.s", "a3"],
        ["beta", "beta", "b1"], ["beta", "beta", "b2"],
    ]
    assert item.index.tolist() == list(range(9))


def test_reliability_errors_name_the_measure():
    items = rel_items()
    items.loc[0, "a1"] = 9
    with pytest.raises(ScoringError) as e:
        reliability(items, BASE, "followup")
    assert str(e.value) == "measure 'alpha', item 'a1', row 1: response is outside 1-4 (1 row(s) affected)"


def test_corrected_item_total_is_quiet_and_exact_at_unit_spread():
    import warnings

    flat_item = pd.DataFrame({"x": [2.0, 2.0, 2.0], "y": [1.0, 2.0, 4.0], "z": [3.0, 1.0, 2.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = _corrected_item_total(flat_item)
    assert math.isnan(r["x"]) and np.isfinite(r["y"])
    # an item (or a rest of the scale) whose standard deviation is exactly 1 is an ordinary item
    unit = pd.DataFrame({"x": [0.0, 2.0, 0.0, 2.0], "y": [1.0, 3.0, 1.0, 2.0]})
    r = _corrected_item_total(unit)
    assert r["x"] == pytest.approx(np.corrcoef([0, 2, 0, 2], [1, 3, 1, 2])[0, 1])
    assert r["y"] == pytest.approx(r["x"])


def test_reliability_records_use_the_formatting_configuration():
    alpha = pd.DataFrame({"scale": ["alpha"], "alpha": [0.8149]})
    recs = reliability_records(alpha, "baseline", {"leading_zero": False})
    assert recs[0]["display"] == ".81"
