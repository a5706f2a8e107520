"""The Compare page: the KPI table and overlaid charts as values, and the page with a real store
(save, compare, open, delete with confirmation, an unavailable database)."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import simulator
from simulator.decisions import export
from ui import cached, compare, kpis, text
from ui.store import STORE_PATH_VARIABLE, STORE_URL_VARIABLE, Store

from .conftest import APP_BUSINESS, two_segment_business, uploaded_firm
from .user_text import shown

APP = str(Path(__file__).resolve().parents[1] / "app.py")
COMPARE = "pages/6_Compare.py"
DATA = "pages/3_Data.py"
SCENARIO = simulator.example_scenario()
RISE = dataclasses.replace(SCENARIO, price_change=0.10)


def _item(label: str, business: simulator.Business, scenario: simulator.Scenario):
    return compare.Compared(
        label=label,
        business=business,
        scenario=scenario,
        evaluation=simulator.evaluate(business, scenario),
    )


@pytest.fixture
def store(tmp_path, monkeypatch) -> Store:
    """A fresh SQLite store that the app's cached store uses too."""
    monkeypatch.delenv(STORE_URL_VARIABLE, raising=False)
    monkeypatch.setenv(STORE_PATH_VARIABLE, str(tmp_path / "store.sqlite"))
    cached.store.clear()
    yield cached.store()
    cached.store.clear()


