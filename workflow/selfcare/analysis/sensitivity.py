"""Sensitivity analyses reported beside the main models.

* :func:`baseline_exposure`: the ANCOVA exposure measured at baseline. The
  main ANCOVA takes medication choice at follow-up, the time point of the
  outcome, so the exposure may itself respond to the outcome; the baseline
  item precedes it.
* :func:`fit_logit_sensitivity`: the logistic model by maximum likelihood
  with profile-likelihood intervals and likelihood-ratio p-values, and by
  Firth's penalised likelihood (Firth 1993) with profile penalised-likelihood
  intervals and penalised likelihood-ratio p-values, as R's ``logistf``
  reports them (Heinze and Schemper 2002). Both come from the maintained
  library ``firthmodels`` (penalty weight 0 gives the unpenalised
  likelihood), not from code of our own.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from selfcare.analysis.checks import _capture, _join_notes, _require_columns
from selfcare.analysis.models import _check_formula

__all__ = [
    "baseline_exposure",
    "fit_logit_sensitivity",
    "LOGIT_METHODS",
]

#: Labels of the logistic fits, in table order (the first is the headline).
LOGIT_METHODS = {
    "wald": "Maximum likelihood, Wald interval",
    "profile": "Maximum likelihood, profile-likelihood interval",
    "firth": "Firth penalised likelihood, profile penalised-likelihood interval",
}


def baseline_exposure(ds: pd.DataFrame, column: str, level: str) -> pd.Series:
    """0/1 exposure from a categorical column: 1 where it equals ``level``.

    Missing stays missing (NaN), so that the model drops the row.
    """
    _require_columns(ds, [column])
    status = ds[column]
    return pd.Series(
        np.where(status.isna(), np.nan, (status.astype(object) == level).astype(float)),
        index=ds.index,
        name=f"{column}_exposure",
    )


def _firth_fit(x: np.ndarray, y: np.ndarray, penalty: float, alpha: float) -> tuple[Any, list[str]]:
    """One fit of :class:`firthmodels.FirthLogisticRegression` with its
    profile intervals and likelihood-ratio tests computed (tight tolerances,
    NumPy backend, so the same data give the same numbers)."""
    from firthmodels import FirthLogisticRegression

    model = FirthLogisticRegression(
        backend="numpy", max_iter=200, gtol=1e-9, xtol=1e-10, fit_intercept=False, penalty_weight=penalty
    )

    def run() -> Any:
        model.fit(x, y)
        model.lrt(warm_start=False)
        model.conf_int(alpha=alpha, method="pl", max_iter=200, tol=1e-8)
        return model

    return _capture(run)


def fit_logit_sensitivity(df: pd.DataFrame, formula: str, alpha: float = 0.05) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The logistic model three ways: ML with Wald and with profile intervals, and Firth.

    Rows are taken as :func:`selfcare.analysis.models.fit_logit` takes them
    (complete cases on the formula's columns).

    Parameters
    ----------
    df : pandas.DataFrame
        Analysis data.
    formula : str
        Patsy formula with a single 0/1 outcome on the left.
    alpha : float, default 0.05
        Level of the ``1 - alpha`` intervals.

    Returns
    -------
    tidy : pandas.DataFrame
        One row per term and method (``wald``, ``profile``, ``firth``):
        ``term, method, method_label, estimate`` (log odds), ``ci_low,
        ci_high, p_value`` (Wald z test; likelihood-ratio test for
        ``profile``; penalised likelihood-ratio test for ``firth``),
        ``odds_ratio, or_ci_low, or_ci_high, n, converged``.
    info : dict
        ``formula``, ``n``, ``note`` (captured warnings).

    Raises
    ------
    ValueError
        If a formula column is missing or the outcome is not numeric.
    """
    import patsy
    import scipy.stats as st

    _check_formula(df, formula)
    y_df, x_df = patsy.dmatrices(formula, df, return_type="dataframe", NA_action="drop")
    y = y_df.iloc[:, 0].to_numpy(dtype=float)
    x = x_df.to_numpy(dtype=float)
    terms = list(x_df.columns)
    notes: list[str] = []
    rows = []
    ml, msgs = _firth_fit(x, y, 0.0, alpha)
    notes += msgs
    z = st.norm.ppf(1 - alpha / 2)
    wald_ci = np.column_stack([ml.coef_ - z * ml.bse_, ml.coef_ + z * ml.bse_])
    fits = {
        "wald": (ml.coef_, wald_ci, ml.pvalues_, ml.converged_),
        "profile": (ml.coef_, ml.conf_int(alpha=alpha, method="pl", max_iter=200, tol=1e-8), ml.lrt_pvalues_,
                    ml.converged_),
    }
    firth, msgs = _firth_fit(x, y, 0.5, alpha)
    notes += msgs
    fits["firth"] = (firth.coef_, firth.conf_int(alpha=alpha, method="pl", max_iter=200, tol=1e-8),
                     firth.lrt_pvalues_, firth.converged_)
    for method, (coef, ci, p, converged) in fits.items():
        for j, term in enumerate(terms):
            rows.append({
                "term": term, "method": method, "method_label": LOGIT_METHODS[method],
                "estimate": float(coef[j]), "ci_low": float(ci[j, 0]), "ci_high": float(ci[j, 1]),
                "p_value": float(p[j]), "n": int(len(y)), "converged": bool(converged),
            })
    tidy = pd.DataFrame(rows)
    with np.errstate(over="ignore"):
        for src, dst in (("estimate", "odds_ratio"), ("ci_low", "or_ci_low"), ("ci_high", "or_ci_high")):
            tidy[dst] = np.where(np.isnan(tidy[src].to_numpy(dtype=float)), math.nan,
                                 np.exp(tidy[src].to_numpy(dtype=float)))
    return tidy, {"formula": formula, "n": int(len(y)), "note": _join_notes(notes)}
