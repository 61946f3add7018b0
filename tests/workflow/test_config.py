"""Tests of the configuration files against their schemas, and of the
workflow's style: ``snakemake --lint`` and ``snakefmt --check``.

Unknown keys must be rejected at every level of config/config.yaml and
config/measures.yaml: the tests add one to every mapping of the shipped files
(except free-form maps, whose keys are data) and expect the schema's
``additionalProperties: false`` to refuse it.
"""

from __future__ import annotations

import copy
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate as smk_validate

ROOT = Path(__file__).resolve().parents[2]
CONFIG_SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
MEASURES_SCHEMA = ROOT / "workflow" / "schemas" / "measures.schema.yaml"
UNKNOWN = "unexpected_key"

#: The only accepted `snakemake --lint` finding: every rule runs in the one
#: pinned environment (requirements.lock), so no per-rule conda environment.
ACCEPTED_LINT = "Specify a conda environment or container for each rule."


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _validator(schema_path: Path) -> jsonschema.protocols.Validator:
    schema = _load(schema_path)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def mapping_paths(node: Any, path: tuple = ()) -> Iterator[tuple]:
    """Paths of every mapping inside a parsed YAML document."""
    if isinstance(node, dict):
        yield path
        for k, v in node.items():
            yield from mapping_paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from mapping_paths(v, path + (i,))


def _at(doc: Any, path: tuple) -> Any:
    for k in path:
        doc = doc[k]
    return doc


def _free_form_config(path: tuple) -> bool:
    # deidentify.disclosure.steps[i].map: category -> merged category;
    # sites: site code -> site (sites are data; see test_site_codes_are_checked)
    return (len(path) >= 1 and path[-1] == "map") or path == ("sites",)


def _free_form_measures(path: tuple) -> bool:
    # measures: name -> measure; measures.<m>.subscales: name -> subscale
    return path == ("measures",) or (len(path) == 3 and path[0] == "measures" and path[2] == "subscales")


CONFIG = _load(ROOT / "config" / "config.yaml")
MEASURES = _load(ROOT / "config" / "measures.yaml")
CONFIG_PATHS = [p for p in mapping_paths(CONFIG) if not _free_form_config(p)]
MEASURES_PATHS = [p for p in mapping_paths(MEASURES) if not _free_form_measures(p)]


def _id(path: tuple) -> str:
    return "/".join(map(str, path)) or "<top>"


def _rejects_unknown_key(validator, doc: Any, path: tuple) -> bool:
    bad = copy.deepcopy(doc)
    _at(bad, path)[UNKNOWN] = "x"
    return any(
        e.validator == "additionalProperties" and tuple(e.absolute_path) == path and UNKNOWN in e.message
        for e in validator.iter_errors(bad)
    )


# ---------------------------------------------------------------------------
# config/config.yaml
# ---------------------------------------------------------------------------


def test_config_validates_against_schema():
    errors = list(_validator(CONFIG_SCHEMA).iter_errors(CONFIG))
    assert not errors, [e.message for e in errors]


def test_config_validates_the_way_the_workflow_does():
    # common.smk calls snakemake.utils.validate(config, "../schemas/config.schema.yaml")
    smk_validate(copy.deepcopy(CONFIG), str(CONFIG_SCHEMA))


def test_config_walk_covers_nested_levels():
    depths = {len(p) for p in CONFIG_PATHS}
    assert {0, 1, 2, 3} <= depths and len(CONFIG_PATHS) > 15


@pytest.mark.parametrize("path", CONFIG_PATHS, ids=_id)
def test_config_unknown_key_rejected(path):
    assert _rejects_unknown_key(_validator(CONFIG_SCHEMA), CONFIG, path)


def test_any_number_of_sites_with_any_short_codes_is_accepted_and_bad_ones_are_not():
    validator = _validator(CONFIG_SCHEMA)
    four = copy.deepcopy(CONFIG)
    four["sites"]["WE2"] = {"trust": "T", "initiative": "I"}
    assert not list(validator.iter_errors(four))
    two = copy.deepcopy(CONFIG)
    two["sites"] = {"A": {"trust": "T", "initiative": "I"}, "B": {"trust": "T", "initiative": "I"}}
    assert not list(validator.iter_errors(two))
    for bad_sites in ({"A": {"trust": "T", "initiative": "I"}},  # one site is not a comparison
                      {**two["sites"], "bad code": {"trust": "T", "initiative": "I"}},
                      {**two["sites"], "C": {"trust": "T", "initiative": "I", UNKNOWN: 1}}):
        bad = copy.deepcopy(CONFIG)
        bad["sites"] = bad_sites
        assert list(validator.iter_errors(bad)), bad_sites


