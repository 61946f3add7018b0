"""Where each identifier of the leak index comes from: register rows, labelled safely.

:func:`register_identifiers` lists every identifier of the raw registers (and
of the documented corrections) with a label of its row, such as
``participants.csv row 17 (released as P0123456789)``, so that a leak-check
hit can be acted on without anyone reading the identifiers by hand. A label
never holds the value or the study ID.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

import pandas as pd

from selfcare.deidentify.names import leak_variants

if TYPE_CHECKING:
    from selfcare.deidentify.lexicon import Lexicon

__all__ = ["REGISTER_COLUMNS", "register_identifiers", "released_pseudonyms"]

#: Register column -> identifier type of :func:`selfcare.deidentify.leaks.build_leak_index`.
REGISTER_COLUMNS = {
    "full_name": "name",
    "nhs_number": "nhs_number",
    "phone": "phone",
    "email": "email",
    "postcode": "postcode",
    "date_of_birth": "date_of_birth",
}



def released_pseudonyms(raw: pd.DataFrame, released: pd.DataFrame | None) -> list[str | None]:
    """The pseudonym each raw register row was released under (``None``: not released).

    De-identification keeps the order of a register's rows and drops only
    the people without consent to data use (``consent_data`` other than
    ``"yes"``), so the released rows pair with the raw rows in order. When
    the counts do not allow that pairing, no row is paired.

    Parameters
    ----------
    raw : pandas.DataFrame
        A raw register.
    released : pandas.DataFrame or None
        Its de-identified table (column ``pid``).
    """
    if released is None or "pid" not in released.columns:
        return [None] * len(raw)
    pids = [str(v) for v in released["pid"]]
    if len(pids) == len(raw):
        return list(pids)
    kept = (raw["consent_data"] == "yes").tolist() if "consent_data" in raw.columns else []
    if sum(kept) != len(pids):
        return [None] * len(raw)
    it = iter(pids)
    return [next(it) if k else None for k in kept]


def _row_label(register: str, row: int, pids: Sequence[str | None] | None) -> str:
    label = f"{register} row {row + 1}"
    if pids is None:
        return label
    return f"{label} (released as {pids[row]})" if pids[row] else f"{label} (not released)"


def register_identifiers(
    registers: Mapping[str, pd.DataFrame],
    corrections: pd.DataFrame | None = None,
    pseudonyms: Mapping[str, Sequence[str | None]] | None = None,
    lexicon: Lexicon | None = None,
) -> list[dict[str, str]]:
    """Records ``{"type", "value", "source"}`` of every identifier in the registers.

    Parameters
    ----------
    registers : mapping
        Raw register tables (participants, interviewees) by file name.
    corrections : pandas.DataFrame, optional
        The documented corrections: a corrected identifier (say, a misspelt
        name put right) is looked for as well as the value it replaced.
    pseudonyms : mapping, optional
        Register name -> the pseudonym of each of its rows
        (:func:`released_pseudonyms`).
    lexicon : Lexicon, optional
        With it, each register name's diminutives and full forms that are
        not ordinary words (:func:`~selfcare.deidentify.names.leak_variants`)
        are indexed too, as a first name beside the person's surname and
        labelled with the same row plus "(variant)".

    Returns
    -------
    list of dict
        ``source`` labels the row: ``"participants.csv row 17 (released as
        P0123456789)"`` (row 1 is the first data row), ``"... (not
        released)"``, or ``"corrections.csv row 2"``; never the value or the
        study ID.
    """
    records = []
    for register, frame in registers.items():
        pids = (pseudonyms or {}).get(register)
        for col, kind in REGISTER_COLUMNS.items():
            if col in frame.columns:
                records += [
                    {"type": kind, "value": str(v), "source": _row_label(register, row, pids)}
                    for row, v in enumerate(frame[col])
                    if pd.notna(v) and str(v).strip()
                ]
    if corrections is not None and len(corrections):
        for row, (_, c) in enumerate(corrections.iterrows()):
            kind = REGISTER_COLUMNS.get(str(c["column"]))
            if kind and pd.notna(c["new_value"]) and str(c["new_value"]).strip():
                records.append({"type": kind, "value": str(c["new_value"]), "source": f"corrections.csv row {row + 1}"})
    if lexicon is not None:
        records += [
            {"type": "name", "value": f"{variant} {r['value'].split()[-1]}", "source": r["source"] + " (variant)"}
            for r in list(records) if r["type"] == "name"
            for variant in leak_variants([r["value"]], lexicon)
        ]
    return records
