"""Argument checks shared by the estimators of :mod:`selfcare.analysis`.

Estimators take a :class:`pandas.DataFrame` with named columns plus plain
arguments and return plain dicts or tidy frames at full precision; nothing is
rounded or turned into text in this subpackage (:mod:`selfcare.report.formatting`
does that).

Conventions of every estimator
------------------------------
* Missing values are dropped per analysis (complete cases on the columns the
  analysis uses); the number of rows left out is always reported.
* Errors are :class:`ValueError` messages that name the column, key or
  variable at fault. They never contain a data value: rows are named by their
  position (0-based) in the frame, never by an index label or an identifier.
* Warnings raised by the libraries during a fit are captured and returned in a
  ``note`` entry instead of being printed, so that runs are quiet and the same
  inputs give the same outputs.
"""

from __future__ import annotations

import warnings
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from selfcare.analysis.specification import join_words

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


#: Verdict of a published Table 1 statistic that the hand-over cannot check.
NOT_ASSESSED = "not assessed"


def withdraw_absent_sites(check: pd.DataFrame, absent: Sequence[str], published_sites: Sequence[str]) -> pd.DataFrame:
    """The check with every data comparison withdrawn when a published site is absent.

    The published statistic compares all ``published_sites``; with one of
    them missing from the hand-over the recomputed statistic answers another
    question, so it is not compared: the verdict says "not assessed" and
    names the absent sites. The published-counts check is kept.
    """
    if not absent:
        return check
    out = check.copy()
    why = (f"{NOT_ASSESSED} ({join_words(list(absent))} not in the hand-over; the published statistic compares "
           f"{join_words(list(published_sites))})")
    for col in ("computed", "computed_p"):
        out[col] = float("nan")
    for col in ("df_match", "p_reproduced"):
        out[col] = pd.array([pd.NA] * len(out), dtype="boolean")
    out["computed_df"] = None
    out["reproduced"] = False
    consistent = out["counts_consistent"].astype("boolean")
    out["verdict"] = [why + ("; published value inconsistent with its own counts" if c is False else "")
                      for c in consistent.astype(object).where(consistent.notna(), None)]
    return out
