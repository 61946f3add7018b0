"""The designed HTML page: bundled template, provenance cards, provenance page,
per-figure and per-table sources, and the compact provenance appendix."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from selfcare.report import htmlpage, sources
from selfcare.report.render import HTML_TEMPLATE, render_manuscript
from selfcare.report.tables.provenance import (
    figures_provenance_md,
    group_records,
    provenance_md,
    table_provenance_md,
)

ROOT = Path(__file__).resolve().parents[2]
HTML_DIR = ROOT / "manuscript" / "_html"
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def _entry(key, rule, output, display="1.0", value=1.0, inputs=("a.csv",)):
    return {"key": key, "display": display, "value": value, "meaning": f"meaning of {key}", "rule": rule,
            "output": output, "output_sha256": "o" * 64, "script": f"workflow/scripts/{rule}.py",
            "script_sha256": "s" * 64, "package_modules": [{"path": "workflow/selfcare/m.py", "sha256": "m" * 64}],
            "inputs": [{"path": p, "sha256": "i" * 64} for p in inputs]}


MANIFEST = [
    _entry("change.lo.empowerment.mean", "change_by_site", "results/analysis/change_LO.csv", "+1.6", 1.6123456789),
    _entry("change.lo.empowerment.ci", "change_by_site", "results/analysis/change_LO.csv", "0.2 to 3.0", "0.21 3.04"),
    _entry("change.so.empowerment.mean", "change_by_site", "results/analysis/change_SO.csv", "+0.4", 0.4,
           inputs=("b.csv",)),
    _entry("ancova.empowerment.p", "ancova", "results/analysis/ancova.csv", "<0.001", 0.0004),
]


# --------------------------------------------------------------------------
# grouping, cards, tables
# --------------------------------------------------------------------------


def test_group_records_by_rule_and_output():
    groups = group_records(MANIFEST)
    assert [(g["rule"], g["output"]) for g in groups] == [
        ("ancova", "results/analysis/ancova.csv"),
        ("change_by_site", "results/analysis/change_LO.csv"),
        ("change_by_site", "results/analysis/change_SO.csv"),
    ]
    lo = groups[1]
    assert [r["key"] for r in lo["records"]] == ["change.lo.empowerment.ci", "change.lo.empowerment.mean"]
    assert lo["inputs"] == [["a.csv", "i" * 64]] and groups[2]["inputs"] == [["b.csv", "i" * 64]]
    assert lo["modules"] == [["workflow/selfcare/m.py", "m" * 64]]


def test_card_data_holds_each_number_once_with_its_group():
    data = htmlpage.card_data(MANIFEST)
    assert len(data["groups"]) == 3
    group, shown, full, meaning = data["numbers"]["change.lo.empowerment.mean"]
    assert data["groups"][group]["output"] == "results/analysis/change_LO.csv"
    assert (shown, full, meaning) == ("+1.6", "1.6123456789", "meaning of change.lo.empowerment.mean")
    assert "records" not in data["groups"][0]


def test_card_data_html_cannot_close_its_script_element():
    manifest = [dict(MANIFEST[0], meaning="x </script><b>")]
    island = htmlpage.card_data_html(manifest)
    assert island.startswith('<script type="application/json" id="prov-data">')
    assert island.count("</script>") == 1 and "<b>" not in island
    body = island.split(">", 1)[1].rsplit("</script>", 1)[0]
    assert json.loads(body)["numbers"]["change.lo.empowerment.mean"][3] == "x </script><b>"


def test_wrap_tables_puts_every_table_in_a_scrolling_wrapper_with_its_caption_above():
    html = ('<p>x</p><table id="tbl-a">\n<caption><p>Table 1: <em>A</em></p></caption><tr><td>1</td></tr></table>'
            "<table>\n</table><tablet>")
    out = htmlpage.wrap_tables(html)
    assert out.count('<div class="table-block">') == 2 and out.count("</table></div></div>") == 2
    assert ('<div class="table-block"><div class="table-caption" id="table-caption-1"><p>Table 1: <em>A</em></p></div>'
            '<div class="table-wrap"><table id="tbl-a" aria-labelledby="table-caption-1"><tr>') in out
    assert "<caption>" not in out
    assert '<div class="table-block"><div class="table-wrap"><table>' in out and "<tablet>" in out


def test_compact_appendix_one_row_per_output_with_every_key_anchored():
    md = provenance_md(MANIFEST, caption="Numbers.")
    rows = [line for line in md.splitlines() if line.startswith("| ") and "sha256" in line and "Rule," not in line]
    assert len(rows) == 3, md
    for e in MANIFEST:
        anchor = "prov-" + e["key"].replace(".", "-")
        assert md.count(f"{{#{anchor}}}") == 1, anchor
    assert "change.lo.empowerment: [ci]{#prov-change-lo-empowerment-ci}, [mean]" in md
    assert "(sha256 oooooooooooo)" in md and md.rstrip().endswith("{#tbl-provenance}")
    assert not ZERO_WIDTH.search(md)


def test_figures_and_table_notes_have_no_zero_width_characters():
    figs = [{"name": "flow", "rule": "figures", "script": "workflow/scripts/figures.py", "sha256": "a" * 64,
             "inputs": [{"path": "results/analysis/flow.csv", "sha256": "f" * 64}]}]
    md = figures_provenance_md(figs, caption="Figures.")
    assert "results/analysis/flow.csv" in md and not ZERO_WIDTH.search(md)
    note = table_provenance_md({"rule": "tables", "script": "workflow/scripts/tables.py", "module": "m.py",
                                "inputs": [{"path": "results/analysis/change.csv", "sha256": "c" * 64}]})
    assert note.startswith("\n::: {.table-provenance}") and "`results/analysis/change.csv` (`cccccccccccc`)" in note
    assert not ZERO_WIDTH.search(note)


# --------------------------------------------------------------------------
# each figure and table: its own sources
# --------------------------------------------------------------------------

NAMED = {
    "code": ["workflow/selfcare/core/io.py", "workflow/selfcare/report/figures/flow.py",
             "workflow/selfcare/report/figures/themes.py", "workflow/selfcare/report/figures/style.py",
             "workflow/selfcare/report/tables/quantitative.py", "workflow/selfcare/report/tables/markdown.py"],
    "flow": "results/analysis/flow.csv", "counts": "results/qualitative/code_counts.csv",
    "framework": "config/framework.yaml", "captions": "manuscript/figures.yaml",
    "service_use": ["results/analysis/service_use_LO.csv", "results/analysis/service_use_SO.csv"],
}


def test_figure_record_lists_only_its_own_files():
    hashes = {"results/analysis/flow.csv": "f" * 64}
    rec = sources.artefact_record("flow", "figure", "figures", "workflow/scripts/figures.py", NAMED, hashes)
    assert [i["path"] for i in rec["inputs"]] == ["manuscript/figures.yaml", "results/analysis/flow.csv"]
    assert rec["inputs"][1]["sha256"] == "f" * 64
    code = [c["path"] for c in rec["code"]]
    assert "workflow/selfcare/report/figures/flow.py" in code and "workflow/selfcare/report/figures/style.py" in code
    assert "workflow/selfcare/report/figures/themes.py" not in code and "workflow/selfcare/core/io.py" in code
    themes = sources.artefact_record("themes", "figure", "figures", "s.py", NAMED, {})
    assert [i["path"] for i in themes["inputs"]] == ["config/framework.yaml", "manuscript/figures.yaml",
                                                     "results/qualitative/code_counts.csv"]


def test_table_record_and_unknown_names():
    rec = sources.artefact_record("service_use", "table", "tables", "workflow/scripts/tables.py", NAMED, {})
    assert [i["path"] for i in rec["inputs"]] == ["manuscript/figures.yaml", "results/analysis/service_use_LO.csv",
                                                  "results/analysis/service_use_SO.csv"]
    assert rec["module"] == "workflow/selfcare/report/tables/quantitative.py"
    with pytest.raises(KeyError, match="no sources declared"):
        sources.artefact_record("nope", "table", "tables", "s.py", NAMED, {})
    with pytest.raises(KeyError, match="no input named 'ancova'"):
        sources.artefact_record("models", "table", "tables", "s.py", NAMED, {})


def test_every_figure_and_table_has_declared_sources():
    from selfcare.report.figures.scores import FIGURE_NAMES
    from selfcare.report.tables.markdown import TABLE_NAMES

    assert set(sources.FIGURE_SOURCES) == set(FIGURE_NAMES)
    assert set(TABLE_NAMES) | {"changes"} == set(sources.TABLE_SOURCES)


# --------------------------------------------------------------------------
# the provenance page
# --------------------------------------------------------------------------


def test_provenance_page_groups_records_and_is_self_contained():
    figs = [{"name": "flow", "rule": "figures", "script": "workflow/scripts/figures.py", "sha256": "a" * 64,
             "inputs": [{"path": "results/analysis/flow.csv", "sha256": "f" * 64}]}]
    tables = [{"name": "change", "rule": "tables", "script": "workflow/scripts/tables.py",
               "inputs": [{"path": "results/analysis/change.csv", "sha256": "c" * 64}]}]
    page = htmlpage.provenance_page(MANIFEST, figs, tables, "body{}", "/*js*/", "A <title>", synthetic=True)
    assert page.startswith("<!DOCTYPE html>") and "A &lt;title&gt;" in page
    assert 'class="synthetic-banner"' in page
    for e in MANIFEST:
        assert f'id="prov-{e["key"].replace(".", "-")}"' in page
    assert page.index('id="rule-ancova"') < page.index('id="rule-change_by_site"')
    assert page.count('class="prov-group"') == 3 + 2  # three outputs, figures, tables
    assert 'id="prov-fig-flow"' in page and 'id="prov-tbl-change"' in page
    assert "1.6123456789" in page and 'id="prov-filter"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "nothing is fetched"
    assert page.count("<div") == page.count("</div>") and page.count("<section") == page.count("</section>")
    plain = htmlpage.provenance_page(MANIFEST, figs, tables, "", "", "t", synthetic=False)
    assert "synthetic-banner" not in plain


# --------------------------------------------------------------------------
# the fallback with the bundled template
# --------------------------------------------------------------------------

QUARTO_YML = """project:
  type: default
