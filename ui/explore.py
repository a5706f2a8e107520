"""The Explore page's view helpers: grid axes, goal-seek answers in plain sentences, the
price x budget heatmap, and the probability grid computed block by block under a progress bar.

The heatmap builder and the sentences are plain functions of simulator results (tested as
objects in ``tests/test_explore_page.py``); only :func:`probability_grid` and
:func:`goal_seek` touch Streamlit (progress bar, cached calls).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import simulator
from simulator.decisions.explore import breakeven_frontier, default_budgets, default_price_changes
from simulator.decisions.goal_seek import GoalSeek
from ui import cached, text
from ui.charts import figure

LOWEST_PRICE_CHANGE = -0.10
"""Left edge of the price axis (fraction), unless the plan's own price change is lower."""
MAX_PRICE_PCT = (10, 200, 5, 100)
"""The page's "largest price change explored" slider in percent: lowest, highest, step and the
value it opens with (+100 %: where, under the price response, a rise has long stopped paying)."""
STEPS = 21
"""Grid points of the budget axis of the NPV heatmap."""
PRICE_STEPS = (0.01, 0.02, 0.025, 0.05, 0.10, 0.20)
"""Round steps of the price axis (fractions): the finest that keeps it to :data:`MAX_PRICE_POINTS`
points (-10 % to +30 %: 2 points; to +100 %: 5 points; to +200 %: 10 points)."""
MAX_PRICE_POINTS = 31
PROBABILITY_STEPS = 11
"""Grid points per axis of the probability heatmap (11 x 11 = 121 cells)."""
DRAW_CHOICES = (25, 50, 100, 200)
DEFAULT_DRAWS = 100
SEED = 20240601
"""Seed of the Monte Carlo draws: the same every run, so the map does not flicker."""
COLORSCALE = [
    [0.0, "#9e2a2b"],
    [0.25, "#e09f9f"],
    [0.5, "#f7f7f7"],
    [0.75, "#8fcfc4"],
    [1.0, "#1b6e5f"],
]
"""Diverging: red loses against doing nothing, white is break-even, green gains."""
FRONTIER_COLOR = "#222222"
PLAN_COLOR = "#1f4e8c"
MARKS = {  # answer -> (text key of the legend, marker symbol, colour, size)
    # The two price answers sit on the same budget row and often coincide (both at the top of
    # the range): the first is drawn larger, so the second stays visible on top of it.
    "price": ("chart.explore.mark.price", "diamond", "#e07b1f", 20),
    "budget": ("chart.explore.mark.budget", "square", "#8e5ea2", 14),
    "core": ("chart.explore.mark.core", "triangle-up", "#c44e52", 11),
}


@dataclass(frozen=True, kw_only=True)
class Axes:
    """The grid: price changes (fractions) and total monthly service budgets (currency)."""

    price_changes: tuple[float, ...]
    budgets: tuple[float, ...]

    @property
    def max_price_change(self) -> float:
        return self.price_changes[-1]

    @property
    def max_budget(self) -> float:
        return self.budgets[-1]


def price_points(lowest: float, highest: float) -> int:
    """How many evenly spaced price changes span ``lowest`` to ``highest`` (fractions) in the
    finest round step of :data:`PRICE_STEPS` that needs at most :data:`MAX_PRICE_POINTS`."""
    span = highest - lowest
    for step in PRICE_STEPS:
        points = math.ceil(span / step - 1e-9) + 1
        if points <= MAX_PRICE_POINTS:
            return max(points, 2)
    return MAX_PRICE_POINTS


