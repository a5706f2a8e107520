"""Scenario: move price, fee and service budget; see who leaves and what it is worth."""

import streamlit as st

from ui import cached, exports, inputs, kpis, present, price_view, render, share, state, text

render.page_setup("nav.scenario", writes_url=False)
business = state.business()
scenario, problem = inputs.scenario_controls(state.scenario(), business)
share.keep(scenario)
share.share_link(scenario)
evaluation = cached.evaluate(business, scenario)
table = cached.parameter_table(business, scenario)
currency = business.currency

st.title(text.t("scenario.title"))
st.caption(text.t("scenario.caption", business=text.business_name(business.name)))
if problem:
    st.error(text.t("scenario.invalid", message=problem), icon=":material/error:")
render.verdict(kpis.verdict(evaluation, business, scenario), kpis.tone(evaluation, business))
render.assumption_note(table)

st.subheader(text.t("scenario.kpi_header"))
with present.big_kpis():  # large in meeting mode
    render.kpi_row(kpis.value_cards(evaluation, scenario, currency))
    render.kpi_row(kpis.customer_cards(evaluation, business, scenario))
render.kpi_row(kpis.customer_value_cards(evaluation, business))

with st.container(border=True):
    st.subheader(text.t("scenario.breakeven_header"))
    render.bullet_lines(kpis.breakeven_lines(evaluation, business))
    st.caption(text.t("breakeven.caption"))

with st.container(border=True, key="scenario_price_view"):
    st.subheader(text.t("price_view.header"))
    st.markdown(price_view.headline(cached.price_curve(business, scenario), currency))
    st.markdown(price_view.plan_sentence(cached.plan_point(business, scenario), currency))
    price_figures = cached.price_figures(business, scenario, text.language())
    left, right = st.columns(2)
    with left:
        render.chart(price_figures["value"], key="scenario_chart_price_value")
    with right:
        render.chart(price_figures["drivers"], key="scenario_chart_price_drivers")
    render.chart(price_figures["volume"], key="scenario_chart_price_volume")
    st.caption(text.t("price_view.caption", period=text.period(scenario.horizon_months)))

st.subheader(text.t("scenario.charts_header"))
figures = cached.scenario_figures(business, scenario, text.language())
left, right = st.columns(2)
with left:
    render.chart(figures["customers"], key="scenario_chart_customers")
    render.chart(figures["cash_flow"], key="scenario_chart_cash_flow")
with right:
    render.chart(figures["revenue"], key="scenario_chart_revenue")
    render.chart(figures["who_leaves"], key="scenario_chart_who_leaves")
render.chart(figures["service"], key="scenario_chart_service")
present.stop_before_details()  # meeting mode ends with the charts
exports.download_block(evaluation, table, business, scenario)

st.subheader(text.t("scenario.sources_header"))
render.sources(table)
