"""Documented corrections: applied by primary key, never by editing raw files."""

import pandas as pd
import pytest
from selfcare.raw.corrections import CorrectionError, apply_corrections


@pytest.fixture
def tables():
    return {
        "baseline": pd.DataFrame({"study_id": ["LO-001", "LO-002"], "es_01": ["3", "33"]}),
        "attendance": pd.DataFrame({"study_id": ["LO-001", "LO-001"], "session_date": ["2008-01-01", "2008-01-08"]}),
    }


def _corr(**kw):
    row = {"correction_id": "C001", "file": "baseline.csv", "record_id": "LO-002", "column": "es_01",
           "new_value": "3", "reason": "data entry: extra digit", "corrected_on": "2009-01-10"}
    row.update(kw)
    return pd.DataFrame([row])


KEYS = {"baseline": ["study_id"], "attendance": ["study_id", "session_date"]}


def test_correction_replaces_exactly_one_value(tables):
    fixed, log = apply_corrections(tables, _corr(), KEYS)
    assert list(fixed["baseline"]["es_01"]) == ["3", "3"]
    assert list(tables["baseline"]["es_01"]) == ["3", "33"], "inputs are not modified"
    assert log == [{"correction_id": "C001", "file": "baseline.csv", "column": "es_01"}]


def test_composite_key_and_blanking(tables):
    c = _corr(file="attendance.csv", record_id="LO-001|2008-01-08", column="session_date", new_value="2008-01-09")
    fixed, _ = apply_corrections(tables, c, KEYS)
    assert list(fixed["attendance"]["session_date"]) == ["2008-01-01", "2008-01-09"]
    blank, _ = apply_corrections(tables, _corr(new_value=""), KEYS)
    assert blank["baseline"]["es_01"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"file": "nosuch.csv"}, "unknown file"),
        ({"column": "es_99"}, "column 'es_99' is not in baseline.csv"),
        ({"record_id": "LO-999"}, "no record of baseline.csv"),
    ],
)
def test_bad_corrections_name_the_correction_not_the_value(tables, change, message):
    with pytest.raises(CorrectionError) as err:
        apply_corrections(tables, _corr(new_value="Secret Value", **change), KEYS)
    assert message in str(err.value) and "C001" in str(err.value)
    assert "Secret Value" not in str(err.value)
