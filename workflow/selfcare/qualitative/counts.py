"""Counts of the coded segments: by theme and code, per group and site; the
framework matrix (participant x theme); code co-occurrence; and the number
records of the qualitative stage.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from selfcare.qualitative.segments import ALL, GROUPS, check_interviews
from selfcare.refiqda.model import parse_framework

# --------------------------------------------------------------------------
# counts, matrix, co-occurrence
# --------------------------------------------------------------------------


def code_counts(
    segments: pd.DataFrame, interviews: pd.DataFrame, framework: Mapping[str, Any]
) -> pd.DataFrame:
    """Count coded interviews and references per theme and sub-code.

    Parameters
    ----------
    segments : pandas.DataFrame
        Output of :func:`coded_segments`.
    interviews : pandas.DataFrame
        The interview register; it gives the denominators, so it should list
        exactly the interviews that were transcribed and coded.
    framework : mapping
        The coding framework.

    Returns
    -------
    pandas.DataFrame
        Columns ``level`` (``theme`` or ``code``), ``theme``, ``code``
        (``"all"`` on theme rows), ``group``, ``site`` (each including
        ``"all"``), ``n_sources`` (interviews with at least one passage so
        coded), ``n_references`` (coded passages; a passage coded with two
        sub-codes of one theme counts twice at theme level),
        ``n_interviews_in_group`` (interviews of that group and site) and
        ``share`` (``n_sources / n_interviews_in_group``, missing when the
        denominator is 0). Every theme and sub-code of the framework appears
        for every group (the four stakeholder groups) and every site of the
        register, with zeros where nothing was coded.
    """
    fw = parse_framework(framework)
    register = check_interviews(interviews)
    seg = segments[["interview_id", "group", "site", "theme", "code"]]
    sites = sorted(register["site"].unique())
    rows: list[dict[str, Any]] = []
    units: list[tuple[str, str, str]] = []
    for theme, spec in fw.items():
        units.append(("theme", theme, ALL))
        units.extend(("code", theme, code) for code in spec["codes"])
    for level, theme, code in units:
        hit = seg[seg["theme"] == theme]
        if level == "code":
            hit = hit[hit["code"] == code]
        for group in (ALL, *GROUPS):
            for site in (ALL, *sites):
                reg = register
                sub = hit
                if group != ALL:
                    reg = reg[reg["group"] == group]
                    sub = sub[sub["group"] == group]
                if site != ALL:
                    reg = reg[reg["site"] == site]
                    sub = sub[sub["site"] == site]
                denominator = len(reg)
                n_sources = int(sub["interview_id"].nunique())
                rows.append(
                    {
                        "level": level,
                        "theme": theme,
                        "code": code,
                        "group": group,
                        "site": site,
                        "n_sources": n_sources,
                        "n_references": int(len(sub)),
                        "n_interviews_in_group": denominator,
                        "share": n_sources / denominator if denominator else float("nan"),
                    }
                )
    out = pd.DataFrame(rows)
    for col in ("n_sources", "n_references", "n_interviews_in_group"):
        out[col] = out[col].astype("int64")
    out["share"] = out["share"].astype("float64")
    return out


def framework_matrix(
    segments: pd.DataFrame, interviews: pd.DataFrame, framework: Mapping[str, Any]
) -> pd.DataFrame:
    """Chart the framework: participants by themes, counting coded passages.

    Parameters
    ----------
    segments : pandas.DataFrame
        Output of :func:`coded_segments`.
    interviews : pandas.DataFrame
        The interview register (every pseudonym in it gets a row).
    framework : mapping
        The coding framework (column order).

    Returns
    -------
    pandas.DataFrame
        Column ``pid`` then one column per theme key in framework order; cells
        are numbers of coded references (all of a person's interviews
        together). Rows sorted by ``pid``.
    """
    fw = parse_framework(framework)
    register = check_interviews(interviews)
    pids = sorted(register["pid"].unique())
    themes = list(fw)
    table = pd.crosstab(segments["pid"], segments["theme"]) if len(segments) else None
    data = {"pid": pids}
    for theme in themes:
        if table is not None and theme in table.columns:
            data[theme] = [int(table[theme].get(pid, 0)) for pid in pids]
        else:
            data[theme] = [0] * len(pids)
    out = pd.DataFrame(data)
    for theme in themes:
        out[theme] = out[theme].astype("int64")
    return out


def cooccurrence(segments: pd.DataFrame, framework: Mapping[str, Any]) -> pd.DataFrame:
    """Count the interviews that code each pair of themes.

    Parameters
    ----------
    segments : pandas.DataFrame
        Output of :func:`coded_segments`.
    framework : mapping
        The coding framework (row and column order).

    Returns
    -------
    pandas.DataFrame
        Column ``theme`` then one column per theme: the cell (a, b) is the
        number of interviews with at least one passage of theme a and one of
        theme b; the diagonal is the number of interviews coding the theme.
    """
    themes = list(parse_framework(framework))
    per_theme = {
        theme: set(segments.loc[segments["theme"] == theme, "interview_id"]) for theme in themes
    }
    data: dict[str, list[Any]] = {"theme": themes}
    for col in themes:
        data[col] = [len(per_theme[row] & per_theme[col]) for row in themes]
    out = pd.DataFrame(data)
    for col in themes:
        out[col] = out[col].astype("int64")
    return out


def interview_register(
    interviews: pd.DataFrame, participants: pd.DataFrame, interviewees: pd.DataFrame
) -> pd.DataFrame:
    """Join the de-identified interview list with each person's consent to quotation.

    Parameters
    ----------
    interviews : pandas.DataFrame
        De-identified ``interviews.csv`` (``interview_id, pid, group, site, timepoint``).
    participants, interviewees : pandas.DataFrame
        De-identified registers with ``pid`` and ``consent_quotes``.

    Returns
    -------
    pandas.DataFrame
        The columns :func:`coded_segments` expects. A person missing from both
        registers gets ``consent_quotes = "no"`` (never quoted).
    """
    consent = pd.concat(
        [participants[["pid", "consent_quotes"]], interviewees[["pid", "consent_quotes"]]], ignore_index=True
    ).drop_duplicates("pid")
    out = interviews[["interview_id", "pid", "group", "site", "timepoint"]].merge(consent, on="pid", how="left")
    out["consent_quotes"] = out["consent_quotes"].fillna("no")
    return out.sort_values("interview_id").reset_index(drop=True)


def _join(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def qualitative_records(counts: pd.DataFrame, register: pd.DataFrame, framework: Mapping[str, Any], fcfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Named numbers of the qualitative analysis (interviews and theme counts)."""
    from selfcare.report import formatting as fmt
    from selfcare.report.registry import make_record

    cfg = fmt.format_config(fcfg)
    recs = [make_record("qual.interviews.total", int(len(register)), fmt.fmt_int(len(register), cfg), "Interviews analysed", "interviews")]
    for group, n in register.groupby("group").size().items():
        recs.append(make_record(f"qual.interviews.{group}", int(n), fmt.fmt_int(int(n), cfg), f"Interviews with {group.replace('_', ' ')}s", "interviews"))
    people = register.drop_duplicates("pid")
    recs.append(make_record("qual.people.total", int(len(people)), fmt.fmt_int(len(people), cfg), "People interviewed", "people"))
    n_themes = len(framework["themes"])
    recs.append(make_record("qual.n_themes_word", n_themes, fmt.count_word(n_themes), "Themes of the framework (in words)", "themes"))
    labels = [str(t.get("label", name)) if isinstance(t, Mapping) else str(name) for name, t in framework["themes"].items()]
    recs.append(make_record("qual.themes.list", " | ".join(labels), _join([lb[:1].lower() + lb[1:] for lb in labels]),
                            "Themes of the framework, in order (labels)"))
    themes = counts[(counts["level"] == "theme") & (counts["site"] == "all") & (counts["group"] == "all")] if "all" in set(counts["group"]) else None
    for theme in framework["themes"]:
        sub = counts[(counts["level"] == "theme") & (counts["theme"] == theme) & (counts["site"] == "all")]
        if themes is not None:
            row = themes[themes["theme"] == theme]
            n_src = int(row["n_sources"].iloc[0]) if len(row) else int(sub["n_sources"].sum())
        else:
            n_src = int(sub["n_sources"].sum())
        share = n_src / len(register) * 100 if len(register) else float("nan")
        recs.append(make_record(f"qual.theme.{theme}.sources", n_src, fmt.fmt_int(n_src, cfg), f"Interviews coding the theme {theme}", "interviews"))
        recs.append(make_record(f"qual.theme.{theme}.share", share, fmt.fmt_pct(share, 0, cfg), f"Share of interviews coding the theme {theme}", "%"))
    return recs
