"""A catalogue of malformed and awkward customer files and the message each must produce.

Each case is checked along the two ways a file reaches calibration:

* the Data page: :func:`read_table`, :func:`propose_mapping` (with the case's corrections through
  :func:`override_mapping`, as the page's selectboxes apply them), then :func:`validate`; an
  unreadable file is a :class:`DataError` whose problems carry the message;
* the command line: ``python -m simulator calibrate FILE [options]`` in-process.

An error case must be refused on both (no error-free validation; exit status 1 with the file
name and the same message on standard error, nothing on standard output, no traceback). A fine
case must calibrate (no error; exit 0 and JSON on standard output); its expected fragments are
the warnings the page shows (the command line prints only the JSON).

Row numbers are those a spreadsheet shows: the header is row 1, the first customer row 2.
"""

from __future__ import annotations

import datetime
import functools
import io
import json
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from simulator.cli import main
from simulator.cli.calibrate import CALIBRATE_ROLES
from simulator.data.calibrate import calibrate
from simulator.data.counts import count_records
from simulator.data.mapping import override_mapping, propose_mapping
from simulator.data.records import customer_records, validate
from simulator.data.tables import DataError, read_table

# --- building files -------------------------------------------------------------------------

HEADER = ("customer_id", "tenure_months", "churned", "monthly_revenue")
N = 40
"""Customers in the base files (more than the 30 a segment needs to avoid a warning)."""


def base_rows(n: int = N) -> list[list[str]]:
    """A good snapshot: ids c000.., tenure 1..36 months, every third customer churned."""
    return [
        [f"c{i:03d}", str(1 + (i * 7) % 36), "Yes" if i % 3 == 0 else "No", f"{20 + i % 5}.50"]
        for i in range(n)
    ]


CHURNED_IN_BASE = sum(1 for i in range(N) if i % 3 == 0)


def with_cells(rows: list[list[str]], cells: dict[tuple[int, int], str]) -> list[list[str]]:
    """``rows`` with ``cells[(file row, column index)]`` replaced (file row 2 = first customer)."""
    rows = [list(r) for r in rows]
    for (row, col), value in cells.items():
        rows[row - 2][col] = value
    return rows


def column(rows: list[list[str]], col: int, values) -> list[list[str]]:
    """``rows`` with column ``col`` replaced by ``values`` (cycled)."""
    values = list(values)
    return [[*r[:col], values[i % len(values)], *r[col + 1 :]] for i, r in enumerate(rows)]


def to_csv(
    rows,
    header=HEADER,
    *,
    sep: str = ",",
    eol: str = "\n",
    encoding: str = "utf-8",
    final_newline: bool = True,
) -> bytes:
    text = eol.join(sep.join(map(str, r)) for r in [list(header), *rows])
    return (text + (eol if final_newline else "")).encode(encoding)


DATED_HEADER = ("customer_id", "start_date", "end_date", "monthly_revenue")


def dated_rows(fmt: str = "%Y-%m-%d", n: int = N) -> list[list[str]]:
    """A good dated table: starts spread over 2023-2024 (day 13..25), every third one ended."""
    rows = []
    for i in range(n):
        start = datetime.date(2023, 1 + i % 12, 13 + i % 13)
        end = datetime.date(2025, 1 + i % 6, 14) if i % 3 == 0 else None
        rows.append(
            [
                f"d{i:03d}",
                start.strftime(fmt),
                "" if end is None else end.strftime(fmt),
                f"{15 + i % 4}.00",
            ]
        )
    return rows


def excel_bytes(frame: pd.DataFrame, *, startrow: int = 0) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, engine="openpyxl", startrow=startrow)
    return buffer.getvalue()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


def base_frame() -> pd.DataFrame:
    rows = base_rows()
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "tenure_months": [int(r[1]) for r in rows],
            "churned": [r[2] for r in rows],
            "monthly_revenue": [float(r[3]) for r in rows],
        }
    )


@functools.cache
def good_xlsx() -> bytes:
    return excel_bytes(base_frame())


@functools.cache
def good_parquet() -> bytes:
    return parquet_bytes(base_frame())


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def random_bytes(n: int, seed: int) -> bytes:
    return bytes(np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8))


PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"4 0 obj\n<< /Length 300 /Filter /FlateDecode >>\nstream\n"
    + random_bytes(300, 7)
    + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)

DOCX = zip_of(
    {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "word/document.xml": b"<w:document><w:body><w:p>customer_id,tenure</w:p></w:body>"
        b"</w:document>",
    }
)


# --- the catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One file: its name and bytes, the ``calibrate`` options (also the page's corrections),
    and the message fragments that must appear.

    ``ok`` False: calibration is refused. ``ok`` True: it calibrates; ``expected`` are then the
    warnings the page shows. ``absent`` fragments must not appear among the problems;
    ``churned`` and ``segments`` check the calibration JSON of a fine file.
    """

    case_id: str
    file_name: str
    raw: bytes
    cli_args: tuple[str, ...] = ()
    expected: tuple[str, ...] = ()
    ok: bool = False
    absent: tuple[str, ...] = ()
    churned: int | None = None
    segments: frozenset[str] | None = field(default=None)


def case(*args, marks=(), **kwargs):
    c = Case(*args, **kwargs)
    return pytest.param(c, id=c.case_id, marks=marks)


EMPTY = "the file is empty"
NO_ROWS = "the file has a header but no customer rows"
BINARY = "this is not a text table (it looks like binary data)"
NOT_EXCEL = "this is not a readable Excel workbook"
NOT_PARQUET = "this is not a readable Parquet file"
RAGGED = "the rows do not split into the header's columns"
NO_CHURN = "no customer churned, so churn cannot be estimated"
ALL_CHURN = "every customer churned: there are no active customers"


def spelled(churned: str, active: str) -> bytes:
    return to_csv(column(base_rows(), 2, [churned, active, active]))


_CASES = [
    # --- files that cannot be read at all
    case("empty", "empty.csv", b"", expected=(EMPTY, "Upload a table with a header row")),
    case("whitespace-only", "blank.csv", b"  \r\n\t\n   \n", expected=(EMPTY,)),
    case("header-only", "header.csv", to_csv([]), expected=(NO_ROWS,)),
    case(
        "header-then-blank-lines",
        "header.csv",
        to_csv([], eol="\r\n") + b"\r\n\r\n",
        expected=(NO_ROWS,),
    ),
    case("binary-junk", "junk.csv", random_bytes(4000, 1), expected=(BINARY,)),
    case("pdf-renamed-csv", "report.csv", PDF, expected=(BINARY,)),
    case(
        "zip-renamed-csv",
        "export.csv",
        zip_of({"customers.csv": to_csv(base_rows())}),
        expected=(NOT_EXCEL, "upload it as CSV"),
    ),
    case("word-document", "customers.docx", DOCX, expected=(NOT_EXCEL,)),
    case(
        "corrupt-xlsx",
        "book.xlsx",
        b"PK\x03\x04" + random_bytes(500, 2),
        expected=(NOT_EXCEL, "save it again as .xlsx"),
    ),
    case(
        "truncated-xlsx",
        "cut.xlsx",
        b"",  # filled in below (needs the workbook bytes)
        expected=(NOT_EXCEL,),
    ),
    case(
        "xlsx-name-on-text",
        "customers.xlsx",
        to_csv(base_rows()),
        expected=(NOT_EXCEL,),
    ),
    case(
        "corrupt-parquet",
        "broken.parquet",
        b"PAR1" + random_bytes(300, 3),
        expected=(NOT_PARQUET, "Export the table again as Parquet"),
    ),
    case("truncated-parquet", "cut.parquet", b"", expected=(NOT_PARQUET,)),
    case("parquet-name-on-csv", "customers.parquet", to_csv(base_rows()), expected=(NOT_PARQUET,)),
    case(
        "old-xls",
        "old.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        expected=("old-style Excel workbooks (.xls) are not read", "Save the sheet as .xlsx"),
    ),
    case(
        "utf16-bom-odd-bytes",
        "odd.csv",
        b"\xff\xfe" + "id,tenure\n1,2\n".encode("utf-16-le") + b"x",
        expected=("the file claims UTF-16 but is not", "Save it as CSV UTF-8"),
    ),
    case(
        "ragged-too-many-fields",
        "ragged.csv",
        to_csv(base_rows()).replace(b"c004,", b"c004,extra,fields,") + b"",
        expected=(RAGGED, "line 6", "as many fields as the header"),
    ),
    case(
        "unclosed-quote",
        "quote.csv",
        to_csv(with_cells(base_rows(), {(5, 3): '"20.50'})),
        expected=(RAGGED, "quotes are closed"),
    ),
    # --- readable, but the mapping cannot be completed
    case(
        "no-id-column",
        "noid.csv",
        to_csv([r[1:] for r in base_rows()], header=HEADER[1:]),
        expected=("Required column customer id is not mapped", "Map the customer id column"),
    ),
    case(
        "snapshot-without-tenure",
        "notenure.csv",
        to_csv([[r[0], r[2], r[3]] for r in base_rows()], header=("customer_id", "churned", "mrr")),
        expected=("Required column tenure is not mapped (a snapshot needs tenure and churned)",),
    ),
    case(
        "mapped-column-not-in-file",
        "t.csv",
        to_csv(base_rows()),
        cli_args=("--segment", "Plan"),
        expected=(
            "column 'Plan' (for segment) is not in the table",
            "customer_id, tenure_months, churned, monthly_revenue",
        ),
    ),
    case(
        "blank-header-cell",
        "blankhead.csv",
        to_csv(base_rows(), header=("customer_id", "", "churned", "monthly_revenue")),
        expected=("Required column tenure is not mapped",),
    ),
    case(
        "excel-title-row-above-header",
        "titled.xlsx",
        b"",  # filled in below
        expected=("Required column customer id is not mapped",),
    ),
    # --- cells that are wrong
    case(
        "duplicate-ids",
        "dup.csv",
        to_csv(with_cells(base_rows(), {(5, 0): "c001"})),
        expected=("column 'customer_id' (rows 3, 5)", "appears more than once (2 rows)"),
    ),
    case(
        "purchase-log-one-row-per-purchase",
        "purchases.csv",
        to_csv([row for row in base_rows() for _ in range(3)]),
        expected=(
            "appears more than once (120 rows)",
            "This looks like one row per purchase or event, not one per customer",
        ),
    ),
    case(
        "duplicate-ids-differing-by-spaces",
        "dup.csv",
        to_csv(with_cells(base_rows(), {(5, 0): " c001 "})),
        expected=("column 'customer_id' (rows 3, 5)", "appears more than once"),
    ),
    case(
        "empty-customer-id",
        "noid.csv",
        to_csv(with_cells(base_rows(), {(4, 0): "", (9, 0): "NA"})),
        expected=("column 'customer_id' (rows 4, 9): customer id is empty",),
    ),
    case(
        "unknown-churn-spelling",
        "maybe.csv",
        to_csv(with_cells(base_rows(), {(5, 2): "maybe", (8, 2): "Maybe"})),
        expected=(
            "column 'churned' (rows 5, 8)",
            "churned flag values ['maybe'] are not mapped to churned or active",
        ),
    ),
    case(
        "empty-churn-flag",
        "flag.csv",
        to_csv(with_cells(base_rows(), {(6, 2): ""})),
        expected=("column 'churned' (rows 6): churned flag is empty",),
    ),
    case(
        "tenure-not-a-number",
        "tenure.csv",
        to_csv(with_cells(base_rows(), {(3, 1): "twelve", (7, 1): "3 months"})),
        expected=("column 'tenure_months' (rows 3, 7): tenure is not a number",),
    ),
    case(
        "negative-tenure",
        "tenure.csv",
        to_csv(with_cells(base_rows(), {(7, 1): "-3"})),
        expected=("column 'tenure_months' (rows 7): tenure is negative",),
    ),
    case(
        "empty-tenure",
        "tenure.csv",
        to_csv(with_cells(base_rows(), {(9, 1): "", (10, 1): "n/a"})),
        expected=("column 'tenure_months' (rows 9, 10): tenure is empty",),
    ),
    case(
        "many-bad-rows-listed-five",
        "tenure.csv",
        to_csv(with_cells(base_rows(), {(r, 1): "x" for r in range(2, 12)})),
        expected=("column 'tenure_months' (rows 2, 3, 4, 5, 6): tenure is not a number",),
    ),
    case(
        "ragged-too-few-fields",
        "short.csv",
        to_csv([r[:2] if r[0] == "c005" else r for r in base_rows()]),
        expected=("column 'churned' (rows 7): churned flag is empty",),
    ),
    case(
        "negative-revenue",
        "rev.csv",
        to_csv(with_cells(base_rows(), {(4, 3): "-12.50"})),
        expected=("column 'monthly_revenue' (rows 4): revenue is negative",),
    ),
    case(
        "unparsable-start-date",
        "dates.csv",
        to_csv(with_cells(dated_rows(), {(4, 1): "soon", (6, 1): ""}), header=DATED_HEADER),
        expected=("column 'start_date' (rows 4, 6): start date is empty or not a date",),
    ),
    case(
        "end-before-start",
        "dates.csv",
        to_csv(with_cells(dated_rows(), {(5, 2): "2022-12-31"}), header=DATED_HEADER),
        expected=("column 'end_date' (rows 5): end date is before start date",),
    ),
    case(
        "end-not-a-date",
        "dates.csv",
        to_csv(with_cells(dated_rows(), {(6, 2): "unknown"}), header=DATED_HEADER),
        expected=("column 'end_date' (rows 6): end date is not a date",),
    ),
    case(
        "no-churned-customers",
        "none.csv",
        to_csv(column(base_rows(), 2, ["No"])),
        expected=("column 'churned'", NO_CHURN),
    ),
    case(
        "every-customer-churned",
        "all.csv",
        to_csv(column(base_rows(), 2, ["Yes"])),
        expected=("column 'churned'", ALL_CHURN),
    ),
    case(
        "dated-nobody-ended",
        "dates.csv",
        to_csv(column(dated_rows(), 2, [""]), header=DATED_HEADER),
        expected=(NO_CHURN,),
    ),
    case(
        "single-row",
        "one.csv",
        to_csv(base_rows(1)),
        expected=(ALL_CHURN,),
    ),
    case(
        "excel-duplicate-ids",
        "dup.xlsx",
        b"",  # filled in below
        expected=("column 'customer_id' (rows 3, 5)", "appears more than once"),
    ),
    case(
        "csv-blank-line-inside-keeps-row-numbers",
        "gap.csv",
        b"",  # filled in below
        expected=("column 'customer_id' (rows 3, 7)", "appears more than once"),
    ),
    case(
        "csv-leading-blank-lines-keep-row-numbers",
        "lead.csv",
        b"",  # filled in below
        # Two blank lines, the header on line 3, a blank line 7: the duplicates are on 5 and 9.
        expected=("column 'customer_id' (rows 5, 9)", "appears more than once"),
    ),
    case(
        "infinite-tenure",
        "inf.csv",
        to_csv(with_cells(base_rows(), {(4, 1): "inf"})),
        expected=("column 'tenure_months' (rows 4)", "tenure is infinite or above 1200 months"),
    ),
    case(
        "infinite-revenue",
        "inf.csv",
        to_csv(with_cells(base_rows(), {(4, 3): "inf"})),
        expected=("column 'monthly_revenue' (rows 4)", "revenue is infinite"),
    ),
    case(
        "as-of-before-every-start",
        "dates.csv",
        to_csv(dated_rows(), header=DATED_HEADER),
        cli_args=("--as-of", "2000-01-01"),
        expected=(
            "column 'start_date'",
            "no customer started on or before the as-of date 2000-01-01",
        ),
    ),
    case(
        "whitespace-separated",
        "cdnow.txt",
        to_csv(base_rows(), sep="   "),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "numeric-ids-and-na-revenue",
        "ids.csv",
        to_csv(column(column(base_rows(), 0, range(1, N + 1)), 3, ["19.90", "N/A", "null"])),
        ok=True,
        absent=("not a number",),
    ),
    case(
        "all-tenures-zero",
        "zero.csv",
        to_csv(column(base_rows(), 1, ["0"])),
        ok=True,
    ),
    # --- awkward but fine
    case("semicolon-delimited", "semi.csv", to_csv(base_rows(), sep=";"), ok=True),
    case("tab-delimited", "tab.tsv", to_csv(base_rows(), sep="\t"), ok=True),
    case("pipe-delimited", "pipe.txt", to_csv(base_rows(), sep="|"), ok=True),
    case(
        "utf8-bom",
        "bom.csv",
        b"\xef\xbb\xbf" + to_csv(base_rows()),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "utf16-bom-tab",
        "unicode.txt",
        to_csv(base_rows(), sep="\t", eol="\r\n", encoding="utf-16"),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "cp1252-accented-segments",
        "clients.csv",
        to_csv(
            [[*r, "Privé" if i % 2 else "Société"] for i, r in enumerate(base_rows(70))],
            header=(*HEADER, "segment"),
            encoding="cp1252",
        ),
        ok=True,
        segments=frozenset({"Privé", "Société"}),
    ),
    case(
        "crlf-no-final-newline",
        "crlf.csv",
        to_csv(base_rows(), eol="\r\n", final_newline=False),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "quoted-delimiters-and-newlines",
        "quoted.csv",
        to_csv(
            [
                [*r, '"Gold, annual"' if i % 2 else '"two\nlines"']
                for i, r in enumerate(base_rows())
            ],
            header=(*HEADER, "notes"),
        ),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "trailing-delimiter",
        "trail.csv",
        to_csv([[*r, ""] for r in base_rows()], header=(*HEADER, "")),
        ok=True,
    ),
    case(
        "duplicate-column-names",
        "dupcols.csv",
        to_csv([[*r, r[3]] for r in base_rows()], header=(*HEADER, "monthly_revenue")),
        ok=True,
    ),
    case(
        "blank-header-cell-mapped-by-hand",
        "blankhead.csv",
        to_csv(base_rows(), header=("customer_id", "", "churned", "monthly_revenue")),
        cli_args=("--tenure", "Unnamed: 1"),
        ok=True,
    ),
    case("churn-yes-no", "f.csv", spelled("Yes", "No"), ok=True, churned=CHURNED_IN_BASE),
    case("churn-y-n", "f.csv", spelled("Y", "n"), ok=True, churned=CHURNED_IN_BASE),
    case("churn-1-0", "f.csv", spelled("1", "0"), ok=True, churned=CHURNED_IN_BASE),
    case("churn-1.0-0.0", "f.csv", spelled("1.0", "0.0"), ok=True, churned=CHURNED_IN_BASE),
    case("churn-true-false", "f.csv", spelled("TRUE", "False"), ok=True, churned=CHURNED_IN_BASE),
    case("churn-t-f", "f.csv", spelled("t", "f"), ok=True, churned=CHURNED_IN_BASE),
    case(
        "churn-attrited-existing",
        "f.csv",
        spelled("Attrited Customer", "Existing Customer"),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "churn-churned-active",
        "f.csv",
        spelled("churned", "active"),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "tenure-in-years-by-name",
        "years.csv",
        to_csv(column(base_rows(), 1, range(0, 11)), header=("id", "tenure_years", "churn", "mrr")),
        ok=True,
    ),
    case(
        "tenure-in-years-by-option",
        "years.csv",
        to_csv(column(base_rows(), 1, range(0, 11))),
        cli_args=("--tenure-unit", "years"),
        ok=True,
    ),
    case(
        "decimal-commas",
        "eu.csv",
        to_csv(
            column(column(base_rows(), 3, ["12,50", "9,90", "30"]), 1, ["12,5", "3", "7,25"]),
            sep=";",
        ),
        ok=True,
        absent=("not a number",),
    ),
    case(
        "currency-symbols-and-thousands",
        "money.csv",
        to_csv(column(base_rows(), 3, ["€12.50", '"$1,234.00"', "£ 9.90", "12.50 €"])),
        ok=True,
        absent=("not a number",),
    ),
    case(
        "revenue-text-is-a-warning",
        "rev.csv",
        to_csv(with_cells(base_rows(), {(3, 3): "free", (6, 3): "tbc", (8, 3): "N/A"})),
        ok=True,
        expected=(
            "warning: column 'monthly_revenue' (rows 3, 6): revenue is not a number; "
            "these cells are treated as missing",
        ),
    ),
    case(
        "dates-dd-mm-yyyy",
        "dmy.csv",
        to_csv(dated_rows("%d/%m/%Y"), header=DATED_HEADER),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "dates-mm-dd-yyyy",
        "mdy.csv",
        to_csv(dated_rows("%m/%d/%Y"), header=DATED_HEADER),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "dates-yyyymmdd",
        "ymd.csv",
        to_csv(dated_rows("%Y%m%d"), header=DATED_HEADER),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "start-after-as-of-is-a-warning",
        "dates.csv",
        to_csv(with_cells(dated_rows(), {(3, 1): "2025-08-01"}), header=DATED_HEADER),
        cli_args=("--as-of", "2025-06-30"),
        ok=True,
        expected=(
            "warning: column 'start_date' (rows 3): start date after the as-of date 2025-06-30; "
            "these customers are left out",
        ),
    ),
    case(
        "small-segment-is-a-warning",
        "seg.csv",
        to_csv(
            [[*r, "Gold" if i < 5 else "Blue"] for i, r in enumerate(base_rows(45))],
            header=(*HEADER, "segment"),
        ),
        ok=True,
        expected=("segment 'Gold' has only 5 customers, too few to fit (< 30)",),
        segments=frozenset({"Gold", "Blue"}),
    ),
    case(
        "satisfaction-and-contacts-text-are-warnings",
        "extra.csv",
        to_csv(
            [
                [*r, "high" if i == 2 else str(i % 10), "several" if i == 4 else str(i % 4)]
                for i, r in enumerate(base_rows())
            ],
            header=(*HEADER, "satisfaction", "contacts"),
        ),
        ok=True,
        expected=(
            "warning: column 'satisfaction' (rows 4): satisfaction is not a number",
            "warning: column 'contacts' (rows 6): contacts is not a number",
        ),
    ),
    case(
        "price-zero-or-negative-is-a-warning",
        "price.csv",
        to_csv(
            [
                [*r, "0" if i == 1 else "20", "-1" if i == 3 else "21"]
                for i, r in enumerate(base_rows())
            ],
            header=(*HEADER, "price_before", "price_after"),
        ),
        ok=True,
        expected=(
            "column 'price_before' (rows 3): price before is not above 0",
            "column 'price_after' (rows 5): price after is not above 0",
        ),
    ),
    case(
        "two-thousand-columns",
        "wide.csv",
        to_csv(
            [[*r, *(str(j) for j in range(2000))] for r in base_rows()],
            header=(*HEADER, *(f"x{j}" for j in range(2000))),
        ),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case("excel-first-sheet", "customers.xlsx", b"", ok=True, churned=CHURNED_IN_BASE),
    case(
        "excel-leading-empty-rows",
        "lead.xlsx",
        b"",  # filled in below
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case("parquet", "customers.parquet", b"", ok=True, churned=CHURNED_IN_BASE),
]


def _fill(param, raw: bytes):
    c: Case = param.values[0]
    return pytest.param(Case(**{**c.__dict__, "raw": raw}), id=param.id, marks=param.marks)


def gap_csv(leading: int) -> bytes:
    """``leading`` blank lines, header, 3 customers, a blank line, the rest; the 5th is "c001"."""
    rows = with_cells(base_rows(), {(6, 0): "c001"})
    lines = [",".join(HEADER), *(",".join(r) for r in rows)]
    return ("\n" * leading + "\n".join([*lines[:4], "", *lines[4:]]) + "\n").encode()


@functools.cache
def _late_bytes() -> dict[str, bytes]:
    """Workbook and Parquet bytes (built once)."""
    dup = base_frame()
    dup.loc[3, "customer_id"] = "c001"
    titled = io.BytesIO()
    with pd.ExcelWriter(titled, engine="openpyxl") as writer:
        base_frame().to_excel(writer, index=False, startrow=2)
        writer.sheets["Sheet1"].cell(row=1, column=1, value="Customer export, March 2025")
    return {
        "truncated-xlsx": good_xlsx()[: len(good_xlsx()) // 2],
        "truncated-parquet": good_parquet()[: len(good_parquet()) // 2],
        "excel-title-row-above-header": titled.getvalue(),
        "excel-duplicate-ids": excel_bytes(dup),
        "excel-first-sheet": good_xlsx(),
        "excel-leading-empty-rows": excel_bytes(base_frame(), startrow=3),
        "csv-blank-line-inside-keeps-row-numbers": gap_csv(leading=0),
        "csv-leading-blank-lines-keep-row-numbers": gap_csv(leading=2),
        "parquet": good_parquet(),
    }


CASES = [_fill(p, _late_bytes()[p.id]) if p.id in _late_bytes() else p for p in _CASES]


# --- the two paths ------------------------------------------------------------------------------


def page_options(cli_args: tuple[str, ...]) -> tuple[dict[str, str], str | None, object]:
    """The ``calibrate`` options as the page's corrections: columns, tenure unit, as-of date."""
    columns: dict[str, str] = {}
    unit = None
    as_of = None
    pairs = dict(zip(cli_args[::2], cli_args[1::2], strict=True))
    for option, value in pairs.items():
        key = option.removeprefix("--")
        if key in CALIBRATE_ROLES:
            columns[key] = value
        elif key == "tenure-unit":
            unit = value
        elif key == "as-of":
            as_of = datetime.date.fromisoformat(value)
        else:
            raise AssertionError(f"option {option} has no page equivalent")
    return columns, unit, as_of


