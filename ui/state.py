"""The few things a session remembers: the Business in use (and where it came from), the
current Scenario, the interface language chosen, which upload (file and column mapping) was last
calibrated on the Data page, and the digest of the file in each of the Data page's uploaders (with
the table inside, if it came compressed).

Nothing else goes in ``st.session_state`` (widget keys aside). Getters initialise lazily, so
every page works when opened directly by its URL. This module owns the scenario and the business
in session state and knows nothing of URLs: share links (:mod:`ui.share`) read and write through
it, one way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import simulator
from simulator.data.archives import is_compressed, unpack
from simulator.data.mapping import ColumnMapping
from ui import cached, inputs, text
from ui.sections import EDITABLE_GROUPS

_BUSINESS = "business"  # simulator.Business: the sample, or one edited on the Assumptions page
_SCENARIO = "scenario"  # simulator.Scenario: the last valid settings of the Scenario page
_CALIBRATED = "calibrated_upload"  # (file digest, ColumnMapping) last calibrated on the Data page
_ORIGIN = "business_origin"  # (Business, Origin): where a calibrated business came from
_UPLOAD_DIGEST = "upload_digest"  # (uploader file id, SHA-256 digest, unpacked table or None)
_LANGUAGE = "language"  # str: the interface language this session chose (a link's or the sidebar's)
# ... per uploader ("slot"): the customer table's under _UPLOAD_DIGEST, others suffixed


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where the business in use came from, as far as saving it needs to know.

    ``calibration_id`` is the saved calibration it equals (None if not saved), ``fit_summary``
    the per-segment fit records of its calibration (empty for the sample or an unknown fit).
    """

    calibration_id: str | None = None
    fit_summary: tuple[dict, ...] = ()


def business() -> simulator.Business:
    """The business every page uses: the one set this session (a share link's saved
    calibration, an upload's, an edited one), else the sample calibrated from the bundled
    table."""
    if _BUSINESS not in st.session_state:
        st.session_state[_BUSINESS] = cached.business()
    return st.session_state[_BUSINESS]


def set_business(value: simulator.Business, origin: Origin | None = None) -> None:
    """Use ``value`` from now on (after a calibration, an edit on the Assumptions page or
    opening a saved calibration). ``origin`` says where it came from; an edit forgets it."""
    st.session_state[_BUSINESS] = value
    if origin is not None:
        st.session_state[_ORIGIN] = (value, origin)


def origin() -> Origin:
    """Where the business in use came from; empty once it has been edited since."""
    in_use = business()  # first: on a fresh session it reads a link's calibration
    kept = st.session_state.get(_ORIGIN)
    if kept is None or kept[0] != in_use:
        return Origin()
    return kept[1]


def is_sample() -> bool:
    """True while the business in use is the sample the app opened with."""
    return business() == cached.business()


def reset_business(*, prefix: str = "assumptions") -> None:
    """Go back to the business the app opened with, and forget the Assumptions page's pending
    edits (its editors' keys under ``prefix``); a button callback."""
    st.session_state[_BUSINESS] = cached.business()
    for group in EDITABLE_GROUPS:
        st.session_state.pop(inputs.widget_key(prefix, f"editor_{group}"), None)


def calibrated_upload() -> tuple[str, ColumnMapping] | None:
    """The upload (file digest and column mapping) whose calibration the Data page shows."""
    return st.session_state.get(_CALIBRATED)


def set_calibrated_upload(digest: str, mapping: ColumnMapping) -> None:
    """Keep showing the calibration of this file under this mapping (until either changes)."""
    st.session_state[_CALIBRATED] = (digest, mapping)


def upload(file_id: str, name: str, raw: bytes, *, slot: str = "customers") -> cached.Upload:
    """The uploader's file ``file_id`` as a :class:`ui.cached.Upload`: its digest is computed
    once per upload (40 ms for 61 MB), not on every rerun of the Data page. A compressed file
    (``.gz``, ``.zip``) is unpacked once per upload too (:func:`simulator.data.archives.unpack`),
    and the Upload is the table inside, under its own name. Each uploader (``slot``: the
    customer table, the price history, ...) keeps its own file.

    Raises :class:`simulator.DataError` when a compressed file holds no single table.
    """
    key = _UPLOAD_DIGEST if slot == "customers" else f"{_UPLOAD_DIGEST}_{slot}"
    memo = st.session_state.get(key)
    if memo is None or memo[0] != file_id:
        unpacked = unpack(raw, name) if is_compressed(name) else None
        memo = (file_id, hashlib.sha256(unpacked[0] if unpacked else raw).hexdigest(), unpacked)
        st.session_state[key] = memo
    _, digest, unpacked = memo
    if unpacked is not None:
        raw, name = unpacked
    return cached.Upload(name=name, raw=raw, digest=digest)


def scenario() -> simulator.Scenario:
    """The current scenario: the one set this session (a share link's, the sliders'), else
    :func:`simulator.example_scenario`."""
    if _SCENARIO not in st.session_state:
        st.session_state[_SCENARIO] = simulator.example_scenario()
    return st.session_state[_SCENARIO]


def set_scenario(value: simulator.Scenario) -> None:
    """Remember ``value`` as the current scenario, across page switches."""
    st.session_state[_SCENARIO] = value


def has_scenario() -> bool:
    """True once this session has a scenario (set, or read by :func:`scenario`)."""
    return _SCENARIO in st.session_state


def language() -> str | None:
    """The interface language this session chose (a share link's ``lang``, the sidebar's
    switch), or None: the server's default (:func:`ui.text.server_language`). None outside a
    Streamlit run too (tests and commands that call :mod:`ui.text` directly)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.get(_LANGUAGE)


def set_language(code: str) -> None:
    """Speak ``code`` (one of :func:`ui.text.languages`) from now on, on every page."""
    st.session_state[_LANGUAGE] = code


text.follow(language)  # ui.text reads the session's choice through here, on every page
