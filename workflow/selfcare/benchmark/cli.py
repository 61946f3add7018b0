"""The benchmark command: options, the runs, one table of medians.

``python -m selfcare.benchmark`` (every part, 3 repeats, 10,000 / 100,000 /
1,000,000 participants) takes a long while; ``--quick`` runs one repeat of the
whole-workflow part and the path at 10,000 participants only, and
``--parts`` picks parts (``workflow``, ``scale``, ``scrub``). Each row of the
table shows the median over the repeats and the machine's load average when
the row was measured (other processes slow every figure down).

Targets (README, "Benchmark"):

* no-op rerun <= 1.25 x a one-rule Snakefile's no-op;
* cold run <= 2 x its floor (the same computations in one process);
* rebuild after a one-record correction <= half the cold run;
* 1,000,000 participants through the quantitative path <= 5 min, <= 8 GB peak;
* cost per participant flat within 2 x from 10,000 to 1,000,000;
* validation >= 1,000,000 rows per minute.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from selfcare.benchmark.measure import fmt, load, median, table
from selfcare.benchmark.scale import (
    STAGES,
    data_rows,
    quantitative_path,
    scrub_throughput,
    simulate,
)
from selfcare.benchmark.workflow import workflow_repeat

HEADER = ("figure", "wall s", "cpu s", "peak MB", "jobs", "ratio / rate", "target", "load")


def _row(name: str, runs: list, ratio: str = "", target: str = "", note: str = "") -> list[str]:
    jobs = sorted({r.n_jobs for r in runs})
    return [name, fmt(median([r.wall for r in runs])), fmt(median([r.cpu for r in runs])),
            fmt(median([r.peak_mb for r in runs]), 0), "/".join(map(str, jobs)), ratio, target, note]


def workflow_rows(reps: list[dict[str, Any]]) -> list[list[str]]:
    """Table rows of the whole-workflow part (medians over repeats)."""
    cold = [r["cold"] for r in reps]
    floor = [r["floor"] for r in reps]
    noop = [m for r in reps for m in r["noop"]]
    one = [m for r in reps for m in r["one_rule_noop"]]
    corr = [r["correction"] for r in reps]
    edit = [r["text_edit"] for r in reps]
    c, f = median([m.wall for m in cold]), median([m.wall for m in floor])
    n, o = median([m.wall for m in noop]), median([m.wall for m in one])
    k = median([m.wall for m in corr])
    same = "same bytes" if all(r["floor_identical"] for r in reps) else "OUTPUTS DIFFER"
    rows = [
        _row("cold run (empty results/)", cold, "", "", reps[-1]["cold_load"]),
        _row(f"floor: its jobs in one process ({same})", floor, f"cold/floor {fmt(c / f)}", "<= 2", reps[-1]["floor_load"]),
        _row("no-op rerun", noop, f"/one-rule {fmt(n / o)}", "<= 1.25", load()),
        _row("no-op, one-rule Snakefile", one, "", "", load()),
        _row("rebuild: one-record correction", corr, f"/cold {fmt(k / c)}", "<= 0.5", load()),
        _row("rebuild: manuscript text edit", edit, f"/cold {fmt(median([m.wall for m in edit]) / c)}", "", load()),
    ]
    return rows


def rerun_notes(reps: list[dict[str, Any]]) -> list[str]:
    """The jobs each rebuild reran (last repeat), printed below the table."""
    return [f"jobs rerun after the {what}: " + ", ".join(sorted(reps[-1][key].jobs))
            for key, what in (("correction", "one-record correction"), ("text_edit", "text edit"))]


def scale_rows(root: Path, tmp: Path, sizes: list[int], cores: int, repeats: int) -> list[list[str]]:
    """Table rows of the quantitative path at each size (medians over repeats)."""
    rows: list[list[str]] = []
    per_participant = {}
    for size in sizes:
        raw, n, sim_s = simulate(root, tmp, size)
        runs = [quantitative_path(root, tmp, raw, cores) for _ in range(repeats)]
        note = load()
        total = []
        for stage in STAGES:
            ms = [r[stage] for r in runs]
            rate = ""
            if stage == "validate":
                rate = f"{data_rows(raw) / median([m.wall for m in ms]) * 60:,.0f} rows/min"
            rows.append(_row(f"{n:,} participants: {stage}", ms, rate,
                             ">= 1,000,000 rows/min" if stage == "validate" else "", note))
        total = [sum(r[s].wall for s in STAGES) for r in runs]
        peak = max(r[s].peak_mb for r in runs for s in STAGES)
        per_participant[n] = median(total) / n
        rows.append([f"{n:,} participants: whole path", fmt(median(total)), "", fmt(peak, 0), "",
                     f"{per_participant[n] * 1e6:,.0f} us/participant",
                     "<= 300 s, <= 8000 MB" if n >= 1_000_000 else "", f"{note}; simulator {fmt(sim_s, 0)} s"])
    if len(per_participant) > 1:
        costs = list(per_participant.values())
        rows.append(["cost per participant, largest/smallest size", "", "", "", "",
                     fmt(costs[-1] / costs[0]), "<= 2 (flat within 2x)", ""])
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module's docstring)."""
    p = argparse.ArgumentParser(prog="python -m selfcare.benchmark", description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3, help="repeats of each measurement (medians are shown)")
    p.add_argument("--cores", type=int, default=2, help="Snakemake --cores for every run")
    p.add_argument("--sizes", default="10000,100000,1000000", help="participants for the quantitative path")
    p.add_argument("--transcripts", type=int, default=10_000, help="transcripts for the scrubbing throughput")
    p.add_argument("--parts", default="workflow,scale,scrub", help="comma-separated: workflow, scale, scrub")
    p.add_argument("--quick", action="store_true", help="one repeat, 10,000 participants, 1,000 transcripts")
    p.add_argument("--workdir", default=None, help="keep the copies and simulated hand-overs here")
    args = p.parse_args(argv)
    if args.quick:
        args.repeats, args.sizes, args.transcripts = 1, "10000", 1000
    parts = set(args.parts.split(","))
    root = Path.cwd()
    rows: list[list[str]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="selfcare-benchmark-") as t:
        tmp = Path(args.workdir).resolve() if args.workdir else Path(t)
        if "workflow" in parts:
            reps = [workflow_repeat(root, tmp / f"workflow-{i}", args.cores) for i in range(args.repeats)]
            rows += workflow_rows(reps)
            notes += rerun_notes(reps)
        if "scale" in parts:
            sizes = [int(s) for s in args.sizes.split(",") if s]
            rows += scale_rows(root, tmp, sizes, args.cores, args.repeats)
        if "scrub" in parts:
            s = scrub_throughput(root, args.transcripts)
            rows.append([f"scrubbing {s['transcripts']:,} transcripts ({s['mb']:.1f} MB)", fmt(s["seconds"]), fmt(s["cpu"]), "",
                         "", f"{s['mb_per_s']:.2f} MB/s", "", s["load"]])
    print(f"selfcare benchmark: medians of {args.repeats} repeat(s), --cores {args.cores}")
    print(table(rows, HEADER))
    print("\n".join(notes))
    return 0
