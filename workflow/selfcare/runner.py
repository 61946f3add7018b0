"""Glue shared by the workflow's scripts: logging and fail-closed error handling.

A script calls :func:`run` with the ``snakemake`` object and its ``main``
function. The rule's log file receives timestamps-free, identifier-free
progress lines; any exception becomes one clear message naming the rule,
written to the log and to standard error, and a non-zero exit. Snakemake then
removes the rule's outputs, so a failing rule leaves no partial output.
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any, Callable

LOG = logging.getLogger("selfcare")


def setup_logging(log_path: str | None) -> None:
    """Send the package's log records to the rule's log file (and stderr)."""
    LOG.handlers.clear()
    LOG.setLevel(logging.INFO)
    fmt = logging.Formatter("%(levelname)s %(message)s")
    if log_path:
        fh = logging.FileHandler(log_path, mode="w", encoding="utf-8")
        fh.setFormatter(fmt)
        LOG.addHandler(fh)
    sh = logging.StreamHandler(sys.stderr)
    sh.setFormatter(fmt)
    LOG.addHandler(sh)
    LOG.propagate = False


def run(smk: Any, main: Callable[[Any], None]) -> None:
    """Run a script's ``main(snakemake)`` with logging and fail-closed errors.

    Parameters
    ----------
    smk : snakemake.script.Snakemake
        The object Snakemake injects into scripts.
    main : callable
        Reads the named inputs, calls the package, writes the named outputs.
    """
    log_path = smk.log[0] if len(smk.log) else None
    setup_logging(log_path)
    rule = getattr(smk, "rule", "?")
    LOG.info("rule %s started", rule)
    try:
        main(smk)
    except Exception as exc:  # noqa: BLE001 - every failure must exit cleanly
        where = traceback.extract_tb(exc.__traceback__)[-1]
        LOG.error("rule %s failed: %s: %s", rule, type(exc).__name__, exc)
        LOG.error("(raised in %s, line %s)", where.filename.rsplit("/", 1)[-1], where.lineno)
        sys.exit(1)
    LOG.info("rule %s finished", rule)


def attach_provenance(records: list[dict], rule: str, output: str, inputs: Any = ()) -> list[dict]:
    """Stamp number records with the rule, the output file that holds them and the job's inputs."""
    job_inputs = sorted({str(p) for p in inputs})
    return [{**r, "rule": rule, "output": str(output), "job_inputs": job_inputs} for r in records]
