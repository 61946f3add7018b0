"""Tests of selfcare.deidentify (de-identification logic). All data here are invented."""

from __future__ import annotations

import datetime as dt
import re
import time

import numpy as np
import pandas as pd
import pytest
from selfcare.deidentify.generalise import (
    age_at,
    age_band,
    days_between,
    enforce_k,
    postcode_district,
    smallest_class,
)
from selfcare.deidentify.keys import (
    KEY_ENV_VAR,
    PseudonymKeyError,
    check_key_file_location,
    load_key,
    normalise_identifier,
    pseudonym,
)
from selfcare.deidentify.leaks import (
    LEAK_TYPES,
    LeakIndex,
    build_leak_index,
    scan_bytes,
    scan_text,
)
from selfcare.deidentify.names import NameMatcher, build_name_matcher
from selfcare.deidentify.scrub import PLACEHOLDER_TYPES, placeholder, scrub_text
from selfcare.raw.nhs import is_valid_nhs_number, make_test_nhs_number, nhs_check_digit

# Invented people (no real person): canaries planted in transcripts.
NAMES = [
    "Sarah Khan",
    "Ali O'Neill",
    "Will Smith-Jones",
    "Dr Rose Ng",
    "Beatrix Quennell",
]
KEY = b"k" * 32
OTHER_KEY = b"q" * 32
DEMO = "demo-key-for-synthetic-data-only-0123456789"


# ---------------------------------------------------------------- NHS numbers
def test_nhs_worked_example_valid_and_neighbour_invalid():
    assert nhs_check_digit("943476591") == 9
    assert is_valid_nhs_number("943 476 5919")
    assert is_valid_nhs_number("9434765919")
    assert is_valid_nhs_number("943-476-5919")
    assert not is_valid_nhs_number("943 476 5918")
    assert not is_valid_nhs_number("94347659190")
    assert not is_valid_nhs_number("943 4765 919")
    assert not is_valid_nhs_number(None)  # type: ignore[arg-type]


def test_nhs_check_digit_ten_is_invalid_and_eleven_is_zero():
    # 000000006: sum 6*2 = 12, 12 mod 11 = 1, 11 - 1 = 10 -> no valid number
    assert nhs_check_digit("000000006") is None
    assert not any(is_valid_nhs_number(f"000000006{d}") for d in range(10))
    # 000000000: sum 0, 11 - 0 = 11 -> check digit 0
    assert nhs_check_digit("000000000") == 0
    # 100000000: sum 10, 11 - 10 = 1
    assert nhs_check_digit("100000000") == 1
    with pytest.raises(ValueError):
        nhs_check_digit("12345678")


def test_synthetic_nhs_numbers_in_test_range_and_valid():
    rng = np.random.default_rng(2010)
    draws = [make_test_nhs_number(rng) for _ in range(3000)]
    assert all(re.fullmatch(r"999\d{7}", d) for d in draws)
    assert all(9990000000 <= int(d) <= 9999999999 for d in draws)
    assert all(is_valid_nhs_number(d) for d in draws)
    assert len(set(draws)) > 2900
    # same seed, same numbers
    again = np.random.default_rng(2010)
    assert [make_test_nhs_number(again) for _ in range(5)] == draws[:5]


# ---------------------------------------------------------------- pseudonyms
def test_normalise_identifier_kinds():
    assert normalise_identifier("943 476-5919", "nhs_number") == "9434765919"
    assert normalise_identifier(" sw17 0re ", "postcode") == "SW170RE"
    assert (
        normalise_identifier(" A.Person@Example.ORG ", "email")
        == "a.person@example.org"
    )
    assert normalise_identifier("  SARAH   khan ", "name") == "sarah khan"
    assert normalise_identifier(" lo-001 ", "study_id") == "LO-001"
    assert normalise_identifier("+44 7700 900123", "phone") == "07700900123"
    assert normalise_identifier("+44 (0)7700 900123", "phone") == "07700900123"
    assert normalise_identifier("07700-900-123", "phone") == "07700900123"
    with pytest.raises(ValueError, match="kind"):
        normalise_identifier("x", "shoe_size")
    with pytest.raises(ValueError, match="empty"):
        normalise_identifier("  ", "email")


