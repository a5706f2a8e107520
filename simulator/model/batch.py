"""The engine vectorised over many parameter draws: Monte Carlo, tornado and grid runs.

:func:`simulate_draws` projects one scenario for ``D`` sets of parameter values at once (the
Monte Carlo draws of :mod:`simulator.decisions.priors`, the rows of a tornado, or the cells of a
price x budget grid). It follows the cohort accounting of :func:`simulator.model.engine.simulate`
exactly (the same price paths, multipliers, referral loop, revenue and cash flow, model.md sections
2-4) and differs only in how the sBG survival is summed over cohorts:

* :func:`simulator.model.engine.simulate` evaluates B(alpha, beta + C0 + C) / B(alpha, beta + C0)
  for every cohort and month: exact, but its cost grows with cohorts x months;
* here the churn probability theta ~ Beta(alpha, beta) is represented on quadrature nodes
  theta_k (the trapezoid rule on ln s, s = -ln(1 - theta), exponentially convergent for this
  analytic integrand, plus one atom at theta = 0 for customers who practically never churn;
  :func:`_log_grid_nodes`). A node's
  customers survive a month with multiplier c_t with probability (1 - theta_k) ** c_t, so each
  cohort path is a running product per node and new cohorts simply add to it; a base customer
  of tenure n sits on node k with weight proportional to w_k (1 - theta_k) ** n.

The month loop over pools and nodes runs compiled (:mod:`simulator.model.cohort_pools`); the
rest (price paths, multipliers, service, money) is numpy over draws x months.

Every run checks the quadrature against the closed form E[(1 - theta) ** E] =
B(alpha, beta + E) / B(alpha, beta) over the exposures it can meet and refines the grid until
the largest relative error is below :data:`QUADRATURE_TOLERANCE`; the error found is reported in
:attr:`BatchProjection.quadrature_error`. A segment with constant churn is one node, exact.

Parameter values per draw are given by dotted path (:mod:`simulator.model.assumptions`):
``segments.<name>.<field>``, ``service.<field>``, ``service.<lever>.<field>``,
``fee_salience``, and the scenario settings ``scenario.price_change``,
``scenario.monthly_fee`` and ``scenario.<lever>_spend_per_month``. Paths not given keep the
business's (or scenario's) value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.special import betaln

from simulator.model.finance import monthly_discount_rate
from simulator.model.params import LEVERS, Business, Scenario, Segment
from simulator.model.price import SEGMENT_HAZARD_FIELDS, hazard_paths
from simulator.model.service import hill, ramp

QUADRATURE_TOLERANCE = 1e-6
"""Largest relative error of the sBG node quadrature accepted by :func:`simulate_draws`."""

NPV_RESOLUTION = 1e-9
"""Relative size of an NPV difference below which it is rounding, not an effect: the same draw
run beside different draws can differ in the last bits (vectorised exponentials), far below
the quadrature's 1e-6."""

DRAW_CHUNK = 2500
"""Most draws computed together: large enough that numpy, not Python, does the work."""

WORKERS = 2
"""Threads over chunks (numpy releases the GIL in its array loops)."""

_LOG_CUT = 15.0  # nodes whose density is below e^-15 of the peak for every exposure are cut
_SAME_PATH = 1e-13  # relative difference of multipliers below which two paths are the same
_REFERENCE_PRICE_RISE = math.log(1.1)  # the +10 % increase the notice-month shock is stated for


@dataclass(frozen=True, kw_only=True)
class BatchProjection:
    """One scenario projected for every draw.

    Attributes
    ----------
    segments
        Segment names, in the order of the ``customers`` axis.
    customers
        Active customers, shape (draws, segments, months).
    revenue, contribution, cash_flow
        Totals over segments, shape (draws, months), currency per month; cash flow is after
        acquisition costs and the service budget (as in :class:`simulator.model.engine.Projection`).
    npv
        Net present value of the cash flows over the horizon, shape (draws,); month 1 is not
        discounted.
    quadrature_error
        Largest relative error of the survival quadrature found by the check (0 when every
        segment has constant churn).
    """

    segments: tuple[str, ...]
    customers: np.ndarray
    revenue: np.ndarray
    contribution: np.ndarray
    cash_flow: np.ndarray
    npv: np.ndarray
    quadrature_error: float

    @property
    def draws(self) -> int:
        """Number of draws."""
        return int(self.npv.size)

    @property
    def total_customers(self) -> np.ndarray:
        """Active customers over all segments, shape (draws, months)."""
        return self.customers.sum(axis=1)


