"""Tests for selfcare.report: shortcodes, hand-typed numbers, rendered values."""

from __future__ import annotations

import pytest
from selfcare.report.markdown import (
    HandTypedNumberError,
    SectionNotFoundError,
    UnknownKeyError,
    ValueNotRenderedError,
    check_var_keys,
    find_var_keys,
    substitute_vars,
)
from selfcare.report.trace import (
    check_no_hand_typed_digits,
    check_values_rendered,
    extract_section,
    find_hand_typed_digits,
    trace_table,
)

QMD = """---
title: "Self care"
# a YAML comment, not a heading
---

# Introduction {#sec-intro}

Background typed freely: 1999 and 12 sites.

## Executive summary {#sec-summary .unnumbered}

<!-- drafted 2009-10-01, revise 3 times -->
Empowerment rose by {{< var change.lo.empowerment.mean >}} points [@gillard2010; @smith2011, p. 33].
Service use fell to {{<var use.lo.pct>}} in the low group (@fig-flow, [-@tbl-use], @sec-methods).
See ![Flow](figures/fig1.png){#fig-a width=50%} and note[^2].

### Detail

More on {{<   var n.total   >}} people.

```
# not a heading 42
```

# Methods {#sec-methods}

Done in 2010.
"""

RECORDS = {
    "change.lo.empowerment.mean": {"display": "0.35", "rule": "change", "output": "results/change.json"},
    "use.lo.pct": {"display": "35%", "rule": "use", "output": "results/use.json"},
    "n.total": {"display": "120", "rule": "describe", "output": "results/n.json"},
}


def test_find_var_keys_any_spacing_with_lines():
    assert find_var_keys(QMD) == [
        ("change.lo.empowerment.mean", 13),
        ("use.lo.pct", 14),
        ("n.total", 19),
    ]
    assert find_var_keys("literal {{{< var a.b >}}} here") == []


def test_check_var_keys_names_every_unknown_key_and_line():
    text = "ok {{< var n.total >}}\nbad {{< var n.totl >}}\n\nworse {{< var x.y >}}\n"
    with pytest.raises(UnknownKeyError) as err:
        check_var_keys(text, {"n.total"}, "index.qmd")
    msg = str(err.value)
    assert "index.qmd:2" in msg and "'n.totl'" in msg
    assert "index.qmd:4" in msg and "'x.y'" in msg
    assert "n.total'" not in msg.replace("'n.totl'", "")
    check_var_keys(text.replace("n.totl", "n.total").replace("x.y", "n.total"), {"n.total"}, "i.qmd")


def test_extract_section_any_level_with_subsections():
    text, first = extract_section(QMD, "executive summary")
    assert first == 10
    assert text.startswith("## Executive summary")
    assert "### Detail" in text and "not a heading 42" in text
    assert "# Methods" not in text
    intro, line = extract_section(QMD, "Introduction")
    assert line == 6 and "Executive summary" in intro  # a level-2 section is inside level 1


def test_extract_section_missing_or_ambiguous():
    with pytest.raises(SectionNotFoundError, match="Discussion"):
        extract_section(QMD, "Discussion")
    with pytest.raises(SectionNotFoundError, match="more than once"):
        extract_section("# A\n\nx\n\n# A\n", "A")


def test_hand_typed_percentage_is_found_with_line_and_sentence():
    text = "## Executive summary\n\nMean scores rose.\nService use was reduced by 35% overall.\n"
    hits = find_hand_typed_digits(text, 40)
    assert hits == [
        {"line": 43, "sentence": "Service use was reduced by 35% overall.", "token": "35%"}
    ]
    with pytest.raises(HandTypedNumberError) as err:
        check_no_hand_typed_digits(text, 40, "index.qmd")
    assert "index.qmd:43" in str(err.value) and "reduced by 35% overall" in str(err.value)


def test_nothing_flagged_in_shortcodes_citations_labels_comments_attributes():
    text, first = extract_section(QMD, "Executive summary")
    # the only hand-typed digits are in the fenced code block of the section
    hits = find_hand_typed_digits(text, first)
    assert [h["token"] for h in hits] == ["42"]
    assert hits[0]["line"] == 22
    body = text.replace("```\n# not a heading 42\n```", "")
    check_no_hand_typed_digits(body, first)  # must not raise


def test_allow_patterns_accept_tokens():
    text = "In 2010 the study ran; 35% improved."
    assert [h["token"] for h in find_hand_typed_digits(text, 1, allow=[r"(19|20)\d\d"])] == ["35%"]


