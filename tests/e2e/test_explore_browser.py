"""Real browser: the Explore page draws its heatmap and states the goal-seek answers.

Screenshots land in artifacts/ (explore.png, explore-heatmap.png). Streamlit scrolls inside its
own container, so the viewport is made tall instead of ``full_page=True``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

import simulator
from simulator.decisions.goal_seek import largest_price_increase
from ui import explore, text

from ..conftest import APP_BUSINESS
from .conftest import ARTIFACTS, wait_for_app_idle

pytestmark = pytest.mark.e2e

TALL = {"width": 1400, "height": 1700}
FIRST_LOAD_MS = 60_000


def _price_sentence() -> str:
    """The first answer as the page states it (markdown bold removed)."""
    scenario = simulator.example_scenario()
    grid = explore.axes(scenario, explore.MAX_PRICE_PCT[3] / 100)
    answers = explore.Answers(
        price=largest_price_increase(
            APP_BUSINESS, scenario, max_price_change=grid.max_price_change
        ),
        budget=None,
        core=None,
    )
    sentences = explore.answer_sentences(answers, scenario, currency="EUR", max_core_loss=0.05)
    return sentences["price"].replace("**", "")


def test_explore_page_draws_the_heatmap_and_answers(page: Page, app_url: str):
    page.set_viewport_size(TALL)
    page.goto(app_url + "/Explore")
    expect(page.get_by_role("heading", name=text.t("explore.title"))).to_be_visible(
        timeout=FIRST_LOAD_MS
    )
    answer = page.locator(".st-key-explore_answer_price")
    expect(answer).to_contain_text(_price_sentence(), timeout=FIRST_LOAD_MS)
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)
    chart = page.get_by_test_id("stPlotlyChart")
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=FIRST_LOAD_MS)
    expect(chart).to_have_count(1, timeout=FIRST_LOAD_MS)
    expect(chart.locator(".main-svg").first).to_be_visible(timeout=FIRST_LOAD_MS)
    expect(chart.locator(".heatmaplayer")).to_have_count(1)
    expect(chart).to_contain_text(text.t("chart.explore.frontier"))
    for key in ("budget", "core"):
        expect(page.locator(f".st-key-explore_answer_{key}")).to_contain_text(
            text.t(f"explore.q.{key}").replace("**", "")
        )
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "explore.png"))
    chart.screenshot(path=str(ARTIFACTS / "explore-heatmap.png"))

    # The probability mode: a progress bar, then the map redrawn as a probability.
    page.locator(".st-key-explore_probability").get_by_text(text.t("explore.probability")).click()
    # During the rerun the old and the new chart coexist: assert on the result, then wait.
    heatmap = page.locator(".st-key-explore_heatmap").last
    expect(heatmap).to_contain_text(text.t("chart.explore.probability"), timeout=FIRST_LOAD_MS)
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)
    expect(chart).to_have_count(1)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "explore-probability.png"))
