"""Release metadata: one version, a licence, citation and catalogue files."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import selfcare
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_version_is_written_once_and_the_others_agree():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "selfcare.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", selfcare.__version__)
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert str(citation["version"]) == selfcare.__version__
    newest = re.search(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert newest and newest.group(1) == selfcare.__version__
    assert str(citation["date-released"]) == newest.group(2)


def test_licence_and_citation_of_the_software_and_the_study():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "MIT"
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "software" and citation["license"] == "MIT"
    titles = " ".join(r["title"] for r in citation["references"])
    assert "Barriers and Facilitators of Supporting Self Care" in titles
    assert any(r.get("doi") == "10.1186/1472-6963-12-189" for r in citation["references"])


def test_python_versions_supported():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == ">=3.11,<3.14"
    classifiers = pyproject["project"]["classifiers"]
    for minor in (11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers


def test_catalogue_metadata():
    meta = yaml.safe_load((ROOT / ".snakemake-workflow-catalog.yml").read_text())
    assert meta["usage"]["software-stack-deployment"]["conda"] is True
    assert "SELFCARE_PSEUDONYM_KEY" in meta["usage"]["mandatory-flags"]["desc"]
