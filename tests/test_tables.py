"""Reading, mapping and validating planners' customer tables (tables, mapping, records)."""

from __future__ import annotations

import datetime
import gzip
import io
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.data import archives
from simulator.data.archives import unpack
from simulator.data.mapping import ColumnMapping, propose_mapping, recognise_churn_values
from simulator.data.records import RECORD_COLUMNS, customer_records, validate
from simulator.data.tables import DataError, Problem, read_table

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

GOOD_CSV = (
    "customer_id,tenure_months,churned,segment,monthly_revenue\n"
    "a1,3,Yes,basic,10\n"
    "a2,12,No,basic,12.5\n"
    "a3,0,No,premium,30\n"
    "a4,7,yes,premium,31\n"
)


def read(text: str | bytes, name: str = "customers.csv") -> pd.DataFrame:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return read_table(raw, name=name)


def problems_of(text: str, **kwargs) -> list[Problem]:
    table = read(text)
    return validate(table, kwargs.pop("mapping", None) or propose_mapping(table), **kwargs)


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def only_error(problems: list[Problem]) -> Problem:
    found = errors(problems)
    assert len(found) == 1, [str(p) for p in problems]
    return found[0]


# --- reading: what cannot be read -------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"   \n\n", b"\r\n"])
def test_an_empty_file_is_named_and_rejected(raw):
    with pytest.raises(DataError, match=r"(?s)empty\.csv: .*the file is empty") as info:
        read_table(raw, name="empty.csv")
    assert isinstance(info.value, ValueError)
    assert info.value.problems[0].fix.startswith("Upload a table")


def test_a_header_without_rows_is_rejected():
    with pytest.raises(DataError, match="header but no customer rows"):
        read("customer_id,tenure,churned\n")


def test_binary_garbage_is_not_a_text_table():
    garbage = bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8))
    with pytest.raises(DataError, match=r"(?s)garbage\.bin: .*not a text table"):
        read_table(garbage, name="garbage.bin")


def test_a_png_renamed_to_csv_is_rejected():
    with pytest.raises(DataError, match="not a text table"):
        read_table(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), name="photo.csv")


def test_a_corrupt_parquet_file_is_rejected():
    with pytest.raises(DataError, match="not a readable Parquet file"):
        read_table(b"PAR1 this is not really parquet", name="broken.parquet")


def test_a_corrupt_excel_workbook_says_to_save_it_again():
    with pytest.raises(DataError, match=r"(?s)book\.xlsx: .*not a readable Excel workbook"):
        read_table(b"PK\x03\x04" + bytes(100), name="book.xlsx")


def test_an_old_xls_workbook_asks_for_xlsx_or_csv():
    with pytest.raises(DataError, match=r"(?s)old\.xls: .*\.xls.*Save the sheet as \.xlsx"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), name="old.xls")


def test_an_unclosed_quote_or_ragged_rows_say_what_to_check():
    with pytest.raises(DataError, match="do not split into the header's columns"):
        read('id,tenure,churned\n1,2,yes\n2,3,no,extra,more\n3,"4,no\n')


# --- reading: awkward but readable ------------------------------------------------------------


def test_utf8_with_bom_keeps_the_first_column_name_clean():
    table = read_table(b"\xef\xbb\xbf" + GOOD_CSV.encode(), name="bom.csv")
    assert list(table.columns)[0] == "customer_id"
    assert propose_mapping(table).id == "customer_id"


def test_utf16_with_bom_is_decoded():
    table = read_table(GOOD_CSV.encode("utf-16"), name="excel-unicode.csv")
    assert table.shape == (4, 5)
    assert table.loc[1, "monthly_revenue"] == "12.5"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_common_delimiters_are_sniffed(delimiter):
    table = read(GOOD_CSV.replace(",", delimiter))
    assert list(table.columns) == [
        "customer_id",
        "tenure_months",
        "churned",
        "segment",
        "monthly_revenue",
    ]
    assert table.loc[3, "churned"] == "yes"


