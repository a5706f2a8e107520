"""Errors users can act on: an unexpected exception shows an error id and a way back, never a
traceback; the server log has the traceback under the same id.

How (Streamlit 1.67, classic ``streamlit run``): every uncaught exception of a script run ends in
``streamlit.error_util.handle_user_script_exception``. That is the one place for the page body,
anything it calls (``st.cache_data`` functions included: their exceptions propagate to the page),
widget callbacks (``on_change`` / ``on_click`` run inside the same guarded call, before the
script body) and fragments. It logs the exception ("Uncaught app execution"), then calls
``error_util.show_uncaught_app_exception``, which draws Streamlit's exception box with the
traceback. :func:`install` replaces that drawing function (looked up by name at each call, so
replacing the module attribute is enough) with :func:`_show`: a fresh id, one log record with
the id, the page and the full traceback, and an ``st.error`` with the id and a link home. The
exception's own text is never shown (it may name files or data).

Why not the alternatives: ``on_script_error`` (the documented hook) reaches the script only
through ``st.App``, not ``streamlit run``; setting it on the run's context from ``page_setup``
would miss callbacks, which run on a fresh script thread before ``page_setup``; wrapping each
page body would miss callbacks too and would have to be repeated on every page.

``st.stop()`` and ``st.rerun()`` raise ``StopException`` / ``RerunException``; Streamlit handles
them before this point, and :func:`_show` hands anything that is not an ``Exception`` back to
Streamlit's own function. If a Streamlit upgrade moves the hook, :func:`install` logs a warning
(and ``tests/test_errors.py`` fails); ``client.showErrorDetails = "none"`` in
``.streamlit/config.toml`` then still keeps the traceback off the page.

:func:`install` is idempotent; ``render.page_setup`` calls it, and importing this module does,
so it is in place from the first page import of the process on.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import streamlit as st
from streamlit import error_util
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui import text

log = logging.getLogger(__name__)
HOME = "app.py"
_HOOK = "show_uncaught_app_exception"
_MARK = "_service_gap_error_page"


def new_id() -> str:
    """A short error id for the message and the log line: 8 hex characters."""
    return secrets.token_hex(4)


def installed() -> bool:
    """True if uncaught page exceptions go through :func:`_show`."""
    return getattr(getattr(error_util, _HOOK, None), _MARK, False)


def install() -> None:
    """Route uncaught page exceptions to :func:`_show` (once per process; safe to call again)."""
    if installed():
        return
    original = getattr(error_util, _HOOK, None)
    callers = (error_util.handle_user_script_exception, error_util.handle_uncaught_app_exception)
    if original is None or any(_HOOK not in f.__code__.co_names for f in callers):
        log.warning("Streamlit's error display moved: page errors show Streamlit's own message")
        return
    error_util.show_uncaught_app_exception = _wrap(original)


def _wrap(original: Callable[[BaseException], None]) -> Callable[[BaseException], None]:
    def show(ex: BaseException) -> None:
        if not isinstance(ex, Exception):  # never reached by st.stop/st.rerun; never swallowed
            original(ex)
            return
        _show(ex, original)

    setattr(show, _MARK, True)
    show.__wrapped__ = original  # type: ignore[attr-defined]
    return show


def _show(ex: Exception, original: Callable[[BaseException], None]) -> None:
    """Log ``ex`` with a new id and the page; show the id and a link home instead of a traceback."""
    error_id = new_id()
    log.error("page error %s on %s", error_id, _page(), exc_info=ex)
    try:
        st.error(text.t("error.unexpected", id=error_id), icon=":material/error:")
        st.page_link(HOME, label=text.t("error.home"), icon=":material/home:")
    except Exception:  # drawing failed too: Streamlit's box, without details (config.toml)
        log.exception("page error %s could not be shown", error_id)
        original(ex)


def _page() -> str:
    """The running page's name, for the log ("?" if not known)."""
    try:
        ctx = get_script_run_ctx(suppress_warning=True)
        if ctx is None:
            return "?"
        # Known once the page runs; a callback runs before that, and logs "?".
        page = ctx.pages_manager.get_pages().get(ctx.page_script_hash, {})
        return str(page.get("page_name") or "?")
    except Exception:  # the log line must not fail
        return "?"


install()
