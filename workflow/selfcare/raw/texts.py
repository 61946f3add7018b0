"""Checks of the hand-over's text files: transcripts and the REFI-QDA export.

Transcripts listed in ``interviews.csv`` must exist, be UTF-8 and be declared
in the codebook. A transcript that sits in the raw folder but that the
codebook does not list is not read: it is a warning, given as a count and the
positions of the files in the sorted folder listing (no names), unless the
REFI-QDA export has codings for it, which is an error (the analysis would
otherwise use coded text that was never validated).
"""

from __future__ import annotations

import io as _io
import zipfile
from pathlib import PurePosixPath
from typing import Any, Mapping

import pandas as pd
from lxml import etree

from selfcare.core.io import EncodingError, decode_utf8
from selfcare.raw.problems import Problem
from selfcare.raw.tables import Table

_NS = "{urn:QDA-XML:project:1.0}"
TRANSCRIPT_DIR = "transcripts/"


def _listed_paths(package: Mapping[str, Any], fmt: str) -> list[str]:
    out: list[str] = []
    for res in package["resources"]:
        if res.get("format") == fmt:
            out += res["path"] if isinstance(res["path"], list) else [res["path"]]
    return out


def coded_sources(data: bytes) -> set[str] | None:
    """Names of the text sources that have at least one coding; ``None`` if
    the archive is not a readable REFI-QDA project."""
    try:
        with zipfile.ZipFile(_io.BytesIO(data)) as zf:
            if "project.qde" not in zf.namelist():
                return None
            xml = zf.read("project.qde")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(xml, parser)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError, ValueError):
        return None
    coded = set()
    for src in root.iter(f"{_NS}TextSource"):
        if src.get("name") and next(src.iter(f"{_NS}Coding"), None) is not None:
            coded.add(src.get("name"))
    return coded


def _interview_transcripts(iv: Table | None, files: Mapping[str, bytes]) -> tuple[set[str], list[Problem]]:
    listed: set[str] = set()
    out: list[Problem] = []
    if iv is None or "transcript_file" not in iv.frame:
        return listed, out
    for idx, path in iv.frame["transcript_file"].items():
        if pd.isna(path):
            continue
        listed.add(str(path))
        if str(path) not in files:
            out.append(Problem(iv.path, iv.line(idx), "transcript_file", "transcript_missing"))
            continue
        try:
            decode_utf8(files[str(path)], str(path))
        except EncodingError as exc:
            out.append(Problem(str(path), None, None, "encoding", str(exc).split(": ", 1)[1]))
    return listed, out


def check_text_files(
    package: Mapping[str, Any], files: Mapping[str, bytes], tables: Mapping[str, Table]
) -> tuple[list[Problem], list[dict[str, Any]]]:
    """Transcripts and the REFI-QDA export; returns (problems, warnings).

    Parameters
    ----------
    package : mapping
        The data package descriptor.
    files : mapping
        Every file of the raw folder (relative path -> bytes); files the
        codebook does not list are only named, never read.
    tables : mapping
        The parsed tables (``interviews`` lists the transcripts).
    """
    iv = tables.get("interviews")
    listed, out = _interview_transcripts(iv, files)
    in_codebook = set(_listed_paths(package, "txt"))
    if iv is not None:
        out += [Problem(p, None, None, "transcript_unlisted") for p in sorted(in_codebook - listed)]
    coded: set[str] | None = set()
    for path in _listed_paths(package, "qdpx"):
        data = files.get(path)
        if data is None:
            out.append(Problem(path, None, None, "missing_file"))
            continue
        coded = coded_sources(data)
        if coded is None:
            out.append(Problem(path, None, None, "qdpx_invalid"))
    folder = sorted(p for p in files if p.startswith(TRANSCRIPT_DIR))
    stray = [(i + 1, p) for i, p in enumerate(folder) if p not in in_codebook]
    warnings: list[dict[str, Any]] = []
    if stray:
        warnings.append({"check": "transcript_not_in_codebook", "count": len(stray),
                         "positions": [i for i, _ in stray], "folder": TRANSCRIPT_DIR})
    for pos, path in stray:
        if coded and PurePosixPath(path).stem in coded:
            out.append(Problem(f"{TRANSCRIPT_DIR} (file {pos} of the folder)", None, None, "transcript_coded_unlisted"))
    return out, warnings
