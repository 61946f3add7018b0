"""The mutation record (.ci/mutation.py --record / --reuse-record): a recorded
score is reused only for byte-identical inputs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def mutation(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("ci_mutation", ROOT / ".ci" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tree = {
        "workflow/selfcare/__init__.py": '"""pkg"""\n',
        "workflow/selfcare/stage/__init__.py": '"""stage"""\n',
        "workflow/selfcare/stage/a.py": "from selfcare.stage.b import f\n",
        "workflow/selfcare/stage/b.py": "def f():\n    return 1\n",
        "workflow/selfcare/stage/unrelated.py": "def g():\n    return 2\n",
        "tests/conftest.py": "import selfcare.stage.a\n",
        "tests/stage/test_a.py": "from selfcare.stage.a import f\n",
        "config/config.yaml": "a: 1\n",
        "resources/data.csv": "x\n1\n",
        "requirements.lock": "pandas==1\n",
        ".ci/mutation.toml": 'target = 90\n[groups.g]\nmodules = ["stage/a.py"]\ntests = ["tests/stage"]\n',
        ".ci/mutation.py": "# the script\n",
        ".ci/mutation-equivalent.toml": "",
    }
    for rel, text in tree.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "PACKAGE", tmp_path / "workflow" / "selfcare")
    monkeypatch.setattr(module, "CONFIG", tmp_path / ".ci" / "mutation.toml")
    monkeypatch.setattr(module, "EQUIVALENT", tmp_path / ".ci" / "mutation-equivalent.toml")
    monkeypatch.setattr(module, "RECORD", tmp_path / ".ci" / "mutation-record.json")
    monkeypatch.setattr(module, "SCRIPT", tmp_path / ".ci" / "mutation.py")
    return module, tmp_path


SPEC = {"modules": ["stage/a.py"], "tests": ["tests/stage"]}


def test_inputs_follow_imports_tests_and_conftests(mutation):
    module, root = mutation
    names = {p.relative_to(root).as_posix() for p in module.group_inputs(SPEC)}
    assert {"workflow/selfcare/stage/a.py", "workflow/selfcare/stage/b.py", "tests/stage/test_a.py",
            "tests/conftest.py", "config/config.yaml", "resources/data.csv", "requirements.lock"} <= names
    assert "workflow/selfcare/stage/unrelated.py" not in names


@pytest.mark.parametrize("rel", ["workflow/selfcare/stage/a.py", "workflow/selfcare/stage/b.py",
                                 "tests/stage/test_a.py", "tests/conftest.py", "config/config.yaml",
                                 "requirements.lock", ".ci/mutation-equivalent.toml", ".ci/mutation.py"])
def test_any_input_change_changes_the_digest(mutation, rel):
    module, root = mutation
    before = module.group_digest("g", SPEC)
    (root / rel).write_text((root / rel).read_text() + "# changed\n")
    assert module.group_digest("g", SPEC) != before


def test_unrelated_module_and_spec(mutation):
    module, root = mutation
    before = module.group_digest("g", SPEC)
    (root / "workflow/selfcare/stage/unrelated.py").write_text("def g():\n    return 3\n")
    assert module.group_digest("g", SPEC) == before
    assert module.group_digest("g", {**SPEC, "tests": ["tests/stage", "tests/other"]}) != before
    assert module.group_digest("other", SPEC) != before


def test_reuse_record_uses_only_a_matching_digest(mutation, capsys, monkeypatch):
    module, root = mutation
    monkeypatch.setattr(module, "WORK", root / ".mutation")
    row = {"module": "stage/a.py", "mutants": 10, "killed": 8, "survived": 2, "equivalent": 0, "score": 80.0}
    digest = module.group_digest("g", module.load_config()["groups"]["g"])
    (root / ".ci" / "mutation-record.json").write_text(
        json.dumps({"g": {"digest": digest, "measured": "test", "rows": [row]}}))
    # the recorded score is reused, and it is still held to the target
    assert module.main(["g", "--reuse-record"]) == 1
    assert "recorded scores used" in capsys.readouterr().out
    assert module.main(["g", "--reuse-record", "--no-fail"]) == 0
    # a changed input: the group would run (mutmut) instead of taking the record
    (root / "workflow/selfcare/stage/b.py").write_text("def f():\n    return 2\n")
    ran = []
    monkeypatch.setattr(module, "stage", lambda group, spec, fresh: ran.append((group, fresh)) or root)
    monkeypatch.setattr(module, "run_mutmut", lambda *a: True)
    monkeypatch.setattr(module, "collect", lambda *a: ([row], [], set()))
    module.main(["g", "--reuse-record", "--no-fail"])
    assert ran == [("g", True)]


def test_record_needs_fresh(mutation):
    module, _ = mutation
    with pytest.raises(SystemExit):
        module.main(["--record"])
