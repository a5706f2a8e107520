"""The Data page's price-history tab: learn the churn response to price from the firm's own rises
and use it on every page.

The planner gives the customer table (the one uploaded under "Calibrate from a file", or one
uploaded here) and the price history (one row per customer and price period); the column roles
are proposed (:func:`simulator.data.price_tables.propose_price_columns`, seeded with the customer
columns chosen in the first tab) and can be corrected. "Learn the price response" runs
:func:`simulator.data.price_response.calibrate_price_files` (cached in :mod:`ui.cached`), and the
page shows per segment the lasting hazard ratio per +10 % with its 90 % interval, the first-month
ratio, the customers exposed and in control, the method and the warnings. "Use this price
response" applies it (:func:`simulator.data.apply_price.apply_price_response`) to the business in
use: every page then uses it, the Assumptions page grades it as the firm's history, and the
Uncertainty page draws it from its interval.

Widget keys start with ``data_price_``; a new file in either uploader forgets the mapping.
Problems of either file are shown as the customer upload's are, never as a traceback.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

import simulator
from simulator.data.apply_price import PriceApplication, apply_price_response
from simulator.data.price_response import PriceResponse
from simulator.data.price_tables import PriceColumns, propose_price_columns
from ui import cached, data, saved, state, text
from ui.literal import PLAIN

PREFIX = "data_price_"
CUSTOMERS_KEY = f"{PREFIX}customers"
PRICES_KEY = f"{PREFIX}upload"
ROLES = ("id", "start", "end", "segment", "price_id", "price_date", "price")
"""The roles of :class:`~simulator.data.price_tables.PriceColumns`: four columns of the customer
table, then three of the price history."""
CUSTOMER_ROLES = ROLES[:4]
FIRST_TAB_UPLOAD = "data_upload"
"""The key of the Data page's customer-table uploader (the "Calibrate from a file" tab)."""
_LEARNT = "price_response_learnt"  # (customer digest, price digest, PriceColumns) asked to learn


def role_key(role: str) -> str:
    """Widget key of the selectbox for ``role``."""
    return f"{PREFIX}role_{role}"


def forget_mapping() -> None:
    """Drop the mapping widgets' state and the request to learn (on a new file)."""
    for role in ROLES:
        st.session_state.pop(role_key(role), None)
    st.session_state.pop(_LEARNT, None)


def _upload(widget: object, slot: str) -> cached.Upload | None:
    if widget is None:
        return None
    return state.upload(widget.file_id, widget.name, widget.getvalue(), slot=slot)


def customer_upload() -> tuple[cached.Upload | None, bool]:
    """The customer table to learn from: the one uploaded in this tab, else the first tab's;
    and True when it is the first tab's. Raises :class:`simulator.DataError` for a compressed
    file that holds no single table."""
    own = _upload(st.session_state.get(CUSTOMERS_KEY), "price_customers")
    if own is not None:
        return own, False
    return _upload(st.session_state.get(FIRST_TAB_UPLOAD), "customers"), True


def first_tab_columns() -> PriceColumns:
    """The customer-table columns the planner chose in the first tab (id, start, end, segment),
    where its mapping widgets have run; unset roles are proposed from the column names."""
    none = text.t("data.none")
    chosen = {}
    for role in CUSTOMER_ROLES:
        picked = st.session_state.get(data.role_key(role))
        if picked is not None and picked != none:
            chosen[role] = picked
    return PriceColumns(**chosen)


def columns_controls(
    customers: pd.DataFrame, prices: pd.DataFrame, proposed: PriceColumns
) -> PriceColumns:
    """One selectbox per role (the proposal preselected, "(none)" allowed); the columns chosen."""
    chosen = data.role_pickers(
        ROLES,
        columns=lambda role: [
            str(c) for c in (customers if role in CUSTOMER_ROLES else prices).columns
        ],
        label=lambda role: text.t(f"data.price.role.{role}"),
        proposed=proposed,
        key=role_key,
    )
    return PriceColumns(**chosen)


