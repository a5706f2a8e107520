"""Command line: ``python -m simulator COMMAND``; the only module of the core that opens files.

Commands
--------
``simulate SCENARIO.json [--out FILE.csv]``
    Run a scenario file (the JSON the app saves and shares) and write the monthly projection as
    CSV, one row per month and segment, to ``--out`` or standard output.
``uncertainty SCENARIO.json [--draws N] [--seed S] [--out FILE.json]``
    Monte Carlo of a scenario file against its no-change baseline (common random numbers,
    :func:`simulator.decisions.uncertainty.monte_carlo`): print or write JSON with the draws, the
    seed, the probability that the scenario beats the baseline on NPV and the 10th, 50th and 90th
    percentiles of the NPV difference. The same file, draws and seed give the same numbers.
``calibrate-price CUSTOMERS PRICES [--id ID --start COL --end COL --segment COL --price-date COL
--price COL] [--as-of DATE] [--out FILE.json]``
    Learn the churn response to price from a customer table and its price history
    (:func:`simulator.data.price_response.calibrate_price_files`): per segment the lasting hazard
    ratio per +10 % with a 90 % interval, the first-month hazard ratio, exposed and control
    customers, method and warnings.
``example-scenario [--no-change]``
    Print the scenario file of the scenario the app opens with: the sample business measured from
    ``sample_data/customers.csv`` and :func:`simulator.example_scenario` (or, with
    ``--no-change``, its no-change baseline).

Bad input ends with exit status 1 and one line on standard error naming the file and the field;
usage errors end with status 2 (argparse).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from simulator.data.aggregate import SqlSource, sample_and_count, source_name
from simulator.data.calibrate import calibrate
from simulator.data.customers import sample_business_from_table
from simulator.data.mapping import override_mapping, propose_mapping
from simulator.data.records import customer_records
from simulator.data.tables import DataError, counted_in_sql, read_table
from simulator.decisions.scenario_file import (
    ScenarioFileError,
    scenario_from_json,
    scenario_to_json,
)
from simulator.decisions.uncertainty import DEFAULT_DRAWS, monte_carlo
from simulator.model.engine import MONTHLY_COLUMNS, Projection, simulate
from simulator.model.params import Business, Scenario
from simulator.model.sample import example_scenario

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CUSTOMERS = ROOT / "sample_data" / "customers.csv"
"""The bundled customer table the app and ``example-scenario`` measure the sample business from."""

PROJECTION_COLUMNS: tuple[str, ...] = (
    "month",
    "segment",
    *(c for c in MONTHLY_COLUMNS if c not in ("month", "segment")),
)
"""Columns of the projection CSV written by ``simulate`` (month first)."""


class CommandError(Exception):
    """Bad input: the message is printed as one line and the command exits with status 1."""


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m simulator``."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Service Gap Impact Simulator: project what a price, fee or service "
        "decision does to customers, revenue and cash flow.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser(
        "simulate",
        help="run a scenario file and write the monthly projection as CSV",
        description="Run a scenario file (the JSON the app saves and shares) and write the "
        "monthly projection: one row per month and segment with customers, acquisitions, "
        "churned, revenue, costs, contribution and cash flow (currency of the business).",
    )
    run.add_argument("scenario", metavar="SCENARIO.json", help="scenario file to run")
    run.add_argument(
        "--out",
        metavar="FILE.csv",
        help="write the projection here and a summary to standard error (default: standard output)",
    )
    unc = commands.add_parser(
        "uncertainty",
        help="Monte Carlo of a scenario file: how likely it beats doing nothing",
        description="Draw every uncertain parameter (Latin hypercube, seeded), project the "
        "scenario and its no-change baseline with the same draws, and print or write JSON with "
        "draws, seed, probability_beats_baseline, delta_npv_p10/p50/p90 (currency of the "
        "business, NPV over the horizon) and more. The same seed gives the same numbers.",
    )
    unc.add_argument("scenario", metavar="SCENARIO.json", help="scenario file to run")
    unc.add_argument(
        "--draws",
        type=int,
        default=DEFAULT_DRAWS,
        metavar="N",
        help=f"number of Monte Carlo draws (default {DEFAULT_DRAWS})",
    )
    unc.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    unc.add_argument("--out", metavar="FILE.json", help="write the JSON here (default: print)")
    example = commands.add_parser(
        "example-scenario",
        help="print the scenario file of the scenario the app opens with",
        description="Print the scenario the app opens with as a scenario file: the sample "
        "business measured from sample_data/customers.csv and the example decision "
        "(+5 %% price, a service programme of 45,000 a month).",
    )
    example.add_argument(
        "--no-change",
        action="store_true",
        help="the same business and horizon with no price, fee or service change (the baseline)",
    )
    cal = commands.add_parser(
        "calibrate",
        help="calibrate retention per segment from a customer table (CSV, Excel, Parquet)",
        description="Read a customer table, map its columns (proposed from names and content; "
        "the options below correct the proposal), and print or write JSON with, per segment: "
        "customers, churned, ARPU, monthly churn, sBG alpha and beta, and Kaplan-Meier "
        "survival at 12 and 24 months of tenure.",
    )
    cal.add_argument(
        "data",
        metavar="DATA",
        nargs="?",
        help="customer table: .csv (or other delimited text), .xlsx or .parquet; omit it with "
        "--db-url",
    )
    cal.add_argument(
        "--db-url",
        metavar="URL",
        help="read the customers from a database instead (SQLAlchemy URL, e.g. "
        "postgresql+psycopg://user@host/db); the grouping runs in the database",
    )
    source = cal.add_mutually_exclusive_group()
    source.add_argument("--table", metavar="NAME", help="with --db-url: the table to read")
    source.add_argument("--query", metavar="SQL", help="with --db-url: a SELECT query to read")
    for role in CALIBRATE_ROLES:
        cal.add_argument(f"--{role}", metavar="COL", help=f"column holding the {role}")
    cal.add_argument("--tenure-unit", choices=("months", "years"), help="unit of the tenure column")
    cal.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        type=datetime.date.fromisoformat,
        help="date a dated table describes (default: its latest date)",
    )
    cal.add_argument("--out", metavar="FILE.json", help="write the JSON here (default: print)")
    _add_calibrate_price(commands)
    return parser


def _add_calibrate_price(commands) -> None:
    """The ``calibrate-price`` subcommand (simulator.data.price_response)."""
    cp = commands.add_parser(
        "calibrate-price",
        help="learn the churn response to price from a customer table and its price history",
        description="Read a customer table (id, start date, end date or empty, optional "
        "segment) and a price history (id, effective date, monthly price; CSV, Excel or "
        "Parquet) and print or write JSON with, per segment: the lasting churn hazard ratio "
        "per +10 %% price with a 90 %% interval, the first-month hazard ratio, the customers "
        "exposed and in control, the method and warnings. Columns not named are proposed "
        "from the column names.",
    )
    cp.add_argument("customers", metavar="CUSTOMERS", help="customer table")
    cp.add_argument("prices", metavar="PRICES", help="price history")
    for flag, what in (
        ("--id", "customer id (both tables)"),
        ("--start", "start date"),
        ("--end", "end date (empty while active)"),
        ("--segment", "segment"),
        ("--price-id", "customer id in the price history (default: as --id)"),
        ("--price-date", "date the price took effect"),
        ("--price", "monthly price"),
    ):
        cp.add_argument(flag, metavar="COL", help=f"column holding the {what}")
    for flag, what in (
        ("--as-of", "date the tables describe (default: the customers' latest date)"),
        ("--observed-from", "the customer table holds only customers active since this date"),
    ):
        cp.add_argument(flag, metavar="YYYY-MM-DD", type=datetime.date.fromisoformat, help=what)
    cp.add_argument("--out", metavar="FILE.json", help="write the JSON here (default: print)")


def _calibrate_price(args: argparse.Namespace) -> int:
    from simulator.data.price_response import PriceColumns, calibrate_price_files

    paths = (Path(args.customers), Path(args.prices))
    raw = []
    for path in paths:
        try:
            raw.append(path.read_bytes())
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the table ({exc.strerror})") from None
    roles = ("id", "start", "end", "segment", "price_id", "price_date", "price")
    try:
        result = calibrate_price_files(
            raw[0],
            raw[1],
            customers_name=paths[0].name,
            prices_name=paths[1].name,
            columns=PriceColumns(**{r: getattr(args, r) for r in roles}),
            as_of=args.as_of,
            observed_from=args.observed_from,
        )
    except ValueError as exc:  # DataError names the file, the column and the rows
        raise CommandError(str(exc)) from None
    text = result.to_json()
    if args.out is None or args.out == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{args.out}: cannot write the results ({exc.strerror})") from None
    print(
        f"wrote the price response of {len(result.segments)} segment"
        f"{'s' if len(result.segments) != 1 else ''} to {args.out}",
        file=sys.stderr,
    )
    return 0


CALIBRATE_ROLES = ("id", "tenure", "churned", "start", "end", "revenue", "segment")
"""Column roles the ``calibrate`` command lets the user set."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "simulate":
            return _simulate(Path(args.scenario), None if args.out is None else Path(args.out))
        if args.command == "uncertainty":
            out = None if args.out is None else Path(args.out)
            return _uncertainty(Path(args.scenario), draws=args.draws, seed=args.seed, out=out)
        if args.command == "example-scenario":
            return _example_scenario(no_change=args.no_change)
        if args.command == "calibrate":
            columns = {r: getattr(args, r) for r in CALIBRATE_ROLES if getattr(args, r)}
            return _calibrate(
                _calibrate_source(args),
                columns,
                tenure_unit=args.tenure_unit,
                as_of=args.as_of,
                out=None if args.out is None else Path(args.out),
            )
        if args.command == "calibrate-price":
            return _calibrate_price(args)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `python -m simulator ... | head`
        sys.stderr.close()
        return 0
    parser.print_help(sys.stderr)
    return 2


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
    out: Path | None,
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
    text = json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n"
    if out is None or str(out) == "-":
        sys.stdout.write(text)
        return 0
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{out}: cannot write the calibration ({exc.strerror})") from None
    return 0


def _read_scenario(path: Path) -> tuple[Business, Scenario]:
    """The business and scenario in a scenario file, or a CommandError naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the scenario file ({exc.strerror})") from None
    try:
        return scenario_from_json(raw)
    except ScenarioFileError as exc:
        raise CommandError(f"{path}: {exc}") from None


def _simulate(path: Path, out: Path | None) -> int:
    business, scenario = _read_scenario(path)
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


def _uncertainty(path: Path, *, draws: int, seed: int, out: Path | None) -> int:
    if draws < 1:
        raise CommandError(f"--draws must be at least 1; got {draws}")
    if seed < 0:
        raise CommandError(f"--seed must be 0 or more; got {seed}")
    business, scenario = _read_scenario(path)
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


def _example_scenario(*, no_change: bool) -> int:
    business = sample_business_from_file()
    scenario = example_scenario()
    if no_change:
        scenario = scenario.without_changes()
    sys.stdout.write(scenario_to_json(business, scenario))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
