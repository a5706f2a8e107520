"""The Data page: upload, mapping, problems, calibration, and using it on every page."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import io
import zipfile
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import simulator
from simulator.data.holdout import holdout_check
from simulator.data.synthetic import customers_to_csv, generate_customers
from simulator.model.assumptions import with_parameter
from ui import cached, charts, data, state, text
from ui.literal import PLAIN, PLOTLY

from .user_text import shown

APP = str(Path(__file__).resolve().parents[1] / "app.py")
DATA = "pages/3_Data.py"
SCENARIO = "pages/1_Scenario.py"
ASSUMPTIONS = "pages/2_Assumptions.py"


@cache
def customers_csv() -> bytes:
    table = generate_customers(
        simulator.sample_business(),
        as_of=datetime.date(2026, 9, 30),
        history_months=48,
        rng=np.random.default_rng(3),
    )
    return customers_to_csv(table).encode()


def _data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(DATA).run()
    assert not at.exception
    return at


def _upload(at: AppTest, name: str, raw: bytes) -> AppTest:
    at.file_uploader(key="data_upload").upload(name, raw, "text/csv").run()
    assert not at.exception
    return at


def _fit_table(at: AppTest):
    tables = [d for d in at.dataframe if text.t("data.fit.alpha") in d.value.columns]
    return tables[0].value if tables else None


@pytest.mark.slow
def test_without_a_file_the_page_shows_the_sample_calibration_in_use():
    at = _data_page()
    assert at.title[0].value == text.t("data.title")
    assert any(text.t("data.limit", limit=200) == c.value for c in at.caption)
    help_text = at.file_uploader(key="data_upload").proto.help
    assert help_text == text.t("data.upload.help", limit=200, large=20)  # aggregate's limits
    assert any(text.t("data.no_file", name="customers.csv") == i.value for i in at.info)
    fits = _fit_table(at)
    assert list(fits[text.t("data.fit.segment")]) == ["core", "price-sensitive"]
    # The app opened calibrated from the sample: the fit shown is the model in use.
    business = at.session_state["business"]
    core = cached.sample_calibrated().calibration.segment("core")
    assert business.segment("core").sbg_alpha == core.fit.alpha
    assert business.source("segments.core.sbg_alpha") == "data"
    links = [d.value for d in at.dataframe if text.t("data.links.driver") in d.value.columns]
    assert set(links[0][text.t("data.links.driver")]) == {
        text.t("data.link.satisfaction"),
        text.t("data.link.contacts"),
    }
    assert "data_sample_again" not in [b.key for b in at.button]


def test_the_links_table_keeps_its_cells_short_and_explains_them_below():
    calibration = cached.sample_calibrated().calibration
    business = simulator.apply_calibration(simulator.sample_business(), calibration)
    frame = data.links_frame(calibration, business)
    use = frame[text.t("data.links.use")]
    assert use.str.len().max() <= 50  # nothing cut off at the page's width
    notes = data.links_notes(calibration, frame)
    assert text.t("data.link.note.contacts") in notes
    # A segment whose link could not be fitted: "not fitted" in the cell, the reason below.
    core = calibration.segment("core")
    unfitted = replace(
        calibration,
        segments=(
            replace(core, links={}, link_reasons={"satisfaction": "too few churned customers"}),
        ),
    )
    frame = data.links_frame(unfitted, business)
    assert list(frame[text.t("data.links.use")]) == [text.t("data.link.unfitted")]
    assert data.links_notes(unfitted, frame) == [
        text.t(
            "data.link.note.unfitted",
            segment="core",
            driver=text.t("data.link.satisfaction"),
            reason="too few churned customers",
        )
    ]


def test_the_perception_gap_delta_points_the_way_it_reads():
    assert data.gap_delta(0.8, 0.323) == {
        "delta": text.t("data.gap.below", points="48"),
        "delta_arrow": "down",
    }
    assert data.gap_delta(0.3, 0.42) == {
        "delta": text.t("data.gap.above", points="12"),
        "delta_arrow": "up",
    }
    assert data.gap_delta(0.5, 0.503) == {"delta": text.t("data.gap.same"), "delta_arrow": "off"}


@pytest.mark.slow
def test_perception_gap_compares_belief_with_scores_and_carries_csat():
    at = _data_page()
    scores = cached.sample_calibrated().calibration.satisfaction
    metric = next(m for m in at.metric if m.label == text.t("data.gap.top_box"))
    assert metric.value == text.percent(scores.top_box_share)
    at.slider(key="data_gap_believed").set_value(60).run()
    metric = next(m for m in at.metric if m.label == text.t("data.gap.top_box"))
    assert metric.delta == data.gap_delta(0.6, scores.top_box_share)["delta"]
    at.session_state["business"] = with_parameter(at.session_state["business"], "service.csat", 0.5)
    at.button(key="data_gap_carry").click().run()
    assert not at.exception
    business = at.session_state["business"]
    assert business.service.csat == scores.satisfied_share
    assert business.source("service.csat") == "data"


@pytest.mark.slow
def test_upload_calibrate_and_use_the_calibration_on_every_page():
    at = _upload(_data_page(), "customers.csv", customers_csv())
    assert at.selectbox(key=data.role_key("start")).value == "start_date"
    assert at.selectbox(key=data.role_key("tenure")).value == text.t("data.none")
    assert not at.error
    at.button(key="data_calibrate").click().run()
    assert not at.exception
    fits = _fit_table(at)
    assert fits is not None
    assert list(fits[text.t("data.fit.segment")]) == ["core", "price-sensitive"]
    assert all(fits[text.t("data.fit.alpha")] != "")

    at.button(key="data_use").click().run()
    assert not at.exception
    assert any(text.t("data.in_use", name="customers.csv") == s.value for s in at.success)
    at.switch_page(SCENARIO).run()
    assert not at.exception
    business = at.session_state["business"]
    assert business.name == text.t("data.business_name", markup=PLAIN, name="customers.csv")
    assert any(business.name in shown(c.value) for c in at.caption)  # it says whose numbers
    assert "segments.core.sbg_alpha" in business.data_fields
    assert "segments.price-sensitive.sbg_beta" in business.data_fields
    at.switch_page(ASSUMPTIONS).run()
    assert not at.exception
    at.switch_page("app.py").run()  # Home no longer presents the sample table as the data
    assert not at.exception
    assert any(text.t("home.business_changed") == c.value for c in at.caption)


@pytest.mark.slow
def test_correcting_the_mapping_lists_errors_and_stops_calibration():
    at = _upload(_data_page(), "customers.csv", customers_csv())
    at.selectbox(key=data.role_key("start")).select(text.t("data.none")).run()
    assert not at.exception
    assert at.error  # no tenure and no start: nothing to measure
    assert at.button(key="data_calibrate").disabled
    assert _fit_table(at) is None


@pytest.mark.slow
@pytest.mark.parametrize("raw", [b"", b"\x00\x01\x02 not a table", b"a,b\n"])
def test_a_broken_file_shows_an_error_and_no_exception(raw):
    at = _upload(_data_page(), "broken.csv", raw)
    assert at.error
    assert _fit_table(at) is None


def _calibrated(entry: float = 0.0):
    records = simulator.customer_records(
        simulator.read_table(customers_csv(), name="c.csv"),
        simulator.propose_mapping(simulator.read_table(customers_csv(), name="c.csv")),
    )
    if entry:
        records = records[records["tenure_months"] > entry].assign(entry_months=entry)
    return simulator.calibrate(records)


def test_km_fit_figure_has_observed_steps_and_fitted_curve_per_segment():
    calibration = _calibrated()
    fig = charts.km_fit_figure(calibration, core="core")
    names = [trace.name for trace in fig.data]
    assert names == [
        text.t("chart.km.observed", markup=PLOTLY, segment="core"),
        text.t("chart.km.fitted", markup=PLOTLY, segment="core"),
        text.t("chart.km.observed", markup=PLOTLY, segment="price-sensitive"),
        text.t("chart.km.fitted", markup=PLOTLY, segment="price-sensitive"),
    ]
    observed, fitted = fig.data[0], fig.data[1]
    assert observed.line.shape == "hv" and fitted.line.dash == "dash"
    assert observed.y[0] == 1.0 and fitted.y[0] == pytest.approx(1.0)
    core = calibration.segment("core")
    assert fitted.y[-1] == pytest.approx(
        simulator.sbg_survival(core.fit.alpha, core.fit.beta, fitted.x[-1])
    )
    assert fig.layout.title.text == text.t("chart.km.title")


def test_km_fit_figure_conditions_the_fit_on_the_entry_tenure():
    calibration = _calibrated(entry=6.0)
    assert calibration.segment("core").entry_months == 6
    fig = charts.km_fit_figure(calibration)
    core = calibration.segment("core")
    fitted = fig.data[1]
    assert fitted.x[0] == 6.0 and fitted.y[0] == pytest.approx(1.0)
    expected = simulator.sbg_survival(core.fit.alpha, core.fit.beta, 18.0) / (
        simulator.sbg_survival(core.fit.alpha, core.fit.beta, 6.0)
    )
    assert np.interp(18.0, fitted.x, fitted.y) == pytest.approx(expected, rel=1e-3)
    assert fig.layout.title.subtitle.text == text.t("chart.km.subtitle_truncated")


def test_a_constant_churn_segment_shows_the_constant_churn_the_model_uses():
    """Where constant churn fits as well, the model uses (1 - c)^t, not the bounded sBG fit:
    the dashed curve is that one, and its legend says so."""
    rng = np.random.default_rng(7)
    n = 20_000
    paid = rng.geometric(0.02, n).astype(float)
    age = rng.integers(0, 60, n).astype(float)
    gone = paid <= age
    records = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "segment": "s",
            "tenure_months": np.where(gone, paid, age),
            "churned": gone,
            "entry_months": 0.0,
            "monthly_revenue": np.nan,
            "satisfaction": np.nan,
            "contacts": np.nan,
        }
    )
    calibration = simulator.calibrate(records)
    segment = calibration.segment("s")
    assert segment.constant_churn_fits
    fitted = charts.km_fit_figure(calibration).data[1]
    assert fitted.name == text.t("chart.km.constant", segment="s")
    c = segment.constant_churn
    assert np.asarray(fitted.y) == pytest.approx((1.0 - c) ** np.asarray(fitted.x))


def test_fit_warnings_say_which_way_a_poor_fit_misses():
    """A segment whose churn rises after the fitted tenures is overstated by the fit, one whose
    churn falls is understated; a good fit gets no warning."""
    rng = np.random.default_rng(5)
    n = 20_000
    age = rng.integers(0, 48, size=n)
    frames = []
    for name, before, after in (
        ("rising", 0.02, 0.30),
        ("falling", 0.08, 0.002),
        ("flat", 0.03, 0.03),
    ):
        early = rng.geometric(before, size=n)
        paid = np.where(early <= 24, early, 24 + rng.geometric(after, size=n))
        gone = paid <= age
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": [f"{name}{i}" for i in range(n)],
                    "segment": name,
                    "tenure_months": np.where(gone, paid, age).astype(float),
                    "churned": gone,
                    "entry_months": 0.0,
                    "monthly_revenue": np.nan,
                    "satisfaction": np.nan,
                    "contacts": np.nan,
                }
            )
        )
    records = pd.concat(frames, ignore_index=True)
    result = cached.Calibrated(
        calibration=simulator.calibrate(records), holdout=holdout_check(records)
    )
    limit = text.percent(data.HOLDOUT_LIMIT)
    assert data.fit_warnings(result) == [
        text.t("data.warn_holdout_over", segments="rising", limit=limit),
        text.t("data.warn_holdout_under", segments="falling", limit=limit),
    ]


def test_a_segment_without_a_fit_shows_only_its_observed_curve():
    records = simulator.customer_records(
        simulator.read_table(customers_csv(), name="c.csv"),
        simulator.propose_mapping(simulator.read_table(customers_csv(), name="c.csv")),
    )
    calibration = simulator.calibrate(records.head(20))
    fig = charts.km_fit_figure(calibration)
    assert all(trace.line.dash is None for trace in fig.data)


def test_a_constant_churn_segment_shows_no_alpha_beta_and_says_why():
    rng = np.random.default_rng(5)
    life = rng.geometric(0.02, 4000)  # everyone churns 2 % a month: no heterogeneity
    records = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(life.size)],
            "segment": "all",
            "tenure_months": np.minimum(life, 48).astype(float),
            "churned": life <= 48,
            "entry_months": 0.0,
            "monthly_revenue": np.nan,
            "satisfaction": np.nan,
            "contacts": np.nan,
        }
    )
    calibration = simulator.calibrate(records)
    assert calibration.segments[0].constant_churn_fits
    frame = data.fit_frame(
        cached.Calibrated(calibration=calibration, holdout=holdout_check(records)),
        "EUR",
    )
    row = frame.iloc[0]
    assert row[text.t("data.fit.alpha")] == "" and row[text.t("data.fit.beta")] == ""
    assert row[text.t("data.fit.reason")].startswith("no difference between loyal and fickle")


def _geometric_records(entry_months: float, cap: int = 48) -> pd.DataFrame:
    """4,000 customers churning 2 % a month (no heterogeneity), observed from ``entry_months``
    of tenure (those who left before are not in the table) up to ``cap`` months."""
    rng = np.random.default_rng(5)
    life = rng.geometric(0.02, 20_000)
    life = life[life > entry_months][:4000]
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(life.size)],
            "segment": "all",
            "tenure_months": np.minimum(life, cap).astype(float),
            "churned": life <= cap,
            "entry_months": float(entry_months),
            "monthly_revenue": np.nan,
            "satisfaction": np.nan,
            "contacts": np.nan,
        }
    )


def _notes(records: pd.DataFrame) -> list[str]:
    calibration = simulator.calibrate(records)
    notes = data.fit_notes(
        cached.Calibrated(calibration=calibration, holdout=holdout_check(records))
    )
    return [shown(note) for note in notes]  # as the reader sees them


def test_every_blank_in_the_fit_table_is_explained_under_it():
    # Constant churn: alpha and beta are blank, and the note says what is used instead.
    (line,) = _notes(_geometric_records(0))
    assert line.startswith("**all**: no difference between loyal and fickle customers")
    assert "survival" not in line  # both survival cells are filled
    # Nobody seen before 13 months of tenure (as BankChurners): survival at 12 and 24 is not
    # in the data, and the note says why.
    (line,) = _notes(_geometric_records(13))
    assert "no survival at 12 and 24 months" in line
    assert "first seen at 13 months of tenure" in line
    # Followed for at most 18 months: survival at 24 months cannot be read.
    (line,) = _notes(_geometric_records(0, cap=18))
    assert "no survival at 24 months, because no customer was followed that long" in line


def test_the_fit_notes_are_under_the_table_not_in_a_cut_off_column():
    at = _upload(_data_page(), "customers.csv", customers_csv())
    at.button(key="data_calibrate").click().run()
    (grid,) = [d for d in at.dataframe if text.t("data.fit.alpha") in d.value.columns]
    assert text.t("data.fit.reason") not in grid.proto.column_order
    assert text.t("data.fit.alpha") in grid.proto.column_order


def test_an_upload_is_cached_by_its_digest_not_by_hashing_its_bytes_on_every_call():
    raw = b"customer_id,tenure,churned\n" + b"c1,3,no\n" * 500_000  # 4.5 MB
    st.session_state.clear()
    upload = state.upload("file-1", "big.csv", raw)
    assert upload.digest == hashlib.sha256(raw).hexdigest()
    # The digest is computed once per uploaded file, not at every rerun.
    assert state.upload("file-1", "big.csv", b"not hashed again").digest == upload.digest
    other = b"customer_id,tenure,churned\nc2,1,no\n"
    assert state.upload("file-2", "big.csv", other).digest == hashlib.sha256(other).hexdigest()
    key = cached.BY_VALUE[cached.Upload](upload)  # what Streamlit hashes for each cached call
    assert len(key) < 200 and upload.digest in key and "big.csv" in key
    # Same bytes under another name, or other bytes under the same name: other entries.
    renamed = cached.Upload(name="other.csv", raw=raw, digest=upload.digest)
    assert key != cached.BY_VALUE[cached.Upload](renamed)
    assert key != cached.BY_VALUE[cached.Upload](state.upload("file-2", "big.csv", other))
    st.session_state.clear()


@pytest.mark.slow
def test_a_large_upload_is_counted_in_sql_with_the_same_fit(monkeypatch):
    # Above LARGE_FILE_BYTES the page maps a sample of the rows and counts the file with DuckDB
    # (simulator.data.sql), showing progress: the fit table is the one of the whole-file path.
    at = _upload(_data_page(), "customers.csv", customers_csv())
    at.button(key="data_calibrate").click().run()
    whole = _fit_table(at)
    st.cache_data.clear()  # AppTest sessions share the session-scoped caches
    monkeypatch.setattr(simulator.data.tables, "LARGE_FILE_BYTES", 0)
    reads = []
    check_and_count = cached.check_and_count
    monkeypatch.setattr(
        cached, "check_and_count", lambda *a, **k: reads.append(a) or check_and_count(*a, **k)
    )
    at = _upload(_data_page(), "customers.csv", customers_csv())
    assert at.selectbox(key=data.role_key("start")).value == "start_date"
    # The caption says the rows shown are a sample and the whole file is counted.
    said = [shown(c.value) for c in at.caption if "customers.csv" in shown(c.value)]
    assert said and "the whole file is checked and counted" in said[0], said
    at.button(key="data_calibrate").click().run()
    assert not at.exception
    pd.testing.assert_frame_equal(_fit_table(at), whole)
    # The whole file was read once: checked when mapped, its counts kept for calibrating.
    assert len(reads) == 1


@pytest.mark.slow
def test_without_a_revenue_column_the_planner_types_the_arpu():
    table = simulator.read_table(customers_csv(), name="c.csv").drop(columns="monthly_revenue")
    at = _upload(_data_page(), "norevenue.csv", table.to_csv(index=False).encode())
    at.button(key="data_calibrate").click().run()
    at.number_input(key="data_manual_arpu").set_value(55.0).run()
    at.button(key="data_use").click().run()
    assert not at.exception
    business = at.session_state["business"]
    for segment in business.segments:
        assert segment.arpu_per_month == 55.0
        assert business.source(f"segments.{segment.name}.arpu_per_month") == "user"


@pytest.mark.slow
def test_a_file_that_cannot_be_read_says_why_in_the_error_box():
    # The problems table cuts long text to a cell's width: a whole-file problem is also written
    # out in the error box, with its fix.
    at = _upload(_data_page(), "export.csv", b"\x00\x01\x02binary\x00" * 200)
    said = at.error[0].value.replace("\\", "")
    assert "export.csv" in said and "cannot be read" in said
    assert "This is not a text table (it looks like binary data)" in said
    assert "**Fix:** Upload the customer table as CSV, Parquet or Excel" in said
    assert len(at.dataframe[0].value) == 1  # the problems table is still there


@pytest.mark.slow
def test_a_compressed_upload_is_read_or_refused_with_what_to_do():
    at = _upload(_data_page(), "customers.csv.gz", gzip.compress(customers_csv()))
    assert not at.error
    assert any("customers.csv" in shown(c.value) for c in at.caption)  # the table inside
    at.button(key="data_calibrate").click().run()
    assert not at.exception and _fit_table(at) is not None
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("customers.csv", customers_csv())
        zipped.writestr("notes.txt", b"not a table")
    at = _upload(_data_page(), "export.zip", archive.getvalue())
    said = shown(at.error[0].value)
    assert "export.zip" in said and "holds 2 files (customers.csv, notes.txt)" in said
    assert "Upload the table itself" in said
    assert "data_calibrate" not in [b.key for b in at.button]  # nothing to calibrate
