"""Validation of the raw hand-over against its codebook (``datapackage.json``).

:func:`validate_raw` checks every raw file: codebook paths confined to the raw
folder, encoding, delimiter, CSV structure, columns, types, ranges,
categories, patterns, unique and primary keys, IDs known to the register,
NHS number check digits, and the study's logic and plausibility (dates in
order and inside the study period, ages, negative counts, screening flow
totals, follow-up without baseline, interview groups), transcripts listed and
present, and that the REFI-QDA export can be opened. Problems are reported by
file, line, column and the name of the check that failed, never with the
offending value (raw files hold identifiers). Checks are column-wise
(:mod:`selfcare.raw.fields`, :mod:`selfcare.raw.study`) on files read by the
Arrow CSV reader (:mod:`selfcare.raw.tables`).
"""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, Mapping

from selfcare.raw.corrections import CorrectionError, apply_corrections
from selfcare.raw.fields import check_columns, check_fields, check_foreign_keys
from selfcare.raw.problems import CHECKS, Problem, RawValidationError
from selfcare.raw.study import check_study_logic
from selfcare.raw.tables import Table, load_table
from selfcare.raw.texts import check_text_files

__all__ = ["CHECKS", "Problem", "RawValidationError", "needed_columns", "required_resources", "resource_paths",
           "unsafe_path", "validate_raw"]


def identifier_columns(tables: Mapping[str, Table]) -> dict[str, set[str]]:
    """Table -> its columns that the codebook marks as identifiers."""
    return {n: {f["name"] for f in t.schema["fields"] if f.get("identifier")} for n, t in tables.items()}


def unsafe_path(path: Any) -> bool:
    """Tell whether a codebook path could point outside the raw folder.

    Absolute paths (POSIX or Windows, drive letters, UNC), any ``..`` part,
    backslashes, empty parts and non-strings are refused.
    """
    if not isinstance(path, str) or not path or "\\" in path or "\x00" in path:
        return True
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).drive or PureWindowsPath(path).is_absolute():
        return True
    parts = path.split("/")
    return any(p in ("", "..", ".") for p in parts)


def resource_paths(res: Mapping[str, Any]) -> list[Any]:
    """The path(s) of one codebook resource, as a list."""
    return list(res["path"]) if isinstance(res.get("path"), list) else [res.get("path")]


def _path_problems(package: Mapping[str, Any]) -> tuple[list[Problem], set[str]]:
    """Resources with a path that leaves the raw folder (reported, never opened)."""
    out: list[Problem] = []
    bad: set[str] = set()
    for res in package.get("resources", []):
        if any(unsafe_path(p) for p in resource_paths(res)):
            bad.add(res.get("name", ""))
            out.append(Problem("datapackage.json", None, None, "unsafe_path",
                               f"resource '{res.get('name', '')}': path is absolute or leaves the raw folder"))
    return out, bad


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


def _apply_corrections(tables: dict[str, Table]) -> tuple[list[Problem], list[dict[str, Any]]]:
    """Check ``corrections.csv`` and apply it to the tables that loaded."""
    corr = tables.get("corrections")
    if corr is None:
        return [], []
    check_columns(corr)
    check_fields(corr)
    problems, corr.problems = corr.problems, []
    if problems:
        return problems, []
    # Corrections to files that loaded are applied even if another file
    # failed, so that the failure is not echoed as spurious value errors.
    loaded = {t.path for t in tables.values()}
    keys = {n: list(t.schema.get("primaryKey", [])) for n, t in tables.items()}
    usable = corr.frame[corr.frame["file"].isin(loaded)] if "file" in corr.frame else corr.frame
    try:
        fixed, log = apply_corrections({n: t.frame for n, t in tables.items() if n != "corrections"}, usable, keys,
                                       identifier_columns(tables))
    except CorrectionError as exc:
        return [Problem(corr.path, corr.line(p.row), p.column, "correction", f"correction {p.correction_id}: {p.detail}")
                for p in exc.problems], []
    for n, frame in fixed.items():
        tables[n].frame = frame
    return [], log


def validate_raw(
    files: Mapping[str, bytes],
    package: Mapping[str, Any],
    needed: Mapping[str, list[str]] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate a raw hand-over; return a report or raise with every problem.

    Parameters
    ----------
    files : mapping
        Relative path (as named in the codebook) -> file bytes; may hold other
        files of the raw folder too (transcripts the codebook does not list
        are then reported as a warning).
    package : mapping
        The Frictionless data package descriptor (``datapackage.json``).
    needed : mapping, optional
        Resource -> columns the workflow needs (see :func:`required_resources`).
    settings : mapping, optional
        ``config["validation"]``: study period, date columns exempt from it,
        age range, count columns (see :func:`selfcare.raw.study.check_study_logic`).

    Returns
    -------
    dict
        The validation report: data package name, whether synthetic, per file
        the rows and columns checked, and the checks run (and ``warnings``,
        counts and positions only, when there are any). No values.

    Raises
    ------
    RawValidationError
        If any check fails; its message lists file, line, column and check.
    """
    settings = settings or {}
    problems, unsafe = _path_problems(package)
    if needed:
        problems += required_resources(package, needed)
    tables: dict[str, Table] = {}
    for res in package["resources"]:
        if res.get("format") == "csv" and res.get("name") not in unsafe:
            t = load_table(res["name"], res, files, problems)
            if t is not None:
                tables[res["name"]] = t
    found, corrections_log = _apply_corrections(tables)
    problems += found
    counts = settings.get("counts", [])
    for t in tables.values():
        if t.name != "corrections":
            check_columns(t)
            check_fields(t, counts)
    for t in tables.values():
        check_foreign_keys(t, tables)
        problems += t.problems
    problems += check_study_logic(tables, settings, {(p.file, p.column) for p in problems})
    safe = {**package, "resources": [r for r in package["resources"] if r.get("name") not in unsafe]}
    found, warnings = check_text_files(safe, files, tables)
    problems += found
    if problems:
        raise RawValidationError(problems)
    return _report(package, files, tables, corrections_log, warnings)


def _report(package: Mapping[str, Any], files: Mapping[str, bytes], tables: Mapping[str, Table],
            corrections_log: list[dict[str, Any]], warnings: list[dict[str, Any]]) -> dict[str, Any]:
    listed = {p for r in package["resources"] if r.get("format") == "txt" for p in resource_paths(r)}
    report: dict[str, Any] = {
        "data_package": package.get("name", ""),
        # Only the JSON boolean true; the signature is checked by the caller
        # (raw/signature.py), which overwrites this with the verified status.
        "synthetic": package.get("synthetic") is True,
        "status": "passed",
        "problems": 0,
        "checks": CHECKS,
        "files": {
            t.path: {"rows": int(len(t.frame)), "columns": int(t.frame.shape[1])}
            for t in sorted(tables.values(), key=lambda x: x.path)
        },
        "transcripts": sum(1 for p in files if p in listed),
        "corrections_applied": corrections_log,
    }
    if warnings:
        report["warnings"] = warnings
    return report
