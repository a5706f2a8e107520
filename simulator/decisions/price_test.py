"""Test before you raise: design a randomised price test, price it, and value learning first.

For a scenario that raises what customers pay, :func:`design_test` compares randomised test
designs: a share p of the existing customers of the tested segments gets the new price for m
months while the others keep the old one (the control); the test is then read out by the
PH-sBG estimator (:mod:`simulator.data.price_response`) and the rise is decided for everybody.
Per design (docs/model.md, "Test before you raise"):

* **power**: the chance the test settles whether the rise pays, and settles it correctly
  (:mod:`simulator.decisions.preposterior`);
* **EVSI**: what deciding after the test is worth over deciding now (preposterior analysis:
  Raiffa & Schlaifer 1961; Ades, Lu & Claxton 2004);
* **cost**: the test's own cost (the tested customers' extra churn valued at the margin they
  would have brought, less the extra margin they paid, for a rise withdrawn after the test)
  plus the cost of the delay (the customers not tested get the rise m months later; the tested
  keep it if it is kept), measured against the better of deciding now and the same staged rise
  decided without the test, so that nothing but the information is credited to the test;
* **net value** = EVSI - cost: the expected value of testing first over deciding now; and the
  expected width of the estimate's 90 % interval of the hazard ratio per +10 %.

The staged decision, per draw (linear in the customers tested, share s): kept, the rise is worth
f^m V + s (1 - f^m) W; withdrawn after the test, s T_m; with V the rise for everybody now, W the
rise on the tested segments' existing customers alone, T_m the same rise withdrawn after m
months and f the monthly discount factor (the value of a decision shifted by m months is the
value discounted by m months). After the test the better of the two is taken given the result.

What a test learns. A test on existing customers at one price measures the lasting churn
response to that price in each tested segment: the hazard ratio per +10 %, i.e. the lasting
elasticity eta (a single size cannot tell eta from the reservation-price exits near that size,
which it reads as part of eta; the first month's extra churn is fitted apart). It says nothing
about how prospects respond (the acquisition elasticity and share: a test on prospects would),
nor about how the response bends at other sizes. So the preposterior updates eta per tested
segment; everything else keeps its prior. EVPI is reported three ways: about eta of every
segment (``evpi``, the most any test on existing customers can be worth), about the prospects'
response (``evpi_acquisition``) and about everything drawn (``evpi_all``).

The value of the rise in each draw is V = NPV(scenario) - NPV(the same scenario without the price
change and fee), over the horizon without terminal value, on the Monte Carlo draws of
:func:`simulator.decisions.priors.draw_parameters` (common random numbers throughout: every
projection uses the same draws).

References
----------
Raiffa, H., Schlaifer, R. (1961). Applied Statistical Decision Theory. Harvard University.
Ades, A., Lu, G., Claxton, K. (2004). Expected value of sample information calculations in
medical decision modeling. Medical Decision Making 24(2), 207-227.
Strong, M., Oakley, J., Brennan, A., Breeze, P. (2015). Estimating the expected value of sample
information using the probabilistic sensitivity analysis sample. Medical Decision Making 35(5),
570-583.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from simulator.decisions.preposterior import (
    CELL_BUDGET,
    SCORE_LIMIT,
    ValuePolynomial,
    cell_likelihood,
    expected_value_of_perfect_information,
    fit_value_polynomial,
    nodes_per_parameter,
    partial_information,
    perfect_information,
    preposterior,
    score_grid,
)
from simulator.decisions.price_test_information import MIN_TEST_MONTHS, segment_test_information
from simulator.decisions.price_test_rise import (
    elasticity_path,
    normal_score,
    rise_under_test,
    rise_values,
    tested_customers,
    without_rise,
)
from simulator.decisions.priors import ParameterDraws, Prior, draw_parameters, uncertain_parameters
from simulator.model.finance import monthly_discount_rate
from simulator.model.params import Business, Scenario

DEFAULT_SHARES = (0.05, 0.10, 0.20)
"""Shares of the tested segments' existing customers given the new price, by default."""

DEFAULT_MONTHS = (3, 6)
"""Test lengths (months at the new price), by default."""

DEFAULT_DRAWS = 1000
"""Monte Carlo draws by default."""

INTERVAL_Z = 1.6448536269514722
"""Normal score of the 90 % interval the estimator reports (Phi^-1(0.95))."""

