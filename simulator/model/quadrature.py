"""Cohort survival on quadrature nodes, for many draws at once (:mod:`simulator.model.cohorts`
sums the same cohorts exactly).

The churn probability theta ~ Beta(alpha, beta) is put on quadrature nodes theta_k (the
trapezoid rule on ln s, s = -ln(1 - theta), exponentially convergent for this analytic
integrand, plus one atom at theta = 0 for customers who practically never churn;
:func:`_log_grid_nodes`). A node's customers survive a month with multiplier c_t with
probability (1 - theta_k) ** c_t, so each cohort path is a running product per node and new
cohorts simply add to it; a base customer of tenure n sits on node k with weight proportional
to w_k (1 - theta_k) ** n. The month loop runs compiled (:mod:`simulator.model.cohort_pools`).
Every run checks the quadrature against the closed form E[(1 - theta) ** E] over the exposures
it can meet and refines the grid until the largest relative error is below
:data:`QUADRATURE_TOLERANCE`; :attr:`Quadrature.error` reports the error found. A segment with
constant churn is one node, exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import betaln

from simulator.model.cohorts import CohortRun, Defection, Key

QUADRATURE_TOLERANCE = 1e-6
"""Largest relative error of the sBG node quadrature accepted by :class:`QuadratureCohorts`."""

_LOG_CUT = 15.0  # nodes whose density is below e^-15 of the peak for every exposure are cut
_SAME_PATH = 1e-13  # relative difference of multipliers below which two paths are the same


@dataclass(frozen=True)
class _Nodes:
    """Quadrature of theta's mixing distribution: nodes s_k = -ln(1 - theta_k) shared by all
    draws (node 0 is the atom at s = 0), the squaring stride m (s doubles every m nodes:
    :func:`simulator.model.cohort_pools.run_pools`), weights (draws, K), the share of today's base
    on each node (draws, K; :func:`_base_masses`), and the largest relative error found by
    the check."""

    s: np.ndarray
    stride: int
    weights: np.ndarray
    masses: np.ndarray
    error: float

    def rows(self, start: int, stop: int) -> _Nodes:
        return _Nodes(
            self.s, self.stride, self.weights[start:stop], self.masses[start:stop], self.error
        )


@dataclass(frozen=True, kw_only=True)
class Quadrature:
    """The survival quadrature of a run of draws: per segment, nodes shared by every draw and
    one set of weights per draw (:func:`quadrature_of`).

    The nodes come from all the run's draws at once, so a draw's result does not depend on
    which other draws share its chunk or block, only on the set of (alpha, beta) values in
    the run; a scenario and its no-change baseline over the same draws and horizon share it.
    """

    segments: tuple[_Nodes, ...]
    draws: int

    @property
    def error(self) -> float:
        """Largest relative error of the survival quadrature found by the check (0 when every
        segment has constant churn)."""
        return max((n.error for n in self.segments), default=0.0)

    def rows(self, start: int, stop: int) -> Quadrature:
        """The same nodes, with the weights of draws ``start:stop`` only."""
        return Quadrature(
            segments=tuple(n.rows(start, stop) for n in self.segments), draws=stop - start
        )


def segment_nodes(
    alpha: np.ndarray,
    beta: np.ndarray,
    constant_churn: float | None,
    base_by_tenure: Sequence[float],
    max_exposure: int,
) -> _Nodes:
    """The quadrature of one segment for the draws of ``alpha`` and ``beta`` (shape (draws,)),
    good for exposures up to ``max_exposure``."""
    alpha = np.asarray(alpha, dtype=float).reshape(-1)
    beta = np.asarray(beta, dtype=float).reshape(-1)
    counts = np.asarray(base_by_tenure, dtype=float)
    if constant_churn is not None:
        # Node 0 is always the atom at s = 0; here it is empty.
        s = np.array([0.0, -math.log1p(-constant_churn)])
        weights = np.tile([0.0, 1.0], (alpha.size, 1))
        return _Nodes(s, 1, weights, weights, 0.0)
    emax = float(max(max_exposure, 1))
    check = np.unique(np.concatenate(([0.5, 1.0], np.geomspace(1.0, emax, 6))))
    exact = np.exp(betaln(alpha[:, None], beta[:, None] + check) - betaln(alpha, beta)[:, None])
    stride = max(1, math.ceil(math.log(2.0) * math.sqrt(float(alpha.max())) / 0.6))
    for _ in range(4):
        s, weights = _log_grid_nodes(alpha, beta, emax, stride)
        approx = weights @ np.exp(-np.outer(s, check))
        error = float(np.max(np.abs(approx / exact - 1.0)))
        if error <= QUADRATURE_TOLERANCE:
            break
        stride *= 2
    return _Nodes(s, stride, weights, _base_masses(-s, weights, counts), error)


def _log_grid_nodes(
    alpha: np.ndarray, beta: np.ndarray, max_exposure: float, stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """Trapezoid rule on y = ln s, s = -ln(1 - theta), theta ~ Beta(alpha, beta).

    In y the density is (1 - e^-s)^(alpha - 1) e^(-beta s) s / B(alpha, beta): analytic, with
    tails decaying like e^(alpha y) and e^(-beta e^y), so the trapezoid rule converges
    exponentially in 1 / step. The step is ln 2 / ``stride``, which makes the nodes geometric
    with ratio 2 every ``stride`` nodes (s_{k + m} = 2 s_k exactly): survival factors then
    follow by squaring. The grid covers every bump (1 - theta)^E times the density,
    0 <= E <= ``max_exposure``, down to e^-15 of its peak; nodes whose survival stays 1 (to
    1e-12) for every such exposure are merged into one atom at s = 0 (node 0).
    """
    step = math.log(2.0) / stride
    spread = _LOG_CUT / alpha + np.sqrt(2.0 * _LOG_CUT / alpha)
    low = float(np.min(np.log(alpha / (beta + max_exposure)) - spread)) - 1.0
    count = math.ceil((4.0 - low) / step)
    first = np.exp(low + step * np.arange(stride))
    s = (first[None, :] * 2.0 ** np.arange(math.ceil(count / stride))[:, None]).reshape(-1)
    log_keep = np.log(-np.expm1(-s))
    log_s = np.log(s)
    needed = np.zeros(s.size, bool)
    # More exposure moves the bump towards s = 0 (it multiplies the density by e^(-E s)), so
    # the bumps of exposures 0 and E_max bound those of every exposure in between.
    for exposure in (0.0, max_exposure):
        log_bump = (alpha[:, None] - 1.0) * log_keep - (beta[:, None] + exposure) * s + log_s
        needed |= np.any(log_bump >= log_bump.max(axis=1, keepdims=True) - _LOG_CUT, axis=0)
    # Keep whole strides so that the squaring chain stays aligned.
    start = (int(np.flatnonzero(needed)[0]) // stride) * stride
    stop = int(np.flatnonzero(needed)[-1]) + 1
    s, log_keep, log_s = s[start:stop], log_keep[start:stop], log_s[start:stop]
    weights = step * np.exp(
        (alpha[:, None] - 1.0) * log_keep - beta[:, None] * s + log_s - betaln(alpha, beta)[:, None]
    )
    stays = int(np.sum(s * max_exposure < 1e-12)) // stride * stride
    atom = weights[:, :stays].sum(axis=1, keepdims=True)
    nodes = np.concatenate(([0.0], s[stays:]))
    weights = np.concatenate((atom, weights[:, stays:]), axis=1)
    return nodes, weights / weights.sum(axis=1, keepdims=True)


def _base_masses(log_keep: np.ndarray, weights: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Share of today's base on each node: a customer of tenure n has survived n renewals, so
    sits on node k with weight w_k (1 - theta_k)^n / sum_j w_j (1 - theta_j)^n."""
    if counts.sum() <= 0:
        return weights
    tenure = np.arange(counts.size)
    # Scaled by the largest node survival per tenure so nothing underflows; the scale cancels.
    log_survival = np.outer(log_keep, tenure)
    survival = np.exp(log_survival - log_survival.max(axis=0))
    per_tenure = weights @ survival
    return weights * (((counts / counts.sum()) / per_tenure) @ survival.T)