def test_substitute_vars_plain_link_and_unknown():
    nested = {"use": {"lo": {"pct": "35%"}}, "n": {"total": "120"}}
    text = "A {{< var use.lo.pct >}} of {{<var n.total>}}; {{{< var n.total >}}}"
    assert substitute_vars(text, nested) == "A 35% of 120; {{< var n.total >}}"
    linked = substitute_vars(text, nested, link=lambda k, d: f"[{d}](#prov-{k}){{.num}}")
    assert linked.startswith("A [35%](#prov-use.lo.pct){.num} of [120](#prov-n.total){.num}")
    with pytest.raises(UnknownKeyError, match=r"index.qmd:2: unknown number key 'n.missing'"):
        substitute_vars("x\n{{< var n.missing >}}", nested, file_name="index.qmd")


def test_trace_table_rows_for_section():
    table = trace_table(QMD, "Executive summary", RECORDS)
    assert list(table["key"]) == ["change.lo.empowerment.mean", "use.lo.pct", "n.total"]
    assert list(table["line"]) == [13, 14, 19]
    first = table.iloc[0]
    assert first["section"] == "Executive summary"
    assert first["sentence"].startswith("Empowerment rose by 0.35 points")
    assert first["display"] == "0.35" and first["rule"] == "change"
    assert first["output"] == "results/change.json"
    assert table.iloc[1]["sentence"].startswith("Service use fell to 35% in the low group")
    assert set(table.columns) >= {"section", "sentence", "display", "key", "rule", "output"}


def test_trace_table_whole_document_names_nearest_heading_and_rejects_unknown():
    table = trace_table(QMD, None, RECORDS)
    assert list(table["section"]) == ["Executive summary", "Executive summary", "Detail"]
    with pytest.raises(UnknownKeyError, match="use.lo.pct"):
        trace_table(QMD, "Executive summary", {k: v for k, v in RECORDS.items() if k != "use.lo.pct"})


HTML = """<html><head><title>35% t</title><style>.x{content:"0.71"}</style></head>
<body><p>Use fell by <a class="num" title="key" href="#p">35&#8239;%</a> and
changed by -0.35
points.</p><p>&lt;0.001 for independence</p></body></html>"""
PDF = "Use fell by 35 % and changed by \u22120.35 points. <0.001 and in-\ndependence"


def test_check_values_rendered_accepts_present_values():
    check_values_rendered(
        {"a.pct": "35%", "b.change": "-0.35", "c.p": "<0.001", "d.word": "independence"}, HTML, PDF
    )


def test_check_values_rendered_names_missing_key_and_output():
    with pytest.raises(ValueNotRenderedError) as err:
        check_values_rendered({"a.pct": "35%", "e.gone": "0.71"}, HTML, PDF)
    msg = str(err.value)
    assert "e.gone" in msg and "HTML and PDF" in msg and "a.pct" not in msg
    with pytest.raises(ValueNotRenderedError, match=r"f.only_html.*not found in PDF"):
        check_values_rendered({"f.only_html": "fell by"}, HTML, "nothing here")
    with pytest.raises(ValueNotRenderedError, match=r"g.sign.*not found in HTML"):
        check_values_rendered({"g.sign": "-35%"}, HTML, "\u221235%")


# --------------------------------------------------------------------------
# include shortcodes
# --------------------------------------------------------------------------

from selfcare.report.markdown import IncludeError, expand_includes  # noqa: E402

INCLUDED = {
    "tables/t.md": "| a |\n|---|\n| {{< var n.rows >}} |\n\n: Rows {#tbl-t}\n",
    "tables/nested.md": "Nested {{< include tables/inner.md >}} done",
    "tables/inner.md": "inner {{< var n.inner >}}\n",
    "inner.md": "root inner\n",
    "top.md": "top {{< include /tables/inner.md >}} {{< include ./inner.md >}}",
    "loop_a.md": "{{< include loop_b.md >}}",
    "loop_b.md": "{{< include loop_a.md >}}",
}


def _reader(path: str) -> str:
    if path not in INCLUDED:
        raise FileNotFoundError(path)
    return INCLUDED[path]


def test_expand_includes_inlines_file_text():
    text = "Intro\n\n{{< include tables/t.md >}}\n\nEnd"
    out = expand_includes(text, _reader)
    assert out == "Intro\n\n| a |\n|---|\n| {{< var n.rows >}} |\n\n: Rows {#tbl-t}\n\nEnd"
    assert find_var_keys(out) == [("n.rows", 5)]


