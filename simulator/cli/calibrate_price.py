"""``calibrate-price CUSTOMERS PRICES [--id ID --start COL --end COL --segment COL --price-date
COL --price COL] [--as-of DATE] [--out FILE.json]``: learn the churn response to price from a
customer table and its price history
(:func:`simulator.data.price_response.calibrate_price_files`)."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from simulator.cli import CommandError
from simulator.cli.output import add_out_argument, write_output

__all__ = ["DESCRIPTION", "add_arguments", "run"]

DESCRIPTION = (
    "Read a customer table (id, start date, end date or empty, optional segment) and a price "
    "history (id, effective date, monthly price; CSV, Excel or Parquet) and print or write JSON "
    "with, per segment: the lasting churn hazard ratio per +10 %% price with a 90 %% interval, "
    "the first-month hazard ratio, the customers exposed and in control, the method and "
    "warnings. Columns not named are proposed from the column names."
)

ROLES = ("id", "start", "end", "segment", "price_id", "price_date", "price")
"""Column roles the command lets the user name."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``calibrate-price``."""
    parser.add_argument("customers", metavar="CUSTOMERS", help="customer table")
    parser.add_argument("prices", metavar="PRICES", help="price history")
    for flag, what in (
        ("--id", "customer id (both tables)"),
        ("--start", "start date"),
        ("--end", "end date (empty while active)"),
        ("--segment", "segment"),
        ("--price-id", "customer id in the price history (default: as --id)"),
        ("--price-date", "date the price took effect"),
        ("--price", "monthly price"),
    ):
        parser.add_argument(flag, metavar="COL", help=f"column holding the {what}")
    for flag, what in (
        ("--as-of", "date the tables describe (default: the customers' latest date)"),
        ("--observed-from", "the customer table holds only customers active since this date"),
    ):
        parser.add_argument(flag, metavar="YYYY-MM-DD", type=datetime.date.fromisoformat, help=what)
    add_out_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``calibrate-price``; returns the exit status (raises CommandError for bad input)."""
    from simulator.data.price_response import PriceColumns, calibrate_price_files

    paths = (Path(args.customers), Path(args.prices))
    raw = []
    for path in paths:
        try:
            raw.append(path.read_bytes())
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the table ({exc.strerror})") from None
    try:
        result = calibrate_price_files(
            raw[0],
            raw[1],
            customers_name=paths[0].name,
            prices_name=paths[1].name,
            columns=PriceColumns(**{role: getattr(args, role) for role in ROLES}),
            as_of=args.as_of,
            observed_from=args.observed_from,
        )
    except ValueError as exc:  # DataError names the file, the column and the rows
        raise CommandError(str(exc)) from None
    if write_output(result.to_json(), args.out) is None:
        return 0
    count = len(result.segments)
    print(
        f"wrote the price response of {count} segment{'s' if count != 1 else ''} to {args.out}",
        file=sys.stderr,
    )
    return 0
