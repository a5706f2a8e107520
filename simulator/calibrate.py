"""Per-segment calibration of the simulator from customer records (model.md sections 6.2-6.4, 6.8).

Input is the **standard records form** every customer table is turned into before calibration:
a pandas DataFrame with one row per customer and the columns :data:`RECORD_COLUMNS`:

* ``customer_id`` (str), ``segment`` (str, non-empty);
* ``tenure_months`` (float >= 0): months observed as a customer, up to churn or the as-of date;
* ``churned`` (bool): churn observed at ``tenure_months`` (false: still active, censored);
* ``entry_months`` (float >= 0, at most ``tenure_months``): tenure at which the customer entered
  observation; 0 unless the table is left-truncated (customers already active when the data
  window opened);
* ``monthly_revenue`` (float, currency per month; NaN when the table has no revenue);
* ``satisfaction``, ``contacts`` (float, NaN when absent; not used here yet).

Whole months. The sBG model counts renewals, so every measure below that is "by month" uses the
whole-month duration ``months = round(tenure_months)`` (half to even, numpy's rounding), with a
churner's duration at least 1 (a churner paid at least one month), and the whole-month entry
``round(entry_months)``, lowered where needed so that it does not exceed the duration and stays
below it for churners. The monthly churn rate uses the raw (fractional) exposure.

Kaplan-Meier convention. ``km_survival_12`` / ``km_survival_24`` are the product-limit estimate
of S(t), the share of customers still active after t whole months of tenure (the same S(t) as
:func:`simulator.sbg.sbg_survival`), on the whole-month durations with delayed entry. They are
None (NaN in :class:`SegmentCalibration`) when the curve does not reach t: no customer's
duration is at least t, or at some tenure u <= t nobody was at risk (e.g. every customer entered
at tenure 12), so the estimate there would only be conditional on survival to a later tenure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from simulator.params import Business, Segment
from simulator.records import RECORD_COLUMNS
from simulator.sbg import SBGFit, sbg_survival
from simulator.survival import (
    HOMOGENEITY_LR_THRESHOLD,
    customer_intervals,
    fit_geometric_intervals,
    fit_sbg_customers,
    kaplan_meier,
    sbg_at_bound,
)

__all__ = [
    "Calibration",
    "SegmentCalibration",
    "apply_calibration",
    "calibrate",
    "holdout_check",
    "records_months",
]

REQUIRED_COLUMNS: tuple[str, ...] = RECORD_COLUMNS[:6]
"""Columns the records must have; ``satisfaction`` and ``contacts`` are optional (unused)."""

KM_TENURES: tuple[int, int] = (12, 24)
"""Tenures (months) at which the Kaplan-Meier survival is reported."""

HOLDOUT_COLUMNS: tuple[str, ...] = (
    "segment",
    "customers",
    "fit_through_months",
    "holdout_tenures",
    "mean_abs_error",
    "max_abs_error",
    "sbg_alpha",
    "sbg_beta",
    "reason",
)
"""Columns of :func:`holdout_check`."""


@dataclass(frozen=True, kw_only=True)
class SegmentCalibration:
    """What the records say about one segment.

    Attributes
    ----------
    name
        Segment label from the records.
    customers, churned, active
        Customers in the records; of them, those whose churn was observed and those still active.
    arpu
        Mean ``monthly_revenue`` of the active customers (currency per customer-month), ignoring
        missing values; None when no active customer has a revenue.
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
        The Kaplan-Meier table of :func:`simulator.survival.kaplan_meier` on the whole-month
        durations and entries (``time`` in months).
    active_share
        Share of all active customers in the records who are in this segment (0-1).
    active_by_tenure
        Active customers by whole-month tenure: element n counts those with duration n months
        (the simulator's ``base_customers_by_tenure``); empty when nobody is active.
    constant_churn_fits
        True when the records show no detectable heterogeneity: constant monthly churn (the
        geometric model) fits as well as the sBG, because the sBG fit sits at the parameter
        bound (:data:`simulator.survival.LOG_PARAMETER_BOUND`, the homogeneous limit) or its
        likelihood-ratio statistic over the geometric model, ``heterogeneity_lr``, is below
        :data:`simulator.survival.HOMOGENEITY_LR_THRESHOLD` (2.71, the 5 % point of
        0.5 chi2(0) + 0.5 chi2(1)). False when not fitted.
    constant_churn
        Maximum-likelihood constant monthly churn probability (geometric model, same censoring,
        truncation and tenure intervals as the sBG fit); NaN when not fitted.
    heterogeneity_lr
        2 (l_sBG - l_geometric), at least 0; NaN when not fitted.
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
    active_share: float
    active_by_tenure: tuple[int, ...] = field(repr=False)
    constant_churn_fits: bool = False
    constant_churn: float = math.nan
    heterogeneity_lr: float = math.nan

    @property
    def fitted(self) -> bool:
        """True when the segment has an sBG fit."""
        return self.fit is not None

    def to_dict(self) -> dict[str, object]:
        """JSON-safe summary (NaN and missing values become None), as in
        :meth:`Calibration.to_dict`.

        ``sbg_alpha``/``sbg_beta`` are None both when the segment was not fitted and when
        ``constant_churn_fits``: the bounded values there (around e^15 = 3.3e6) are an artefact
        of the bound, not estimates, and would read as meaningful numbers; the segment is then
        described by ``monthly_churn`` (constant churn; the simulator uses the geometric MLE
        ``constant_churn``, see :func:`apply_calibration`)."""
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
    """Per-segment calibration results, in order of first appearance in the records.

    Attributes
    ----------
    segments
        One :class:`SegmentCalibration` per segment of the records.
    min_customers
        Smallest segment that was fitted (customers).
    """

    segments: tuple[SegmentCalibration, ...]
    min_customers: int = 30

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
    records: pd.DataFrame, *, min_customers: int = 30, tenure_interval_months: int = 1
) -> Calibration:
    """Measure each segment of ``records``: counts, ARPU, churn rate, sBG fit, Kaplan-Meier, base.

    Parameters
    ----------
    records
        Customer records in the standard form (module docstring, :data:`RECORD_COLUMNS`;
        ``satisfaction`` and ``contacts`` may be absent, they are not used).
    min_customers
        Segments with fewer customers than this get no sBG fit (``fit`` None, ``reason`` says
        why); everything else is still measured. At least 1.
    tenure_interval_months
        Resolution of ``tenure_months`` (whole months, at least 1): 1 when tenure is known to
        the month; 12 when the table gave tenure in whole years (converted to months x 12).
        With 12, the sBG and geometric fits treat the data as interval-censored
        (:func:`simulator.survival.customer_intervals`): a churner with tenure 12 k months
        left somewhere in months (12 (k - 1), 12 k] (tenure 0 counts as the first year), and a
        customer still active has survived at least 12 k months (a lower bound). The counts,
        churn rate and Kaplan-Meier use the months as given.

    Returns
    -------
    Calibration
        One :class:`SegmentCalibration` per segment, in order of first appearance.

    Raises
    ------
    ValueError
        A required column is missing, or values are invalid (all offending columns are named):
        empty segment, tenure or entry not finite or negative, entry above tenure, churned not
        true/false, revenue not numeric; or the records are empty.

    Notes
    -----
    A segment is also left unfitted when it has no observed churn (the likelihood then grows
    without bound as beta grows) or when nobody in it is at risk of churn.
    """
    if not isinstance(min_customers, int) or isinstance(min_customers, bool) or min_customers < 1:
        raise ValueError(
            f"min_customers must be a whole number of at least 1; got {min_customers!r}"
        )
    if (
        not isinstance(tenure_interval_months, int)
        or isinstance(tenure_interval_months, bool)
        or tenure_interval_months < 1
    ):
        raise ValueError(
            "tenure_interval_months must be a whole number of at least 1; "
            f"got {tenure_interval_months!r}"
        )
    data = _check_records(records)
    total_active = int((~data["churned"]).sum())
    results = []
    for name, rows in data.groupby("segment", sort=False):
        results.append(
            _calibrate_segment(str(name), rows, total_active, min_customers, tenure_interval_months)
        )
    return Calibration(segments=tuple(results), min_customers=min_customers)


