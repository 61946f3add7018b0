"""Figure 7: distributions of the scores at baseline and follow-up, by site."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from selfcare.report.figures.style import (
    STYLE,
    TIMEPOINT_LABELS,
    TIMEPOINTS,
    _count_word,
    _fmt,
    _is_empty,
    _missing,
    _new_figure,
    _no_data_figure,
    _numeric,
    _ordered,
    _outcome_name,
    _require,
    _site_order,
    _sites_phrase,
    _styled,
    _text,
    _tint,
    _truthy,
    _wrap,
    png_bytes,
    _palette,
)

__all__ = [
    "FIGURE_NAMES",
    "score_distributions",
]

# --------------------------------------------------------------------------- 7. scores


_SCORE_COLUMNS = ("pid", "site", "timepoint", "measure", "scale", "score", "primary")


def _score_data(
    scores: pd.DataFrame, labels: Mapping[str, str], sites: Sequence[str] | None = None
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Check and coerce the scores and keep the primary scores of the two time points.

    Parameters
    ----------
    scores : pandas.DataFrame
        The input of :func:`score_distributions`.
    labels : mapping
        Panel title per measure (gives the panel order).
    sites : sequence of str, optional
        The configured sites, in order.

    Returns
    -------
    df : pandas.DataFrame
        Primary scores at baseline and follow-up (numeric, none missing).
    measures : list of str
        Measures in panel order.
    sites : list of str
        Sites in display order.
    """
    _require(scores, _SCORE_COLUMNS, "score_distributions")
    df = scores.copy()
    for col in ("site", "timepoint", "measure", "scale"):
        df[col] = _text(df[col])
    df["score"] = _numeric(df["score"])
    df = df[df["primary"].map(_truthy) & df["timepoint"].isin(TIMEPOINTS)].dropna(subset=["score"])
    return df, _ordered(df["measure"], list(labels)), _site_order(df["site"], sites)


def _score_panel(
    ax: Any, idx: int, sub: pd.DataFrame, sites: Sequence[str], head: str, colors: Mapping[str, str]
) -> None:
    """Draw one measure's panel: box plots per site and time point over the jittered scores.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The panel.
    idx : int
        Position of the panel (seeds the jitter, so each panel's jitter is fixed).
    sub : pandas.DataFrame
        Scores of this measure (see :func:`_score_data`).
    sites : sequence of str
        Sites in display order.
    head : str
        Panel title (wrapped here).
    colors : mapping
        Site -> colour.
    """
    ax.set_title(_wrap(head, 25), fontsize=STYLE["small_font_size"] + 0.5, loc="left")
    ax.grid(False, axis="x")
    width = 0.34
    rng = np.random.default_rng(20100101 + idx)
    for i, site in enumerate(sites):
        color = colors[site]
        for tp, offset, face in (
            ("baseline", -width / 2 - 0.02, _tint(color, STYLE["baseline_tint"])),
            ("followup", width / 2 + 0.02, color),
        ):
            vals = sub[(sub["site"] == site) & (sub["timepoint"] == tp)]["score"].to_numpy()
            if vals.size == 0:
                continue
            pos = i + offset
            ax.boxplot(
                [vals],
                positions=[pos],
                widths=width,
                patch_artist=True,
                showfliers=False,
                manage_ticks=False,
                zorder=2,
                boxprops={"facecolor": face, "edgecolor": STYLE["text"], "linewidth": 0.7},
                medianprops={"color": STYLE["text"], "linewidth": 1.2},
                whiskerprops={"color": STYLE["text"], "linewidth": 0.7},
                capprops={"color": STYLE["text"], "linewidth": 0.7},
            )
            jitter = rng.uniform(-width * 0.3, width * 0.3, size=vals.size)
            ax.scatter(pos + jitter, vals, s=3, color=STYLE["text"], alpha=0.35, linewidths=0, zorder=3)
    ax.set_xticks(range(len(sites)), sites)
    ax.set_xlim(-0.6, len(sites) - 0.4)