def test_whitespace_separated_columns_are_split():
    table = read("customer_id  tenure   churned\na1 3 1\na2    12 0\n", name="cdnow.txt")
    assert table.shape == (2, 3)
    assert table.loc[1, "tenure"] == "12"


def test_latin1_accents_fall_back_to_cp1252():
    raw = "id;région;tenure;churned\n1;Île-de-France;3;oui\n2;Genève;4;non\n".encode("cp1252")
    table = read_table(raw, name="clients.csv")
    assert list(table.columns) == ["id", "région", "tenure", "churned"]
    assert table.loc[1, "région"] == "Genève"


def test_crlf_without_a_final_newline_reads_every_row():
    table = read(GOOD_CSV.replace("\n", "\r\n").rstrip())
    assert len(table) == 4
    assert table.loc[3, "monthly_revenue"] == "31"


def test_quoted_values_with_delimiters_inside_stay_whole():
    table = read('id,plan,tenure,churned\n1,"Gold, annual",3,1\n2,"Blue",5,0\n')
    assert table.loc[0, "plan"] == "Gold, annual"


def test_padding_spaces_around_names_and_values_are_stripped():
    table = read(" id , tenure , churned \n 1 , 3 , Yes \n2,4,No\n")
    assert list(table.columns) == ["id", "tenure", "churned"]
    assert table.loc[0, "churned"] == "Yes"


