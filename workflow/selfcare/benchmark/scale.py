"""The quantitative path at scale, and the throughput of validation and scrubbing.

:func:`scale_config` multiplies every count of the simulator's configuration
(each site's sample and its category counts, screening) by a whole factor, so
that the seeded simulator (``python -m selfcare.synth``) writes a synthetic
hand-over of about the asked number of participants; the searches that fit
the shipped draw to published facts are switched off (they are about 121
people). The hand-over is written once per size (not timed). The path is then
timed stage by stage with the workflow's own rules (Snakemake targets: the
validation report, the de-identified tables, the merged scores, the models),
each stage a measured Snakemake run in a copy of the project whose
``data.raw_dir`` names the big hand-over.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from selfcare.benchmark.measure import Measured, load, run_measured
from selfcare.benchmark.workflow import prepare, snakemake
from selfcare.core import io

#: Stage -> the Snakemake targets that complete it (each stage runs after the previous one).
STAGES = {
    "validate": ["results/validation/validation_report.json"],
    "deidentify": ["results/deid/deid_report.json"],
    "score": ["results/scores/scores.csv"],
    "models": ["results/analysis/ancova.csv", "results/analysis/satisfaction.csv",
               "results/analysis/engagement.csv", "results/analysis/change.csv"],
}


def stage_targets(stage: str, sites: list[str]) -> list[str]:
    """Snakemake targets of a stage (the models stage adds service use at every configured site)."""
    extra = [f"results/analysis/service_use_{s}.csv" for s in sites] if stage == "models" else []
    return [*STAGES[stage], *extra]
def per_site(root: Path, participants: int) -> tuple[int, int]:
    """People per site for about ``participants`` in all, and the exact total."""
    sites = len(io.read_yaml(root / "config/simulation.yaml")["sites"])
    n = max(1, -(-participants // sites))
    return n, n * sites


def simulate(root: Path, dest: Path, participants: int) -> tuple[Path, int, float]:
    """Write a synthetic hand-over of about ``participants`` people into ``dest`` (once per size).

    The seeded simulator with the same number of people per site, no
    published-fact constraint and whole-array draws (``--n N --no-constraints
    --vectorised``). Returns the folder, the exact size and the simulator's
    wall time (0 when an earlier run's folder is reused).
    """
    n_site, n = per_site(root, participants)
    raw = dest / f"raw-{n}"
    if (raw / "datapackage.json").exists():
        return raw, n, 0.0
    cmd = [sys.executable, "-m", "selfcare.synth", "--n", str(n_site), "--no-constraints", "--vectorised",
           "--seed", "1", "--out", str(raw)]
    res = run_measured(cmd, root)
    if res.returncode != 0:
        raise RuntimeError(f"simulator failed at {n} participants:\n{res.output[-3000:]}")
    return raw, n, res.wall


def data_rows(raw: Path) -> int:
    """Data rows in the hand-over's CSV tables (comment lines and headers left out)."""
    rows = 0
    for path in io.list_files(raw):
        if path.suffix == ".csv":
            lines = [ln for ln in io.read_text(path).splitlines() if ln and not ln.startswith("#")]
            rows += max(0, len(lines) - 1)
    return rows


def quantitative_path(root: Path, tmp: Path, raw: Path, cores: int) -> dict[str, Measured]:
    """Each stage of the quantitative path on the hand-over in ``raw``: stage -> Measured."""
    work = prepare(root, tmp / f"path-{raw.name}")
    cfg = io.read_yaml(work / "config/config.yaml")
    cfg["data"]["raw_dir"] = str(raw)
    io.write_yaml(work / "config/config.yaml", cfg)
    out = {}
    for stage in STAGES:
        res = run_measured(snakemake(cores, *stage_targets(stage, list(cfg["sites"]))), work)
        if res.returncode != 0:
            raise RuntimeError(f"stage {stage} failed on {raw.name}:\n{res.output[-3000:]}")
        out[stage] = res
    return out


def scrub_throughput(root: Path, transcripts: int) -> dict[str, float]:
    """Scrub ``transcripts`` transcripts (the shipped ones, repeated, each copy made distinct)
    with the shipped registers' names; returns MB, seconds and MB/s."""
    from selfcare.deidentify.names import build_name_matcher
    from selfcare.deidentify.pipeline import register_names
    from selfcare.deidentify.scrub import scrub_text

    conf = io.read_yaml(root / "config/config.yaml")
    raw = root / conf["data"]["raw_dir"]
    tables = {t: io.read_csv(raw / f"{t}.csv") for t in ("participants", "interviewees")}
    matcher = build_name_matcher(register_names(tables), set(conf["deidentify"].get("stopwords", [])))
    places = list(conf["deidentify"].get("places", []))
    shipped = [io.read_text(p) for p in io.list_files(raw / "transcripts") if p.suffix == ".txt"]
    texts = [f"Copy {i}.\n" + shipped[i % len(shipped)] for i in range(transcripts)]
    size_mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    start, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        scrub_text(text, matcher, places)
    sec, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"transcripts": transcripts, "mb": size_mb, "seconds": sec, "cpu": cpu, "mb_per_s": size_mb / sec,
            "load": load()}
