"""Render the manuscript to HTML and PDF.

The manuscript is a Quarto project (``_quarto.yml``, ``index.qmd``,
``references.bib``) that quotes numbers with ``{{< var key >}}``. Two
renderers take the same source:

* **Quarto** when it is installed: the project is staged
  (:mod:`selfcare.report.staging`), ``_variables.yml`` is written and
  ``quarto render`` produces both formats listed in ``_quarto.yml``
  (``html`` and ``typst``).
* **pandoc + Typst** otherwise: ``{{< include path >}}`` shortcodes are
  inlined (:func:`selfcare.report.markdown.expand_includes`, paths relative to the
  stage), ``var`` shortcodes are substituted in Python
  (:func:`selfcare.report.markdown.substitute_vars`), pandoc (from the
  ``pypandoc-binary`` wheel) runs a small Lua filter for Quarto-style
  cross-references (``data/crossref.lua``) and citeproc, and writes a
  self-contained HTML file and Typst source; the ``typst`` wheel compiles the
  PDF with a fixed timestamp and only its embedded fonts, so that the same
  inputs give the same PDF bytes. The HTML uses the project's bundled
  template, stylesheet and script (``_html/template.html``, ``report.css``,
  ``report.js``; see :data:`HTML_TEMPLATE`), embedded in the file: a table
  of contents beside the text, tables that scroll instead of being clipped
  (:func:`selfcare.report.htmlpage.wrap_tables`), a SYNTHETIC banner when
  the data are synthetic, and the numbers' provenance cards.

Both paths fail closed: an unknown ``var`` key, an unknown citation, a
missing figure or a cross-reference to a missing label stops the render with
a :class:`RenderError` (or :class:`selfcare.report.markdown.UnknownKeyError`). The
renderer that ran is exposed to the document as ``{{< var build.renderer >}}``
(and ``build.renderer_version``) so that the colophon can state it.
"""

from __future__ import annotations

import copy
import io as _stdio
import os
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping

from selfcare.core import io
from selfcare.report.conditions import ConditionError, apply_conditions, quarto_metadata_text
from selfcare.report.htmlpage import wrap_tables
from selfcare.report.markdown import check_var_keys, find_shortcodes, substitute_vars
from selfcare.report.pandocmarkup import (  # noqa: F401 (re-exported)
    SMALL_PRINT_CLASSES,
    SYNTHETIC_HEADER,
    _escape_line_start_vars,
    _typst_callouts,
    _typst_small_print,
    escape_list_markers,
    synthetic_pdf,
)
from selfcare.report.registry import flatten_variables
from selfcare.report.staging import (
    RenderError,
    _check_dates,
    _front_matter_dict,
    expand_stage_includes,
    read_project_config,
    split_front_matter,
    stage_source,
)

#: Name of the pandoc + Typst fallback renderer.
FALLBACK = "pandoc+typst"

#: Top-level ``_quarto.yml`` keys that configure Quarto itself, not the document.
QUARTO_ONLY_KEYS = frozenset(
    {"project", "format", "execute", "manuscript", "website", "book", "editor",
     "engine", "jupyter", "knitr", "filters", "shortcodes", "freeze", "profile"}
)

#: pandoc warnings that stop the fallback render (a citation or file is missing).
FATAL_PANDOC_WARNINGS = ("Citeproc: citation", "Could not fetch resource", "Could not find")

#: Prefix of the intermediate files the fallback writes into the stage.
_WORK = "_fallback"

#: The fallback's HTML template, stylesheet and script, relative to the project.
HTML_TEMPLATE = ("_html/template.html", "_html/report.css", "_html/report.js")

LinkFunction = Callable[[str, str], str]


# --------------------------------------------------------------------------
# tools
# --------------------------------------------------------------------------


def find_quarto() -> str | None:
    """Return the path of the ``quarto`` executable on PATH, or None."""
    return shutil.which("quarto")


def quarto_command(quarto: str, project_dir: str | os.PathLike[str]) -> list[str]:
    """Command line that renders every format of a Quarto project.

    Parameters
    ----------
    quarto : str
        Path of the ``quarto`` executable.
    project_dir : path-like
        Folder holding ``_quarto.yml``.

    Returns
    -------
    list of str
        ``[quarto, "render", project_dir]``.
    """
    return [str(quarto), "render", str(project_dir)]


