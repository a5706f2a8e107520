"""Explore: NPV (or the chance of beating doing nothing) over price change x service budget,
the break-even frontier, and the goal-seek answers marked on it."""

import streamlit as st

from ui import explore, render, state, text

render.page_setup("nav.explore")
business, scenario = state.business(), state.scenario()
currency = business.currency

st.title(text.t("explore.title"))
st.caption(
    text.t(
        "explore.caption",
        business=text.business_name(business.name),
        scenario=text.describe_scenario(scenario, currency),
    )
)
st.page_link(render.SCENARIO_PAGE, label=text.t("explore.back"), icon=":material/tune:")

left, middle, right = st.columns(3)
lowest_pct, highest_pct, step_pct, opening_pct = explore.MAX_PRICE_PCT
max_price_pct = left.slider(
    text.t("explore.max_price"),
    min_value=lowest_pct,
    max_value=highest_pct,
    value=opening_pct,
    step=step_pct,
    key="explore_max_price_pct",
    help=text.t("explore.max_price.help"),
)
core_limit_pct = middle.slider(
    text.t("explore.core_limit"),
    min_value=1.0,
    max_value=20.0,
    value=5.0,
    step=0.5,
    key="explore_core_limit_pct",
    help=text.t("explore.core_limit.help"),
)
with right:
    shows_probability = st.toggle(
        text.t("explore.probability"),
        key="explore_probability",
        help=text.t("explore.probability.help"),
    )
    draws = st.select_slider(
        text.t("explore.draws"),
        options=explore.DRAW_CHOICES,
        value=explore.DEFAULT_DRAWS,
        key="explore_draws",
        disabled=not shows_probability,
        help=explore.draws_help(st.session_state.get("explore_draws", explore.DEFAULT_DRAWS)),
    )

grid = explore.axes(scenario, max_price_pct / 100)
max_core_loss = core_limit_pct / 100
with st.spinner():
    npv = explore.npv_grid(business, scenario, grid)
    answers = explore.goal_seek(business, scenario, grid, max_core_loss)
coarse = explore.axes(scenario, max_price_pct / 100, explore.PROBABILITY_STEPS)
probability = (
    explore.probability_grid(business, scenario, coarse, draws) if shows_probability else None
)

render.chart(
    explore.heatmap_figure(
        npv,
        scenario=scenario,
        currency=currency,
        points=explore.answer_points(answers, scenario),
        probability=probability,
        draws=draws,
    ),
    key="explore_heatmap",
)
period = text.period(scenario.horizon_months)
caption = "explore.probability_caption" if shows_probability else "explore.heatmap_caption"
st.caption(text.t(caption, period=period, draws=draws))

with st.container(border=True):
    st.subheader(text.t("explore.goal_header"))
    sentences = explore.answer_sentences(
        answers, scenario, currency=currency, max_core_loss=max_core_loss
    )
    for key in ("price", "budget", "core"):
        with st.container(key=f"explore_answer_{key}"):
            st.markdown(text.t(f"explore.q.{key}"))
            st.markdown(sentences[key])
    st.caption(text.t("explore.goal_caption"))
