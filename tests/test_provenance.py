"""Provenance helpers: which package modules a script uses, and rule info."""

from pathlib import Path

from selfcare import provenance

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workflow" / "selfcare"
MODULES = {p.stem: p.read_text() for p in PACKAGE.glob("*.py")}


def test_imports_of_every_form_are_followed():
    src = (
        "from selfcare import io\n"
        "from selfcare import formatting as fmt, stats\n"
        "import selfcare.registry\n"
        "def f():\n    from selfcare.analysis import build_dataset\n"
    )
    mods = {"io": "", "formatting": "", "stats": "from selfcare.formatting import x\n", "registry": "",
            "analysis": "from selfcare import survey\n", "survey": "", "unused": ""}
    assert provenance.imported_modules(src, mods) == ["analysis", "formatting", "io", "registry", "stats", "survey"]


def test_real_analysis_script_reaches_stats_and_formatting():
    script = (ROOT / "workflow" / "scripts" / "ancova.py").read_text()
    used = provenance.imported_modules(script, MODULES)
    assert {"analysis", "stats", "formatting", "registry", "runner", "io"} <= set(used)
    assert "deidentify" not in used


def test_rule_info_unions_job_inputs():
    records = [
        {"key": "a", "rule": "r", "job_inputs": ["x.csv"]},
        {"key": "b", "rule": "r", "job_inputs": ["y.csv", "x.csv"]},
    ]
    info = provenance.rule_info(records, {"r": "workflow/scripts/r.py"}, {"workflow/scripts/r.py": ["m.py"]})
    assert info == {"r": {"script": "workflow/scripts/r.py", "inputs": ["x.csv", "y.csv"], "modules": ["m.py"]}}


def test_link_factory_carries_rule_and_file():
    link = provenance.link_factory([{"key": "change.lo.x", "rule": "change_by_site", "output": "results/a.csv"}])
    out = link("change.lo.x", "+1.0")
    assert out.startswith("[+1.0](#prov-change-lo-x)") and "change_by_site" in out and "results/a.csv" in out
    assert link("build.renderer", "pandoc+typst") == "pandoc+typst"


def test_library_error_messages_are_withheld_but_ours_are_shown():
    from selfcare.runner import describe_error
    from selfcare import corrections
    import pandas as pd

    try:
        int("Jane Doe")
    except ValueError as exc:
        msg = describe_error(exc)
    assert "Jane" not in msg and "withheld" in msg and "ValueError" in msg
    try:
        corrections.apply_corrections({}, pd.DataFrame([{"correction_id": "C009", "file": "x.csv", "record_id": "1",
                                                           "column": "a", "new_value": "v", "reason": "r",
                                                           "corrected_on": "2009-01-01"}]), {})
    except corrections.CorrectionError as exc:
        msg = describe_error(exc)
    assert "C009" in msg and "unknown file" in msg
