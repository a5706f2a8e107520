"""Query planning: the typed relation of a mapping's roles over an opened source.

:func:`build_plan` turns the mapped columns of a :class:`simulator.data.sql.sessions.Session`
into one SELECT with a typed column per role (numbers, date keys, stripped text), choosing how
each column is read: by the engine's own casts where they can (DuckDB), or by the regular
expressions of :mod:`simulator.data.sql.dialect`, after a profile query that picks each column's
decimal mark and date format. :func:`column_kinds` says how the roles read each column, which
lets a CSV file be read typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.data.mapping import ColumnMapping
from simulator.data.sql.dialect import (
    DATE_FORMATS,
    DECIMAL_COMMA,
    NUMBER,
    NUMBER_JUNK,
    Kind,
    as_text,
    fence,
    key_select,
    lit,
    native_date_key,
)
from simulator.data.sql.sessions import Session

__all__ = ["NUMERIC_ROLES", "Plan", "build_plan", "churned_sql", "column_kinds"]

NUMERIC_ROLES = ("tenure", "revenue", "satisfaction", "contacts", "price_before", "price_after")
"""The roles read as numbers."""


def column_kinds(mapping: ColumnMapping) -> dict[str, Kind]:
    """Mapped column -> how its roles read it: ``number``, ``date`` or ``text`` (any other)."""
    out: dict[str, Kind] = {}
    for role, column in mapping.columns().items():
        kind: Kind = (
            "number" if role in NUMERIC_ROLES else "date" if role in ("start", "end") else "text"
        )
        out[column] = kind if out.get(column, kind) == kind else "text"
    return out


@dataclass(frozen=True, kw_only=True)
class Plan:
    """The typed relation of the mapped roles (one row per source row), after profiling.

    ``typed`` is a SELECT with columns ``_row`` (0-based position or NULL), ``id`` (stripped
    text or the number), ``flag`` (normalised churn-flag text), ``<role>_null`` (the raw cell
    is missing) and ``<role>`` (DOUBLE, NULL when not a number) of the numeric roles,
    ``start``/``end`` (date keys ``y * 10000 + m * 100 + d``, NULL when not a date),
    ``segment`` and ``channel`` (text as pandas' ``astype("string")``).
    """

    roles: set[str]
    typed: str
    fast: frozenset[str]  # roles read by DuckDB's casts (re-read by regex where these fail)


def build_plan(
    session: Session, mapping: ColumnMapping, slow: frozenset[str] = frozenset()
) -> Plan:
    """Build the typed relation of the mapped roles.

    DuckDB reads text numbers and dates with its own casts (fast); the roles in ``slow``, and
    every text number or date in a database, are read by the regular expressions that mirror
    :func:`simulator.data.mapping.to_number` and :func:`simulator.data.mapping.to_date`, after a
    profile query that picks the decimal mark and the date format of each column.
    """
    d = session.dialect
    raw = {role: session.columns[col] for role, col in mapping.columns().items()}
    kinds = {role: session.kinds[col] for role, col in mapping.columns().items()}
    date_keys = {
        role: session.date_keys[col]
        for role, col in mapping.columns().items()
        if col in session.date_keys
    }
    for role, kind in kinds.items():
        if kind == "float":  # NaN is a missing value, as in pandas
            raw[role] = f"NULLIF({d.double(raw[role])}, CAST('NaN' AS DOUBLE PRECISION))"
        elif kind == "text" and session.strip_text and not session.stripped:
            raw[role] = d.strip(raw[role])

    def strip(x: str, kind: Kind) -> str:
        """``x`` (a cell of this kind, as text) stripped; text cells stripped when read are."""
        return x if kind == "text" and session.stripped else d.strip(as_text(d, x, kind))

    def regex_path(role: str) -> bool:
        return kinds[role] != "date" and (not d.duck or role in slow)

    def fast_path(role: str) -> bool:
        return kinds[role] == "text" and d.duck and role not in slow

    text_numbers = [
        r
        for r in NUMERIC_ROLES
        if r in raw and kinds[r] not in ("number", "float", "bool") and regex_path(r)
    ]
    date_texts = {r: f"dt_{r}" for r in ("start", "end") if r in raw and regex_path(r)}
    # Level 0: raw cells under role names, cleaned number text, date text.
    level0 = ["_row"] + [f"{expr} AS r_{role}" for role, expr in raw.items()]
    for role in text_numbers:
        text = strip(raw[role], kinds[role])
        level0.append(f"{d.replace_all(text, NUMBER_JUNK, '')} AS n_{role}")
    for role in date_texts:
        level0.append(f"{strip(raw[role], kinds[role])} AS dt_{role}")
    for role in ("start", "end"):
        if role in raw and kinds[role] == "date":
            key = date_keys.get(role) or native_date_key(raw[role])
            level0.append(f"{key} AS {role}_key")
        elif role in raw and fast_path(role):
            level0.append(f"try_cast({raw[role]} AS DATE) AS d_{role}")
    base = f"(SELECT {', '.join(level0)} FROM {session.relation}{fence(d)}) AS l0"

    comma: dict[str, bool] = {}
    chosen: dict[str, int] = {}
    if text_numbers or date_texts:
        test = "min(CASE WHEN n_{0} IS NULL OR {1} THEN 1 ELSE 0 END)"
        profile = [test.format(r, d.test(f"n_{r}", DECIMAL_COMMA)) for r in text_numbers]
        for role in date_texts:
            profile += [f"count(r_{role})", f"count(k_{role})"]
        with_keys = (
            f"({key_select(d, base, date_texts, DATE_FORMATS[0], '*')}) AS p"
            if date_texts
            else base
        )
        values = list(session.fetch(f"SELECT {', '.join(profile)} FROM {with_keys}")[0])
        comma = {r: values.pop(0) == 1 for r in text_numbers}
        for role in date_texts:
            present, parsed = values.pop(0), values.pop(0)
            chosen[role] = 0
            if parsed < present:  # not everywhere ISO: count the other formats
                best = parsed
                for i, fmt in enumerate(DATE_FORMATS[1:], start=1):
                    sql = key_select(d, base, {role: f"dt_{role}"}, fmt, "_row")
                    n = session.fetch(f"SELECT count(k_{role}) FROM ({sql}) AS p")[0][0]
                    if n > best:
                        best, chosen[role] = n, i

    cols = ["_row"]
    for role in NUMERIC_ROLES:
        if role not in raw:
            continue
        cols.append(f"r_{role} IS NULL AS {role}_null")
        if role in text_numbers:
            text = f"replace(n_{role}, ',', {lit('.' if comma[role] else '')})"
            cols.append(f"CASE WHEN {d.test(text, NUMBER)} THEN {d.double(text)} END AS {role}")
        elif fast_path(role):
            cols.append(f"try_cast(r_{role} AS DOUBLE) AS {role}")
        else:
            cols.append(f"{d.double(f'r_{role}')} AS {role}")
    if "churned" in raw:
        text = f"lower({strip('r_churned', kinds['churned'])})"
        cols.append(f"{d.replace_all(text, r'^([+-]?[0-9]+)[.]0+$', chr(92) + '1')} AS flag")
    if "id" in raw:
        cols.append(f"{strip('r_id', 'text') if kinds['id'] == 'text' else 'r_id'} AS id")
    for role in ("segment", "channel"):
        if role in raw:
            cols.append(f"{as_text(d, f'r_{role}', kinds[role])} AS {role}")
    if "end" in raw:
        cols.append("r_end IS NULL AS end_null")
    if "start" in raw:
        cols.append("r_start IS NULL AS start_null")
    for role in ("start", "end"):
        if role in raw and kinds[role] == "date":
            cols.append(f"{role}_key")
        elif role in raw and fast_path(role):
            parts = [f"{p}(d_{role})" for p in ("year", "month", "day")]
            cols.append(f"{parts[0]} * 10000 + {parts[1]} * 100 + {parts[2]} AS {role}_key")
    # Text dates by regular expressions: one nested key select per column, in its format.
    current = f"(SELECT {', '.join(cols + list(date_texts.values()))} FROM {base}{fence(d)}) AS c0"
    carried = [c.rsplit(" AS ", 1)[-1] for c in cols]
    for i, role in enumerate(date_texts):
        later = [f"dt_{r}" for r in list(date_texts)[i + 1 :]]
        fmt = DATE_FORMATS[chosen[role]]
        sql = key_select(
            d, current, {role: f"dt_{role}"}, fmt, ", ".join(carried + later), f"{role}_key"
        )
        current = f"({sql}) AS c{i + 1}"
        carried.append(f"{role}_key")
    typed = f"SELECT {', '.join(carried)} FROM {current}"
    fast = frozenset(
        r for r in raw if fast_path(r) and (r in NUMERIC_ROLES or r in ("start", "end"))
    )
    return Plan(roles=set(raw), typed=typed, fast=fast)


def churned_sql(mapping: ColumnMapping) -> str:
    """Churned by the flag (on the typed relation): a churned spelling, missing = False."""
    if not mapping.churned_values:
        return "FALSE"
    return f"COALESCE(flag IN ({', '.join(map(lit, mapping.churned_values))}), FALSE)"
