"""Provenance of reported numbers: which code and data produced each one.

Pure helpers used by the ``collect_numbers`` rule: the package modules a
script imports (directly and through other package modules), and the rule
information the provenance manifest needs.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from selfcare.tables import provenance_anchor

_IMPORT = re.compile(r"^\s*(?:from\s+selfcare(?:\.(\w+))?\s+import\s+([\w\s,()]+)|import\s+selfcare\.(\w+))", re.M)


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
        Sorted module names, the transitive closure of the imports.
    """
    seen: set[str] = set()
    todo = [source]
    while todo:
        text = todo.pop()
        for sub, names, plain in _IMPORT.findall(text):
            found = [sub or plain] if (sub or plain) else [n.strip() for n in names.replace("(", "").replace(")", "").split(",")]
            for name in found:
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
