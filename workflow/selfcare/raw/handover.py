"""Validate a raw hand-over folder and write the validation outputs.

:func:`read_handover` reads the codebook and every regular file inside the
raw folder (nothing outside it: a codebook path that is absolute or climbs
out with ``..`` is never opened, only reported by validation, and a symbolic
link that leads out of the folder is skipped). :func:`run_validation`
validates and only then writes the report and the corrections trail, so a
failed validation leaves no output. :func:`benchmark_validation` times
validation of a folder for :mod:`selfcare.benchmark`, and
:func:`enlarge_handover` builds a large hand-over from a small one (new study
IDs) to measure it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from selfcare.core import io
from selfcare.raw.corrections import TRAIL_COLUMNS
from selfcare.raw.signature import synthetic_status
from selfcare.raw.validate import validate_raw


def read_handover(raw_dir: str | os.PathLike[str], codebook: str = "datapackage.json") -> tuple[dict[str, Any], dict[str, bytes]]:
    """The codebook and every file inside the raw folder (relative posix path -> bytes).

    Parameters
    ----------
    raw_dir : path
        The hand-over folder.
    codebook : str
        The data package descriptor, relative to ``raw_dir``.
    """
    root = Path(raw_dir).resolve()
    package = io.read_json(root / codebook)
    files: dict[str, bytes] = {}
    for p in io.list_files(root):
        if p.resolve().is_relative_to(root):  # a link out of the folder is not followed
            files[p.relative_to(root).as_posix()] = io.read_bytes(p)
    return package, files


def validate_folder(
    raw_dir: str | os.PathLike[str],
    needed: Mapping[str, list[str]] | None,
    settings: Mapping[str, Any] | None,
    codebook: str = "datapackage.json",
) -> dict[str, Any]:
    """Validate a hand-over folder; the report carries the verified synthetic status.

    Raises
    ------
    RawValidationError
        If any check fails (file, line, column and check; never a value).
    """
    package, files = read_handover(raw_dir, codebook)
    report = validate_raw(files, package, needed, settings)
    report["synthetic"], report["synthetic_reason"] = synthetic_status(package, files)
    return report


def run_validation(
    raw_dir: str | os.PathLike[str],
    needed: Mapping[str, list[str]] | None,
    settings: Mapping[str, Any] | None,
    report_path: str | os.PathLike[str],
    corrections_path: str | os.PathLike[str],
    codebook: str = "datapackage.json",
) -> dict[str, Any]:
    """Validate, then write the report and the corrections trail (nothing on failure)."""
    report = validate_folder(raw_dir, needed, settings, codebook)
    io.write_json(report_path, report)
    io.write_csv(corrections_path, pd.DataFrame(report["corrections_applied"], columns=TRAIL_COLUMNS))
    return report


def benchmark_validation(
    raw_dir: str | os.PathLike[str], needed: Mapping[str, list[str]] | None, settings: Mapping[str, Any] | None
) -> dict[str, float]:
    """Validate a folder and return rows checked, seconds and rows per second."""
    start = time.perf_counter()
    report = validate_folder(raw_dir, needed, settings)
    seconds = time.perf_counter() - start
    rows = sum(f["rows"] for f in report["files"].values())
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds if seconds else float("inf")}


def _valid_nhs_numbers(n: int) -> list[str]:
    """``n`` distinct NHS numbers with valid check digits (``99`` test range)."""
    import numpy as np

    first9 = np.arange(990_000_000, 990_000_000 + n * 2, dtype=np.int64)
    digits = (first9[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    check = 11 - (digits @ np.arange(10, 1, -1)) % 11
    check[check == 11] = 0
    keep = check < 10
    return [f"{a}{c}" for a, c in zip(first9[keep][:n], check[keep][:n])]


def enlarge_handover(src: str | os.PathLike[str], dest: str | os.PathLike[str], rows: int) -> dict[str, int]:
    """Copy a hand-over with the baseline questionnaire (and the register it
    refers to) grown to ``rows`` rows by repeating rows under new study IDs.

    The shipped rows keep their IDs (interviews and corrections still refer to
    them); screening counts grow with the register, so the copy is valid. For
    speed measurements only: the copy is not signed, so it is not synthetic.

    Returns
    -------
    dict
        Rows of the enlarged questionnaire and register.
    """
    src, dest = Path(src), Path(dest)
    io.copy_tree(src, dest)
    package = io.read_json(src / "datapackage.json")
    reg, bl, scr = (io.read_csv(src / f) for f in ("participants.csv", "baseline.csv", "screening.csv"))
    # records that a documented correction fixes are not copied (the copies would lack the correction)
    fixed = set(io.read_csv(src / "corrections.csv")["record_id"])
    seed = bl[~bl["study_id"].isin(fixed)]
    copies = -(-(rows - len(bl)) // len(seed))
    ids = [f"{s.split('-')[0]}-{k:06d}{s.split('-')[1]}" for k in range(1, copies + 1) for s in seed["study_id"]]
    new_bl = pd.concat([bl] + [seed] * copies, ignore_index=True).iloc[:rows]
    new_bl["study_id"] = list(bl["study_id"]) + ids[: rows - len(bl)]
    extra = new_bl.iloc[len(bl):]
    by_id = reg.set_index("study_id", drop=False)
    new_reg = pd.concat([reg, by_id.loc[[s.split("-")[0] + "-" + s.split("-")[1][-3:] for s in extra["study_id"]]]],
                        ignore_index=True)
    new_reg.loc[len(reg):, "study_id"] = extra["study_id"].to_numpy()
    new_reg["nhs_number"] = _valid_nhs_numbers(len(new_reg))
    grown = new_reg["site"].value_counts() - reg["site"].value_counts()
    scr["referred"] = (scr["referred"].astype(int) + scr["site"].map(grown).fillna(0).astype(int)).astype(str)
    for res in package["resources"]:
        for f in res.get("schema", {}).get("fields", []):
            if f["name"] == "study_id" and "pattern" in f.get("constraints", {}):
                f["constraints"]["pattern"] = "^(LO|SO|NO)-[0-9]{3,12}$"
    comment = io.read_text(src / "baseline.csv").split("\n", 1)[0]
    for name, frame in (("participants.csv", new_reg), ("baseline.csv", new_bl), ("screening.csv", scr)):
        io.write_text(dest / name, io.csv_text(frame, comment.lstrip("# ")))
    io.write_json(dest / "datapackage.json", package)
    return {"questionnaire_rows": len(new_bl), "register_rows": len(new_reg)}
