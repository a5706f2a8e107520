"""Optional access control for a hosted link; off unless ``.streamlit/secrets.toml`` sets it up.

* ``[access] password = "..."``: every page asks for this shared password once per session.
* An ``[auth]`` section (Streamlit's OpenID Connect log-in, see ``st.login``): every page asks
  the visitor to log in with the identity provider first, and the sidebar offers a log-out.

With both, a visitor must log in and then give the password. With neither (or no secrets file)
there is no gate. :func:`gate` runs on every page, before any page content (``render``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

import streamlit as st

from ui import text

_PASSED = "access_password_digest"  # digest of the password this session gave correctly
FORM_KEY = "access_form"
PASSWORD_KEY = "access_password"
LOGIN_KEY = "access_login"
LOGOUT_KEY = "access_logout"


def _section(name: str) -> Mapping[str, object]:
    """One table of the secrets, or an empty one (also when there is no secrets file)."""
    try:
        value = st.secrets.get(name)
    except FileNotFoundError:  # no secrets.toml: StreamlitSecretNotFoundError subclasses it
        return {}
    return value if isinstance(value, Mapping) else {}


def shared_password() -> str:
    """The shared password from ``[access] password``, or "" when none is set."""
    return str(_section("access").get("password") or "")


def login_providers() -> tuple[str | None, ...]:
    """The OpenID Connect providers of the ``[auth]`` section: ``None`` stands for the default
    one (settings directly in ``[auth]``); empty when log-in is not configured."""
    auth = _section("auth")
    named = tuple(sorted(key for key, value in auth.items() if isinstance(value, Mapping)))
    if "client_id" in auth or (auth and not named):
        return (None, *named)
    return named


def gate() -> None:
    """Stop the page unless the visitor has logged in and given the password, where required."""
    providers = login_providers()
    if providers:
        _login_gate(providers)
    password = shared_password()
    if password:
        _password_gate(password)


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def _password_gate(password: str) -> None:
    """A password form; the page stops until this session has given ``password``."""
    expected = _digest(password)
    if hmac.compare_digest(st.session_state.get(_PASSED, ""), expected):
        return
    st.title(text.t("app.title"))
    with st.form(key=FORM_KEY, clear_on_submit=True):
        st.markdown(text.t("access.password_intro"))
        given = st.text_input(text.t("access.password"), type="password", key=PASSWORD_KEY)
        sent = st.form_submit_button(text.t("access.enter"), icon=":material/lock_open:")
    if sent and hmac.compare_digest(_digest(given), expected):
        st.session_state[_PASSED] = expected
        st.rerun()
    if sent:
        st.error(text.t("access.wrong_password"), icon=":material/lock:")
    st.stop()


def _login_gate(providers: tuple[str | None, ...]) -> None:
    """Log-in buttons; the page stops until the visitor has logged in. Then: a log-out button."""
    if st.user.get("is_logged_in", False):
        st.sidebar.button(text.t("access.logout"), key=LOGOUT_KEY, on_click=st.logout)
        return
    st.title(text.t("app.title"))
    st.markdown(text.t("access.login_intro"))
    for provider in providers:
        label = text.t("access.login_with", provider=provider) if provider else None
        st.button(
            label or text.t("access.login"),
            key=f"{LOGIN_KEY}_{provider or 'default'}",
            on_click=st.login,
            args=(provider,),
            icon=":material/login:",
            type="primary",
        )
    st.stop()
