"""The Data page's list of the customers most at risk from the plan's rise, and its download.

With an uploaded customer table calibrated, :func:`section` shows, for the plan on the Scenario
page, how many active customers the rise makes noticeably likelier to leave, the ten most
exposed, and a CSV of every active customer ranked by the added chance
(:mod:`simulator.decisions.at_risk`, cached in :mod:`ui.cached`). The business is the upload's
calibration applied to the business in use, as "Use this calibration" makes it, so the list is
right before and after the planner uses it. No Streamlit in the table builders.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import simulator
from simulator.data.mapping import ColumnMapping
from simulator.decisions.at_risk import at_risk_csv, window
from ui import cached, text
from ui.exports import CSV_MIME, file_stem
from ui.literal import PLAIN

NOTICEABLE = 0.05
"""An added chance of leaving of at least this (5 points) counts as noticeably more at risk."""
SHOWN = 10
"""Customers listed on the page (the download has every active customer)."""


def raises_price(scenario: simulator.Scenario) -> bool:
    """True when the plan raises what customers pay (a price rise or a fee)."""
    return scenario.price_change > 0 or scenario.monthly_fee > 0


def summary(table: pd.DataFrame) -> str:
    """How many active customers the rise makes noticeably likelier to leave, and by how much
    on average."""
    noticeable = int((table["added_risk"] >= NOTICEABLE).sum())
    return text.t(
        "data.risk.summary",
        customers=text.number(len(table)),
        count=text.number(noticeable),
        points=text.number(100 * NOTICEABLE),
        mean=text.number(100 * float(table["added_risk"].mean()), decimals=1),
    )


def top_frame(table: pd.DataFrame, currency: str, rows: int = SHOWN) -> pd.DataFrame:
    """The ``rows`` customers most at risk, formatted for the page."""
    top = table.head(rows)
    symbol = text.currency_symbol(currency).strip()
    return pd.DataFrame(
        {
            text.t("data.risk.column.id"): top["customer_id"].astype(str),
            text.t("data.risk.column.segment"): top["segment"].astype(str),
            text.t("data.risk.column.tenure"): top["tenure_months"].map(text.number),
            text.t("data.risk.column.price", currency=symbol): top["monthly_price"].map(
                lambda v: text.number(v, decimals=2)
            ),
            text.t("data.risk.column.position"): top["price_vs_market"].map(
                lambda v: text.percent(v, 0)
            ),
            text.t("data.risk.column.with"): top["leave_12m_with_rise"].map(text.percent),
            text.t("data.risk.column.without"): top["leave_12m_without_rise"].map(text.percent),
            text.t("data.risk.column.added"): top["added_risk"].map(text.signed_points),
        }
    )


def section(
    upload: cached.Upload,
    mapping: ColumnMapping,
    calibration: simulator.Calibration,
    business: simulator.Business,
    scenario: simulator.Scenario,
) -> None:
    """The subheader, what the list means, the summary, the ten most exposed and the
    download; or why there is no list (the plan raises no price)."""
    st.subheader(text.t("data.risk.header"))
    if not raises_price(scenario):
        st.info(text.t("data.risk.no_rise"), icon=":material/info:")
        return
    first, last = window(scenario)
    st.caption(
        text.t(
            "data.risk.caption",
            scenario=text.describe_scenario(scenario, business.currency).rstrip("."),
            first=first,
            last=last,
        )
    )
    applied = simulator.apply_calibration(business, calibration)
    try:
        table = cached.upload_at_risk(upload, mapping, applied, scenario)
    except ValueError as error:  # simulator.DataError included: named file, column and rows
        st.error(text.t("data.risk.error", message=error), icon=":material/error:")
        return
    if table.empty:
        st.info(text.t("data.risk.none"), icon=":material/info:")
        return
    st.markdown(summary(table))
    st.dataframe(top_frame(table, business.currency), hide_index=True, key="data_risk_top")
    if table.attrs.get("unknown_segment"):
        st.caption(text.t("data.risk.unknown", count=text.number(table.attrs["unknown_segment"])))
    stem = file_stem(applied.name)
    st.download_button(
        text.t("data.risk.download"),
        data=lambda: at_risk_csv(table),
        file_name=f"{text.t('data.risk.file_name', markup=PLAIN, business=stem)}.csv",
        mime=CSV_MIME,
        key="data_risk_download",
        help=text.t("data.risk.download.help"),
        on_click="ignore",
        icon=":material/download:",
    )
