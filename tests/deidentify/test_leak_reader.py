"""The leak check reads everything a reader can see, chosen by content, and
says what it could not read (privacy review of release 0.3.0, items 1-2).

Attribute values (title, alt, data-*, href, mailto:), comments, scripts and
styles are text; base64 payloads of images and fonts are not, text payloads
are decoded. Files are routed by their magic bytes, not their names; every
file or archive member not read is reported with its reason, and one that may
carry text fails the check. A hit names the register row by its raw row
number only, never the pseudonym. All names here are invented.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import struct
import zipfile
import zlib

import pandas as pd
import pytest
from selfcare.deidentify import documents
from selfcare.deidentify.documents import Document, Segment, Skipped, read_document, sniff
from selfcare.deidentify.keys import pseudonym
from selfcare.deidentify.leaks import LeakError, build_leak_index, register_identifiers, scan_outputs

REGISTER = pd.DataFrame({"study_id": ["LO-001", "LO-002"], "full_name": ["Ada Quill", "Rosa Lindqvist"],
                         "email": ["ada.q@example.org", None]})


@pytest.fixture(scope="module")
def index():
    return build_leak_index(register_identifiers({"participants.csv": REGISTER}))


def _hits(name, data, index):
    report = scan_outputs({name: read_document(name, data)}, index)
    return [(h["type"], loc["where"]) for h in report["hits"] for loc in h["locations"]]


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


# ------------------------------------------------------------ what a reader sees
@pytest.mark.parametrize("markup", [
    '<a title="by Quill">x</a>',
    '<img src="a.png" alt="Quill">',
    '<div data-person="Quill"></div>',
    '<a href="/people/quill.html">x</a>',
    "<!-- checked with Quill -->",
    "<script>const who = 'Quill';</script>",
    "<style>.x::after { content: 'Quill' }</style>",
    '<p style="font-family: Quill">x</p>',
    "<svg><![CDATA[Quill]]></svg>",
])
def test_every_attribute_comment_script_and_style_is_text(markup, index):
    assert _hits("index.html", f"<p>first</p>\n{markup}\n".encode(), index) == [("name", "line 2")]


def test_mailto_links_are_found_as_e_mails(index):
    html = b'<p>Contact</p>\n<a href="mailto:ada.q@example.org">the team</a>'
    assert sorted(_hits("index.html", html, index)) == [("email", "line 2"), ("name", "line 2")]


def test_image_and_font_payloads_are_not_read_but_text_payloads_are(index):
    noise = base64.b64encode(b"\x00\x01" * 30).decode() + "Quill+Quill/Quill=="
    css = f"<style>@font-face {{ src: url(data:font/woff2;base64,{noise}) }}\n" \
          f".logo {{ background: url('data:image/png;base64,{noise}') }}</style>"
    assert _hits("index.html", css.encode(), index) == []
    text = base64.b64encode(b"by Rosa").decode()
    html = f'<p>x</p>\n<a href="data:text/plain;charset=utf-8;base64,{text}">notes</a>'
    assert _hits("index.html", html.encode(), index) == [("name", "line 2")]
    wrapped = "data:image/png;base64,QUJD\n  Quill\nRosa"
    assert documents.strip_image_payloads(wrapped) == "data:image;base64,[payload]"
    assert documents.strip_image_payloads("data:text/plain;base64,!!!") == "data:text/plain;base64,!!!"
    assert documents.strip_image_payloads("data:text/plain;base64,QQ=x") == "data:text/plain;base64,[unreadable payload]"
    assert documents.strip_image_payloads("data:;base64,QUJD Rosa") == "data:binary;base64,[payload] Rosa"


# ------------------------------------------------------------ routed by content
def _png(text: bytes) -> bytes:
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in [(b"IHDR", b"\0" * 13), (b"tEXt", b"Title\0" + text), (b"IEND", b"")]:
        out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return out


def _pdf(text: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    with plt.rc_context({"pdf.fonttype": 42}):
        fig = plt.figure(figsize=(3, 2))
        fig.text(0.1, 0.5, text)
        fig.savefig(buf, format="pdf")
        plt.close(fig)
    return buf.getvalue()


def test_files_are_routed_by_their_content_not_their_name(index):
    assert _hits("notes.txt", _pdf("Scores of Quill"), index) == [("name", "page 1")]
    assert _hits("table.csv", _png(b"Quill"), index) == [("name", "PNG text chunk Title")]
    assert _hits("export.dat", _zip({"a.txt": b"\nQuill"}), index) == [("name", "a.txt line 2")]
    assert _hits("page.txt", b"<!DOCTYPE html>\n<p>Ros&#97;</p>", index) == [("name", "line 2")]
    assert _hits("log.gz", gzip.compress(b"x\nQuill"), index) == [("name", "line 2")]
    assert _hits("data.txt", '{"who":\n "Ros\\u0061"}'.encode(), index) == [("name", "line 2")]
    assert _hits("u16.txt", "x\nQuill".encode("utf-16"), index) == [("name", "line 2")]
    assert _hits("u8.txt", b"\xef\xbb\xbfQuill", index) == [("name", "line 1")]
    assert _hits("photo.jpg", b"Quill", index) == [("name", "line 1")], "a name is no reason to skip text"


@pytest.mark.parametrize(("data", "kind"), [
    (b"\x89PNG\r\n\x1a\nx", "png"), (b"PK\x03\x04x", "zip"), (b"PK\x05\x06x", "zip"), (b"\x1f\x8bx", "gzip"),
    (b"\xff\xd8\xffx", "JPEG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"),
    (b"RIFF\0\0\0\0WEBPVP8", "WebP"), (b"RIFF\0\0\0\0WAVE", "text"), (b"%PDF-1.7", "pdf"), (b"\n %PDF-1.4", "pdf"),
    (b"x" * 1020 + b"%PDF-", "text"), (b"BMI 25", "text"), (b"plain", "text"),
])
def test_sniff(data, kind):
    assert sniff(data) == kind


def test_office_files_inside_an_archive_are_read_as_markup(index):
    docx = _zip({"[Content_Types].xml": b"<?xml version='1.0'?><Types/>",
                 "word/document.xml": b"<?xml version='1.0'?><w:document><w:body><w:p><w:r><w:t>Ros</w:t>"
                                      b"</w:r></w:p><w:p><w:t>Ada&#x20;Quill</w:t></w:p></w:body></w:document>"})
    outer = _zip({"sources/notes.docx": docx})
    assert _hits("coding.qdpx", outer, index) == [("name", "sources/notes.docx word/document.xml line 1")] * 2


# ------------------------------------------------------------ what is not read
def _encrypted(data: bytes) -> bytes:
    """A zip whose members are flagged as encrypted (bit 0 of the general purpose flags)."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = out.find(sig)
        while pos >= 0:
            out[pos + offset] |= 1
            pos = out.find(sig, pos + 4)
    return bytes(out)


