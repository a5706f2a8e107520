"""Customer tables aggregated in SQL to :class:`simulator.data.counts.CustomerCounts`.

One SQL formulation of "mapped customer table -> counts" runs in two engines:

* **DuckDB** (in memory, two threads, a memory limit with spilling to a temporary directory)
  over a CSV/TSV file, a Parquet file, or a pandas DataFrame. A CSV file's first megabyte is
  judged first as :func:`simulator.data.tables.read_table` judges a whole file (empty, binary,
  not a table, its delimiter and header: :func:`_read_head`). A CSV up to
  :data:`FAST_CSV_BYTES` is read once by pyarrow in that dialect, only the
  mapped columns, keeping pyarrow's type where it suits the role (numbers for number roles,
  dates for date roles) and re-reading any other column as text for the tolerant path below;
  larger CSVs are streamed by DuckDB with every cell read as text, like
  :func:`simulator.data.tables.read_table`. The first rows of a CSV (:func:`sample_rows`) are read
  as text by pyarrow's streaming reader in the same dialect (DuckDB reads them when pyarrow
  cannot, and says what is wrong);
* **a SQL database** through SQLAlchemy (:class:`SqlSource`: a URL and a table or a SELECT
  query), where the database does the grouping; tested on PostgreSQL.

Only the mapped columns are read and memory stays bounded by the number of distinct groups.
The semantics are those of :func:`simulator.data.records.validate`,
:func:`simulator.data.records.customer_records` and :func:`simulator.data.counts.count_records`:
:func:`check_source` returns the same problems (same column, message, fix and severity) and
:func:`count_source` the same counts, flows and as-of month, for the same rows.

Differences, documented:

* row numbers of problems (header = row 1) are given for files and DataFrames; a database
  table has no row order, so its problems have ``rows == ()``;
* dates as text are read in ISO form (``2024-03-31``, ``2024/03/31``, ``20240331``, with an
  optional time ``T10:00:00``) and in the other formats of :func:`simulator.data.mapping.to_date`
  (``31/03/2024``, ``03/31/2024``, ``31.03.2024``, ``31-03-2024``), the format parsing the
  most cells winning as there; anything else (year-month only, time-zone offsets) is reported
  as "not a date" for its column;
* numbers as text are read like :func:`simulator.data.mapping.to_number` (currency signs, spaces,
  thousands separators, decimal commas); where the regular expressions read them (databases,
  and columns DuckDB's casts cannot read) ``inf`` spelled out counts as not a number;
* DuckDB strips spaces around text cells (not tabs or no-break spaces, as pandas would);
  its own casts read plain numbers and ISO dates (a cell they cannot read sends its column
  through the regular expressions), so spellings such as ``1_000`` or ``02024-01-31`` that
  DuckDB accepts and pandas does not count as numbers and dates;
* CSV files must be UTF-8 and split by a comma, semicolon, tab or pipe (read_table also
  decodes UTF-16 and cp1252 and splits on runs of spaces: such files are refused here with a
  message saying so); a row with fewer fields than the header is refused (read_table pads it
  with missing cells), as is a file whose quote characters do not pair up; a file with blank
  lines inside the data may get row numbers that differ from the spreadsheet's
  (``tests/test_bad_files_large.py`` lists each difference on the catalogue of awkward files);
* databases: PostgreSQL only (SQLAlchemy URL ``postgresql+psycopg://``); the grouping runs in
  the database, only the groups come back.

Each call opens its own in-memory DuckDB connection (:data:`THREADS` threads,
:data:`MEMORY_LIMIT`, spilling to a temporary directory removed afterwards; one for both reads
of :func:`sample_and_count`, which reads a CSV's dialect once) and passes over the source a
few times: one for the checks (by segment), one for duplicate ids (hashes first), one for the
counts and flows together (grouping sets).
"""

from __future__ import annotations

import abc
import csv
import datetime
import os
import pathlib
import re
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from simulator.data import tables
from simulator.data.counts import (
    COUNT_COLUMNS,
    COUNT_KEYS,
    FLOW_COLUMNS,
    CustomerCounts,
    no_flows,
    whole_months,
)
from simulator.data.mapping import ColumnMapping
from simulator.data.records import (
    ALL_SEGMENTS,
    DATE_RANGE,
    MAX_TENURE_MONTHS,
    MIN_SEGMENT_CUSTOMERS,
    REFERRAL_PATTERN,
    duplicate_ids_fix,
    mapping_problems,
)
from simulator.data.tables import MAX_ROWS_SHOWN, DataError, Problem

__all__ = [
    "MEMORY_LIMIT",
    "SqlSource",
    "check_and_count",
    "check_source",
    "count_source",
    "sample_and_count",
    "sample_rows",
    "source_name",
]

MEMORY_LIMIT = "1GB"
"""DuckDB's memory limit; beyond it DuckDB spills to a temporary directory."""

THREADS = 2
"""DuckDB worker threads."""

Progress = Callable[[float, str], None]
"""``progress(fraction, message)``: fraction done (0 to 1) and what is happening now."""


def _silent(fraction: float, message: str) -> None:
    """A :data:`Progress` that reports nothing."""


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

