"""Tests of selfcare.synth.transcripts: synthetic interview transcripts and coding."""

from __future__ import annotations

import copy
import datetime as dt
import re
import time
from pathlib import Path

import numpy as np
import pytest
from selfcare.core import io
from selfcare.synth.transcripts.bank import GROUPS, IDENTIFIER_KINDS, check_bank
from selfcare.synth.transcripts.generate import (
    format_date,
    generate_transcript,
    wrap_preserving,
)

ROOT = Path(__file__).resolve().parents[2]
BANK = io.read_yaml(ROOT / "config" / "transcripts.yaml")
FRAMEWORK = io.read_yaml(ROOT / "config" / "framework.yaml")
CODE_PATHS = {
    f"{theme}/{code}"
    for theme, spec in FRAMEWORK["themes"].items()
    for code in spec["codes"]
}
PLACES = ["Tooting", "Garratt Lane", "Eastleigh", "Harehills"]
SITES = ("LO", "SO", "NO")

SERVICE_USER = {
    "full_name": "Priya Hargreaves",
    "first_name": "Priya",
    "phone": "07700 900417",
    "email": "p.hargreaves@example.org",
    "nhs_number": "9990123458",
    "postcode": "SW17 0QT",
}
STAFF = {
    "full_name": "Declan O'Neill",
    "first_name": "Declan",
    "phone": "020 7946 0321",
    "email": "declan.oneill@example.net",
}
OTHERS = [
    {"full_name": "Marcia Fairclough", "first_name": "Marcia"},
    {"full_name": "Tariq Jarvis-Lowe", "first_name": "Tariq"},
]


def _speaker(group: str) -> dict:
    return SERVICE_USER if group == "service_user" else STAFF


def _generate(seed: int, group: str = "service_user", site: str = "LO", bank=None, **kw):
    return generate_transcript(
        np.random.default_rng(seed),
        _speaker(group),
        OTHERS,
        group,
        site,
        kw.pop("timepoint", "baseline"),
        BANK if bank is None else bank,
        FRAMEWORK,
        PLACES,
        f"[SYNTHETIC TRANSCRIPT - not a real interview] INT-{site}-{seed:03d}",
        **kw,
    )


def _batch(n: int = 40, bank=None):
    """n transcripts cycling through groups and sites."""
    out = []
    for i in range(n):
        group = GROUPS[i % len(GROUPS)]
        site = SITES[i % len(SITES)]
        out.append((group, *_generate(1000 + i, group, site, bank=bank)))
    return out


def _with_probabilities(**values):
    bank = copy.deepcopy(BANK)
    bank["identifier_probabilities"].update(values)
    return bank


def _template_regex(template: str) -> re.Pattern:
    """Regex matching any filling of a template (whitespace-normalised)."""
    parts = re.split(r"\{[^{}]*\}", " ".join(template.split()))
    return re.compile(".+?".join(re.escape(p) for p in parts), re.DOTALL)


# --------------------------------------------------------------------------
# The bank
# --------------------------------------------------------------------------


def test_project_bank_is_valid():
    check_bank(BANK, FRAMEWORK)  # raises on any problem


def test_bank_has_enough_passages_per_subcode_and_group():
    total = 0
    for theme, spec in FRAMEWORK["themes"].items():
        for code in spec["codes"]:
            counts = {g: len(BANK["passages"][theme][code][g]) for g in GROUPS}
            total += sum(counts.values())
            assert min(counts.values()) >= 1, (theme, code, counts)
            # every sub-code is natural for at least two groups (>= 3 passages)
            assert sum(c >= 3 for c in counts.values()) >= 2, (theme, code, counts)
    assert total >= 250


def test_check_bank_names_missing_subcode_and_group():
    bank = copy.deepcopy(BANK)
    del bank["passages"]["relationship"]["informality"]["carer"]
    with pytest.raises(ValueError, match=r"relationship/informality.*carer"):
        check_bank(bank, FRAMEWORK)

    bank = copy.deepcopy(BANK)
    del bank["passages"]["the_trust"]["strategy"]
    with pytest.raises(ValueError, match=r"the_trust/strategy"):
        check_bank(bank, FRAMEWORK)


def test_check_bank_rejects_subcode_not_in_framework():
    bank = copy.deepcopy(BANK)
    bank["passages"]["relationship"]["telepathy"] = {g: ["Hmm."] for g in GROUPS}
    with pytest.raises(ValueError, match="telepathy"):
        check_bank(bank, FRAMEWORK)