@pytest.mark.parametrize("path", [(), ("deidentify", "disclosure")], ids=_id)
def test_config_unknown_key_rejected_by_snakemake_validate(path):
    bad = copy.deepcopy(CONFIG)
    _at(bad, path)[UNKNOWN] = "x"
    with pytest.raises(WorkflowError, match=UNKNOWN):
        smk_validate(bad, str(CONFIG_SCHEMA))


@pytest.mark.parametrize(
    "path, value",
    [
        (("deidentify", "postcode"), "full"),
        (("qualitative", "policy", "overlapping_spans"), "ignore"),
        (("analysis", "alpha"), 1.5),
        (("manuscript", "date"), "26 November 2026"),
        (("survey", "invited"), 0),
    ],
    ids=lambda v: _id(v) if isinstance(v, tuple) else None,
)
def test_config_bad_value_rejected(path, value):
    bad = copy.deepcopy(CONFIG)
    _at(bad, path[:-1])[path[-1]] = value
    errors = list(_validator(CONFIG_SCHEMA).iter_errors(bad))
    assert any(tuple(e.absolute_path) == path for e in errors)


def test_config_missing_section_rejected():
    bad = copy.deepcopy(CONFIG)
    del bad["deidentify"]
    assert any(e.validator == "required" for e in _validator(CONFIG_SCHEMA).iter_errors(bad))


# ---------------------------------------------------------------------------
# config/measures.yaml
# ---------------------------------------------------------------------------


def test_measures_validate_against_schema():
    errors = list(_validator(MEASURES_SCHEMA).iter_errors(MEASURES))
    assert not errors, [e.message for e in errors]


def test_measures_walk_covers_measure_and_subscale_levels():
    assert () in MEASURES_PATHS and ("defaults",) in MEASURES_PATHS
    assert ("measures", "empowerment") in MEASURES_PATHS
    assert ("measures", "collaboration", "subscales", "positive_collaboration") in MEASURES_PATHS


@pytest.mark.parametrize("path", MEASURES_PATHS, ids=_id)
def test_measures_unknown_key_rejected(path):
    assert _rejects_unknown_key(_validator(MEASURES_SCHEMA), MEASURES, path)


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda m: m["measures"]["confidence"].__setitem__("method", "median"), id="method"),
        pytest.param(lambda m: m["measures"]["severity"].__setitem__("timepoints", ["week_4"]), id="timepoint"),
        pytest.param(lambda m: m["measures"]["empowerment"].pop("items"), id="missing_items"),
        pytest.param(lambda m: m["measures"].__setitem__("Bad.Name", m["measures"]["confidence"]), id="measure_name"),
        pytest.param(lambda m: m["defaults"].__setitem__("min_answered_share", 1.2), id="share"),
    ],
)
def test_measures_bad_value_rejected(mutate):
    bad = copy.deepcopy(MEASURES)
    mutate(bad)
    assert list(_validator(MEASURES_SCHEMA).iter_errors(bad))


# ---------------------------------------------------------------------------
# Workflow style
# ---------------------------------------------------------------------------


def parse_lint(text: str) -> dict[str, list[str]]:
    """`snakemake --lint` text output -> {"rule X" / "snakefile Y": [lint titles]}.

    Raises AssertionError on any line that is not part of a lint report, so
    that a workflow that fails to parse cannot pass as "no lints".
    """
    found: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if not line.strip() or (line.startswith("Congratulations") and not found):
            continue  # snakemake's message for a workflow with no lints
        head = re.match(r"^Lints for (rule \S+|snakefile .+?)(?: \(.*\))?:$", line)
        if head:
            current = head.group(1)
            found[current] = []
            continue
        bullet = re.match(r"^    \* (.+?):?$", line)
        if bullet and current is not None:
            found[current].append(bullet.group(1))
            continue
        assert line.startswith("      ") and current is not None, f"unexpected lint output line: {line!r}"
    return found


def test_parse_lint_reads_blocks_and_refuses_other_output():
    sample = (
        "Lints for rule a (line 4, /x/validate.smk):\n"
        "    * Specify a conda environment or container for each rule.:\n"
        "      This way, ...\n\n"
        "Lints for snakefile /x/Snakefile:\n"
        "    * Mixed rules and functions in same snakefile.:\n"
        "      Small one-liner functions ...\n"
    )
    assert parse_lint(sample) == {
        "rule a": [ACCEPTED_LINT],
        "snakefile /x/Snakefile": ["Mixed rules and functions in same snakefile."],
    }
    with pytest.raises(AssertionError):
        parse_lint("SyntaxError in file Snakefile, line 3\n")


