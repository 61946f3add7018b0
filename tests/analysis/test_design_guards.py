"""Rank-deficient designs and separated logistic fits are "not estimable (reason)", never a number;
Firth's estimate is reported when it is estimable, whatever became of the Wald fit."""

import math

import numpy as np
import pandas as pd

from selfcare.analysis.estimability import (
    aliased_terms,
    estimability_rules,
    model_reasons,
    separated_terms,
    term_words,
)
from selfcare.analysis.models import fit_ols
from selfcare.analysis.steps import ancova_models, engagement_model, satisfaction_model
from selfcare.report.tables.quantitative import models_md

RULES = estimability_rules({})
ENG = {"predictors": ["quality_of_life_bl", "collaboration_bl"], "covariates": []}


def _by_key(records):
    return {r["key"]: r for r in records}


def _people(n=45, seed=2):
    rng = np.random.default_rng(seed)
    ds = pd.DataFrame({"site": np.repeat(["LO", "SO", "NO"], n // 3), "severity_bl": rng.normal(10, 2, n),
                       "empowerment_bl": rng.normal(50, 5, n), "med_choice": rng.integers(0, 2, n).astype(float),
                       "med_bl": rng.choice(["as_prescribed_by_choice", "none_prescribed"], n),
                       "satisfaction_fu": rng.normal(3, 1, n)})
    ds["empowerment_fu"] = ds["empowerment_bl"] + rng.normal(2, 3, n)
    return ds


def test_aliased_terms_from_the_null_space():
    x = np.column_stack([np.ones(6), [1, 2, 3, 4, 5, 6], [0] * 6, [2, 4, 6, 8, 10, 12], [1, 0, 1, 0, 0, 1]])
    names = ["Intercept", "x", "C(site)[T.NO]", "x2", "z"]
    # the all-zero dummy alone; the collinear pair together; the intercept and z are identified
    assert aliased_terms(x, names) == ["x", "C(site)[T.NO]", "x2"]
    assert aliased_terms(x[:, [0, 1, 4]], ["Intercept", "x", "z"]) == []
    assert aliased_terms(np.column_stack([np.ones(4), [3.0] * 4]), ["Intercept", "age"]) == ["Intercept", "age"]
    assert term_words("C(site)[T.NO]") == "site NO" and term_words("age") == "age"


def test_a_site_dummy_of_zeros_is_not_estimable_and_named():
    ds = _people()
    ds.loc[ds["site"] == "NO", "satisfaction_fu"] = np.nan  # a site with no follow-up
    ds["site"] = pd.Categorical(ds["site"], ["LO", "SO", "NO"])
    cfg = {"alpha": 0.05, "satisfaction": {"outcome": "satisfaction_fu", "predictor": "severity_bl",
                                           "covariates": ["site"]}}
    table = satisfaction_model(ds, cfg, {})["table"].set_index("term")
    assert table.loc["C(site)[T.NO]", "not_estimable"] == "design is rank deficient: site NO"
    assert math.isnan(table.loc["C(site)[T.NO]", "estimate"])
    # the terms the design does identify keep their numbers (as R's lm gives them)
    assert table.loc["severity_bl", "not_estimable"] == "" and math.isfinite(table.loc["severity_bl", "estimate"])


def test_a_covariate_constant_in_the_subset_is_not_estimable_never_a_number():
    ds = _people().assign(living_alone=1.0)
    cfg = {"alpha": 0.05, "ancova": {"exposure": "med_choice", "exposure_timepoint": "followup",
                                     "exposure_level": "as_prescribed_by_choice", "outcomes": ["empowerment"],
                                     "covariates": ["living_alone"], "categorical": []}}
    out = ancova_models(ds, cfg, {})
    row = out["table"].set_index("term").loc["living_alone"]
    assert row["not_estimable"] == "design is rank deficient: Intercept, living_alone" and math.isnan(row["estimate"])
    # the exposure is constant too: its estimate is "not estimable (design is rank deficient: ...)"
    recs = _by_key(ancova_models(ds.assign(med_choice=1.0), {**cfg, "ancova": {**cfg["ancova"], "covariates": []}},
                                 {})["records"])
    shown = recs["ancova.empowerment.estimate"]["display"]
    assert shown == "not estimable (design is rank deficient: Intercept, med_choice)"


def test_collinear_covariates_are_named():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"x": rng.normal(size=40), "z": rng.normal(size=40)})
    df["w"], df["y"] = 2 * df["x"], df["x"] + rng.normal(size=40)
    tidy, info = fit_ols(df, "y ~ x + w + z")
    reasons = dict(zip(tidy["term"], model_reasons(tidy, info, RULES)))
    assert reasons["x"] == reasons["w"] == "design is rank deficient: x, w"
    assert reasons["z"] == "" and reasons["Intercept"] == ""


def _engagement_data(n=80, seed=1):
    rng = np.random.default_rng(seed)
    ds = pd.DataFrame({"quality_of_life_bl": rng.normal(size=n), "collaboration_bl": rng.normal(size=n)})
    high = ds["collaboration_bl"] > 0.5
    # quasi-complete separation: everyone above the cut stayed engaged; a mix below it
    ds["engaged"] = np.where(high, 1.0, (rng.random(n) < 0.4).astype(float))
    ds["collaboration_bl"] = high.astype(float)
    return ds


