"""Generalisation of quasi-identifiers and k-anonymity.

Date of birth becomes age at a reference date and an age band; postcodes are
reduced to their district; calendar dates become days since the participant's
baseline. :func:`enforce_k` coarsens or suppresses a released table until every
combination of its quasi-identifiers is shared by at least ``k`` rows.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = [
    "age_at",
    "age_band",
    "days_between",
    "enforce_k",
    "postcode_district",
    "smallest_class",
]

# ---------------------------------------------------------------------------
# 3. Structured fields
# ---------------------------------------------------------------------------

_OUTWARD_RE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_INWARD_RE = re.compile(r"[0-9][A-Z]{2}")


def postcode_district(pc: str) -> str:
    """Return the postcode district (outward code) of a UK postcode.

    The inward code is always the last three characters once spaces are
    removed; the district is what comes before it.

    Parameters
    ----------
    pc : str
        Full postcode in any case, with or without spaces ("SW17 0RE", "po13ax").

    Returns
    -------
    str
        Upper-case district, e.g. ``"SW17"``, ``"PO1"``.

    Raises
    ------
    ValueError
        If the value does not have the shape of a full UK postcode (the value
        itself is not shown).
    """
    if not isinstance(pc, str):
        raise ValueError(f"postcode must be a string, got {type(pc).__name__}")
    code = re.sub(r"\s", "", pc).upper()
    if code == "GIR0AA":
        return "GIR"
    outward, inward = code[:-3], code[-3:]
    if (
        len(code) < 5
        or not _OUTWARD_RE.fullmatch(outward)
        or not _INWARD_RE.fullmatch(inward)
    ):
        raise ValueError("postcode does not have the shape of a full UK postcode")
    return outward


def age_at(dob: dt.date, on: dt.date) -> int:
    """Age in completed years on a given date.

    Parameters
    ----------
    dob : datetime.date
        Date of birth (a ``datetime`` is reduced to its date).
    on : datetime.date
        Reference date.

    Returns
    -------
    int
        Completed years. Someone born on 29 February turns a year older on
        1 March in non-leap years.

    Raises
    ------
    ValueError
        If ``on`` is before ``dob``.
    """
    d0 = dob.date() if isinstance(dob, dt.datetime) else dob
    d1 = on.date() if isinstance(on, dt.datetime) else on
    if d1 < d0:
        raise ValueError("reference date is before the date of birth")
    return d1.year - d0.year - ((d1.month, d1.day) < (d0.month, d0.day))


def age_band(age: float | None, edges: list[int]) -> str | None:
    """Put an age into a band.

    Parameters
    ----------
    age : float or None
        Age in years; fractional ages are floored to completed years. ``None``
        / NaN / ``pd.NA`` mean missing.
    edges : list of int
        Strictly increasing lower band limits, e.g. ``[18, 25, 35, 45, 55, 65]``
        gives "18-24", "25-34", "35-44", "45-54", "55-64", "65+".

    Returns
    -------
    str or None
        The band label; ``"<18"`` (``"<" + first edge``) below the first
        edge; ``None`` when the age is missing.

    Raises
    ------
    ValueError
        If ``edges`` is empty or not strictly increasing, or the age is negative.
    """
    if not edges or any(int(b) <= int(a) for a, b in zip(edges, edges[1:])):
        raise ValueError("age band edges must be a non-empty, strictly increasing list")
    if age is None or pd.isna(age):
        return None
    if age < 0:
        raise ValueError("age is negative")
    years = int(np.floor(float(age)))
    lows = [int(e) for e in edges]
    if years < lows[0]:
        return f"<{lows[0]}"
    i = bisect.bisect_right(lows, years) - 1
    if i == len(lows) - 1:
        return f"{lows[i]}+"
    return f"{lows[i]}-{lows[i + 1] - 1}"


def days_between(start: dt.date | str | None, end: dt.date | str | None) -> int | None:
    """Whole days from ``start`` to ``end`` (negative when ``end`` is earlier).

    Parameters
    ----------
    start, end : datetime.date, pandas.Timestamp, ISO string or None
        Dates; times of day are ignored.

    Returns
    -------
    int or None
        ``end - start`` in days, or ``None`` when either date is missing.
    """
    if type(start) is dt.date and type(end) is dt.date:  # plain dates: no time of day to drop
        return (end - start).days
    if start is None or end is None or pd.isna(start) or pd.isna(end):
        return None
    t0 = pd.Timestamp(start).normalize()
    t1 = pd.Timestamp(end).normalize()
    return int((t1 - t0).days)


# ---------------------------------------------------------------------------
# 6. k-anonymity / disclosure control
# ---------------------------------------------------------------------------

SUPPRESSED = "suppressed"


def _check_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what}: column(s) {missing} not in the data frame")


def _classes(df: pd.DataFrame, quasi_identifiers: list[str]) -> pd.Series:
    if not quasi_identifiers:
        return pd.Series([len(df)] if len(df) else [], dtype="int64")
    return df.groupby(
        list(quasi_identifiers), dropna=False, observed=True, sort=True
    ).size()


def smallest_class(df: pd.DataFrame, quasi_identifiers: list[str]) -> int:
    """Size of the smallest equivalence class (the data set's k).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person.
    quasi_identifiers : list of str
        Columns an intruder could know. Missing values form a class of their
        own. With no quasi-identifiers the whole frame is one class.

    Returns
    -------
    int
        Smallest number of rows sharing one combination of values; 0 for an
        empty frame.

    Raises
    ------
    KeyError
        If a quasi-identifier is not a column.
    """
    _check_columns(df, quasi_identifiers, "quasi-identifiers")
    sizes = _classes(df, quasi_identifiers)
    return int(sizes.min()) if len(sizes) else 0


def _apply_step(s: pd.Series, step: Mapping[str, Any], n: int) -> tuple[pd.Series, str]:
    values = s.astype(object)
    if "map" in step:
        mapping = step["map"]
        if not isinstance(mapping, Mapping):
            raise ValueError(f"generalisation step {n}: 'map' must be a mapping")
        new = values.map(lambda v: v if pd.isna(v) or v not in mapping else mapping[v])
        return new, "map"
    if "merge_below" in step:
        threshold = step["merge_below"]
        into = step.get("into", "other")
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, np.integer))
            or threshold < 1
        ):
            raise ValueError(
                f"generalisation step {n}: 'merge_below' must be a positive integer"
            )
        freq = values.value_counts(dropna=True)
        rare = {v for v, c in freq.items() if c < threshold and v != into}
        new = values.map(lambda v: into if (not pd.isna(v) and v in rare) else v)
        return new, "merge_below"
    if step.get("suppress") is True:
        return pd.Series(SUPPRESSED, index=s.index, dtype=object), "suppress"
    raise ValueError(
        f"generalisation step {n}: needs one of 'map', 'merge_below' (+ 'into') or 'suppress: true'"
    )


def enforce_k(
    df: pd.DataFrame,
    quasi_identifiers: list[str],
    k: int,
    steps: list[dict[str, Any]],
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Generalise quasi-identifiers step by step until every class has >= k rows.

    Steps are applied in the configured order, stopping as soon as the
    smallest class reaches ``k``. Step forms:

    * ``{"column": c, "map": {old: new, ...}}``: recode listed values; other
      values and missing values are kept;
    * ``{"column": c, "merge_below": n, "into": label}``: values seen in fewer
      than ``n`` rows become ``label`` (default ``"other"``);
    * ``{"column": c, "suppress": True}``: every value becomes ``"suppressed"``.

    Changed columns have object dtype.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person; not modified.
    quasi_identifiers : list of str
        Columns defining the equivalence classes.
    k : int
        Target smallest class size (>= 1).
    steps : list of dict
        Generalisation steps, as above.

    Returns
    -------
    frame : pandas.DataFrame
        The generalised copy.
    log : list of dict
        One entry per applied step with keys ``step`` (1-based position in
        ``steps``), ``action``, ``column``, ``rows_changed``, ``k_before``,
        ``k_after``, ``classes_before``, ``classes_after``, ``target_k`` and
        ``reached``; then a final entry with ``action`` ``"result"`` whose
        ``reached`` says whether the target was met (an empty frame counts as
        met). The function does not raise when the target is missed: the
        caller decides.

    Raises
    ------
    ValueError
        If ``k`` < 1 or a step is malformed (the message names the step).
    KeyError
        If a quasi-identifier or a step column is missing.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError("k must be a positive integer")
    _check_columns(df, quasi_identifiers, "quasi-identifiers")
    out = df.copy()
    log: list[dict[str, Any]] = []

    def state(frame: pd.DataFrame) -> tuple[int, int]:
        sizes = _classes(frame, quasi_identifiers)
        return (int(sizes.min()) if len(sizes) else 0), int(len(sizes))

    def met(k_now: int) -> bool:
        return len(out) == 0 or k_now >= k

    k_now, n_classes = state(out)
    for n, step in enumerate(steps, start=1):
        if met(k_now):
            break
        if not isinstance(step, Mapping) or "column" not in step:
            raise ValueError(
                f"generalisation step {n} must be a mapping with a 'column'"
            )
        column = step["column"]
        _check_columns(out, [column], f"generalisation step {n}")
        new, action = _apply_step(out[column], step, n)
        old = out[column].astype(object)
        changed = int(
            sum(
                not (
                    (pd.isna(a) and pd.isna(b))
                    or (not pd.isna(a) and not pd.isna(b) and a == b)
                )
                for a, b in zip(old, new)
            )
        )
        out[column] = new
        k_after, classes_after = state(out)
        log.append(
            {
                "step": n,
                "action": action,
                "column": column,
                "rows_changed": changed,
                "k_before": k_now,
                "k_after": k_after,
                "classes_before": n_classes,
                "classes_after": classes_after,
                "target_k": int(k),
                "reached": met(k_after),
            }
        )
        k_now, n_classes = k_after, classes_after
    log.append(
        {
            "step": None,
            "action": "result",
            "column": None,
            "rows_changed": 0,
            "k_before": k_now,
            "k_after": k_now,
            "classes_before": n_classes,
            "classes_after": n_classes,
            "target_k": int(k),
            "reached": met(k_now),
        }
    )
    return out, log
