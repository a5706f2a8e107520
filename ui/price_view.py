"""The price-response view: value, revenue and customers across price changes, and why value falls.

:func:`curve` is :func:`simulator.decisions.price_curve.price_curve` of the plan from -20 % to
+100 % (the rest of the plan as set); :func:`plan_point` splits the plan's own price change into
its four drivers exactly (a curve of that one change). From them, with no Streamlit here (tested
as objects in ``tests/test_price_view.py``):

* :func:`headline`: where value peaks and where it falls to doing nothing's, in one sentence;
* :func:`plan_sentence`: what the plan's own rise brings and what it loses, driver by driver;
* :func:`figures`: three charts: value against doing nothing with this plan, the best price and
  the break-even marked; the four drivers stacked; revenue and customers (per segment).

Money is NPV over the horizon without terminal value, as on the Explore and Uncertainty pages.
The memo (:mod:`ui.memo`) and the Scenario page show the same sentences and figures.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from simulator import Business, Evaluation, Scenario
from simulator.decisions.price_curve import DRIVERS, PriceCurve, price_curve
from ui import text
from ui.charts import (
    MARKER_COLOR,
    REVENUE_COLOR,
    SCENARIO_COLOR,
    figure,
    gain_loss_fills,
    hline,
    segment_colors,
)
from ui.literal import PLOTLY, literal

FIGURES = ("value", "drivers", "volume")
"""Keys of :func:`figures`, in the page's reading order."""

DRIVER_COLORS = {
    "price_gain": "#2a9d8f",
    "lost_customers": "#c44e52",
    "lost_acquisitions": "#e07b1f",
    "word_of_mouth": "#8e5ea2",
}
"""One colour per driver of :data:`simulator.decisions.price_curve.DRIVERS`: what the rise brings
in green, what it costs in warm colours."""
BEST_COLOR = "#1b6e5f"
BREAKEVEN_COLOR = "#222222"
PLAN_COLOR = "#1f4e8c"
NET_COLOR = "#1d2330"


def at_today(scenario: Scenario) -> Scenario:
    """The plan at today's price (its other settings kept): all its curve depends on."""
    return scenario.with_changes(price_change=0.0)


def placed(curve: PriceCurve, scenario: Scenario) -> PriceCurve:
    """``curve`` (of :func:`at_today`'s plan) with ``scenario``'s own price change as current."""
    return replace(curve, current=scenario.price_change)


def curve(business: Business, scenario: Scenario) -> PriceCurve:
    """The plan's value from -20 % to +100 % (:data:`~simulator.decisions.price_curve.
    DEFAULT_CHANGES`). It does not depend on the plan's own price change, which only sets
    ``current``, so it is computed for the plan at today's price (:func:`at_today`): moving the
    price slider reuses it (:func:`ui.cached.price_curve`)."""
    return placed(price_curve(business, at_today(scenario)), scenario)


def plan_point(business: Business, scenario: Scenario) -> pd.Series:
    """The plan's own price change as one row of a :class:`PriceCurve`'s ``points``: its value
    against doing nothing and the four drivers, exact (not read off the grid)."""
    one = price_curve(business, scenario, changes=(scenario.price_change,), locate=False).points
    return one[one["price_change"] == scenario.price_change].iloc[0]


# --- sentences -------------------------------------------------------------------------------


def _change(fraction: float) -> str:
    """A price change in whole points, as the charts write it: ``"+10%"``."""
    return text.signed_percent(fraction, 0)


def _value_at(points: pd.DataFrame, change: float) -> float:
    return float(np.interp(change, points["price_change"], points["delta_npv"]))


