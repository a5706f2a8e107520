"""User text is text: hostile names and values through every entry point, on every page.

The corpus (:data:`tests.user_text.HOSTILE`: Markdown links and images, HTML links, images and
SVG, bare URLs, formula prefixes, Streamlit's own markup, bidi and zero-width characters, a very
long string) goes in through a share link's values, the save form's name, notes and author, an
uploaded file's name, its column headers and its segment values. Every page is then checked
(:func:`tests.user_text.page_problems`): no Markdown element, ``st.table`` cell or Plotly figure
would show any of it as markup, and no page raises. The same paths run in a real browser in
``tests/e2e/test_user_text_browser.py``.
"""

from __future__ import annotations

import dataclasses
import datetime
import html
import os
import re
import string
import tempfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import simulator
from simulator.decisions.scenario_file import QUERY_KEYS
from simulator.model.assumptions import parameter_table
from ui import cached, memo, text
from ui.literal import ECHO_CHARS, ELLIPSIS, PLAIN, PLOTLY, literal
from ui.store import NAME_CHARS, STORE_PATH_VARIABLE, STORE_URL_VARIABLE, EntryError, Store

from .conftest import ROOT
from .user_text import (
    HOSTILE,
    SAVEABLE,
    UPLOAD_FILE_NAME,
    hostile_upload,
    markdown_problems,
    nodes,
    page_problems,
    shown,
)

APP = str(ROOT / "app.py")
PAGES = (
    "app.py",
    "pages/1_Scenario.py",
    "pages/2_Assumptions.py",
    "pages/3_Data.py",
    "pages/4_Uncertainty.py",
    "pages/5_Explore.py",
    "pages/6_Compare.py",
)


def _as_read(value: str) -> str:
    """A corpus value as a page shows it: one line, bidi controls dropped, cut."""
    line = re.sub(r"\s+", " ", re.sub("[\u202a-\u202e\u2066-\u2069]", "", value)).strip()
    return line if len(line) <= ECHO_CHARS else line[: ECHO_CHARS - 1] + ELLIPSIS


# --- the helper ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", HOSTILE)
def test_each_hostile_value_is_literal_text_in_every_markup(key):
    value = HOSTILE[key]
    markdown = literal(value)
    assert markdown_problems(markdown) == []
    assert shown(markdown) == _as_read(value)
    plotly = literal(value, PLOTLY)
    assert "<" not in plotly and html.unescape(plotly) == _as_read(value)
    assert literal(value, PLAIN) == _as_read(value)


def test_long_values_are_cut_with_an_ellipsis_and_sentences_get_more_room():
    assert literal("x" * 500, PLAIN) == "x" * (ECHO_CHARS - 1) + ELLIPSIS
    assert len(literal("y" * 500, PLAIN, limit=200)) == 200
    assert literal("a\n\tb\x00c", PLAIN) == "a b c"
    with pytest.raises(ValueError, match="unknown markup"):
        literal("x", "html")


def test_escaped_markdown_keeps_digits_letters_and_non_ascii_as_they_are():
    plain = "Zürich 2026 Ünïcode ÄÖ € café"
    assert literal(plain) == plain
    assert literal(string.punctuation).count("\\") >= len(string.punctuation) - 3  # & < > refs


# --- the text module: every user-supplied placeholder goes through the helper ------------------

APP_PLACEHOLDERS = {
    "acquisitions", "amount", "as_of", "assumed", "assumptions", "baseline", "best", "breakeven",
    "budget", "case", "gain", "grade", "mean", "net", "rest", "top", "wom",
    "cells", "change", "churn", "columns", "core", "count", "currency", "customers", "data",
    "date", "draws", "driver", "entry", "error", "extra", "fee", "first", "high", "id", "join",
    "kind", "large", "last", "left", "limit", "loss", "lost", "low", "measure", "median", "model",
    "month", "months", "n", "notices", "period", "points", "price", "probability", "rate",
    "right", "rows", "rule", "scale", "scenario", "score", "se", "seed", "segment_count",
    "settings",
    "share", "size", "symbol", "time", "total", "used", "user", "value", "version", "when",
    "years", "evsi", "cost", "per_customer", "power", "before", "after",
}  # fmt: skip
"""Placeholders filled with numbers formatted by ui.text or with the app's own strings (ids,
labels, other templates). A new placeholder must be put here or in ``text.USER_TEXT``."""


def test_every_placeholder_is_either_user_text_or_the_apps_own():
    placeholders = {
        name
        for template in text.STRINGS[text.DEFAULT_LANGUAGE].values()
        for name in re.findall(r"\{(\w+)\}", template)
    }
    assert not set(text.USER_TEXT) & APP_PLACEHOLDERS
    assert placeholders - set(text.USER_TEXT) - APP_PLACEHOLDERS == set()


