"""The checks run on a raw hand-over and the problems they report.

A :class:`Problem` locates a failed check by file, line and column and names
the check; it never holds the offending value or a study ID (raw files hold
identifiers). :class:`RawValidationError` carries every problem found.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Every check validation runs, with what it means (for the report and docs).
CHECKS: dict[str, str] = {
    "missing_file": "a file named in the codebook is absent",
    "unsafe_path": "a codebook path is absolute or leaves the raw folder (never opened)",
    "encoding": "file is not UTF-8 (with or without BOM)",
    "csv_parse": "file cannot be parsed as CSV",
    "delimiter": "the header is one field holding ';', tab or '|': wrong delimiter (comma expected)",
    "field_count": "a row has more or fewer fields than the header",
    "no_rows": "a required file has a header but no data rows",
    "missing_column": "a column of the codebook is absent",
    "unknown_column": "a column is not in the codebook (named by its position, #1 first)",
    "required": "a required value is empty",
    "type_integer": "value is not a whole number",
    "type_number": "value is not a number",
    "type_date": "value is not an ISO date (YYYY-MM-DD)",
    "enum": "value is not one of the allowed categories",
    "minimum": "value is below the allowed minimum",
    "maximum": "value is above the allowed maximum",
    "negative_count": "a count (service use, nights, people) is negative",
    "pattern": "value does not have the required form",
    "unique": "value repeats in a column that must be unique",
    "primary_key": "the primary key repeats",
    "foreign_key": "ID is not in the register",
    "nhs_check_digit": "NHS number check digit does not match",
    "date_order": "dates are out of order",
    "study_period": "date lies outside the study period",
    "age_range": "age at baseline is outside the plausible range",
    "flow_total": "screening and participant counts do not add up",
    "followup_without_baseline": "follow-up record without a baseline record",
    "followup_date_missing": "follow-up record for a participant with no follow-up date",
    "withdrawal": "withdrawal flag and withdrawal date disagree",
    "interview_group": "an interview's group does not match the register its person ID is in",
    "transcript_missing": "a transcript listed in interviews.csv is absent",
    "transcript_unlisted": "a transcript file is not listed in interviews.csv",
    "transcript_coded_unlisted": "the REFI-QDA export codes a transcript the codebook does not list",
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
