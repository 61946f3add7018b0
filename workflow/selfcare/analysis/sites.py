"""Every configured site in one phrase: the per-site results as registry words.

The manuscript must read correctly for any hand-over, whatever its sites. A
sentence cannot name LO, SO and NO; it quotes a phrase that lists every
configured site, built here from the per-site number records (so each
number in a phrase is the very display of its own record) and the per-site
service-use tables (for the sparse-events rule). Keys:

* ``change.sites.<outcome>``: "+3.9 (CI 0.8 to 7.0) at LO, +1.0 (CI -1.2 to
  3.1) at SO and not estimable (reason) at NO";
* ``change.sites.significant``: the outcomes and sites whose change reached
  the significance level ("empowerment and mental health confidence at LO,
  and mental health confidence at SO"), or "none of the changes";
* ``service.sites.<service>.totals``: "from 68 to 44 at LO, from 3 to 2 at SO
  and from 1 to 4 at NO" (every service; the next two for services counted
  as events, not for durations);
* ``service.sites.<service>.change``: "a reduction of 35% (CI 12 to 52) at
  LO, an increase of 10% (CI -58 to 189) at SO and not estimable (reason) at NO",
  each direction word the site's own ``.direction`` record;
* ``service.sites.<service>.sparse``: a clause naming the sites where the
  sparse-events rule replaced the Poisson model by the exact test, or saying
  that it applied at no site.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from selfcare.analysis.dataset import OUTCOME_LABELS, SERVICE_LABELS
from selfcare.analysis.specification import join_words
from selfcare.report.records import NOT_ESTIMABLE, Records

__all__ = ["site_summary"]


def _display(by_key: Mapping[str, Mapping[str, Any]], key: str) -> str:
    """Display of one per-site record (KeyError naming the key if absent)."""
    if key not in by_key:
        raise KeyError(f"site summary: no number record {key!r}")
    return str(by_key[key]["display"])


def _estimate_at(by_key: Mapping[str, Mapping[str, Any]], base: str, site: str) -> str:
    """``"+3.9 (CI 0.8 to 7.0) at LO"``, or ``"not estimable (reason) at LO"``."""
    mean = _display(by_key, f"{base}.mean")
    if mean.startswith(NOT_ESTIMABLE):
        return f"{mean} at {site}"
    return f"{mean} (CI {_display(by_key, f'{base}.ci')}) at {site}"


def _change_phrases(recs: Records, by_key: Mapping[str, Mapping[str, Any]], sites: Sequence[str],
                    outcomes: Sequence[str], alpha: float) -> None:
    """``change.sites.<outcome>`` and ``change.sites.significant``."""
    significant: dict[str, list[str]] = {}
    for outcome in outcomes:
        label = OUTCOME_LABELS.get(outcome, outcome.replace("_", " "))
        parts = [_estimate_at(by_key, f"change.{s.lower()}.{outcome}", s) for s in sites]
        recs.add(f"change.sites.{outcome}", " ".join(sites), join_words(parts),
                 f"Mean change in {label} with its CI at every site")
        for s in sites:
            p = by_key[f"change.{s.lower()}.{outcome}.p"]["value"]
            if isinstance(p, (int, float)) and not isinstance(p, bool) and p < alpha:
                significant.setdefault(s, []).append(label)
    groups: dict[tuple[str, ...], list[str]] = {}  # sites with the same outcomes read as one item
    for s, labels in significant.items():
        groups.setdefault(tuple(labels), []).append(s)
    named = [f"{join_words(list(labels))} at {join_words(at)}" for labels, at in groups.items()]
    text = join_words(named, "none of the changes")
    if len(named) > 1:  # a list of lists: separate its items clearly
        text = ", ".join(named[:-1]) + ", and " + named[-1]
    recs.add("change.sites.significant", ";".join(f"{s}={' '.join(v)}" for s, v in significant.items()) or "none",
             text, f"Outcomes and sites whose mean change reached significance (p < {alpha})")


def _service_change_at(by_key: Mapping[str, Mapping[str, Any]], base: str, site: str) -> str:
    """``"a reduction of 35% (CI 12 to 52) at LO"`` from the site's own direction record."""
    word = _display(by_key, f"{base}.direction")
    size = _display(by_key, f"{base}.size")
    if size.startswith(NOT_ESTIMABLE) or word not in ("reduction", "increase"):
        if word == "no change":
            return f"no change at {site}"
        return f"{size} at {site}"
    article = "an" if word[0] in "aeiou" else "a"
    return f"{article} {word} of {size} (CI {_display(by_key, f'{base}.size_ci')}) at {site}"


