"""The leak check reads documents as a reader meets them (issue 11, item 3):
no base64 image payloads, scripts or styles; images through their alternative
text and text chunks; PDF page by page; CSV cells and JSON strings decoded.
A hit says where (file, line or page), what kind and which register row,
never the value; names printed in public are read in their own context.
All names here are invented."""

from __future__ import annotations

import base64
import io
import json
import struct
import zipfile
import zlib

import matplotlib
import pandas as pd
import pytest
from selfcare.deidentify.documents import Segment, document_segments, markup_text, public_names, strip_image_payloads
from selfcare.deidentify.leaks import (
    LeakError,
    build_leak_index,
    extractable_text,
    find_identifiers,
    register_identifiers,
    scan_outputs,
    scan_text,
)

matplotlib.use("Agg")

REGISTER = pd.DataFrame({"full_name": ["Ada Quill", "Graham Pemberton", "Rosa Lindqvist"],
                         "phone": ["07700 900123", None, None], "consent_data": ["yes", "no", "yes"]})
CITED = ["Graham Thornicroft", "M. Knapp", "Lindqvist Ulla"]


def _index(public=()):  # noqa: D103
    return build_leak_index(register_identifiers({"participants.csv": REGISTER}), public_names=public)


def _names(text, index):
    return [(line, kind) for line, kind, _ in find_identifiers(text, index)]


# ------------------------------------------------------------- image payloads
def test_a_name_inside_an_image_payload_is_not_a_hit_but_in_alt_text_it_is():
    payload = base64.b64encode(b"\x00\x01" * 40).decode() + "AdaQuill" + "Ada+Quill/Ada=="
    html = f'<p><img src="data:image/png;base64,{payload}" alt="Bars by site"></p>'
    text = extractable_text("index.html", html.encode())
    assert "Quill" not in text and "Bars by site" in text
    index = _index()
    assert sum(scan_text(text, index).values()) == 0
    assert scan_outputs({"index.html": document_segments("index.html", html.encode())}, index)["hits"] == []
    leaking = html.replace("Bars by site", "Ada Quill's scores")
    assert scan_text(extractable_text("index.html", leaking.encode()), index)["name"] == 2


def test_binary_payloads_are_stripped_and_text_payloads_read():
    text = "see data:text/plain;base64,QWRhIFF1aWxs and Ada"
    assert strip_image_payloads(text) == "see  Ada Quill  and Ada"
    md = "![Bars](data:image/png;base64,AAAAQuillAAAA==) Bars"
    assert strip_image_payloads(md) == "![Bars](data:image;base64,[payload]) Bars"
    assert document_segments("fig.md", md.encode()) == [Segment("", "![Bars](data:image;base64,[payload]) Bars", True)]


def test_scripts_styles_comments_and_attributes_are_text_but_image_payloads_are_not():
    html = ("<html><head><style>.Quill { color: red }</style>\n<script>var Ada = 1;</script></head>\n"
            "<body><!-- Ada Quill --><a href='Quill.html' title='x'>Bars</a>\n"
            "<svg><image href='data:image/png;base64,QuillQuill'/><text>Ada</text></svg>\n"
            "<script/>Quill &amp; co</body></html>")
    text = strip_image_payloads(markup_text(html))
    assert text.count("\n") == html.count("\n"), "lines are the source's"
    index = _index()
    assert _names(text, index) == [(1, "name"), (2, "name"), (3, "name"), (3, "name"), (3, "name"), (4, "name"),
                                   (5, "name")]
    assert "QuillQuill" not in text


def test_json_data_islands_and_code_scripts_are_both_text():
    html = ('<p>x</p>\n<script type="application/json" id="prov-data">{"meaning": "Ada"}</script>\n'
            '<script type="module">var Quill = 1;</script>\n<script>var Quill = 2;</script>after')
    text = markup_text(html)
    assert _names(text, _index()) == [(2, "name"), (3, "name"), (4, "name")]
    assert text.endswith("after")


def _png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in [(b"IHDR", b"\0" * 13), *chunks, (b"IEND", b"")]:
        out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return out


