"""Figure 5: heat map of coded passages by theme and group."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.ticker import PercentFormatter

from selfcare.report.figures.style import (
    _DASH,
    GROUP_LABELS,
    STYLE,
    _fmt_int,
    _is_empty,
    _new_figure,
    _no_data_figure,
    _numeric,
    _ordered,
    _pct,
    _require,
    _series_phrase,
    _styled,
    _text,
    _wrap,
    png_bytes,
)

__all__ = [
    "theme_heatmap",
]

# --------------------------------------------------------------------------- 5. themes


_THEME_COLUMNS = ("level", "theme", "group", "site", "share", "n_interviews_in_group")


@_styled
def theme_heatmap(code_counts: pd.DataFrame, framework: Mapping[str, Any] | None) -> tuple[bytes, str]:
    """Share of interviews coding each theme, by stakeholder group.

    Parameters
    ----------
    code_counts : pandas.DataFrame
        Output of :func:`selfcare.qualitative.counts.code_counts`: columns ``level, theme,
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
