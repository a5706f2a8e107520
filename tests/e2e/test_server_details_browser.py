"""Real browser: no page shows anything about the server (issue 19, issue 18).

A server is started with its shared database in a folder of a distinctive name and with an
environment variable of a distinctive value; every page is opened (the Data page's saved
calibrations and the Compare page's library included, with a saved scenario in the store), and
neither the page's text nor any attribute of its HTML may carry the database's file or folder,
the repository's or the home folder's path, a database URL or the environment value.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import simulator
from ui import text
from ui.store import STORE_PATH_VARIABLE, Store, store_url

from .conftest import ROOT, streamlit_server, wait_for_app_idle

pytestmark = pytest.mark.e2e

PAGES = (
    ("/", "home.title"),
    ("/Scenario", "scenario.title"),
    ("/Assumptions", "assumptions.title"),
    ("/Data", "data.title"),
    ("/Uncertainty", "unc.title"),
    ("/Explore", "explore.title"),
    ("/Compare", "compare.title"),
)
SECRET = "do-not-show-this-value-4711"
"""The value of an environment variable the server runs with."""

PAGE_SOURCE = """() => {
    const main = document.querySelector("[data-testid='stApp']");
    const attributes = Array.from(main.querySelectorAll("*"))
        .flatMap(e => Array.from(e.attributes).map(a => a.value));
    return main.innerText + "\\n" + attributes.join("\\n");
}"""


@pytest.fixture(scope="module")
def server_with_secrets(tmp_path_factory) -> tuple[str, list[str]]:
    folder = tmp_path_factory.mktemp("operator-private-folder")
    store_path = folder / "team-store.sqlite"
    Store(store_url({STORE_PATH_VARIABLE: str(store_path)})).save_scenario(
        name="Plan for the board", scenario=simulator.example_scenario()
    )
    env = {STORE_PATH_VARIABLE: str(store_path), "SERVICE_GAP_SECRET_FOR_TEST": SECRET}
    details = [str(store_path), str(folder), str(ROOT), str(Path.home()), "sqlite://", SECRET]
    with streamlit_server(env=env) as url:
        yield url, details


@pytest.mark.parametrize(("path", "title"), PAGES, ids=[p[0] for p in PAGES])
def test_no_page_shows_a_path_url_or_environment_value(
    page: Page, server_with_secrets, path: str, title: str
):
    url, details = server_with_secrets
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.goto(url + path)
    expect(page.get_by_role("heading", name=text.t(title)).first).to_be_visible(timeout=60_000)
    wait_for_app_idle(page, timeout=120_000)
    for tab in page.get_by_role("tab").all():  # what the other tabs hold counts too
        tab.click()
        wait_for_app_idle(page)
    shown = page.evaluate(PAGE_SOURCE)
    assert [d for d in details if d in shown] == [], path
    if path in ("/Compare", "/Data"):
        assert "the shared database (SQLite)" in shown
