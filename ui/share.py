"""Share links: the current scenario lives in the page URL (Streamlit query parameters).

* A fresh session whose URL carries scenario parameters starts from that scenario; anything
  missing, malformed, out of range or beyond the Scenario page's sliders is replaced by a safe
  value, and the page says so once (:func:`sync`, run by ``render.page_setup`` on every page),
  quoting the link's values as literal text, cut to a readable length. A link's saved
  calibration becomes the business in use the same way.
* The URL follows the session's scenario: written once per run, by :func:`sync` on every page
  but the Scenario page, which writes it after its sliders (:func:`keep`), so switching pages or
  reloading keeps it.
* The flow is one way: this module reads the link into :mod:`ui.state` and writes the URL from
  it; :mod:`ui.state` knows nothing of URLs.
* :func:`share_link` shows the full link to copy. Only scenario settings go into it, and, when
  the business in use is a saved calibration, that calibration's id (``cal=...``, see
  :mod:`ui.saved`): never a business's parameters or any customer data. Its "presenter link"
  variant adds meeting mode's ``present=1`` (:mod:`ui.present`), which :func:`sync` also keeps
  in the URL.
* The interface language travels too: ``lang=it`` opens the link in Italian. The URL and the
  share link carry it whenever the session's language is not the server's default
  (:data:`ui.text.LANGUAGE_VARIABLE`), so a colleague opening the link reads the same scenario in
  the same language. :func:`open_language` reads it, first thing on a session's first run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import streamlit as st

import simulator
from simulator.decisions.scenario_file import QUERY_KEYS, scenario_from_query, scenario_to_query
from ui import cached, inputs, present, state, text
from ui.literal import PLAIN

if TYPE_CHECKING:
    from ui.store import SavedCalibration

SCENARIO_PATH = "Scenario"  # URL path of pages/1_Scenario.py
CALIBRATION_PARAM = "cal"  # the id of the saved calibration the scenario runs on
LANGUAGE_PARAM = "lang"  # the interface language, when not the server's default
_NOTICES = "share_link_notices"  # notices about the link this session opened with, shown once
_OPENED = "share_link_opened"  # True once this session has read the link it opened with
_LANGUAGE_OPENED = "share_link_language_opened"  # True once the link's language has been read


def url_params() -> dict[str, list[str]]:
    """The page URL's parameters, every value of a repeated key kept."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def has_scenario(params: Mapping[str, object]) -> bool:
    """True if ``params`` holds at least one scenario setting."""
    return any(key in params for key in QUERY_KEYS.values())


def scenario_from_url() -> simulator.Scenario | None:
    """The scenario in the URL (safe values for bad ones, notices queued), or None if none."""
    params = url_params()
    if not has_scenario(params):
        return None
    scenario, notices = scenario_from_query(params)
    scenario, adjusted = fit_to_sliders(scenario)
    if notices or adjusted:
        st.session_state[_NOTICES] = (*notices, *adjusted)
    return scenario


def _notice(line: str) -> None:
    st.session_state[_NOTICES] = (*st.session_state.get(_NOTICES, ()), line)


def calibration_from_url() -> SavedCalibration | None:
    """The saved calibration the URL names (``cal=...``), or None if it names none; a link
    whose calibration cannot be found or read queues a notice (the sample is used instead)."""
    named = st.query_params.get_all(CALIBRATION_PARAM)
    if not named:
        return None
    from ui.store import StoreError  # here: most links name none, and SQLAlchemy is slow to load

    try:
        found = cached.store().calibration(named[-1])
    except StoreError as error:
        _notice(text.t("share.calibration_unreadable", markup=PLAIN, message=error.reason))
        return None
    if found is None:
        _notice(text.t("share.calibration_missing"))
    return found


def fit_to_sliders(scenario: simulator.Scenario) -> tuple[simulator.Scenario, tuple[str, ...]]:
    """The scenario as the Scenario page's sliders can show it, with a line per changed value.

    A valid scenario may lie outside a slider's range (e.g. a +50 % price change); the sliders
    would then silently move it, so the change is made here and reported instead.
    """
    try:
        shown = inputs.scenario_from_widgets(inputs.widget_values(scenario))
    except ValueError:
        return scenario, ()  # the Scenario page reports the invalid combination itself
    before, after = scenario_to_query(scenario), scenario_to_query(shown)
    lines = tuple(
        text.t("share.adjusted", markup=PLAIN, name=key, given=before[key], used=after[key])
        for key in before
        if before[key] != after[key]
    )
    return shown, lines


def language_param() -> dict[str, str]:
    """``{"lang": code}`` when the interface language is not the server's default, else empty:
    the part of a link that opens it in the same language."""
    code = text.language()
    return {} if code == text.server_language() else {LANGUAGE_PARAM: code}


