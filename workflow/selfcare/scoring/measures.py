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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
import pandas as pd

__all__ = [
    "ITEM_TOTAL_COLUMNS",
    "METHODS",
    "MeasureConfigError",
    "RELIABILITY_COLUMNS",
    "SCORE_COLUMNS",
    "ScoringError",
    "TIMEPOINTS",
    "check_measures",
    "min_items_answered",
    "scale_table",
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


def _checked_defaults(measures: Any) -> tuple[dict[str, Any], float | None]:
    """Check the top level; return a copy of ``defaults`` and the default share (or ``None``)."""
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
    return defaults, default_share


def _check_available_timepoints(available_columns: Mapping[str, set[str]] | None) -> None:
    """Fail if the codebook columns are keyed by an unknown time point."""
    if available_columns is None:
        return
    for tp in available_columns:
        if tp not in TIMEPOINTS:
            raise MeasureConfigError(
                f"available columns: unknown time point '{tp}' "
                f"(expected one of {', '.join(TIMEPOINTS)})"
            )


def _measure_items(
    spec: Mapping[str, Any], where: str, owner: dict[str, str], name: str
) -> list[str]:
    """Check a measure's items: two or more, no repeats, none also in an earlier measure.

    ``owner`` maps each item of the measures checked so far to its measure;
    the measure ``name``'s items are added to it.
    """
    items = _string_list(spec.get("items"), f"{where}, items")
    if len(items) < 2:
        raise MeasureConfigError(f"{where}: needs at least two items")
    _no_duplicates(items, f"{where}, items")
    for item in items:
        if item in owner:
            raise MeasureConfigError(
                f"{where}: item '{item}' is also an item of measure '{owner[item]}'"
            )
        owner[item] = name
    return items


def _response_range(spec: Mapping[str, Any], where: str) -> tuple[int, int]:
    """Check that ``response_min`` and ``response_max`` are integers, the first below."""
    rmin, rmax = spec.get("response_min"), spec.get("response_max")
    for key, val in (("response_min", rmin), ("response_max", rmax)):
        if isinstance(val, bool) or not isinstance(val, (int, float)) or val != int(val):
            raise MeasureConfigError(f"{where}: {key} must be an integer")
    rmin, rmax = int(rmin), int(rmax)
    if rmin >= rmax:
        raise MeasureConfigError(
            f"{where}: response_min ({rmin}) must be below response_max ({rmax})"
        )
    return rmin, rmax


def _reverse_items(spec: Mapping[str, Any], where: str, item_set: set[str]) -> list[str]:
    """Check that the reverse-keyed items are distinct items of the measure."""
    reverse = _string_list(spec.get("reverse"), f"{where}, reverse")
    _no_duplicates(reverse, f"{where}, reverse")
    for item in reverse:
        if item not in item_set:
            raise MeasureConfigError(
                f"{where}: reverse-keyed item '{item}' is not one of the measure's items"
            )
    return reverse


def _method(spec: Mapping[str, Any], where: str) -> str:
    """Check that a scoring method is one of :data:`METHODS`."""
    method = spec.get("method")
    if method not in METHODS:
        raise MeasureConfigError(f"{where}: method must be one of {', '.join(METHODS)}")
    return method


def _measure_share(spec: Mapping[str, Any], where: str, default_share: float | None) -> float:
    """The measure's own ``min_answered_share``, else the default; one must exist."""
    if spec.get("min_answered_share") is not None:
        return _share(spec["min_answered_share"], where)
    if default_share is not None:
        return default_share
    raise MeasureConfigError(
        f"{where}: min_answered_share is not set and there is no "
        "defaults.min_answered_share"
    )


def _timepoints(spec: Mapping[str, Any], where: str) -> list[str]:
    """Check that the time points are a non-empty list of distinct known ones."""
    timepoints = _string_list(spec.get("timepoints"), f"{where}, timepoints")
    if not timepoints:
        raise MeasureConfigError(f"{where}: timepoints is empty")
    _no_duplicates(timepoints, f"{where}, timepoints")
    for tp in timepoints:
        if tp not in TIMEPOINTS:
            raise MeasureConfigError(
                f"{where}: unknown time point '{tp}' (expected one of {', '.join(TIMEPOINTS)})"
            )
    return timepoints


def _subscale(
    sub_name: Any, sub: Any, where: str, item_set: set[str], share: float
) -> dict[str, Any]:
    """Check one subscale and fill in its share.

    Parameters
    ----------
    sub_name : Any
        The subscale's name (must be a non-empty string without a dot).
    sub : Any
        The subscale's configuration.
    where : str
        Prefix of error messages (names the measure).
    item_set : set of str
        The measure's items.
    share : float
        The measure's share, used when the subscale sets none.

    Returns
    -------
    dict
        ``items``, ``method`` and ``min_answered_share``.
    """
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
    sub_method = _method(sub, sub_where)
    sub_share = (
        _share(sub["min_answered_share"], sub_where)
        if sub.get("min_answered_share") is not None
        else share
    )
    return {
        "items": sub_items,
        "method": sub_method,
        "min_answered_share": sub_share,
    }


def _subscales(
    spec: Mapping[str, Any], where: str, item_set: set[str], share: float
) -> dict[str, Any]:
    """Check every subscale of a measure (see :func:`_subscale`), in file order."""
    subscales_in = spec.get("subscales") or {}
    if not isinstance(subscales_in, Mapping):
        raise MeasureConfigError(f"{where}, subscales: expected a mapping")
    return {
        sub_name: _subscale(sub_name, sub, where, item_set, share)
        for sub_name, sub in subscales_in.items()
    }


def _primary(spec: Mapping[str, Any], where: str, subscales: Mapping[str, Any]) -> str | None:
    """Check that ``primary`` is absent or names one of the subscales."""
    primary = spec.get("primary")
    if primary is not None and (not isinstance(primary, str) or primary not in subscales):
        raise MeasureConfigError(
            f"{where}: primary names subscale '{primary}', which is not defined"
        )
    return primary


def _check_codebook(
    where: str,
    item_set: set[str],
    timepoints: list[str],
    available_columns: Mapping[str, set[str]] | None,
) -> None:
    """Fail if an item is absent from the codebook of a time point it is collected at."""
    if available_columns is None:
        return
    for tp in timepoints:
        if tp not in available_columns:
            continue
        missing = sorted(item_set - set(available_columns[tp]))
        if missing:
            raise MeasureConfigError(
                f"{where}: item(s) {', '.join(missing)} not in the {tp} "
                "questionnaire codebook"
            )


def _check_measure(
    name: Any,
    spec: Any,
    owner: dict[str, str],
    default_share: float | None,
    available_columns: Mapping[str, set[str]] | None,
) -> dict[str, Any]:
    """Check one measure, in the order of :func:`check_measures`, and fill in its defaults.

    Parameters
    ----------
    name : Any
        The measure's name (must be a non-empty string without a dot).
    spec : Any
        The measure's configuration.
    owner : dict of str to str
        ``item -> measure`` for the measures checked so far; updated here.
    default_share : float or None
        ``defaults.min_answered_share``.
    available_columns : Mapping of str to set of str, optional
        Codebook columns per time point (see :func:`check_measures`).

    Returns
    -------
    dict
        The normalised measure (a deep copy).
    """
    where = f"measure '{name}'"
    if not isinstance(name, str) or not name or "." in name:
        raise MeasureConfigError(f"{where}: names must be non-empty and contain no dot")
    if not isinstance(spec, Mapping):
        raise MeasureConfigError(f"{where}: expected a mapping")
    items = _measure_items(spec, where, owner, name)
    item_set = set(items)
    rmin, rmax = _response_range(spec, where)
    reverse = _reverse_items(spec, where, item_set)
    method = _method(spec, where)
    share = _measure_share(spec, where, default_share)
    timepoints = _timepoints(spec, where)
    subscales = _subscales(spec, where, item_set, share)
    primary = _primary(spec, where, subscales)
    _check_codebook(where, item_set, timepoints, available_columns)
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
    return copy.deepcopy(normalised)


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
    defaults, default_share = _checked_defaults(measures)
    _check_available_timepoints(available_columns)
    owner: dict[str, str] = {}
    out_measures: dict[str, Any] = {}
    for name, spec in measures["measures"].items():
        out_measures[name] = _check_measure(name, spec, owner, default_share, available_columns)
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
