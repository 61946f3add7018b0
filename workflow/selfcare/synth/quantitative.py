"""The quantitative study in memory: questionnaire items from target scores,
service-use counts, engagement, and the true parameters the analysis should
recover (:func:`simulate_quantitative`, :func:`true_parameters`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from selfcare.synth.facts import (
    OUTCOMES,
    child_rng,
    constraint,
    exact_flags,
    site_codes,
    vectorised,
)
from selfcare.synth.people import people as _people

# ---------------------------------------------------------------------------
# Questionnaire items from scores
# ---------------------------------------------------------------------------


def items_from_target(
    rng: np.random.Generator, target_item_mean: np.ndarray, k: int, lo: int, hi: int
) -> np.ndarray:
    """Integer item responses whose expected mean equals the target.

    Each respondent's target item mean (on the scored, not reversed, scale) is
    spread over ``k`` items with small fixed item offsets (summing to zero) and
    stochastic rounding, so the expected score equals the target while items
    vary as real responses do.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, k)``, values in ``[lo, hi]``.
    """
    offsets = np.linspace(-0.25, 0.25, k)
    offsets = offsets[rng.permutation(k)]
    t = np.clip(target_item_mean[:, None] + offsets[None, :], lo, hi)
    floor = np.floor(t)
    frac = t - floor
    items = floor + (rng.random(t.shape) < frac)
    return np.clip(items, lo, hi).astype(int)


def measure_score(items: np.ndarray, method: str) -> np.ndarray:
    """Score complete (already reverse-keyed) items as a sum or a mean."""
    return items.sum(axis=1) if method == "sum" else items.mean(axis=1)


def reverse_columns(items: np.ndarray, codes: list[str], reverse: list[str], lo: int, hi: int) -> np.ndarray:
    """Turn scored responses into the printed codes of reverse-keyed items."""
    out = items.copy()
    for j, code in enumerate(codes):
        if code in reverse:
            out[:, j] = lo + hi - out[:, j]
    return out


@dataclass
class ScaleSpec:
    """The part of a measure the simulator needs."""

    items: list[str]
    lo: int
    hi: int
    method: str
    reverse: list[str]

    @property
    def k(self) -> int:
        return len(self.items)

    def to_item_mean(self, score: np.ndarray) -> np.ndarray:
        return score / self.k if self.method == "sum" else score

    def clip_score(self, score: np.ndarray) -> np.ndarray:
        f = self.k if self.method == "sum" else 1
        return np.clip(score, self.lo * f + 0.05 * f, self.hi * f - 0.05 * f)


def outcome_scale(measures: Mapping[str, Any], name: str) -> ScaleSpec:
    """The scale whose score is the study outcome of a measure (its primary)."""
    m = measures["measures"][name]
    if m.get("primary"):
        sub = m["subscales"][m["primary"]]
        return ScaleSpec(list(sub["items"]), m["response_min"], m["response_max"], sub["method"],
                         [i for i in m.get("reverse", []) if i in sub["items"]])
    return ScaleSpec(list(m["items"]), m["response_min"], m["response_max"], m["method"], list(m.get("reverse", [])))


def simulate_measure_items(
    rng: np.random.Generator, measures: Mapping[str, Any], name: str, target_score: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Item responses (printed codes) for one measure, and the outcome score.

    For a measure with a primary subscale, the other items follow the same
    person-level level, so that the scale's reliability is realistic.

    Returns
    -------
    items : pandas.DataFrame
        One column per item code, printed codes (reverse-keyed items stored
        as printed).
    score : numpy.ndarray
        The complete-data outcome score (sum or mean of scored items).
    """
    m = measures["measures"][name]
    outcome = outcome_scale(measures, name)
    item_mean = outcome.to_item_mean(outcome.clip_score(target_score))
    codes = list(m["items"])
    scored = items_from_target(rng, item_mean, len(codes), m["response_min"], m["response_max"])
    idx = [codes.index(c) for c in outcome.items]
    score = measure_score(scored[:, idx], outcome.method)
    printed = reverse_columns(scored, codes, list(m.get("reverse", [])), m["response_min"], m["response_max"])
    return pd.DataFrame(printed, columns=codes), score


