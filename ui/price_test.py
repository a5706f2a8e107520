"""The Uncertainty page's "Test first" section: price-test designs, what learning first is
worth, the recommendation in words, and the readout of a running test.

The table, the chart, the sentences and the readout table are plain functions of
:class:`simulator.decisions.price_test.PriceTestPlan` and
:class:`simulator.decisions.price_test_readout.PriceTestReadout` (tested as objects in
``tests/test_price_test_page.py``); only :func:`section` and :func:`readout_section` touch
Streamlit (widgets, progress, uploads), through :mod:`ui.cached`.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import simulator
from simulator.decisions.price_test import PriceTestPlan
from simulator.decisions.price_test_readout import PriceTestReadout
from simulator.decisions.price_test_rise import rise_under_test
from simulator.decisions.uncertainty import MonteCarlo
from ui import cached, data, render, state, text
from ui.charts import MARKER_COLOR, SEGMENT_COLORS, figure, hline
from ui.kpis import Kpi
from ui.literal import PLAIN, PLOTLY, literal

SHARE_CHOICES = (0.02, 0.05, 0.10, 0.20, 0.30, 0.50)
"""Shares of the tested segments' customers the page offers."""
DEFAULT_SHARES = (0.05, 0.10, 0.20)
MONTH_CHOICES = (2, 3, 4, 6, 9, 12)
"""Test lengths (months at the new price) the page offers, where the horizon allows."""
DEFAULT_MONTHS = (3, 6)
GRADE_KEYS = ("randomised_test", "history_with_control", "history_without_control")


# --- views (no Streamlit) --------------------------------------------------------------------


def raises_price(business: simulator.Business, scenario: simulator.Scenario) -> bool:
    """True when the scenario raises what some segment's customers pay."""
    return any(
        rise_under_test(business, scenario, s).log_price_ratio > 0 for s in business.segments
    )


def month_choices(scenario: simulator.Scenario) -> tuple[int, ...]:
    """The test lengths that leave the rise for everybody within the horizon."""
    return tuple(
        m for m in MONTH_CHOICES if scenario.price_change_month + m <= scenario.horizon_months
    )


def headline_cards(plan: PriceTestPlan) -> list[Kpi]:
    """EVPI of the churn response, the chance the rise pays, the best net value of testing."""
    currency = plan.currency
    best = max((d.net_value for d in plan.designs), default=0.0)
    return [
        Kpi(
            label=text.t("test.kpi.evpi"),
            value=text.money(plan.evpi, currency, compact=True),
            help=text.t("test.kpi.evpi.help"),
        ),
        Kpi(
            label=text.t("test.kpi.pays"),
            value=text.percent(plan.probability_pays, 0),
            help=text.t("test.kpi.pays.help"),
        ),
        Kpi(
            label=text.t("test.kpi.best"),
            value=text.signed_money(best, currency, compact=True),
            help=text.t("test.kpi.best.help"),
        ),
    ]


def recommendation(plan: PriceTestPlan) -> str:
    """Whether to test first and how, or to decide now, in plain words (Markdown)."""
    currency = plan.currency
    best = plan.best
    if best is not None:
        out = text.t(
            "test.sentence.test",
            share=text.percent(best.share, 0),
            segments=", ".join(plan.segments),
            customers=text.number(best.customers_tested),
            months=best.months,
            evsi=text.money(best.evsi, currency, compact=True),
            cost=text.money(best.cost, currency, compact=True),
            net=text.money(best.net_value, currency, compact=True),
            power=text.percent(best.power, 0),
        )
    else:
        key = "test.sentence.now_raise" if plan.raise_now else "test.sentence.now_keep"
        out = text.t(key, probability=text.percent(plan.probability_pays, 0))
        if plan.evpi <= 0:
            out += text.t("test.sentence.known")
    if plan.evpi_acquisition > plan.evpi:
        out += text.t(
            "test.sentence.acquisition",
            amount=text.money(plan.evpi_acquisition, currency, compact=True),
        )
    return out