def simulate_draws(
    business: Business,
    scenario: Scenario,
    values: Mapping[str, np.ndarray] | None = None,
    *,
    service_works: np.ndarray | None = None,
    draws: int | None = None,
    quadrature: Quadrature | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> BatchProjection:
    """Project ``scenario`` for every draw of parameter ``values``.

    Parameters
    ----------
    business, scenario
        The values every draw starts from.
    values
        Dotted path -> array of one value per draw (see the module docstring).
    service_works
        One flag per draw; where False the service programme failed and its quality index is 0
        (model.md section 3.4, implementation failure). All True when omitted.
    draws
        Number of draws; needed only when neither ``values`` nor ``service_works`` says it.
    quadrature
        The survival quadrature of these draws (:func:`quadrature`), when the caller already
        has it (a baseline and its scenario share it, as do blocks of one run); computed here
        otherwise.
    on_chunk
        Called with the number of draws done after each chunk of at most :data:`DRAW_CHUNK`
        draws (in the calling thread).

    Returns
    -------
    BatchProjection
    """
    values = _as_columns(values)
    n = _draw_count(values, service_works, draws)
    works = np.ones(n, bool) if service_works is None else np.asarray(service_works, bool)
    if quadrature is None:
        quadrature = quadrature_of(business, scenario, values, draws=n)
    elif quadrature.draws != n:
        raise ValueError(f"the quadrature is for {quadrature.draws} draws, not {n}")
    # Every worker gets a share of the draws, in chunks of at most DRAW_CHUNK.
    size = min(DRAW_CHUNK, -(-n // WORKERS))
    starts = range(0, n, size)

    def run(start: int) -> _Chunk:
        stop = min(start + size, n)
        part = {k: v[start:stop] for k, v in values.items()}
        nodes = quadrature.rows(start, stop)
        return _chunk(business, scenario, part, works[start:stop], nodes.segments)

    chunks = []
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(starts))) as pool:
        for chunk in pool.map(run, starts):
            chunks.append(chunk)
            if on_chunk is not None:
                on_chunk(min(n, len(chunks) * size))
    return BatchProjection(
        segments=tuple(s.name for s in business.segments),
        customers=np.concatenate([c.customers for c in chunks]),
        revenue=np.concatenate([c.revenue for c in chunks]),
        contribution=np.concatenate([c.contribution for c in chunks]),
        cash_flow=np.concatenate([c.cash_flow for c in chunks]),
        npv=np.concatenate([c.npv for c in chunks]),
        quadrature_error=max(c.error for c in chunks),
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

    def rows(self, start: int, stop: int) -> Quadrature:
        """The same nodes, with the weights of draws ``start:stop`` only."""
        return Quadrature(
            segments=tuple(
                _Nodes(n.s, n.stride, n.weights[start:stop], n.masses[start:stop], n.error)
                for n in self.segments
            ),
            draws=stop - start,
        )


def quadrature_of(
    business: Business,
    scenario: Scenario,
    values: Mapping[str, np.ndarray] | None = None,
    *,
    draws: int | None = None,
) -> Quadrature:
    """The :class:`Quadrature` of ``business`` for the draws of ``values`` (as in
    :func:`simulate_draws`) over ``scenario``'s horizon; only the horizon of ``scenario``
    matters."""
    values = _as_columns(values)
    every = _Values(values, _draw_count(values, None, draws))
    return Quadrature(
        segments=tuple(
            _mixing_nodes(
                seg,
                lambda f, seg=seg: every.get(f"segments.{seg.name}.{f}", getattr(seg, f)),
                len(seg.base_customers_by_tenure) + 2 * scenario.horizon_months,
            )
            for seg in business.segments
        ),
        draws=every.draws,
    )


def _as_columns(values: Mapping[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=float).reshape(-1) for k, v in (values or {}).items()}


def _draw_count(
    values: Mapping[str, np.ndarray], service_works: np.ndarray | None, draws: int | None
) -> int:
    """The number of draws all the inputs agree on."""
    sizes = {v.size for v in values.values()}
    if service_works is not None:
        sizes.add(np.asarray(service_works).size)
    if draws is not None:
        sizes.add(int(draws))
    if len(sizes) != 1:
        raise ValueError(f"every array of values must have one entry per draw; sizes {sizes}")
    (n,) = sizes
    if n < 1:
        raise ValueError("at least one draw is needed")
    return n


@dataclass(frozen=True)
class _Chunk:
    customers: np.ndarray
    revenue: np.ndarray
    contribution: np.ndarray
    cash_flow: np.ndarray
    npv: np.ndarray
    error: float


class _Values:
    """Parameter values of a chunk of draws, as (draws, 1) columns."""

    def __init__(self, values: Mapping[str, np.ndarray], draws: int) -> None:
        self._values = values
        self.draws = draws

    def get(self, path: str, default: float) -> np.ndarray:
        value = self._values.get(path)
        if value is None:
            return np.full((self.draws, 1), float(default))
        return value.reshape(-1, 1)


def beats(delta_npv: np.ndarray, baseline_npv: np.ndarray) -> np.ndarray:
    """True where a scenario's NPV exceeds its baseline's by more than rounding: the
    difference ``delta_npv`` is above :data:`NPV_RESOLUTION` of the baseline's NPV."""
    return np.asarray(delta_npv) > NPV_RESOLUTION * np.abs(np.asarray(baseline_npv))


def _chunk(
    business: Business,
    scenario: Scenario,
    values: Mapping[str, np.ndarray],
    works: np.ndarray,
    mixing: tuple[_Nodes, ...],
) -> _Chunk:
    v = _Values(values, works.size)
    horizon = scenario.horizon_months
    x = 1.0 / (1.0 + monthly_discount_rate(scenario.annual_discount_rate))
    discount = x ** np.arange(horizon)
    ops = business.service

    # Service: every lever's budget ramps up and saturates; the levers combine into dQ.
    keep = np.ones(horizon)
    not_improved = np.ones((v.draws, horizon))
    spend = np.zeros((v.draws, 1))
    for lever in LEVERS:
        r = ops.lever(lever)
        budget = v.get(f"scenario.{lever}_spend_per_month", scenario.spend_per_month(lever))
        spend = spend + budget
        if not budget.any():
            continue  # no spend, no response (hill(0) = 0)
        half_life = v.get(f"service.{lever}.ramp_half_life_months", r.ramp_half_life_months)
        stock = ramp(budget * keep, half_life)
        response = hill(
            stock,
            v.get(f"service.{lever}.half_effect_spend_per_month", r.half_effect_spend_per_month),
            v.get(f"service.{lever}.hill_exponent", r.hill_exponent),
        )
        not_improved = not_improved * (1.0 - v.get(f"service.{lever}.weight", r.weight) * response)
    dq = (1.0 - not_improved) * works[:, None]
    fcr = (
        v.get("service.first_contact_resolution", ops.first_contact_resolution)
        + v.get("service.max_fcr_gain", ops.max_fcr_gain) * dq
    )
    handling = v.get("service.handling_time_minutes", ops.handling_time_minutes) * (
        1.0 - v.get("service.max_handling_time_reduction", ops.max_handling_time_reduction) * dq
    )
    contact_cost_per_customer = (
        v.get("service.issues_per_customer_month", ops.issues_per_customer_month)
        / fcr
        * handling
        * v.get("service.cost_per_handling_minute", ops.cost_per_handling_minute)
    )
    arpu_uplift = 1.0 + v.get("service.max_arpu_uplift", ops.max_arpu_uplift) * dq
    referral_uplift = 1.0 + v.get("service.max_referral_uplift", ops.max_referral_uplift) * dq

    customers = np.empty((v.draws, len(business.segments), horizon))
    revenue = np.zeros((v.draws, horizon))
    contribution = np.zeros((v.draws, horizon))
    acquisition = np.zeros((v.draws, horizon))
    error = 0.0
    for i, seg in enumerate(business.segments):
        flows = _segment(
            business,
            seg,
            scenario,
            v,
            mixing[i],
            dq,
            arpu_uplift,
            referral_uplift,
            contact_cost_per_customer,
        )
        customers[:, i] = flows.customers
        revenue += flows.revenue
        contribution += flows.contribution
        acquisition += flows.acquisition
        error = max(error, flows.error)
    total = customers.sum(axis=1)
    # The service budget is spent while there are customers to serve (as in the engine).
    cash_flow = contribution - acquisition - spend * keep * (total > 0)
    return _Chunk(
        customers=customers,
        revenue=revenue,
        contribution=contribution,
        cash_flow=cash_flow,
        npv=np.einsum("dt,t->d", cash_flow, discount),
        error=error,
    )


@dataclass(frozen=True)
class _SegmentFlows:
    customers: np.ndarray
    revenue: np.ndarray
    contribution: np.ndarray
    acquisition: np.ndarray
    error: float


def _segment(
    business: Business,
    seg: Segment,
    scenario: Scenario,
    v: _Values,
    mixing: _Nodes,
    dq: np.ndarray,
    arpu_uplift: np.ndarray,
    referral_uplift: np.ndarray,
    contact_cost_per_customer: np.ndarray,
) -> _SegmentFlows:
    horizon = scenario.horizon_months
    months = np.arange(1, horizon + 1)

    def p(field: str) -> np.ndarray:
        return v.get(f"segments.{seg.name}.{field}", getattr(seg, field))

    arpu = p("arpu_per_month")
    hazard = hazard_paths(
        scenario,
        dq,
        price_change=v.get("scenario.price_change", scenario.price_change),
        monthly_fee=v.get("scenario.monthly_fee", scenario.monthly_fee),
        fee_salience=v.get("fee_salience", business.fee_salience),
        **{name: p(name) for name in SEGMENT_HAZARD_FIELDS},
    )
    factor, fee = hazard.factor, hazard.fee
    m = scenario.price_change_month

    counts = np.asarray(seg.base_customers_by_tenure, dtype=float)
    nodes, stride, weights, masses = mixing.s, mixing.stride, mixing.weights, mixing.masses
    # kappa matters only in the draws where a notice shock reaches someone.
    kappa = _shock_coefficients(
        -nodes,
        masses,
        np.where(hazard.shock_per_kappa.any(axis=-1), p("notice_shock_churn_per_10pct")[:, 0], 0.0),
        p("uncontrollable_churn_share")[:, 0],
        p("price_threshold")[:, 0],
    )[:, None]
    base_key = (scenario.grandfather_existing, True, False)
    acquired = months
    grandfathered_new = scenario.grandfather_existing & (acquired < m)
    shocked_new = acquired < scenario.notice_month
    keys = {base_key}
    for g, s in zip(grandfathered_new, shocked_new, strict=True):
        keys.update({(bool(g), bool(s), False), (bool(g), bool(s), True)})
    paths = hazard.multipliers(kappa, keys)

    paid = float(seg.paid_acquisitions_per_month)
    referral_rate = p("referral_rate_per_month") * referral_uplift
    # One pool of cohorts per multiplier path. A pool whose path from month t on is that of
    # another pool with the same price joins it then (e.g. once a notice shock has faded); a
    # pool that joins at month 0 is never kept apart at all.
    joins = _joins(paths, horizon)
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
        paid_pool[t] = index[home[(bool(grandfathered_new[t]), bool(shocked_new[t]), False)]]
        referred_pool[t] = index[home[(bool(grandfathered_new[t]), bool(shocked_new[t]), True)]]
    # Imported here: numba takes a good part of a second to import, and the command line's
    # calibrate and the single-scenario pages never need it.
    from simulator.model.cohort_pools import run_pools

    per_node = np.ascontiguousarray(weights.T)
    # Months before draws, so that each month's values for a tile of draws are contiguous.
    seg_customers = np.empty((horizon, v.draws))
    old_price = np.zeros((horizon, v.draws))
    referred = np.empty((horizon, v.draws))
    run_pools(
        np.stack([np.broadcast_to(paths[key], (v.draws, horizon)) for key in pools]),
        nodes,
        stride,
        per_node,
        np.ascontiguousarray(masses.T) * counts.sum(),
        start_pool,
        np.full(v.draws, counts.sum()),
        paid * per_node,
        paid_pool,
        referred_pool,
        np.ascontiguousarray(np.broadcast_to(referral_rate, (v.draws, horizon))),
        np.array(join_month, np.int64),
        np.array(join_from, np.int64),
        np.array(join_into, np.int64),
        np.array([key[0] for key in pools]),
        seg_customers,
        old_price,
        referred,
    )
    seg_customers, old_price, referred = seg_customers.T, old_price.T, referred.T

    rev_old = arpu * arpu_uplift
    rev_new = arpu * factor * arpu_uplift + fee
    revenue = old_price * rev_old + (seg_customers - old_price) * rev_new
    contribution = (
        revenue
        - seg_customers * p("variable_cost_per_month")
        - seg_customers * contact_cost_per_customer
    )
    acquisition = paid * float(seg.acquisition_cost_per_customer) + referred * float(
        seg.referral_reward_per_customer
    )
    return _SegmentFlows(
        customers=seg_customers,
        revenue=revenue,
        contribution=contribution,
        acquisition=acquisition,
        error=mixing.error,
    )


def _joins(
    paths: dict[tuple[bool, bool, bool], np.ndarray], horizon: int
) -> dict[int, list[tuple[tuple[bool, bool, bool], tuple[bool, bool, bool]]]]:
    """Month index t -> (pool, pool it joins) for pools of the same price (grandfathered or
    not) whose multiplier paths agree to :data:`_SAME_PATH` from month t + 1 to the horizon
    (a notice shock fades geometrically, so the shocked and unshocked paths meet only to
    rounding)."""
    joins: dict[int, list] = {}
    keys = sorted(paths)
    merged: set = set()
    for i, key in enumerate(keys):
        for other in keys[i + 1 :]:
            if other in merged or key in merged or key[0] != other[0] or key[2] != other[2]:
                continue
            same = np.all(np.abs(paths[key] - paths[other]) <= _SAME_PATH * paths[key], axis=0)
            differs = np.flatnonzero(~same)
            start = 0 if differs.size == 0 else int(differs[-1]) + 1
            if start < horizon:
                joins.setdefault(start, []).append((other, key))
                merged.add(other)
    return joins


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


def _mixing_nodes(seg: Segment, p, max_exposure: int) -> _Nodes:
    """The :class:`_Nodes` of segment ``seg`` for the draws whose values ``p(field)`` gives."""
    alpha = p("sbg_alpha")[:, 0]
    counts = np.asarray(seg.base_customers_by_tenure, dtype=float)
    if seg.constant_monthly_churn is not None:
        # Node 0 is always the atom at s = 0; here it is empty.
        s = np.array([0.0, -math.log1p(-seg.constant_monthly_churn)])
        weights = np.tile([0.0, 1.0], (alpha.size, 1))
        return _Nodes(s, 1, weights, weights, 0.0)
    beta = p("sbg_beta")[:, 0]
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


def _shock_coefficients(
    log_keep: np.ndarray,
    masses: np.ndarray,
    extra_churn: np.ndarray,
    uncontrollable: np.ndarray,
    threshold: np.ndarray,
) -> np.ndarray:
    """kappa per draw: the one-month multiplier c that loses ``extra_churn`` more of the base
    (sum_k m_k (1 - theta_k)^c = (1 - s) sum_k m_k (1 - theta_k)), then
    kappa = ln((c - u) / (1 - u)) / (ln 1.1 - tau) (model.md sections 2.3 and 2.7; the engine's
    :func:`simulator.model.price.shock_coefficient`). Newton's method from c = 1 on the convex,
    decreasing ln sum_k m_k (1 - theta_k)^c converges monotonically."""
    kappa = np.zeros(extra_churn.size)
    rows = np.flatnonzero(extra_churn > 0)
    if rows.size == 0:
        return kappa
    m, s = masses[rows], extra_churn[rows]
    target = np.log(np.einsum("dk,k->d", m, np.exp(log_keep))) + np.log1p(-s)
    c = np.ones(rows.size)
    for _ in range(100):
        kept = m * np.exp(c[:, None] * log_keep)
        total = kept.sum(axis=1)
        slope = np.einsum("dk,k->d", kept, log_keep) / total
        step = (np.log(total) - target) / slope
        c = c - step
        if np.all(np.abs(step) <= 1e-13 * c):
            break
    u = uncontrollable[rows]
    kappa[rows] = np.log((c - u) / (1.0 - u)) / (_REFERENCE_PRICE_RISE - threshold[rows])
    return kappa
