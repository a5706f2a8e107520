"""Value of information on a grid (simulator.decisions.preposterior): closed forms and bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.decisions.preposterior import (
    ValuePolynomial,
    cell_likelihood,
    expected_value_of_perfect_information,
    fit_value_polynomial,
    monomials,
    nodes_per_parameter,
    partial_information,
    perfect_information,
    preposterior,
    score_grid,
)

PHI0 = 1.0 / math.sqrt(2.0 * math.pi)
MIXED = np.array([[-1.0, 1.0]])
"""Monte Carlo values of both signs: the decision is not settled before learning."""


def _linear(slope: float = 1.0, intercept: float = 0.0) -> ValuePolynomial:
    return ValuePolynomial(
        exponents=np.array([[0], [1]]), coefficients=np.array([[intercept, slope]])
    )


def _measure(grid, sd: float, cells: int = 241):
    likelihood, _ = cell_likelihood(
        grid.nodes, np.full(grid.nodes.size, sd), np.linspace(-6, 6, cells)
    )
    return likelihood


def test_evpi_and_evsi_of_a_normal_measurement_match_the_closed_forms():
    # V = z, z ~ N(0, 1), report X = z + N(0, s^2): E[V | X] = X / (1 + s^2) is normal with sd
    # 1 / sqrt(1 + s^2), so EVSI = phi(0) / sqrt(1 + s^2) and EVPI = phi(0).
    grid = score_grid(201)
    evpi, mean = perfect_information(_linear(), [grid], MIXED)
    assert evpi == pytest.approx(PHI0, rel=2e-3)
    assert mean == pytest.approx(0.0, abs=1e-12)
    for s in (0.2, 1.0, 3.0):
        result = preposterior(_linear(), [grid], {0: _measure(grid, s)}, MIXED)
        assert result.value_of_information() == pytest.approx(PHI0 / math.sqrt(1 + s * s), rel=5e-3)


def test_power_is_the_chance_the_report_settles_the_sign_correctly():
    grid = score_grid(201)
    powers = [
        preposterior(_linear(), [grid], {0: _measure(grid, s)}, MIXED).power
        for s in (10.0, 3.0, 1.0, 0.3, 0.01)
    ]
    assert powers == sorted(powers)
    assert powers[0] < 0.01 and powers[-1] > 0.95
    # Closed form for V = z, s = 1: the posterior of z is N(X / 2, 1 / 2); settled when
    # |X / 2| / sqrt(1/2) >= 1.645, i.e. |X| >= 2.326 with X ~ N(0, 2); then right with
    # probability Phi(|X| / sqrt(2)).
    from scipy.integrate import quad
    from scipy.stats import norm

    expected = (
        2
        * quad(
            lambda x: norm.pdf(x, scale=math.sqrt(2)) * norm.cdf(x / math.sqrt(2)),
            1.6448536269514722 * math.sqrt(2),
            np.inf,
        )[0]
    )
    assert powers[2] == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("seed", range(8))
def test_evpi_bounds_evsi_and_evsi_is_never_negative_whatever_the_value_and_the_test(seed):
    rng = np.random.default_rng(seed)
    exponents = monomials(2)
    polynomial = ValuePolynomial(
        exponents=exponents, coefficients=rng.normal(size=(1, len(exponents)))
    )
    grids = [score_grid(nodes_per_parameter(2))] * 2
    evpi, _ = perfect_information(polynomial, grids, MIXED)
    for tested in ({0}, {1}, {0, 1}):
        likelihoods = {}
        for s in tested:
            sd = rng.uniform(0.05, 5.0, grids[s].nodes.size)  # the precision may vary by node
            cells = rng.normal(size=60) * 3
            likelihoods[s], _ = cell_likelihood(grids[s].nodes ** 3, sd, cells)
        result = preposterior(polynomial, grids, likelihoods, MIXED)
        evsi = result.value_of_information()
        assert -1e-12 <= evsi <= evpi + 1e-12
        assert 0.0 <= result.power <= result.conclusive + 1e-12 <= 1.0 + 1e-12


def test_nothing_is_worth_learning_when_every_draw_has_the_same_sign():
    # g may cross zero in the tails of the grid; the draws say the decision never changes.
    grid = score_grid(101)
    polynomial = _linear(slope=1.0, intercept=2.5)
    draws = np.array([[0.5, 1.0, 4.0]])
    evpi, _ = perfect_information(polynomial, [grid], draws)
    result = preposterior(polynomial, [grid], {0: _measure(grid, 0.1)}, draws)
    assert evpi == 0.0
    assert result.value_of_information() == 0.0
    assert expected_value_of_perfect_information(draws[0]) == 0.0
    assert partial_information(np.array([[0.1], [0.2], [0.3]]), draws[0]) == 0.0


def test_a_test_that_says_nothing_is_worth_nothing():
    grid = score_grid(101)
    likelihood, _ = cell_likelihood(grid.nodes, np.full(grid.nodes.size, np.inf), [-1, 0, 1])
    assert np.allclose(likelihood, 1 / 3)
    result = preposterior(_linear(), [grid], {0: likelihood}, MIXED)
    assert result.value_of_information() == pytest.approx(0.0, abs=1e-12)


def test_the_least_squares_value_recovers_a_known_polynomial_under_noise():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(4000, 2))
    truth = 3 + 2 * z[:, 0] - z[:, 1] ** 2 + 0.5 * z[:, 0] * z[:, 1]
    fitted = fit_value_polynomial(z, (truth + rng.normal(size=4000) * 0.1)[None])
    assert np.sqrt(np.mean((fitted(z)[0] - truth) ** 2)) < 0.02
    with pytest.raises(ValueError, match="draws are needed"):
        fit_value_polynomial(z[:5], truth[None, :5])


def test_partial_information_of_everything_that_matters_is_the_evpi():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(5000, 1))
    values = z[:, 0] - 0.2
    assert partial_information(z, values) == pytest.approx(
        expected_value_of_perfect_information(values), rel=0.02
    )
    assert partial_information(rng.normal(size=(5000, 1)), values) < 0.01
