"""Output files as a reader meets them, for the leak check.

:func:`document_segments` turns one output file into the text a reader sees,
in pieces that carry where they are: HTML and SVG without tags, scripts,
styles or base64 image payloads (alternative text kept), PDF page by page
(pypdf), CSV cell by cell, JSON with its strings decoded, PNG through its
text chunks, zip archives (``.qdpx``) member by member. Text pieces keep the
file's line breaks, so a hit can be placed on its line.
:func:`public_names` reads the people a manuscript names in public (authors
and editors in the bibliography, the authors of the document).
"""

from __future__ import annotations

import csv
import io as _io
import json
import re
import zipfile
import zlib
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import NamedTuple

import yaml

__all__ = ["Segment", "document_segments", "public_names", "strip_image_payloads"]


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


#: Images without a text layer this reader knows: skipped (and reported so).
OPAQUE_IMAGES = (".jpg", ".jpeg", ".gif", ".webp")
_MARKUP = (".html", ".htm", ".svg", ".xhtml")
_HIDDEN = {"script", "style"}
_DATA_URI = re.compile(r"data:image/[\w.+-]+;base64,[A-Za-z0-9+/=\s]+")
_BREAKS = re.compile(r"[\r\n]+")
_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def strip_image_payloads(text: str) -> str:
    """Text with base64 image payloads (``data:image/...`` URIs) replaced by a marker.

    A payload is encoded pixels, not text: a short name can occur in it by
    chance, which would be a false alarm.
    """
    return _DATA_URI.sub("data:image;base64,[payload]", text)


class _Reader(HTMLParser):
    """Collects character data and alternative texts on their source lines."""

    def __init__(self, n_lines: int) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[list[str]] = [[] for _ in range(n_lines + 1)]
        self.hidden = False

    def _put(self, text: str) -> None:
        line = self.getpos()[0] - 1
        for i, piece in enumerate(text.split("\n")):
            self.lines[line + i].append(piece)

    def _alt(self, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "alt" and value:
                self._put(f" {value} ")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # a JSON data island (e.g. the provenance cards' data) is text the page shows
        if tag in _HIDDEN and not (tag == "script" and dict(attrs).get("type") == "application/json"):
            self.hidden = True
        self._put(" ")
        self._alt(attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._put(" ")  # <script/> hides nothing
        self._alt(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = False
        self._put(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self._put(data)


def markup_text(source: str) -> str:
    """HTML/SVG as a reader meets it, line for line with the source.

    Tags, comments, scripts and styles are dropped (their line breaks kept),
    except JSON data islands (``<script type="application/json">``), whose
    content the page shows and which are read as text;
    character references are decoded; ``alt`` texts are kept where the image
    is; attribute values (image payloads among them) are never text.
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

    reader = PdfReader(_io.BytesIO(data))
    return [Segment(f"page {i}", page.extract_text() or "", False) for i, page in enumerate(reader.pages, 1)]


def document_segments(name: str, data: bytes) -> list[Segment] | None:
    """The text of one file as a reader meets it, in located segments.

    Parameters
    ----------
    name : str
        File name (its suffix chooses the reader, case-insensitively).
    data : bytes
        File content.

    Returns
    -------
    list of Segment or None
        ``None`` for images without a text layer (JPEG, GIF, WebP). PNG:
        its text chunks. PDF: one segment per page. Zip archives: the
        segments of each member (``where`` names the member). HTML/SVG: the
        text without markup (see :func:`markup_text`). CSV: cells. JSON:
        decoded strings. Anything else: UTF-8 text (undecodable bytes
        ignored) without base64 image payloads.
    """
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in OPAQUE_IMAGES:
        return None
    if suffix == ".png" or data.startswith(_PNG_SIGNATURE):
        return _png_texts(data)
    if suffix == ".pdf":
        return _pdf_pages(data)
    if suffix in (".qdpx", ".zip"):
        out: list[Segment] = []
        with zipfile.ZipFile(_io.BytesIO(data)) as zf:
            for member in sorted(n for n in zf.namelist() if not n.endswith("/")):
                for seg in document_segments(member, zf.read(member)) or []:
                    out.append(Segment(" ".join(filter(None, (member, seg.where))), seg.text, seg.lines))
        return out
    text = data.decode("utf-8", errors="ignore")
    if suffix in _MARKUP:
        text = markup_text(text)
    elif suffix == ".csv":
        text = _csv_text(text)
    elif suffix == ".json":
        text = _json_text(text)
    return [Segment("", strip_image_payloads(text), True)]


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