def records_months(records: pd.DataFrame) -> pd.DataFrame:
    """Validate standard records and add whole-month durations and entries (module docstring).

    Raises ValueError as :func:`calibrate` does.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``churned`` (bool), ``months`` and ``entry`` (int64, months), plus the
        raw ``tenure_months``, ``entry_months`` and ``monthly_revenue`` (float), same index.
    """
    return _check_records(records)


def holdout_check(records: pd.DataFrame, *, holdout_months: int = 12) -> pd.DataFrame:
    """How well an sBG fit on early tenures projects the later ones (model.md section 6.2 step 4).

    Per segment, with T the longest whole-month duration in it and c = T - ``holdout_months``:
    every customer's experience is cut at tenure c (customers with a longer duration become
    censored at c; customers who entered the data at tenure c or later are left out), the sBG is
    fitted to that, and its S(t) is compared with the Kaplan-Meier estimate on all the records
    at the holdout tenures t = c + 1, ..., T where the Kaplan-Meier curve reaches (module
    docstring). The records carry no calendar dates, so the holdout is by tenure, not by
    calendar month.

    Parameters
    ----------
    records
        Standard records form (see :func:`calibrate`).
    holdout_months
        Tenures held out, in months (at least 1).

    Returns
    -------
    pandas.DataFrame
        One row per segment, columns :data:`HOLDOUT_COLUMNS`: ``customers`` used in the fit,
        ``fit_through_months`` (c), ``holdout_tenures`` (how many tenures were compared),
        ``mean_abs_error`` and ``max_abs_error`` (absolute survival difference, share, NaN when
        nothing was compared), the early fit's ``sbg_alpha``/``sbg_beta`` (NaN if not fitted)
        and ``reason`` (None, or why the segment could not be checked).
    """
    if (
        not isinstance(holdout_months, int)
        or isinstance(holdout_months, bool)
        or holdout_months < 1
    ):
        raise ValueError(
            f"holdout_months must be a whole number of at least 1; got {holdout_months!r}"
        )
    data = _check_records(records)
    rows = []
    for name, seg in data.groupby("segment", sort=False):
        rows.append(_holdout_segment(str(name), seg, holdout_months))
    return pd.DataFrame(rows, columns=list(HOLDOUT_COLUMNS))


