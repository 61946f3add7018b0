"""Number records with their display strings: the builder every stage uses.

A stage that reports numbers collects them in a :class:`Records`; each record
(:func:`selfcare.report.registry.make_record`) carries the full-precision value
and the display string made by :mod:`selfcare.report.formatting`.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from selfcare.report import formatting as fmt
from selfcare.report.registry import make_record

#: What the report shows in place of a number whose model failed an
#: estimability check (:mod:`selfcare.analysis.estimability`).
NOT_ESTIMABLE = "not estimable"


def not_estimable_display(reason: str, first: bool = True) -> str:
    """``"not estimable (reason)"`` for an estimate, ``"not estimable"`` for its interval or p."""
    return f"{NOT_ESTIMABLE} ({reason})" if first and reason else NOT_ESTIMABLE


class Records:
    """Collects number records of one analysis (display strings via formatting)."""

    def __init__(self, fcfg: Mapping[str, Any]):
        self.cfg = fmt.format_config(fcfg)
        self.items: list[dict[str, Any]] = []

    def add(self, key: str, value: Any, display: str, meaning: str, unit: str = "") -> None:
        v = value
        if isinstance(v, (float, np.floating)) and not np.isfinite(v):
            v = "NaN"
        self.items.append(make_record(key, v, display, meaning, unit))

    def est(self, key: str, value: float, decimals: int, meaning: str, unit: str = "", signed: bool = False) -> None:
        f = fmt.fmt_signed if signed else fmt.fmt_num
        self.add(key, value, f(value, decimals, self.cfg), meaning, unit)

    def ci(self, key: str, lo: float, hi: float, decimals: int, meaning: str) -> None:
        self.add(key, f"{float(lo)!r} {float(hi)!r}", fmt.fmt_ci(lo, hi, decimals, self.cfg), meaning)

    def blank(self, key: str, reason: str, meaning: str, unit: str = "", first: bool = True) -> None:
        """A number that is not estimable: its display says so (with the reason on the estimate)."""
        self.add(key, f"{NOT_ESTIMABLE}: {reason}", not_estimable_display(reason, first), meaning, unit)

    def est_ci(
        self, key: str, ci_key: str, value: float, lo: float, hi: float, decimals: int,
        meaning: str, ci_meaning: str, unit: str = "", signed: bool = False, reason: str = "",
    ) -> None:
        """An estimate and its interval, with the precision rule applied to both.

        ``decimals`` is a minimum; :func:`selfcare.report.formatting.width_decimals`
        adds places until the interval's width shows two significant digits.
        With a ``reason`` (a failed estimability check) both say "not estimable".
        """
        if reason:
            self.blank(key, reason, meaning, unit)
            self.blank(ci_key, reason, ci_meaning, first=False)
            return
        d = fmt.width_decimals(lo, hi, decimals, self.cfg)
        self.est(key, value, d, meaning, unit, signed)
        self.ci(ci_key, lo, hi, d, ci_meaning)

    def p(self, key: str, p: float, meaning: str, reason: str = "") -> None:
        if reason:
            self.blank(key, reason, meaning, first=False)
            return
        self.add(key, p, fmt.fmt_p(p, self.cfg, bare=True), meaning)

    def count(self, key: str, n: Any, meaning: str) -> None:
        self.add(key, int(n), fmt.fmt_int(int(n), self.cfg), meaning, "people")
