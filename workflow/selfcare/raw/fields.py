"""Column-wise checks of raw tables against their codebook schema.

Every check runs on a whole column at once (Apache Arrow compute kernels on
the Arrow-backed text columns, pandas hashing for uniqueness); Python loops
only over the failing cells, to build their :class:`Problem`. Each cell fails
at most one value check (type, then category, range, form, check digit), so a
bad value is reported once.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from selfcare.raw.problems import Problem
from selfcare.raw.tables import Table

_INTEGER = r"^\s*[+-]?[0-9]+\s*$"
_NUMBER = r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_NHS_WEIGHTS = np.array([10, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)


def arrow(series: pd.Series) -> pa.ChunkedArray:
    """The column as an Arrow string array (no copy for Arrow-backed text)."""
    arr = pa.chunked_array(pa.array(series, from_pandas=True)) if not isinstance(series.array, pd.arrays.ArrowStringArray) \
        else series.array._pa_array
    return arr if arr.type == pa.string() else pc.cast(arr, pa.string())


def isin(series: pd.Series, values: list[pd.Series]) -> np.ndarray:
    """Which cells hold one of ``values`` (Arrow hash lookup; missing is False)."""
    known = [arrow(v.dropna()) for v in values]
    chunks = [c.cast(pa.string()) for k in known for c in k.chunks]
    value_set = pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())
    return mask(pc.is_in(arrow(series), value_set=value_set.cast(pa.string())))


def mask(values: Any) -> np.ndarray:
    """Boolean numpy mask from an Arrow boolean array (nulls as False)."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def parse_dates(series: pd.Series) -> pd.Series:
    """ISO dates (``YYYY-MM-DD``) as ``datetime64[s]``; anything else (and
    impossible days such as 2007-02-29) as NaT. Column-wise: the form by one
    regular expression, year, month and day as integer arrays, the calendar
    by numpy."""
    arr = arrow(series)
    ok = mask(pc.match_substring_regex(arr, _DATE))
    out = np.full(len(arr), np.datetime64("NaT"), dtype="datetime64[s]")
    if not ok.any():
        return pd.Series(out, index=series.index)
    text = pc.filter(arr, pa.array(ok))
    y, m, d = (np.asarray(pc.cast(pc.utf8_slice_codeunits(text, a, b), pa.int64()).to_numpy(zero_copy_only=False))
               for a, b in ((0, 4), (5, 7), (8, 10)))
    month = (y - 1970) * 12 + np.clip(m, 1, 12) - 1
    first = month.astype("datetime64[M]").astype("datetime64[D]")
    days = ((month + 1).astype("datetime64[M]").astype("datetime64[D]") - first).astype(np.int64)
    good = (m >= 1) & (m <= 12) & (d >= 1) & (d <= days)
    out[np.flatnonzero(ok)[good]] = (first[good] + (d[good] - 1)).astype("datetime64[s]")
    return pd.Series(out, index=series.index)


