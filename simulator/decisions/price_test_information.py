"""How precisely a randomised price test on existing customers measures the lasting price response.

A test gives a share p of a segment's existing customers the new price for m months and keeps
the rest on the old one (the control). Read out by the PH-sBG estimator of
:mod:`simulator.data.price_response` (docs/model.md, "Price response from price history"), it
measures the lasting log-hazard per unit of log price, b (hazard ratio per +10 % = 1.1 ** b).
This module gives the sampling standard deviation of that estimate before the test is run, from
the expected Fisher information of the estimator's likelihood (Fisher 1925; Cox & Hinkley 1974,
ch. 9: the maximum-likelihood estimate is approximately normal with the inverse information as
its variance).

The likelihood is the estimator's, for the data the test produces: customer i has a churn
probability theta_i ~ Beta(alpha, beta) at each monthly renewal; renewal k keeps it with
probability (1 - theta_i) ** c_ik, where before the test c = 1 and during it

    c_ik = exp(delta + T_i (b l + kappa [k = 1])),

T_i = 1 for a tested customer, l = ln(new price / old price), kappa the extra log hazard of the
first renewal at the new price and delta the calendar level of the test months (learnt from the
control, as the estimator's calendar levels are). Parameters (ln alpha, ln beta, b, kappa,
delta), all estimated together, as the estimator does.

Who is in the data: the segment's existing customers by tenure n (the business's
``base_customers_by_tenure``) and the customers who joined with them and left before the test:
A_n = B_n / S(n) joined n months before it (S the sBG survival), every one observed from its
start, as ``calibrate-price`` reads a customer table that keeps those who left. Their renewals
before the test inform (alpha, beta); only the renewals of the test inform b, kappa and delta.
The expected information is summed exactly over every outcome (churn at each renewal, or still a
customer at the end of the test), with the estimator's analytic scores
(:mod:`simulator.data.price_likelihood`):

    I = sum_n A_n sum_outcomes P(o) s_o s_o',   s_o = d ln P(o) / d parameters.

With kappa free, the first renewal at the new price says nothing about b: a test needs at least
two months (renewals) at the new price. The information of the treated arm depends on b itself
(more churn, more information), so it is computed on a grid of b.

References
----------
Fisher, R. A. (1925). Theory of statistical estimation. Proc. Cambridge Philosophical Society
22(5), 700-725.
Cox, D., Hinkley, D. (1974). Theoretical Statistics. Chapman & Hall, chapter 9.
Fader, P., Hardie, B. (2007). How to project customer retention. JIM 21(1), 76-90.
Schoenfeld, D. (1981). The asymptotic properties of nonparametric tests for comparing survival
distributions. Biometrika 68(1), 316-319 (the events of both arms set the precision).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import digamma

from simulator.model.params import Segment
from simulator.model.sbg import log_survival_ratio

PARAMETERS = ("ln_alpha", "ln_beta", "elasticity", "first_month", "calendar")
"""The estimator's parameters, in the order of the information matrices."""

ELASTICITY = PARAMETERS.index("elasticity")

MIN_TEST_MONTHS = 2
"""A test needs two renewals at the new price: the first one's extra churn (kappa) is fitted
apart, so only the later ones measure the lasting response."""

CONSTANT_CHURN_CONCENTRATION = 1000.0
"""A segment with constant monthly churn p is read as sBG with alpha + beta this large and
alpha / (alpha + beta) = p (almost no heterogeneity), as the estimator would fit it."""

_RIDGE = 1e-9
"""Added (relative to the diagonal) to the nuisance block before inverting it: the sBG pair is
nearly collinear when a segment has almost no heterogeneity."""


@dataclass(frozen=True, kw_only=True)
class SegmentTestInformation:
    """Expected Fisher information of one segment's test, per unit of share.

    Attributes
    ----------
    elasticities
        Grid of the lasting log-hazard per unit of log price b at which the treated arm's
        information is computed, increasing.
    treated
        Shape (grid, 5, 5): the information of the test months if every existing customer were
        tested (multiply by the share p).
    control
        Shape (5, 5): the same if every existing customer were in the control (multiply by
        1 - p).
    history
        Shape (5, 5): the information of every customer's renewals before the test.
    log_price_ratio
        l = ln(new price / old price) of the tested rise.
    months
        Test length m (renewals at the new price).
    """

    elasticities: np.ndarray
    treated: np.ndarray
    control: np.ndarray
    history: np.ndarray
    log_price_ratio: float
    months: int

    def standard_deviation(self, share: float, elasticity: np.ndarray | float) -> np.ndarray:
        """Sampling sd of the estimate of b for a test of ``share`` (0-1) at true ``elasticity``
        (b; linear interpolation on the grid, held at its ends): [I^-1]_bb with
        I = history + share treated(b) + (1 - share) control."""
        if not 0.0 < share < 1.0:
            raise ValueError(f"the tested share must lie strictly between 0 and 1; got {share}")
        grid = self.elasticities
        info = self.history[None] + share * self.treated + (1.0 - share) * self.control[None]
        variance = np.array([_elasticity_variance(m) for m in info])
        b = np.asarray(elasticity, dtype=float)
        log_var = np.interp(b, grid, np.log(variance))
        return np.sqrt(np.exp(log_var))


