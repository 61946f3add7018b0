"""Table 1: baseline characteristics by site, with the test for each variable.

:func:`baseline_table` turns the ``analysis.baseline_table`` specification of
the configuration into descriptive rows and one test per variable, using the
estimators of :mod:`selfcare.analysis.groups`.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from selfcare.analysis.checks import _join_notes, _require_columns, _require_numeric
from selfcare.analysis.groups import (
    anova_oneway,
    chi2_independence,
    counts_by_group,
    describe_by_group,
    kruskal,
)

__all__ = [
    "baseline_table",
]

_VARIABLE_KEYS = {
    "name",
    "type",
    "test",
    "key",
    "label",
    "report_level",
    "levels",
    "display_bins",
    "at_least",
}
_DEFAULT_TEST = {"continuous": "anova", "categorical": "chi2", "ordinal": "kruskal"}
_ALLOWED_TESTS = {
    "continuous": {"anova", "kruskal", "none"},
    "categorical": {"chi2", "kruskal", "none"},
    "ordinal": {"kruskal", "chi2", "anova", "none"},
}

DISPLAY_COLUMNS = [
    "variable",
    "key",
    "label",
    "type",
    "level",
    "open_ended",
    "group",
    "n",
    "n_missing",
    "count",
    "proportion",
    "mean",
    "sd",
    "median",
    "min",
    "max",
]
TEST_COLUMNS = [
    "key",
    "variable",
    "test",
    "statistic",
    "value",
    "df1",
    "df2",
    "p_value",
    "n",
    "n_missing",
    "note",
]


def _validate_spec(spec: Mapping[str, Any], position: int) -> dict[str, Any]:
    if not isinstance(spec, Mapping):
        raise ValueError(
            f"baseline variable spec at position {position} must be a mapping"
        )
    if "name" not in spec:
        raise ValueError(
            f"baseline variable spec at position {position} has no 'name' key"
        )
    name = spec["name"]
    unknown = sorted(set(spec) - _VARIABLE_KEYS)
    if unknown:
        raise ValueError(f"baseline variable '{name}': unknown key '{unknown[0]}'")
    vtype = spec.get("type", "categorical")
    if vtype not in _DEFAULT_TEST:
        raise ValueError(
            f"baseline variable '{name}': 'type' must be one of {sorted(_DEFAULT_TEST)}"
        )
    test = spec.get("test", _DEFAULT_TEST[vtype])
    if test not in _ALLOWED_TESTS[vtype]:
        raise ValueError(
            f"baseline variable '{name}': test '{test}' is not allowed for type '{vtype}'"
        )
    if "display_bins" in spec and vtype != "ordinal":
        raise ValueError(
            f"baseline variable '{name}': 'display_bins' needs type 'ordinal'"
        )
    if "at_least" in spec and (vtype != "categorical" or test == "kruskal"):
        raise ValueError(
            f"baseline variable '{name}': 'at_least' needs type 'categorical' and test 'chi2'"
        )
    if "report_level" in spec and "levels" in spec:
        raise ValueError(
            f"baseline variable '{name}': give 'report_level' or 'levels', not both"
        )
    out = dict(spec)
    out["type"] = vtype
    out["test"] = test
    out.setdefault("key", name)
    out.setdefault("label", name)
    return out


def _variable_data(
    df: pd.DataFrame, group: str, spec: dict[str, Any]
) -> pd.DataFrame:
    """The variable's column and the group column, ready for summaries and test.

    Checks the column is present (and numeric where the type or ``at_least``
    needs it) and applies ``at_least``, which also sets the default
    ``report_level`` of ``spec`` to True.
    """
    name = spec["name"]
    _require_columns(df, [name])
    work = df[[name, group]].copy()
    if "at_least" in spec:
        _require_numeric(df, [name])
        x = work[name]
        work[name] = pd.Series(
            np.where(x.isna(), None, x >= spec["at_least"]),
            index=work.index,
            dtype=object,
        )
        spec.setdefault("report_level", True)
    if spec["type"] in ("continuous", "ordinal") and "at_least" not in spec:
        _require_numeric(df, [name])
    return work


def _level_rows(
    work: pd.DataFrame,
    spec: Mapping[str, Any],
    group: str,
    order: Sequence[Any] | None,
) -> tuple[pd.DataFrame, list[str]]:
    """Count rows of a categorical or ordinal variable, and notes on its levels.

    Parameters
    ----------
    work : pandas.DataFrame
        The variable's column and the group column (:func:`_variable_data`).
    spec : mapping
        The validated variable spec.
    group : str
        Grouping column.
    order : sequence, optional
        Group levels in display order.

    Returns
    -------
    part : pandas.DataFrame
        :func:`counts_by_group` rows with ``n_missing`` per group and NaN
        means.
    notes : list of str
        Listed levels not observed, values in unlisted categories, values
        below the first display bin.
    """
    name = spec["name"]
    notes: list[str] = []
    if "report_level" in spec:
        levels = [spec["report_level"]]
    else:
        levels = spec.get("levels")
    bins = spec.get("display_bins")
    part = counts_by_group(work, name, group, order, levels=levels, bins=bins)
    observed = set(pd.unique(work[name].dropna()))
    for lev in levels or []:
        if lev not in observed:
            notes.append(f"listed level '{lev}' is not observed")
    if spec.get("levels") is not None:
        unlisted = int((~work[name].dropna().isin(list(spec["levels"]))).sum())
        if unlisted:
            notes.append(
                f"{unlisted} value(s) in unlisted categories (included in the test)"
            )
    if bins is not None:
        below = int((work[name].dropna().astype(float) < float(bins[0])).sum())
        if below:
            notes.append(f"{below} value(s) below the first display bin")
    nonmiss = work.dropna(subset=[group])
    miss = nonmiss.groupby(group, sort=False)[name].apply(
        lambda s: int(s.isna().sum())
    )
    part["n_missing"] = [int(miss.get(g, 0)) for g in part["group"]]
    for col in ("mean", "sd", "median", "min", "max"):
        part[col] = math.nan
    return part, notes


def _display_rows(
    work: pd.DataFrame,
    spec: Mapping[str, Any],
    group: str,
    order: Sequence[Any] | None,
) -> tuple[pd.DataFrame, list[str]]:
    """Display rows of one variable (columns :data:`DISPLAY_COLUMNS`) and notes.

    Continuous variables get :func:`describe_by_group` rows with NaN counts,
    the others :func:`_level_rows`.
    """
    name = spec["name"]
    if spec["type"] == "continuous":
        notes: list[str] = []
        part = describe_by_group(work, name, group, order)
        part["level"] = None
        part["open_ended"] = False
        part["count"] = math.nan
        part["proportion"] = math.nan
    else:
        part, notes = _level_rows(work, spec, group, order)
    part["variable"] = name
    part["key"] = spec["key"]
    part["label"] = spec["label"]
    part["type"] = spec["type"]
    return part[DISPLAY_COLUMNS], notes


def _test_row(
    work: pd.DataFrame,
    spec: Mapping[str, Any],
    group: str,
    order: Sequence[Any] | None,
    notes: Sequence[str],
) -> dict[str, Any]:
    """The between-group test of one variable, as a row of :data:`TEST_COLUMNS`.

    ``notes`` (from the display rows) follow the test's own note.
    """
    name, test = spec["name"], spec["test"]
    if test == "anova":
        res = anova_oneway(work, name, group, order)
        df1, df2 = res["df1"], res["df2"]
    elif test == "kruskal":
        res = kruskal(work, name, group, order)
        df1, df2 = res["dof"], math.nan
    else:
        res = chi2_independence(work, name, group, order, levels=spec.get("levels"))
        df1, df2 = res["dof"], math.nan
    return {
        "key": spec["key"],
        "variable": name,
        "test": test,
        "statistic": res["statistic_name"],
        "value": res["statistic"],
        "df1": df1,
        "df2": df2,
        "p_value": res["p_value"],
        "n": res["n"],
        "n_missing": res["n_missing"],
        "note": _join_notes([res["note"], *notes]),
    }


def baseline_table(
    df: pd.DataFrame,
    group: str,
    variables: Sequence[Mapping[str, Any]],
    order: Sequence[Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summaries by group and between-group tests for a baseline table.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per participant.
    group : str
        Grouping column (e.g. ``site``).
    variables : sequence of dict
        One spec per variable, in display order. Keys:

        ``name`` (required)
            Column name.
        ``type``
            ``"continuous"`` (mean, SD, range), ``"categorical"`` (counts) or
            ``"ordinal"`` (counts of numeric values or bins); default
            categorical.
        ``test``
            ``"anova"``, ``"chi2"``, ``"kruskal"`` or ``"none"``; the default
            is anova / chi2 / kruskal by type.
        ``report_level``
            Categorical only: show just this category (e.g. ``"female"``).
        ``levels``
            Categorical only: show these categories in this order. Categories
            present in the data but not listed are still part of the test.
        ``display_bins``
            Ordinal only: bins as in :func:`counts_by_group` (``[0, 1, 2, 3]``
            shows 3+ as the last bin). The test uses the raw values.
        ``at_least``
            Turn a numeric column into a yes/no indicator ``value >= at_least``
            (True/False, missing kept); ``report_level`` then defaults to True.
            Used for "any A&E attendance" from a count.
        ``key``
            Identifier of the test row (default: ``name``), matched by
            :func:`check_published`.
        ``label``
            Free text carried into the display rows (default: ``name``).
    order : sequence, optional
        Group levels in display order (e.g. ``["LO", "SO", "NO"]``).

    Returns
    -------
    display : pandas.DataFrame
        One row per variable x reported level x group with raw numbers:
        columns ``variable, key, label, type, level, open_ended, group, n,
        n_missing, count, proportion, mean, sd, median, min, max``. Continuous
        variables have ``level`` None and NaN counts; categorical and ordinal
        rows have NaN means.
    tests : pandas.DataFrame
        One row per tested variable, in the shape :func:`check_published`
        expects: ``key, variable, test, statistic`` ("F", "chi2" or "H"),
        ``value, df1, df2`` (NaN unless F), ``p_value, n, n_missing, note``.

    Raises
    ------
    ValueError
        If a spec is malformed (unknown key, bad type/test pair) or a column
        is missing or of the wrong kind; the message names the variable.
    """
    _require_columns(df, [group])
    if isinstance(variables, Mapping) or not isinstance(variables, Sequence):
        raise ValueError("baseline 'variables' must be a list of variable specs")
    display_parts: list[pd.DataFrame] = []
    test_rows: list[dict[str, Any]] = []
    keys_seen: set[str] = set()
    for position, raw in enumerate(variables):
        spec = _validate_spec(raw, position)
        if spec["key"] in keys_seen:
            raise ValueError(
                f"baseline variable '{spec['name']}': key '{spec['key']}' is used twice"
            )
        keys_seen.add(spec["key"])
        work = _variable_data(df, group, spec)
        part, notes = _display_rows(work, spec, group, order)
        display_parts.append(part)
        if spec["test"] != "none":
            test_rows.append(_test_row(work, spec, group, order, notes))
    display = (
        pd.concat(display_parts, ignore_index=True)
        if display_parts
        else pd.DataFrame(columns=DISPLAY_COLUMNS)
    )
    tests = pd.DataFrame(test_rows, columns=TEST_COLUMNS)
    return display, tests
