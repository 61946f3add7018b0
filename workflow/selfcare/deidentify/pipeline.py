"""The de-identification stage: the only code that reads identifiable raw data.

:func:`deidentify` turns the validated raw tables, transcripts and REFI-QDA
export into de-identified outputs:

* every raw column is handled as the allow-list says
  (``workflow/schemas/deid_allowlist.yaml``); an unlisted column stops the
  stage;
* people are replaced by keyed pseudonyms (HMAC-SHA256; :mod:`selfcare.deidentify`),
  the same in every file;
* date of birth becomes age at baseline and an age band; calendar dates
  become days since the participant's baseline; postcodes are dropped or
  reduced to the district;
* transcripts are scrubbed of every name in the registers (and their
  variants), names beyond the registers (gazetteer, titles, roles), NHS
  numbers, postcodes, phone numbers, e-mails, dates, URLs, addresses, wards,
  hospitals and configured places; words it cannot place wait for a data
  steward's decision (:mod:`selfcare.deidentify.review`); the coding is moved
  onto the scrubbed text;
* participants who withdrew consent to data use are excluded (counted);
* a released participant-level table is generalised until it is k-anonymous.

No mapping from pseudonym back to identity is ever returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Mapping

import pandas as pd

from selfcare.deidentify.generalise import (
    age_at,
    age_band,
    days_between,
    enforce_k,
    postcode_district,
    smallest_class,
)
from selfcare.deidentify.keys import pseudonym
from selfcare.deidentify.lexicon import load_lexicon
from selfcare.deidentify.names import NameMatcher, build_name_matcher
from selfcare.deidentify.review import check_reviewed, decided_words, review_items
from selfcare.deidentify.scrub import scrub_text
from selfcare.raw.corrections import apply_corrections
from selfcare.refiqda.archive import read_qdpx, write_qdpx
from selfcare.refiqda.model import Code, Project, User

#: The name given to the scrubbed REFI-QDA project (the raw name is free text).
PROJECT_NAME = "selfcare coding (de-identified)"
#: Every free-text field of the hand-over and what de-identification does with
#: it (also written into the de-identification report).
FREE_TEXT = {
    "transcripts (REFI-QDA source text)": "scrubbed (names, identifiers, places -> [TYPE])",
    "REFI-QDA code descriptions": "scrubbed like transcripts",
    "REFI-QDA project name and description": "replaced by a fixed text",
    "REFI-QDA selection names": "dropped",
    "REFI-QDA user names": "replaced by 'coder <n>'",
    "REFI-QDA memos (Notes), source descriptions, links, sets, graphs": "dropped (not read)",
    "corrections.csv reason (and new_value)": "dropped (applied before de-identification; the report keeps id, file, column)",
    "free-text columns of the raw tables": "per the allow-list: interviewees.role dropped; an unlisted column stops the stage",
}
#: Where the review rule writes the words left for a data steward (hashes only).
REVIEW_FILE = "results/deid/review/review_items.csv"
PERSON_KIND = "study_id"  # study-assigned person codes (participants and interviewees)
PSEUDONYM_PREFIX = "P"


class AllowListError(ValueError):
    """A raw column is not in the de-identification allow-list."""


def check_allowlist(tables: Mapping[str, pd.DataFrame], allowlist: Mapping[str, Mapping[str, str]], items: set[str]) -> None:
    """Refuse any raw column that the allow-list does not name.

    Parameters
    ----------
    tables : mapping
        Raw table name -> frame.
    allowlist : mapping
        Table -> column -> action.
    items : set of str
        Questionnaire item codes (allowed where the allow-list has ``*items*``).

    Raises
    ------
    AllowListError
        Naming the table and column (never a value).
    """
    problems = []
    for name, frame in tables.items():
        allowed = allowlist.get(name)
        if allowed is None:
            problems.append(f"table '{name}' has no entry in the allow-list")
            continue
        for col in frame.columns:
            if col in allowed:
                continue
            if "*items*" in allowed and col in items:
                continue
            problems.append(f"{name}.csv: column '{col}' is not in the de-identification allow-list")
    if problems:
        raise AllowListError(
            "rule deidentify: " + "; ".join(problems)
            + " (add the column to workflow/schemas/deid_allowlist.yaml with keep/drop/... to release it)"
        )


def _date(v: Any) -> dt.date | None:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA or v == "":
        return None
    return dt.date.fromisoformat(str(v))


def _pseudonyms(values: pd.Series, key: bytes) -> list[Any]:
    """Keyed pseudonym of each value (``pd.NA`` when missing); each distinct value keyed once."""
    distinct = {v: pseudonym(v, key, PERSON_KIND, PSEUDONYM_PREFIX) for v in pd.unique(values.dropna())}
    return [distinct[v] if pd.notna(v) else pd.NA for v in values.tolist()]


def _days_since_baseline(ids: Any, values: pd.Series, baseline_of: Mapping[str, dt.date | None]) -> list[Any]:
    """Days from each row's baseline to its date (``pd.NA`` when either is missing);
    each distinct date text parsed once."""
    parsed = {v: _date(v) for v in pd.unique(values.dropna()) if isinstance(v, str)}
    out: list[Any] = []
    for i, v in zip(list(ids), values.tolist()):
        d = parsed[v] if isinstance(v, str) else _date(v)
        b = baseline_of.get(i)
        out.append(days_between(b, d) if d and b else pd.NA)
    return out


def _transform(
    name: str,
    frame: pd.DataFrame,
    allow: Mapping[str, str],
    key: bytes,
    baseline_of: Mapping[str, dt.date | None],
    cfg: Mapping[str, Any],
    counts: dict[str, dict[str, int]],
) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    tally = counts.setdefault(name, {})
    id_col = next((c for c, a in allow.items() if a == "pseudonym"), None)
    for col in frame.columns:
        action = allow.get(col) or ("items" if "*items*" in allow else None)
        if action is None:  # check_allowlist refuses this first; never fail open
            raise AllowListError(f"rule deidentify: {name}.csv column '{col}' is not in the allow-list")
        values = frame[col]
        present = int(values.notna().sum())
        if action in ("keep", "items"):
            out[col] = values
        elif action == "drop":
            tally[f"{col} (dropped)"] = present
        elif action == "pseudonym":
            out.insert(0, "pid", _pseudonyms(values, key))
            tally[f"{col} (pseudonymised)"] = present
        elif action in ("days", "baseline"):
            ids = frame[id_col] if id_col else pd.Series([None] * len(frame), index=frame.index)
            newcol = "days_" + col.removesuffix("_date") if col.endswith("_date") else f"days_{col}"
            out[newcol] = _days_since_baseline(ids, values, baseline_of)
            out[newcol] = out[newcol].astype("Int64")
            tally[f"{col} (date -> days since baseline)"] = present
        elif action == "age":
            ids = frame[id_col]
            ages = [
                age_at(_date(v), baseline_of[i]) if _date(v) and baseline_of.get(i) else pd.NA
                for i, v in zip(ids, values)
            ]
            out["age"] = pd.array(ages, dtype="Int64")
            out["age_band"] = [age_band(a if a is not pd.NA else None, list(cfg["age_bands"])) for a in ages]
            tally[f"{col} (date of birth -> age, age band)"] = present
        elif action == "postcode":
            if cfg["postcode"] == "district":
                out["postcode_district"] = [postcode_district(v) if pd.notna(v) else pd.NA for v in values]
                tally[f"{col} (reduced to district)"] = present
            else:
                tally[f"{col} (dropped)"] = present
        else:
            raise AllowListError(f"rule deidentify: unknown allow-list action '{action}' for {name}.{col}")
    return out


def scrub_project(
    project: Project, matcher: NameMatcher, places: list[str]
) -> tuple[Project, dict[str, dict[str, int]], dict[str, str]]:
    """Scrub every source of a REFI-QDA project and move its codings.

    Returns
    -------
    project : Project
        Same codes; sources with scrubbed text and remapped selections;
        users renamed to neutral roles.
    counts : dict
        Source name -> placeholder type -> replacements.
    texts : dict
        Source name -> scrubbed text.
    """
    sources = []
    counts: dict[str, dict[str, int]] = {}
    texts: dict[str, str] = {}
    for src in project.sources:
        res = scrub_text(src.text, matcher, places)
        sels = []
        for sel in src.selections:
            a, b = res.map_span(sel.start, sel.end)
            # selection names can hold excerpt text in real exports: never copied
            sels.append(replace(sel, start=a, end=b, name=""))
        sources.append(replace(src, text=res.text, selections=sels))
        counts[src.name] = dict(res.counts)
        texts[src.name] = res.text
    users = [User(guid=u.guid, name=f"coder {i}") for i, u in enumerate(project.users, 1)]
    codes = [_scrub_code(c, matcher, places) for c in project.codes]
    # The project's name and description are free text (a coder may name a
    # person or a Trust): replaced. Memos (Notes), source descriptions and
    # links are not read by refiqda.model, so they never reach the output.
    return replace(
        project, name=PROJECT_NAME, codes=codes, sources=sources, users=users,
        description="De-identified coding export",
    ), counts, texts


def _scrub_code(code: Code, matcher: NameMatcher, places: list[str]) -> Code:
    """A code with its description (free text, may quote a transcript) scrubbed, recursively."""
    desc = scrub_text(code.description, matcher, places).text if code.description else code.description
    return replace(code, description=desc, children=[_scrub_code(c, matcher, places) for c in code.children])


def register_names(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Full names in the participant and interviewee registers.

    Called on the tables as handed over AND after the documented corrections,
    so that a name's spelling before a correction (which may still stand in
    a transcript) is scrubbed as well as the corrected one.
    """
    return [
        v for t in ("participants", "interviewees") if t in tables and "full_name" in tables[t]
        for v in tables[t]["full_name"].dropna()
    ]


