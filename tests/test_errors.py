"""Errors users can act on (issue 6, item 5): an unexpected exception on a page shows an error id
and a link home, never a traceback or the exception's text; the log has the id and the traceback.

Covers the page body, a ``st.cache_data`` function and a widget callback (which runs before the
page body). ``tests/test_app.py`` shows ``st.rerun``/``st.stop`` still work with the hook in
place; ``tests/e2e/test_error_browser.py`` shows the same in a real server and browser.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from streamlit import error_util
from streamlit.runtime.scriptrunner_utils.exceptions import StopException
from streamlit.testing.v1 import AppTest

import simulator
from ui import cached, errors, present, text

pytestmark = pytest.mark.page_errors_expected

APP = str(Path(__file__).resolve().parents[1] / "app.py")  # relative paths resolve oddly
HOME = "app.py"
SCENARIO = "pages/1_Scenario.py"
SECRET = "secret /path detail"
ID = re.compile(r"\*\*([0-9a-f]{8})\*\*")


def _boom(*_args, **_kwargs):
    raise RuntimeError(SECRET)


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _page_links(block) -> list:
    return [n for n in _nodes(block) if getattr(n, "type", None) == "page_link"]


def _page_text(at: AppTest) -> str:
    """Everything the page sends to the browser, as text."""
    return "\n".join(str(node.proto) for node in _nodes(at._tree) if hasattr(node, "proto"))


def _home_hash(at: AppTest) -> str:
    """The home page's id, from the sidebar's "Home" link."""
    (home,) = [n for n in _page_links(at.sidebar) if n.proto.label == text.t("nav.home")]
    return home.proto.page_script_hash


def _assert_error_page(
    at: AppTest, caplog: pytest.LogCaptureFixture, page: str, home: str | None = None
) -> str:
    """The page shows exactly one error with an id and a link home; the log has the same id,
    the page's name and the traceback. Returns the id."""
    assert not at.exception, "no Streamlit exception box (it carries the traceback)"
    assert len(at.error) == 1, [e.value for e in at.error]
    message = at.error[0].value
    match = ID.search(message)
    assert match, message
    error_id = match.group(1)
    assert message == text.t("error.unexpected", id=error_id)
    shown = _page_text(at)
    for leak in ("secret", "/path", "Traceback", "RuntimeError"):
        assert leak not in shown, f"{leak!r} reached the page"
    (link,) = _page_links(at.main)
    assert link.proto.label == text.t("error.home")
    assert link.proto.page_script_hash == (home or _home_hash(at))

    (record,) = [r for r in caplog.records if r.name == errors.__name__ and error_id in r.message]
    assert record.levelno == logging.ERROR
    assert record.message.endswith(f" on {page}")
    assert record.exc_info and str(record.exc_info[1]) == SECRET
    logged = caplog.text
    assert "Traceback" in logged and SECRET in logged
    return error_id


def test_the_hook_is_in_place():
    """Fails if a Streamlit upgrade moves the hook ui/errors.py relies on."""
    errors.install()
    errors.install()  # idempotent: still one wrapper around Streamlit's own function
    assert errors.installed()
    hook = error_util.show_uncaught_app_exception
    assert not getattr(hook.__wrapped__, "_service_gap_error_page", False)


def test_control_flow_exceptions_go_back_to_streamlit(monkeypatch):
    """st.stop()/st.rerun() never reach the hook; if one did, Streamlit's function handles it."""
    seen = []
    wrapped = errors._wrap(seen.append)
    stop = StopException()
    wrapped(stop)
    assert seen == [stop]


def test_error_ids_are_short_and_distinct():
    ids = {errors.new_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"[0-9a-f]{8}", i) for i in ids)


@pytest.mark.slow  # AppTest runs the real page scripts
@pytest.mark.parametrize(("page", "name"), [(HOME, "app"), (SCENARIO, "Scenario")])
def test_an_exception_on_a_page_shows_an_id_and_a_way_home(monkeypatch, caplog, page, name):
    caplog.set_level(logging.ERROR)
    monkeypatch.setattr(cached, "evaluate", _boom)
    at = AppTest.from_file(APP, default_timeout=30).run()
    if page != HOME:
        at.switch_page(page).run()
    first = _assert_error_page(at, caplog, name)

    caplog.clear()
    at.run()  # the same failure again: a new id, so each report points at one log record
    assert _assert_error_page(at, caplog, name) != first


@pytest.mark.slow  # AppTest runs the real page scripts
def test_an_exception_inside_a_cached_function_is_handled_the_same_way(monkeypatch, caplog):
    caplog.set_level(logging.ERROR)
    monkeypatch.setattr(simulator, "evaluate", _boom)
    cached.evaluate.clear()  # a result cached by another test would hide the failure
    at = AppTest.from_file(APP, default_timeout=30).run()
    _assert_error_page(at, caplog, "app")


@pytest.mark.slow  # AppTest runs the real page scripts
def test_an_exception_in_a_widget_callback_is_handled_the_same_way(monkeypatch, caplog):
    caplog.set_level(logging.ERROR)
    monkeypatch.setattr(present, "_switch", _boom)  # the meeting-mode toggle's on_change
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception and not at.error
    home = _home_hash(at)
    at.toggle(key=present.TOGGLE_KEY).set_value(True).run()
    # The callback runs before the page (whose name is not known yet): the run stops there, so
    # only the error and the link home are drawn.
    _assert_error_page(at, caplog, "?", home)

    monkeypatch.undo()
    at.switch_page(HOME).run()  # the way back works
    assert not at.exception and not at.error
    assert at.title