def test_parquet_round_trip_keeps_types_and_reads_from_a_file_object():
    frame = pd.DataFrame(
        {
            "CustomerId": [1, 2, 3],
            "Tenure": [1, 5, 10],
            "Exited": [1, 0, 0],
            "start_date": pd.to_datetime(["2020-01-31", "2021-02-01", "2022-03-15"]),
        }
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    table = read_table(io.BytesIO(buffer.getvalue()), name="upload")  # magic bytes, no suffix
    pd.testing.assert_frame_equal(table, frame)
    mapping = propose_mapping(table)
    assert (mapping.id, mapping.tenure, mapping.churned) == ("CustomerId", "Tenure", "Exited")
    records = customer_records(table, mapping)
    assert records["customer_id"].tolist() == ["1", "2", "3"]
    assert records["tenure_months"].tolist() == [12.0, 60.0, 120.0]


def excel_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()


def test_an_excel_workbook_reads_its_first_sheet_with_types():
    frame = pd.DataFrame(
        {
            "Customer ID": [101, 102, 103],
            "Start date": pd.to_datetime(["2023-01-31", "2023-01-15", "2022-06-30"]),
            "End date": pd.to_datetime([None, "2023-03-14", "2023-06-30"]),
            "Plan": ["basic", "basic", "pro"],
            "Monthly revenue": [9.5, 9.5, 30.0],
        }
    )
    table = read_table(excel_bytes(frame), name="customers.xlsx")
    mapping = propose_mapping(table)
    assert (mapping.id, mapping.start, mapping.end, mapping.segment, mapping.revenue) == (
        "Customer ID",
        "Start date",
        "End date",
        "Plan",
        "Monthly revenue",
    )
    assert mapping.kind == "dated"
    records = customer_records(table, mapping, as_of=datetime.date(2023, 6, 30))
    assert records["customer_id"].tolist() == ["101", "102", "103"]
    assert records["tenure_months"].tolist() == [5.0, 1.0, 12.0]
    assert records["churned"].tolist() == [False, True, True]
    assert records["monthly_revenue"].tolist() == [9.5, 9.5, 30.0]


def test_an_excel_sheet_with_only_a_header_is_rejected():
    with pytest.raises(DataError, match="header but no customer rows"):
        read_table(excel_bytes(pd.DataFrame(columns=["id", "tenure", "churned"])), name="e.xlsx")


def test_a_blank_row_inside_an_excel_sheet_keeps_the_row_numbers():
    frame = pd.DataFrame({"id": ["a", None, "c"], "tenure": [3, None, 5], "churned": [1, None, 0]})
    table = read_table(excel_bytes(frame), name="gaps.xlsx")
    found = errors(validate(table, propose_mapping(table)))
    assert {(p.column, p.rows) for p in found} == {
        ("id", (3,)),
        ("tenure", (3,)),
        ("churned", (3,)),
    }


# --- validation: each problem named -----------------------------------------------------------


def test_a_table_mostly_of_repeated_ids_is_called_a_purchase_log():
    from simulator.data.records import duplicate_ids_fix

    keep, log = "Keep one row per customer", "This looks like one row per purchase or event"
    assert duplicate_ids_fix(99, 100) == keep  # under 100 repeated rows: mistakes
    assert duplicate_ids_fix(100, 200).startswith(log)  # half the rows, 100 of them
    assert duplicate_ids_fix(100, 201) == keep  # under half the rows
    assert duplicate_ids_fix(57_751, 69_659).startswith(log)  # CDNOW's purchases


def test_duplicate_ids_are_listed_with_file_rows():
    problem = only_error(problems_of(GOOD_CSV + "a2,5,No,basic,11\n"))
    assert problem.column == "customer_id"
    assert problem.rows == (3, 6)
    assert problem.message == "customer id appears more than once (2 rows)"
    assert problem.fix == "Keep one row per customer"  # two rows of many: not a purchase log


def test_end_before_start_is_an_error_on_the_end_column():
    text = (
        "id,start_date,end_date\n1,2020-01-01,\n2,2021-05-01,2021-04-01\n3,2020-02-01,2020-09-30\n"
    )
    problem = only_error(problems_of(text, as_of=datetime.date(2022, 1, 1)))
    assert (problem.column, problem.rows) == ("end_date", (3,))
    assert "before start" in problem.message


def test_unparsable_dates_are_errors_with_their_rows():
    text = (
        "id,start_date,end_date\n"
        "1,2020-01-01,\n2,soon,\n3,2020-02-01,2020-09-31\n4,2019-01-01,2020-01-01\n"
    )
    found = errors(problems_of(text, as_of=datetime.date(2022, 1, 1)))
    assert [(p.column, p.rows) for p in found] == [("start_date", (3,)), ("end_date", (4,))]


def test_negative_tenure_is_an_error():
    problem = only_error(problems_of(GOOD_CSV.replace("a3,0,", "a3,-2,")))
    assert (problem.column, problem.rows, problem.message) == (
        "tenure_months",
        (4,),
        "tenure is negative",
    )


def test_text_in_a_numeric_column_is_named():
    problem = only_error(problems_of(GOOD_CSV.replace("a2,12,", "a2,twelve,")))
    assert (problem.column, problem.rows) == ("tenure_months", (3,))
    assert "not a number" in problem.message


def test_text_in_the_revenue_column_is_only_a_warning():
    found = problems_of(GOOD_CSV.replace(",12.5\n", ",n.a.\n"))
    assert not errors(found)
    revenue = [p for p in found if p.column == "monthly_revenue"]
    assert revenue[0].rows == (3,) and revenue[0].severity == "warning"


def test_negative_revenue_is_an_error():
    problem = only_error(problems_of(GOOD_CSV.replace(",30\n", ",-30\n")))
    assert (problem.column, problem.rows) == ("monthly_revenue", (4,))


def test_an_unknown_churn_spelling_is_left_for_the_planner():
    text = GOOD_CSV.replace("Yes", "gekündigt").replace("yes", "gekündigt").replace("No", "aktiv")
    table = read(text)
    mapping = propose_mapping(table)
    assert mapping.churned == "churned"
    assert mapping.churned_values == () and mapping.active_values == ()
    problem = only_error(validate(table, mapping))
    assert problem.rows == (2, 3, 4, 5)
    assert "not mapped to churned or active" in problem.message
    fixed = replace(mapping, churned_values=("gekündigt",), active_values=("aktiv",))
    assert not errors(validate(table, fixed))
    assert customer_records(table, fixed)["churned"].tolist() == [True, False, False, True]


def test_a_third_churn_value_is_flagged_on_its_rows():
    table = read(GOOD_CSV + "a5,4,maybe,basic,10\n")
    mapping = replace(
        propose_mapping(table), churned="churned", churned_values=("yes",), active_values=("no",)
    )
    problem = only_error(validate(table, mapping))
    assert problem.rows == (6,) and "maybe" in problem.message


def test_no_churned_customers_means_churn_cannot_be_estimated():
    problem = only_error(problems_of(GOOD_CSV.replace("Yes", "No").replace("yes", "no")))
    assert "no customer churned" in problem.message


def test_no_active_customers_is_an_error():
    problem = only_error(problems_of(GOOD_CSV.replace("No", "Yes")))
    assert "no active customers" in problem.message


def test_a_missing_id_column_is_a_required_mapping():
    text = "tenure,churned\n3,1\n4,0\n"
    problem = only_error(problems_of(text))
    assert problem.message.startswith("Required column customer id is not mapped")
    with pytest.raises(DataError, match="customer id is not mapped"):
        customer_records(read(text), propose_mapping(read(text)), name="noid.csv")


def test_a_table_without_tenure_or_dates_needs_both_named():
    found = errors(problems_of("id,churned\n1,1\n2,0\n"))
    assert [p.message.split(" (")[0] for p in found] == ["Required column tenure is not mapped"]


def test_a_mapping_naming_a_missing_column_is_an_error():
    table = read(GOOD_CSV)
    problem = only_error(validate(table, replace(propose_mapping(table), segment="plan")))
    assert problem.column == "plan" and "not in the file" in problem.message


def test_every_problem_is_collected_before_answering():
    text = (
        "customer_id,tenure_months,churned,monthly_revenue\n"
        "a1,3,Yes,10\na1,-1,No,x\na3,abc,perhaps,-5\n"
    )
    found = problems_of(text)
    assert {(p.column, p.severity) for p in found} >= {
        ("customer_id", "error"),
        ("tenure_months", "error"),
        ("churned", "error"),
        ("monthly_revenue", "warning"),
        ("monthly_revenue", "error"),
    }
    with pytest.raises(DataError) as info:
        customer_records(read(text), propose_mapping(read(text)), name="bad.csv")
    assert len(info.value.problems) == len(errors(found)) >= 5
    assert str(info.value).startswith("bad.csv: cannot use this table")


def test_small_segments_are_a_warning_not_an_error():
    found = problems_of(GOOD_CSV)
    assert not errors(found)
    assert {p.message.split("'")[1] for p in found} == {"basic", "premium"}
    assert all(p.severity == "warning" and "too few" in p.message for p in found)


def test_european_decimal_commas_in_a_semicolon_file():
    table = read(GOOD_CSV.replace(",", ";").replace("12.5", "12,5"))
    records = customer_records(table, propose_mapping(table))
    assert records["monthly_revenue"].tolist() == [10.0, 12.5, 30.0, 31.0]


# --- mapping proposals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "churned", "active"),
    [
        (["Yes", "No"], ("yes",), ("no",)),
        (["Y", "n"], ("y",), ("n",)),
        (["1", "0"], ("1",), ("0",)),
        ([1.0, 0.0], ("1",), ("0",)),
        (["TRUE", "false"], ("true",), ("false",)),
        (["t", "f"], ("t",), ("f",)),
        (["churned", "Active"], ("churned",), ("active",)),
        (
            ["Attrited Customer", "Existing Customer"],
            ("attrited customer",),
            ("existing customer",),
        ),
        (["exited", "stayed"], ("exited",), ("stayed",)),
    ],
)
def test_the_churn_spellings_are_recognised(values, churned, active):
    assert recognise_churn_values(pd.Series(values * 2)) == (churned, active, ())


