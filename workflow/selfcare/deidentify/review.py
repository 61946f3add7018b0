"""The review step of transcript scrubbing: fails closed on words it cannot place.

Capitalised words that are neither ordinary English words nor known names
("Okafor", an unlisted town), and capitalised words that are both and stand
inside a sentence ("Rose", "Hall"), are not scrubbed and not released
either: each is listed for a data steward as a keyed hash (HMAC-SHA256 with
the pseudonymisation key, over the case-folded word) with its source, line
and column, never in clear. The stage stops until every listed hash has a
``keep`` or ``redact`` decision in the decisions file
(``deidentify.review_decisions``), which holds hashes only.

On the secure side the steward lists the pending words with their context
and records decisions (README "Free text in the hand-over")::

    python -m selfcare.deidentify.steward list
    python -m selfcare.deidentify.steward decide HASH redact
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any, Iterable, Mapping

from selfcare.deidentify.names import _PIECE_RE, NameMatcher, _key
from selfcare.deidentify.scrub import scrub_text

__all__ = [
    "DECISIONS",
    "REVIEW_COLUMNS",
    "check_reviewed",
    "ReviewPending",
    "decided_words",
    "parse_decisions",
    "pending_items",
    "review_hash",
    "review_items",
]

#: The decisions a data steward can record.
DECISIONS: tuple[str, ...] = ("keep", "redact")
#: Columns of the review file.
REVIEW_COLUMNS: tuple[str, ...] = ("hash", "source", "line", "column", "start", "end", "decision")


class ReviewPending(ValueError):
    """Words await a keep-or-redact decision; the stage stops."""


def review_hash(word: str, key: bytes) -> str:
    """Keyed hash of a word left for review (the same for every case and accent).

    Parameters
    ----------
    word : str
        The word as it stands in the text.
    key : bytes
        Pseudonymisation key.

    Returns
    -------
    str
        ``"r"`` and 32 hex digits of HMAC-SHA256 over ``review:`` and the
        folded word.
    """
    message = ("review:" + _key(word)).encode("utf-8")
    return "r" + hmac.new(bytes(key), message, hashlib.sha256).hexdigest()[:32]


def parse_decisions(data: Any, where: str) -> dict[str, str]:
    """Validate the decisions file: a mapping ``decisions: {hash: keep|redact}``.

    Parameters
    ----------
    data : Any
        The parsed YAML (``None`` for an empty file).
    where : str
        File name for error messages.

    Returns
    -------
    dict of str to str
        Hash -> decision.

    Raises
    ------
    ValueError
        Naming the file and the entry (hashes only) that is malformed.
    """
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: must be a mapping with the key 'decisions'")
    table = data.get("decisions")
    if table is None:
        table = {}
    if not isinstance(table, Mapping):
        raise ValueError(f"{where}: 'decisions' must map review hashes to keep or redact")
    out: dict[str, str] = {}
    for i, (h, decision) in enumerate(table.items(), 1):
        # a key that is not a review hash could be a word in clear: refused, never quoted
        if not isinstance(h, str) or not REVIEW_HASH.fullmatch(h):
            raise ValueError(f"{where}: decision {i} is not keyed by a review hash (r + 32 hex digits)")
        if decision not in DECISIONS:
            raise ValueError(f"{where}: decision {i} must be one of {list(DECISIONS)}")
        out[h] = str(decision)
    return out


#: A review hash: "r" and the first 32 hex digits of the keyed HMAC.
REVIEW_HASH = re.compile(r"r[0-9a-f]{32}")


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def review_items(
    texts: Mapping[str, str], matcher: NameMatcher, places: Iterable[str], key: bytes,
    decisions: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Every word the scrubber left for review, as hashes with positions.

    Parameters
    ----------
    texts : mapping
        Source name -> raw text.
    matcher : NameMatcher
        The matcher the stage scrubs with (before decisions are applied).
    places : iterable of str
        Configured places.
    key : bytes
        Pseudonymisation key.
    decisions : mapping, optional
        Hash -> decision; an item without one is ``pending``.

    Returns
    -------
    list of dict
        One row per occurrence (columns :data:`REVIEW_COLUMNS`), in source
        and text order; no clear text.
    """
    places = list(places)
    decisions = decisions or {}
    rows = []
    for name in sorted(texts):
        text = texts[name]
        for s, e in scrub_text(text, matcher, places).uncertain:
            h = review_hash(text[s:e], key)
            line, col = _line_col(text, s)
            rows.append({"hash": h, "source": name, "line": line, "column": col, "start": s,
                         "end": e, "decision": decisions.get(h, "pending")})
    return rows


def pending_items(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The review rows still without a decision."""
    return [r for r in rows if r["decision"] == "pending"]


def decided_words(
    texts: Mapping[str, str], rows: Iterable[Mapping[str, Any]]
) -> tuple[set[str], set[str]]:
    """The words (in memory only) decided ``redact`` and ``keep``.

    Parameters
    ----------
    texts : mapping
        Source name -> raw text.
    rows : iterable of mapping
        Review rows (see :func:`review_items`).

    Returns
    -------
    redact, keep : set of str
        The words as they stand in the texts.
    """
    redact: set[str] = set()
    keep: set[str] = set()
    for r in rows:
        words = set(_PIECE_RE.findall(texts[r["source"]][r["start"]: r["end"]]))
        if r["decision"] == "redact":
            redact |= words
        elif r["decision"] == "keep":
            keep |= words
    return redact, keep


def check_reviewed(rows: Iterable[Mapping[str, Any]], review_file: str, decisions_file: str) -> None:
    """Stop when any word awaits a decision.

    Raises
    ------
    ReviewPending
        Naming the review file, the decisions file and the counts.
    """
    waiting = pending_items(rows)
    if waiting:
        distinct = len({r["hash"] for r in waiting})
        raise ReviewPending(
            f"rule deidentify: {len(waiting)} word occurrence(s) ({distinct} distinct) in the transcripts "
            f"await a keep-or-redact decision: see {review_file} (hashes, source, line, column); "
            f"list them in context with `python -m selfcare.deidentify.steward list` on the secure side "
            f"and record each in {decisions_file} with `python -m selfcare.deidentify.steward decide HASH keep|redact`"
        )
