"""Figures of the report: one house style, one function per figure.

Every figure function takes the tables the workflow writes (read back from
CSV, so numbers may arrive as strings and booleans as ``"True"``/``"False"``)
and returns ``(png, alt_text)``: the PNG as bytes and a one- or two-sentence
description generated from the same data, for the figure's alternative text.
No function reads or writes files; the caller writes the bytes with
:func:`selfcare.io.write_bytes`.

Output is deterministic: figures are drawn on matplotlib's Agg canvas with a
fixed size (width :data:`STYLE` ``["width"]`` inches), a fixed resolution, the
bundled DejaVu Sans font and a complete set of rcParams applied for the
duration of each call (so the caller's matplotlib settings cannot leak in),
and the PNG carries no software or time stamp. The same inputs therefore give
byte-identical files on the same software stack.

Empty input (no rows, or no usable values) never raises: the figure then
shows "No data" and the alternative text says so. Input that has rows but
lacks a required column raises :class:`ValueError`, because that is a
contract violation of the calling rule rather than missing data.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import sys
import textwrap
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd

from selfcare import formatting as fmt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator, PercentFormatter

#: The house style: sizes, fonts and the colour-blind-safe palette
#: (Okabe & Ito 2008). Each study site has a fixed colour.
STYLE: dict[str, Any] = {
    "dpi": 150,
    "width": 6.5,  # inches: the text width of an A4 page with 2.5 cm margins
    "font": "DejaVu Sans",
    "font_size": 8.0,
    "small_font_size": 7.0,
    "title_size": 8.5,
    "site_order": ("LO", "SO", "NO"),
    "site_colors": {"LO": "#0072B2", "SO": "#E69F00", "NO": "#009E73"},
    # further sites (not expected) take these, in sorted order of their codes
    "extra_colors": ("#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"),
    "neutral": "#4D4D4D",
    "bar": "#56B4E9",
    "reference_line": "#333333",
    "grid": "#DDDDDD",
    "edge": "#CCCCCC",
    "text": "#222222",
    "no_data": "#888888",
    # baseline is drawn as a tint of the site colour (mixed with white)
    "baseline_tint": 0.6,
    "heatmap_low": "#F7FBFF",
    "heatmap_high": "#08306B",
}

#: matplotlib settings of the house style (a seaborn "whitegrid"-like look).
RC: dict[str, Any] = {
    "figure.dpi": STYLE["dpi"],
    "savefig.dpi": STYLE["dpi"],
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "savefig.bbox": "standard",
    "font.family": "sans-serif",
    "font.sans-serif": [STYLE["font"]],
    "font.size": STYLE["font_size"],
    "mathtext.fontset": "dejavusans",
    "text.parse_math": False,
    "text.color": STYLE["text"],
    "axes.facecolor": "white",
    "axes.edgecolor": STYLE["edge"],
    "axes.linewidth": 0.8,
    "axes.grid": True,
    "axes.axisbelow": True,
    "axes.labelcolor": STYLE["text"],
    "axes.labelsize": STYLE["font_size"],
    "axes.titlesize": STYLE["title_size"],
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 4.0,
    "axes.spines.top": True,
    "axes.spines.right": True,
    "axes.prop_cycle": mpl.cycler(color=list(STYLE["site_colors"].values()) + list(STYLE["extra_colors"])),
    "grid.color": STYLE["grid"],
    "grid.linewidth": 0.6,
    "grid.linestyle": "-",
    "xtick.color": STYLE["text"],
    "ytick.color": STYLE["text"],
    "xtick.labelsize": STYLE["small_font_size"],
    "ytick.labelsize": STYLE["small_font_size"],
    "xtick.major.size": 0.0,
    "ytick.major.size": 0.0,
    "xtick.minor.size": 0.0,
    "ytick.minor.size": 0.0,
    "xtick.major.pad": 3.0,
    "ytick.major.pad": 3.0,
    "legend.frameon": False,
    "legend.fontsize": STYLE["small_font_size"],
    "lines.linewidth": 1.2,
    "lines.solid_capstyle": "round",
    "patch.linewidth": 0.6,
    "axes.unicode_minus": True,
    "image.interpolation": "nearest",
}

#: Readable names of the five outcomes and their scales (config/measures.yaml).
OUTCOME_LABELS: dict[str, str] = {
    "empowerment": "Empowerment",
    "confidence": "Mental health confidence",
    "quality_of_life": "Quality of life",
    "collaboration": "Collaboration",
    "severity": "Symptom severity",
    "satisfaction": "Satisfaction",
}
OUTCOME_SCALES: dict[str, str] = {
    "empowerment": "ES sum, 28\u2013112",
    "confidence": "MHCS mean, 1\u20136",
    "quality_of_life": "MANSA mean, 1\u20137",
    "collaboration": "STAR-P PC sum, 0\u201324",
    "severity": "CSI sum, 14\u201370",
    "satisfaction": "CSQ-8 mean, 1\u20134",
}
#: Outcomes where a higher score is worse.
HIGHER_IS_WORSE: tuple[str, ...] = ("severity",)

#: Stakeholder groups of the interviews, in reporting order, with labels.
GROUP_LABELS: dict[str, str] = {
    "service_user": "Service users",
    "carer": "Carers",
    "staff": "Staff",
    "manager": "Managers",
    "all": "All groups",
}

TIMEPOINTS: tuple[str, ...] = ("baseline", "followup")
TIMEPOINT_LABELS: dict[str, str] = {"baseline": "Baseline", "followup": "9-month follow-up"}

_MINUS = "\u2212"
_DASH = "\u2013"


# --------------------------------------------------------------------------- style


def apply_style() -> None:
    """Apply the house style to matplotlib's global settings.

    The figure functions of this module do not need this (each applies the
    style to its own drawing only); it is for notebooks and ad-hoc figures that
    should look the same.
    """
    mpl.rcdefaults()
    mpl.rcParams.update(RC)


@contextlib.contextmanager
def style_context() -> Iterator[None]:
    """Temporarily apply the house style on top of matplotlib's defaults.

    Yields
    ------
    None
        Inside the block, rcParams are matplotlib's built-in defaults updated
        with :data:`RC`; the caller's settings are restored afterwards.
    """
    with mpl.rc_context():
        mpl.rcdefaults()
        mpl.rcParams.update(RC)
        yield


def _styled(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``func`` inside :func:`style_context` (keeps name and docstring)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with style_context():
            return func(*args, **kwargs)

    return wrapper


def site_color(site: str) -> str:
    """Return the fixed colour of a study site.

    Parameters
    ----------
    site : str
        Site code (``LO``, ``SO`` or ``NO``); other codes get a colour from
        ``STYLE["extra_colors"]`` chosen by a stable hash of the code.

    Returns
    -------
    str
        Hex colour.
    """
    colors = STYLE["site_colors"]
    if site in colors:
        return colors[site]
    extra = STYLE["extra_colors"]
    return extra[sum(ord(c) for c in str(site)) % len(extra)]


def _tint(color: str, amount: float) -> tuple[float, float, float]:
    """Mix ``color`` with white; ``amount`` 0 keeps it, 1 gives white."""
    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def png_bytes(fig: Figure) -> bytes:
    """Render a figure to PNG bytes deterministically and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; its size is kept (no tight bounding box).

    Returns
    -------
    bytes
        PNG at ``STYLE["dpi"]`` with no ``Software`` or time metadata.
    """
    with style_context():
        FigureCanvasAgg(fig)
        buf = io.BytesIO()
        fig.savefig(
            buf, format="png", dpi=STYLE["dpi"], facecolor="white", edgecolor="white", metadata={"Software": None}
        )
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
    return buf.getvalue()


def _new_figure(height: float, constrained: bool = True) -> Figure:
    fig = Figure(figsize=(STYLE["width"], height), dpi=STYLE["dpi"])
    FigureCanvasAgg(fig)
    if constrained:
        fig.set_layout_engine("constrained", h_pad=0.05, w_pad=0.06, hspace=0.04, wspace=0.04)
    return fig


def _no_data(ax: Any, message: str = "No data") -> None:
    """Write ``message`` in the middle of an (otherwise bare) axes."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.text(
        0.5,
        0.5,
        message,
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=STYLE["no_data"],
        fontsize=STYLE["font_size"],
        style="italic",
    )


