"""Service investment: spend per lever -> ramp-up -> saturating response -> one quality index.

model.md section 3: spend I_k,t on lever k builds an effective stock
E_k,t = rho_k E_k,t-1 + (1 - rho_k) I_k,t with rho_k = 0.5 ** (1 / h_k) (geometric adstock,
Jin et al. 2017), responds through a Hill curve q = E**n / (x50**n + E**n), and the levers
combine into dQ_t = 1 - prod_k (1 - w_k q_k,t), in [0, 1). The index drives the displayed KPIs
(CSAT, first-contact resolution, handling time) and the economics (churn, price sensitivity,
ARPU, contacts, referrals), so no effect is counted twice.
"""

from __future__ import annotations

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


def quality_index(ops: ServiceOperations, scenario: Scenario) -> pd.DataFrame:
    """Monthly service trajectory of a scenario.

    Returns
    -------
    pandas.DataFrame
        One row per month 1..H with columns ``month``, ``service_spend`` (currency), one
        ``response_<lever>`` per lever (0-1), ``quality_index`` (dQ, 0-1), ``csat`` (share
        satisfied), ``first_contact_resolution`` (share), ``handling_time_minutes``,
        ``contacts_per_customer`` (per customer-month) and ``cost_per_contact`` (currency).
    """
    months = np.arange(1, scenario.horizon_months + 1)
    keep = np.ones(months.size)
    responses = {}
    for lever in LEVERS:
        r = ops.lever(lever)
        stock = ramp(keep * scenario.spend_per_month(lever), r.ramp_half_life_months)
        responses[lever] = hill(stock, r.half_effect_spend_per_month, r.hill_exponent)
    dq = 1.0 - np.prod([1.0 - ops.lever(k).weight * responses[k] for k in LEVERS], axis=0)
    fcr = ops.first_contact_resolution + ops.max_fcr_gain * dq
    aht = ops.handling_time_minutes * (1.0 - ops.max_handling_time_reduction * dq)
    frame = {
        "month": months,
        "service_spend": keep * scenario.service_spend_per_month,
        **{f"response_{k}": responses[k] for k in LEVERS},
        "quality_index": dq,
        "csat": ops.csat + ops.max_csat_gain * dq,
        "first_contact_resolution": fcr,
        "handling_time_minutes": aht,
        "contacts_per_customer": ops.issues_per_customer_month / fcr,
        "cost_per_contact": aht * ops.cost_per_handling_minute,
    }
    return pd.DataFrame(frame)
