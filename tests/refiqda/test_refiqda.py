"""Tests of selfcare.refiqda: code book, .qdpx writing/reading, XSD validation."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from lxml import etree
from selfcare.core import io
from selfcare.refiqda.archive import read_qdpx, validate_project_xml, write_qdpx
from selfcare.refiqda.model import (
    DEFAULT_COLOURS,
    Project,
    QdpxError,
    Selection,
    TextSource,
    code_guid,
    codebook_from_framework,
    parse_framework,
    project_from_framework,
    selection_guid,
    source_guid,
)

ROOT = Path(__file__).resolve().parents[2]
XSD = io.read_text(ROOT / "resources" / "refi-qda" / "project.xsd")
FRAMEWORK = io.read_yaml(ROOT / "config" / "framework.yaml")

SMALL_FRAMEWORK = {
    "themes": {
        "support": {
            "label": "Support",
            "codes": {"peer": "Peer support", "plans": "Personal plans"},
        },
        "risk": {
            "label": "Risk",
            "description": "Self care and risk",
            "color": "#112233",
            "codes": {"medication": {"label": "Medication", "description": "taking tablets"}},
        },
    }
}

TEXT_A = "Line one.\nThe group helps me \U0001f600 every week.\n"
TEXT_B = "Caf\u00e9 talk: I chose my own plan."

GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _span(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def small_project() -> Project:
    a_start, a_end = _span(TEXT_A, "helps me \U0001f600 every")
    b_start, b_end = _span(TEXT_B, "my own plan")
    sources = [
        TextSource(
            guid=source_guid("INT-A"),
            name="INT-A",
            text=TEXT_A,
            selections=[
                Selection(
                    selection_guid("INT-A", a_start, a_end),
                    a_start,
                    a_end,
                    [code_guid("support/peer"), code_guid("risk/medication")],
                    name="first passage",
                )
            ],
        ),
        TextSource(
            guid=source_guid("INT-B"),
            name="INT-B",
            text=TEXT_B,
            selections=[
                Selection(
                    selection_guid("INT-B", b_start, b_end),
                    b_start,
                    b_end,
                    [code_guid("support/plans")],
                )
            ],
        ),
    ]
    return project_from_framework("test project", SMALL_FRAMEWORK, sources, "A small test")


def _tree(members: dict[str, bytes]) -> etree._Element:
    return etree.fromstring(members["project.qde"])


def _with_xml(members: dict[str, bytes], root: etree._Element) -> dict[str, bytes]:
    out = dict(members)
    out["project.qde"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return out


Q = "{urn:QDA-XML:project:1.0}"


# ---------------------------------------------------------------- GUIDs


def test_guids_are_deterministic_uuid5_and_distinct() -> None:
    g = code_guid("support/peer")
    assert g == code_guid("support/peer")
    assert GUID_RE.match(g)
    assert uuid.UUID(g).version == 5
    assert (
        len(
            {
                code_guid("support"),
                g,
                code_guid("support/plans"),
                source_guid("support/peer"),
            }
        )
        == 4
    )


# ---------------------------------------------------------------- code book


def test_codebook_from_real_framework_has_themes_and_subcodes() -> None:
    codes = codebook_from_framework(FRAMEWORK)
    themes = FRAMEWORK["themes"]
    assert [c.name for c in codes] == [t["label"] for t in themes.values()]
    assert all(not c.is_codable for c in codes)
    assert sum(len(c.children) for c in codes) == sum(len(t["codes"]) for t in themes.values())
    assert all(ch.is_codable and not ch.children for c in codes for ch in c.children)
    first_theme = next(iter(themes))
    first_code = next(iter(themes[first_theme]["codes"]))
    assert codes[0].guid == code_guid(first_theme)
    assert codes[0].children[0].guid == code_guid(f"{first_theme}/{first_code}")


def test_codebook_keeps_descriptions_and_colours() -> None:
    codes = codebook_from_framework(SMALL_FRAMEWORK)
    assert codes[1].description == "Self care and risk"
    assert codes[1].color == "#112233"
    assert codes[1].children[0].description == "taking tablets"
    assert codes[0].color == DEFAULT_COLOURS[0]


@pytest.mark.parametrize(
    "bad, where",
    [
        ({}, "themes"),
        ({"themes": {"a/b": {"label": "x", "codes": {"c": "C"}}}}, "themes.a/b"),
        ({"themes": {"a": {"label": "x", "codes": {}}}}, "themes.a.codes"),
        ({"themes": {"a": {"label": "x", "codes": {"c": 3}}}}, "themes.a.codes.c"),
        ({"themes": {"a": {"label": "x", "color": "red", "codes": {"c": "C"}}}}, "themes.a.color"),
    ],
)
def test_parse_framework_names_the_broken_key(bad: dict, where: str) -> None:
    with pytest.raises(ValueError, match=re.escape(where)):
        parse_framework(bad)


# ---------------------------------------------------------------- writing


def test_write_members_and_internal_paths() -> None:
    project = small_project()
    members = write_qdpx(project)
    guid_a = source_guid("INT-A")
    assert set(members) == {
        "project.qde",
        f"Sources/{guid_a}.txt",
        f"Sources/{source_guid('INT-B')}.txt",
    }
    assert members[f"Sources/{guid_a}.txt"].decode("utf-8") == TEXT_A
    root = _tree(members)
    assert root.tag == Q + "Project"
    assert [etree.QName(c).localname for c in root] == [
        "Users",
        "CodeBook",
        "Sources",
        "Description",
    ]
    src = root.find(f"{Q}Sources/{Q}TextSource")
    assert src.get("plainTextPath") == f"internal://{guid_a}.txt"
    sel = src.find(Q + "PlainTextSelection")
    # positions count code points: the emoji is one character
    start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
    assert TEXT_A[start:end] == "helps me \U0001f600 every"
    refs = [c.find(Q + "CodeRef").get("targetGUID") for c in sel.findall(Q + "Coding")]
    assert refs == [code_guid("support/peer"), code_guid("risk/medication")]
    theme = root.find(f"{Q}CodeBook/{Q}Codes/{Q}Code")
    assert theme.get("isCodable") == "false"
    assert theme.find(Q + "Code").get("isCodable") == "true"


def test_write_is_deterministic_bytes() -> None:
    first = io.zip_bytes(write_qdpx(small_project()))
    second = io.zip_bytes(write_qdpx(small_project()))
    assert first == second
    other = io.zip_bytes(write_qdpx(small_project(), created="2011-01-01T00:00:00Z"))
    assert other != first


def test_written_project_validates_against_xsd() -> None:
    members = write_qdpx(small_project())
    assert validate_project_xml(etree.ElementTree(_tree(members)), XSD) == []


# ---------------------------------------------------------------- round trip


def test_round_trip_in_memory() -> None:
    project = small_project()
    assert read_qdpx(write_qdpx(project), XSD) == project


def test_round_trip_through_zip_file(tmp_path: Path) -> None:
    project = project_from_framework(
        "full framework",
        FRAMEWORK,
        [
            TextSource(
                source_guid("X1"),
                "X1",
                "abc def",
                [
                    Selection(
                        selection_guid("X1", 0, 3), 0, 3, [code_guid("the_trust/strategy")]
                    )
                ],
            )
        ],
        None,
    )
    path = tmp_path / "coding.qdpx"
    io.write_zip(path, write_qdpx(project))
    back = read_qdpx(io.read_zip(path), XSD)
    assert back == project
    assert back.description is None


def test_round_trip_changes_when_project_changes() -> None:
    project = small_project()
    back = read_qdpx(write_qdpx(project), None)
    back.sources[0].selections[0].end += 1
    assert back != project


# ---------------------------------------------------------------- reading variants


def test_plain_text_content_is_accepted() -> None:
    members = write_qdpx(small_project())
    root = _tree(members)
    src = root.find(f"{Q}Sources/{Q}TextSource")
    path_member = "Sources/" + src.get("plainTextPath").removeprefix("internal://")
    del src.attrib["plainTextPath"]
    content = etree.Element(Q + "PlainTextContent")
    content.text = "inline text here"
    src.insert(0, content)
    new = _with_xml(members, root)
    del new[path_member]
    project = read_qdpx(new, XSD)
    assert project.sources[0].text == "inline text here"
    assert project.sources[1].text == TEXT_B


def test_both_text_path_and_content_is_rejected() -> None:
    members = write_qdpx(small_project())
    root = _tree(members)
    src = root.find(f"{Q}Sources/{Q}TextSource")
    content = etree.Element(Q + "PlainTextContent")
    content.text = "x"
    src.insert(0, content)
    with pytest.raises(QdpxError, match=re.escape(src.get("guid"))):
        read_qdpx(_with_xml(members, root), XSD)


def test_missing_source_member_is_named() -> None:
    members = write_qdpx(small_project())
    guid_b = source_guid("INT-B")
    del members[f"Sources/{guid_b}.txt"]
    with pytest.raises(QdpxError, match=f"Sources/{guid_b}.txt"):
        read_qdpx(members, XSD)


def test_missing_project_member_and_bad_xml() -> None:
    with pytest.raises(QdpxError, match="project.qde"):
        read_qdpx({"Sources/a.txt": b"x"}, XSD)
    with pytest.raises(QdpxError, match="not well-formed"):
        read_qdpx({"project.qde": b"<Project name='x'><Users></Project>"}, XSD)


def test_non_utf8_source_is_rejected_without_content() -> None:
    members = write_qdpx(small_project())
    member = f"Sources/{source_guid('INT-B')}.txt"
    members[member] = TEXT_B.encode("latin-1")
    with pytest.raises(QdpxError, match="not UTF-8") as info:
        read_qdpx(members, XSD)
    assert "talk" not in str(info.value)


def test_non_text_source_is_reported() -> None:
    members = write_qdpx(small_project())
    root = _tree(members)
    etree.SubElement(root.find(Q + "Sources"), Q + "PDFSource", guid=str(uuid.uuid4()))
    with pytest.raises(QdpxError, match="PDFSource"):
        read_qdpx(_with_xml(members, root), XSD)


# ---------------------------------------------------------------- XSD rejections


def test_xsd_rejects_missing_required_project_name() -> None:
    members = write_qdpx(small_project())
    root = _tree(members)
    del root.attrib["name"]
    with pytest.raises(
        QdpxError, match=r"/Project \(line \d+\): missing required attribute 'name'"
    ):
        read_qdpx(_with_xml(members, root), XSD)


def test_xsd_rejects_code_without_iscodable() -> None:
    members = write_qdpx(small_project())
    root = _tree(members)
    del root.find(f"{Q}CodeBook/{Q}Codes/{Q}Code/{Q}Code").attrib["isCodable"]
    with pytest.raises(
        QdpxError,
        match=r"/Project/CodeBook/Codes/Code\[1\]/Code\[1\] \(line \d+\): missing required attribute .isCodable.",
    ):
        read_qdpx(_with_xml(members, root), XSD)


def test_xsd_rejects_children_out_of_order() -> None:
    members = write_qdpx(small_project())
    root = _tree(members)
    users = root.find(Q + "Users")
    root.remove(users)
    root.find(Q + "Sources").addnext(users)  # Users after Sources: wrong order
    with pytest.raises(QdpxError, match="Unexpected child with tag 'Users'"):
        read_qdpx(_with_xml(members, root), XSD)
    # without the XSD the same document is read (the order is a schema rule)
    assert read_qdpx(_with_xml(members, root), None) == small_project()


def test_xsd_rejects_selection_without_end_position() -> None:
    members = write_qdpx(small_project())
    root = _tree(members)
    sel = root.find(f"{Q}Sources/{Q}TextSource/{Q}PlainTextSelection")
    del sel.attrib["endPosition"]
    with pytest.raises(QdpxError, match="PlainTextSelection.*endPosition"):
        read_qdpx(_with_xml(members, root), XSD)


def test_xsd_error_never_repeats_a_document_value() -> None:
    members = write_qdpx(small_project())
    root = _tree(members)
    sel = root.find(f"{Q}Sources/{Q}TextSource/{Q}PlainTextSelection")
    sel.set("startPosition", "JaneDoe")
    root.find(f"{Q}Users/{Q}User").set("guid", "Smith-0123")
    with pytest.raises(QdpxError) as info:
        read_qdpx(_with_xml(members, root), XSD)
    message = str(info.value)
    assert "startPosition" in message and "guid" in message
    assert "JaneDoe" not in message and "Smith" not in message


def test_xsd_rejects_duplicate_code_guid() -> None:
    members = write_qdpx(small_project())
    root = _tree(members)
    codes = root.findall(f".//{Q}Code")
    codes[1].set("guid", codes[0].get("guid"))
    with pytest.raises(QdpxError, match="duplicated value .*UniqueCodeGuid"):
        read_qdpx(_with_xml(members, root), XSD)


def test_xsd_accepts_braced_uppercase_guid() -> None:
    members = write_qdpx(small_project())
    root = _tree(members)
    user = root.find(f"{Q}Users/{Q}User")
    user.set("guid", "{" + user.get("guid").upper() + "}")
    del root.attrib["creatingUserGUID"]
    assert validate_project_xml(etree.ElementTree(root), XSD) == []
