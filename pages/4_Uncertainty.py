"""Uncertainty: how sure is the scenario's answer across thousands of plausible futures?"""

import streamlit as st

from ui import cached, render, state, text
from ui import price_test as test_first
from ui import uncertainty as view

render.page_setup("nav.uncertainty")
business, scenario = state.business(), state.scenario()
currency = business.currency

st.title(text.t("unc.title"))
st.markdown(text.t("unc.intro"))
st.caption(view.scenario_line(business, scenario))
st.page_link(render.SCENARIO_PAGE, label=text.t("unc.back"), icon=":material/tune:")
if view.changes_nothing(scenario):
    st.info(text.t("unc.no_change"), icon=":material/info:")
    st.stop()

draws_column, seed_column, loss_column = st.columns(3)
draws = draws_column.selectbox(
    text.t("unc.draws"),
    view.DRAW_CHOICES,
    index=view.DRAW_CHOICES.index(2000),
    format_func=text.number,
    key="unc_draws",
    help=text.t("unc.draws.help"),
)
seed = seed_column.number_input(
    text.t("unc.seed"), min_value=0, value=0, step=1, key="unc_seed", help=text.t("unc.seed.help")
)
try:
    run = cached.monte_carlo(business, scenario, draws=draws, seed=seed)
    tornado = cached.tornado(business, scenario)
    elasticity = cached.elasticity_exceedance(business, scenario)
except Exception as exc:  # noqa: BLE001 (never a traceback: say what to do instead)
    st.error(text.t("unc.failed", message=text.validation_message(exc)), icon=":material/error:")
    st.stop()
mc = run.mc
loss = loss_column.select_slider(
    text.t("unc.loss"),
    options=view.loss_options(view.default_loss(mc)),
    value=view.default_loss(mc),
    format_func=lambda amount: text.money(amount, currency, compact=True),
    key="unc_loss",
    help=text.t("unc.loss.help"),
)

st.subheader(text.t("unc.headline"))
render.verdict(view.sentence(mc, loss=loss, currency=currency), view.tone(mc))
cards = view.headline_cards(mc, loss=loss, currency=currency)
render.kpi_row(cards[:3])
render.kpi_row(cards[3:])
st.caption(view.precision(mc))
st.caption(view.sources_note(tornado))

st.subheader(text.t("unc.value_header"))
left, right = st.columns(2)
with left:
    render.chart(view.histogram_figure(mc, currency=currency), key="unc_chart_histogram")
with right:
    render.chart(view.payback_figure(mc), key="unc_chart_payback")

if not elasticity.empty or elasticity.attrs.get("status") in ("never_pays", "always_pays"):
    with st.container(border=True):
        st.subheader(text.t("unc.elasticity_header"))
        st.markdown(view.elasticity_note(elasticity))
        st.dataframe(view.elasticity_table(elasticity), hide_index=True, width="content")

st.subheader(text.t("unc.fan_header"))
st.caption(text.t("unc.fan_caption"))
for tab, measure in zip(
    st.tabs([text.t(f"unc.tab.{m}") for m in view.MEASURES]), view.MEASURES, strict=True
):
    with tab:
        left, right = st.columns(2)
        with left:
            render.chart(
                view.fan_figure(run.fan, measure, currency=currency), key=f"unc_fan_{measure}"
            )
        with right:
            render.chart(
                view.difference_figure(run.fan, measure, currency=currency),
                key=f"unc_difference_{measure}",
            )

st.subheader(text.t("unc.drivers_header"))
st.caption(text.t("unc.drivers_caption"))
left, right = st.columns(2)
with left:
    render.chart(view.tornado_figure(tornado, currency=currency), key="unc_chart_tornado")
with right:
    render.chart(view.rank_figure(run.ranks), key="unc_chart_ranks")

test_first.section(business, scenario, mc)
