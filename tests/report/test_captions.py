"""The captions of manuscript/figures.yaml describe what their figures plot.

Each test reads a claim a caption makes (or must not make) and checks it
against what the figure function draws, so that a caption cannot drift from
its figure (issue 14: captions naming services, sites or statements a figure
does not show; a confidence level typed by hand).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from selfcare.analysis.dataset import SERVICE_LABELS
from selfcare.report.figures.models import _forest_data, _forest_specs
from selfcare.report.figures.scores import FIGURE_NAMES
from selfcare.report.figures.style import OUTCOME_LABELS
from selfcare.report.markdown import HandTypedNumberError
from selfcare.report.numberwords import check_captions, find_number_words

ROOT = Path(__file__).resolve().parents[2]
CAPTIONS = {
    k: " ".join(v["caption"].split())
    for k, v in yaml.safe_load((ROOT / "manuscript/figures.yaml").read_text(encoding="utf-8")).items()
}
LEVEL_VAR = "{{< var config.confidence_pct >}}"


def test_every_figure_has_a_caption_and_only_those():
    assert set(CAPTIONS) == set(FIGURE_NAMES)


def test_captions_hold_no_hand_typed_numbers_or_number_words():
    check_captions(CAPTIONS)
    with pytest.raises(HandTypedNumberError, match="'95%'"):
        check_captions({"change": "Mean change with 95% confidence intervals."})
    with pytest.raises(HandTypedNumberError, match="'seven'"):
        check_captions({"themes": "The seven themes of the framework."})


@pytest.mark.parametrize("name", ["change", "forest", "survey"])
def test_figures_with_intervals_quote_the_configured_level(name):
    assert "confidence interval" in CAPTIONS[name]
    assert LEVEL_VAR in CAPTIONS[name]
    assert "%" not in CAPTIONS[name].replace(LEVEL_VAR, "")


@pytest.mark.parametrize("name", ["flow", "ae", "themes", "scores"])
def test_figures_without_intervals_do_not_mention_them(name):
    assert "interval" not in CAPTIONS[name]


def test_ae_caption_names_only_the_service_the_figure_plots():
    # ae_figure draws the A&E columns only (pre="ae_bl", post="ae_fu")
    caption = CAPTIONS["ae"].lower()
    assert "a&e" in caption
    for key, label in SERVICE_LABELS.items():
        if key != "ae":
            assert label.split()[0].lower() not in caption, label
    assert "other services" not in caption and "service contacts" not in caption


def test_themes_caption_matches_the_columns_drawn():
    # theme_heatmap keeps only site == "all": columns are stakeholder groups, not sites
    from selfcare.report.figures.themes import _theme_data

    counts = pd.DataFrame(
        {
            "level": ["theme"] * 3,
            "theme": ["a", "a", "a"],
            "group": ["staff", "carer", "staff"],
            "site": ["all", "all", "LO"],
            "share": [0.5, 0.2, 0.9],
            "n_interviews_in_group": [4, 5, 2],
        }
    )
    df, _, _, groups = _theme_data(counts, {"themes": {"a": {"label": "A"}}})
    assert set(df["site"]) == {"all"} and groups == ["carer", "staff"]
    caption = CAPTIONS["themes"]
    assert "all sites combined" in caption
    assert not re.search(r"\bby (stakeholder group and by )?site\b", caption)


def test_survey_caption_claims_only_the_yes_no_items():
    # survey_figure draws the yes/no items (survey_summary's binary table), not the agreement statements
    caption = CAPTIONS["survey"].lower()
    assert "yes" in caption
    assert "agree" not in caption and "statement" not in caption


def test_forest_caption_and_axes_have_one_scale_per_axis():
    ancova = pd.DataFrame(
        {
            "outcome": ["empowerment", "confidence"],
            "term": ["med_choice"] * 2,
            "estimate": [4.3, 0.3],
            "ci_low": [1.2, -0.01],
            "ci_high": [7.4, 0.6],
            "p_value": [0.007, 0.055],
        }
    )
    empty = pd.DataFrame()
    anc, sat, eng = _forest_data(ancova, empty, empty, "med_choice", "severity_bl", [])
    specs = _forest_specs(anc, sat, eng, "med_choice", "severity_bl", OUTCOME_LABELS, {"empowerment": "sum, 28-112"})
    a_panels = [s for s in specs if s[6].startswith("Adjusted difference")]
    assert len(a_panels) == 2 and all(len(s[1]) == 1 for s in a_panels)  # one outcome per axis
    assert "sum, 28-112" in a_panels[0][6]
    assert "own axis" in CAPTIONS["forest"]


def test_change_and_scores_captions_say_each_outcome_has_its_own_scale():
    assert "own panel and scale" in CAPTIONS["change"]
    assert "own scale" in CAPTIONS["scores"]


def test_number_words_found_and_fixed_phrases_allowed():
    hits = find_number_words("The framework has seven themes.\nAt nine months, one another; Two sites.", 10)
    assert [(h["token"], h["line"]) for h in hits] == [("seven", 10), ("nine", 11), ("Two", 11)]  # periods too
    assert find_number_words("{{< var qual.n_themes >}} themes; one's own; a one-way test", 1) == []


def test_manuscript_prose_has_no_spelled_out_numbers_and_background_cites_policy():
    from selfcare.report.numberwords import check_number_word_sections
    from selfcare.report.trace import extract_section

    qmd = (ROOT / "manuscript/index.qmd").read_text(encoding="utf-8")
    check_number_word_sections(qmd, "manuscript/index.qmd")  # every section but the pending ones
    background, _ = extract_section(qmd, "Background")
    policy = background.split("[@", 1)
    assert "policy" in policy[0] and policy[1].startswith("dh2005")
    bib = (ROOT / "manuscript/references.bib").read_text(encoding="utf-8")
    assert "@techreport{dh2005," in bib and "@techreport{dh2006," in bib


def test_a_newly_typed_number_word_in_any_section_fails_naming_file_line_and_word():
    from selfcare.report.markdown import HandTypedNumberError
    from selfcare.report.numberwords import NUMBER_WORD_PENDING, check_number_word_sections
    from selfcare.report.trace import _headings

    qmd = (ROOT / "manuscript/index.qmd").read_text(encoding="utf-8")
    lines = qmd.split("\n")
    pending = {h.lower() for h in NUMBER_WORD_PENDING}
    checked = [(i, text) for i, _, text in _headings(qmd)
               if text.split("{")[0].strip().lower() not in pending]
    assert len(checked) > 20  # all sections, not a handful
    for index, heading in checked:
        planted = lines[:index + 1] + ["", "The study had seven arms."] + lines[index + 1:]
        with pytest.raises(HandTypedNumberError, match=rf"manuscript/index.qmd:{index + 3}: 'seven'"):
            check_number_word_sections("\n".join(planted), "manuscript/index.qmd")


def test_pending_sections_are_skipped_only_while_pending():
    from selfcare.report.markdown import HandTypedNumberError
    from selfcare.report.numberwords import check_number_word_sections

    text = "# A\n\nFine.\n\n## Findings\n\nSeven sites.\n\n## B\n\nFine.\n"
    check_number_word_sections(text, "x.qmd", pending=("Findings",))
    with pytest.raises(HandTypedNumberError, match=r"x.qmd:7: 'Seven'"):
        check_number_word_sections(text, "x.qmd", pending=())


def test_table_captions_are_checked_for_digits_and_number_words():
    from selfcare.report.markdown import HandTypedNumberError
    from selfcare.report.numberwords import check_table_caption

    for name, entry in yaml.safe_load((ROOT / "manuscript/tables.yaml").read_text(encoding="utf-8")).items():
        check_table_caption(name, re.sub(r"\{[a-z0-9_.]+\}", " ", entry["caption"]))
    check_table_caption("reproduction", "The summary (Gillard et al. 2010) beside ours.")
    with pytest.raises(HandTypedNumberError, match=r"manuscript/tables.yaml: table flow: 'nine'"):
        check_table_caption("flow", "Flow to the nine-month follow-up.")
    with pytest.raises(HandTypedNumberError, match=r"table change: '95%'"):
        check_table_caption("change", "Mean change with its 95% confidence interval.")


def test_caption_opening_words_are_plain_text_for_the_snakemake_report():
    # tests/workflow/test_workflow.py finds each caption's first eight words in the Snakemake report
    for name, caption in CAPTIONS.items():
        assert "{{<" not in " ".join(caption.split()[:8]), name
