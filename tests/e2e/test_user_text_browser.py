"""Real browser: text from a link, a saved scenario's name and an uploaded file shows as text.

The three ways an attacker's text reaches another person's page (issue 18): a share link's
values, a saved scenario's name (every visitor of Compare sees it), and an uploaded file's name
and segment values (in captions, the verdict, and the calibration saved for the team). Each test
pushes Markdown links and images, HTML and SVG links and images through its path, then on every
page it reaches checks in chromium that the raw text is what the reader sees, that no ``<a>``
(HTML or SVG), ``<img>`` or other element points outside the app, that no request leaves it
(every request is watched; one to another host is aborted and fails the test), that nothing is
wider than the page, and that no exception or error id is shown. A compressed upload (.gz) is
accepted and read, a .zip of two files refused with its reason.

Screenshots: artifacts/user-text-*.png.
"""

from __future__ import annotations

import gzip
import io
import re
import urllib.parse
import zipfile
from dataclasses import dataclass, field

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, expect

from simulator.decisions.scenario_file import QUERY_KEYS
from ui import text
from ui.literal import PLAIN, literal
from ui.store import STORE_PATH_VARIABLE

from ..conftest import uploaded_firm
from ..user_text import HOSTILE, SAVEABLE, UPLOAD_FILE_NAME, hostile_upload
from .conftest import ARTIFACTS, streamlit_server, wait_for_app_idle

pytestmark = pytest.mark.e2e

EVIL = "evil.example"
LOAD_MS = 90_000
TALL = {"width": 1400, "height": 2400}
LINK_VALUES = {
    "price": f"[Sign in again](https://{EVIL}/)",
    "fee": f"![x](https://{EVIL}/p.png)",
    "horizon": f'<a href="https://{EVIL}/a">L</a>',
    "rate": f"<img src=https://{EVIL}/i.png>",
}
"""Share-link values (each at most 40 characters: the notice quotes them whole)."""
SAVED_NAMES = (
    f"[Session expired - click to sign in again](https://{EVIL}/login)",
    f'<a href="https://{EVIL}/leg">L</a>',
    f'![x](https://{EVIL}/pixel.png) =HYPERLINK("http://{EVIL}","x")',
)
FILE_NAME = f"[Sign in](http:{EVIL}) <img src=http:{EVIL}>.csv"
"""A file name an attacker can give (no "/"); short enough that "Calibrated from" and it are
shown whole (a longer one is cut with an ellipsis, tests/test_user_text.py)."""
SEGMENTS = {
    "core": f"[Session expired](https://{EVIL}/login)",
    "price-sensitive": f"<img src=https://{EVIL}/i.png>",
}
NAV = {
    "nav.home": "home.title",
    "nav.scenario": "scenario.title",
    "nav.uncertainty": "unc.title",
    "nav.explore": "explore.title",
    "nav.compare": "compare.title",
    "nav.assumptions": "assumptions.title",
    "nav.data": "data.title",
}
"""Every page: its sidebar link and its title."""