@pytest.mark.parametrize(
    "where",
    ["passage", "question", "turn", "site_filler", "identifier_check"],
)
def test_check_bank_rejects_unknown_slot(where):
    bank = copy.deepcopy(BANK)
    bad = "My shoe size is {shoe_size}, you know."
    if where == "passage":
        bank["passages"]["self_care_and_risk"]["medication"]["staff"].append(bad)
    elif where == "question":
        bank["questions"]["the_trust"]["default"].append(bad)
    elif where == "turn":
        bank["turns"]["closing_reply"].append(bad)
    elif where == "site_filler":
        bank["site_fillers"]["SO"]["answer"]["carer"].append(bad)
    else:
        bank["identifier_checks"]["phone"][0]["respondent"] = bad
    with pytest.raises(ValueError, match="shoe_size"):
        check_bank(bank, FRAMEWORK)


def test_check_bank_rejects_unbalanced_brace_and_bad_second_code():
    bank = copy.deepcopy(BANK)
    bank["passages"]["social_networks"]["conflict"]["carer"].append("We argued {other_first.")
    with pytest.raises(ValueError, match="brace"):
        check_bank(bank, FRAMEWORK)

    bank = copy.deepcopy(BANK)
    bank["passages"]["social_networks"]["conflict"]["carer"].append(
        {"text": "We argued.", "also": "social_networks/not_a_code"}
    )
    with pytest.raises(ValueError, match="not_a_code"):
        check_bank(bank, FRAMEWORK)


def test_check_bank_rejects_opening_without_first_name():
    bank = copy.deepcopy(BANK)
    bank["turns"]["opening"]["default"].append("Right, shall we start?")
    with pytest.raises(ValueError, match="first_name"):
        check_bank(bank, FRAMEWORK)


def test_check_bank_rejects_unquoted_norway_site_key():
    bank = copy.deepcopy(BANK)
    bank["site_fillers"][False] = bank["site_fillers"].pop("NO")  # YAML 1.1: NO -> False
    with pytest.raises(ValueError, match="quote"):
        check_bank(bank, FRAMEWORK)


def test_check_bank_rejects_bad_probability():
    bank = _with_probabilities(phone=1.5)
    with pytest.raises(ValueError, match="phone"):
        check_bank(bank, FRAMEWORK)


# --------------------------------------------------------------------------
# Generated transcripts
# --------------------------------------------------------------------------


def test_same_seed_same_transcript_and_coding():
    a = _generate(7, "carer", "SO")
    b = _generate(7, "carer", "SO")
    assert a[0] == b[0]
    assert a[1] == b[1]
    c = _generate(8, "carer", "SO")
    assert c[0] != a[0]


def test_layout_header_turns_and_wrapping():
    header = "[SYNTHETIC TRANSCRIPT - not a real interview] INT-NO-ST-002"
    text, _ = generate_transcript(
        np.random.default_rng(3), STAFF, OTHERS, "staff", "NO", "single",
        BANK, FRAMEWORK, PLACES, header,
    )
    lines = text.split("\n")
    assert lines[0] == header
    assert lines[1] == ""
    assert lines[2].startswith("Interviewer: ")
    assert text.endswith("\n") and not text.endswith("\n\n")
    width = BANK["structure"]["width"]
    for line in lines:
        assert len(line) <= width or " " not in line, line
    blocks = text.split("\n\n")[1:]
    labels = [b.split(":", 1)[0] for b in blocks]
    assert set(labels) == {"Interviewer", "Respondent"}
    assert labels[0] == "Interviewer" and labels[-1] == "Interviewer"
    # some turns are long enough to wrap
    assert any("\n" in b for b in blocks)


@pytest.mark.parametrize("group", GROUPS)
def test_length_is_realistic(group):
    for seed in range(5):
        text, segments = _generate(seed, group, SITES[seed % 3])
        assert 600 <= len(text.split()) <= 1500
        lo, hi = (14, 22)
        assert lo <= len({(s["start"], s["end"]) for s in segments}) <= hi


