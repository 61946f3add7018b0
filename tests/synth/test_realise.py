"""The construction that makes the shipped hand-over realise the published numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from selfcare.analysis.change import count_change
from selfcare.synth import realise as R


def test_closed_form_gee_equals_the_workflows_estimator():
    rng = np.random.default_rng(5)
    x = rng.poisson(2.0, 30).astype(float)
    y = rng.poisson(1.4, 30).astype(float)
    df = pd.DataFrame({"pid": range(30), "a": x, "b": y})
    res = count_change(df, "a", "b", "pid", sparse={"min_total": 0, "min_people": 0})
    rr, p = R._gee_br(x, y)
    assert rr == pytest.approx(res["gee_rate_ratio"], rel=1e-12)
    assert p == pytest.approx(res["gee_p_value"], rel=1e-9)


def test_windows_are_the_printed_precision_shrunk_by_a_margin():
    lo, hi = R._window(3.9, 1)
    assert 3.85 < lo < 3.86 and 3.94 < hi < 3.95
    assert R._decimals(35) == 0 and R._decimals(0.020) == 2 and R._decimals(7.0) == 1
    assert R._hinge(3.9, (lo, hi), 0.1) == 0 and R._hinge(4.0, (lo, hi), 0.1) > 0


def test_greedy_reaches_the_target_and_respects_the_room():
    base = np.array([1.0, 2.0, 3.0, 4.0])
    mov = R._Movable(np.arange(4), np.full(4, 0.5), np.array([1, 0, 2, 0]), np.array([0, 3, 0, 0]))

    def loss(v):
        return R._hinge(v.mean(), (2.85, 2.9), 0.01)

    moves = R._greedy(base, mov, loss)
    assert (moves <= mov.up).all() and (-moves <= mov.down).all()
    assert 2.85 <= (base + moves * mov.step).mean() <= 2.9
    with pytest.raises(RuntimeError, match="greedy search stopped"):
        R._greedy(base, mov, lambda v: R._hinge(v.mean(), (9.0, 9.1), 1.0))
