"""Behaviour of the transcript scrubber that mutation testing showed unprotected
(issue 18): every month name and date form the date detector must catch, the
plausibility limits of numeric dates, the accepted lengths and prefixes of UK
phone numbers, URL trimming, overlap resolution and the offset map.
All data here are invented."""

from __future__ import annotations

import pytest
from selfcare.deidentify.names import build_name_matcher
from selfcare.deidentify.scrub import (
    PLACEHOLDER_PRIORITY,
    PLACEHOLDER_TYPES,
    Replacement,
    placeholder,
    scrub_text,
)

EMPTY = build_name_matcher([])


def scrub(text: str, places=()) -> str:
    return scrub_text(text, EMPTY, places=places).text


# ------------------------------------------------------------------- dates
MONTHS = [
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may",),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sep", "sept"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
]
MONTH_WORDS = [w for names in MONTHS for w in names]


@pytest.mark.parametrize("month", MONTH_WORDS)
@pytest.mark.parametrize(
    "form",
    [
        "{d} {M} 2008",  # 12 March 2008
        "{d}th of {M}",  # 12th of March
        "{M} {d}th 2008",  # March 12th 2008
        "{M} {d}, 2008",  # March 12, 2008
        "{M} the {d}th",  # March the 12th
        "{M} 2008",  # March 2008
    ],
)
def test_every_month_name_in_every_written_form_is_a_date(month, form):
    for spelling in (month, month.capitalize(), month.upper()):
        raw = "seen " + form.format(d=12, M=spelling) + " here"
        assert scrub(raw) == "seen [DATE] here", raw


@pytest.mark.parametrize("month", MONTH_WORDS)
def test_month_with_a_full_stop(month):
    assert scrub(f"on {month.capitalize()}. 3rd then") == "on [DATE] then"
    assert scrub(f"on 3 {month.capitalize()}. then").startswith("on [DATE]")


def test_day_abbreviated_month_with_full_stop_and_year_is_one_date():
    assert scrub("born 3 Feb. 2001 here") == "born [DATE] here"


def test_month_and_year_after_an_impossible_day_are_still_a_date():
    assert scrub("on 32 March 2008") == "on 32 [DATE]"


@pytest.mark.parametrize(
    "raw",
    ["25/03/2008", "25-03-2008", "25.03.2008", "25/03/08", "3/4/08", "2008-03-25", "2008/03/25", "2008.3.25"],
)
def test_numeric_date_forms(raw):
    assert scrub(f"born {raw} ok") == "born [DATE] ok"


@pytest.mark.parametrize(
    ("raw", "is_date"),
    [
        # day first
        ("25/03/2008", True),
        ("31/12/2008", True),
        ("01/01/2008", True),
        ("32/01/2008", False),
        ("00/01/2008", False),
        ("01/00/2008", False),
        ("31/13/2008", False),
        # month first (12/31) is also a date; 13/13 is neither
        ("12/31/2008", True),
        ("1/13/2008", True),
        ("12/32/2008", False),
        ("13/13/2008", False),
        # ISO year first: month 1-12, day 1-31
        ("2008-12-31", True),
        ("2008-01-01", True),
        ("2008-13-01", False),
        ("2008-00-10", False),
        ("2008-01-32", False),
        ("2008-01-00", False),
    ],
)
def test_numeric_date_plausibility_limits(raw, is_date):
    assert scrub(f"x {raw} y") == ("x [DATE] y" if is_date else f"x {raw} y")


@pytest.mark.parametrize(
    ("raw", "is_date"),
    [
        ("31 March 2008", True),
        ("1 March 2008", True),
        ("32 March 2008", "month"),  # no day 32: only "March 2008" is a date
        ("0 March 2008", "month"),
        ("March 31st", True),
        ("March 1st", True),
        ("March 32nd", False),
        ("March 0", False),
    ],
)
def test_written_day_plausibility_limits(raw, is_date):
    res = scrub_text(f"x {raw} y", EMPTY)
    assert res.counts["DATE"] == (0 if is_date is False else 1), raw
    if is_date == "month":
        assert res.text == f"x {raw.split()[0]} [DATE] y"


def test_bare_years_and_fractions_are_not_dates():
    assert scrub("in 2008, 3/4 of them, 10-12 people, 1.5.") == "in 2008, 3/4 of them, 10-12 people, 1.5."


def test_mixed_separators_are_not_a_date():
    assert scrub("code 12/03-2008 end") == "code 12/03-2008 end"


