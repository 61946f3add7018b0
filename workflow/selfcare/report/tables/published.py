"""The published numbers as registry records, and the tables that compare the
reproduced numbers with them (Reproduction check, Table 1 check).
"""

from __future__ import annotations

import math

from decimal import Decimal
from typing import Any, Mapping, Sequence

import pandas as pd

from selfcare.report import formatting as F
from selfcare.report.registry import make_record
from selfcare.report.reproduction import NOT_ASSESSED, absent_site, finding_verdict, read_printed_p
from selfcare.report.tables.markdown import (
    _FLOAT,
    TABLE1_VARIABLE_LABELS,
    _cfg,
    _float,
    _humanise,
    _lower_first,
    _missing,
    _yes_no,
    parse_interval,
    pipe_table,
)

__all__ = [
    "published_records",
    "published_displays",
    "printed_precision_check",
    "reproduction_md",
    "table1_check_md",
]

# --------------------------------------------------------------------------
# published numbers
# --------------------------------------------------------------------------


def _decimals_of(x: Any) -> int:
    """Decimal places of a number as written (its shortest repr)."""
    if isinstance(x, bool) or x is None:
        return 0
    if isinstance(x, int):
        return 0
    exp = Decimal(repr(float(x))).as_tuple().exponent
    return max(0, -int(exp)) if isinstance(exp, int) else 0


def _published_decimals(item: Mapping[str, Any]) -> int:
    """Decimals of a published value and its interval (the most printed)."""
    if "decimals" in item:
        return int(item["decimals"])
    parts = [item["value"]] if "value" in item else []
    parts += list(item.get("ci") or [])
    return max((_decimals_of(v) for v in parts), default=0)


def published_displays(item: Mapping[str, Any], fcfg: Mapping[str, Any] | None) -> dict[str, str]:
    """Display strings of one published summary or Table 1 item.

    Parameters
    ----------
    item : mapping
        An entry of ``summary`` or ``table1`` in ``config/published.yaml``.
    fcfg : mapping or None
        Formatting configuration.

    Returns
    -------
    dict
        Any of ``value`` (with the published number of decimals and a ``%``
        sign for a unit starting with ``%``), ``ci`` (``"0.8 to 7.0"``) and
        ``p`` (bare, as printed: ``"0.005"``), for the fields the item has.
    """
    cfg = _cfg(fcfg)
    out: dict[str, str] = {}
    dec = _published_decimals(item)
    if item.get("value") is not None:
        if str(item.get("unit", "")).strip().startswith("%"):
            out["value"] = F.fmt_pct(item["value"], dec, cfg)
        else:
            out["value"] = F.fmt_num(item["value"], dec, cfg)
    ci = item.get("ci")
    if ci:
        out["ci"] = F.fmt_ci(ci[0], ci[1], dec, cfg)
    if item.get("p") is not None:
        pcfg = dict(fcfg or {})
        pcfg["p_decimals"] = int(item.get("p_decimals", 3))
        x, rel = read_printed_p(item["p"])
        if rel == "=" and 0 <= x <= 1:
            out["p"] = F.fmt_p(x, pcfg, bare=True)
        else:  # as printed ("<0.05", "NS"): a bound or a word is quoted, not reformatted
            out["p"] = " ".join(str(item["p"]).split())
    return out