def axes(scenario: simulator.Scenario, max_price_change: float, steps: int | None = None) -> Axes:
    """-10 % (or the plan's price change if lower) to ``max_price_change`` (or the plan's if
    higher), in round steps (:func:`price_points`) or, when given, in ``steps`` points on both
    axes; budgets from 0 to twice the plan's (see
    :func:`simulator.decisions.explore.default_budgets`)."""
    lowest = min(LOWEST_PRICE_CHANGE, scenario.price_change)
    highest = max(max_price_change, scenario.price_change, lowest + 0.01)
    points = price_points(lowest, highest) if steps is None else steps
    prices = default_price_changes(points, lowest=lowest, highest=highest)
    steps = STEPS if steps is None else steps
    return Axes(
        price_changes=tuple(float(p) for p in prices),
        budgets=tuple(float(b) for b in default_budgets(scenario, steps)),
    )


def npv_grid(
    business: simulator.Business, scenario: simulator.Scenario, grid: Axes
) -> pd.DataFrame:
    """:func:`simulator.decisions.explore.npv_grid` over ``grid`` (cached); on an error the page
    shows the message and stops (never a traceback)."""
    try:
        return cached.npv_grid(business, scenario, grid.price_changes, grid.budgets)
    except (ValueError, ArithmeticError) as error:
        st.error(text.t("explore.error", message=text.validation_message(error)))
        st.stop()


# --- goal seek ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Answers:
    """The three goal-seek answers (None where the question failed, with the message)."""

    price: GoalSeek | None
    budget: GoalSeek | None
    core: GoalSeek | None
    errors: tuple[tuple[str, str], ...] = ()


def goal_seek(
    business: simulator.Business, scenario: simulator.Scenario, grid: Axes, max_core_loss: float
) -> Answers:
    """The three questions for the plan, searched over the heatmap's ranges (cached)."""
    calls = {
        "price": lambda: cached.largest_price_increase(business, scenario, grid.max_price_change),
        "budget": lambda: cached.smallest_service_budget(business, scenario, grid.max_budget),
        "core": lambda: cached.price_increase_for_core_loss(
            business, scenario, max_core_loss, grid.max_price_change
        ),
    }
    found: dict[str, GoalSeek | None] = {}
    errors = []
    for name, call in calls.items():
        try:
            found[name] = call()
        except (ValueError, ArithmeticError) as error:
            found[name] = None
            errors.append((name, text.validation_message(error)))
    return Answers(**found, errors=tuple(errors))


def answer_sentences(
    answers: Answers,
    scenario: simulator.Scenario,
    *,
    currency: str,
    max_core_loss: float,
) -> dict[str, str]:
    """Question key -> one plain sentence an executive can read aloud."""
    period = text.period(scenario.horizon_months)
    budget = text.money(scenario.service_spend_per_month, currency)
    errors = dict(answers.errors)
    sentences = {}
    price = answers.price
    if price is not None:
        shown = price.value if price.value is not None else price.searched[1]
        sentences["price"] = text.t(
            f"explore.a.price.{price.status}",
            budget=budget,
            price=text.signed_percent(shown),
            period=period,
        )
    spend = answers.budget
    if spend is not None:
        shown = spend.value if spend.value is not None else spend.searched[1]
        sentences["budget"] = text.t(
            f"explore.a.budget.{spend.status}",
            price=text.signed_percent(scenario.price_change),
            budget=text.money(shown, currency),
            period=period,
        )
    core = answers.core
    if core is not None:
        shown = core.value if core.value is not None else core.searched[1]
        sentences["core"] = text.t(
            f"explore.a.core.{core.status}",
            limit=text.percent(max_core_loss),
            loss=text.percent(core.achieved) if core.achieved is not None else "",
            price=text.signed_percent(shown),
            budget=budget,
            period=period,
        )
    for name, message in errors.items():
        sentences[name] = text.t("explore.error", message=message)
    return sentences


def answer_points(answers: Answers, scenario: simulator.Scenario) -> dict[str, tuple[float, float]]:
    """Question key -> (price change, monthly budget) of its answer on the heatmap."""
    budget = scenario.service_spend_per_month
    points = {}
    if answers.price is not None and answers.price.value is not None:
        points["price"] = (answers.price.value, budget)
    if answers.budget is not None and answers.budget.value is not None:
        points["budget"] = (scenario.price_change, answers.budget.value)
    if answers.core is not None and answers.core.value is not None:
        points["core"] = (answers.core.value, budget)
    return points


