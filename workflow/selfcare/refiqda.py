"""REFI-QDA project exchange (``.qdpx``): build, write and read coded projects.

A ``.qdpx`` file is a zip archive holding ``project.qde`` (QDA-XML, namespace
``urn:QDA-XML:project:1.0``) and the source texts under ``Sources/``. This
module works on the archive's members as ``{name: bytes}``; reading and
writing the zip itself is done by :mod:`selfcare.io` (``read_zip``,
``write_zip``).

Conventions of the workflow
---------------------------
* The code book is built from ``config/framework.yaml``: one top-level code per
  theme with one child code per sub-code. Passages are coded at the sub-code
  level, so theme codes are written with ``isCodable="false"`` and sub-codes
  with ``isCodable="true"``; QDA software then offers only sub-codes for coding
  while still showing the hierarchy.
* GUIDs are deterministic: UUID version 5 of a fixed project namespace and a
  stable key (a code's path ``theme`` or ``theme/code``, a source's name, ...).
  The same framework and sources therefore always give the same file.
* Selection positions are character offsets (Unicode code points, counted
  from 0; the end is exclusive) into the source's plain text.
"""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

import xmlschema
from lxml import etree

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


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, _Q + tag, {k: v for k, v in attrs.items() if v is not None})


def _code_element(parent: etree._Element, code: Code) -> None:
    el = _sub(
        parent,
        "Code",
        guid=code.guid,
        name=code.name,
        isCodable="true" if code.is_codable else "false",
        color=code.color,
    )
    if code.description is not None:
        _sub(el, "Description").text = code.description
    for child in code.children:
        _code_element(el, child)


def write_qdpx(project: Project, created: str = "2010-04-01T00:00:00Z") -> dict[str, bytes]:
    """Serialise a project as the members of a ``.qdpx`` archive.

    Parameters
    ----------
    project : Project
        The project to write.
    created : str
        ``xs:dateTime`` recorded as the creation time of the project and of
        every coding (fixed, so that the output is byte-for-byte deterministic).

    Returns
    -------
    dict of str to bytes
        ``"project.qde"`` (UTF-8 XML) and one ``"Sources/<guid>.txt"`` (UTF-8)
        per source, referenced as ``plainTextPath="internal://<guid>.txt"``.
        Pass it to :func:`selfcare.io.write_zip`.

    Raises
    ------
    QdpxError
        If two sources share a GUID or a position is not an integer.
    """
    creator = project.users[0].guid if project.users else None
    root = etree.Element(_Q + "Project", nsmap={None: NS})
    root.set("name", project.name)
    root.set("origin", "selfcare workflow")
    if creator is not None:
        root.set("creatingUserGUID", creator)
    root.set("creationDateTime", created)

    if project.users:
        users_el = _sub(root, "Users")
        for user in project.users:
            _sub(users_el, "User", guid=user.guid, name=user.name or None)
    if project.codes:
        codes_el = _sub(_sub(root, "CodeBook"), "Codes")
        for code in project.codes:
            _code_element(codes_el, code)

    members: dict[str, bytes] = {}
    if project.sources:
        sources_el = _sub(root, "Sources")
        for source in project.sources:
            member = f"{SOURCES_FOLDER}{source.guid}.txt"
            if member in members:
                raise QdpxError(f"source {source.guid}: GUID used by two sources")
            members[member] = source.text.encode("utf-8")
            src_el = _sub(
                sources_el,
                "TextSource",
                guid=source.guid,
                name=source.name,
                plainTextPath=f"internal://{source.guid}.txt",
                creatingUser=creator,
                creationDateTime=created,
            )
            for sel in source.selections:
                if not all(
                    isinstance(v, int) and not isinstance(v, bool) for v in (sel.start, sel.end)
                ):
                    raise QdpxError(
                        f"source {source.guid}, selection {sel.guid}: positions must be integers"
                    )
                sel_el = _sub(
                    src_el,
                    "PlainTextSelection",
                    guid=sel.guid,
                    name=sel.name or None,
                    startPosition=str(sel.start),
                    endPosition=str(sel.end),
                    creatingUser=creator,
                    creationDateTime=created,
                )
                for index, target in enumerate(sel.code_guids):
                    coding = _sub(
                        sel_el,
                        "Coding",
                        guid=_coding_guid(sel.guid, target, index),
                        creatingUser=creator,
                        creationDateTime=created,
                    )
                    _sub(coding, "CodeRef", targetGUID=target)
    if project.description is not None:
        _sub(root, "Description").text = project.description

    members[PROJECT_MEMBER] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return members


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _schema(xsd_text: str) -> tuple[xmlschema.XMLSchema, frozenset[str]]:
    schema = xmlschema.XMLSchema(xsd_text)
    names = frozenset(re.findall(r'name="([^"]+)"', xsd_text))
    return schema, names


