"""Figure 4: forest plot of the ANCOVA, satisfaction and engagement models."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from selfcare.report.figures.style import (
    LEVEL,
    OUTCOME_LABELS,
    OUTCOME_SCALES,
    STYLE,
    _fmt,
    _ci_text,
    _fmt_p,
    _is_empty,
    _missing,
    _new_figure,
    _no_data,
    _no_data_figure,
    _numeric,
    _ordered,
    _outcome_name,
    _require,
    _series_phrase,
    _styled,
    _term_label,
    _text,
    _tick_formatter,
    _wrap,
    png_bytes,
)

__all__ = [
    "forest_figure",
]

# --------------------------------------------------------------------------- 4. forest


def _rows(df: Any, term_col: str, terms: Sequence[str], cols: Sequence[str], name: str) -> pd.DataFrame:
    if _is_empty(df):
        return pd.DataFrame(columns=[term_col, *cols])
    _require(df, [term_col, *cols], name)
    out = df.copy()
    out[term_col] = _text(out[term_col])
    out = out[out[term_col].isin(list(terms))]
    for c in cols:
        out[c] = _numeric(out[c])
    return out


def _log_ticks(lo: float, hi: float) -> list[float]:
    coarse = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
    fine = [0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0]
    ticks = [t for t in coarse if lo <= t <= hi]
    if len(ticks) < 3:
        ticks = [t for t in fine if lo <= t <= hi]
    return ticks or [1.0]


def _forest_panel(
    ax: Any,
    labels: Sequence[str],
    est: Sequence[float],
    lo: Sequence[float],
    hi: Sequence[float],
    p: Sequence[float],
    ref: float,
    log: bool,
    xlabel: str,
    stat: str,
) -> None:
    n = len(labels)
    ax.axvline(ref, color=STYLE["reference_line"], linewidth=0.8, linestyle="--", zorder=1)
    ax.grid(False, axis="y")
    if log:
        ax.set_xscale("log")
    values = [v for v in (*est, *lo, *hi) if not _missing(v) and (v > 0 or not log) and math.isfinite(v)]
    for i in range(n):
        y = n - 1 - i
        if not _missing(lo[i]) and not _missing(hi[i]) and (not log or (lo[i] > 0 and hi[i] > 0)):
            ax.plot([lo[i], hi[i]], [y, y], color=STYLE["neutral"], linewidth=1.4, zorder=2)
        if not _missing(est[i]) and (not log or est[i] > 0):
            ax.plot([est[i]], [y], marker="s", markersize=5, color=STYLE["text"], linestyle="none", zorder=3)
    ax.set_yticks(range(n), list(reversed(labels)))
    # the estimates as tick labels of a right-hand axis, so the layout engine makes room for them
    right = ax.secondary_yaxis("right")
    right.set_yticks(
        range(n),
        [
            (
                "not estimated"
                if _missing(est[i])
                else "{} {} ({} to {}), {}".format(stat, *_ci_text(est[i], lo[i], hi[i]), _fmt_p(p[i]))
            )
            for i in reversed(range(n))
        ],
    )
    right.tick_params(length=0, labelsize=STYLE["small_font_size"] - 0.5)
    right.spines["right"].set_visible(False)
    ax.set_ylim(-0.6, n - 0.4)
    lo_v, hi_v = min(values + [ref]), max(values + [ref])
    if log:
        lo_v, hi_v = lo_v / 1.15, hi_v * 1.15
        ax.set_xlim(lo_v, hi_v)
        ax.xaxis.set_major_locator(FixedLocator(_log_ticks(lo_v, hi_v)))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _fmt(v, 1 if v < 10 else 0).rstrip("0").rstrip(".")))
    else:
        pad = (hi_v - lo_v) * 0.08 or 1.0
        ax.set_xlim(lo_v - pad, hi_v + pad)
        # ticks on 1-2-5 steps, labelled with as few decimals as the step needs
        locator = MaxNLocator(nbins=6, steps=[1, 2, 5, 10])
        ax.xaxis.set_major_locator(FixedLocator(locator.tick_values(lo_v - pad, hi_v + pad)))
        ticks = [t for t in locator.tick_values(lo_v - pad, hi_v + pad)]
        ax.xaxis.set_major_formatter(FuncFormatter(_tick_formatter(ticks)))
    ax.set_xlabel(xlabel, fontsize=STYLE["small_font_size"])


def _forest_data(
    ancova: pd.DataFrame,
    satisfaction: pd.DataFrame,
    engagement: pd.DataFrame,
    exposure: str,
    predictor: str,
    predictors: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The rows of the three models to draw, checked and in display order.

    Parameters
    ----------
    ancova, satisfaction, engagement : pandas.DataFrame
        The model tables of :func:`forest_figure`.
    exposure, predictor : str
        Term of the ANCOVA and of the satisfaction model.
    predictors : sequence of str
        Terms of the engagement model, in display order.

    Returns
    -------
    anc, sat, eng : pandas.DataFrame
        The ANCOVA rows of ``exposure`` (known outcomes first), the first
        satisfaction row of ``predictor``, and one engagement row per term of
        ``predictors`` that is present; each may be empty.
    """
    anc = _rows(ancova, "term", [exposure], ["estimate", "ci_low", "ci_high", "p_value"], "forest_figure(ancova)")
    if not anc.empty:
        _require(anc, ["outcome"], "forest_figure(ancova)")
        anc = anc.assign(outcome=_text(anc["outcome"]))
        order = _ordered(anc["outcome"], list(OUTCOME_LABELS))
        anc = anc.set_index("outcome").loc[order].reset_index()
    sat = _rows(
        satisfaction, "term", [predictor], ["estimate", "ci_low", "ci_high", "p_value"], "forest_figure(satisfaction)"
    ).head(1)
    eng = _rows(
        engagement,
        "term",
        predictors,
        ["odds_ratio", "or_ci_low", "or_ci_high", "p_value"],
        "forest_figure(engagement)",
    )
    if not eng.empty:
        eng = eng.drop_duplicates("term").set_index("term").loc[[t for t in predictors if t in set(eng["term"])]]
        eng = eng.reset_index()
    return anc, sat, eng