def apply_calibration(business: Business, calibration: Calibration) -> Business:
    """The template ``business`` with its segments replaced by what ``calibration`` measured.

    * Segments in both: ``sbg_alpha`` and ``sbg_beta`` from the fit (and
      ``constant_monthly_churn`` cleared) when the segment was fitted, or, when constant churn
      fits as well (``constant_churn_fits``), ``constant_monthly_churn`` set to the geometric
      MLE (the template's alpha and beta are kept but unused), ``arpu_per_month`` when
      the records had revenue, and ``base_customers_by_tenure`` (the active base by tenure);
      every other field is kept from the template.
    * Segments of the calibration the business does not have are **added**, copying every prior
      (costs, price and service response, and the sBG parameters and ARPU when the data cannot
      supply them) of the template's first segment under the new name.
    * Segments of the business absent from the calibration are **dropped**: the business then
      describes the customers in the data. A dropped ``core_segment`` becomes None (the first
      segment), and data/user field paths of dropped segments are removed.

    Each replaced parameter is listed in ``data_fields`` as ``"segments.<name>.<field>"``.

    Parameters
    ----------
    business
        Template supplying everything the records do not measure.
    calibration
        Result of :func:`calibrate` (at least one segment).

    Returns
    -------
    Business
        A new, validated business (the template is unchanged).
    """
    if not calibration.segments:
        raise ValueError("calibration has no segments to apply")
    first = business.segments[0]
    by_name = {s.name: s for s in business.segments}
    segments: list[Segment] = []
    measured: list[str] = []
    for cal in calibration.segments:
        base = by_name.get(cal.name, replace(first, name=cal.name))
        changes: dict[str, object] = {"base_customers_by_tenure": cal.active_by_tenure}
        if cal.fit is not None and cal.constant_churn_fits and 0 < cal.constant_churn < 1:
            changes["constant_monthly_churn"] = cal.constant_churn
        elif cal.fit is not None:
            changes.update(
                sbg_alpha=cal.fit.alpha, sbg_beta=cal.fit.beta, constant_monthly_churn=None
            )
        if cal.arpu is not None:
            changes["arpu_per_month"] = cal.arpu
        segments.append(replace(base, **changes))
        measured.extend(
            f"segments.{cal.name}.{name}"
            for name in (
                "sbg_alpha",
                "sbg_beta",
                "constant_monthly_churn",
                "arpu_per_month",
                "base_customers_by_tenure",
            )
            if name in changes
        )
    kept = {s.name for s in segments}

    def still_there(path: str) -> bool:
        parts = path.split(".")
        return not (len(parts) >= 3 and parts[0] == "segments" and parts[1] not in kept)

    data_fields = [p for p in business.data_fields if still_there(p)] + measured
    return replace(
        business,
        segments=tuple(segments),
        core_segment=business.core_segment if business.core_segment in kept else None,
        data_fields=tuple(dict.fromkeys(data_fields)),
        user_fields=tuple(p for p in business.user_fields if still_there(p)),
    )


