"""Internal consistency of the scales: Cronbach's alpha (pingouin) and corrected
item-total correlations, per time point (rule ``reliability``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pingouin

from selfcare.report.records import Records
from selfcare.scoring.measures import (
    _MIN_SUBSCALE_ITEMS_FOR_ALPHA,
    ITEM_TOTAL_COLUMNS,
    RELIABILITY_COLUMNS,
    _scales,
    check_measures,
)
from selfcare.scoring.score import _check_timepoint, _keyed_items

__all__ = [
    "reliability",
]

# ---------------------------------------------------------------------------
# Reliability
# ---------------------------------------------------------------------------


def _alpha(data: pd.DataFrame, nan_policy: str) -> tuple[float, float, float]:
    """Cronbach's alpha and its 95% CI (Feldt) via pingouin; NaN if undefined."""
    if len(data) < 2:
        return math.nan, math.nan, math.nan
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        alpha, ci = pingouin.cronbach_alpha(data=data, nan_policy=nan_policy, ci=0.95)
    if not np.isfinite(alpha) or not np.all(np.isfinite(ci)):
        return math.nan, math.nan, math.nan
    return float(alpha), float(ci[0]), float(ci[1])


def _corrected_item_total(data: pd.DataFrame) -> dict[str, float]:
    """Correlation of each item with the sum of the other items (complete rows)."""
    complete = data.dropna(axis=0, how="any")
    result: dict[str, float] = {}
    total = complete.sum(axis=1)
    for item in data.columns:
        x = complete[item].to_numpy(dtype=float)
        rest = (total - complete[item]).to_numpy(dtype=float)
        if len(x) < 3 or np.std(x) == 0 or np.std(rest) == 0:
            result[item] = math.nan
        else:
            result[item] = float(np.corrcoef(x, rest)[0, 1])
    return result


def reliability(
    items: pd.DataFrame,
    measures: Mapping[str, Any],
    timepoint: str,
    nan_policy: str = "listwise",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Internal consistency of every scale collected at a time point.

    Every measure total and every subscale with at least three items gets
    Cronbach's alpha with its 95% confidence interval (Feldt's method, via
    :func:`pingouin.cronbach_alpha`) on the reverse-keyed items, and each of
    its items gets the corrected item-total correlation (Pearson correlation
    of the item with the sum of the scale's other items, on rows answering
    every item of the scale).

    Parameters
    ----------
    items : pandas.DataFrame
        Wide item table as for :func:`score_measures` (other columns ignored).
    measures : Mapping
        Parsed ``config/measures.yaml``.
    timepoint : str
        ``"baseline"`` or ``"followup"``.
    nan_policy : {"listwise", "pairwise"}
        ``"listwise"`` uses only respondents answering every item of the
        scale; ``"pairwise"`` uses every respondent answering at least one
        item, with pairwise covariances. ``n`` reports the respondents used
        (with ``"pairwise"`` the CI treats them all as complete).

    Returns
    -------
    alpha_table : pandas.DataFrame
        Columns ``measure``, ``scale``, ``timepoint``, ``n``, ``n_items``,
        ``alpha``, ``ci_low``, ``ci_high``; one row per scale, sorted by
        measure and scale. ``alpha`` and the CI are NaN when fewer than two
        respondents are usable or the total has no variance. pingouin rounds
        the CI limits to three decimals.
    item_table : pandas.DataFrame
        Columns ``measure``, ``scale``, ``timepoint``, ``item``,
        ``corrected_item_total_r``; sorted by measure, scale and item. NaN
        when fewer than three complete rows or an item (or the rest of the
        scale) does not vary.

    Raises
    ------
    ScoringError
        As in :func:`score_measures` for invalid responses or missing columns.
    ValueError
        If ``nan_policy`` is not ``"listwise"`` or ``"pairwise"``.
    """
    if nan_policy not in ("listwise", "pairwise"):
        raise ValueError(f"nan_policy must be 'listwise' or 'pairwise', not '{nan_policy}'")
    _check_timepoint(timepoint)
    config = check_measures(measures)

    alpha_rows: list[dict[str, Any]] = []
    item_rows: list[dict[str, Any]] = []
    keyed: dict[str, pd.DataFrame] = {}
    for scale in _scales(config, timepoint):
        k = len(scale.items)
        is_total = scale.scale == scale.measure
        if k < 2 or (not is_total and k < _MIN_SUBSCALE_ITEMS_FOR_ALPHA):
            continue
        if scale.measure not in keyed:
            keyed[scale.measure] = _keyed_items(
                items, scale.measure, config["measures"][scale.measure]
            )
        data = keyed[scale.measure][list(scale.items)]
        if nan_policy == "listwise":
            used = data.dropna(axis=0, how="any")
        else:
            used = data[data.notna().any(axis=1)]
        alpha, lo, hi = _alpha(used, nan_policy)
        alpha_rows.append(
            {
                "measure": scale.measure,
                "scale": scale.scale,
                "timepoint": timepoint,
                "n": int(len(used)),
                "n_items": k,
                "alpha": alpha,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
        for item, r in _corrected_item_total(data).items():
            item_rows.append(
                {
                    "measure": scale.measure,
                    "scale": scale.scale,
                    "timepoint": timepoint,
                    "item": item,
                    "corrected_item_total_r": r,
                }
            )

    alpha_table = pd.DataFrame(alpha_rows, columns=RELIABILITY_COLUMNS)
    alpha_table = alpha_table.astype({"n": "int64", "n_items": "int64"})
    alpha_table = alpha_table.astype({c: float for c in ("alpha", "ci_low", "ci_high")})
    alpha_table = alpha_table.sort_values(["measure", "scale"], ignore_index=True)
    item_table = pd.DataFrame(item_rows, columns=ITEM_TOTAL_COLUMNS)
    item_table = item_table.astype({"corrected_item_total_r": float})
    item_table = item_table.sort_values(["measure", "scale", "item"], ignore_index=True)
    return alpha_table, item_table


def reliability_records(alpha: pd.DataFrame, timepoint: str, fcfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Named numbers of the reliability table (alpha per scale)."""
    recs = Records(fcfg)
    for _, r in alpha.iterrows():
        key = f"reliability.{timepoint}.{str(r['scale']).replace('.', '_')}"
        recs.est(f"{key}.alpha", float(r["alpha"]), 2, f"Cronbach's alpha of {r['scale']} at {timepoint}")
    return recs.items
