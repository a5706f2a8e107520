"""Service investment: spend intensity per lever -> ramp-up -> saturating response -> KPIs.

docs/model.md, service investment. Each lever's monthly budget is read as an intensity at today's
size of the business: x_k = budget / contacts a month for tools, / agents for training and
authority, incentives and people (:data:`~simulator.model.params.PER_CONTACT_LEVERS`). The
intensity builds an effective stock E_k,t = rho_k E_k,t-1 + (1 - rho_k) x_k, rho_k = 0.5 ** (1 /
h_k) (geometric adstock, Jin et al. 2017), and responds through a Hill curve from where the
business already is: q_k = h(x_now,k + E_k) - h(x_now,k), h(x) = x**n / (x50**n + x**n), with
x50 a share of the lever's unit cost (the handling cost of a contact, the loaded cost of an
agent-month). Each KPI combines the levers through its own loadings, U_j = 1 - prod_k (1 -
L_jk q_k): a lever moves only what its mechanism moves (:data:`LOADINGS`); satisfaction's
loadings are the lever weights, and U_satisfaction is the quality index dQ that drives churn,
price-sensitivity moderation and referrals, so no effect is counted twice.

Every response depends on intensities only: a business k times larger with k times the budget
gets the same responses, and every money flow k times larger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from simulator.model.params import (
    LEVERS,
    PER_CONTACT_LEVERS,
    Business,
    Scenario,
    ServiceOperations,
)


def ramp(spend_per_month: ArrayLike, half_life_months: ArrayLike) -> np.ndarray:
    """Effective spend after first-order carryover (adstock), month by month.

    E_t = rho E_{t-1} + (1 - rho) I_t with E_0 = 0 and rho = 0.5 ** (1 / h): sustained spend I
    reaches I / 2 after h months and 3 I / 4 after 2 h months, and decays at the same rate once
    spending stops. Months run along the last axis of ``spend_per_month``; ``half_life_months``
    is a number or one value per leading index (shape ``spend.shape[:-1] + (1,)``).
    """
    spend = np.asarray(spend_per_month, dtype=float)
    half_life = np.asarray(half_life_months, dtype=float)
    if np.any(half_life <= 0):
        raise ValueError("half_life_months must be above 0")
    rho = np.broadcast_to(0.5 ** (1.0 / half_life), spend.shape[:-1] + (1,))[..., 0]
    out = np.empty_like(spend)
    level = np.zeros(spend.shape[:-1])
    for t in range(spend.shape[-1]):
        level = rho * level + (1.0 - rho) * spend[..., t]
        out[..., t] = level
    return out


def hill(x: ArrayLike, half_effect: ArrayLike, exponent: ArrayLike) -> np.ndarray:
    """Hill (ADBUDG) response x**n / (x50**n + x**n) in [0, 1); 0.5 at x = x50."""
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    ratio = (x / half_effect) ** exponent
    return ratio / (1.0 + ratio)


LOADINGS: dict[str, dict[str, float]] = {
    "handling_time": {"tools": 0.7, "training": 0.3, "incentives": 0.0, "people": 0.2},
    "resolution": {"tools": 0.5, "training": 0.6, "incentives": 0.0, "people": 0.2},
    "cross_sell": {"tools": 0.1, "training": 0.3, "incentives": 0.8, "people": 0.0},
    "attrition": {"tools": 0.1, "training": 0.2, "incentives": 0.3, "people": 0.8},
}
"""L_jk: how much each lever moves each KPI other than satisfaction (whose loadings are the
lever weights): tools mostly handling time and resolution, authority and training resolution
and satisfaction, incentives satisfaction and cross-sell, people agent attrition and
satisfaction [assumption: the mechanism map of the issue; sizes are carried by each KPI's
maximum gain, which the Monte Carlo draws]."""


@dataclass(frozen=True)
class Desk:
    """The contact desk at today's size, per draw ((draws, 1) columns): ``contacts`` a month,
    ``agents`` (full-time equivalents), the handling ``cost_per_contact`` and the loaded
    ``cost_per_agent_month`` (currency)."""

    contacts: np.ndarray
    agents: np.ndarray
    cost_per_contact: np.ndarray
    cost_per_agent_month: np.ndarray

    def volume(self, lever: str) -> np.ndarray:
        """What the lever's intensity is per: contacts (tools) or agents (the others)."""
        return self.contacts if lever in PER_CONTACT_LEVERS else self.agents

    def unit_cost(self, lever: str) -> np.ndarray:
        """The cost of one unit of :meth:`volume` (currency)."""
        return self.cost_per_contact if lever in PER_CONTACT_LEVERS else self.cost_per_agent_month