def test_what_cannot_be_read_is_reported_and_fails_when_it_may_carry_text(index):
    jpeg = b"\xff\xd8\xff\xe0" + b"\0" * 20
    files = {
        "results/a.zip": _zip({"photo.jpg": jpeg, "b.txt": b"fine"}),
        "results/b.pdf": b"%PDF-1.7\nbroken",
        "results/c.qdpx": _encrypted(_zip({"s.txt": b"Quill"})),
        "results/d.bin": bytes(range(256)),
        "results/e.zip": b"PK\x03\x04 not a zip",
        "results/f.txt": "Quill".encode("latin-1") + b"\xe9",
        "results/g.jpg": jpeg,
    }
    report = scan_outputs({p: read_document(p, d) for p, d in files.items()}, index)
    assert report["skipped"] == [
        "results/a.zip photo.jpg (JPEG image without a text layer)",
        "results/b.pdf (unreadable pdf file)",
        "results/c.qdpx s.txt (archive member cannot be read (encrypted or damaged))",
        "results/d.bin (binary file of unknown type or text not in UTF-8/16/32)",
        "results/e.zip (unreadable zip file)",
        "results/f.txt (binary file of unknown type or text not in UTF-8/16/32)",
        "results/g.jpg (JPEG image without a text layer)",
    ]
    assert report["unreadable"] == report["skipped"][1:6]
    assert report["files_skipped"] == 7 and report["files_scanned"] == 2
    assert report["status"] == "failed" and report["hits"] == []
    message = str(LeakError(report))
    assert "0 file/type pair(s), 5 unreadable file(s) or member(s) that may carry text" in message
    assert "  - results/d.bin (binary file of unknown type or text not in UTF-8/16/32): cannot be read" in message
    images = scan_outputs({"results/g.jpg": read_document("g.jpg", jpeg), "results/h.txt": "x"}, index)
    assert images["status"] == "passed" and images["files_skipped"] == 1 and images["unreadable"] == []


def test_archives_nested_too_deep_are_not_opened_and_say_so():
    data = b"Quill"
    for _ in range(documents.MAX_DEPTH + 1):
        data = _zip({"in.zip": data})
    doc = read_document("a.zip", data)
    assert doc == Document([], [Skipped("in.zip in.zip in.zip in.zip", "zip archive nested too deep", True)])
    gz = read_document("a.gz", gzip.compress(gzip.compress(gzip.compress(gzip.compress(gzip.compress(b"x"))))))
    assert gz == Document([], [Skipped("", "gzip archive nested too deep", True)])
    assert read_document("a.gz", b"\x1f\x8b broken").skipped == [Skipped("", "unreadable gzip file", True)]
    assert read_document("a.txt.gz", gzip.compress(b"x")) == Document([Segment("", "x", True)], [])


