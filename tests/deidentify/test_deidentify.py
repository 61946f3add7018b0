"""Tests of selfcare.deidentify on the shipped SYNTHETIC hand-over.

The stage runs on the shipped raw tables (read with selfcare.core.io.parse_csv_text)
and the members of the shipped REFI-QDA export, with the demo key. Its outputs
are rendered as CSV text (tables, release) and zip members (export), and every
one is scanned with selfcare.deidentify.leaks.scan_text against an index of every
identifier in the registers. Canary identifiers planted in a transcript (odd
spacing, possessive, split over a line break, upper case, quoted, NHS number
with spaces, phone, e-mail, postcode, date of birth) must not survive.
Tests never print identifying values: failures report types and counts only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io as _io
import re
import zipfile
from typing import Any, Mapping

import pandas as pd
import pytest
from selfcare.core import io as sio
from selfcare.deidentify.generalise import smallest_class
from selfcare.deidentify.keys import (
    KEY_CONFIG_KEY,
    KEY_ENV_VAR,
    PseudonymKeyError,
    load_key,
)
from selfcare.deidentify.leaks import scan_bytes, scan_text
from selfcare.deidentify.pipeline import AllowListError, deidentify
from selfcare.deidentify.scrub import PLACEHOLDER_TYPES
from selfcare.refiqda.archive import read_qdpx, write_qdpx
from selfcare.refiqda.model import Project

TABLES = ["participants", "demographics", "baseline", "followup", "attendance",
          "interviewees", "interviews", "screening", "survey"]
#: Placeholder types the synthetic transcripts contain (URL: none are written).
PRESENT_TYPES = {"DATE", "EMAIL", "NAME", "NHS_NUMBER", "PHONE", "PLACE", "POSTCODE"}
PID_RE = re.compile(r"^P[0-9a-f]{10}$")
RAW_ID_RE = re.compile(r"(?<![\w-])(?:(?:LO|SO|NO)-\d{3}|(?:CA|ST|MG)-(?:LO|SO|NO)-\d{2})(?![\w-])")
OTHER_KEY = b"another-secret-key-for-tests-only-0123456789abcdef"


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(_io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}


@pytest.fixture(scope="module")
def inputs(shipped_files, raw_tables, configs, repo_root) -> dict[str, Any]:
    demo_text = sio.decode_utf8(shipped_files["demo_pseudonym_key.txt"], "demo key")
    key, source = load_key(None, None, demo_text, synthetic=True)
    assert source == "demo"
    return {
        "tables": {t: raw_tables[t] for t in TABLES},
        "members": _members(shipped_files["coding.qdpx"]),
        "xsd": sio.read_text(repo_root / "resources" / "refi-qda" / "project.xsd"),
        "allowlist": configs["allowlist"],
        "measures": configs["measures"],
        "cfg": configs["config"]["deidentify"],
        "key": key,
        "demo_text": demo_text,
    }


def run(inputs: Mapping[str, Any], **over: Any) -> dict[str, Any]:
    args = {k: inputs[k] for k in ("tables", "members", "xsd", "allowlist", "measures", "cfg", "key")}
    args.update(over)
    return deidentify(args["tables"], args["members"], args["xsd"], args["allowlist"],
                      args["measures"], args["cfg"], args["key"])


@pytest.fixture(scope="module")
def result(inputs) -> dict[str, Any]:
    return run(inputs)


def output_texts(res: Mapping[str, Any]) -> dict[str, str]:
    """Every output as text: tables and release as CSV, export members, report."""
    out = {f"{n}.csv": sio.csv_text(df) for n, df in res["tables"].items()}
    out["release/participants_release.csv"] = sio.csv_text(res["release"])
    out.update({f"coding.qdpx:{m}": b.decode("utf-8") for m, b in res["qdpx"].items()})
    out["deid_report.json"] = sio.dump_json(res["report"])
    return out


def total(counts: Mapping[str, int]) -> int:
    return sum(counts.values())


# ---------------------------------------------------------------------------
# No identifier in any output
# ---------------------------------------------------------------------------


def test_no_register_identifier_in_any_output(result, register_leak_index):
    texts = output_texts(result)
    assert len(texts) == len(TABLES) + 1 + len(result["qdpx"]) + 1
    leaks = {name: c for name, t in texts.items() if total(c := scan_text(t, register_leak_index))}
    assert not leaks, f"identifiers found in outputs (types and counts): {leaks}"


def test_scrubbed_texts_returned_have_no_identifier(result, register_leak_index):
    assert len(result["texts"]) == 87
    leaks = {name: total(scan_text(text, register_leak_index)) for name, text in result["texts"].items()}
    assert not {n: c for n, c in leaks.items() if c}, "identifiers left in scrubbed transcripts (counts)"


def test_leak_scan_sees_identifiers_in_raw_transcripts(inputs, register_leak_index):
    """Control: the scan that finds nothing in the outputs finds the raw ones."""
    raw = {"name": 0, "nhs_number": 0, "phone": 0, "email": 0, "postcode": 0}
    for m, b in inputs["members"].items():
        for kind, n in scan_bytes(b, register_leak_index).items():
            if kind in raw:
                raw[kind] += n
    assert all(n > 0 for n in raw.values()), {k: v > 0 for k, v in raw.items()}


def test_report_lists_replacements_of_the_types_present(result, inputs):
    by_type = result["report"]["transcripts"]["replacements_by_type"]
    assert set(by_type) == set(PLACEHOLDER_TYPES)
    assert {t for t, n in by_type.items() if n > 0} == PRESENT_TYPES
    # the types counted are really in the raw transcripts
    raw_text = "\n".join(b.decode("utf-8") for m, b in inputs["members"].items() if m.startswith("Sources/"))
    assert any(re.search(rf"\b{re.escape(p)}\b", raw_text) for p in inputs["cfg"]["places"])
    assert not re.search(r"https?://|www\.", raw_text)
    assert result["report"]["transcripts"]["sources"] == 87
    structured = result["report"]["structured"]["participants"]
    assert structured["full_name (dropped)"] == 121
    assert structured["nhs_number (dropped)"] == 121


def test_report_holds_counts_not_pseudonyms_or_ids(result):
    text = sio.dump_json(result["report"])
    n_ids = len(RAW_ID_RE.findall(text))
    assert n_ids == 0, "the report holds raw study or person IDs"
    pids = set(result["tables"]["participants"]["pid"])
    n_pids = sum(p in text for p in pids)
    assert n_pids == 0, "the report holds pseudonyms"


# ---------------------------------------------------------------------------
# Canaries planted in a transcript of the export
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def canary_person(raw_tables) -> dict[str, str]:
    reg = raw_tables["participants"]
    ok = (
        reg["full_name"].str.fullmatch(r"[A-Za-z]+ [A-Za-z]+")
        & reg["phone"].str.contains(" ", na=False)
        & reg["email"].notna()
        & reg["date_of_birth"].notna()
    )
    return reg[ok].iloc[0].to_dict()


@pytest.fixture(scope="module")
def canaries(canary_person) -> dict[str, tuple[str, str, str]]:
    """Canary -> (leak type, placeholder type, text)."""
    first, last = canary_person["full_name"].split(" ")
    nhs = canary_person["nhs_number"]
    phone = canary_person["phone"]
    pc = canary_person["postcode"]
    out_code, in_code = pc.split(" ")
    dob = pd.Timestamp(canary_person["date_of_birth"])
    return {
        "name_odd_spacing": ("name", "NAME", f"{first}   {last}"),
        "name_possessive": ("name", "NAME", f"{first}'s"),
        "name_line_break": ("name", "NAME", f"{first}\n{last}"),
        "name_upper_case": ("name", "NAME", f"{first.upper()} {last.upper()}"),
        "name_in_quotes": ("name", "NAME", f'"{first} {last}"'),
        "nhs_with_spaces": ("nhs_number", "NHS_NUMBER", f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"),
        "nhs_line_break": ("nhs_number", "NHS_NUMBER", f"{nhs[:3]} {nhs[3:6]}\n{nhs[6:]}"),
        "phone": ("phone", "PHONE", phone),
        "phone_line_break": ("phone", "PHONE", "\n".join(phone.rsplit(" ", 1))),
        "email": ("email", "EMAIL", canary_person["email"]),
        "postcode": ("postcode", "POSTCODE", pc),
        "postcode_line_break": ("postcode", "POSTCODE", f"{out_code}\n{in_code}"),
        "date_of_birth": ("date_of_birth", "DATE", f"{dob.day} {dob.strftime('%B')} {dob.year}"),
    }


def _plant(project: Project, source_name: str, block: str) -> tuple[Project, int]:
    """Insert ``block`` into one source after its header and shift the codings."""
    src = next(s for s in project.sources if s.name == source_name)
    pos = src.text.index("\n\n") + 2
    assert not any(s.start < pos < s.end for s in src.selections), "insertion point inside a coded passage"
    n = len(block)
    sels = [dataclasses.replace(s, start=s.start + n, end=s.end + n) if s.start >= pos else s for s in src.selections]
    new_src = dataclasses.replace(src, text=src.text[:pos] + block + src.text[pos:], selections=sels)
    sources = [new_src if s.name == source_name else s for s in project.sources]
    return dataclasses.replace(project, sources=sources), pos


@pytest.fixture(scope="module")
def canary_run(inputs, canaries) -> dict[str, Any]:
    project = read_qdpx(inputs["members"], inputs["xsd"])
    name = project.sources[0].name
    block = "Respondent: " + " ... ".join(f"I mean {text}, you know" for _, _, text in canaries.values()) + ".\n\n"
    planted, pos = _plant(project, name, block)
    members = write_qdpx(planted)
    # the rebuilt export reads back with the canaries and valid codings
    back = read_qdpx(members, inputs["xsd"])
    src_before = next(s for s in project.sources if s.name == name)
    src_after = next(s for s in back.sources if s.name == name)
    planted_ok = block in src_after.text
    assert planted_ok, "the canary block is not in the rebuilt export"
    moved = [
        a.guid
        for a, b in zip(src_before.selections, src_after.selections)
        if a.guid != b.guid or src_before.text[a.start:a.end] != src_after.text[b.start:b.end]
    ]
    assert len(src_before.selections) == len(src_after.selections) and not moved, moved
    return {"result": run(inputs, members=members), "source": name, "raw_text": src_after.text}


def test_canaries_are_in_the_planted_raw_text(canary_run, canaries, register_leak_index):
    raw = canary_run["raw_text"]
    missing = [name for name, (_, _, text) in canaries.items() if text not in raw]
    assert not missing, missing
    unseen = [name for name, (kind, _, text) in canaries.items() if scan_text(text, register_leak_index)[kind] == 0]
    assert not unseen, f"the leak scan does not recognise canaries: {unseen}"


def test_no_canary_survives_scrubbing(canary_run, canaries, canary_person, register_leak_index):
    res = canary_run["result"]
    scrubbed = res["texts"][canary_run["source"]]
    counts = scan_text(scrubbed, register_leak_index)
    assert total(counts) == 0, counts
    survived = [name for name, (_, _, text) in canaries.items() if text in scrubbed]
    assert not survived, survived
    first, last = canary_person["full_name"].split(" ")
    parts = sum(bool(re.search(rf"(?i)\b{re.escape(w)}\b", scrubbed)) for w in (first, last))
    assert parts == 0, "a canary name part survived"
    nhs_left = canary_person["nhs_number"] in re.sub(r"\D", "", scrubbed)
    assert not nhs_left, "the canary NHS number survived"
    # and nothing leaks anywhere in the outputs of that run
    leaks = {n: c for n, t in output_texts(res).items() if total(c := scan_text(t, register_leak_index))}
    assert not leaks, leaks


def test_canaries_raise_the_replacement_counts(canary_run, result, canaries):
    before = result["report"]["transcripts"]["replacements_by_type"]
    after = canary_run["result"]["report"]["transcripts"]["replacements_by_type"]
    planted: dict[str, int] = {}
    for _, placeholder, _ in canaries.values():
        planted[placeholder] = planted.get(placeholder, 0) + 1
    for placeholder, n in planted.items():
        assert after[placeholder] - before[placeholder] >= n, placeholder


@pytest.mark.parametrize(
    "canary",
    ["name_odd_spacing", "name_possessive", "name_line_break", "name_upper_case", "name_in_quotes",
     "nhs_with_spaces", "nhs_line_break", "phone", "phone_line_break", "email", "postcode",
     "postcode_line_break", "date_of_birth"],
)
def test_leak_scan_finds_canary_written_into_an_output(canary, canaries, result, register_leak_index):
    kind, _, text = canaries[canary]
    clean = sio.csv_text(result["tables"]["participants"]) + next(iter(result["texts"].values()))
    before = scan_text(clean, register_leak_index)[kind]
    after = scan_text(clean + f"\nnote,{text}\n", register_leak_index)[kind]
    assert (before, after > 0) == (0, True), kind


# ---------------------------------------------------------------------------
# Codings still point at the same passages
# ---------------------------------------------------------------------------


def test_codings_point_at_the_same_passages_after_scrubbing(inputs, result):
    raw = {s.name: s for s in read_qdpx(inputs["members"], inputs["xsd"]).sources}
    out = read_qdpx(result["qdpx"], inputs["xsd"])
    assert {s.name for s in out.sources} == set(raw)
    placeholder = re.compile(r"\[(?:" + "|".join(PLACEHOLDER_TYPES) + r")\]")
    clean = with_ids = 0
    for src in out.sources:
        assert src.text == result["texts"][src.name]
        raw_src = raw[src.name]
        raw_sels = {s.guid: s for s in raw_src.selections}
        assert [s.guid for s in src.selections] == [s.guid for s in raw_src.selections]
        for sel in src.selections:
            r = raw_sels[sel.guid]
            assert sel.code_guids == r.code_guids
            passage = raw_src.text[r.start:r.end]
            got = src.text[sel.start:sel.end]
            if not placeholder.search(got):
                clean += 1
                same = got == passage
                assert same, f"{src.name} {sel.guid}: coding moved"
            else:
                with_ids += 1
                # the scrubbed passage is the raw passage with identifiers replaced
                pattern = "".join(
                    "(?:.+?)" if placeholder.fullmatch(piece) else re.escape(piece)
                    for piece in re.split(r"(\[[A-Z_]+\])", got)
                )
                same = re.fullmatch(pattern, passage, flags=re.S) is not None
                assert same, f"{src.name} {sel.guid}: coding moved"
    assert clean > 200 and with_ids > 20, (clean, with_ids)


# ---------------------------------------------------------------------------
# Allow-list
# ---------------------------------------------------------------------------


def test_unlisted_column_fails_naming_table_and_column(inputs):
    tables = dict(inputs["tables"])
    demo = tables["demographics"].copy()
    demo["pet_name"] = "Zebedee Quartermaine"
    tables["demographics"] = demo
    with pytest.raises(AllowListError) as info:
        run(inputs, tables=tables)
    msg = str(info.value)
    assert "demographics.csv" in msg and "'pet_name'" in msg
    assert "deid_allowlist.yaml" in msg
    assert "Zebedee" not in msg and "Quartermaine" not in msg


def test_unlisted_table_fails(inputs):
    tables = dict(inputs["tables"])
    tables["contacts"] = pd.DataFrame({"study_id": ["LO-001"]})
    with pytest.raises(AllowListError, match="table 'contacts' has no entry"):
        run(inputs, tables=tables)


# ---------------------------------------------------------------------------
# Pseudonyms
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def second_run(inputs) -> dict[str, Any]:
    return run(inputs)


@pytest.fixture(scope="module")
def other_key_run(inputs) -> dict[str, Any]:
    return run(inputs, key=OTHER_KEY)


def test_same_key_gives_identical_outputs(result, second_run):
    for name in TABLES:
        pd.testing.assert_frame_equal(result["tables"][name], second_run["tables"][name])
    pd.testing.assert_frame_equal(result["release"], second_run["release"])
    assert result["qdpx"] == second_run["qdpx"]
    assert result["report"] == second_run["report"]


def test_different_key_changes_every_pseudonym_and_nothing_else(result, other_key_run):
    for name in TABLES:
        a, b = result["tables"][name], other_key_run["tables"][name]
        if "pid" in a:
            assert a["pid"].notna().all()
            shared = len(set(a["pid"]) & set(b["pid"]))
            assert shared == 0, f"{name}: {shared} pseudonyms do not depend on the key"
            pairs = len(set(zip(a["pid"], b["pid"])))
            assert pairs == a["pid"].nunique() == b["pid"].nunique(), name  # same people, same grouping
        pd.testing.assert_frame_equal(a.drop(columns="pid", errors="ignore"), b.drop(columns="pid", errors="ignore"))
    assert result["texts"] == other_key_run["texts"]


def test_same_person_same_pid_in_every_table(result, raw_tables):
    out = result["tables"]
    reg = raw_tables["participants"]
    assert len(out["participants"]) == len(reg)  # nobody excluded in the synthetic data
    pid_of = dict(zip(reg["study_id"], out["participants"]["pid"]))
    assert len(set(pid_of.values())) == len(pid_of) == 121
    assert all(PID_RE.match(p) for p in pid_of.values())
    for name in ("demographics", "baseline", "followup", "attendance"):
        same = list(out[name]["pid"]) == [pid_of[s] for s in raw_tables[name]["study_id"]]
        assert same, f"{name}: a person's pid differs from participants"
    ivs = raw_tables["interviewees"]
    iv_pid = dict(zip(ivs["person_id"], out["interviewees"]["pid"]))
    assert len(set(iv_pid.values()) & set(pid_of.values())) == 0
    expected = [pid_of.get(p) or iv_pid[p] for p in raw_tables["interviews"]["person_id"]]
    same = list(out["interviews"]["pid"]) == expected
    assert same, "interviews: a person's pid differs from participants / interviewees"
    assert list(out["interviews"]["interview_id"]) == list(raw_tables["interviews"]["interview_id"])


def test_pseudonyms_are_keyed_not_plain_hashes(result, raw_tables):
    out = dict(zip(raw_tables["participants"]["study_id"], result["tables"]["participants"]["pid"]))
    for sid, pid in out.items():
        for msg in (sid, f"study_id:{sid}"):
            for h in (hashlib.sha256, hashlib.md5, hashlib.sha1):
                plain = pid[1:] == h(msg.encode()).hexdigest()[:10]
                assert not plain, "a pseudonym is an unkeyed hash of the ID"


def test_no_pseudonym_to_identity_mapping_in_outputs(result):
    identity_cols = {"study_id", "person_id", "full_name", "nhs_number", "date_of_birth", "postcode",
                     "phone", "email", "transcript_file"}
    frames = {**result["tables"], "release": result["release"]}
    for name, df in frames.items():
        assert identity_cols.isdisjoint(df.columns), name
    for name, text in output_texts(result).items():
        n_ids = len(RAW_ID_RE.findall(text))
        assert n_ids == 0, f"{name} holds a raw study or person ID"


def test_release_is_k_anonymous_without_exact_age(result, inputs):
    disc = inputs["cfg"]["disclosure"]
    rel = result["release"]
    assert "age" not in rel.columns
    assert smallest_class(rel, list(disc["quasi_identifiers"])) >= disc["k"]
    assert result["report"]["disclosure"]["k_reached"] is True


# ---------------------------------------------------------------------------
# Key handling
# ---------------------------------------------------------------------------


def _demo_hex(demo_text: str) -> str:
    (line,) = [ln for ln in demo_text.splitlines() if ln.strip() and not ln.startswith("#")]
    return line.strip()


def _assert_says_how_to_supply(msg: str, demo_hex: str) -> None:
    assert KEY_ENV_VAR in msg
    assert KEY_CONFIG_KEY in msg
    assert "secrets.token_hex(32)" in msg
    assert "OUTSIDE the repository" in msg
    shows_key = demo_hex in msg
    assert not shows_key, "the message shows the key"


def test_missing_key_on_real_data_is_refused(inputs):
    with pytest.raises(PseudonymKeyError) as info:
        load_key(None, None, inputs["demo_text"], synthetic=False)
    assert "not synthetic" in str(info.value)
    _assert_says_how_to_supply(str(info.value), _demo_hex(inputs["demo_text"]))


@pytest.mark.parametrize(
    "channel",
    ["env_whole_file", "env_bare_key", "key_file_whole_file", "key_file_bare_key"],
)
def test_demo_key_on_real_data_is_refused(channel, inputs):
    demo_text = inputs["demo_text"]
    value = demo_text if channel.endswith("whole_file") else _demo_hex(demo_text) + "\n"
    env, file_text = (value, None) if channel.startswith("env") else (None, value)
    with pytest.raises(PseudonymKeyError) as info:
        load_key(env, file_text, demo_text, synthetic=False)
    assert "demo key" in str(info.value)
    _assert_says_how_to_supply(str(info.value), _demo_hex(demo_text))


def test_demo_key_is_the_bare_key_and_recognised_on_any_channel(inputs):
    demo_text = inputs["demo_text"]
    bare = _demo_hex(demo_text)
    ok = inputs["key"] == bare.encode()
    assert ok, "the demo key includes the comment line of the key file"
    for env, file_text in ((bare, None), (None, bare)):
        key, source = load_key(env, file_text, demo_text, synthetic=True)
        assert source == "demo"
        assert key == bare.encode(), "demo key bytes differ by channel"


def test_real_key_accepted_for_real_data(inputs):
    key, source = load_key(OTHER_KEY.decode(), None, inputs["demo_text"], synthetic=False)
    assert (key, source) == (OTHER_KEY, "env")


def test_choose_key_refuses_a_key_file_inside_the_repository(repo_root):
    from selfcare.deidentify.keys import choose_key

    inside = str(repo_root / "config" / "secret.key")
    with pytest.raises(PseudonymKeyError):
        choose_key(None, inside, "x" * 64, None, False, str(repo_root))
    key, source = choose_key(None, "/elsewhere/secret.key", "k" * 64, None, False, str(repo_root))
    assert source == "file" and key == b"k" * 64
