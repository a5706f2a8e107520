"""Downloads for the Scenario page: the projection as CSV and Excel, the decision memo
(:mod:`ui.memo`) as HTML and, where a Chromium is installed, the charts as PNG images.

Every file is written in the session's language: the memo's words and numbers, the charts' labels,
the spreadsheets' column headers and sheet names (:func:`headers`, :func:`sheet_names`; the cells
stay numbers). The caches below are keyed by the language, so a session in Italian never
downloads the English file another session built.
"""

from __future__ import annotations

import datetime
import re

import pandas as pd
import streamlit as st

import simulator
from simulator.decisions import export
from ui import cached, charts, compare, memo, share, text
from ui.literal import PLAIN

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_MIME = "text/html"
ZIP_MIME = "application/zip"
FALLBACK_STEM = "business"


def headers() -> dict[str, str]:
    """Every exported column's header in the current language (English: the column names)."""
    columns = {
        *export.EXPORT_MONTHLY_COLUMNS,
        *export.EXPORT_PARAMETER_COLUMNS,
        *SEGMENT_COLUMNS,
        *compare.KPI_COLUMNS,
    }
    return {column: text.t(f"export.column.{column}", markup=PLAIN) for column in sorted(columns)}


def sheet_names() -> tuple[str, ...]:
    """The workbook's sheet names (:data:`simulator.decisions.export.SHEETS`), translated."""
    return tuple(text.t(f"export.sheet.{sheet.lower()}", markup=PLAIN) for sheet in export.SHEETS)


SEGMENT_COLUMNS = (
    "segment",
    "customers_end_baseline",
    "customers_end_scenario",
    "customers_lost",
    "extra_churned",
    "value_lost",
    "clv_baseline",
    "clv_scenario",
    "npv_baseline",
    "npv_scenario",
)
"""Columns of :attr:`simulator.Evaluation.segments`, the workbook's second sheet."""


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=cached.BY_VALUE)
def projection_files(
    business: simulator.Business, scenario: simulator.Scenario, language: str
) -> tuple[bytes, bytes]:
    """CSV and Excel bytes of the projection of ``scenario`` (:mod:`simulator.decisions.export`),
    headed in ``language`` (the current one: it keys the cache).

    Built when a download button is clicked (:func:`download_block`); cached, so the other
    format of the same scenario and a second click cost nothing. Keyed by the business and
    scenario (small frozen dataclasses), not by the evaluation and parameter table they give:
    hashing those DataFrames took a fifth of every Scenario-page rerun.
    """
    evaluation = cached.evaluate(business, scenario)
    parameters = cached.parameter_table(business, scenario)
    named = headers()
    return (
        export.projection_csv(evaluation, headers=named),
        export.projection_xlsx(evaluation, parameters, headers=named, sheets=sheet_names()),
    )


def file_stem(business_name: str) -> str:
    """``business_name`` reduced to ASCII letters, digits, ``-`` and ``_`` (never empty)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", business_name).strip("-_")
    return stem[:60] or FALLBACK_STEM


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=cached.BY_VALUE)
def memo_file(
    business: simulator.Business,
    scenario: simulator.Scenario,
    evaluation: simulator.Evaluation,
    parameters: pd.DataFrame,
    link: str | None,
    language: str,
) -> bytes:
    """The decision memo (:func:`ui.memo.memo_html`) as UTF-8 bytes, dated when first built,
    in ``language`` (the current one: it keys the cache).

    Cached: building it takes about half a second (five figures and plotly.js inline).
    """
    html = memo.memo_html(
        business=business,
        scenario=scenario,
        evaluation=evaluation,
        parameters=parameters,
        created=datetime.datetime.now().astimezone(),
        link=link,
        price_curve=cached.price_curve(business, scenario),
        plan_point=cached.plan_point(business, scenario),
    )
    return html.encode("utf-8")


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=cached.BY_VALUE)
def charts_file(
    business: simulator.Business,
    scenario: simulator.Scenario,
    evaluation: simulator.Evaluation,
    language: str,
) -> bytes:
    """The Scenario page's charts (the five monthly ones and the price-response view's three) as
    a zip of PNGs (:func:`ui.memo.chart_pngs`), or, when Kaleido fails, a zip holding only a
    README.txt that says so; labelled in ``language`` (the current one: it keys the cache).

    Cached: drawing them starts a headless Chromium and takes several seconds.
    """
    figures = {
        **charts.scenario_figures(evaluation, business, scenario),
        **{
            f"price_{name}": figure
            for name, figure in cached.price_figures(business, scenario, text.language()).items()
        },
    }
    pngs = memo.chart_pngs(figures)
    if pngs is not None:
        return memo.charts_zip(pngs)
    return memo.charts_zip({}, note=text.t("export.png.failed"))


def _download(column, what: str, data, file_name: str, mime: str, icon: str) -> None:
    """The full-width ``export.<what>`` download button; ``data`` may be a callable, run only
    when the button is clicked (Streamlit's deferred download)."""
    column.download_button(
        text.t(f"export.{what}"),
        data=data,
        file_name=file_name,
        mime=mime,
        key=f"scenario_download_{what}",
        help=text.t(f"export.{what}.help"),
        on_click="ignore",
        icon=icon,
        width="stretch",
    )


def download_block(
    evaluation: simulator.Evaluation,
    parameters: pd.DataFrame,
    business: simulator.Business,
    scenario: simulator.Scenario,
) -> None:
    """CSV, Excel and decision-memo download buttons for ``evaluation``, and a PNG-charts one
    where a Chromium is installed, with a caption saying what is in the projection files.

    ``parameters`` is the scenario's :func:`simulator.model.assumptions.parameter_table`. The memo
    links back to the scenario (:func:`ui.share.link`). Every file is built only when its
    button is clicked, so a slider move never pays for them (the workbook alone took about a
    tenth of a second).
    """
    stem = file_stem(text.business_name(business.name))
    link = share.link(scenario, share.SCENARIO_PATH)
    language = text.language()
    name = text.t("export.file_name", markup=PLAIN, business=stem)
    files = [
        (
            "csv",
            lambda: projection_files(business, scenario, language)[0],
            f"{name}.csv",
            CSV_MIME,
            ":material/download:",
        ),
        (
            "xlsx",
            lambda: projection_files(business, scenario, language)[1],
            f"{name}.xlsx",
            XLSX_MIME,
            ":material/table_view:",
        ),
        (
            "memo",
            lambda: memo_file(business, scenario, evaluation, parameters, link, language),
            f"{text.t('export.memo.file_name', markup=PLAIN, business=stem)}.html",
            HTML_MIME,
            ":material/description:",
        ),
    ]
    if memo.browser_path() is not None:
        files.append(
            (
                "png",
                lambda: charts_file(business, scenario, evaluation, language),
                f"{text.t('export.png.file_name', markup=PLAIN, business=stem)}.zip",
                ZIP_MIME,
                ":material/image:",
            )
        )
    st.subheader(text.t("export.header"))
    for column, file in zip([*st.columns(2), *st.columns(2)], files, strict=False):
        _download(column, *file)
    st.caption(text.t("export.caption"))


def comparison_block(kpis: pd.DataFrame) -> None:
    """A CSV download of the Compare page's KPI table (one row per KPI and scenario)."""
    st.download_button(
        text.t("export.compare"),
        data=export.comparison_csv(kpis, headers=headers()),
        file_name=f"{text.t('export.compare.file_name')}.csv",
        mime=CSV_MIME,
        key="compare_download_csv",
        help=text.t("export.compare.help"),
        on_click="ignore",
        icon=":material/download:",
    )
