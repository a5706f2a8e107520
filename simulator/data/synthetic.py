"""Synthetic customer tables drawn from a business's own retention model.

:func:`generate_customers` plays a :class:`~simulator.model.params.Business` forward over a past
acquisition history and writes down what a CRM extract of that firm would hold: one row per
customer ever acquired, with start and end dates, monthly revenue, channel, a satisfaction score
and a contact count. ``sample_data/generate.py`` uses it (with :data:`SAMPLE_AS_OF`,
:data:`HISTORY_MONTHS` and :data:`SAMPLE_SEED`) to write the bundled
``sample_data/customers.csv``; the tests use it to check that :mod:`simulator.data.customers` and
the calibration recover the parameters behind it.

The process follows model.md ("Retention: PH-sBG by segment and cohort"):

* every month of the history, per segment, Poisson(``paid_acquisitions_per_month``) paid
  customers and Poisson(``referral_rate_per_month`` x active customers of the previous month)
  referred customers join;
* each customer draws a churn probability theta ~ Beta(``sbg_alpha``, ``sbg_beta``) (or the
  segment's constant churn) and renews each month with probability (1 - theta) ** c, c = 1 for
  paid customers and c = u + (1 - u) phi_ref for referred ones (phi_ref scales the controllable
  part of the hazard, as in the engine); the number of paid months is therefore geometric;
* a customer who joins in month a pays in month a and first renews at the start of month a + 1;
  one who pays T months leaves on ``start_date`` + T months.

Nothing here reads the clock: the as-of date is an argument.

References
----------
Fader, P., Hardie, B. (2007). How to project customer retention. JIM 21(1), 76-90.
Schmitt, P., Skiera, B., Van den Bulte, C. (2011). Referral programs and customer value.
Journal of Marketing 75(1), 46-59.
"""

from __future__ import annotations

import datetime
import io

import numpy as np
import pandas as pd
from scipy.special import betainc, ndtri

from simulator.model.params import Business, Segment
from simulator.model.sample import HISTORY_MONTHS, sample_business
from simulator.model.sbg import log_survival_ratio

SAMPLE_AS_OF = datetime.date(2026, 9, 30)
"""As-of date of the bundled sample table: the last day of the last observed month.

The one place this date is defined; the app, the command line and ``sample_data/generate.py``
import it.
"""

SAMPLE_SEED = 20261123
"""Seed of the generator behind the bundled sample table."""

CUSTOMER_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "segment",
    "acquisition_channel",
    "start_date",
    "end_date",
    "monthly_revenue",
    "satisfaction",
    "contacts_last_12_months",
)
"""Columns of :func:`generate_customers` (see ``sample_data/README.md`` for units)."""

CHANNELS: tuple[str, str] = ("paid", "referral")
"""Values of ``acquisition_channel``."""

REVENUE_SPREAD = 0.25
"""Log-scale standard deviation of a customer's monthly revenue around the segment ARPU."""

SATISFACTION_SIGNAL = 0.6
"""Correlation of the latent satisfaction with -Phi^-1(F(theta)): how much the score tells."""

CONTACT_LOADING = 0.4
"""Contacts scale with exp(-0.4 z) for latent satisfaction z (dissatisfied customers call more)."""


