"""Simulation-based calibration of the headline estimators.

One lucky seed proves nothing; coverage does. This module draws replicate
datasets from the seeded simulator (:func:`selfcare.synth.quantitative.simulate_quantitative`,
quantitative tables only, in memory), passes each through the same scoring
(:func:`selfcare.scoring.score.score_measures`), dataset building
(:func:`selfcare.analysis.dataset.build_dataset`) and estimators
(:mod:`selfcare.analysis`, with the formulas and covariates of the ``analysis``
configuration) as the workflow, and compares every headline estimate and its
95% confidence interval with the simulator's true value
(:func:`selfcare.synth.quantitative.true_parameters`).

Headline estimands (keys of :data:`HEADLINE`) and their scale:

* ``change.<site>.<outcome>``: mean within-person change, baseline to 9
  months (paired t interval); truth ``change[outcome][site]``.
* ``rate_ratio.<service>.<site>``: Poisson GEE rate ratio follow-up /
  baseline, compared on the RATIO scale (estimate ``exp(beta)``, interval
  ``exp(beta -/+ z se)``); truth ``rate_ratio[service][site]``. Coverage is
  the same on either scale; the log-scale mean is reported alongside
  (``mean_log_estimate``, ``log_truth``).
* ``ancova_medication.<outcome>``: ANCOVA coefficient of the exposure
  (``med_choice``); truth ``medication_effect``.
* ``satisfaction_severity_slope``: OLS coefficient of baseline severity;
  truth ``satisfaction.slope``.
* ``engagement_log_or.<predictor>``: logistic-regression coefficient (log odds
  ratio, not the odds ratio); truth ``engagement.<predictor>.log_or``.

Everything here is pure: no files are read or written.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from selfcare.analysis.change import count_change, paired_change
from selfcare.analysis.dataset import build_dataset
from selfcare.analysis.models import fit_ancova, fit_logit, fit_ols
from selfcare.analysis.steps import _rhs
from selfcare.scoring.score import score_measures
from selfcare.synth.quantitative import simulate_quantitative, true_parameters

#: estimand -> (kind, parameters). Kinds: change (outcome, site),
#: rate_ratio (service, site), ancova (outcome), satisfaction (), engagement (predictor).
HEADLINE: dict[str, tuple[str, tuple[str, ...]]] = {
    "change.LO.empowerment": ("change", ("empowerment", "LO")),
    "change.LO.confidence": ("change", ("confidence", "LO")),
    "change.SO.confidence": ("change", ("confidence", "SO")),
    "rate_ratio.ae.LO": ("rate_ratio", ("ae", "LO")),
    "ancova_medication.empowerment": ("ancova", ("empowerment",)),
    "ancova_medication.confidence": ("ancova", ("confidence",)),
    "satisfaction_severity_slope": ("satisfaction", ()),
    "engagement_log_or.quality_of_life": ("engagement", ("quality_of_life",)),
    "engagement_log_or.collaboration": ("engagement", ("collaboration",)),
}
#: estimands compared on the log scale as well (mean of log estimates).
LOG_SCALE_ALSO = {"rate_ratio"}


def _days(values: Any, origin: Any) -> pd.Series:
    """Whole days since the participant's baseline (missing stays missing)."""
    d = pd.Series(np.asarray(values, dtype=float) - np.asarray(origin, dtype=float))
    return d.round().astype("Int64")


