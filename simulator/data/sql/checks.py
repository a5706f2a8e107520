"""Validation in SQL: every problem :func:`simulator.data.records.validate` finds, with the same
column, message, fix and severity, for a source of any size.

:func:`run_checks` plans the typed relation (:func:`simulator.data.sql.plan.build_plan`), counts
every cell check in one pass by segment (a second plan when DuckDB's casts cannot read a
column), looks for duplicate ids (hashes first), and fetches row numbers only for the checks that
found something. It also returns the :class:`Facts` counting needs (the as-of date, the
segments), so that :mod:`simulator.data.sql.counting` need not read the source again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

from simulator.data.mapping import ColumnMapping
from simulator.data.records import (
    DATE_RANGE,
    MAX_TENURE_MONTHS,
    MIN_SEGMENT_CUSTOMERS,
    duplicate_ids_fix,
    mapping_problems,
)
from simulator.data.sql.dialect import INF, fence, lit
from simulator.data.sql.plan import Plan, build_plan, churned_sql, column_kinds
from simulator.data.sql.sessions import DuckSession, Session
from simulator.data.sql.sources import Source, open_source, source_name
from simulator.data.tables import MAX_ROWS_SHOWN, Problem

__all__ = ["Facts", "check_source", "run_checks"]


@dataclass
class Facts:
    """What the checking pass learnt that counting needs."""

    as_of: datetime.date | None = None
    as_of_key: int | None = None
    shortest: float | None = None  # shortest tenure (snapshot, in the tenure column's unit)
    segments: tuple[str, ...] | None = None  # every COALESCE(segment, 'unknown') of the rows
    whole: frozenset[str] = frozenset()  # roles of whole numbers that rounding leaves as they are


_WHOLE_UNROUNDED = 2**40
"""Whole numbers up to this size are left as they are by rounding to 2 decimals (``x * 100``
is exact, and so is dividing it back)."""


def _date_of(key: int) -> datetime.date:
    return datetime.date(key // 10000, key // 100 % 100, key % 100)


_DATE_KEYS = tuple(d.year * 10000 + d.month * 100 + d.day for d in DATE_RANGE)
"""The date keys of :data:`simulator.data.records.DATE_RANGE`: dates outside are errors."""


def check_source(
    source: Source,
    mapping: ColumnMapping,
    *,
    as_of: datetime.date | None = None,
    name: str | None = None,
) -> list[Problem]:
    """Every problem that stops or weakens calibration, computed in SQL (as records.validate).

    Parameters
    ----------
    source
        A CSV or Parquet file path, a DataFrame or a
        :class:`simulator.data.sql.sources.SqlSource`.
    mapping
        The column mapping (column names as the source spells them, stripped of spaces).
    as_of
        Observation date of a dated table; default the latest start or end date.
    name
        Name in error messages (default :func:`simulator.data.sql.sources.source_name`).

    Returns
    -------
    list[Problem]
        As :func:`simulator.data.records.validate` gives for the same rows (``rows`` empty for a
        database source).

    Raises
    ------
    DataError
        The source cannot be read at all (missing file, bad URL, table or query).
    """
    name = name or source_name(source)
    with open_source(source, name, column_kinds(mapping)) as (session, all_columns):
        return run_checks(session, all_columns, mapping, as_of)[0]


def _conditions(mapping: ColumnMapping, plan: Plan, as_of_key: int | None) -> dict[str, str]:
    """Name -> SQL condition (on the typed relation) of every cell check.

    ``as_of_key`` None means the default as-of date, the latest date, which no date exceeds.
    """
    roles = plan.roles
    c: dict[str, str] = {"total": "TRUE"}
    if "id" in roles:
        c["id_missing"] = "id IS NULL"
    churn_flag = checked = None
    if "churned" in roles:
        known = set(mapping.churned_values) | set(mapping.active_values)
        in_known = f"flag IN ({', '.join(map(lit, sorted(known)))})" if known else "FALSE"
        unknown = f"(flag IS NOT NULL AND NOT ({in_known}))"
        c["flag_missing"] = "flag IS NULL"
        c["flag_unknown"] = unknown
        churn_flag = churned_sql(mapping)
        checked = f"(flag IS NOT NULL AND NOT {unknown})"
    if "tenure" in roles and mapping.kind == "snapshot":
        c["tenure_nan"] = "NOT tenure_null AND tenure IS NULL"
        c["tenure_missing"] = "tenure_null"
        c["tenure_negative"] = "tenure < 0"
        scale = 12.0 if mapping.tenure_unit == "years" else 1.0
        c["tenure_huge"] = f"(abs(tenure) = {INF} OR tenure * {scale} > {MAX_TENURE_MONTHS})"
    if mapping.kind == "dated" and "start" in roles:
        lo, hi = _DATE_KEYS
        c["start_bad"] = "start_key IS NULL"
        c["start_far"] = f"(start_key < {lo} OR start_key > {hi})"
        if "end" in roles:
            c["end_bad"] = "NOT end_null AND end_key IS NULL"
            c["end_far"] = f"(end_key < {lo} OR end_key > {hi})"
            c["end_before"] = "end_key < start_key"
        if as_of_key is not None:
            c["start_later"] = f"start_key > {as_of_key}"
        if "churned" not in roles:
            end = "end_key" if "end" in roles else "CAST(NULL AS INTEGER)"
            if as_of_key is None:
                churn_flag = f"{end} IS NOT NULL"
                checked = "start_key IS NOT NULL"
            else:
                churn_flag = f"COALESCE({end} <= {as_of_key}, FALSE)"
                checked = (
                    f"(start_key IS NOT NULL AND NOT COALESCE(start_key > {as_of_key}, FALSE))"
                )
    if churn_flag is not None:
        c["checked"] = checked
        c["checked_churned"] = f"{checked} AND {churn_flag}"
    for role in ("revenue", "satisfaction", "contacts", "price_before", "price_after"):
        if role in roles:
            c[f"{role}_nan"] = f"NOT {role}_null AND {role} IS NULL"
            if role == "revenue":
                c["revenue_negative"] = "revenue < 0"
            c[f"{role}_infinite"] = f"abs({role}) = {INF}"
            if role.startswith("price"):
                c[f"{role}_nonpositive"] = f"{role} <= 0"
    for role in plan.fast:
        if role in ("start", "end"):
            c[f"fast_{role}"] = f"NOT {role}_null AND {role}_key IS NULL"
        else:
            c[f"fast_{role}"] = f"NOT {role}_null AND {role} IS NULL"
    return c


def run_checks(
    session: Session, all_columns: list[str], mapping: ColumnMapping, as_of
) -> tuple[list[Problem], Plan | None, Facts]:
    """All problems (as records.validate), the typed relation and the facts counting needs."""
    d = session.dialect
    problems = mapping_problems(all_columns, mapping)
    facts = Facts()
    if any(p.message.endswith("is not in the file") for p in problems):
        return problems, None, facts
    as_of_key = None if as_of is None else as_of.year * 10000 + as_of.month * 100 + as_of.day
    slow: frozenset[str] = frozenset()
    while True:  # at most twice: columns DuckDB's casts cannot read go the regex way
        plan = build_plan(session, mapping, slow)
        session.typed = f"({plan.typed}{fence(d)}) AS typed"
        where = _conditions(mapping, plan, as_of_key)
        extra = {}
        roles = plan.roles
        for role in ("start", "end"):
            if role in roles and mapping.kind == "dated":
                # Dates outside DATE_RANGE are errors and do not set the as-of date.
                lo, hi = _DATE_KEYS
                extra[f"max_{role}"] = (
                    f"max(CASE WHEN {role}_key BETWEEN {lo} AND {hi} THEN {role}_key END)"
                )
        if "tenure" in roles and mapping.kind == "snapshot":
            extra["shortest"] = "min(tenure)"
        for role in ("satisfaction", "contacts"):
            if role in roles and session.kinds[getattr(mapping, role)] == "number":
                extra[f"whole_{role}"] = f"max(abs({role}))"
        # One pass, by segment (few groups): the checks' counts and the segments' sizes.
        sums = [f"sum(CASE WHEN {c} THEN 1 ELSE 0 END)" for c in where.values()]
        seg = "COALESCE(segment, 'unknown')" if "segment" in roles else "NULL"
        by_segment = session.fetch(
            f"SELECT {', '.join([seg, 'count(*)', 'min(_row)'] + sums + list(extra.values()))} "
            f"FROM {session.typed} GROUP BY {seg}"
        )
        found = {n: sum(int(r[3 + i] or 0) for r in by_segment) for i, n in enumerate(where)}
        got = {}
        for i, n in enumerate(extra, start=3 + len(where)):
            values = [r[i] for r in by_segment if r[i] is not None]
            got[n] = (min if n == "shortest" else max)(values) if values else None
        small = (
            [(r[0], int(r[1]), r[2]) for r in by_segment if r[1] < MIN_SEGMENT_CUSTOMERS]
            if "segment" in roles
            else []
        )
        failed = frozenset(r for r in plan.fast if found.get(f"fast_{r}"))
        if not failed:
            break
        slow = slow | failed
    facts.shortest = None if got.get("shortest") is None else float(got["shortest"])
    facts.whole = frozenset(
        n.removeprefix("whole_")
        for n, v in got.items()
        if n.startswith("whole_") and (v is None or v <= _WHOLE_UNROUNDED)
    )
    if "segment" in roles:
        facts.segments = tuple(str(r[0]) for r in by_segment)
    if mapping.kind == "dated" and "start" in roles:
        latest = [v for k, v in got.items() if k.startswith("max_") and v is not None]
        if as_of is None and latest:
            as_of = _date_of(int(max(latest)))
        if as_of is not None:
            facts.as_of = as_of
            facts.as_of_key = as_of.year * 10000 + as_of.month * 100 + as_of.day
    groups = {"dups": _duplicates(session) if "id" in roles else [], "small": small}
    report = _report(session, mapping, plan, where, found, groups, facts)
    return problems + report, plan, facts


def _duplicates(session: Session) -> list[tuple]:
    """Duplicated ids: (id, rows)."""
    if isinstance(session, DuckSession):
        # Sorting 64-bit hashes is cheaper than grouping the ids (nearly all distinct): no equal
        # hashes, no duplicates; else the grouping finds them.
        hashes = np.asarray(
            session.con.execute(
                f"SELECT hash(id) AS h FROM {session.typed} WHERE id IS NOT NULL"
            ).fetchnumpy()["h"]
        )
        hashes.sort()
        if not (hashes[1:] == hashes[:-1]).any():
            return []
    return session.fetch(
        f"SELECT id, count(*) FROM {session.typed} WHERE id IS NOT NULL "
        "GROUP BY id HAVING count(*) > 1"
    )


def _report(session, mapping, plan, where, found, groups, facts) -> list[Problem]:
    """The problems of the checks that found something (row numbers fetched for those only)."""
    d = session.dialect
    rel = session.typed
    roles = plan.roles

    def rows(name: str) -> tuple[int, ...]:
        if not session.has_rows or not found.get(name):
            return ()
        hits = session.fetch(
            f"SELECT _row FROM {rel} WHERE {where[name]} ORDER BY _row LIMIT {MAX_ROWS_SHOWN}"
        )
        return tuple(int(r[0]) + 2 for r in hits)

    problems: list[Problem] = []

    def add(column, name_or_rows, message, fix, severity="error"):
        if isinstance(name_or_rows, str):
            if not found.get(name_or_rows):
                return
            name_or_rows = rows(name_or_rows)
        problems.append(Problem(column, name_or_rows, message, fix, severity))

    dups = groups["dups"]
    small = groups["small"]

    if "id" in roles:
        add(mapping.id, "id_missing", "customer id is empty", "Give every row a customer id")
        if dups:
            repeated = sum(int(r[1]) for r in dups)
            dup_rows: tuple[int, ...] = ()
            if session.has_rows:
                hits = session.fetch(
                    f"SELECT _row FROM {rel} WHERE id IN (SELECT id FROM {rel} WHERE id IS NOT "
                    f"NULL GROUP BY id HAVING count(*) > 1) ORDER BY _row LIMIT {MAX_ROWS_SHOWN}"
                )
                dup_rows = tuple(int(r[0]) + 2 for r in hits)
            add(
                mapping.id,
                dup_rows,
                f"customer id appears more than once ({repeated} rows)",
                duplicate_ids_fix(repeated, found["total"]),
            )
    if "churned" in roles:
        add(
            mapping.churned,
            "flag_missing",
            "churned flag is empty",
            "Fill in whether each customer churned",
        )
        if found.get("flag_unknown"):
            spellings = [
                r[0]
                for r in session.fetch(
                    f"SELECT DISTINCT {d.collate_c('flag')} AS v FROM {rel} "
                    f"WHERE {where['flag_unknown']} ORDER BY 1 LIMIT {MAX_ROWS_SHOWN}"
                )
            ]
            add(
                mapping.churned,
                "flag_unknown",
                f"churned flag values {spellings} are not mapped to churned or active",
                "Say which of these values means churned",
            )
    if "tenure" in roles and mapping.kind == "snapshot":
        add(mapping.tenure, "tenure_nan", "tenure is not a number", "Use numbers only, e.g. 12")
        add(mapping.tenure, "tenure_missing", "tenure is empty", "Fill in every customer's tenure")
        add(mapping.tenure, "tenure_negative", "tenure is negative", "Tenure must be 0 or more")
        add(
            mapping.tenure,
            "tenure_huge",
            f"tenure is infinite or above {MAX_TENURE_MONTHS} months (100 years)",
            "Check the tenure and its unit (months or years)",
        )
    if mapping.kind == "dated" and "start" in roles:
        add(
            mapping.start,
            "start_bad",
            "start date is empty or not a date",
            "Use dates like 2024-03-31 in every row",
        )
        if "end" in roles:
            add(
                mapping.end,
                "end_bad",
                "end date is not a date",
                "Use dates like 2024-03-31, or leave it empty while the customer is active",
            )
        for role in ("start", "end"):
            if not found.get(f"{role}_far"):
                continue
            order = " ORDER BY _row" if session.has_rows else ""
            key = int(
                session.fetch(
                    f"SELECT {role}_key FROM {rel} WHERE {where[f'{role}_far']}{order} LIMIT 1"
                )[0][0]
            )
            add(
                getattr(mapping, role),
                f"{role}_far",
                f"date outside {DATE_RANGE[0].year}-{DATE_RANGE[1].year} (e.g. "
                f"{key // 10000:04d}-{key // 100 % 100:02d}-{key % 100:02d})",
                "Use the real date; leave the end date empty while the customer is active",
            )
        if "end" in roles:
            add(mapping.end, "end_before", "end date is before start date", "Check both dates")
        if facts.as_of is not None and found.get("start_later") == found["total"]:
            add(
                mapping.start,
                (),
                f"no customer started on or before the as-of date {facts.as_of}",
                "Check the as-of date: it must come after the customers' start dates",
            )
        elif facts.as_of is not None:
            add(
                mapping.start,
                "start_later",
                f"start date after the as-of date {facts.as_of}; these customers are left out",
                "Check the dates or the as-of date",
                "warning",
            )
    if found.get("checked"):
        if found["checked_churned"] == 0:
            add(
                mapping.churned or mapping.end,
                (),
                "no customer churned, so churn cannot be estimated",
                "Include the customers who left (with their end date or churn flag)",
            )
        if found["checked_churned"] == found["checked"]:
            add(
                mapping.churned or mapping.end,
                (),
                "every customer churned: there are no active customers",
                "Include the customers who are still active",
            )
    for role in ("revenue", "satisfaction", "contacts", "price_before", "price_after"):
        column = getattr(mapping, role)
        if role not in roles:
            continue
        add(
            column,
            f"{role}_nan",
            f"{role} is not a number; these cells are treated as missing",
            "Use numbers only, e.g. 29.90",
            "warning",
        )
        if role == "revenue":
            add(column, "revenue_negative", "revenue is negative", "Revenue must be 0 or more")
        add(
            column,
            f"{role}_infinite",
            f"{role.replace('_', ' ')} is infinite",
            "Use a finite number, or leave the cell empty",
        )
        if role.startswith("price"):
            add(
                column,
                f"{role}_nonpositive",
                f"{role.replace('_', ' ')} is not above 0; these customers get no price change",
                "Prices must be above 0",
                "warning",
            )
    if "segment" in roles:
        small.sort(key=lambda r: (-r[1], r[2] if r[2] is not None else 0, r[0]))
        for segment, n, _ in small:
            add(
                mapping.segment,
                (),
                f"segment {str(segment)!r} has only {n} customers, too few to fit (< "
                f"{MIN_SEGMENT_CUSTOMERS})",
                "Merge it with a similar segment, or accept a pooled estimate",
                "warning",
            )
    return problems
