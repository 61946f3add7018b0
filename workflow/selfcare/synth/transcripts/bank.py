"""The phrase bank of the synthetic transcripts (``config/transcripts.yaml``):
template slots, and the checks of the bank against the framework.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Mapping

#: Stakeholder groups interviewed in the study.
GROUPS: tuple[str, ...] = ("service_user", "carer", "staff", "manager")

#: Slot names a phrase-bank template may contain.
SUPPORTED_SLOTS: frozenset[str] = frozenset(
    {
        "first_name",
        "full_name",
        "other_first",
        "other_full",
        "place",
        "phone",
        "nhs_number",
        "email",
        "date",
        "postcode",
    }
)

#: Kinds of identifier whose mention is drawn once per transcript, with the
#: probability given in the bank's ``identifier_probabilities``.
IDENTIFIER_KINDS: tuple[str, ...] = (
    "full_name",
    "phone",
    "email",
    "nhs_number",
    "postcode",
    "date",
    "place",
    "other_name",
)

#: Identifier kinds that only service users have.
SERVICE_USER_ONLY: frozenset[str] = frozenset({"nhs_number", "postcode"})

#: Which identifier kind governs each slot (``first_name`` is always allowed).
_SLOT_KIND: dict[str, str | None] = {
    "first_name": None,
    "full_name": "full_name",
    "phone": "phone",
    "email": "email",
    "nhs_number": "nhs_number",
    "postcode": "postcode",
    "date": "date",
    "place": "place",
    "other_first": "other_name",
    "other_full": "other_name",
}

_RENDER_PROBABILITIES = ("name_capitals", "split_full_name")

_SLOT_RE = re.compile(r"\{([^{}]*)\}")

_TURN_KEYS = (
    "opening_reply",
    "consent",
    "consent_reply",
    "probes",
    "lead_ins",
    "tags",
    "closing",
    "closing_reply",
    "farewell",
)

_STRUCTURE_KEYS = (
    "answer_sizes",
    "probe",
    "lead_in",
    "tag",
    "site_aside",
    "specific_question",
    "width",
    "min_break",
)

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

#: Window from which spoken or written dates are drawn (the study period).
_DATE_FIRST = _dt.date(2007, 1, 1)
_DATE_SPAN_DAYS = (_dt.date(2009, 12, 31) - _DATE_FIRST).days + 1

INTERVIEWER = "Interviewer"
RESPONDENT = "Respondent"


# --------------------------------------------------------------------------
# Templates and the bank
# --------------------------------------------------------------------------


def template_slots(text: str) -> set[str]:
    """Return the slot names used in a template.

    Parameters
    ----------
    text : str
        A phrase-bank template such as ``"Thanks, {first_name}."``.

    Returns
    -------
    set of str
        The names between single braces (supported or not).
    """
    return set(_SLOT_RE.findall(text))


def _check_template(text: Any, where: str) -> None:
    """Raise ValueError if ``text`` is not a string with supported slots."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: expected a non-empty string, got {text!r}")
    unknown = template_slots(text) - SUPPORTED_SLOTS
    if unknown:
        raise ValueError(
            f"{where}: unsupported slot name(s) {sorted(unknown)} in {text!r}; "
            f"supported: {sorted(SUPPORTED_SLOTS)}"
        )
    if "{" in _SLOT_RE.sub("", text) or "}" in _SLOT_RE.sub("", text):
        raise ValueError(f"{where}: unbalanced brace in {text!r}")


def _framework_themes(framework: Mapping[str, Any]) -> dict[str, list[str]]:
    """Map theme key -> list of sub-code keys from a framework dict."""
    themes = framework.get("themes", framework)
    if not isinstance(themes, Mapping) or not themes:
        raise ValueError("framework has no themes")
    out: dict[str, list[str]] = {}
    for theme, spec in themes.items():
        codes = spec.get("codes") if isinstance(spec, Mapping) else None
        if not isinstance(codes, Mapping) or not codes:
            raise ValueError(f"framework theme {theme!r} has no codes")
        out[str(theme)] = [str(c) for c in codes]
    return out


@dataclass(frozen=True)
class _Passage:
    """A coded answer passage after normalisation."""

    text: str
    codes: tuple[str, ...]
    sites: frozenset[str] | None
    slots: frozenset[str]