def _elasticity_variance(info: np.ndarray) -> float:
    """[I^-1]_bb by the Schur complement; infinite when b is not identified."""
    rest = [i for i in range(len(PARAMETERS)) if i != ELASTICITY]
    nuisance = info[np.ix_(rest, rest)]
    nuisance = nuisance + _RIDGE * np.diag(np.diag(nuisance) + 1.0)
    cross = info[ELASTICITY, rest]
    schur = info[ELASTICITY, ELASTICITY] - cross @ np.linalg.solve(nuisance, cross)
    if not schur > 1e-12 * max(info[ELASTICITY, ELASTICITY], 1e-300):
        return math.inf
    return float(1.0 / schur)


def sbg_of(segment: Segment) -> tuple[float, float]:
    """(alpha, beta) of a segment's retention; constant churn p as
    :data:`CONSTANT_CHURN_CONCENTRATION` (alpha + beta) with mean p."""
    if segment.constant_monthly_churn is not None:
        p = min(max(float(segment.constant_monthly_churn), 1e-6), 1.0 - 1e-6)
        return p * CONSTANT_CHURN_CONCENTRATION, (1.0 - p) * CONSTANT_CHURN_CONCENTRATION
    return float(segment.sbg_alpha), float(segment.sbg_beta)


def _log_s_and_grad(alpha: float, beta: float, exposure: np.ndarray, d_exposure: np.ndarray):
    """ln S(E) and its gradient in (ln alpha, ln beta, b, kappa, delta); ``d_exposure`` holds
    dE / d(b, kappa, delta) in its last axis (as in simulator.data.price_likelihood)."""
    log_s = log_survival_ratio(alpha, beta, exposure)
    psi_ab = digamma(alpha + beta)
    psi_abe = digamma(alpha + beta + exposure)
    psi_be = digamma(beta + exposure)
    grad = np.empty((*exposure.shape, len(PARAMETERS)))
    grad[..., 0] = alpha * (psi_ab - psi_abe)
    grad[..., 1] = beta * (psi_be - psi_abe - digamma(beta) + psi_ab)
    grad[..., 2:] = (psi_be - psi_abe)[..., None] * d_exposure
    return log_s, grad