def published_records(
    published: Mapping[str, Any],
    fcfg: Mapping[str, Any] | None,
    rule: str = "published_numbers",
    output: str = "config/published.yaml",
) -> list[dict[str, Any]]:
    """Number records of the published values (``config/published.yaml``).

    Keys: ``published.summary.<key>.value``, ``.ci`` and ``.p`` for the
    executive-summary results, ``published.table1.<key>.value`` and
    ``.p`` for the Table 1 statistics, for the fields that were published.

    Parameters
    ----------
    published : mapping
        Parsed ``config/published.yaml`` (``sources``, ``table1``, ``summary``).
    fcfg : mapping or None
        Formatting configuration.
    rule, output : str, optional
        Workflow rule and file recorded as the records' provenance.

    Returns
    -------
    list of dict
        Records (see :func:`selfcare.report.registry.make_record`), in file order.
        Values are the published numbers; an interval's value is the string
        ``"lo hi"`` of the bounds' reprs, as for the computed intervals.
    """
    sources = published.get("sources", {}) or {}
    records: list[dict[str, Any]] = []
    for item in published.get("summary", []) or []:
        base = f"published.summary.{item['key']}"
        shown = published_displays(item, fcfg)
        where = sources.get(item.get("source", ""), item.get("source", "published source"))
        finding = item.get("finding", item["key"])
        if "value" in shown:
            records.append(
                make_record(
                    f"{base}.value", item["value"], shown["value"], f"Published value ({where}): {finding}",
                    str(item.get("unit", "")), rule, output,
                )
            )
        if "ci" in shown:
            lo, hi = item["ci"]
            records.append(
                make_record(
                    f"{base}.ci", f"{float(lo)!r} {float(hi)!r}", shown["ci"],
                    f"Published 95% CI ({where}): {finding}", "", rule, output,
                )
            )
        if "p" in shown:
            x, rel = read_printed_p(item["p"])
            records.append(
                make_record(f"{base}.p", x if rel == "=" else shown["p"], shown["p"],
                            f"Published p-value ({where}): {finding}", "", rule, output)
            )
    for item in published.get("table1", []) or []:
        base = f"published.table1.{item['key']}"
        shown = published_displays(item, fcfg)
        where = sources.get(item.get("source", ""), item.get("source", "published source"))
        stat = item.get("statistic", "statistic")
        if "value" in shown:
            records.append(
                make_record(
                    f"{base}.value", item["value"], shown["value"],
                    f"Published Table 1 {stat} statistic for {item['key']} ({where})", "", rule, output,
                )
            )
        if "p" in shown:
            records.append(
                make_record(
                    f"{base}.p", read_printed_p(item["p"])[0] if read_printed_p(item["p"])[1] == "=" else shown["p"],
                    shown["p"],
                    f"Published Table 1 p-value for {item['key']} ({where})", "", rule, output,
                )
            )
    return records


# --------------------------------------------------------------------------
# reproduction check
# --------------------------------------------------------------------------


def _record(records_by_key: Mapping[str, Mapping[str, Any]], key: str, what: str) -> Mapping[str, Any]:
    """A record by key, or a clear error."""
    try:
        return records_by_key[key]
    except KeyError:
        raise KeyError(f"reproduction check: no number record {key!r} ({what})") from None


def _p_phrase(value: Any, display: str, cfg: Mapping[str, Any]) -> str:
    """'p = 0.012' / 'p < 0.001' from a p record."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not F.is_missing(value):
        return F.fmt_p(value, cfg)
    return f"{cfg['p_label']} {display}"


def _dof_tuple(text: Any) -> list[float] | None:
    """Degrees of freedom from '(2.0, 117.0)' (None if missing)."""
    if _missing(text):
        return None
    nums = [float(m.group(0)) for m in _FLOAT.finditer(str(text))]
    return nums or None


def _rounded(x: Any, decimals: int) -> Any:
    """``x`` rounded half away from zero (None when missing or not finite)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(v):
        return None
    return F.round_half_away(v, decimals)


def printed_precision_check(
    item: Mapping[str, Any], value: Any, interval: tuple[float, float] | None, p: Any
) -> tuple[str, list[str]]:
    """Whether a reproduced result equals the published one at its printed precision.

    The estimate, both interval bounds and the p-value are rounded (half
    away from zero) to the decimals printed in the publication and compared
    with the published numbers; only the parts that were published count.

    Returns
    -------
    verdict : str
        ``"yes"``, ``"no"``, or ``"n.a."`` when nothing was compared.
    differing : list of str
        The parts that differ (``"value"``, ``"CI"``, ``"p"``).
    """
    dec = _published_decimals(item)
    differing: list[str] = []
    compared = 0
    if item.get("value") is not None:
        compared += 1
        if _rounded(value, dec) != _rounded(item["value"], dec):
            differing.append("value")
    if item.get("ci"):
        compared += 1
        got = [None, None] if interval is None else [_rounded(b, dec) for b in interval]
        if got != [_rounded(b, dec) for b in item["ci"]]:
            differing.append("CI")
    if read_printed_p(item.get("p"))[1] == "=":  # a bound or "NS" has no digits to compare
        compared += 1
        pd_ = int(item.get("p_decimals", 3))
        if _rounded(p, pd_) != _rounded(item["p"], pd_):
            differing.append("p")
    if not compared:
        return "n.a.", differing
    return ("no" if differing else "yes"), differing


