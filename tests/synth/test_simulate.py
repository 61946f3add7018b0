"""Tests of selfcare.synth and of the committed SYNTHETIC dataset.

The committed resources/synthetic/ must be exactly what the simulator writes
from the committed configuration, and it must reproduce the published
baseline table (Gillard et al. 2012, Table 1, as recorded in the study's
FACTS.md) cell by cell. The published numbers are written out here, not read
from config/simulation.yaml, so that a drift of the configuration away from
the publication fails a test.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from selfcare.core import io as sio
from selfcare.deidentify.generalise import age_at
from selfcare.raw.nhs import is_valid_nhs_number
from selfcare.raw.validate import needed_columns, validate_raw
from selfcare.synth.handover import simulate_dataset

RAW_DIR = Path(__file__).resolve().parents[2] / "resources" / "synthetic"
SITES = ("LO", "SO", "NO")

# Gillard et al. (2012) Table 1 (FACTS.md). Unlisted categories as FACTS.md
# states: one LO person with ethnicity not recorded, two NO people with
# education not recorded.
TABLE1: dict[str, dict[str, Any]] = {
    "LO": {
        "n": 38, "female": 28,
        "ethnicity": {"white_british": 24, "white_other": 10, "other": 3, "not_recorded": 1},
        "dependants": {"0": 27, "1": 4, "2": 3, "3+": 4},
        "marital_status": {"single": 28, "married_cohabiting": 3, "separated_divorced": 7},
        "education": {"gcse_or_below": 16, "above_gcse": 22, "not_recorded": 0},
        "living_alone": 25, "supported_accommodation": 24, "unemployed": 27,
        "admitted_bl": 9, "ae_any_bl": 17,
    },
    "SO": {
        "n": 41, "female": 28,
        "ethnicity": {"white_british": 41, "white_other": 0, "other": 0, "not_recorded": 0},
        "dependants": {"0": 36, "1": 3, "2": 1, "3+": 1},
        "marital_status": {"single": 17, "married_cohabiting": 11, "separated_divorced": 13},
        "education": {"gcse_or_below": 22, "above_gcse": 19, "not_recorded": 0},
        "living_alone": 20, "supported_accommodation": 24, "unemployed": 20,
        "admitted_bl": 21, "ae_any_bl": 2,
    },
    "NO": {
        "n": 42, "female": 26,
        "ethnicity": {"white_british": 36, "white_other": 5, "other": 1, "not_recorded": 0},
        "dependants": {"0": 27, "1": 6, "2": 4, "3+": 5},
        "marital_status": {"single": 22, "married_cohabiting": 11, "separated_divorced": 9},
        "education": {"gcse_or_below": 24, "above_gcse": 16, "not_recorded": 2},
        "living_alone": 24, "supported_accommodation": 24, "unemployed": 31,
        "admitted_bl": 12, "ae_any_bl": 2,
    },
}
AGES = {  # mean, SD (one decimal), range
    "LO": (36.3, 10.8, 18, 61),
    "SO": (44.2, 12.5, 24, 64),
    "NO": (43.7, 10.7, 19, 65),
}
AGE_F = 5.9  # one-way ANOVA F(2,117)

#: Files in resources/synthetic/ that the simulator does not write.
NOT_SIMULATED = {"README.md", "SYNTHETIC.sha256"}
SHIPPED = sorted(
    p.relative_to(RAW_DIR).as_posix() for p in sio.list_files(RAW_DIR) if p.name not in NOT_SIMULATED
)


def _config_args(configs: dict[str, Any]) -> tuple:
    return (configs["simulation"], configs["measures"], configs["codebook"], configs["framework"], configs["transcripts"])


@pytest.fixture(scope="module")
def regenerated(configs) -> dict[str, bytes]:
    """The whole dataset rebuilt from the committed configuration (once)."""
    return simulate_dataset(*_config_args(configs), analysis=configs["config"]["analysis"],
                            published=configs["published"])


@pytest.fixture(scope="module")
def other_seed(configs) -> dict[str, bytes]:
    return simulate_dataset(*_config_args(configs), seed=int(configs["simulation"]["seed"]) + 1,
                            analysis=configs["config"]["analysis"], published=configs["published"])


def _tables(files) -> dict[str, pd.DataFrame]:
    return {
        name: sio.parse_csv_text(sio.decode_utf8(files[f"{name}.csv"], name))
        for name in ("participants", "demographics", "baseline")
    }


def table1(files) -> dict[str, dict[str, Any]]:
    """Table 1 counts per site, computed from the raw CSVs only."""
    t = _tables(files)
    df = t["participants"][["study_id", "site"]].merge(t["demographics"], on="study_id", how="left", validate="1:1")
    df = df.merge(t["baseline"][["study_id", "ae_attendances", "psych_admissions"]], on="study_id", how="left", validate="1:1")
    out = {}
    for site in SITES:
        s = df[df["site"] == site]
        dep = s["dependants"].astype(int)
        out[site] = {
            "n": len(s),
            "female": int((s["gender"] == "female").sum()),
            "ethnicity": {k: int((s["ethnicity"] == k).sum()) for k in TABLE1[site]["ethnicity"]},
            "dependants": {"0": int((dep == 0).sum()), "1": int((dep == 1).sum()), "2": int((dep == 2).sum()), "3+": int((dep >= 3).sum())},
            "marital_status": {k: int((s["marital_status"] == k).sum()) for k in TABLE1[site]["marital_status"]},
            "education": {k: int((s["education"] == k).sum()) for k in TABLE1[site]["education"]},
            "living_alone": int((s["living_alone"] == "yes").sum()),
            "supported_accommodation": int((s["supported_accommodation"] == "yes").sum()),
            "unemployed": int((s["employment_status"] == "unemployed").sum()),
            "admitted_bl": int((s["psych_admissions"].astype(int) > 0).sum()),
            "ae_any_bl": int((s["ae_attendances"].astype(int) > 0).sum()),
        }
        # every person falls in exactly one listed category
        for var in ("ethnicity", "marital_status", "education", "dependants"):
            assert sum(out[site][var].values()) == len(s), (site, var)
    return out


def ages(files) -> pd.DataFrame:
    """Age in whole years at baseline, from date of birth (NaN if missing)."""
    reg = _tables(files)["participants"]

    def age(dob, base):
        if pd.isna(dob):
            return np.nan
        return age_at(dt.date.fromisoformat(dob), dt.date.fromisoformat(base))

    return pd.DataFrame({"site": reg["site"], "age": [age(d, b) for d, b in zip(reg["date_of_birth"], reg["baseline_date"])]})


# ---------------------------------------------------------------------------
# Reproducibility
# ---------------------------------------------------------------------------


def test_regenerated_file_set_equals_shipped(regenerated):
    assert sorted(regenerated) == SHIPPED
    assert len(SHIPPED) > 90


@pytest.mark.parametrize("path", SHIPPED)
def test_regenerated_file_is_byte_identical(path, regenerated, shipped_files):
    same = regenerated[path] == shipped_files[path]
    assert same, f"{path} differs from a rebuild with the committed config"


def test_different_seed_changes_the_data_but_not_table1(other_seed, regenerated, shipped_files, configs):
    for path in ("participants.csv", "demographics.csv", "baseline.csv", "followup.csv", "attendance.csv",
                 "interviewees.csv", "coding.qdpx", "demo_pseudonym_key.txt", "transcripts/INT-LO-001.txt"):
        changed = other_seed[path] != regenerated[path]
        assert changed, path
    # the published counts are fixed by design, whatever the seed
    assert table1(other_seed) == TABLE1
    truth = json.loads(other_seed["simulation_truth.json"])
    assert truth["seed"] == int(configs["simulation"]["seed"]) + 1


def test_other_seed_dataset_still_validates(other_seed, configs):
    package = json.loads(other_seed["datapackage.json"])
    report = validate_raw(other_seed, package, needed_columns(configs["measures"]))
    assert report["status"] == "passed"


# ---------------------------------------------------------------------------
# Published baseline table
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("site", SITES)
def test_shipped_table1_counts_equal_published(site, shipped_files):
    got = table1(shipped_files)[site]
    for var, expected in TABLE1[site].items():
        assert got[var] == expected, f"{site} {var}"


def test_total_n_is_121(shipped_files):
    assert sum(v["n"] for v in table1(shipped_files).values()) == 121


@pytest.mark.parametrize("site", SITES)
def test_ages_match_published_mean_sd_range(site, shipped_files):
    a = ages(shipped_files)
    s = a.loc[a["site"] == site, "age"].dropna()
    mean, sd, lo, hi = AGES[site]
    assert round(float(s.mean()), 1) == mean
    assert round(float(s.std(ddof=1)), 1) == sd
    assert (int(s.min()), int(s.max())) == (lo, hi)


def test_exactly_one_age_missing_and_anova_f(shipped_files):
    a = ages(shipped_files)
    assert int(a["age"].isna().sum()) == 1
    reg = _tables(shipped_files)["participants"]
    assert int(reg["date_of_birth"].isna().sum()) == 1
    groups = [a.loc[a["site"] == s, "age"].dropna() for s in SITES]
    assert sum(len(g) for g in groups) - len(groups) == 117  # df of F(2,117)
    assert round(float(sps.f_oneway(*groups).statistic), 1) == AGE_F


# ---------------------------------------------------------------------------
# Identifiers and synthetic marking
# ---------------------------------------------------------------------------


def test_nhs_numbers_valid_in_test_range_and_unique(raw_tables):
    nhs = raw_tables["participants"]["nhs_number"]
    assert nhs.notna().all()
    assert all(re.fullmatch(r"999\d{7}", v) for v in nhs)
    assert all(is_valid_nhs_number(v) for v in nhs)
    assert nhs.is_unique


def test_every_csv_starts_with_synthetic_line(shipped_files):
    csvs = [p for p in shipped_files if p.endswith(".csv")]
    assert len(csvs) == 10
    for path in csvs:
        first = shipped_files[path].decode("utf-8").split("\n", 1)[0]
        assert first.startswith(sio.SYNTHETIC_MARK), path


def test_every_transcript_is_marked_synthetic(shipped_files):
    paths = [p for p in shipped_files if p.startswith("transcripts/")]
    assert paths
    for path in paths:
        assert shipped_files[path].decode("utf-8").startswith("[SYNTHETIC TRANSCRIPT"), path


def test_datapackage_is_synthetic_and_marks_identifiers(package, configs):
    assert package["synthetic"] is True
    assert "SYNTHETIC" in package["description"]
    fields = {
        r["name"]: {f["name"]: f.get("identifier") for f in r["schema"]["fields"]}
        for r in package["resources"]
        if "schema" in r
    }
    expected = {
        "participants": {"study_id": "study_id", "full_name": "name", "nhs_number": "nhs_number",
                         "date_of_birth": "date_of_birth", "postcode": "postcode", "phone": "phone",
                         "email": "email", "referral_date": "date", "baseline_date": "date",
                         "followup_date": "date", "withdrawal_date": "date"},
        "interviewees": {"person_id": "person_id", "full_name": "name", "phone": "phone", "email": "email"},
        "interviews": {"person_id": "person_id", "interview_date": "date"},
        "attendance": {"study_id": "study_id", "session_date": "date"},
    }
    for res, cols in expected.items():
        marked = {c: k for c, k in fields[res].items() if k}
        assert marked == cols, res
    # free-text resources are flagged as holding identifiers
    flagged = {r["name"] for r in package["resources"] if r.get("identifier_content")}
    assert flagged == {"transcripts", "coding"}
    # an identifier column is never released unchanged by the de-identification allow-list
    allow = configs["allowlist"]
    for res, cols in fields.items():
        if res == "corrections":  # applied before de-identification, never released
            assert res not in allow
            continue
        for col, kind in cols.items():
            if kind:
                assert allow[res][col] != "keep", f"{res}.{col} is an identifier but the allow-list keeps it"


def test_simulation_truth_holds_published_effects(shipped_files):
    truth = json.loads(shipped_files["simulation_truth.json"])
    assert "SYNTHETIC" in truth["_note"]
    assert truth["change"]["empowerment"]["LO"] == pytest.approx(3.9)
    assert truth["change"]["confidence"]["LO"] == pytest.approx(0.5)
    assert truth["change"]["confidence"]["SO"] == pytest.approx(0.3)
    assert truth["rate_ratio"]["ae"]["LO"] == pytest.approx(0.65)  # published 35% reduction
    assert truth["satisfaction_severity_slope"] == pytest.approx(0.01)


def test_demo_key_file_is_marked_and_long_enough(shipped_files):
    text = shipped_files["demo_pseudonym_key.txt"].decode("utf-8")
    assert text.startswith("# DEMO")
    key_lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert len(key_lines) == 1 and re.fullmatch(r"[0-9a-f]{64}", key_lines[0])