def test_an_unknown_spelling_is_returned_as_unknown():
    assert recognise_churn_values(pd.Series(["ja", "nein", None])) == ((), (), ("ja", "nein"))


def test_names_like_bankchurners_propose_a_left_truncated_monthly_snapshot():
    table = pd.DataFrame(
        {
            "CLIENTNUM": ["1", "2", "3"],
            "Attrition_Flag": ["Attrited Customer", "Existing Customer", "Existing Customer"],
            "Card_Category": ["Blue", "Blue", "Gold"],
            "Months_on_book": ["13", "40", "56"],
            "Contacts_Count_12_mon": ["6", "2", "0"],
        }
    )
    mapping = propose_mapping(table)
    assert mapping == ColumnMapping(
        id="CLIENTNUM",
        tenure="Months_on_book",
        churned="Attrition_Flag",
        segment="Card_Category",
        contacts="Contacts_Count_12_mon",
        kind="snapshot",
        tenure_unit="months",
        churned_values=("attrited customer",),
        active_values=("existing customer",),
    )


def test_names_like_churn_modelling_propose_tenure_in_years():
    table = pd.DataFrame(
        {
            "RowNumber": ["1", "2"],
            "CustomerId": ["15634602", "15647311"],
            "Geography": ["France", "Spain"],
            "Tenure": ["2", "10"],
            "Exited": ["1", "0"],
        }
    )
    mapping = propose_mapping(table)
    assert (mapping.id, mapping.segment, mapping.tenure, mapping.churned) == (
        "CustomerId",
        "Geography",
        "Tenure",
        "Exited",
    )
    assert (mapping.kind, mapping.tenure_unit) == ("snapshot", "years")
    assert replace(mapping, tenure_unit="months").tenure_unit == "months"  # the planner overrides