# --------------------------------------------------------------------------------------------
# Internals


def _calibrate_segment(
    name: str, rows: pd.DataFrame, total_active: int, min_customers: int, interval: int = 1
) -> SegmentCalibration:
    churned = rows["churned"].to_numpy(dtype=bool)
    months = rows["months"].to_numpy(dtype=np.int64)
    entry = rows["entry"].to_numpy(dtype=np.int64)
    n = int(rows.shape[0])
    n_churned = int(churned.sum())
    exposure = float((rows["tenure_months"] - rows["entry_months"]).sum())
    monthly_churn = n_churned / exposure if exposure > 0 else math.nan

    revenue = rows.loc[~rows["churned"], "monthly_revenue"].dropna()
    arpu = float(revenue.mean()) if not revenue.empty else None

    km = kaplan_meier(months, churned, entry)
    km_at = {t: _km_at(km, months, entry, t) for t in KM_TENURES}

    active_months = months[~churned]
    active_by_tenure = (
        tuple(int(c) for c in np.bincount(active_months)) if active_months.size else ()
    )

    fit: SBGFit | None = None
    reason: str | None = None
    constant = {"constant_churn_fits": False, "constant_churn": math.nan}
    lr = math.nan
    if n < min_customers:
        reason = f"only {n} customers, fewer than the {min_customers} needed for a fit"
    elif n_churned == 0:
        reason = "no churn observed, so the churn rate cannot be fitted"
    elif not np.any(months > entry):
        reason = "no customer-months at risk of churn"
    else:
        try:
            fit = fit_sbg_customers(months, churned, entry, interval_months=interval)
            geometric = fit_geometric_intervals(
                *customer_intervals(months, churned, entry, interval_months=interval)
            )
        except ValueError as exc:  # pragma: no cover - inputs are checked above
            reason = f"fit failed: {exc}"
        if fit is not None and not (math.isfinite(fit.alpha) and math.isfinite(fit.beta)):
            fit, reason = None, "fit did not converge to finite parameters"
        if fit is not None:
            lr = max(0.0, 2.0 * (fit.log_likelihood - geometric.log_likelihood))
            constant = {
                "constant_churn_fits": sbg_at_bound(fit) or lr < HOMOGENEITY_LR_THRESHOLD,
                "constant_churn": geometric.churn,
            }

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
        active_share=(n - n_churned) / total_active if total_active > 0 else math.nan,
        active_by_tenure=active_by_tenure,
        heterogeneity_lr=lr,
        **constant,
    )


def _reaches(months: np.ndarray, entry: np.ndarray, t: int) -> bool:
    """True when some duration is at least t and the risk set is non-empty at every u in 1..t."""
    if t <= 0:
        return True
    if months.size == 0 or months.max() < t:
        return False
    # Customers at risk at u: entry < u <= months, i.e. u in [entry + 1, months].
    start = np.clip(entry + 1, 1, t + 1)
    stop = np.clip(months + 1, 1, t + 1)
    ok = stop > start
    diff = np.bincount(start[ok], minlength=t + 2) - np.bincount(stop[ok], minlength=t + 2)
    return bool(np.all(np.cumsum(diff)[1 : t + 1] > 0))


def _km_at(km: pd.DataFrame, months: np.ndarray, entry: np.ndarray, t: int) -> float:
    """Kaplan-Meier S(t) (step function), NaN if the curve does not reach t."""
    if not _reaches(months, entry, t):
        return math.nan
    before = km[km["time"] <= t]
    return float(before["survival"].iloc[-1]) if not before.empty else 1.0


