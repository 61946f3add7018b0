"""Estimability guards: a degenerate model is reported as "not estimable (reason)", never as a number."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from selfcare.analysis.estimability import (
    count_reason,
    estimability_rules,
    guard_tidy,
    model_reasons,
    paired_reason,
)
from selfcare.analysis.groups import chi2_independence
from selfcare.analysis.models import fit_ancova, fit_logit, fit_ols
from selfcare.analysis.steps import ancova_models, change_by_site, service_use_by_site
from selfcare.report.tables.quantitative import models_md

RULES = estimability_rules({})
CHANGE_CFG = {"outcomes": ["empowerment"], "alpha": 0.05, "wilcoxon_zero_method": "wilcox", "wilcoxon_tie_decimals": 9}
SERVICE_CFG = {"service_use": ["ae"], "alpha": 0.05, "service_use_kind": {"ae": "events"},
               "service_use_sparse": {"min_total": 20, "min_people": 10}}


def _by_key(records):
    return {r["key"]: r for r in records}


def test_rules_defaults_and_unknown_key():
    assert RULES == {"min_obs_per_param": 3, "min_clusters": 10, "min_events": 1}
    assert estimability_rules({"estimability": {"min_clusters": 4}})["min_clusters"] == 4
    with pytest.raises(ValueError, match="unknown key"):
        estimability_rules({"estimability": {"min_people": 4}})


def test_change_from_one_person_is_not_estimable():
    ds = pd.DataFrame({"site": ["LO"] * 3, "empowerment_bl": [50.0, np.nan, 60.0],
                       "empowerment_fu": [55.0, 52.0, np.nan]})
    out = change_by_site(ds, "LO", CHANGE_CFG, {})
    recs = _by_key(out["records"])
    assert recs["change.lo.empowerment.mean"]["display"] == "not estimable (1 complete pair, fewer than 3)"
    assert recs["change.lo.empowerment.ci"]["display"] == "not estimable"
    assert recs["change.lo.empowerment.p"]["display"] == "not estimable"
    row = out["table"].iloc[0]
    assert math.isnan(row["mean_change"]) and row["not_estimable"].startswith("1 complete pair")


def test_change_without_variation_is_not_estimable():
    r = {"n": 5, "sd_change": 0.0, "ci_low": 1.0, "ci_high": 1.0}
    assert paired_reason(r, RULES) == "no variation in the paired differences"
    assert paired_reason({"n": 5, "sd_change": 1.0, "ci_low": 0.1, "ci_high": 2.0}, RULES) == ""


def test_rate_ratio_from_three_people_is_not_estimable():
    # three follow-ups at one site: the GEE gives RR 2.00 (2.00 to 2.00)
    ds = pd.DataFrame({"pid": ["a", "b", "c"], "site": ["NO"] * 3, "ae_bl": [1, 2, 3], "ae_fu": [2, 4, 6]})
    out = service_use_by_site(ds, "NO", SERVICE_CFG, {})
    recs = _by_key(out["records"])
    assert recs["service.no.ae.reduction"]["display"] == "not estimable (3 people with both reports, fewer than 10)"
    assert recs["service.no.ae.p"]["display"] == "not estimable"
    assert recs["service.no.ae.direction"]["display"] == "change"
    row = out["table"].iloc[0]
    assert row["headline"] == "none" and math.isnan(row["rate_ratio"])


def test_count_reasons():
    base = {"n_persons": 30, "total_pre": 10, "total_post": 12, "n_unchanged": 20, "headline": "gee",
            "se_beta": 0.2, "rr_ci_low": 0.8, "rr_ci_high": 1.6, "rate_ratio": 1.2}
    assert count_reason(base, RULES) == ""
    assert count_reason({**base, "total_pre": 0, "total_post": 0}, RULES) == "no events in either period"
    assert "unchanged" in count_reason({**base, "n_unchanged": 30}, RULES)
    assert count_reason({**base, "se_beta": float("inf")}, RULES) == "standard error not finite or zero"
    assert count_reason({**base, "se_beta": 0.0}, RULES) == "standard error not finite or zero"
    assert count_reason({**base, "rr_ci_low": 2.0, "rr_ci_high": 2.0}, RULES) == "interval of zero width"
    # a ratio of sums with no events before is undefined, whichever method heads the row
    sparse = {**base, "headline": "signed_rank", "total_pre": 0, "total_post": 7, "rate_ratio": float("nan")}
    assert count_reason(sparse, RULES) == "rate ratio not defined (no events before)"
    assert count_reason({**base, "rate_ratio": float("inf")}, RULES) == "rate ratio not finite"
    assert count_reason({**base, "rate_ratio": 1.2}, RULES) == ""


def test_an_increase_is_worded_as_an_increase():
    rng = np.random.default_rng(1)
    pre = rng.poisson(1.0, 40)
    ds = pd.DataFrame({"pid": [f"p{i}" for i in range(40)], "site": ["LO"] * 40, "ae_bl": pre,
                       "ae_fu": pre * 2 + rng.poisson(1.0, 40)})
    recs = _by_key(service_use_by_site(ds, "LO", SERVICE_CFG, {})["records"])
    assert recs["service.lo.ae.reduction"]["value"] < 0
    assert recs["service.lo.ae.direction"]["display"] == "increase"
    assert recs["service.lo.ae.size"]["value"] > 0 and not recs["service.lo.ae.size"]["display"].startswith("-")
    lo, hi = (float(x) for x in recs["service.lo.ae.size_ci"]["value"].split())
    assert 0 < lo < recs["service.lo.ae.size"]["value"] < hi


def test_ancova_on_two_people_is_not_estimable():
    ds = pd.DataFrame({"site": ["LO", "SO", "NO", "LO"], "empowerment_bl": [50.0, 60.0, np.nan, 55.0],
                       "empowerment_fu": [52.0, 61.0, 58.0, np.nan], "med_choice": [1.0, 0.0, 1.0, 0.0],
                       "med_bl": ["as_prescribed_by_choice", "none_prescribed", "stopped_by_choice", "none_prescribed"]})
    cfg = {"alpha": 0.05, "ancova": {"exposure": "med_choice", "exposure_timepoint": "followup",
                                     "exposure_level": "as_prescribed_by_choice", "outcomes": ["empowerment"],
                                     "covariates": [], "categorical": []}}
    out = ancova_models(ds, cfg, {})
    recs = _by_key(out["records"])
    shown = recs["ancova.empowerment.estimate"]["display"]
    assert shown.startswith("not estimable (2 observations for 3 parameters")
    assert "+" not in shown
    assert out["table"]["estimate"].isna().all()


def test_infinite_standard_errors_are_not_estimable():
    tidy = pd.DataFrame({"term": ["Intercept", "x"], "estimate": [0.1, 25.0], "se": [0.5, np.inf],
                         "ci_low": [0.0, -np.inf], "ci_high": [1.0, np.inf], "p_value": [0.8, 1.0]})
    out = guard_tidy(tidy, {"n": 100}, RULES)
    assert list(out["not_estimable"]) == ["", "standard error not finite or zero"]
    assert out.loc[1, "estimate"] != out.loc[1, "estimate"]  # NaN
    assert out.loc[0, "estimate"] == 0.1


def test_logistic_without_events_is_not_estimable():
    tidy = pd.DataFrame({"term": ["Intercept", "x"], "se": [1.0, 1.0]})
    info = {"n": 50, "events": 0, "non_events": 50, "converged": True}
    assert model_reasons(tidy, info, RULES, logistic=True)[1].startswith("no variation in the outcome")
    assert model_reasons(tidy, {**info, "events": 20, "non_events": 30, "converged": False}, RULES,
                         logistic=True)[0] == "the fit did not converge"


def test_models_table_prints_not_estimable_with_a_note():
    anc = pd.DataFrame({"outcome": ["empowerment"] * 2, "term": ["Intercept", "med_choice"], "estimate": [np.nan] * 2,
                        "ci_low": [np.nan] * 2, "ci_high": [np.nan] * 2, "p_value": [np.nan] * 2, "n": [2, 2],
                        "not_estimable": ["2 observations for 3 parameters, fewer than 3 per parameter"] * 2})
    sat = pd.DataFrame({"term": ["severity_bl"], "estimate": [0.01], "ci_low": [0.0], "ci_high": [0.02],
                        "p_value": [0.04], "n": [90]})
    eng = pd.DataFrame({"term": ["quality_of_life_bl"], "odds_ratio": [1.5], "or_ci_low": [1.0], "or_ci_high": [2.2],
                        "p_value": [0.04], "n": [90]})
    md = models_md(anc, sat, eng, {}, caption="Models.")
    row = next(line for line in md.splitlines() if "ANCOVA" in line)
    assert "not estimable (2 observations" in row
    assert "no interval or p-value reported" in row


def test_fit_ols_degenerate_fit_keeps_warnings_out_of_the_log():
    df = pd.DataFrame({"y": [1.0, 2.0], "x": [0.0, 1.0]})  # a perfect fit: zero residual variance
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tidy, info = fit_ols(df, "y ~ x")
    assert info["n"] == 2 and "RuntimeWarning" in info["note"]
    assert model_reasons(tidy, info, RULES)[0].startswith("2 observations for 2 parameters")


def test_empty_chi_square_has_no_degrees_of_freedom():
    df = pd.DataFrame({"v": pd.Series([None, None], dtype=object), "g": ["a", "b"]})
    assert chi2_independence(df, "v", "g")["dof"] == 0


def test_well_posed_models_pass_the_guards():
    rng = np.random.default_rng(3)
    n = 60
    df = pd.DataFrame({"x": rng.normal(size=n), "site": rng.choice(["LO", "SO", "NO"], n)})
    df["y"] = 0.5 * df["x"] + rng.normal(size=n)
    df["e"] = (df["y"] > 0).astype(float)
    df["y_bl"] = rng.normal(size=n)
    tidy, info = fit_ols(df, "y ~ x + C(site)")
    assert not any(model_reasons(tidy, info, RULES))
    tidy, info = fit_logit(df, "e ~ x")
    assert not any(model_reasons(tidy, info, RULES, logistic=True))
    tidy, info = fit_ancova(df, "y", "y_bl", "x", ["site"], ["site"])
    assert not any(model_reasons(tidy, info, RULES))


def test_sensitivity_comparison_is_worded_from_the_estimates():
    from selfcare.analysis.steps import _sensitivity_words
    from selfcare.report.records import Records

    def word(*pairs):
        recs = Records({})
        outcomes = ["empowerment", "confidence"]
        _sensitivity_words(recs, [{"estimate": e, "not_estimable": why, "outcome": outcomes[i]}
                                  for i, pair in enumerate(pairs) for e, why in pair])
        return recs.items[-1]["display"]

    assert word([(4.3, ""), (2.0, "")], [(0.3, ""), (0.1, "")]) == "weaker"
    assert word([(1.0, ""), (2.0, "")], [(-0.3, ""), (-0.5, "")]) == "stronger"
    assert word([(1.0, ""), (0.5, "")], [(0.3, ""), (0.5, "")]) == "weaker for empowerment and stronger for mental health confidence"
    assert word([(1.0, ""), (float("nan"), "2 observations")]) == "not estimable"


def test_a_change_of_sign_is_opposite_direction_not_weaker_or_stronger():
    from selfcare.analysis.steps import _sensitivity_words
    from selfcare.report.records import Records

    def word(*pairs):
        recs = Records({})
        outcomes = ["empowerment", "confidence"]
        _sensitivity_words(recs, [{"estimate": e, "not_estimable": "", "outcome": outcomes[i]}
                                  for i, pair in enumerate(pairs) for e in pair])
        return recs.items[-1]["display"]

    # +1.0 at follow-up, -2.0 at baseline: larger in size, but the other way round
    assert word((1.0, -2.0), (0.3, -0.5)) == "in the opposite direction"
    assert word((1.0, -0.2), (0.3, 0.1)) == "in the opposite direction for empowerment and weaker for mental health confidence"


def test_no_change_reads_as_the_estimated_change():
    # as many attendances after as before, with variation between people: the estimated change is 0%
    pre = np.array([1, 2, 0, 3, 1, 0, 2, 1, 0, 2, 1, 3])
    post = np.array([2, 1, 1, 2, 0, 1, 3, 0, 1, 1, 2, 2])
    ds = pd.DataFrame({"pid": [f"p{i}" for i in range(12)], "site": ["LO"] * 12, "ae_bl": pre, "ae_fu": post})
    recs = _by_key(service_use_by_site(ds, "LO", SERVICE_CFG, {})["records"])
    assert recs["service.lo.ae.direction"]["display"] == "no change"
    assert recs["service.lo.ae.noun"]["display"] == "change"
    assert recs["service.lo.ae.size"]["meaning"] == "Size of the change in rate (percentage)"


def test_manuscript_names_the_change_with_the_noun_record():
    """"The estimated {{< var ....direction >}} ... was" would read "the estimated no change ... was"."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "manuscript" / "index.qmd").read_text(encoding="utf-8")
    assert not re.search(r"estimated\s+\{\{<\s*var\s+[a-z0-9_.]+\.direction\s*>\}\}", text)
    assert not re.search(r"\(\{\{<\s*var\s+[a-z0-9_.]+\.direction\s*>\}\}\s+\{\{<\s*var", text)
    assert re.search(r"\{\{<\s*var\s+service\.lo\.ae\.noun\s*>\}\}", text)
