"""The floor of a cold run: every job's computation in one Python process.

``python -m selfcare.benchmark.floor WORKDIR`` runs, in one process and in the
order Snakemake started them, the scripts Snakemake generated for the jobs of
the last run in ``WORKDIR`` (kept by ``--skip-script-cleanup`` under
``.snakemake/scripts/``). Each generated script is the rule's own script
behind a preamble that rebuilds the job's ``snakemake`` object (its inputs,
outputs, params, log), so these are the same package calls on the same
inputs, writing the same outputs; what is saved is one interpreter start-up
and one import of pandas, statsmodels and matplotlib per job, and Snakemake's
own scheduling. The difference between a cold run and this floor is the
price of the one-rule-per-stage design.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from selfcare.core import io

PREAMBLE_END = "######## snakemake preamble end #########"


def job_scripts(workdir: str | Path) -> list[Path]:
    """Generated job scripts of the last run, in the order they were written (started)."""
    folder = Path(workdir) / ".snakemake" / "scripts"
    return sorted(folder.glob("tmp*.py"), key=lambda p: (p.stat().st_mtime_ns, p.name))


def run_script(path: Path) -> float:
    """Execute one generated job script in this process; return its wall time.

    Raises
    ------
    RuntimeError
        When the job fails (its script exits non-zero).
    """
    text = io.read_text(path)
    head, _, body = text.partition(PREAMBLE_END)
    ns: dict = {"__name__": "__main__", "__file__": str(path)}
    start = time.perf_counter()
    exec(compile(head, str(path), "exec"), ns)  # noqa: S102 - Snakemake's own preamble
    smk = ns["snakemake"]
    for out in [*smk.output, *smk.log]:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
    try:
        exec(compile(body, str(path), "exec"), ns)  # noqa: S102 - the rule's script
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise RuntimeError(f"job script {path.name} failed (exit {exc.code})") from None
    for out in smk.output:
        if Path(out).is_dir():  # as Snakemake marks a directory() output once its job is done
            io.write_bytes(Path(out) / ".snakemake_timestamp", b"")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Command line: run every job script of ``WORKDIR`` (``argv[0]``) in order."""
    args = sys.argv[1:] if argv is None else argv
    workdir = Path(args[0]).resolve()
    os.chdir(workdir)
    scripts = job_scripts(workdir)
    if not scripts:
        print(f"no job scripts under {workdir}/.snakemake/scripts (run Snakemake with --skip-script-cleanup)")
        return 1
    for path in scripts:
        os.chdir(workdir)
        print(f"{path.name.split('.', 1)[1]}: {run_script(path):.2f} s", flush=True)
    print(f"floor jobs: {len(scripts)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