def test_png_images_are_read_through_their_text_chunks_only():
    index = _index()
    pixels = _png([(b"IDAT", zlib.compress(b"Ada Quill") + b"Ada Quill")])
    assert document_segments("fig.png", pixels) == []
    chunks = _png([(b"tEXt", b"Title\0Ada"), (b"zTXt", b"Author\0\0" + zlib.compress(b"Quill")),
                   (b"iTXt", b"Description\0\x01\0en\0\0" + zlib.compress("Rosa".encode())),
                   (b"iTXt", b"Comment\0\0\0\0\0Graham"), (b"zTXt", b"Bad\0\0notzlib Pemberton")])
    segs = document_segments("FIG.PNG", chunks)
    assert [s.where for s in segs] == ["PNG text chunk Title", "PNG text chunk Author", "PNG text chunk Description",
                                       "PNG text chunk Comment", "PNG text chunk Bad"]
    assert all(not s.lines for s in segs)
    assert [sum(scan_text(s.text, index).values()) for s in segs] == [1, 1, 1, 1, 1]
    assert document_segments("photo.jpg", b"\xff\xd8\xffAda") is None and document_segments("a", b"GIF89aAda") is None


def test_pdf_is_read_page_by_page():
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with plt.rc_context({"pdf.fonttype": 42}), PdfPages(buf) as pdf:
        for text in ("Bars by site", "Scores of Ada"):
            fig = plt.figure(figsize=(3, 2))
            fig.text(0.1, 0.5, text)
            pdf.savefig(fig)
            plt.close(fig)
    report = scan_outputs({"results/report/index.pdf": document_segments("index.pdf", buf.getvalue())}, _index())
    assert report["hits"] == [{"file": "results/report/index.pdf", "type": "name", "count": 1,
                               "locations": [{"where": "page 2",
                                              "source": "participants.csv row 1"}]}]


def test_csv_cells_json_strings_and_zip_members():
    csv_text = 'id,quote\n1,"said\nAda ""Quill"""\n2,Rosa\n'
    (seg,) = document_segments("quotes.csv", csv_text.encode())
    assert seg.text == 'id | quote\n1 | said Ada "Quill"\n\n2 | Rosa\n'
    assert _names(seg.text, _index()) == [(2, "name"), (2, "name"), (4, "name")]
    (js,) = document_segments("a.json", b'{"a": "Zo\\u00eb",\n "b": "Ros\\u0061", "c": "\\q"}')
    assert js.text == '{a: Zo\u00eb,\n b: Rosa, c: "\\q"}'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("sources/", "")
        zf.writestr("sources/b.txt", "x\nRosa")
        zf.writestr("a.png", _png([(b"tEXt", b"Title\0Ada")]))
    segs = document_segments("coding.qdpx", buf.getvalue())
    assert [(s.where, s.lines) for s in segs] == [("a.png PNG text chunk Title", False), ("sources/b.txt", True)]
    report = scan_outputs({"coding.qdpx": segs}, _index())
    assert [loc["where"] for h in report["hits"] for loc in h["locations"]] == [
        "a.png PNG text chunk Title", "sources/b.txt line 2"]


# ---------------------------------------------------------- located, sourced
def test_a_real_hit_names_file_line_kind_and_register_row_never_the_value():
    index = _index()
    report = scan_outputs({"results/qualitative/quotes.csv": "quote\nfine\nI told Rosa, 07700 900123",
                           "results/x.md": "Pemberton"}, index)
    assert report["hits"] == [
        {"file": "results/qualitative/quotes.csv", "type": "name", "count": 1,
         "locations": [{"where": "line 3", "source": "participants.csv row 3"}]},
        {"file": "results/qualitative/quotes.csv", "type": "phone", "count": 1,
         "locations": [{"where": "line 3", "source": "participants.csv row 1"}]},
        {"file": "results/x.md", "type": "name", "count": 1,
         "locations": [{"where": "line 1", "source": "participants.csv row 2"}]},
    ]
    message = str(LeakError(report))
    assert "results/qualitative/quotes.csv: name x1\n      line 3: participants.csv row 3\n" in message
    assert "released" not in message and "P0" not in json.dumps(report)
    for secret in ("Rosa", "Lindqvist", "Pemberton", "900123", "07700"):
        assert secret not in message and secret not in json.dumps(report)


