"""The participant-level analysis dataset built from the de-identified tables.

Scores, service use, medication choice and engagement are joined on the
pseudonym, one row per participant (rule ``analysis_dataset``).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

SERVICE_COLUMNS = {
    "ae": "ae_attendances",
    "admissions": "psych_admissions",
    "nights": "inpatient_nights",
    "crisis": "crisis_contacts",
    "gp": "gp_contacts",
}
SERVICE_LABELS = {
    "ae": "A&E attendances",
    "admissions": "psychiatric admissions",
    "nights": "inpatient nights",
    "crisis": "crisis team contacts",
    "gp": "GP contacts",
}
OUTCOME_LABELS = {
    "empowerment": "empowerment",
    "confidence": "mental health confidence",
    "quality_of_life": "quality of life",
    "collaboration": "collaboration with the main staff contact",
    "severity": "clinical severity",
    "satisfaction": "satisfaction with the project",
}


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype(float)


def primary_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Wide table of primary scores: ``pid`` x ``<measure>_bl`` / ``<measure>_fu``.

    Parameters
    ----------
    scores : pandas.DataFrame
        Tidy scores from :func:`selfcare.scoring.score.score_measures` (columns
        ``pid, timepoint, measure, score, primary``), all time points.
    """
    prim = scores[scores["primary"].astype(str).str.lower().isin(["true", "1"])].copy()
    prim["col"] = prim["measure"] + np.where(prim["timepoint"] == "baseline", "_bl", "_fu")
    wide = prim.pivot_table(index="pid", columns="col", values="score", aggfunc="first")
    wide.columns.name = None
    return wide.reset_index()


def engagement_flags(attendance: pd.DataFrame, pids: Sequence[str], cfg: Mapping[str, Any]) -> pd.Series:
    """Staying engaged: enough sessions attended inside the configured window.

    Parameters
    ----------
    attendance : pandas.DataFrame
        ``pid, days_session`` (days since baseline).
    pids : sequence of str
        Everyone to classify.
    cfg : mapping
        ``analysis.engagement``: ``window_start``, ``window_end``, ``min_sessions``.
    """
    days = _num(attendance["days_session"])
    inside = attendance[(days >= cfg["window_start"]) & (days <= cfg["window_end"])]
    n = inside.groupby("pid").size()
    return pd.Series([int(n.get(p, 0) >= cfg["min_sessions"]) for p in pids], index=list(pids), dtype=float)


def check_recall_windows(baseline: pd.DataFrame, followup: pd.DataFrame) -> None:
    """Service-use changes compare counts over windows of equal length.

    Raises
    ------
    ValueError
        Naming how many participants' follow-up recall period differs from
        their baseline one (a rate model with exposure offsets would be needed).
    """
    both = baseline[["pid", "recall_months"]].merge(followup[["pid", "recall_months"]], on="pid", suffixes=("_bl", "_fu"))
    differ = _num(both["recall_months_bl"]) != _num(both["recall_months_fu"])
    if differ.any():
        raise ValueError(
            f"column recall_months: {int(differ.sum())} participant(s) have follow-up and baseline service-use "
            "recall periods of different length; the service-use comparison assumes equal windows"
        )


def build_dataset(tables: Mapping[str, pd.DataFrame], scores: pd.DataFrame, cfg: Mapping[str, Any]) -> pd.DataFrame:
    """One row per participant with everything the analyses use.

    Parameters
    ----------
    tables : mapping
        De-identified ``participants``, ``demographics``, ``baseline``,
        ``followup`` and ``attendance``.
    scores : pandas.DataFrame
        Tidy scores of both time points.
    cfg : mapping
        The ``analysis`` section of the configuration.

    Returns
    -------
    pandas.DataFrame
        Columns: ``pid, site``, demographics, ``age``, ``withdrawn``,
        ``followed_up``, derived flags (``unemployed``, ``admitted_bl``,
        ``ae_any_bl``), outcome scores, service use ``<service>_bl/_fu``,
        ``med_bl, med_fu``, ``recall_months`` (the service-use recall period), the ANCOVA exposure (0/1) and ``engaged``
        (missing for withdrawn participants: attendance was not followed).
    """
    part = tables["participants"].copy()
    ds = part[["pid", "site"]].copy()
    ds["age"] = _num(part["age"])
    ds["withdrawn"] = part["withdrawn"].astype(str)
    ds["followed_up"] = np.where(part["days_followup"].notna(), "yes", "no")
    demo = tables["demographics"].copy()
    demo["dependants"] = _num(demo["dependants"])
    ds = ds.merge(demo, on="pid", how="left")
    ds["unemployed"] = np.where(ds["employment_status"] == "unemployed", "yes", "no")
    check_recall_windows(tables["baseline"], tables["followup"])
    for tp, suffix in (("baseline", "bl"), ("followup", "fu")):
        q = tables[tp]
        sub = pd.DataFrame({"pid": q["pid"]})
        for key, col in SERVICE_COLUMNS.items():
            sub[f"{key}_{suffix}"] = _num(q[col])
        sub[f"med_{suffix}"] = q["medication"].astype(object)
        if suffix == "bl":  # equal at both time points (check_recall_windows)
            sub["recall_months"] = _num(q["recall_months"])
        ds = ds.merge(sub, on="pid", how="left")
    ds["admitted_bl"] = np.where(ds["admissions_bl"] > 0, "yes", np.where(ds["admissions_bl"].isna(), None, "no"))
    ds["ae_any_bl"] = np.where(ds["ae_bl"] > 0, "yes", np.where(ds["ae_bl"].isna(), None, "no"))
    ds = ds.merge(primary_scores(scores), on="pid", how="left")
    anc = cfg["ancova"]
    med = ds["med_fu" if anc["exposure_timepoint"] == "followup" else "med_bl"]
    ds[anc["exposure"]] = np.where(med.isna(), np.nan, (med == anc["exposure_level"]).astype(float))
    eng = engagement_flags(tables["attendance"], list(ds["pid"]), cfg["engagement"])
    ds["engaged"] = np.where(ds["withdrawn"] == "yes", np.nan, eng.to_numpy())
    return ds.sort_values("pid").reset_index(drop=True)
