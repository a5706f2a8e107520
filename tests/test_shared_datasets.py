"""The shared real datasets (``../shared/data``) on the Data page: upload, map, calibrate, use.

Each test uploads one public dataset the way a planner would, checks what the page proposes,
makes only the corrections a planner would make by hand, calibrates, and checks the fitted
figures against the raw file read independently with pandas. The command line is covered by
``tests/test_cli_calibrate.py``.

The datasets sit beside the project, not in it: each test skips when they are absent.
Run with ``-s`` to see the per-segment figures; set ``SHARED_FIGURES=<path>`` to also write them
to a Markdown file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import simulator
from simulator.data.apply import LINK_LEVEL
from simulator.data.holdout import holdout_check
from ui import cached, data, text

APP = str(Path(__file__).resolve().parents[1] / "app.py")
DATA = "pages/3_Data.py"
SCENARIO = "pages/1_Scenario.py"
ASSUMPTIONS = "pages/2_Assumptions.py"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
BIG = 500
"""Segments with at least this many customers must have an sBG (or constant-churn) fit."""


@dataclass(frozen=True)
class Dataset:
    """One shared dataset: what the page should propose, the corrections, the expected result."""

    name: str
    kind: str
    tenure: str
    unit: str
    churned: str
    churned_value: str
    proposed_segment: str | None
    segment: str
    customers: int
    churned_count: int
    corrections: dict[str, str] = field(default_factory=dict)
    contacts: str | None = None
    km_blank: bool = False


BANK = Dataset(
    name="BankChurners.csv",
    kind="snapshot",
    tenure="Months_on_book",
    unit="months",
    churned="Attrition_Flag",
    churned_value="Attrited Customer",
    proposed_segment="Card_Category",
    segment="Card_Category",
    customers=10_127,
    churned_count=1_627,
    contacts="Contacts_Count_12_mon",
    # Nobody under 13 months: left-truncated at 12, the curve never starts below its entry.
    km_blank=True,
)
MODELLING = Dataset(
    name="Churn_Modelling.csv",
    kind="snapshot",
    tenure="Tenure",
    unit="years",
    churned="Exited",
    churned_value="1",
    proposed_segment="Geography",
    segment="Geography",
    customers=10_000,
    churned_count=2_037,
)
POWERCO = Dataset(
    name="powerco_client_data.csv",
    kind="snapshot",
    tenure="num_years_antig",
    unit="years",
    churned="churn",
    churned_value="1",
    proposed_segment=None,
    segment="origin_up",
    customers=14_606,
    churned_count=1_419,
    # The page proposes no segment (one "all" segment); a planner splits by the electricity
    # campaign the customer came from, `origin_up` (5 values), the natural segmentation of the
    # file (`channel_sales` is proposed as the acquisition channel already).
    corrections={"segment": "origin_up"},
    # Shortest tenure 12 months (1 year): left-truncated at 11, so S(12), S(24) are blank too.
    km_blank=True,
)


def _path(dataset: Dataset) -> Path:
    path = SHARED / dataset.name
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared datasets sit beside the project)")
    return path


def _expected(dataset: Dataset, raw_path: Path) -> pd.DataFrame:
    """Per segment from the raw CSV: customers, churned, customer-months at risk, monthly churn.

    A snapshot whose shortest tenure m exceeds one month is left-truncated at m - 1: each
    customer is at risk from that entry to their tenure (``churned / sum(tenure - entry)``).
    """
    raw = pd.read_csv(raw_path, dtype={dataset.churned: str})
    months = raw[dataset.tenure].astype(float) * (12.0 if dataset.unit == "years" else 1.0)
    shortest = months.min()
    entry = shortest - 1.0 if shortest > 1.0 else 0.0
    frame = pd.DataFrame(
        {
            "segment": raw[dataset.segment].astype(str),
            "churned": raw[dataset.churned].str.strip() == dataset.churned_value,
            "exposure": months - months.clip(upper=entry),
        }
    )
    grouped = frame.groupby("segment").agg(
        customers=("churned", "size"), churned=("churned", "sum"), exposure=("exposure", "sum")
    )
    grouped["monthly_churn"] = grouped["churned"] / grouped["exposure"]
    grouped["churn_share"] = grouped["churned"] / grouped["customers"]
    return grouped


def _count(value: str) -> int:
    return int(value.replace(",", ""))


def _frame(at: AppTest, column_key: str) -> pd.DataFrame | None:
    frames = [d.value for d in at.dataframe if text.t(column_key) in d.value.columns]
    return frames[0] if frames else None


def _figures(
    dataset: Dataset,
    fits: pd.DataFrame,
    expected: pd.DataFrame,
    links: dict[str, str],
    calibration: simulator.Calibration,
) -> str:
    """A compact Markdown table of the fitted figures (for the issue's note).

    The page's columns, plus the monthly churn to three decimals and the sBG fit the page hides
    when constant churn fits as well (in brackets, with the likelihood-ratio statistic).
    """

    def col(key: str) -> str:
        return text.t(key)

    lines = [
        f"### {dataset.name} (segment `{dataset.segment}`)",
        "",
        "| segment | customers | churned | raw churn share | monthly churn | alpha | beta "
        "| (sBG alpha, beta; LR) | KM12 | KM24 | holdout error | contacts HR | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for _, row in fits.iterrows():
        name = row[col("data.fit.segment")]
        share = expected.loc[name, "churn_share"]
        ratio = links.get(name, "")
        seg = calibration.segment(name)
        hidden = (
            f"({seg.fit.alpha:.3g}, {seg.fit.beta:.3g}; {seg.heterogeneity_lr:.2f})"
            if seg.fit is not None
            else ""
        )
        lines.append(
            "| "
            + " | ".join(
                [
                    str(name),
                    row[col("data.fit.customers")],
                    row[col("data.fit.churned")],
                    text.percent(share),
                    text.percent(seg.monthly_churn, digits=3),
                    row[col("data.fit.alpha")],
                    row[col("data.fit.beta")],
                    hidden,
                    row[col("data.fit.km12")],
                    row[col("data.fit.km24")],
                    row[col("data.fit.holdout")],
                    ratio,
                    str(row[col("data.fit.reason")]).replace("|", "/"),
                ]
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def _report(dataset: Dataset, table: str) -> None:
    print("\n" + table)
    target = os.environ.get("SHARED_FIGURES")
    if not target:
        return
    out = Path(target)
    out.parent.mkdir(parents=True, exist_ok=True)
    section = out.with_name(f"{out.stem}.{Path(dataset.name).stem}.md")
    section.write_text(table, encoding="utf-8")
    parts = [
        out.with_name(f"{out.stem}.{Path(d.name).stem}.md") for d in (BANK, MODELLING, POWERCO)
    ]
    out.write_text("\n".join(p.read_text() for p in parts if p.exists()), encoding="utf-8")


def _upload_calibrate_use(dataset: Dataset) -> None:
    path = _path(dataset)
    raw = path.read_bytes()
    expected = _expected(dataset, path)

    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(DATA).run()
    assert not at.exception
    at.file_uploader(key="data_upload").upload(dataset.name, raw, "text/csv").run()
    assert not at.exception
    assert not at.error

    # What the page proposes.
    def role(name: str) -> str:
        return at.selectbox(key=data.role_key(name)).value

    none = text.t("data.none")
    assert any(text.t(f"data.kind.{dataset.kind}") == c.value for c in at.caption)
    assert role("tenure") == dataset.tenure
    assert at.radio(key=data.TENURE_UNIT_KEY).value == dataset.unit
    assert role("churned") == dataset.churned
    assert role("segment") == (dataset.proposed_segment or none)
    assert role("satisfaction") == none
    assert role("contacts") == (dataset.contacts or none)

    # The planner's corrections (each explained on the dataset).
    for name, column in dataset.corrections.items():
        at.selectbox(key=data.role_key(name)).select(column).run()
        assert not at.exception
    assert role("segment") == dataset.segment
    assert not at.error
    assert any(text.t(f"data.kind.{dataset.kind}") == c.value for c in at.caption)

    at.button(key="data_calibrate").click().run()
    assert not at.exception
    assert not at.error
    _, mapping = at.session_state["calibrated_upload"]
    assert (mapping.kind, mapping.tenure, mapping.tenure_unit) == (
        dataset.kind,
        dataset.tenure,
        dataset.unit,
    )
    assert (mapping.churned, mapping.segment) == (dataset.churned, dataset.segment)
    # The calibration the page shows, recomputed under the page's mapping for exact figures
    # (the page's cache is session-scoped: this is ui.cached.upload_calibration's body).
    records = simulator.customer_records(
        simulator.read_table(raw, name=dataset.name), mapping, name=dataset.name
    )
    counts = simulator.count_records(records)
    interval = 12 if mapping.kind == "snapshot" and mapping.tenure_unit == "years" else 1
    calibration = simulator.calibrate(counts, tenure_interval_months=interval)
    assert data.fit_frame(
        cached.Calibrated(
            calibration=calibration,
            holdout=holdout_check(counts, tenure_interval_months=interval),
        ),
        at.session_state["business"].currency,
    ).equals(_frame(at, "data.fit.alpha"))

    fits = _frame(at, "data.fit.alpha")
    assert fits is not None
    links = _frame(at, "data.links.driver")
    ratios = {
        s.name: text.number(s.links["contacts"].hazard_ratio, decimals=3)
        for s in calibration.segments
        if "contacts" in s.links
    }
    warnings = "".join(f"- page warning: {w.value}\n" for w in at.warning)
    _report(dataset, _figures(dataset, fits, expected, ratios, calibration) + warnings)
    segment_col = text.t("data.fit.segment")
    assert set(fits[segment_col]) == set(expected.index)
    assert sum(map(_count, fits[text.t("data.fit.customers")])) == dataset.customers
    assert sum(map(_count, fits[text.t("data.fit.churned")])) == dataset.churned_count
    for _, row in fits.iterrows():
        name = row[segment_col]
        want = expected.loc[name]
        seg = calibration.segment(name)
        assert _count(row[text.t("data.fit.customers")]) == want["customers"]
        assert _count(row[text.t("data.fit.churned")]) == want["churned"]
        # Churned per customer-month at risk, computed independently from the raw file.
        assert seg.monthly_churn == pytest.approx(want["monthly_churn"], abs=1e-6)
        assert row[text.t("data.fit.monthly_churn")] == text.percent(want["monthly_churn"], 2)
        # Plausible: below the raw churn share (every customer was at risk for over a month)
        # and under 5% a month for these bank/energy customers.
        if want["churned"]:
            assert 0 < seg.monthly_churn < min(want["churn_share"], 0.05)
        if want["customers"] >= BIG:
            assert seg.fit is not None, seg.reason
            if seg.constant_churn_fits:
                assert row[text.t("data.fit.reason")] != ""
            else:
                assert row[text.t("data.fit.alpha")] != ""
                assert row[text.t("data.fit.beta")] != ""
                assert seg.fit.alpha > 0 and seg.fit.beta > 0
        if dataset.km_blank:
            assert row[text.t("data.fit.km12")] == ""
            assert row[text.t("data.fit.km24")] == ""
        elif want["customers"] >= BIG:
            assert 0 < seg.km_survival_24 < seg.km_survival_12 <= 1

    # No satisfaction column: the perception gap says so.
    assert any(text.t("data.gap.none") == i.value for i in at.info)

    if dataset.contacts is None:
        assert links is None
    else:
        assert links is not None
        contacts = links[links[text.t("data.links.driver")] == text.t("data.link.contacts")]
        shown = dict(
            zip(
                contacts[text.t("data.links.segment")],
                contacts[text.t("data.links.ratio")],
                strict=True,
            )
        )
        for name in expected.index[expected["customers"] >= BIG]:
            fit = calibration.segment(name).links["contacts"]
            # More contacts, more churn (everyone with 6 contacts churned).
            assert fit.hazard_ratio > 1
            assert shown[name] == ratios[name]

    at.button(key="data_use").click().run()
    assert not at.exception
    assert any(text.t("data.in_use", name=dataset.name) == s.value for s in at.success)
    at.switch_page(SCENARIO).run()
    assert not at.exception
    business = at.session_state["business"]
    assert {s.name for s in business.segments} == set(expected.index)
    for seg in calibration.segments:
        if seg.fit is None:
            continue
        fields = (
            {f"segments.{seg.name}.constant_monthly_churn"}
            if seg.constant_churn_fits
            else {f"segments.{seg.name}.sbg_alpha", f"segments.{seg.name}.sbg_beta"}
        )
        assert fields <= set(business.data_fields)
        used = business.segment(seg.name)
        if seg.constant_churn_fits:
            assert used.constant_monthly_churn == seg.constant_churn
        else:
            assert (used.sbg_alpha, used.sbg_beta) == (seg.fit.alpha, seg.fit.beta)
    if dataset.contacts:
        _assert_the_service_response_comes_from_the_data(at, business, calibration)


def _assert_the_service_response_comes_from_the_data(
    at: AppTest, business: simulator.Business, calibration: simulator.Calibration
) -> None:
    """The contacts the data measured set today's contact volume, each segment's significant
    contacts link sets its churn per contact, and the Assumptions page marks both as data (the
    rest of the service response stays an assumption and says so)."""
    measured = {"service.issues_per_customer_month"} | {
        f"segments.{seg.name}.contacts_churn_coefficient"
        for seg in calibration.segments
        if "contacts" in seg.links
        and seg.links["contacts"].significant(LINK_LEVEL)
        and seg.links["contacts"].coefficient > 0
    }
    assert len(measured) > 1
    assert measured <= set(business.data_fields)
    for seg in calibration.segments:
        if f"segments.{seg.name}.contacts_churn_coefficient" in measured:
            coefficient = business.segment(seg.name).contacts_churn_coefficient
            assert coefficient == pytest.approx(12.0 * seg.links["contacts"].coefficient)
    at.switch_page(ASSUMPTIONS).run()
    assert not at.exception
    editors = [at.data_editor(key=f"assumptions_editor_{g}") for g in ("segment", "service")]
    rows = pd.concat([editor.value for editor in editors])
    data_label, assumed = text.source_label("data"), text.source_label("assumption")
    for path in measured:
        assert rows.loc[path, "source"] == data_label, path
        assert rows.loc[path, "grade"] == text.grade_label("customer_data"), path
    assert rows.loc["service.max_csat_gain", "source"] == assumed


@pytest.mark.slow
def test_bank_churners_upload_calibrate_and_use():
    _upload_calibrate_use(BANK)


@pytest.mark.slow
def test_churn_modelling_upload_calibrate_and_use():
    _upload_calibrate_use(MODELLING)


@pytest.mark.slow
def test_powerco_upload_calibrate_and_use():
    _upload_calibrate_use(POWERCO)


def test_a_missing_shared_folder_skips_inside_the_test(monkeypatch):
    monkeypatch.setattr(f"{__name__}.SHARED", Path("/nonexistent/shared/data"))
    with pytest.raises(pytest.skip.Exception):
        _path(BANK)
