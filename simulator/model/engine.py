"""The engine: PH-sBG retention by segment and cohort, month by month, and the money it makes.

One module on purpose: the accounting, its two entry points (one scenario, many draws) and
their results are one idea; apart, the formulas would sit away from their only callers.

One implementation of the model's accounting, vectorised over parameter draws. For every
segment the engine follows

* the existing base, one cohort per tenure n with exposure n already accumulated (its churn
  probability is Beta(alpha, beta + n) distributed: the survivors are the loyal ones);
* one paid and one referred cohort acquired in each simulated month.

A cohort's hazard multiplier in month t is (model.md section 2.4)

    c_t = u + (1 - u) exp(price term_t - gamma dQ_t + [ln phi_ref if referred])

(:mod:`simulator.model.price`, :mod:`simulator.model.service`). How the cohorts' survival is
summed is the one choice left open (:mod:`simulator.model.cohorts`,
:mod:`simulator.model.quadrature`): exactly, in closed form, for :func:`simulate` (one scenario, the
pages, root finding), or on quadrature nodes for :func:`simulate_draws` (Monte Carlo, tornado and
grids, thousands of draws). Both run the same code here; ``simulate_draws(..., survival="exact")``
gives every draw exactly what :func:`simulate` gives for that draw's values, and the tests hold them
to that.

Timing: month 1 is the first simulated month. Existing customers renew (or leave) at the start of
every month; a cohort acquired in month a pays in month a and first renews in month a + 1. Cash
flows fall at the start of their month, so month t is discounted by (1 + d_m) ** -(t - 1)
(model.md section 4.1).

Parameter values per draw are given by dotted path (:mod:`simulator.model.assumptions`):
``segments.<name>.<field>``, ``service.<field>``, ``service.<lever>.<field>``,
``fee_salience``, and the scenario settings ``scenario.price_change``,
``scenario.monthly_fee`` and ``scenario.<lever>_spend_per_month``. Paths not given keep the
business's (or scenario's) value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from simulator.model.cohorts import CohortRun, Defection, ExactCohorts, ExactRun, Key
from simulator.model.finance import monthly_discount_rate
from simulator.model.params import Business, Scenario, Segment, ServiceOperations
from simulator.model.price import (
    REFERENCE_PRICE_RISE,
    SEGMENT_HAZARD_FIELDS,
    HazardPaths,
    conversion_factor,
    hazard_paths,
    notice_cap,
    shock_coefficients,
)
from simulator.model.quadrature import Quadrature, QuadratureCohorts, segment_nodes
from simulator.model.service import ServicePaths, service_frame, service_paths

MONTHLY_COLUMNS: tuple[str, ...] = (
    "segment",
    "month",
    "customers",
    "paid_acquisitions",
    "referral_acquisitions",
    "churned",
    "price_driven_defectors",
    "wave_contacts",
    "revenue_per_customer",
    "revenue",
    "variable_cost",
    "contact_cost",
    "contribution",
    "acquisition_cost",
    "service_spend",
    "attrition_savings",
    "cash_flow",
    "discount_factor",
)
"""Columns of :attr:`Projection.monthly`, one row per segment and month (money in currency)."""

NPV_RESOLUTION = 1e-9
"""Relative size of an NPV difference below which it is rounding, not an effect: the same draw
run beside different draws can differ in the last bits (vectorised exponentials), far below
the quadrature's 1e-6."""

DRAW_CHUNK = 2500
"""Most draws computed together: large enough that numpy, not Python, does the work."""

EXACT_CHUNK = 64
"""Most draws summed exactly together (the closed form holds cohorts x months per draw)."""

WORKERS = 2
"""Threads over chunks (numpy releases the GIL in its array loops)."""

Survival = Literal["exact", "quadrature"]


