"""Real browser: a share link copied in one browser opens the identical scenario in another.

Screenshots land in artifacts/ (share-link.png, share-opened.png, share-malformed.png).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from simulator.decisions.scenario_file import scenario_from_query
from ui import text

from .conftest import ARTIFACTS, VIEWPORT, wait_for_app_idle

pytestmark = pytest.mark.e2e

TALL = {"width": 1400, "height": 3200}
FIRST_LOAD_MS = 30_000


def _values(page: Page) -> list[str]:
    """Every KPI card's value and delta, in page order."""
    cards = page.get_by_test_id("stMetric")
    expect(cards.first).to_be_visible(timeout=FIRST_LOAD_MS)
    return [card.inner_text() for card in cards.all()]


def _share_link(page: Page) -> str:
    box = page.locator(".st-key-share_link").get_by_test_id("stCode")
    return box.inner_text().strip()


def test_a_copied_link_opens_the_identical_scenario_in_a_new_browser(
    page: Page, browser: Browser, app_url: str
):
    page.set_viewport_size(TALL)
    page.goto(app_url + "/Scenario")
    thumb = page.locator(".st-key-scenario_price_change_pct").get_by_role("slider")
    expect(thumb).to_have_value("5", timeout=FIRST_LOAD_MS)
    thumb.focus()
    for _ in range(3):  # ArrowRight = one step of 1 percentage point
        thumb.press("ArrowRight")
    expect(thumb).to_have_value("8")
    expect(page.locator(".st-key-share_link")).to_contain_text("price=0.08&")
    wait_for_app_idle(page)
    link = _share_link(page)
    assert link.startswith(app_url + "/Scenario?"), link
    assert "price=0.08" in page.url, "the address bar follows the sliders"
    before = _values(page)
    page.screenshot(path=str(ARTIFACTS / "share-link.png"))

    # The scenario stays in the URL when moving between pages in the same tab.
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("link", name=text.t("nav.assumptions"), exact=True).click()
    expect(page.get_by_role("heading", name=text.t("assumptions.title"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/Assumptions\?.*price=0\.08"))
    wait_for_app_idle(page)

    other = browser.new_context(viewport=VIEWPORT)  # a second browser: no shared session
    try:
        fresh = other.new_page()
        fresh.set_viewport_size(TALL)
        fresh.goto(link)
        expect(
            fresh.locator(".st-key-scenario_price_change_pct").get_by_role("slider")
        ).to_have_value("8", timeout=FIRST_LOAD_MS)
        wait_for_app_idle(fresh)
        assert _values(fresh) == before
        assert _share_link(fresh) == link
        expect(fresh.get_by_test_id("stException")).to_have_count(0)
        fresh.screenshot(path=str(ARTIFACTS / "share-opened.png"))
    finally:
        other.close()


def test_a_malformed_link_opens_with_a_notice_and_safe_values(page: Page, app_url: str):
    page.set_viewport_size(TALL)
    page.goto(app_url + "/Scenario?price=abc&horizon=500&month=2&notice=5")
    notice = page.get_by_test_id("stAlertContentWarning").filter(has_text="price (")
    expect(notice).to_be_visible(timeout=FIRST_LOAD_MS)
    expect(notice).to_contain_text("horizon (")
    expect(notice).to_contain_text("notice (")
    wait_for_app_idle(page)
    slider = page.locator(".st-key-scenario_price_change_pct").get_by_role("slider")
    expect(slider).to_have_value("0", timeout=FIRST_LOAD_MS)  # the alert comes first
    expect(page.get_by_test_id("stException")).to_have_count(0)
    query = dict(p.split("=", 1) for p in _share_link(page).split("?", 1)[1].split("&"))
    scenario, notices = scenario_from_query(query)
    assert notices == () and scenario.horizon_months == 60 and scenario.notice_months == 0
    page.screenshot(path=str(ARTIFACTS / "share-malformed.png"))
