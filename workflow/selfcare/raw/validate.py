"""Validation of the raw hand-over against its codebook (``datapackage.json``).

:func:`validate_raw` checks every raw file: encoding, columns, types, ranges,
categories, patterns, unique and primary keys, IDs known to the register,
date order, follow-up without baseline, NHS number check digits, transcripts
listed and present, and that the REFI-QDA export can be opened. Problems are
reported by file, line, column and the name of the check that failed, never
with the offending value (raw files hold identifiers).
"""

from __future__ import annotations

import csv
import datetime as dt
import io as _io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from selfcare.core.io import EncodingError, decode_utf8, parse_csv_text
from selfcare.raw.corrections import CorrectionError, apply_corrections
from selfcare.raw.nhs import is_valid_nhs_number

#: Every check this module runs, with what it means (for the report and docs).
CHECKS: dict[str, str] = {
    "missing_file": "a file named in the codebook is absent",
    "encoding": "file is not UTF-8 (with or without BOM)",
    "csv_parse": "file cannot be parsed as CSV",
    "delimiter": "the header is one field holding ';', tab or '|': wrong delimiter (comma expected)",
    "field_count": "a row has more or fewer fields than the header",
    "no_rows": "a required file has a header but no data rows",
    "missing_column": "a column of the codebook is absent",
    "unknown_column": "a column is not in the codebook",
    "required": "a required value is empty",
    "type_integer": "value is not a whole number",
    "type_number": "value is not a number",
    "type_date": "value is not an ISO date (YYYY-MM-DD)",
    "enum": "value is not one of the allowed categories",
    "minimum": "value is below the allowed minimum",
    "maximum": "value is above the allowed maximum",
    "pattern": "value does not have the required form",
    "unique": "value repeats in a column that must be unique",
    "primary_key": "the primary key repeats",
    "foreign_key": "ID is not in the register",
    "nhs_check_digit": "NHS number check digit does not match",
    "date_order": "dates are out of order",
    "followup_without_baseline": "follow-up record without a baseline record",
    "followup_date_missing": "follow-up record for a participant with no follow-up date",
    "withdrawal": "withdrawal flag and withdrawal date disagree",
    "transcript_missing": "a transcript listed in interviews.csv is absent",
    "transcript_unlisted": "a transcript file is not listed in interviews.csv",
    "qdpx_invalid": "the REFI-QDA export is not a readable .qdpx archive",
    "codebook": "the codebook lacks something the workflow needs",
    "correction": "a documented correction cannot be applied",
}


@dataclass(frozen=True)
class Problem:
    """One failed check, located without showing the value."""

    file: str
    line: int | None
    column: str | None
    check: str
    detail: str = ""

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        msg = f"{', '.join(where)}: check '{self.check}' failed ({CHECKS.get(self.check, '')})"
        return msg + (f"; {self.detail}" if self.detail else "")


class RawValidationError(ValueError):
    """Raised when raw data fail validation; holds every problem found."""

    def __init__(self, problems: list[Problem], rule: str = "validate_raw", limit: int = 50):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:limit])
        more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
        super().__init__(f"rule {rule}: raw data failed validation with {len(problems)} problem(s):\n{shown}{more}")


@dataclass
class _Table:
    name: str
    path: str
    frame: pd.DataFrame
    first_data_line: int
    schema: Mapping[str, Any]
    problems: list[Problem] = field(default_factory=list)

    def line(self, idx: int) -> int:
        return self.first_data_line + int(idx)


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
    except ValueError:
        return None


def _load_table(name: str, res: Mapping[str, Any], files: Mapping[str, bytes], problems: list[Problem]) -> _Table | None:
    path = res["path"]
    if path not in files:
        problems.append(Problem(path, None, None, "missing_file"))
        return None
    try:
        text = decode_utf8(files[path], path)
    except EncodingError as exc:
        problems.append(Problem(path, None, None, "encoding", str(exc).split(": ", 1)[1]))
        return None
    lines = text.split("\n")
    comments = 0
    while comments < len(lines) and lines[comments].startswith("#"):
        comments += 1
    structure = _check_structure(path, lines, comments)
    if structure:
        problems += structure
        return None
    try:
        frame = parse_csv_text(text)
    except Exception:  # pandas raises several parser errors
        problems.append(Problem(path, None, None, "csv_parse"))
        return None
    if frame.empty and res.get("schema", {}).get("fields"):
        problems.append(Problem(path, comments + 1, None, "no_rows"))
        return None
    return _Table(name, path, frame, comments + 2, res["schema"])


