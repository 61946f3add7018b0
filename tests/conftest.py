"""Shared fixtures: the repository root, its configuration files, and the
shipped SYNTHETIC raw hand-over (resources/synthetic/) read through
selfcare.core.io.

Fixtures that return shipped content are read-only views: tests that need a
malformed variant copy them first (``dict(shipped_files)``,
``copy.deepcopy(package)``).
"""

from __future__ import annotations

import copy
import json
import types
from pathlib import Path
from typing import Any, Mapping

import pytest
from selfcare.core import io as sio
from selfcare.deidentify.leaks import LeakIndex, build_leak_index

REPO_ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = REPO_ROOT / "resources" / "synthetic"

#: config/<name>.yaml files read by the tests.
CONFIG_FILES = ("config", "measures", "simulation", "codebook", "framework", "transcripts", "published")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """Absolute path of the repository root."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The shipped synthetic raw data folder."""
    return RAW_DIR


@pytest.fixture(scope="session")
def configs() -> dict[str, Any]:
    """Loaded config/*.yaml by name (``config``, ``measures``, ``simulation``,
    ``codebook``, ``framework``, ``transcripts``, ``published``) plus the
    de-identification ``allowlist``. Shared: deep-copy before modifying."""
    out = {name: sio.read_yaml(REPO_ROOT / "config" / f"{name}.yaml") for name in CONFIG_FILES}
    out["allowlist"] = sio.read_yaml(REPO_ROOT / "workflow" / "schemas" / "deid_allowlist.yaml")
    return out


@pytest.fixture(scope="session")
def shipped_files() -> Mapping[str, bytes]:
    """Every shipped raw file as {path relative to resources/synthetic: bytes}."""
    files = {p.relative_to(RAW_DIR).as_posix(): sio.read_bytes(p) for p in sio.list_files(RAW_DIR)}
    assert "datapackage.json" in files, "the shipped raw folder has no codebook"
    return types.MappingProxyType(files)


@pytest.fixture(scope="session")
def _package(shipped_files: Mapping[str, bytes]) -> dict[str, Any]:
    return json.loads(sio.decode_utf8(shipped_files["datapackage.json"], "datapackage.json"))


@pytest.fixture()
def package(_package: dict[str, Any]) -> dict[str, Any]:
    """The parsed shipped datapackage.json (a fresh deep copy per test)."""
    return copy.deepcopy(_package)


@pytest.fixture(scope="session")
def raw_tables(shipped_files: Mapping[str, bytes], _package: dict[str, Any]) -> dict[str, Any]:
    """Every shipped CSV resource parsed as strings (selfcare.core.io.parse_csv_text),
    by resource name. Shared frames: copy them before modifying."""
    out = {}
    for res in _package["resources"]:
        if res.get("format") == "csv":
            out[res["name"]] = sio.parse_csv_text(sio.decode_utf8(shipped_files[res["path"]], res["path"]))
    return out


#: Register columns that hold direct identifiers, with their leak-index type.
REGISTER_IDENTIFIERS = {
    "participants": {
        "full_name": "name",
        "nhs_number": "nhs_number",
        "date_of_birth": "date_of_birth",
        "postcode": "postcode",
        "phone": "phone",
        "email": "email",
    },
    "interviewees": {"full_name": "name", "phone": "phone", "email": "email"},
}


@pytest.fixture(scope="session")
def register_leak_index(raw_tables: dict[str, Any]) -> LeakIndex:
    """Leak index (selfcare.deidentify.leaks.build_leak_index) of every identifier in the
    shipped registers (participants and interviewees)."""
    records = [
        {"type": kind, "value": value}
        for table, columns in REGISTER_IDENTIFIERS.items()
        for column, kind in columns.items()
        for value in raw_tables[table][column].dropna()
    ]
    index = build_leak_index(records)
    assert min(index.sizes.values()) > 0, "the leak index is missing an identifier type"
    return index