def _outcome_information(log_s: np.ndarray, grad: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """sum over cohorts and outcomes of weight P(o) s_o s_o'.

    ``log_s`` (..., cohorts, m + 1): ln S at the test's start (index 0) and after each test
    renewal; ``grad`` (..., cohorts, m + 1, 5) its gradient; ``weight`` (cohorts,). Outcomes:
    churn at renewal k (P = S_k-1 - S_k) and still a customer after the last (P = S_m).
    """
    s = np.exp(log_s)
    before, after = s[..., :-1], s[..., 1:]
    churn = np.maximum(before - after, 1e-300)
    score = (before[..., None] * grad[..., :-1, :] - after[..., None] * grad[..., 1:, :]) / churn[
        ..., None
    ]
    stay = s[..., -1]
    stay_score = grad[..., -1, :]
    info = np.einsum("...nk,n,...nki,...nkj->...ij", churn, weight, score, score)
    info += np.einsum("...n,n,...ni,...nj->...ij", stay, weight, stay_score, stay_score)
    return info


def segment_test_information(
    segment: Segment,
    *,
    months: int,
    log_price_ratio: float,
    elasticities: np.ndarray,
    first_month: float = 0.0,
    joining_per_month: float = 0.0,
) -> SegmentTestInformation:
    """The expected Fisher information of a test on ``segment`` (module docstring).

    Parameters
    ----------
    segment
        Its ``base_customers_by_tenure`` are the customers at the test's start; its sBG (or
        constant churn) their retention before any price change.
    months
        Test length m: renewals at the new price, at least :data:`MIN_TEST_MONTHS`.
    log_price_ratio
        l = ln(new price / old price) of the tested rise, above 0.
    elasticities
        Grid of b (log hazard per unit of log price, whole hazard) for the treated arm.
    first_month
        kappa, the extra log hazard of the first renewal at the new price (a nuisance here: it
        is fitted, and its size hardly changes the information about b).
    joining_per_month
        New customers a month during the test, on the old price and not tested: their renewals
        inform (alpha, beta) and the calendar level.

    Returns
    -------
    SegmentTestInformation
    """
    if int(months) != months or months < MIN_TEST_MONTHS:
        raise ValueError(
            f"a test needs at least {MIN_TEST_MONTHS} months at the new price; got {months}"
        )
    if not log_price_ratio > 0:
        raise ValueError(f"the tested rise must raise the price; got ln ratio {log_price_ratio}")
    months = int(months)
    grid = np.sort(np.asarray(elasticities, dtype=float))
    alpha, beta = sbg_of(segment)
    base = np.asarray(segment.base_customers_by_tenure, dtype=float)
    tenure = np.arange(base.size, dtype=float)
    # Customers who joined with today's base: A_n = B_n / S(n).
    survival = np.exp(log_survival_ratio(alpha, beta, tenure))
    joined = np.divide(base, survival, out=np.zeros_like(base), where=survival > 0)

    # Renewals before the test (c = 1): churn at renewal j, for everyone who joined j or more
    # months before the test. Score in (ln alpha, ln beta) only.
    history = np.zeros((len(PARAMETERS), len(PARAMETERS)))
    if base.size > 1:
        at_risk = np.cumsum(joined[::-1])[::-1][1:]  # joined at least j months before, j >= 1
        j = np.arange(base.size, dtype=float)  # exposures 0..N-1
        log_s, grad = _log_s_and_grad(alpha, beta, j, np.zeros((j.size, 3)))
        s = np.exp(log_s)
        churn = np.maximum(s[:-1] - s[1:], 1e-300)
        score = (s[:-1, None] * grad[:-1] - s[1:, None] * grad[1:]) / churn[:, None]
        history = np.einsum("k,k,ki,kj->ij", churn, at_risk, score, score)

    def arm(treated: bool, b: np.ndarray) -> np.ndarray:
        # c per test renewal k = 1..m, per grid point: shape (grid, m); delta = 0 (truth).
        k = np.arange(1, months + 1)
        log_c = np.where(treated, b[:, None] * log_price_ratio, 0.0) + np.where(
            treated & (k == 1), first_month, 0.0
        )
        c = np.exp(log_c)
        z = np.stack(
            np.broadcast_arrays(
                np.full_like(c, log_price_ratio if treated else 0.0),
                np.where(treated & (k == 1), 1.0, 0.0) * np.ones_like(c),
                np.ones_like(c),
            ),
            axis=-1,
        )  # (grid, m, 3): d log c / d(b, kappa, delta)
        cum = np.concatenate((np.zeros((b.size, 1)), np.cumsum(c, axis=1)), axis=1)
        d_cum = np.concatenate(
            (np.zeros((b.size, 1, 3)), np.cumsum(c[..., None] * z, axis=1)), axis=1
        )
        exposure = tenure[None, :, None] + cum[:, None, :]  # (grid, cohorts, m + 1)
        d_exposure = np.broadcast_to(d_cum[:, None], (*exposure.shape, 3))
        log_s, grad = _log_s_and_grad(alpha, beta, exposure, d_exposure)
        return _outcome_information(log_s, grad, joined)

    treated = arm(True, grid)
    control = arm(False, grid[:1])[0]
    # Customers who join during the test: renewals at calendar level delta, never tested.
    for joined_month in range(months - 1):
        renewals = np.arange(months - joined_month, dtype=float)  # exposure 0..L
        d_exposure = np.zeros((renewals.size, 3))
        d_exposure[:, 2] = renewals
        log_s, grad = _log_s_and_grad(alpha, beta, renewals, d_exposure)
        history += _outcome_information(
            log_s[None], grad[None], np.array([float(joining_per_month)])
        )
    return SegmentTestInformation(
        elasticities=grid,
        treated=treated,
        control=control,
        history=history,
        log_price_ratio=float(log_price_ratio),
        months=months,
    )


__all__ = [
    "MIN_TEST_MONTHS",
    "PARAMETERS",
    "SegmentTestInformation",
    "sbg_of",
    "segment_test_information",
]
