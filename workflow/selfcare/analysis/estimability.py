"""Estimability guards: is a fitted number fit to be reported?

Before a number is reported its model is checked (thresholds in
``analysis.estimability`` of ``config/config.yaml``):

* enough observations for its parameters (``min_obs_per_param`` per
  parameter; a paired change has one parameter, a regression one per
  coefficient);
* finite, non-zero standard errors (a degenerate fit gives an interval of
  width zero or infinity);
* at least ``min_events`` events (counts, and each outcome of a logistic
  model) and some variation between the periods compared;
* at least ``min_clusters`` people (clusters) for a clustered count model;
* a design matrix of full column rank (:func:`aliased_terms`): a term whose
  coefficient is not identified (a covariate constant within the analysed
  subset, a site dummy of all zeros, collinear covariates) is "not estimable
  (design is rank deficient: <terms>)";
* for a logistic model, no separation (:func:`separated_terms`): when some
  combination of the terms predicts the outcome perfectly (complete) or
  perfectly on one side (quasi-complete), the maximum-likelihood estimate is
  infinite and its Wald test meaningless; ``analysis.engagement.separation``
  says whether Firth's penalised estimate, which stays finite, is reported
  instead (:mod:`selfcare.analysis.steps`).

A failed check replaces the estimate, its interval and its p-value by NaN
and records the reason (column ``not_estimable``); the report then shows
"not estimable (reason)", never a number. The estimators themselves are not
changed (the calibration test runs them as they are); the guards are applied
to their results by :mod:`selfcare.analysis.steps`.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_RULES",
    "estimability_rules",
    "paired_reason",
    "count_reason",
    "model_reasons",
    "guard_paired",
    "guard_count",
    "guard_tidy",
    "aliased_terms",
    "separated_terms",
    "term_words",
    "sensitivity_reasons",
    "p_reason",
]

#: Defaults of ``analysis.estimability``.
DEFAULT_RULES = {"min_obs_per_param": 3, "min_clusters": 10, "min_events": 1}

_PAIRED_FIELDS = ("mean_change", "ci_low", "ci_high", "t", "p_value", "cohen_dz", "wilcoxon_statistic", "wilcoxon_p")
_COUNT_FIELDS = ("rate_ratio", "rr_ci_low", "rr_ci_high", "p_value", "pct_change", "pct_reduction",
                 "pct_reduction_ci_low", "pct_reduction_ci_high")
_TIDY_FIELDS = ("estimate", "se", "statistic", "ci_low", "ci_high", "p_value", "odds_ratio", "or_ci_low", "or_ci_high")


def estimability_rules(analysis_cfg: Mapping[str, Any] | None) -> dict[str, int]:
    """The thresholds of ``analysis.estimability``, with the defaults filled in."""
    given = dict((analysis_cfg or {}).get("estimability", {}) or {})
    unknown = sorted(set(given) - set(DEFAULT_RULES))
    if unknown:
        raise ValueError(f"analysis.estimability: unknown key(s) {', '.join(unknown)}")
    return {k: int(given.get(k, v)) for k, v in DEFAULT_RULES.items()}


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


#: Plurals that do not add "s".
_IRREGULAR = {"person": "people"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {_IRREGULAR.get(word, word + 's')}"


def paired_reason(result: Mapping[str, Any], rules: Mapping[str, int]) -> str:
    """Why a paired change (:func:`~selfcare.analysis.change.paired_change`) is not estimable, or ""."""
    n = int(result["n"])
    need = max(2, int(rules["min_obs_per_param"]))
    if n < need:
        return f"{_plural(n, 'complete pair')}, fewer than {need}"
    sd = result.get("sd_change")
    if not _finite(sd) or float(sd) == 0:
        return "no variation in the paired differences"
    if not (_finite(result.get("ci_low")) and _finite(result.get("ci_high"))):
        return "interval not finite"
    return ""


def count_reason(result: Mapping[str, Any], rules: Mapping[str, int]) -> str:
    """Why a rate ratio (:func:`~selfcare.analysis.change.count_change`) is not estimable, or ""."""
    n = int(result["n_persons"])
    # every method counts events that cluster within people (the exact test
    # too assumes independent events), so every one needs the minimum of people
    if n < int(rules["min_clusters"]):
        return f"{_plural(n, 'person')} with both reports, fewer than {int(rules['min_clusters'])}"
    total = int(result["total_pre"]) + int(result["total_post"])
    if total < max(1, int(rules["min_events"])):
        return "no events in either period" if total == 0 else f"{_plural(total, 'event')}, fewer than {rules['min_events']}"
    if int(result.get("n_unchanged", 0)) == n:
        return "no variation between periods (every count unchanged)"
    if result.get("headline") == "none":
        return "no method applies"
    if not _finite(result.get("rate_ratio")):
        return "rate ratio not defined (no events before)" if int(result["total_pre"]) == 0 else "rate ratio not finite"
    if result.get("headline") == "gee" and (not _finite(result.get("se_beta")) or float(result["se_beta"]) <= 0):
        return "standard error not finite or zero"
    lo, hi = result.get("rr_ci_low"), result.get("rr_ci_high")
    if _finite(lo) and _finite(hi) and float(hi) - float(lo) <= 1e-9 * max(1.0, abs(float(hi))):
        return "interval of zero width"
    if result.get("headline") in ("gee", "exact") and not (_finite(lo) and _finite(hi)):
        return "interval not finite"
    return ""


def term_words(term: str) -> str:
    """A design column in words: ``C(site)[T.NO]`` -> ``site NO``; other names unchanged."""
    m = re.fullmatch(r"C\((?P<var>[^,)]+)[^)]*\)\[(?:T\.)?(?P<level>.+)\]", term)
    return f"{m.group('var')} {m.group('level')}" if m else term


def aliased_terms(x: np.ndarray, names: Sequence[str]) -> list[str]:
    """Terms whose coefficients the design does not identify (rank deficiency).

    A coefficient is estimable exactly when every vector of the design's
    null space is zero in its position (the estimable-function criterion of
    the linear model); the null space and the rank come from the singular
    value decomposition, with NumPy's ``matrix_rank`` tolerance. An all-zero
    dummy is aliased alone; a covariate constant in the subset is aliased
    with the intercept; collinear covariates with each other.

    Parameters
    ----------
    x : numpy.ndarray
        The design matrix (rows used by the fit).
    names : sequence of str
        Column names of ``x``.

    Returns
    -------
    list of str
        The aliased column names, in design order (empty for a full-rank design).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] == 0:
        return []
    scale = np.abs(x).max(axis=0)
    xs = x / np.where(scale > 0, scale, 1.0)  # column scale does not change which terms are aliased
    rank = int(np.linalg.matrix_rank(xs))
    if rank == x.shape[1]:
        return []
    _, _, vt = np.linalg.svd(xs, full_matrices=True)
    null = vt[rank:]
    return [str(n) for j, n in enumerate(names) if np.abs(null[:, j]).max() > 1e-8]