def test_names_like_powerco_propose_a_snapshot_because_the_end_date_is_a_contract_end():
    table = pd.DataFrame(
        {
            "id": ["x", "y"],
            "channel_sales": ["MISSING", "foo"],
            "date_activ": ["2013-06-15", "2009-08-21"],
            "date_end": ["2016-06-15", "2016-08-30"],
            "num_years_antig": ["3", "6"],
            "churn": ["1", "0"],
        }
    )
    mapping = propose_mapping(table)
    assert (mapping.id, mapping.start, mapping.end, mapping.tenure, mapping.churned) == (
        "id",
        "date_activ",
        "date_end",
        "num_years_antig",
        "churn",
    )
    assert (mapping.kind, mapping.tenure_unit, mapping.channel) == (
        "snapshot",
        "years",
        "channel_sales",
    )


def test_an_end_column_with_gaps_proposes_a_dated_table():
    table = read(
        "customer_id,start_date,end_date,plan\n1,2020-01-31,,a\n2,2020-03-01,2021-03-01,b\n"
    )
    mapping = propose_mapping(table)
    assert (mapping.kind, mapping.start, mapping.end, mapping.segment) == (
        "dated",
        "start_date",
        "end_date",
        "plan",
    )


def test_a_column_that_does_not_parse_as_dates_is_not_proposed_as_start():
    table = read("id,start,tenure,churn\n1,north,3,1\n2,south,4,0\n")
    assert propose_mapping(table).start is None


def test_a_many_valued_column_named_churn_is_not_proposed_as_the_flag():
    table = read("id,tenure,churn\n1,3,0.1\n2,4,0.5\n3,5,0.9\n")
    assert propose_mapping(table).churned is None


def test_a_mapping_rejects_a_value_meaning_both_churned_and_active():
    with pytest.raises(ValueError, match="cannot mean churned and active"):
        ColumnMapping(churned_values=("1",), active_values=("1",))


# --- records -----------------------------------------------------------------------------------