def pandoc_path() -> str:
    """Path of the pandoc binary shipped by the ``pypandoc-binary`` wheel.

    Raises
    ------
    RenderError
        If pypandoc or its pandoc binary is not available.
    """
    try:
        import pypandoc

        return str(pypandoc.get_pandoc_path())
    except (ImportError, OSError) as exc:
        raise RenderError(f"pandoc is not available (install pypandoc-binary): {exc}") from None


def crossref_filter_path() -> Path:
    """Path of the Lua cross-reference filter shipped with the package."""
    return Path(str(resources.files("selfcare") / "data" / "crossref.lua"))


#: Source date (seconds since 1970, UTC) used when the caller gives none:
#: 2026-11-26 00:00 UTC, the manuscript's fixed date (config/config.yaml
#: manuscript.date). The workflow passes the date of the last commit instead
#: (``git log -1 --format=%ct``), falling back to this value outside git.
DEFAULT_SOURCE_DATE_EPOCH = 1795651200


def _environment(source_date_epoch: int = DEFAULT_SOURCE_DATE_EPOCH) -> dict[str, str]:
    """Process environment with a fixed source date and time zone."""
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = str(int(source_date_epoch))
    env["TZ"] = "UTC"
    return env


def _run(
    cmd: list[str], cwd: Path, what: str, source_date_epoch: int = DEFAULT_SOURCE_DATE_EPOCH
) -> subprocess.CompletedProcess[bytes]:
    """Run a command in ``cwd``; raise :class:`RenderError` with its stderr on failure."""
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, capture_output=True, env=_environment(source_date_epoch), check=False
        )
    except OSError as exc:
        raise RenderError(f"{what}: cannot run {cmd[0]!r}: {exc}") from None
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{what} failed (exit code {proc.returncode}):\n{stderr}")
    return proc


def _tool_version(cmd: list[str], cwd: Path) -> str:
    """First line printed by a ``--version`` call."""
    proc = _run(cmd, cwd, f"{Path(cmd[0]).name} --version")
    text = proc.stdout.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else ""


def pandoc_version() -> str:
    """Version of the bundled pandoc, e.g. ``"3.9"``."""
    line = _tool_version([pandoc_path(), "--version"], Path.cwd())
    return line.split()[-1] if line else ""


def typst_version() -> str:
    """Version of the ``typst`` wheel."""
    import typst

    return str(getattr(typst, "__version__", "unknown"))


# --------------------------------------------------------------------------
# build variables
# --------------------------------------------------------------------------


def _with_build_variables(variables: Mapping[str, Any], renderer: str, version: str) -> dict[str, Any]:
    """Copy of ``variables`` with ``build.renderer`` and ``build.renderer_version``."""
    nested = copy.deepcopy(dict(variables))
    build = nested.setdefault("build", {})
    if not isinstance(build, dict):
        raise RenderError("variables: 'build' is a value, but build.renderer must be added below it")
    build["renderer"] = renderer
    build["renderer_version"] = version
    return nested


# --------------------------------------------------------------------------
# Quarto
# --------------------------------------------------------------------------


def _quarto_output_dir(stage: Path, config: Mapping[str, Any]) -> Path:
    """Folder where ``quarto render`` writes the project outputs."""
    project = config.get("project") if isinstance(config.get("project"), Mapping) else {}
    if project.get("output-dir"):
        return stage / str(project["output-dir"])
    if project.get("type") == "manuscript":
        return stage / "_manuscript"
    return stage


def _render_quarto(
    quarto: str, stage: Path, config: Mapping[str, Any], entry: str, out_html: Path, out_pdf: Path
) -> None:
    """Run Quarto on the stage and copy its HTML and PDF to the destinations."""
    _run(quarto_command(quarto, stage), stage, "quarto render")
    outdir = _quarto_output_dir(stage, config)
    stem = Path(entry).stem
    for produced, dest in ((outdir / f"{stem}.html", out_html), (outdir / f"{stem}.pdf", out_pdf)):
        if not produced.is_file():
            present = ", ".join(p.relative_to(stage).as_posix() for p in io.list_files(outdir)[:20])
            raise RenderError(f"quarto render did not write {produced} (found: {present or 'nothing'})")
        io.write_bytes(dest, io.read_bytes(produced))


# --------------------------------------------------------------------------
# pandoc + Typst
# --------------------------------------------------------------------------

_PAGEBREAK = {
    "html": '\n\n```{=html}\n<div style="page-break-after: always;"></div>\n```\n\n',
    "typst": "\n\n```{=typst}\n#pagebreak()\n```\n\n",
}


