"""simulator.data.sql against a real PostgreSQL server: same counts and calibration as a CSV.

The server is the session fixture ``postgres_url`` (tests/postgres.py, shared through
tests/conftest.py): skipped locally without Debian's PostgreSQL binaries, a FAILURE under CI.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib

import pandas as pd
import pytest

from simulator.data.mapping import propose_mapping
from simulator.data.records import validate
from simulator.data.sql.checks import check_source
from simulator.data.sql.counting import count_source
from simulator.data.sql.sources import SqlSource, sample_rows
from simulator.data.tables import DataError, read_table
from tests.test_aggregate import assert_counts_equal, key, reference

SAMPLE = pathlib.Path(__file__).resolve().parents[1] / "sample_data" / "customers.csv"
ROWS = 20_000


@pytest.fixture(scope="session")
def loaded(postgres_url, tmp_path_factory):
    """The sample's first rows and a bank-style snapshot, as CSV files and PostgreSQL tables."""
    import sqlalchemy

    folder = tmp_path_factory.mktemp("pg")
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()[: ROWS + 1]
    dated_csv = folder / "customers.csv"
    dated_csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dated = read_table(dated_csv.read_bytes(), name=dated_csv.name)
    snapshot_csv = folder / "bank.csv"
    snapshot_csv.write_text(
        "CLIENTNUM,Attrition_Flag,Months_on_book,Card_Category,Total_Revenue\n"
        + "".join(
            f"{700000 + i},{'Attrited Customer' if i % 5 == 0 else 'Existing Customer'},"
            f"{13 + (i * 7) % 43},{('Blue', 'Gold', 'Silver', '')[i % 4]},"
            f"{20 + (i * 37) % 900 / 10}\n"
            for i in range(3000)
        ),
        encoding="utf-8",
    )
    snapshot = read_table(snapshot_csv.read_bytes(), name=snapshot_csv.name)
    engine = sqlalchemy.create_engine(postgres_url)
    with engine.begin() as conn:
        dated.to_sql("customers", conn, index=False, if_exists="replace")
        snapshot.to_sql("bank", conn, index=False, if_exists="replace")
        # Typed columns as a database would hold them: dates, numbers.
        conn.execute(
            sqlalchemy.text(
                "CREATE TABLE customers_typed AS SELECT customer_id, segment, "
                "acquisition_channel, CAST(start_date AS DATE) AS start_date, "
                "CAST(end_date AS DATE) AS end_date, "
                "CAST(monthly_revenue AS DOUBLE PRECISION) AS monthly_revenue, "
                "CAST(satisfaction AS INTEGER) AS satisfaction, "
                "CAST(contacts_last_12_months AS NUMERIC) AS contacts_last_12_months "
                "FROM customers"
            )
        )
    engine.dispose()
    return {
        "url": postgres_url,
        "dated": (dated_csv, dated),
        "snapshot": (snapshot_csv, snapshot),
    }


def test_postgres_table_counts_equal_csv_and_pandas(loaded):
    url = loaded["url"]
    for table_name, (csv_path, table) in (
        ("customers", loaded["dated"]),
        ("bank", loaded["snapshot"]),
    ):
        mapping = propose_mapping(table)
        want = reference(table, mapping)
        from_csv = count_source(csv_path, mapping)
        from_pg = count_source(SqlSource(url=url, table=table_name), mapping)
        assert_counts_equal(from_csv, want)
        assert_counts_equal(from_pg, want)
        # Database problems have no row numbers: compare the rest.
        pg_problems = check_source(SqlSource(url=url, table=table_name), mapping)
        assert [(p.column, p.message, p.severity) for p in pg_problems] == [
            (p.column, p.message, p.severity) for p in validate(table, mapping)
        ]


