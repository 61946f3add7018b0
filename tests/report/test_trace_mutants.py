"""The manuscript trace checks: front matter, headings and fences, sentence
limits, the trace table, value matching in the rendered outputs and the whole
check, as mutation testing asked (issue 18)."""

from __future__ import annotations

import pandas as pd
import pytest
from selfcare.report import trace as T
from selfcare.report.markdown import (
    HandTypedNumberError,
    SectionNotFoundError,
    UnknownKeyError,
    ValueNotRenderedError,
)

RECORDS = {
    "a.b": {"display": "0.35", "rule": "change", "output": "results/change.json"},
    "n": {"display": "120"},
    "t": {"display": "Oct 2007", "rule": "meta", "output": "config.yaml"},
}


# ------------------------------------------------------ front matter etc.
@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("---\ntitle: x\n---\n# H", 3),
        ("---\ntitle: x\n...\n# H", 3),
        ("  ---  \na: 1\n  ---\n", 3),
        ("---\n---\n", 2),
        ("---\na: 1\nb: 2\n", 0),  # not closed
        ("# H\n---\nx\n---\n", 0),  # not at the top
        ("", 0),
        ("title\n---\n", 0),
    ],
)
def test_front_matter_end(text, end):
    assert T._front_matter_end(text) == end


def test_headings_skip_front_matter_and_fences():
    text = (
        "---\n# yaml comment\n---\n# One\n"
        "````\n# in fence\n```\n# still in fence\n````\n"
        "## Two ##\n"
        "~~~\n# tilde fence\n```\n~~~ trailing\n# still tilde\n~~~\n"
        "###\n"
        "#### Four"
    )
    assert T._headings(text) == [(3, 1, "One"), (9, 2, "Two ##"), (16, 3, ""), (17, 4, "Four")]


def test_extract_section_messages():
    text = "# A\nx\n## B {#sec-b}\ny\n# A\n"
    with pytest.raises(SectionNotFoundError) as e:
        T.extract_section(text, "Z")
    assert str(e.value) == "no heading 'Z' in the manuscript (headings: 'A', 'B {#sec-b}', 'A')"
    with pytest.raises(SectionNotFoundError) as e:
        T.extract_section(text, "a")
    assert str(e.value) == "heading 'a' occurs more than once (lines 1, 5)"
    with pytest.raises(SectionNotFoundError) as e:
        T.extract_section("no headings", "A")
    assert str(e.value) == "no heading 'A' in the manuscript (headings: none)"
    assert T.extract_section(text, "b  ##") == ("## B {#sec-b}\ny", 3)
    assert T.extract_section("# A\nx\n## B\ny", "B") == ("## B\ny", 3)


def test_heading_normalisation():
    assert T._normalise_heading("  Executive   Summary  ##") == "executive summary"
    assert T._normalise_heading_text("Results ## ") == "Results"
    assert T._normalise_heading_text("Results {#sec-r}") == "Results"
    assert T._normalise_heading("Results {#sec-r .unnumbered}") == "results"
    assert T._normalise_heading_text("C# and F#") == "C# and F#"


# ---------------------------------------------------------- hand-typed digits
def test_mask_generated_blanks_list_numbers_keeping_indent():
    assert T.mask_generated("  12. item\n3) x") == "      item\n   x"
    assert T.mask_generated("a [^12] b") == "a       b"


def test_sentence_limits_around_blocks():
    text = "Intro 5 here\n# Head 7\n| a | 9 |\nlast 3"
    hits = T.find_hand_typed_digits(text, 10)
    assert [(h["line"], h["token"], h["sentence"]) for h in hits] == [
        (10, "5", "Intro 5 here"),
        (11, "7", "# Head 7"),
        (12, "9", "| a | 9 |"),
        (13, "3", "last 3"),
    ]
    hits = T.find_hand_typed_digits("See. 4 cases", 1)
    assert [h["sentence"] for h in hits] == ["4 cases"]
    hits = T.find_hand_typed_digits("::: {.note}\n2 things\n:::", 1)
    assert [(h["token"], h["sentence"]) for h in hits] == [("2", "2 things")]


def test_allowed_tokens_do_not_stop_the_search():
    hits = T.find_hand_typed_digits("The CSQ-8 and 12 more.", 1, allow=T.NAME_TOKENS)
    assert [h["token"] for h in hits] == ["12"]