def test_pseudonym_stable_and_key_sensitive():
    p1 = pseudonym("943 476 5919", KEY, "nhs_number", prefix="P", length=10)
    p2 = pseudonym("9434765919", KEY, "nhs_number", prefix="P", length=10)
    p3 = pseudonym("9434765919", OTHER_KEY, "nhs_number", prefix="P", length=10)
    assert p1 == p2  # normalised before hashing
    assert p1 != p3  # different key, different pseudonym
    assert re.fullmatch(r"P[0-9a-f]{10}", p1)
    # kind is part of the message
    assert pseudonym("123", KEY, "study_id") != pseudonym("123", KEY, "phone")
    assert len(pseudonym("x", KEY, "name", length=64)) == 64
    with pytest.raises(ValueError):
        pseudonym("x", KEY, "name", length=0)
    with pytest.raises(ValueError):
        pseudonym("x", b"", "name")


def test_load_key_cases():
    real = "r" * 40
    # missing key, real data
    with pytest.raises(PseudonymKeyError) as err:
        load_key(None, None, DEMO, synthetic=False)
    assert KEY_ENV_VAR in str(err.value) and "deidentify.key_file" in str(
        err.value
    )
    assert "OUTSIDE" in str(err.value)
    # demo key with real data, via env or file
    with pytest.raises(PseudonymKeyError, match="demo"):
        load_key(DEMO, None, DEMO, synthetic=False)
    with pytest.raises(PseudonymKeyError, match="demo"):
        load_key(None, DEMO + "\n", DEMO, synthetic=False)
    # short key, with any data; the key itself is not printed
    with pytest.raises(PseudonymKeyError, match="shorter") as err:
        load_key("short-secret", None, DEMO, synthetic=True)
    assert "short-secret" not in str(err.value)
    # synthetic data, no key -> demo key
    assert load_key(None, None, DEMO + "\n", synthetic=True) == (
        DEMO.encode(),
        "demo",
    )
    assert load_key("  ", "", DEMO, synthetic=True)[1] == "demo"
    # good keys; env wins over file
    assert load_key(real, "f" * 40, DEMO, synthetic=False) == (
        real.encode(),
        "env",
    )
    assert load_key(None, "f" * 40 + "\n", DEMO, synthetic=False) == (
        b"f" * 40,
        "file",
    )
    # synthetic data without any key or demo key
    with pytest.raises(PseudonymKeyError):
        load_key(None, None, None, synthetic=True)


def test_key_file_must_be_outside_repo():
    check_key_file_location("/home/me/secret.key", "/work/main")
    with pytest.raises(PseudonymKeyError, match="inside the repository"):
        check_key_file_location("/work/main/config/secret.key", "/work/main")
    # a sibling folder whose name starts like the repo is outside
    check_key_file_location("/work/main-keys/secret.key", "/work/main")


# ---------------------------------------------------------- structured fields
def test_postcode_district():
    assert postcode_district("SW17 0RE") == "SW17"
    assert postcode_district("PO13AX") == "PO1"
    assert postcode_district("po1 3ax") == "PO1"
    assert postcode_district("EC1A 1BB") == "EC1A"
    assert postcode_district("M1 1AE") == "M1"
    with pytest.raises(ValueError) as err:
        postcode_district("HELLO")
    assert "HELLO" not in str(err.value)