def design_table(plan: PriceTestPlan) -> pd.DataFrame:
    """One row per design: share, months, customers, power, the chance of the right call,
    EVSI, cost, net value, and the expected width of the 90 % interval of the churn ratio per
    +10 % (text, as shown)."""
    currency = plan.currency
    rows = []
    for d in plan.designs:
        width = d.interval_width_hr10
        rows.append(
            {
                text.t("test.table.share"): text.percent(d.share, 0),
                text.t("test.table.months"): text.number(d.months),
                text.t("test.table.customers"): text.number(d.customers_tested),
                text.t("test.table.power"): text.percent(d.power, 0),
                text.t("test.table.right"): text.percent(d.chance_right, 0),
                text.t("test.table.evsi"): text.money(d.evsi, currency, compact=True),
                text.t("test.table.cost"): text.money(d.cost, currency, compact=True),
                text.t("test.table.net"): text.signed_money(d.net_value, currency, compact=True),
                text.t("test.table.width"): (
                    text.t("value.none") if width is None else text.number(width, decimals=2)
                ),
            }
        )
    return pd.DataFrame(rows)


def value_figure(plan: PriceTestPlan) -> go.Figure:
    """EVSI (solid) and net value (dashed) against the share tested, one colour per test
    length, and the EVPI of the churn response as a line."""
    symbol = text.currency_symbol(plan.currency).strip()
    hover = text.plotly_money(plan.currency)
    data = []
    months = sorted({d.months for d in plan.designs})
    for i, m in enumerate(months):
        rows = sorted((d for d in plan.designs if d.months == m), key=lambda d: d.share)
        x = [100 * d.share for d in rows]
        color = SEGMENT_COLORS[i % len(SEGMENT_COLORS)]
        for key, values, dash in (
            ("test.chart.evsi", [d.evsi for d in rows], "solid"),
            ("test.chart.net", [d.net_value for d in rows], "dash"),
        ):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "x": x,
                    "y": values,
                    "name": text.t(key, months=m),
                    "line": {"color": color, "dash": dash},
                    "hovertemplate": "%{x:.0f}%: " + hover + "<extra></extra>",
                }
            )
    evpi = {
        "text": text.t(
            "test.chart.evpi",
            markup=PLOTLY,
            amount=text.money(plan.evpi, plan.currency, compact=True),
        ),
        "x": 0,
        "xref": "x domain",
        "y": plan.evpi,
        "yref": "y",
        "xanchor": "left",
        "yanchor": "bottom",
        "showarrow": False,
    }
    return figure(
        data,
        text.t("test.chart.title"),
        text.t("test.chart.subtitle"),
        xaxis={
            "title": {"text": text.t("test.chart.x")},
            "ticksuffix": "%",
            "tickvals": sorted({100 * d.share for d in plan.designs}),
        },
        yaxis={"title": {"text": text.t("test.chart.y", symbol=symbol)}, "tickformat": "~s"},
        shapes=[
            hline(plan.evpi) | {"line": {"color": MARKER_COLOR, "dash": "dot", "width": 1}},
            hline(0.0),
        ],
        annotations=[evpi],
        hovermode="closest",
    )


def readout_table(readout: PriceTestReadout) -> pd.DataFrame:
    """Per segment: the measured churn ratio per +10 % and its interval, the lasting
    elasticity it gives, customers tested and in the comparison group, the evidence grade."""
    rows = []
    for s in readout.segments:
        estimate = s.estimate
        ratio = estimate.hazard_ratio_per_10pct
        interval = estimate.hazard_ratio_per_10pct_interval
        grade = s.grade if s.grade in GRADE_KEYS else "none"
        rows.append(
            {
                text.t("test.readout.segment"): literal(s.segment, PLAIN),
                text.t("test.readout.hr"): (
                    text.t("value.none") if ratio is None else text.number(ratio, decimals=3)
                ),
                text.t("test.readout.interval"): (
                    text.t("value.none")
                    if interval is None
                    else text.t(
                        "test.readout.range",
                        low=text.number(interval[0], decimals=3),
                        high=text.number(interval[1], decimals=3),
                    )
                ),
                text.t("test.readout.elasticity"): (
                    text.t("value.none")
                    if s.elasticity is None
                    else text.number(s.elasticity, decimals=2)
                ),
                text.t("test.readout.tested"): text.number(estimate.exposed_customers),
                text.t("test.readout.control"): text.number(estimate.control_customers),
                text.t("test.readout.grade"): text.t(f"test.readout.grade.{grade}"),
            }
        )
    return pd.DataFrame(rows)


