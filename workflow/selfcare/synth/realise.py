"""Realising the published executive-summary numbers in the shipped hand-over.

A random draw around the published effects gives numbers near the published
ones, not the published ones (one seed put the LO empowerment change at +1.6
against the published 3.9). As with the Table 1 counts and the
Kruskal-Wallis H (:mod:`selfcare.synth.facts`), the shipped hand-over is made
to realise each published number by construction: after the random draw,
single item responses (and, for A&E, single follow-up counts) of chosen
people are moved by one step, greedily, until the workflow's own methods
(the estimators of :mod:`selfcare.analysis`, on scores made by
:mod:`selfcare.scoring`) give each published number at its printed
precision. Each target moves only data that no earlier target depends on:

=====================  ================================================  =========================
published number       what moves                                        estimator
=====================  ================================================  =========================
LO A&E reduction, p    LO follow-up A&E counts                           GEE, bias-reduced SE
LO empowerment change  LO follow-up Empowerment Scale items              paired t
LO confidence change   LO follow-up MHCS items                           paired t
SO confidence change   SO follow-up MHCS items                           paired t
medication, empower.   SO and NO follow-up Empowerment Scale items       ANCOVA (exposure p)
medication, confid.    NO follow-up MHCS items                           ANCOVA (exposure p)
severity and satisf.   follow-up CSQ-8 items                             OLS coefficient and CI
staying engaged        baseline MANSA and STAR-P positive-collab. items  logistic, Wald p
=====================  ================================================  =========================

Only items that are answered, not reverse-keyed and part of the outcome's
scale are moved, one response step at a time, so every response stays in
range and the scoring rules are untouched. The calibration test
(``tests/synth/test_calibration.py``) draws replicates WITHOUT this step: it
checks the estimators, this step only fixes the one shipped draw.

The search works on scores (one item step changes a prorated score by a
known amount) with closed-form versions of the estimators; the result is
then re-scored and re-estimated through the workflow's own code, and a
target that is not met raises an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd
import scipy.stats as st

from selfcare.synth.quantitative import outcome_scale

__all__ = ["realise_published", "TARGETS"]

#: Published executive-summary numbers (config/published.yaml) as windows:
#: a value v printed with d decimals is realised when the estimate lies in
#: [v - 0.5 x 10^-d, v + 0.5 x 10^-d), shrunk by a small margin.
TARGETS = (
    "lo_ae_reduction", "lo_empowerment", "lo_confidence", "so_confidence",
    "medication_empowerment", "medication_confidence", "severity_satisfaction",
    "qol_engagement", "collaboration_engagement",
)
_MARGIN = 0.1  # share of the half-window kept clear of the rounding edge


def _window(value: float, decimals: int) -> tuple[float, float]:
    half = 0.5 * 10.0 ** -decimals
    return value - (1 - _MARGIN) * half, value + (1 - _MARGIN) * half


def _hinge(x: float, win: tuple[float, float], scale: float) -> float:
    """Distance of ``x`` outside the window, in units of ``scale``."""
    if not math.isfinite(x):
        return 1e9
    return max(0.0, win[0] - x, x - win[1]) / scale


@dataclass
class _Movable:
    """Score of each row that may move, the step of one item move, and room."""

    rows: np.ndarray  # positions in the dataset
    step: np.ndarray  # score change of one item step up (scored direction)
    up: np.ndarray  # item steps available upwards
    down: np.ndarray  # and downwards


def _candidates(mov: _Movable, moves: np.ndarray, pairs: bool) -> list[tuple[tuple[int, int], ...]]:
    """Allowed moves: one item step of one row, or (``pairs``) of two rows at once."""
    single = [((j, sign),) for j in range(len(mov.rows)) for sign in (1, -1)
              if (sign > 0 and moves[j] < mov.up[j]) or (sign < 0 and -moves[j] < mov.down[j])]
    if not pairs:
        return single
    return [a + b for i, a in enumerate(single) for b in single[i + 1:] if a[0][0] != b[0][0]]


def _greedy(base: np.ndarray, mov: _Movable, loss: Callable[[np.ndarray], float], max_iter: int = 400) -> np.ndarray:
    """Net item steps per movable row that bring ``loss`` to zero (greedy).

    Each round tries one step up and one step down for every movable row
    and keeps the best; when no single step helps, pairs of steps (two rows
    at once) are tried. Ties go to the first candidate (deterministic).

    Returns
    -------
    numpy.ndarray
        Net steps per movable row (positive: up).

    Raises
    ------
    RuntimeError
        If the search stops before the loss is zero.
    """
    moves = np.zeros(len(mov.rows), dtype=int)
    values = base.copy()
    current = loss(values)
    for _ in range(max_iter):
        if current == 0:
            return moves
        best: tuple[float, tuple] = (current, ())
        for pairs in (False, True):
            for cand in _candidates(mov, moves, pairs):
                for j, sign in cand:
                    values[mov.rows[j]] += sign * mov.step[j]
                trial = loss(values)
                for j, sign in cand:
                    values[mov.rows[j]] -= sign * mov.step[j]
                if trial < best[0] - 1e-15:
                    best = (trial, cand)
            if best[1]:
                break
        if not best[1]:
            break
        for j, sign in best[1]:
            values[mov.rows[j]] += sign * mov.step[j]
            moves[j] += sign
        current = best[0]
    if current != 0:
        raise RuntimeError(f"realise_published: greedy search stopped with loss {current:.4g}")
    return moves


# ---------------------------------------------------------------------------
# closed-form estimators used by the search (the workflow's are used to check)
# ---------------------------------------------------------------------------


def _paired(d: np.ndarray, alpha: float) -> tuple[float, float, float]:
    n = d.size
    m, s = d.mean(), d.std(ddof=1)
    h = st.t.ppf(1 - alpha / 2, n - 1) * s / math.sqrt(n)
    return m, m - h, m + h


def _ols(y: np.ndarray, x: np.ndarray, j: int, alpha: float) -> tuple[float, float, float, float]:
    """Coefficient ``j`` of an OLS fit: estimate, CI and p."""
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    resid = y - x @ beta
    dof = len(y) - x.shape[1]
    se = math.sqrt(resid @ resid / dof * xtx_inv[j, j])
    t = st.t.ppf(1 - alpha / 2, dof)
    return beta[j], beta[j] - t * se, beta[j] + t * se, 2 * st.t.sf(abs(beta[j] / se), dof)


def _logit_p(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Wald p-values of a logistic fit by Newton's method."""
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ beta)))
        w = p * (1 - p)
        info = x.T @ (x * w[:, None])
        delta = np.linalg.solve(info, x.T @ (y - p))
        beta += delta
        if np.max(np.abs(delta)) < 1e-12:
            break
    p = 1 / (1 + np.exp(-(x @ beta)))
    cov = np.linalg.inv(x.T @ (x * (p * (1 - p))[:, None]))
    return 2 * st.norm.sf(np.abs(beta / np.sqrt(np.diag(cov))))