def _holdout_segment(name: str, seg: pd.DataFrame, holdout: int) -> dict[str, object]:
    months = seg["months"].to_numpy(dtype=np.int64)
    churned = seg["churned"].to_numpy(dtype=bool)
    entry = seg["entry"].to_numpy(dtype=np.int64)
    last = int(months.max())
    cut = last - holdout
    out: dict[str, object] = {
        "segment": name,
        "customers": 0,
        "fit_through_months": cut,
        "holdout_tenures": 0,
        "mean_abs_error": math.nan,
        "max_abs_error": math.nan,
        "sbg_alpha": math.nan,
        "sbg_beta": math.nan,
        "reason": None,
    }
    if cut < 1:
        out["reason"] = f"longest tenure {last} months leaves nothing to fit before the holdout"
        return out
    keep = entry < cut
    m_fit = np.minimum(months[keep], cut)
    d_fit = churned[keep] & (months[keep] <= cut)
    out["customers"] = int(keep.sum())
    if not d_fit.any():
        out["reason"] = "no churn observed before the holdout tenures"
        return out
    fit = fit_sbg_customers(m_fit, d_fit, entry[keep])
    out["sbg_alpha"], out["sbg_beta"] = fit.alpha, fit.beta
    km = kaplan_meier(months, churned, entry)
    tenures = [t for t in range(cut + 1, last + 1) if _reaches(months, entry, t)]
    if not tenures:
        out["reason"] = "the Kaplan-Meier curve does not reach the holdout tenures"
        return out
    observed = np.array([_km_at(km, months, entry, t) for t in tenures])
    projected = np.asarray(sbg_survival(fit.alpha, fit.beta, np.array(tenures, dtype=float)))
    error = np.abs(projected - observed)
    out["holdout_tenures"] = len(tenures)
    out["mean_abs_error"] = float(error.mean())
    out["max_abs_error"] = float(error.max())
    return out


def _check_records(records: pd.DataFrame) -> pd.DataFrame:
    """Validate the standard records form; add whole-month ``months`` and ``entry``."""
    if not isinstance(records, pd.DataFrame):
        raise ValueError(f"records must be a pandas DataFrame; got {type(records).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"records: required column(s) {', '.join(missing)} missing")
    if records.empty:
        raise ValueError("records: no customers")
    problems: list[str] = []

    segment = records["segment"]
    bad_segment = segment.isna() | (segment.astype(str).str.strip() == "")
    if bad_segment.any():
        problems.append(f"segment ({int(bad_segment.sum())} empty)")

    def numeric(column: str) -> np.ndarray:
        try:
            return pd.to_numeric(records[column], errors="raise").to_numpy(dtype=float)
        except (TypeError, ValueError):
            problems.append(f"{column} (not numeric)")
            return np.zeros(len(records))

    tenure = numeric("tenure_months")
    entry = numeric("entry_months")
    revenue = numeric("monthly_revenue")
    bad_tenure = ~np.isfinite(tenure) | (tenure < 0)
    if bad_tenure.any():
        problems.append(f"tenure_months ({int(bad_tenure.sum())} missing, infinite or negative)")
    bad_entry = ~np.isfinite(entry) | (entry < 0) | (entry > tenure)
    if bad_entry.any():
        problems.append(
            f"entry_months ({int(bad_entry.sum())} missing, negative or above tenure_months)"
        )
    if np.any(np.isinf(revenue)):
        problems.append("monthly_revenue (infinite)")

    raw = records["churned"]
    if raw.dtype == bool:
        churned = raw.to_numpy(dtype=bool)
    else:
        values = raw.to_numpy(dtype=object)
        valid = np.array([v in (True, False) and not pd.isna(v) for v in values], dtype=bool)
        if not valid.all():
            problems.append(f"churned ({int((~valid).sum())} not true/false)")
        churned = np.array([bool(v) if ok else False for v, ok in zip(values, valid, strict=True)])
    if problems:
        raise ValueError("records: invalid values in " + "; ".join(problems))

    months = np.rint(tenure).astype(np.int64)
    months = np.where(churned, np.maximum(months, 1), months)
    whole_entry = np.minimum(np.rint(entry).astype(np.int64), months - churned.astype(np.int64))
    return pd.DataFrame(
        {
            "segment": segment.astype(str).to_numpy(),
            "churned": churned,
            "months": months,
            "entry": np.maximum(whole_entry, 0),
            "tenure_months": tenure,
            "entry_months": entry,
            "monthly_revenue": revenue,
        },
        index=records.index,
    )


def _json_float(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