def page_path(c: Case) -> tuple[bool, str]:
    """(refused, the messages the page shows) for a case, as the Data page reaches them."""
    columns, unit, as_of = page_options(c.cli_args)
    try:
        table = read_table(c.raw, name=c.file_name)
    except DataError as exc:
        assert exc.name == c.file_name
        assert str(exc).startswith(f"{c.file_name}: cannot use this table")
        return True, "\n".join(str(p) for p in exc.problems)
    try:
        mapping = override_mapping(table, propose_mapping(table), tenure_unit=unit, **columns)
    except ValueError as exc:
        return True, str(exc)
    problems = validate(table, mapping, as_of=as_of)
    text = "\n".join(str(p) for p in problems)
    refused = any(p.severity == "error" for p in problems)
    if not refused:
        records = customer_records(table, mapping, as_of=as_of, name=c.file_name)
        assert len(records) > 0
        counts = count_records(records)  # as ui.cached.upload_calibration
        interval = 12 if mapping.kind == "snapshot" and mapping.tenure_unit == "years" else 1
        calibrate(counts, tenure_interval_months=interval)
    return refused, text


@pytest.mark.parametrize("c", CASES)
def test_the_page_shows_the_message(c: Case):
    refused, text = page_path(c)
    assert refused != c.ok, text
    for fragment in c.expected:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    for fragment in c.absent:
        assert fragment not in text, text


