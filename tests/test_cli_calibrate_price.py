"""``python -m simulator calibrate-price``: a customer table and its price history in, the price
response per segment as JSON out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator.cli import main
from simulator.data.price_histories import generate_price_history

ROOT = Path(__file__).resolve().parents[1]
FLAGS = (
    "--id",
    "customer_id",
    "--start",
    "start_date",
    "--end",
    "end_date",
    "--segment",
    "segment",
    "--price-date",
    "effective_date",
    "--price",
    "monthly_price",
    "--as-of",
    "2026-09-30",
)
KEYS = {
    "hazard_ratio_per_10pct",
    "hazard_ratio_per_10pct_interval",
    "first_month_hazard_ratio",
    "exposed_customers",
    "control_customers",
    "method",
    "warnings",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("prices")
    customers, prices = generate_price_history(
        3000, design="uniform", rng=np.random.default_rng(2), segment="core"
    )
    customers.to_csv(folder / "customers.csv", index=False, date_format="%Y-%m-%d")
    prices.to_csv(folder / "prices.csv", index=False, date_format="%Y-%m-%d")
    return folder / "customers.csv", folder / "prices.csv"


@pytest.mark.slow
def test_the_command_writes_the_json_of_the_issue(files, tmp_path):
    customers, prices = files
    out = tmp_path / "price.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "calibrate-price",
            str(customers),
            str(prices),
            *FLAGS,
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip() == f"wrote the price response of 1 segment to {out}"
    segments = json.loads(out.read_text(encoding="utf-8"))["segments"]
    assert set(segments) == {"core"}
    got = segments["core"]
    assert set(got) == KEYS
    low, high = got["hazard_ratio_per_10pct_interval"]
    assert low < got["hazard_ratio_per_10pct"] < high
    assert got["control_customers"] == 0 and got["exposed_customers"] > 100
    assert any("no control group" in w for w in got["warnings"])


def test_without_out_the_json_is_printed_and_columns_are_proposed(files, capsys):
    customers, prices = files
    assert main(["calibrate-price", str(customers), str(prices)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed["segments"]["core"]) == KEYS


@pytest.mark.slow
def test_bad_input_exits_1_naming_file_column_and_row(files, tmp_path):
    customers, prices = files
    bad = tmp_path / "prices.csv"
    lines = prices.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",-4.00"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "calibrate-price", str(customers), str(bad), *FLAGS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("error: prices.csv: cannot use this table")
    assert "column 'monthly_price' (rows 4): monthly price is not above 0" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_file_or_column_exits_1(files, capsys, tmp_path):
    customers, prices = files
    assert main(["calibrate-price", str(customers), str(tmp_path / "none.csv")]) == 1
    assert "none.csv: cannot read the table" in capsys.readouterr().err
    assert main(["calibrate-price", str(customers), str(prices), "--price", "Preis"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: prices.csv") and "'Preis'" in err
    assert main(["calibrate-price", str(customers), str(prices), "--start", "Beginn"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: customers.csv") and "'Beginn'" in err