def separated_terms(x: np.ndarray, y: np.ndarray) -> list[int] | None:
    """Complete or quasi-complete separation of a logistic model, by linear programming.

    Konis's (2007) test, as R's ``detectseparation`` runs it: maximise
    ``sum_i s_i x_i'b`` subject to ``s_i x_i'b >= 0`` for every row and
    ``-1 <= b_j <= 1`` (``s_i = 2 y_i - 1``). The optimum is positive exactly
    when some direction never fits worse and fits some rows better, i.e.
    when the maximum-likelihood estimate is infinite; the non-zero components
    of the solution are the coefficients that diverge. Solved by SciPy's
    HiGHS solver (deterministic); the design must have full rank.

    Parameters
    ----------
    x : numpy.ndarray
        Design matrix (with its intercept column).
    y : numpy.ndarray
        The 0/1 outcome.

    Returns
    -------
    list of int or None
        ``None`` without separation, else the positions of the diverging
        coefficients.
    """
    from scipy.optimize import linprog

    x = np.asarray(x, dtype=float)
    scale = np.abs(x).max(axis=0)
    sx = (2 * np.asarray(y, dtype=float) - 1)[:, None] * (x / np.where(scale > 0, scale, 1.0))
    res = linprog(-sx.sum(axis=0), A_ub=-sx, b_ub=np.zeros(len(sx)), bounds=[(-1, 1)] * x.shape[1],
                  method="highs")
    if res.status != 0 or -res.fun <= 1e-7:
        return None
    return [j for j, b in enumerate(res.x) if abs(b) > 1e-7]


def _shared_reason(info: Mapping[str, Any], k: int, rules: Mapping[str, int], logistic: bool) -> str:
    """Why no fit of this design can be reported (too few observations or
    events; for a logistic model a rank-deficient design), or ""."""
    n, per = int(info["n"]), int(rules["min_obs_per_param"])
    if n < per * k:
        return f"{_plural(n, 'observation')} for {_plural(k, 'parameter')}, fewer than {per} per parameter"
    if logistic:
        least = min(int(info["events"]), int(info["non_events"]))
        if least < max(1, int(rules["min_events"])):
            return "no variation in the outcome (no events or no non-events)"
        if info.get("aliased"):
            return _rank_reason(info["aliased"])
    return ""


def _rank_reason(aliased: Sequence[str]) -> str:
    return "design is rank deficient: " + ", ".join(term_words(t) for t in aliased)


def _ml_reason(info: Mapping[str, Any]) -> str:
    """Why the maximum-likelihood fit of a logistic model cannot be reported, or ""."""
    if info.get("separated"):
        terms = ", ".join(term_words(t) for t in info["separated"])
        return f"separation: the maximum-likelihood estimate of {terms} is infinite"
    if not bool(info.get("converged", True)):
        return "the fit did not converge"
    return ""


