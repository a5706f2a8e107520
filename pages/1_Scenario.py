"""Scenario: move price, fee and service budget; see who leaves and what it is worth."""

import streamlit as st

from ui import cached, charts, exports, inputs, kpis, render, share, state, text

render.page_setup("nav.scenario")
business = state.business()
scenario, problem = inputs.scenario_controls(state.scenario(), business.currency)
state.set_scenario(scenario)
share.share_link(scenario)
evaluation = cached.evaluate(business, scenario)
table = cached.parameter_table(business, scenario)
core, currency = business.core, business.currency
new_price, notice = kpis.price_months(scenario)

st.title(text.t("scenario.title"))
st.caption(text.t("scenario.caption", business=business.name))
if problem:
    st.error(text.t("scenario.invalid", message=problem), icon=":material/error:")
render.verdict(kpis.verdict(evaluation, business, scenario), kpis.tone(evaluation, business))
render.assumption_note(table)

st.subheader(text.t("scenario.kpi_header"))
render.kpi_row(kpis.value_cards(evaluation, scenario, currency))
render.kpi_row(kpis.customer_cards(evaluation, business, scenario))
render.kpi_row(kpis.customer_value_cards(evaluation, business))

with st.container(border=True):
    st.subheader(text.t("scenario.breakeven_header"))
    render.bullet_lines(kpis.breakeven_lines(evaluation, business))
    st.caption(text.t("breakeven.caption"))

st.subheader(text.t("scenario.charts_header"))
left, right = st.columns(2)
with left:
    render.chart(
        charts.customers_figure(
            evaluation.monthly,
            core=core,
            price_change_month=new_price,
            notice_month=notice,
        ),
        key="scenario_chart_customers",
    )
    render.chart(
        charts.cash_flow_figure(
            evaluation.cumulative_cash_flow_difference,
            payback_month=evaluation.payback_month,
            currency=currency,
        ),
        key="scenario_chart_cash_flow",
    )
with right:
    render.chart(
        charts.revenue_figure(
            evaluation.monthly,
            currency=currency,
            price_change_month=new_price,
        ),
        key="scenario_chart_revenue",
    )
    render.chart(
        charts.who_leaves_figure(evaluation.segments, core=core, currency=currency),
        key="scenario_chart_who_leaves",
    )
render.chart(
    charts.service_figure(evaluation.scenario.service, evaluation.baseline.service),
    key="scenario_chart_service",
)
exports.download_block(evaluation, table, business.name)

st.subheader(text.t("scenario.sources_header"))
render.sources(table)
