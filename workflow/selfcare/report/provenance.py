"""Provenance of reported numbers, figures and tables: which code and data produced each one.

Pure helpers used by the ``collect_numbers`` rule: the rule information the
provenance manifest needs, with the package modules each script imports
(traced by :mod:`selfcare.core.imports`, re-exported here). The figures'
and tables' own provenance is in :mod:`selfcare.report.sources`.
:func:`link_factory` makes the numbers of the HTML open their provenance
card and those of the PDF link to their row of the appendix.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from selfcare.core.imports import imported_modules, module_path, package_names
from selfcare.report.tables.markdown import provenance_anchor

__all__ = [
    "assemble",
    "build_records",
    "imported_modules",
    "link_factory",
    "module_path",
    "package_names",
    "rule_info",
]


def rule_info(records: list[dict[str, Any]], rule_scripts: Mapping[str, str], script_modules: Mapping[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Rule -> script, inputs (union over the rule's jobs) and package modules.

    Parameters
    ----------
    records : list of dict
        Number records carrying ``rule`` and ``job_inputs``.
    rule_scripts : mapping
        Rule name -> script path.
    script_modules : mapping
        Script path -> package module paths it uses.
    """
    info: dict[str, dict[str, Any]] = {}
    for r in records:
        rule = r["rule"]
        entry = info.setdefault(
            rule,
            {"script": rule_scripts[rule], "inputs": set(), "modules": list(script_modules.get(rule_scripts[rule], []))},
        )
        entry["inputs"].update(r.get("job_inputs", []))
    return {k: {**v, "inputs": sorted(v["inputs"])} for k, v in info.items()}


def link_factory(manifest: list[Mapping[str, Any]], fmt: str = "html", page: str = "provenance.html") -> Callable[[str, str], str]:
    """A link function wrapping each number of the document in a provenance link.

    Parameters
    ----------
    manifest : list of mapping
        The provenance manifest (``key, rule, output``).
    fmt : {"html", "typst"}
        ``html``: the number links to its record on the provenance page
        (``page#prov-<key>``) and carries ``data-key``, which ``report.js``
        uses to open the number's card in place; the producing rule and file
        are its tooltip. ``typst``: the number links to its row of the
        appendix (``#prov-<key>``), for the PDF.
    page : str
        The provenance page, relative to the report.

    Returns
    -------
    callable
        ``link(key, display) -> markdown``; keys absent from the manifest
        (e.g. ``build.renderer``) are returned unlinked.
    """
    if fmt not in ("html", "typst"):
        raise ValueError(f"link_factory: unknown format {fmt!r} (html or typst)")
    by_key = {m["key"]: m for m in manifest}

    def link(key: str, display: str) -> str:
        m = by_key.get(key)
        if m is None:
            return display
        if fmt == "typst":
            return f"[{display}](#{provenance_anchor(key)})"
        title = f"{key}: rule {m['rule']}, file {m['output']}"
        return f'[{display}]({page}#{provenance_anchor(key)}){{.num data-key="{key}" title="{title}"}}'

    return link


def build_records(info: Mapping[str, Any], info_path: str) -> dict[str, dict[str, Any]]:
    """Registry-like records of the build variables the render step adds."""
    out = {}
    for key, value in (("build.renderer", info.get("renderer", "")),
                       ("build.renderer_version", info.get("quarto_version") or info.get("pandoc_version", ""))):
        out[key] = {"key": key, "display": str(value), "value": str(value), "rule": "render_manuscript",
                    "output": info_path, "meaning": "renderer used for this build"}
    return out


def assemble(
    records: list[dict[str, Any]],
    rule_scripts: Mapping[str, str],
    script_texts: Mapping[str, str],
    module_texts: Mapping[str, str],
    module_dir: str,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], list[str]]:
    """Everything the provenance manifest needs, except the file hashes.

    Parameters
    ----------
    records : list of dict
        Merged number records (with ``rule``, ``output``, ``job_inputs``).
    rule_scripts : mapping
        Rule -> script path (relative to the repository root).
    script_texts : mapping
        Script path -> its source.
    module_texts : mapping
        Dotted package module name -> its source (see :func:`imported_modules`).
    module_dir : str
        The directory that holds the package, relative to the repository root
        (so that the manifest does not depend on the checkout's location).

    Returns
    -------
    records : list of dict
        The records without their job inputs.
    info : dict
        Rule -> script, inputs and package modules (see :func:`rule_info`).
    paths : list of str
        Every file whose SHA-256 the manifest records.
    """
    packages = package_names(module_texts)
    script_modules = {
        s: sorted(module_path(m, packages, module_dir) for m in imported_modules(script_texts[s], module_texts))
        for s in script_texts
    }
    info = rule_info(records, rule_scripts, script_modules)
    paths = {r["output"] for r in records}
    for entry in info.values():
        paths.update([entry["script"], *entry["inputs"], *entry["modules"]])
    clean = [{k: v for k, v in r.items() if k != "job_inputs"} for r in records]
    return clean, info, sorted(paths)