_MISSING = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "#N/A")  # read_table's
_WHITESPACE = " \t\n\r\x0b\x0c\xa0"
_NUMBER = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"
_DECIMAL_COMMA = r"^-?[0-9]+,[0-9]+$|^-?[0-9]+$"
_NUMBER_JUNK = "[\\s$€£'\u00a0]"
_TIME = r"(?:[T ][0-9]{1,2}(?::[0-9]{2}(?::[0-9]{2}(?:[.][0-9]+)?)?)?)?$"
# Each format is a few spellings: (pattern without capturing groups, how to split the text into
# year, month and day), in simulator.data.mapping.to_date's order; ISO has three spellings.
# Splitting with split_part/substring instead of capturing groups keeps PostgreSQL's regex engine
# fast.
_Split = tuple[str, tuple[int, int, int]] | tuple[None, tuple[tuple[int, int], ...]]
_DateFormat = tuple[tuple[str, _Split], ...]
_DATE_FORMATS: tuple[_DateFormat, ...] = (
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

Kind = Literal["text", "number", "float", "bool", "date"]
_INF = "CAST('Infinity' AS DOUBLE PRECISION)"
_NUMERIC_ROLES = ("tenure", "revenue", "satisfaction", "contacts", "price_before", "price_after")


def _ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


class _Dialect:
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
        return f"regexp_matches({x}, {_lit(pattern)})" if self.duck else f"({x} ~ {_lit(pattern)})"

    def itest(self, x: str, pattern: str) -> str:
        """Case-insensitive :meth:`test`."""
        if self.duck:
            return f"regexp_matches({x}, {_lit(pattern)}, 'i')"
        return f"({x} ~* {_lit(pattern.replace(chr(92) + 'b', chr(92) + 'y'))})"

    def group(self, x: str, pattern: str, group: int) -> str:
        if self.duck:
            return f"regexp_extract({x}, {_lit(pattern)}, {group})"
        return f"(regexp_match({x}, {_lit(pattern)}))[{group}]"

    def replace_all(self, x: str, pattern: str, by: str) -> str:
        return f"regexp_replace({x}, {_lit(pattern)}, {_lit(by)}, 'g')"

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


def _kind_duckdb(type_name: str) -> Kind:
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
_PG_KINDS: dict[int, Kind] = {
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


class _Session(abc.ABC):
    """A source opened for a few queries: its columns and kinds, and how to query it."""

    dialect: _Dialect
    name: str
    columns: dict[str, str]  # column name as the mapping names it (stripped) -> SQL expression
    kinds: dict[str, Kind]
    relation: str  # FROM clause with _row (0-based position or NULL) and the columns
    has_rows: bool
    strip_text: bool = False  # text cells need stripping (CSV: read_table strips every cell)
    stripped: bool = False  # ... and the text columns were stripped once, when read
    date_keys: dict[str, str] = {}  # column -> its date keys (y * 10000 + m * 100 + d), if read

    typed: str  # FROM clause of the typed relation (see _Plan)

    @abc.abstractmethod
    def fetch(self, sql: str) -> list[tuple]:
        """The rows ``sql`` returns."""

    @abc.abstractmethod
    def frame(self, sql: str) -> pd.DataFrame:
        """What ``sql`` returns, as a DataFrame."""

    def groups(self, sql: str) -> pd.DataFrame:
        """What a grouping ``sql`` returns, as a DataFrame of NumPy columns (NULL as NaN or
        None): what :func:`_counts` reads."""
        return self.frame(sql)


class _DuckSession(_Session):
    def __init__(self, con, name: str) -> None:
        self.con = con
        self.dialect = _Dialect("duckdb")
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


class _SqlSession(_Session):
    def __init__(self, conn, name: str) -> None:
        self.conn = conn
        self.dialect = _Dialect("postgresql")
        self.name = name
        self.has_rows = False

    def fetch(self, sql: str) -> list[tuple]:
        import sqlalchemy

        return [tuple(r) for r in self.conn.execute(sqlalchemy.text(_escape_colons(sql)))]

    def frame(self, sql: str) -> pd.DataFrame:
        import sqlalchemy

        result = self.conn.execute(sqlalchemy.text(_escape_colons(sql)))
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _escape_colons(sql: str) -> str:
    # sqlalchemy.text treats ":name" as a bind parameter; every value here is a literal.
    return re.sub(r"(?<!:):(?=[A-Za-z_])", r"\\:", sql)


def source_name(source: Source) -> str:
    """The name used in messages: a file's name, ``table`` for a DataFrame, the database source."""
    if isinstance(source, SqlSource):
        return str(source)
    if isinstance(source, pd.DataFrame):
        return "table"
    return pathlib.Path(source).name


def _fail(name: str, message: str, fix: str) -> DataError:
    return DataError(name, [Problem(None, (), message, fix)])


def _is_parquet(path: pathlib.Path) -> bool:
    if path.suffix.lower() in (".parquet", ".pq"):
        return True
    with open(path, "rb") as f:
        return f.read(4) == b"PAR1"


@contextmanager
def _duckdb() -> Iterator:
    import duckdb

    with tempfile.TemporaryDirectory(prefix="simulator-duckdb-") as tmp:
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"SET threads={THREADS}")
            con.execute(f"SET memory_limit={_lit(MEMORY_LIMIT)}")
            con.execute(f"SET temp_directory={_lit(tmp)}")
            yield con
        finally:
            con.close()


HEAD_BYTES = 2**20
"""How much of a CSV file :func:`_read_head` reads to judge it before DuckDB or pyarrow do."""


def _read_head(path: pathlib.Path, name: str) -> _CsvDialect:
    """The dialect of a CSV file, judged on its first :data:`HEAD_BYTES` as
    :func:`simulator.data.tables.read_table` judges a whole file: the delimiter
    :func:`simulator.data.tables.sniff_delimiter` finds on the first lines, the header's names as
    the csv module splits them, quotes escaped by doubling them (as pandas reads them); a
    comma when no delimiter splits the first lines alike, as read_table does.

    Raises the :class:`DataError` read_table raises for an empty file, binary data, an Excel
    workbook, a web page, XML or JSON, a header wider than :data:`simulator.data.tables.MAX_COLUMNS`
    or (when the head is the whole file) a header with no rows; and says that text which is
    not UTF-8 or is split by runs of spaces is read only up to
    :data:`simulator.data.tables.LARGE_FILE_BYTES` (read_table reads it, DuckDB does not).
    """
    with open(path, "rb") as f:
        data = f.read(HEAD_BYTES)
        whole = not f.read(1)
    if not data.strip():
        if whole:
            raise tables.empty_file(name)
        raise _fail(
            name,
            f"the first {HEAD_BYTES // 2**20} MB of the file are blank",
            "Remove the blank lines before the header row",
        )
    if data[:4] == b"PK\x03\x04":
        raise _fail(
            name,
            "this is a zip archive or an Excel workbook, not a CSV file",
            "Upload a workbook as .xlsx, or export the table as CSV UTF-8",
        )
    if data[:4] == tables.OLD_EXCEL_MAGIC:
        raise tables.old_excel(name)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") and whole:
        tables.decode_text(data, name)  # says what is wrong with it, if anything
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] == b"\x00\x00\xfe\xff":
        raise _too_big_to_read(name, "UTF-16 or UTF-32 text")
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    cut = data if whole or b"\n" not in data else data[: data.rindex(b"\n")]
    try:
        text = cut.decode("utf-8")
    except UnicodeDecodeError as exc:
        tables.decode_text(cut, name)  # binary data and the like are refused as read_table does
        line = cut.count(b"\n", 0, exc.start) + 1
        raise _fail(
            name,
            f"files over {tables.LARGE_FILE_BYTES // 2**20} MB must be UTF-8 text; line "
            f"{line:,} is not",
            "Save it again as CSV UTF-8 (in Excel: Save As, CSV UTF-8)",
        ) from None
    tables.check_text(text, name)
    all_lines = text.splitlines()
    leading = next(i for i, line in enumerate(all_lines) if line.strip())
    lines = [line for line in all_lines[leading:] if line.strip()][:50]
    delimiter = tables.sniff_delimiter(lines)
    header = lines[0]
    tables.check_width(header.count(delimiter) + 1 if delimiter else len(header.split()), name)
    if whole and len(lines) < 2:
        raise tables.no_rows(name)
    if delimiter is None:
        if max(len(line.split()) for line in lines) > 1:
            raise _too_big_to_read(name, "text split by runs of spaces")
        delimiter = ","  # one column, or rows split differently: read_table reads it so too
    cells = next(csv.reader([header], delimiter=delimiter))
    # A blank header cell is named as pandas names it in read_table ("Unnamed: <position>"),
    # and repeated names get ".1", ".2", ... as pandas gives them.
    names = tuple(
        tables.unique_names([c if c.strip() else f"Unnamed: {i}" for i, c in enumerate(cells)])
    )
    return _CsvDialect(names, leading + 1, delimiter, '"')


