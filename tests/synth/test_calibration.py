"""Simulation-based calibration of the headline estimators (selfcare.synth.calibration).

One lucky seed proves nothing; coverage does. 200 replicate datasets are drawn
from the seeded simulator (quantitative tables only, in memory, seeds 1..200)
and passed through the workflow's own scoring, dataset building and
estimators. For every headline estimand the 95% interval must cover the
simulator's true value in 90-99% of replicates and the mean estimate must be
within 10% of the truth (the rate ratio on the ratio scale; log odds ratios,
not odds ratios, for the engagement model).

Two further checks make the calibration bite on the workflow itself: the
analysis dataset built from the simulator's tables through
:func:`calibration.as_deidentified` equals (up to the pseudonyms) the one the
workflow builds from the shipped raw files through the deidentify stage, and
the calibration's estimates equal those of the workflow's analysis functions.
"""

from __future__ import annotations

import io as _io
import json
import math
import os
import zipfile

import numpy as np
import pandas as pd
import pytest
from selfcare.analysis.dataset import build_dataset
from selfcare.analysis.steps import (
    ancova_models,
    change_by_site,
    engagement_model,
    satisfaction_model,
    service_use_by_site,
)
from selfcare.core import io as sio
from selfcare.deidentify.keys import load_key, pseudonym
from selfcare.deidentify.pipeline import deidentify
from selfcare.scoring.score import score_measures
from selfcare.synth import calibration
from selfcare.synth.quantitative import simulate_quantitative, true_parameters
from selfcare.synth.realise import realise_published

pytestmark = pytest.mark.slow  # whole-workflow runs / many replicates: not in the fast run

N_REPLICATES = 200
SEEDS = list(range(1, N_REPLICATES + 1))
COVERAGE_RANGE = (0.90, 0.99)
MAX_RELATIVE_BIAS = 0.10
DEID_TABLES = ["participants", "demographics", "baseline", "followup", "attendance",
               "interviewees", "interviews", "screening", "survey"]


@pytest.fixture(scope="module")
def cfgs(configs):
    return {
        "sim": configs["simulation"],
        "measures": configs["measures"],
        "analysis": configs["config"]["analysis"],
        "formatting": configs["config"]["formatting"],
        "published": configs["published"],
    }


@pytest.fixture(scope="module")
def calibration_table(cfgs) -> pd.DataFrame:
    processes = max(1, min(2, os.cpu_count() or 1))
    return calibration.calibrate(cfgs["sim"], cfgs["measures"], cfgs["analysis"], SEEDS, processes=processes)


# ---------------------------------------------------------------------------
# The calibration itself
# ---------------------------------------------------------------------------


def test_every_headline_estimand_is_calibrated_over_every_replicate(calibration_table):
    assert list(calibration_table["estimand"]) == list(calibration.HEADLINE)
    assert (calibration_table["n_replicates"] == N_REPLICATES).all()
    assert (calibration_table["n_failed"] == 0).all()


@pytest.mark.parametrize("estimand", list(calibration.HEADLINE))
def test_coverage_of_the_95_percent_interval(estimand, calibration_table):
    row = calibration_table.set_index("estimand").loc[estimand]
    lo, hi = COVERAGE_RANGE
    assert lo <= row["coverage"] <= hi, (
        f"{estimand}: 95% CI covered the truth {row['truth']!r} in {row['coverage']:.3f} of "
        f"{int(row['n_replicates'])} replicates (below: {row['below']:.3f}, above: {row['above']:.3f})"
    )


@pytest.mark.parametrize("estimand", list(calibration.HEADLINE))
def test_mean_estimate_within_ten_percent_of_truth(estimand, calibration_table):
    # Note (engagement_log_or.quality_of_life): the logistic ML estimator has a
    # finite-sample bias of about +10% at this sample size (n ~ 108, five
    # parameters), measured over 2000 replicates; see the calibration report.
    row = calibration_table.set_index("estimand").loc[estimand]
    assert abs(row["mean_estimate"] - row["truth"]) <= MAX_RELATIVE_BIAS * abs(row["truth"]), (
        f"{estimand}: mean estimate {row['mean_estimate']:.4g} vs truth {row['truth']:.4g} "
        f"(relative bias {row['relative_bias']:+.3f}, Monte Carlo SE {row['mc_se_mean']:.3g})"
    )


