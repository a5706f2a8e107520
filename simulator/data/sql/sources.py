"""What can be counted in SQL (a CSV or Parquet file, a DataFrame, a database table or query),
opened as a :class:`simulator.data.sql.sessions.Session` of its columns, and its first rows.

:func:`open_source` opens a file or DataFrame in DuckDB (a CSV file read typed by pyarrow up to
:data:`FAST_CSV_BYTES`, streamed by DuckDB beyond) and a :class:`SqlSource` through SQLAlchemy
(:func:`open_sql`); :func:`sample_rows` reads the first rows, for the column mapping.
"""

from __future__ import annotations

import os
import pathlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.data.problems import fail
from simulator.data.sql.csv_files import (
    CsvDialect,
    check_quotes_closed,
    csv_reader,
    read_csv_arrow,
    read_head,
    sample_csv_arrow,
)
from simulator.data.sql.dialect import PG_KINDS, Kind, ident, kind_duckdb, lit
from simulator.data.sql.sessions import (
    DuckSession,
    Session,
    SqlSession,
    duckdb_connection,
    escape_colons,
    first_line,
)

__all__ = [
    "FAST_CSV_BYTES",
    "Files",
    "Source",
    "SqlSource",
    "first_rows",
    "is_parquet",
    "open_files",
    "open_source",
    "open_sql",
    "sample_rows",
    "source_name",
]


@dataclass(frozen=True, kw_only=True)
class SqlSource:
    """A customer table in a SQL database, read through SQLAlchemy.

    Attributes
    ----------
    url
        SQLAlchemy URL, e.g. ``postgresql+psycopg://user@/db?host=/run/postgresql``.
    table
        A table name (``schema.table`` is split at the dot; each part is quoted) ...
    query
        ... or a SELECT query whose rows are the customer table (exactly one of the two).
    """

    url: str
    table: str | None = None
    query: str | None = None

    def __post_init__(self) -> None:
        if (self.table is None) == (self.query is None):
            raise ValueError("SqlSource needs exactly one of table= and query=")

    def __str__(self) -> str:
        try:
            import sqlalchemy

            url = sqlalchemy.make_url(self.url).render_as_string(hide_password=True)
        except Exception:  # a malformed URL is reported when it is used
            url = "<database>"
        return f"{url} {self.table if self.table is not None else 'query'}"


Source = str | os.PathLike | pd.DataFrame | SqlSource
"""What can be counted in SQL: a CSV or Parquet file's path, a DataFrame, a database source."""


def source_name(source: Source) -> str:
    """The name used in messages: a file's name, ``table`` for a DataFrame, the database source."""
    if isinstance(source, SqlSource):
        return str(source)
    if isinstance(source, pd.DataFrame):
        return "table"
    return pathlib.Path(source).name


def is_parquet(path: pathlib.Path) -> bool:
    """True when ``path`` is named or starts as a Parquet file."""
    if path.suffix.lower() in (".parquet", ".pq"):
        return True
    with open(path, "rb") as f:
        return f.read(4) == b"PAR1"


class Files:
    """A DuckDB connection and the dialect of each CSV file read on it (:func:`read_head`),
    shared by the reads of one file that one call makes (its first rows, then its mapped
    columns)."""

    def __init__(self, con) -> None:
        self.con = con
        self._dialects: dict[pathlib.Path, CsvDialect] = {}

    def dialect(self, path: pathlib.Path, name: str) -> CsvDialect:
        """``path``'s dialect (:func:`read_head`, which refuses a file it cannot read), read
        on the first call."""
        if path not in self._dialects:
            self._dialects[path] = read_head(path, name)
        return self._dialects[path]


@contextmanager
def open_files(shared: Files | None) -> Iterator[Files]:
    """``shared``, or a new connection (closed at the end) when it is None."""
    if shared is not None:
        yield shared
        return
    with duckdb_connection() as con:
        yield Files(con)


FAST_CSV_BYTES = 512 * 2**20
"""CSV files up to this size are read whole, typed, by pyarrow (:func:`read_csv_arrow`);
larger ones are streamed by DuckDB (memory bounded), every cell as text."""


