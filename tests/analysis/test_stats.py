"""Tests of selfcare.analysis against independent computations on fixed small data.

The baseline-table data are rebuilt from the counts printed in Table 1 of the
2012 companion paper (see /work/shared/study/FACTS.md); the expected chi-squared
values are those recomputed from those counts.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
import statsmodels.api as sm
from selfcare.analysis.baseline import baseline_table
from selfcare.analysis.change import count_change, paired_change
from selfcare.analysis.groups import (
    anova_oneway,
    chi2_independence,
    describe_by_group,
    kruskal,
)
from selfcare.analysis.models import (
    count_significant,
    fit_ancova,
    fit_logit,
    fit_ols,
    formula_columns,
)
from selfcare.analysis.published import check_published

SITES = {"LO": 38, "SO": 41, "NO": 42}

# FACTS.md Table 1 counts per site, as (value, count) lists; each list sums to the site n.
TABLE1 = {
    "gender": {
        "LO": [("female", 28), ("male", 10)],
        "SO": [("female", 28), ("male", 13)],
        "NO": [("female", 26), ("male", 16)],
    },
    # one LO person in a fourth, unlisted category
    "ethnicity": {
        "LO": [
            ("white_british", 24),
            ("white_other", 10),
            ("other", 3),
            ("unlisted", 1),
        ],
        "SO": [("white_british", 41)],
        "NO": [("white_british", 36), ("white_other", 5), ("other", 1)],
    },
    "dependants": {
        "LO": [(0, 27), (1, 4), (2, 3), (3, 4)],
        "SO": [(0, 36), (1, 3), (2, 1), (3, 1)],
        "NO": [(0, 27), (1, 6), (2, 4), (3, 5)],
    },
    "marital_status": {
        "LO": [("single", 28), ("married", 3), ("separated", 7)],
        "SO": [("single", 17), ("married", 11), ("separated", 13)],
        "NO": [("single", 22), ("married", 11), ("separated", 9)],
    },
    # two NO people in a third, unlisted category
    "education": {
        "LO": [("gcse", 16), ("above", 22)],
        "SO": [("gcse", 22), ("above", 19)],
        "NO": [("gcse", 24), ("above", 16), ("unlisted", 2)],
    },
    "living_alone": {
        "LO": [("yes", 25), ("no", 13)],
        "SO": [("yes", 20), ("no", 21)],
        "NO": [("yes", 24), ("no", 18)],
    },
    "supported_accommodation": {
        "LO": [("yes", 24), ("no", 14)],
        "SO": [("yes", 24), ("no", 17)],
        "NO": [("yes", 24), ("no", 18)],
    },
    "employment_status": {
        "LO": [("unemployed", 27), ("other", 11)],
        "SO": [("unemployed", 20), ("other", 21)],
        "NO": [("unemployed", 31), ("other", 11)],
    },
    "admissions_bl": {
        "LO": [(1, 9), (0, 29)],
        "SO": [(2, 21), (0, 20)],
        "NO": [(1, 12), (0, 30)],
    },
    "ae_bl": {
        "LO": [(1, 17), (0, 21)],
        "SO": [(3, 2), (0, 39)],
        "NO": [(1, 2), (0, 40)],
    },
}

# Published age summaries (mean, SD, n with an age). One age is missing; the
# paper does not say where. With it in SO the rounded summaries give F = 5.90
# (p = .0036), FACTS.md's "F(2,117) ~ 5.9, p ~ .004"; in LO they would give 5.80.
AGE = {"LO": (36.3, 10.8, 38), "SO": (44.2, 12.5, 40), "NO": (43.7, 10.7, 42)}

# FACTS.md: Pearson chi2 recomputed from the printed counts (2 decimals).
EXPECTED_CHI2 = {
    "gender": (1.28, 2),
    "ethnicity": (20.34, 6),
    "marital_status": (9.80, 4),
    "education": (6.38, 4),
    "living_alone": (2.33, 2),
    "supported_accommodation": (0.32, 2),
    "employment_status": (6.72, 2),
    "admissions_bl": (7.67, 2),
    "ae_bl": (28.96, 2),
}


def _expand(spec: dict) -> list:
    out = []
    for site, n in SITES.items():
        values = [v for v, c in spec[site] for _ in range(c)]
        assert len(values) == n
        out.extend(values)
    return out


def _exact_sample(mean: float, sd: float, n: int, seed: int) -> np.ndarray:
    z = np.random.default_rng(seed).standard_normal(n)
    z = (z - z.mean()) / z.std(ddof=1)
    return mean + sd * z


@pytest.fixture(scope="module")
def table1() -> pd.DataFrame:
    site = [s for s, n in SITES.items() for _ in range(n)]
    df = pd.DataFrame({"pid": [f"P{i:03d}" for i in range(121)], "site": site})
    for name, spec in TABLE1.items():
        df[name] = _expand(spec)
    ages = []
    for i, (s, (m, sd, n)) in enumerate(AGE.items()):
        a = list(_exact_sample(m, sd, n, seed=i))
        ages.extend(a + [np.nan] * (SITES[s] - n))
    df["age"] = ages
    return df


def _pearson_by_hand(table: np.ndarray) -> float:
    table = np.asarray(table, dtype=float)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    return float(((table - expected) ** 2 / expected).sum())


# --------------------------------------------------------------------------
# baseline tests
# --------------------------------------------------------------------------


@pytest.mark.parametrize("var", sorted(EXPECTED_CHI2))
def test_chi2_matches_facts_and_hand_computation(table1, var):
    df = table1
    if var in ("admissions_bl", "ae_bl"):
        df = df.assign(**{var: np.where(df[var] >= 1, "yes", "no")})
    res = chi2_independence(df, var, "site", order=list(SITES))
    expected, dof = EXPECTED_CHI2[var]
    assert round(res["statistic"], 2) == pytest.approx(expected, abs=1e-9)
    assert res["dof"] == dof
    assert res["n"] == 121
    assert res["statistic"] == pytest.approx(
        _pearson_by_hand(res["table"].to_numpy()), rel=1e-12
    )
    assert res["p_value"] == pytest.approx(st.chi2.sf(res["statistic"], dof), rel=1e-12)


def test_chi2_uses_unlisted_categories_and_no_continuity_correction(table1):
    listed = ["white_british", "white_other", "other"]
    res = chi2_independence(
        table1, "ethnicity", "site", order=list(SITES), levels=listed
    )
    assert list(res["table"].index) == listed + ["unlisted"]
    assert list(res["table"].columns) == list(SITES)
    # 2x2 table: Yates correction would change the value; we must not apply it
    tab = np.array([[8, 2], [3, 7]])
    df = pd.DataFrame(
        {
            "v": ["a"] * 8 + ["b"] * 2 + ["a"] * 3 + ["b"] * 7,
            "g": ["x"] * 10 + ["y"] * 10,
        }
    )
    r2 = chi2_independence(df, "v", "g")
    assert r2["statistic"] == pytest.approx(_pearson_by_hand(tab), rel=1e-12)
    assert r2["statistic"] != pytest.approx(
        st.chi2_contingency(tab, correction=True).statistic
    )


def test_chi2_single_category_is_nan_with_note():
    df = pd.DataFrame({"v": ["a"] * 6, "g": list("xxxyyy")})
    res = chi2_independence(df, "v", "g")
    assert math.isnan(res["statistic"]) and "undefined" in res["note"]


def test_kruskal_dependants_matches_hand_computation(table1):
    res = kruskal(table1, "dependants", "site", order=list(SITES))
    assert round(res["statistic"], 2) == pytest.approx(6.62)
    assert res["dof"] == 2
    # hand computation: average ranks of tied values, tie correction
    counts = {s: [c for _, c in TABLE1["dependants"][s]] for s in SITES}
    totals = np.sum(list(counts.values()), axis=0)
    n_all = totals.sum()
    starts = np.concatenate([[0], np.cumsum(totals)[:-1]])
    avg_rank = starts + (totals + 1) / 2
    h = 12 / (n_all * (n_all + 1)) * sum(
        (np.dot(c, avg_rank)) ** 2 / sum(c) for c in counts.values()
    ) - 3 * (n_all + 1)
    h /= 1 - (totals**3 - totals).sum() / (n_all**3 - n_all)
    assert res["statistic"] == pytest.approx(h, rel=1e-12)


def test_anova_matches_summary_statistics(table1):
    res = anova_oneway(table1, "age", "site", order=list(SITES))
    means = np.array([m for m, _, _ in AGE.values()])
    sds = np.array([s for _, s, _ in AGE.values()])
    ns = np.array([n for _, _, n in AGE.values()])
    grand = (ns * means).sum() / ns.sum()
    ssb = (ns * (means - grand) ** 2).sum()
    ssw = ((ns - 1) * sds**2).sum()
    f = (ssb / 2) / (ssw / (ns.sum() - 3))
    assert (res["df1"], res["df2"], res["n"], res["n_missing"]) == (2, 117, 120, 1)
    assert res["statistic"] == pytest.approx(f, rel=1e-10)
    # FACTS.md: F(2,117) ~ 5.9, p ~ .004 from the rounded summaries
    assert round(res["statistic"], 1) == 5.9
    assert round(res["p_value"], 3) == 0.004


def test_describe_by_group(table1):
    desc = describe_by_group(table1, "age", "site", order=list(SITES))
    assert list(desc["group"]) == list(SITES)
    so = desc.iloc[1]
    assert (so["n"], so["n_missing"]) == (40, 1)
    assert so["mean"] == pytest.approx(44.2) and so["sd"] == pytest.approx(12.5)
    assert so["min"] == pytest.approx(table1.loc[table1["site"] == "SO", "age"].min())


BASELINE_SPECS = [
    {"name": "age", "type": "continuous", "test": "anova", "key": "table1.age"},
    {
        "name": "gender",
        "type": "categorical",
        "test": "chi2",
        "report_level": "female",
        "key": "table1.female",
    },
    {
        "name": "ethnicity",
        "type": "categorical",
        "levels": ["white_british", "white_other", "other"],
        "key": "table1.ethnicity",
    },
    {
        "name": "dependants",
        "type": "ordinal",
        "test": "kruskal",
        "display_bins": [0, 1, 2, 3],
        "key": "table1.dependants",
    },
    {
        "name": "marital_status",
        "levels": ["single", "married", "separated"],
        "key": "table1.marital",
    },
    {"name": "education", "levels": ["gcse", "above"], "key": "table1.education"},
    {"name": "living_alone", "report_level": "yes", "key": "table1.living_alone"},
    {
        "name": "supported_accommodation",
        "report_level": "yes",
        "key": "table1.supported",
    },
    {
        "name": "employment_status",
        "report_level": "unemployed",
        "key": "table1.unemployed",
    },
    {"name": "admissions_bl", "at_least": 1, "key": "table1.admission"},
    {"name": "ae_bl", "at_least": 1, "key": "table1.ae"},
]


def test_baseline_table_display_and_tests(table1):
    display, tests = baseline_table(table1, "site", BASELINE_SPECS, order=list(SITES))
    female = display[display["variable"] == "gender"]
    assert list(female["count"]) == [28, 28, 26]
    assert list(female["group"]) == list(SITES)
    dep = display[(display["variable"] == "dependants") & (display["group"] == "NO")]
    assert list(dep["count"]) == [27, 6, 4, 5]
    assert list(dep["open_ended"]) == [False, False, False, True]
    eth_lo = display[(display["variable"] == "ethnicity") & (display["group"] == "LO")]
    assert list(eth_lo["level"]) == ["white_british", "white_other", "other"]
    assert list(eth_lo["count"]) == [24, 10, 3] and set(eth_lo["n"]) == {38}
    ae = display[display["variable"] == "ae_bl"]
    assert list(ae["count"]) == [17, 2, 2]
    age = display[display["variable"] == "age"]
    assert list(age["n_missing"]) == [0, 1, 0] and age["count"].isna().all()

    t = tests.set_index("key")
    assert t.loc["table1.age", "statistic"] == "F"
    assert (t.loc["table1.age", "df1"], t.loc["table1.age", "df2"]) == (2, 117)
    assert round(t.loc["table1.ethnicity", "value"], 2) == 20.34
    assert "unlisted" in t.loc["table1.ethnicity", "note"]
    assert t.loc["table1.dependants", "statistic"] == "H"
    assert round(t.loc["table1.ae", "value"], 2) == 28.96
    assert round(t.loc["table1.admission", "value"], 2) == 7.67
    assert len(tests) == len(BASELINE_SPECS)


def test_baseline_table_rejects_bad_specs(table1):
    with pytest.raises(ValueError, match="'gender'.*unknown key 'report_levle'"):
        baseline_table(table1, "site", [{"name": "gender", "report_levle": "female"}])
    with pytest.raises(ValueError, match="test 'anova' is not allowed"):
        baseline_table(table1, "site", [{"name": "gender", "test": "anova"}])
    with pytest.raises(ValueError, match="column 'nope' is not in the data"):
        baseline_table(table1, "site", [{"name": "nope"}])
    with pytest.raises(ValueError, match="column 'gender' must be numeric"):
        baseline_table(table1, "site", [{"name": "gender", "type": "continuous"}])


# --------------------------------------------------------------------------
# check_published
# --------------------------------------------------------------------------

PUBLISHED = [
    {
        "key": "table1.age",
        "statistic": "F",
        "value": 5.9,
        "df": [2, 117],
        "p": 0.003,
        "decimals": 1,
        "p_decimals": 3,
    },
    {"key": "table1.female", "statistic": "chi2", "value": 1.3, "df": 2, "p": 0.529},
    {
        "key": "table1.ethnicity",
        "statistic": "chi2",
        "value": 20.3,
        "df": 6,
        "p": 0.002,
    },
    {
        "key": "table1.dependants",
        "statistic": "chi2",
        "value": 6.7,
        "df": 2,
        "p": 0.036,
    },
    {"key": "table1.marital", "statistic": "chi2", "value": 9.8, "df": 4, "p": 0.044},
    {"key": "table1.education", "statistic": "chi2", "value": 6.4, "df": 4, "p": 0.172},
    {
        "key": "table1.living_alone",
        "statistic": "chi2",
        "value": 2.3,
        "df": 2,
        "p": 0.312,
    },
    {"key": "table1.supported", "statistic": "chi2", "value": 0.3, "df": 2, "p": 0.851},
    {
        "key": "table1.unemployed",
        "statistic": "chi2",
        "value": 6.7,
        "df": 2,
        "p": 0.035,
    },
    {
        "key": "table1.admission",
        "statistic": "chi2",
        "value": 7.7,
        "df": 2,
        "p": 0.022,
        "counts": {"LO": [9, 38], "SO": [21, 41], "NO": [12, 42]},
    },
    {
        "key": "table1.ae",
        "statistic": "chi2",
        "value": 18.1,
        "df": 2,
        "counts": {"LO": [17, 38], "SO": [2, 41], "NO": [2, 42]},
        "source": "Gillard et al. 2012 Table 1",
    },
]


def test_check_published_flags_ae_and_reproduces_others(table1):
    _, tests = baseline_table(table1, "site", BASELINE_SPECS, order=list(SITES))
    out = check_published(tests, PUBLISHED).set_index("key")
    ae = out.loc["table1.ae"]
    assert ae["verdict"] == "published value inconsistent with its own counts"
    assert ae["counts_consistent"] == False  # noqa: E712  (pandas boolean)
    assert round(ae["counts_statistic"], 2) == 28.96
    assert not ae["reproduced"]
    for key in [
        "table1.female",
        "table1.ethnicity",
        "table1.marital",
        "table1.education",
        "table1.living_alone",
        "table1.supported",
        "table1.unemployed",
        "table1.admission",
    ]:
        assert out.loc[key, "reproduced"], key
        assert out.loc[key, "verdict"] == "reproduced", key
        assert out.loc[key, "internally_consistent"] == True, key  # noqa: E712
    assert out.loc["table1.admission", "counts_consistent"] == True  # noqa: E712
    # F 5.9 reproduced, p .004 vs published .003: one unit in the last digit
    assert out.loc["table1.age", "verdict"] == "reproduced; p differs in the last digit"
    assert out.loc["table1.age", "internally_consistent"] == True  # noqa: E712
    # Kruskal-Wallis: 6.6 vs published 6.7
    assert (
        out.loc["table1.dependants", "verdict"] == "statistic differs in the last digit"
    )
    assert out.loc["table1.dependants", "recomputed_p"] == pytest.approx(
        st.chi2.sf(6.7, 2)
    )
    # deterministic
    again = check_published(tests, PUBLISHED).set_index("key")
    pd.testing.assert_frame_equal(out, again)


def test_check_published_internal_consistency_and_edge_cases():
    computed = pd.DataFrame(
        {
            "key": ["a", "b", "c"],
            "statistic": ["t", "z", "F"],
            "value": [2.04, 3.5, 4.0],
            "df1": [30, np.nan, 1],
            "df2": [np.nan, np.nan, 50],
            "p_value": [0.0502, 0.000465, 0.051],
        }
    )
    published = [
        # t(30) = 2.0 gives p = .055: a printed p of .20 cannot follow from it
        {"key": "a", "statistic": "t", "value": 2.0, "df": 30, "p": 0.20},
        {"key": "b", "statistic": "z", "value": 3.5, "p": "<0.001"},
        {
            "key": "c",
            "statistic": "F",
            "value": 4.0,
            "df": [1, 50],
            "p": 0.05,
            "p_decimals": 2,
        },
        {"key": "missing", "statistic": "F", "value": 4.0, "df": [1, 50]},
    ]
    out = check_published(computed, published).set_index("key")
    assert out.loc["a", "internally_consistent"] == False  # noqa: E712
    assert out.loc["a", "verdict"].endswith(
        "published p does not follow from its statistic"
    )
    assert out.loc["a", "recomputed_p"] == pytest.approx(2 * st.t.sf(2.0, 30))
    assert out.loc["b", "p_relation"] == "<"
    assert out.loc["b", "p_reproduced"] == True  # noqa: E712
    assert out.loc["b", "internally_consistent"] == True  # noqa: E712
    assert out.loc["c", "verdict"] == "reproduced"
    assert out.loc["missing", "verdict"] == "not computed"
    assert pd.isna(out.loc["missing", "p_reproduced"])


def test_check_published_rejects_malformed_items():
    computed = pd.DataFrame({"key": ["a"], "value": [1.0], "p_value": [0.5]})
    with pytest.raises(ValueError, match="'a'.*statistic 'Q'"):
        check_published(computed, [{"key": "a", "statistic": "Q", "value": 1}])
    with pytest.raises(ValueError, match="'a'.*\\[events, n\\]"):
        check_published(
            computed,
            [
                {
                    "key": "a",
                    "statistic": "chi2",
                    "value": 1,
                    "counts": {"x": [5, 2], "y": [1, 3]},
                }
            ],
        )
    with pytest.raises(ValueError, match="column 'p_value'"):
        check_published(computed.drop(columns="p_value"), [])


# --------------------------------------------------------------------------
# paired change
# --------------------------------------------------------------------------

PRE = [52.0, 60, 47, 71, 66, 58, np.nan, 49, 63, 55, 70]
POST = [55.5, 59.5, 49, 74.1, 64.8, 58.7, 61, 51.6, 67, 55, 71.5]


def test_paired_change_closed_form():
    df = pd.DataFrame({"pre": PRE, "post": POST})
    res = paired_change(df, "pre", "post", alpha=0.05)
    pre, post = np.array(PRE), np.array(POST)
    keep = ~np.isnan(pre) & ~np.isnan(post)
    d = post[keep] - pre[keep]
    n = d.size
    mean, sd = d.mean(), d.std(ddof=1)
    se = sd / math.sqrt(n)
    q = st.t.ppf(0.975, n - 1)
    assert (res["n"], res["n_excluded_missing"], res["dof"]) == (n, 1, n - 1)
    assert res["mean_change"] == pytest.approx(mean, rel=1e-12)
    assert res["sd_change"] == pytest.approx(sd, rel=1e-12)
    assert res["ci_low"] == pytest.approx(mean - q * se, rel=1e-10)
    assert res["ci_high"] == pytest.approx(mean + q * se, rel=1e-10)
    assert res["t"] == pytest.approx(mean / se, rel=1e-10)
    assert res["p_value"] == pytest.approx(2 * st.t.sf(abs(mean / se), n - 1), rel=1e-8)
    assert res["cohen_dz"] == pytest.approx(res["t"] / math.sqrt(n), rel=1e-10)
    assert res["mean_post"] - res["mean_pre"] == pytest.approx(mean)
    assert res["n_zero_differences"] == 1


def test_wilcoxon_against_enumeration():
    d = np.array([1.5, -0.5, 2.0, 3.1, -1.2, 0.7, 2.6, 4.0])
    df = pd.DataFrame({"pre": np.zeros(d.size), "post": d})
    res = paired_change(df, "pre", "post")
    ranks = st.rankdata(np.abs(d))
    w_plus = ranks[d > 0].sum()
    w = min(w_plus, ranks.sum() - w_plus)
    # exact null distribution of W+ by enumerating all sign patterns
    sums = np.array(
        [np.dot(s, ranks) for s in itertools.product([0, 1], repeat=d.size)]
    )
    p = min(1.0, 2 * np.mean(sums <= w))
    assert res["wilcoxon_statistic"] == w
    assert res["wilcoxon_p"] == pytest.approx(p, rel=1e-12)


def test_wilcoxon_recognises_ties_hidden_by_floating_point_noise():
    """Hand-worked example: eight people, scores that are means of three items.

    Item sums change by -1, 1, 1, 1, 2, 2, 3, 3, so the differences of the
    means are -1/3, 1/3, 1/3, 1/3, 2/3, 2/3, 1, 1 in exact arithmetic; in
    floating point the four thirds come out as three different numbers.
    With ties recognised, |d| = 1/3 takes ranks 1-4 (mid-rank 2.5), 2/3
    ranks 5-6 (5.5) and 1 ranks 7-8 (7.5). W- = 2.5 (the one negative
    difference) and W+ = 3 x 2.5 + 2 x 5.5 + 2 x 7.5 = 33.5, so the statistic
    min(W+, W-) = 2.5. The exact distribution given these mid-ranks puts
    each sign pattern at 1/256; rank sums <= 2.5 come from the empty set and
    each of the four 2.5s (5 patterns), so the two-sided p = 2 x 5/256.
    """
    baseline_sums = np.array([4, 5, 7, 2, 8, 6, 3, 7])
    change_sums = np.array([-1, 1, 1, 1, 2, 2, 3, 3])
    df = pd.DataFrame({"a": baseline_sums / 3, "b": (baseline_sums + change_sums) / 3})
    noisy = (df["b"] - df["a"]).to_numpy()
    assert len(set(np.abs(noisy[:4]).tolist())) > 1  # the raw differences hide the ties
    res = paired_change(df, "a", "b")
    assert res["wilcoxon_statistic"] == 2.5
    assert res["wilcoxon_p"] == pytest.approx(2 * 5 / 256, rel=1e-12)
    assert res["n_zero_differences"] == 0
    # ranking the raw differences gives another p
    raw = st.wilcoxon(noisy, correction=False, method="auto")
    assert raw.pvalue != pytest.approx(res["wilcoxon_p"], rel=1e-6)
    with pytest.raises(ValueError, match="tie_decimals"):
        paired_change(df, "a", "b", tie_decimals=-1)


def test_paired_change_degenerate_cases():
    one = paired_change(pd.DataFrame({"a": [1.0, np.nan], "b": [2.0, 3.0]}), "a", "b")
    assert one["n"] == 1 and math.isnan(one["t"]) and "fewer than two" in one["note"]
    same = paired_change(pd.DataFrame({"a": [1.0, 2, 3], "b": [1.0, 2, 3]}), "a", "b")
    assert math.isnan(same["p_value"]) and math.isnan(same["wilcoxon_p"])
    assert "Wilcoxon test undefined" in same["note"]
    with pytest.raises(ValueError, match="column 'b' must be numeric"):
        paired_change(pd.DataFrame({"a": [1.0, 2], "b": ["x", "y"]}), "a", "b")


# --------------------------------------------------------------------------
# count change (GEE Poisson)
# --------------------------------------------------------------------------

AE_PRE = [3, 0, 2, 1, 0, 4, 2, 0, 1, 5, 2, np.nan]
AE_POST = [1, 0, 2, 0, 0, 2, 3, 0, 0, 3, 2, 1]


def _ae_frame():
    return pd.DataFrame(
        {
            "pid": [f"ID{i}" for i in range(len(AE_PRE))],
            "ae_bl": AE_PRE,
            "ae_fu": AE_POST,
        }
    )


NO_SPARSE_RULE = {"min_total": 0, "min_people": 0}


def _mancl_derouen_se(pre, post, rho):
    """Hand-computed Mancl-DeRouen bias-reduced sandwich SE of the period term.

    Poisson, log link, exchangeable working correlation ``rho``, period-only
    model: every person has the fitted means (mean pre, mean post), so the
    derivative D_i, working covariance V_i and leverage H_ii are the same for
    everyone; the middle of the sandwich uses (I - H_ii)^-1 r_i.
    """
    n = pre.size
    m = np.array([pre.mean(), post.mean()])
    a = np.diag(m)
    v = np.sqrt(a) @ np.array([[1, rho], [rho, 1]]) @ np.sqrt(a)
    vi = np.linalg.inv(v)
    d = a @ np.array([[1.0, 0.0], [1.0, 1.0]])
    naive = np.linalg.inv(n * d.T @ vi @ d)
    ih = np.linalg.inv(np.eye(2) - d @ naive @ d.T @ vi)
    resid = np.column_stack([pre - m[0], post - m[1]])
    middle = sum(d.T @ vi @ ih @ np.outer(r, r) @ ih.T @ vi @ d for r in resid)
    return math.sqrt((naive @ middle @ naive)[1, 1])


def test_count_change_gee_against_hand_bias_reduced_sandwich():
    res = count_change(_ae_frame(), "ae_bl", "ae_fu", "pid", sparse=NO_SPARSE_RULE)
    pre = np.array(AE_PRE[:-1])
    post = np.array(AE_POST[:-1], dtype=float)
    n = pre.size
    assert (res["n_persons"], res["n_excluded_missing"]) == (n, 1)
    assert res["n_unchanged"] == 5  # 0/0 three times and 2/2 twice: all kept
    assert (res["total_pre"], res["total_post"]) == (pre.sum(), post.sum())
    assert res["headline"] == "gee" and "bias-reduced" in res["method"]
    # period-only model: the rate ratio is the ratio of sums
    assert res["rate_ratio"] == pytest.approx(post.sum() / pre.sum(), rel=1e-8)
    assert res["se_beta"] == pytest.approx(
        _mancl_derouen_se(pre, post, res["working_correlation"]), rel=1e-8
    )
    z = st.norm.ppf(0.975)
    lo, hi = math.exp(res["beta"] - z * res["se_beta"]), math.exp(
        res["beta"] + z * res["se_beta"]
    )
    assert (res["rr_ci_low"], res["rr_ci_high"]) == pytest.approx((lo, hi), rel=1e-10)
    assert res["pct_reduction"] == pytest.approx((1 - res["rate_ratio"]) * 100)
    assert res["pct_change"] == pytest.approx(-res["pct_reduction"])
    assert res["pct_reduction_ci_low"] == pytest.approx((1 - hi) * 100)
    assert res["pct_reduction_ci_high"] == pytest.approx((1 - lo) * 100)
    assert (
        res["pct_reduction_ci_low"]
        < res["pct_reduction"]
        < res["pct_reduction_ci_high"]
    )
    # the uncorrected sandwich (GLM Poisson, cluster-robust, no correction) is smaller
    long = pd.DataFrame(
        {
            "y": np.r_[pre, post],
            "period": np.r_[np.zeros(n), np.ones(n)],
            "id": np.r_[np.arange(n), np.arange(n)],
        }
    )
    glm = sm.GLM(
        long["y"], sm.add_constant(long["period"]), family=sm.families.Poisson()
    ).fit(
        cov_type="cluster",
        cov_kwds={"groups": long["id"].to_numpy(), "use_correction": False},
    )
    assert res["se_beta"] > glm.bse["period"] * 1.05


def test_count_change_sparse_events_report_the_exact_result():
    # the default rule (config analysis.service_use_sparse) marks these 33 events
    # among 8 people as sparse: the exact interval and p are the headline, flagged
    res = count_change(_ae_frame(), "ae_bl", "ae_fu", "pid", sparse={"min_total": 20, "min_people": 10})
    assert res["sparse"] and res["headline"] == "exact"
    assert res["p_value"] == res["exact_p_value"]
    assert (res["rr_ci_low"], res["rr_ci_high"]) == (res["exact_rr_ci_low"], res["exact_rr_ci_high"])
    assert res["rate_ratio"] == pytest.approx(res["ratio_of_sums"])
    assert "sparse" in res["note"]
    assert math.isfinite(res["gee_p_value"])  # still computed, as a sensitivity value


def test_count_change_two_to_four_never_shows_a_degenerate_interval():
    # A&E at a small site: two attendances before, four after, by three people
    df = pd.DataFrame({"pid": range(30), "pre": [1, 1] + [0] * 28, "post": [2, 0, 2] + [0] * 27})
    res = count_change(df, "pre", "post", "pid", sparse={"min_total": 20, "min_people": 10})
    assert res["headline"] == "exact" and res["sparse"]
    assert res["rr_ci_low"] < 1 < res["rr_ci_high"]
    assert res["p_value"] == pytest.approx(st.binomtest(4, 6, 0.5).pvalue)


def test_count_change_durations_get_no_exact_test():
    # nights come in blocks: one admission of 20 nights is not 20 independent events
    pre = [20, 0, 14, 0, 30, 0, 7, 0, 0, 10, 0, 21]
    post = [0, 25, 0, 0, 10, 12, 0, 0, 8, 0, 0, 5]
    df = pd.DataFrame({"pid": range(12), "pre": pre, "post": post})
    res = count_change(df, "pre", "post", "pid", kind="duration", sparse=NO_SPARSE_RULE)
    assert math.isnan(res["exact_p_value"]) and math.isnan(res["exact_rr_ci_low"])
    assert res["headline"] == "gee"
    d = np.array(post) - np.array(pre)
    assert res["signed_rank_p_value"] == pytest.approx(st.wilcoxon(d[d != 0]).pvalue)
    sparse = count_change(df, "pre", "post", "pid", kind="duration", sparse={"min_total": 20, "min_people": 10})
    assert sparse["headline"] == "signed_rank"
    assert math.isnan(sparse["rr_ci_low"]) and "not estimable" in sparse["note"]
    with pytest.raises(ValueError, match="kind"):
        count_change(df, "pre", "post", "pid", kind="nights")


def test_count_change_exact_sensitivity():
    res = count_change(_ae_frame(), "ae_bl", "ae_fu", "pid", alpha=0.05)
    k, m = res["total_post"], res["total_pre"] + res["total_post"]
    pmf = [math.comb(m, i) * 0.5**m for i in range(m + 1)]
    p_two = min(1.0, sum(x for x in pmf if x <= pmf[k] * (1 + 1e-7)))
    assert res["exact_p_value"] == pytest.approx(p_two, rel=1e-9)
    lo = st.beta.ppf(0.025, k, m - k + 1)
    hi = st.beta.ppf(0.975, k + 1, m - k)
    assert res["exact_rr_ci_low"] == pytest.approx(lo / (1 - lo), rel=1e-8)
    assert res["exact_rr_ci_high"] == pytest.approx(hi / (1 - hi), rel=1e-8)


def test_count_change_35_percent_example():
    # 100 attendances before, 65 after, over 20 people (some with zero both times)
    pre = [10] * 8 + [5] * 4 + [0] * 8
    post = [6] * 8 + [4] * 4 + [0] * 7 + [1]
    df = pd.DataFrame({"pid": range(20), "pre": pre, "post": post})
    res = count_change(df, "pre", "post", "pid")
    assert (res["total_pre"], res["total_post"]) == (100, 65)
    assert res["pct_reduction"] == pytest.approx(35.0, abs=1e-6)
    assert res["n_persons"] == 20


@pytest.mark.parametrize(
    "pre,post,fragment",
    [
        ([0, 0, 0], [0, 0, 0], "all counts are zero"),
        ([0, 0, 0], [1, 2, 0], "all pre-period counts are zero"),
        ([1, 3, 0], [0, 0, 0], "all post-period counts are zero"),
    ],
)
def test_count_change_degenerate_is_quiet(pre, post, fragment):
    df = pd.DataFrame({"pid": [1, 2, 3], "a": pre, "b": post})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = count_change(df, "a", "b", "pid")
    assert math.isnan(res["gee_rate_ratio"]) and math.isnan(res["gee_p_value"])
    if sum(post) == 0 and sum(pre) > 0:
        # the exact conditional result still holds: a rate ratio of zero, flagged
        assert res["headline"] == "exact" and res["rate_ratio"] == 0
    else:
        assert math.isnan(res["rate_ratio"]) and math.isnan(res["pct_reduction"])
    assert fragment in res["note"]


def test_count_change_errors_do_not_reveal_values():
    df = pd.DataFrame({"pid": ["SECRET-1", "SECRET-1"], "a": [1, 2], "b": [0, 1]})
    with pytest.raises(ValueError, match="column 'pid' has repeated ids") as exc:
        count_change(df, "a", "b", "pid")
    assert "SECRET" not in str(exc.value)
    df = pd.DataFrame({"pid": [1, 2], "a": [1, -7], "b": [0, 1.5]})
    with pytest.raises(
        ValueError, match="column 'a' must hold non-negative whole counts"
    ) as exc:
        count_change(df, "a", "b", "pid")
    assert "-7" not in str(exc.value)


# --------------------------------------------------------------------------
# regression models
# --------------------------------------------------------------------------


def _reg_frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 30
    x1 = rng.normal(50, 10, n)
    x2 = rng.integers(0, 2, n).astype(float)
    y = 3 + 0.4 * x1 - 2 * x2 + rng.normal(0, 4, n)
    y01 = (rng.random(n) < 1 / (1 + np.exp(-(-4 + 0.08 * x1 - 0.8 * x2)))).astype(int)
    df = pd.DataFrame(
        {
            "y": y,
            "x1": x1,
            "x2": x2,
            "y01": y01,
            "site": np.where(rng.random(n) < 0.5, "LO", "SO"),
        }
    )
    df.loc[4, "x1"] = np.nan
    df.loc[9, "y"] = np.nan
    return df


def test_fit_ols_against_lstsq():
    df = _reg_frame()
    tidy, info = fit_ols(df, "y ~ x1 + x2")
    cc = df[["y", "x1", "x2"]].dropna()
    X = np.column_stack([np.ones(len(cc)), cc["x1"], cc["x2"]])
    beta, rss, *_ = np.linalg.lstsq(X, cc["y"].to_numpy(), rcond=None)
    dof = len(cc) - X.shape[1]
    s2 = rss[0] / dof
    se = np.sqrt(np.diag(s2 * np.linalg.inv(X.T @ X)))
    q = st.t.ppf(0.975, dof)
    assert list(tidy["term"]) == ["Intercept", "x1", "x2"]
    np.testing.assert_allclose(tidy["estimate"], beta, rtol=1e-9)
    np.testing.assert_allclose(tidy["se"], se, rtol=1e-9)
    np.testing.assert_allclose(tidy["ci_low"], beta - q * se, rtol=1e-9)
    np.testing.assert_allclose(
        tidy["p_value"], 2 * st.t.sf(np.abs(beta / se), dof), rtol=1e-7
    )
    assert (info["n"], info["n_dropped"]) == (28, 2)
    assert set(tidy["n"]) == {28}


def test_fit_ols_errors():
    df = _reg_frame()
    with pytest.raises(ValueError, match="column 'nope' is not in the data"):
        fit_ols(df, "y ~ nope + x1")
    with pytest.raises(ValueError, match="column 'site' must be numeric"):
        fit_ols(df, "site ~ x1")


def test_formula_columns():
    lhs, rhs = formula_columns(
        'np.log(y) ~ C(site, Treatment(reference="LO")) + I(x1**2) + Q("odd name") + a:b'
    )
    assert lhs == ["y"]
    assert rhs == ["site", "x1", "odd name", "a", "b"]


def test_fit_ancova_f_equals_t_squared_and_pingouin():
    df = _reg_frame()
    df["fu"] = df["y"]
    df["bl"] = df["x1"]
    df["age"] = np.linspace(20, 60, len(df))
    tidy, info = fit_ancova(df, "fu", "bl", "x2", ["age"], [])
    cc = df[["fu", "bl", "x2", "age"]].dropna()
    y = cc["fu"].to_numpy()
    full = np.column_stack([np.ones(len(cc)), cc["bl"], cc["x2"], cc["age"]])
    red = np.column_stack([np.ones(len(cc)), cc["bl"], cc["age"]])
    rss_f = np.linalg.lstsq(full, y, rcond=None)[1][0]
    rss_r = np.linalg.lstsq(red, y, rcond=None)[1][0]
    f = (rss_r - rss_f) / (rss_f / (len(cc) - 4))
    assert info["exposure_F"] == pytest.approx(f, rel=1e-9)
    assert info["exposure_t_squared"] == pytest.approx(f, rel=1e-9)
    assert (info["exposure_df1"], info["exposure_df2"]) == (1, len(cc) - 4)
    assert info["pingouin_applicable"] is True
    assert info["abs_diff_F"] < 1e-8 and info["abs_diff_p"] < 1e-8
    assert info["formula"] == "fu ~ bl + x2 + age"
    assert info["n_dropped"] == 2


def test_fit_ancova_categorical_exposure_and_covariate():
    df = _reg_frame().rename(columns={"y": "fu", "x1": "bl"})
    _, info = fit_ancova(df, "fu", "bl", "site", [], ["site"])
    assert info["pingouin_applicable"] is True
    assert info["pingouin_F"] == pytest.approx(info["exposure_F"], rel=1e-8)
    _, info2 = fit_ancova(df, "fu", "bl", "x2", ["site"], ["site"])
    # a categorical covariate enters pingouin as indicator columns: same model, same F
    assert info2["pingouin_applicable"] is True
    assert info2["pingouin_F"] == pytest.approx(info2["exposure_F"], rel=1e-8)
    assert "C(site)" in info2["formula"]
    with pytest.raises(ValueError, match="column 'site' must be numeric"):
        fit_ancova(df, "fu", "bl", "site", [], [])


def _newton_logit(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    beta = np.zeros(X.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-X @ beta))
        grad = X.T @ (y - p)
        hess = X.T @ (X * (p * (1 - p))[:, None])
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    p = 1 / (1 + np.exp(-X @ beta))
    cov = np.linalg.inv(X.T @ (X * (p * (1 - p))[:, None]))
    return beta, np.sqrt(np.diag(cov))


def test_fit_logit_against_newton_raphson():
    df = _reg_frame()
    tidy, info = fit_logit(df, "y01 ~ x1 + x2")
    cc = df[["y01", "x1", "x2"]].dropna()
    X = np.column_stack([np.ones(len(cc)), cc["x1"], cc["x2"]])
    beta, se = _newton_logit(X, cc["y01"].to_numpy(dtype=float))
    np.testing.assert_allclose(tidy["estimate"], beta, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tidy["se"], se, rtol=1e-6)
    z = st.norm.ppf(0.975)
    np.testing.assert_allclose(tidy["odds_ratio"], np.exp(beta), rtol=1e-6)
    np.testing.assert_allclose(tidy["or_ci_low"], np.exp(beta - z * se), rtol=1e-6)
    np.testing.assert_allclose(tidy["or_ci_high"], np.exp(beta + z * se), rtol=1e-6)
    assert info["converged"] is True
    assert (info["n"], info["n_dropped"], info["events"]) == (
        29,
        1,
        int(cc["y01"].sum()),
    )


def test_fit_logit_rejects_non_binary_outcome():
    df = _reg_frame()
    df["score"] = df["y01"] * 2
    with pytest.raises(ValueError, match="column 'score' must be coded 0/1"):
        fit_logit(df, "score ~ x1")
    with pytest.raises(ValueError, match="column 'site' must be numeric"):
        fit_logit(df, "site ~ x1")
    with pytest.raises(ValueError, match="single outcome column"):
        fit_logit(df, "np.log(y01) ~ x1")


def test_fit_logit_separation_is_reported_not_printed():
    df = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1], "x": [1.0, 2, 3, 4, 5, 6]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, info = fit_logit(df, "y ~ x")
    assert info["converged"] is False
    assert "separation" in info["note"].lower()


def test_count_significant():
    res = pd.DataFrame({"p_value": [0.01, 0.049, 0.05, 0.2, np.nan]})
    assert count_significant(res) == {
        "n_tests": 4,
        "n_significant": 2,
        "n_missing": 1,
    }
    assert count_significant(res, alpha=0.1)["n_significant"] == 3
    with pytest.raises(ValueError, match="column 'p'"):
        count_significant(res, p_col="p")
