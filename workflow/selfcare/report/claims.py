"""Claims check: the words of a sentence cannot contradict its numbers.

Numbers come from the registry, but the words around them are typed by hand;
when the data change, "reduction" can sit beside an increase, "significant"
beside p = 0.3, "1 of 15 were" or "adjusts for site" beside a model without
site. Sentences whose wording depends on a result either take the words from
the registry too (``.direction``, ``.verb``, ``.failed`` records...) or are
tested here against the registry values and the model specification
(``model.<name>.*`` records, :mod:`selfcare.analysis.specification`):

* **direction**: a sentence that says "reduction" (or "increase") must not
  quote a ``.reduction`` record whose value is an increase (a reduction);
* **significance**: a sentence that says "significant" must quote only
  p-values below ``config.alpha``; one that says "not significant" only
  p-values at or above it;
* **counts**: "{{< var a >}} of the {{< var b >}}" needs a <= b, and a
  following "was"/"were" must agree with a;
* **covariates**: a sentence that names a model (:data:`MODELS`) and says it
  adjusts for (or regresses on) a covariate must name only the model's own
  covariates;
* **site size**: "about N per site" must be within a quarter of the mean
  number recruited (``flow.<site>.recruited``) or followed up per site;
* **not estimable**: a value that is not estimable must not be followed by
  a unit ("not estimable (reason) points"): the sentence names the unit
  first, so that it reads in words either way.

A contradiction raises :class:`ClaimError` naming the sentence and the key.
:func:`check_caption_terms` applies the covariate rule to table captions.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from selfcare.analysis.specification import MODELS

__all__ = ["ClaimError", "sentences", "check_claims", "check_caption_terms", "NUMBER_WORDS"]


class ClaimError(ValueError):
    """A sentence's words contradict the registry or the model specification."""


_VAR = re.compile(r"\{\{<\s*var\s+([A-Za-z0-9_.]+)\s*>\}\}")
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z@{(])")
_OF = re.compile(r"\{\{<\s*var\s+([a-z0-9_.]+)\s*>\}\}\s+of\s+(?:the\s+)?\{\{<\s*var\s+([a-z0-9_.]+)\s*>\}\}"
                 r"(?P<rest>[^.;]{0,80})")
_VERB = re.compile(r"\b(was|were|is|are)\b")
_NOT_SIG = re.compile(r"\b(not|non-|no)\s*(statistically\s+)?significan", re.I)
_SIG = re.compile(r"\bsignifican(t|ce)\b", re.I)
_ABOUT = re.compile(r"\babout\s+(\{\{<\s*var\s+[a-z0-9_.]+\s*>\}\}|[a-z]+(?:-[a-z]+)?)\s+(?:people\s+)?per\s+site",
                    re.I)

#: Number words the site-size rule reads.
NUMBER_WORDS = {"ten": 10, "fifteen": 15, "twenty": 20, "twenty-five": 25, "thirty": 30, "thirty-five": 35,
                "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
                "ninety": 90, "hundred": 100}


def sentences(text: str) -> list[str]:
    """Sentences of a Markdown text (paragraph by paragraph; headings, tables and fences skipped)."""
    out: list[str] = []
    in_fence = False
    for para in re.split(r"\n\s*\n", text):
        if para.lstrip().startswith(("```", ":::")):
            in_fence = not in_fence if para.count("```") % 2 else in_fence
            continue
        if in_fence or para.lstrip().startswith(("#", "|", "{{< include")):
            continue
        flat = " ".join(para.split())
        out += [s for s in _SPLIT.split(flat) if s]
    return out


def _hand(sentence: str) -> str:
    """The hand-typed words of a sentence (shortcodes removed)."""
    return _VAR.sub(" ", sentence)


def _value(records: Mapping[str, Mapping[str, Any]], key: str) -> float | None:
    try:
        v = records[key]["value"]
    except KeyError:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def _fail(sentence: str, key: str, why: str) -> ClaimError:
    return ClaimError(f"claims check: {why} (key {key!r}) in the sentence: {sentence}")


def _check_direction(s: str, keys: list[str], records: Mapping[str, Mapping[str, Any]]) -> None:
    words = _hand(s).lower()
    for key in keys:
        if not key.endswith(".reduction"):
            continue
        v = _value(records, key)
        if v is None:
            continue
        if v < 0 and re.search(r"\breduc(tion|ed)\b", words) and "increase" not in words:
            raise _fail(s, key, "the sentence says 'reduction' but the value is an increase")
        if v > 0 and re.search(r"\bincrease[sd]?\b", words) and "reduc" not in words:
            raise _fail(s, key, "the sentence says 'increase' but the value is a reduction")


def _check_significance(s: str, keys: list[str], records: Mapping[str, Mapping[str, Any]], alpha: float) -> None:
    words = _hand(s)
    if not _SIG.search(words):
        return
    negated = bool(_NOT_SIG.search(words))
    for key in keys:
        if not (key.endswith(".p") and not key.startswith("published.")):
            continue
        p = _value(records, key)
        if p is None:
            continue
        if not negated and p >= alpha:
            raise _fail(s, key, f"the sentence says 'significant' but p is not below {alpha}")
        if negated and p < alpha:
            raise _fail(s, key, f"the sentence says 'not significant' but p is below {alpha}")


