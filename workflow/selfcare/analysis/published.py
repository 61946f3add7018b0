"""Table 1 against the published statistics (a statcheck-style check).

:func:`check_published` recomputes each published test statistic and p-value
of Table 1 from the published counts and from the data, at the published
precision, and says for each whether it is reproduced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.stats as st

from selfcare.analysis.checks import _join_notes, _require_columns
from selfcare.report.formatting import round_half_away

__all__ = [
    "check_published",
]

# --------------------------------------------------------------------------
# checking published statistics (statcheck-style)
# --------------------------------------------------------------------------

_FAMILY = {
    "f": "F",
    "chi2": "chi2",
    "chi^2": "chi2",
    "χ²": "chi2",
    "χ2": "chi2",
    "x2": "chi2",
    "chi-squared": "chi2",
    "chisq": "chi2",
    "h": "chi2",  # Kruskal-Wallis H is referred to chi-squared
    "t": "t",
    "z": "z",
}

_PUBLISHED_KEYS = {
    "key",
    "statistic",
    "value",
    "df",
    "p",
    "decimals",
    "p_decimals",
    "source",
    "counts",
    "counts_type",
    "note",
}

CHECK_COLUMNS = [
    "key",
    "statistic",
    "published",
    "computed",
    "decimals",
    "reproduced",
    "published_df",
    "computed_df",
    "df_match",
    "published_p",
    "p_relation",
    "computed_p",
    "recomputed_p",
    "p_reproduced",
    "internally_consistent",
    "counts_statistic",
    "counts_consistent",
    "verdict",
    "note",
    "source",
]


def _family(name: Any, key: str) -> str:
    fam = _FAMILY.get(str(name).strip().lower()) if name is not None else None
    if fam is None:
        raise ValueError(
            f"published item '{key}': statistic '{name}' is not one of F, chi2, H, t, z"
        )
    return fam


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def _round_dec(x: float, decimals: int) -> Decimal:
    """Round half away from zero on the decimal representation of ``x``."""
    return round_half_away(float(x), decimals)


def _decimals_of(x: float) -> int:
    """Number of decimals in the shortest representation of ``x``."""
    exp = _dec(x).normalize().as_tuple().exponent
    return max(0, -int(exp))


def _p_from(fam: str, value: float, df: Sequence[float]) -> float:
    """Upper-tail (two-sided for t, z) p-value of a test statistic."""
    if not np.isfinite(value):
        return math.nan
    if fam == "chi2":
        return float(st.chi2.sf(value, df[0])) if len(df) >= 1 else math.nan
    if fam == "F":
        return float(st.f.sf(value, df[0], df[1])) if len(df) >= 2 else math.nan
    if fam == "t":
        return float(2 * st.t.sf(abs(value), df[0])) if len(df) >= 1 else math.nan
    return float(2 * st.norm.sf(abs(value)))


def _parse_p(p: Any, key: str) -> tuple[float, str]:
    """Published p as (number, relation) where relation is '=' or '<'."""
    if p is None:
        return math.nan, ""
    if isinstance(p, str):
        text = p.strip().replace(" ", "")
        rel = "="
        if text.startswith("<"):
            rel, text = "<", text[1:]
        elif text.startswith("="):
            text = text[1:]
        try:
            value = float(text)
        except ValueError:
            raise ValueError(
                f"published item '{key}': 'p' is not a number or '<number'"
            ) from None
        return value, rel
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise ValueError(f"published item '{key}': 'p' is not a number or '<number'")
    return float(p), "="


def _counts_table(counts: Any, counts_type: str, key: str) -> np.ndarray:
    if not isinstance(counts, Mapping) or len(counts) < 2:
        raise ValueError(
            f"published item '{key}': 'counts' must map at least two groups to counts"
        )
    rows = []
    for grp, c in counts.items():
        if not isinstance(c, Sequence) or isinstance(c, str):
            raise ValueError(
                f"published item '{key}': counts for group '{grp}' must be a list"
            )
        vals = [float(v) for v in c]
        if any(v < 0 or v != math.floor(v) for v in vals):
            raise ValueError(
                f"published item '{key}': counts for group '{grp}' must be whole numbers >= 0"
            )
        if counts_type == "events_n":
            if len(vals) != 2 or vals[0] > vals[1]:
                raise ValueError(
                    f"published item '{key}': counts for group '{grp}' must be [events, n] with events <= n"
                )
            rows.append([vals[0], vals[1] - vals[0]])
        elif counts_type == "table":
            rows.append(vals)
        else:
            raise ValueError(
                f"published item '{key}': 'counts_type' must be 'events_n' or 'table'"
            )
    if len({len(r) for r in rows}) != 1:
        raise ValueError(
            f"published item '{key}': groups have different numbers of count cells"
        )
    table = np.array(rows, dtype=float)
    return table[:, table.sum(axis=0) > 0]


def _as_df_list(dfv: Any) -> list[float]:
    if dfv is None:
        return []
    if isinstance(dfv, (list, tuple)):
        return [float(v) for v in dfv]
    return [float(dfv)]


@dataclass
class _Published:
    """One published item, checked and parsed by :func:`_read_item`."""

    key: str
    fam: str  # "F", "chi2", "t" or "z"
    value: float
    decimals: int
    df: list[float]
    p: float  # NaN when not published
    p_rel: str  # "=", "<" or "" (no p)
    p_dec: int


def _computed_lookup(computed: pd.DataFrame) -> tuple[dict[Any, pd.Series], str | None]:
    """Computed rows by key, and the name of their first-df column.

    Raises ValueError if a required column is missing or a key repeats.
    """
    _require_columns(computed, ["key", "value", "p_value"])
    if computed["key"].duplicated().any():
        dup = computed.loc[computed["key"].duplicated(), "key"].iloc[0]
        raise ValueError(f"computed results: key '{dup}' appears more than once")
    df1_col = (
        "df1"
        if "df1" in computed.columns
        else ("dof" if "dof" in computed.columns else None)
    )
    by_key = {row["key"]: row for _, row in computed.iterrows()}
    return by_key, df1_col


def _read_item(item: Any, position: int, seen: set[str]) -> _Published:
    """Check one published item and parse its numbers.

    Parameters
    ----------
    item : mapping
        The published item (see :func:`check_published`).
    position : int
        Its position in the list, for the message when it has no key.
    seen : set of str
        Keys of the items before it; the key is added.

    Raises
    ------
    ValueError
        If the item has no key or a repeated one, an unknown key, no
        statistic or value, or an unreadable statistic name or p.
    """
    if not isinstance(item, Mapping) or "key" not in item:
        raise ValueError(f"published item at position {position} has no 'key'")
    key = str(item["key"])
    if key in seen:
        raise ValueError(f"published item '{key}' appears more than once")
    seen.add(key)
    unknown = sorted(set(item) - _PUBLISHED_KEYS)
    if unknown:
        raise ValueError(f"published item '{key}': unknown key '{unknown[0]}'")
    for req in ("statistic", "value"):
        if req not in item:
            raise ValueError(f"published item '{key}' has no '{req}'")
    fam = _family(item["statistic"], key)
    pub_value = float(item["value"])
    decimals = (
        int(item["decimals"]) if "decimals" in item else _decimals_of(pub_value)
    )
    pub_df = _as_df_list(item.get("df"))
    pub_p, p_rel = _parse_p(item.get("p"), key)
    p_dec = (
        int(item["p_decimals"])
        if "p_decimals" in item
        else (_decimals_of(pub_p) if not math.isnan(pub_p) else 3)
    )
    return _Published(key, fam, pub_value, decimals, pub_df, pub_p, p_rel, p_dec)


def _computed_side(
    comp: pd.Series | None,
    columns: pd.Index,
    df1_col: str | None,
    pub: _Published,
    statistic: Any,
) -> tuple[float, float, list[float], list[str]]:
    """Statistic, p, degrees of freedom and notes of the computed row, if any.

    ``statistic`` is the published statistic's name as printed; a note says
    when the computed statistic is of another kind or named differently.
    """
    comp_value = comp_p = math.nan
    comp_df: list[float] = []
    notes: list[str] = []
    if comp is not None:
        comp_value = float(comp["value"]) if pd.notna(comp["value"]) else math.nan
        comp_p = float(comp["p_value"]) if pd.notna(comp["p_value"]) else math.nan
        if df1_col is not None and pd.notna(comp[df1_col]):
            comp_df.append(float(comp[df1_col]))
            if "df2" in columns and pd.notna(comp["df2"]):
                comp_df.append(float(comp["df2"]))
        if "statistic" in columns and pd.notna(comp["statistic"]):
            if _FAMILY.get(str(comp["statistic"]).strip().lower()) != pub.fam:
                notes.append(
                    "computed and published statistics are of different kinds"
                )
            elif (
                str(comp["statistic"]).strip().lower()
                != str(statistic).strip().lower()
            ):
                notes.append(
                    f"computed statistic is {comp['statistic']}, published as {statistic}"
                )
    return comp_value, comp_p, comp_df, notes


def _p_reproduction(pub: _Published, comp_p: float) -> tuple[Any, bool]:
    """Whether the computed p reproduces the published one at its precision.

    Returns
    -------
    p_reproduced : bool or pandas.NA
        NA when either p is missing; for a "< x" bound, whether computed p < x.
    last_digit : bool
        The rounded p-values differ by one unit in the last digit.
    """
    p_reproduced: Any = pd.NA
    p_last_digit = False
    if not math.isnan(pub.p) and np.isfinite(comp_p):
        if pub.p_rel == "<":
            p_reproduced = bool(comp_p < pub.p)
        else:
            diff = abs(_round_dec(comp_p, pub.p_dec) - _round_dec(pub.p, pub.p_dec))
            p_reproduced = bool(diff == 0)
            p_last_digit = diff == Decimal(1).scaleb(-pub.p_dec)
    return p_reproduced, p_last_digit


def _internal_consistency(
    pub: _Published, unit: Decimal, df_given: bool
) -> tuple[float, Any, list[str]]:
    """p recomputed from the published statistic and df, and its consistency.

    ``unit`` is one unit in the last digit of the published value;
    ``df_given`` says whether the item has a ``df`` key.

    Returns
    -------
    recomputed_p : float
        NaN when the published df are too few for the statistic.
    consistent : bool or pandas.NA
        Whether the published p is compatible with the p-values of every
        statistic that rounds (at ``unit``) to the published one; NA when it
        cannot be checked.
    notes : list of str
        "published df missing" when ``df`` is given but empty.
    """
    recomputed_p = math.nan
    consistent: Any = pd.NA
    notes: list[str] = []
    needed = {"chi2": 1, "F": 2, "t": 1, "z": 0}[pub.fam]
    if len(pub.df) >= needed:
        recomputed_p = _p_from(pub.fam, pub.value, pub.df)
        if not math.isnan(pub.p):
            half = float(unit) / 2
            lo_stat, hi_stat = abs(pub.value) - half, abs(pub.value) + half
            lo_stat = max(lo_stat, 0.0)
            p_a = _p_from(pub.fam, lo_stat, pub.df)
            p_b = _p_from(pub.fam, hi_stat, pub.df)
            p_min, p_max = min(p_a, p_b), max(p_a, p_b)
            if pub.p_rel == "<":
                consistent = bool(p_min < pub.p)
            else:
                p_half = float(Decimal(1).scaleb(-pub.p_dec)) / 2
                consistent = bool(
                    pub.p - p_half <= p_max and pub.p + p_half >= p_min
                )
    elif pub.df == [] and df_given:
        notes.append("published df missing")
    return recomputed_p, consistent, notes


def _counts_check(
    item: Mapping[str, Any], pub: _Published, pub_round: Decimal, comp_value: float
) -> tuple[float, Any, list[str]]:
    """Pearson chi-squared from the published counts against the published value.

    ``pub_round`` is the published value rounded to its decimals.

    Returns
    -------
    counts_stat : float
        The recomputed statistic (NaN when not computable).
    counts_consistent : bool or pandas.NA
        Whether it rounds to the published value.
    notes : list of str
        On df, agreement with the computed value, or too few count columns.

    Raises
    ------
    ValueError
        If the statistic is not chi-squared or the counts are malformed.
    """
    counts_stat = math.nan
    counts_consistent: Any = pd.NA
    notes: list[str] = []
    if pub.fam != "chi2":
        raise ValueError(
            f"published item '{pub.key}': 'counts' can only be checked for chi2"
        )
    table = _counts_table(
        item["counts"], item.get("counts_type", "events_n"), pub.key
    )
    if table.shape[1] >= 2:
        res = st.chi2_contingency(table, correction=False)
        counts_stat = float(res.statistic)
        counts_consistent = bool(_round_dec(counts_stat, pub.decimals) == pub_round)
        if pub.df and int(res.dof) != int(pub.df[0]):
            notes.append(
                "df implied by the counts differ from the published df"
            )
        if (
            not counts_consistent
            and np.isfinite(comp_value)
            and _round_dec(comp_value, pub.decimals)
            == _round_dec(counts_stat, pub.decimals)
        ):
            notes.append(
                "computed value agrees with the statistic recomputed from the published counts"
            )
    else:
        notes.append("counts have fewer than two non-empty columns")
    return counts_stat, counts_consistent, notes


def _verdict(
    row: Mapping[str, Any], p_last_digit: bool, pub_round: Decimal, unit: Decimal
) -> str:
    """The verdict of one result row (see :func:`check_published`).

    ``pub_round`` is the published value rounded to its decimals, ``unit``
    one unit in its last digit.
    """
    if row["counts_consistent"] is False:
        verdict = "published value inconsistent with its own counts"
    elif not np.isfinite(row["computed"]):
        verdict = "not computed"
    elif row["reproduced"]:
        if row["p_reproduced"] is pd.NA or row["p_reproduced"]:
            verdict = "reproduced"
        elif p_last_digit:
            verdict = "reproduced; p differs in the last digit"
        else:
            verdict = "reproduced; p differs"
    elif abs(_round_dec(row["computed"], row["decimals"]) - pub_round) == unit:
        verdict = "statistic differs in the last digit"
    else:
        verdict = "not reproduced"
    if row["internally_consistent"] is False:
        verdict += "; published p does not follow from its statistic"
    return verdict


def _check_item(
    item: Mapping[str, Any],
    pub: _Published,
    comp: pd.Series | None,
    columns: pd.Index,
    df1_col: str | None,
) -> dict[str, Any]:
    """The result row of one published item (columns :data:`CHECK_COLUMNS`).

    Parameters
    ----------
    item : mapping
        The published item as given.
    pub : _Published
        The item parsed by :func:`_read_item`.
    comp : pandas.Series or None
        The computed row with the item's key, if any.
    columns : pandas.Index
        Columns of the computed frame.
    df1_col : str or None
        Its first-df column.
    """
    notes: list[str] = []
    if item.get("note"):
        notes.append(str(item["note"]))
    comp_value, comp_p, comp_df, comp_notes = _computed_side(
        comp, columns, df1_col, pub, item["statistic"]
    )
    notes += comp_notes
    unit = Decimal(1).scaleb(-pub.decimals)
    pub_round = _round_dec(pub.value, pub.decimals)
    reproduced = bool(
        np.isfinite(comp_value) and _round_dec(comp_value, pub.decimals) == pub_round
    )
    df_match: Any = pd.NA
    if pub.df and comp_df:
        df_match = bool(np.allclose(pub.df, comp_df))
        if not df_match:
            notes.append("degrees of freedom differ")
    p_reproduced, p_last_digit = _p_reproduction(pub, comp_p)
    recomputed_p, consistent, df_notes = _internal_consistency(pub, unit, "df" in item)
    notes += df_notes
    counts_stat, counts_consistent = math.nan, pd.NA
    if "counts" in item:
        counts_stat, counts_consistent, counts_notes = _counts_check(
            item, pub, pub_round, comp_value
        )
        notes += counts_notes
    row = {
        "key": pub.key,
        "statistic": str(item["statistic"]),
        "published": pub.value,
        "computed": comp_value,
        "decimals": pub.decimals,
        "reproduced": reproduced,
        "published_df": tuple(pub.df) if pub.df else None,
        "computed_df": tuple(comp_df) if comp_df else None,
        "df_match": df_match,
        "published_p": pub.p,
        "p_relation": pub.p_rel,
        "computed_p": comp_p,
        "recomputed_p": recomputed_p,
        "p_reproduced": p_reproduced,
        "internally_consistent": consistent,
        "counts_statistic": counts_stat,
        "counts_consistent": counts_consistent,
        "verdict": "",
        "note": "",
        "source": item.get("source", ""),
    }
    row["verdict"] = _verdict(row, p_last_digit, pub_round, unit)
    row["note"] = _join_notes(notes)
    return row


def check_published(
    computed: pd.DataFrame, published: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """Compare published test statistics with recomputed ones (statcheck-style).

    Three checks per published item:

    1. **Reproduction**: the computed statistic, rounded half away from zero to
       the published number of decimals, equals the published value. The same
       is done for the p-value at its published precision.
    2. **Internal consistency**: the p-value is recomputed from the published
       statistic and degrees of freedom (chi-squared, F, two-sided t or z).
       Because the published statistic is rounded, the p-value of every
       statistic that rounds to it is allowed; the triple is consistent when
       the published p (itself rounded, or a "< x" bound) is compatible with
       that range.
    3. **Counts** (chi-squared only, when the item gives its observed counts):
       Pearson chi-squared without continuity correction is recomputed from
       the counts; a published statistic that does not round from it is
       flagged as inconsistent with its own counts.

    Parameters
    ----------
    computed : pandas.DataFrame
        One row per computed test, e.g. the ``tests`` frame of
        :func:`baseline_table`. Required columns: ``key`` (unique), ``value``
        (the statistic) and ``p_value``. Optional: ``statistic`` (its name:
        "F", "chi2", "H", "t", "z"), ``df1`` (or ``dof``) and ``df2``.
    published : sequence of dict
        Items with keys ``key``, ``statistic`` (name) and ``value``
        (required), and optionally ``df`` (a number or ``[df1, df2]``),
        ``p`` (a number or a string such as ``"<0.001"``), ``decimals`` and
        ``p_decimals`` (inferred from the printed value when absent; give
        them when the printed value ends in zero), ``source``, ``note``,
        ``counts`` (group -> ``[events, n]``, or group -> category counts
        with ``counts_type: "table"``).

    Returns
    -------
    pandas.DataFrame
        One row per published item with columns ``key, statistic, published,
        computed, decimals, reproduced, published_df, computed_df, df_match,
        published_p, p_relation, computed_p, recomputed_p`` (p from the
        published statistic and df), ``p_reproduced, internally_consistent,
        counts_statistic, counts_consistent, verdict, note, source``. Boolean
        checks that cannot be made are missing (``pd.NA``). ``verdict`` is one
        of "reproduced", "reproduced; p differs in the last digit",
        "reproduced; p differs", "statistic differs in the last digit",
        "not reproduced", "not computed" or "published value inconsistent with
        its own counts", with "; published p does not follow from its
        statistic" appended when check 2 fails.

    Raises
    ------
    ValueError
        If ``computed`` lacks a required column or repeats a key, or a
        published item is malformed (the message names its key).
    """
    by_key, df1_col = _computed_lookup(computed)
    rows = []
    seen: set[str] = set()
    for position, item in enumerate(published):
        pub = _read_item(item, position, seen)
        comp = by_key.get(pub.key)
        rows.append(_check_item(item, pub, comp, computed.columns, df1_col))
    out = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    for col in (
        "df_match",
        "p_reproduced",
        "internally_consistent",
        "counts_consistent",
    ):
        out[col] = out[col].astype("boolean")
    out["reproduced"] = out["reproduced"].astype(bool)
    return out
