"""Documented corrections to the raw data, applied before validation.

A study team corrects raw data by adding rows to ``corrections.csv`` in the
hand-over (never by editing the raw files): which file, which record (its
primary key), which column, the value it expects to find there, the corrected
value, the reason and the date. :func:`apply_corrections` applies them in
order to the parsed raw tables; the validation and de-identification stages
both see the corrected data.

Corrections are guarded: a correction whose file, column or record does not
exist, or whose expected value (``old_value``) is not what the record holds
(a stale correction, or a mistyped but existing study ID), is not applied.
Every such correction is reported once, by its row of ``corrections.csv`` and
its ID, never with a value; the workflow stops before anything else runs, so
a bad correction causes no follow-on errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

CORRECTION_COLUMNS = ["correction_id", "file", "record_id", "column", "old_value", "new_value", "reason", "corrected_on"]
#: Columns of the audit trail of applied corrections.
TRAIL_COLUMNS = ["row", "correction_id", "file", "column", "reason", "old_value", "new_value"]


@dataclass(frozen=True)
class CorrectionProblem:
    """One correction that cannot be applied (never holds a value)."""

    row: int  # 0-based position in corrections.csv
    correction_id: str
    column: str | None
    check: str
    detail: str

    def __str__(self) -> str:
        return f"corrections.csv row {self.row + 1}: correction {self.correction_id}: {self.detail}"


class CorrectionError(ValueError):
    """Corrections cannot be applied; holds every problem found."""

    def __init__(self, problems: list[CorrectionProblem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


def _locate(
    c: pd.Series, pos: int, out: Mapping[str, pd.DataFrame], primary_keys: Mapping[str, list[str]]
) -> tuple[str, str, pd.Series | None, CorrectionProblem | None]:
    """The table, column and row mask a correction addresses, or its problem."""
    cid = str(c.get("correction_id", f"row {pos + 1}"))
    name = str(c["file"]).removesuffix(".csv")

    def problem(check: str, detail: str, column: str | None = None):
        return name, str(c["column"]), None, CorrectionProblem(pos, cid, column, check, detail)

    if name not in out:
        return problem("correction_file", "names a file that is not in the hand-over", "file")
    col = str(c["column"])
    if col not in out[name].columns:
        return problem("correction_column", f"names a column that is not in {name}.csv", "column")
    keys = primary_keys.get(name, [])
    if not keys:
        return problem("correction_record", f"{name}.csv has no primary key to locate the record", "record_id")
    # column-wise: the joined key of every row, without a Python call per row
    joined = out[name][keys[0]].astype(str)
    for k in keys[1:]:
        joined = joined + "|" + out[name][k].astype(str)
    hit = joined == str(c["record_id"])
    if hit.sum() != 1:
        which = "no" if hit.sum() == 0 else "more than one"
        return problem("correction_record", f"{which} record of {name}.csv has that record_id", "record_id")
    return name, col, hit, None


def apply_corrections(
    tables: Mapping[str, pd.DataFrame],
    corrections: pd.DataFrame,
    primary_keys: Mapping[str, list[str]],
    identifier_columns: Mapping[str, set[str]] | None = None,
) -> tuple[dict[str, pd.DataFrame], list[dict[str, Any]]]:
    """Apply documented corrections to raw tables, each guarded by its expected value.

    Parameters
    ----------
    tables : mapping
        Resource name -> raw frame (strings).
    corrections : pandas.DataFrame
        Rows of ``corrections.csv`` (columns :data:`CORRECTION_COLUMNS`).
    primary_keys : mapping
        Resource name -> its primary key columns (from the codebook); a
        correction's ``record_id`` is the key value, parts joined by ``|``.
    identifier_columns : mapping, optional
        Resource name -> columns that hold identifiers (the codebook's
        ``identifier`` fields); their values never enter the trail. When not
        given, no value enters the trail.

    Returns
    -------
    tables : dict
        Corrected copies (inputs are not modified).
    trail : list of dict
        One entry per applied correction (:data:`TRAIL_COLUMNS`): its row of
        ``corrections.csv`` (1-based), ID, file, column and reason, and the
        old and new values only for columns that hold no identifier.

    Raises
    ------
    CorrectionError
        Holding one :class:`CorrectionProblem` per correction that cannot be
        applied (unknown file or column, no or several matching records, a
        held value that differs from ``old_value``, or no ``old_value``
        column at all); nothing is applied then.
    """
    # shallow copies: under pandas' copy-on-write a corrected column is copied
    # when written, so the inputs stay unmodified without copying every table
    out = {k: v.copy(deep=False) for k, v in tables.items()}
    trail: list[dict[str, Any]] = []
    problems: list[CorrectionProblem] = []
    if "old_value" not in corrections.columns:
        raise CorrectionError([CorrectionProblem(0, "-", "old_value", "correction_column",
                                                 "corrections.csv has no old_value column (the value each correction expects)")])
    for i, (label, c) in enumerate(corrections.iterrows()):
        # a row keeps its position in corrections.csv when the caller passes a subset
        pos = int(label) if isinstance(label, (int, np.integer)) else i
        name, col, hit, problem = _locate(c, pos, out, primary_keys)
        if problem is not None:
            problems.append(problem)
            continue
        held = out[name].loc[hit, col].iloc[0]
        expected = c["old_value"]
        if not (_blank(held) and _blank(expected)) and str(held) != str(expected):
            problems.append(CorrectionProblem(pos, str(c["correction_id"]), "old_value", "correction_stale",
                                              f"{name}.csv column '{col}' of that record does not hold the expected old_value"))
            continue
        value = c["new_value"]
        out[name].loc[hit, col] = None if _blank(value) else str(value)
        shown = identifier_columns is not None and col not in identifier_columns.get(name, set()) \
            and col not in primary_keys.get(name, [])
        trail.append({"row": pos + 1, "correction_id": str(c["correction_id"]), "file": f"{name}.csv", "column": col,
                      "reason": str(c.get("reason", "")),
                      "old_value": "" if not shown or _blank(expected) else str(expected),
                      "new_value": "" if not shown or _blank(value) else str(value)})
    if problems:
        raise CorrectionError(problems)
    return out, trail