def test_t_shows_user_placeholders_as_literal_text_in_the_markup_asked_for():
    link = HOSTILE["markdown_link"]
    said = text.t("saved.saved", name=link)
    assert markdown_problems(said) == [] and shown(said) == f"Saved “{link}”."
    assert text.t("saved.saved", markup=PLAIN, name=link) == f"Saved “{link}”."
    legend = text.t("chart.km.observed", markup=PLOTLY, segment=HOSTILE["html_link"])
    assert "<a" not in legend and html.unescape(legend).startswith(HOSTILE["html_link"])
    # the app's own placeholders take the app's Markdown as it is
    assert text.t("verdict.sentence", value="**x**", period="1 year", join="and", core="y") == (
        "This plan **x** over 1 year against doing nothing, and y."
    )


def test_messages_quoting_user_values_are_literal_and_cut_to_a_sentence():
    said = text.t("data.mapping_error", message=HOSTILE["long"])
    assert markdown_problems(said) == [] and len(shown(said)) < 500
    listed = text.bullets([HOSTILE["markdown_image"], "- [x](y)"])
    assert markdown_problems(listed) == []
    assert shown(listed) == f"- {HOSTILE['markdown_image']}\n- - [x](y)"  # two items, as typed


# --- entry points ----------------------------------------------------------------------------


def _every_page(at: AppTest) -> dict[str, list[str]]:
    """page_problems of every page, visited in turn in this session."""
    found = {}
    for page in PAGES:
        at.switch_page(page).run()
        found[page] = page_problems(at)
    return {page: problems for page, problems in found.items() if problems}


def _page_text(at: AppTest) -> str:
    """Everything a page says, as read (Markdown resolved)."""
    parts = [e.value for kind in ("markdown", "caption", "error", "warning", "info", "success")
             for e in getattr(at, kind)]  # fmt: skip
    return shown("\n".join(parts))


@pytest.fixture
def store(tmp_path, monkeypatch) -> Store:
    """A fresh SQLite store that the app's cached store uses too."""
    monkeypatch.delenv(STORE_URL_VARIABLE, raising=False)
    monkeypatch.setenv(STORE_PATH_VARIABLE, str(tmp_path / "store.sqlite"))
    cached.store.clear()
    yield cached.store()
    cached.store.clear()


@pytest.mark.slow
def test_a_share_link_of_hostile_values_shows_them_as_text_on_every_page(store):
    values = list(HOSTILE.values())
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(
        {key: values[i % len(values)] for i, key in enumerate(QUERY_KEYS.values())}
        | {"cal": HOSTILE["markdown_link"], "present": HOSTILE["html_link"]}
    )
    at.run()
    assert not at.exception
    notice = shown(at.warning[0].value)
    assert "[Session expired - click to sign in aga…" in notice  # quoted, cut to 40
    assert "L" * 40 not in notice and len(notice) < 3000
    assert page_problems(at) == []
    assert _every_page(at) == {}


@pytest.mark.slow
def test_hostile_names_notes_and_authors_saved_and_compared_show_as_text(store):
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/6_Compare.py").run()
    for key, value in SAVEABLE.items():
        at.text_input(key="save_scenario_name").input(value)
        at.text_area(key="save_scenario_notes").input(HOSTILE["long"][:3990])
        at.text_input(key="save_scenario_author").input(HOSTILE[key])
        at.button[0].click().run()  # the form's submit button
        assert not at.exception
        assert [shown(s.value) for s in at.success] == [f"Saved “{_as_read(value)}”."], key
    saved = store.scenarios()
    assert {s.name for s in saved} == set(SAVEABLE.values())  # stored as typed
    assert page_problems(at) == []
    for start in range(0, len(saved), 3):  # the current one and three saved at a time
        chosen = ["current", *(s.id for s in saved[start : start + 3])]
        at.multiselect(key="compare_choice").set_value(chosen).run()
        assert not at.exception
        assert page_problems(at) == [], chosen
        headers = [shown(c) for c in at.table[0].value.columns]
        assert headers[1:] == [_as_read(s.name) for s in saved[start : start + 3]]
    picked = saved[0]
    at.selectbox(key="saved_scenario_pick").select(picked.id).run()
    at.button(key="saved_delete_scenario").click().run()
    assert page_problems(at) == []
    warning = shown(at.warning[-1].value)
    assert f"“{_as_read(picked.name)}”" in warning


@pytest.mark.slow
def test_names_have_a_maximum_length_and_no_text_direction_character_checked_on_save(store):
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/6_Compare.py").run()
    name_box = at.text_input(key="save_scenario_name")
    assert name_box.max_chars == NAME_CHARS  # the box takes no more than the store keeps
    name_box.set_value(HOSTILE["bidi"])
    at.button[0].click().run()
    assert not at.exception
    assert shown(at.error[0].value) == (
        "Not saved: name: character 6 is a control or text-direction character (U+202E), "
        "which would be invisible or reorder the text around it; retype the name without it"
    )
    assert store.scenarios() == []
    with pytest.raises(EntryError, match="name: at most 120 characters, got 121; shorten it"):
        store.save_scenario(name="n" * 121, scenario=simulator.example_scenario())