def headline(curve: PriceCurve, currency: str) -> str:
    """Where value peaks and where it falls to doing nothing's, in plain words.

    Five cases: a peak and a break-even above it; a peak that stays above doing nothing to the
    largest change shown; no change worth as much as doing nothing; value still rising at the
    largest change (the assumptions do not limit a rise); value highest at the largest cut.
    """
    points = curve.points
    values = points["delta_npv"].to_numpy()
    changes = points["price_change"].to_numpy()
    low, top = _change(changes[0]), _change(changes[-1])
    money = lambda amount: text.money(abs(amount), currency, compact=True)  # noqa: E731
    if curve.best is None:  # the highest value is at an edge of the range shown
        rising = int(np.argmax(values)) == len(values) - 1
        return text.t("price_view.rising" if rising else "price_view.falling", low=low, top=top)
    peak = _value_at(points, curve.best)
    best = _change(curve.best)
    if peak < 0:
        return text.t("price_view.never", low=low, top=top, best=best, loss=money(peak))
    if curve.breakeven is None:
        return text.t("price_view.above", best=best, value=money(peak), top=top)
    said = text.t(
        "price_view.peak", best=best, value=money(peak), breakeven=_change(curve.breakeven)
    )
    if values[-1] < 0:
        said += " " + text.t("price_view.top_loss", top=top, loss=money(values[-1]))
    return said


def plan_sentence(point: pd.Series, currency: str) -> str:
    """What the plan's own price change brings and costs, driver by driver (``point`` from
    :func:`plan_point`)."""
    change = float(point["price_change"])
    if change == 0:
        return text.t("price_view.plan.none")
    amounts = {
        name: text.money(abs(float(point[name])), currency, compact=True) for name in DRIVERS
    }
    net = float(sum(point[name] for name in DRIVERS))
    said = text.t(
        "price_view.plan.rise" if change > 0 else "price_view.plan.cut",
        change=_change(change),
        gain=amounts["price_gain"],
        customers=amounts["lost_customers"],
        acquisitions=amounts["lost_acquisitions"],
        wom=amounts["word_of_mouth"],
        net=text.signed_money(net, currency, compact=True),
    )
    rest = float(point["delta_npv"]) - net  # the fee and the service budget, at today's price
    if text.money(abs(rest), currency, compact=True) != text.money(0, currency):
        said += " " + text.t(
            "price_view.plan.rest_adds" if rest > 0 else "price_view.plan.rest_costs",
            rest=text.money(abs(rest), currency, compact=True),
            total=text.signed_money(float(point["delta_npv"]), currency, compact=True),
        )
    return said


# --- figures ---------------------------------------------------------------------------------


TICK_STEP = 0.2
"""Price changes labelled on the x axes (fractions): -20 %, 0 %, +20 %, ... +100 %."""


def _x_axis(changes: np.ndarray) -> dict:
    """A price-change axis labelled every :data:`TICK_STEP` from the first change to the last."""
    ticks = np.arange(
        math.ceil(changes[0] / TICK_STEP - 1e-9), math.floor(changes[-1] / TICK_STEP + 1e-9) + 1
    )
    values = [round(float(t) * TICK_STEP, 6) for t in ticks]
    pad = (changes[-1] - changes[0]) * 0.02  # so that the end ticks are drawn
    return {
        "title": {"text": text.t("chart.price.x")},
        "tickvals": values,
        "ticktext": [_change(v) for v in values],
        "range": [float(changes[0] - pad), float(changes[-1] + pad)],
        "zeroline": False,
    }


def _marker(name: str, x: float, y: float, symbol: str, color: str, size: int) -> dict:
    return {
        "type": "scatter",
        "x": [x],
        "y": [y],
        "mode": "markers",
        "name": name,
        "marker": {"symbol": symbol, "size": size, "color": color, "line": {"color": "white"}},
        "hovertemplate": f"{name}<extra></extra>",
    }


def _note(
    label: str, x: float, y: float, *, above: bool, color: str, span: tuple[float, float]
) -> dict:
    """A label with an arrow to (x, y), kept inside the plot near either end of ``span``."""
    low, high = span
    where = (x - low) / (high - low) if high > low else 0.5
    return {
        "text": f"<b>{label}</b>",
        "xanchor": "left" if where < 0.15 else "right" if where > 0.85 else "center",
        "x": x,
        "y": y,
        "showarrow": True,
        "arrowhead": 2,
        "arrowcolor": color,
        "ax": 0,
        "ay": -44 if above else 44,
        "font": {"color": color},
        "bgcolor": "rgba(255, 255, 255, 0.85)",
    }


