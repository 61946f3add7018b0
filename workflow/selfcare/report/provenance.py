"""Provenance of reported numbers: which code and data produced each one.

Pure helpers used by the ``collect_numbers`` rule: the package modules a
script imports (directly and through other package modules), and the rule
information the provenance manifest needs.
"""

from __future__ import annotations

import ast
import functools
from typing import Any, Mapping

from selfcare.report.tables.markdown import provenance_anchor


@functools.lru_cache(maxsize=None)
def _imports(source: str) -> frozenset[str]:
    """Dotted names a piece of code may import from ``selfcare`` (any form, any scope).

    Each ``import a.b`` or ``from a.b import c`` yields ``a.b``, its parent
    packages and ``a.b.c`` (which is a module when ``c`` is a submodule); the
    caller keeps the names that are modules of the package. Relative imports
    are not used in the package (a layout test keeps it so). The result is
    cached by source text, so a Snakemake invocation parses each module once
    however many rules trace it.
    """
    found: set[str] = set()

    def add(dotted: str) -> None:
        parts = dotted.split(".")
        found.update(".".join(parts[: i + 1]) for i in range(len(parts)))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "selfcare":
                    add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "selfcare":
                continue
            add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(found)


def _is_trivial(source: str) -> bool:
    """True for a module that cannot change a result: nothing but a docstring
    and dunder metadata such as ``__version__`` (an ``__init__`` of that kind)."""

    def inert(node: ast.stmt) -> bool:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return True
        return isinstance(node, ast.Assign) and all(
            isinstance(t, ast.Name) and t.id.startswith("__") and t.id.endswith("__") for t in node.targets
        ) and isinstance(node.value, ast.Constant)

    return all(inert(n) for n in ast.parse(source).body)


def imported_modules(source: str, modules: Mapping[str, str]) -> list[str]:
    """Package modules a piece of code uses, followed through the package.

    Parameters
    ----------
    source : str
        Text of a script.
    modules : mapping
        Dotted module name (``"selfcare.analysis.models"``; a package by its
        own name, for its ``__init__``) -> its source text, for every module
        of the package.

    Returns
    -------
    list of str
        Sorted dotted names: the transitive closure of the imports (import
        statements of every form and scope, aliases included). A package's
        ``__init__`` counts when it holds code besides its docstring and
        dunder metadata, since importing any of its modules runs it.
    """
    seen: set[str] = set()
    todo = [source]
    while todo:
        for name in _imports(todo.pop()):
            if name in modules and name not in seen:
                seen.add(name)
                todo.append(modules[name])
    return sorted(n for n in seen if not _is_trivial(modules[n]))


def package_names(modules: Mapping[str, str]) -> frozenset[str]:
    """The dotted names in ``modules`` that are packages (some other name lies below them)."""
    return frozenset(n.rsplit(".", 1)[0] for n in modules if "." in n)


def module_path(name: str, package_dirs: set[str] | frozenset[str], root: str = "workflow") -> str:
    """Repository path of a dotted module name (``__init__.py`` for a package).

    Parameters
    ----------
    name : str
        Dotted module name, e.g. ``"selfcare.analysis.models"``.
    package_dirs : set of str
        Dotted names that are packages (directories with ``__init__.py``).
    root : str
        Directory that holds the top-level package, relative to the
        repository root.
    """
    base = f"{root}/{name.replace('.', '/')}"
    return f"{base}/__init__.py" if name in package_dirs else f"{base}.py"


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
