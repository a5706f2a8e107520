"""The few things a session remembers: the Business in use, the current Scenario, and which
upload (file and column mapping) was last calibrated on the Data page.

Nothing else goes in ``st.session_state`` (widget keys aside). Getters initialise lazily, so
every page works when opened directly by its URL.
"""

from __future__ import annotations

import streamlit as st

import simulator
from simulator.mapping import ColumnMapping
from ui import cached, share

_BUSINESS = "business"  # simulator.Business: the sample, or one edited on the Assumptions page
_SCENARIO = "scenario"  # simulator.Scenario: the last valid settings of the Scenario page
_CALIBRATED = "calibrated_upload"  # (file digest, ColumnMapping) last calibrated on the Data page


def business() -> simulator.Business:
    """The business every page uses."""
    if _BUSINESS not in st.session_state:
        st.session_state[_BUSINESS] = cached.business()
    return st.session_state[_BUSINESS]


def set_business(value: simulator.Business) -> None:
    """Use ``value`` from now on (e.g. after an edit on the Assumptions page)."""
    st.session_state[_BUSINESS] = value


def reset_business() -> None:
    """Go back to the business the app opened with."""
    st.session_state[_BUSINESS] = cached.business()


def calibrated_upload() -> tuple[str, ColumnMapping] | None:
    """The upload (file digest and column mapping) whose calibration the Data page shows."""
    return st.session_state.get(_CALIBRATED)


def set_calibrated_upload(digest: str, mapping: ColumnMapping) -> None:
    """Keep showing the calibration of this file under this mapping (until either changes)."""
    st.session_state[_CALIBRATED] = (digest, mapping)


def scenario() -> simulator.Scenario:
    """The current scenario: a share link's (the page URL's), else
    :func:`simulator.example_scenario`."""
    if _SCENARIO not in st.session_state:
        from_link = share.scenario_from_url()
        st.session_state[_SCENARIO] = from_link or simulator.example_scenario()
    return st.session_state[_SCENARIO]


def set_scenario(value: simulator.Scenario) -> None:
    """Remember ``value`` as the current scenario, across page switches, and put it in the URL."""
    st.session_state[_SCENARIO] = value
    share.write_url(value)
