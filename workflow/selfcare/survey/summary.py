"""Summaries of the national online survey of Mental Health NHS Trusts.

One row per responding Trust; items are either yes/no questions or Likert
ratings (1 .. ``levels``). Proportions carry Wilson score intervals, which
behave well for the small numbers and extreme proportions of a survey of a
few dozen Trusts.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from selfcare.qualitative.segments import is_blank

ITEM_TYPES = ("yesno", "likert")

RESPONSE_COLUMNS = ["invited", "responded", "rate", "ci_low", "ci_high"]
BINARY_COLUMNS = [
    "column",
    "label",
    "n",
    "n_yes",
    "proportion",
    "ci_low",
    "ci_high",
    "n_missing",
]
LIKERT_COLUMNS = [
    "column",
    "label",
    "levels",
    "n",
    "median",
    "q1",
    "q3",
    "mean",
    "pct_agree",
    "n_missing",
]

_INTEGER_TEXT = re.compile(r"^[+-]?\d+(\.0*)?$")


def wilson_ci(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score confidence interval for a proportion.

    Parameters
    ----------
    successes : int
        Number of successes (0 <= successes <= n).
    n : int
        Number of trials.
    alpha : float
        1 - confidence level (0.05 gives a 95% interval).

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(nan, nan)`` when ``n == 0``. Computed with
        :func:`statsmodels.stats.proportion.proportion_confint`
        (``method="wilson"``).

    Raises
    ------
    ValueError
        If the counts are negative, not whole numbers, or ``successes > n``,
        or ``alpha`` is not in (0, 1).
    """
    for name, value in (("successes", successes), ("n", n)):
        if isinstance(value, bool) or int(value) != value or value < 0:
            raise ValueError(f"wilson_ci: {name} must be a whole number >= 0")
    if successes > n:
        raise ValueError("wilson_ci: successes must not exceed n")
    if not 0 < alpha < 1:
        raise ValueError("wilson_ci: alpha must be between 0 and 1")
    if n == 0:
        return (math.nan, math.nan)
    low, high = proportion_confint(int(successes), int(n), alpha=alpha, method="wilson")
    return (float(low), float(high))


def _check_items(df: pd.DataFrame, items: list[Mapping[str, Any]]) -> None:
    seen: set[str] = set()
    for pos, item in enumerate(items):
        column = item.get("column") if isinstance(item, Mapping) else None
        if not isinstance(column, str) or not column:
            raise ValueError(f"survey items: item {pos} has no 'column'")
        if column in seen:
            raise ValueError(f"survey items: column '{column}' is listed twice")
        seen.add(column)
        if item.get("type") not in ITEM_TYPES:
            raise ValueError(
                f"survey items: column '{column}': 'type' must be one of {list(ITEM_TYPES)}"
            )
        if item["type"] == "likert":
            levels = item.get("levels")
            if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2:
                raise ValueError(
                    f"survey items: column '{column}': 'levels' must be an integer >= 2"
                )
        if column not in df.columns:
            raise ValueError(f"survey: column '{column}' is not in the survey table")


def _yes_no(df: pd.DataFrame, column: str) -> list[bool | None]:
    out: list[bool | None] = []
    for pos, value in enumerate(df[column].tolist()):
        if is_blank(value):
            out.append(None)
            continue
        word = str(value).strip().lower() if isinstance(value, str) else None
        if word not in ("yes", "no"):
            raise ValueError(f"survey: column '{column}', row {pos}: answer must be yes or no")
        out.append(word == "yes")
    return out


def _likert(df: pd.DataFrame, column: str, levels: int) -> list[int | None]:
    out: list[int | None] = []
    for pos, value in enumerate(df[column].tolist()):
        if is_blank(value):
            out.append(None)
            continue
        where = f"survey: column '{column}', row {pos}"
        number: float | None = None
        if isinstance(value, str):
            if _INTEGER_TEXT.match(value.strip()):
                number = float(value.strip())
        elif not isinstance(value, bool):
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = None
        if number is None or not number.is_integer():
            raise ValueError(f"{where}: rating must be a whole number from 1 to {levels}")
        if not 1 <= number <= levels:
            raise ValueError(f"{where}: rating is outside 1 to {levels}")
        out.append(int(number))
    return out