@contextmanager
def open_source(
    source: Source,
    name: str,
    wanted: set[str] | dict[str, Kind] | None,
    shared: Files | None = None,
) -> Iterator[tuple[Session, list[str]]]:
    """Open ``source``; ``wanted`` = columns to read (None: all; a dict: with how their roles
    read them, which lets a CSV file be read typed); ``shared``: the connection to use (default
    a new one). Yields (session, all columns)."""
    if isinstance(source, SqlSource):
        with open_sql(source, name, None if wanted is None else set(wanted)) as opened:
            yield opened
        return
    import duckdb

    with open_files(shared) as files:
        con = files.con
        session = DuckSession(con, name)
        try:
            con.execute("SET preserve_insertion_order=false")
            if isinstance(source, pd.DataFrame):
                all_columns = [str(c) for c in source.columns]
                keep = [c for c in source.columns if wanted is None or str(c) in wanted]
                frame = pd.DataFrame(
                    {f"c{i}": source[c] for i, c in enumerate(keep)}, copy=False
                ).reset_index(drop=True)
                frame.insert(0, "row_", np.arange(len(frame), dtype=np.int64))
                con.register("source_frame", frame)
                described = con.execute("DESCRIBE SELECT * FROM source_frame").fetchall()
                types = {str(r[0]): str(r[1]) for r in described}
                session.columns = {str(c): f"c{i}" for i, c in enumerate(keep)}
                session.kinds = {str(c): kind_duckdb(types[f"c{i}"]) for i, c in enumerate(keep)}
                cols = "".join(f", c{i}" for i in range(len(keep)))
                session.relation = f"(SELECT row_ AS _row{cols} FROM source_frame) AS s"
            else:
                path = pathlib.Path(source)
                if not path.is_file():
                    raise fail(name, "the file does not exist", "Check the file's path")
                if is_parquet(path):
                    reader = f"read_parquet({lit(str(path))}, file_row_number=true)"
                    described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
                    names = {str(r[0]).strip(): str(r[0]) for r in described}
                    names.pop("file_row_number", None)
                    types = {str(r[0]).strip(): str(r[1]) for r in described}
                    all_columns = list(names)
                    keep = [c for c in all_columns if wanted is None or c in wanted]
                    session.columns = {c: ident(names[c]) for c in keep}
                    session.kinds = {c: kind_duckdb(types[c]) for c in keep}
                    cols = ", ".join(f"{ident(names[c])}" for c in keep)
                    session.relation = (
                        f"(SELECT file_row_number AS _row{', ' if cols else ''}{cols} "
                        f"FROM {reader}) AS s"
                    )
                    con.execute("SET preserve_insertion_order=false")
                elif (
                    isinstance(wanted, dict)
                    and path.stat().st_size <= FAST_CSV_BYTES
                    and (dialect := files.dialect(path, name)) is not None
                    and (typed := read_csv_arrow(path, name, dialect, wanted)) is not None
                ):
                    table, all_columns, kinds = typed
                    con.register("source_arrow", table)
                    session.columns = {c: f"c{i}" for i, c in enumerate(kinds)}
                    session.kinds = kinds
                    session.strip_text = session.stripped = True
                    session.date_keys = {
                        c: f"k{i}" for i, c in enumerate(kinds) if kinds[c] == "date"
                    }
                    cols = "".join(f", c{i}" for i in range(len(kinds)))
                    cols += "".join(f", {k}" for k in session.date_keys.values())
                    session.relation = f"(SELECT row_ AS _row{cols} FROM source_arrow) AS s"
                else:
                    dialect = files.dialect(path, name)
                    check_quotes_closed(path, name, dialect.quote)
                    reader = csv_reader(path, dialect)
                    described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
                    names = {str(r[0]).strip(): str(r[0]) for r in described}
                    all_columns = list(names)
                    keep = [c for c in all_columns if wanted is None or c in wanted]
                    session.columns = {c: ident(names[c]) for c in keep}
                    session.kinds = dict.fromkeys(keep, "text")
                    session.strip_text = True
                    cols = "".join(f", {ident(names[c])}" for c in keep)
                    session.relation = (
                        f"(SELECT ordinality - 1 AS _row{cols} FROM {reader} WITH ORDINALITY) AS s"
                    )
        except duckdb.Error as exc:
            said = re.sub(r"^[A-Za-z ]*Error: ", "", first_line(exc))  # DuckDB's error class
            if not isinstance(source, pd.DataFrame):
                said = said.replace(f'"{source}"', name).replace(f"'{source}'", name)
                if is_parquet(pathlib.Path(source)):
                    raise fail(
                        name,
                        f"this is not a readable Parquet file ({said})",
                        "Export the table again as Parquet, or upload it as CSV",
                    ) from exc
            raise fail(
                name,
                f"the file cannot be read as a table ({said})",
                "Check that it is a CSV (with a header row) or Parquet file",
            ) from exc
        yield session, all_columns