def add_missing_items(
    rng: np.random.Generator, frame: pd.DataFrame, codes: list[str], item_rate: float, block_rate: float
) -> pd.DataFrame:
    """Blank some items: scattered single items, and occasionally most of a measure."""
    out = frame.astype("Float64")
    mask = rng.random((len(out), len(codes))) < item_rate
    block = rng.random(len(out)) < block_rate
    for r in np.flatnonzero(block):
        share = rng.uniform(0.25, 0.6)
        mask[r, rng.random(len(codes)) < share] = True
    vals = out[codes].to_numpy(dtype=float, na_value=np.nan)
    vals[mask] = np.nan
    out[codes] = pd.DataFrame(vals, columns=codes, index=out.index).astype("Float64")
    return out


# ---------------------------------------------------------------------------
# Counts
# ---------------------------------------------------------------------------


def negbin(rng: np.random.Generator, mean: np.ndarray | float, dispersion: float, size: int | None = None) -> np.ndarray:
    """Negative-binomial counts with the given mean and shape (gamma-Poisson)."""
    mean = np.broadcast_to(np.asarray(mean, dtype=float), (size,) if size else np.shape(mean))
    lam = rng.gamma(dispersion, np.asarray(mean) / dispersion)
    return rng.poisson(lam)


def counts_with_exact_users(
    rng: np.random.Generator, n: int, k_users: int, mean_if_any: float, dispersion: float
) -> np.ndarray:
    """Counts where exactly ``k_users`` people have one or more."""
    counts = np.zeros(n, dtype=int)
    users = exact_flags(rng, k_users, n)
    counts[users] = 1 + negbin(rng, max(mean_if_any - 1.0, 1e-9), dispersion, size=int(k_users))
    return counts


def followup_counts(rng: np.random.Generator, baseline: np.ndarray, rate_ratio: float, weight: float) -> np.ndarray:
    """Follow-up counts: Poisson around rate_ratio x (own and site baseline mix).

    The expected follow-up total equals ``rate_ratio`` times the baseline total,
    so the true rate ratio of the site is exactly ``rate_ratio``.
    """
    mu = rate_ratio * (weight * baseline + (1 - weight) * baseline.mean())
    return rng.poisson(mu)


# ---------------------------------------------------------------------------
# The quantitative study
# ---------------------------------------------------------------------------


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class _Flow:
    """Study flow of everyone (days from the start of recruitment)."""

    baseline_day: np.ndarray
    withdrawal_day: np.ndarray
    withdrawn: np.ndarray
    followed: np.ndarray


def _study_flow(cfg: Mapping[str, Any], seed: int, people: pd.DataFrame) -> _Flow:
    """Referral, baseline and follow-up dates, withdrawal and loss to follow-up.

    Adds the date and status columns to ``people`` (in place).
    """
    n_all = len(people)
    rng_flow = child_rng(seed, "flow")
    rec = cfg["recruitment"]
    baseline_day = np.sort(rng_flow.integers(0, int(rec["days"]), size=n_all))
    baseline_day = baseline_day[rng_flow.permutation(n_all)]
    lag_lo, lag_hi = cfg["referral_lag_days"]
    referral_day = baseline_day - rng_flow.integers(lag_lo, lag_hi + 1, size=n_all)
    u = rng_flow.random(n_all)
    withdrawn = u < cfg["withdrawal_rate"]
    loss = cfg["loss_to_followup_rate"]  # one rate, or a rate per site
    if isinstance(loss, Mapping):
        loss = people["site"].map({str(k): float(v) for k, v in loss.items()}).to_numpy(dtype=float)
    lost = (~withdrawn) & (u < cfg["withdrawal_rate"] + loss)
    fdays = cfg["followup_days"]
    followup_day = baseline_day + fdays["target"] + rng_flow.integers(-fdays["early"], fdays["late"] + 1, size=n_all)
    withdrawal_day = baseline_day + rng_flow.integers(20, 240, size=n_all)
    people["referral_day"] = referral_day
    people["baseline_day"] = baseline_day
    people["followup_day"] = np.where(withdrawn | lost, np.nan, followup_day)
    people["withdrawn"] = np.where(withdrawn, "yes", "no")
    people["withdrawal_day"] = np.where(withdrawn, withdrawal_day, np.nan)
    people["consent_quotes"] = np.where(rng_flow.random(n_all) < cfg["consent_quotes_rate"], "yes", "no")
    return _Flow(baseline_day, withdrawal_day, withdrawn, ~(withdrawn | lost))


