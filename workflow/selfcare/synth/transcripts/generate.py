"""One synthetic transcript and its coding, from the phrase bank and a random
generator: filled templates, wrapped turns, and character spans of the coded
passages.
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
# Turns and layout
# --------------------------------------------------------------------------


@dataclass
class _Turn:
    """One speaker turn made of pieces, some of them coded."""

    label: str
    pieces: list[tuple[str, tuple[str, ...], list[int]]] = field(default_factory=list)

    def add(self, text: str, codes: tuple[str, ...] = (), breaks: list[int] | None = None) -> None:
        """Append a piece of speech (with its codes and preferred breaks)."""
        self.pieces.append((text, codes, list(breaks or [])))


def wrap_preserving(text: str, width: int, min_break: int, preferred: Sequence[int] = ()) -> str:
    """Wrap a single-line string by turning some spaces into newlines.

    Because each chosen space is replaced by exactly one newline, character
    offsets into the string stay valid after wrapping.

    Parameters
    ----------
    text : str
        The line to wrap (no newlines).
    width : int
        Maximum line length, except for single words longer than it.
    min_break : int
        At a preferred position the line is broken early if it already holds
        at least this many characters.
    preferred : sequence of int
        Offsets of spaces where an early break is welcome (inside full names).

    Returns
    -------
    str
        The wrapped text, of the same length as ``text``.
    """
    buf = list(text)
    pref = set(preferred)
    start = 0
    prev = -1
    n = len(text)
    for i, ch in enumerate(text + " "):
        if ch != " ":
            continue
        if i - start > width:
            if prev >= start:
                buf[prev] = "\n"
                start = prev + 1
            if i - start > width and i < n:
                buf[i] = "\n"
                start = i + 1
                prev = -1
                continue
        if i < n and i in pref and i - start >= min_break:
            buf[i] = "\n"
            start = i + 1
            prev = -1
            continue
        prev = i
    return "".join(buf)


def _render(
    header: str, turns: Sequence[_Turn], width: int, min_break: int
) -> tuple[str, list[dict[str, Any]]]:
    """Lay turns out as text and compute coded segment offsets."""
    chunks: list[str] = [header.rstrip("\n"), "\n\n"]
    offset = len(chunks[0]) + 2
    segments: list[dict[str, Any]] = []
    for t_index, turn in enumerate(turns):
        line = f"{turn.label}: "
        preferred: list[int] = []
        for p_index, (text, codes, breaks) in enumerate(turn.pieces):
            if p_index:
                line += " "
            start = len(line)
            preferred.extend(start + b for b in breaks)
            line += text
            for code in codes:
                segments.append(
                    {"code_path": code, "start": offset + start, "end": offset + len(line)}
                )
        wrapped = wrap_preserving(line, width, min_break, preferred)
        sep = "\n\n" if t_index < len(turns) - 1 else "\n"
        chunks.append(wrapped + sep)
        offset += len(wrapped) + len(sep)
    segments.sort(key=lambda s: (s["start"], s["code_path"]))
    return "".join(chunks), segments


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
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; expected one of {GROUPS}")
    fillers = bank["site_fillers"].get(site)
    if fillers is None:
        raise ValueError(f"unknown site {site!r}; bank has {sorted(bank['site_fillers'])}")
    if not speaker.get("first_name"):
        raise ValueError("speaker needs a first_name")
    lo, hi = int(n_passages[0]), int(n_passages[1])
    if lo < 1 or hi < lo:
        raise ValueError(f"n_passages must be 1 <= low <= high, got {n_passages}")

    themes = _framework_themes(framework)
    probs = bank["identifier_probabilities"]
    structure = bank["structure"]
    turns_bank = bank["turns"]

    # 1. Which identifiers this transcript mentions (one draw per kind).
    enabled: set[str] = set()
    for kind in IDENTIFIER_KINDS:
        draw = rng.random()
        if kind in SERVICE_USER_ONLY and group != "service_user":
            continue
        if draw < float(probs[kind]):
            enabled.add(kind)
    available = _available_slots(enabled, speaker, others, places)
    ctx = _Context(
        rng=rng,
        speaker=speaker,
        others=others,
        places=places,
        available=available,
        p_capitals=float(probs["name_capitals"]),
        p_split=float(probs["split_full_name"]),
    )

    def say(label: str, templates: Sequence[str], codes: tuple[str, ...] = ()) -> _Turn | None:
        usable = _eligible(templates, available)
        if not usable:
            return None
        text, breaks = _fill(" ".join(_pick(rng, usable).split()), ctx)
        turn = _Turn(label)
        turn.add(text, codes, breaks)
        return turn

    def fill_piece(template: str) -> tuple[str, list[int]]:
        return _fill(" ".join(template.split()), ctx)

    # 2. Identifier exchanges for the enabled kinds.
    checks_bank = bank.get("identifier_checks", {}) or {}
    exchanges: dict[str, list[_Turn]] = {}
    for kind in IDENTIFIER_KINDS:
        if kind not in enabled:
            continue
        options = [
            e
            for e in checks_bank.get(kind, []) or []
            if group in e.get("groups", GROUPS)
            and template_slots(e["interviewer"]) | template_slots(e["respondent"]) <= available
        ]
        if not options:
            continue
        entry = _pick(rng, options)
        q_text, q_breaks = fill_piece(entry["interviewer"])
        a_text, a_breaks = fill_piece(entry["respondent"])
        q_turn, a_turn = _Turn(INTERVIEWER), _Turn(RESPONDENT)
        q_turn.add(q_text, (), q_breaks)
        a_turn.add(a_text, (), a_breaks)
        exchanges[kind] = [q_turn, a_turn]

    # 3. The opening.
    openings = turns_bank["opening"]
    turns: list[_Turn] = []
    turns.append(say(INTERVIEWER, openings[_timepoint_key(timepoint, openings)]))
    turns.append(say(RESPONDENT, turns_bank["opening_reply"]))
    turns.extend(exchanges.pop("full_name", []))
    turns.append(say(INTERVIEWER, turns_bank["consent"]))
    turns.append(say(RESPONDENT, turns_bank["consent_reply"]))
    closing_checks: list[_Turn] = []
    for kind in ("phone", "email"):
        if kind in exchanges:
            if rng.random() < 0.5:
                turns.extend(exchanges.pop(kind))
            else:
                closing_checks.extend(exchanges.pop(kind))

    # 4. The site exchange about the initiative.
    site_q = say(INTERVIEWER, fillers["question"][group])
    site_answers = list(_eligible(fillers["answer"][group], available))
    if site_q is not None and site_answers:
        idx = int(rng.integers(len(site_answers)))
        text, breaks = fill_piece(site_answers.pop(idx))
        answer = _Turn(RESPONDENT)
        answer.add(text, (), breaks)
        turns.extend([site_q, answer])

    # 5. Coded topic exchanges.
    pool: dict[str, dict[str, list[_Passage]]] = {}
    for theme, codes in themes.items():
        for code in codes:
            path = f"{theme}/{code}"
            entries = bank["passages"][theme][code][group]
            usable = []
            for i, entry in enumerate(entries):
                p = _normalise_passage(entry, path, f"passages.{theme}.{code}.{group}[{i}]")
                if p.slots <= available and (p.sites is None or site in p.sites):
                    usable.append(p)
            if usable:
                pool.setdefault(theme, {})[code] = usable
    weights = bank["theme_weights"][group]
    theme_names = list(themes)

    def draw_passage(theme: str) -> _Passage | None:
        codes = pool.get(theme, {})
        names = [c for c in codes if codes[c]]
        if not names:
            return None
        w = np.array([len(codes[c]) for c in names], dtype=float)
        code = names[int(rng.choice(len(names), p=w / w.sum()))]
        return codes[code].pop(int(rng.integers(len(codes[code]))))

    used_questions: set[str] = set()
    p_specific = float(structure["specific_question"])

    def ask(theme: str, code: str) -> _Turn:
        q_bank = bank["questions"][theme]
        specific = _eligible(q_bank.get(code) or [], available)
        general = _eligible(
            list(q_bank.get("default") or []) + list(q_bank.get(group) or []), available
        )
        first_specific = rng.random() < p_specific
        pools = [specific, general] if first_specific else [general, specific]
        chosen = None
        for candidates in pools:
            fresh = [q for q in candidates if q not in used_questions]
            if fresh:
                chosen = _pick(rng, fresh)
                break
        if chosen is None:
            chosen = _pick(rng, (general or specific or list(turns_bank["probes"])))
        used_questions.add(chosen)
        text, breaks = fill_piece(chosen)
        turn = _Turn(INTERVIEWER)
        turn.add(text, (), breaks)
        return turn

    sizes = np.asarray(structure["answer_sizes"], dtype=float)
    sizes = sizes / sizes.sum()
    target = int(rng.integers(lo, hi + 1))
    body: list[list[_Turn]] = []
    coded = 0
    while coded < target:
        w = np.array(
            [
                float(weights.get(t, 0.0)) if any(pool.get(t, {}).values()) else 0.0
                for t in theme_names
            ]
        )
        if w.sum() <= 0:
            break
        theme = theme_names[int(rng.choice(len(theme_names), p=w / w.sum()))]
        first = draw_passage(theme)
        if first is None:  # pragma: no cover - guarded by the weights above
            break
        question = ask(theme, first.codes[0].split("/", 1)[1])
        answer = _Turn(RESPONDENT)
        if rng.random() < float(structure["lead_in"]):
            answer.add(" ".join(_pick(rng, turns_bank["lead_ins"]).split()))
        k = min(int(rng.choice(len(sizes), p=sizes)) + 1, target - coded)
        for j in range(k):
            passage = first if j == 0 else draw_passage(theme)
            if passage is None:
                break
            text, breaks = fill_piece(passage.text)
            answer.add(text, passage.codes, breaks)
            coded += 1
        if site_answers and rng.random() < float(structure["site_aside"]):
            text, breaks = fill_piece(site_answers.pop(int(rng.integers(len(site_answers)))))
            answer.add(text, (), breaks)
        if rng.random() < float(structure["tag"]):
            answer.add(" ".join(_pick(rng, turns_bank["tags"]).split()))
        exchange = [question, answer]
        if coded < target and rng.random() < float(structure["probe"]):
            passage = draw_passage(theme)
            if passage is not None:
                probe = _Turn(INTERVIEWER)
                probe.add(" ".join(_pick(rng, turns_bank["probes"]).split()))
                follow = _Turn(RESPONDENT)
                text, breaks = fill_piece(passage.text)
                follow.add(text, passage.codes, breaks)
                coded += 1
                exchange.extend([probe, follow])
        body.append(exchange)

    # Identifier exchanges about dates, places, names, NHS number, postcode
    # go between topic exchanges.
    for kind in ("nhs_number", "postcode", "date", "place", "other_name"):
        if kind in exchanges:
            body.insert(int(rng.integers(len(body) + 1)), exchanges.pop(kind))
    for exchange in body:
        turns.extend(exchange)

    # 6. The close.
    turns.extend(closing_checks)
    turns.append(say(INTERVIEWER, turns_bank["closing"]))
    turns.append(say(RESPONDENT, turns_bank["closing_reply"]))
    turns.append(say(INTERVIEWER, turns_bank["farewell"]))

    return _render(
        header,
        [t for t in turns if t is not None],
        int(structure["width"]),
        int(structure["min_break"]),
    )
