"""Markdown tables of the manuscript, built from the workflow's result files.

Each builder takes the result tables as read back from their CSV files
(``pandas.read_csv``) and plain dicts (configuration, registry records), and
returns one Quarto/pandoc *pipe table* followed by its caption line::

    | Site | n |
    |:-----|--:|
    | LO   | 38 |

    : Participants by site {#tbl-flow}

The manuscript pulls them in with ``{{< include tables/<name>.md >}}`` and
refers to them as ``@tbl-<name>``. Every number is formatted by
:mod:`selfcare.formatting` with the configuration's ``formatting`` block;
nothing here reads or writes files. :func:`published_records` turns
``config/published.yaml`` into number records (``published.*`` keys) so the
text can quote the published values with ``{{< var >}}`` too.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from selfcare import formatting as F
from selfcare.registry import make_record

__all__ = [
    "TABLE_NAMES",
    "md_escape",
    "pipe_table",
    "provenance_anchor",
    "published_records",
    "published_displays",
    "table1_md",
    "flow_md",
    "change_md",
    "service_use_md",
    "models_md",
    "reliability_md",
    "qual_counts_md",
    "quotes_md",
    "survey_md",
    "reproduction_md",
    "table1_check_md",
    "provenance_md",
    "figures_provenance_md",
    "build_all",
]

#: Names of the generated tables (file ``tables/<name>.md``, label ``tbl-<name>``).
TABLE_NAMES = (
    "table1",
    "flow",
    "change",
    "service_use",
    "models",
    "reliability",
    "qual_counts",
    "quotes",
    "survey",
    "reproduction",
    "table1_check",
    "provenance",
    "figures_provenance",
)

#: Site order used when a frame does not fix one.
SITE_ORDER = ("LO", "SO", "NO")

OUTCOME_LABELS = {
    "empowerment": "Empowerment",
    "confidence": "Mental health confidence",
    "quality_of_life": "Quality of life",
    "collaboration": "Collaboration with main staff contact",
    "severity": "Clinical severity",
    "satisfaction": "Satisfaction with the project",
}

MEASURE_LABELS = {
    "empowerment": "Empowerment Scale",
    "confidence": "Mental Health Confidence Scale",
    "quality_of_life": "MANSA",
    "collaboration": "STAR-P",
    "satisfaction": "CSQ-8",
    "severity": "Colorado Symptom Index",
}

SERVICE_LABELS = {
    "ae": "A&E attendances",
    "admissions": "Psychiatric admissions",
    "nights": "Inpatient nights",
    "crisis": "Crisis team contacts",
    "gp": "GP contacts",
}

GROUP_LABELS = {
    "service_user": "Service user",
    "carer": "Carer",
    "staff": "Staff",
    "manager": "Manager",
}

GROUP_LABELS_PLURAL = {
    "all": "All interviews",
    "service_user": "Service users",
    "carer": "Carers",
    "staff": "Staff",
    "manager": "Managers",
}

#: Row labels of Table 1 (variables) and of its categories.
TABLE1_VARIABLE_LABELS = {
    "age": "Age, years",
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "dependants": "Dependants",
    "marital_status": "Marital status",
    "education": "Education",
    "living_alone": "Living alone",
    "supported_accommodation": "Supported accommodation",
    "unemployed": "Unemployed",
    "admitted_bl": "Psychiatric admission, previous nine months",
    "ae_any_bl": "A&E attendance (psychiatric), previous nine months",
}

TABLE1_LEVEL_LABELS = {
    "white_british": "White British",
    "white_other": "White other",
    "other": "Other ethnic group",
    "not_recorded": "Not recorded",
    "single": "Single",
    "married_cohabiting": "Married or cohabiting",
    "separated_divorced": "Separated or divorced",
    "gcse_or_below": "GCSE or below",
    "above_gcse": "Above GCSE",
    "female": "Female",
    "male": "Male",
    "yes": "Yes",
    "no": "No",
}

#: Category shown for a Table 1 variable printed as one row (the level counted).
TABLE1_SINGLE_LEVEL = {"gender": "female"}

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!|@$~^&'\"])")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def md_escape(text: Any) -> str:
    """Escape text for a markdown table cell or caption.

    Backslash-escapes the characters that pandoc markdown could read as
    markup (``|``, ``*``, ``_``, brackets, ``<``, ``@`` (citations), ``$``,
    ``{`` (shortcodes)...) and those its smart typography would change
    (straight quotes, ``--``, ``...``); line breaks become spaces. Missing
    values give "". The rendered text is the input, character for character
    (apart from runs of whitespace).
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return ""
    flat = " ".join(str(text).split())
    out = _MD_SPECIAL.sub(r"\\\1", flat)
    out = out.replace("...", "\\.\\.\\.")  # no ellipsis character
    return re.sub(r"-(?=-)", r"-\\", out)  # "--" -> "-\-": no en dash


def _label(label: str) -> str:
    """Table label with the ``tbl-`` prefix."""
    label = str(label).strip().lstrip("#")
    if not label:
        raise ValueError("a table needs a label")
    return label if label.startswith("tbl-") else f"tbl-{label}"


_NUMERIC_CELL = re.compile(r"^[<>+\-\u2212]?\s*\d")


def pipe_table(
    df: pd.DataFrame,
    caption: str,
    label: str,
    raw_columns: Iterable[str] = (),
    widths: Sequence[float] | None = None,
    align: Sequence[str] | None = None,
) -> str:
    """Render a frame of text as a pandoc pipe table with a caption line.

    Parameters
    ----------
    df : pandas.DataFrame
        Cells as they should appear (already formatted); the column names
        are the header.
    caption : str
        Caption (markdown; not escaped).
    label : str
        Cross-reference label, with or without the ``tbl-`` prefix.
    raw_columns : iterable of str, optional
        Columns whose cells are already markdown (not escaped); every other
        cell is escaped with :func:`md_escape` (so ``|`` becomes ``\\|``).
    widths : sequence of float, optional
        Relative column widths, written as the dash counts of the separator
        line (pandoc uses them when a row is wider than the page).
    align : sequence of str, optional
        ``"l"``, ``"r"`` or ``"c"`` per column; default right for columns
        whose non-empty cells all start with a number, else left.

    Returns
    -------
    str
        The table, a blank line and ``: caption {#tbl-label}``, ending with a
        newline.
    """
    columns = [str(c) for c in df.columns]
    if not columns:
        raise ValueError("a table needs at least one column")
    raw = set(raw_columns)
    rows = []
    for _, record in df.iterrows():
        rows.append(
            [str(record[c]) if c in raw else md_escape(record[c]) for c in df.columns]
        )
    if align is None:
        align = []
        for j in range(len(columns)):
            cells = [r[j] for r in rows if r[j].strip()]
            numeric = bool(cells) and all(_NUMERIC_CELL.match(c.lstrip("\\")) for c in cells)
            align.append("r" if numeric and j > 0 else "l")
    if len(align) != len(columns):
        raise ValueError("align needs one entry per column")
    if widths is not None and len(widths) != len(columns):
        raise ValueError("widths needs one entry per column")
    seps = []
    for j, a in enumerate(align):
        n = 3 if widths is None else max(3, int(round(float(widths[j]) * 10)))
        dashes = "-" * n
        seps.append({"l": ":" + dashes, "r": dashes + ":", "c": ":" + dashes + ":"}.get(a, dashes))
    header = "| " + " | ".join(md_escape(c) for c in columns) + " |"
    lines = [header, "|" + "|".join(seps) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + f"\n\n: {' '.join(caption.split())} {{#{_label(label)}}}\n"


def _cfg(fcfg: Mapping[str, Any] | None) -> dict[str, Any]:
    """Complete formatting configuration."""
    return F.format_config(fcfg)


def _missing(x: Any) -> bool:
    """True for None/NaN/NA and empty strings."""
    if isinstance(x, str):
        return not x.strip()
    return F.is_missing(x)


def _float(x: Any) -> float | None:
    """A number from a CSV cell (None if missing)."""
    if _missing(x):
        return None
    return float(x)


def _yes_no(x: Any, cfg: Mapping[str, Any]) -> str:
    """yes / no for a boolean cell (also "True"/"False" text), n.a. if missing."""
    if _missing(x):
        return "n.a."
    if isinstance(x, str):
        low = x.strip().lower()
        if low in ("true", "yes", "1"):
            return "yes"
        if low in ("false", "no", "0"):
            return "no"
        raise ValueError(f"not a yes/no value: {x!r}")
    return "yes" if bool(x) else "no"


def _humanise(name: str) -> str:
    """snake_case to 'Snake case'."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (A&E, GP)."""
    word = text.split(" ", 1)[0]
    if len(word) > 1 and not word[1:].islower():
        return text
    return text[:1].lower() + text[1:]


def _site_order(values: Iterable[Any], sites: Sequence[str] | None = None) -> list[str]:
    """Sites present, in the given order (default LO, SO, NO), others after."""
    present = list(dict.fromkeys(str(v) for v in values))
    order = list(sites) if sites is not None else list(SITE_ORDER)
    first = [s for s in order if s in present]
    return first + [s for s in present if s not in first]


def _p_text(p: Any, cfg: Mapping[str, Any]) -> str:
    """Bare p-value for a table column."""
    return F.fmt_p(_float(p), cfg, bare=True)


_FLOAT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan", re.IGNORECASE)


def parse_interval(value: Any) -> tuple[float, float] | None:
    """Bounds of an interval record value.

    Interval records store ``"lo hi"`` (the reprs of two floats). Reprs such
    as ``"np.float64(0.77) np.float64(1.87)"`` are accepted too (the numbers
    are taken in order); a pair or list of numbers is accepted as is.

    Returns
    -------
    (float, float) or None
        None if the value does not hold exactly two finite numbers.
    """
    if isinstance(value, (list, tuple)) and len(value) == 2:
        nums = [float(v) for v in value]
    elif isinstance(value, str):
        text = re.sub(r"np\.float\d*\(|float\(|\)", " ", value)
        nums = [float(m.group(0)) for m in _FLOAT.finditer(text)]
    else:
        return None
    if len(nums) != 2 or not all(math.isfinite(v) for v in nums):
        return None
    lo, hi = nums
    return (min(lo, hi), max(lo, hi))


def _id_part(text: Any) -> str:
    """Text usable inside an HTML id / pandoc attribute (letters, digits, _ and -)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", str(text))


def provenance_anchor(key: str) -> str:
    """HTML id of a number's row in the provenance table: ``prov-<key with . -> ->``.

    E.g. ``change.lo.empowerment.mean`` -> ``prov-change-lo-empowerment-mean``;
    a figure's row is ``prov-fig-<name>``.
    """
    return "prov-" + _id_part(str(key).replace(".", "-"))


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
        out["p"] = F.fmt_p(item["p"], pcfg, bare=True)
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
        Records (see :func:`selfcare.registry.make_record`), in file order.
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
            records.append(
                make_record(f"{base}.p", float(item["p"]), shown["p"], f"Published p-value ({where}): {finding}", "", rule, output)
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
                    f"{base}.p", float(item["p"]), shown["p"],
                    f"Published Table 1 p-value for {item['key']} ({where})", "", rule, output,
                )
            )
    return records


# --------------------------------------------------------------------------
# Table 1
# --------------------------------------------------------------------------


def table1_md(
    table1_df: pd.DataFrame,
    site_n: Mapping[str, Any] | None = None,
    fcfg: Mapping[str, Any] | None = None,
    single_levels: Mapping[str, str] | None = None,
) -> str:
    """Table 1: baseline characteristics by site.

    Parameters
    ----------
    table1_df : pandas.DataFrame
        ``results/analysis/table1.csv``: ``variable, label, row``, one text
        column per site, ``test``.
    site_n : mapping, optional
        Site -> number recruited, shown in the header ("LO (n = 38)").
    fcfg : mapping, optional
        Formatting configuration (for the header counts).
    single_levels : mapping, optional
        Variable -> level counted when a variable is shown as one row
        (default: gender -> female, others -> yes).
    """
    cfg = _cfg(fcfg)
    need = ["variable", "row", "test"]
    for col in need:
        if col not in table1_df.columns:
            raise ValueError(f"table1 frame has no column '{col}'")
    fixed = {"variable", "label", "row", "test"}
    sites = [c for c in table1_df.columns if c not in fixed]
    singles = dict(TABLE1_SINGLE_LEVEL)
    singles.update(single_levels or {})
    rows = []
    previous = None
    for _, r in table1_df.iterrows():
        variable = str(r["variable"])
        first = variable != previous
        previous = variable
        name = TABLE1_VARIABLE_LABELS.get(variable, _humanise(r.get("label", variable)))
        row_label = str(r["row"])
        if row_label in (variable, str(r.get("label", ""))):
            category = TABLE1_LEVEL_LABELS.get(singles.get(variable, "yes"), _humanise(singles.get(variable, "yes")))
        else:
            category = TABLE1_LEVEL_LABELS.get(row_label, row_label)
        out = {"Characteristic": name if first else "", "Category": category}
        for s in sites:
            out[s] = "" if _missing(r[s]) else str(r[s])
        out["Test across sites"] = "" if _missing(r["test"]) else str(r["test"])
        rows.append(out)
    df = pd.DataFrame(rows, columns=["Characteristic", "Category", *sites, "Test across sites"])
    if site_n:
        df = df.rename(columns={s: f"{s} (n = {F.fmt_int(site_n[s], cfg)})" for s in sites if s in site_n})
    caption = (
        "Baseline characteristics of the synthetic sample by site (number of people unless stated). "
        "Sites are compared by one-way ANOVA (age), Kruskal-Wallis test (dependants) and Pearson "
        "chi-squared test without continuity correction (all other rows)."
    )
    return pipe_table(df, caption, "table1", widths=[2.6, 2.2, *[1.3] * len(sites), 2.4])


# --------------------------------------------------------------------------
# participant flow
# --------------------------------------------------------------------------

_FLOW_ROWS = [
    ("referred", "Referred"),
    ("ineligible", "Not eligible"),
    ("declined", "Declined"),
    ("recruited", "Recruited (baseline)"),
    ("withdrawn", "Withdrew"),
    ("lost_to_followup", "Lost to follow-up"),
    ("followed_up", "Followed up at nine months"),
    ("unaccounted_referrals", "Referrals not accounted for"),
]


def flow_md(flow_df: pd.DataFrame, fcfg: Mapping[str, Any] | None = None) -> str:
    """Participant flow by site, with the numbers analysed per outcome.

    Parameters
    ----------
    flow_df : pandas.DataFrame
        ``results/analysis/flow.csv`` (one row per site).
    fcfg : mapping, optional
        Formatting configuration.
    """
    cfg = _cfg(fcfg)
    if "site" not in flow_df.columns:
        raise ValueError("flow frame has no column 'site'")
    frame = flow_df.set_index(flow_df["site"].astype(str))
    sites = _site_order(frame.index)
    stages = [(c, lab) for c, lab in _FLOW_ROWS if c in frame.columns]
    outcomes = [c[len("analysed_"):] for c in frame.columns if c.startswith("analysed_")]
    for o in outcomes:
        label = OUTCOME_LABELS.get(o, _humanise(o))
        stages.append((f"analysed_{o}", f"Analysed, {label.lower()} (both scores)"))
        if f"excluded_{o}_score_missing" in frame.columns:
            stages.append((f"excluded_{o}_score_missing", f"Followed up, {label.lower()} score missing"))
    rows = []
    for col, label in stages:
        row = {"Stage": label}
        total = 0
        for s in sites:
            v = frame.loc[s, col]
            row[s] = F.fmt_int(v, cfg)
            total += 0 if F.is_missing(v) else int(v)
        row["All sites"] = F.fmt_int(total, cfg)
        rows.append(row)
    df = pd.DataFrame(rows, columns=["Stage", *sites, "All sites"])
    caption = (
        "Participant flow by site, from referral to the nine-month follow-up, and the number of people "
        "with both a baseline and a follow-up score for each outcome (complete-case analysis)."
    )
    return pipe_table(df, caption, "flow", widths=[4.5, *[1] * len(sites), 1.2])


# --------------------------------------------------------------------------
# change by site
# --------------------------------------------------------------------------


def change_md(
    change_df: pd.DataFrame,
    fcfg: Mapping[str, Any] | None,
    decimals: Mapping[str, int] | None = None,
) -> str:
    """Within-site change from baseline to nine months (paired t-test, Wilcoxon).

    Parameters
    ----------
    change_df : pandas.DataFrame
        ``results/analysis/change.csv``.
    fcfg : mapping or None
        Formatting configuration.
    decimals : mapping, optional
        Outcome -> decimal places (default 1).
    """
    cfg = _cfg(fcfg)
    dec = dict(decimals or {})
    sites = _site_order(change_df["site"])
    has_note = "note" in change_df.columns and any(not _missing(v) for v in change_df["note"])
    rows = []
    for s in sites:
        part = change_df[change_df["site"].astype(str) == s]
        for _, r in part.iterrows():
            d = dec.get(str(r["outcome"]), 1)
            row = {
                "Site": s,
                "Outcome": OUTCOME_LABELS.get(str(r["outcome"]), _humanise(r["outcome"])),
                "n": F.fmt_int(r["n"], cfg),
                "Baseline mean": F.fmt_num(_float(r["mean_pre"]), d, cfg),
                "Follow-up mean": F.fmt_num(_float(r["mean_post"]), d, cfg),
                "Mean change (95% CI)": F.fmt_est_ci(
                    _float(r["mean_change"]), _float(r["ci_low"]), _float(r["ci_high"]), d, cfg, level=None, signed=True
                ),
                "p (paired t)": _p_text(r["p_value"], cfg),
                "p (Wilcoxon)": _p_text(r.get("wilcoxon_p"), cfg),
                "Cohen's dz": F.fmt_num(_float(r.get("cohen_dz")), 2, cfg),
            }
            if has_note:
                row["Note"] = "" if _missing(r.get("note")) else str(r["note"])
            rows.append(row)
    columns = ["Site", "Outcome", "n", "Baseline mean", "Follow-up mean", "Mean change (95% CI)",
               "p (paired t)", "p (Wilcoxon)", "Cohen's dz"] + (["Note"] if has_note else [])
    caption = (
        "Change from baseline to nine months within each site: mean of the paired differences "
        "(follow-up minus baseline) with its 95% confidence interval and paired t-test p-value, the "
        "Wilcoxon signed-rank p-value as a sensitivity analysis, and the standardised change "
        "(Cohen's dz). Complete cases only."
    )
    widths = [0.7, 2.4, 0.6, 1.1, 1.1, 2.2, 1.3, 1.4, 1.1] + ([2] if has_note else [])
    return pipe_table(pd.DataFrame(rows, columns=columns), caption, "change", widths=widths)


# --------------------------------------------------------------------------
# service use
# --------------------------------------------------------------------------


def _concat(frames: Any) -> pd.DataFrame:
    """One frame from a frame, a sequence of frames or a mapping of frames."""
    if isinstance(frames, pd.DataFrame):
        return frames
    if isinstance(frames, Mapping):
        frames = list(frames.values())
    frames = [f for f in frames if f is not None and len(f.columns)]
    if not frames:
        raise ValueError("no service-use frames given")
    return pd.concat(frames, ignore_index=True)


def service_use_md(frames: Any, fcfg: Mapping[str, Any] | None) -> str:
    """Service use in the nine months before baseline and before follow-up.

    Parameters
    ----------
    frames : DataFrame, sequence or mapping of DataFrames
        ``results/analysis/service_use_<site>.csv`` (one per site).
    fcfg : mapping or None
        Formatting configuration.
    """
    cfg = _cfg(fcfg)
    df = _concat(frames)
    sites = _site_order(df["site"])
    has_note = "note" in df.columns and any(not _missing(v) for v in df["note"])
    rows = []
    for s in sites:
        for _, r in df[df["site"].astype(str) == s].iterrows():
            row = {
                "Site": s,
                "Service": SERVICE_LABELS.get(str(r["service"]), _humanise(r["service"])),
                "n": F.fmt_int(r["n_persons"], cfg),
                "Total before": F.fmt_int(r["total_pre"], cfg),
                "Total after": F.fmt_int(r["total_post"], cfg),
                "Rate ratio (95% CI)": F.fmt_est_ci(
                    _float(r["rate_ratio"]), _float(r["rr_ci_low"]), _float(r["rr_ci_high"]), 2, cfg, level=None
                ),
                "Reduction, % (95% CI)": F.fmt_est_ci(
                    _float(r["pct_reduction"]), _float(r["pct_reduction_ci_low"]),
                    _float(r["pct_reduction_ci_high"]), 0, cfg, level=None,
                ),
                "p (GEE)": _p_text(r["p_value"], cfg),
                "p (exact)": _p_text(r.get("exact_p_value"), cfg),
            }
            if has_note:
                row["Note"] = "" if _missing(r.get("note")) else str(r["note"])
            rows.append(row)
    columns = ["Site", "Service", "n", "Total before", "Total after", "Rate ratio (95% CI)",
               "Reduction, % (95% CI)", "p (GEE)", "p (exact)"] + (["Note"] if has_note else [])
    caption = (
        "Use of services reported for the nine months before baseline (before) and the nine months "
        "before follow-up (after), among people with both reports. Rate ratio after/before from a "
        "Poisson GEE with exchangeable working correlation and robust standard errors; reduction = "
        "(1 - rate ratio) x 100; exact p from the conditional binomial test of the two totals."
    )
    widths = [0.8, 2.2, 0.6, 1, 1, 2, 2, 0.9, 0.9] + ([2] if has_note else [])
    return pipe_table(pd.DataFrame(rows, columns=columns), caption, "service_use", widths=widths)


# --------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------

_SITE_TERM = re.compile(r"^C\(site\)\[T\.(?P<level>[^\]]+)\]$")


def _term_label(term: str, exposure_label: str) -> str:
    """Readable name of a model term."""
    m = _SITE_TERM.match(term)
    if m:
        return f"Site {m.group('level')} (vs reference site)"
    if term == "med_choice":
        return exposure_label
    if term.endswith("_bl"):
        base = term[: -len("_bl")]
        return f"Baseline {OUTCOME_LABELS.get(base, _humanise(base)).lower()}"
    return _humanise(term)


def _term_order(term: str) -> int:
    """Exposure first, baseline terms next, site contrasts last (stable within)."""
    if term == "med_choice":
        return 0
    if _SITE_TERM.match(term):
        return 3
    if term.endswith("_bl"):
        return 1
    return 2


def models_md(
    ancova: pd.DataFrame,
    satisfaction: pd.DataFrame,
    engagement: pd.DataFrame,
    fcfg: Mapping[str, Any] | None,
    exposure_label: str = "Takes medication as prescribed, by choice",
) -> str:
    """The three regression models: ANCOVA, satisfaction (OLS), engagement (logistic).

    Parameters
    ----------
    ancova : pandas.DataFrame
        ``results/analysis/ancova.csv`` (``outcome, term, estimate, ci_low,
        ci_high, p_value, n``).
    satisfaction : pandas.DataFrame
        ``results/analysis/satisfaction.csv``.
    engagement : pandas.DataFrame
        ``results/analysis/engagement.csv`` (odds ratios in ``odds_ratio,
        or_ci_low, or_ci_high``).
    fcfg : mapping or None
        Formatting configuration.
    exposure_label : str, optional
        Label of the medication-choice term.
    """
    cfg = _cfg(fcfg)
    rows = []

    def add(model: str, frame: pd.DataFrame, est: str, lo: str, hi: str, dec: int, scale: str) -> None:
        terms = [t for t in frame["term"].astype(str) if t != "Intercept"]
        for term in sorted(terms, key=_term_order):
            r = frame[frame["term"].astype(str) == term].iloc[0]
            rows.append(
                {
                    "Model": model,
                    "Term": _term_label(term, exposure_label),
                    "Scale": scale,
                    "Estimate (95% CI)": F.fmt_est_ci(_float(r[est]), _float(r[lo]), _float(r[hi]), dec, cfg, level=None),
                    "p": _p_text(r["p_value"], cfg),
                    "n": F.fmt_int(r["n"], cfg) if "n" in frame.columns else "",
                }
            )
            model = ""  # name the model on its first row only

    for outcome in pd.unique(ancova["outcome"].astype(str)):
        part = ancova[ancova["outcome"].astype(str) == outcome]
        label = OUTCOME_LABELS.get(outcome, _humanise(outcome)).lower()
        add(f"ANCOVA: {label} at nine months", part, "estimate", "ci_low", "ci_high", 2, "difference")
    add("Linear: satisfaction with the project", satisfaction, "estimate", "ci_low", "ci_high", 3, "coefficient")
    add("Logistic: staying engaged", engagement, "odds_ratio", "or_ci_low", "or_ci_high", 2, "odds ratio")
    caption = (
        "Regression models (complete cases). ANCOVA: nine-month score on baseline score, choosing to "
        "take medication as prescribed and site. Linear model: satisfaction with the project (item "
        "mean) on baseline clinical severity and site. Logistic model: staying engaged on baseline "
        "quality of life, collaboration with the main staff contact and site (odds ratios). Site terms "
        "are contrasts with the reference site."
    )
    df = pd.DataFrame(rows, columns=["Model", "Term", "Scale", "Estimate (95% CI)", "p", "n"])
    return pipe_table(df, caption, "models", widths=[2.6, 3, 1.2, 2.2, 0.8, 0.6])


# --------------------------------------------------------------------------
# reliability
# --------------------------------------------------------------------------


def _scale_label(scale: str, measures: Mapping[str, Any] | None) -> str:
    """'collaboration.positive_collaboration' -> 'STAR-P: positive collaboration'."""
    measure, _, sub = str(scale).partition(".")
    label = MEASURE_LABELS.get(measure, _humanise(measure))
    if measures:
        m = (measures.get("measures") or measures).get(measure)
        if isinstance(m, Mapping) and m.get("label"):
            label = str(m["label"])
    return f"{label}: {sub.replace('_', ' ')}" if sub else label


def reliability_md(
    rel_baseline: pd.DataFrame,
    rel_followup: pd.DataFrame,
    fcfg: Mapping[str, Any] | None,
    measures: Mapping[str, Any] | None = None,
) -> str:
    """Internal consistency (Cronbach's alpha) of each scale at both time points.

    Parameters
    ----------
    rel_baseline, rel_followup : pandas.DataFrame
        ``results/scores/reliability_<timepoint>.csv`` (``measure, scale, n,
        n_items, alpha, ci_low, ci_high``).
    fcfg : mapping or None
        Formatting configuration.
    measures : mapping, optional
        Parsed ``config/measures.yaml``, for the measures' labels.
    """
    cfg = _cfg(fcfg)
    frames = {"baseline": rel_baseline, "followup": rel_followup}
    scales: list[str] = []
    for frame in frames.values():
        scales += [s for s in frame["scale"].astype(str) if s not in scales]
    rows = []
    for scale in scales:
        row = {"Scale": _scale_label(scale, measures)}
        items = ""
        for tp, frame in frames.items():
            hit = frame[frame["scale"].astype(str) == scale]
            name = "Baseline" if tp == "baseline" else "Follow-up"
            if hit.empty:
                row[f"{name} n"] = cfg["missing"]
                row[f"{name} alpha (95% CI)"] = cfg["missing"]
                continue
            r = hit.iloc[0]
            items = items or F.fmt_int(r["n_items"], cfg)
            row[f"{name} n"] = F.fmt_int(r["n"], cfg)
            row[f"{name} alpha (95% CI)"] = F.fmt_est_ci(
                _float(r["alpha"]), _float(r["ci_low"]), _float(r["ci_high"]), 2, cfg, level=None
            )
        row["Items"] = items
        rows.append(row)
    columns = ["Scale", "Items", "Baseline n", "Baseline alpha (95% CI)", "Follow-up n", "Follow-up alpha (95% CI)"]
    caption = (
        "Internal consistency of each scale and subscale: Cronbach's alpha with its 95% confidence "
        "interval, among people who answered every item at that time point (n)."
    )
    return pipe_table(pd.DataFrame(rows, columns=columns), caption, "reliability", widths=[4, 0.8, 1, 2, 1, 2])


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
    sites: Sequence[str] | None = None,
) -> str:
    """Interviews coding each theme (and sub-code), by stakeholder group and site.

    Parameters
    ----------
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
        Site column order (default LO, SO, NO).
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
    caption = (
        "Framework analysis of the synthetic interview transcripts: number (and share) of interviews "
        "in which each theme and sub-code was coded at least once, for all interviews, by stakeholder "
        "group and by site."
    )
    widths = [3.6] + [1.3] * (len(headers))
    return pipe_table(df, caption, "qual_counts", raw_columns=["Theme / sub-code"], widths=widths)


def quotes_md(quotes: pd.DataFrame, framework: Mapping[str, Any]) -> str:
    """Illustrative quotations by theme, as scrubbed (``[NAME]``, ``[PLACE]``...).

    Parameters
    ----------
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
    caption = (
        "Illustrative quotations from the synthetic transcripts, chosen by the workflow's quote rule "
        "from people who consented to quotation; names, places and other identifiers appear as "
        "placeholders such as [NAME] after scrubbing."
    )
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
) -> str:
    """National survey of Mental Health Trusts: yes/no items and agreement items.

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
    rows = []
    for _, b in binary.iterrows():
        rows.append(
            {
                "Question": str(b["label"]),
                "Answered": F.fmt_int(b["n"], cfg),
                "Yes or agree, % (95% CI)": (
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
                "Yes or agree, % (95% CI)": F.fmt_pct(_float(lk["pct_agree"]), 0, cfg),
                "Median (IQR)": (
                    f"{F.fmt_num(_float(lk['median']), 0 if float(lk['median']).is_integer() else 1, cfg)} "
                    f"({F.fmt_range(_float(lk['q1']), _float(lk['q3']), 0 if float(lk['q1']).is_integer() and float(lk['q3']).is_integer() else 1, cfg)})"
                ),
            }
        )
    r = response.iloc[0]
    caption = (
        f"National survey of Mental Health Trusts (synthetic): {F.fmt_int(r['responded'], cfg)} of "
        f"{F.fmt_int(r['invited'], cfg)} invited Trusts responded "
        f"({F.fmt_pct(float(r['rate']) * 100, 0, cfg)}; 95% CI "
        f"{F.fmt_ci(float(r['ci_low']) * 100, float(r['ci_high']) * 100, 0, cfg)}). Yes/no items: share "
        "answering yes with its Wilson 95% confidence interval. Agreement items (five-point scale): "
        "share agreeing or strongly agreeing, and median with interquartile range."
    )
    df = pd.DataFrame(rows, columns=["Question", "Answered", "Yes or agree, % (95% CI)", "Median (IQR)"])
    return pipe_table(df, caption, "survey", widths=[5, 1, 2, 1.4])


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


def reproduction_md(
    published: Mapping[str, Any],
    records_by_key: Mapping[str, Mapping[str, Any]],
    table1_check_df: pd.DataFrame | None,
    fcfg: Mapping[str, Any] | None,
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

    Returns
    -------
    str
        Pipe table: finding, published value (with interval and p),
        reproduced value (with interval and p), whether the published value
        lies inside the reproduced 95% CI (``yes``/``no``; ``n.a.`` when no
        value was published or no interval was reproduced) and a note.

    Raises
    ------
    KeyError
        If a record named by ``config/published.yaml`` is missing.
    """
    cfg = _cfg(fcfg)
    rows = []
    for item in published.get("summary", []) or []:
        shown = published_displays(item, cfg)
        pub_parts = []
        if "value" in shown:
            pub_parts.append(shown["value"] + (f" (95% CI {shown['ci']})" if "ci" in shown else ""))
        if "p" in shown:
            pub_parts.append(f"{cfg['p_label']}{cfg['eq']}{shown['p']}")
        est = _record(records_by_key, item["reproduced_by"], f"reproduced_by of {item['key']}")
        rep = str(est["display"])
        interval = None
        if item.get("ci_key"):
            ci = _record(records_by_key, item["ci_key"], f"ci_key of {item['key']}")
            rep += f" (95% CI {ci['display']})"
            interval = parse_interval(ci.get("value"))
        if item.get("p_key"):
            p = _record(records_by_key, item["p_key"], f"p_key of {item['key']}")
            rep += f", {_p_phrase(p.get('value'), str(p['display']), cfg)}"
        notes = []
        if item.get("value") is None:
            inside = "n.a."
            notes.append("only a p-value was published")
        elif interval is None:
            inside = "n.a."
            notes.append("no reproduced interval")
        else:
            v = float(item["value"])
            inside = "yes" if interval[0] <= v <= interval[1] else "no"
        if item.get("note"):
            notes.append(str(item["note"]))
        rows.append(
            {
                "Finding": str(item.get("finding", item["key"])),
                "Published": "; ".join(pub_parts) if pub_parts else cfg["missing"],
                "Reproduced (synthetic data)": rep,
                "Published value inside reproduced 95% CI?": inside,
                "Note": "; ".join(notes),
            }
        )
    if table1_check_df is not None and len(table1_check_df):
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
            rows.append(
                {
                    "Finding": f"Baseline table: {_lower_first(TABLE1_VARIABLE_LABELS.get(key, _humanise(key)))}",
                    "Published": pub,
                    "Reproduced (synthetic data)": rep,
                    "Published value inside reproduced 95% CI?": "n.a.",
                    "Note": note,
                }
            )
    caption = (
        "Reproduction check: each number of the published executive summary (Gillard et al. 2010) "
        "and each test statistic of the published baseline table (Gillard et al. 2012) beside the "
        "value reproduced by this workflow on the synthetic data. The fourth column asks whether the "
        "published value lies inside the reproduced 95% confidence interval."
    )
    columns = ["Finding", "Published", "Reproduced (synthetic data)", "Published value inside reproduced 95% CI?", "Note"]
    return pipe_table(pd.DataFrame(rows, columns=columns), caption, "reproduction", widths=[3, 2.4, 3, 1.3, 2.4])


def table1_check_md(check_df: pd.DataFrame, fcfg: Mapping[str, Any] | None) -> str:
    """Statcheck-style check of the published Table 1 statistics.

    Parameters
    ----------
    check_df : pandas.DataFrame
        ``results/analysis/table1_published_check.csv``.
    fcfg : mapping or None
        Formatting configuration.
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
                "Same to printed decimals?": _yes_no(r.get("reproduced"), cfg),
                "Published p": F.fmt_p(_float(r.get("published_p")), cfg, bare=True)
                if not _missing(r.get("published_p")) else "not printed",
                "Recomputed p": F.fmt_p(_float(r.get("computed_p")), cfg, bare=True),
                "p agrees?": _yes_no(r.get("p_reproduced"), cfg),
                "Verdict": verdict,
            }
        )
    caption = (
        "Check of the test statistics printed in the published baseline table (Gillard et al. 2012): "
        "each statistic recomputed from the synthetic data (which reproduce the published counts) "
        "and, where the table gives yes/no counts, from those counts alone."
    )
    columns = ["Variable", "Published", "Recomputed", "From printed counts", "Same to printed decimals?",
               "Published p", "Recomputed p", "p agrees?", "Verdict"]
    return pipe_table(pd.DataFrame(rows, columns=columns), caption, "table1_check",
                      widths=[2.2, 1.8, 1.2, 1.2, 1.2, 1.3, 1.4, 1, 2.8])


# --------------------------------------------------------------------------
# provenance
# --------------------------------------------------------------------------


def _short(sha: Any, n: int = 12) -> str:
    """First ``n`` hex digits of a hash ('' if missing)."""
    return "" if _missing(sha) else str(sha)[:n]


def _breakable(text: Any) -> str:
    """Escaped text with break opportunities (zero-width spaces) after each
    ``/``, ``.`` and ``_``, so that long paths, keys and rule names wrap in
    narrow columns."""
    out = md_escape(text)
    for ch in ("/", "."):
        out = out.replace(ch, ch + "\u200b")
    return out.replace("\\_", "\\_\u200b")


def provenance_md(manifest: Sequence[Mapping[str, Any]]) -> str:
    """Every number of the registry with the rule, script and file behind it.

    Parameters
    ----------
    manifest : sequence of dict
        Entries of :func:`selfcare.registry.provenance_manifest` (``key,
        display, rule, script, output, output_sha256``).

    Returns
    -------
    str
        Pipe table; the key in the first cell of each row is a span with the
        id ``prov-<key with dots as hyphens>`` (see :func:`provenance_anchor`)
        so that values in the HTML can link to their row. Zero-width spaces
        after the dots let long keys wrap.
    """
    rows = []
    for entry in sorted(manifest, key=lambda e: str(e["key"])):
        key = str(entry["key"])
        rows.append(
            {
                "Key": f"[{_breakable(key)}]{{#{provenance_anchor(key)}}}",
                "Value": md_escape(entry.get("display", "")),
                "Rule": _breakable(entry.get("rule", "")),
                "Script": _breakable(entry.get("script", "")),
                "Output file": _breakable(entry.get("output", "")),
                "sha256 (output)": _short(entry.get("output_sha256")),
            }
        )
    caption = (
        "Provenance of every number in the registry: the workflow rule and script that computed it, "
        "the file that holds it and the first twelve hexadecimal digits of that file's SHA-256 hash "
        "(the full hashes, with those of the inputs and package modules, are in the provenance "
        "manifest)."
    )
    df = pd.DataFrame(rows, columns=["Key", "Value", "Rule", "Script", "Output file", "sha256 (output)"])
    return pipe_table(df, caption, "provenance", raw_columns=list(df.columns), widths=[3.4, 1.6, 1.8, 2.4, 2.4, 1.5],
                      align=["l", "r", "l", "l", "l", "l"])


def figures_provenance_md(figs: Sequence[Mapping[str, Any]]) -> str:
    """Every figure with the rule, script and inputs that made it.

    Parameters
    ----------
    figs : sequence of dict
        ``{name, rule, script, inputs, sha256}``; ``inputs`` is a list of
        paths (or of ``{path, sha256}``); ``sha256`` is the PNG's hash.
    """
    rows = []
    for fig in sorted(figs, key=lambda f: str(f["name"])):
        inputs = fig.get("inputs") or []
        if isinstance(inputs, (str, bytes)):
            inputs = [inputs]
        paths = [str(i.get("path", "")) if isinstance(i, Mapping) else str(i) for i in inputs]
        rows.append(
            {
                "Figure": f"[{md_escape(fig['name'])}]{{#{provenance_anchor('fig.' + str(fig['name']))}}}",
                "Rule": _breakable(fig.get("rule", "")),
                "Script": _breakable(fig.get("script", "")),
                "Inputs": "; ".join(_breakable(p) for p in sorted(paths)),
                "sha256 (PNG)": _short(fig.get("sha256")),
            }
        )
    caption = (
        "Provenance of the figures: the rule and script that drew each one, its input files and the "
        "first twelve hexadecimal digits of the SHA-256 hash of the image."
    )
    df = pd.DataFrame(rows, columns=["Figure", "Rule", "Script", "Inputs", "sha256 (PNG)"])
    return pipe_table(df, caption, "figures_provenance", raw_columns=list(df.columns),
                      widths=[1.3, 1.5, 2.6, 5, 1.5], align=["l"] * 5)


# --------------------------------------------------------------------------
# everything at once
# --------------------------------------------------------------------------


def build_all(
    results: Mapping[str, Any],
    config: Mapping[str, Any],
    published: Mapping[str, Any],
    framework: Mapping[str, Any],
    records_by_key: Mapping[str, Mapping[str, Any]],
    manifest: Sequence[Mapping[str, Any]],
    figs: Sequence[Mapping[str, Any]],
    measures: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """All tables, by name (see :data:`TABLE_NAMES`).

    Parameters
    ----------
    results : mapping
        Frames read from ``results/``: ``table1``, ``flow``, ``change``,
        ``service_use`` (list or mapping of per-site frames), ``ancova``,
        ``satisfaction``, ``engagement``, ``reliability_baseline``,
        ``reliability_followup``, ``code_counts``, ``quotes``,
        ``survey_response``, ``survey_binary``, ``survey_likert``,
        ``table1_check`` and ``changes`` (the number changes since the
        accepted version).
    config : mapping
        Workflow configuration (``formatting`` is used).
    published, framework, measures : mapping
        Parsed ``config/published.yaml``, ``framework.yaml``, ``measures.yaml``.
    records_by_key : mapping
        Number records by key (computed and ``published.*``).
    manifest : sequence of dict
        Provenance manifest of the numbers.
    figs : sequence of dict
        Provenance of the figures.

    Returns
    -------
    dict
        Name -> markdown text.
    """
    fcfg = config.get("formatting", {})
    flow = results["flow"]
    site_n = {str(r["site"]): r["recruited"] for _, r in flow.iterrows()} if "recruited" in flow.columns else None
    return {
        "table1": table1_md(results["table1"], site_n, fcfg),
        "flow": flow_md(flow, fcfg),
        "change": change_md(results["change"], fcfg),
        "service_use": service_use_md(results["service_use"], fcfg),
        "models": models_md(results["ancova"], results["satisfaction"], results["engagement"], fcfg),
        "reliability": reliability_md(results["reliability_baseline"], results["reliability_followup"], fcfg, measures),
        "qual_counts": qual_counts_md(results["code_counts"], framework, fcfg),
        "quotes": quotes_md(results["quotes"], framework),
        "survey": survey_md(results["survey_response"], results["survey_binary"], results["survey_likert"], fcfg),
        "reproduction": reproduction_md(published, records_by_key, results["table1_check"], fcfg),
        "table1_check": table1_check_md(results["table1_check"], fcfg),
        "provenance": provenance_md(manifest),
        "figures_provenance": figures_provenance_md(figs),
        "changes": changes_md(results.get("changes")),
    }


def changes_md(changes: pd.DataFrame) -> str:
    """Reported numbers that changed since the accepted version (old -> new)."""
    if changes is None or len(changes) == 0:
        body = pd.DataFrame([{"Key": "(none)", "Status": "unchanged", "Accepted": "", "Current": ""}])
    else:
        body = pd.DataFrame(
            {
                "Key": [_breakable(str(k)) for k in changes["key"]],
                "Status": changes["status"].astype(str),
                "Accepted": changes["accepted"].fillna("").astype(str),
                "Current": changes["current"].fillna("").astype(str),
            }
        )
    return pipe_table(body, "Reported numbers that changed since the accepted version", "tbl-changes", raw_columns=["Key"])
