"""``example-scenario [--no-change]``: the scenario file of the scenario the app opens with."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.cli import CommandError
from simulator.data.customers import sample_business_from_table
from simulator.data.tables import read_table
from simulator.decisions.scenario_file import scenario_to_json
from simulator.model.params import Business
from simulator.model.sample import example_scenario

__all__ = ["DESCRIPTION", "SAMPLE_CUSTOMERS", "add_arguments", "run", "sample_business_from_file"]

DESCRIPTION = (
    "Print the scenario the app opens with as a scenario file: the sample business measured "
    "from sample_data/customers.csv and the example decision (+5 % price, a service programme "
    "of 45,000 a month)."
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CUSTOMERS = ROOT / "sample_data" / "customers.csv"
"""The bundled customer table the app and ``example-scenario`` measure the sample business from."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``example-scenario``."""
    parser.add_argument(
        "--no-change",
        action="store_true",
        help="the same business and horizon with no price, fee or service change (the baseline)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``example-scenario``; returns the exit status (raises CommandError when the sample
    table cannot be read)."""
    business = sample_business_from_file()
    scenario = example_scenario()
    if args.no_change:
        scenario = scenario.without_changes()
    sys.stdout.write(scenario_to_json(business, scenario))
    sys.stdout.flush()
    return 0


def sample_business_from_file(path: Path = SAMPLE_CUSTOMERS) -> Business:
    """The business the app uses: the sample business measured from the bundled customer table."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CommandError(
            f"{path}: cannot read the sample customer table ({exc.strerror})"
        ) from None
    try:
        return sample_business_from_table(read_table(raw, name=path.name))
    except ValueError as exc:
        raise CommandError(f"{path}: {exc}") from None