ELASTICITY_GRID = 61
"""Points of the grid of b on which a test's information is computed (then interpolated)."""

ProgressCallback = Callable[[float], None]


@dataclass(frozen=True, kw_only=True)
class PriceTestDesign:
    """One test design and what it is expected to bring.

    Attributes
    ----------
    share
        Share of the tested segments' existing customers given the new price (0-1).
    months
        Months at the new price before the readout and the decision.
    segments
        The segments tested.
    customers_tested
        Customers given the new price.
    power
        Chance the test settles whether the rise pays, correctly (0-1).
    conclusive
        Chance it settles it at all (0-1).
    chance_right
        Chance the decision taken after the test is the one exact knowledge of the tested
        segments' elasticities would take (0-1).
    evsi
        Expected value of the test's information (currency).
    test_cost
        The tested customers' extra churn valued at the margin they would have brought, less the
        extra margin they paid during the test, for a rise withdrawn after it (currency;
        negative when the test itself earns money).
    delay_cost
        What deciding ``months`` later costs: the customers not tested get the rise that much
        later (discounted); the customers tested keep it if it is kept (their head start
        counts, and the test's churn is not paid twice). Measured against the better of
        deciding now and the same staged rise decided without the test's information, so that
        ``net_value`` is what the information adds (currency; negative when the head start is
        worth more than the wait).
    cost
        ``test_cost + delay_cost`` (currency).
    net_value
        ``evsi - cost`` (currency): above 0 the test is worth running.
    interval_width_hr10
        Expected width of the 90 % interval of the hazard ratio per +10 %, for the least
        precise tested segment (None: the test cannot measure it).
    interval_width_by_segment
        The same per tested segment, as (segment, width) pairs.
    customers_lost
        Expected extra customers who leave because of the test.
    """

    share: float
    months: int
    segments: tuple[str, ...]
    customers_tested: float
    power: float
    conclusive: float
    chance_right: float
    evsi: float
    test_cost: float
    delay_cost: float
    cost: float
    net_value: float
    interval_width_hr10: float | None
    interval_width_by_segment: tuple[tuple[str, float | None], ...]
    customers_lost: float

    def to_dict(self) -> dict:
        """The design as JSON-ready numbers (the ``design-test`` command's rows)."""
        return {
            "share": self.share,
            "months": self.months,
            "power": self.power,
            "evsi": self.evsi,
            "cost": self.cost,
            "net_value": self.net_value,
            "interval_width_hr10": self.interval_width_hr10,
            "test_cost": self.test_cost,
            "delay_cost": self.delay_cost,
            "conclusive": self.conclusive,
            "chance_right_decision": self.chance_right,
            "customers_tested": self.customers_tested,
            "customers_lost": self.customers_lost,
            "interval_width_hr10_by_segment": dict(self.interval_width_by_segment),
        }


@dataclass(frozen=True, kw_only=True)
class PriceTestPlan:
    """Every design of :func:`design_test` and what deciding now is worth.

    Attributes
    ----------
    currency, draws, seed
        Money unit, Monte Carlo draws and seed.
    segments
        The segments tested.
    learnable
        Segments whose lasting elasticity is uncertain (what ``evpi`` is about).
    price_ratios
        Per tested segment, the ratio of new to old money paid (face value).
    value_now
        Expected value of the rise against no rise, deciding now (currency, E[V]).
    probability_pays
        Share of draws in which the rise pays (V > 0).
    evpi
        Expected value of perfect information about eta of every learnable segment.
    evpi_acquisition
        The same about the prospects' response (acquisition elasticity and share).
    evpi_all
        The same about everything drawn.
    designs
        One :class:`PriceTestDesign` per share and length, shares varying fastest.
    notes
        What limits the designs, in words (e.g. a rise within the latitude of a segment).
    """

    currency: str
    draws: int
    seed: int
    segments: tuple[str, ...]
    learnable: tuple[str, ...]
    price_ratios: tuple[tuple[str, float], ...]
    value_now: float
    probability_pays: float
    evpi: float
    evpi_acquisition: float
    evpi_all: float
    designs: tuple[PriceTestDesign, ...]
    notes: tuple[str, ...] = ()

    @property
    def raise_now(self) -> bool:
        """The decision on the current evidence: raise when the expected value is above 0."""
        return self.value_now > 0

    @property
    def best(self) -> PriceTestDesign | None:
        """The design with the highest net value when it is above 0, else None (decide now)."""
        if not self.designs:
            return None
        top = max(self.designs, key=lambda d: d.net_value)
        return top if top.net_value > 0 else None

    def to_dict(self) -> dict:
        """The plan as JSON-ready numbers (what ``design-test`` writes)."""
        best = self.best
        return {
            "currency": self.currency,
            "draws": self.draws,
            "seed": self.seed,
            "segments": list(self.segments),
            "evpi": self.evpi,
            "evpi_acquisition": self.evpi_acquisition,
            "evpi_all": self.evpi_all,
            "value_now": self.value_now,
            "probability_rise_pays": self.probability_pays,
            "raise_now": self.raise_now,
            "recommendation": (
                {"test": True, "share": best.share, "months": best.months}
                if best is not None
                else {"test": False, "raise": self.raise_now}
            ),
            "designs": [d.to_dict() for d in self.designs],
            "notes": list(self.notes),
        }