@contextmanager
def open_sql(
    source: SqlSource, name: str, wanted: set[str] | None
) -> Iterator[tuple[Session, list[str]]]:
    """Open a database source (PostgreSQL only) through SQLAlchemy; ``wanted`` = columns to
    read (None: all). Yields (session, all columns); errors of the URL, the connection, the
    table or query and the queries run on it become
    :class:`simulator.data.tables.DataError` naming the source."""
    import sqlalchemy

    fix = "Check the connection URL, the table name or the query"
    try:
        engine = sqlalchemy.create_engine(source.url, poolclass=sqlalchemy.pool.NullPool)
    except Exception as exc:  # bad URL, unknown dialect, missing driver
        raise fail(name, f"cannot use the database URL ({first_line(exc)})", fix) from exc
    if engine.dialect.name != "postgresql":
        engine.dispose()
        raise fail(
            name,
            f"databases of kind {engine.dialect.name!r} are not supported",
            "Use a PostgreSQL URL (postgresql+psycopg://...), or export the table as Parquet",
        )
    if source.table is not None:
        inner = ".".join(ident(p) for p in source.table.split("."))
    else:
        inner = f"({source.query.strip().rstrip(';')}) AS q"
    try:
        with engine.connect() as conn:
            session = SqlSession(conn, name)
            try:
                result = conn.execute(
                    sqlalchemy.text(escape_colons(f"SELECT * FROM {inner} LIMIT 0"))
                )
                description = result.cursor.description
                result.close()
            except sqlalchemy.exc.SQLAlchemyError as exc:
                raise fail(
                    name, f"cannot read the table or query ({first_line(exc.orig or exc)})", fix
                ) from exc
            all_columns = [str(col.name) for col in description]
            kinds = {str(col.name): PG_KINDS.get(col.type_code, "text") for col in description}
            keep = [c for c in all_columns if wanted is None or c in wanted]
            session.columns = {c: ident(c) for c in keep}
            session.kinds = {c: kinds[c] for c in keep}
            cols = ", ".join(ident(c) for c in keep)
            session.relation = (
                f"(SELECT CAST(NULL AS BIGINT) AS _row{', ' if cols else ''}{cols} "
                f"FROM {inner}) AS s"
            )
            try:
                yield session, all_columns
            except sqlalchemy.exc.SQLAlchemyError as exc:
                raise fail(
                    name, f"the database could not run the query ({first_line(exc.orig)})", fix
                ) from exc
    except sqlalchemy.exc.SQLAlchemyError as exc:  # connecting
        raise fail(
            name, f"cannot connect to the database ({first_line(exc.orig or exc)})", fix
        ) from exc
    finally:
        engine.dispose()


def sample_rows(source: Source, *, rows: int = 10_000, name: str | None = None) -> pd.DataFrame:
    """The first rows of a source as a DataFrame, for
    :func:`simulator.data.mapping.propose_mapping`.

    Parameters
    ----------
    source
        A CSV or Parquet path, a DataFrame or a :class:`SqlSource`.
    rows
        How many rows (at most).
    name
        Name in error messages (default :func:`source_name`).

    Returns
    -------
    pd.DataFrame
        CSV cells as text (stripped, read_table's missing spellings as missing), Parquet and
        database columns with their types.

    Raises
    ------
    DataError
        The source cannot be read.
    """
    name = name or source_name(source)
    if isinstance(source, pd.DataFrame):
        return source.head(rows)
    if isinstance(source, SqlSource):
        return first_rows(source, rows, name, None)
    with open_files(None) as files:
        return first_rows(source, rows, name, files)


def first_rows(source: Source, rows: int, name: str, files: Files | None) -> pd.DataFrame:
    """:func:`sample_rows` of a file (``files`` its connection) or a database (None)."""
    if files is not None and (path := pathlib.Path(source)).is_file() and not is_parquet(path):
        table = sample_csv_arrow(path, name, files.dialect(path, name), rows)
        if table is not None:
            return table
    with open_source(source, name, None, files) as (session, _):
        d = session.dialect
        cols = ", ".join(
            f"{d.strip(expr) if session.strip_text else expr} AS {ident(c)}"
            for c, expr in session.columns.items()
        )
        if d.duck:  # the first rows, without sorting the whole file
            session.fetch("SET preserve_insertion_order=true")
            table = session.frame(f"SELECT {cols} FROM {session.relation} LIMIT {int(rows)}")
        else:
            table = session.frame(f"SELECT {cols} FROM {session.relation} LIMIT {int(rows)}")
    if isinstance(source, SqlSource):
        return table
    text = [c for c, k in session.kinds.items() if k == "text"]
    for c in text:
        table[c] = table[c].astype("str")  # like read_table: pandas' text dtype, NaN missing
    return table