def readout_sentence(readout: PriceTestReadout, currency: str) -> str:
    """The chance the rise pays before and after the test, and the recommendation."""
    out = text.t(
        "test.readout.sentence",
        after=text.percent(readout.probability_after, 0),
        before=text.percent(readout.probability_before, 0),
        value=text.signed_money(readout.value_after, currency, compact=True),
    )
    return out + text.t("test.readout.raise" if readout.raise_price else "test.readout.keep")


# --- the section (Streamlit) -------------------------------------------------------------------


def section(business: simulator.Business, scenario: simulator.Scenario, mc: MonteCarlo) -> None:
    """The "Test first" section: choices, headline cards, recommendation, table, chart and the
    readout; ``mc`` is the page's Monte Carlo run (its draws are reused)."""
    st.subheader(text.t("test.header"))
    st.markdown(text.t("test.intro"))
    if not raises_price(business, scenario):
        st.info(text.t("test.no_rise"), icon=":material/info:")
        return
    names = [s.name for s in business.segments]
    months_offered = month_choices(scenario)
    if not months_offered:
        st.info(text.t("test.too_short"), icon=":material/info:")
        return
    left, middle, right = st.columns(3)
    segments = left.multiselect(
        text.t("test.segments"),
        names,
        default=names,
        format_func=lambda name: literal(name, PLAIN),
        key="test_segments",
        help=text.t("test.segments.help"),
    )
    shares = middle.multiselect(
        text.t("test.shares"),
        SHARE_CHOICES,
        default=DEFAULT_SHARES,
        format_func=lambda share: text.percent(share, 0),
        key="test_shares",
        help=text.t("test.shares.help"),
    )
    months = right.multiselect(
        text.t("test.months"),
        months_offered,
        default=[m for m in DEFAULT_MONTHS if m in months_offered] or [months_offered[0]],
        key="test_months",
        help=text.t("test.months.help"),
    )
    if not (segments and shares and months):
        st.info(text.t("test.choose"), icon=":material/info:")
        return
    try:
        plan = cached.design_test(
            business,
            scenario,
            mc,
            segments=tuple(s for s in names if s in segments),
            shares=tuple(sorted(shares)),
            months=tuple(sorted(months)),
        )
    except Exception as exc:  # noqa: BLE001 (never a traceback: say what went wrong)
        st.error(
            text.t("test.failed", message=text.validation_message(exc)), icon=":material/error:"
        )
        return
    render.kpi_row(headline_cards(plan))
    st.info(recommendation(plan), icon=":material/science:")
    st.table(design_table(plan), border="horizontal")
    render.chart(value_figure(plan), key="test_chart_value")
    st.caption(text.t("test.caption"))
    if plan.notes:
        st.caption(text.bullets(plan.notes))
    readout_section(business, scenario)


def _upload(file) -> cached.Upload:
    raw = file.getvalue()
    return cached.Upload(name=file.name, raw=raw, digest=hashlib.sha256(raw).hexdigest())


def readout_section(business: simulator.Business, scenario: simulator.Scenario) -> None:
    """Upload a running test's customers and price history; show what it measured, the chance
    the rise pays now and the recommendation; offer to use the test's estimate."""
    with st.expander(text.t("test.readout.header"), icon=":material/fact_check:"):
        st.markdown(text.t("test.readout.intro"))
        left, right = st.columns(2)
        customers = left.file_uploader(
            text.t("test.readout.customers"), type=list(data.FILE_TYPES), key="test_customers"
        )
        prices = right.file_uploader(
            text.t("test.readout.prices"), type=list(data.FILE_TYPES), key="test_prices"
        )
        if customers is None or prices is None:
            st.caption(text.t("test.readout.waiting"))
            return
        try:
            with st.spinner(text.t("test.readout.running")):
                readout = cached.read_test(business, scenario, _upload(customers), _upload(prices))
        except simulator.DataError as error:
            data.read_error(error)
            return
        except ValueError as exc:
            st.error(
                text.t("test.readout.failed", message=text.validation_message(exc)),
                icon=":material/error:",
            )
            return
        st.table(readout_table(readout), border="horizontal")
        st.markdown(readout_sentence(readout, business.currency))
        if readout.warnings:
            st.caption(text.bullets(readout.warnings))
        if not readout.applied:
            return
        if readout.business == business:
            st.caption(text.t("test.readout.in_use"))
        elif st.button(
            text.t("test.readout.use"),
            key="test_use",
            type="primary",
            icon=":material/check:",
            help=text.t("test.readout.use.help"),
        ):
            state.set_business(readout.business)
            st.rerun()
