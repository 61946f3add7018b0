"""The designed HTML of the pandoc fallback: provenance cards and the provenance page.

The report's look lives in the manuscript project (``manuscript/_html/``:
``template.html``, ``report.css``, ``report.js``), which pandoc embeds into the
self-contained ``index.html``. This module holds the pure parts around it:

* :func:`card_data_html`: the provenance of every number as a JSON island
  (``<script type="application/json" id="prov-data">``) that ``report.js``
  reads to open a card in place when a number is clicked;
* :func:`wrap_tables`: every table inside a ``div.table-wrap`` that scrolls
  sideways instead of being clipped;
* :func:`provenance_page`: the full provenance as its own searchable page
  (``provenance.html``), grouped by rule and output file, with the figures and
  tables and the specific files each was built from.

Nothing here fetches anything: the stylesheet and script are inlined.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any, Mapping, Sequence

from selfcare.report.tables.markdown import provenance_anchor
from selfcare.report.tables.provenance import _files, group_records

__all__ = ["annotate_figures", "card_data", "card_data_html", "provenance_page", "wrap_tables"]


def card_data(manifest: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What the provenance cards of the report show, without repetition.

    Returns
    -------
    dict
        ``{"groups": [{rule, output, output_sha256, script, script_sha256,
        modules, inputs}, ...], "numbers": {key: [group index, display, full
        value, meaning]}}``.
    """
    groups, numbers = [], {}
    for i, g in enumerate(group_records(manifest)):
        groups.append({k: v for k, v in g.items() if k != "records"})
        for r in g["records"]:
            numbers[str(r["key"])] = [i, str(r.get("display", "")), _full_value(r.get("value")), str(r.get("meaning", "") or "")]
    return {"groups": groups, "numbers": numbers}


def _full_value(value: Any) -> str:
    """A record's full-precision value as text (repr of floats)."""
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)


