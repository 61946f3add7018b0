"""Tests for selfcare.report.tables: markdown tables of the manuscript."""

from __future__ import annotations

import html as _html
import re

import pandas as pd
import pytest
from selfcare.report.tables.markdown import (
    TABLE_NAMES,
    md_escape,
    parse_interval,
    pipe_table,
    provenance_anchor,
)
from selfcare.report.tables.provenance import figures_provenance_md, provenance_md
from selfcare.report.tables.published import (
    printed_precision_check,
    published_records,
    reproduction_md,
    table1_check_md,
)
from selfcare.report.tables.qualitative import qual_counts_md, quotes_md, survey_md
from selfcare.report.tables.quantitative import (
    change_md,
    flow_md,
    models_md,
    reliability_md,
    service_use_md,
    table1_md,
)

FCFG = {"p_min": 0.001, "p_decimals": 3, "ci_sep": " to ", "minus": "-", "missing": "n/a", "leading_zero": True}

FRAMEWORK = {
    "themes": {
        "services": {"label": "Services supporting self care", "codes": {"peer_support": "Peer support"}},
        "risk": {"label": "Self care and risk", "codes": {"medication": "Medication"}},
    }
}


def header(md: str) -> list[str]:
    """Column names of the first row of a pipe table."""
    first = md.splitlines()[0]
    return [c.strip() for c in first.strip().strip("|").split(" | ")]


def caption_line(md: str) -> str:
    """The ': caption {#tbl-x}' line."""
    lines = [line for line in md.splitlines() if line.startswith(": ")]
    assert len(lines) == 1
    return lines[0]


def body_rows(md: str) -> list[str]:
    """Table rows after the separator line."""
    lines = md.splitlines()
    out = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        out.append(line)
    return out


def to_html(md: str) -> str:
    """Render markdown with pandoc (as the fallback renderer does)."""
    pypandoc = pytest.importorskip("pypandoc")
    return pypandoc.convert_text(md, "html", format="markdown")