def test_separation_by_linear_programming():
    ds = _engagement_data()
    x = np.column_stack([np.ones(len(ds)), ds["quality_of_life_bl"], ds["collaboration_bl"]])
    assert separated_terms(x, ds["engaged"].to_numpy()) == [2]  # quasi-complete, in collaboration
    complete = (ds["quality_of_life_bl"] > 0).astype(float).to_numpy()
    assert separated_terms(x, complete) is not None
    rng = np.random.default_rng(5)
    assert separated_terms(x, (rng.random(len(ds)) < 0.5).astype(float)) is None


def test_separated_fit_falls_back_to_firth_named_in_the_note_and_registry():
    ds = _engagement_data()
    out = engagement_model(ds, {"alpha": 0.05, "engagement": {**ENG, "separation": "firth"}}, {})
    recs = _by_key(out["records"])
    row = out["table"].set_index("term").loc["collaboration_bl"]
    assert row["method"] == "firth" and "Firth penalised likelihood" in row["note"]
    assert math.isfinite(row["odds_ratio"]) and row["not_estimable"] == ""
    assert "Firth penalised likelihood" in recs["engagement.collaboration.or"]["meaning"]
    assert recs["engagement.collaboration.or"]["value"] == recs["engagement.collaboration.or_firth"]["value"]
    # the Wald and profile rows of a separated fit are not numbers
    sens = out["sensitivity"]
    wald = sens[(sens["method"] == "wald") & (sens["term"] == "collaboration_bl")].iloc[0]
    assert wald["not_estimable"].startswith("separation: the maximum-likelihood estimate of collaboration_bl")
    assert recs["engagement.collaboration.ci_profile"]["display"] == "not estimable"
    md = models_md(pd.DataFrame(columns=["outcome", "term"]), pd.DataFrame(columns=["term"]), out["table"], {},
                   caption="Models.")
    assert "Firth penalised likelihood" in md
    from selfcare.report.tables.quantitative import sensitivity_md

    sens_md = sensitivity_md(pd.DataFrame(columns=["outcome"]), out["sensitivity"], {}, caption="Sensitivity.")
    headline_rows = [line for line in sens_md.splitlines() if "(headline)" in line]
    assert headline_rows and all("Firth" in line for line in headline_rows)


def test_separated_fit_is_not_estimable_when_config_says_so_but_firth_is_still_reported():
    ds = _engagement_data()
    out = engagement_model(ds, {"alpha": 0.05, "engagement": {**ENG, "separation": "not_estimable"}}, {})
    recs = _by_key(out["records"])
    assert recs["engagement.collaboration.or"]["display"].startswith("not estimable (separation:")
    # Firth is the valid estimate exactly here: it is not blanked with the Wald fit
    firth = recs["engagement.collaboration.or_firth"]
    assert isinstance(firth["value"], float) and firth["value"] > 1
    assert not recs["engagement.collaboration.p_firth"]["display"].startswith("not estimable")


def test_rank_deficient_logistic_design_is_not_estimable_without_crashing():
    ds = _engagement_data(seed=3)
    rng = np.random.default_rng(3)
    ds["engaged"] = (rng.random(len(ds)) < 0.5).astype(float)
    ds["collaboration_bl"] = 2 * ds["quality_of_life_bl"]
    recs = _by_key(engagement_model(ds, {"alpha": 0.05, "engagement": ENG}, {})["records"])
    assert recs["engagement.collaboration.or"]["display"] == \
        "not estimable (design is rank deficient: quality_of_life_bl, collaboration_bl)"
    assert recs["engagement.collaboration.or_firth"]["display"].startswith("not estimable (design is rank deficient")


def test_well_posed_engagement_model_keeps_wald_headline():
    rng = np.random.default_rng(7)
    ds = pd.DataFrame({"quality_of_life_bl": rng.normal(size=120), "collaboration_bl": rng.normal(size=120)})
    ds["engaged"] = (rng.random(120) < 1 / (1 + np.exp(-0.5 * ds["quality_of_life_bl"]))).astype(float)
    out = engagement_model(ds, {"alpha": 0.05, "engagement": ENG}, {})
    assert (out["table"]["method"] == "wald").all() and (out["table"]["not_estimable"] == "").all()
    assert (out["sensitivity"]["not_estimable"] == "").all()


def test_a_p_value_that_was_not_computed_blanks_only_itself():
    rng = np.random.default_rng(7)  # firthmodels' penalised likelihood-ratio test of one term fails here
    ds = pd.DataFrame({"quality_of_life_bl": rng.normal(size=120), "collaboration_bl": rng.normal(size=120)})
    ds["engaged"] = (rng.random(120) < 1 / (1 + np.exp(-0.5 * ds["quality_of_life_bl"]))).astype(float)
    recs = _by_key(engagement_model(ds, {"alpha": 0.05, "engagement": ENG}, {})["records"])
    assert recs["engagement.collaboration.p_firth"]["value"] == "not estimable: likelihood-ratio test not computed"
    assert isinstance(recs["engagement.collaboration.or_firth"]["value"], float)
