"""Comparisons between groups (sites): one-way ANOVA, chi-squared, Kruskal-Wallis,
and the descriptive summaries by group.

The tests come from :mod:`scipy.stats`; every function follows the conventions
of :mod:`selfcare.analysis.checks` (complete cases, errors that name the column,
library warnings captured into a ``note``).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.stats as st

from selfcare.analysis.checks import (
    _capture,
    _group_arrays,
    _group_levels,
    _join_notes,
    _require_columns,
    _require_numeric,
    _sort_key,
)

__all__ = [
    "anova_oneway",
    "chi2_independence",
    "kruskal",
    "describe_by_group",
    "counts_by_group",
]

def anova_oneway(
    df: pd.DataFrame, value: str, group: str, order: Sequence[Any] | None = None
) -> dict[str, Any]:
    """One-way ANOVA of a numeric column across groups.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per participant.
    value : str
        Numeric column compared across groups.
    group : str
        Grouping column (e.g. ``site``).
    order : sequence, optional
        Group levels in display order; defaults to the sorted observed levels.

    Returns
    -------
    dict
        ``test`` ("anova"), ``statistic_name`` ("F"), ``statistic``, ``df1``
        (groups - 1), ``df2`` (n - groups), ``p_value``, ``n`` (rows with both
        columns present), ``n_missing``, ``groups`` and ``note``.

    Raises
    ------
    ValueError
        If a column is missing or ``value`` is not numeric.
    """
    data, levels, arrays = _group_arrays(df, value, group, order)
    n = int(sum(a.size for a in arrays))
    k = len(arrays)
    out: dict[str, Any] = {
        "test": "anova",
        "statistic_name": "F",
        "statistic": math.nan,
        "df1": k - 1,
        "df2": n - k,
        "p_value": math.nan,
        "n": n,
        "n_missing": int(len(df) - n),
        "groups": list(levels),
        "note": "",
    }
    if k < 2 or n - k < 1:
        out["note"] = "fewer than two groups or no residual degrees of freedom"
        return out
    res, msgs = _capture(st.f_oneway, *arrays)
    out["statistic"] = float(res.statistic)
    out["p_value"] = float(res.pvalue)
    out["note"] = _join_notes(msgs)
    return out


def _as_object(series: pd.Series) -> pd.Series:
    return (
        series.astype(object)
        if isinstance(series.dtype, pd.CategoricalDtype)
        else series
    )


def _ordered_levels(values: pd.Series, levels: Sequence[Any] | None) -> list:
    """Observed levels: listed levels first (in their order), then the rest sorted."""
    observed = list(pd.unique(values.dropna()))
    listed = [v for v in (levels or []) if v in observed]
    rest = sorted((v for v in observed if v not in listed), key=_sort_key)
    return listed + rest


def chi2_independence(
    df: pd.DataFrame,
    var: str,
    group: str,
    order: Sequence[Any] | None = None,
    levels: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Pearson chi-squared test of independence, without continuity correction.

    All categories present in the data enter the test, including categories
    not listed in ``levels`` (a published table may omit some).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per participant.
    var : str
        Categorical column.
    group : str
        Grouping column.
    order : sequence, optional
        Group levels in display order.
    levels : sequence, optional
        Preferred order of the categories of ``var`` (unlisted ones follow,
        sorted).

    Returns
    -------
    dict
        ``test`` ("chi2"), ``statistic_name`` ("chi2"), ``statistic``, ``dof``,
        ``p_value``, ``n``, ``n_missing``, ``table`` (observed counts: rows are
        categories, columns groups), ``min_expected``, ``n_expected_below_5``
        and ``note``.

    Raises
    ------
    ValueError
        If a column is missing.
    """
    _require_columns(df, [var, group])
    data = pd.DataFrame({"v": _as_object(df[var]), "g": _as_object(df[group])}).dropna()
    groups = _group_levels(data["g"], order, group)
    cats = _ordered_levels(data["v"], levels)
    table = pd.crosstab(data["v"], data["g"]).reindex(
        index=cats, columns=groups, fill_value=0
    )
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    table.index.name = var
    table.columns.name = group
    n = int(table.to_numpy().sum())
    out: dict[str, Any] = {
        "test": "chi2",
        "statistic_name": "chi2",
        "statistic": math.nan,
        # an undefined test (fewer than two rows or columns, or no data) has no degrees of freedom
        "dof": (table.shape[0] - 1) * (table.shape[1] - 1) if min(table.shape) >= 2 else 0,
        "p_value": math.nan,
        "n": n,
        "n_missing": int(len(df) - n),
        "table": table,
        "min_expected": math.nan,
        "n_expected_below_5": 0,
        "note": "",
    }
    if table.shape[0] < 2 or table.shape[1] < 2:
        out["note"] = "fewer than two observed categories or groups; test undefined"
        return out
    res = st.chi2_contingency(table.to_numpy(), correction=False)
    out["statistic"] = float(res.statistic)
    out["dof"] = int(res.dof)
    out["p_value"] = float(res.pvalue)
    out["min_expected"] = float(res.expected_freq.min())
    out["n_expected_below_5"] = int((res.expected_freq < 5).sum())
    return out


