"""One function per analysis rule: the analysis named in ``config/config.yaml``
(section ``analysis``) run on the analysis dataset.

Each returns a tidy table at full precision and the named numbers (number
records, :func:`selfcare.report.registry.make_record`) that the manuscript's
registry takes; display strings come only from :mod:`selfcare.report.formatting`.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from selfcare.analysis.baseline import baseline_table
from selfcare.analysis.change import count_change, paired_change
from selfcare.analysis.dataset import OUTCOME_LABELS, SERVICE_LABELS, _num
from selfcare.analysis.models import count_significant, fit_ancova, fit_logit, fit_ols
from selfcare.analysis.published import check_published
from selfcare.analysis.sensitivity import baseline_exposure, fit_logit_sensitivity
from selfcare.report import formatting as fmt
from selfcare.report.records import Records


def _decimals(fcfg: Mapping[str, Any], name: str, default: int = 1) -> int:
    return int(fcfg.get("decimals", {}).get(name, default)) if isinstance(fcfg.get("decimals"), Mapping) else default


# ---------------------------------------------------------------------------
# analyses
# ---------------------------------------------------------------------------


def baseline_characteristics(
    ds: pd.DataFrame,
    cfg: Mapping[str, Any],
    published: Sequence[Mapping[str, Any]],
    fcfg: Mapping[str, Any],
    sites: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Table 1 by site with its tests, checked against the published statistics.

    ``sites`` (the configured sites) gives the column order; default the
    order of first appearance in ``ds``.
    """
    order = _configured_sites(ds["site"], sites)
    display, tests = baseline_table(ds, "site", cfg["baseline_table"], order=order)
    check = check_published(tests, published)
    recs = Records(fcfg)
    for _, t in tests.iterrows():
        key = f"table1.{t['variable']}"
        recs.est(f"{key}.statistic", float(t["value"]), 1, f"Baseline {t['variable']}: {t['statistic']} statistic across sites")
        recs.p(f"{key}.p", float(t["p_value"]), f"Baseline {t['variable']}: p-value of the site comparison")
    verdict = check["verdict"].astype(str)
    exact = verdict == "reproduced"
    stat_only = verdict.str.startswith("reproduced") & ~exact
    check_recs = Records(fcfg)
    check_recs.count("table1.check.n_published", len(check), "Published Table 1 statistics checked")
    check_recs.count("table1.check.n_reproduced", int(exact.sum()), "Published statistic and p-value both reproduced")
    check_recs.count("table1.check.n_statistic_only", int(stat_only.sum()),
                     "Published statistic reproduced but its p-value differs (e.g. in the last digit)")
    check_recs.count("table1.check.n_flagged", int((~(exact | stat_only)).sum()),
                     "Published Table 1 statistics not reproduced or inconsistent with their own counts")
    table = fmt.format_baseline_table(display, tests, fcfg, range_decimals=0)
    return {"display": display, "tests": tests, "check": check, "table": table, "records": recs.items,
            "check_records": check_recs.items}


def change_by_site(ds: pd.DataFrame, site: str, cfg: Mapping[str, Any], fcfg: Mapping[str, Any]) -> dict[str, Any]:
    """Paired change from baseline to 9 months for each outcome at one site."""
    sub = ds[ds["site"] == site]
    rows = []
    recs = Records(fcfg)
    for outcome in cfg["outcomes"]:
        r = paired_change(sub, f"{outcome}_bl", f"{outcome}_fu", cfg["alpha"], cfg["wilcoxon_zero_method"],
                          int(cfg["wilcoxon_tie_decimals"]))
        rows.append({"site": site, "outcome": outcome, **r})
        k = f"change.{site.lower()}.{outcome}"
        d = _decimals(fcfg, outcome)
        label = OUTCOME_LABELS[outcome]
        recs.est_ci(f"{k}.mean", f"{k}.ci", r["mean_change"], r["ci_low"], r["ci_high"], d,
                    f"{site}: mean change in {label}, baseline to 9 months",
                    f"{site}: 95% CI of the mean change in {label}", signed=True)
        recs.p(f"{k}.wilcoxon_p", r["wilcoxon_p"], f"{site}: Wilcoxon signed-rank p-value (ties recognised), change in {label}")
        recs.p(f"{k}.p", r["p_value"], f"{site}: paired t-test p-value, change in {label}")
        recs.count(f"{k}.n", r["n"], f"{site}: participants with both scores of {label}")
    table = pd.DataFrame(rows)
    return {"table": table, "records": recs.items}


