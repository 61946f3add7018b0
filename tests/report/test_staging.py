"""Tests for selfcare.report.staging: copying the source, _quarto.yml, front matter, includes."""

from __future__ import annotations

import pytest
from selfcare.report import render, staging
from selfcare.report.staging import (
    RenderError,
    _check_dates,
    _front_matter_dict,
    expand_stage_includes,
    read_project_config,
    split_front_matter,
    stage_source,
)


def test_render_error_is_the_one_render_raises():
    assert render.RenderError is staging.RenderError


def test_stage_source_copies_over_existing_files(tmp_path):
    source, stage = tmp_path / "src", tmp_path / "stage"
    (source / "sub").mkdir(parents=True)
    (source / "index.qmd").write_text("body")
    (source / "sub" / "part.md").write_text("part")
    (stage / "figures").mkdir(parents=True)
    (stage / "figures" / "a.png").write_bytes(b"png")
    assert stage_source(source, stage) == ["index.qmd", "sub/part.md"]
    assert (stage / "sub" / "part.md").read_text() == "part"
    assert (stage / "figures" / "a.png").read_bytes() == b"png"


def test_stage_source_rejects_missing_or_empty_folder(tmp_path):
    with pytest.raises(RenderError, match="missing or empty"):
        stage_source(tmp_path / "nowhere", tmp_path / "stage")


def test_read_project_config(tmp_path):
    with pytest.raises(RenderError, match="missing"):
        read_project_config(tmp_path)
    (tmp_path / "_quarto.yml").write_text("- a list\n")
    with pytest.raises(RenderError, match="mapping"):
        read_project_config(tmp_path)
    (tmp_path / "_quarto.yml").write_text("format: html\n")
    with pytest.raises(RenderError, match="missing: typst"):
        read_project_config(tmp_path)
    (tmp_path / "_quarto.yml").write_text("format:\n  html: default\n  typst: default\n")
    assert read_project_config(tmp_path)["format"] == {"html": "default", "typst": "default"}


def test_split_front_matter():
    assert split_front_matter("---\ntitle: T\n---\nbody\n") == ("---\ntitle: T\n---\n", "body\n")
    assert split_front_matter("---\ntitle: T\n...\nbody") == ("---\ntitle: T\n...\n", "body")
    assert split_front_matter("no front matter\n---\n") == ("", "no front matter\n---\n")
    assert split_front_matter("---\nnever closed\n") == ("", "---\nnever closed\n")


def test_front_matter_dict_and_clock_dates():
    assert _front_matter_dict("---\ntitle: T\ndate: today\n---\nbody", "index.qmd") == {"title": "T", "date": "today"}
    assert _front_matter_dict("body only", "index.qmd") == {}
    with pytest.raises(RenderError, match="index.qmd: YAML front matter does not parse"):
        _front_matter_dict("---\ntitle: [\n---\n", "index.qmd")
    _check_dates({"date": "2010-01-01"}, {"title": "T"}, "index.qmd")
    with pytest.raises(RenderError, match="_quarto.yml: 'date: now'"):
        _check_dates({"date": "now"}, {}, "index.qmd")
    with pytest.raises(RenderError, match="index.qmd: 'date: Last-Modified'"):
        _check_dates({}, {"date": "Last-Modified"}, "index.qmd")


def test_expand_stage_includes(tmp_path):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "a.md").write_text("A {{< include tables/b.md >}}")
    (tmp_path / "tables" / "b.md").write_text("B")
    assert expand_stage_includes(tmp_path, "x {{< include tables/a.md >}} y", "index.qmd") == "x A B y"
    with pytest.raises(RenderError, match=r"index.qmd: .*tables/gone.md"):
        expand_stage_includes(tmp_path, "{{< include tables/gone.md >}}", "index.qmd")
