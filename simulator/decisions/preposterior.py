"""Value of information by preposterior analysis: EVPI, EVSI and power on a grid of normal scores.

The decision is binary (make the change or not). Its value in each Monte Carlo draw is V (the
NPV of the change minus the NPV without it). What can be learnt is a few parameters, each
standardised to its normal score z (z ~ N(0, 1) under its prior, as the Latin hypercube draws
it). Three steps (Raiffa & Schlaifer 1961, ch. 4-5; Ades, Lu & Claxton 2004; Strong, Oakley,
Brennan & Breeze 2015):

1. **What the learnable parameters say about the value.** g(z) = E[V | z] is approximated by a
   least-squares polynomial in the scores over the Monte Carlo draws (each score up to the
   cube, plus the products of pairs): the draws' other uncertainty averages out (Strong,
   Oakley & Brennan 2014, regression-based EVPPI).
2. **The prior on a grid.** Each score lives on K nodes evenly spaced on [-L, L] with weights
   proportional to the normal density; the learnable parameters are independent a priori (they
   are separate dimensions of the Latin hypercube).
3. **What a test says.** A test of parameter s reports a number X_s whose distribution given z
   is normal, N(m_s(z), sd_s(z)^2); the report is read on cells (a partition of the line), so
   P(cell j | node k) is exact and sums to 1 over the cells. Posterior weights follow by Bayes'
   rule per parameter (the tests of different parameters are independent), and because g is a
   sum of products of one-parameter terms, E[g | X] and E[g^2 | X] are sums of products of
   one-parameter posterior moments of z.

Definitions (all expectations over the prior and the test's outcome, money in the business's
currency):

* value of deciding now: max(E[V], 0);
* EVPI (of the learnable parameters): E_z[max(g(z), 0)] - max(E[V], 0);
* EVSI of a test: E_X[max(E[V | X], 0)] - max(E[V], 0);
* power: the probability that the test settles whether the change pays, and settles it
  correctly: after the test, P(g > 0 | X) (normal approximation of g's posterior, from its
  first two moments) is at least 0.95 or at most 0.05, and the side it points to is the side
  of the true g(z).

Because the cells and nodes form one discrete joint distribution, 0 <= EVSI <= EVPI holds
exactly (Jensen's inequality twice), whatever the grid. When every draw of V has the same sign,
every conditional expectation has it too: no information changes the decision, and both are 0.

References
----------
Raiffa, H., Schlaifer, R. (1961). Applied Statistical Decision Theory. Harvard University.
Ades, A., Lu, G., Claxton, K. (2004). Expected value of sample information calculations in
medical decision modeling. Medical Decision Making 24(2), 207-227.
Strong, M., Oakley, J., Brennan, A. (2014). Estimating multiparameter partial expected value of
perfect information from a probabilistic sensitivity analysis sample: a nonparametric
regression approach. Medical Decision Making 34(3), 311-326.
Strong, M., Oakley, J., Brennan, A., Breeze, P. (2015). Estimating the expected value of sample
information using the probabilistic sensitivity analysis sample: a fast, nonparametric
regression-based method. Medical Decision Making 35(5), 570-583.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

import numpy as np
from scipy.special import ndtr

SCORE_LIMIT = 4.0
"""L: the grid of normal scores spans [-L, L] (the prior mass beyond is 6e-5)."""

DEGREE = 3
"""Highest power of each score in the value polynomial."""

CONCLUSIVE = 0.95
"""A test settles the question when the posterior chance that the change pays is at least this
(or at most 1 - this): the one-sided form of a 90 % interval that excludes break-even."""

_Z_CONCLUSIVE = 1.6448536269514722  # Phi^-1(0.95)

GRID_BUDGET = 40_000
"""Most nodes of a tensor grid over the learnable parameters (K ** S), for EVPI."""

CELL_BUDGET = 15_000
"""Most cells of a tensor grid over the tested parameters' reports (J ** S)."""

MAX_NODES = 201
"""Most nodes per parameter."""


@dataclass(frozen=True, kw_only=True)
class ValuePolynomial:
    """g(z) = sum_t coefficient_t prod_s z_s ** exponent_ts, one row of coefficients per value
    stream (e.g. the change now, and the change postponed).

    Attributes
    ----------
    exponents
        Shape (terms, parameters), whole numbers.
    coefficients
        Shape (streams, terms), currency.
    """

    exponents: np.ndarray
    coefficients: np.ndarray

    @property
    def parameters(self) -> int:
        """Number of learnable parameters S."""
        return int(self.exponents.shape[1])

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        """g at ``scores`` (shape (n, S)): shape (streams, n)."""
        scores = np.asarray(scores, dtype=float).reshape(-1, self.parameters)
        basis = np.prod(scores[:, None, :] ** self.exponents[None], axis=2)
        return self.coefficients @ basis.T