def test_snapshot_records_have_the_standard_columns_and_values():
    table = read(GOOD_CSV)
    records = customer_records(table, propose_mapping(table))
    assert tuple(records.columns) == RECORD_COLUMNS
    assert records["customer_id"].tolist() == ["a1", "a2", "a3", "a4"]
    assert records["tenure_months"].tolist() == [3.0, 12.0, 0.0, 7.0]
    assert records["churned"].tolist() == [True, False, False, True]
    assert records["entry_months"].tolist() == [0.0] * 4  # shortest tenure 0: not truncated
    assert records["segment"].tolist() == ["basic", "basic", "premium", "premium"]
    assert records["satisfaction"].isna().all() and records["contacts"].isna().all()


def test_a_left_truncated_snapshot_enters_one_month_before_the_shortest_tenure():
    table = read("id,months_on_book,churned\n1,13,1\n2,20,0\n3,14,0\n")
    mapping = propose_mapping(table)
    assert customer_records(table, mapping)["entry_months"].tolist() == [12.0] * 3
    assert (
        customer_records(table, mapping, left_truncated_at=None)["entry_months"].tolist()
        == [0.0] * 3
    )
    assert customer_records(table, mapping, left_truncated_at=14)["entry_months"].tolist() == [
        13.0,
        14.0,
        14.0,
    ]


def test_dated_records_count_whole_months_to_the_end_or_the_as_of_date():
    text = (
        "customer_id,start_date,end_date\n"
        "c1,2023-01-31,\n"  # active: Jan 31 -> Jun 30 is 5 months (end-of-month clipping)
        "c2,2023-01-15,2023-03-14\n"  # 1 whole month, churned
        "c3,2023-02-01,2023-08-01\n"  # ends after as-of: active, 4 months
        "c4,2023-07-01,\n"  # starts after as-of: left out (warning)
        "c5,2022-06-30,2023-06-30\n"  # ends on as-of: churned, 12 months
    )
    table = read(text)
    mapping = propose_mapping(table)
    as_of = datetime.date(2023, 6, 30)
    found = validate(table, mapping, as_of=as_of)
    assert [(p.column, p.rows, p.severity) for p in found] == [("start_date", (5,), "warning")]
    records = customer_records(table, mapping, as_of=as_of)
    assert records["customer_id"].tolist() == ["c1", "c2", "c3", "c5"]
    assert records["tenure_months"].tolist() == [5.0, 1.0, 4.0, 12.0]
    assert records["churned"].tolist() == [False, True, False, True]
    assert records["entry_months"].tolist() == [0.0] * 4
    assert records["segment"].tolist() == ["all"] * 4
    assert records["monthly_revenue"].isna().all()


def test_dated_records_default_to_the_latest_date_as_of():
    table = read("id,start_date,end_date\n1,2020-01-10,\n2,2020-01-10,2020-12-10\n")
    records = customer_records(table, propose_mapping(table))
    assert records["tenure_months"].tolist() == [11.0, 11.0]


# --- the shared real datasets ------------------------------------------------------------------


def shared_table(file_name: str) -> pd.DataFrame:
    path = SHARED / file_name
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared datasets live beside the project)")
    return read_table(path.read_bytes(), name=file_name)


def test_bankchurners_needs_no_correction():
    table = shared_table("BankChurners.csv")
    mapping = propose_mapping(table)
    assert (mapping.id, mapping.tenure, mapping.churned, mapping.segment, mapping.contacts) == (
        "CLIENTNUM",
        "Months_on_book",
        "Attrition_Flag",
        "Card_Category",
        "Contacts_Count_12_mon",
    )
    assert (mapping.kind, mapping.tenure_unit) == ("snapshot", "months")
    found = validate(table, mapping)
    assert not errors(found)
    assert [p.message.split("'")[1] for p in found] == ["Platinum"]  # 20 customers: a warning
    records = customer_records(table, mapping)
    assert len(records) == 10_127
    assert records["churned"].sum() == 1_627
    assert (records["entry_months"] == 12.0).all()
    assert records["tenure_months"].min() == 13.0
    assert set(records["segment"]) == {"Blue", "Silver", "Gold", "Platinum"}
    assert records.loc[records["contacts"] == 6, "churned"].agg(["size", "sum"]).tolist() == [
        54,
        54,
    ]


