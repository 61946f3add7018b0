"""Figure 6: the national survey's yes/no items with Wilson intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from selfcare.report.figures.style import (
    LEVEL,
    STYLE,
    _fmt_int,
    _is_empty,
    _missing,
    _new_figure,
    _no_data_figure,
    _numeric,
    _pct,
    _require,
    _styled,
    _text,
    _wrap,
    png_bytes,
)

__all__ = [
    "survey_figure",
]

# --------------------------------------------------------------------------- 6. survey


_SURVEY_COLUMNS = ("column", "label", "n", "n_yes", "proportion", "ci_low", "ci_high")


@_styled
def survey_figure(binary: pd.DataFrame, level: str = LEVEL) -> tuple[bytes, str]:
    """Proportion answering yes per survey item, with Wilson confidence intervals.

    Parameters
    ----------
    binary : pandas.DataFrame
        Output of :func:`selfcare.survey.summary.survey_summary` (yes/no items):
        columns ``column, label, n, n_yes, proportion, ci_low, ci_high``.
    level : str, optional
        The confidence level, e.g. ``"95%"`` (from the configured alpha).

    Returns
    -------
    png : bytes
        Horizontal bars sorted by proportion (highest at the top; ties by
        label), CI whiskers, and "percent (yes/n)" beside each bar. Items
        nobody answered are listed at the bottom without a bar.
    alt_text : str
        The number of items and the highest and lowest proportions.
    """
    title = f"Proportion of survey respondents answering yes to each item, with Wilson {level} confidence intervals"
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
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _pct(v)))
    ax.set_xlabel(f"Respondents answering yes (bars: Wilson {level} CI)")
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
