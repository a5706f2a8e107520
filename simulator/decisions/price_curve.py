"""Value across price changes, the best price and the break-even, and why value falls.

:func:`price_curve` runs the current scenario at every price change of a grid (the rest of the
scenario, fee and service budget included, kept) against doing nothing, and splits each
point's value into what the rise brings and what it costs, by switching the responses off one
at a time (docs/model.md, price and fee response):

* ``price_gain``: the rise on customers who would all stay and keep coming (no customer reacts);
* ``lost_customers``: existing and new customers leaving sooner (the lasting response, the
  notice shock, reservation prices, the contact wave);
* ``lost_acquisitions``: prospects who no longer convert at the higher price;
* ``word_of_mouth``: prospects lost to what price-driven leavers tell others.

The four add up to the point's value minus the value at no price change (the rest of the
scenario alone). All runs are one vectorised engine call with exact survival.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from simulator.model.engine import simulate, simulate_draws
from simulator.model.params import MAX_PRICE_CHANGE, MIN_PRICE_CHANGE, Business, Scenario

__all__ = ["DEFAULT_CHANGES", "DRIVERS", "PriceCurve", "price_curve"]

DEFAULT_CHANGES: tuple[float, ...] = tuple(
    float(x) for x in np.round(np.arange(-0.20, 1.0001, 0.05), 2)
)
"""-20 % to +100 % in 5-point steps: where a moderate rise pays and where value turns."""

DRIVERS: tuple[str, ...] = ("price_gain", "lost_customers", "lost_acquisitions", "word_of_mouth")
"""The parts of a point's value against the scenario without its price change, in order."""


@dataclass(frozen=True)
class PriceCurve:
    """Value across price changes.

    Attributes
    ----------
    points
        One row per price change: ``price_change`` (fraction), ``delta_npv`` (NPV over the
        horizon against doing nothing, currency), the :data:`DRIVERS` (currency; they add up to
        ``delta_npv`` minus the value at no price change), ``revenue`` (over the horizon,
        currency), ``customers_end`` (at the horizon) and one ``customers_end_<segment>`` per
        segment.
    best
        The price change with the highest value (between grid points, to about a tenth of a
        step), or None when the grid's highest value is at its edge.
    breakeven
        The price change above the best at which value falls to doing nothing's (to 0.05
        points), or None when it stays above it over the grid (or is never above it).
    current
        The scenario's own price change.
    """

    points: pd.DataFrame
    best: float | None
    breakeven: float | None
    current: float


def price_curve(
    business: Business,
    scenario: Scenario,
    changes: Sequence[float] = DEFAULT_CHANGES,
    *,
    locate: bool = True,
) -> PriceCurve:
    """The :class:`PriceCurve` of ``scenario`` over the price ``changes`` (fractions).

    ``locate=False`` leaves out the best price and the break-even (both None), which cost a
    root search on the engine: for callers that want only the points and their drivers (the
    Scenario page's split of the plan's own price change)."""
    grid = np.asarray(sorted(set(changes) | {0.0}), dtype=float)
    if grid[0] <= MIN_PRICE_CHANGE or grid[-1] > MAX_PRICE_CHANGE:
        raise ValueError(
            f"price changes must be in ({MIN_PRICE_CHANGE}, {MAX_PRICE_CHANGE}] (fractions)"
        )
    variants = _variants(business)
    n = grid.size
    values: dict[str, np.ndarray] = {"scenario.price_change": np.tile(grid, len(variants))}
    for i, switched_off in enumerate(variants):
        for path, value in switched_off.items():
            column = values.setdefault(path, np.full(n * len(variants), np.nan))
            column[i * n : (i + 1) * n] = value
    for path, column in values.items():
        if path != "scenario.price_change":
            column[np.isnan(column)] = _current(business, path)
    runs = simulate_draws(business, scenario, values, survival="exact")
    baseline = simulate(business, scenario.without_changes(), terminal_value=False).npv
    value = (runs.npv - baseline).reshape(len(variants), n)
    full, no_word, no_acquisition, nobody = value
    at_zero = full[np.flatnonzero(grid == 0.0)[0]]
    customers = runs.customers[:n, :, -1]
    points = pd.DataFrame(
        {
            "price_change": grid,
            "delta_npv": full,
            "price_gain": nobody - at_zero,
            "lost_customers": no_acquisition - nobody,
            "lost_acquisitions": no_word - no_acquisition,
            "word_of_mouth": full - no_word,
            "revenue": runs.revenue[:n].sum(axis=1),
            "customers_end": customers.sum(axis=1),
            **{f"customers_end_{s.name}": customers[:, i] for i, s in enumerate(business.segments)},
        }
    )
    best, breakeven = (
        _best_and_breakeven(business, scenario, grid, full, baseline) if locate else (None, None)
    )
    return PriceCurve(points=points, best=best, breakeven=breakeven, current=scenario.price_change)


def _variants(business: Business) -> list[dict[str, float]]:
    """The runs of every price: as it is, then with word of mouth, the acquisition response and
    every existing customer's response switched off in turn (paths set per run)."""
    word = {f"segments.{s.name}.negative_wom_per_defector": 0.0 for s in business.segments}
    acquisition = word | {
        f"segments.{s.name}.acquisition_price_elasticity": 0.0 for s in business.segments
    }
    nobody = acquisition | {
        "service.rise_contacts_per_100": 0.0,
        "service.cancellation_contacts_per_defector": 0.0,
    }
    for s in business.segments:
        nobody[f"segments.{s.name}.lasting_price_elasticity"] = 0.0
        nobody[f"segments.{s.name}.notice_shock_churn_per_10pct"] = 0.0
        if s.wtp_median is not None:
            nobody[f"segments.{s.name}.wtp_median"] = 1e9  # nobody's reservation price is crossed
    return [{}, word, acquisition, nobody]


def _current(business: Business, path: str) -> float:
    """The business's value at a segment or service path (a segment's name may hold dots)."""
    if path.startswith("segments."):
        name, field = path.removeprefix("segments.").rsplit(".", 1)
        return float(getattr(business.segment(name), field))
    return float(getattr(business.service, path.removeprefix("service.")))


def _best_and_breakeven(
    business: Business, scenario: Scenario, grid: np.ndarray, value: np.ndarray, baseline: float
) -> tuple[float | None, float | None]:
    """The best price change (the vertex of the parabola through the grid's highest value and
    its neighbours: value is smooth in price, and the grid steps are small) and the break-even
    above it (root-found on the engine)."""
    top = int(np.argmax(value))
    best = None
    if 0 < top < grid.size - 1:
        x, y = grid[top - 1 : top + 2], value[top - 1 : top + 2]
        a, b, _ = np.polyfit(x, y, 2)
        best = float(np.clip(-b / (2 * a), x[0], x[2])) if a < 0 else float(grid[top])
    below = np.flatnonzero((np.arange(grid.size) > top) & (value < 0))
    breakeven = None
    if value[top] >= 0 and below.size:
        right = below[0]

        def delta(change: float) -> float:
            run = scenario.with_changes(price_change=float(change))
            return simulate(business, run, terminal_value=False).npv - baseline

        breakeven = float(brentq(delta, grid[right - 1], grid[right], xtol=5e-4))
    return best, breakeven