def test_age_at_and_bands_and_days():
    assert age_at(dt.date(1970, 6, 15), dt.date(2008, 6, 14)) == 37
    assert age_at(dt.date(1970, 6, 15), dt.date(2008, 6, 15)) == 38
    assert age_at(dt.date(1972, 2, 29), dt.date(2009, 2, 28)) == 36
    with pytest.raises(ValueError):
        age_at(dt.date(2000, 1, 2), dt.date(2000, 1, 1))
    edges = [18, 25, 35, 45, 55, 65]
    assert age_band(18, edges) == "18-24"
    assert age_band(24.9, edges) == "18-24"
    assert age_band(25, edges) == "25-34"
    assert age_band(64, edges) == "55-64"
    assert age_band(65, edges) == "65+"
    assert age_band(90, edges) == "65+"
    assert age_band(17, edges) == "<18"
    assert age_band(None, edges) is None
    assert age_band(float("nan"), edges) is None
    with pytest.raises(ValueError):
        age_band(30, [25, 18])
    assert days_between(dt.date(2008, 1, 1), dt.date(2008, 10, 1)) == 274
    assert days_between("2008-10-01", "2008-01-01") == -274
    assert days_between(None, dt.date(2008, 1, 1)) is None
    assert days_between(dt.date(2008, 1, 1), pd.NaT) is None


# ------------------------------------------------------------ name scrubbing
@pytest.fixture(scope="module")
def matcher() -> NameMatcher:
    return build_name_matcher(NAMES + [None, "", float("nan")])  # type: ignore[list-item]


def _assert_no_canary(text: str) -> None:
    low = text.casefold()
    for word in ("sarah", "khan", "neill", "quennell", "beatrix", "smith", "jones"):
        assert word not in low, word


def test_matcher_repr_hides_names(matcher):
    assert "sarah" not in repr(matcher).casefold()
    assert "name parts" in repr(matcher)


def test_canary_names_scrubbed_in_all_forms(matcher):
    raw = (
        "I: So SARAH, how was it?\n"
        'P: sarah here. Sarah\n   Khan came, and Khan\'s mum. "Sarah" said it was\n'
        "Sarahs' group. Then Beatrix  Quennell (Quennell's friend) and O'Neill,\n"
        "O\u2019Neill\u2019s too; Smith-Jones and 'Khan'. BEATRIX QUENNELL!"
    )
    res = scrub_text(raw, matcher)
    _assert_no_canary(res.text)
    assert "[NAME]'s mum" in res.text
    assert '"[NAME]"' in res.text
    assert "'[NAME]'" in res.text
    # a full name split over a line break and spaces is one placeholder
    assert "P: [NAME] here. [NAME] came," in res.text
    assert "Then [NAME] ([NAME]'s friend)" in res.text
    assert res.counts["NAME"] == 13
    assert res.text.count("[NAME]") == 13


def test_name_count_full_name_is_one(matcher):
    res = scrub_text("Sarah Khan met Sarah\n\tKhan and Sarah J. Khan.", matcher)
    assert res.text == "[NAME] met [NAME] and [NAME]."
    assert res.counts["NAME"] == 3


def test_single_letter_parts_only_next_to_a_name():
    m = build_name_matcher(["Ali O'Neill", "Aoife \u00d3 Briain"])
    res = scrub_text(
        "O Neill, \u00d3 Briain and Aoife \u00d3 Briain. O dear, I said. O.", m
    )
    assert res.text == "[NAME], [NAME] and [NAME]. O dear, I said. O."


def test_scrubbing_is_idempotent(matcher):
    raw = "Sarah Khan, 943 476 5919, SW17 0RE, 3 May 2008, www.example.org"
    once = scrub_text(raw, matcher, places=["Tooting"])
    twice = scrub_text(once.text, matcher, places=["Tooting"])
    assert twice.text == once.text
    assert sum(twice.counts.values()) == 0
    assert placeholder("NAME") == "[NAME]"
    with pytest.raises(ValueError):
        placeholder("SHOE")


