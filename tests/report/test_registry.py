"""Tests for selfcare.report.registry: number records, merging, variables, manifest."""

from __future__ import annotations

import numpy as np
import pytest
from selfcare.report.registry import (
    RegistryError,
    flatten_variables,
    make_record,
    merge_fragments,
    provenance_manifest,
    quarto_variables,
)


def rec(key: str, display: str = "1", **kw) -> dict:
    return make_record(key, kw.pop("value", 1.0), display, kw.pop("meaning", "m"), **kw)


def test_make_record_fields_and_numpy_value():
    r = make_record(
        "change.lo.empowerment.mean",
        np.float64(0.351234),
        "0.35",
        "Mean change in empowerment, low group",
        unit="points",
        rule="change_scores",
        output="results/change.json",
    )
    assert r == {
        "key": "change.lo.empowerment.mean",
        "value": 0.351234,
        "display": "0.35",
        "unit": "points",
        "meaning": "Mean change in empowerment, low group",
        "rule": "change_scores",
        "output": "results/change.json",
    }
    assert type(r["value"]) is float
    assert type(make_record("n.total", np.int64(7), "7", "m")["value"]) is int


@pytest.mark.parametrize("key", ["Change.mean", "1a.b", "a..b", "a.b.", "a-b", "", "a b"])
def test_make_record_rejects_bad_keys(key):
    with pytest.raises(RegistryError, match="invalid record key"):
        make_record(key, 1, "1", "m")


def test_make_record_rejects_empty_display_and_nan():
    with pytest.raises(RegistryError, match="display"):
        make_record("a.b", 1, "  ", "m")
    with pytest.raises(RegistryError, match="not finite"):
        make_record("a.b", float("nan"), "NaN", "m")


def test_merge_fragments_sorts_and_fills_output():
    merged = merge_fragments(
        [
            ("results/b.json", [rec("z.last"), rec("b.one", output="results/other.csv")]),
            ("results/a.json", [rec("a.first")]),
        ]
    )
    assert [r["key"] for r in merged] == ["a.first", "b.one", "z.last"]
    by_key = {r["key"]: r for r in merged}
    assert by_key["a.first"]["output"] == "results/a.json"
    assert by_key["b.one"]["output"] == "results/other.csv"


def test_merge_fragments_duplicate_names_key_and_both_files():
    with pytest.raises(RegistryError) as err:
        merge_fragments([("frag/one.json", [rec("n.total")]), ("frag/two.json", [rec("n.total")])])
    msg = str(err.value)
    assert "'n.total'" in msg and "frag/one.json" in msg and "frag/two.json" in msg


def test_merge_fragments_invalid_record_names_fragment():
    with pytest.raises(RegistryError, match=r"frag/bad\.json.*lacks field\(s\): display"):
        merge_fragments([("frag/bad.json", [{"key": "a.b", "value": 1, "meaning": "m"}])])


def test_quarto_variables_nested_and_round_trip():
    records = [rec("change.lo.mean", "0.35"), rec("change.hi.mean", "0.10"), rec("n", "40")]
    nested = quarto_variables(records)
    assert nested == {"change": {"hi": {"mean": "0.10"}, "lo": {"mean": "0.35"}}, "n": "40"}
    assert flatten_variables(nested) == {"change.hi.mean": "0.10", "change.lo.mean": "0.35", "n": "40"}


@pytest.mark.parametrize("keys", [["a.b", "a.b.c"], ["a.b.c", "a.b"]])
def test_quarto_variables_leaf_and_prefix_conflict(keys):
    with pytest.raises(RegistryError, match="prefix"):
        quarto_variables([rec(k) for k in keys])


def test_provenance_manifest_fields():
    records = [rec("n.total", "120", value=120, rule="describe", output="results/n.json")]
    hashes = {
        "results/n.json": "h-out",
        "workflow/scripts/describe.py": "h-script",
        "workflow/selfcare/stats.py": "h-mod",
        "workflow/selfcare/io.py": "h-io",
        "data/raw.csv": "h-raw",
    }
    rules = {
        "describe": {
            "script": "workflow/scripts/describe.py",
            "inputs": ["data/raw.csv"],
            "modules": ["workflow/selfcare/stats.py", "workflow/selfcare/io.py"],
        }
    }
    (entry,) = provenance_manifest(records, hashes, rules)
    assert entry["key"] == "n.total"
    assert entry["display"] == "120" and entry["value"] == 120
    assert entry["rule"] == "describe" and entry["output"] == "results/n.json"
    assert entry["output_sha256"] == "h-out"
    assert entry["script"] == "workflow/scripts/describe.py"
    assert entry["script_sha256"] == "h-script"
    assert entry["package_modules"] == [
        {"path": "workflow/selfcare/io.py", "sha256": "h-io"},
        {"path": "workflow/selfcare/stats.py", "sha256": "h-mod"},
    ]
    assert entry["inputs"] == [{"path": "data/raw.csv", "sha256": "h-raw"}]
    assert {"meaning", "unit"} <= set(entry)


def test_provenance_manifest_errors_name_key_and_file():
    records = [rec("n.total", rule="describe", output="results/n.json")]
    rules = {"describe": {"script": "s.py", "inputs": ["raw.csv"], "modules": []}}
    with pytest.raises(RegistryError, match=r"'n.total'.*input file 'raw.csv'"):
        provenance_manifest(records, {"results/n.json": "a", "s.py": "b"}, rules)
    with pytest.raises(RegistryError, match=r"'n.total'.*rule 'describe' is not described"):
        provenance_manifest(records, {}, {})
    with pytest.raises(RegistryError, match="names no rule"):
        provenance_manifest([rec("x.y", output="o")], {}, rules)
