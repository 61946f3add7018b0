"""Reproduction verdicts: interval, significance and direction; a non-significant reproduction of a
significant finding is never "reproduced"."""

from selfcare.report.reproduction import finding_verdict, verdict_records, verdicts


def rec(key, value):
    return key, {"key": key, "value": value, "display": str(value)}


ITEM = {"key": "lo_empowerment", "finding": "Empowerment change at LO", "value": 3.9, "ci": [0.8, 7.0],
        "reproduced_by": "change.lo.empowerment.mean", "ci_key": "change.lo.empowerment.ci",
        "p_key": "change.lo.empowerment.p"}


def records(mean, ci, p):
    return dict([rec("change.lo.empowerment.mean", mean), rec("change.lo.empowerment.ci", ci),
                 rec("change.lo.empowerment.p", p)])


def test_all_criteria_hold():
    v = finding_verdict(ITEM, records(3.9, "0.8 7.0", 0.016), 0.05)
    assert (v["interval"], v["significance"], v["direction"], v["verdict"]) == ("yes", "yes", "yes", "reproduced")


def test_non_significant_reproduction_inside_the_interval_is_partly():
    # the published value lies inside the reproduced interval, but p = 0.226
    v = finding_verdict(ITEM, records(2.0, "-1.3 5.3", 0.226), 0.05)
    assert v["interval"] == "yes" and v["significance"] == "no" and v["verdict"] == "partly"
    assert v["failed"] == ["significance differs"]


def test_p_only_finding_that_lost_significance_is_not_reproduced():
    item = {"key": "qol", "finding": "Quality of life with staying engaged", "p": 0.047, "direction": "positive",
            "reproduced_by": "engagement.qol.or", "ci_key": "engagement.qol.ci", "p_key": "engagement.qol.p"}
    recs = dict([rec("engagement.qol.or", 0.9), rec("engagement.qol.ci", "0.5 1.6"), rec("engagement.qol.p", 0.6)])
    v = finding_verdict(item, recs, 0.05)
    assert (v["interval"], v["significance"], v["direction"]) == ("n.a.", "no", "no")
    assert v["verdict"] == "not reproduced"
    recs["engagement.qol.or"]["value"] = 1.2  # same direction, significance lost
    assert finding_verdict(item, recs, 0.05)["verdict"] == "partly"
    no_direction = {k: v for k, v in item.items() if k != "direction"}
    assert finding_verdict(no_direction, recs, 0.05)["verdict"] == "not reproduced"  # the only judged criterion fails


def test_direction_reversed_is_not_reproduced_and_published_significance_field_wins():
    v = finding_verdict(ITEM, records(-3.0, "-6.0 -0.1", 0.04), 0.05)
    assert v["direction"] == "no" and v["verdict"] == "not reproduced"
    so = {**ITEM, "value": 0.3, "ci": [0.0, 0.6], "significant": True}
    assert finding_verdict(so, records(0.26, "-0.04 0.56", 0.082), 0.05)["verdict"] == "partly"
    assert finding_verdict({**so, "significant": False}, records(0.26, "-0.04 0.56", 0.082), 0.05)["verdict"] \
        == "reproduced"


def test_not_estimable_reproduction_is_not_reproduced():
    v = finding_verdict(ITEM, records("not estimable: 1 complete pair", "not estimable: 1 complete pair",
                                      "not estimable: 1 complete pair"), 0.05)
    assert v["verdict"] == "not reproduced" and not v["estimable"]


def test_verdict_records_name_the_findings_that_did_not_reproduce():
    published = {"summary": [ITEM, {**ITEM, "key": "other", "finding": "Other finding"}]}
    rows = verdicts(published, records(2.0, "-1.3 5.3", 0.226), 0.05)
    recs = {r["key"]: r for r in verdict_records(rows, {})}
    assert recs["reproduction.n_findings"]["display"] == "2"
    assert recs["reproduction.n_reproduced"]["display"] == "0"
    assert recs["reproduction.verb"]["display"] == "were"
    failed = recs["reproduction.failed"]["display"]
    assert failed.startswith("those that did not are empowerment change at LO (partly reproduced: significance")
    assert "other finding" in failed
    assert recs["reproduction.lo_empowerment.verdict"]["display"] == "partly"
    good = {r["key"]: r for r in verdict_records(verdicts({"summary": [ITEM]}, records(3.9, "0.8 7.0", 0.01), 0.05),
                                                   {})}
    assert good["reproduction.failed"]["display"] == "none failed a criterion"
    assert good["reproduction.verb"]["display"] == "was"


