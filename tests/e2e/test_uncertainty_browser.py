"""Real browser: the Uncertainty page runs its Monte Carlo, shows the headline and the charts.

Screenshots land in artifacts/ (uncertainty.png, uncertainty-500.png, uncertainty-tornado.png).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

import simulator
from simulator.decisions.uncertainty import monte_carlo
from ui import text
from ui import uncertainty as view

from ..conftest import APP_BUSINESS
from .conftest import ARTIFACTS, wait_for_app_idle

pytestmark = pytest.mark.e2e

TALL = {"width": 1400, "height": 3600}
FIRST_LOAD_MS = 60_000  # imports, the sample calibration and 2,000 draws


def _card(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def test_uncertainty_page_shows_the_headline_and_charts(page: Page, app_url: str):
    scenario = simulator.example_scenario()
    expected = monte_carlo(APP_BUSINESS, scenario, draws=2000, seed=0)
    page.set_viewport_size(TALL)
    page.goto(app_url + "/Uncertainty")
    expect(page.get_by_role("heading", name=text.t("unc.title"))).to_be_visible(
        timeout=FIRST_LOAD_MS
    )
    beat = _card(page, text.t("unc.kpi.beat"))
    expect(beat).to_have_text(
        text.percent(expected.probability_beats_baseline, 0), timeout=FIRST_LOAD_MS
    )
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)
    loss = view.default_loss(expected)
    expect(page.get_by_text(view.sentence(expected, loss=loss, currency="EUR"))).to_be_visible()
    charts = page.get_by_test_id("stPlotlyChart")
    for key in ("unc_chart_histogram", "unc_chart_payback", "unc_fan_customers"):
        chart = page.locator(f".st-key-{key}")
        expect(chart.locator(".main-svg").first).to_be_visible(timeout=FIRST_LOAD_MS)
    tornado = page.locator(".st-key-unc_chart_tornado")
    expect(tornado.locator(".main-svg").first).to_be_visible(timeout=FIRST_LOAD_MS)
    expect(tornado).to_contain_text(text.t("unc.param.failure"))
    assert charts.count() >= 6
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "uncertainty.png"))
    tornado.screenshot(path=str(ARTIFACTS / "uncertainty-tornado.png"))

    # Fewer draws: the page reruns with a progress bar and new numbers.
    page.locator(".st-key-unc_draws").get_by_role("combobox").click()
    page.get_by_role("option", name="500", exact=True).click()
    fewer = monte_carlo(APP_BUSINESS, scenario, draws=500, seed=0)
    expect(page.get_by_text(view.precision(fewer))).to_be_visible(timeout=FIRST_LOAD_MS)
    expect(beat).to_have_text(text.percent(fewer.probability_beats_baseline, 0))
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "uncertainty-500.png"))
