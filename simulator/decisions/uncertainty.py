"""Monte Carlo over the uncertain parameters, tornado and rank correlations (model.md section 5).

:func:`monte_carlo` draws every prior of :func:`simulator.decisions.priors.uncertain_parameters`
once (Latin hypercube, seeded) and projects the scenario **and** its no-change baseline with the
same draws (common random numbers, model.md 5.2), so the NPV difference of each draw is paired: its
distribution is the distribution of the difference, not the difference of two distributions.
:class:`MonteCarlo` answers the headline questions of model.md 5.3: the probability that the
scenario beats the baseline on NPV, the probability of losing more than an amount, quantiles of
the NPV difference, the payback distribution and fan charts.

:func:`tornado` moves one parameter at a time to its 10th and 90th percentile (all others at
their central values), plus the scenario settings not drawn (discount rate, horizon), and sorts
by swing of the NPV difference; :func:`rank_correlations` gives the Spearman correlation of each
drawn parameter with the NPV difference over the Monte Carlo sample. :func:`elasticity_exceedance`
gives, for a price increase, the break-even elasticity and the probability under the prior that
the true elasticity is above it (model.md 4.3).

Money is in the business's currency; NPVs are over the scenario's horizon without terminal value
(month 1 undiscounted), as :attr:`simulator.model.engine.BatchProjection.npv`.

References
----------
McKay, M., Beckman, R., Conover, W. (1979). A comparison of three methods for selecting values of
input variables in the analysis of output from a computer code. Technometrics 21(2), 239-245.
Iman, R., Conover, W. (1982). A distribution-free approach to inducing rank correlation among
input variables. Communications in Statistics B 11(3), 311-334.
Saltelli, A. et al. (2008). Global Sensitivity Analysis: The Primer. Wiley (one-at-a-time
designs, tornado charts, rank-based sensitivity measures).
Britton, E., Fisher, P., Whitley, J. (1998). The Inflation Report projections: understanding
the fan chart. Bank of England Quarterly Bulletin 38(1), 30-37.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from simulator.decisions.evaluate import BREAKEVEN_SCALE_MAX, breakeven_elasticity
from simulator.decisions.priors import (
    FAILURE_PATH,
    ParameterDraws,
    draw_parameters,
    percentile_draws,
    uncertain_parameters,
)
from simulator.model.engine import BatchProjection, Quadrature, beats, quadrature_of, simulate_draws
from simulator.model.params import MIN_ANNUAL_DISCOUNT_RATE, Business, Scenario

DEFAULT_DRAWS = 2000
"""Monte Carlo draws N by default: the standard error of P(beat) is at most sqrt(0.25 / N),
1.1 points at N = 2,000 (model.md 5.2)."""

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles of a fan chart: the median and the 50 % and 90 % bands (model.md 5.3)."""

FAN_MEASURES = ("customers", "revenue", "cumulative_cash_flow")
FAN_CASES = ("scenario", "baseline", "difference")

TORNADO_LOW, TORNADO_HIGH = 0.1, 0.9
"""Quantiles each parameter takes in the tornado (model.md 5.3)."""

HORIZON_STEP_MONTHS = 24
"""The tornado moves the horizon this many months down and up (within 12-120 months)."""

DISCOUNT_RATE_FACTORS = (0.5, 1.5)
"""The tornado multiplies the annual discount rate by these factors (capped at 100 %)."""

ProgressCallback = Callable[[float], None]
RowEvaluator = Callable[[Scenario, ParameterDraws], np.ndarray]


def payback_months(cumulative_difference: np.ndarray) -> np.ndarray:
    """Payback month of every draw: :func:`simulator.decisions.evaluate.payback_month`, vectorised.

    Parameters
    ----------
    cumulative_difference
        Cumulative scenario-minus-baseline cash flow, shape (draws, months), currency.

    Returns
    -------
    numpy.ndarray
        Shape (draws,): the first month (1-based) from which the cumulative difference stays
        at or above zero until the horizon; NaN where it ends below zero or nothing changes.
    """
    cum = np.asarray(cumulative_difference, dtype=float)
    draws, months = cum.shape
    scale = np.maximum(1.0, np.max(np.abs(cum), axis=1, initial=0.0))[:, None]
    nothing = np.all(np.abs(cum) <= 1e-9 * scale, axis=1)
    ends_below = cum[:, -1] < 0 if months else np.ones(draws, bool)
    below = cum < -1e-9 * scale
    # last month below zero (0-based), -1 when never below
    last_below = np.where(below.any(axis=1), months - 1 - np.argmax(below[:, ::-1], axis=1), -1)
    out = (last_below + 2).astype(float)
    out[nothing | ends_below] = np.nan
    return out