def value_figure(curve: PriceCurve, *, plan_value: float, currency: str, months: int) -> go.Figure:
    """Value against doing nothing across price changes: green where the plan pays, red where it
    loses, doing nothing as the zero line, and this plan (``plan_value`` at ``curve.current``),
    the best price and the break-even marked."""
    symbol = text.currency_symbol(currency).strip()
    x = curve.points["price_change"].to_numpy(dtype=float)
    y = curve.points["delta_npv"].to_numpy(dtype=float)
    hover = [
        text.t("chart.price.hover", change=_change(c), value=text.signed_money(v, currency))
        for c, v in zip(x, y, strict=True)
    ]
    data = gain_loss_fills(x, y)
    data.append(
        {
            "type": "scatter",
            "x": x,
            "y": y,
            "name": text.t("chart.price.value.line"),
            "mode": "lines",
            "line": {"color": SCENARIO_COLOR, "width": 3},
            "text": hover,
            "hovertemplate": "%{text}<extra></extra>",
        }
    )
    notes, span = [], (float(x.min()), float(x.max()))
    if curve.best is not None:
        peak = _value_at(curve.points, curve.best)
        label = text.t("chart.price.best", change=_change(curve.best))
        data.append(_marker(label, curve.best, peak, "circle", BEST_COLOR, 13))
        notes.append(_note(label, curve.best, peak, above=True, color=BEST_COLOR, span=span))
    if curve.breakeven is not None:
        label = text.t("chart.price.breakeven", change=_change(curve.breakeven))
        data.append(_marker(label, curve.breakeven, 0.0, "diamond", BREAKEVEN_COLOR, 13))
        notes.append(
            _note(label, curve.breakeven, 0.0, above=False, color=BREAKEVEN_COLOR, span=span)
        )
    plan = text.t("chart.price.plan", change=_change(curve.current))
    data.append(_marker(plan, curve.current, plan_value, "star", PLAN_COLOR, 18))
    nothing = {
        "text": text.t("chart.price.nothing"),
        "x": 0,
        "xref": "x domain",
        "y": 0,
        "xanchor": "left",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"color": MARKER_COLOR},
    }
    return figure(
        data,
        text.t("chart.price.value.title"),
        text.t("chart.price.value.subtitle", period=text.period(months)),
        xaxis=_x_axis(x),
        yaxis={
            "title": {"text": text.t("chart.price.value.y", symbol=symbol)},
            **text.plotly_money_axis(currency),
            "tickformat": "~s",
        },
        shapes=[hline(0)],
        annotations=[nothing, *notes],
        hovermode="closest",
    )


def drivers_figure(curve: PriceCurve, *, currency: str) -> go.Figure:
    """The four drivers of each price change's value, stacked (gains up, losses down), and their
    sum as a line: why value falls as the price rises."""
    symbol = text.currency_symbol(currency).strip()
    points = curve.points
    x = points["price_change"].to_numpy(dtype=float)
    data: list[dict] = [
        {
            "type": "bar",
            "x": x,
            "y": points[name].to_numpy(dtype=float),
            "name": text.t(f"chart.price.driver.{name}"),
            "marker": {"color": DRIVER_COLORS[name]},
            "hovertemplate": text.plotly_money(currency),
        }
        for name in DRIVERS
    ]
    data.append(
        {
            "type": "scatter",
            "x": x,
            "y": points[list(DRIVERS)].sum(axis=1).to_numpy(dtype=float),
            "name": text.t("chart.price.driver.net"),
            "mode": "lines+markers",
            "line": {"color": NET_COLOR, "width": 2.5},
            "marker": {"size": 5},
            "hovertemplate": text.plotly_money(currency),
        }
    )
    return figure(
        data,
        text.t("chart.price.drivers.title"),
        text.t("chart.price.drivers.subtitle"),
        barmode="relative",
        bargap=0.15,
        xaxis=_x_axis(x),
        yaxis={
            "title": {"text": text.t("chart.price.drivers.y", symbol=symbol)},
            **text.plotly_money_axis(currency),
            "tickformat": "~s",
        },
        shapes=[hline(0)],
    )