_ATTR_VALUE_RE = re.compile(r"^attribute (\S+?)=")
_QUOTED_RE = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def _safe_reason(reason: str | None, schema_names: frozenset[str]) -> str:
    """Rewrite a validator message so that it never repeats a document value.

    Quoted tokens are kept only when they are element or attribute names
    declared in the schema; everything else quoted is withheld.
    """
    if not reason:
        return "invalid"
    match = _ATTR_VALUE_RE.match(reason)
    if match:
        return f"attribute {match.group(1)!r} has an invalid value (value withheld)"

    def keep(m: re.Match[str]) -> str:
        token = m.group(1) if m.group(1) is not None else m.group(2)
        local = token.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
        if local in schema_names:
            return f"'{local}'"
        return "<value withheld>"

    return _QUOTED_RE.sub(keep, reason)


def validate_project_xml(tree: etree._ElementTree, xsd_text: str, max_errors: int = 5) -> list[str]:
    """Validate a parsed ``project.qde`` against the project XSD.

    Parameters
    ----------
    tree : lxml.etree._ElementTree
        The parsed document (parsed with lxml so errors carry line numbers).
    xsd_text : str
        Text of the XML Schema (``resources/refi-qda/project.xsd``).
    max_errors : int
        Stop after this many errors.

    Returns
    -------
    list of str
        Messages ``"<xml path> (line N): <reason>"``; empty when valid. No
        message repeats a value from the document.
    """
    schema, names = _schema(xsd_text)
    messages: list[str] = []
    for error in schema.iter_errors(tree):
        line = getattr(error, "sourceline", None)
        where = error.path or "/"
        if line is not None:
            where += f" (line {line})"
        messages.append(f"{where}: {_safe_reason(error.reason, names)}")
        if len(messages) >= max_errors:
            break
    return messages


def _attr(el: etree._Element, name: str, what: str, required: bool = True) -> str | None:
    value = el.get(name)
    if value is None and required:
        raise QdpxError(f"{PROJECT_MEMBER} line {el.sourceline}: {what} lacks attribute '{name}'")
    return value


def _int_attr(el: etree._Element, name: str, what: str) -> int:
    raw = _attr(el, name, what)
    assert raw is not None
    try:
        return int(raw.strip())
    except ValueError:
        raise QdpxError(
            f"{PROJECT_MEMBER} line {el.sourceline}: {what} attribute '{name}' is not an integer"
        ) from None


def _description(el: etree._Element) -> str | None:
    desc = el.find(_Q + "Description")
    if desc is None:
        return None
    return desc.text or ""


def _read_code(el: etree._Element) -> Code:
    guid = _attr(el, "guid", "Code")
    assert guid is not None
    codable = (_attr(el, "isCodable", f"Code {guid}") or "").strip()
    if codable not in {"true", "false", "1", "0"}:
        raise QdpxError(f"{PROJECT_MEMBER}: Code {guid} has an invalid isCodable value")
    return Code(
        guid=guid,
        name=_attr(el, "name", f"Code {guid}") or "",
        children=[_read_code(child) for child in el.findall(_Q + "Code")],
        description=_description(el),
        is_codable=codable in {"true", "1"},
        color=el.get("color"),
    )


