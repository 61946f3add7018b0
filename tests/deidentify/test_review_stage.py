"""The review step and the new identifier classes through the whole stage
(issue 12, items 1, 3, 4, 5): a transcript with a name no register lists, an
address, a ward, a diminutive and a word the scrubber cannot place; a raw
free-text column. The unplaced word stops the stage until decided."""

from __future__ import annotations

import dataclasses
import io as _io
import re
import zipfile

import pytest
from selfcare.core import io as sio
from selfcare.deidentify.keys import load_key
from selfcare.deidentify.pipeline import REVIEW_FILE, deidentify, review_transcripts
from selfcare.deidentify.review import ReviewPending, review_hash
from selfcare.refiqda.archive import read_qdpx, write_qdpx

TABLES = ["participants", "demographics", "baseline", "followup", "attendance",
          "interviewees", "interviews", "screening", "survey"]
PLANTED = ("Respondent: My care coordinator Quorvix Thaldrin came, and Dr Ramirez, to 14 Acacia Road. "
           "I was on Juniper Ward at Meadowbrook Hospital. Then Okwuosa rang.\n\n")
GONE = ["Quorvix", "Thaldrin", "Ramirez", "Acacia", "Juniper", "Meadowbrook", "Okwuosa"]


@pytest.fixture(scope="module")
def planted(shipped_files, raw_tables, configs, repo_root):
    tables = {t: raw_tables[t].copy() for t in TABLES}
    ivs = tables["interviewees"]
    ivs["role"] = ivs["role"].astype(object)
    ivs.at[ivs.index[0], "role"] = "works with Quorvix Thaldrin"
    xsd = sio.read_text(repo_root / "resources" / "refi-qda" / "project.xsd")
    with zipfile.ZipFile(_io.BytesIO(shipped_files["coding.qdpx"])) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    project = read_qdpx(members, xsd)
    src = project.sources[0]
    pos = src.text.index("\n\n") + 2
    sels = [dataclasses.replace(s, start=s.start + len(PLANTED), end=s.end + len(PLANTED)) if s.start >= pos else s
            for s in src.selections]
    src2 = dataclasses.replace(src, text=src.text[:pos] + PLANTED + src.text[pos:], selections=sels)
    code = dataclasses.replace(project.codes[0], description="as Dr Ramirez put it")
    project = dataclasses.replace(project, sources=[src2, *project.sources[1:]], codes=[code, *project.codes[1:]])
    key, _ = load_key(None, None, sio.decode_utf8(shipped_files["demo_pseudonym_key.txt"], "k"), synthetic=True)
    cfg = configs["config"]["deidentify"]
    args = (tables, write_qdpx(project), xsd, configs["allowlist"], configs["measures"], cfg, key,
            {"participants": ["study_id"]})
    return {"args": args, "key": key, "source": src.name, "xsd": xsd}


def test_an_unplaced_word_stops_the_stage_naming_the_review_file(planted):
    with pytest.raises(ReviewPending, match=rf"1 word occurrence\(s\).*{re.escape(REVIEW_FILE)}") as err:
        deidentify(*planted["args"])
    assert "Okwuosa" not in str(err.value) and "okwuosa" not in str(err.value)


def test_the_review_file_lists_hashes_and_positions_only(planted):
    tables, members, xsd, _, _, cfg, key, pks = planted["args"]
    rows = review_transcripts(tables, members, xsd, cfg, key, {}, pks)
    assert [(r["hash"], r["source"], r["decision"]) for r in rows] == [
        (review_hash("Okwuosa", key), planted["source"], "pending")]
    assert "okwuosa" not in repr(rows).lower()


def test_with_a_decision_every_planted_identifier_is_gone(planted):
    h = review_hash("Okwuosa", planted["key"])
    res = deidentify(*planted["args"], decisions={h: "redact"})
    outputs = {f"{n}.csv": sio.csv_text(df) for n, df in res["tables"].items()}
    outputs.update({m: b.decode("utf-8") for m, b in res["qdpx"].items()})
    outputs.update(res["texts"])
    for where, text in outputs.items():
        for word in GONE:
            assert word not in text, (where, word)
    text = res["texts"][planted["source"]]
    assert "My care coordinator [NAME] came, and Dr [NAME], to [PLACE]." in text
    assert "I was on [PLACE] at [PLACE]. Then [NAME] rang." in text
    assert res["report"]["transcripts"]["review"] == {"occurrences": 1, "keep": 0, "redact": 1}
    assert "role" not in res["tables"]["interviewees"].columns  # a free-text column: dropped


def test_a_keep_decision_keeps_the_word(planted):
    h = review_hash("Okwuosa", planted["key"])
    res = deidentify(*planted["args"], decisions={h: "keep"})
    assert "Then Okwuosa rang." in res["texts"][planted["source"]]
