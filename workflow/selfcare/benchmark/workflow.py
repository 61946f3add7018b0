"""The whole workflow timed in a copy of the project.

Cold run from an empty ``results/``, its floor (the same computations in one
process, :mod:`selfcare.benchmark.floor`), a no-op rerun beside a one-rule
Snakefile's no-op, and the rebuilds after a one-record correction and after a
manuscript text edit. The project is copied (:func:`selfcare.audit.copy_project`)
so that the checkout's own ``results/`` is never touched.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from selfcare.audit import copy_project
from selfcare.benchmark.measure import Measured, load, run_measured
from selfcare.core import io

ONE_RULE = 'rule one:\n    output:\n        "one.txt",\n    shell:\n        "echo 1 > {output}"\n'
#: A sentence added to the manuscript for the text-edit rebuild (no digit: prose may not hold one).
EDIT_SENTENCE = "\nThis sentence was added by the benchmark to time a text edit.\n"


def snakemake(cores: int, *extra: str) -> list[str]:
    """The Snakemake command line the benchmark times."""
    return [sys.executable, "-m", "snakemake", "--cores", str(cores), *extra]


def prepare(root: Path, dest: Path) -> Path:
    """A fresh copy of the project in ``dest/project``, and a one-rule project in ``dest/one-rule``."""
    work = dest / "project"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    copy_project(root, work)
    one = dest / "one-rule"
    one.mkdir(parents=True, exist_ok=True)
    io.write_text(one / "Snakefile", ONE_RULE)
    return work


def raw_dir(work: Path) -> Path:
    """The raw hand-over folder the copy's configuration names."""
    raw = Path(io.read_yaml(work / "config/config.yaml")["data"]["raw_dir"])
    return raw if raw.is_absolute() else work / raw


def cold_run(work: Path, cores: int) -> Measured:
    """The whole workflow from an empty ``results/`` (and no Snakemake metadata)."""
    io.remove_paths([p for p in (work / "results", work / ".snakemake") if p.exists()])
    res = run_measured(snakemake(cores, "--skip-script-cleanup"), work)
    _check(res, "cold run")
    return res


def floor_run(work: Path) -> Measured:
    """The cold run's jobs in one Python process, from an empty ``results/``."""
    io.remove_paths([work / "results"])
    res = run_measured([sys.executable, "-m", "selfcare.benchmark.floor", str(work)], work)
    _check(res, "floor")
    jobs = [line for line in res.output.splitlines() if line.startswith("floor jobs: ")]
    res.jobs = {"(one process)": int(jobs[-1].split(": ")[1])} if jobs else {}
    return res


def results_digest(work: Path) -> dict[str, str]:
    """sha256 of every file under ``results/`` except the logs (which name times and processes)."""
    base = work / "results"
    return {str(p.relative_to(base)): io.sha256_file(p) for p in io.list_files(base)
            if p.relative_to(base).parts[0] != "logs"}


def one_record_correction(work: Path) -> dict[str, bytes]:
    """Append one valid correction to the copy's ``corrections.csv`` (re-signing a synthetic
    hand-over); return the original bytes of what was changed, for :func:`restore`."""
    from selfcare.synth.cli import sign

    raw = raw_dir(work)
    saved = {name: io.read_bytes(raw / name) for name in ("corrections.csv", "SYNTHETIC.sha256")
             if (raw / name).exists()}
    followup = io.read_csv(raw / "followup.csv")
    item = "es_01"
    row = followup[followup[item].astype(str).isin(["1", "2", "3", "4"])].iloc[0]
    old = str(row[item])
    new = "2" if old != "2" else "3"
    line = f"C999,followup.csv,{row['study_id']},{item},{old},{new},benchmark: one-record correction,2009-01-01\n"
    text = io.read_text(raw / "corrections.csv")
    io.write_text(raw / "corrections.csv", text if text.endswith("\n") else text + "\n")
    io.write_text(raw / "corrections.csv", io.read_text(raw / "corrections.csv") + line)
    if "SYNTHETIC.sha256" in saved:
        sign(str(raw))
    return {str(raw / k): v for k, v in saved.items()}


def text_edit(work: Path) -> dict[str, bytes]:
    """Add a sentence to the copy's manuscript; return the original bytes for :func:`restore`."""
    path = work / "manuscript/index.qmd"
    saved = {str(path): io.read_bytes(path)}
    io.write_text(path, io.read_text(path) + EDIT_SENTENCE)
    return saved


def restore(saved: dict[str, bytes]) -> None:
    """Put back files changed by :func:`one_record_correction` or :func:`text_edit`."""
    for path, data in saved.items():
        io.write_bytes(path, data)


def _check(res: Measured, what: str) -> None:
    if res.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {res.returncode}):\n{res.output[-3000:]}")


def workflow_repeat(root: Path, tmp: Path, cores: int, noops: int = 3) -> dict[str, Any]:
    """One repeat of every whole-workflow measurement; returns figure -> Measured (or list)."""
    work = prepare(root, tmp)
    out: dict[str, Any] = {}
    out["cold"] = cold_run(work, cores)
    out["cold_load"] = load()
    out["noop"] = [run_measured(snakemake(cores), work) for _ in range(noops)]
    one = tmp / "one-rule"
    run_measured(snakemake(1), one)
    out["one_rule_noop"] = [run_measured(snakemake(1), one) for _ in range(noops)]
    digest = results_digest(work)
    saved: dict[str, bytes] = {}
    # the text edit is timed on top of the correction (no rerun in between to undo it)
    for name, change in (("correction", one_record_correction), ("text_edit", text_edit)):
        saved.update(change(work))
        res = run_measured(snakemake(cores), work)
        _check(res, f"rebuild after {name}")
        out[name] = res
    restore(saved)
    # the cold run's job scripts, on the cold run's inputs again
    out["floor"] = floor_run(work)
    out["floor_load"] = load()
    out["floor_identical"] = results_digest(work) == digest
    return out
