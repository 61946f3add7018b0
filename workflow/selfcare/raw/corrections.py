"""Documented corrections to the raw data, applied before validation.

A study team corrects raw data by adding rows to ``corrections.csv`` in the
hand-over (never by editing the raw files): which file, which record (its
primary key), which column, the corrected value, the reason and the date.
:func:`apply_corrections` applies them in order to the parsed raw tables; the
validation and de-identification stages both see the corrected data, and the
correction log (without values) goes into their reports.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

CORRECTION_COLUMNS = ["correction_id", "file", "record_id", "column", "new_value", "reason", "corrected_on"]


class CorrectionError(ValueError):
    """A correction cannot be applied (unknown file, record or column)."""


def apply_corrections(
    tables: Mapping[str, pd.DataFrame], corrections: pd.DataFrame, primary_keys: Mapping[str, list[str]]
) -> tuple[dict[str, pd.DataFrame], list[dict[str, Any]]]:
    """Apply documented corrections to raw tables.

    Parameters
    ----------
    tables : mapping
        Resource name -> raw frame (strings).
    corrections : pandas.DataFrame
        Rows of ``corrections.csv`` (columns :data:`CORRECTION_COLUMNS`).
    primary_keys : mapping
        Resource name -> its primary key columns (from the codebook); a
        correction's ``record_id`` is the key value, parts joined by ``|``.

    Returns
    -------
    tables : dict
        Corrected copies (inputs are not modified).
    log : list of dict
        One entry per correction: id, file and column only (no values, no
        free-text reason that could quote data, no calendar date).

    Raises
    ------
    CorrectionError
        Naming the correction ID and what is wrong (never a value).
    """
    out = {k: v.copy() for k, v in tables.items()}
    log = []
    for pos, c in corrections.reset_index(drop=True).iterrows():
        cid = str(c.get("correction_id", f"row {pos + 1}"))
        name = str(c["file"]).removesuffix(".csv")
        if name not in out:
            raise CorrectionError(f"corrections.csv: correction {cid} names an unknown file '{c['file']}'")
        frame = out[name]
        col = str(c["column"])
        if col not in frame.columns:
            raise CorrectionError(f"corrections.csv: correction {cid}: column '{col}' is not in {name}.csv")
        keys = primary_keys.get(name, [])
        if not keys:
            raise CorrectionError(f"corrections.csv: correction {cid}: {name}.csv has no primary key to locate the record")
        ident = frame[keys].astype(str).agg("|".join, axis=1)
        hit = ident == str(c["record_id"])
        if hit.sum() != 1:
            raise CorrectionError(
                f"corrections.csv: correction {cid}: {'no' if hit.sum() == 0 else 'more than one'} record of {name}.csv "
                "has that record_id"
            )
        value = c["new_value"]
        frame.loc[hit, col] = None if pd.isna(value) or str(value) == "" else str(value)
        log.append({"correction_id": cid, "file": f"{name}.csv", "column": col})
    return out, log
