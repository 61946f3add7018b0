"""``python -m selfcare.audit``: rerun from raw data and check every number.

For auditors (CODECHECK, a journal's data editor): the command copies the
project's workflow, configuration, manuscript and raw hand-over into a clean
temporary folder, reruns the whole workflow there with Snakemake, and compares
every registry number with ``manuscript/accepted-numbers.json`` at display
precision (:mod:`selfcare.report.audit`). It writes, under ``results/audit/``:

* ``audit.csv``: key, accepted, reproduced, verdict (same, different,
  missing, new), meaning, rule, output;
* ``verdict.json``: the overall verdict and the keys that failed;
* ``codecheck.yml``: a CODECHECK manifest (every output with its role in the
  report, the command, and the fields a human codechecker fills in).

It exits 0 when every number is reproduced, and 1 naming the keys that are
not. The rerun's own folder is removed unless ``--keep`` names where to keep
it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from selfcare.core import io
from selfcare.report.audit import audit_table, audit_verdict, codecheck_manifest

#: What a rerun needs from the project (the raw hand-over is added from config).
PROJECT_FILES = ("Snakefile", "workflow", "config", "resources", "manuscript", "environment.yml", "pyproject.toml")


def copy_project(root: Path, dest: Path) -> None:
    """Copy the project's inputs (never ``results/`` or caches) into ``dest``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".snakemake", "results")
    for name in PROJECT_FILES:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, dest / name)
    raw = Path(io.read_yaml(root / "config/config.yaml")["data"]["raw_dir"])
    if not raw.is_absolute() and not (dest / raw).exists():
        shutil.copytree(root / raw, dest / raw, ignore=ignore)


def rerun(workdir: Path, cores: int) -> subprocess.CompletedProcess[str]:
    """Run the whole workflow in ``workdir`` from nothing."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", str(cores)],
        cwd=workdir, capture_output=True, text=True, env={**os.environ},
    )


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(prog="python -m selfcare.audit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--accepted", default="manuscript/accepted-numbers.json")
    parser.add_argument("--out", default="results/audit")
    parser.add_argument("--keep", default=None, help="keep the rerun's folder here")
    args = parser.parse_args(argv)
    root = Path.cwd()
    command = f"python -m selfcare.audit --cores {args.cores}"
    with tempfile.TemporaryDirectory(prefix="selfcare-audit-") as tmp:
        work = Path(args.keep).resolve() if args.keep else Path(tmp) / "rerun"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        copy_project(root, work)
        print(f"rerunning the workflow from the raw hand-over in {work} ...", flush=True)
        res = rerun(work, args.cores)
        if res.returncode != 0:
            print((res.stdout + res.stderr)[-3000:], file=sys.stderr)
            print("audit: the rerun failed; nothing was compared", file=sys.stderr)
            return 2
        manifest = io.read_json(work / "results/provenance/numbers.json")
    table = audit_table(io.read_json(root / args.accepted), manifest)
    verdict = audit_verdict(table)
    qmd = io.read_text(root / "manuscript/index.qmd")
    meta = yaml.safe_load(qmd.split("---", 2)[1])
    out = root / args.out
    io.write_csv(out / "audit.csv", table)
    io.write_json(out / "verdict.json", verdict)
    io.write_yaml(out / "codecheck.yml", codecheck_manifest(qmd, meta, command, verdict))
    print(f"audit: {verdict['status']}: {verdict['same']} of {verdict['numbers']} numbers reproduced "
          f"at display precision; wrote {out}/audit.csv, verdict.json, codecheck.yml")
    if verdict["status"] != "reproduced":
        print("audit: not reproduced: " + ", ".join(verdict["failing_keys"]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