def test_sources_of_a_shared_name_part_are_listed_and_capped():
    frame = pd.DataFrame({"full_name": [f"Ada X{i}x" for i in range(5)]})
    index = build_leak_index(register_identifiers({"p.csv": frame}))
    (hit,) = scan_outputs({"f": "Ada"}, index)["hits"]
    assert hit["locations"][0]["source"] == "p.csv row 1; p.csv row 2; p.csv row 3 and 2 more row(s)"
    bare = build_leak_index([{"type": "name", "value": "Ada Quill"}])
    assert scan_outputs({"f": "Ada"}, bare)["hits"][0]["locations"][0]["source"] == "register row unknown"
    many = scan_outputs({"f": "Ada " * 60}, index)["hits"][0]
    assert many["count"] == 60 and len(many["locations"]) == 50


# ------------------------------------------------------------ public context
def test_a_cited_authors_first_name_is_not_a_hit_but_a_register_name_in_the_bibliography_is():
    index = _index(CITED)
    bib = "Beecham, J. 2001. In Measures, edited by Graham Thornicroft. Gaskell.\nThornicroft, Graham. 2002."
    assert _names(bib, index) == []
    assert _names(bib, _index()) == [(1, "name"), (2, "name")], "without the public names it would be"
    assert _names("Thornicroft, G. and Graham J. Thornicroft", index) == []
    # the register person's full name or surname in a bibliography entry is a hit
    assert _names("edited by Graham Pemberton. Gaskell.", index) == [(1, "name"), (1, "name")]
    assert _names("Pemberton, Graham. 2003.", index) == [(1, "name"), (1, "name")]
    # the first name alone, outside a public name, is a hit
    assert _names("Graham said so.\nThornicroft agreed", index) == [(1, "name")]
    assert _names("Graham. Thornicroft", index) == []


def test_a_first_name_that_is_also_a_register_surname_is_always_a_hit():
    # "Lindqvist" is a register surname: printed next to a cited author's given name it still counts
    index = _index(CITED)
    assert _names("Ulla Lindqvist", index) == [(1, "name")]
    both = build_leak_index([{"type": "name", "value": "Graham Pemberton"}, {"type": "name", "value": "Ann Graham"}],
                            public_names=CITED)
    assert both.given_only == frozenset({"ann"})
    assert _names("Graham Thornicroft", both) == [(1, "name")]


def test_public_index_and_given_names():
    index = build_leak_index([{"type": "name", "value": "Zoë Mary Quill"}, {"type": "name", "value": "Quill"}],
                             public_names=["Zoë Adams", "M. Knapp", "Ruth", "Mary-Ann O'Brien"])
    assert index.given_only == frozenset({"zoë", "zoe", "mary"})
    assert index.public == {"mary": frozenset({"o'brien", "obrien", "brien"}), "mary-ann": frozenset(
        {"o'brien", "obrien", "brien"}), "ann": frozenset({"o'brien", "obrien", "brien"}),
        "zoe": frozenset({"adams"}), "zoë": frozenset({"adams"})}
    assert _names("Zoe Adams and ZOË ADAMS and Zoe Quill", index) == [(1, "name"), (1, "name")]
    assert _names("Mary O'Brien", index) == []


def test_public_names_from_bibliography_and_front_matter():
    bib = """@book{a, author = {Thornicroft, Graham and Knapp, M. and {The Research Team}},
      editor = "Smith, Ann", title = {Graham {and} others}}
    @misc{b, author={Jo  Bloggs and Graham Thornicroft}, note = {author = x}}"""
    assert public_names(bib, "") == ["Graham Thornicroft", "M. Knapp", "Ann Smith", "Jo Bloggs"]
    qmd = "---\ntitle: T\nauthor:\n  - Ann Lee\n  - name: Bo Chan\n  - name: {given: Cy, family: Dee}\n---\nbody"
    assert public_names("", qmd) == ["Ann Lee", "Bo Chan", "Cy Dee"]
    assert public_names("", '---\nauthor: "The selfcare project"\n---\n') == ["The selfcare project"]
    assert public_names("", "no front matter\nauthor: X") == []
    assert public_names("", "---\n---\n") == []


def test_the_public_context_is_the_name_as_written():
    index = _index(CITED)
    assert _names("Graham J. K. Thornicroft", index) == []
    assert _names("Graham Jo Thornicroft", index) == [(1, "name")]
    assert _names("Graham Bloggs Thornicroft", index) == [(1, "name")]
    assert _names("Thornicroft, Jo Graham", index) == [(1, "name")]
    assert _names("Thornicroft,\nGraham and Graham", index) == [(2, "name")]
    accents = build_leak_index([{"type": "name", "value": "Zoë Quill"}], public_names=["Zoe Adamsova"])
    assert _names("Zoë Adamsová and Zoe ADAMSOVA", accents) == []
    assert _names("Zoë Adams", accents) == [(1, "name")]