def desk_today(ops: ServiceOperations, customers: float, value: ServiceValue) -> Desk:
    """The :class:`Desk` of ``customers`` customers today, with the operations' values per draw
    (``value(path, default)`` as in :func:`service_paths`)."""

    def v(field: str) -> np.ndarray:
        return value(f"service.{field}", getattr(ops, field))

    contacts = customers * v("issues_per_customer_month") / v("first_contact_resolution")
    minutes = contacts * v("handling_time_minutes")
    if ops.agents is None:
        per_agent = v("handling_minutes_per_agent_month")
        agents = minutes / per_agent
    else:
        agents = v("agents")
        per_agent = np.divide(minutes, agents, out=np.zeros_like(minutes), where=agents > 0)
    return Desk(
        contacts=contacts,
        agents=agents,
        cost_per_contact=v("handling_time_minutes") * v("cost_per_handling_minute"),
        cost_per_agent_month=per_agent * v("cost_per_handling_minute"),
    )


@dataclass(frozen=True)
class ServicePaths:
    """The service programme month by month, for every draw: arrays of shape (draws, months).

    ``spend`` is the whole monthly budget (currency), ``responses`` the Hill response of each
    lever (0-1), ``quality_index`` dQ (satisfaction's index, 0-1), then the KPIs: ``csat``
    (share satisfied), ``first_contact_resolution`` (share), ``handling_time_minutes``,
    ``contacts_per_customer`` (per customer-month, issues / FCR), ``cost_per_contact``
    (currency), ``arpu_uplift`` and ``referral_uplift`` (fractions added to revenue per customer
    and to referrals), ``attrition_reduction`` (fraction a year fewer agents leaving) and
    ``contacts_change`` (contacts per customer-month against today's, which a segment's
    gamma_K turns into controllable churn); ``intensity`` per lever (currency per contact or agent-
    month, (draws, 1)).
    """

    spend: np.ndarray
    responses: dict[str, np.ndarray]
    quality_index: np.ndarray
    csat: np.ndarray
    first_contact_resolution: np.ndarray
    handling_time_minutes: np.ndarray
    contacts_per_customer: np.ndarray
    cost_per_contact: np.ndarray
    arpu_uplift: np.ndarray
    referral_uplift: np.ndarray
    attrition_reduction: np.ndarray
    contacts_change: np.ndarray
    intensity: dict[str, np.ndarray]

    @property
    def contact_cost_per_customer(self) -> np.ndarray:
        """Contact handling cost per customer-month (currency)."""
        return self.contacts_per_customer * self.cost_per_contact


ServiceValue = Callable[[str, float], np.ndarray]
"""``value(path, default)``: a parameter per draw as a (draws, 1) column (see
:func:`service_paths`)."""


