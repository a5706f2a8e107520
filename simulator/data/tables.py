"""Reading a planner's uploaded table: CSV in any common dialect, Excel .xlsx or Parquet, also
gzipped or in a zip archive holding only it (:func:`unpack`).

:func:`read_table` turns the bytes of an upload into a DataFrame without deciding what the
columns mean (that is :mod:`simulator.data.mapping`). CSV cells are read as text (blank = missing)
so that nothing is guessed at read time; the mapping converts the columns it uses. Every failure is
a :class:`DataError` listing :class:`Problem` records phrased so a planner can fix the file.

Row numbers in problems are 1-based as a spreadsheet shows them: the header is row 1, the first
customer row 2.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import IO

import numpy as np
import pandas as pd

from simulator.data.archives import unpack
from simulator.data.problems import MISSING_SPELLINGS, DataError, Problem, fail, size_text

MAX_ROWS_SHOWN = 5
"""How many row numbers a :class:`Problem` lists."""

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
"""Delimiters :func:`read_table` tries, besides runs of whitespace."""

MAX_COLUMNS = 16_384
"""Most columns a delimited table may have (as many as an Excel sheet): a wider header is
refused before the table is parsed."""

_NO_ROWS = "the file has a header but no customer rows"
_NO_ROWS_FIX = "Upload the full export, one row per customer below the header"

SNIFF_LINE_CHARS = 100_000
"""Longest line :func:`sniff_delimiter` looks at (the csv module refuses fields over 131,072)."""


LARGE_FILE_BYTES = 20 * 2**20
"""Delimited text and Parquet files above this size are counted in SQL
(:mod:`simulator.data.sql`: DuckDB, memory bounded by the groups) rather than read whole by
:func:`read_table`; workbooks are always read whole. The page and the command line share it."""


def counted_in_sql(name: str, size_bytes: int) -> bool:
    """True when a file called ``name`` of ``size_bytes`` bytes is counted in SQL
    (:data:`LARGE_FILE_BYTES`), False when :func:`read_table` reads it whole."""
    if name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        return False
    return size_bytes > LARGE_FILE_BYTES


MAX_WORKBOOK_UNPACKED_BYTES = 200 * 2**20
"""Largest total unpacked size (bytes, as the zip directory declares it) of an Excel workbook
:func:`read_table` opens: a workbook is read whole into memory, so a bigger one (or a zip bomb
claiming gigabytes) is refused before anything is unpacked. Python's zip reader stops at the
declared size, so a member cannot unpack to more than it declares."""

MAX_WORKBOOK_RATIO = 100
"""Largest unpacked / packed size ratio of a workbook part above :data:`WORKBOOK_RATIO_FLOOR`
bytes unpacked. Real sheets pack 5-20 to 1; a part of identical repeated rows or padding
packing better than 100 to 1 is a zip bomb, refused before it is unpacked."""

WORKBOOK_RATIO_FLOOR = 2**20
"""Parts smaller than this (bytes unpacked) are not checked for their ratio."""

MAX_WORKBOOK_CELLS = 20_000_000
"""Largest grid (last used row x last used column) of the sheet :func:`read_table` reads: a
stray cell far below or to the right of the table (say at XFD1048576) makes the reader fill
the whole grid, billions of cells from a file of a few kilobytes."""


FIRST_ROW = "first_data_row"
"""``DataFrame.attrs`` key: file row number (1-based, as a spreadsheet shows it) of data row 0."""

SKIPPED_ROWS = "skipped_rows"
"""``DataFrame.attrs`` key: file row numbers of blank rows inside the data that were dropped."""


def file_rows(positions, table: pd.DataFrame | None = None) -> tuple[int, ...]:
    """File row numbers (as a spreadsheet shows them) of the first few 0-based data positions.

    ``table`` is the table as :func:`read_table` returned it: its ``attrs`` say where the data
    start (below blank lines or rows) and which blank rows were dropped; without it the header
    is row 1 and the data follow without gaps.
    """
    attrs = table.attrs if table is not None else {}
    first = int(attrs.get(FIRST_ROW, 2))
    skipped = sorted(attrs.get(SKIPPED_ROWS, ()))
    rows = []
    for position in list(positions)[:MAX_ROWS_SHOWN]:
        row = first + int(position)
        for blank in skipped:
            row += blank <= row
        rows.append(row)
    return tuple(rows)


def read_table(raw: bytes | IO[bytes], *, name: str) -> pd.DataFrame:
    """Read an uploaded customer table (CSV, Excel .xlsx or Parquet) into a DataFrame.

    Parameters
    ----------
    raw
        The file's bytes, or a binary file object.
    name
        The file name, used to recognise ``.parquet`` and ``.xlsx`` and in messages. Of a
        workbook only the first sheet is read; a ``.gz`` or ``.zip`` upload is unpacked first
        (:func:`unpack`).

    Returns
    -------
    pd.DataFrame
        One row per data row; CSV columns as text with blanks as missing values, Parquet columns
        and Excel cells with their stored types. Column names are stripped of surrounding spaces.

    Raises
    ------
    DataError
        The file is empty, has a header but no rows, is not a text table, or is in a format the
        app does not read; the message names the file and says what to do.
    """
    data = raw if isinstance(raw, bytes | bytearray) else raw.read()
    data, name = unpack(bytes(data), name)
    if not data.strip():
        raise empty_file(name)
    lower = name.lower()
    if data[:4] == b"PAR1" or lower.endswith(".parquet"):
        table = _read_parquet(data, name)
    elif data[:4] == b"PK\x03\x04" or lower.endswith((".xlsx", ".xlsm")):
        table = _read_excel(data, name)
    elif data[:4] == OLD_EXCEL_MAGIC or lower.endswith(".xls"):
        raise old_excel(name)
    else:
        table = _read_csv(data, name)
    table.columns = [str(c).strip() for c in table.columns]
    if len(table) == 0:
        raise no_rows(name)
    return table


OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"
"""The first bytes of an old-style (.xls, OLE) Excel workbook."""


def empty_file(name: str) -> DataError:
    """The file holds nothing but blanks."""
    return fail(name, "the file is empty", "Upload a table with a header row and customer rows")


def no_rows(name: str) -> DataError:
    """The file has a header row and nothing below it."""
    return fail(name, _NO_ROWS, _NO_ROWS_FIX)


def old_excel(name: str) -> DataError:
    """The file is an old-style Excel workbook, which is not read."""
    return fail(
        name,
        "old-style Excel workbooks (.xls) are not read",
        "Save the sheet as .xlsx or as CSV UTF-8 and upload that",
    )


def _read_parquet(data: bytes, name: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise fail(
            name,
            f"this is not a readable Parquet file ({type(exc).__name__})",
            "Export the table again as Parquet, or upload it as CSV",
        ) from exc


def check_workbook(data: bytes, name: str) -> None:
    """Refuse a workbook that would unpack to too much before any of it is unpacked.

    Raises :class:`DataError` when the parts the zip directory declares add up to more than
    :data:`MAX_WORKBOOK_UNPACKED_BYTES`, or a part packs better than :data:`MAX_WORKBOOK_RATIO`
    to 1 (a zip bomb). A file that is not a zip passes (the Excel reader then says so).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    total = sum(p.file_size for p in parts)
    fix = (
        "Save the sheet as CSV UTF-8 and upload that (large CSV files are counted without "
        "loading them whole), or delete unused sheets, formatting and blank rows"
    )
    if total > MAX_WORKBOOK_UNPACKED_BYTES:
        raise fail(
            name,
            f"the workbook unpacks to {size_text(total)}, more than the "
            f"{size_text(MAX_WORKBOOK_UNPACKED_BYTES)} a workbook may unpack to",
            fix,
        )
    for part in parts:
        if part.file_size > WORKBOOK_RATIO_FLOOR and part.file_size > MAX_WORKBOOK_RATIO * max(
            part.compress_size, 1
        ):
            raise fail(
                name,
                f"the workbook unpacks to {size_text(part.file_size)} from "
                f"{size_text(part.compress_size)} ({part.filename} packs more than "
                f"{MAX_WORKBOOK_RATIO} to 1, like a zip bomb)",
                fix,
            )