def test_hand_typed_message_names_file_line_token_and_sentence():
    with pytest.raises(HandTypedNumberError) as e:
        T.check_no_hand_typed_digits("We saw 12 people.\nThen 3.", 5)
    assert str(e.value) == (
        "2 hand-typed number(s); quote numbers with {{< var key >}} instead:\n"
        "  manuscript:5: '12' in: We saw 12 people.\n"
        "  manuscript:6: '3' in: Then 3."
    )


# --------------------------------------------------------------- trace table
def test_trace_table_whole_document():
    text = (
        "---\ntitle: \"Report {{< var n >}}\"\nsubtitle: {{< var t >}}\n---\n\n"
        "Before any heading {{< var n >}}.\n"
        "# First\nA {{< var a.b >}} b. Next {{< var t >}}\n"
        "## Second {#s2}\nOne {{< var n >}} two"
    )
    table = T.trace_table(text, None, RECORDS)
    assert table.columns.tolist() == T.TRACE_COLUMNS
    assert table.to_dict("records") == [
        {"section": "(front matter)", "line": 2, "sentence": 'title: "Report 120"', "display": "120",
         "key": "n", "rule": "", "output": ""},
        {"section": "(front matter)", "line": 3, "sentence": "subtitle: Oct 2007", "display": "Oct 2007",
         "key": "t", "rule": "meta", "output": "config.yaml"},
        {"section": "", "line": 6, "sentence": "Before any heading 120.", "display": "120",
         "key": "n", "rule": "", "output": ""},
        {"section": "First", "line": 8, "sentence": "A 0.35 b.", "display": "0.35",
         "key": "a.b", "rule": "change", "output": "results/change.json"},
        {"section": "First", "line": 8, "sentence": "Next Oct 2007", "display": "Oct 2007",
         "key": "t", "rule": "meta", "output": "config.yaml"},
        {"section": "Second", "line": 10, "sentence": "One 120 two", "display": "120",
         "key": "n", "rule": "", "output": ""},
    ]
    empty = T.trace_table("# None here", None, RECORDS)
    assert empty.columns.tolist() == T.TRACE_COLUMNS and len(empty) == 0


def test_trace_table_of_a_section_and_unknown_keys():
    text = "# A\nx\n# B\nSo {{< var n >}} people."
    table = T.trace_table(text, "B", RECORDS)
    assert table[["section", "line", "sentence"]].values.tolist() == [["B", 4, "So 120 people."]]
    with pytest.raises(UnknownKeyError, match="  manuscript:1: unknown number key 'zz'"):
        T.trace_table("{{< var zz >}}", None, RECORDS)


def test_front_matter_value_on_the_last_line_of_the_text():
    table = T.trace_table("---\nt: {{< var n >}}", None, RECORDS)
    assert table["section"].tolist() == [""]  # not closed: no front matter
    table = T.trace_table("---\nt: {{< var n >}}\n---", None, RECORDS)
    assert table[["section", "sentence"]].values.tolist() == [["(front matter)", "t: 120"]]


# ------------------------------------------------------------ rendered values
def test_html_visible_text():
    html = "<html><head><title>T 1</title><style>p{}</style></head><body><p>A&amp;B</p>" \
           "<script>x=2</script><template>3</template></body></html>"
    assert T.html_visible_text(html) == "A&B"
    assert T.html_visible_text("   ") == ""
    assert T.html_visible_text("<p>only 5</p>") == "only 5"


def test_normalise_text_and_display_as_rendered():
    assert T.normalise_text("a\u00adb \ufb01 \u2212 3 \u201cq\u201d\u00a0x") == 'ab fi - 3 "q" x'
    assert T._display_as_rendered("\\*1\\_2* `3` --4") == "1_2 3 -4"
    assert T._display_as_rendered("a\\\\b") == "a\\b"


