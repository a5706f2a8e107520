"""Access control (ui.access): off by default; a shared password or an OpenID Connect log-in from
the secrets gates every page before any content."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import access, text

APP = str(Path(__file__).resolve().parents[1] / "app.py")  # relative paths resolve oddly
SCENARIO = "pages/1_Scenario.py"
PASSWORD = "correct horse battery staple"
OIDC = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret",
    "client_id": "app",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://id.example.com/.well-known/openid-configuration",
}


def _app(**secrets: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets.update(secrets)
    return at


def _gated(at: AppTest) -> bool:
    """No page content: no KPI card, no page links, no scenario in the URL."""
    return not at.metric and not at.get("page_link") and "price" not in at.query_params


def _shown(at: AppTest) -> list[str]:
    """Every text the page shows."""
    return [e.value for e in (*at.title, *at.markdown, *at.caption, *at.error, *at.code)]


def _submit(at: AppTest, password: str) -> AppTest:
    at.text_input(key=access.PASSWORD_KEY).input(password)
    (button,) = at.button
    return button.click().run()


@pytest.mark.slow  # AppTest runs the real page scripts
def test_without_secrets_there_is_no_gate():
    at = _app().run()
    assert not at.exception and at.metric and not at.text_input


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_password_gate_stops_every_page_until_the_password_is_given():
    at = _app(access={"password": PASSWORD}).run()
    assert not at.exception and _gated(at)
    assert at.text_input(key=access.PASSWORD_KEY).proto.type == at.text_input[0].proto.PASSWORD

    at = _submit(at, "hunter2")
    assert [e.value for e in at.error] == [text.t("access.wrong_password")]
    assert _gated(at)
    assert not any("hunter2" in line for line in _shown(at)), "the password is never shown"

    at = _submit(at, PASSWORD)
    assert not at.exception and not at.error and at.metric and not at.text_input
    assert not any(PASSWORD in line for line in _shown(at))
    at.switch_page(SCENARIO).run()
    assert not at.exception and at.metric, "once per session, not per page"


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_gate_covers_a_page_opened_directly():
    at = _app(access={"password": PASSWORD}).run()
    at.switch_page(SCENARIO).run()
    assert not at.exception and _gated(at) and not at.slider


@pytest.mark.slow  # AppTest runs the real page scripts
def test_an_empty_password_means_no_gate():
    at = _app(access={"password": ""}).run()
    assert not at.exception and at.metric and not at.text_input


@pytest.mark.slow  # AppTest runs the real page scripts
def test_an_auth_section_asks_to_log_in_first():
    at = _app(auth=OIDC).run()  # AppTest cannot complete an OpenID Connect log-in
    assert not at.exception and _gated(at)
    (button,) = at.button
    assert button.label == text.t("access.login") and button.key.startswith(access.LOGIN_KEY)


@pytest.mark.slow  # AppTest runs the real page scripts
def test_named_providers_get_a_button_each():
    at = _app(auth={"redirect_uri": "x", "cookie_secret": "x", "google": {}, "okta": {}}).run()
    assert _gated(at)
    assert [b.label for b in at.button] == [
        text.t("access.login_with", provider=name) for name in ("google", "okta")
    ]


@pytest.mark.slow  # AppTest runs the real page scripts
def test_a_logged_in_visitor_sees_the_app_and_a_log_out_button():
    at = _app(auth=OIDC)
    at.user = {"is_logged_in": True, "email": "planner@example.com"}
    at.run()
    assert not at.exception and at.metric
    assert at.sidebar.button(key=access.LOGOUT_KEY).label == text.t("access.logout")


def test_the_secrets_sections_are_read_safely_outside_a_page():
    # No secrets.toml in the repository: no gate, and no error.
    assert access.shared_password() == "" and access.login_providers() == ()
