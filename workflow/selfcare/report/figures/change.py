"""Figure 2: mean change in each outcome from baseline to follow-up, by site."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from selfcare.report.figures.style import (
    _DASH,
    _MINUS,
    LEVEL,
    HIGHER_IS_WORSE,
    OUTCOME_LABELS,
    OUTCOME_SCALES,
    STYLE,
    _count_word,
    _fmt,
    _fmt_int,
    _is_empty,
    _missing,
    _new_figure,
    _no_data_figure,
    _numeric,
    _ordered,
    _outcome_name,
    _require,
    _series_phrase,
    _site_order,
    _sites_phrase,
    _styled,
    _text,
    _wrap,
    png_bytes,
    _palette,
)

__all__ = [
    "change_figure",
]

# --------------------------------------------------------------------------- 2. change


_CHANGE_COLUMNS = ("site", "outcome", "n", "mean_change", "ci_low", "ci_high", "p_value")


def _change_data(change: pd.DataFrame, sites: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Check and coerce the change table.

    Parameters
    ----------
    change : pandas.DataFrame
        The input of :func:`change_figure`.
    sites : sequence of str, optional
        The configured sites, in order.

    Returns
    -------
    df : pandas.DataFrame
        Rows that name a site and an outcome, with numeric estimates.
    outcomes : list of str
        Outcomes in display order (known outcomes first).
    sites : list of str
        Sites in display order.
    """
    _require(change, _CHANGE_COLUMNS, "change_figure")
    df = change.copy()
    df["site"] = _text(df["site"])
    df["outcome"] = _text(df["outcome"])
    for col in ("n", "mean_change", "ci_low", "ci_high", "p_value"):
        df[col] = _numeric(df[col])
    df = df[(df["site"] != "") & (df["outcome"] != "")]
    return df, _ordered(df["outcome"], list(OUTCOME_LABELS)), _site_order(df["site"], sites)


def _change_panel(ax: Any, sub: pd.DataFrame, sites: Sequence[str], head: str, colors: Mapping[str, str]) -> None:
    """Draw one outcome's panel: a point and interval per site, and a line at zero.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The panel.
    sub : pandas.DataFrame
        Rows of this outcome (see :func:`_change_data`).
    sites : sequence of str
        All sites, in display order (a site without a row gets an empty slot).
    head : str
        Panel title.
    """
    ax.set_title(head, fontsize=STYLE["small_font_size"] + 0.5, loc="center")
    ax.axhline(0, color=STYLE["reference_line"], linewidth=0.8, linestyle="--", zorder=1)
    ax.grid(False, axis="x")
    ticks, ticklabels = [], []
    any_value = False
    for j, site in enumerate(sites):
        rows = sub[sub["site"] == site]
        ticks.append(j)
        if rows.empty:
            ticklabels.append(f"{site}\nn = {_DASH}")
            continue
        r = rows.iloc[0]
        ticklabels.append(f"{site}\nn = {_fmt_int(r['n'])}")
        color = colors[site]
        if not _missing(r["ci_low"]) and not _missing(r["ci_high"]):
            ax.plot([j, j], [r["ci_low"], r["ci_high"]], color=color, linewidth=1.6, zorder=2)
            any_value = True
        if not _missing(r["mean_change"]):
            ax.plot(
                [j],
                [r["mean_change"]],
                marker="o",
                markersize=5,
                color=color,
                markeredgecolor="white",
                markeredgewidth=0.6,
                linestyle="none",
                zorder=3,
            )
            any_value = True
    ax.set_xticks(ticks, ticklabels)
    ax.set_xlim(-0.6, len(sites) - 0.4)
    if not any_value:
        ax.text(
            0.5,
            0.5,
            "No data",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=STYLE["no_data"],
            style="italic",
        )
        ax.set_yticks([0])


def _change_note(
    fig: Figure, spare: Sequence[Any], outcomes: Sequence[str], labels: Mapping[str, str], level: str = LEVEL
) -> None:
    """Write the reading note in the first spare panel, or under the panels when there is none."""
    note = f"Points: mean change (follow-up {_MINUS} baseline); bars: {level} confidence interval; dashed line: no change."
    worse = [labels.get(o, o).lower() for o in outcomes if o in HIGHER_IS_WORSE]
    if worse:
        note += f" Higher scores are better, except {_series_phrase(worse)} (higher = worse)."
    note += " n: people with both scores."
    if spare:
        spare[0].text(
            0.05,
            0.5,
            _wrap(note, 36),
            transform=spare[0].transAxes,
            ha="left",
            va="center",
            fontsize=STYLE["small_font_size"],
            color=STYLE["neutral"],
            linespacing=1.4,
        )
    else:
        fig.supxlabel(_wrap(note, 120), fontsize=STYLE["small_font_size"], color=STYLE["neutral"])


