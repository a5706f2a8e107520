"""CSV files: judged on their first megabyte as read_table judges a whole file, then read by
pyarrow (typed, multi-threaded) or streamed by DuckDB (every cell as text).

:func:`read_head` finds a file's :class:`CsvDialect` (delimiter, header names, rows to skip) and
refuses what read_table refuses; :func:`read_csv_arrow` reads the mapped columns of a file whole
and typed, with text stripped and date keys computed once; :func:`sample_csv_arrow` reads its
first rows as text; :func:`csv_reader` is DuckDB's ``read_csv`` of a file too large for pyarrow.
pyarrow is imported when a file is read, not with this module.
"""

from __future__ import annotations

import csv
import pathlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.data import tables
from simulator.data.problems import MISSING_SPELLINGS, DataError, fail
from simulator.data.sql.dialect import Kind, lit
from simulator.data.sql.sessions import THREADS

__all__ = [
    "HEAD_BYTES",
    "MAX_LINE_BYTES",
    "CsvDialect",
    "check_quotes_closed",
    "csv_reader",
    "read_csv_arrow",
    "read_head",
    "sample_csv_arrow",
]


HEAD_BYTES = 2**20
"""How much of a CSV file :func:`read_head` reads to judge it before DuckDB or pyarrow do."""


def read_head(path: pathlib.Path, name: str) -> CsvDialect:
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
        raise fail(
            name,
            f"the first {HEAD_BYTES // 2**20} MB of the file are blank",
            "Remove the blank lines before the header row",
        )
    if data[:4] == b"PK\x03\x04":
        raise fail(
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
        raise fail(
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
    return CsvDialect(names, leading + 1, delimiter, '"')


def _too_big_to_read(name: str, kind: str) -> DataError:
    return fail(
        name,
        f"{kind} is read only up to {tables.LARGE_FILE_BYTES // 2**20} MB",
        "Save it again as CSV UTF-8, with commas, semicolons or tabs between the columns",
    )


_ARROW_KINDS: dict[str, Kind] = {"string": "text", "int64": "number", "double": "float"}


def _arrow_kind(type_) -> Kind | None:
    """Kind of a column pyarrow's CSV reader typed, None when it is not used as typed."""
    import pyarrow as pa

    if pa.types.is_date32(type_) or (pa.types.is_timestamp(type_) and type_.tz is None):
        return "date"
    return _ARROW_KINDS.get(str(type_))


@dataclass(frozen=True)
class CsvDialect:
    """How pyarrow reads a CSV file (:func:`read_head`): the header's names as written, blank
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
            null_values=list(MISSING_SPELLINGS),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )


def sample_csv_arrow(
    path: pathlib.Path, name: str, dialect: CsvDialect, rows: int
) -> pd.DataFrame | None:
    """The first ``rows`` rows of a CSV file, every cell as text stripped as
    :meth:`simulator.data.sql.dialect.Dialect.strip` strips (what
    :func:`simulator.data.sql.sources.sample_rows` reads with DuckDB), read by pyarrow's
    streaming reader up to the block holding the last of them; None when pyarrow cannot read
    them (DuckDB then does, and reports what is wrong)."""
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
    return fail(
        name,
        f"the rows do not split into the header's columns ({where} has {row.actual_columns} "
        f"fields, the header {row.expected_columns})",
        "Check that every row has as many fields as the header and that quotes are closed",
    )


def _read_whole(path: pathlib.Path, name: str, dialect: CsvDialect, convert):
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


def check_quotes_closed(path: pathlib.Path, name: str, quote: str) -> None:
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
        raise fail(
            name,
            f"the rows do not split into the header's columns (the file has an odd number of "
            f"{quote} characters: a quote opened and never closed would make the rest of the "
            "file one cell)",
            f"Check that every row has as many fields as the header and that quotes are closed; "
            f"write a {quote} inside a cell as {quote}{quote}, or save the file again as CSV",
        )


def read_csv_arrow(path: pathlib.Path, name: str, dialect: CsvDialect, wanted: dict[str, Kind]):
    """The mapped columns of a CSV file read whole by pyarrow (multi-threaded, typed), or None.

    ``dialect`` is the file's (:func:`read_head`). ``wanted`` maps each column (as
    the mapping names it) to how its roles read it: ``text`` columns are read as text, ``number``
    and ``date`` columns are typed by pyarrow where every cell is a plain number or an ISO date
    (time of day allowed, no time zone) and read as text otherwise, so that the checks on typed
    columns are cheap casts and the tolerant text reading is kept for every other column.
    Text columns come back stripped as :meth:`simulator.data.sql.dialect.Dialect.strip` strips
    (:func:`_strip_arrow`) and each date column ``c<i>`` with its date keys ``k<i>``
    (:func:`_date_key_arrow`), computed once here instead of in every query.
    Returns (table with ``row_`` and the kept columns, column names, kinds of the kept columns)
    or None when the file is not for this path (unreadable by pyarrow): the caller then reads
    it with DuckDB.
    """
    import pyarrow as pa

    check_quotes_closed(path, name, dialect.quote)
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
    """A pyarrow text column stripped as DuckDB's ``trim``
    (:meth:`simulator.data.sql.dialect.Dialect.strip`) strips."""
    import pyarrow.compute as pc

    if pc.all(pc.string_is_ascii(column)).as_py() is not False:  # the only ASCII Zs is " "
        edges = pc.or_(pc.starts_with(column, " "), pc.ends_with(column, " "))
        return pc.ascii_trim(column, " ") if pc.any(edges).as_py() else column
    return pc.utf8_trim(column, _DUCKDB_SPACES)


def _date_key_arrow(column):
    """Date keys ``y * 10000 + m * 100 + d`` of a pyarrow date or timestamp column, as
    :func:`simulator.data.sql.dialect.native_date_key` computes them in SQL (int32, null where
    the date is).

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


def csv_reader(path: pathlib.Path, dialect: CsvDialect) -> str:
    """DuckDB's read_csv of ``path`` in ``dialect`` (its delimiter and column names): every
    cell as text, a header, read_table's missing-value spellings, lines up to
    :data:`MAX_LINE_BYTES`."""
    missing = ", ".join(lit(m) for m in MISSING_SPELLINGS)
    names = ", ".join(lit(n) for n in dialect.names)
    return (
        f"read_csv({lit(str(path))}, all_varchar=true, header=true, nullstr=[{missing}], "
        f"delim={lit(dialect.delimiter)}, names=[{names}], max_line_size={MAX_LINE_BYTES})"
    )
