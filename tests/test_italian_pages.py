"""Italian end to end: every page, the share link, the memo and the exports read in Italian, with
Italian number and money formats; English only in names the planner entered."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import simulator
from simulator.decisions import export
from simulator.model.assumptions import parameter_table
from ui import exports, inputs, memo, render, share, text

from .conftest import APP_BUSINESS
from .italian_pages import english_left, page_texts

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SHORT = simulator.example_scenario().with_changes(horizon_months=24)
"""Two years: the Uncertainty page's 2,000 draws take about a second."""
PLANNER_NAMES = (
    *(segment.name for segment in APP_BUSINESS.segments),  # from the bundled customer table
    "sample_data/customers.csv",
    "customers.csv",
)
"""What the planner's data named (segments, the customer table's file): shown as given."""
PAGES = [
    render.HOME,
    render.SCENARIO_PAGE,
    render.ASSUMPTIONS_PAGE,
    render.DATA_PAGE,
    render.UNCERTAINTY_PAGE,
    render.EXPLORE_PAGE,
    render.COMPARE_PAGE,
]


def _italian(page: str, **params: str) -> AppTest:
    """``page`` opened from a link with ``lang=it`` (and ``params``) on the two-year example."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({share.LANGUAGE_PARAM: "it", **params})
    at.run()
    at.session_state["scenario"] = SHORT
    if page != render.HOME:
        at.switch_page(page).run()
    else:
        at.run()
    assert not at.exception
    return at


def test_the_english_finder_finds_english_and_leaves_names_alone():
    assert english_left(["Rispetto a non intervenire"], names=()) == []
    assert english_left(["Against doing nothing"], names=())  # a whole English message
    assert english_left(["Questo piano, against doing nothing"], names=())  # a fragment
    assert english_left(["Clienti: the best ones"], names=())  # an English word
    assert english_left(["Clienti the best"], names=["the best"]) == []  # a planner's name


@pytest.mark.slow  # AppTest runs the real page scripts
@pytest.mark.parametrize("page", PAGES, ids=lambda p: Path(p).stem)
def test_every_page_reads_in_italian(page):
    at = _italian(page)
    texts = page_texts(at)
    assert len(texts) > 20, "the page shows its text"
    assert english_left(texts, names=PLANNER_NAMES) == []
    assert at.sidebar.selectbox(key=render.LANGUAGE_KEY).value == "it"


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_scenario_page_writes_italian_numbers_and_money():
    at = _italian(render.SCENARIO_PAGE)
    npv = next(m for m in at.metric if m.label == text_it("kpi.npv", period="2 anni"))
    assert re.fullmatch(r"\d+,\d\u00a0Mln\u00a0€", npv.value), npv.value
    assert re.fullmatch(r"[+-]\d+(,\d)?(K|\u00a0Mln)\u00a0€", npv.proto.delta), npv.proto.delta
    customers = next(m for m in at.metric if m.label == text_it("kpi.customers"))
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", customers.value)


def text_it(key: str, **values: object) -> str:
    """The Italian of ``key`` (outside a page: the catalog, with values filled in)."""
    from ui import catalog

    return catalog.translations("it")[key][1].format(**values)


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_share_link_carries_the_language_and_a_colleague_reads_the_same():
    at = _italian(render.SCENARIO_PAGE)
    assert at.query_params[share.LANGUAGE_PARAM] == "it"
    link = at.sidebar.code[0].value
    assert f"{share.LANGUAGE_PARAM}=it" in link
    params = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))
    colleague = AppTest.from_file(APP, default_timeout=180)
    colleague.query_params.update(params)
    colleague.run()
    colleague.switch_page(render.SCENARIO_PAGE).run()
    assert colleague.title[0].value == at.title[0].value == text_it("scenario.title")
    assert [m.value for m in colleague.metric] == [m.value for m in at.metric]


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_sidebar_switch_changes_the_language_on_every_page_and_in_the_url():
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert share.LANGUAGE_PARAM not in at.query_params  # the server's default: no lang
    at.sidebar.selectbox(key=render.LANGUAGE_KEY).select("it").run()
    assert at.title[0].value == text_it("home.title")
    assert at.query_params[share.LANGUAGE_PARAM] == "it"
    at.switch_page(render.ASSUMPTIONS_PAGE).run()
    assert at.title[0].value == text_it("assumptions.title")
    at.sidebar.selectbox(key=render.LANGUAGE_KEY).select("en").run()
    assert at.title[0].value == text.t("assumptions.title")
    assert share.LANGUAGE_PARAM not in at.query_params


@pytest.mark.slow  # AppTest runs the real page scripts
def test_an_unknown_language_in_a_link_falls_back_to_the_server_default():
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params[share.LANGUAGE_PARAM] = "xx"
    at.run()
    assert not at.exception
    assert at.title[0].value == text.t("home.title")


def test_the_server_default_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(text.LANGUAGE_VARIABLE, "it")
    assert text.language() == "it"
    assert text.t("nav.assumptions") == "Ipotesi"
    monkeypatch.setenv(text.LANGUAGE_VARIABLE, "xx")
    assert text.language() == text.DEFAULT_LANGUAGE


# --- the memo and the exports in Italian ---------------------------------------------------------


@pytest.fixture
def italian(monkeypatch):
    monkeypatch.setenv(text.LANGUAGE_VARIABLE, "it")


def test_the_memo_is_written_in_italian(italian):
    import datetime

    business, scenario = APP_BUSINESS, simulator.example_scenario()
    evaluation = simulator.evaluate(business, scenario)
    page = memo.memo_html(
        business=business,
        scenario=scenario,
        evaluation=evaluation,
        parameters=parameter_table(business, scenario),
        created=datetime.datetime(2026, 9, 30, 14, 5),
        link="https://example.org/Scenario?lang=it",
    )
    assert '<html lang="it">' in page
    assert "30 settembre 2026" in page and "14:05" in page
    body = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    words = [html.unescape(s) for s in re.findall(r">([^<>]+)<", body) if s.strip()]
    words = [w for w in words if not w.startswith(("https://", "docs/model.md"))]
    assert english_left(words, names=PLANNER_NAMES) == []
    charts = re.findall(r'"text":"([^"]+)"', page)
    assert text_it("chart.customers.title") in charts


def test_the_spreadsheets_are_headed_in_italian_and_hold_numbers(italian):
    business, scenario = APP_BUSINESS, simulator.example_scenario()
    evaluation = simulator.evaluate(business, scenario)
    headers = exports.headers()
    csv = export.projection_csv(evaluation, headers=headers)
    back = pd.read_csv(io.BytesIO(csv))
    assert list(back.columns[:4]) == ["caso", "segmento", "mese", "clienti"]
    assert "fattore_attualizzazione" in back.columns  # as the Italian caption names it
    assert "fattore_attualizzazione" in text.t("export.caption")
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            export.projection_xlsx(
                evaluation,
                parameter_table(business, scenario),
                headers=headers,
                sheets=exports.sheet_names(),
            )
        )
    )
    assert workbook.sheetnames == ["Mensile", "Segmenti", "Ipotesi"]
    monthly = workbook["Mensile"]
    header = [cell.value for cell in monthly[1]]
    assert header[:3] == ["caso", "segmento", "mese"]
    cash = header.index("flusso_di_cassa") + 1
    assert isinstance(monthly.cell(row=2, column=cash).value, float)  # a number, not "1.234,5"
    assert [c.value for c in workbook["Ipotesi"][1]][:3] == ["gruppo", "segmento", "parametro"]


def test_english_exports_keep_their_column_names():
    assert exports.headers() == {name: name for name in exports.headers()}
    assert exports.sheet_names() == export.SHEETS


def test_money_sliders_are_never_grouped_with_a_comma_in_italian(italian):
    # printf groups with commas only: "10,000 €" would read as ten euros in Italian
    assert inputs._money_format("{money}%,d", "EUR") == "%d\u00a0€"
    assert inputs._money_format("{money}%.2f", "GBP") == "%.2f\u00a0£"


def test_money_sliders_in_english_keep_the_symbol_first_and_the_grouping():
    assert inputs._money_format("{money}%,d", "USD") == "$%,d"


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_data_page_reads_in_italian_through_upload_mapping_and_calibration(italian):
    """With Italian as the server's default too: AppTest runs the widgets' format functions
    (the tenure unit's) outside the page, where only the server's default is known."""
    from .test_data_page import customers_csv

    at = _italian(render.DATA_PAGE)
    at.file_uploader(key="data_upload").upload("customers.csv", customers_csv(), "text/csv").run()
    assert not at.exception
    at.button(key="data_calibrate").click().run()
    assert not at.exception
    texts = page_texts(at)
    assert text_it("data.fit_header") in texts
    columns = {"start_date", "end_date", "segment", "monthly_revenue", "satisfaction"}
    columns |= {"customer_id", "channel", "contacts", "price_before", "price_after", "churned"}
    assert english_left(texts, names=(*PLANNER_NAMES, *columns)) == []
