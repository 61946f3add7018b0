"""Regression models: ANCOVA, ordinary least squares and logistic regression.

Formulas are patsy formulas from the configuration; :func:`formula_columns`
lists the columns they use so that complete cases are taken on exactly those.
Fits come from :mod:`statsmodels`; the ANCOVA is cross-checked with
:func:`pingouin.ancova`.
"""

from __future__ import annotations

import ast
import io
import keyword
import math
import tokenize
from typing import Any, Sequence

import numpy as np
import pandas as pd

from selfcare.analysis.checks import (
    _capture,
    _join_notes,
    _positions,
    _require_columns,
    _require_numeric,
)
from selfcare.analysis.estimability import aliased_terms

__all__ = [
    "formula_columns",
    "fit_ols",
    "fit_ancova",
    "fit_logit",
    "count_significant",
]

# --------------------------------------------------------------------------
# regression models
# --------------------------------------------------------------------------

_FORMULA_SKIP = {"True", "False", "None"}


def _names_in(expr: str) -> list[str]:
    """Variable names used in one side of a patsy formula."""
    try:
        toks = [
            t
            for t in tokenize.generate_tokens(io.StringIO(expr).readline)
            if t.type
            not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.COMMENT)
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        raise ValueError(
            "formula cannot be parsed (unbalanced brackets or quotes?)"
        ) from None
    names: list[str] = []
    for i, t in enumerate(toks):
        prev = toks[i - 1].string if i > 0 else ""
        nxt = toks[i + 1].string if i + 1 < len(toks) else ""
        if t.type == tokenize.NAME:
            if (
                prev == "."
                or nxt in ("(", ".", "=")
                or keyword.iskeyword(t.string)
                or t.string in _FORMULA_SKIP
            ):
                continue
            name = t.string
        elif (
            t.type == tokenize.STRING
            and prev == "("
            and i >= 2
            and toks[i - 2].string == "Q"
        ):
            name = ast.literal_eval(t.string)
        else:
            continue
        if name not in names:
            names.append(name)
    return names


def formula_columns(formula: str) -> tuple[list[str], list[str]]:
    """Columns named on each side of a patsy formula.

    Function names (``C``, ``np.log``, ``I``...), keyword arguments and
    literals are skipped; ``Q("odd name")`` yields ``odd name``.

    Parameters
    ----------
    formula : str
        A formula such as ``"fu ~ bl + C(site) + np.log(age)"``.

    Returns
    -------
    tuple of (list of str, list of str)
        Column names on the left and on the right of ``~``, each in order of
        first appearance.

    Raises
    ------
    ValueError
        If the formula has no ``~`` or cannot be tokenised.
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise ValueError("formula must be a string of the form 'outcome ~ terms'")
    lhs, rhs = formula.split("~", 1)
    return _names_in(lhs.strip()), _names_in(rhs.strip())


def _check_formula(df: pd.DataFrame, formula: str) -> tuple[list[str], list[str]]:
    lhs, rhs = formula_columns(formula)
    if not lhs:
        raise ValueError("formula has no outcome column on the left of '~'")
    _require_columns(df, lhs + rhs)
    _require_numeric(df, lhs)
    return lhs, rhs


def _tidy(res: Any, alpha: float, n: int) -> pd.DataFrame:
    ci = res.conf_int(alpha=alpha)
    ci = np.asarray(ci)
    names = list(res.model.exog_names)
    return pd.DataFrame(
        {
            "term": names,
            "estimate": np.asarray(res.params, dtype=float),
            "se": np.asarray(res.bse, dtype=float),
            "statistic": np.asarray(res.tvalues, dtype=float),
            "ci_low": ci[:, 0].astype(float),
            "ci_high": ci[:, 1].astype(float),
            "p_value": np.asarray(res.pvalues, dtype=float),
            "n": n,
        }
    )


def _fit_errors(exc: Exception, formula: str) -> ValueError:
    kind = type(exc).__name__
    return ValueError(f"model '{formula}' could not be fitted ({kind})")


def fit_ols(
    df: pd.DataFrame, formula: str, alpha: float = 0.05
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Ordinary least squares on complete cases, with a tidy coefficient table.

    Parameters
    ----------
    df : pandas.DataFrame
        Analysis data.
    formula : str
        Patsy formula, e.g. ``"satisfaction ~ severity_bl + C(site)"``.
    alpha : float, default 0.05
        Level for the ``1 - alpha`` confidence intervals.

    Returns
    -------
    tidy : pandas.DataFrame
        Columns ``term, estimate, se, statistic`` (t), ``ci_low, ci_high,
        p_value, n``.
    info : dict
        ``formula``, ``n`` (rows used), ``n_dropped`` (rows with a missing
        value in a model column), ``n_params``, ``rank``, ``aliased`` (terms
        a rank-deficient design does not identify), ``df_model``,
        ``df_resid``, ``r_squared``, ``adj_r_squared``, ``f_statistic``,
        ``f_p_value``, ``aic``, ``bic``, ``confidence``, ``note``.

    Raises
    ------
    ValueError
        If a formula column is missing, the outcome is not numeric, or the
        model cannot be fitted.
    """
    import statsmodels.formula.api as smf

    _check_formula(df, formula)
    try:
        res, msgs = _capture(lambda: smf.ols(formula, data=df, missing="drop").fit())
    except Exception as exc:  # patsy / linear-algebra failures
        raise _fit_errors(exc, formula) from None
    n = int(res.nobs)
    if n == 0:
        raise ValueError(f"model '{formula}': no complete cases")
    # statistics are computed lazily: warnings of a degenerate fit (a zero
    # residual variance divides by zero) are captured here too, not logged
    (tidy, info), more = _capture(_ols_summary, res, formula, alpha, n, len(df))
    info["note"] = _join_notes(
        [*msgs, *(m for m in more if m not in msgs)]
        + (["design matrix is rank deficient"] if res.model.rank < len(res.params) else [])
    )
    info["aliased"] = aliased_terms(res.model.exog, res.model.exog_names)
    return tidy, info


