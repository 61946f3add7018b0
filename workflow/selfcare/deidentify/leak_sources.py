"""Where each identifier of the leak index comes from: register rows, labelled safely.

:func:`register_identifiers` lists every identifier of the raw registers (and
of the documented corrections) with a label of its row, such as
``participants.csv row 17``, so that a leak-check hit can be acted on without
anyone reading the identifiers by hand. A label never holds the value, the
study ID or the pseudonym the row was released under: a hit report names the
place of a leaked identifier, and the pseudonym beside it would tie that
identifier to the person's released record (re-identifying it) for anyone
who reads the report and the leaking output. The raw row number means
something only beside the raw register, on the secure side, where the data
steward finds the row (and, with the key, its pseudonym).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import pandas as pd

from selfcare.deidentify.names import leak_variants

if TYPE_CHECKING:
    from selfcare.deidentify.lexicon import Lexicon

__all__ = ["REGISTER_COLUMNS", "register_identifiers"]

#: Register column -> identifier type of :func:`selfcare.deidentify.leaks.build_leak_index`.
REGISTER_COLUMNS = {
    "full_name": "name",
    "nhs_number": "nhs_number",
    "phone": "phone",
    "email": "email",
    "postcode": "postcode",
    "date_of_birth": "date_of_birth",
}



def register_identifiers(
    registers: Mapping[str, pd.DataFrame],
    corrections: pd.DataFrame | None = None,
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
    lexicon : Lexicon, optional
        With it, each register name's diminutives and full forms that are
        not ordinary words (:func:`~selfcare.deidentify.names.leak_variants`)
        are indexed too, as a first name beside the person's surname and
        labelled with the same row plus "(variant)".

    Returns
    -------
    list of dict
        ``source`` labels the row: ``"participants.csv row 17"`` (row 1 is
        the first data row) or ``"corrections.csv row 2"``; never the value,
        the study ID or the pseudonym.
    """
    records = []
    for register, frame in registers.items():
        for col, kind in REGISTER_COLUMNS.items():
            if col in frame.columns:
                records += [
                    {"type": kind, "value": str(v), "source": f"{register} row {row + 1}"}
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