def test_a_finding_with_no_criterion_to_judge_is_not_called_reproduced():
    from selfcare.report.reproduction import finding_verdict

    # only an estimate: no published value, interval, p or direction to compare with
    item = {"key": "x", "finding": "a finding", "reproduced_by": "k"}
    records = {"k": {"value": 1.5, "display": "1.5"}}
    out = finding_verdict(item, records, 0.05)
    assert all(out[c] == "n.a." for c in ("interval", "significance", "direction"))
    assert out["verdict"] == "not reproduced" and out["failed"] == ["no criterion can be judged"]


P_ONLY = {"key": "med", "finding": "Medication with empowerment", "direction": "positive",
          "reproduced_by": "ancova.empowerment.estimate", "ci_key": "ancova.empowerment.ci",
          "p_key": "ancova.empowerment.p"}


def p_records(est, p):
    return dict([rec("ancova.empowerment.estimate", est), rec("ancova.empowerment.ci", "0.1 2.0"),
                 rec("ancova.empowerment.p", p)])


def test_printed_p_words_and_bounds_are_read():
    from selfcare.report.reproduction import read_printed_p

    assert read_printed_p("NS") == (None, "ns") and read_printed_p("n.s.") == (None, "ns")
    assert read_printed_p("<0.05") == (0.05, "<") and read_printed_p("p < .01") == (0.01, "<")
    assert read_printed_p(">0.1") == (0.1, ">") and read_printed_p(0.047) == (0.047, "=")
    assert read_printed_p("0.047") == (0.047, "=") and read_printed_p("see text") == (None, "")


def test_ns_is_not_significant_and_a_bound_below_alpha_is_significant():
    # "NS": not significant at the configured level; a reproduced p of 0.3 agrees, one of 0.01 does not
    ns = {**P_ONLY, "p": "NS"}
    assert finding_verdict(ns, p_records(1.0, 0.3), 0.05)["significance"] == "yes"
    assert finding_verdict(ns, p_records(1.0, 0.01), 0.05)["significance"] == "no"
    assert finding_verdict({**P_ONLY, "p": "n.s."}, p_records(1.0, 0.3), 0.05)["verdict"] == "reproduced"
    lt = {**P_ONLY, "p": "<0.05"}
    assert finding_verdict(lt, p_records(1.0, 0.01), 0.05)["verdict"] == "reproduced"
    assert finding_verdict(lt, p_records(1.0, 0.2), 0.05)["significance"] == "no"


def test_a_printed_p_that_says_nothing_at_the_level_cannot_be_judged_and_never_crashes():
    for printed in ("<0.1", ">0.01", "see text"):
        v = finding_verdict({**P_ONLY, "p": printed}, p_records(1.0, 0.01), 0.05)
        assert v["significance"] == "cannot be judged"
        assert v["verdict"] == "partly" and "significance cannot be judged" in v["failed"]
    # a published interval still decides when the printed p says nothing at the level
    with_ci = {**P_ONLY, "p": "<0.1", "value": 1.0, "ci": [0.2, 1.8]}
    assert finding_verdict(with_ci, p_records(1.0, 0.01), 0.05)["significance"] == "yes"
    rows = verdicts({"summary": [{**P_ONLY, "p": "see text"}]}, p_records(1.0, 0.01), 0.05)
    assert "significance cannot be judged" in {r["key"]: r for r in verdict_records(rows, {})}[
        "reproduction.failed"]["display"]


