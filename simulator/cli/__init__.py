"""Command line: ``python -m simulator COMMAND`` (installed: ``service-gap COMMAND``); the only
part of the core that opens files.

Commands
--------
``simulate SCENARIO.json [--out FILE.csv]``
    Run a scenario file (the JSON the app saves and shares) and write the monthly projection as
    CSV, one row per month and segment, to ``--out`` or standard output (:mod:`.simulate`).
``uncertainty SCENARIO.json [--draws N] [--seed S] [--out FILE.json]``
    Monte Carlo of a scenario file against its no-change baseline (common random numbers,
    :func:`simulator.decisions.uncertainty.monte_carlo`): print or write JSON with the draws, the
    seed, the probability that the scenario beats the baseline on NPV and the 10th, 50th and 90th
    percentiles of the NPV difference. The same file, draws and seed give the same numbers
    (:mod:`.uncertainty`).
``example-scenario [--no-change]``
    Print the scenario file of the scenario the app opens with: the sample business measured from
    ``sample_data/customers.csv`` and :func:`simulator.example_scenario` (or, with
    ``--no-change``, its no-change baseline) (:mod:`.example`).
``calibrate DATA | --db-url URL (--table NAME | --query SQL) [--<role> COL ...] [--out FILE.json]``
    Calibrate retention per segment from a customer table or a database (:mod:`.calibrate`).
``calibrate-price CUSTOMERS PRICES [--id ID --start COL --end COL --segment COL --price-date COL
--price COL] [--as-of DATE] [--out FILE.json]``
    Learn the churn response to price from a customer table and its price history: per segment
    the lasting hazard ratio per +10 % with a 90 % interval, the first-month hazard ratio,
    exposed and control customers, method and warnings (:mod:`.calibrate_price`).
``design-test SCENARIO.json [--shares 0.05,0.1,0.2] [--months 3,6] [--segments A,B] [--draws N]
[--seed S] [--out FILE.json]``
    For a scenario that raises prices: randomised price-test designs (share tested x months)
    with power, EVSI, cost and net value, and the EVPI about the lasting price response, as JSON
    in the business's currency (:mod:`.design_test`).

Each command is a module with ``DESCRIPTION``, ``add_arguments(parser)`` and ``run(args)``,
imported only when its command runs or its help is asked for: this package imports nothing but
the standard library, so ``--help`` starts at once and each command loads only the libraries it
uses (pandas and SciPy for most, DuckDB, pyarrow or SQLAlchemy only to count a large file or a
database, numba only for the Monte Carlo).

Bad input ends with exit status 1 and one line on standard error naming the file and the field;
usage errors end with status 2 (argparse).

Import rule: the command line is the shell around the core; its modules may import every part of
:mod:`simulator` (model, data, decisions), and nothing in the core imports them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

__all__ = ["COMMANDS", "SCRIPT", "CommandError", "build_parser", "main"]

SCRIPT = "service-gap"
"""The console script of an installed checkout (``[project.scripts]`` in pyproject.toml)."""

COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("simulate", "run a scenario file and write the monthly projection as CSV"),
    "uncertainty": (
        "uncertainty",
        "Monte Carlo of a scenario file: how likely it beats doing nothing",
    ),
    "example-scenario": ("example", "print the scenario file of the scenario the app opens with"),
    "calibrate": (
        "calibrate",
        "calibrate retention per segment from a customer table (CSV, Excel, Parquet)",
    ),
    "calibrate-price": (
        "calibrate_price",
        "learn the churn response to price from a customer table and its price history",
    ),
    "design-test": (
        "design_test",
        "design a price test for a scenario's rise: power, cost and what learning first is worth",
    ),
}
"""Command -> (its module in :mod:`simulator.cli`, the line the list of commands shows)."""


class CommandError(Exception):
    """Bad input: the message is printed as one line and the command exits with status 1."""


def command_module(command: str) -> ModuleType:
    """The module of ``command`` (imported on first use)."""
    return importlib.import_module(f"{__name__}.{COMMANDS[command][0]}")


def build_parser(
    command: str | None = None, *, prog: str = "python -m simulator"
) -> argparse.ArgumentParser:
    """The argument parser of the command line, with the arguments of ``command`` only (its
    module is imported for them; the others are listed by name and summary); ``prog`` is how
    the usage names the program."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Service Gap Impact Simulator: project what a price, fee or service "
        "decision does to customers, revenue and cash flow.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, summary) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary)
        if name == command:
            module = command_module(name)
            sub.description = module.DESCRIPTION
            module.add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # The command is the first argument that is not an option (the top level has only --help).
    command = next((a for a in argv if not a.startswith("-")), None)
    prog = SCRIPT if Path(sys.argv[0]).name == SCRIPT else "python -m simulator"
    parser = build_parser(command if command in COMMANDS else None, prog=prog)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return command_module(args.command).run(args)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `python -m simulator ... | head`
        sys.stderr.close()
        return 0
