"""Group comparisons and the grouping helper they share: the behaviour that
mutation testing showed unprotected (issue 18). Above all, a row whose group is
not in the configured order must stop the analysis, never drop out silently."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from selfcare.analysis.checks import (
    _capture,
    _group_levels,
    _join_notes,
    _positions,
    _require_columns,
    _require_counts,
    _require_frame,
    _require_numeric,
    _sort_key,
)
from selfcare.analysis.groups import (
    anova_oneway,
    chi2_independence,
    counts_by_group,
    describe_by_group,
    kruskal,
)


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": ["A", "A", "A", "B", "B", "B", "C", "C", None],
            "x": [1.0, 2.0, 4.0, 3.0, 5.0, 7.0, 6.0, np.nan, 9.0],
            "cat": ["u", "v", "u", "v", "v", "u", "w", "u", "u"],
        }
    )


def msg(fn, *args, exc=ValueError, **kw) -> str:
    with pytest.raises(exc) as e:
        fn(*args, **kw)
    return str(e.value)


UNLISTED = "column 'site' holds 1 group level(s) not listed in the group order"


# ---------------------------------------------------------- the group guard
@pytest.mark.parametrize(
    "call",
    [
        lambda df, o: anova_oneway(df, "x", "site", order=o),
        lambda df, o: kruskal(df, "x", "site", order=o),
        lambda df, o: chi2_independence(df, "cat", "site", order=o),
        lambda df, o: describe_by_group(df, "x", "site", order=o),
        lambda df, o: counts_by_group(df, "cat", "site", order=o),
    ],
    ids=["anova", "kruskal", "chi2", "describe", "counts"],
)
def test_a_group_missing_from_the_order_stops_every_analysis(call):
    assert msg(call, frame(), ["A", "B"]) == UNLISTED
    assert msg(call, frame(), ["B"]) == "column 'site' holds 2 group level(s) not listed in the group order"
    call(frame(), ["C", "B", "A", "D"])  # listed but absent groups are fine


def test_group_levels():
    s = pd.Series(["b", "a", None, "b", 3, 1.5])
    assert _group_levels(s, None, "g") == [1.5, 3, "a", "b"]  # numbers first, then text
    assert _group_levels(s, ("b", 3, "a", 1.5, "z"), "g") == ["b", 3, "a", 1.5, "z"]
    cat = pd.Series(pd.Categorical(["x", "z", "x"], categories=["z", "y", "x"]))
    assert _group_levels(cat, None, "g") == ["z", "x"]  # category order, unused ones left out
    assert msg(_group_levels, pd.Series(["a", "q"]), ["a"], "grp") == (
        "column 'grp' holds 1 group level(s) not listed in the group order"
    )


def test_sort_key_orders_numbers_before_text():
    values = ["10", 2, True, np.float64(1.5), "a", np.int64(-1)]
    assert sorted(values, key=_sort_key) == [np.int64(-1), True, np.float64(1.5), 2, "10", "a"]
    assert _sort_key(3) == (0, 3.0, "") and _sort_key("x") == (1, 0.0, "x")


# ----------------------------------------------------------------- guards
def test_validation_messages():
    assert msg(_require_frame, [1], exc=TypeError) == "expected a pandas DataFrame, got list"
    assert msg(_require_columns, frame(), ["site", 3]) == "column names must be strings; got int"
    assert msg(_require_columns, frame(), ["site", "nope"]) == "column 'nope' is not in the data"
    assert msg(_require_numeric, frame(), ["x", "cat"]) == "column 'cat' must be numeric (found dtype str)"
    df = pd.DataFrame({"n": [0, 1.5, -1, np.nan, 2, -3, 0.5, -2, -4, 7.25]})
    assert msg(_require_counts, df, "n") == (
        "column 'n' must hold non-negative whole counts; 7 row(s) at position(s) 1, 2, 5, 6, 7 and 2 more do not"
    )
    _require_counts(pd.DataFrame({"n": pd.array([0, None, 3], dtype="Int64")}), "n")


def test_positions():
    assert _positions(np.array([False, True, True])) == "2 row(s) at position(s) 1, 2"
    mask = np.ones(6, dtype=bool)
    assert _positions(mask) == "6 row(s) at position(s) 0, 1, 2, 3, 4 and 1 more"
    assert _positions(mask[:5]) == "5 row(s) at position(s) 0, 1, 2, 3, 4"
    assert _positions(mask, limit=2) == "6 row(s) at position(s) 0, 1 and 4 more"


def test_capture_and_notes():
    def noisy():
        warnings.warn("first line\nsecond line", RuntimeWarning)
        warnings.warn("first line\nother", RuntimeWarning)
        warnings.warn("again", UserWarning)
        return 7

    assert _capture(noisy) == (7, ["RuntimeWarning: first line", "UserWarning: again"])
    assert _join_notes(["a", "", "b"]) == "a; b"


# -------------------------------------------------------------- the tests
def test_anova():
    out = anova_oneway(frame(), "x", "site", order=["C", "A", "B"])
    expected = st.f_oneway([6.0], [1.0, 2.0, 4.0], [3.0, 5.0, 7.0])
    assert out == {
        "test": "anova", "statistic_name": "F", "statistic": pytest.approx(float(expected.statistic)),
        "df1": 2, "df2": 4, "p_value": pytest.approx(float(expected.pvalue)), "n": 7, "n_missing": 2,
        "groups": ["C", "A", "B"], "note": "",
    }


def test_anova_needs_two_groups_and_residual_df():
    one = anova_oneway(frame()[frame()["site"] == "A"], "x", "site")
    assert math.isnan(one["statistic"]) and one["note"] == "fewer than two groups or no residual degrees of freedom"
    two_rows = anova_oneway(pd.DataFrame({"site": ["A", "B"], "x": [1.0, 2.0]}), "x", "site")
    assert two_rows["df2"] == 0 and math.isnan(two_rows["p_value"])
    assert two_rows["note"] == "fewer than two groups or no residual degrees of freedom"
    three = anova_oneway(pd.DataFrame({"site": ["A", "B", "B"], "x": [1.0, 2.0, 4.0]}), "x", "site")
    assert three["df2"] == 1 and np.isfinite(three["statistic"]) and three["note"] == ""


def test_kruskal():
    out = kruskal(frame(), "x", "site", order=["B", "A", "C"])
    expected = st.kruskal([3.0, 5.0, 7.0], [1.0, 2.0, 4.0], [6.0])
    assert out == {
        "test": "kruskal", "statistic_name": "H", "statistic": pytest.approx(float(expected.statistic)),
        "dof": 2, "p_value": pytest.approx(float(expected.pvalue)), "n": 7, "n_missing": 2,
        "groups": ["B", "A", "C"], "note": "",
    }
    two = kruskal(pd.DataFrame({"site": ["A", "B"], "x": [1.0, 2.0]}), "x", "site")
    assert np.isfinite(two["statistic"]) and two["dof"] == 1
    one = kruskal(frame()[frame()["site"] == "A"], "x", "site")
    assert one["note"] == "fewer than two groups; test undefined" and math.isnan(one["statistic"])
    same = kruskal(pd.DataFrame({"site": ["A", "B"], "x": [3.0, 3.0]}), "x", "site")
    assert same["note"] == "all values are identical; test undefined" and math.isnan(same["p_value"])
    two_values = kruskal(pd.DataFrame({"site": ["A", "B", "B"], "x": [3.0, 3.0, 4.0]}), "x", "site")
    assert np.isfinite(two_values["statistic"])


def test_chi2():
    df = frame()
    out = chi2_independence(df, "cat", "site", order=["B", "A", "C"], levels=["v", "u"])
    table = out["table"]
    assert table.index.tolist() == ["v", "u", "w"] and table.columns.tolist() == ["B", "A", "C"]
    assert table.index.name == "cat" and table.columns.name == "site"
    assert table.to_numpy().tolist() == [[2, 1, 0], [1, 2, 1], [0, 0, 1]]
    expected = st.chi2_contingency(table.to_numpy(), correction=False)
    assert out["statistic"] == pytest.approx(float(expected.statistic))
    assert out["dof"] == 4 and out["n"] == 8 and out["n_missing"] == 1
    assert out["min_expected"] == pytest.approx(float(expected.expected_freq.min()))
    assert out["n_expected_below_5"] == 9 and out["note"] == ""
    # a 2x2 table: no continuity correction
    two = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 10, "v": ["y"] * 8 + ["n"] * 2 + ["y"] * 3 + ["n"] * 7})
    res = chi2_independence(two, "v", "g")
    assert res["statistic"] == pytest.approx(float(st.chi2_contingency([[2, 7], [8, 3]], correction=False).statistic))
    assert res["dof"] == 1 and res["n_expected_below_5"] == 2  # expected 4.5, 4.5, 5.5, 5.5
    # expected counts of exactly 5 are not below 5
    five = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 10, "v": ["y"] * 5 + ["n"] * 5 + ["y"] * 5 + ["n"] * 5})
    assert chi2_independence(five, "v", "g")["n_expected_below_5"] == 0


def test_chi2_drops_empty_rows_and_columns_and_needs_two_of_each():
    df = frame()
    out = chi2_independence(df, "cat", "site", order=["A", "B", "Z", "C"], levels=["u", "never", "v", "w"])
    assert out["table"].columns.tolist() == ["A", "B", "C"] and out["table"].index.tolist() == ["u", "v", "w"]
    assert out["dof"] == 4
    flat = chi2_independence(df[df["site"] == "A"], "cat", "site")
    assert math.isnan(flat["statistic"]) and flat["dof"] == 0
    assert flat["note"] == "fewer than two observed categories or groups; test undefined"
    assert flat["n_expected_below_5"] == 0 and math.isnan(flat["min_expected"])


def test_describe_by_group():
    out = describe_by_group(frame(), "x", "site", order=["C", "A", "D"] + ["B"])
    assert out.columns.tolist() == ["group", "n", "n_missing", "mean", "sd", "median", "min", "max"]
    rows = {r["group"]: r for r in out.to_dict("records")}
    assert list(rows) == ["C", "A", "D", "B"]
    assert rows["A"] == {"group": "A", "n": 3, "n_missing": 0, "mean": pytest.approx(7 / 3),
                         "sd": pytest.approx(np.std([1, 2, 4], ddof=1)), "median": 2.0, "min": 1.0, "max": 4.0}
    assert rows["C"]["n"] == 1 and rows["C"]["n_missing"] == 1 and rows["C"]["mean"] == 6.0
    assert math.isnan(rows["C"]["sd"]) and rows["C"]["median"] == 6.0 and rows["C"]["max"] == 6.0
    assert rows["D"]["n"] == 0 and all(math.isnan(rows["D"][k]) for k in ("mean", "sd", "median", "min", "max"))
    assert describe_by_group(frame().iloc[:0], "x", "site").columns.tolist() == out.columns.tolist()
    nullable = frame().assign(x=pd.array([1, 2, 4, 3, 5, 7, 6, None, 9], dtype="Int64"))
    assert describe_by_group(nullable, "x", "site").loc[2, "n_missing"] == 1


def test_counts_by_group():
    out = counts_by_group(frame(), "cat", "site", order=["B", "A", "C"], levels=["u", "v", "x"])
    assert out.columns.tolist() == ["group", "level", "open_ended", "count", "n", "proportion"]
    assert out[["group", "level", "count", "n"]].values.tolist() == [
        ["B", "u", 1, 3], ["B", "v", 2, 3], ["B", "x", 0, 3],
        ["A", "u", 2, 3], ["A", "v", 1, 3], ["A", "x", 0, 3],
        ["C", "u", 1, 2], ["C", "v", 0, 2], ["C", "x", 0, 2],
    ]
    assert out["proportion"].tolist()[:2] == [pytest.approx(1 / 3), pytest.approx(2 / 3)]
    assert not out["open_ended"].any()
    default = counts_by_group(frame(), "cat", "site")
    assert default["level"].tolist()[:3] == ["u", "v", "w"]
    # a missing value of the variable counts in no level and not in n
    assert default[default["group"] == "C"]["n"].tolist() == [2, 2, 2]
    assert counts_by_group(frame().iloc[:0], "cat", "site").columns.tolist() == out.columns.tolist()


def test_counts_by_group_bins():
    df = pd.DataFrame({"site": ["A"] * 6 + ["B"], "k": [0, 1, 1, 2, 5, np.nan, 3]})
    out = counts_by_group(df, "k", "site", bins=[0, 1, 2])
    assert out[["group", "level", "open_ended", "count", "n"]].values.tolist() == [
        ["A", 0, False, 1, 5], ["A", 1, False, 2, 5], ["A", 2, True, 2, 5],
        ["B", 0, False, 0, 1], ["B", 1, False, 0, 1], ["B", 2, True, 1, 1],
    ]
    assert out["proportion"].tolist()[0] == pytest.approx(0.2)
    assert counts_by_group(df, "k", "site", bins=[3])["count"].tolist() == [1, 1]
    for bins in ([], [1, 1], [2, 1]):
        assert msg(counts_by_group, df, "k", "site", bins=bins) == (
            "display bins for column 'k' must be a non-empty increasing list"
        )
    empty_group = counts_by_group(df, "k", "site", order=["A", "B", "Z"], bins=[0])
    z = empty_group[empty_group["group"] == "Z"]
    assert z["n"].tolist() == [0] and math.isnan(z["proportion"].iloc[0])


def test_categorical_columns_are_compared_as_their_values():
    df = frame().assign(site=pd.Categorical(frame()["site"], categories=["C", "B", "A"]),
                        cat=pd.Categorical(frame()["cat"]))
    out = chi2_independence(df, "cat", "site")
    assert out["table"].columns.tolist() == ["A", "B", "C"]  # compared as plain values, sorted
    assert out["table"].to_numpy().tolist() == chi2_independence(frame(), "cat", "site")["table"].to_numpy().tolist()
    counts = counts_by_group(df, "cat", "site")
    assert counts["group"].unique().tolist() == ["A", "B", "C"]


# ------------------------------------------------- found by mutation testing
def test_summaries_are_quiet_for_empty_and_single_value_groups():
    df = pd.DataFrame({"site": ["A", "B", "B", "C", "C", "C"], "x": [1.0, 2.0, 4.0, 1.0, 2.0, 6.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = describe_by_group(df, "x", "site", order=["D", "A", "B", "C"])
    rows = {r["group"]: r for r in out.to_dict("records")}
    assert math.isnan(rows["D"]["mean"]) and math.isnan(rows["D"]["median"])
    assert rows["A"]["mean"] == 1.0 and math.isnan(rows["A"]["sd"])
    assert rows["B"]["sd"] == pytest.approx(math.sqrt(2))
    assert rows["C"]["sd"] == pytest.approx(np.std([1, 2, 6], ddof=1))


def test_listed_but_absent_groups_do_not_count_as_groups():
    out = anova_oneway(frame(), "x", "site", order=["C", "B", "A", "D"])
    assert out["groups"] == ["C", "B", "A", "D"] and out["df1"] == 2 and out["df2"] == 4
    kw = kruskal(frame(), "x", "site", order=["C", "B", "A", "D"])
    assert kw["dof"] == 2


def test_chi2_result_keys_and_integer_table():
    keys = ["test", "statistic_name", "statistic", "dof", "p_value", "n", "n_missing", "table",
            "min_expected", "n_expected_below_5", "note"]
    out = chi2_independence(frame(), "cat", "site", order=["A", "B", "Z", "C"], levels=["u", "never", "v", "w"])
    assert list(out) == keys and out["test"] == "chi2" and out["statistic_name"] == "chi2"
    assert (out["table"].dtypes == "int64").all()
    one_cat = chi2_independence(frame().assign(cat="u"), "cat", "site")
    assert list(one_cat) == keys and one_cat["dof"] == 0 and math.isnan(one_cat["p_value"])
    assert one_cat["table"].shape == (1, 3)


def test_chi2_keeps_a_group_with_one_answer():
    df = pd.DataFrame({"g": ["a", "a", "b", "b", "c"], "v": ["y", "n", "y", "n", "y"]})
    out = chi2_independence(df, "v", "g")
    assert out["table"].columns.tolist() == ["a", "b", "c"] and out["dof"] == 2


def test_chi2_with_mixed_type_categories():
    df = pd.DataFrame({"g": ["a", "a", "b", "b"], "v": [1, "x", 2.5, "x"]})
    out = chi2_independence(df, "v", "g")
    assert out["table"].index.tolist() == [1, 2.5, "x"]


def test_anova_and_kruskal_keys():
    assert list(anova_oneway(frame(), "x", "site")) == [
        "test", "statistic_name", "statistic", "df1", "df2", "p_value", "n", "n_missing", "groups", "note"]
    assert list(kruskal(frame(), "x", "site")) == [
        "test", "statistic_name", "statistic", "dof", "p_value", "n", "n_missing", "groups", "note"]
