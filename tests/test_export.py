"""Exports: CSV and Excel bytes of a projection, with formula-like text neutralised."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import simulator
from simulator.decisions import export
from simulator.model.assumptions import parameter_table
from ui import exports

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HOSTILE = '=HYPERLINK("x")'


@pytest.fixture(scope="module")
def hostile():
    """The sample business with a segment named like a formula, evaluated, and its parameters."""
    business = simulator.sample_business()
    first = business.segments[0]
    renamed = dataclasses.replace(
        business,
        segments=(dataclasses.replace(first, name=HOSTILE), *business.segments[1:]),
        core_segment=HOSTILE if business.core_segment == first.name else business.core_segment,
    )
    scenario = simulator.example_scenario()
    evaluation = simulator.evaluate(renamed, scenario)
    # Shift the cash flows so that some are negative: the export must keep them numeric.
    cash = evaluation.monthly["cash_flow"]
    shifted = evaluation.monthly.assign(cash_flow=cash - cash.median())
    return dataclasses.replace(evaluation, monthly=shifted), parameter_table(renamed, scenario)


# --- neutralise ------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_each_dangerous_prefix_is_quoted_in_cells_and_column_names(prefix):
    frame = pd.DataFrame({f"{prefix}col": [f"{prefix}1+1", "plain"], "n": [1.5, -2.0]})
    out = export.neutralise(frame)
    assert list(out.columns) == [f"'{prefix}col", "n"]
    assert out.iloc[:, 0].tolist() == [f"'{prefix}1+1", "plain"]


def test_numbers_stay_numbers_and_the_input_is_not_changed():
    frame = pd.DataFrame(
        {
            "text": pd.Series(["-3", HOSTILE, "ok"], dtype="string"),
            "float": [-1.25, 0.0, 3.5],
            "int": [-7, 0, 7],
            "mixed": [-4.5, "@x", None],
            "cat": pd.Categorical(["+a", "b", "+a"]),
        }
    )
    out = export.neutralise(frame)
    assert out["float"].dtype == np.float64 and out["float"].tolist() == [-1.25, 0.0, 3.5]
    assert out["int"].dtype == np.int64 and out["int"].tolist() == [-7, 0, 7]
    assert out["text"].tolist() == ["'-3", "'" + HOSTILE, "ok"]
    assert out["mixed"].tolist()[:2] == [-4.5, "'@x"] and out["mixed"].iloc[2] is None
    assert out["cat"].tolist() == ["'+a", "b", "'+a"]
    assert frame["text"].tolist()[1] == HOSTILE  # a copy, not in place


def test_only_the_named_user_columns_are_touched():
    frame = pd.DataFrame({"segment": ["=x", "b"], "unit": ["+fraction", "-count"], "=n": [1, 2]})
    out = export.neutralise(frame, ["segment"])
    assert out["segment"].tolist() == ["'=x", "b"]
    assert out["unit"].tolist() == ["+fraction", "-count"]  # the project's own labels
    assert list(out.columns) == ["segment", "unit", "=n"]


def test_safe_text_is_left_alone():
    frame = pd.DataFrame({"segment": ["core", "a=b", " =x", "'=y"]})
    assert export.neutralise(frame)["segment"].tolist() == frame["segment"].tolist()


# --- CSV -------------------------------------------------------------------------------------


def test_csv_parses_back_with_every_row_and_the_same_numbers(hostile):
    evaluation, _ = hostile
    raw = export.projection_csv(evaluation)
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    expected = export.monthly_table(evaluation)
    assert list(back.columns) == list(export.EXPORT_MONTHLY_COLUMNS)
    assert len(back) == len(evaluation.monthly) == len(expected)
    numeric = [c for c in expected.columns if pd.api.types.is_numeric_dtype(expected[c])]
    assert "cash_flow" in numeric and "customers" in numeric
    for column in numeric:
        np.testing.assert_allclose(back[column], expected[column], rtol=1e-12, err_msg=column)
    assert (back["cash_flow"] < 0).any()  # negative numbers came back as numbers
    assert set(back["case"]) == {"baseline", "scenario"}
    assert "'" + HOSTILE in set(back["segment"])
    assert HOSTILE not in set(back["segment"])


# --- Excel -----------------------------------------------------------------------------------


def test_xlsx_has_three_sheets_no_formula_and_numeric_numbers(hostile):
    evaluation, parameters = hostile
    book = openpyxl.load_workbook(io.BytesIO(export.projection_xlsx(evaluation, parameters)))
    assert book.sheetnames == list(export.SHEETS)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    monthly = book["Monthly"]
    header = [c.value for c in monthly[1]]
    assert header == list(export.EXPORT_MONTHLY_COLUMNS)
    assert monthly.max_row == len(evaluation.monthly) + 1
    cash = header.index("cash_flow") + 1
    values = [monthly.cell(row=r, column=cash).value for r in range(2, monthly.max_row + 1)]
    assert all(isinstance(v, int | float) for v in values)
    assert min(values) < 0
    np.testing.assert_allclose(values, export.monthly_table(evaluation)["cash_flow"])
    segments = [c.value for c in book["Segments"]["A"]][1:]
    assert "'" + HOSTILE in segments
    assert len(segments) == len(evaluation.segments)
    lost = [c.value for c in book["Segments"][2]]
    assert all(isinstance(v, int | float) for v in lost[1:])
    assumptions = book["Assumptions"]
    assert [c.value for c in assumptions[1]] == list(export.EXPORT_PARAMETER_COLUMNS)
    assert assumptions.max_row == len(parameters) + 1


# --- the app ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stem"),
    [("Sample telecom", "Sample-telecom"), ('=HYPERLINK("x")/..', "HYPERLINK-x"), ("***", "")],
)
def test_file_stem_keeps_safe_characters_only(name, stem):
    assert exports.file_stem(name) == (stem or exports.FALLBACK_STEM)


@pytest.mark.slow  # AppTest runs the real page scripts
def test_scenario_page_offers_csv_and_excel_downloads():
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("pages/1_Scenario.py").run()
    assert not at.exception
    keys = {button.key for button in at.download_button}
    assert {"scenario_download_csv", "scenario_download_xlsx"} <= keys  # memo: test_memo.py
