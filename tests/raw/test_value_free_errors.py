"""Validation errors are value-free on every path, down to what reaches the
user's terminal and the rule's log (privacy review of release 0.3.0, item 3).

An NHS number and a name are planted in a header cell, as the header of a
file that lost its header row, and in a date field; the validation message,
standard error, the log file and the output folder must not hold either.
Errors raised by built-ins called from our code (``int()``,
``date.fromisoformat``) quote the value they choked on: the runner withholds
their message. The planted name and number are invented.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest
from selfcare.core import io as sio
from selfcare.core.runner import describe_error, run
from selfcare.deidentify import generalise, pipeline
from selfcare.raw.handover import run_validation
from selfcare.raw.problems import RawValidationError
from selfcare.raw.validate import needed_columns

P = "participants.csv"
NHS = "9434765919"  # a valid NHS number, in no register
NAME = "Zebedee Quarrington"
PLANTED = (NHS, "Zebedee", "Quarrington")


@pytest.fixture(scope="module")
def needed(configs):
    return needed_columns(configs["measures"])


def _handover(tmp_path: Path, files: dict[str, bytes], package: dict) -> Path:
    raw = tmp_path / "raw"
    for rel, data in files.items():
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(data)
    (raw / "datapackage.json").write_text(sio.dump_json(package), encoding="utf-8")
    return raw


def _lines(files, name=P) -> list[bytes]:
    return files[name].split(b"\n")


def _plant_header(files):
    lines = _lines(files)
    i = next(i for i, line in enumerate(lines) if not line.startswith(b"#"))
    lines[i] += f",{NHS} {NAME}".encode()
    rows = [j for j in range(i + 1, len(lines)) if lines[j]]
    for j in rows:
        lines[j] += b","
    files[P] = b"\n".join(lines)
    return files


def _lose_header(files):
    """The header row is gone: the first data row (a name, an NHS number) stands in its place."""
    lines = _lines(files)
    i = next(i for i, line in enumerate(lines) if not line.startswith(b"#"))
    first = lines[i + 1].decode().split(",")
    first[3], first[4] = NAME, NHS
    lines[i + 1] = ",".join(first).encode()
    del lines[i]
    files[P] = b"\n".join(lines)
    return files


def _plant_date(files):
    lines = _lines(files)
    i = next(i for i, line in enumerate(lines) if not line.startswith(b"#"))
    row = lines[i + 3].decode().split(",")
    row[5] = f"{NAME} {NHS}"  # date_of_birth
    lines[i + 3] = ",".join(row).encode()
    files[P] = b"\n".join(lines)
    return files


def _no_planted_value(text: str) -> None:
    for value in PLANTED:
        assert value not in text, "a planted value reached the output"


@pytest.mark.parametrize(("plant", "check", "column"), [
    (_plant_header, "unknown_column", "column #17"),
    (_lose_header, "unknown_column", "column #1"),
    (_plant_date, "type_date", "column date_of_birth"),
])
def test_planted_values_appear_nowhere(plant, check, column, tmp_path, shipped_files, package, needed, configs,
                                       capsys):
    raw = _handover(tmp_path, plant(dict(shipped_files)), package)
    out = tmp_path / "results"
    log = tmp_path / "validate_raw.log"

    def main(smk):
        run_validation(raw, needed, configs["config"]["validation"], out / "report.json", out / "corrections.csv")

    smk = types.SimpleNamespace(log=[str(log)], rule="validate_raw")
    with pytest.raises(SystemExit):
        run(smk, main)
    err = capsys.readouterr().err
    logged = log.read_text(encoding="utf-8")
    assert f"check '{check}'" in logged and column in logged
    for text in (err, logged):
        _no_planted_value(text)
    assert not out.exists() or not any(out.rglob("*")), "a failed validation wrote output"


def test_the_message_names_an_unknown_column_by_position_only(tmp_path, shipped_files, package, needed, configs):
    raw = _handover(tmp_path, _plant_header(dict(shipped_files)), package)
    with pytest.raises(RawValidationError) as info:
        run_validation(raw, needed, configs["config"]["validation"], tmp_path / "r.json", tmp_path / "c.csv")
    (unknown,) = [p for p in info.value.problems if p.check == "unknown_column"]
    assert unknown.column == "#17" and unknown.line == 2
    _no_planted_value(str(info.value))


@pytest.mark.parametrize(("call", "module"), [
    (lambda: pipeline._date(f"{NHS} {NAME}"), "pipeline.py"),  # date.fromisoformat in our module
    (lambda: generalise.age_band(30, [18, NAME]), "generalise.py"),  # int() in our module
    (lambda: int(NAME), "runner.py"),  # from outside the package: where our code called it
])
def test_errors_of_built_ins_called_by_our_code_are_withheld(call, module, tmp_path, capsys):
    log = tmp_path / "rule.log"
    with pytest.raises(SystemExit):
        run(types.SimpleNamespace(log=[str(log)], rule="r"), lambda smk: call())
    err = capsys.readouterr().err
    for text in (err, log.read_text(encoding="utf-8")):
        _no_planted_value(text)
        assert "withheld" in text and module in text


def test_our_own_raise_and_our_own_error_classes_are_shown(tmp_path):
    try:
        generalise.age_band(-1, [18])  # a raise statement of the package
    except ValueError as exc:
        assert describe_error(exc).startswith("ValueError: age is negative (in generalise.py, line ")
    try:
        int(NAME)
    except ValueError as exc:
        shown = describe_error(exc)
    assert NAME not in shown and "ValueError raised by a library or built-in" in shown
    try:
        raise RawValidationError([])
    except RawValidationError as exc:  # a class of the package: shown wherever it is raised from
        exc.__traceback__ = None
        assert describe_error(exc).startswith("RawValidationError: rule validate_raw")