def service_use_by_site(ds: pd.DataFrame, site: str, cfg: Mapping[str, Any], fcfg: Mapping[str, Any]) -> dict[str, Any]:
    """Percentage change in service use at one site.

    Poisson GEE clustered by person with the bias-reduced sandwich; for event
    counts the exact conditional test, reported in place of the GEE where
    events are sparse (``service_use_sparse``); for durations (nights) the
    person-level signed-rank test instead of the exact test.
    """
    sub = ds[ds["site"] == site]
    rows = []
    recs = Records(fcfg)
    kinds = cfg["service_use_kind"]
    for svc in cfg["service_use"]:
        r = count_change(sub, f"{svc}_bl", f"{svc}_fu", "pid", cfg["alpha"], kinds[svc], cfg["service_use_sparse"])
        rows.append({"site": site, "service": svc, **{k: v for k, v in r.items() if not isinstance(v, (list, dict))}})
        k = f"service.{site.lower()}.{svc}"
        label = SERVICE_LABELS[svc]
        lo, hi = r["pct_reduction_ci_low"], r["pct_reduction_ci_high"]
        d = fmt.width_decimals(lo, hi, 0, recs.cfg)
        how = {"gee": "Poisson GEE, bias-reduced SE", "exact": "exact conditional test (sparse events)",
               "signed_rank": "signed-rank test (sparse durations)", "none": "not estimable"}[r["headline"]]
        recs.add(f"{k}.reduction", r["pct_reduction"], fmt.fmt_pct(r["pct_reduction"], d, recs.cfg),
                 f"{site}: percentage reduction in {label} (1 - rate ratio)", "%")
        recs.add(f"{k}.reduction_ci", f"{float(lo)!r} {float(hi)!r}", fmt.fmt_ci(lo, hi, d, recs.cfg),
                 f"{site}: 95% CI of the percentage reduction in {label} ({how})")
        recs.p(f"{k}.p", r["p_value"], f"{site}: p-value of the change in {label} ({how})")
        recs.p(f"{k}.gee_p", r["gee_p_value"], f"{site}: Poisson GEE p-value (bias-reduced SE), {label}")
        if kinds[svc] == "events":
            recs.p(f"{k}.exact_p", r["exact_p_value"], f"{site}: exact conditional binomial p-value, {label}")
        else:
            recs.p(f"{k}.signed_rank_p", r["signed_rank_p_value"], f"{site}: signed-rank p-value of per-person differences, {label}")
        recs.count(f"{k}.total_pre", r["total_pre"], f"{site}: total {label} in the 9 months before baseline")
        recs.count(f"{k}.total_post", r["total_post"], f"{site}: total {label} in the 9 months to follow-up")
        recs.count(f"{k}.n", r["n_persons"], f"{site}: participants with both service-use reports")
    return {"table": pd.DataFrame(rows), "records": recs.items}


def _ancova_exposure_row(tidy: pd.DataFrame, exposure: str, outcome: str, analysis: str) -> dict[str, Any]:
    row = tidy[tidy["term"] == exposure].iloc[0]
    return {"outcome": outcome, "analysis": analysis, "exposure": exposure,
            **{c: row[c] for c in ("estimate", "ci_low", "ci_high", "p_value", "n")}}


def ancova_models(ds: pd.DataFrame, cfg: Mapping[str, Any], fcfg: Mapping[str, Any]) -> dict[str, Any]:
    """ANCOVA: follow-up outcome ~ baseline + exposure + covariates, per outcome.

    Sensitivity analysis: the same model with the exposure taken from the
    baseline medication item (``med_bl``) instead of the configured time
    point, reported beside the main one (``sensitivity`` table and the
    ``ancova_bl.*`` records).
    """
    anc = cfg["ancova"]
    tables, infos, sens = [], [], []
    recs = Records(fcfg)
    ds_bl = ds.assign(**{f"{anc['exposure']}_bl": baseline_exposure(ds, "med_bl", anc["exposure_level"])})
    for outcome in anc["outcomes"]:
        tidy, info = fit_ancova(
            ds, f"{outcome}_fu", f"{outcome}_bl", anc["exposure"], anc["covariates"], anc["categorical"], cfg["alpha"]
        )
        tidy.insert(0, "outcome", outcome)
        tables.append(tidy)
        infos.append({"outcome": outcome, **{k: v for k, v in info.items() if not isinstance(v, (list, dict))}})
        when_main = "at follow-up" if anc["exposure_timepoint"] == "followup" else "at baseline"
        main = _ancova_exposure_row(tidy, anc["exposure"], outcome, f"{when_main} (main analysis)")
        exp_bl = f"{anc['exposure']}_bl"
        tidy_bl, _ = fit_ancova(
            ds_bl, f"{outcome}_fu", f"{outcome}_bl", exp_bl, anc["covariates"], anc["categorical"], cfg["alpha"]
        )
        sens += [main, _ancova_exposure_row(tidy_bl, exp_bl, outcome, "at baseline (sensitivity analysis)")]
        d = _decimals(fcfg, outcome)
        label = OUTCOME_LABELS[outcome]
        for prefix, r, when in (("ancova", main, when_main), ("ancova_bl", sens[-1], "at baseline")):
            k = f"{prefix}.{outcome}"
            recs.est_ci(f"{k}.estimate", f"{k}.ci", r["estimate"], r["ci_low"], r["ci_high"], d,
                        f"Adjusted difference in 9-month {label}, choosing to take medication as prescribed ({when})",
                        f"95% CI of that difference ({label}, medication {when})", signed=True)
            recs.p(f"{k}.p", r["p_value"], f"ANCOVA p-value, medication choice {when} and {label}")
            recs.count(f"{k}.n", r["n"], f"Participants in the ANCOVA of {label} (medication {when})")
    return {"table": pd.concat(tables, ignore_index=True), "info": pd.DataFrame(infos),
            "sensitivity": pd.DataFrame(sens), "records": recs.items}


