"""Tables of the quantitative results: Table 1, participant flow, change by
site, service use, the models and reliability.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import pandas as pd

from selfcare.report import formatting as F
from selfcare.report.tables.markdown import (
    MEASURE_LABELS,
    OUTCOME_LABELS,
    SERVICE_LABELS,
    TABLE1_LEVEL_LABELS,
    TABLE1_SINGLE_LEVEL,
    TABLE1_VARIABLE_LABELS,
    _cfg,
    _float,
    _humanise,
    _missing,
    _p_text,
    _site_order,
    pipe_table,
)

#: Confidence level of the headers when the caller gives none (alpha 0.05); the
#: workflow passes the level of its configured alpha.
LEVEL = F.confidence_pct(0.05, None)


def _outcome(key: Any, labels: Mapping[str, str] | None) -> str:
    """Name of an outcome: ``labels`` (config/measures.yaml ``outcome``), else the defaults."""
    return {**OUTCOME_LABELS, **(labels or {})}.get(str(key), _humanise(key))

__all__ = [
    "table1_md",
    "flow_md",
    "change_md",
    "service_use_md",
    "models_md",
    "sensitivity_md",
    "reliability_md",
]

# --------------------------------------------------------------------------
# not estimable
# --------------------------------------------------------------------------


def _why(r: Mapping[str, Any]) -> str:
    """The reason a result row failed its estimability check, or ""."""
    v = r.get("not_estimable")
    return "" if _missing(v) else str(v)


def _est_cell(r: Mapping[str, Any], text: str) -> str:
    """``text``, or "not estimable (reason)" when the row failed its check."""
    why = _why(r)
    return f"not estimable ({why})" if why else text


def _note(r: Mapping[str, Any]) -> str:
    """The row's note; a missing interval or p is always explained. A row that
    is not estimable reports no method, so the notes about which method's
    interval and p are reported do not apply to it and are left out."""
    if _why(r):
        return f"not estimable: {_why(r)}; no interval or p-value reported"
    return "" if _missing(r.get("note")) else str(r["note"])


def _has_notes(df: pd.DataFrame) -> bool:
    return any(_note(r) for _, r in df.iterrows())


# --------------------------------------------------------------------------
# Table 1
# --------------------------------------------------------------------------


def table1_md(
    table1_df: pd.DataFrame,
    site_n: Mapping[str, Any] | None = None,
    fcfg: Mapping[str, Any] | None = None,
    single_levels: Mapping[str, str] | None = None, *, caption: str) -> str:
    """Table 1: baseline characteristics by site.

    Parameters
    ----------
    caption : str
        The table's caption, from ``manuscript/tables.yaml``.
    table1_df : pandas.DataFrame
        ``results/analysis/table1.csv``: ``variable, label, row``, one text
        column per site, ``test``.
    site_n : mapping, optional
        Site -> number recruited, shown in the header ("LO (n = 38)").
    fcfg : mapping, optional
        Formatting configuration (for the header counts).
    single_levels : mapping, optional
        Variable -> level counted when a variable is shown as one row
        (default: gender -> female, others -> yes).
    """
    cfg = _cfg(fcfg)
    need = ["variable", "row", "test"]
    for col in need:
        if col not in table1_df.columns:
            raise ValueError(f"table1 frame has no column '{col}'")
    fixed = {"variable", "label", "row", "test"}
    sites = [c for c in table1_df.columns if c not in fixed]
    singles = dict(TABLE1_SINGLE_LEVEL)
    singles.update(single_levels or {})
    rows = []
    previous = None
    for _, r in table1_df.iterrows():
        variable = str(r["variable"])
        first = variable != previous
        previous = variable
        name = TABLE1_VARIABLE_LABELS.get(variable, _humanise(r.get("label", variable)))
        row_label = str(r["row"])
        if row_label in (variable, str(r.get("label", ""))):
            category = TABLE1_LEVEL_LABELS.get(singles.get(variable, "yes"), _humanise(singles.get(variable, "yes")))
        else:
            category = TABLE1_LEVEL_LABELS.get(row_label, row_label)
        out = {"Characteristic": name if first else "", "Category": category}
        for s in sites:
            out[s] = "" if _missing(r[s]) else str(r[s])
        out["Test across sites"] = "" if _missing(r["test"]) else str(r["test"])
        rows.append(out)
    df = pd.DataFrame(rows, columns=["Characteristic", "Category", *sites, "Test across sites"])
    if site_n:
        df = df.rename(columns={s: f"{s} (n = {F.fmt_int(site_n[s], cfg)})" for s in sites if s in site_n})
    return pipe_table(df, caption, "table1", widths=[2.6, 2.2, *[1.3] * len(sites), 2.4])


# --------------------------------------------------------------------------
# participant flow
# --------------------------------------------------------------------------

_FLOW_ROWS = [
    ("referred", "Referred"),
    ("ineligible", "Not eligible"),
    ("declined", "Declined"),
    ("recruited", "Recruited (baseline)"),
    ("withdrawn", "Withdrew"),
    ("lost_to_followup", "Lost to follow-up"),
    ("followed_up", "Followed up"),
    ("unaccounted_referrals", "Referrals not accounted for"),
]


def flow_md(
    flow_df: pd.DataFrame, fcfg: Mapping[str, Any] | None = None, *, caption: str,
    outcome_labels: Mapping[str, str] | None = None, sites: Sequence[str] | None = None,
) -> str:
    """Participant flow by site, with the numbers analysed per outcome.

    Parameters
    ----------
    caption : str
        The table's caption, from ``manuscript/tables.yaml``.
    flow_df : pandas.DataFrame
        ``results/analysis/flow.csv`` (one row per site).
    fcfg : mapping, optional
        Formatting configuration.
    sites : sequence of str, optional
        The configured sites, in order (default: the rows' order).
    """
    cfg = _cfg(fcfg)
    if "site" not in flow_df.columns:
        raise ValueError("flow frame has no column 'site'")
    frame = flow_df.set_index(flow_df["site"].astype(str))
    sites = _site_order(frame.index, sites)
    stages = [(c, lab) for c, lab in _FLOW_ROWS if c in frame.columns]
    outcomes = [c[len("analysed_"):] for c in frame.columns if c.startswith("analysed_")]
    for o in outcomes:
        label = _outcome(o, outcome_labels)
        stages.append((f"analysed_{o}", f"Analysed, {label.lower()} (both scores)"))
        if f"excluded_{o}_score_missing" in frame.columns:
            stages.append((f"excluded_{o}_score_missing", f"Followed up, {label.lower()} score missing"))
    rows = []
    for col, label in stages:
        row = {"Stage": label}
        total = 0
        for s in sites:
            v = frame.loc[s, col]
            row[s] = F.fmt_int(v, cfg)
            total += 0 if F.is_missing(v) else int(v)
        row["All sites"] = F.fmt_int(total, cfg)
        rows.append(row)
    df = pd.DataFrame(rows, columns=["Stage", *sites, "All sites"])
    return pipe_table(df, caption, "flow", widths=[4.5, *[1] * len(sites), 1.2])


# --------------------------------------------------------------------------
# change by site
# --------------------------------------------------------------------------


def change_md(
    change_df: pd.DataFrame,
    fcfg: Mapping[str, Any] | None,
    decimals: Mapping[str, int] | None = None, *, caption: str,
    outcome_labels: Mapping[str, str] | None = None, level: str = LEVEL, sites: Sequence[str] | None = None) -> str:
    """Within-site change from baseline to nine months (paired t-test, Wilcoxon).

    Parameters
    ----------
    caption : str
        The table's caption, from ``manuscript/tables.yaml``.
    change_df : pandas.DataFrame
        ``results/analysis/change.csv``.
    fcfg : mapping or None
        Formatting configuration.
    decimals : mapping, optional
        Outcome -> decimal places (default 1).
    sites : sequence of str, optional
        The configured sites, in order (default: the rows' order).
    """
    cfg = _cfg(fcfg)
    dec = dict(decimals or {})
    sites = _site_order(change_df["site"], sites)
    has_note = _has_notes(change_df)
    rows = []
    for s in sites:
        part = change_df[change_df["site"].astype(str) == s]
        for _, r in part.iterrows():
            d = dec.get(str(r["outcome"]), 1)
            row = {
                "Site": s,
                "Outcome": _outcome(r["outcome"], outcome_labels),
                "n": F.fmt_int(r["n"], cfg),
                "Baseline mean": F.fmt_num(_float(r["mean_pre"]), d, cfg),
                "Follow-up mean": F.fmt_num(_float(r["mean_post"]), d, cfg),
                f"Mean change ({level} CI)": _est_cell(r, F.fmt_est_ci(
                    _float(r["mean_change"]), _float(r["ci_low"]), _float(r["ci_high"]), d, cfg, level=None, signed=True
                )),
                "p (paired t)": _p_text(r["p_value"], cfg),
                "p (Wilcoxon)": _p_text(r.get("wilcoxon_p"), cfg),
                "Cohen's dz": F.fmt_num(_float(r.get("cohen_dz")), 2, cfg),
            }
            if has_note:
                row["Note"] = _note(r)
            rows.append(row)
    columns = ["Site", "Outcome", "n", "Baseline mean", "Follow-up mean", f"Mean change ({level} CI)",
               "p (paired t)", "p (Wilcoxon)", "Cohen's dz"] + (["Note"] if has_note else [])
    widths = [0.7, 2.4, 0.6, 1.1, 1.1, 2.2, 1.3, 1.4, 1.1] + ([2] if has_note else [])
    return pipe_table(pd.DataFrame(rows, columns=columns), caption, "change", widths=widths)


# --------------------------------------------------------------------------
# service use
# --------------------------------------------------------------------------


def _concat(frames: Any) -> pd.DataFrame:
    """One frame from a frame, a sequence of frames or a mapping of frames."""
    if isinstance(frames, pd.DataFrame):
        return frames
    if isinstance(frames, Mapping):
        frames = list(frames.values())
    frames = [f for f in frames if f is not None and len(f.columns)]
    if not frames:
        raise ValueError("no service-use frames given")
    return pd.concat(frames, ignore_index=True)


_HEADLINE_LABEL = {"gee": "GEE", "exact": "exact (sparse)", "signed_rank": "signed-rank (sparse)", "none": "not estimable"}


def _second_p(r: Mapping[str, Any]) -> tuple[Any, str]:
    """The p-value of the method not reported as the headline, and its name."""
    headline = str(r.get("headline", "gee"))
    if headline == "none" or not _missing(r.get("not_estimable")):
        return None, ""  # nothing estimated: no second p either
    kind = str(r.get("kind", "events"))
    if headline == "gee":
        return (r.get("exact_p_value"), "exact") if kind == "events" else (r.get("signed_rank_p_value"), "signed-rank")
    return r.get("gee_p_value"), "GEE"


def service_use_md(
    frames: Any, fcfg: Mapping[str, Any] | None, *, caption: str, level: str = LEVEL, sites: Sequence[str] | None = None
) -> str:
    """Service use in the nine months before baseline and before follow-up.

    Parameters
    ----------
    caption : str
        The table's caption, from ``manuscript/tables.yaml``.
    frames : DataFrame, sequence or mapping of DataFrames
        ``results/analysis/service_use_<site>.csv`` (one per site).
    fcfg : mapping or None
        Formatting configuration.
    sites : sequence of str, optional
        The configured sites, in order (default: the rows' order).
    """
    cfg = _cfg(fcfg)
    df = _concat(frames)
    sites = _site_order(df["site"], sites)
    has_note = _has_notes(df)
    rows = []
    for s in sites:
        for _, r in df[df["site"].astype(str) == s].iterrows():
            p2, p2_name = _second_p(r)
            row = {
                "Site": s,
                "Service": SERVICE_LABELS.get(str(r["service"]), _humanise(r["service"])),
                "n": F.fmt_int(r["n_persons"], cfg),
                "Total before": F.fmt_int(r["total_pre"], cfg),
                "Total after": F.fmt_int(r["total_post"], cfg),
                f"Rate ratio ({level} CI)": _est_cell(r, F.fmt_est_ci(
                    _float(r["rate_ratio"]), _float(r["rr_ci_low"]), _float(r["rr_ci_high"]), 2, cfg, level=None
                )),
                f"Reduction, % ({level} CI)": _est_cell(r, F.fmt_est_ci(
                    _float(r["pct_reduction"]), _float(r["pct_reduction_ci_low"]),
                    _float(r["pct_reduction_ci_high"]), 0, cfg, level=None,
                )),
                "Method": _HEADLINE_LABEL.get(str(r.get("headline", "gee")), str(r.get("headline"))),
                "p": _p_text(r["p_value"], cfg),
                "Second p": "" if _missing(p2) else f"{_p_text(p2, cfg)} ({p2_name})",
            }
            if has_note:
                row["Note"] = _note(r)
            rows.append(row)
    columns = ["Site", "Service", "n", "Total before", "Total after", f"Rate ratio ({level} CI)",
               f"Reduction, % ({level} CI)", "Method", "p", "Second p"] + (["Note"] if has_note else [])
    widths = [0.6, 1.8, 0.5, 0.8, 0.8, 1.9, 1.9, 1.1, 0.8, 1.3] + ([2] if has_note else [])
    return pipe_table(pd.DataFrame(rows, columns=columns), caption, "service_use", widths=widths)


# --------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------

_SITE_TERM = re.compile(r"^C\(site\)\[T\.(?P<level>[^\]]+)\]$")


def _term_label(term: str, exposure_label: str, labels: Mapping[str, str] | None = None) -> str:
    """Readable name of a model term (baseline scores named after their outcome in ``labels``)."""
    m = _SITE_TERM.match(term)
    if m:
        return f"Site {m.group('level')} (vs reference site)"
    if term == "med_choice":
        return exposure_label
    if term.endswith("_bl"):
        base = term[: -len("_bl")]
        return f"Baseline {_outcome(base, labels).lower()}"
    return _humanise(term)


def _term_order(term: str) -> int:
    """Exposure first, baseline terms next, site contrasts last (stable within)."""
    if term == "med_choice":
        return 0
    if _SITE_TERM.match(term):
        return 3
    if term.endswith("_bl"):
        return 1
    return 2


def models_md(
    ancova: pd.DataFrame,
    satisfaction: pd.DataFrame,
    engagement: pd.DataFrame,
    fcfg: Mapping[str, Any] | None,
    exposure_label: str = "Takes medication as prescribed, by choice", *, caption: str,
    outcome_labels: Mapping[str, str] | None = None, level: str = LEVEL) -> str:
    """The three regression models: ANCOVA, satisfaction (OLS), engagement (logistic).

    Parameters
    ----------
    caption : str
        The table's caption, from ``manuscript/tables.yaml``.
    ancova : pandas.DataFrame
        ``results/analysis/ancova.csv`` (``outcome, term, estimate, ci_low,
        ci_high, p_value, n``).
    satisfaction : pandas.DataFrame
        ``results/analysis/satisfaction.csv``.
    engagement : pandas.DataFrame
        ``results/analysis/engagement.csv`` (odds ratios in ``odds_ratio,
        or_ci_low, or_ci_high``).
    fcfg : mapping or None
        Formatting configuration.
    exposure_label : str, optional
        Label of the medication-choice term.
    """
    cfg = _cfg(fcfg)
    rows = []

    def add(model: str, frame: pd.DataFrame, est: str, lo: str, hi: str, dec: int, scale: str) -> None:
        terms = [t for t in frame["term"].astype(str) if t != "Intercept"]
        for term in sorted(terms, key=_term_order):
            r = frame[frame["term"].astype(str) == term].iloc[0]
            rows.append(
                {
                    "Model": model,
                    "Term": _term_label(term, exposure_label, outcome_labels),
                    "Scale": scale,
                    f"Estimate ({level} CI)": _est_cell(
                        r, F.fmt_est_ci(_float(r[est]), _float(r[lo]), _float(r[hi]), dec, cfg, level=None)),
                    "p": _p_text(r["p_value"], cfg),
                    "n": F.fmt_int(r["n"], cfg) if "n" in frame.columns else "",
                    "Note": _note({"not_estimable": r.get("not_estimable"), "note": r.get("note")}),
                }
            )
            model = ""  # name the model on its first row only

    for outcome in pd.unique(ancova["outcome"].astype(str)):
        part = ancova[ancova["outcome"].astype(str) == outcome]
        label = _outcome(outcome, outcome_labels).lower()
        add(f"ANCOVA: {label} at follow-up", part, "estimate", "ci_low", "ci_high", 2, "difference")
    add(f"Linear: {_outcome('satisfaction', outcome_labels).lower()}", satisfaction, "estimate", "ci_low", "ci_high", 3,
        "coefficient")
    add("Logistic: staying engaged", engagement, "odds_ratio", "or_ci_low", "or_ci_high", 2, "odds ratio")
    df = pd.DataFrame(rows, columns=["Model", "Term", "Scale", f"Estimate ({level} CI)", "p", "n", "Note"])
    if not any(df["Note"]):
        return pipe_table(df.drop(columns="Note"), caption, "models", widths=[2.6, 3, 1.2, 2.2, 0.8, 0.6])
    return pipe_table(df, caption, "models", widths=[2.4, 2.6, 1.1, 2, 0.8, 0.6, 2])


# --------------------------------------------------------------------------
# sensitivity analyses
# --------------------------------------------------------------------------


def _is_headline(r: Mapping[str, Any]) -> bool:
    """Whether a logistic sensitivity row is the one the models table reports (the Wald row unless the
    fit was separated and Firth's took its place: column ``headline``)."""
    flag = r.get("headline")
    if _missing(flag):
        return str(r["method"]) == "wald"
    return str(flag).strip().lower() in ("true", "1")


def sensitivity_md(
    ancova_sens: pd.DataFrame,
    engagement_sens: pd.DataFrame,
    fcfg: Mapping[str, Any] | None, *, caption: str,
    outcome_labels: Mapping[str, str] | None = None, level: str = LEVEL) -> str:
    """Sensitivity analyses beside the main estimates.

    Parameters
    ----------
    caption : str
        The table's caption, from ``manuscript/tables.yaml``.
    ancova_sens : pandas.DataFrame
        ``results/analysis/ancova_sensitivity.csv`` (``outcome, analysis,
        estimate, ci_low, ci_high, p_value, n``): medication choice at
        follow-up (main) and at baseline.
    engagement_sens : pandas.DataFrame
        ``results/analysis/engagement_sensitivity.csv`` (``term, method,
        method_label, odds_ratio, or_ci_low, or_ci_high, p_value, n``).
    fcfg : mapping or None
        Formatting configuration.
    """
    cfg = _cfg(fcfg)
    rows = []
    for _, r in ancova_sens.iterrows():
        label = _outcome(r["outcome"], outcome_labels)
        rows.append({
            "Model": f"ANCOVA: {label.lower()} at follow-up",
            "Analysis": f"Medication choice {str(r['analysis'])}",
            f"Estimate ({level} CI)": _est_cell(r, F.fmt_est_ci(_float(r["estimate"]), _float(r["ci_low"]),
                                                               _float(r["ci_high"]), 2, cfg, level=None, signed=True)),
            "p": _p_text(r["p_value"], cfg),
            "n": F.fmt_int(r["n"], cfg),
        })
    eng = engagement_sens[engagement_sens["term"].astype(str) != "Intercept"]
    for term in pd.unique(eng["term"].astype(str)):
        part = eng[eng["term"].astype(str) == term]
        name = f"Logistic: staying engaged, {_term_label(term, '', outcome_labels).lower()} (odds ratio)"
        for _, r in part.iterrows():
            rows.append({
                "Model": name,
                "Analysis": str(r["method_label"]) + (" (headline)" if _is_headline(r) else ""),
                f"Estimate ({level} CI)": _est_cell(r, F.fmt_est_ci(_float(r["odds_ratio"]), _float(r["or_ci_low"]),
                                                                   _float(r["or_ci_high"]), 2, cfg, level=None)),
                "p": _p_text(r["p_value"], cfg),
                "n": F.fmt_int(r["n"], cfg),
            })
            name = ""
    df = pd.DataFrame(rows, columns=["Model", "Analysis", f"Estimate ({level} CI)", "p", "n"])
    return pipe_table(df, caption, "sensitivity", widths=[3, 3.4, 2.2, 0.8, 0.6])


# --------------------------------------------------------------------------
# reliability
# --------------------------------------------------------------------------


def _scale_label(scale: str, measures: Mapping[str, Any] | None) -> str:
    """'collaboration.positive_collaboration' -> 'STAR-P: positive collaboration'."""
    measure, _, sub = str(scale).partition(".")
    label = MEASURE_LABELS.get(measure, _humanise(measure))
    if measures:
        m = (measures.get("measures") or measures).get(measure)
        if isinstance(m, Mapping) and m.get("label"):
            label = str(m["label"])
    return f"{label}: {sub.replace('_', ' ')}" if sub else label


def reliability_md(
    rel_baseline: pd.DataFrame,
    rel_followup: pd.DataFrame,
    fcfg: Mapping[str, Any] | None,
    measures: Mapping[str, Any] | None = None, *, caption: str, level: str = LEVEL) -> str:
    """Internal consistency (Cronbach's alpha) of each scale at both time points.

    Parameters
    ----------
    caption : str
        The table's caption, from ``manuscript/tables.yaml``.
    rel_baseline, rel_followup : pandas.DataFrame
        ``results/scores/reliability_<timepoint>.csv`` (``measure, scale, n,
        n_items, alpha, ci_low, ci_high``).
    fcfg : mapping or None
        Formatting configuration.
    measures : mapping, optional
        Parsed ``config/measures.yaml``, for the measures' labels.
    """
    cfg = _cfg(fcfg)
    frames = {"baseline": rel_baseline, "followup": rel_followup}
    scales: list[str] = []
    for frame in frames.values():
        scales += [s for s in frame["scale"].astype(str) if s not in scales]
    rows = []
    for scale in scales:
        row = {"Scale": _scale_label(scale, measures)}
        items = ""
        for tp, frame in frames.items():
            hit = frame[frame["scale"].astype(str) == scale]
            name = "Baseline" if tp == "baseline" else "Follow-up"
            if hit.empty:
                row[f"{name} n"] = cfg["missing"]
                row[f"{name} alpha ({level} CI)"] = cfg["missing"]
                continue
            r = hit.iloc[0]
            items = items or F.fmt_int(r["n_items"], cfg)
            row[f"{name} n"] = F.fmt_int(r["n"], cfg)
            row[f"{name} alpha ({level} CI)"] = F.fmt_est_ci(
                _float(r["alpha"]), _float(r["ci_low"]), _float(r["ci_high"]), 2, cfg, level=None
            )
        row["Items"] = items
        rows.append(row)
    columns = ["Scale", "Items", "Baseline n", f"Baseline alpha ({level} CI)", "Follow-up n", f"Follow-up alpha ({level} CI)"]
    return pipe_table(pd.DataFrame(rows, columns=columns), caption, "reliability", widths=[4, 0.8, 1, 2, 1, 2])


def sites_md(sites: Mapping[str, Mapping[str, Any]], *, caption: str) -> str:
    """The study sites: code, NHS Trust and self-care initiative, in the configured order.

    Parameters
    ----------
    sites : mapping
        ``sites`` of config/config.yaml (code -> ``trust``, ``initiative``).
    caption : str
        The table's caption, from ``manuscript/tables.yaml``.
    """
    columns = ["Code", "Trust", "Self-care initiative"]
    rows = [[str(code), str(s.get("trust", "")), str(s.get("initiative", ""))] for code, s in sites.items()]
    return pipe_table(pd.DataFrame(rows, columns=columns), caption, "sites", widths=[0.4, 2.4, 3.0], align=["l"] * 3)
