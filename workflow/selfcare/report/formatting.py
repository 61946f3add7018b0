"""Every piece of number formatting in the project.

All functions take a formatting configuration dict (normally the
``formatting`` block of the workflow configuration). Keys that are not given
fall back to :data:`DEFAULT_FORMAT`; unknown keys are rejected so that a typo
in the configuration cannot pass silently.

Rounding is half away from zero on the *decimal* representation of a number
(``Decimal(repr(x))``), so ``0.125`` prints as ``0.13`` and ``2.675`` as
``2.68`` even though the binary floats lie just below those halves. A value
that rounds to zero never carries a minus sign. Missing values (``None``,
``NaN``, ``pd.NA``) print as the configured placeholder.
"""

from __future__ import annotations

import datetime
import math
import numbers
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, Mapping, Sequence

import pandas as pd

__all__ = [
    "DEFAULT_FORMAT",
    "format_config",
    "is_missing",
    "round_half_away",
    "fmt_num",
    "fmt_signed",
    "fmt_int",
    "fmt_p",
    "fmt_ci",
    "fmt_pct",
    "fmt_stat",
    "fmt_mean_sd",
    "fmt_range",
    "fmt_count_pct",
    "fmt_est_ci",
    "width_decimals",
    "fmt_month_year",
    "format_baseline_table",
    "confidence_pct",
    "count_word",
    "plural",
    "outcome_names",
    "score_ranges",
]

#: Defaults for every recognised key of the formatting configuration.
DEFAULT_FORMAT: dict[str, Any] = {
    "p_min": 0.001,  # smaller p-values print as "p < 0.001"
    "p_decimals": 3,
    "p_label": "p",
    "p_leading_zero": None,  # None: follow "leading_zero"; False gives ".007"
    "leading_zero": True,
    "ci_sep": " to ",
    "range_sep": "-",
    # the project's one minus sign: hyphen-minus, in text, tables and figures alike
    # (searchable and copyable as typed; config/config.yaml must agree, tested)
    "minus": "-",
    "plus": "+",
    "missing": "n/a",
    "infinity": "\u221e",
    "thousands_sep": "",
    "pct_sign": "%",
    "eq": " = ",
    "lt": " < ",
    "dof_sep": ", ",
    "dof_decimals": 1,  # for non-integer degrees of freedom (e.g. Welch)
    # precision rule: an estimate and its interval show at least this many
    # significant digits of the interval's width (width_decimals); 0 turns it off
    "ci_width_digits": 2,
    "stat_symbols": {"F": "F", "chi2": "\u03c7\u00b2", "H": "H", "t": "t", "z": "z"},
}

_CTX = Context(prec=400)


