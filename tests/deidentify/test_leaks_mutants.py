"""The fail-closed leak check: every identifier form it must find, the record
guards that must raise, and the report it writes, as mutation testing asked
(issue 18). All identifiers here are invented."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from selfcare.deidentify import leaks
from selfcare.deidentify.documents import read_document
from selfcare.deidentify.leaks import (
    LEAK_TYPES,
    LeakError,
    LeakIndex,
    build_leak_index,
    extractable_text,
    find_identifiers,
    register_identifiers,
    scan_bytes,
    scan_outputs,
    scan_text,
)

NONE = {k: 0 for k in LEAK_TYPES}


def index_of(kind: str, value: str, **kw) -> LeakIndex:
    return build_leak_index([{"type": kind, "value": value}], **kw)


def hits(text: str, index: LeakIndex) -> dict[str, int]:
    return {k: v for k, v in scan_text(text, index).items() if v}


# ------------------------------------------------------------------ index
def test_index_contents_and_sizes():
    index = build_leak_index(
        [
            {"type": "name", "value": "Beatrix O'Neill-Quennell"},
            {"type": "name", "value": "Al Bo"},  # parts under three letters are not indexed
            {"type": "nhs_number", "value": "943-476-5919"},
            {"type": "phone", "value": "+44 7700 900123"},
            {"type": "phone", "value": "0161 496 0000"},
            {"type": "email", "value": " B.Q@Example.ORG "},
            {"type": "postcode", "value": "sw17 0re"},
            {"type": "date_of_birth", "value": "03/02/2001"},
            {"type": "date_of_birth", "value": "2001-02-03T10:00"},
            {"type": "email", "value": float("nan")},
            {"type": "name", "value": "   "},
            {"type": "phone", "value": pd.NA},
        ],
        ignore_words={"QUENNELL", 5},
    )
    assert index.names == frozenset({"beatrix", "o'neill-quennell", "o'neill", "oneill", "oneill-quennell", "neill"})
    assert index.digits == {"1614960000": "phone", "7700900123": "phone", "9434765919": "nhs_number"}
    assert list(index.digits) == sorted(index.digits)
    assert index.digit_lengths == (10,)
    assert index.emails == frozenset({"b.q@example.org"})
    assert index.postcodes == frozenset({"SW170RE"})
    assert index.dates == frozenset({(2001, 2, 3)})
    assert index.sizes == {"date_of_birth": 1, "email": 1, "name": 6, "nhs_number": 1, "phone": 2, "postcode": 1}
    assert "quennell" not in repr(index).casefold() and "7700" not in repr(index)


def test_digit_lengths_are_distinct_and_sorted():
    index = build_leak_index([{"type": "phone", "value": "0800 123456"}, {"type": "nhs_number", "value": "9434765919"}])
    assert index.digit_lengths == (9, 10)


def test_an_nhs_number_that_is_also_a_phone_number_stays_an_nhs_number():
    index = build_leak_index(
        [{"type": "nhs_number", "value": "9434765919"}, {"type": "phone", "value": "09434765919"}]
    )
    assert index.digits == {"9434765919": "nhs_number"}
    assert index.sizes["phone"] == 0 and index.sizes["nhs_number"] == 1


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("x", "leak record 0 must be a mapping with 'type' and 'value'"),
        ({"value": "x"}, "leak record 0 must be a mapping with 'type' and 'value'"),
        ({"type": "name"}, "leak record 0 must be a mapping with 'type' and 'value'"),
        (
            {"type": "shoe", "value": "x"},
            "leak record 0 has unknown type 'shoe'; expected one of "
            "['date_of_birth', 'email', 'name', 'nhs_number', 'phone', 'postcode']",
        ),
        ({"type": "nhs_number", "value": "943 476 591"}, "leak record 0 (nhs_number) does not have ten digits"),
        ({"type": "nhs_number", "value": "943 476 59190"}, "leak record 0 (nhs_number) does not have ten digits"),
        ({"type": "phone", "value": "01234"}, "leak record 0 (phone) has fewer than seven digits"),
        ({"type": "email", "value": "no-at.example.org"}, "leak record 0 (email) has no '@'"),
        ({"type": "postcode", "value": "M1 1A"}, "leak record 0 (postcode) is too short for a full postcode"),
        ({"type": "date_of_birth", "value": "3 Feb 2001"}, "leak record 0 (date_of_birth) is not a readable date"),
        ({"type": "date_of_birth", "value": "31/02/2001"}, "leak record 0 (date_of_birth) is not a readable date"),
    ],
)
def test_record_guards_raise_and_never_show_the_value(record, message):
    with pytest.raises(ValueError) as e:
        build_leak_index([record])
    assert str(e.value) == message
    with pytest.raises(ValueError, match=message.replace("record 0", "record 1").replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        build_leak_index([{"type": "name", "value": "Ann Bell"}, record])


def test_short_but_valid_identifiers_are_accepted():
    assert index_of("phone", "0123 456").digits == {"123456": "phone"}
    assert index_of("postcode", "M11AE").postcodes == frozenset({"M11AE"})


@pytest.mark.parametrize("dob", ["2001-02-03", " 2001-02-03 ", "3/2/2001", "03.02.2001", "03-02-2001", "2001-02-03 00:00:00"])
def test_date_of_birth_formats(dob):
    assert index_of("date_of_birth", dob).dates == frozenset({(2001, 2, 3)})


# --------------------------------------------------------------- scanning
@pytest.fixture(scope="module")
def index() -> LeakIndex:
    return build_leak_index(
        [
            {"type": "name", "value": "Beatrix Quennell"},
            {"type": "nhs_number", "value": "943 476 5919"},
            {"type": "phone", "value": "07700 900123"},
            {"type": "email", "value": "B.Quennell@Example.org"},
            {"type": "postcode", "value": "SW17 0RE"},
            {"type": "date_of_birth", "value": "2001-02-03"},
        ]
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("", {}),
        ("[NAME] [PHONE] [DATE] [POSTCODE] [EMAIL] [NHS_NUMBER] [URL] [PLACE]", {}),
        ("beatrix and QUENNELL", {"name": 2}),
        ("Quennell's and Quennell\u2019s", {"name": 2}),
        ("Quennells and Beatrixa", {}),
        ("9434765919", {"nhs_number": 1}),
        ("943 476 5919 and 943-476-5919 and 943.476.5919", {"nhs_number": 3}),
        ("ref 99434765919", {"nhs_number": 1}),
        ("943 476 591", {}),
        ("07700 900123, +44 (0)7700 900 123, 7700-900-123", {"phone": 3}),
        ("(07700) 900-123", {"phone": 1}),
        ("07700   900123", {"phone": 1}),
        ("07700    900123", {}),  # more than three separators break the run
        ("b.quennell@example.ORG", {"email": 1, "name": 1}),  # the name part counts too
        ("x.b.quennell@example.org.uk", {"name": 1}),
        ("SW17 0RE, sw170re and SW17  0RE", {"postcode": 3}),
        ("W17 0RE", {}),
        ("SW17 0RF", {}),
        ("2001-02-03, 2001/2/3, 03/02/2001, 3/2/2001, 03-02-2001, 03.02.2001, 03/02/01", {"date_of_birth": 7}),
        ("02/03/2001 and 02/03/01", {"date_of_birth": 2}),  # month first is also tried
        ("3 February 2001, 3rd of Feb 2001, 3 Feb. 2001, 3rd February, 2001", {"date_of_birth": 4}),
        ("February 3, 2001, Feb 3rd 2001, feb. 3 2001", {"date_of_birth": 3}),
        ("3 Foo 2001, Foo 3 2001, 4 February 2001, 2001-02-04, 04/02/2001, 03/02/2002", {}),
        ("2001-02-03 in [NAME]Quennell", {"date_of_birth": 1, "name": 1}),
    ],
)
def test_scan_text_finds_every_form(index, text, found):
    assert hits(text, index) == found


@pytest.mark.parametrize(
    ("month", "number"),
    [("january", 1), ("jan", 1), ("february", 2), ("feb", 2), ("march", 3), ("mar", 3), ("april", 4), ("apr", 4),
     ("may", 5), ("june", 6), ("jun", 6), ("july", 7), ("jul", 7), ("august", 8), ("aug", 8), ("september", 9),
     ("sep", 9), ("sept", 9), ("october", 10), ("oct", 10), ("november", 11), ("nov", 11), ("december", 12),
     ("dec", 12)],
)
def test_every_month_name_of_a_date_of_birth(month, number):
    index = index_of("date_of_birth", f"2001-{number:02d}-13")
    assert hits(f"born 13 {month.capitalize()} 2001", index) == {"date_of_birth": 1}
    assert hits(f"born {month.upper()} 13th, 2001", index) == {"date_of_birth": 1}
    assert hits(f"born 14 {month} 2001", index) == {}


def test_scan_text_counts_every_occurrence_and_returns_every_type_sorted(index):
    counts = scan_text("Quennell, Quennell. 07700900123 07700900123 SW170RE SW17 0RE", index)
    assert list(counts) == sorted(LEAK_TYPES)
    assert counts == {**NONE, "name": 2, "phone": 2, "postcode": 2}
    assert scan_text("", index) == NONE
    assert scan_text("nothing here", index) == NONE


def test_digits_are_found_inside_longer_runs_and_of_every_indexed_length():
    index = build_leak_index([{"type": "phone", "value": "0800 123456"}, {"type": "nhs_number", "value": "9434765919"}])
    assert hits("x 9800123456 y", index) == {"phone": 1}
    assert hits("x 800 123 456 9434765919 y", index) == {"phone": 1, "nhs_number": 1}
    assert hits("x 80012345 y", index) == {}


def test_an_empty_index_finds_nothing():
    empty = build_leak_index([])
    assert empty.sizes == NONE
    assert scan_text("Quennell 07700 900123 SW17 0RE 2001-02-03 a@b.org", empty) == NONE


def test_scan_bytes_ignores_undecodable_bytes(index):
    assert scan_bytes(b"Quen\xffnell and Quennell", index) == {**NONE, "name": 2}
    assert scan_bytes(bytearray(b"SW17 0RE"), index) == {**NONE, "postcode": 1}


# ------------------------------------------------------ registers and files
def test_register_identifiers_with_corrections():
    registers = {
        "participants": pd.DataFrame(
            {"full_name": ["Ann Bell", None, "  "], "phone": ["07700 900123", "", None], "site": ["A", "B", "C"]}
        ),
        "interviewees": pd.DataFrame({"email": ["a@b.org"], "postcode": ["SW17 0RE"]}),
    }
    corrections = pd.DataFrame(
        {
            "column": ["full_name", "site", "email", "phone", "date_of_birth"],
            "new_value": ["Anne Bell", "X", None, "  ", "2001-02-03"],
        }
    )
    records = register_identifiers(registers, corrections)
    assert records == [
        {"type": "name", "value": "Ann Bell", "source": "participants row 1"},
        {"type": "phone", "value": "07700 900123", "source": "participants row 1"},
        {"type": "email", "value": "a@b.org", "source": "interviewees row 1"},
        {"type": "postcode", "value": "SW17 0RE", "source": "interviewees row 1"},
        {"type": "name", "value": "Anne Bell", "source": "corrections.csv row 1"},
        {"type": "date_of_birth", "value": "2001-02-03", "source": "corrections.csv row 5"},
    ]
    assert register_identifiers(registers) == records[:4]
    assert register_identifiers(registers, corrections.iloc[:0]) == records[:4]
    frame = pd.DataFrame({"full_name": [None, "Cy Dee"]})
    assert register_identifiers({"p.csv": frame}) == [{"type": "name", "value": "Cy Dee", "source": "p.csv row 2"}]


def test_sources_are_indexed_by_type_and_identifier():
    index = build_leak_index([
        {"type": "name", "value": "Ann Bell", "source": "r1"},
        {"type": "name", "value": "Ann Cole", "source": "r2"},
        {"type": "name", "value": "Ann Cole", "source": "r2"},
        {"type": "phone", "value": "07700 900123", "source": "r3"},
        {"type": "date_of_birth", "value": "03/02/2001", "source": "r4"},
        {"type": "email", "value": "A@B.org", "source": "r5"},
        {"type": "postcode", "value": "sw17 0re", "source": "r6"},
        {"type": "nhs_number", "value": "943 476 5919", "source": ""},
    ])
    assert index.sources == {
        "date_of_birth:2001-02-03": ("r4",), "email:a@b.org": ("r5",), "name:ann": ("r1", "r2"),
        "name:bell": ("r1",), "name:cole": ("r2",), "phone:7700900123": ("r3",), "postcode:SW170RE": ("r6",),
    }
    assert index.given_only == frozenset({"ann"})
    assert find_identifiers("x\nBell, 03/02/01 and 9434765919\n\nANN", index) == [
        (2, "name", "bell"), (2, "date_of_birth", "2001-02-03"), (2, "nhs_number", "9434765919"), (4, "name", "ann")]


def test_extractable_text_by_file_type(monkeypatch):
    assert extractable_text("a", b"\xff\xd8\xffx") is None
    assert extractable_text("a", b"GIF87ax") is None
    assert extractable_text("a", b"GIF89ax") is None
    assert extractable_text("a", b"RIFF\0\0\0\0WEBPx") is None
    assert extractable_text("a", b"II*\x00x") is None and extractable_text("a", b"MM\x00*x") is None
    assert extractable_text("a.jpg", b"Ada") == "Ada", "a name is no reason to skip text"
    assert extractable_text("a.png", b"\x89PNG\r\n\x1a\n") == ""
    assert extractable_text("a.csv", b"a,b") == "a | b"
    assert extractable_text("a.csv", b"a,\xffb") is None
    assert extractable_text("README", b"a,b") == "a,b"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("b.txt", "second")
        zf.writestr("a.txt", "first\xe9")
    assert extractable_text("x.qdpx", buf.getvalue()) == "first\xe9\nsecond"
    assert extractable_text("x.ZIP", buf.getvalue()) == "first\xe9\nsecond"
    import selfcare.deidentify.documents as documents

    seen = []
    monkeypatch.setattr(documents, "_pdf_pages", lambda data: seen.append(data) or [documents.Segment("page 1", "pdf", False)])
    assert extractable_text("x.pdf", b"%PDF-1.7") == "pdf"
    assert seen == [b"%PDF-1.7"]


def test_scan_outputs_report(index):
    report = scan_outputs(
        {"b.md": "Quennell and Quennell, 07700 900123", "a.png": None, "c.csv": "clean", "a.md": "SW17 0RE"},
        index,
    )
    assert report == {
        "status": "failed",
        "files_scanned": 3,
        "files_skipped": 1,
        "skipped": ["a.png (image without a text layer)"],
        "unreadable": [],
        "identifiers_indexed": dict(index.sizes),
        "hits": [
            {"file": "a.md", "type": "postcode", "count": 1, "locations": [{"where": "line 1", "source": UNKNOWN}]},
            {"file": "b.md", "type": "name", "count": 2,
             "locations": [{"where": "line 1", "source": UNKNOWN}, {"where": "line 1", "source": UNKNOWN}]},
            {"file": "b.md", "type": "phone", "count": 1, "locations": [{"where": "line 1", "source": UNKNOWN}]},
        ],
        "hits_by_type": {"name": 2, "phone": 1, "postcode": 1},
    }
    clean = scan_outputs({"c.csv": "clean", "d.md": "also clean"}, index)
    assert clean["status"] == "passed" and clean["hits"] == [] and clean["hits_by_type"] == {}
    assert clean["files_scanned"] == 2 and clean["files_skipped"] == 0
    two = scan_outputs({"x.md": "Quennell", "y.md": "Quennell Beatrix"}, index)
    assert two["hits_by_type"] == {"name": 3}


UNKNOWN = "register row unknown"


def test_leak_error_message_names_files_and_types_only():
    err = LeakError({"hits": [{"file": "a.md", "type": "name", "count": 2}, {"file": "b.csv", "type": "phone", "count": 1}]})
    assert str(err) == (
        "rule leak_check: identifiers from the raw registers found in outputs (2 file/type pair(s)); "
        "values are not shown:\n  - a.md: name x2\n  - b.csv: phone x1"
    )
    assert err.report["hits"][0]["count"] == 2
    assert isinstance(err, RuntimeError)


def test_register_columns():
    assert leaks.REGISTER_COLUMNS == {
        "full_name": "name",
        "nhs_number": "nhs_number",
        "phone": "phone",
        "email": "email",
        "postcode": "postcode",
        "date_of_birth": "date_of_birth",
    }


# ------------------------------------------------- found by mutation testing
def test_parse_dob_message():
    with pytest.raises(ValueError) as e:
        leaks._parse_dob("3 Feb 2001")
    assert str(e.value) == "not an ISO (YYYY-MM-DD) or DD/MM/YYYY date"


def test_non_text_values_are_indexed_and_missing_ones_do_not_stop_the_index():
    index = build_leak_index(
        [
            {"type": "email", "value": None},
            {"type": "name", "value": "  "},
            {"type": "nhs_number", "value": 9434765919},
            {"type": "phone", "value": float("nan")},
            {"type": "name", "value": "Ali Ng"},
        ]
    )
    assert index.digits == {"9434765919": "nhs_number"}
    assert index.names == frozenset({"ali"})


def test_other_dates_do_not_count_as_the_date_of_birth(index):
    assert hits("04/05/01 and 4/5/01", index) == {}
    assert hits("February 4 2001, Feb 4th, 2001", index) == {}


def test_only_a_possessive_s_is_ignored_after_a_name(index):
    assert hits("Quennellab and Quennell's", index) == {"name": 1}


def test_a_short_digit_run_does_not_stop_the_scan(index):
    assert hits("12 x 07700900123", index) == {"phone": 1}


def test_every_e_mail_occurrence_counts(index):
    assert hits("b.quennell@example.org, B.Quennell@example.org", index) == {"email": 2, "name": 2}


def test_a_postcode_inside_a_longer_indexed_postcode_counts_once():
    index = build_leak_index([{"type": "postcode", "value": "SW17 0RE"}, {"type": "postcode", "value": "W17 0RE"}])
    assert hits("at SW17 0RE.", index) == {"postcode": 1}
    assert hits("at W17 0RE.", index) == {"postcode": 1}


def test_undecodable_zip_members_are_reported_not_read_around():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", b"Quen\xffnell")
    assert extractable_text("coding.qdpx", buf.getvalue()) == ""
    report = scan_outputs({"coding.qdpx": read_document("coding.qdpx", buf.getvalue())}, build_leak_index([]))
    assert report["status"] == "failed" and report["files_skipped"] == 1
    assert report["unreadable"] == ["coding.qdpx a.txt (binary file of unknown type or text not in UTF-8/16/32)"]