def _check_counts(s: str, records: Mapping[str, Mapping[str, Any]]) -> None:
    for m in _OF.finditer(s):
        a, b = _value(records, m.group(1)), _value(records, m.group(2))
        if a is None or b is None:
            continue
        if a > b:
            raise _fail(s, m.group(1), f"'N of M' with N greater than M (key {m.group(2)!r})")
        rest = m.group("rest")
        verb = _VERB.search(rest)
        if verb and "{{<" not in rest[: verb.start()]:
            singular = verb.group(1) in ("was", "is")
            if singular != (a == 1):
                raise _fail(s, m.group(1), f"'{verb.group(1)}' does not agree with the count")


def _check_covariates(s: str, records: Mapping[str, Mapping[str, Any]], vocabulary: Iterable[str]) -> None:
    words = _hand(s)
    if not re.search(r"\b(adjust\w*|regress\w*)\b", words, re.I):
        return
    for name, names in MODELS.items():
        if not any(re.search(rf"\b{re.escape(n)}", words, re.I) for n in names):
            continue
        key = f"model.{name}.covariates"
        if key not in records:
            continue
        own = set(str(records[key]["value"]).split())
        for cov in vocabulary:
            pattern = rf"\b(and|for|,)\s+{re.escape(cov.replace('_', ' '))}\b"
            if cov not in own and re.search(pattern, words, re.I) and not re.search(rf"without\s+a\s+{cov}", words):
                raise _fail(s, key, f"the sentence names '{cov}' as a term of the {name} model, which has no such term")


def _check_site_size(s: str, records: Mapping[str, Mapping[str, Any]]) -> None:
    m = _ABOUT.search(s)
    if not m:
        return
    var = _VAR.match(m.group(1))
    stated = _value(records, var.group(1)) if var else NUMBER_WORDS.get(m.group(1).lower())
    means = []
    for what in ("recruited", "followed_up"):
        sizes = [float(r["value"]) for k, r in records.items()
                 if re.fullmatch(rf"flow\.[a-z0-9_]+\.{what}", k) and not k.startswith("flow.total.")
                 and isinstance(r.get("value"), (int, float))]
        if sizes:
            means.append(sum(sizes) / len(sizes))
    if stated is None or not means:
        return
    if all(abs(stated - mean) > 0.25 * mean for mean in means):
        raise _fail(s, "flow.<site>.recruited", f"'about {m.group(1)} per site' is more than a quarter away from the "
                                                "mean number recruited, and followed up, per site")


_UNIT_AFTER = re.compile(r"\{\{<\s*var\s+([a-z0-9_.]+)\s*>\}\}\s+(?:[a-z]+\s+)?(points?\b|per\s+(?:cent|point)\b)")


def _check_not_estimable(s: str, records: Mapping[str, Mapping[str, Any]]) -> None:
    """A not-estimable value must not be followed by a unit ("not estimable (...) points")."""
    for m in _UNIT_AFTER.finditer(s):
        value = records.get(m.group(1), {}).get("value")
        if isinstance(value, str) and value.startswith("not estimable"):
            raise _fail(s, m.group(1), f"a not-estimable value is followed by the unit '{m.group(2)}'; "
                                       "word the sentence so that the unit comes first")


def check_claims(text: str, records: Mapping[str, Mapping[str, Any]], vocabulary: Iterable[str] = ("site",)) -> int:
    """Check every sentence of ``text`` (see the module docstring).

    Parameters
    ----------
    text : str
        Manuscript source (Quarto Markdown with ``{{< var key >}}``).
    records : mapping
        Registry records by key (``value`` is used; ``config.alpha`` and
        the ``model.*`` records are read when present).
    vocabulary : iterable of str
        Covariate names a sentence might claim (e.g. ``site``, ``age``).

    Returns
    -------
    int
        The number of sentences checked.

    Raises
    ------
    ClaimError
        On the first contradiction, naming the sentence and the key.
    """
    alpha = _value(records, "config.alpha")
    vocab = list(vocabulary)
    found = sentences(text)
    for s in found:
        keys = _VAR.findall(s)
        _check_direction(s, keys, records)
        if alpha is not None:
            _check_significance(s, keys, records, alpha)
        _check_counts(s, records)
        _check_covariates(s, records, vocab)
        _check_site_size(s, records)
        _check_not_estimable(s, records)
    return len(found)


def check_caption_terms(name: str, caption: str, covariates: Mapping[str, Iterable[str]],
                        vocabulary: Iterable[str]) -> None:
    """A caption must not name a covariate that its model does not have.

    The caption is cut into one part per model, each starting where the
    caption first names that model (:data:`MODELS`); within a part, every
    hand-typed word of ``vocabulary`` must be a covariate of that model.

    Parameters
    ----------
    name : str
        Table name (for messages).
    caption : str
        The caption as written (placeholders such as ``{model.ancova.terms}``
        are not read).
    covariates : mapping
        Model name -> its covariates (raw names).
    vocabulary : iterable of str
        Covariate names a caption might mention.

    Raises
    ------
    ClaimError
        Naming the table, the model and the term.
    """
    text = re.sub(r"\{[a-z0-9_.]+\}", " ", caption)
    starts = []
    for model, names in MODELS.items():
        hits = [m.start() for n in names for m in [re.search(rf"\b{re.escape(n)}", text, re.I)] if m]
        if hits and model in covariates:
            starts.append((min(hits), model))
    starts.sort()
    for i, (pos, model) in enumerate(starts):
        part = text[pos: starts[i + 1][0] if i + 1 < len(starts) else len(text)]
        own = set(covariates[model])
        for cov in vocabulary:
            if cov not in own and re.search(rf"\b{re.escape(cov.replace('_', ' '))}\b", part, re.I):
                raise ClaimError(f"manuscript/tables.yaml, table {name!r}: the caption names '{cov}' for the "
                                 f"{model} model, whose terms do not include it (key 'model.{model}.covariates')")
