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
* at least ``min_clusters`` people (clusters) for a clustered count model.

A failed check replaces the estimate, its interval and its p-value by NaN
and records the reason (column ``not_estimable``); the report then shows
"not estimable (reason)", never a number. The estimators themselves are not
changed (the calibration test runs them as they are); the guards are applied
to their results by :mod:`selfcare.analysis.steps`.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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


def model_reasons(tidy: pd.DataFrame, info: Mapping[str, Any], rules: Mapping[str, int],
                  logistic: bool = False) -> list[str]:
    """One reason (or "") per row of a regression's tidy table.

    Parameters
    ----------
    tidy : pandas.DataFrame
        Coefficients (``term, estimate, se, ...``) from
        :mod:`selfcare.analysis.models`.
    info : mapping
        The fit's info (``n``; for a logistic model also ``events``,
        ``non_events`` and ``converged``).
    rules : mapping
        :func:`estimability_rules`.
    logistic : bool, default False
        Whether the model is logistic (events and convergence are checked).
    """
    n, k = int(info["n"]), len(tidy)
    per = int(rules["min_obs_per_param"])
    model_reason = ""
    if n < per * k:
        model_reason = f"{_plural(n, 'observation')} for {_plural(k, 'parameter')}, fewer than {per} per parameter"
    elif logistic:
        least = min(int(info["events"]), int(info["non_events"]))
        if least < max(1, int(rules["min_events"])):
            model_reason = "no variation in the outcome (no events or no non-events)"
        elif not bool(info.get("converged", True)):
            model_reason = "the fit did not converge"
    if model_reason:
        return [model_reason] * k
    reasons = []
    for se in tidy["se"].to_numpy(dtype=float):
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
