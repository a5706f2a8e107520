"""Streamlit caches around the pure simulator.

Arguments are frozen dataclasses, hashed by value (:data:`BY_VALUE`), so two equal
scenarios share one entry. Cached results are copies (pickled), so callers may not mutate
shared state by accident.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import simulator
from simulator.data.apply import apply_calibration
from simulator.data.counts import count_records
from simulator.data.customers import sample_counts, summarize_calibration
from simulator.data.holdout import holdout_check
from simulator.data.mapping import ColumnMapping
from simulator.data.price_response import PriceResponse, calibrate_price_files
from simulator.data.price_tables import PriceColumns
from simulator.data.sql.counting import check_and_count
from simulator.data.sql.sources import sample_rows
from simulator.data.tables import counted_in_sql
from simulator.decisions import uncertainty as simulator_uncertainty
from simulator.decisions.at_risk import at_risk
from simulator.decisions.price_curve import PriceCurve
from simulator.decisions.price_curve import price_curve as _price_curve
from simulator.model.assumptions import parameter_table as _parameter_table
from simulator.model.sample import sample_business
from ui import charts, price_view, text

if TYPE_CHECKING:
    from ui.store import Store


def _value_bytes(value: simulator.Business | simulator.Scenario) -> bytes:
    """The cache key of a business or scenario: its pickle, which equal values share.

    Streamlit's own hashing of a dataclass copies it with ``dataclasses.asdict`` and hashes
    every field one by one: about 2.5 ms for a calibrated business, several times per rerun;
    pickling takes 0.02 ms. (Pickles of equal values could differ only where one of them
    shares a sub-object between fields, which costs a cache miss, never a wrong result.)
    """
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass(frozen=True, kw_only=True, eq=False)
class Upload:
    """A file the planner uploaded: its name, its bytes and their SHA-256 digest.

    Cached functions key it by name and digest (:data:`BY_VALUE`), not by hashing its bytes
    each time: Streamlit hashed a 61 MB upload once per cached call, 0.6 s of every rerun of
    the Data page (200 MB, the upload limit, would take 2 s)."""

    name: str
    raw: bytes
    digest: str  # SHA-256 of raw, hex (see ui.state.upload)

    @property
    def large(self) -> bool:
        """True when the upload is counted in SQL (DuckDB) rather than read whole."""
        return counted_in_sql(self.name, len(self.raw))


def _upload_key(upload: Upload) -> str:
    return f"{upload.digest}/{upload.name}"


BY_VALUE = {
    simulator.Business: _value_bytes,
    simulator.Scenario: _value_bytes,
    Upload: _upload_key,
}
"""``hash_funcs`` of every cache here: businesses and scenarios keyed by value, quickly, and
uploads by their digest and name."""

SAMPLE_CUSTOMERS = Path(__file__).resolve().parents[1] / "sample_data" / "customers.csv"
"""The bundled customer table the app opens with (see sample_data/README.md)."""


@dataclass(frozen=True, kw_only=True)
class Calibrated:
    """An uploaded table calibrated: per-segment results and the holdout check."""

    calibration: simulator.Calibration
    holdout: pd.DataFrame


@st.cache_data(show_spinner=False, hash_funcs=BY_VALUE)
def sample_table() -> pd.DataFrame:
    """The bundled customer table, read as an upload of it would be."""
    return simulator.read_table(SAMPLE_CUSTOMERS.read_bytes(), name=SAMPLE_CUSTOMERS.name)


@st.cache_data(show_spinner=False, hash_funcs=BY_VALUE)
def sample_calibrated() -> Calibrated:
    """The bundled table calibrated with the mapping the Data page proposes for it."""
    counts = sample_counts(sample_table())
    return Calibrated(calibration=simulator.calibrate(counts), holdout=holdout_check(counts))


@st.cache_data(show_spinner=False, hash_funcs=BY_VALUE)
def business() -> simulator.Business:
    """The business the app opens with: the sample business calibrated from the bundled table."""
    return apply_calibration(sample_business(), sample_calibrated().calibration)


@st.cache_data(show_spinner=False, hash_funcs=BY_VALUE)
def sample_summary() -> pd.DataFrame:
    """Per segment of the bundled table: customers, active, churned, tenure, ARPU."""
    return summarize_calibration(sample_calibrated().calibration)


@st.cache_data(scope="session", max_entries=4, show_spinner=False, hash_funcs=BY_VALUE)
def upload_path(upload: Upload) -> str:
    """A large upload written once to a temporary file (named by its digest) for DuckDB."""
    folder = Path(tempfile.gettempdir()) / "service-gap-uploads"
    folder.mkdir(exist_ok=True)
    path = folder / f"{upload.digest}{Path(upload.name).suffix.lower()}"
    if not path.exists():
        path.write_bytes(upload.raw)
    return str(path)


@st.cache_data(scope="session", max_entries=4, show_spinner=False, hash_funcs=BY_VALUE)
def upload_table(upload: Upload) -> pd.DataFrame:
    """The uploaded table: :func:`simulator.read_table` on the whole file, or, for a large
    file, its first rows (:func:`simulator.data.sql.sources.sample_rows`), enough to map the
    columns.

    Raises :class:`simulator.DataError`.
    """
    if upload.large:
        return sample_rows(Path(upload_path(upload)), name=upload.name)
    return simulator.read_table(upload.raw, name=upload.name)


@st.cache_data(scope="session", max_entries=4, show_spinner=False, hash_funcs=BY_VALUE)
def upload_proposal(upload: Upload) -> ColumnMapping:
    """:func:`simulator.propose_mapping` for the uploaded table."""
    return simulator.propose_mapping(upload_table(upload))


@st.cache_data(scope="session", max_entries=8, show_spinner=False, hash_funcs=BY_VALUE)
def large_upload_checked(
    upload: Upload, mapping: ColumnMapping
) -> tuple[list[simulator.Problem], simulator.CustomerCounts | None]:
    """A large upload's problems and, when none is an error, its counts, in one read of the
    file (:func:`simulator.data.sql.counting.check_and_count`): checked when the planner maps the
    columns, the counts are then ready when they calibrate."""
    return check_and_count(Path(upload_path(upload)), mapping, name=upload.name)


@st.cache_data(scope="session", max_entries=16, show_spinner=False, hash_funcs=BY_VALUE)
def upload_problems(upload: Upload, mapping: ColumnMapping) -> list[simulator.Problem]:
    """Every error and warning of the upload under ``mapping``: :func:`simulator.validate`, or
    for a large file the same checks in SQL (:func:`large_upload_checked`)."""
    if upload.large:
        return large_upload_checked(upload, mapping)[0]
    return simulator.validate(upload_table(upload), mapping)


@st.cache_data(scope="session", max_entries=8, show_spinner=False, hash_funcs=BY_VALUE)
def upload_counts(upload: Upload, mapping: ColumnMapping) -> simulator.CustomerCounts:
    """The upload's counts: records then :func:`simulator.count_records`, or for a large file
    those counted in SQL with its checks (:func:`large_upload_checked`). Raises
    :class:`simulator.DataError`."""
    if upload.large:
        problems, counts = large_upload_checked(upload, mapping)
        if counts is None:
            raise simulator.DataError(upload.name, [p for p in problems if p.severity == "error"])
        return counts
    records = simulator.customer_records(upload_table(upload), mapping, name=upload.name)
    return count_records(records)


@st.cache_data(scope="session", max_entries=8, show_spinner=False, hash_funcs=BY_VALUE)
def upload_calibration(upload: Upload, mapping: ColumnMapping) -> Calibrated:
    """:func:`simulator.data.calibrate` of :func:`upload_counts` and its holdout check.

    Raises :class:`simulator.DataError` (errors in the table) or ValueError.
    """
    counts = upload_counts(upload, mapping)
    interval = 12 if mapping.kind == "snapshot" and mapping.tenure_unit == "years" else 1
    return Calibrated(
        calibration=simulator.calibrate(counts, tenure_interval_months=interval),
        holdout=holdout_check(counts, tenure_interval_months=interval),
    )


@st.cache_data(scope="session", max_entries=8, show_spinner=False, hash_funcs=BY_VALUE)
def upload_at_risk(
    upload: Upload,
    mapping: ColumnMapping,
    business: simulator.Business,
    scenario: simulator.Scenario,
) -> pd.DataFrame:
    """:func:`simulator.decisions.at_risk.at_risk` of the upload's active customers under
    ``scenario`` (a large upload is read whole here, once). Raises
    :class:`simulator.DataError`."""
    table = simulator.read_table(upload.raw, name=upload.name) if upload.large else None
    records = simulator.customer_records(
        upload_table(upload) if table is None else table, mapping, name=upload.name
    )
    return at_risk(business, scenario, records[~records["churned"]])


@st.cache_data(scope="session", max_entries=4, show_spinner=False, hash_funcs=BY_VALUE)
def price_response(customers: Upload, prices: Upload, columns: PriceColumns) -> PriceResponse:
    """:func:`simulator.data.price_response.calibrate_price_files` of a customer table and its
    price history under ``columns``. Raises :class:`simulator.DataError` (naming the file, the
    column and the rows) or ValueError."""
    return calibrate_price_files(
        customers.raw,
        prices.raw,
        customers_name=customers.name,
        prices_name=prices.name,
        columns=columns,
    )


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=BY_VALUE)
def evaluate(business: simulator.Business, scenario: simulator.Scenario) -> simulator.Evaluation:
    """:func:`simulator.decisions.evaluate`: the scenario against its no-change baseline."""
    return simulator.evaluate(business, scenario)


@dataclass(frozen=True, kw_only=True, eq=False)
class Uncertainty:
    """A Monte Carlo run with what the Uncertainty page derives from it."""

    mc: simulator_uncertainty.MonteCarlo
    fan: pd.DataFrame
    ranks: pd.DataFrame


_UNCERTAINTY_RUNS = "uncertainty_runs"  # session memo: (business, scenario, draws, seed) -> run
_UNCERTAINTY_KEEP = 4


def monte_carlo(
    business: simulator.Business, scenario: simulator.Scenario, *, draws: int, seed: int
) -> Uncertainty:
    """:func:`simulator.decisions.uncertainty.monte_carlo` with a progress bar, memoised per
    session.

    Not ``st.cache_data``: a cached function cannot drive a progress bar created outside it.
    The last few runs are kept in ``st.session_state``, so a rerun that changes nothing (or
    goes back to a recent choice) computes nothing.
    """
    runs: dict = st.session_state.setdefault(_UNCERTAINTY_RUNS, {})
    key = (business, scenario, int(draws), int(seed))
    if key not in runs:
        label = text.t("unc.running", draws=text.number(draws))
        bar = st.progress(0.0, text=label)
        # The latest run's baseline serves when only the price or budget changed (the core
        # checks that business, draws, seed, horizon and discount rate are the same).
        earlier = next((run.mc for run in reversed(runs.values())), None)
        mc = simulator_uncertainty.monte_carlo(
            business,
            scenario,
            draws=int(draws),
            seed=int(seed),
            on_progress=lambda done: bar.progress(done, text=label),
            reuse=earlier,
        )
        bar.empty()
        while len(runs) >= _UNCERTAINTY_KEEP:
            runs.pop(next(iter(runs)))
        runs[key] = Uncertainty(
            mc=mc, fan=mc.fan(), ranks=simulator_uncertainty.rank_correlations(mc)
        )
    return runs[key]


_TEST_RUNS = "price_test_runs"  # session memo: (business, scenario, draws, seed, choices) -> plan
_TEST_KEEP = 4


def design_test(
    business: simulator.Business,
    scenario: simulator.Scenario,
    mc: simulator_uncertainty.MonteCarlo,
    *,
    segments: tuple[str, ...],
    shares: tuple[float, ...],
    months: tuple[int, ...],
):
    """:func:`simulator.decisions.price_test.design_test` on the draws of the page's Monte Carlo
    run ``mc`` (same business, draws and seed), with a progress bar, memoised per session as
    :func:`monte_carlo` is. Returns a PriceTestPlan; raises ValueError for a design that cannot
    be run (said in words)."""
    from simulator.decisions.price_test import design_test as _design_test

    runs: dict = st.session_state.setdefault(_TEST_RUNS, {})
    key = (business, scenario, mc.draws, mc.seed, segments, shares, months)
    if key not in runs:
        label = text.t(
            "test.running", n=text.number(len(shares) * len(months)), draws=text.number(mc.draws)
        )
        bar = st.progress(0.0, text=label)
        try:
            plan = _design_test(
                business,
                scenario,
                shares=shares,
                months=months,
                segments=segments,
                draws=mc.draws,
                seed=mc.seed,
                parameters=mc.parameters if mc.business == business else None,
                on_progress=lambda done: bar.progress(done, text=label),
            )
        finally:
            bar.empty()
        while len(runs) >= _TEST_KEEP:
            runs.pop(next(iter(runs)))
        runs[key] = plan
    return runs[key]


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=BY_VALUE)
def read_test(
    business: simulator.Business,
    scenario: simulator.Scenario,
    customers: Upload,
    prices: Upload,
):
    """:func:`simulator.decisions.price_test_readout.read_test_files` on two uploads (a ``.gz``
    or ``.zip`` file unpacked first). Returns a PriceTestReadout; raises
    :class:`simulator.DataError` naming the file, the column and the rows."""
    from simulator.data.archives import is_compressed, unpack
    from simulator.decisions.price_test_readout import read_test_files

    files = []
    for upload in (customers, prices):
        raw, name = (
            unpack(upload.raw, upload.name)
            if is_compressed(upload.name)
            else (
                upload.raw,
                upload.name,
            )
        )
        files.append((raw, name))
    return read_test_files(
        business,
        scenario,
        files[0][0],
        files[1][0],
        customers_name=files[0][1],
        prices_name=files[1][1],
    )


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=BY_VALUE)
def tornado(business: simulator.Business, scenario: simulator.Scenario) -> pd.DataFrame:
    """:func:`simulator.decisions.uncertainty.tornado`: one-at-a-time swings of the value added."""
    return simulator_uncertainty.tornado(business, scenario)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=BY_VALUE)
def elasticity_exceedance(
    business: simulator.Business, scenario: simulator.Scenario
) -> pd.DataFrame:
    """:func:`simulator.decisions.uncertainty.elasticity_exceedance` (empty unless prices rise)."""
    return simulator_uncertainty.elasticity_exceedance(business, scenario)


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=BY_VALUE)
def scenario_figures(
    business: simulator.Business, scenario: simulator.Scenario, language: str
) -> dict[str, go.Figure]:
    """:func:`ui.charts.scenario_figures` of the scenario, for ``language`` (the labels').

    Shared, not copied (``st.cache_resource``): building five figures took a fifth of a
    Scenario-page rerun that found its numbers cached, and pickling them back would cost as
    much. Callers must not change them; ``st.plotly_chart`` only reads a figure.
    """
    return charts.scenario_figures(evaluate(business, scenario), business, scenario)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=BY_VALUE)
def _price_curve_at_today(business: simulator.Business, scenario: simulator.Scenario) -> PriceCurve:
    """:func:`simulator.decisions.price_curve.price_curve` of a plan at today's price."""
    return _price_curve(business, scenario)


def price_curve(business: simulator.Business, scenario: simulator.Scenario) -> PriceCurve:
    """:func:`ui.price_view.curve`: value from -20 % to +100 % for the plan's other settings,
    cached without the plan's price change, so a price-slider move computes no curve."""
    return price_view.placed(
        _price_curve_at_today(business, price_view.at_today(scenario)), scenario
    )


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=BY_VALUE)
def plan_point(business: simulator.Business, scenario: simulator.Scenario) -> pd.Series:
    """:func:`ui.price_view.plan_point`: the plan's own price change split into its drivers."""
    return price_view.plan_point(business, scenario)


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=BY_VALUE)
def price_figures(
    business: simulator.Business, scenario: simulator.Scenario, language: str
) -> dict[str, go.Figure]:
    """:func:`ui.price_view.figures` of the plan, for ``language``; shared, not copied, as
    :func:`scenario_figures` (callers must not change them)."""
    return price_view.figures(
        price_curve(business, scenario), evaluate(business, scenario), business, scenario
    )


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=BY_VALUE)
def parameter_table(business: simulator.Business, scenario: simulator.Scenario) -> pd.DataFrame:
    """:func:`simulator.model.assumptions.parameter_table`: every parameter in use."""
    return _parameter_table(business, scenario)


