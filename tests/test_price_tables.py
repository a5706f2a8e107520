"""The two tables of calibrate-price go through the upload's checks: every problem names the
file, the column and the rows; formats and encodings are those of the customer upload."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from simulator.data.price_histories import generate_price_history
from simulator.data.price_response import calibrate_price_files
from simulator.data.price_tables import PriceColumns
from simulator.data.tables import DataError


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    customers, prices = generate_price_history(
        1500, design="staggered", rng=np.random.default_rng(1)
    )
    fmt = "%Y-%m-%d"
    customers = customers.assign(
        start_date=customers["start_date"].dt.strftime(fmt),
        end_date=customers["end_date"].dt.strftime(fmt).fillna(""),
    )
    prices = prices.assign(
        effective_date=prices["effective_date"].dt.strftime(fmt),
        monthly_price=prices["monthly_price"].map("{:.2f}".format),
    )
    return customers, prices


def csv(table: pd.DataFrame) -> bytes:
    return table.to_csv(index=False).encode()


def run(customers: pd.DataFrame, prices: pd.DataFrame, **columns):
    return calibrate_price_files(
        csv(customers),
        csv(prices),
        customers_name="customers.csv",
        prices_name="prices.csv",
        columns=PriceColumns(**columns),
    )


def refused(customers, prices, **columns) -> DataError:
    with pytest.raises(DataError) as info:
        run(customers, prices, **columns)
    return info.value


def test_clean_tables_are_proposed_their_columns_and_give_no_data_warning(tables):
    result = run(*tables)
    assert result.data_warnings == ()
    assert result.segments[0].hazard_ratio_per_10pct is not None


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("0", "monthly price is not above 0"),
        ("-5", "monthly price is not above 0"),
        ("abc", "monthly price is empty or not a number"),
        ("", "monthly price is empty or not a number"),
        ("inf", "monthly price is infinite"),
    ],
)
def test_a_bad_price_is_an_error_naming_file_column_and_row(tables, cell, message):
    customers, prices = tables
    prices = prices.copy()
    prices.loc[[3, 7], "monthly_price"] = cell
    error = refused(customers, prices)
    assert error.name == "prices.csv"
    (problem,) = error.problems
    assert problem.column == "monthly_price" and problem.rows == (5, 9)
    assert message in problem.message
    assert str(error).startswith("prices.csv: cannot use this table")


def test_a_bad_or_far_date_is_an_error(tables):
    customers, prices = tables
    prices = prices.copy()
    prices.loc[2, "effective_date"] = "2024-13-45"
    prices.loc[4, "effective_date"] = "0001-01-01"
    problems = refused(customers, prices).problems
    assert [(p.column, p.rows) for p in problems] == [
        ("effective_date", (4,)),
        ("effective_date", (6,)),
    ]
    assert "effective date is empty or not a date" in problems[0].message
    assert "date outside 1900-2199 (e.g. 0001-01-01)" in problems[1].message


def test_two_prices_on_one_date_are_an_error_and_a_repeated_row_a_warning(tables):
    customers, prices = tables
    clash = prices.iloc[[0]].assign(monthly_price="99.00")
    repeat = prices.iloc[[5]]
    error = refused(customers, pd.concat([prices, clash], ignore_index=True))
    (problem,) = error.problems
    assert "two different prices on the same effective date" in problem.message
    assert problem.rows == (2, len(prices) + 2)
    result = run(customers, pd.concat([prices, repeat], ignore_index=True))
    assert any("repeat a customer, date and price" in w for w in result.data_warnings)
    assert any(f"rows {len(prices) + 2}" in w for w in result.data_warnings)


def test_unknown_ids_are_a_warning_and_no_known_id_an_error(tables):
    customers, prices = tables
    stranger = prices.iloc[[0]].assign(customer_id="X999")
    result = run(customers, pd.concat([prices, stranger], ignore_index=True))
    (line,) = [w for w in result.data_warnings if "not in customers.csv" in w]
    assert line.startswith("prices.csv: warning: column 'customer_id'")
    assert "'X999'" in line
    error = refused(customers, prices.assign(customer_id="Z" + prices["customer_id"]))
    assert "no customer id of the price history is in customers.csv" in error.problems[0].message


def test_dates_outside_a_customers_life_are_warnings(tables):
    customers, prices = tables
    churner = customers[customers["end_date"] != ""].iloc[0]
    late = pd.DataFrame(
        {
            "customer_id": [churner["customer_id"]],
            "effective_date": ["2026-09-15"],
            "monthly_price": ["99.00"],
        }
    )
    early = prices.iloc[[0]].assign(effective_date="2000-01-01")
    result = run(customers, pd.concat([prices, late, early], ignore_index=True))
    text = "\n".join(result.data_warnings)
    assert "after the customer's end date; these rows are left out" in text
    assert "before the customer's start date" in text
    assert all(w in result.segments[0].warnings for w in result.data_warnings)


def test_customers_without_a_price_row_are_left_out_with_a_warning(tables):
    customers, prices = tables
    first = customers["customer_id"].iloc[0]
    result = run(customers, prices[prices["customer_id"] != first])
    (line,) = [w for w in result.data_warnings if "have no row in prices.csv" in w]
    assert line.startswith("customers.csv: warning: column 'customer_id' (rows 2)")
    assert result.segments[0].customers == len(customers) - 1


def test_a_missing_or_unmapped_column_is_named(tables):
    customers, prices = tables
    error = refused(customers, prices, price="Preis")
    assert error.problems[0].column == "Preis"
    assert "column for monthly price is not in the file" in error.problems[0].message
    error = refused(customers, prices.rename(columns={"monthly_price": "xyz"}))
    assert "Required column monthly price is not mapped" in error.problems[0].message


def test_the_customer_table_is_checked_as_the_upload_is(tables):
    customers, prices = tables
    bad = customers.copy()
    churned = bad.index[bad["end_date"] != ""][:2]
    bad.loc[churned, "end_date"] = "1999-01-01"
    error = refused(bad, prices)
    assert error.name == "customers.csv"
    assert any("end date is before start date" in p.message for p in error.problems)
    error = refused(customers.drop(columns="end_date"), prices)
    assert "end date is not mapped" in error.problems[0].message


def test_excel_parquet_and_a_european_csv_give_the_same_answer(tables):
    customers, prices = tables
    expected = run(customers, prices).to_dict()
    excel = io.BytesIO()
    prices.assign(monthly_price=prices["monthly_price"].astype(float)).to_excel(excel, index=False)
    parquet = io.BytesIO()
    prices.to_parquet(parquet, index=False)
    european = customers.assign(
        start_date=pd.to_datetime(customers["start_date"]).dt.strftime("%d.%m.%Y"),
        end_date=pd.to_datetime(customers["end_date"]).dt.strftime("%d.%m.%Y").fillna(""),
    )
    semicolons = european.to_csv(index=False, sep=";").encode("cp1252")
    for customer_bytes, price_bytes, price_name in (
        (csv(customers), excel.getvalue(), "prices.xlsx"),
        (csv(customers), parquet.getvalue(), "prices.parquet"),
        (semicolons, csv(prices), "prices.csv"),
    ):
        got = calibrate_price_files(
            customer_bytes, price_bytes, customers_name="customers.csv", prices_name=price_name
        )
        (segment,) = got.to_dict()["segments"].values()
        (want,) = expected["segments"].values()
        for key, value in want.items():
            if isinstance(value, float):
                assert segment[key] == pytest.approx(value, rel=1e-6), key
            elif key == "hazard_ratio_per_10pct_interval":
                assert segment[key] == pytest.approx(value, rel=1e-6)
            else:
                assert segment[key] == value, key