def test_whole_words_only(matcher):
    text = "Alison spoke about quality in Sarahville and Khanate; Ali agreed."
    res = scrub_text(text, matcher)
    assert (
        res.text
        == "Alison spoke about quality in Sarahville and Khanate; [NAME] agreed."
    )
    assert res.counts["NAME"] == 1


def test_common_word_names_default_scrubbed_and_stopwords(matcher):
    text = "I will ask Will. Rose said she rose early. WILL"
    conservative = scrub_text(text, matcher)
    assert (
        conservative.text == "I [NAME] ask [NAME]. [NAME] said she [NAME] early. [NAME]"
    )
    relaxed = build_name_matcher(NAMES, stopwords={"Will", "rose"})
    res = scrub_text(text, relaxed)
    assert res.text == "I will ask [NAME]. [NAME] said she rose early. [NAME]"
    # titles are not name parts
    assert "Dr" in scrub_text("Dr Patel", matcher).text


# ---------------------------------------------------------- pattern detectors
EMPTY = build_name_matcher([])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NHS no 943 476 5919.", "NHS no [NHS_NUMBER]."),
        ("NHS no 9434765919", "NHS no [NHS_NUMBER]"),
        ("NHS no 943-476-5919", "NHS no [NHS_NUMBER]"),
        (
            "ref 943 476 5918 here",
            "ref 943 476 5918 here",
        ),  # bad check digit, not a phone
        ("call 07700 900123", "call [PHONE]"),
        ("call 07700-900-123!", "call [PHONE]!"),
        ("call (020) 7946 0000", "call [PHONE]"),
        ("call 020 7946 0000", "call [PHONE]"),
        ("call 0161 496 0000", "call [PHONE]"),
        ("call +44 7700 900123", "call [PHONE]"),
        ("call +44 (0)20 7946 0000", "call [PHONE]"),
        ("call 0044 113 496 0000", "call [PHONE]"),
        ("ring 07700 900123 4 times", "ring [PHONE] 4 times"),
        ("it cost 123 456", "it cost 123 456"),
        ("lives at SW17 0RE now", "lives at [POSTCODE] now"),
        ("lives at po13ax now", "lives at [POSTCODE] now"),
        ("lives at EC1A 1BB.", "lives at [POSTCODE]."),
        ("the SW17 area", "the SW17 area"),
        ("mail a.b-c@nhs.example.org.", "mail [EMAIL]."),
        ("on 12/03/2008 and 12-03-08", "on [DATE] and [DATE]"),
        ("on 2008-03-12 or 12.03.2008", "on [DATE] or [DATE]"),
        ("on 12 March 2008,", "on [DATE],"),
        ("on March 12th 2008", "on [DATE]"),
        ("on March 12, 2008", "on [DATE]"),
        ("on the 3rd of May we met", "on the [DATE] we met"),
        ("in March 2008 it began", "in [DATE] it began"),
        ("in 2008 it began", "in 2008 it began"),
        ("see https://example.org/a?b=1.", "see [URL]."),
        ("see www.example.org/page, ok", "see [URL], ok"),
        ("score 3/4 and 10-12", "score 3/4 and 10-12"),
    ],
)
def test_pattern_detectors(raw, expected):
    assert scrub_text(raw, EMPTY).text == expected


def test_places_and_counts():
    raw = "We met at tooting  broadway near Tooting Broadway station, Tooting."
    res = scrub_text(raw, EMPTY, places=["Tooting Broadway", "Tooting"])
    assert res.text == "We met at [PLACE] near [PLACE] station, [PLACE]."
    assert res.counts["PLACE"] == 3
    assert set(res.counts) == set(PLACEHOLDER_TYPES)
    assert res.counts["NAME"] == 0
    # whole words only, possessive kept outside the placeholder
    res = scrub_text(
        "Tootingham and Leedsy, but Leeds's", EMPTY, places=["Leeds", "Tooting"]
    )
    assert res.text == "Tootingham and Leedsy, but [PLACE]'s"


