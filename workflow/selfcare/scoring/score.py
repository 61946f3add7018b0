"""Scores of the standard measures from questionnaire items (rule ``score_measures``).

Reverse-keyed items are recoded first; a scale's score exists only when at
least the configured share of its items is answered (sums are prorated);
every score is checked against the scale's theoretical range.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from selfcare.scoring.measures import (
    _EPS,
    SCORE_COLUMNS,
    TIMEPOINTS,
    ScoringError,
    _Scale,
    _scales,
    check_measures,
    min_items_answered,
)

__all__ = [
    "check_score_range",
    "score_measures",
]

# ---------------------------------------------------------------------------
# Item responses
# ---------------------------------------------------------------------------


def _check_timepoint(timepoint: str) -> None:
    """Fail unless ``timepoint`` is one of :data:`TIMEPOINTS`."""
    if timepoint not in TIMEPOINTS:
        raise ScoringError(
            f"unknown time point '{timepoint}' (expected one of {', '.join(TIMEPOINTS)})"
        )


def _keyed_items(items: pd.DataFrame, name: str, measure: Mapping[str, Any]) -> pd.DataFrame:
    """Numeric, range-checked, reverse-keyed responses of one measure.

    Parameters
    ----------
    items : pandas.DataFrame
        Wide item table.
    name : str
        Measure name (for messages).
    measure : Mapping
        Normalised measure from :func:`check_measures`.

    Returns
    -------
    pandas.DataFrame
        Float frame with one column per item (questionnaire order), a fresh
        0..n-1 index, NaN for unanswered items, and reverse-keyed items
        recoded as ``response_min + response_max - x``.

    Raises
    ------
    ScoringError
        If an item column is absent, or a response is not a number, not an
        integer, or outside ``[response_min, response_max]``. Rows are
        reported as 1-based positions in ``items``.
    """
    missing = [it for it in measure["items"] if it not in items.columns]
    if missing:
        raise ScoringError(
            f"measure '{name}': item column(s) {', '.join(missing)} not in the item table"
        )
    rmin, rmax = measure["response_min"], measure["response_max"]
    reverse = set(measure["reverse"])
    columns: dict[str, np.ndarray] = {}
    for item in measure["items"]:
        raw = items[item]
        if isinstance(raw, pd.DataFrame):
            raise ScoringError(f"measure '{name}', item '{item}': column appears more than once")
        if raw.dtype == bool:
            raise ScoringError(f"measure '{name}', item '{item}': column is boolean, not numeric")
        num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        present = raw.notna().to_numpy()
        problems = (
            (present & np.isnan(num), "is not a number"),
            (~np.isnan(num) & ((num < rmin) | (num > rmax)), f"is outside {rmin}-{rmax}"),
            (~np.isnan(num) & np.isfinite(num) & (num != np.round(num)), "is not a whole number"),
        )
        for mask, what in problems:
            if mask.any():
                row = int(np.flatnonzero(mask)[0]) + 1
                raise ScoringError(
                    f"measure '{name}', item '{item}', row {row}: response {what} "
                    f"({int(mask.sum())} row(s) affected)"
                )
        if item in reverse:
            num = rmin + rmax - num
        columns[item] = num
    return pd.DataFrame(columns, index=pd.RangeIndex(len(items)))


def _score_scale(values: np.ndarray, scale: _Scale) -> tuple[np.ndarray, np.ndarray]:
    """Score one scale from its keyed item matrix (rows x items).

    Returns the scores (NaN when too few items are answered) and the number of
    answered items per row.
    """
    k = values.shape[1]
    answered = (~np.isnan(values)).sum(axis=1)
    total = np.nansum(values, axis=1)
    need = min_items_answered(scale.share, k)
    ok = answered >= need
    safe = np.where(ok, answered, 1)
    if scale.method == "sum":
        # one division so that complete rows give the exact integer sum
        score = total * k / safe
    else:
        score = total / safe
    return np.where(ok, score, np.nan), answered


def check_score_range(scores: pd.DataFrame, measures: Mapping[str, Any]) -> None:
    """Fail if any score lies outside its scale's theoretical range.

    The range is ``n_items * response_min`` to ``n_items * response_max`` for a
    sum and ``response_min`` to ``response_max`` for a mean. Missing scores
    pass. With correct scoring this can never fail; it guards against bugs.

    Parameters
    ----------
    scores : pandas.DataFrame
        Table with columns ``measure``, ``scale`` and ``score`` (as returned
        by :func:`score_measures`).
    measures : Mapping
        Parsed ``config/measures.yaml``.

    Raises
    ------
    ScoringError
        Naming the measure, the scale and the 1-based row of ``scores`` of the
        first impossible score, or an unknown scale.
    """
    for col in ("measure", "scale", "score"):
        if col not in scores.columns:
            raise ScoringError(f"scores table: column '{col}' is missing")
    config = check_measures(measures)
    bounds = {(s.measure, s.scale): s.bounds for s in _scales(config)}
    values = pd.to_numeric(scores["score"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    for pos, (measure, scale, value) in enumerate(
        zip(scores["measure"], scores["scale"], values, strict=True), start=1
    ):
        key = (measure, scale)
        if key not in bounds:
            raise ScoringError(
                f"scores table, row {pos}: unknown scale '{scale}' of measure '{measure}'"
            )
        if np.isnan(value):
            continue
        lo, hi = bounds[key]
        if not (lo - _EPS <= value <= hi + _EPS):
            raise ScoringError(
                f"measure '{measure}', scale '{scale}', row {pos}: score outside the "
                f"theoretical range {lo:g}-{hi:g}"
            )


def _check_ids(items: pd.DataFrame, id_columns: list[str], config: Mapping[str, Any]) -> None:
    """Check the id columns exist, are complete, unique, and are not items."""
    if not id_columns:
        raise ScoringError("id_columns is empty: at least one respondent id column is needed")
    absent = [c for c in id_columns if c not in items.columns]
    if absent:
        raise ScoringError(f"item table: id column(s) {', '.join(absent)} missing")
    all_items = {it for m in config["measures"].values() for it in m["items"]}
    clash = sorted(set(id_columns) & (all_items | set(SCORE_COLUMNS)))
    if clash:
        raise ScoringError(
            f"id column(s) {', '.join(clash)} clash with item or output column names"
        )
    ids = items[id_columns]
    na_rows = np.flatnonzero(ids.isna().any(axis=1).to_numpy())
    if len(na_rows):
        raise ScoringError(f"item table, row {na_rows[0] + 1}: respondent id is missing")
    dup = np.flatnonzero(ids.duplicated().to_numpy())
    if len(dup):
        raise ScoringError(
            f"item table, row {dup[0] + 1}: respondent id ({', '.join(id_columns)}) "
            "repeats an earlier row"
        )


def _empty_scores(items: pd.DataFrame, id_columns: list[str]) -> pd.DataFrame:
    """A scores table with no rows but the usual columns and types."""
    frame = items[id_columns].iloc[0:0].reset_index(drop=True).copy()
    frame["timepoint"] = pd.Series(dtype="str")
    frame["measure"] = pd.Series(dtype="str")
    frame["scale"] = pd.Series(dtype="str")
    frame["score"] = pd.Series(dtype=float)
    frame["items_answered"] = pd.Series(dtype="int64")
    frame["items_total"] = pd.Series(dtype="int64")
    frame["prorated"] = pd.Series(dtype=bool)
    frame["primary"] = pd.Series(dtype=bool)
    return frame


def score_measures(
    items: pd.DataFrame,
    measures: Mapping[str, Any],
    timepoint: str,
    id_columns: list[str],
) -> pd.DataFrame:
    """Score every measure collected at a time point.

    Parameters
    ----------
    items : pandas.DataFrame
        Wide table, one row per respondent: the ``id_columns`` plus one column
        per item code holding the response code (numbers, numeric strings or
        missing). Other columns are ignored.
    measures : Mapping
        Parsed ``config/measures.yaml`` (checked with :func:`check_measures`
        inside).
    timepoint : str
        ``"baseline"`` or ``"followup"``; only measures collected at this time
        point are scored.
    id_columns : list of str
        Columns identifying a respondent; copied to the output.

    Returns
    -------
    pandas.DataFrame
        Tidy table, one row per respondent and scale, sorted by the id
        columns, measure and scale, with columns ``id_columns`` +
        ``timepoint``, ``measure``, ``scale`` (the measure name for the total,
        ``measure.subscale`` for a subscale), ``score`` (float, NaN when fewer
        than ``min_answered_share`` of the items are answered),
        ``items_answered``, ``items_total``, ``prorated`` (scored although
        some items are missing) and ``primary`` (the row is the measure's
        study outcome).

    Raises
    ------
    ScoringError
        If an id column or item column is missing, an id is missing or
        repeated, a response is not a whole number within the measure's
        response range (message names measure, item and 1-based row), or a
        computed score falls outside its theoretical range.
    MeasureConfigError
        If the configuration is inconsistent.
    """
    _check_timepoint(timepoint)
    config = check_measures(measures)
    id_columns = list(id_columns)
    _check_ids(items, id_columns, config)
    ids = items[id_columns].reset_index(drop=True)

    frames: list[pd.DataFrame] = []
    scales = _scales(config, timepoint)
    keyed: dict[str, pd.DataFrame] = {}
    for scale in scales:
        if scale.measure not in keyed:
            keyed[scale.measure] = _keyed_items(
                items, scale.measure, config["measures"][scale.measure]
            )
        values = keyed[scale.measure][list(scale.items)].to_numpy(dtype=float)
        score, answered = _score_scale(values, scale)
        k = len(scale.items)
        frame = ids.copy()
        frame["timepoint"] = timepoint
        frame["measure"] = scale.measure
        frame["scale"] = scale.scale
        frame["score"] = score.astype(float)
        frame["items_answered"] = answered.astype("int64")
        frame["items_total"] = np.full(len(frame), k, dtype="int64")
        frame["prorated"] = ~np.isnan(score) & (answered < k)
        frame["primary"] = scale.primary
        frames.append(frame)

    if not frames or len(items) == 0:
        return _empty_scores(items, id_columns)
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(id_columns + ["measure", "scale"], kind="mergesort", ignore_index=True)
    out = out[id_columns + SCORE_COLUMNS]
    check_score_range(out, config)
    return out


def site_items(questionnaire: pd.DataFrame, participants: pd.DataFrame, site: str) -> pd.DataFrame:
    """The questionnaire rows of one site, with a ``site`` column.

    Parameters
    ----------
    questionnaire : pandas.DataFrame
        De-identified questionnaire (``pid`` and item columns).
    participants : pandas.DataFrame
        De-identified register (``pid``, ``site``).
    site : str
        Site code.
    """
    sites = participants[["pid", "site"]]
    merged = questionnaire.merge(sites, on="pid", how="left", validate="one_to_one")
    return merged[merged["site"] == site].reset_index(drop=True)
