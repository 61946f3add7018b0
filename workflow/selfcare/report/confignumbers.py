"""Number records of the configuration: analysis choices and simulator assumptions.

The Methods of the manuscript state numbers that are settings, not results:
the significance level, the share of items a score needs, the engagement
window, the k of k-anonymity, the scoring ranges of the instruments, and every
assumption of the simulator that wrote the synthetic data. So that the prose
cannot drift from the configuration, these numbers are registry records like
any other and the manuscript quotes them with ``{{< var key >}}``.

Keys:

* ``config.*``: analysis choices (``config/config.yaml``) and the scoring
  rules of the instruments (``config/measures.yaml``), e.g.
  ``config.scoring.min_answered_pct`` or ``config.measures.empowerment.range``;
* ``assumption.sim.*``: parameters of the simulator (``config/simulation.yaml``);
* ``model.*``: the model specification in words (terms, covariates, link,
  interval method; :func:`model_records`).

Most records are read straight from the files through :data:`CONFIG_NUMBERS`,
a table of (key, path, kind, unit, meaning). A ``*`` in a path runs over the
keys of a mapping; the names it matches fill ``{0}``, ``{1}``... of the key
(lower case) and of the meaning. A few records are derived (score ranges,
item numbers, age bands); they are built by the ``_derived_*`` functions.
Text settings (such as the site of the missing age) are not numbers and are
not recorded. Every display comes from :mod:`selfcare.report.formatting`; floats are
shown with the decimals they are written with in the file (``0.45`` as
``0.45``, ``0.05`` as a percentage as ``5%``). The module is pure: no file
access.
"""

from __future__ import annotations

import datetime
import numbers
from decimal import Decimal
from typing import Any, Iterator, Mapping

from selfcare.analysis.specification import join_words, model_specification, term_label, terms_in_words
from selfcare.report import formatting as fmt
from selfcare.report.registry import make_record
from selfcare.scoring.measures import check_measures, scale_table


class ConfigNumbersError(ValueError):
    """A configuration value named by :data:`CONFIG_NUMBERS` is absent or not a number."""


#: Kinds of value and how each is displayed.
#: int: a whole number; num: a number with the decimals written in the file;
#: signed: the same with an explicit sign; pct: a proportion shown as a
#: percentage; month_year: a date shown as "October 2007".
KINDS = ("int", "num", "signed", "pct", "month_year")

