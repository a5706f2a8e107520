"""simulator.data.sql's typed CSV read does once, in pyarrow, what the SQL did in every query
(strip the text cells as DuckDB's ``trim``, date keys of the typed date columns): the same
values, so the same problems and counts as the DuckDB-streamed read of the same file."""

from __future__ import annotations

import datetime
import pathlib

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv
import pytest

from simulator.data.mapping import ColumnMapping
from simulator.data.sql import csv_files, sources
from simulator.data.sql.checks import check_source
from simulator.data.sql.counting import count_source
from simulator.data.sql.dialect import native_date_key

SPACES = [0x20, 0x09, 0x0A, 0x0D, 0xA0, 0x1680, 0x180E, *range(0x2000, 0x200C), 0x2028, 0x2029]
SPACES += [0x202F, 0x205F, 0x3000, 0xFEFF]


def duck(sql: str, **tables) -> list:
    con = duckdb.connect(":memory:")
    try:
        for name, table in tables.items():
            con.register(name, table)
        return [r[0] for r in con.execute(sql).fetchall()]
    finally:
        con.close()


def test_strip_matches_duckdb_trim():
    """Every code point on either side, alone and around text, ASCII-only columns and not."""
    cells = []
    for cp in range(1, 0x3100):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        cells += [c, c + "a", "a" + c, c + c + "a b" + c, c + " x " + c]
    for a in SPACES:
        for b in SPACES:
            cells.append(chr(a) + chr(b) + "é" + chr(b) + chr(a))
    cells += [None, "", " ", "   ", "plain", " both ", "\u3000\u00a0x\u00a0 "]
    for column in (pa.array(cells), pa.array([" a ", "b  ", None, "  "])):
        table = pa.table({"i": pa.array(np.arange(len(column))), "v": column})
        want = duck("SELECT trim(v) FROM t ORDER BY i", t=table)
        got = csv_files._strip_arrow(pa.chunked_array([column])).to_pylist()
        assert got == want


def test_date_keys_match_duckdb():
    """Every day from 0001-01-01 to 9999-12-31, missing dates, and timestamps."""
    days = np.arange(
        np.datetime64("0001-01-01"), np.datetime64("10000-01-01"), dtype="datetime64[D]"
    )
    dates = pa.array(days.astype("int64").astype("int32"), type=pa.int32()).cast(pa.date32())
    dates = pa.concat_arrays([dates, pa.array([None, None], type=pa.date32())])
    stamps = pa.array(
        [
            datetime.datetime(1900, 2, 28, 23, 59, 59),
            datetime.datetime(1969, 12, 31, 23, 0, 0),
            datetime.datetime(1970, 1, 1),
            datetime.datetime(2024, 2, 29, 12, 30),
            None,
        ],
        type=pa.timestamp("s"),
    )
    for column in (dates, stamps, stamps.cast(pa.timestamp("ns"))):
        table = pa.table({"i": pa.array(np.arange(len(column))), "d": column})
        want = duck(f"SELECT {native_date_key('d')} FROM t ORDER BY i", t=table)
        assert csv_files._date_key_arrow(pa.chunked_array([column])).to_pylist() == want


MAPPING = ColumnMapping(
    id="id",
    start="start",
    end="end",
    revenue="revenue",
    segment="segment",
    channel="channel",
    kind="dated",
)


def padded_rows(n: int, *, duplicate: bool = False) -> str:
    rng = np.random.default_rng(5)
    pads = ["", " ", "  ", "\u00a0", "\u3000", "\u2009 "]
    lines = ["id,start,end,revenue,segment,channel"]
    start = np.datetime64("2020-01-01") + rng.integers(0, 1500, n)
    for i in range(n):
        p, q = (pads[k] for k in rng.integers(0, len(pads), 2))
        end = "" if rng.random() < 0.3 else str(start[i] + rng.integers(1, 400))
        ident = "C1" if duplicate and i == n - 1 else f"C{i}"
        segment = ["core", "price", "tiny", "core "][rng.integers(0, 4)]
        channel = ["paid", "Referral", " referral\u00a0", ""][rng.integers(0, 4)]
        lines.append(
            f'"{p}{ident}{q}",{start[i]},{end},{rng.integers(10, 90)}.5,'
            f'"{q}{segment}{p}","{p}{channel}"'
        )
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("duplicate", [False, True])
def test_typed_read_equals_duckdb_streamed_read(tmp_path: pathlib.Path, monkeypatch, duplicate):
    """Cells padded with spaces (ASCII and not): the pyarrow read (stripped once, date keys
    once) gives what DuckDB's own CSV read with the stripping in SQL gives."""
    path = tmp_path / "padded.csv"
    path.write_text(padded_rows(3000, duplicate=duplicate), encoding="utf-8")
    typed_problems = check_source(path, MAPPING)
    typed_counts = None if duplicate else count_source(path, MAPPING)
    monkeypatch.setattr(sources, "FAST_CSV_BYTES", 0)  # DuckDB streams the file as text
    assert check_source(path, MAPPING) == typed_problems
    assert any("more than once" in p.message for p in typed_problems) == duplicate
    if typed_counts is not None:
        streamed = count_source(path, MAPPING)
        for a, b in ((typed_counts.counts, streamed.counts), (typed_counts.flows, streamed.flows)):
            assert a.reset_index(drop=True).equals(b.reset_index(drop=True))
        assert typed_counts.as_of_month == streamed.as_of_month


def test_cells_spanning_lines_across_pyarrow_blocks(tmp_path: pathlib.Path, monkeypatch):
    """A 3 MB file whose quoted cells span lines: the first, split-anywhere read fails (a
    block ends inside a cell), the second reads it whole; same counts as DuckDB's read."""
    rng = np.random.default_rng(7)
    start = np.datetime64("2020-01-01") + rng.integers(0, 1500, 40_000)
    channel = '"paid' + "\n" * 9 + 'online"'
    lines = ["id,start,end,revenue,segment,channel"]
    ends = [str(d + 100) if i % 3 == 0 else "" for i, d in enumerate(start)]
    lines += [f"C{i},{d},{ends[i]},{i % 50}.5,{'ab'[i % 2]},{channel}" for i, d in enumerate(start)]
    path = tmp_path / "multiline.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dialect = csv_files.read_head(path, path.name)
    convert = dialect.convert_options(["id", "channel"], {"id", "channel"})
    with pytest.raises(pa.ArrowInvalid):
        pa.csv.read_csv(path, dialect.read_options(), dialect.parse_options(False), convert)
    whole = csv_files._read_whole(path, path.name, dialect, convert)
    assert whole.column("channel").to_pylist() == ["paid" + "\n" * 9 + "online"] * len(start)
    typed = count_source(path, MAPPING)
    monkeypatch.setattr(sources, "FAST_CSV_BYTES", 0)  # DuckDB streams the file as text
    streamed = count_source(path, MAPPING)
    for a, b in ((typed.counts, streamed.counts), (typed.flows, streamed.flows)):
        assert a.reset_index(drop=True).equals(b.reset_index(drop=True))
