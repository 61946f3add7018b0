"""Which files each figure and each table is built from.

The ``figures`` and ``tables`` rules read many files, but each figure and
table is built from a few of them. :data:`FIGURE_SOURCES` and
:data:`TABLE_SOURCES` name them (by the rule's named inputs, with the module
that builds the artefact) and :func:`artefact_record` gives each figure and
table its own provenance: the rule, the script, and the specific files with
their SHA-256 (not the union of the rule's inputs).
"""

from __future__ import annotations

import os
from pathlib import PurePath, PurePosixPath
from typing import Any, Iterable, Mapping

__all__ = ["FIGURE_SOURCES", "TABLE_SOURCES", "PATH_KEYS", "artefact_record", "portable_paths", "workflow_root"]

#: Keys whose string values are file paths in provenance records and manifests.
PATH_KEYS = frozenset({"path", "script", "module", "output", "file"})


def portable_paths(value: Any, root: str) -> Any:
    """Provenance with the workflow's own files named relative to its root.

    When the workflow runs in another directory (``snakemake --directory``,
    as ``python -m selfcare.scenario run`` does), the files it ships (scripts,
    package modules, manuscript captions) are reached by absolute paths. A
    report must not print the checkout's location, so every value under a key
    of :data:`PATH_KEYS` that lies inside ``root`` becomes relative to it
    (``workflow/scripts/tables.py``); other paths are kept as they are.

    Parameters
    ----------
    value : any
        A record, a manifest (list of records) or anything nested in one.
    root : str
        The workflow's root (the folder holding ``workflow/``).

    Returns
    -------
    any
        A copy with the paths rewritten.
    """
    if isinstance(value, Mapping):
        return {k: _portable(v, root) if k in PATH_KEYS and isinstance(v, str) else portable_paths(v, root)
                for k, v in value.items()}
    if isinstance(value, list):
        return [portable_paths(v, root) for v in value]
    return value


def workflow_root(scriptdir: str) -> str:
    """The workflow's root from a script's folder (``<root>/workflow/scripts``).

    Snakemake gives the folder as the rule file's folder joined with the
    script's relative path (``<root>/workflow/rules/../scripts``), so it is
    normalised first (``..`` is a step up, whatever the file system holds).
    """
    return str(PurePath(os.path.normpath(scriptdir)).parents[1])


def _portable(path: str, root: str) -> str:
    """``path`` relative to ``root`` when it is absolute and inside it."""
    p = PurePath(path)
    if not p.is_absolute():
        return path
    try:
        return p.relative_to(PurePath(root)).as_posix()
    except ValueError:
        return path

#: Figure -> (named inputs of rule ``figures`` it is drawn from, its module in report/figures/).
FIGURE_SOURCES: dict[str, tuple[tuple[str, ...], str]] = {
    "flow": (("flow", "captions"), "flow"),
    "change": (("change", "captions"), "change"),
    "ae": (("dataset", "captions"), "services"),
    "forest": (("ancova", "satisfaction", "engagement", "captions"), "models"),
    "themes": (("counts", "framework", "captions"), "themes"),
    "survey": (("survey", "captions"), "survey"),
    "scores": (("scores", "measures", "captions"), "scores"),
}

#: Table -> (named inputs of rule ``tables`` it is built from, its module in report/tables/).
TABLE_SOURCES: dict[str, tuple[tuple[str, ...], str]] = {
    "table1": (("table1", "captions"), "quantitative"),
    "flow": (("flow", "captions"), "quantitative"),
    "change": (("change", "captions"), "quantitative"),
    "service_use": (("service_use", "captions"), "quantitative"),
    "models": (("ancova", "satisfaction", "engagement", "captions"), "quantitative"),
    "sensitivity": (("ancova_sensitivity", "engagement_sensitivity", "captions"), "quantitative"),
    "reliability": (("reliability", "measures", "captions"), "quantitative"),
    "qual_counts": (("counts", "framework", "captions"), "qualitative"),
    "quotes": (("quotes", "framework", "captions"), "qualitative"),
    "survey": (("response", "binary", "likert"), "qualitative"),
    "reproduction": (("published", "manifest", "table1_check"), "published"),
    "table1_check": (("table1_check",), "published"),
    "provenance": (("manifest",), "provenance"),
    "figures_provenance": (("figures",), "provenance"),
    "changes": (("changes", "sentences", "accepted_tables", "accepted_figures", "figures"), "build"),
}


def _code_for(paths: Iterable[str], folder: str, module: str) -> list[str]:
    """Package code an artefact depends on: everything outside ``report/<folder>/``,
    and in it only the shared modules and the artefact's own module."""
    keep = {"__init__", "build", "markdown", "style", module}
    out = []
    for p in paths:
        parts = PurePosixPath(p).parts
        inside = len(parts) >= 2 and parts[-3:-1] == ("report", folder)
        if not inside or PurePosixPath(p).stem in keep:
            out.append(p)
    return out


def artefact_record(
    name: str,
    kind: str,
    rule: str,
    script: str,
    named_inputs: Mapping[str, Any],
    hashes: Mapping[str, str],
    package_dir: str = "workflow/selfcare",
) -> dict[str, Any]:
    """Provenance of one figure or table: the specific files it was built from.

    Parameters
    ----------
    name : str
        Figure or table name (a key of :data:`FIGURE_SOURCES` or
        :data:`TABLE_SOURCES`).
    kind : {"figure", "table"}
    rule, script : str
        The rule that built it and its script.
    named_inputs : mapping
        The rule's named inputs (name -> path or list of paths); ``code``
        holds the package sources.
    hashes : mapping
        Path -> SHA-256 of every input.
    package_dir : str
        Folder of the package, relative to the repository root.

    Returns
    -------
    dict
        ``{name, rule, script, module, inputs: [{path, sha256}], code: [{path, sha256}]}``.

    Raises
    ------
    KeyError
        If the name is unknown or names an input the rule does not have.
    """
    sources = FIGURE_SOURCES if kind == "figure" else TABLE_SOURCES
    if name not in sources:
        raise KeyError(f"no sources declared for {kind} {name!r} in selfcare.report.provenance")
    inputs, module = sources[name]
    folder = "figures" if kind == "figure" else "tables"
    paths: list[str] = []
    for input_name in inputs:
        if input_name not in named_inputs:
            raise KeyError(f"{kind} {name!r}: rule {rule} has no input named {input_name!r}")
        value = named_inputs[input_name]
        paths += [value] if isinstance(value, str) else [str(v) for v in value]
    code = named_inputs.get("code", [])
    code = _code_for([code] if isinstance(code, str) else [str(c) for c in code], folder, module)
    return {
        "name": name, "rule": rule, "script": script, "module": f"{package_dir}/report/{folder}/{module}.py",
        "inputs": [{"path": p, "sha256": hashes.get(p, "")} for p in sorted(set(paths))],
        "code": [{"path": p, "sha256": hashes.get(p, "")} for p in sorted(set(code))],
    }