def _compare_page(business: simulator.Business | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if business is not None:
        at.session_state["business"] = business
    at.run()
    at.switch_page(COMPARE).run()
    assert not at.exception, at.exception
    return at


# --- the table and the charts as values -------------------------------------------------------


def test_kpi_frame_takes_every_number_from_the_evaluation():
    items = [_item("A", APP_BUSINESS, SCENARIO), _item("B", APP_BUSINESS, RISE)]
    frame = compare.kpi_frame(items).set_index(["kpi", "scenario"])
    assert list(compare.kpi_frame(items).columns) == list(compare.KPI_COLUMNS)
    for item in items:
        ev = item.evaluation
        assert frame.loc[("delta_npv", item.label), "value"] == ev.delta_npv
        assert frame.loc[("npv", item.label), "value"] == ev.scenario.npv
        assert frame.loc[("payback", item.label), "value"] == ev.payback_month
        assert frame.loc[("revenue", item.label), "value"] == pytest.approx(
            ev.scenario.monthly["revenue"].sum(), rel=1e-12
        )
        now, base = kpis.customers_end(ev)
        assert frame.loc[("customers_change", item.label), "value"] == pytest.approx(now - base)
        assert frame.loc[("price_change", item.label), "value"] == item.scenario.price_change
    a, b = (frame.loc[("delta_npv", label)] for label in "AB")
    assert a["difference"] == 0.0
    assert b["difference"] == pytest.approx(b["value"] - a["value"], rel=1e-12)
    assert pd.isna(frame.loc[("business", "B"), "difference"])


def test_kpi_table_shows_differences_from_the_first_only_where_there_are_some():
    items = [_item("A", APP_BUSINESS, SCENARIO), _item("B", APP_BUSINESS, RISE)]
    table = compare.kpi_table(items)
    assert list(table.columns) == ["A", "B"]
    price, csat = text.t("compare.kpi.price_change"), text.t("compare.kpi.csat")
    assert table.loc[price, "A"] == "+5.0%"
    assert table.loc[price, "B"] == "+10.0% (+5.0 pts)"
    assert table.loc[csat, "B"] == table.loc[csat, "A"]  # same service: no "(0.0 pts)"
    payback = [item.evaluation.payback_month for item in items]
    assert table.loc[text.t("compare.kpi.payback"), "B"] == (
        f"Month {payback[1]} ({payback[1] - payback[0]:+d} months)"
    )
    assert "(" not in "".join(table["A"])  # the reference column has no differences


def test_a_payback_that_never_comes_reads_as_a_dash_without_a_difference():
    never = SCENARIO.without_changes()
    items = [_item("A", APP_BUSINESS, SCENARIO), _item("B", APP_BUSINESS, never)]
    table = compare.kpi_table(items)
    assert items[1].evaluation.payback_month is None
    assert table.loc[text.t("compare.kpi.payback"), "B"] == text.t("value.none")


def test_the_table_shows_the_scenario_page_cards_figures_as_the_cards_show_them():
    """A figure read off a Scenario card in a meeting is the one the comparison shows."""
    item = _item("A", APP_BUSINESS, SCENARIO)
    table = compare.kpi_table([item])["A"]
    cards = {
        card.label: card.value
        for card in kpis.value_cards(item.evaluation, SCENARIO, APP_BUSINESS.currency)
    }
    assert item.evaluation.roi is not None and item.evaluation.payback_month is not None
    assert cards[text.t("kpi.roi")] == table[text.t("compare.kpi.roi")]
    assert cards[text.t("kpi.payback")] == table[text.t("compare.kpi.payback")]  # "Month 5"


def test_unique_labels_number_repeats():
    assert compare.unique_labels(["Plan", "Plan", "Other", "Plan"]) == [
        "Plan",
        "Plan (2)",
        "Other",
        "Plan (3)",
    ]


def test_charts_draw_one_line_per_scenario_and_each_distinct_no_change_once():
    same = [_item("A", APP_BUSINESS, SCENARIO), _item("B", APP_BUSINESS, RISE)]
    figure = compare.customers_figure(same)
    names = [trace.name for trace in figure.data]
    assert names == ["A", "B", text.t("compare.no_change")]
    total = same[1].evaluation.scenario.total("customers")
    assert list(figure.data[1].y) == pytest.approx(list(total))
    other = [*same, _item("C", two_segment_business(), SCENARIO)]
    names = [trace.name for trace in compare.revenue_figure(other).data]
    assert names[:3] == ["A", "B", "C"]
    assert len(names) == 5  # two different businesses: two no-change lines, each named
    cash = compare.cash_flow_figure(same)
    assert [trace.name for trace in cash.data] == ["A", "B"]
    expected = same[0].evaluation.cumulative_cash_flow_difference
    assert list(cash.data[0].y) == pytest.approx(list(expected))


def test_the_comparison_csv_neutralises_formula_looking_names_and_keeps_its_own_units():
    firm = dataclasses.replace(APP_BUSINESS, name="+cmd|' /C calc'!A0")
    items = [_item("=HYPERLINK(1)", APP_BUSINESS, SCENARIO), _item("B", firm, RISE)]
    read = pd.read_csv(io.BytesIO(export.comparison_csv(compare.kpi_frame(items))))
    assert set(read["scenario"]) == {"'=HYPERLINK(1)", "B"}
    business = read[read["kpi"] == "business"].set_index("scenario")["value"]
    assert business["B"] == "'+cmd|' /C calc'!A0"
    assert business["'=HYPERLINK(1)"] == APP_BUSINESS.name
    units = set(read["unit"])
    assert {"+fraction", "+money", "+count"} <= units and not any(u.startswith("'") for u in units)
    assert len(read) == 2 * len(compare.ROWS)


# --- the page ------------------------------------------------------------------------------


def test_save_compare_open_and_delete_with_confirmation(store):
    at = _compare_page()
    assert at.multiselect(key="compare_choice").value == ["current"]
    at.text_input(key="save_scenario_name").input("Plan A")
    at.text_area(key="save_scenario_notes").input("for the board")
    at.text_input(key="save_scenario_author").input("Ann")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert [s.value for s in at.success] == [text.t("saved.saved", name="Plan A")]
    (saved,) = store.scenarios()
    assert (saved.name, saved.notes, saved.author) == ("Plan A", "for the board", "Ann")
    assert saved.scenario == SCENARIO and saved.calibration_id is None

    at.multiselect(key="compare_choice").select(saved.id).run()
    table = at.table[0].value
    assert list(table.columns) == [text.t("compare.current"), "Plan A"]
    assert len(at.get("plotly_chart")) == 3

    at.selectbox(key="saved_scenario_pick").select(saved.id).run()
    at.button(key="saved_delete_scenario").click().run()
    assert [w.value for w in at.warning] == [text.t("saved.delete_confirm.scenario", name="Plan A")]
    at.button(key="saved_delete_no_scenario").click().run()
    assert store.scenario(saved.id) is not None  # cancelled: still there
    at.button(key="saved_delete_scenario").click().run()
    at.button(key="saved_delete_yes_scenario").click().run()
    assert not at.exception
    assert store.scenarios() == []
    assert text.t("saved.deleted", name="Plan A") in [s.value for s in at.success]


def test_opening_a_saved_scenario_moves_the_sliders_to_it(store):
    saved = store.save_scenario(name="Big rise", scenario=RISE)
    at = _compare_page()
    at.selectbox(key="saved_scenario_pick").select(saved.id).run()
    at.button(key="saved_open_scenario").click().run()
    assert not at.exception
    assert at.session_state["scenario"] == RISE
    assert at.slider(key="scenario_price_change_pct").value == pytest.approx(10.0)


def test_a_scenario_saved_on_a_calibrated_business_saves_that_business_too(store):
    calibrated = dataclasses.replace(two_segment_business(), name="Calibrated firm")
    at = _compare_page(calibrated)
    at.text_input(key="save_scenario_name").input("On my data")
    at.button[0].click().run()
    assert not at.exception
    (saved,) = store.scenarios()
    (calibration,) = store.calibrations()
    assert saved.calibration_id == calibration.id
    assert calibration.business == calibrated

    # A fresh session (the sample in use) compares it on the business it was saved with.
    fresh = _compare_page()
    fresh.multiselect(key="compare_choice").set_value(["current", saved.id]).run()
    business_row = fresh.table[0].value.loc[text.t("compare.kpi.business")]
    assert list(business_row) == [APP_BUSINESS.name, "Calibrated firm"]
    fresh.selectbox(key="saved_scenario_pick").select(saved.id).run()
    fresh.button(key="saved_open_scenario").click().run()
    assert fresh.session_state["business"] == calibrated


def test_a_scenario_whose_calibration_was_deleted_is_left_out_with_a_warning(store):
    calibration = store.save_calibration(
        name="Gone", business=two_segment_business(), fit_summary=()
    )
    saved = store.save_scenario(name="Orphan", scenario=SCENARIO, calibration_id=calibration.id)
    store.delete_calibration(calibration.id)
    at = _compare_page()
    at.multiselect(key="compare_choice").set_value(["current", saved.id]).run()
    assert not at.exception
    assert text.t("saved.open_gone", name="Orphan") in [w.value for w in at.warning]
    assert list(at.table[0].value.columns) == [text.t("compare.current")]


def test_an_unreachable_database_is_reported_and_the_comparison_still_works(monkeypatch):
    monkeypatch.setenv(STORE_URL_VARIABLE, "postgresql+psycopg://nobody@127.0.0.1:1/none")
    cached.store.clear()
    try:
        at = _compare_page()
    finally:
        cached.store.clear()
    (error,) = at.error
    assert error.value.startswith(text.t("saved.unavailable", message="").split(":")[0])
    assert list(at.table[0].value.columns) == [text.t("compare.current")]


# --- saved calibrations on the Data page -----------------------------------------------------


def _use_upload(at: AppTest) -> AppTest:
    raw, _ = uploaded_firm()
    at.file_uploader(key="data_upload").upload("firm.csv", raw, "text/csv").run()
    at.button(key="data_calibrate").click().run()
    at.button(key="data_use").click().run()
    assert not at.exception
    return at


@pytest.mark.slow
def test_a_calibration_is_saved_with_its_fit_summary_and_used_by_a_fresh_session(store):
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(DATA).run()
    assert text.t("saved.calibration_sample") in [c.value for c in at.caption]
    _use_upload(at)
    in_use = at.session_state["business"]
    at.text_area(key="save_calibration_notes").input("Q3 extract")
    at.text_input(key="save_calibration_author").input("Ann")
    submit = next(b for b in at.button if b.label == text.t("saved.calibration_save"))
    submit.click().run()
    assert not at.exception
    (saved,) = store.calibrations()
    assert saved.business == in_use
    assert (saved.name, saved.notes, saved.author) == (in_use.name, "Q3 extract", "Ann")
    assert [row["segment"] for row in saved.fit_summary] == ["core", "price-sensitive"]
    assert all(0 < row["monthly_churn"] < 1 for row in saved.fit_summary)
    assert all(row["holdout_mean_abs_error"] >= 0 for row in saved.fit_summary)

    fresh = AppTest.from_file(APP, default_timeout=120).run()
    fresh.switch_page(DATA).run()
    fresh.selectbox(key="saved_calibration_pick").select(saved.id).run()
    fresh.button(key="saved_use_calibration").click().run()
    assert not fresh.exception
    assert fresh.session_state["business"] == in_use
    assert text.t("data.in_use", name=saved.name) in [s.value for s in fresh.success]

    # A scenario saved now refers to the saved calibration instead of saving it again.
    fresh.switch_page(COMPARE).run()
    fresh.text_input(key="save_scenario_name").input("Plan on Q3")
    fresh.button[0].click().run()
    (scenario,) = store.scenarios()
    assert scenario.calibration_id == saved.id
    assert len(store.calibrations()) == 1


# --- a share link carries the saved calibration by id ----------------------------------------


def _link_notices(at: AppTest) -> list[str]:
    """The link notices as the reader sees them (the link's values are escaped Markdown)."""
    return [shown(w.value) for w in at.warning if w.icon == ":material/link_off:"]


def test_a_link_names_the_saved_calibration_and_opens_on_it(store):
    from simulator.decisions.scenario_file import scenario_to_query

    firm = dataclasses.replace(two_segment_business(), name="Linked firm")
    saved = store.save_calibration(name="Linked firm", business=firm, fit_summary=())
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({**scenario_to_query(RISE), "cal": saved.id})
    at.run()
    at.switch_page("pages/1_Scenario.py").run()
    assert not at.exception and not _link_notices(at)
    assert at.session_state["business"] == firm
    assert f"cal={saved.id}" in at.code[0].value
    assert at.query_params["cal"] == saved.id
    expected = simulator.evaluate(firm, RISE)
    label = text.t("kpi.npv", period=text.period(RISE.horizon_months))
    (card,) = [m for m in at.metric if m.label == label]
    assert card.value == text.money(expected.scenario.npv, firm.currency, compact=True)


def test_a_link_to_a_missing_calibration_opens_on_the_sample_with_a_notice(store):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"cal": "0" * 32})
    at.run()
    assert not at.exception
    assert at.session_state["business"] == APP_BUSINESS
    (notice,) = _link_notices(at)
    assert text.t("share.calibration_missing") in notice
    assert "cal" not in at.query_params  # the URL no longer claims it
    malformed = AppTest.from_file(APP, default_timeout=120)
    malformed.query_params.update({"cal": "<script>"})
    malformed.run()
    assert not malformed.exception and malformed.session_state["business"] == APP_BUSINESS


def test_the_share_box_warns_while_the_business_in_use_is_not_saved(store):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["business"] = two_segment_business()
    at.run()
    at.switch_page("pages/1_Scenario.py").run()
    assert not at.exception
    assert text.t("share.unsaved_business") in [w.value for w in at.warning]
    assert "cal=" not in at.code[0].value
