"""CSV outputs are safe to open in a spreadsheet (issue 12, item 9)."""

from __future__ import annotations

import io as _io

import numpy as np
import pandas as pd
import pytest
from selfcare.core import io as sio


@pytest.mark.parametrize(
    "cell",
    ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\")", "- item", "-0.3 to 1.2"],
)
def test_formula_like_text_cells_are_neutralised(tmp_path, cell):
    path = tmp_path / "t.csv"
    sio.write_csv(path, pd.DataFrame({"text": [cell, "plain"]}))
    assert sio.neutralise_cell(cell) == "'" + cell
    if "\r" not in cell:  # pandas leaves a bare CR unquoted; checked on the cell above
        back = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert back["text"].tolist() == ["'" + cell, "plain"]


@pytest.mark.parametrize("cell", ["-1.5", "+2", "-3e-4", "0", "-.5", "12."])
def test_numbers_written_as_text_stay_numbers(cell):
    assert sio.neutralise_cell(cell) == cell


def test_numeric_columns_keep_their_bytes():
    df = pd.DataFrame({"x": [-1.5, 2.0, np.nan], "n": [-3, 0, 4], "b": [True, False, True], "s": ["a", "-b", None]})
    safe = sio.csv_text(df, neutralise=True)
    plain = sio.csv_text(df)
    assert safe == plain.replace("\n0.0,0,False,-b\n", "\n0.0,0,False,'-b\n").replace(",-b\n", ",'-b\n")
    back = pd.read_csv(_io.StringIO(safe))
    assert back["x"].tolist()[:2] == [-1.5, 2.0] and back["n"].tolist() == [-3, 0, 4]


def test_headers_are_neutralised_too():
    assert sio.csv_text(pd.DataFrame({"=bad": [1]}), neutralise=True).startswith("'=bad\n")


def test_the_simulators_raw_csv_is_not_changed():
    df = pd.DataFrame({"phone": ["+44 7700 900123"]})
    assert sio.csv_text(df) == "phone\n+44 7700 900123\n"


def test_later_rules_read_back_the_value_that_was_written(tmp_path):
    df = pd.DataFrame({"ci": ["-0.1 to 0.4", "0.2 to 0.5"], "rel": ["=", "<"], "x": [-1.5, 2.5], "q": ["'plain", "ok"]})
    path = tmp_path / "t.csv"
    sio.write_csv(path, df)
    assert "'-0.1 to 0.4" in path.read_text() and "'=" in path.read_text()
    back = sio.read_table(path)
    pd.testing.assert_frame_equal(back, df)
