"""Which parameters the Assumptions page and the decision memo show together: the groups of
:func:`simulator.model.assumptions.parameter_table`, with the price and fee response of every
group gathered in one section. Pure (no Streamlit), so the memo uses it too.
"""

from __future__ import annotations

import pandas as pd

EDITABLE_GROUPS = ("segment", "price", "service", "lever", "business")
"""Sections of the Assumptions page a user may edit, in page order: the groups of
:func:`simulator.model.assumptions.parameter_table` but "scenario", with the price and fee response
of every group gathered in "price" (:data:`PRICE_RESPONSE`)."""

PRICE_RESPONSE = frozenset(
    {
        # how existing customers respond: lasting, at notice, reservation prices
        "lasting_price_elasticity",
        "notice_shock_churn_per_10pct",
        "notice_multiplier_cap",
        "shock_half_life_months",
        "decrease_response_ratio",
        "price_threshold",
        "wtp_median",
        "wtp_log_sd",
        "wtp_exit_half_life_months",
        # prospects, competitors and word of mouth
        "acquisition_price_elasticity",
        "acquisition_share",
        "market_price_ratio",
        "negative_wom_per_defector",
        "negative_wom_half_life_months",
        # the contact wave
        "rise_contacts_per_100",
        "cancellation_contacts_per_defector",
        "wave_handling_time_factor",
        "overload_churn_increase",
        # fees and the market (business-wide)
        "fee_salience",
        "market_price_change",
        "market_price_change_month",
    }
)
"""Parameters of the price and fee response (docs/model.md), shown together in the "price"
section whichever group of the parameter table they belong to."""


def section_rows(table: pd.DataFrame, section: str) -> pd.DataFrame:
    """The rows of the parameter table one section of the Assumptions page shows: a group of
    the table (its price-response rows left out), "price" (every group's :data:`PRICE_RESPONSE`
    rows) or "scenario"."""
    price = table["parameter"].isin(PRICE_RESPONSE) & (table["group"] != "scenario")
    if section == "price":
        return table[price]
    return table[(table["group"] == section) & ~price]


SECTIONS = (*EDITABLE_GROUPS, "scenario")
"""Every section, in page order: the editable ones, then the scenario settings."""

__all__ = ["EDITABLE_GROUPS", "PRICE_RESPONSE", "SECTIONS", "section_rows"]
