"""Claims check: a sentence whose words contradict its numbers, or a caption naming a term its model
lacks, fails the build naming the sentence and the key."""

import pytest

from selfcare.report.claims import ClaimError, check_caption_terms, check_claims, sentences
from selfcare.report.tables.build import fill_caption


def rec(key, value, display=None):
    return key, {"key": key, "value": value, "display": display if display is not None else str(value)}


BASE = dict([
    rec("config.alpha", 0.05),
    rec("service.lo.ae.reduction", -63.0, "-63%"),
    rec("service.lo.ae.p", 0.2),
    rec("change.n_significant", 1), rec("change.n_tests", 15),
    rec("model.ancova.covariates", "none", "no further covariates"),
    rec("model.satisfaction.covariates", "site"),
    rec("flow.lo.recruited", 38), rec("flow.so.recruited", 41), rec("flow.no.recruited", 42),
    rec("flow.lo.followed_up", 31), rec("flow.so.followed_up", 34), rec("flow.no.followed_up", 35),
])


def test_reduction_beside_an_increase_fails_naming_sentence_and_key():
    text = "The estimated reduction in the rate of attendance was {{< var service.lo.ae.reduction >}}."
    with pytest.raises(ClaimError) as err:
        check_claims(text, BASE)
    assert "'service.lo.ae.reduction'" in str(err.value)
    assert "The estimated reduction in the rate" in str(err.value)


def test_direction_words_from_the_registry_pass():
    text = "The estimated {{< var service.lo.ae.direction >}} was {{< var service.lo.ae.size >}}."
    assert check_claims(text, BASE) == 1
    with pytest.raises(ClaimError, match="says 'increase'"):
        check_claims("An increase of {{< var x.reduction >}}.", {**BASE, **dict([rec("x.reduction", 35.0)])})


def test_significance_words_are_checked_against_p():
    with pytest.raises(ClaimError, match="'service.lo.ae.p'"):
        check_claims("The change was statistically significant (p-value {{< var service.lo.ae.p >}}).", BASE)
    check_claims("The change was not significant (p-value {{< var service.lo.ae.p >}}).", BASE)
    low = {**BASE, **dict([rec("service.lo.ae.p", 0.01)])}
    with pytest.raises(ClaimError, match="not significant"):
        check_claims("The change was not significant (p-value {{< var service.lo.ae.p >}}).", low)


def test_n_of_m_agreement():
    with pytest.raises(ClaimError, match="'were' does not agree"):
        check_claims("Then {{< var change.n_significant >}} of the {{< var change.n_tests >}} comparisons were "
                     "significant at the level.", BASE)
    check_claims("Then {{< var change.n_significant >}} of the {{< var change.n_tests >}} comparisons was "
                 "significant at the level.", BASE)
    with pytest.raises(ClaimError, match="greater than M"):
        check_claims("Then {{< var change.n_tests >}} of the {{< var change.n_significant >}} tests.", BASE)


def test_a_covariate_the_model_lacks_fails():
    with pytest.raises(ClaimError, match="model.ancova.covariates"):
        check_claims("The ANCOVA adjusts for the baseline score and site.", BASE)
    check_claims("Satisfaction was regressed on baseline severity and site.", BASE)
    with_site = {**BASE, **dict([rec("model.ancova.covariates", "site")])}
    check_claims("The ANCOVA adjusts for the baseline score and site.", with_site)


def test_about_n_per_site():
    check_claims("With about thirty people per site the sandwich is too small.", BASE)
    with pytest.raises(ClaimError, match="per site"):
        check_claims("With about ninety people per site the sandwich is too small.", BASE)


def test_sentences_skip_tables_and_headings():
    text = "# Heading 1\n\n| a | 1 |\n|---|---|\n\nOne sentence. Two sentences {{< var a.b >}}.\n"
    assert sentences(text) == ["One sentence.", "Two sentences {{< var a.b >}}."]


def test_caption_naming_a_term_missing_from_its_model_fails():
    caption = "Logistic model: staying engaged on {model.engagement.terms} and site (odds ratios)."
    with pytest.raises(ClaimError, match="'site' for the engagement model"):
        check_caption_terms("models", caption, {"engagement": []}, ["site"])
    check_caption_terms("models", caption, {"engagement": ["site"]}, ["site"])
    # a term named in another model's part of the caption is that model's
    two = "ANCOVA: the baseline score and site. Logistic model: staying engaged on quality of life."
    check_caption_terms("models", two, {"ancova": ["site"], "engagement": []}, ["site"])


