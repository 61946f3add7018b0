"""Conditional blocks: text shown only for the hand-overs it is about (selfcare.report.conditions),
in the pandoc fallback and in the metadata written for Quarto."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from selfcare.report.conditions import (
    ConditionError,
    apply_conditions,
    document_metadata,
    meta_true,
    quarto_metadata_text,
)
from selfcare.report.render import RenderError, render_manuscript

TEXT = """# Findings

Every site: {{< var all.sites >}}.

::: {.content-visible when-meta="selfcare.sites.lo"}
At LO: {{< var change.lo.mean >}}.

::: {#fig-x}
inner div kept with its block
:::
:::

::: {.content-hidden when-meta="selfcare.realised_published"}
Not realised.
:::

```
::: {.content-visible when-meta="selfcare.sites.lo"}
code is left alone
```

End.
"""


def test_metadata_marks_every_configured_site_in_lower_case():
    meta = document_metadata(["EA", "We2"], False)
    assert meta == {"selfcare": {"sites": {"ea": True, "we2": True}, "realised_published": False}}
    assert meta_true(meta, "selfcare.sites.ea") and not meta_true(meta, "selfcare.sites.lo")
    assert not meta_true(meta, "selfcare.realised_published") and not meta_true(meta, "selfcare")


def test_block_kept_when_its_site_is_in_the_hand_over():
    out = apply_conditions(TEXT, document_metadata(["LO", "SO"], True))
    assert "At LO: {{< var change.lo.mean >}}." in out and "inner div kept" in out
    assert "::: {#fig-x}" in out  # a div that is not conditional keeps its fences
    assert "content-visible" not in out.split("```")[0]  # the condition's fences are removed
    assert "Not realised." not in out
    assert "code is left alone" in out and out.count('when-meta="selfcare.sites.lo"') == 1  # inside the code block
    assert out.count("\n") == TEXT.count("\n")  # line numbers unchanged


def test_block_dropped_with_its_shortcodes_when_the_site_is_absent():
    out = apply_conditions(TEXT, document_metadata(["EA", "WE"], False))
    assert "change.lo.mean" not in out and "inner div kept" not in out and "::: {#fig-x}" not in out
    assert "Not realised." in out and "{{< var all.sites >}}" in out and "End." in out
    assert out.count("\n") == TEXT.count("\n")


def test_nested_conditions_all_must_hold():
    text = ('::: {.content-visible when-meta="selfcare.sites.lo"}\n::: {.content-visible when-meta="selfcare.sites.no"}\n'
            "both\n:::\nlo only\n:::\n")
    assert "both" in apply_conditions(text, document_metadata(["LO", "NO"], True))
    out = apply_conditions(text, document_metadata(["LO", "SO"], True))
    assert "both" not in out and "lo only" in out


def test_unless_meta_and_unclosed_blocks():
    text = '::: {.content-visible unless-meta="selfcare.sites.lo"}\nno LO here\n:::\n'
    assert "no LO here" in apply_conditions(text, document_metadata(["EA", "WE"], False))
    assert "no LO here" not in apply_conditions(text, document_metadata(["LO", "WE"], False))
    with pytest.raises(ConditionError, match=r"doc:1: fenced div"):
        apply_conditions(text.replace(":::\n", "", 1).rstrip(":\n") + "\n", {}, "doc")
    with pytest.raises(ConditionError, match=r"doc:1: closing"):
        apply_conditions(":::\n", {}, "doc")


def test_quarto_metadata_is_appended_to_the_project_and_reads_back():
    project = "project:\n  type: default\n# a comment\ndate: '2026-11-26'\n"
    text = quarto_metadata_text(document_metadata(["EA", "WE"], False), project)
    assert text.startswith(project.rstrip("\n")) and "# a comment" in text  # the source is kept as written
    parsed = yaml.safe_load(text)
    assert parsed["selfcare"]["sites"] == {"ea": True, "we": True} and parsed["date"] == "2026-11-26"
    assert parsed["selfcare"]["realised_published"] is False
    with pytest.raises(ConditionError, match="selfcare"):
        quarto_metadata_text(document_metadata(["EA"], True), text)


# --- through the renderer --------------------------------------------------

sys.path.insert(0, str(Path(__file__).parent))
from test_render import VARIABLES, make_project  # noqa: E402
from test_render import figures  # noqa: E402,F401 (fixture)

QMD = """---
title: "Conditional"
---

# Findings {#sec-findings}

Shown always: {{< var n.low >}}.

::: {.content-visible when-meta="selfcare.sites.lo"}
About LO: {{< var key.only.lo.has >}}.
:::

::: {.content-hidden when-meta="selfcare.sites.lo"}
No LO in this hand-over.
:::
"""


def test_fallback_drops_the_block_and_does_not_resolve_its_keys(tmp_path, figures):  # noqa: F811
    source, stage = make_project(tmp_path, figures, QMD)
    render_manuscript(source, stage, VARIABLES, tmp_path / "m.html", tmp_path / "m.pdf", None,
                      metadata=document_metadata(["EA", "WE"], False))
    html = (tmp_path / "m.html").read_text()
    assert "No LO in this hand-over." in html and "About LO" not in html and "4217" in html
    staged = yaml.safe_load((stage / "_quarto.yml").read_text())
    assert staged["selfcare"]["sites"] == {"ea": True, "we": True}  # where Quarto reads it


def test_fallback_keeps_the_block_and_checks_its_keys(tmp_path, figures):  # noqa: F811
    source, stage = make_project(tmp_path, figures, QMD)
    with pytest.raises(Exception, match="key.only.lo.has"):  # kept: its unknown key fails the render
        render_manuscript(source, stage, VARIABLES, tmp_path / "m.html", tmp_path / "m.pdf", None,
                          metadata=document_metadata(["LO", "WE"], False))
    variables = {**VARIABLES, "key": {"only": {"lo": {"has": "LOVALUE"}}}}
    source, stage = make_project(tmp_path / "again", figures, QMD)
    render_manuscript(source, stage, variables, tmp_path / "m.html", tmp_path / "m.pdf", None,
                      metadata=document_metadata(["LO", "WE"], False))
    html = (tmp_path / "m.html").read_text()
    assert "About LO: LOVALUE." in html and "No LO in this hand-over." not in html
    assert "content-visible" not in html


def test_a_malformed_block_is_a_render_error(tmp_path, figures):  # noqa: F811
    source, stage = make_project(tmp_path, figures, QMD + "\n::: {.content-visible when-meta=\"x\"}\nopen\n")
    with pytest.raises(RenderError, match="never closed"):
        render_manuscript(source, stage, VARIABLES, tmp_path / "m.html", tmp_path / "m.pdf", None,
                          metadata=document_metadata(["LO"], False))


def test_quarto_reads_the_metadata_from_the_staged_project(tmp_path, monkeypatch, figures):  # noqa: F811
    from test_render import _install_fake_quarto

    _install_fake_quarto(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    source, stage = make_project(tmp_path, figures, QMD)
    render_manuscript(source, stage, VARIABLES, tmp_path / "out/m.html", tmp_path / "out/m.pdf",
                      str(tmp_path / "bin/quarto"), metadata=document_metadata(["EA", "WE"], False))
    staged = yaml.safe_load((stage / "_quarto.yml").read_text())
    assert staged["selfcare"] == {"sites": {"ea": True, "we": True}, "realised_published": False}
    assert staged["format"] == yaml.safe_load((source / "_quarto.yml").read_text())["format"]  # the project kept
    # the source is staged unchanged: Quarto itself applies the when-meta conditions
    assert (stage / "index.qmd").read_text() == QMD
