"""Provenance helpers: which package modules a script uses, and rule info."""

from pathlib import Path

import pytest
from selfcare.report import provenance

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "workflow" / "selfcare"


def _modules():
    from selfcare.core.io import read_package_sources

    return read_package_sources(PACKAGE)


def test_imports_of_every_form_are_followed():
    src = (
        "from selfcare.core import io\n"
        "from selfcare.report import formatting as fmt, registry\n"
        "import selfcare.analysis.models\n"
        "def f():\n    from selfcare.analysis.dataset import build_dataset\n"
    )
    mods = {
        "selfcare": '"""Doc."""\n__version__ = "1"\n',
        "selfcare.core": '"""Doc."""\n',
        "selfcare.core.io": "x = 1\n",
        "selfcare.report": '"""Doc."""\n',
        "selfcare.report.formatting": "x = 1\n",
        "selfcare.report.registry": "from selfcare.report.formatting import x\n",
        "selfcare.analysis": "import os\n",
        "selfcare.analysis.models": "from selfcare.analysis.checks import y\n",
        "selfcare.analysis.checks": "x = 1\n",
        "selfcare.analysis.dataset": "from selfcare.survey import summary\n",
        "selfcare.survey": '"""Doc."""\n',
        "selfcare.survey.summary": "x = 1\n",
        "selfcare.unused": "x = 1\n",
    }
    # docstring-only packages and dunder metadata cannot change a result; an
    # __init__ with code (selfcare.analysis) runs on import and counts.
    assert provenance.imported_modules(src, mods) == [
        "selfcare.analysis",
        "selfcare.analysis.checks",
        "selfcare.analysis.dataset",
        "selfcare.analysis.models",
        "selfcare.core.io",
        "selfcare.report.formatting",
        "selfcare.report.registry",
        "selfcare.survey.summary",
    ]


def test_module_paths_of_packages_and_modules():
    mods = {"selfcare": "", "selfcare.analysis": "", "selfcare.analysis.models": ""}
    packages = provenance.package_names(mods)
    assert packages == {"selfcare", "selfcare.analysis"}
    assert provenance.module_path("selfcare.analysis.models", packages) == "workflow/selfcare/analysis/models.py"
    assert provenance.module_path("selfcare.analysis", packages) == "workflow/selfcare/analysis/__init__.py"


def test_real_analysis_script_reaches_its_estimators_and_formatting():
    script = (ROOT / "workflow" / "scripts" / "ancova.py").read_text()
    used = provenance.imported_modules(script, _modules())
    assert {
        "selfcare.analysis.steps",
        "selfcare.analysis.models",
        "selfcare.report.formatting",
        "selfcare.report.registry",
        "selfcare.core.runner",
        "selfcare.core.io",
    } <= set(used)
    assert not any(m.startswith(("selfcare.deidentify", "selfcare.synth")) for m in used)


def test_every_package_module_is_read_once_by_dotted_name():
    mods = _modules()
    assert "selfcare.analysis.models" in mods and "selfcare.analysis" in mods
    files = [p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts]
    assert len(mods) == len(files)


def test_rule_info_unions_job_inputs():
    records = [
        {"key": "a", "rule": "r", "job_inputs": ["x.csv"]},
        {"key": "b", "rule": "r", "job_inputs": ["y.csv", "x.csv"]},
    ]
    info = provenance.rule_info(records, {"r": "workflow/scripts/r.py"}, {"workflow/scripts/r.py": ["m.py"]})
    assert info == {"r": {"script": "workflow/scripts/r.py", "inputs": ["x.csv", "y.csv"], "modules": ["m.py"]}}


def test_link_factory_carries_rule_and_file():
    manifest = [{"key": "change.lo.x", "rule": "change_by_site", "output": "results/a.csv"}]
    link = provenance.link_factory(manifest)
    out = link("change.lo.x", "+1.0")
    # the HTML number links to its record on the provenance page and names its key for the card
    assert out.startswith("[+1.0](provenance.html#prov-change-lo-x){.num")
    assert 'data-key="change.lo.x"' in out and "change_by_site" in out and "results/a.csv" in out
    assert link("build.renderer", "pandoc+typst") == "pandoc+typst"
    # the PDF number links to its row of the appendix
    pdf = provenance.link_factory(manifest, "typst")
    assert pdf("change.lo.x", "+1.0") == "[+1.0](#prov-change-lo-x)"
    assert pdf("build.renderer", "x") == "x"
    with pytest.raises(ValueError, match="unknown format"):
        provenance.link_factory(manifest, "docx")


def test_library_error_messages_are_withheld_but_ours_are_shown():
    import pandas as pd
    from selfcare.core.runner import describe_error
    from selfcare.raw import corrections

    try:
        int("Jane Doe")
    except ValueError as exc:
        msg = describe_error(exc)
    assert "Jane" not in msg and "withheld" in msg and "ValueError" in msg
    try:
        corrections.apply_corrections({}, pd.DataFrame([{"correction_id": "C009", "file": "x.csv", "record_id": "1",
                                                           "column": "a", "old_value": "", "new_value": "v", "reason": "r",
                                                           "corrected_on": "2009-01-01"}]), {})
    except corrections.CorrectionError as exc:
        msg = describe_error(exc)
    assert "C009" in msg and "not in the hand-over" in msg


def test_portable_paths_name_the_workflow_files_relative_to_its_root():
    from selfcare.report.sources import portable_paths
    from selfcare.report.tables.provenance import table_provenance_md

    record = {
        "name": "flow", "rule": "tables", "script": "/srv/checkout/workflow/scripts/tables.py",
        "module": "workflow/selfcare/report/tables/quantitative.py",
        "inputs": [{"path": "/srv/checkout/manuscript/tables.yaml", "sha256": "ab" * 32},
                   {"path": "results/analysis/flow.csv", "sha256": "cd" * 32},
                   {"path": "/elsewhere/raw/x.csv", "sha256": ""}],
        "meaning": "/srv/checkout/not a path key",
    }
    out = portable_paths(record, "/srv/checkout")
    assert out["script"] == "workflow/scripts/tables.py"
    assert [i["path"] for i in out["inputs"]] == ["manuscript/tables.yaml", "results/analysis/flow.csv", "/elsewhere/raw/x.csv"]
    assert out["meaning"] == record["meaning"] and record["script"].startswith("/srv")  # only path keys; no mutation
    note = table_provenance_md(out)
    assert "/srv/checkout" not in note and "`workflow/scripts/tables.py`" in note
    assert portable_paths([{"output": "/srv/checkout/results/a.json"}], "/srv/checkout/") == [{"output": "results/a.json"}]


def test_workflow_root_from_the_script_folder_snakemake_gives():
    from selfcare.report.sources import workflow_root

    assert workflow_root("/srv/checkout/workflow/rules/../scripts") == "/srv/checkout"
    assert workflow_root("/srv/checkout/workflow/scripts") == "/srv/checkout"
    assert workflow_root("workflow/rules/../scripts") == "."