def test_a_text_with_a_nul_is_binary():
    assert read_document("a", b"Quill\0") == Document(
        [], [Skipped("", "binary file of unknown type or text not in UTF-8/16/32", True)])
    assert read_document("a", b"\xff\xfe\x00\x00" + "Rosa".encode("utf-32-le")) == Document(
        [Segment("", "Rosa", True)], [])
    assert read_document("a", b"\x00\x00\xfe\xff" + "Rosa".encode("utf-32-be")) == Document(
        [Segment("", "Rosa", True)], [])
    assert read_document("a", b"\xfe\xff" + "Rosa".encode("utf-16-be")) == Document([Segment("", "Rosa", True)], [])


# ------------------------------------------------------------ the row, never the pseudonym
def test_a_hit_names_the_raw_row_never_the_pseudonym(index):
    key = b"k" * 32
    pids = [pseudonym(s, key, "study_id", "P") for s in REGISTER["study_id"]]
    report = scan_outputs({"results/quotes.csv": "quote\nRosa said", "results/x.md": "Ada"}, index)
    sources = [loc["source"] for h in report["hits"] for loc in h["locations"]]
    assert sources == ["participants.csv row 2", "participants.csv row 1"]
    shown = json.dumps(report) + str(LeakError(report))
    assert not any(p in shown for p in pids) and "released" not in shown and "LO-00" not in shown


# ------------------------------------------------------------ found by mutation testing
def test_reader_details_exactly():
    assert read_document("a", b"\xef\xbb\xbfRosa") == Document([Segment("", "Rosa", True)], [])
    jpeg = b"\xff\xd8\xff\xe0"
    assert read_document("a", jpeg) == Document([], [Skipped("", "JPEG image without a text layer", False)])
    assert read_document("t.csv.gz", gzip.compress(b"a,b")) == Document([Segment("", "a | b", True)], [])
    data = b"x"
    for _ in range(documents.MAX_DEPTH):
        data = gzip.compress(data)
    assert read_document("a.gz", data) == Document([Segment("", "x", True)], [])
    assert read_document("data.txt", b'["Ros\\u0061"]') == Document([Segment("", "[Rosa]", True)], [])
    assert read_document("data.txt", b'\n {"a": "\\u0041"}') == Document([Segment("", "\n {a: A}", True)], [])
    assert sniff(b" " * 1019 + b"%PDF-") == "pdf" and sniff(b" " * 1020 + b"%PDF-") == "text"


def test_payload_and_markup_details_exactly():
    text = base64.b64encode(b"a\nRosa").decode()
    wrapped = f"data:text/plain;base64,{text[:4]}\n  {text[4:]}"
    assert documents.strip_image_payloads(wrapped) == " a Rosa "
    assert documents.markup_text('<a title="one\ntwo">x</a>') == "  one two \nx "
    assert documents.markup_text("<!--x-->") == " x "
    assert documents.markup_text("<svg><![CDATA[x]]></svg>") == "  CDATA[x  "
    assert documents.markup_text("<br/>a") == "  a"


def test_a_blank_pdf_page_and_an_encrypted_pdf():
    from pypdf import PdfWriter

    blank = PdfWriter()
    blank.add_blank_page(100, 100)
    buf = io.BytesIO()
    blank.write(buf)
    assert read_document("a.pdf", buf.getvalue()) == Document([Segment("page 1", "", False)], [])
    blank.encrypt("secret", algorithm="RC4-128")
    locked = io.BytesIO()
    blank.write(locked)
    assert read_document("a.pdf", locked.getvalue()) == Document([], [Skipped("", "unreadable pdf file", True)])


def test_every_member_of_an_archive_is_read_or_listed():
    jpeg = b"\xff\xd8\xff\xe0"
    two = io.BytesIO()
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("b.jpg", jpeg)
        zf.writestr("c.jpg", jpeg)
        zf.writestr("d.txt", "Rosa")
    doc = read_document("x.zip", two.getvalue())
    assert doc.skipped == [Skipped("b.jpg", "JPEG image without a text layer", False),
                           Skipped("c.jpg", "JPEG image without a text layer", False)]
    assert doc.segments == [Segment("d.txt", "Rosa", True)]
    # an unreadable member does not stop the members after it
    mixed = io.BytesIO()
    with zipfile.ZipFile(mixed, "w") as zf:
        zf.writestr("a.txt", "x")
        zf.writestr("b.txt", "Rosa")
    flagged = bytearray(mixed.getvalue())
    flagged[6] |= 1  # the first member's local header
    central = flagged.find(b"PK\x01\x02")
    flagged[central + 8] |= 1  # and its central directory entry
    doc = read_document("z.zip", bytes(flagged))
    assert doc == Document([Segment("b.txt", "Rosa", True)],
                           [Skipped("a.txt", "archive member cannot be read (encrypted or damaged)", True)])


def test_a_leak_error_says_where_the_outputs_went():
    report = {"hits": [{"file": "a.md", "type": "name", "count": 1}], "unreadable": [],
              "quarantined": ["results/a.md"], "quarantine_dir": "quarantine/leak_check"}
    assert str(LeakError(report)).endswith(
        "  - a.md: name x1\n  the 1 affected output(s) were moved out of results/ to quarantine/leak_check/")
