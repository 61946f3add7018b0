"""Qualitative analysis tables from a coded REFI-QDA project (framework method).

The steps follow the charting stage of framework analysis (Gale et al. 2013):
coded passages are indexed against the thematic framework, counted per theme
and sub-code, charted as a participant x theme matrix, and illustrated with
quotations from interviewees who agreed to be quoted.

Everything here is pure: the project comes from :func:`selfcare.refiqda.archive.read_qdpx`
and the tables go back to a script that writes them with :mod:`selfcare.core.io`.

Data problems and the policy
----------------------------
:func:`coded_segments` checks the coding against the framework and the
interview register. What happens with each kind of problem is set by the
``policy`` mapping (``config``), each key ``"error"`` (stop with
:class:`QualDataError`) or ``"exclude"`` (drop and record in the exclusions
table):

``unknown_code``
    a CodeRef to a GUID that is not in the project's code book, or to a code
    that cannot be matched to the framework;
``span_out_of_range``
    ``start < 0``, ``end > len(text)`` or ``start >= end``;
``overlapping_spans``
    two selections of one source coded with the same code overlap; besides
    ``"error"`` and ``"exclude"`` this one allows ``"merge"``;
``source_without_participant``
    a source whose name is not an ``interview_id`` of the register;
``theme_level_code`` (optional, default ``"error"``)
    a CodeRef to a theme rather than a sub-code (themes are not codable).
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from selfcare.refiqda.model import (
    Project,
    Selection,
    TextSource,
    code_guid,
    iter_codes,
    parse_framework,
)

#: Stakeholder groups of the interviews, in reporting order.
GROUPS = ("service_user", "carer", "staff", "manager")

#: Label of the margin (all groups / all sites / all codes of a theme).
ALL = "all"

INTERVIEW_COLUMNS = ("interview_id", "pid", "group", "site", "timepoint", "consent_quotes")

SEGMENT_COLUMNS = [
    "source_guid",
    "selection_guid",
    "interview_id",
    "pid",
    "group",
    "site",
    "timepoint",
    "theme",
    "code",
    "code_path",
    "start",
    "end",
]

EXCLUSION_COLUMNS = ["reason", "action", "source_guid", "interview_id", "selection_guid", "count"]

POLICY_KEYS = {
    "unknown_code": ("error", "exclude"),
    "span_out_of_range": ("error", "exclude"),
    "overlapping_spans": ("error", "exclude", "merge"),
    "source_without_participant": ("error", "exclude"),
    "theme_level_code": ("error", "exclude"),
}
_OPTIONAL_POLICY = {"theme_level_code": "error"}

QUOTE_COLUMNS = ["theme", "code", "pid", "group", "site", "interview_id", "start", "end", "quote"]

ELLIPSIS = "\u2026"


class QualDataError(ValueError):
    """The coded project does not fit the framework or the interview register."""


# --------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------


def _check_policy(policy: Mapping[str, Any]) -> dict[str, str]:
    unknown = sorted(set(policy) - set(POLICY_KEYS))
    if unknown:
        raise ValueError(f"qualitative policy: unknown key(s) {unknown}")
    out: dict[str, str] = {}
    for key, allowed in POLICY_KEYS.items():
        if key not in policy and key not in _OPTIONAL_POLICY:
            raise ValueError(f"qualitative policy: key '{key}' is missing (one of {list(allowed)})")
        value = policy.get(key, _OPTIONAL_POLICY.get(key))
        if value not in allowed:
            raise ValueError(f"qualitative policy: '{key}' must be one of {list(allowed)}")
        out[key] = value
    return out


def is_blank(value: Any) -> bool:
    """Whether a cell is missing or only white space."""
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def check_interviews(interviews: pd.DataFrame) -> pd.DataFrame:
    """Check the interview register and return a clean copy.

    Parameters
    ----------
    interviews : pandas.DataFrame
        One row per interview with columns ``interview_id``, ``pid``,
        ``group`` (``service_user``, ``carer``, ``staff``, ``manager``),
        ``site``, ``timepoint`` (may be blank) and ``consent_quotes``
        (``yes``/``no``, case-insensitive).

    Returns
    -------
    pandas.DataFrame
        The six columns as strings (blank ``timepoint`` as ``""``,
        ``consent_quotes`` lower-cased), indexed by ``interview_id``.

    Raises
    ------
    ValueError
        If a column is missing, a required cell is blank, a value is not
        allowed or an ``interview_id`` repeats; the message names the column
        and the row (0-based position), never the value.
    """
    missing = [c for c in INTERVIEW_COLUMNS if c not in interviews.columns]
    if missing:
        raise ValueError(f"interviews: missing column(s) {missing}")
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for pos, rec in enumerate(interviews[list(INTERVIEW_COLUMNS)].to_dict("records")):
        row: dict[str, str] = {}
        for col in INTERVIEW_COLUMNS:
            value = rec[col]
            if is_blank(value):
                if col == "timepoint":
                    row[col] = ""
                    continue
                raise ValueError(f"interviews: row {pos}, column '{col}' is blank")
            row[col] = str(value).strip()
        row["consent_quotes"] = row["consent_quotes"].lower()
        if row["consent_quotes"] not in {"yes", "no"}:
            raise ValueError(f"interviews: row {pos}, column 'consent_quotes' must be yes or no")
        if row["group"] not in GROUPS:
            raise ValueError(f"interviews: row {pos}, column 'group' must be one of {list(GROUPS)}")
        if row["interview_id"] in seen:
            raise ValueError(f"interviews: row {pos}, column 'interview_id' repeats an earlier row")
        seen.add(row["interview_id"])
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(INTERVIEW_COLUMNS)).astype(str)
    return out.set_index("interview_id", drop=False)


def _code_map(
    project: Project, fw: dict[str, dict[str, Any]]
) -> dict[str, tuple[str, str | None] | None]:
    """Map each code GUID of the project to ``(theme, code or None)``.

    A code is matched by its deterministic GUID first, then by name (key or
    label) in the theme/sub-code hierarchy. Unmatched codes map to ``None``.
    """
    by_guid: dict[str, tuple[str, str | None]] = {}
    for theme, spec in fw.items():
        by_guid[code_guid(theme).lower()] = (theme, None)
        for code in spec["codes"]:
            by_guid[code_guid(f"{theme}/{code}").lower()] = (theme, code)

    def theme_by_name(name: str) -> str | None:
        for theme, spec in fw.items():
            if name in (theme, spec["label"]):
                return theme
        return None

    def code_by_name(theme: str, name: str) -> str | None:
        for code, cspec in fw[theme]["codes"].items():
            if name in (code, cspec["label"]):
                return code
        return None

    out: dict[str, tuple[str, str | None] | None] = {}
    resolved: dict[int, tuple[str, str | None] | None] = {}
    for code, parent in iter_codes(project.codes):
        key = _norm_guid(code.guid)
        match = by_guid.get(key)
        if match is None:
            if parent is None:
                theme = theme_by_name(code.name)
                match = (theme, None) if theme else None
            else:
                parent_match = resolved.get(id(parent))
                if parent_match is not None and parent_match[1] is None:
                    sub = code_by_name(parent_match[0], code.name)
                    match = (parent_match[0], sub) if sub else None
        resolved[id(code)] = match
        if key in out:
            raise QualDataError(f"code book: code GUID {code.guid} is used twice")
        out[key] = match
    return out


def _norm_guid(guid: str) -> str:
    return guid.strip().strip("{}").lower()


# --------------------------------------------------------------------------
# coded segments
# --------------------------------------------------------------------------


class _Problems:
    """Apply the policy to data problems and collect the exclusions table's rows.

    Parameters
    ----------
    policy : dict of str to str
        The checked policy (see :func:`_check_policy`).
    """

    def __init__(self, policy: dict[str, str]) -> None:
        self.policy = policy
        self.rows: list[dict[str, Any]] = []

    def handle(
        self, problem: str, message: str, source: TextSource, selection: str, count: int
    ) -> None:
        """Raise :class:`QualDataError` if ``problem``'s policy is ``"error"``, else record it.

        Parameters
        ----------
        problem : str
            Policy key of the problem.
        message : str
            What went wrong (names GUIDs and IDs, never the text).
        source : TextSource
            The source concerned.
        selection : str
            GUID of the selection concerned, ``""`` for a whole source.
        count : int
            Number of code references dropped.
        """
        if self.policy[problem] == "error":
            raise QualDataError(f"{message} (policy {problem}: error)")
        self.rows.append(
            {
                "reason": problem,
                "action": "excluded",
                "source_guid": source.guid,
                "interview_id": source.name,
                "selection_guid": selection,
                "count": count,
            }
        )


def _participant(
    source: TextSource,
    where: str,
    register: pd.DataFrame,
    seen_names: dict[str, str],
    problems: _Problems,
) -> pd.Series | None:
    """The register row of a source's interview, or ``None`` when the source is dropped.

    Fails when two sources share a name; ``seen_names`` (name -> source GUID)
    is updated here.
    """
    if source.name in seen_names:
        raise QualDataError(
            f"{where}: another source ({seen_names[source.name]}) has the same name"
        )
    seen_names[source.name] = source.guid
    if source.name not in register.index:
        problems.handle(
            "source_without_participant",
            f"{where}: the source name is not an interview_id of the interview register",
            source,
            "",
            sum(len(sel.code_guids) for sel in source.selections),
        )
        return None
    return register.loc[source.name]


def _span_ok(source: TextSource, sel: Selection, swhere: str, problems: _Problems) -> bool:
    """Whether a selection's span is a non-empty range inside the source's text."""
    length = len(source.text)
    if sel.start < 0 or sel.end > length or sel.start >= sel.end:
        problems.handle(
            "span_out_of_range",
            f"{swhere}: span [{sel.start}, {sel.end}) is not inside the text "
            f"of {length} characters or is empty",
            source,
            sel.guid,
            len(sel.code_guids),
        )
        return False
    return True


def _sub_code(
    target: str,
    codes: dict[str, tuple[str, str | None] | None],
    swhere: str,
    source: TextSource,
    sel: Selection,
    problems: _Problems,
) -> tuple[str, str] | None:
    """``(theme, sub-code)`` of a CodeRef, or ``None`` when the reference is dropped."""
    key = _norm_guid(target)
    if key not in codes:
        problems.handle(
            "unknown_code",
            f"{swhere}: CodeRef {target} is not in the code book",
            source,
            sel.guid,
            1,
        )
        return None
    match = codes[key]
    if match is None:
        problems.handle(
            "unknown_code",
            f"{swhere}: code {target} does not match any theme or sub-code "
            "of the framework",
            source,
            sel.guid,
            1,
        )
        return None
    theme, code = match
    if code is None:
        problems.handle(
            "theme_level_code",
            f"{swhere}: CodeRef {target} is a theme; passages are coded with sub-codes",
            source,
            sel.guid,
            1,
        )
        return None
    return theme, code


def _segment_row(
    source: TextSource, sel: Selection, person: pd.Series, theme: str, code: str
) -> dict[str, Any]:
    """One row of the segments table (columns :data:`SEGMENT_COLUMNS`)."""
    return {
        "source_guid": source.guid,
        "selection_guid": sel.guid,
        "interview_id": source.name,
        "pid": person["pid"],
        "group": person["group"],
        "site": person["site"],
        "timepoint": person["timepoint"],
        "theme": theme,
        "code": code,
        "code_path": f"{theme}/{code}",
        "start": int(sel.start),
        "end": int(sel.end),
    }


def _source_rows(
    source: TextSource,
    where: str,
    person: pd.Series,
    codes: dict[str, tuple[str, str | None] | None],
    problems: _Problems,
) -> list[dict[str, Any]]:
    """Candidate segment rows of one source, selections in order of position."""
    rows: list[dict[str, Any]] = []
    for sel in sorted(source.selections, key=lambda s: (s.start, s.end, s.guid)):
        swhere = f"{where}, selection {sel.guid}"
        if not _span_ok(source, sel, swhere, problems):
            continue
        for target in sel.code_guids:
            match = _sub_code(target, codes, swhere, source, sel, problems)
            if match is not None:
                rows.append(_segment_row(source, sel, person, *match))
    return rows


def _tables(
    kept: list[dict[str, Any]], exclusions: list[dict[str, Any]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sorted segments table and the exclusions table, with integer columns."""
    segments = pd.DataFrame(kept, columns=SEGMENT_COLUMNS)
    segments = segments.sort_values(
        ["interview_id", "start", "end", "code_path", "selection_guid"], kind="mergesort"
    ).reset_index(drop=True)
    segments[["start", "end"]] = segments[["start", "end"]].astype("int64")
    excl = pd.DataFrame(exclusions, columns=EXCLUSION_COLUMNS)
    excl["count"] = excl["count"].astype("int64")
    return segments, excl