_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_ROW = re.compile(rb"<(?:\w+:)?row\b")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def sheet_extent(stream: IO[bytes], chunk: int = 2**22) -> tuple[int, int]:
    """(last row, last column) a sheet's XML gives a cell, or its number of rows if larger.

    Read in chunks (the sheet is never held whole); cell references split by a chunk edge
    are found in the overlap kept from the previous chunk.
    """
    rows = last_row = last_column = 0
    tail = b""
    while block := stream.read(chunk):
        text = tail + block
        if refs := _CELL_REF.findall(text):  # the distinct values only: fewer conversions
            last_row = max(last_row, *map(int, {digits for _, digits in refs}))
            last_column = max(last_column, *map(_column_number, {letters for letters, _ in refs}))
        rows += len(_ROW.findall(block))
        tail = text[-64:]
    return max(last_row, rows), last_column


def _read_excel(data: bytes, name: str) -> pd.DataFrame:
    check_workbook(data, name)
    try:
        from openpyxl import load_workbook  # its structure only; calamine reads the cells

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        if not book.worksheets:
            raise ValueError("no worksheet")
        sheet = book.worksheets[0]
        with book._archive.open(sheet._worksheet_path) as stream:
            last_row, last_column = sheet_extent(stream)
    except Exception as exc:  # zipfile, openpyxl and XML parsers raise several types
        raise fail(
            name,
            f"this is not a readable Excel workbook ({type(exc).__name__})",
            "Open it in Excel and save it again as .xlsx, or upload it as CSV",
        ) from exc
    if last_row * last_column > MAX_WORKBOOK_CELLS:
        book.close()
        raise fail(
            name,
            f"the sheet claims {last_row:,} rows by {last_column:,} columns "
            f"({last_row * last_column:,} cells, more than {MAX_WORKBOOK_CELLS:,}): "
            "something was typed or formatted far below or right of the table",
            "Delete the rows below and the columns right of the table (or copy the table to a "
            "new sheet), save, and upload again; or save it as CSV UTF-8",
        )
    book.close()
    try:  # calamine (Rust) reads the cells about 9 times faster than openpyxl
        cells = pd.read_excel(io.BytesIO(data), sheet_name=0, engine="calamine", header=None)
    except Exception as exc:  # calamine and pandas raise several types
        raise fail(
            name,
            f"this is not a readable Excel workbook ({type(exc).__name__})",
            "Open it in Excel and save it again as .xlsx, or upload it as CSV",
        ) from exc
    used = np.flatnonzero(cells.notna().any(axis=1).to_numpy())
    header = int(used[0]) if used.size else 0  # the first row with anything in it
    names = [f"Unnamed: {i}" if pd.isna(v) else str(v) for i, v in enumerate(cells.iloc[header])]
    table = cells.iloc[header + 1 :].reset_index(drop=True).infer_objects()
    table.columns = unique_names(names)
    table.attrs[FIRST_ROW] = header + 2
    filled = table.notna().any(axis=1).to_numpy()
    if filled.any():  # drop formatted but empty rows below the data (keep those inside it)
        table = table.iloc[: int(np.flatnonzero(filled)[-1]) + 1]
    return table.loc[
        :, [not str(c).startswith("Unnamed:") or table[c].notna().any() for c in table]
    ]