def _too_big_to_read(name: str, kind: str) -> DataError:
    return _fail(
        name,
        f"{kind} is read only up to {tables.LARGE_FILE_BYTES // 2**20} MB",
        "Save it again as CSV UTF-8, with commas, semicolons or tabs between the columns",
    )


class _Files:
    """A DuckDB connection and the dialect of each CSV file read on it (:func:`_read_head`),
    shared by the reads of one file that one call makes (its first rows, then its mapped
    columns)."""

    def __init__(self, con) -> None:
        self.con = con
        self._dialects: dict[pathlib.Path, _CsvDialect] = {}

    def dialect(self, path: pathlib.Path, name: str) -> _CsvDialect:
        """``path``'s dialect (:func:`_read_head`, which refuses a file it cannot read), read
        on the first call."""
        if path not in self._dialects:
            self._dialects[path] = _read_head(path, name)
        return self._dialects[path]


@contextmanager
def _files(shared: _Files | None) -> Iterator[_Files]:
    """``shared``, or a new connection (closed at the end) when it is None."""
    if shared is not None:
        yield shared
        return
    with _duckdb() as con:
        yield _Files(con)


_ARROW_KINDS: dict[str, Kind] = {"string": "text", "int64": "number", "double": "float"}


def _arrow_kind(type_) -> Kind | None:
    """Kind of a column pyarrow's CSV reader typed, None when it is not used as typed."""
    import pyarrow as pa

    if pa.types.is_date32(type_) or (pa.types.is_timestamp(type_) and type_.tz is None):
        return "date"
    return _ARROW_KINDS.get(str(type_))


@dataclass(frozen=True)
class _CsvDialect:
    """How pyarrow reads a CSV file (:func:`_read_head`): the header's names as written, blank
    ones named and repeated ones numbered as pandas does (``names``), the rows before the
    first data row (``skip``), the delimiter and the quote character (a quote inside a quoted
    cell is written twice, as pandas reads it)."""

    names: tuple[str, ...]
    skip: int
    delimiter: str
    quote: str

    def parse_options(self, newlines_in_values: bool = True, bad_rows: _BadRows | None = None):
        """pyarrow's ParseOptions; ``newlines_in_values`` False lets pyarrow split the file
        among its threads at any line end (it raises ArrowInvalid when that splits a cell);
        ``bad_rows`` keeps the first row whose fields are not the header's."""
        import pyarrow.csv as pa_csv

        return pa_csv.ParseOptions(
            delimiter=self.delimiter,
            quote_char=self.quote,
            double_quote=True,
            newlines_in_values=newlines_in_values,
            invalid_row_handler=bad_rows,
        )

    def read_options(self):
        """pyarrow's ReadOptions of the data rows, with the header's names."""
        import pyarrow.csv as pa_csv

        return pa_csv.ReadOptions(column_names=list(self.names), skip_rows=self.skip)

    def convert_options(self, columns: list[str], as_text: set[str]):
        """pyarrow's ConvertOptions: ``columns`` (as written) with read_table's missing values,
        those in ``as_text`` read as text."""
        import pyarrow as pa
        import pyarrow.csv as pa_csv

        return pa_csv.ConvertOptions(
            include_columns=columns,
            column_types={c: pa.string() for c in as_text},
            null_values=list(_MISSING),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )


def _sample_csv_arrow(
    path: pathlib.Path, name: str, dialect: _CsvDialect, rows: int
) -> pd.DataFrame | None:
    """The first ``rows`` rows of a CSV file, every cell as text stripped as
    :meth:`_Dialect.strip` strips (what :func:`sample_rows` reads with DuckDB), read by
    pyarrow's streaming reader up to the block holding the last of them; None when pyarrow
    cannot read them (DuckDB then does, and reports what is wrong)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    names = [n.strip() for n in dialect.names]
    if len(set(names)) != len(names):
        return None
    convert = dialect.convert_options(list(dialect.names), set(dialect.names))
    batches, read, bad = [], 0, _BadRows()
    try:
        options = dialect.read_options(), dialect.parse_options(True, bad), convert
        with pa_csv.open_csv(path, *options) as reader:
            for batch in reader:
                batches.append(batch)
                read += batch.num_rows
                if read >= rows:
                    break
            table = pa.Table.from_batches(batches, reader.schema).slice(0, rows)
    except (pa.ArrowException, OSError):
        if bad.first is not None:
            raise _ragged(path, name, bad.first) from None
        return None
    columns = {n: _strip_arrow(table.column(i)) for i, n in enumerate(names)}
    return pa.table(columns).to_pandas().astype("str")


class _BadRows:
    """pyarrow's ``invalid_row_handler``: keeps the first row whose number of fields is not the
    header's, and lets the read fail."""

    def __init__(self) -> None:
        self.first = None

    def __call__(self, row) -> str:
        if self.first is None:
            self.first = row
        return "error"


