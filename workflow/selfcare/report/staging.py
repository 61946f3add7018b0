"""Stage the manuscript source for rendering and check it.

The first step of :func:`selfcare.report.render.render_manuscript`: the
Quarto project is copied into a staging folder, its ``_quarto.yml`` is read
and checked, the YAML front matter is split off and checked for dates taken
from the clock, and ``{{< include path >}}`` shortcodes are expanded relative
to the stage. Every problem raises :class:`RenderError` (defined here, and
re-exported by :mod:`selfcare.report.render`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from selfcare.core import io
from selfcare.report.markdown import IncludeError, expand_includes

#: Formats the manuscript project must list under ``format:``.
REQUIRED_FORMATS = ("html", "typst")

#: Metadata date values that Quarto replaces by the clock (non-deterministic).
CLOCK_DATES = frozenset({"today", "now", "last-modified"})


class RenderError(RuntimeError):
    """The manuscript could not be rendered; the message says why."""


def stage_source(source_dir: str | os.PathLike[str], stage_dir: str | os.PathLike[str]) -> list[str]:
    """Copy the manuscript source into the stage, keeping files already there.

    Parameters
    ----------
    source_dir : path-like
        Quarto project folder.
    stage_dir : path-like
        Staging folder; figures copied there by the caller are kept.

    Returns
    -------
    list of str
        Relative paths of the copied files, sorted.

    Raises
    ------
    RenderError
        If the source folder does not exist or holds no files.
    """
    src = Path(source_dir)
    files = io.list_files(src)
    if not files:
        raise RenderError(f"manuscript source folder {src} is missing or empty")
    copied = []
    for path in files:
        rel = path.relative_to(src)
        io.write_bytes(Path(stage_dir) / rel, io.read_bytes(path))
        copied.append(rel.as_posix())
    return copied


def read_project_config(project_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check ``_quarto.yml`` of a manuscript project.

    Parameters
    ----------
    project_dir : path-like
        Folder holding ``_quarto.yml``.

    Returns
    -------
    dict
        The parsed configuration.

    Raises
    ------
    RenderError
        If the file is missing, is not a mapping, or does not list the
        ``html`` and ``typst`` formats.
    """
    path = Path(project_dir) / "_quarto.yml"
    if not path.is_file():
        raise RenderError(f"{path}: missing; the manuscript must be a Quarto project")
    config = io.read_yaml(path)
    if not isinstance(config, dict):
        raise RenderError(f"{path}: expected a mapping at the top level")
    formats = config.get("format")
    listed = set(formats) if isinstance(formats, dict) else {formats} if isinstance(formats, str) else set()
    missing = [f for f in REQUIRED_FORMATS if f not in listed]
    if missing:
        raise RenderError(f"{path}: 'format' must list {', '.join(REQUIRED_FORMATS)}; missing: {', '.join(missing)}")
    return config


def split_front_matter(qmd_text: str) -> tuple[str, str]:
    """Split a Quarto document into YAML front matter and body.

    Parameters
    ----------
    qmd_text : str
        Document text.

    Returns
    -------
    (str, str)
        The front matter block including its ``---`` fences and final
        newline (empty if there is none), and the rest of the text.
    """
    lines = qmd_text.split("\n")
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                return "\n".join(lines[: i + 1]) + "\n", "\n".join(lines[i + 1 :])
    return "", qmd_text


def _front_matter_dict(qmd_text: str, entry: str) -> dict[str, Any]:
    """Parsed YAML front matter of a document (empty dict if none)."""
    front, _ = split_front_matter(qmd_text)
    if not front:
        return {}
    inner = "\n".join(front.split("\n")[1:-2])
    try:
        meta = yaml.safe_load(inner)
    except yaml.YAMLError as exc:
        raise RenderError(f"{entry}: YAML front matter does not parse: {exc}") from None
    return meta if isinstance(meta, dict) else {}


def _check_dates(config: Mapping[str, Any], front: Mapping[str, Any], entry: str) -> None:
    """Reject dates that Quarto would take from the clock."""
    for where, meta in (("_quarto.yml", config), (entry, front)):
        date = meta.get("date") if isinstance(meta, Mapping) else None
        if isinstance(date, str) and date.strip().lower() in CLOCK_DATES:
            raise RenderError(
                f"{where}: 'date: {date}' stamps the clock into the output and breaks "
                "byte-identical builds; give a fixed date or a {{< var >}} value"
            )


def _stage_reader(stage: Path) -> Callable[[str], str]:
    """Reader of stage files by relative path, for :func:`expand_includes`."""

    def read(rel: str) -> str:
        """Text of one file of the stage (``FileNotFoundError`` if absent)."""
        path = stage / rel
        if not path.is_file():
            raise FileNotFoundError(f"no file {rel} in the stage {stage}")
        return io.read_text(path)

    return read


def expand_stage_includes(stage: str | os.PathLike[str], qmd_text: str, entry: str) -> str:
    """Inline the ``{{< include path >}}`` files of a staged document.

    Parameters
    ----------
    stage : path-like
        Staging folder (the project root); include paths, also those of
        nested includes, are relative to it (as in Quarto).
    qmd_text : str
        Text of the document.
    entry : str
        Name of the document (used in messages).

    Returns
    -------
    str
        The text with every include expanded, recursively.

    Raises
    ------
    RenderError
        If an included file is missing (the message names it), lies outside
        the stage, or the includes form a cycle.
    """
    try:
        return expand_includes(qmd_text, _stage_reader(Path(stage)), entry)
    except IncludeError as exc:
        raise RenderError(f"{entry}: {exc}") from None