def _normalise_passage(entry: Any, primary: str, where: str) -> _Passage:
    """Turn a bank entry (string or mapping) into a :class:`_Passage`."""
    if isinstance(entry, str):
        text, also, sites = entry, [], None
    elif isinstance(entry, Mapping):
        unknown_keys = set(entry) - {"text", "also", "sites"}
        if unknown_keys:
            raise ValueError(f"{where}: unknown key(s) {sorted(unknown_keys)}")
        text = entry.get("text")
        also = entry.get("also", [])
        also = [also] if isinstance(also, str) else list(also)
        sites = entry.get("sites")
        if sites is not None:
            if isinstance(sites, str) or not all(isinstance(x, str) for x in sites):
                raise ValueError(f"{where}: sites must be a list of quoted site codes")
            sites = frozenset(sites)
    else:
        raise ValueError(f"{where}: a passage must be a string or a mapping")
    _check_template(text, where)
    codes = (primary, *[str(a) for a in also])
    if len(set(codes)) != len(codes):
        raise ValueError(f"{where}: passage carries the same code twice: {codes}")
    return _Passage(" ".join(text.split()), codes, sites, frozenset(template_slots(text)))


def _iter_templates(obj: Any, where: str):
    """Yield (where, string) for every string nested in ``obj``."""
    if isinstance(obj, str):
        yield where, obj
    elif isinstance(obj, Mapping):
        for key, value in obj.items():
            yield from _iter_templates(value, f"{where}.{key}")
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            yield from _iter_templates(value, f"{where}[{i}]")


def check_bank(bank: Mapping[str, Any], framework: Mapping[str, Any]) -> None:
    """Validate a phrase bank against the coding framework.

    Parameters
    ----------
    bank : mapping
        The parsed ``config/transcripts.yaml``.
    framework : mapping
        The parsed ``config/framework.yaml`` (``{"themes": {theme: {"codes":
        {code: label}}}}``).

    Raises
    ------
    ValueError
        If a sub-code of the framework has no passages for some stakeholder
        group (the message names ``theme/code`` and the group), if the bank
        files passages under a theme or code the framework does not have, if a
        passage's second code is not a framework sub-code, if any template
        uses an unsupported slot name or an unbalanced brace, or if a required
        section (turns, questions, weights, probabilities, structure, site
        fillers) is missing or malformed.
    """
    themes = _framework_themes(framework)

    for section in (
        "identifier_probabilities",
        "theme_weights",
        "structure",
        "turns",
        "questions",
        "site_fillers",
        "passages",
    ):
        if not isinstance(bank.get(section), Mapping):
            raise ValueError(f"bank is missing the {section!r} section")

    # Every string anywhere in the bank: only supported slots.
    for where, text in _iter_templates(bank, "bank"):
        _check_template(text, where)

    _check_passages(bank["passages"], themes)
    _check_probabilities(bank["identifier_probabilities"])
    _check_theme_weights(bank["theme_weights"], themes)
    _check_structure(bank["structure"])
    _check_turns(bank["turns"])
    _check_identifier_checks(bank.get("identifier_checks", {}) or {})
    _check_questions(bank["questions"], themes)
    _check_site_fillers(bank["site_fillers"])


def _check_passages(passages: Mapping[str, Any], themes: Mapping[str, list[str]]) -> None:
    """Passages: nothing the framework lacks, and every sub-code x group."""
    for theme in passages:
        if theme not in themes:
            raise ValueError(f"passages: theme {theme!r} is not in the framework")
        for code in passages[theme] or {}:
            if code not in themes[theme]:
                raise ValueError(
                    f"passages: sub-code '{theme}/{code}' is not in the framework"
                )
    valid_paths = {f"{t}/{c}" for t, codes in themes.items() for c in codes}
    for theme, codes in themes.items():
        for code in codes:
            path = f"{theme}/{code}"
            by_group = (passages.get(theme) or {}).get(code)
            if not isinstance(by_group, Mapping):
                raise ValueError(f"passages: no passages at all for sub-code '{path}'")
            for group in GROUPS:
                _check_group_passages(by_group.get(group), theme, code, group, valid_paths)
            unknown_groups = set(by_group) - set(GROUPS)
            if unknown_groups:
                raise ValueError(
                    f"passages: unknown group(s) {sorted(unknown_groups)} under '{path}'"
                )


def _check_group_passages(
    entries: Any, theme: str, code: str, group: str, valid_paths: set[str]
) -> None:
    """The passages of one sub-code for one group: present, well formed, known codes."""
    path = f"{theme}/{code}"
    if not entries:
        raise ValueError(
            f"passages: no passages for sub-code '{path}' and group '{group}'"
        )
    for i, entry in enumerate(entries):
        where = f"passages.{theme}.{code}.{group}[{i}]"
        passage = _normalise_passage(entry, path, where)
        for extra in passage.codes[1:]:
            if extra not in valid_paths:
                raise ValueError(
                    f"{where}: second code {extra!r} is not a framework sub-code"
                )