def _rhs(terms: Sequence[str], categorical: Sequence[str] = ("site",)) -> str:
    return " + ".join(f"C({t})" if t in categorical else t for t in terms)


def satisfaction_model(ds: pd.DataFrame, cfg: Mapping[str, Any], fcfg: Mapping[str, Any]) -> dict[str, Any]:
    """OLS of follow-up satisfaction on baseline severity (+ covariates)."""
    sc = cfg["satisfaction"]
    formula = f"{sc['outcome']} ~ {_rhs([sc['predictor'], *sc['covariates']])}"
    tidy, info = fit_ols(ds, formula, cfg["alpha"])
    row = tidy[tidy["term"] == sc["predictor"]].iloc[0]
    recs = Records(fcfg)
    d = _decimals(fcfg, "coefficient", 2)
    recs.est_ci("satisfaction.severity.b", "satisfaction.severity.ci", row["estimate"], row["ci_low"], row["ci_high"], d,
                "Change in satisfaction (item mean) per point of baseline severity", "95% CI of that coefficient")
    recs.p("satisfaction.severity.p", row["p_value"], "p-value of baseline severity in the satisfaction model")
    recs.count("satisfaction.n", info["n"], "Participants in the satisfaction model")
    return {"table": tidy.assign(formula=formula), "records": recs.items}


def engagement_model(ds: pd.DataFrame, cfg: Mapping[str, Any], fcfg: Mapping[str, Any]) -> dict[str, Any]:
    """Logistic regression of staying engaged on baseline predictors.

    Headline: maximum likelihood with Wald intervals (the analysis the
    published report describes). Sensitivity: profile-likelihood intervals
    and Firth's penalised fit (``sensitivity`` table; ``.ci_profile``,
    ``.or_firth``, ``.ci_firth`` and ``.p_firth`` records).
    """
    ec = cfg["engagement"]
    formula = f"engaged ~ {_rhs([*ec['predictors'], *ec['covariates']])}"
    tidy, info = fit_logit(ds, formula, cfg["alpha"])
    sens, _ = fit_logit_sensitivity(ds, formula, cfg["alpha"])
    recs = Records(fcfg)
    d = _decimals(fcfg, "odds_ratio", 2)
    for pred in ec["predictors"]:
        row = tidy[tidy["term"] == pred].iloc[0]
        name = pred.removesuffix("_bl")
        label = OUTCOME_LABELS.get(name, name)
        k = f"engagement.{name}"
        recs.est_ci(f"{k}.or", f"{k}.ci", row["odds_ratio"], row["or_ci_low"], row["or_ci_high"], d,
                    f"Odds ratio of staying engaged per point of baseline {label}", "95% CI of that odds ratio (Wald)")
        recs.p(f"{k}.p", row["p_value"], f"p-value of baseline {label} in the engagement model (Wald)")
        prof = sens[(sens["term"] == pred) & (sens["method"] == "profile")].iloc[0]
        firth = sens[(sens["term"] == pred) & (sens["method"] == "firth")].iloc[0]
        recs.ci(f"{k}.ci_profile", prof["or_ci_low"], prof["or_ci_high"],
                fmt.width_decimals(prof["or_ci_low"], prof["or_ci_high"], d, recs.cfg),
                f"95% profile-likelihood CI of the odds ratio for baseline {label}")
        recs.p(f"{k}.p_lr", prof["p_value"], f"Likelihood-ratio p-value of baseline {label}")
        recs.est_ci(f"{k}.or_firth", f"{k}.ci_firth", firth["odds_ratio"], firth["or_ci_low"], firth["or_ci_high"], d,
                    f"Firth penalised odds ratio of staying engaged per point of baseline {label}",
                    "95% profile penalised-likelihood CI of that odds ratio")
        recs.p(f"{k}.p_firth", firth["p_value"], f"Penalised likelihood-ratio p-value of baseline {label} (Firth)")
    recs.count("engagement.n", info["n"], "Participants in the engagement model")
    recs.count("engagement.events", info["events"], "Participants who stayed engaged (in the model)")
    return {"table": tidy.assign(formula=formula), "sensitivity": sens.assign(formula=formula), "records": recs.items}