def _medication(cfg: Mapping[str, Any], seed: int, n_all: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Medication status at baseline and follow-up.

    Returns
    -------
    med_bl, med_fu : numpy.ndarray
        Status categories at each time point.
    p_choice : float
        Configured share of ``as_prescribed_by_choice`` (the centre of the
        medication effect).
    """
    rng_med = child_rng(seed, "medication")
    med = cfg["medication"]
    cats = list(med["shares"])
    p = np.array([med["shares"][c] for c in cats], dtype=float)
    p = p / p.sum()
    med_bl = rng_med.choice(cats, size=n_all, p=p)
    keep = rng_med.random(n_all) < med["persistence"]
    med_fu = np.where(keep, med_bl, rng_med.choice(cats, size=n_all, p=p))
    return med_bl, med_fu, float(p[cats.index("as_prescribed_by_choice")])


def _outcomes(
    cfg: Mapping[str, Any],
    measures: Mapping[str, Any],
    seed: int,
    people: pd.DataFrame,
    med_choice: np.ndarray,
    p_choice: float,
) -> tuple[list[pd.DataFrame], list[pd.DataFrame], pd.DataFrame]:
    """Outcome items at baseline and follow-up, and satisfaction at follow-up.

    Returns
    -------
    bl_items, fu_items : list of pandas.DataFrame
        Item responses per measure (satisfaction last, follow-up only).
    latent : pandas.DataFrame
        ``study_id``, ``site`` and the complete-data scores.
    """
    n_all = len(people)
    rng_out = child_rng(seed, "outcomes")
    site_arr = people["site"].to_numpy()
    bl_items: list[pd.DataFrame] = []
    fu_items: list[pd.DataFrame] = []
    latent = pd.DataFrame({"study_id": people["study_id"], "site": site_arr})
    for name in OUTCOMES:
        oc = cfg["outcomes"][name]
        mean = np.array([oc["baseline"][s][0] for s in site_arr], dtype=float)
        sd = np.array([oc["baseline"][s][1] for s in site_arr], dtype=float)
        change = np.array([oc["change"][s] for s in site_arr], dtype=float)
        bl_target = mean + sd * rng_out.standard_normal(n_all)
        items_bl, score_bl = simulate_measure_items(rng_out, measures, name, bl_target)
        fu_target = (
            mean
            + change
            + oc["slope"] * (score_bl - mean)
            + oc["medication_effect"] * (med_choice - p_choice)
            + oc["resid_sd"] * rng_out.standard_normal(n_all)
        )
        items_fu, score_fu = simulate_measure_items(rng_out, measures, name, fu_target)
        bl_items.append(items_bl)
        fu_items.append(items_fu)
        latent[f"{name}_bl"] = score_bl
        latent[f"{name}_fu"] = score_fu
    sat = cfg["satisfaction"]
    sat_target = (
        sat["intercept"]
        + sat["slope"] * (latent["severity_bl"].to_numpy() - sat["severity_centre"])
        + sat["resid_sd"] * rng_out.standard_normal(n_all)
    )
    sat_items, sat_score = simulate_measure_items(rng_out, measures, "satisfaction", sat_target)
    fu_items.append(sat_items)
    latent["satisfaction_fu"] = sat_score
    return bl_items, fu_items, latent


def _engagement(
    cfg: Mapping[str, Any], seed: int, people: pd.DataFrame, latent: pd.DataFrame, flow: _Flow
) -> tuple[np.ndarray, pd.DataFrame]:
    """True engagement from baseline scores, and the sessions attended.

    Returns
    -------
    engaged : numpy.ndarray
        Boolean, one per person.
    attendance : pandas.DataFrame
        ``study_id`` and ``day`` of each attended session.
    """
    rng_eng = child_rng(seed, "engagement")
    eng = cfg["engagement"]
    lin = (
        eng["intercept"]
        + eng["quality_of_life"]["log_or"] * (latent["quality_of_life_bl"] - eng["quality_of_life"]["centre"])
        + eng["collaboration"]["log_or"] * (latent["collaboration_bl"] - eng["collaboration"]["centre"])
    )
    engaged = rng_eng.random(len(people)) < _expit(lin.to_numpy())
    site_arr = people["site"].to_numpy()
    if vectorised(cfg):
        return engaged, _attendance_vectorised(rng_eng, eng, people, engaged, flow)
    att_rows = []
    d_lo, d_hi = eng["dropout_day"]
    for i in range(len(people)):
        s = eng["sessions"][site_arr[i]]
        first = int(rng_eng.integers(0, s["every_days"]))
        last = 300 if engaged[i] else int(rng_eng.integers(d_lo, d_hi + 1))
        if flow.withdrawn[i]:
            last = min(last, int(flow.withdrawal_day[i] - flow.baseline_day[i]))
        days = np.arange(first, last + 1, s["every_days"])
        attended = days[rng_eng.random(len(days)) < s["attend_prob"]]
        if len(attended) == 0 and len(days):
            attended = days[:1]
        for d in attended:
            att_rows.append((people["study_id"].iat[i], int(flow.baseline_day[i] + d)))
    return engaged, pd.DataFrame(att_rows, columns=["study_id", "day"])


def _attendance_vectorised(
    rng: np.random.Generator, eng: Mapping[str, Any], people: pd.DataFrame, engaged: np.ndarray, flow: _Flow
) -> pd.DataFrame:
    """The sessions attended, drawn in whole arrays (``draws: vectorised``).

    The same model as the per-person draw of :func:`_engagement`: sessions
    every ``every_days`` from a random first day up to day 300 (engaged) or a
    drop-out day (not engaged), never after withdrawal, each attended with
    ``attend_prob``; someone offered sessions attends at least the first.
    """
    sites = people["site"].to_numpy()
    every = np.array([eng["sessions"][s]["every_days"] for s in sites], dtype=np.int64)
    prob = np.array([eng["sessions"][s]["attend_prob"] for s in sites], dtype=float)
    n = len(people)
    first = np.floor(rng.random(n) * every).astype(np.int64)
    d_lo, d_hi = eng["dropout_day"]
    last = np.where(engaged, 300, rng.integers(d_lo, d_hi + 1, size=n))
    stop = np.where(flow.withdrawn, flow.withdrawal_day - flow.baseline_day, np.inf)
    last = np.minimum(last, stop).astype(np.int64)
    count = np.where(last >= first, (last - first) // every + 1, 0)
    person = np.repeat(np.arange(n), count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    day = first[person] + offset * every[person]
    keep = rng.random(len(person)) < prob[person]
    attended_any = np.bincount(person[keep], minlength=n) > 0
    keep |= (offset == 0) & ~attended_any[person]
    rows = np.flatnonzero(keep)
    return pd.DataFrame(
        {"study_id": people["study_id"].to_numpy()[person[rows]], "day": flow.baseline_day[person[rows]] + day[rows]}
    )


def _users(rng: np.random.Generator, cfg: Mapping[str, Any], site: str, n: int) -> Any:
    """Number of service users at baseline: the site's count, or drawn from its share."""
    sc = cfg["sites"][site]
    basis = int(sc.get("counts_basis", sc["n"]))

    def users(key: str) -> int:
        if constraint(cfg, "exact_counts"):
            return int(sc[key])
        return int(rng.binomial(n, min(1.0, int(sc[key]) / basis)))

    return users


def _nights(rng: np.random.Generator, admissions: np.ndarray, per: float, whole_arrays: bool) -> np.ndarray:
    """Inpatient nights: a geometric stay (mean ``per``) for each admission."""
    if not whole_arrays:
        return np.array([rng.geometric(1 / per, size=c).sum() if c else 0 for c in admissions])
    # a sum of c geometric stays is c plus a negative binomial with c successes
    extra = rng.negative_binomial(np.maximum(admissions, 1), 1 / per)
    return np.where(admissions > 0, admissions + extra, 0)


def _service_use(cfg: Mapping[str, Any], seed: int, site_arr: np.ndarray) -> dict[str, np.ndarray]:
    """Service-use counts at baseline (column 0) and follow-up (column 1).

    Keys ``ae``, ``admissions``, ``nights``, ``crisis`` and ``gp``; exactly the
    published number of people at each site used A&E or were admitted.
    """
    rng_su = child_rng(seed, "service_use")
    su = cfg["service_use"]
    w = su["carry_over_weight"]
    use = {k: np.zeros((len(site_arr), 2), dtype=int) for k in ("ae", "admissions", "nights", "crisis", "gp")}
    for site in site_codes(cfg):
        idx = np.flatnonzero(site_arr == site)
        n = len(idx)
        users = _users(rng_su, cfg, site, n)
        ae_bl = counts_with_exact_users(rng_su, n, users("ae_baseline"), su["ae"]["mean_if_any"][site], su["ae"]["dispersion"])
        ad_bl = counts_with_exact_users(
            rng_su, n, users("admitted_baseline"), su["admissions"]["mean_if_any"][site], su["admissions"]["dispersion"]
        )
        ae_fu = followup_counts(rng_su, ae_bl, su["ae"]["rate_ratio"][site], w)
        ad_fu = followup_counts(rng_su, ad_bl, su["admissions"]["rate_ratio"][site], w)
        per = su["nights_per_admission"]
        nights_bl = _nights(rng_su, ad_bl, per, vectorised(cfg))
        nights_fu = _nights(rng_su, ad_fu, per, vectorised(cfg))
        cr_bl = negbin(rng_su, su["crisis"]["mean"][site], su["crisis"]["dispersion"], size=n)
        gp_bl = negbin(rng_su, su["gp"]["mean"][site], su["gp"]["dispersion"], size=n)
        cr_fu = followup_counts(rng_su, cr_bl, su["crisis"]["rate_ratio"][site], w)
        gp_fu = followup_counts(rng_su, gp_bl, su["gp"]["rate_ratio"][site], w)
        for key, (b, f) in {
            "ae": (ae_bl, ae_fu),
            "admissions": (ad_bl, ad_fu),
            "nights": (np.minimum(nights_bl, 270), np.minimum(nights_fu, 270)),
            "crisis": (cr_bl, cr_fu),
            "gp": (gp_bl, gp_fu),
        }.items():
            use[key][idx, 0] = b
            use[key][idx, 1] = f
    return use


def _questionnaire(
    rng: np.random.Generator,
    cfg: Mapping[str, Any],
    item_frames: list[pd.DataFrame],
    study_ids: pd.Series,
    use: Mapping[str, np.ndarray],
    col: int,
    med_status: np.ndarray,
    interview_day: np.ndarray,
) -> pd.DataFrame:
    """One time point's questionnaire, with planted gaps in the items.

    Interview day, medication, service use (column ``col`` of ``use``: 0
    baseline, 1 follow-up) and the item responses of ``item_frames``.
    """
    parts = []
    for fr in item_frames:
        parts.append(add_missing_items(rng, fr, list(fr.columns), cfg["item_missing_rate"], cfg["block_missing_rate"]))
    items = pd.concat(parts, axis=1)
    q = pd.DataFrame(
        {
            "study_id": study_ids,
            "interview_day": interview_day,
            "medication": med_status,
            "ae_attendances": use["ae"][:, col],
            "psych_admissions": use["admissions"][:, col],
            "inpatient_nights": use["nights"][:, col],
            "crisis_contacts": use["crisis"][:, col],
            "gp_contacts": use["gp"][:, col],
            "recall_months": 9,
        }
    )
    return pd.concat([q, items], axis=1)


def _screening(cfg: Mapping[str, Any], site_arr: np.ndarray) -> pd.DataFrame:
    """Referred, ineligible and declined counts per site.

    The configured counts are scaled by ``n / counts_basis`` when a site's
    size differs from the size its counts describe.
    """

    def screened(site: str, key: str) -> int:
        sc = cfg["sites"][site]
        count = int(cfg["screening"][site][key])
        basis = int(sc.get("counts_basis", sc["n"]))
        return count if basis == int(sc["n"]) else int(round(count * int(sc["n"]) / basis))

    return pd.DataFrame(
        [
            {
                "site": s,
                "referred": int((site_arr == s).sum() + screened(s, "ineligible") + screened(s, "declined")),
                "ineligible": screened(s, "ineligible"),
                "declined": screened(s, "declined"),
            }
            for s in site_codes(cfg)
        ]
    )


def simulate_quantitative(
    cfg: Mapping[str, Any], measures: Mapping[str, Any], seed: int | None = None
) -> dict[str, pd.DataFrame]:
    """Simulate the quantitative tables (no identifiers, no transcripts).

    Parameters
    ----------
    cfg : mapping
        ``config/simulation.yaml``.
    measures : mapping
        ``config/measures.yaml``.
    seed : int, optional
        Overrides ``cfg["seed"]`` (the calibration test draws many replicates).

    Returns
    -------
    dict of pandas.DataFrame
        ``people`` (study_id, site, dates as day offsets, status, age,
        demographics), ``baseline`` and ``followup`` (item level, medication,
        service use), ``attendance`` (study_id, day), ``screening``, and
        ``latent`` (complete-data scores and the true engagement flag).
    """
    seed = int(cfg["seed"] if seed is None else seed)
    people = _people(cfg, seed)
    n_all = len(people)
    flow = _study_flow(cfg, seed, people)
    med_bl, med_fu, p_choice = _medication(cfg, seed, n_all)
    med_choice = (med_fu == "as_prescribed_by_choice").astype(float)
    bl_items, fu_items, latent = _outcomes(cfg, measures, seed, people, med_choice, p_choice)
    engaged, attendance = _engagement(cfg, seed, people, latent, flow)
    latent["engaged"] = engaged.astype(int)
    latent["med_choice"] = med_choice.astype(int)
    site_arr = people["site"].to_numpy()
    use = _service_use(cfg, seed, site_arr)

    rng_miss = child_rng(seed, "missing_items")
    baseline = _questionnaire(rng_miss, cfg, bl_items, people["study_id"], use, 0, med_bl, flow.baseline_day)
    followup = _questionnaire(
        rng_miss, cfg, fu_items, people["study_id"], use, 1, med_fu, people["followup_day"].to_numpy()
    )
    followup = followup[flow.followed].reset_index(drop=True)
    latent["followed_up"] = flow.followed.astype(int)
    latent["withdrawn"] = flow.withdrawn.astype(int)
    return {
        "people": people,
        "baseline": baseline,
        "followup": followup,
        "attendance": attendance,
        "screening": _screening(cfg, site_arr),
        "latent": latent,
    }


def true_parameters(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """The simulator's true values of every headline estimand.

    Keys mirror the analysis outputs: per-site mean change of each outcome,
    per-site rate ratios of service use, the ANCOVA effect of choosing to take
    medication as prescribed, the satisfaction slope and the engagement log
    odds ratios.
    """
    truth: dict[str, Any] = {"change": {}, "rate_ratio": {}, "ancova_medication": {}}
    for name in OUTCOMES:
        oc = cfg["outcomes"][name]
        truth["change"][name] = {s: float(oc["change"][s]) for s in site_codes(cfg)}
        truth["ancova_medication"][name] = float(oc["medication_effect"])
    for key in ("ae", "admissions", "crisis", "gp"):
        truth["rate_ratio"][key] = {s: float(cfg["service_use"][key]["rate_ratio"][s]) for s in site_codes(cfg)}
    truth["satisfaction_severity_slope"] = float(cfg["satisfaction"]["slope"])
    truth["engagement_log_or"] = {
        "quality_of_life": float(cfg["engagement"]["quality_of_life"]["log_or"]),
        "collaboration": float(cfg["engagement"]["collaboration"]["log_or"]),
    }
    return truth
