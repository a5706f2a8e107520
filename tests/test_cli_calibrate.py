"""``python -m simulator calibrate``: a customer table in, per-segment JSON out (in-process)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np
import pytest

from simulator import sample_business
from simulator.cli import main
from simulator.data.synthetic import customers_to_csv, generate_customers

from .conftest import CALIBRATION_KEYS as KEYS

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def calibrate(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["calibrate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_dated_table_calibrates_to_its_true_parameters(tmp_path, capsys):
    business = sample_business()
    table = generate_customers(
        business,
        as_of=datetime.date(2026, 9, 30),
        history_months=96,
        rng=np.random.default_rng(11),
    )
    path = tmp_path / "customers.csv"
    path.write_text(customers_to_csv(table), encoding="utf-8")
    code, out, err = calibrate(capsys, str(path), "--as-of", "2026-09-30")
    assert code == 0, err
    segments = json.loads(out)["segments"]
    for segment in business.segments:
        got = segments[segment.name]
        assert set(got) == KEYS
        assert got["customers"] == int((table["segment"] == segment.name).sum())
        assert got["arpu"] == pytest.approx(segment.arpu_per_month, rel=0.01)
        # Within about 4 standard errors of the fit (see tests/test_calibrate.py for the SEs).
        assert got["sbg_alpha"] == pytest.approx(segment.sbg_alpha, rel=0.2)
        assert got["sbg_beta"] == pytest.approx(segment.sbg_beta, rel=0.25)
        assert 0 < got["km_survival_24"] < got["km_survival_12"] < 1


def test_the_out_option_writes_the_same_json(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text(
        "id,tenure,churn\n" + "".join(f"{i},{1 + i % 30},{i % 3 == 0}\n" for i in range(90)),
        encoding="utf-8",
    )
    code, printed, _ = calibrate(capsys, str(path))
    assert code == 0
    out = tmp_path / "c.json"
    assert calibrate(capsys, str(path), "--out", str(out))[0] == 0
    assert json.loads(out.read_text()) == json.loads(printed)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"id,tenure,churn\n", "no customer rows"),
        (b"id,tenure,churn\n1,5,yes\n1,7,no\n", "appears more than once"),
    ],
)
def test_bad_tables_exit_1_naming_the_file(tmp_path, capsys, content, expected):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, out, err = calibrate(capsys, str(path))
    assert code == 1 and out == ""
    assert err.startswith("error: bad.csv")
    assert expected in err.lower()
    assert "Traceback" not in err


def test_a_column_that_is_not_in_the_table_is_named(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text("id,tenure,churn\n1,5,yes\n2,7,no\n", encoding="utf-8")
    code, _, err = calibrate(capsys, str(path), "--segment", "Plan")
    assert code == 1
    assert "'Plan'" in err and "id, tenure, churn" in err


@pytest.mark.parametrize(
    ("name", "args", "segments", "customers", "churned"),
    [
        ("BankChurners.csv", (), {"Blue", "Silver", "Gold", "Platinum"}, 10_127, 1_627),
        ("Churn_Modelling.csv", (), {"France", "Germany", "Spain"}, 10_000, 2_037),
        ("powerco_client_data.csv", ("--segment", "origin_up"), None, 14_606, 1_419),
    ],
)
def test_the_shared_datasets_calibrate(capsys, name, args, segments, customers, churned):
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared datasets sit beside the project)")
    code, out, err = calibrate(capsys, str(path), *args)
    assert code == 0, err
    result = json.loads(out)["segments"]
    if segments is not None:
        assert set(result) == segments
    assert sum(s["customers"] for s in result.values()) == customers
    assert sum(s["churned"] for s in result.values()) == churned
    for s in result.values():  # PowerCo's tiny "MISSING" origin has no churner: 0
        assert 0 <= s["monthly_churn"] < 0.1
    assert max(s["monthly_churn"] for s in result.values()) > 0


def test_a_large_file_is_counted_in_sql_with_the_same_result(capsys, monkeypatch):
    # Above LARGE_FILE_BYTES the command counts with DuckDB (simulator.data.sql) instead of
    # reading the table whole: the bundled sample gives the same JSON either way.
    import simulator.data.tables

    sample = str(Path(__file__).resolve().parents[1] / "sample_data" / "customers.csv")
    code, whole, _ = calibrate(capsys, sample, "--as-of", "2026-09-30")
    assert code == 0
    monkeypatch.setattr(simulator.data.tables, "LARGE_FILE_BYTES", 0)
    code, counted, err = calibrate(capsys, sample, "--as-of", "2026-09-30")
    assert code == 0, err
    assert json.loads(counted) == json.loads(whole)


def test_database_options_must_come_together(capsys):
    code, _, err = calibrate(capsys, "--table", "customers")
    assert code == 1 and "give a customer table file, or --db-url" in err
    code, _, err = calibrate(capsys, "--db-url", "postgresql+psycopg://x@/db")
    assert code == 1 and "--db-url needs --table NAME or --query SQL" in err
