"""Service Gap Impact Simulator: the pure simulation core.

Retention is a shifted-beta-geometric model with proportional-hazard multipliers for price and
service (see ``docs/model.md``). Nothing here imports Streamlit or Plotly, reads the clock or
opens files; the command line (:mod:`simulator.cli`) is the only shell.

Layout, by job (each package's docstring says what it may import):

* :mod:`simulator.model`: parameters, retention, price and service response, money, the engine;
* :mod:`simulator.data`: reading, mapping, checking and counting customer tables; calibration;
* :mod:`simulator.decisions`: against doing nothing, goal seek, grids, Monte Carlo, files.

The names below are imported on first use (PEP 562), so ``python -m simulator --help`` and a
command that needs only part of the core do not pay for the rest.

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
seeded draws); :func:`tornado`; many draws at once: :func:`simulator.model.engine.simulate_draws`.
Money: :func:`breakeven_volume_change` and the helpers in :mod:`simulator.model.finance`.
Files: :func:`scenario_to_json`, :func:`scenario_from_json`.
Uploads: :func:`read_table` -> DataFrame; :func:`propose_mapping` -> :class:`ColumnMapping`;
:func:`validate` -> list of :class:`Problem`; :func:`customer_records` (raises :class:`DataError`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_WHERE: dict[str, str] = {
    "Calibration": "simulator.data.calibrate",
    "SegmentCalibration": "simulator.data.calibrate",
    "apply_calibration": "simulator.data.apply",
    "calibrate": "simulator.data.calibrate",
    "CustomerCounts": "simulator.data.counts",
    "count_records": "simulator.data.counts",
    "ColumnMapping": "simulator.data.mapping",
    "propose_mapping": "simulator.data.mapping",
    "RECORD_COLUMNS": "simulator.data.records",
    "customer_records": "simulator.data.records",
    "validate": "simulator.data.records",
    "fit_sbg_counts": "simulator.data.sbg_fit",
    "fit_sbg_customers": "simulator.data.sbg_fit",
    "kaplan_meier": "simulator.data.survival",
    "DataError": "simulator.data.problems",
    "Problem": "simulator.data.problems",
    "read_table": "simulator.data.tables",
    "BreakEvenElasticity": "simulator.decisions.evaluate",
    "Evaluation": "simulator.decisions.evaluate",
    "evaluate": "simulator.decisions.evaluate",
    "ScenarioFileError": "simulator.decisions.scenario_file",
    "scenario_from_json": "simulator.decisions.scenario_file",
    "scenario_to_json": "simulator.decisions.scenario_file",
    "MonteCarlo": "simulator.decisions.uncertainty",
    "monte_carlo": "simulator.decisions.uncertainty",
    "tornado": "simulator.decisions.uncertainty",
    "MONTHLY_COLUMNS": "simulator.model.engine",
    "Projection": "simulator.model.engine",
    "simulate": "simulator.model.engine",
    "breakeven_volume_change": "simulator.model.finance",
    "Business": "simulator.model.params",
    "LEVERS": "simulator.model.params",
    "LeverResponse": "simulator.model.params",
    "ParameterError": "simulator.model.validators",
    "Scenario": "simulator.model.params",
    "Segment": "simulator.model.params",
    "ServiceOperations": "simulator.model.params",
    "example_scenario": "simulator.model.sample",
    "sample_business": "simulator.model.sample",
    "SBGFit": "simulator.model.sbg",
    "discounted_expected_lifetime": "simulator.model.sbg",
    "discounted_expected_residual_lifetime": "simulator.model.sbg",
    "fit_sbg": "simulator.model.sbg",
    "sbg_survival": "simulator.model.sbg",
}
"""Public name -> the module that defines it."""

__all__ = [
    "BreakEvenElasticity",
    "Business",
    "Calibration",
    "ColumnMapping",
    "CustomerCounts",
    "DataError",
    "Evaluation",
    "LEVERS",
    "LeverResponse",
    "MONTHLY_COLUMNS",
    "MonteCarlo",
    "ParameterError",
    "Problem",
    "Projection",
    "RECORD_COLUMNS",
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


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # the same names, for type checkers and editors
    from simulator.data.apply import apply_calibration
    from simulator.data.calibrate import Calibration, SegmentCalibration, calibrate
    from simulator.data.counts import CustomerCounts, count_records
    from simulator.data.mapping import ColumnMapping, propose_mapping
    from simulator.data.problems import DataError, Problem
    from simulator.data.records import RECORD_COLUMNS, customer_records, validate
    from simulator.data.sbg_fit import fit_sbg_counts, fit_sbg_customers
    from simulator.data.survival import kaplan_meier
    from simulator.data.tables import read_table
    from simulator.decisions.evaluate import BreakEvenElasticity, Evaluation, evaluate
    from simulator.decisions.scenario_file import (
        ScenarioFileError,
        scenario_from_json,
        scenario_to_json,
    )
    from simulator.decisions.uncertainty import MonteCarlo, monte_carlo, tornado
    from simulator.model.engine import MONTHLY_COLUMNS, Projection, simulate
    from simulator.model.finance import breakeven_volume_change
    from simulator.model.params import (
        LEVERS,
        Business,
        LeverResponse,
        Scenario,
        Segment,
        ServiceOperations,
    )
    from simulator.model.sample import example_scenario, sample_business
    from simulator.model.sbg import (
        SBGFit,
        discounted_expected_lifetime,
        discounted_expected_residual_lifetime,
        fit_sbg,
        sbg_survival,
    )
    from simulator.model.validators import ParameterError
