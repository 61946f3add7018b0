"""Pipe tables and the labels every table builder shares.

:func:`pipe_table` writes a Quarto/pandoc pipe table followed by its caption
line; :func:`md_escape` escapes cell text; the label mappings name sites,
outcomes, services and groups the same way in every table.
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from selfcare.report import formatting as F

__all__ = [
    "TABLE_NAMES",
    "md_escape",
    "pipe_table",
    "provenance_anchor",
]

#: Names of the generated tables (file ``tables/<name>.md``, label ``tbl-<name>``).
TABLE_NAMES = (
    "table1",
    "flow",
    "change",
    "service_use",
    "models",
    "sensitivity",
    "reliability",
    "qual_counts",
    "quotes",
    "survey",
    "reproduction",
    "table1_check",
    "provenance",
    "figures_provenance",
)

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
    """Sites present, in the configured order (default: first appearance), others after."""
    present = list(dict.fromkeys(str(v) for v in values))
    order = list(sites) if sites is not None else present
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