def _configured_sites(values: pd.Series, sites: Sequence[str] | None) -> list[str]:
    """The configured sites (default: those in ``values``, by first appearance).

    Raises
    ------
    ValueError
        If ``values`` name a site that is not configured (its people would
        otherwise be left out silently).
    """
    present = [str(v) for v in pd.unique(values.dropna())]
    if sites is None:
        return present
    unknown = sorted(set(present) - {str(s) for s in sites})
    if unknown:
        raise ValueError(f"site column: {len(unknown)} site code(s) not among the configured sites (check site)")
    return [str(s) for s in sites]


def participant_flow(
    screening: pd.DataFrame,
    ds: pd.DataFrame,
    cfg: Mapping[str, Any],
    fcfg: Mapping[str, Any],
    excluded: Mapping[str, Mapping[str, int]] | None = None,
    sites: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Referral to analysis per site; every record accounted for, with reasons.

    The counts add up: recruited = excluded at de-identification (consent to
    data use withdrawn) + withdrawn + lost to follow-up + followed up; for
    each model, analysed + excluded (by reason) = the people it starts from.

    Parameters
    ----------
    excluded : mapping, optional
        Reason -> site -> count of participants the de-identification stage
        left out (from its report).
    sites : sequence of str, optional
        The configured sites (default: those screened, in order); a site in
        the data but not configured is an error, never dropped.
    """
    rows = []
    recs = Records(fcfg)
    order = _configured_sites(pd.concat([screening["site"], ds["site"]], ignore_index=True), sites)
    for site in order:
        scr = screening[screening["site"] == site].iloc[0]
        sub = ds[ds["site"] == site]
        referred, inel, decl = (int(_num(pd.Series([scr[c]])).iloc[0]) for c in ("referred", "ineligible", "declined"))
        no_consent = sum(int(v.get(site, 0)) for v in (excluded or {}).values())
        recruited = len(sub) + no_consent
        withdrawn = int((sub["withdrawn"] == "yes").sum())
        followed = int((sub["followed_up"] == "yes").sum())
        lost = len(sub) - withdrawn - followed
        row = {
            "site": site, "referred": referred, "ineligible": inel, "declined": decl,
            "recruited": recruited, "excluded_consent_withdrawn": no_consent,
            "withdrawn": withdrawn, "lost_to_followup": lost, "followed_up": followed,
            "unaccounted_referrals": referred - inel - decl - recruited,
        }
        for outcome in cfg["outcomes"]:
            both = sub[f"{outcome}_bl"].notna() & sub[f"{outcome}_fu"].notna()
            row[f"analysed_{outcome}"] = int(both.sum())
            row[f"excluded_{outcome}_not_followed_up"] = int((sub["followed_up"] != "yes").sum())
            row[f"excluded_{outcome}_score_missing"] = int(((sub["followed_up"] == "yes") & ~both).sum())
        rows.append(row)
        s = site.lower()
        for key in ("referred", "recruited", "withdrawn", "lost_to_followup", "followed_up"):
            recs.count(f"flow.{s}.{key}", row[key], f"{site}: {key.replace('_', ' ')}")
    flow = pd.DataFrame(rows)
    for key in ("referred", "recruited", "withdrawn", "lost_to_followup", "followed_up"):
        recs.count(f"flow.total.{key}", flow[key].sum(), f"All sites: {key.replace('_', ' ')}")
    lo, hi = (int(flow["recruited"].min()), int(flow["recruited"].max())) if len(flow) else (0, 0)
    shown = fmt.fmt_int(lo, fcfg) if lo == hi else f"{fmt.fmt_int(lo, fcfg)} to {fmt.fmt_int(hi, fcfg)}"
    recs.add("flow.per_site.recruited", f"{lo} {hi}", shown, "People recruited per site (fewest to most)", "people")
    return {"table": flow, "records": recs.items}


def significance_summary(change_tables: Sequence[pd.DataFrame], alpha: float, fcfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    """How many of the pre-post comparisons were significant (for the summary)."""
    allc = pd.concat(change_tables, ignore_index=True)
    s = count_significant(allc, "p_value", alpha)
    recs = Records(fcfg)
    recs.count("change.n_tests", s["n_tests"], "Pre-post comparisons made (sites x outcomes)")
    recs.count("change.n_significant", s["n_significant"], "Pre-post comparisons significant at alpha")
    recs.count("change.n_not_significant", s["n_tests"] - s["n_significant"], "Pre-post comparisons not significant")
    return recs.items