def identifier_columns(tables: Mapping[str, _Table]) -> dict[str, set[str]]:
    """Table -> its columns that the codebook marks as identifiers."""
    return {n: {f["name"] for f in t.schema["fields"] if f.get("identifier")} for n, t in tables.items()}


def _check_structure(path: str, lines: list[str], comments: int) -> list[Problem]:
    """Delimiter, CSV syntax and the number of fields on every line.

    Run with the standard library's :mod:`csv` reader before pandas, so that a
    row with an extra field is reported by line (pandas would otherwise shift
    the columns or take the first one as the index) and nothing is quoted.
    """
    body = "\n".join(lines[comments:])
    reader = csv.reader(_io.StringIO(body, newline=""), strict=True)
    out: list[Problem] = []
    try:
        header = next(reader, None)
        if header is None:
            return [Problem(path, comments + 1, None, "no_rows")]
        if len(header) == 1 and any(d in header[0] for d in (";", "\t", "|")):
            return [Problem(path, comments + 1, None, "delimiter")]
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                out.append(Problem(path, comments + reader.line_num, None, "field_count",
                                   f"{len(row)} fields, header has {len(header)}"))
    except csv.Error:
        return [Problem(path, comments + reader.line_num, None, "csv_parse")]
    return out


def _check_columns(t: _Table) -> None:
    expected = [f["name"] for f in t.schema["fields"]]
    for col in expected:
        if col not in t.frame.columns:
            t.problems.append(Problem(t.path, t.first_data_line - 1, col, "missing_column"))
    for col in t.frame.columns:
        if col not in expected:
            t.problems.append(Problem(t.path, t.first_data_line - 1, str(col), "unknown_column"))


def _check_fields(t: _Table) -> None:
    for f in t.schema["fields"]:
        col = f["name"]
        if col not in t.frame.columns:
            continue
        values = t.frame[col]
        cons = f.get("constraints", {})
        present = values.notna()
        if cons.get("required"):
            for idx in values.index[~present]:
                t.problems.append(Problem(t.path, t.line(idx), col, "required"))
        typ = f.get("type", "string")
        for idx in values.index[present]:
            v = str(values.at[idx])
            num: float | None = None
            if typ == "integer":
                if not re.fullmatch(r"[+-]?\d+", v.strip()):
                    t.problems.append(Problem(t.path, t.line(idx), col, "type_integer"))
                    continue
                num = float(int(v))
            elif typ == "number":
                try:
                    num = float(v)
                except ValueError:
                    t.problems.append(Problem(t.path, t.line(idx), col, "type_number"))
                    continue
            elif typ == "date":
                if _parse_date(v) is None:
                    t.problems.append(Problem(t.path, t.line(idx), col, "type_date"))
                    continue
            if "enum" in cons and v not in [str(e) for e in cons["enum"]]:
                allowed = ", ".join(str(e) for e in cons["enum"])
                t.problems.append(Problem(t.path, t.line(idx), col, "enum", f"allowed: {allowed}"))
            if num is not None and "minimum" in cons and num < cons["minimum"]:
                t.problems.append(Problem(t.path, t.line(idx), col, "minimum", f"minimum {cons['minimum']}"))
            if num is not None and "maximum" in cons and num > cons["maximum"]:
                t.problems.append(Problem(t.path, t.line(idx), col, "maximum", f"maximum {cons['maximum']}"))
            if "pattern" in cons and not re.fullmatch(cons["pattern"], v):
                t.problems.append(Problem(t.path, t.line(idx), col, "pattern"))
            if "nhs_check_digit" in f.get("checks", []) and re.fullmatch(r"[0-9]{10}", v) and not is_valid_nhs_number(v):
                t.problems.append(Problem(t.path, t.line(idx), col, "nhs_check_digit"))
        if cons.get("unique"):
            dup = values[present].duplicated(keep="first")
            for idx in dup.index[dup]:
                t.problems.append(Problem(t.path, t.line(idx), col, "unique"))
    pk = [c for c in t.schema.get("primaryKey", []) if c in t.frame.columns]
    if len(pk) > 1:
        dup = t.frame.duplicated(subset=pk, keep="first")
        for idx in t.frame.index[dup]:
            t.problems.append(Problem(t.path, t.line(idx), "+".join(pk), "primary_key"))