# --- One scenario ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Projection:
    """One scenario projected month by month.

    Attributes
    ----------
    monthly
        Tidy frame, one row per segment and month, columns :data:`MONTHLY_COLUMNS`.
    service
        One row per month: spend, lever responses, quality index and service KPIs
        (:func:`simulator.model.service.service_frame`).
    segments
        One row per segment: ``segment``, ``customers_start``, ``customers_end``, ``churned``,
        ``revenue``, ``contribution``, ``cash_flow``, ``npv``, ``terminal_value`` (present value
        of the customers alive at the horizon, valued with their residual lifetime),
        ``clv_new_customer`` (discounted contribution of one paid customer acquired in month 1,
        horizon plus residual).
    npv
        Net present value of the cash flows over the horizon (currency, month 1 undiscounted).
    terminal_value
        Present value of the residual lifetime contribution of customers alive at the horizon,
        net of their share of the service budget; add it for NPV with terminal value.
    """

    monthly: pd.DataFrame
    service: pd.DataFrame
    segments: pd.DataFrame
    npv: float
    terminal_value: float

    @property
    def npv_with_terminal_value(self) -> float:
        """NPV over the horizon plus the terminal value."""
        return self.npv + self.terminal_value

    def total(self, column: str) -> pd.Series:
        """Monthly ``column`` summed over segments, indexed by month."""
        return self.monthly.groupby("month", sort=True)[column].sum()

    def grand_total(self, column: str) -> float:
        """``column`` summed over every month and segment (e.g. revenue over the horizon)."""
        return float(self.monthly[column].sum())


def simulate(business: Business, scenario: Scenario, *, terminal_value: bool = True) -> Projection:
    """Project customers, revenue, contribution and cash flow of ``scenario`` for ``business``.

    Parameters
    ----------
    business
        Segments, service operations and fee salience.
    scenario
        The decision: price change, fee, service budget, horizon and discount rate.
    terminal_value
        Compute the terminal value (the residual value of customers alive at the horizon) and
        the residual part of the new-customer CLV; turning it off saves time in root finding,
        and reports 0 for both.

    Returns
    -------
    Projection
        Monthly tidy frame by segment, service KPIs by month, per-segment summary and NPV.
    """
    flows = _project(business, scenario, _Values({}, 1), np.ones(1, bool), "exact", terminal_value)
    horizon = scenario.horizon_months
    names = [seg.name for seg in business.segments]
    monthly = pd.DataFrame(
        {
            "segment": np.repeat(names, horizon),
            "month": np.tile(np.arange(1, horizon + 1), len(names)),
            **{
                name: getattr(flows, name)[0].reshape(-1)
                for name in MONTHLY_COLUMNS
                if name not in ("segment", "month", "discount_factor")
            },
            "discount_factor": np.tile(flows.discount, len(names)),
        }
    )
    segment_npv = np.einsum("st,t->s", flows.cash_flow[0], flows.discount)
    segments = pd.DataFrame(
        {
            "segment": names,
            "customers_start": [seg.base_customers for seg in business.segments],
            "customers_end": flows.customers[0, :, -1],
            "churned": flows.churned[0].sum(axis=1),
            "revenue": flows.revenue[0].sum(axis=1),
            "contribution": flows.contribution[0].sum(axis=1),
            "cash_flow": flows.cash_flow[0].sum(axis=1),
            "npv": segment_npv,
            "terminal_value": flows.terminal_value[0],
            "clv_new_customer": flows.clv_new_customer[0],
        }
    )
    return Projection(
        monthly=monthly,
        service=service_frame(flows.service),
        segments=segments,
        npv=float(segment_npv.sum()),
        terminal_value=float(flows.terminal_value[0].sum()),
    )


