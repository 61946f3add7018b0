"""Smoke tests of the benchmark's code at tiny sizes (no timing is asserted)."""

import os
import shutil
import sys
from pathlib import Path

from selfcare.benchmark import floor, measure, scale, workflow
from selfcare.core import io
from selfcare.raw.corrections import apply_corrections

ROOT = Path(__file__).resolve().parents[2]

JOB_STATS = """Job stats:
job                    count
-------------------  -------
validate_raw               1
score_measures             6
all                        1
total                      8

Select jobs to execute...
"""


def test_job_stats_reads_snakemakes_table_without_the_target_rule():
    assert measure.job_stats(JOB_STATS) == {"validate_raw": 1, "score_measures": 6}
    assert measure.job_stats("Nothing to be done (all requested files are present and up to date).") == {}


def test_run_measured_reports_time_memory_and_exit_code(tmp_path):
    res = measure.run_measured([sys.executable, "-c", "x = bytearray(50_000_000); print('done')"], tmp_path)
    assert res.returncode == 0 and "done" in res.output
    assert res.peak_mb >= 50 and res.wall > 0 and res.cpu > 0
    assert measure.run_measured([sys.executable, "-c", "raise SystemExit(3)"], tmp_path).returncode == 3


def test_table_aligns_columns():
    text = measure.table([["a", "1.00"], ["longer name", "10.00"]], ["figure", "s"])
    lines = text.splitlines()
    assert len({len(line) for line in lines}) == 1 and lines[1].startswith("-")
    assert measure.fmt(float("nan")) == "-" and measure.median([3.0, 1.0, 2.0]) == 2.0


def test_per_site_sizes_cover_the_asked_total():
    sites = len(io.read_yaml(ROOT / "config/simulation.yaml")["sites"])
    assert scale.per_site(ROOT, 10_000) == (-(-10_000 // sites), -(-10_000 // sites) * sites)
    assert scale.per_site(ROOT, 1)[0] == 1
    assert scale.stage_targets("models", ["A", "B"])[-2:] == ["results/analysis/service_use_A.csv",
                                                             "results/analysis/service_use_B.csv"]


def test_floor_runs_job_scripts_in_order_in_one_process(tmp_path):
    scripts = tmp_path / ".snakemake" / "scripts"
    scripts.mkdir(parents=True)
    for i, name in enumerate(["tmpa.first.py", "tmpb.second.py"]):
        out = f"results/{name.split('.')[1]}/out.txt"
        pre = f"from types import SimpleNamespace\nsnakemake = SimpleNamespace(output=[{out!r}], log=[])\n"
        body = "\nfrom pathlib import Path\nPath(snakemake.output[0]).write_text(str(len(list(Path('results').rglob('*.txt')))))\n"
        io.write_text(scripts / name, pre + floor.PREAMBLE_END + body)
        os.utime(scripts / name, ns=(i * 10**9, i * 10**9))
    assert [p.name for p in floor.job_scripts(tmp_path)] == ["tmpa.first.py", "tmpb.second.py"]
    cwd = Path.cwd()
    try:
        assert floor.main([str(tmp_path)]) == 0
    finally:
        os.chdir(cwd)
    assert io.read_text(tmp_path / "results/first/out.txt") == "0"
    assert io.read_text(tmp_path / "results/second/out.txt") == "1"  # ran after the first


def test_one_record_correction_applies_and_is_restored(tmp_path):
    work = tmp_path / "p"
    (work / "config").mkdir(parents=True)
    shutil.copy(ROOT / "config/config.yaml", work / "config/config.yaml")
    raw = workflow.raw_dir(work)
    shutil.copytree(ROOT / "resources/synthetic", raw)
    before = io.read_bytes(raw / "corrections.csv")
    saved = workflow.one_record_correction(work)
    corr = io.read_csv(raw / "corrections.csv")
    assert len(corr) == len(io.parse_csv_text(before.decode("utf-8"))) + 1
    tables = {"followup": io.read_csv(raw / "followup.csv"), "baseline": io.read_csv(raw / "baseline.csv"),
              "participants": io.read_csv(raw / "participants.csv")}
    fixed, trail = apply_corrections(tables, corr, {t: ["study_id"] for t in tables})
    assert len(trail) == len(corr)  # the new correction applies like the shipped ones
    assert not fixed["followup"].equals(tables["followup"])
    workflow.restore(saved)
    assert io.read_bytes(raw / "corrections.csv") == before