def _check_foreign_keys(t: _Table, tables: Mapping[str, _Table]) -> None:
    for fk in t.schema.get("foreignKeys", []):
        col = fk["fields"]
        refs = fk["reference"] if isinstance(fk["reference"], list) else [fk["reference"]]
        known: set[str] = set()
        if any(ref["resource"] not in tables for ref in refs):
            continue  # the register itself failed to load: reported once, no cascade
        for ref in refs:
            other = tables.get(ref["resource"])
            if other is not None and ref["fields"] in other.frame.columns:
                known |= set(other.frame[ref["fields"]].dropna().astype(str))
        if col not in t.frame.columns:
            continue
        for idx, v in t.frame[col].items():
            if pd.notna(v) and str(v) not in known:
                t.problems.append(Problem(t.path, t.line(idx), col, "foreign_key"))


def _dates(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame[col].map(lambda v: _parse_date(str(v)) if pd.notna(v) else None)


def _check_study_logic(tables: Mapping[str, _Table]) -> list[Problem]:
    out: list[Problem] = []
    reg = tables.get("participants")
    if reg is None:
        return out
    f = reg.frame
    ref, base, fu, wd = (_dates(f, c) for c in ("referral_date", "baseline_date", "followup_date", "withdrawal_date"))
    for idx in f.index:
        line = reg.line(idx)
        if ref[idx] and base[idx] and ref[idx] > base[idx]:
            out.append(Problem(reg.path, line, "referral_date", "date_order", "referral after baseline"))
        if base[idx] and fu[idx] and fu[idx] <= base[idx]:
            out.append(Problem(reg.path, line, "followup_date", "date_order", "follow-up not after baseline"))
        if base[idx] and wd[idx] and wd[idx] < base[idx]:
            out.append(Problem(reg.path, line, "withdrawal_date", "date_order", "withdrawal before baseline"))
        if "withdrawn" in f.columns:
            flag = f.at[idx, "withdrawn"]
            has_date = pd.notna(f.at[idx, "withdrawal_date"]) if "withdrawal_date" in f.columns else False
            if (flag == "yes") != bool(has_date):
                out.append(Problem(reg.path, line, "withdrawal_date", "withdrawal"))
    base_of = dict(zip(f.get("study_id", pd.Series(dtype=str)), base))
    fu_of = dict(zip(f.get("study_id", pd.Series(dtype=str)), fu))
    bl_t, fu_t = tables.get("baseline"), tables.get("followup")
    bl_ids = set(bl_t.frame["study_id"].dropna()) if bl_t is not None and "study_id" in bl_t.frame else set()
    if fu_t is not None and "study_id" in fu_t.frame:
        for idx, sid in fu_t.frame["study_id"].items():
            if pd.isna(sid) or sid not in base_of:
                continue
            if sid not in bl_ids:
                out.append(Problem(fu_t.path, fu_t.line(idx), "study_id", "followup_without_baseline"))
            if fu_of.get(sid) is None:
                out.append(Problem(fu_t.path, fu_t.line(idx), "study_id", "followup_date_missing"))
    for name in ("baseline", "followup"):
        t = tables.get(name)
        if t is None or "interview_date" not in t.frame:
            continue
        d = _dates(t.frame, "interview_date")
        for idx, sid in t.frame.get("study_id", pd.Series(dtype=str)).items():
            b = base_of.get(sid)
            if b and d[idx] and d[idx] < b:
                out.append(Problem(t.path, t.line(idx), "interview_date", "date_order", "interview before baseline"))
    att = tables.get("attendance")
    if att is not None and "session_date" in att.frame:
        d = _dates(att.frame, "session_date")
        ref_of = dict(zip(f.get("study_id", pd.Series(dtype=str)), ref))
        for idx, sid in att.frame.get("study_id", pd.Series(dtype=str)).items():
            r = ref_of.get(sid)
            if r and d[idx] and d[idx] < r:
                out.append(Problem(att.path, att.line(idx), "session_date", "date_order", "session before referral"))
    return out


def _check_text_files(package: Mapping[str, Any], files: Mapping[str, bytes], tables: Mapping[str, _Table]) -> list[Problem]:
    out: list[Problem] = []
    listed: set[str] = set()
    iv = tables.get("interviews")
    if iv is not None and "transcript_file" in iv.frame:
        for idx, path in iv.frame["transcript_file"].items():
            if pd.isna(path):
                continue
            listed.add(str(path))
            if str(path) not in files:
                out.append(Problem(iv.path, iv.line(idx), "transcript_file", "transcript_missing"))
                continue
            try:
                decode_utf8(files[str(path)], str(path))
            except EncodingError as exc:
                out.append(Problem(str(path), None, None, "encoding", str(exc).split(": ", 1)[1]))
    for res in package["resources"]:
        if res.get("format") == "txt":
            for path in res["path"] if isinstance(res["path"], list) else [res["path"]]:
                if path not in listed:
                    out.append(Problem(path, None, None, "transcript_unlisted"))
        if res.get("format") == "qdpx":
            data = files.get(res["path"])
            if data is None:
                out.append(Problem(res["path"], None, None, "missing_file"))
                continue
            try:
                with zipfile.ZipFile(_io.BytesIO(data)) as zf:
                    if "project.qde" not in zf.namelist():
                        raise zipfile.BadZipFile("no project.qde")
            except zipfile.BadZipFile:
                out.append(Problem(res["path"], None, None, "qdpx_invalid"))
    for path in files:
        if path.startswith("transcripts/") and path.endswith(".txt") and path not in listed and iv is not None:
            if not any(p.file == path for p in out):
                out.append(Problem(path, None, None, "transcript_unlisted"))
    return out


#: Columns the workflow reads, besides questionnaire items (resource -> columns).
WORKFLOW_COLUMNS: dict[str, list[str]] = {
    "participants": ["study_id", "site", "full_name", "nhs_number", "date_of_birth", "postcode", "phone",
                     "email", "referral_date", "baseline_date", "followup_date", "consent_data",
                     "consent_quotes", "withdrawn", "withdrawal_date"],
    "screening": ["site", "referred", "ineligible", "declined"],
    "demographics": ["study_id", "gender", "ethnicity", "dependants", "marital_status", "education",
                     "living_alone", "supported_accommodation", "employment_status"],
    "baseline": ["study_id", "interview_date", "medication", "ae_attendances", "psych_admissions",
                 "inpatient_nights", "crisis_contacts", "gp_contacts", "recall_months"],
    "followup": ["study_id", "interview_date", "medication", "ae_attendances", "psych_admissions",
                 "inpatient_nights", "crisis_contacts", "gp_contacts", "recall_months"],
    "attendance": ["study_id", "session_date"],
    "interviewees": ["person_id", "group", "site", "full_name", "phone", "email", "consent_quotes"],
    "interviews": ["interview_id", "person_id", "group", "site", "timepoint", "interview_date", "transcript_file"],
    "survey": ["trust_id"],
    "transcripts": [],
    "coding": [],
}


def needed_columns(measures: Mapping[str, Any]) -> dict[str, list[str]]:
    """Resource -> columns the workflow reads, including every scored item.

    Parameters
    ----------
    measures : mapping
        ``config/measures.yaml``: its items must be declared in the
        questionnaire resources of the time points where they are scored.
    """
    needed = {k: list(v) for k, v in WORKFLOW_COLUMNS.items()}
    for m in measures["measures"].values():
        for tp in m["timepoints"]:
            needed[tp] += [i for i in m["items"] if i not in needed[tp]]
    return needed


def required_resources(package: Mapping[str, Any], needed: Mapping[str, list[str]]) -> list[Problem]:
    """Check that the codebook declares the resources and columns the workflow uses.

    Parameters
    ----------
    package : mapping
        The data package descriptor.
    needed : mapping
        Resource name -> columns the workflow reads from it.
    """
    out = []
    by_name = {r["name"]: r for r in package.get("resources", [])}
    for name, cols in needed.items():
        res = by_name.get(name)
        if res is None:
            out.append(Problem("datapackage.json", None, None, "codebook", f"resource '{name}' is not declared"))
            continue
        declared = {f["name"] for f in res.get("schema", {}).get("fields", [])}
        for col in cols:
            if res.get("schema") and col not in declared:
                out.append(Problem("datapackage.json", None, col, "codebook", f"resource '{name}' lacks column"))
    return out


def validate_raw(
    files: Mapping[str, bytes], package: Mapping[str, Any], needed: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    """Validate a raw hand-over; return a report or raise with every problem.

    Parameters
    ----------
    files : mapping
        Relative path (as named in the codebook) -> file bytes.
    package : mapping
        The Frictionless data package descriptor (``datapackage.json``).
    needed : mapping, optional
        Resource -> columns the workflow needs (see :func:`required_resources`).

    Returns
    -------
    dict
        The validation report: data package name, whether synthetic, per file
        the rows and columns checked, and the checks run. Counts and locations
        only; no values.

    Raises
    ------
    RawValidationError
        If any check fails; its message lists file, line, column and check.
    """
    problems: list[Problem] = []
    if needed:
        problems += required_resources(package, needed)
    tables: dict[str, _Table] = {}
    for res in package["resources"]:
        if res.get("format") != "csv":
            continue
        t = _load_table(res["name"], res, files, problems)
        if t is not None:
            tables[res["name"]] = t
    corrections_log: list[dict[str, Any]] = []
    corr = tables.get("corrections")
    if corr is not None:
        _check_columns(corr)
        _check_fields(corr)
        corr_ok = not corr.problems
        problems += corr.problems
        corr.problems = []
        if corr_ok:
            # Corrections to files that loaded are applied even if another file
            # failed, so that the failure is not echoed as spurious value errors.
            loaded = {t.path for t in tables.values()}
            keys = {n: list(t.schema.get("primaryKey", [])) for n, t in tables.items()}
            usable = corr.frame[corr.frame["file"].isin(loaded)] if "file" in corr.frame else corr.frame
            try:
                fixed, corrections_log = apply_corrections(
                    {n: t.frame for n, t in tables.items() if n != "corrections"}, usable, keys,
                    identifier_columns(tables),
                )
            except CorrectionError as exc:
                problems += [Problem(corr.path, corr.line(p.row), p.column, "correction", f"correction {p.correction_id}: "
                                     f"{p.detail}") for p in exc.problems]
            else:
                for n, frame in fixed.items():
                    tables[n].frame = frame
    for t in tables.values():
        if t.name != "corrections":
            _check_columns(t)
            _check_fields(t)
    for t in tables.values():
        _check_foreign_keys(t, tables)
        problems += t.problems
    problems += _check_study_logic(tables)
    problems += _check_text_files(package, files, tables)
    if problems:
        raise RawValidationError(problems)
    n_text = sum(1 for p in files if p.startswith("transcripts/"))
    return {
        "data_package": package.get("name", ""),
        # Only the JSON boolean true; the signature is checked by the caller
        # (raw/signature.py), which overwrites this with the verified status.
        "synthetic": package.get("synthetic") is True,
        "status": "passed",
        "problems": 0,
        "checks": CHECKS,
        "files": {
            t.path: {"rows": int(len(t.frame)), "columns": int(t.frame.shape[1])} for t in sorted(tables.values(), key=lambda x: x.path)
        },
        "transcripts": n_text,
        "corrections_applied": corrections_log,
    }
