"""The price response learnt from a firm's own price history (issue 20, item 4).

A planner gives a customer table (id, start date, end date or empty, optional segment) and a
price history (id, effective date, monthly price); :func:`calibrate_price_response` returns per
segment the lasting churn hazard ratio per +10 % price with a 90 % interval, the hazard ratio
of the first month at a new price, how many customers were exposed and how many served as
control, the method and warnings in plain words (:class:`SegmentPriceResponse`;
:meth:`PriceResponse.to_dict` is the JSON of ``python -m simulator calibrate-price``).

Estimator (docs/model.md, "Price response from price history"). PH-sBG maximum likelihood with
time-varying exposure (model.md 6.7 step 2; :mod:`simulator.data.price_likelihood`): at renewal
k of customer i the hazard multiplier is

    c_ik = exp(eta [ln(P_ik / P_i0)]^+ + eta_cut [ln(P_ik / P_i0)]^- + kappa R_ik + delta_b(m)),

P_i0 the customer's first price, R_ik = 1 at its first renewal at a raised price, delta_b a
calendar level per year since the segment's first change (m = start month + k; before the
first change: level 0), theta_i ~ Beta(alpha, beta) as in the engine. HR10 = 1.1 ** eta. Only
renewals after the customer's own change are exposed; customers who kept their price while
others were raised are the control, which identifies the calendar levels. Without a control
group the calendar levels are left out, and eta rests on the contrast of churn after the change
with the sBG projection from before it. Interval: Wald on eta with the larger of the model-based
and the robust (sandwich, customers as units) standard error.

References
----------
Fader, P., Hardie, B. (2007). How to project customer retention. JIM 21(1), 76-90.
Prentice, R., Gloeckler, L. (1978). Regression analysis of grouped survival data with
application to breast cancer data. Biometrics 34, 57-67.
Allison, P. (1982). Discrete-time methods for the analysis of event histories. Sociological
Methodology 13, 61-98.
Guelman, L., Guillen, M. (2014). A causal inference approach to measure price elasticity in
automobile insurance. Expert Systems with Applications 41(2), 387-396.
"""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtri

from simulator.data.price_counts import SegmentCounts, count_price_history
from simulator.data.price_likelihood import LikelihoodFit, design, fit_likelihood, price_levels
from simulator.data.price_tables import PriceColumns, price_history
from simulator.data.tables import read_table

LEVEL = 0.90
"""Coverage of the reported intervals."""

MIN_EXPOSED_CUSTOMERS = 100
"""Fewer customers at risk after their own price change draws a warning."""

MIN_EXPOSED_CHURNS = 30
"""Fewer churns after a price change draws a warning (the interval is wide)."""

MIN_CONTROL_CUSTOMERS = 100
"""Fewer control customers than this and the segment is treated as having no control group."""

MIN_BLOCK_CHURNS = 20
"""Churns of control customers a calendar level needs; later years with fewer are merged."""

CALENDAR_BLOCK_MONTHS = 12
"""Months per calendar level after the first change."""

MAX_CALENDAR_BLOCKS = 5
"""Most calendar levels fitted (later months join the last)."""

TARGETING_DIFFERENCE = 0.25
"""Standardised difference in tenure (at the change) between exposed and control customers
above which the rises count as targeted (0.25: a common balance rule of propensity-score
practice)."""

_NEVER = np.iinfo(np.int64).max // 4


