"""Home: what the app answers, which data is in use, and the current scenario's headline."""

import streamlit as st

from simulator.data.synthetic import SAMPLE_AS_OF
from ui import cached, kpis, present, render, state, text

render.page_setup("nav.home")
business, scenario = state.business(), state.scenario()
evaluation = cached.evaluate(business, scenario)
table = cached.parameter_table(business, scenario)

st.title(text.t("home.title"))
st.markdown(text.t("home.intro"))

st.subheader(text.t("home.data_header"))
st.markdown(kpis.data_in_use(business))
if business == cached.business():  # still the sample as calibrated from the bundled table
    render.sample_summary(cached.sample_summary(), as_of=SAMPLE_AS_OF, currency=business.currency)
else:
    st.caption(text.t("home.business_changed"))
st.caption(render.business_summary(table))

st.subheader(text.t("home.scenario_header"))
st.markdown(text.describe_scenario(scenario, business.currency))
render.verdict(kpis.verdict(evaluation, business, scenario), kpis.tone(evaluation, business))
with present.big_kpis():  # large in meeting mode
    render.kpi_row(kpis.headline_cards(evaluation, business, scenario), describe=True)

st.subheader(text.t("home.next_header"))
render.page_links()
