"""Real browser: a presenter link opens the Scenario page in meeting mode.

Screenshots land in artifacts/ (meeting-mode.png, meeting-mode-full.png,
meeting-mode-controls.png).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

import simulator
from simulator.decisions.scenario_file import scenario_to_query
from ui import present, text

from .conftest import ARTIFACTS, wait_for_app_idle

pytestmark = pytest.mark.e2e

SCREEN = {"width": 1600, "height": 900}  # a 16:9 meeting-room screen
FIRST_LOAD_MS = 30_000
MIN_VALUE_PX = 48  # a KPI value readable from the back of a room (normal cards: 36 px)
LINKED = simulator.example_scenario().with_changes(price_change=0.08)


def _font_px(page: Page, selector: str) -> float:
    size = page.locator(selector).first.evaluate("e => getComputedStyle(e).fontSize")
    return float(size.removesuffix("px"))


def test_a_presenter_link_opens_large_cards_with_the_controls_tucked_away(page: Page, app_url: str):
    page.set_viewport_size(SCREEN)
    query = "&".join(f"{key}={value}" for key, value in scenario_to_query(LINKED).items())
    page.goto(f"{app_url}/Scenario?present=1&{query}")
    big = page.locator(f".st-key-{present.BIG_KPIS_KEY}")
    expect(big.get_by_test_id("stMetric").first).to_be_visible(timeout=FIRST_LOAD_MS)
    wait_for_app_idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    value_px = _font_px(page, f".st-key-{present.BIG_KPIS_KEY} [data-testid='stMetricValue']")
    assert value_px >= MIN_VALUE_PX, value_px
    expect(page.get_by_test_id("stDownloadButton")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "meeting-mode.png"))
    page.set_viewport_size({**SCREEN, "height": 2600})  # the whole page, for review
    page.screenshot(path=str(ARTIFACTS / "meeting-mode-full.png"))
    page.set_viewport_size(SCREEN)

    # The controls are tucked away, not removed: open the sidebar and they are there.
    page.get_by_test_id("stExpandSidebarButton").click()
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    slider = page.locator(".st-key-scenario_price_change_pct").get_by_role("slider")
    expect(slider).to_have_value("8")
    expect(page.locator(".st-key-share_link")).to_contain_text("present=1")
    page.screenshot(path=str(ARTIFACTS / "meeting-mode-controls.png"))

    # Leaving meeting mode takes present=1 out of the address and brings the details back.
    page.get_by_text(text.t("present.toggle"), exact=True).click()
    expect(page.get_by_test_id("stDownloadButton").first).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"present="))
    expect(page).to_have_url(re.compile(r"price=0\.08"))