def _forest_specs(
    anc: pd.DataFrame,
    sat: pd.DataFrame,
    eng: pd.DataFrame,
    exposure: str,
    predictor: str,
    labels: Mapping[str, str],
    scales: Mapping[str, str],
) -> list[tuple[str, pd.DataFrame, list[str], tuple[str, str, str], float, bool, str, str]]:
    """What each panel shows: one panel per ANCOVA outcome (each outcome on
    its own scale, so that no axis mixes scales), then the satisfaction and
    the engagement model.

    Returns
    -------
    list of tuple
        Per panel: title, rows, row labels, the estimate and interval
        columns, reference value, log axis, axis label and the statistic's
        symbol.
    """
    exp_label = _term_label(exposure, labels)
    pred_label = _term_label(predictor, labels)

    def scale(key: str) -> str:
        return f" ({scales[key]})" if scales.get(key) else ""

    specs = []
    for i, outcome in enumerate(anc.get("outcome", [])):
        name = labels.get(outcome, _outcome_name(outcome))
        specs.append(
            (
                f"A  {exp_label} (ANCOVA)" if i == 0 else "",
                anc.iloc[[i]],
                [name],
                ("estimate", "ci_low", "ci_high"),
                0.0,
                False,
                f"Adjusted difference in {name.lower()} at follow-up, points{scale(outcome)}",
                "B",
            )
        )
    if not specs:
        specs.append(
            (f"A  {exp_label} (ANCOVA)", anc, [], ("estimate",) * 3, 0.0, False, "", "B")
        )
    sat_name = labels.get("satisfaction", "satisfaction").lower()
    specs += [
        (
            f"B  {labels.get('satisfaction', 'Satisfaction')} (linear regression)",
            sat,
            [pred_label] if not sat.empty else [],
            ("estimate", "ci_low", "ci_high"),
            0.0,
            False,
            f"Difference in {sat_name} at follow-up{scale('satisfaction')} per point of {pred_label.lower()}",
            "B",
        ),
        (
            "C  Staying engaged (logistic regression)",
            eng,
            [_term_label(t, labels) for t in eng.get("term", [])],
            ("odds_ratio", "or_ci_low", "or_ci_high"),
            1.0,
            True,
            "Odds ratio per point (log scale)",
            "OR",
        ),
    ]
    return specs


def _est_text(stat: str, v: float, lo: float, hi: float, level: str = LEVEL) -> str:
    """An estimate with its interval for the alternative text, e.g. ``"B 1.2, 95% CI 0.3 to 2.1"``."""
    if _missing(v):
        return "not estimated"
    est, low, high = _ci_text(v, lo, hi)
    ci = f", {level} CI {low} to {high}" if not (_missing(lo) or _missing(hi)) else ""
    return f"{stat} {est}{ci}"