# --- Many draws ------------------------------------------------------------------------------


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
        acquisition costs and the service budget (as in :class:`Projection`).
    npv
        Net present value of the cash flows over the horizon, shape (draws,); month 1 is not
        discounted.
    quadrature_error
        Largest relative error of the survival quadrature found by its check (0 when every
        segment has constant churn, or when the survival was summed exactly).
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
    survival: Survival = "quadrature",
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
        The survival quadrature of these draws (:func:`quadrature_of`), when the caller already
        has it (a baseline and its scenario share it, as do blocks of one run); computed here
        otherwise.
    survival
        ``"quadrature"`` (the default, for many draws) or ``"exact"`` (closed form per cohort,
        what :func:`simulate` uses; slower, for checks and a few draws).
    on_chunk
        Called with the number of draws done after each chunk (in the calling thread).

    Returns
    -------
    BatchProjection
    """
    values = _as_columns(values)
    n = _draw_count(values, service_works, draws)
    works = np.ones(n, bool) if service_works is None else np.asarray(service_works, bool)
    if survival == "quadrature":
        if quadrature is None:
            quadrature = quadrature_of(business, scenario, values, draws=n)
        elif quadrature.draws != n:
            raise ValueError(f"the quadrature is for {quadrature.draws} draws, not {n}")
        method: Survival | Quadrature = quadrature
    else:
        method = "exact"
    # Every worker gets a share of the draws, in chunks.
    most = DRAW_CHUNK if survival == "quadrature" else EXACT_CHUNK
    size = min(most, -(-n // WORKERS))
    starts = range(0, n, size)

    def run(start: int) -> _Flows:
        stop = min(start + size, n)
        part = _Values({k: v[start:stop] for k, v in values.items()}, stop - start)
        rows = method if isinstance(method, str) else method.rows(start, stop)
        return _project(business, scenario, part, works[start:stop], rows, False)

    chunks = []
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(starts))) as pool:
        for flows in pool.map(run, starts):
            chunks.append(flows.totals())
            if on_chunk is not None:
                on_chunk(min(n, len(chunks) * size))
    return BatchProjection(
        segments=tuple(s.name for s in business.segments),
        customers=np.concatenate([c["customers"] for c in chunks]),
        revenue=np.concatenate([c["revenue"] for c in chunks]),
        contribution=np.concatenate([c["contribution"] for c in chunks]),
        cash_flow=np.concatenate([c["cash_flow"] for c in chunks]),
        npv=np.concatenate([c["npv"] for c in chunks]),
        quadrature_error=quadrature.error if survival == "quadrature" else 0.0,
    )


def quadrature_of(
    business: Business,
    scenario: Scenario,
    values: Mapping[str, np.ndarray] | None = None,
    *,
    draws: int | None = None,
) -> Quadrature:
    """The survival :class:`~simulator.model.quadrature.Quadrature` of ``business`` for the draws
    of ``values`` (as in :func:`simulate_draws`) over ``scenario``'s horizon; only the horizon
    of ``scenario`` matters."""
    values = _as_columns(values)
    every = _Values(values, _draw_count(values, None, draws))
    return Quadrature(
        segments=tuple(
            segment_nodes(
                every.get(f"segments.{seg.name}.sbg_alpha", seg.sbg_alpha)[:, 0],
                every.get(f"segments.{seg.name}.sbg_beta", seg.sbg_beta)[:, 0],
                seg.constant_monthly_churn,
                seg.base_customers_by_tenure,
                len(seg.base_customers_by_tenure) + 2 * scenario.horizon_months,
            )
            for seg in business.segments
        ),
        draws=every.draws,
    )


def beats(delta_npv: np.ndarray, baseline_npv: np.ndarray) -> np.ndarray:
    """True where a scenario's NPV exceeds its baseline's by more than rounding: the
    difference ``delta_npv`` is above :data:`NPV_RESOLUTION` of the baseline's NPV."""
    return np.asarray(delta_npv) > NPV_RESOLUTION * np.abs(np.asarray(baseline_npv))


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

    def of_segment(self, seg: Segment, field: str) -> np.ndarray:
        """``field`` of segment ``seg`` per draw: its drawn values, else the segment's own."""
        return self.get(f"segments.{seg.name}.{field}", getattr(seg, field))

    def of_service(self, ops: ServiceOperations, field: str) -> np.ndarray:
        """``field`` of the service operations per draw: its drawn values, else their own."""
        return self.get(f"service.{field}", getattr(ops, field))

    def wave_per_gap(self, ops: ServiceOperations) -> np.ndarray:
        """Extra contacts per customer per unit of the notice gap after a rise (the contact
        wave; ``rise_contacts_per_100`` is per 100 customers at the reference rise)."""
        return self.of_service(ops, "rise_contacts_per_100") / 100.0 / REFERENCE_PRICE_RISE


# --- The accounting, once --------------------------------------------------------------------