def test_segments_lie_in_text_and_cover_whole_passages():
    for group, text, segments in _batch(20):
        assert segments, group
        assert segments == sorted(segments, key=lambda s: (s["start"], s["code_path"]))
        for seg in segments:
            assert set(seg) == {"code_path", "start", "end"}
            assert seg["code_path"] in CODE_PATHS
            assert 0 <= seg["start"] < seg["end"] <= len(text)
            span = text[seg["start"]:seg["end"]]
            assert span == span.strip()
            assert "Interviewer:" not in span and "Respondent:" not in span
            assert "\n\n" not in span  # within one turn
            # the character before a span is a separator (space, newline or
            # the label's ": ") and the span ends with sentence punctuation
            assert text[seg["start"] - 1] in " \n"
            assert span[-1] in ".?!'"


def test_segment_text_is_a_bank_passage_for_its_code():
    patterns: dict[tuple[str, str], list[re.Pattern]] = {}
    for theme, codes in BANK["passages"].items():
        for code, by_group in codes.items():
            for group, entries in by_group.items():
                for entry in entries:
                    text = entry if isinstance(entry, str) else entry["text"]
                    also = [] if isinstance(entry, str) else entry.get("also", [])
                    also = [also] if isinstance(also, str) else also
                    for path in [f"{theme}/{code}", *also]:
                        patterns.setdefault((path, group), []).append(_template_regex(text))
    for group, text, segments in _batch(16):
        for seg in segments:
            span = " ".join(text[seg["start"]:seg["end"]].split())
            assert any(
                p.fullmatch(span) for p in patterns[(seg["code_path"], group)]
            ), (seg["code_path"], group, span)


def test_no_two_overlapping_spans_with_same_code_and_double_codes_share_span():
    doubles = 0
    for _, _, segments in _batch(40):
        by_code: dict[str, list[tuple[int, int]]] = {}
        by_span: dict[tuple[int, int], list[str]] = {}
        for seg in segments:
            by_code.setdefault(seg["code_path"], []).append((seg["start"], seg["end"]))
            by_span.setdefault((seg["start"], seg["end"]), []).append(seg["code_path"])
        for spans in by_code.values():
            spans.sort()
            for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
                assert e1 <= s2
        for codes in by_span.values():
            assert len(codes) == len(set(codes))
            doubles += len(codes) > 1
        # distinct spans never overlap at all
        spans = sorted(by_span)
        for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
            assert e1 < s2
    assert doubles > 0  # some passages carry two codes


def test_no_slot_left_unfilled():
    for _, text, _ in _batch(40):
        assert "{" not in text and "}" not in text


def test_every_subcode_appears_in_forty_transcripts():
    seen = {seg["code_path"] for _, _, segments in _batch(40) for seg in segments}
    assert seen == CODE_PATHS


def test_speaker_first_name_appears():
    for group, text, _ in _batch(12):
        first = _speaker(group)["first_name"]
        assert first in text.split("\n\n", 2)[1]  # greeted in the opening turn


def test_follow_up_uses_follow_up_opening():
    openings = {
        t.replace("{first_name}", "Priya") for t in BANK["turns"]["opening"]["follow_up"]
    }
    for seed in range(6):
        text, _ = _generate(seed, timepoint="follow_up")
        first_turn = " ".join(text.split("\n\n")[1].split())
        assert first_turn.removeprefix("Interviewer: ") in openings
        text, _ = _generate(seed, timepoint="followup")
        assert " ".join(text.split("\n\n")[1].split()).removeprefix("Interviewer: ") in openings


def test_group_weights_shape_the_topics():
    def share(group: str, theme: str) -> float:
        n = hits = 0
        for seed in range(30):
            _, segments = _generate(seed, group, SITES[seed % 3])
            n += len(segments)
            hits += sum(s["code_path"].startswith(theme + "/") for s in segments)
        return hits / n

    assert share("carer", "social_networks") > share("manager", "social_networks")
    assert share("manager", "policy_implementation") > share(
        "service_user", "policy_implementation"
    )


# --------------------------------------------------------------------------
# Identifiers
# --------------------------------------------------------------------------


def test_all_identifiers_mentioned_when_probabilities_are_one():
    bank = _with_probabilities(**{k: 1.0 for k in IDENTIFIER_KINDS})
    for seed in range(5):
        text, _ = _generate(seed, "service_user", "LO", bank=bank)
        flat = " ".join(text.split())
        assert SERVICE_USER["phone"] in flat
        assert SERVICE_USER["email"] in flat
        assert SERVICE_USER["postcode"] in flat
        assert "9990123458" in flat.replace(" ", "")
        assert SERVICE_USER["full_name"] in flat
        assert any(p in flat for p in PLACES)
        assert any(o["first_name"].lower() in flat.lower() for o in OTHERS)