@pytest.mark.parametrize("c", CASES)
def test_the_command_line_gives_the_same_message(c: Case, tmp_path, capsys):
    path = tmp_path / c.file_name
    path.write_bytes(c.raw)
    code = main(["calibrate", str(path), *c.cli_args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert_command_line_outcome(c, code, out, err, refused=not c.ok, expected=c.expected)


def assert_command_line_outcome(c: Case, code, out, err, *, refused: bool, expected) -> None:
    """``calibrate`` on case ``c`` exited ``code`` with ``out``/``err``: refused with one line
    naming the file and every ``expected`` fragment, or calibrated as the case says."""
    if refused:
        assert code == 1, (out, err)
        assert out == ""
        assert err.startswith("error: ") and c.file_name in err.splitlines()[0], err
        for fragment in expected:
            assert fragment in err, f"{fragment!r} not in:\n{err}"
        return
    assert code == 0, err
    result = json.loads(out)["segments"]
    assert result and all(s["customers"] > 0 for s in result.values())
    if c.churned is not None:
        assert sum(s["churned"] for s in result.values()) == c.churned
    if c.segments is not None:
        assert set(result) == c.segments


def test_the_catalogue_has_at_least_40_distinct_files():
    ids = [p.id for p in CASES]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids)
    assert all(p.values[0].case_id == p.id for p in CASES)
    assert len({p.values[0].raw for p in CASES}) >= 40