# ---------------------------------------------------------------------------
# The calibration tests the workflow's own data path and estimators
# ---------------------------------------------------------------------------


def test_truth_values_are_the_simulators_true_parameters(cfgs):
    truth = calibration.truth_values(cfgs["sim"])
    t = true_parameters(cfgs["sim"])
    assert truth == {
        "change.LO.empowerment": t["change"]["empowerment"]["LO"],
        "change.LO.confidence": t["change"]["confidence"]["LO"],
        "change.SO.confidence": t["change"]["confidence"]["SO"],
        "rate_ratio.ae.LO": t["rate_ratio"]["ae"]["LO"],
        "ancova_medication.empowerment": t["ancova_medication"]["empowerment"],
        "ancova_medication.confidence": t["ancova_medication"]["confidence"],
        "satisfaction_severity_slope": t["satisfaction_severity_slope"],
        "engagement_log_or.quality_of_life": t["engagement_log_or"]["quality_of_life"],
        "engagement_log_or.collaboration": t["engagement_log_or"]["collaboration"],
    }
    assert truth["rate_ratio.ae.LO"] == pytest.approx(0.65)


@pytest.fixture(scope="module")
def workflow_dataset(shipped_files, raw_tables, configs, repo_root, cfgs):
    """The analysis dataset the workflow builds from the shipped raw files
    (deidentify stage with the demo key, scoring, build_dataset), and the key."""
    key, _ = load_key(None, None, sio.decode_utf8(shipped_files["demo_pseudonym_key.txt"], "key"),
                           synthetic=True)
    with zipfile.ZipFile(_io.BytesIO(shipped_files["coding.qdpx"])) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    package = json.loads(shipped_files["datapackage.json"])
    keys = {r["name"]: list(r.get("schema", {}).get("primaryKey", [])) for r in package["resources"]}
    res = deidentify({t: raw_tables[t] for t in [*DEID_TABLES, "corrections"]}, members,
                     sio.read_text(repo_root / "resources" / "refi-qda" / "project.xsd"),
                     configs["allowlist"], cfgs["measures"], configs["config"]["deidentify"], key, keys)
    tables = res["tables"]
    scores = pd.concat(
        [score_measures(tables[tp], cfgs["measures"], tp, ["pid"]) for tp in ("baseline", "followup")],
        ignore_index=True,
    )
    return build_dataset(tables, scores, cfgs["analysis"]), tables, key


@pytest.fixture(scope="module")
def shipped_seed_replicate(cfgs):
    # the shipped hand-over is the configured seed's draw, realised by construction
    q = simulate_quantitative(cfgs["sim"], cfgs["measures"], int(cfgs["sim"]["seed"]))
    q = realise_published(q, cfgs["measures"], cfgs["analysis"], cfgs["published"],
                          lambda t: calibration.dataset_from_tables(t, cfgs["measures"], cfgs["analysis"]))
    ds = calibration.dataset_from_tables(q, cfgs["measures"], cfgs["analysis"])
    return q, ds


def test_as_deidentified_has_the_columns_of_the_deidentify_outputs(workflow_dataset, shipped_seed_replicate):
    _, wf_tables, _ = workflow_dataset
    q, _ = shipped_seed_replicate
    mine = calibration.as_deidentified(q)
    # age_band and postcode_district need the deidentify configuration; unused by the analysis
    not_made = {"participants": {"age_band", "postcode_district"}}
    for name, frame in mine.items():
        expected = [c for c in wf_tables[name].columns if c not in not_made.get(name, set())]
        assert list(frame.columns) == expected, name
        assert len(frame) == len(wf_tables[name]), name


