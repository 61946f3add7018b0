"""Regression wrappers: every field of the tidy tables and info dicts checked
against a direct statsmodels fit, and the guards with their messages (issue 18)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from selfcare.analysis.models import (
    _term,
    count_significant,
    fit_ancova,
    fit_logit,
    fit_ols,
    formula_columns,
)


def data() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "y": rng.normal(size=12),
            "x": np.arange(12.0),
            "site": list("ABC") * 4,
            "b": [0, 1] * 6,
            "w": rng.normal(size=12),
        }
    )
    df.loc[0, "y"] = np.nan
    return df


def err(fn, *args, **kw) -> str:
    with pytest.raises(ValueError) as e:
        fn(*args, **kw)
    return str(e.value)


def test_formula_columns():
    assert formula_columns('fu ~ bl + C(site) + np.log(age) + Q("odd name") + I(x**2) + True') == (
        ["fu"], ["bl", "site", "age", "odd name", "x"]
    )
    assert formula_columns("y ~ C(g, Treatment(reference='b')) + x:z + x") == (["y"], ["g", "x", "z"])
    assert formula_columns("Q('a b') ~ 1") == (["a b"], [])
    for bad in ("fu bl", 3, None):
        assert err(formula_columns, bad) == "formula must be a string of the form 'outcome ~ terms'"
    assert err(formula_columns, "fu ~ (bl") == "formula cannot be parsed (unbalanced brackets or quotes?)"


def test_term():
    assert _term("age", False) == "age" and _term("site", True) == "C(site)"
    assert _term("odd name", False) == "Q('odd name')" and _term("class", True) == "C(Q('class'))"


def test_fit_ols_matches_statsmodels():
    df = data()
    tidy, info = fit_ols(df, "y ~ x + C(site)", alpha=0.1)
    res = smf.ols("y ~ x + C(site)", data=df).fit()
    ci = np.asarray(res.conf_int(alpha=0.1))
    assert tidy.columns.tolist() == ["term", "estimate", "se", "statistic", "ci_low", "ci_high", "p_value", "n"]
    assert tidy["term"].tolist() == list(res.model.exog_names)
    np.testing.assert_allclose(tidy["estimate"], res.params)
    np.testing.assert_allclose(tidy["se"], res.bse)
    np.testing.assert_allclose(tidy["statistic"], res.tvalues)
    np.testing.assert_allclose(tidy["ci_low"], ci[:, 0])
    np.testing.assert_allclose(tidy["ci_high"], ci[:, 1])
    np.testing.assert_allclose(tidy["p_value"], res.pvalues)
    assert tidy["n"].tolist() == [11] * 4
    assert info == {
        "formula": "y ~ x + C(site)", "n": 11, "n_dropped": 1, "n_params": 4, "rank": 4,
        "df_model": 3.0, "df_resid": 7.0, "r_squared": pytest.approx(res.rsquared),
        "adj_r_squared": pytest.approx(res.rsquared_adj), "f_statistic": pytest.approx(res.fvalue),
        "f_p_value": pytest.approx(res.f_pvalue), "aic": pytest.approx(res.aic), "bic": pytest.approx(res.bic),
        "confidence": pytest.approx(0.9), "note": "", "aliased": [],
    }


def test_fit_ols_intercept_only_and_rank_deficiency():
    _, info = fit_ols(data(), "y ~ 1")
    assert info["df_model"] == 0 and math.isnan(info["f_statistic"]) and math.isnan(info["f_p_value"])
    df = data().assign(x2=lambda d: d["x"] * 2)
    _, info = fit_ols(df, "y ~ x + x2")
    assert info["rank"] == 2 and info["n_params"] == 3
    assert info["note"].endswith("design matrix is rank deficient")


def test_fit_ols_guards():
    df = data()
    assert err(fit_ols, df, "~ x") == "formula has no outcome column on the left of '~'"
    assert err(fit_ols, df, "y ~ zz") == "column 'zz' is not in the data"
    assert err(fit_ols, df, "site ~ x") == "column 'site' must be numeric (found dtype str)"
    assert err(fit_ols, df.assign(y=np.nan), "y ~ x") == "model 'y ~ x' could not be fitted (ValueError)"
    assert err(fit_ols, df, "y ~ C(x, Treatment(reference=99))") == (
        "model 'y ~ C(x, Treatment(reference=99))' could not be fitted (PatsyError)"
    )


def test_fit_ancova_three_site_exposure():
    df = data()
    tidy, info = fit_ancova(df, "y", "x", "site", covariates=["w"], categorical=["site"], alpha=0.1)
    full = smf.ols("y ~ x + C(site) + w", data=df.dropna()).fit()
    reduced = smf.ols("y ~ x + w", data=df.dropna()).fit()
    f, p, dfd = full.compare_f_test(reduced)
    assert info["formula"] == "y ~ x + C(site) + w"
    assert info["exposure"] == "site" and info["exposure_levels"] == 3
    assert info["exposure_F"] == pytest.approx(f) and info["exposure_p"] == pytest.approx(p)
    assert info["exposure_df1"] == 2.0 and info["exposure_df2"] == full.df_resid
    assert math.isnan(info["exposure_t"]) and math.isnan(info["exposure_t_squared"])
    assert info["pingouin_applicable"] is True and info["pingouin_note"] == ""
    assert info["pingouin_F"] == pytest.approx(f) and info["abs_diff_F"] < 1e-8 and info["abs_diff_p"] < 1e-8
    assert info["n"] == 11 and info["n_dropped"] == 1 and info["confidence"] == pytest.approx(0.9)
    assert tidy["term"].tolist() == list(full.model.exog_names)


def test_fit_ancova_two_level_exposure_and_categorical_covariate():
    df = data()
    tidy, info = fit_ancova(df, "y", "x", "b", covariates=["site"], categorical=["site"])
    full = smf.ols("y ~ x + b + C(site)", data=df.dropna()).fit()
    assert info["formula"] == "y ~ x + b + C(site)" and info["exposure_levels"] == 2
    assert info["exposure_t"] == pytest.approx(full.tvalues["b"])
    assert info["exposure_t_squared"] == pytest.approx(full.tvalues["b"] ** 2)
    assert info["exposure_F"] == pytest.approx(full.tvalues["b"] ** 2)
    assert info["pingouin_applicable"] is True and info["abs_diff_F"] < 1e-8


def test_fit_ancova_numeric_exposure_is_not_checked_with_pingouin():
    _, info = fit_ancova(data(), "y", "x", "w")
    assert info["pingouin_applicable"] is False
    assert math.isnan(info["pingouin_F"]) and math.isnan(info["abs_diff_p"])
    assert info["pingouin_note"] == "not applicable: pingouin needs a grouping exposure"
    assert info["exposure_levels"] == 11 and info["exposure_df1"] == 1.0


def test_fit_ancova_guards():
    df = data()
    assert err(fit_ancova, df, "y", "x", "site", categorical=["zz"]) == (
        "categorical column 'zz' is not the exposure or a covariate"
    )
    assert err(fit_ancova, df, "y", "x", "site") == "column 'site' must be numeric (found dtype str)"
    assert err(fit_ancova, df, "y", "x", "b", covariates=["x"]) == (
        "outcome, baseline, exposure and covariates must be distinct columns"
    )
    assert err(fit_ancova, df, "y", "x", "zz") == "column 'zz' is not in the data"
    assert err(fit_ancova, df.assign(y=np.nan), "y", "x", "b") == "ANCOVA of 'y': no complete cases"


def test_fit_logit():
    df = data()
    tidy, info = fit_logit(df, "b ~ x", alpha=0.1)
    res = smf.logit("b ~ x", data=df).fit(disp=0)
    assert tidy.columns.tolist() == [
        "term", "estimate", "se", "statistic", "ci_low", "ci_high", "p_value", "odds_ratio", "or_ci_low", "or_ci_high", "n",
    ]
    np.testing.assert_allclose(tidy["estimate"], res.params, rtol=1e-6)
    np.testing.assert_allclose(tidy["odds_ratio"], np.exp(tidy["estimate"]))
    np.testing.assert_allclose(tidy["or_ci_low"], np.exp(tidy["ci_low"]))
    np.testing.assert_allclose(tidy["or_ci_high"], np.exp(tidy["ci_high"]))
    ci = np.asarray(res.conf_int(alpha=0.1))
    np.testing.assert_allclose(tidy["ci_low"], ci[:, 0], rtol=1e-6)
    assert info["formula"] == "b ~ x" and info["n"] == 12 and info["n_dropped"] == 0
    assert info["events"] == 6 and info["non_events"] == 6
    assert info["converged"] is True and info["iterations"] >= 1
    assert info["llf"] == pytest.approx(res.llf) and info["llnull"] == pytest.approx(res.llnull)
    assert info["pseudo_r2"] == pytest.approx(res.prsquared) and info["llr_p"] == pytest.approx(res.llr_pvalue)
    assert info["confidence"] == pytest.approx(0.9) and info["note"] == ""
    dropped = fit_logit(df.assign(b=[0, 1, np.nan] * 4), "b ~ x")[1]
    assert dropped["n"] == 8 and dropped["n_dropped"] == 4 and dropped["events"] == 4
    assert fit_logit(df.rename(columns={"b": "odd b"}), 'Q("odd b") ~ x')[1]["n"] == 12


def test_fit_logit_guards():
    df = data()
    assert err(fit_logit, df, "y ~ x") == (
        "column 'y' must be coded 0/1; 11 row(s) at position(s) 1, 2, 3, 4, 5 and 6 more are not"
    )
    assert err(fit_logit, df, "b + x ~ site") == (
        "logistic model: the left side of the formula must be a single outcome column"
    )
    assert err(fit_logit, df, "np.log(b) ~ x") == (
        "logistic model: the left side of the formula must be a single outcome column"
    )


def test_count_significant():
    p = pd.DataFrame({"p_value": [0.01, 0.05, 0.2, np.nan, 0.0499, 0.0, 1.0]})
    assert count_significant(p) == {"n_tests": 6, "n_significant": 3, "n_missing": 1}
    assert count_significant(p, alpha=0.2) == {"n_tests": 6, "n_significant": 4, "n_missing": 1}
    assert count_significant(p.rename(columns={"p_value": "p"}), p_col="p")["n_tests"] == 6
    for bad in (1.2, -0.1):
        assert err(count_significant, pd.DataFrame({"p_value": [0.5, bad]})) == (
            "column 'p_value' holds values outside [0, 1]"
        )


# ------------------------------------------------- found by mutation testing
def test_formula_columns_skip_keywords_attributes_and_split_at_the_first_tilde():
    assert formula_columns("y ~ I(x if z else w)") == (["y"], ["x", "z", "w"])
    assert formula_columns("y ~ np.pi * x") == (["y"], ["x"])
    assert formula_columns("a ~ b ~ c") == (["a"], ["b", "c"])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # statsmodels' lazy statistics of a one-row fit
def test_fit_ols_one_row_and_one_predictor():
    df = data()
    _, info = fit_ols(df.iloc[:2], "y ~ 1")
    assert info["n"] == 1 and info["n_dropped"] == 1
    _, info = fit_ols(df, "y ~ x")
    assert info["df_model"] == 1 and np.isfinite(info["f_statistic"]) and np.isfinite(info["f_p_value"])


def test_fit_ancova_defaults_and_pingouin_values():
    df = data()
    tidy, info = fit_ancova(df, "y", "x", "b", covariates=["w", "site"], categorical=["site"])
    assert info["confidence"] == 0.95
    assert info["pingouin_p"] == pytest.approx(info["exposure_p"])
    assert info["abs_diff_F"] < 1e-8 and info["abs_diff_p"] < 1e-8
    _, numeric = fit_ancova(df, "y", "x", "w")
    assert math.isnan(numeric["pingouin_p"]) and math.isnan(numeric["abs_diff_F"])


def test_fit_logit_tidy_has_the_row_count():
    tidy, _ = fit_logit(data(), "b ~ x")
    assert tidy["n"].tolist() == [12, 12]


def test_fit_logit_prints_nothing_and_names_a_failed_fit(capsys):
    fit_logit(data(), "b ~ x")
    assert capsys.readouterr().out == ""
    assert err(fit_logit, data(), "b ~ C(x, Treatment(reference=99))") == (
        "model 'b ~ C(x, Treatment(reference=99))' could not be fitted (PatsyError)"
    )
