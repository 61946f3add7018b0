"""The house style of the figures and the helpers every figure shares: colours,
the deterministic PNG writer, the "No data" figure, input coercion and number
formatting for labels and alt text (through :mod:`selfcare.report.formatting`).
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
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure

from selfcare.report import formatting as fmt

__all__ = [
    "GROUP_LABELS",
    "OUTCOME_LABELS",
    "OUTCOME_SCALES",
    "RC",
    "STYLE",
    "apply_style",
    "png_bytes",
    "site_color",
    "site_colors",
    "style_context",
]

#: The house style: sizes, fonts and the colour-blind-safe palette
#: (Okabe & Ito 2008). Each study site has a fixed colour.
STYLE: dict[str, Any] = {
    "dpi": 150,
    "width": 6.5,  # inches: the text width of an A4 page with 2.5 cm margins
    "font": "DejaVu Sans",
    "font_size": 8.0,
    "small_font_size": 7.0,
    "title_size": 8.5,
    # Sites take these colours in the configured order of the sites
    # (config/config.yaml sites:); more than eight sites continue with
    # matplotlib's colour-blind-accessible "petroff10" sequence.
    "site_palette": ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"),
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
    "axes.prop_cycle": mpl.cycler(color=list(STYLE["site_palette"])),
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
    # the project's one minus sign (selfcare.report.formatting.DEFAULT_FORMAT)
    "axes.unicode_minus": fmt.DEFAULT_FORMAT["minus"] == "\u2212",
    "image.interpolation": "nearest",
}

#: Fallback names and scales of the outcomes, used only when no measures
#: configuration is given: the workflow passes the names and scales of
#: config/measures.yaml (``outcome``; see :func:`selfcare.report.formatting.outcome_names`
#: and :func:`~selfcare.report.formatting.score_ranges`), so that figures and
#: tables print the same names.
OUTCOME_LABELS: dict[str, str] = {
    "empowerment": "Empowerment",
    "confidence": "Mental health confidence",
    "quality_of_life": "Quality of life",
    "collaboration": "Collaboration with main staff contact",
    "severity": "Clinical severity",
    "satisfaction": "Satisfaction with the project",
}
OUTCOME_SCALES: dict[str, str] = {}
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
TIMEPOINT_LABELS: dict[str, str] = {"baseline": "Baseline", "followup": "Follow-up"}

_MINUS = fmt.DEFAULT_FORMAT["minus"]
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


def site_colors(sites: Sequence[str]) -> dict[str, str]:
    """Colour of each study site, by its position in the configured order.

    Parameters
    ----------
    sites : sequence of str
        Site codes in the configured order (config/config.yaml ``sites``).

    Returns
    -------
    dict
        Site code -> hex colour: ``STYLE["site_palette"]`` (Okabe & Ito),
        then matplotlib's colour-blind-accessible ``petroff10``, repeating
        beyond that.
    """
    extra = [to_hex(c) for c in mpl.color_sequences["petroff10"]]
    palette = list(STYLE["site_palette"]) + [c for c in extra if c not in STYLE["site_palette"]]
    return {str(s): palette[i % len(palette)] for i, s in enumerate(sites)}


def site_color(site: str, sites: Sequence[str]) -> str:
    """Return the colour of a study site (see :func:`site_colors`).

    Parameters
    ----------
    site : str
        Site code.
    sites : sequence of str
        Site codes in the configured order; a code not among them is
        placed after them.

    Returns
    -------
    str
        Hex colour.
    """
    order = list(sites) + ([site] if site not in sites else [])
    return site_colors(order)[site]


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


def _site_order(values: Iterable[Any], sites: Sequence[str] | None = None) -> list[str]:
    """Sites present: the configured ones in their order, then others by first appearance."""
    present = list(dict.fromkeys(str(v) for v in values if not _missing(v) and str(v) != ""))
    known = [s for s in (sites or []) if s in present]
    return known + [s for s in present if s not in known]


def _palette(order: Sequence[str], sites: Sequence[str] | None) -> dict[str, str]:
    """Colours of the sites shown: by position among the configured sites (others after)."""
    full = list(sites or []) + [s for s in order if s not in (sites or [])]
    return site_colors(full)


def _ordered(values: Iterable[Any], preferred: Sequence[str]) -> list[str]:
    """Distinct values: those in ``preferred`` first (in its order), then by first appearance."""
    seen: list[str] = []
    for v in values:
        s = str(v)
        if not _missing(v) and s not in seen:
            seen.append(s)
    return [p for p in preferred if p in seen] + [s for s in seen if s not in preferred]


#: Display rules for figure labels and alt text (Unicode minus, dash when missing);
#: every number is formatted by :mod:`selfcare.report.formatting`, the project's one
#: formatting module.
_FMT = fmt.format_config({"minus": _MINUS, "missing": _DASH})


def _fmt(x: float, decimals: int | None = None, signed: bool = False) -> str:
    """Format a number for figures and alt text (via :mod:`selfcare.report.formatting`)."""
    if _missing(x) or not math.isfinite(float(x)):
        return _DASH
    if decimals is None:
        decimals = 1 if abs(float(x)) >= 10 else 2
    return (fmt.fmt_signed if signed else fmt.fmt_num)(float(x), decimals, _FMT)


def _ci_text(x: float, lo: float, hi: float) -> tuple[str, str, str]:
    """An estimate and its interval limits with the precision rule of
    :func:`selfcare.report.formatting.width_decimals` (the interval's width
    shows two significant digits), as the tables print them."""
    base = 1 if not _missing(x) and math.isfinite(float(x)) and abs(float(x)) >= 10 else 2
    decimals = base if _missing(lo) or _missing(hi) else fmt.width_decimals(float(lo), float(hi), base, _FMT)
    return _fmt(x, decimals), _fmt(lo, decimals), _fmt(hi, decimals)


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


def _count_word(n: int) -> str:
    return fmt.count_word(n)


#: The confidence level of the workflow's default ``alpha`` (figures take the
#: configured level as a parameter; this is only the default of that parameter).
LEVEL = fmt.confidence_pct(0.05, _FMT)


def _tick_formatter(ticks: Sequence[float]) -> Callable[[float, Any], str]:
    """A tick label function with as few decimals as the tick step needs."""
    steps = [abs(b - a) for a, b in zip(ticks, ticks[1:]) if b != a]
    step = min(steps) if steps else 1.0
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    scaled = step * 10**decimals
    decimals = decimals + 1 if abs(scaled - round(scaled)) > 1e-6 else decimals
    return lambda v, _pos=None: fmt.fmt_num(float(v), decimals, _FMT)


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
}


def _term_label(term: str, labels: Mapping[str, str] | None = None) -> str:
    """A model term's label; baseline scores are named after their outcome (``labels``)."""
    if term in _TERM_LABELS:
        return _TERM_LABELS[term]
    base = term.removesuffix("_bl")
    if base != term:
        return "Baseline " + _outcome_name(base, labels).lower()
    return term.replace("_", " ").capitalize()


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=False)) or str(text)
