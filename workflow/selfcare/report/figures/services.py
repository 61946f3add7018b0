"""Figure 3: A&E attendances before and after, by site."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import pandas as pd
from matplotlib.patches import Patch

from selfcare.report.figures.style import (
    STYLE,
    _fmt,
    _fmt_int,
    _is_empty,
    _missing,
    _new_figure,
    _no_data_figure,
    _numeric,
    _require,
    _site_order,
    _sites_phrase,
    _styled,
    _text,
    _tint,
    png_bytes,
    _palette,
)

__all__ = [
    "ae_figure",
]

# --------------------------------------------------------------------------- 3. A&E


def _ae_summary(df: pd.DataFrame, sites: Sequence[str]) -> list[dict[str, Any]]:
    """Per site: the number of complete pairs and the totals and means of both windows.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``site``, ``pre`` and ``post`` (numeric counts).
    sites : sequence of str
        Sites in display order.

    Returns
    -------
    list of dict
        One dict per site with ``site, n, total_pre, total_post, mean_pre,
        mean_post`` (means missing when there is no complete pair).
    """
    pairs = df.dropna(subset=["pre", "post"])
    summary = []
    for site in sites:
        p = pairs[pairs["site"] == site]
        n = len(p)
        summary.append(
            {
                "site": site,
                "n": n,
                "total_pre": float(p["pre"].sum()),
                "total_post": float(p["post"].sum()),
                "mean_pre": float(p["pre"].mean()) if n else math.nan,
                "mean_post": float(p["post"].mean()) if n else math.nan,
            }
        )
    return summary


def _ae_bars(ax: Any, summary: Sequence[Mapping[str, Any]], colors: Mapping[str, str]) -> None:
    """Draw the pair of bars of each site, labelled with mean and total, and the axes."""
    ax.grid(False, axis="x")
    width = 0.36
    top = max([v for s in summary for v in (s["mean_pre"], s["mean_post"]) if not _missing(v)] + [0.0])
    for i, s in enumerate(summary):
        color = colors[s["site"]]
        if s["n"] == 0:
            ax.text(
                i,
                0,
                "no complete pairs",
                ha="center",
                va="bottom",
                color=STYLE["no_data"],
                fontsize=STYLE["small_font_size"],
                style="italic",
            )
            continue
        for offset, mean, total, face in (
            (-width / 2, s["mean_pre"], s["total_pre"], _tint(color, STYLE["baseline_tint"])),
            (width / 2, s["mean_post"], s["total_post"], color),
        ):
            ax.bar(i + offset, mean, width=width * 0.95, color=face, edgecolor=color, linewidth=0.8, zorder=2)
            ax.text(
                i + offset,
                mean + top * 0.02,
                f"{_fmt(mean, 2)}\n({_fmt_int(total)})",
                ha="center",
                va="bottom",
                fontsize=STYLE["small_font_size"] - 0.5,
                linespacing=1.1,
            )
    ax.set_xticks(range(len(summary)), [f"{s['site']}\n(n = {s['n']})" for s in summary])
    ax.set_xlim(-0.6, len(summary) - 0.4)
    ax.set_ylim(0, top * 1.18 if top > 0 else 1)
    ax.set_ylabel("Mean A&E attendances per person")


def _ae_alt(title: str, sites: Sequence[str], summary: Sequence[Mapping[str, Any]]) -> str:
    """Alternative text: means, totals and n per site."""
    parts = [
        (
            f"{s['site']} {_fmt(s['mean_pre'])} to {_fmt(s['mean_post'])} (n = {s['n']}; totals "
            f"{_fmt_int(s['total_pre'])} and {_fmt_int(s['total_post'])})"
            if s["n"]
            else f"{s['site']} no complete pairs"
        )
        for s in summary
    ]
    return f"{title} at {_sites_phrase(sites)}, among participants with both counts. " f"By site: {'; '.join(parts)}."


@_styled
def ae_figure(
    dataset: pd.DataFrame, pre: str = "ae_bl", post: str = "ae_fu", sites: Sequence[str] | None = None
) -> tuple[bytes, str]:
    """A&E attendances per person before baseline and before follow-up, by site.

    Parameters
    ----------
    dataset : pandas.DataFrame
        One row per person with columns ``site`` and the count columns.
    pre, post : str, default ``"ae_bl"``, ``"ae_fu"``
        Attendances in the recall period before baseline and before follow-up
        (missing when the person was not followed up).
    sites : sequence of str, optional
        The configured sites: their order and colours (default: the rows' order).

    Returns
    -------
    png : bytes
        Grouped bars of the mean per person (complete pairs only) in the two
        windows, with the total attendances above each bar and the number of
        complete pairs under each site.
    alt_text : str
        The means, totals and n per site.
    """
    title = "Mean A&E attendances per person in the recall period before baseline and before follow-up"
    if _is_empty(dataset):
        return _no_data_figure("No A&E data"), f"{title}: no data available."
    _require(dataset, ("site", pre, post), "ae_figure")
    df = pd.DataFrame({"site": _text(dataset["site"]), "pre": _numeric(dataset[pre]), "post": _numeric(dataset[post])})
    configured = sites
    sites = _site_order(df["site"], configured)
    if not sites:
        return _no_data_figure("No A&E data"), f"{title}: no data available."
    summary = _ae_summary(df, sites)

    fig = _new_figure(3.0)
    ax = fig.subplots()
    _ae_bars(ax, summary, _palette(sites, configured))
    handles = [
        Patch(
            facecolor=_tint(STYLE["neutral"], STYLE["baseline_tint"]),
            edgecolor=STYLE["neutral"],
            label="Before baseline",
        ),
        Patch(facecolor=STYLE["neutral"], edgecolor=STYLE["neutral"], label="Before follow-up"),
    ]
    fig.legend(handles=handles, loc="outside upper center", ncols=2)
    ax.set_xlabel("Site (n = people with both counts); bar labels: mean per person (total attendances)")
    png = png_bytes(fig)
    return png, _ae_alt(title, sites, summary)