def monomials(parameters: int, degree: int = DEGREE) -> np.ndarray:
    """Exponents of the value polynomial: the constant, each score to the powers 1..``degree``,
    and every product of two scores (power 1 each). Shape (terms, parameters)."""
    if parameters == 0:
        return np.zeros((1, 0), dtype=int)
    rows = [np.zeros(parameters, dtype=int)]
    for s in range(parameters):
        for d in range(1, degree + 1):
            row = np.zeros(parameters, dtype=int)
            row[s] = d
            rows.append(row)
    for s in range(parameters):
        for t in range(s + 1, parameters):
            row = np.zeros(parameters, dtype=int)
            row[s] = row[t] = 1
            rows.append(row)
    return np.array(rows, dtype=int).reshape(-1, parameters)


def fit_value_polynomial(
    scores: np.ndarray, values: np.ndarray, *, degree: int = DEGREE
) -> ValuePolynomial:
    """Least-squares g(z) = E[V | z] over the Monte Carlo draws (Strong et al. 2014).

    Parameters
    ----------
    scores
        Shape (draws, S): each draw's normal score of each learnable parameter.
    values
        Shape (streams, draws): the value V of each stream in each draw (currency).
    degree
        Highest power of a score; lowered (to 1 at least) until there are at least ten draws
        per term.

    Raises
    ------
    ValueError
        Fewer than ten draws per term even with ``degree`` 1.
    """
    scores = np.asarray(scores, dtype=float)
    values = np.atleast_2d(np.asarray(values, dtype=float))
    draws, parameters = scores.shape
    if values.shape[1] != draws:
        raise ValueError(f"{values.shape[1]} values for {draws} draws")
    degree = int(degree)
    exponents = monomials(parameters, degree)
    while degree > 1 and draws < 10 * len(exponents):
        degree -= 1
        exponents = monomials(parameters, degree)
    if draws < 10 * len(exponents):
        raise ValueError(
            f"at least {10 * len(exponents)} draws are needed to learn what {parameters} "
            f"parameter(s) say about the value; got {draws}"
        )
    basis = np.prod(scores[:, None, :] ** exponents[None], axis=2)
    scale = np.maximum(np.abs(basis).max(axis=0), 1e-300)
    coefficients, *_ = np.linalg.lstsq(basis / scale, values.T, rcond=None)
    return ValuePolynomial(exponents=exponents, coefficients=(coefficients / scale[:, None]).T)


@dataclass(frozen=True, kw_only=True)
class ScoreGrid:
    """The prior of one normal score on a grid: ``nodes`` (K,) evenly spaced on [-L, L] and
    ``weights`` (K,) proportional to the standard normal density, summing to 1."""

    nodes: np.ndarray
    weights: np.ndarray

    def moments(self, posterior: np.ndarray | None = None, *, degree: int) -> np.ndarray:
        """E[z ** d] for d = 0..``degree`` under the prior (shape (degree + 1,)) or under each
        row of ``posterior`` (shape (rows, K) of weights summing to 1: (rows, degree + 1))."""
        powers = self.nodes[:, None] ** np.arange(degree + 1)[None]
        weights = self.weights if posterior is None else posterior
        return weights @ powers


def score_grid(nodes: int) -> ScoreGrid:
    """A :class:`ScoreGrid` of ``nodes`` nodes (at least 3) on [-L, L]."""
    if nodes < 3:
        raise ValueError(f"a score grid needs at least 3 nodes; got {nodes}")
    z = np.linspace(-SCORE_LIMIT, SCORE_LIMIT, int(nodes))
    w = np.exp(-0.5 * z**2)
    return ScoreGrid(nodes=z, weights=w / w.sum())


def nodes_per_parameter(parameters: int, budget: int = GRID_BUDGET) -> int:
    """Nodes per parameter so that a tensor grid stays within ``budget`` (odd, 9 at least,
    :data:`MAX_NODES` at most)."""
    k = int(budget ** (1.0 / max(parameters, 1)))
    k = max(9, min(MAX_NODES, k))
    return k if k % 2 else k - 1


