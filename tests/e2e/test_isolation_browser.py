"""Real browser: two sessions on one server at the same time never see each other's data.

Two browser contexts (two people, no shared cookies or storage) upload different customer
tables on the Data page at the same time, calibrate, use them and move the price slider to
different values. Each then sees only its own file name, business name, numbers and scenario on
the Scenario and Home pages, never the other's, also after a reload. The upload caches are
per session (``st.cache_data(scope="session")`` in ui/cached.py), which the test checks too.

Screenshots: artifacts/isolation-a.png, artifacts/isolation-b.png.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass

import numpy as np
import pytest
from playwright.sync_api import Browser, Page, expect

import simulator
from simulator.data.customers import customer_records
from simulator.data.synthetic import customers_to_csv, generate_customers
from simulator.decisions.scenario_file import scenario_to_query
from simulator.model.sample import sample_business
from ui import cached, text
from ui.literal import PLAIN

from ..conftest import APP_BUSINESS, uploaded_firm
from .conftest import ARTIFACTS, wait_for_app_idle

pytestmark = pytest.mark.e2e

TALL = {"width": 1400, "height": 2400}
LOAD_MS = 60_000  # two sessions calibrate at once on a loaded 2-core machine


@dataclass
class Session:
    label: str
    file_name: str
    raw: bytes
    business: simulator.Business
    page: Page | None = None
    slider: int = 5  # percent; the example scenario's +5 %

    @property
    def business_name(self) -> str:
        return text.t("data.business_name", markup=PLAIN, name=self.file_name)

    @property
    def scenario(self) -> simulator.Scenario:
        return simulator.example_scenario().with_changes(price_change=self.slider / 100)

    def npv(self) -> str:
        evaluation = simulator.evaluate(self.business, self.scenario)
        return text.money(evaluation.scenario.npv, "EUR", compact=True)


def _rival_firm() -> tuple[bytes, simulator.Business]:
    """Another firm, unlike both the sample and ``uploaded_firm()``: half the sample's ARPU,
    two years of history, another seed; its CSV bytes and the business the app makes of it."""
    truth = sample_business()
    truth = dataclasses.replace(
        truth,
        segments=tuple(
            dataclasses.replace(s, arpu_per_month=0.5 * s.arpu_per_month) for s in truth.segments
        ),
    )
    table = generate_customers(
        truth, as_of=datetime.date(2026, 6, 30), history_months=24, rng=np.random.default_rng(7)
    )
    raw = customers_to_csv(table).encode()
    read = simulator.read_table(raw, name="rival.csv")
    records = customer_records(read, simulator.propose_mapping(read), name="rival.csv")
    calibration = simulator.calibrate(simulator.count_records(records))
    return raw, simulator.apply_calibration(APP_BUSINESS, calibration)


def _npv_card(page: Page):
    label = text.t("kpi.npv", period=text.period(60))
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def _sidebar_to(page: Page, nav_key: str) -> None:
    page.get_by_test_id("stSidebar").get_by_role("link", name=text.t(nav_key), exact=True).click()


def _assert_only_own(me: Session, other: Session, *, calibrated: bool) -> None:
    """The page shows nothing of ``other``: not its file, business name or numbers."""
    page = me.page
    wait_for_app_idle(page, timeout=LOAD_MS)
    body = page.locator("body").inner_text()
    assert other.file_name not in body, f"{me.label} sees {other.label}'s file name"
    assert other.business_name not in body, f"{me.label} sees {other.label}'s business"
    if calibrated:
        assert other.npv() not in body, f"{me.label} sees {other.label}'s NPV"
    assert "Traceback" not in body
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_two_sessions_uploading_at_once_never_see_each_others_data(
    browser: Browser, app_url: str, tmp_path
):
    # the upload caches are per session: one session's file is never served to another
    for name in dir(cached):
        if name.startswith("upload_") and hasattr(getattr(cached, name), "_info"):
            assert getattr(cached, name)._info.scope == "session", name

    raw_a, business_a = uploaded_firm()
    raw_b, business_b = _rival_firm()
    a = Session("A", "firm.csv", raw_a, business_a)
    b = Session("B", "rival.csv", raw_b, business_b)
    contexts = [browser.new_context(viewport=TALL) for _ in (a, b)]
    try:
        for s, context in zip((a, b), contexts, strict=True):
            s.page = context.new_page()
            s.page.goto(app_url + "/Data")
        for s in (a, b):
            expect(s.page.get_by_role("heading", name=text.t("data.title"))).to_be_visible(
                timeout=LOAD_MS
            )
            wait_for_app_idle(s.page, timeout=LOAD_MS)
            s.page.wait_for_selector(".st-key-data_upload input[type=file]", state="attached")

        # both upload at once (the second file goes in before the first is read)
        for s in (a, b):
            path = tmp_path / s.file_name
            path.write_bytes(s.raw)
            s.page.locator(".st-key-data_upload input[type=file]").set_input_files(str(path))
        for s in (a, b):
            calibrate = s.page.locator(".st-key-data_calibrate").get_by_role("button")
            expect(calibrate).to_be_enabled(timeout=LOAD_MS)
            wait_for_app_idle(s.page, timeout=LOAD_MS)
            expect(s.page.get_by_text(s.file_name).first).to_be_visible()
        for s in (a, b):  # both calibrate at once
            s.page.locator(".st-key-data_calibrate").get_by_role("button").click()
        for s in (a, b):
            use = s.page.locator(".st-key-data_use").get_by_role("button")
            expect(use).to_be_visible(timeout=LOAD_MS)
            wait_for_app_idle(s.page, timeout=LOAD_MS)
        for s in (a, b):
            s.page.locator(".st-key-data_use").get_by_role("button").click()
        for s, other in ((a, b), (b, a)):
            in_use = text.t("data.in_use", markup=PLAIN, name=s.file_name).replace("**", "")
            expect(s.page.get_by_text(in_use)).to_be_visible(timeout=LOAD_MS)
            _assert_only_own(s, other, calibrated=False)

        # each moves its price slider to its own value: A to +7 %, B to +2 %
        for s in (a, b):
            _sidebar_to(s.page, "nav.scenario")
        for s, presses in ((a, 2), (b, -3)):
            thumb = s.page.locator(".st-key-scenario_price_change_pct").get_by_role("slider")
            expect(thumb).to_have_value("5", timeout=LOAD_MS)
            expect(_npv_card(s.page)).to_have_text(s.npv(), timeout=LOAD_MS)
            thumb.focus()
            for _ in range(abs(presses)):  # one step = 1 percentage point
                thumb.press("ArrowRight" if presses > 0 else "ArrowLeft")
            s.slider += presses
        assert a.npv() != b.npv(), "the two firms must give different answers"
        for s, other in ((a, b), (b, a)):
            thumb = s.page.locator(".st-key-scenario_price_change_pct").get_by_role("slider")
            expect(thumb).to_have_value(str(s.slider))
            expect(_npv_card(s.page)).to_have_text(s.npv(), timeout=LOAD_MS)
            expect(s.page).to_have_url(_price_in_url(s), timeout=LOAD_MS)
            _assert_only_own(s, other, calibrated=True)

        # Home: own business name, own scenario's numbers
        for s in (a, b):
            _sidebar_to(s.page, "nav.home")
        for s, other in ((a, b), (b, a)):
            expect(s.page.get_by_text(s.business_name).first).to_be_visible(timeout=LOAD_MS)
            expect(_npv_card(s.page)).to_have_text(s.npv(), timeout=LOAD_MS)
            _assert_only_own(s, other, calibrated=True)
        for s in (a, b):
            s.page.screenshot(path=str(ARTIFACTS / f"isolation-{s.label.lower()}.png"))

        # A reload starts a new Streamlit session: the scenario comes back from the URL; the
        # uploaded business belongs to the old session and is gone (nobody else gets it).
        for s in (a, b):
            s.page.reload()
        for s, other in ((a, b), (b, a)):
            expect(s.page.get_by_role("heading", name=text.t("home.title"))).to_be_visible(
                timeout=LOAD_MS
            )
            _assert_only_own(s, other, calibrated=True)
            body = s.page.locator("body").inner_text()
            expect(s.page).to_have_url(_price_in_url(s))
            print(f"{s.label} after reload: {'same' if s.business_name in body else 'new'} session")
            if s.business_name in body:  # the session survived the reload
                expect(_npv_card(s.page)).to_have_text(s.npv(), timeout=LOAD_MS)
            else:  # a fresh session: the sample business, this session's scenario
                evaluation = simulator.evaluate(APP_BUSINESS, s.scenario)
                money = text.money(evaluation.scenario.npv, "EUR", compact=True)
                expect(_npv_card(s.page)).to_have_text(money, timeout=LOAD_MS)
    finally:
        for context in contexts:
            context.close()


def _price_in_url(s: Session) -> re.Pattern:
    price = scenario_to_query(s.scenario)["price"]
    return re.compile(rf"[?&]price={re.escape(price)}(&|$)")