def survey_summary(
    df: pd.DataFrame, items: list[Mapping[str, Any]], invited: int, alpha: float = 0.05
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Summarise the national survey: response, yes/no items, Likert items.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per responding Trust (strings as read by
        :func:`selfcare.core.io.read_csv`, or numbers). Blank cells are missing.
    items : list of mapping
        Item specifications in report order, e.g. ``{"column":
        "q01_strategy", "type": "yesno", "label": "..."}`` or ``{"column":
        "q10_barrier_funding", "type": "likert", "levels": 5, "label":
        "..."}``.
    invited : int
        Number of Trusts invited to take part.
    alpha : float
        1 - confidence level of the Wilson intervals.

    Returns
    -------
    response : pandas.DataFrame
        One row: ``invited, responded, rate, ci_low, ci_high``.
    binary : pandas.DataFrame
        One row per yes/no item: ``column, label, n`` (answered), ``n_yes,
        proportion`` (of those answering), ``ci_low, ci_high`` (Wilson),
        ``n_missing``.
    likert : pandas.DataFrame
        One row per Likert item: ``column, label, levels, n, median, q1, q3``
        (quartiles by linear interpolation, the pandas default, so halves
        can occur), ``mean``, ``pct_agree`` (per cent of answers in the top
        two levels, i.e. 4 or 5 on a 5-point item) and ``n_missing``.

    Raises
    ------
    ValueError
        If an item specification is malformed, a column is absent, an answer
        is not yes/no or a rating is not a whole number in range (the message
        names the column and the 0-based row, never the value), or
        ``invited`` is smaller than the number of responses.
    """
    if isinstance(invited, bool) or int(invited) != invited or invited < 1:
        raise ValueError("survey: 'invited' must be a whole number >= 1")
    responded = len(df)
    if responded > invited:
        raise ValueError(
            f"survey: {responded} responses but only {invited} Trusts invited; check 'invited'"
        )
    _check_items(df, items)

    low, high = wilson_ci(responded, int(invited), alpha)
    response = pd.DataFrame(
        [
            {
                "invited": int(invited),
                "responded": responded,
                "rate": responded / invited,
                "ci_low": low,
                "ci_high": high,
            }
        ],
        columns=RESPONSE_COLUMNS,
    )

    binary_rows: list[dict[str, Any]] = []
    likert_rows: list[dict[str, Any]] = []
    for item in items:
        column = item["column"]
        label = item.get("label", column)
        if item["type"] == "yesno":
            answers = [a for a in _yes_no(df, column) if a is not None]
            n = len(answers)
            n_yes = sum(answers)
            lo, hi = wilson_ci(n_yes, n, alpha)
            binary_rows.append(
                {
                    "column": column,
                    "label": label,
                    "n": n,
                    "n_yes": n_yes,
                    "proportion": n_yes / n if n else math.nan,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n_missing": responded - n,
                }
            )
        else:
            levels = int(item["levels"])
            ratings = pd.Series(
                [r for r in _likert(df, column, levels) if r is not None], dtype="float64"
            )
            n = int(ratings.size)
            likert_rows.append(
                {
                    "column": column,
                    "label": label,
                    "levels": levels,
                    "n": n,
                    "median": float(ratings.median()) if n else math.nan,
                    "q1": float(ratings.quantile(0.25)) if n else math.nan,
                    "q3": float(ratings.quantile(0.75)) if n else math.nan,
                    "mean": float(ratings.mean()) if n else math.nan,
                    "pct_agree": (
                        100.0 * float((ratings >= levels - 1).sum()) / n if n else math.nan
                    ),
                    "n_missing": responded - n,
                }
            )
    binary = pd.DataFrame(binary_rows, columns=BINARY_COLUMNS)
    likert = pd.DataFrame(likert_rows, columns=LIKERT_COLUMNS)
    for frame, cols in (
        (binary, ["n", "n_yes", "n_missing"]),
        (likert, ["levels", "n", "n_missing"]),
    ):
        frame[cols] = frame[cols].astype("int64")
    return response, binary, likert


def items_from_codebook(package: Mapping[str, Any], resource: str = "survey") -> list[dict[str, Any]]:
    """Survey item specifications read from the codebook.

    Yes/no items are the fields whose allowed values are ``yes``/``no``;
    Likert items are integer fields with minimum 1 and maximum 3-10. Labels are
    the field descriptions.
    """
    res = next(r for r in package["resources"] if r["name"] == resource)
    items = []
    for f in res["schema"]["fields"]:
        cons = f.get("constraints", {})
        label = f.get("description", f["name"])
        if sorted(cons.get("enum", [])) == ["no", "yes"]:
            items.append({"column": f["name"], "type": "yesno", "label": label})
        elif f.get("type") == "integer" and cons.get("minimum") == 1 and 3 <= cons.get("maximum", 0) <= 10:
            items.append({"column": f["name"], "type": "likert", "levels": int(cons["maximum"]), "label": label})
    return items


def _item_count_records(binary: pd.DataFrame, likert: pd.DataFrame) -> list[dict[str, Any]]:
    """How many items of each kind, the rating scale's length and its agreeing answers, in words."""
    from selfcare.report import formatting as fmt
    from selfcare.report.registry import make_record

    n_yes, n_lk = len(binary), len(likert)
    levels = sorted({int(v) for v in likert["levels"]}) if n_lk else []
    recs = [
        make_record("survey.n_yesno_word", n_yes, fmt.count_word(n_yes), "Yes/no questions of the survey (in words)", "items"),
        make_record("survey.n_likert_word", n_lk, fmt.count_word(n_lk), "Rated statements of the survey (in words)", "items"),
    ]
    if levels:
        words = " or ".join(fmt.count_word(v) for v in levels)
        agree = " or ".join(f"{fmt.count_word(v - 1)} or {fmt.count_word(v)}" for v in levels)
        recs += [
            make_record("survey.likert_levels_word", " ".join(map(str, levels)), words,
                        "Points of the agreement scale of the rated statements (in words)", "points"),
            make_record("survey.agree_answers", " ".join(f"{v - 1} {v}" for v in levels), agree,
                        "Answers counted as agreeing: the top two points of the scale (in words)"),
        ]
    return recs


def survey_records(response: pd.DataFrame, binary: pd.DataFrame, likert: pd.DataFrame, fcfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Named numbers of the national survey."""
    from selfcare.report import formatting as fmt
    from selfcare.report.registry import make_record

    cfg = fmt.format_config(fcfg)
    r = response.iloc[0]
    recs = [
        make_record("survey.invited", int(r["invited"]), fmt.fmt_int(int(r["invited"]), cfg), "Mental Health Trusts invited", "Trusts"),
        make_record("survey.responded", int(r["responded"]), fmt.fmt_int(int(r["responded"]), cfg), "Trusts that responded", "Trusts"),
        make_record("survey.rate", float(r["rate"]) * 100, fmt.fmt_pct(float(r["rate"]) * 100, 0, cfg), "Survey response rate", "%"),
        make_record("survey.rate_ci", f"{r['ci_low']!r} {r['ci_high']!r}",
                    fmt.fmt_ci(float(r["ci_low"]) * 100, float(r["ci_high"]) * 100, 0, cfg),
                    "Confidence interval of the survey response rate (percentage points)"),
    ]
    for _, b in binary.iterrows():
        key = f"survey.{b['column']}"
        recs.append(make_record(f"{key}.pct", float(b["proportion"]) * 100, fmt.fmt_pct(float(b["proportion"]) * 100, 0, cfg), f"Trusts answering yes: {b['label']}", "%"))
        recs.append(make_record(f"{key}.ci", f"{b['ci_low']!r} {b['ci_high']!r}",
                                fmt.fmt_ci(float(b["ci_low"]) * 100, float(b["ci_high"]) * 100, 0, cfg), "Wilson 95% CI (percentage points)"))
    recs += _item_count_records(binary, likert)
    for _, lk in likert.iterrows():
        key = f"survey.{lk['column']}"
        recs.append(make_record(f"{key}.agree", float(lk["pct_agree"]), fmt.fmt_pct(float(lk["pct_agree"]), 0, cfg), f"Trusts agreeing: {lk['label']}", "%"))
    return recs
