"""Goal seek: the decision that just meets a target, by root finding on the engine.

Three questions executives ask (product.md, Explore page):

* :func:`largest_price_increase`: the largest price increase whose NPV is at least the
  baseline's (the no-change run), with the scenario's other settings (fee, service budget,
  timing) kept;
* :func:`smallest_service_budget`: the smallest monthly service budget with which the
  scenario keeps at least as many customers at the horizon as the baseline (the budget that
  offsets the price change's customer loss), spread over the levers in the scenario's own
  proportions (equally when it has none);
* :func:`price_increase_for_core_loss`: the largest price increase that keeps the core
  segment's customer loss at the horizon within a share of its baseline customers.

Each answer is found by bracketing on a grid and refining with Brent's method (scipy
``brentq``) and is checked by running the engine at the answer: :attr:`GoalSeek.achieved` is
the target measure there. Functions of the price change are not monotone in general (NPV first
rises with price, then falls as customers leave), so the largest root is searched from the top
of the range down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from simulator.decisions.evaluate import evaluate
from simulator.model.params import LEVERS, MAX_MONTHLY_AMOUNT, Business, Scenario

__all__ = [
    "GRID_POINTS",
    "GoalSeek",
    "largest_price_increase",
    "price_increase_for_core_loss",
    "smallest_service_budget",
]

GRID_POINTS = 21
"""Grid points used to bracket a root before Brent's method refines it."""


@dataclass(frozen=True, kw_only=True)
class GoalSeek:
    """The answer to one goal-seek question.

    Attributes
    ----------
    status
        ``"found"`` (``value`` meets the target exactly, to the tolerance); ``"at_limit"``
        (the target is still met at the end of the searched range the question pushes
        towards, the largest price change or a budget of 0: ``value`` is that end); ``"never"``
        (not met anywhere in the range: ``value`` is None).
    value
        The decision found: a price change (fraction, 0.05 = +5 %) or a monthly service budget
        (currency per month).
    achieved
        The target measure at ``value`` (NPV difference in currency, customers at the horizon
        above the baseline's, or the core loss as a share), from a run of the engine; None when
        nothing was found.
    searched
        The range searched, (low, high), in the unit of ``value``.
    """

    status: str
    value: float | None
    achieved: float | None
    searched: tuple[float, float]


def _largest_root(
    measure: Callable[[float], float], low: float, high: float, *, xtol: float
) -> GoalSeek:
    """Largest x in [low, high] with measure(x) >= 0 (measure continuous)."""
    grid = np.linspace(low, high, GRID_POINTS)
    values = [measure(float(x)) for x in grid]
    if values[-1] >= 0:
        return GoalSeek(status="at_limit", value=high, achieved=values[-1], searched=(low, high))
    for i in range(len(grid) - 1, 0, -1):
        if values[i - 1] >= 0 > values[i]:
            if values[i - 1] == 0:
                x = float(grid[i - 1])
            else:
                x = float(brentq(measure, grid[i - 1], grid[i], xtol=xtol))
            return GoalSeek(status="found", value=x, achieved=measure(x), searched=(low, high))
    return GoalSeek(status="never", value=None, achieved=None, searched=(low, high))


def largest_price_increase(
    business: Business,
    scenario: Scenario,
    *,
    max_price_change: float = 1.0,
    tolerance: float = 1e-5,
) -> GoalSeek:
    """The largest price change in [0, ``max_price_change``] with NPV at least the baseline's.

    ``achieved`` is the NPV difference (currency) at the answer: 0 to the tolerance when
    ``status`` is ``"found"``. ``tolerance`` is on the price change (fraction).
    """

    def delta_npv(change: float) -> float:
        run = scenario.with_changes(price_change=change)
        return evaluate(business, run, breakeven=False).delta_npv

    return _largest_root(delta_npv, 0.0, max_price_change, xtol=tolerance)


def price_increase_for_core_loss(
    business: Business,
    scenario: Scenario,
    *,
    max_core_loss: float,
    max_price_change: float = 1.0,
    tolerance: float = 1e-5,
) -> GoalSeek:
    """The largest price change in [0, ``max_price_change``] whose core-customer loss at the
    horizon is at most ``max_core_loss`` (share of the baseline's core customers, 0-1).

    ``achieved`` is the core loss (share) at the answer.
    """
    if not 0 <= max_core_loss < 1:
        raise ValueError(f"max_core_loss must be a share in [0, 1); got {max_core_loss!r}")
    core = business.core

    def loss(change: float) -> float:
        run = scenario.with_changes(price_change=change)
        row = evaluate(business, run, breakeven=False).segments.set_index("segment").loc[core]
        return float(row["customers_lost"] / row["customers_end_baseline"])

    result = _largest_root(lambda c: max_core_loss - loss(c), 0.0, max_price_change, xtol=tolerance)
    if result.value is None:
        return result
    return GoalSeek(
        status=result.status,
        value=result.value,
        achieved=loss(result.value),
        searched=result.searched,
    )


def smallest_service_budget(
    business: Business,
    scenario: Scenario,
    *,
    max_budget_per_month: float,
    tolerance: float = 1.0,
) -> GoalSeek:
    """The smallest monthly service budget in [0, ``max_budget_per_month``] with which the
    scenario keeps at least the baseline's customers at the horizon.

    The budget is spread over the levers in the scenario's proportions (equally when its budget
    is 0). ``achieved`` is the scenario's customers at the horizon minus the baseline's (0 to
    the tolerance when found). ``tolerance`` is on the budget (currency per month). The search
    stops where a lever would pass :data:`simulator.model.params.MAX_MONTHLY_AMOUNT`.
    """
    if not max_budget_per_month > 0:
        raise ValueError(f"max_budget_per_month must be above 0; got {max_budget_per_month!r}")
    total = scenario.service_spend_per_month
    shares = {
        lever: (scenario.spend_per_month(lever) / total if total > 0 else 1 / len(LEVERS))
        for lever in LEVERS
    }
    max_budget_per_month = min(max_budget_per_month, MAX_MONTHLY_AMOUNT / max(shares.values()))

    def kept(budget: float) -> float:
        run = scenario.with_changes(
            **{f"{lever}_spend_per_month": budget * share for lever, share in shares.items()}
        )
        segments = evaluate(business, run, breakeven=False).segments
        return float(
            segments["customers_end_scenario"].sum() - segments["customers_end_baseline"].sum()
        )

    # The smallest budget b with kept(b) >= 0 is the largest root of kept(-x) on [-max, 0].
    mirrored = _largest_root(lambda x: kept(-x), -max_budget_per_month, 0.0, xtol=tolerance)
    if mirrored.value is None:
        return GoalSeek(
            status="never", value=None, achieved=None, searched=(0.0, max_budget_per_month)
        )
    value = -mirrored.value
    return GoalSeek(
        status=mirrored.status,
        value=value,
        achieved=kept(value),
        searched=(0.0, max_budget_per_month),
    )
