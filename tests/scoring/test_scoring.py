"""Tests of selfcare.scoring: measure config checks, scoring and reliability.

Expected scores are worked out by hand in the comments next to each value;
none is produced by the code under test.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from selfcare.core import io
from selfcare.scoring.measures import (
    ITEM_TOTAL_COLUMNS,
    RELIABILITY_COLUMNS,
    SCORE_COLUMNS,
    TIMEPOINTS,
    MeasureConfigError,
    ScoringError,
    check_measures,
    min_items_answered,
    scale_table,
    validate_schema,
)
from selfcare.scoring.reliability import reliability
from selfcare.scoring.score import check_score_range, score_measures

ROOT = Path(__file__).resolve().parents[2]
CONFIG_PATH = ROOT / "config" / "measures.yaml"
SCHEMA_PATH = ROOT / "workflow" / "schemas" / "measures.schema.yaml"


@pytest.fixture(scope="module")
def config() -> dict:
    return io.read_yaml(CONFIG_PATH)


@pytest.fixture(scope="module")
def schema() -> dict:
    return io.read_yaml(SCHEMA_PATH)


def fresh(config: dict) -> dict:
    """A deep copy of the real config that a test may modify."""
    return copy.deepcopy(config)


def codes(prefix: str, n: int) -> list[str]:
    return [f"{prefix}_{i:02d}" for i in range(1, n + 1)]


ES = codes("es", 28)
ES_REVERSE = {"es_04", "es_07", "es_08", "es_10", "es_16", "es_17", "es_21", "es_22", "es_23"}
MHCS = codes("mhcs", 16)
MANSA = codes("mansa", 12)
STARP = codes("starp", 12)
CSQ = codes("csq", 8)
CSI = codes("csi", 14)
ALL_ITEMS = ES + MHCS + MANSA + STARP + CSQ + CSI

# Responses of the complete respondent, in questionnaire order.
ES_FULL = [4] * 28  # 19 plain items score 4, 9 reversed score 1+4-4 = 1
MHCS_FULL = [6, 5, 4, 3, 2, 1, 6, 5, 4, 3, 2, 1, 6, 5, 4, 3]
MANSA_FULL = [7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3]
STARP_FULL = [4, 3, 2, 1, 0, 4, 2, 2, 3, 0, 1, 4]
CSQ_FULL = [4, 3, 4, 2, 1, 4, 3, 2]
CSI_FULL = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4]

# Items left blank by the respondent at the 80% boundary ("edge") and by the one
# just below it ("below").
EDGE_MISSING = {
    "empowerment": ["es_01", "es_02", "es_03", "es_05", "es_06"],  # 23 of 28 answered
    "confidence": ["mhcs_14", "mhcs_15", "mhcs_16"],  # 13 of 16
    "quality_of_life": ["mansa_11", "mansa_12"],  # 10 of 12
    "collaboration": ["starp_05", "starp_09"],  # 10 of 12; 5 of 6 positive collaboration
    "satisfaction": ["csq_08"],  # 7 of 8
    "severity": ["csi_13", "csi_14"],  # 12 of 14
}
BELOW_MISSING = {
    "empowerment": EDGE_MISSING["empowerment"] + ["es_09"],  # 22 of 28
    "confidence": EDGE_MISSING["confidence"] + ["mhcs_13"],  # 12 of 16
    "quality_of_life": EDGE_MISSING["quality_of_life"] + ["mansa_10"],  # 9 of 12
    "collaboration": EDGE_MISSING["collaboration"] + ["starp_06"],  # 9 of 12; 4 of 6
    "satisfaction": EDGE_MISSING["satisfaction"] + ["csq_07"],  # 6 of 8
    "severity": EDGE_MISSING["severity"] + ["csi_12"],  # 11 of 14
}


def full_row() -> dict[str, float]:
    values = ES_FULL + MHCS_FULL + MANSA_FULL + STARP_FULL + CSQ_FULL + CSI_FULL
    return dict(zip(ALL_ITEMS, map(float, values), strict=True))


def hand_frame() -> pd.DataFrame:
    """Three respondents: complete, at the 80% boundary, just below it."""
    rows = []
    for pid, blanks in (("P1", {}), ("P2", EDGE_MISSING), ("P3", BELOW_MISSING)):
        row = full_row()
        for items in blanks.values():
            for item in items:
                row[item] = np.nan
        row = {"pid": pid, "medication": "as_prescribed", "ae_visits": 2, **row}
        rows.append(row)
    return pd.DataFrame(rows)


def get(scores: pd.DataFrame, pid: str, scale: str) -> pd.Series:
    hit = scores[(scores["pid"] == pid) & (scores["scale"] == scale)]
    assert len(hit) == 1, f"expected one row for {pid} / {scale}"
    return hit.iloc[0]


# ---------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------


def test_real_config_matches_schema(config, schema):
    validate_schema(config, schema)  # raises on failure


def test_normalised_config_still_matches_schema_and_is_idempotent(config, schema):
    norm = check_measures(config)
    validate_schema(norm, schema)
    assert check_measures(norm) == norm


@pytest.mark.parametrize(
    "edit, where",
    [
        (lambda c: c.update(extra=1), "(top level)"),
        (lambda c: c["defaults"].update(colour="red"), "defaults"),
        (lambda c: c["measures"]["empowerment"].update(scoring="sum"), "measures/empowerment"),
        (
            lambda c: c["measures"]["collaboration"]["subscales"]["positive_collaboration"].update(
                reverse=["starp_01"]
            ),
            "measures/collaboration/subscales/positive_collaboration",
        ),
        (lambda c: c["measures"]["severity"].update(method="median"), "measures/severity/method"),
        (
            lambda c: c["measures"]["severity"].update(timepoints=["baseline", "week4"]),
            "measures/severity/timepoints/1",
        ),
        (lambda c: c["defaults"].update(min_answered_share=0), "defaults/min_answered_share"),
        (lambda c: c["defaults"].update(min_answered_share=1.5), "defaults/min_answered_share"),
        (
            lambda c: c["measures"]["confidence"].update(min_answered_share=-0.2),
            "measures/confidence/min_answered_share",
        ),
        (lambda c: c["measures"]["confidence"].pop("items"), "measures/confidence"),
        (
            lambda c: c["measures"]["confidence"].update(items=["mhcs_01", "mhcs_01"]),
            "measures/confidence/items",
        ),
    ],
)
def test_schema_rejects(config, schema, edit, where):
    bad = fresh(config)
    edit(bad)
    with pytest.raises(MeasureConfigError) as err:
        validate_schema(bad, schema)
    assert f"  {where}:" in str(err.value)


def test_schema_accepts_share_of_one(config, schema):
    ok = fresh(config)
    ok["defaults"]["min_answered_share"] = 1
    validate_schema(ok, schema)
    assert check_measures(ok)["measures"]["severity"]["min_answered_share"] == 1.0


# ---------------------------------------------------------------------------
# check_measures
# ---------------------------------------------------------------------------


def test_check_measures_applies_defaults(config):
    norm = check_measures(config)
    emp = norm["measures"]["empowerment"]
    assert emp["min_answered_share"] == 0.8
    assert emp["primary"] is None
    assert emp["subscales"] == {}
    assert norm["measures"]["confidence"]["reverse"] == []
    sub = norm["measures"]["collaboration"]["subscales"]["positive_collaboration"]
    assert sub["min_answered_share"] == 0.8
    assert norm["measures"]["collaboration"]["primary"] == "positive_collaboration"
    assert "assumption" not in norm["measures"]["quality_of_life"]
    # the input is left alone
    assert "primary" not in config["measures"]["empowerment"]


def test_measure_share_overrides_default(config):
    cfg = fresh(config)
    cfg["measures"]["severity"]["min_answered_share"] = 0.5
    assert check_measures(cfg)["measures"]["severity"]["min_answered_share"] == 0.5


def test_error_item_in_two_measures(config):
    cfg = fresh(config)
    cfg["measures"]["severity"]["items"].append("mansa_03")
    with pytest.raises(MeasureConfigError, match=r"'severity'.*'mansa_03'.*'quality_of_life'"):
        check_measures(cfg)


def test_error_reverse_item_not_in_items(config):
    cfg = fresh(config)
    cfg["measures"]["confidence"]["reverse"] = ["es_04"]
    with pytest.raises(MeasureConfigError, match=r"'confidence'.*reverse.*'es_04'"):
        check_measures(cfg)


def test_error_subscale_item_not_in_items(config):
    cfg = fresh(config)
    cfg["measures"]["collaboration"]["subscales"]["positive_clinician_input"]["items"].append(
        "starp_13"
    )
    with pytest.raises(
        MeasureConfigError,
        match=r"'collaboration'.*'positive_clinician_input'.*'starp_13'",
    ):
        check_measures(cfg)


def test_error_primary_names_unknown_subscale(config):
    cfg = fresh(config)
    cfg["measures"]["collaboration"]["primary"] = "positive_colaboration"
    with pytest.raises(MeasureConfigError, match=r"'collaboration'.*'positive_colaboration'"):
        check_measures(cfg)


def test_error_primary_without_subscales(config):
    cfg = fresh(config)
    cfg["measures"]["empowerment"]["primary"] = "self_esteem"
    with pytest.raises(MeasureConfigError, match=r"'empowerment'.*'self_esteem'"):
        check_measures(cfg)


@pytest.mark.parametrize("rmin, rmax", [(4, 4), (5, 1)])
def test_error_response_min_not_below_max(config, rmin, rmax):
    cfg = fresh(config)
    cfg["measures"]["satisfaction"]["response_min"] = rmin
    cfg["measures"]["satisfaction"]["response_max"] = rmax
    with pytest.raises(MeasureConfigError, match=r"'satisfaction'.*response_min"):
        check_measures(cfg)


def test_error_duplicate_item_in_items(config):
    cfg = fresh(config)
    cfg["measures"]["severity"]["items"].append("csi_02")
    with pytest.raises(
        MeasureConfigError, match=r"'severity', items.*'csi_02'.*more than once"
    ):
        check_measures(cfg)


def test_error_duplicate_item_in_reverse(config):
    cfg = fresh(config)
    cfg["measures"]["empowerment"]["reverse"].append("es_04")
    with pytest.raises(MeasureConfigError, match=r"'empowerment', reverse.*'es_04'"):
        check_measures(cfg)


def test_error_duplicate_item_in_subscale(config):
    cfg = fresh(config)
    cfg["measures"]["collaboration"]["subscales"]["non_supportive_input"]["items"].append(
        "starp_10"
    )
    with pytest.raises(
        MeasureConfigError, match=r"'collaboration'.*'non_supportive_input'.*'starp_10'"
    ):
        check_measures(cfg)


def test_error_item_absent_from_codebook(config):
    followup = set(ALL_ITEMS) - {"csq_03"} | {"study_id"}
    with pytest.raises(MeasureConfigError, match=r"'satisfaction'.*csq_03.*followup"):
        check_measures(config, {"followup": followup})


def test_codebook_without_followup_items_is_fine_at_baseline(config):
    baseline = set(ALL_ITEMS) - set(CSQ) | {"study_id", "medication"}
    norm = check_measures(config, {"baseline": baseline, "followup": set(ALL_ITEMS)})
    assert set(norm["measures"]) == {
        "empowerment",
        "confidence",
        "quality_of_life",
        "collaboration",
        "satisfaction",
        "severity",
    }


def test_error_unknown_codebook_timepoint(config):
    with pytest.raises(MeasureConfigError, match=r"'month9'"):
        check_measures(config, {"month9": set(ALL_ITEMS)})


def test_error_no_share_anywhere(config):
    cfg = fresh(config)
    del cfg["defaults"]
    with pytest.raises(MeasureConfigError, match=r"min_answered_share"):
        check_measures(cfg)


def test_error_not_the_whole_config(config):
    with pytest.raises(MeasureConfigError, match=r"'measures' key"):
        check_measures(config["measures"])


# ---------------------------------------------------------------------------
# Scoring: hand-worked respondents for every instrument
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def followup_scores(config) -> pd.DataFrame:
    return score_measures(hand_frame(), config, "followup", ["pid"])


def check_row(row, score, answered, total, prorated, primary):
    if score is None:
        assert math.isnan(row["score"])
    else:
        assert row["score"] == pytest.approx(score, abs=1e-9)
    assert row["items_answered"] == answered
    assert row["items_total"] == total
    assert bool(row["prorated"]) is prorated
    assert bool(row["primary"]) is primary


def test_empowerment_sum_with_reverse_items(followup_scores):
    s = followup_scores
    # P1: 19 plain items x 4 = 76, 9 reversed items x (1 + 4 - 4) = 9 -> 85
    check_row(get(s, "P1", "empowerment"), 85.0, 28, 28, False, True)
    # P2: 23 answered: 14 plain x 4 + 9 reversed x 1 = 65; 65 / 23 * 28 = 1820 / 23
    check_row(get(s, "P2", "empowerment"), 79.13043478260870, 23, 28, True, True)
    # P3: 22 of 28 answered, below ceil(0.8 * 28) = 23
    check_row(get(s, "P3", "empowerment"), None, 22, 28, False, True)


def test_confidence_mean(followup_scores):
    s = followup_scores
    # P1: 21 + 21 + 18 = 60; 60 / 16 = 3.75
    check_row(get(s, "P1", "confidence"), 3.75, 16, 16, False, True)
    # P2: first 13 items 6+5+4+3+2+1 + 6+5+4+3+2+1 + 6 = 48; 48 / 13
    check_row(get(s, "P2", "confidence"), 3.6923076923076925, 13, 16, True, True)
    check_row(get(s, "P3", "confidence"), None, 12, 16, False, True)


def test_mansa_mean(followup_scores):
    s = followup_scores
    # P1: 7+6+5+4+3+2+1 = 28, + 7+6+5+4+3 = 25 -> 53; 53 / 12
    check_row(get(s, "P1", "quality_of_life"), 4.416666666666667, 12, 12, False, True)
    # P2: first 10 items 28 + 7+6+5 = 46; 46 / 10
    check_row(get(s, "P2", "quality_of_life"), 4.6, 10, 12, True, True)
    check_row(get(s, "P3", "quality_of_life"), None, 9, 12, False, True)


def test_starp_total_and_subscales(followup_scores):
    s = followup_scores
    pc = "collaboration.positive_collaboration"
    pci = "collaboration.positive_clinician_input"
    nsi = "collaboration.non_supportive_input"
    # P1: items 1-6: 4+3+2+1+0+4 = 14; items 7-9: 2+2+3 = 7;
    # items 10-12 (0, 1, 4) reversed as 4-x: 4+3+0 = 7; total 28
    check_row(get(s, "P1", "collaboration"), 28.0, 12, 12, False, False)
    check_row(get(s, "P1", pc), 14.0, 6, 6, False, True)
    check_row(get(s, "P1", pci), 7.0, 3, 3, False, False)
    check_row(get(s, "P1", nsi), 7.0, 3, 3, False, False)
    # P2 (no starp_05, starp_09): positive collaboration 4+3+2+1+4 = 14 over 5 of
    # 6 items -> 14 / 5 * 6 = 16.8; clinician input 2 of 3 < ceil(2.4) = 3 -> NaN;
    # total 14 + 2+2 + 7 = 25 over 10 of 12 -> 25 / 10 * 12 = 30
    check_row(get(s, "P2", pc), 16.8, 5, 6, True, True)
    check_row(get(s, "P2", pci), None, 2, 3, False, False)
    check_row(get(s, "P2", nsi), 7.0, 3, 3, False, False)
    check_row(get(s, "P2", "collaboration"), 30.0, 10, 12, True, False)
    # P3 also lacks starp_06: positive collaboration 4 of 6, total 9 of 12
    check_row(get(s, "P3", pc), None, 4, 6, False, True)
    check_row(get(s, "P3", "collaboration"), None, 9, 12, False, False)


def test_csq_mean_at_followup(followup_scores):
    s = followup_scores
    # P1: 4+3+4+2+1+4+3+2 = 23; 23 / 8
    check_row(get(s, "P1", "satisfaction"), 2.875, 8, 8, False, True)
    # P2: without csq_08: 21 / 7
    check_row(get(s, "P2", "satisfaction"), 3.0, 7, 8, True, True)
    check_row(get(s, "P3", "satisfaction"), None, 6, 8, False, True)


def test_csi_sum(followup_scores):
    s = followup_scores
    # P1: 15 + 15 + 1+2+3+4 = 40
    check_row(get(s, "P1", "severity"), 40.0, 14, 14, False, True)
    # P2: without csi_13 (3), csi_14 (4): 33 over 12 -> 33 / 12 * 14 = 38.5
    check_row(get(s, "P2", "severity"), 38.5, 12, 14, True, True)
    check_row(get(s, "P3", "severity"), None, 11, 14, False, True)


def test_scores_table_shape(followup_scores):
    s = followup_scores
    assert list(s.columns) == ["pid"] + SCORE_COLUMNS
    # 3 respondents x (6 totals + 3 STAR-P subscales)
    assert len(s) == 27
    assert set(s["timepoint"]) == {"followup"}
    assert "medication" not in s.columns and "ae_visits" not in s.columns
    assert s["items_answered"].dtype == np.int64
    assert s["prorated"].dtype == bool and s["primary"].dtype == bool
    # exactly one primary row per respondent and measure
    assert (s.groupby(["pid", "measure"])["primary"].sum() == 1).all()
    keys = list(zip(s["pid"], s["measure"], s["scale"]))
    assert keys == sorted(keys)


def test_satisfaction_absent_at_baseline(config):
    frame = hand_frame().drop(columns=CSQ)  # the baseline questionnaire has no CSQ-8
    s = score_measures(frame, config, "baseline", ["pid"])
    assert "satisfaction" not in set(s["measure"])
    assert set(s["timepoint"]) == {"baseline"}
    assert len(s) == 3 * 8
    check_row(get(s, "P1", "empowerment"), 85.0, 28, 28, False, True)


def test_modified_config_changes_scores(config):
    frame = hand_frame()
    cfg = fresh(config)
    cfg["measures"]["empowerment"]["reverse"].remove("es_04")
    cfg["measures"]["severity"]["method"] = "mean"
    s = score_measures(frame, cfg, "followup", ["pid"])
    # es_04 now counts 4 instead of 1: 85 + 3 = 88
    assert get(s, "P1", "empowerment")["score"] == pytest.approx(88.0)
    # severity as a mean: 40 / 14
    assert get(s, "P1", "severity")["score"] == pytest.approx(2.857142857142857)
    # P2 prorated mean: 33 / 12
    assert get(s, "P2", "severity")["score"] == pytest.approx(2.75)


def test_changing_a_reverse_key_on_starp(config):
    cfg = fresh(config)
    cfg["measures"]["collaboration"]["reverse"] = ["starp_10", "starp_11"]
    s = score_measures(hand_frame(), cfg, "followup", ["pid"])
    # starp_12 = 4 no longer reversed to 0: non-supportive 4 + 3 + 4 = 11
    assert get(s, "P1", "collaboration.non_supportive_input")["score"] == pytest.approx(11.0)


def test_numeric_strings_are_accepted(config):
    frame = hand_frame()
    as_text = frame.astype({c: "str" for c in ALL_ITEMS})
    as_text[ALL_ITEMS] = as_text[ALL_ITEMS].replace({"nan": np.nan})
    as_text[ALL_ITEMS] = as_text[ALL_ITEMS].apply(
        lambda col: col.str.replace(".0", "", regex=False)
    )
    a = score_measures(frame, config, "followup", ["pid"])
    b = score_measures(as_text, config, "followup", ["pid"])
    pd.testing.assert_frame_equal(a, b)


def test_order_of_input_rows_does_not_matter(config):
    frame = hand_frame()
    a = score_measures(frame, config, "followup", ["pid"])
    b = score_measures(frame.iloc[::-1].reset_index(drop=True), config, "followup", ["pid"])
    pd.testing.assert_frame_equal(a, b)


def test_several_id_columns(config):
    frame = hand_frame()
    frame["site"] = ["SO", "LO", "LO"]
    s = score_measures(frame, config, "baseline", ["site", "pid"])
    assert list(s.columns[:2]) == ["site", "pid"]
    assert list(s["site"].iloc[[0, -1]]) == ["LO", "SO"]


def test_empty_item_table(config):
    s = score_measures(hand_frame().iloc[0:0], config, "followup", ["pid"])
    assert len(s) == 0
    assert list(s.columns) == ["pid"] + SCORE_COLUMNS


# ---------------------------------------------------------------------------
# Prorating boundary, independent of the real instruments
# ---------------------------------------------------------------------------


def toy_config(n_items: int, share: float, method: str = "sum") -> dict:
    return {
        "defaults": {"min_answered_share": share},
        "measures": {
            "toy": {
                "label": "Toy",
                "items": codes("t", n_items),
                "response_min": 1,
                "response_max": 5,
                "method": method,
                "timepoints": ["baseline"],
                "reference": "none",
            }
        },
    }


@pytest.mark.parametrize(
    "share, n, expected",
    [
        (0.8, 10, 8),
        (0.8, 28, 23),
        (0.8, 3, 3),
        (0.28, 25, 7),
        (0.56, 25, 14),
        (1.0, 12, 12),
        (0.01, 5, 1),
    ],
)
def test_min_items_answered(share, n, expected):
    assert min_items_answered(share, n) == expected


def test_exact_share_boundary_is_robust_to_float_error():
    # 0.28 * 25 is 7.000000000000001 in floating point; 7 answered items suffice
    cfg = toy_config(25, 0.28)
    row = {f"t_{i:02d}": (2.0 if i <= 7 else np.nan) for i in range(1, 26)}
    frame = pd.DataFrame([{"pid": "A", **row}])
    s = score_measures(frame, cfg, "baseline", ["pid"])
    # 7 items of 2 -> mean 2, prorated to 25 items: 50
    assert s["score"].iloc[0] == pytest.approx(50.0)
    assert bool(s["prorated"].iloc[0])


def test_exactly_eighty_percent_of_ten_items():
    cfg = toy_config(10, 0.8)
    eight = {f"t_{i:02d}": (3.0 if i <= 8 else np.nan) for i in range(1, 11)}
    seven = {**eight, "t_08": np.nan}
    frame = pd.DataFrame([{"pid": "A", **eight}, {"pid": "B", **seven}])
    s = score_measures(frame, cfg, "baseline", ["pid"])
    assert s["score"].iloc[0] == pytest.approx(30.0)  # 8 x 3 / 8 x 10
    assert math.isnan(s["score"].iloc[1])


# ---------------------------------------------------------------------------
# Invalid responses
# ---------------------------------------------------------------------------


def test_error_response_out_of_range(config):
    frame = hand_frame()
    frame.loc[1, "mansa_04"] = 57.0
    with pytest.raises(ScoringError) as err:
        score_measures(frame, config, "followup", ["pid"])
    msg = str(err.value)
    assert "'quality_of_life'" in msg and "'mansa_04'" in msg and "row 2" in msg
    assert "57" not in msg and "P2" not in msg


def test_error_response_below_min(config):
    frame = hand_frame()
    frame.loc[0, "csi_01"] = 0.0  # CSI runs 1-5
    with pytest.raises(ScoringError, match=r"'severity', item 'csi_01', row 1.*outside 1-5"):
        score_measures(frame, config, "baseline", ["pid"])


def test_error_non_integer_response(config):
    frame = hand_frame()
    frame.loc[2, "starp_02"] = 2.5
    with pytest.raises(ScoringError, match=r"'collaboration', item 'starp_02', row 3.*whole"):
        score_measures(frame, config, "baseline", ["pid"])


def test_error_non_numeric_response(config):
    frame = hand_frame().astype({"es_12": object})
    frame.loc[0, "es_12"] = "agree"
    with pytest.raises(ScoringError) as err:
        score_measures(frame, config, "baseline", ["pid"])
    assert "'empowerment', item 'es_12', row 1" in str(err.value)
    assert "agree" not in str(err.value)


def test_error_item_column_missing(config):
    frame = hand_frame().drop(columns=["csq_05"])
    with pytest.raises(ScoringError, match=r"'satisfaction'.*csq_05"):
        score_measures(frame, config, "followup", ["pid"])


def test_error_id_problems(config):
    frame = hand_frame()
    with pytest.raises(ScoringError, match=r"id column\(s\) study_id missing"):
        score_measures(frame, config, "baseline", ["study_id"])
    dup = frame.copy()
    dup.loc[2, "pid"] = "P1"
    with pytest.raises(ScoringError, match=r"row 3: respondent id"):
        score_measures(dup, config, "baseline", ["pid"])


def test_error_unknown_timepoint(config):
    with pytest.raises(ScoringError, match=r"'month9'"):
        score_measures(hand_frame(), config, "month9", ["pid"])


# ---------------------------------------------------------------------------
# Theoretical range check
# ---------------------------------------------------------------------------


def test_range_check_accepts_the_bounds(config):
    ok = pd.DataFrame(
        {
            "measure": ["empowerment", "empowerment", "confidence", "collaboration", "severity"],
            "scale": [
                "empowerment",
                "empowerment",
                "confidence",
                "collaboration.positive_clinician_input",
                "severity",
            ],
            "score": [28.0, 112.0, 6.0, 0.0, np.nan],
        }
    )
    check_score_range(ok, config)  # raises on failure


@pytest.mark.parametrize(
    "measure, scale, score, range_text",
    [
        ("empowerment", "empowerment", 112.5, "28-112"),
        ("empowerment", "empowerment", 27.0, "28-112"),
        ("confidence", "confidence", 6.5, "1-6"),  # a mean, not a sum
        ("collaboration", "collaboration.positive_collaboration", 25.0, "0-24"),
    ],
)
def test_range_check_rejects_impossible_scores(config, measure, scale, score, range_text):
    bad = pd.DataFrame(
        {
            "measure": [measure, measure],
            "scale": [scale, scale],
            "score": [np.nan, score],
        }
    )
    with pytest.raises(ScoringError) as err:
        check_score_range(bad, config)
    msg = str(err.value)
    assert f"'{measure}'" in msg and "row 2" in msg and range_text in msg


def test_score_measures_runs_the_range_check(config, monkeypatch):
    def broken(values, scale):
        answered = (~np.isnan(values)).sum(axis=1)
        return np.full(values.shape[0], 1000.0), answered

    import selfcare.scoring.score as score_module

    monkeypatch.setattr(score_module, "_score_scale", broken)
    with pytest.raises(ScoringError, match=r"theoretical range"):
        score_measures(hand_frame(), config, "baseline", ["pid"])


def test_scale_table(config):
    t = scale_table(config)
    row = t.set_index("scale").loc["collaboration.positive_collaboration"]
    assert (row["n_items"], row["min_items_answered"], row["score_min"], row["score_max"]) == (
        6,
        5,
        0.0,
        24.0,
    )
    assert bool(row["primary"])
    assert t.set_index("scale").loc["satisfaction", "timepoints"] == "followup"


# ---------------------------------------------------------------------------
# Reliability
# ---------------------------------------------------------------------------


def small_config() -> dict:
    return {
        "defaults": {"min_answered_share": 0.8},
        "measures": {
            "small": {
                "label": "Small",
                "items": ["s_01", "s_02", "s_03"],
                "response_min": 1,
                "response_max": 5,
                "reverse": ["s_03"],
                "method": "sum",
                "timepoints": ["baseline"],
                "reference": "none",
            }
        },
    }


SMALL = pd.DataFrame(
    {
        "pid": ["a", "b", "c", "d", "e", "f"],
        "s_01": [1.0, 2.0, 3.0, 4.0, 5.0, 2.0],
        "s_02": [2.0, 2.0, 4.0, 4.0, 5.0, np.nan],
        "s_03": [5.0, 3.0, 4.0, 1.0, 2.0, 3.0],  # reversed: 1, 3, 2, 5, 4
    }
)


def test_alpha_matches_closed_form():
    alpha_table, item_table = reliability(SMALL, small_config(), "baseline")
    assert len(alpha_table) == 1
    row = alpha_table.iloc[0]
    # complete rows a-e after reversing s_03 (6 - x):
    x = np.array([[1, 2, 1], [2, 2, 3], [3, 4, 2], [4, 4, 5], [5, 5, 4]], dtype=float)
    k = 3
    closed = (k / (k - 1)) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    # by hand: item variances 2.5, 1.8, 2.5 (sum 6.8); totals 4, 7, 9, 13, 14 -> var 17.3
    assert closed == pytest.approx(1.5 * (1 - 6.8 / 17.3))
    assert row["alpha"] == pytest.approx(closed)
    assert row["alpha"] == pytest.approx(0.9104046242774566)
    assert (row["n"], row["n_items"]) == (5, 3)  # respondent f dropped (listwise)
    assert row["ci_low"] < row["alpha"] < row["ci_high"]
    # corrected item-total: s_01 against s_02 + s_03(reversed) = 3, 5, 6, 9, 9
    r = np.corrcoef(x[:, 0], x[:, 1] + x[:, 2])[0, 1]
    got = item_table.set_index("item").loc["s_01", "corrected_item_total_r"]
    assert got == pytest.approx(r)
    assert list(item_table["item"]) == ["s_01", "s_02", "s_03"]
    assert list(item_table.columns) == ITEM_TOTAL_COLUMNS


def test_alpha_uses_reverse_keys():
    cfg = small_config()
    cfg["measures"]["small"]["reverse"] = []
    with_keys = reliability(SMALL, small_config(), "baseline")[0]["alpha"].iloc[0]
    without = reliability(SMALL, cfg, "baseline")[0]["alpha"].iloc[0]
    assert without < 0.5 < with_keys


def test_pairwise_policy_counts_partial_rows():
    alpha_table, _ = reliability(SMALL, small_config(), "baseline", nan_policy="pairwise")
    assert alpha_table["n"].iloc[0] == 6
    assert np.isfinite(alpha_table["alpha"].iloc[0])
    with pytest.raises(ValueError, match="nan_policy"):
        reliability(SMALL, small_config(), "baseline", nan_policy="drop")


def test_alpha_is_nan_when_undefined():
    one_row = SMALL.iloc[:1]
    alpha_table, item_table = reliability(one_row, small_config(), "baseline")
    assert alpha_table["n"].iloc[0] == 1
    assert math.isnan(alpha_table["alpha"].iloc[0])
    assert item_table["corrected_item_total_r"].isna().all()


def fake_items(config: dict, n: int, seed: int) -> pd.DataFrame:
    """Seeded fake responses with a shared latent trait, some items blank."""
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=n)
    data = {"pid": [f"X{i:03d}" for i in range(n)], "medication": ["none"] * n}
    for m in config["measures"].values():
        lo, hi = m["response_min"], m["response_max"]
        for item in m["items"]:
            raw = (lo + hi) / 2 + trait * (hi - lo) / 4 + rng.normal(scale=0.7, size=n)
            val = np.clip(np.round(raw), lo, hi)
            if item in m.get("reverse", []):
                val = lo + hi - val
            val[rng.random(n) < 0.03] = np.nan
            data[item] = val
    return pd.DataFrame(data)


def test_reliability_table_covers_every_measure_and_timepoint(config):
    alphas, items = [], []
    for seed, tp in enumerate(TIMEPOINTS):
        a, t = reliability(fake_items(config, 60, seed), config, tp)
        alphas.append(a)
        items.append(t)
    alpha_table = pd.concat(alphas, ignore_index=True)
    item_table = pd.concat(items, ignore_index=True)
    assert list(alpha_table.columns) == RELIABILITY_COLUMNS
    totals = alpha_table[alpha_table["scale"] == alpha_table["measure"]]
    expected = {
        (m, tp)
        for m in ["empowerment", "confidence", "quality_of_life", "collaboration", "severity"]
        for tp in ["baseline", "followup"]
    } | {("satisfaction", "followup")}
    assert set(zip(totals["measure"], totals["timepoint"])) == expected
    assert len(totals) == len(expected)
    # the three STAR-P subscales each have 3 or more items, at both time points
    subs = alpha_table[alpha_table["scale"].str.startswith("collaboration.")]
    assert len(subs) == 6
    # every item of every scale appears in the item table
    assert len(item_table) == 2 * (28 + 16 + 12 + 12 + 6 + 3 + 3 + 14) + 8
    # fake items share a trait (reverse items un-reversed by the config), so alpha is high
    assert (alpha_table["alpha"] > 0.5).all()
    assert (alpha_table["n"] <= 60).all() and (alpha_table["n"] > 0).all()
    assert (item_table["corrected_item_total_r"] > 0).all()


def test_reliability_is_deterministic(config):
    frame = fake_items(config, 40, 7)
    a1, t1 = reliability(frame, config, "followup")
    a2, t2 = reliability(frame.sample(frac=1, random_state=3), config, "followup")
    pd.testing.assert_frame_equal(a1, a2)
    pd.testing.assert_frame_equal(t1, t2)
