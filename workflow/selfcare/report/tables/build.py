"""Every table of the manuscript at once (rule ``tables``), and the table of
numbers changed since the accepted version.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import pandas as pd

from selfcare.report import formatting as F
from selfcare.report.claims import check_caption_terms
from selfcare.report.changes import changed_cells, changed_figures, table_snapshot
from selfcare.report.numberwords import check_table_caption
from selfcare.report.tables.markdown import md_escape, pipe_table
from selfcare.report.tables.provenance import (
    figures_provenance_md,
    provenance_md,
    table_provenance_md,
)
from selfcare.report.tables.published import reproduction_md, table1_check_md
from selfcare.report.tables.qualitative import qual_counts_md, quotes_md, survey_md
from selfcare.report.tables.quantitative import (
    change_md,
    flow_md,
    models_md,
    reliability_md,
    sensitivity_md,
    service_use_md,
    sites_md,
    table1_md,
)

#: Tables whose caption is prose in manuscript/tables.yaml (the others are
#: built from data or are appendices of the workflow itself).
CAPTIONED = ("sites", "table1", "flow", "change", "service_use", "models", "sensitivity", "reliability", "qual_counts",
             "quotes", "reproduction", "table1_check", "survey", "provenance", "figures_provenance", "changes",
             "changed_sentences", "changed_cells", "changed_figures")

__all__ = [
    "build_all",
    "build_with_changes",
    "fill_caption",
]

_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\}")


def fill_caption(name: str, caption: str, records_by_key: Mapping[str, Mapping[str, Any]]) -> str:
    """A caption with its ``{registry.key}`` placeholders replaced by the records' displays.

    Before filling, the caption's hand-typed words are checked against the
    model specification (:func:`selfcare.report.claims.check_caption_terms`):
    a caption that names a covariate its model lacks fails the build.

    Raises
    ------
    ValueError
        If a placeholder names no record (the message names table and key).
    ClaimError
        If the caption names a term missing from its model.
    selfcare.report.markdown.HandTypedNumberError
        If the caption holds a hand-typed digit or number word.
    """
    covariates = {k.split(".")[1]: str(r["value"]).split() for k, r in records_by_key.items()
                  if re.fullmatch(r"model\.[a-z_]+\.covariates", k)}
    vocabulary = ["site"] + sorted({k.split(".")[1] for k in records_by_key
                                    if re.fullmatch(r"table1\.[a-z_]+\.statistic", k)})
    check_caption_terms(name, caption, covariates, vocabulary)
    check_table_caption(name, _PLACEHOLDER.sub(" ", caption))  # numbers come from the registry, never typed

    def display(m: re.Match[str]) -> str:
        if m.group(1) not in records_by_key:
            raise ValueError(f"manuscript/tables.yaml, table {name!r}: no number record {m.group(1)!r}")
        return str(records_by_key[m.group(1)]["display"])

    return _PLACEHOLDER.sub(display, caption)

# --------------------------------------------------------------------------
# everything at once
# --------------------------------------------------------------------------


def build_all(
    results: Mapping[str, Any],
    config: Mapping[str, Any],
    published: Mapping[str, Any],
    framework: Mapping[str, Any],
    records_by_key: Mapping[str, Mapping[str, Any]],
    manifest: Sequence[Mapping[str, Any]],
    figs: Sequence[Mapping[str, Any]],
    measures: Mapping[str, Any] | None = None,
    captions: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, str]:
    """All tables, by name (see :data:`TABLE_NAMES`).

    Parameters
    ----------
    results : mapping
        Frames read from ``results/``: ``table1``, ``flow``, ``change``,
        ``service_use`` (list or mapping of per-site frames), ``ancova``,
        ``satisfaction``, ``engagement``, ``ancova_sensitivity``,
        ``engagement_sensitivity``, ``reliability_baseline``,
        ``reliability_followup``, ``code_counts``, ``quotes``,
        ``survey_response``, ``survey_binary``, ``survey_likert``,
        ``table1_check`` and ``changes`` (the number changes since the
        accepted version).
    config : mapping
        Workflow configuration (``formatting`` is used).
    published, framework, measures : mapping
        Parsed ``config/published.yaml``, ``framework.yaml``, ``measures.yaml``.
    records_by_key : mapping
        Number records by key (computed and ``published.*``).
    manifest : sequence of dict
        Provenance manifest of the numbers.
    figs : sequence of dict
        Provenance of the figures.

    Returns
    -------
    dict
        Name -> markdown text.
    """
    tables, _ = build_with_changes(results, config, published, framework, records_by_key, manifest, figs, measures,
                                   captions=captions)
    return tables


def build_with_changes(
    results: Mapping[str, Any],
    config: Mapping[str, Any],
    published: Mapping[str, Any],
    framework: Mapping[str, Any],
    records_by_key: Mapping[str, Mapping[str, Any]],
    manifest: Sequence[Mapping[str, Any]],
    figs: Sequence[Mapping[str, Any]],
    measures: Mapping[str, Any] | None = None,
    accepted: Mapping[str, Any] | None = None,
    captions: Mapping[str, Mapping[str, str]] | None = None,
    sources: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[dict[str, str], dict[str, pd.DataFrame]]:
    """All tables, and what moved since the accepted version (rule ``tables``).

    Parameters are those of :func:`build_all`, plus ``accepted``: the
    accepted snapshots of the tables (``tables``, from
    ``manuscript/accepted-tables.json``) and figures (``figures``), and
    ``results["sentences"]``, the manuscript sentences that quote a moved
    number (rule ``number_changes``), and ``sources``: table name -> its
    provenance record (see :func:`selfcare.report.provenance.artefact_record`),
    printed as a note under the table.

    Returns
    -------
    tables : dict
        Name -> markdown text, the changes appendix included.
    changes : dict
        ``cells`` (table cells that moved) and ``figures`` (figures whose
        bytes changed), as frames.
    """
    tables = _result_tables(results, config, published, framework, records_by_key, manifest, figs, measures, captions)
    accepted = accepted or {}
    cells = changed_cells(accepted.get("tables", {}), table_snapshot(tables))
    figures = changed_figures(accepted.get("figures", {}), figs)
    cap = {name: fill_caption(name, (captions or {})[name]["caption"], records_by_key)
           for name in ("changes", "changed_sentences", "changed_cells", "changed_figures")}
    tables["changes"] = changes_md(results.get("changes"), results.get("sentences"), cells, figures, captions=cap)
    for name, record in (sources or {}).items():
        if name in tables:
            tables[name] += table_provenance_md(record)
    return tables, {"cells": cells, "figures": figures}


def _result_tables(
    results: Mapping[str, Any],
    config: Mapping[str, Any],
    published: Mapping[str, Any],
    framework: Mapping[str, Any],
    records_by_key: Mapping[str, Mapping[str, Any]],
    manifest: Sequence[Mapping[str, Any]],
    figs: Sequence[Mapping[str, Any]],
    measures: Mapping[str, Any] | None,
    captions: Mapping[str, Mapping[str, str]] | None,
) -> dict[str, str]:
    """Every table but the changes appendix (captions of :data:`CAPTIONED`
    tables from ``manuscript/tables.yaml``)."""
    fcfg = config.get("formatting", {})
    # one set of outcome names (config/measures.yaml) and the configured confidence level
    names = F.outcome_names(measures) if measures else None
    alpha = (config.get("analysis") or {}).get("alpha")
    lvl = {"level": F.confidence_pct(alpha, fcfg)} if alpha is not None else {}
    sites = config.get("sites")
    cap = {name: fill_caption(name, entry["caption"], records_by_key) for name, entry in (captions or {}).items()}
    missing = sorted(set(CAPTIONED) - set(cap))
    if missing:
        raise ValueError(f"manuscript/tables.yaml: no caption for table(s) {', '.join(missing)}")
    flow = results["flow"]
    site_n = {str(r["site"]): r["recruited"] for _, r in flow.iterrows()} if "recruited" in flow.columns else None
    return {
        "sites": sites_md(config.get("site_info") or {}, caption=cap["sites"]),
        "table1": table1_md(results["table1"], site_n, fcfg, caption=cap["table1"]),
        "flow": flow_md(flow, fcfg, caption=cap["flow"], outcome_labels=names, sites=sites),
        "change": change_md(results["change"], fcfg, caption=cap["change"], outcome_labels=names, sites=sites, **lvl),
        "service_use": service_use_md(results["service_use"], fcfg, caption=cap["service_use"], sites=sites, **lvl),
        "models": models_md(results["ancova"], results["satisfaction"], results["engagement"], fcfg,
                            caption=cap["models"], outcome_labels=names, **lvl),
        "sensitivity": sensitivity_md(results["ancova_sensitivity"], results["engagement_sensitivity"], fcfg,
                                      caption=cap["sensitivity"], outcome_labels=names, **lvl),
        "reliability": reliability_md(results["reliability_baseline"], results["reliability_followup"], fcfg, measures,
                                      caption=cap["reliability"], **lvl),
        "qual_counts": qual_counts_md(results["code_counts"], framework, fcfg, sites=sites, caption=cap["qual_counts"]),
        "quotes": quotes_md(results["quotes"], framework, caption=cap["quotes"]),
        "survey": survey_md(results["survey_response"], results["survey_binary"], results["survey_likert"], fcfg,
                            caption=cap["survey"], **lvl),
        "reproduction": reproduction_md(published, records_by_key, results["table1_check"], fcfg,
                                        float(records_by_key.get("config.alpha", {}).get("value", 0.05)), caption=cap["reproduction"],
                                        sites=list(sites) if sites else None),
        "table1_check": table1_check_md(results["table1_check"], fcfg, caption=cap["table1_check"]),
        "provenance": provenance_md(manifest, caption=cap["provenance"]),
        "figures_provenance": figures_provenance_md(figs, caption=cap["figures_provenance"]),
    }


def _mark(value: Any) -> str:
    """A current value highlighted in the HTML (pandoc renders ``.mark`` as <mark>)."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return f"[{text}]{{.mark}}" if text else ""