@dataclass(frozen=True, kw_only=True)
class SegmentPriceResponse:
    """The price response of one segment, learnt from its price history.

    Attributes
    ----------
    segment
        Segment name (``"all"`` without a segment column).
    hazard_ratio_per_10pct
        Lasting churn hazard ratio per +10 % price, 1.1 ** eta (None: not estimable).
    hazard_ratio_per_10pct_interval
        Its 90 % interval.
    first_month_hazard_ratio
        exp(kappa): the extra hazard ratio of the first renewal at a raised price, on top of the
        lasting one (None: not estimable).
    first_month_hazard_ratio_interval
        Its 90 % interval.
    exposed_customers
        Customers observed at a renewal after their own price change.
    control_customers
        Customers who joined before the segment's first change and were observed at the old
        price after others had been raised (those raised later in a staggered roll-out count
        in both).
    method
        How the estimate was made, in words.
    warnings
        What weakens it, in words a planner understands.
    elasticity, elasticity_standard_error
        eta (log-hazard per unit of ln price ratio; ``Segment.lasting_price_elasticity`` when
        all of the hazard responds to price) and its standard error.
    customers, churns_after_change
        Customers in the segment, and churns at renewals after a change.
    sbg_alpha, sbg_beta
        The heterogeneity (theta ~ Beta(alpha, beta)) fitted with the price response.
    calendar_hazard_ratios
        exp(delta_b) of the calendar levels after the first change (empty: none fitted).
    """

    segment: str
    hazard_ratio_per_10pct: float | None
    hazard_ratio_per_10pct_interval: tuple[float, float] | None
    first_month_hazard_ratio: float | None
    first_month_hazard_ratio_interval: tuple[float, float] | None
    exposed_customers: int
    control_customers: int
    method: str
    warnings: tuple[str, ...]
    elasticity: float | None = None
    elasticity_standard_error: float | None = None
    customers: int = 0
    churns_after_change: int = 0
    sbg_alpha: float | None = None
    sbg_beta: float | None = None
    calendar_hazard_ratios: tuple[float, ...] = ()

    def to_dict(self) -> dict:
        """The JSON form of ``calibrate-price`` for this segment."""
        interval = self.hazard_ratio_per_10pct_interval
        return {
            "hazard_ratio_per_10pct": self.hazard_ratio_per_10pct,
            "hazard_ratio_per_10pct_interval": None if interval is None else list(interval),
            "first_month_hazard_ratio": self.first_month_hazard_ratio,
            "exposed_customers": self.exposed_customers,
            "control_customers": self.control_customers,
            "method": self.method,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class PriceResponse:
    """Every segment's :class:`SegmentPriceResponse`, and the as-of date used."""

    segments: tuple[SegmentPriceResponse, ...]
    as_of: datetime.date
    data_warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        """``{"segments": {name: {...}}}``, as ``calibrate-price`` writes it."""
        return {"segments": {s.segment: s.to_dict() for s in self.segments}}

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON text (no NaN), ending with a newline."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"


@dataclass(frozen=True)
class _Exposure:
    """Who was exposed, who served as control, and the calendar levels (per segment)."""

    exposed: int
    control: int
    churns_after: int
    first_month_churns: int
    first_change_month: int | None
    calendar_block: np.ndarray | None
    cut: bool
    targeting: str | None


def _weighted_stats(values: np.ndarray, weights: np.ndarray) -> tuple[float, float, float]:
    """(mean, variance, median) of ``values`` with ``weights``."""
    mean = float(np.average(values, weights=weights))
    var = float(np.average((values - mean) ** 2, weights=weights))
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    median = float(values[order][np.searchsorted(cum, cum[-1] / 2)])
    return mean, var, median


def _calendar_blocks(
    counts: SegmentCounts, first_month: int, control_churn_month: np.ndarray, w: np.ndarray
) -> np.ndarray | None:
    """Calendar level per month (index from the earliest start month): 0 before the first
    change, then one per :data:`CALENDAR_BLOCK_MONTHS` (at most :data:`MAX_CALENDAR_BLOCKS`),
    a year with fewer than :data:`MIN_BLOCK_CHURNS` control churns merged into the one before;
    None when even the first has too few."""
    origin = int(counts.cohort_start_month.min())
    last = int((counts.cohort_start_month + counts.cohort_length).max())
    months = np.arange(origin, last + 1)
    year = np.minimum((months - first_month) // CALENDAR_BLOCK_MONTHS, MAX_CALENDAR_BLOCKS - 1)
    year = np.where(months < first_month, -1, year)
    churn_year = np.minimum(
        (control_churn_month - first_month) // CALENDAR_BLOCK_MONTHS, MAX_CALENDAR_BLOCKS - 1
    )
    churns = np.bincount(churn_year, w, MAX_CALENDAR_BLOCKS)
    level, block_of_year, running = 0, {}, 0.0
    for y in range(int(year.max()) + 1 if year.max() >= 0 else 0):
        if level == 0 or running >= MIN_BLOCK_CHURNS:
            level, running = level + 1, 0.0
        block_of_year[y] = level
        running += churns[y]
    if level == 0:
        return None
    if running < MIN_BLOCK_CHURNS:  # the last level is too thin: merge it into the one before
        if level == 1:
            return None
        block_of_year = {y: min(b, level - 1) for y, b in block_of_year.items()}
    return np.array([0 if y < 0 else block_of_year[int(y)] for y in year], dtype=np.int64)


def _exposure(counts: SegmentCounts) -> _Exposure:
    w = counts.group_customers
    start = counts.cohort_start_month[counts.group_cohort]
    first_change = np.full(counts.cohort_length.size, _NEVER, dtype=np.int64)
    np.minimum.at(first_change, counts.change_cohort, counts.change_renewal)
    k1 = first_change[counts.group_cohort]
    renewals, churned = counts.group_renewals, counts.group_churned
    exposed = k1 <= renewals
    if not exposed.any():
        return _Exposure(0, 0, 0, 0, None, None, False, None)
    first_month = int((start + k1)[exposed].min())
    control = (start < first_month) & (start + np.minimum(renewals, k1 - 1) >= first_month + 1)
    _, rise = price_levels(counts)
    first_cell = np.concatenate(([0], np.cumsum(counts.cohort_length + 1)[:-1]))
    at_rise = rise[first_cell[counts.group_cohort] + renewals] > 0
    level, _ = price_levels(counts)
    cut_faced = bool(np.any(level < -1e-12))
    unexposed_churn = churned & (renewals < k1) & (start < first_month)
    churn_month = start + renewals
    in_window = unexposed_churn & (churn_month >= first_month)
    n_control = int(round(w[control].sum()))
    blocks = None
    if n_control >= MIN_CONTROL_CUSTOMERS:
        blocks = _calendar_blocks(counts, first_month, churn_month[in_window], w[in_window])
    return _Exposure(
        exposed=int(round(w[exposed].sum())),
        control=n_control,
        churns_after=int(round(w[exposed & churned].sum())),
        first_month_churns=int(round(w[exposed & churned & at_rise].sum())),
        first_change_month=first_month,
        calendar_block=blocks,
        cut=cut_faced,
        targeting=_targeting(counts, start, k1, exposed, first_month),
    )


def _targeting(counts, start, k1, exposed, first_month) -> str | None:
    """A warning when the customers raised had a different tenure at the change than those
    who kept their price had at the same time (Guelman & Guillen 2014), else None."""
    w = counts.group_customers
    change_month = (start + k1)[exposed]
    _, _, month = _weighted_stats(change_month.astype(float), w[exposed])
    month = int(month)
    kept = (
        (k1 > counts.group_renewals)
        & (start < first_month)
        & (start + counts.group_entry < month)
        & (start + counts.group_renewals >= month)
    )
    if w[kept].sum() < MIN_CONTROL_CUSTOMERS:
        return None
    mean_e, var_e, median_e = _weighted_stats(k1[exposed].astype(float), w[exposed])
    mean_c, var_c, median_c = _weighted_stats((month - start[kept]).astype(float), w[kept])
    spread = math.sqrt((var_e + var_c) / 2) or 1.0
    difference = (mean_e - mean_c) / spread
    if abs(difference) <= TARGETING_DIFFERENCE:
        return None
    which = "longer" if difference > 0 else "shorter"
    return (
        f"The rises went to customers with {which} tenure than those who kept their price "
        f"(median tenure at the change: {median_e:.0f} months, against {median_c:.0f} for "
        f"the others at the same time), so the rises were targeted, not spread at random. The "
        f"model allows for tenure, but if the customers raised were also chosen by anything "
        f"else that goes with churn (usage, plan, complaints, risk scores), the estimate mixes "
        f"that choice with the price response. A random hold-out group would settle it."
    )


def _interval(estimate: float, se: float, scale: float) -> tuple[float, float]:
    half = float(ndtri(0.5 + LEVEL / 2)) * se
    return float(math.exp(scale * (estimate - half))), float(math.exp(scale * (estimate + half)))


def _not_estimated(counts: SegmentCounts, exposure: _Exposure, reason: str) -> SegmentPriceResponse:
    return SegmentPriceResponse(
        segment=counts.segment,
        hazard_ratio_per_10pct=None,
        hazard_ratio_per_10pct_interval=None,
        first_month_hazard_ratio=None,
        first_month_hazard_ratio_interval=None,
        exposed_customers=exposure.exposed,
        control_customers=exposure.control,
        method="not estimated",
        warnings=(reason,),
        customers=counts.customers,
        churns_after_change=exposure.churns_after,
    )


def segment_price_response(
    counts: SegmentCounts, data_warnings: tuple[str, ...] = ()
) -> SegmentPriceResponse:
    """Fit one segment's price response (module docstring) from its grouped history.

    ``data_warnings`` (about the files) are appended to the segment's own warnings.
    """
    exposure = _exposure(counts)
    if exposure.exposed == 0:
        return _not_estimated(
            counts,
            exposure,
            "No customer in this segment was observed after a price change, so the price "
            "response cannot be learnt from it: keep the prior, or test a rise on a random "
            "group of customers.",
        )
    if exposure.churns_after == 0:
        return _not_estimated(
            counts,
            exposure,
            f"None of the {exposure.exposed:,} customers whose price changed has left since, "
            "so the data cannot say how much a rise adds to churn: keep the prior.",
        )
    first_month = exposure.first_month_churns > 0
    d = design(
        counts, cut=exposure.cut, first_month=first_month, calendar_block=exposure.calendar_block
    )
    fit = fit_likelihood(counts, d)
    warnings = _warnings(exposure, fit, first_month)
    scale = math.log(1.1)
    eta = fit.coefficient("rise")
    eta_se = fit.standard_error("rise")
    estimable = fit.converged and bool(fit.free[2]) and math.isfinite(eta_se)
    if not estimable:
        return _not_estimated(
            counts,
            exposure,
            "The data do not pin the price response down (the fit did not settle on one "
            "value): keep the prior, or test a rise on a random group of customers.",
        )
    kappa = fit.coefficient("first_month") if first_month else None
    kappa_ok = kappa is not None and bool(fit.free[2 + d.names.index("first_month")])
    kappa_se = fit.standard_error("first_month") if kappa_ok else float("nan")
    hr_interval = _interval(eta, eta_se, scale)
    if hr_interval[0] <= 1.0 <= hr_interval[1]:
        warnings.append(
            "The interval includes 1.0: these data cannot tell the lasting effect of the rises "
            "from no effect at all."
        )
    calendar = tuple(
        float(math.exp(fit.coefficient(n))) for n in d.names if n.startswith("calendar_")
    )
    return SegmentPriceResponse(
        segment=counts.segment,
        hazard_ratio_per_10pct=float(math.exp(scale * eta)),
        hazard_ratio_per_10pct_interval=hr_interval,
        first_month_hazard_ratio=float(math.exp(kappa)) if kappa_ok else None,
        first_month_hazard_ratio_interval=(
            _interval(kappa, kappa_se, 1.0) if kappa_ok and math.isfinite(kappa_se) else None
        ),
        exposed_customers=exposure.exposed,
        control_customers=exposure.control,
        method=_method(exposure, calendar),
        warnings=tuple(warnings) + tuple(data_warnings),
        elasticity=eta,
        elasticity_standard_error=eta_se,
        customers=counts.customers,
        churns_after_change=exposure.churns_after,
        sbg_alpha=float(math.exp(fit.params[0])),
        sbg_beta=float(math.exp(fit.params[1])),
        calendar_hazard_ratios=calendar,
    )


def _method(exposure: _Exposure, calendar: tuple[float, ...]) -> str:
    head = (
        "PH-sBG maximum likelihood on each customer's own price path (heterogeneity as in "
        "the engine; only renewals after the customer's own change count as exposed)"
    )
    if exposure.calendar_block is not None:
        levels = f"{len(calendar)} calendar level{'s' if len(calendar) != 1 else ''}"
        return (
            f"{head}, against {exposure.control:,} control customers who kept their price, "
            f"with {levels} (one per year since the first change) learnt from them; 90 % Wald "
            "interval with the larger of the model and robust standard errors"
        )
    return (
        f"{head}, before/after only: churn after the change against the sBG projection from "
        "before it, no control group and no calendar effects; 90 % Wald interval with the "
        "larger of the model and robust standard errors"
    )


def _warnings(exposure: _Exposure, fit: LikelihoodFit, first_month: bool) -> list[str]:
    out = []
    if exposure.calendar_block is None:
        if exposure.control < MIN_CONTROL_CUSTOMERS:
            who = "No customer" if exposure.control == 0 else f"Only {exposure.control:,} customers"
            out.append(
                f"{who} kept the old price while others were raised (a uniform roll-out), so "
                "there is no control group. The effect is measured only by comparing churn "
                "after the rise with what the churn pattern before it predicts (the sBG "
                "projection): anything else that changed at the same time - a competitor's "
                "offer, a campaign, the season - is counted as the price response."
            )
        else:
            out.append(
                f"The {exposure.control:,} customers who kept their price left too rarely "
                f"after the first change (fewer than {MIN_BLOCK_CHURNS} churns) to learn the "
                "calendar effects from them: the estimate compares churn after the rise with "
                "the sBG projection from before it, and counts anything else that changed at "
                "the same time as the price response."
            )
    if exposure.targeting is not None:
        out.append(exposure.targeting)
    if exposure.exposed < MIN_EXPOSED_CUSTOMERS:
        out.append(
            f"Only {exposure.exposed:,} customers were observed after a price change (fewer "
            f"than {MIN_EXPOSED_CUSTOMERS}): treat the estimate as a rough guide."
        )
    if exposure.churns_after < MIN_EXPOSED_CHURNS:
        out.append(
            f"Only {exposure.churns_after:,} customers left after their price changed (fewer "
            f"than {MIN_EXPOSED_CHURNS}): the interval is wide; treat the estimate as a rough "
            "guide."
        )
    if exposure.cut:
        out.append(
            "Some customers had their price cut; cuts get their own coefficient, and the "
            "hazard ratio reported is for rises."
        )
    if not first_month:
        out.append(
            "Nobody left at the first renewal at a new price, so the extra churn of that "
            "month cannot be estimated."
        )
    elif not fit.free[2 + fit.names.index("first_month")]:
        out.append(
            "The extra churn in the first month at a new price ran off to an extreme: too few "
            "customers left then to estimate it."
        )
    return out


def calibrate_price_response(
    customers: pd.DataFrame,
    prices: pd.DataFrame,
    columns: PriceColumns | None = None,
    *,
    as_of: datetime.date | None = None,
    observed_from: datetime.date | None = None,
    customers_name: str = "customers",
    prices_name: str = "prices",
) -> PriceResponse:
    """Learn each segment's price response from a customer table and its price history.

    Parameters
    ----------
    customers, prices
        The tables as :func:`simulator.data.tables.read_table` returns them (CSV, Excel or
        Parquet uploads): customers with id, start date, end date (empty while active) and
        optionally a segment; prices with id, effective date and monthly price (currency of
        the firm), one row per customer and price period.
    columns
        The columns of each role; unset roles (all, with None) are proposed from the column
        names (:func:`simulator.data.price_tables.propose_price_columns`).
    as_of
        The date the tables describe; default the latest start or end date of the customers.
    observed_from
        For a customer table holding only customers active since this date: renewals before
        it are left-truncated. None: every customer is observed from its start.
    customers_name, prices_name
        File names, for the messages.

    Returns
    -------
    PriceResponse

    Raises
    ------
    simulator.data.tables.DataError
        A table that cannot be used, naming the file, the column and the rows.
    """
    history = price_history(
        customers,
        prices,
        columns or PriceColumns(),
        as_of=as_of,
        observed_from=observed_from,
        customers_name=customers_name,
        prices_name=prices_name,
    )
    segments = tuple(
        segment_price_response(counts, history.warnings) for counts in count_price_history(history)
    )
    return PriceResponse(segments=segments, as_of=history.as_of, data_warnings=history.warnings)


def calibrate_price_files(
    customers: bytes,
    prices: bytes,
    *,
    customers_name: str,
    prices_name: str,
    columns: PriceColumns | None = None,
    as_of: datetime.date | None = None,
    observed_from: datetime.date | None = None,
) -> PriceResponse:
    """:func:`calibrate_price_response` on two uploaded files (the bytes of a CSV, Excel or
    Parquet file each, read by :func:`simulator.data.tables.read_table`): what
    ``python -m simulator calibrate-price`` and an upload page call.

    Raises
    ------
    simulator.data.tables.DataError
        A file that cannot be read or used, naming the file, the column and the rows.
    """
    return calibrate_price_response(
        read_table(customers, name=customers_name),
        read_table(prices, name=prices_name),
        columns or PriceColumns(),
        as_of=as_of,
        observed_from=observed_from,
        customers_name=customers_name,
        prices_name=prices_name,
    )


def controllable_elasticity(hazard_ratio_per_10pct: float, uncontrollable_share: float) -> float:
    """The engine's eta for a measured hazard ratio on the whole hazard (docs/model.md).

    The engine applies the lasting price term to the controllable part of churn only,
    c = u + (1 - u) pi ** eta; matching the measured ratio at +10 %,
    eta = ln((HR10 - u) / (1 - u)) / ln 1.1 (0 when HR10 <= 1).
    """
    u = float(uncontrollable_share)
    if not 0.0 <= u < 1.0:
        raise ValueError(f"uncontrollable_share must lie in [0, 1); got {u}")
    if hazard_ratio_per_10pct <= 1.0:
        return 0.0
    return math.log((hazard_ratio_per_10pct - u) / (1.0 - u)) / math.log(1.1)


__all__ = [
    "LEVEL",
    "PriceResponse",
    "SegmentPriceResponse",
    "calibrate_price_files",
    "calibrate_price_response",
    "controllable_elasticity",
    "segment_price_response",
]
