"""Fail closed means nothing left behind (issue 12, item 6).

Pre-correction spellings and accent variants of register names are scrubbed
from transcripts and found by the leak check; outputs the leak check flags
are moved out of results/ into quarantine/leak_check/.
"""

from __future__ import annotations

import dataclasses
import io as _io
import zipfile
from typing import Any

import pandas as pd
import pytest
from selfcare.core import io as sio
from selfcare.deidentify.keys import load_key
from selfcare.deidentify.leaks import LeakError, build_leak_index, register_identifiers, scan_text
from selfcare.deidentify.names import build_name_matcher
from selfcare.deidentify.pipeline import deidentify
from selfcare.refiqda.archive import read_qdpx, write_qdpx

TABLES = ["participants", "demographics", "baseline", "followup", "attendance",
          "interviewees", "interviews", "screening", "survey"]
PRIMARY_KEYS = {"participants": ["study_id"], "interviewees": ["person_id"]}


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(_io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}


def _misspelt(name: str) -> str:
    """Swap the second and third letters of the first name (Sarah -> Sraah)."""
    first, rest = name.split(" ", 1)
    return f"{first[0]}{first[2]}{first[1]}{first[3:]} {rest}"


@pytest.fixture(scope="module")
def corrected_run(shipped_files, raw_tables, configs, repo_root) -> dict[str, Any]:
    tables = {t: raw_tables[t].copy() for t in TABLES}
    reg = tables["participants"]
    row = reg.index[reg["full_name"].str.fullmatch(r"[A-Z][a-z]{4,} [A-Z][a-z]+") & (reg["consent_data"] == "yes")][0]
    right = reg.at[row, "full_name"]
    wrong = _misspelt(right)
    reg.at[row, "full_name"] = wrong  # the hand-over's spelling, put right by a correction
    tables["corrections"] = pd.DataFrame([{
        "correction_id": "C900", "file": "participants.csv", "record_id": reg.at[row, "study_id"],
        "column": "full_name", "old_value": wrong, "new_value": right, "reason": "name misspelt at registration",
        "corrected_on": "2008-11-04"}])
    xsd = sio.read_text(repo_root / "resources" / "refi-qda" / "project.xsd")
    members = _members(shipped_files["coding.qdpx"])
    project = read_qdpx(members, xsd)
    src = project.sources[0]
    pos = src.text.index("\n\n") + 2
    block = f"Respondent: I spoke to {wrong.split()[0]} and to Zoe, and Zoë said so.\n\n"
    sels = [dataclasses.replace(s, start=s.start + len(block), end=s.end + len(block)) if s.start >= pos else s
            for s in src.selections]
    src2 = dataclasses.replace(src, text=src.text[:pos] + block + src.text[pos:], selections=sels)
    project = dataclasses.replace(project, sources=[src2, *project.sources[1:]])
    ivs = tables["interviewees"]
    ivs.at[ivs.index[0], "full_name"] = "Zoë " + ivs.at[ivs.index[0], "full_name"].split(" ", 1)[1]
    key, _ = load_key(None, None, sio.decode_utf8(shipped_files["demo_pseudonym_key.txt"], "k"), synthetic=True)
    res = deidentify(tables, write_qdpx(project), xsd, configs["allowlist"], configs["measures"],
                     configs["config"]["deidentify"], key, PRIMARY_KEYS)
    return {"result": res, "source": src.name, "wrong": wrong, "right": right, "tables": tables}


def test_a_pre_correction_spelling_is_scrubbed_from_transcripts(corrected_run):
    text = corrected_run["result"]["texts"][corrected_run["source"]]
    assert corrected_run["wrong"].split()[0] not in text
    assert "I spoke to [NAME] and to [NAME], and [NAME] said so." in text


def test_the_leak_index_holds_pre_correction_and_corrected_values(corrected_run):
    tables = corrected_run["tables"]
    index = build_leak_index(register_identifiers(
        {"participants": tables["participants"], "interviewees": tables["interviewees"]}, tables["corrections"]))
    assert scan_text(f"met {corrected_run['wrong'].split()[0]} today", index)["name"] == 1
    assert scan_text(f"met {corrected_run['right'].split()[0]} today", index)["name"] == 1


@pytest.mark.parametrize("register, text", [("Zoë Adamsová", "zoe adamsova"), ("Zoe Adams", "ZOË")])
def test_accent_variants_are_caught_by_scrubber_and_leak_check(register, text):
    index = build_leak_index([{"type": "name", "value": register}])
    assert scan_text(text, index)["name"] >= 1
    matcher = build_name_matcher([register])
    assert matcher.find(text)


def test_flagged_outputs_are_moved_out_of_results(tmp_path):
    results = tmp_path / "results"
    (results / "qualitative").mkdir(parents=True)
    bad = results / "qualitative" / "quotes.csv"
    bad.write_text("quote\nplanted\n")
    keep = results / "qualitative" / "counts.csv"
    keep.write_text("n\n1\n")
    moved = sio.quarantine_files([bad], results, tmp_path / "quarantine" / "leak_check")
    assert not bad.exists() and keep.exists()
    assert moved == [str(tmp_path / "quarantine" / "leak_check" / "qualitative" / "quotes.csv")]
    report = {"hits": [{"file": "results/qualitative/quotes.csv", "type": "name", "count": 1}],
              "quarantined": moved, "quarantine_dir": "quarantine/leak_check"}
    msg = str(LeakError(report))
    assert "moved out of results/ to quarantine/leak_check/" in msg and "planted" not in msg