def _ragged(path: pathlib.Path, name: str, row) -> DataError:
    """A row of ``path`` (pyarrow's InvalidRow) that does not split into the header's columns,
    with its line number, as :func:`simulator.data.tables.read_table` reports it."""
    line = None
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            if raw.rstrip(b"\r\n").decode("utf-8", errors="replace") == row.text:
                line = number
                break
    where = f"line {line:,}" if line is not None else f"the row {row.text[:60]!r}"
    return _fail(
        name,
        f"the rows do not split into the header's columns ({where} has {row.actual_columns} "
        f"fields, the header {row.expected_columns})",
        "Check that every row has as many fields as the header and that quotes are closed",
    )


def _read_whole(path: pathlib.Path, name: str, dialect: _CsvDialect, convert):
    """pyarrow's read of a whole CSV file (``convert``: its ConvertOptions), first as if no
    cell spanned lines, which lets its threads split the file at any line end (faster), then,
    when that fails (a cell spans lines, or any other error), allowing such cells. Raises
    :class:`DataError` when a row does not split into the header's columns."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    try:
        table = pa_csv.read_csv(path, dialect.read_options(), dialect.parse_options(False), convert)
    except pa.ArrowInvalid:
        bad = _BadRows()
        try:
            table = pa_csv.read_csv(
                path, dialect.read_options(), dialect.parse_options(True, bad), convert
            )
        except pa.ArrowInvalid:
            if bad.first is not None:
                raise _ragged(path, name, bad.first) from None
            raise
    return table


def _check_quotes_closed(path: pathlib.Path, name: str, quote: str) -> None:
    """Refuse a file whose quote characters do not pair up: a quote left open runs to the end
    of the file, which pyarrow and DuckDB then read as one cell, silently dropping every row
    after it (read_table refuses such a file too). Quotes escaped by doubling them pair up; a
    stray quote inside an unquoted cell (``24" screen``) is refused here, though read_table
    reads it, and the message says so. About 15 ms for 60 MB."""
    count, mark = 0, ord(quote)
    with open(path, "rb") as f:
        while chunk := f.read(2**22):
            count += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == mark))
    if count % 2:
        raise _fail(
            name,
            f"the rows do not split into the header's columns (the file has an odd number of "
            f"{quote} characters: a quote opened and never closed would make the rest of the "
            "file one cell)",
            f"Check that every row has as many fields as the header and that quotes are closed; "
            f"write a {quote} inside a cell as {quote}{quote}, or save the file again as CSV",
        )


def _read_csv_arrow(path: pathlib.Path, name: str, dialect: _CsvDialect, wanted: dict[str, Kind]):
    """The mapped columns of a CSV file read whole by pyarrow (multi-threaded, typed), or None.

    ``dialect`` is the file's (:func:`_read_head`). ``wanted`` maps each column (as
    the mapping names it) to how its roles read it: ``text`` columns are read as text, ``number``
    and ``date`` columns are typed by pyarrow where every cell is a plain number or an ISO date
    (time of day allowed, no time zone) and read as text otherwise, so that the checks on typed
    columns are cheap casts and the tolerant text reading is kept for every other column.
    Text columns come back stripped as :meth:`_Dialect.strip` strips (:func:`_strip_arrow`) and
    each date column ``c<i>`` with its date keys ``k<i>`` (:func:`_date_key_arrow`), computed
    once here instead of in every query.
    Returns (table with ``row_`` and the kept columns, column names, kinds of the kept columns)
    or None when the file is not for this path (unreadable by pyarrow): the caller then reads
    it with DuckDB.
    """
    import pyarrow as pa

    _check_quotes_closed(path, name, dialect.quote)
    names = {n.strip(): n for n in dialect.names}
    all_columns = list(names)
    keep = [c for c in all_columns if c in wanted]
    if not keep:  # pyarrow would read every column; DuckDB reads none and says what is missing
        return None
    as_text = {c for c in keep if wanted[c] == "text"}
    for _ in range(2):  # a second read when a column's inferred type does not suit its role
        convert = dialect.convert_options([names[c] for c in keep], {names[c] for c in as_text})
        try:
            table = _read_whole(path, name, dialect, convert)
        except (pa.ArrowException, OSError):
            return None
        kinds: dict[str, Kind] = {}
        retry = set()
        for i, c in enumerate(keep):
            column = table.column(i)
            if pa.types.is_null(column.type):  # every cell missing
                table = table.set_column(i, names[c], column.cast(pa.string()))
                column = table.column(i)
            kind = _arrow_kind(column.type)
            if kind == "text" or (kind is not None and (kind == "date") == (wanted[c] == "date")):
                kinds[c] = kind
            else:
                retry.add(c)
        if not retry:
            break
        as_text |= retry
    else:
        return None
    table = table.rename_columns([f"c{i}" for i in range(len(keep))])
    # Once here rather than in every query: text stripped, date keys (pyarrow's kernels are
    # single-threaded and release the GIL: the columns are done side by side, the date keys,
    # the longest, first so that the threads finish together).
    jobs = {i: kinds[c] for i, c in enumerate(keep) if kinds[c] == "date"}
    jobs |= {i: kinds[c] for i, c in enumerate(keep) if kinds[c] == "text"}
    work = {"text": _strip_arrow, "date": _date_key_arrow}
    with ThreadPoolExecutor(THREADS) as pool:
        done = dict(
            zip(jobs, pool.map(lambda i: work[jobs[i]](table.column(i)), jobs), strict=True)
        )
    for i, kind in jobs.items():
        if kind == "text":
            table = table.set_column(i, f"c{i}", done[i])
    table = table.append_column("row_", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    for i, kind in jobs.items():
        if kind == "date":
            table = table.append_column(f"k{i}", done[i])
    return table, all_columns, {c: kinds[c] for c in keep}


_DUCKDB_SPACES = "".join(
    map(chr, (0x20, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000))
)
"""What DuckDB's ``trim`` strips from both ends: Unicode's space separators (category Zs)."""


def _strip_arrow(column):
    """A pyarrow text column stripped as DuckDB's ``trim`` (:meth:`_Dialect.strip`) strips."""
    import pyarrow.compute as pc

    if pc.all(pc.string_is_ascii(column)).as_py() is not False:  # the only ASCII Zs is " "
        edges = pc.or_(pc.starts_with(column, " "), pc.ends_with(column, " "))
        return pc.ascii_trim(column, " ") if pc.any(edges).as_py() else column
    return pc.utf8_trim(column, _DUCKDB_SPACES)