# --- probability grid under a progress bar -----------------------------------------------------


def probability_grid(
    business: simulator.Business, scenario: simulator.Scenario, grid: Axes, draws: int
) -> pd.DataFrame:
    """:func:`simulator.decisions.explore.probability_grid`, one price change at a time (each
    cached), with a progress bar that disappears when done."""
    cells = len(grid.price_changes) * len(grid.budgets)
    label = text.t("explore.progress", draws=draws, cells=cells)
    bar = st.progress(0.0, text=label)
    parts = []
    for i, price in enumerate(grid.price_changes):
        parts.append(
            cached.probability_grid(business, scenario, (price,), grid.budgets, draws, SEED)
        )
        bar.progress((i + 1) / len(grid.price_changes), text=label)
    bar.empty()
    return pd.concat(parts, ignore_index=True)


def draws_help(draws: int) -> str:
    """The draws widget's tooltip: the largest standard error of a probability."""
    return text.t("explore.draws.help", draws=draws, error=text.percent(math.sqrt(0.25 / draws), 0))


# --- the heatmap -------------------------------------------------------------------------------


def _matrix(grid: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(prices, budgets, z) with z[budget index, price index], as go.Heatmap wants it."""
    table = grid.pivot(index="service_budget", columns="price_change", values=column)
    return table.columns.to_numpy(), table.index.to_numpy(), table.to_numpy()


def _hover(
    prices: np.ndarray, budgets: np.ndarray, z: np.ndarray, *, probability: bool, currency: str
) -> list[list[str]]:
    label = text.t("chart.explore.probability" if probability else "chart.explore.delta")
    return [
        [
            text.t(
                "chart.explore.hover",
                price=text.signed_percent(p),
                budget=text.money(b, currency),
                label=label,
                value=(
                    text.percent(z[j, i], 0)
                    if probability
                    else text.signed_money(z[j, i], currency, compact=True)
                ),
            )
            for i, p in enumerate(prices)
        ]
        for j, b in enumerate(budgets)
    ]


def _frontier_traces(npv: pd.DataFrame) -> list[dict]:
    """Both break-even crossings (where NPV stops paying, and where it starts) as dashed lines,
    one legend entry."""
    traces = []
    for direction in ("falls", "rises"):
        line = breakeven_frontier(npv, direction=direction)
        if line["price_change"].isna().all():
            continue
        traces.append(
            {
                "type": "scatter",
                "x": line["price_change"].tolist(),
                "y": line["service_budget"].tolist(),
                "mode": "lines",
                "line": {"color": FRONTIER_COLOR, "width": 2.5, "dash": "dash"},
                "name": text.t("chart.explore.frontier"),
                "legendgroup": "frontier",
                "showlegend": not traces,
                "hoverinfo": "skip",
                "connectgaps": False,
            }
        )
    return traces


def _marker(name: str, x: float, y: float, symbol: str, color: str, size: int = 14) -> dict:
    return {
        "type": "scatter",
        "x": [x],
        "y": [y],
        "mode": "markers",
        "marker": {
            "symbol": symbol,
            "size": size,
            "color": color,
            "line": {"color": "white", "width": 1.5},
        },
        "name": name,
        "hovertemplate": f"{name}<extra></extra>",
    }


def value_scale(z: np.ndarray) -> dict:
    """Colour range of an NPV-difference map: white exactly at 0, the reds spread over the
    losses and the greens over the gains, each side to its own extreme. A map whose losses
    reach -15 M and whose gains reach +0.3 M (a wide price axis under the price response)
    still shows every paying cell green; a symmetric range would wash them out to white."""
    low, high = float(np.nanmin(z)), float(np.nanmax(z))
    if not low < 0 < high:  # one side only: the other half of the palette
        reach = max(abs(low), abs(high)) or 1.0
        return {"zmin": -reach, "zmax": reach, "zmid": 0.0}
    white = -low / (high - low)
    (_, red), (_, pink), _, (_, mint), (_, green) = COLORSCALE
    colours = [
        [0.0, red],
        [white / 2, pink],
        [white, COLORSCALE[2][1]],
        [white + (1 - white) / 2, mint],
        [1.0, green],
    ]
    return {"zmin": low, "zmax": high, "colorscale": colours}


def heatmap_figure(
    npv: pd.DataFrame,
    *,
    scenario: simulator.Scenario,
    currency: str,
    points: dict[str, tuple[float, float]],
    probability: pd.DataFrame | None = None,
    draws: int | None = None,
) -> go.Figure:
    """The price x budget heatmap of the NPV difference (or of the probability of beating doing
    nothing when ``probability`` is given), the break-even frontier of the NPV grid, the plan
    and the goal-seek answers (``points`` from :func:`answer_points`)."""
    shows_probability = probability is not None
    source = probability if shows_probability else npv
    column = "probability_beats_baseline" if shows_probability else "delta_npv"
    prices, budgets, z = _matrix(source, column)
    symbol = text.currency_symbol(currency).strip()
    period = text.period(scenario.horizon_months)
    if shows_probability:
        scale = {"zmin": 0.0, "zmax": 1.0, "zmid": 0.5}
        bar = {"tickformat": ".0%", "title": {"text": text.t("chart.explore.probability")}}
        title = text.t("chart.explore.title_probability")
        subtitle = text.t("chart.explore.subtitle_probability", period=period, draws=draws)
    else:
        scale = value_scale(z)
        bar = {
            **text.plotly_money_axis(currency),
            "tickformat": "~s",
            "title": {"text": text.t("chart.explore.delta")},
        }
        title = text.t("chart.explore.title")
        subtitle = text.t("chart.explore.subtitle", period=period, currency=currency)
    heat = {
        "type": "heatmap",
        "x": prices.tolist(),
        "y": budgets.tolist(),
        "z": z.tolist(),
        "colorscale": COLORSCALE,
        **scale,  # a value scale brings its own colorscale
        "colorbar": bar | {"thickness": 14},
        "text": _hover(prices, budgets, z, probability=shows_probability, currency=currency),
        "hovertemplate": "%{text}<extra></extra>",
        "showscale": True,
    }
    data = [heat, *_frontier_traces(npv)]
    data.append(
        _marker(
            text.t("chart.explore.plan"),
            scenario.price_change,
            scenario.service_spend_per_month,
            "star",
            PLAN_COLOR,
            size=18,
        )
    )
    for key, (x, y) in points.items():
        label, marker, color, size = MARKS[key]
        data.append(_marker(text.t(label), x, y, marker, color, size))
    return figure(
        data,
        title,
        subtitle,
        height=560,
        # Room for the legend under the axis title.
        margin={"l": 10, "r": 10, "t": 80, "b": 90},
        xaxis={
            "title": {"text": text.t("chart.explore.price")},
            "tickformat": "+.0%",
            "range": _edges(prices),
            "zeroline": False,
        },
        yaxis={
            "title": {"text": text.t("chart.explore.budget", currency=symbol)},
            **text.plotly_money_axis(currency),
            "tickformat": "~s",
            "range": _edges(budgets),
            "zeroline": False,
        },
        hovermode="closest",
    )


def _edges(values: Sequence[float]) -> list[float]:
    """The axis range covering the outer cells in full (half a step beyond the first and
    last centre)."""
    values = np.asarray(values, dtype=float)
    half = (values[1] - values[0]) / 2 if values.size > 1 else 0.5
    return [float(values[0] - half), float(values[-1] + half)]