def _corrected(
    tables: Mapping[str, pd.DataFrame], primary_keys: Mapping[str, list[str]] | None
) -> tuple[dict[str, pd.DataFrame], list[dict[str, Any]]]:
    """The raw tables with the documented corrections applied, and what was
    corrected (id, file and column: not why or to what)."""
    if "corrections" not in tables:
        return dict(tables), []
    fixed, trail = apply_corrections(
        {k: v for k, v in tables.items() if k != "corrections"}, tables["corrections"], primary_keys or {}
    )
    return fixed, [{k: e[k] for k in ("correction_id", "file", "column")} for e in trail]


def review_transcripts(
    tables: Mapping[str, pd.DataFrame],
    qdpx_members: Mapping[str, bytes],
    xsd_text: str,
    cfg: Mapping[str, Any],
    key: bytes,
    decisions: Mapping[str, str],
    primary_keys: Mapping[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """The words of every transcript left for a data steward's review.

    Parameters
    ----------
    tables, qdpx_members, xsd_text, cfg, key, primary_keys
        As for :func:`deidentify`.
    decisions : mapping
        Review hash -> ``keep`` or ``redact`` (the decisions file).

    Returns
    -------
    list of dict
        Rows of the review file (:data:`selfcare.deidentify.review.REVIEW_COLUMNS`):
        keyed hashes and positions, no clear text.
    """
    names = register_names(tables)
    fixed, _ = _corrected(tables, primary_keys)
    names += register_names(fixed)
    project = read_qdpx(qdpx_members, xsd_text)
    rows, _ = _reviewed(names, project, cfg, key, decisions)
    return rows


def _review_texts(project: Project) -> dict[str, str]:
    """Every free text the stage scrubs: transcripts, then code descriptions."""
    texts = {s.name: s.text for s in project.sources}
    stack = list(project.codes)
    i = 0
    while stack:
        code = stack.pop(0)
        stack[:0] = list(code.children)
        if code.description:
            i += 1
            texts[f"code description {i}"] = code.description
    return texts


def _reviewed(
    names: list[str], project: Project, cfg: Mapping[str, Any], key: bytes, decisions: Mapping[str, str] | None,
) -> tuple[list[dict[str, Any]], NameMatcher]:
    """Review rows and the matcher with the decisions, to a fixed point.

    A decision can leave a word alone that a name beside it had covered
    ("my daughter Rose Okafor" with Rose kept leaves Okafor): the words are
    listed again with the decisions applied until nothing new appears, so
    every word the final scrub is unsure of is in the review file.
    """
    lexicon = load_lexicon()
    stop, places = set(cfg.get("stopwords", [])), list(cfg.get("places", []))
    texts = _review_texts(project)
    matcher = build_name_matcher(names, stop, lexicon)
    rows = review_items(texts, matcher, places, key, decisions)
    seen = {(r["source"], r["start"], r["end"]) for r in rows}
    for _ in range(10):
        redact, keep = decided_words(texts, rows)
        matcher = build_name_matcher(names, stop, lexicon, redact, keep)
        new = [r for r in review_items(texts, matcher, places, key, decisions)
               if (r["source"], r["start"], r["end"]) not in seen]
        if not new:
            break
        rows += new
        seen |= {(r["source"], r["start"], r["end"]) for r in new}
    return rows, matcher


def _transcript_matcher(
    names: list[str], project: Project, cfg: Mapping[str, Any], key: bytes,
    decisions: Mapping[str, str] | None,
) -> tuple[NameMatcher, dict[str, int]]:
    """The matcher with the steward's decisions; stops while any is missing."""
    rows, matcher = _reviewed(names, project, cfg, key, decisions)
    check_reviewed(rows, REVIEW_FILE, str(cfg.get("review_decisions")))
    tally = {d: sum(r["decision"] == d for r in rows) for d in ("keep", "redact")}
    return matcher, {"occurrences": len(rows), **tally}


def deidentify(
    tables: Mapping[str, pd.DataFrame],
    qdpx_members: Mapping[str, bytes],
    xsd_text: str,
    allowlist: Mapping[str, Mapping[str, str]],
    measures: Mapping[str, Any],
    cfg: Mapping[str, Any],
    key: bytes,
    primary_keys: Mapping[str, list[str]] | None = None,
    decisions: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run the whole de-identification stage on validated raw data.

    Parameters
    ----------
    tables : mapping
        Raw table name -> frame of strings (``participants``, ``demographics``,
        ``baseline``, ``followup``, ``attendance``, ``interviewees``,
        ``interviews``, ``screening``, ``survey``).
    qdpx_members : mapping
        Members of the raw REFI-QDA export.
    xsd_text : str
        REFI-QDA project schema (the export is validated against it).
    allowlist : mapping
        ``workflow/schemas/deid_allowlist.yaml``.
    measures : mapping
        ``config/measures.yaml`` (item codes are released).
    cfg : mapping
        The ``deidentify`` section of ``config/config.yaml``.
    key : bytes
        Pseudonymisation key.
    primary_keys : mapping, optional
        Resource -> primary key columns (codebook); needed when ``tables``
        holds a ``corrections`` table, which is applied first and not output.
    decisions : mapping, optional
        Review hash -> ``keep`` or ``redact``: the data steward's decisions
        on the words the scrubber could not place. Any such word without a
        decision stops the stage (:class:`~selfcare.deidentify.review.ReviewPending`).

    Returns
    -------
    dict
        ``tables`` (name -> de-identified frame), ``qdpx`` (members of the
        scrubbed export), ``release`` (k-anonymous participant table),
        ``report`` (counts only).
    """
    items = {i for m in measures["measures"].values() for i in m["items"]}
    tables = dict(tables)
    names = register_names(tables)  # before corrections: see register_names
    tables, corrections_log = _corrected(tables, primary_keys)
    check_allowlist(tables, allowlist, items)
    reg = tables["participants"]
    excluded = reg["consent_data"] != "yes"
    keep_ids = set(reg.loc[~excluded, "study_id"])
    by_site = reg.loc[excluded].groupby("site").size()
    exclusions = {"consent_to_data_use_withdrawn": {str(k): int(v) for k, v in sorted(by_site.items())}}
    baseline_of = {sid: _date(b) for sid, b in zip(reg["study_id"], reg["baseline_date"])}
    counts: dict[str, dict[str, int]] = {}
    out: dict[str, pd.DataFrame] = {}
    for name, frame in tables.items():
        allow = allowlist[name]
        id_col = next((c for c, a in allow.items() if a == "pseudonym"), None)
        if id_col and name not in ("interviewees", "interviews"):
            frame = frame[frame[id_col].isin(keep_ids)]
        if name == "interviews":
            is_su = frame["group"] == "service_user"
            frame = frame[~is_su | frame["person_id"].isin(keep_ids)]
        out[name] = _transform(name, frame.reset_index(drop=True), allow, key, baseline_of, cfg, counts)

    # Transcripts, through the REFI-QDA project (the coding moves with the text).
    names += register_names(tables)
    project = read_qdpx(qdpx_members, xsd_text)
    dropped_iv = set(tables["interviews"]["interview_id"]) - set(out["interviews"]["interview_id"])
    project = replace(project, sources=[s for s in project.sources if s.name not in dropped_iv])
    matcher, reviewed = _transcript_matcher(names, project, cfg, key, decisions)
    scrubbed, tx_counts, texts = scrub_project(project, matcher, list(cfg.get("places", [])))
    qdpx = write_qdpx(scrubbed)

    # Released participant-level table with disclosure control: only the
    # configured quasi-identifiers are released (no pseudonym, so the release
    # cannot be linked back to the other outputs), generalised until every
    # combination of them is shared by at least k people.
    part = out["participants"].merge(out["demographics"], on="pid", how="left")
    disc = cfg["disclosure"]
    qi = list(disc["quasi_identifiers"])
    k_before = smallest_class(part, qi)
    release, steps = enforce_k(part[qi], qi, int(disc["k"]), list(disc["steps"]))
    k_after = smallest_class(release, qi)
    release = release.astype(str).sort_values(qi).reset_index(drop=True)

    totals: dict[str, int] = {}
    for c in tx_counts.values():
        for t, n in c.items():
            totals[t] = totals.get(t, 0) + int(n)
    report = {
        "structured": counts,
        "transcripts": {"sources": len(tx_counts), "replacements_by_type": dict(sorted(totals.items())),
                        "review": reviewed},
        "excluded_participants": exclusions,
        "corrections_applied": corrections_log,
        "disclosure": {
            "quasi_identifiers": qi,
            "k_required": int(disc["k"]),
            "k_before": int(k_before),
            "k_after": int(k_after),
            "k_reached": bool(k_after >= int(disc["k"])),
            "steps": steps,
        },
        "pseudonyms": "HMAC-SHA256, keyed; no lookup table written",
        "free_text": FREE_TEXT,
    }
    return {"tables": out, "qdpx": qdpx, "texts": texts, "release": release, "report": report}