def _summary_row(item: Mapping[str, Any], records_by_key: Mapping[str, Mapping[str, Any]],
                 cfg: Mapping[str, Any], alpha: float, sites: Sequence[str] | None = None) -> dict[str, str]:
    """One row of the reproduction table for an executive-summary item."""
    shown = published_displays(item, cfg)
    level = str(records_by_key.get("config.confidence_pct", {}).get("display", "95%"))
    pub_parts = []
    if "value" in shown:
        pub_parts.append(shown["value"] + (f" (95% CI {shown['ci']})" if "ci" in shown else ""))
    if "p" in shown:
        rel = read_printed_p(item["p"])[1]
        pub_parts.append(f"{cfg['p_label']}{cfg['eq']}{shown['p']}" if rel == "=" else
                         f"{cfg['p_label']} {shown['p']}" if rel in ("<", ">") else shown["p"])
    absent = absent_site(item, sites)
    if absent is not None:
        return {"Finding": str(item.get("finding", item["key"])),
                "Published": "; ".join(pub_parts) if pub_parts else cfg["missing"],
                "Reproduced (synthetic data)": cfg["missing"], "Same at printed precision?": "n.a.",
                "Published value inside reproduced CI?": "n.a.", "Significance agrees?": "n.a.",
                "Direction agrees?": "n.a.", "Verdict": NOT_ASSESSED,
                "Note": f"site not in the hand-over ({absent} is not among its sites)"}
    est = _record(records_by_key, item["reproduced_by"], f"reproduced_by of {item['key']}")
    rep = str(est["display"])
    interval = None
    p_value = None
    if item.get("ci_key"):
        ci = _record(records_by_key, item["ci_key"], f"ci_key of {item['key']}")
        rep += f" ({level} CI {ci['display']})"
        interval = parse_interval(ci.get("value"))
    if item.get("p_key"):
        p = _record(records_by_key, item["p_key"], f"p_key of {item['key']}")
        rep += f", {_p_phrase(p.get('value'), str(p['display']), cfg)}"
        p_value = p.get("value")
    same, differing = printed_precision_check(item, est.get("value"), interval, p_value)
    verdict = finding_verdict(item, records_by_key, alpha)
    notes = []
    if item.get("value") is None:
        notes.append("only a p-value was published")
    elif interval is None:
        notes.append("no reproduced interval")
    if verdict["failed"]:
        notes.append("; ".join(verdict["failed"]))
    if differing:
        notes.append("differs at the printed precision: " + ", ".join(differing))
    if item.get("note"):
        notes.append(str(item["note"]))
    return {
        "Finding": str(item.get("finding", item["key"])),
        "Published": "; ".join(pub_parts) if pub_parts else cfg["missing"],
        "Reproduced (synthetic data)": rep,
        "Same at printed precision?": same,
        "Published value inside reproduced CI?": verdict["interval"],
        "Significance agrees?": verdict["significance"],
        "Direction agrees?": verdict["direction"],
        "Verdict": verdict["verdict"],
        "Note": "; ".join(notes),
    }


def _table1_rows(published: Mapping[str, Any], table1_check_df: pd.DataFrame, cfg: Mapping[str, Any]) -> list[dict[str, str]]:
    """Rows of the reproduction table for the baseline-table statistics."""
    rows = []
    p_decimals = {t["key"]: int(t.get("p_decimals", 3)) for t in published.get("table1", []) or []}
    for _, r in table1_check_df.iterrows():
        key = str(r["key"])
        dec = int(r["decimals"]) if not _missing(r.get("decimals")) else 1
        stat = str(r["statistic"])
        pub = F.fmt_stat(stat, _float(r["published"]), _dof_tuple(r.get("published_df")), dec, cfg)
        if not _missing(r.get("published_p")):
            pcfg = dict(cfg)
            pcfg["p_decimals"] = p_decimals.get(key, 3)
            pub += f", {F.fmt_p(float(r['published_p']), pcfg)}"
        rep = F.fmt_stat(stat, _float(r["computed"]), _dof_tuple(r.get("computed_df")), dec, cfg)
        if not _missing(r.get("computed_p")):
            rep += f", {F.fmt_p(float(r['computed_p']), cfg)}"
        note = "" if _missing(r.get("verdict")) else str(r["verdict"])
        overall = ("reproduced" if note == "reproduced" else "partly" if note.startswith("reproduced")
                   else NOT_ASSESSED if note.startswith(NOT_ASSESSED) else "not reproduced")
        rows.append(
            {
                "Finding": f"Baseline table: {_lower_first(TABLE1_VARIABLE_LABELS.get(key, _humanise(key)))}",
                "Published": pub,
                "Reproduced (synthetic data)": rep,
                "Same at printed precision?": ("yes" if str(r.get("verdict")) == "reproduced" else
                                               "n.a." if overall == NOT_ASSESSED else "no"),
                "Published value inside reproduced CI?": "n.a.",
                "Significance agrees?": "n.a.",
                "Direction agrees?": "n.a.",
                "Verdict": overall,
                "Note": note,
            }
        )
    return rows


