"""Within-person change from baseline to follow-up, and service use over time.

:func:`paired_change` gives the paired t test (with the Wilcoxon signed-rank
test as sensitivity analysis) for a score; :func:`count_change` the Poisson
GEE rate ratio of a count with robust standard errors, and the exact
conditional binomial test.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats as st

from selfcare.analysis.checks import (
    _capture,
    _join_notes,
    _positions,
    _require_columns,
    _require_counts,
    _require_numeric,
)

__all__ = [
    "paired_change",
    "count_change",
]

# --------------------------------------------------------------------------
# within-person change
# --------------------------------------------------------------------------


def paired_change(
    df: pd.DataFrame,
    pre: str,
    post: str,
    alpha: float = 0.05,
    zero_method: str = "wilcox",
) -> dict[str, Any]:
    """Within-person change from ``pre`` to ``post`` (complete pairs only).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per participant.
    pre, post : str
        Numeric baseline and follow-up columns; change is ``post - pre``.
    alpha : float, default 0.05
        Two-sided level; the confidence interval is ``1 - alpha``.
    zero_method : {"wilcox", "pratt", "zsplit"}, default "wilcox"
        Handling of zero differences in :func:`scipy.stats.wilcoxon`
        ("wilcox" drops them).

    Returns
    -------
    dict
        ``n`` (complete pairs), ``n_excluded_missing``, ``mean_pre``,
        ``mean_post``, ``mean_change``, ``sd_change``, ``ci_low``/``ci_high``
        (t-based, on the mean change), ``t``, ``dof``, ``p_value`` (paired t),
        ``cohen_dz`` (mean change / SD of changes, equal to t / sqrt(n)),
        ``wilcoxon_statistic``, ``wilcoxon_p`` (no continuity correction,
        method "auto"), ``n_zero_differences``, ``confidence``, ``note``.
        Quantities that cannot be computed (fewer than two pairs, no variation
        in the differences) are NaN and ``note`` says why.

    Raises
    ------
    ValueError
        If a column is missing or not numeric, or ``alpha`` is not in (0, 1).
    """
    _require_numeric(df, [pre, post])
    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    x = df[pre].to_numpy(dtype=float, na_value=np.nan)
    y = df[post].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[keep], y[keep]
    d = y - x
    n = int(d.size)
    out: dict[str, Any] = {
        "n": n,
        "n_excluded_missing": int((~keep).sum()),
        "mean_pre": float(x.mean()) if n else math.nan,
        "mean_post": float(y.mean()) if n else math.nan,
        "mean_change": float(d.mean()) if n else math.nan,
        "sd_change": float(d.std(ddof=1)) if n > 1 else math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "t": math.nan,
        "dof": n - 1 if n > 1 else math.nan,
        "p_value": math.nan,
        "cohen_dz": math.nan,
        "wilcoxon_statistic": math.nan,
        "wilcoxon_p": math.nan,
        "n_zero_differences": int((d == 0).sum()),
        "confidence": 1 - alpha,
        "note": "",
    }
    notes: list[str] = []
    if n < 2:
        out["note"] = "fewer than two complete pairs"
        return out
    if out["sd_change"] == 0:
        notes.append("all differences are equal; t test undefined")
        out["ci_low"] = out["ci_high"] = out["mean_change"]
    else:
        res, msgs = _capture(st.ttest_rel, y, x)
        ci = res.confidence_interval(confidence_level=1 - alpha)
        out.update(
            t=float(res.statistic),
            p_value=float(res.pvalue),
            ci_low=float(ci.low),
            ci_high=float(ci.high),
            cohen_dz=out["mean_change"] / out["sd_change"],
        )
        notes.extend(msgs)
    if np.all(d == 0) and zero_method == "wilcox":
        notes.append("all differences are zero; Wilcoxon test undefined")
    else:
        try:
            wres, msgs = _capture(
                st.wilcoxon, d, zero_method=zero_method, correction=False, method="auto"
            )
            out["wilcoxon_statistic"] = float(wres.statistic)
            out["wilcoxon_p"] = float(wres.pvalue)
            notes.extend(msgs)
        except ValueError as exc:  # e.g. an unknown zero_method
            raise ValueError(f"Wilcoxon test on '{post}' - '{pre}': {exc}") from None
    out["note"] = _join_notes(notes)
    return out


def _check_count_args(
    df: pd.DataFrame, pre: str, post: str, id_col: str, alpha: float
) -> None:
    """Argument checks of :func:`count_change`; raise ValueError on the first failure."""
    _require_columns(df, [id_col])
    _require_numeric(df, [pre, post])
    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    _require_counts(df, pre)
    _require_counts(df, post)
    ids = df[id_col]
    if ids.isna().any():
        raise ValueError(
            f"column '{id_col}' has missing ids: {_positions(ids.isna().to_numpy())}"
        )
    if ids.duplicated().any():
        raise ValueError(
            f"column '{id_col}' has repeated ids: {_positions(ids.duplicated().to_numpy())}"
        )


def _count_result(
    x: np.ndarray, y: np.ndarray, n_excluded: int, alpha: float
) -> dict[str, Any]:
    """The result dict of :func:`count_change` with the totals filled in.

    Model and exact-test quantities are NaN until computed.
    """
    n = int(x.size)
    total_pre, total_post = int(x.sum()), int(y.sum())
    nan = math.nan
    return {
        "n_persons": n,
        "n_excluded_missing": n_excluded,
        "n_unchanged": int((x == y).sum()),
        "total_pre": total_pre,
        "total_post": total_post,
        "ratio_of_sums": total_post / total_pre if total_pre > 0 else nan,
        "beta": nan,
        "se_beta": nan,
        "rate_ratio": nan,
        "rr_ci_low": nan,
        "rr_ci_high": nan,
        "p_value": nan,
        "pct_change": nan,
        "pct_reduction": nan,
        "pct_reduction_ci_low": nan,
        "pct_reduction_ci_high": nan,
        "working_correlation": nan,
        "exact_p_value": nan,
        "exact_rr_ci_low": nan,
        "exact_rr_ci_high": nan,
        "confidence": 1 - alpha,
        "method": "GEE Poisson, exchangeable working correlation, robust SE; "
        "exact conditional binomial test",
        "note": "",
    }


def _exact_rate_test(total_pre: int, total_post: int, alpha: float) -> dict[str, float]:
    """Exact conditional test for equal rates (``total_pre + total_post > 0``).

    Returns
    -------
    dict
        ``exact_p_value`` (binomial test of ``total_post`` out of the total,
        probability 0.5), ``exact_rr_ci_low`` and ``exact_rr_ci_high`` (the
        Clopper-Pearson interval mapped through ``p / (1 - p)``).
    """
    total = total_pre + total_post
    bt = st.binomtest(total_post, total, 0.5)
    ci = bt.proportion_ci(confidence_level=1 - alpha, method="exact")
    return {
        "exact_p_value": float(bt.pvalue),
        "exact_rr_ci_low": float(ci.low / (1 - ci.low)) if ci.low < 1 else math.inf,
        "exact_rr_ci_high": (
            float(ci.high / (1 - ci.high)) if ci.high < 1 else math.inf
        ),
    }


def _not_fitted_note(n: int, total_pre: int, total_post: int) -> str:
    """Why the rate-ratio model cannot be fitted, or "" when it can."""
    if n < 2:
        return "fewer than two complete pairs; model not fitted"
    if total_pre == 0 and total_post == 0:
        return "all counts are zero; rate ratio undefined"
    if total_pre == 0:
        return "all pre-period counts are zero; rate ratio undefined"
    if total_post == 0:
        return "all post-period counts are zero; rate ratio is zero and the model is not fitted"
    return ""


def _gee_rate_ratio(
    x: np.ndarray, y: np.ndarray, alpha: float
) -> tuple[dict[str, float], list[str]]:
    """Poisson GEE of the counts on period, with robust standard errors.

    Parameters
    ----------
    x, y : numpy.ndarray
        Pre and post counts of the complete pairs (at least two, both totals
        positive).
    alpha : float
        Two-sided level for the intervals.

    Returns
    -------
    fit : dict
        ``beta`` to ``working_correlation`` as in :func:`count_change`.
    notes : list of str
        Warnings captured during the fit.
    """
    import statsmodels.api as sm

    n = int(x.size)
    endog = np.column_stack(
        [x, y]
    ).ravel()  # person-major: pre, post, pre, post, ...
    period = np.tile([0.0, 1.0], n)
    groups = np.repeat(np.arange(n), 2)
    exog = np.column_stack([np.ones(2 * n), period])
    model = sm.GEE(
        endog,
        exog,
        groups=groups,
        family=sm.families.Poisson(),
        cov_struct=sm.cov_struct.Exchangeable(),
    )
    res, msgs = _capture(model.fit)
    beta = float(res.params[1])
    se = float(res.bse[1])
    z = st.norm.ppf(1 - alpha / 2)
    rr, lo, hi = math.exp(beta), math.exp(beta - z * se), math.exp(beta + z * se)
    fit = {
        "beta": beta,
        "se_beta": se,
        "rate_ratio": rr,
        "rr_ci_low": lo,
        "rr_ci_high": hi,
        "p_value": float(2 * st.norm.sf(abs(beta / se))) if se > 0 else math.nan,
        "pct_change": (rr - 1) * 100,
        "pct_reduction": (1 - rr) * 100,
        "pct_reduction_ci_low": (1 - hi) * 100,
        "pct_reduction_ci_high": (1 - lo) * 100,
        "working_correlation": float(
            np.asarray(model.cov_struct.dep_params).ravel()[0]
        ),
    }
    return fit, msgs


def count_change(
    df: pd.DataFrame, pre: str, post: str, id_col: str, alpha: float = 0.05
) -> dict[str, Any]:
    """Change in service-use counts over two equal-length windows.

    The data are put in long format (two rows per person, ``period`` 0 = pre,
    1 = post) and a Poisson GEE with an exchangeable working correlation and
    robust (sandwich) standard errors is fitted with period as the only
    covariate. Every complete pair enters, including people with equal or
    zero counts in both windows (a conditional Poisson model would drop them).
    With this design the rate ratio equals total post / total pre.

    As a sensitivity analysis, the exact conditional test for equal rates is
    the binomial test of ``total_post`` successes out of ``total_pre +
    total_post`` with probability 0.5; its rate-ratio interval maps the
    Clopper-Pearson interval of that proportion through ``p / (1 - p)``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per participant.
    pre, post : str
        Non-negative whole-number count columns over windows of equal length.
    id_col : str
        Participant identifier (must be unique and present).
    alpha : float, default 0.05
        Two-sided level for intervals.

    Returns
    -------
    dict
        ``n_persons``, ``n_excluded_missing``, ``n_unchanged`` (equal counts),
        ``total_pre``, ``total_post``, ``ratio_of_sums``, ``beta`` and
        ``se_beta`` (log rate ratio and robust SE), ``rate_ratio``,
        ``rr_ci_low``, ``rr_ci_high``, ``p_value`` (Wald, robust),
        ``pct_change`` ((RR - 1) x 100), ``pct_reduction`` ((1 - RR) x 100),
        ``pct_reduction_ci_low``, ``pct_reduction_ci_high`` (from the upper and
        lower RR bounds), ``working_correlation``, ``exact_p_value``,
        ``exact_rr_ci_low``, ``exact_rr_ci_high``, ``confidence``, ``method``
        and ``note``. When a total is zero (or fewer than two pairs) the model
        quantities are NaN and ``note`` explains.

    Raises
    ------
    ValueError
        If a column is missing, a count column is not numeric or holds
        negative or fractional values, ids are missing or repeated, or
        ``alpha`` is not in (0, 1).
    """
    _check_count_args(df, pre, post, id_col, alpha)
    x = df[pre].to_numpy(dtype=float, na_value=np.nan)
    y = df[post].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[keep], y[keep]
    out = _count_result(x, y, int((~keep).sum()), alpha)
    total_pre, total_post = out["total_pre"], out["total_post"]
    notes: list[str] = []
    # exact conditional sensitivity analysis
    if total_pre + total_post > 0:
        out.update(_exact_rate_test(total_pre, total_post, alpha))
    reason = _not_fitted_note(int(x.size), total_pre, total_post)
    if reason:
        notes.append(reason)
    else:
        fit, msgs = _gee_rate_ratio(x, y, alpha)
        notes.extend(msgs)
        out.update(fit)
    out["note"] = _join_notes(notes)
    return out
