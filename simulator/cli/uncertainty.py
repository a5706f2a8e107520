"""``uncertainty SCENARIO.json [--draws N] [--seed S] [--out FILE.json]``: Monte Carlo of a
scenario file against its no-change baseline, as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.cli.output import add_draw_arguments, add_out_argument, check_draws, write_output
from simulator.cli.scenario import read_scenario
from simulator.decisions.uncertainty import DEFAULT_DRAWS, monte_carlo

__all__ = ["DESCRIPTION", "add_arguments", "run"]

DESCRIPTION = (
    "Draw every uncertain parameter (Latin hypercube, seeded), project the scenario and its "
    "no-change baseline with the same draws, and print or write JSON with draws, seed, "
    "probability_beats_baseline, delta_npv_p10/p50/p90 (currency of the business, NPV over the "
    "horizon) and more. The same seed gives the same numbers."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``uncertainty``."""
    parser.add_argument("scenario", metavar="SCENARIO.json", help="scenario file to run")
    add_draw_arguments(parser, default_draws=DEFAULT_DRAWS)
    add_out_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``uncertainty``; returns the exit status (raises CommandError for bad input)."""
    check_draws(args)
    draws, seed = args.draws, args.seed
    business, scenario = read_scenario(Path(args.scenario))
    result = {
        "currency": business.currency,
        **monte_carlo(business, scenario, draws=draws, seed=seed).summary(),
    }
    out = write_output(json.dumps(result, indent=2, allow_nan=False) + "\n", args.out)
    if out is None:
        return 0
    print(
        f"wrote {draws} draws (seed {seed}) to {out}: the scenario beats doing nothing in "
        f"{result['probability_beats_baseline']:.1%} of them",
        file=sys.stderr,
    )
    return 0
