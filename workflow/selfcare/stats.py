"""Statistical analyses of the cohort: pure functions over data frames.

Every function here takes a :class:`pandas.DataFrame` with named columns plus
plain arguments (column names, formulas, dicts from the configuration) and
returns plain dicts or tidy data frames holding full-precision floats. Nothing
is rounded or turned into text here; :mod:`selfcare.formatting` does that.

Conventions
-----------
* Missing values are dropped per analysis (complete cases on the columns the
  analysis uses); the number of rows left out is always reported.
* Errors are :class:`ValueError` messages that name the column, key or
  variable at fault. They never contain a data value: rows are named by their
  position (0-based) in the frame, never by an index label or an identifier.
* Warnings raised by the libraries during a fit are captured and returned in a
  ``note`` entry instead of being printed, so that runs are quiet and the same
  inputs give the same outputs.

Library choices: one-way ANOVA, Pearson chi-squared, Kruskal-Wallis, paired t,
Wilcoxon signed-rank and the exact binomial test come from :mod:`scipy.stats`;
regressions and the GEE come from :mod:`statsmodels`; the ANCOVA cross-check
uses :func:`pingouin.ancova`.
"""

from __future__ import annotations

import ast
import io
import keyword
import math
import tokenize
import warnings
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.stats as st

from selfcare.formatting import round_half_away

__all__ = [
    "anova_oneway",
    "chi2_independence",
    "kruskal",
    "describe_by_group",
    "counts_by_group",
    "baseline_table",
    "check_published",
    "paired_change",
    "count_change",
    "formula_columns",
    "fit_ols",
    "fit_ancova",
    "fit_logit",
    "count_significant",
]

# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------


def _require_frame(df: Any) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")