def _uncertain(prior: Prior | None, values: np.ndarray | None) -> bool:
    return (
        prior is not None
        and values is not None
        and prior.parameters[0] > 0
        and float(np.ptp(values)) > 0
    )


def _check(
    business: Business,
    scenario: Scenario,
    shares: Sequence[float],
    months: Sequence[int],
    segments: Sequence[str],
) -> None:
    if not shares or not months:
        raise ValueError("give at least one share and one test length")
    for share in shares:
        if not 0.0 < share < 1.0:
            raise ValueError(
                f"a tested share must lie strictly between 0 and 1 (the rest is the control); "
                f"got {share}"
            )
    for m in months:
        if int(m) != m or m < MIN_TEST_MONTHS:
            raise ValueError(
                f"a test needs at least {MIN_TEST_MONTHS} whole months at the new price (the "
                f"first month's extra churn is measured apart); got {m}"
            )
        if scenario.price_change_month + m > scenario.horizon_months:
            raise ValueError(
                f"a {m}-month test would postpone the rise to month "
                f"{scenario.price_change_month + m}, beyond the {scenario.horizon_months}-month "
                "horizon: choose a shorter test or a longer horizon"
            )
    names = [s.name for s in business.segments]
    for name in segments:
        if name not in names:
            raise ValueError(f"no segment named {name!r}; segments are {', '.join(names)}")
    if not segments:
        raise ValueError("choose at least one segment to test")
    for name in segments:
        rise = rise_under_test(business, scenario, business.segment(name))
        if not rise.log_price_ratio > 0:
            raise ValueError(
                f"the scenario does not raise what {name!r} customers pay: a price test is "
                "designed for a rise"
            )


def _interval_width(hr_log: np.ndarray, sd: np.ndarray, weights: np.ndarray) -> float | None:
    """E[1.1^b_hat (1.1^(z sd) - 1.1^(-z sd))] over the prior grid (b_hat ~ N(b, sd^2)); None
    when the test cannot bound it (an infinite sd, or a width beyond double precision)."""
    if not np.all(np.isfinite(sd)):
        return None
    k = math.log(1.1)
    with np.errstate(over="ignore", invalid="ignore"):
        width = np.exp(k * hr_log + 0.5 * (k * sd) ** 2) * 2.0 * np.sinh(INTERVAL_Z * k * sd)
        total = float(np.sum(weights * width))
    return total if math.isfinite(total) else None