def test_churn_modelling_needs_no_correction_and_has_tenure_in_years():
    table = shared_table("Churn_Modelling.csv")
    mapping = propose_mapping(table)
    assert (mapping.id, mapping.tenure, mapping.churned, mapping.segment) == (
        "CustomerId",
        "Tenure",
        "Exited",
        "Geography",
    )
    assert (mapping.kind, mapping.tenure_unit) == ("snapshot", "years")
    assert validate(table, mapping) == []
    records = customer_records(table, mapping)
    assert len(records) == 10_000
    assert records["churned"].sum() == 2_037
    assert records["tenure_months"].max() == 120.0 and records["tenure_months"].min() == 0.0
    assert (records["entry_months"] == 0.0).all()
    assert set(records["segment"]) == {"France", "Germany", "Spain"}


def test_powerco_as_a_snapshot_with_one_correction_segment_by_origin():
    # Snapshot, not dated: date_end is filled for every customer (a contract end, not a churn
    # date) and churn is a flag observed after January 2016, so tenure + flag is what the data
    # say. The one correction: segment by origin_up (the offer the customer first signed up to);
    # the proposal leaves segment unmapped because no column is named like one.
    table = shared_table("powerco_client_data.csv")
    proposed = propose_mapping(table)
    assert (proposed.id, proposed.tenure, proposed.churned, proposed.segment) == (
        "id",
        "num_years_antig",
        "churn",
        None,
    )
    assert (proposed.kind, proposed.tenure_unit) == ("snapshot", "years")
    mapping = replace(proposed, segment="origin_up")
    found = validate(table, mapping)
    assert not errors(found)
    assert all("too few" in p.message for p in found)  # two tiny origin codes
    records = customer_records(table, mapping)
    assert len(records) == 14_606
    assert records["churned"].sum() == 1_419
    assert records["tenure_months"].min() == 12.0  # nobody under a year: left-truncated
    assert (records["entry_months"] == 11.0).all()


def test_powerco_can_also_be_read_dated_from_its_activation_date():
    table = shared_table("powerco_client_data.csv")
    mapping = replace(propose_mapping(table), kind="dated", end=None)
    as_of = datetime.date(2016, 1, 1)
    assert not errors(validate(table, mapping, as_of=as_of))
    records = customer_records(table, mapping, as_of=as_of)
    assert len(records) == 14_606 and records["churned"].sum() == 1_419
    years = pd.to_numeric(table["num_years_antig"]).to_numpy()
    assert (np.abs(records["tenure_months"].to_numpy() / 12 - years) <= 1).mean() > 0.99