def kruskal(
    df: pd.DataFrame, value: str, group: str, order: Sequence[Any] | None = None
) -> dict[str, Any]:
    """Kruskal-Wallis H test (tie-corrected) of a numeric column across groups.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per participant.
    value : str
        Numeric (or ordinal, numerically coded) column.
    group : str
        Grouping column.
    order : sequence, optional
        Group levels in display order.

    Returns
    -------
    dict
        ``test`` ("kruskal"), ``statistic_name`` ("H"), ``statistic``, ``dof``
        (groups - 1; H is referred to a chi-squared distribution), ``p_value``,
        ``n``, ``n_missing``, ``groups`` and ``note``.

    Raises
    ------
    ValueError
        If a column is missing or ``value`` is not numeric.
    """
    data, levels, arrays = _group_arrays(df, value, group, order)
    n = int(sum(a.size for a in arrays))
    out: dict[str, Any] = {
        "test": "kruskal",
        "statistic_name": "H",
        "statistic": math.nan,
        "dof": len(arrays) - 1,
        "p_value": math.nan,
        "n": n,
        "n_missing": int(len(df) - n),
        "groups": list(levels),
        "note": "",
    }
    if len(arrays) < 2:
        out["note"] = "fewer than two groups; test undefined"
        return out
    if np.unique(np.concatenate(arrays)).size < 2:
        out["note"] = "all values are identical; test undefined"
        return out
    res, msgs = _capture(st.kruskal, *arrays)
    out["statistic"] = float(res.statistic)
    out["p_value"] = float(res.pvalue)
    out["note"] = _join_notes(msgs)
    return out


def describe_by_group(
    df: pd.DataFrame, value: str, group: str, order: Sequence[Any] | None = None
) -> pd.DataFrame:
    """Mean, SD (n - 1 denominator), median and range of a column per group.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per participant.
    value : str
        Numeric column.
    group : str
        Grouping column; rows with a missing group are left out.
    order : sequence, optional
        Group levels in display order.

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``n`` (non-missing values), ``n_missing``, ``mean``,
        ``sd``, ``median``, ``min``, ``max``; one row per group.

    Raises
    ------
    ValueError
        If a column is missing or ``value`` is not numeric.
    """
    _require_columns(df, [group])
    _require_numeric(df, [value])
    data = df[[value, group]].dropna(subset=[group])
    rows = []
    for g in _group_levels(data[group], order, group):
        x = data.loc[data[group] == g, value].to_numpy(dtype=float, na_value=np.nan)
        present = x[~np.isnan(x)]
        n = int(present.size)
        rows.append(
            {
                "group": g,
                "n": n,
                "n_missing": int(x.size - n),
                "mean": float(present.mean()) if n else math.nan,
                "sd": float(present.std(ddof=1)) if n > 1 else math.nan,
                "median": float(np.median(present)) if n else math.nan,
                "min": float(present.min()) if n else math.nan,
                "max": float(present.max()) if n else math.nan,
            }
        )
    return pd.DataFrame(
        rows, columns=["group", "n", "n_missing", "mean", "sd", "median", "min", "max"]
    )


def counts_by_group(
    df: pd.DataFrame,
    var: str,
    group: str,
    order: Sequence[Any] | None = None,
    levels: Sequence[Any] | None = None,
    bins: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Counts of each category (or numeric bin) of a column per group.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per participant.
    var : str
        Column to count.
    group : str
        Grouping column; rows with a missing group are left out.
    order : sequence, optional
        Group levels in display order.
    levels : sequence, optional
        Categories to report, in this order; listed categories that are never
        observed get a count of 0. By default every observed category is
        reported, sorted.
    bins : sequence of numbers, optional
        For a numeric column: increasing bin values. Each value but the last
        counts exact matches; the last counts values at or above it (so
        ``[0, 1, 2, 3]`` reports 0, 1, 2 and 3+). Overrides ``levels``.

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``level``, ``open_ended`` (True for the last,
        "or more" bin), ``count``, ``n`` (non-missing values in the group) and
        ``proportion`` (count / n).

    Raises
    ------
    ValueError
        If a column is missing, or ``bins`` is given for a non-numeric column
        or is not increasing.
    """
    _require_columns(df, [var, group])
    data = pd.DataFrame({"v": _as_object(df[var]), "g": _as_object(df[group])}).dropna(
        subset=["g"]
    )
    groups = _group_levels(data["g"], order, group)
    if bins is not None:
        _require_numeric(df, [var])
        b = [float(x) for x in bins]
        if len(b) == 0 or any(b2 <= b1 for b1, b2 in zip(b, b[1:])):
            raise ValueError(
                f"display bins for column '{var}' must be a non-empty increasing list"
            )
        report = list(bins)
    else:
        report = (
            list(levels) if levels is not None else _ordered_levels(data["v"], None)
        )
    rows = []
    for g in groups:
        v = data.loc[data["g"] == g, "v"].dropna()
        n = int(v.size)
        for i, lev in enumerate(report):
            open_ended = bins is not None and i == len(report) - 1
            if bins is None:
                count = int((v == lev).sum())
            elif open_ended:
                count = int((v.astype(float) >= float(lev)).sum())
            else:
                count = int((v.astype(float) == float(lev)).sum())
            rows.append(
                {
                    "group": g,
                    "level": lev,
                    "open_ended": bool(open_ended),
                    "count": count,
                    "n": n,
                    "proportion": count / n if n else math.nan,
                }
            )
    return pd.DataFrame(
        rows, columns=["group", "level", "open_ended", "count", "n", "proportion"]
    )
