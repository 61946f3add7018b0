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

    def est_ci(
        self, key: str, ci_key: str, value: float, lo: float, hi: float, decimals: int,
        meaning: str, ci_meaning: str, unit: str = "", signed: bool = False,
    ) -> None:
        """An estimate and its interval, with the precision rule applied to both.

        ``decimals`` is a minimum; :func:`selfcare.report.formatting.width_decimals`
        adds places until the interval's width shows two significant digits.
        """
        d = fmt.width_decimals(lo, hi, decimals, self.cfg)
        self.est(key, value, d, meaning, unit, signed)
        self.ci(ci_key, lo, hi, d, ci_meaning)

    def p(self, key: str, p: float, meaning: str) -> None:
        self.add(key, p, fmt.fmt_p(p, self.cfg, bare=True), meaning)

    def count(self, key: str, n: Any, meaning: str) -> None:
        self.add(key, int(n), fmt.fmt_int(int(n), self.cfg), meaning, "people")