def test_published_records_and_table_quote_a_printed_p_that_is_not_a_number():
    from selfcare.report.tables.published import printed_precision_check, published_displays, published_records

    item = {**P_ONLY, "p": "NS", "source": "s"}
    assert published_displays(item, {})["p"] == "NS"
    recs = {r["key"]: r for r in published_records({"summary": [item, {**item, "key": "b", "p": "<0.05"}]}, {})}
    assert recs["published.summary.med.p"]["display"] == "NS"
    assert recs["published.summary.b.p"]["display"] == "<0.05"
    assert printed_precision_check(item, 1.0, None, 0.3) == ("n.a.", [])
    from selfcare.report.tables.published import reproduction_md

    rows = {"ancova.empowerment.estimate": {"value": 1.0, "display": "+1.0"},
            "ancova.empowerment.ci": {"value": "0.1 2.0", "display": "0.1 to 2.0"},
            "ancova.empowerment.p": {"value": 0.3, "display": "0.300"}}
    md = reproduction_md({"summary": [item, {**item, "key": "b", "p": "<0.05"}]}, rows, None, {}, 0.05,
                         caption="Reproduction.")
    assert "| Medication with empowerment | NS |" in md
    assert "| Medication with empowerment | p \\<0.05 |" in md
    assert "p = NS" not in md and "p = \\<" not in md


def test_discussion_states_what_the_rules_do_for_a_p_value_that_crosses_the_level():
    """The Discussion's sentence on p-only findings must match :func:`finding_verdict`."""
    import re
    from pathlib import Path

    text = " ".join((Path(__file__).resolve().parents[2] / "manuscript" / "index.qmd").read_text(
        encoding="utf-8").split())
    sentence = re.search(r"[^.]*crosses the level[^.]*\.", text).group(0)
    item = {**P_ONLY, "p": 0.007}
    same_direction = finding_verdict(item, p_records(1.0, 0.3), 0.05)["verdict"]
    other_direction = finding_verdict(item, p_records(-1.0, 0.3), 0.05)["verdict"]
    no_direction = finding_verdict({k: v for k, v in item.items() if k != "direction"}, p_records(1.0, 0.3),
                                   0.05)["verdict"]
    assert (same_direction, other_direction, no_direction) == ("partly", "not reproduced", "not reproduced")
    assert "outright" not in sentence
    assert re.search(r"partly reproduced when its direction agrees", sentence)
    assert re.search(r"not\s+reproduced when its direction differs or no direction was stated", sentence)


def test_published_schema_accepts_a_printed_p_that_is_not_a_number():
    import copy
    from pathlib import Path

    import jsonschema

    from selfcare.core import io

    root = Path(__file__).resolve().parents[2]
    schema = io.read_yaml(root / "workflow" / "schemas" / "published.schema.yaml")
    published = io.read_yaml(root / "config" / "published.yaml")
    for printed in ("NS", "n.s.", "<0.05"):
        item = copy.deepcopy(published)
        item["summary"][0]["p"] = printed
        jsonschema.validate(item, schema)
def test_finding_about_a_site_not_in_the_hand_over_is_not_assessed():
    item = {**ITEM, "site": "LO"}
    # no LO records at all: nothing is looked up, nothing fails
    v = finding_verdict(item, {}, 0.05, sites=["EA", "WE"])
    assert v["verdict"] == "not assessed" and v["reason"] == "site not in the hand-over"
    assert (v["interval"], v["significance"], v["direction"]) == ("n.a.", "n.a.", "n.a.") and v["failed"] == []
    # the same finding with its site present is judged as usual
    assert finding_verdict(item, records(3.9, "0.8 7.0", 0.016), 0.05, sites=["LO", "WE"])["verdict"] == "reproduced"


def test_counts_and_clause_leave_not_assessed_findings_out():
    recs = records(3.9, "0.8 7.0", 0.016)
    rows = verdicts({"summary": [{**ITEM, "site": "LO"}, {**ITEM, "key": "whole", "finding": "Whole-study finding"}]},
                    recs, 0.05, sites=["EA", "WE"])
    assert [r["verdict"] for r in rows] == ["not assessed", "reproduced"]
    by = {r["key"]: r for r in verdict_records(rows, None)}
    assert by["reproduction.n_findings"]["value"] == 1 and by["reproduction.n_not_assessed"]["value"] == 1
    assert by["reproduction.n_reproduced"]["value"] == 1 and by["reproduction.n_not_reproduced"]["value"] == 0
    assert by["reproduction.failed"]["display"] == ("none failed a criterion; not assessed (site not in the hand-over): "
                                                     "empowerment change at LO")
    assert by["reproduction.lo_empowerment.verdict"]["display"] == "not assessed (site not in the hand-over)"
