"""Real browser: a scenario saved on the Compare page survives a server restart, and a fresh
browser sees it side by side with its own scenario.

Two servers run one after the other on the same store file (its own, not the session's).
Screenshot: artifacts/compare.png.
"""

from __future__ import annotations

import pandas as pd
import pytest
from playwright.sync_api import Browser, expect

from ui import text
from ui.store import STORE_PATH_VARIABLE

from .conftest import ARTIFACTS, VIEWPORT, streamlit_server, wait_for_app_idle

pytestmark = pytest.mark.e2e

FIRST_LOAD_MS = 60_000
TALL = {"width": 1400, "height": 2600}


def test_a_saved_scenario_survives_a_server_restart(browser: Browser, tmp_path):
    env = {STORE_PATH_VARIABLE: str(tmp_path / "store.sqlite")}
    with streamlit_server(env, ARTIFACTS / "streamlit-server-save.log") as url:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(url + "/Scenario?price=0.08")
        expect(page.locator(".st-key-share_link")).to_contain_text(
            "price=0.08&", timeout=FIRST_LOAD_MS
        )
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_role("link", name=text.t("nav.compare"), exact=True).click()
        expect(page.get_by_role("heading", name=text.t("compare.title"))).to_be_visible()
        wait_for_app_idle(page)
        page.locator(".st-key-save_scenario_name input").fill("Board plan")
        page.locator(".st-key-save_scenario_author input").fill("Ann")
        page.locator(".st-key-save_scenario_notes textarea").fill("+8 % with the service budget")
        page.get_by_role("button", name=text.t("saved.save")).click()
        expect(page.get_by_text(text.t("saved.saved", name="Board plan"))).to_be_visible()
        context.close()

    with streamlit_server(env, ARTIFACTS / "streamlit-server-restarted.log") as url:
        context = browser.new_context(viewport=TALL)
        page = context.new_page()
        page.goto(url + "/Compare")
        table = page.get_by_test_id("stTable")
        expect(table).to_be_visible(timeout=FIRST_LOAD_MS)
        wait_for_app_idle(page)
        # The fresh session compares its own scenario with the saved one, as two columns.
        expect(page.locator(".st-key-compare_choice")).to_contain_text("Board plan")
        expect(page.locator(".st-key-compare_choice")).to_contain_text("Ann")
        page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("button", name=text.t("export.compare")).click()
        read = pd.read_csv(download.value.path()).set_index(["kpi", "scenario"])
        assert read.loc[("price_change", "Board plan"), "value"] == "0.08"
        assert read.loc[("price_change", text.t("compare.current")), "value"] == "0.05"
        context.close()