def test_markup_text_exactly():
    html = '<p class="x">Ada&nbsp;&amp;<br/>Bo</p>\n<img src="a.png" alt="Fig"><img alt="">\n<script>\nx\n</script>End'
    assert markup_text(html) == "  x Ada\xa0&  Bo \n  a.png  Fig  \n \nx\n End"
    assert markup_text("<style/>a</p>b") == "  a b"


def test_segments_by_suffix_and_signature():
    png = _png([(b"tEXt", b"Title\0Ada")])
    assert document_segments("figure", png) == [Segment("PNG text chunk Title", "Title Ada", False)]
    assert document_segments("notes", b"Ada") == [Segment("", "Ada", True)]
    assert document_segments("a.CSV", b"x,y") == [Segment("", "x | y", True)]
    assert document_segments("a.JSON", b'"\\u0041"') == [Segment("", "A", True)]
    assert document_segments("a.svg", b"<svg><text>Ada</text></svg>") == [Segment("", "  Ada  ", True)]
    assert document_segments("a.htm", b"<b>x</b>") == [Segment("", " x ", True)]


def test_csv_line_breaks_inside_cells_and_broken_csv():
    (seg,) = document_segments("q.csv", b'1,"a\rb"\n2,Rosa\n')
    assert seg.text == "1 | a b\n2 | Rosa\n"
    (bad,) = document_segments("q.csv", b'1,a\rRosa\n')
    assert bad.text == "1,a\rRosa\n"


def test_png_text_chunks_decode_as_the_format_says():
    index = build_leak_index([{"type": "name", "value": "Zo\u00eb Quill"}])
    chunks = _png([(b"iTXt", b"Comment\0\0\0\0\0" + "Zo\u00eb".encode()), (b"iTXt", b"Bad\0\0\0\0\0\xffQuill")])
    segs = document_segments("f.png", chunks)
    assert [s.text for s in segs] == ["Comment Zo\u00eb", "Bad Quill"]
    assert [scan_text(s.text, index)["name"] for s in segs] == [1, 1]


def test_bibtex_values_with_nested_braces_and_quotes():
    bib = '@a{x, author = {M{\\"u}ller, Hans and Bo Chan}, editor = "", title = "T"}\n@b{y, editor = "Ann Lee", note = "n"}'
    assert public_names(bib, "") == ['Hans M{\\"u}ller', "Bo Chan", "Ann Lee"]
    assert public_names("@c{z, author = {Unclosed, Brace", "") == ["Brace Unclosed"]


def test_a_truncated_png_chunk_header_is_still_read():
    segs = document_segments("f.png", b"\x89PNG\r\n\x1a\n\0\0\0\0tEXt")
    assert segs == [Segment("PNG text chunk ", " ", False)]


def test_public_names_edge_cases():
    bib = "author = {Thornicroft, Graham and {The Team} and Last, Jr, First}, editor = X, author ="
    assert public_names(bib, "") == ["Graham Thornicroft", "Jr, First Last"]
    assert public_names("", "---\n- a list\n---\n") == []
    assert public_names("", "---\nauthor: {name: {family: Dee}}\n---\n") == ["Dee"]
    assert public_names("", "---\nauthor: {name: {given: Cy}}\n---\n") == ["Cy"]
    assert public_names("", "---\nauthor: Ann Lee\n---\nbody\n---\nauthor: Not Me\n") == ["Ann Lee"]
    assert public_names("", "x\n---\nauthor: Not Me\n---\n") == []


def test_markup_edge_cases():
    assert markup_text("<p>Ada\nQuill</p>") == " Ada\nQuill "
    assert markup_text("</script>Ada<img alt='Bo'/>") == " Ada  Bo  "
    assert markup_text("<script>x</script><style>y</style>z") == " x  y z"
    assert document_segments("x.png", b"\x89PNG\r\n\x1a\nAda Quill text") == []
    assert document_segments("dir.v2/notes", b"Ada") == [Segment("", "Ada", True)]