@dataclass(frozen=True, kw_only=True, eq=False)
class MonteCarlo:
    """A scenario and its no-change baseline projected for the same parameter draws.

    Attributes
    ----------
    draws, seed, spread
        Number of draws N, Latin-hypercube seed and prior width (see
        :func:`simulator.decisions.priors.draw_parameters`).
    business, baseline_scenario
        What was projected: the business and the no-change scenario of the baseline (the key
        under which :func:`monte_carlo` may reuse this run's baseline).
    parameters
        The parameter draws both runs used (common random numbers).
    scenario, baseline
        The projections, one row per draw.
    delta_npv
        Scenario minus baseline NPV per draw, shape (draws,), currency.
    payback
        Payback month per draw (see :func:`payback_months`), NaN when not within the horizon.
    """

    draws: int
    seed: int
    spread: float
    business: Business
    baseline_scenario: Scenario
    parameters: ParameterDraws
    scenario: BatchProjection
    baseline: BatchProjection
    delta_npv: np.ndarray
    payback: np.ndarray

    @property
    def horizon_months(self) -> int:
        """Months projected."""
        return int(self.scenario.cash_flow.shape[1])

    @property
    def probability_beats_baseline(self) -> float:
        """P(delta NPV > 0): share of draws where the scenario's NPV is higher (by more than
        rounding, :func:`simulator.model.engine.beats`)."""
        return float(np.mean(beats(self.delta_npv, self.baseline.npv)))

    @property
    def standard_error(self) -> float:
        """Binomial standard error of :attr:`probability_beats_baseline`, sqrt(p (1 - p) / N);
        at most sqrt(0.25 / N) (model.md 5.2). Latin-hypercube sampling is usually tighter."""
        p = self.probability_beats_baseline
        return math.sqrt(p * (1.0 - p) / self.draws)

    def probability_of_loss(self, amount: float) -> float:
        """P(delta NPV < -amount): share of draws losing more than ``amount`` (currency, >= 0)
        against doing nothing."""
        return float(np.mean(self.delta_npv < -float(amount)))

    def delta_npv_quantile(self, q: float) -> float:
        """Quantile ``q`` (0-1) of the NPV difference (linear interpolation), currency."""
        return float(np.quantile(self.delta_npv, q))

    @property
    def probability_payback_within_horizon(self) -> float:
        """Share of draws whose cumulative cash-flow difference is paid back by the horizon."""
        return float(np.mean(~np.isnan(self.payback)))

    def cumulative_cash_flow_difference(self) -> np.ndarray:
        """Cumulative scenario-minus-baseline cash flow, shape (draws, months), currency."""
        return np.cumsum(self.scenario.cash_flow - self.baseline.cash_flow, axis=1)

    def fan(self) -> pd.DataFrame:
        """Fan-chart quantiles by month (model.md 5.3; Britton, Fisher & Whitley 1998).

        Returns
        -------
        pandas.DataFrame
            Columns ``measure`` ("customers": active customers over all segments; "revenue":
            currency per month; "cumulative_cash_flow": currency, cumulated from month 1),
            ``case`` ("scenario", "baseline", "difference": scenario minus baseline draw by
            draw), ``month`` (1-based), ``p05``, ``p25``, ``p50``, ``p75``, ``p95``.
        """
        series = {
            "customers": (self.scenario.total_customers, self.baseline.total_customers),
            "revenue": (self.scenario.revenue, self.baseline.revenue),
            "cumulative_cash_flow": (
                np.cumsum(self.scenario.cash_flow, axis=1),
                np.cumsum(self.baseline.cash_flow, axis=1),
            ),
        }
        months = np.arange(1, self.horizon_months + 1)
        frames = []
        for measure, (scn, base) in series.items():
            for case, values in (("scenario", scn), ("baseline", base), ("difference", scn - base)):
                q = np.quantile(values, FAN_QUANTILES, axis=0)
                frame = pd.DataFrame({"measure": measure, "case": case, "month": months})
                for name, row in zip(("p05", "p25", "p50", "p75", "p95"), q, strict=True):
                    frame[name] = row
                frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def payback_distribution(self) -> pd.DataFrame:
        """Share of draws paid back by each month.

        Returns
        -------
        pandas.DataFrame
            Columns ``month`` (1 to the horizon) and ``share`` (0-1, non-decreasing; its last
            value is :attr:`probability_payback_within_horizon`).
        """
        months = np.arange(1, self.horizon_months + 1)
        paid = self.payback[~np.isnan(self.payback)]
        counts = np.searchsorted(np.sort(paid), months, side="right")
        return pd.DataFrame({"month": months, "share": counts / self.draws})

    def summary(self) -> dict[str, float | int]:
        """The headline numbers as a JSON-ready dict (the ``uncertainty`` command's output).

        Keys: ``draws``, ``seed``, ``spread``, ``horizon_months``,
        ``probability_beats_baseline``, ``standard_error`` (of that probability),
        ``delta_npv_p10``, ``delta_npv_p50``, ``delta_npv_p90``, ``delta_npv_mean``,
        ``probability_payback_within_horizon``, ``quadrature_error``.
        """
        return {
            "draws": self.draws,
            "seed": self.seed,
            "spread": self.spread,
            "horizon_months": self.horizon_months,
            "probability_beats_baseline": self.probability_beats_baseline,
            "standard_error": self.standard_error,
            "delta_npv_p10": self.delta_npv_quantile(0.1),
            "delta_npv_p50": self.delta_npv_quantile(0.5),
            "delta_npv_p90": self.delta_npv_quantile(0.9),
            "delta_npv_mean": float(np.mean(self.delta_npv)),
            "probability_payback_within_horizon": self.probability_payback_within_horizon,
            "quadrature_error": max(self.scenario.quadrature_error, self.baseline.quadrature_error),
        }


