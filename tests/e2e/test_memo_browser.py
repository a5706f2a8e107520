"""Real browser: the decision memo opens offline and shows verdict, KPIs, charts and every
assumption; the Scenario page's memo, PNG, CSV and Excel buttons download them (every file is
built on the click, not on each slider move).

Screenshots land in artifacts/ (memo.png: the whole memo as a browser draws it offline).
"""

from __future__ import annotations

import datetime
import html
import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

import simulator
from simulator.model.assumptions import parameter_table
from ui import charts, kpis, memo, price_view, text
from ui.literal import PLAIN

from ..conftest import APP_BUSINESS
from .conftest import ARTIFACTS, VIEWPORT, wait_for_app_idle

pytestmark = pytest.mark.e2e

CHARTS = 5 + len(price_view.FIGURES)
"""The price-response view's charts, then the five monthly ones."""
FIRST_LOAD_MS = 90_000
DOWNLOAD_MS = 60_000  # the PNGs start a headless Chromium on the server


@pytest.fixture(scope="module")
def memo_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, simulator.Evaluation]:
    business, scenario = simulator.sample_business(), simulator.example_scenario()
    evaluation = simulator.evaluate(business, scenario)
    source = memo.memo_html(
        business=business,
        scenario=scenario,
        evaluation=evaluation,
        parameters=parameter_table(business, scenario),
        created=datetime.datetime(2026, 11, 23, 17, 5),
        link="http://localhost:8501/Scenario?price=0.05",
    )
    path = tmp_path_factory.mktemp("memo") / "memo.html"
    path.write_text(source, encoding="utf-8")
    return path, evaluation


def test_memo_opens_offline_with_verdict_kpis_charts_and_assumptions(
    browser: Browser, memo_file: tuple[Path, simulator.Evaluation]
):
    path, evaluation = memo_file
    business, scenario = simulator.sample_business(), simulator.example_scenario()
    context = browser.new_context(viewport=VIEWPORT)
    blocked: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())

    verdict = kpis.verdict(evaluation, business, scenario)
    expect(page.locator(".verdict")).to_have_text(verdict)
    npv = kpis.value_cards(evaluation, scenario, business.currency)[0]
    row = page.locator("table.kpis tr", has_text=npv.label)
    expect(row).to_contain_text(npv.value)
    charts = page.locator(".js-plotly-plot")
    expect(charts).to_have_count(CHARTS)
    for chart in charts.all():
        expect(chart.locator("svg.main-svg").first).to_be_visible()
        expect(chart.locator(".scatterlayer .trace, .barlayer .trace").first).to_be_attached()
    parameters = parameter_table(business, scenario)
    expect(page.locator("table.assumptions tbody tr")).to_have_count(len(parameters))
    expect(page.locator("table.assumptions").first).to_contain_text(text.source_label("assumption"))
    page.screenshot(path=str(ARTIFACTS / "memo.png"), full_page=True)
    context.close()
    assert blocked == [], "the memo asked the network for something"
    assert errors == []


def _scenario_page(page: Page, app_url: str) -> None:
    """Open the Scenario page and wait until its download buttons can be clicked."""
    page.goto(app_url + "/Scenario")
    expect(page.locator(".st-key-scenario_download_memo").get_by_role("button")).to_be_visible(
        timeout=FIRST_LOAD_MS
    )
    wait_for_app_idle(page)


def _download(page: Page, what: str, suffix: str) -> bytes:
    """Click the ``scenario_download_<what>`` button; the file's bytes (its name ends in
    ``suffix``)."""
    with page.expect_download(timeout=DOWNLOAD_MS) as download:
        page.locator(f".st-key-scenario_download_{what}").get_by_role("button").click()
    assert download.value.suggested_filename.endswith(suffix)
    return Path(download.value.path()).read_bytes()


def test_scenario_page_downloads_the_memo_and_the_png_charts(page: Page, app_url: str):
    _scenario_page(page, app_url)
    source = _download(page, "memo", "-decision-memo.html").decode("utf-8")
    assert html.escape(text.t("memo.title", markup=PLAIN, business=APP_BUSINESS.name)) in source
    assert "scenario?" in source.lower(), "the memo links back to the scenario"

    if memo.browser_path() is None:
        return
    archive = zipfile.ZipFile(io.BytesIO(_download(page, "png", ".zip")))
    expected = [*charts.SCENARIO_FIGURES, *(f"price_{name}" for name in price_view.FIGURES)]
    assert sorted(archive.namelist()) == sorted(f"{name}.png" for name in expected)
    for name in archive.namelist():
        assert archive.read(name).startswith(b"\x89PNG"), name


def test_scenario_page_downloads_the_projection_as_csv_and_excel(page: Page, app_url: str):
    _scenario_page(page, app_url)
    rows = _download(page, "csv", ".csv").decode("utf-8").splitlines()
    assert len(rows) > 12 and "month" in rows[0]
    workbook = zipfile.ZipFile(io.BytesIO(_download(page, "xlsx", ".xlsx")))
    assert "xl/workbook.xml" in workbook.namelist()
