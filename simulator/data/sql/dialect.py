"""The SQL both engines run: how DuckDB and PostgreSQL spell it, and the expressions that read
text cells as numbers and dates.

Quoting (:func:`ident`, :func:`lit`), the few spellings that differ (:class:`Dialect`), the kind
of a column as each engine types it (:func:`kind_duckdb`, :data:`PG_KINDS`), the regular
expressions that mirror :func:`simulator.data.mapping.to_number` and
:func:`simulator.data.mapping.to_date` (:data:`NUMBER`, :data:`DECIMAL_COMMA`,
:data:`NUMBER_JUNK`, :data:`DATE_FORMATS`) and the date keys ``y * 10000 + m * 100 + d`` built
from them (:func:`key_select`, :func:`native_date_key`, :func:`days_in`).
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "DATE_FORMATS",
    "DECIMAL_COMMA",
    "INF",
    "NUMBER",
    "NUMBER_JUNK",
    "PG_KINDS",
    "DateFormat",
    "Dialect",
    "Kind",
    "as_text",
    "days_in",
    "fence",
    "ident",
    "key_select",
    "kind_duckdb",
    "lit",
    "native_date_key",
]

Kind = Literal["text", "number", "float", "bool", "date"]
"""How a column is read: text, whole numbers, floats, booleans or dates."""

_WHITESPACE = " \t\n\r\x0b\x0c\xa0"
NUMBER = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"
DECIMAL_COMMA = r"^-?[0-9]+,[0-9]+$|^-?[0-9]+$"
NUMBER_JUNK = "[\\s$€£'\u00a0]"
_TIME = r"(?:[T ][0-9]{1,2}(?::[0-9]{2}(?::[0-9]{2}(?:[.][0-9]+)?)?)?)?$"
# Each format is a few spellings: (pattern without capturing groups, how to split the text into
# year, month and day), in simulator.data.mapping.to_date's order; ISO has three spellings.
# Splitting with split_part/substring instead of capturing groups keeps PostgreSQL's regex engine
# fast.
_Split = tuple[str, tuple[int, int, int]] | tuple[None, tuple[tuple[int, int], ...]]
DateFormat = tuple[tuple[str, _Split], ...]
DATE_FORMATS: tuple[DateFormat, ...] = (
    (
        (r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}" + _TIME, ("-", (1, 2, 3))),
        (r"^[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}" + _TIME, ("/", (1, 2, 3))),
        (r"^[0-9]{8}$", (None, ((1, 4), (5, 2), (7, 2)))),
    ),
    ((r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$", ("/", (3, 2, 1))),),
    ((r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$", ("/", (3, 1, 2))),),
    ((r"^[0-9]{1,2}[.][0-9]{1,2}[.][0-9]{4}$", (".", (3, 2, 1))),),
    ((r"^[0-9]{8}$", (None, ((1, 4), (5, 2), (7, 2)))),),
    ((r"^[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}$", ("-", (3, 2, 1))),),
)

INF = "CAST('Infinity' AS DOUBLE PRECISION)"


def ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def lit(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


class Dialect:
    """The few SQL spellings that differ between DuckDB and PostgreSQL."""

    def __init__(self, name: Literal["duckdb", "postgresql"]) -> None:
        self.name = name

    @property
    def duck(self) -> bool:
        return self.name == "duckdb"

    def text(self, x: str) -> str:
        return f"CAST({x} AS VARCHAR)" if self.duck else f"CAST({x} AS TEXT)"

    def double(self, x: str) -> str:
        return f"CAST({x} AS DOUBLE PRECISION)"

    def strip(self, x: str) -> str:
        if self.duck:
            return f"trim({x})"  # spaces only: trim with a character list is 3x slower
        chars = " || ".join(f"chr({ord(c)})" for c in _WHITESPACE)
        return f"btrim({x}, {chars})"

    def test(self, x: str, pattern: str) -> str:
        """x matches the regular expression (a partial match unless anchored)."""
        return f"regexp_matches({x}, {lit(pattern)})" if self.duck else f"({x} ~ {lit(pattern)})"

    def itest(self, x: str, pattern: str) -> str:
        """Case-insensitive :meth:`test`."""
        if self.duck:
            return f"regexp_matches({x}, {lit(pattern)}, 'i')"
        return f"({x} ~* {lit(pattern.replace(chr(92) + 'b', chr(92) + 'y'))})"

    def group(self, x: str, pattern: str, group: int) -> str:
        if self.duck:
            return f"regexp_extract({x}, {lit(pattern)}, {group})"
        return f"(regexp_match({x}, {lit(pattern)}))[{group}]"

    def replace_all(self, x: str, pattern: str, by: str) -> str:
        return f"regexp_replace({x}, {lit(pattern)}, {lit(by)}, 'g')"

    def idiv(self, a: str, b: int) -> str:
        return f"(({a}) // {b})" if self.duck else f"div({a}, {b})"

    def collate_c(self, x: str) -> str:
        return x if self.duck else f'{x} COLLATE "C"'

    def rint(self, x: str) -> str:
        """Round half to even (numpy's rint), portably: PostgreSQL rounds half away from 0."""
        f = f"floor({x})"
        return (
            f"(CASE WHEN ({x}) - {f} > 0.5 THEN {f} + 1 WHEN ({x}) - {f} < 0.5 THEN {f} "
            f"ELSE {f} + ({f} - 2 * floor({f} / 2)) END)"
        )

    def round_to(self, x: str, decimals: int) -> str:
        """numpy's ``np.round(x, decimals)``: rint(x * 10**d) / 10**d."""
        scale = f"{10**decimals}.0"
        return f"({self.rint(f'({x}) * {scale}')} / {scale})"


def kind_duckdb(type_name: str) -> Kind:
    """The kind of a column DuckDB types as ``type_name``."""
    t = type_name.upper()
    if t in ("FLOAT", "DOUBLE", "REAL") or t.startswith("DECIMAL"):
        return "float"
    if t in (
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
    ):
        return "number"
    if t == "BOOLEAN":
        return "bool"
    if t == "DATE" or t.startswith("TIMESTAMP"):
        return "date"
    return "text"


# PostgreSQL type OIDs (psycopg cursor.description type_code).
PG_KINDS: dict[int, Kind] = {
    16: "bool",
    20: "number",
    21: "number",
    23: "number",
    700: "float",
    701: "float",
    1700: "float",
    1082: "date",
    1114: "date",
    1184: "date",
}


def as_text(d: Dialect, x: str, kind: Kind) -> str:
    """A value as pandas' ``astype("string")`` spells it (booleans as True/False)."""
    if kind == "text":
        return x
    if kind == "bool":
        return f"CASE WHEN {x} THEN 'True' WHEN NOT {x} THEN 'False' END"
    return d.text(x)


def fence(d: Dialect) -> str:
    """What ends a subquery whose expressions must be computed once per row: PostgreSQL
    flattens subqueries, copying their expressions, and OFFSET 0 stops it."""
    return "" if d.duck else " OFFSET 0"


def key_select(
    d: Dialect, inner: str, texts: dict[str, str], fmt: DateFormat, keep: str, name: str = "k_"
) -> str:
    """SELECT of ``keep`` plus date keys of text columns in one format.

    The keys are named ``k_<role>``, or ``<name>`` when ``name`` is not ``"k_"`` (one column).
    """
    parts = []
    for role, text in texts.items():
        spelling = " ".join(
            f"WHEN {d.test(text, pattern)} THEN {i}" for i, (pattern, _) in enumerate(fmt)
        )
        parts.append(f"{text} AS t_{role}, CASE {spelling} END AS sp_{role}")
    level1 = f"SELECT {keep}, {', '.join(parts)} FROM {inner}{fence(d)}"
    comps = []
    for role in texts:
        t = f"t_{role}"
        for j, part in enumerate(("y", "m", "d")):
            cases = []
            for i, (_, (sep, where)) in enumerate(fmt):
                if sep is None:
                    start, length = where[j]
                    piece = f"substring({t}, {start}, {length})"
                else:
                    piece = f"split_part({t}, {lit(sep)}, {where[j]})"
                    if where[j] == 3 and sep in "-/":  # ISO: the day may be followed by a time
                        piece = f"split_part(split_part({piece}, ' ', 1), 'T', 1)"
                cases.append(f"WHEN {i} THEN {piece}")
            comps.append(f"CAST(CASE sp_{role} {' '.join(cases)} END AS INTEGER) AS {part}_{role}")
    level2 = f"SELECT {keep}, {', '.join(comps)} FROM ({level1}) AS l1{fence(d)}"
    keys = []
    for role in texts:
        out = f"k_{role}" if name == "k_" else name
        y, m, day = f"y_{role}", f"m_{role}", f"d_{role}"
        keys.append(
            f"CASE WHEN {y} >= 1 AND {m} BETWEEN 1 AND 12 AND {day} >= 1 "
            f"AND {day} <= {days_in(y, m)} THEN {y} * 10000 + {m} * 100 + {day} END AS {out}"
        )
    return f"SELECT {keep}, {', '.join(keys)} FROM ({level2}) AS l2{fence(d)}"


def days_in(y: str, m: str) -> str:
    """The number of days in month ``m`` of year ``y`` (SQL integer expressions)."""
    leap = f"({y} % 4 = 0 AND ({y} % 100 <> 0 OR {y} % 400 = 0))"
    return (
        f"(CASE WHEN {m} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
        f"WHEN {m} IN (4, 6, 9, 11) THEN 30 ELSE 31 END)"
    )


def native_date_key(x: str) -> str:
    """The date key ``y * 10000 + m * 100 + d`` of a date or timestamp expression ``x``."""
    parts = [f"CAST(extract({p} FROM {x}) AS INTEGER)" for p in ("year", "month", "day")]
    return f"({parts[0]} * 10000 + {parts[1]} * 100 + {parts[2]})"
