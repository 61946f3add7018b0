"""Measuring one command: wall time, CPU time, peak memory, Snakemake's jobs.

Every figure of the benchmark comes from :func:`run_measured`: the command
runs as a child process and ``os.wait4`` returns its resource usage, which on
Linux covers the child and every descendant it waited for (a Snakemake run
and all its jobs). Peak memory is the largest resident set of any one process
in that tree, not a sum over processes running at the same time.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence


@dataclass
class Measured:
    """One measured command."""

    wall: float
    cpu: float
    peak_mb: float
    returncode: int
    output: str = ""
    jobs: dict[str, int] = field(default_factory=dict)

    @property
    def n_jobs(self) -> int:
        """Jobs Snakemake ran (0 for a no-op or a command that is not Snakemake)."""
        return sum(self.jobs.values())


def job_stats(output: str) -> dict[str, int]:
    """Rule -> job count, from the ``Job stats:`` table Snakemake prints (the target rule left out).

    Parameters
    ----------
    output : str
        Snakemake's standard output and error.
    """
    block = re.search(r"Job stats:\n.*?\n-+\s+-+\n(.*?)\ntotal\s+\d+", output, flags=re.S)
    if not block:
        return {}
    jobs = {}
    for line in block.group(1).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] != "all":
            jobs[parts[0]] = int(parts[1])
    return jobs


def run_measured(cmd: Sequence[str], cwd: str | Path, env: Mapping[str, str] | None = None) -> Measured:
    """Run ``cmd`` in ``cwd`` and measure it (see the module's docstring)."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=dict(os.environ if env is None else env))
    assert proc.stdout is not None
    output = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    return Measured(wall=wall, cpu=usage.ru_utime + usage.ru_stime, peak_mb=usage.ru_maxrss / 1024,
                    returncode=proc.returncode, output=output, jobs=job_stats(output))


def load() -> str:
    """The machine's 1-minute load average and its core count, e.g. ``"load 1.2/2 cores"``."""
    return f"load {os.getloadavg()[0]:.1f}/{os.cpu_count()} cores"


def median(values: Sequence[float]) -> float:
    """Median of the repeats (``nan`` when there are none)."""
    return float(statistics.median(values)) if values else float("nan")


def fmt(value: float, digits: int = 2) -> str:
    """A figure for the table (``-`` when not measured)."""
    if value != value:  # nan
        return "-"
    return f"{value:.{digits}f}"


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    """A plain-text table with aligned columns (first column left, the rest right)."""
    cells = [list(header), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for n, r in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
