"""Figure 1: the participant flow, from referral to follow-up, by site."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

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
    _palette,
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


#: Box geometry in data units (each site's column is one unit wide).
_MAIN_W, _MAIN_H = 0.33, 1.3
_SIDE_X0, _SIDE_W, _SIDE_H = 0.43, 0.545, 1.75
#: Heights of the boxes: referred, not recruited, recruited, not followed up, followed up.
_Y_REF, _Y_EX1, _Y_REC, _Y_EX2, _Y_FU = 8.55, 6.85, 5.15, 3.45, 1.75


def _flow_rows(flow: pd.DataFrame, sites: Sequence[str] | None = None) -> tuple[list[str], dict[str, pd.Series]]:
    """Check and coerce the flow table.

    Parameters
    ----------
    flow : pandas.DataFrame
        The input of :func:`flow_figure`.
    sites : sequence of str, optional
        The configured sites, in order.

    Returns
    -------
    sites : list of str
        Sites in display order (empty when no row names a site).
    rows : dict of str to pandas.Series
        The first row of each site, with numeric counts.
    """
    _require(flow, _FLOW_COLUMNS, "flow_figure")
    df = flow.copy()
    df["site"] = _text(df["site"])
    for col in _FLOW_COLUMNS[1:]:
        df[col] = _numeric(df[col])
    order = _site_order(df["site"], sites)
    return order, {s: df[df["site"] == s].iloc[0] for s in order}


def _flow_box(ax: Any, x: float, y: float, w: float, h: float, text: str, color: str, main: bool) -> None:
    """Draw a box centred vertically on ``y``: main boxes tinted, side boxes white."""
    fs = STYLE["small_font_size"]
    face = _tint(color, 0.85) if main else "white"
    ax.add_patch(Rectangle((x, y - h / 2), w, h, facecolor=face, edgecolor=color, linewidth=0.9))
    if main:
        ax.text(x + w / 2, y, text, ha="center", va="center", fontsize=fs, linespacing=1.3)
    else:
        ax.text(x + 0.025, y, text, ha="left", va="center", fontsize=fs - 0.4, linespacing=1.3)


def _flow_arrow(ax: Any, x0: float, y0: float, x1: float, y1: float) -> None:
    """Draw an arrow from ``(x0, y0)`` to ``(x1, y1)``."""
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


def _exit_text(head: str, total: float, reasons: Sequence[tuple[str, float]]) -> str:
    """Text of a side box: the number who left, the reasons, and "Other" for what they leave unexplained."""
    other = _diff(total, *(count for _, count in reasons))
    lines = [f"{head}: {_fmt_int(total)}", *(f"\u2022 {reason}: {_fmt_int(count)}" for reason, count in reasons)]
    if not _missing(other) and other != 0:
        lines.append(f"\u2022 Other: {_fmt_int(other)}")
    return "\n".join(lines)


#: Most site columns side by side; more sites wrap onto further rows of the
#: same size, so boxes and labels keep their size whatever the number of sites.
_MAX_COLUMNS = 3
#: Height of one row of sites, in data units and in inches.
_ROW_UNITS, _ROW_INCHES = 9.3, 3.7


def _flow_grid(n: int) -> tuple[int, int]:
    """Rows and columns for ``n`` sites: at most :data:`_MAX_COLUMNS` a row, rows balanced."""
    rows = max(1, math.ceil(n / _MAX_COLUMNS))
    return rows, max(1, math.ceil(n / rows))


def _flow_column(ax: Any, x0: float, y0: float, site: str, r: pd.Series, color: str) -> None:
    """Draw one site's column in its colour: title, main boxes, side boxes with the reasons, arrows.

    ``x0`` is the column's left edge and ``y0`` the offset of its row (data units)."""
    mx = x0 + 0.03
    cx = mx + _MAIN_W / 2
    ax.text(
        x0 + 0.5,
        y0 + 9.85,
        f"Site {site}",
        ha="center",
        va="center",
        fontsize=STYLE["title_size"],
        fontweight="bold",
        color=color,
    )
    _flow_box(ax, mx, y0 + _Y_REF, _MAIN_W, _MAIN_H, f"Referred\nn = {_fmt_int(r['referred'])}", color, True)
    _flow_box(ax, mx, y0 + _Y_REC, _MAIN_W, _MAIN_H, f"Recruited\nn = {_fmt_int(r['recruited'])}", color, True)
    followed = f"Followed up\nn = {_fmt_int(r['followed_up'])}"
    _flow_box(ax, mx, y0 + _Y_FU, _MAIN_W, _MAIN_H, followed, color, True)

    not_recruited = _exit_text(
        "Not recruited",
        _diff(r["referred"], r["recruited"]),
        (("Ineligible", r["ineligible"]), ("Declined", r["declined"])),
    )
    not_followed = _exit_text(
        "Not followed up",
        _diff(r["recruited"], r["followed_up"]),
        (("Withdrew", r["withdrawn"]), ("Lost to follow-up", r["lost_to_followup"])),
    )
    sx = x0 + _SIDE_X0
    _flow_box(ax, sx, y0 + _Y_EX1, _SIDE_W, _SIDE_H, not_recruited, color, False)
    _flow_box(ax, sx, y0 + _Y_EX2, _SIDE_W, _SIDE_H, not_followed, color, False)

    _flow_arrow(ax, cx, y0 + _Y_REF - _MAIN_H / 2, cx, y0 + _Y_REC + _MAIN_H / 2)
    _flow_arrow(ax, cx, y0 + _Y_REC - _MAIN_H / 2, cx, y0 + _Y_FU + _MAIN_H / 2)
    _flow_arrow(ax, cx, y0 + _Y_EX1, sx, y0 + _Y_EX1)
    _flow_arrow(ax, cx, y0 + _Y_EX2, sx, y0 + _Y_EX2)


