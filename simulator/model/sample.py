"""The sample business the app opens with, and the scenario it shows first.

A subscription broadband provider with two segments: "core" (loyal, low churn, low price
sensitivity) and "price-sensitive" (the opposite). Retention, economics and acquisition are the
values that ``sample_data/generate.py`` uses to write the bundled customer table, so the defaults
describe that business; the price- and service-response parameters are the judgement priors of
model.md section 2.7 (assumptions, not data).
"""

from __future__ import annotations

import numpy as np

from simulator.model.params import Business, LeverResponse, Scenario, Segment, ServiceOperations
from simulator.model.sbg import sbg_survival

HISTORY_MONTHS = 96
"""Months of acquisition history behind the sample business: it launched in October 2018, so
the base has tenures 0 to 95 months on the as-of date of the sample table (2026-09-30)."""

CORE = "core"
PRICE_SENSITIVE = "price-sensitive"


def steady_state_base(
    alpha: float, beta: float, acquisitions_per_month: float, months: int = HISTORY_MONTHS
) -> tuple[float, ...]:
    """Expected active customers by tenure after ``months`` of constant acquisition (sBG)."""
    return tuple(acquisitions_per_month * sbg_survival(alpha, beta, np.arange(months)))


PRICE_RESPONSE = dict(
    acquisition_price_elasticity=-2.0,
    acquisition_share=0.2,
    market_price_ratio=1.0,
    wtp_log_sd=0.3,
    wtp_exit_half_life_months=1.2,
    negative_wom_per_defector=0.1,
    negative_wom_half_life_months=3.0,
    notice_multiplier_cap=3.0,
)
"""How both sample segments respond to price beyond the hazard elasticity and the notice shock
(docs/model.md, price response): acquisition, reservation-price exits, word of mouth and the
bound of the notice shock; the reservation-price medians differ by segment."""


def sample_segments() -> tuple[Segment, ...]:
    """The two sample segments with their expected tenure distribution."""
    # The base was built by paid plus referred acquisitions (about 420 and 850 a month).
    core = dict(sbg_alpha=2.2, sbg_beta=60.0, paid_acquisitions_per_month=330.0)
    sensitive = dict(sbg_alpha=1.6, sbg_beta=12.0, paid_acquisitions_per_month=810.0)
    return (
        Segment(
            name=CORE,
            arpu_per_month=48.0,
            variable_cost_per_month=14.0,
            base_customers_by_tenure=steady_state_base(core["sbg_alpha"], core["sbg_beta"], 420.0),
            acquisition_cost_per_customer=180.0,
            referral_rate_per_month=0.0035,
            referral_reward_per_customer=30.0,
            referred_churn_multiplier=0.85,
            lasting_price_elasticity=0.5,
            notice_shock_churn_per_10pct=0.005,
            shock_half_life_months=1.0,
            decrease_response_ratio=0.5,
            price_threshold=0.02,
            uncontrollable_churn_share=0.35,
            satisfaction_moderation=0.5,
            max_service_churn_reduction=0.10,
            wtp_median=2.0,
            **PRICE_RESPONSE,
            **core,
        ),
        Segment(
            name=PRICE_SENSITIVE,
            arpu_per_month=32.0,
            variable_cost_per_month=12.0,
            base_customers_by_tenure=steady_state_base(
                sensitive["sbg_alpha"], sensitive["sbg_beta"], 850.0
            ),
            acquisition_cost_per_customer=120.0,
            referral_rate_per_month=0.002,
            referral_reward_per_customer=30.0,
            referred_churn_multiplier=0.85,
            lasting_price_elasticity=1.5,
            notice_shock_churn_per_10pct=0.03,
            shock_half_life_months=1.0,
            decrease_response_ratio=0.5,
            price_threshold=0.0,
            uncontrollable_churn_share=0.2,
            satisfaction_moderation=0.5,
            max_service_churn_reduction=0.10,
            wtp_median=1.6,
            **PRICE_RESPONSE,
            **sensitive,
        ),
    )


def sample_service() -> ServiceOperations:
    """The sample contact centre and the service-lever response priors (model.md section 3)."""
    return ServiceOperations(
        tools=LeverResponse(
            ramp_half_life_months=2.0,
            half_effect_cost_share=0.10,
            hill_exponent=1.5,
            weight=0.35,
        ),
        training=LeverResponse(
            ramp_half_life_months=4.0,
            half_effect_cost_share=0.15,
            hill_exponent=1.5,
            weight=0.45,
        ),
        incentives=LeverResponse(
            ramp_half_life_months=1.0,
            half_effect_cost_share=0.05,
            hill_exponent=1.2,
            weight=0.25,
        ),
        people=LeverResponse(
            ramp_half_life_months=4.0,
            half_effect_cost_share=0.15,
            hill_exponent=1.5,
            weight=0.5,
        ),
        issues_per_customer_month=0.25,
        first_contact_resolution=0.70,
        handling_time_minutes=9.0,
        cost_per_handling_minute=1.10,
        csat=0.72,
        max_csat_gain=0.12,
        max_fcr_gain=0.10,
        max_handling_time_reduction=0.15,
        max_arpu_uplift=0.02,
        max_referral_uplift=0.10,
        rise_contacts_per_100=5.0,
        cancellation_contacts_per_defector=1.0,
        wave_handling_time_factor=1.5,
        overload_churn_increase=0.09,
        handling_minutes_per_agent_month=6_000.0,
        agent_attrition_per_year=0.35,
        max_attrition_reduction=0.10,
        agent_replacement_cost_months=2.0,
    )


def sample_business() -> Business:
    """The bundled sample business."""
    return Business(
        name="Sample broadband provider",
        currency="EUR",
        segments=sample_segments(),
        service=sample_service(),
        fee_salience=1.5,
        core_segment=CORE,
    )


def example_scenario() -> Scenario:
    """The scenario the app opens with: +5 % price, a service programme of 45,000 a month."""
    return Scenario(
        price_change=0.05,
        monthly_fee=0.0,
        price_change_month=3,
        notice_months=1,
        tools_spend_per_month=10_000.0,
        training_spend_per_month=15_000.0,
        incentives_spend_per_month=5_000.0,
        people_spend_per_month=15_000.0,
        horizon_months=60,
        annual_discount_rate=0.10,
    )
