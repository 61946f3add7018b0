"""Tests of selfcare.report.formatting: rounding rules, placeholders and layouts."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from selfcare.report import formatting as F

CFG = {
    "p_min": 0.001,
    "p_decimals": 3,
    "ci_sep": " to ",
    "minus": "-",
    "missing": "n/a",
    "leading_zero": True,
}


@pytest.mark.parametrize(
    "x,decimals,expected",
    [
        (0.125, 2, "0.13"),  # binary float is below .125; decimal rounding goes up
        (2.675, 2, "2.68"),
        (0.5, 0, "1"),  # not banker's rounding (which gives 0)
        (2.5, 0, "3"),
        (-2.5, 0, "-3"),  # half away from zero
        (1.005, 2, "1.01"),
        (36.25, 1, "36.3"),
        (-0.04, 1, "0.0"),  # never "-0.0"
        (-0.0, 1, "0.0"),
        (-1e-12, 3, "0.000"),
        (5.0, 1, "5.0"),
        (7, 2, "7.00"),
        (np.float64(0.125), 2, "0.13"),
        (np.int64(3), 1, "3.0"),
        (123456.789, 1, "123456.8"),
    ],
)
def test_fmt_num_rounding(x, decimals, expected):
    assert F.fmt_num(x, decimals, CFG) == expected


def test_round_half_away_returns_decimal():
    assert F.round_half_away(2.675, 2) == Decimal("2.68")
    assert str(F.round_half_away(-0.001, 2)) == "0.00"
    with pytest.raises(ValueError, match="not finite"):
        F.round_half_away(float("inf"), 1)


@pytest.mark.parametrize(
    "missing", [None, float("nan"), np.nan, pd.NA, np.float32("nan")]
)
def test_missing_values_use_placeholder(missing):
    assert F.fmt_num(missing, 1, CFG) == "n/a"
    assert F.fmt_signed(missing, 1, CFG) == "n/a"
    assert F.fmt_int(missing, CFG) == "n/a"
    assert F.fmt_pct(missing, 0, CFG) == "n/a"
    assert F.fmt_ci(missing, 1.0, 1, CFG) == "n/a"
    assert F.fmt_p(missing, CFG) == "p = n/a"
    assert F.fmt_p(missing, CFG, bare=True) == "n/a"
    assert F.fmt_num(missing, 1, {"missing": "–"}) == "–"


def test_fmt_p_forms():
    assert F.fmt_p(0.007, CFG) == "p = 0.007"
    assert F.fmt_p(0.0071, CFG, bare=True) == "0.007"
    assert F.fmt_p(0.0004, CFG) == "p < 0.001"
    assert F.fmt_p(0.0004, CFG, bare=True) == "<0.001"
    assert F.fmt_p(0.00099999, CFG) == "p < 0.001"
    assert F.fmt_p(0.001, CFG) == "p = 0.001"
    assert F.fmt_p(0.0365, CFG) == "p = 0.037"
    assert F.fmt_p(0.0525, CFG) == "p = 0.053"
    assert F.fmt_p(1.0, CFG) == "p = 1.000"
    assert F.fmt_p(0.0, CFG) == "p < 0.001"
    # APA style: no leading zero for p only
    assert F.fmt_p(0.047, {**CFG, "p_leading_zero": False}) == "p = .047"
    assert F.fmt_p(0.0001, {**CFG, "p_leading_zero": False}) == "p < .001"
    assert F.fmt_num(0.5, 1, {**CFG, "p_leading_zero": False}) == "0.5"
    # a smaller p_min than the printed precision still never prints p = 0.000
    assert F.fmt_p(0.0002, {**CFG, "p_min": 0.0}) == "p < 0.001"
    assert F.fmt_p(0.00004, {**CFG, "p_min": 0.0001, "p_decimals": 4}) == "p < 0.0001"
    assert F.fmt_p(0.02, {**CFG, "p_decimals": 2, "p_label": "P"}) == "P = 0.02"


def test_fmt_p_rejects_out_of_range():
    with pytest.raises(ValueError, match="p-value"):
        F.fmt_p(1.2, CFG)
    with pytest.raises(ValueError, match="p-value"):
        F.fmt_p(-0.1, CFG)
    with pytest.raises(ValueError, match="must be a number"):
        F.fmt_p("0.05", CFG)


def test_fmt_signed():
    assert F.fmt_signed(3.94, 1, CFG) == "+3.9"
    assert F.fmt_signed(-0.45, 1, CFG) == "-0.5"
    assert F.fmt_signed(-0.04, 1, CFG) == "0.0"
    assert F.fmt_signed(0.04, 1, CFG) == "0.0"
    assert F.fmt_signed(-1.2, 1, {**CFG, "minus": "\u2212"}) == "\u22121.2"


def test_fmt_ci_and_est_ci():
    assert F.fmt_ci(0.8, 7.0, 1, CFG) == "0.8 to 7.0"
    assert F.fmt_ci(-0.04, 0.6, 1, CFG) == "0.0 to 0.6"
    assert F.fmt_ci(-1.26, -0.2, 1, {**CFG, "ci_sep": ", "}) == "-1.3, -0.2"
    assert (
        F.fmt_est_ci(3.9, 0.8, 7.0, 1, CFG, signed=True) == "+3.9 (95% CI 0.8 to 7.0)"
    )
    # precision rule: never "0.01 (0.00 to 0.01)"; the width 0.013 needs three decimals
    assert (
        F.fmt_est_ci(0.01, 0.001, 0.014, 2, CFG, level=0.9)
        == "0.010 (90% CI 0.001 to 0.014)"
    )
    assert (
        F.fmt_est_ci(0.01, 0.001, 0.014, 2, {**CFG, "ci_width_digits": 0}, level=0.9)
        == "0.01 (90% CI 0.00 to 0.01)"
    )
    assert F.fmt_est_ci(1.5, 1.0, 2.0, 1, CFG, level=None) == "1.5 (1.0 to 2.0)"


def test_fmt_pct_int_and_counts():
    assert F.fmt_pct(35.0, 0, CFG) == "35%"
    assert F.fmt_pct(34.5, 0, CFG) == "35%"
    assert (
        F.fmt_pct(0.285, 0, CFG, proportion=True) == "29%"
    )  # 28.5 exactly, not 28.499...
    assert F.fmt_pct(41.44, 1, {**CFG, "pct_sign": " %"}) == "41.4 %"
    assert F.fmt_int(121, CFG) == "121"
    assert F.fmt_int(17.0, CFG) == "17"
    assert F.fmt_int(1234567, {**CFG, "thousands_sep": ","}) == "1,234,567"
    assert F.fmt_int(-1234, {**CFG, "thousands_sep": ","}) == "-1,234"
    with pytest.raises(ValueError, match="whole number"):
        F.fmt_int(2.5, CFG)
    assert F.fmt_count_pct(28, 38, 1, CFG) == "28 (73.7%)"
    assert F.fmt_count_pct(1, 8, 1, CFG) == "1 (12.5%)"
    assert F.fmt_count_pct(0, 0, 1, CFG) == "0 (n/a)"


def test_fmt_stat():
    assert F.fmt_stat("F", 5.896, [2, 117], 1, CFG) == "F(2, 117) = 5.9"
    assert F.fmt_stat("chi2", 1.275, 2, 1, CFG) == "\u03c7\u00b2(2) = 1.3"
    assert F.fmt_stat("chi2", 28.957, 2.0, 2, CFG) == "\u03c7\u00b2(2) = 28.96"
    assert F.fmt_stat("t", 2.1, 45.37, 2, CFG) == "t(45.4) = 2.10"
    assert F.fmt_stat("z", -1.96, None, 2, CFG) == "z = -1.96"
    assert (
        F.fmt_stat("H", 6.62, [2], 1, {"stat_symbols": {"H": "\u03c7\u00b2"}})
        == "\u03c7\u00b2(2) = 6.6"
    )
    assert F.fmt_stat("W", 12, (), 0, CFG) == "W = 12"
    assert F.fmt_stat("F", float("nan"), [2, 117], 1, CFG) == "F(2, 117) = n/a"


def test_mean_sd_and_range():
    assert F.fmt_mean_sd(36.25, 10.75, 1, CFG) == "36.3 (10.8)"
    assert F.fmt_mean_sd(36.3, float("nan"), 1, CFG) == "36.3 (n/a)"
    assert F.fmt_mean_sd(float("nan"), 1.0, 1, CFG) == "n/a"
    assert F.fmt_range(18, 61, 0, CFG) == "18-61"
    assert F.fmt_range(18, 61, 0, {"range_sep": "\u2013"}) == "18\u201361"


def test_leading_zero_and_infinity():
    assert F.fmt_num(0.25, 2, {**CFG, "leading_zero": False}) == ".25"
    assert F.fmt_num(-0.25, 2, {**CFG, "leading_zero": False}) == "-.25"
    assert F.fmt_num(1.25, 2, {**CFG, "leading_zero": False}) == "1.25"
    assert F.fmt_num(float("inf"), 2, CFG) == "\u221e"
    assert F.fmt_ci(0.5, float("inf"), 2, {**CFG, "infinity": "inf"}) == "0.50 to inf"


def test_config_validation():
    with pytest.raises(ValueError, match="unknown key 'p_decimal'"):
        F.fmt_p(0.5, {"p_decimal": 2})
    with pytest.raises(ValueError, match="'p_decimals'"):
        F.fmt_p(0.5, {"p_decimals": -1})
    with pytest.raises(ValueError, match="'leading_zero'"):
        F.fmt_num(0.5, 1, {"leading_zero": "no"})
    with pytest.raises(ValueError, match="must be a number"):
        F.fmt_num("1.5", 1, CFG)
    with pytest.raises(ValueError, match="must be a number"):
        F.fmt_num(True, 1, CFG)
    full = F.format_config({"stat_symbols": {"F": "F-ratio"}})
    assert (
        full["stat_symbols"]["F"] == "F-ratio"
        and full["stat_symbols"]["chi2"] == "\u03c7\u00b2"
    )
    assert F.format_config(None) == F.format_config({})


def test_format_baseline_table():
    display = pd.DataFrame(
        [
            # continuous
            dict(
                variable="age",
                label="Age",
                type="continuous",
                level=None,
                open_ended=False,
                group=g,
                count=np.nan,
                mean=m,
                sd=s,
                min=lo,
                max=hi,
            )
            for g, m, s, lo, hi in [
                ("LO", 36.25, 10.8, 18, 61),
                ("SO", 44.2, 12.5, 24, 64),
            ]
        ]
        + [
            dict(
                variable="gender",
                label="Female",
                type="categorical",
                level="female",
                open_ended=False,
                group=g,
                count=c,
                mean=np.nan,
                sd=np.nan,
                min=np.nan,
                max=np.nan,
            )
            for g, c in [("LO", 28), ("SO", 28)]
        ]
        + [
            dict(
                variable="dependants",
                label="Dependants",
                type="ordinal",
                level=lev,
                open_ended=oe,
                group=g,
                count=c,
                mean=np.nan,
                sd=np.nan,
                min=np.nan,
                max=np.nan,
            )
            for g, counts in [("LO", [27, 4, 3, 4]), ("SO", [36, 3, 1, 1])]
            for lev, oe, c in zip([0, 1, 2, 3], [False, False, False, True], counts)
        ]
    )
    tests = pd.DataFrame(
        {
            "variable": ["age", "gender", "dependants"],
            "statistic": ["F", "chi2", "H"],
            "value": [5.896, 1.275, 6.6187],
            "df1": [2, 2, 2],
            "df2": [117, np.nan, np.nan],
            "p_value": [0.0036, 0.5286, 0.0365],
        }
    )
    out = F.format_baseline_table(
        display, tests, {**CFG, "stat_symbols": {"H": "\u03c7\u00b2"}}, decimals=1
    )
    assert list(out.columns) == ["variable", "label", "row", "LO", "SO", "test"]
    assert out.iloc[0].tolist() == [
        "age",
        "Age",
        "mean (SD)",
        "36.3 (10.8)",
        "44.2 (12.5)",
        "F(2, 117) = 5.9, p = 0.004",
    ]
    assert (
        out.iloc[1]["row"] == "range"
        and out.iloc[1]["LO"] == "18.0-61.0"
        and out.iloc[1]["test"] == ""
    )
    out0 = F.format_baseline_table(
        display, tests, CFG, decimals=1, range_decimals=0, show_range=True
    )
    assert out0.iloc[1]["LO"] == "18-61" and out0.iloc[0]["LO"] == "36.3 (10.8)"
    assert (
        "range"
        not in F.format_baseline_table(display, tests, CFG, show_range=False)[
            "row"
        ].tolist()
    )
    assert out.iloc[2].tolist() == [
        "gender",
        "Female",
        "Female",
        "28",
        "28",
        "\u03c7\u00b2(2) = 1.3, p = 0.529",
    ]
    dep = out[out["variable"] == "dependants"]
    assert dep["row"].tolist() == ["0", "1", "2", "3+"]
    assert dep["SO"].tolist() == ["36", "3", "1", "1"]
    assert dep.iloc[0]["test"] == "\u03c7\u00b2(2) = 6.6, p = 0.037"
    with pytest.raises(ValueError, match="column 'p_value'"):
        F.format_baseline_table(display, tests.drop(columns="p_value"), CFG)


@pytest.mark.parametrize(
    "lo,hi,decimals,expected",
    [
        (0.8, 7.0, 1, 1),  # width 6.2: "6.2" already has two significant digits
        (0.2, 0.8, 1, 2),  # width 0.6 -> "0.60"
        (0.002, 0.012, 2, 3),  # width 0.010 -> "0.010"
        (0.0031, 0.0129, 2, 4),  # width 0.0098 -> "0.0098"
        (-29.6, 61.3, 0, 0),  # wide intervals keep the minimum
        (1.0, 1.0, 2, 2),  # an empty interval keeps the minimum
        (float("nan"), 1.0, 2, 2),
        (0.5, float("inf"), 2, 2),
    ],
)
def test_width_decimals_precision_rule(lo, hi, decimals, expected):
    assert F.width_decimals(lo, hi, decimals, CFG) == expected


def test_precision_rule_gives_two_significant_digits_of_every_width():
    rng = np.random.default_rng(7)
    for _ in range(500):
        lo = float(rng.normal(0, 10) * 10.0 ** rng.integers(-4, 3))
        hi = lo + float(rng.uniform(0.1, 9.9) * 10.0 ** rng.integers(-5, 3))
        d = F.width_decimals(lo, hi, 1, CFG)
        width = F.round_half_away(hi, d) - F.round_half_away(lo, d)
        digits = width.normalize().as_tuple().digits if width else ()
        shown = width.scaleb(d).to_integral_value()
        assert abs(shown) >= 10, (lo, hi, d, width, digits)


def test_fmt_est_ci_writes_a_fractional_level_exactly():
    from selfcare.report import formatting as F

    assert "(99.5% CI " in F.fmt_est_ci(1.0, 0.5, 1.5, 2, None, level=0.995)
    assert "(95% CI " in F.fmt_est_ci(1.0, 0.5, 1.5, 2, None, level=0.95)
    assert "(90% CI " in F.fmt_est_ci(1.0, 0.5, 1.5, 2, None, level=0.9)
