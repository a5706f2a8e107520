"""Real browser: every page renders, and the price slider moves the numbers and the charts.

Screenshots land in artifacts/ (home.png, scenario.png, assumptions.png, scenario-before.png,
scenario-after.png, chart-before.png, chart-after.png). Streamlit scrolls inside its own
container, so ``full_page=True`` captures no more than the viewport: the viewport is made tall.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

import simulator
from ui import price_view, text
from ui.literal import PLAIN

from ..conftest import APP_BUSINESS, uploaded_firm
from .conftest import ARTIFACTS, wait_for_app_idle

pytestmark = pytest.mark.e2e

TALL = {"width": 1400, "height": 3200}
SCENARIO_CHARTS = 5 + len(price_view.FIGURES)
"""The five monthly charts and the price-response view's."""
PAGES = [
    ("home", "/", text.t("home.title"), 0),
    ("scenario", "/Scenario", text.t("scenario.title"), SCENARIO_CHARTS),
    ("assumptions", "/Assumptions", text.t("assumptions.title"), 0),
    ("data", "/Data", text.t("data.title"), 2),
]
FIRST_LOAD_MS = 30_000


def _drawn(page: Page, charts: int) -> None:
    """Wait until the script is idle, no placeholder is left and ``charts`` Plotly charts have
    drawn their SVG (the first load imports the libraries and reads the sample table)."""
    wait_for_app_idle(page)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=FIRST_LOAD_MS)
    plotly = page.get_by_test_id("stPlotlyChart")
    expect(plotly).to_have_count(charts)
    for i in range(charts):
        expect(plotly.nth(i).locator(".main-svg").first).to_be_visible(timeout=FIRST_LOAD_MS)


def _npv_card(page: Page):
    label = text.t("kpi.npv", period=text.period(60))
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def _npv(price_change: float) -> str:
    scenario = simulator.example_scenario().with_changes(price_change=price_change)
    evaluation = simulator.evaluate(APP_BUSINESS, scenario)
    return text.money(evaluation.scenario.npv, "EUR", compact=True)


@pytest.mark.parametrize(("name", "path", "title", "charts"), PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_without_exception(page: Page, app_url: str, name, path, title, charts):
    page.set_viewport_size(TALL)
    page.goto(app_url + path)
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=FIRST_LOAD_MS)
    _drawn(page, charts)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_price_slider_moves_npv_and_redraws_charts(page: Page, app_url: str):
    page.set_viewport_size(TALL)
    page.goto(app_url + "/Scenario")
    npv = _npv_card(page)
    expect(npv).to_have_text(_npv(0.05), timeout=FIRST_LOAD_MS)
    _drawn(page, SCENARIO_CHARTS)
    chart = page.locator(".st-key-scenario_chart_who_leaves")
    before = chart.screenshot(path=str(ARTIFACTS / "chart-before.png"))
    page.screenshot(path=str(ARTIFACTS / "scenario-before.png"))

    thumb = page.locator(".st-key-scenario_price_change_pct").get_by_role("slider")
    thumb.focus()
    start = time.perf_counter()
    for _ in range(2):  # ArrowRight = one step of 1 percentage point
        thumb.press("ArrowRight")
    expect(thumb).to_have_value("7")
    expect(npv).to_have_text(_npv(0.07))  # assert the result first, then wait for idle
    _drawn(page, SCENARIO_CHARTS)
    elapsed = time.perf_counter() - start
    after = chart.screenshot(path=str(ARTIFACTS / "chart-after.png"))
    page.screenshot(path=str(ARTIFACTS / "scenario-after.png"))

    assert after != before, "the who-leaves chart was redrawn with new bars"
    expect(page.get_by_test_id("stException")).to_have_count(0)
    print(f"slider to redrawn page: {elapsed:.2f} s")  # shown with -s; a rough meeting check

    # The scenario survives a round trip through another page (same session, sidebar links).
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("link", name=text.t("nav.assumptions"), exact=True).click()
    expect(page.get_by_role("heading", name=text.t("assumptions.title"))).to_be_visible()
    wait_for_app_idle(page)
    sidebar.get_by_role("link", name=text.t("nav.scenario"), exact=True).click()
    expect(npv).to_have_text(_npv(0.07))
    expect(page.locator(".st-key-scenario_price_change_pct").get_by_role("slider")).to_have_value(
        "7"
    )
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_an_uploaded_table_calibrates_and_drives_the_scenario_page(
    page: Page, app_url: str, tmp_path
):
    raw, expected = uploaded_firm()
    path = tmp_path / "firm.csv"
    path.write_bytes(raw)
    page.set_viewport_size(TALL)
    page.goto(app_url + "/Data")
    expect(page.get_by_role("heading", name=text.t("data.title"))).to_be_visible(
        timeout=FIRST_LOAD_MS
    )
    wait_for_app_idle(page)
    page.wait_for_selector(".st-key-data_upload input[type=file]", state="attached")
    page.locator(".st-key-data_upload input[type=file]").set_input_files(str(path))
    calibrate = page.locator(".st-key-data_calibrate").get_by_role("button")
    expect(calibrate).to_be_enabled(timeout=FIRST_LOAD_MS)
    wait_for_app_idle(page)
    calibrate.click()
    use = page.locator(".st-key-data_use").get_by_role("button")
    expect(use).to_be_visible(timeout=FIRST_LOAD_MS)
    wait_for_app_idle(page)
    page.screenshot(path=str(ARTIFACTS / "data-upload.png"))
    use.click()
    expect(
        page.get_by_text(text.t("data.in_use", markup=PLAIN, name="firm.csv").replace("**", ""))
    ).to_be_visible(timeout=FIRST_LOAD_MS)
    page.get_by_test_id("stSidebar").get_by_role(
        "link", name=text.t("nav.scenario"), exact=True
    ).click()
    evaluation = simulator.evaluate(expected, simulator.example_scenario())
    npv = text.money(evaluation.scenario.npv, "EUR", compact=True)
    assert npv != _npv(0.05), "the upload must change the answer"
    expect(_npv_card(page)).to_have_text(npv, timeout=FIRST_LOAD_MS)
    _drawn(page, SCENARIO_CHARTS)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "scenario-upload.png"))