def _gee_br(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Rate ratio and p of the period-only Poisson GEE, exchangeable working
    correlation, Mancl-DeRouen covariance (closed form: every person has the
    fitted means of the two periods; the working correlation is the moment
    estimate statsmodels uses)."""
    n = x.size
    m = np.array([x.mean(), y.mean()])
    r = np.column_stack([(x - m[0]) / np.sqrt(m[0]), (y - m[1]) / np.sqrt(m[1])])
    scale = (r**2).sum() / (2 * n - 2)
    rho = (r[:, 0] * r[:, 1]).sum() / scale / (n - 2)
    a = np.diag(m)
    v = np.sqrt(a) @ np.array([[1, rho], [rho, 1]]) @ np.sqrt(a)
    vi = np.linalg.inv(v)
    d = a @ np.array([[1.0, 0.0], [1.0, 1.0]])
    naive = np.linalg.inv(n * d.T @ vi @ d)
    ih = np.linalg.inv(np.eye(2) - d @ naive @ d.T @ vi)
    res = np.column_stack([x - m[0], y - m[1]])
    middle = sum(d.T @ vi @ ih @ np.outer(e, e) @ ih.T @ vi @ d for e in res)
    se = math.sqrt((naive @ middle @ naive)[1, 1])
    beta = math.log(m[1] / m[0])
    return math.exp(beta), 2 * st.norm.sf(abs(beta / se))


# ---------------------------------------------------------------------------
# what may move: item steps of a measure, per person
# ---------------------------------------------------------------------------


def _eligible_items(measures: Mapping[str, Any], name: str) -> tuple[Any, list[str], float]:
    """The outcome scale of a measure, its movable items and the score factor."""
    scale = outcome_scale(measures, name)
    factor = float(scale.k) if scale.method == "sum" else 1.0
    return scale, [c for c in scale.items if c not in scale.reverse], factor


def _movable_items(ds: pd.DataFrame, frame: pd.DataFrame, measures: Mapping[str, Any], name: str,
                   col: str, mask: np.ndarray) -> _Movable:
    """Rows of ``ds`` (where ``mask`` and the score are present) whose score
    can move by one item step, with the size of the step and the room."""
    scale, items, factor = _eligible_items(measures, name)
    pos = {sid: i for i, sid in enumerate(frame["study_id"])}
    rows, steps, ups, downs = [], [], [], []
    for r in np.flatnonzero(mask & ds[col].notna().to_numpy()):
        i = pos.get(ds["pid"].iat[r])
        if i is None:
            continue
        answered = frame.iloc[i][scale.items].notna().sum()
        vals = frame.iloc[i][items].to_numpy(dtype=float, na_value=np.nan)
        vals = vals[~np.isnan(vals)]
        rows.append(r)
        steps.append(factor / answered)
        ups.append(int((scale.hi - vals).sum()))
        downs.append(int((vals - scale.lo).sum()))
    return _Movable(np.array(rows, dtype=int), np.array(steps), np.array(ups), np.array(downs))


def _apply_item_moves(ds: pd.DataFrame, frame: pd.DataFrame, measures: Mapping[str, Any], name: str,
                      mov: _Movable, moves: np.ndarray) -> None:
    """Write the net item steps into ``frame`` (in place), spread over the
    movable items of each person in turn."""
    scale, items, _ = _eligible_items(measures, name)
    pos = {sid: i for i, sid in enumerate(frame["study_id"])}
    for r, m in zip(mov.rows, moves):
        if m == 0:
            continue
        i = pos[ds["pid"].iat[r]]
        sign = 1 if m > 0 else -1
        left, k = abs(int(m)), 0
        while left:
            c = items[k % len(items)]
            v = frame.at[frame.index[i], c]
            if not pd.isna(v) and scale.lo <= v + sign <= scale.hi:
                frame.at[frame.index[i], c] = v + sign
                left -= 1
            k += 1


# ---------------------------------------------------------------------------
# the targets
# ---------------------------------------------------------------------------


def _decimals(x: float) -> int:
    """Decimals of a published number as written (an integer has none)."""
    from decimal import Decimal

    if isinstance(x, int):
        return 0
    exp = Decimal(repr(float(x))).as_tuple().exponent
    return max(0, -int(exp)) if isinstance(exp, int) else 0


def _item(published: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    for it in published["summary"]:
        if it["key"] == key:
            return it
    raise KeyError(f"config/published.yaml has no summary item {key!r}")


def _value_windows(item: Mapping[str, Any]) -> list[tuple[float, float]]:
    """Windows of the estimate and the interval bounds (as published)."""
    dec = max(_decimals(v) for v in [item["value"], *item.get("ci", [])])
    return [_window(float(v), dec) for v in [item["value"], *item.get("ci", [])]]


def _p_window(item: Mapping[str, Any]) -> tuple[float, float]:
    return _window(float(item["p"]), int(item.get("p_decimals", 3)))


def _realise_ae(q: dict[str, pd.DataFrame], ds: pd.DataFrame, item: Mapping[str, Any]) -> None:
    """LO A&E: move single baseline counts of people who attended (never to
    zero, so the Table 1 count of attenders stays) and follow-up counts."""
    sub = np.flatnonzero((ds["site"] == "LO").to_numpy() & ds["ae_bl"].notna().to_numpy() & ds["ae_fu"].notna().to_numpy())
    n = sub.size
    values = np.r_[ds["ae_bl"].to_numpy(float)[sub], ds["ae_fu"].to_numpy(float)[sub]]
    floor = np.r_[np.where(values[:n] > 0, 1, 0), np.zeros(n)]
    can = np.r_[values[:n] > 0, np.ones(n, dtype=bool)]
    rows = np.flatnonzero(can)
    mov = _Movable(rows, np.ones(rows.size), np.full(rows.size, 3), (values[rows] - floor[rows]).astype(int))
    win_red = _window(float(item["value"]), _decimals(item["value"]))
    win_p = _p_window(item)

    def loss(v: np.ndarray) -> float:
        rr, p = _gee_br(v[:n], v[n:])
        return _hinge((1 - rr) * 100, win_red, 1.0) + _hinge(p, win_p, 0.001)

    moves = _greedy(values, mov, loss)
    new = values.copy()
    new[rows] += moves
    for tp, part in (("baseline", new[:n]), ("followup", new[n:])):
        frame = q[tp]
        where = dict(zip(frame["study_id"], frame.index))
        for r, v in zip(sub, part):
            frame.at[where[ds["pid"].iat[r]], "ae_attendances"] = int(v)


def _change_loss(ds: pd.DataFrame, outcome: str, site: str, wins: list, alpha: float) -> tuple[np.ndarray, Callable]:
    pair = ((ds["site"] == site) & ds[f"{outcome}_bl"].notna() & ds[f"{outcome}_fu"].notna()).to_numpy()
    bl = ds[f"{outcome}_bl"].to_numpy(float)

    def loss(fu: np.ndarray) -> float:
        est = _paired(fu[pair] - bl[pair], alpha)
        return sum(_hinge(e, w, 0.1) for e, w in zip(est, wins))

    return pair, loss


def _ancova_loss(ds: pd.DataFrame, outcome: str, exposure: str, win: tuple, alpha: float) -> tuple[np.ndarray, Callable]:
    cc = (ds[f"{outcome}_bl"].notna() & ds[f"{outcome}_fu"].notna() & ds[exposure].notna()).to_numpy()
    sites = ds["site"].to_numpy()[cc]
    x = np.column_stack([np.ones(cc.sum()), ds[f"{outcome}_bl"].to_numpy(float)[cc], ds[exposure].to_numpy(float)[cc],
                         *[(sites == s).astype(float) for s in sorted(set(sites))[1:]]])

    def loss(fu: np.ndarray) -> float:
        return _hinge(_ols(fu[cc], x, 2, alpha)[3], win, 0.001)

    return cc, loss


def _realise_scores(q: dict[str, pd.DataFrame], ds: pd.DataFrame, measures: Mapping[str, Any], name: str,
                    tp: str, mask: np.ndarray, loss: Callable) -> None:
    """Move item responses of ``name`` at ``tp`` for rows in ``mask`` until
    ``loss`` (a function of the score column) is zero; update ``ds``."""
    col = f"{name}_{'bl' if tp == 'baseline' else 'fu'}"
    mov = _movable_items(ds, q[tp], measures, name, col, mask)
    values = ds[col].to_numpy(float).copy()
    moves = _greedy(values, mov, loss)
    _apply_item_moves(ds, q[tp], measures, name, mov, moves)
    values[mov.rows] += moves * mov.step
    ds[col] = values


def _realise_engagement(q: dict[str, pd.DataFrame], ds: pd.DataFrame, measures: Mapping[str, Any],
                        predictors: list[str], wins: list[tuple[float, float]]) -> None:
    """Move baseline items of the engagement predictors until both Wald p-values hit."""
    names = [p.removesuffix("_bl") for p in predictors]
    cc = (ds["engaged"].notna() & ds[predictors].notna().all(axis=1)).to_numpy()
    y = ds["engaged"].to_numpy(float)[cc]
    n_all = len(ds)
    movs = [_movable_items(ds, q["baseline"], measures, nm, f"{nm}_bl", cc) for nm in names]
    joint = _Movable(np.r_[movs[0].rows, movs[1].rows + n_all], np.r_[movs[0].step, movs[1].step],
                     np.r_[movs[0].up, movs[1].up], np.r_[movs[0].down, movs[1].down])
    values = np.r_[ds[predictors[0]].to_numpy(float), ds[predictors[1]].to_numpy(float)]

    def loss(v: np.ndarray) -> float:
        x = np.column_stack([np.ones(cc.sum()), v[:n_all][cc], v[n_all:][cc]])
        p = _logit_p(y, x)
        return _hinge(p[1], wins[0], 0.001) + _hinge(p[2], wins[1], 0.001)

    moves = _greedy(values, joint, loss)
    k = len(movs[0].rows)
    for nm, mov, mv in zip(names, movs, (moves[:k], moves[k:])):
        _apply_item_moves(ds, q["baseline"], measures, nm, mov, mv)
        col = f"{nm}_bl"
        vals = ds[col].to_numpy(float).copy()
        vals[mov.rows] += mv * mov.step
        ds[col] = vals


def realise_published(
    q: Mapping[str, pd.DataFrame],
    measures: Mapping[str, Any],
    analysis_cfg: Mapping[str, Any],
    published: Mapping[str, Any],
    dataset: Callable[[Mapping[str, pd.DataFrame]], pd.DataFrame],
) -> dict[str, pd.DataFrame]:
    """A copy of the simulated tables that realises the published summary.

    Parameters
    ----------
    q : mapping
        Output of :func:`selfcare.synth.quantitative.simulate_quantitative`.
    measures : mapping
        ``config/measures.yaml``.
    analysis_cfg : mapping
        The ``analysis`` section of ``config/config.yaml`` (the methods).
    published : mapping
        ``config/published.yaml`` (its ``summary`` items are the targets).
    dataset : callable
        Builds the analysis dataset from such tables with the workflow's
        scoring and dataset code (:func:`selfcare.synth.calibration.dataset_from_tables`).

    Returns
    -------
    dict of pandas.DataFrame
        The tables with the moved item responses and counts.

    Raises
    ------
    RuntimeError
        If a target cannot be reached by the moves allowed.
    """
    q = {k: v.copy() for k, v in q.items()}
    alpha = float(analysis_cfg["alpha"])
    anc = analysis_cfg["ancova"]
    ds = dataset(q)
    site = ds["site"].to_numpy()
    _realise_ae(q, ds, _item(published, "lo_ae_reduction"))
    for key, outcome, where in (("lo_empowerment", "empowerment", "LO"), ("lo_confidence", "confidence", "LO"),
                                ("so_confidence", "confidence", "SO")):
        pair, loss = _change_loss(ds, outcome, where, _value_windows(_item(published, key)), alpha)
        _realise_scores(q, ds, measures, outcome, "followup", pair, lambda v, f=loss: f(v))
    for key, outcome, sites in (("medication_empowerment", "empowerment", ("SO", "NO")),
                                ("medication_confidence", "confidence", ("NO",))):
        cc, loss = _ancova_loss(ds, outcome, anc["exposure"], _p_window(_item(published, key)), alpha)
        _realise_scores(q, ds, measures, outcome, "followup", cc & np.isin(site, sites), loss)
    sat = analysis_cfg["satisfaction"]
    cc = (ds[sat["outcome"]].notna() & ds[sat["predictor"]].notna()).to_numpy()
    sites = site[cc]
    x = np.column_stack([np.ones(cc.sum()), ds[sat["predictor"]].to_numpy(float)[cc],
                         *[(sites == s).astype(float) for s in sorted(set(sites))[1:]]])
    wins = _value_windows(_item(published, "severity_satisfaction"))

    def sat_loss(v: np.ndarray) -> float:
        return sum(_hinge(e, w, 0.001) for e, w in zip(_ols(v[cc], x, 1, alpha)[:3], wins))

    _realise_scores(q, ds, measures, sat["outcome"].removesuffix("_fu"), "followup", cc, sat_loss)
    eng = analysis_cfg["engagement"]
    if eng["covariates"]:
        raise RuntimeError("realise_published: the engagement search handles a model without covariates only")
    _realise_engagement(q, ds, measures, list(eng["predictors"]),
                        [_p_window(_item(published, k)) for k in ("qol_engagement", "collaboration_engagement")])
    return q