def card_data_html(manifest: Sequence[Mapping[str, Any]]) -> str:
    """The JSON island ``report.js`` reads (``<script id="prov-data">``).

    The JSON is written with sorted keys and no spaces, and ``<`` is escaped
    so that no value can close the script element.
    """
    text = json.dumps(card_data(manifest), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c")
    return f'<script type="application/json" id="prov-data">{text}</script>\n'


_TABLE_OPEN = re.compile(r"<table(?P<attrs>(?:\s[^>]*)?)>\s*(?:<caption>(?P<caption>.*?)</caption>)?", re.DOTALL)


def wrap_tables(html: str) -> str:
    """Put every ``<table>`` of pandoc's HTML in a block that scrolls sideways.

    Each table goes inside ``div.table-block > div.table-wrap``; the wrapper
    scrolls (``overflow-x: auto`` in ``report.css``), so a table wider than
    the column is never clipped. Its caption is moved out of the table, above
    the wrapper (``div.table-caption``, which labels the table through
    ``aria-labelledby``), so that it wraps at the column's width instead of
    scrolling away with a wide table. Pandoc does not nest tables.
    """
    count = 0

    def opening(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        attrs = m.group("attrs") or ""
        if m.group("caption") is None:
            return f'<div class="table-block"><div class="table-wrap"><table{attrs}>'
        ident = f"table-caption-{count}"
        return (f'<div class="table-block"><div class="table-caption" id="{ident}">{m.group("caption")}</div>'
                f'<div class="table-wrap"><table{attrs} aria-labelledby="{ident}">')

    html = _TABLE_OPEN.sub(opening, html)
    return html.replace("</table>", "</table></div></div>")


def annotate_figures(html: str, figures: Sequence[Mapping[str, Any]], page: str = "provenance.html") -> str:
    """Add each figure's own provenance under its image in pandoc's HTML.

    Parameters
    ----------
    html : str
        The report, with figures as ``<figure id="fig-<name>">``.
    figures : sequence of mapping
        ``{name, rule, script, inputs}`` of each figure (the figures manifest).
    page : str
        The provenance page, relative to the report.

    Returns
    -------
    str
        The report with a ``p.figure-provenance`` before each figure's
        ``</figure>``: the rule, the data and configuration files it was drawn
        from (package code counted, listed on the page) and a link to its
        record. Figures absent from the HTML are skipped.
    """
    for fig in sorted(figures, key=lambda f: str(f["name"])):
        name = str(fig["name"])
        start = html.find(f'<figure id="fig-{name}"')
        end = html.find("</figure>", start)
        if start < 0 or end < 0:
            continue
        files = _files(fig.get("inputs"))
        data = [p for p, _ in files if not p.startswith("workflow/")]
        note = (
            f'<p class="figure-provenance">Provenance: rule {_code(fig.get("rule", ""))}, drawn from '
            + ", ".join(_code(p) for p in data)
            + f' and {len(files) - len(data)} package modules; <a href="{page}#{provenance_anchor("fig." + name)}">'
            "full record</a>.</p>"
        )
        html = html[:end] + note + html[end:]
    return html


# --------------------------------------------------------------------------
# the provenance page
# --------------------------------------------------------------------------


def _code(text: Any) -> str:
    return f"<code>{escape(str(text))}</code>"


def _file_details(title: str, files: Sequence[Sequence[str]]) -> str:
    items = "".join(f"<li>{_code(p)} <code>{escape(s[:12])}</code></li>" for p, s in files)
    return f"<details><summary>{escape(title)} ({len(files)})</summary><ul>{items}</ul></details>"


def _search_text(*parts: Any) -> str:
    return escape(" ".join(str(p) for p in parts).lower(), quote=True)


def _number_group(g: Mapping[str, Any]) -> str:
    """One output file's block: its hash, inputs and every number it holds."""
    rows = []
    for r in g["records"]:
        key, shown, full, meaning = str(r["key"]), str(r.get("display", "")), _full_value(r.get("value")), str(r.get("meaning", "") or "")
        search = _search_text(key, shown, full, meaning, g["rule"], g["output"], g["script"])
        rows.append(f'<tr id="{provenance_anchor(key)}" data-search="{search}"><td>{_code(key)}</td><td>{escape(shown)}</td>'
                    f"<td>{_code(full)}</td><td>{escape(meaning)}</td></tr>")
    return (f'<div class="prov-group" data-filter-group=""><h3>{_code(g["output"])}</h3>'
            f'<p class="prov-meta">sha256 {_code(g["output_sha256"])}</p>{_file_details("Inputs of the job", g["inputs"])}'
            '<div class="table-block"><div class="table-wrap"><table><thead><tr><th>Key</th><th>Shown as</th><th>Full value</th><th>Meaning</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div></div></div>')


def _rule_sections(groups: Sequence[Mapping[str, Any]]) -> tuple[str, list[str]]:
    """Sections by rule, and the contents entries that link to them."""
    by_rule: dict[str, list[Mapping[str, Any]]] = {}
    for g in groups:
        by_rule.setdefault(g["rule"], []).append(g)
    sections, toc = [], []
    for rule, members in by_rule.items():
        first = members[0]
        toc.append(f'<li><a href="#rule-{escape(rule)}">{escape(rule)}</a></li>')
        sections.append(
            f'<section class="prov-rule" id="rule-{escape(rule)}" data-filter-group=""><h2>Rule {_code(rule)}</h2>'
            f'<p class="prov-meta">Script {_code(first["script"])} sha256 {_code(first["script_sha256"][:12])}</p>'
            f'{_file_details("Package modules", first["modules"])}{"".join(_number_group(g) for g in members)}</section>'
        )
    return "".join(sections), toc


def _artefact_section(title: str, anchor: str, items: Sequence[Mapping[str, Any]], prefix: str) -> str:
    """Figures or tables: each with its rule, script, own hash and the files it was built from."""
    rows = []
    for item in sorted(items, key=lambda i: str(i["name"])):
        name, files = str(item["name"]), _files(item.get("inputs"))
        listing = "".join(f"<li>{_code(p)} <code>{escape(s[:12])}</code></li>" for p, s in files)
        search = _search_text(prefix, name, item.get("rule", ""), item.get("script", ""), *[p for p, _ in files])
        rows.append(f'<tr id="{provenance_anchor(prefix + "." + name)}" data-search="{search}"><td>{_code(name)}</td>'
                    f'<td>{_code(item.get("rule", ""))}<br>{_code(item.get("script", ""))}</td>'
                    f'<td><code>{escape(str(item.get("sha256", "") or "")[:12])}</code></td><td><ul>{listing}</ul></td></tr>')
    return (f'<section class="prov-rule" id="{anchor}" data-filter-group=""><h2>{escape(title)}</h2>'
            '<div class="prov-group" data-filter-group=""><div class="table-block"><div class="table-wrap"><table><thead><tr><th>Name</th>'
            '<th>Rule and script</th><th>sha256</th><th>Built from</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div></div></div></section>')


def provenance_page(
    manifest: Sequence[Mapping[str, Any]],
    figures: Sequence[Mapping[str, Any]],
    tables: Sequence[Mapping[str, Any]],
    css: str,
    script: str,
    title: str,
    synthetic: bool,
) -> str:
    """The full provenance as one self-contained, searchable HTML page.

    Parameters
    ----------
    manifest : sequence of mapping
        The numbers' provenance manifest.
    figures, tables : sequence of mapping
        ``{name, rule, script, sha256, inputs}`` of each figure and table,
        ``inputs`` being the specific files it was built from.
    css, script : str
        The report's stylesheet and script (``manuscript/_html/``), inlined.
    title : str
        The report's title.
    synthetic : bool
        Whether the data are synthetic (shows the banner).

    Returns
    -------
    str
        The page: every number in a row whose id is its provenance anchor
        (``prov-<key>``), grouped by rule and output file, then the figures
        (``prov-fig-<name>``) and tables (``prov-tbl-<name>``).
    """
    sections, toc = _rule_sections(group_records(manifest))
    banner = ('<div class="synthetic-banner" role="note"><strong>SYNTHETIC DATA.</strong> Every number below was '
              "computed from a simulated dataset; no real participant took part.</div>") if synthetic else ""
    toc += ['<li><a href="#figures">Figures</a></li>', '<li><a href="#tables">Tables</a></li>']
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Provenance: {escape(title)}</title><style>{css}</style></head>\n"
        f'<body class="prov-page">{banner}<div class="page"><nav class="toc" aria-label="Rules"><p class="toc-title">Rules</p>'
        f'<ul>{"".join(toc)}</ul></nav><main class="content" id="main">'
        '<p class="back"><a href="index.html" onclick="if (history.length > 1) { history.back(); return false; }">'
        "\u2190 Back to the report</a></p>"
        f'<h1 class="title">Provenance</h1><p class="subtitle">{escape(title)}</p>'
        "<p>Every reported number with the rule and script that computed it, the file that holds it and that file's "
        "SHA-256, grouped by rule and output file; then every figure and table with the files it was built from. "
        'The same records are in <a href="../provenance/numbers.csv"><code>results/provenance/numbers.csv</code></a>.</p>'
        '<div class="prov-tools"><input id="prov-filter" type="search" placeholder="Filter: key, value, meaning, rule or file" '
        'aria-label="Filter the records"><p class="count" id="prov-count" aria-live="polite"></p></div>'
        f'{sections}{_artefact_section("Figures", "figures", figures, "fig")}'
        f'{_artefact_section("Tables", "tables", tables, "tbl")}'
        f"</main></div><script>{script}</script></body></html>\n"
    )