def test_calamine_reads_every_kind_of_excel_cell_as_openpyxl_does():
    """read_table reads cells with calamine (9x faster on a 114,000-row sheet): the same
    values and types as openpyxl for dates, date-times, times, numbers, booleans, text with
    spaces, a formula without a cached value, empty cells and a number-formatted blank."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "start", "end", "revenue", "flag", "segment", "share", "time"])
    sheet.append([1, datetime.date(2020, 1, 31), datetime.datetime(2021, 2, 28, 13, 5), 19.9,
                  True, "core", 0.25, datetime.time(10, 30)])  # fmt: skip
    sheet.append([2, datetime.date(1999, 12, 31), None, 20, False, " price ", "=1+1", None])
    sheet.append(["003", "2020-03-01", "", 1e308, "Yes", None, "12%", None])
    sheet["C4"].number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    book.save(buffer)
    raw = buffer.getvalue()
    fast, slow = (
        pd.read_excel(io.BytesIO(raw), engine=engine, header=None)
        for engine in ("calamine", "openpyxl")
    )
    assert [list(map(repr, row)) for row in fast.itertuples(index=False)] == [
        list(map(repr, row)) for row in slow.itertuples(index=False)
    ]
    assert list(fast.dtypes) == list(slow.dtypes)
    table = read_table(raw, name="kinds.xlsx")
    assert list(table.columns) == [
        "id", "start", "end", "revenue", "flag", "segment", "share", "time"
    ]  # fmt: skip
    assert table.loc[0, "start"] == datetime.datetime(2020, 1, 31)


# --- compressed uploads ------------------------------------------------------------------------


def _zip(*members: tuple[str, bytes], password_flag: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    raw = bytearray(buffer.getvalue())
    if password_flag:  # mark every entry encrypted, as a password-protected archive is
        for header in (b"PK\x03\x04", b"PK\x01\x02"):
            at = raw.find(header)
            while at != -1:
                flag = at + (6 if header == b"PK\x03\x04" else 8)
                raw[flag] |= 0x1
                at = raw.find(header, at + 4)
    return bytes(raw)


def test_a_gzipped_or_zipped_table_is_read_as_the_table_inside():
    plain = read(GOOD_CSV)
    pd.testing.assert_frame_equal(read(gzip.compress(GOOD_CSV.encode()), "c.csv.gz"), plain)
    zipped = _zip(("export/customers.csv", GOOD_CSV.encode()), ("__MACOSX/._customers.csv", b"x"))
    pd.testing.assert_frame_equal(read(zipped, "c.zip"), plain)
    assert unpack(zipped, "c.zip")[1] == "customers.csv"  # the table's own name
    assert unpack(gzip.compress(b"x"), "c.csv.gz") == (b"x", "c.csv")
    workbook = io.BytesIO()
    plain.to_excel(workbook, index=False)
    pd.testing.assert_frame_equal(
        read(_zip(("sheet.xlsx", workbook.getvalue())), "c.zip"), plain, check_dtype=False
    )


@pytest.mark.parametrize(
    ("raw", "name", "message", "fix"),
    [
        (  # test ids name the file (bytes vary)
            _zip(("a.csv", GOOD_CSV.encode()), ("b.csv", GOOD_CSV.encode())),
            "two.zip",
            "the zip archive holds 2 files (a.csv, b.csv); the app reads one table",
            "Upload the table itself",
        ),
        (_zip(), "empty.zip", "the zip archive holds no file", "Upload the table itself"),
        (
            _zip(("inner.zip", b"PK")),
            "nested.zip",
            "the zip archive holds another archive (inner.zip)",
            "Upload the table itself",
        ),
        (
            _zip(("a.csv", GOOD_CSV.encode()), password_flag=True),
            "locked.zip",
            "the zip archive is password-protected",
            "without a password",
        ),
        (b"not a zip at all", "broken.zip", "not a readable zip archive", "Compress the table"),
        (b"not gzip", "broken.csv.gz", "not a readable gzip file", "Compress the table"),
        (gzip.compress(b"x" * 600, mtime=0), "old.tar.gz", "holds an archive", "Upload the table"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.endswith((".zip", ".gz")) else "",
)
def test_a_compressed_upload_without_one_readable_table_says_why_and_what_to_do(
    raw, name, message, fix
):
    with pytest.raises(DataError) as raised:
        read(raw, name)
    (problem,) = raised.value.problems
    assert raised.value.name == name
    assert message in problem.message and fix in problem.fix


def test_a_compression_bomb_is_refused_before_it_fills_the_memory(monkeypatch):
    monkeypatch.setattr(archives, "MAX_UNPACKED_BYTES", 1000)
    for raw, name in (
        (gzip.compress(b"0" * 5000), "bomb.csv.gz"),
        (_zip(("b.csv", b"0" * 5000)), "b.zip"),
    ):
        with pytest.raises(DataError, match="unpacks to more than"):
            unpack(raw, name)
