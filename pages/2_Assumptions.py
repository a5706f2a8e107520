"""Assumptions: every parameter in use, where it came from, and edits that drive every page."""

import streamlit as st

from ui import cached, inputs, render, state, text

render.page_setup("nav.assumptions")
business, scenario = state.business(), state.scenario()
table = cached.parameter_table(business, scenario)
counts = render.source_totals(table)

st.title(text.t("assumptions.title"))
st.markdown(text.t("assumptions.intro"))
st.caption(text.t("assumptions.summary", **counts))
st.caption(text.t("assumptions.grades"))
st.button(
    text.t("assumptions.reset"),
    key="assumptions_reset",
    help=text.t("assumptions.reset.help"),
    on_click=state.reset_business,
    disabled=not business.user_fields,
    icon=":material/restart_alt:",
)
alert = st.container()

edits = inputs.parameter_editors(table, business.currency)

edited, problem = inputs.edited_business(business, edits)
if problem:
    alert.error(text.t("assumptions.invalid", message=problem), icon=":material/error:")
if edited != business:
    state.set_business(edited)
    st.rerun()

st.subheader(text.t("group.scenario"))
st.caption(text.t("assumptions.scenario_note"))
inputs.settings_table(table, business.currency)
st.page_link(render.SCENARIO_PAGE, label=text.t("nav.scenario"), icon=":material/tune:")