def _date_key_arrow(column):
    """Date keys ``y * 10000 + m * 100 + d`` of a pyarrow date or timestamp column, as
    :func:`_native_date_key` computes them in SQL (int32, null where the date is).

    Each row's key is looked up by its day number in a table of the keys of every day from the
    column's first to its last (at most 3.7 million days: years 1 to 9999), which is several
    times faster than splitting every row into year, month and day."""
    import pyarrow as pa

    days = column.cast(pa.date32()).cast(pa.int32())  # a timestamp's day (time of day dropped)
    missing = days.is_null().to_numpy()
    number = days.fill_null(0).to_numpy()
    known = number[~missing]
    first, last = (int(known.min()), int(known.max())) if len(known) else (0, 0)
    calendar = np.arange(first, last + 1).astype("datetime64[D]")
    months = calendar.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int32) + 1970
    month = months.astype(np.int32) % 12 + 1
    day = (calendar - months).astype(np.int32) + 1
    keys = year * 10000 + month * 100 + day
    return pa.array(keys[np.clip(number - first, 0, last - first)], mask=missing)


MAX_LINE_BYTES = 2**26
"""Longest line DuckDB reads (64 MB; its default, 2 MB, refused a 4 MB cell)."""


def _csv_reader(path: pathlib.Path, dialect: _CsvDialect) -> str:
    """DuckDB's read_csv of ``path`` in ``dialect`` (its delimiter and column names): every
    cell as text, a header, read_table's missing-value spellings, lines up to
    :data:`MAX_LINE_BYTES`."""
    missing = ", ".join(_lit(m) for m in _MISSING)
    names = ", ".join(_lit(n) for n in dialect.names)
    return (
        f"read_csv({_lit(str(path))}, all_varchar=true, header=true, nullstr=[{missing}], "
        f"delim={_lit(dialect.delimiter)}, names=[{names}], max_line_size={MAX_LINE_BYTES})"
    )


FAST_CSV_BYTES = 512 * 2**20
"""CSV files up to this size are read whole, typed, by pyarrow (:func:`_read_csv_arrow`);
larger ones are streamed by DuckDB (memory bounded), every cell as text."""


def _wanted(mapping: ColumnMapping) -> dict[str, Kind]:
    """Mapped column -> how its roles read it: ``number``, ``date`` or ``text`` (any other)."""
    out: dict[str, Kind] = {}
    for role, column in mapping.columns().items():
        kind: Kind = (
            "number" if role in _NUMERIC_ROLES else "date" if role in ("start", "end") else "text"
        )
        out[column] = kind if out.get(column, kind) == kind else "text"
    return out


