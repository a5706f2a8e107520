"""simulator.data.sql: SQL (DuckDB) checks and counts equal the pandas ones for the same
rows."""

from __future__ import annotations

import dataclasses
import datetime
import pathlib

import numpy as np
import pandas as pd
import pytest

from simulator.data.counts import COUNT_COLUMNS, FLOW_COLUMNS, CustomerCounts, count_records
from simulator.data.mapping import ColumnMapping, propose_mapping
from simulator.data.records import customer_records, validate
from simulator.data.sql import csv_files, sources
from simulator.data.sql.checks import check_source
from simulator.data.sql.counting import check_and_count, count_source, sample_and_count
from simulator.data.sql.sources import SqlSource, sample_rows
from simulator.data.tables import DataError, read_table

SAMPLE = pathlib.Path(__file__).resolve().parents[1] / "sample_data" / "customers.csv"


def assert_counts_equal(got: CustomerCounts, want: CustomerCounts) -> None:
    """Same counts, flows and as-of month (floats to 1e-9 relative)."""
    assert list(got.counts.columns) == list(COUNT_COLUMNS)
    assert list(got.flows.columns) == list(FLOW_COLUMNS)
    for a, b in ((got.counts, want.counts), (got.flows, want.flows)):
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False, rtol=1e-9
        )
    assert got.as_of_month == want.as_of_month


def reference(table: pd.DataFrame, mapping: ColumnMapping, **options) -> CustomerCounts:
    as_of = options.get("as_of")
    records = customer_records(table, mapping, **options)
    month = None if as_of is None else as_of.year * 12 + as_of.month - 1
    return count_records(records, as_of_month=month if mapping.kind == "dated" else None)


def write(tmp_path: pathlib.Path, name: str, text: str) -> tuple[pathlib.Path, pd.DataFrame]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, read_table(path.read_bytes(), name=name)


def key(problems) -> list[tuple]:
    return sorted((p.column or "", p.message, p.severity, p.rows, p.fix) for p in problems)


# --- Equal counts --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_head(tmp_path_factory) -> tuple[pathlib.Path, pd.DataFrame]:
    text = SAMPLE.read_text(encoding="utf-8").splitlines()[:4001]
    path = tmp_path_factory.mktemp("agg") / "head.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path, read_table(path.read_bytes(), name=path.name)


def test_dated_sample_counts_match_pandas(sample_head):
    path, table = sample_head
    mapping = propose_mapping(table)
    assert mapping.kind == "dated"
    want = reference(table, mapping)
    assert_counts_equal(count_source(path, mapping), want)
    assert_counts_equal(count_source(table, mapping), want)
    assert check_source(path, mapping) == validate(table, mapping)


def test_dated_with_as_of_and_parquet(sample_head, tmp_path):
    path, table = sample_head
    mapping = propose_mapping(table)
    as_of = datetime.date(2022, 6, 15)
    want = reference(table, mapping, as_of=as_of)
    assert_counts_equal(count_source(path, mapping, as_of=as_of), want)
    # Parquet with typed columns (dates, numbers) as pandas would write them.
    typed = table.assign(
        start_date=pd.to_datetime(table["start_date"]),
        end_date=pd.to_datetime(table["end_date"]),
        monthly_revenue=pd.to_numeric(table["monthly_revenue"]),
        satisfaction=pd.to_numeric(table["satisfaction"]),
    )
    parquet = tmp_path / "head.parquet"
    typed.to_parquet(parquet)
    want_typed = reference(typed, mapping, as_of=as_of)
    assert_counts_equal(count_source(parquet, mapping, as_of=as_of), want_typed)
    assert_counts_equal(count_source(typed, mapping, as_of=as_of), want_typed)
    assert key(check_source(parquet, mapping, as_of=as_of)) == key(
        validate(typed, mapping, as_of=as_of)
    )


SNAPSHOT = (
    "CLIENTNUM;Attrition_Flag;Months_on_book;Card_Category;Total_Revenue;Contacts_Count_12_mon;"
    "price_before;price_after\n"
    + "".join(
        f"{700000 + i};{'Attrited Customer' if i % 4 == 0 else 'Existing Customer'};"
        f"{13 + (i * 7) % 40};{('Blue', 'Gold', 'Silver')[i % 3]};{20 + i % 9},{i % 100:02d};"
        f"{i % 6};{10 + i % 3};{10 + i % 5 if i % 11 else 0}\n"
        for i in range(400)
    )
)


