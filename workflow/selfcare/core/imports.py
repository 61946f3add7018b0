"""Which package modules a piece of code imports (for rule inputs and provenance).

Standard library only, so that ``workflow/rules/common.smk`` can trace every
rule's script at parse time without importing pandas: parsing is cached by
source text, so one Snakemake invocation parses each module once however many
rules reach it.
"""

from __future__ import annotations

import ast
import functools
import re
from typing import Mapping

#: A line that may hold (or begin) an import of the package.
_CANDIDATE = re.compile(r"^[^\n]*\bselfcare\b[^\n]*$", re.M)
#: Top-level code that makes a module non-trivial (a definition or an import at column 0).
_CODE_START = re.compile(r"^(?:(?:async[ \t]+)?def[ \t]+\w+[ \t]*\(|class[ \t]+\w+[ \t]*[(:]|import[ \t]+[\w.]+"
                         r"|from[ \t]+[\w.]+[ \t]+import[ \t])", re.M)


def _logical_line(source: str, start: int) -> str:
    """The code from ``start`` (a line's start) to the end of its logical line
    (parenthesised or backslash-continued lines joined), dedented."""
    end = start
    depth = 0
    while end < len(source):
        ch = source[end]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "\\" and source[end + 1: end + 2] == "\n":
            end += 2
            continue
        elif ch == "\n" and depth <= 0:
            break
        end += 1
    return source[start:end].strip()


def _in_docstring(source: str, pos: int) -> bool:
    """Whether ``pos`` lies inside a triple-quoted string (an odd number of them opened before)."""
    return (source.count('"""', 0, pos) + source.count("'''", 0, pos)) % 2 == 1


@functools.lru_cache(maxsize=None)
def _imports(source: str) -> frozenset[str]:
    """:func:`_imports_ast` without parsing the whole module: only the logical
    lines that name ``selfcare`` and ``import`` outside a docstring are parsed
    (the whole module when they do not parse alone). ``tests/core/test_imports.py`` checks that
    both give the same answer on every module and script of the package."""
    if "selfcare" not in source:
        return frozenset()
    statements = [
        _logical_line(source, m.start()) for m in _CANDIDATE.finditer(source)
        if ("import" in m.group() or m.group().rstrip().endswith("\\")) and not _in_docstring(source, m.start())
    ]
    try:
        return _imports_ast("\n".join(statements))
    except SyntaxError:
        return _imports_ast(source)


@functools.lru_cache(maxsize=None)
def _imports_ast(source: str) -> frozenset[str]:
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


@functools.lru_cache(maxsize=None)
def _is_trivial(source: str) -> bool:
    """True for a module that cannot change a result: nothing but a docstring
    and dunder metadata such as ``__version__`` (an ``__init__`` of that kind).
    A module with a top-level definition or import is not parsed to know it."""
    if any(not _in_docstring(source, m.start()) for m in _CODE_START.finditer(source)):
        return False
    return _is_trivial_ast(source)


@functools.lru_cache(maxsize=None)
def _is_trivial_ast(source: str) -> bool:
    """:func:`_is_trivial` by parsing the whole module."""

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