def test_overlaps_resolved_nhs_beats_phone_and_longest_wins(matcher):
    # +44 prefix makes a phone candidate that contains a valid NHS number
    res = scrub_text("no. +44 943 476 5919 end", EMPTY)
    assert res.text == "no. [NHS_NUMBER] end"
    assert res.counts["NHS_NUMBER"] == 1 and res.counts["PHONE"] == 0
    # a name inside an e-mail address: the e-mail wins, one placeholder
    res = scrub_text("write to sarah.khan@example.org today", matcher)
    assert res.text == "write to [EMAIL] today"
    assert res.counts == {**{k: 0 for k in PLACEHOLDER_TYPES}, "EMAIL": 1}
    # a name that is a month: the longer date wins
    m = build_name_matcher(["May Jones"])
    res = scrub_text("seen on 3 May 2008 by May", m)
    assert res.text == "seen on [DATE] by [NAME]"
    # deterministic
    assert scrub_text("x Sarah Khan 07700 900123", matcher) == scrub_text(
        "x Sarah Khan 07700 900123", matcher
    )


def test_map_span(matcher):
    raw = "Sarah rang 07700 900123 about Khan's plan on 12/03/2008 then left."
    res = scrub_text(raw, matcher)
    assert res.text == "[NAME] rang [PHONE] about [NAME]'s plan on [DATE] then left."
    # span covering "about Khan's plan" (replacement inside the span)
    s, e = raw.index("about"), raw.index("plan") + 4
    ms, me = res.map_span(s, e)
    assert res.text[ms:me] == "about [NAME]'s plan"
    # span starting inside the phone and ending inside the date snaps outward
    s, e = raw.index("900123"), raw.index("03/2008")
    ms, me = res.map_span(s, e)
    assert res.text[ms:me] == "[PHONE] about [NAME]'s plan on [DATE]"
    # span after all replacements
    s = raw.index("then")
    assert res.text[slice(*res.map_span(s, len(raw)))] == "then left."
    # span before any replacement / exactly a replacement / empty span inside one
    assert res.map_span(0, 0) == (0, 0)
    assert res.text[slice(*res.map_span(0, 5))] == "[NAME]"
    assert res.text[slice(*res.map_span(2, 2))] == "[NAME]"
    assert res.map_span(0, len(raw)) == (0, len(res.text))
    with pytest.raises(ValueError):
        res.map_span(5, 2)
    with pytest.raises(ValueError):
        res.map_span(0, len(raw) + 1)
    # the result does not keep removed text
    assert "Khan" not in repr(res) and all(
        not hasattr(r, "text") for r in res.replacements
    )


# ------------------------------------------------------------------- leaks
RECORDS = [
    {"type": "name", "value": "Beatrix Quennell"},
    {"type": "name", "value": "Ali O'Neill"},
    {"type": "nhs_number", "value": "943 476 5919"},
    {"type": "phone", "value": "07700 900123"},
    {"type": "email", "value": "B.Quennell@Example.org"},
    {"type": "postcode", "value": "SW17 0RE"},
    {"type": "date_of_birth", "value": "2001-02-03"},
    {"type": "email", "value": None},
]


@pytest.fixture(scope="module")
def index() -> LeakIndex:
    return build_leak_index(RECORDS, ignore_words={"Leeds"})


def test_leak_index_hides_values(index):
    assert "quennell" not in repr(index).casefold()
    assert index.sizes["name"] >= 3 and index.sizes["phone"] == 1