@dataclass(frozen=True)
class _Flows:
    """Everything a run computes. Money and customers (draws, segments, months); ``service``
    paths (draws, months); ``discount`` (months,); ``terminal_value`` and
    ``clv_new_customer`` (draws, segments), 0 unless asked for."""

    customers: np.ndarray
    paid_acquisitions: np.ndarray
    referral_acquisitions: np.ndarray
    churned: np.ndarray
    price_driven_defectors: np.ndarray
    wave_contacts: np.ndarray
    revenue_per_customer: np.ndarray
    revenue: np.ndarray
    variable_cost: np.ndarray
    contact_cost: np.ndarray
    contribution: np.ndarray
    acquisition_cost: np.ndarray
    service_spend: np.ndarray
    attrition_savings: np.ndarray
    cash_flow: np.ndarray
    service: ServicePaths
    discount: np.ndarray
    terminal_value: np.ndarray
    clv_new_customer: np.ndarray

    def totals(self) -> dict[str, np.ndarray]:
        """What a :class:`BatchProjection` keeps: customers by segment, money over segments."""
        return {
            "customers": self.customers,
            "revenue": self.revenue.sum(axis=1),
            "contribution": self.contribution.sum(axis=1),
            "cash_flow": self.cash_flow.sum(axis=1),
            "npv": np.einsum("dst,t->d", self.cash_flow, self.discount),
        }


@dataclass(frozen=True)
class _Segment:
    """One segment's flows, arrays (draws, months), and what its terminal value needs."""

    customers: np.ndarray
    paid: np.ndarray
    referred: np.ndarray
    defectors: np.ndarray
    wave_contacts: np.ndarray
    revenue: np.ndarray
    variable_cost: np.ndarray
    contact_cost: np.ndarray
    acquisition_cost: np.ndarray
    attrition_savings: np.ndarray
    run: CohortRun
    cohorts: ExactCohorts | QuadratureCohorts
    steady: dict[Key, np.ndarray]
    margin_old: np.ndarray
    margin_new: np.ndarray


def _project(
    business: Business,
    scenario: Scenario,
    v: _Values,
    works: np.ndarray,
    survival: Survival | Quadrature,
    terminal_value: bool,
) -> _Flows:
    horizon = scenario.horizon_months
    x = 1.0 / (1.0 + monthly_discount_rate(scenario.annual_discount_rate))
    discount = x ** np.arange(horizon)
    today = business.base_customers
    service = service_paths(business.service, scenario, v.get, works, today)
    segments = [
        _segment(business, seg, i, scenario, v, service, survival)
        for i, seg in enumerate(business.segments)
    ]
    customers = np.stack([s.customers for s in segments], axis=1)
    total = customers.sum(axis=1, keepdims=True)
    # The service budget is shared by customers (the ratio, not 1 / total, cannot overflow), and
    # spent while there are customers to serve.
    share = np.divide(customers, total, out=np.zeros_like(customers), where=total > 0)
    service_spend = service.spend[:, None, :] * share

    def stacked(name: str) -> np.ndarray:
        return np.stack([getattr(s, name) for s in segments], axis=1)

    paid, referred, revenue = stacked("paid"), stacked("referred"), stacked("revenue")
    contribution = revenue - stacked("variable_cost") - stacked("contact_cost")
    acquisition_cost = stacked("acquisition_cost")
    attrition_savings = stacked("attrition_savings")
    cash_flow = contribution - acquisition_cost - service_spend + attrition_savings
    base = np.array([seg.base_customers for seg in business.segments])
    before = np.concatenate(
        (np.broadcast_to(base[None, :, None], (v.draws, base.size, 1)), customers[:, :, :-1]),
        axis=2,
    )
    tv = np.zeros((v.draws, len(segments)))
    clv = np.zeros((v.draws, len(segments)))
    for i, s in enumerate(segments):
        if terminal_value:
            spend_per_customer = np.divide(
                service_spend[:, i, -1],
                customers[:, i, -1],
                out=np.zeros(v.draws),
                where=customers[:, i, -1] > 0,
            )
            tv[:, i], clv_tail = _terminal_value(s, spend_per_customer, x)
            tv[:, i] *= discount[-1]
            clv[:, i] = clv_tail * discount[-1]
        if isinstance(s.run, ExactRun):
            grandfathered = s.run.row_keys[s.run.first_paid_row][0]
            margin = s.margin_old if grandfathered else s.margin_new
            clv[:, i] += np.einsum("dt,dt,t->d", margin, s.run.first_paid_survival, discount)
    return _Flows(
        customers=customers,
        paid_acquisitions=paid,
        referral_acquisitions=referred,
        churned=before + paid + referred - customers,
        price_driven_defectors=stacked("defectors"),
        wave_contacts=stacked("wave_contacts"),
        revenue_per_customer=np.divide(
            revenue, customers, out=np.zeros_like(revenue), where=customers > 0
        ),
        revenue=revenue,
        variable_cost=stacked("variable_cost"),
        contact_cost=stacked("contact_cost"),
        contribution=contribution,
        acquisition_cost=acquisition_cost,
        service_spend=service_spend,
        attrition_savings=attrition_savings,
        cash_flow=cash_flow,
        service=service,
        discount=discount,
        terminal_value=tv,
        clv_new_customer=clv,
    )


