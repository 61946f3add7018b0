"""One synthetic transcript and its coding, from the phrase bank and a random
generator: filled templates, wrapped turns, and character spans of the coded
passages.

:func:`generate_transcript` runs the stages of an interview in order:
identifier mentions, procedural turns (opening, site exchange, close) and
coded topic exchanges; :mod:`~selfcare.synth.transcripts.layout` lays the
turns out as text with the coding spans.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from selfcare.synth.transcripts.bank import (
    _DATE_FIRST,
    _DATE_SPAN_DAYS,
    _MONTHS,
    _SLOT_KIND,
    _SLOT_RE,
    GROUPS,
    IDENTIFIER_KINDS,
    INTERVIEWER,
    RESPONDENT,
    SERVICE_USER_ONLY,
    SUPPORTED_SLOTS,
    _framework_themes,
    _normalise_passage,
    _Passage,
    template_slots,
)
from selfcare.synth.transcripts.layout import _render, _Turn, wrap_preserving

__all__ = ["format_date", "generate_transcript", "wrap_preserving"]

# --------------------------------------------------------------------------
# Filling slots
# --------------------------------------------------------------------------


@dataclass
class _Context:
    """Per-transcript state used while filling templates."""

    rng: np.random.Generator
    speaker: Mapping[str, Any]
    others: Sequence[Mapping[str, Any]]
    places: Sequence[str]
    available: frozenset[str]
    p_capitals: float
    p_split: float


def _pick(rng: np.random.Generator, items: Sequence[Any]) -> Any:
    """Uniformly pick one item of a non-empty sequence."""
    return items[int(rng.integers(len(items)))]


def _pick_other(
    rng: np.random.Generator, others: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any]:
    """Pick the person a passage mentions.

    The first person in ``others`` (e.g. the carer's relative, the service
    user's carer) is mentioned half the time; the rest share the other half.
    """
    if len(others) == 1 or rng.random() < 0.5:
        return others[0]
    return others[1 + int(rng.integers(len(others) - 1))]


def _ordinal(n: int) -> str:
    """Return '1st', '2nd', '3rd', '11th' ..."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def format_date(day: _dt.date, style: int) -> str:
    """Render a date the way it might appear in a transcript.

    Parameters
    ----------
    day : datetime.date
        The date.
    style : int
        0 ``"the 3rd of March"``, 1 ``"03/03/2008"``, 2 ``"March the 3rd"``,
        3 ``"3 March 2008"``, 4 ``"the 3rd of March 2008"``.

    Returns
    -------
    str
        The rendered date.
    """
    month = _MONTHS[day.month - 1]
    styles = (
        f"the {_ordinal(day.day)} of {month}",
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{month} the {_ordinal(day.day)}",
        f"{day.day} {month} {day.year}",
        f"the {_ordinal(day.day)} of {month} {day.year}",
    )
    return styles[style % len(styles)]


def _render_nhs(rng: np.random.Generator, value: Any) -> str:
    """Speak an NHS number either as 3-3-4 groups or as one run of digits."""
    digits = re.sub(r"\D", "", str(value))
    if len(digits) == 10 and rng.random() < 0.6:
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    return digits if len(digits) == 10 else str(value)


def _fill(template: str, ctx: _Context) -> tuple[str, list[int]]:
    """Fill a template's slots.

    Returns the text and the positions of spaces inside full names that the
    line wrapper should prefer to break at (names split across a line).
    All mentions of another person in one template refer to the same person.
    """
    rng = ctx.rng
    other: Mapping[str, Any] | None = None
    parts: list[str] = []
    breaks: list[int] = []
    length = 0
    pos = 0
    for match in _SLOT_RE.finditer(template):
        literal = template[pos : match.start()]
        parts.append(literal)
        length += len(literal)
        pos = match.end()
        slot = match.group(1)
        if slot not in SUPPORTED_SLOTS:
            raise ValueError(f"unsupported slot {{{slot}}} in {template!r}")
        split_ok = False
        if slot == "first_name":
            value = str(ctx.speaker["first_name"])
        elif slot == "full_name":
            value = str(ctx.speaker["full_name"])
            split_ok = True
        elif slot in ("other_first", "other_full"):
            if other is None:
                other = _pick_other(rng, ctx.others)
            value = str(other["first_name" if slot == "other_first" else "full_name"])
            split_ok = slot == "other_full"
            if rng.random() < ctx.p_capitals:
                value = value.upper()
        elif slot == "place":
            value = str(_pick(rng, ctx.places))
        elif slot == "date":
            day = _DATE_FIRST + _dt.timedelta(days=int(rng.integers(_DATE_SPAN_DAYS)))
            value = format_date(day, int(rng.integers(5)))
        elif slot == "nhs_number":
            value = _render_nhs(rng, ctx.speaker["nhs_number"])
        else:  # phone, email, postcode
            value = str(ctx.speaker[slot])
        if split_ok and " " in value and rng.random() < ctx.p_split:
            breaks.append(length + value.index(" "))
        parts.append(value)
        length += len(value)
    parts.append(template[pos:])
    return "".join(parts), breaks


# --------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------


def _available_slots(
    enabled: set[str], speaker: Mapping[str, Any], others: Sequence[Any], places: Sequence[str]
) -> frozenset[str]:
    """Slots that may be filled in this transcript."""
    slots = {"first_name"}
    for slot, kind in _SLOT_KIND.items():
        if kind is None or kind not in enabled:
            continue
        if kind == "other_name":
            ok = bool(others)
        elif kind == "place":
            ok = bool(places)
        elif kind == "date":
            ok = True
        else:
            ok = bool(speaker.get(slot))
        if ok:
            slots.add(slot)
    return frozenset(slots)


def _eligible(templates: Sequence[str], available: frozenset[str]) -> list[str]:
    """Templates whose slots can all be filled."""
    return [t for t in templates if template_slots(t) <= available]


def _timepoint_key(timepoint: str, openings: Mapping[str, Any]) -> str:
    """Match a time point label to an opening list (falls back to default)."""
    key = str(timepoint or "").strip().lower().replace("-", "_").replace(" ", "_")
    if key in ("followup", "follow_up", "9m", "9_month", "nine_month", "fu"):
        key = "follow_up"
    return key if key in openings and openings[key] else "default"


@dataclass
class _Interview:
    """State shared by the stages of one transcript (see :func:`generate_transcript`)."""

    ctx: _Context
    bank: Mapping[str, Any]
    group: str
    site: str
    site_answers: list[str] = field(default_factory=list)
    pool: dict[str, dict[str, list[_Passage]]] = field(default_factory=dict)
    used_questions: set[str] = field(default_factory=set)

    @property
    def rng(self) -> np.random.Generator:
        """The transcript's generator."""
        return self.ctx.rng

    def piece(self, template: str) -> tuple[str, list[int]]:
        """Fill a template (whitespace normalised): text and preferred breaks."""
        return _fill(" ".join(template.split()), self.ctx)

    def say(self, label: str, templates: Sequence[str], codes: tuple[str, ...] = ()) -> _Turn | None:
        """A turn from one usable template, or None if none can be filled."""
        usable = _eligible(templates, self.ctx.available)
        if not usable:
            return None
        text, breaks = _fill(" ".join(_pick(self.rng, usable).split()), self.ctx)
        turn = _Turn(label)
        turn.add(text, codes, breaks)
        return turn


def _check_request(
    speaker: Mapping[str, Any], group: str, site: str, bank: Mapping[str, Any], n_passages: tuple[int, int]
) -> tuple[int, int]:
    """Check the arguments of :func:`generate_transcript`; return ``(lo, hi)``.

    Raises ValueError for an unknown group or site, a speaker without a first
    name or an invalid passage range.
    """
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; expected one of {GROUPS}")
    if bank["site_fillers"].get(site) is None:
        raise ValueError(f"unknown site {site!r}; bank has {sorted(bank['site_fillers'])}")
    if not speaker.get("first_name"):
        raise ValueError("speaker needs a first_name")
    lo, hi = int(n_passages[0]), int(n_passages[1])
    if lo < 1 or hi < lo:
        raise ValueError(f"n_passages must be 1 <= low <= high, got {n_passages}")
    return lo, hi


# Stage 1: identifiers ------------------------------------------------------


def _mentioned_kinds(rng: np.random.Generator, probs: Mapping[str, Any], group: str) -> set[str]:
    """Which identifier kinds this transcript mentions (one draw per kind)."""
    enabled: set[str] = set()
    for kind in IDENTIFIER_KINDS:
        draw = rng.random()
        if kind in SERVICE_USER_ONLY and group != "service_user":
            continue
        if draw < float(probs[kind]):
            enabled.add(kind)
    return enabled


def _identifier_exchanges(iv: _Interview, enabled: set[str]) -> dict[str, list[_Turn]]:
    """An interviewer/respondent exchange for each enabled identifier kind."""
    checks_bank = iv.bank.get("identifier_checks", {}) or {}
    exchanges: dict[str, list[_Turn]] = {}
    for kind in IDENTIFIER_KINDS:
        if kind not in enabled:
            continue
        options = [
            e
            for e in checks_bank.get(kind, []) or []
            if iv.group in e.get("groups", GROUPS)
            and template_slots(e["interviewer"]) | template_slots(e["respondent"]) <= iv.ctx.available
        ]
        if not options:
            continue
        entry = _pick(iv.rng, options)
        q_text, q_breaks = iv.piece(entry["interviewer"])
        a_text, a_breaks = iv.piece(entry["respondent"])
        q_turn, a_turn = _Turn(INTERVIEWER), _Turn(RESPONDENT)
        q_turn.add(q_text, (), q_breaks)
        a_turn.add(a_text, (), a_breaks)
        exchanges[kind] = [q_turn, a_turn]
    return exchanges


# Stage 2: procedural turns -------------------------------------------------


def _opening(
    iv: _Interview, timepoint: str, exchanges: dict[str, list[_Turn]]
) -> tuple[list[_Turn | None], list[_Turn]]:
    """Greeting, consent and early identifier checks (popped from ``exchanges``).

    Returns the opening turns (None where no template fits) and the phone or
    email checks left for the close.
    """
    turns_bank = iv.bank["turns"]
    openings = turns_bank["opening"]
    turns: list[_Turn | None] = []
    turns.append(iv.say(INTERVIEWER, openings[_timepoint_key(timepoint, openings)]))
    turns.append(iv.say(RESPONDENT, turns_bank["opening_reply"]))
    turns.extend(exchanges.pop("full_name", []))
    turns.append(iv.say(INTERVIEWER, turns_bank["consent"]))
    turns.append(iv.say(RESPONDENT, turns_bank["consent_reply"]))
    closing_checks: list[_Turn] = []
    for kind in ("phone", "email"):
        if kind in exchanges:
            if iv.rng.random() < 0.5:
                turns.extend(exchanges.pop(kind))
            else:
                closing_checks.extend(exchanges.pop(kind))
    return turns, closing_checks


def _site_exchange(iv: _Interview) -> list[_Turn]:
    """The site exchange about the initiative; keeps the unused answers for asides."""
    fillers = iv.bank["site_fillers"][iv.site]
    site_q = iv.say(INTERVIEWER, fillers["question"][iv.group])
    iv.site_answers = list(_eligible(fillers["answer"][iv.group], iv.ctx.available))
    if site_q is None or not iv.site_answers:
        return []
    idx = int(iv.rng.integers(len(iv.site_answers)))
    text, breaks = iv.piece(iv.site_answers.pop(idx))
    answer = _Turn(RESPONDENT)
    answer.add(text, (), breaks)
    return [site_q, answer]


def _closing(iv: _Interview) -> list[_Turn | None]:
    """Closing question, reply and farewell."""
    turns_bank = iv.bank["turns"]
    return [
        iv.say(INTERVIEWER, turns_bank["closing"]),
        iv.say(RESPONDENT, turns_bank["closing_reply"]),
        iv.say(INTERVIEWER, turns_bank["farewell"]),
    ]


# Stage 3: coded topic passages ---------------------------------------------


def _passage_pool(iv: _Interview, themes: Mapping[str, list[str]]) -> dict[str, dict[str, list[_Passage]]]:
    """Usable passages of the group at the site, by theme and sub-code."""
    pool: dict[str, dict[str, list[_Passage]]] = {}
    for theme, codes in themes.items():
        for code in codes:
            path = f"{theme}/{code}"
            entries = iv.bank["passages"][theme][code][iv.group]
            usable = []
            for i, entry in enumerate(entries):
                p = _normalise_passage(entry, path, f"passages.{theme}.{code}.{iv.group}[{i}]")
                if p.slots <= iv.ctx.available and (p.sites is None or iv.site in p.sites):
                    usable.append(p)
            if usable:
                pool.setdefault(theme, {})[code] = usable
    return pool


def _draw_passage(iv: _Interview, theme: str) -> _Passage | None:
    """Take an unused passage of a theme (sub-codes weighted by what is left)."""
    codes = iv.pool.get(theme, {})
    names = [c for c in codes if codes[c]]
    if not names:
        return None
    w = np.array([len(codes[c]) for c in names], dtype=float)
    code = names[int(iv.rng.choice(len(names), p=w / w.sum()))]
    return codes[code].pop(int(iv.rng.integers(len(codes[code]))))


def _ask(iv: _Interview, theme: str, code: str) -> _Turn:
    """The interviewer's question leading to a passage (fresh questions first)."""
    rng = iv.rng
    q_bank = iv.bank["questions"][theme]
    specific = _eligible(q_bank.get(code) or [], iv.ctx.available)
    general = _eligible(
        list(q_bank.get("default") or []) + list(q_bank.get(iv.group) or []), iv.ctx.available
    )
    first_specific = rng.random() < float(iv.bank["structure"]["specific_question"])
    pools = [specific, general] if first_specific else [general, specific]
    chosen = None
    for candidates in pools:
        fresh = [q for q in candidates if q not in iv.used_questions]
        if fresh:
            chosen = _pick(rng, fresh)
            break
    if chosen is None:
        chosen = _pick(rng, (general or specific or list(iv.bank["turns"]["probes"])))
    iv.used_questions.add(chosen)
    text, breaks = iv.piece(chosen)
    turn = _Turn(INTERVIEWER)
    turn.add(text, (), breaks)
    return turn


def _topic_exchange(
    iv: _Interview, theme: str, first: _Passage, sizes: np.ndarray, target: int, coded: int
) -> tuple[list[_Turn], int]:
    """One topic exchange opened by ``first``: question, answer, maybe a probe.

    Returns the exchange's turns and the updated count of coded passages.
    """
    rng = iv.rng
    structure, turns_bank = iv.bank["structure"], iv.bank["turns"]
    question = _ask(iv, theme, first.codes[0].split("/", 1)[1])
    answer = _Turn(RESPONDENT)
    if rng.random() < float(structure["lead_in"]):
        answer.add(" ".join(_pick(rng, turns_bank["lead_ins"]).split()))
    k = min(int(rng.choice(len(sizes), p=sizes)) + 1, target - coded)
    for j in range(k):
        passage = first if j == 0 else _draw_passage(iv, theme)
        if passage is None:
            break
        text, breaks = iv.piece(passage.text)
        answer.add(text, passage.codes, breaks)
        coded += 1
    if iv.site_answers and rng.random() < float(structure["site_aside"]):
        text, breaks = iv.piece(iv.site_answers.pop(int(rng.integers(len(iv.site_answers)))))
        answer.add(text, (), breaks)
    if rng.random() < float(structure["tag"]):
        answer.add(" ".join(_pick(rng, turns_bank["tags"]).split()))
    exchange = [question, answer]
    if coded < target and rng.random() < float(structure["probe"]):
        passage = _draw_passage(iv, theme)
        if passage is not None:
            probe = _Turn(INTERVIEWER)
            probe.add(" ".join(_pick(rng, turns_bank["probes"]).split()))
            follow = _Turn(RESPONDENT)
            text, breaks = iv.piece(passage.text)
            follow.add(text, passage.codes, breaks)
            coded += 1
            exchange.extend([probe, follow])
    return exchange, coded


def _topic_exchanges(
    iv: _Interview, themes: Mapping[str, list[str]], lo: int, hi: int
) -> list[list[_Turn]]:
    """Coded topic exchanges until the drawn number of passages is reached."""
    rng = iv.rng
    iv.pool = _passage_pool(iv, themes)
    weights = iv.bank["theme_weights"][iv.group]
    theme_names = list(themes)
    sizes = np.asarray(iv.bank["structure"]["answer_sizes"], dtype=float)
    sizes = sizes / sizes.sum()
    target = int(rng.integers(lo, hi + 1))
    body: list[list[_Turn]] = []
    coded = 0
    while coded < target:
        w = np.array(
            [
                float(weights.get(t, 0.0)) if any(iv.pool.get(t, {}).values()) else 0.0
                for t in theme_names
            ]
        )
        if w.sum() <= 0:
            break
        theme = theme_names[int(rng.choice(len(theme_names), p=w / w.sum()))]
        first = _draw_passage(iv, theme)
        if first is None:  # pragma: no cover - guarded by the weights above
            break
        exchange, coded = _topic_exchange(iv, theme, first, sizes, target, coded)
        body.append(exchange)
    return body


def generate_transcript(
    rng: np.random.Generator,
    speaker: dict,
    others: list[dict],
    group: str,
    site: str,
    timepoint: str,
    bank: dict,
    framework: dict,
    places: list[str],
    header: str,
    n_passages: tuple[int, int] = (14, 22),
) -> tuple[str, list[dict]]:
    """Generate one synthetic interview transcript and its coding.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of all randomness; the same state gives the same output.
    speaker : dict
        The interviewee: ``full_name``, ``first_name``, ``phone``, ``email``
        and, for service users, ``nhs_number`` and ``postcode``. A missing
        field simply is not mentioned.
    others : list of dict
        Other people (``full_name``, ``first_name``) the respondent may name:
        staff at the site, the carer or the person cared for, peers.
    group : str
        Stakeholder group, one of :data:`GROUPS`.
    site : str
        Site code (a key of the bank's ``site_fillers``, e.g. ``"LO"``).
    timepoint : str
        ``"baseline"``, ``"follow_up"`` (``"followup"`` is accepted) or any
        other label, which gets the generic opening.
    bank : dict
        Parsed phrase bank (``config/transcripts.yaml``); validate it once
        with :func:`check_bank`.
    framework : dict
        Parsed coding framework (``config/framework.yaml``).
    places : list of str
        Towns or streets that may be mentioned.
    header : str
        First line of the transcript, e.g.
        ``"[SYNTHETIC TRANSCRIPT - not a real interview] INT-LO-SU-003"``.
    n_passages : tuple of int, optional
        Inclusive range for the number of coded answer passages.

    Returns
    -------
    text : str
        The transcript: the header, a blank line, then ``Interviewer:`` /
        ``Respondent:`` turns separated by blank lines, long turns wrapped at
        about ``structure.width`` characters; ends with a newline.
    segments : list of dict
        ``{"code_path": "theme/code", "start": int, "end": int}`` character
        offsets (``text[start:end]`` is exactly one coded passage), sorted by
        start. A passage with two codes gives two segments with the same span.

    Raises
    ------
    ValueError
        If ``group`` or ``site`` is unknown, ``speaker`` has no first name, or
        ``n_passages`` is not a valid range.
    """
    lo, hi = _check_request(speaker, group, site, bank, n_passages)
    themes = _framework_themes(framework)
    probs = bank["identifier_probabilities"]
    structure = bank["structure"]

    enabled = _mentioned_kinds(rng, probs, group)
    ctx = _Context(
        rng=rng,
        speaker=speaker,
        others=others,
        places=places,
        available=_available_slots(enabled, speaker, others, places),
        p_capitals=float(probs["name_capitals"]),
        p_split=float(probs["split_full_name"]),
    )
    iv = _Interview(ctx=ctx, bank=bank, group=group, site=site)
    exchanges = _identifier_exchanges(iv, enabled)
    turns, closing_checks = _opening(iv, timepoint, exchanges)
    turns.extend(_site_exchange(iv))
    body = _topic_exchanges(iv, themes, lo, hi)

    # Identifier exchanges about dates, places, names, NHS number, postcode
    # go between topic exchanges.
    for kind in ("nhs_number", "postcode", "date", "place", "other_name"):
        if kind in exchanges:
            body.insert(int(rng.integers(len(body) + 1)), exchanges.pop(kind))
    for exchange in body:
        turns.extend(exchange)

    turns.extend(closing_checks)
    turns.extend(_closing(iv))
    return _render(
        header,
        [t for t in turns if t is not None],
        int(structure["width"]),
        int(structure["min_break"]),
    )
