"""Streamlit caches around the pure simulator.

Arguments are frozen dataclasses, which ``st.cache_data`` hashes by value, so two equal
scenarios share one entry. Cached results are copies (pickled), so callers may not mutate
shared state by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

import simulator
from simulator.assumptions import parameter_table as _parameter_table
from simulator.calibrate import holdout_check, records_months
from simulator.customers import read_customer_table, sample_business_from_table, summarize_customers
from simulator.mapping import ColumnMapping
from simulator.synthetic import SAMPLE_AS_OF

SAMPLE_CUSTOMERS = Path(__file__).resolve().parents[1] / "sample_data" / "customers.csv"
"""The bundled customer table the app opens with (see sample_data/README.md)."""


@dataclass(frozen=True, kw_only=True)
class Calibrated:
    """An uploaded table calibrated: per-segment results, holdout check, entry tenures.

    ``entries`` is each segment's smallest whole-month entry tenure: above 0 when the table is
    left-truncated (nobody shorter was kept), so the fitted curve is shown given survival to it.
    """

    calibration: simulator.Calibration
    holdout: pd.DataFrame
    entries: dict[str, float]


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


@st.cache_data(scope="session", max_entries=4, show_spinner=False)
def upload_table(raw: bytes, name: str) -> pd.DataFrame:
    """:func:`simulator.read_table` on an uploaded file (raises :class:`simulator.DataError`)."""
    return simulator.read_table(raw, name=name)


@st.cache_data(scope="session", max_entries=4, show_spinner=False)
def upload_proposal(raw: bytes, name: str) -> ColumnMapping:
    """:func:`simulator.propose_mapping` for the uploaded table."""
    return simulator.propose_mapping(upload_table(raw, name))


@st.cache_data(scope="session", max_entries=16, show_spinner=False)
def upload_problems(raw: bytes, name: str, mapping: ColumnMapping) -> list[simulator.Problem]:
    """:func:`simulator.validate`: every error and warning of the upload under ``mapping``."""
    return simulator.validate(upload_table(raw, name), mapping)


@st.cache_data(scope="session", max_entries=8, show_spinner=False)
def upload_calibration(raw: bytes, name: str, mapping: ColumnMapping) -> Calibrated:
    """Records, :func:`simulator.calibrate` and its holdout check for the upload.

    Raises :class:`simulator.DataError` (errors in the table) or ValueError.
    """
    records = simulator.customer_records(upload_table(raw, name), mapping, name=name)
    months = records_months(records)
    return Calibrated(
        calibration=simulator.calibrate(records),
        holdout=holdout_check(records),
        entries=months.groupby("segment", sort=False)["entry"].min().astype(float).to_dict(),
    )


@st.cache_data(max_entries=256, show_spinner=False)
def evaluate(business: simulator.Business, scenario: simulator.Scenario) -> simulator.Evaluation:
    """:func:`simulator.evaluate`: the scenario against its no-change baseline."""
    return simulator.evaluate(business, scenario)


@st.cache_data(max_entries=64, show_spinner=False)
def parameter_table(business: simulator.Business, scenario: simulator.Scenario) -> pd.DataFrame:
    """:func:`simulator.assumptions.parameter_table`: every parameter in use."""
    return _parameter_table(business, scenario)