def _segment(
    business: Business,
    seg: Segment,
    index: int,
    scenario: Scenario,
    v: _Values,
    service: ServicePaths,
    survival: Survival | Quadrature,
) -> _Segment:
    horizon = scenario.horizon_months
    months = np.arange(1, horizon + 1)
    ops = business.service

    p = functools.partial(v.of_segment, seg)
    o = functools.partial(v.of_service, ops)
    wave_per_gap = v.wave_per_gap(ops)
    hazard = _hazard(business, seg, scenario, v, service)
    if isinstance(survival, Quadrature):
        cohorts: ExactCohorts | QuadratureCohorts = QuadratureCohorts(
            survival.segments[index], seg.base_customers
        )
    else:
        cohorts = ExactCohorts(
            p("sbg_alpha")[:, 0],
            p("sbg_beta")[:, 0],
            seg.constant_monthly_churn,
            seg.base_customers_by_tenure,
        )
    kappa = _kappa(seg, v, hazard, cohorts)
    # A cohort acquired in month a is grandfathered if a < m (and the option is on), and has
    # today's price as reference (so it is shocked at notice) if a < notice month.
    base_key = (scenario.grandfather_existing, True, False)
    grandfathered_new = scenario.grandfather_existing & (months < scenario.price_change_month)
    shocked_new = months < scenario.notice_month
    paid_keys = [
        (bool(g), bool(s), False) for g, s in zip(grandfathered_new, shocked_new, strict=True)
    ]
    referred_keys = [(g, s, True) for g, s, _ in paid_keys]
    keys = {base_key, *paid_keys, *referred_keys}
    # Who knew today's price and pays the new one: the notice, the reservation-price exits and
    # price-driven defection reach them only.
    counted = frozenset(k for k in keys if k[1] and not k[0])
    # The steady paths (no shock) value customers beyond the horizon.
    steady_keys = {(g, False, r) for g, _, r in keys}
    with np.errstate(over="ignore"):  # a prohibitive price: infinite multiplier, nobody stays
        paths = hazard.multipliers(kappa, keys | steady_keys)
    conversion = conversion_factor(
        hazard.acquisition_index,
        p("acquisition_price_elasticity"),
        p("acquisition_share"),
    )
    referral_rate = p("referral_rate_per_month") * (1.0 + service.referral_uplift) * conversion
    defection = Defection(
        counted=counted,
        price_free=hazard.multipliers(kappa, counted, price=False),
        reservation=hazard.reservation_survival,
        word_of_mouth=p("negative_wom_per_defector")[:, 0],
        decay=0.5 ** (1.0 / p("negative_wom_half_life_months")[:, 0]),
    )
    run = cohorts.run(
        {k: paths[k] for k in keys},
        base_key,
        paid_keys,
        referred_keys,
        np.broadcast_to(p("paid_acquisitions_per_month") * conversion, (v.draws, horizon)),
        np.broadcast_to(referral_rate, (v.draws, horizon)),
        defection,
    )

    uplift = 1.0 + service.arpu_uplift
    rev_old = p("arpu_per_month") * uplift
    rev_new = p("arpu_per_month") * hazard.factor * uplift + hazard.fee
    revenue = run.old_price * rev_old + (run.customers - run.old_price) * rev_new
    contact = service.contact_cost_per_customer
    # The wave: customers told of the rise call per unit of the notice gap, and every
    # price-driven defector calls to cancel; wave contacts take longer than normal ones.
    wave = (
        wave_per_gap * hazard.shock_per_kappa * run.knew
        + o("cancellation_contacts_per_defector") * run.defectors
    )
    wave_cost = wave * service.cost_per_contact * o("wave_handling_time_factor")
    variable = p("variable_cost_per_month")
    # Fewer agents leaving: the desk's agent-months per customer (its handling cost per
    # customer over the loaded cost of an agent-month) times the leavers avoided a month times
    # what replacing one costs; written per customer, so it scales with the business.
    saved = contact * service.attrition_reduction / 12.0 * o("agent_replacement_cost_months")
    return _Segment(
        customers=run.customers,
        paid=run.paid,
        referred=run.referred,
        defectors=run.defectors,
        wave_contacts=np.broadcast_to(wave, (v.draws, horizon)),
        revenue=revenue,
        variable_cost=run.customers * variable,
        contact_cost=run.customers * contact + wave_cost,
        # The paid budget is fixed: a price that converts fewer prospects costs more per
        # conversion, not less in total.
        acquisition_cost=np.broadcast_to(
            p("paid_acquisitions_per_month") * p("acquisition_cost_per_customer"),
            (v.draws, horizon),
        )
        + run.referred * p("referral_reward_per_customer"),
        attrition_savings=run.customers * saved,
        run=run,
        cohorts=cohorts,
        steady={k: paths[k][..., -1] for k in steady_keys},
        margin_old=np.broadcast_to(rev_old - variable - contact + saved, (v.draws, horizon)),
        margin_new=np.broadcast_to(rev_new - variable - contact + saved, (v.draws, horizon)),
    )