# --- Explore page: grids and goal seek (simulator.decisions.explore, simulator.decisions.goal_seek)
# ---------------


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=BY_VALUE)
def npv_grid(
    business: simulator.Business,
    scenario: simulator.Scenario,
    price_changes: tuple[float, ...],
    budgets: tuple[float, ...],
) -> pd.DataFrame:
    """:func:`simulator.decisions.explore.npv_grid` over the given axes."""
    from simulator.decisions.explore import npv_grid as _npv_grid

    return _npv_grid(business, scenario, price_changes=price_changes, budgets=budgets)


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=BY_VALUE)
def probability_grid(
    business: simulator.Business,
    scenario: simulator.Scenario,
    price_changes: tuple[float, ...],
    budgets: tuple[float, ...],
    draws: int,
    seed: int,
) -> pd.DataFrame:
    """:func:`simulator.decisions.explore.probability_grid` (the page calls it per block of cells,
    so a progress bar can move between blocks; the draws are the same in every block)."""
    from simulator.decisions.explore import probability_grid as _probability_grid

    return _probability_grid(
        business, scenario, price_changes=price_changes, budgets=budgets, draws=draws, seed=seed
    )


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=BY_VALUE)
def largest_price_increase(
    business: simulator.Business, scenario: simulator.Scenario, max_price_change: float
):
    """:func:`simulator.decisions.goal_seek.largest_price_increase` (returns a GoalSeek)."""
    from simulator.decisions.goal_seek import largest_price_increase as _seek

    return _seek(business, scenario, max_price_change=max_price_change)


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=BY_VALUE)
def smallest_service_budget(
    business: simulator.Business, scenario: simulator.Scenario, max_budget_per_month: float
):
    """:func:`simulator.decisions.goal_seek.smallest_service_budget` (returns a GoalSeek)."""
    from simulator.decisions.goal_seek import smallest_service_budget as _seek

    return _seek(business, scenario, max_budget_per_month=max_budget_per_month)


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=BY_VALUE)
def price_increase_for_core_loss(
    business: simulator.Business,
    scenario: simulator.Scenario,
    max_core_loss: float,
    max_price_change: float,
):
    """:func:`simulator.decisions.goal_seek.price_increase_for_core_loss` (returns a GoalSeek)."""
    from simulator.decisions.goal_seek import price_increase_for_core_loss as _seek

    return _seek(business, scenario, max_core_loss=max_core_loss, max_price_change=max_price_change)


# --- Saved scenarios and calibrations (ui.store) ------------------------------------------------


@st.cache_resource(show_spinner=False, hash_funcs=BY_VALUE)
def store() -> Store:
    """The store of saved scenarios and calibrations: one per server process, shared by every
    session (:class:`ui.store.Store` is safe to share; each call is its own transaction).

    Raises :class:`ui.store.StoreError` when the database cannot be opened; Streamlit does not
    cache the failure, so the next rerun tries again. (SQLAlchemy, about 0.7 s to import, is
    imported here: most page loads never open the store.)
    """
    from ui.store import Store, store_url

    return Store(store_url(os.environ, st.secrets))