def test_no_identifiers_when_probabilities_are_zero():
    bank = _with_probabilities(**{k: 0.0 for k in IDENTIFIER_KINDS})
    for seed in range(8):
        text, _ = _generate(seed, "service_user", "SO", bank=bank)
        flat = " ".join(text.split())
        for value in ("phone", "email", "postcode", "full_name"):
            assert SERVICE_USER[value] not in flat
        assert "999" not in flat
        assert not any(o["first_name"].lower() in flat.lower() for o in OTHERS)
        assert not any(p in flat for p in PLACES)
        assert "Priya" in flat  # the greeting is always there


def test_nhs_number_and_postcode_only_for_service_users():
    bank = _with_probabilities(**{k: 1.0 for k in IDENTIFIER_KINDS})
    speaker = dict(STAFF, nhs_number="9990000018", postcode="LS6 2AB")
    for group in ("carer", "staff", "manager"):
        text, _ = generate_transcript(
            np.random.default_rng(1), speaker, OTHERS, group, "NO", "single",
            bank, FRAMEWORK, PLACES, "[SYNTHETIC TRANSCRIPT] X",
        )
        flat = " ".join(text.split())
        assert "999" not in flat and "LS6 2AB" not in flat
        assert STAFF["phone"] in flat


def test_identifier_rates_follow_the_bank():
    rate = BANK["identifier_probabilities"]["phone"]
    batch = _batch(80)
    observed = np.mean([STAFF["phone"] in t or SERVICE_USER["phone"] in t for _, t, _ in batch])
    assert abs(observed - rate) < 0.2


def test_names_in_capitals_possessives_and_split_across_lines():
    bank = _with_probabilities(
        other_name=1.0, name_capitals=0.5, split_full_name=1.0, full_name=1.0
    )
    batch = _batch(40, bank=bank)
    texts = [t for _, t, _ in batch]
    firsts = [o["first_name"] for o in OTHERS]
    assert any(f.upper() in t for t in texts for f in firsts)
    assert any(f"{f}'s" in t or f"{f.upper()}'s" in t for t in texts for f in firsts)
    fulls = [o["full_name"] for o in OTHERS] + [SERVICE_USER["full_name"], STAFF["full_name"]]
    split = [
        f.replace(" ", "\n", 1) for f in fulls
    ] + [f.upper().replace(" ", "\n", 1) for f in fulls]
    assert any(s in t for t in texts for s in split)


def test_dates_spoken_and_written():
    assert format_date(dt.date(2008, 3, 3), 0) == "the 3rd of March"
    assert format_date(dt.date(2008, 3, 12), 1) == "12/03/2008"
    assert format_date(dt.date(2009, 11, 22), 2) == "November the 22nd"
    assert format_date(dt.date(2007, 6, 11), 4) == "the 11th of June 2007"
    assert format_date(dt.date(2007, 6, 13), 3) == "13 June 2007"


# --------------------------------------------------------------------------
# Helpers and errors
# --------------------------------------------------------------------------


def test_wrap_preserves_offsets():
    long_line = "Respondent: " + " ".join(["word"] * 60) + " an-unbreakable-" + "x" * 90
    wrapped = wrap_preserving(long_line, 80, 40)
    assert len(wrapped) == len(long_line)
    assert all(a == b or (a == " " and b == "\n") for a, b in zip(long_line, wrapped))
    assert all(len(x) <= 80 or " " not in x for x in wrapped.split("\n"))
    assert wrapped.count("\n") >= 4

    # a full name 52 characters into a line: broken inside the name only
    # when that space is a preferred break
    line = "Respondent: " + "word " * 8 + "Marcia Fairclough said so, and that was that."
    pos = line.index("Marcia Fairclough") + len("Marcia")
    assert wrap_preserving(line, 80, 40, [pos])[pos] == "\n"
    assert wrap_preserving(line, 80, 40)[pos] == " "
    assert wrap_preserving(line, 80, 60, [pos])[pos] == " "


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="group"):
        _generate(1, "visitor")
    with pytest.raises(ValueError, match="site"):
        _generate(1, "staff", "XX")
    with pytest.raises(ValueError, match="n_passages"):
        _generate(1, "staff", "LO", n_passages=(5, 2))


def test_generator_is_fast():
    start = time.perf_counter()
    _batch(90)
    assert time.perf_counter() - start < 5.0
