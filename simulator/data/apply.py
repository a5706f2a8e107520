"""A calibration applied: the template business with what the data measured (sBG or constant
churn, ARPU, the active base by tenure, acquisitions, referrals, the price and service links,
the satisfied share), each replaced field labelled as data.
"""

from __future__ import annotations

import math
from dataclasses import replace

from simulator.data.calibrate import Calibration, SatisfactionSummary, SegmentCalibration
from simulator.data.hazard import HazardFit
from simulator.model.params import Business, Segment

__all__ = ["LINK_LEVEL", "apply_calibration", "service_churn_reduction", "with_measured_csat"]


LINK_LEVEL = 0.9
"""Two-sided confidence level at which a hazard link must be significant to be used."""


def apply_calibration(business: Business, calibration: Calibration) -> Business:
    """The template ``business`` with its segments replaced by what ``calibration`` measured.

    * Segments in both: ``sbg_alpha`` and ``sbg_beta`` from the fit (and
      ``constant_monthly_churn`` cleared) when the segment was fitted, or, when constant churn
      fits as well (``constant_churn_fits``), ``constant_monthly_churn`` set to the geometric
      MLE (the template's alpha and beta are kept but unused); ``arpu_per_month`` when
      the data had revenue; ``base_customers_by_tenure`` (the active base by tenure);
      ``paid_acquisitions_per_month`` and ``referral_rate_per_month`` when measured (paid
      acquisitions not measured, e.g. in a table without start dates, are the template's scaled
      by the segment's active base over the template segment's: the template's acquisitions per
      active customer, still labelled an assumption);
      ``lasting_price_elasticity`` from the price link, ``max_service_churn_reduction``
      from the satisfaction link and ``contacts_churn_coefficient`` from the contacts link
      when those are significant (:data:`LINK_LEVEL`) and point the expected way
      (:func:`service_churn_reduction`; more contacts, more churn). Every other field is kept.
    * Segments of the calibration the business does not have are **added**, copying every prior
      (costs, price and service response, and the sBG parameters and ARPU when the data cannot
      supply them) of the template's first segment under the new name.
    * Segments of the business absent from the calibration are **dropped**: the business then
      describes the customers in the data. A dropped ``core_segment`` becomes None (the first
      segment), and data/user field paths of dropped segments are removed.
    * ``service.csat`` becomes the satisfied share when the data have satisfaction scores, and
      ``service.issues_per_customer_month`` the contacts per customer-month measured (times
      today's first-contact resolution: issues = contacts x FCR) when they have contacts.

    Each replaced parameter is listed in ``data_fields`` (``"segments.<name>.<field>"``,
    ``"service.csat"``, ``"service.issues_per_customer_month"``).

    Parameters
    ----------
    business
        Template supplying everything the data do not measure.
    calibration
        Result of :func:`simulator.data.calibrate.calibrate` (at least one segment).

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
        changes = _segment_changes(base, cal, calibration.satisfaction, business)
        segment = replace(base, **changes)
        if "paid_acquisitions_per_month" not in changes and base.base_customers > 0:
            # Not measured (no start dates): keep the template's new customers per active
            # customer, not its count, or a segment of 15 customers would gain hundreds a month.
            scaled = base.paid_acquisitions_per_month * segment.base_customers / base.base_customers
            segment = replace(segment, paid_acquisitions_per_month=scaled)
        segments.append(segment)
        measured.extend(f"segments.{cal.name}.{name}" for name in changes)
    kept = {s.name for s in segments}

    def still_there(path: str) -> bool:
        parts = path.split(".")
        return not (len(parts) >= 3 and parts[0] == "segments" and parts[1] not in kept)

    data_fields = [p for p in business.data_fields if still_there(p)] + measured
    user_fields = [p for p in business.user_fields if still_there(p) and p not in measured]
    applied = replace(
        business,
        segments=tuple(segments),
        core_segment=business.core_segment if business.core_segment in kept else None,
        data_fields=tuple(dict.fromkeys(data_fields)),
        user_fields=tuple(user_fields),
    )
    applied = _with_measured_contacts(applied, calibration)
    if calibration.satisfaction is None:
        return applied
    return with_measured_csat(applied, calibration.satisfaction)


def _with_measured_contacts(business: Business, calibration: Calibration) -> Business:
    """``business`` with the issues per customer-month the data's contacts imply (active
    customers' contacts per month, weighted by segment, times today's FCR), labelled data."""
    known = [
        (s.active, s.contacts_per_month)
        for s in calibration.segments
        if math.isfinite(s.contacts_per_month) and s.active > 0
    ]
    if not known:
        return business
    active = sum(a for a, _ in known)
    contacts = sum(a * c for a, c in known) / active
    service = business.service
    path = "service.issues_per_customer_month"
    return replace(
        business,
        service=replace(
            service, issues_per_customer_month=contacts * service.first_contact_resolution
        ),
        data_fields=tuple(dict.fromkeys((*business.data_fields, path))),
        user_fields=tuple(p for p in business.user_fields if p != path),
    )


def with_measured_csat(business: Business, satisfaction: SatisfactionSummary) -> Business:
    """``business`` with ``service.csat`` set to the satisfied share measured, labelled data."""
    return replace(
        business,
        service=replace(business.service, csat=satisfaction.satisfied_share),
        data_fields=tuple(dict.fromkeys((*business.data_fields, "service.csat"))),
        user_fields=tuple(p for p in business.user_fields if p != "service.csat"),
    )


def service_churn_reduction(
    link: HazardFit,
    satisfaction: SatisfactionSummary,
    *,
    max_csat_gain: float,
    uncontrollable_churn_share: float,
) -> float:
    """Controllable churn reduction at full service effect (M_max) implied by a satisfaction link.

    At full effect the simulator raises the satisfied share by ``max_csat_gain`` (model.md 3.4).
    Read as that share of customers moving from a typical not-satisfied score (two points below
    the satisfied threshold) to the mean of the satisfied boxes, the mean score rises by
    ``delta = max_csat_gain * (mean satisfied score - typical other score)`` points and the
    hazard falls by the factor ``HR ** delta`` (HR per point from ``link``). Only the
    controllable part of churn moves (model.md 2.4), so
    ``M_max = (1 - HR ** delta) / (1 - uncontrollable_churn_share)``, kept within [0, 0.9].

    A satisfaction link from survey data is confounded and biased (model.md 6.6): treat the
    result as an upper bound.
    """
    satisfied_mean = (satisfaction.satisfied_from + satisfaction.scale_max) / 2
    rest_mean = satisfaction.satisfied_from - 2
    delta = max_csat_gain * (satisfied_mean - rest_mean)
    reduction = (1 - link.hazard_ratio**delta) / (1 - uncontrollable_churn_share)
    return float(min(max(reduction, 0.0), 0.9))


def _segment_changes(
    base: Segment,
    cal: SegmentCalibration,
    satisfaction: SatisfactionSummary | None,
    business: Business,
) -> dict[str, object]:
    """Segment fields the calibration replaces, in a fixed order."""
    changes: dict[str, object] = {}
    if cal.uses_constant_churn:
        changes["constant_monthly_churn"] = cal.constant_churn
    elif cal.fit is not None:
        (var_a, cov), (_, var_b) = cal.fit.covariance_log
        changes.update(
            sbg_alpha=cal.fit.alpha,
            sbg_beta=cal.fit.beta,
            sbg_log_covariance=(var_a, cov, var_b),
            constant_monthly_churn=None,
        )
    if cal.arpu is not None:
        changes["arpu_per_month"] = cal.arpu
    changes["base_customers_by_tenure"] = cal.active_by_tenure
    if math.isfinite(cal.paid_acquisitions_per_month):
        changes["paid_acquisitions_per_month"] = cal.paid_acquisitions_per_month
    if math.isfinite(cal.referral_rate_per_month):
        changes["referral_rate_per_month"] = cal.referral_rate_per_month
    price = cal.links.get("price_change_log")
    if price is not None and price.significant(LINK_LEVEL) and price.coefficient > 0:
        changes["lasting_price_elasticity"] = price.coefficient
    contacts = cal.links.get("contacts")
    if contacts is not None and contacts.significant(LINK_LEVEL) and contacts.coefficient > 0:
        # The link is per contact in 12 months; the model's contacts are per customer-month.
        changes["contacts_churn_coefficient"] = 12.0 * contacts.coefficient
    link = cal.links.get("satisfaction")
    if (
        link is not None
        and satisfaction is not None
        and link.significant(LINK_LEVEL)
        and link.coefficient < 0
    ):
        changes["max_service_churn_reduction"] = service_churn_reduction(
            link,
            satisfaction,
            max_csat_gain=business.service.max_csat_gain,
            uncontrollable_churn_share=base.uncontrollable_churn_share,
        )
    return changes
