"""From a customer table to the business it describes: active base, ARPU and acquisition.

A customer table has one row per customer with the columns of the bundled sample
(``sample_data/customers.csv``, :data:`simulator.synthetic.CUSTOMER_COLUMNS`): ``customer_id``,
``segment``, ``start_date``, ``end_date`` (empty while active), ``monthly_revenue`` and
``acquisition_channel``. :func:`business_from_customers` measures what the data says directly
(no model fitting) and puts it into a template business; :func:`summarize_customers` is the
overview the Home page shows. Both take DataFrames, never paths.

Conventions (the engine's timing, model.md "Time and money conventions"):

* month index = year * 12 + month - 1; a customer pays in every month from its start month up to,
  not including, the month of its end date;
* tenure at ``as_of`` = whole months completed since ``start_date`` (end-of-month clipping, so
  with ``as_of`` on a month end it is the number of calendar months between start and as-of
  month): tenure 0 = joined in the as-of month;
* a customer is active at ``as_of`` if it started on or before ``as_of`` and has no end date or
  one after ``as_of``; customers starting after ``as_of`` are ignored;
* the trailing 12 months are the calendar months ``m - 11`` to ``m``, ``m`` the month of
  ``as_of``.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import replace
from typing import IO

import numpy as np
import pandas as pd

from simulator.params import Business, Segment
from simulator.sample import sample_business
from simulator.synthetic import SAMPLE_AS_OF, completed_months

REQUIRED_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "segment",
    "start_date",
    "end_date",
    "monthly_revenue",
)
"""Columns :func:`business_from_customers` needs; ``acquisition_channel`` is optional."""

REFERRAL_CHANNEL = "referral"
"""``acquisition_channel`` value of referred customers; every other value counts as paid."""

TRAILING_MONTHS = 12
"""Window of the acquisition and referral measurements, in months."""

MEASURED_FIELDS: tuple[str, ...] = (
    "base_customers_by_tenure",
    "arpu_per_month",
    "paid_acquisitions_per_month",
    "referral_rate_per_month",
)
"""Segment fields :func:`business_from_customers` replaces (when the data support them)."""

SUMMARY_COLUMNS: tuple[str, ...] = (
    "segment",
    "customers",
    "active",
    "churned",
    "churn_share",
    "mean_tenure_months",
    "arpu_per_month",
)
"""Columns of :func:`summarize_customers`."""


def read_customer_table(raw: bytes | IO[bytes] | IO[str]) -> pd.DataFrame:
    """Read a customer table in the sample's own CSV format (not the tolerant upload reader).

    Parameters
    ----------
    raw
        CSV bytes or an open file with the columns of ``sample_data/customers.csv``.

    Returns
    -------
    pandas.DataFrame
        The columns as written, ``start_date`` and ``end_date`` parsed as datetimes (NaT when
        empty), ``customer_id``, ``segment`` and ``acquisition_channel`` as text.
    """
    source = io.BytesIO(raw) if isinstance(raw, bytes) else raw
    table = pd.read_csv(
        source,
        dtype={"customer_id": str, "segment": str, "acquisition_channel": str},
        keep_default_na=False,
        na_values={"end_date": [""], "monthly_revenue": [""]},
    )
    for column in ("start_date", "end_date"):
        if column in table:
            table[column] = _dates(table, column)
    return table


def business_from_customers(
    table: pd.DataFrame, *, as_of: datetime.date, template: Business
) -> Business:
    """The template business with each segment's base, ARPU and acquisition measured from data.

    Per segment of the table:

    * ``base_customers_by_tenure``: active customers at ``as_of`` by tenure in months
      (element n = tenure n, up to the longest tenure);
    * ``arpu_per_month``: mean ``monthly_revenue`` of the active customers (currency);
    * ``paid_acquisitions_per_month``: starts in the trailing 12 months through any channel other
      than ``"referral"``, divided by 12 (customers per month);
    * ``referral_rate_per_month``: ``"referral"`` starts in the trailing 12 months per active
      customer-month of the month before each start (the engine's timing: referrals in month t
      come from the customers of month t - 1), i.e. referral starts in months m-11..m over the
      customer-months of months m-12..m-1 (referrals per customer-month).

    Each replaced field is listed in ``data_fields`` as ``"segments.<name>.<field>"``. A field is
    kept from the template when the data cannot measure it (no active customers: base and ARPU;
    no ``acquisition_channel`` column or no customer-months: referral rate). Template segments
    absent from the table keep all their values.

    Parameters
    ----------
    table
        One row per customer with at least :data:`REQUIRED_COLUMNS`; dates as datetimes or ISO
        text, ``end_date`` empty/NaT while active.
    as_of
        Date the table describes (normally a month end; see :data:`SAMPLE_AS_OF`).
    template
        Business supplying everything the table does not measure (costs, retention priors,
        price and service responses) and the segment names.

    Returns
    -------
    Business
        A new business (the template is unchanged).

    Raises
    ------
    ValueError
        A required column is missing, dates or revenues do not parse, a start date is empty, or
        the table has segments the template does not know (all such segments are named).
    """
    data = _prepare(table, as_of)
    known = [s.name for s in template.segments]
    unknown = sorted(set(data["segment"]) - set(known))
    if unknown:
        raise ValueError(
            f"segment: the data has segment(s) {', '.join(map(repr, unknown))} that the business "
            f"does not have; its segments are {', '.join(map(repr, known))}"
        )
    m = as_of.year * 12 + as_of.month - 1
    segments: list[Segment] = []
    fields: list[str] = list(template.data_fields)
    for seg in template.segments:
        rows = data[data["segment"] == seg.name]
        if rows.empty:
            segments.append(seg)
            continue
        changes = _measure(rows, m, has_channel="acquisition_channel" in table.columns)
        segments.append(replace(seg, **changes))
        fields.extend(f"segments.{seg.name}.{name}" for name in MEASURED_FIELDS if name in changes)
    return replace(template, segments=tuple(segments), data_fields=tuple(dict.fromkeys(fields)))


def sample_business_from_table(table: pd.DataFrame) -> Business:
    """The business the app opens with: the sample business measured from the sample table.

    ``business_from_customers(table, as_of=SAMPLE_AS_OF, template=sample_business())``; ``table``
    is ``sample_data/customers.csv`` (read with :func:`read_customer_table`).
    """
    return business_from_customers(table, as_of=SAMPLE_AS_OF, template=sample_business())


def summarize_customers(table: pd.DataFrame, *, as_of: datetime.date) -> pd.DataFrame:
    """One row per segment: how many customers, how many left, tenure and ARPU of the active.

    Parameters
    ----------
    table
        As for :func:`business_from_customers`.
    as_of
        Date the table describes.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`, segments in order of first appearance: ``customers``
        (started on or before ``as_of``), ``active``, ``churned`` (end date on or before
        ``as_of``), ``churn_share`` (churned / customers, fraction), ``mean_tenure_months``
        (mean tenure of the active, months; NaN without active customers), ``arpu_per_month``
        (mean monthly revenue of the active, currency; NaN without active customers).
    """
    data = _prepare(table, as_of)
    rows = []
    for name, rows_seg in data.groupby("segment", sort=False):
        active = rows_seg["active"].to_numpy()
        n = len(rows_seg)
        rows.append(
            {
                "segment": name,
                "customers": n,
                "active": int(active.sum()),
                "churned": int(n - active.sum()),
                "churn_share": float((n - active.sum()) / n),
                "mean_tenure_months": (
                    float(rows_seg["tenure"].to_numpy()[active].mean()) if active.any() else np.nan
                ),
                "arpu_per_month": (
                    float(rows_seg["monthly_revenue"].to_numpy()[active].mean())
                    if active.any()
                    else np.nan
                ),
            }
        )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _prepare(table: pd.DataFrame, as_of: datetime.date) -> pd.DataFrame:
    """Check columns, parse values, drop customers starting after ``as_of``, add tenure/months."""
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"customer table: required column(s) {', '.join(missing)} missing")
    start = _dates(table, "start_date")
    end = _dates(table, "end_date")
    if start.isna().any():
        raise ValueError(f"start_date: {int(start.isna().sum())} row(s) have no start date")
    try:
        revenue = pd.to_numeric(table["monthly_revenue"]).astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"monthly_revenue: not a number ({exc})") from None
    if "acquisition_channel" in table.columns:
        channel = table["acquisition_channel"].astype(str).str.strip().str.lower()
    else:
        channel = pd.Series("", index=table.index)
    as_of_ts = pd.Timestamp(as_of)
    started = (start <= as_of_ts).to_numpy()
    start_month = (start.dt.year * 12 + start.dt.month - 1).to_numpy()
    end_month = (end.dt.year * 12 + end.dt.month - 1).to_numpy(dtype=float, na_value=np.inf)
    data = pd.DataFrame(
        {
            "segment": table["segment"].astype(str).to_numpy(),
            "start_month": start_month,
            "end_month": end_month,
            "tenure": completed_months(start_month, start.dt.day.to_numpy(), as_of),
            "active": (end.isna() | (end > as_of_ts)).to_numpy(),
            "monthly_revenue": revenue.to_numpy(),
            "referred": (channel == REFERRAL_CHANNEL).to_numpy(),
        }
    )
    return data[started].reset_index(drop=True)


def _measure(rows: pd.DataFrame, m: int, *, has_channel: bool) -> dict[str, object]:
    """Measured segment fields (only those the rows support)."""
    changes: dict[str, object] = {}
    active = rows["active"].to_numpy()
    if active.any():
        tenure = rows["tenure"].to_numpy()[active]
        changes["base_customers_by_tenure"] = tuple(np.bincount(tenure).astype(float))
        changes["arpu_per_month"] = float(rows["monthly_revenue"].to_numpy()[active].mean())
    start = rows["start_month"].to_numpy()
    recent = (start >= m - TRAILING_MONTHS + 1) & (start <= m)
    referred = rows["referred"].to_numpy()
    changes["paid_acquisitions_per_month"] = float(np.sum(recent & ~referred)) / TRAILING_MONTHS
    # Customer-months in months m-12 .. m-1: months t with start <= t < end.
    first = np.maximum(start, m - TRAILING_MONTHS)
    last = np.minimum(rows["end_month"].to_numpy(), m)
    exposure = float(np.sum(np.clip(last - first, 0, None)))
    if has_channel and exposure > 0:
        changes["referral_rate_per_month"] = float(np.sum(recent & referred)) / exposure
    return changes


def _dates(table: pd.DataFrame, column: str) -> pd.Series:
    """``column`` as datetimes (NaT when empty); a ValueError naming the column otherwise."""
    values = table[column]
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    try:
        return pd.to_datetime(values.replace("", None), format="ISO8601")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{column}: not a date in ISO format YYYY-MM-DD ({exc})") from None