def visible(html: str) -> str:
    """Text of rendered HTML, whitespace runs collapsed."""
    return " ".join(_html.unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --------------------------------------------------------------------------
# pipe_table and escaping
# --------------------------------------------------------------------------


def test_pipe_table_structure_caption_and_label():
    df = pd.DataFrame({"Site": ["LO", "SO"], "n": ["38", "41"]})
    md = pipe_table(df, "Participants by site", "flow")
    lines = md.splitlines()
    assert lines[0] == "| Site | n |"
    assert lines[1] == "|:---|---:|"  # text left, numbers right
    assert lines[2] == "| LO | 38 |"
    assert lines[-1] == ": Participants by site {#tbl-flow}"
    assert lines[-2] == ""
    assert md.endswith("\n")
    # a label that already has the prefix is kept
    assert pipe_table(df, "x", "tbl-flow").splitlines()[-1] == ": x {#tbl-flow}"


def test_pipe_table_escapes_pipes_and_markup_but_not_raw_columns():
    df = pd.DataFrame({"a": ["x | y", "[NAME] said *so* @home_1"], "b": ["**bold**", "[t]{#id}"]})
    md = pipe_table(df, "Cap", "esc", raw_columns=["b"])
    rows = body_rows(md)
    assert rows[0] == "| x \\| y | **bold** |"
    assert rows[1] == "| \\[NAME\\] said \\*so\\* \\@home\\_1 | [t]{#id} |"
    html = to_html(md)
    assert 'id="tbl-esc"' in html
    text = visible(html)
    assert "x | y" in text and "[NAME] said *so* @home_1" in text


def test_pipe_table_widths_and_checks():
    df = pd.DataFrame({"a": ["1"], "b": ["2"]})
    md = pipe_table(df, "Cap", "w", widths=[1, 3], align=["l", "l"])
    assert md.splitlines()[1] == "|:----------|:------------------------------|"
    with pytest.raises(ValueError):
        pipe_table(df, "Cap", "w", widths=[1])
    with pytest.raises(ValueError):
        pipe_table(df, "Cap", "")


def test_md_escape_missing_and_newlines():
    assert md_escape(float("nan")) == ""
    assert md_escape(None) == ""
    assert md_escape("a\nb") == "a b"
    assert md_escape("<0.001") == "\\<0.001"


# --------------------------------------------------------------------------
# builders
# --------------------------------------------------------------------------


def test_table1_md():
    df = pd.DataFrame(
        {
            "variable": ["age", "age", "gender", "ethnicity", "ethnicity"],
            "label": ["age", "age", "gender", "ethnicity", "ethnicity"],
            "row": ["mean (SD)", "range", "gender", "white_british", "not_recorded"],
            "LO": ["36.3 (10.8)", "18-61", "28", "24", "1"],
            "SO": ["44.2 (12.5)", "24-64", "28", "41", "0"],
            "test": ["F(2, 117) = 5.9, p = 0.004", None, "χ²(2) = 1.3, p = 0.529", "χ²(6) = 20.3, p = 0.002", None],
        }
    )
    md = table1_md(df, site_n={"LO": 38, "SO": 41}, fcfg=FCFG, caption="T1")
    assert header(md) == ["Characteristic", "Category", "LO (n = 38)", "SO (n = 41)", "Test across sites"]
    assert caption_line(md).endswith("{#tbl-table1}")
    rows = body_rows(md)
    assert rows[0].startswith("| Age, years | mean (SD) | 36.3 (10.8) |")
    assert rows[1].startswith("|  | range |")
    assert rows[2].startswith("| Gender | Female | 28 | 28 |")
    assert "| Ethnicity | White British |" in rows[3]
    assert rows[4].startswith("|  | Not recorded |")


def test_flow_md_totals():
    df = pd.DataFrame(
        {
            "site": ["LO", "SO"],
            "referred": [55, 54],
            "recruited": [38, 41],
            "followed_up": [31, 34],
            "analysed_empowerment": [28, 31],
            "excluded_empowerment_score_missing": [3, 3],
        }
    )
    md = flow_md(df, FCFG, caption="Participants by site")
    assert header(md) == ["Stage", "LO", "SO", "All sites"]
    assert caption_line(md).endswith("{#tbl-flow}")
    rows = body_rows(md)
    assert rows[0] == "| Referred | 55 | 54 | 109 |"
    assert "| Analysed, empowerment (both scores) | 28 | 31 | 59 |" in rows


CHANGE = pd.DataFrame(
    {
        "site": ["LO", "LO"],
        "outcome": ["empowerment", "confidence"],
        "n": [28, 29],
        "mean_pre": [71.03, 3.289],
        "mean_post": [72.63, 3.93],
        "mean_change": [1.591, 0.6415],
        "ci_low": [-1.041, 0.3709],
        "ci_high": [4.224, 0.9122],
        "p_value": [0.0071, 4.1e-05],
        "wilcoxon_p": [0.3014, 0.000118],
        "cohen_dz": [0.234, 0.902],
        "note": [None, None],
    }
)


def test_change_md_formats_numbers():
    md = change_md(CHANGE, FCFG, caption="C")
    assert header(md) == [
        "Site", "Outcome", "n", "Baseline mean", "Follow-up mean", "Mean change (95% CI)",
        "p (paired t)", "p (Wilcoxon)", "Cohen\\'s dz",
    ]
    assert caption_line(md).endswith("{#tbl-change}")
    rows = body_rows(md)
    assert rows[0] == "| LO | Empowerment | 28 | 71.0 | 72.6 | \\+1.6 (-1.0 to 4.2) | 0.007 | 0.301 | 0.23 |"
    assert "| \\<0.001 | \\<0.001 |" in rows[1]
    assert "+1.6 (-1.0 to 4.2)" in visible(to_html(md))


def _service(site: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": [site],
            "service": ["ae"],
            "n_persons": [31],
            "total_pre": [67],
            "total_post": [43],
            "rate_ratio": [0.6418],
            "rr_ci_low": [0.49],
            "rr_ci_high": [0.8406],
            "pct_reduction": [35.82],
            "pct_reduction_ci_low": [15.94],
            "pct_reduction_ci_high": [51.0],
            "p_value": [0.00128],
            "exact_p_value": [0.02785],
            "note": [float("nan")],
        }
    )


