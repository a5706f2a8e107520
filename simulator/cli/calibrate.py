"""``calibrate DATA`` or ``calibrate --db-url URL (--table NAME | --query SQL)``: retention per
segment from a customer table, as JSON.

A table up to :data:`simulator.data.tables.LARGE_FILE_BYTES` is read whole; a larger file and a
database are checked and counted in SQL (:mod:`simulator.data.sql`), which imports DuckDB,
pyarrow or SQLAlchemy only then.
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

from simulator.cli import CommandError
from simulator.cli.output import add_out_argument, write_output
from simulator.data.calibrate import calibrate
from simulator.data.mapping import override_mapping, propose_mapping
from simulator.data.records import customer_records
from simulator.data.sql.counting import sample_and_count
from simulator.data.sql.sources import SqlSource, source_name
from simulator.data.tables import DataError, counted_in_sql, read_table

__all__ = ["CALIBRATE_ROLES", "DESCRIPTION", "add_arguments", "run"]

DESCRIPTION = (
    "Read a customer table, map its columns (proposed from names and content; the options below "
    "correct the proposal), and print or write JSON with, per segment: customers, churned, ARPU, "
    "monthly churn, sBG alpha and beta, and Kaplan-Meier survival at 12 and 24 months of tenure."
)

CALIBRATE_ROLES = ("id", "tenure", "churned", "start", "end", "revenue", "segment")
"""Column roles the ``calibrate`` command lets the user set."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``calibrate``."""
    parser.add_argument(
        "data",
        metavar="DATA",
        nargs="?",
        help="customer table: .csv (or other delimited text), .xlsx or .parquet; omit it with "
        "--db-url",
    )
    parser.add_argument(
        "--db-url",
        metavar="URL",
        help="read the customers from a database instead (SQLAlchemy URL, e.g. "
        "postgresql+psycopg://user@host/db); the grouping runs in the database",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--table", metavar="NAME", help="with --db-url: the table to read")
    source.add_argument("--query", metavar="SQL", help="with --db-url: a SELECT query to read")
    for role in CALIBRATE_ROLES:
        parser.add_argument(f"--{role}", metavar="COL", help=f"column holding the {role}")
    parser.add_argument(
        "--tenure-unit", choices=("months", "years"), help="unit of the tenure column"
    )
    parser.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        type=datetime.date.fromisoformat,
        help="date a dated table describes (default: its latest date)",
    )
    add_out_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``calibrate``; returns the exit status (raises CommandError for bad input)."""
    columns = {r: getattr(args, r) for r in CALIBRATE_ROLES if getattr(args, r)}
    return _calibrate(
        _calibrate_source(args),
        columns,
        tenure_unit=args.tenure_unit,
        as_of=args.as_of,
        out=args.out,
    )


def _calibrate_source(args: argparse.Namespace) -> Path | SqlSource:
    """The calibrate command's source: a file path or a database table or query."""
    if args.db_url is None:
        if args.data is None:
            raise CommandError("calibrate: give a customer table file, or --db-url with --table")
        if args.table or args.query:
            raise CommandError("calibrate: --table and --query go with --db-url")
        return Path(args.data)
    if args.data is not None:
        raise CommandError("calibrate: give either a file or --db-url, not both")
    if not (args.table or args.query):
        raise CommandError("calibrate: --db-url needs --table NAME or --query SQL")
    return SqlSource(url=args.db_url, table=args.table, query=args.query)


def _counted(source: Path | SqlSource) -> bool:
    """True when ``source`` is counted in SQL rather than read whole."""
    if isinstance(source, SqlSource):
        return True
    try:
        return counted_in_sql(source.name, source.stat().st_size)
    except OSError as exc:
        raise CommandError(f"{source}: cannot read the customer table ({exc.strerror})") from None


def _calibrate(
    source: Path | SqlSource,
    columns: dict[str, str],
    *,
    tenure_unit: str | None,
    as_of: datetime.date | None,
    out: str | None,
) -> int:
    name = source_name(source) if isinstance(source, SqlSource) else source.name
    try:
        if _counted(source):
            mapping, data = sample_and_count(
                source,
                lambda table: override_mapping(
                    table, propose_mapping(table), tenure_unit=tenure_unit, **columns
                ),
                as_of=as_of,
                name=name,
            )
        else:
            try:
                raw = source.read_bytes()
            except OSError as exc:
                raise CommandError(
                    f"{source}: cannot read the customer table ({exc.strerror})"
                ) from None
            table = read_table(raw, name=name)
            mapping = override_mapping(
                table, propose_mapping(table), tenure_unit=tenure_unit, **columns
            )
            data = customer_records(table, mapping, as_of=as_of, name=name)
        # Tenure known only in whole years is interval-censored: refit on 12-month intervals
        # (model.md section 8, "Period consistency").
        interval = 12 if mapping.kind == "snapshot" and mapping.tenure_unit == "years" else 1
        result = calibrate(data, tenure_interval_months=interval)
    except DataError as exc:
        raise CommandError(str(exc)) from None
    except ValueError as exc:
        raise CommandError(f"{name}: {exc}") from None
    write_output(
        json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n", out, what="calibration"
    )
    return 0
