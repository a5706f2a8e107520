"""The Compare page's content as plain values: up to four scenarios side by side.

Each compared scenario is a :class:`Compared` (its label, business, scenario and evaluation).
:func:`kpi_frame` gives the numbers (tidy, for the export), :func:`kpi_table` the same numbers
formatted for the page with each column's difference from the first (the reference), and the
``*_figure`` builders overlay the scenarios on one chart each. Labels (saved scenarios' names) and
business names come from users: :func:`kpi_frame` keeps them as they are (the export neutralises
them), the table and the charts show them as literal text. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from simulator import Business, Evaluation, Scenario
from ui import charts, kpis, text
from ui.literal import PLOTLY, literal

MAX_COMPARED = 4
"""At most this many scenarios side by side (issue 5: "up to four")."""
COLORS = ("#1f4e8c", "#e07b1f", "#2a9d8f", "#c44e52")
"""One colour per compared scenario, in the order chosen."""
KPI_COLUMNS = ("kpi", "label", "scenario", "value", "difference", "unit")
"""Columns of :func:`kpi_frame` (``difference``: this value minus the reference's)."""
UNITS = ("text", "money", "price", "count", "fraction", "month", "month_number", "minutes")
"""Units of :func:`kpi_frame`: currency (``price``: per customer and month), customers, a
fraction (0.05 = 5 %), months, a month of the plan ("Month 5", as the Scenario page's payback
card; its difference in months), minutes. A ``+`` in front (e.g. ``+money``) marks a change
against no change, shown with its sign."""


@dataclass(frozen=True, kw_only=True)
class Compared:
    """One scenario on the Compare page: its label, the business it runs on, and its result."""

    label: str
    business: Business
    scenario: Scenario
    evaluation: Evaluation


@dataclass(frozen=True, kw_only=True)
class _Row:
    key: str  # text key of the row label, "compare.kpi.<key>"
    unit: str  # one of UNITS
    value: Callable[[Compared], float | str | None]


def _last_service(item: Compared, column: str) -> float:
    return float(item.evaluation.scenario.service[column].iloc[-1])


def _core_end(item: Compared) -> float:
    return kpis.customers_end(item.evaluation, item.business.core)[0]


def _customers_change(item: Compared) -> float:
    scenario, baseline = kpis.customers_end(item.evaluation)
    return scenario - baseline


ROWS: tuple[_Row, ...] = (
    _Row(key="business", unit="text", value=lambda c: text.business_name(c.business.name)),
    _Row(key="price_change", unit="+fraction", value=lambda c: c.scenario.price_change),
    _Row(key="monthly_fee", unit="price", value=lambda c: c.scenario.monthly_fee),
    _Row(key="service_budget", unit="money", value=lambda c: c.scenario.service_spend_per_month),
    _Row(key="horizon", unit="month", value=lambda c: c.scenario.horizon_months),
    _Row(key="delta_npv", unit="+money", value=lambda c: c.evaluation.delta_npv),
    _Row(key="npv", unit="money", value=lambda c: c.evaluation.scenario.npv),
    _Row(key="npv_tv", unit="money", value=lambda c: c.evaluation.scenario.npv_with_terminal_value),
    _Row(key="payback", unit="month_number", value=lambda c: c.evaluation.payback_month),
    _Row(key="roi", unit="fraction", value=lambda c: c.evaluation.roi),
    _Row(
        key="revenue",
        unit="money",
        value=lambda c: c.evaluation.scenario.grand_total("revenue"),
    ),
    _Row(
        key="contribution",
        unit="money",
        value=lambda c: c.evaluation.scenario.grand_total("contribution"),
    ),
    _Row(key="customers", unit="count", value=lambda c: kpis.customers_end(c.evaluation)[0]),
    _Row(key="core_customers", unit="count", value=_core_end),
    _Row(key="customers_change", unit="+count", value=_customers_change),
    _Row(key="csat", unit="fraction", value=lambda c: _last_service(c, "csat")),
    _Row(key="fcr", unit="fraction", value=lambda c: _last_service(c, "first_contact_resolution")),
    _Row(key="aht", unit="minutes", value=lambda c: _last_service(c, "handling_time_minutes")),
)


def unique_labels(labels: Sequence[str]) -> list[str]:
    """``labels`` with repeats numbered ("Plan", "Plan (2)"), so every column has its own name."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def kpi_frame(items: Sequence[Compared]) -> pd.DataFrame:
    """One row per KPI and scenario: :data:`KPI_COLUMNS`; money in each business's currency.

    ``difference`` is the value minus the first scenario's (0 for the first; missing for text
    and when either value is missing, e.g. a payback that never comes).
    """
    records = []
    for row in ROWS:
        values = [row.value(item) for item in items]
        reference = values[0]
        for item, value in zip(items, values, strict=True):
            numeric = row.unit != "text" and value is not None and reference is not None
            records.append(
                {
                    "kpi": row.key,
                    "label": text.t(f"compare.kpi.{row.key}"),
                    "scenario": item.label,
                    "value": value,
                    "difference": float(value) - float(reference) if numeric else None,
                    "unit": row.unit,
                }
            )
    return pd.DataFrame.from_records(records, columns=list(KPI_COLUMNS))


def _format(value: object, unit: str, currency: str, *, signed: bool = False) -> str:
    """``value`` in ``unit`` (see :data:`UNITS`); ``signed`` for a difference."""
    if not _known(value):
        return text.t("value.none")
    if unit == "text":
        return str(value)
    number, kind = float(value), unit.removeprefix("+")
    plus = signed or unit.startswith("+")
    if kind in ("money", "price"):
        decimals, compact = (2, False) if kind == "price" else (0, True)
        shown = text.signed_money if plus else text.money
        return shown(number, currency, decimals=decimals, compact=compact)
    if kind == "fraction":
        if signed:
            return text.signed_points(number)
        return text.signed_percent(number) if plus else text.percent(number)
    decimals = 1 if kind == "minutes" else 0
    shown = (text.signed_number if plus else text.number)(number, decimals=decimals)
    if kind == "minutes":
        return text.t("unit.minutes", value=shown)
    if kind == "month_number" and not signed:
        return text.t("kpi.payback.value", month=shown)
    if kind in ("month", "month_number"):
        return text.t("compare.month" if abs(number) == 1 else "compare.months", value=shown)
    return shown


def kpi_table(items: Sequence[Compared]) -> pd.DataFrame:
    """The KPIs as the page shows them (``st.table``, which reads every cell and header as
    Markdown): one row per KPI, one column per scenario, headed by its label as literal text;
    after the first column, a cell adds its difference from the first in brackets unless it
    rounds to nothing."""
    frame = kpi_frame(items)
    currencies = {item.label: item.business.currency for item in items}
    cells: dict[str, list[str]] = {item.label: [] for item in items}
    for row in frame.itertuples(index=False):
        currency = currencies[row.scenario]
        cell = _format(row.value, row.unit, currency)
        if row.unit == "text":
            cell = literal(cell)
        if row.scenario != items[0].label and _known(row.difference):
            change = _format(row.difference, row.unit, currency, signed=True)
            if change != _format(0.0, row.unit, currency, signed=True):
                cell = text.t("compare.cell", value=cell, change=change)
        cells[row.scenario].append(cell)
    index = pd.Index([text.t(f"compare.kpi.{row.key}") for row in ROWS], name=text.t("compare.kpi"))
    return pd.DataFrame({literal(label): column for label, column in cells.items()}, index=index)


def _known(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def same_currency(items: Sequence[Compared]) -> bool:
    """True if every compared business counts money in the same currency."""
    return len({item.business.currency for item in items}) <= 1


def _baselines(items: Sequence[Compared], column: str) -> list[tuple[str, pd.Series]]:
    """The no-change series of ``column``, once per distinct business and horizon."""
    out: list[tuple[str, pd.Series]] = []
    for item in items:
        series = item.evaluation.baseline.total(column)
        if not any(seen.equals(series) for _, seen in out):
            out.append((text.business_name(item.business.name), series))
    return out


def _scatter(x: pd.Index, y: pd.Series, name: str, line: dict, hover: str) -> dict:
    return {
        "type": "scatter",
        "x": x.to_numpy(),
        "y": y.to_numpy(),
        "name": name,
        "mode": "lines",
        "line": line,
        "hovertemplate": hover,
    }


def _over_time(
    items: Sequence[Compared], column: str, what: str, hover: str, **layout: object
) -> go.Figure:
    data = [
        _scatter(
            series.index,
            series,
            literal(item.label, PLOTLY),
            {"color": color, "width": 3},
            hover,
        )
        for item, color in zip(items, COLORS, strict=False)
        for series in [item.evaluation.scenario.total(column)]
    ]
    baselines = _baselines(items, column)
    for business, series in baselines:
        name = (
            text.t("compare.no_change")
            if len(baselines) == 1
            else text.t("compare.no_change_of", markup=PLOTLY, business=business)
        )
        line = {"color": charts.BASELINE_COLOR, "width": 2, "dash": "dash"}
        data.append(_scatter(series.index, series, name, line, hover))
    return charts.figure(
        data,
        text.t(f"compare.chart.{what}.title"),
        text.t(f"compare.chart.{what}.subtitle"),
        xaxis=charts.month_axis(),
        **layout,
    )


def customers_figure(items: Sequence[Compared]) -> go.Figure:
    """Active customers (all segments) by month, one line per scenario, no change dashed."""
    return _over_time(
        items,
        "customers",
        "customers",
        "%{y:,.0f}",
        yaxis={"title": {"text": text.t("chart.customers.y")}, "tickformat": ",.0f"},
    )


def revenue_figure(items: Sequence[Compared]) -> go.Figure:
    """Revenue per month (all segments), one line per scenario, no change dashed."""
    symbol = _symbol(items)
    return _over_time(
        items,
        "revenue",
        "revenue",
        _money_hover(items),
        yaxis={"title": {"text": text.t("chart.revenue.y", symbol=symbol)}, "tickformat": "~s"},
    )


def cash_flow_figure(items: Sequence[Compared]) -> go.Figure:
    """Cumulative cash flow against each scenario's own no change, one line per scenario."""
    symbol = _symbol(items)
    data = [
        _scatter(
            series.index,
            series,
            literal(item.label, PLOTLY),
            {"color": color, "width": 3},
            _money_hover(items),
        )
        for item, color in zip(items, COLORS, strict=False)
        for series in [item.evaluation.cumulative_cash_flow_difference]
    ]
    return charts.figure(
        data,
        text.t("compare.chart.cash_flow.title"),
        text.t("compare.chart.cash_flow.subtitle"),
        xaxis=charts.month_axis(),
        yaxis={"title": {"text": text.t("chart.cash.y", symbol=symbol)}, "tickformat": "~s"},
        shapes=[charts.hline(0.0)],
    )


def _money_hover(items: Sequence[Compared]) -> str:
    """The hover format of money: with the currency where the language puts it when all
    businesses share one, else the bare amount (the caption warns)."""
    if not same_currency(items):
        return "%{y:,.0f}"
    return text.plotly_money(items[0].business.currency)


def _symbol(items: Sequence[Compared]) -> str:
    """The currency symbol when all businesses share one, else empty (the caption warns)."""
    if not same_currency(items):
        return ""
    return text.currency_symbol(items[0].business.currency).strip()
