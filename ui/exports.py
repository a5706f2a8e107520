"""Download the projection: CSV and Excel buttons for the Scenario page."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

import simulator
from simulator import export
from ui import text

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FALLBACK_STEM = "business"


@st.cache_data(max_entries=32, show_spinner=False)
def projection_files(
    evaluation: simulator.Evaluation, parameters: pd.DataFrame
) -> tuple[bytes, bytes]:
    """CSV and Excel bytes of the projection (:mod:`simulator.export`).

    Cached: writing the workbook takes about a tenth of a second, and a rerun that only moves
    another widget should not pay it again.
    """
    return export.projection_csv(evaluation), export.projection_xlsx(evaluation, parameters)


def file_stem(business_name: str) -> str:
    """``business_name`` reduced to ASCII letters, digits, ``-`` and ``_`` (never empty)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", business_name).strip("-_")
    return stem[:60] or FALLBACK_STEM


def download_block(
    evaluation: simulator.Evaluation, parameters: pd.DataFrame, business_name: str
) -> None:
    """A CSV and an Excel download button for ``evaluation``, with a caption saying what is in
    them. ``parameters`` is the scenario's :func:`simulator.assumptions.parameter_table`."""
    csv_bytes, xlsx_bytes = projection_files(evaluation, parameters)
    name = text.t("export.file_name", business=file_stem(business_name))
    st.subheader(text.t("export.header"))
    left, right = st.columns(2)
    left.download_button(
        text.t("export.csv"),
        data=csv_bytes,
        file_name=f"{name}.csv",
        mime=CSV_MIME,
        key="scenario_download_csv",
        help=text.t("export.csv.help"),
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
    )
    right.download_button(
        text.t("export.xlsx"),
        data=xlsx_bytes,
        file_name=f"{name}.xlsx",
        mime=XLSX_MIME,
        key="scenario_download_xlsx",
        help=text.t("export.xlsx.help"),
        on_click="ignore",
        icon=":material/table_view:",
        width="stretch",
    )
    st.caption(text.t("export.caption"))