class QuadratureCohorts:
    """Cohort survival of one segment on quadrature nodes, for many draws (module docstring).

    ``nodes`` is the segment's quadrature for these draws (:func:`segment_nodes`, or a block of
    a :class:`Quadrature`); ``base_total`` today's customers.
    """

    def __init__(self, nodes: _Nodes, base_total: float) -> None:
        self.nodes = nodes
        self.base_total = float(base_total)

    def base_log_kept(self, c: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ln of the share of today's base alive after one month at ``c`` on the nodes, and its
        derivative (for :func:`shock_multipliers`)."""
        log_keep = -self.nodes.s
        kept = self.nodes.masses[rows] * np.exp(np.asarray(c)[:, None] * log_keep)
        total = kept.sum(axis=1)
        return np.log(total), (kept @ log_keep) / total

    def run(
        self,
        paths: Mapping[Key, np.ndarray],
        base_key: Key,
        paid_keys: Sequence[Key],
        referred_keys: Sequence[Key],
        planned_paid: np.ndarray,
        referral_rate: np.ndarray,
        defection: Defection,
    ) -> CohortRun:
        """Every cohort through the horizon on the nodes (arguments as
        :meth:`simulator.model.cohorts.ExactCohorts.run`).

        One pool of cohorts per multiplier path. A pool whose path from month t on is that of
        another pool with the same price joins it then (e.g. once a notice shock has faded);
        a pool that joins at month 0 is never kept apart at all. Pools whose customers knew
        today's price and pay the new one are kept apart throughout: their exits and
        defectors are counted.
        """
        draws, horizon = np.shape(planned_paid)
        joins = _joins(paths, horizon, defection.counted)
        home = {key: key for key in paths}
        for key, into in joins.pop(0, ()):
            home[key] = into
        pools = [key for key in sorted(paths) if home[key] == key]
        index = {key: i for i, key in enumerate(pools)}
        start_pool = index[home[base_key]]
        join_month, join_from, join_into = [], [], []
        paid_pool = np.empty(horizon, np.int64)
        referred_pool = np.empty(horizon, np.int64)
        for t in range(horizon):
            for key, into in joins.get(t, ()):
                join_month.append(t)
                join_from.append(index[key])
                join_into.append(index[into])
                home.update({k: into for k, h in home.items() if h == key})
            paid_pool[t] = index[home[paid_keys[t]]]
            referred_pool[t] = index[home[referred_keys[t]]]
        # Imported here: numba takes a good part of a second to import, and the command line's
        # calibrate and the single-scenario pages never need it.
        from simulator.model.cohort_pools import run_pools

        kept = np.broadcast_to(defection.reservation, (draws, horizon))
        before = np.concatenate((np.ones((draws, 1)), kept[:, :-1]), axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(before > 0, kept / np.where(before > 0, before, 1.0), 0.0)
        counted = np.array([key in defection.counted for key in pools])
        ones = np.ones((draws, horizon))
        nodes = self.nodes
        per_node = np.ascontiguousarray(nodes.weights.T)
        # Months before draws, so that each month's values for a tile of draws are contiguous.
        out = {name: np.zeros((horizon, draws)) for name in CohortRun.__dataclass_fields__}
        run_pools(
            np.stack([np.broadcast_to(paths[key], (draws, horizon)) for key in pools]),
            np.stack(
                [
                    np.broadcast_to(defection.price_free.get(key, ones), (draws, horizon))
                    for key in pools
                ]
            ),
            np.stack([ratio if counted[i] else ones for i in range(len(pools))]),
            counted,
            nodes.s,
            nodes.stride,
            per_node,
            np.ascontiguousarray(nodes.masses.T) * self.base_total,
            start_pool,
            np.full(draws, self.base_total),
            np.ascontiguousarray(planned_paid),
            paid_pool,
            referred_pool,
            np.ascontiguousarray(np.broadcast_to(referral_rate, (draws, horizon))),
            np.ascontiguousarray(np.broadcast_to(defection.word_of_mouth, (draws,))),
            np.ascontiguousarray(np.broadcast_to(defection.decay, (draws,))),
            np.array(join_month, np.int64),
            np.array(join_from, np.int64),
            np.array(join_into, np.int64),
            np.array([key[0] for key in pools]),
            out["customers"],
            out["old_price"],
            out["paid"],
            out["referred"],
            out["defectors"],
            out["knew"],
        )
        return CohortRun(**{name: values.T for name, values in out.items()})


def _joins(
    paths: Mapping[Key, np.ndarray], horizon: int, apart: frozenset[Key] = frozenset()
) -> dict[int, list[tuple[Key, Key]]]:
    """Month index t -> (pool, pool it joins) for pools of the same price (grandfathered or
    not) whose multiplier paths agree to :data:`_SAME_PATH` from month t + 1 to the horizon
    (a notice shock fades geometrically, so the shocked and unshocked paths meet only to
    rounding). Pools in ``apart`` neither join nor are joined."""
    joins: dict[int, list] = {}
    keys = sorted(paths)
    merged: set = set()
    for i, key in enumerate(keys):
        for other in keys[i + 1 :]:
            if other in merged or key in merged or key[0] != other[0] or key[2] != other[2]:
                continue
            if key in apart or other in apart:
                continue
            same = np.all(np.abs(paths[key] - paths[other]) <= _SAME_PATH * paths[key], axis=0)
            differs = np.flatnonzero(~same)
            start = 0 if differs.size == 0 else int(differs[-1]) + 1
            if start < horizon:
                joins.setdefault(start, []).append((other, key))
                merged.add(other)
    return joins
