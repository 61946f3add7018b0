"""NHS numbers: the modulus-11 check digit, validity, and test numbers.

Test numbers (for the SYNTHETIC hand-over) come from the 999 range, which is
never issued to patients, and carry valid check digits.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = [
    "is_valid_nhs_number",
    "make_test_nhs_number",
    "nhs_check_digit",
]

# ---------------------------------------------------------------------------
# 1. NHS numbers
# ---------------------------------------------------------------------------

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_NHS_FULL_RE = re.compile(r"\d{3}[ -]?\d{3}[ -]?\d{4}")


def nhs_check_digit(first9: str) -> int | None:
    """Compute the modulus-11 check digit of an NHS number.

    Digits 1-9 are weighted 10 down to 2 and summed; the check digit is
    ``11 - (sum mod 11)``, with 11 written as 0. A result of 10 means that no
    valid NHS number starts with these nine digits.

    Parameters
    ----------
    first9 : str
        Exactly nine ASCII digits.

    Returns
    -------
    int or None
        The check digit 0-9, or ``None`` when the check would be 10.

    Raises
    ------
    ValueError
        If ``first9`` is not nine digits.
    """
    if not isinstance(first9, str) or not re.fullmatch(r"[0-9]{9}", first9):
        raise ValueError("nhs_check_digit needs exactly nine digits")
    total = sum(int(d) * w for d, w in zip(first9, _NHS_WEIGHTS))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    """Tell whether a string is a well-formed NHS number with a valid check digit.

    Parameters
    ----------
    value : str
        Ten digits, optionally grouped 3-3-4 with single spaces or hyphens
        ("943 476 5919", "943-476-5919"); surrounding whitespace is ignored.

    Returns
    -------
    bool
        ``True`` when the format and the check digit are both correct. Any
        non-string input gives ``False``.
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not _NHS_FULL_RE.fullmatch(text):
        return False
    digits = re.sub(r"\D", "", text)
    return nhs_check_digit(digits[:9]) == int(digits[9])


def make_test_nhs_number(rng: np.random.Generator) -> str:
    """Draw a synthetic NHS number from the 999 000 0000-999 999 9999 test range.

    Parameters
    ----------
    rng : numpy.random.Generator
        Seeded generator (the only source of randomness).

    Returns
    -------
    str
        Ten digits without spaces, starting ``999``, with a valid check digit.
        Draws whose check digit would be 10 are discarded and redrawn.
    """
    while True:
        first9 = f"999{int(rng.integers(0, 1_000_000)):06d}"
        check = nhs_check_digit(first9)
        if check is not None:
            return f"{first9}{check}"
