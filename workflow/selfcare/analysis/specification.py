"""The model specification: what each regression model contains, in words.

Built from ``analysis`` in ``config/config.yaml`` (the same settings the
fitting steps read), it names each model's terms, covariates, link and
interval method. :func:`model_records` turns it into registry records
(``model.<name>.*``) so that captions and sentences that describe a model
quote the specification instead of restating it, and the claims check
(:mod:`selfcare.report.claims`) can test a sentence or caption against it.
"""

from __future__ import annotations

from typing import Any, Mapping

from selfcare.analysis.dataset import OUTCOME_LABELS

__all__ = ["MODELS", "model_specification", "term_label", "join_words"]

#: Models described, with the words by which a sentence names each of them.
MODELS = {
    "ancova": ("ANCOVA", "analysis of covariance", "medication"),
    "satisfaction": ("satisfaction", "linear model", "least squares"),
    "engagement": ("logistic", "staying engaged", "engagement"),
}

_EXPOSURE_LABELS = {"med_choice": "choosing to take medication as prescribed"}


def join_words(items: list[str], empty: str = "") -> str:
    """``a``, ``a and b``, ``a, b and c`` (``empty`` for no items)."""
    if not items:
        return empty
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def term_label(term: str) -> str:
    """A model term in words: ``site``, ``baseline quality of life``, the exposure."""
    if term in _EXPOSURE_LABELS:
        return _EXPOSURE_LABELS[term]
    if term.endswith("_bl"):
        base = term[: -len("_bl")]
        return f"baseline {OUTCOME_LABELS.get(base, base.replace('_', ' '))}"
    return term.replace("_", " ")


def model_specification(analysis: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each regression model's terms, covariates, link and interval method.

    Parameters
    ----------
    analysis : mapping
        The ``analysis`` block of ``config/config.yaml``.

    Returns
    -------
    dict
        ``name -> {outcome, terms, covariates, link, ci}``: ``terms`` the
        right-hand side in order (raw names; the ANCOVA's baseline score is
        ``baseline``), ``covariates`` the adjustment terms besides the
        predictor or exposure and the baseline score.
    """
    anc, sat, eng = analysis["ancova"], analysis["satisfaction"], analysis["engagement"]
    return {
        "ancova": {"outcome": "the nine-month score", "terms": ["baseline", anc["exposure"], *anc["covariates"]],
                   "covariates": list(anc["covariates"]), "link": "identity link (least squares)",
                   "ci": "t-based intervals"},
        "satisfaction": {"outcome": OUTCOME_LABELS["satisfaction"], "terms": [sat["predictor"], *sat["covariates"]],
                         "covariates": list(sat["covariates"]), "link": "identity link (least squares)",
                         "ci": "t-based intervals"},
        "engagement": {"outcome": "staying engaged", "terms": [*eng["predictors"], *eng["covariates"]],
                       "covariates": list(eng["covariates"]), "link": "logit link (maximum likelihood)",
                       "ci": "Wald intervals"},
    }


def terms_in_words(spec: Mapping[str, Any]) -> str:
    """The right-hand side of a model in words."""
    return join_words([("the baseline score" if t == "baseline" else term_label(t)) for t in spec["terms"]])
