"""Quotations for the report: passages trimmed at sentence bounds, chosen with a
stable order, only from interviewees who consented to be quoted.
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping

import pandas as pd

from selfcare.qualitative.segments import ELLIPSIS, QUOTE_COLUMNS, check_interviews
from selfcare.refiqda.model import parse_framework

# --------------------------------------------------------------------------
# quotations
# --------------------------------------------------------------------------


def _stable_rank(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def trim_quote(text: str, max_chars: int) -> str:
    """Normalise whitespace and shorten a passage at a word boundary.

    Parameters
    ----------
    text : str
        The passage.
    max_chars : int
        Largest length of the result, ellipsis included (at least 2).

    Returns
    -------
    str
        The passage with runs of whitespace folded to one space; when longer
        than ``max_chars``, cut after the last whole word that fits and ended
        with an ellipsis (``\u2026``).
    """
    if max_chars < 2:
        raise ValueError("max_chars must be at least 2")
    flat = " ".join(text.split())
    if len(flat) <= max_chars:
        return flat
    room = max_chars - 1
    cut = flat[:room]
    if flat[room] != " ":
        space = cut.rfind(" ")
        if space > 0:
            cut = cut[:space]
    cut = cut.rstrip(" ,;:-")
    return cut + ELLIPSIS


def _theme_candidates(
    theme: str,
    spec: Mapping[str, Any],
    seg: pd.DataFrame,
    texts: Mapping[str, str],
    register: pd.DataFrame,
    min_chars: int,
    max_chars: int,
) -> list[dict[str, Any]]:
    """Quotable passages of one theme, in order of their stable rank.

    Parameters
    ----------
    theme : str
        The theme.
    spec : mapping
        The theme's entry of the parsed framework (sub-code order).
    seg : pandas.DataFrame
        Segments of consenting interviewees.
    texts : mapping of str to str
        ``interview_id -> text``.
    register : pandas.DataFrame
        The checked interview register.
    min_chars, max_chars : int
        As in :func:`select_quotes`.

    Returns
    -------
    list of dict
        One candidate per passage (interview, start, end) with the quote
        columns and a ``_rank`` key; passages shorter than ``min_chars``
        are left out.
    """
    code_order = {code: i for i, code in enumerate(spec["codes"])}
    passages: dict[tuple[str, int, int], list[str]] = {}
    for rec in seg[seg["theme"] == theme].to_dict("records"):
        key = (rec["interview_id"], int(rec["start"]), int(rec["end"]))
        passages.setdefault(key, []).append(rec["code"])
    candidates: list[dict[str, Any]] = []
    for (iid, start, end), codes in passages.items():
        if iid not in texts:
            raise ValueError(f"quotes: interview {iid} has no text")
        text = texts[iid]
        if start < 0 or end > len(text) or start >= end:
            raise ValueError(
                f"quotes: interview {iid}: span [{start}, {end}) lies outside its text"
            )
        flat = " ".join(text[start:end].split())
        if len(flat) < min_chars:
            continue
        person = register.loc[iid]
        candidates.append(
            {
                "theme": theme,
                "code": ";".join(sorted(set(codes), key=lambda c: code_order.get(c, 1 << 30))),
                "pid": person["pid"],
                "group": person["group"],
                "site": person["site"],
                "interview_id": iid,
                "start": start,
                "end": end,
                "quote": trim_quote(flat, max_chars),
                "_rank": _stable_rank(theme, iid, start, end),
            }
        )
    candidates.sort(key=lambda c: c["_rank"])
    return candidates


def _pick_spread(candidates: list[dict[str, Any]], per_theme: int) -> list[dict[str, Any]]:
    """Pick up to ``per_theme`` candidates, spreading over groups, sites and interviews.

    Parameters
    ----------
    candidates : list of dict
        Output of :func:`_theme_candidates` (consumed: picks are removed).
    per_theme : int
        Largest number of picks.

    Returns
    -------
    list of dict
        The picks in pick order (see the notes of :func:`select_quotes`).
    """
    used_group: dict[str, int] = {}
    used_site: dict[str, int] = {}
    used_interview: dict[str, int] = {}
    picked: list[dict[str, Any]] = []
    while len(picked) < per_theme:
        free = [
            c
            for c in candidates
            if not any(
                p["interview_id"] == c["interview_id"]
                and p["start"] < c["end"]
                and c["start"] < p["end"]
                for p in picked
            )
        ]
        if not free:
            break
        best = min(
            free,
            key=lambda c: (
                used_group.get(c["group"], 0),
                used_site.get(c["site"], 0),
                used_interview.get(c["interview_id"], 0),
                c["_rank"],
            ),
        )
        picked.append(best)
        candidates.remove(best)
        used_group[best["group"]] = used_group.get(best["group"], 0) + 1
        used_site[best["site"]] = used_site.get(best["site"], 0) + 1
        used_interview[best["interview_id"]] = used_interview.get(best["interview_id"], 0) + 1
    return picked


def select_quotes(
    segments: pd.DataFrame,
    texts: Mapping[str, str],
    interviews: pd.DataFrame,
    framework: Mapping[str, Any],
    per_theme: int,
    min_chars: int,
    max_chars: int,
) -> pd.DataFrame:
    """Pick illustrative quotations per theme, only from consenting interviewees.

    Parameters
    ----------
    segments : pandas.DataFrame
        Output of :func:`coded_segments`.
    texts : mapping of str to str
        ``interview_id -> text`` with the same character positions as the
        coded project (scrub identifiers without shifting offsets, or scrub
        the sources before coding).
    interviews : pandas.DataFrame
        The interview register; only interviews with ``consent_quotes ==
        "yes"`` there are quoted (the segment table's own columns are not
        trusted for consent).
    framework : mapping
        The coding framework (theme order).
    per_theme : int
        Largest number of quotations per theme.
    min_chars, max_chars : int
        Passages shorter than ``min_chars`` (after whitespace folding) are
        skipped; longer than ``max_chars`` are trimmed (:func:`trim_quote`).

    Returns
    -------
    pandas.DataFrame
        Columns ``theme, code, pid, group, site, interview_id, start, end,
        quote``; ``code`` lists the passage's sub-codes in that theme joined
        by ``;``. Rows by theme (framework order) then pick order.

    Raises
    ------
    ValueError
        If a quoted interview has no text or a passage lies outside it (the
        message names the interview ID, not the text), or the limits are
        inconsistent.

    Notes
    -----
    The choice is deterministic. Candidates are ordered by a SHA-256 hash of
    (theme, interview_id, start, end); picks are then made one at a time,
    each time preferring the candidate whose group, then site, then
    interview has been used least so far within the theme, so that the
    quotations spread across stakeholder groups and sites. A passage
    overlapping one already picked from the same interview is skipped.
    """
    if per_theme < 0:
        raise ValueError("per_theme must be 0 or more")
    if min_chars < 0 or max_chars < 2 or min_chars > max_chars:
        raise ValueError("need 0 <= min_chars <= max_chars and max_chars >= 2")
    fw = parse_framework(framework)
    register = check_interviews(interviews)
    consenting = set(register.loc[register["consent_quotes"] == "yes", "interview_id"])
    rows: list[dict[str, Any]] = []
    seg = segments[segments["interview_id"].isin(consenting)]
    for theme, spec in fw.items():
        candidates = _theme_candidates(theme, spec, seg, texts, register, min_chars, max_chars)
        rows.extend(_pick_spread(candidates, per_theme))
    out = pd.DataFrame(rows, columns=QUOTE_COLUMNS)
    out[["start", "end"]] = out[["start", "end"]].astype("int64")
    return out
