"""Output files as a reader meets them, for the leak check.

:func:`read_document` turns one output file into the text a reader meets
(or could meet by looking at the source), in pieces that carry where they
are, and lists what it could not read. The reader is chosen by the file's
content (its magic bytes), never by its name: PNG through its text chunks,
PDF page by page (pypdf), zip archives (``.qdpx``, Office files, nested
archives) member by member, gzip streams inflated; HTML, SVG and XML as
text with every attribute value, comment, script and style read as text
(base64 payloads of ``data:`` URIs other than text left out); CSV cell by
cell; JSON with its strings decoded; anything else as UTF-8 text (or UTF-16
with a byte-order mark). Text pieces keep the file's line breaks, so a hit
can be placed on its line.

Whatever cannot be read is reported, never passed over in silence: images
without a text layer (JPEG, GIF, WebP, TIFF) are skipped; a PDF, an
archive, an archive member or a text file that cannot be read (damaged,
encrypted, undecodable, unknown binary) is skipped *and fatal*, since it
may carry text (see :class:`Skipped`).
:func:`public_names` reads the people a manuscript names in public (authors
and editors in the bibliography, the authors of the document).
"""

from __future__ import annotations

import base64
import binascii
import csv
import gzip
import io as _io
import json
import re
import zipfile
import zlib
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import NamedTuple

import yaml

__all__ = [
    "Document", "Segment", "Skipped", "document_segments", "public_names", "read_document",
    "sniff", "strip_image_payloads",
]


class Segment(NamedTuple):
    """A piece of a document's text and where it is.

    Attributes
    ----------
    where : str
        Its place in the file: ``""`` for the file itself, ``"page 3"``, a
        zip member, or a PNG text chunk.
    text : str
        The text a reader meets there.
    lines : bool
        Whether the text keeps the file's line breaks (a hit is then placed
        on its line).
    """

    where: str
    text: str
    lines: bool


class Skipped(NamedTuple):
    """A file or archive member that was not read, and why.

    Attributes
    ----------
    where : str
        ``""`` for the file itself, else the archive member.
    reason : str
        Why it was not read (never its content).
    fatal : bool
        It may carry text (a damaged PDF, an encrypted member, an
        undecodable text, an unknown binary): the leak check fails on it.
        Images without a text layer are not fatal.
    """

    where: str
    reason: str
    fatal: bool


class Document(NamedTuple):
    """The readable text of a file and what of it was skipped."""

    segments: list[Segment]
    skipped: list[Skipped]


#: Magic bytes -> the kind of file they open (checked in order).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
#: Images without a text layer this reader knows: skipped, not fatal.
OPAQUE_IMAGES = ("JPEG", "GIF", "WebP", "TIFF")
_MARKUP_SUFFIXES = (".html", ".htm", ".svg", ".xhtml", ".xml")
_MARKUP_START = re.compile(r"\s*<(?:\?xml|!doctype|html|svg|!--)", re.I)
# the payload may be wrapped over lines, never broken by a plain space
_DATA_URI = re.compile(
    r"data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?:;[\w.+-]+=[\w.+-]+)*;base64,(?P<b64>(?:[A-Za-z0-9+/=]|[\r\n]+[ \t]*)+)"
)
_TEXT_MIME = re.compile(r"text/|application/(?:json|xml|xhtml\+xml|javascript|ecmascript)$|image/svg\+xml$")
_BREAKS = re.compile(r"[\r\n]+")
_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Byte-order marks of UTF-32 and UTF-16 (UTF-32 first: its little-endian mark starts with UTF-16's).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
         (b"\xfe\xff", "utf-16"))
#: How deep archives inside archives are opened.
MAX_DEPTH = 4


def sniff(data: bytes) -> str:
    """The kind of a file from its first bytes.

    Returns
    -------
    str
        ``"png"``, ``"pdf"``, ``"zip"``, ``"gzip"``, an opaque image
        (``"JPEG"``, ``"GIF"``, ``"WebP"``, ``"TIFF"``) or
        ``"text"`` for anything else (to be decoded as text).
    """
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    return "text"


def _payload(m: re.Match[str]) -> str:
    mime = m.group("mime") or ""
    if _TEXT_MIME.match(mime):
        try:  # a text payload is text a reader gets: decoded, on one line
            raw = base64.b64decode("".join(m.group("b64").split()))  # the pattern admits the alphabet only
            return " " + _BREAKS.sub(" ", raw.decode()) + " "
        except (binascii.Error, ValueError):
            return f"data:{mime};base64,[unreadable payload]"
    return f"data:{mime.split('/')[0] or 'binary'};base64,[payload]"


def strip_image_payloads(text: str) -> str:
    """Text with base64 payloads of ``data:`` URIs replaced: images, fonts and
    other binary data by a marker, text (``text/*``, JSON, XML, SVG) by the
    decoded text on one line.

    A binary payload is encoded bytes, not text: a short name can occur in
    it by chance, which would be a false alarm; a text payload is text a
    reader can open.
    """
    return _DATA_URI.sub(_payload, text)


