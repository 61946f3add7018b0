"""Study-logic and plausibility checks across the raw tables.

Dates in order (referral, baseline, follow-up, withdrawal, questionnaire
interviews, sessions, qualitative interviews), dates inside the study period,
ages at baseline in a plausible range, screening flow totals that add up with
the register, follow-up records with a baseline, and interviews whose group
matches the register their person ID is in. Every check is column-wise; a
date that is not a date was already reported by its type check and is
skipped here, so nothing cascades.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from selfcare.raw.fields import arrow, isin, to_number
from selfcare.raw.problems import Problem
from selfcare.raw.tables import Table

#: Interview groups whose person IDs are in the participants register (the
#: others are in the interviewees register).
REGISTER_GROUPS = {"service_user": "participants"}


def _at(t: Table, bad: Any, col: str, check: str, detail: str = "") -> list[Problem]:
    pos = np.flatnonzero(np.asarray(bad, dtype=bool))
    return [Problem(t.path, int(line), col, check, detail) for line in t.line_array(pos)]


def _dates(t: Table, col: str) -> pd.Series:
    if col not in t.frame.columns:
        return pd.Series(pd.NaT, index=t.frame.index, dtype="datetime64[s]")
    return t.dates(col)


def _by_id(reg: Table, values: pd.Series, ids: pd.Series) -> pd.Series:
    """Look a register column up by study ID (first occurrence of repeated IDs)."""
    if "study_id" not in reg.frame.columns:
        return pd.Series(pd.NaT, index=ids.index, dtype=values.dtype)
    key = reg.frame["study_id"]
    lookup = values[~key.duplicated(keep="first").to_numpy() | key.isna().to_numpy()]
    lookup.index = key[lookup.index].to_numpy()
    lookup = lookup[lookup.index.notna()]
    return pd.Series(lookup.reindex(ids.to_numpy()).to_numpy(), index=ids.index)


def _register_order(reg: Table) -> list[Problem]:
    f = reg.frame
    ref, base, fu, wd = (_dates(reg, c) for c in ("referral_date", "baseline_date", "followup_date", "withdrawal_date"))
    out: list[tuple[int, Problem]] = []
    for bad, col, detail in (
        (ref > base, "referral_date", "referral after baseline"),
        (fu <= base, "followup_date", "follow-up not after baseline"),
        (wd < base, "withdrawal_date", "withdrawal before baseline"),
    ):
        out += [(p.line or 0, p) for p in _at(reg, bad.to_numpy(), col, "date_order", detail)]
    if "withdrawn" in f.columns:
        has_date = f["withdrawal_date"].notna() if "withdrawal_date" in f.columns else pd.Series(False, index=f.index)
        bad = (f["withdrawn"] == "yes").fillna(False).to_numpy() != has_date.to_numpy()
        out += [(p.line or 0, p) for p in _at(reg, bad, "withdrawal_date", "withdrawal")]
    return [p for _, p in sorted(out, key=lambda x: x[0])]


def _linked_order(reg: Table, tables: Mapping[str, Table]) -> list[Problem]:
    out: list[Problem] = []
    base, ref = _dates(reg, "baseline_date"), _dates(reg, "referral_date")
    for name in ("baseline", "followup"):
        t = tables.get(name)
        if t is None or "interview_date" not in t.frame or "study_id" not in t.frame:
            continue
        b = _by_id(reg, base, t.frame["study_id"])
        out += _at(t, (_dates(t, "interview_date") < b).to_numpy(), "interview_date", "date_order",
                   "interview before baseline")
    att = tables.get("attendance")
    if att is not None and "session_date" in att.frame and "study_id" in att.frame:
        r = _by_id(reg, ref, att.frame["study_id"])
        out += _at(att, (_dates(att, "session_date") < r).to_numpy(), "session_date", "date_order",
                   "session before referral")
    iv = tables.get("interviews")
    if iv is not None and {"person_id", "group", "interview_date"} <= set(iv.frame.columns):
        su = (iv.frame["group"] == "service_user").fillna(False).to_numpy()
        r = _by_id(reg, ref, iv.frame["person_id"])
        out += _at(iv, su & (_dates(iv, "interview_date") < r).to_numpy(), "interview_date", "date_order",
                   "interview before referral")
    return out


def _followups(reg: Table, tables: Mapping[str, Table]) -> list[Problem]:
    bl_t, fu_t = tables.get("baseline"), tables.get("followup")
    if fu_t is None or "study_id" not in fu_t.frame or "study_id" not in reg.frame:
        return []
    sid = fu_t.frame["study_id"]
    known = isin(sid, [reg.frame["study_id"]])
    bl_ids = bl_t.frame["study_id"].dropna() if bl_t is not None and "study_id" in bl_t.frame else pd.Series([], dtype=str)
    no_bl = known & ~isin(sid, [bl_ids])
    no_fu = known & _by_id(reg, _dates(reg, "followup_date"), sid).isna().to_numpy()
    out = [(int(line), 0, p) for line, p in zip(fu_t.line_array(np.flatnonzero(no_bl)),
                                              _at(fu_t, no_bl, "study_id", "followup_without_baseline"))]
    out += [(int(line), 1, p) for line, p in zip(fu_t.line_array(np.flatnonzero(no_fu)),
                                               _at(fu_t, no_fu, "study_id", "followup_date_missing"))]
    return [p for *_, p in sorted(out, key=lambda x: (x[0], x[1]))]


def _period(tables: Mapping[str, Table], settings: Mapping[str, Any]) -> list[Problem]:
    period = settings.get("study_period")
    if not period:
        return []
    start = np.datetime64(str(period["start"]), "s")
    end = np.datetime64(str(period["end"]), "s")
    exempt = set(settings.get("period_exempt", []))
    out: list[Problem] = []
    for t in tables.values():
        for f in t.schema["fields"]:
            col = f["name"]
            if f.get("type") != "date" or col in exempt or f"{t.name}.{col}" in exempt or col not in t.frame:
                continue
            d = _dates(t, col)
            out += _at(t, ((d < start) | (d > end)).to_numpy(), col, "study_period",
                       "outside the configured study period")
    return out


def _ages(reg: Table, settings: Mapping[str, Any]) -> list[Problem]:
    rng = settings.get("age")
    if not rng or "date_of_birth" not in reg.frame:
        return []
    dob, base = _dates(reg, "date_of_birth"), _dates(reg, "baseline_date")
    years = base.dt.year - dob.dt.year - ((base.dt.month * 100 + base.dt.day) < (dob.dt.month * 100 + dob.dt.day))
    bad = ((years < rng["min"]) | (years > rng["max"])).fillna(False).to_numpy()
    return _at(reg, bad, "date_of_birth", "age_range", f"allowed {rng['min']} to {rng['max']} years")


def _flow(reg: Table, tables: Mapping[str, Table], failed: set[tuple[str, str | None]]) -> list[Problem]:
    scr = tables.get("screening")
    cols = ("site", "referred", "ineligible", "declined")
    if scr is None or not set(cols) <= set(scr.frame.columns) or any((scr.path, c) in failed for c in cols):
        return []
    n = {c: to_number(arrow(scr.frame[c])) for c in ("referred", "ineligible", "declined")}
    out = _at(scr, n["ineligible"] + n["declined"] > n["referred"], "declined", "flow_total",
              "more people ineligible or declining than referred")
    if "site" in reg.frame.columns and (reg.path, "site") not in failed:
        enrolled = reg.frame["site"].value_counts()
        expected = n["referred"] - n["ineligible"] - n["declined"]
        have = scr.frame["site"].map(enrolled).fillna(0).to_numpy(dtype=float)
        sane = ~np.isnan(expected) & (expected >= 0)
        out += _at(scr, sane & (have != expected), "referred", "flow_total",
                   "referred minus ineligible minus declined is not the number in the register")
        missing = sorted(set(reg.frame["site"].dropna()) - set(scr.frame["site"].dropna()))
        out += [Problem(scr.path, None, "site", "flow_total", "a site of the register has no screening row")
                for _ in missing[:1]]
    return out


def _interview_groups(tables: Mapping[str, Table], failed: set[tuple[str, str | None]]) -> list[Problem]:
    iv, reg, people = tables.get("interviews"), tables.get("participants"), tables.get("interviewees")
    if iv is None or reg is None or people is None or not {"person_id", "group"} <= set(iv.frame.columns):
        return []
    if (iv.path, "group") in failed or (people.path, "group") in failed:
        return []  # a group that is not a group was reported by its own check
    pid, group = iv.frame["person_id"], iv.frame["group"]
    in_reg = isin(pid, [reg.frame["study_id"]]) if "study_id" in reg.frame else np.zeros(len(pid), bool)
    in_people = isin(pid, [people.frame["person_id"]]) if "person_id" in people.frame else np.zeros(len(pid), bool)
    su = (group == "service_user").fillna(False).to_numpy()
    known = group.notna().to_numpy()
    bad = known & ((su & ~in_reg & in_people) | (~su & in_reg & ~in_people))
    if "group" in people.frame and "person_id" in people.frame:
        lookup = people.frame.drop_duplicates("person_id").set_index("person_id")["group"]
        their = pid.map(lookup)
        bad |= known & ~su & in_people & their.notna().to_numpy() & (their != group).fillna(False).to_numpy()
    return _at(iv, bad, "person_id", "interview_group", "the person ID is in another group's register")


def check_study_logic(
    tables: Mapping[str, Table], settings: Mapping[str, Any] | None = None, failed: set[tuple[str, str | None]] | None = None
) -> list[Problem]:
    """Every cross-table and plausibility check; a missing table skips its checks.

    Parameters
    ----------
    tables : mapping
        Resource name -> parsed table (tables that failed to load are absent).
    settings : mapping, optional
        ``config["validation"]``: ``study_period`` (start, end), ``period_exempt``
        (date columns not bound to the period), ``age`` (min, max years).
    failed : set, optional
        (file, column) pairs that already failed a check: cross-table checks
        that read them are skipped, so one bad value is reported once.
    """
    settings, failed = settings or {}, failed or set()
    out = _period(tables, settings)
    reg = tables.get("participants")
    if reg is not None:
        out += _register_order(reg) + _ages(reg, settings) + _followups(reg, tables)
        out += _linked_order(reg, tables) + _flow(reg, tables, failed)
    return out + _interview_groups(tables, failed)
