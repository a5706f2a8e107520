"""Hostile uploads: a generated catalogue of files built to break the Data page.

The catalogue is the awkward files of :mod:`tests.test_bad_files` (``CASES``) plus the hostile
ones here (``HOSTILE``): very long lines, mixed delimiters and encodings inside one file,
an Excel zip bomb, a workbook whose sheet claims the whole grid, formulas in cells, NaN and
infinite strings, dates out of range, huge numbers, unicode ids, a million identical rows...

Each file goes through

* the core (read_table -> propose_mapping -> validate -> calibrate) and the command line, with
  the messages it must give (the checks of :mod:`tests.test_bad_files`);
* the Data page itself with AppTest: uploaded, then calibrated when the page allows it. No
  exception, no "Traceback" anywhere on the page, and either an error or warning box with the
  problems table naming the file, column or rows, or the fit table of a successful calibration.

A file over the upload limit never reaches the page: Streamlit's server refuses it
(``server.maxUploadSize``); ``tests/e2e/test_upload_limits_browser.py`` checks that in a browser.
``benchmarks/hostile_uploads.py`` uploads the whole catalogue to a real server and measures its
memory.
"""

from __future__ import annotations

import functools
import io
import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from simulator.cli import main
from simulator.data import tables
from simulator.data.tables import DataError, read_table
from tests.test_bad_files import (
    CASES,
    CHURNED_IN_BASE,
    HEADER,
    RAGGED,
    Case,
    N,
    base_frame,
    base_rows,
    case,
    column,
    excel_bytes,
    page_options,
    page_path,
    to_csv,
    with_cells,
)
from ui import data, text

APP = str(Path(__file__).resolve().parents[1] / "app.py")
DATA = "pages/3_Data.py"

# --- building hostile files ----------------------------------------------------------------


def _sheet_xml(rows: bytes, *, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + dim
        + b"<sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


def _inline_row(r: int, values: list[str]) -> bytes:
    cells = []
    for c, value in enumerate(values):
        ref = f"{chr(65 + c)}{r}"
        try:
            float(value)
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        except ValueError:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
    return f'<row r="{r}">{"".join(cells)}</row>'.encode()


def xlsx_with_sheet(members: dict[str, bytes], sheet: bytes) -> bytes:
    """A good workbook (:func:`excel_bytes` of the base table) with its first sheet's XML
    replaced by ``sheet`` (compressed at the highest level) and extra ``members`` added."""
    good = zipfile.ZipFile(io.BytesIO(excel_bytes(base_frame())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in good.infolist():
            data = sheet if info.filename == "xl/worksheets/sheet1.xml" else good.read(info)
            archive.writestr(info.filename, data)
        for member, data in members.items():
            archive.writestr(member, data)
    return out.getvalue()


def raw_zip(members: dict[str, list[bytes] | bytes], repeat: dict[str, int] | None = None) -> bytes:
    """A zip archive written by hand, so a member can be one deflated block repeated.

    A member given as ``[head, block, tail]`` with ``repeat[name] = k`` holds head, k copies of
    block, tail: each part is deflated once with a full flush (byte-aligned, no history), so the
    k copies are k copies of the same compressed bytes. That is how a zip bomb packs gigabytes
    into a few megabytes without the test ever holding the payload.
    """
    repeat = repeat or {}
    local, central = io.BytesIO(), io.BytesIO()
    for name, parts in members.items():
        head, block, tail = (parts, b"", b"") if isinstance(parts, bytes) else parts
        k = repeat.get(name, 0)
        deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed_head = deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)
        packed_block = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
        packed_tail = deflate.compress(tail) + deflate.flush()
        crc = zlib.crc32(head)
        for _ in range(k):
            crc = zlib.crc32(block, crc)
        crc = zlib.crc32(tail, crc)
        size = len(head) + k * len(block) + len(tail)
        packed = len(packed_head) + k * len(packed_block) + len(packed_tail)
        encoded = name.encode()
        offset = local.tell()
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, packed, size)
        local.write(b"PK\x03\x04" + fields + struct.pack("<HH", len(encoded), 0) + encoded)
        local.write(packed_head)
        for _ in range(k):
            local.write(packed_block)
        local.write(packed_tail)
        central.write(
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fields
            + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, offset)
            + encoded
        )
    count = len(members)
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, central.tell(), local.tell(), 0
    )
    return local.getvalue() + central.getvalue() + end