def _check_probabilities(probs: Mapping[str, Any]) -> None:
    """Every identifier kind and render option has a probability in [0, 1]."""
    for key in (*IDENTIFIER_KINDS, *_RENDER_PROBABILITIES):
        value = probs.get(key)
        if not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
            raise ValueError(
                f"identifier_probabilities.{key} must be a probability, got {value!r}"
            )


def _check_theme_weights(weights: Mapping[str, Any], themes: Mapping[str, list[str]]) -> None:
    """Theme weights per group: known themes, non-negative, positive sum."""
    for group in GROUPS:
        w = weights.get(group)
        if not isinstance(w, Mapping):
            raise ValueError(f"theme_weights: no weights for group '{group}'")
        extra = set(w) - set(themes)
        if extra:
            raise ValueError(f"theme_weights.{group}: unknown theme(s) {sorted(extra)}")
        values = [float(w.get(t, 0.0)) for t in themes]
        if any(v < 0 for v in values) or sum(values) <= 0:
            raise ValueError(
                f"theme_weights.{group}: weights must be >= 0 with a positive sum"
            )


def _check_structure(structure: Mapping[str, Any]) -> None:
    """Conversation structure: every key, usable answer sizes and line width."""
    for key in _STRUCTURE_KEYS:
        if key not in structure:
            raise ValueError(f"structure.{key} is missing")
    sizes = structure["answer_sizes"]
    if not sizes or any(float(s) < 0 for s in sizes) or sum(map(float, sizes)) <= 0:
        raise ValueError("structure.answer_sizes must be non-negative with a positive sum")
    if int(structure["width"]) < 20:
        raise ValueError("structure.width must be at least 20")


def _check_turns(turns: Mapping[str, Any]) -> None:
    """Procedural turns: openings greet by first name, no list is empty."""
    openings = turns.get("opening")
    if not isinstance(openings, Mapping) or not openings.get("default"):
        raise ValueError("turns.opening needs at least a 'default' list")
    for timepoint, texts in openings.items():
        for i, text in enumerate(texts or []):
            if "first_name" not in template_slots(text):
                raise ValueError(
                    f"turns.opening.{timepoint}[{i}] must greet the speaker by {{first_name}}"
                )
    for key in _TURN_KEYS:
        if not turns.get(key):
            raise ValueError(f"turns.{key} is missing or empty")


def _check_identifier_checks(checks: Mapping[str, Any]) -> None:
    """Identifier exchanges: known kinds, each with both sides of the exchange."""
    for kind, entries in checks.items():
        if kind not in IDENTIFIER_KINDS:
            raise ValueError(f"identifier_checks: unknown identifier kind {kind!r}")
        for i, entry in enumerate(entries or []):
            if not isinstance(entry, Mapping) or not (
                entry.get("interviewer") and entry.get("respondent")
            ):
                raise ValueError(
                    f"identifier_checks.{kind}[{i}] needs 'interviewer' and 'respondent'"
                )


def _check_questions(questions: Mapping[str, Any], themes: Mapping[str, list[str]]) -> None:
    """Questions: every theme must be askable of every group."""
    for theme in themes:
        q = questions.get(theme)
        if not isinstance(q, Mapping):
            raise ValueError(f"questions: no questions for theme '{theme}'")
        extra = set(q) - {"default", *GROUPS, *themes[theme]}
        if extra:
            raise ValueError(
                f"questions.{theme}: unknown key(s) {sorted(extra)}; expected "
                "'default', a group or a sub-code of the theme"
            )
        for group in GROUPS:
            if not (q.get("default") or q.get(group)):
                raise ValueError(
                    f"questions: no question for theme '{theme}' and group '{group}'"
                )


def _check_site_fillers(fillers: Mapping[Any, Any]) -> None:
    """Site fillers: a question and an answer for every group.

    Site keys must be strings: unquoted NO in YAML 1.1 is False.
    """
    for site, spec in fillers.items():
        if not isinstance(site, str):
            raise ValueError(
                f"site_fillers: site key {site!r} is not a string (quote it in YAML)"
            )
        for part in ("question", "answer"):
            for group in GROUPS:
                if not (spec or {}).get(part, {}).get(group):
                    raise ValueError(
                        f"site_fillers.{site}.{part}: nothing for group '{group}'"
                    )
