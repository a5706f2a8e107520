"""Scenario files read for the commands that run them (``simulate``, ``uncertainty``)."""

from __future__ import annotations

from pathlib import Path

from simulator.cli import CommandError
from simulator.decisions.scenario_file import ScenarioFileError, scenario_from_json
from simulator.model.params import Business, Scenario

__all__ = ["read_scenario"]


def read_scenario(path: Path) -> tuple[Business, Scenario]:
    """The business and scenario in a scenario file, or a CommandError naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the scenario file ({exc.strerror})") from None
    try:
        return scenario_from_json(raw)
    except ScenarioFileError as exc:
        raise CommandError(f"{path}: {exc}") from None
