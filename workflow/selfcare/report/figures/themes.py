"""Figure 5: heat map of coded passages by theme and group."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

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


def _theme_data(
    code_counts: pd.DataFrame, framework: Mapping[str, Any] | None
) -> tuple[pd.DataFrame, Mapping[str, Any], list[str], list[str]]:
    """Check and coerce the code counts and choose the rows and columns of the heat map.

    Parameters
    ----------
    code_counts, framework
        The inputs of :func:`theme_heatmap`.

    Returns
    -------
    df : pandas.DataFrame
        Theme-level rows of all sites combined, with numeric shares.
    themes_cfg : mapping
        The framework's themes (empty when there is no framework).
    themes : list of str
        Themes in framework order, then by first appearance.
    groups : list of str
        Stakeholder groups in reporting order, then others sorted.
    """
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
    return df, themes_cfg, themes, groups


def _theme_label(themes_cfg: Mapping[str, Any], key: str) -> str:
    """Label of a theme from the framework, else its key made readable."""
    spec = themes_cfg.get(key)
    if isinstance(spec, Mapping) and spec.get("label"):
        return str(spec["label"])
    return key.replace("_", " ").capitalize()


def _theme_matrix(
    df: pd.DataFrame, themes: Sequence[str], groups: Sequence[str]
) -> tuple[np.ndarray, dict[str, float]]:
    """Share per theme (rows) and group (columns), NaN when missing, and each group's number of interviews."""
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
    return mat, denom


def _draw_heatmap(
    fig: Figure, mat: np.ndarray, row_labels: Sequence[str], groups: Sequence[str], denom: Mapping[str, float]
) -> None:
    """Draw the annotated heat map with its colour bar.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The (empty) figure.
    mat : numpy.ndarray
        Shares, themes by groups (see :func:`_theme_matrix`).
    row_labels : sequence of str
        Theme labels (already wrapped).
    groups : sequence of str
        Group keys of the columns.
    denom : mapping of str to float
        Number of interviews per group (column labels).
    """
    ax = fig.subplots()
    cmap = LinearSegmentedColormap.from_list("share", [STYLE["heatmap_low"], STYLE["heatmap_high"]]).with_extremes(
        bad="#EEEEEE"
    )
    image = ax.imshow(np.ma.masked_invalid(mat * 100), cmap=cmap, vmin=0, vmax=100, aspect="auto")
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for i in range(len(row_labels)):
        for j in range(len(groups)):
            v = mat[i, j]
            text = _DASH if np.isnan(v) else _pct(v)
            color = "white" if (not np.isnan(v) and v > 0.55) else STYLE["text"]
            ax.text(j, i, text, ha="center", va="center", fontsize=STYLE["small_font_size"], color=color)
    ax.set_xticks(np.arange(len(groups) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(row_labels) + 1) - 0.5, minor=True)
    ax.grid(True, which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    if "all" in groups and len(groups) > 1:
        ax.axvline(groups.index("all") - 0.5, color="white", linewidth=4)
    ax.set_xticks(range(len(groups)), [f"{GROUP_LABELS.get(g, g)}\n(n = {_fmt_int(denom[g])})" for g in groups])
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(row_labels)), list(row_labels))
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("% of interviews coding the theme", fontsize=STYLE["small_font_size"])
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _pct(v / 100)))
    bar.outline.set_visible(False)
    bar.ax.tick_params(labelsize=STYLE["small_font_size"] - 0.5)


def _theme_alt(title: str, mat: np.ndarray, labels: Sequence[str], groups: Sequence[str]) -> str:
    """Alternative text: themes and groups, and the highest and lowest shares of the stakeholder groups."""
    stake = [g for g in groups if g != "all"]
    valid = [
        (mat[i, j], i, j)
        for i in range(len(labels))
        for j, g in enumerate(groups)
        if g != "all" and not np.isnan(mat[i, j])
    ]
    group_phrase = _series_phrase([GROUP_LABELS.get(g, g).lower() for g in stake])
    alt = f"{title}: {len(labels)} themes by {group_phrase}, all sites combined."
    if len(valid) == 1:
        v, i, j = valid[0]
        who = GROUP_LABELS.get(groups[j], groups[j]).lower()
        alt += f" Only share available: {labels[i]} among {who} ({_pct(v)})."
    elif valid:
        hi = max(valid, key=lambda t: (t[0], -t[1], -t[2]))
        lo = min(valid, key=lambda t: (t[0], t[1], t[2]))
        alt += (
            f" Highest: {labels[hi[1]]} among {GROUP_LABELS.get(groups[hi[2]], groups[hi[2]]).lower()} "
            f"({_pct(hi[0])}); lowest: {labels[lo[1]]} among "
            f"{GROUP_LABELS.get(groups[lo[2]], groups[lo[2]]).lower()} ({_pct(lo[0])})."
        )
    return alt


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
    df, themes_cfg, themes, groups = _theme_data(code_counts, framework)
    if df.empty or not themes or not groups:
        return _no_data_figure("No coded interviews"), f"{title}: no data available."
    labels = [_theme_label(themes_cfg, t) for t in themes]
    mat, denom = _theme_matrix(df, themes, groups)

    fig = _new_figure(1.2 + 0.34 * len(themes))
    _draw_heatmap(fig, mat, [_wrap(label, 34) for label in labels], groups, denom)
    png = png_bytes(fig)
    return png, _theme_alt(title, mat, labels, groups)