def test_service_use_md_accepts_list_or_mapping():
    md = service_use_md([_service("SO"), _service("LO")], FCFG, caption="S", sites=["LO", "SO", "NO"])
    assert caption_line(md).endswith("{#tbl-service_use}")
    assert header(md)[:3] == ["Site", "Service", "n"]
    rows = body_rows(md)
    assert rows[0].startswith("| LO | A\\&E attendances | 31 | 67 | 43 | 0.64 (0.49 to 0.84) | 36 (16 to 51) | GEE | 0.001 | 0.028 (exact) |")
    assert rows[1].startswith("| SO |")
    # without the configured sites: the order of the frames
    assert body_rows(service_use_md([_service("SO"), _service("LO")], FCFG, caption="S"))[0].startswith("| SO |")
    assert service_use_md({"LO": _service("LO")}, FCFG, caption="S") == service_use_md(_service("LO"), FCFG, caption="S")


def test_models_md_terms_and_estimates():
    ancova = pd.DataFrame(
        {
            "outcome": ["empowerment"] * 3,
            "term": ["Intercept", "empowerment_bl", "med_choice"],
            "estimate": [27.2, 0.6084, 4.1643],
            "ci_low": [13.7, 0.4235, 0.933],
            "ci_high": [40.6, 0.7933, 7.3955],
            "p_value": [0.0001, 3.8e-9, 0.01213],
            "n": [94, 94, 94],
        }
    )
    satisfaction = pd.DataFrame(
        {"term": ["Intercept", "severity_bl", "C(site)[T.NO]"], "estimate": [2.6, 0.009132, -0.0388],
         "ci_low": [2.3, 0.001613, -0.2226], "ci_high": [3.0, 0.01665, 0.145], "p_value": [1e-20, 0.01788, 0.6756],
         "n": [91, 91, 91]}
    )
    engagement = pd.DataFrame(
        {"term": ["Intercept", "quality_of_life_bl"], "odds_ratio": [0.32, 1.1997], "or_ci_low": [0.03, 0.7716],
         "or_ci_high": [3.1, 1.8652], "p_value": [0.33, 0.4188], "n": [111, 111]}
    )
    md = models_md(ancova, satisfaction, engagement, FCFG, caption="M")
    assert header(md) == ["Model", "Term", "Scale", "Estimate (95% CI)", "p", "n"]
    assert caption_line(md).endswith("{#tbl-models}")
    rows = body_rows(md)
    assert "Intercept" not in md
    assert rows[0] == (
        "| ANCOVA: empowerment at follow-up | Takes medication as prescribed, by choice | difference "
        "| 4.16 (0.93 to 7.40) | 0.012 | 94 |"
    )
    assert rows[1].startswith("|  | Baseline empowerment |")
    assert "| Baseline clinical severity | coefficient | 0.009 (0.002 to 0.017) | 0.018 | 91 |" in rows[2]
    assert "Site NO (vs reference site)" in rows[3]
    assert "| Logistic: staying engaged | Baseline quality of life | odds ratio | 1.20 (0.77 to 1.87) | 0.419 | 111 |" == rows[4]


def test_reliability_md_missing_timepoint():
    base = pd.DataFrame({"measure": ["empowerment"], "scale": ["empowerment"], "n": [67], "n_items": [28],
                         "alpha": [0.9489], "ci_low": [0.930], "ci_high": [0.965]})
    follow = pd.DataFrame({"measure": ["empowerment", "satisfaction"], "scale": ["empowerment", "satisfaction"],
                           "n": [60, 82], "n_items": [28, 8], "alpha": [0.9443, 0.8435], "ci_low": [0.922, 0.787],
                           "ci_high": [0.963, 0.890]})
    md = reliability_md(base, follow, FCFG, caption="R")
    assert header(md) == ["Scale", "Items", "Baseline n", "Baseline alpha (95% CI)", "Follow-up n", "Follow-up alpha (95% CI)"]
    assert caption_line(md).endswith("{#tbl-reliability}")
    rows = body_rows(md)
    assert rows[0] == "| Empowerment Scale | 28 | 67 | 0.949 (0.930 to 0.965) | 60 | 0.944 (0.922 to 0.963) |"  # precision rule
    assert rows[1] == "| CSQ-8 | 8 | n/a | n/a | 82 | 0.84 (0.79 to 0.89) |"


