"""Figure 1: the participant flow, from referral to follow-up, by site."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.patches import FancyArrowPatch, Rectangle

from selfcare.report.figures.style import (
    STYLE,
    _fmt_int,
    _is_empty,
    _missing,
    _new_figure,
    _no_data_figure,
    _numeric,
    _require,
    _series_phrase,
    _site_order,
    _sites_phrase,
    _styled,
    _text,
    _tint,
    png_bytes,
    site_color,
)

__all__ = [
    "flow_figure",
]

# --------------------------------------------------------------------------- 1. flow


_FLOW_COLUMNS = (
    "site",
    "referred",
    "ineligible",
    "declined",
    "recruited",
    "withdrawn",
    "lost_to_followup",
    "followed_up",
)


def _diff(a: float, *bs: float) -> float:
    vals = [a, *bs]
    if any(_missing(v) for v in vals):
        return math.nan
    return float(a) - sum(float(b) for b in bs)


@_styled
def flow_figure(flow: pd.DataFrame) -> tuple[bytes, str]:
    """Participant flow diagram, one column of boxes per site.

    Parameters
    ----------
    flow : pandas.DataFrame
        One row per site with columns ``site, referred, ineligible, declined,
        recruited, withdrawn, lost_to_followup, followed_up`` (counts).

    Returns
    -------
    png : bytes
        The diagram: referred, recruited and followed up (main boxes) with the
        reasons for leaving (side boxes) for each site. Differences that the
        reasons do not explain are shown as "Other".
    alt_text : str
        Totals and per-site recruited and followed-up numbers.
    """
    if _is_empty(flow):
        return _no_data_figure("No participant-flow data"), "Participant flow diagram: no data available."
    _require(flow, _FLOW_COLUMNS, "flow_figure")
    df = flow.copy()
    df["site"] = _text(df["site"])
    for col in _FLOW_COLUMNS[1:]:
        df[col] = _numeric(df[col])
    sites = _site_order(df["site"])
    if not sites:
        return _no_data_figure("No participant-flow data"), "Participant flow diagram: no data available."
    rows = {s: df[df["site"] == s].iloc[0] for s in sites}

    fig = _new_figure(3.7, constrained=False)
    ax = fig.add_axes((0.005, 0.005, 0.99, 0.99))
    ax.set_axis_off()
    n = len(sites)
    ax.set_xlim(0, n)
    ax.set_ylim(0.9, 10.2)
    fs = STYLE["small_font_size"]
    main_w, main_h = 0.33, 1.3
    side_x0, side_w, side_h = 0.43, 0.545, 1.75
    y_ref, y_ex1, y_rec, y_ex2, y_fu = 8.55, 6.85, 5.15, 3.45, 1.75

    def box(x: float, y: float, w: float, h: float, text: str, color: str, main: bool) -> None:
        face = _tint(color, 0.85) if main else "white"
        ax.add_patch(Rectangle((x, y - h / 2), w, h, facecolor=face, edgecolor=color, linewidth=0.9))
        if main:
            ax.text(x + w / 2, y, text, ha="center", va="center", fontsize=fs, linespacing=1.3)
        else:
            ax.text(x + 0.025, y, text, ha="left", va="center", fontsize=fs - 0.4, linespacing=1.3)

    def arrow(x0: float, y0: float, x1: float, y1: float) -> None:
        ax.add_patch(
            FancyArrowPatch(
                (x0, y0),
                (x1, y1),
                arrowstyle="-|>",
                mutation_scale=7,
                linewidth=0.8,
                color=STYLE["neutral"],
                shrinkA=0,
                shrinkB=0,
            )
        )

    for i, site in enumerate(sites):
        r = rows[site]
        color = site_color(site)
        x0 = float(i)
        mx = x0 + 0.03
        cx = mx + main_w / 2
        ax.text(
            x0 + 0.5,
            9.85,
            f"Site {site}",
            ha="center",
            va="center",
            fontsize=STYLE["title_size"],
            fontweight="bold",
            color=color,
        )
        box(mx, y_ref, main_w, main_h, f"Referred\nn = {_fmt_int(r['referred'])}", color, True)
        box(mx, y_rec, main_w, main_h, f"Recruited\nn = {_fmt_int(r['recruited'])}", color, True)
        box(mx, y_fu, main_w, main_h, f"Followed up\nat 9 months\nn = {_fmt_int(r['followed_up'])}", color, True)

        not_rec = _diff(r["referred"], r["recruited"])
        other1 = _diff(not_rec, r["ineligible"], r["declined"])
        lines1 = [
            f"Not recruited: {_fmt_int(not_rec)}",
            f"\u2022 Ineligible: {_fmt_int(r['ineligible'])}",
            f"\u2022 Declined: {_fmt_int(r['declined'])}",
        ]
        if not _missing(other1) and other1 != 0:
            lines1.append(f"\u2022 Other: {_fmt_int(other1)}")
        not_fu = _diff(r["recruited"], r["followed_up"])
        other2 = _diff(not_fu, r["withdrawn"], r["lost_to_followup"])
        lines2 = [
            f"Not followed up: {_fmt_int(not_fu)}",
            f"\u2022 Withdrew: {_fmt_int(r['withdrawn'])}",
            f"\u2022 Lost to follow-up: {_fmt_int(r['lost_to_followup'])}",
        ]
        if not _missing(other2) and other2 != 0:
            lines2.append(f"\u2022 Other: {_fmt_int(other2)}")
        sx = x0 + side_x0
        box(sx, y_ex1, side_w, side_h, "\n".join(lines1), color, False)
        box(sx, y_ex2, side_w, side_h, "\n".join(lines2), color, False)

        arrow(cx, y_ref - main_h / 2, cx, y_rec + main_h / 2)
        arrow(cx, y_rec - main_h / 2, cx, y_fu + main_h / 2)
        arrow(cx, y_ex1, sx, y_ex1)
        arrow(cx, y_ex2, sx, y_ex2)

    png = png_bytes(fig)
    nr = "not reported"
    # a total is reported only when every site reports the count
    total = {
        c: (math.nan if any(_missing(rows[s][c]) for s in sites) else sum(float(rows[s][c]) for s in sites))
        for c in ("referred", "recruited", "followed_up")
    }
    per_site = ", ".join(
        f"{s} {_fmt_int(rows[s]['recruited'], nr)} and {_fmt_int(rows[s]['followed_up'], nr)}" for s in sites
    )
    totals = _series_phrase(
        [
            f"{_fmt_int(total[c])} {word}" if not _missing(total[c]) else f"{word} not reported for every site"
            for c, word in (("referred", "referred"), ("recruited", "recruited"), ("followed_up", "followed up"))
        ]
    )
    alt = (
        f"Participant flow from referral to 9-month follow-up at {_sites_phrase(sites)}, in total {totals}. "
        f"Recruited and followed up by site: {per_site}."
    )
    return png, alt
