"""Every table of the manuscript at once (rule ``tables``), and the table of
numbers changed since the accepted version.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from selfcare.report.tables.markdown import pipe_table
from selfcare.report.tables.provenance import (
    _breakable,
    figures_provenance_md,
    provenance_md,
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
    table1_md,
)

__all__ = [
    "build_all",
]

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
    fcfg = config.get("formatting", {})
    flow = results["flow"]
    site_n = {str(r["site"]): r["recruited"] for _, r in flow.iterrows()} if "recruited" in flow.columns else None
    return {
        "table1": table1_md(results["table1"], site_n, fcfg),
        "flow": flow_md(flow, fcfg),
        "change": change_md(results["change"], fcfg),
        "service_use": service_use_md(results["service_use"], fcfg),
        "models": models_md(results["ancova"], results["satisfaction"], results["engagement"], fcfg),
        "sensitivity": sensitivity_md(results["ancova_sensitivity"], results["engagement_sensitivity"], fcfg),
        "reliability": reliability_md(results["reliability_baseline"], results["reliability_followup"], fcfg, measures),
        "qual_counts": qual_counts_md(results["code_counts"], framework, fcfg),
        "quotes": quotes_md(results["quotes"], framework),
        "survey": survey_md(results["survey_response"], results["survey_binary"], results["survey_likert"], fcfg),
        "reproduction": reproduction_md(published, records_by_key, results["table1_check"], fcfg),
        "table1_check": table1_check_md(results["table1_check"], fcfg),
        "provenance": provenance_md(manifest),
        "figures_provenance": figures_provenance_md(figs),
        "changes": changes_md(results.get("changes")),
    }


def changes_md(changes: pd.DataFrame) -> str:
    """Reported numbers that changed since the accepted version (old -> new)."""
    if changes is None or len(changes) == 0:
        body = pd.DataFrame([{"Key": "(none)", "Status": "unchanged", "Accepted": "", "Current": ""}])
    else:
        body = pd.DataFrame(
            {
                "Key": [_breakable(str(k)) for k in changes["key"]],
                "Status": changes["status"].astype(str),
                "Accepted": changes["accepted"].fillna("").astype(str),
                "Current": changes["current"].fillna("").astype(str),
            }
        )
    return pipe_table(body, "Reported numbers that changed since the accepted version", "tbl-changes", raw_columns=["Key"])
