"""Counting in SQL: the :class:`simulator.data.counts.CustomerCounts` calibration needs, from a
file, a DataFrame or a database, equal to ``count_records(customer_records(...))`` for the
same rows.

After the checks (:func:`simulator.data.sql.checks.run_checks`), one grouping pass over the
typed relation gives the counts and, for a dated table, the flows (grouping sets); the whole
months, exposure and referral flags are worked out on the (few) groups. :func:`sample_and_count`
is the command line's path: the first rows for the mapping, then the counts, on one connection.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd

from simulator.data.counts import (
    COUNT_COLUMNS,
    COUNT_KEYS,
    FLOW_COLUMNS,
    CustomerCounts,
    no_flows,
    whole_months,
)
from simulator.data.mapping import ColumnMapping
from simulator.data.records import ALL_SEGMENTS, REFERRAL_PATTERN
from simulator.data.sql.checks import Facts, run_checks
from simulator.data.sql.dialect import days_in, fence, lit
from simulator.data.sql.plan import Plan, churned_sql, column_kinds
from simulator.data.sql.sessions import Session
from simulator.data.sql.sources import (
    Files,
    Source,
    SqlSource,
    first_rows,
    open_files,
    open_source,
    sample_rows,
    source_name,
)
from simulator.data.tables import DataError, Problem

__all__ = ["Progress", "check_and_count", "count_source", "sample_and_count"]

Progress = Callable[[float, str], None]
"""``progress(fraction, message)``: fraction done (0 to 1) and what is happening now."""


def _silent(fraction: float, message: str) -> None:
    """A :data:`Progress` that reports nothing."""


def count_source(
    source: Source,
    mapping: ColumnMapping,
    *,
    as_of: datetime.date | None = None,
    left_truncated_at: float | None | Literal["auto"] = "auto",
    name: str | None = None,
    progress: Progress | None = None,
) -> CustomerCounts:
    """The counts calibration needs, aggregated in SQL from a file, DataFrame or database.

    Equals ``count_records(customer_records(table, mapping, ...))`` for the same rows, with
    ``as_of_month`` the calendar month (``year * 12 + month - 1``) of the as-of date.

    Parameters
    ----------
    source
        A CSV or Parquet file path, a DataFrame or a
        :class:`simulator.data.sql.sources.SqlSource`.
    mapping
        The column mapping.
    as_of
        Observation date of a dated table; default the latest start or end date.
    left_truncated_at
        Entry tenure in months, as in :func:`simulator.data.records.customer_records`.
    name
        Name in error messages (default :func:`simulator.data.sql.sources.source_name`).
    progress
        Called as ``progress(fraction, message)`` when a stage starts and at the end.

    Returns
    -------
    CustomerCounts

    Raises
    ------
    DataError
        The source cannot be read, or :func:`simulator.data.sql.checks.check_source` finds
        errors (warnings do not stop it).
    """
    name = name or source_name(source)
    report = progress or _silent
    report(0.0, f"Reading {name}")
    checked = _check_and_count(source, mapping, as_of, left_truncated_at, name, report, None)
    counts = _counted(name, checked)
    report(1.0, "Done")
    return counts


def check_and_count(
    source: Source,
    mapping: ColumnMapping,
    *,
    as_of: datetime.date | None = None,
    name: str | None = None,
) -> tuple[list[Problem], CustomerCounts | None]:
    """:func:`simulator.data.sql.checks.check_source` and, when it finds no error,
    :func:`count_source`, in one read of the source: what the Data page needs of a large upload,
    which it checks when the planner maps it and counts when they calibrate.

    Returns
    -------
    tuple[list[Problem], CustomerCounts | None]
        The problems, as :func:`simulator.data.sql.checks.check_source` gives them, and the
        counts, as :func:`count_source` gives them, or None when a problem is an error.

    Raises
    ------
    DataError
        The source cannot be read at all.
    """
    name = name or source_name(source)
    return _check_and_count(source, mapping, as_of, "auto", name, _silent, None)


def _check_and_count(
    source: Source,
    mapping: ColumnMapping,
    as_of: datetime.date | None,
    left_truncated_at: float | None | Literal["auto"],
    name: str,
    report: Progress,
    shared: Files | None,
) -> tuple[list[Problem], CustomerCounts | None]:
    """:func:`check_and_count` on the connection ``shared`` (None: a new one)."""
    with open_source(source, name, column_kinds(mapping), shared) as (session, all_columns):
        report(0.3, "Checking the table")
        problems, plan, facts = run_checks(session, all_columns, mapping, as_of)
        if plan is None or any(p.severity == "error" for p in problems):
            return problems, None
        report(0.6, "Counting customers")
        return problems, _counts(session, mapping, plan, facts, left_truncated_at)


def _counted(name: str, checked: tuple[list[Problem], CustomerCounts | None]) -> CustomerCounts:
    """The counts :func:`_check_and_count` returned, or the errors it found, raised."""
    problems, counts = checked
    if counts is None:
        raise DataError(name, [p for p in problems if p.severity == "error"])
    return counts


def sample_and_count(
    source: Source,
    choose: Callable[[pd.DataFrame], ColumnMapping],
    *,
    rows: int = 10_000,
    as_of: datetime.date | None = None,
    name: str | None = None,
) -> tuple[ColumnMapping, CustomerCounts]:
    """:func:`simulator.data.sql.sources.sample_rows`, then :func:`count_source` with the
    mapping ``choose`` gives for them.

    What the command line's ``calibrate`` does, in one go: a file is opened once (one DuckDB
    connection, a CSV file's dialect read once) for both reads.

    Parameters
    ----------
    source
        A CSV or Parquet file path, a DataFrame or a
        :class:`simulator.data.sql.sources.SqlSource`.
    choose
        The column mapping for the first rows of the source (e.g. the proposed one, corrected).
    rows
        How many rows ``choose`` sees (at most).
    as_of
        Observation date of a dated table; default the latest start or end date.
    name
        Name in error messages (default :func:`simulator.data.sql.sources.source_name`).

    Returns
    -------
    tuple[ColumnMapping, CustomerCounts]
        The mapping ``choose`` gave and the counts, as :func:`count_source` gives them.

    Raises
    ------
    DataError
        As :func:`simulator.data.sql.sources.sample_rows` and :func:`count_source`.
    """
    name = name or source_name(source)
    if isinstance(source, (pd.DataFrame, SqlSource)):
        mapping = choose(sample_rows(source, rows=rows, name=name))
        return mapping, count_source(source, mapping, as_of=as_of, name=name)
    with open_files(None) as files:
        mapping = choose(first_rows(source, rows, name, files))
        checked = _check_and_count(source, mapping, as_of, "auto", name, _silent, files)
        return mapping, _counted(name, checked)


_SEGMENT_CODES = 256
"""Up to this many segments, the counting pass groups by a segment's number, not its text."""


