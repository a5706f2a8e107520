"""The decision memo: one offline HTML page with verdict, KPIs, charts and every assumption;
the charts as PNGs through Kaleido where a Chromium is installed."""

from __future__ import annotations

import dataclasses
import datetime
import html
import io
import logging
import os
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs
from streamlit.testing.v1 import AppTest

import simulator
from simulator.model.assumptions import parameter_table
from simulator.model.evidence import Evidence
from ui import charts, exports, kpis, memo, price_view, sections, text

from .user_text import shown

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CREATED = datetime.datetime(2026, 11, 23, 17, 5)
LINK = "http://localhost:8501/Scenario?price=0.05&fee=0"
HOSTILE_BUSINESS = '<script>alert("memo")</script> & Co'
HOSTILE_SEGMENT = "<img src=x onerror=alert(1)>"


class Document(HTMLParser):
    """What a browser would load and show: external resources, scripts, table rows by class."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.resources: list[tuple[str, str]] = []
        self.scripts = 0
        self.rows: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(source)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.scripts += tag == "script"
        for name in ("src", "href"):
            if found.get(name) and tag != "a":
                self.resources.append((tag, found[name] or ""))
        if tag == "table":
            self._table = found.get("class") or ""
        elif tag == "tr" and self._table is not None:
            self.rows.setdefault(self._table, []).append([])
        elif tag == "td" and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[self._table][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _memo(business: simulator.Business, link: str | None = LINK):
    scenario = simulator.example_scenario()
    evaluation = simulator.evaluate(business, scenario)
    parameters = parameter_table(business, scenario)
    source = memo.memo_html(
        business=business,
        scenario=scenario,
        evaluation=evaluation,
        parameters=parameters,
        created=CREATED,
        link=link,
    )
    return source, evaluation, parameters


@pytest.fixture(scope="module")
def sample():
    business = simulator.sample_business()
    source, evaluation, parameters = _memo(business)
    return business, source, evaluation, parameters, Document(source)


@pytest.fixture(scope="module")
def hostile():
    """A business and its first segment named like HTML that would run if not escaped."""
    business = simulator.sample_business()
    first = business.segments[0]
    renamed = dataclasses.replace(
        business,
        name=HOSTILE_BUSINESS,
        segments=(dataclasses.replace(first, name=HOSTILE_SEGMENT), *business.segments[1:]),
        core_segment=(
            HOSTILE_SEGMENT if business.core_segment == first.name else business.core_segment
        ),
    )
    return _memo(renamed, link='http://x/"><script>alert(2)</script>')[0]


def test_memo_is_one_utf8_html_document_with_title_and_date(sample):
    business, source, *_ = sample
    assert source.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in source
    assert f"<title>{text.t('memo.title', business=business.name)}</title>" in source
    assert text.date(CREATED.date()) in source


def test_memo_loads_nothing_from_the_network_and_embeds_plotlyjs_once(sample):
    *_, document = sample
    source = sample[1]
    assert document.resources == [], "no script src, stylesheet or image from anywhere"
    assert source.count(get_plotlyjs()[:500]) == 1
    assert "cdn.plot.ly" not in source.replace(get_plotlyjs(), "")
    assert source.count('class="plotly-graph-div"') == 5 + len(price_view.FIGURES)


def test_memo_states_the_plan_and_the_verdict_in_its_tone(sample):
    business, source, evaluation, *_ = sample
    scenario = simulator.example_scenario()
    verdict = html.escape(kpis.verdict(evaluation, business, scenario))
    tone = kpis.tone(evaluation, business)
    assert f'<p class="verdict {tone}">{verdict}</p>' in source
    assert html.escape(text.describe_scenario(scenario, business.currency)) in source


def test_memo_has_every_kpi_card_of_the_scenario_page(sample):
    business, _, evaluation, _, document = sample
    scenario = simulator.example_scenario()
    cards = [
        *kpis.value_cards(evaluation, scenario, business.currency),
        *kpis.customer_cards(evaluation, business, scenario),
        *kpis.customer_value_cards(evaluation, business),
    ]
    cells = [[c.label, c.value, c.delta or text.t("value.none")] for c in cards]
    expected = [[shown(cell) for cell in row] for row in cells]  # the cards' Markdown, as read
    assert [row for row in document.rows["kpis"] if row] == expected


def test_memo_has_the_breakeven_lines_without_markdown(sample):
    business, source, evaluation, *_ = sample
    start = source.index(html.escape(text.t("scenario.breakeven_header")))
    section = source[start : source.index(html.escape(text.t("price_view.header")))]
    assert "**" not in section, "bold Markdown is rendered as <strong>"
    assert "<strong>" in section
    for line in kpis.breakeven_lines(evaluation, business):
        assert html.escape(line.removeprefix("- ").split("**")[-1]) in section


def test_memo_lists_every_assumption_with_value_unit_source_and_grade(sample):
    business, _, _, parameters, document = sample
    rows = [row for row in document.rows["assumptions"] if row]
    assert len(rows) == len(parameters)
    ordered = pd.concat([sections.section_rows(parameters, s) for s in sections.SECTIONS])
    assert len(ordered) == len(parameters)  # every parameter in exactly one section
    for row, (_, parameter) in zip(rows, ordered.iterrows(), strict=True):
        label = text.parameter_label(parameter["parameter"])
        start = row.index(label)
        assert row[start : start + 5] == [
            label,
            memo.value_text(parameter["value"]),
            text.unit_label(parameter["unit"], business.currency),
            text.source_label(parameter["source"]),
            text.grade_label(parameter["grade"]),
        ]
        assert row[start + 5 :] in ([parameter["reference"]], [])
        owner = parameter["segment"]  # the segment or lever is named first, where a section has
        if start == 1:
            assert row[0] in (owner, text.lever_label(owner) if owner else "")
        else:
            assert owner == ""


def test_memo_shows_where_a_price_rise_stops_paying_and_the_price_response_graded(sample):
    business, source, evaluation, *_ = sample
    scenario = simulator.example_scenario()
    start = source.index(f"<h2>{html.escape(text.t('price_view.header'))}</h2>")
    section = source[start : source.index(html.escape(text.t("scenario.charts_header")))]
    curve = price_view.curve(business, scenario)
    point = price_view.plan_point(business, scenario)
    for sentence in (price_view.headline(curve, "EUR"), price_view.plan_sentence(point, "EUR")):
        assert html.escape(shown(sentence).split("**")[-1]) in section
    for name in price_view.FIGURES:
        assert f'id="memo-chart-price_{name}"' in section
    assert section.count(get_plotlyjs()[:500]) == 1  # the memo's first charts
    assert f"<h3>{html.escape(text.t('group.price'))}</h3>" in source
    wtp = text.parameter_label("wtp_median")
    assert html.escape(text.grade_label("published")) in source and html.escape(wtp) in source


def test_a_measured_price_response_is_graded_as_history_in_the_memo():
    business = simulator.sample_business()
    path = "segments.core.lasting_price_elasticity"
    measured = dataclasses.replace(
        business,
        data_fields=(path,),
        evidence=(
            Evidence(path=path, grade="history_with_control", low=0.3, high=0.8, note="fit"),
        ),
    )
    source, _, _ = _memo(measured)
    rows = [row for row in Document(source).rows["assumptions"] if row]
    core = [row for row in rows if text.parameter_label("lasting_price_elasticity") in row]
    assert text.grade_label("history_with_control") in core[0]
    assert "fit" in core[0]


def test_memo_links_back_to_the_scenario_and_says_how_it_was_made(sample):
    source = sample[1]
    assert f'<a href="{html.escape(LINK)}">' in source
    assert memo.MODEL_DOC in source
    assert memo.app_version() and memo.app_version() in source


def test_memo_without_a_link_has_no_link_line():
    source, *_ = _memo(simulator.sample_business(), link=None)
    assert text.t("memo.link") not in source


def test_memo_escapes_names_and_link_that_could_run_as_html(hostile):
    for raw in (HOSTILE_BUSINESS, HOSTILE_SEGMENT, "<script>alert(2)</script>"):
        assert raw not in hostile
    assert html.escape(HOSTILE_BUSINESS) in hostile
    assert html.escape(HOSTILE_SEGMENT) in hostile
    assert Document(hostile).resources == []


def test_value_text_reads_like_the_assumptions_page():
    assert memo.value_text(True) == text.t("value.yes")
    assert memo.value_text(12_000) == text.number(12_000)
    assert memo.value_text(0.0123456789) == "0.0123457"
    assert memo.value_text(10_000.0) == text.number(10_000)
    assert memo.value_text(None) == text.t("value.none")
    assert memo.value_text(float("nan")) == text.t("value.none")


def test_charts_zip_holds_one_png_per_chart_and_the_note():
    archive = zipfile.ZipFile(io.BytesIO(memo.charts_zip({"a": b"\x89PNG1"}, note="why")))
    assert archive.namelist() == ["a.png", "README.txt"]
    assert archive.read("a.png") == b"\x89PNG1"
    assert archive.read("README.txt").decode() == "why\n"


def test_no_browser_means_no_pngs_and_a_logged_reason(monkeypatch, caplog):
    for variable in memo.BROWSER_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(memo.shutil, "which", lambda name: None)
    with caplog.at_level(logging.WARNING, logger=memo.__name__):
        assert memo.chart_pngs({}) is None
    assert "no Chromium found" in caplog.text


def test_a_broken_browser_path_means_no_pngs_and_a_logged_reason(monkeypatch, caplog):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with caplog.at_level(logging.WARNING, logger=memo.__name__):
        assert memo.chart_pngs({}) is None
    assert "Kaleido failed" in caplog.text


@pytest.fixture
def chromium() -> str:
    path = memo.browser_path()
    if path is None:
        msg = "chromium not installed (apt-get install -y chromium, or set BROWSER_PATH)"
        if os.environ.get("CI"):
            pytest.fail(msg, pytrace=False)  # never let CI go green by skipping
        pytest.skip(msg)
    return path


@pytest.mark.slow  # starts a headless Chromium
def test_charts_draw_as_pngs_through_kaleido(chromium, sample):
    business, _, evaluation, *_ = sample
    figures = charts.scenario_figures(evaluation, business, simulator.example_scenario())
    pngs = memo.chart_pngs(figures)
    assert pngs is not None, f"Kaleido failed with {chromium}; see the log"
    assert tuple(pngs) == charts.SCENARIO_FIGURES
    for name, png in pngs.items():
        assert png.startswith(b"\x89PNG\r\n\x1a\n"), name
        assert len(png) > 20_000, name  # a drawn chart, not an empty canvas


def test_memo_file_is_the_memo_as_utf8_bytes(sample):
    business, _, evaluation, parameters, _ = sample
    data = exports.memo_file(
        business, simulator.example_scenario(), evaluation, parameters, LINK, text.language()
    ).decode("utf-8")
    assert html.escape(LINK) in data
    assert html.escape(kpis.verdict(evaluation, business, simulator.example_scenario())) in data


@pytest.mark.slow  # AppTest runs the real page scripts
def test_scenario_page_offers_the_memo_and_png_downloads():
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("pages/1_Scenario.py").run()
    assert not at.exception
    buttons = {button.key: button for button in at.download_button}
    assert buttons["scenario_download_memo"].label == text.t("export.memo")
    assert ("scenario_download_png" in buttons) == (memo.browser_path() is not None)
