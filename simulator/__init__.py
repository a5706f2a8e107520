"""Service Gap Impact Simulator: the pure simulation core.

Retention is a shifted-beta-geometric model with proportional-hazard multipliers for price and
service (see ``docs/model.md`` and the modules below). Nothing here imports Streamlit or Plotly,
reads the clock or opens files; the command line (:mod:`simulator.cli`) is the only shell.

Public API
----------
Parameters: :class:`Business`, :class:`Segment`, :class:`ServiceOperations`,
:class:`LeverResponse`, :class:`Scenario`, :data:`LEVERS`.
Engine: :func:`simulate` -> :class:`Projection`; :func:`evaluate` -> :class:`Evaluation`.
Retention: :func:`sbg_survival`, :func:`fit_sbg`, :func:`discounted_expected_lifetime`,
:func:`discounted_expected_residual_lifetime`.
Calibration: :func:`count_records` -> :class:`CustomerCounts` (the sufficient statistics);
:func:`calibrate` (records or counts) -> :class:`Calibration`; :func:`apply_calibration`.
Uncertainty: :func:`monte_carlo` -> :class:`MonteCarlo` (scenario and baseline on the same
seeded draws); :func:`tornado`; many draws at once: :func:`simulator.batch.simulate_draws`.
Money: :func:`breakeven_volume_change` and the helpers in :mod:`simulator.finance`.
Files: :func:`scenario_to_json`, :func:`scenario_from_json`.
Uploads: :func:`read_table` -> DataFrame; :func:`propose_mapping` -> :class:`ColumnMapping`;
:func:`validate` -> list of :class:`Problem`; :func:`customer_records` (raises :class:`DataError`).
"""

from simulator.calibrate import Calibration, SegmentCalibration, apply_calibration, calibrate
from simulator.counts import CustomerCounts, count_records
from simulator.engine import MONTHLY_COLUMNS, Projection, simulate
from simulator.evaluate import BreakEvenElasticity, Evaluation, evaluate
from simulator.finance import breakeven_volume_change
from simulator.mapping import ColumnMapping, propose_mapping
from simulator.params import (
    LEVERS,
    Business,
    LeverResponse,
    ParameterError,
    Scenario,
    Segment,
    ServiceOperations,
)
from simulator.records import RECORD_COLUMNS, customer_records, validate
from simulator.sample import example_scenario, sample_business
from simulator.sbg import (
    SBGFit,
    discounted_expected_lifetime,
    discounted_expected_residual_lifetime,
    fit_sbg,
    sbg_survival,
)
from simulator.scenario_file import ScenarioFileError, scenario_from_json, scenario_to_json
from simulator.survival import fit_sbg_counts, fit_sbg_customers, kaplan_meier
from simulator.tables import DataError, Problem, read_table
from simulator.uncertainty import MonteCarlo, monte_carlo, tornado

__all__ = [
    "LEVERS",
    "MONTHLY_COLUMNS",
    "RECORD_COLUMNS",
    "BreakEvenElasticity",
    "Business",
    "Calibration",
    "ColumnMapping",
    "CustomerCounts",
    "DataError",
    "Evaluation",
    "LeverResponse",
    "MonteCarlo",
    "ParameterError",
    "Problem",
    "Projection",
    "SBGFit",
    "Scenario",
    "ScenarioFileError",
    "Segment",
    "SegmentCalibration",
    "ServiceOperations",
    "apply_calibration",
    "breakeven_volume_change",
    "calibrate",
    "count_records",
    "customer_records",
    "discounted_expected_lifetime",
    "discounted_expected_residual_lifetime",
    "evaluate",
    "example_scenario",
    "fit_sbg",
    "fit_sbg_counts",
    "fit_sbg_customers",
    "kaplan_meier",
    "monte_carlo",
    "propose_mapping",
    "read_table",
    "sample_business",
    "sbg_survival",
    "scenario_from_json",
    "scenario_to_json",
    "simulate",
    "tornado",
    "validate",
]
