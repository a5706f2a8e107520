"""Parameter objects: frozen, keyword-only dataclasses validated on construction.

Conventions used everywhere in :mod:`simulator`:

* time runs in months; month 1 is the first simulated month and is not discounted;
* rates are fractions (``0.05`` means 5 %), per month unless the name says ``annual``;
* money is in the business's own currency, per customer-month unless the name says otherwise.

Three kinds of object:

* :class:`Segment` and :class:`ServiceOperations`/:class:`LeverResponse` describe the business and
  the judgement priors about how customers respond (data or assumptions, model.md sections 2-4);
* :class:`Business` bundles them;
* :class:`Scenario` holds the decision a user is trying out (user settings).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from simulator.model.evidence import Evidence
from simulator.model.validators import (
    ABOVE_0,
    AT_LEAST_0,
    SHARE,
    SHARE_BELOW_1,
    Bounded,
    check,
    check_fields,
    rule,
)

LEVERS: tuple[str, ...] = ("tools", "training", "incentives", "people")
"""The four service levers, in display order: tools, authority/training, incentives, people."""

PER_CONTACT_LEVERS: tuple[str, ...] = ("tools",)
"""Levers whose spend is an intensity per contact handled (licences and automation are bought per
seat and transaction, and what they save accrues per contact); the others are per agent-month
(training days, bonus pools and pay are per person, and their effect travels with the agent)."""

MAX_MONTHLY_AMOUNT = 1e9
"""Largest new monthly fee (currency per customer-month) and largest monthly budget per service
lever (currency a month) a :class:`Scenario` accepts. No real business reaches it, and the
engine, break-even search included, is checked to run cleanly up to it
(tests/test_query_properties.py); far beyond it prices and budgets overflow double precision."""

MAX_PRICE_CHANGE = 9.0
"""Largest price change a :class:`Scenario` accepts (a fraction: 9 = ten times today's price),
so that an executive can see where value turns and what a wildly high price does."""

MIN_PRICE_CHANGE = -0.9
"""Smallest price change (a fraction, excluded): a price cut of at most 90 %."""

MIN_ANNUAL_DISCOUNT_RATE = 1e-6
"""Smallest annual discount rate a :class:`Scenario` accepts (a fraction a year: 0.0001 %).

As the rate falls to 0 the value of customers alive at the horizon grows without bound (for
sBG churn with alpha <= 1 their undiscounted remaining lifetime is infinite), so there is no
limit to fall back on; from this rate up the monthly discount factor stays clear of 1 in double
precision and the terminal value is finite."""


@dataclass(frozen=True, kw_only=True)
class Segment:
    """One customer segment: its economics, baseline retention and price/service response.

    Parameters
    ----------
    name
        Label shown to users, e.g. ``"core"``.
    arpu_per_month
        Average revenue per active customer-month at today's price (currency).
    variable_cost_per_month
        Cost to serve one customer-month besides contact handling (COGS, payment fees).
    sbg_alpha, sbg_beta
        Shifted-beta-geometric parameters of the per-month churn probability theta ~ Beta(alpha,
        beta) (Fader & Hardie 2007). Ignored when ``constant_monthly_churn`` is set.
    sbg_log_covariance
        Uncertainty of the fit: ``(var ln alpha, cov(ln alpha, ln beta), var ln beta)`` from the
        inverse Hessian of the calibration, or empty when the values are not estimated. Monte
        Carlo draws (ln alpha, ln beta) jointly from it (model.md section 5.1).
    constant_monthly_churn
        If set, every customer churns with this probability each month (geometric model).
    base_customers_by_tenure
        Active customers today by tenure in months: element ``n`` counts customers who have
        renewed ``n`` times (tenure 0 = joined this month).
    paid_acquisitions_per_month
        New customers a month from paid channels.
    acquisition_cost_per_customer
        Paid acquisition cost (CAC) per new paid customer.
    referral_rate_per_month
        Referred new customers per active customer-month at today's service level (nu_0).
    referral_reward_per_customer
        Reward paid per referred new customer.
    referred_churn_multiplier
        Hazard multiplier of referred customers on the controllable part of churn (phi_ref).
    lasting_price_elasticity
        Hazard elasticity eta: a lasting price index pi multiplies controllable churn by pi**eta.
    notice_shock_churn_per_10pct
        Extra share of the existing base lost in the notice month of a +10 % increase (s).
    shock_half_life_months
        Half-life h of the reference-price adaptation; lambda = 0.5 ** (1 / h).
    decrease_response_ratio
        Asymmetry a: a price decrease lowers churn a times as much as an increase raises it.
    price_threshold
        Latitude of acceptance tau (log-price units): increases below it provoke no response.
    uncontrollable_churn_share
        Share u of baseline churn that no price or service lever affects (Braun & Schweidel 2011).
    satisfaction_moderation
        psi: service quality dQ scales price sensitivity by exp(-psi * dQ) (Homburg et al. 2005).
    max_service_churn_reduction
        M_max: reduction of controllable churn at full service effect (dQ = 1), gamma = -ln(1-M).
    acquisition_price_elasticity
        epsilon_a <= 0: elasticity of conversions (paid and referred) to the price prospects are
        told, relative to the market, at today's price; a logit share (model.md, price
        response). 0 means acquisitions ignore price.
    acquisition_share
        s0 in (0, 1): the firm's share of the segment's prospects today; sets how fast the logit
        share saturates (a deep cut can at most multiply conversions by 1 / s0).
    market_price_ratio
        r0 = today's price / the market reference price (competitors' price) for this segment.
    wtp_median
        Median reservation price relative to the market reference price (lognormal); customers
        whose reservation price a rise crosses leave. None switches reservation prices off.
    wtp_log_sd
        Standard deviation of the log reservation price.
    wtp_exit_half_life_months
        Half-life of the exits of customers told of a price above their reservation price.
    negative_wom_per_defector
        omega: new customers lost through word of mouth per price-driven defector (spread over
        time); 0 switches negative word of mouth off.
    negative_wom_half_life_months
        Half-life of that word of mouth (decay of the stock of recent defectors).
    notice_multiplier_cap
        M_s > 1: the largest factor the notice shock can put on controllable churn
        (L tanh(kappa g / L), L = ln M_s); None leaves the shock unbounded.
    contacts_churn_coefficient
        gamma_K: log-hazard of controllable churn per contact per customer-month, from the
        planner's data (an upper bound: customers about to leave call more); 0: contacts drive
        no churn of their own, only satisfaction does.
    """

    name: str
    arpu_per_month: float = rule(ABOVE_0)
    variable_cost_per_month: float = rule(AT_LEAST_0)
    sbg_alpha: float = rule(ABOVE_0, 1.0)
    sbg_beta: float = rule(ABOVE_0, 1.0)
    sbg_log_covariance: tuple[float, ...] = ()
    constant_monthly_churn: float | None = rule(
        Bounded(0.0, 1.0, low_open=True, high_open=True, words="between 0 and 1 (exclusive)"), None
    )
    base_customers_by_tenure: tuple[float, ...] = ()
    paid_acquisitions_per_month: float = rule(AT_LEAST_0, 0.0)
    acquisition_cost_per_customer: float = rule(AT_LEAST_0, 0.0)
    referral_rate_per_month: float = rule(SHARE_BELOW_1, 0.0)
    referral_reward_per_customer: float = rule(AT_LEAST_0, 0.0)
    referred_churn_multiplier: float = rule(Bounded(0.0, 2.0, low_open=True), 0.85)
    lasting_price_elasticity: float = rule(AT_LEAST_0, 1.0)
    notice_shock_churn_per_10pct: float = rule(SHARE_BELOW_1, 0.0)
    shock_half_life_months: float = rule(ABOVE_0, 1.0)
    decrease_response_ratio: float = rule(SHARE, 0.5)
    price_threshold: float = rule(
        Bounded(
            0.0,
            math.log(1.1),
            high_open=True,
            words="in [0, ln 1.1) so that a +10 % increase is noticed",
        ),
        0.0,
    )
    uncontrollable_churn_share: float = rule(SHARE_BELOW_1, 0.3)
    satisfaction_moderation: float = rule(AT_LEAST_0, 0.5)
    max_service_churn_reduction: float = rule(SHARE_BELOW_1, 0.10)
    acquisition_price_elasticity: float = rule(Bounded(high=0.0), 0.0)
    acquisition_share: float = rule(Bounded(0.0, 1.0, low_open=True, high_open=True), 0.2)
    market_price_ratio: float = rule(ABOVE_0, 1.0)
    wtp_median: float | None = rule(ABOVE_0, None)
    wtp_log_sd: float = rule(ABOVE_0, 0.3)
    wtp_exit_half_life_months: float = rule(ABOVE_0, 1.2)
    negative_wom_per_defector: float = rule(AT_LEAST_0, 0.0)
    negative_wom_half_life_months: float = rule(ABOVE_0, 3.0)
    notice_multiplier_cap: float | None = rule(Bounded(1.0, low_open=True), None)
    contacts_churn_coefficient: float = rule(AT_LEAST_0, 0.0)

    def __post_init__(self) -> None:
        o = f"Segment {self.name!r}"
        object.__setattr__(
            self, "base_customers_by_tenure", tuple(float(n) for n in self.base_customers_by_tenure)
        )
        object.__setattr__(
            self, "sbg_log_covariance", tuple(float(v) for v in self.sbg_log_covariance)
        )
        check_fields(o, self)
        check(bool(self.name.strip()), o, "name", self.name, "a non-empty label")
        cov = self.sbg_log_covariance
        check(
            cov == ()
            or (
                len(cov) == 3
                and all(math.isfinite(v) for v in cov)
                and cov[0] >= 0
                and cov[2] >= 0
                and cov[1] ** 2 <= cov[0] * cov[2] * (1 + 1e-9)
            ),
            o,
            "sbg_log_covariance",
            cov,
            "empty or (var ln alpha, covariance, var ln beta), a valid covariance",
        )
        check(
            all(math.isfinite(n) and n >= 0 for n in self.base_customers_by_tenure),
            o,
            "base_customers_by_tenure",
            "…",
            "finite counts of at least 0",
        )

    @property
    def base_customers(self) -> float:
        """Active customers today, all tenures."""
        return float(sum(self.base_customers_by_tenure))

    @property
    def service_churn_coefficient(self) -> float:
        """gamma = -ln(1 - M_max): log-hazard reduction of controllable churn at dQ = 1."""
        return -math.log1p(-self.max_service_churn_reduction)


@dataclass(frozen=True, kw_only=True)
class LeverResponse:
    """How spend on one service lever builds into quality (docs/model.md, service investment).

    A lever's spend is read as an intensity at today's size of the business: currency per
    contact handled for tools, per agent-month for the other three (:data:`PER_CONTACT_LEVERS`),
    so the same programme for a business ten times larger costs ten times as much.

    Parameters
    ----------
    ramp_half_life_months
        Months of sustained spend until half the full effect is reached (adstock half-life h).
    half_effect_cost_share
        theta_k: the intensity x_50 that reaches half the lever's maximum response, as a share
        of the lever's unit cost (the handling cost of a contact for tools, the loaded cost of an
        agent-month for the others).
    hill_exponent
        Shape n of the Hill curve q = x**n / (x_50**n + x**n); n > 1 is S-shaped.
    weight
        w_k, the lever's loading on satisfaction (the quality index dQ), in [0, 1].
    current_spend_per_month
        What the business already spends on this lever a month (currency, at today's size): the
        programme's response is the increment from there, h(x_now + E) - h(x_now).
    """

    ramp_half_life_months: float = rule(ABOVE_0)
    half_effect_cost_share: float = rule(ABOVE_0)
    hill_exponent: float = rule(Bounded(0.0, 10.0, low_open=True), 1.0)
    weight: float = rule(SHARE, 0.5)
    current_spend_per_month: float = rule(AT_LEAST_0, 0.0)

    def __post_init__(self) -> None:
        check_fields("LeverResponse", self)


@dataclass(frozen=True, kw_only=True)
class ServiceOperations:
    """The contact centre today and how far full service quality (dQ = 1) moves it.

    Contacts per customer-month follow the geometric re-contact identity
    ``issues_per_customer_month / fcr`` (model.md section 3.4). A price rise or fee brings a
    wave of contacts: ``rise_contacts_per_100`` extra contacts per 100 customers told of a
    +10 % rise in the notice month (decaying with the reference-price gap), and
    ``cancellation_contacts_per_defector`` per price-driven defector, each taking
    ``wave_handling_time_factor`` times the normal handling time; while the desk is overloaded
    controllable churn rises by ``overload_churn_increase`` (a share) per 100 % of normal volume
    [assumptions].

    The desk at today's size: contacts = customers x issues / FCR, agents = contacts x handling
    minutes / ``handling_minutes_per_agent_month`` (or ``agents`` when the planner enters them).
    Agents leave at ``agent_attrition_per_year``; the people lever (mostly) cuts that by up to
    ``max_attrition_reduction``, each leaver avoided saving ``agent_replacement_cost_months`` of
    an agent's loaded cost.
    """

    tools: LeverResponse
    training: LeverResponse
    incentives: LeverResponse
    people: LeverResponse
    issues_per_customer_month: float = rule(AT_LEAST_0, 0.2)
    first_contact_resolution: float = rule(Bounded(0.0, 1.0, low_open=True, high_open=True), 0.70)
    handling_time_minutes: float = rule(AT_LEAST_0, 8.0)
    cost_per_handling_minute: float = rule(AT_LEAST_0, 1.0)
    csat: float = rule(SHARE, 0.72)
    max_csat_gain: float = 0.12
    max_fcr_gain: float = 0.10
    max_handling_time_reduction: float = rule(SHARE_BELOW_1, 0.15)
    max_arpu_uplift: float = rule(SHARE, 0.02)
    max_referral_uplift: float = rule(SHARE, 0.10)
    rise_contacts_per_100: float = rule(AT_LEAST_0, 0.0)
    cancellation_contacts_per_defector: float = rule(AT_LEAST_0, 0.0)
    wave_handling_time_factor: float = rule(ABOVE_0, 1.5)
    overload_churn_increase: float = rule(AT_LEAST_0, 0.0)
    handling_minutes_per_agent_month: float = rule(ABOVE_0, 6_000.0)
    agents: float | None = rule(ABOVE_0, None)
    agent_attrition_per_year: float = rule(SHARE, 0.35)
    max_attrition_reduction: float = rule(SHARE, 0.0)
    agent_replacement_cost_months: float = rule(AT_LEAST_0, 2.0)

    def __post_init__(self) -> None:
        o = "ServiceOperations"
        check_fields(o, self)
        check(
            0 <= self.max_fcr_gain < 1 - self.first_contact_resolution,
            o,
            "max_fcr_gain",
            self.max_fcr_gain,
            "at least 0 and keep first-contact resolution below 100 %",
        )
        check(
            0 <= self.max_csat_gain <= 1 - self.csat,
            o,
            "max_csat_gain",
            self.max_csat_gain,
            "at least 0 and keep CSAT at most 100 %",
        )
        check(
            self.max_attrition_reduction <= self.agent_attrition_per_year,
            o,
            "max_attrition_reduction",
            self.max_attrition_reduction,
            "at most the agent attrition it reduces",
        )

    def lever(self, name: str) -> LeverResponse:
        """The response of lever ``name`` (one of :data:`LEVERS`)."""
        if name not in LEVERS:
            raise ValueError(f"unknown service lever {name!r}; expected one of {LEVERS}")
        return getattr(self, name)


@dataclass(frozen=True, kw_only=True)
class Business:
    """Everything the simulator knows about the firm: segments, service operations, fee salience.

    Parameters
    ----------
    name
        Shown on the pages, e.g. ``"Sample broadband provider"``.
    currency
        ISO 4217 code used for display, e.g. ``"EUR"``.
    segments
        At least one :class:`Segment`; names must be unique.
    service
        The contact centre and service-lever responses.
    fee_salience
        Fee fairness: for existing customers a new monthly fee weighs as ``fee_salience`` times
        the same money added to the price (Kahneman, Knetsch & Thaler 1986; Iyengar et al.
        2011); prospects see it at face value.
    market_price_change, market_price_change_month
        The market reference price (competitors' prices) moves by this fraction from this month
        on, in doing nothing too: every price response is to the firm's price relative to it.
    core_segment
        The segment of loyal "core" customers the pages call out; None means the first segment.
    data_fields, user_fields
        Dotted paths of parameters that came from customer data or were set by a user, e.g.
        ``"segments.core.arpu_per_month"`` or ``"service.csat"``; every other parameter is an
        assumption (a default prior). See :mod:`simulator.model.assumptions`.
    evidence
        :class:`Evidence` of the data-based parameters whose grade and interval are known (a
        price response learnt from the firm's price history or a price test).
    """

    name: str
    currency: str
    segments: tuple[Segment, ...]
    service: ServiceOperations
    fee_salience: float = rule(Bounded(0.0, 5.0), 1.5)
    market_price_change: float = rule(
        Bounded(MIN_PRICE_CHANGE, MAX_PRICE_CHANGE, low_open=True), 0.0
    )
    market_price_change_month: int = 1
    core_segment: str | None = None
    data_fields: tuple[str, ...] = ()
    user_fields: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.segments))
        object.__setattr__(self, "data_fields", tuple(self.data_fields))
        object.__setattr__(self, "user_fields", tuple(self.user_fields))
        object.__setattr__(self, "evidence", tuple(self.evidence))
        check_fields("Business", self)
        check(
            isinstance(self.market_price_change_month, int)
            and not isinstance(self.market_price_change_month, bool)
            and self.market_price_change_month >= 1,
            "Business",
            "market_price_change_month",
            self.market_price_change_month,
            "a whole month of at least 1",
        )
        check(len(self.segments) > 0, "Business", "segments", self.segments, "at least one segment")
        names = [s.name for s in self.segments]
        check(
            len(set(names)) == len(names), "Business", "segments", names, "uniquely named segments"
        )
        check(
            self.core_segment is None or self.core_segment in names,
            "Business",
            "core_segment",
            self.core_segment,
            f"one of the segments {names}",
        )
        check(
            len(self.currency) == 3 and self.currency.isalpha(),
            "Business",
            "currency",
            self.currency,
            "a three-letter currency code",
        )

    @property
    def base_customers(self) -> float:
        """Active customers today, all segments and tenures: the size service intensities are
        read at."""
        return float(sum(segment.base_customers for segment in self.segments))

    @property
    def core(self) -> str:
        """Name of the core segment (``core_segment``, else the first segment)."""
        return self.core_segment or self.segments[0].name

    def source(self, path: str) -> str:
        """Where the parameter at ``path`` came from: ``"user"``, ``"data"`` or ``"assumption"``."""
        if path in self.user_fields:
            return "user"
        return "data" if path in self.data_fields else "assumption"

    def evidence_for(self, path: str) -> Evidence | None:
        """The measured :class:`Evidence` of the parameter at ``path`` (None: none, or a user
        has set the value since)."""
        if path in self.user_fields:
            return None
        return next((e for e in self.evidence if e.path == path), None)

    def segment(self, name: str) -> Segment:
        """The segment called ``name``."""
        for s in self.segments:
            if s.name == name:
                return s
        raise KeyError(f"no segment named {name!r}; segments are {[s.name for s in self.segments]}")


_AMOUNT_PER_CUSTOMER = Bounded(
    0.0,
    MAX_MONTHLY_AMOUNT,
    words=f"from 0 to {MAX_MONTHLY_AMOUNT:,.0f} currency units per customer-month",
)
_AMOUNT_A_MONTH = Bounded(
    0.0, MAX_MONTHLY_AMOUNT, words=f"from 0 to {MAX_MONTHLY_AMOUNT:,.0f} currency units a month"
)


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A decision to try: a price change, a new fee and a monthly service budget per lever.

    Parameters
    ----------
    price_change
        Relative change of the list price, ``0.05`` = +5 %; above -0.9, at most 9 (ten times).
    monthly_fee
        A new fee per customer-month (currency), added to what every customer pays; 0 to
        :data:`MAX_MONTHLY_AMOUNT`.
    price_change_month
        First month in which the new price and fee apply (1 = the first simulated month).
    notice_months
        How many months before ``price_change_month`` customers are told (the shock comes then).
    phase_in_months
        The price change is reached in this many equal monthly steps (1 = all at once).
    grandfather_existing
        Customers who joined before ``price_change_month`` keep today's price and fee.
    tools_spend_per_month, training_spend_per_month, incentives_spend_per_month,
    people_spend_per_month
        Monthly budget per service lever from month 1 (currency a month); 0 to
        :data:`MAX_MONTHLY_AMOUNT`.
    horizon_months
        Months simulated, 12 to 120.
    annual_discount_rate
        Annual rate used for NPV (a fraction a year), :data:`MIN_ANNUAL_DISCOUNT_RATE` to 1;
        converted to monthly as (1 + d) ** (1 / 12) - 1.
    """

    price_change: float = rule(Bounded(MIN_PRICE_CHANGE, MAX_PRICE_CHANGE, low_open=True), 0.0)
    monthly_fee: float = rule(_AMOUNT_PER_CUSTOMER, 0.0)
    price_change_month: int = 1
    notice_months: int = 0
    phase_in_months: int = rule(Bounded(1, 24, words="1 to 24"), 1)
    grandfather_existing: bool = False
    tools_spend_per_month: float = rule(_AMOUNT_A_MONTH, 0.0)
    training_spend_per_month: float = rule(_AMOUNT_A_MONTH, 0.0)
    incentives_spend_per_month: float = rule(_AMOUNT_A_MONTH, 0.0)
    people_spend_per_month: float = rule(_AMOUNT_A_MONTH, 0.0)
    horizon_months: int = rule(Bounded(12, 120, words="12 to 120"), 60)
    annual_discount_rate: float = rule(
        Bounded(
            MIN_ANNUAL_DISCOUNT_RATE,
            1.0,
            words=f"from {MIN_ANNUAL_DISCOUNT_RATE:.6f} to 1 a year, as a fraction (0.1 = 10 %), "
            "so that customers beyond the horizon are discounted",
        ),
        0.10,
    )

    def __post_init__(self) -> None:
        o = "Scenario"
        for name in ("price_change_month", "notice_months", "phase_in_months", "horizon_months"):
            value = getattr(self, name)
            check(
                isinstance(value, int) and not isinstance(value, bool),
                o,
                name,
                value,
                "a whole number",
            )
        check(
            isinstance(self.grandfather_existing, bool),
            o,
            "grandfather_existing",
            self.grandfather_existing,
            "true or false",
        )
        check_fields(o, self)
        check(
            1 <= self.price_change_month <= self.horizon_months,
            o,
            "price_change_month",
            self.price_change_month,
            "between 1 and the horizon",
        )
        check(
            0 <= self.notice_months < self.price_change_month,
            o,
            "notice_months",
            self.notice_months,
            "at least 0 and before month 1 (notice_months < price_change_month)",
        )

    def spend_per_month(self, lever: str) -> float:
        """Monthly budget of ``lever`` (one of :data:`LEVERS`)."""
        if lever not in LEVERS:
            raise ValueError(f"unknown service lever {lever!r}; expected one of {LEVERS}")
        return getattr(self, f"{lever}_spend_per_month")

    @property
    def service_spend_per_month(self) -> float:
        """Total monthly service budget over the four levers."""
        return sum(self.spend_per_month(lever) for lever in LEVERS)

    @property
    def notice_month(self) -> int:
        """The month customers learn of the price change."""
        return self.price_change_month - self.notice_months

    @property
    def changes_price(self) -> bool:
        """True if the scenario changes what customers pay."""
        return self.price_change != 0 or self.monthly_fee != 0

    def without_changes(self) -> Scenario:
        """The baseline: the same horizon and discount rate, no price, fee or service change."""
        return Scenario(
            horizon_months=self.horizon_months, annual_discount_rate=self.annual_discount_rate
        )

    def with_changes(self, **changes: object) -> Scenario:
        """A copy with some settings changed (validated again)."""
        return replace(self, **changes)
