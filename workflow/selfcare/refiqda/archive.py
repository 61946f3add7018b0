"""Writing and reading ``.qdpx`` archives (QDA-XML ``project.qde`` plus sources),
with validation against the project's XSD (``resources/refi-qda/project.xsd``).
"""

from __future__ import annotations

import functools
import re
from typing import Mapping

import xmlschema
from lxml import etree

from selfcare.refiqda.model import (
    _Q,
    NS,
    PROJECT_MEMBER,
    SOURCES_FOLDER,
    Code,
    Project,
    QdpxError,
    Selection,
    TextSource,
    User,
    _coding_guid,
)

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
        Pass it to :func:`selfcare.core.io.write_zip`.

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
        Archive members (from :func:`selfcare.core.io.read_zip`).
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