def test_snapshot_left_truncated_decimal_commas(tmp_path):
    path, table = write(tmp_path, "bank.csv", SNAPSHOT)
    mapping = propose_mapping(table)
    mapping = dataclasses.replace(
        mapping, revenue="Total_Revenue", price_before="price_before", price_after="price_after"
    )
    assert mapping.kind == "snapshot"
    want = reference(table, mapping)
    assert want.counts["entry"].max() > 0  # left truncation at the shortest tenure - 1
    assert_counts_equal(count_source(path, mapping), want)
    assert_counts_equal(count_source(table, mapping), want)
    assert_counts_equal(
        count_source(path, mapping, left_truncated_at=None),
        reference(table, mapping, left_truncated_at=None),
    )
    years = dataclasses.replace(mapping, tenure_unit="years")
    assert_counts_equal(count_source(path, years), reference(table, years))
    assert key(check_source(path, mapping)) == key(validate(table, mapping))


def test_day_first_dates_flag_and_numeric_segment(tmp_path):
    rows = ["id,plan,start,end,status,fee,channel"]
    for i in range(300):
        start = datetime.date(2020, 1, 1) + datetime.timedelta(days=(i * 37) % 900)
        end = start + datetime.timedelta(days=40 + (i * 53) % 700)
        churned = i % 3 == 0
        rows.append(
            f"{i},{i % 2},{start:%d/%m/%Y},{end:%d/%m/%Y},{'Yes' if churned else 'No'},"
            f"€{10 + i % 7}.5,{('Referral', 'paid', '', 'word of mouth')[i % 4]}"
        )
    path, table = write(tmp_path, "dm.csv", "\n".join(rows) + "\n")
    mapping = ColumnMapping(
        id="id",
        start="start",
        end="end",
        churned="status",
        revenue="fee",
        segment="plan",
        channel="channel",
        kind="dated",
        churned_values=("yes",),
        active_values=("no",),
    )
    want = reference(table, mapping)
    assert want.flows["referred"].isna().any()
    assert_counts_equal(count_source(path, mapping), want)
    assert_counts_equal(count_source(table, mapping), want)
    assert key(check_source(path, mapping)) == key(validate(table, mapping))


# --- Same problems -------------------------------------------------------------------------

DATED = ColumnMapping(
    id="id",
    start="start",
    end="end",
    revenue="revenue",
    segment="segment",
    satisfaction="sat",
    contacts="contacts",
    kind="dated",
)
FLAGGED = ColumnMapping(
    id="id",
    tenure="tenure",
    churned="churned",
    segment="segment",
    kind="snapshot",
    churned_values=("yes",),
    active_values=("no",),
)


def dated_rows(n: int = 40, **changes) -> str:
    lines = ["id,start,end,revenue,segment,sat,contacts"]
    for i in range(n):
        cells = {
            "id": f"C{i}",
            "start": f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "end": f"2023-{1 + i % 12:02d}-15" if i % 3 == 0 else "",
            "revenue": f"{20 + i % 5}.5",
            "segment": "a",
            "sat": str(1 + i % 5),
            "contacts": str(i % 4),
        }
        for column, values in changes.items():
            if i in values:
                cells[column] = values[i]
        lines.append(",".join(cells.values()))
    return "\n".join(lines) + "\n"


def flag_rows(n: int = 40, **changes) -> str:
    lines = ["id,tenure,churned,segment"]
    for i in range(n):
        cells = {
            "id": f"C{i}",
            "tenure": str(3 + i % 30),
            "churned": "yes" if i % 4 == 0 else "no",
            "segment": "a",
        }
        for column, values in changes.items():
            if i in values:
                cells[column] = values[i]
        lines.append(",".join(cells.values()))
    return "\n".join(lines) + "\n"


def _prices_table() -> str:
    lines = ["id,tenure,churned,segment,pb,pa"]
    for i in range(40):
        pb = {1: "0", 2: "abc"}.get(i, "10")
        pa = {3: "-2", 4: "n/a", 5: '"€12,5"'}.get(i, "12")
        lines.append(f"C{i},{3 + i},{'yes' if i % 4 == 0 else 'no'},a,{pb},{pa}")
    return "\n".join(lines) + "\n"