def as_deidentified(q: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Give simulated quantitative tables the shape of the deidentify outputs.

    The mapping mirrors ``workflow/schemas/deid_allowlist.yaml`` without the
    key: the pseudonym ``pid`` is the ``study_id`` itself, dates (here day
    offsets from the start of recruitment) become days since the
    participant's baseline, and age is already whole years at baseline.
    Columns that need the deidentify configuration (``age_band``,
    ``postcode_district``) are not produced; the analysis does not use them.

    Parameters
    ----------
    q : mapping
        Output of :func:`selfcare.synth.quantitative.simulate_quantitative`.

    Returns
    -------
    dict of pandas.DataFrame
        ``participants`` (pid, site, initiative, age, days_referral,
        days_baseline, days_followup, consent_data, consent_quotes, withdrawn,
        days_withdrawal), ``demographics`` (pid + demographic columns),
        ``baseline`` and ``followup`` (pid, days_interview, then the
        questionnaire columns unchanged), ``attendance`` (pid, days_session)
        and ``screening`` (unchanged).
    """
    people = q["people"]
    origin = dict(zip(people["study_id"], people["baseline_day"].astype(float)))
    bl = people["baseline_day"].to_numpy(dtype=float)
    participants = pd.DataFrame(
        {
            "pid": people["study_id"].to_numpy(),
            "site": people["site"].to_numpy(),
            "initiative": people["initiative"].to_numpy(),
            "age": pd.array(people["age"].to_numpy(dtype=float), dtype="Float64").astype("Int64"),
            "days_referral": _days(people["referral_day"], bl),
            "days_baseline": _days(bl, bl),
            "days_followup": _days(people["followup_day"], bl),
            "consent_data": "yes",
            "consent_quotes": people["consent_quotes"].to_numpy(),
            "withdrawn": people["withdrawn"].to_numpy(),
            "days_withdrawal": _days(people["withdrawal_day"], bl),
        }
    )
    demo_cols = ["gender", "ethnicity", "dependants", "marital_status", "education",
                 "living_alone", "supported_accommodation", "employment_status"]
    demographics = pd.concat(
        [pd.DataFrame({"pid": people["study_id"].to_numpy()}), people[demo_cols].reset_index(drop=True)], axis=1
    )

    def questionnaire(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.drop(columns=["study_id", "interview_day"]).reset_index(drop=True)
        ref = frame["study_id"].map(origin).to_numpy(dtype=float)
        out.insert(0, "days_interview", _days(frame["interview_day"], ref))
        out.insert(0, "pid", frame["study_id"].to_numpy())
        return out

    att = q["attendance"].drop_duplicates()
    attendance = pd.DataFrame(
        {
            "pid": att["study_id"].to_numpy(),
            "days_session": _days(att["day"], att["study_id"].map(origin).to_numpy(dtype=float)),
        }
    )
    return {
        "participants": participants,
        "demographics": demographics,
        "baseline": questionnaire(q["baseline"]),
        "followup": questionnaire(q["followup"]),
        "attendance": attendance,
        "screening": q["screening"].copy(),
    }


def truth_values(sim_cfg: Mapping[str, Any]) -> dict[str, float]:
    """True value of every headline estimand, from :func:`true_parameters`."""
    t = true_parameters(sim_cfg)
    out: dict[str, float] = {}
    for key, (kind, par) in HEADLINE.items():
        if kind == "change":
            out[key] = t["change"][par[0]][par[1]]
        elif kind == "rate_ratio":
            out[key] = t["rate_ratio"][par[0]][par[1]]
        elif kind == "ancova":
            out[key] = t["ancova_medication"][par[0]]
        elif kind == "satisfaction":
            out[key] = t["satisfaction_severity_slope"]
        elif kind == "engagement":
            out[key] = t["engagement_log_or"][par[0]]
        else:  # pragma: no cover - HEADLINE is fixed above
            raise ValueError(kind)
    return {k: float(v) for k, v in out.items()}


def dataset_from_tables(
    q: Mapping[str, pd.DataFrame], measures: Mapping[str, Any], analysis_cfg: Mapping[str, Any]
) -> pd.DataFrame:
    """The analysis dataset of simulated tables, built as the workflow builds it."""
    tables = as_deidentified(q)
    scores = pd.concat(
        [
            score_measures(tables["baseline"], measures, "baseline", ["pid"]),
            score_measures(tables["followup"], measures, "followup", ["pid"]),
        ],
        ignore_index=True,
    )
    return build_dataset(tables, scores, analysis_cfg)


def replicate_dataset(
    sim_cfg: Mapping[str, Any], measures: Mapping[str, Any], analysis_cfg: Mapping[str, Any], seed: int
) -> pd.DataFrame:
    """Simulate one replicate and build its analysis dataset (as the workflow does).

    Replicates are random draws: the construction that makes the shipped
    hand-over realise the published numbers (:mod:`selfcare.synth.realise`)
    is not applied, so the calibration checks the estimators honestly.
    """
    return dataset_from_tables(simulate_quantitative(sim_cfg, measures, seed), measures, analysis_cfg)


def _row(tidy: pd.DataFrame, term: str) -> dict[str, float]:
    r = tidy[tidy["term"] == term].iloc[0]
    return {"estimate": float(r["estimate"]), "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"])}


def headline_estimates(ds: pd.DataFrame, analysis_cfg: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Every headline estimate and its ``1 - alpha`` interval from one analysis dataset.

    The estimators and their settings are the workflow's: the paired t
    interval of :func:`paired_change`, the Poisson GEE of
    :func:`count_change`, the ANCOVA of :func:`fit_ancova`, and the
    OLS and logistic models with the formulas that
    :func:`satisfaction_model` and :func:`engagement_model`
    build.
    """
    cfg = analysis_cfg
    alpha = cfg["alpha"]
    out: dict[str, dict[str, float]] = {}
    anc = cfg["ancova"]
    anc_tidy: dict[str, pd.DataFrame] = {}
    sat = cfg["satisfaction"]
    eng = cfg["engagement"]
    eng_tidy: pd.DataFrame | None = None
    for key, (kind, par) in HEADLINE.items():
        if kind == "change":
            outcome, site = par
            r = paired_change(ds[ds["site"] == site], f"{outcome}_bl", f"{outcome}_fu", alpha,
                              cfg["wilcoxon_zero_method"], int(cfg["wilcoxon_tie_decimals"]))
            out[key] = {"estimate": r["mean_change"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}
        elif kind == "rate_ratio":
            svc, site = par
            r = count_change(ds[ds["site"] == site], f"{svc}_bl", f"{svc}_fu", "pid", alpha,
                             cfg["service_use_kind"][svc], cfg["service_use_sparse"])
            out[key] = {"estimate": r["rate_ratio"], "ci_low": r["rr_ci_low"], "ci_high": r["rr_ci_high"]}
        elif kind == "ancova":
            (outcome,) = par
            if outcome not in anc_tidy:
                anc_tidy[outcome], _ = fit_ancova(
                    ds, f"{outcome}_fu", f"{outcome}_bl", anc["exposure"], anc["covariates"],
                    anc["categorical"], alpha,
                )
            out[key] = _row(anc_tidy[outcome], anc["exposure"])
        elif kind == "satisfaction":
            formula = f"{sat['outcome']} ~ {_rhs([sat['predictor'], *sat['covariates']])}"
            tidy, _ = fit_ols(ds, formula, alpha)
            out[key] = _row(tidy, sat["predictor"])
        elif kind == "engagement":
            (name,) = par
            if eng_tidy is None:
                formula = f"engaged ~ {_rhs([*eng['predictors'], *eng['covariates']])}"
                eng_tidy, _ = fit_logit(ds, formula, alpha)
            out[key] = _row(eng_tidy, f"{name}_bl")
    return {k: {kk: float(vv) for kk, vv in v.items()} for k, v in out.items()}


def replicate_estimates(
    sim_cfg: Mapping[str, Any], measures: Mapping[str, Any], analysis_cfg: Mapping[str, Any], seed: int
) -> dict[str, dict[str, float]]:
    """Headline estimates of one simulated replicate.

    simulate_quantitative(seed) -> :func:`as_deidentified` -> scoring of both
    time points -> :func:`build_dataset` -> :func:`headline_estimates`.

    Parameters
    ----------
    sim_cfg, measures : mapping
        ``config/simulation.yaml`` and ``config/measures.yaml``.
    analysis_cfg : mapping
        The ``analysis`` section of ``config/config.yaml``.
    seed : int
        Master seed of the replicate.

    Returns
    -------
    dict
        Estimand (keys of :data:`HEADLINE`) -> ``{"estimate", "ci_low",
        "ci_high"}`` on the scale of :func:`truth_values`.
    """
    ds = replicate_dataset(sim_cfg, measures, analysis_cfg, seed)
    return headline_estimates(ds, analysis_cfg)


def _replicate_rows(args: tuple) -> list[dict[str, Any]]:
    sim_cfg, measures, analysis_cfg, seed = args
    est = replicate_estimates(sim_cfg, measures, analysis_cfg, seed)
    return [{"seed": int(seed), "estimand": k, **v} for k, v in est.items()]


def replicate_table(
    sim_cfg: Mapping[str, Any],
    measures: Mapping[str, Any],
    analysis_cfg: Mapping[str, Any],
    seeds: Sequence[int],
    processes: int = 1,
) -> pd.DataFrame:
    """Long table of every replicate's estimates (``seed, estimand, estimate, ci_low, ci_high``).

    ``processes > 1`` spreads the replicates over a process pool (spawned
    workers; results are identical to a serial run and come back in seed
    order).
    """
    jobs = [(sim_cfg, measures, analysis_cfg, int(s)) for s in seeds]
    if processes > 1 and len(jobs) > 1:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(processes) as pool:
            parts = pool.map(_replicate_rows, jobs, chunksize=max(1, len(jobs) // (4 * processes)))
    else:
        parts = [_replicate_rows(j) for j in jobs]
    return pd.DataFrame([r for p in parts for r in p])


def summarise(reps: pd.DataFrame, truth: Mapping[str, float]) -> pd.DataFrame:
    """Per-estimand coverage and bias from a :func:`replicate_table`.

    Returns
    -------
    pandas.DataFrame
        One row per estimand: ``estimand, truth, n_replicates`` (with a finite
        estimate and interval), ``n_failed``, ``coverage`` (share of intervals
        holding the truth), ``mean_estimate``, ``bias``, ``relative_bias``
        (bias / |truth|), ``mc_se_mean`` (Monte Carlo SE of the mean),
        ``sd_estimate``, ``mean_ci_width``, ``below`` / ``above`` (share of
        intervals entirely below / above the truth) and, for rate ratios,
        ``mean_log_estimate``, ``log_truth`` and ``log_relative_bias``.
    """
    rows = []
    for key in truth:
        sub = reps[reps["estimand"] == key]
        vals = sub[["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float)
        ok = np.isfinite(vals).all(axis=1)
        est, lo, hi = vals[ok].T
        t = float(truth[key])
        n = int(ok.sum())
        mean = float(est.mean()) if n else math.nan
        row = {
            "estimand": key,
            "truth": t,
            "n_replicates": n,
            "n_failed": int((~ok).sum()),
            "coverage": float(((lo <= t) & (t <= hi)).mean()) if n else math.nan,
            "mean_estimate": mean,
            "bias": mean - t,
            "relative_bias": (mean - t) / abs(t) if t != 0 else math.nan,
            "mc_se_mean": float(est.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan,
            "sd_estimate": float(est.std(ddof=1)) if n > 1 else math.nan,
            "mean_ci_width": float((hi - lo).mean()) if n else math.nan,
            "below": float((hi < t).mean()) if n else math.nan,
            "above": float((lo > t).mean()) if n else math.nan,
            "mean_log_estimate": math.nan,
            "log_truth": math.nan,
            "log_relative_bias": math.nan,
        }
        if HEADLINE.get(key, ("",))[0] in LOG_SCALE_ALSO and n and (est > 0).all() and t > 0:
            mlog = float(np.log(est).mean())
            row.update(mean_log_estimate=mlog, log_truth=math.log(t),
                       log_relative_bias=(mlog - math.log(t)) / abs(math.log(t)))
        rows.append(row)
    return pd.DataFrame(rows)


def calibrate(
    sim_cfg: Mapping[str, Any],
    measures: Mapping[str, Any],
    analysis_cfg: Mapping[str, Any],
    seeds: Sequence[int],
    processes: int = 1,
) -> pd.DataFrame:
    """Coverage and bias of every headline estimator over replicate datasets.

    Parameters
    ----------
    sim_cfg, measures : mapping
        ``config/simulation.yaml`` and ``config/measures.yaml``.
    analysis_cfg : mapping
        The ``analysis`` section of ``config/config.yaml``.
    seeds : sequence of int
        One replicate per seed (distinct seeds give independent replicates).
    processes : int, default 1
        Worker processes (see :func:`replicate_table`).

    Returns
    -------
    pandas.DataFrame
        :func:`summarise` of the replicates: per estimand ``coverage``,
        ``mean_estimate``, ``truth``, ``relative_bias``, ``n_replicates`` and
        diagnostics.
    """
    reps = replicate_table(sim_cfg, measures, analysis_cfg, seeds, processes)
    return summarise(reps, truth_values(sim_cfg))