def _change_alt(
    title: str, df: pd.DataFrame, outcomes: Sequence[str], sites: Sequence[str], labels: Mapping[str, str]
) -> str:
    """Alternative text: which intervals exclude zero, with their mean changes."""
    sig = df.dropna(subset=["ci_low", "ci_high"])
    sig = sig[(sig["ci_low"] > 0) | (sig["ci_high"] < 0)]
    found = []
    for outcome in outcomes:
        for site in sites:
            hit = sig[(sig["outcome"] == outcome) & (sig["site"] == site)]
            if not hit.empty:
                name = labels.get(outcome, _outcome_name(outcome)).lower()
                found.append(f"{name} at {site} ({_fmt(hit.iloc[0]['mean_change'], signed=True)})")
    n_est = int(df.dropna(subset=["ci_low", "ci_high"]).shape[0])
    if not found:
        detail = {0: "no interval could be estimated.", 1: "the interval does not exclude zero."}.get(
            n_est, f"none of the {n_est} intervals excludes zero."
        )
    else:
        shown = found[:6]
        more = f" and {len(found) - 6} more" if len(found) > 6 else ""
        detail = f"{len(found)} of {n_est} intervals exclude zero: {', '.join(shown)}{more}."
    k = len(outcomes)
    return f"{title} for {_count_word(k)} outcome{'s' if k != 1 else ''} at {_sites_phrase(sites)}; {detail}"


@_styled
def change_figure(
    change: pd.DataFrame,
    outcome_labels: Mapping[str, str] | None = None,
    outcome_scales: Mapping[str, str] | None = None,
    level: str = LEVEL,
    sites: Sequence[str] | None = None,
) -> tuple[bytes, str]:
    """Mean change from baseline to follow-up with its confidence interval, per site and outcome.

    Parameters
    ----------
    change : pandas.DataFrame
        Columns ``site, outcome, n, mean_change, ci_low, ci_high, p_value``
        (one row per site and outcome).
    outcome_labels, outcome_scales : mapping, optional
        Panel title and scale description per outcome; default
        :data:`OUTCOME_LABELS` and :data:`OUTCOME_SCALES`.
    level : str, optional
        The confidence level, e.g. ``"95%"`` (from the configured alpha).
    sites : sequence of str, optional
        The configured sites: their order and colours (default: the rows' order).

    Returns
    -------
    png : bytes
        One small panel per outcome (each on its own scale) with a point and
        interval per site and a line at zero.
    alt_text : str
        Which intervals exclude zero, with their mean changes.
    """
    title = f"Mean change from baseline to follow-up with {level} confidence intervals"
    if _is_empty(change):
        return _no_data_figure("No change estimates"), f"{title}: no data available."
    configured = sites
    df, outcomes, sites = _change_data(change, configured)
    colors = _palette(sites, configured)
    if not outcomes:
        return _no_data_figure("No change estimates"), f"{title}: no data available."
    labels = {**OUTCOME_LABELS, **(outcome_labels or {})}
    scales = {**OUTCOME_SCALES, **(outcome_scales or {})}

    k = len(outcomes)
    ncols = min(k, 3)
    nrows = math.ceil(k / ncols)
    fig = _new_figure(0.5 + 2.0 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    spare = list(axes.flat)[k:]
    for idx, ax in enumerate(axes.flat):
        if idx >= k:
            ax.set_axis_off()
            continue
        outcome = outcomes[idx]
        head = _wrap(labels.get(outcome, _outcome_name(outcome)), 28)
        scale = scales.get(outcome)
        _change_panel(ax, df[df["outcome"] == outcome], sites, head + (f"\n({scale})" if scale else ""), colors)
        if idx % ncols == 0:
            ax.set_ylabel("Mean change")
    _change_note(fig, spare, outcomes, labels, level)
    png = png_bytes(fig)
    return png, _change_alt(title, df, outcomes, sites, labels)
