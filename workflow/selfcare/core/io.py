"""All file input and output of the package.

Every other module of :mod:`selfcare` is pure: it takes and returns Python
objects (data frames, dicts, strings, bytes). Scripts read their named inputs
with these functions, call one package function, and write the named outputs
with these functions. Writers are deterministic (sorted keys, fixed line
endings, fixed zip timestamps) so that the same inputs give the same bytes, and
atomic (write to a temporary file, then rename) so that a failing rule never
leaves a partial output behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Iterator, Mapping

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a frame is read or written, so that
    import pandas as pd  # reading sources (common.smk, at parse time) stays light
import yaml

#: Fixed timestamp written into zip members (1980-01-01, the zip epoch).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

SYNTHETIC_MARK = "# SYNTHETIC"


class EncodingError(ValueError):
    """A text file is not UTF-8 (with or without BOM)."""


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path that is renamed to ``path`` on success.

    Parameters
    ----------
    path : path-like
        Final destination. Parent folders are created.

    Yields
    ------
    pathlib.Path
        A temporary file in the same folder; removed if the block raises.
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, dest)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Return the bytes of a file."""
    return Path(path).read_bytes()


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write bytes atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def decode_utf8(data: bytes, name: str) -> str:
    """Decode UTF-8 text, accepting a BOM; reject every other encoding.

    Parameters
    ----------
    data : bytes
        Raw file content.
    name : str
        File name used in the error message.

    Returns
    -------
    str
        The decoded text, without BOM, with ``\\r\\n`` folded to ``\\n``.

    Raises
    ------
    EncodingError
        If the bytes are not valid UTF-8; the message names the file and the
        byte offset (never the content).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{name}: not UTF-8 (invalid byte at offset {exc.start}); "
            "save the file as UTF-8 (with or without BOM)"
        ) from None
    return text.replace("\r\n", "\n")


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file (BOM accepted)."""
    return decode_utf8(read_bytes(path), Path(path).name)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 text atomically, with ``\\n`` line endings."""
    write_bytes(path, text.encode("utf-8"))


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """Read a YAML file."""
    return yaml.safe_load(read_text(path))


def dump_yaml(obj: Any) -> str:
    """Serialise to YAML deterministically (keys in insertion order)."""
    return yaml.safe_dump(obj, sort_keys=False, allow_unicode=True, width=100)


def write_yaml(path: str | os.PathLike[str], obj: Any) -> None:
    """Write YAML atomically."""
    write_text(path, dump_yaml(obj))


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file."""
    return json.loads(read_text(path))


def dump_json(obj: Any) -> str:
    """Serialise to JSON deterministically (indented, sorted keys, final newline)."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write JSON atomically."""
    write_text(path, dump_json(obj))


