"""Scoring of the standard measures and their internal consistency.

The scoring rules live in ``config/measures.yaml`` (structure described by
``workflow/schemas/measures.schema.yaml``). This module is pure: it receives
the parsed configuration as a dict and the questionnaire items as a data frame,
and returns data frames. It never reads or writes files.

Scales
------
Each measure gives one *total* scale, named after the measure (for example
``"empowerment"``), and one scale per subscale, named
``"<measure>.<subscale>"`` (for example
``"collaboration.positive_collaboration"``). A scale's score is

* ``sum``: the sum of its (reverse-keyed) items; when items are missing the
  sum is prorated, i.e. the mean of the answered items times the number of
  items;
* ``mean``: the mean of the answered (reverse-keyed) items;

and exists only when at least ``min_answered_share`` of the scale's items are
answered. Reverse-keyed items are recoded as ``response_min + response_max - x``
before anything else.

Error messages name the measure, item, scale, column or row number involved but
never a response value or an identifier.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import pingouin

__all__ = [
    "ITEM_TOTAL_COLUMNS",
    "METHODS",
    "MeasureConfigError",
    "RELIABILITY_COLUMNS",
    "SCORE_COLUMNS",
    "ScoringError",
    "TIMEPOINTS",
    "check_measures",
    "check_score_range",
    "min_items_answered",
    "reliability",
    "scale_table",
    "score_measures",
    "validate_schema",
]

#: Time points at which a measure can be collected.
TIMEPOINTS: tuple[str, ...] = ("baseline", "followup")

#: Scoring methods.
METHODS: tuple[str, ...] = ("sum", "mean")

#: Columns of the scores table that follow the id columns.
SCORE_COLUMNS: list[str] = [
    "timepoint",
    "measure",
    "scale",
    "score",
    "items_answered",
    "items_total",
    "prorated",
    "primary",
]

#: Columns of the Cronbach's alpha table returned by :func:`reliability`.
RELIABILITY_COLUMNS: list[str] = [
    "measure",
    "scale",
    "timepoint",
    "n",
    "n_items",
    "alpha",
    "ci_low",
    "ci_high",
]

#: Columns of the corrected item-total table returned by :func:`reliability`.
ITEM_TOTAL_COLUMNS: list[str] = [
    "measure",
    "scale",
    "timepoint",
    "item",
    "corrected_item_total_r",
]

#: Tolerance used when comparing floating-point shares and scores.
_EPS = 1e-9

#: Smallest number of items for a subscale to get an alpha.
_MIN_SUBSCALE_ITEMS_FOR_ALPHA = 3


class MeasureConfigError(ValueError):
    """The measures configuration is inconsistent or incomplete."""


class ScoringError(ValueError):
    """Item responses cannot be scored, or a computed score is impossible."""


@dataclass(frozen=True)
class _Scale:
    """One scorable scale (a measure total or a subscale)."""

    measure: str
    scale: str
    items: tuple[str, ...]
    method: str
    share: float
    response_min: int
    response_max: int
    primary: bool

    @property
    def bounds(self) -> tuple[float, float]:
        """Theoretical (lowest, highest) score of the scale."""
        k = len(self.items) if self.method == "sum" else 1
        return float(k * self.response_min), float(k * self.response_max)


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


def validate_schema(config: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
    """Validate the measures configuration against its JSON Schema.

    Parameters
    ----------
    config : Mapping
        Parsed content of ``config/measures.yaml``.
    schema : Mapping
        Parsed content of ``workflow/schemas/measures.schema.yaml``.

    Raises
    ------
    MeasureConfigError
        If the configuration breaks the schema. The message lists every
        violation with its location (for example
        ``measures/empowerment/method``).
    """
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = []
        for err in errors:
            where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
            lines.append(f"  {where}: {err.message}")
        raise MeasureConfigError(
            "measures configuration does not match its schema:\n" + "\n".join(lines)
        )


def _string_list(value: Any, where: str) -> list[str]:
    """Return ``value`` as a list of strings, failing with a clear message."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise MeasureConfigError(f"{where}: expected a list of item codes")
    return list(value)


