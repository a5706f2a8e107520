"""Real browser: files the uploader does not take never reach the server, and it stays up.

A file over ``server.maxUploadSize`` and a file of a type outside ``ui.data.FILE_TYPES`` are
refused by Streamlit's uploader in the browser, with its own message under the widget; the
page says the limit beforehand. The server here runs with a 1 MB limit (the app's is 200 MB,
``.streamlit/config.toml``), so the over-limit file is small enough to make quickly.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from ui import text

from .conftest import ARTIFACTS, streamlit_server, wait_for_app_idle

pytestmark = pytest.mark.e2e

FIRST_LOAD_MS = 90_000
LIMIT_MB = 1


@pytest.fixture(scope="module")
def small_limit_url():
    """A server of its own whose upload limit is :data:`LIMIT_MB`."""
    with streamlit_server(
        {"STREAMLIT_SERVER_MAX_UPLOAD_SIZE": str(LIMIT_MB)},
        ARTIFACTS / "server-upload-limits.log",
    ) as url:
        yield url


def _open_data_page(browser: Browser, url: str):
    context = browser.new_context()
    page = context.new_page()
    page.goto(url + "/Data")
    expect(page.get_by_role("heading", name=text.t("data.title"))).to_be_visible(
        timeout=FIRST_LOAD_MS
    )
    wait_for_app_idle(page)
    page.wait_for_selector(".st-key-data_upload input[type=file]", state="attached")
    return context, page


def _healthy(url: str) -> bool:
    with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as answer:
        return answer.read() == b"ok"


def test_a_file_over_the_limit_is_refused_in_the_browser(
    browser: Browser, small_limit_url: str, tmp_path: Path
):
    context, page = _open_data_page(browser, small_limit_url)
    expect(page.get_by_text(text.t("data.limit", limit=LIMIT_MB).replace("**", ""))).to_be_visible()
    big = tmp_path / "customers.csv"
    row = "c{:07d},12,No,29.90\n"
    big.write_text(
        "customer_id,tenure,churned,monthly_revenue\n"
        + "".join(row.format(i) for i in range(60_000)),
        encoding="utf-8",
    )
    assert big.stat().st_size > LIMIT_MB * 2**20
    page.locator(".st-key-data_upload input[type=file]").set_input_files(str(big))
    expect(page.get_by_text(f"File must be {LIMIT_MB}", exact=False)).to_be_visible(timeout=30_000)
    expect(page.locator(".st-key-data_calibrate").get_by_role("button")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "upload-over-limit.png"))
    context.close()
    assert _healthy(small_limit_url)


def test_a_file_of_another_type_is_refused_in_the_browser(
    browser: Browser, small_limit_url: str, tmp_path: Path
):
    context, page = _open_data_page(browser, small_limit_url)
    document = tmp_path / "customers.docx"
    document.write_bytes(b"PK\x03\x04 not really a document")
    page.locator(".st-key-data_upload input[type=file]").set_input_files(str(document))
    expect(page.get_by_text("files are not allowed", exact=False)).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    context.close()
    assert _healthy(small_limit_url)
