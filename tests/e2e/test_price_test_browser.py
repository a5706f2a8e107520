"""Real browser: the Uncertainty page's "Test first" section shows the designs, the EVPI, the
recommendation in plain words and the chart of value against test size.

Screenshots land in artifacts/ (test-first.png, test-first-chart.png).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

import simulator
from simulator.decisions.price_test import design_test
from ui import price_test as view
from ui import text

from ..conftest import APP_BUSINESS
from ..user_text import shown
from .conftest import ARTIFACTS, wait_for_app_idle

pytestmark = pytest.mark.e2e

TALL = {"width": 1400, "height": 5200}
FIRST_LOAD_MS = 90_000  # imports, the sample calibration, 2,000 draws and the test designs


def test_the_test_first_section_shows_designs_evpi_and_the_recommendation(page: Page, app_url):
    plan = design_test(
        APP_BUSINESS,
        simulator.example_scenario(),
        shares=view.DEFAULT_SHARES,
        months=view.DEFAULT_MONTHS,
        draws=2000,
        seed=0,
    )
    page.set_viewport_size(TALL)
    page.goto(app_url + "/Uncertainty")
    header = page.get_by_role("heading", name=text.t("test.header"))
    expect(header).to_be_visible(timeout=FIRST_LOAD_MS)
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)

    evpi = page.get_by_test_id("stMetric").filter(has_text=text.t("test.kpi.evpi"))
    expect(evpi.get_by_test_id("stMetricValue")).to_have_text(
        text.money(plan.evpi, "EUR", compact=True)
    )
    # The recommendation, in plain words, as the reader sees it (Markdown rendered).
    advice = page.get_by_test_id("stAlertContentInfo").filter(
        has_text=shown(view.recommendation(plan)).replace("**", "")[:60]
    )
    expect(advice).to_be_visible()
    words = advice.inner_text()  # after the icon's name
    assert "Test first. Give the new price to" in words or "Decide now:" in words
    if plan.best is not None:
        assert f"for {plan.best.months} months" in words

    # The designs: share x months, with power, value of the answer, cost and net value.
    table = page.get_by_test_id("stTable")
    expect(table).to_contain_text(text.t("test.table.power"))
    expect(table).to_contain_text(text.t("test.table.net"))
    for d in plan.designs:
        expect(table).to_contain_text(text.signed_money(d.net_value, "EUR", compact=True))
    chart = page.locator(".st-key-test_chart_value")
    expect(chart.locator(".main-svg").first).to_be_visible(timeout=FIRST_LOAD_MS)
    expect(chart).to_contain_text(text.t("test.chart.title"))
    expect(page.get_by_test_id("stException")).to_have_count(0)
    header.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "test-first.png"), full_page=True)
    chart.screenshot(path=str(ARTIFACTS / "test-first-chart.png"))

    # Fewer designs: one share, one length; the table follows.
    page.locator(".st-key-test_shares").get_by_role("button", name="Clear all").click()
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)
    expect(page.get_by_text(text.t("test.choose"))).to_be_visible(timeout=FIRST_LOAD_MS)
