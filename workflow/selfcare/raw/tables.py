"""Reading the raw CSV files for validation: fast, strict, located.

Each file is decoded (UTF-8, BOM accepted), its leading ``#`` comment lines
skipped, its header checked for a wrong delimiter, and its body parsed by the
Apache Arrow CSV reader (``pyarrow.csv``: multi-threaded C++, every cell read
as text, no type guessing). Arrow refuses a row with a wrong number of fields
or broken quoting; only then is the file read again with the standard
library's :mod:`csv` reader, to name every such line (the slow path runs only
on files that are already invalid). Every data row keeps its physical line
number for messages.
"""

from __future__ import annotations

import codecs
import csv
import io as _io
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from selfcare.core.io import EncodingError, decode_utf8
from selfcare.raw.problems import Problem

_DELIMITERS = (";", "\t", "|")


@dataclass
class Table:
    """One parsed raw CSV: cells as text (missing as NA), located by line."""

    name: str
    path: str
    frame: pd.DataFrame
    first_data_line: int
    schema: Mapping[str, Any]
    lines: np.ndarray | None = None  # physical line of each row, when not consecutive
    problems: list[Problem] = field(default_factory=list)
    parsed: dict[str, pd.Series] = field(default_factory=dict)  # date columns parsed once

    def dates(self, col: str) -> pd.Series:
        """A date column as ``datetime64`` (NaT where not a valid ISO date), parsed once."""
        from selfcare.raw.fields import parse_dates

        if col not in self.parsed:
            self.parsed[col] = parse_dates(self.frame[col])
        return self.parsed[col]

    def line(self, idx: int) -> int:
        """Physical (1-based) line number of data row ``idx``."""
        if self.lines is not None:
            return int(self.lines[int(idx)])
        return self.first_data_line + int(idx)

    def line_array(self, positions: np.ndarray) -> np.ndarray:
        """Physical line numbers of many data rows at once."""
        positions = np.asarray(positions, dtype=np.int64)
        if self.lines is not None:
            return self.lines[positions]
        return self.first_data_line + positions


def check_utf8(data: bytes, name: str) -> None:
    """Raise :class:`EncodingError` (naming the byte offset) unless ``data`` is
    UTF-8; checked in 1 MiB slices, so no decoded copy of a large file is held."""
    dec = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for i in range(0, len(data), 1 << 20):
            dec.decode(view[i:i + (1 << 20)])
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        decode_utf8(data, name)  # raises, with the offset of the first invalid byte


def _comment_lines(data: bytes) -> int:
    """How many leading lines start with ``#``."""
    n, pos = 0, 0
    while data.startswith(b"#", pos):
        nxt = data.find(b"\n", pos)
        n += 1
        if nxt < 0:
            return n
        pos = nxt + 1
    return n


def _skip_lines(data: bytes, n: int) -> bytes:
    pos = 0
    for _ in range(n):
        nxt = data.find(b"\n", pos)
        pos = len(data) if nxt < 0 else nxt + 1
    return data[pos:]


def diagnose_structure(path: str, body: str, comments: int) -> list[Problem]:
    """Delimiter, CSV syntax and field count of every line (slow path).

    Run with the standard library's :mod:`csv` reader, which reports the line
    of each row, when the fast reader refused the file.
    """
    reader = csv.reader(_io.StringIO(body, newline=""), strict=True)
    out: list[Problem] = []
    try:
        header = next(reader, None)
        if header is None:
            return [Problem(path, comments + 1, None, "no_rows")]
        for row in reader:
            if row and len(row) != len(header):
                out.append(Problem(path, comments + reader.line_num, None, "field_count",
                                   f"{len(row)} fields, header has {len(header)}"))
    except csv.Error:
        return [Problem(path, comments + reader.line_num, None, "csv_parse")]
    return out or [Problem(path, None, None, "csv_parse")]


def _header(path: str, body: bytes, comments: int) -> tuple[list[str] | None, list[Problem]]:
    end = body.find(b"\n")
    first = (body if end < 0 else body[:end]).decode("utf-8").rstrip("\r")
    if not first.strip():
        return None, [Problem(path, comments + 1, None, "no_rows")]
    try:
        header = next(csv.reader([first], strict=True))
    except csv.Error:
        return None, [Problem(path, comments + 1, None, "csv_parse")]
    if len(header) == 1 and any(d in header[0] for d in _DELIMITERS):
        return None, [Problem(path, comments + 1, None, "delimiter")]
    return header, []


def _row_lines(body: bytes, n_rows: int, comments: int) -> np.ndarray | None:
    """Physical lines of the rows when some are not one per line (blank lines,
    quoted line breaks); ``None`` when row ``i`` sits on line ``comments + 2 + i``."""
    stripped = body.rstrip(b"\r\n")
    if stripped.count(b"\n") == n_rows and b"\n\n" not in stripped and b"\n\r\n" not in stripped:
        return None
    reader = csv.reader(_io.StringIO(body.decode("utf-8"), newline=""))
    next(reader, None)
    lines = []
    start = reader.line_num
    for row in reader:
        if row:
            lines.append(comments + start + 1)
        start = reader.line_num
    return np.asarray(lines, dtype=np.int64)


def parse_body(data: bytes, header: list[str]) -> pa.Table:
    """Parse the CSV body (header included) with every cell as text.

    Raises
    ------
    pyarrow.ArrowInvalid
        On a row with the wrong number of fields or broken quoting.
    """
    names = [f"c{i}" for i in range(len(header))]  # repeated header names are reported later
    return pacsv.read_csv(
        pa.BufferReader(data),
        # threads pay off on large files only (their start-up costs more than a small file takes)
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 22,
                                       use_threads=len(data) > (1 << 22)),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=True,
            quoted_strings_can_be_null=True, null_values=[""],
        ),
    )


def to_frame(table: pa.Table, header: list[str]) -> pd.DataFrame:
    """Arrow table -> pandas frame of Arrow-backed strings (no copy of the text)."""
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    cols = {i: pd.Series(pd.arrays.ArrowStringArray(table.column(i)), dtype=dtype) for i in range(len(header))}
    frame = pd.DataFrame(cols)
    frame.columns = header
    return frame


def load_table(name: str, res: Mapping[str, Any], files: Mapping[str, bytes], problems: list[Problem]) -> Table | None:
    """Decode and parse one raw CSV named in the codebook; ``None`` (with its
    problem appended) when it cannot be read, so nothing cascades from it."""
    path = res["path"]
    if path not in files:
        problems.append(Problem(path, None, None, "missing_file"))
        return None
    data = files[path]
    try:
        check_utf8(data, path)  # the bytes are parsed, not a decoded copy
    except EncodingError as exc:
        problems.append(Problem(path, None, None, "encoding", str(exc).split(": ", 1)[1]))
        return None
    data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    comments = _comment_lines(data)
    body = _skip_lines(data, comments)
    header, found = _header(path, body, comments)
    if header is None:
        problems += found
        return None
    try:
        table = parse_body(body, header)
    except pa.ArrowInvalid:
        problems += diagnose_structure(path, body.decode("utf-8").replace("\r\n", "\n"), comments)
        return None
    if table.num_rows == 0 and res.get("schema", {}).get("fields"):
        problems.append(Problem(path, comments + 1, None, "no_rows"))
        return None
    frame = to_frame(table, header)
    return Table(name, path, frame, comments + 2, res["schema"], _row_lines(body, len(frame), comments))
