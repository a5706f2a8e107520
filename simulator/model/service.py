"""Service investment: spend per lever -> ramp-up -> saturating response -> one quality index.

model.md section 3: spend I_k,t on lever k builds an effective stock
E_k,t = rho_k E_k,t-1 + (1 - rho_k) I_k,t with rho_k = 0.5 ** (1 / h_k) (geometric adstock,
Jin et al. 2017), responds through a Hill curve q = E**n / (x50**n + E**n), and the levers
combine into dQ_t = 1 - prod_k (1 - w_k q_k,t), in [0, 1). The index drives the displayed KPIs
(CSAT, first-contact resolution, handling time) and the economics (churn, price sensitivity,
ARPU, contacts, referrals), so no effect is counted twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from simulator.model.params import LEVERS, Scenario, ServiceOperations


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


@dataclass(frozen=True)
class ServicePaths:
    """The service programme month by month, for every draw: arrays of shape (draws, months).

    ``spend`` is the whole monthly budget (currency), ``responses`` the Hill response of each
    lever (0-1), ``quality_index`` dQ (0-1), then the KPIs it moves: ``csat`` (share satisfied),
    ``first_contact_resolution`` (share), ``handling_time_minutes``, ``contacts_per_customer``
    (per customer-month, issues / FCR) and ``cost_per_contact`` (currency).
    """

    spend: np.ndarray
    responses: dict[str, np.ndarray]
    quality_index: np.ndarray
    csat: np.ndarray
    first_contact_resolution: np.ndarray
    handling_time_minutes: np.ndarray
    contacts_per_customer: np.ndarray
    cost_per_contact: np.ndarray

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
) -> ServicePaths:
    """The service trajectory of ``scenario`` for every draw (model.md section 3).

    Parameters
    ----------
    ops, scenario
        The values every draw starts from.
    value
        ``value(path, default)`` gives one value per draw as a (draws, 1) column, for the dotted
        paths ``service.<field>``, ``service.<lever>.<field>`` and
        ``scenario.<lever>_spend_per_month``; ``default`` where a path is not drawn.
    works
        One flag per draw; where False the programme failed and dQ is 0 (model.md 3.4).
    """
    horizon = scenario.horizon_months
    keep = np.ones(horizon)
    not_improved = np.ones((works.size, horizon))
    spend = np.zeros((works.size, 1))
    responses = {}
    for lever in LEVERS:
        r = ops.lever(lever)
        budget = value(f"scenario.{lever}_spend_per_month", scenario.spend_per_month(lever))
        spend = spend + budget
        if not budget.any():
            responses[lever] = np.zeros((works.size, horizon))  # no spend, no response
            continue
        stock = ramp(
            budget * keep,
            value(f"service.{lever}.ramp_half_life_months", r.ramp_half_life_months),
        )
        responses[lever] = hill(
            stock,
            value(f"service.{lever}.half_effect_spend_per_month", r.half_effect_spend_per_month),
            value(f"service.{lever}.hill_exponent", r.hill_exponent),
        )
        weight = value(f"service.{lever}.weight", r.weight)
        not_improved = not_improved * (1.0 - weight * responses[lever])
    dq = (1.0 - not_improved) * works[:, None]

    def kpi(field: str) -> np.ndarray:
        return value(f"service.{field}", getattr(ops, field))

    fcr = kpi("first_contact_resolution") + kpi("max_fcr_gain") * dq
    handling = kpi("handling_time_minutes") * (1.0 - kpi("max_handling_time_reduction") * dq)
    return ServicePaths(
        spend=spend * keep,
        responses=responses,
        quality_index=dq,
        csat=kpi("csat") + kpi("max_csat_gain") * dq,
        first_contact_resolution=fcr,
        handling_time_minutes=handling,
        contacts_per_customer=kpi("issues_per_customer_month") / fcr,
        cost_per_contact=handling * kpi("cost_per_handling_minute"),
    )


def service_frame(paths: ServicePaths, draw: int = 0) -> pd.DataFrame:
    """One draw of ``paths`` as a frame, one row per month.

    Returns
    -------
    pandas.DataFrame
        Columns ``month``, ``service_spend`` (currency), one ``response_<lever>`` per lever (0-1),
        ``quality_index`` (dQ, 0-1), ``csat`` (share satisfied), ``first_contact_resolution``
        (share), ``handling_time_minutes``, ``contacts_per_customer`` (per customer-month) and
        ``cost_per_contact`` (currency).
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
        }
    )


def quality_index(ops: ServiceOperations, scenario: Scenario) -> pd.DataFrame:
    """Monthly service trajectory of a scenario at the business's own values
    (:func:`service_paths` for one draw, as :func:`service_frame`)."""

    def value(path: str, default: float) -> np.ndarray:
        return np.full((1, 1), float(default))

    return service_frame(service_paths(ops, scenario, value, np.ones(1, bool)))