#: (key, "file:path", kind, unit, meaning). ``file`` is config, measures or
#: simulation; path parts are mapping keys, list indices (``0``, ``-1``) or
#: ``*`` (every key of a mapping; branches that lack the rest of the path are
#: skipped, but at least one must match).
CONFIG_NUMBERS: tuple[tuple[str, str, str, str, str], ...] = (
    # --- analysis choices: config/config.yaml -------------------------------
    ("config.alpha", "config:analysis.alpha", "num", "",
     "Significance level of every test (two-sided)"),
    ("config.wilcoxon_tie_decimals", "config:analysis.wilcoxon_tie_decimals", "int", "decimals",
     "Decimal places paired differences are rounded to before the Wilcoxon test ranks them"),
    ("config.estimability.min_obs_per_param", "config:analysis.estimability.min_obs_per_param", "int",
     "observations", "Estimability: fewest observations per model parameter"),
    ("config.estimability.min_clusters", "config:analysis.estimability.min_clusters", "int", "people",
     "Estimability: fewest people with both reports for a rate ratio"),
    ("config.estimability.min_events", "config:analysis.estimability.min_events", "int", "events",
     "Estimability: fewest events in both periods together (each outcome, for a logistic model)"),
    ("config.sparse.min_total", "config:analysis.service_use_sparse.min_total", "int", "events",
     "Sparse-events rule: fewest events in both periods together for the GEE result to be reported"),
    ("config.sparse.min_people", "config:analysis.service_use_sparse.min_people", "int", "people",
     "Sparse-events rule: fewest people with any use for the GEE result to be reported"),
    ("config.engagement.window_start", "config:analysis.engagement.window_start", "int", "days",
     "Staying engaged: first day after baseline of the attendance window"),
    ("config.engagement.window_end", "config:analysis.engagement.window_end", "int", "days",
     "Staying engaged: last day after baseline of the attendance window"),
    ("config.engagement.min_sessions", "config:analysis.engagement.min_sessions", "int", "sessions",
     "Staying engaged: fewest sessions attended within the window"),
    ("config.deid.k", "config:deidentify.disclosure.k", "int", "people",
     "k-anonymity: fewest people in any combination of quasi-identifiers in the release"),
    ("config.survey.invited", "config:survey.invited", "int", "Trusts",
     "Mental Health Trusts invited to the survey (denominator of the response rate)"),
    ("config.quotes.per_theme", "config:qualitative.quotes.per_theme", "int", "quotations",
     "Most quotations selected per theme"),
    ("config.quotes.min_chars", "config:qualitative.quotes.min_chars", "int", "characters",
     "Shortest quotation selected"),
    ("config.quotes.max_chars", "config:qualitative.quotes.max_chars", "int", "characters",
     "Longest quotation selected"),
    ("config.formatting.p_min", "config:formatting.p_min", "num", "",
     "Smallest p-value printed as a value; smaller ones print as an upper bound"),
    ("config.formatting.p_decimals", "config:formatting.p_decimals", "int", "decimals",
     "Decimal places of printed p-values"),
    # --- scoring rules: config/measures.yaml --------------------------------
    ("config.scoring.min_answered_pct", "measures:defaults.min_answered_share", "pct", "proportion",
     "Share of a scale's items that must be answered for a score (default)"),
    ("config.measures.{0}.response_min", "measures:measures.*.response_min", "int", "",
     "{0}: lowest response code"),
    ("config.measures.{0}.response_max", "measures:measures.*.response_max", "int", "",
     "{0}: highest response code"),
    # --- simulator assumptions: config/simulation.yaml ----------------------
    ("assumption.sim.recruitment.start", "simulation:recruitment.start", "month_year", "date",
     "Simulator: first day of recruitment"),
    ("assumption.sim.recruitment.days", "simulation:recruitment.days", "int", "days",
     "Simulator: length of the recruitment window"),
    ("assumption.sim.referral_lag.min", "simulation:referral_lag_days.0", "int", "days",
     "Simulator: shortest time from referral to baseline interview"),
    ("assumption.sim.referral_lag.max", "simulation:referral_lag_days.-1", "int", "days",
     "Simulator: longest time from referral to baseline interview"),
    ("assumption.sim.followup.target", "simulation:followup_days.target", "int", "days",
     "Simulator: target time from baseline to follow-up interview"),
    ("assumption.sim.followup.early", "simulation:followup_days.early", "int", "days",
     "Simulator: most days a follow-up interview may come before its target"),
    ("assumption.sim.followup.late", "simulation:followup_days.late", "int", "days",
     "Simulator: most days a follow-up interview may come after its target"),
    ("assumption.sim.withdrawal_rate", "simulation:withdrawal_rate", "pct", "proportion",
     "Simulator: share of participants who withdraw"),
    ("assumption.sim.consent_quotes_rate", "simulation:consent_quotes_rate", "pct", "proportion",
     "Simulator: share of participants consenting to quotation"),
    ("assumption.sim.screening.{0}.ineligible", "simulation:screening.*.ineligible", "int", "people",
     "Simulator, {0}: referrals screened out as not eligible"),
    ("assumption.sim.screening.{0}.declined", "simulation:screening.*.declined", "int", "people",
     "Simulator, {0}: eligible referrals who declined"),
    ("assumption.sim.sites.{0}.ethnicity_not_recorded", "simulation:sites.*.ethnicity.not_recorded",
     "int", "people", "Simulator, {0}: participants whose ethnicity was not recorded"),
    ("assumption.sim.sites.{0}.education_not_recorded", "simulation:sites.*.education.not_recorded",
     "int", "people", "Simulator, {0}: participants whose education was not recorded"),
    ("assumption.sim.dependants_3plus.min", "simulation:dependants_3plus_values.0", "int", "dependants",
     "Simulator: first candidate count behind the open top category of dependants"),
    ("assumption.sim.dependants_3plus.max", "simulation:dependants_3plus_values.-1", "int", "dependants",
     "Simulator: last candidate count behind the open top category of dependants"),
    ("assumption.sim.outcomes.{0}.change.{1}", "simulation:outcomes.*.change.*", "signed", "points",
     "Simulator: true mean change in {0} at {1}"),
    ("assumption.sim.outcomes.{0}.medication_effect", "simulation:outcomes.*.medication_effect",
     "num", "points", "Simulator: true effect on follow-up {0} of choosing to take medication as prescribed"),
    ("assumption.sim.medication.share.{0}", "simulation:medication.shares.*", "pct", "proportion",
     "Simulator: share of participants whose baseline medication status is {0}"),
    ("assumption.sim.medication.persistence", "simulation:medication.persistence", "pct", "proportion",
     "Simulator: chance that medication status at follow-up equals baseline status"),
    ("assumption.sim.satisfaction.slope", "simulation:satisfaction.slope", "num", "points per point",
     "Simulator: true change in satisfaction per point of baseline severity"),
    ("assumption.sim.engagement.{0}.log_or", "simulation:engagement.*.log_or", "num", "",
     "Simulator: true log odds ratio of staying engaged per point of baseline {0}"),
    ("assumption.sim.engagement.sessions.{0}.every_days", "simulation:engagement.sessions.*.every_days",
     "int", "days", "Simulator, {0}: days between scheduled sessions"),
    ("assumption.sim.engagement.sessions.{0}.attend_prob", "simulation:engagement.sessions.*.attend_prob",
     "pct", "proportion", "Simulator, {0}: chance of attending a scheduled session"),
    ("assumption.sim.service_use.{0}.rate_ratio.{1}", "simulation:service_use.*.rate_ratio.*", "num", "",
     "Simulator: true follow-up to baseline rate ratio of {0} at {1}"),
    ("assumption.sim.item_missing_rate", "simulation:item_missing_rate", "pct", "proportion",
     "Simulator: share of questionnaire items missing at random"),
    ("assumption.sim.block_missing_rate", "simulation:block_missing_rate", "pct", "proportion",
     "Simulator: share of measures left mostly blank"),
    ("assumption.sim.interviews.service_users_baseline", "simulation:interviews.service_users_baseline",
     "int", "people", "Simulator: service users interviewed at baseline, per site"),
    ("assumption.sim.interviews.service_users_followup", "simulation:interviews.service_users_followup",
     "int", "people", "Simulator: of those, service users interviewed again at follow-up, per site"),
    ("assumption.sim.interviews.carers", "simulation:interviews.carers", "int", "people",
     "Simulator: carers interviewed, per site"),
    ("assumption.sim.interviews.staff", "simulation:interviews.staff", "int", "people",
     "Simulator: project staff interviewed, per site"),
    ("assumption.sim.interviews.managers", "simulation:interviews.managers", "int", "people",
     "Simulator: strategic managers interviewed, per site"),
    ("assumption.sim.interviews.consent_quotes_rate", "simulation:interviews.consent_quotes_rate",
     "pct", "proportion", "Simulator: share of interviewees consenting to quotation"),
    ("assumption.sim.survey.invited", "simulation:survey.invited", "int", "Trusts",
     "Simulator: Mental Health Trusts invited to the survey"),
    ("assumption.sim.survey.responded", "simulation:survey.responded", "int", "Trusts",
     "Simulator: Mental Health Trusts that respond to the survey"),
)