# ------------------------------------------------------------------ phones
@pytest.mark.parametrize(
    ("raw", "is_phone"),
    [
        ("0800 123456", True),  # 10 digits
        ("01632 960001", True),  # 11 digits
        ("0161 496 0000", True),
        ("020 7946 0000", True),
        ("0300 123 4567", True),
        ("0500 123456", True),
        ("0700 123456", True),
        ("0800 1234567", True),
        ("0900 123456", True),
        ("0800 12345", False),  # 9 digits
        ("07700 9001234", False),  # 12 digits
        ("0400 123456", False),  # no UK number starts 04
        ("0600 123456", False),  # ... or 06
        ("+44 800 123456", True),
        ("+44 7700 900123", True),
        ("0044 7700 900123", True),
        ("+44 (0)20 7946 0000", True),
        ("(020) 7946 0000", True),
    ],
)
def test_uk_phone_number_lengths_and_prefixes(raw, is_phone):
    assert scrub(f"ring {raw} now") == ("ring [PHONE] now" if is_phone else f"ring {raw} now")


def test_phone_with_stray_trailing_groups_keeps_the_longest_valid_head():
    assert scrub("ring 07700 900123 4 5 times") == "ring [PHONE] 4 5 times"
    assert scrub("ring 0161-496-0000-7 now") == "ring [PHONE]-7 now"
    assert scrub("ring 07700\n900123 soon") == "ring [PHONE] soon"


# ------------------------------------------------- URLs, e-mails, postcodes
def test_url_trailing_punctuation_is_left_outside():
    assert scrub("see (www.example.org/a?b=1)!") == "see ([URL])!"
    assert scrub("see https://example.org/x.'") == "see [URL].'"
    assert scrub('see "http://example.org";') == 'see "[URL]";'


def test_url_needs_more_than_four_characters():
    # "www." alone, once trailing dots are dropped, is not a URL
    assert scrub("www... nothing") == "www... nothing"
    assert scrub("go to www.a now") == "go to [URL] now"


@pytest.mark.parametrize("raw", ["SW17 0RE", "sw170re", "EC1A 1BB", "M1 1AE", "GIR 0AA", "B33\n8TH"])
def test_postcodes(raw):
    assert scrub(f"at {raw} x") == "at [POSTCODE] x"


# ------------------------------------------------------- overlaps and types
def test_placeholder_types_and_unknown_kind():
    for kind in PLACEHOLDER_TYPES:
        assert placeholder(kind) == f"[{kind}]"
    with pytest.raises(ValueError, match="unknown placeholder type 'SHOE'"):
        placeholder("SHOE")
    assert set(PLACEHOLDER_PRIORITY) == set(PLACEHOLDER_TYPES)


def test_counts_cover_every_type_sorted():
    res = scrub_text("mail a@b.org and a@b.org, ring 07700 900123", EMPTY)
    assert list(res.counts) == sorted(PLACEHOLDER_TYPES)
    assert res.counts == {**{k: 0 for k in PLACEHOLDER_TYPES}, "EMAIL": 2, "PHONE": 1}
    assert res.raw_length == len("mail a@b.org and a@b.org, ring 07700 900123")


def test_adjacent_detections_stay_separate_and_overlaps_merge():
    m = build_name_matcher(["Tom Ash"])
    # touching but not overlapping: two placeholders
    res = scrub_text("Tom Ash,07700 900123", m)
    assert res.text == "[NAME],[PHONE]"
    assert [r.kind for r in res.replacements] == ["NAME", "PHONE"]
    # a place inside a longer e-mail address: one EMAIL placeholder (longest wins)
    res = scrub_text("write leeds.team@example.org", EMPTY, places=["Leeds"])
    assert res.text == "write [EMAIL]"
    assert res.counts["PLACE"] == 0 and res.counts["EMAIL"] == 1
    # equal length: the fixed priority decides (a place that is also a name)
    res = scrub_text("near Hope today", build_name_matcher(["Hope Ng"]), places=["Hope"])
    assert res.text == "near [PLACE] today"
    assert res.counts == {**{k: 0 for k in PLACEHOLDER_TYPES}, "PLACE": 1}


def test_overlap_region_is_the_union_and_type_of_the_longest():
    m = build_name_matcher(["May Jones"])
    res = scrub_text("on 3 May 2008 ok", m)
    assert res.text == "on [DATE] ok"
    assert res.replacements == (Replacement(3, 13, 3, 9, "DATE"),)
    # a chain of overlaps merges into one region
    res = scrub_text("x sarah.may@example.org 2008 y", m)
    assert res.text == "x [EMAIL] 2008 y"