BAD_TABLES = {
    "id missing and duplicated": (dated_rows(id={3: "", 5: "C1", 9: "C1", 20: "C2"}), DATED, None),
    "start not a date": (dated_rows(start={4: "soon", 7: "", 8: "2021-02-30"}), DATED, None),
    "end not a date, before start": (
        dated_rows(end={2: "never", 6: "2020-01-01", 12: "2019-05-05"}),
        DATED,
        None,
    ),
    "start after as of": (dated_rows(), DATED, datetime.date(2021, 6, 10)),
    "numbers not numbers, negative revenue": (
        dated_rows(revenue={1: "lots", 2: "-5", 30: "-1"}, sat={4: "good"}, contacts={5: "x"}),
        DATED,
        None,
    ),
    "small segments": (
        dated_rows(segment={i: "b" for i in range(5)} | {i: "" for i in range(5, 8)}),
        DATED,
        None,
    ),
    "nobody churned (dated)": (dated_rows(end={i: "" for i in range(40)}), DATED, None),
    "everybody churned (dated)": (
        dated_rows(end={i: "2023-11-30" for i in range(40)}),
        DATED,
        datetime.date(2024, 1, 1),
    ),
    "mapped column missing": (
        dated_rows(),
        dataclasses.replace(DATED, revenue="mrr", channel="source"),
        None,
    ),
    "required mapping missing": (dated_rows(), dataclasses.replace(DATED, id=None), None),
    "dated without start": (dated_rows(), dataclasses.replace(DATED, start=None), None),
    "tenure bad, empty, negative": (
        flag_rows(tenure={1: "long", 2: "", 3: "-4", 4: "-1"}),
        FLAGGED,
        None,
    ),
    "flag empty and unknown": (
        flag_rows(churned={1: "", 2: "maybe", 3: "Maybe ", 4: "2.0", 5: "x"}),
        FLAGGED,
        None,
    ),
    "tenure too long": (flag_rows(tenure={1: "1300", 2: "inf"}), FLAGGED, None),
    "revenue infinite": (dated_rows(revenue={3: "inf", 4: "-inf"}), DATED, None),
    "every start after as of": (dated_rows(), DATED, datetime.date(2020, 1, 1)),
    "nobody churned (flag)": (flag_rows(churned={i: "no" for i in range(40)}), FLAGGED, None),
    "everybody churned (flag)": (flag_rows(churned={i: "yes" for i in range(40)}), FLAGGED, None),
    "snapshot without flag": (flag_rows(), dataclasses.replace(FLAGGED, churned=None), None),
}


BAD_TABLES["prices"] = (
    _prices_table(),
    dataclasses.replace(FLAGGED, price_before="pb", price_after="pa"),
    None,
)


@pytest.mark.parametrize("case", list(BAD_TABLES))
def test_check_source_reports_what_validate_reports(tmp_path, case):
    text, mapping, as_of = BAD_TABLES[case]
    path, table = write(tmp_path, "bad.csv", text)
    want = key(validate(table, mapping, as_of=as_of))
    assert want, "each bad table has at least one problem"
    assert key(check_source(path, mapping, as_of=as_of)) == want
    assert key(check_source(table, mapping, as_of=as_of)) == want
    errors = [p for p in validate(table, mapping, as_of=as_of) if p.severity == "error"]
    if errors:
        with pytest.raises(DataError) as raised:
            count_source(path, mapping, as_of=as_of)
        assert key(raised.value.problems) == key(errors)
    else:
        assert_counts_equal(
            count_source(path, mapping, as_of=as_of), reference(table, mapping, as_of=as_of)
        )


def test_problems_keep_validates_order(tmp_path):
    text, mapping, _ = BAD_TABLES["numbers not numbers, negative revenue"]
    path, table = write(tmp_path, "bad.csv", text)
    assert check_source(path, mapping) == validate(table, mapping)


# --- Reading -------------------------------------------------------------------------------


def test_sample_rows_reads_like_read_table(sample_head):
    path, table = sample_head
    head = sample_rows(path, rows=50)
    assert list(head.columns) == list(table.columns)
    pd.testing.assert_frame_equal(
        head.astype(object).where(head.notna(), None),
        table.head(50).astype(object).where(table.head(50).notna(), None),
    )
    assert propose_mapping(head) == propose_mapping(table.head(50))