def _ratio(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return text.t("data.price.not_estimated")
    return text.number(value, decimals=2)


def _interval(interval: tuple[float, float] | None) -> str:
    if interval is None:
        return ""
    low, high = interval
    return f"{text.number(low, decimals=2)} – {text.number(high, decimals=2)}"


def response_frame(response: PriceResponse, application: PriceApplication) -> pd.DataFrame:
    """Per segment: the lasting hazard ratio per +10 %, its 90 % interval, the same in words,
    the first-month ratio, the customers exposed and in control, and the evidence grade it would
    have in the model (empty when it is not used)."""
    grades = {name: grade for name, _, grade in application.applied}
    rows = []
    for s in response.segments:
        ratio = s.hazard_ratio_per_10pct
        rows.append(
            {
                text.t("data.price.column.segment"): s.segment,
                text.t("data.price.column.ratio"): _ratio(ratio),
                text.t("data.price.column.interval"): _interval(s.hazard_ratio_per_10pct_interval),
                text.t("data.price.column.words"): (
                    "" if ratio is None else text.t("data.price.words", change=_more(ratio))
                ),
                text.t("data.price.column.first"): _ratio(s.first_month_hazard_ratio),
                text.t("data.price.column.exposed"): text.number(s.exposed_customers),
                text.t("data.price.column.control"): text.number(s.control_customers),
                text.t("data.price.column.evidence"): (
                    text.grade_label(grades[s.segment]) if s.segment in grades else ""
                ),
            }
        )
    return pd.DataFrame(rows)


def _more(ratio: float) -> str:
    """A hazard ratio as a change in monthly churn: 1.21 -> ``"+21%"``."""
    return text.signed_percent(ratio - 1.0, 0)


def response_notes(response: PriceResponse) -> tuple[list[str], list[str]]:
    """(how each segment was estimated, what weakens each estimate): one line per segment and
    method, one per segment and warning; the files' own warnings, which the core repeats in
    every segment, once each at the end."""
    methods = [
        text.t("data.price.method", segment=s.segment, message=s.method) for s in response.segments
    ]
    files = list(response.data_warnings)
    warnings = [
        text.t("data.price.warning", segment=s.segment, message=line)
        for s in response.segments
        for line in s.warnings
        if line not in files
    ]
    warnings += [text.t("data.price.file_warning", message=line) for line in files]
    return methods, warnings


def applied_line(application: PriceApplication) -> str:
    """What using the response changed: each segment's lasting price sensitivity and grade."""
    return "; ".join(
        text.t(
            "data.price.applied",
            markup=PLAIN,
            segment=name,
            value=text.number(value, decimals=2),
            grade=text.grade_label(grade),
        )
        for name, value, grade in application.applied
    )


def use(application: PriceApplication, name: str) -> None:
    """Make the business with the measured response the one every page uses; reruns the page,
    which then says so (or says why nothing could be used)."""
    if not application.applied:
        return
    state.set_business(application.business)
    said = text.t("data.price.in_use", name=name, segments=applied_line(application))
    saved.done(said, saved.GO_SCENARIO)


def results(response: PriceResponse, business: simulator.Business, prices_name: str) -> None:
    """The table per segment, the methods and warnings, and the button that uses it."""
    application = apply_price_response(business, response)
    st.subheader(text.t("data.price.result_header"))
    st.caption(text.t("data.price.result_caption", as_of=text.date(response.as_of)))
    st.dataframe(response_frame(response, application), hide_index=True, key="data_price_results")
    methods, warnings = response_notes(response)
    for line in warnings:
        st.warning(line, icon=":material/warning:")
    with st.expander(text.t("data.price.methods")):
        for line in methods:
            st.markdown(line)
    for segment, reason in application.skipped:
        st.warning(
            text.t("data.price.skipped", segment=segment, reason=reason), icon=":material/block:"
        )
    if not application.applied:
        names = ", ".join(s.name for s in business.segments)
        st.error(text.t("data.price.none_applied", segments=names), icon=":material/error:")
    if st.button(
        text.t("data.price.use"),
        key="data_price_use",
        help=text.t("data.price.use.help"),
        type="primary",
        icon=":material/check:",
        disabled=not application.applied,
    ):
        use(application, prices_name)


def section(limit: int) -> None:
    """The whole tab: both uploads, the mapping, the button that learns, the results."""
    st.markdown(text.t("data.price.intro"))
    st.file_uploader(
        text.t("data.price.customers"),
        type=list(data.FILE_TYPES),
        key=CUSTOMERS_KEY,
        help=text.t("data.price.customers.help", limit=limit),
        on_change=forget_mapping,
    )
    prices_file = st.file_uploader(
        text.t("data.price.upload"),
        type=list(data.FILE_TYPES),
        key=PRICES_KEY,
        help=text.t("data.price.upload.help", limit=limit),
        on_change=forget_mapping,
    )
    try:
        customers, from_first_tab = customer_upload()
        prices = _upload(prices_file, "prices")
        if customers is None:
            st.info(text.t("data.price.need_customers"), icon=":material/info:")
            return
        if from_first_tab:
            st.caption(text.t("data.price.from_first", name=customers.name))
        if prices is None:
            st.info(text.t("data.price.need_prices"), icon=":material/info:")
            return
        customer_table, price_table = cached.upload_table(customers), cached.upload_table(prices)
    except simulator.DataError as error:
        data.read_error(error, key="data_price_read_problems")
        return
    st.subheader(text.t("data.price.mapping_header"))
    st.caption(text.t("data.price.mapping_caption"))
    given = first_tab_columns() if from_first_tab else PriceColumns()
    proposed = propose_price_columns(customer_table, price_table, given)
    columns = columns_controls(customer_table, price_table, proposed)
    request = (customers.digest, prices.digest, columns)
    if st.button(
        text.t("data.price.learn"),
        key="data_price_learn",
        help=text.t("data.price.learn.help"),
        type="primary",
        icon=":material/query_stats:",
    ):
        st.session_state[_LEARNT] = request
    if st.session_state.get(_LEARNT) != request:
        return
    try:
        with st.spinner(text.t("data.price.progress")):
            response = cached.price_response(customers, prices, columns)
    except simulator.DataError as error:
        data.read_error(error, key="data_price_read_problems")
        return
    except ValueError as error:
        st.error(text.t("data.price.error", message=error), icon=":material/error:")
        return
    results(response, state.business(), prices.name)
