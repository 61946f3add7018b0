"""Unit tests of the lexicon, the gazetteer verdicts, the review helpers and
the evaluation (issue 12): each branch pinned on a small hand-made lexicon."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from selfcare.deidentify.evaluate import _covered, _ratio, evaluate_scrubber
from selfcare.deidentify.lexicon import CONTEXT_RE, Lexicon, build_lexicon, parse_census, parse_nicknames
from selfcare.deidentify.names import (
    NAME,
    UNCERTAIN,
    WEAK,
    _deletes,
    _key,
    _one_edit,
    _sentence_start,
    build_name_matcher,
    misspelling_index,
    name_variants,
)
from selfcare.deidentify.review import (
    _line_col,
    check_reviewed,
    decided_words,
    parse_decisions,
    pending_items,
    review_hash,
    review_items,
)
from selfcare.deidentify.scrub import scrub_text

FIRST = {"sarah": 0.5, "hang": 0.001, "beverly": 0.3, "numbers": 0.001, "rose": 0.2, "kevin": 0.8,
         "bob": 0.1, "robert": 0.9, "so": 0.002, "walks": 0.01, "moss": 0.01, "james": 1.0}
LAST = ["smith", "hall", "okafor", "numbers", "pemberton"]
WORDS = ["hope", "rose", "hall", "walk", "number", "bob", "stop", "bever", "so", "Sarah", "plan", "colour",
         "at", "then", "ok", "far", "is", "again", "came", "met", "in", "or", "we", "and", "left", "there",
         "bag", "drove", "mail", "the", "i", "dr"]
KNOWN = ["hang", "kevin", "smith", "blog", "moss"]
NICK = {"robert": ["bob", "bobbo", "r", "bo"], "bob": ["robert"]}
KEY = b"s" * 32


@pytest.fixture
def lex() -> Lexicon:
    return build_lexicon(FIRST, LAST, WORDS, NICK, KNOWN)


@pytest.fixture
def m(lex):
    return build_name_matcher(["Robert Pemberton"], lexicon=lex, redact=["Walk"], keep=["Zyxkept"])


def test_parsers():
    assert parse_census("SMITH   1.006  1.006  1\nO'NEILL 0.25 2.0 2\nbad line\n") == {"smith": 1.006, "o'neill": 0.25}
    text = "name1,relationship,name2\nRobert,has_nickname,Bob\nx,other,y\n,has_nickname,z\na,has_nickname,\n1,2\n"
    assert parse_nicknames(text) == {"robert": frozenset({"bob"}), "bob": frozenset({"robert"})}
    assert parse_nicknames("robert,has_nickname,bob\n") == {}


def test_build_lexicon(lex):
    assert "sarah" in lex.first and "sarah" not in lex.words  # capitalised entries are proper nouns
    assert lex.frequency["kevin"] == 0.8 and lex.frequency.get("smith") is None
    assert "blog" in lex.words and "hang" not in lex.words and "smith" not in lex.words
    assert lex.known == frozenset(KNOWN)
    assert lex.nicknames["robert"] == frozenset({"bob", "bobbo", "r", "bo"})
    plain = build_lexicon(["Ann"], ["Lee"], ["walk"])
    assert plain.first == frozenset({"ann"}) and plain.frequency == {} and plain.nicknames == {}
    assert "<" in repr(lex) and "sarah" not in repr(lex)


@pytest.mark.parametrize("word, expected", [
    ("hope", True), ("hopes", True), ("walked", True), ("walking", True), ("stopped", True),
    ("stopping", True), ("planned", True), ("walker", True), ("walkers", False), ("hopely", True),
    ("colours", True), ("erm", True), ("sooo", True), ("hall's", True), ("plann", False),
    ("s", False), ("sarah", False), ("xs", False), ("numbers", True), ("smiths", False),
    ("colourise", False), ("walkest", True), ("wa", False),
])
def test_is_word(lex, word, expected):
    assert lex.is_word(word) is expected


def test_is_name(lex):
    assert lex.is_name("sarah") and lex.is_name("okafor") and not lex.is_name("walk")


@pytest.mark.parametrize("word, key", [
    ("Sarah's", "sarah"), ("I'm", "i"), ("O'Neill's", "oneill"), ("didn't", ""), ("O'Neill", "oneill"), ("Zoë", "zoe"),
    ("we're", "we"), ("it\u2019ll", "it"), ("they'd", "they"), ("you've", "you"), ("D'Souza", "dsouza"),
])
def test_key(word, key):
    assert _key(word) == key


@pytest.mark.parametrize("a, b, same", [
    ("sarah", "sara", True), ("sara", "sarah", True), ("sarah", "sarha", True), ("sarah", "sarxh", True),
    ("sarah", "saxxh", False), ("sarah", "sarah", False), ("sarah", "sa", False), ("abcd", "bacd", True),
    ("abcd", "badc", False), ("abcd", "abdc", True), ("abcde", "abedc", False), ("ab", "ba", True),
    ("abcd", "axyd", False), ("abcd", "abcde", True), ("abcd", "xabcd", True), ("abcd", "abxcd", True),
    ("abcd", "abcdef", False), ("abcd", "abca", True), ("abca", "abcd", True), ("abcd", "wxyzq", False),
])
def test_one_edit(a, b, same):
    assert _one_edit(a, b) is same


def test_deletes_and_misspelling_index():
    assert _deletes("abc") == {"bc", "ac", "ab"}
    index = misspelling_index(["sarah", "bob", "o'neill", "pemberton", "abcd"])
    assert index["sarah"] == frozenset({"sarah"}) and index["sara"] == frozenset({"sarah"})
    assert "bob" not in index and "o'neill" not in index and "abcd" not in index and "abc" not in index
    assert len(index) == 1 + 5 + 1 + 9  # each part, its distinct deletions


@pytest.mark.parametrize("text, pos, opens", [
    ("Hi. Bob", 4, True), ("hi Bob", 3, False), ("Bob", 0, True), ('said: "Bob', 7, True),
    ("(Bob", 1, True), ("x\nBob", 2, False), ("ok? Bob", 4, True), ("ok! Bob", 4, True),
    ("so; Bob", 4, True), ("and\u2026 Bob", 5, True), ("x, Bob", 3, False), ("- Bob", 2, True),
    ("Hi.Bob", 3, True),
])
def test_sentence_start(text, pos, opens):
    assert _sentence_start(text, pos) is opens


def test_variants(lex):
    assert name_variants({"robert"}, lex) == {"bob", "bobbo", "bo"}
    assert name_variants({"robert", "bob"}, lex) == {"bobbo", "bo"}
    m = build_name_matcher(["Robert Pemberton"], lexicon=lex)
    assert m.variants == frozenset({"bobbo", "bob", "bo"})
    assert "pemberton" in m.near["pemberon"] and m.lexicon is lex
    plain = build_name_matcher(["Robert Pemberton"])
    assert plain.variants == frozenset() and plain.near == {} and plain.lexicon is None


@pytest.mark.parametrize("word, expected, opens, verdict", [
    ("Hope", True, False, NAME), ("walk", True, False, NAME), ("stop", True, False, None),
    ("rose", True, False, NAME), ("zyx", True, False, NAME), ("May", False, False, None),
    ("May", True, False, NAME), ("Bob", False, False, NAME), ("Bob", False, True, UNCERTAIN),
    ("bob", False, False, None), ("bobbo", False, False, NAME), ("Bobbo", False, True, NAME),
    ("Pemberon", False, True, NAME), ("pembertom", False, False, NAME), ("Pemmberton", False, False, NAME),
    ("NHS", False, False, None), ("SO", False, False, None), ("SARAH", False, False, NAME),
    ("KEVIN", False, True, NAME), ("ZYXQ", False, False, None), ("ZYXQWV", False, False, UNCERTAIN),
    ("Okafor", False, True, NAME), ("Zyx", False, True, UNCERTAIN), ("Hall", False, True, None),
    ("Hall", False, False, UNCERTAIN), ("Walking", False, False, None), ("sarah", False, False, NAME),
    ("okafor", False, False, WEAK), ("hang", False, False, None), ("kevin", False, False, NAME),
    ("stop", False, False, None), ("zyx", False, False, None), ("Beverly", False, True, NAME),
    ("Numbers", False, False, UNCERTAIN), ("Numbers", False, True, None), ("Zyxkept", False, False, None),
    ("Walk", False, True, NAME), ("X", True, False, None), ("didn't", True, False, None),
    ("smith", False, False, None), ("Smith", False, True, NAME), ("pemberton", False, False, WEAK),
    ("Walks", False, False, NAME), ("moss", False, False, NAME), ("ZYXQW", False, False, None),
    ("Zy", True, False, NAME),
])
def test_verdict(m, word, expected, opens, verdict):
    assert m.verdict(word, expected, opens) == verdict


def test_verdict_without_lexicon():
    assert build_name_matcher(["Robert"]).verdict("Okafor", True, False) is None


def test_context_pattern():
    ends = lambda t: [mm.end() for mm in CONTEXT_RE.finditer(t)]  # noqa: E731
    assert ends("Dr Okafor") == [3] and ends("Dr. Okafor") == [4] and ends("dr Okafor") == []
    assert ends("my son, called Jo") == [15] and ends("our GP Jo") == [7] and ends("my eldest son Jo") == [14]
    assert ends("her care co-ordinator Jo") == [22] and ends("his name is Jo") == [12]
    assert ends("my son 7") == [] and ends("mysonJo") == []


def test_scan_merges_and_holds(m):
    names, unsure = m.scan("Zyx Okafor came. Then Zyx came.")
    assert names == [(0, 10)] and unsure == [(22, 25)]
    assert m.scan("Then Zyx Qwx came.") == ([], [(5, 8), (9, 12)])
    assert m.scan("Zyx okafor") == ([], [(0, 3)])  # a weak surname next to a word held for review
    assert m.scan("I met Pember-\nton there") == ([(6, 17)], [])
    assert m.scan("we walk-\ning") == ([(3, 7)], [])  # "walk" decided redact; "walking" not joined
    assert m.scan("Okafor-Smith drove")[0] == [(0, 12)]
    assert m.scan("Okafor's bag")[0] == [(0, 6)]
    assert m.scan("Sarah okafor") == ([(0, 12)], [])
    assert m.scan("the okafor") == ([], [])
    twice = "Zyx came. Zyx came."
    assert m.scan(twice) == m.scan(twice) == ([], [(0, 3), (10, 13)])
    assert build_name_matcher([]).scan("Okafor") == ([], [])


def test_scrub_drops_review_spans_inside_replacements(m):
    res = scrub_text("Zyx Qwvtown is far. Zyx again.", m, ["Qwvtown"])
    assert res.text == "Zyx [PLACE] is far. Zyx again." and res.uncertain == ((0, 3), (20, 23))
    res = scrub_text("At Qwv Zyx.", m, ["Qwv Zyx"])
    assert res.uncertain == ()
    res = scrub_text("Zyx Qwv ok", m, ["Qwv"])
    assert res.uncertain == ((0, 3),)
    res = scrub_text("Dr Zyx Qwvb ok", m, ["Qwvb"])
    assert res.text == "Dr [NAME] ok" and res.uncertain == ()
    res = scrub_text("Zyx Qwv", m, ["Zyx"])
    assert res.uncertain == ((4, 7),)


def test_review_hash_format():
    expected = hmac.new(KEY, b"review:okafor", hashlib.sha256).hexdigest()[:32]
    assert review_hash("Okafor's", KEY) == "r" + expected


def test_parse_decisions():
    h1, h2 = "r" + "0" * 32, "r" + "ab" * 16
    assert parse_decisions(None, "d") == {} and parse_decisions({"decisions": None}, "d") == {}
    assert parse_decisions({}, "d") == {}
    assert parse_decisions({"decisions": {h1: "keep", h2: "redact"}}, "d") == {h1: "keep", h2: "redact"}
    with pytest.raises(ValueError, match="^d: must be a mapping"):
        parse_decisions(["ra"], "d")
    with pytest.raises(ValueError, match=r"^d: decision 1 must be one of \['keep', 'redact'\]$"):
        parse_decisions({"decisions": {h1: "x"}}, "d")
    # a key that is not a review hash could be a word in clear: refused and never quoted
    for bad in ("Okafor", 5, "r" + "0" * 31, "R" + "0" * 32):
        with pytest.raises(ValueError, match="^d: decision 2 is not keyed by a review hash") as err:
            parse_decisions({"decisions": {h1: "keep", bad: "redact"}}, "d")
        assert str(bad) not in str(err.value)


def test_review_rows(m):
    texts = {"b": "x\nok Zyx and Zyx.", "a": "Then Qwx came."}
    rows = review_items(texts, m, [], KEY, {review_hash("Qwx", KEY): "keep"})
    assert [(r["source"], r["line"], r["column"], r["start"], r["end"], r["decision"]) for r in rows] == [
        ("a", 1, 6, 5, 8, "keep"), ("b", 2, 4, 5, 8, "pending"), ("b", 2, 12, 13, 16, "pending")]
    assert pending_items(rows) == rows[1:]
    assert _line_col("ab\ncd", 3) == (2, 1) and _line_col("ab\ncd", 1) == (1, 2)
    with pytest.raises(Exception, match=r"^rule deidentify: 2 word occurrence\(s\) \(1 distinct\) .* see R\.csv .* in D\.yaml"):
        check_reviewed(rows, "R.csv", "D.yaml")
    check_reviewed(rows[:1], "R.csv", "D.yaml")
    rows[1]["decision"] = "redact"
    rows[2]["decision"] = "keep"
    assert decided_words(texts, rows) == ({"Zyx"}, {"Qwx", "Zyx"})
    two = [{"source": "s", "start": 0, "end": 7, "decision": "redact"}]
    assert decided_words({"s": "Zyx Qwv"}, two) == ({"Zyx", "Qwv"}, set())


def test_evaluation_helpers():
    assert _covered("a-b c", 0, 5, [(0, 1), (2, 3), (4, 5)]) is True
    assert _covered("a-b c", 0, 5, [(0, 1), (4, 5)]) is False
    assert _covered("ab", 0, 2, [(1, 5)]) is False and _covered("ab", 1, 2, [(0, 5)]) is True
    assert _ratio(2, 3) == 0.6667 and _ratio(0, 0) is None and _ratio(0, 4) == 0.0


def test_evaluate_scrubber_counts(lex):
    data = {"seed": 3, "kinds": ["register_name", "out_of_register_name", "email", "place"],
            "registers": ["Robert Pemberton"], "places": ["Qwvtown"],
            "passages": [{"text": "Robert met Zyx in Qwvtown. Mail a@b.org or Hope.",
                          "spans": [{"start": 0, "end": 6, "kind": "register_name"},
                                    {"start": 11, "end": 14, "kind": "out_of_register_name"},
                                    {"start": 32, "end": 39, "kind": "email"},
                                    {"start": 43, "end": 47, "kind": "out_of_register_name"}]},
                         {"text": "Then Pemberton left.", "spans": []}]}
    out = evaluate_scrubber(data, lex)
    assert out["passages"] == 2 and out["characters"] == 68 and out["seed"] == 3
    assert out["recall_by_kind"]["register_name"] == {"spans": 1, "removed": 1, "held_for_review": 0,
                                                      "recall": 1.0, "recall_with_review": 1.0}
    assert out["recall_by_kind"]["out_of_register_name"] == {"spans": 2, "removed": 0, "held_for_review": 1,
                                                             "recall": 0.0, "recall_with_review": 0.5}
    assert out["recall_by_kind"]["place"] == {"spans": 0, "removed": 0, "held_for_review": 0,
                                              "recall": None, "recall_with_review": None}
    assert out["precision_by_type"] == {"EMAIL": {"regions": 1, "correct": 1, "precision": 1.0},
                                        "NAME": {"regions": 2, "correct": 1, "precision": 0.5},
                                        "PLACE": {"regions": 1, "correct": 0, "precision": 0.0}}
    assert out["precision_overall"] == 0.5 and out["regions"] == 4
    assert out["non_identifiers_held_for_review"] == 0


def test_load_lexicon_reads_the_bundled_data():
    from selfcare.deidentify.lexicon import load_lexicon

    lex = load_lexicon.__wrapped__()
    assert lex.frequency["james"] == 3.318 and lex.frequency["mary"] == 2.629  # male and female files
    assert "james" in lex.first and "mary" in lex.first and "smith" in lex.last and "smith" not in lex.first
    assert "hope" in lex.words and "sarah" not in lex.words and "hang" in lex.known and "hang" not in lex.words
    assert "bob" in lex.nicknames["robert"] and "robert" in lex.nicknames["bob"]
    assert len(lex.first) > 5000 and len(lex.last) > 88000 and len(lex.words) > 200000


def test_leak_variants(lex):
    from selfcare.deidentify.names import leak_variants

    assert leak_variants(["Robert Pemberton", None, " ", float("nan")], lex) == ["bobbo"]
    assert leak_variants(["Bob Hope", "Ann Robert"], lex) == ["bobbo"]  # parts of every name
    lex2 = build_lexicon(FIRST, LAST, WORDS, {"robert": ["bo", "bob", "bobb"]}, KNOWN)
    assert leak_variants(["Robert Okafor"], lex2) == ["bobb"]


def test_near_part_of_four_letters(lex):
    m2 = build_name_matcher(["Sarah Pemberton"], lexicon=lex)
    assert m2.verdict("Sarh", False, False) == NAME and m2.verdict("Srh", False, False) == UNCERTAIN


def test_scan_edge_cases(lex, m):
    hope = build_name_matcher(["Robert Hope"], lexicon=lex)
    assert hope.scan("met Ho-\npe there")[0] == [(4, 10)]
    assert m.scan("a ro-\nse bush") == ([], [])
    assert m.scan("then Bo-\nb came")[0] == [(5, 10)]
    assert m.scan("Pember-\nton came")[0] == [(0, 11)]
    assert m.scan("Hall came.") == ([], [])
    assert m.scan("then James came")[0] == [(5, 10)]
    assert m.scan("then Zyx'X came") == ([], [(5, 10)])
    assert m.scan("OKAFOR'S bag")[0] == [(0, 6)]
    assert m.scan("Pember-\nton, Pember-\nton Zyx") == ([(0, 11), (13, 28)], [])
    assert m.scan("Pember-\nton met Okafor")[0] == [(0, 11), (16, 22)]
    assert build_name_matcher([], lexicon=lex).scan("Dr Okafor") == ([(3, 9)], [])
    assert build_name_matcher(["Robert Pemberton"]).scan("Pember-\nton came") == ([(0, 11)], [])
    assert m.scan("an X-ray at Okafor-Smith")[0] == [(12, 24)]
    assert m.scan("x. Zyx-Hall came") == ([], [(3, 6), (7, 11)])
    assert m.scan("my son zyx-okafor") == ([(7, 17)], [])
    assert m.scan("Dr Zy Ab-cd") == ([(3, 8)], [])


def test_scrub_keeps_review_words_next_to_replacements(m):
    assert scrub_text("on 12/03/2008Zyx ok", m).uncertain == ((13, 16),)
    assert scrub_text("Zyx12/03/2008 ok", m).uncertain == ((0, 3),)


def test_register_identifiers_add_name_variants(lex):
    import pandas as pd
    from selfcare.deidentify.leaks import register_identifiers

    regs = {"participants.csv": pd.DataFrame({"full_name": ["Robert Pemberton"], "email": ["bob@example.org"]})}
    base = register_identifiers(regs)
    assert [(r["type"], r["value"]) for r in base] == [("name", "Robert Pemberton"), ("email", "bob@example.org")]
    with_variants = register_identifiers(regs, None, lex)
    assert with_variants[:2] == base
    # the variant is indexed as a first name beside the person's surname, from the same row
    assert with_variants[2:] == [
        {"type": "name", "value": "bobbo Pemberton", "source": base[0]["source"] + " (variant)"}
    ]