def service_paths(
    ops: ServiceOperations,
    scenario: Scenario,
    value: ServiceValue,
    works: np.ndarray,
    customers_today: float,
) -> ServicePaths:
    """The service trajectory of ``scenario`` for every draw (docs/model.md, service investment).

    Parameters
    ----------
    ops, scenario
        The values every draw starts from.
    value
        ``value(path, default)`` gives one value per draw as a (draws, 1) column, for the dotted
        paths ``service.<field>``, ``service.<lever>.<field>`` and
        ``scenario.<lever>_spend_per_month``; ``default`` where a path is not drawn.
    works
        One flag per draw; where False the programme failed and every response is 0 (model.md
        3.4).
    customers_today
        Active customers today: the size the intensities are read at.
    """
    horizon = scenario.horizon_months
    keep = np.ones(horizon)
    desk = desk_today(ops, customers_today, value)
    spend = np.zeros((works.size, 1))
    responses, intensity = {}, {}
    for lever in LEVERS:
        r = ops.lever(lever)
        budget = value(f"scenario.{lever}_spend_per_month", scenario.spend_per_month(lever))
        spend = spend + budget
        volume = desk.volume(lever)

        def per_unit(amount: np.ndarray, volume: np.ndarray = volume) -> np.ndarray:
            return np.divide(amount, volume, out=np.zeros_like(volume), where=volume > 0)

        intensity[lever] = per_unit(budget)
        if not budget.any():
            responses[lever] = np.zeros((works.size, horizon))  # no spend, no response
            continue
        stock = ramp(
            intensity[lever] * keep,
            value(f"service.{lever}.ramp_half_life_months", r.ramp_half_life_months),
        )
        now = per_unit(value(f"service.{lever}.current_spend_per_month", r.current_spend_per_month))
        half = value(f"service.{lever}.half_effect_cost_share", r.half_effect_cost_share)
        x50 = half * desk.unit_cost(lever)
        n = value(f"service.{lever}.hill_exponent", r.hill_exponent)
        responses[lever] = (hill(now + stock, x50, n) - hill(now, x50, n)) * works[:, None]

    def index(loadings: dict[str, np.ndarray]) -> np.ndarray:
        short = np.ones((works.size, horizon))
        for lever in LEVERS:
            short = short * (1.0 - loadings[lever] * responses[lever])
        return 1.0 - short

    weights = {k: value(f"service.{k}.weight", ops.lever(k).weight) for k in LEVERS}
    dq = index(weights)
    by_kpi = {kpi: index(loadings) for kpi, loadings in LOADINGS.items()}

    def kpi(field: str) -> np.ndarray:
        return value(f"service.{field}", getattr(ops, field))

    fcr = kpi("first_contact_resolution") + kpi("max_fcr_gain") * by_kpi["resolution"]
    handling = kpi("handling_time_minutes") * (
        1.0 - kpi("max_handling_time_reduction") * by_kpi["handling_time"]
    )
    contacts = kpi("issues_per_customer_month") / fcr
    today = kpi("issues_per_customer_month") / kpi("first_contact_resolution")
    return ServicePaths(
        spend=spend * keep,
        responses=responses,
        quality_index=dq,
        csat=kpi("csat") + kpi("max_csat_gain") * dq,
        first_contact_resolution=fcr,
        handling_time_minutes=handling,
        contacts_per_customer=contacts,
        cost_per_contact=handling * kpi("cost_per_handling_minute"),
        arpu_uplift=kpi("max_arpu_uplift") * by_kpi["cross_sell"],
        referral_uplift=kpi("max_referral_uplift") * dq,
        attrition_reduction=kpi("max_attrition_reduction") * by_kpi["attrition"],
        contacts_change=contacts - today,
        intensity=intensity,
    )


def service_frame(paths: ServicePaths, draw: int = 0) -> pd.DataFrame:
    """One draw of ``paths`` as a frame, one row per month.

    Returns
    -------
    pandas.DataFrame
        Columns ``month``, ``service_spend`` (currency), one ``response_<lever>`` per lever (0-1),
        ``quality_index`` (dQ, 0-1), ``csat`` (share satisfied), ``first_contact_resolution``
        (share), ``handling_time_minutes``, ``contacts_per_customer`` (per customer-month),
        ``cost_per_contact`` (currency), ``arpu_uplift`` (fraction) and ``attrition_reduction``
        (fraction of agents a year).
    """
    return pd.DataFrame(
        {
            "month": np.arange(1, paths.quality_index.shape[-1] + 1),
            "service_spend": paths.spend[draw],
            **{f"response_{k}": paths.responses[k][draw] for k in LEVERS},
            "quality_index": paths.quality_index[draw],
            "csat": paths.csat[draw],
            "first_contact_resolution": paths.first_contact_resolution[draw],
            "handling_time_minutes": paths.handling_time_minutes[draw],
            "contacts_per_customer": paths.contacts_per_customer[draw],
            "cost_per_contact": paths.cost_per_contact[draw],
            "arpu_uplift": paths.arpu_uplift[draw],
            "attrition_reduction": paths.attrition_reduction[draw],
        }
    )


def quality_index(business: Business, scenario: Scenario) -> pd.DataFrame:
    """Monthly service trajectory of a scenario at the business's own values
    (:func:`service_paths` for one draw, as :func:`service_frame`)."""

    def value(path: str, default: float) -> np.ndarray:
        return np.full((1, 1), float(default))

    return service_frame(
        service_paths(business.service, scenario, value, np.ones(1, bool), business.base_customers)
    )
