"""Closed-form money arithmetic: discounting, geometric CLV and break-even rules.

These are the textbook identities the engine is checked against (model.md sections 4.2-4.3,
oracles O1-O3 and O7-O9) and the quick rules the pages quote beside the simulation.

References
----------
Gupta, S., Lehmann, D. R. (2003). Customers as assets. JIM 17(1), 9-24.
Nagle, T., Holden, R. The Strategy and Tactics of Pricing. Prentice Hall.
Pfeifer, P., Farris, P. (2004). The elasticity of customer value to retention. JIM 18(2), 20-31.
"""

from __future__ import annotations

import math


def monthly_discount_rate(annual_rate: float) -> float:
    """(1 + d_a) ** (1 / 12) - 1: 10 % a year is 0.797414 % a month."""
    if annual_rate <= -1:
        raise ValueError("annual_rate must be above -1")
    return (1.0 + annual_rate) ** (1.0 / 12.0) - 1.0


def monthly_churn_from_annual(annual_churn: float) -> float:
    """Constant monthly churn that compounds to ``annual_churn``: 1 - (1 - c_a) ** (1 / 12)."""
    _fraction(annual_churn, "annual_churn")
    return 1.0 - (1.0 - annual_churn) ** (1.0 / 12.0)


def median_lifetime_months(monthly_churn: float) -> float:
    """Median lifetime ln 0.5 / ln(1 - c) of a constant-churn customer, in months."""
    _fraction(monthly_churn, "monthly_churn")
    return math.log(0.5) / math.log1p(-monthly_churn)


def churn_after_hazard_ratio(churn: float, hazard_ratio: float) -> float:
    """Per-period churn of a homogeneous customer whose hazard is multiplied: 1 - (1 - c) ** HR."""
    _fraction(churn, "churn")
    if hazard_ratio < 0:
        raise ValueError("hazard_ratio must be at least 0")
    return 1.0 - (1.0 - churn) ** hazard_ratio


def churn_increase_for_price_change(elasticity: float, price_change: float = 0.10) -> float:
    """Relative rise of (controllable) churn that a lasting price change causes: (1 + dP)**eta - 1.

    The executive-facing reading of a hazard elasticity eta (model.md section 2.5): eta = 1.5
    means +15.4 % more churn per +10 % price.
    """
    if price_change <= -1:
        raise ValueError("price_change must be above -1")
    return (1.0 + price_change) ** elasticity - 1.0


def geometric_clv(
    margin: float,
    retention: float,
    discount_rate: float,
    *,
    include_first: bool = False,
    periods: int | None = None,
) -> float:
    """Customer lifetime value with constant retention r and discount rate d per period.

    Parameters
    ----------
    margin
        Contribution m per period (not revenue).
    retention
        Per-period retention r in [0, 1).
    discount_rate
        d per period, above -1.
    include_first
        False: the Gupta & Lehmann convention, margins at the end of each period retained,
        m r / (1 + d - r). True: the first margin is received now, m (1 + d) / (1 + d - r).
    periods
        A finite horizon T (Gupta & Lehmann convention only): m x (1 - x**T) / (1 - x),
        x = r / (1 + d).
    """
    _retention(retention)
    if periods is not None:
        if include_first:
            raise ValueError("a finite horizon is defined for the Gupta-Lehmann convention only")
        x = retention / (1.0 + discount_rate)
        return margin * x * (1.0 - x**periods) / (1.0 - x)
    if include_first:
        return margin * (1.0 + discount_rate) / (1.0 + discount_rate - retention)
    return margin * retention / (1.0 + discount_rate - retention)


def retention_elasticity_of_clv(retention: float, discount_rate: float) -> float:
    """d ln CLV / d ln r = (1 + d) / (1 + d - r) (Gupta-Lehmann convention; Pfeifer & Farris)."""
    _retention(retention)
    return (1.0 + discount_rate) / (1.0 + discount_rate - retention)


def breakeven_volume_change(price_change: float, contribution_margin: float) -> float:
    """Static break-even volume change -dP / (CM + dP) (Nagle & Holden).

    Parameters
    ----------
    price_change
        dP as a fraction of the old price (+0.05 = +5 %).
    contribution_margin
        CM as a fraction of the old price.

    Returns
    -------
    float
        The volume change (fraction) at which contribution is unchanged: -1/7 for +5 % at 30 %.
    """
    if contribution_margin + price_change <= 0:
        raise ValueError("contribution_margin + price_change must be above 0")
    return -price_change / (contribution_margin + price_change)


def breakeven_retention(
    margin: float,
    margin_change: float,
    retention: float,
    discount_rate: float,
    *,
    include_first: bool = False,
) -> float:
    """Lasting retention r' at which (m + D) f(r') = m f(r) for geometric CLV f.

    Gupta-Lehmann convention: r' = A (1 + d) / (1 + A), A = m / (m + D) * r / (1 + d - r).
    Including the first margin: r' = 1 + d - (1 + d - r)(m + D) / m.
    """
    _retention(retention)
    if margin <= 0 or margin + margin_change <= 0:
        raise ValueError("margin and margin + margin_change must be above 0")
    if include_first:
        return (
            1.0
            + discount_rate
            - (1.0 + discount_rate - retention) * (margin + margin_change) / margin
        )
    a = margin / (margin + margin_change) * retention / (1.0 + discount_rate - retention)
    return a * (1.0 + discount_rate) / (1.0 + a)


def _fraction(value: float, name: str) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1); got {value}")


def _retention(value: float) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"retention must be in [0, 1); got {value}")
