"""The fail-closed leak check over every file the workflow writes.

The identifiers to look for come from the raw registers (participants and
interviewees); :func:`selfcare.deid.scan_text` counts them per type. Reports
name the file, the identifier type and the count, never the value.
"""

from __future__ import annotations

import io as _io
import zipfile
from typing import Any, Mapping

import pandas as pd

from selfcare import deid

#: Register column -> identifier type of :func:`selfcare.deid.build_leak_index`.
REGISTER_COLUMNS = {
    "full_name": "name",
    "nhs_number": "nhs_number",
    "phone": "phone",
    "email": "email",
    "postcode": "postcode",
    "date_of_birth": "date_of_birth",
}


class LeakError(RuntimeError):
    """An identifier from the registers was found in an output."""

    def __init__(self, report: Mapping[str, Any]):
        self.report = report
        lines = [f"  - {h['file']}: {h['type']} x{h['count']}" for h in report["hits"]]
        super().__init__(
            "rule leak_check: identifiers from the raw registers found in outputs "
            f"({len(report['hits'])} file/type pair(s)); values are not shown:\n" + "\n".join(lines)
        )


def register_identifiers(
    registers: Mapping[str, pd.DataFrame], corrections: pd.DataFrame | None = None
) -> list[dict[str, str]]:
    """Records ``{"type", "value"}`` of every identifier in the registers.

    Parameters
    ----------
    registers : mapping
        Raw register tables (participants, interviewees).
    corrections : pandas.DataFrame, optional
        The documented corrections: a corrected identifier (say, a misspelt
        name put right) is looked for as well as the value it replaced.
    """
    records = []
    for frame in registers.values():
        for col, kind in REGISTER_COLUMNS.items():
            if col in frame.columns:
                records += [{"type": kind, "value": str(v)} for v in frame[col].dropna() if str(v).strip()]
    if corrections is not None and len(corrections):
        for _, c in corrections.iterrows():
            kind = REGISTER_COLUMNS.get(str(c["column"]))
            if kind and pd.notna(c["new_value"]) and str(c["new_value"]).strip():
                records.append({"type": kind, "value": str(c["new_value"])})
    return records


def extractable_text(suffix: str, data: bytes) -> str | None:
    """Text to scan in one output file; ``None`` for images (not scannable).

    PDF text is extracted with :func:`selfcare.render.pdf_text`; zip archives
    (``.qdpx``) are scanned member by member; everything else is decoded as
    UTF-8, ignoring undecodable bytes.
    """
    if suffix in (".png", ".jpg", ".jpeg", ".gif"):
        return None
    if suffix == ".pdf":
        from selfcare.render import pdf_text

        return pdf_text(data)
    if suffix in (".qdpx", ".zip"):
        with zipfile.ZipFile(_io.BytesIO(data)) as zf:
            return "\n".join(zf.read(n).decode("utf-8", errors="ignore") for n in sorted(zf.namelist()))
    return data.decode("utf-8", errors="ignore")


def scan_outputs(texts: Mapping[str, str | None], index: deid.LeakIndex) -> dict[str, Any]:
    """Scan every output's text; return counts by file and type (no values).

    Parameters
    ----------
    texts : mapping
        File path -> text (``None`` for files that cannot be scanned).
    index : selfcare.deid.LeakIndex
        The identifiers to look for.
    """
    hits = []
    totals: dict[str, int] = {}
    skipped = []
    for path in sorted(texts):
        text = texts[path]
        if text is None:
            skipped.append(path)
            continue
        for kind, n in deid.scan_text(text, index).items():
            if n:
                hits.append({"file": path, "type": kind, "count": int(n)})
                totals[kind] = totals.get(kind, 0) + int(n)
    return {
        "status": "failed" if hits else "passed",
        "files_scanned": len(texts) - len(skipped),
        "files_skipped": len(skipped),
        "skipped": skipped,
        "identifiers_indexed": dict(index.sizes),
        "hits": hits,
        "hits_by_type": dict(sorted(totals.items())),
    }
