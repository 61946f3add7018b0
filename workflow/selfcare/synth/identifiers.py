"""Invented identifiers of the participant register: names, NHS numbers
from the test range, dates of birth, postcodes, phone numbers and e-mail
addresses (:func:`participants`), drawn person by person or in whole arrays.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

import numpy as np
import pandas as pd

from selfcare.synth.facts import child_rng, vectorised

_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
#: Valid NHS numbers in the 999 test range (a check digit of 10 rules a number out).
NHS_TEST_NUMBERS = 909_091


def iso(start: dt.date, day: float) -> str:
    """ISO date ``day`` days after ``start`` (empty string for missing)."""
    if day is None or (isinstance(day, float) and np.isnan(day)):
        return ""
    return (start + dt.timedelta(days=int(day))).isoformat()


def iso_days(start: dt.date, days: Any) -> np.ndarray:
    """ISO dates ``days`` days after ``start``, in whole arrays (blank if missing).

    The same strings as :func:`iso`, element by element.
    """
    d = np.asarray(days, dtype=float)
    out = np.full(d.shape, "", dtype=object)
    ok = ~np.isnan(d)
    # each distinct day is formatted once (millions of sessions share a few hundred dates)
    unique, inverse = np.unique(d[ok].astype(np.int64), return_inverse=True)
    labels = (np.datetime64(start.isoformat(), "D") + unique).astype(str).astype(object)
    out[ok] = labels[inverse.reshape(-1)]
    return out


def unique_names(rng: np.random.Generator, genders: list[str], ident: Mapping[str, Any], taken: set[str]) -> list[str]:
    """Invented full names, unique across everyone in the study."""
    out = []
    for g in genders:
        pool = ident["first_names"]["female" if g == "female" else "male"]
        for _ in range(100_000):
            name = f"{rng.choice(pool)} {rng.choice(ident['surnames'])}"
            if name not in taken:
                taken.add(name)
                out.append(name)
                break
        else:
            raise ValueError("more people than distinct invented names: set draws: vectorised "
                             "(names may then repeat) or add names under identifiers")
    return out


def phone(rng: np.random.Generator, ident: Mapping[str, Any], site: str) -> str:
    """A number from Ofcom's ranges reserved for drama (never a real line)."""
    prefixes = ident["phone_prefixes"]
    if rng.random() < 0.7:
        return f"{prefixes['mobile']}{rng.integers(0, 1000):03d}"
    prefix = prefixes[site]
    width = 10 + prefix.count(" ") + 1 - len(prefix)
    return f"{prefix}{rng.integers(0, 10 ** width):0{width}d}"


def email(rng: np.random.Generator, name: str, ident: Mapping[str, Any]) -> str:
    first, last = name.split(" ", 1)
    local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
    return f"{local}{rng.integers(1, 99)}@{rng.choice(ident['email_domains'])}"


def _postcode(rng: np.random.Generator, ident: Mapping[str, Any], site: str) -> str:
    district = rng.choice(ident["postcode_districts"][site])
    letters = "".join(rng.choice(list(_INWARD_LETTERS), size=2))
    return f"{district} {rng.integers(0, 10)}{letters}"


def _nhs_numbers(rng: np.random.Generator, n: int) -> list[str]:
    from selfcare.raw.nhs import make_test_nhs_number

    seen: set[str] = set()
    out = []
    while len(out) < n:
        num = make_test_nhs_number(rng)
        if num not in seen:
            seen.add(num)
            out.append(num)
    return out


def _dob(rng: np.random.Generator, age: float, baseline: dt.date) -> str:
    """A date of birth that gives exactly ``age`` whole years at baseline."""
    if np.isnan(age):
        return ""
    a = int(age)
    try:
        latest = baseline.replace(year=baseline.year - a)
    except ValueError:  # 29 February
        latest = baseline.replace(year=baseline.year - a, day=28)
    earliest = latest.replace(year=latest.year - 1) + dt.timedelta(days=1) if not (
        latest.month == 2 and latest.day == 29
    ) else latest.replace(year=latest.year - 1, day=28) + dt.timedelta(days=1)
    span = (latest - earliest).days
    return (earliest + dt.timedelta(days=int(rng.integers(0, span + 1)))).isoformat()


def participants(
    cfg: Mapping[str, Any], people: pd.DataFrame, seed: int, taken: set[str], start: dt.date
) -> pd.DataFrame:
    """The participant register: identifiers, contact details, dates and consent.

    Names are added to ``taken`` so that interviewees get different ones.
    """
    ident = cfg["identifiers"]
    rng_id = child_rng(seed, "identifiers")
    if vectorised(cfg):
        return _participants_vectorised(rng_id, ident, people, start)
    names = unique_names(rng_id, list(people["gender"]), ident, taken)
    nhs = _nhs_numbers(rng_id, len(people))
    return pd.DataFrame(
        {
            "study_id": people["study_id"],
            "site": people["site"],
            "initiative": people["initiative"],
            "full_name": names,
            "nhs_number": nhs,
            "date_of_birth": [
                _dob(rng_id, a, start + dt.timedelta(days=int(b)))
                for a, b in zip(people["age"], people["baseline_day"])
            ],
            "postcode": [_postcode(rng_id, ident, s) for s in people["site"]],
            "phone": [phone(rng_id, ident, s) if rng_id.random() < 0.92 else "" for s in people["site"]],
            "email": [email(rng_id, nm, ident) if rng_id.random() < 0.8 else "" for nm in names],
            **_register_dates(people, start),
        }
    )


