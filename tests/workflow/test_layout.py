"""The package mirrors the workflow's stages (README, "Where the code lives").

Checked here, by reading the source (no imports):

* one subpackage per stage, and a test folder per subpackage;
* nothing under a stage subpackage imports the simulator (``selfcare.synth``);
* no relative imports (provenance tracing resolves absolute imports only);
* modules stay near 600 lines and functions under 80 lines of code (the
  docstring not counted), unless a stated reason says why;
* every rule's script makes its package calls from the rule's own stage (or
  the shared core and report), and the README's table names each rule's
  package modules.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "workflow" / "selfcare"
STAGES = ("raw", "deidentify", "scoring", "analysis", "qualitative", "survey", "report")
SHARED = ("core", "refiqda")
#: Tools beside the stages: they may import the simulator (they time or rerun the workflow).
TOOLS = ("synth", "benchmark")
MAX_MODULE_LINES = 620  # "about 600"
MAX_FUNCTION_LINES = 80  # code lines, docstring excluded
#: Modules allowed to be longer, with the reason.
LONG_MODULES = {
    "report/formatting.py": "the project's rule: all number formatting lives in one module",
}
REASON = "Long function:"


def modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def selfcare_imports(tree: ast.AST) -> list[tuple[int, str, int]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, 0) for a in node.names if a.name.split(".")[0] == "selfcare"]
        elif isinstance(node, ast.ImportFrom):
            if node.level or (node.module or "").split(".")[0] == "selfcare":
                out += [(node.lineno, f"{node.module or ''}", node.level)]
                out += [(node.lineno, f"{node.module}.{a.name}", node.level) for a in node.names]
    return out


def test_one_subpackage_per_stage_and_a_test_folder_for_each():
    subpackages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert set(STAGES) | set(SHARED) | set(TOOLS) == subpackages
    tests = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert set(STAGES) | set(TOOLS) | {"refiqda", "workflow"} <= tests
    assert not list((ROOT / "tests").glob("test_*.py")), "tests live in tests/<stage>/"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_stage_imports_the_simulator_and_no_relative_imports(path):
    rel = path.relative_to(PACKAGE)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for line, name, level in selfcare_imports(tree):
        assert level == 0, f"{rel}:{line}: relative import"
        if rel.parts[0] not in TOOLS and rel.name != "scenario.py":  # the simulator's users
            assert not name.startswith("selfcare.synth"), f"{rel}:{line} imports the simulator"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_and_function_sizes(path):
    rel = str(path.relative_to(PACKAGE))
    text = path.read_text(encoding="utf-8")
    if rel not in LONG_MODULES:
        assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{rel} has {len(text.splitlines())} lines"
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        doc = ast.get_docstring(node)
        first = node.body[0]
        doc_lines = first.end_lineno - first.lineno + 1 if doc is not None else 0
        code = node.end_lineno - node.lineno + 1 - doc_lines
        if code > MAX_FUNCTION_LINES:
            assert doc and REASON in doc, f"{rel}:{node.lineno} {node.name} has {code} lines of code and no stated reason"


def rules():
    """(rule, script) for every rule of workflow/rules/*.smk."""
    out = []
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        text = smk.read_text(encoding="utf-8")
        for m in re.finditer(r"^rule (\w+):(.*?)(?=^rule |\Z)", text, re.S | re.M):
            script = re.search(r'script:\s*\n\s*"\.\./scripts/(\w+\.py)"', m.group(2))
            if script:
                out.append((smk.stem, m.group(1), script.group(1)))
    return out


RULE_STAGE = {"validate": ("raw",), "deidentify": ("deidentify",), "score": ("scoring",), "analysis": ("analysis",),
              "qualitative": ("qualitative", "survey"), "manuscript": ("report", "deidentify")}


@pytest.mark.parametrize("smk,rule,script", rules(), ids=lambda x: str(x))
def test_script_calls_its_own_stage(smk, rule, script):
    tree = ast.parse((ROOT / "workflow" / "scripts" / script).read_text(encoding="utf-8"))
    stages = {name.split(".")[1] for _, name, _ in selfcare_imports(tree) if name.count(".") >= 1}
    assert stages - {"core"} <= set(RULE_STAGE[smk]) | {"report", "refiqda"}, (rule, stages)
    assert "synth" not in stages


def test_readme_maps_every_rule_to_its_package_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Where the code lives", 1)[1].split("\n## ", 1)[0]
    for smk, rule, script in rules():
        row = next((line for line in section.splitlines() if line.startswith(f"| `{rule}`")), None)
        assert row, f"rule {rule} is missing from the README's table"
        assert f"`workflow/scripts/{script}`" in row, rule
        tree = ast.parse((ROOT / "workflow" / "scripts" / script).read_text(encoding="utf-8"))
        called = {name.rsplit(".", 1)[0] if name.count(".") > 2 else name for _, name, _ in selfcare_imports(tree)}
        stage_modules = {m for m in called if m.split(".")[1] not in ("core",)}
        for module in stage_modules:
            if (PACKAGE.parent / (module.replace(".", "/") + ".py")).exists():
                assert f"`{module.removeprefix('selfcare.')}`" in row, (rule, module)
