"""Streamlit caches around the pure simulator.

Arguments are frozen dataclasses, which ``st.cache_data`` hashes by value, so two equal
scenarios share one entry. Cached results are copies (pickled), so callers may not mutate
shared state by accident.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

import simulator
from simulator.assumptions import parameter_table as _parameter_table
from simulator.customers import read_customer_table, sample_business_from_table, summarize_customers
from simulator.synthetic import SAMPLE_AS_OF

SAMPLE_CUSTOMERS = Path(__file__).resolve().parents[1] / "sample_data" / "customers.csv"
"""The bundled customer table the app opens with (see sample_data/README.md)."""


@st.cache_data(show_spinner=False)
def sample_table() -> pd.DataFrame:
    """The bundled customer table, parsed."""
    return read_customer_table(SAMPLE_CUSTOMERS.read_bytes())


@st.cache_data(show_spinner=False)
def business() -> simulator.Business:
    """The business the app opens with: the sample business measured from the bundled table."""
    return sample_business_from_table(sample_table())


@st.cache_data(show_spinner=False)
def sample_summary() -> pd.DataFrame:
    """Per segment of the bundled table: customers, active, churned, tenure, ARPU."""
    return summarize_customers(sample_table(), as_of=SAMPLE_AS_OF)


@st.cache_data(max_entries=256, show_spinner=False)
def evaluate(business: simulator.Business, scenario: simulator.Scenario) -> simulator.Evaluation:
    """:func:`simulator.evaluate`: the scenario against its no-change baseline."""
    return simulator.evaluate(business, scenario)


@st.cache_data(max_entries=64, show_spinner=False)
def parameter_table(business: simulator.Business, scenario: simulator.Scenario) -> pd.DataFrame:
    """:func:`simulator.assumptions.parameter_table`: every parameter in use."""
    return _parameter_table(business, scenario)