def test_scan_text_finds_each_type(index):
    zero = {k: 0 for k in LEAK_TYPES}
    assert (
        scan_text("Nothing to see, Alison? no: 'Al' and quality.", index) == zero
    )
    assert scan_text("ali", index)["name"] == 1  # 3+ letter parts count
    cases = {
        "name": ["QUENNELL said", "beatrix's", "O\u2019Neill", "oneill"],
        "nhs_number": ["no 9434765919", "943-476-5919", "943 476\n5919"],
        "phone": ["07700900123", "+44 7700 900123", "(07700) 900-123"],
        "email": ["mail b.quennell@example.ORG now"],
        "postcode": ["sw170re", "SW17 0RE", "sw17  0re"],
        "date_of_birth": [
            "2001-02-03",
            "03/02/2001",
            "3/2/2001",
            "03-02-2001",
            "03.02.2001",
            "3 February 2001",
            "3rd of Feb 2001",
            "February 3, 2001",
            "03/02/01",
        ],
    }
    for kind, texts in cases.items():
        for t in texts:
            got = scan_text(t, index)
            assert got[kind] >= 1, (kind, t)
            assert sum(got.values()) == got[kind] + (
                got["name"] if kind == "email" else 0
            ), (kind, t)


def test_scan_counts_and_ignores_placeholders(index):
    text = (
        "[NAME] met [NAME] at [POSTCODE]; [PHONE]; [NHS_NUMBER]; [DATE].\n"
        "Quennell, Quennell and beatrix. Call 07700 900123 or 07700-900-123. "
        "Not a leak: Leeds, 2001, 943 476 5918."
    )
    got = scan_text(text, index)
    assert got == {
        "date_of_birth": 0,
        "email": 0,
        "name": 3,
        "nhs_number": 0,
        "phone": 2,
        "postcode": 0,
    }
    assert list(got) == sorted(got)
    assert scan_bytes(text.encode("utf-8") + b"\xff\xfe", index) == got
    # an ignored word that is also a name part does not count
    idx = build_leak_index(
        [{"type": "name", "value": "Hope Leeds"}], ignore_words={"LEEDS"}
    )
    assert scan_text("Leeds and hope", idx)["name"] == 1


def test_scrubbed_text_has_no_leaks(matcher):
    raw = "Beatrix Quennell (943 476 5919, SW17 0RE, 07700 900123, b.quennell@example.org) born 03/02/2001."
    idx = build_leak_index(RECORDS)
    assert sum(scan_text(raw, idx).values()) >= 6
    clean = scrub_text(raw, matcher).text
    assert scan_text(clean, idx) == {k: 0 for k in LEAK_TYPES}


def test_leak_index_errors_name_record_not_value():
    with pytest.raises(ValueError, match="record 1") as err:
        build_leak_index(
            [{"type": "name", "value": "A B"}, {"type": "shoe", "value": "Zed"}]
        )
    assert "Zed" not in str(err.value)
    with pytest.raises(ValueError, match=r"record 0 \(date_of_birth\)") as err:
        build_leak_index([{"type": "date_of_birth", "value": "Secretday"}])
    assert "Secretday" not in str(err.value)


def _letters(i: int) -> str:
    return "".join("abcdefghij"[int(c)] for c in f"{i:03d}")


def test_scan_is_fast_enough():
    rng = np.random.default_rng(1)
    records = []
    for i in range(100):
        records += [
            {"type": "name", "value": f"Canary{_letters(i)} Surnamez{_letters(i)}"},
            {"type": "nhs_number", "value": make_test_nhs_number(rng)},
            {"type": "phone", "value": f"07700 9{i:05d}"},
            {"type": "email", "value": f"person{i}@example.org"},
            {"type": "postcode", "value": f"SW{i % 20 + 1} {i % 9}AB"},
        ]
    idx = build_leak_index(records)
    filler = (
        "The group met on 12 May 2008 with 3 people, 45 minutes, tel 0113 496 0000. "
    )
    text = filler * (5_000_000 // len(filler)) + f"Canary{_letters(7)} "
    t0 = time.perf_counter()
    got = scan_text(text, idx)
    assert time.perf_counter() - t0 < 20
    assert got["name"] == 1 and got["phone"] == 0


# ------------------------------------------------------------- k-anonymity
def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": ["LO"] * 6 + ["SO"] * 6,
            "age_band": [
                "18-24",
                "18-24",
                "25-34",
                "25-34",
                "25-34",
                "35-44",
                "35-44",
                "35-44",
                "45-54",
                "45-54",
                "55-64",
                None,
            ],
            "ethnicity": [
                "wb",
                "wb",
                "wb",
                "wo",
                "wo",
                "wb",
                "wb",
                "wb",
                "wb",
                "wb",
                "asian",
                "wb",
            ],
        }
    )