def _no_data_figure(message: str, height: float = 1.6) -> bytes:
    fig = _new_figure(height, constrained=False)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    for spine in ax.spines.values():
        spine.set_visible(False)
    _no_data(ax, message)
    return png_bytes(fig)


# --------------------------------------------------------------------------- input helpers


def _is_empty(df: Any) -> bool:
    return df is None or not isinstance(df, pd.DataFrame) or len(df) == 0


def _require(df: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}")


def _numeric(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype("float64")


def _text(series: pd.Series) -> pd.Series:
    return series.map(lambda v: "" if _missing(v) else str(v).strip())


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _truthy(value: Any) -> bool:
    if _missing(value):
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value != 0
    return str(value).strip().lower() in {"true", "1", "yes", "y", "t"}


def _site_order(values: Iterable[Any]) -> list[str]:
    present = {str(v) for v in values if not _missing(v) and str(v) != ""}
    known = [s for s in STYLE["site_order"] if s in present]
    return known + sorted(present - set(known))


def _ordered(values: Iterable[Any], preferred: Sequence[str]) -> list[str]:
    """Distinct values: those in ``preferred`` first (in its order), then by first appearance."""
    seen: list[str] = []
    for v in values:
        s = str(v)
        if not _missing(v) and s not in seen:
            seen.append(s)
    return [p for p in preferred if p in seen] + [s for s in seen if s not in preferred]


#: Display rules for figure labels and alt text (Unicode minus, dash when missing);
#: every number is formatted by :mod:`selfcare.formatting`, the project's one
#: formatting module.
_FMT = fmt.format_config({"minus": _MINUS, "missing": _DASH})


def _fmt(x: float, decimals: int | None = None, signed: bool = False) -> str:
    """Format a number for figures and alt text (via :mod:`selfcare.formatting`)."""
    if _missing(x) or not math.isfinite(float(x)):
        return _DASH
    if decimals is None:
        decimals = 1 if abs(float(x)) >= 10 else 2
    return (fmt.fmt_signed if signed else fmt.fmt_num)(float(x), decimals, _FMT)


def _fmt_int(x: float, missing: str = _DASH) -> str:
    if _missing(x) or not math.isfinite(float(x)):
        return missing
    return fmt.fmt_int(int(round(float(x))), _FMT)


def _fmt_p(p: float) -> str:
    if _missing(p) or not math.isfinite(float(p)):
        return "p " + _DASH
    return fmt.fmt_p(float(p), _FMT)


def _pct(x: float) -> str:
    if _missing(x) or not math.isfinite(float(x)):
        return _DASH
    return fmt.fmt_pct(100 * float(x), 0, _FMT)


def _series_phrase(items: Sequence[str]) -> str:
    """Join phrases with commas and a final "and"."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count_word(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _sites_phrase(sites: Sequence[str]) -> str:
    n = len(sites)
    noun = "site" if n == 1 else "sites"
    return f"{_count_word(n)} {noun} ({', '.join(sites)})"


def _outcome_name(outcome: str, labels: Mapping[str, str] | None = None) -> str:
    if labels and outcome in labels:
        return str(labels[outcome])
    return OUTCOME_LABELS.get(outcome, outcome.replace("_", " ").capitalize())


_TERM_LABELS: dict[str, str] = {
    "med_choice": "Taking medication as prescribed by choice",
    "severity_bl": "Baseline symptom severity",
    "quality_of_life_bl": "Baseline quality of life",
    "collaboration_bl": "Baseline collaboration",
    "empowerment_bl": "Baseline empowerment",
    "confidence_bl": "Baseline confidence",
}


def _term_label(term: str) -> str:
    if term in _TERM_LABELS:
        return _TERM_LABELS[term]
    base = term.removesuffix("_bl")
    if base != term:
        return "Baseline " + _outcome_name(base).lower()
    return term.replace("_", " ").capitalize()


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=False)) or str(text)


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


# --------------------------------------------------------------------------- 2. change


_CHANGE_COLUMNS = ("site", "outcome", "n", "mean_change", "ci_low", "ci_high", "p_value")


@_styled
def change_figure(
    change: pd.DataFrame,
    outcome_labels: Mapping[str, str] | None = None,
    outcome_scales: Mapping[str, str] | None = None,
) -> tuple[bytes, str]:
    """Mean change from baseline to 9 months with 95% CI, per site and outcome.

    Parameters
    ----------
    change : pandas.DataFrame
        Columns ``site, outcome, n, mean_change, ci_low, ci_high, p_value``
        (one row per site and outcome).
    outcome_labels, outcome_scales : mapping, optional
        Panel title and scale description per outcome; default
        :data:`OUTCOME_LABELS` and :data:`OUTCOME_SCALES`.

    Returns
    -------
    png : bytes
        One small panel per outcome (each on its own scale) with a point and
        interval per site and a line at zero.
    alt_text : str
        Which intervals exclude zero, with their mean changes.
    """
    title = "Mean change from baseline to 9 months with 95% confidence intervals"
    if _is_empty(change):
        return _no_data_figure("No change estimates"), f"{title}: no data available."
    _require(change, _CHANGE_COLUMNS, "change_figure")
    df = change.copy()
    df["site"] = _text(df["site"])
    df["outcome"] = _text(df["outcome"])
    for col in ("n", "mean_change", "ci_low", "ci_high", "p_value"):
        df[col] = _numeric(df[col])
    df = df[(df["site"] != "") & (df["outcome"] != "")]
    outcomes = _ordered(df["outcome"], list(OUTCOME_LABELS))
    sites = _site_order(df["site"])
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
        sub = df[df["outcome"] == outcome]
        head = _wrap(labels.get(outcome, _outcome_name(outcome)), 28)
        scale = scales.get(outcome)
        ax.set_title(head + (f"\n({scale})" if scale else ""), fontsize=STYLE["small_font_size"] + 0.5, loc="center")
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
            color = site_color(site)
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
        if idx % ncols == 0:
            ax.set_ylabel("Mean change")
    note = "Points: mean change (follow-up \u2212 baseline); bars: 95% confidence interval; dashed line: no change."
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
    png = png_bytes(fig)

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
    alt = f"{title} for {_count_word(k)} outcome{'s' if k != 1 else ''} at {_sites_phrase(sites)}; {detail}"
    return png, alt


# --------------------------------------------------------------------------- 3. A&E


@_styled
def ae_figure(dataset: pd.DataFrame, pre: str = "ae_bl", post: str = "ae_fu") -> tuple[bytes, str]:
    """A&E attendances per person before baseline and before follow-up, by site.

    Parameters
    ----------
    dataset : pandas.DataFrame
        One row per person with columns ``site`` and the count columns.
    pre, post : str, default ``"ae_bl"``, ``"ae_fu"``
        Attendances in the 9 months before baseline and before follow-up
        (missing when the person was not followed up).

    Returns
    -------
    png : bytes
        Grouped bars of the mean per person (complete pairs only) in the two
        windows, with the total attendances above each bar and the number of
        complete pairs under each site.
    alt_text : str
        The means, totals and n per site.
    """
    title = "Mean A&E attendances per person in the 9 months before baseline and before follow-up"
    if _is_empty(dataset):
        return _no_data_figure("No A&E data"), f"{title}: no data available."
    _require(dataset, ("site", pre, post), "ae_figure")
    df = pd.DataFrame({"site": _text(dataset["site"]), "pre": _numeric(dataset[pre]), "post": _numeric(dataset[post])})
    sites = _site_order(df["site"])
    if not sites:
        return _no_data_figure("No A&E data"), f"{title}: no data available."
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

    fig = _new_figure(3.0)
    ax = fig.subplots()
    ax.grid(False, axis="x")
    width = 0.36
    top = max([v for s in summary for v in (s["mean_pre"], s["mean_post"]) if not _missing(v)] + [0.0])
    for i, s in enumerate(summary):
        color = site_color(s["site"])
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
                f"{mean:.2f}\n({_fmt_int(total)})",
                ha="center",
                va="bottom",
                fontsize=STYLE["small_font_size"] - 0.5,
                linespacing=1.1,
            )
    ax.set_xticks(range(len(summary)), [f"{s['site']}\n(n = {s['n']})" for s in summary])
    ax.set_xlim(-0.6, len(summary) - 0.4)
    ax.set_ylim(0, top * 1.18 if top > 0 else 1)
    ax.set_ylabel("Mean A&E attendances per person")
    handles = [
        Patch(
            facecolor=_tint(STYLE["neutral"], STYLE["baseline_tint"]),
            edgecolor=STYLE["neutral"],
            label="9 months before baseline",
        ),
        Patch(facecolor=STYLE["neutral"], edgecolor=STYLE["neutral"], label="9 months before follow-up"),
    ]
    fig.legend(handles=handles, loc="outside upper center", ncols=2)
    ax.set_xlabel("Site (n = people with both counts); bar labels: mean per person (total attendances)")
    png = png_bytes(fig)

    parts = [
        (
            f"{s['site']} {_fmt(s['mean_pre'])} to {_fmt(s['mean_post'])} (n = {s['n']}; totals "
            f"{_fmt_int(s['total_pre'])} and {_fmt_int(s['total_post'])})"
            if s["n"]
            else f"{s['site']} no complete pairs"
        )
        for s in summary
    ]
    alt = f"{title} at {_sites_phrase(sites)}, among participants with both counts. " f"By site: {'; '.join(parts)}."
    return png, alt


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
                else f"{stat} {_fmt(est[i])} ({_fmt(lo[i])} to {_fmt(hi[i])}), {_fmt_p(p[i])}"
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
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    else:
        pad = (hi_v - lo_v) * 0.08 or 1.0
        ax.set_xlim(lo_v - pad, hi_v + pad)
    ax.set_xlabel(xlabel, fontsize=STYLE["small_font_size"])


@_styled
def forest_figure(
    ancova: pd.DataFrame,
    satisfaction: pd.DataFrame,
    engagement: pd.DataFrame,
    exposure: str = "med_choice",
    predictor: str = "severity_bl",
    predictors: Sequence[str] = ("quality_of_life_bl", "collaboration_bl"),
    outcome_labels: Mapping[str, str] | None = None,
) -> tuple[bytes, str]:
    """Forest plot of the three regression models, one panel each.

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
        Row labels of the ANCOVA outcomes; default :data:`OUTCOME_LABELS`.

    Returns
    -------
    png : bytes
        Three stacked panels: A (adjusted differences, reference 0),
        B (regression coefficient, reference 0), C (odds ratios on a log
        axis, reference 1), each with the estimate, CI and p-value as text.
    alt_text : str
        The estimates with their intervals.
    """
    predictors = list(predictors)
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
    labels = {**OUTCOME_LABELS, **(outcome_labels or {})}
    title = "Forest plot of the regression models"
    if anc.empty and sat.empty and eng.empty:
        return _no_data_figure("No model estimates"), f"{title}: no data available."

    heights = [max(len(anc), 1) + 1.6, max(len(sat), 1) + 1.6, max(len(eng), 1) + 1.6]
    fig = _new_figure(0.35 + 0.26 * sum(heights))
    axes = fig.subplots(3, 1, gridspec_kw={"height_ratios": heights})
    exp_label = _term_label(exposure)
    pred_label = _term_label(predictor)
    panels = [
        (
            axes[0],
            f"A  {exp_label}: 9-month outcome (ANCOVA)",
            anc,
            [labels.get(o, _outcome_name(o)) for o in anc.get("outcome", [])],
            ("estimate", "ci_low", "ci_high"),
            0.0,
            False,
            "Adjusted difference (outcome units)",
            "B",
        ),
        (
            axes[1],
            f"B  Satisfaction at 9 months: {pred_label.lower()} (linear regression)",
            sat,
            [pred_label] if not sat.empty else [],
            ("estimate", "ci_low", "ci_high"),
            0.0,
            False,
            "Regression coefficient (per point)",
            "B",
        ),
        (
            axes[2],
            "C  Staying engaged (logistic regression)",
            eng,
            [_term_label(t) for t in eng.get("term", [])],
            ("odds_ratio", "or_ci_low", "or_ci_high"),
            1.0,
            True,
            "Odds ratio per point (log scale)",
            "OR",
        ),
    ]
    for ax, head, data, row_labels, cols, ref, log, xlabel, stat in panels:
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

    def est(stat: str, v: float, lo: float, hi: float) -> str:
        if _missing(v):
            return "not estimated"
        ci = f", 95% CI {_fmt(lo)} to {_fmt(hi)}" if not (_missing(lo) or _missing(hi)) else ""
        return f"{stat} {_fmt(v)}{ci}"

    parts = []
    if not anc.empty:
        items = [
            f"{labels.get(r['outcome'], _outcome_name(r['outcome'])).lower()} "
            f"({est('B', r['estimate'], r['ci_low'], r['ci_high'])})"
            for _, r in anc.iterrows()
        ]
        parts.append(f"{exp_label.lower()} and 9-month {_series_phrase(items)}")
    if not sat.empty:
        r = sat.iloc[0]
        parts.append(f"{pred_label.lower()} and satisfaction ({est('B', r['estimate'], r['ci_low'], r['ci_high'])})")
    if not eng.empty:
        items = [
            f"{_term_label(r['term']).lower()} ({est('OR', r['odds_ratio'], r['or_ci_low'], r['or_ci_high'])})"
            for _, r in eng.iterrows()
        ]
        parts.append(f"odds ratios of staying engaged for {_series_phrase(items)}")
    alt = f"{title} with 95% confidence intervals: {'; '.join(parts)}."
    return png, alt


# --------------------------------------------------------------------------- 5. themes


_THEME_COLUMNS = ("level", "theme", "group", "site", "share", "n_interviews_in_group")


@_styled
def theme_heatmap(code_counts: pd.DataFrame, framework: Mapping[str, Any] | None) -> tuple[bytes, str]:
    """Share of interviews coding each theme, by stakeholder group.

    Parameters
    ----------
    code_counts : pandas.DataFrame
        Output of :func:`selfcare.qual.code_counts`: columns ``level, theme,
        code, group, site, n_sources, n_references, n_interviews_in_group,
        share``. Rows with ``level == "theme"`` and ``site == "all"`` are used.
    framework : mapping
        The coding framework (``{"themes": {key: {"label": ..., ...}}}``);
        gives the row order and labels. Themes not in it are appended.

    Returns
    -------
    png : bytes
        Heatmap (rows = themes, columns = the four stakeholder groups and,
        when present, all groups) annotated with percentages; missing shares
        are grey with a dash.
    alt_text : str
        The number of themes and groups and the highest and lowest shares.
    """
    title = "Share of interviews coding each theme, by stakeholder group"
    if _is_empty(code_counts):
        return _no_data_figure("No coded interviews"), f"{title}: no data available."
    _require(code_counts, _THEME_COLUMNS, "theme_heatmap")
    df = code_counts.copy()
    for col in ("level", "theme", "group", "site"):
        df[col] = _text(df[col])
    df["share"] = _numeric(df["share"])
    df["n_interviews_in_group"] = _numeric(df["n_interviews_in_group"])
    df = df[(df["level"] == "theme") & (df["site"] == "all")]
    themes_cfg = (framework or {}).get("themes", {}) if isinstance(framework, Mapping) else {}
    themes = _ordered(df["theme"], list(themes_cfg))
    groups = [g for g in GROUP_LABELS if g in set(df["group"])] + sorted(set(df["group"]) - set(GROUP_LABELS))
    if df.empty or not themes or not groups:
        return _no_data_figure("No coded interviews"), f"{title}: no data available."

    def theme_label(key: str) -> str:
        spec = themes_cfg.get(key)
        if isinstance(spec, Mapping) and spec.get("label"):
            return str(spec["label"])
        return key.replace("_", " ").capitalize()

    mat = np.full((len(themes), len(groups)), np.nan)
    denom = {}
    for j, g in enumerate(groups):
        sub = df[df["group"] == g]
        d = sub["n_interviews_in_group"].dropna()
        denom[g] = d.iloc[0] if not d.empty else math.nan
        for i, t in enumerate(themes):
            hit = sub[sub["theme"] == t]["share"].dropna()
            if not hit.empty:
                mat[i, j] = hit.iloc[0]

    fig = _new_figure(1.2 + 0.34 * len(themes))
    ax = fig.subplots()
    cmap = LinearSegmentedColormap.from_list("share", [STYLE["heatmap_low"], STYLE["heatmap_high"]]).with_extremes(
        bad="#EEEEEE"
    )
    image = ax.imshow(np.ma.masked_invalid(mat * 100), cmap=cmap, vmin=0, vmax=100, aspect="auto")
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for i in range(len(themes)):
        for j in range(len(groups)):
            v = mat[i, j]
            text = _DASH if np.isnan(v) else f"{100 * v:.0f}%"
            color = "white" if (not np.isnan(v) and v > 0.55) else STYLE["text"]
            ax.text(j, i, text, ha="center", va="center", fontsize=STYLE["small_font_size"], color=color)
    ax.set_xticks(np.arange(len(groups) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(themes) + 1) - 0.5, minor=True)
    ax.grid(True, which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    if "all" in groups and len(groups) > 1:
        ax.axvline(groups.index("all") - 0.5, color="white", linewidth=4)
    ax.set_xticks(range(len(groups)), [f"{GROUP_LABELS.get(g, g)}\n(n = {_fmt_int(denom[g])})" for g in groups])
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(themes)), [_wrap(theme_label(t), 34) for t in themes])
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("% of interviews coding the theme", fontsize=STYLE["small_font_size"])
    bar.ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    bar.outline.set_visible(False)
    bar.ax.tick_params(labelsize=STYLE["small_font_size"] - 0.5)
    png = png_bytes(fig)

    stake = [g for g in groups if g != "all"]
    valid = [
        (mat[i, j], i, j)
        for i in range(len(themes))
        for j, g in enumerate(groups)
        if g != "all" and not np.isnan(mat[i, j])
    ]
    group_phrase = _series_phrase([GROUP_LABELS.get(g, g).lower() for g in stake])
    alt = f"{title}: {len(themes)} themes by {group_phrase}, all sites combined."
    if len(valid) == 1:
        v, i, j = valid[0]
        who = GROUP_LABELS.get(groups[j], groups[j]).lower()
        alt += f" Only share available: {theme_label(themes[i])} among {who} ({_pct(v)})."
    elif valid:
        hi = max(valid, key=lambda t: (t[0], -t[1], -t[2]))
        lo = min(valid, key=lambda t: (t[0], t[1], t[2]))
        alt += (
            f" Highest: {theme_label(themes[hi[1]])} among {GROUP_LABELS.get(groups[hi[2]], groups[hi[2]]).lower()} "
            f"({_pct(hi[0])}); lowest: {theme_label(themes[lo[1]])} among "
            f"{GROUP_LABELS.get(groups[lo[2]], groups[lo[2]]).lower()} ({_pct(lo[0])})."
        )
    return png, alt


# --------------------------------------------------------------------------- 6. survey


_SURVEY_COLUMNS = ("column", "label", "n", "n_yes", "proportion", "ci_low", "ci_high")


@_styled
def survey_figure(binary: pd.DataFrame) -> tuple[bytes, str]:
    """Proportion answering yes per survey item, with Wilson 95% CIs.

    Parameters
    ----------
    binary : pandas.DataFrame
        Output of :func:`selfcare.survey.survey_summary` (yes/no items):
        columns ``column, label, n, n_yes, proportion, ci_low, ci_high``.

    Returns
    -------
    png : bytes
        Horizontal bars sorted by proportion (highest at the top; ties by
        label), CI whiskers, and "percent (yes/n)" beside each bar. Items
        nobody answered are listed at the bottom without a bar.
    alt_text : str
        The number of items and the highest and lowest proportions.
    """
    title = "Proportion of survey respondents answering yes to each item, with Wilson 95% confidence intervals"
    if _is_empty(binary):
        return _no_data_figure("No survey items"), f"{title}: no data available."
    _require(binary, _SURVEY_COLUMNS, "survey_figure")
    df = binary.copy()
    df["label"] = [lab if lab else col for lab, col in zip(_text(df["label"]), _text(df["column"]), strict=True)]
    for col in ("n", "n_yes", "proportion", "ci_low", "ci_high"):
        df[col] = _numeric(df[col])
    df = df.assign(_missing=df["proportion"].isna(), _neg=-df["proportion"].fillna(0))
    df = df.sort_values(["_missing", "_neg", "label"], kind="mergesort").reset_index(drop=True)

    n = len(df)
    fig = _new_figure(0.75 + 0.3 * n)
    ax = fig.subplots()
    ax.grid(False, axis="y")
    ys = np.arange(n)[::-1]
    for y, (_, r) in zip(ys, df.iterrows(), strict=True):
        if r["_missing"]:
            ax.text(
                0.01,
                y,
                "no answers",
                va="center",
                ha="left",
                color=STYLE["no_data"],
                style="italic",
                fontsize=STYLE["small_font_size"],
            )
        else:
            ax.barh(y, r["proportion"], height=0.62, color=STYLE["bar"], zorder=2)
            if not _missing(r["ci_low"]) and not _missing(r["ci_high"]):
                ax.errorbar(
                    r["proportion"],
                    y,
                    xerr=[[max(r["proportion"] - r["ci_low"], 0)], [max(r["ci_high"] - r["proportion"], 0)]],
                    fmt="none",
                    ecolor=STYLE["text"],
                    elinewidth=0.9,
                    capsize=2.5,
                    zorder=3,
                )
        ax.text(
            1.02,
            y,
            f"{_pct(r['proportion'])} ({_fmt_int(r['n_yes'])}/{_fmt_int(r['n'])})",
            transform=ax.get_yaxis_transform(),
            va="center",
            ha="left",
            fontsize=STYLE["small_font_size"],
        )
    ax.set_yticks(ys, [_wrap(t, 48) for t in df["label"]])
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("Respondents answering yes (bars: Wilson 95% CI)")
    png = png_bytes(fig)

    valid = df[~df["_missing"]]
    alt = f"{title}, for {n} item{'s' if n != 1 else ''}, sorted from highest to lowest."
    if not valid.empty:
        top, bottom = valid.iloc[0], valid.iloc[-1]

        def item(r: pd.Series) -> str:
            return f"{r['label']} ({_pct(r['proportion'])}, {_fmt_int(r['n_yes'])} of {_fmt_int(r['n'])})"

        alt += f" Highest: {item(top)}" + (f"; lowest: {item(bottom)}." if len(valid) > 1 else ".")
    else:
        alt += " No item was answered."
    return png, alt


# --------------------------------------------------------------------------- 7. scores


_SCORE_COLUMNS = ("pid", "site", "timepoint", "measure", "scale", "score", "primary")


@_styled
def score_distributions(scores: pd.DataFrame, measure_labels: Mapping[str, str] | None = None) -> tuple[bytes, str]:
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

    Returns
    -------
    png : bytes
        One panel per measure: box plots per site and time point (baseline a
        light tint of the site colour, follow-up the full colour) over the
        individual scores (deterministic jitter).
    alt_text : str
        Measures, sites and the median score at each time point per measure.
    """
    title = "Distributions of primary scores at baseline and 9-month follow-up"
    if _is_empty(scores):
        return _no_data_figure("No scores"), f"{title}: no data available."
    _require(scores, _SCORE_COLUMNS, "score_distributions")
    df = scores.copy()
    for col in ("site", "timepoint", "measure", "scale"):
        df[col] = _text(df[col])
    df["score"] = _numeric(df["score"])
    df = df[df["primary"].map(_truthy) & df["timepoint"].isin(TIMEPOINTS)].dropna(subset=["score"])
    labels = dict(measure_labels or {})
    measures = _ordered(df["measure"], list(labels))
    sites = _site_order(df["site"])
    if df.empty or not measures:
        return _no_data_figure("No primary scores"), f"{title}: no data available."

    k = len(measures)
    ncols = min(k, 3)
    nrows = math.ceil(k / ncols)
    fig = _new_figure(0.45 + 2.25 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    width = 0.34
    medians = []
    for idx, ax in enumerate(axes.flat):
        if idx >= k:
            ax.set_visible(False)
            continue
        measure = measures[idx]
        sub = df[df["measure"] == measure]
        scale = sub["scale"].iloc[0]
        head = labels.get(measure, _outcome_name(measure))
        if scale and scale != measure and "." in scale:
            head += f": {scale.split('.', 1)[1].replace('_', ' ')}"
        ax.set_title(_wrap(head, 25), fontsize=STYLE["small_font_size"] + 0.5, loc="left")
        ax.grid(False, axis="x")
        rng = np.random.default_rng(20100101 + idx)
        for i, site in enumerate(sites):
            color = site_color(site)
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
        if idx % ncols == 0:
            ax.set_ylabel("Score")
        med = {tp: sub[sub["timepoint"] == tp]["score"].median() for tp in TIMEPOINTS}
        medians.append((labels.get(measure, _outcome_name(measure)), med))
    handles = [
        Patch(
            facecolor=_tint(STYLE["neutral"], STYLE["baseline_tint"]), edgecolor=STYLE["text"], label="Baseline (light)"
        ),
        Patch(facecolor=STYLE["neutral"], edgecolor=STYLE["text"], label="9-month follow-up (dark)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2)
    png = png_bytes(fig)

    def med_text(name: str, med: Mapping[str, float]) -> str:
        have = [tp for tp in TIMEPOINTS if not _missing(med[tp])]
        if len(have) == 2:
            return f"{name} {_fmt(med['baseline'])} to {_fmt(med['followup'])}"
        return f"{name} {_fmt(med[have[0]])} ({TIMEPOINT_LABELS[have[0]].lower()} only)"

    alt = (
        f"{title}, box plots with individual scores for {_count_word(k)} measure{'s' if k != 1 else ''} "
        f"at {_sites_phrase(sites)}. Median score (all sites), baseline to follow-up: "
        f"{'; '.join(med_text(n, m) for n, m in medians)}."
    )
    return png, alt


# --------------------------------------------------------------------------- integration

#: Names of the report's figures, in document order (workflow/rules/manuscript.smk FIGURES).
FIGURE_NAMES: tuple[str, ...] = ("flow", "change", "ae", "forest", "themes", "survey", "scores")


def all_figures(
    tables: Mapping[str, pd.DataFrame],
    framework: Mapping[str, Any] | None,
    measure_labels: Mapping[str, str] | None,
    analysis: Mapping[str, Any] | None,
) -> dict[str, tuple[bytes, str]]:
    """Draw every figure of the report.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Keys ``flow``, ``change``, ``dataset`` (per-person analysis dataset,
        for the A&E figure), ``ancova``, ``satisfaction``, ``engagement``,
        ``counts`` (qualitative code counts), ``survey`` (binary survey items)
        and ``scores``. A missing key gives that figure's "No data" version.
    framework : mapping
        The coding framework (config/framework.yaml).
    measure_labels : mapping
        Label per measure (config/measures.yaml ``label``).
    analysis : mapping
        The ``analysis`` section of config/config.yaml; ``ancova.exposure``,
        ``satisfaction.predictor`` and ``engagement.predictors`` choose the
        terms of the forest plot.

    Returns
    -------
    dict
        ``{name: (png, alt_text)}`` for every name of :data:`FIGURE_NAMES`.
    """
    cfg = analysis or {}

    def table(key: str) -> pd.DataFrame:
        value = tables.get(key)
        return value if isinstance(value, pd.DataFrame) else pd.DataFrame()

    def setting(section: str, key: str, default: Any) -> Any:
        part = cfg.get(section)
        return part.get(key, default) if isinstance(part, Mapping) else default

    return {
        "flow": flow_figure(table("flow")),
        "change": change_figure(table("change")),
        "ae": ae_figure(table("dataset")),
        "forest": forest_figure(
            table("ancova"),
            table("satisfaction"),
            table("engagement"),
            exposure=setting("ancova", "exposure", "med_choice"),
            predictor=setting("satisfaction", "predictor", "severity_bl"),
            predictors=list(setting("engagement", "predictors", ["quality_of_life_bl", "collaboration_bl"])),
        ),
        "themes": theme_heatmap(table("counts"), framework),
        "survey": survey_figure(table("survey")),
        "scores": score_distributions(table("scores"), measure_labels),
    }


def figure_snippet(name: str, caption: str | Mapping[str, Any], alt_text: str, folder: str = "figures") -> str:
    """Markdown that includes a figure with its caption, label and alt text.

    Parameters
    ----------
    name : str
        Figure name; the image is ``{folder}/{name}.png`` and the
        cross-reference label ``#fig-{name}`` (cite it as ``@fig-{name}``).
    caption : str or mapping
        The caption (Markdown), or a mapping with key ``caption`` and
        optionally ``width`` (e.g. ``"100%"``).
    alt_text : str
        Alternative text, written as the ``fig-alt`` attribute (quotes and
        backslashes escaped; line breaks folded to spaces).
    folder : str, default "figures"
        Folder of the PNG relative to the document.

    Returns
    -------
    str
        One Quarto/pandoc image paragraph, ending with a newline.
    """
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ValueError(f"figure_snippet: invalid figure name {name!r}")
    width = None
    if isinstance(caption, Mapping):
        width = caption.get("width")
        caption = caption.get("caption", "")
    text = " ".join(str(caption).split())
    if not text:
        raise ValueError(f"figure_snippet: figure {name!r} has no caption")
    alt = " ".join(str(alt_text).split()).replace("\\", "\\\\").replace('"', '\\"')
    attrs = [f"#fig-{name}", f'fig-alt="{alt}"']
    if width:
        attrs.append(f'width="{width}"')
    return f"![{text}]({folder}/{name}.png){{{' '.join(attrs)}}}\n"


__all__ = [
    "FIGURE_NAMES",
    "GROUP_LABELS",
    "OUTCOME_LABELS",
    "OUTCOME_SCALES",
    "RC",
    "STYLE",
    "ae_figure",
    "all_figures",
    "apply_style",
    "change_figure",
    "figure_snippet",
    "flow_figure",
    "forest_figure",
    "png_bytes",
    "score_distributions",
    "site_color",
    "style_context",
    "survey_figure",
    "theme_heatmap",
]


def figure_record(
    name: str, png_path: str, png_sha256: str, alt_text: str, rule: str, script: str, inputs: Mapping[str, str]
) -> dict[str, Any]:
    """Provenance of one figure: file and hash, alt text, rule, script and hashed inputs.

    Parameters
    ----------
    name : str
        Figure name.
    png_path, png_sha256 : str
        The PNG and its SHA-256.
    alt_text : str
        The figure's alt text.
    rule, script : str
        The rule that drew it and its script.
    inputs : mapping
        Input path -> SHA-256.
    """
    return {
        "name": name, "file": png_path, "sha256": png_sha256, "alt": alt_text, "rule": rule, "script": script,
        "inputs": [{"path": p, "sha256": h} for p, h in sorted(inputs.items())],
    }


def caption_of(entry: Any) -> str:
    """The caption of a ``manuscript/figures.yaml`` entry (a string or ``{caption, ...}``)."""
    return entry["caption"] if isinstance(entry, Mapping) else str(entry)