@pytest.mark.parametrize(
    ("needle", "haystack", "found"),
    [
        ("0.01", "p 0.018", False),
        ("0.01", "p 10.01", False),
        ("0.01", "p 0.01.", True),
        ("12", "a12", True),
        ("12", "b 123", False),
        ("ab", "xab", False),
        ("ab", "abx", False),
        ("ab", "ab.", True),
        ("a1", "a12", False),
        ("1a", "1ab", False),
        ("1a", "21a", False),
        ("(1)", "x(1)y", True),
        ("-1", "x-1", True),
        ("1 234", "1\n234", True),
    ],
)
def test_values_match_as_whole_tokens(needle, haystack, found):
    assert T._present(needle, haystack) is found


def test_check_values_rendered_message():
    html = "<body>Values 0.35 and 12 and ex-\nample</body>"
    pdf = "Values 0.35 and ex-\nample"
    T.check_values_rendered({"a": "0.35", "h": "example"}, html.replace("ex-\n", "ex"), pdf)
    with pytest.raises(ValueNotRenderedError) as e:
        T.check_values_rendered({"b": "12", "a": "0.35", "c": "99"}, html, pdf)
    assert str(e.value) == (
        "2 registry value(s) missing from the rendered manuscript:\n"
        "  b ('12'): not found in PDF\n"
        "  c ('99'): not found in HTML and PDF"
    )
    # only lower-case continuations are joined across a PDF line-end hyphen
    with pytest.raises(ValueNotRenderedError):
        T.check_values_rendered({"a": "exAmple"}, "<p>exAmple</p>", "ex-\nAmple")


def test_run_trace_check():
    source = "\n".join(
        f"# {h}\nText {{{{< var n >}}}}." for h in T.CHECKED_SECTIONS
    )
    html = "<html><body>Text 120. and 0.35</body></html>"
    table = T.run_trace_check(source, source, "index.qmd", RECORDS, html, "Text 120.")
    assert table[["section", "display", "key"]].values.tolist() == [["Executive summary", "120", "n"]]
    bad = source.replace("# Methods\nText", "# Methods\nText 7")
    with pytest.raises(HandTypedNumberError, match=r"index.qmd:4: '7'"):
        T.run_trace_check(bad, source, "index.qmd", RECORDS, html, "Text 120.")
    with pytest.raises(UnknownKeyError, match=r"index.qmd:1: unknown number key 'zz'"):
        T.run_trace_check(source, "{{< var zz >}}\n" + source, "index.qmd", RECORDS, html, "Text 120.")
    with pytest.raises(ValueNotRenderedError, match=r"n \('120'\): not found in PDF"):
        T.run_trace_check(source, source, "index.qmd", RECORDS, html, "Text")
    with pytest.raises(SectionNotFoundError, match="no heading 'Colophon' in the manuscript"):
        T.run_trace_check(source.replace("# Colophon", "# Other"), source, "index.qmd", RECORDS, html, "Text 120.")
    assert isinstance(table, pd.DataFrame)


# ------------------------------------------------- found by mutation testing
@pytest.mark.parametrize(
    ("needle", "haystack", "found"),
    [
        ("12", "12a", True),  # a number may be followed by a letter (units)
        ("5", "5a", True),
        ("1.5", "1.5a", True),
        ("1.5", "x.1.5", False),  # but not preceded by a dot
        ("a-b", "a-bc", False),
        ("a-b", "xa-b", False),
    ],
)
def test_token_limits_depend_on_the_first_and_last_character(needle, haystack, found):
    assert T._present(needle, haystack) is found


def test_html_without_a_body_is_read_whole():
    assert T.html_visible_text("<html><head><title>T 4</title></head></html>") == "T 4"


def test_pdf_hyphen_after_a_capital_letter_is_joined():
    T.check_values_rendered({"a": "EXample"}, "<p>EXample</p>", "EX-\nample")


def test_a_number_in_a_heading_line_belongs_to_that_heading():
    table = T.trace_table("# A\nx\n## B {{< var n >}}\ny", None, RECORDS)
    assert table["section"].tolist() == ["B {{< var n >}}"]


def test_run_trace_check_allows_the_listed_names():
    source = "\n".join(f"# {h}\nText {{{{< var n >}}}}." for h in T.CHECKED_SECTIONS)
    source = source.replace("# Methods\nText", "# Methods\nThe CSQ-8 and HMAC-SHA256. Text")
    html = "<html><body>Text 120.</body></html>"
    assert len(T.run_trace_check(source, source, "index.qmd", RECORDS, html, "Text 120.")) == 1