def generate_customers(
    business: Business,
    *,
    as_of: datetime.date,
    history_months: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Draw a customer-level table from ``business``'s retention and acquisition model.

    Parameters
    ----------
    business
        Segments (retention, ARPU, paid acquisitions per month, referral rate per active
        customer-month, referred-churn multiplier, uncontrollable churn share) and service
        operations (CSAT sets the share of satisfaction scores 4-5; issues per customer-month and
        first-contact resolution set the contact rate). The existing base is ignored: the base at
        ``as_of`` is what the drawn history leaves.
    as_of
        Date of the extract. Acquisition months are the ``history_months`` calendar months up to
        and including the month of ``as_of`` (normally a month end); start dates never fall after
        ``as_of``.
    history_months
        Months of acquisition history (at least 1); active tenures run from 0 to
        ``history_months - 1``.
    rng
        Seeded generator, e.g. ``np.random.default_rng(20261123)``; the table is a deterministic
        function of its state.

    Returns
    -------
    pandas.DataFrame
        One row per customer, ordered by start date, columns :data:`CUSTOMER_COLUMNS`:
        ``customer_id`` ("C0000001", ... in order of start), ``segment``,
        ``acquisition_channel`` ("paid" or "referral"), ``start_date`` (datetime),
        ``end_date`` (datetime; NaT if still active at ``as_of``: the date the customer did not
        renew, ``start_date`` plus the months paid), ``monthly_revenue`` (currency per month,
        segment ARPU times a mean-one lognormal spread, in cents), ``satisfaction`` (integer
        1-5, lower for customers with a high churn probability), ``contacts_last_12_months``
        (contacts in the customer's last 12 months up to ``as_of`` or ``end_date``).

    Examples
    --------
    >>> import datetime, numpy as np
    >>> from simulator import sample_business
    >>> table = generate_customers(
    ...     sample_business(), as_of=datetime.date(2026, 9, 30), history_months=12,
    ...     rng=np.random.default_rng(1))
    >>> sorted(table["segment"].unique())
    ['core', 'price-sensitive']
    """
    if not isinstance(history_months, int) or history_months < 1:
        raise ValueError(
            f"history_months must be a whole number of at least 1; got {history_months!r}"
        )
    end_month = as_of.year * 12 + as_of.month - 1  # month index of as_of
    first_month = end_month - history_months + 1

    parts = [_segment_customers(seg, history_months, rng) for seg in business.segments]
    segment_code = np.concatenate([np.full(p["k"].size, i) for i, p in enumerate(parts)])
    k = np.concatenate([p["k"] for p in parts])
    referred = np.concatenate([p["referred"] for p in parts])
    paid_months = np.concatenate([p["paid_months"] for p in parts])
    percentile = np.concatenate([p["percentile"] for p in parts])
    n = k.size

    # Start dates: a uniform day of the acquisition month (never after as_of).
    month = first_month + k
    month_start = _month_start(month)
    days = (_month_start(month + 1) - month_start).astype(int)
    days = np.where(month == end_month, np.minimum(days, as_of.day), days)
    day = np.floor(rng.random(n) * days).astype(np.int64) + 1
    start = month_start + (day - 1).astype("timedelta64[D]")

    # Completed months at as_of (end-of-month clipping, as in relativedelta): the customer is
    # active iff it paid more months than that. Only churned end dates are materialised, so
    # very long lifetimes never overflow the calendar.
    tenure_at_as_of = completed_months(month, day, as_of)
    active = paid_months > tenure_at_as_of
    end = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    gone = ~active
    end_m = month[gone] + paid_months[gone]
    end_start = _month_start(end_m)
    end_days = (_month_start(end_m + 1) - end_start).astype(int)
    end[gone] = end_start + (np.minimum(day[gone], end_days) - 1).astype("timedelta64[D]")

    arpu = np.array([s.arpu_per_month for s in business.segments])[segment_code]
    spread = np.exp(REVENUE_SPREAD * rng.standard_normal(n) - REVENUE_SPREAD**2 / 2)
    revenue = np.maximum(np.round(arpu * spread, 2), 0.01)

    # Satisfaction: a latent normal, correlated with how churn-prone the customer is, cut into
    # five scores so that the share of 4s and 5s equals the business's CSAT.
    rho = SATISFACTION_SIGNAL
    latent = -rho * ndtri(percentile) + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    satisfaction = 1 + np.searchsorted(_satisfaction_cuts(business.service.csat), latent)

    ops = business.service
    months_observed = np.minimum(12, np.where(active, tenure_at_as_of + 1, paid_months))
    contact_rate = ops.issues_per_customer_month / ops.first_contact_resolution
    loading = np.exp(-CONTACT_LOADING * latent - CONTACT_LOADING**2 / 2)
    contacts = rng.poisson(contact_rate * months_observed * loading)

    order = np.argsort(start, kind="stable")
    names = np.array([s.name for s in business.segments], dtype=object)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in range(1, n + 1)],
            "segment": names[segment_code[order]],
            "acquisition_channel": np.where(referred[order], CHANNELS[1], CHANNELS[0]),
            "start_date": pd.to_datetime(start[order]),
            "end_date": pd.to_datetime(end[order]),
            "monthly_revenue": revenue[order],
            "satisfaction": satisfaction[order].astype(np.int64),
            "contacts_last_12_months": contacts[order].astype(np.int64),
        },
        columns=list(CUSTOMER_COLUMNS),
    )


def sample_customers() -> pd.DataFrame:
    """The bundled sample table: :func:`generate_customers` of the sample business.

    ``sample_data/generate.py`` writes :func:`customers_to_csv` of this to
    ``sample_data/customers.csv``.
    """
    return generate_customers(
        sample_business(),
        as_of=SAMPLE_AS_OF,
        history_months=HISTORY_MONTHS,
        rng=np.random.default_rng(SAMPLE_SEED),
    )


def customers_to_csv(table: pd.DataFrame) -> str:
    """CSV text of a customer table: ISO dates, empty ``end_date`` when active, cents.

    The output is a deterministic function of the table (``\\n`` line endings, fixed formats).
    """
    out = table.copy()
    for column in ("start_date", "end_date"):
        out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, lineterminator="\n", float_format="%.2f", na_rep="")


def read_customer_table(raw: bytes) -> pd.DataFrame:
    """Read CSV text written by :func:`customers_to_csv` back into a customer table.

    The inverse of :func:`customers_to_csv` for the sample's own format (not the tolerant upload
    reader, :func:`simulator.data.tables.read_table`): ``start_date`` and ``end_date`` parsed as
    datetimes (NaT when empty), ``customer_id``, ``segment`` and ``acquisition_channel`` as text.
    """
    table = pd.read_csv(
        io.BytesIO(raw),
        dtype={"customer_id": str, "segment": str, "acquisition_channel": str},
        keep_default_na=False,
        na_values={"end_date": [""], "monthly_revenue": [""]},
    )
    for column in ("start_date", "end_date"):
        table[column] = pd.to_datetime(table[column].replace("", None), format="ISO8601")
    return table


def expected_customer_history(segment: Segment, history_months: int) -> pd.DataFrame:
    """Expected acquisitions and active customers of :func:`generate_customers`, month by month.

    The referral feedback is linear, so the expectations follow exactly from
    E[referred_t] = nu E[active_{t-1}] and the sBG survival of paid and referred cohorts.

    Parameters
    ----------
    segment
        The segment (its base is ignored).
    history_months
        As in :func:`generate_customers`.

    Returns
    -------
    pandas.DataFrame
        One row per history month (``month`` 0 = first, ``history_months - 1`` = the as-of month):
        ``paid``, ``referred`` (expected acquisitions) and ``active`` (expected customers paying
        that month). Also in ``attrs["active_by_tenure"]``: the expected active base at the as-of
        month by tenure 0 .. ``history_months - 1``.
    """
    months = np.arange(history_months)
    s_paid, s_ref = _survival_curves(segment, history_months)
    paid = np.full(history_months, segment.paid_acquisitions_per_month)
    referred = np.zeros(history_months)
    active = np.zeros(history_months)
    for t in months:
        referred[t] = segment.referral_rate_per_month * (active[t - 1] if t > 0 else 0.0)
        ages = t - months[: t + 1]
        active[t] = paid[: t + 1] @ s_paid[ages] + referred[: t + 1] @ s_ref[ages]
    frame = pd.DataFrame({"month": months, "paid": paid, "referred": referred, "active": active})
    # Tenure n at the as-of month = joined n months before it.
    last = history_months - 1
    frame.attrs["active_by_tenure"] = (
        paid[last - months] * s_paid[months] + referred[last - months] * s_ref[months]
    )
    return frame


def _segment_customers(seg: Segment, history_months: int, rng: np.random.Generator) -> dict:
    """Acquisition month, channel, paid months and churn-probability percentile of one segment."""
    c_ref = (
        seg.uncontrollable_churn_share
        + (1 - seg.uncontrollable_churn_share) * seg.referred_churn_multiplier
    )

    # Paid cohorts do not depend on the past, so draw them all at once.
    n_paid = rng.poisson(seg.paid_acquisitions_per_month, size=history_months)
    k_paid = np.repeat(np.arange(history_months), n_paid)
    theta_paid, pct_paid = _draw_theta(seg, k_paid.size, rng)
    t_paid = _lifetimes(theta_paid, 1.0, rng)
    # change[t] = customers who start paying in month t minus those who stop; active_t = cumsum.
    change = np.bincount(k_paid, minlength=history_months + 1).astype(np.int64)
    stop = k_paid + t_paid
    change -= np.bincount(stop[stop < history_months], minlength=history_months + 1)

    # Referrals come from the previous month's active customers, so they are drawn month by month.
    k_ref, t_ref, pct_ref = [], [], []
    active = 0
    for t in range(history_months):
        n = rng.poisson(seg.referral_rate_per_month * active) if active > 0 else 0
        if n:
            theta, pct = _draw_theta(seg, n, rng)
            lifetimes = _lifetimes(theta, c_ref, rng)
            k_ref.append(np.full(n, t))
            t_ref.append(lifetimes)
            pct_ref.append(pct)
            change[t] += n
            stop = t + lifetimes
            change -= np.bincount(stop[stop < history_months], minlength=history_months + 1)
        active += change[t]

    def cat(chunks: list[np.ndarray], dtype) -> np.ndarray:
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=dtype)

    k_r = cat(k_ref, np.int64)
    return {
        "k": np.concatenate([k_paid, k_r]),
        "referred": np.concatenate([np.zeros(k_paid.size, bool), np.ones(k_r.size, bool)]),
        "paid_months": np.concatenate([t_paid, cat(t_ref, np.int64)]),
        "percentile": np.concatenate([pct_paid, cat(pct_ref, float)]),
    }


def _draw_theta(seg: Segment, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer churn probabilities and their percentile in the segment's distribution."""
    if seg.constant_monthly_churn is not None:
        return np.full(n, seg.constant_monthly_churn), rng.random(n)
    theta = rng.beta(seg.sbg_alpha, seg.sbg_beta, size=n)
    return theta, np.clip(betainc(seg.sbg_alpha, seg.sbg_beta, theta), 1e-12, 1 - 1e-12)


def _lifetimes(theta: np.ndarray, c: float, rng: np.random.Generator) -> np.ndarray:
    """Months paid (1, 2, ...): geometric with monthly churn probability 1 - (1 - theta) ** c."""
    q = -np.expm1(c * np.log1p(-theta))
    return rng.geometric(np.maximum(q, 1e-300)).astype(np.int64)


def _survival_curves(seg: Segment, months: int) -> tuple[np.ndarray, np.ndarray]:
    """Survival of paid and referred cohorts after 0 .. months - 1 renewals."""
    c_ref = (
        seg.uncontrollable_churn_share
        + (1 - seg.uncontrollable_churn_share) * seg.referred_churn_multiplier
    )
    n = np.arange(months, dtype=float)
    if seg.constant_monthly_churn is not None:
        log_keep = np.log1p(-seg.constant_monthly_churn)
        return np.exp(n * log_keep), np.exp(c_ref * n * log_keep)
    return (
        np.exp(log_survival_ratio(seg.sbg_alpha, seg.sbg_beta, n)),
        np.exp(log_survival_ratio(seg.sbg_alpha, seg.sbg_beta, c_ref * n)),
    )


def _month_start(month_index: np.ndarray) -> np.ndarray:
    """First day of each month index (year * 12 + month - 1) as datetime64[D]."""
    return (np.asarray(month_index) - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")


def completed_months(month_index: np.ndarray, day: np.ndarray, as_of: datetime.date) -> np.ndarray:
    """Whole months from the dates (``month_index``, ``day``) to ``as_of``: the tenure in months.

    ``month_index`` is year * 12 + month - 1. A month is added with end-of-month clipping (one
    month after 31 August is 30 September), so with ``as_of`` on a month end the tenure is the
    number of calendar months between the start month and the as-of month. Negative for dates
    after ``as_of``.
    """
    as_of_month = as_of.year * 12 + as_of.month - 1
    as_of_month_days = int(
        (_month_start(np.array([as_of_month + 1])) - _month_start(np.array([as_of_month])))[
            0
        ].astype(int)
    )
    anniversary_day = np.minimum(day, as_of_month_days)
    return as_of_month - month_index - (anniversary_day > as_of.day).astype(np.int64)


def _satisfaction_cuts(csat: float) -> np.ndarray:
    """Standard-normal cut points giving scores 1-5 with P(4 or 5) = ``csat``."""
    low = 1.0 - csat
    probs = np.array([0.2 * low, 0.3 * low, 0.5 * low, 0.55 * csat, 0.45 * csat])
    return ndtri(np.clip(np.cumsum(probs)[:-1], 1e-12, 1 - 1e-12))