@pytest.mark.slow
def test_an_upload_with_a_hostile_name_headers_and_segments_shows_them_as_text(store):
    at = AppTest.from_file(APP, default_timeout=300).run()
    at.switch_page("pages/3_Data.py").run()
    at.file_uploader(key="data_upload").upload(UPLOAD_FILE_NAME, hostile_upload(), "text/csv").run()
    assert not at.exception
    assert page_problems(at) == []
    assert _as_read(UPLOAD_FILE_NAME) in _page_text(at)
    at.button(key="data_calibrate").click().run()
    assert page_problems(at) == []
    at.button(key="data_use").click().run()
    assert page_problems(at) == []
    said = f"Every page now uses the calibration from **{_as_read(UPLOAD_FILE_NAME)}**."
    assert said in _page_text(at)
    business = at.session_state["business"]
    assert business.name == text.t("data.business_name", markup=PLAIN, name=UPLOAD_FILE_NAME)
    assert _every_page(at) == {}
    # The verdict names the core segment, the captions the business, as typed.
    at.switch_page("pages/1_Scenario.py").run()
    said = _page_text(at)
    assert f"{_as_read(business.core)} customers" in said and _as_read(business.name) in said
    # Saved for the team: the business goes with the scenario; the Compare page and the saved
    # calibrations show its name as text.
    at.switch_page("pages/6_Compare.py").run()
    at.text_input(key="save_scenario_name").input(HOSTILE["svg_link"])
    at.button[0].click().run()
    assert not at.exception
    (calibration,) = store.calibrations()
    assert calibration.business.name == business.name
    assert _every_page(at) == {}


def test_the_decision_memo_shows_hostile_names_as_text_and_links_only_to_the_app():
    sample = simulator.sample_business()
    names = (HOSTILE["markdown_link"], HOSTILE["html_image"])
    business = dataclasses.replace(
        sample,
        name=HOSTILE["svg_link"],
        core_segment=None,
        segments=tuple(
            dataclasses.replace(s, name=n) for s, n in zip(sample.segments, names, strict=True)
        ),
    )
    scenario = simulator.example_scenario()
    source = memo.memo_html(
        business=business,
        scenario=scenario,
        evaluation=simulator.evaluate(business, scenario),
        parameters=parameter_table(business, scenario),
        created=datetime.datetime(2026, 12, 4, tzinfo=datetime.UTC),
        link="http://127.0.0.1:8501/Scenario?price=0.05",
    )
    page = source.split("<body>", 1)[1].split("<script", 1)[0]  # before plotly.js
    assert re.findall(r"<(a|img|svg)\b[^>]*>", page) == ["a"]  # the link back to the app
    read = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert f"Decision memo: {_as_read(HOSTILE['svg_link'])}" in read
    (verdict,) = re.findall(r'<p class="verdict \w+">(.*?)</p>', page)
    assert f"{names[0]} customers" in html.unescape(verdict)  # the core segment, as typed
    assert f"{names[0]} CLV" in read  # its card, as typed ("[" has no upper case)


# --- no server detail on any page ----------------------------------------------------------------


def _all_strings(at: AppTest) -> list[str]:
    """Every string field of every element on the page, code blocks and figures included."""
    found = []

    def collect(message) -> None:
        for field, value in message.ListFields():
            if field.type == field.TYPE_STRING:
                found.extend(value if field.is_repeated else [value])
            elif field.type == field.TYPE_MESSAGE:
                for item in value if field.is_repeated else [value]:
                    collect(item)

    for node in nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            collect(proto)
    return found


def _server_details(store_path: Path) -> list[str]:
    """Strings no page may show: the store's file and folder, the repository's and the
    temporary folder's paths, database URLs, and the values of this process's environment."""
    details = [str(store_path), str(store_path.parent), str(ROOT), tempfile.gettempdir()]
    details += ["sqlite://", "postgresql", str(Path.home())]
    details += [v for v in os.environ.values() if len(v) >= 12 and ("/" in v or "=" in v)]
    return [d for d in details if d and d != "/"]


@pytest.mark.slow
def test_no_page_shows_a_path_url_or_environment_value(store, tmp_path):
    store.save_scenario(name="Plan", scenario=simulator.example_scenario())
    at = AppTest.from_file(APP, default_timeout=120).run()
    details = _server_details(tmp_path / "store.sqlite")
    for page in PAGES:
        at.switch_page(page).run()
        strings = _all_strings(at)
        leaks = [(d, s[:120]) for s in strings for d in details if d in s]
        assert leaks == [], page
    at.switch_page("pages/6_Compare.py").run()
    assert "kept in the shared database (SQLite)." in _page_text(at)
    at.switch_page("pages/3_Data.py").run()
    assert "kept in the shared database (SQLite)." in _page_text(at)


def test_an_unreachable_database_is_reported_without_its_url_or_host(monkeypatch):
    monkeypatch.setenv(STORE_URL_VARIABLE, "postgresql+psycopg://nobody@127.0.0.1:1/secretdb")
    cached.store.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=120).run()
        at.switch_page("pages/6_Compare.py").run()
    finally:
        cached.store.clear()
    (error,) = at.error
    said = shown(error.value)
    assert "cannot open the shared database (PostgreSQL): it may be stopped" in said
    for detail in ("127.0.0.1", "nobody", "secretdb", "postgresql+psycopg", "psycopg"):
        assert detail not in "\n".join(_all_strings(at)), detail
