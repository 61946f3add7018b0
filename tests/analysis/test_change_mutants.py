"""Within-person change and service-use change: every result field checked
against an independent computation, the guards and the notes (issue 18)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from selfcare.analysis.change import count_change, paired_change

PAIRS = pd.DataFrame({"pre": [10, 12, 9, 15, 11, np.nan, 8], "post": [12, 15, 9, 14, 16, 10, np.nan]})


def test_paired_change_against_scipy():
    out = paired_change(PAIRS, "pre", "post")
    x = np.array([10, 12, 9, 15, 11.0])
    y = np.array([12, 15, 9, 14, 16.0])
    d = y - x
    t = st.ttest_rel(y, x)
    half = st.t.ppf(0.975, 4) * d.std(ddof=1) / math.sqrt(5)
    w = st.wilcoxon(d, zero_method="wilcox", correction=False)
    assert out == {
        "n": 5, "n_excluded_missing": 2, "mean_pre": 11.4, "mean_post": 13.2,
        "mean_change": pytest.approx(1.8), "sd_change": pytest.approx(d.std(ddof=1)),
        "ci_low": pytest.approx(1.8 - half), "ci_high": pytest.approx(1.8 + half),
        "t": pytest.approx(float(t.statistic)), "dof": 4, "p_value": pytest.approx(float(t.pvalue)),
        "cohen_dz": pytest.approx(1.8 / d.std(ddof=1)),
        "wilcoxon_statistic": float(w.statistic), "wilcoxon_p": pytest.approx(float(w.pvalue)),
        "n_zero_differences": 1, "confidence": 0.95, "note": "",
    }
    ninety = paired_change(PAIRS, "pre", "post", alpha=0.1)
    half90 = st.t.ppf(0.95, 4) * d.std(ddof=1) / math.sqrt(5)
    assert ninety["ci_low"] == pytest.approx(1.8 - half90) and ninety["confidence"] == pytest.approx(0.9)
    pratt = paired_change(PAIRS, "pre", "post", zero_method="pratt")
    assert pratt["wilcoxon_p"] == pytest.approx(
        float(st.wilcoxon(d, zero_method="pratt", correction=False).pvalue)
    )


def test_paired_change_with_nullable_columns():
    df = PAIRS.astype("Float64")
    assert paired_change(df, "pre", "post")["n"] == 5


def test_paired_change_small_and_degenerate_samples():
    one = paired_change(PAIRS.iloc[:1], "pre", "post")
    assert one["n"] == 1 and one["mean_change"] == 2.0 and one["mean_pre"] == 10.0 and one["mean_post"] == 12.0
    assert math.isnan(one["sd_change"]) and math.isnan(one["dof"]) and math.isnan(one["t"])
    assert math.isnan(one["wilcoxon_p"]) and one["note"] == "fewer than two complete pairs"
    none = paired_change(PAIRS.iloc[5:], "pre", "post")
    assert none["n"] == 0 and none["n_excluded_missing"] == 2 and math.isnan(none["mean_pre"])
    assert math.isnan(none["mean_post"]) and math.isnan(none["mean_change"])
    two = paired_change(pd.DataFrame({"pre": [1.0, 2.0], "post": [2.0, 4.0]}), "pre", "post")
    assert two["dof"] == 1 and np.isfinite(two["t"]) and two["sd_change"] == pytest.approx(math.sqrt(0.5))
    equal = paired_change(pd.DataFrame({"pre": [1.0, 2, 3], "post": [2.0, 3, 4]}), "pre", "post")
    assert equal["sd_change"] == 0 and equal["ci_low"] == 1.0 and equal["ci_high"] == 1.0
    assert math.isnan(equal["t"]) and math.isnan(equal["p_value"]) and math.isnan(equal["cohen_dz"])
    assert equal["note"] == "all differences are equal; t test undefined"
    assert equal["wilcoxon_p"] == pytest.approx(0.25)
    zero = paired_change(pd.DataFrame({"pre": [1.0, 2, 3], "post": [1.0, 2, 3]}), "pre", "post")
    assert zero["note"] == "all differences are equal; t test undefined; all differences are zero; Wilcoxon test undefined"
    assert zero["n_zero_differences"] == 3 and math.isnan(zero["wilcoxon_statistic"])
    pratt = paired_change(pd.DataFrame({"pre": [1.0, 2, 3], "post": [1.0, 2, 3]}), "pre", "post", zero_method="pratt")
    # with "pratt" the test runs; scipy's warning is kept in the note
    assert pratt["note"].startswith("all differences are equal; t test undefined; RuntimeWarning: ")


def test_paired_change_guards():
    for alpha in (0, 1, -0.1, 1.5):
        with pytest.raises(ValueError) as e:
            paired_change(PAIRS, "pre", "post", alpha=alpha)
        assert str(e.value) == "alpha must be between 0 and 1"
    with pytest.raises(ValueError) as e:
        paired_change(pd.DataFrame({"pre": [1.0, 2, 3], "post": [2.0, 3, 5]}), "pre", "post", zero_method="bogus")
    assert str(e.value).startswith("Wilcoxon test on 'post' - 'pre': ")
    with pytest.raises(ValueError, match="column 'post' must be numeric"):
        paired_change(PAIRS.assign(post="x"), "pre", "post")


COUNTS = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6], "a": [3, 0, 2, 5, 1, np.nan], "b": [1, 0, 2, 2, 0, 4]})


def _bias_reduced_se(df: pd.DataFrame) -> float:
    """The Mancl-DeRouen standard error of the period term, fitted directly with statsmodels."""
    import statsmodels.api as sm

    d = df.dropna()
    long = pd.DataFrame({"id": list(d["id"]) * 2, "period": [0] * len(d) + [1] * len(d),
                         "y": list(d["a"]) + list(d["b"])}).sort_values(["id", "period"])
    model = sm.GEE.from_formula("y ~ period", groups="id", data=long, family=sm.families.Poisson(),
                                cov_struct=sm.cov_struct.Exchangeable())
    return float(model.fit(cov_type="bias_reduced").bse["period"])


NO_SPARSE_RULE = {"min_total": 0, "min_people": 0}


def test_count_change_against_independent_results():
    # the sparse-events rule switched off, so the GEE is the headline
    out = count_change(COUNTS, "a", "b", "id", sparse=NO_SPARSE_RULE)
    exact = st.binomtest(5, 16, 0.5)
    ci = exact.proportion_ci(0.95, method="exact")
    assert {k: out[k] for k in ("n_persons", "n_excluded_missing", "n_unchanged", "total_pre", "total_post")} == {
        "n_persons": 5, "n_excluded_missing": 1, "n_unchanged": 2, "total_pre": 11, "total_post": 5,
    }
    assert out["ratio_of_sums"] == pytest.approx(5 / 11)
    # with period as the only covariate the Poisson GEE rate ratio is the ratio of the sums
    assert out["rate_ratio"] == pytest.approx(5 / 11)
    assert out["beta"] == pytest.approx(math.log(5 / 11))
    z = st.norm.ppf(0.975)
    assert out["rr_ci_low"] == pytest.approx(math.exp(out["beta"] - z * out["se_beta"]))
    assert out["rr_ci_high"] == pytest.approx(math.exp(out["beta"] + z * out["se_beta"]))
    assert out["p_value"] == pytest.approx(2 * st.norm.sf(abs(out["beta"] / out["se_beta"])))
    assert out["pct_change"] == pytest.approx((5 / 11 - 1) * 100)
    assert out["pct_reduction"] == pytest.approx((1 - 5 / 11) * 100)
    assert out["pct_reduction_ci_low"] == pytest.approx((1 - out["rr_ci_high"]) * 100)
    assert out["pct_reduction_ci_high"] == pytest.approx((1 - out["rr_ci_low"]) * 100)
    assert out["se_beta"] == pytest.approx(_bias_reduced_se(COUNTS), rel=1e-9)
    assert out["working_correlation"] == pytest.approx(1.0055862, rel=1e-5)
    assert out["exact_p_value"] == pytest.approx(exact.pvalue)
    assert out["exact_rr_ci_low"] == pytest.approx(ci.low / (1 - ci.low))
    assert out["exact_rr_ci_high"] == pytest.approx(ci.high / (1 - ci.high))
    assert out["confidence"] == 0.95 and out["note"] == "" and out["headline"] == "gee" and out["sparse"] is False
    assert out["method"] == (
        "Poisson GEE clustered by person, exchangeable working correlation, Mancl-DeRouen bias-reduced sandwich SE"
    )
    wide = count_change(COUNTS, "a", "b", "id", alpha=0.01, sparse=NO_SPARSE_RULE)
    assert wide["rr_ci_low"] < out["rr_ci_low"] and wide["exact_rr_ci_high"] > out["exact_rr_ci_high"]
    assert wide["confidence"] == pytest.approx(0.99)
    # with the default rule these 16 events are sparse: the exact result is the headline
    sparse = count_change(COUNTS, "a", "b", "id")
    assert sparse["sparse"] is True and sparse["headline"] == "exact"
    assert sparse["p_value"] == pytest.approx(exact.pvalue)


@pytest.mark.parametrize(
    ("pre", "post", "note"),
    [
        ([0, 0], [0, 0], "all counts are zero; rate ratio undefined"),
        ([0, 0], [1, 2], "all pre-period counts are zero; rate ratio undefined"),
        ([1, 2], [0, 0], "all post-period counts are zero; the model is not fitted"),
        ([1], [2], "fewer than two complete pairs; model not fitted"),
    ],
)
def test_count_change_cases_without_a_model(pre, post, note):
    out = count_change(pd.DataFrame({"id": range(len(pre)), "a": pre, "b": post}), "a", "b", "id",
                       sparse=NO_SPARSE_RULE)
    assert out["note"].startswith(f"GEE: {note}")
    assert math.isnan(out["gee_rate_ratio"]) and math.isnan(out["beta"]) and math.isnan(out["gee_p_value"])
    total = sum(pre) + sum(post)
    if total:
        exact = st.binomtest(sum(post), total, 0.5)
        ci = exact.proportion_ci(0.95, method="exact")
        assert out["exact_p_value"] == pytest.approx(exact.pvalue)
        assert out["exact_rr_ci_low"] == pytest.approx(ci.low / (1 - ci.low))
        expected_high = math.inf if ci.high >= 1 else ci.high / (1 - ci.high)
        assert out["exact_rr_ci_high"] == pytest.approx(expected_high)
    else:
        assert math.isnan(out["exact_p_value"]) and math.isnan(out["exact_rr_ci_low"])
    assert (math.isnan(out["ratio_of_sums"]) if sum(pre) == 0 else out["ratio_of_sums"] == sum(post) / sum(pre))


def test_count_change_guards():
    def err(df, **kw):
        with pytest.raises(ValueError) as e:
            count_change(df, "a", "b", "id", **kw)
        return str(e.value)

    assert err(COUNTS.assign(id=[1, 1, 2, 3, 4, 5])) == "column 'id' has repeated ids: 1 row(s) at position(s) 1"
    assert err(COUNTS.assign(id=[1, None, 2, 3, 4, 5])) == "column 'id' has missing ids: 1 row(s) at position(s) 1"
    assert err(COUNTS.assign(a=[3, 0, -2, 5, 1.5, np.nan])) == (
        "column 'a' must hold non-negative whole counts; 2 row(s) at position(s) 2, 4 do not"
    )
    assert err(COUNTS.assign(b=[1, 0, 2, 2, 0.5, 4])) == (
        "column 'b' must hold non-negative whole counts; 1 row(s) at position(s) 4 do not"
    )
    for alpha in (0, 1):
        assert err(COUNTS, alpha=alpha) == "alpha must be between 0 and 1"
    assert err(COUNTS.drop(columns="id")) == "column 'id' is not in the data"


# ------------------------------------------------- found by mutation testing
PAIRED_KEYS = ["n", "n_excluded_missing", "mean_pre", "mean_post", "mean_change", "sd_change", "ci_low", "ci_high",
               "t", "dof", "p_value", "cohen_dz", "wilcoxon_statistic", "wilcoxon_p", "n_zero_differences",
               "confidence", "note"]
COUNT_KEYS = ["kind", "n_persons", "n_excluded_missing", "n_unchanged", "n_people_with_events", "total_pre",
              "total_post", "ratio_of_sums", "sparse", "headline", "beta", "se_beta", "rate_ratio", "rr_ci_low",
              "rr_ci_high", "p_value", "pct_change", "pct_reduction", "pct_reduction_ci_low", "pct_reduction_ci_high",
              "working_correlation", "gee_rate_ratio", "gee_rr_ci_low", "gee_rr_ci_high", "gee_p_value",
              "exact_p_value", "exact_rr_ci_low", "exact_rr_ci_high", "signed_rank_p_value", "confidence", "method",
              "note"]


def test_paired_change_is_quiet_with_no_or_one_pair():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        none = paired_change(PAIRS.iloc[5:], "pre", "post")
        one = paired_change(PAIRS.iloc[:1], "pre", "post")
    assert list(none) == PAIRED_KEYS and list(one) == PAIRED_KEYS
    assert math.isnan(none["mean_change"]) and math.isnan(one["sd_change"])


def test_wilcoxon_normal_approximation_has_no_continuity_correction():
    rng = np.random.default_rng(3)
    pre = rng.integers(0, 10, size=60).astype(float)
    post = pre + rng.integers(-3, 5, size=60)
    out = paired_change(pd.DataFrame({"pre": pre, "post": post}), "pre", "post")
    d = post - pre
    expected = st.wilcoxon(d, zero_method="wilcox", correction=False, method="auto")
    assert out["wilcoxon_p"] == pytest.approx(float(expected.pvalue))
    assert out["wilcoxon_p"] != pytest.approx(float(st.wilcoxon(d, correction=True).pvalue))


def test_count_change_keys_in_every_case_and_a_single_event():
    full = count_change(COUNTS, "a", "b", "id")
    assert list(full) == COUNT_KEYS
    for pre, post in (([0, 0], [0, 0]), ([0, 0], [1, 2]), ([1, 2], [0, 0]), ([1], [2])):
        out = count_change(pd.DataFrame({"id": range(len(pre)), "a": pre, "b": post}), "a", "b", "id")
        assert list(out) == COUNT_KEYS and out["note"] != ""
    single = count_change(pd.DataFrame({"id": [1, 2], "a": [1, 0], "b": [0, 0]}), "a", "b", "id")
    assert single["exact_p_value"] == pytest.approx(1.0)
    assert single["exact_rr_ci_low"] == 0.0 and np.isfinite(single["exact_rr_ci_high"])