def _decode_line(line: bytes) -> str:
    """One line of a file that is not all UTF-8: UTF-8 if it is, else cp1252, else latin-1
    (files pasted together from several exports mix encodings line by line)."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            pass
    return line.decode("latin-1")


def decode_text(data: bytes, name: str) -> str:
    """Decode CSV bytes: BOM (UTF-8, UTF-16, UTF-32), then UTF-8; a file that is not all UTF-8
    line by line (UTF-8, else cp1252, else latin-1)."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        try:
            return data.decode("utf-32")
        except UnicodeDecodeError as exc:
            raise fail(name, "the file claims UTF-32 but is not", "Save it as CSV UTF-8") from exc
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise fail(name, "the file claims UTF-16 but is not", "Save it as CSV UTF-8") from exc
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = "\n".join(_decode_line(line) for line in data.split(b"\n"))
    check_text(text, name)
    return text


def check_text(text: str, name: str) -> None:
    """Refuse decoded text that is not a table, judged on its first 20,000 characters: binary
    data (NUL bytes, control characters, replacement characters), a web page, XML or JSON."""
    sample = text[:20000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    if "\x00" in sample or controls > 0.01 * len(sample) or "\ufffd" in sample[:2000]:
        raise fail(
            name,
            "this is not a text table (it looks like binary data)",
            "Upload the customer table as CSV, Parquet or Excel, not another kind of file",
        )
    start = sample.lstrip()[:200].lower()
    for kind, looks in _NOT_TABLES:
        if looks(start):
            raise fail(
                name,
                f"this is {kind}, not a table",
                "Export the customer table as CSV, Parquet or Excel and upload that",
            )


_NOT_TABLES = (
    ("a web page (HTML)", lambda s: s.startswith(("<!doctype html", "<html")) or "<html" in s),
    ("an XML document", lambda s: s.startswith("<?xml")),
    ("JSON", lambda s: s.startswith(("[{", '{"', "[\n", "{\n", "[ ", "{ ", "[]", "{}"))),
)
"""Text files that are not tables, recognised by how they start."""


def sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter giving the same number (> 1) of fields on every sample line, most fields first.

    None means whitespace-separated (or a single column). Lines longer than
    :data:`SNIFF_LINE_CHARS` are left out of the sample (cut to that length when all are), so
    a very long cell cannot trip the csv module's field size limit.
    """
    lines = [line for line in lines if len(line) <= SNIFF_LINE_CHARS] or [
        line[:SNIFF_LINE_CHARS] for line in lines
    ]
    best: tuple[int, str] | None = None
    for delim in DELIMITERS:
        counts = {len(row) for row in csv.reader(lines, delimiter=delim)}
        if len(counts) == 1 and (n := counts.pop()) > 1 and (best is None or n > best[0]):
            best = (n, delim)
    if best is not None:
        return best[1]
    # Tolerate ragged rows (e.g. a trailing delimiter): the header's field count on most lines.
    for delim in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delim)]
        if counts[0] > 1 and sum(c == counts[0] for c in counts) >= 0.8 * len(counts):
            return delim
    return None


def check_width(width: int, name: str) -> None:
    """Refuse a header of more than :data:`MAX_COLUMNS` columns."""
    if width > MAX_COLUMNS:
        raise fail(
            name,
            f"the header has {width:,} columns, more than the {MAX_COLUMNS:,} a table may have",
            "Upload only the customer columns (id, tenure or dates, churn flag, revenue, segment)",
        )


def unique_names(names: list[str]) -> list[str]:
    """Column names made unique as pandas' CSV reader does (``x``, ``x.1``, ...)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}.{count}")
    return out


def _check_delimiters(table: pd.DataFrame, sep: str, name: str, *, first: int) -> None:
    """Refuse rows split by another delimiter than the header's (their whole line sits in the
    first column, the other columns empty)."""
    if table.shape[1] < 2 or not pd.api.types.is_string_dtype(table.iloc[:, 0]):
        return
    rest_empty = table.iloc[:, 1:].isna().all(axis=1)
    if not rest_empty.any():
        return
    lone = table.iloc[:, 0].where(rest_empty)
    for other in DELIMITERS:
        if other == sep:
            continue
        split = lone.str.count(re.escape(other)).fillna(0) >= table.shape[1] - 1
        if split.any():
            shown = "tab" if other == "\t" else repr(other)
            mine = "tab" if sep == "\t" else repr(sep)
            rows = np.flatnonzero(split.to_numpy())[:MAX_ROWS_SHOWN]
            raise DataError(
                name,
                [
                    Problem(
                        None,
                        tuple(first + int(r) for r in rows),
                        f"{int(split.sum()):,} rows are separated by {shown} while the header "
                        f"uses {mine}",
                        "Use one delimiter in the whole file (save it again as CSV UTF-8)",
                    )
                ],
            )


def _read_csv(data: bytes, name: str) -> pd.DataFrame:
    text = decode_text(data, name)
    all_lines = text.splitlines()
    leading = next((i for i, line in enumerate(all_lines) if line.strip()), len(all_lines))
    text = "\n".join(all_lines[leading:])
    lines = [line for line in all_lines if line.strip()][:50]
    if not lines:
        raise empty_file(name)
    delim = sniff_delimiter(lines)
    header = lines[0]
    width = header.count(delim) + 1 if delim is not None else len(header.split())
    check_width(width, name)
    if len(lines) < 2:
        raise no_rows(name)
    options: dict = {
        "dtype": str,
        "keep_default_na": False,
        "na_values": list(MISSING_SPELLINGS),
        "skipinitialspace": True,
        "skip_blank_lines": False,
    }
    if delim is None:
        width = {len(line.split()) for line in lines}
        options["sep"] = r"\s+" if max(width) > 1 else ","
    else:
        options["sep"] = delim
    try:
        table = pd.read_csv(io.StringIO(text), **options)
    except pd.errors.EmptyDataError as exc:
        raise empty_file(name) from exc
    except (pd.errors.ParserError, ValueError) as exc:
        raise fail(
            name,
            f"the rows do not split into the header's columns ({exc})",
            "Check that every row has as many fields as the header and that quotes are closed",
        ) from exc
    _check_delimiters(table, options["sep"], name, first=leading + 2)
    table = table.apply(lambda col: col.str.strip() if pd.api.types.is_string_dtype(col) else col)
    blank = (table.isna() | (table == "")).all(axis=1).to_numpy()
    first = leading + 2
    if blank.any():
        table = table[~blank].reset_index(drop=True)
    table.attrs[FIRST_ROW] = first
    table.attrs[SKIPPED_ROWS] = tuple(int(first + p) for p in np.flatnonzero(blank))
    return table
