"""Provenance of reported numbers: which code and data produced each one.

Pure helpers used by the ``collect_numbers`` rule: the package modules a
script imports (directly and through other package modules), and the rule
information the provenance manifest needs.
"""

from __future__ import annotations

import ast
from typing import Any, Mapping

from selfcare.tables import provenance_anchor



def _imports(source: str) -> set[str]:
    """Names of ``selfcare`` modules a piece of code imports (any form, any scope)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "selfcare" and len(parts) > 1:
                    found.add(parts[1])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "selfcare":
                continue
            if len(parts) > 1:
                found.add(parts[1])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def imported_modules(source: str, modules: Mapping[str, str]) -> list[str]:
    """Package modules a piece of code uses, followed through the package.

    Parameters
    ----------
    source : str
        Text of a script.
    modules : mapping
        Module name (e.g. ``"analysis"``) -> its source text, for every module
        of the package.

    Returns
    -------
    list of str
        Sorted module names: the transitive closure of the imports (import
        statements of every form and scope, aliases included).
    """
    seen: set[str] = set()
    todo = [source]
    while todo:
        for name in _imports(todo.pop()):
            if name in modules and name not in seen:
                seen.add(name)
                todo.append(modules[name])
    return sorted(seen)


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


def link_factory(manifest: list[Mapping[str, Any]]):
    """A link function for the HTML: each number links to its provenance row,
    with the producing rule and file as its tooltip.

    Parameters
    ----------
    manifest : list of mapping
        The provenance manifest (``key, rule, output``).
    """
    by_key = {m["key"]: m for m in manifest}

    def link(key: str, display: str) -> str:
        m = by_key.get(key)
        if m is None:
            return display
        title = f"{key}: rule {m['rule']}, file {m['output']}"
        return f'[{display}](#{provenance_anchor(key)}){{.num title="{title}"}}'

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
        Package module name -> its source.
    module_dir : str
        Where the package modules live, relative to the repository root
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
    script_modules = {
        s: [f"{module_dir}/{m}.py" for m in imported_modules(script_texts[s], module_texts)] for s in script_texts
    }
    info = rule_info(records, rule_scripts, script_modules)
    paths = {r["output"] for r in records}
    for entry in info.values():
        paths.update([entry["script"], *entry["inputs"], *entry["modules"]])
    clean = [{k: v for k, v in r.items() if k != "job_inputs"} for r in records]
    return clean, info, sorted(paths)