def format_config(cfg: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge a formatting configuration with the defaults and check it.

    Parameters
    ----------
    cfg : mapping or None
        User settings; any subset of the keys of :data:`DEFAULT_FORMAT`.

    Returns
    -------
    dict
        A complete configuration (``stat_symbols`` merged key by key).

    Raises
    ------
    ValueError
        If ``cfg`` has an unknown key or a setting of the wrong kind.
    """
    if cfg is None:
        cfg = {}
    if not isinstance(cfg, Mapping):
        raise ValueError("formatting configuration must be a mapping")
    unknown = sorted(set(cfg) - set(DEFAULT_FORMAT))
    if unknown:
        raise ValueError(f"formatting configuration: unknown key '{unknown[0]}'")
    out = dict(DEFAULT_FORMAT)
    out.update(cfg)
    symbols = dict(DEFAULT_FORMAT["stat_symbols"])
    if not isinstance(out["stat_symbols"], Mapping):
        raise ValueError("formatting configuration: 'stat_symbols' must be a mapping")
    symbols.update(out["stat_symbols"])
    out["stat_symbols"] = symbols
    for key in ("p_decimals", "dof_decimals", "ci_width_digits"):
        if isinstance(out[key], bool) or not isinstance(out[key], int) or out[key] < 0:
            raise ValueError(
                f"formatting configuration: '{key}' must be a whole number >= 0"
            )
    p_min = out["p_min"]
    if (
        isinstance(p_min, bool)
        or not isinstance(p_min, numbers.Real)
        or not 0 <= p_min < 1
    ):
        raise ValueError("formatting configuration: 'p_min' must be a number in [0, 1)")
    for key in ("leading_zero",):
        if not isinstance(out[key], bool):
            raise ValueError(f"formatting configuration: '{key}' must be true or false")
    if out["p_leading_zero"] is not None and not isinstance(
        out["p_leading_zero"], bool
    ):
        raise ValueError(
            "formatting configuration: 'p_leading_zero' must be true, false or null"
        )
    for key in (
        "p_label",
        "ci_sep",
        "range_sep",
        "minus",
        "plus",
        "missing",
        "infinity",
        "thousands_sep",
        "pct_sign",
        "eq",
        "lt",
        "dof_sep",
    ):
        if not isinstance(out[key], str):
            raise ValueError(f"formatting configuration: '{key}' must be text")
    return out


def is_missing(x: Any) -> bool:
    """True for ``None``, ``pd.NA``, ``NaT`` and NaN (float, NumPy or Decimal)."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    if isinstance(x, Decimal):
        return x.is_nan()
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            return math.isnan(float(x))
        except OverflowError:  # a huge integer is not missing
            return False
    return False


def _to_decimal(x: Any, what: str = "value") -> Decimal:
    """Exact decimal form of the shortest representation of a number."""
    if isinstance(x, bool) or isinstance(x, str):
        raise ValueError(f"{what} must be a number, not {type(x).__name__}")
    if isinstance(x, Decimal):
        return x
    if isinstance(x, numbers.Integral):
        return Decimal(int(x))
    if isinstance(x, numbers.Real):
        return Decimal(repr(float(x)))
    raise ValueError(f"{what} must be a number, not {type(x).__name__}")


def round_half_away(x: Any, decimals: int) -> Decimal:
    """Round half away from zero on the decimal representation of ``x``.

    Parameters
    ----------
    x : number
        Finite real number (int, float, NumPy scalar or Decimal).
    decimals : int
        Number of decimal places (>= 0).

    Returns
    -------
    decimal.Decimal
        The rounded value, with exactly ``decimals`` places; a result equal to
        zero is always positive zero.

    Raises
    ------
    ValueError
        If ``x`` is not a finite number or ``decimals`` is negative.
    """
    if (
        isinstance(decimals, bool)
        or not isinstance(decimals, numbers.Integral)
        or decimals < 0
    ):
        raise ValueError("decimals must be a whole number >= 0")
    d = _to_decimal(x)
    if not d.is_finite():
        raise ValueError("cannot round a value that is not finite")
    r = d.quantize(
        Decimal(1).scaleb(-int(decimals)), rounding=ROUND_HALF_UP, context=_CTX
    )
    return r.copy_abs() if r == 0 else r


def _group_thousands(digits: str, sep: str) -> str:
    if not sep or len(digits) <= 3:
        return digits
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def _render(
    d: Decimal, cfg: Mapping[str, Any], leading_zero: bool | None = None
) -> str:
    """Text of an already rounded Decimal, applying sign, zero and grouping rules."""
    lz = cfg["leading_zero"] if leading_zero is None else leading_zero
    text = format(d, "f")
    negative = text.startswith("-")
    if negative:
        text = text[1:]
    whole, _, frac = text.partition(".")
    whole = _group_thousands(whole, cfg["thousands_sep"])
    if whole == "0" and frac and not lz:
        whole = ""
    body = f"{whole}.{frac}" if frac else whole
    return f"{cfg['minus']}{body}" if negative else body


def _infinite(x: Any, cfg: Mapping[str, Any]) -> str | None:
    if isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isinf(float(x)):
        return (cfg["minus"] if float(x) < 0 else "") + cfg["infinity"]
    return None


def fmt_num(x: Any, decimals: int, cfg: Mapping[str, Any] | None) -> str:
    """Format a number with a fixed number of decimals.

    Parameters
    ----------
    x : number or missing
        Value to print.
    decimals : int
        Decimal places.
    cfg : mapping or None
        Formatting configuration (see :data:`DEFAULT_FORMAT`).

    Returns
    -------
    str
        E.g. ``"36.3"``; ``"0.0"`` for a small negative value; the missing
        placeholder for NaN; the infinity symbol for infinite values.

    Raises
    ------
    ValueError
        If ``x`` is not a number or ``decimals`` is negative.
    """
    c = format_config(cfg)
    if is_missing(x):
        return c["missing"]
    inf = _infinite(x, c)
    if inf is not None:
        return inf
    return _render(round_half_away(x, decimals), c)


def fmt_signed(x: Any, decimals: int, cfg: Mapping[str, Any] | None) -> str:
    """Format a change with an explicit sign: ``"+3.9"``, ``"-0.4"``, ``"0.0"``.

    Parameters
    ----------
    x : number or missing
        Value to print.
    decimals : int
        Decimal places.
    cfg : mapping or None
        Formatting configuration.

    Returns
    -------
    str
        The number with the configured plus or minus sign; a value that
        rounds to zero has no sign.
    """
    c = format_config(cfg)
    if is_missing(x):
        return c["missing"]
    inf = _infinite(x, c)
    if inf is not None:
        return inf if float(x) < 0 else c["plus"] + inf
    r = round_half_away(x, decimals)
    text = _render(r, c)
    return c["plus"] + text if r > 0 else text


def fmt_int(x: Any, cfg: Mapping[str, Any] | None) -> str:
    """Format a whole number (a count), with optional thousands separator.

    Parameters
    ----------
    x : number or missing
        A whole number; floats such as ``17.0`` are accepted.
    cfg : mapping or None
        Formatting configuration.

    Returns
    -------
    str
        E.g. ``"121"``.

    Raises
    ------
    ValueError
        If ``x`` has a fractional part or is not a number.
    """
    c = format_config(cfg)
    if is_missing(x):
        return c["missing"]
    inf = _infinite(x, c)
    if inf is not None:
        return inf
    d = _to_decimal(x)
    if d != d.to_integral_value():
        raise ValueError(
            "fmt_int needs a whole number; the value has a fractional part"
        )
    return _render(round_half_away(d, 0), c)


def fmt_p(p: Any, cfg: Mapping[str, Any] | None, bare: bool = False) -> str:
    """Format a p-value: ``"p = 0.007"``, ``"p < 0.001"``; bare ``"0.007"``, ``"<0.001"``.

    Parameters
    ----------
    p : number or missing
        A p-value in [0, 1].
    cfg : mapping or None
        Formatting configuration: ``p_min``, ``p_decimals``, ``p_label``,
        ``p_leading_zero``/``leading_zero``, ``eq``, ``lt``.
    bare : bool, default False
        Leave out the label (for a table column).

    Returns
    -------
    str
        Values below ``p_min`` (or rounding to zero at ``p_decimals``) print
        as an upper bound.

    Raises
    ------
    ValueError
        If ``p`` is not a number in [0, 1].
    """
    c = format_config(cfg)
    if is_missing(p):
        return c["missing"] if bare else f"{c['p_label']}{c['eq']}{c['missing']}"
    d = _to_decimal(p, "p-value")
    if not d.is_finite() or d < 0 or d > 1:
        raise ValueError("p-value must be a number in [0, 1]")
    lz = c["leading_zero"] if c["p_leading_zero"] is None else c["p_leading_zero"]
    bound: Decimal | None = None
    p_min = _to_decimal(c["p_min"])
    if d < p_min:
        bound = p_min
    else:
        r = round_half_away(d, c["p_decimals"])
        if r == 0:
            bound = Decimal(1).scaleb(-c["p_decimals"])
    if bound is not None:
        text = _render(bound.normalize(context=_CTX) if bound != 0 else bound, c, lz)
        return f"<{text}" if bare else f"{c['p_label']}{c['lt']}{text}"
    text = _render(r, c, lz)
    return text if bare else f"{c['p_label']}{c['eq']}{text}"


def fmt_ci(lo: Any, hi: Any, decimals: int, cfg: Mapping[str, Any] | None) -> str:
    """Format a confidence interval: ``"0.8 to 7.0"``.

    Parameters
    ----------
    lo, hi : number or missing
        Bounds.
    decimals : int
        Decimal places.
    cfg : mapping or None
        Formatting configuration (``ci_sep``).

    Returns
    -------
    str
        The bounds joined by ``ci_sep``; the missing placeholder if either
        bound is missing.
    """
    c = format_config(cfg)
    if is_missing(lo) or is_missing(hi):
        return c["missing"]
    return f"{fmt_num(lo, decimals, c)}{c['ci_sep']}{fmt_num(hi, decimals, c)}"


def fmt_pct(
    x: Any, decimals: int, cfg: Mapping[str, Any] | None, proportion: bool = False
) -> str:
    """Format a percentage: ``"35%"``.

    Parameters
    ----------
    x : number or missing
        A percentage (35 means 35%), or a proportion when ``proportion``.
    decimals : int
        Decimal places of the percentage.
    cfg : mapping or None
        Formatting configuration (``pct_sign``).
    proportion : bool, default False
        Multiply by 100 first (exactly, in decimal arithmetic).

    Returns
    -------
    str
        E.g. ``"35%"`` or ``"73.7%"``.
    """
    c = format_config(cfg)
    if is_missing(x):
        return c["missing"]
    inf = _infinite(x, c)
    if inf is not None:
        return inf + c["pct_sign"]
    d = _to_decimal(x)
    if proportion:
        d = d.scaleb(2)
    return _render(round_half_away(d, decimals), c) + c["pct_sign"]


def _fmt_dof(v: Any, c: Mapping[str, Any]) -> str:
    if is_missing(v):
        return c["missing"]
    d = _to_decimal(v, "degrees of freedom")
    if d == d.to_integral_value():
        return _render(round_half_away(d, 0), c)
    return _render(round_half_away(d, c["dof_decimals"]), c)


def fmt_stat(
    name: str,
    value: Any,
    dof: Any,
    decimals: int,
    cfg: Mapping[str, Any] | None,
) -> str:
    """Format a test statistic: ``"F(2, 117) = 5.9"``, ``"χ²(2) = 1.3"``.

    Parameters
    ----------
    name : str
        Statistic name; looked up in ``stat_symbols`` ("chi2" prints as χ²),
        otherwise printed as given.
    value : number or missing
        The statistic.
    dof : number, sequence of numbers or None
        Degrees of freedom; ``None`` (or an empty sequence) omits the
        brackets. Whole numbers print without decimals, others with
        ``dof_decimals``.
    decimals : int
        Decimal places of the statistic.
    cfg : mapping or None
        Formatting configuration.

    Returns
    -------
    str
        The formatted statistic.
    """
    c = format_config(cfg)
    symbol = c["stat_symbols"].get(name, name)
    if dof is None or (
        isinstance(dof, Sequence) and not isinstance(dof, str) and len(dof) == 0
    ):
        head = symbol
    else:
        parts = (
            list(dof)
            if isinstance(dof, Sequence) and not isinstance(dof, str)
            else [dof]
        )
        head = f"{symbol}({c['dof_sep'].join(_fmt_dof(v, c) for v in parts)})"
    return f"{head}{c['eq']}{fmt_num(value, decimals, c)}"


def fmt_mean_sd(
    mean: Any, sd: Any, decimals: int, cfg: Mapping[str, Any] | None
) -> str:
    """Format ``"mean (SD)"``, e.g. ``"36.3 (10.8)"``.

    Parameters
    ----------
    mean, sd : number or missing
        Mean and standard deviation.
    decimals : int
        Decimal places of both.
    cfg : mapping or None
        Formatting configuration.

    Returns
    -------
    str
        The placeholder alone when the mean is missing.
    """
    c = format_config(cfg)
    if is_missing(mean):
        return c["missing"]
    return f"{fmt_num(mean, decimals, c)} ({fmt_num(sd, decimals, c)})"


def fmt_range(lo: Any, hi: Any, decimals: int, cfg: Mapping[str, Any] | None) -> str:
    """Format a range, e.g. ``"18-61"`` (separator ``range_sep``).

    Parameters
    ----------
    lo, hi : number or missing
        Minimum and maximum.
    decimals : int
        Decimal places.
    cfg : mapping or None
        Formatting configuration.

    Returns
    -------
    str
        The placeholder when either end is missing.
    """
    c = format_config(cfg)
    if is_missing(lo) or is_missing(hi):
        return c["missing"]
    return f"{fmt_num(lo, decimals, c)}{c['range_sep']}{fmt_num(hi, decimals, c)}"


def fmt_count_pct(
    count: Any, n: Any, decimals: int, cfg: Mapping[str, Any] | None
) -> str:
    """Format a count with its percentage of ``n``: ``"28 (73.7%)"``.

    Parameters
    ----------
    count, n : whole number or missing
        Count and denominator.
    decimals : int
        Decimal places of the percentage.
    cfg : mapping or None
        Formatting configuration.

    Returns
    -------
    str
        The percentage is the placeholder when ``n`` is zero or missing.
    """
    c = format_config(cfg)
    if is_missing(count):
        return c["missing"]
    if is_missing(n) or _to_decimal(n) == 0:
        return f"{fmt_int(count, c)} ({c['missing']})"
    # decimal quotient to 400 significant digits: far more than is printed
    pct = _CTX.divide(_to_decimal(count) * 100, _to_decimal(n))
    return f"{fmt_int(count, c)} ({_render(round_half_away(pct, decimals), c)}{c['pct_sign']})"


def width_decimals(lo: Any, hi: Any, decimals: int, cfg: Mapping[str, Any] | None) -> int:
    """Decimal places for an estimate and its interval (the precision rule).

    At least ``decimals``, and enough that the interval's width shows
    ``ci_width_digits`` significant digits (default two): a width of 6.2
    keeps one decimal, a width of 0.01 needs three ("0.007 (0.002 to
    0.012)", never "0.01 (0.00 to 0.01)"). A missing, infinite or empty
    interval leaves ``decimals`` unchanged.
    """
    c = format_config(cfg)
    digits = int(c["ci_width_digits"])
    if digits == 0 or is_missing(lo) or is_missing(hi):
        return decimals
    if _infinite(lo, c) is not None or _infinite(hi, c) is not None:
        return decimals
    width = abs(_to_decimal(hi) - _to_decimal(lo))
    if width == 0:
        return decimals
    return max(int(decimals), digits - 1 - int(width.adjusted()))


def _level_decimals(level: Any) -> int:
    """Decimals that show a confidence level exactly as a percentage (0.95 -> 0, 0.995 -> 1)."""
    exp = _to_decimal(level).scaleb(2).normalize().as_tuple().exponent
    return max(0, -int(exp)) if isinstance(exp, int) else 0


def fmt_est_ci(
    est: Any,
    lo: Any,
    hi: Any,
    decimals: int,
    cfg: Mapping[str, Any] | None,
    level: float | None = 0.95,
    signed: bool = False,
) -> str:
    """Format an estimate with its interval: ``"+3.9 (95% CI 0.8 to 7.0)"``.

    Parameters
    ----------
    est, lo, hi : number or missing
        Estimate and interval bounds.
    decimals : int
        Decimal places.
    cfg : mapping or None
        Formatting configuration.
    level : float or None, default 0.95
        Confidence level written before "CI"; ``None`` writes no label.
    signed : bool, default False
        Print the estimate with :func:`fmt_signed`.

    ``decimals`` is a minimum: the precision rule (:func:`width_decimals`)
    adds places until the interval's width shows two significant digits.

    Returns
    -------
    str
        The formatted estimate and interval.
    """
    c = format_config(cfg)
    decimals = width_decimals(lo, hi, decimals, c)
    head = fmt_signed(est, decimals, c) if signed else fmt_num(est, decimals, c)
    label = (
        ""
        if level is None
        else f"{fmt_pct(_to_decimal(level).scaleb(2).normalize(), _level_decimals(level), c)} CI "
    )
    return f"{head} ({label}{fmt_ci(lo, hi, decimals, c)})"


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def fmt_month_year(x: Any, cfg: Mapping[str, Any] | None) -> str:
    """Format a date as month and year: ``"October 2007"``.

    Parameters
    ----------
    x : datetime.date, datetime.datetime, ISO date text or missing
        The date (YAML reads ``2007-10-01`` as a ``datetime.date``).
    cfg : mapping or None
        Formatting configuration (``missing``).

    Returns
    -------
    str
        English month name and four-digit year, independent of the locale.

    Raises
    ------
    ValueError
        If ``x`` is neither a date nor an ISO ``YYYY-MM-DD`` text.
    """
    c = format_config(cfg)
    if x is None or is_missing(x):
        return c["missing"]
    if isinstance(x, str):
        try:
            x = datetime.date.fromisoformat(x.strip())
        except ValueError:
            raise ValueError(f"not an ISO date (YYYY-MM-DD): {x!r}") from None
    if not isinstance(x, datetime.date):
        raise ValueError(f"a date is needed, not {type(x).__name__}")
    return f"{_MONTHS[x.month - 1]} {x.year:04d}"


def _level_label(level: Any, open_ended: bool, c: Mapping[str, Any]) -> str:
    if (
        isinstance(level, numbers.Real)
        and not isinstance(level, bool)
        and not is_missing(level)
    ):
        d = _to_decimal(level)
        text = (
            _render(round_half_away(d, 0), c)
            if d == d.to_integral_value()
            else _render(d, c)
        )
    else:
        text = str(level)
    return text + ("+" if open_ended else "")


_BASELINE_DISPLAY_COLUMNS = (
    "variable",
    "label",
    "type",
    "level",
    "open_ended",
    "group",
    "count",
    "mean",
    "sd",
    "min",
    "max",
)
_BASELINE_TEST_COLUMNS = ("variable", "statistic", "value", "df1", "df2", "p_value")


def _check_baseline_frames(display: pd.DataFrame, tests: pd.DataFrame) -> None:
    """Raise ``ValueError`` naming the first required column that is missing."""
    for frame, need, what in (
        (display, _BASELINE_DISPLAY_COLUMNS, "display"),
        (tests, _BASELINE_TEST_COLUMNS, "tests"),
    ):
        for col in need:
            if col not in frame.columns:
                raise ValueError(f"baseline {what} frame has no column '{col}'")


def _baseline_test_text(
    tests: pd.DataFrame, stat_decimals: int, c: Mapping[str, Any]
) -> dict[Any, str]:
    """Statistic, degrees of freedom and p-value of each tested variable, as text."""
    test_text: dict[Any, str] = {}
    for _, t in tests.iterrows():
        dof = [t["df1"]] if is_missing(t["df2"]) else [t["df1"], t["df2"]]
        test_text[t["variable"]] = (
            f"{fmt_stat(str(t['statistic']), t['value'], dof, stat_decimals, c)}, {fmt_p(t['p_value'], c)}"
        )
    return test_text


def _continuous_rows(
    variable: Any,
    label: Any,
    part: pd.DataFrame,
    groups: Sequence[Any],
    group_cols: Sequence[str],
    decimals: int,
    show_range: bool,
    range_decimals: int,
    c: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """The "mean (SD)" row of a continuous variable and, with ``show_range``,
    its "range" row."""
    by_g = {
        g: part[part["group"] == g].iloc[0]
        for g in groups
        if (part["group"] == g).any()
    }
    row = {"variable": variable, "label": label, "row": "mean (SD)"}
    for g, gc in zip(groups, group_cols):
        r = by_g.get(g)
        row[gc] = (
            c["missing"]
            if r is None
            else fmt_mean_sd(r["mean"], r["sd"], decimals, c)
        )
    var_rows = [row]
    if show_range:
        row = {"variable": variable, "label": label, "row": "range"}
        for g, gc in zip(groups, group_cols):
            r = by_g.get(g)
            row[gc] = (
                c["missing"]
                if r is None
                else fmt_range(r["min"], r["max"], range_decimals, c)
            )
        var_rows.append(row)
    return var_rows


def _category_rows(
    variable: Any,
    label: Any,
    part: pd.DataFrame,
    groups: Sequence[Any],
    group_cols: Sequence[str],
    c: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """One count row per level of a categorical or ordinal variable (a single
    level is labelled with the variable's label)."""
    var_rows = []
    level_keys = list(dict.fromkeys(zip(part["level"], part["open_ended"])))
    for level, open_ended in level_keys:
        sub = part[
            (part["level"] == level) & (part["open_ended"] == open_ended)
        ]
        name = (
            label
            if len(level_keys) == 1
            else _level_label(level, bool(open_ended), c)
        )
        row = {"variable": variable, "label": label, "row": name}
        for g, gc in zip(groups, group_cols):
            r = sub[sub["group"] == g]
            row[gc] = (
                c["missing"] if r.empty else fmt_int(r["count"].iloc[0], c)
            )
        var_rows.append(row)
    return var_rows


def format_baseline_table(
    display: pd.DataFrame,
    tests: pd.DataFrame,
    cfg: Mapping[str, Any] | None,
    decimals: int = 1,
    stat_decimals: int = 1,
    show_range: bool = True,
    range_decimals: int | None = None,
) -> pd.DataFrame:
    """Turn :func:`selfcare.analysis.baseline.baseline_table` output into a table of text.

    Parameters
    ----------
    display : pandas.DataFrame
        Display rows from :func:`selfcare.analysis.baseline.baseline_table`.
    tests : pandas.DataFrame
        Test rows from the same call.
    cfg : mapping or None
        Formatting configuration.
    decimals : int, default 1
        Decimal places of means, SDs and range ends.
    stat_decimals : int, default 1
        Decimal places of test statistics.
    show_range : bool, default True
        Add a "range" row under each continuous variable.
    range_decimals : int, optional
        Decimal places of range ends (default: ``decimals``; 0 suits ages
        recorded in whole years).

    Returns
    -------
    pandas.DataFrame
        Columns ``variable``, ``label``, ``row`` (row label: "mean (SD)",
        "range", a category, or the variable label when one category is
        shown), one column per group (named by the group, as text, in display
        order) holding counts or "mean (SD)" text, and ``test`` (statistic,
        df and p on the first row of each tested variable, else "").

    Raises
    ------
    ValueError
        If a required column is missing from ``display`` or ``tests``.
    """
    c = format_config(cfg)
    _check_baseline_frames(display, tests)
    rdec = decimals if range_decimals is None else range_decimals
    groups = list(pd.unique(display["group"]))
    group_cols = [str(g) for g in groups]
    test_text = _baseline_test_text(tests, stat_decimals, c)
    rows: list[dict[str, Any]] = []
    for variable in pd.unique(display["variable"]):
        part = display[display["variable"] == variable]
        first = part.iloc[0]
        if first["type"] == "continuous":
            var_rows = _continuous_rows(
                variable,
                first["label"],
                part,
                groups,
                group_cols,
                decimals,
                show_range,
                rdec,
                c,
            )
        else:
            var_rows = _category_rows(
                variable, first["label"], part, groups, group_cols, c
            )
        for i, row in enumerate(var_rows):
            row["test"] = test_text.get(variable, "") if i == 0 else ""
        rows.extend(var_rows)
    return pd.DataFrame(rows, columns=["variable", "label", "row", *group_cols, "test"])


# --------------------------------------------------------------------------
# words around numbers: confidence level, counts, names and scales of measures
# --------------------------------------------------------------------------

#: Number words for small counts (zero to twenty), as prose and alt text print them.
NUMBER_WORDS: tuple[str, ...] = (
    "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty",
)


def confidence_pct(alpha: Any, cfg: Mapping[str, Any] | None) -> str:
    """The confidence level ``1 - alpha`` as a percentage, e.g. ``"95%"``.

    Parameters
    ----------
    alpha : number
        The significance level (``analysis.alpha`` of the configuration).
    cfg : mapping or None
        Formatting configuration.

    Returns
    -------
    str
        The level with as many decimals as it needs (``"95%"``, ``"97.5%"``).
    """
    level = Decimal(1) - _to_decimal(alpha, "alpha")
    if not 0 < level < 1:
        raise ValueError("alpha must lie strictly between 0 and 1")
    pct = level.scaleb(2).normalize()
    return fmt_pct(pct, max(0, -pct.as_tuple().exponent), cfg)


def count_word(n: int) -> str:
    """A count as a word up to twenty (``0`` gives ``"no"``), digits above."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``"1 site"``, ``"3 sites"``: a count with its noun in the right number.

    Parameters
    ----------
    n : int
        The count.
    noun : str
        Singular noun.
    nouns : str, optional
        Plural noun (default: the singular with an ``s``).
    """
    return f"{n} {noun if n == 1 else (nouns or noun + 's')}"


def outcome_names(measures: Mapping[str, Any] | None) -> dict[str, str]:
    """Name of the outcome each measure scores (``outcome``, else ``label``).

    Parameters
    ----------
    measures : mapping or None
        Parsed ``config/measures.yaml`` (or its ``measures`` block).

    Returns
    -------
    dict
        Measure key -> outcome name, in configuration order.
    """
    block = (measures or {}).get("measures", measures or {})
    return {k: str(m.get("outcome") or m["label"]) for k, m in block.items() if isinstance(m, Mapping)}


def score_ranges(measures: Mapping[str, Any] | None, cfg: Mapping[str, Any] | None) -> dict[str, str]:
    """The scale of each measure's primary score, e.g. ``"sum, 28-112"``.

    Parameters
    ----------
    measures : mapping or None
        Parsed ``config/measures.yaml`` (or its ``measures`` block): a sum
        runs from items x ``response_min`` to items x ``response_max``, a
        mean from ``response_min`` to ``response_max``; the ``primary``
        subscale, when named, gives the items and method.
    cfg : mapping or None
        Formatting configuration (``range_sep``).

    Returns
    -------
    dict
        Measure key -> ``"<method>, <lowest>-<highest>"``.
    """
    block = (measures or {}).get("measures", measures or {})
    out = {}
    for key, m in block.items():
        if not isinstance(m, Mapping):
            continue
        part = (m.get("subscales") or {}).get(m.get("primary"), m)
        k = len(part["items"]) if part.get("method", m["method"]) == "sum" else 1
        method = "sum" if k > 1 else "item mean"
        out[key] = f"{method}, {fmt_range(k * m['response_min'], k * m['response_max'], 0, cfg)}"
    return out
