"""The two engines: an in-memory DuckDB connection, and a session over a source opened in it or
in a database through SQLAlchemy.

A :class:`Session` is what the checks and counts query: the source's columns and their kinds,
the FROM clause that reads them, and how to run a query (:class:`DuckSession`,
:class:`SqlSession`). DuckDB and SQLAlchemy are imported when a connection is made, not with
this module.
"""

from __future__ import annotations

import abc
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd

from simulator.data.sql.dialect import Dialect, Kind, lit

__all__ = [
    "MEMORY_LIMIT",
    "THREADS",
    "DuckSession",
    "Session",
    "SqlSession",
    "duckdb_connection",
    "escape_colons",
    "first_line",
]

MEMORY_LIMIT = "1GB"
"""DuckDB's memory limit; beyond it DuckDB spills to a temporary directory."""

THREADS = 2
"""DuckDB worker threads (and the threads that prepare a CSV file's columns for it)."""


def first_line(exc: BaseException) -> str:
    """The first line of an engine's error message (its type when it has none)."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@contextmanager
def duckdb_connection() -> Iterator:
    """A new in-memory DuckDB connection (:data:`THREADS`, :data:`MEMORY_LIMIT`, spilling to a
    temporary directory removed with it), closed at the end."""
    import duckdb

    with tempfile.TemporaryDirectory(prefix="simulator-duckdb-") as tmp:
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"SET threads={THREADS}")
            con.execute(f"SET memory_limit={lit(MEMORY_LIMIT)}")
            con.execute(f"SET temp_directory={lit(tmp)}")
            yield con
        finally:
            con.close()


class Session(abc.ABC):
    """A source opened for a few queries: its columns and kinds, and how to query it."""

    dialect: Dialect
    name: str
    columns: dict[str, str]  # column name as the mapping names it (stripped) -> SQL expression
    kinds: dict[str, Kind]
    relation: str  # FROM clause with _row (0-based position or NULL) and the columns
    has_rows: bool
    strip_text: bool = False  # text cells need stripping (CSV: read_table strips every cell)
    stripped: bool = False  # ... and the text columns were stripped once, when read
    date_keys: dict[str, str] = {}  # column -> its date keys (y * 10000 + m * 100 + d), if read

    typed: str  # FROM clause of the typed relation (see Plan)

    @abc.abstractmethod
    def fetch(self, sql: str) -> list[tuple]:
        """The rows ``sql`` returns."""

    @abc.abstractmethod
    def frame(self, sql: str) -> pd.DataFrame:
        """What ``sql`` returns, as a DataFrame."""

    def groups(self, sql: str) -> pd.DataFrame:
        """What a grouping ``sql`` returns, as a DataFrame of NumPy columns (NULL as NaN or
        None): what :mod:`simulator.data.sql.counting` reads."""
        return self.frame(sql)


class DuckSession(Session):
    """A source registered on a DuckDB connection ``con`` (a file, a DataFrame)."""

    def __init__(self, con, name: str) -> None:
        self.con = con
        self.dialect = Dialect("duckdb")
        self.name = name
        self.has_rows = True

    def fetch(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def frame(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def groups(self, sql: str) -> pd.DataFrame:
        # NumPy arrays convert faster than .df()'s nullable pandas columns.
        columns = self.con.execute(sql).fetchnumpy()
        return pd.DataFrame({k: _unmasked(v) for k, v in columns.items()}, copy=False)


def _unmasked(values: np.ndarray) -> np.ndarray:
    """A column of DuckDB's ``fetchnumpy`` with its NULLs (masked) as NaN (numbers, booleans)
    or None (text)."""
    data = np.ma.getdata(values)
    if not np.ma.is_masked(values):
        return data
    out = data.astype(float if data.dtype.kind in "biuf" else object)
    out[np.ma.getmaskarray(values)] = np.nan if out.dtype == float else None
    return out


class SqlSession(Session):
    """A table or query of a database, on an open SQLAlchemy connection ``conn``."""

    def __init__(self, conn, name: str) -> None:
        self.conn = conn
        self.dialect = Dialect("postgresql")
        self.name = name
        self.has_rows = False

    def fetch(self, sql: str) -> list[tuple]:
        import sqlalchemy

        return [tuple(r) for r in self.conn.execute(sqlalchemy.text(escape_colons(sql)))]

    def frame(self, sql: str) -> pd.DataFrame:
        import sqlalchemy

        result = self.conn.execute(sqlalchemy.text(escape_colons(sql)))
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def escape_colons(sql: str) -> str:
    """``sql`` for ``sqlalchemy.text``, which reads ":name" as a bind parameter: every value
    here is a literal."""
    return re.sub(r"(?<!:):(?=[A-Za-z_])", r"\\:", sql)
