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
Money: :func:`breakeven_volume_change` and the helpers in :mod:`simulator.finance`.
Files: :func:`scenario_to_json`, :func:`scenario_from_json`.
"""

from simulator.engine import MONTHLY_COLUMNS, Projection, simulate
from simulator.evaluate import BreakEvenElasticity, Evaluation, evaluate
from simulator.finance import breakeven_volume_change
from simulator.params import (
    LEVERS,
    Business,
    LeverResponse,
    ParameterError,
    Scenario,
    Segment,
    ServiceOperations,
)
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

__all__ = [
    "LEVERS",
    "MONTHLY_COLUMNS",
    "BreakEvenElasticity",
    "Business",
    "Evaluation",
    "LeverResponse",
    "ParameterError",
    "Projection",
    "SBGFit",
    "Scenario",
    "ScenarioFileError",
    "Segment",
    "ServiceOperations",
    "breakeven_volume_change",
    "discounted_expected_lifetime",
    "discounted_expected_residual_lifetime",
    "evaluate",
    "example_scenario",
    "fit_sbg",
    "fit_sbg_counts",
    "fit_sbg_customers",
    "kaplan_meier",
    "sample_business",
    "sbg_survival",
    "scenario_from_json",
    "scenario_to_json",
    "simulate",
]
