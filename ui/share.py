"""Share links: the current scenario lives in the page URL (Streamlit query parameters).

* A fresh session whose URL carries scenario parameters starts from that scenario; anything
  missing, malformed, out of range or beyond the Scenario page's sliders is replaced by a safe
  value, and the page says so once (:func:`sync`, run by ``render.page_setup`` on every page).
* Whenever the session's scenario changes, the URL is rewritten to match
  (:func:`write_url`, run by ``state.set_scenario`` and on every page), so switching pages or
  reloading keeps it.
* :func:`share_link` shows the full link to copy. Only scenario settings go into it: never the
  business, a calibration or any customer data.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

import simulator
from simulator.scenario_file import QUERY_KEYS, scenario_from_query, scenario_to_query
from ui import inputs, text

SCENARIO_PATH = "Scenario"  # URL path of pages/1_Scenario.py
_NOTICES = "share_link_notices"  # notices about the link this session opened with, shown once


def url_params() -> dict[str, list[str]]:
    """The page URL's parameters, every value of a repeated key kept."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def has_scenario(params: Mapping[str, object]) -> bool:
    """True if ``params`` holds at least one scenario setting."""
    return any(key in params for key in QUERY_KEYS.values())


def scenario_from_url() -> simulator.Scenario | None:
    """The scenario in the URL (safe values for bad ones, notices queued), or None if none."""
    params = url_params()
    if not has_scenario(params):
        return None
    scenario, notices = scenario_from_query(params)
    scenario, adjusted = fit_to_sliders(scenario)
    if notices or adjusted:
        st.session_state[_NOTICES] = (*notices, *adjusted)
    return scenario


def fit_to_sliders(scenario: simulator.Scenario) -> tuple[simulator.Scenario, tuple[str, ...]]:
    """The scenario as the Scenario page's sliders can show it, with a line per changed value.

    A valid scenario may lie outside a slider's range (e.g. a +50 % price change); the sliders
    would then silently move it, so the change is made here and reported instead.
    """
    try:
        shown = inputs.scenario_from_widgets(inputs.widget_values(scenario))
    except ValueError:
        return scenario, ()  # the Scenario page reports the invalid combination itself
    before, after = scenario_to_query(scenario), scenario_to_query(shown)
    lines = tuple(
        text.t("share.adjusted", name=key, value=before[key], used=after[key])
        for key in before
        if before[key] != after[key]
    )
    return shown, lines


def write_url(scenario: simulator.Scenario) -> None:
    """Put ``scenario`` into the URL, changing only the parameters that differ."""
    wanted = scenario_to_query(scenario)
    for key, value in wanted.items():
        if st.query_params.get_all(key) != [value]:
            st.query_params[key] = value


def sync() -> None:
    """On every page: start from the URL's scenario, show its notices once, keep the URL current."""
    from ui import state  # imported here: state imports this module

    scenario = state.scenario()
    notices = st.session_state.pop(_NOTICES, ())
    if notices:
        lines = "\n".join(f"- {line}" for line in notices)
        st.warning(text.t("share.notice", notices=lines), icon=":material/link_off:")
    write_url(scenario)


def link(scenario: simulator.Scenario, page: str = "") -> str:
    """The full share link of ``scenario`` on ``page`` (its URL path, e.g. ``"Scenario"``)."""
    query = "&".join(f"{key}={value}" for key, value in scenario_to_query(scenario).items())
    base = (st.context.url or "").removesuffix("/")
    base = base.removesuffix(f"/{page}")  # the classic pages folder keeps the page path in it
    path = f"{base}/{page}" if page else (base or ".")
    return f"{path}?{query}"


def share_link(scenario: simulator.Scenario, page: str = SCENARIO_PATH) -> None:
    """In the sidebar: a copyable box with the share link (Streamlit's code block has a copy
    button) and what it holds (the scenario settings only)."""
    with st.sidebar, st.container(key="share_link"):
        st.header(text.t("share.header"))
        st.code(link(scenario, page), language=None, wrap_lines=True)
        st.caption(text.t("share.caption"))
