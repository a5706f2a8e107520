"""``simulate SCENARIO.json [--out FILE.csv]``: a scenario file's monthly projection as CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.cli import CommandError
from simulator.cli.scenario import read_scenario
from simulator.model.engine import MONTHLY_COLUMNS, Projection, simulate
from simulator.model.params import Business

__all__ = ["DESCRIPTION", "PROJECTION_COLUMNS", "add_arguments", "run"]

DESCRIPTION = (
    "Run a scenario file (the JSON the app saves and shares) and write the monthly projection: "
    "one row per month and segment with customers, acquisitions, churned, revenue, costs, "
    "contribution and cash flow (currency of the business)."
)

PROJECTION_COLUMNS: tuple[str, ...] = (
    "month",
    "segment",
    *(c for c in MONTHLY_COLUMNS if c not in ("month", "segment")),
)
"""Columns of the projection CSV written by ``simulate`` (month first)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``simulate``."""
    parser.add_argument("scenario", metavar="SCENARIO.json", help="scenario file to run")
    parser.add_argument(
        "--out",
        metavar="FILE.csv",
        help="write the projection here and a summary to standard error (default: standard output)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``simulate``; returns the exit status (raises CommandError for bad input)."""
    out = None if args.out is None else Path(args.out)
    business, scenario = read_scenario(Path(args.scenario))
    projection = simulate(business, scenario)
    table = projection.monthly.loc[:, list(PROJECTION_COLUMNS)].sort_values(
        ["month", "segment"], kind="stable"
    )
    csv = table.to_csv(index=False, lineterminator="\n", float_format="%.10g")
    if out is None or str(out) == "-":
        sys.stdout.write(csv)
        sys.stdout.flush()
        return 0
    try:
        out.write_text(csv, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{out}: cannot write the projection ({exc.strerror})") from None
    print(_summary(business, projection, len(table), out), file=sys.stderr)
    return 0


def _summary(business: Business, projection: Projection, rows: int, out: Path) -> str:
    horizon = int(projection.monthly["month"].max())
    cur = business.currency
    end = projection.monthly[projection.monthly["month"] == horizon]
    by_segment = ", ".join(
        f"{s} {c:,.0f}" for s, c in zip(end["segment"], end["customers"], strict=True)
    )
    return "\n".join(
        [
            f"wrote {rows} rows ({horizon} months x {len(business.segments)} segments) to {out}",
            f"NPV over {horizon} months: {projection.npv:,.0f} {cur} "
            f"(with terminal value {projection.npv_with_terminal_value:,.0f} {cur})",
            f"customers at month {horizon}: {end['customers'].sum():,.0f} ({by_segment})",
        ]
    )