def reproduction_md(
    published: Mapping[str, Any],
    records_by_key: Mapping[str, Mapping[str, Any]],
    table1_check_df: pd.DataFrame | None,
    fcfg: Mapping[str, Any] | None,
    alpha: float = 0.05,
    *,
    caption: str,
    sites: Sequence[str] | None = None,
) -> str:
    """Each published number beside its reproduction on the synthetic data.

    Parameters
    ----------
    published : mapping
        Parsed ``config/published.yaml``.
    records_by_key : mapping
        Number records by key (``display`` and ``value`` are used). For each
        summary item the records named by ``reproduced_by``, ``ci_key`` and
        ``p_key`` must exist. Interval records hold ``"lo hi"``.
    table1_check_df : pandas.DataFrame or None
        ``results/analysis/table1_published_check.csv``; its rows are added
        (statistic against statistic; no interval).
    fcfg : mapping or None
        Formatting configuration.
    alpha : float, default 0.05
        The configured significance level (the significance criterion).
    caption : str
        The table's caption, from ``manuscript/tables.yaml``.
    sites : sequence of str, optional
        The hand-over's sites: a finding about a site not among them is
        "not assessed" (its records are not needed). Default: all present.

    Returns
    -------
    str
        Pipe table: finding, published value (with interval and p),
        reproduced value (with interval and p), whether they are equal at
        the printed precision, the three criteria of
        :func:`selfcare.report.reproduction.finding_verdict` (published value
        inside the reproduced CI, significance agrees, direction agrees:
        ``yes``/``no``/``n.a.``), the overall verdict and a note.

    Raises
    ------
    KeyError
        If a record named by ``config/published.yaml`` is missing.
    """
    cfg = _cfg(fcfg)
    rows = [_summary_row(item, records_by_key, cfg, alpha, sites) for item in published.get("summary", []) or []]
    if table1_check_df is not None and len(table1_check_df):
        rows += _table1_rows(published, table1_check_df, cfg)
    columns = ["Finding", "Published", "Reproduced (synthetic data)", "Same at printed precision?",
               "Published value inside reproduced CI?", "Significance agrees?", "Direction agrees?", "Verdict", "Note"]
    return pipe_table(pd.DataFrame(rows, columns=columns), caption, "reproduction",
                      widths=[2.3, 1.6, 2.0, 1.3, 1.25, 1.35, 1.15, 1.5, 1.8])


def table1_check_md(check_df: pd.DataFrame, fcfg: Mapping[str, Any] | None, *, caption: str) -> str:
    """Statcheck-style check of the published Table 1 statistics.

    Parameters
    ----------
    check_df : pandas.DataFrame
        ``results/analysis/table1_published_check.csv``.
    fcfg : mapping or None
        Formatting configuration.
    caption : str
        The table's caption, from ``manuscript/tables.yaml``.
    """
    cfg = _cfg(fcfg)
    rows = []
    for _, r in check_df.iterrows():
        key = str(r["key"])
        dec = int(r["decimals"]) if not _missing(r.get("decimals")) else 1
        stat = str(r["statistic"])
        verdict = "" if _missing(r.get("verdict")) else str(r["verdict"])
        if not _missing(r.get("note")):
            verdict = f"{verdict} ({r['note']})" if verdict else str(r["note"])
        from_counts = _float(r.get("counts_statistic"))
        rows.append(
            {
                "Variable": TABLE1_VARIABLE_LABELS.get(key, _humanise(key)),
                "Published": F.fmt_stat(stat, _float(r["published"]), _dof_tuple(r.get("published_df")), dec, cfg),
                "Recomputed": F.fmt_num(_float(r["computed"]), dec + 1, cfg),
                "From printed counts": "" if from_counts is None else F.fmt_num(from_counts, dec + 1, cfg),
                "Same to printed decimals?": ("n.a." if verdict.startswith(NOT_ASSESSED)
                                              else _yes_no(r.get("reproduced"), cfg)),
                "Published p": F.fmt_p(_float(r.get("published_p")), cfg, bare=True)
                if not _missing(r.get("published_p")) else "not printed",
                "Recomputed p": F.fmt_p(_float(r.get("computed_p")), cfg, bare=True),
                "p agrees?": _yes_no(r.get("p_reproduced"), cfg),
                "Verdict": verdict,
            }
        )
    columns = ["Variable", "Published", "Recomputed", "From printed counts", "Same to printed decimals?",
               "Published p", "Recomputed p", "p agrees?", "Verdict"]
    return pipe_table(pd.DataFrame(rows, columns=columns), caption, "table1_check",
                      widths=[2.2, 1.8, 1.2, 1.2, 1.2, 1.3, 1.4, 1, 2.8])
