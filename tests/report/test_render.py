"""Tests for selfcare.report.render: Quarto call, pandoc + Typst fallback, PDF text."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
import yaml
from selfcare.report import render
from selfcare.report.markdown import UnknownKeyError
from selfcare.report.render import (
    RenderError,
    find_quarto,
    pdf_text,
    quarto_command,
    render_manuscript,
)
from selfcare.report.trace import check_values_rendered

QUARTO_YML = """project:
  type: manuscript
bibliography: references.bib
number-sections: true
format:
  html:
    toc: true
  typst:
    papersize: a4
"""

INDEX_QMD = """---
title: "Supporting self care"
author: "Test Author"
---

# Executive summary {#sec-summary}

Empowerment changed by {{< var change.lo.mean >}} points (@fig-scores; @tbl-groups) [@gillard2010].

# Results {#sec-results}

![Empowerment scores by group](figures/scores.png){#fig-scores fig-alt="Line chart of scores"}

![Service use](figures/use.png){#fig-use fig-width=3}

| Group | Participants |
|-------|--------------|
| Low   | {{< var n.low >}} |

: Participants by group {#tbl-groups}

As @fig-use shows (see @sec-summary), use was stable.^[A footnote.]
Rendered by {{< var build.renderer >}}.

<span class="note">raw html only</span>

# References {.unnumbered}

::: {#refs}
:::
"""

BIB = """@techreport{gillard2010,
  author = {Gillard, Steve and Adams, Kati},
  title = {The barriers and facilitators of supporting self care in Mental Health NHS Trusts},
  institution = {NIHR Service Delivery and Organisation programme},
  year = {2010}
}
"""

VARIABLES = {"change": {"lo": {"mean": "-0.37"}}, "n": {"low": "4217"}}


def _png(path: Path, slope: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.6, 1.2))
    ax.plot([0, 1], [0, slope])
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=40, metadata={"Software": None})
    plt.close(fig)


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("figs")
    _png(folder / "scores.png", 1.0)
    _png(folder / "use.png", -1.0)
    return folder


def make_project(root: Path, figures: Path, qmd: str = INDEX_QMD) -> tuple[Path, Path]:
    source = root / "src"
    source.mkdir(parents=True)
    (source / "_quarto.yml").write_text(QUARTO_YML)
    (source / "index.qmd").write_text(qmd)
    (source / "references.bib").write_text(BIB)
    stage = root / "stage"
    (stage / "figures").mkdir(parents=True)
    for png in figures.iterdir():
        (stage / "figures" / png.name).write_bytes(png.read_bytes())
    return source, stage


def test_quarto_command():
    assert quarto_command("/opt/quarto", "/x/stage") == ["/opt/quarto", "render", "/x/stage"]


FAKE_QUARTO = """#!{python}
import json, pathlib, sys
log = pathlib.Path(__file__).with_name("calls.jsonl")
with log.open("a") as fh:
    fh.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1:] == ["--version"]:
    print("1.6.42")
    sys.exit(0)
assert sys.argv[1] == "render"
project = pathlib.Path(sys.argv[2])
out = project / "_manuscript"
out.mkdir(exist_ok=True)
variables = (project / "_variables.yml").read_text()
(out / "index.html").write_text("<html><body>" + variables + "</body></html>")
(out / "index.pdf").write_bytes(b"%PDF-1.7 fake")
"""


def _install_fake_quarto(bin_dir: Path) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "quarto"
    script.write_text(FAKE_QUARTO.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def test_fake_quarto_on_path_is_called_with_project(tmp_path, monkeypatch, figures):
    fake = _install_fake_quarto(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    quarto = find_quarto()
    assert quarto == str(fake)
    source, stage = make_project(tmp_path, figures)
    result = render_manuscript(
        source, stage, VARIABLES, tmp_path / "out/m.html", tmp_path / "out/m.pdf", quarto
    )
    assert result["renderer"] == "quarto" and result["quarto_version"] == "1.6.42"
    calls = [json.loads(line) for line in (tmp_path / "bin/calls.jsonl").read_text().splitlines()]
    assert ["render", str(stage.resolve())] in calls
    written = yaml.safe_load((stage / "_variables.yml").read_text())
    assert written["build"]["renderer"] == "quarto"
    assert written["change"]["lo"]["mean"] == "-0.37"
    assert (stage / "index.qmd").read_text() == INDEX_QMD
    assert (tmp_path / "out/m.pdf").read_bytes() == b"%PDF-1.7 fake"
    assert "renderer: quarto" in (tmp_path / "out/m.html").read_text()


def test_failing_quarto_raises_with_stderr_and_leaves_no_output(tmp_path, figures):
    bad = tmp_path / "bin" / "quarto"
    bad.parent.mkdir()
    bad.write_text("#!/bin/sh\nif [ \"$1\" = --version ]; then echo 1.0; exit 0; fi\necho 'ERROR: boom' >&2\nexit 3\n")
    bad.chmod(0o755)
    source, stage = make_project(tmp_path, figures)
    out_html = tmp_path / "m.html"
    out_html.write_text("stale")
    with pytest.raises(RenderError, match=r"(?s)exit code 3.*ERROR: boom"):
        render_manuscript(source, stage, VARIABLES, out_html, tmp_path / "m.pdf", str(bad))
    assert not out_html.exists()


def test_unknown_var_key_fails_before_rendering(tmp_path, figures):
    source, stage = make_project(tmp_path, figures, INDEX_QMD.replace("n.low", "n.lwo"))
    with pytest.raises(UnknownKeyError, match=r"index.qmd:18: unknown number key 'n.lwo'"):
        render_manuscript(source, stage, VARIABLES, tmp_path / "m.html", tmp_path / "m.pdf", None)


def test_clock_date_is_rejected(tmp_path, figures):
    qmd = INDEX_QMD.replace('author: "Test Author"', 'author: "Test Author"\ndate: today')
    source, stage = make_project(tmp_path, figures, qmd)
    with pytest.raises(RenderError, match="date: today"):
        render_manuscript(source, stage, VARIABLES, tmp_path / "m.html", tmp_path / "m.pdf", None)


@pytest.fixture(scope="module")
def fallback_render(tmp_path_factory, figures):
    """Render the sample project twice with the fallback (no quarto on PATH)."""
    root = tmp_path_factory.mktemp("fallback")
    saved = os.environ["PATH"]
    os.environ["PATH"] = str(root / "empty-bin")
    try:
        quarto = find_quarto()
        outputs = []
        for run in ("one", "two"):
            source, stage = make_project(root / run, figures)
            html, pdf = root / run / "out/m.html", root / run / "out/m.pdf"
            result = render_manuscript(
                source,
                stage,
                VARIABLES,
                html,
                pdf,
                quarto,
                link=lambda k, d: f'[{d}](#prov-{k}){{.num title="key: {k}"}}',
            )
            outputs.append((result, html.read_bytes(), pdf.read_bytes()))
    finally:
        os.environ["PATH"] = saved
    return quarto, outputs


def test_fallback_is_used_without_quarto(fallback_render):
    quarto, outputs = fallback_render
    assert quarto is None
    result = outputs[0][0]
    assert result["renderer"] == "pandoc+typst"
    assert result["pandoc_version"] and result["typst_version"]


def test_fallback_html_content(fallback_render):
    _, outputs = fallback_render
    html = outputs[0][1].decode("utf-8").replace("\xa0", " ")  # "Figure&nbsp;1"
    assert html.startswith("<!DOCTYPE html>")
    assert 'title="key: n.low">4217</a>' in html
    assert ">Figure 1</a>" in html and ">Figure 2</a>" in html and ">Table 1</a>" in html
    assert "Figure 1: Empowerment scores by group" in html
    assert "Table 1: Participants by group" in html
    assert ">Section 1</a>" in html
    assert "Gillard and Adams 2010" in html  # citeproc ran
    assert 'aria-label="Line chart of scores"' in html  # fig-alt
    assert html.count('src="data:image/png;base64,') == 2  # self-contained
    assert "pandoc+typst" in html  # build.renderer variable
    assert 'class="note">raw html only' in html
    assert "{{<" not in html


def test_fallback_pdf_content(fallback_render):
    _, outputs = fallback_render
    pdf = outputs[0][2]
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf).replace("\xa0", " ")
    assert "4217" in text
    assert "Figure 1: Empowerment scores by group" in text
    assert "Figure 1" in text.split("Figure 1: ")[0]  # the in-text reference
    assert "Gillard" in text and "pandoc+typst" in text
    assert "Figure 1: Figure" not in text  # Typst does not number a second time
    check_values_rendered(
        {"change.lo.mean": "-0.37", "n.low": "4217"}, outputs[0][1].decode(), text
    )


def test_fallback_outputs_are_byte_identical(fallback_render):
    _, ((_, html1, pdf1), (_, html2, pdf2)) = fallback_render
    assert html1 == html2
    assert pdf1 == pdf2


def test_fallback_fails_on_unknown_citation_and_crossref(tmp_path, figures):
    source, stage = make_project(tmp_path / "a", figures, INDEX_QMD.replace("@gillard2010", "@nobody1999"))
    with pytest.raises(RenderError, match="nobody1999"):
        render_manuscript(source, stage, VARIABLES, tmp_path / "a.html", tmp_path / "a.pdf", None)
    assert not (tmp_path / "a.html").exists()
    source, stage = make_project(tmp_path / "b", figures, INDEX_QMD.replace("As @fig-use", "As @fig-gone"))
    with pytest.raises(RenderError, match="fig-gone"):
        render_manuscript(source, stage, VARIABLES, tmp_path / "b.html", tmp_path / "b.pdf", None)


def test_fallback_missing_figure_raises(tmp_path, figures):
    source, stage = make_project(tmp_path, figures)
    (stage / "figures" / "use.png").unlink()
    with pytest.raises(RenderError, match="use.png"):
        render_manuscript(source, stage, VARIABLES, tmp_path / "m.html", tmp_path / "m.pdf", None)


def test_project_must_list_html_and_typst(tmp_path, figures):
    source, stage = make_project(tmp_path, figures)
    (source / "_quarto.yml").write_text("format:\n  html: default\n")
    with pytest.raises(RenderError, match="missing: typst"):
        render_manuscript(source, stage, VARIABLES, tmp_path / "m.html", tmp_path / "m.pdf", None)


def test_pdf_text_rejects_non_pdf():
    with pytest.raises(RenderError, match="PDF"):
        pdf_text(b"not a pdf")


def test_crossref_filter_ships_with_package():
    assert render.crossref_filter_path().is_file()


INCLUDE_QMD = INDEX_QMD.replace(
    ": Participants by group {#tbl-groups}\n",
    ": Participants by group {#tbl-groups}\n\n{{< include tables/extra.md >}}\n",
).replace("As @fig-use shows", "As @fig-use and @tbl-extra show")

EXTRA_TABLE = "| Site | Mean |\n|------|------|\n| LO | {{< var change.lo.mean >}} |\n\n: Extra table {#tbl-extra}\n\n{{< include tables/note.md >}}\n"


def test_fallback_inlines_include_shortcodes(tmp_path, figures):
    source, stage = make_project(tmp_path, figures, INCLUDE_QMD)
    (stage / "tables").mkdir()
    (stage / "tables" / "extra.md").write_text(EXTRA_TABLE)
    (stage / "tables" / "note.md").write_text("Nested note on {{< var n.low >}} people.\n")
    html, pdf = tmp_path / "m.html", tmp_path / "m.pdf"
    render_manuscript(source, stage, VARIABLES, html, pdf, None)
    text = html.read_text()
    assert "Table 2: Extra table" in text.replace("\xa0", " ")
    assert "Nested note on 4217 people." in text
    assert "{{<" not in text
    assert "Nested note on 4217 people." in pdf_text(pdf.read_bytes())


def test_missing_include_raises_render_error_naming_file(tmp_path, figures):
    source, stage = make_project(tmp_path, figures, INCLUDE_QMD)
    with pytest.raises(RenderError, match=r"tables/extra.md"):
        render_manuscript(source, stage, VARIABLES, tmp_path / "m.html", tmp_path / "m.pdf", None)
    assert not (tmp_path / "m.html").exists()


def test_unknown_key_inside_included_file_fails(tmp_path, figures):
    source, stage = make_project(tmp_path, figures, INCLUDE_QMD)
    (stage / "tables").mkdir()
    (stage / "tables" / "extra.md").write_text(EXTRA_TABLE.replace("change.lo.mean", "change.lo.nope"))
    (stage / "tables" / "note.md").write_text("note\n")
    with pytest.raises(UnknownKeyError, match="change.lo.nope"):
        render_manuscript(source, stage, VARIABLES, tmp_path / "m.html", tmp_path / "m.pdf", None)


# --------------------------------------------------------------------------- issue 14: PDF defects

LIST_QMD = INDEX_QMD.replace(
    "As @fig-use shows",
    "- The records of\n  {{< var n.first >}} and the others\n- One group\n  ({{< var n.low >}}) and the rest\n\n"
    "As @fig-use shows",
)


def _pdf_info(pdf_bytes: bytes) -> dict:
    import io as stdio

    from pypdf import PdfReader

    return dict(PdfReader(stdio.BytesIO(pdf_bytes)).metadata or {})


def test_value_at_line_start_does_not_become_a_list_item(tmp_path, figures):
    variables = {**VARIABLES, "n": {"low": "1", "first": "(1)"}}
    source, stage = make_project(tmp_path, figures, LIST_QMD)
    html, pdf = tmp_path / "m.html", tmp_path / "m.pdf"
    render_manuscript(source, stage, variables, html, pdf, None)
    text = html.read_text()
    assert "<ol" not in text.split("footnotes")[0]  # no list but the footnotes
    flat, flat_pdf = " ".join(text.split()), " ".join(pdf_text(pdf.read_bytes()).split())
    for phrase in ("The records of (1) and the others", "One group (1) and the rest"):
        assert phrase in flat and phrase in flat_pdf
    assert render.escape_list_markers({"a": ["(12)", "3.", "4) x", "x (1)", 5]}) == {
        "a": ["\\(12)", "3\\.", "4\\) x", "x (1)", 5]
    }


def test_pdf_synthetic_header_title_alt_text_and_creation_date(tmp_path, figures):
    source, stage = make_project(tmp_path, figures)
    pdf = tmp_path / "m.pdf"
    render_manuscript(source, stage, VARIABLES, tmp_path / "m.html", pdf, None, synthetic=True,
                      source_date_epoch=1700000000)
    data = pdf.read_bytes()
    info = _pdf_info(data)
    assert info["/Title"] == "SYNTHETIC DATA: Supporting self care"
    assert info["/CreationDate"].startswith("D:20231114")
    pages = pdf_text(data).split("\f") if "\f" in pdf_text(data) else [pdf_text(data)]
    assert render.SYNTHETIC_HEADER in pages[0]
    from pypdf import PdfReader
    import io as stdio

    reader = PdfReader(stdio.BytesIO(data))
    assert all(render.SYNTHETIC_HEADER in (p.extract_text() or "") for p in reader.pages)
    assert b"/Alt (Line chart of scores)" in data or b"/Alt(Line chart of scores)" in data
    # same inputs, same bytes
    again = tmp_path / "n.pdf"
    source2, stage2 = make_project(tmp_path / "b", figures)
    render_manuscript(source2, stage2, VARIABLES, tmp_path / "n.html", again, None, synthetic=True,
                      source_date_epoch=1700000000)
    assert again.read_bytes() == data


def test_pdf_without_synthetic_flag_has_plain_title_and_default_date(tmp_path, figures):
    source, stage = make_project(tmp_path, figures)
    pdf = tmp_path / "m.pdf"
    render_manuscript(source, stage, VARIABLES, tmp_path / "m.html", pdf, None)
    info = _pdf_info(pdf.read_bytes())
    assert info["/Title"] == "Supporting self care"
    assert info["/CreationDate"].startswith("D:20261126")  # DEFAULT_SOURCE_DATE_EPOCH, not 1970
    assert render.SYNTHETIC_HEADER not in pdf_text(pdf.read_bytes())


def test_callouts_become_boxes_in_the_pdf_source_only():
    from selfcare.report.pandocmarkup import _typst_callouts

    text = "Before.\n\n::: {.callout-warning}\n**Read this first.** Text.\n:::\n\nAfter.\n\n::: {.other}\nx\n:::\n"
    out = _typst_callouts(text)
    assert out.count("#block(") == 1 and 'fill: rgb("#fff8c5")' in out and "stroke: (left: 4pt" in out
    assert "**Read this first.** Text." in out and "::: {.callout-warning}" not in out
    assert "::: {.other}\nx\n:::" in out  # other divs untouched
    assert _typst_callouts("no callout here") == "no callout here"