def coded_segments(
    project: Project,
    interviews: pd.DataFrame,
    framework: Mapping[str, Any],
    policy: Mapping[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn the project's codings into one row per coded passage and code.

    Parameters
    ----------
    project : Project
        The coded project; a source's ``name`` is its ``interview_id``.
    interviews : pandas.DataFrame
        The interview register (see :func:`check_interviews`).
    framework : mapping
        The coding framework (``config/framework.yaml``).
    policy : mapping
        What to do with each data problem: keys ``unknown_code``,
        ``span_out_of_range``, ``source_without_participant`` (``"error"`` or
        ``"exclude"``), ``overlapping_spans`` (``"error"``, ``"exclude"`` or
        ``"merge"``) and optionally ``theme_level_code`` (default
        ``"error"``). See the module notes.

    Returns
    -------
    segments : pandas.DataFrame
        Columns ``source_guid, selection_guid, interview_id, pid, group,
        site, timepoint, theme, code, code_path, start, end``; one row per
        (selection, sub-code), sorted by interview, position and code.
    exclusions : pandas.DataFrame
        Columns ``reason, action, source_guid, interview_id, selection_guid,
        count``: one row per problem handled without an error; ``count`` is
        the number of code references dropped (or merged away);
        ``selection_guid`` is empty when a whole source is dropped.

    Raises
    ------
    QualDataError
        For a problem whose policy is ``"error"``, or for two sources with
        the same name; the message names the source GUID, the interview ID
        and the selection GUID(s), never the text.
    ValueError
        If the policy, the framework or the register is malformed.

    Notes
    -----
    With ``overlapping_spans: exclude`` the passages of one code in one
    source are taken in order of start (then end, then GUID) and a passage
    is dropped when it overlaps one already kept. With ``merge`` every run
    of overlapping passages becomes one passage from the first start to the
    last end, carrying the first selection's GUID. Touching passages
    (one ends where the next starts) do not overlap.
    """
    problems = _Problems(_check_policy(policy))
    fw = parse_framework(framework)
    register = check_interviews(interviews)
    codes = _code_map(project, fw)
    candidates: list[dict[str, Any]] = []
    seen_names: dict[str, str] = {}
    for source in sorted(project.sources, key=lambda s: (s.name, s.guid)):
        where = f"source {source.guid} (interview {source.name})"
        person = _participant(source, where, register, seen_names, problems)
        if person is not None:
            candidates.extend(_source_rows(source, where, person, codes, problems))
    kept = _resolve_overlaps(candidates, problems.policy["overlapping_spans"], problems.rows)
    return _tables(kept, problems.rows)


def _resolve_overlaps(
    candidates: list[dict[str, Any]], mode: str, exclusions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for cand in candidates:
        groups.setdefault((cand["source_guid"], cand["code_path"]), []).append(cand)
    kept: list[dict[str, Any]] = []
    for (src, path), items in sorted(groups.items()):
        items.sort(key=lambda c: (c["start"], c["end"], c["selection_guid"]))
        current: dict[str, Any] | None = None
        for item in items:
            if current is None or item["start"] >= current["end"]:
                current = dict(item)
                kept.append(current)
                continue
            where = (
                f"source {src} (interview {item['interview_id']}), code {path}: "
                f"selections {current['selection_guid']} and {item['selection_guid']} overlap"
            )
            if mode == "error":
                raise QualDataError(f"{where} (policy overlapping_spans: error)")
            exclusions.append(
                {
                    "reason": "overlapping_spans",
                    "action": "merged" if mode == "merge" else "excluded",
                    "source_guid": src,
                    "interview_id": item["interview_id"],
                    "selection_guid": item["selection_guid"],
                    "count": 1,
                }
            )
            if mode == "merge":
                current["end"] = max(current["end"], item["end"])
    return kept
