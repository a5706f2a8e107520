"""Checking a customer table and a price history, and reading them as monthly renewals.

A planner who wants the price response learnt from the firm's own rises gives two tables
(:mod:`simulator.data.price_response`):

* **customers**: one row per customer, with id, start date, end date (empty while active) and
  optionally a segment, checked exactly as the customer upload is (by
  :func:`simulator.data.records.validate`, as a dated table);
* **prices**: one row per customer and price period: id, the date the price took effect and the
  monthly price.

:func:`price_history` checks both (every problem, naming file, column and rows, as
:class:`~simulator.data.tables.Problem` records; errors raise
:class:`~simulator.data.tables.DataError`) and returns :class:`PriceHistory`: per customer the
renewals observed, and per price row the renewal from which the price applies.

Time. Customer i renews on every monthly anniversary of its start date (end-of-month clipping:
one month after 31 January is 28 or 29 February); renewal k falls in calendar month
start month + k. A price with effective date d applies from the first renewal on or after d,
k = months(start, d - 1 day) + 1 (0, the first price, for d on or before the start). A customer
who leaves on date e did not make the first renewal on or after e, T = months(start, e - 1 day)
+ 1 (at least 1), so a rise in force before the customer left counts as faced (the retention
calibration rounds a churner's tenure down instead; the two differ by at most one month). A
customer still active on the as-of date made every renewal up to it, T = months(start, as_of).
Renewals before ``observed_from`` (when given: a table holding only customers active since that
date) are left-truncated: the customer enters the likelihood at entry tenure e (model.md 2.2).

References
----------
Fader, P., Hardie, B. (2007). How to project customer retention. JIM 21(1), 76-90.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from simulator.data.mapping import SYNONYMS, ColumnMapping, normalise_name, to_date, to_number
from simulator.data.records import (
    ALL_SEGMENTS,
    DATE_RANGE,
    default_as_of,
    id_text,
    validate,
)
from simulator.data.tables import MAX_ROWS_SHOWN, DataError, Problem, file_rows

PRICE_DATE_SYNONYMS: tuple[str, ...] = (
    "effectivedate",
    "priceeffectivedate",
    "pricedate",
    "effectivefrom",
    "validfrom",
    "changedate",
    "pricestartdate",
    "date",
    "from",
    "effective",
)
"""Normalised column names (:func:`~simulator.data.mapping.normalise_name`) proposed for the
effective date of a price, most specific first."""

PRICE_SYNONYMS: tuple[str, ...] = (
    "monthlyprice",
    "price",
    "newprice",
    "monthlyfee",
    "monthlycharge",
    "monthlycharges",
    "mrr",
    "amount",
    "fee",
    "rate",
)
"""Normalised column names proposed for the monthly price."""


@dataclass(frozen=True)
class PriceColumns:
    """Which column of each table plays which role (None: proposed from the column names).

    ``id``, ``start``, ``end`` and ``segment`` are columns of the customer table; ``price_id``
    (default: the customer table's id column name, if the price history has it), ``price_date``
    and ``price`` of the price history.
    """

    id: str | None = None
    start: str | None = None
    end: str | None = None
    segment: str | None = None
    price_id: str | None = None
    price_date: str | None = None
    price: str | None = None


def _by_name(table: pd.DataFrame, names: tuple[str, ...], taken: set[str]) -> str | None:
    columns = {normalise_name(c): c for c in table.columns if c not in taken}
    return next((columns[n] for n in names if n in columns), None)


def propose_price_columns(
    customers: pd.DataFrame, prices: pd.DataFrame, given: PriceColumns = PriceColumns()
) -> PriceColumns:
    """``given`` with its unset roles proposed from the column names of both tables.

    The customer table's roles come from :func:`simulator.data.mapping.propose_mapping`'s
    synonyms; the price history's id is the customer table's id column name when the price
    history has a column of that name, else an id synonym; its date and price columns come from
    :data:`PRICE_DATE_SYNONYMS` and :data:`PRICE_SYNONYMS`. Nothing is checked here
    (:func:`price_history` says what is missing).
    """
    chosen = dict(given.__dict__)
    taken = {c for c in (given.id, given.start, given.end, given.segment) if c}
    for role in ("id", "start", "end", "segment"):
        if chosen[role] is None:
            chosen[role] = _by_name(customers, SYNONYMS[role], taken)
            if chosen[role] is not None:
                taken.add(chosen[role])
    taken = {c for c in (given.price_id, given.price_date, given.price) if c}
    if chosen["price_id"] is None:
        same = chosen["id"] if chosen["id"] in prices.columns else None
        chosen["price_id"] = same or _by_name(prices, SYNONYMS["id"], taken)
        if chosen["price_id"] is not None:
            taken.add(chosen["price_id"])
    for role, names in (("price_date", PRICE_DATE_SYNONYMS), ("price", PRICE_SYNONYMS)):
        if chosen[role] is None:
            chosen[role] = _by_name(prices, names, taken)
            if chosen[role] is not None:
                taken.add(chosen[role])
    return replace(given, **chosen)


@dataclass(frozen=True)
class PriceHistory:
    """Two checked tables read as monthly renewals (:func:`price_history`).

    Customers (arrays of one entry per customer kept, in the customer table's order):
    ``segment`` (text), ``start_month`` (calendar month year * 12 + month - 1 of the start),
    ``renewals`` T (renewals observed: a churner's last one is the renewal it did not make),
    ``churned`` and ``entry`` (renewals before ``observed_from``, 0 without it).

    Price rows (one entry per row used): ``row_customer`` (position in the customer arrays),
    ``row_renewal`` k (the first renewal the price applies to; 0 = the price at the start; at
    most the customer's T), ``row_order`` (effective date as days since 1970: the later of two
    rows applying from the same renewal wins) and ``row_price``.

    ``warnings``: what weakens the estimate but does not stop it, one line each naming the
    file, column and rows. ``as_of``: the as-of date used.
    """

    segment: np.ndarray
    start_month: np.ndarray
    renewals: np.ndarray
    churned: np.ndarray
    entry: np.ndarray
    row_customer: np.ndarray
    row_renewal: np.ndarray
    row_order: np.ndarray
    row_price: np.ndarray
    as_of: datetime.date
    warnings: tuple[str, ...] = field(default=())


def months_between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole months from ``start`` to ``end`` (datetime64[D] arrays), end-of-month clipped.

    The number of monthly anniversaries of ``start`` on or before ``end`` (negative when
    ``end`` is before ``start``): one month after 31 January is the last day of February.
    """
    start = np.asarray(start, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    start_m = start.astype("datetime64[M]")
    end_m = end.astype("datetime64[M]")
    start_day = (start - start_m.astype("datetime64[D]")).astype(np.int64) + 1
    end_day = (end - end_m.astype("datetime64[D]")).astype(np.int64) + 1
    days_in_end_month = (
        (end_m + 1).astype("datetime64[D]") - end_m.astype("datetime64[D]")
    ).astype(np.int64)
    whole = (end_m - start_m).astype(np.int64)
    return whole - (np.minimum(start_day, days_in_end_month) > end_day)


def _month_index(dates: np.ndarray) -> np.ndarray:
    return dates.astype("datetime64[M]").astype(np.int64) + 1970 * 12


def _days(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy(dtype="datetime64[D]")


def _problem(table, column, mask, message, fix, severity="error") -> Problem:
    rows = file_rows(np.flatnonzero(np.asarray(mask, dtype=bool)), table)
    return Problem(column, rows, message, fix, severity)


def _warning_lines(name: str, problems: list[Problem]) -> list[str]:
    return [f"{name}: {p}" for p in problems if p.severity == "warning"]


def _check_customers(
    customers: pd.DataFrame, columns: PriceColumns, as_of: datetime.date | None, name: str
) -> tuple[ColumnMapping, datetime.date, list[str]]:
    mapping = ColumnMapping(
        id=columns.id, start=columns.start, end=columns.end, segment=columns.segment, kind="dated"
    )
    problems = validate(customers, mapping, as_of=as_of)
    if columns.end is None and not any(p.column is not None for p in problems):
        problems.insert(
            0,
            Problem(
                None,
                (),
                "Required column end date is not mapped (churn is read from it)",
                "Map the end date column (empty while the customer is active)",
            ),
        )
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataError(name, errors)
    as_of = as_of or default_as_of(customers, mapping)
    assert as_of is not None  # validate() refuses a dated table without any date
    return mapping, as_of, _warning_lines(name, problems)


def _check_prices(prices: pd.DataFrame, columns: PriceColumns, name: str):
    """Cell checks of the price history: (ids as text, dates, prices) or DataError."""
    problems = []
    for role, what in (
        ("price_id", "customer id"),
        ("price_date", "effective date"),
        ("price", "monthly price"),
    ):
        column = getattr(columns, role)
        if column is None:
            problems.append(
                Problem(
                    None,
                    (),
                    f"Required column {what} is not mapped",
                    f"Name the price history's {what} column",
                )
            )
        elif column not in prices.columns:
            problems.append(
                Problem(
                    column,
                    (),
                    f"column for {what} is not in the file",
                    "Pick a column of the file: " + ", ".join(map(str, prices.columns)),
                )
            )
    if problems:
        raise DataError(name, problems)
    ids = id_text(prices[columns.price_id])
    if ids.isna().any() or (ids == "").any():
        empty = ids.isna() | (ids == "")
        problems.append(
            _problem(
                prices, columns.price_id, empty, "customer id is empty", "Give every row an id"
            )
        )
    dates = to_date(prices[columns.price_date])
    if dates.isna().any():
        problems.append(
            _problem(
                prices,
                columns.price_date,
                dates.isna(),
                "effective date is empty or not a date",
                "Use dates like 2024-03-31 in every row",
            )
        )
    low, high = (pd.Timestamp(d) for d in DATE_RANGE)
    far = (dates < low) | (dates > high)
    if far.any():
        problems.append(
            _problem(
                prices,
                columns.price_date,
                far,
                f"date outside {DATE_RANGE[0].year}-{DATE_RANGE[1].year} "
                f"(e.g. {dates[far].iloc[0].date()})",
                "Use the real date the price took effect",
            )
        )
    raw = prices[columns.price]
    price = to_number(raw)
    checks = (
        (price.isna(), "monthly price is empty or not a number", "Use numbers only, e.g. 29.90"),
        (np.isinf(price), "monthly price is infinite", "Use the real monthly price"),
        (price <= 0, "monthly price is not above 0", "Prices must be above 0"),
    )
    for mask, message, fix in checks:
        if mask.any():
            problems.append(_problem(prices, columns.price, mask, message, fix))
    if problems:
        raise DataError(name, problems)
    return ids.to_numpy(dtype=object), _days(dates), price.to_numpy(dtype=float)


def price_history(
    customers: pd.DataFrame,
    prices: pd.DataFrame,
    columns: PriceColumns,
    *,
    as_of: datetime.date | None = None,
    observed_from: datetime.date | None = None,
    customers_name: str = "customers",
    prices_name: str = "prices",
) -> PriceHistory:
    """Check a customer table and its price history and read them as monthly renewals.

    Parameters
    ----------
    customers, prices
        The two tables as :func:`simulator.data.tables.read_table` returns them.
    columns
        The columns of each role (:func:`propose_price_columns` fills the unset ones).
    as_of
        The date the tables describe; default the latest start or end date of the customers.
    observed_from
        When the customer table holds only customers active on or after this date (an extract
        that dropped those who left before), renewals before it are left-truncated; customers
        who left before it are left out. None: everybody is observed from the start.
    customers_name, prices_name
        File names, for the messages.

    Returns
    -------
    PriceHistory

    Raises
    ------
    DataError
        Errors of the customer table (as :func:`simulator.data.records.validate` finds them, and
        a missing end-date column), or of the price history: a missing column, an empty id, a
        date that is not one, a price that is not a number above 0, a customer with two
        different prices on one date, no price row for any customer of the table. Each names
        the file (``DataError.name``), the column and the first rows.
    """
    columns = propose_price_columns(customers, prices, columns)
    mapping, as_of, warnings = _check_customers(customers, columns, as_of, customers_name)
    row_ids, row_dates, row_prices = _check_prices(prices, columns, prices_name)

    start = _days(to_date(customers[mapping.start]))
    end = _days(to_date(customers[mapping.end]))
    stamp = np.datetime64(as_of, "D")
    keep = start <= stamp
    churned = ~np.isnat(end) & (end <= stamp)
    if observed_from is not None:
        gone = keep & churned & (end < np.datetime64(observed_from, "D"))
        if gone.any():
            warnings.append(
                f"{customers_name}: "
                + str(
                    _problem(
                        customers,
                        mapping.end,
                        gone,
                        f"{int(gone.sum()):,} customers left before the observed-from date "
                        f"{observed_from}; they are left out",
                        "Check the observed-from date",
                        "warning",
                    )
                )
            )
            keep &= ~gone
    ids = id_text(customers[mapping.id]).to_numpy(dtype=object)
    position = pd.Series(np.arange(len(ids)), index=pd.Index(ids))
    row_pos = position.reindex(row_ids).to_numpy()
    known = ~np.isnan(row_pos)
    price_problems: list[Problem] = []
    pid = columns.price_id
    if not known.any():
        raise DataError(
            prices_name,
            [
                Problem(
                    pid,
                    (),
                    f"no customer id of the price history is in {customers_name} (e.g. "
                    f"{row_ids[0]!r})",
                    f"Check that both tables use the same customer ids ({pid!r} here, "
                    f"{mapping.id!r} in {customers_name})",
                )
            ],
        )
    if not known.all():
        price_problems.append(
            _problem(
                prices,
                pid,
                ~known,
                f"{int((~known).sum()):,} rows have a customer id that is not in "
                f"{customers_name} (e.g. {row_ids[~known][0]!r}); they are left out",
                "Check the ids, or add these customers to the customer table",
                "warning",
            )
        )
    # Rows of unknown customers get keys of their own (negative), so they never pair up.
    key = np.where(known, row_pos, -1 - np.arange(len(row_pos))).astype(np.int64)
    frame = pd.DataFrame({"c": key, "d": row_dates, "p": row_prices})
    if frame.duplicated(["c", "d"]).any():
        clash = (frame.groupby(["c", "d"])["p"].transform("nunique") > 1).to_numpy()
        if clash.any():
            price_problems.append(
                _problem(
                    prices,
                    columns.price_date,
                    clash,
                    "a customer has two different prices on the same effective date",
                    "Keep one row per customer and date (the price that applied)",
                )
            )
        repeated = frame.duplicated(["c", "d", "p"]).to_numpy() & ~clash
        if repeated.any():
            price_problems.append(
                _problem(
                    prices,
                    columns.price_date,
                    repeated,
                    f"{int(repeated.sum()):,} rows repeat a customer, date and price; "
                    "each is counted once",
                    "Keep one row per customer and date",
                    "warning",
                )
            )
        known &= ~repeated
    row_pos = np.where(known, row_pos, 0).astype(np.int64)
    errors = [p for p in price_problems if p.severity == "error"]
    if errors:
        raise DataError(prices_name, errors)

    end_or_as_of = np.where(churned, end, stamp)
    rows_start = start[row_pos]
    after = known & (row_dates > end_or_as_of[row_pos])
    for mask, message, fix in (
        (
            after & churned[row_pos],
            "effective date after the customer's end date; these rows are left out",
            "Check the dates or the ids",
        ),
        (
            after & ~churned[row_pos],
            f"effective date after the as-of date {as_of}; these rows are left out",
            "Give a later --as-of date if these prices already applied",
        ),
        (
            known & (row_dates < rows_start),
            "effective date before the customer's start date; read as the price at the start",
            "Check the dates or the ids",
        ),
    ):
        if mask.any():
            price_problems.append(
                _problem(prices, columns.price_date, mask, message, fix, "warning")
            )
    used = known & ~after & keep[row_pos]
    priced = np.zeros(len(ids), dtype=bool)
    priced[row_pos[known]] = True
    unpriced = keep & ~priced
    if not (keep & priced).any():
        raise DataError(
            prices_name,
            [
                Problem(
                    pid,
                    (),
                    f"no customer of {customers_name} (on or before {as_of}) has a price row",
                    "Give every customer at least the row of the price they started on",
                )
            ],
        )
    if unpriced.any():
        shown = ", ".join(repr(i) for i in ids[unpriced][:MAX_ROWS_SHOWN])
        warnings.append(
            f"{customers_name}: "
            + str(
                _problem(
                    customers,
                    mapping.id,
                    unpriced,
                    f"{int(unpriced.sum()):,} customers have no row in {prices_name} (e.g. "
                    f"{shown}); they are left out, as nobody can tell whether their price "
                    "changed",
                    f"Add a row with the price each started on to {prices_name}",
                    "warning",
                )
            )
        )
    keep &= priced
    warnings += _warning_lines(prices_name, price_problems)

    renewals = np.where(
        churned,
        np.maximum(months_between(start, end - np.timedelta64(1, "D")) + 1, 1),
        months_between(start, np.full_like(start, stamp)),
    )
    entry = np.zeros(len(ids), dtype=np.int64)
    if observed_from is not None:
        cut = np.datetime64(observed_from, "D") - np.timedelta64(1, "D")
        entry = np.maximum(months_between(start, np.full_like(start, cut)), 0)
        entry = np.minimum(entry, renewals - churned)
    renewal = np.where(
        row_dates > rows_start,
        months_between(rows_start, row_dates - np.timedelta64(1, "D")) + 1,
        0,
    )
    used &= renewal <= renewals[row_pos]  # later prices applied to no renewal observed
    new_position = np.cumsum(keep) - 1
    segment = (
        customers[mapping.segment].astype("string").fillna("unknown").astype(str).to_numpy()
        if mapping.segment is not None
        else np.full(len(ids), ALL_SEGMENTS, dtype=object)
    )
    return PriceHistory(
        segment=segment[keep],
        start_month=_month_index(start[keep]),
        renewals=renewals[keep].astype(np.int64),
        churned=churned[keep],
        entry=entry[keep].astype(np.int64),
        row_customer=new_position[row_pos[used]].astype(np.int64),
        row_renewal=renewal[used].astype(np.int64),
        row_order=row_dates[used].astype(np.int64),
        row_price=row_prices[used],
        as_of=as_of,
        warnings=tuple(warnings),
    )


__all__ = [
    "PRICE_DATE_SYNONYMS",
    "PRICE_SYNONYMS",
    "PriceColumns",
    "PriceHistory",
    "months_between",
    "price_history",
    "propose_price_columns",
]