class _Reader(HTMLParser):
    """Collects character data, attribute values, comments, scripts and
    styles on their source lines."""

    def __init__(self, n_lines: int) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[list[str]] = [[] for _ in range(n_lines + 1)]

    def _put(self, text: str) -> None:
        line = self.getpos()[0] - 1
        for i, piece in enumerate(text.split("\n")):
            self.lines[line + i].append(piece)

    def _attrs(self, attrs: list[tuple[str, str | None]]) -> None:
        # every attribute value is read (title, alt, data-*, href, mailto:,
        # style), on the tag's first line; a decoded line break reads as a space
        for _name, value in attrs:
            if value:
                self._put(" " + _BREAKS.sub(" ", strip_image_payloads(value)) + " ")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._put(" ")
        self._attrs(attrs)

    def handle_endtag(self, tag: str) -> None:
        self._put(" ")

    def handle_data(self, data: str) -> None:
        self._put(data)

    def handle_comment(self, data: str) -> None:
        self._put(" " + data + " ")

    def unknown_decl(self, data: str) -> None:  # <![CDATA[...]]>
        self._put(" " + data + " ")


def markup_text(source: str) -> str:
    """HTML/SVG/XML as a reader meets it, line for line with the source.

    Tags are dropped (their line breaks kept); character data, every
    attribute value (``alt``, ``title``, ``data-*``, ``href``, ``mailto:``,
    ``style``) where its tag is, comments, scripts and styles are text;
    character references are decoded. Base64 payloads are handled by
    :func:`strip_image_payloads` (run it on the result).
    """
    reader = _Reader(source.count("\n"))
    reader.feed(source)
    reader.close()
    return "\n".join("".join(parts) for parts in reader.lines)


def _csv_text(source: str) -> str:
    """CSV cells separated by `` | `` on the line where their row starts
    (a cell's own line breaks read as spaces); a file that is not valid CSV
    as it is."""
    out = [""] * (source.count("\n") + 1)
    reader = csv.reader(_io.StringIO(source))  # lines end at "\n" only
    start = 0
    try:
        for row in reader:
            out[start] = " | ".join(_BREAKS.sub(" ", cell) for cell in row)
            start = reader.line_num
    except csv.Error:
        return source
    return "\n".join(out)


def _json_text(source: str) -> str:
    """JSON with each string literal decoded (``\\u00eb`` read as ``ë``), line for line."""

    def decode(m: re.Match[str]) -> str:
        try:
            return str(json.loads(m.group()))
        except ValueError:
            return m.group()

    return _JSON_STRING.sub(decode, source)


def _png_texts(data: bytes) -> list[Segment]:
    """The text chunks (tEXt, zTXt, iTXt) of a PNG, one segment each."""
    out: list[Segment] = []
    pos = len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind not in (b"tEXt", b"zTXt", b"iTXt"):
            continue
        keyword, _, rest = body.partition(b"\0")
        try:
            if kind == b"tEXt":
                text = rest.decode("latin-1")
            elif kind == b"zTXt":
                text = zlib.decompress(rest[1:]).decode("latin-1")
            else:
                flag, rest = rest[0], rest[2:]
                _lang, _, rest = rest.partition(b"\0")
                _translated, _, rest = rest.partition(b"\0")
                text = (zlib.decompress(rest) if flag else rest).decode("utf-8", errors="ignore")
        except (zlib.error, IndexError):
            text = rest.decode("latin-1")  # unreadable compression: scan what is there
        label = keyword.decode("latin-1")
        out.append(Segment(f"PNG text chunk {label}", f"{label} {text}", False))
    return out


def _pdf_pages(data: bytes) -> list[Segment]:
    from pypdf import PdfReader

    reader = PdfReader(_io.BytesIO(data))  # an encrypted PDF it cannot open raises on its pages
    return [Segment(f"page {i}", page.extract_text() or "", False) for i, page in enumerate(reader.pages, 1)]


def _decode(data: bytes) -> str | None:
    """Text of a file: UTF-8 (a byte-order mark dropped), or UTF-16/32 with
    a byte-order mark; ``None`` when it is none of these."""
    codec = next((c for bom, c in _BOMS if data.startswith(bom)), "utf-8-sig")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    return None if "\0" in text else text  # a NUL: binary data that happens to decode


def _text(name: str, text: str) -> str:
    """A decoded text as a reader meets it, by its content (and name)."""
    suffix = PurePosixPath(name).suffix.lower()
    head = text.lstrip()[:1]
    if suffix in _MARKUP_SUFFIXES or _MARKUP_START.match(text):
        text = markup_text(text)
    elif suffix == ".json" or head in ("{", "["):
        text = _json_text(text)
    elif suffix == ".csv":
        text = _csv_text(text)
    return strip_image_payloads(text)