PANEL_GAP = 0.12


def volume_figure(
    curve: PriceCurve, evaluation: Evaluation, *, core: str, currency: str, months: int
) -> go.Figure:
    """Two panels across price changes: revenue over the horizon, and customers at its end per
    segment (the core thicker); doing nothing's level dashed in each."""
    points = curve.points
    x = points["price_change"].to_numpy(dtype=float)
    ends = (x[0], x[-1])
    nothing = text.t("case.baseline.short")
    baseline_revenue = evaluation.baseline.grand_total("revenue")
    data: list[dict] = [
        {
            "type": "scatter",
            "x": x,
            "y": points["revenue"].to_numpy(dtype=float),
            "name": text.t("chart.price.revenue"),
            "mode": "lines",
            "line": {"color": REVENUE_COLOR, "width": 3},
            "hovertemplate": text.plotly_money(currency),
        },
        {
            "type": "scatter",
            "x": ends,
            "y": (baseline_revenue, baseline_revenue),
            "name": text.t(
                "chart.series", markup=PLOTLY, what=text.t("chart.price.revenue"), case=nothing
            ),
            "mode": "lines",
            "line": {"color": REVENUE_COLOR, "width": 1.5, "dash": "dash"},
            "hoverinfo": "skip",
        },
    ]
    segments = evaluation.segments.set_index("segment")["customers_end_baseline"]
    colors = segment_colors(list(segments.index), core)
    for name in sorted(segments.index, key=lambda s: s != core):
        width = 3.5 if name == core else 2.0
        data.append(
            {
                "type": "scatter",
                "x": x,
                "y": points[f"customers_end_{name}"].to_numpy(dtype=float),
                "xaxis": "x2",
                "yaxis": "y2",
                "name": literal(name, PLOTLY),
                "mode": "lines",
                "line": {"color": colors[name], "width": width},
                "hovertemplate": "%{y:,.0f}",
            }
        )
        level = float(segments[name])
        data.append(
            {
                "type": "scatter",
                "x": ends,
                "y": (level, level),
                "xaxis": "x2",
                "yaxis": "y2",
                "name": text.t("chart.series", markup=PLOTLY, what=name, case=nothing),
                "mode": "lines",
                "line": {"color": colors[name], "width": 1.2, "dash": "dash"},
                "hoverinfo": "skip",
            }
        )
    half = (1 - PANEL_GAP) / 2
    titles = [
        {
            "text": f"<b>{label}</b>",
            "x": left,
            "xref": "paper",
            "xanchor": "left",
            "y": 1.02,
            "yref": "paper",
            "yanchor": "bottom",
            "showarrow": False,
        }
        for label, left in (
            (text.t("chart.price.revenue_panel", period=text.period(months)), 0.0),
            (text.t("chart.price.customers_panel"), 1 - half),
        )
    ]
    axis = {**text.plotly_money_axis(currency), "tickformat": "~s", "rangemode": "tozero"}
    return figure(
        data,
        text.t("chart.price.volume.title"),
        text.t("chart.price.volume.subtitle"),
        top=100,
        xaxis=_x_axis(x) | {"domain": [0, half]},
        yaxis=axis,
        xaxis2=_x_axis(x) | {"domain": [1 - half, 1], "anchor": "y2"},
        yaxis2={
            "anchor": "x2",
            "tickformat": "~s",
            "rangemode": "tozero",
            "title": {"text": text.t("chart.price.customers_y")},
        },
        annotations=titles,
        hovermode="x unified",
    )


def figures(
    curve: PriceCurve, evaluation: Evaluation, business: Business, scenario: Scenario
) -> dict[str, go.Figure]:
    """The view's three figures by :data:`FIGURES` key; this plan's value is
    ``evaluation.delta_npv`` (the Scenario page's figure)."""
    months, currency = scenario.horizon_months, business.currency
    return {
        "value": value_figure(
            curve, plan_value=evaluation.delta_npv, currency=currency, months=months
        ),
        "drivers": drivers_figure(curve, currency=currency),
        "volume": volume_figure(
            curve, evaluation, core=business.core, currency=currency, months=months
        ),
    }