@contextmanager
def _open(
    source: Source,
    name: str,
    wanted: set[str] | dict[str, Kind] | None,
    shared: _Files | None = None,
) -> Iterator[tuple[_Session, list[str]]]:
    """Open ``source``; ``wanted`` = columns to read (None: all; a dict: with how their roles
    read them, which lets a CSV file be read typed); ``shared``: the connection to use (default
    a new one). Yields (session, all columns)."""
    if isinstance(source, SqlSource):
        with _open_sql(source, name, None if wanted is None else set(wanted)) as opened:
            yield opened
        return
    import duckdb

    with _files(shared) as files:
        con = files.con
        session = _DuckSession(con, name)
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
                session.kinds = {str(c): _kind_duckdb(types[f"c{i}"]) for i, c in enumerate(keep)}
                cols = "".join(f", c{i}" for i in range(len(keep)))
                session.relation = f"(SELECT row_ AS _row{cols} FROM source_frame) AS s"
            else:
                path = pathlib.Path(source)
                if not path.is_file():
                    raise _fail(name, "the file does not exist", "Check the file's path")
                if _is_parquet(path):
                    reader = f"read_parquet({_lit(str(path))}, file_row_number=true)"
                    described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
                    names = {str(r[0]).strip(): str(r[0]) for r in described}
                    names.pop("file_row_number", None)
                    types = {str(r[0]).strip(): str(r[1]) for r in described}
                    all_columns = list(names)
                    keep = [c for c in all_columns if wanted is None or c in wanted]
                    session.columns = {c: _ident(names[c]) for c in keep}
                    session.kinds = {c: _kind_duckdb(types[c]) for c in keep}
                    cols = ", ".join(f"{_ident(names[c])}" for c in keep)
                    session.relation = (
                        f"(SELECT file_row_number AS _row{', ' if cols else ''}{cols} "
                        f"FROM {reader}) AS s"
                    )
                    con.execute("SET preserve_insertion_order=false")
                elif (
                    isinstance(wanted, dict)
                    and path.stat().st_size <= FAST_CSV_BYTES
                    and (dialect := files.dialect(path, name)) is not None
                    and (typed := _read_csv_arrow(path, name, dialect, wanted)) is not None
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
                    _check_quotes_closed(path, name, dialect.quote)
                    reader = _csv_reader(path, dialect)
                    described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
                    names = {str(r[0]).strip(): str(r[0]) for r in described}
                    all_columns = list(names)
                    keep = [c for c in all_columns if wanted is None or c in wanted]
                    session.columns = {c: _ident(names[c]) for c in keep}
                    session.kinds = dict.fromkeys(keep, "text")
                    session.strip_text = True
                    cols = "".join(f", {_ident(names[c])}" for c in keep)
                    session.relation = (
                        f"(SELECT ordinality - 1 AS _row{cols} FROM {reader} WITH ORDINALITY) AS s"
                    )
        except duckdb.Error as exc:
            said = re.sub(r"^[A-Za-z ]*Error: ", "", _first_line(exc))  # DuckDB's error class
            if not isinstance(source, pd.DataFrame):
                said = said.replace(f'"{source}"', name).replace(f"'{source}'", name)
                if _is_parquet(pathlib.Path(source)):
                    raise _fail(
                        name,
                        f"this is not a readable Parquet file ({said})",
                        "Export the table again as Parquet, or upload it as CSV",
                    ) from exc
            raise _fail(
                name,
                f"the file cannot be read as a table ({said})",
                "Check that it is a CSV (with a header row) or Parquet file",
            ) from exc
        yield session, all_columns


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@contextmanager
def _open_sql(
    source: SqlSource, name: str, wanted: set[str] | None
) -> Iterator[tuple[_Session, list[str]]]:
    import sqlalchemy

    fix = "Check the connection URL, the table name or the query"
    try:
        engine = sqlalchemy.create_engine(source.url, poolclass=sqlalchemy.pool.NullPool)
    except Exception as exc:  # bad URL, unknown dialect, missing driver
        raise _fail(name, f"cannot use the database URL ({_first_line(exc)})", fix) from exc
    if engine.dialect.name != "postgresql":
        engine.dispose()
        raise _fail(
            name,
            f"databases of kind {engine.dialect.name!r} are not supported",
            "Use a PostgreSQL URL (postgresql+psycopg://...), or export the table as Parquet",
        )
    if source.table is not None:
        inner = ".".join(_ident(p) for p in source.table.split("."))
    else:
        inner = f"({source.query.strip().rstrip(';')}) AS q"
    try:
        with engine.connect() as conn:
            session = _SqlSession(conn, name)
            try:
                result = conn.execute(
                    sqlalchemy.text(_escape_colons(f"SELECT * FROM {inner} LIMIT 0"))
                )
                description = result.cursor.description
                result.close()
            except sqlalchemy.exc.SQLAlchemyError as exc:
                raise _fail(
                    name, f"cannot read the table or query ({_first_line(exc.orig or exc)})", fix
                ) from exc
            all_columns = [str(col.name) for col in description]
            kinds = {str(col.name): _PG_KINDS.get(col.type_code, "text") for col in description}
            keep = [c for c in all_columns if wanted is None or c in wanted]
            session.columns = {c: _ident(c) for c in keep}
            session.kinds = {c: kinds[c] for c in keep}
            cols = ", ".join(_ident(c) for c in keep)
            session.relation = (
                f"(SELECT CAST(NULL AS BIGINT) AS _row{', ' if cols else ''}{cols} "
                f"FROM {inner}) AS s"
            )
            try:
                yield session, all_columns
            except sqlalchemy.exc.SQLAlchemyError as exc:
                raise _fail(
                    name, f"the database could not run the query ({_first_line(exc.orig)})", fix
                ) from exc
    except sqlalchemy.exc.SQLAlchemyError as exc:  # connecting
        raise _fail(
            name, f"cannot connect to the database ({_first_line(exc.orig or exc)})", fix
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
        return _sample_rows(source, rows, name, None)
    with _files(None) as files:
        return _sample_rows(source, rows, name, files)


def _sample_rows(source: Source, rows: int, name: str, files: _Files | None) -> pd.DataFrame:
    """:func:`sample_rows` of a file (``files`` its connection) or a database (None)."""
    if files is not None and (path := pathlib.Path(source)).is_file() and not _is_parquet(path):
        table = _sample_csv_arrow(path, name, files.dialect(path, name), rows)
        if table is not None:
            return table
    with _open(source, name, None, files) as (session, _):
        d = session.dialect
        cols = ", ".join(
            f"{d.strip(expr) if session.strip_text else expr} AS {_ident(c)}"
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


# ---------------------------------------------------------------------------------------------
# Typed expressions of the mapped roles
# ---------------------------------------------------------------------------------------------


@dataclass
class _Plan:
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


def _as_text(d: _Dialect, x: str, kind: Kind) -> str:
    """A value as pandas' ``astype("string")`` spells it (booleans as True/False)."""
    if kind == "text":
        return x
    if kind == "bool":
        return f"CASE WHEN {x} THEN 'True' WHEN NOT {x} THEN 'False' END"
    return d.text(x)


def _fence(d: _Dialect) -> str:
    # PostgreSQL flattens subqueries, copying their expressions; OFFSET 0 keeps them computed
    # once per row.
    return "" if d.duck else " OFFSET 0"


def _key_select(
    d: _Dialect, inner: str, texts: dict[str, str], fmt: _DateFormat, keep: str, name: str = "k_"
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
    level1 = f"SELECT {keep}, {', '.join(parts)} FROM {inner}{_fence(d)}"
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
                    piece = f"split_part({t}, {_lit(sep)}, {where[j]})"
                    if where[j] == 3 and sep in "-/":  # ISO: the day may be followed by a time
                        piece = f"split_part(split_part({piece}, ' ', 1), 'T', 1)"
                cases.append(f"WHEN {i} THEN {piece}")
            comps.append(f"CAST(CASE sp_{role} {' '.join(cases)} END AS INTEGER) AS {part}_{role}")
    level2 = f"SELECT {keep}, {', '.join(comps)} FROM ({level1}) AS l1{_fence(d)}"
    keys = []
    for role in texts:
        out = f"k_{role}" if name == "k_" else name
        y, m, day = f"y_{role}", f"m_{role}", f"d_{role}"
        keys.append(
            f"CASE WHEN {y} >= 1 AND {m} BETWEEN 1 AND 12 AND {day} >= 1 "
            f"AND {day} <= {_days_in(y, m)} THEN {y} * 10000 + {m} * 100 + {day} END AS {out}"
        )
    return f"SELECT {keep}, {', '.join(keys)} FROM ({level2}) AS l2{_fence(d)}"


def _days_in(y: str, m: str) -> str:
    leap = f"({y} % 4 = 0 AND ({y} % 100 <> 0 OR {y} % 400 = 0))"
    return (
        f"(CASE WHEN {m} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
        f"WHEN {m} IN (4, 6, 9, 11) THEN 30 ELSE 31 END)"
    )


def _native_date_key(x: str) -> str:
    parts = [f"CAST(extract({p} FROM {x}) AS INTEGER)" for p in ("year", "month", "day")]
    return f"({parts[0]} * 10000 + {parts[1]} * 100 + {parts[2]})"


def _plan(session: _Session, mapping: ColumnMapping, slow: frozenset[str] = frozenset()) -> _Plan:
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
        return x if kind == "text" and session.stripped else d.strip(_as_text(d, x, kind))

    def regex_path(role: str) -> bool:
        return kinds[role] != "date" and (not d.duck or role in slow)

    def fast_path(role: str) -> bool:
        return kinds[role] == "text" and d.duck and role not in slow

    text_numbers = [
        r
        for r in _NUMERIC_ROLES
        if r in raw and kinds[r] not in ("number", "float", "bool") and regex_path(r)
    ]
    date_texts = {r: f"dt_{r}" for r in ("start", "end") if r in raw and regex_path(r)}
    # Level 0: raw cells under role names, cleaned number text, date text.
    level0 = ["_row"] + [f"{expr} AS r_{role}" for role, expr in raw.items()]
    for role in text_numbers:
        text = strip(raw[role], kinds[role])
        level0.append(f"{d.replace_all(text, _NUMBER_JUNK, '')} AS n_{role}")
    for role in date_texts:
        level0.append(f"{strip(raw[role], kinds[role])} AS dt_{role}")
    for role in ("start", "end"):
        if role in raw and kinds[role] == "date":
            key = date_keys.get(role) or _native_date_key(raw[role])
            level0.append(f"{key} AS {role}_key")
        elif role in raw and fast_path(role):
            level0.append(f"try_cast({raw[role]} AS DATE) AS d_{role}")
    base = f"(SELECT {', '.join(level0)} FROM {session.relation}{_fence(d)}) AS l0"

    comma: dict[str, bool] = {}
    chosen: dict[str, int] = {}
    if text_numbers or date_texts:
        test = "min(CASE WHEN n_{0} IS NULL OR {1} THEN 1 ELSE 0 END)"
        profile = [test.format(r, d.test(f"n_{r}", _DECIMAL_COMMA)) for r in text_numbers]
        for role in date_texts:
            profile += [f"count(r_{role})", f"count(k_{role})"]
        with_keys = (
            f"({_key_select(d, base, date_texts, _DATE_FORMATS[0], '*')}) AS p"
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
                for i, fmt in enumerate(_DATE_FORMATS[1:], start=1):
                    sql = _key_select(d, base, {role: f"dt_{role}"}, fmt, "_row")
                    n = session.fetch(f"SELECT count(k_{role}) FROM ({sql}) AS p")[0][0]
                    if n > best:
                        best, chosen[role] = n, i

    cols = ["_row"]
    for role in _NUMERIC_ROLES:
        if role not in raw:
            continue
        cols.append(f"r_{role} IS NULL AS {role}_null")
        if role in text_numbers:
            text = f"replace(n_{role}, ',', {_lit('.' if comma[role] else '')})"
            cols.append(f"CASE WHEN {d.test(text, _NUMBER)} THEN {d.double(text)} END AS {role}")
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
            cols.append(f"{_as_text(d, f'r_{role}', kinds[role])} AS {role}")
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
    current = f"(SELECT {', '.join(cols + list(date_texts.values()))} FROM {base}{_fence(d)}) AS c0"
    carried = [c.rsplit(" AS ", 1)[-1] for c in cols]
    for i, role in enumerate(date_texts):
        later = [f"dt_{r}" for r in list(date_texts)[i + 1 :]]
        fmt = _DATE_FORMATS[chosen[role]]
        sql = _key_select(
            d, current, {role: f"dt_{role}"}, fmt, ", ".join(carried + later), f"{role}_key"
        )
        current = f"({sql}) AS c{i + 1}"
        carried.append(f"{role}_key")
    typed = f"SELECT {', '.join(carried)} FROM {current}"
    fast = frozenset(
        r for r in raw if fast_path(r) and (r in _NUMERIC_ROLES or r in ("start", "end"))
    )
    return _Plan(set(raw), typed, fast)


def _churned_sql(mapping: ColumnMapping) -> str:
    """Churned by the flag (on the typed relation): a churned spelling, missing = False."""
    if not mapping.churned_values:
        return "FALSE"
    return f"COALESCE(flag IN ({', '.join(map(_lit, mapping.churned_values))}), FALSE)"


@dataclass
class _Facts:
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


def _conditions(mapping: ColumnMapping, plan: _Plan, as_of_key: int | None) -> dict[str, str]:
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
        in_known = f"flag IN ({', '.join(map(_lit, sorted(known)))})" if known else "FALSE"
        unknown = f"(flag IS NOT NULL AND NOT ({in_known}))"
        c["flag_missing"] = "flag IS NULL"
        c["flag_unknown"] = unknown
        churn_flag = _churned_sql(mapping)
        checked = f"(flag IS NOT NULL AND NOT {unknown})"
    if "tenure" in roles and mapping.kind == "snapshot":
        c["tenure_nan"] = "NOT tenure_null AND tenure IS NULL"
        c["tenure_missing"] = "tenure_null"
        c["tenure_negative"] = "tenure < 0"
        scale = 12.0 if mapping.tenure_unit == "years" else 1.0
        c["tenure_huge"] = f"(abs(tenure) = {_INF} OR tenure * {scale} > {MAX_TENURE_MONTHS})"
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
            c[f"{role}_infinite"] = f"abs({role}) = {_INF}"
            if role.startswith("price"):
                c[f"{role}_nonpositive"] = f"{role} <= 0"
    for role in plan.fast:
        if role in ("start", "end"):
            c[f"fast_{role}"] = f"NOT {role}_null AND {role}_key IS NULL"
        else:
            c[f"fast_{role}"] = f"NOT {role}_null AND {role} IS NULL"
    return c


def _check(
    session: _Session, all_columns: list[str], mapping: ColumnMapping, as_of
) -> tuple[list[Problem], _Plan | None, _Facts]:
    """All problems (as records.validate), the typed relation and the facts counting needs."""
    d = session.dialect
    problems = mapping_problems(all_columns, mapping)
    facts = _Facts()
    if any(p.message.endswith("is not in the file") for p in problems):
        return problems, None, facts
    as_of_key = None if as_of is None else as_of.year * 10000 + as_of.month * 100 + as_of.day
    slow: frozenset[str] = frozenset()
    while True:  # at most twice: columns DuckDB's casts cannot read go the regex way
        plan = _plan(session, mapping, slow)
        session.typed = f"({plan.typed}{_fence(d)}) AS typed"
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


def _duplicates(session: _Session) -> list[tuple]:
    """Duplicated ids: (id, rows)."""
    if isinstance(session, _DuckSession):
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
        A CSV or Parquet file path, a DataFrame or a :class:`SqlSource`.
    mapping
        The column mapping (column names as the source spells them, stripped of spaces).
    as_of
        Observation date of a dated table; default the latest start or end date.
    name
        Name in error messages (default :func:`source_name`).

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
    with _open(source, name, _wanted(mapping)) as (session, all_columns):
        return _check(session, all_columns, mapping, as_of)[0]


# ---------------------------------------------------------------------------------------------
# Counts
# ---------------------------------------------------------------------------------------------


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
        A CSV or Parquet file path, a DataFrame or a :class:`SqlSource`.
    mapping
        The column mapping.
    as_of
        Observation date of a dated table; default the latest start or end date.
    left_truncated_at
        Entry tenure in months, as in :func:`simulator.data.records.customer_records`.
    name
        Name in error messages (default :func:`source_name`).
    progress
        Called as ``progress(fraction, message)`` when a stage starts and at the end.

    Returns
    -------
    CustomerCounts

    Raises
    ------
    DataError
        The source cannot be read, or :func:`check_source` finds errors (warnings do not stop
        it).
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
    """:func:`check_source` and, when it finds no error, :func:`count_source`, in one read of
    the source: what the Data page needs of a large upload, which it checks when the planner
    maps it and counts when they calibrate.

    Returns
    -------
    tuple[list[Problem], CustomerCounts | None]
        The problems, as :func:`check_source` gives them, and the counts, as
        :func:`count_source` gives them, or None when a problem is an error.

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
    shared: _Files | None,
) -> tuple[list[Problem], CustomerCounts | None]:
    """:func:`check_and_count` on the connection ``shared`` (None: a new one)."""
    with _open(source, name, _wanted(mapping), shared) as (session, all_columns):
        report(0.3, "Checking the table")
        problems, plan, facts = _check(session, all_columns, mapping, as_of)
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
    """:func:`sample_rows`, then :func:`count_source` with the mapping ``choose`` gives for them.

    What the command line's ``calibrate`` does, in one go: a file is opened once (one DuckDB
    connection, a CSV file's dialect read once) for both reads.

    Parameters
    ----------
    source
        A CSV or Parquet file path, a DataFrame or a :class:`SqlSource`.
    choose
        The column mapping for the first rows of the source (e.g. the proposed one, corrected).
    rows
        How many rows ``choose`` sees (at most).
    as_of
        Observation date of a dated table; default the latest start or end date.
    name
        Name in error messages (default :func:`source_name`).

    Returns
    -------
    tuple[ColumnMapping, CustomerCounts]
        The mapping ``choose`` gave and the counts, as :func:`count_source` gives them.

    Raises
    ------
    DataError
        As :func:`sample_rows` and :func:`count_source`.
    """
    name = name or source_name(source)
    if isinstance(source, (pd.DataFrame, SqlSource)):
        mapping = choose(sample_rows(source, rows=rows, name=name))
        return mapping, count_source(source, mapping, as_of=as_of, name=name)
    with _files(None) as files:
        mapping = choose(_sample_rows(source, rows, name, files))
        checked = _check_and_count(source, mapping, as_of, "auto", name, _silent, files)
        return mapping, _counted(name, checked)


_SEGMENT_CODES = 256
"""Up to this many segments, the counting pass groups by a segment's number, not its text."""


def _counts(
    session: _Session, mapping: ColumnMapping, plan: _Plan, facts: _Facts, left_truncated_at
) -> CustomerCounts:
    """One grouping pass: counts (and flows of a dated table) from the typed relation."""
    d = session.dialect
    roles = plan.roles
    dated = mapping.kind == "dated"
    if dated:
        as_of_key = facts.as_of_key
        end = "end_key" if "end" in roles else "CAST(NULL AS INTEGER)"
        ended = f"COALESCE({end} <= {as_of_key}, FALSE)"
        churned = _churned_sql(mapping) if "churned" in roles else ended

        def month(key: str) -> str:
            return f"({d.idiv(key, 10000)} * 12 + {d.idiv(key, 100)} % 100 - 1)"

        stop_days = _days_in(d.idiv("stop", 10000), f"({d.idiv('stop', 100)} % 100)")
        anniversary = f"LEAST(start_key % 100, {stop_days})"
        tenure = (
            d.double(f"{month('stop')} - {month('start_key')}")
            + f" - CASE WHEN {anniversary} > stop % 100 THEN 1 ELSE 0 END"
        )
        inner = (
            f"(SELECT *, CASE WHEN {ended} THEN {end} ELSE {as_of_key} END AS stop, "
            f"{ended} AS ended FROM {session.typed} WHERE start_key <= {as_of_key}{_fence(d)}) "
            "AS s1"
        )
        extra = {
            "start_month": month("start_key"),
            "end_month": f"CASE WHEN ended THEN {d.double(month('stop'))} END",
        }
    else:
        scale = 12.0 if mapping.tenure_unit == "years" else 1.0
        tenure = f"tenure * {scale}"
        churned = _churned_sql(mapping)
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
    segment = "COALESCE(segment, 'unknown')" if "segment" in roles else _lit(ALL_SEGMENTS)
    # Grouping by text is the costly part of the pass: DuckDB groups by the segment's position
    # in the (few) segments the checking pass found, mapped back to the text below.
    names = facts.segments if d.duck and "segment" in roles else None
    if names is not None and 0 < len(names) <= _SEGMENT_CODES:
        cases = " ".join(f"WHEN {_lit(v)} THEN {i}" for i, v in enumerate(names))
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
        f"{'revenue' if 'revenue' in roles else null} AS revenue FROM {inner}{_fence(d)}) AS r "
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
