"""Speed and memory benchmark of the workflow's heavy steps.

``python -m selfcare.benchmark`` prints wall time and peak memory of each
step on the shipped synthetic dataset, and of the leak scan on a larger text,
against the project's targets. Timings are measured here, not asserted in
tests (the machine's load varies).

Targets (per step, on a 2-core machine):

* validate the raw hand-over: < 5 s
* de-identify (pseudonyms, scrubbing 87 transcripts, k-anonymity): < 10 s
* score both time points: < 2 s
* leak scan of 5 MB of text against every register identifier: < 5 s
* one calibration replicate (simulate + score + all headline models): < 2 s
* peak resident memory of the whole benchmark: < 1 GiB
"""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any, Callable

from selfcare.deidentify.keys import load_key
from selfcare.deidentify.leaks import build_leak_index, scan_text
from selfcare.scoring.measures import check_measures
from selfcare.scoring.score import score_measures

TARGETS = {"validate": 5.0, "deidentify": 10.0, "score": 2.0, "leak_scan_5MB": 5.0, "calibration_replicate": 2.0}


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> int:
    """Run every benchmark step and print its figures."""
    from selfcare.core import io
    from selfcare.deidentify.pipeline import deidentify
    from selfcare.raw import validate
    from selfcare.synth import calibration

    raw = Path(io.read_yaml("config/config.yaml")["data"]["raw_dir"])
    cfg = io.read_yaml("config/config.yaml")
    measures = io.read_yaml("config/measures.yaml")
    package = io.read_json(raw / "datapackage.json")
    files = {str(p.relative_to(raw)): io.read_bytes(p) for p in io.list_files(raw)}
    rows = []
    t, _ = _timed(lambda: validate.validate_raw(files, package, validate.needed_columns(measures)))
    rows.append(("validate", t))
    paths = {r["name"]: r["path"] for r in package["resources"]}
    names = ["participants", "demographics", "baseline", "followup", "attendance", "interviewees", "interviews",
             "screening", "survey", "corrections"]
    tables = {n: io.parse_csv_text(files[paths[n]].decode("utf-8")) for n in names}
    keys = {r["name"]: list(r.get("schema", {}).get("primaryKey", [])) for r in package["resources"]}
    key, _ = load_key(None, None, io.read_text(raw / cfg["deidentify"]["demo_key_file"]), True)
    t, res = _timed(lambda: deidentify(tables, io.read_zip(raw / "coding.qdpx"), io.read_text("resources/refi-qda/project.xsd"),
                                       io.read_yaml("workflow/schemas/deid_allowlist.yaml"), measures, cfg["deidentify"], key, keys))
    rows.append(("deidentify", t))
    checked = check_measures(measures)
    t, _ = _timed(lambda: [score_measures(res["tables"][tp], checked, tp, ["pid"]) for tp in ("baseline", "followup")])
    rows.append(("score", t))
    from selfcare.deidentify.leaks import register_identifiers

    index = build_leak_index(register_identifiers({"p": tables["participants"], "i": tables["interviewees"]}))
    text = "".join(res["texts"].values())
    big = (text * (5_000_000 // max(len(text), 1) + 1))[:5_000_000]
    t, _ = _timed(lambda: scan_text(big, index))
    rows.append(("leak_scan_5MB", t))
    sim = io.read_yaml("config/simulation.yaml")
    t, _ = _timed(lambda: calibration.replicate_estimates(sim, measures, cfg["analysis"], 12345))
    rows.append(("calibration_replicate", t))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'step':<24}{'seconds':>10}{'target':>10}  verdict")
    ok = True
    for name, sec in rows:
        good = sec < TARGETS[name]
        ok &= good
        print(f"{name:<24}{sec:>10.2f}{TARGETS[name]:>10.1f}  {'met' if good else 'MISSED'}")
    mem_ok = peak_mib < 1024
    print(f"{'peak memory (MiB)':<24}{peak_mib:>10.0f}{1024:>10}  {'met' if mem_ok else 'MISSED'}")
    return 0 if ok and mem_ok else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
