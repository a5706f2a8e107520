"""Real browser: the Scenario page's price-response view, the price slider at +100 %, and the
price response learnt from an uploaded price history.

Screenshots land in artifacts/ (price-view.png, price-view-100.png, scenario-price-100.png,
data-price-history.png, assumptions-price-graded.png, data-at-risk.png).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Page, expect

import simulator
from simulator.data.price_histories import generate_price_history
from ui import price_history, price_view, text
from ui.literal import PLAIN

from ..conftest import APP_BUSINESS
from ..test_data_page import customers_csv
from ..user_text import shown
from .conftest import ARTIFACTS, wait_for_app_idle

pytestmark = pytest.mark.e2e

TALL = {"width": 1400, "height": 2600}
FIRST_LOAD_MS = 60_000
PLAN = simulator.example_scenario()


def _plain(markdown: str) -> str:
    """A sentence as the page shows it: literal text, bold marks gone."""
    return shown(markdown).replace("**", "")


def _npv_delta(page: Page):
    label = text.t("kpi.npv", period=text.period(60))
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricDelta")


def test_the_view_shows_best_price_and_breakeven_and_plus_100_percent_loses(
    page: Page, app_url: str
):
    curve = price_view.curve(APP_BUSINESS, PLAN)
    page.set_viewport_size(TALL)
    page.goto(app_url + "/Scenario")
    view = page.locator(".st-key-scenario_price_view")
    expect(view).to_contain_text(text.t("price_view.header"), timeout=FIRST_LOAD_MS)
    expect(view).to_contain_text(_plain(price_view.headline(curve, "EUR")))
    value = page.locator(".st-key-scenario_chart_price_value")
    expect(value.locator(".main-svg").first).to_be_visible(timeout=FIRST_LOAD_MS)
    best = text.t("chart.price.best", change=text.signed_percent(curve.best, 0))
    breakeven = text.t("chart.price.breakeven", change=text.signed_percent(curve.breakeven, 0))
    expect(value).to_contain_text(best)
    expect(value).to_contain_text(breakeven)
    expect(value).to_contain_text(text.t("chart.price.plan", change="+5%"))
    drivers = page.locator(".st-key-scenario_chart_price_drivers")
    expect(drivers).to_contain_text(text.t("chart.price.driver.lost_acquisitions"))
    expect(
        page.locator(".st-key-scenario_chart_price_volume").locator(".main-svg").first
    ).to_be_visible()
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)
    expect(_npv_delta(page)).to_have_text(
        text.signed_money(simulator.evaluate(APP_BUSINESS, PLAN).delta_npv, "EUR", compact=True)
    )
    view.screenshot(path=str(ARTIFACTS / "price-view.png"))

    # The slider's End key goes to its top, +100 %: the plan is then worth less than doing nothing.
    thumb = page.locator(".st-key-scenario_price_change_pct").get_by_role("slider")
    thumb.focus()
    thumb.press("End")
    expect(thumb).to_have_value("100")
    top = PLAN.with_changes(price_change=1.0)
    point = price_view.plan_point(APP_BUSINESS, top)
    expect(view).to_contain_text(_plain(price_view.plan_sentence(point, "EUR")), timeout=30_000)
    wait_for_app_idle(page)
    loss = simulator.evaluate(APP_BUSINESS, top).delta_npv
    assert loss < 0
    expect(_npv_delta(page)).to_have_text(text.signed_money(loss, "EUR", compact=True))
    expect(_npv_delta(page)).to_contain_text("-")
    expect(value).to_contain_text(text.t("chart.price.plan", change="+100%"))
    expect(page.get_by_test_id("stException")).to_have_count(0)
    view.screenshot(path=str(ARTIFACTS / "price-view-100.png"))
    page.screenshot(path=str(ARTIFACTS / "scenario-price-100.png"))


def _history(tmp_path) -> tuple[str, str]:
    rng = np.random.default_rng(2026)
    core = generate_price_history(
        3_000, design="staggered", rng=rng, segment="core", alpha=1.5, beta=40.0, eta=1.0
    )
    sensitive = generate_price_history(
        3_000, design="uniform", rng=rng, segment="price-sensitive", id_prefix="P"
    )
    paths = tmp_path / "customers.csv", tmp_path / "prices.csv"
    for path, frames in zip(paths, zip(core, sensitive, strict=True), strict=True):
        pd.concat(frames).to_csv(path, index=False, date_format="%Y-%m-%d")
    return str(paths[0]), str(paths[1])


def test_a_price_history_uploaded_is_learnt_used_and_graded(page: Page, app_url: str, tmp_path):
    customers, prices = _history(tmp_path)
    page.set_viewport_size(TALL)
    page.goto(app_url + "/Data")
    expect(page.get_by_role("heading", name=text.t("data.title"))).to_be_visible(
        timeout=FIRST_LOAD_MS
    )
    page.locator(".st-key-data_upload input[type=file]").set_input_files(customers)
    calibrate = page.locator(".st-key-data_calibrate").get_by_role("button")
    expect(calibrate).to_be_visible(timeout=FIRST_LOAD_MS)
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)
    page.get_by_role("tab", name=text.t("data.tab.price")).click()
    tab = page.get_by_role("tabpanel", name=text.t("data.tab.price"))
    expect(tab).to_contain_text(_plain(text.t("data.price.from_first", name="customers.csv")))
    page.locator(f".st-key-{price_history.PRICES_KEY} input[type=file]").set_input_files(prices)
    learn = page.locator(".st-key-data_price_learn").get_by_role("button")
    expect(learn).to_be_visible(timeout=FIRST_LOAD_MS)
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)
    learn.click()
    expect(tab).to_contain_text(text.t("data.price.result_header"), timeout=FIRST_LOAD_MS)
    expect(tab.get_by_test_id("stDataFrame")).to_be_visible()
    expect(tab).to_contain_text("No customer kept the old price")  # price-sensitive: uniform
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)
    page.screenshot(path=str(ARTIFACTS / "data-price-history.png"))
    page.locator(".st-key-data_price_use").get_by_role("button").click()
    said = text.t("data.price.in_use", markup=PLAIN, name="prices.csv", segments="").split(":")[0]
    expect(page.get_by_text(said.replace("**", ""))).to_be_visible(timeout=FIRST_LOAD_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    page.get_by_test_id("stSidebar").get_by_role(
        "link", name=text.t("nav.assumptions"), exact=True
    ).click()
    editor = page.locator(".st-key-assumptions_editor_price")
    expect(editor).to_be_visible(timeout=FIRST_LOAD_MS)
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)
    editor.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "assumptions-price-graded.png"))
    # The data grid draws on a canvas: its cells are not text in the page. What the planner
    # reads there is checked in AppTest (tests/test_price_history_page.py); here, that the page
    # runs on the learnt response and says where it came from.
    expect(page.get_by_test_id("stException")).to_have_count(0)
    summary = text.t("assumptions.grades").split(":")[0]
    expect(page.get_by_text(summary, exact=False)).to_be_visible()


def test_the_customers_most_at_risk_are_listed_with_a_download(page: Page, app_url: str, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(customers_csv())
    page.set_viewport_size({"width": 1400, "height": 3400})
    page.goto(app_url + "/Data")
    page.wait_for_selector(".st-key-data_upload input[type=file]", state="attached")
    page.locator(".st-key-data_upload input[type=file]").set_input_files(str(path))
    calibrate = page.locator(".st-key-data_calibrate").get_by_role("button")
    expect(calibrate).to_be_enabled(timeout=FIRST_LOAD_MS)
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)
    calibrate.click()
    header = page.get_by_role("heading", name=text.t("data.risk.header"))
    expect(header).to_be_visible(timeout=FIRST_LOAD_MS)
    download = page.locator(".st-key-data_risk_download").get_by_role("button")
    expect(download).to_be_visible(timeout=FIRST_LOAD_MS)
    wait_for_app_idle(page, timeout=FIRST_LOAD_MS)
    middle = text.t("data.risk.summary").split("{points} ")[1].split(";")[0]  # words only
    expect(page.get_by_text(middle, exact=False)).to_be_visible()
    with page.expect_download() as started:
        download.click()
    saved = tmp_path / "at-risk.csv"
    started.value.save_as(saved)
    table = pd.read_csv(saved, encoding="utf-8-sig")
    assert list(table.columns)[:3] == ["customer_id", "segment", "tenure_months"]
    assert table["added_risk"].is_monotonic_decreasing and table["added_risk"].iloc[0] > 0
    header.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "data-at-risk.png"))
    expect(page.get_by_test_id("stException")).to_have_count(0)
