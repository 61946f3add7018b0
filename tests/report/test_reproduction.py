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
