"""Every parameter in use, its unit, where it came from and what supports it.

:func:`parameter_table` is what the Assumptions page shows and what exports list: one row per
parameter, labelled ``data`` (measured from customer data), ``assumption`` (a default prior,
model.md section 2.7 and 3), ``user`` (changed by a user) or ``setting`` (a scenario decision).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import replace

import pandas as pd

from simulator.model.evidence import EVIDENCE_GRADES
from simulator.model.params import LEVERS, Business, Scenario, Segment
from simulator.model.validators import ParameterError

# field -> (unit, reference). Units: "currency" is the business's currency.
SEGMENT_FIELDS: dict[str, tuple[str, str]] = {
    "arpu_per_month": ("currency per customer-month", "customer data (revenue)"),
    "variable_cost_per_month": ("currency per customer-month", "finance"),
    "sbg_alpha": ("shape", "Fader & Hardie 2007"),
    "sbg_beta": ("shape", "Fader & Hardie 2007"),
    "constant_monthly_churn": ("fraction per month", "geometric model"),
    "base_customers_by_tenure": ("customers", "customer data (active base)"),
    "paid_acquisitions_per_month": ("customers per month", "customer data (start dates)"),
    "acquisition_cost_per_customer": ("currency per customer", "marketing"),
    "referral_rate_per_month": ("referrals per customer-month", "Schmitt et al. 2011"),
    "referral_reward_per_customer": ("currency per customer", "marketing"),
    "referred_churn_multiplier": ("hazard multiplier", "Schmitt et al. 2011; Villanueva 2008"),
    "lasting_price_elasticity": ("hazard elasticity", "Danaher 2002; Iyengar et al. 2011"),
    "notice_shock_churn_per_10pct": ("fraction of base", "Netflix 2011; Ascarza et al. 2016"),
    "shock_half_life_months": ("months", "Briesch et al. 1997"),
    "decrease_response_ratio": ("ratio", "Tversky & Kahneman 1991; Bell & Lattin 2000"),
    "price_threshold": ("log-price", "Kalyanaram & Little 1994"),
    "uncontrollable_churn_share": ("fraction of churn", "Braun & Schweidel 2011"),
    "satisfaction_moderation": ("per unit of quality", "Homburg et al. 2005; Anderson 1996"),
    "max_service_churn_reduction": ("fraction of controllable churn", "Bolton 1998; Simester 2000"),
    "acquisition_price_elasticity": (
        "conversion elasticity",
        "Bijmolt et al. 2005; Tellis 1988 (brand-choice meta-analyses)",
    ),
    "acquisition_share": ("share of prospects", "assumption (logit saturation)"),
    "market_price_ratio": ("ratio to competitors' price", "market data"),
    "wtp_median": (
        "ratio to competitors' price",
        "fit to Netflix 2011 and UK broadband 2023 (price evidence)",
    ),
    "wtp_log_sd": ("log-price", "fit to Netflix 2011 and UK broadband 2023 (price evidence)"),
    "wtp_exit_half_life_months": ("months", "DellaVigna & Malmendier 2006"),
    "negative_wom_per_defector": (
        "customers lost per defector",
        "Wharton/Verde 2006; East et al. 2008; Goldenberg et al. 2007",
    ),
    "negative_wom_half_life_months": ("months", "assumption; Trusov et al. 2009"),
    "contacts_churn_coefficient": (
        "log-hazard per contact per customer-month",
        "your customer data (an upper bound: confounded)",
    ),
    "notice_multiplier_cap": (
        "hazard multiplier",
        "Ascarza et al. 2016 (x1.56); Einav et al. 2023 (about x2)",
    ),
}
SERVICE_FIELDS: dict[str, tuple[str, str]] = {
    "issues_per_customer_month": ("issues per customer-month", "contact-centre data"),
    "first_contact_resolution": ("fraction", "contact-centre data"),
    "handling_time_minutes": ("minutes per contact", "contact-centre data"),
    "cost_per_handling_minute": ("currency per minute", "finance"),
    "csat": ("fraction satisfied", "survey data"),
    "max_csat_gain": ("fraction points at full effect", "benchmarks, pilots"),
    "max_fcr_gain": ("fraction points at full effect", "SQM Group (practitioner)"),
    "max_handling_time_reduction": ("fraction at full effect", "benchmarks, pilots"),
    "max_arpu_uplift": ("fraction at full effect", "Heskett et al. 1994; Reinartz & Kumar 2002"),
    "max_referral_uplift": ("fraction at full effect", "Trusov et al. 2009"),
    "rise_contacts_per_100": ("contacts per 100 customers", "assumption (no published source)"),
    "cancellation_contacts_per_defector": ("contacts per defector", "assumption"),
    "wave_handling_time_factor": ("multiple of handling time", "assumption"),
    "overload_churn_increase": ("fraction per 100 % overload", "assumption"),
    "handling_minutes_per_agent_month": ("minutes per agent-month", "workforce planning"),
    "agents": ("agents (full-time)", "workforce data"),
    "agent_attrition_per_year": ("fraction a year", "HR data (contact centres: 30-45 %)"),
    "max_attrition_reduction": (
        "fraction a year at full effect",
        "Harter, Schmidt & Hayes 2002; assumption",
    ),
    "agent_replacement_cost_months": (
        "months of loaded agent cost",
        "HR data (practitioner: USD 10-20k)",
    ),
}
LEVER_FIELDS: dict[str, tuple[str, str]] = {
    "ramp_half_life_months": ("months", "Jin et al. 2017 (adstock)"),
    "half_effect_cost_share": (
        "share of the unit cost",
        "docs/model.md: service investment (assumption)",
    ),
    "current_spend_per_month": ("currency per month", "your finance data"),
    "hill_exponent": ("shape", "Little 1970; Jin et al. 2017"),
    "weight": ("share of quality index", "docs/model.md: service investment"),
}
BUSINESS_FIELDS: dict[str, tuple[str, str]] = {
    "fee_salience": (
        "multiple of price",
        "Kahneman, Knetsch & Thaler 1986; Iyengar et al. 2011; Bank Transfer Day 2011",
    ),
    "market_price_change": ("fraction of competitors' price", "your market view"),
    "market_price_change_month": ("month", "your market view"),
}
SCENARIO_FIELDS: dict[str, str] = {
    "price_change": "fraction of list price",
    "monthly_fee": "currency per customer-month",
    "price_change_month": "month",
    "notice_months": "months",
    "phase_in_months": "months",
    "grandfather_existing": "yes/no",
    **{f"{lever}_spend_per_month": "currency per month" for lever in LEVERS},
    "horizon_months": "months",
    "annual_discount_rate": "fraction per year",
}

PUBLISHED: frozenset[str] = frozenset(
    {
        "lasting_price_elasticity",
        "notice_shock_churn_per_10pct",
        "shock_half_life_months",
        "decrease_response_ratio",
        "price_threshold",
        "satisfaction_moderation",
        "referred_churn_multiplier",
        "acquisition_price_elasticity",
        "wtp_median",
        "wtp_log_sd",
        "wtp_exit_half_life_months",
        "negative_wom_per_defector",
        "notice_multiplier_cap",
        "fee_salience",
    }
)
"""Judgement priors whose default and range rest on published figures from other firms (graded
``published``; docs/model.md gives each source and how strong it is); every other default is an
``assumption``."""

GRADES: tuple[str, ...] = (*EVIDENCE_GRADES[:4], "customer_data", *EVIDENCE_GRADES[4:], "setting")
"""Every value of the table's ``grade`` column, strongest first: the data grades of
:data:`~simulator.model.params.EVIDENCE_GRADES`, then ``customer_data`` (measured from the
planner's customer table), ``published``, ``assumption`` and ``setting`` (a user's choice)."""

TABLE_COLUMNS = (
    "group",
    "segment",
    "parameter",
    "path",
    "value",
    "unit",
    "source",
    "grade",
    "reference",
)


def parameter_table(business: Business, scenario: Scenario) -> pd.DataFrame:
    """One row per parameter in use.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`: ``group`` ("segment", "service", "lever", "business",
        "scenario"), ``segment`` (or the lever name, else ""), ``parameter`` (field name),
        ``path`` (dotted path used by ``Business.source``), ``value`` (the base tenure table is
        summarised as its total), ``unit``, ``source`` ("data", "assumption", "user" or
        "setting"), ``grade`` (how well the value is known, :data:`GRADES`) and ``reference``
        (for measured evidence, how it was measured).
    """
    rows = []

    def row(group: str, owner: str, name: str, path: str, value: object, unit: str, ref: str):
        source = business.source(path)
        evidence = business.evidence_for(path)
        if evidence is not None:
            grade, ref = evidence.grade, evidence.note or ref
        elif source == "user":
            grade = "setting"
        elif source == "data":
            grade = "customer_data"
        else:
            grade = "published" if name in PUBLISHED else "assumption"
        rows.append((group, owner, name, path, value, unit, source, grade, ref))

    for seg in business.segments:
        for name, (unit, ref) in SEGMENT_FIELDS.items():
            value = getattr(seg, name)
            if value is None:  # an optional mechanism that is off (constant churn, ...)
                continue
            if name == "base_customers_by_tenure":
                value = seg.base_customers
            row("segment", seg.name, name, f"segments.{seg.name}.{name}", value, unit, ref)
    for name, (unit, ref) in SERVICE_FIELDS.items():
        value = getattr(business.service, name)
        if value is not None:  # agents: only when the planner entered them
            row("service", "", name, f"service.{name}", value, unit, ref)
    for lever in LEVERS:
        response = business.service.lever(lever)
        for name, (unit, ref) in LEVER_FIELDS.items():
            path = f"service.{lever}.{name}"
            row("lever", lever, name, path, getattr(response, name), unit, ref)
    for name, (unit, ref) in BUSINESS_FIELDS.items():
        row("business", "", name, name, getattr(business, name), unit, ref)
    for f in dataclasses.fields(scenario):
        unit = SCENARIO_FIELDS[f.name]
        rows.append(
            (
                "scenario",
                "",
                f.name,
                f"scenario.{f.name}",
                getattr(scenario, f.name),
                unit,
                "setting",
                "setting",
                "",
            )
        )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def with_parameter(business: Business, path: str, value: float) -> Business:
    """``business`` with the parameter at dotted ``path`` set to ``value``, marked as user-set.

    Paths are those of :func:`parameter_table`: ``segments.<name>.<field>``, ``service.<field>``,
    ``service.<lever>.<field>`` or a Business field. ``base_customers_by_tenure`` takes the new
    total of active customers and scales every tenure in proportion (a single tenure-0 cohort if
    the segment had none).

    Raises
    ------
    ParameterError
        The value is missing, not finite, or invalid for its field (the message names it).
    """
    field = path.rsplit(".", 1)[-1]
    if value is None or not math.isfinite(float(value)):
        raise ParameterError("Value", field, "a number", value)
    value = float(value)
    if path.startswith("segments."):
        name, field = path.removeprefix("segments.").rsplit(".", 1)
        segment = business.segment(name)
        new_value = _scaled_base(segment, value) if field == "base_customers_by_tenure" else value
        segments = tuple(
            replace(s, **{field: new_value}) if s.name == name else s for s in business.segments
        )
        changed = replace(business, segments=segments)
    elif path.startswith("service."):
        parts = path.removeprefix("service.").split(".")
        service = business.service
        if len(parts) == 2:
            lever, field = parts
            service = replace(service, **{lever: replace(service.lever(lever), **{field: value})})
        else:
            service = replace(service, **{parts[0]: value})
        changed = replace(business, service=service)
    else:
        current = getattr(business, path)
        if isinstance(current, int) and not isinstance(current, bool) and value.is_integer():
            value = int(value)  # a whole month stays whole (market_price_change_month)
        changed = replace(business, **{path: value})
    user_fields = business.user_fields + (() if path in business.user_fields else (path,))
    return replace(changed, user_fields=user_fields)


def _scaled_base(segment: Segment, total: float) -> tuple[float, ...]:
    if total < 0:
        raise ParameterError(
            f"Segment {segment.name!r}", "base_customers_by_tenure", "at least 0", total
        )
    current = segment.base_customers
    if current <= 0:
        return (total,)
    return tuple(n * total / current for n in segment.base_customers_by_tenure)
