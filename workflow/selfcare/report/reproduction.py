"""Reproduction verdicts: does each published finding reproduce?

For every finding of the published executive summary
(``summary`` in ``config/published.yaml``) three criteria are judged against
the reproduced number records:

* **interval**: the published estimate lies inside the reproduced confidence
  interval (``n.a.`` when no estimate was published or no interval
  reproduced);
* **significance**: the finding is significant at the configured alpha in
  both, or in neither. Published significance is the item's
  ``significant`` field when given (the publication's own statement, for an
  interval whose printed bound rounds to the null), else its p-value as
  printed (:func:`read_printed_p`: a number, ``<0.05``, ``>0.1``, or
  ``NS``/``n.s.``, read as not significant at the configured level), else
  whether its interval excludes the null value (also when the printed p
  says nothing at the configured level). A printed p that says nothing at
  that level (``<0.1`` at 0.05) or cannot be read, with no interval, makes
  the criterion ``cannot be judged``;
* **direction**: the published and reproduced estimates lie on the same side
  of the null value (0; 1 for odds ratios); for a finding published with a
  p-value only, the item's ``direction`` field (``positive``/``negative``)
  when given, else ``n.a.``.

The overall verdict is ``reproduced`` when every criterion that applies
holds (and none cannot be judged), ``not reproduced`` when the direction
differs, no criterion that can be judged holds, none can be judged, or the
reproduced value is not estimable, and ``partly`` otherwise. A finding
about one site of the published study (its ``site`` field) whose site is
not in the hand-over is ``not assessed (site not in the hand-over)``: it is
neither reproduced nor failed, and the counts leave it out.
:func:`verdict_records` turns the verdicts into registry records, so that
the manuscript can say in words, from the registry, how many findings
reproduced and name those that did not.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping, Sequence

from selfcare.report import formatting as F
from selfcare.report.registry import make_record
from selfcare.report.tables.markdown import parse_interval

__all__ = [
    "CRITERIA",
    "CANNOT",
    "read_printed_p",
    "NOT_ASSESSED",
    "absent_site",
    "finding_verdict",
    "verdicts",
    "verdict_records",
]

#: The criteria, in the order of the reproduction table's columns.
CRITERIA = ("interval", "significance", "direction")

#: Verdict of a finding whose site is not in the hand-over.
NOT_ASSESSED = "not assessed"
_ABSENT = "site not in the hand-over"

_CRITERION_WORDS = {"interval": "published estimate outside the reproduced interval",
                    "significance": "significance differs", "direction": "direction differs"}

#: A criterion that applies but cannot be judged (e.g. a printed p of "<0.1" at the 0.05 level).
CANNOT = "cannot be judged"

_NS = re.compile(r"n\.?s\.?|not\s*significant", re.I)
_PRINTED = re.compile(r"(?P<rel><=|>=|<|>|=|\u2264|\u2265)?\s*(?P<x>[0-9]*\.?[0-9]+(?:[eE]-?[0-9]+)?)")


def read_printed_p(p: Any) -> tuple[float | None, str]:
    """A published p-value as printed: ``(number, relation)``.

    Relation ``=`` (``0.005``), ``<`` (``<0.05``, ``<=``), ``>`` (``>0.1``),
    ``ns`` (``NS``, ``n.s.``, ``not significant``: no number) or ``""``
    when the text cannot be read (never an error). A leading ``p`` is
    ignored (``p<0.05``).
    """
    if isinstance(p, bool) or p is None:
        return None, ""
    if isinstance(p, (int, float)):
        return (float(p), "=") if math.isfinite(float(p)) else (None, "")
    text = re.sub(r"^p\s*", "", str(p).strip(), flags=re.I).strip()
    if _NS.fullmatch(text):
        return None, "ns"
    m = _PRINTED.fullmatch(text)
    if not m:
        return None, ""
    rel = {"<=": "<", "\u2264": "<", ">=": ">", "\u2265": ">", None: "=", "=": "="}.get(m.group("rel"), m.group("rel"))
    return float(m.group("x")), rel


def printed_significant(p: Any, alpha: float) -> bool | None:
    """Whether a printed p says significant at ``alpha`` (None: it does not say)."""
    x, rel = read_printed_p(p)
    if rel == "ns":
        return False
    if x is None:
        return None
    if rel == "=":
        return x < alpha
    if rel == "<":
        return True if x <= alpha else None
    return False if x >= alpha else None


def _number(value: Any) -> float | None:
    """A finite float from a record value or published field, else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _interval(value: Any) -> tuple[float, float] | None:
    """``(lo, hi)`` from an interval record value ``"lo hi"``, else None."""
    if value is None or str(value).startswith("not estimable"):
        return None
    return parse_interval(value)


