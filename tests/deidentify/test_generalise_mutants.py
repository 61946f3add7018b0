"""Generalisation of quasi-identifiers and k-anonymity: boundaries and guards
that mutation testing showed unprotected (issue 18). All data are invented."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from selfcare.deidentify.generalise import (
    SUPPRESSED,
    _apply_step,
    age_at,
    age_band,
    days_between,
    enforce_k,
    postcode_district,
    smallest_class,
)

EDGES = [18, 25, 35, 45, 55, 65]


# ---------------------------------------------------------------- postcodes
@pytest.mark.parametrize(
    ("pc", "district"),
    [
        ("SW17 0RE", "SW17"),
        ("po13ax", "PO1"),
        ("M1 1AE", "M1"),
        ("EC1A 1BB", "EC1A"),
        ("B33 8TH", "B33"),
        ("CR2 6XH", "CR2"),
        ("DN55 1PT", "DN55"),
        ("gir 0aa", "GIR"),
        (" w1a\t0ax ", "W1A"),
    ],
)
def test_postcode_district(pc, district):
    assert postcode_district(pc) == district


@pytest.mark.parametrize("pc", ["SW17", "M1 1A", "1M 1AE", "SW17 ORE", "SW17 0R3", "ABC1 1AA", "M 1AE", "", "SW170RE1"])
def test_postcode_district_refuses_other_shapes(pc):
    with pytest.raises(ValueError) as e:
        postcode_district(pc)
    assert str(e.value) == "postcode does not have the shape of a full UK postcode"


def test_postcode_district_needs_a_string():
    with pytest.raises(ValueError) as e:
        postcode_district(None)
    assert str(e.value) == "postcode must be a string, got NoneType"


# --------------------------------------------------------------------- ages
def test_age_at_birthday_boundaries():
    dob = dt.date(1990, 6, 15)
    assert age_at(dob, dt.date(2008, 6, 14)) == 17
    assert age_at(dob, dt.date(2008, 6, 15)) == 18
    assert age_at(dob, dt.date(2008, 6, 16)) == 18
    assert age_at(dob, dt.date(2008, 5, 20)) == 17
    assert age_at(dob, dt.date(2008, 7, 1)) == 18
    assert age_at(dob, dob) == 0
    assert age_at(dt.datetime(1990, 6, 15, 23, 0), dt.datetime(2008, 6, 15, 1, 0)) == 18
    # leap-day birthday: one year older on 1 March in a non-leap year
    assert age_at(dt.date(2000, 2, 29), dt.date(2009, 2, 28)) == 8
    assert age_at(dt.date(2000, 2, 29), dt.date(2009, 3, 1)) == 9


def test_age_at_refuses_a_reference_before_birth():
    with pytest.raises(ValueError) as e:
        age_at(dt.date(2000, 1, 2), dt.date(2000, 1, 1))
    assert str(e.value) == "reference date is before the date of birth"


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "<18"),
        (17.99, "<18"),
        (18, "18-24"),
        (24.9, "18-24"),
        (25, "25-34"),
        (34, "25-34"),
        (54, "45-54"),
        (64.5, "55-64"),
        (65, "65+"),
        (101, "65+"),
        (np.float64(30), "25-34"),
        (None, None),
        (float("nan"), None),
        (pd.NA, None),
    ],
)
def test_age_band(age, band):
    assert age_band(age, EDGES) == band


def test_age_band_edges_as_strings_and_single_edge():
    assert age_band(30, ["18", "40"]) == "18-39"
    assert age_band(50, [40]) == "40+"
    assert age_band(39, [40]) == "<40"


@pytest.mark.parametrize("edges", [[], [18, 18], [25, 18], [18, 30, 25]])
def test_age_band_refuses_bad_edges(edges):
    with pytest.raises(ValueError) as e:
        age_band(30, edges)
    assert str(e.value) == "age band edges must be a non-empty, strictly increasing list"


def test_age_band_refuses_negative_ages():
    with pytest.raises(ValueError) as e:
        age_band(-0.5, EDGES)
    assert str(e.value) == "age is negative"
    assert age_band(0.0, EDGES) == "<18"


def test_days_between():
    assert days_between("2008-01-01", "2008-01-31") == 30
    assert days_between(dt.datetime(2008, 1, 1, 23, 59), dt.datetime(2008, 1, 2, 0, 1)) == 1
    assert days_between(pd.Timestamp("2008-03-01 12:00"), "2008-02-28") == -2
    assert days_between("2008-01-01", None) is None
    assert days_between(pd.NaT, "2008-01-01") is None
    assert days_between(float("nan"), "2008-01-01") is None


# ------------------------------------------------------------- k-anonymity
def test_smallest_class():
    df = pd.DataFrame({"a": ["x", "x", "y", None, None], "b": [1, 1, 1, 2, 2]})
    assert smallest_class(df, ["a"]) == 1
    assert smallest_class(df, ["a", "b"]) == 1
    assert smallest_class(df[df["a"].isna()], ["a"]) == 2  # missing is a class of its own
    assert smallest_class(df, []) == 5
    assert smallest_class(df.iloc[:0], []) == 0
    assert smallest_class(df.iloc[:0], ["a"]) == 0
    with pytest.raises(KeyError) as e:
        smallest_class(df, ["a", "zz", "yy"])
    assert e.value.args[0] == "quasi-identifiers: column(s) ['zz', 'yy'] not in the data frame"


def test_apply_step_map_keeps_unlisted_and_missing_values():
    s = pd.Series(["a", "b", None, "c"])
    new, action = _apply_step(s, {"map": {"a": "A", "b": "B"}}, 1)
    assert action == "map"
    assert new.tolist()[:2] == ["A", "B"] and new.tolist()[3] == "c" and pd.isna(new.iloc[2])
    with pytest.raises(ValueError) as e:
        _apply_step(s, {"map": ["a"]}, 4)
    assert str(e.value) == "generalisation step 4: 'map' must be a mapping"


def test_apply_step_merge_below_threshold_is_strict():
    s = pd.Series(["a", "a", "b", "b", "b", "c", None, "other"])
    new, action = _apply_step(s, {"merge_below": 3}, 1)
    assert action == "merge_below"
    assert new.tolist()[:6] == ["other", "other", "b", "b", "b", "other"]
    assert pd.isna(new.iloc[6]) and new.iloc[7] == "other"
    new, _ = _apply_step(s, {"merge_below": 2, "into": "rare"}, 1)
    assert new.tolist()[:6] == ["a", "a", "b", "b", "b", "rare"]
    new, _ = _apply_step(s, {"merge_below": 1}, 1)
    assert new.tolist()[:6] == ["a", "a", "b", "b", "b", "c"]
    new, _ = _apply_step(s, {"merge_below": np.int64(2)}, 1)
    assert new.iloc[5] == "other"


@pytest.mark.parametrize("threshold", [0, -1, True, 2.0, "3"])
def test_apply_step_merge_below_must_be_a_positive_integer(threshold):
    with pytest.raises(ValueError) as e:
        _apply_step(pd.Series(["a"]), {"merge_below": threshold}, 2)
    assert str(e.value) == "generalisation step 2: 'merge_below' must be a positive integer"


def test_apply_step_suppress_and_malformed():
    s = pd.Series([1, 2], index=[5, 7])
    new, action = _apply_step(s, {"suppress": True}, 1)
    assert action == "suppress" and new.tolist() == [SUPPRESSED] * 2 and new.index.tolist() == [5, 7]
    assert SUPPRESSED == "suppressed"
    for step in ({"suppress": 1}, {"suppress": False}, {}):
        with pytest.raises(ValueError) as e:
            _apply_step(s, step, 3)
        assert str(e.value) == (
            "generalisation step 3: needs one of 'map', 'merge_below' (+ 'into') or 'suppress: true'"
        )


def _people():
    return pd.DataFrame(
        {
            "site": ["A", "A", "A", "B", "B", "C"],
            "band": ["18-24", "18-24", "25-34", "25-34", "25-34", None],
            "other": range(6),
        }
    )


def test_enforce_k_log_entries():
    df = _people()
    steps = [
        {"column": "band", "map": {"18-24": "18-34", "25-34": "18-34"}},
        {"column": "site", "merge_below": 3, "into": "BC"},
        {"column": "site", "suppress": True},
    ]
    out, log = enforce_k(df, ["site", "band"], 2, steps)
    assert log[0] == {
        "step": 1,
        "action": "map",
        "column": "band",
        "rows_changed": 5,
        "k_before": 1,
        "k_after": 1,
        "classes_before": 4,
        "classes_after": 3,
        "target_k": 2,
        "reached": False,
    }
    assert log[1]["step"] == 2 and log[1]["rows_changed"] == 3 and log[1]["k_after"] == 1
    assert log[1]["classes_after"] == 3 and log[1]["reached"] is False
    assert log[2]["action"] == "suppress" and log[2]["rows_changed"] == 6
    assert log[2]["k_after"] == 1 and log[2]["classes_after"] == 2
    assert log[-1] == {
        "step": None,
        "action": "result",
        "column": None,
        "rows_changed": 0,
        "k_before": 1,
        "k_after": 1,
        "classes_before": 2,
        "classes_after": 2,
        "target_k": 2,
        "reached": False,
    }
    assert df.equals(_people())  # input untouched
    assert out["other"].tolist() == list(range(6))


def test_enforce_k_stops_as_soon_as_k_is_reached_and_counts_missing_as_unchanged():
    df = pd.DataFrame({"site": ["A", "A", "B", None, None]})
    out, log = enforce_k(df, ["site"], 2, [{"column": "site", "map": {"B": "A"}}, {"column": "site", "suppress": True}])
    assert len(log) == 2
    assert log[0]["rows_changed"] == 1 and log[0]["reached"] is True and log[0]["k_after"] == 2
    assert log[1]["action"] == "result" and log[1]["reached"] is True
    assert out["site"].tolist()[:3] == ["A", "A", "A"]
    # already k-anonymous: no step applied
    out, log = enforce_k(df, ["site"], 1, [{"column": "site", "suppress": True}])
    assert [e["action"] for e in log] == ["result"]
    assert log[0]["k_before"] == 1 and log[0]["reached"] is True
    # an empty frame counts as reached
    out, log = enforce_k(df.iloc[:0], ["site"], 5, [{"column": "site", "suppress": True}])
    assert [e["action"] for e in log] == ["result"] and log[0]["reached"] is True and log[0]["k_after"] == 0


def test_enforce_k_exact_k_is_enough():
    df = pd.DataFrame({"site": ["A", "A", "A", "B", "B", "B"]})
    _, log = enforce_k(df, ["site"], 3, [{"column": "site", "suppress": True}])
    assert [e["action"] for e in log] == ["result"] and log[0]["reached"] is True
    _, log = enforce_k(df, ["site"], 4, [{"column": "site", "suppress": True}])
    assert log[0]["action"] == "suppress" and log[-1]["reached"] is True and log[-1]["k_after"] == 6


@pytest.mark.parametrize("k", [0, -2, True, 2.0, "2"])
def test_enforce_k_needs_a_positive_integer_k(k):
    with pytest.raises(ValueError) as e:
        enforce_k(_people(), ["site"], k, [])
    assert str(e.value) == "k must be a positive integer"


def test_enforce_k_accepts_numpy_integer_k():
    _, log = enforce_k(_people(), ["site"], np.int64(1), [])
    assert log[-1]["target_k"] == 1 and bool(log[-1]["reached"])


def test_enforce_k_malformed_steps():
    for step in (["site"], {"map": {}}):
        with pytest.raises(ValueError) as e:
            enforce_k(_people(), ["site"], 2, [{"column": "site", "map": {}}, step])
        assert str(e.value) == "generalisation step 2 must be a mapping with a 'column'"
    with pytest.raises(KeyError) as e:
        enforce_k(_people(), ["site"], 2, [{"column": "nope", "suppress": True}])
    assert e.value.args[0] == "generalisation step 1: column(s) ['nope'] not in the data frame"
    with pytest.raises(KeyError) as e:
        enforce_k(_people(), ["site", "nope"], 2, [])
    assert e.value.args[0] == "quasi-identifiers: column(s) ['nope'] not in the data frame"


def test_suppressed_and_changed_columns_have_object_dtype():
    new, _ = _apply_step(pd.Series(["a", "b"]), {"suppress": True}, 1)
    assert new.dtype == object
    out, _ = enforce_k(pd.DataFrame({"s": ["a", "b"]}), ["s"], 2, [{"column": "s", "suppress": True}])
    assert out["s"].dtype == object


def test_categorical_quasi_identifiers_ignore_unused_categories():
    df = pd.DataFrame({"c": pd.Categorical(["a", "a", "b", "b"], categories=["a", "b", "z"])})
    assert smallest_class(df, ["c"]) == 2
    _, log = enforce_k(df, ["c"], 2, [])
    assert log[-1]["classes_after"] == 2 and log[-1]["reached"] is True


def test_empty_frame_without_quasi_identifiers_has_no_class():
    _, log = enforce_k(pd.DataFrame({"s": []}), [], 1, [])
    assert log == [
        {"step": None, "action": "result", "column": None, "rows_changed": 0, "k_before": 0, "k_after": 0,
         "classes_before": 0, "classes_after": 0, "target_k": 1, "reached": True}
    ]
    _, log = enforce_k(pd.DataFrame({"s": [1, 2]}), [], 1, [])
    assert log[0]["classes_before"] == 1 and log[0]["k_after"] == 2


def test_rows_changed_counts_values_that_become_or_stop_being_missing():
    df = pd.DataFrame({"s": ["a", "b", None, None]})
    _, log = enforce_k(df, ["s"], 4, [{"column": "s", "map": {"b": None}}, {"column": "s", "suppress": True}])
    assert log[0]["rows_changed"] == 1  # b -> missing
    assert log[1]["rows_changed"] == 4  # missing -> "suppressed" counts too


def test_postcode_type_error_names_the_type():
    with pytest.raises(ValueError) as e:
        postcode_district(12345)
    assert str(e.value) == "postcode must be a string, got int"