@pytest.mark.parametrize(
    "text",
    [
        'id; seg ;val\n1; a ;" 3,5 "\n2;"";NA\n3;\u00a0b\u00a0;None\n4;"c\nd";#N/A\n',
    ],
    ids=["spaces, missing values, newline in quotes"],
)
def test_sample_rows_read_by_pyarrow_as_duckdb_reads_them(tmp_path, monkeypatch, text):
    path = tmp_path / "edge.csv"
    path.write_text(text, encoding="utf-8")

    def read():
        try:
            return sample_rows(path, rows=20)
        except DataError as exc:
            return str(exc)

    fast = read()
    monkeypatch.setattr(sources, "sample_csv_arrow", lambda path, name, dialect, rows: None)
    slow = read()  # DuckDB's read_csv, as before pyarrow read the first rows
    if isinstance(slow, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow)


@pytest.mark.parametrize("rows", [25, 20_000])  # one pyarrow block or more
def test_a_ragged_row_is_refused_with_its_line_as_read_table_refuses_it(tmp_path, rows):
    path = tmp_path / "ragged.csv"
    body = "".join(f"c{i},{i % 40},{'Yes' if i % 4 else 'No'}\n" for i in range(rows))
    path.write_text("id,tenure,churned\n" + body + "x,1,No,extra\n", encoding="utf-8")
    with pytest.raises(DataError) as sampled:
        sample_rows(path, rows=rows + 10)
    mapping = ColumnMapping(id="id", tenure="tenure", churned="churned")
    with pytest.raises(DataError) as counted:
        count_source(path, mapping)
    with pytest.raises(DataError) as whole:
        read_table(path.read_bytes(), name=path.name)
    for exc in (sampled, counted, whole):
        said = str(exc.value)
        assert "the rows do not split into the header's columns" in said
        assert f"line {rows + 2:,}" in said or f"line {rows + 2}" in said, said
        assert "as many fields as the header" in said


def test_sample_and_count_is_sample_rows_then_count_source(sample_head):
    path, _ = sample_head
    as_of = datetime.date(2025, 6, 30)
    mapping, counts = sample_and_count(path, propose_mapping, rows=100, as_of=as_of)
    assert mapping == propose_mapping(sample_rows(path, rows=100))
    assert_counts_equal(counts, count_source(path, mapping, as_of=as_of))
    frame = read_table(path.read_bytes(), name=path.name)
    mapping, counts = sample_and_count(frame, propose_mapping)
    assert_counts_equal(counts, count_source(frame, mapping))
    with pytest.raises(DataError, match="does not exist"):
        sample_and_count(path.with_name("missing.csv"), propose_mapping)


def test_check_and_count_is_check_source_then_count_source(sample_head, tmp_path):
    path, table = sample_head
    mapping = propose_mapping(table)
    problems, counts = check_and_count(path, mapping)
    assert problems == check_source(path, mapping)
    assert counts is not None
    assert_counts_equal(counts, count_source(path, mapping))
    # An error: the problems, and no counts (count_source refuses the table).
    bad, _ = write(tmp_path, "bad.csv", dated_rows(id={5: "C1"}))
    problems, counts = check_and_count(bad, DATED)
    assert counts is None
    assert problems == check_source(bad, DATED)
    assert any(p.severity == "error" for p in problems)
    with pytest.raises(DataError):
        count_source(bad, DATED)


def test_tab_separated_and_unreadable_sources(tmp_path):
    path, table = write(
        tmp_path, "t.tsv", "id\ttenure\tchurned\n" + "".join(f"c{i}\t{i}\tno\n" for i in range(9))
    )
    mapping = dataclasses.replace(FLAGGED, segment=None)
    assert key(check_source(path, mapping)) == key(validate(table, mapping))
    with pytest.raises(DataError, match="does not exist"):
        count_source(tmp_path / "missing.csv", mapping)
    with pytest.raises(ValueError, match="exactly one"):
        SqlSource(url="postgresql+psycopg://x@/y", table="a", query="SELECT 1")


