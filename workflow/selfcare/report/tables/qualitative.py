"""Tables of the qualitative and survey results: counts by theme and code,
quotations, and the national survey.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from selfcare.report import formatting as F
from selfcare.report.tables.markdown import (
    GROUP_LABELS,
    GROUP_LABELS_PLURAL,
    _cfg,
    _float,
    _humanise,
    _site_order,
    md_escape,
    pipe_table,
)

__all__ = [
    "qual_counts_md",
    "quotes_md",
    "survey_md",
]

# --------------------------------------------------------------------------
# qualitative
# --------------------------------------------------------------------------


def _themes(framework: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``themes`` mapping of ``config/framework.yaml`` (or the mapping itself)."""
    themes = framework.get("themes", framework)
    if not isinstance(themes, Mapping) or not themes:
        raise ValueError("framework has no themes")
    return themes


def _code_label(framework: Mapping[str, Any], theme: str, code: str) -> str:
    """Label of a sub-code from the framework (humanised key if absent)."""
    codes = _themes(framework).get(theme, {}).get("codes", {}) or {}
    return str(codes.get(code, _humanise(code)))


def _theme_label(framework: Mapping[str, Any], theme: str) -> str:
    """Label of a theme from the framework."""
    return str(_themes(framework).get(theme, {}).get("label", _humanise(theme)))


def qual_counts_md(
    code_counts: pd.DataFrame,
    framework: Mapping[str, Any],
    fcfg: Mapping[str, Any] | None = None,
    include_codes: bool = True,
    sites: Sequence[str] | None = None, *, caption: str) -> str:
    """Interviews coding each theme (and sub-code), by stakeholder group and site.

    Parameters
    ----------
    caption : str
        The table's caption, from ``manuscript/tables.yaml``.
    code_counts : pandas.DataFrame
        ``results/qualitative/code_counts.csv`` (``level, theme, code, group,
        site, n_sources, n_interviews_in_group``).
    framework : mapping
        Parsed ``config/framework.yaml``.
    fcfg : mapping, optional
        Formatting configuration.
    include_codes : bool, optional
        Add a row per sub-code under its theme.
    sites : sequence of str, optional
        Site column order: the configured sites (default: first appearance).
    """
    cfg = _cfg(fcfg)
    cc = code_counts.copy()
    for col in ("level", "theme", "code", "group", "site"):
        cc[col] = cc[col].astype(str)
    groups = [g for g in ("service_user", "carer", "staff", "manager") if g in set(cc["group"])]
    groups += [g for g in pd.unique(cc["group"]) if g not in groups and g != "all"]
    site_cols = _site_order([s for s in pd.unique(cc["site"]) if s != "all"], sites)
    columns: list[tuple[str, str, str]] = [("all", "all", "All interviews")]
    columns += [(g, "all", GROUP_LABELS_PLURAL.get(g, _humanise(g))) for g in groups]
    columns += [("all", s, s) for s in site_cols]

    theme_rows = cc[cc["level"] == "theme"]
    headers = []
    for g, s, name in columns:
        hit = theme_rows[(theme_rows["group"] == g) & (theme_rows["site"] == s)]
        n = hit["n_interviews_in_group"].iloc[0] if not hit.empty else None
        headers.append(f"{name} (n = {F.fmt_int(n, cfg)})" if n is not None else name)

    def cells(sub: pd.DataFrame) -> list[str]:
        out = []
        for g, s, _ in columns:
            hit = sub[(sub["group"] == g) & (sub["site"] == s)]
            if hit.empty:
                out.append(cfg["missing"])
            else:
                r = hit.iloc[0]
                out.append(F.fmt_count_pct(r["n_sources"], r["n_interviews_in_group"], 0, cfg))
        return out

    rows = []
    for theme, spec in _themes(framework).items():
        sub = cc[(cc["level"] == "theme") & (cc["theme"] == theme)]
        rows.append([f"**{md_escape(_theme_label(framework, theme))}**", *cells(sub)])
        if include_codes:
            for code in (spec.get("codes") or {}):
                csub = cc[(cc["level"] == "code") & (cc["theme"] == theme) & (cc["code"] == code)]
                rows.append([f"\u2003{md_escape(_code_label(framework, theme, code))}", *cells(csub)])
    df = pd.DataFrame(rows, columns=["Theme / sub-code", *headers])
    widths = [3.6] + [1.3] * (len(headers))
    return pipe_table(df, caption, "qual_counts", raw_columns=["Theme / sub-code"], widths=widths)


