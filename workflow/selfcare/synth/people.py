"""The study's people: each site's demographics from its counts
(:func:`people`), exactly (the published Table 1) or drawn from their shares.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from selfcare.synth.facts import (
    child_rng,
    constraint,
    dependants_counts,
    exact_categories,
    exact_flags,
    id_width,
    matched_site_ages,
    site_codes,
)


class _Counts:
    """A site's published counts, drawn exactly or as shares.

    With ``constraints.exact_counts`` every count is reproduced exactly (the
    counts must add up to the site's ``n``); otherwise each count is a share
    of ``counts_basis`` (default ``n``) and people are drawn at random, so
    that any ``n`` works.
    """

    def __init__(self, rng: np.random.Generator, cfg: Mapping[str, Any], site: str) -> None:
        sc = cfg["sites"][site]
        self.rng = rng
        self.n = int(sc["n"])
        self.basis = int(sc.get("counts_basis", self.n))
        self.exact = bool(constraint(cfg, "exact_counts"))

    def categories(self, counts: Mapping[str, int]) -> np.ndarray:
        """Labels with the given counts (exactly, or drawn with their shares)."""
        if self.exact:
            return exact_categories(self.rng, counts, self.n)
        keys = list(counts)
        p = np.array([float(counts[k]) for k in keys])
        return np.array(keys, dtype=object)[self.rng.choice(len(keys), size=self.n, p=p / p.sum())]

    def flags(self, k: int) -> np.ndarray:
        """Boolean flags, exactly ``k`` set (or each with share ``k / counts_basis``)."""
        if self.exact:
            return exact_flags(self.rng, int(k), self.n)
        return self.rng.random(self.n) < min(1.0, k / self.basis)


def _site_people(
    rng: np.random.Generator, cfg: Mapping[str, Any], site: str, ages: np.ndarray, deps: np.ndarray
) -> pd.DataFrame:
    """One site's people with demographics from the site's counts.

    ``ages`` and ``deps`` are the site's ages and dependants counts; they
    are shuffled here (an age is appended as missing if one is unreported).
    """
    sc = cfg["sites"][site]
    draw = _Counts(rng, cfg, site)
    n = draw.n
    width = id_width(cfg)
    ids = [f"{site}-{i:0{width}d}" for i in range(1, n + 1)]
    ages = ages.astype(float)
    if len(ages) < n:
        ages = np.append(ages, np.nan)
    rng.shuffle(ages)
    edu = dict(sc["education"])
    basis = n if draw.exact else draw.basis
    edu_counts = {**edu, "not_recorded": basis - sum(edu.values()) + edu.get("not_recorded", 0)}
    if edu_counts["not_recorded"] == 0:
        edu_counts.pop("not_recorded")
    deps = np.array(deps, dtype=int)
    rng.shuffle(deps)
    unemployed = draw.flags(int(sc["unemployed"]))
    other_emp = list(cfg["employment_other"])
    other_p = np.array([cfg["employment_other"][k] for k in other_emp], dtype=float)
    employment = np.where(
        unemployed, "unemployed", rng.choice(other_emp, size=n, p=other_p / other_p.sum())
    )
    return pd.DataFrame(
        {
            "study_id": ids,
            "site": site,
            "initiative": sc["initiative"],
            "age": ages,
            "gender": draw.categories(sc["gender"]),
            "ethnicity": draw.categories(sc["ethnicity"]),
            "dependants": deps,
            "marital_status": draw.categories(sc["marital_status"]),
            "education": draw.categories(edu_counts),
            "living_alone": np.where(draw.flags(int(sc["living_alone"])), "yes", "no"),
            "supported_accommodation": np.where(draw.flags(int(sc["supported_accommodation"])), "yes", "no"),
            "employment_status": employment,
        }
    )


def _drawn_dependants(cfg: Mapping[str, Any], seed: int) -> dict[str, list[int]]:
    """Dependants per person drawn from each site's category shares.

    "3+" people get a value drawn from ``dependants_3plus_values``.
    """
    rng = child_rng(seed, "dependants")
    out = {}
    for site in site_codes(cfg):
        spec = cfg["sites"][site]["dependants"]
        n = int(cfg["sites"][site]["n"])
        if constraint(cfg, "exact_counts"):
            cats = exact_categories(rng, spec, n)
        else:
            keys = list(spec)
            p = np.array([float(spec[k]) for k in keys])
            cats = np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]
        plus = rng.choice(np.asarray(cfg["dependants_3plus_values"], dtype=int), size=n)
        vals = np.where(cats == "3+", plus, np.char.replace(cats.astype(str), "3+", "0").astype(int))
        out[site] = sorted(int(v) for v in vals)
    return out


def check_exact_counts(cfg: Mapping[str, Any]) -> None:
    """With ``constraints.exact_counts``, every site's category counts must add up to its ``n``.

    Raises
    ------
    ValueError
        Naming the site and the setting, before any search starts.
    """
    if not constraint(cfg, "exact_counts"):
        return
    for site in site_codes(cfg):
        sc = cfg["sites"][site]
        for key in ("gender", "ethnicity", "dependants", "marital_status"):
            if sum(int(v) for v in sc[key].values()) != int(sc["n"]):
                raise ValueError(
                    f"sites.{site}.{key}: counts add up to {sum(int(v) for v in sc[key].values())}, not to "
                    f"n = {sc['n']}; set constraints.exact_counts: false (or --no-constraints) to use them as shares"
                )


def people(cfg: Mapping[str, Any], seed: int) -> pd.DataFrame:
    """Everyone in the study, site by site, with their demographics."""
    check_exact_counts(cfg)
    sites = site_codes(cfg)
    target_h = constraint(cfg, "dependants_h")
    if target_h is not None:
        if not constraint(cfg, "exact_counts"):
            raise ValueError("constraints.dependants_h needs constraints.exact_counts: true")
        dep = dependants_counts(
            {s: cfg["sites"][s]["dependants"] for s in sites},
            list(cfg["dependants_3plus_values"]),
            float(target_h),
        )
    else:
        dep = _drawn_dependants(cfg, seed)
    rng_demo = child_rng(seed, "demographics")
    site_ages = matched_site_ages(cfg, seed)
    rows = [_site_people(rng_demo, cfg, site, site_ages[site], dep[site]) for site in sites]
    return pd.concat(rows, ignore_index=True)
