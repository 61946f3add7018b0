"""Tests of selfcare.survey.summary: Wilson intervals and the survey summaries."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import norm
from selfcare.survey import summary as survey


def wilson_closed_form(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson (1927) score interval written out by hand."""
    z = norm.ppf(1 - alpha / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize("k, n", [(7, 20), (0, 10), (10, 10), (1, 3), (33, 58)])
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_wilson_matches_closed_form(k: int, n: int, alpha: float) -> None:
    low, high = survey.wilson_ci(k, n, alpha)
    exp_low, exp_high = wilson_closed_form(k, n, alpha)
    assert low == pytest.approx(exp_low, abs=1e-12)
    assert high == pytest.approx(exp_high, abs=1e-12)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilson_known_value() -> None:
    # 7 of 20: the Wilson 95% interval is 0.1812 to 0.5671 (to 4 decimals)
    low, high = survey.wilson_ci(7, 20)
    assert (round(low, 4), round(high, 4)) == (0.1812, 0.5671)


def test_wilson_edge_cases() -> None:
    assert all(math.isnan(v) for v in survey.wilson_ci(0, 0))
    with pytest.raises(ValueError, match="exceed"):
        survey.wilson_ci(5, 4)
    with pytest.raises(ValueError, match="successes"):
        survey.wilson_ci(-1, 4)


ITEMS = [
    {"column": "q01_strategy", "type": "yesno", "label": "Has a self-care strategy"},
    {"column": "q02_peer", "type": "yesno", "label": "Runs peer support"},
    {
        "column": "q10_barrier_funding",
        "type": "likert",
        "levels": 5,
        "label": "Funding is a barrier",
    },
]


def survey_frame() -> pd.DataFrame:
    # strings, as selfcare.core.io.read_csv returns them; NaN = blank cell
    return pd.DataFrame(
        {
            "trust_id": ["T01", "T02", "T03", "T04", "T05"],
            "q01_strategy": ["yes", "no", "Yes", None, "yes"],
            "q02_peer": ["no", "no", "no", "no", "no"],
            "q10_barrier_funding": ["5", "4", "2", "", "4"],
        }
    )


def test_survey_summary_exact() -> None:
    response, binary, likert = survey.survey_summary(survey_frame(), ITEMS, invited=20)
    r = response.iloc[0]
    assert (r["invited"], r["responded"], r["rate"]) == (20, 5, 0.25)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(wilson_closed_form(5, 20))

    assert binary["column"].tolist() == ["q01_strategy", "q02_peer"]
    b = binary.set_index("column")
    assert b.loc["q01_strategy", ["n", "n_yes", "n_missing"]].tolist() == [4, 3, 1]
    assert b.loc["q01_strategy", "proportion"] == 0.75
    assert (b.loc["q01_strategy", "ci_low"], b.loc["q01_strategy", "ci_high"]) == pytest.approx(
        wilson_closed_form(3, 4)
    )
    assert b.loc["q02_peer", ["n", "n_yes"]].tolist() == [5, 0]
    assert b.loc["q02_peer", "ci_low"] == pytest.approx(0.0, abs=1e-12)
    assert b.loc["q01_strategy", "label"] == "Has a self-care strategy"

    lk = likert.iloc[0]
    # answers 2, 4, 4, 5 (one blank)
    assert (lk["n"], lk["n_missing"], lk["levels"]) == (4, 1, 5)
    assert lk["median"] == 4.0
    assert lk["q1"] == 3.5  # linear interpolation between 2 and 4
    assert lk["q3"] == 4.25
    assert lk["mean"] == 3.75
    assert lk["pct_agree"] == 75.0


def test_survey_accepts_numeric_ratings() -> None:
    df = survey_frame()
    df["q10_barrier_funding"] = [5, 4, 2, float("nan"), 4]
    _, _, likert = survey.survey_summary(df, ITEMS, invited=5)
    assert likert.iloc[0]["mean"] == 3.75


@pytest.mark.parametrize(
    "column, row, value, match",
    [
        ("q01_strategy", 2, "maybe", "yes or no"),
        ("q10_barrier_funding", 1, "6", "outside 1 to 5"),
        ("q10_barrier_funding", 4, "0", "outside 1 to 5"),
        ("q10_barrier_funding", 0, "3.5", "whole number"),
        ("q10_barrier_funding", 3, "agree", "whole number"),
    ],
)
def test_invalid_answers_name_column_and_row(column: str, row: int, value: str, match: str) -> None:
    df = survey_frame()
    df.loc[row, column] = value
    with pytest.raises(ValueError, match=match) as info:
        survey.survey_summary(df, ITEMS, invited=20)
    message = str(info.value)
    assert f"column '{column}'" in message and f"row {row}" in message
    # the offending value is never echoed (ignore the column name, row and range)
    rest = message.replace(column, "").replace(f"row {row}", "").replace("1 to 5", "")
    assert value not in rest


def test_bad_specs_and_counts() -> None:
    df = survey_frame()
    with pytest.raises(ValueError, match="invited"):
        survey.survey_summary(df, ITEMS, invited=4)
    with pytest.raises(ValueError, match="q99"):
        survey.survey_summary(df, ITEMS + [{"column": "q99", "type": "yesno"}], invited=20)
    with pytest.raises(ValueError, match="levels"):
        survey.survey_summary(df, [{"column": "q10_barrier_funding", "type": "likert"}], invited=20)
    with pytest.raises(ValueError, match="type"):
        survey.survey_summary(df, [{"column": "q01_strategy", "type": "free"}], invited=20)


def test_all_missing_item_gives_nan_not_error() -> None:
    df = survey_frame()
    df["q02_peer"] = None
    _, binary, _ = survey.survey_summary(df, ITEMS, invited=20)
    row = binary.set_index("column").loc["q02_peer"]
    assert row["n"] == 0 and row["n_missing"] == 5
    assert math.isnan(row["proportion"]) and math.isnan(row["ci_low"])
