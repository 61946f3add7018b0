"""Recall and precision of the transcript scrubber on an annotated evaluation set.

An identifier span is *removed* when every letter and digit in it lies inside
a replaced region, and *held for review* when the rest lies in words the
scrubber left for a data steward (the stage stops until each is decided, so
nothing held reaches an output undecided). Precision is counted over replaced
regions: a region is correct when it overlaps a labelled span.
:func:`check_evaluation` holds the figures to the minimums of the
configuration (``deidentify.evaluation``), so that a scrubber that regresses
fails the build.
"""

from __future__ import annotations

from typing import Any, Mapping

from selfcare.deidentify.lexicon import Lexicon
from selfcare.deidentify.names import build_name_matcher
from selfcare.deidentify.scrub import PLACEHOLDER_TYPES, scrub_text

__all__ = ["EvaluationError", "THRESHOLDS", "check_evaluation", "evaluate_scrubber"]


def _covered(text: str, start: int, end: int, regions: list[tuple[int, int]]) -> bool:
    inside = set()
    for s, e in regions:
        if s < end and e > start:
            inside.update(range(max(s, start), min(e, end)))
    return all(i in inside for i in range(start, end) if text[i].isalnum())


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def evaluate_scrubber(eval_set: Mapping[str, Any], lexicon: Lexicon) -> dict[str, Any]:
    """Score the scrubber on an evaluation set.

    Parameters
    ----------
    eval_set : mapping
        ``registers``, ``places``, ``kinds`` and ``passages`` (see
        :func:`selfcare.synth.transcripts.evaluation.evaluation_set`).
    lexicon : Lexicon
        Name gazetteer and word lists.

    Returns
    -------
    dict
        Per kind: spans, removed, held for review, recall (removed) and recall
        with review; per placeholder type and overall: regions, correct,
        precision; words held for review that are not identifiers.
    """
    matcher = build_name_matcher(list(eval_set["registers"]), lexicon=lexicon)
    places = list(eval_set["places"])
    kinds = {k: {"spans": 0, "removed": 0, "held_for_review": 0} for k in eval_set["kinds"]}
    types = {t: {"regions": 0, "correct": 0} for t in PLACEHOLDER_TYPES}
    held_other = 0
    chars = 0
    for passage in eval_set["passages"]:
        text = passage["text"]
        chars += len(text)
        res = scrub_text(text, matcher, places)
        regions = [(r.raw_start, r.raw_end) for r in res.replacements]
        labelled = [(s["start"], s["end"]) for s in passage["spans"]]
        for span in passage["spans"]:
            row = kinds[span["kind"]]
            row["spans"] += 1
            if _covered(text, span["start"], span["end"], regions):
                row["removed"] += 1
            elif _covered(text, span["start"], span["end"], regions + list(res.uncertain)):
                row["held_for_review"] += 1
        for r in res.replacements:
            types[r.kind]["regions"] += 1
            types[r.kind]["correct"] += any(s < r.raw_end and e > r.raw_start for s, e in labelled)
        held_other += sum(not any(s < e2 and e > s2 for s2, e2 in labelled) for s, e in res.uncertain)
    for row in kinds.values():
        row["recall"] = _ratio(row["removed"], row["spans"])
        row["recall_with_review"] = _ratio(row["removed"] + row["held_for_review"], row["spans"])
    for row in types.values():
        row["precision"] = _ratio(row["correct"], row["regions"])
    total = sum(r["regions"] for r in types.values())
    correct = sum(r["correct"] for r in types.values())
    return {
        "passages": len(eval_set["passages"]),
        "characters": chars,
        "seed": eval_set.get("seed"),
        "recall_by_kind": kinds,
        "precision_by_type": {t: r for t, r in types.items() if r["regions"]},
        "precision_overall": _ratio(correct, total),
        "regions": total,
        "non_identifiers_held_for_review": held_other,
    }


#: Setting of ``deidentify.evaluation`` -> (section of the report, figure, what it is called).
THRESHOLDS: dict[str, tuple[str, str, str]] = {
    "min_recall": ("recall_by_kind", "recall", "recall (removed)"),
    "min_recall_with_review": ("recall_by_kind", "recall_with_review", "recall with review"),
    "min_precision": ("precision_by_type", "precision", "precision"),
}


class EvaluationError(ValueError):
    """The scrubber falls short of a minimum of ``deidentify.evaluation``; lists each shortfall."""

    def __init__(self, failures: list[str]):
        self.failures = failures
        super().__init__(
            f"rule deid_evaluation: the scrubber falls short on the evaluation set ({len(failures)} figure(s)):\n"
            + "\n".join(f"  - {f}" for f in failures)
        )


def check_evaluation(report: Mapping[str, Any], minimums: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
    """Hold the evaluation's figures to their configured minimums.

    Parameters
    ----------
    report : mapping
        The result of :func:`evaluate_scrubber`.
    minimums : mapping
        ``deidentify.evaluation``: for each setting of :data:`THRESHOLDS`,
        identifier kind (recall) or placeholder type (precision) -> the
        smallest share accepted (0 to 1).

    Returns
    -------
    dict
        Per setting and kind: ``{"required", "measured", "passed"}``.

    Raises
    ------
    EvaluationError
        When a figure is below its minimum, or a kind with a minimum was not
        measured (no span or region of it); the message names the kind, the
        figure, the measured and the required share.
    """
    verdicts: dict[str, Any] = {}
    failures: list[str] = []
    for setting, (section, figure, label) in THRESHOLDS.items():
        rows = report[section]
        for kind, required in sorted(minimums.get(setting, {}).items()):
            measured = rows.get(kind, {}).get(figure)
            passed = measured is not None and measured >= required
            verdicts.setdefault(setting, {})[kind] = {"required": required, "measured": measured, "passed": passed}
            if measured is None:
                failures.append(f"{kind}: {label} not measured (none in the evaluation set); {setting} is {required}")
            elif not passed:
                failures.append(f"{kind}: {label} {measured} is below the required {required} ({setting})")
    if failures:
        raise EvaluationError(failures)
    return verdicts