def _median_text(name: str, med: Mapping[str, float]) -> str:
    """One measure's medians for the alternative text (baseline to follow-up, or the one available)."""
    have = [tp for tp in TIMEPOINTS if not _missing(med[tp])]
    if len(have) == 2:
        return f"{name} {_fmt(med['baseline'])} to {_fmt(med['followup'])}"
    return f"{name} {_fmt(med[have[0]])} ({TIMEPOINT_LABELS[have[0]].lower()} only)"


@_styled
def score_distributions(
    scores: pd.DataFrame,
    measure_labels: Mapping[str, str] | None = None,
    measure_scales: Mapping[str, str] | None = None,
    sites: Sequence[str] | None = None,
) -> tuple[bytes, str]:
    """Distributions of the primary scores at baseline and follow-up, by site.

    Parameters
    ----------
    scores : pandas.DataFrame
        Tidy scores: columns ``pid, site, timepoint, measure, scale, score,
        primary`` (``primary`` boolean or ``"True"``/``"False"``). Only
        primary scales and the time points ``baseline`` and ``followup`` are
        drawn.
    measure_labels : mapping, optional
        Panel title per measure (e.g. the ``label`` of config/measures.yaml);
        panels follow its order, then other measures by first appearance.
    measure_scales : mapping, optional
        Scale of each measure's primary score (e.g. ``"sum, 28-112"``),
        added to its panel title.
    sites : sequence of str, optional
        The configured sites: their order and colours (default: the rows' order).

    Returns
    -------
    png : bytes
        One panel per measure: box plots per site and time point (baseline a
        light tint of the site colour, follow-up the full colour) over the
        individual scores (deterministic jitter).
    alt_text : str
        Measures, sites and the median score at each time point per measure.
    """
    title = "Distributions of primary scores at baseline and follow-up"
    if _is_empty(scores):
        return _no_data_figure("No scores"), f"{title}: no data available."
    labels = dict(measure_labels or {})
    configured = sites
    df, measures, sites = _score_data(scores, labels, configured)
    colors = _palette(sites, configured)
    if df.empty or not measures:
        return _no_data_figure("No primary scores"), f"{title}: no data available."

    k = len(measures)
    ncols = min(k, 3)
    nrows = math.ceil(k / ncols)
    fig = _new_figure(0.45 + 2.25 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    medians = []
    for idx, ax in enumerate(axes.flat):
        if idx >= k:
            ax.set_visible(False)
            continue
        measure = measures[idx]
        sub = df[df["measure"] == measure]
        scale = sub["scale"].iloc[0]
        name = labels.get(measure, _outcome_name(measure))
        head = name
        if scale and scale != measure and "." in scale:
            head += f": {scale.split('.', 1)[1].replace('_', ' ')}"
        if (measure_scales or {}).get(measure):
            head += f" ({measure_scales[measure]})"
        _score_panel(ax, idx, sub, sites, head, colors)
        if idx % ncols == 0:
            ax.set_ylabel("Score")
        medians.append((name, {tp: sub[sub["timepoint"] == tp]["score"].median() for tp in TIMEPOINTS}))
    handles = [
        Patch(
            facecolor=_tint(STYLE["neutral"], STYLE["baseline_tint"]), edgecolor=STYLE["text"], label="Baseline (light)"
        ),
        Patch(facecolor=STYLE["neutral"], edgecolor=STYLE["text"], label="Follow-up (dark)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2)
    png = png_bytes(fig)
    alt = (
        f"{title}, box plots with individual scores for {_count_word(k)} measure{'s' if k != 1 else ''} "
        f"at {_sites_phrase(sites)}. Median score (all sites), baseline to follow-up: "
        f"{'; '.join(_median_text(n, m) for n, m in medians)}."
    )
    return png, alt


# --------------------------------------------------------------------------- integration

#: Names of the report's figures, in document order (workflow/rules/manuscript.smk FIGURES).
FIGURE_NAMES: tuple[str, ...] = ("flow", "change", "ae", "forest", "themes", "survey", "scores")