def _register_dates(people: pd.DataFrame, start: dt.date) -> dict[str, Any]:
    """The register's date, consent and withdrawal columns."""
    return {
        "referral_date": iso_days(start, people["referral_day"]),
        "baseline_date": iso_days(start, people["baseline_day"]),
        "followup_date": iso_days(start, people["followup_day"]),
        "consent_data": "yes",
        "consent_quotes": people["consent_quotes"].to_numpy(),
        "withdrawn": people["withdrawn"].to_numpy(),
        "withdrawal_date": iso_days(start, people["withdrawal_day"]),
    }


def _birth_dates(rng: np.random.Generator, age: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Dates of birth giving exactly ``age`` whole years at ``baseline`` (whole arrays)."""
    ok = ~np.isnan(age)
    out = np.full(len(age), "", dtype=object)
    b = pd.DatetimeIndex(baseline[ok].astype("datetime64[D]"))
    a = age[ok].astype(int)

    def shifted(years: np.ndarray) -> pd.DatetimeIndex:
        y = b.year.to_numpy() - years
        leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
        day = np.where((b.month == 2) & (b.day == 29) & ~leap, 28, b.day)
        return pd.DatetimeIndex(pd.to_datetime({"year": y, "month": b.month.to_numpy(), "day": day}))

    latest = shifted(a)
    earliest = shifted(a + 1) + pd.Timedelta(days=1)
    span = (latest - earliest).days.to_numpy()
    dob = earliest + pd.to_timedelta(np.floor(rng.random(len(a)) * (span + 1)), unit="D")
    out[ok] = dob.strftime("%Y-%m-%d").to_numpy(dtype=object)
    return out


def _pick(rng: np.random.Generator, pool: Any, n: int) -> np.ndarray:
    """``n`` draws (with replacement) from a list, as an object array."""
    arr = np.asarray(list(pool), dtype=object)
    return arr[rng.integers(0, len(arr), size=n)]


def _nhs_numbers_vectorised(rng: np.random.Generator, n: int) -> np.ndarray:
    """NHS numbers from the 999 test range: unique while the range lasts.

    The range holds about 909,000 valid numbers; beyond that they repeat.
    """
    weights = np.arange(10, 1, -1)
    first9 = 999_000_000 + np.arange(1_000_000)
    digits = (first9[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    check = (11 - (digits @ weights) % 11) % 11
    valid = check != 10
    numbers = first9[valid] * 10 + check[valid]
    pick = rng.choice(len(numbers), size=n, replace=n > NHS_TEST_NUMBERS)
    return numbers[pick].astype(str).astype(object)


def _participants_vectorised(
    rng: np.random.Generator, ident: Mapping[str, Any], people: pd.DataFrame, start: dt.date
) -> pd.DataFrame:
    """The participant register drawn in whole arrays (``draws: vectorised``).

    Same columns and kinds of values as the per-person draw; names may
    repeat (a large register has namesakes).
    """
    n = len(people)
    female = (people["gender"] == "female").to_numpy()
    first = np.where(female, _pick(rng, ident["first_names"]["female"], n), _pick(rng, ident["first_names"]["male"], n))
    last = _pick(rng, ident["surnames"], n)
    names = first + " " + last
    site = people["site"].to_numpy()
    baseline = np.datetime64(start.isoformat(), "D") + people["baseline_day"].to_numpy().astype(np.int64)
    district = np.empty(n, dtype=object)
    landline = np.empty(n, dtype=object)
    prefixes = ident["phone_prefixes"]
    for code in pd.unique(site):
        at = site == code
        district[at] = _pick(rng, ident["postcode_districts"][code], int(at.sum()))
        width = 10 + prefixes[code].count(" ") + 1 - len(prefixes[code])
        landline[at] = [f"{prefixes[code]}{v:0{width}d}" for v in rng.integers(0, 10**width, size=int(at.sum()))]
    letters = _pick(rng, _INWARD_LETTERS, n) + _pick(rng, _INWARD_LETTERS, n)
    postcode = district + " " + rng.integers(0, 10, size=n).astype(str).astype(object) + letters
    mobile = np.array([f"{prefixes['mobile']}{v:03d}" for v in rng.integers(0, 1000, size=n)], dtype=object)
    phone = np.where(rng.random(n) < 0.7, mobile, landline)
    local = np.array([f"{f}.{x}".lower().replace("'", "").replace(" ", "") for f, x in zip(first, last)], dtype=object)
    email = local + rng.integers(1, 99, size=n).astype(str).astype(object) + "@" + _pick(
        rng, ident["email_domains"], n)
    return pd.DataFrame(
        {
            "study_id": people["study_id"].to_numpy(),
            "site": site,
            "initiative": people["initiative"].to_numpy(),
            "full_name": names,
            "nhs_number": _nhs_numbers_vectorised(rng, n),
            "date_of_birth": _birth_dates(rng, people["age"].to_numpy(dtype=float), baseline),
            "postcode": postcode,
            "phone": np.where(rng.random(n) < 0.92, phone, ""),
            "email": np.where(rng.random(n) < 0.8, email, ""),
            **_register_dates(people, start),
        }
    )