def _counts(
    session: Session, mapping: ColumnMapping, plan: Plan, facts: Facts, left_truncated_at
) -> CustomerCounts:
    """One grouping pass: counts (and flows of a dated table) from the typed relation."""
    d = session.dialect
    roles = plan.roles
    dated = mapping.kind == "dated"
    if dated:
        as_of_key = facts.as_of_key
        end = "end_key" if "end" in roles else "CAST(NULL AS INTEGER)"
        ended = f"COALESCE({end} <= {as_of_key}, FALSE)"
        churned = churned_sql(mapping) if "churned" in roles else ended

        def month(key: str) -> str:
            return f"({d.idiv(key, 10000)} * 12 + {d.idiv(key, 100)} % 100 - 1)"

        stop_days = days_in(d.idiv("stop", 10000), f"({d.idiv('stop', 100)} % 100)")
        anniversary = f"LEAST(start_key % 100, {stop_days})"
        tenure = (
            d.double(f"{month('stop')} - {month('start_key')}")
            + f" - CASE WHEN {anniversary} > stop % 100 THEN 1 ELSE 0 END"
        )
        inner = (
            f"(SELECT *, CASE WHEN {ended} THEN {end} ELSE {as_of_key} END AS stop, "
            f"{ended} AS ended FROM {session.typed} WHERE start_key <= {as_of_key}{fence(d)}) "
            "AS s1"
        )
        extra = {
            "start_month": month("start_key"),
            "end_month": f"CASE WHEN ended THEN {d.double(month('stop'))} END",
        }
    else:
        scale = 12.0 if mapping.tenure_unit == "years" else 1.0
        tenure = f"tenure * {scale}"
        churned = churned_sql(mapping)
        inner = session.typed
        extra = {}

    null = "CAST(NULL AS DOUBLE PRECISION)"

    def rounded(role: str) -> str:
        """The role's numbers rounded to 2 decimals (whole numbers need no rounding)."""
        return null if role not in roles else role if role in facts.whole else d.round_to(role, 2)

    price_log = null
    if {"price_after", "price_before"} <= roles:
        ratio = "ln(price_after / price_before)"
        price_log = f"CASE WHEN price_after > 0 AND price_before > 0 THEN {ratio} END"
        price_log = d.round_to(price_log, 4)
    segment = "COALESCE(segment, 'unknown')" if "segment" in roles else lit(ALL_SEGMENTS)
    # Grouping by text is the costly part of the pass: DuckDB groups by the segment's position
    # in the (few) segments the checking pass found, mapped back to the text below.
    names = facts.segments if d.duck and "segment" in roles else None
    if names is not None and 0 < len(names) <= _SEGMENT_CODES:
        cases = " ".join(f"WHEN {lit(v)} THEN {i}" for i, v in enumerate(names))
        segment = f"CASE {segment} {cases} END"
    else:
        names = None

    def segments(frame: pd.DataFrame) -> np.ndarray:
        if names is None:
            return frame["segment"].astype(str).to_numpy()
        return np.asarray(names, dtype=object)[frame["segment"].to_numpy(dtype=np.int64)]

    # One grouping pass over the kept customers, by the values that decide their counts: the
    # whole months, exposure and referral flags are worked out on the (few) groups below.
    level1 = {
        "segment": segment,
        "churned": churned,
        "tenure": tenure,
        "satisfaction": rounded("satisfaction"),
        "contacts": rounded("contacts"),
        "price_change_log": price_log,
        **extra,
        "channel": "channel" if "channel" in roles and dated else "CAST(NULL AS TEXT)",
    }
    keys = ", ".join(level1)
    if dated:
        # Two groupings in one pass: by what decides the counts, and by what decides the flows
        # (grouping by both at once would make nearly one group per customer).
        by = (
            "GROUPING SETS ((segment, churned, tenure, satisfaction, contacts, "
            "price_change_log), (segment, start_month, end_month, channel))"
        )
        flag = "GROUPING(start_month)"
    else:
        by, flag = keys, "1"
    both = session.groups(
        f"SELECT {keys}, {flag} AS for_counts, count(*) AS customers, "
        f"COALESCE(sum(revenue), 0.0) AS revenue_sum, count(revenue) AS revenue_customers FROM "
        f"(SELECT {', '.join(f'{e} AS {k}' for k, e in level1.items())}, "
        f"{'revenue' if 'revenue' in roles else null} AS revenue FROM {inner}{fence(d)}) AS r "
        f"GROUP BY {by}"
    )
    for_counts = both["for_counts"].to_numpy(dtype=np.int64) == 1
    groups = both[for_counts].reset_index(drop=True)
    flow_groups = both[~for_counts].reset_index(drop=True)
    n = groups["customers"].to_numpy(dtype=np.int64)
    raw_tenure = groups["tenure"].to_numpy(dtype=float)
    if left_truncated_at == "auto":
        shortest = float(raw_tenure.min()) if len(raw_tenure) else 0.0
        entry_at = shortest - 1.0 if not dated and shortest > 1.0 else 0.0
    else:
        entry_at = float(left_truncated_at or 0.0)
    tenure_clip = np.clip(raw_tenure, 0.0, None)
    entry_raw = np.minimum(entry_at, tenure_clip)
    churned_flags = groups["churned"].to_numpy(dtype=bool)
    months, entry = whole_months(tenure_clip, entry_raw, churned_flags)
    frame = pd.DataFrame(
        {
            "segment": segments(groups),
            "months": months,
            "entry": entry,
            "churned": churned_flags,
            **{c: groups[c].to_numpy(dtype=float) for c in COUNT_KEYS[4:]},
            "customers": n,
            "exposure_months": n * (tenure_clip - entry_raw),
            "revenue_sum": groups["revenue_sum"].to_numpy(dtype=float),
            "revenue_customers": groups["revenue_customers"].to_numpy(dtype=np.int64),
        }
    )
    counts = (
        frame.groupby(list(COUNT_KEYS), dropna=False, sort=True)
        .sum()
        .reset_index()
        .loc[:, list(COUNT_COLUMNS)]
    )
    as_of_month = None
    if dated and len(counts):
        channel = flow_groups["channel"]
        referred = (
            channel.astype("string").str.contains(REFERRAL_PATTERN, case=False, regex=True)
            if "channel" in roles
            else pd.Series(np.nan, index=flow_groups.index)
        )
        flows = (
            pd.DataFrame(
                {
                    "segment": segments(flow_groups),
                    "start_month": flow_groups["start_month"].to_numpy(dtype=np.int64),
                    "end_month": flow_groups["end_month"].to_numpy(dtype=float),
                    "referred": referred.astype(float).to_numpy(),
                    "customers": flow_groups["customers"].to_numpy(dtype=np.int64),
                }
            )
            .groupby(list(FLOW_COLUMNS[:-1]), dropna=False, sort=True)
            .sum()
            .reset_index()
        )
        as_of_month = facts.as_of.year * 12 + facts.as_of.month - 1
    else:
        flows = no_flows()
    return CustomerCounts(counts=counts, flows=flows, as_of_month=as_of_month)
