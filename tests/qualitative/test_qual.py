"""Tests of selfcare.qualitative on a small hand-built coded project."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from selfcare.qualitative.counts import code_counts, cooccurrence, framework_matrix
from selfcare.qualitative.quotes import select_quotes, trim_quote
from selfcare.qualitative.segments import (
    QUOTE_COLUMNS,
    SEGMENT_COLUMNS,
    QualDataError,
    coded_segments,
)
from selfcare.refiqda.archive import read_qdpx, write_qdpx
from selfcare.refiqda.model import (
    Project,
    Selection,
    TextSource,
    _guid,
    code_guid,
    iter_codes,
    project_from_framework,
    selection_guid,
    source_guid,
)

FRAMEWORK = {
    "themes": {
        "support": {
            "label": "Support",
            "codes": {"peer": "Peer support", "plans": "Personal plans"},
        },
        "risk": {"label": "Risk", "codes": {"medication": "Medication"}},
        "trust": {"label": "The Trust", "codes": {"strategy": "Trust strategy"}},
    }
}

TEXTS = {
    "I1": "We meet every week and the group helps me a lot.\nI take my tablets because I choose to.\n",
    "I2": "As a carer I see the peer group working. The trust has a plan for it.\n",
    "I3": "Staff view: peer leaders run the sessions. Later, peers mentor newcomers well.\n",
}

INTERVIEWS = pd.DataFrame(
    {
        "interview_id": ["I1", "I2", "I3", "I4"],
        "pid": ["P01", "P02", "P03", "P01"],
        "group": ["service_user", "carer", "staff", "service_user"],
        "site": ["LO", "SO", "LO", "LO"],
        "timepoint": ["baseline", "baseline", None, "followup"],
        "consent_quotes": ["yes", "no", "Yes", "yes"],
    }
)

STRICT = {
    "unknown_code": "error",
    "span_out_of_range": "error",
    "overlapping_spans": "error",
    "source_without_participant": "error",
}
LENIENT = {
    "unknown_code": "exclude",
    "span_out_of_range": "exclude",
    "overlapping_spans": "exclude",
    "source_without_participant": "exclude",
}

PEER = code_guid("support/peer")
PLANS = code_guid("support/plans")
MED = code_guid("risk/medication")
STRATEGY = code_guid("trust/strategy")


def span(iid: str, phrase: str) -> tuple[int, int]:
    start = TEXTS[iid].index(phrase)
    return start, start + len(phrase)


def sel(iid: str, phrase: str, *codes: str) -> Selection:
    start, end = span(iid, phrase)
    return Selection(selection_guid(iid, start, end), start, end, list(codes))


def base_selections() -> dict[str, list[Selection]]:
    return {
        "I1": [
            sel("I1", "the group helps me a lot", PEER),
            sel("I1", "I take my tablets because I choose to.", MED, PLANS),
        ],
        "I2": [
            sel("I2", "the peer group working", PEER),
            sel("I2", "The trust has a plan for it.", STRATEGY),
        ],
        "I3": [
            sel("I3", "peer leaders run the sessions", PEER),
            sel("I3", "peers mentor newcomers well", PEER),
        ],
    }


def make_project(
    selections: dict[str, list[Selection]] | None = None, texts: dict | None = None
) -> Project:
    selections = base_selections() if selections is None else selections
    texts = TEXTS if texts is None else texts
    sources = [
        TextSource(source_guid(iid), iid, texts[iid], selections.get(iid, []))
        for iid in texts
    ]
    return project_from_framework("qual test", FRAMEWORK, sources, None)


@pytest.fixture(scope="module")
def segments() -> pd.DataFrame:
    seg, excl = coded_segments(make_project(), INTERVIEWS, FRAMEWORK, STRICT)
    assert excl.empty
    return seg


# ---------------------------------------------------------------- segments


def test_segments_one_row_per_selection_and_code(segments: pd.DataFrame) -> None:
    assert list(segments.columns) == SEGMENT_COLUMNS
    assert len(segments) == 7
    i1 = segments[segments["interview_id"] == "I1"]
    assert list(i1["code_path"]) == ["support/peer", "risk/medication", "support/plans"]
    assert set(i1["pid"]) == {"P01"} and set(i1["group"]) == {"service_user"}
    start, end = span("I1", "the group helps me a lot")
    assert (i1.iloc[0]["start"], i1.iloc[0]["end"]) == (start, end)
    assert segments["start"].dtype == "int64"
    assert segments.loc[segments["interview_id"] == "I3", "timepoint"].tolist() == ["", ""]


def test_segments_after_qdpx_round_trip_are_identical(segments: pd.DataFrame) -> None:
    project = read_qdpx(write_qdpx(make_project()), None)
    again, _ = coded_segments(project, INTERVIEWS, FRAMEWORK, STRICT)
    pd.testing.assert_frame_equal(again, segments)


def test_codes_matched_by_name_when_guids_differ() -> None:
    """A project made in QDA software has its own GUIDs: match on names."""
    project = make_project()
    new_guids: dict[str, str] = {}
    for code, _parent in iter_codes(project.codes):
        new = _guid("other-software", code.guid)
        new_guids[code.guid] = new
        code.guid = new
    for source in project.sources:
        for s in source.selections:
            s.code_guids = [new_guids[g] for g in s.code_guids]
    seg, _ = coded_segments(project, INTERVIEWS, FRAMEWORK, STRICT)
    assert sorted(seg["code_path"]) == sorted(
        ["support/peer"] * 4 + ["support/plans", "risk/medication", "trust/strategy"]
    )


# ---------------------------------------------------------------- malformed variants


def _with_extra(iid: str, extra: Selection) -> Project:
    selections = base_selections()
    selections[iid] = selections[iid] + [extra]
    return make_project(selections)


def test_unknown_code_error_and_exclusion() -> None:
    start, end = span("I1", "We meet every week")
    bad = Selection(
        "00000000-0000-4000-8000-000000000001", start, end, ["00000000-0000-4000-8000-0000000000ff"]
    )
    project = _with_extra("I1", bad)
    with pytest.raises(QualDataError) as info:
        coded_segments(project, INTERVIEWS, FRAMEWORK, STRICT)
    message = str(info.value)
    assert bad.guid in message and source_guid("I1") in message
    assert "We meet" not in message
    seg, excl = coded_segments(project, INTERVIEWS, FRAMEWORK, LENIENT)
    assert len(seg) == 7
    assert excl.to_dict("records") == [
        {
            "reason": "unknown_code",
            "action": "excluded",
            "source_guid": source_guid("I1"),
            "interview_id": "I1",
            "selection_guid": bad.guid,
            "count": 1,
        }
    ]


def test_theme_level_code_follows_its_optional_policy() -> None:
    start, end = span("I1", "We meet every week")
    bad = Selection(
        selection_guid("I1", start, end), start, end, [code_guid("support"), PEER]
    )
    project = _with_extra("I1", bad)
    with pytest.raises(QualDataError, match="is a theme"):
        coded_segments(project, INTERVIEWS, FRAMEWORK, LENIENT)
    seg, excl = coded_segments(
        project, INTERVIEWS, FRAMEWORK, {**LENIENT, "theme_level_code": "exclude"}
    )
    assert len(seg) == 8  # the PEER reference of the same selection is kept
    assert excl["reason"].tolist() == ["theme_level_code"]


@pytest.mark.parametrize("start_end", [(-1, 5), (10, 10_000), (12, 12), (20, 10)])
def test_span_out_of_range_error_and_exclusion(start_end: tuple[int, int]) -> None:
    start, end = start_end
    bad = Selection("00000000-0000-4000-8000-000000000002", start, end, [PEER, MED])
    project = _with_extra("I2", bad)
    with pytest.raises(QualDataError, match=bad.guid) as info:
        coded_segments(project, INTERVIEWS, FRAMEWORK, STRICT)
    assert "carer" not in str(info.value)
    seg, excl = coded_segments(project, INTERVIEWS, FRAMEWORK, LENIENT)
    assert len(seg) == 7
    assert excl[["reason", "selection_guid", "count"]].values.tolist() == [
        ["span_out_of_range", bad.guid, 2]
    ]


def test_span_ending_exactly_at_text_end_is_valid() -> None:
    n = len(TEXTS["I2"])
    ok = Selection("00000000-0000-4000-8000-000000000003", n - 5, n, [MED])
    seg, excl = coded_segments(_with_extra("I2", ok), INTERVIEWS, FRAMEWORK, STRICT)
    assert len(seg) == 8 and excl.empty


def _overlap_project() -> tuple[Project, str, str, str]:
    a = Selection("00000000-0000-4000-8000-00000000000a", 0, 20, [PEER])
    b = Selection("00000000-0000-4000-8000-00000000000b", 10, 30, [PEER])
    c = Selection("00000000-0000-4000-8000-00000000000c", 30, 35, [PEER])  # touches b only
    d = Selection("00000000-0000-4000-8000-00000000000d", 5, 15, [MED])  # other code: fine
    return make_project({"I3": [a, b, c, d]}), a.guid, b.guid, c.guid


def test_overlapping_spans_error() -> None:
    project, a, b, _ = _overlap_project()
    with pytest.raises(QualDataError) as info:
        coded_segments(project, INTERVIEWS, FRAMEWORK, STRICT)
    assert a in str(info.value) and b in str(info.value)


def test_overlapping_spans_exclude_keeps_first() -> None:
    project, a, b, c = _overlap_project()
    seg, excl = coded_segments(project, INTERVIEWS, FRAMEWORK, LENIENT)
    peer = seg[seg["code"] == "peer"]
    assert peer[["selection_guid", "start", "end"]].values.tolist() == [[a, 0, 20], [c, 30, 35]]
    assert len(seg[seg["code"] == "medication"]) == 1
    assert excl[["reason", "action", "selection_guid", "count"]].values.tolist() == [
        ["overlapping_spans", "excluded", b, 1]
    ]


def test_overlapping_spans_merge() -> None:
    project, a, b, c = _overlap_project()
    seg, excl = coded_segments(
        project, INTERVIEWS, FRAMEWORK, {**LENIENT, "overlapping_spans": "merge"}
    )
    peer = seg[seg["code"] == "peer"]
    assert peer[["selection_guid", "start", "end"]].values.tolist() == [[a, 0, 30], [c, 30, 35]]
    assert excl[["action", "selection_guid"]].values.tolist() == [["merged", b]]


def test_source_without_participant() -> None:
    texts = {**TEXTS, "I9": "Nobody registered this one."}
    selections = base_selections()
    selections["I9"] = [Selection("00000000-0000-4000-8000-000000000009", 0, 6, [PEER, MED])]
    project = make_project(selections, texts)
    with pytest.raises(QualDataError, match=source_guid("I9")) as info:
        coded_segments(project, INTERVIEWS, FRAMEWORK, STRICT)
    assert "Nobody" not in str(info.value)
    seg, excl = coded_segments(project, INTERVIEWS, FRAMEWORK, LENIENT)
    assert len(seg) == 7 and "I9" not in set(seg["interview_id"])
    assert excl.to_dict("records") == [
        {
            "reason": "source_without_participant",
            "action": "excluded",
            "source_guid": source_guid("I9"),
            "interview_id": "I9",
            "selection_guid": "",
            "count": 2,
        }
    ]


def test_policy_and_register_are_checked() -> None:
    project = make_project()
    with pytest.raises(ValueError, match="span_out_of_range"):
        coded_segments(
            project,
            INTERVIEWS,
            FRAMEWORK,
            {k: v for k, v in STRICT.items() if k != "span_out_of_range"},
        )
    with pytest.raises(ValueError, match="unknown_code"):
        coded_segments(project, INTERVIEWS, FRAMEWORK, {**STRICT, "unknown_code": "merge"})
    bad = INTERVIEWS.copy()
    bad.loc[2, "consent_quotes"] = "maybe"
    with pytest.raises(ValueError, match=r"row 2, column 'consent_quotes'") as info:
        coded_segments(project, bad, FRAMEWORK, STRICT)
    assert "maybe" not in str(info.value)
    dup = INTERVIEWS.copy()
    dup.loc[3, "interview_id"] = "I1"
    with pytest.raises(ValueError, match=r"row 3, column 'interview_id'"):
        coded_segments(project, dup, FRAMEWORK, STRICT)


# ---------------------------------------------------------------- counts


def _row(counts: pd.DataFrame, level: str, theme: str, code: str, group: str, site: str) -> dict:
    hit = counts[
        (counts["level"] == level)
        & (counts["theme"] == theme)
        & (counts["code"] == code)
        & (counts["group"] == group)
        & (counts["site"] == site)
    ]
    assert len(hit) == 1
    return hit.iloc[0].to_dict()


def test_code_counts_exact(segments: pd.DataFrame) -> None:
    counts = code_counts(segments, INTERVIEWS, FRAMEWORK)
    # 3 themes + 4 codes, 5 groups (all + 4), 3 sites (all, LO, SO)
    assert len(counts) == 7 * 5 * 3
    r = _row(counts, "theme", "support", "all", "all", "all")
    assert (r["n_sources"], r["n_references"], r["n_interviews_in_group"], r["share"]) == (
        3,
        5,
        4,
        0.75,
    )
    r = _row(counts, "code", "support", "peer", "all", "all")
    assert (r["n_sources"], r["n_references"]) == (3, 4)
    r = _row(counts, "code", "support", "plans", "all", "all")
    assert (r["n_sources"], r["n_references"]) == (1, 1)
    r = _row(counts, "theme", "support", "all", "service_user", "all")
    assert (r["n_sources"], r["n_references"], r["n_interviews_in_group"], r["share"]) == (
        1,
        2,
        2,
        0.5,
    )
    r = _row(counts, "theme", "support", "all", "all", "LO")
    assert (r["n_sources"], r["n_references"], r["n_interviews_in_group"]) == (2, 4, 3)
    r = _row(counts, "theme", "trust", "all", "carer", "SO")
    assert (r["n_sources"], r["n_references"], r["share"]) == (1, 1, 1.0)
    r = _row(counts, "code", "trust", "strategy", "staff", "LO")
    assert (r["n_sources"], r["n_references"], r["n_interviews_in_group"], r["share"]) == (
        0,
        0,
        1,
        0.0,
    )
    r = _row(counts, "theme", "risk", "all", "manager", "all")
    assert r["n_interviews_in_group"] == 0 and math.isnan(r["share"])


def test_code_counts_list_uncoded_codes_with_zeros() -> None:
    empty, _ = coded_segments(make_project({}), INTERVIEWS, FRAMEWORK, STRICT)
    counts = code_counts(empty, INTERVIEWS, FRAMEWORK)
    assert len(counts) == 105
    assert counts["n_sources"].sum() == 0 and counts["n_references"].sum() == 0
    codes = set(counts.loc[counts["level"] == "code", "code"])
    assert codes == {"peer", "plans", "medication", "strategy"}


def test_framework_matrix(segments: pd.DataFrame) -> None:
    matrix = framework_matrix(segments, INTERVIEWS, FRAMEWORK)
    assert list(matrix.columns) == ["pid", "support", "risk", "trust"]
    assert matrix.values.tolist() == [
        ["P01", 2, 1, 0],
        ["P02", 1, 0, 1],
        ["P03", 2, 0, 0],
    ]


def test_cooccurrence(segments: pd.DataFrame) -> None:
    co = cooccurrence(segments, FRAMEWORK)
    assert list(co.columns) == ["theme", "support", "risk", "trust"]
    assert co.set_index("theme").values.tolist() == [
        [3, 1, 1],
        [1, 1, 0],
        [1, 0, 1],
    ]


# ---------------------------------------------------------------- quotes


def test_trim_quote_word_boundary() -> None:
    assert (
        trim_quote("  I take my\n tablets because I choose to. ", 30)
        == "I take my tablets because I\u2026"
    )
    assert trim_quote("short  text", 30) == "short text"
    assert trim_quote("abcdefghijkl", 6) == "abcde\u2026"
    assert len(trim_quote("word " * 40, 50)) <= 50


def test_quotes_exact_and_consent_respected(segments: pd.DataFrame) -> None:
    quotes = select_quotes(
        segments, TEXTS, INTERVIEWS, FRAMEWORK, per_theme=2, min_chars=10, max_chars=30
    )
    assert list(quotes.columns) == QUOTE_COLUMNS
    # I2 (carer) did not consent: never quoted, so the trust theme has no quote
    assert "I2" not in set(quotes["interview_id"])
    assert "P02" not in set(quotes["pid"])
    assert "trust" not in set(quotes["theme"])
    risk = quotes[quotes["theme"] == "risk"].to_dict("records")
    start, end = span("I1", "I take my tablets because I choose to.")
    assert risk == [
        {
            "theme": "risk",
            "code": "medication",
            "pid": "P01",
            "group": "service_user",
            "site": "LO",
            "interview_id": "I1",
            "start": start,
            "end": end,
            "quote": "I take my tablets because I\u2026",
        }
    ]
    support = quotes[quotes["theme"] == "support"]
    assert len(support) == 2
    # spread across groups: one from the service user, one from staff
    assert sorted(support["group"]) == ["service_user", "staff"]
    for rec in support.to_dict("records"):
        assert len(rec["quote"]) <= 30
        assert rec["quote"].rstrip("\u2026") in " ".join(
            TEXTS[rec["interview_id"]][rec["start"] : rec["end"]].split()
        )


def test_quotes_deterministic_and_filtered(segments: pd.DataFrame) -> None:
    args = dict(per_theme=5, min_chars=25, max_chars=200)
    first = select_quotes(segments, TEXTS, INTERVIEWS, FRAMEWORK, **args)
    shuffled = segments.sample(frac=1.0, random_state=3)
    second = select_quotes(shuffled, TEXTS, INTERVIEWS, FRAMEWORK, **args)
    pd.testing.assert_frame_equal(first, second)
    assert (first["quote"].str.len() >= 25).all()
    # "the group helps me a lot" (24 characters) is too short
    assert not ((first["interview_id"] == "I1") & (first["code"] == "peer")).any()
    # the I1 passage coded with plans and medication appears once per theme
    i1 = first[first["interview_id"] == "I1"]
    assert sorted(zip(i1["theme"], i1["code"])) == [("risk", "medication"), ("support", "plans")]


def test_quotes_never_from_non_consenting_even_if_segments_say_otherwise(
    segments: pd.DataFrame,
) -> None:
    no_consent = INTERVIEWS.assign(consent_quotes="no")
    quotes = select_quotes(
        segments, TEXTS, no_consent, FRAMEWORK, per_theme=10, min_chars=1, max_chars=100
    )
    assert quotes.empty and list(quotes.columns) == QUOTE_COLUMNS


def test_quotes_missing_text_is_named(segments: pd.DataFrame) -> None:
    texts = {k: v for k, v in TEXTS.items() if k != "I3"}
    with pytest.raises(ValueError, match="interview I3"):
        select_quotes(
            segments, texts, INTERVIEWS, FRAMEWORK, per_theme=3, min_chars=1, max_chars=100
        )