def _rows(parameters: ParameterDraws, start: int, stop: int) -> ParameterDraws:
    """Rows ``start:stop`` of ``parameters``."""
    return ParameterDraws(
        draws=stop - start,
        values={k: v[start:stop] for k, v in parameters.values.items()},
        service_works=parameters.service_works[start:stop],
    )


def _project(
    business: Business,
    scenario: Scenario,
    parameters: ParameterDraws,
    quadrature: Quadrature | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> BatchProjection:
    return simulate_draws(
        business,
        scenario,
        parameters.values,
        service_works=parameters.service_works,
        quadrature=quadrature,
        on_chunk=on_chunk,
    )


def monte_carlo(
    business: Business,
    scenario: Scenario,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    spread: float = 1.0,
    on_progress: ProgressCallback | None = None,
    reuse: MonteCarlo | None = None,
) -> MonteCarlo:
    """Project ``scenario`` and its no-change baseline for ``draws`` parameter draws.

    Parameters
    ----------
    business, scenario
        The business (its current values are the priors' centres) and the decision.
    draws
        Number of Monte Carlo draws N, at least 1 (model.md 5.2: 2,000 by default).
    seed
        Seed of the Latin hypercube: the same business, scenario, draws and seed give identical
        results.
    spread
        Width of every prior, 0-1 (0: every draw is the business's current values).
    on_progress
        Called with the fraction done (0-1) after each chunk of draws projected
        (:data:`simulator.model.engine.DRAW_CHUNK`).
    reuse
        An earlier run whose draws and baseline are taken over when they are the ones this
        run would compute (same business, draws, seed, spread and no-change scenario: another
        price or budget at the same horizon and discount rate); ignored otherwise. The result
        is identical, and only the scenario is projected.

    Returns
    -------
    MonteCarlo
    """
    baseline_scenario = scenario.without_changes()
    same = reuse is not None and (
        (reuse.draws, reuse.seed, reuse.spread, reuse.baseline_scenario)
        == (draws, seed, spread, baseline_scenario)
        and reuse.business == business
    )
    parameters = (
        reuse.parameters if same else draw_parameters(business, draws, seed=seed, spread=spread)
    )
    # One quadrature for both projections (only the horizon matters).
    nodes = quadrature_of(business, scenario, parameters.values, draws=draws)
    work = draws if same else 2 * draws

    def progress(offset: int) -> Callable[[int], None] | None:
        if on_progress is None:
            return None
        return lambda done: on_progress((offset + done) / work)

    base = (
        reuse.baseline
        if same
        else _project(business, baseline_scenario, parameters, nodes, progress(0))
    )
    scn = _project(business, scenario, parameters, nodes, progress(work - draws))
    return MonteCarlo(
        draws=draws,
        seed=seed,
        spread=spread,
        business=business,
        baseline_scenario=baseline_scenario,
        parameters=parameters,
        scenario=scn,
        baseline=base,
        delta_npv=scn.npv - base.npv,
        payback=payback_months(np.cumsum(scn.cash_flow - base.cash_flow, axis=1)),
    )


def _delta_npv_rows(business: Business) -> RowEvaluator:
    """Delta NPV (scenario minus its baseline) for every row of a parameter design."""

    def evaluate_rows(scenario: Scenario, parameters: ParameterDraws) -> np.ndarray:
        nodes = quadrature_of(business, scenario, parameters.values, draws=parameters.draws)
        scn = _project(business, scenario, parameters, nodes)
        base = _project(business, scenario.without_changes(), parameters, nodes)
        return scn.npv - base.npv

    return evaluate_rows


def _setting_variants(scenario: Scenario) -> list[tuple[str, float, float, Scenario, Scenario]]:
    """(setting, low value, high value, low scenario, high scenario) for the tornado."""
    rate = scenario.annual_discount_rate
    low_rate, high_rate = (
        min(1.0, max(MIN_ANNUAL_DISCOUNT_RATE, rate * f)) for f in DISCOUNT_RATE_FACTORS
    )
    h = scenario.horizon_months
    low_h = max(12, scenario.price_change_month, h - HORIZON_STEP_MONTHS)
    high_h = min(120, h + HORIZON_STEP_MONTHS)
    return [
        (
            "annual_discount_rate",
            low_rate,
            high_rate,
            scenario.with_changes(annual_discount_rate=low_rate),
            scenario.with_changes(annual_discount_rate=high_rate),
        ),
        (
            "horizon_months",
            float(low_h),
            float(high_h),
            scenario.with_changes(horizon_months=low_h),
            scenario.with_changes(horizon_months=high_h),
        ),
    ]


def _design_value(parameters: ParameterDraws, path: str, row: int) -> float:
    """The value the tornado design gives ``path`` in ``row`` (sBG: alpha; failure: 0/1)."""
    if path == FAILURE_PATH:
        return float(not parameters.service_works[row])
    if path.endswith(".sbg"):
        return float(parameters.values[path + "_alpha"][row])
    return float(parameters.values[path][row])


def tornado(
    business: Business,
    scenario: Scenario,
    *,
    low: float = TORNADO_LOW,
    high: float = TORNADO_HIGH,
    evaluate_rows: RowEvaluator | None = None,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of the NPV difference (model.md 5.3; Saltelli et al. 2008).

    Each uncertain parameter is set to its ``low`` and ``high`` quantile with every other at its
    central value (:func:`simulator.decisions.priors.percentile_draws`: one projection of all rows
    for the scenario and one for the baseline); each scenario setting that is not drawn (annual
    discount rate x0.5 and x1.5; horizon -24 and +24 months within 12-120) is moved with the
    parameters at their central values.

    Parameters
    ----------
    evaluate_rows
        ``f(scenario, parameter_draws) -> delta NPV per row``; by default scenario minus
        baseline NPV from :func:`simulator.model.engine.simulate_draws`. Tests pass a known model.

    Returns
    -------
    pandas.DataFrame
        Columns ``path`` (dotted parameter path, or the setting's field name), ``low_value``
        and ``high_value`` (the parameter at its ``low``/``high`` quantile, in its unit; sBG
        rows give alpha; the failure row 0 = works, 1 = failed), ``delta_npv_low`` and
        ``delta_npv_high`` (currency), ``swing`` = abs(high - low), ``kind`` ("parameter" or
        "setting"), ``source`` ("data", "user", "assumption" or "setting"), sorted by swing,
        largest first. ``attrs["delta_npv_central"]`` is the NPV difference with every
        parameter at its central value.
    """
    evaluate_rows = evaluate_rows or _delta_npv_rows(business)
    design, rows = percentile_draws(business, low=low, high=high)
    deltas = np.asarray(evaluate_rows(scenario, design), dtype=float)
    sources = {p.path: p.source for p in uncertain_parameters(business)}
    records = [
        {
            "path": path,
            "low_value": _design_value(design, path, lo),
            "high_value": _design_value(design, path, hi),
            "delta_npv_low": float(deltas[lo]),
            "delta_npv_high": float(deltas[hi]),
            "kind": "parameter",
            "source": sources[path],
        }
        for path, lo, hi in rows
    ]
    central = _rows(design, 0, 1)
    for name, low_value, high_value, low_scn, high_scn in _setting_variants(scenario):
        records.append(
            {
                "path": name,
                "low_value": low_value,
                "high_value": high_value,
                "delta_npv_low": float(np.asarray(evaluate_rows(low_scn, central))[0]),
                "delta_npv_high": float(np.asarray(evaluate_rows(high_scn, central))[0]),
                "kind": "setting",
                "source": "setting",
            }
        )
    frame = pd.DataFrame(records)
    frame.insert(5, "swing", (frame["delta_npv_high"] - frame["delta_npv_low"]).abs())
    frame = frame.sort_values("swing", ascending=False, kind="stable", ignore_index=True)
    frame.attrs["delta_npv_central"] = float(deltas[0])
    return frame


def rank_correlations(mc: MonteCarlo) -> pd.DataFrame:
    """Spearman rank correlation of every drawn parameter with the NPV difference.

    The rank (not linear) correlation over the Monte Carlo sample complements the tornado: it
    measures how strongly each parameter orders the outcomes when all of them vary together
    (Saltelli et al. 2008; Iman & Conover 1982). Ties get average ranks.

    Returns
    -------
    pandas.DataFrame
        Columns ``path`` (the sBG prior gives ``segments.<name>.sbg_alpha`` and ``..._beta``;
        :data:`simulator.decisions.priors.FAILURE_PATH` is the failure flag, 1 = failed) and
        ``spearman`` (-1 to 1), sorted by its absolute value, largest first. Parameters that do
        not vary in the sample are left out; empty when the NPV difference does not vary.
    """
    columns = dict(mc.parameters.values)
    columns[FAILURE_PATH] = (~mc.parameters.service_works).astype(float)
    columns = {k: v for k, v in columns.items() if np.ptp(v) > 0}
    if not columns or np.ptp(mc.delta_npv) == 0:
        return pd.DataFrame({"path": pd.Series(dtype=str), "spearman": pd.Series(dtype=float)})
    from scipy.stats import rankdata  # here: see simulator.decisions.priors.draw_parameters

    ranks = rankdata(np.column_stack([*columns.values(), mc.delta_npv]), axis=0)
    ranks -= ranks.mean(axis=0)
    norms = np.sqrt((ranks**2).sum(axis=0))
    rho = (ranks[:, :-1] * ranks[:, -1:]).sum(axis=0) / (norms[:-1] * norms[-1])
    frame = pd.DataFrame({"path": list(columns), "spearman": rho})
    order = np.argsort(-np.abs(rho), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def elasticity_exceedance(business: Business, scenario: Scenario) -> pd.DataFrame:
    """For a price increase: the break-even elasticity per segment and P(eta > it) (model.md 4.3).

    :func:`simulator.decisions.evaluate.breakeven_elasticity` finds the common factor k of every
    segment's lasting price elasticity eta_s at which the NPV difference is 0; the break-even
    elasticity of segment s is k * eta_s. Under its log-normal prior (median eta_s, log-sd
    sigma_s, model.md 2.7), P(eta_s > k eta_s) = 1 - Phi(ln k / sigma_s).

    Returns
    -------
    pandas.DataFrame
        One row per segment with a lasting elasticity prior: ``segment``, ``elasticity`` (the
        assumed eta_s), ``breakeven_elasticity`` (k eta_s; NaN unless found) and
        ``probability_exceeds`` (0-1: 1 when the scenario loses even with no lasting reaction,
        the tail beyond the searched range when it pays at every elasticity searched). Empty
        when the scenario does not raise what customers pay. ``attrs["status"]`` and
        ``attrs["scale"]`` are those of :class:`simulator.decisions.evaluate.BreakEvenElasticity`.
    """
    columns = ["segment", "elasticity", "breakeven_elasticity", "probability_exceeds"]
    result = breakeven_elasticity(business, scenario)
    frame = pd.DataFrame(columns=columns)
    frame.attrs.update(status=result.status, scale=result.scale)
    if result.status == "no_increase":
        return frame
    priors = {p.path: p for p in uncertain_parameters(business)}
    records = []
    for segment in business.segments:
        prior = priors.get(f"segments.{segment.name}.lasting_price_elasticity")
        if prior is None:
            continue
        sd = prior.parameters[0]
        if result.status == "found":
            k = float(result.scale)
            p = float(1.0 - ndtr(math.log(k) / sd)) if k > 0 else 1.0
            value = k * segment.lasting_price_elasticity
        elif result.status == "never_pays":
            p, value = 1.0, math.nan
        else:  # always_pays: beyond BREAKEVEN_SCALE_MAX x the assumed elasticity
            p, value = float(1.0 - ndtr(math.log(BREAKEVEN_SCALE_MAX) / sd)), math.nan
        records.append(
            {
                "segment": segment.name,
                "elasticity": segment.lasting_price_elasticity,
                "breakeven_elasticity": value,
                "probability_exceeds": p,
            }
        )
    out = pd.DataFrame(records, columns=columns)
    out.attrs.update(frame.attrs)
    return out
