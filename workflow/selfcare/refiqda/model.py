"""The REFI-QDA project model: codes, sources, selections, users, deterministic
GUIDs, and the code book built from the qualitative framework.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

#: XML namespace of REFI-QDA project files.
NS = "urn:QDA-XML:project:1.0"
_Q = "{" + NS + "}"

#: Name of the XML member of a ``.qdpx`` archive.
PROJECT_MEMBER = "project.qde"

#: Folder of the source files inside a ``.qdpx`` archive.
SOURCES_FOLDER = "Sources/"

#: Fixed namespace of every GUID this workflow makes (uuid5 of a project URL).
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:selfcare:refi-qda")

#: Theme colours used when the framework gives none (Okabe-Ito palette, which
#: stays distinguishable with the common colour-vision deficiencies).
DEFAULT_COLOURS = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#999999",
)

_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


class QdpxError(ValueError):
    """A ``.qdpx`` archive or its ``project.qde`` is invalid or unsupported."""


# --------------------------------------------------------------------------
# data model
# --------------------------------------------------------------------------


@dataclass
class Code:
    """A code of the code book.

    Parameters
    ----------
    guid : str
        Unique identifier (8-4-4-4-12 hexadecimal).
    name : str
        Name shown by QDA software (the framework label).
    children : list of Code
        Child codes (sub-codes of a theme).
    description : str, optional
        Free-text description of the code.
    is_codable : bool
        Whether passages may be coded with this code.
    color : str, optional
        Display colour as ``#RRGGBB``.
    """

    guid: str
    name: str
    children: list["Code"] = field(default_factory=list)
    description: str | None = None
    is_codable: bool = True
    color: str | None = None


@dataclass
class Selection:
    """A coded span of a text source.

    Parameters
    ----------
    guid : str
        Unique identifier of the selection.
    start, end : int
        Character offsets (code points, end exclusive) into the source text.
    code_guids : list of str
        GUIDs of the codes applied to the span, in document order.
    name : str
        Optional name of the selection (empty when not set).
    """

    guid: str
    start: int
    end: int
    code_guids: list[str] = field(default_factory=list)
    name: str = ""


@dataclass
class TextSource:
    """A plain-text source (one interview transcript).

    Parameters
    ----------
    guid : str
        Unique identifier of the source.
    name : str
        Source name; in this workflow the interview ID.
    text : str
        The full plain text.
    selections : list of Selection
        Coded spans of the text.
    """

    guid: str
    name: str
    text: str
    selections: list[Selection] = field(default_factory=list)


@dataclass
class User:
    """A user (coder) of the project.

    Parameters
    ----------
    guid : str
        Unique identifier of the user.
    name : str
        Display name (a role, never a person's real name, in this workflow).
    """

    guid: str
    name: str = ""


@dataclass
class Project:
    """A REFI-QDA project limited to what the workflow uses.

    Parameters
    ----------
    name : str
        Project name (required by the standard).
    codes : list of Code
        Top-level codes of the code book (children nested inside).
    sources : list of TextSource
        The text sources with their coded selections.
    users : list of User
        Users; the first one is recorded as the creator of every coding.
    description : str, optional
        Project description.
    """

    name: str
    codes: list[Code] = field(default_factory=list)
    sources: list[TextSource] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    description: str | None = None


# --------------------------------------------------------------------------
# deterministic identifiers
# --------------------------------------------------------------------------


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"{kind}:{key}"))


def code_guid(code_path: str) -> str:
    """Return the GUID of a framework code.

    Parameters
    ----------
    code_path : str
        ``"<theme>"`` for a theme code or ``"<theme>/<code>"`` for a sub-code,
        using the framework keys (not labels).

    Returns
    -------
    str
        A lowercase 8-4-4-4-12 GUID, always the same for the same path.
    """
    return _guid("code", code_path)


def source_guid(name: str) -> str:
    """Return the GUID of a text source from its name (the interview ID).

    Parameters
    ----------
    name : str
        Source name.

    Returns
    -------
    str
        A deterministic GUID.
    """
    return _guid("source", name)


def selection_guid(source_name: str, start: int, end: int) -> str:
    """Return a deterministic GUID for the span ``[start, end)`` of a source.

    Parameters
    ----------
    source_name : str
        Name of the source the span belongs to.
    start, end : int
        Character offsets of the span.

    Returns
    -------
    str
        A deterministic GUID.
    """
    return _guid("selection", f"{source_name}:{int(start)}:{int(end)}")


def user_guid(name: str) -> str:
    """Return a deterministic GUID for a user name.

    Parameters
    ----------
    name : str
        User name.

    Returns
    -------
    str
        A deterministic GUID.
    """
    return _guid("user", name)


def _coding_guid(selection: str, code: str, index: int) -> str:
    return _guid("coding", f"{selection}:{code}:{index}")


# --------------------------------------------------------------------------
# framework -> code book
# --------------------------------------------------------------------------


def parse_framework(framework: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Check a coding framework and return it in one normal form.

    Parameters
    ----------
    framework : mapping
        Content of ``config/framework.yaml``: ``{"themes": {theme_key:
        {"label": str, "codes": {code_key: label or {"label": str,
        "description": str}}, "description"?: str, "color"?: "#RRGGBB"}}}``.

    Returns
    -------
    dict
        ``{theme_key: {"label", "description", "color", "codes": {code_key:
        {"label", "description"}}}}`` in the framework's order. A theme
        without a colour gets one from :data:`DEFAULT_COLOURS` by position.

    Raises
    ------
    ValueError
        If the structure is wrong; the message names the offending key.
    """
    if not isinstance(framework, Mapping) or not isinstance(framework.get("themes"), Mapping):
        raise ValueError("framework: expected a mapping with a 'themes' mapping")
    themes = framework["themes"]
    if not themes:
        raise ValueError("framework: 'themes' is empty")
    out: dict[str, dict[str, Any]] = {}
    for position, (theme, spec) in enumerate(themes.items()):
        where = f"framework: themes.{theme}"
        if not isinstance(theme, str) or not theme or "/" in theme:
            raise ValueError(f"{where}: a theme key must be a non-empty string without '/'")
        if not isinstance(spec, Mapping):
            raise ValueError(f"{where}: expected a mapping with 'label' and 'codes'")
        codes = spec.get("codes")
        if not isinstance(codes, Mapping) or not codes:
            raise ValueError(f"{where}.codes: expected a non-empty mapping of sub-codes")
        colour = spec.get("color", DEFAULT_COLOURS[position % len(DEFAULT_COLOURS)])
        if not isinstance(colour, str) or not _COLOUR_RE.match(colour):
            raise ValueError(f"{where}.color: expected #RRGGBB")
        parsed_codes: dict[str, dict[str, Any]] = {}
        for code, cspec in codes.items():
            cwhere = f"{where}.codes.{code}"
            if not isinstance(code, str) or not code or "/" in code:
                raise ValueError(f"{cwhere}: a code key must be a non-empty string without '/'")
            if isinstance(cspec, str):
                label, description = cspec, None
            elif isinstance(cspec, Mapping) and isinstance(cspec.get("label"), str):
                label, description = cspec["label"], cspec.get("description")
            else:
                raise ValueError(f"{cwhere}: expected a label string or a mapping with 'label'")
            parsed_codes[code] = {"label": label, "description": description}
        label = spec.get("label", theme)
        if not isinstance(label, str):
            raise ValueError(f"{where}.label: expected a string")
        out[theme] = {
            "label": label,
            "description": spec.get("description"),
            "color": colour,
            "codes": parsed_codes,
        }
    return out


def codebook_from_framework(framework: Mapping[str, Any]) -> list[Code]:
    """Build the code book (theme codes with sub-code children).

    Parameters
    ----------
    framework : mapping
        The coding framework (see :func:`parse_framework`).

    Returns
    -------
    list of Code
        One non-codable code per theme, each with its codable sub-codes; GUIDs
        from :func:`code_guid`, names from the framework labels.
    """
    codes: list[Code] = []
    for theme, spec in parse_framework(framework).items():
        children = [
            Code(
                guid=code_guid(f"{theme}/{code}"),
                name=cspec["label"],
                children=[],
                description=cspec["description"],
                is_codable=True,
                color=spec["color"],
            )
            for code, cspec in spec["codes"].items()
        ]
        codes.append(
            Code(
                guid=code_guid(theme),
                name=spec["label"],
                children=children,
                description=spec["description"],
                is_codable=False,
                color=spec["color"],
            )
        )
    return codes


def project_from_framework(
    name: str,
    framework: Mapping[str, Any],
    sources: list[TextSource],
    description: str | None,
    users: list[User] | None = None,
) -> Project:
    """Assemble a project whose code book is the coding framework.

    Parameters
    ----------
    name : str
        Project name.
    framework : mapping
        The coding framework (``config/framework.yaml``).
    sources : list of TextSource
        Text sources with their selections (build code references with
        :func:`code_guid`, source GUIDs with :func:`source_guid`).
    description : str, optional
        Project description.
    users : list of User, optional
        Users of the project; by default one user named ``selfcare workflow``.

    Returns
    -------
    Project
        The project. Theme codes are not codable; sub-codes are (passages are
        coded at the sub-code level, see the module notes).
    """
    if users is None:
        users = [User(guid=user_guid("selfcare workflow"), name="selfcare workflow")]
    return Project(
        name=name,
        codes=codebook_from_framework(framework),
        sources=list(sources),
        users=list(users),
        description=description,
    )


def iter_codes(codes: list[Code], parent: Code | None = None) -> Iterator[tuple[Code, Code | None]]:
    """Yield ``(code, parent)`` for every code of a code tree, depth first.

    Parameters
    ----------
    codes : list of Code
        Top-level codes.
    parent : Code, optional
        Parent of ``codes`` (``None`` at the top level).

    Yields
    ------
    tuple of (Code, Code or None)
        Each code with its parent.
    """
    for code in codes:
        yield code, parent
        yield from iter_codes(code.children, code)
