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
from selfcare.analysis.checks import NOT_ASSESSED, withdraw_absent_sites
from selfcare.analysis.dataset import OUTCOME_LABELS, SERVICE_LABELS, _num
from selfcare.analysis.estimability import (aliased_terms, estimability_rules, guard_count, guard_paired, guard_tidy,
                                           p_reason, sensitivity_reasons, separated_terms)
from selfcare.analysis.models import count_significant, fit_ancova, fit_logit, fit_ols
from selfcare.analysis.published import check_published
from selfcare.analysis.specification import join_words
from selfcare.analysis.sensitivity import LOGIT_METHODS, baseline_exposure, fit_logit_sensitivity
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
    published_sites: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Table 1 by site with its tests, checked against the published statistics.

    ``sites`` (the configured sites) gives the column order; default the
    order of first appearance in ``ds``. ``published_sites`` are the sites
    the published statistics compare (``config/published.yaml`` ``sites``):
    when the hand-over lacks one of them, no published statistic is compared
    with the data; each row says "not assessed" and why (the check of the
    published statistic against its own published counts still runs).
    """
    order = _configured_sites(ds["site"], sites)
    display, tests = baseline_table(ds, "site", cfg["baseline_table"], order=order)
    check = withdraw_absent_sites(check_published(tests, published), [s for s in published_sites or [] if s not in order],
                          published_sites or [])
    recs = Records(fcfg)
    for _, t in tests.iterrows():
        key = f"table1.{t['variable']}"
        recs.est(f"{key}.statistic", float(t["value"]), 1, f"Baseline {t['variable']}: {t['statistic']} statistic across sites")
        recs.p(f"{key}.p", float(t["p_value"]), f"Baseline {t['variable']}: p-value of the site comparison")
    verdict = check["verdict"].astype(str)
    exact = verdict == "reproduced"
    stat_only = verdict.str.startswith("reproduced") & ~exact
    skipped = verdict.str.startswith(NOT_ASSESSED)
    check_recs = Records(fcfg)
    check_recs.count("table1.check.n_published", int((~skipped).sum()), "Published Table 1 statistics checked")
    check_recs.count("table1.check.n_not_assessed", int(skipped.sum()),
                     "Published Table 1 statistics not assessed (a published site is not in the hand-over)")
    check_recs.count("table1.check.n_reproduced", int(exact.sum()), "Published statistic and p-value both reproduced")
    check_recs.count("table1.check.n_statistic_only", int(stat_only.sum()),
                     "Published statistic reproduced but its p-value differs (e.g. in the last digit)")
    check_recs.count("table1.check.n_flagged", int((~(exact | stat_only | skipped)).sum()),
                     "Published Table 1 statistics not reproduced or inconsistent with their own counts")
    _table1_words(check_recs, tests, check, published, float(cfg["alpha"]))
    table = fmt.format_baseline_table(display, tests, fcfg, range_decimals=0)
    return {"display": display, "tests": tests, "check": check, "table": table, "records": recs.items,
            "check_records": check_recs.items}


#: Baseline characteristics in words (for sentences built from the registry).
TABLE1_WORDS = {"age": "age", "gender": "gender", "ethnicity": "ethnicity", "dependants": "number of dependants",
                "marital_status": "marital status", "education": "education", "living_alone": "living alone",
                "supported_accommodation": "supported accommodation", "unemployed": "employment",
                "admitted_bl": "recent admission", "ae_any_bl": "recent A&E attendance"}

_EXCEPTION_WORDS = {
    "reproduced; p differs in the last digit": "the statistic reproduces but its p-value differs in the last digit",
    "reproduced; p differs": "the statistic reproduces but its p-value differs",
    "statistic differs in the last digit": "the statistic differs in its last digit",
    "published value inconsistent with its own counts": "the published statistic does not follow from the published counts",
}


def _words_of(keys: Sequence[str]) -> list[str]:
    return [TABLE1_WORDS.get(k, k.replace("_", " ")) for k in keys]


def _table1_words(recs: Records, tests: pd.DataFrame, check: pd.DataFrame,
                  published: Sequence[Mapping[str, Any]], alpha: float) -> None:
    """Word records of Table 1: which characteristics differ, against the published table, and the exceptions.

    ``table1.differing`` lists the characteristics whose site comparison has
    p < alpha; ``table1.differing_vs_published`` says whether the published
    table found the same (published p, or the p of the published statistic);
    ``table1.check.exceptions`` names every statistic not reproduced exactly,
    grouped by what differs; ``table1.<key>.counts_statistic`` is the
    statistic the published counts give.
    """
    from selfcare.analysis.published import _p_from  # the check's own p of a published statistic

    ours = [str(t["variable"]) for _, t in tests.iterrows() if float(t["p_value"]) < alpha]
    theirs = []
    for item in published:
        p = item.get("p")
        if p is None:
            df = item.get("df")
            p = _p_from(str(item.get("statistic")), float(item["value"]), df if isinstance(df, list) else [df])
        if float(str(p).lstrip("<= ")) < alpha:
            theirs.append(str(item["key"]))
    text = join_words(_words_of(ours), "none of the characteristics")
    recs.add("table1.differing", " ".join(ours) or "none", text, f"Baseline characteristics differing across sites (p < {alpha})")
    missing, extra = [k for k in theirs if k not in ours], [k for k in ours if k not in theirs]
    also = f"also found differences in {join_words(_words_of(missing))}"
    none = f"none in {join_words(_words_of(extra))}"
    vs = ("the published table " + (f"{also} but {none}" if missing and extra else also if missing else f"found {none}")
          if missing or extra else "as in the published table")
    verdicts = check["verdict"].astype(str)
    if len(check) and verdicts.str.startswith(NOT_ASSESSED).all():
        vs = "not compared with the published table, whose sites are not all in the hand-over"
    recs.add("table1.differing_vs_published", vs, vs, "Differing characteristics compared with the published table")
    skipped = check[verdicts.str.startswith(NOT_ASSESSED)]
    odd = check[(verdicts != "reproduced") & ~verdicts.str.startswith(NOT_ASSESSED)]
    groups: dict[str, list[str]] = {}
    for _, r in odd.iterrows():
        groups.setdefault(_EXCEPTION_WORDS.get(str(r["verdict"]), "the statistic does not reproduce"), []).append(str(r["key"]))
    if len(skipped):  # a published site is absent: say so once, for every statistic
        why = str(skipped["verdict"].iloc[0]).split(";")[0]
        clause = (f"none is assessed: {why[len(NOT_ASSESSED):].strip(' ()')}" if len(skipped) == len(check)
                  else f"{join_words(_words_of(list(skipped['key'].astype(str))))} are {why}")
    elif groups:
        names = join_words(_words_of(list(odd["key"].astype(str))))
        lead = "the exception is" if len(odd) == 1 else "the exceptions are"
        detail = "; ".join(f"for {join_words(_words_of(keys))} {why}" for why, keys in groups.items())
        clause = f"{lead} {names}: {detail}"
    else:
        clause = "there is no exception"
    recs.add("table1.check.exceptions", clause, clause, "Published Table 1 statistics not reproduced exactly, and why")
    for _, r in check.iterrows():
        if "counts_statistic" in check.columns and pd.notna(r.get("counts_statistic")):
            recs.est(f"table1.{r['key']}.counts_statistic", float(r["counts_statistic"]), 1,
                     f"Baseline {r['key']}: statistic computed from the published counts alone")


def change_by_site(ds: pd.DataFrame, site: str, cfg: Mapping[str, Any], fcfg: Mapping[str, Any]) -> dict[str, Any]:
    """Paired change from baseline to 9 months for each outcome at one site."""
    sub = ds[ds["site"] == site]
    rows = []
    recs = Records(fcfg)
    rules = estimability_rules(cfg)
    for outcome in cfg["outcomes"]:
        r = guard_paired(paired_change(sub, f"{outcome}_bl", f"{outcome}_fu", cfg["alpha"], cfg["wilcoxon_zero_method"],
                                       int(cfg["wilcoxon_tie_decimals"])), rules)
        why = r["not_estimable"]
        rows.append({"site": site, "outcome": outcome, **r})
        k = f"change.{site.lower()}.{outcome}"
        d = _decimals(fcfg, outcome)
        label = OUTCOME_LABELS[outcome]
        recs.est_ci(f"{k}.mean", f"{k}.ci", r["mean_change"], r["ci_low"], r["ci_high"], d,
                    f"{site}: mean change in {label}, baseline to 9 months",
                    f"{site}: 95% CI of the mean change in {label}", signed=True, reason=why)
        recs.p(f"{k}.wilcoxon_p", r["wilcoxon_p"], f"{site}: Wilcoxon signed-rank p-value (ties recognised), change in {label}",
               why)
        recs.p(f"{k}.p", r["p_value"], f"{site}: paired t-test p-value, change in {label}", why)
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
    rules = estimability_rules(cfg)
    for svc in cfg["service_use"]:
        r = guard_count(count_change(sub, f"{svc}_bl", f"{svc}_fu", "pid", cfg["alpha"], kinds[svc],
                                     cfg["service_use_sparse"]), rules)
        why = r["not_estimable"]
        rows.append({"site": site, "service": svc, **{k: v for k, v in r.items() if not isinstance(v, (list, dict))}})
        k = f"service.{site.lower()}.{svc}"
        label = SERVICE_LABELS[svc]
        lo, hi = r["pct_reduction_ci_low"], r["pct_reduction_ci_high"]
        d = fmt.width_decimals(lo, hi, 0, recs.cfg)
        how = {"gee": "Poisson GEE, bias-reduced SE", "exact": "exact conditional test (sparse events)",
               "signed_rank": "signed-rank test (sparse durations)", "none": "not estimable"}[r["headline"]]
        _rate_change_records(recs, k, r, d, f"{site}: percentage reduction in {label} (1 - rate ratio)",
                             f"{site}: 95% CI of the percentage reduction in {label} ({how})")
        recs.p(f"{k}.p", r["p_value"], f"{site}: p-value of the change in {label} ({how})", why)
        recs.p(f"{k}.gee_p", r["gee_p_value"], f"{site}: Poisson GEE p-value (bias-reduced SE), {label}", why)
        if kinds[svc] == "events":
            recs.p(f"{k}.exact_p", r["exact_p_value"], f"{site}: exact conditional binomial p-value, {label}", why)
        else:
            recs.p(f"{k}.signed_rank_p", r["signed_rank_p_value"],
                   f"{site}: signed-rank p-value of per-person differences, {label}", why)
        recs.count(f"{k}.total_pre", r["total_pre"], f"{site}: total {label} in the 9 months before baseline")
        recs.count(f"{k}.total_post", r["total_post"], f"{site}: total {label} in the 9 months to follow-up")
        recs.count(f"{k}.n", r["n_persons"], f"{site}: participants with both service-use reports")
    return {"table": pd.DataFrame(rows), "records": recs.items}


def _rate_change_records(recs: Records, k: str, r: Mapping[str, Any], d: int, meaning: str, ci_meaning: str) -> None:
    """The reduction, its interval, and the same change worded by its direction.

    ``.reduction``/``.reduction_ci`` hold (1 - rate ratio) x 100, signed;
    ``.direction`` the word ("reduction", "increase", "no change") and
    ``.noun`` the noun ("reduction", "increase", "change") that a sentence
    quoting ``.size`` and ``.size_ci`` (the change as a positive percentage
    in that direction, with its interval) must use: "the estimated
    {noun} ... was {size}" reads correctly whatever the direction.
    """
    why = r["not_estimable"]
    lo, hi, red = r["pct_reduction_ci_low"], r["pct_reduction_ci_high"], r["pct_reduction"]
    if why:
        recs.blank(f"{k}.reduction", why, meaning, "%")
        recs.blank(f"{k}.reduction_ci", why, ci_meaning, first=False)
        recs.add(f"{k}.direction", "change", "change", "Direction of the change (not estimable)")
        recs.add(f"{k}.noun", "change", "change", "Noun naming the change (not estimable)")
        recs.blank(f"{k}.size", why, "Size of the change in rate (not estimable)", "%")
        recs.blank(f"{k}.size_ci", why, "CI of the size of the change", first=False)
        return
    recs.add(f"{k}.reduction", red, fmt.fmt_pct(red, d, recs.cfg), meaning, "%")
    recs.add(f"{k}.reduction_ci", f"{float(lo)!r} {float(hi)!r}", fmt.fmt_ci(lo, hi, d, recs.cfg), ci_meaning)
    shown = fmt.round_half_away(float(red), d)
    word = "reduction" if shown > 0 else "increase" if shown < 0 else "no change"
    sign = -1.0 if word == "increase" else 1.0
    size, s_lo, s_hi = sign * red, min(sign * lo, sign * hi), max(sign * lo, sign * hi)
    noun = "change" if word == "no change" else word
    recs.add(f"{k}.direction", word, word, "Direction of the change in rate: reduction, increase or no change")
    recs.add(f"{k}.noun", noun, noun, "Noun naming the change in rate: reduction, increase, or change where there is none")
    recs.add(f"{k}.size", size, fmt.fmt_pct(size, d, recs.cfg), f"Size of the {noun} in rate (percentage)", "%")
    shown_ci = (fmt.fmt_ci(s_lo, s_hi, d, recs.cfg) if fmt.is_missing(s_lo) or fmt.is_missing(s_hi)
                else f"{fmt.fmt_pct(s_lo, d, recs.cfg)}{recs.cfg['ci_sep']}{fmt.fmt_pct(s_hi, d, recs.cfg)}")
    recs.add(f"{k}.size_ci", f"{float(s_lo)!r} {float(s_hi)!r}", shown_ci,
             f"95% CI of the size of the {noun} (percentage)")


def _ancova_exposure_row(tidy: pd.DataFrame, exposure: str, outcome: str, analysis: str) -> dict[str, Any]:
    row = tidy[tidy["term"] == exposure].iloc[0]
    return {"outcome": outcome, "analysis": analysis, "exposure": exposure,
            **{c: row[c] for c in ("estimate", "ci_low", "ci_high", "p_value", "n", "not_estimable")}}


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
    rules = estimability_rules(cfg)
    ds_bl = ds.assign(**{f"{anc['exposure']}_bl": baseline_exposure(ds, "med_bl", anc["exposure_level"])})
    for outcome in anc["outcomes"]:
        tidy, info = fit_ancova(
            ds, f"{outcome}_fu", f"{outcome}_bl", anc["exposure"], anc["covariates"], anc["categorical"], cfg["alpha"]
        )
        tidy = guard_tidy(tidy, info, rules)
        tidy.insert(0, "outcome", outcome)
        tables.append(tidy)
        infos.append({"outcome": outcome, **{k: v for k, v in info.items() if not isinstance(v, (list, dict))}})
        when_main = "at follow-up" if anc["exposure_timepoint"] == "followup" else "at baseline"
        main = _ancova_exposure_row(tidy, anc["exposure"], outcome, f"{when_main} (main analysis)")
        exp_bl = f"{anc['exposure']}_bl"
        tidy_bl, info_bl = fit_ancova(
            ds_bl, f"{outcome}_fu", f"{outcome}_bl", exp_bl, anc["covariates"], anc["categorical"], cfg["alpha"]
        )
        tidy_bl = guard_tidy(tidy_bl, info_bl, rules)
        sens += [main, _ancova_exposure_row(tidy_bl, exp_bl, outcome, "at baseline (sensitivity analysis)")]
        d = _decimals(fcfg, outcome)
        label = OUTCOME_LABELS[outcome]
        for prefix, r, when in (("ancova", main, when_main), ("ancova_bl", sens[-1], "at baseline")):
            k = f"{prefix}.{outcome}"
            recs.est_ci(f"{k}.estimate", f"{k}.ci", r["estimate"], r["ci_low"], r["ci_high"], d,
                        f"Adjusted difference in 9-month {label}, choosing to take medication as prescribed ({when})",
                        f"95% CI of that difference ({label}, medication {when})", signed=True,
                        reason=r["not_estimable"])
            recs.p(f"{k}.p", r["p_value"], f"ANCOVA p-value, medication choice {when} and {label}", r["not_estimable"])
            recs.count(f"{k}.n", r["n"], f"Participants in the ANCOVA of {label} (medication {when})")
    _sensitivity_words(recs, sens)
    return {"table": pd.concat(tables, ignore_index=True), "info": pd.DataFrame(infos),
            "sensitivity": pd.DataFrame(sens), "records": recs.items}


def _sensitivity_words(recs: Records, sens: Sequence[Mapping[str, Any]]) -> None:
    """``ancova_bl.comparison``: how the associations with the baseline exposure compare with the main ones.

    Outcome by outcome, the sensitivity estimate (exposure at baseline) is
    "in the opposite direction" when its sign differs from the main one's,
    else "weaker" or "stronger" by absolute size. One word when every outcome
    agrees, else each word with its outcomes ("weaker for empowerment and in
    the opposite direction for confidence"); "not estimable" when any
    estimate is.
    """
    pairs = [(sens[i], sens[i + 1]) for i in range(0, len(sens) - 1, 2)]
    if any(m["not_estimable"] or b["not_estimable"] for m, b in pairs) or not pairs:
        word = "not estimable"
    else:
        groups: dict[str, list[str]] = {}
        for m, b in pairs:
            main, base = float(m["estimate"]), float(b["estimate"])
            how = "in the opposite direction" if main * base < 0 else "weaker" if abs(base) < abs(main) else "stronger"
            outcome = str(m.get("outcome", ""))
            groups.setdefault(how, []).append(OUTCOME_LABELS.get(outcome, outcome.replace("_", " ")))
        word = next(iter(groups)) if len(groups) == 1 else \
            join_words([f"{how} for {join_words(names)}" for how, names in groups.items()])
    recs.add("ancova_bl.comparison", word, word,
             "Associations with the exposure at baseline compared with the main analysis (direction, absolute size)")


def _rhs(terms: Sequence[str], categorical: Sequence[str] = ("site",)) -> str:
    return " + ".join(f"C({t})" if t in categorical else t for t in terms)


def satisfaction_model(ds: pd.DataFrame, cfg: Mapping[str, Any], fcfg: Mapping[str, Any]) -> dict[str, Any]:
    """OLS of follow-up satisfaction on baseline severity (+ covariates)."""
    sc = cfg["satisfaction"]
    formula = f"{sc['outcome']} ~ {_rhs([sc['predictor'], *sc['covariates']])}"
    tidy, info = fit_ols(ds, formula, cfg["alpha"])
    tidy = guard_tidy(tidy, info, estimability_rules(cfg))
    row = tidy[tidy["term"] == sc["predictor"]].iloc[0]
    recs = Records(fcfg)
    d = _decimals(fcfg, "coefficient", 2)
    recs.est_ci("satisfaction.severity.b", "satisfaction.severity.ci", row["estimate"], row["ci_low"], row["ci_high"], d,
                "Change in satisfaction (item mean) per point of baseline severity", "95% CI of that coefficient",
                reason=row["not_estimable"])
    recs.p("satisfaction.severity.p", row["p_value"], "p-value of baseline severity in the satisfaction model",
           row["not_estimable"])
    recs.count("satisfaction.n", info["n"], "Participants in the satisfaction model")
    return {"table": tidy.assign(formula=formula), "records": recs.items}


def _engagement_fits(ds: pd.DataFrame, formula: str, alpha: float,
                     rules: Mapping[str, int]) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """The logistic model's Wald table and sensitivity table, each row guarded.

    The design's rank is checked before fitting (an aliased term stops every
    fit) and separation after (:func:`~selfcare.analysis.estimability.separated_terms`).
    """
    import patsy

    y_df, x_df = patsy.dmatrices(formula, ds, return_type="dataframe", NA_action="drop")
    y, x, names = y_df.iloc[:, 0].to_numpy(dtype=float), x_df.to_numpy(dtype=float), list(x_df.columns)
    aliased = aliased_terms(x, names)
    if aliased:
        events = int(y.sum())
        info = {"n": len(y), "events": events, "non_events": len(y) - events, "converged": False, "aliased": aliased}
        nan = {c: float("nan") for c in ("estimate", "se", "statistic", "ci_low", "ci_high", "p_value", "odds_ratio",
                                          "or_ci_low", "or_ci_high")}
        tidy = pd.DataFrame([{"term": t, **nan, "n": len(y)} for t in names])
        sens = pd.DataFrame([{"term": t, "method": m, "method_label": label, **nan, "n": len(y), "converged": False}
                             for m, label in LOGIT_METHODS.items() for t in names])
    else:
        tidy, info = fit_logit(ds, formula, alpha)
        separated = separated_terms(x, y)
        info["separated"] = None if separated is None else [names[j] for j in separated]
        sens, _ = fit_logit_sensitivity(ds, formula, alpha)
    tidy = guard_tidy(tidy, info, rules, logistic=True)
    reasons = sensitivity_reasons(sens, info, rules, dict(zip(tidy["term"], tidy["not_estimable"])))
    sens = sens.assign(not_estimable=reasons)
    for col in ("estimate", "ci_low", "ci_high", "p_value", "odds_ratio", "or_ci_low", "or_ci_high"):
        sens[col] = sens[col].astype(float).where(sens["not_estimable"] == "")
    return tidy, info, sens.assign(p_not_estimable=[p_reason(r) for _, r in sens.iterrows()])


def _separation_fallback(tidy: pd.DataFrame, sens: pd.DataFrame, info: Mapping[str, Any],
                         on_separation: str) -> pd.DataFrame:
    """The headline table with Firth's estimates in place of a separated maximum-likelihood fit.

    Only when the fit is separated and ``analysis.engagement.separation`` is
    ``firth``: each row takes its Firth estimate, profile penalised-likelihood
    interval and penalised likelihood-ratio p (``method`` ``firth``, named in
    ``note``), or Firth's own reason when that is not estimable either.
    """
    out = tidy.assign(method="wald", note="")
    if not info.get("separated") or on_separation != "firth":
        return out
    firth = sens[sens["method"] == "firth"].set_index("term")
    for i, term in enumerate(out["term"]):
        f = firth.loc[term]
        for col in ("estimate", "ci_low", "ci_high", "p_value", "odds_ratio", "or_ci_low", "or_ci_high"):
            out.loc[i, col] = f[col]
        out.loc[i, ["se", "statistic"]] = float("nan")
        why = str(f["not_estimable"])
        out.loc[i, "not_estimable"] = f"{out.loc[i, 'not_estimable']}; Firth fit: {why}" if why else ""
        out.loc[i, "method"] = "firth"
        out.loc[i, "note"] = "" if why else FIRTH_NOTE
    return out


#: Table note and registry wording of a headline taken from Firth's fit.
FIRTH_NOTE = ("Firth penalised likelihood with a profile penalised-likelihood interval, "
              "as the maximum-likelihood fit is separated")


def engagement_model(ds: pd.DataFrame, cfg: Mapping[str, Any], fcfg: Mapping[str, Any]) -> dict[str, Any]:
    """Logistic regression of staying engaged on baseline predictors.

    Headline: maximum likelihood with Wald intervals (the analysis the
    published report describes); when the fit is separated, Firth's
    penalised estimate if ``analysis.engagement.separation`` is ``firth``
    (the default; the records and the table note name the method), else
    not estimable. Sensitivity: profile-likelihood intervals and Firth's
    penalised fit (``sensitivity`` table; ``.ci_profile``, ``.or_firth``,
    ``.ci_firth`` and ``.p_firth`` records), each reported whenever its own
    fit is estimable, whatever became of the Wald fit.
    """
    ec = cfg["engagement"]
    formula = f"engaged ~ {_rhs([*ec['predictors'], *ec['covariates']])}"
    tidy, info, sens = _engagement_fits(ds, formula, cfg["alpha"], estimability_rules(cfg))
    tidy = _separation_fallback(tidy, sens, info, str(ec.get("separation", "firth")))
    recs = Records(fcfg)
    d = _decimals(fcfg, "odds_ratio", 2)
    for pred in ec["predictors"]:
        row = tidy[tidy["term"] == pred].iloc[0]
        name = pred.removesuffix("_bl")
        label = OUTCOME_LABELS.get(name, name)
        k = f"engagement.{name}"
        why = row["not_estimable"]
        how = f" ({FIRTH_NOTE})" if row["method"] == "firth" else ""
        recs.est_ci(f"{k}.or", f"{k}.ci", row["odds_ratio"], row["or_ci_low"], row["or_ci_high"], d,
                    f"Odds ratio of staying engaged per point of baseline {label}{how}",
                    f"95% CI of that odds ratio ({'profile penalised likelihood' if how else 'Wald'})", reason=why)
        recs.p(f"{k}.p", row["p_value"],
               f"p-value of baseline {label} in the engagement model ({'penalised likelihood ratio' if how else 'Wald'})",
               p_reason(row) if how else why)
        prof = sens[(sens["term"] == pred) & (sens["method"] == "profile")].iloc[0]
        firth = sens[(sens["term"] == pred) & (sens["method"] == "firth")].iloc[0]
        _sensitivity_records(recs, k, label, prof, firth, d)
    recs.count("engagement.n", info["n"], "Participants in the engagement model")
    recs.count("engagement.events", info["events"], "Participants who stayed engaged (in the model)")
    headline = dict(zip(tidy["term"], tidy["method"]))
    sens = sens.assign(headline=[headline.get(t) == m for t, m in zip(sens["term"], sens["method"])])
    return {"table": tidy.assign(formula=formula), "sensitivity": sens.assign(formula=formula), "records": recs.items}


def _sensitivity_records(recs: Records, k: str, label: str, prof: Mapping[str, Any], firth: Mapping[str, Any],
                         d: int) -> None:
    """The profile-likelihood and Firth records of one predictor, each blanked only by its own reason."""
    why_p, why_f = str(prof["not_estimable"]), str(firth["not_estimable"])
    if why_p:
        recs.blank(f"{k}.ci_profile", why_p, f"Profile-likelihood CI, baseline {label} (not estimable)", first=False)
        recs.blank(f"{k}.p_lr", why_p, f"Likelihood-ratio p-value, baseline {label} (not estimable)", first=False)
    else:
        recs.ci(f"{k}.ci_profile", prof["or_ci_low"], prof["or_ci_high"],
                fmt.width_decimals(prof["or_ci_low"], prof["or_ci_high"], d, recs.cfg),
                f"95% profile-likelihood CI of the odds ratio for baseline {label}")
        recs.p(f"{k}.p_lr", prof["p_value"], f"Likelihood-ratio p-value of baseline {label}", prof["p_not_estimable"])
    recs.est_ci(f"{k}.or_firth", f"{k}.ci_firth", firth["odds_ratio"], firth["or_ci_low"], firth["or_ci_high"], d,
                f"Firth penalised odds ratio of staying engaged per point of baseline {label}",
                "95% profile penalised-likelihood CI of that odds ratio", reason=why_f)
    recs.p(f"{k}.p_firth", firth["p_value"], f"Penalised likelihood-ratio p-value of baseline {label} (Firth)",
           firth["p_not_estimable"])


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
    _flow_lists(recs, flow, fcfg)
    _recall_records(recs, ds)
    return {"table": flow, "records": recs.items}


def _recall_records(recs: Records, ds: pd.DataFrame) -> None:
    """The service-use recall period in months (``flow.recall_months_word``: "nine").

    By design the follow-up questionnaire recalls the time since baseline, so
    the recall period is also the follow-up interval the text names
    ("nine-month follow-up"). Several lengths read "six to nine".
    """
    col = ds["recall_months"] if "recall_months" in ds.columns else pd.Series(dtype=float)
    months = sorted({int(m) for m in _num(col).dropna()})
    if not months:
        return
    shown = fmt.count_word(months[0]) if len(months) == 1 else f"{fmt.count_word(months[0])} to {fmt.count_word(months[-1])}"
    recs.add("flow.recall_months_word", " ".join(map(str, months)), shown,
             "Service-use recall period, which is also the follow-up interval (months, in words)", "months")


def _flow_lists(recs: Records, flow: pd.DataFrame, fcfg: Mapping[str, Any]) -> None:
    """Recruitment and follow-up of every configured site as one phrase each
    (``flow.sites.recruited``: "42 at LO, 40 at SO and 39 at NO";
    ``flow.sites.followed_up``: "35 of 42 people at LO, ..."), so that a
    sentence names every site whatever their number."""
    rec = [(str(r["site"]), int(r["recruited"]), int(r["followed_up"])) for _, r in flow.iterrows()]
    recruited = join_words([f"{fmt.fmt_int(n, fcfg)} at {s}" for s, n, _ in rec])
    followed = join_words([
        f"{fmt.fmt_int(f, fcfg)} of {fmt.fmt_int(n, fcfg)}{' people' if i == 0 else ''} at {s}"
        for i, (s, n, f) in enumerate(rec)
    ])
    recs.add("flow.sites.recruited", ";".join(f"{s}={n}" for s, n, _ in rec), recruited,
             "People recruited at each site", "people")
    recs.add("flow.sites.followed_up", ";".join(f"{s}={f}/{n}" for s, n, f in rec), followed,
             "People followed up of those recruited, at each site", "people")


def significance_summary(change_tables: Sequence[pd.DataFrame], alpha: float, fcfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    """How many of the pre-post comparisons were significant (for the summary)."""
    allc = pd.concat(change_tables, ignore_index=True)
    s = count_significant(allc, "p_value", alpha)
    recs = Records(fcfg)
    recs.count("change.n_tests", s["n_tests"], "Pre-post comparisons made (sites x outcomes)")
    recs.count("change.n_significant", s["n_significant"], "Pre-post comparisons significant at alpha")
    recs.count("change.n_not_significant", s["n_tests"] - s["n_significant"], "Pre-post comparisons not significant")
    verb = "was" if s["n_significant"] == 1 else "were"
    recs.add("change.n_significant_verb", verb, verb, "Verb agreeing with the number of significant comparisons")
    return recs.items
