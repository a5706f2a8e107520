"""``uncertainty SCENARIO.json [--draws N] [--seed S] [--out FILE.json]``: Monte Carlo of a
scenario file against its no-change baseline, as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.cli import CommandError
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
    parser.add_argument(
        "--draws",
        type=int,
        default=DEFAULT_DRAWS,
        metavar="N",
        help=f"number of Monte Carlo draws (default {DEFAULT_DRAWS})",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument("--out", metavar="FILE.json", help="write the JSON here (default: print)")


def run(args: argparse.Namespace) -> int:
    """Run ``uncertainty``; returns the exit status (raises CommandError for bad input)."""
    draws, seed, out = args.draws, args.seed, None if args.out is None else Path(args.out)
    if draws < 1:
        raise CommandError(f"--draws must be at least 1; got {draws}")
    if seed < 0:
        raise CommandError(f"--seed must be 0 or more; got {seed}")
    business, scenario = read_scenario(Path(args.scenario))
    result = {
        "currency": business.currency,
        **monte_carlo(business, scenario, draws=draws, seed=seed).summary(),
    }
    text = json.dumps(result, indent=2, allow_nan=False) + "\n"
    if out is None or str(out) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{out}: cannot write the results ({exc.strerror})") from None
    print(
        f"wrote {draws} draws (seed {seed}) to {out}: the scenario beats doing nothing in "
        f"{result['probability_beats_baseline']:.1%} of them",
        file=sys.stderr,
    )
    return 0
