"""Documented corrections: applied by primary key, never by editing raw files."""

import pandas as pd
import pytest
from selfcare.raw.corrections import TRAIL_COLUMNS, CorrectionError, apply_corrections


@pytest.fixture
def tables():
    return {
        "baseline": pd.DataFrame({"study_id": ["LO-001", "LO-002"], "es_01": ["3", "33"]}),
        "attendance": pd.DataFrame({"study_id": ["LO-001", "LO-001"], "session_date": ["2008-01-01", "2008-01-08"]}),
    }


def _corr(**kw):
    row = {"correction_id": "C001", "file": "baseline.csv", "record_id": "LO-002", "column": "es_01",
           "old_value": "33", "new_value": "3", "reason": "data entry: extra digit", "corrected_on": "2009-01-10"}
    row.update(kw)
    return pd.DataFrame([row])


KEYS = {"baseline": ["study_id"], "attendance": ["study_id", "session_date"]}
IDENTIFIERS = {"baseline": {"study_id"}, "attendance": {"study_id", "session_date"}}


def test_correction_replaces_exactly_one_value(tables):
    fixed, trail = apply_corrections(tables, _corr(), KEYS, IDENTIFIERS)
    assert list(fixed["baseline"]["es_01"]) == ["3", "3"]
    assert list(tables["baseline"]["es_01"]) == ["3", "33"], "inputs are not modified"
    assert trail == [{"row": 1, "correction_id": "C001", "file": "baseline.csv", "column": "es_01",
                      "reason": "data entry: extra digit", "old_value": "33", "new_value": "3"}]
    assert list(trail[0]) == TRAIL_COLUMNS


def test_trail_never_shows_identifier_values(tables):
    c = _corr(file="attendance.csv", record_id="LO-001|2008-01-08", column="session_date",
              old_value="2008-01-08", new_value="2008-01-09")
    _, trail = apply_corrections(tables, c, KEYS, IDENTIFIERS)
    assert (trail[0]["old_value"], trail[0]["new_value"]) == ("", "")
    # without the codebook's identifier columns, no value is shown at all
    _, trail = apply_corrections(tables, _corr(), KEYS)
    assert (trail[0]["old_value"], trail[0]["new_value"]) == ("", "")


def test_composite_key_and_blanking(tables):
    c = _corr(file="attendance.csv", record_id="LO-001|2008-01-08", column="session_date",
              old_value="2008-01-08", new_value="2008-01-09")
    fixed, _ = apply_corrections(tables, c, KEYS)
    assert list(fixed["attendance"]["session_date"]) == ["2008-01-01", "2008-01-09"]
    blank, _ = apply_corrections(tables, _corr(new_value=""), KEYS)
    assert blank["baseline"]["es_01"].isna().tolist() == [False, True]


def test_chained_corrections_expect_the_previous_fix(tables):
    two = pd.concat([_corr(), _corr(correction_id="C002", old_value="3", new_value="4")], ignore_index=True)
    fixed, trail = apply_corrections(tables, two, KEYS)
    assert list(fixed["baseline"]["es_01"]) == ["3", "4"] and [c["row"] for c in trail] == [1, 2]


def test_stale_correction_is_refused_by_its_row(tables):
    # the value was already fixed in the raw file: the correction is stale
    fixed_tables = {**tables, "baseline": tables["baseline"].assign(es_01=["3", "3"])}
    with pytest.raises(CorrectionError) as err:
        apply_corrections(fixed_tables, _corr(new_value="Secret Value"), KEYS)
    (problem,) = err.value.problems
    assert (problem.row, problem.correction_id, problem.column, problem.check) == (0, "C001", "old_value", "correction_stale")
    assert "row 1" in str(err.value) and "Secret Value" not in str(err.value) and "33" not in str(err.value)


def test_mistyped_but_existing_record_is_refused(tables):
    with pytest.raises(CorrectionError) as err:
        apply_corrections(tables, _corr(record_id="LO-001"), KEYS)
    assert err.value.problems[0].check == "correction_stale" and "LO-001" not in str(err.value)


def test_every_bad_correction_is_reported_once_and_none_is_applied(tables):
    bad = pd.concat([_corr(record_id="LO-999"), _corr(correction_id="C002", column="es_99"),
                     _corr(correction_id="C003"), _corr(correction_id="C004", old_value="7")], ignore_index=True)
    with pytest.raises(CorrectionError) as err:
        apply_corrections(tables, bad, KEYS)
    got = [(p.row, p.correction_id, p.check) for p in err.value.problems]
    # C003 is good and applied in memory, so C004 (expecting 7, finding 3) is stale
    assert got == [(0, "C001", "correction_record"), (1, "C002", "correction_column"), (3, "C004", "correction_stale")]
    assert list(tables["baseline"]["es_01"]) == ["3", "33"]


def test_corrections_without_old_value_column_are_refused(tables):
    with pytest.raises(CorrectionError, match="no old_value column"):
        apply_corrections(tables, _corr().drop(columns=["old_value"]), KEYS)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"file": "nosuch.csv"}, "not in the hand-over"),
        ({"column": "es_99"}, "names a column that is not in baseline.csv"),
        ({"record_id": "LO-999"}, "no record of baseline.csv"),
    ],
)
def test_bad_corrections_name_the_correction_not_the_value(tables, change, message):
    with pytest.raises(CorrectionError) as err:
        apply_corrections(tables, _corr(new_value="Secret Value", **change), KEYS)
    assert message in str(err.value) and "C001" in str(err.value)
    assert "Secret Value" not in str(err.value)