def test_smallest_class_with_missing_as_own_class():
    df = _frame()
    assert smallest_class(df, ["site"]) == 6
    assert smallest_class(df, ["site", "age_band"]) == 1
    assert smallest_class(pd.DataFrame({"a": [None, None, "x", "x"]}), ["a"]) == 2
    assert smallest_class(df, []) == 12
    assert smallest_class(df.iloc[:0], ["site"]) == 0
    with pytest.raises(KeyError, match="nope"):
        smallest_class(df, ["nope"])


def test_enforce_k_applies_steps_in_order_until_reached():
    df = _frame()
    steps = [
        {"column": "ethnicity", "merge_below": 3, "into": "other"},
        {
            "column": "age_band",
            "map": {
                "18-24": "18-34",
                "25-34": "18-34",
                "35-44": "35-54",
                "45-54": "35-54",
                "55-64": "55+",
            },
        },
        {"column": "age_band", "suppress": True},
        {"column": "ethnicity", "suppress": True},
        {"column": "site", "suppress": True},  # not needed: never applied
    ]
    out, log = enforce_k(df, ["site", "age_band", "ethnicity"], 3, steps)
    assert smallest_class(out, ["site", "age_band", "ethnicity"]) >= 3
    assert [e["step"] for e in log] == [1, 2, 3, 4, None]
    assert [e["action"] for e in log] == [
        "merge_below",
        "map",
        "suppress",
        "suppress",
        "result",
    ]
    assert [e["k_after"] for e in log] == [1, 1, 1, 6, 6]
    assert [e["reached"] for e in log] == [False, False, False, True, True]
    assert log[0]["rows_changed"] == 3  # two "wo" and one "asian"
    assert log[0]["k_before"] == 1 and log[-1]["reached"] is True
    assert all(e["classes_after"] <= e["classes_before"] for e in log)
    assert set(out["age_band"]) == {"suppressed"}
    assert set(out["ethnicity"]) == {"suppressed"}
    assert out["site"].tolist() == df["site"].tolist()
    assert df["ethnicity"].tolist() == _frame()["ethnicity"].tolist()  # input untouched


def test_enforce_k_reports_when_not_reached_and_stops_early():
    df = _frame()
    out, log = enforce_k(
        df, ["site", "age_band"], 7, [{"column": "age_band", "suppress": True}]
    )
    assert log[-1]["action"] == "result" and log[-1]["reached"] is False
    assert log[-1]["k_after"] == 6
    out, log = enforce_k(df, ["site"], 2, [{"column": "site", "suppress": True}])
    assert len(log) == 1 and log[0]["reached"] is True
    assert out.equals(df)
    with pytest.raises(ValueError, match="step 1"):
        enforce_k(
            df, ["site", "age_band"], 3, [{"column": "age_band", "bogus": 1}]
        )
    with pytest.raises(KeyError, match="step 1"):
        enforce_k(
            df, ["site", "age_band"], 3, [{"column": "nope", "suppress": True}]
        )


@pytest.mark.parametrize("spoken", ["June the 20th", "june the 3rd, 2008", "the 20th of June"])
def test_spoken_dates_are_scrubbed(spoken):
    res = scrub_text(f"I last saw her {spoken}, I think.", build_name_matcher([]))
    assert res.counts["DATE"] == 1
    assert "20th" not in res.text and "3rd" not in res.text