def test_nhs_number_beats_phone_when_they_overlap():
    res = scrub_text("no +44 943 476 5919.", EMPTY)
    assert res.text == "no [NHS_NUMBER]."
    assert [r.kind for r in res.replacements] == ["NHS_NUMBER"]
    # a valid NHS number split over a line break
    assert scrub("no 943 476\n5919 x") == "no [NHS_NUMBER] x"


def test_replacement_offsets():
    res = scrub_text("a 07700 900123 b a@b.org c", EMPTY)
    assert res.text == "a [PHONE] b [EMAIL] c"
    assert res.replacements == (
        Replacement(2, 14, 2, 9, "PHONE"),
        Replacement(17, 24, 12, 19, "EMAIL"),
    )


def test_map_span_boundaries():
    res = scrub_text("ab 07700 900123 cd", EMPTY)  # [PHONE] at 3..10, raw 3..15
    assert res.text == "ab [PHONE] cd"
    assert res.map_span(0, 3) == (0, 3)
    assert res.map_span(3, 15) == (3, 10)
    assert res.map_span(4, 15) == (3, 10)  # start inside snaps to the start
    assert res.map_span(3, 4) == (3, 10)  # end inside snaps to the end
    assert res.map_span(15, 18) == (10, 13)
    assert res.map_span(16, 16) == (11, 11)
    assert res.map_span(18, 18) == (13, 13)
    with pytest.raises(ValueError, match=r"span \(0, 19\) is outside the raw text of length 18"):
        res.map_span(0, 19)
    with pytest.raises(ValueError, match="outside the raw text"):
        res.map_span(-1, 2)
    with pytest.raises(ValueError):
        res.map_span(4, 3)


def test_scrub_text_needs_a_string():
    with pytest.raises(ValueError, match="scrub_text needs a string, got bytes"):
        scrub_text(b"Sarah", EMPTY)


# ------------------------------------------------------------------ places
def test_places_are_normalised_deduplicated_and_longest_first():
    places = ["  Tooting  ", "Tooting Broadway", "", None, 3, "tooting", "O\u2019Hare Street", "Smith-Lane"]
    res = scrub_text(
        "at Tooting Broadway, tooting, O'Hare  Street and smith\u2010lane", EMPTY, places=places
    )
    assert res.text == "at [PLACE], [PLACE], [PLACE] and [PLACE]"
    assert res.counts["PLACE"] == 4
    assert scrub("nothing here", places=["", "   "]) == "nothing here"
    assert scrub("Tooting", places=("Tooting" for _ in range(2))) == "[PLACE]"


# ------------------------------------------------- found by mutation testing
def test_day_first_date_with_january_is_a_date():
    # a day above 12 with month 1: only the day-first reading makes it a date
    assert scrub("x 31/01/2008 y") == "x [DATE] y"
    assert scrub("x 13/1/08 y") == "x [DATE] y"


def test_url_shorter_than_five_characters_later_in_the_text():
    assert scrub("see www... nothing") == "see www... nothing"


def test_phone_keeps_the_longest_valid_head_not_the_shortest():
    # "0800 123456" (10 digits) and "0800 123456 7" (11 digits) are both valid
    assert scrub("ring 0800 123456 7 8 now") == "ring [PHONE] 8 now"


def test_touching_detections_are_two_placeholders():
    res = scrub_text("x 12/03/2008Sarah y", build_name_matcher(["Sarah"]))
    assert res.text == "x [DATE][NAME] y"
    assert res.counts["DATE"] == 1 and res.counts["NAME"] == 1


def test_overlap_type_is_the_longest_member_not_the_earliest_or_latest():
    m = build_name_matcher(["May Jones"])
    # DATE "3rd of May" (10 characters) beats NAME "May Jones" (9), which ends later
    assert scrub_text("on 3rd of May Jones said", m).text == "on [DATE] said"
    # NAME "May Jones" (9) beats DATE "12 May" (6), which starts earlier
    assert scrub_text("on 12 May Jones said", m).text == "on [NAME] said"


def test_literal_pattern_of_a_blank_phrase():
    from selfcare.deidentify.scrub import _literal_pattern

    assert _literal_pattern("   ") is None
    assert _literal_pattern("") is None
    assert _literal_pattern(" St  Ann's ") == "St\\s+Ann['\u2019\u2018`\u02bc]s"