def _forest_alt(
    title: str,
    anc: pd.DataFrame,
    sat: pd.DataFrame,
    eng: pd.DataFrame,
    exposure: str,
    predictor: str,
    labels: Mapping[str, str],
    level: str = LEVEL,
) -> str:
    """Alternative text: the estimates of the three models with their intervals."""
    parts = []
    if not anc.empty:
        items = [
            f"{labels.get(r['outcome'], _outcome_name(r['outcome'])).lower()} "
            f"({_est_text('B', r['estimate'], r['ci_low'], r['ci_high'], level)})"
            for _, r in anc.iterrows()
        ]
        parts.append(f"{_term_label(exposure, labels).lower()} and follow-up {_series_phrase(items)}")
    if not sat.empty:
        r = sat.iloc[0]
        est = _est_text("B", r["estimate"], r["ci_low"], r["ci_high"], level)
        parts.append(f"{_term_label(predictor, labels).lower()} and {labels.get('satisfaction', 'satisfaction').lower()} ({est})")
    if not eng.empty:
        items = [
            f"{_term_label(r['term'], labels).lower()} ({_est_text('OR', r['odds_ratio'], r['or_ci_low'], r['or_ci_high'], level)})"
            for _, r in eng.iterrows()
        ]
        parts.append(f"odds ratios of staying engaged for {_series_phrase(items)}")
    return f"{title} with {level} confidence intervals: {'; '.join(parts)}."


@_styled
def forest_figure(
    ancova: pd.DataFrame,
    satisfaction: pd.DataFrame,
    engagement: pd.DataFrame,
    exposure: str = "med_choice",
    predictor: str = "severity_bl",
    predictors: Sequence[str] = ("quality_of_life_bl", "collaboration_bl"),
    outcome_labels: Mapping[str, str] | None = None,
    outcome_scales: Mapping[str, str] | None = None,
    level: str = LEVEL,
) -> tuple[bytes, str]:
    """Forest plot of the three regression models.

    Parameters
    ----------
    ancova : pandas.DataFrame
        Columns ``outcome, term, estimate, ci_low, ci_high, p_value``; rows
        with ``term == exposure`` are drawn (one per outcome).
    satisfaction : pandas.DataFrame
        Columns ``term, estimate, ci_low, ci_high, p_value``; the row with
        ``term == predictor`` is drawn.
    engagement : pandas.DataFrame
        Columns ``term, odds_ratio, or_ci_low, or_ci_high, p_value``; rows
        with ``term`` in ``predictors`` are drawn on a log axis.
    exposure, predictor : str
        Terms to show from the ANCOVA and the satisfaction model.
    predictors : sequence of str
        Terms to show from the engagement model, in this order.
    outcome_labels : mapping, optional
        Names of the outcomes; default :data:`OUTCOME_LABELS`.
    outcome_scales : mapping, optional
        Scale of each outcome (e.g. ``"sum, 28-112"``), named on its axis.
    level : str, optional
        The confidence level, e.g. ``"95%"`` (from the configured alpha).

    Returns
    -------
    png : bytes
        Stacked panels: A (adjusted differences, reference 0), one axis per
        outcome so that each axis has one scale; B (regression coefficient,
        reference 0); C (odds ratios on a log axis, reference 1); each row
        with the estimate, CI and p-value as text.
    alt_text : str
        The estimates with their intervals.
    """
    anc, sat, eng = _forest_data(ancova, satisfaction, engagement, exposure, predictor, list(predictors))
    labels = {**OUTCOME_LABELS, **(outcome_labels or {})}
    scales = {**OUTCOME_SCALES, **(outcome_scales or {})}
    title = "Forest plot of the regression models"
    if anc.empty and sat.empty and eng.empty:
        return _no_data_figure("No model estimates"), f"{title}: no data available."

    specs = _forest_specs(anc, sat, eng, exposure, predictor, labels, scales)
    heights = [max(len(spec[1]), 1) + (1.6 if spec[0] else 1.2) for spec in specs]
    fig = _new_figure(0.35 + 0.26 * sum(heights))
    axes = fig.subplots(len(specs), 1, gridspec_kw={"height_ratios": heights}, squeeze=False)[:, 0]
    for ax, (head, data, row_labels, cols, ref, log, xlabel, stat) in zip(axes, specs):
        if head:
            ax.set_title(head, fontsize=STYLE["small_font_size"] + 0.5)
        if data.empty:
            _no_data(ax)
            continue
        _forest_panel(
            ax,
            [_wrap(t, 30) for t in row_labels],
            list(data[cols[0]]),
            list(data[cols[1]]),
            list(data[cols[2]]),
            list(data["p_value"]),
            ref,
            log,
            xlabel,
            stat,
        )
    png = png_bytes(fig)
    return png, _forest_alt(title, anc, sat, eng, exposure, predictor, labels, level)