def test_expand_includes_quoted_path_and_escaped_shortcode_kept():
    out = expand_includes('{{< include "tables/inner.md" >}} and {{{< include tables/t.md >}}}', _reader)
    assert out == "inner {{< var n.inner >}} and {{{< include tables/t.md >}}}"


def test_expand_includes_recursive_paths_relative_to_project_root():
    # as in Quarto: nested include paths resolve from the main document's folder
    assert expand_includes("{{< include tables/nested.md >}}", _reader) == "Nested inner {{< var n.inner >}} done"
    assert expand_includes("{{< include top.md >}}", _reader) == "top inner {{< var n.inner >}} root inner"


def test_expand_includes_missing_file_and_cycle():
    with pytest.raises(IncludeError, match=r"index.qmd:2: included file 'tables/gone.md' cannot be read"):
        expand_includes("x\n{{< include tables/gone.md >}}", _reader, "index.qmd")
    with pytest.raises(IncludeError, match="include cycle"):
        expand_includes("{{< include loop_a.md >}}", _reader)
    with pytest.raises(IncludeError, match="outside the project"):
        expand_includes("{{< include ../secret.md >}}", _reader)


def test_checks_see_var_keys_in_included_files():
    text = "# Results\n\n{{< include tables/t.md >}}\n"
    expanded = expand_includes(text, _reader)
    check_var_keys(expanded, {"n.rows"}, "index.qmd")
    with pytest.raises(UnknownKeyError, match="n.rows"):
        check_var_keys(expanded, set(), "index.qmd")
    table = trace_table(expanded, "Results", {"n.rows": {"display": "12", "rule": "r", "output": "o.csv"}})
    assert list(table["key"]) == ["n.rows"] and list(table["display"]) == ["12"]
    assert substitute_vars(expanded, {"n": {"rows": "12"}}).count("| 12 |") == 1


def test_checked_sections_of_the_manuscript_hold_no_hand_typed_digits(repo_root):
    from selfcare.report.trace import CHECKED_SECTIONS

    assert {"Executive summary", "Methods", "Results", "Discussion", "Reproduction check"} <= set(CHECKED_SECTIONS)
    qmd = (repo_root / "manuscript" / "index.qmd").read_text(encoding="utf-8")
    for heading, allow in CHECKED_SECTIONS.items():
        text, first = extract_section(qmd, heading)
        check_no_hand_typed_digits(text, first, "index.qmd", allow)


def test_methods_allow_list_accepts_the_listed_names_only():
    from selfcare.report.trace import CHECKED_SECTIONS

    text = (
        "# Methods\n\nThe CSQ-8 and HMAC-SHA256 are names.\n"
        "At least 80% of items; the CSQ-9 and SHA-512 are not allowed.\n"
    )
    hits = find_hand_typed_digits(text, 1, CHECKED_SECTIONS["Methods"])
    assert [h["token"] for h in hits] == ["80%", "CSQ-9", "SHA-512"]
    assert CHECKED_SECTIONS["Executive summary"] == ()


def test_rendered_value_must_be_a_whole_token():
    from selfcare.report.markdown import ValueNotRenderedError
    from selfcare.report.trace import check_values_rendered

    check_values_rendered({"k": "0.01"}, "B was 0.01 (CI 0.00 to 0.01).", "B was 0.01.")
    with pytest.raises(ValueNotRenderedError, match="k"):
        check_values_rendered({"k": "0.01"}, "B was 0.018.", "B was 0.018.")
    with pytest.raises(ValueNotRenderedError, match="k"):
        check_values_rendered({"k": "1"}, "There were 12 people.", "There were 12 people.")


def test_a_value_over_a_page_break_is_found_without_the_running_header():
    from selfcare.report.trace import check_values_rendered, without_page_furniture

    header = "SYNTHETIC DATA: no real participant took part"
    pages = [f"{header}\nText of page {i}.\n{i}" for i in range(1, 4)]
    pages[1] = f"{header}\nThe themes were alpha, beta,\n2"
    pages[2] = f"{header}\ngamma and delta. More text.\n3"
    pdf = "\n".join(pages)
    value = "alpha, beta, gamma and delta"
    html = f"<p>The themes were {value}.</p>"
    check_values_rendered({"k": value}, html, pdf)
    assert header not in without_page_furniture(pdf)
    # a value that is really missing still fails
    with pytest.raises(Exception, match="k "):
        check_values_rendered({"k": "alpha, beta, epsilon"}, html.replace("gamma and delta", "epsilon"), pdf)