def _decode_source(data: bytes, member: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QdpxError(f"{member}: not UTF-8 (invalid byte at offset {exc.start})") from None


def _source_text(el: etree._Element, guid: str, members: Mapping[str, bytes]) -> str:
    content = el.find(_Q + "PlainTextContent")
    path = el.get("plainTextPath")
    if content is not None and path is not None:
        raise QdpxError(
            f"TextSource {guid}: has both plainTextPath and PlainTextContent (only one is allowed)"
        )
    if content is not None:
        return content.text or ""
    if path is None:
        raise QdpxError(
            f"TextSource {guid}: no plain text (neither plainTextPath nor PlainTextContent)"
        )
    prefix = "internal://"
    if not path.startswith(prefix):
        raise QdpxError(
            f"TextSource {guid}: only internal:// plainTextPath values can be resolved "
            "inside the archive"
        )
    member = SOURCES_FOLDER + path[len(prefix) :]
    if member not in members:
        raise QdpxError(f"TextSource {guid}: archive member {member} is missing")
    return _decode_source(members[member], member)


def _read_source(el: etree._Element, members: Mapping[str, bytes]) -> TextSource:
    guid = _attr(el, "guid", "TextSource")
    assert guid is not None
    text = _source_text(el, guid, members)
    if el.find(_Q + "Coding") is not None:
        raise QdpxError(
            f"TextSource {guid}: codings of a whole source are not supported; "
            "code a selection of the text instead"
        )
    selections: list[Selection] = []
    for sel_el in el.findall(_Q + "PlainTextSelection"):
        sel_guid = _attr(sel_el, "guid", f"PlainTextSelection in TextSource {guid}")
        assert sel_guid is not None
        what = f"PlainTextSelection {sel_guid}"
        targets: list[str] = []
        for coding in sel_el.findall(_Q + "Coding"):
            ref = coding.find(_Q + "CodeRef")
            if ref is None:
                raise QdpxError(f"{what}: a Coding has no CodeRef")
            target = _attr(ref, "targetGUID", f"CodeRef in {what}")
            assert target is not None
            targets.append(target)
        selections.append(
            Selection(
                guid=sel_guid,
                start=_int_attr(sel_el, "startPosition", what),
                end=_int_attr(sel_el, "endPosition", what),
                code_guids=targets,
                name=sel_el.get("name", ""),
            )
        )
    return TextSource(guid=guid, name=el.get("name", ""), text=text, selections=selections)


def read_qdpx(members: Mapping[str, bytes], xsd_text: str | None) -> Project:
    """Read the members of a ``.qdpx`` archive into a :class:`Project`.

    Parameters
    ----------
    members : mapping of str to bytes
        Archive members (from :func:`selfcare.io.read_zip`).
    xsd_text : str or None
        Text of the project XSD; when given, ``project.qde`` is validated
        against it first. ``None`` skips schema validation (structural checks
        still apply).

    Returns
    -------
    Project
        The project. Source texts come from ``PlainTextContent`` or from the
        archive member that an ``internal://`` ``plainTextPath`` names.

    Raises
    ------
    QdpxError
        If ``project.qde`` is missing, not well-formed, invalid against the
        schema (the message lists the XML path and line of the first errors),
        or uses something the workflow does not support (non-text sources,
        source paths outside the archive, codings of whole sources). Messages
        never contain text from the project.
    """
    if PROJECT_MEMBER not in members:
        raise QdpxError(f"archive has no {PROJECT_MEMBER} member")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(members[PROJECT_MEMBER], parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise QdpxError(
            f"{PROJECT_MEMBER}: not well-formed XML (line {line}, column {column})"
        ) from None
    if xsd_text is not None:
        errors = validate_project_xml(etree.ElementTree(root), xsd_text)
        if errors:
            raise QdpxError(
                f"{PROJECT_MEMBER} does not match the REFI-QDA project schema:\n  "
                + "\n  ".join(errors)
            )
    if root.tag != _Q + "Project":
        raise QdpxError(f"{PROJECT_MEMBER}: root element is not Project in namespace {NS}")

    users = [
        User(guid=_attr(u, "guid", "User") or "", name=u.get("name", ""))
        for u in root.findall(f"{_Q}Users/{_Q}User")
    ]
    codes = [_read_code(c) for c in root.findall(f"{_Q}CodeBook/{_Q}Codes/{_Q}Code")]
    sources: list[TextSource] = []
    sources_el = root.find(_Q + "Sources")
    if sources_el is not None:
        for child in sources_el:
            if not isinstance(child.tag, str):
                continue  # comments, processing instructions
            if child.tag != _Q + "TextSource":
                local = etree.QName(child).localname
                raise QdpxError(
                    f"{PROJECT_MEMBER} line {child.sourceline}: {local} {child.get('guid')} "
                    "is not supported (only TextSource)"
                )
            sources.append(_read_source(child, members))
    return Project(
        name=_attr(root, "name", "Project") or "",
        codes=codes,
        sources=sources,
        users=users,
        description=_description(root),
    )
