"""Per-segment calibration of the simulator from customer data (model.md sections 6.2-6.8).

Input is either the **standard records form** every customer table is turned into
(:func:`simulator.data.records.customer_records`, one row per customer, :data:`RECORD_COLUMNS`), or
its sufficient statistics, :class:`simulator.data.counts.CustomerCounts`, which SQL computes for
large tables (:mod:`simulator.data.sql`). Records are checked, then counted
(:func:`simulator.data.counts.as_counts`); everything below runs on the counts, so both inputs
give the same numbers. Whole months as in :mod:`simulator.data.counts`.

What is measured per segment: customers, churners, the monthly churn rate, ARPU, the active base
by tenure, the Kaplan-Meier curve, the sBG fit (censoring, left truncation, interval censoring for
yearly tenure) with its Hessian, the constant-churn alternative, and, when the table has the
columns, the paid acquisitions per month and the referral rate (dated tables with a channel), and
three discrete-time hazard links (:mod:`simulator.data.hazard`): satisfaction -> churn, contacts ->
churn and price change -> churn. Across segments: the satisfaction distribution (top-box and
satisfied shares, for the perception gap). How well an early fit projects later tenures is
:mod:`simulator.data.holdout`; a business with what was measured is :mod:`simulator.data.apply`.

Kaplan-Meier convention. ``km_survival_12`` / ``km_survival_24`` are the product-limit estimate
of S(t), the share of customers still active after t whole months of tenure (the same S(t) as
:func:`simulator.model.sbg.sbg_survival`), on the whole-month durations with delayed entry. They are
None (NaN in :class:`SegmentCalibration`) when the curve does not reach t: no customer's
duration is at least t, or at some tenure u <= t nobody was at risk (e.g. every customer entered
at tenure 12), so the estimate there would only be conditional on survival to a later tenure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from simulator.data.counts import CustomerCounts, as_counts
from simulator.data.hazard import HazardFit, fit_cloglog_customers
from simulator.data.sbg_fit import (
    HOMOGENEITY_LR_THRESHOLD,
    customer_intervals,
    fit_geometric_intervals,
    fit_sbg_customers,
    sbg_at_bound,
)
from simulator.data.survival import kaplan_meier
from simulator.model.sbg import SBGFit

__all__ = [
    "LINKS",
    "Calibration",
    "SatisfactionSummary",
    "SegmentCalibration",
    "calibrate",
    "check_whole_number",
    "curve_reaches",
]


KM_TENURES: tuple[int, int] = (12, 24)
"""Tenures (months) at which the Kaplan-Meier survival is reported."""

TRAILING_MONTHS = 12
"""Window of the acquisition and referral measurements, in calendar months up to the as-of."""

LINKS: tuple[str, ...] = ("satisfaction", "contacts", "price_change_log")
"""Covariates of the hazard links, as named in :data:`simulator.data.counts.COUNT_KEYS`."""


@dataclass(frozen=True, kw_only=True)
class SatisfactionSummary:
    """What the satisfaction scores say, across segments (the customer side of the perception gap).

    Attributes
    ----------
    respondents
        Customers with a score.
    scale_max
        Top of the scale: 5, 7 or 10 when the largest score fits one of them, else the largest.
    mean_score
        Mean score (points).
    top_box_share
        Share rating the service excellent: the top score (5-, 7-point), 9 or 10 (10-point).
    satisfied_share
        Share satisfied (top two boxes: scale_max - 1 or more; 8 or more on a 10-point scale),
        the CSAT the simulator uses.
    """

    respondents: int
    scale_max: float
    mean_score: float
    top_box_share: float
    satisfied_share: float

    @property
    def excellent_from(self) -> float:
        """Lowest score counted as excellent (top box)."""
        return 9.0 if self.scale_max == 10 else self.scale_max

    @property
    def satisfied_from(self) -> float:
        """Lowest score counted as satisfied (top two boxes)."""
        return 8.0 if self.scale_max == 10 else self.scale_max - 1


@dataclass(frozen=True, kw_only=True)
class SegmentCalibration:
    """What the data say about one segment.

    Attributes
    ----------
    name
        Segment label from the data.
    customers, churned, active
        Customers in the data; of them, those whose churn was observed and those still active.
    arpu
        Mean ``monthly_revenue`` of the active customers with a revenue (currency per
        customer-month); None when none has one.
    monthly_churn
        Observed churns per customer-month at risk: ``churned / sum(tenure - entry)`` (a share
        per month); NaN when there is no exposure.
    fit
        The sBG fit with censoring and left truncation (whole months), or None when not fitted.
    reason
        Why there is no fit (e.g. too few customers, no churn observed); None when fitted.
    km_survival_12, km_survival_24
        Kaplan-Meier S(12) and S(24) (share); NaN when the curve does not reach that tenure
        (module docstring).
    km
        The Kaplan-Meier table of :func:`simulator.data.survival.kaplan_meier` on the whole-month
        durations and entries (``time`` in months).
    entry_months
        Smallest whole-month entry tenure: above 0 when the data are left-truncated (nobody
        shorter was kept), so the curve is conditional on survival to it.
    active_share
        Share of all active customers in the data who are in this segment (0-1).
    active_by_tenure
        Active customers by whole-month tenure: element n counts those with duration n months
        (the simulator's ``base_customers_by_tenure``); empty when nobody is active.
    constant_churn_fits
        True when the data show no detectable heterogeneity: constant monthly churn (the
        geometric model) fits as well as the sBG, because the sBG fit sits at the parameter
        bound (:data:`simulator.model.sbg.LOG_PARAMETER_BOUND`, the homogeneous limit) or its
        likelihood-ratio statistic over the geometric model, ``heterogeneity_lr``, is below
        :data:`simulator.data.sbg_fit.HOMOGENEITY_LR_THRESHOLD` (2.71, the 5 % point of
        0.5 chi2(0) + 0.5 chi2(1)). False when not fitted.
    constant_churn
        Maximum-likelihood constant monthly churn probability (geometric model, same censoring,
        truncation and tenure intervals as the sBG fit); NaN when not fitted.
    heterogeneity_lr
        2 (l_sBG - l_geometric), at least 0; NaN when not fitted.
    paid_acquisitions_per_month
        Dated tables: starts in the trailing 12 months not marked referred, / 12 (customers per
        month); NaN otherwise.
    referral_rate_per_month
        Dated tables with a channel: referred starts in the trailing 12 months (calendar months
        m - 11 .. m, m the as-of month) per active customer-month of months m - 12 .. m - 1
        (the engine's timing: referrals in month t come from the customers of month t - 1);
        NaN otherwise.
    links
        Hazard links fitted (:data:`LINKS` -> :class:`simulator.data.hazard.HazardFit`): the hazard
        ratio per point of satisfaction, per contact and per unit of ln(price after / price
        before) (the last is the lasting price elasticity of the hazard).
    link_reasons
        Why a link in :data:`LINKS` whose column the data have was not fitted.
    contacts_per_month
        Contacts per customer-month of the active customers with a known contacts column (its
        12-month count / 12); NaN without one.
    """

    name: str
    customers: int
    churned: int
    active: int
    arpu: float | None
    monthly_churn: float
    fit: SBGFit | None
    reason: str | None
    km_survival_12: float
    km_survival_24: float
    km: pd.DataFrame = field(repr=False, compare=False)
    entry_months: int = 0
    active_share: float
    active_by_tenure: tuple[int, ...] = field(repr=False)
    constant_churn_fits: bool = False
    constant_churn: float = math.nan
    heterogeneity_lr: float = math.nan
    paid_acquisitions_per_month: float = math.nan
    referral_rate_per_month: float = math.nan
    links: dict[str, HazardFit] = field(default_factory=dict, compare=False)
    link_reasons: dict[str, str] = field(default_factory=dict, compare=False)
    contacts_per_month: float = math.nan

    @property
    def fitted(self) -> bool:
        """True when the segment has an sBG fit."""
        return self.fit is not None

    @property
    def uses_constant_churn(self) -> bool:
        """True when the model describes the segment by ``constant_churn`` (a fitted segment
        whose constant churn fits as well and is a probability), not by its sBG fit: what
        :func:`simulator.data.apply.apply_calibration` gives the model."""
        return self.fit is not None and self.constant_churn_fits and 0 < self.constant_churn < 1

    def to_dict(self) -> dict[str, object]:
        """JSON-safe summary (NaN and missing values become None), as in
        :meth:`Calibration.to_dict`.

        ``sbg_alpha``/``sbg_beta`` are None both when the segment was not fitted and when
        ``constant_churn_fits``: the bounded values there (around e^15 = 3.3e6) are an artefact
        of the bound, not estimates, and would read as meaningful numbers; the segment is then
        described by ``monthly_churn`` (constant churn; the simulator uses the geometric MLE
        ``constant_churn``, see :func:`simulator.data.apply.apply_calibration`)."""
        sbg = self.fit is not None and not self.constant_churn_fits
        return {
            "customers": int(self.customers),
            "churned": int(self.churned),
            "arpu": _json_float(self.arpu),
            "monthly_churn": _json_float(self.monthly_churn),
            "sbg_alpha": _json_float(self.fit.alpha) if sbg and self.fit else None,
            "sbg_beta": _json_float(self.fit.beta) if sbg and self.fit else None,
            "km_survival_12": _json_float(self.km_survival_12),
            "km_survival_24": _json_float(self.km_survival_24),
        }


@dataclass(frozen=True, kw_only=True)
class Calibration:
    """Per-segment calibration results, segments sorted by name.

    Attributes
    ----------
    segments
        One :class:`SegmentCalibration` per segment of the data.
    min_customers
        Smallest segment that was fitted (customers).
    satisfaction
        The satisfaction scores across segments, or None when the data have none.
    as_of_month
        Calendar month (``year * 12 + month - 1``) of the as-of date of a dated table, else None.
    """

    segments: tuple[SegmentCalibration, ...]
    min_customers: int = 30
    satisfaction: SatisfactionSummary | None = None
    as_of_month: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.segments))
        names = [s.name for s in self.segments]
        if len(set(names)) != len(names):
            raise ValueError(f"Calibration.segments must be uniquely named; got {names}")

    def segment(self, name: str) -> SegmentCalibration:
        """The result for segment ``name``."""
        for s in self.segments:
            if s.name == name:
                return s
        raise KeyError(f"no segment named {name!r}; segments are {[s.name for s in self.segments]}")

    def to_dict(self) -> dict[str, dict[str, dict[str, object]]]:
        """``{"segments": {name: {...}}}`` with exactly the keys ``customers``, ``churned``
        (int), ``arpu``, ``monthly_churn``, ``sbg_alpha``, ``sbg_beta``, ``km_survival_12``,
        ``km_survival_24`` (float or None). JSON-safe: no NaN or infinities (None instead);
        ``sbg_alpha``/``sbg_beta`` are None for segments that were not fitted or where constant
        churn fits as well (:meth:`SegmentCalibration.to_dict`)."""
        return {"segments": {s.name: s.to_dict() for s in self.segments}}


def calibrate(
    data: pd.DataFrame | CustomerCounts,
    *,
    min_customers: int = 30,
    tenure_interval_months: int = 1,
) -> Calibration:
    """Measure each segment of ``data``: counts, ARPU, churn, sBG fit, Kaplan-Meier, base, links.

    Parameters
    ----------
    data
        Customer records in the standard form (module docstring, :data:`RECORD_COLUMNS`; the
        columns after ``monthly_revenue`` may be absent), or their
        :class:`simulator.data.counts.CustomerCounts`.
    min_customers
        Segments with fewer customers than this get no sBG fit (``fit`` None, ``reason`` says
        why) and no hazard links; everything else is still measured. At least 1.
    tenure_interval_months
        Resolution of the tenure (whole months, at least 1): 1 when tenure is known to the
        month; 12 when the table gave tenure in whole years (converted to months x 12). With
        12, the sBG and geometric fits treat the data as interval-censored
        (:func:`simulator.data.sbg_fit.customer_intervals`): a churner with tenure 12 k months
        left somewhere in months (12 (k - 1), 12 k] (tenure 0 counts as the first year), and a
        customer still active has survived at least 12 k months (a lower bound). The counts,
        churn rate, Kaplan-Meier and hazard links use the months as given.

    Returns
    -------
    Calibration
        One :class:`SegmentCalibration` per segment, sorted by name.

    Raises
    ------
    ValueError
        Records miss a required column or hold invalid values (all offending columns are
        named): empty segment, tenure or entry not finite or negative, entry above tenure,
        churned not true/false, revenue not numeric; or there are no customers.

    Notes
    -----
    A segment is also left unfitted when it has no observed churn (the likelihood then grows
    without bound as beta grows) or when nobody in it is at risk of churn.
    """
    check_whole_number("min_customers", min_customers)
    check_whole_number("tenure_interval_months", tenure_interval_months)
    counts = as_counts(data)
    table = counts.counts
    total_active = int(table.loc[~table["churned"], "customers"].sum())
    results = []
    for name in sorted(counts.segments):
        rows = table[table["segment"] == name]
        flows = counts.flows[counts.flows["segment"] == name]
        results.append(
            _calibrate_segment(
                name,
                rows,
                flows,
                counts.as_of_month,
                total_active,
                min_customers,
                tenure_interval_months,
            )
        )
    return Calibration(
        segments=tuple(results),
        min_customers=min_customers,
        satisfaction=_satisfaction(table),
        as_of_month=counts.as_of_month,
    )


def check_whole_number(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1; got {value!r}")


def _calibrate_segment(
    name: str,
    rows: pd.DataFrame,
    flows: pd.DataFrame,
    as_of_month: int | None,
    total_active: int,
    min_customers: int,
    interval: int = 1,
) -> SegmentCalibration:
    churned = rows["churned"].to_numpy(dtype=bool)
    months = rows["months"].to_numpy(dtype=np.int64)
    entry = rows["entry"].to_numpy(dtype=np.int64)
    weights = rows["customers"].to_numpy(dtype=float)
    n = int(weights.sum())
    n_churned = int(weights[churned].sum())
    exposure = float(rows["exposure_months"].sum())
    monthly_churn = n_churned / exposure if exposure > 0 else math.nan

    revenue_customers = float(rows.loc[~rows["churned"], "revenue_customers"].sum())
    revenue_sum = float(rows.loc[~rows["churned"], "revenue_sum"].sum())
    arpu = revenue_sum / revenue_customers if revenue_customers > 0 else None

    km = kaplan_meier(months, churned, entry, weights=weights)
    km_at = {t: _km_at(km, months, entry, t) for t in KM_TENURES}
    active_by_tenure = (
        tuple(int(c) for c in np.rint(np.bincount(months[~churned], weights=weights[~churned])))
        if (~churned).any()
        else ()
    )

    fit: SBGFit | None = None
    reason: str | None = None
    constant = {"constant_churn_fits": False, "constant_churn": math.nan}
    lr = math.nan
    links: dict[str, HazardFit] = {}
    link_reasons: dict[str, str] = {}
    if n < min_customers:
        reason = f"only {n} customers, fewer than the {min_customers} needed for a fit"
    elif n_churned == 0:
        reason = "no churn observed, so the churn rate cannot be fitted"
    elif not np.any(months > entry):
        reason = "no customer-months at risk of churn"
    else:
        fit = fit_sbg_customers(months, churned, entry, interval_months=interval, weights=weights)
        geometric = fit_geometric_intervals(
            *customer_intervals(months, churned, entry, interval_months=interval, weights=weights)
        )
        if not (math.isfinite(fit.alpha) and math.isfinite(fit.beta)):
            fit, reason = None, "fit did not converge to finite parameters"
        else:
            lr = max(0.0, 2.0 * (fit.log_likelihood - geometric.log_likelihood))
            constant = {
                "constant_churn_fits": sbg_at_bound(fit) or lr < HOMOGENEITY_LR_THRESHOLD,
                "constant_churn": geometric.churn,
            }
        links, link_reasons = _links(rows, months, churned, entry, weights)
    if reason is not None:
        link_reasons = {c: reason for c in LINKS if rows[c].notna().any()}

    paid, referral = _flows(flows, as_of_month)
    contacts = rows["contacts"].to_numpy(dtype=float)
    counted = ~churned & np.isfinite(contacts)
    contacts_per_month = (
        float(np.average(contacts[counted], weights=weights[counted])) / 12.0
        if weights[counted].sum() > 0
        else math.nan
    )
    return SegmentCalibration(
        name=name,
        customers=n,
        churned=n_churned,
        active=n - n_churned,
        arpu=arpu,
        monthly_churn=monthly_churn,
        fit=fit,
        reason=reason,
        km_survival_12=km_at[12],
        km_survival_24=km_at[24],
        km=km,
        entry_months=int(entry.min()),
        active_share=(n - n_churned) / total_active if total_active > 0 else math.nan,
        active_by_tenure=active_by_tenure,
        heterogeneity_lr=lr,
        paid_acquisitions_per_month=paid,
        referral_rate_per_month=referral,
        links=links,
        link_reasons=link_reasons,
        contacts_per_month=contacts_per_month,
        **constant,
    )


def _links(
    rows: pd.DataFrame,
    months: np.ndarray,
    churned: np.ndarray,
    entry: np.ndarray,
    weights: np.ndarray,
) -> tuple[dict[str, HazardFit], dict[str, str]]:
    """Hazard links for the covariates the rows have (model.md 6.6, 6.7)."""
    links: dict[str, HazardFit] = {}
    reasons: dict[str, str] = {}
    for column in LINKS:
        x = rows[column].to_numpy(dtype=float)
        known = np.isfinite(x)
        if not known.any():
            continue
        if np.unique(x[known]).size < 2:
            reasons[column] = "every customer has the same value, so its effect cannot be seen"
            continue
        try:
            links[column] = fit_cloglog_customers(months, churned, entry, x, weights)
        except ValueError as exc:
            reasons[column] = str(exc)
    return links, reasons


def _flows(flows: pd.DataFrame, as_of_month: int | None) -> tuple[float, float]:
    """Paid acquisitions per month and referral rate (see :class:`SegmentCalibration`)."""
    if flows.empty or as_of_month is None:
        return math.nan, math.nan
    m = as_of_month
    start = flows["start_month"].to_numpy(dtype=float)
    end = flows["end_month"].to_numpy(dtype=float)
    end = np.where(np.isnan(end), np.inf, end)
    referred = flows["referred"].to_numpy(dtype=float)
    w = flows["customers"].to_numpy(dtype=float)
    recent = (start >= m - TRAILING_MONTHS + 1) & (start <= m)
    paid = float(w[recent & (referred != 1)].sum()) / TRAILING_MONTHS
    if np.isnan(referred).all():
        return paid, math.nan
    # Customer-months in months m-12 .. m-1: months t with start <= t < end.
    first = np.maximum(start, m - TRAILING_MONTHS)
    last = np.minimum(end, m)
    exposure = float(np.sum(w * np.clip(last - first, 0, None)))
    referral = float(w[recent & (referred == 1)].sum()) / exposure if exposure > 0 else math.nan
    return paid, referral


def _satisfaction(table: pd.DataFrame) -> SatisfactionSummary | None:
    """The satisfaction distribution of every customer with a score."""
    score = table["satisfaction"].to_numpy(dtype=float)
    known = np.isfinite(score)
    if not known.any():
        return None
    score, w = score[known], table["customers"].to_numpy(dtype=float)[known]
    top = float(score.max())
    scale = next((s for s in (5.0, 7.0, 10.0) if top <= s), top)
    summary = SatisfactionSummary(
        respondents=int(w.sum()),
        scale_max=scale,
        mean_score=float(np.average(score, weights=w)),
        top_box_share=math.nan,
        satisfied_share=math.nan,
    )
    return replace(
        summary,
        top_box_share=float(w[score >= summary.excellent_from].sum() / w.sum()),
        satisfied_share=float(w[score >= summary.satisfied_from].sum() / w.sum()),
    )


def curve_reaches(months: np.ndarray, entry: np.ndarray, t: int, start: int = 0) -> bool:
    """True when some duration is at least t and the risk set is non-empty at every u in
    start + 1 .. t (``start`` 0: the curve is unconditional up to t)."""
    if t <= start:
        return True
    if months.size == 0 or months.max() < t:
        return False
    # Customers at risk at u: entry < u <= months, i.e. u in [entry + 1, months].
    first = np.clip(entry + 1, 1, t + 1)
    stop = np.clip(months + 1, 1, t + 1)
    ok = stop > first
    diff = np.bincount(first[ok], minlength=t + 2) - np.bincount(stop[ok], minlength=t + 2)
    return bool(np.all(np.cumsum(diff)[start + 1 : t + 1] > 0))


def _km_at(km: pd.DataFrame, months: np.ndarray, entry: np.ndarray, t: int) -> float:
    """Kaplan-Meier S(t) (step function), NaN if the curve does not reach t."""
    if not curve_reaches(months, entry, t):
        return math.nan
    before = km[km["time"] <= t]
    return float(before["survival"].iloc[-1]) if not before.empty else 1.0


def _json_float(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