# Every element that can point somewhere, HTML or SVG, resolved against the page's address.
POINTERS = """() => Array.from(document.querySelectorAll(
    'a, area, img, image, use, iframe, frame, embed, object, source, video, audio, link, form'
)).map(e => {
    const raw = e.getAttribute('href') || e.getAttribute('xlink:href') || e.getAttribute('src')
        || e.getAttribute('data') || e.getAttribute('action') || '';
    let url = raw;
    try { url = new URL(raw, location.href).href; } catch (error) {}
    return {tag: e.tagName.toLowerCase(), raw: raw, url: url};
})"""
WIDER_THAN_PAGE = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    return main ? main.scrollWidth - main.clientWidth : 0;
}"""
# Chart tick labels on one axis that overlap each other (a long segment name under a bar).
OVERLAPPING_TICKS = """() => {
    const found = [];
    for (const axis of document.querySelectorAll(".xaxislayer-above, .yaxislayer-above")) {
        const labels = Array.from(axis.querySelectorAll("text"))
            .filter(t => t.getBoundingClientRect().width > 0);
        const boxes = labels.map(t => t.getBoundingClientRect());
        const texts = labels.map(t => t.textContent);
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1
                && b.top < a.bottom - 1) found.push(texts[i] + " / " + texts[j]);
        }
    }
    return found;
}"""


@dataclass
class Watched:
    """A page whose every request is watched: one to another host is aborted and kept."""

    page: Page
    origin: str
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _watch(browser: Browser, url: str, viewport=TALL) -> Watched:
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    watched = Watched(page=page, origin=url)

    def route(r) -> None:
        if r.request.url.startswith((url, "data:", "blob:")):
            r.continue_()
        else:
            watched.outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    return watched


def _check(watched: Watched, where: str) -> None:
    """The page as it stands: nothing points outside the app, no request left it, nothing is
    wider than the page, no chart labels overlap, no exception and no error id (on failure,
    a screenshot: artifacts/user-text-failed.png)."""
    try:
        _check_page(watched, where)
    except AssertionError:
        watched.page.screenshot(path=str(ARTIFACTS / "user-text-failed.png"))
        raise


def _check_page(watched: Watched, where: str) -> None:
    page = watched.page
    wait_for_app_idle(page)
    pointers = page.evaluate(POINTERS)
    outside = [
        p for p in pointers
        if p["url"] and not p["url"].startswith((watched.origin, "data:", "blob:"))
        and not p["raw"].startswith("#")
    ]  # fmt: skip
    assert outside == [], where
    assert not [p for p in pointers if EVIL in p["raw"] or EVIL in p["url"]], where
    assert watched.outside == [], where
    assert watched.errors == [], where
    assert page.evaluate(WIDER_THAN_PAGE) <= 1, f"{where}: wider than the page"
    assert page.evaluate(OVERLAPPING_TICKS) == [], f"{where}: chart labels overlap"
    assert page.get_by_test_id("stException").count() == 0, where
    assert "error id" not in page.locator("[data-testid='stMain']").inner_text(), where


def _visit(watched: Watched, label_key: str) -> None:
    """Go to a page through the sidebar (the same session) and check it."""
    sidebar = watched.page.get_by_test_id("stSidebar")
    sidebar.get_by_role("link", name=text.t(label_key), exact=True).click()
    title = watched.page.get_by_role("heading", name=text.t(NAV[label_key]), exact=True)
    expect(title).to_be_visible(timeout=LOAD_MS)
    _check(watched, label_key)


SHOWS = """(wanted) => Array.from(document.querySelectorAll("[data-testid='stMarkdownContainer']"))
    .some(e => e.innerText.replaceAll("\\u2060", "").trim() === wanted)"""


def _shows(page: Page, wanted: str) -> None:
    """Wait until a Markdown element reads exactly ``wanted`` (word joiners aside: invisible)."""
    page.wait_for_function(SHOWS, arg=wanted, timeout=LOAD_MS)


def _said(page: Page, pattern: str):
    """The Markdown text (an alert's, a caption's ...) matching ``pattern``."""
    return page.get_by_test_id("stMarkdownContainer").filter(has_text=re.compile(pattern)).first


def _main_text(watched: Watched) -> str:
    return watched.page.locator("[data-testid='stMain']").inner_text().replace("\u2060", "")


def test_a_share_link_shows_its_values_as_text_on_every_page(browser: Browser, tmp_path):
    env = {STORE_PATH_VARIABLE: str(tmp_path / "store.sqlite")}
    with streamlit_server(env, ARTIFACTS / "streamlit-server-user-text-link.log") as url:
        watched = _watch(browser, url)
        query = urllib.parse.urlencode(LINK_VALUES | {"cal": LINK_VALUES["price"]})
        watched.page.goto(f"{url}/Scenario?{query}")
        notice = _said(watched.page, "could not be used")
        expect(notice).to_be_visible(timeout=LOAD_MS)
        _check(watched, "Scenario")
        said = notice.inner_text().replace("\u2060", "")
        for value in LINK_VALUES.values():
            assert f"'{value}'" in said  # the raw text, as typed
        watched.page.screenshot(path=str(ARTIFACTS / "user-text-link.png"))
        for key in NAV:
            _visit(watched, key)
        watched.page.context.close()


def test_saved_scenario_names_show_as_text_in_compare(browser: Browser, tmp_path):
    env = {STORE_PATH_VARIABLE: str(tmp_path / "store.sqlite")}
    with streamlit_server(env, ARTIFACTS / "streamlit-server-user-text-saved.log") as url:
        watched = _watch(browser, url)
        page = watched.page
        page.goto(url + "/Compare")
        expect(page.get_by_role("heading", name=text.t("compare.title"))).to_be_visible(
            timeout=LOAD_MS
        )
        for name in SAVED_NAMES:
            wait_for_app_idle(page)
            page.locator(".st-key-save_scenario_name input").fill(name)
            page.locator(".st-key-save_scenario_author input").fill(SAVED_NAMES[1])
            page.get_by_role("button", name=text.t("saved.save")).click()
            _shows(page, f"Saved “{name}”.")
            _check(watched, f"saved {name}")
        # A fresh visitor: the three saved scenarios beside the current one, by default.
        fresh = _watch(browser, url)
        fresh.page.goto(url + "/Compare")
        table = fresh.page.get_by_test_id("stTable")
        expect(table).to_be_visible(timeout=LOAD_MS)
        expect(fresh.page.locator(".main-svg").first).to_be_visible()
        _check(fresh, "Compare")
        header = table.locator("thead").inner_text().replace("\u2060", "")
        for name in SAVED_NAMES:
            assert name in header
        legends = " ".join(fresh.page.locator(".legendtext").all_text_contents())
        assert SAVED_NAMES[1] in legends  # Plotly shows the HTML as text, no link
        assert fresh.page.locator("svg a").count() == 0
        picker = fresh.page.get_by_role("combobox", name=text.t("saved.pick_scenario"))
        picker.click()
        picker.press("ArrowDown")
        expect(fresh.page.get_by_role("option").first).to_be_visible()
        options = fresh.page.get_by_role("option").all_inner_texts()
        assert any(o.startswith(SAVED_NAMES[0]) for o in options)
        fresh.page.keyboard.press("Escape")
        fresh.page.screenshot(path=str(ARTIFACTS / "user-text-saved.png"))
        _check(fresh, "Compare after the list")
        for context in (watched.page.context, fresh.page.context):
            context.close()


def _hostile_csv() -> bytes:
    raw, _ = uploaded_firm()
    table = pd.read_csv(io.BytesIO(raw), dtype=str)
    table["segment"] = table["segment"].map(SEGMENTS)
    return table.to_csv(index=False).encode()


def _upload(watched: Watched, path) -> None:
    watched.page.locator(".st-key-data_upload").get_by_test_id(
        "stFileUploaderDropzoneInput"
    ).set_input_files(str(path))


def test_an_uploaded_file_name_and_segment_values_show_as_text_on_every_page(
    browser: Browser, tmp_path
):
    env = {STORE_PATH_VARIABLE: str(tmp_path / "store.sqlite")}
    path = tmp_path / FILE_NAME
    path.write_bytes(_hostile_csv())
    with streamlit_server(env, ARTIFACTS / "streamlit-server-user-text-upload.log") as url:
        watched = _watch(browser, url)
        page = watched.page
        page.goto(url + "/Data")
        expect(
            page.locator(".st-key-data_upload").get_by_test_id("stFileUploaderDropzoneInput")
        ).to_be_attached(timeout=LOAD_MS)
        wait_for_app_idle(page)
        _upload(watched, path)
        calibrate = page.locator(".st-key-data_calibrate").get_by_role("button")
        expect(calibrate).to_be_enabled(timeout=LOAD_MS)
        _check(watched, "Data, mapped")
        assert f"in {FILE_NAME}." in _main_text(watched)
        calibrate.click()
        use = page.locator(".st-key-data_use").get_by_role("button")
        expect(use).to_be_visible(timeout=LOAD_MS)
        _check(watched, "Data, calibrated")
        use.click()
        expect(page.get_by_text("Every page now uses")).to_be_visible(timeout=LOAD_MS)
        _check(watched, "Data, in use")
        assert f"Every page now uses the calibration from {FILE_NAME}." in _main_text(watched)
        business = text.t("data.business_name", markup=PLAIN, name=FILE_NAME)
        for key in NAV:
            _visit(watched, key)
            said = _main_text(watched)
            if key in ("nav.home", "nav.scenario", "nav.explore"):
                assert business in said, key
            if key == "nav.scenario":  # the verdict names the core segment (the first)
                verdict = _said(page, "^This plan").inner_text().replace("\u2060", "")
                assert any(f"{name} customers" in verdict for name in SEGMENTS.values())
                page.screenshot(path=str(ARTIFACTS / "user-text-upload-scenario.png"))
            if key == "nav.compare":  # the business row of the side-by-side table
                assert business in page.get_by_test_id("stTable").inner_text().replace("\u2060", "")
        # Saved for the team with its calibration: a fresh visitor's Compare shows it as text.
        _visit(watched, "nav.compare")
        page.locator(".st-key-save_scenario_name input").fill(SEGMENTS["core"])
        page.get_by_role("button", name=text.t("saved.save")).click()
        expect(_said(page, "^Saved “")).to_be_visible()
        fresh = _watch(browser, url)
        fresh.page.goto(url + "/Compare")
        expect(fresh.page.get_by_test_id("stTable")).to_be_visible(timeout=LOAD_MS)
        _check(fresh, "fresh Compare")
        assert business in fresh.page.get_by_test_id("stTable").inner_text().replace("\u2060", "")
        for context in (watched.page.context, fresh.page.context):
            context.close()


def test_a_gzipped_table_is_read_and_a_zip_of_two_files_is_refused_with_why(
    browser: Browser, tmp_path
):
    raw, _ = uploaded_firm()
    gz = tmp_path / "customers.csv.gz"
    gz.write_bytes(gzip.compress(raw))
    two = tmp_path / "export.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("customers.csv", raw)
        archive.writestr("readme.txt", b"notes")
    two.write_bytes(buffer.getvalue())
    env = {STORE_PATH_VARIABLE: str(tmp_path / "store.sqlite")}
    with streamlit_server(env, ARTIFACTS / "streamlit-server-user-text-gz.log") as url:
        watched = _watch(browser, url)
        page = watched.page
        page.goto(url + "/Data")
        expect(
            page.locator(".st-key-data_upload").get_by_test_id("stFileUploaderDropzoneInput")
        ).to_be_attached(timeout=LOAD_MS)
        wait_for_app_idle(page)
        _upload(watched, gz)
        expect(page.locator(".st-key-data_calibrate").get_by_role("button")).to_be_enabled(
            timeout=LOAD_MS
        )
        assert "not allowed" not in page.locator("[data-testid='stMain']").inner_text()
        assert "in customers.csv." in _main_text(watched)
        _upload(watched, two)
        error = _said(page, "cannot be read")
        expect(error).to_be_visible(timeout=LOAD_MS)
        said = error.inner_text().replace("\u2060", "")
        assert "export.zip" in said and "holds 2 files (customers.csv, readme.txt)" in said
        assert "Upload the table itself" in said
        _check(watched, "Data, two-file zip")
        page.context.close()


def test_the_whole_corpus_through_every_entry_point_breaks_nothing(browser: Browser, tmp_path):
    """The AppTest corpus (tests/user_text.py), bidi, zero-width and very long strings
    included, through the link, the save form (name, notes, author) and an upload (file name,
    headers, segment values) of one session: every page it reaches passes :func:`_check`."""
    path = tmp_path / UPLOAD_FILE_NAME
    path.write_bytes(hostile_upload())
    values = list(HOSTILE.values())
    env = {STORE_PATH_VARIABLE: str(tmp_path / "store.sqlite")}
    with streamlit_server(env, ARTIFACTS / "streamlit-server-user-text-corpus.log") as url:
        watched = _watch(browser, url)
        page = watched.page
        link = {key: values[i % len(values)] for i, key in enumerate(QUERY_KEYS.values())}
        page.goto(f"{url}/Data?{urllib.parse.urlencode(link)}")
        expect(
            page.locator(".st-key-data_upload").get_by_test_id("stFileUploaderDropzoneInput")
        ).to_be_attached(timeout=LOAD_MS)
        _check(watched, "Data, from the link")
        _upload(watched, path)
        calibrate = page.locator(".st-key-data_calibrate").get_by_role("button")
        expect(calibrate).to_be_enabled(timeout=LOAD_MS)
        _check(watched, "Data, mapped")
        calibrate.click()
        expect(page.locator(".st-key-data_use").get_by_role("button")).to_be_visible(
            timeout=LOAD_MS
        )
        page.locator(".st-key-data_use").get_by_role("button").click()
        expect(page.get_by_text("Every page now uses")).to_be_visible(timeout=LOAD_MS)
        _check(watched, "Data, in use")
        _visit(watched, "nav.compare")
        for value in SAVEABLE.values():
            wait_for_app_idle(page)
            page.locator(".st-key-save_scenario_name input").fill(value)
            page.locator(".st-key-save_scenario_notes textarea").fill(HOSTILE["long"][:3990])
            page.locator(".st-key-save_scenario_author input").fill(value[:120])
            page.get_by_role("button", name=text.t("saved.save")).click()
            _shows(page, f"Saved “{literal(value, PLAIN)}”.")
        _check(watched, "Compare, all saved")
        page.screenshot(path=str(ARTIFACTS / "user-text-corpus-compare.png"))
        for key in NAV:
            _visit(watched, key)
        watched.page.context.close()
