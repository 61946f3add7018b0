"""Tests of selfcare.raw.validate: a corpus of malformed raw hand-overs.

Every variant starts from the shipped SYNTHETIC data (bytes in memory and the
parsed datapackage.json), breaks exactly one thing, and must be refused with a
RawValidationError whose problems include the variant's own check, located by
file (and, for row-level problems, line and column). Messages must never show
the offending value: no register identifier may appear in them.

The end-to-end test runs Snakemake on a copy of the workflow with one
malformed raw file and checks that validation stops the run before any
de-identified output exists.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io as _io
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
from selfcare.core import io as sio
from selfcare.deidentify.keys import KEY_ENV_VAR
from selfcare.deidentify.leaks import scan_text
from selfcare.raw.nhs import is_valid_nhs_number, nhs_check_digit
from selfcare.raw.corrections import TRAIL_COLUMNS
from selfcare.raw.handover import enlarge_handover, run_validation, validate_folder
from selfcare.raw.validate import (
    CHECKS,
    Problem,
    RawValidationError,
    needed_columns,
    unsafe_path,
    validate_raw,
)

# ---------------------------------------------------------------------------
# Helpers: edit a shipped CSV in memory, keeping every other byte as shipped
# ---------------------------------------------------------------------------


class CsvEdit:
    """A raw CSV split into its comment lines, header and rows (strings)."""

    def __init__(self, data: bytes):
        text = data.decode("utf-8")
        lines = text.split("\n")
        n = 0
        while n < len(lines) and lines[n].startswith("#"):
            n += 1
        self.comments = lines[:n]
        rows = list(csv.reader(_io.StringIO("\n".join(lines[n:]))))
        self.header, self.rows = rows[0], rows[1:]

    @property
    def header_line(self) -> int:
        """1-based line number of the header."""
        return len(self.comments) + 1

    def line_of(self, row: int) -> int:
        """1-based line number of data row ``row`` (rows never span lines;
        checked by test_csv_edit_round_trips_and_locates_rows)."""
        return len(self.comments) + 2 + row

    def col(self, name: str) -> int:
        return self.header.index(name)

    def get(self, row: int, column: str) -> str:
        return self.rows[row][self.col(column)]

    def set(self, row: int, column: str, value: str) -> None:
        self.rows[row][self.col(column)] = value

    def find(self, column: str, value: str) -> int:
        return next(i for i, r in enumerate(self.rows) if r[self.col(column)] == value)

    def first(self, pred: Callable[[dict[str, str]], bool]) -> int:
        """Index of the first row for which ``pred(row as dict)`` is true."""
        return next(i for i, r in enumerate(self.rows) if pred(dict(zip(self.header, r))))

    def drop_column(self, column: str) -> None:
        j = self.col(column)
        self.header.pop(j)
        for r in self.rows:
            r.pop(j)

    def add_column(self, column: str, value: str) -> None:
        self.header.append(column)
        for r in self.rows:
            r.append(value)

    def text(self) -> str:
        buf = _io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([self.header, *self.rows])
        return "".join(c + "\n" for c in self.comments) + buf.getvalue()

    def to_bytes(self) -> bytes:
        return self.text().encode("utf-8")


def _date(v: str) -> dt.date:
    return dt.date.fromisoformat(v)


def _shift(v: str, days: int) -> str:
    return (_date(v) + dt.timedelta(days=days)).isoformat()


def _invalid_nhs(valid: str) -> str:
    """Same first nine digits, wrong check digit (only one digit is valid)."""
    bad = valid[:9] + str((int(valid[9]) + 1) % 10)
    assert not is_valid_nhs_number(bad)
    return bad


@dataclass(frozen=True)
class Expect:
    check: str
    file: str
    line: int | None
    column: str | None
    detail: str | None = None

    def matches(self, p: Problem) -> bool:
        return (
            p.check == self.check
            and p.file == self.file
            and p.line == self.line
            and p.column == self.column
            and (self.detail is None or self.detail in p.detail)
        )


class Variant:
    """Mutable copy of the shipped hand-over that one variant breaks."""

    def __init__(self, files: dict[str, bytes], package: dict[str, Any]):
        self.files = files
        self.package = package
        self.outside: dict[str, bytes] = {}  # files beside the raw folder (path confinement)

    def edit(self, name: str) -> CsvEdit:
        return CsvEdit(self.files[name])

    def save(self, name: str, e: CsvEdit) -> None:
        self.files[name] = e.to_bytes()

    def resource(self, name: str) -> dict[str, Any]:
        return next(r for r in self.package["resources"] if r["name"] == name)


VARIANTS: dict[str, Callable[[Variant], Expect]] = {}


def variant(name: str):
    def deco(fn: Callable[[Variant], Expect]) -> Callable[[Variant], Expect]:
        assert name not in VARIANTS
        VARIANTS[name] = fn
        return fn

    return deco


P = "participants.csv"

# --- file level --------------------------------------------------------------


@variant("encoding_participants_latin1")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.set(4, "full_name", "Zo\u00eb Bront\u00eb")  # non-ASCII, so latin-1 differs from UTF-8
    v.files[P] = e.text().encode("latin-1")
    return Expect("encoding", P, None, None)


@variant("encoding_transcript_cp1252")
def _(v: Variant) -> Expect:
    path = "transcripts/INT-SO-004.txt"
    text = v.files[path].decode("utf-8") + "\nRespondent: It\u2019s fine.\n"
    v.files[path] = text.encode("cp1252")
    return Expect("encoding", path, None, None)


@variant("missing_file_demographics")
def _(v: Variant) -> Expect:
    del v.files["demographics.csv"]
    return Expect("missing_file", "demographics.csv", None, None)


@variant("missing_file_qdpx")
def _(v: Variant) -> Expect:
    del v.files["coding.qdpx"]
    return Expect("missing_file", "coding.qdpx", None, None)


@variant("csv_parse_too_many_fields")
def _(v: Variant) -> Expect:
    v.files["screening.csv"] += b"LO,1,2,3,4,5\n"
    return Expect("field_count", "screening.csv", v.files["screening.csv"].count(b"\n"), None, "6 fields, header has 4")


@variant("csv_parse_unterminated_quote")
def _(v: Variant) -> Expect:
    v.files["survey.csv"] += b'T99,"north,yes\n'
    return Expect("csv_parse", "survey.csv", v.files["survey.csv"].count(b"\n"), None)


@variant("field_count_extra_field_in_register")
def _(v: Variant) -> Expect:
    lines = v.files["participants.csv"].split(b"\n")
    lines[5] += b",extra"
    v.files["participants.csv"] = b"\n".join(lines)
    return Expect("field_count", "participants.csv", 6, None, "17 fields, header has 16")


@variant("field_count_too_few_fields")
def _(v: Variant) -> Expect:
    lines = v.files["demographics.csv"].split(b"\n")
    lines[3] = lines[3].rsplit(b",", 1)[0]
    v.files["demographics.csv"] = b"\n".join(lines)
    return Expect("field_count", "demographics.csv", 4, None)


@variant("delimiter_semicolon")
def _(v: Variant) -> Expect:
    v.files["screening.csv"] = v.files["screening.csv"].replace(b",", b";")
    return Expect("delimiter", "screening.csv", 2, None)


@variant("no_rows_header_only")
def _(v: Variant) -> Expect:
    v.files["attendance.csv"] = b"\n".join(v.files["attendance.csv"].split(b"\n")[:2]) + b"\n"
    return Expect("no_rows", "attendance.csv", 2, None)


# --- columns -------------------------------------------------------------------


@variant("missing_column_gender")
def _(v: Variant) -> Expect:
    e = v.edit("demographics.csv")
    e.drop_column("gender")
    v.save("demographics.csv", e)
    return Expect("missing_column", "demographics.csv", e.header_line, "gender")


@variant("unknown_column_nickname")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.add_column("nickname", "")
    v.save(P, e)
    return Expect("unknown_column", P, e.header_line, f"#{len(e.header)}")  # by position, never the header text


# --- values --------------------------------------------------------------------


@variant("required_site_blank")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.set(5, "site", "")
    v.save(P, e)
    return Expect("required", P, e.line_of(5), "site")


@variant("required_interview_date_blank")
def _(v: Variant) -> Expect:
    e = v.edit("baseline.csv")
    e.set(9, "interview_date", "")
    v.save("baseline.csv", e)
    return Expect("required", "baseline.csv", e.line_of(9), "interview_date")


@variant("type_integer_dependants_word")
def _(v: Variant) -> Expect:
    e = v.edit("demographics.csv")
    e.set(3, "dependants", "two")
    v.save("demographics.csv", e)
    return Expect("type_integer", "demographics.csv", e.line_of(3), "dependants")


@variant("type_integer_item_decimal")
def _(v: Variant) -> Expect:
    e = v.edit("followup.csv")
    i = e.first(lambda r: r["mansa_03"] != "")
    e.set(i, "mansa_03", "4.5")
    v.save("followup.csv", e)
    return Expect("type_integer", "followup.csv", e.line_of(i), "mansa_03")


@variant("type_date_dob_day_first")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    i = e.first(lambda r: r["date_of_birth"] != "")
    e.set(i, "date_of_birth", "03/02/1971")
    v.save(P, e)
    return Expect("type_date", P, e.line_of(i), "date_of_birth")


@variant("type_date_impossible_day")
def _(v: Variant) -> Expect:
    e = v.edit("attendance.csv")
    e.set(11, "session_date", "2008-02-30")
    v.save("attendance.csv", e)
    return Expect("type_date", "attendance.csv", e.line_of(11), "session_date")


@variant("enum_site")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.set(8, "site", "XX")
    v.save(P, e)
    return Expect("enum", P, e.line_of(8), "site", detail="allowed:")


@variant("enum_gender_abbreviated")
def _(v: Variant) -> Expect:
    e = v.edit("demographics.csv")
    e.set(2, "gender", "f")
    v.save("demographics.csv", e)
    return Expect("enum", "demographics.csv", e.line_of(2), "gender")


@variant("maximum_dependants")
def _(v: Variant) -> Expect:
    e = v.edit("demographics.csv")
    e.set(7, "dependants", "13")
    v.save("demographics.csv", e)
    return Expect("maximum", "demographics.csv", e.line_of(7), "dependants", detail="maximum 12")


@variant("maximum_item_response")
def _(v: Variant) -> Expect:
    e = v.edit("followup.csv")
    e.set(4, "csq_01", "5")
    v.save("followup.csv", e)
    return Expect("maximum", "followup.csv", e.line_of(4), "csq_01")


@variant("negative_count_ae")
def _(v: Variant) -> Expect:
    e = v.edit("baseline.csv")
    e.set(6, "ae_attendances", "-1")
    v.save("baseline.csv", e)
    return Expect("negative_count", "baseline.csv", e.line_of(6), "ae_attendances")


@variant("minimum_item_response_zero")
def _(v: Variant) -> Expect:
    e = v.edit("baseline.csv")
    e.set(12, "es_01", "0")
    v.save("baseline.csv", e)
    return Expect("minimum", "baseline.csv", e.line_of(12), "es_01")


@variant("pattern_study_id")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.set(10, "study_id", "LO-0011")
    v.save(P, e)
    return Expect("pattern", P, e.line_of(10), "study_id")


@variant("pattern_postcode")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.set(14, "postcode", "NOWHERE")
    v.save(P, e)
    return Expect("pattern", P, e.line_of(14), "postcode")


@variant("nhs_check_digit")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.set(6, "nhs_number", _invalid_nhs(e.get(6, "nhs_number")))
    v.save(P, e)
    return Expect("nhs_check_digit", P, e.line_of(6), "nhs_number")


# --- keys ----------------------------------------------------------------------


@variant("unique_study_id_duplicate")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.set(1, "study_id", e.get(0, "study_id"))
    v.save(P, e)
    return Expect("unique", P, e.line_of(1), "study_id")


@variant("unique_nhs_number_duplicate")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.set(20, "nhs_number", e.get(3, "nhs_number"))
    v.save(P, e)
    return Expect("unique", P, e.line_of(20), "nhs_number")


@variant("primary_key_attendance_duplicate")
def _(v: Variant) -> Expect:
    e = v.edit("attendance.csv")
    e.rows.append(list(e.rows[0]))
    v.save("attendance.csv", e)
    return Expect("primary_key", "attendance.csv", e.line_of(len(e.rows) - 1), "study_id+session_date")


@variant("foreign_key_followup_unknown_id")
def _(v: Variant) -> Expect:
    e = v.edit("followup.csv")
    e.set(0, "study_id", "LO-999")
    v.save("followup.csv", e)
    return Expect("foreign_key", "followup.csv", e.line_of(0), "study_id")


@variant("foreign_key_interviews_person_unknown")
def _(v: Variant) -> Expect:
    e = v.edit("interviews.csv")
    i = e.first(lambda r: r["group"] == "staff")
    e.set(i, "person_id", "ST-LO-99")
    v.save("interviews.csv", e)
    return Expect("foreign_key", "interviews.csv", e.line_of(i), "person_id")


# --- study logic -----------------------------------------------------------------


@variant("followup_without_baseline")
def _(v: Variant) -> Expect:
    fu = v.edit("followup.csv")
    sid = fu.get(2, "study_id")
    bl = v.edit("baseline.csv")
    del bl.rows[bl.find("study_id", sid)]
    v.save("baseline.csv", bl)
    return Expect("followup_without_baseline", "followup.csv", fu.line_of(2), "study_id")


@variant("followup_date_missing")
def _(v: Variant) -> Expect:
    fu = v.edit("followup.csv")
    sid = fu.get(5, "study_id")
    e = v.edit(P)
    e.set(e.find("study_id", sid), "followup_date", "")
    v.save(P, e)
    return Expect("followup_date_missing", "followup.csv", fu.line_of(5), "study_id")


@variant("date_order_referral_after_baseline")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.set(7, "referral_date", _shift(e.get(7, "baseline_date"), 3))
    v.save(P, e)
    return Expect("date_order", P, e.line_of(7), "referral_date", detail="referral after baseline")


@variant("date_order_followup_before_baseline")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    i = e.first(lambda r: r["followup_date"] != "")
    e.set(i, "followup_date", _shift(e.get(i, "baseline_date"), -1))
    v.save(P, e)
    return Expect("date_order", P, e.line_of(i), "followup_date")


@variant("date_order_withdrawal_before_baseline")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    i = e.first(lambda r: r["withdrawn"] == "yes")
    e.set(i, "withdrawal_date", _shift(e.get(i, "baseline_date"), -10))
    v.save(P, e)
    return Expect("date_order", P, e.line_of(i), "withdrawal_date")


@variant("date_order_session_before_referral")
def _(v: Variant) -> Expect:
    att = v.edit("attendance.csv")
    reg = v.edit(P)
    sid = att.get(0, "study_id")
    att.set(0, "session_date", _shift(reg.get(reg.find("study_id", sid), "referral_date"), -3))
    v.save("attendance.csv", att)
    return Expect("date_order", "attendance.csv", att.line_of(0), "session_date", detail="session before referral")


@variant("date_order_interview_before_baseline")
def _(v: Variant) -> Expect:
    bl = v.edit("baseline.csv")
    reg = v.edit(P)
    sid = bl.get(4, "study_id")
    bl.set(4, "interview_date", _shift(reg.get(reg.find("study_id", sid), "baseline_date"), -2))
    v.save("baseline.csv", bl)
    return Expect("date_order", "baseline.csv", bl.line_of(4), "interview_date")


@variant("withdrawal_flag_without_date")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    i = e.first(lambda r: r["withdrawn"] == "no")
    e.set(i, "withdrawn", "yes")
    v.save(P, e)
    return Expect("withdrawal", P, e.line_of(i), "withdrawal_date")


@variant("withdrawal_date_without_flag")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    i = e.first(lambda r: r["withdrawn"] == "no")
    e.set(i, "withdrawal_date", _shift(e.get(i, "baseline_date"), 30))
    v.save(P, e)
    return Expect("withdrawal", P, e.line_of(i), "withdrawal_date")


# --- transcripts and the REFI-QDA export ----------------------------------------


@variant("transcript_missing")
def _(v: Variant) -> Expect:
    e = v.edit("interviews.csv")
    i = e.find("interview_id", "INT-LO-003")
    del v.files[e.get(i, "transcript_file")]
    return Expect("transcript_missing", "interviews.csv", e.line_of(i), "transcript_file")


@variant("transcript_coded_unlisted")
def _(v: Variant) -> Expect:
    # a transcript in the folder but not in the codebook, that the REFI-QDA export codes
    v.files["transcripts/INT-LO-999.txt"] = b"[SYNTHETIC TRANSCRIPT] stray file\n"
    v.files["coding.qdpx"] = _qdpx_with_source_copy(v.files["coding.qdpx"], "INT-LO-999")
    # named by its position in the sorted folder, not by its file name (an interview ID)
    pos = sorted(p for p in v.files if p.startswith("transcripts/")).index("transcripts/INT-LO-999.txt") + 1
    return Expect("transcript_coded_unlisted", f"transcripts/ (file {pos} of the folder)", None, None)


@variant("transcript_unlisted_row_removed")
def _(v: Variant) -> Expect:
    e = v.edit("interviews.csv")
    del e.rows[e.find("interview_id", "INT-NO-005")]
    v.save("interviews.csv", e)
    return Expect("transcript_unlisted", "transcripts/INT-NO-005.txt", None, None)


@variant("qdpx_invalid_truncated")
def _(v: Variant) -> Expect:
    data = v.files["coding.qdpx"]
    v.files["coding.qdpx"] = data[: len(data) // 2]
    return Expect("qdpx_invalid", "coding.qdpx", None, None)


@variant("qdpx_invalid_no_project_member")
def _(v: Variant) -> Expect:
    with zipfile.ZipFile(_io.BytesIO(v.files["coding.qdpx"])) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if n != "project.qde"}
    v.files["coding.qdpx"] = sio.zip_bytes(members)
    return Expect("qdpx_invalid", "coding.qdpx", None, None)


# --- documented corrections ---------------------------------------------------------


@variant("correction_unknown_record")
def _(v: Variant) -> Expect:
    e = v.edit("corrections.csv")
    e.set(0, "record_id", "LO-999")
    v.save("corrections.csv", e)
    return Expect("correction", "corrections.csv", e.line_of(0), "record_id", "C001")


@variant("correction_stale_old_value")
def _(v: Variant) -> Expect:
    # the record no longer holds what the correction expects (already fixed, or edited since)
    e = v.edit("corrections.csv")
    e.set(0, "old_value", "4")
    v.save("corrections.csv", e)
    return Expect("correction", "corrections.csv", e.line_of(0), "old_value", "C001")


@variant("correction_wrong_but_existing_record")
def _(v: Variant) -> Expect:
    # a mistyped study ID that exists: its value is not the expected one
    e = v.edit("corrections.csv")
    row = e.first(lambda r: r["file"] == "participants.csv")
    e.set(row, "record_id", "LO-001")
    v.save("corrections.csv", e)
    return Expect("correction", "corrections.csv", e.line_of(row), "old_value", "C002")


@variant("correction_missing_leaves_raw_error")
def _(v: Variant) -> Expect:
    # without the documented fix, the planted data-entry error is refused
    e = v.edit("corrections.csv")
    e.rows = [r for r in e.rows if r[e.col("column")] != "es_05"]
    v.save("corrections.csv", e)
    b = v.edit("baseline.csv")
    row = b.first(lambda r: r["es_05"] not in ("", "1", "2", "3", "4"))
    return Expect("maximum", "baseline.csv", b.line_of(row), "es_05")


# --- the codebook itself ----------------------------------------------------------


@variant("codebook_lacks_needed_column")
def _(v: Variant) -> Expect:
    fields = v.resource("demographics")["schema"]["fields"]
    fields[:] = [f for f in fields if f["name"] != "employment_status"]
    return Expect("codebook", "datapackage.json", None, "employment_status")


@variant("codebook_lacks_scored_item")
def _(v: Variant) -> Expect:
    fields = v.resource("baseline")["schema"]["fields"]
    fields[:] = [f for f in fields if f["name"] != "mhcs_07"]
    return Expect("codebook", "datapackage.json", None, "mhcs_07")


@variant("codebook_lacks_resource")
def _(v: Variant) -> Expect:
    v.package["resources"] = [r for r in v.package["resources"] if r["name"] != "survey"]
    return Expect("codebook", "datapackage.json", None, None, detail="resource 'survey'")


# --- plausibility and structure (issue 12 item 8) -----------------------------------


def _qdpx_with_source_copy(data: bytes, name: str) -> bytes:
    """The REFI-QDA export with a coded text source copied under a new name."""
    from lxml import etree

    with zipfile.ZipFile(_io.BytesIO(data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    root = etree.fromstring(members["project.qde"])
    ns = "{urn:QDA-XML:project:1.0}"
    src = next(s for s in root.iter(f"{ns}TextSource") if next(s.iter(f"{ns}Coding"), None) is not None)
    twin = copy.deepcopy(src)
    twin.set("name", name)
    src.addnext(twin)
    members["project.qde"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return sio.zip_bytes(members)


@variant("encoding_screening_utf16")
def _(v: Variant) -> Expect:
    v.files["screening.csv"] = v.files["screening.csv"].decode("utf-8").encode("utf-16")
    return Expect("encoding", "screening.csv", None, None)


@variant("encoding_followup_latin1_item")
def _(v: Variant) -> Expect:
    e = v.edit("followup.csv")
    e.set(3, "medication", "n\u00e9e")
    v.files["followup.csv"] = e.text().encode("latin-1")
    return Expect("encoding", "followup.csv", None, None)


@variant("delimiter_tab_register")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    v.files[P] = ("".join(c + "\n" for c in e.comments) + "\n".join("\t".join(r) for r in [e.header, *e.rows])
                  + "\n").encode("utf-8")
    return Expect("delimiter", P, e.header_line, None)


@variant("field_count_questionnaire_missing_item")
def _(v: Variant) -> Expect:
    e = v.edit("baseline.csv")
    e.rows[40].pop()
    v.save("baseline.csv", e)
    return Expect("field_count", "baseline.csv", e.line_of(40), None)


@variant("no_rows_followup_header_only")
def _(v: Variant) -> Expect:
    e = v.edit("followup.csv")
    e.rows = []
    v.save("followup.csv", e)
    return Expect("no_rows", "followup.csv", e.header_line, None)


@variant("negative_count_inpatient_nights")
def _(v: Variant) -> Expect:
    e = v.edit("followup.csv")
    e.set(8, "inpatient_nights", "-14")
    v.save("followup.csv", e)
    return Expect("negative_count", "followup.csv", e.line_of(8), "inpatient_nights")


@variant("negative_count_screening_declined")
def _(v: Variant) -> Expect:
    e = v.edit("screening.csv")
    e.set(1, "declined", "-2")
    v.save("screening.csv", e)
    return Expect("negative_count", "screening.csv", e.line_of(1), "declined")


@variant("study_period_referral_too_early")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.set(12, "referral_date", "2001-03-02")
    v.save(P, e)
    return Expect("study_period", P, e.line_of(12), "referral_date")


@variant("study_period_session_after_end")
def _(v: Variant) -> Expect:
    e = v.edit("attendance.csv")
    i = len(e.rows) - 1
    e.set(i, "session_date", "2011-05-06")
    v.save("attendance.csv", e)
    return Expect("study_period", "attendance.csv", e.line_of(i), "session_date")


@variant("study_period_staff_interview")
def _(v: Variant) -> Expect:
    e = v.edit("interviews.csv")
    i = e.first(lambda r: r["group"] == "manager")
    e.set(i, "interview_date", "2014-01-09")
    v.save("interviews.csv", e)
    return Expect("study_period", "interviews.csv", e.line_of(i), "interview_date")


@variant("age_range_too_young")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    i = e.first(lambda r: r["date_of_birth"] != "")
    e.set(i, "date_of_birth", _shift(e.get(i, "baseline_date"), -365 * 12))
    v.save(P, e)
    return Expect("age_range", P, e.line_of(i), "date_of_birth")


@variant("age_range_too_old")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.set(30, "date_of_birth", "1890-01-01")
    v.save(P, e)
    return Expect("age_range", P, e.line_of(30), "date_of_birth")


@variant("date_order_interview_before_referral")
def _(v: Variant) -> Expect:
    iv = v.edit("interviews.csv")
    reg = v.edit(P)
    i = iv.first(lambda r: r["group"] == "service_user")
    ref = reg.get(reg.find("study_id", iv.get(i, "person_id")), "referral_date")
    iv.set(i, "interview_date", _shift(ref, -5))
    v.save("interviews.csv", iv)
    return Expect("date_order", "interviews.csv", iv.line_of(i), "interview_date", detail="interview before referral")


@variant("flow_total_more_declined_than_referred")
def _(v: Variant) -> Expect:
    e = v.edit("screening.csv")
    e.set(2, "declined", str(int(e.get(2, "referred")) + 1))
    v.save("screening.csv", e)
    return Expect("flow_total", "screening.csv", e.line_of(2), "declined")


@variant("flow_total_register_does_not_match")
def _(v: Variant) -> Expect:
    e = v.edit("screening.csv")
    e.set(0, "referred", str(int(e.get(0, "referred")) + 3))
    v.save("screening.csv", e)
    return Expect("flow_total", "screening.csv", e.line_of(0), "referred")


@variant("unsafe_path_absolute")
def _(v: Variant) -> Expect:
    v.resource("survey")["path"] = "/etc/hostname"
    return Expect("unsafe_path", "datapackage.json", None, None, detail="resource 'survey'")


@variant("unsafe_path_parent")
def _(v: Variant) -> Expect:
    v.resource("screening")["path"] = "../screening.csv"
    v.outside["screening.csv"] = v.files["screening.csv"]  # a readable file there: still never opened
    return Expect("unsafe_path", "datapackage.json", None, None, detail="resource 'screening'")


@variant("unsafe_path_transcript")
def _(v: Variant) -> Expect:
    v.resource("transcripts")["path"].append("transcripts/../../notes.txt")
    v.outside["notes.txt"] = b"not part of the hand-over\n"
    return Expect("unsafe_path", "datapackage.json", None, None, detail="resource 'transcripts'")


@variant("interview_group_service_user_with_staff_id")
def _(v: Variant) -> Expect:
    e = v.edit("interviews.csv")
    i = e.first(lambda r: r["group"] == "service_user")
    e.set(i, "person_id", "ST-LO-01")
    v.save("interviews.csv", e)
    return Expect("interview_group", "interviews.csv", e.line_of(i), "person_id")


@variant("interview_group_staff_with_participant_id")
def _(v: Variant) -> Expect:
    e = v.edit("interviews.csv")
    i = e.first(lambda r: r["group"] == "staff")
    e.set(i, "person_id", "LO-001")
    v.save("interviews.csv", e)
    return Expect("interview_group", "interviews.csv", e.line_of(i), "person_id")


@variant("interview_group_carer_with_manager_id")
def _(v: Variant) -> Expect:
    e = v.edit("interviews.csv")
    i = e.first(lambda r: r["group"] == "carer")
    e.set(i, "person_id", e.get(e.first(lambda r: r["group"] == "manager"), "person_id"))
    v.save("interviews.csv", e)
    return Expect("interview_group", "interviews.csv", e.line_of(i), "person_id")


@variant("type_date_feb_29_non_leap_year")
def _(v: Variant) -> Expect:
    e = v.edit(P)
    e.set(15, "baseline_date", "2007-02-29")
    v.save(P, e)
    return Expect("type_date", P, e.line_of(15), "baseline_date")


@variant("type_integer_item_word_in_large_questionnaire")
def _(v: Variant) -> Expect:
    e = v.edit("baseline.csv")
    i = len(e.rows) - 1
    e.set(i, "csi_14", "often")
    v.save("baseline.csv", e)
    return Expect("type_integer", "baseline.csv", e.line_of(i), "csi_14")


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def needed(configs) -> dict[str, list[str]]:
    return needed_columns(configs["measures"])


def _location(e: Expect) -> str:
    where = [e.file]
    if e.line is not None:
        where.append(f"line {e.line}")
    if e.column:
        where.append(f"column {e.column}")
    return f"{', '.join(where)}: check '{e.check}' failed"


def test_corpus_is_large_and_covers_the_checks(shipped_files, package):
    assert len(VARIANTS) >= 60
    checks = {VARIANTS[name](Variant(dict(shipped_files), copy.deepcopy(package))).check for name in VARIANTS}
    # every check the module runs is exercised, except type_number: the
    # codebook declares no number field, so no variant can reach it
    assert checks == set(CHECKS) - {"type_number"}
    assert not any(f.get("type") == "number" for r in package["resources"] for f in r.get("schema", {}).get("fields", []))


@pytest.fixture(scope="module")
def settings(configs) -> dict[str, Any]:
    return configs["config"]["validation"]


def _write_handover(tmp_path: Path, v: Variant) -> Path:
    """Write a variant as a hand-over folder (raw/) with its outside files beside it."""
    raw = tmp_path / "raw"
    for rel, data in v.files.items():
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(data)
    (raw / "datapackage.json").write_text(sio.dump_json(v.package), encoding="utf-8")
    for rel, data in v.outside.items():
        (tmp_path / rel).write_bytes(data)
    return raw


@pytest.mark.corpus
@pytest.mark.parametrize("name", list(VARIANTS))
def test_malformed_variant_is_refused_with_its_own_check(name, tmp_path, shipped_files, package, needed, settings,
                                                         register_leak_index):
    """Each variant, written as a hand-over folder, is refused with its own named
    check at its file, line and column; the message shows no identifier; no
    output file is written."""
    v = Variant(dict(shipped_files), package)
    expect = VARIANTS[name](v)
    assert expect.check in CHECKS
    raw = _write_handover(tmp_path, v)
    out = tmp_path / "results"
    with pytest.raises(RawValidationError) as info:
        run_validation(raw, needed, settings, out / "report.json", out / "corrections.csv")
    err = info.value
    own = [p for p in err.problems if p.check == expect.check]
    assert sum(expect.matches(p) for p in err.problems) == 1, (
        f"expected {expect} once among {[str(p) for p in own] or [str(p) for p in err.problems[:10]]}"
    )
    message = str(err)
    assert message.startswith("rule validate_raw: raw data failed validation")
    assert _location(expect) in message, f"the message lacks '{_location(expect)}'"
    # no register identifier ever appears in the message
    leaks = scan_text(message, register_leak_index)
    assert sum(leaks.values()) == 0, f"identifiers in the message (counts): {leaks}"
    assert not out.exists() or not any(out.iterdir()), "a failed validation wrote output"


def test_shipped_data_pass_and_report_holds_counts_only(shipped_files, package, needed, raw_tables, register_leak_index):
    report = validate_raw(dict(shipped_files), package, needed)
    assert report["status"] == "passed"
    assert report["problems"] == 0
    assert report["synthetic"] is True
    assert report["checks"] == CHECKS
    csv_paths = sorted(r["path"] for r in package["resources"] if r.get("format") == "csv")
    assert sorted(report["files"]) == csv_paths
    by_path = {r["path"]: r["name"] for r in package["resources"] if r.get("format") == "csv"}
    for path, counts in report["files"].items():
        frame = raw_tables[by_path[path]]
        assert counts == {"rows": len(frame), "columns": frame.shape[1]}
    assert report["transcripts"] == sum(1 for p in shipped_files if p.startswith("transcripts/"))
    assert set(report) == {"data_package", "synthetic", "status", "problems", "checks", "files", "transcripts",
                           "corrections_applied"}
    trail = report["corrections_applied"]
    assert [c["correction_id"] for c in trail] == ["C001", "C002"]
    assert all(list(c) == TRAIL_COLUMNS for c in trail)
    assert [c["row"] for c in trail] == [1, 2] and all(c["reason"] for c in trail)
    # an item response is not an identifier: the trail shows what it was and became
    assert (trail[0]["column"], trail[0]["old_value"], trail[0]["new_value"]) == ("es_05", "33", "3")
    # a date is an identifier in the codebook: no value in the trail
    assert (trail[1]["column"], trail[1]["old_value"], trail[1]["new_value"]) == ("referral_date", "", "")
    text = sio.dump_json(report)
    leaks = scan_text(text, register_leak_index)
    assert sum(leaks.values()) == 0, leaks
    # no identifying cell of any register (IDs, names, dates ...) appears in the report
    shown = 0
    for table in ("participants", "interviewees", "interviews", "attendance"):
        fields = next(r for r in package["resources"] if r["name"] == table)["schema"]["fields"]
        ident = [f["name"] for f in fields if f.get("identifier")]
        shown += sum(str(v) in text for v in raw_tables[table][ident].stack())
    assert shown == 0, f"{shown} identifying values appear in the report"


def test_utf8_bom_and_crlf_are_accepted(shipped_files, package, needed):
    files = dict(shipped_files)
    files[P] = b"\xef\xbb\xbf" + files[P]
    files["demographics.csv"] = files["demographics.csv"].replace(b"\n", b"\r\n")
    report = validate_raw(files, package, needed)
    assert report["status"] == "passed"
    assert report["files"][P]["rows"] == 121


def test_csv_edit_round_trips_and_locates_rows(shipped_files, package):
    """The corpus' helper rewrites shipped CSVs byte for byte and its line
    numbers are the physical lines of the rows."""
    for res in package["resources"]:
        if res.get("format") != "csv":
            continue
        data = shipped_files[res["path"]]
        e = CsvEdit(data)
        assert e.to_bytes() == data, res["path"]
        lines = data.decode("utf-8").split("\n")
        assert lines[e.header_line - 1].split(",") == e.header
        for i in (0, len(e.rows) // 2, len(e.rows) - 1):
            assert next(csv.reader([lines[e.line_of(i) - 1]])) == e.rows[i]


def test_messages_never_contain_the_offending_values(shipped_files, package, needed):
    """Plant distinctive bad values and check that no message shows them."""
    first9 = "999444555"
    bad_nhs = _invalid_nhs(first9 + str(nhs_check_digit(first9)))
    name = "Quentin Zebedee-Marchbanks"
    e = CsvEdit(shipped_files[P])
    e.set(2, "nhs_number", bad_nhs)
    e.set(3, "site", name)
    e.set(4, "study_id", name)
    e.set(5, "date_of_birth", "Zebedee")
    d = CsvEdit(shipped_files["demographics.csv"])
    d.set(6, "dependants", "Marchbanks")
    files = dict(shipped_files)
    files[P] = e.to_bytes()
    files["demographics.csv"] = d.to_bytes()
    with pytest.raises(RawValidationError) as info:
        validate_raw(files, package, needed)
    err = info.value
    found = {(p.check, p.line, p.column) for p in err.problems}
    assert ("nhs_check_digit", e.line_of(2), "nhs_number") in found
    assert ("enum", e.line_of(3), "site") in found
    assert ("pattern", e.line_of(4), "study_id") in found
    assert ("type_date", e.line_of(5), "date_of_birth") in found
    assert ("type_integer", d.line_of(6), "dependants") in found
    texts = [str(err)] + [str(p) for p in err.problems] + [p.detail for p in err.problems]
    for planted in (bad_nhs, bad_nhs[:3] + " " + bad_nhs[3:6], name, "Zebedee", "Marchbanks", "Quentin"):
        assert not any(planted in t for t in texts), "a message shows an offending value"


def test_encoding_message_names_file_and_offset_not_content(shipped_files, package, needed):
    e = CsvEdit(shipped_files[P])
    e.set(4, "full_name", "Ren\u00e9e Zanzibarova")
    files = dict(shipped_files)
    files[P] = e.text().encode("latin-1")
    with pytest.raises(RawValidationError) as info:
        validate_raw(files, package, needed)
    (problem,) = [p for p in info.value.problems if p.check == "encoding"]
    assert "invalid byte at offset" in problem.detail
    assert "Zanzibarova" not in str(info.value)


def test_error_lists_every_problem_not_just_the_first(shipped_files, package, needed):
    e = CsvEdit(shipped_files[P])
    for i in (3, 9, 27):
        e.set(i, "site", "ZZ")
    files = dict(shipped_files)
    files[P] = e.to_bytes()
    with pytest.raises(RawValidationError) as info:
        validate_raw(files, package, needed)
    lines = sorted(p.line for p in info.value.problems if p.check == "enum")
    assert lines == [e.line_of(3), e.line_of(9), e.line_of(27)]
    assert "3 problem(s)" in str(info.value)


# ---------------------------------------------------------------------------
# End to end: Snakemake stops at validation and leaves no downstream output
# ---------------------------------------------------------------------------


def test_snakemake_stops_at_validation_with_no_downstream_output(tmp_path, repo_root):
    work = tmp_path / "wf"
    work.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".snakemake", "results")
    shutil.copy2(repo_root / "Snakefile", work / "Snakefile")
    for folder in ("workflow", "config", "resources", "manuscript"):
        if (repo_root / folder).is_dir():
            shutil.copytree(repo_root / folder, work / folder, ignore=ignore)
    raw = work / "resources" / "synthetic" / P
    e = CsvEdit(raw.read_bytes())
    row = 17
    bad = _invalid_nhs(e.get(row, "nhs_number"))
    e.set(row, "nhs_number", bad)
    raw.write_bytes(e.to_bytes())

    env = {k: v for k, v in os.environ.items() if k != KEY_ENV_VAR}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", "results/deid/deid_report.json"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    where = f"participants.csv, line {e.line_of(row)}, column nhs_number: check 'nhs_check_digit' failed"
    named = {
        "location": where in out,
        "runner": "rule validate_raw failed: RawValidationError" in out,
        "snakemake": "Error in rule validate_raw" in out,
    }
    assert all(named.values()), f"missing from the Snakemake output: {named} (exit {proc.returncode})"
    shows_value = bad in out
    assert not shows_value, "the Snakemake output shows the offending NHS number"
    deid_dir = work / "results" / "deid"
    assert not deid_dir.exists() or not any(p.is_file() for p in deid_dir.rglob("*"))
    assert not (work / "results" / "validation" / "validation_report.json").exists()


def test_a_broken_register_is_reported_once_without_cascades(shipped_files, package, needed):
    files = dict(shipped_files)
    lines = files["participants.csv"].split(b"\n")
    lines[5] += b",extra"
    files["participants.csv"] = b"\n".join(lines)
    with pytest.raises(RawValidationError) as info:
        validate_raw(files, package, needed)
    assert [p.check for p in info.value.problems] == ["field_count"]


# ---------------------------------------------------------------------------
# Warnings, path confinement, line numbers and large files
# ---------------------------------------------------------------------------


def test_transcript_outside_the_codebook_is_a_warning_by_position_only(tmp_path, shipped_files, package, needed,
                                                                       settings):
    v = Variant(dict(shipped_files), package)
    v.files["transcripts/INT-SO-998.txt"] = b"[SYNTHETIC TRANSCRIPT] not coded, not listed\n"
    raw = _write_handover(tmp_path, v)
    out = tmp_path / "results"
    report = run_validation(raw, needed, settings, out / "report.json", out / "corrections.csv")
    folder = sorted(p for p in v.files if p.startswith("transcripts/"))
    assert report["warnings"] == [{"check": "transcript_not_in_codebook", "count": 1,
                                   "positions": [folder.index("transcripts/INT-SO-998.txt") + 1],
                                   "folder": "transcripts/"}]
    written = (out / "report.json").read_text(encoding="utf-8")
    assert "INT-SO-998" not in written and '"transcript_not_in_codebook"' in written
    # the shipped hand-over has none: its report has no warnings key (outputs unchanged)
    assert "warnings" not in validate_raw(dict(shipped_files), package, needed, settings)


@pytest.mark.parametrize("path, unsafe", [
    ("participants.csv", False), ("transcripts/INT-LO-001.txt", False), ("/etc/passwd", True),
    ("../x.csv", True), ("transcripts/../../x.txt", True), ("C:/data/x.csv", True), ("C:x.csv", True),
    ("\\\\server\\share\\x.csv", True), ("a\\..\\x.csv", True), ("./x.csv", True), ("", True), (None, True),
    ("a//b.csv", True),
])
def test_unsafe_paths_are_recognised(path, unsafe):
    assert unsafe_path(path) is unsafe


def test_a_path_leaving_the_raw_folder_is_never_opened(tmp_path, shipped_files, package, needed, settings,
                                                       monkeypatch):
    """The escaping file exists and is readable, but validation reads only
    files inside the raw folder (checked by recording every file read)."""
    v = Variant(dict(shipped_files), package)
    v.resource("screening")["path"] = "../screening.csv"
    v.outside["screening.csv"] = v.files["screening.csv"]
    raw = _write_handover(tmp_path, v)
    opened: list[Path] = []
    real = sio.read_bytes
    monkeypatch.setattr(sio, "read_bytes", lambda p: opened.append(Path(p).resolve()) or real(p))
    with pytest.raises(RawValidationError) as info:
        validate_folder(raw, needed, settings)
    assert [p.check for p in info.value.problems] == ["unsafe_path"]
    assert opened and all(p.is_relative_to(raw.resolve()) for p in opened)


def test_line_numbers_survive_blank_lines(tmp_path, shipped_files, package, needed, settings):
    e = CsvEdit(shipped_files["demographics.csv"])
    e.set(30, "gender", "unknown")
    lines = e.text().split("\n")
    lines.insert(e.line_of(10) - 1, "")  # a blank line before row 10 moves row 30 down one line
    files = dict(shipped_files)
    files["demographics.csv"] = "\n".join(lines).encode("utf-8")
    with pytest.raises(RawValidationError) as info:
        validate_raw(files, package, needed, settings)
    assert [(p.check, p.line, p.column) for p in info.value.problems] == [("enum", e.line_of(30) + 1, "gender")]


def test_enlarged_handover_validates_and_locates_a_late_row(tmp_path, needed, settings, repo_root):
    """The speed benchmark's enlarged hand-over is valid; an error near its end
    is located at the right physical line (column-wise checks keep line numbers)."""
    raw = tmp_path / "big"
    sizes = enlarge_handover(repo_root / "resources" / "synthetic", raw, 3000)
    assert sizes == {"questionnaire_rows": 3000, "register_rows": 3000}
    report = validate_folder(raw, needed, settings)
    assert report["files"]["baseline.csv"]["rows"] == 3000 and report["synthetic"] is False
    e = CsvEdit((raw / "baseline.csv").read_bytes())
    e.set(2890, "es_01", "9")
    e.set(2990, "gp_contacts", "-3")
    (raw / "baseline.csv").write_bytes(e.to_bytes())
    with pytest.raises(RawValidationError) as info:
        validate_folder(raw, needed, settings)
    assert sorted((p.line, p.check, p.column) for p in info.value.problems) == [
        (e.line_of(2890), "maximum", "es_01"), (e.line_of(2990), "negative_count", "gp_contacts")]