def quotes_md(quotes: pd.DataFrame, framework: Mapping[str, Any], *, caption: str) -> str:
    """Illustrative quotations by theme, as scrubbed (``[NAME]``, ``[PLACE]``...).

    Parameters
    ----------
    caption : str
        The table's caption, from ``manuscript/tables.yaml``.
    quotes : pandas.DataFrame
        ``results/qualitative/quotes.csv`` (``theme, code, group, site, quote``).
    framework : mapping
        Parsed ``config/framework.yaml``.

    Notes
    -----
    The quote text is printed character for character (only escaped for
    markdown); pseudonyms and interview ids are not shown.
    """
    order = {t: i for i, t in enumerate(_themes(framework))}
    q = quotes.copy()
    q["_order"] = [order.get(str(t), len(order)) for t in q["theme"]]
    q = q.sort_values("_order", kind="stable")
    rows = []
    previous = None
    for _, r in q.iterrows():
        theme = str(r["theme"])
        rows.append(
            {
                "Theme": _theme_label(framework, theme) if theme != previous else "",
                "Sub-code": _code_label(framework, theme, str(r["code"])),
                "Speaker": f"{GROUP_LABELS.get(str(r['group']), _humanise(r['group']))}, {r['site']}",
                "Quotation": str(r["quote"]),
            }
        )
        previous = theme
    df = pd.DataFrame(rows, columns=["Theme", "Sub-code", "Speaker", "Quotation"])
    return pipe_table(df, caption, "quotes", widths=[1.8, 1.8, 1.4, 6], align=["l", "l", "l", "l"])


# --------------------------------------------------------------------------
# survey
# --------------------------------------------------------------------------


def survey_md(
    response: pd.DataFrame,
    binary: pd.DataFrame,
    likert: pd.DataFrame,
    fcfg: Mapping[str, Any] | None,
    level: str = "",
    *,
    caption: str,
) -> str:
    """National survey of Mental Health Trusts: yes/no items and agreement items
    (``caption`` from ``manuscript/tables.yaml``).

    ``level`` is the confidence level of the intervals (from the configured
    alpha); empty gives that of alpha 0.05.

    Parameters
    ----------
    response : pandas.DataFrame
        ``results/survey/response.csv`` (one row: ``invited, responded, rate,
        ci_low, ci_high``).
    binary : pandas.DataFrame
        ``results/survey/binary_items.csv``.
    likert : pandas.DataFrame
        ``results/survey/likert_items.csv``.
    fcfg : mapping or None
        Formatting configuration.
    """
    cfg = _cfg(fcfg)
    level = level or F.confidence_pct(0.05, cfg)
    rows = []
    for _, b in binary.iterrows():
        rows.append(
            {
                "Question": str(b["label"]),
                "Answered": F.fmt_int(b["n"], cfg),
                f"Yes or agree, % ({level} CI)": (
                    f"{F.fmt_pct(float(b['proportion']) * 100, 0, cfg)} "
                    f"({F.fmt_ci(float(b['ci_low']) * 100, float(b['ci_high']) * 100, 0, cfg)})"
                ),
                "Median (IQR)": "",
            }
        )
    for _, lk in likert.iterrows():
        rows.append(
            {
                "Question": str(lk["label"]),
                "Answered": F.fmt_int(lk["n"], cfg),
                f"Yes or agree, % ({level} CI)": F.fmt_pct(_float(lk["pct_agree"]), 0, cfg),
                "Median (IQR)": (
                    f"{F.fmt_num(_float(lk['median']), 0 if float(lk['median']).is_integer() else 1, cfg)} "
                    f"({F.fmt_range(_float(lk['q1']), _float(lk['q3']), 0 if float(lk['q1']).is_integer() and float(lk['q3']).is_integer() else 1, cfg)})"
                ),
            }
        )
    df = pd.DataFrame(rows, columns=["Question", "Answered", f"Yes or agree, % ({level} CI)", "Median (IQR)"])
    return pipe_table(df, caption, "survey", widths=[5, 1, 2, 1.4])