def open_language() -> None:
    """On a session's first run: the link's ``lang`` (one of :func:`ui.text.languages`)
    becomes the session's language; an unknown value is ignored (the server's default)."""
    if st.session_state.get(_LANGUAGE_OPENED):
        return
    st.session_state[_LANGUAGE_OPENED] = True
    named = st.query_params.get_all(LANGUAGE_PARAM)
    code = named[-1].strip().lower() if named else ""
    if code in text.languages():
        state.set_language(code)


def write_language() -> None:
    """Keep the URL's ``lang`` in step with the session's language (none for the default)."""
    wanted = language_param().get(LANGUAGE_PARAM)
    if wanted is None:
        if LANGUAGE_PARAM in st.query_params:
            del st.query_params[LANGUAGE_PARAM]
    elif st.query_params.get_all(LANGUAGE_PARAM) != [wanted]:
        st.query_params[LANGUAGE_PARAM] = wanted


def write_url(scenario: simulator.Scenario, calibration_id: str | None = None) -> None:
    """Put ``scenario`` (and the saved calibration in use, if any, and the language) into the
    URL, changing only the parameters that differ."""
    wanted = scenario_to_query(scenario)
    for key, value in wanted.items():
        if st.query_params.get_all(key) != [value]:
            st.query_params[key] = value
    write_language()
    if calibration_id is None:
        if CALIBRATION_PARAM in st.query_params:
            del st.query_params[CALIBRATION_PARAM]
    elif st.query_params.get_all(CALIBRATION_PARAM) != [calibration_id]:
        st.query_params[CALIBRATION_PARAM] = calibration_id


def open_link() -> None:
    """On a session's first run: the link's saved calibration and scenario become the business
    and scenario in use (:mod:`ui.state`); later runs leave the session's own alone."""
    if st.session_state.get(_OPENED):
        return
    st.session_state[_OPENED] = True
    saved = calibration_from_url()
    if saved is not None:
        origin = state.Origin(calibration_id=saved.id, fit_summary=saved.fit_summary)
        state.set_business(saved.business, origin)
    if not state.has_scenario():
        from_link = scenario_from_url()
        if from_link is not None:
            state.set_scenario(from_link)


def sync(*, writes_url: bool = True) -> None:
    """On every page: start from the link the session opened with, show its notices once, and
    keep the URL current (the scenario and meeting mode). A page that changes the scenario
    during its run passes ``writes_url=False`` and calls :func:`keep` once it knows it."""
    open_link()
    notices = st.session_state.pop(_NOTICES, ())  # plain text: they quote the link
    if notices:
        said = text.t("share.notice", notices=text.bullets(notices))
        st.warning(said, icon=":material/link_off:")
    if writes_url:
        write_url(state.scenario(), state.origin().calibration_id)
    present.keep_in_url()


def keep(scenario: simulator.Scenario) -> None:
    """The page's scenario becomes the session's, and the URL's."""
    state.set_scenario(scenario)
    write_url(scenario, state.origin().calibration_id)


def link(
    scenario: simulator.Scenario,
    page: str = "",
    *,
    presenter: bool = False,
    calibration_id: str | None = None,
) -> str:
    """The full share link of ``scenario`` on ``page`` (its URL path, e.g. ``"Scenario"``), in
    the session's language; ``presenter`` links open in meeting mode; ``calibration_id`` names
    the saved calibration the scenario runs on."""
    params = scenario_to_query(scenario)
    if calibration_id is not None:
        params[CALIBRATION_PARAM] = calibration_id
    params |= language_param()
    if presenter:
        params[present.PARAM] = present.ON
    query = "&".join(f"{key}={value}" for key, value in params.items())
    base = (st.context.url or "").removesuffix("/")
    base = base.removesuffix(f"/{page}")  # the classic pages folder keeps the page path in it
    path = f"{base}/{page}" if page else (base or ".")
    return f"{path}?{query}"


def share_link(scenario: simulator.Scenario, page: str = SCENARIO_PATH) -> None:
    """In the sidebar: a copyable box with the share link (Streamlit's code block has a copy
    button), a switch to the presenter link (on by default in meeting mode) and what the link
    holds (the scenario settings and the saved calibration's id). While the business in use is
    an unsaved calibration, the box says that the link would open on the sample instead."""
    if present.SHARE_KEY not in st.session_state:
        st.session_state[present.SHARE_KEY] = present.active()
    presenter = bool(st.session_state[present.SHARE_KEY])
    calibration_id = state.origin().calibration_id
    with st.sidebar, st.container(key="share_link"):
        st.header(text.t("share.header"))
        shown = link(scenario, page, presenter=presenter, calibration_id=calibration_id)
        st.code(shown, language=None, wrap_lines=True)
        st.toggle(
            text.t("share.presenter"), key=present.SHARE_KEY, help=text.t("share.presenter.help")
        )
        if calibration_id is None and not state.is_sample():
            st.warning(text.t("share.unsaved_business"), icon=":material/save:")
        st.caption(text.t("share.caption"))
