"""Sensitivity analyses: profile-likelihood and Firth logistic fits, baseline exposure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.optimize as so
import scipy.stats as st
import statsmodels.api as sm
import statsmodels.formula.api as smf

from selfcare.analysis.sensitivity import baseline_exposure, fit_logit_sensitivity


def _data(seed=3, n=120):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(4, 1, n), "b": rng.normal(15, 4, n)})
    lin = 0.4 + 0.45 * (df["a"] - 4) + 0.1 * (df["b"] - 15)
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(int)
    df.loc[[3, 7], "a"] = np.nan  # complete cases, as fit_logit takes them
    return df


def _row(tidy, term, method):
    return tidy[(tidy["term"] == term) & (tidy["method"] == method)].iloc[0]


def test_wald_rows_equal_statsmodels_logit():
    df = _data()
    tidy, info = fit_logit_sensitivity(df, "y ~ a + b")
    ref = smf.logit("y ~ a + b", df, missing="drop").fit(disp=0)
    assert info["n"] == int(ref.nobs) == 118
    for term in ("Intercept", "a", "b"):
        r = _row(tidy, term, "wald")
        assert r["estimate"] == pytest.approx(ref.params[term], rel=1e-6)
        assert (r["ci_low"], r["ci_high"]) == pytest.approx(tuple(ref.conf_int().loc[term]), rel=1e-6)
        assert r["p_value"] == pytest.approx(ref.pvalues[term], rel=1e-5)


def test_profile_interval_against_an_independent_profile():
    """Independent computation: for each bound, fix the coefficient with an
    offset, refit the rest by statsmodels GLM and solve
    2 (llf_max - llf_fixed) = chi2_1(0.95) with a root finder."""
    df = _data().dropna()
    tidy, _ = fit_logit_sensitivity(df, "y ~ a + b")
    x = sm.add_constant(df[["a", "b"]])
    full = sm.GLM(df["y"], x, family=sm.families.Binomial()).fit()
    crit = st.chi2.ppf(0.95, 1)

    def gap(value, term):
        rest = x.drop(columns=[term])
        fit = sm.GLM(df["y"], rest, family=sm.families.Binomial(), offset=value * x[term]).fit()
        return 2 * (full.llf - fit.llf) - crit

    for term in ("a", "b"):
        b, se = full.params[term], full.bse[term]
        lo = so.brentq(gap, b - 4 * se, b, args=(term,), xtol=1e-10)
        hi = so.brentq(gap, b, b + 4 * se, args=(term,), xtol=1e-10)
        r = _row(tidy, term, "profile")
        assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi), abs=1e-5)
        lr = 2 * (full.llf - sm.GLM(df["y"], x.drop(columns=[term]), family=sm.families.Binomial()).fit().llf)
        assert r["p_value"] == pytest.approx(st.chi2.sf(lr, 1), rel=1e-5)


def test_firth_equals_the_haldane_corrected_two_by_two_table():
    """Published result (Firth 1993; Heinze and Schemper 2002): with one binary
    covariate the model is saturated, and Firth's estimate of the log odds
    ratio equals the log odds ratio of the 2x2 table with 0.5 added to every
    cell. Cells: exposed 9 events / 3 non-events, unexposed 4 / 10."""
    x = [1] * 12 + [0] * 14
    y = [1] * 9 + [0] * 3 + [1] * 4 + [0] * 10
    tidy, _ = fit_logit_sensitivity(pd.DataFrame({"x": x, "y": y}), "y ~ x")
    expected = math.log((9.5 * 10.5) / (3.5 * 4.5))
    assert _row(tidy, "x", "firth")["estimate"] == pytest.approx(expected, abs=1e-7)
    assert _row(tidy, "Intercept", "firth")["estimate"] == pytest.approx(math.log(4.5 / 10.5), abs=1e-7)
    # maximum likelihood gives the plain log odds ratio
    assert _row(tidy, "x", "wald")["estimate"] == pytest.approx(math.log(9 * 10 / (3 * 4)), abs=1e-6)


def test_firth_is_finite_under_separation():
    # the library's documented example: x = 1 predicts y = 1 perfectly; Firth's
    # estimate is log(3.5 x 3.5 / (0.5 x 0.5)) = log 49
    df = pd.DataFrame({"x": [0, 0, 0, 1, 1, 1], "y": [0, 0, 0, 1, 1, 1]})
    tidy, _ = fit_logit_sensitivity(df, "y ~ x")
    firth = _row(tidy, "x", "firth")
    assert firth["estimate"] == pytest.approx(math.log(49), abs=1e-6)
    assert math.isfinite(firth["ci_low"])


def test_firth_shrinks_the_log_odds_ratio_towards_zero():
    tidy, _ = fit_logit_sensitivity(_data(), "y ~ a + b")
    assert abs(_row(tidy, "a", "firth")["estimate"]) < abs(_row(tidy, "a", "wald")["estimate"])
    assert set(tidy["method"]) == {"wald", "profile", "firth"}
    assert (tidy["odds_ratio"] == np.exp(tidy["estimate"])).all()


def test_baseline_exposure():
    ds = pd.DataFrame({"med_bl": ["as_prescribed_by_choice", "stopped_by_choice", None, "as_prescribed_by_choice"]})
    out = baseline_exposure(ds, "med_bl", "as_prescribed_by_choice")
    assert out.iloc[[0, 1, 3]].tolist() == [1.0, 0.0, 1.0] and math.isnan(out.iloc[2])
