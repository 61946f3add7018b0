"""The data steward's commands: list pending words in context, record decisions (hashes only)."""

from __future__ import annotations

import dataclasses
import shutil

from selfcare.core import io as sio
from selfcare.deidentify.keys import load_key
from selfcare.deidentify.review import review_hash
from selfcare.deidentify.steward import main
from selfcare.refiqda.archive import read_qdpx, write_qdpx


def test_list_and_decide(tmp_path, repo_root, monkeypatch, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(repo_root / "resources" / "synthetic", raw)
    xsd = sio.read_text(repo_root / "resources" / "refi-qda" / "project.xsd")
    project = read_qdpx(sio.read_zip(raw / "coding.qdpx"), xsd)
    src = project.sources[0]
    src = dataclasses.replace(src, text=src.text + "\nRespondent: Then Okwuosa rang.\n")
    sio.write_zip(raw / "coding.qdpx", write_qdpx(dataclasses.replace(project, sources=[src, *project.sources[1:]])))
    cfg = sio.read_yaml(repo_root / "config" / "config.yaml")
    cfg["data"]["raw_dir"] = str(raw)
    cfg["deidentify"]["review_decisions"] = str(tmp_path / "decisions.yaml")
    sio.write_yaml(tmp_path / "config.yaml", cfg)
    sio.write_yaml(tmp_path / "decisions.yaml", {"decisions": {}})
    sio.write_json(tmp_path / "validated.json", {"synthetic": True, "synthetic_reason": "test"})
    monkeypatch.chdir(repo_root)
    monkeypatch.delenv(cfg["deidentify"]["key_env"], raising=False)
    args = ["--config", str(tmp_path / "config.yaml"), "--validated", str(tmp_path / "validated.json")]
    assert main([*args, "list"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    key, _ = load_key(None, None, sio.read_text(raw / "demo_pseudonym_key.txt"), synthetic=True)
    h = review_hash("Okwuosa", key)
    assert len(out) == 1 and out[0].startswith(f"{h}  {src.name}:") and ">>Okwuosa<<" in out[0]
    assert main([*args, "decide", h, "redact"]) == 0
    saved = sio.read_text(tmp_path / "decisions.yaml")
    assert h in saved and "redact" in saved and "kwuosa" not in saved.lower()
    capsys.readouterr()
    assert main([*args, "list"]) == 0
    assert capsys.readouterr().out == ""