def _service_phrases(recs: Records, by_key: Mapping[str, Mapping[str, Any]], sites: Sequence[str],
                     tables: Mapping[str, pd.DataFrame], sparse_rule: Mapping[str, Any]) -> None:
    """``service.sites.<service>.totals``, ``.change`` and ``.sparse``."""
    services = list(dict.fromkeys(str(v) for t in tables.values() for v in t["service"]))
    for service in services:
        label = SERVICE_LABELS.get(service, service.replace("_", " "))
        base = {s: f"service.{s.lower()}.{service}" for s in sites}
        totals = [f"from {_display(by_key, base[s] + '.total_pre')} to {_display(by_key, base[s] + '.total_post')} at {s}"
                  for s in sites]
        recs.add(f"service.sites.{service}.totals", " ".join(sites), join_words(totals),
                 f"Total {label} before baseline and before follow-up at every site")
        if not all(_counts_events(tables[s], service) for s in sites):
            continue  # durations (nights): no rate ratio, and their sparse rule is another test
        changes = [_service_change_at(by_key, base[s], s) for s in sites]
        recs.add(f"service.sites.{service}.change", " ".join(sites), join_words(changes),
                 f"Change in the rate of {label} at every site, worded by its direction")
        why = {s: _sparse_why(tables[s], service, label, sparse_rule) for s in sites}
        sparse = [s for s in sites if why[s]]
        if sparse:
            at = join_words([f"{s} ({why[s]})" for s in sparse])
            clause = (f"Under the sparse-events rule the exact interval and p-value are reported, flagged, "
                      f"for {at}; rate ratios from such small counts are very imprecise")
        else:
            clause = (f"The sparse-events rule applied at no site: the {label} were numerous enough, "
                      "among enough people, for the Poisson model wherever a rate ratio is reported")
        recs.add(f"service.sites.{service}.sparse", " ".join(sparse) or "none", clause,
                 f"Sites where the sparse-events rule applied to {label}, with the reason")


def _counts_events(table: pd.DataFrame, service: str) -> bool:
    """Whether a service is counted as events at a site (its ``kind``; default events)."""
    if "kind" not in table.columns:
        return True
    rows = table[table["service"].astype(str) == service]
    return bool(len(rows)) and str(rows["kind"].iloc[0]) == "events"


def _sparse_why(table: pd.DataFrame, service: str, label: str, rule: Mapping[str, Any]) -> str:
    """Why the sparse-events rule replaced the Poisson model for a service at
    one site ("6 A&E attendances, fewer than 20" or "7 people with any,
    fewer than 10"), or "" when it did not (or the rate ratio is not
    estimable at all, which the change phrase says)."""
    rows = table[table["service"].astype(str) == service]
    if not len(rows):
        return ""
    r = rows.iloc[0]
    flagged = bool(r["sparse"]) if "sparse" in r.index else str(r["headline"]) == "exact"
    not_estimable = "not_estimable" in r.index and not pd.isna(r["not_estimable"]) and str(r["not_estimable"]).strip()
    if not flagged or not_estimable or str(r["headline"]) != "exact":
        return ""
    if not rule or "total_pre" not in r.index:
        return "too few events"
    total = int(r["total_pre"]) + int(r["total_post"])
    if total < int(rule["min_total"]):
        return f"{total} {label}, fewer than {int(rule['min_total'])}"
    return f"{int(r['n_people_with_events'])} people with any, fewer than {int(rule['min_people'])}"


def site_summary(
    records: Sequence[Mapping[str, Any]],
    service_tables: Mapping[str, pd.DataFrame],
    sites: Sequence[str],
    outcomes: Sequence[str],
    alpha: float,
    fcfg: Mapping[str, Any],
    sparse_rule: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The per-site results of every configured site as registry phrases.

    Parameters
    ----------
    records : sequence of dict
        The per-site number records (``change.<site>.*`` and
        ``service.<site>.*``; the phrases quote their displays).
    service_tables : mapping
        Site -> its service-use table (columns ``service`` and ``headline``).
    sites : sequence of str
        The configured sites, in order (two or more, any codes).
    outcomes : sequence of str
        The outcomes compared from baseline to follow-up.
    alpha : float
        Significance level.
    fcfg : mapping
        Formatting configuration.
    sparse_rule : mapping, optional
        ``analysis.service_use_sparse`` (``min_total``, ``min_people``): the
        reason the sparse-events rule applied is given against it.

    Returns
    -------
    list of dict
        Records under ``change.sites.`` and ``service.sites.`` (see the
        module docstring).

    Raises
    ------
    KeyError
        If a per-site record a phrase needs is missing.
    """
    by_key = {str(r["key"]): r for r in records}
    recs = Records(fcfg)
    _change_phrases(recs, by_key, list(sites), list(outcomes), float(alpha))
    _service_phrases(recs, by_key, list(sites), {str(s): service_tables[s] for s in sites}, sparse_rule or {})
    return recs.items