def test_snakemake_lint_reports_nothing(repo_root):
    # every rule names environment.yml, declares threads and memory, and logs
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint", "text"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lints = parse_lint(proc.stdout + proc.stderr)
    assert proc.returncode == 0 and lints == {}, f"snakemake --lint findings: {lints}"
    assert "good condition" in proc.stdout + proc.stderr


def test_snakefmt_check_passes(repo_root):
    if importlib.util.find_spec("snakefmt") is None:
        pytest.skip("snakefmt is not installed in this environment (pip install snakefmt)")
    files = ["Snakefile", *sorted(str(p.relative_to(repo_root)) for p in (repo_root / "workflow" / "rules").glob("*.smk"))]
    assert len(files) > 5
    def snakefmt(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "snakefmt", *args, *files],
            cwd=repo_root,
            capture_output=True,
            text=True,
            timeout=120,
        )

    proc = snakefmt("--check")
    if proc.returncode != 0:
        diff = snakefmt("--compact-diff")  # never writes the files
        pytest.fail(f"snakefmt --check failed ({proc.stderr.strip()}); changes it wants:\n{diff.stdout}")


# --- published numbers and the simulator's parameters ---------------------------------



from selfcare.core import io as _sio
from selfcare.synth.cli import check_config as _check_sim


def _schema(repo_root, name):
    return _sio.read_yaml(repo_root / "workflow" / "schemas" / name)


def test_published_yaml_validates_and_rejects_unknown_keys(repo_root):
    schema = _schema(repo_root, "published.schema.yaml")
    published = _sio.read_yaml(repo_root / "config" / "published.yaml")
    jsonschema.validate(published, schema)
    bad = copy.deepcopy(published)
    bad["summary"][0]["typo_key"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    bad = copy.deepcopy(published)
    bad["extra_section"] = []
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_simulation_yaml_validates_and_rejects_unknown_keys(repo_root):
    schema = _schema(repo_root, "simulation.schema.yaml")
    cfg = _sio.read_yaml(repo_root / "config" / "simulation.yaml")
    _check_sim(cfg, schema)
    bad = copy.deepcopy(cfg)
    bad["sites"]["LO"]["agee"] = bad["sites"]["LO"].pop("age")
    with pytest.raises(ValueError, match="sites/LO"):
        _check_sim(bad, schema)
    bad = copy.deepcopy(cfg)
    bad["outcomes"]["empowerment"]["change"]["XX"] = 1.0
    with pytest.raises(ValueError, match="outcomes.empowerment.change: XX"):
        _check_sim(bad, schema)


# --------------------------------------------------------------------------
# config/README.md: every key described, generated from the schema
# --------------------------------------------------------------------------


def test_config_readme_is_generated_from_the_schema():
    from selfcare.core.configdoc import config_reference

    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    assert (ROOT / "config/README.md").read_text() == config_reference(schema), (
        "config/README.md is out of date: run python -m selfcare.core.configdoc"
    )


def test_config_readme_covers_every_key_of_the_shipped_config():
    readme = (ROOT / "config/README.md").read_text()
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())

    def paths(node, prefix=""):
        if isinstance(node, dict):
            for k, v in node.items():
                p = f"{prefix}.{k}" if prefix else k
                p = "sites.<key>" if prefix == "sites" else p  # sites are data: documented once
                yield p
                if not (prefix == "deidentify.disclosure.steps[]" and k == "map"):
                    yield from paths(v, p)
        elif isinstance(node, list) and node and isinstance(node[0], dict):
            for item in node:
                yield from paths(item, f"{prefix}[]")

    missing = sorted({p for p in paths(config) if f"`{p}`" not in readme})
    assert not missing, missing


def test_a_key_without_description_is_named():
    from selfcare.core.configdoc import SchemaDocError, config_reference

    schema = {"properties": {"a": {"type": "object", "description": "A.", "properties": {"b": {"type": "string"}}}}}
    with pytest.raises(SchemaDocError, match=r"'a\.b'"):
        config_reference(schema)
    schema["properties"]["a"]["properties"]["b"]["description"] = "B."
    text = config_reference(schema)
    assert "## `a`" in text and "| `a.b` | string | no | B. |" in text
