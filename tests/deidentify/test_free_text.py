"""Every free-text field is scrubbed or dropped (issue 12, item 5).

A register name is planted in the REFI-QDA project name and description, a
code description, a selection name, a memo (Note) and a correction's reason;
none of it reaches any output of the de-identification stage.
"""

from __future__ import annotations

import dataclasses
import io as _io
import re
import zipfile

import pandas as pd
import pytest
from selfcare.core import io as sio
from selfcare.deidentify.keys import load_key
from selfcare.deidentify.leaks import scan_text
from selfcare.deidentify.pipeline import FREE_TEXT, PROJECT_NAME, deidentify
from selfcare.refiqda.archive import read_qdpx, write_qdpx

TABLES = ["participants", "demographics", "baseline", "followup", "attendance",
          "interviewees", "interviews", "screening", "survey"]


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(_io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}


@pytest.fixture(scope="module")
def planted(shipped_files, raw_tables, configs, repo_root):
    reg = raw_tables["participants"]
    person = reg[(reg["consent_data"] == "yes") & reg["full_name"].str.fullmatch(r"[A-Za-z]+ [A-Za-z]+")].iloc[0]
    name = person["full_name"]
    xsd = sio.read_text(repo_root / "resources" / "refi-qda" / "project.xsd")
    project = read_qdpx(_members(shipped_files["coding.qdpx"]), xsd)
    code = project.codes[0]
    src = project.sources[0]
    sel = dataclasses.replace(src.selections[0], name=f"what {name} said")
    project = dataclasses.replace(
        project,
        name=f"{name} coding project",
        description=f"Memo: {name} was upset",
        codes=[dataclasses.replace(code, description=f"e.g. {name} at home"), *project.codes[1:]],
        sources=[dataclasses.replace(src, selections=[sel, *src.selections[1:]]), *project.sources[1:]],
    )
    members = write_qdpx(project)
    qde = members["project.qde"].decode()
    note = (f'<Notes><Note guid="11111111-2222-3333-4444-555555555555" name="memo about {name}">'
            f"<PlainTextContent>{name} phoned</PlainTextContent></Note></Notes>")
    assert "</Sources>" in qde
    members["project.qde"] = qde.replace("</Sources>", "</Sources>" + note, 1).encode()
    assert read_qdpx(members, xsd).name  # still a valid export
    tables = {t: raw_tables[t] for t in TABLES}
    tables["corrections"] = pd.DataFrame([{
        "correction_id": "C901", "file": "participants.csv", "record_id": person["study_id"], "column": "site",
        "old_value": person["site"], "new_value": person["site"], "reason": f"{name} rang to say",
        "corrected_on": "2008-11-04"}])
    key, _ = load_key(None, None, sio.decode_utf8(shipped_files["demo_pseudonym_key.txt"], "k"), synthetic=True)
    res = deidentify(tables, members, xsd, configs["allowlist"], configs["measures"],
                     configs["config"]["deidentify"], key, {"participants": ["study_id"]})
    return {"result": res, "name": name, "xsd": xsd}


def _outputs(res) -> dict[str, str]:
    out = {f"{n}.csv": sio.csv_text(df) for n, df in res["tables"].items()}
    out["release.csv"] = sio.csv_text(res["release"])
    out.update({f"qdpx:{m}": b.decode("utf-8") for m, b in res["qdpx"].items()})
    out["deid_report.json"] = sio.dump_json(res["report"])
    return out


def test_no_planted_free_text_reaches_any_output(planted, register_leak_index):
    name = planted["name"]
    for where, text in _outputs(planted["result"]).items():
        for part in name.split():
            assert not re.search(rf"(?i)\b{part}\b", text), where
        assert sum(scan_text(text, register_leak_index).values()) == 0, where
        assert "rang to say" not in text and "phoned" not in text and "was upset" not in text, where


def test_each_free_text_field_is_handled_as_documented(planted):
    project = read_qdpx(planted["result"]["qdpx"], planted["xsd"])
    assert project.name == PROJECT_NAME
    assert project.description == "De-identified coding export"
    assert "[NAME]" in (project.codes[0].description or "")
    assert all(s.name == "" for src in project.sources for s in src.selections)
    assert all(re.fullmatch(r"coder \d+", u.name) for u in project.users)
    assert "<Note" not in planted["result"]["qdpx"]["project.qde"].decode()
    assert planted["result"]["report"]["free_text"] == FREE_TEXT
