"""Streamlit caches around the pure simulator.

Arguments are frozen dataclasses, which ``st.cache_data`` hashes by value, so two equal
scenarios share one entry. Cached results are copies (pickled), so callers may not mutate
shared state by accident.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import simulator
from simulator.assumptions import parameter_table as _parameter_table


@st.cache_data(show_spinner=False)
def business() -> simulator.Business:
    """The business the app opens with (for now the bundled sample business)."""
    return simulator.sample_business()


@st.cache_data(max_entries=256, show_spinner=False)
def evaluate(business: simulator.Business, scenario: simulator.Scenario) -> simulator.Evaluation:
    """:func:`simulator.evaluate`: the scenario against its no-change baseline."""
    return simulator.evaluate(business, scenario)


@st.cache_data(max_entries=64, show_spinner=False)
def parameter_table(business: simulator.Business, scenario: simulator.Scenario) -> pd.DataFrame:
    """:func:`simulator.assumptions.parameter_table`: every parameter in use."""
    return _parameter_table(business, scenario)