def to_number(arr: pa.ChunkedArray) -> np.ndarray:
    """Numeric value of each cell that has the form of a number, else NaN."""
    text = pc.utf8_trim_whitespace(pc.if_else(pc.match_substring_regex(arr, _NUMBER), arr,
                                              pa.scalar(None, pa.string())))
    text = pc.replace_substring_regex(text, r"^\+", "")
    return np.asarray(pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def _nhs_bad(arr: pa.ChunkedArray) -> np.ndarray:
    """Ten-digit values whose modulus-11 check digit does not match."""
    ten = mask(pc.match_substring_regex(arr, r"^[0-9]{10}$"))
    out = np.zeros(len(arr), dtype=bool)
    if not ten.any():
        return out
    text = np.asarray(pc.filter(arr, pa.array(ten)).to_numpy(zero_copy_only=False)).astype("S10")
    digits = text.view(np.uint8).reshape(-1, 10).astype(np.int64) - 48
    check = 11 - (digits[:, :9] @ _NHS_WEIGHTS) % 11
    check[check == 11] = 0
    out[np.flatnonzero(ten)] = check != digits[:, 9]  # a check of 10 never matches
    return out


def _emit(t: Table, col: str, check: str, bad: np.ndarray, detail: str = "") -> list[tuple[int, int, Problem]]:
    pos = np.flatnonzero(bad)
    return [(int(i), 0, Problem(t.path, int(line), col, check, detail)) for i, line in zip(pos, t.line_array(pos))]


def _value_checks(t: Table, f: Mapping[str, Any], arr: pa.ChunkedArray, counts: set[str]) -> list[tuple[int, int, Problem]]:
    """Type, category, range, form and check digit of one column's values."""
    col, cons, typ = f["name"], f.get("constraints", {}), f.get("type", "string")
    present = mask(pc.is_valid(arr))
    found: list[tuple[int, int, Problem]] = []
    left = present.copy()  # cells not yet failed
    num = None
    if typ in ("integer", "number"):
        digits = mask(pc.ascii_is_decimal(arr))  # fast path: plain digits need no regular expression
        if (digits | ~present).all():
            ok = digits
            num = np.asarray(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
        else:
            ok = mask(pc.match_substring_regex(arr, _INTEGER if typ == "integer" else _NUMBER))
            num = to_number(arr)
        found += _emit(t, col, f"type_{typ}", left & ~ok)
        left &= ok
    elif typ == "date":
        ok = t.dates(col).notna().to_numpy()
        found += _emit(t, col, "type_date", left & ~ok)
        left &= ok
    if "enum" in cons:
        ok = mask(pc.is_in(arr, value_set=pa.array([str(e) for e in cons["enum"]], pa.string())))
        found += _emit(t, col, "enum", left & ~ok, "allowed: " + ", ".join(str(e) for e in cons["enum"]))
    if num is not None and col in counts:
        neg = left & (num < 0)
        found += _emit(t, col, "negative_count", neg)
        left &= ~neg
    if num is not None and "minimum" in cons:
        found += _emit(t, col, "minimum", left & (num < cons["minimum"]), f"minimum {cons['minimum']}")
    if num is not None and "maximum" in cons:
        found += _emit(t, col, "maximum", left & (num > cons["maximum"]), f"maximum {cons['maximum']}")
    if "pattern" in cons:
        found += _emit(t, col, "pattern", left & ~mask(pc.match_substring_regex(arr, f"^(?:{cons['pattern']})$")))
    if "nhs_check_digit" in f.get("checks", []):
        found += _emit(t, col, "nhs_check_digit", left & _nhs_bad(arr))
    return found


def check_fields(t: Table, counts: Iterable[str] = ()) -> None:
    """Required, type, category, range, form, check digit, uniqueness and
    primary key of every column the codebook declares (appends to ``t.problems``)."""
    counts = set(counts)
    for f in t.schema["fields"]:
        col = f["name"]
        if col not in t.frame.columns or isinstance(t.frame[col], pd.DataFrame):
            continue
        arr = arrow(t.frame[col])
        cons = f.get("constraints", {})
        found: list[tuple[int, int, Problem]] = []
        if cons.get("required"):
            found += _emit(t, col, "required", ~mask(pc.is_valid(arr)))
        found += _value_checks(t, f, arr, counts)
        found.sort(key=lambda x: x[0])
        t.problems += [p for _, _, p in found]
        if cons.get("unique"):
            values = t.frame[col]
            dup = values.duplicated(keep="first").to_numpy() & values.notna().to_numpy()
            t.problems += [p for _, _, p in _emit(t, col, "unique", dup)]
    pk = [c for c in t.schema.get("primaryKey", []) if c in t.frame.columns]
    if len(pk) > 1:
        dup = t.frame.duplicated(subset=pk, keep="first").to_numpy()
        t.problems += [p for _, _, p in _emit(t, "+".join(pk), "primary_key", dup)]


def check_columns(t: Table) -> None:
    """Columns the codebook declares but the file lacks, and the reverse.

    A missing column is named (the name is the codebook's); a column the
    codebook does not know is named by its position only ("column #3"): its
    header cell is data of unknown kind (a file that lost its header has a
    first data row there: a name, an NHS number).
    """
    expected = [f["name"] for f in t.schema["fields"]]
    for col in expected:
        if col not in t.frame.columns:
            t.problems.append(Problem(t.path, t.first_data_line - 1, col, "missing_column"))
    for i, col in enumerate(t.frame.columns, 1):
        if col not in expected:
            t.problems.append(Problem(t.path, t.first_data_line - 1, f"#{i}", "unknown_column"))


def check_foreign_keys(t: Table, tables: Mapping[str, Table]) -> None:
    """IDs that are not in the register they refer to (appends to ``t.problems``)."""
    for fk in t.schema.get("foreignKeys", []):
        col = fk["fields"]
        refs = fk["reference"] if isinstance(fk["reference"], list) else [fk["reference"]]
        if any(ref["resource"] not in tables for ref in refs):
            continue  # the register itself failed to load: reported once, no cascade
        known = [tables[r["resource"]].frame[r["fields"]].dropna() for r in refs
                 if r["fields"] in tables[r["resource"]].frame.columns]
        if col not in t.frame.columns:
            continue
        values = t.frame[col]
        ok = isin(values, known)
        t.problems += [p for _, _, p in _emit(t, col, "foreign_key", values.notna().to_numpy() & ~ok)]
