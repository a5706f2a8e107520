"""Explore a grid of decisions: NPV difference and probability of beating the baseline over
price change x monthly service budget, and the break-even frontier between them.

Every cell of the grid is the current scenario with two settings replaced: the list-price
change and the total monthly service budget, spread over the levers in the scenario's own
proportions (equally when it has none, as
:func:`simulator.decisions.goal_seek.smallest_service_budget` spreads it). Everything else (fee,
timing, notice, phase-in, horizon, discount rate) stays.

* :func:`npv_grid`: the NPV difference against doing nothing (``scenario.without_changes()``)
  over the horizon, without terminal value, for every cell: one vectorised engine run
  (:func:`simulator.model.engine.simulate_draws`, one "draw" per cell) plus one for the baseline;
* :func:`probability_grid`: the share of Monte Carlo parameter draws
(:mod:`simulator.decisions.priors`)
  in which a cell's NPV beats the baseline's, with the same draws in every cell (common random
  numbers), so differences between cells are not sampling noise;
* :func:`breakeven_frontier`: per budget, the price change where the NPV difference crosses 0,
  by linear interpolation between grid points.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from simulator.decisions.priors import draw_parameters
from simulator.model.engine import beats, simulate_draws
from simulator.model.params import (
    LEVERS,
    MAX_PRICE_CHANGE,
    MIN_PRICE_CHANGE,
    Business,
    Scenario,
)

__all__ = [
    "DIRECTIONS",
    "MIN_BUDGET_PER_MONTH",
    "breakeven_frontier",
    "budget_shares",
    "default_budgets",
    "default_price_changes",
    "grid_settings",
    "npv_grid",
    "probability_grid",
]

MIN_BUDGET_PER_MONTH = 10_000.0
"""Smallest top of the default budget axis (currency a month), for scenarios with little or no
budget and businesses whose levers need little to work."""

DIRECTIONS = ("falls", "rises")
"""Kinds of break-even crossing along the price axis: ``"falls"`` (the NPV difference goes from
at least 0 to below 0 as the price rises: the most the price can rise) and ``"rises"`` (from
below 0 to at least 0: the least price rise that pays for the budget)."""

ProgressCallback = Callable[[float], None]


def budget_shares(scenario: Scenario) -> dict[str, float]:
    """Share of the total monthly service budget given to each lever (sums to 1).

    The scenario's own proportions; equal shares when its budget is 0 (as
    :func:`simulator.decisions.goal_seek.smallest_service_budget` spreads a budget).
    """
    total = scenario.service_spend_per_month
    return {
        lever: (scenario.spend_per_month(lever) / total if total > 0 else 1.0 / len(LEVERS))
        for lever in LEVERS
    }


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 0.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power  # pragma: no cover (the loop always returns)


def default_price_changes(
    steps: int = 23, *, lowest: float = -0.10, highest: float = 1.0
) -> np.ndarray:
    """Price changes for the grid (fractions, 0.05 = +5 %): ``steps`` evenly spaced values from
    ``lowest`` to ``highest`` (by default -10 % to +100 % in 5-point steps: far enough that,
    under the price response, value has turned)."""
    if steps < 2:
        raise ValueError(f"steps must be at least 2; got {steps}")
    if not MIN_PRICE_CHANGE < lowest < highest <= MAX_PRICE_CHANGE:
        raise ValueError(
            f"need {MIN_PRICE_CHANGE} < lowest < highest <= {MAX_PRICE_CHANGE} (fractions); "
            f"got {lowest!r}, {highest!r}"
        )
    return np.linspace(lowest, highest, steps)


def default_budgets(
    scenario: Scenario, steps: int = 21, *, minimum: float = MIN_BUDGET_PER_MONTH
) -> np.ndarray:
    """Monthly service budgets for the grid (currency a month): ``steps`` evenly spaced values
    from 0 to twice the scenario's budget (at least ``minimum``), rounded up to a round number
    (1, 2, 2.5 or 5 times a power of ten) so the steps read well."""
    if steps < 2:
        raise ValueError(f"steps must be at least 2; got {steps}")
    top = _nice_ceiling(max(2.0 * scenario.service_spend_per_month, minimum))
    if top <= 0:
        raise ValueError(f"the budget axis needs a positive top; got minimum {minimum!r}")
    return np.linspace(0.0, top, steps)


def _axes(price_changes: Sequence[float], budgets: Sequence[float]) -> tuple[np.ndarray, ...]:
    prices = np.asarray(price_changes, dtype=float).reshape(-1)
    spends = np.asarray(budgets, dtype=float).reshape(-1)
    if prices.size < 1 or spends.size < 1:
        raise ValueError("the grid needs at least one price change and one budget")
    if np.any(np.diff(prices) <= 0) or np.any(np.diff(spends) <= 0):
        raise ValueError("price changes and budgets must be strictly increasing")
    if not (np.all(prices > MIN_PRICE_CHANGE) and np.all(prices <= MAX_PRICE_CHANGE)):
        raise ValueError(
            f"price changes must be in ({MIN_PRICE_CHANGE}, {MAX_PRICE_CHANGE}] (fractions)"
        )
    if np.any(spends < 0):
        raise ValueError("budgets must be at least 0 (currency a month)")
    price, spend = np.meshgrid(prices, spends, indexing="ij")
    return price.ravel(), spend.ravel()


def grid_settings(
    scenario: Scenario, price_changes: np.ndarray, budgets: np.ndarray
) -> dict[str, np.ndarray]:
    """The scenario settings of each cell as :func:`simulator.model.engine.simulate_draws` values:
    ``scenario.price_change`` and ``scenario.<lever>_spend_per_month`` (budget x share)."""
    price_changes = np.asarray(price_changes, dtype=float)
    budgets = np.asarray(budgets, dtype=float)
    settings = {"scenario.price_change": price_changes}
    for lever, share in budget_shares(scenario).items():
        settings[f"scenario.{lever}_spend_per_month"] = budgets * share
    return settings


def npv_grid(
    business: Business,
    scenario: Scenario,
    *,
    price_changes: Sequence[float],
    budgets: Sequence[float],
) -> pd.DataFrame:
    """NPV of every (price change, monthly service budget) cell against doing nothing.

    Parameters
    ----------
    business, scenario
        The business, and the scenario whose other settings every cell keeps.
    price_changes
        Strictly increasing list-price changes (fractions, 0.05 = +5 %).
    budgets
        Strictly increasing total monthly service budgets (currency a month), spread over the
        levers by :func:`budget_shares`.

    Returns
    -------
    pandas.DataFrame
        One row per cell, price change outer and budget inner (row ``i * len(budgets) + j`` is
        ``price_changes[i]``, ``budgets[j]``): ``price_change`` (fraction), ``service_budget``
        (currency a month), ``npv`` (NPV of the cell over the horizon, no terminal value,
        currency) and ``delta_npv`` (``npv`` minus the baseline's, currency).
    """
    price, spend = _axes(price_changes, budgets)
    cells = simulate_draws(business, scenario, grid_settings(scenario, price, spend))
    baseline = simulate_draws(business, scenario.without_changes(), draws=1)
    return pd.DataFrame(
        {
            "price_change": price,
            "service_budget": spend,
            "delta_npv": cells.npv - baseline.npv[0],
            "npv": cells.npv,
        }
    )


def probability_grid(
    business: Business,
    scenario: Scenario,
    *,
    price_changes: Sequence[float],
    budgets: Sequence[float],
    draws: int,
    seed: int,
    on_progress: ProgressCallback | None = None,
    cells_per_block: int | None = None,
) -> pd.DataFrame:
    """Probability that each cell's NPV beats doing nothing, under the parameter priors.

    The same ``draws`` parameter draws (:func:`simulator.decisions.priors.draw_parameters` with
    ``seed``) are used in every cell and in the baseline (common random numbers). A cell's
    probability is the share of draws whose NPV difference (horizon, no terminal value) is above 0;
    its standard error is at most sqrt(0.25 / draws).

    Parameters
    ----------
    price_changes, budgets
        As for :func:`npv_grid`.
    draws
        Monte Carlo draws per cell, at least 1.
    seed
        Seed of the draws: the same seed gives the same grid.
    on_progress
        Called with the share of cells done (0-1] after each block of cells.
    cells_per_block
        Cells computed per engine run (default: one price change's row of budgets).

    Returns
    -------
    pandas.DataFrame
        One row per cell in the order of :func:`npv_grid`: ``price_change``, ``service_budget``
        and ``probability_beats_baseline`` (0-1).
    """
    price, spend = _axes(price_changes, budgets)
    parameters = draw_parameters(business, draws, seed=seed)
    baseline = simulate_draws(
        business,
        scenario.without_changes(),
        parameters.values,
        service_works=parameters.service_works,
    ).npv
    block = cells_per_block or np.asarray(budgets).size
    if block < 1:
        raise ValueError(f"cells_per_block must be at least 1; got {block}")
    probability = np.empty(price.size)
    for start in range(0, price.size, block):
        stop = min(start + block, price.size)
        cells = stop - start
        values = {path: np.tile(column, cells) for path, column in parameters.values.items()}
        settings = grid_settings(
            scenario, np.repeat(price[start:stop], draws), np.repeat(spend[start:stop], draws)
        )
        run = simulate_draws(
            business,
            scenario,
            values | settings,
            service_works=np.tile(parameters.service_works, cells),
        )
        delta = run.npv.reshape(cells, draws) - baseline
        probability[start:stop] = beats(delta, baseline).mean(axis=1)
        if on_progress is not None:
            on_progress(stop / price.size)
    return pd.DataFrame(
        {
            "price_change": price,
            "service_budget": spend,
            "probability_beats_baseline": probability,
        }
    )


def _crossing(prices: np.ndarray, delta: np.ndarray, direction: str) -> float:
    """The price change where ``delta`` crosses 0 in ``direction`` (NaN when it does not):
    the largest crossing for ``"falls"``, the smallest for ``"rises"``."""
    above = delta >= 0
    if direction == "falls":
        steps = np.flatnonzero(above[:-1] & ~above[1:])
        if steps.size == 0:
            return math.nan
        i = int(steps[-1])
    else:
        steps = np.flatnonzero(~above[:-1] & above[1:])
        if steps.size == 0:
            return math.nan
        i = int(steps[0])
    d0, d1 = float(delta[i]), float(delta[i + 1])
    return float(prices[i] + d0 / (d0 - d1) * (prices[i + 1] - prices[i]))


def breakeven_frontier(grid: pd.DataFrame, *, direction: str = "falls") -> pd.DataFrame:
    """Per budget, the price change at which the NPV difference crosses 0.

    Parameters
    ----------
    grid
        A frame of :func:`npv_grid` (``price_change``, ``service_budget``, ``delta_npv``).
    direction
        ``"falls"`` (default): the largest price change at which ``delta_npv`` goes from at
        least 0 to below 0 as the price rises, i.e. the most the price can rise at that budget
        and still beat doing nothing. ``"rises"``: the smallest price change at which it goes
        from below 0 to at least 0, i.e. the least price rise that pays for that budget.

    Returns
    -------
    pandas.DataFrame
        One row per budget, in increasing order: ``service_budget`` (currency a month) and
        ``price_change`` (fraction; linear interpolation between the two grid points around
        the crossing; NaN where the grid holds no such crossing).
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}; got {direction!r}")
    rows = []
    for budget, cells in grid.groupby("service_budget", sort=True):
        cells = cells.sort_values("price_change")
        prices = cells["price_change"].to_numpy(dtype=float)
        delta = cells["delta_npv"].to_numpy(dtype=float)
        rows.append((float(budget), _crossing(prices, delta, direction)))
    return pd.DataFrame(rows, columns=["service_budget", "price_change"])