def _hazard(
    business: Business, seg: Segment, scenario: Scenario, v: _Values, service: ServicePaths
) -> HazardPaths:
    """The segment's hazard paths (:func:`simulator.model.price.hazard_paths`) for every draw."""
    ops = business.service

    p = functools.partial(v.of_segment, seg)
    o = functools.partial(v.of_service, ops)

    # The contact wave after a rise loads the desk: extra contacts per customer per unit of
    # the notice gap, against the normal contacts per customer; while it lasts, controllable
    # churn rises by overload_churn_increase per 100 % overload (no wave when grandfathered).
    wave_per_gap = v.wave_per_gap(ops)
    normal = service.contacts_per_customer
    shape = np.broadcast(wave_per_gap, normal).shape  # more draws than the service paths have
    overload = np.divide(wave_per_gap, normal, out=np.zeros(shape), where=normal > 0)
    if scenario.grandfather_existing:
        overload = np.zeros(shape)
    return hazard_paths(
        scenario,
        service.quality_index,
        price_change=v.get("scenario.price_change", scenario.price_change),
        monthly_fee=v.get("scenario.monthly_fee", scenario.monthly_fee),
        fee_salience=v.get("fee_salience", business.fee_salience),
        market_price_change=v.get("market_price_change", business.market_price_change),
        market_price_change_month=business.market_price_change_month,
        notice_multiplier_cap=seg.notice_multiplier_cap,
        log_hazard_per_gap_overload=np.log1p(o("overload_churn_increase")) * overload,
        contacts_log_hazard=p("contacts_churn_coefficient") * service.contacts_change,
        wtp_median=None if seg.wtp_median is None else p("wtp_median"),
        **{name: p(name) for name in SEGMENT_HAZARD_FIELDS if name != "wtp_median"},
    )


def _kappa(
    seg: Segment, v: _Values, hazard: HazardPaths, cohorts: ExactCohorts | QuadratureCohorts
) -> np.ndarray:
    """kappa per draw, a (draws, 1) column: the notice shock calibrated on the segment's base
    (it matters only in the draws where a notice shock reaches someone)."""

    p = functools.partial(v.of_segment, seg)

    shocked = hazard.shock_per_kappa.any(axis=-1)
    return shock_coefficients(
        cohorts.base_log_kept,
        np.where(shocked, p("notice_shock_churn_per_10pct")[:, 0], 0.0),
        p("uncontrollable_churn_share")[:, 0],
        p("price_threshold")[:, 0],
        notice_cap(seg.notice_multiplier_cap),
    )[:, None]