def zip_bomb_xlsx(unpacked_bytes: int = 3 * 2**30) -> bytes:
    """A workbook whose first sheet is ``unpacked_bytes`` (3 GB) of identical rows, a few MB
    packed: the other parts of a good workbook, and a sheet of one 1 MB block of rows repeated."""
    row = _inline_row(2, base_rows(1)[0]).replace(b' r="2"', b"")
    row = re.sub(rb' r="[A-Z]+2"', b"", row)
    block = row * (2**20 // len(row))
    good = zipfile.ZipFile(io.BytesIO(excel_bytes(base_frame())))
    members: dict[str, list[bytes] | bytes] = {
        info.filename: good.read(info) for info in good.infolist()
    }
    head = _sheet_xml(b"<!---->").split(b"<!---->")[0] + _inline_row(1, list(HEADER))
    members["xl/worksheets/sheet1.xml"] = [head, block, b"</sheetData></worksheet>"]
    return raw_zip(members, {"xl/worksheets/sheet1.xml": unpacked_bytes // len(block)})


def whole_grid_xlsx() -> bytes:
    """The base table plus one cell at the last cell of the grid (XFD1048576): small on disk,
    but a reader that fills the grid allocates 17 billion cells."""
    rows = b"".join(_inline_row(r + 1, v) for r, v in enumerate([list(HEADER), *base_rows()]))
    rows += b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return xlsx_with_sheet({}, _sheet_xml(rows, dimension="A1:XFD1048576"))


def formula_xlsx() -> bytes:
    """The base table with formulas (no cached values) in the revenue column and a
    ``=HYPERLINK`` in one id."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(excel_bytes(base_frame())))
    sheet = book.active
    for r in range(2, N + 2):
        sheet.cell(row=r, column=4, value=f"=10+{r}")
    sheet.cell(row=5, column=1, value='=HYPERLINK("http://example.invalid","c003")')
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def mixed_encodings() -> bytes:
    """Half the rows UTF-8, half cp1252 (ids with accents): no single encoding reads it all."""
    rows = column(base_rows(), 0, [f"café-{i}" for i in range(N)])
    lines = [",".join(HEADER).encode()]
    for i, r in enumerate(rows):
        lines.append(",".join(r).encode("utf-8" if i % 2 else "cp1252"))
    return b"\n".join(lines) + b"\n"


def mixed_delimiters() -> bytes:
    """Header and half the rows with commas, the other half with semicolons."""
    lines = [",".join(HEADER)]
    lines += [(";" if i % 2 else ",").join(r) for i, r in enumerate(base_rows())]
    return ("\n".join(lines) + "\n").encode()


def long_line_csv(cell_bytes: int = 4 * 2**20) -> bytes:
    """A notes column with one 4 MB cell (a very long line)."""
    rows = [[*r, "ok"] for r in base_rows()]
    rows[5][4] = "x" * cell_bytes
    return to_csv(rows, header=(*HEADER, "notes"))


def one_line_no_newline(size: int = 3 * 2**20) -> bytes:
    """3 MB on one line, no line break: a header and nothing else."""
    return ",".join(f"col{i}" for i in range(size // 8)).encode()[:size]


def million_identical_rows() -> bytes:
    return to_csv([base_rows(1)[0]] * 1_000_000)


def million_rows_distinct_ids() -> bytes:
    rows = base_rows(1_000)
    return to_csv([[f"u{i}", *rows[i % 1000][1:]] for i in range(1_000_000)])


UNICODE_IDS = [
    "  Zoë Ærø ",
    "客户 42",
    "عميل ٧",
    "👩‍💻 dev",
    "id with  spaces",
    "ñ\u200bzero-width",
    "Ωmega",
    "a\tb",
]

# --- the hostile cases ----------------------------------------------------------------------

BOMB = "the workbook unpacks to"
GRID = "the sheet claims"

HOSTILE = [
    case(
        "very-long-line-4mb-cell",
        "longcell.csv",
        long_line_csv(),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "one-3mb-line-no-newline",
        "oneline.csv",
        one_line_no_newline(),
        expected=("the header has 325,684 columns, more than the 16,384",),
    ),
    case(
        "mixed-delimiters-in-one-file",
        "mixed.csv",
        mixed_delimiters(),
        expected=(
            "file (rows 3, 5, 7, 9, 11): 20 rows are separated by ';' while the header uses ','",
        ),
    ),
    case(
        "mixed-encodings-in-one-file",
        "mixedenc.csv",
        mixed_encodings(),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "utf8-bom-then-cp1252-bytes",
        "bomcp.csv",
        b"\xef\xbb\xbf"
        + to_csv(column(base_rows(), 0, [f"Ren\u00e9e {i}" for i in range(N)])).replace(
            b"Ren\xc3\xa9e 7,", b"Ren\xe9e 7,"
        ),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "xlsx-zip-bomb-4gb",
        "bomb.xlsx",
        b"",  # filled in below (built once, a few MB)
        expected=(BOMB, "MB"),
    ),
    case(
        "xlsx-ratio-bomb",
        "ratio.xlsx",
        b"",  # filled in below
        expected=(BOMB,),
    ),
    case(
        "xlsx-whole-grid-cell",
        "grid.xlsx",
        b"",  # filled in below
        expected=(GRID,),
    ),
    case(
        "xlsx-formulas-without-values",
        "formulas.xlsx",
        b"",  # filled in below: formulas without values read as empty cells
        expected=("column 'customer_id' (rows 5): customer id is empty",),
    ),
    case(
        "csv-formulas-in-cells",
        "formulas.csv",
        to_csv(
            with_cells(
                base_rows(),
                {
                    (3, 0): '"=HYPERLINK(""http://example.invalid"",""c"")"',
                    (4, 0): "=1+1",
                    (5, 0): "@SUM(A1:A9)",
                    (6, 3): "=1+1",
                    (7, 3): "+cmd|' /C calc'!A0",
                },
            )
        ),
        ok=True,
        expected=("revenue is not a number; these cells are treated as missing",),
    ),
    case(
        "csv-formula-in-tenure",
        "ftenure.csv",
        to_csv(with_cells(base_rows(), {(4, 1): "=A1*12"})),
        expected=("column 'tenure_months' (rows 4): tenure is not a number",),
    ),
    case(
        "nan-strings-in-tenure",
        "nan.csv",
        to_csv(with_cells(base_rows(), {(3, 1): "NaN", (4, 1): "nan", (5, 1): "#N/A"})),
        expected=("column 'tenure_months' (rows 3, 4, 5): tenure is empty",),
    ),
    case(
        "inf-strings-in-tenure",
        "inf.csv",
        to_csv(with_cells(base_rows(), {(3, 1): "inf", (4, 1): "Infinity", (5, 1): "-inf"})),
        expected=("tenure is infinite or above 1200 months",),
    ),
    case(
        "inf-strings-in-revenue",
        "infrev.csv",
        to_csv(with_cells(base_rows(), {(3, 3): "inf", (4, 3): "-Infinity", (5, 3): "NaN"})),
        expected=("revenue is infinite",),
    ),
    case(
        "huge-numbers-1e308",
        "huge.csv",
        to_csv(with_cells(base_rows(), {(3, 1): "1e308", (4, 3): "1e308", (5, 3): "1e309"})),
        expected=("tenure is infinite or above 1200 months", "revenue is infinite"),
    ),
    case(
        "forty-digit-numbers",
        "digits.csv",
        to_csv(with_cells(base_rows(), {(3, 1): "9" * 40, (4, 3): "1" + "0" * 40})),
        expected=("column 'tenure_months' (rows 3): tenure is infinite or above 1200",),
    ),
    case(
        "huge-revenue-everywhere",
        "rich.csv",
        to_csv(column(base_rows(), 3, ["1" + "0" * 300])),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "dates-year-0001-and-9999",
        "ancient.csv",
        to_csv(
            [
                [f"d{i}", "0001-01-01" if i == 3 else "2024-01-15", "9999-12-31" if i == 4 else ""]
                for i in range(N)
            ],
            header=("customer_id", "start_date", "end_date"),
        ),
        expected=(
            "column 'start_date' (rows 5): date outside 1900-2199 (e.g. 0001-01-01)",
            "column 'end_date' (rows 6): date outside 1900-2199 (e.g. 9999-12-31)",
        ),
    ),
    case(
        "dates-as-1e12-epoch",
        "epoch.csv",
        to_csv(
            [[f"d{i}", "1e12" if i % 2 else "1700000000000", ""] for i in range(N)],
            header=("customer_id", "start_date", "end_date"),
        ),
        expected=("Required column tenure is not mapped", "or map start and end dates"),
    ),
    case(
        "unicode-ids-with-spaces",
        "unicode.csv",
        to_csv(column(base_rows(), 0, [f"{u} {i}" for i, u in enumerate(UNICODE_IDS * 5)])),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "unicode-header-and-segments",
        "ünïcödé.csv",
        to_csv(
            [[*r, "Größe" if i % 2 else "小"] for i, r in enumerate(base_rows(120))],
            header=("Kunden-Nr.", "tenure_months", "churned", "Umsatz €", "Segment ✓"),
        ),
        cli_args=("--id", "Kunden-Nr.", "--segment", "Segment ✓"),
        ok=True,
    ),
    case(
        "million-identical-rows",
        "million.csv",
        b"",  # filled in below (16 MB)
        expected=("appears more than once (1000000 rows)",),
        marks=pytest.mark.slow,
    ),
    case(
        "nul-bytes-inside-text",
        "nul.csv",
        to_csv(base_rows()).replace(b"c010", b"c\x00010"),
        expected=("this is not a text table (it looks like binary data)",),
    ),
    case(
        "only-delimiters",
        "commas.csv",
        b",,,,\n" * 50,
        expected=("the file",),
    ),
    case(
        "ten-thousand-columns-wide",
        "verywide.csv",
        to_csv(
            [[*r, *("1" for _ in range(10_000))] for r in base_rows()],
            header=(*HEADER, *(f"extra_{j}" for j in range(10_000))),
        ),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
    case(
        "hundred-thousand-rows-one-column",
        "tall.csv",
        b"customer_id\n" + b"".join(f"c{i}\n".encode() for i in range(100_000)),
        expected=("Required column",),
    ),
    case(
        "unclosed-quote-swallows-file",
        "swallow.csv",
        to_csv(with_cells(base_rows(), {(3, 0): '"c001'})),
        expected=(RAGGED,),
    ),
    case(
        "html-error-page-as-csv",
        "export.csv",
        b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
        b"<body><h1>Bad Gateway</h1></body></html>\n",
        expected=("this is a web page (HTML), not a table",),
    ),
    case(
        "json-as-csv",
        "customers.csv",
        json.dumps([dict(zip(HEADER, r, strict=True)) for r in base_rows()]).encode(),
        expected=("this is JSON, not a table",),
    ),
    case(
        "utf32-bom",
        "utf32.csv",
        b"\xff\xfe\x00\x00" + to_csv(base_rows()).decode().encode("utf-32-le"),
        ok=True,
        churned=CHURNED_IN_BASE,
    ),
]


@functools.cache
def _late_bytes() -> dict[str, bytes]:
    ratio_sheet = _sheet_xml(
        b"".join(_inline_row(r + 1, v) for r, v in enumerate([list(HEADER), *base_rows()]))
        + b"<!--"
        + b" " * (40 * 2**20)
        + b"-->"
    )
    return {
        "xlsx-zip-bomb-4gb": zip_bomb_xlsx(),
        "xlsx-ratio-bomb": xlsx_with_sheet({}, ratio_sheet),
        "xlsx-whole-grid-cell": whole_grid_xlsx(),
        "xlsx-formulas-without-values": formula_xlsx(),
        "million-identical-rows": million_identical_rows(),
    }


def _fill(param):
    c: Case = param.values[0]
    raw = _late_bytes().get(c.case_id)
    if raw is None:
        return param
    return pytest.param(Case(**{**c.__dict__, "raw": raw}), id=param.id, marks=param.marks)


HOSTILE = [_fill(p) for p in HOSTILE]
CATALOG = [*CASES, *HOSTILE]
"""Every file of the catalogue: the awkward ones of :mod:`tests.test_bad_files` and the
hostile ones here."""


# --- the core and the command line ------------------------------------------------------------


@pytest.mark.parametrize("c", HOSTILE)
def test_the_core_gives_the_message(c: Case):
    refused, shown = page_path(c)
    assert refused != c.ok, shown
    for fragment in c.expected:
        assert fragment in shown, f"{fragment!r} not in:\n{shown}"


@pytest.mark.parametrize("c", HOSTILE)
def test_the_command_line_gives_the_message(c: Case, tmp_path, capsys):
    path = tmp_path / c.file_name
    path.write_bytes(c.raw)
    code = main(["calibrate", str(path), *c.cli_args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if c.ok:
        assert code == 0, err
        result = json.loads(out)["segments"]
        if c.churned is not None:
            assert sum(s["churned"] for s in result.values()) == c.churned
        return
    assert code == 1, (out, err)
    assert err.startswith("error: ") and c.file_name in err.splitlines()[0], err
    for fragment in c.expected:
        assert fragment in err, f"{fragment!r} not in:\n{err}"


# --- the Data page ----------------------------------------------------------------------------

MIME = {
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".parquet": "application/octet-stream",
}


def page_texts(at: AppTest) -> list[str]:
    """Every text the page shows: boxes, markdown, captions, code, and the tables' cells."""
    shown: list[str] = []
    for kind in ("error", "warning", "info", "success", "markdown", "caption", "code", "text"):
        shown += [str(e.value) for e in getattr(at, kind)]
    shown += [str(e.value) for e in at.exception]
    for frame in at.dataframe:
        shown.append(frame.value.to_string())
    return shown


@dataclass(frozen=True)
class Outcome:
    """What the Data page did with a file: ``kind`` is "message" (an error or warning box with
    its problems table), "calibrated" (the fit table), or "crash" (an exception, a traceback,
    or neither a message nor a fit); ``detail`` says what was shown."""

    kind: str
    detail: str


def upload_to_page(c: Case, at: AppTest | None = None) -> tuple[Outcome, AppTest]:
    """Upload ``c`` on the Data page, apply its column choices, calibrate when the page lets."""
    if at is None:
        at = AppTest.from_file(APP, default_timeout=180).run()
        at.switch_page(DATA).run()
    mime = MIME.get(Path(c.file_name).suffix.lower(), "application/octet-stream")
    at.file_uploader(key="data_upload").upload(c.file_name, c.raw, mime).run()
    columns, unit, _ = page_options(c.cli_args)
    boxes = {s.key: s for s in at.selectbox}
    for role, column_name in columns.items():
        box = boxes.get(data.role_key(role))
        if box is not None and column_name in box.options and not at.exception:
            box.set_value(column_name).run()
            boxes = {s.key: s for s in at.selectbox}
    if unit is not None and not at.exception:
        at.radio(key=data.TENURE_UNIT_KEY).set_value(unit).run()
    buttons = [b for b in at.button if b.key == "data_calibrate"]
    if buttons and not buttons[0].disabled and not at.exception:
        buttons[0].click().run()
    return judge(at), at


def judge(at: AppTest) -> Outcome:
    shown = page_texts(at)
    if at.exception or any("Traceback" in s for s in shown):
        return Outcome("crash", "\n".join(shown)[-2000:])
    fitted = any(text.t("data.fit.alpha") in d.value.columns for d in at.dataframe)
    problem_tables = [
        d.value for d in at.dataframe if text.t("data.problem.message") in d.value.columns
    ]
    boxes = [str(e.value) for e in (*at.error, *at.warning)]
    if fitted and not at.error:
        return Outcome("calibrated", "\n".join(boxes))
    if at.error and (problem_tables or any(":" in b for b in boxes)):
        details = list(boxes)
        for frame in problem_tables:
            details += [" | ".join(map(str, row)) for row in frame.itertuples(index=False)]
        return Outcome("message", "\n".join(details))
    return Outcome("crash", "no message and no fit:\n" + "\n".join(shown)[-2000:])


def refused_by_the_uploader(c: Case) -> bool:
    """True for a file the uploader does not take (its type is not among ``data.FILE_TYPES``):
    the browser refuses it ("docx files are not allowed"), it never reaches the page.
    ``tests/e2e/test_upload_limits_browser.py`` checks that message in a browser."""
    return Path(c.file_name).suffix.lower().lstrip(".") not in data.FILE_TYPES


def page_cannot_say(c: Case) -> bool:
    """True when the page cannot make the case's command-line choices: an as-of date (the
    page uses the latest date in the table) or a column that is not in the file."""
    columns, _, _ = page_options(c.cli_args)
    return "--as-of" in c.cli_args or any(
        f"'{name}' (for" in e for name in columns.values() for e in c.expected
    )


@pytest.mark.slow
@pytest.mark.parametrize("c", CATALOG)
def test_the_data_page_gives_a_message_or_calibrates(c: Case):
    if refused_by_the_uploader(c):
        assert c.file_name.rsplit(".", 1)[-1] in ("docx", "xls")
        return
    outcome, at = upload_to_page(c)
    assert outcome.kind != "crash", outcome.detail
    if page_cannot_say(c):
        return
    if c.ok:
        assert outcome.kind == "calibrated", outcome.detail
        return
    assert outcome.kind == "message", outcome.detail
    if text.t("data.read_error", name="").split("**")[-1] in at.error[0].value:
        assert c.file_name.split(".")[0] in str(at.error[0].value).replace("\\", "")
    for fragment in c.expected:
        # the page shows a problem's column, rows, message and fix in separate cells
        message = re.sub(r"^(column '[^']*'|file)( \(rows [\d, ]+\))?(: |$)", "", fragment)
        assert message[:40] in outcome.detail, f"{message[:40]!r} not in\n{outcome.detail}"


def test_the_catalogue_has_at_least_100_distinct_files():
    ids = [p.id for p in CATALOG]
    assert len(HOSTILE) >= 20
    assert len(ids) >= 100
    assert len(set(ids)) == len(ids)
    assert len({p.values[0].raw for p in CATALOG}) >= 100


# --- the limits themselves --------------------------------------------------------------------


def test_a_workbook_over_the_unpacked_limit_is_refused_before_unpacking(monkeypatch):
    monkeypatch.setattr(tables, "MAX_WORKBOOK_UNPACKED_BYTES", 4096)
    with pytest.raises(DataError, match=r"the workbook unpacks to .* more than"):
        read_table(excel_bytes(base_frame()), name="ok.xlsx")
    monkeypatch.undo()
    assert len(read_table(excel_bytes(base_frame()), name="ok.xlsx")) == N


def test_the_ratio_limit_spares_small_parts_and_real_sheets():
    sheet = _sheet_xml(
        b"".join(_inline_row(r + 1, v) for r, v in enumerate([list(HEADER), *base_rows(20_000)]))
    )
    info = zipfile.ZipFile(io.BytesIO(xlsx_with_sheet({}, sheet))).getinfo(
        "xl/worksheets/sheet1.xml"
    )
    assert info.file_size > tables.WORKBOOK_RATIO_FLOOR
    assert info.file_size < tables.MAX_WORKBOOK_RATIO * info.compress_size
    assert len(read_table(xlsx_with_sheet({}, sheet), name="big.xlsx")) == 20_000


def test_a_stray_far_cell_is_refused_and_a_near_one_is_not():
    rows = b"".join(_inline_row(r + 1, v) for r, v in enumerate([list(HEADER), *base_rows()]))
    near = rows + b'<row r="200"><c r="Z200" t="inlineStr"><is><t>x</t></is></c></row>'
    assert len(read_table(xlsx_with_sheet({}, _sheet_xml(near)), name="near.xlsx")) >= N
    far = rows + b'<row r="900000"><c r="AZ900000"><v>1</v></c></row>'
    with pytest.raises(DataError, match="the sheet claims 900,000 rows by 52 columns"):
        read_table(xlsx_with_sheet({}, _sheet_xml(far)), name="far.xlsx")


def test_sheet_extent_finds_references_split_across_chunks():
    xml = b'<row r="1"><c r="A1"/></row>' + b" " * 37 + b'<row r="70"><c r="QQ70"/></row>'
    for chunk in (5, 16, 50, 4096):
        assert tables.sheet_extent(io.BytesIO(xml), chunk=chunk) == (70, 459)


def test_a_header_wider_than_the_column_limit_is_refused():
    header = ",".join(f"c{i}" for i in range(tables.MAX_COLUMNS + 1))
    with pytest.raises(DataError, match="16,385 columns, more than the 16,384"):
        read_table(f"{header}\n{'1,' * tables.MAX_COLUMNS}1\n".encode(), name="w.csv")


def test_a_million_identical_rows_name_five_rows_and_the_count():
    c = next(p.values[0] for p in HOSTILE if p.id == "million-identical-rows")
    refused, shown = page_path(c)
    assert refused
    line = next(s for s in shown.splitlines() if "more than once" in s)
    assert "(rows 2, 3, 4, 5, 6)" in line and "1000000 rows" in line
    assert len(shown) < 1000
