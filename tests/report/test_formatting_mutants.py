"""Number formatting: defaults that must not drift (p-value precision and the
rest of DEFAULT_FORMAT), every function honouring a non-default configuration,
the configuration guards and their messages, infinities, thousands grouping
and the baseline table, as mutation testing asked (issue 18)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from selfcare.report import formatting as F

#: A configuration that changes every setting, so that a function falling back
#: to the defaults somewhere shows.
CUSTOM = {
    "p_min": 0.01,
    "p_decimals": 2,
    "p_label": "P",
    "p_leading_zero": False,
    "leading_zero": True,
    "ci_sep": "; ",
    "range_sep": "\u2013",
    "minus": "\u2212",
    "plus": "\u00b1",
    "missing": "--",
    "infinity": "inf",
    "thousands_sep": ",",
    "pct_sign": " pc",
    "eq": "=",
    "lt": "<",
    "dof_sep": "; ",
    "dof_decimals": 2,
    "stat_symbols": {"F": "F*"},
}


def message(fn, *args, **kw) -> str:
    with pytest.raises(ValueError) as e:
        fn(*args, **kw)
    return str(e.value)


# ---------------------------------------------------------------- defaults
def test_default_format_is_pinned():
    assert F.DEFAULT_FORMAT == {
        "p_min": 0.001,
        "p_decimals": 3,
        "p_label": "p",
        "p_leading_zero": None,
        "leading_zero": True,
        "ci_sep": " to ",
        "range_sep": "-",
        "minus": "-",
        "plus": "+",
        "missing": "n/a",
        "infinity": "\u221e",
        "thousands_sep": "",
        "pct_sign": "%",
        "eq": " = ",
        "lt": " < ",
        "dof_sep": ", ",
        "dof_decimals": 1,
        "stat_symbols": {"F": "F", "chi2": "\u03c7\u00b2", "H": "H", "t": "t", "z": "z"},
        "ci_width_digits": 2,
    }


def test_default_p_value_precision_is_three_decimals():
    assert F.fmt_p(0.04567, None) == "p = 0.046"
    assert F.fmt_p(0.0014, None) == "p = 0.001"
    assert F.fmt_p(0.00049, None) == "p < 0.001"
    assert F.fmt_p(0.5, None, bare=True) == "0.500"
    assert F.format_config(None)["p_decimals"] == 3


def test_format_config_merges_symbols_and_keeps_defaults():
    c = F.format_config({"stat_symbols": {"t": "T"}})
    assert c["stat_symbols"] == {"F": "F", "chi2": "\u03c7\u00b2", "H": "H", "t": "T", "z": "z"}
    assert F.DEFAULT_FORMAT["stat_symbols"]["t"] == "t"
    assert F.format_config(CUSTOM)["stat_symbols"]["F"] == "F*"
    assert F.format_config({"dof_decimals": 0, "p_decimals": 0, "p_min": 0})["p_min"] == 0


# -------------------------------------------------------------- the guards
@pytest.mark.parametrize(
    ("cfg", "text"),
    [
        ([], "formatting configuration must be a mapping"),
        ({"p_digits": 3}, "formatting configuration: unknown key 'p_digits'"),
        ({"stat_symbols": ["F"]}, "formatting configuration: 'stat_symbols' must be a mapping"),
        ({"p_decimals": -1}, "formatting configuration: 'p_decimals' must be a whole number >= 0"),
        ({"p_decimals": True}, "formatting configuration: 'p_decimals' must be a whole number >= 0"),
        ({"p_decimals": 2.0}, "formatting configuration: 'p_decimals' must be a whole number >= 0"),
        ({"dof_decimals": -1}, "formatting configuration: 'dof_decimals' must be a whole number >= 0"),
        ({"p_min": 1}, "formatting configuration: 'p_min' must be a number in [0, 1)"),
        ({"p_min": 1.5}, "formatting configuration: 'p_min' must be a number in [0, 1)"),
        ({"p_min": -0.01}, "formatting configuration: 'p_min' must be a number in [0, 1)"),
        ({"p_min": True}, "formatting configuration: 'p_min' must be a number in [0, 1)"),
        ({"p_min": "0.001"}, "formatting configuration: 'p_min' must be a number in [0, 1)"),
        ({"leading_zero": 1}, "formatting configuration: 'leading_zero' must be true or false"),
        ({"p_leading_zero": 0}, "formatting configuration: 'p_leading_zero' must be true, false or null"),
        ({"ci_sep": 1}, "formatting configuration: 'ci_sep' must be text"),
        ({"dof_sep": None}, "formatting configuration: 'dof_sep' must be text"),
    ],
)
def test_format_config_guards(cfg, text):
    assert message(F.format_config, cfg) == text


def test_round_half_away_guards():
    for decimals in (-1, True, 1.0, "1"):
        assert message(F.round_half_away, 1.5, decimals) == "decimals must be a whole number >= 0"
    assert message(F.round_half_away, float("inf"), 1) == "cannot round a value that is not finite"
    assert message(F.round_half_away, Decimal("NaN"), 1) == "cannot round a value that is not finite"
    assert message(F.round_half_away, "1.5", 1) == "value must be a number, not str"
    assert message(F.round_half_away, True, 1) == "value must be a number, not bool"
    assert message(F.round_half_away, [1], 1) == "value must be a number, not list"
    assert F.round_half_away(np.int64(7), 0) == Decimal("7")
    # more digits than the default decimal context holds (28) are still rounded exactly
    big = Decimal("1234567890" * 5 + ".5")
    assert F.round_half_away(big, 0) == Decimal("1234567890" * 4 + "1234567891")


def test_messages_name_what_must_be_a_number():
    assert message(F.fmt_p, "0.5", None) == "p-value must be a number, not str"
    assert message(F.fmt_p, 1.5, None) == "p-value must be a number in [0, 1]"
    assert message(F.fmt_stat, "F", 1.0, ["2"], 1, None) == "degrees of freedom must be a number, not str"
    assert message(F.fmt_int, 2.5, None) == "fmt_int needs a whole number; the value has a fractional part"
    assert message(F.fmt_num, "x", 1, None) == "value must be a number, not str"


def test_is_missing():
    for x in (None, pd.NA, pd.NaT, float("nan"), np.float64("nan"), Decimal("NaN")):
        assert F.is_missing(x)
    for x in (0, 0.0, True, False, "", "nan", Decimal("1"), 10**400, float("inf")):
        assert not F.is_missing(x), x


# ------------------------------------------------- non-default configuration
def test_every_function_honours_the_configuration():
    c = CUSTOM
    assert F.fmt_num(-1234.5, 1, c) == "\u22121,234.5"
    assert F.fmt_signed(1234.5, 0, c) == "\u00b11,235"
    assert F.fmt_int(1234567, c) == "1,234,567"
    assert F.fmt_p(0.5, c) == "P=.50"
    assert F.fmt_p(0.004, c) == "P<.01"
    assert F.fmt_ci(-1500, 2500, 0, c) == "\u22121,500; 2,500"
    assert F.fmt_pct(1234.5, 0, c) == "1,235 pc"
    assert F.fmt_stat("F", 12345.6, [2, 117.25], 1, c) == "F*(2; 117.25)=12,345.6"
    assert F.fmt_mean_sd(-1234.5, 1000, 0, c) == "\u22121,235 (1,000)"
    assert F.fmt_range(-1000, 2000, 0, c) == "\u22121,000\u20132,000"
    assert F.fmt_count_pct(1500, 2000, 1, c) == "1,500 (75.0 pc)"
    assert F.fmt_count_pct(1500, 0, 1, c) == "1,500 (--)"
    assert F.fmt_est_ci(1234.5, -1000, 3000, 0, c) == "1,235 (95 pc CI \u22121,000; 3,000)"
    assert F.fmt_est_ci(1234.5, -1000, 3000, 0, c, signed=True) == "\u00b11,235 (95 pc CI \u22121,000; 3,000)"
    assert F.fmt_month_year(None, c) == "--"
    assert F.fmt_p(None, c) == "P=--"
    assert F.fmt_p(float("nan"), c, bare=True) == "--"
    for fn in (
        lambda x: F.fmt_num(x, 1, c),
        lambda x: F.fmt_signed(x, 1, c),
        lambda x: F.fmt_int(x, c),
        lambda x: F.fmt_pct(x, 1, c),
        lambda x: F.fmt_mean_sd(x, 1, 1, c),
        lambda x: F.fmt_range(x, 1, 1, c),
        lambda x: F.fmt_range(1, x, 1, c),
        lambda x: F.fmt_ci(x, 1, 1, c),
        lambda x: F.fmt_count_pct(x, 10, 1, c),
        lambda x: F.fmt_month_year(x, c),
    ):
        assert fn(None) == "--"
        assert fn(float("nan")) == "--"


def test_infinities():
    c = CUSTOM
    assert F.fmt_num(float("inf"), 1, c) == "inf"
    assert F.fmt_num(float("-inf"), 1, c) == "\u2212inf"
    assert F.fmt_num(np.float64("-inf"), 1, None) == "-\u221e"
    assert F.fmt_signed(float("inf"), 1, c) == "\u00b1inf"
    assert F.fmt_signed(float("-inf"), 1, c) == "\u2212inf"
    assert F.fmt_int(float("inf"), c) == "inf"
    assert F.fmt_int(float("-inf"), c) == "\u2212inf"
    assert F.fmt_pct(float("inf"), 0, c) == "inf pc"
    assert F.fmt_pct(float("-inf"), 0, None) == "-\u221e%"


def test_signs_at_zero_and_one():
    assert F.fmt_signed(0.04, 1, None) == "0.0"
    assert F.fmt_signed(-0.04, 1, None) == "0.0"
    assert F.fmt_signed(0.05, 1, None) == "+0.1"
    assert F.fmt_signed(1, 0, None) == "+1"
    assert F.fmt_signed(0.6, 0, None) == "+1"
    assert F.fmt_signed(-0.5, 0, None) == "-1"


def test_thousands_grouping_boundaries():
    c = {"thousands_sep": "\u2009"}
    assert F.fmt_int(999, c) == "999"
    assert F.fmt_int(1000, c) == "1\u2009000"
    assert F.fmt_int(100, c) == "100"
    assert F.fmt_int(12345, c) == "12\u2009345"
    assert F.fmt_int(123456, c) == "123\u2009456"
    assert F.fmt_int(-1234, c) == "-1\u2009234"
    assert F.fmt_int(1234, None) == "1234"
    assert F.fmt_num(1234.25, 1, c) == "1\u2009234.3"


def test_render_never_uses_exponents():
    assert F.fmt_num(Decimal("1E+5"), 0, None) == "100000"
    assert F.fmt_num(1e-7, 9, None) == "0.000000100"
    assert F.fmt_num(1e20, 0, None) == "100000000000000000000"


def test_rounding_of_huge_values_keeps_every_digit():
    x = Decimal("12345678901234567890123456789.5")
    assert F.fmt_num(x, 0, None) == "12345678901234567890123456790"


def test_p_values_at_the_bounds():
    assert F.fmt_p(0.0004, {"p_min": 0}) == "p < 0.001"  # rounds to zero at 3 decimals
    assert F.fmt_p(0.0004, {"p_min": 0, "p_decimals": 0}) == "p < 1"
    assert F.fmt_p(0.0, {"p_min": 0}) == "p < 0.001"
    assert F.fmt_p(1, None) == "p = 1.000"
    assert F.fmt_p(0, None) == "p < 0.001"
    assert F.fmt_p(0.001, None) == "p = 0.001"
    assert F.fmt_p(0.5, {"leading_zero": False, "p_leading_zero": True}) == "p = 0.500"
    assert F.fmt_p(0.5, {"leading_zero": False}) == "p = .500"
    assert F.fmt_p(0.0001, {"p_min": 0.0001, "p_decimals": 4}) == "p = 0.0001"
    assert F.fmt_p(0.00001, {"p_min": 0.0001, "p_decimals": 4}) == "p < 0.0001"
    assert F.fmt_p(0.05, {"p_min": 0.05, "p_decimals": 1}) == "p = 0.1"
    assert F.fmt_p(0.04, {"p_min": 0.05, "p_decimals": 1}) == "p < 0.05"


def test_degrees_of_freedom():
    assert F.fmt_stat("t", 2.0, 117.0, 2, None) == "t(117) = 2.00"
    assert F.fmt_stat("t", 2.0, 117.25, 2, None) == "t(117.3) = 2.00"
    assert F.fmt_stat("t", 2.0, (1, 117.255), 2, {"dof_decimals": 2}) == "t(1, 117.26) = 2.00"
    assert F.fmt_stat("chi2", 2.0, [2, None], 1, CUSTOM) == "\u03c7\u00b2(2; --)=2.0"
    assert F.fmt_stat("H", 2.0, None, 1, None) == "H = 2.0"
    assert F.fmt_stat("Q", 2.0, [], 1, None) == "Q = 2.0"


def test_month_year():
    assert F.fmt_month_year(datetime.date(2007, 10, 1), None) == "October 2007"
    assert F.fmt_month_year(datetime.datetime(2008, 1, 31, 12), None) == "January 2008"
    assert F.fmt_month_year(" 2008-12-05 ", None) == "December 2008"
    assert F.fmt_month_year(pd.NaT, None) == "n/a"
    assert F.fmt_month_year(float("nan"), {"missing": "?"}) == "?"
    months = [F.fmt_month_year(datetime.date(2001, m, 1), None).split()[0] for m in range(1, 13)]
    assert months == ["January", "February", "March", "April", "May", "June", "July", "August",
                      "September", "October", "November", "December"]
    assert F.fmt_month_year(datetime.date(812, 5, 1), None) == "May 0812"
    assert message(F.fmt_month_year, "2008/12/05", None) == "not an ISO date (YYYY-MM-DD): '2008/12/05'"
    assert message(F.fmt_month_year, 2008, None) == "a date is needed, not int"


def test_est_ci_levels():
    assert F.fmt_est_ci(1, 0, 2, 1, None, level=0.9) == "1.0 (90% CI 0.0 to 2.0)"
    assert F.fmt_est_ci(1, 0, 2, 1, None, level=0.99) == "1.0 (99% CI 0.0 to 2.0)"
    assert F.fmt_est_ci(1, 0, 2, 1, None, level=None) == "1.0 (0.0 to 2.0)"
    assert F.fmt_est_ci(1, 0, 2, 1, CUSTOM, level=None) == "1.0 (0.0; 2.0)"


# --------------------------------------------------------- baseline table
def _display():
    rows = []
    for g, m, s, lo, hi in [("LO", 36.25, 10.8, 18.25, 61), ("SO", 44.2, 12.5, 24, 64)]:
        rows.append(dict(variable="age", label="Age", type="continuous", level=None, open_ended=False, group=g,
                         count=np.nan, mean=m, sd=s, min=lo, max=hi))
    # a group with no row for one variable or level prints the placeholder
    rows.append(dict(variable="income", label="Income", type="continuous", level=None, open_ended=False, group="LO",
                     count=np.nan, mean=1500.5, sd=200, min=1000, max=2000))
    for g, counts in [("LO", [3, 4]), ("SO", [5])]:
        for lev, c in zip([1.5, 2], counts):
            rows.append(dict(variable="level", label="Level", type="ordinal", level=lev, open_ended=lev == 2, group=g,
                             count=c, mean=np.nan, sd=np.nan, min=np.nan, max=np.nan))
    rows.append(dict(variable="site", label="Site", type="categorical", level="north", open_ended=False, group="SO",
                     count=1200, mean=np.nan, sd=np.nan, min=np.nan, max=np.nan))
    return pd.DataFrame(rows)


def _tests():
    return pd.DataFrame({"variable": ["level", "age"], "statistic": ["H", "F"], "value": [6.6187, 5.896],
                         "df1": [2, 2], "df2": [np.nan, 117], "p_value": [0.0365, 0.0036]})


def test_baseline_table_with_defaults_and_a_custom_configuration():
    out = F.format_baseline_table(_display(), _tests(), None)
    assert out.columns.tolist() == ["variable", "label", "row", "LO", "SO", "test"]
    assert out.values.tolist() == [
        ["age", "Age", "mean (SD)", "36.3 (10.8)", "44.2 (12.5)", "F(2, 117) = 5.9, p = 0.004"],
        ["age", "Age", "range", "18.3-61.0", "24.0-64.0", ""],
        ["income", "Income", "mean (SD)", "1500.5 (200.0)", "n/a", ""],
        ["income", "Income", "range", "1000.0-2000.0", "n/a", ""],
        ["level", "Level", "1.5", "3", "5", "H(2) = 6.6, p = 0.037"],
        ["level", "Level", "2+", "4", "n/a", ""],
        ["site", "Site", "Site", "n/a", "1200", ""],
    ]
    custom = F.format_baseline_table(_display(), _tests(), CUSTOM, decimals=0, stat_decimals=2, range_decimals=1)
    assert custom.values.tolist() == [
        ["age", "Age", "mean (SD)", "36 (11)", "44 (13)", "F*(2; 117)=5.90, P<.01"],
        ["age", "Age", "range", "18.3\u201361.0", "24.0\u201364.0", ""],
        ["income", "Income", "mean (SD)", "1,501 (200)", "--", ""],
        ["income", "Income", "range", "1,000.0\u20132,000.0", "--", ""],
        ["level", "Level", "1.5", "3", "5", "H(2)=6.62, P=.04"],
        ["level", "Level", "2+", "4", "--", ""],
        ["site", "Site", "Site", "--", "1,200", ""],
    ]


def test_baseline_table_guards_name_the_frame_and_column():
    assert message(F.format_baseline_table, _display().drop(columns="sd"), _tests(), None) == (
        "baseline display frame has no column 'sd'"
    )
    assert message(F.format_baseline_table, _display(), _tests().drop(columns="df2"), None) == (
        "baseline tests frame has no column 'df2'"
    )


def test_level_labels():
    c = F.format_config({"minus": "\u2212"})
    assert F._level_label(3, False, c) == "3"
    assert F._level_label(3.0, True, c) == "3+"
    assert F._level_label(-2.5, False, c) == "\u22122.5"
    assert F._level_label(0.125, False, c) == "0.125"
    assert F._level_label(True, False, c) == "True"
    assert F._level_label(float("nan"), False, c) == "nan"
    assert F._level_label("high", True, c) == "high+"
    assert F._level_label(None, False, c) == "None"


def test_baseline_table_of_nothing_keeps_its_columns():
    out = F.format_baseline_table(_display().iloc[:0], _tests().iloc[:0], None)
    assert out.columns.tolist() == ["variable", "label", "row", "test"] and len(out) == 0