def _flow_alt(sites: Sequence[str], rows: Mapping[str, pd.Series]) -> str:
    """Alternative text: totals, and recruited and followed up per site."""
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
    return (
        f"Participant flow from referral to follow-up at {_sites_phrase(sites)}, in total {totals}. "
        f"Recruited and followed up by site: {per_site}."
    )


@_styled
def flow_figure(flow: pd.DataFrame, sites: Sequence[str] | None = None) -> tuple[bytes, str]:
    """Participant flow diagram, one column of boxes per site.

    Parameters
    ----------
    flow : pandas.DataFrame
        One row per site with columns ``site, referred, ineligible, declined,
        recruited, withdrawn, lost_to_followup, followed_up`` (counts).
    sites : sequence of str, optional
        The configured sites: their order and colours (default: the rows' order).

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
    configured = sites
    sites, rows = _flow_rows(flow, configured)
    if not sites:
        return _no_data_figure("No participant-flow data"), "Participant flow diagram: no data available."

    n_rows, n_cols = _flow_grid(len(sites))
    fig = _new_figure(_ROW_INCHES * n_rows, constrained=False)
    ax = fig.add_axes((0.005, 0.005, 0.99, 0.99))
    ax.set_axis_off()
    width = max(n_cols, _MAX_COLUMNS)  # columns keep the width of a full row
    ax.set_xlim(0, width)
    ax.set_ylim(0.9, 0.9 + _ROW_UNITS * n_rows)
    colors = _palette(sites, configured)
    for i, site in enumerate(sites):
        row, col = divmod(i, n_cols)
        in_row = min(n_cols, len(sites) - row * n_cols)
        x0 = (width - in_row) / 2 + col  # a short row is centred
        _flow_column(ax, x0, _ROW_UNITS * (n_rows - 1 - row), site, rows[site], colors[site])
    png = png_bytes(fig)
    return png, _flow_alt(sites, rows)