def design_test(
    business: Business,
    scenario: Scenario,
    *,
    shares: Sequence[float] = DEFAULT_SHARES,
    months: Sequence[int] = DEFAULT_MONTHS,
    segments: Sequence[str] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    parameters: ParameterDraws | None = None,
    on_progress: ProgressCallback | None = None,
) -> PriceTestPlan:
    """Randomised price-test designs for ``scenario``'s rise, valued (module docstring).

    Parameters
    ----------
    business, scenario
        The business (priors centred on its values, customers by tenure) and a scenario that
        raises what customers pay.
    shares
        Shares of the tested segments' existing customers given the new price (0-1, open).
    months
        Test lengths: months at the new price, at least 2; the rise for everybody comes that
        many months later, within the horizon.
    segments
        Segments tested (default: every segment whose lasting elasticity is uncertain).
    draws, seed
        Monte Carlo draws (Latin hypercube) and seed: the same inputs give the same plan.
    parameters
        The draws of :func:`simulator.decisions.priors.draw_parameters` for this business,
        ``draws`` and ``seed``, when the caller has them (the Uncertainty page's run).
    on_progress
        Called with the fraction done (0-1).

    Returns
    -------
    PriceTestPlan

    Raises
    ------
    ValueError
        A scenario that raises no price, a share outside (0, 1), a test shorter than two
        months or postponing the rise beyond the horizon, an unknown segment or one whose
        price response is not uncertain.
    """
    report = on_progress or (lambda _done: None)
    shares = tuple(float(s) for s in shares)
    months = tuple(sorted({int(m) for m in months}))
    priors = {p.path: p for p in uncertain_parameters(business)}
    if parameters is None:
        parameters = draw_parameters(business, int(draws), seed=int(seed))
    elif parameters.draws != draws:
        raise ValueError(f"the parameters hold {parameters.draws} draws, not {draws}")
    values = parameters.values
    learnable = tuple(
        s.name
        for s in business.segments
        if _uncertain(priors.get(elasticity_path(s.name)), values.get(elasticity_path(s.name)))
    )
    if segments is None:
        segments = learnable or tuple(s.name for s in business.segments)
    tested = tuple(dict.fromkeys(segments))
    _check(business, scenario, shares, months, tested)
    report(0.05)

    no_rise = without_rise(scenario)
    monthly_factor = 1.0 / (1.0 + monthly_discount_rate(scenario.annual_discount_rate))
    value_now = rise_values(business, scenario, parameters)
    report(0.3)
    runs = {
        name: tested_customers(business, scenario, no_rise, parameters, name, months)
        for name in tested
    }
    # Per draw, over the tested segments' existing customers: the rise kept (W), and withdrawn
    # after m months (the negative of the test's cost per unit of share).
    kept = sum(runs[n][0] for n in tested)
    costs = {m: sum(runs[n][1][m][0] for n in tested) for m in months}
    lost_by_months = {m: sum(runs[n][1][m][1] for n in tested) for m in months}
    report(0.5)

    scores = np.column_stack(
        [np.zeros(draws)]
        + [normal_score(priors[elasticity_path(n)], values[elasticity_path(n)]) for n in learnable]
    )[:, 1:]
    evpi_acquisition = partial_information(_acquisition_scores(business, priors, values), value_now)
    evpi_all = expected_value_of_perfect_information(value_now)
    notes: list[str] = []
    # Streams: the rise now (V), kept on the tested customers (W), withdrawn after m (-cost).
    stacked = np.vstack([value_now, kept, *(-costs[m] for m in months)])
    polynomial = fit_value_polynomial(scores, stacked)
    grid = score_grid(nodes_per_parameter(len(learnable)))
    grids = [grid] * len(learnable)
    evpi, _ = perfect_information(polynomial, grids, stacked[:1])

    cell_grid = np.linspace(
        -SCORE_LIMIT, SCORE_LIMIT, nodes_per_parameter(len(tested), CELL_BUDGET)
    )
    rises = {n: rise_under_test(business, scenario, business.segment(n)) for n in tested}
    # b at each prior node (a known elasticity: one node of weight 1) and at each report cell.
    measured, weights, cells = {}, {}, {}
    for n in tested:
        if n in learnable:
            prior = priors[elasticity_path(n)]
            measured[n] = rises[n].measured(prior.ppf(ndtr(grid.nodes)))
            cells[n] = rises[n].measured(prior.ppf(ndtr(cell_grid)))
            weights[n] = grid.weights
        else:
            measured[n] = rises[n].measured(
                np.array([business.segment(n).lasting_price_elasticity])
            )
            weights[n] = np.ones(1)
            notes.append(
                f"The lasting price response of segment {n} is not uncertain here (its value is "
                "set, with no range): a test there can change nothing."
            )
        if rises[n].felt_log_price <= 0:
            notes.append(
                f"The rise is within the latitude of acceptance of segment {n}: its customers' "
                "lasting churn does not respond to it, so a test there cannot measure the "
                "lasting elasticity."
            )
    information = {}
    for n in tested:
        segment = business.segment(n)
        b = measured[n]
        span = np.linspace(float(b.min()), float(b.max()) + 1e-9, ELASTICITY_GRID)
        joining = segment.paid_acquisitions_per_month + segment.referral_rate_per_month * (
            segment.base_customers
        )
        for m in months:
            information[n, m] = segment_test_information(
                segment,
                months=m,
                log_price_ratio=rises[n].log_price_ratio,
                elasticities=span,
                joining_per_month=joining,
            )
    report(0.6)

    designs = []
    staging = 0.0
    total = len(shares) * len(months)
    for i, m in enumerate(months):
        for j, share in enumerate(shares):
            likelihoods = {}
            widths = []
            for n in tested:
                sd = information[n, m].standard_deviation(share, measured[n])
                if n in learnable:
                    likelihoods[learnable.index(n)], _ = cell_likelihood(measured[n], sd, cells[n])
                widths.append((n, _interval_width(measured[n], sd, weights[n])))
            # After the test the rise is kept (the tested customers had it m months early, the
            # others get it m months late: D) or withdrawn (the test's temporary rise only).
            # D = f^m V + share ((1 - f^m) W - T_m); T_m = the temporary rise's value = -cost.
            later = monthly_factor**m
            weights_d = np.zeros(stacked.shape[0])
            weights_d[0] = later
            weights_d[1] = share * (1.0 - later)
            weights_d[2 + i] = -share
            combined = ValuePolynomial(
                exponents=polynomial.exponents,
                coefficients=np.vstack(
                    [polynomial.coefficients[0], weights_d @ polynomial.coefficients]
                ),
            )
            draws_d = np.vstack([stacked[0], weights_d @ stacked])
            result = preposterior(combined, grids, likelihoods, draws_d)
            evsi = result.value_of_information(0)
            test_cost = share * float(np.mean(costs[m]))
            # Against the better of deciding now and the same staged rise without the test's
            # information (what the staging alone is worth is not the test's doing).
            now = max(float(result.prior_mean[0]), 0.0)
            staged = -test_cost + max(float(result.prior_mean[1]), 0.0)
            net = -test_cost + float(result.informed[1]) - max(now, staged)
            staging = max(staging, staged - now)
            lost = share * float(np.mean(lost_by_months[m]))
            known = [w for _, w in widths if w is not None]
            designs.append(
                PriceTestDesign(
                    share=share,
                    months=m,
                    segments=tested,
                    customers_tested=share
                    * sum(business.segment(n).base_customers for n in tested),
                    power=result.power,
                    conclusive=result.conclusive,
                    chance_right=result.right,
                    evsi=evsi,
                    test_cost=test_cost,
                    delay_cost=evsi - net - test_cost,
                    cost=evsi - net,
                    net_value=net,
                    interval_width_hr10=max(known) if len(known) == len(widths) else None,
                    interval_width_by_segment=tuple(widths),
                    customers_lost=lost,
                )
            )
            report(0.6 + 0.4 * (i * len(shares) + j + 1) / total)
    if staging > 0:
        notes.append(
            f"Raising the tested customers first and everybody else later is in itself worth "
            f"up to {staging:,.0f} {business.currency} more than raising everybody at once in "
            "this model, with or without a test: that is not what a test brings, so it is not "
            "counted in any design's net value."
        )
    return PriceTestPlan(
        currency=business.currency,
        draws=draws,
        seed=seed,
        segments=tested,
        learnable=learnable,
        price_ratios=tuple((n, math.exp(rises[n].log_price_ratio)) for n in tested),
        value_now=float(np.mean(value_now)),
        probability_pays=float(np.mean(value_now > 0)),
        evpi=evpi,
        evpi_acquisition=evpi_acquisition,
        evpi_all=evpi_all,
        designs=tuple(designs),
        notes=tuple(notes),
    )


def _acquisition_scores(
    business: Business, priors: dict[str, Prior], values: dict[str, np.ndarray]
) -> np.ndarray:
    """Normal scores of every uncertain acquisition elasticity and share (draws, k)."""
    columns = []
    for segment in business.segments:
        for field in ("acquisition_price_elasticity", "acquisition_share"):
            path = f"segments.{segment.name}.{field}"
            if _uncertain(priors.get(path), values.get(path)):
                columns.append(normal_score(priors[path], values[path]))
    draws = next(iter(values.values())).size if values else 0
    return np.column_stack(columns) if columns else np.zeros((draws, 0))


__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_MONTHS",
    "DEFAULT_SHARES",
    "PriceTestDesign",
    "PriceTestPlan",
    "design_test",
]