def _null_of(item: Mapping[str, Any]) -> float:
    """The null value of a finding: 1 for an odds ratio, else 0."""
    return 1.0 if str(item["reproduced_by"]).endswith(".or") else 0.0


def _published_significant(item: Mapping[str, Any], alpha: float) -> bool | None:
    """Whether the publication reports the finding as significant (None: unknown)."""
    if isinstance(item.get("significant"), bool):
        return item["significant"]
    if item.get("p") is not None:
        said = printed_significant(item["p"], alpha)
        if said is not None:
            return said  # else the interval, if one was published, may still say
    ci = item.get("ci")
    if ci:
        null = _null_of(item)
        return not (float(ci[0]) <= null <= float(ci[1]))
    return None


def _yes_no(flag: bool | None) -> str:
    return "n.a." if flag is None else ("yes" if flag else "no")


def _published_sign(item: Mapping[str, Any]) -> int | None:
    null = _null_of(item)
    value = _number(item.get("value"))
    if value is not None:
        return (value > null) - (value < null)
    return {"positive": 1, "negative": -1}.get(str(item.get("direction", "")))


def absent_site(item: Mapping[str, Any], sites: Sequence[str] | None) -> str | None:
    """The finding's site when the hand-over (``sites``) lacks it, else None."""
    site = item.get("site")
    if site is None or sites is None:
        return None
    return None if str(site) in {str(s) for s in sites} else str(site)


def finding_verdict(item: Mapping[str, Any], records_by_key: Mapping[str, Mapping[str, Any]],
                    alpha: float, sites: Sequence[str] | None = None) -> dict[str, Any]:
    """The three criteria and the overall verdict of one published finding.

    Parameters
    ----------
    item : mapping
        One ``summary`` entry of ``config/published.yaml``.
    records_by_key : mapping
        Number records by key (the ``value`` of ``reproduced_by``,
        ``ci_key`` and ``p_key`` is used).
    alpha : float
        The configured significance level.
    sites : sequence of str, optional
        The hand-over's sites; a finding whose ``site`` is not among them is
        not assessed (default: every site present).

    Returns
    -------
    dict
        ``key``, ``finding``, ``interval``, ``significance``, ``direction``
        (each ``yes``, ``no``, ``n.a.`` or ``cannot be judged``), ``verdict``
        (``reproduced``, ``partly``, ``not reproduced`` or ``not assessed``),
        ``failed`` (the criteria that do not hold, in words), ``estimable``
        and ``reason`` (why a finding was not assessed, else empty).

    Raises
    ------
    KeyError
        If a record the item names is missing.
    """
    def value_of(field: str) -> Any:
        key = item.get(field)
        if not key:
            return None
        if key not in records_by_key:
            raise KeyError(f"reproduction verdict: no number record {key!r} ({field} of {item['key']})")
        return records_by_key[key].get("value")

    if absent_site(item, sites) is not None:
        return {"key": item["key"], "finding": str(item.get("finding", item["key"])), "estimable": False,
                **{c: "n.a." for c in CRITERIA}, "verdict": NOT_ASSESSED, "failed": [], "reason": _ABSENT}
    est = _number(value_of("reproduced_by"))
    interval = _interval(value_of("ci_key"))
    p = _number(value_of("p_key"))
    out: dict[str, Any] = {"key": item["key"], "finding": str(item.get("finding", item["key"])),
                           "estimable": est is not None, "reason": ""}
    if est is None:
        out.update({c: "no" for c in CRITERIA})
        out.update(verdict="not reproduced", failed=["reproduced value not estimable"])
        return out
    pub_value = _number(item.get("value"))
    out["interval"] = _yes_no(None if pub_value is None or interval is None
                              else interval[0] <= pub_value <= interval[1])
    pub_sig = _published_significant(item, alpha)
    out["significance"] = _yes_no(None if pub_sig is None or p is None else pub_sig == (p < alpha))
    if pub_sig is None and p is not None and item.get("p") is not None and not isinstance(item.get("significant"), bool):
        out["significance"] = CANNOT  # a p was printed, but it says nothing at this level
    null, sign = _null_of(item), _published_sign(item)
    out["direction"] = _yes_no(None if sign is None else sign == (est > null) - (est < null))
    judged = [out[c] for c in CRITERIA if out[c] in ("yes", "no")]
    out["failed"] = [_CRITERION_WORDS[c] for c in CRITERIA if out[c] == "no"]
    out["failed"] += [f"{c} {CANNOT}" for c in CRITERIA if out[c] == CANNOT]
    if not judged:  # no criterion applies: nothing to call reproduced
        out["verdict"] = "not reproduced"
        out["failed"] = ["no criterion can be judged"]
    elif all(j == "yes" for j in judged) and CANNOT not in out.values():
        out["verdict"] = "reproduced"
    elif out["direction"] == "no" or all(j == "no" for j in judged):
        out["verdict"] = "not reproduced"
    else:
        out["verdict"] = "partly"
    return out


