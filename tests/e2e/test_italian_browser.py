"""Real browser: the Scenario page opened from a link with ``lang=it`` reads in Italian, numbers
and charts included, and the switch in the sidebar brings English back.

The screenshot lands in artifacts/scenario_it.png (docs/scenario_it.png is one of these).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ui import catalog, text

from .conftest import ARTIFACTS, wait_for_app_idle

pytestmark = pytest.mark.e2e

FIRST_LOAD_MS = 30_000
VIEW = {"width": 1400, "height": 1700}


def _it(key: str, **values: object) -> str:
    return catalog.translations("it")[key][1].format(**values)


def test_the_scenario_page_in_italian(page: Page, app_url: str):
    page.set_viewport_size(VIEW)
    page.goto(app_url + "/Scenario?lang=it")
    expect(page.get_by_role("heading", name=_it("scenario.title"))).to_be_visible(
        timeout=FIRST_LOAD_MS
    )
    wait_for_app_idle(page)
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts).to_have_count(8, timeout=FIRST_LOAD_MS)  # the price view's 3, the months' 5
    for i in range(8):
        expect(charts.nth(i).locator(".main-svg").first).to_be_visible(timeout=FIRST_LOAD_MS)
    npv = page.get_by_test_id("stMetric").filter(has_text=_it("kpi.npv", period="5 anni"))
    expect(npv.get_by_test_id("stMetricValue")).to_have_text(re.compile(r"^\d+,\d\s?Mln\s?€$"))
    # chart words in Italian, and its numbers with Italian separators (layout.separators)
    customers = page.locator(".st-key-scenario_chart_customers")
    expect(customers.get_by_text(_it("chart.customers.title"))).to_be_visible()
    ticks = customers.locator(".ytick text").all_text_contents()  # SVG: no innerText
    assert any("." in tick for tick in ticks) and not any("," in tick for tick in ticks), ticks
    expect(page.get_by_text(_it("scenario.kpi_header"), exact=True)).to_be_visible()
    expect(page.get_by_text(_it("price_view.header"), exact=True)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "scenario_it.png"))


def test_the_switch_brings_english_back(page: Page, app_url: str):
    page.goto(app_url + "/Scenario?lang=it")
    expect(page.get_by_role("heading", name=_it("scenario.title"))).to_be_visible(
        timeout=FIRST_LOAD_MS
    )
    wait_for_app_idle(page)
    page.locator(".st-key-language_switch").get_by_role("combobox").click()
    page.get_by_role("option", name=text.language_name("en")).click()
    expect(page.get_by_role("heading", name=text.t("scenario.title"))).to_be_visible(
        timeout=FIRST_LOAD_MS
    )
    expect(page).not_to_have_url(re.compile(r"lang=it"))
