"""Meeting mode: a presentation layout that the query parameter ``present=1`` switches on.

In meeting mode every page opens with the sidebar collapsed (the Scenario page's controls are
tucked away there, not removed), the headline KPI cards and the verdict are large enough to
read from the back of a room, and the Scenario page ends after its charts (no downloads, no
source table). A toggle at the top of the page (in the sidebar when off) enters and leaves it.

The mode lives in the session and in the URL: a link with ``present=1`` opens in meeting mode,
and :func:`keep_in_url` (run on every page) puts the parameter back after a page switch. Any
other value of the parameter means off.
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui import text

PARAM = "present"
ON = "1"
_ON_VALUES = frozenset({"1", "true", "yes", "on"})  # any other value (or none) means off
_MODE = "meeting_mode"  # bool: the session's mode, kept across page switches
TOGGLE_KEY = "meeting_mode_toggle"
SHARE_KEY = "share_presenter_link"  # the share box's "presenter link" toggle (ui.share)
BIG_KPIS_KEY = "meeting_kpis"
VERDICT_KEY = "meeting_verdict"

_STYLE = f"""<style>
[data-testid="stMainBlockContainer"] {{ padding-top: 4.5rem; }}
.st-key-{BIG_KPIS_KEY} [data-testid="stMetric"] {{
    container-type: inline-size; padding: 1.25rem 1.5rem;
}}
.st-key-{BIG_KPIS_KEY} [data-testid="stMetricLabel"] p {{ font-size: clamp(1rem, 7cqi, 1.35rem); }}
.st-key-{BIG_KPIS_KEY} [data-testid="stMetricValue"] {{
    font-size: clamp(2rem, 19cqi, 3.6rem); font-weight: 700; line-height: 1.15;
}}
.st-key-{BIG_KPIS_KEY} [data-testid="stMetricLabel"] *,
.st-key-{BIG_KPIS_KEY} [data-testid="stMetricValue"] * {{
    white-space: normal; overflow: visible; text-overflow: clip;
}}
.st-key-{BIG_KPIS_KEY} [data-testid="stMetricDelta"] {{ font-size: clamp(1rem, 6.5cqi, 1.4rem); }}
.st-key-{BIG_KPIS_KEY} [data-testid="stMetricDelta"] svg {{ width: 1.2em; height: 1.2em; }}
.st-key-{VERDICT_KEY} [data-testid="stAlert"] p {{ font-size: 1.7rem; line-height: 1.35; }}
.st-key-{VERDICT_KEY} [data-testid="stAlert"] [data-testid="stIconMaterial"] {{
    font-size: 2.2rem;
}}
</style>"""


def is_on(value: str | None) -> bool:
    """True if a ``present`` parameter of ``value`` switches meeting mode on."""
    return value is not None and value.strip().lower() in _ON_VALUES


def active() -> bool:
    """True in meeting mode: the URL's ``present`` parameter if it has one, else the session's."""
    if PARAM in st.query_params:
        st.session_state[_MODE] = is_on(st.query_params.get(PARAM))
    return bool(st.session_state.get(_MODE, False))


def sidebar_state() -> str:
    """``st.set_page_config``'s ``initial_sidebar_state``: collapsed in meeting mode."""
    return "collapsed" if active() else "auto"


def keep_in_url() -> None:
    """Put ``present=1`` into the URL in meeting mode, and take a malformed or off value out."""
    _write_url(active())


def _write_url(on: bool) -> None:
    if on and st.query_params.get_all(PARAM) != [ON]:
        st.query_params[PARAM] = ON
    elif not on and PARAM in st.query_params:
        del st.query_params[PARAM]


def _switch() -> None:
    """The toggle's callback: enter or leave meeting mode, and let the share box follow."""
    on = bool(st.session_state[TOGGLE_KEY])
    st.session_state[_MODE] = on
    st.session_state[SHARE_KEY] = on
    _write_url(on)


def toggle() -> None:
    """The meeting-mode switch: at the top right of the page when on, in the sidebar when off."""
    on = active()
    st.session_state[TOGGLE_KEY] = on
    place = st.container(horizontal=True, horizontal_alignment="right") if on else st.sidebar
    with place:
        st.toggle(
            text.t("present.toggle"),
            key=TOGGLE_KEY,
            on_change=_switch,
            help=text.t("present.toggle.help"),
        )
    if on:
        st.html(_STYLE)


def big_kpis() -> DeltaGenerator:
    """A container whose KPI cards are large in meeting mode (normal size otherwise)."""
    return st.container(key=BIG_KPIS_KEY if active() else None)


def big_verdict() -> DeltaGenerator:
    """A container whose verdict is large in meeting mode (normal size otherwise)."""
    return st.container(key=VERDICT_KEY if active() else None)


def stop_before_details() -> None:
    """In meeting mode the page ends here: what follows (downloads, sources) is desk detail."""
    if active():
        st.stop()