def _fallback_markdown(
    qmd_text: str, variables: Mapping[str, Any], fmt: str, link: LinkFunction | None, entry: str
) -> str:
    """Pandoc markdown for one format: values substituted, page breaks made raw.

    ``qmd_text`` must already have its includes expanded."""
    front, body = split_front_matter(qmd_text)
    front = substitute_vars(front, variables, None, entry)
    body = substitute_vars(_escape_line_start_vars(body), escape_list_markers(variables), link, entry)
    text = front + body
    unsupported = []
    for name, code, line in find_shortcodes(text):
        if name == "pagebreak":
            continue
        unsupported.append(f"  {entry}:{line}: {code}")
    if unsupported:
        raise RenderError(
            "the pandoc fallback supports only the include, var and pagebreak shortcodes; found:\n" + "\n".join(unsupported)
        )
    if fmt == "typst":
        text = _typst_callouts(_typst_small_print(text))
    return re.sub(r"\{\{<\s*pagebreak\s*>\}\}", lambda _m: _PAGEBREAK[fmt], text)


def _visible(text: str, meta: Mapping[str, Any], entry: str) -> str:
    """The text with the conditional blocks that ``meta`` hides dropped
    (:func:`selfcare.report.conditions.apply_conditions`)."""
    try:
        return apply_conditions(text, meta, entry)
    except ConditionError as exc:
        raise RenderError(str(exc)) from None


def _stage_metadata(stage: Path, metadata: Mapping[str, Any] | None) -> None:
    """Append the workflow's document metadata to the staged ``_quarto.yml``,
    where Quarto (and the fallback, through :func:`read_project_config`) reads it."""
    if not metadata:
        return
    path = stage / "_quarto.yml"
    try:
        io.write_text(path, quarto_metadata_text(metadata, io.read_text(path)))
    except ConditionError as exc:
        raise RenderError(str(exc)) from None


def _metadata_for(config: Mapping[str, Any], fmt: str) -> tuple[dict[str, Any], list[str]]:
    """Pandoc metadata and extra options from ``_quarto.yml`` for one format."""
    meta = {k: v for k, v in config.items() if k not in QUARTO_ONLY_KEYS}
    formats = config.get("format")
    specific = formats.get(fmt) if isinstance(formats, Mapping) else None
    if isinstance(specific, Mapping):
        meta.update(specific)
    options: list[str] = []
    if meta.pop("toc", False):
        options.append("--toc")
        depth = meta.pop("toc-depth", None)
        if depth is not None:
            options.append(f"--toc-depth={int(depth)}")
    return meta, options


def _pandoc(
    stage: Path, markdown: str, meta: Mapping[str, Any], options: list[str], fmt: str, what: str
) -> tuple[bytes, list[str]]:
    """Run pandoc on the stage for one format; return its output and warnings."""
    src = stage / f"{_WORK}-{fmt}.md"
    meta_file = stage / f"{_WORK}-{fmt}-meta.yml"
    io.write_text(src, markdown)
    io.write_yaml(meta_file, dict(meta))
    data_dir = crossref_filter_path().parent
    cmd = [
        pandoc_path(),
        src.name,
        "--from=markdown",
        f"--to={'html5' if fmt == 'html' else 'typst'}",
        "--standalone",
        f"--data-dir={data_dir}",
        f"--metadata-file={meta_file.name}",
        f"--lua-filter={crossref_filter_path()}",
        "--citeproc",
        *options,
    ]
    if fmt == "html":
        cmd.append("--embed-resources")
    proc = _run(cmd, stage, what)
    warnings = [
        line.strip()
        for line in proc.stderr.decode("utf-8", "replace").splitlines()
        if line.strip()
    ]
    fatal = [w for w in warnings if any(p in w for p in FATAL_PANDOC_WARNINGS)]
    if fatal:
        raise RenderError(f"{what}: " + "; ".join(fatal))
    return proc.stdout, warnings


def _compile_typst(
    stage: Path, typ_source: bytes, timestamp: int = DEFAULT_SOURCE_DATE_EPOCH
) -> tuple[bytes, list[str]]:
    """Compile Typst source to PDF bytes with a fixed timestamp (the PDF's
    creation date) and embedded fonts."""
    import typst

    typ_path = stage / f"{_WORK}.typ"
    io.write_bytes(typ_path, typ_source)
    font_dir = stage / "fonts"
    try:
        pdf, warnings = typst.compile_with_warnings(
            str(typ_path),
            root=str(stage),
            font_paths=[str(font_dir)] if font_dir.is_dir() else [],
            ignore_system_fonts=True,
            timestamp=int(timestamp),
        )
    except typst.TypstError as exc:
        raise RenderError(f"typst failed on {typ_path.name}: {exc}") from None
    if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF"):
        raise RenderError(f"typst did not return a PDF for {typ_path.name}")
    return pdf, [str(getattr(w, "message", w)) for w in warnings]


