"""``design-test SCENARIO.json [--shares 0.05,0.1,0.2] [--months 3,6] [--segments A,B]
[--draws N] [--seed S] [--out FILE.json]``: randomised price-test designs for a scenario's rise,
with power, EVSI, cost and net value, and the EVPI
(:func:`simulator.decisions.price_test.design_test`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.cli import CommandError
from simulator.cli.output import add_draw_arguments, add_out_argument, check_draws, write_output
from simulator.cli.scenario import read_scenario

__all__ = ["DESCRIPTION", "add_arguments", "run"]

DESCRIPTION = (
    "For a scenario that raises prices: randomised test designs (a share of the existing "
    "customers given the new price for some months, the rest as control) with, per design, "
    "the power (chance the test settles whether the rise pays, correctly), the expected value "
    "of its information (EVSI), its cost (the tested customers' churn, less their extra "
    "revenue, plus the delay of the rise) and the net value, and the expected value of perfect "
    "information (EVPI) about the lasting price response; JSON in the business's currency. The "
    "same file, options and seed give the same numbers."
)

DEFAULT_SHARES = "0.05,0.1,0.2"
DEFAULT_MONTHS = "3,6"
DEFAULT_DRAWS = 1000


def _numbers(text: str, flag: str, kind: type) -> tuple:
    try:
        values = tuple(kind(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise CommandError(f"{flag} takes numbers separated by commas; got {text!r}") from None
    if not values:
        raise CommandError(f"{flag} needs at least one value")
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``design-test``."""
    parser.add_argument("scenario", metavar="SCENARIO.json", help="scenario file with a rise")
    parser.add_argument(
        "--shares",
        default=DEFAULT_SHARES,
        metavar="P,P,...",
        help=f"shares of the tested segments' customers given the new price (default "
        f"{DEFAULT_SHARES})",
    )
    parser.add_argument(
        "--months",
        default=DEFAULT_MONTHS,
        metavar="M,M,...",
        help=f"test lengths in months at the new price, at least 2 (default {DEFAULT_MONTHS})",
    )
    parser.add_argument(
        "--segments",
        metavar="NAME,NAME,...",
        help="segments to test (default: every segment whose price response is uncertain)",
    )
    add_draw_arguments(parser, default_draws=DEFAULT_DRAWS)
    add_out_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``design-test``; returns the exit status (raises CommandError for bad input)."""
    shares = _numbers(args.shares, "--shares", float)
    months = _numbers(args.months, "--months", int)
    segments = None
    if args.segments is not None:
        segments = tuple(s.strip() for s in args.segments.split(",") if s.strip())
    check_draws(args)
    business, scenario = read_scenario(Path(args.scenario))
    from simulator.decisions.price_test import design_test

    try:
        plan = design_test(
            business,
            scenario,
            shares=shares,
            months=months,
            segments=segments,
            draws=args.draws,
            seed=args.seed,
        )
    except ValueError as exc:
        raise CommandError(f"{args.scenario}: {exc}") from None
    out = write_output(json.dumps(plan.to_dict(), indent=2, allow_nan=False) + "\n", args.out)
    if out is None:
        return 0
    best = plan.best
    verdict = (
        f"test first: {best.share:.0%} of customers for {best.months} months "
        f"(net value {best.net_value:,.0f} {plan.currency})"
        if best is not None
        else "decide now: no design is worth its cost"
    )
    print(
        f"wrote {len(plan.designs)} designs ({args.draws} draws, seed {args.seed}) to {out}: "
        f"{verdict}",
        file=sys.stderr,
    )
    return 0
