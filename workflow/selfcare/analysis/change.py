"""Within-person change from baseline to follow-up, and service use over time.

:func:`paired_change` gives the paired t test (with the Wilcoxon signed-rank
test, ties recognised, as sensitivity analysis) for a score; :func:`count_change`
the rate ratio of a service-use count: a Poisson GEE clustered by person with
the Mancl-DeRouen bias-reduced sandwich covariance, the exact conditional
binomial test for event counts (never for durations such as inpatient nights,
whose units are not independent events) and, where events are sparse, the
exact result in place of the GEE's.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

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
    tie_decimals: int = 9,
) -> dict[str, Any]:
    """Within-person change from ``pre`` to ``post`` (complete pairs only).

    Scores that are means (or prorated sums) of items carry floating-point
    noise: two differences equal in exact arithmetic, such as 1/3 computed
    from two different pairs of item means, can differ in the last bits
    (0.33333333333333304 against 0.3333333333333335). The signed-rank test
    would then rank them as different values instead of as ties. The paired
    differences are therefore rounded to ``tie_decimals`` decimal places
    before ranking (and before counting zero differences); item scores have
    small denominators, so no two differences that differ in exact
    arithmetic are merged by this rounding.

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
    tie_decimals : int, default 9
        Decimal places the differences are rounded to before the Wilcoxon
        test ranks them (the tie tolerance).

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
    if isinstance(tie_decimals, bool) or not isinstance(tie_decimals, (int, np.integer)) or tie_decimals < 0:
        raise ValueError("tie_decimals must be a whole number >= 0")
    x = df[pre].to_numpy(dtype=float, na_value=np.nan)
    y = df[post].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[keep], y[keep]
    d = y - x
    d_ranked = np.round(d, int(tie_decimals))  # equal in exact arithmetic -> equal here
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
        "n_zero_differences": int((d_ranked == 0).sum()),
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
    if np.all(d_ranked == 0) and zero_method == "wilcox":
        notes.append("all differences are zero; Wilcoxon test undefined")
    else:
        try:
            wres, msgs = _capture(
                st.wilcoxon, d_ranked, zero_method=zero_method, correction=False, method="auto"
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


COUNT_KINDS = ("events", "duration")
#: Defaults of the sparse-events rule (config ``analysis.service_use_sparse``).
DEFAULT_SPARSE = {"min_total": 20, "min_people": 10}


def _count_result(
    x: np.ndarray, y: np.ndarray, n_excluded: int, alpha: float, kind: str
) -> dict[str, Any]:
    """The result dict of :func:`count_change` with the totals filled in.

    Model and test quantities are NaN until computed.
    """
    n = int(x.size)
    total_pre, total_post = int(x.sum()), int(y.sum())
    nan = math.nan
    out: dict[str, Any] = {
        "kind": kind,
        "n_persons": n,
        "n_excluded_missing": n_excluded,
        "n_unchanged": int((x == y).sum()),
        "n_people_with_events": int(((x > 0) | (y > 0)).sum()),
        "total_pre": total_pre,
        "total_post": total_post,
        "ratio_of_sums": total_post / total_pre if total_pre > 0 else nan,
        "sparse": False,
        "headline": "none",
    }
    for key in ("beta", "se_beta", "rate_ratio", "rr_ci_low", "rr_ci_high", "p_value", "pct_change",
                "pct_reduction", "pct_reduction_ci_low", "pct_reduction_ci_high", "working_correlation",
                "gee_rate_ratio", "gee_rr_ci_low", "gee_rr_ci_high", "gee_p_value",
                "exact_p_value", "exact_rr_ci_low", "exact_rr_ci_high", "signed_rank_p_value"):
        out[key] = nan
    out.update({"confidence": 1 - alpha, "method": "", "note": ""})
    return out


def _exact_rate_test(total_pre: int, total_post: int, alpha: float) -> dict[str, float]:
    """Exact conditional test for equal rates (``total_pre + total_post > 0``).

    Valid for counts of independent events only: given the sum of both
    totals, the follow-up total is binomial with probability 1/2 under equal
    rates.

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
        return "all post-period counts are zero; the model is not fitted"
    return ""


def _gee_rate_ratio(
    x: np.ndarray, y: np.ndarray, alpha: float
) -> tuple[dict[str, float], list[str]]:
    """Poisson GEE of the counts on period, clustered by person.

    The covariance is the Mancl-DeRouen bias-reduced sandwich
    (statsmodels ``cov_type="bias_reduced"``): with about thirty clusters per
    site the uncorrected sandwich underestimates the variance.

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
        ``beta``, ``se_beta``, ``working_correlation`` and the ``gee_*``
        rate ratio, interval and Wald p-value (NaN when the standard error is
        not positive and finite).
    notes : list of str
        Warnings captured during the fit.
    """
    import statsmodels.api as sm

    n = int(x.size)
    endog = np.column_stack([x, y]).ravel()  # person-major: pre, post, pre, post, ...
    period = np.tile([0.0, 1.0], n)
    groups = np.repeat(np.arange(n), 2)
    exog = np.column_stack([np.ones(2 * n), period])
    model = sm.GEE(endog, exog, groups=groups, family=sm.families.Poisson(),
                   cov_struct=sm.cov_struct.Exchangeable())
    res, msgs = _capture(model.fit, cov_type="bias_reduced")
    beta = float(res.params[1])
    se = float(res.bse[1])
    z = st.norm.ppf(1 - alpha / 2)
    ok = math.isfinite(se) and se > 0
    fit = {
        "beta": beta,
        "se_beta": se,
        "gee_rate_ratio": math.exp(beta),
        "gee_rr_ci_low": math.exp(beta - z * se) if ok else math.nan,
        "gee_rr_ci_high": math.exp(beta + z * se) if ok else math.nan,
        "gee_p_value": float(2 * st.norm.sf(abs(beta / se))) if ok else math.nan,
        "working_correlation": float(np.asarray(model.cov_struct.dep_params).ravel()[0]),
    }
    return fit, msgs


def _signed_rank_p(x: np.ndarray, y: np.ndarray) -> float:
    """Wilcoxon signed-rank p of the per-person differences (one per cluster)."""
    d = y - x
    if not np.any(d != 0):
        return math.nan
    return float(st.wilcoxon(d, zero_method="wilcox", correction=False, method="auto").pvalue)


def _is_sparse(out: Mapping[str, Any], rule: Mapping[str, Any]) -> bool:
    """The sparse-events rule: too few events, or too few people with any."""
    total = out["total_pre"] + out["total_post"]
    return total < int(rule["min_total"]) or out["n_people_with_events"] < int(rule["min_people"])


def _choose_headline(out: dict[str, Any], alpha: float) -> list[str]:
    """Fill the headline rate ratio, interval and p; return notes (flags).

    Events: the GEE, unless the counts are sparse or its interval is
    degenerate, when the exact conditional result is reported instead.
    Durations: the GEE, unless sparse or degenerate, when the interval is
    not estimable and the p-value is the per-person signed-rank test.
    """
    notes: list[str] = []
    gee_ok = math.isfinite(out["gee_rr_ci_low"]) and out["gee_rr_ci_high"] > out["gee_rr_ci_low"]
    if out["total_pre"] + out["total_post"] == 0:
        out["headline"] = "none"
        return ["not estimable: no events in either period"]
    if not out["sparse"] and gee_ok:
        out.update(headline="gee", rate_ratio=out["gee_rate_ratio"], rr_ci_low=out["gee_rr_ci_low"],
                   rr_ci_high=out["gee_rr_ci_high"], p_value=out["gee_p_value"])
    elif out["kind"] == "events":
        out.update(headline="exact", rate_ratio=out["ratio_of_sums"], rr_ci_low=out["exact_rr_ci_low"],
                   rr_ci_high=out["exact_rr_ci_high"], p_value=out["exact_p_value"])
        notes.append("sparse events: exact conditional interval and p reported" if out["sparse"]
                     else "GEE interval degenerate: exact conditional interval and p reported")
    else:
        out.update(headline="signed_rank", rate_ratio=out["ratio_of_sums"], p_value=out["signed_rank_p_value"])
        notes.append("sparse: interval not estimable (too few people with any use); "
                     "p from the signed-rank test of per-person differences")
    rr, lo, hi = out["rate_ratio"], out["rr_ci_low"], out["rr_ci_high"]
    out["pct_change"] = (rr - 1) * 100
    out["pct_reduction"] = (1 - rr) * 100
    out["pct_reduction_ci_low"] = (1 - hi) * 100
    out["pct_reduction_ci_high"] = (1 - lo) * 100
    return notes


_METHODS = {
    "gee": "Poisson GEE clustered by person, exchangeable working correlation, "
           "Mancl-DeRouen bias-reduced sandwich SE",
    "exact": "exact conditional binomial test (sparse events)",
    "signed_rank": "Wilcoxon signed-rank test of per-person differences (sparse durations)",
    "none": "not estimable",
}


def count_change(
    df: pd.DataFrame,
    pre: str,
    post: str,
    id_col: str,
    alpha: float = 0.05,
    kind: str = "events",
    sparse: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Change in service use over two equal-length windows.

    The data are put in long format (two rows per person, ``period`` 0 = pre,
    1 = post) and a Poisson GEE with an exchangeable working correlation,
    clustered by person, is fitted with period as the only covariate; its
    standard errors are the Mancl-DeRouen bias-reduced sandwich. Every
    complete pair enters, including people with equal or zero counts in both
    windows. With this design the rate ratio equals total post / total pre.

    ``kind`` says what the count measures. For ``"events"`` (attendances,
    admissions, contacts) the exact conditional test for equal rates (the
    binomial test of ``total_post`` out of ``total_pre + total_post``, with
    the Clopper-Pearson interval mapped through ``p / (1 - p)``) is computed
    as well. For ``"duration"`` (inpatient nights) it is not: nights come in
    blocks (one admission is many nights), so they are not independent
    events; the person-level Wilcoxon signed-rank test of the differences is
    computed instead, like the GEE one unit per person.

    Sparse rule: when the two totals add up to fewer than
    ``sparse["min_total"]`` or fewer than ``sparse["min_people"]`` people have
    any use, the sandwich is unreliable; for events the exact interval and p
    are then the headline result (flagged in ``note``), for durations the
    interval is not estimable and p is the signed-rank p. A degenerate GEE
    interval is never reported.

    Returns
    -------
    dict
        ``kind``, ``n_persons``, ``n_excluded_missing``, ``n_unchanged``,
        ``n_people_with_events``, ``total_pre``, ``total_post``,
        ``ratio_of_sums``, ``sparse``, ``headline`` (``gee``, ``exact``,
        ``signed_rank`` or ``none``), the headline ``rate_ratio``,
        ``rr_ci_low``, ``rr_ci_high``, ``p_value``, ``pct_change``,
        ``pct_reduction`` and its interval, the GEE's ``beta``, ``se_beta``,
        ``gee_rate_ratio``, ``gee_rr_ci_low``, ``gee_rr_ci_high``,
        ``gee_p_value``, ``working_correlation``, ``exact_p_value``,
        ``exact_rr_ci_low``, ``exact_rr_ci_high`` (events only),
        ``signed_rank_p_value`` (durations only), ``confidence``, ``method``
        and ``note``. Quantities that cannot be computed are NaN.

    Raises
    ------
    ValueError
        If a column is missing, a count column is not numeric or holds
        negative or fractional values, ids are missing or repeated,
        ``alpha`` is not in (0, 1) or ``kind`` is unknown.
    """
    if kind not in COUNT_KINDS:
        raise ValueError(f"kind must be one of {COUNT_KINDS}, not {kind!r}")
    rule = {**DEFAULT_SPARSE, **(sparse or {})}
    _check_count_args(df, pre, post, id_col, alpha)
    x = df[pre].to_numpy(dtype=float, na_value=np.nan)
    y = df[post].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[keep], y[keep]
    out = _count_result(x, y, int((~keep).sum()), alpha, kind)
    total_pre, total_post = out["total_pre"], out["total_post"]
    notes: list[str] = []
    if kind == "events" and total_pre + total_post > 0:
        out.update(_exact_rate_test(total_pre, total_post, alpha))
    if kind == "duration":
        out["signed_rank_p_value"] = _signed_rank_p(x, y)
    reason = _not_fitted_note(int(x.size), total_pre, total_post)
    if reason:
        notes.append(f"GEE: {reason}")
    else:
        fit, msgs = _gee_rate_ratio(x, y, alpha)
        notes.extend(msgs)
        out.update(fit)
    out["sparse"] = _is_sparse(out, rule)
    notes.extend(_choose_headline(out, alpha))
    out["method"] = _METHODS[out["headline"]]
    out["note"] = _join_notes(notes)
    return out