@dataclass(frozen=True)
class BaseHazard:
    """What the existing base of one segment faces month by month under a scenario, as
    :func:`simulate` computes it: ``multiplier`` c_t (months,), the hazard multiplier of every
    customer of today's base (the notice shock, the lasting response, service, the contact
    wave); ``reservation`` G_t (one row per price position asked for, months), the share not yet
    gone because the rise crossed their reservation price (all 1 when the base keeps today's
    price or the segment has no reservation prices). A base customer of tenure n stays to month
    t with probability G_t B(alpha, beta + n + C_t) / B(alpha, beta + n), C_t = c_1 + ... + c_t
    ((1 - p) ** C_t at a constant churn p)."""

    multiplier: np.ndarray
    reservation: np.ndarray


def base_hazard(
    business: Business, scenario: Scenario, segment: str, market_price_ratios: np.ndarray
) -> BaseHazard:
    """:class:`BaseHazard` of ``segment``'s existing customers under ``scenario``, with the
    reservation-price exits of customers whose own price stands at each of
    ``market_price_ratios`` against the market (r0 of the segment for its typical customer)."""
    seg = business.segment(segment)
    ratios = np.asarray(market_price_ratios, dtype=float).reshape(-1)
    one = _Values({}, 1)
    today = business.base_customers
    service = service_paths(business.service, scenario, one.get, np.ones(1, bool), today)
    hazard = _hazard(business, seg, scenario, one, service)
    cohorts = ExactCohorts(
        np.array([seg.sbg_alpha]),
        np.array([seg.sbg_beta]),
        seg.constant_monthly_churn,
        seg.base_customers_by_tenure,
    )
    kappa = _kappa(seg, one, hazard, cohorts)
    grandfathered = scenario.grandfather_existing
    with np.errstate(over="ignore"):  # a prohibitive price: infinite multiplier, nobody stays
        multiplier = hazard.multiplier(
            kappa, grandfathered=grandfathered, shocked=True, referred=False
        )
    months = scenario.horizon_months
    if grandfathered or seg.wtp_median is None or ratios.size == 0:
        reservation = np.ones((ratios.size, months))
    else:
        positions = _Values({f"segments.{seg.name}.market_price_ratio": ratios}, ratios.size)
        reservation = np.broadcast_to(
            _hazard(business, seg, scenario, positions, service).reservation_survival,
            (ratios.size, months),
        )
    return BaseHazard(
        multiplier=np.broadcast_to(np.asarray(multiplier), (1, months))[0].copy(),
        reservation=np.asarray(reservation),
    )


def _terminal_value(
    s: _Segment, spend_per_customer: np.ndarray, x: float
) -> tuple[np.ndarray, np.ndarray]:
    """Residual value at month H of the customers alive then, and the residual of one paid
    customer acquired in month 1 (the CLV's tail), per draw.

    Customers keep the hazard multiplier of month H without the price shock, their margin of
    month H less their share of the service budget (the programme continues); no new customers.
    Only the exact survival keeps the cohort rows this needs.
    """
    run = s.run
    if not isinstance(run, ExactRun) or not isinstance(s.cohorts, ExactCohorts):
        raise ValueError("the terminal value needs the exact survival")
    draws = run.alive_end.shape[0]
    value, tail = np.zeros(draws), np.zeros(draws)
    grandfathered = np.array([k[0] for k in run.row_keys])
    clv_row = run.first_paid_row
    for d in range(draws):
        multiplier = np.array(
            [np.broadcast_to(s.steady[(g, False, r)], (draws,))[d] for g, _, r in run.row_keys]
        )
        margin = np.where(grandfathered, s.margin_old[d, -1], s.margin_new[d, -1])
        alive = run.alive_end[d]
        keep = alive > 1e-9 * max(1.0, float(alive.max(initial=0.0)))
        rows = np.flatnonzero(keep)
        # Rows nobody is left in (after a prohibitive price: infinite exposure) have no residual.
        clv_alive = run.first_paid_survival[d, -1] > 0
        if clv_alive and clv_row not in rows:
            rows = np.append(rows, clv_row)
        if rows.size == 0:
            continue
        residual = s.cohorts.residual(d, run.exposure_end[d, rows], multiplier[rows], x)
        value[d] = np.sum(alive[rows] * residual * (margin[rows] - spend_per_customer[d]))
        if clv_alive:
            clv_residual = residual[np.flatnonzero(rows == clv_row)[0]]
            tail[d] = run.first_paid_survival[d, -1] * clv_residual * margin[clv_row]
    return value, tail