def _ols_summary(res: Any, formula: str, alpha: float, n: int, n_rows: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Tidy coefficients and fit statistics of a fitted OLS (``note`` left empty)."""
    tidy = _tidy(res, alpha, n)
    info = {
        "formula": formula,
        "n": n,
        "n_dropped": int(n_rows - n),
        "n_params": int(len(res.params)),
        "rank": int(res.model.rank),
        "df_model": float(res.df_model),
        "df_resid": float(res.df_resid),
        "r_squared": float(res.rsquared),
        "adj_r_squared": float(res.rsquared_adj),
        "f_statistic": float(res.fvalue) if res.df_model > 0 else math.nan,
        "f_p_value": float(res.f_pvalue) if res.df_model > 0 else math.nan,
        "aic": float(res.aic),
        "bic": float(res.bic),
        "confidence": 1 - alpha,
        "note": "",
    }
    return tidy, info


def _term(col: str, categorical: bool) -> str:
    base = col if col.isidentifier() and not keyword.iskeyword(col) else f"Q({col!r})"
    return f"C({base})" if categorical else base


def _check_ancova_args(
    df: pd.DataFrame,
    cols: Sequence[str],
    exposure: str,
    covariates: Sequence[str],
    categorical: Sequence[str],
) -> None:
    """Argument checks of :func:`fit_ancova`; raise ValueError on the first failure.

    ``cols`` are the outcome, baseline, exposure and covariate columns.
    """
    _require_columns(df, cols)
    for c in categorical:
        if c not in (exposure, *covariates):
            raise ValueError(
                f"categorical column '{c}' is not the exposure or a covariate"
            )
    _require_numeric(df, [c for c in cols if c not in categorical])
    if len(set(cols)) != len(cols):
        raise ValueError(
            "outcome, baseline, exposure and covariates must be distinct columns"
        )


def _ancova_formulas(
    outcome_fu: str,
    outcome_bl: str,
    exposure: str,
    covariates: Sequence[str],
    categorical: Sequence[str],
) -> tuple[str, str, str]:
    """Formulas of the ANCOVA with and without the exposure.

    Returns
    -------
    tuple of str
        The full formula ``fu ~ bl + exposure + covariates``, the reduced one
        without the exposure, and the exposure's term.
    """
    exp_term = _term(exposure, exposure in categorical)
    rhs_rest = [_term(outcome_bl, False)] + [
        _term(c, c in categorical) for c in covariates
    ]
    formula = f"{_term(outcome_fu, False)} ~ " + " + ".join(
        [rhs_rest[0], exp_term, *rhs_rest[1:]]
    )
    reduced = f"{_term(outcome_fu, False)} ~ " + " + ".join(rhs_rest)
    return formula, reduced, exp_term


def _exposure_test(
    data: pd.DataFrame,
    formula: str,
    reduced: str,
    exposure: str,
    exp_term: str,
    tidy: pd.DataFrame,
) -> dict[str, Any]:
    """F test of the exposure, comparing the full and the reduced model.

    Parameters
    ----------
    data : pandas.DataFrame
        Complete cases on the model columns.
    formula, reduced : str
        Formulas with and without the exposure (:func:`_ancova_formulas`).
    exposure, exp_term : str
        Exposure column and its term in ``formula``.
    tidy : pandas.DataFrame
        Coefficients of the full model (:func:`fit_ols`).

    Returns
    -------
    dict
        ``exposure`` to ``exposure_t_squared`` as in :func:`fit_ancova`.
    """
    import statsmodels.formula.api as smf

    try:
        full, _ = _capture(lambda: smf.ols(formula, data=data).fit())
        red, _ = _capture(lambda: smf.ols(reduced, data=data).fit())
    except Exception as exc:
        raise _fit_errors(exc, formula) from None
    (f_val, p_val, df_diff), _ = _capture(full.compare_f_test, red)
    out: dict[str, Any] = {
        "exposure": exposure,
        "exposure_levels": int(data[exposure].nunique()),
        "exposure_F": float(f_val),
        "exposure_df1": float(df_diff),
        "exposure_df2": float(full.df_resid),
        "exposure_p": float(p_val),
        "exposure_t": math.nan,
        "exposure_t_squared": math.nan,
    }
    exp_rows = [
        t for t in tidy["term"] if t == exp_term or t.startswith(exp_term + "[")
    ]
    if len(exp_rows) == 1 and df_diff == 1:
        t_val = float(tidy.loc[tidy["term"] == exp_rows[0], "statistic"].iloc[0])
        out["exposure_t"] = t_val
        out["exposure_t_squared"] = t_val**2
    return out


def _pingouin_data(
    data: pd.DataFrame, covariates: Sequence[str], categorical: Sequence[str]
) -> tuple[pd.DataFrame, list[str]]:
    """The data with numeric covariates for :func:`pingouin.ancova`.

    pingouin takes numeric covariates only: categorical covariates enter as
    0/1 indicator columns (first level as reference), which spans the same
    model as C(x) in the formula.

    Returns
    -------
    data : pandas.DataFrame
        A copy of ``data`` with the indicator columns appended.
    covars : list of str
        The covariate columns to give pingouin.
    """
    data = data.copy()
    pg_covars: list[str] = []
    for c in covariates:
        if c in categorical:
            dummies = pd.get_dummies(data[c].astype(str), prefix=f"_pg_{c}", drop_first=True, dtype=float)
            data = pd.concat([data, dummies], axis=1)
            pg_covars += list(dummies.columns)
        else:
            pg_covars.append(c)
    return data, pg_covars


def _pingouin_check(
    data: pd.DataFrame,
    outcome_fu: str,
    outcome_bl: str,
    exposure: str,
    covariates: Sequence[str],
    categorical: Sequence[str],
    test: dict[str, Any],
) -> dict[str, Any]:
    """Cross-check of the exposure F test with :func:`pingouin.ancova`.

    ``data`` are the complete cases, ``test`` our exposure test
    (:func:`_exposure_test`); the other arguments are as in
    :func:`fit_ancova`. Returns the ``pingouin_*`` and ``abs_diff_*`` entries
    of its info: NaN, with the reason in ``pingouin_note``, when the check is
    not applicable or fails.
    """
    data, pg_covars = _pingouin_data(data, covariates, categorical)
    levels = test["exposure_levels"]
    applicable = levels == 2 or (exposure in categorical and levels >= 2)
    out: dict[str, Any] = {
        "pingouin_applicable": applicable,
        "pingouin_F": math.nan,
        "pingouin_p": math.nan,
        "abs_diff_F": math.nan,
        "abs_diff_p": math.nan,
        "pingouin_note": "",
    }
    if not applicable:
        out["pingouin_note"] = "not applicable: pingouin needs a grouping exposure"
        return out
    import pingouin as pg

    try:
        aov, msgs = _capture(
            pg.ancova,
            data=data,
            dv=outcome_fu,
            between=exposure,
            covar=[outcome_bl, *pg_covars],
        )
    except Exception as exc:
        out["pingouin_note"] = f"pingouin failed ({type(exc).__name__})"
        return out
    p_col = "p_unc" if "p_unc" in aov.columns else "p-unc"
    row = aov.loc[aov["Source"] == exposure]
    if row.empty:
        out["pingouin_note"] = "pingouin returned no row for the exposure"
        return out
    pf, pp = float(row["F"].iloc[0]), float(row[p_col].iloc[0])
    out.update(
        pingouin_F=pf,
        pingouin_p=pp,
        abs_diff_F=abs(pf - test["exposure_F"]),
        abs_diff_p=abs(pp - test["exposure_p"]),
        pingouin_note=_join_notes(
            m for m in msgs if "Pandas4Warning" not in m and "FutureWarning" not in m
        ),
    )
    return out


def fit_ancova(
    df: pd.DataFrame,
    outcome_fu: str,
    outcome_bl: str,
    exposure: str,
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    alpha: float = 0.05,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """ANCOVA of a follow-up score on its baseline and an exposure.

    Fits ``fu ~ bl + exposure + covariates`` by OLS on complete cases (names
    listed in ``categorical`` enter as ``C(name)``) and tests the exposure
    with an F test comparing the model with and without it (for a model
    without interactions this equals the type II test). When the exposure has
    two levels the F statistic equals the square of the exposure t.

    Cross-check: when every covariate is numeric and the exposure is either
    categorical or has exactly two levels, :func:`pingouin.ancova` is run on
    the same rows with the exposure as ``between`` and the baseline and the
    covariates as ``covar``; its exposure F and p are recorded with their
    absolute differences from ours.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per participant.
    outcome_fu, outcome_bl : str
        Numeric follow-up and baseline columns of the outcome.
    exposure : str
        Exposure column (numeric, or listed in ``categorical``).
    covariates : sequence of str, optional
        Further adjustment columns.
    categorical : sequence of str, optional
        Which of ``exposure`` and ``covariates`` are categorical.
    alpha : float, default 0.05
        Level for the confidence intervals.

    Returns
    -------
    tidy : pandas.DataFrame
        As :func:`fit_ols`.
    info : dict
        :func:`fit_ols` info plus ``exposure``, ``exposure_levels``,
        ``exposure_F``, ``exposure_df1``, ``exposure_df2``, ``exposure_p``,
        ``exposure_t`` and ``exposure_t_squared`` (NaN unless the exposure
        has one degree of freedom), ``pingouin_applicable``, ``pingouin_F``,
        ``pingouin_p``, ``abs_diff_F``, ``abs_diff_p`` and ``pingouin_note``.

    Raises
    ------
    ValueError
        If a column is missing or a non-categorical column is not numeric, a
        name in ``categorical`` is not a model column, or there are no
        complete cases.
    """
    covariates = list(covariates)
    categorical = list(categorical)
    cols = [outcome_fu, outcome_bl, exposure, *covariates]
    _check_ancova_args(df, cols, exposure, covariates, categorical)
    data = df[cols].dropna()
    n = len(data)
    if n == 0:
        raise ValueError(f"ANCOVA of '{outcome_fu}': no complete cases")
    formula, reduced, exp_term = _ancova_formulas(
        outcome_fu, outcome_bl, exposure, covariates, categorical
    )
    tidy, info = fit_ols(data, formula, alpha=alpha)
    info["n_dropped"] = int(len(df) - n)
    test = _exposure_test(data, formula, reduced, exposure, exp_term, tidy)
    info.update(test)
    info.update(
        _pingouin_check(
            data, outcome_fu, outcome_bl, exposure, covariates, categorical, test
        )
    )
    return tidy, info


def fit_logit(
    df: pd.DataFrame, formula: str, alpha: float = 0.05, maxiter: int = 100
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Logistic regression by maximum likelihood, with Wald odds ratios.

    Parameters
    ----------
    df : pandas.DataFrame
        Analysis data.
    formula : str
        Patsy formula whose left side is a single column coded 0/1.
    alpha : float, default 0.05
        Level for the Wald ``1 - alpha`` intervals.
    maxiter : int, default 100
        Maximum Newton iterations.

    Returns
    -------
    tidy : pandas.DataFrame
        Columns ``term, estimate`` (log odds), ``se, statistic`` (z),
        ``ci_low, ci_high, p_value, odds_ratio, or_ci_low, or_ci_high, n``.
    info : dict
        ``formula``, ``n``, ``n_dropped``, ``events`` (outcome = 1),
        ``non_events``, ``converged``, ``iterations``, ``llf``, ``llnull``,
        ``pseudo_r2`` (McFadden), ``llr_p``, ``confidence``, ``note``
        (captured warnings, e.g. about separation).

    Raises
    ------
    ValueError
        If a column is missing, the outcome is not a single numeric column
        holding only 0 and 1, or the model cannot be fitted.
    """
    import statsmodels.formula.api as smf

    lhs, _ = _check_formula(df, formula)
    outcome = formula.split("~", 1)[0].strip()
    if len(lhs) != 1 or outcome not in (lhs[0], f"Q({lhs[0]!r})", f'Q("{lhs[0]}")'):
        raise ValueError(
            "logistic model: the left side of the formula must be a single outcome column"
        )
    y = df[lhs[0]].to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isnan(y) & (y != 0) & (y != 1)
    if bad.any():
        raise ValueError(
            f"column '{lhs[0]}' must be coded 0/1; {_positions(bad)} are not"
        )
    try:
        res, msgs = _capture(
            lambda: smf.logit(formula, data=df, missing="drop").fit(
                disp=0, maxiter=maxiter, method="newton"
            )
        )
    except Exception as exc:
        raise _fit_errors(exc, formula) from None
    n = int(res.nobs)
    tidy = _tidy(res, alpha, n)
    with np.errstate(over="ignore"):  # separated fits give huge log odds -> inf
        tidy.insert(7, "odds_ratio", np.exp(tidy["estimate"].to_numpy()))
        tidy.insert(8, "or_ci_low", np.exp(tidy["ci_low"].to_numpy()))
        tidy.insert(9, "or_ci_high", np.exp(tidy["ci_high"].to_numpy()))
    events = int(np.asarray(res.model.endog).sum())
    info = {
        "formula": formula,
        "n": n,
        "n_dropped": int(len(df) - n),
        "events": events,
        "non_events": n - events,
        "converged": bool(res.mle_retvals.get("converged", False)),
        "iterations": int(res.mle_retvals.get("iterations", -1)),
        "llf": float(res.llf),
        "llnull": float(res.llnull),
        "pseudo_r2": float(res.prsquared),
        "llr_p": float(res.llr_pvalue),
        "confidence": 1 - alpha,
        "note": _join_notes(msgs),
    }
    return tidy, info


def count_significant(
    results: pd.DataFrame, p_col: str = "p_value", alpha: float = 0.05
) -> dict[str, int]:
    """How many tests in a results table reach significance.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per test.
    p_col : str, default "p_value"
        Column holding p-values; missing p-values are not counted as tests.
    alpha : float, default 0.05
        A test is significant when ``p < alpha``.

    Returns
    -------
    dict
        ``n_tests`` (non-missing p-values), ``n_significant`` and
        ``n_missing``.

    Raises
    ------
    ValueError
        If ``p_col`` is missing or not numeric, or holds values outside [0, 1].
    """
    _require_numeric(results, [p_col])
    p = results[p_col].to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(p)
    if ((p[present] < 0) | (p[present] > 1)).any():
        raise ValueError(f"column '{p_col}' holds values outside [0, 1]")
    return {
        "n_tests": int(present.sum()),
        "n_significant": int((p[present] < alpha).sum()),
        "n_missing": int((~present).sum()),
    }