def _counts() -> pd.DataFrame:
    rows = []
    for theme, code, level, n in (("services", "all", "theme", 81), ("services", "peer_support", "code", 52),
                                  ("risk", "all", "theme", 71), ("risk", "medication", "code", 57)):
        rows.append({"level": level, "theme": theme, "code": code, "group": "all", "site": "all",
                     "n_sources": n, "n_references": 3 * n, "n_interviews_in_group": 87})
        rows.append({"level": level, "theme": theme, "code": code, "group": "carer", "site": "all",
                     "n_sources": n // 10, "n_references": n, "n_interviews_in_group": 12})
        rows.append({"level": level, "theme": theme, "code": code, "group": "all", "site": "LO",
                     "n_sources": n // 3, "n_references": n, "n_interviews_in_group": 29})
    return pd.DataFrame(rows)


def test_qual_counts_md():
    md = qual_counts_md(_counts(), FRAMEWORK, FCFG, caption="Q")
    assert header(md) == ["Theme / sub-code", "All interviews (n = 87)", "Carers (n = 12)", "LO (n = 29)"]
    assert caption_line(md).endswith("{#tbl-qual_counts}")
    rows = body_rows(md)
    assert rows[0] == "| **Services supporting self care** | 81 (93%) | 8 (67%) | 27 (93%) |"
    assert rows[1].startswith("| \u2003Peer support | 52 (60%) |")
    assert rows[2].startswith("| **Self care and risk** |")
    assert len(rows) == 4
    assert len(body_rows(qual_counts_md(_counts(), FRAMEWORK, FCFG, include_codes=False, caption="Q"))) == 2


def test_quotes_md_keeps_quote_text():
    quote = "[NAME] said it's \"*my*\" plan | not theirs -- see @home and {{< var x >}} at [PLACE]..."
    quotes = pd.DataFrame({"theme": ["risk", "services"], "code": ["medication", "peer_support"], "pid": ["P1", "P2"],
                           "group": ["service_user", "carer"], "site": ["NO", "LO"], "interview_id": ["I1", "I2"],
                           "start": [1, 2], "end": [3, 4], "quote": [quote, "Plain words."]})
    md = quotes_md(quotes, FRAMEWORK, caption="Quotes")
    assert header(md) == ["Theme", "Sub-code", "Speaker", "Quotation"]
    assert caption_line(md).endswith("{#tbl-quotes}")
    rows = body_rows(md)
    assert rows[0].startswith("| Services supporting self care | Peer support | Carer, LO | Plain words. |")
    assert "P1" not in md and "I1" not in md  # no pseudonyms or interview ids
    assert "{{<" not in md  # cannot be taken for a shortcode
    assert quote in visible(to_html(md))


def test_survey_md():
    response = pd.DataFrame({"invited": [58], "responded": [36], "rate": [0.6207], "ci_low": [0.492], "ci_high": [0.7344]})
    binary = pd.DataFrame({"column": ["q01"], "label": ["Has a strategy"], "n": [36], "n_yes": [16],
                           "proportion": [0.4444], "ci_low": [0.2954], "ci_high": [0.6042], "n_missing": [0]})
    likert = pd.DataFrame({"column": ["q09"], "label": ["Funding is a barrier (1-5)"], "levels": [5], "n": [36],
                           "median": [4.0], "q1": [4.0], "q3": [5.0], "mean": [4.03], "pct_agree": [80.56], "n_missing": [0]})
    md = survey_md(response, binary, likert, FCFG, caption="Survey.")
    assert header(md) == ["Question", "Answered", "Yes or agree, % (95% CI)", "Median (IQR)"]
    cap = caption_line(md)
    assert cap.endswith("Survey. {#tbl-survey}")  # the caption is the manuscript's (tables.yaml)
    from selfcare.survey.summary import survey_records

    recs = {r["key"]: r["display"] for r in survey_records(response, binary, likert, FCFG)}
    assert (recs["survey.responded"], recs["survey.invited"], recs["survey.rate"], recs["survey.rate_ci"]) == (
        "36", "58", "62%", "49 to 73")
    rows = body_rows(md)
    assert rows[0] == "| Has a strategy | 36 | 44% (30 to 60) |  |"
    assert rows[1] == "| Funding is a barrier (1-5) | 36 | 81% | 4 (4-5) |"


# --------------------------------------------------------------------------
# published numbers and reproduction check
# --------------------------------------------------------------------------

PUBLISHED = {
    "sources": {"s10": "Gillard et al. (2010)", "t12": "Gillard et al. (2012)"},
    "table1": [
        {"key": "age", "statistic": "F", "value": 5.9, "df": [2, 117], "p": 0.003, "decimals": 1, "p_decimals": 3, "source": "t12"},
        {"key": "ae_any_bl", "statistic": "chi2", "value": 18.1, "df": 2, "decimals": 1, "source": "t12"},
    ],
    "summary": [
        {"key": "lo_ae_reduction", "finding": "A&E change at LO", "value": 35, "unit": "% reduction", "p": 0.005,
         "reproduced_by": "service.lo.ae.reduction", "ci_key": "service.lo.ae.reduction_ci", "p_key": "service.lo.ae.p", "source": "s10"},
        {"key": "lo_empowerment", "finding": "Empowerment at LO", "value": 3.9, "ci": [0.8, 7.0],
         "reproduced_by": "change.lo.empowerment.mean", "ci_key": "change.lo.empowerment.ci", "p_key": "change.lo.empowerment.p", "source": "s10"},
        {"key": "severity_satisfaction", "finding": "Severity and satisfaction", "value": 0.01, "ci": [0.00, 0.01],
         "reproduced_by": "satisfaction.severity.b", "ci_key": "satisfaction.severity.ci", "p_key": "satisfaction.severity.p", "source": "s10"},
        {"key": "qol_engagement", "finding": "Quality of life and engagement", "p": 0.020,
         "reproduced_by": "engagement.quality_of_life.or", "ci_key": "engagement.quality_of_life.ci", "p_key": "engagement.quality_of_life.p", "source": "s10"},
    ],
}


def _rec(key, value, display):
    return {"key": key, "value": value, "display": display}


RECORDS = {
    r["key"]: r
    for r in [
        _rec("service.lo.ae.reduction", 35.82, "36%"),
        _rec("service.lo.ae.reduction_ci", "15.94 50.99", "16 to 51"),
        _rec("service.lo.ae.p", 0.00128, "0.001"),
        _rec("change.lo.empowerment.mean", 1.591, "+1.6"),
        _rec("change.lo.empowerment.ci", "-1.041 3.2", "-1.0 to 3.2"),  # 3.9 lies outside
        _rec("change.lo.empowerment.p", 0.0004, "<0.001"),
        _rec("satisfaction.severity.b", 0.00913, "0.01"),
        _rec("satisfaction.severity.ci", "np.float64(0.0016) np.float64(0.0167)", "0.00 to 0.02"),
        _rec("satisfaction.severity.p", 0.0179, "0.018"),
        _rec("engagement.quality_of_life.or", 1.1997, "1.20"),
        _rec("engagement.quality_of_life.ci", "0.77 1.87", "0.77 to 1.87"),
        _rec("engagement.quality_of_life.p", 0.4188, "0.419"),
    ]
}


def test_published_records_keys_and_displays():
    recs = {r["key"]: r for r in published_records(PUBLISHED, FCFG)}
    assert recs["published.summary.lo_ae_reduction.value"]["display"] == "35%"
    assert recs["published.summary.lo_ae_reduction.p"]["display"] == "0.005"
    assert recs["published.summary.lo_empowerment.value"]["display"] == "3.9"
    assert recs["published.summary.lo_empowerment.ci"]["display"] == "0.8 to 7.0"
    assert recs["published.summary.lo_empowerment.ci"]["value"] == "0.8 7.0"
    assert recs["published.summary.severity_satisfaction.value"]["display"] == "0.01"
    assert recs["published.summary.severity_satisfaction.ci"]["display"] == "0.00 to 0.01"
    assert recs["published.summary.qol_engagement.p"]["display"] == "0.020"
    assert "published.summary.qol_engagement.value" not in recs
    assert recs["published.table1.age.value"]["display"] == "5.9"
    assert recs["published.table1.age.p"]["display"] == "0.003"
    assert "published.table1.ae_any_bl.p" not in recs
    assert all(r["rule"] == "published_numbers" and r["output"] == "config/published.yaml" for r in recs.values())
    assert "Gillard et al. (2010)" in recs["published.summary.lo_ae_reduction.value"]["meaning"]


def test_parse_interval():
    assert parse_interval("0.8 7.0") == (0.8, 7.0)
    assert parse_interval("-1.5e-3 2") == (-0.0015, 2.0)
    assert parse_interval("np.float64(0.7716) np.float64(1.8652)") == (0.7716, 1.8652)
    assert parse_interval([3, 1]) == (1.0, 3.0)
    assert parse_interval("n/a") is None
    assert parse_interval(0.5) is None


def test_reproduction_md_inside_ci_logic():
    check = pd.DataFrame(
        {"key": ["ae_any_bl"], "statistic": ["chi2"], "published": [18.1], "computed": [28.957], "decimals": [1],
         "reproduced": [False], "published_df": ["(2.0,)"], "computed_df": ["(2.0,)"], "published_p": [float("nan")],
         "computed_p": [5.2e-07], "verdict": ["published value inconsistent with its own counts"]}
    )
    md = reproduction_md(PUBLISHED, RECORDS, check, FCFG, 0.05, caption="Reproduction check.")
    assert header(md) == ["Finding", "Published", "Reproduced (synthetic data)", "Same at printed precision?",
                          "Published value inside reproduced CI?", "Significance agrees?", "Direction agrees?",
                          "Verdict", "Note"]
    assert caption_line(md).endswith("{#tbl-reproduction}")
    rows = body_rows(md)
    cells = [[c.strip() for c in r.strip().strip("|").split(" | ")] for r in rows]
    by_finding = {c[0]: c for c in cells}
    ae = by_finding["A\\&E change at LO"]
    assert ae[1] == "35%; p = 0.005"
    assert ae[2] == "36% (95% CI 16 to 51), p = 0.001"
    assert ae[3] == "no" and "differs at the printed precision: value, p" in ae[8]  # 36 and 0.001
    assert ae[4] == "yes"  # 35 in [15.94, 50.99]
    assert ae[5:8] == ["yes", "yes", "reproduced"]
    emp = by_finding["Empowerment at LO"]
    assert emp[1] == "3.9 (95% CI 0.8 to 7.0)"
    assert emp[2] == "\\+1.6 (95% CI -1.0 to 3.2), p \\< 0.001"
    assert emp[3] == "no" and "value, CI" in emp[8]
    assert emp[4] == "no"  # 3.9 outside [-1.041, 3.2]
    assert emp[5:8] == ["yes", "yes", "partly"]
    sev = by_finding["Severity and satisfaction"]
    assert sev[4] == "yes"  # np.float64 reprs parsed
    assert sev[3] == "no" and "CI" in sev[8]  # upper bound 0.0167 rounds to 0.02, not 0.01
    assert sev[5] == "no" and sev[7] == "partly"  # published CI 0.00 to 0.01 touches 0; reproduced p 0.018
    qol = by_finding["Quality of life and engagement"]
    assert qol[1] == "p = 0.020" and qol[3] == "no" and qol[4] == "n.a." and "p-value" in qol[8]
    # published significant, reproduced p 0.419: a non-significant reproduction is not "reproduced"
    assert qol[5] == "no" and qol[6] == "n.a." and qol[7] == "not reproduced"
    t1 = by_finding["Baseline table: A\\&E attendance (psychiatric), previous nine months"]
    assert t1[1] == "χ²(2) = 18.1" and t1[2] == "χ²(2) = 29.0, p \\< 0.001" and t1[3] == "no" and t1[4] == "n.a."
    assert t1[7] == "not reproduced"


def test_printed_precision_check_rounds_to_the_published_decimals():
    item = {"value": 3.9, "ci": [0.8, 7.0]}
    assert printed_precision_check(item, 3.85, (0.75, 6.95), None) == ("yes", [])
    assert printed_precision_check(item, 3.949, (0.849, 7.049), None) == ("yes", [])
    assert printed_precision_check(item, 3.95, (0.8, 7.0), None) == ("no", ["value"])
    assert printed_precision_check({"p": 0.020}, None, None, 0.0204) == ("yes", [])
    assert printed_precision_check({"p": 0.020}, None, None, 0.0206) == ("no", ["p"])
    sev = {"value": 0.01, "ci": [0.00, 0.01]}
    assert printed_precision_check(sev, 0.0081, (0.0032, 0.0131), None) == ("yes", [])
    assert printed_precision_check({}, None, None, None) == ("n.a.", [])


def test_reproduction_md_missing_record_fails():
    records = dict(RECORDS)
    del records["change.lo.empowerment.ci"]
    with pytest.raises(KeyError, match="change.lo.empowerment.ci"):
        reproduction_md(PUBLISHED, records, None, FCFG, caption="c")


def test_table1_check_md():
    check = pd.DataFrame(
        {"key": ["age", "ae_any_bl"], "statistic": ["F", "chi2"], "published": [5.9, 18.1], "computed": [5.8625, 28.957],
         "decimals": [1, 1], "reproduced": [True, False], "published_df": ["(2.0, 117.0)", "(2.0,)"],
         "computed_df": ["(2.0, 117.0)", "(2.0,)"], "published_p": [0.003, float("nan")], "computed_p": [0.003746, 5.2e-7],
         "p_reproduced": [False, float("nan")], "counts_statistic": [float("nan"), 28.957],
         "verdict": ["reproduced; p differs in the last digit", "published value inconsistent"], "note": [None, "see text"]}
    )
    md = table1_check_md(check, FCFG, caption="Check.")
    assert header(md)[:3] == ["Variable", "Published", "Recomputed"]
    assert caption_line(md).endswith("{#tbl-table1_check}")
    rows = body_rows(md)
    assert rows[0] == "| Age, years | F(2, 117) = 5.9 | 5.86 |  | yes | 0.003 | 0.004 | no | reproduced; p differs in the last digit |"
    assert "| 28.96 | 28.96 | no | not printed | \\<0.001 | n.a. | published value inconsistent (see text) |" in rows[1]


# --------------------------------------------------------------------------
# provenance
# --------------------------------------------------------------------------


def test_provenance_md_anchors_and_short_hash():
    manifest = [
        {"key": "change.lo.empowerment.mean", "display": "+1.6", "rule": "change_by_site",
         "script": "workflow/scripts/change_by_site.py", "output": "results/analysis/change_LO.csv",
         "output_sha256": "0123456789abcdef" * 4},
        {"key": "ancova.empowerment.p", "display": "<0.001", "rule": "ancova", "script": "workflow/scripts/ancova.py",
         "output": "results/analysis/ancova.csv", "output_sha256": "f" * 64},
    ]
    md = provenance_md(manifest, caption="Numbers.")
    assert header(md) == ["Rule, script and output file", "Numbers (keys, by common stem)"]
    assert caption_line(md).endswith("{#tbl-provenance}")
    rows = body_rows(md)
    assert rows[0].startswith("| ancova: workflow/scripts/ancova.py wrote results/analysis/ancova.csv")  # by rule
    assert "]{#prov-change-lo-empowerment-mean}" in rows[1]
    assert "(sha256 0123456789ab)" in rows[1]
    assert provenance_anchor("change.lo.empowerment.mean") == "prov-change-lo-empowerment-mean"
    html = to_html(md)
    assert 'id="prov-change-lo-empowerment-mean"' in html
    assert "change.lo.empowerment: mean" in visible(html)
    assert "\u200b" not in html


def test_figures_provenance_md():
    figs = [{"name": "flow", "rule": "figures", "script": "workflow/scripts/figures.py",
             "inputs": ["results/analysis/flow.csv", {"path": "config/figures.yaml", "sha256": "x"}], "sha256": "a" * 64}]
    md = figures_provenance_md(figs, caption="Figures.")
    assert header(md) == ["Figure", "Rule", "Script", "Inputs", "sha256 (PNG)"]
    assert caption_line(md).endswith("{#tbl-figures_provenance}")
    row = body_rows(md)[0]
    assert row.startswith("| [flow]{#prov-fig-flow} |") and row.endswith("| aaaaaaaaaaaa |")
    text = visible(to_html(md))
    assert "config/figures.yaml; results/analysis/flow.csv" in text and "\u200b" not in text


def test_table_names_cover_builders():
    from selfcare.report.tables import (
        build,
        provenance,
        published,
        qualitative,
        quantitative,
    )

    modules = (build, provenance, published, qualitative, quantitative)
    for name in TABLE_NAMES:
        assert any(hasattr(m, f"{name}_md") for m in modules), name


def test_sites_md_lists_the_configured_sites_in_order():
    from selfcare.report.tables.quantitative import sites_md

    md = sites_md({"ZZ": {"trust": "A | B", "initiative": "x"}, "AA": {"trust": "C", "initiative": "y"}}, caption="S")
    assert header(md) == ["Code", "Trust", "Self-care initiative"]
    assert [r.split(" | ")[0] for r in body_rows(md)] == ["| ZZ", "| AA"]
    assert "A \\| B" in md and caption_line(md).endswith("{#tbl-sites}")


def test_reproduction_md_site_not_in_the_hand_over_is_not_assessed():
    published = {**PUBLISHED, "summary": [{**item, "site": "LO"} if "lo" in item["key"] else item
                                          for item in PUBLISHED["summary"]]}
    records = {k: v for k, v in RECORDS.items() if ".lo." not in k}  # no LO numbers at all
    md = reproduction_md(published, records, None, FCFG, 0.05, caption="c", sites=["EA", "WE"])
    cells = {c[0]: c for c in ([x.strip() for x in r.strip().strip("|").split(" | ")] for r in body_rows(md))}
    emp = cells["Empowerment at LO"]
    assert emp[1] == "3.9 (95% CI 0.8 to 7.0)" and emp[3:8] == ["n.a."] * 4 + ["not assessed"]
    assert "site not in the hand-over" in emp[8]
    assert cells["Quality of life and engagement"][7] == "not reproduced"  # a whole-study finding is still judged
    with pytest.raises(KeyError, match="no number record .*lo"):  # with LO in the hand-over its records are required
        reproduction_md(published, records, None, FCFG, 0.05, caption="c", sites=["LO", "WE"])


def test_table1_check_md_not_assessed_row_is_not_a_failure():
    check = pd.DataFrame(
        {"key": ["gender"], "statistic": ["chi2"], "published": [1.3], "computed": [float("nan")], "decimals": [1],
         "reproduced": [False], "published_df": ["(2.0,)"], "computed_df": [None], "published_p": [0.529],
         "computed_p": [float("nan")], "p_reproduced": [pd.NA], "counts_statistic": [1.28], "note": [""],
         "verdict": ["not assessed (NO not in the hand-over; the published statistic compares LO, SO and NO)"]})
    cells = [c.strip() for c in body_rows(table1_check_md(check, FCFG, caption="c"))[0].strip().strip("|").split(" | ")]
    assert cells[4] == "n.a." and cells[8].startswith("not assessed (NO not in the hand-over")
    rows = body_rows(reproduction_md(PUBLISHED, RECORDS, check, FCFG, 0.05, caption="c"))
    t1 = [c.strip() for c in rows[-1].strip().strip("|").split(" | ")]
    assert t1[3] == "n.a." and t1[7] == "not assessed"