def _no_duplicates(values: list[str], where: str) -> None:
    """Fail if a list holds the same entry twice."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise MeasureConfigError(f"{where}: '{value}' is listed more than once")
        seen.add(value)


def _share(value: Any, where: str) -> float:
    """Check that a min_answered_share lies in (0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MeasureConfigError(f"{where}: min_answered_share must be a number in (0, 1]")
    share = float(value)
    if not (0.0 < share <= 1.0):
        raise MeasureConfigError(f"{where}: min_answered_share must be in (0, 1]")
    return share


def check_measures(
    measures: Mapping[str, Any],
    available_columns: Mapping[str, set[str]] | None = None,
) -> dict[str, Any]:
    """Cross-check the measures configuration and apply its defaults.

    Run this after :func:`validate_schema`: the schema checks the shape of the
    file, this function checks the rules that span several fields.

    Parameters
    ----------
    measures : Mapping
        Parsed content of ``config/measures.yaml`` (top-level keys
        ``defaults`` and ``measures``), or a dict previously returned by this
        function (the function is idempotent).
    available_columns : Mapping of str to set of str, optional
        Codebook columns of each time point's questionnaire, keyed by time
        point (``"baseline"``, ``"followup"``). Every item of a measure
        collected at a time point given here must be one of that time point's
        columns. Time points that are not keys are not checked.

    Returns
    -------
    dict
        ``{"defaults": {...}, "measures": {name: measure}}`` where each
        measure has every key filled in: ``label``, ``items``,
        ``response_min``, ``response_max``, ``reverse`` (list, possibly
        empty), ``method``, ``min_answered_share`` (the measure's own or the
        default), ``timepoints``, ``reference``, ``primary`` (subscale name or
        ``None`` for the total), ``subscales`` (dict, possibly empty; each with
        ``items``, ``method`` and ``min_answered_share``) and, when given,
        ``assumption``. The input is not modified.

    Raises
    ------
    MeasureConfigError
        When an item is listed twice in one list or used by two measures, a
        reverse-keyed or subscale item is not an item of its measure,
        ``primary`` names an unknown subscale, ``response_min`` is not below
        ``response_max``, a share is outside (0, 1], a method or time point is
        unknown, or an item is absent from a time point's codebook. The
        message names the measure and the item.
    """
    if not isinstance(measures, Mapping) or not isinstance(measures.get("measures"), Mapping):
        raise MeasureConfigError(
            "measures configuration: expected a mapping with a 'measures' key "
            "(the whole content of config/measures.yaml)"
        )
    if not measures["measures"]:
        raise MeasureConfigError("measures configuration: 'measures' is empty")
    defaults = dict(measures.get("defaults") or {})
    default_share = defaults.get("min_answered_share")
    if default_share is not None:
        default_share = _share(default_share, "defaults")
        defaults["min_answered_share"] = default_share

    if available_columns is not None:
        for tp in available_columns:
            if tp not in TIMEPOINTS:
                raise MeasureConfigError(
                    f"available columns: unknown time point '{tp}' "
                    f"(expected one of {', '.join(TIMEPOINTS)})"
                )

    owner: dict[str, str] = {}
    out_measures: dict[str, Any] = {}
    for name, spec in measures["measures"].items():
        where = f"measure '{name}'"
        if not isinstance(name, str) or not name or "." in name:
            raise MeasureConfigError(f"{where}: names must be non-empty and contain no dot")
        if not isinstance(spec, Mapping):
            raise MeasureConfigError(f"{where}: expected a mapping")

        items = _string_list(spec.get("items"), f"{where}, items")
        if len(items) < 2:
            raise MeasureConfigError(f"{where}: needs at least two items")
        _no_duplicates(items, f"{where}, items")
        item_set = set(items)
        for item in items:
            if item in owner:
                raise MeasureConfigError(
                    f"{where}: item '{item}' is also an item of measure '{owner[item]}'"
                )
            owner[item] = name

        rmin, rmax = spec.get("response_min"), spec.get("response_max")
        for key, val in (("response_min", rmin), ("response_max", rmax)):
            if isinstance(val, bool) or not isinstance(val, (int, float)) or val != int(val):
                raise MeasureConfigError(f"{where}: {key} must be an integer")
        rmin, rmax = int(rmin), int(rmax)
        if rmin >= rmax:
            raise MeasureConfigError(
                f"{where}: response_min ({rmin}) must be below response_max ({rmax})"
            )

        reverse = _string_list(spec.get("reverse"), f"{where}, reverse")
        _no_duplicates(reverse, f"{where}, reverse")
        for item in reverse:
            if item not in item_set:
                raise MeasureConfigError(
                    f"{where}: reverse-keyed item '{item}' is not one of the measure's items"
                )

        method = spec.get("method")
        if method not in METHODS:
            raise MeasureConfigError(f"{where}: method must be one of {', '.join(METHODS)}")

        if spec.get("min_answered_share") is not None:
            share = _share(spec["min_answered_share"], where)
        elif default_share is not None:
            share = default_share
        else:
            raise MeasureConfigError(
                f"{where}: min_answered_share is not set and there is no "
                "defaults.min_answered_share"
            )

        timepoints = _string_list(spec.get("timepoints"), f"{where}, timepoints")
        if not timepoints:
            raise MeasureConfigError(f"{where}: timepoints is empty")
        _no_duplicates(timepoints, f"{where}, timepoints")
        for tp in timepoints:
            if tp not in TIMEPOINTS:
                raise MeasureConfigError(
                    f"{where}: unknown time point '{tp}' (expected one of {', '.join(TIMEPOINTS)})"
                )

        subscales_in = spec.get("subscales") or {}
        if not isinstance(subscales_in, Mapping):
            raise MeasureConfigError(f"{where}, subscales: expected a mapping")
        subscales: dict[str, Any] = {}
        for sub_name, sub in subscales_in.items():
            sub_where = f"{where}, subscale '{sub_name}'"
            if not isinstance(sub_name, str) or not sub_name or "." in sub_name:
                raise MeasureConfigError(
                    f"{sub_where}: names must be non-empty and contain no dot"
                )
            if not isinstance(sub, Mapping):
                raise MeasureConfigError(f"{sub_where}: expected a mapping")
            sub_items = _string_list(sub.get("items"), f"{sub_where}, items")
            if not sub_items:
                raise MeasureConfigError(f"{sub_where}: has no items")
            _no_duplicates(sub_items, f"{sub_where}, items")
            for item in sub_items:
                if item not in item_set:
                    raise MeasureConfigError(
                        f"{sub_where}: item '{item}' is not one of the measure's items"
                    )
            sub_method = sub.get("method")
            if sub_method not in METHODS:
                raise MeasureConfigError(
                    f"{sub_where}: method must be one of {', '.join(METHODS)}"
                )
            sub_share = (
                _share(sub["min_answered_share"], sub_where)
                if sub.get("min_answered_share") is not None
                else share
            )
            subscales[sub_name] = {
                "items": sub_items,
                "method": sub_method,
                "min_answered_share": sub_share,
            }

        primary = spec.get("primary")
        if primary is not None and (not isinstance(primary, str) or primary not in subscales):
            raise MeasureConfigError(
                f"{where}: primary names subscale '{primary}', which is not defined"
            )

        if available_columns is not None:
            for tp in timepoints:
                if tp not in available_columns:
                    continue
                missing = sorted(item_set - set(available_columns[tp]))
                if missing:
                    raise MeasureConfigError(
                        f"{where}: item(s) {', '.join(missing)} not in the {tp} "
                        "questionnaire codebook"
                    )

        normalised: dict[str, Any] = {
            "label": spec.get("label"),
            "items": items,
            "response_min": rmin,
            "response_max": rmax,
            "reverse": reverse,
            "method": method,
            "min_answered_share": share,
            "timepoints": timepoints,
            "reference": spec.get("reference"),
            "primary": primary,
            "subscales": subscales,
        }
        if spec.get("assumption") is not None:
            normalised["assumption"] = spec["assumption"]
        out_measures[name] = copy.deepcopy(normalised)

    return {"defaults": defaults, "measures": out_measures}


def min_items_answered(share: float, n_items: int) -> int:
    """Smallest number of answered items that gives a score.

    Parameters
    ----------
    share : float
        Required answered share, in (0, 1].
    n_items : int
        Number of items of the scale.

    Returns
    -------
    int
        ``ceil(share * n_items)``, computed so that floating-point error in the
        product (``0.28 * 25 == 7.000000000000001``) does not demand one item
        more; never below 1.
    """
    return max(1, math.ceil(share * n_items - _EPS))


def _scales(config: Mapping[str, Any], timepoint: str | None = None) -> list[_Scale]:
    """Every scale of the normalised config (optionally only one time point's)."""
    scales: list[_Scale] = []
    for name in sorted(config["measures"]):
        m = config["measures"][name]
        if timepoint is not None and timepoint not in m["timepoints"]:
            continue
        scales.append(
            _Scale(
                measure=name,
                scale=name,
                items=tuple(m["items"]),
                method=m["method"],
                share=m["min_answered_share"],
                response_min=m["response_min"],
                response_max=m["response_max"],
                primary=m["primary"] is None,
            )
        )
        for sub_name in sorted(m["subscales"]):
            sub = m["subscales"][sub_name]
            scales.append(
                _Scale(
                    measure=name,
                    scale=f"{name}.{sub_name}",
                    items=tuple(sub["items"]),
                    method=sub["method"],
                    share=sub["min_answered_share"],
                    response_min=m["response_min"],
                    response_max=m["response_max"],
                    primary=m["primary"] == sub_name,
                )
            )
    return scales


def scale_table(measures: Mapping[str, Any]) -> pd.DataFrame:
    """Describe every scale: method, number of items, range and scoring rule.

    Parameters
    ----------
    measures : Mapping
        Parsed ``config/measures.yaml`` (checked with :func:`check_measures`
        inside).

    Returns
    -------
    pandas.DataFrame
        One row per scale, sorted by measure and scale, with columns
        ``measure``, ``scale``, ``method``, ``n_items``, ``min_items_answered``,
        ``score_min``, ``score_max``, ``primary`` and ``timepoints`` (joined
        with ``;``). Useful for the methods section and for range checks.
    """
    config = check_measures(measures)
    rows = []
    for s in _scales(config):
        lo, hi = s.bounds
        rows.append(
            {
                "measure": s.measure,
                "scale": s.scale,
                "method": s.method,
                "n_items": len(s.items),
                "min_items_answered": min_items_answered(s.share, len(s.items)),
                "score_min": lo,
                "score_max": hi,
                "primary": s.primary,
                "timepoints": ";".join(config["measures"][s.measure]["timepoints"]),
            }
        )
    return pd.DataFrame(rows).sort_values(["measure", "scale"], ignore_index=True)


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