def _zip(data: bytes, depth: int) -> Document:
    segments: list[Segment] = []
    skipped: list[Skipped] = []
    with zipfile.ZipFile(_io.BytesIO(data)) as zf:
        for info in sorted((i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename):
            member = info.filename
            try:
                content = zf.read(info)
            except (RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error, EOFError):
                skipped.append(Skipped(member, "archive member cannot be read (encrypted or damaged)", True))
                continue
            inner = _read(member, content, depth + 1)
            segments += [Segment(" ".join(filter(None, (member, s.where))), s.text, s.lines) for s in inner.segments]
            skipped += [Skipped(" ".join(filter(None, (member, s.where))), s.reason, s.fatal) for s in inner.skipped]
    return Document(segments, skipped)


def _read(name: str, data: bytes, depth: int) -> Document:
    kind = sniff(data)
    if kind in OPAQUE_IMAGES:
        return Document([], [Skipped("", f"{kind} image without a text layer", False)])
    if kind in ("zip", "gzip") and depth >= MAX_DEPTH:
        return Document([], [Skipped("", f"{kind} archive nested too deep", True)])
    try:
        if kind == "png":
            return Document(_png_texts(data), [])
        if kind == "pdf":
            return Document(_pdf_pages(data), [])
        if kind == "zip":
            return _zip(data, depth)
        if kind == "gzip":
            return _read(PurePosixPath(name).stem, gzip.decompress(data), depth + 1)
    except Exception:  # noqa: BLE001 - any failure of a reader: unreadable, and said so
        return Document([], [Skipped("", f"unreadable {kind} file", True)])
    text = _decode(data)
    if text is None:
        return Document([], [Skipped("", "binary file of unknown type or text not in UTF-8/16/32", True)])
    return Document([Segment("", _text(name, text), True)], [])


def read_document(name: str, data: bytes) -> Document:
    """The text of one file as a reader meets it, and what could not be read.

    Parameters
    ----------
    name : str
        File name (used only to place members and to lay out a CSV's cells;
        the reader is chosen by the content, see :func:`sniff`).
    data : bytes
        File content.

    Returns
    -------
    Document
        ``segments``: PNG text chunks, one per PDF page, the segments of
        each zip member (``where`` names the member), text (markup, JSON and
        CSV read as a reader meets them). ``skipped``: what was not read,
        with the reason and whether it is fatal (see :class:`Skipped`).
    """
    return _read(name, data, 0)


def document_segments(name: str, data: bytes) -> list[Segment] | None:
    """The segments of :func:`read_document`; ``None`` when the file itself
    was skipped (an image without a text layer, an unreadable file)."""
    doc = read_document(name, data)
    return None if any(s.where == "" for s in doc.skipped) else doc.segments


_BIB_FIELD = re.compile(r"(?i)\b(?:author|editor)\s*=\s*(?=[{\"])")
_FRONT_MATTER = re.compile(r"---\n(.*?)\n---", re.S)


def _braced(text: str, start: int) -> str:
    """The value of a BibTeX field starting at ``start`` (braced or quoted)."""
    if text[start] == '"':
        return text[start + 1 : text.index('"', start + 1)]
    depth, i = 0, start
    while i < len(text):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            break
        i += 1
    return text[start + 1 : i]


def public_names(bibliography: str, front_matter: str) -> list[str]:
    """People a manuscript names in public, as ``"Given Family"``.

    Parameters
    ----------
    bibliography : str
        BibTeX text: every ``author`` and ``editor`` (``Family, Given`` or
        ``Given Family``; corporate names in double braces are skipped).
    front_matter : str
        A Quarto/Markdown document: the ``author`` of its YAML front matter
        (a string, a list of strings, or a list of mappings with ``name``).

    Returns
    -------
    list of str
        Distinct names in order of first appearance.
    """
    names: list[str] = []
    for m in _BIB_FIELD.finditer(bibliography):
        for person in re.split(r"\s+and\s+", _braced(bibliography, m.end())):
            person = " ".join(person.split())
            if not person or person.startswith("{"):
                continue
            family, comma, given = person.partition(",")
            names.append(f"{given.strip()} {family.strip()}" if comma else person)
    front = _FRONT_MATTER.match(front_matter)
    if front:
        head = yaml.safe_load(front.group(1)) or {}
        authors = head.get("author") if isinstance(head, dict) else None
        for a in authors if isinstance(authors, list) else [authors]:
            name = a.get("name") if isinstance(a, dict) else a
            if isinstance(name, dict):
                name = f"{name.get('given', '')} {name.get('family', '')}"
            if isinstance(name, str) and name.strip():
                names.append(" ".join(name.split()))
    return list(dict.fromkeys(n for n in names if n.strip()))