def cell_likelihood(
    measured: np.ndarray, sd: np.ndarray, cells: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """P(report in cell j | node k) for a report ~ N(measured_k, sd_k ** 2).

    Parameters
    ----------
    measured, sd
        Shape (K,): the reported quantity's mean and sd at each grid node (sd may be infinite:
        a test that says nothing).
    cells
        Centres of the report's cells; sorted, duplicates dropped; the cells' edges lie midway
        between centres, the outer ones at -inf and +inf.

    Returns
    -------
    likelihood, centres
        Shape (J, K), each column summing to 1; and the J cell centres used.
    """
    centres = np.unique(np.asarray(cells, dtype=float))
    edges = np.concatenate(([-np.inf], 0.5 * (centres[1:] + centres[:-1]), [np.inf]))
    m = np.asarray(measured, dtype=float)[None, :]
    s = np.maximum(np.asarray(sd, dtype=float), 1e-12)[None, :]
    with np.errstate(invalid="ignore"):
        cdf = ndtr((edges[:, None] - m) / s)
    # An infinite sd (nothing learnt): every cell the same chance.
    flat = ~np.isfinite(s[0])
    cdf[:, flat] = np.linspace(0.0, 1.0, edges.size)[:, None]
    likelihood = np.diff(cdf, axis=0)
    likelihood = np.maximum(likelihood, 0.0)
    likelihood /= likelihood.sum(axis=0, keepdims=True)
    return likelihood, centres


@dataclass(frozen=True, kw_only=True)
class Preposterior:
    """What a test is expected to bring (module docstring), per value stream.

    Attributes
    ----------
    prior_mean
        E[V] per stream on the grid (currency).
    informed
        E_X[max(E[V | X], 0)] per stream: the value of deciding after the test (currency).
    power
        The chance the test settles whether stream 0 pays, correctly (0-1).
    conclusive
        The chance it settles it at all (0-1).
    right
        The chance the decision taken after the test (change when E[V | X] > 0) is the one
        that knowing the learnable parameters exactly would take (0-1; normal approximation).
    """

    prior_mean: np.ndarray
    informed: np.ndarray
    power: float
    conclusive: float
    right: float

    def value_of_information(self, stream: int = 0) -> float:
        """EVSI of ``stream``: informed - max(prior mean, 0) (currency, >= 0)."""
        return float(self.informed[stream] - max(self.prior_mean[stream], 0.0))


def _outer(factors: list[np.ndarray | float]) -> np.ndarray | float:
    """The outer product of vectors and scalars (a scalar when all are scalars)."""
    return reduce(np.multiply.outer, factors, np.float64(1.0))


def _polynomial_tensor(
    exponents: np.ndarray, coefficients: np.ndarray, tables: list[np.ndarray]
) -> np.ndarray:
    """sum_t c_t prod_s tables[s][..., e_ts] as a tensor: ``tables[s]`` has shape (n_s, D) (a
    vector axis) or (D,) (a scalar, e.g. prior moments of a parameter not tested)."""
    total: np.ndarray | float = 0.0
    for row, c in zip(exponents, coefficients, strict=True):
        if c == 0:
            continue
        factors = [table[..., e] for table, e in zip(tables, row, strict=True)]
        total = total + c * _outer(factors)
    return np.asarray(total, dtype=float)


def _one_signed(values: np.ndarray) -> np.ndarray:
    """Per stream: True when every draw has the same sign (no information changes it)."""
    values = np.atleast_2d(values)
    return (values.min(axis=1) >= 0) | (values.max(axis=1) <= 0)


def perfect_information(
    polynomial: ValuePolynomial, grids: list[ScoreGrid], draws: np.ndarray
) -> tuple[float, float]:
    """(EVPI, prior mean) of stream 0 over the learnable parameters (module docstring).

    ``draws`` (streams, n) are the Monte Carlo values the polynomial was fitted to: when every
    draw of stream 0 has one sign the EVPI is 0.
    """
    tables = [
        g.nodes[:, None] ** np.arange(polynomial.exponents.max(initial=0) + 1)[None] for g in grids
    ]
    g0 = _polynomial_tensor(polynomial.exponents, polynomial.coefficients[0], tables)
    weight = _outer([g.weights for g in grids])
    mean = float(np.sum(weight * g0))
    if _one_signed(draws)[0]:
        return 0.0, mean
    return float(np.sum(weight * np.maximum(g0, 0.0)) - max(mean, 0.0)), mean


def preposterior(
    polynomial: ValuePolynomial,
    grids: list[ScoreGrid],
    likelihoods: dict[int, np.ndarray],
    draws: np.ndarray,
) -> Preposterior:
    """The value of deciding after a test, per stream, and the test's power (module docstring).

    Parameters
    ----------
    polynomial
        g(z) per stream (:func:`fit_value_polynomial`).
    grids
        The prior grid of each learnable parameter (the polynomial's parameter order).
    likelihoods
        Parameter index -> (J, K) :func:`cell_likelihood` of its report: the parameters the
        test measures. The others keep their prior.
    draws
        The Monte Carlo values (streams, n): a stream whose draws all have one sign gains
        nothing from any test.
    """
    tested = sorted(likelihoods)
    degree = 2 * int(polynomial.exponents.max(initial=0))
    tables: list[np.ndarray] = []
    marginals: list[np.ndarray] = []
    for s, grid in enumerate(grids):
        if s in likelihoods:
            joint = likelihoods[s] * grid.weights[None, :]
            marginal = joint.sum(axis=1)
            posterior = np.divide(
                joint, marginal[:, None], out=np.zeros_like(joint), where=marginal[:, None] > 0
            )
            tables.append(grid.moments(posterior, degree=degree))
            marginals.append(marginal)
        else:
            tables.append(grid.moments(degree=degree))
    weight = _outer(marginals) if tested else np.float64(1.0)
    streams = polynomial.coefficients.shape[0]
    means = np.empty(streams)
    informed = np.empty(streams)
    one_signed = _one_signed(draws)
    first = None
    for r in range(streams):
        expected = _polynomial_tensor(polynomial.exponents, polynomial.coefficients[r], tables)
        means[r] = float(np.sum(weight * expected))
        if one_signed[r]:
            informed[r] = max(means[r], 0.0)
        else:
            informed[r] = float(np.sum(weight * np.maximum(expected, 0.0)))
        if r == 0:
            first = expected
    # g^2 as a polynomial: every pair of terms, exponents added.
    exps = polynomial.exponents
    c0 = polynomial.coefficients[0]
    pair_coef = (c0[:, None] * c0[None, :]).reshape(-1)
    if exps.shape[1]:
        pair_exps = (exps[:, None, :] + exps[None, :, :]).reshape(-1, exps.shape[1])
        unique, inverse = np.unique(pair_exps, axis=0, return_inverse=True)
        square = _polynomial_tensor(unique, np.bincount(inverse.ravel(), pair_coef), tables)
    else:  # nothing learnable: g is a constant
        square = np.asarray(pair_coef.sum())
    variance = np.maximum(square - first**2, 0.0)
    sd = np.sqrt(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(sd > 0, np.abs(first) / sd, np.where(first != 0, np.inf, 0.0))
    settled = ratio >= _Z_CONCLUSIVE
    right = ndtr(ratio)
    conclusive = float(np.sum(weight * settled))
    power = float(np.sum(weight * settled * right))
    return Preposterior(
        prior_mean=means,
        informed=informed,
        power=min(power, 1.0),
        conclusive=conclusive,
        right=min(float(np.sum(weight * right)), 1.0),
    )


def expected_value_of_perfect_information(values: np.ndarray) -> float:
    """EVPI of everything drawn: mean(max(V, 0)) - max(mean(V), 0) over the Monte Carlo draws
    of one stream ``values`` (currency)."""
    v = np.asarray(values, dtype=float)
    return float(np.mean(np.maximum(v, 0.0)) - max(float(np.mean(v)), 0.0))


def partial_information(scores: np.ndarray, values: np.ndarray, *, degree: int = 2) -> float:
    """EVPPI of the parameters whose normal scores are ``scores`` (draws, S), by regression on
    the Monte Carlo sample (Strong et al. 2014): mean(max(g, 0)) - max(mean(g), 0) with g the
    least-squares polynomial of ``values`` (draws,) on the scores; 0 when every value has one
    sign, never below 0."""
    v = np.asarray(values, dtype=float)
    if _one_signed(v)[0] or np.asarray(scores).shape[1] == 0:
        return 0.0
    fitted = fit_value_polynomial(scores, v[None], degree=degree)(scores)[0]
    return max(0.0, float(np.mean(np.maximum(fitted, 0.0)) - max(float(np.mean(fitted)), 0.0)))


__all__ = [
    "CONCLUSIVE",
    "Preposterior",
    "ScoreGrid",
    "ValuePolynomial",
    "cell_likelihood",
    "expected_value_of_perfect_information",
    "fit_value_polynomial",
    "monomials",
    "nodes_per_parameter",
    "partial_information",
    "perfect_information",
    "preposterior",
    "score_grid",
]
