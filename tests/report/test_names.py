"""One name per outcome, one confidence level, one minus sign (issue 14).

Figures and tables name the outcomes after config/measures.yaml (``outcome``),
print the confidence level of the configured alpha, and share the minus sign
and percent style of selfcare.report.formatting.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from selfcare.report import formatting as F
from selfcare.report.figures import style
from selfcare.report.tables import markdown as tables_markdown
from selfcare.report.tables.quantitative import change_md, models_md

ROOT = Path(__file__).resolve().parents[2]
MEASURES = yaml.safe_load((ROOT / "config/measures.yaml").read_text(encoding="utf-8"))
CONFIG = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))


def test_outcome_names_come_from_the_measures_config_and_fallbacks_agree():
    names = F.outcome_names(MEASURES)
    assert names["severity"] == MEASURES["measures"]["severity"]["outcome"]
    assert set(names) == set(MEASURES["measures"])
    # the fallbacks (used without a configuration) are the same names
    for key, name in names.items():
        assert style.OUTCOME_LABELS[key] == name
        assert tables_markdown.OUTCOME_LABELS[key] == name
    assert F.outcome_names({"measures": {"x": {"label": "X Scale"}}}) == {"x": "X Scale"}


def test_tables_use_the_names_and_level_they_are_given():
    change = pd.DataFrame(
        {"site": ["LO"], "outcome": ["severity"], "n": [10], "mean_pre": [40.0], "mean_post": [38.0],
         "mean_change": [-2.0], "ci_low": [-3.5], "ci_high": [-0.5], "p_value": [0.01]}
    )
    text = change_md(change, None, caption="C.", outcome_labels={"severity": "Severity X"}, level="90%")
    assert "Severity X" in text and "(90% CI)" in text and "95%" not in text
    anc = pd.DataFrame({"outcome": ["empowerment"], "term": ["severity_bl"], "estimate": [1.0], "ci_low": [0.1],
                        "ci_high": [2.0], "p_value": [0.04], "n": [50]})
    sat = anc.drop(columns="outcome")
    eng = pd.DataFrame({"term": ["severity_bl"], "odds_ratio": [1.1], "or_ci_low": [1.0], "or_ci_high": [1.2],
                        "p_value": [0.05], "n": [50]})
    text = models_md(anc, sat, eng, None, caption="M.", outcome_labels={"severity": "Severity X"})
    assert "Baseline severity x" in text


def test_confidence_level_follows_alpha():
    assert F.confidence_pct(0.05, None) == "95%"
    assert F.confidence_pct(0.1, None) == "90%"
    assert F.confidence_pct(0.025, None) == "97.5%"
    with pytest.raises(ValueError):
        F.confidence_pct(1.5, None)


def test_one_minus_sign_and_percent_style():
    assert CONFIG["formatting"].get("minus", F.DEFAULT_FORMAT["minus"]) == F.DEFAULT_FORMAT["minus"]
    assert style._MINUS == F.DEFAULT_FORMAT["minus"]
    assert style._fmt(-1.5) == F.DEFAULT_FORMAT["minus"] + "1.50"
    assert style._pct(0.355) == F.fmt_pct(35.5, 0, None) == "36%"
    assert style.RC["axes.unicode_minus"] is (F.DEFAULT_FORMAT["minus"] == "\u2212")


def test_score_ranges_from_items_and_method():
    ranges = F.score_ranges(MEASURES, None)
    assert ranges["empowerment"] == "sum, 28-112"
    assert ranges["confidence"] == "item mean, 1-6"
    assert ranges["collaboration"] == "sum, 0-24"  # the primary subscale, six items of 0-4


def test_tick_labels_have_the_decimals_their_step_needs():
    assert [style._tick_formatter([0.0, 0.005, 0.01])(v) for v in (0.0, 0.005, 0.01)] == ["0.000", "0.005", "0.010"]
    assert [style._tick_formatter([0.0, 0.2, 0.4])(v) for v in (0.0, 0.2, 0.4)] == ["0.0", "0.2", "0.4"]
    assert style._tick_formatter([0.0, 2.0, 4.0])(-2.0) == F.DEFAULT_FORMAT["minus"] + "2"
    assert F.count_word(7) == "seven" and F.count_word(21) == "21" and F.plural(1, "site") == "1 site"


def test_manuscript_writes_percentages_with_the_percent_sign():
    import re

    qmd = (ROOT / "manuscript/index.qmd").read_text(encoding="utf-8")
    # a quoted number followed by "per cent" mixes styles: formatting writes "%"
    assert not re.search(r">\}\}\s+per\s+cent", qmd)
    assert F.DEFAULT_FORMAT["pct_sign"] == "%" and "pct_sign" not in CONFIG["formatting"]