_MISSING = object()


# --------------------------------------------------------------------------
# reading the table
# --------------------------------------------------------------------------


def _step(node: Any, part: str) -> Any:
    """One step down a path: a mapping key or a list index; ``_MISSING`` if absent."""
    if isinstance(node, Mapping):
        return node.get(part, _MISSING)
    if isinstance(node, list):
        try:
            return node[int(part)]
        except (ValueError, IndexError):
            return _MISSING
    return _MISSING


def _resolve(node: Any, parts: list[str], names: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Values at a path; ``*`` runs over a mapping's keys (names collected in order)."""
    if not parts:
        yield names, node
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(node, Mapping):
            for name, child in node.items():
                yield from _resolve(child, rest, (*names, str(name)))
        return
    child = _step(node, head)
    if child is not _MISSING:
        yield from _resolve(child, rest, names)


def written_decimals(x: Any) -> int:
    """Decimal places of a number as written (``0.45`` -> 2, ``1.0`` -> 1, ``3`` -> 0)."""
    if isinstance(x, numbers.Integral):
        return 0
    exponent = Decimal(repr(float(x))).as_tuple().exponent
    return max(0, -int(exponent))


def _check_kind(key: str, kind: str, value: Any) -> None:
    """Fail unless ``value`` suits ``kind``."""
    if kind not in KINDS:
        raise ConfigNumbersError(f"{key}: unknown kind {kind!r} (use one of {', '.join(KINDS)})")
    if kind == "month_year":
        if not isinstance(value, datetime.date):
            raise ConfigNumbersError(f"{key}: expected a date, found {value!r}")
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigNumbersError(f"{key}: expected a number, found {value!r}")
    if kind == "int" and not isinstance(value, numbers.Integral):
        raise ConfigNumbersError(f"{key}: expected a whole number, found {value!r}")


def display(kind: str, value: Any, fcfg: Mapping[str, Any] | None) -> str:
    """Display text of a configuration value of the given kind (see :data:`KINDS`)."""
    if kind == "int":
        return fmt.fmt_int(value, fcfg)
    if kind == "num":
        return fmt.fmt_num(value, written_decimals(value), fcfg)
    if kind == "signed":
        return fmt.fmt_signed(value, written_decimals(value), fcfg)
    if kind == "pct":
        return fmt.fmt_pct(value, max(0, written_decimals(value) - 2), fcfg, proportion=True)
    if kind == "month_year":
        return fmt.fmt_month_year(value, fcfg)
    raise ConfigNumbersError(f"unknown kind {kind!r}")


def _words(name: str) -> str:
    """A config name as words for a meaning (``quality_of_life`` -> ``quality of life``)."""
    return name.replace("_", " ")


def table_records(
    documents: Mapping[str, Any],
    fcfg: Mapping[str, Any] | None,
    specs: tuple[tuple[str, str, str, str, str], ...] = CONFIG_NUMBERS,
) -> list[dict[str, Any]]:
    """Records of the rows of a (key, path, kind, unit, meaning) table.

    Parameters
    ----------
    documents : mapping
        Parsed files by name (``config``, ``measures``, ``simulation``).
    fcfg : mapping or None
        Formatting configuration.
    specs : tuple, optional
        The table (default :data:`CONFIG_NUMBERS`).

    Returns
    -------
    list of dict
        One record per value found, in table order (file order within a ``*``).

    Raises
    ------
    ConfigNumbersError
        If a path matches nothing or a value is not of its kind.
    """
    records = []
    for key_t, where, kind, unit, meaning_t in specs:
        source, _, path = where.partition(":")
        if source not in documents:
            raise ConfigNumbersError(f"{key_t}: unknown file {source!r} in {where!r}")
        found = list(_resolve(documents[source], path.split(".")))
        if not found:
            raise ConfigNumbersError(f"{key_t}: nothing at {where!r}")
        for names, value in found:
            key = key_t.format(*(n.lower() for n in names))
            _check_kind(key, kind, value)
            stored = value.isoformat() if isinstance(value, datetime.date) else value
            meaning = meaning_t.format(*(_words(n) for n in names))
            records.append(make_record(key, stored, display(kind, value, fcfg), meaning, unit))
    return records


# --------------------------------------------------------------------------
# derived records
# --------------------------------------------------------------------------


def _join(parts: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _item_numbers(items: list[str], chosen: list[str], fcfg: Mapping[str, Any] | None) -> tuple[str, str]:
    """Questionnaire positions of ``chosen`` among ``items``: (value, display).

    A run of consecutive positions shows as a range (``1-6``), anything else as
    a list (``4, 7, 8 and 10``)."""
    pos = sorted(items.index(i) + 1 for i in chosen)
    value = " ".join(str(p) for p in pos)
    if len(pos) > 1 and pos == list(range(pos[0], pos[-1] + 1)):
        return value, fmt.fmt_range(pos[0], pos[-1], 0, fcfg)
    return value, _join([fmt.fmt_int(p, fcfg) for p in pos])


def _derived_measures(measures: Mapping[str, Any], fcfg: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Instrument facts of ``config/measures.yaml``: items, ranges, reverse keys, subscales."""
    checked = check_measures(measures)["measures"]
    scales = scale_table(measures)
    records = []
    for name, m in checked.items():
        base, label = f"config.measures.{name}", m["label"]
        n, lo, hi = len(m["items"]), m["response_min"], m["response_max"]
        primary = scales[(scales["measure"] == name) & scales["primary"]].iloc[0]
        s_lo, s_hi = float(primary["score_min"]), float(primary["score_max"])
        records += [
            make_record(f"{base}.n_items", n, fmt.fmt_int(n, fcfg), f"{label}: number of items", "items"),
            make_record(f"{base}.response_range", f"{lo} {hi}", fmt.fmt_range(lo, hi, 0, fcfg),
                        f"{label}: range of the response codes"),
            make_record(f"{base}.range", f"{s_lo!r} {s_hi!r}", fmt.fmt_range(s_lo, s_hi, 0, fcfg),
                        f"{label}: range of the outcome score as scored ({primary['method']})", "points"),
            make_record(f"{base}.sum_range", f"{n * lo} {n * hi}", fmt.fmt_range(n * lo, n * hi, 0, fcfg),
                        f"{label}: range of the sum of all items", "points"),
            make_record(f"{base}.n_reverse", len(m["reverse"]), fmt.fmt_int(len(m["reverse"]), fcfg),
                        f"{label}: number of reverse-keyed items", "items"),
        ]
        if m["reverse"]:
            value, shown = _item_numbers(m["items"], m["reverse"], fcfg)
            records.append(make_record(f"{base}.reverse_items", value, shown,
                                       f"{label}: questionnaire numbers of the reverse-keyed items"))
        for sub, spec in m["subscales"].items():
            k = len(spec["items"])
            value, shown = _item_numbers(m["items"], spec["items"], fcfg)
            records += [
                make_record(f"{base}.{sub}.n_items", k, fmt.fmt_int(k, fcfg),
                            f"{label}, {_words(sub)} subscale: number of items", "items"),
                make_record(f"{base}.{sub}.items", value, shown,
                            f"{label}, {_words(sub)} subscale: questionnaire numbers of its items"),
            ]
    return records


def _derived_config(config: Mapping[str, Any], fcfg: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Labels built from configured limits: age bands and open top categories."""
    edges = [int(e) for e in config["deidentify"]["age_bands"]]
    bands = [fmt.fmt_range(a, b - 1, 0, fcfg) for a, b in zip(edges, edges[1:])]
    bands.append(fmt.fmt_int(edges[-1], fcfg) + "+")
    records = [
        make_record("config.deid.age_bands", " ".join(str(e) for e in edges), _join(bands),
                    "Age bands of the de-identified data (from their lower limits)", "years"),
    ]
    level = (1 - float(config["analysis"]["alpha"])) * 100
    records.append(make_record("config.confidence_pct", level, fmt.confidence_pct(config["analysis"]["alpha"], fcfg),
                               "Confidence level of every interval (1 - alpha)", "%"))
    width_digits = int(fmt.format_config(fcfg)["ci_width_digits"])
    records.append(make_record("config.formatting.ci_width_digits_word", width_digits, fmt.count_word(width_digits),
                               "Significant digits shown of an interval's width (precision rule; in words)", "digits"))
    n_sites, n_outcomes = len(config["sites"]), len(config["analysis"]["outcomes"])
    records.append(make_record("config.n_sites", n_sites, fmt.fmt_int(n_sites, fcfg), "Study sites", "sites"))
    records.append(make_record("config.n_sites_word", n_sites, fmt.count_word(n_sites), "Study sites (in words)", "sites"))
    trusts = f"{fmt.count_word(n_sites)} {'Trust' if n_sites == 1 else 'Trusts'}"
    records.append(make_record("config.n_sites_trusts", n_sites, trusts,
                               "Study sites as Trusts (number word and noun agreeing)", "sites"))
    records.append(make_record("config.n_outcomes", n_outcomes, fmt.fmt_int(n_outcomes, fcfg),
                               "Outcomes compared from baseline to follow-up", "outcomes"))
    for row in config["analysis"]["baseline_table"]:
        if row.get("display_bins"):
            top = int(max(row["display_bins"]))
            records.append(make_record(
                f"config.baseline_table.{row['name']}.top_bin", top, fmt.fmt_int(top, fcfg) + "+",
                f"Baseline table: open top category of {_words(row['name'])}",
            ))
    return records


#: Mean days of a month (a Gregorian year over twelve), to name a period in days in months.
DAYS_PER_MONTH = 365.25 / 12


def _derived_simulation(simulation: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The simulator's follow-up target in whole months, in words (274 days: "nine")."""
    days = (simulation.get("followup_days") or {}).get("target")
    if not isinstance(days, numbers.Real) or isinstance(days, bool):
        return []
    months = int(round(float(days) / DAYS_PER_MONTH))
    return [make_record("assumption.sim.followup.target_months_word", months, fmt.count_word(months),
                        "Simulator: target time from baseline to follow-up interview, in whole months (in words)",
                        "months")]


def model_records(analysis: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The model specification as records (``model.<name>.*``), words from the configuration.

    ``terms`` (the right-hand side in words), ``adjustment`` (the ANCOVA's
    baseline score and covariates), ``covariates`` (value: the raw names,
    space-separated; display: in words, or "no further covariates"),
    ``link`` and ``ci`` (the interval method).
    """
    records = []
    for name, spec in model_specification(analysis).items():
        base = f"model.{name}"
        covs = [term_label(c) for c in spec["covariates"]]
        records += [
            make_record(f"{base}.terms", " ".join(spec["terms"]), terms_in_words(spec),
                        f"Terms of the {name} model (model specification)"),
            make_record(f"{base}.covariates", " ".join(spec["covariates"]) or "none",
                        join_words(covs, "no further covariates"), f"Covariates of the {name} model"),
            make_record(f"{base}.link", spec["link"], spec["link"], f"Link function of the {name} model"),
            make_record(f"{base}.ci", spec["ci"], spec["ci"], f"Interval method of the {name} model"),
        ]
        if name == "ancova":
            records.append(make_record(f"{base}.adjustment", " ".join(["baseline", *spec["covariates"]]),
                                       join_words(["the baseline score", *covs]),
                                       "What the ANCOVA adjusts for besides the exposure"))
    return records


def _site_phrases(simulation: Mapping[str, Any], fcfg: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The simulator's per-site settings as one phrase each, over every simulated site.

    ``assumption.sim.screening.sites`` ("6 people not eligible and 11
    declining at LO, 4 and 9 at SO and 5 and 14 at NO") and
    ``assumption.sim.engagement.sessions.sites`` ("every 7 days at LO, ...,
    each attended with probability 60% at LO, ..."), so that the Methods
    name the sites of the hand-over whatever they are."""
    screening = simulation.get("screening") or {}
    parts = [(f"{display('int', v['ineligible'], fcfg)} people not eligible and "
              f"{display('int', v['declined'], fcfg)} declining at {site}") if i == 0 else
             f"{display('int', v['ineligible'], fcfg)} and {display('int', v['declined'], fcfg)} at {site}"
             for i, (site, v) in enumerate(screening.items())]
    sessions = (simulation.get("engagement") or {}).get("sessions") or {}
    every = [f"{display('int', v['every_days'], fcfg)}{' days' if i == 0 else ''} at {site}"
             for i, (site, v) in enumerate(sessions.items())]
    prob = [f"{display('pct', v['attend_prob'], fcfg)} at {site}" for site, v in sessions.items()]
    loss = simulation.get("loss_to_followup_rate")
    if isinstance(loss, Mapping):  # one rate per site
        loss_record = make_record("assumption.sim.loss_to_followup_rate", " ".join(f"{k}={v}" for k, v in loss.items()),
                                  join_words([f"{display('pct', v, fcfg)} at {site}" for site, v in loss.items()]),
                                  "Simulator: share of participants lost to follow-up, at every site", "proportion")
    else:
        loss_record = make_record("assumption.sim.loss_to_followup_rate", loss, display("pct", loss, fcfg),
                                  "Simulator: share of participants lost to follow-up", "proportion")
    return [
        loss_record,
        make_record("assumption.sim.screening.sites", " ".join(map(str, screening)), join_words(parts),
                    "Simulator: referrals screened out (not eligible, declining) at every site", "people"),
        make_record("assumption.sim.engagement.sessions.sites", " ".join(map(str, sessions)),
                    f"every {join_words(every)}, each session attended with probability {join_words(prob)}",
                    "Simulator: days between scheduled sessions and chance of attending one, at every site"),
    ]


def _realised_record(simulation: Mapping[str, Any]) -> dict[str, Any]:
    """``assumption.sim.realise_published``: ``yes`` when the simulator made the
    hand-over realise the published numbers (its ``constraints.realise_published``),
    else ``no``; the manuscript's sentences about that construction depend on it."""
    constraints = simulation.get("constraints") if isinstance(simulation.get("constraints"), Mapping) else {}
    flag = "yes" if constraints.get("realise_published") is True else "no"
    return make_record("assumption.sim.realise_published", flag, flag,
                       "Simulator: the hand-over was made to realise the published numbers (yes/no)")


def config_records(
    config: Mapping[str, Any], measures: Mapping[str, Any], simulation: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every number the manuscript quotes from the configuration.

    Parameters
    ----------
    config : mapping
        Parsed ``config/config.yaml`` (its ``formatting`` block formats every display).
    measures : mapping
        Parsed ``config/measures.yaml``.
    simulation : mapping
        Parsed ``config/simulation.yaml``.

    Returns
    -------
    list of dict
        Records (:func:`selfcare.report.registry.make_record`) under ``config.`` and
        ``assumption.sim.``: the rows of :data:`CONFIG_NUMBERS`, then the
        instrument facts and labels derived from the configuration.

    Raises
    ------
    ConfigNumbersError
        If a value of the table is absent or not a number, or a key repeats.
    """
    fcfg = config.get("formatting")
    documents = {"config": config, "measures": measures, "simulation": simulation}
    records = [
        *table_records(documents, fcfg),
        *_derived_measures(measures, fcfg),
        *_derived_config(config, fcfg),
        *_derived_simulation(simulation),
        *model_records(config["analysis"]),
        _realised_record(simulation),
        *_site_phrases(simulation, fcfg),
    ]
    seen: set[str] = set()
    for r in records:
        if r["key"] in seen:
            raise ConfigNumbersError(f"key {r['key']!r} is produced twice")
        seen.add(r["key"])
    return records