def verdicts(published: Mapping[str, Any], records_by_key: Mapping[str, Mapping[str, Any]],
             alpha: float, sites: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """:func:`finding_verdict` of every summary finding, in file order."""
    return [finding_verdict(item, records_by_key, alpha, sites) for item in published.get("summary", []) or []]


def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _failed_clause(rows: Sequence[Mapping[str, Any]]) -> str:
    """Words naming every finding that did not reproduce on every criterion."""
    bad = [r for r in rows if r["verdict"] not in ("reproduced", NOT_ASSESSED)]
    skipped = [_lower_first(r["finding"]) for r in rows if r["verdict"] == NOT_ASSESSED]
    tail = (f"; not assessed ({_ABSENT}): {_join(skipped)}" if skipped else "")
    if not bad:
        return "none failed a criterion" + tail
    named = [f"{_lower_first(r['finding'])} ({'partly reproduced' if r['verdict'] == 'partly' else 'not reproduced'}: "
             f"{', '.join(r['failed'])})" for r in bad]
    lead = "the one that did not is" if len(bad) == 1 else "those that did not are"
    return f"{lead} {_join(named)}{tail}"


def verdict_records(rows: Sequence[Mapping[str, Any]], fcfg: Mapping[str, Any] | None,
                    rule: str = "collect_numbers", output: str = "config/published.yaml") -> list[dict[str, Any]]:
    """Registry records of the verdicts.

    Keys: ``reproduction.n_findings`` (findings judged), ``.n_not_assessed``
    (findings whose site is not in the hand-over), ``.n_reproduced``,
    ``.n_partly``, ``.n_not_reproduced`` (counts), ``.verb`` (``was``/``were``, agreeing with
    ``.n_reproduced``), ``.failed`` (a clause naming every finding that did not
    reproduce on every criterion and why, or saying that none failed) and
    ``reproduction.<finding>.verdict``.
    """
    cfg = F.format_config(fcfg)
    n = {v: sum(r["verdict"] == v for r in rows) for v in ("reproduced", "partly", "not reproduced", NOT_ASSESSED)}
    judged = len(rows) - n[NOT_ASSESSED]
    out = [
        make_record("reproduction.n_findings", judged, F.fmt_int(judged, cfg),
                    "Published executive-summary findings judged (their site in the hand-over)", "findings",
                    rule, output),
        make_record("reproduction.n_not_assessed", n[NOT_ASSESSED], F.fmt_int(n[NOT_ASSESSED], cfg),
                    "Published findings not assessed: their site is not in the hand-over", "findings", rule, output),
        make_record("reproduction.n_reproduced", n["reproduced"], F.fmt_int(n["reproduced"], cfg),
                    "Findings reproduced on every criterion (interval, significance, direction)", "findings",
                    rule, output),
        make_record("reproduction.n_partly", n["partly"], F.fmt_int(n["partly"], cfg),
                    "Findings reproduced on some criteria only", "findings", rule, output),
        make_record("reproduction.n_not_reproduced", n["not reproduced"], F.fmt_int(n["not reproduced"], cfg),
                    "Findings not reproduced", "findings", rule, output),
    ]
    verb = "was" if n["reproduced"] == 1 else "were"
    out.append(make_record("reproduction.verb", verb, verb, "Verb agreeing with the number reproduced", "", rule, output))
    clause = _failed_clause(rows)
    out.append(make_record("reproduction.failed", clause, clause,
                           "The findings that did not reproduce on every criterion, and why", "", rule, output))
    for r in rows:
        shown = f"{r['verdict']} ({r['reason']})" if r.get("reason") else r["verdict"]
        out.append(make_record(f"reproduction.{r['key']}.verdict", r["verdict"], shown,
                               f"Reproduction verdict: {r['finding']}", "", rule, output))
    return out