def test_typed_columns_and_query(loaded):
    url = loaded["url"]
    csv_path, table = loaded["dated"]
    mapping = propose_mapping(table)
    assert_counts_equal(
        count_source(SqlSource(url=url, table="customers_typed"), mapping),
        count_source(csv_path, mapping),
    )
    query = "SELECT * FROM customers WHERE segment = 'core' AND acquisition_channel <> 'paid'"
    subset = table[(table["segment"] == "core") & (table["acquisition_channel"] != "paid")]
    assert_counts_equal(
        count_source(SqlSource(url=url, query=query), mapping), reference(subset, mapping)
    )
    head = sample_rows(SqlSource(url=url, table="bank"), rows=100)
    assert len(head) == 100 and propose_mapping(head).churned == "Attrition_Flag"


def test_command_line_calibrates_a_database_table_as_the_same_rows_in_a_csv(loaded, capsys):
    from simulator.cli import main

    csv_path, _ = loaded["snapshot"]
    assert main(["calibrate", str(csv_path)]) == 0
    from_csv = json.loads(capsys.readouterr().out)
    assert main(["calibrate", "--db-url", loaded["url"], "--table", "bank"]) == 0
    from_db = json.loads(capsys.readouterr().out)
    assert from_db == from_csv
    assert set(from_db["segments"]) == {"Blue", "Gold", "Silver", "unknown"}
    assert main(["calibrate", "--db-url", loaded["url"], "--table", "no_such_table"]) == 1
    err = capsys.readouterr().err
    assert "no_such_table" in err and "Traceback" not in err


def test_calibration_equal_from_postgres_and_csv(loaded):
    calibrate = pytest.importorskip("simulator.data.calibrate").calibrate
    url = loaded["url"]
    csv_path, table = loaded["dated"]
    mapping = propose_mapping(table)
    from_pg = calibrate(count_source(SqlSource(url=url, table="customers"), mapping))
    from_csv = calibrate(count_source(csv_path, mapping))
    assert from_pg.to_dict() == from_csv.to_dict()


def test_bad_database_sources_raise_clear_errors(loaded, tmp_path):
    url = loaded["url"]
    mapping = propose_mapping(loaded["dated"][1])
    with pytest.raises(DataError, match="cannot read the table or query"):
        count_source(SqlSource(url=url, table="no_such_table"), mapping)
    with pytest.raises(DataError, match="cannot read the table or query"):
        count_source(SqlSource(url=url, query="SELEC nonsense"), mapping)
    with pytest.raises(DataError, match="cannot connect"):
        count_source(
            SqlSource(url=url.replace("/postgres?", "/no_such_db?"), table="customers"), mapping
        )
    with pytest.raises(DataError, match="database URL"):
        count_source(SqlSource(url="nonsense://", table="customers"), mapping)
    bad = dataclasses.replace(mapping, revenue="mrr")
    problems = check_source(SqlSource(url=url, table="customers"), bad)
    assert [p.message for p in problems] == ["column for revenue is not in the file"]


def test_problems_from_postgres_match_validate(loaded):
    import sqlalchemy

    url = loaded["url"]
    table = pd.DataFrame(
        {
            "id": ["a", "b", "b", None] + [f"c{i}" for i in range(40)],
            "tenure": ["3", "x", "-1", "4"] + [str(i % 9 + 1) for i in range(40)],
            "churned": ["yes", "maybe", None, "no"] + ["yes" if i % 3 else "no" for i in range(40)],
            "segment": ["s"] * 44,
        }
    )
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        table.to_sql("bad", conn, index=False, if_exists="replace")
    engine.dispose()
    mapping = dataclasses.replace(
        propose_mapping(table), churned_values=("yes",), active_values=("no",)
    )
    want = [(p.column, p.message, p.severity, p.fix) for p in validate(table, mapping)]
    got = check_source(SqlSource(url=url, table="bad"), mapping)
    assert [(p.column, p.message, p.severity, p.fix) for p in got] == want
    assert all(p.rows == () for p in got)
    assert key(check_source(table, mapping)) == key(validate(table, mapping))