def _html_options(stage: Path, meta: dict[str, Any], options: list[str], synthetic: bool, after_body: str) -> list[str]:
    """Template, stylesheet, banner flag and after-body HTML of the designed page.

    The project's ``_html/`` files are used when present (all three must be);
    without them pandoc's default page is written."""
    present = [(stage / rel).is_file() for rel in HTML_TEMPLATE]
    if any(present) and not all(present):
        missing = [rel for rel, ok in zip(HTML_TEMPLATE, present) if not ok]
        raise RenderError(f"manuscript project: {', '.join(missing)} missing (the HTML template needs all of {', '.join(HTML_TEMPLATE)})")
    extra = list(options)
    if all(present):
        extra += [f"--template={HTML_TEMPLATE[0]}", f"--css={HTML_TEMPLATE[1]}", "--section-divs"]
    if synthetic:
        meta["synthetic"] = True
    if after_body:
        io.write_text(stage / f"{_WORK}-after-body.html", after_body)
        extra.append(f"--include-after-body={_WORK}-after-body.html")
    return extra
def _render_fallback(
    stage: Path,
    config: Mapping[str, Any],
    entry: str,
    variables: Mapping[str, Any],
    outputs: tuple[Path, Path],
    links: tuple[LinkFunction | None, LinkFunction | None],
    synthetic: bool = False,
    after_body: str = "",
    postprocess: Callable[[str], str] | None = None,
    source_date_epoch: int = DEFAULT_SOURCE_DATE_EPOCH,
) -> list[str]:
    """Render HTML and PDF with pandoc and Typst; return the warnings.

    ``outputs`` are the HTML and PDF destinations, ``links`` the link
    functions of the HTML and of the PDF (Typst), ``postprocess`` a last
    edit of the HTML text."""
    qmd_text = _visible(expand_stage_includes(stage, io.read_text(stage / entry), entry), config, entry)
    warnings: list[str] = []

    meta, options = _metadata_for(config, "html")
    options = _html_options(stage, meta, options, synthetic, after_body)
    html, w = _pandoc(
        stage, _fallback_markdown(qmd_text, variables, "html", links[0], entry), meta, options, "html", "pandoc (HTML)"
    )
    warnings += w

    meta, options = _metadata_for(config, "typst")
    markdown = _fallback_markdown(qmd_text, variables, "typst", links[1], entry)
    if synthetic:
        meta, markdown = synthetic_pdf(meta, markdown, _front_matter_dict(qmd_text, entry).get("title") or "")
    typ_source, w = _pandoc(stage, markdown, meta, options, "typst", "pandoc (Typst)")
    warnings += w
    pdf, w = _compile_typst(stage, typ_source, source_date_epoch)
    warnings += w

    text = wrap_tables(html.decode("utf-8"))
    io.write_bytes(outputs[0], (postprocess(text) if postprocess else text).encode("utf-8"))
    io.write_bytes(outputs[1], pdf)
    return warnings


# --------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------