def test_progress_is_reported(sample_head):
    path, table = sample_head
    seen: list[tuple[float, str]] = []
    count_source(path, propose_mapping(table), progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0


def test_nan_floats_are_missing(tmp_path):
    table = pd.DataFrame(
        {
            "id": np.arange(60, dtype=float),
            "tenure": np.where(np.arange(60) % 7 == 0, np.nan, np.arange(60) % 20 + 1.0),
            "churned": np.arange(60) % 3 == 0,
            "segment": ["x", "y"] * 30,
            "satisfaction": np.where(np.arange(60) % 5 == 0, np.nan, 3.456),
        }
    )
    mapping = ColumnMapping(
        id="id",
        tenure="tenure",
        churned="churned",
        segment="segment",
        satisfaction="satisfaction",
        churned_values=("true",),
        active_values=("false",),
    )
    assert key(check_source(table, mapping)) == key(validate(table, mapping))
    complete = table.assign(tenure=table["tenure"].fillna(4.0))
    assert_counts_equal(count_source(complete, mapping), reference(complete, mapping))
    parquet = tmp_path / "nan.parquet"
    complete.to_parquet(parquet)
    assert_counts_equal(count_source(parquet, mapping), reference(complete, mapping))


# --- Typed CSV reading (pyarrow) -----------------------------------------------------------


def test_typed_csv_read_matches_pandas_and_falls_back_per_column(tmp_path, monkeypatch):
    """Clean columns are read typed by pyarrow; a column with a bad cell is read as text (the
    tolerant path) with the same counts and problems as the pandas path."""
    seen: list[dict] = []
    read = sources.read_csv_arrow

    def spy(*args):
        typed = read(*args)
        seen.append(None if typed is None else typed[2])
        return typed

    monkeypatch.setattr(sources, "read_csv_arrow", spy)
    clean = dated_rows(3000)
    path, table = write(tmp_path, "clean.csv", clean)
    want = reference(table, DATED)
    assert_counts_equal(count_source(path, DATED), want)
    assert check_source(path, DATED) == validate(table, DATED)
    assert seen[-1] == {
        "id": "text",
        "start": "date",
        "end": "date",
        "revenue": "float",
        "segment": "text",
        "sat": "number",
        "contacts": "number",
    }
    # A bad cell far down a mapped number column and a bad date: those columns go the text way.
    bad = dated_rows(3000, revenue={2900: "lots"}, end={2950: "2023-02-30"})
    path, table = write(tmp_path, "bad.csv", bad)
    assert check_source(path, DATED) == validate(table, DATED)
    assert seen[-1]["revenue"] == "text" and seen[-1]["end"] == "text"
    assert seen[-1]["start"] == "date"
    with pytest.raises(DataError) as raised:  # the impossible end date is an error
        count_source(path, DATED)
    assert key(raised.value.problems) == key(
        [p for p in validate(table, DATED) if p.severity == "error"]
    )
    only_revenue = dated_rows(3000, revenue={2900: "lots"})
    path, table = write(tmp_path, "warn.csv", only_revenue)
    assert_counts_equal(count_source(path, DATED), reference(table, DATED))
    assert check_source(path, DATED) == validate(table, DATED)


def test_whole_numbers_are_rounded_only_when_rounding_changes_them(tmp_path):
    """Whole-number satisfaction and contacts skip the rounding to 2 decimals, except numbers
    too large for it to leave them as they are: the counts equal pandas' either way."""
    mapping = ColumnMapping(
        id="id", start="start", end="end", revenue="revenue", segment="segment",
        satisfaction="sat", contacts="contacts", kind="dated",
    )  # fmt: skip
    for huge in ("3", str(2**40), "90071992547409", "-123456789012345678"):
        path, table = write(tmp_path, "whole.csv", dated_rows(contacts={5: huge, 7: huge}))
        assert_counts_equal(count_source(path, mapping), reference(table, mapping))
        assert_counts_equal(count_source(table, mapping), reference(table, mapping))


def test_a_file_whose_first_megabyte_is_blank_says_so(tmp_path):
    path = tmp_path / "padded.csv"
    path.write_bytes(b" \n" * (csv_files.HEAD_BYTES // 2 + 10) + b"id,tenure,churned\nc1,3,No\n")
    with pytest.raises(DataError) as refused:
        sample_rows(path)
    assert "the first 1 MB of the file are blank" in str(refused.value)
    assert "Remove the blank lines before the header row" in str(refused.value)


def test_binary_data_starting_with_nul_bytes_is_named_binary_not_utf32(tmp_path):
    path = tmp_path / "dump.csv"
    path.write_bytes(b"\x00\x00" + bytes(range(256)) * 100)
    with pytest.raises(DataError) as refused:
        sample_rows(path)
    assert "this is not a text table (it looks like binary data)" in str(refused.value)