#: First characters that make a spreadsheet read a cell as a formula (or that
#: hide one): ``=``, ``+``, ``-``, ``@``, tab and carriage return (OWASP "CSV
#: injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """Make a text cell safe to open in a spreadsheet.

    A string starting with one of :data:`FORMULA_START` gets a leading
    apostrophe (``'=1+1``), which spreadsheets show as text and never
    evaluate. A string that is a plain number (``-1.5``, ``+2``, ``-3e-4``)
    is left alone, as is every non-string value.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with :func:`neutralise_cell` applied to its text columns and header.

    Numeric, boolean and date columns are untouched (their cells are never
    text), so numbers stay numbers.
    """
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = _map_cells(out[col], FORMULA_START, neutralise_cell)
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out


def _map_cells(s: pd.Series, starts: str | tuple[str, ...], fn: Any) -> pd.Series:
    """``s.map(fn)`` for a function that changes only text cells starting with
    ``starts``: the other cells are found in one vectorised pass and left as they are."""
    try:
        hit = s.str.startswith(starts, na=False).to_numpy(dtype=bool)
    except AttributeError:  # no text cell at all, or a column .str cannot read
        return s.map(fn)
    if not hit.any():
        return s
    s = s.copy()
    s[hit] = s[hit].map(fn)
    return s


def csv_text(
    df: pd.DataFrame, header_comment: str | None = None, neutralise: bool = False
) -> str:
    """Render a data frame as CSV text (``\\n`` endings, no index).

    Parameters
    ----------
    df : pandas.DataFrame
        Table to render.
    header_comment : str, optional
        A comment written as the first line, prefixed with ``# `` (used to mark
        synthetic files).
    neutralise : bool, optional
        Neutralise spreadsheet formulas in text cells (:func:`neutralise_frame`).
        :func:`write_csv`, the writer of every workflow output, always does;
        the simulator's raw hand-over (which imitates a Trust's export) does not.
    """
    if neutralise:
        df = neutralise_frame(df)
    body = df.to_csv(index=False, lineterminator="\n")
    if header_comment:
        return f"# {header_comment}\n{body}"
    return body


def write_csv(
    path: str | os.PathLike[str], df: pd.DataFrame, header_comment: str | None = None
) -> None:
    """Write a data frame as CSV atomically, safe to open in a spreadsheet.

    Text cells that a spreadsheet would run as a formula are neutralised (see
    :func:`neutralise_cell`); numbers stay numbers.
    """
    write_text(path, csv_text(df, header_comment, neutralise=True))


def parse_csv_text(text: str) -> pd.DataFrame:
    """Parse CSV text as strings, skipping leading ``#`` comment lines.

    Every cell is read as a string (empty cells as missing) so that the
    validation stage, not the parser, decides what a value means.
    """
    import pandas as pd

    lines = text.split("\n")
    skip = 0
    while skip < len(lines) and lines[skip].startswith("#"):
        skip += 1
    return pd.read_csv(
        io.StringIO("\n".join(lines[skip:])),
        dtype=str,
        keep_default_na=False,
        na_values=[""],
    )


def read_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV written by this project or handed over as raw data.

    Raw data are read as strings (see :func:`parse_csv_text`); use
    :func:`read_table` for the typed tables the workflow writes itself.
    """
    return parse_csv_text(read_text(path))


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV the workflow wrote, letting pandas infer column types.

    Text cells that :func:`write_csv` neutralised (``'=``, ``'-0.1 to 0.4``)
    get their value back, so later rules see what the earlier rule computed.
    """
    import pandas as pd

    df = pd.read_csv(path, comment=None)
    for col in df.columns:
        if pd.api.types.is_object_dtype(df[col]) or pd.api.types.is_string_dtype(df[col]):
            df[col] = _map_cells(df[col], "'", _restore_cell)
    return df


def _restore_cell(value: Any) -> Any:
    """Undo :func:`neutralise_cell` (only on cells it would have changed)."""
    if isinstance(value, str) and value.startswith("'") and neutralise_cell(value[1:]) == value:
        return value[1:]
    return value


def read_zip(path: str | os.PathLike[str]) -> dict[str, bytes]:
    """Return the members of a zip archive as ``{name: bytes}``."""
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist() if not name.endswith("/")}


def zip_bytes(members: Mapping[str, bytes]) -> bytes:
    """Build a zip archive deterministically (sorted names, fixed timestamps)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, members[name])
    return buf.getvalue()


def write_zip(path: str | os.PathLike[str], members: Mapping[str, bytes]) -> None:
    """Write a deterministic zip archive atomically."""
    write_bytes(path, zip_bytes(members))


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def list_files(root: str | os.PathLike[str]) -> list[Path]:
    """Every regular file below ``root``, sorted."""
    base = Path(root)
    if not base.exists():
        return []
    return sorted(p for p in base.rglob("*") if p.is_file())


def read_tree(root: str | os.PathLike[str]) -> dict[str, bytes]:
    """Every regular file below ``root`` as ``{relative posix path: bytes}``, sorted."""
    base = Path(root)
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in list_files(base)}


def read_package_sources(package_dir: str | os.PathLike[str]) -> dict[str, str]:
    """Source text of every module of a Python package, by dotted name.

    Parameters
    ----------
    package_dir : path
        The package's directory (its name is the top-level package name).

    Returns
    -------
    dict
        Dotted module name -> source; a package's ``__init__.py`` is listed
        under the package's own name (``"selfcare.analysis"``). Sorted by name.
    """
    base = Path(package_dir)
    out = {}
    for path in sorted(base.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = (base.name, *path.relative_to(base).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = read_text(path)
    return dict(sorted(out.items()))


def copy_tree(src: str | os.PathLike[str], dest: str | os.PathLike[str]) -> None:
    """Copy a folder, replacing ``dest`` if it exists."""
    dest_path = Path(dest)
    if dest_path.exists():
        shutil.rmtree(dest_path)
    shutil.copytree(src, dest_path)


def quarantine_files(
    paths: list[str | os.PathLike[str]], base: str | os.PathLike[str], dest: str | os.PathLike[str]
) -> list[str]:
    """Move files out of ``base`` into ``dest``, keeping their paths below ``base``.

    Used by the leak check to take outputs that hold an identifier out of
    ``results/`` (fail closed: nothing identifying is left behind for later
    rules or for publication). An earlier quarantined copy is replaced.

    Returns
    -------
    list of str
        The new paths, in the order given.
    """
    moved = []
    for p in paths:
        src = Path(p)
        target = Path(dest) / src.relative_to(base)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, target)
        moved.append(str(target))
    return moved


def remove_paths(paths: list[str | os.PathLike[str]]) -> None:
    """Delete files or folders if present (used to leave no partial outputs)."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