def render_manuscript(
    source_dir: str | os.PathLike[str],
    stage_dir: str | os.PathLike[str],
    variables: Mapping[str, Any],
    out_html: str | os.PathLike[str],
    out_pdf: str | os.PathLike[str],
    quarto: str | None,
    link: LinkFunction | None = None,
    entry: str = "index.qmd",
    pdf_link: LinkFunction | None = None,
    synthetic: bool = False,
    after_body: str = "",
    postprocess: Callable[[str], str] | None = None,
    source_date_epoch: int | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Render the manuscript project to a self-contained HTML file and a PDF.

    Parameters
    ----------
    source_dir : path-like
        Quarto project: ``_quarto.yml`` (listing the ``html`` and ``typst``
        formats), ``index.qmd``, ``references.bib``...
    stage_dir : path-like
        Staging folder. The caller may already have copied the figures there
        (at the relative paths the manuscript uses); the source files are
        copied over it and ``_variables.yml`` is written.
    variables : mapping
        Nested number variables (see :func:`selfcare.report.registry.quarto_variables`).
        ``build.renderer`` and ``build.renderer_version`` are added.
    out_html, out_pdf : path-like
        Destinations of the rendered files.
    quarto : str or None
        Path of the Quarto executable (see :func:`find_quarto`); None uses the
        pandoc + Typst fallback.
    link : callable, optional
        ``link(key, display) -> markdown`` wrapping each value in the HTML of
        the fallback (e.g. a provenance link). Not used by Quarto.
    entry : str, optional
        Main document of the project.
    pdf_link : callable, optional
        The same for the PDF of the fallback (e.g. a link to the number's row
        of the provenance appendix; every target must exist in the document).
    synthetic : bool, optional
        The data are synthetic: the fallback's HTML shows the SYNTHETIC
        banner at the top of the page, every PDF page carries the running
        header :data:`SYNTHETIC_HEADER` and the PDF's title metadata starts
        with "SYNTHETIC DATA".
    after_body : str, optional
        HTML added at the end of the fallback's HTML body (e.g. the
        provenance cards' data, :func:`selfcare.report.htmlpage.card_data_html`).
    postprocess : callable, optional
        ``postprocess(html) -> html``, a last edit of the fallback's HTML
        (e.g. :func:`selfcare.report.htmlpage.annotate_figures`).
    source_date_epoch : int, optional
        Creation date of the PDF, in seconds since 1970 (UTC); also passed
        to the tools as ``SOURCE_DATE_EPOCH``. Default
        :data:`DEFAULT_SOURCE_DATE_EPOCH`.
    metadata : mapping, optional
        Document metadata written by the workflow (e.g.
        :func:`selfcare.report.conditions.document_metadata`), appended to
        the staged ``_quarto.yml``; the conditional blocks
        (``.content-visible when-meta=...``) read it, in Quarto and in the
        fallback alike. A block not shown is dropped unresolved, its keys
        unchecked.

    Returns
    -------
    dict
        ``{"renderer": "quarto" | "pandoc+typst", ...versions, "warnings": [...]}``.

    Raises
    ------
    RenderError
        If the project is malformed, a tool fails (its stderr is quoted), a
        citation, resource or ``{{< include >}}`` file is missing, or the
        date is taken from the clock.
        Neither output is left behind after a failure.
    selfcare.report.markdown.UnknownKeyError
        If a ``var`` shortcode names a key missing from ``variables``.
    """
    stage = Path(stage_dir).resolve()
    out_html, out_pdf = Path(out_html), Path(out_pdf)
    try:
        copied = stage_source(source_dir, stage)
        if entry not in copied:
            raise RenderError(f"manuscript source {source_dir} has no {entry}")
        _stage_metadata(stage, metadata)
        config = read_project_config(stage)
        qmd_text = io.read_text(stage / entry)
        _check_dates(config, _front_matter_dict(qmd_text, entry), entry)

        if quarto:
            renderer = "quarto"
            versions = {"quarto_version": _tool_version([quarto, "--version"], stage)}
            version_text = versions["quarto_version"]
        else:
            renderer = FALLBACK
            versions = {"pandoc_version": pandoc_version(), "typst_version": typst_version()}
            version_text = f"pandoc {versions['pandoc_version']}, typst {versions['typst_version']}"
        nested = _with_build_variables(variables, renderer, version_text)
        known = set(flatten_variables(nested))
        for rel in copied:
            if rel.endswith(".qmd"):
                check_var_keys(_visible(io.read_text(stage / rel), config, rel), known, rel)
        # keys quoted inside included files (generated tables, figure snippets)
        check_var_keys(_visible(expand_stage_includes(stage, qmd_text, entry), config, entry), known,
                       f"{entry} (includes expanded)")
        io.write_yaml(stage / "_variables.yml", nested)

        if quarto:
            _render_quarto(quarto, stage, config, entry, out_html, out_pdf)
            warnings: list[str] = []
        else:
            warnings = _render_fallback(
                stage, config, entry, nested, (out_html, out_pdf), (link, pdf_link), synthetic, after_body, postprocess,
                DEFAULT_SOURCE_DATE_EPOCH if source_date_epoch is None else int(source_date_epoch),
            )
    except BaseException:
        io.remove_paths([out_html, out_pdf])
        raise
    return {"renderer": renderer, **versions, "warnings": warnings}


def pdf_text(pdf_bytes: bytes) -> str:
    """Extract the text of a PDF (pages joined by newlines), using pypdf.

    Parameters
    ----------
    pdf_bytes : bytes
        Content of a PDF file.

    Returns
    -------
    str
        Text of all pages.

    Raises
    ------
    RenderError
        If the bytes are not a readable PDF.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(_stdio.BytesIO(pdf_bytes))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, OSError) as exc:
        raise RenderError(f"cannot read PDF text: {exc}") from None