number-sections: true
toc: true
format:
  html:
    toc: true
  typst:
    papersize: a4
"""

QMD = """---
title: "Report"
---

# Summary {#sec-summary}

::: {.callout-warning}
Read this first.
:::

The mean changed by {{< var change.lo.empowerment.mean >}} points.

| Key | Value |
|-----|-------|
| a   | 1     |

: A table {#tbl-a}

# Provenance {#sec-provenance}

{{< include tables/provenance.md >}}
"""


def _render(root: Path, synthetic: bool, template: bool = True):
    source, stage = root / "src", root / "stage"
    source.mkdir(parents=True)
    (source / "_quarto.yml").write_text(QUARTO_YML)
    (source / "index.qmd").write_text(QMD)
    if template:
        shutil.copytree(HTML_DIR, source / "_html")
    (stage / "tables").mkdir(parents=True)
    (stage / "tables" / "provenance.md").write_text(provenance_md(MANIFEST, caption="Numbers."))
    from selfcare.report.provenance import link_factory

    variables = {"change": {"lo": {"empowerment": {"mean": "+1.6"}}}}
    html, pdf = root / "out/index.html", root / "out/index.pdf"
    saved = os.environ["PATH"]
    os.environ["PATH"] = str(root / "empty-bin")  # no quarto
    try:
        render_manuscript(source, stage, variables, html, pdf, None, link=link_factory(MANIFEST),
                          pdf_link=link_factory(MANIFEST, "typst"), synthetic=synthetic,
                          after_body=htmlpage.card_data_html(MANIFEST))
    finally:
        os.environ["PATH"] = saved
    return html.read_text(encoding="utf-8"), pdf.read_bytes()


@pytest.fixture(scope="module")
def designed(tmp_path_factory):
    return _render(tmp_path_factory.mktemp("designed"), synthetic=True)


def test_fallback_html_uses_the_bundled_template(designed):
    html, _ = designed
    assert all((HTML_DIR / Path(rel).name).is_file() for rel in HTML_TEMPLATE)
    assert '<nav id="TOC" class="toc"' in html and 'class="content"' in html
    assert '<section id="sec-summary"' in html
    assert 'class="synthetic-banner"' in html
    assert '<div class="table-wrap"><table' in html and "</table></div></div>" in html
    assert '<div class="table-caption"' in html and "<caption>" not in html
    assert 'id="prov-data"' in html and "setupCards" in html, "card data and script embedded"
    assert ".table-wrap" in html and "@media print" in html, "stylesheet embedded"
    assert 'href="provenance.html#prov-change-lo-empowerment-mean"' in html
    assert 'data-key="change.lo.empowerment.mean"' in html
    assert "callout-warning" in html
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html), "nothing is fetched"
    assert not ZERO_WIDTH.search(html)


def test_fallback_pdf_numbers_link_to_the_appendix(designed):
    from pypdf import PdfReader
    import io as stdio

    _, pdf = designed
    reader = PdfReader(stdio.BytesIO(pdf))
    links = [a.get_object() for page in reader.pages for a in (page.get("/Annots") or [])]
    assert any(link.get("/Subtype") == "/Link" for link in links), "the number is a link in the PDF"


def test_banner_only_for_synthetic_data_and_default_page_without_template(tmp_path):
    html, _ = _render(tmp_path / "real", synthetic=False)
    assert '<div class="synthetic-banner"' not in html and '<nav id="TOC"' in html
    bare, _ = _render(tmp_path / "bare", synthetic=False, template=False)
    assert '<nav id="TOC"' in bare and 'class="content"' not in bare  # pandoc's own page


def test_annotate_figures_adds_each_figures_own_sources():
    html = '<figure id="fig-flow"><img src="x"><figcaption>F</figcaption></figure><figure id="fig-other"></figure>'
    figs = [{"name": "flow", "rule": "figures", "inputs": [
        {"path": "results/analysis/flow.csv", "sha256": "f" * 64},
        {"path": "workflow/selfcare/report/figures/flow.py", "sha256": "c" * 64}]},
        {"name": "absent", "rule": "figures", "inputs": []}]
    out = htmlpage.annotate_figures(html, figs)
    note = out.split("</figcaption>", 1)[1].split("</figure>", 1)[0]
    assert note.startswith('<p class="figure-provenance">') and "<code>results/analysis/flow.csv</code>" in note
    assert "1 package modules" in note and 'href="provenance.html#prov-fig-flow"' in note
    assert "flow.py" not in note
    assert out.endswith('<figure id="fig-other"></figure>')


def test_table_notes_are_small_print_in_the_pdf():
    from selfcare.report.render import _typst_small_print

    text = "A.\n\n::: {.table-provenance}\nProvenance: `a.csv`.\n:::\n\n::: {.other}\nB.\n:::\n"
    out = _typst_small_print(text)
    assert "#block(above: 0.6em)[#set text(size: 7.5pt" in out and "\n\nProvenance: `a.csv`.\n\n```{=typst}\n]\n```" in out
    assert "::: {.table-provenance}" not in out and "::: {.other}\nB.\n:::" in out