def _none_row(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame([{c: ("(none)" if i == 0 else "") for i, c in enumerate(columns)}])


def changes_md(
    changes: pd.DataFrame | None,
    sentences: pd.DataFrame | None = None,
    cells: pd.DataFrame | None = None,
    figures: pd.DataFrame | None = None,
    *,
    captions: Mapping[str, str],
) -> str:
    """The editors' change list: moved numbers (old -> new), the sentences that
    quote them, the table cells that moved and the figures whose bytes changed;
    current values highlighted. ``captions`` (from ``manuscript/tables.yaml``)
    by table: ``changes``, ``changed_sentences``, ``changed_cells``,
    ``changed_figures``."""
    if changes is None or len(changes) == 0:
        body = pd.DataFrame([{"Key": "(none)", "Status": "unchanged", "Accepted": "", "Current": ""}])
    else:
        body = pd.DataFrame(
            {
                "Key": [md_escape(str(k)) for k in changes["key"]],
                "Status": changes["status"].astype(str),
                "Accepted": changes["accepted"].fillna("").astype(str),
                "Current": [_mark(v) for v in changes["current"]],
            }
        )
    parts = [pipe_table(body, captions["changes"], "tbl-changes",
                        raw_columns=["Key", "Current"])]
    if sentences is not None:
        cols = ["Section", "Line", "Sentence (as it now reads)", "Key"]
        frame = _none_row(cols) if len(sentences) == 0 else pd.DataFrame(
            {"Section": sentences["section"].astype(str), "Line": sentences["line"].astype(str),
             "Sentence (as it now reads)": sentences["sentence"].astype(str),
             "Key": [md_escape(str(k)) for k in sentences["key"]]})
        parts.append(pipe_table(frame, captions["changed_sentences"], "tbl-changed-sentences",
                                raw_columns=["Key"], widths=[2, 0.8, 6, 2.4]))
    if cells is not None:
        cols = ["Table", "Row", "Column", "Accepted", "Current"]
        frame = _none_row(cols) if len(cells) == 0 else pd.DataFrame(
            {"Table": cells["table"], "Row": cells["row"], "Column": cells["column"], "Accepted": cells["accepted"],
             "Current": [_mark(v) for v in cells["current"]]})
        parts.append(pipe_table(frame, captions["changed_cells"], "tbl-changed-cells",
                                raw_columns=["Row", "Accepted", "Current"]))
    if figures is not None:
        cols = ["Figure", "Status"]
        frame = _none_row(cols) if len(figures) == 0 else pd.DataFrame(
            {"Figure": figures["figure"], "Status": [_mark(s) for s in figures["status"]]})
        parts.append(pipe_table(frame, captions["changed_figures"], "tbl-changed-figures",
                                raw_columns=["Status"]))
    return "\n".join(parts)