def test_analysis_dataset_equals_the_workflows_for_the_shipped_seed(workflow_dataset, shipped_seed_replicate):
    wf, _, key = workflow_dataset
    _, mine = shipped_seed_replicate
    mine = mine.copy()
    mine["pid"] = [pseudonym(s, key, "study_id", "P") for s in mine["pid"]]
    mine = mine.sort_values("pid").reset_index(drop=True)
    assert list(mine.columns) == list(wf.columns)
    assert len(mine) == len(wf) == 121
    for col in wf.columns:
        a, b = wf[col], mine[col]
        an, bn = pd.to_numeric(a, errors="coerce"), pd.to_numeric(b, errors="coerce")
        if an.notna().any() and (an.notna() == a.notna()).all():
            np.testing.assert_allclose(an.to_numpy(float), bn.to_numpy(float), rtol=0, atol=1e-9,
                                       equal_nan=True, err_msg=col)
        else:
            norm = lambda s: [None if pd.isna(v) else str(v) for v in s]  # noqa: E731
            assert norm(a) == norm(b), col


def test_estimates_equal_the_workflow_analyses(shipped_seed_replicate, cfgs):
    _, ds = shipped_seed_replicate
    acfg, fcfg = cfgs["analysis"], cfgs["formatting"]
    est = calibration.headline_estimates(ds, acfg)

    def check(key, estimate, lo, hi):
        got = est[key]
        assert [got["estimate"], got["ci_low"], got["ci_high"]] == pytest.approx([estimate, lo, hi], rel=1e-12), key

    for site in ("LO", "SO"):
        t = change_by_site(ds, site, acfg, fcfg)["table"].set_index("outcome")
        if site == "LO":
            r = t.loc["empowerment"]
            check("change.LO.empowerment", r["mean_change"], r["ci_low"], r["ci_high"])
        r = t.loc["confidence"]
        check(f"change.{site}.confidence", r["mean_change"], r["ci_low"], r["ci_high"])
    r = service_use_by_site(ds, "LO", acfg, fcfg)["table"].set_index("service").loc["ae"]
    check("rate_ratio.ae.LO", r["rate_ratio"], r["rr_ci_low"], r["rr_ci_high"])
    anc = ancova_models(ds, acfg, fcfg)["table"]
    for outcome in ("empowerment", "confidence"):
        r = anc[(anc["outcome"] == outcome) & (anc["term"] == acfg["ancova"]["exposure"])].iloc[0]
        check(f"ancova_medication.{outcome}", r["estimate"], r["ci_low"], r["ci_high"])
    sat = satisfaction_model(ds, acfg, fcfg)["table"].set_index("term").loc["severity_bl"]
    check("satisfaction_severity_slope", sat["estimate"], sat["ci_low"], sat["ci_high"])
    eng = engagement_model(ds, acfg, fcfg)["table"].set_index("term")
    for name in ("quality_of_life", "collaboration"):
        r = eng.loc[f"{name}_bl"]
        check(f"engagement_log_or.{name}", r["estimate"], r["ci_low"], r["ci_high"])
        assert math.exp(est[f"engagement_log_or.{name}"]["estimate"]) == pytest.approx(r["odds_ratio"])


def test_replicates_are_reproducible_and_differ_between_seeds(cfgs):
    args = (cfgs["sim"], cfgs["measures"], cfgs["analysis"])
    a = calibration.replicate_estimates(*args, 11)
    assert calibration.replicate_estimates(*args, 11) == a
    b = calibration.replicate_estimates(*args, 12)
    assert all(a[k]["estimate"] != b[k]["estimate"] for k in calibration.HEADLINE)


def test_summarise_counts_coverage_and_bias_on_a_toy_table():
    reps = pd.DataFrame(
        {
            "seed": [1, 2, 3, 4],
            "estimand": ["change.LO.empowerment"] * 4,
            "estimate": [3.0, 4.0, 5.0, float("nan")],
            "ci_low": [2.0, 3.5, 4.5, 1.0],
            "ci_high": [4.0, 4.5, 5.5, 2.0],
        }
    )
    s = calibration.summarise(reps, {"change.LO.empowerment": 4.0}).iloc[0]
    assert s["n_replicates"] == 3 and s["n_failed"] == 1
    assert s["coverage"] == pytest.approx(2 / 3)
    assert s["mean_estimate"] == pytest.approx(4.0) and s["relative_bias"] == pytest.approx(0.0)
    assert s["above"] == pytest.approx(1 / 3) and s["below"] == 0