def _require_columns(df: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise ValueError naming the first column that is not in ``df``."""
    _require_frame(df)
    for col in columns:
        if not isinstance(col, str):
            raise ValueError(f"column names must be strings; got {type(col).__name__}")
        if col not in df.columns:
            raise ValueError(f"column '{col}' is not in the data")


def _require_numeric(df: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise ValueError naming the first column that is missing or not numeric."""
    cols = list(columns)
    _require_columns(df, cols)
    for col in cols:
        if not pd.api.types.is_numeric_dtype(df[col]):
            raise ValueError(
                f"column '{col}' must be numeric (found dtype {df[col].dtype})"
            )


def _positions(mask: np.ndarray, limit: int = 5) -> str:
    """Describe row positions (0-based) where ``mask`` is true, never values."""
    pos = np.flatnonzero(mask)
    shown = ", ".join(str(int(p)) for p in pos[:limit])
    more = "" if len(pos) <= limit else f" and {len(pos) - limit} more"
    return f"{len(pos)} row(s) at position(s) {shown}{more}"


def _require_counts(df: pd.DataFrame, col: str) -> None:
    """Raise ValueError if a count column holds negative or non-integer values."""
    values = df[col].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isnan(values) | ((values >= 0) & (np.floor(values) == values))
    if not ok.all():
        raise ValueError(
            f"column '{col}' must hold non-negative whole counts; "
            f"{_positions(~ok)} do not"
        )


def _sort_key(value: Any) -> tuple[int, float, str]:
    """Order numbers numerically before text; deterministic for mixed types."""
    if isinstance(value, (bool, np.bool_, int, float, np.integer, np.floating)):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def _group_levels(series: pd.Series, order: Sequence[Any] | None, name: str) -> list:
    """Observed levels of a grouping column, in ``order`` when given."""
    observed = pd.unique(series.dropna())
    if order is None:
        if isinstance(series.dtype, pd.CategoricalDtype):
            cats = list(series.cat.categories)
            present = set(observed)
            return [c for c in cats if c in present]
        return sorted(observed, key=_sort_key)
    order = list(order)
    extra = [v for v in observed if v not in order]
    if extra:
        raise ValueError(
            f"column '{name}' holds {len(extra)} group level(s) not listed in the "
            "group order"
        )
    return order


def _capture(func, *args, **kwargs) -> tuple[Any, list[str]]:
    """Call ``func`` and return its result and the texts of any warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func(*args, **kwargs)
    messages: list[str] = []
    for w in caught:
        text = f"{w.category.__name__}: {str(w.message).splitlines()[0]}"
        if text not in messages:
            messages.append(text)
    return result, messages


def _join_notes(notes: Iterable[str]) -> str:
    return "; ".join(n for n in notes if n)


# --------------------------------------------------------------------------
# baseline comparisons between groups
# --------------------------------------------------------------------------


def _group_arrays(
    df: pd.DataFrame, value: str, group: str, order: Sequence[Any] | None
) -> tuple[pd.DataFrame, list, list[np.ndarray]]:
    """Complete rows, group levels and the non-empty value array of each group."""
    _require_columns(df, [group])
    _require_numeric(df, [value])
    data = df[[value, group]].dropna()
    levels = _group_levels(data[group], order, group)
    arrays = [data.loc[data[group] == g, value].to_numpy(dtype=float) for g in levels]
    return data, levels, [a for a in arrays if a.size > 0]


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
        "dof": max((table.shape[0] - 1) * (table.shape[1] - 1), 0),
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
        name, vtype, test = spec["name"], spec["type"], spec["test"]
        if spec["key"] in keys_seen:
            raise ValueError(
                f"baseline variable '{name}': key '{spec['key']}' is used twice"
            )
        keys_seen.add(spec["key"])
        _require_columns(df, [name])
        work = df[[name, group]].copy()
        notes: list[str] = []
        if "at_least" in spec:
            _require_numeric(df, [name])
            x = work[name]
            work[name] = pd.Series(
                np.where(x.isna(), None, x >= spec["at_least"]),
                index=work.index,
                dtype=object,
            )
            spec.setdefault("report_level", True)
        if vtype in ("continuous", "ordinal") and "at_least" not in spec:
            _require_numeric(df, [name])

        # ----- display rows
        if vtype == "continuous":
            part = describe_by_group(work, name, group, order)
            part["level"] = None
            part["open_ended"] = False
            part["count"] = math.nan
            part["proportion"] = math.nan
        else:
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
        part["variable"] = name
        part["key"] = spec["key"]
        part["label"] = spec["label"]
        part["type"] = vtype
        display_parts.append(part[DISPLAY_COLUMNS])

        # ----- test row
        if test == "none":
            continue
        if test == "anova":
            res = anova_oneway(work, name, group, order)
            df1, df2 = res["df1"], res["df2"]
        elif test == "kruskal":
            res = kruskal(work, name, group, order)
            df1, df2 = res["dof"], math.nan
        else:
            res = chi2_independence(work, name, group, order, levels=spec.get("levels"))
            df1, df2 = res["dof"], math.nan
        test_rows.append(
            {
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
        )
    display = (
        pd.concat(display_parts, ignore_index=True)
        if display_parts
        else pd.DataFrame(columns=DISPLAY_COLUMNS)
    )
    tests = pd.DataFrame(test_rows, columns=TEST_COLUMNS)
    return display, tests


# --------------------------------------------------------------------------
# checking published statistics (statcheck-style)
# --------------------------------------------------------------------------

_FAMILY = {
    "f": "F",
    "chi2": "chi2",
    "chi^2": "chi2",
    "χ²": "chi2",
    "χ2": "chi2",
    "x2": "chi2",
    "chi-squared": "chi2",
    "chisq": "chi2",
    "h": "chi2",  # Kruskal-Wallis H is referred to chi-squared
    "t": "t",
    "z": "z",
}

_PUBLISHED_KEYS = {
    "key",
    "statistic",
    "value",
    "df",
    "p",
    "decimals",
    "p_decimals",
    "source",
    "counts",
    "counts_type",
    "note",
}

CHECK_COLUMNS = [
    "key",
    "statistic",
    "published",
    "computed",
    "decimals",
    "reproduced",
    "published_df",
    "computed_df",
    "df_match",
    "published_p",
    "p_relation",
    "computed_p",
    "recomputed_p",
    "p_reproduced",
    "internally_consistent",
    "counts_statistic",
    "counts_consistent",
    "verdict",
    "note",
    "source",
]


def _family(name: Any, key: str) -> str:
    fam = _FAMILY.get(str(name).strip().lower()) if name is not None else None
    if fam is None:
        raise ValueError(
            f"published item '{key}': statistic '{name}' is not one of F, chi2, H, t, z"
        )
    return fam


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def _round_dec(x: float, decimals: int) -> Decimal:
    """Round half away from zero on the decimal representation of ``x``."""
    return round_half_away(float(x), decimals)


def _decimals_of(x: float) -> int:
    """Number of decimals in the shortest representation of ``x``."""
    exp = _dec(x).normalize().as_tuple().exponent
    return max(0, -int(exp))


def _p_from(fam: str, value: float, df: Sequence[float]) -> float:
    """Upper-tail (two-sided for t, z) p-value of a test statistic."""
    if not np.isfinite(value):
        return math.nan
    if fam == "chi2":
        return float(st.chi2.sf(value, df[0])) if len(df) >= 1 else math.nan
    if fam == "F":
        return float(st.f.sf(value, df[0], df[1])) if len(df) >= 2 else math.nan
    if fam == "t":
        return float(2 * st.t.sf(abs(value), df[0])) if len(df) >= 1 else math.nan
    return float(2 * st.norm.sf(abs(value)))


def _parse_p(p: Any, key: str) -> tuple[float, str]:
    """Published p as (number, relation) where relation is '=' or '<'."""
    if p is None:
        return math.nan, ""
    if isinstance(p, str):
        text = p.strip().replace(" ", "")
        rel = "="
        if text.startswith("<"):
            rel, text = "<", text[1:]
        elif text.startswith("="):
            text = text[1:]
        try:
            value = float(text)
        except ValueError:
            raise ValueError(
                f"published item '{key}': 'p' is not a number or '<number'"
            ) from None
        return value, rel
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise ValueError(f"published item '{key}': 'p' is not a number or '<number'")
    return float(p), "="


def _counts_table(counts: Any, counts_type: str, key: str) -> np.ndarray:
    if not isinstance(counts, Mapping) or len(counts) < 2:
        raise ValueError(
            f"published item '{key}': 'counts' must map at least two groups to counts"
        )
    rows = []
    for grp, c in counts.items():
        if not isinstance(c, Sequence) or isinstance(c, str):
            raise ValueError(
                f"published item '{key}': counts for group '{grp}' must be a list"
            )
        vals = [float(v) for v in c]
        if any(v < 0 or v != math.floor(v) for v in vals):
            raise ValueError(
                f"published item '{key}': counts for group '{grp}' must be whole numbers >= 0"
            )
        if counts_type == "events_n":
            if len(vals) != 2 or vals[0] > vals[1]:
                raise ValueError(
                    f"published item '{key}': counts for group '{grp}' must be [events, n] with events <= n"
                )
            rows.append([vals[0], vals[1] - vals[0]])
        elif counts_type == "table":
            rows.append(vals)
        else:
            raise ValueError(
                f"published item '{key}': 'counts_type' must be 'events_n' or 'table'"
            )
    if len({len(r) for r in rows}) != 1:
        raise ValueError(
            f"published item '{key}': groups have different numbers of count cells"
        )
    table = np.array(rows, dtype=float)
    return table[:, table.sum(axis=0) > 0]


def _as_df_list(dfv: Any) -> list[float]:
    if dfv is None:
        return []
    if isinstance(dfv, (list, tuple)):
        return [float(v) for v in dfv]
    return [float(dfv)]


def check_published(
    computed: pd.DataFrame, published: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """Compare published test statistics with recomputed ones (statcheck-style).

    Three checks per published item:

    1. **Reproduction**: the computed statistic, rounded half away from zero to
       the published number of decimals, equals the published value. The same
       is done for the p-value at its published precision.
    2. **Internal consistency**: the p-value is recomputed from the published
       statistic and degrees of freedom (chi-squared, F, two-sided t or z).
       Because the published statistic is rounded, the p-value of every
       statistic that rounds to it is allowed; the triple is consistent when
       the published p (itself rounded, or a "< x" bound) is compatible with
       that range.
    3. **Counts** (chi-squared only, when the item gives its observed counts):
       Pearson chi-squared without continuity correction is recomputed from
       the counts; a published statistic that does not round from it is
       flagged as inconsistent with its own counts.

    Parameters
    ----------
    computed : pandas.DataFrame
        One row per computed test, e.g. the ``tests`` frame of
        :func:`baseline_table`. Required columns: ``key`` (unique), ``value``
        (the statistic) and ``p_value``. Optional: ``statistic`` (its name:
        "F", "chi2", "H", "t", "z"), ``df1`` (or ``dof``) and ``df2``.
    published : sequence of dict
        Items with keys ``key``, ``statistic`` (name) and ``value``
        (required), and optionally ``df`` (a number or ``[df1, df2]``),
        ``p`` (a number or a string such as ``"<0.001"``), ``decimals`` and
        ``p_decimals`` (inferred from the printed value when absent; give
        them when the printed value ends in zero), ``source``, ``note``,
        ``counts`` (group -> ``[events, n]``, or group -> category counts
        with ``counts_type: "table"``).

    Returns
    -------
    pandas.DataFrame
        One row per published item with columns ``key, statistic, published,
        computed, decimals, reproduced, published_df, computed_df, df_match,
        published_p, p_relation, computed_p, recomputed_p`` (p from the
        published statistic and df), ``p_reproduced, internally_consistent,
        counts_statistic, counts_consistent, verdict, note, source``. Boolean
        checks that cannot be made are missing (``pd.NA``). ``verdict`` is one
        of "reproduced", "reproduced; p differs in the last digit",
        "reproduced; p differs", "statistic differs in the last digit",
        "not reproduced", "not computed" or "published value inconsistent with
        its own counts", with "; published p does not follow from its
        statistic" appended when check 2 fails.

    Raises
    ------
    ValueError
        If ``computed`` lacks a required column or repeats a key, or a
        published item is malformed (the message names its key).
    """
    _require_columns(computed, ["key", "value", "p_value"])
    if computed["key"].duplicated().any():
        dup = computed.loc[computed["key"].duplicated(), "key"].iloc[0]
        raise ValueError(f"computed results: key '{dup}' appears more than once")
    df1_col = (
        "df1"
        if "df1" in computed.columns
        else ("dof" if "dof" in computed.columns else None)
    )
    by_key = {row["key"]: row for _, row in computed.iterrows()}
    rows = []
    seen: set[str] = set()
    for position, item in enumerate(published):
        if not isinstance(item, Mapping) or "key" not in item:
            raise ValueError(f"published item at position {position} has no 'key'")
        key = str(item["key"])
        if key in seen:
            raise ValueError(f"published item '{key}' appears more than once")
        seen.add(key)
        unknown = sorted(set(item) - _PUBLISHED_KEYS)
        if unknown:
            raise ValueError(f"published item '{key}': unknown key '{unknown[0]}'")
        for req in ("statistic", "value"):
            if req not in item:
                raise ValueError(f"published item '{key}' has no '{req}'")
        fam = _family(item["statistic"], key)
        pub_value = float(item["value"])
        decimals = (
            int(item["decimals"]) if "decimals" in item else _decimals_of(pub_value)
        )
        pub_df = _as_df_list(item.get("df"))
        pub_p, p_rel = _parse_p(item.get("p"), key)
        p_dec = (
            int(item["p_decimals"])
            if "p_decimals" in item
            else (_decimals_of(pub_p) if not math.isnan(pub_p) else 3)
        )
        notes: list[str] = []
        if item.get("note"):
            notes.append(str(item["note"]))

        # computed side
        comp = by_key.get(key)
        comp_value = comp_p = math.nan
        comp_df: list[float] = []
        if comp is not None:
            comp_value = float(comp["value"]) if pd.notna(comp["value"]) else math.nan
            comp_p = float(comp["p_value"]) if pd.notna(comp["p_value"]) else math.nan
            if df1_col is not None and pd.notna(comp[df1_col]):
                comp_df.append(float(comp[df1_col]))
                if "df2" in computed.columns and pd.notna(comp["df2"]):
                    comp_df.append(float(comp["df2"]))
            if "statistic" in computed.columns and pd.notna(comp["statistic"]):
                if _FAMILY.get(str(comp["statistic"]).strip().lower()) != fam:
                    notes.append(
                        "computed and published statistics are of different kinds"
                    )
                elif (
                    str(comp["statistic"]).strip().lower()
                    != str(item["statistic"]).strip().lower()
                ):
                    notes.append(
                        f"computed statistic is {comp['statistic']}, published as {item['statistic']}"
                    )

        unit = Decimal(1).scaleb(-decimals)
        pub_round = _round_dec(pub_value, decimals)
        reproduced = bool(
            np.isfinite(comp_value) and _round_dec(comp_value, decimals) == pub_round
        )
        df_match: Any = pd.NA
        if pub_df and comp_df:
            df_match = bool(np.allclose(pub_df, comp_df))
            if not df_match:
                notes.append("degrees of freedom differ")

        # p reproduction
        p_reproduced: Any = pd.NA
        p_last_digit = False
        if not math.isnan(pub_p) and np.isfinite(comp_p):
            if p_rel == "<":
                p_reproduced = bool(comp_p < pub_p)
            else:
                diff = abs(_round_dec(comp_p, p_dec) - _round_dec(pub_p, p_dec))
                p_reproduced = bool(diff == 0)
                p_last_digit = diff == Decimal(1).scaleb(-p_dec)

        # internal consistency of the published triple
        recomputed_p = math.nan
        consistent: Any = pd.NA
        needed = {"chi2": 1, "F": 2, "t": 1, "z": 0}[fam]
        if len(pub_df) >= needed:
            recomputed_p = _p_from(fam, pub_value, pub_df)
            if not math.isnan(pub_p):
                half = float(unit) / 2
                lo_stat, hi_stat = abs(pub_value) - half, abs(pub_value) + half
                lo_stat = max(lo_stat, 0.0)
                p_a = _p_from(fam, lo_stat, pub_df)
                p_b = _p_from(fam, hi_stat, pub_df)
                p_min, p_max = min(p_a, p_b), max(p_a, p_b)
                if p_rel == "<":
                    consistent = bool(p_min < pub_p)
                else:
                    p_half = float(Decimal(1).scaleb(-p_dec)) / 2
                    consistent = bool(
                        pub_p - p_half <= p_max and pub_p + p_half >= p_min
                    )
        elif pub_df == [] and "df" in item:
            notes.append("published df missing")

        # counts check
        counts_stat = math.nan
        counts_consistent: Any = pd.NA
        if "counts" in item:
            if fam != "chi2":
                raise ValueError(
                    f"published item '{key}': 'counts' can only be checked for chi2"
                )
            table = _counts_table(
                item["counts"], item.get("counts_type", "events_n"), key
            )
            if table.shape[1] >= 2:
                res = st.chi2_contingency(table, correction=False)
                counts_stat = float(res.statistic)
                counts_consistent = bool(_round_dec(counts_stat, decimals) == pub_round)
                if pub_df and int(res.dof) != int(pub_df[0]):
                    notes.append(
                        "df implied by the counts differ from the published df"
                    )
                if (
                    not counts_consistent
                    and np.isfinite(comp_value)
                    and _round_dec(comp_value, decimals)
                    == _round_dec(counts_stat, decimals)
                ):
                    notes.append(
                        "computed value agrees with the statistic recomputed from the published counts"
                    )
            else:
                notes.append("counts have fewer than two non-empty columns")

        # verdict
        if counts_consistent is False:
            verdict = "published value inconsistent with its own counts"
        elif comp is None or not np.isfinite(comp_value):
            verdict = "not computed"
        elif reproduced:
            if p_reproduced is pd.NA or p_reproduced:
                verdict = "reproduced"
            elif p_last_digit:
                verdict = "reproduced; p differs in the last digit"
            else:
                verdict = "reproduced; p differs"
        elif abs(_round_dec(comp_value, decimals) - pub_round) == unit:
            verdict = "statistic differs in the last digit"
        else:
            verdict = "not reproduced"
        if consistent is False:
            verdict += "; published p does not follow from its statistic"

        rows.append(
            {
                "key": key,
                "statistic": str(item["statistic"]),
                "published": pub_value,
                "computed": comp_value,
                "decimals": decimals,
                "reproduced": reproduced,
                "published_df": tuple(pub_df) if pub_df else None,
                "computed_df": tuple(comp_df) if comp_df else None,
                "df_match": df_match,
                "published_p": pub_p,
                "p_relation": p_rel,
                "computed_p": comp_p,
                "recomputed_p": recomputed_p,
                "p_reproduced": p_reproduced,
                "internally_consistent": consistent,
                "counts_statistic": counts_stat,
                "counts_consistent": counts_consistent,
                "verdict": verdict,
                "note": _join_notes(notes),
                "source": item.get("source", ""),
            }
        )
    out = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    for col in (
        "df_match",
        "p_reproduced",
        "internally_consistent",
        "counts_consistent",
    ):
        out[col] = out[col].astype("boolean")
    out["reproduced"] = out["reproduced"].astype(bool)
    return out


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
    import statsmodels.api as sm

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
    x = df[pre].to_numpy(dtype=float, na_value=np.nan)
    y = df[post].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[keep], y[keep]
    n = int(x.size)
    total_pre, total_post = int(x.sum()), int(y.sum())
    nan = math.nan
    out: dict[str, Any] = {
        "n_persons": n,
        "n_excluded_missing": int((~keep).sum()),
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
    notes: list[str] = []
    total = total_pre + total_post
    # exact conditional sensitivity analysis
    if total > 0:
        bt = st.binomtest(total_post, total, 0.5)
        ci = bt.proportion_ci(confidence_level=1 - alpha, method="exact")
        out["exact_p_value"] = float(bt.pvalue)
        out["exact_rr_ci_low"] = (
            float(ci.low / (1 - ci.low)) if ci.low < 1 else math.inf
        )
        out["exact_rr_ci_high"] = (
            float(ci.high / (1 - ci.high)) if ci.high < 1 else math.inf
        )
    if n < 2:
        notes.append("fewer than two complete pairs; model not fitted")
    elif total_pre == 0 and total_post == 0:
        notes.append("all counts are zero; rate ratio undefined")
    elif total_pre == 0:
        notes.append("all pre-period counts are zero; rate ratio undefined")
    elif total_post == 0:
        notes.append(
            "all post-period counts are zero; rate ratio is zero and the model is not fitted"
        )
    else:
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
        notes.extend(msgs)
        beta = float(res.params[1])
        se = float(res.bse[1])
        z = st.norm.ppf(1 - alpha / 2)
        rr, lo, hi = math.exp(beta), math.exp(beta - z * se), math.exp(beta + z * se)
        out.update(
            beta=beta,
            se_beta=se,
            rate_ratio=rr,
            rr_ci_low=lo,
            rr_ci_high=hi,
            p_value=float(2 * st.norm.sf(abs(beta / se))) if se > 0 else nan,
            pct_change=(rr - 1) * 100,
            pct_reduction=(1 - rr) * 100,
            pct_reduction_ci_low=(1 - hi) * 100,
            pct_reduction_ci_high=(1 - lo) * 100,
            working_correlation=float(
                np.asarray(model.cov_struct.dep_params).ravel()[0]
            ),
        )
    out["note"] = _join_notes(notes)
    return out


# --------------------------------------------------------------------------
# regression models
# --------------------------------------------------------------------------

_FORMULA_SKIP = {"True", "False", "None"}


def _names_in(expr: str) -> list[str]:
    """Variable names used in one side of a patsy formula."""
    try:
        toks = [
            t
            for t in tokenize.generate_tokens(io.StringIO(expr).readline)
            if t.type
            not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.COMMENT)
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        raise ValueError(
            "formula cannot be parsed (unbalanced brackets or quotes?)"
        ) from None
    names: list[str] = []
    for i, t in enumerate(toks):
        prev = toks[i - 1].string if i > 0 else ""
        nxt = toks[i + 1].string if i + 1 < len(toks) else ""
        if t.type == tokenize.NAME:
            if (
                prev == "."
                or nxt in ("(", ".", "=")
                or keyword.iskeyword(t.string)
                or t.string in _FORMULA_SKIP
            ):
                continue
            name = t.string
        elif (
            t.type == tokenize.STRING
            and prev == "("
            and i >= 2
            and toks[i - 2].string == "Q"
        ):
            name = ast.literal_eval(t.string)
        else:
            continue
        if name not in names:
            names.append(name)
    return names


def formula_columns(formula: str) -> tuple[list[str], list[str]]:
    """Columns named on each side of a patsy formula.

    Function names (``C``, ``np.log``, ``I``...), keyword arguments and
    literals are skipped; ``Q("odd name")`` yields ``odd name``.

    Parameters
    ----------
    formula : str
        A formula such as ``"fu ~ bl + C(site) + np.log(age)"``.

    Returns
    -------
    tuple of (list of str, list of str)
        Column names on the left and on the right of ``~``, each in order of
        first appearance.

    Raises
    ------
    ValueError
        If the formula has no ``~`` or cannot be tokenised.
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise ValueError("formula must be a string of the form 'outcome ~ terms'")
    lhs, rhs = formula.split("~", 1)
    return _names_in(lhs.strip()), _names_in(rhs.strip())


def _check_formula(df: pd.DataFrame, formula: str) -> tuple[list[str], list[str]]:
    lhs, rhs = formula_columns(formula)
    if not lhs:
        raise ValueError("formula has no outcome column on the left of '~'")
    _require_columns(df, lhs + rhs)
    _require_numeric(df, lhs)
    return lhs, rhs


def _tidy(res: Any, alpha: float, n: int) -> pd.DataFrame:
    ci = res.conf_int(alpha=alpha)
    ci = np.asarray(ci)
    names = list(res.model.exog_names)
    return pd.DataFrame(
        {
            "term": names,
            "estimate": np.asarray(res.params, dtype=float),
            "se": np.asarray(res.bse, dtype=float),
            "statistic": np.asarray(res.tvalues, dtype=float),
            "ci_low": ci[:, 0].astype(float),
            "ci_high": ci[:, 1].astype(float),
            "p_value": np.asarray(res.pvalues, dtype=float),
            "n": n,
        }
    )


def _fit_errors(exc: Exception, formula: str) -> ValueError:
    kind = type(exc).__name__
    return ValueError(f"model '{formula}' could not be fitted ({kind})")


def fit_ols(
    df: pd.DataFrame, formula: str, alpha: float = 0.05
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Ordinary least squares on complete cases, with a tidy coefficient table.

    Parameters
    ----------
    df : pandas.DataFrame
        Analysis data.
    formula : str
        Patsy formula, e.g. ``"satisfaction ~ severity_bl + C(site)"``.
    alpha : float, default 0.05
        Level for the ``1 - alpha`` confidence intervals.

    Returns
    -------
    tidy : pandas.DataFrame
        Columns ``term, estimate, se, statistic`` (t), ``ci_low, ci_high,
        p_value, n``.
    info : dict
        ``formula``, ``n`` (rows used), ``n_dropped`` (rows with a missing
        value in a model column), ``n_params``, ``rank``, ``df_model``,
        ``df_resid``, ``r_squared``, ``adj_r_squared``, ``f_statistic``,
        ``f_p_value``, ``aic``, ``bic``, ``confidence``, ``note``.

    Raises
    ------
    ValueError
        If a formula column is missing, the outcome is not numeric, or the
        model cannot be fitted.
    """
    import statsmodels.formula.api as smf

    _check_formula(df, formula)
    try:
        res, msgs = _capture(lambda: smf.ols(formula, data=df, missing="drop").fit())
    except Exception as exc:  # patsy / linear-algebra failures
        raise _fit_errors(exc, formula) from None
    n = int(res.nobs)
    if n == 0:
        raise ValueError(f"model '{formula}': no complete cases")
    tidy = _tidy(res, alpha, n)
    info = {
        "formula": formula,
        "n": n,
        "n_dropped": int(len(df) - n),
        "n_params": int(len(res.params)),
        "rank": int(res.model.rank),
        "df_model": float(res.df_model),
        "df_resid": float(res.df_resid),
        "r_squared": float(res.rsquared),
        "adj_r_squared": float(res.rsquared_adj),
        "f_statistic": float(res.fvalue) if res.df_model > 0 else math.nan,
        "f_p_value": float(res.f_pvalue) if res.df_model > 0 else math.nan,
        "aic": float(res.aic),
        "bic": float(res.bic),
        "confidence": 1 - alpha,
        "note": _join_notes(
            msgs
            + (
                ["design matrix is rank deficient"]
                if res.model.rank < len(res.params)
                else []
            )
        ),
    }
    return tidy, info


def _term(col: str, categorical: bool) -> str:
    base = col if col.isidentifier() and not keyword.iskeyword(col) else f"Q({col!r})"
    return f"C({base})" if categorical else base


def fit_ancova(
    df: pd.DataFrame,
    outcome_fu: str,
    outcome_bl: str,
    exposure: str,
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    alpha: float = 0.05,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """ANCOVA of a follow-up score on its baseline and an exposure.

    Fits ``fu ~ bl + exposure + covariates`` by OLS on complete cases (names
    listed in ``categorical`` enter as ``C(name)``) and tests the exposure
    with an F test comparing the model with and without it (for a model
    without interactions this equals the type II test). When the exposure has
    two levels the F statistic equals the square of the exposure t.

    Cross-check: when every covariate is numeric and the exposure is either
    categorical or has exactly two levels, :func:`pingouin.ancova` is run on
    the same rows with the exposure as ``between`` and the baseline and the
    covariates as ``covar``; its exposure F and p are recorded with their
    absolute differences from ours.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per participant.
    outcome_fu, outcome_bl : str
        Numeric follow-up and baseline columns of the outcome.
    exposure : str
        Exposure column (numeric, or listed in ``categorical``).
    covariates : sequence of str, optional
        Further adjustment columns.
    categorical : sequence of str, optional
        Which of ``exposure`` and ``covariates`` are categorical.
    alpha : float, default 0.05
        Level for the confidence intervals.

    Returns
    -------
    tidy : pandas.DataFrame
        As :func:`fit_ols`.
    info : dict
        :func:`fit_ols` info plus ``exposure``, ``exposure_levels``,
        ``exposure_F``, ``exposure_df1``, ``exposure_df2``, ``exposure_p``,
        ``exposure_t`` and ``exposure_t_squared`` (NaN unless the exposure
        has one degree of freedom), ``pingouin_applicable``, ``pingouin_F``,
        ``pingouin_p``, ``abs_diff_F``, ``abs_diff_p`` and ``pingouin_note``.

    Raises
    ------
    ValueError
        If a column is missing or a non-categorical column is not numeric, a
        name in ``categorical`` is not a model column, or there are no
        complete cases.
    """
    import statsmodels.formula.api as smf

    covariates = list(covariates)
    categorical = list(categorical)
    cols = [outcome_fu, outcome_bl, exposure, *covariates]
    _require_columns(df, cols)
    for c in categorical:
        if c not in (exposure, *covariates):
            raise ValueError(
                f"categorical column '{c}' is not the exposure or a covariate"
            )
    _require_numeric(df, [c for c in cols if c not in categorical])
    if len(set(cols)) != len(cols):
        raise ValueError(
            "outcome, baseline, exposure and covariates must be distinct columns"
        )
    data = df[cols].dropna()
    n = len(data)
    if n == 0:
        raise ValueError(f"ANCOVA of '{outcome_fu}': no complete cases")
    exp_term = _term(exposure, exposure in categorical)
    rhs_rest = [_term(outcome_bl, False)] + [
        _term(c, c in categorical) for c in covariates
    ]
    formula = f"{_term(outcome_fu, False)} ~ " + " + ".join(
        [rhs_rest[0], exp_term, *rhs_rest[1:]]
    )
    reduced = f"{_term(outcome_fu, False)} ~ " + " + ".join(rhs_rest)
    tidy, info = fit_ols(data, formula, alpha=alpha)
    info["n_dropped"] = int(len(df) - n)
    try:
        full = smf.ols(formula, data=data).fit()
        red = smf.ols(reduced, data=data).fit()
    except Exception as exc:
        raise _fit_errors(exc, formula) from None
    f_val, p_val, df_diff = full.compare_f_test(red)
    levels = int(data[exposure].nunique())
    info.update(
        exposure=exposure,
        exposure_levels=levels,
        exposure_F=float(f_val),
        exposure_df1=float(df_diff),
        exposure_df2=float(full.df_resid),
        exposure_p=float(p_val),
        exposure_t=math.nan,
        exposure_t_squared=math.nan,
    )
    exp_rows = [
        t for t in tidy["term"] if t == exp_term or t.startswith(exp_term + "[")
    ]
    if len(exp_rows) == 1 and df_diff == 1:
        t_val = float(tidy.loc[tidy["term"] == exp_rows[0], "statistic"].iloc[0])
        info["exposure_t"] = t_val
        info["exposure_t_squared"] = t_val**2

    # pingouin takes numeric covariates only: categorical covariates enter as
    # 0/1 indicator columns (first level as reference), which spans the same
    # model as C(x) in the formula.
    data = data.copy()
    pg_covars: list[str] = []
    for c in covariates:
        if c in categorical:
            dummies = pd.get_dummies(data[c].astype(str), prefix=f"_pg_{c}", drop_first=True, dtype=float)
            data = pd.concat([data, dummies], axis=1)
            pg_covars += list(dummies.columns)
        else:
            pg_covars.append(c)
    applicable = levels == 2 or (exposure in categorical and levels >= 2)
    info.update(
        pingouin_applicable=applicable,
        pingouin_F=math.nan,
        pingouin_p=math.nan,
        abs_diff_F=math.nan,
        abs_diff_p=math.nan,
        pingouin_note="",
    )
    if not applicable:
        info["pingouin_note"] = (
            "not applicable: pingouin needs a grouping exposure"
        )
        return tidy, info
    import pingouin as pg

    try:
        aov, msgs = _capture(
            pg.ancova,
            data=data,
            dv=outcome_fu,
            between=exposure,
            covar=[outcome_bl, *pg_covars],
        )
    except Exception as exc:
        info["pingouin_note"] = f"pingouin failed ({type(exc).__name__})"
        return tidy, info
    p_col = "p_unc" if "p_unc" in aov.columns else "p-unc"
    row = aov.loc[aov["Source"] == exposure]
    if row.empty:
        info["pingouin_note"] = "pingouin returned no row for the exposure"
        return tidy, info
    pf, pp = float(row["F"].iloc[0]), float(row[p_col].iloc[0])
    info.update(
        pingouin_F=pf,
        pingouin_p=pp,
        abs_diff_F=abs(pf - info["exposure_F"]),
        abs_diff_p=abs(pp - info["exposure_p"]),
        pingouin_note=_join_notes(
            m for m in msgs if "Pandas4Warning" not in m and "FutureWarning" not in m
        ),
    )
    return tidy, info


def fit_logit(
    df: pd.DataFrame, formula: str, alpha: float = 0.05, maxiter: int = 100
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Logistic regression by maximum likelihood, with Wald odds ratios.

    Parameters
    ----------
    df : pandas.DataFrame
        Analysis data.
    formula : str
        Patsy formula whose left side is a single column coded 0/1.
    alpha : float, default 0.05
        Level for the Wald ``1 - alpha`` intervals.
    maxiter : int, default 100
        Maximum Newton iterations.

    Returns
    -------
    tidy : pandas.DataFrame
        Columns ``term, estimate`` (log odds), ``se, statistic`` (z),
        ``ci_low, ci_high, p_value, odds_ratio, or_ci_low, or_ci_high, n``.
    info : dict
        ``formula``, ``n``, ``n_dropped``, ``events`` (outcome = 1),
        ``non_events``, ``converged``, ``iterations``, ``llf``, ``llnull``,
        ``pseudo_r2`` (McFadden), ``llr_p``, ``confidence``, ``note``
        (captured warnings, e.g. about separation).

    Raises
    ------
    ValueError
        If a column is missing, the outcome is not a single numeric column
        holding only 0 and 1, or the model cannot be fitted.
    """
    import statsmodels.formula.api as smf

    lhs, _ = _check_formula(df, formula)
    outcome = formula.split("~", 1)[0].strip()
    if len(lhs) != 1 or outcome not in (lhs[0], f"Q({lhs[0]!r})", f'Q("{lhs[0]}")'):
        raise ValueError(
            "logistic model: the left side of the formula must be a single outcome column"
        )
    y = df[lhs[0]].to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isnan(y) & (y != 0) & (y != 1)
    if bad.any():
        raise ValueError(
            f"column '{lhs[0]}' must be coded 0/1; {_positions(bad)} are not"
        )
    try:
        res, msgs = _capture(
            lambda: smf.logit(formula, data=df, missing="drop").fit(
                disp=0, maxiter=maxiter, method="newton"
            )
        )
    except Exception as exc:
        raise _fit_errors(exc, formula) from None
    n = int(res.nobs)
    tidy = _tidy(res, alpha, n)
    with np.errstate(over="ignore"):  # separated fits give huge log odds -> inf
        tidy.insert(7, "odds_ratio", np.exp(tidy["estimate"].to_numpy()))
        tidy.insert(8, "or_ci_low", np.exp(tidy["ci_low"].to_numpy()))
        tidy.insert(9, "or_ci_high", np.exp(tidy["ci_high"].to_numpy()))
    events = int(np.asarray(res.model.endog).sum())
    info = {
        "formula": formula,
        "n": n,
        "n_dropped": int(len(df) - n),
        "events": events,
        "non_events": n - events,
        "converged": bool(res.mle_retvals.get("converged", False)),
        "iterations": int(res.mle_retvals.get("iterations", -1)),
        "llf": float(res.llf),
        "llnull": float(res.llnull),
        "pseudo_r2": float(res.prsquared),
        "llr_p": float(res.llr_pvalue),
        "confidence": 1 - alpha,
        "note": _join_notes(msgs),
    }
    return tidy, info


def count_significant(
    results: pd.DataFrame, p_col: str = "p_value", alpha: float = 0.05
) -> dict[str, int]:
    """How many tests in a results table reach significance.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per test.
    p_col : str, default "p_value"
        Column holding p-values; missing p-values are not counted as tests.
    alpha : float, default 0.05
        A test is significant when ``p < alpha``.

    Returns
    -------
    dict
        ``n_tests`` (non-missing p-values), ``n_significant`` and
        ``n_missing``.

    Raises
    ------
    ValueError
        If ``p_col`` is missing or not numeric, or holds values outside [0, 1].
    """
    _require_numeric(results, [p_col])
    p = results[p_col].to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(p)
    if ((p[present] < 0) | (p[present] > 1)).any():
        raise ValueError(f"column '{p_col}' holds values outside [0, 1]")
    return {
        "n_tests": int(present.sum()),
        "n_significant": int((p[present] < alpha).sum()),
        "n_missing": int((~present).sum()),
    }