def sensitivity_reasons(sens: pd.DataFrame, info: Mapping[str, Any], rules: Mapping[str, int],
                        wald: Mapping[str, str]) -> list[str]:
    """One reason (or "") per row of the logistic sensitivity table.

    Each method is judged on its own: a design with too few observations,
    no events or aliased terms blanks every method; separation or a failed
    maximum-likelihood fit blanks the Wald and profile rows only (Firth's
    penalised estimate is finite under separation, and is the valid one
    there); a Firth fit that did not converge, or any interval or p-value
    that is not finite, blanks its own row (a p-value alone that is not
    finite blanks only itself: :func:`p_reason`).

    Parameters
    ----------
    sens : pandas.DataFrame
        :func:`selfcare.analysis.sensitivity.fit_logit_sensitivity` rows.
    info : mapping
        The maximum-likelihood fit's info (``n``, ``events``,
        ``non_events``, ``converged``, ``aliased``, ``separated``).
    rules : mapping
        :func:`estimability_rules`.
    wald : mapping
        Term -> reason of the guarded Wald table (:func:`guard_tidy`).
    """
    shared = _shared_reason(info, int(sens["term"].nunique()), rules, True)
    ml = _ml_reason(info)
    out = []
    for _, r in sens.iterrows():
        method = str(r["method"])
        if shared or (ml and method != "firth"):
            out.append(shared or ml)
        elif method == "wald" and wald.get(str(r["term"])):
            out.append(str(wald[str(r["term"])]))
        elif method == "firth" and not bool(r["converged"]):
            out.append("the penalised fit did not converge")
        elif not all(_finite(r[c]) for c in ("estimate", "ci_low", "ci_high")):
            out.append("interval not finite")
        else:  # a likelihood-ratio test that failed blanks its p only (:func:`p_reason`)
            out.append("")
    return out


def p_reason(row: Mapping[str, Any]) -> str:
    """Why a row's p-value is not reported: the row's own reason, or a test that was not computed."""
    why = str(row.get("not_estimable", "") or "")
    return why or ("" if _finite(row.get("p_value")) else "likelihood-ratio test not computed")


def model_reasons(tidy: pd.DataFrame, info: Mapping[str, Any], rules: Mapping[str, int],
                  logistic: bool = False) -> list[str]:
    """One reason (or "") per row of a regression's tidy table.

    Parameters
    ----------
    tidy : pandas.DataFrame
        Coefficients (``term, estimate, se, ...``) from
        :mod:`selfcare.analysis.models`.
    info : mapping
        The fit's info (``n``; ``aliased``, the terms a rank-deficient
        design does not identify; for a logistic model also ``events``,
        ``non_events``, ``converged`` and ``separated``).
    rules : mapping
        :func:`estimability_rules`.
    logistic : bool, default False
        Whether the model is logistic (events and convergence are checked).
    """
    k = len(tidy)
    model_reason = _shared_reason(info, k, rules, logistic) or (_ml_reason(info) if logistic else "")
    if model_reason:
        return [model_reason] * k
    aliased = [str(t) for t in info.get("aliased", []) or []]
    reasons = []
    for term, se in zip(tidy["term"].astype(str), tidy["se"].to_numpy(dtype=float)):
        if term in aliased:
            reasons.append(_rank_reason(aliased))
        else:
            reasons.append("" if math.isfinite(se) and se > 0 else "standard error not finite or zero")
    return reasons


def guard_paired(result: Mapping[str, Any], rules: Mapping[str, int]) -> dict[str, Any]:
    """``result`` with the estimates blanked (NaN) and ``not_estimable`` set when a check fails."""
    out = dict(result)
    reason = paired_reason(result, rules)
    out["not_estimable"] = reason
    if reason:
        out.update({f: math.nan for f in _PAIRED_FIELDS})
    return out


def guard_count(result: Mapping[str, Any], rules: Mapping[str, int]) -> dict[str, Any]:
    """``result`` with the rate ratio blanked (NaN) and ``not_estimable`` set when a check fails."""
    out = dict(result)
    reason = count_reason(result, rules)
    out["not_estimable"] = reason
    if reason:
        out.update({f: math.nan for f in _COUNT_FIELDS})
        out["headline"] = "none"
    return out


def guard_tidy(tidy: pd.DataFrame, info: Mapping[str, Any], rules: Mapping[str, int],
               logistic: bool = False) -> pd.DataFrame:
    """A tidy coefficient table with failing rows blanked and a ``not_estimable`` column."""
    reasons = model_reasons(tidy, info, rules, logistic)
    out = tidy.copy()
    bad = np.array([bool(r) for r in reasons])
    for col in _TIDY_FIELDS:
        if col in out.columns:
            out[col] = out[col].astype(float).where(~bad, np.nan)
    out["not_estimable"] = reasons
    return out