def test_fill_caption_quotes_the_specification_and_checks_terms():
    records = dict([rec("model.engagement.covariates", "none", "no further covariates"),
                    rec("model.engagement.terms", "qol", "baseline quality of life"),
                    rec("table1.age.statistic", 5.9)])
    out = fill_caption("models", "Logistic model: staying engaged on {model.engagement.terms}.", records)
    assert out == "Logistic model: staying engaged on baseline quality of life."
    with pytest.raises(ClaimError, match="engagement"):
        fill_caption("models", "Logistic model: staying engaged on {model.engagement.terms} and age.", records)
    with pytest.raises(ValueError, match="no number record 'model.x.terms'"):
        fill_caption("models", "{model.x.terms}", records)


def test_not_estimable_value_followed_by_a_unit_fails():
    bad = {**BASE, **dict([rec("change.lo.empowerment.mean", "not estimable: 1 complete pair",
                               "not estimable (1 complete pair, fewer than 3)")])}
    with pytest.raises(ClaimError, match="unit 'points'"):
        check_claims("Empowerment changed by {{< var change.lo.empowerment.mean >}} points.", bad)
    check_claims("The mean change in points was {{< var change.lo.empowerment.mean >}} for empowerment.", bad)


def test_shipped_sentences_read_in_words_when_every_estimate_is_not_estimable():
    """Every estimate of the shipped manuscript replaced by "not estimable": no sentence breaks a rule."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "manuscript" / "index.qmd").read_text(encoding="utf-8")
    keys = set(re.findall(r"\{\{<\s*var\s+([a-z0-9_.]+)\s*>\}\}", text))
    blank = {k: {"key": k, "value": "not estimable: reason", "display": "not estimable (reason)"}
             for k in keys if re.search(r"\.(mean|estimate|b|or|or_firth|size|reduction|ci|size_ci|p)$", k)}
    assert len(blank) > 10
    assert check_claims(text, {**BASE, **blank}) > 100


# One contradicting sentence per rule of the claims check: each fails naming the sentence and the key.
RULE_CASES = {
    "direction: reduction beside an increase": (
        "Attendance was reduced by {{< var service.lo.ae.reduction >}} at LO.", {}, "service.lo.ae.reduction"),
    "direction: increase beside a reduction": (
        "Attendance showed an increase of {{< var x.reduction >}} at LO.", dict([rec("x.reduction", 35.0)]),
        "x.reduction"),
    "significance: significant beside p above alpha": (
        "The change was significant (p {{< var service.lo.ae.p >}}).", {}, "service.lo.ae.p"),
    "significance: not significant beside p below alpha": (
        "The change was not significant (p {{< var y.p >}}).", dict([rec("y.p", 0.001)]), "y.p"),
    "counts: N greater than M": (
        "Then {{< var change.n_tests >}} of the {{< var change.n_significant >}} comparisons held.", {},
        "change.n_tests"),
    "counts: verb disagrees with N": (
        "Then {{< var change.n_significant >}} of the {{< var change.n_tests >}} comparisons were significant.", {},
        "change.n_significant"),
    "counts: singular verb with a plural N": (
        "Then {{< var change.n_tests >}} of the {{< var change.n_all >}} results is shown.",
        dict([rec("change.n_all", 20)]), "change.n_tests"),
    "covariates: a term the model lacks": (
        "The ANCOVA adjusts for the baseline score and site.", {}, "model.ancova.covariates"),
    "covariates: regressed on a term the model lacks": (
        "Satisfaction was regressed on baseline severity and age.", {}, "model.satisfaction.covariates"),
    "site size: number word": (
        "With about ninety people per site the sandwich is too small.", {}, "flow.<site>.recruited"),
    "site size: number from the registry": (
        "With about {{< var z.n >}} people per site the sandwich is too small.", dict([rec("z.n", 12)]),
        "flow.<site>.recruited"),
    "not estimable: a unit after the value": (
        "Empowerment changed by {{< var change.lo.empowerment.mean >}} points.",
        dict([rec("change.lo.empowerment.mean", "not estimable: 1 pair", "not estimable (1 pair)")]),
        "change.lo.empowerment.mean"),
}


@pytest.mark.parametrize("case", sorted(RULE_CASES))
def test_every_rule_fails_naming_the_sentence_and_the_key(case):
    sentence, extra, key = RULE_CASES[case]
    with pytest.raises(ClaimError) as err:
        check_claims(f"An opening sentence. {sentence} A closing sentence.", {**BASE, **extra}, ["site", "age"])
    message = str(err.value)
    assert f"(key {key!r})" in message, message
    assert message.endswith(sentence), message


def test_every_rule_has_a_contradiction_case():
    """Each rule named in the module's docstring has a case above (a new rule needs one)."""
    import re

    from selfcare.report import claims

    rules = set(re.findall(r"^\* \*\*([a-z ]+)\*\*", claims.__doc__, re.M))
    assert rules == {"direction", "significance", "counts", "covariates", "site size", "not estimable"}
    assert rules == {case.split(":")[0] for case in RULE_CASES}
