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


def _ours(filename: str) -> bool:
    return "/selfcare/" in filename or "/scripts/" in filename


def describe_error(exc: BaseException) -> str:
    """One line about a failure that never quotes data.

    A message is shown only when our own code wrote it: the error is of a
    class the ``selfcare`` package defines, or it was raised by a ``raise``
    statement of the package or a script (those messages name files, rows,
    columns and checks but no values). Any other error may quote the value
    it choked on (a name, a date): one raised inside another library, and
    one raised by a built-in that our code called (``int("Khan")``,
    ``date.fromisoformat(...)``: C functions leave no frame of their own, so
    the last frame is ours, but its line is no ``raise``). Of those only the
    type and where our code called it are shown.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    ours = [f for f in frames if _ours(f.filename)]
    where = ours[-1] if ours else last
    loc = f" (in {where.filename.rsplit('/', 1)[-1]}, line {where.lineno})" if where else ""
    own_class = type(exc).__module__.split(".")[0] == "selfcare"
    raised_here = last is not None and _ours(last.filename) and (last.line or "").lstrip().startswith("raise")
    if own_class or raised_here:
        return f"{type(exc).__name__}: {exc}{loc}"
    return (f"{type(exc).__name__} raised by a library or built-in{loc}; its message is withheld because it may "
            "quote data values; rerun the script under a debugger on the secure machine to see it")


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
        LOG.error("rule %s failed: %s", rule, describe_error(exc))
        sys.exit(1)
    LOG.info("rule %s finished", rule)


def attach_provenance(records: list[dict], rule: str, output: str, inputs: Any = ()) -> list[dict]:
    """Stamp number records with the rule, the output file that holds them and the job's inputs."""
    job_inputs = sorted({str(p) for p in inputs})
    return [{**r, "rule": rule, "output": str(output), "job_inputs": job_inputs} for r in records]
