"""The catalogue of awkward and hostile files (tests/test_bad_files.py,
tests/test_hostile_uploads.py) through the large-file path.

Files over ``simulator.data.tables.LARGE_FILE_BYTES`` are not read whole: the command line and the
Data page map a sample of their rows and count them in SQL (``simulator.data.sql``), a CSV
read by pyarrow up to ``FAST_CSV_BYTES`` and streamed by DuckDB beyond. Here every catalogue
file takes that path (the thresholds set to 0), both ways, and must give the message the
in-memory path gives, or, for the few differences below, its own clear message: never a
traceback, never an engine's raw error, never rows silently dropped.
"""

from __future__ import annotations

import pytest

import simulator.data.sql.sources
import simulator.data.tables
from simulator.cli import main

from .test_bad_files import CASES, Case, assert_command_line_outcome
from .test_hostile_uploads import HOSTILE

NOT_UTF8 = "MB must be UTF-8 text; line 2 is not"
RAGGED = "the rows do not split into the header's columns"

DIFFERENCES: dict[str, tuple[str, ...]] = {
    # read_table tries a zip as a workbook; unread here, it is named for what it is.
    "zip-renamed-csv": ("this is a zip archive or an Excel workbook, not a CSV file",),
    "word-document": ("this is a zip archive or an Excel workbook, not a CSV file",),
    # pandas pads a short row with missing cells; pyarrow and DuckDB refuse it, with its line.
    "ragged-too-few-fields": (RAGGED, "line 7 has 2 fields, the header 4"),
    # Read whole, these are decoded or split by pandas; DuckDB and pyarrow read UTF-8 CSV.
    "whitespace-separated": ("text split by runs of spaces is read only up to",),
    "utf16-bom-tab": ("UTF-16 or UTF-32 text is read only up to",),
    "cp1252-accented-segments": (NOT_UTF8, "Save it again as CSV UTF-8"),
    # Blank lines are not counted in row numbers (documented in simulator.data.sql).
    "csv-leading-blank-lines-keep-row-numbers": ("customer id appears more than once",),
    "csv-blank-line-inside-keeps-row-numbers": ("customer id appears more than once",),
    # Hostile files. The header is judged on the first megabyte: a lower bound of its width.
    "one-3mb-line-no-newline": ("the header has 115,969 columns, more than the 16,384",),
    # read_table names the other delimiter; here the first such row is refused with its line.
    "mixed-delimiters-in-one-file": (RAGGED, "line 3 has 1 fields, the header 4"),
    "mixed-encodings-in-one-file": ("MB must be UTF-8 text; line",),
    "utf8-bom-then-cp1252-bytes": ("MB must be UTF-8 text; line 9 is not",),
    "utf32-bom": ("UTF-16 or UTF-32 text is read only up to",),
    # read_table drops the blank rows and finds none left; here no column can be mapped.
    "only-delimiters": ("Required column customer id is not mapped",),
}


def _text_file(c: Case) -> bool:
    """Excel workbooks are always read whole; everything else may be large."""
    return not c.file_name.lower().endswith((".xlsx", ".xlsm", ".xls"))


LARGE = [p for p in CASES + HOSTILE if _text_file(p.values[0])]


def test_every_difference_is_a_catalogue_case():
    assert set(DIFFERENCES) <= {p.id for p in LARGE}


@pytest.mark.parametrize("streamed", [False, True], ids=["pyarrow", "duckdb"])
@pytest.mark.parametrize("c", LARGE)
def test_the_large_file_path_gives_a_clear_message(
    c: Case, streamed, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(simulator.data.tables, "LARGE_FILE_BYTES", 0)
    if streamed:
        monkeypatch.setattr(simulator.data.sql.sources, "FAST_CSV_BYTES", 0)
    path = tmp_path / c.file_name
    path.write_bytes(c.raw)
    code = main(["calibrate", str(path), *c.cli_args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    for raw in ("Invalid Input Error", "tried to rename", str(tmp_path)):
        assert raw not in err, err
    different = c.case_id in DIFFERENCES
    expected = DIFFERENCES.get(c.case_id, c.expected)
    assert_command_line_outcome(c, code, out, err, refused=different or not c.ok, expected=expected)
