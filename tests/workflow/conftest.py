"""One whole-workflow run of the shipped project, shared by the slow tests.

The end-to-end tests (test_workflow.py, test_guides.py) each start from a
project that has run once from nothing; they get their own copy of this one
run (results, Snakemake's records and file times included) instead of
running the workflow again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from selfcare.audit import copy_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def shipped_run(tmp_path_factory) -> Path:
    """A copy of the project after one full ``snakemake --cores 2`` (read-only: copy it)."""
    wd = tmp_path_factory.mktemp("shipped-run")
    copy_project(ROOT, wd)  # what the auditor's rerun copies
    res = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2"], cwd=wd, capture_output=True,
                         text=True, timeout=900)
    assert res.returncode == 0, (res.stdout + res.stderr)[-5000:]
    return wd


@pytest.fixture(scope="session")
def copy_of_run():
    """``copy(run, dest)``: a copy of a finished project (file times kept, so nothing is out of date)."""

    def copy(run: Path, dest: Path) -> Path:
        shutil.copytree(run, dest, symlinks=True, dirs_exist_ok=True)
        return dest

    return copy
