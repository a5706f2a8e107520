"""Meeting mode (ui.present): ``present=1`` opens a presentation layout, and the share link offers
a presenter variant."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from simulator import example_scenario
from simulator.decisions.scenario_file import scenario_from_query, scenario_to_query
from ui import present

APP = str(Path(__file__).resolve().parents[1] / "app.py")  # relative paths resolve oddly
SCENARIO = "pages/1_Scenario.py"
LINKED = example_scenario().with_changes(price_change=0.08)


def _open(params: dict[str, str], page: str = SCENARIO) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(params)
    at.run()
    if page != "app.py":
        at.switch_page(page).run()
    assert not at.exception
    return at


def _has_key(at: AppTest, key: str) -> bool:
    """True if the page holds a container (or widget) with ``key``: its id ends in the key."""
    stack = [at.main]
    while stack:
        node = stack.pop()
        if str(getattr(getattr(node, "proto", None), "id", "")).endswith(f"-{key}"):
            return True
        stack.extend(getattr(node, "children", {}).values())
    return False


@pytest.mark.slow  # AppTest runs the real page scripts
@pytest.mark.parametrize("value", ["1", "true", "On"])
def test_present_opens_the_scenario_page_in_meeting_mode(value):
    at = _open({**scenario_to_query(LINKED), present.PARAM: value})
    assert _has_key(at, present.BIG_KPIS_KEY) and _has_key(at, present.VERDICT_KEY)
    assert at.toggle(key=present.TOGGLE_KEY).value is True
    assert not at.get("download_button"), "no downloads in meeting mode"
    assert not at.dataframe, "no source table in meeting mode"
    assert len(at.metric) >= 8, "the KPI cards are all there"
    assert at.slider(key="scenario_price_change_pct").value == pytest.approx(8.0)
    assert at.query_params[present.PARAM] == present.ON
    (box,) = at.code
    assert box.value.endswith(f"&{present.PARAM}={present.ON}"), "the presenter link by default"
    assert at.toggle(key=present.SHARE_KEY).value is True


@pytest.mark.slow  # AppTest runs the real page scripts
@pytest.mark.parametrize("value", ["0", "", "2", "yes please", "<script>"])
def test_a_malformed_or_off_value_means_the_normal_page(value):
    at = _open({**scenario_to_query(LINKED), present.PARAM: value})
    assert not at.error and not _has_key(at, present.BIG_KPIS_KEY)
    assert at.toggle(key=present.TOGGLE_KEY).value is False
    assert at.get("download_button") and at.dataframe
    assert present.PARAM not in at.query_params, "the bad value is taken out of the URL"
    assert scenario_from_query(at.query_params) == (LINKED, ())
    (box,) = at.code
    assert present.PARAM not in box.value


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_toggle_enters_and_leaves_meeting_mode_and_the_url_follows():
    at = _open(scenario_to_query(LINKED))
    assert not _has_key(at, present.BIG_KPIS_KEY)
    at.toggle(key=present.TOGGLE_KEY).set_value(True).run()
    assert _has_key(at, present.BIG_KPIS_KEY) and not at.get("download_button")
    assert at.query_params[present.PARAM] == present.ON
    assert at.code[0].value.endswith(f"&{present.PARAM}={present.ON}")
    at.toggle(key=present.TOGGLE_KEY).set_value(False).run()
    assert not _has_key(at, present.BIG_KPIS_KEY) and at.get("download_button")
    assert present.PARAM not in at.query_params
    assert present.PARAM not in at.code[0].value


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_share_box_offers_the_presenter_link():
    at = _open(scenario_to_query(LINKED))
    plain = at.code[0].value
    at.toggle(key=present.SHARE_KEY).set_value(True).run()
    assert at.code[0].value == f"{plain}&{present.PARAM}={present.ON}"
    assert not _has_key(at, present.BIG_KPIS_KEY), "offering the link does not switch the mode"


@pytest.mark.slow  # AppTest runs the real page scripts
def test_meeting_mode_survives_page_switches_and_enlarges_the_home_headline():
    at = _open({**scenario_to_query(LINKED), present.PARAM: "1"}, page="app.py")
    assert _has_key(at, present.BIG_KPIS_KEY)
    at.query_params.pop(present.PARAM)  # a page link drops the query; the session keeps the mode
    at.switch_page(SCENARIO).run()
    assert _has_key(at, present.BIG_KPIS_KEY)
    assert at.query_params[present.PARAM] == present.ON, "put back into the URL"


@pytest.mark.parametrize(
    ("value", "on"),
    [("1", True), (" TRUE ", True), ("yes", True), ("on", True), (None, False), ("", False)]
    + [("0", False), ("false", False), ("11", False), ("1;drop", False)],
)
def test_which_values_switch_meeting_mode_on(value, on):
    assert present.is_on(value) is on
