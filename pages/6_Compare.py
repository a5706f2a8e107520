"""Compare: save the current scenario, keep a library, and set up to four scenarios side by side."""

import streamlit as st

from ui import compare, exports, render, saved, state, text

render.page_setup("nav.compare")
business, scenario = state.business(), state.scenario()

st.title(text.t("compare.title"))
st.caption(text.t("compare.caption"))
saved.flash()
store = saved.open_store()
scenarios = store.scenarios() if store else []
calibrations = store.calibrations() if store else []

items = saved.compared(saved.comparison_choice(scenarios), scenarios, calibrations)
if not items:
    st.info(text.t("compare.empty"), icon=":material/info:")
else:
    if not compare.same_currency(items):
        st.warning(text.t("compare.currencies"), icon=":material/currency_exchange:")
    st.subheader(text.t("compare.kpi_header"))
    st.table(compare.kpi_table(items))
    st.caption(text.t("compare.kpi_caption", reference=items[0].label))
    render.chart(compare.customers_figure(items), key="compare_chart_customers")
    left, right = st.columns(2)
    with left:
        render.chart(compare.cash_flow_figure(items), key="compare_chart_cash_flow")
    with right:
        render.chart(compare.revenue_figure(items), key="compare_chart_revenue")
    exports.comparison_block(compare.kpi_frame(items))

if store:
    st.subheader(text.t("compare.save_header"))
    st.markdown(text.describe_scenario(scenario, business.currency))
    saved.save_scenario_form(store, scenario)
    st.subheader(text.t("compare.library_header"))
    st.caption(text.t("compare.library_caption", kind=store.kind))
    saved.scenario_library(store, scenarios, saved.calibration_names(calibrations))
