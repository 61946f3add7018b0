"""Per-site phrases over any configured sites (selfcare.analysis.sites): two sites, five sites,
codes the manuscript has never seen, increases and reductions, sparse sites and not-estimable values."""

from __future__ import annotations

import pandas as pd
import pytest
from selfcare.analysis.sites import site_summary
from selfcare.report.records import Records

FCFG: dict = {}
OUTCOMES = ["empowerment", "confidence"]


def per_site_records(sites, change=None, ae=None):
    """Records as the per-site rules write them; ``change``/``ae`` give each site's numbers."""
    recs = Records(FCFG)
    for i, s in enumerate(sites):
        k = s.lower()
        mean, p = (change or {}).get(s, (1.0 + i, 0.2))
        for outcome in OUTCOMES:
            if mean is None:
                recs.blank(f"change.{k}.{outcome}.mean", "fewer than 3 pairs", "m")
                recs.blank(f"change.{k}.{outcome}.ci", "fewer than 3 pairs", "c", first=False)
                recs.blank(f"change.{k}.{outcome}.p", "fewer than 3 pairs", "p", first=False)
            else:
                recs.est_ci(f"change.{k}.{outcome}.mean", f"change.{k}.{outcome}.ci", mean, mean - 1, mean + 1, 1,
                            "m", "c", signed=True)
                recs.p(f"change.{k}.{outcome}.p", p if outcome == "empowerment" else 0.5, "p")
        pre, post, word, size = (ae or {}).get(s, (10 + i, 8, "reduction", 20.0))
        recs.count(f"service.{k}.ae.total_pre", pre, "pre")
        recs.count(f"service.{k}.ae.total_post", post, "post")
        recs.add(f"service.{k}.ae.direction", word, word, "d")
        if size is None:
            recs.blank(f"service.{k}.ae.size", "no events", "s", "%")
            recs.blank(f"service.{k}.ae.size_ci", "no events", "s", first=False)
        else:
            recs.add(f"service.{k}.ae.size", size, f"{size:.0f}%", "s", "%")
            recs.add(f"service.{k}.ae.size_ci", "1 2", f"{size - 10:.0f}% to {size + 10:.0f}%", "s")
    return recs.items


def tables(sites, sparse=()):
    return {s: pd.DataFrame({"service": ["ae"], "kind": ["events"], "headline": ["exact" if s in sparse else "gee"]})
            for s in sites}


def phrases(sites, **kw):
    sparse = kw.pop("sparse", ())
    out = site_summary(per_site_records(sites, **kw), tables(sites, sparse), sites, OUTCOMES, 0.05, FCFG)
    return {r["key"]: r["display"] for r in out}


def test_two_sites_with_unseen_codes():
    p = phrases(["EA", "WE"], change={"EA": (2.5, 0.01), "WE": (-0.5, 0.6)},
                ae={"EA": (12, 5, "reduction", 58.0), "WE": (3, 6, "increase", 100.0)}, sparse=("WE",))
    assert p["change.sites.empowerment"] == "+2.5 (CI 1.5 to 3.5) at EA and -0.5 (CI -1.5 to 0.5) at WE"
    assert p["change.sites.significant"] == "empowerment at EA"
    assert p["service.sites.ae.totals"] == "from 12 to 5 at EA and from 3 to 6 at WE"
    # each direction word is the site's own record: an increase is worded as an increase
    assert p["service.sites.ae.change"] == "a reduction of 58% (CI 48% to 68%) at EA and an increase of 100% (CI 90% to 110%) at WE"
    assert p["service.sites.ae.sparse"].startswith(
        "Under the sparse-events rule the exact interval and p-value are reported, flagged, for WE (too few events);")
    assert not any(code in text for text in p.values() for code in (" LO", " SO", " NO"))


def test_five_sites_in_configured_order_with_odd_codes():
    sites = ["Z9", "a1", "Mid", "QQQQQQQQ", "B"]
    p = phrases(sites, change={"Mid": (None, None), "B": (4.0, 0.001), "a1": (3.0, 0.04)}, sparse=("Z9", "B"))
    text = p["change.sites.confidence"]
    assert [text.index(f"at {s}") for s in sites] == sorted(text.index(f"at {s}") for s in sites)
    assert "not estimable (fewer than 3 pairs) at Mid" in text and text.count(" and ") == 1 and text.count(", ") == 3
    assert p["change.sites.significant"] == "empowerment at a1 and B"
    assert "for Z9 (too few events) and B (too few events);" in p["service.sites.ae.sparse"]
    assert p["service.sites.ae.totals"].count("from ") == 5


def test_no_sparse_site_no_significant_change_and_not_estimable_rate():
    p = phrases(["EA", "WE"], ae={"WE": (0, 0, "change", None)})
    assert p["change.sites.significant"] == "none of the changes"
    assert p["service.sites.ae.sparse"].startswith("The sparse-events rule applied at no site")
    assert p["service.sites.ae.change"].endswith(" and not estimable (no events) at WE")


def test_a_missing_per_site_record_fails_naming_it():
    records = [r for r in per_site_records(["EA", "WE"]) if r["key"] != "service.we.ae.total_post"]
    with pytest.raises(KeyError, match="service.we.ae.total_post"):
        site_summary(records, tables(["EA", "WE"]), ["EA", "WE"], OUTCOMES, 0.05, FCFG)


def test_durations_get_totals_but_no_rate_phrase():
    recs = per_site_records(["EA", "WE"])
    recs += [dict(r, key=r["key"].replace(".ae.", ".nights.")) for r in recs if ".ae." in r["key"]]
    tabs = {s: pd.DataFrame({"service": ["ae", "nights"], "kind": ["events", "durations"],
                             "headline": ["gee", "signed_rank"]}) for s in ("EA", "WE")}
    keys = {r["key"] for r in site_summary(recs, tabs, ["EA", "WE"], OUTCOMES, 0.05, FCFG)}
    assert "service.sites.nights.totals" in keys and "service.sites.ae.change" in keys
    assert "service.sites.nights.change" not in keys and "service.sites.nights.sparse" not in keys


def test_sparse_reason_names_the_rule_that_applied_and_skips_not_estimable_rows():
    sites = ["EA", "WE", "NW"]
    rows = {  # EA: few events; WE: many events among few people; NW: sparse but not estimable
        "EA": dict(total_pre=6, total_post=4, n_people_with_events=5, sparse=True, headline="exact", not_estimable=None),
        "WE": dict(total_pre=35, total_post=27, n_people_with_events=7, sparse=True, headline="exact",
                   not_estimable=None),
        "NW": dict(total_pre=1, total_post=0, n_people_with_events=1, sparse=True, headline="exact",
                   not_estimable="1 event, fewer than 5"),
    }
    tabs = {s: pd.DataFrame([{"service": "ae", "kind": "events", **rows[s]}]) for s in sites}
    out = site_summary(per_site_records(sites), tabs, sites, OUTCOMES, 0.05, FCFG,
                       {"min_total": 20, "min_people": 10})
    clause = {r["key"]: r["display"] for r in out}["service.sites.ae.sparse"]
    assert "for EA (10 A&E attendances, fewer than 20) and WE (7 people with any, fewer than 10);" in clause
    assert "NW" not in clause
