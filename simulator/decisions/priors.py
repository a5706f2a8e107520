"""The uncertain parameters of the model as probability distributions, and seeded draws of them.

:func:`uncertain_parameters` turns a :class:`~simulator.model.params.Business` into one
:class:`Prior` per uncertain parameter, centred on the business's current value: the judgement
priors of model.md section 2.7 (price response), 3.2-3.4 (service response) and 5.1 (economics,
baseline retention, implementation failure). :func:`draw_parameters` samples them jointly for Monte
Carlo (model.md 5.2) and :func:`percentile_draws` builds the one-at-a-time design of the tornado
chart (model.md 5.3). Both return :class:`ParameterDraws`, whose :meth:`ParameterDraws.business`
gives the business of one draw.

Sampling (model.md 5.1-5.2):

* a Latin hypercube (McKay, Beckman & Conover 1979) with one uniform dimension per prior (two
  for the joint sBG prior), mapped through each prior's inverse CDF;
* within a segment, the normal scores of the lasting price elasticity eta and of the notice
  shock are correlated :data:`ETA_SHOCK_CORRELATION` through a Gaussian copula (Iman & Conover
  1982): z_shock = rho z_eta + sqrt(1 - rho^2) z_own;
* (ln alpha, ln beta) of a calibrated sBG segment is multivariate normal with the covariance of
  the fit (``Segment.sbg_log_covariance``), drawn as mean + S z with S the eigen-decomposition
  square root of the covariance (principal axis first), so alpha and beta move jointly;
* the service programme fails with probability :data:`FAILURE_PROBABILITY`; a failed draw has
  every lever weight 0, so the quality index dQ and every service effect are 0 (model.md 3.4).

References
----------
McKay, M., Beckman, R., Conover, W. (1979). A comparison of three methods for selecting values of
input variables in the analysis of output from a computer code. Technometrics 21(2), 239-245.
Iman, R., Conover, W. (1982). A distribution-free approach to inducing rank correlation among
input variables. Communications in Statistics B 11(3), 311-334.
Fader, P., Hardie, B. (2007). How to project customer retention. JIM 21(1), 76-90.
Simester, D., Hauser, J., Wernerfelt, B., Rust, R. (2000). Implementing quality improvement
programs designed to enhance customer satisfaction. Journal of Marketing Research 37(1), 102-112.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaincinv, gammaincinv, ndtr, ndtri

from simulator.model.evidence import GRADE_WIDENING
from simulator.model.params import LEVERS, Business, Segment

FAILURE_PROBABILITY = 0.2
"""p_fail: probability that the service programme has no effect at all (model.md 3.4;
Simester et al. 2000 on implementation risk) [assumption]."""

ETA_SHOCK_CORRELATION = 0.5
"""Correlation of the normal scores of a segment's lasting price elasticity and its notice-month
shock (Gaussian copula, model.md 5.1) [assumption]."""

PROGRAMME_EFFECTS = (
    "max_fcr_gain",
    "max_handling_time_reduction",
    "max_arpu_uplift",
    "max_referral_uplift",
    "max_attrition_reduction",
)
"""The service operations' largest effects a failed programme does not deliver (with the lever
weights, which carry satisfaction)."""

FAILURE_PATH = "service.implementation_failure"
"""Path of the implementation-failure prior (not a Business field: it sets the lever weights)."""

FAMILIES = ("lognormal", "normal", "beta", "gamma", "uniform", "bernoulli", "sbg")

_EDGE = 1e-12
"""Latin-hypercube uniforms are kept in [_EDGE, 1 - _EDGE] so every inverse CDF is finite."""
_TAIL = float(ndtri(0.95))
"""z = 1.645: the normal score of the 95th percentile."""
_BELOW_ONE = math.nextafter(1.0, 0.0)

# Log-sd of the price-response log-normals, from the 90 % ranges of model.md 2.7
# (ln(high / low) / (2 * 1.645)): core, other segments.
# The lasting elasticity is widened beyond model.md 2.7 (0.13-1.9 around 0.5; 0.4-5.6 around
# 1.5): the published central values of 1.0 and 3.5 (price-evidence) fall at about its 80th
# and 91st percentiles, so a planner who believes them is inside the range (docs/model.md).
_ETA_LOG_SD = (0.80, 0.80)
_SHOCK_LOG_SD = (0.91, 0.63)  # 0.1-2 % around 0.5 %; 1-8 % around 3 %


@dataclass(frozen=True, kw_only=True)
class Prior:
    """The distribution of one uncertain parameter, centred on the business's current value.

    Parameters
    ----------
    path
        Dotted parameter path as in :mod:`simulator.model.assumptions`, e.g.
        ``"segments.core.lasting_price_elasticity"``; ``"segments.<name>.sbg"`` for the joint
        (alpha, beta) prior and :data:`FAILURE_PATH` for implementation failure.
    family
        One of :data:`FAMILIES`.
    median
        The business's current value, in the parameter's unit: the distribution's median for
        ``"lognormal"`` and ``"gamma"``, its mean for ``"beta"``, the point inside the interval for
        ``"uniform"``; 0.0 (the programme works) for ``"bernoulli"``; alpha for ``"sbg"``. Every
        draw at ``spread = 0`` and the first row of :func:`percentile_draws` take this value.
    low, high
        5th and 95th percentiles (``"sbg"``: alpha at the score -1.645 / +1.645 along the
        principal axis; ``"bernoulli"``: 0 and 1).
    source
        ``"data"``, ``"user"`` or ``"assumption"`` (``Business.source``; ``"data"`` for ``"sbg"``,
        ``"assumption"`` for implementation failure).
    parameters
        Family parameters: lognormal ``(log_sd,)``; normal ``(sd, floor)`` (draws below the
        floor are set to it); beta ``(a, b)``; gamma ``(shape,)`` with the
        scale implied by the median; uniform ``(lower, upper)``; bernoulli ``(p_fail,)``; sbg
        ``(beta, d ln alpha, d ln beta, e ln alpha, e ln beta)``: the current beta, then the
        principal axis d and the second axis e of the square root of the log covariance (change
        of (ln alpha, ln beta) per unit normal score).
    cap
        Draws above ``cap`` are set to it (keeps a parameter valid, e.g. a churn share below 1);
        at least ``median``.
    offset
        A ``"lognormal"`` prior is log-normal in ``value - offset`` (e.g. fee fairness: the
        excess of a fee's weight over the same money in the price, offset 1).
    """

    path: str
    family: str
    median: float
    low: float
    high: float
    source: str
    parameters: tuple[float, ...] = ()
    cap: float = math.inf
    offset: float = 0.0

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown prior family {self.family!r}; expected one of {FAMILIES}")

    def ppf(self, q: ArrayLike) -> np.ndarray:
        """Inverse CDF at probabilities ``q`` (0-1), in the parameter's unit.

        ``"bernoulli"`` gives 1.0 (failed) where q > 1 - p_fail, else 0.0; ``"sbg"`` gives the
        standard-normal score z along the principal axis (see :meth:`sbg_point`).
        """
        return self.shrunk_ppf(q, 1.0)

    def shrunk_ppf(self, q: ArrayLike, spread: ArrayLike) -> np.ndarray:
        """Inverse CDF with the prior's width scaled by ``spread`` (0-1).

        ``spread = 1`` is :meth:`ppf`; ``spread = 0`` gives ``median`` exactly whatever ``q``.
        In between, the log-normal and sbg normal score and the gamma log-ratio to the median
        are multiplied by ``spread``, beta and uniform draws move linearly towards ``median``
        and the failure probability is ``spread * p_fail``.
        """
        q = np.asarray(q, dtype=float)
        s = np.asarray(spread, dtype=float)
        v, p = self.median, self.parameters
        if self.family == "bernoulli":
            return (q > 1.0 - s * p[0]).astype(float)
        if self.family == "sbg":
            return s * ndtri(q)
        if self.family == "lognormal":
            x = self.offset + (v - self.offset) * np.exp(s * p[0] * ndtri(q))
        elif self.family == "normal":
            x = np.maximum(v + s * p[0] * ndtri(q), p[1])
        elif self.family == "gamma":
            x = v * (gammaincinv(p[0], q) / gammaincinv(p[0], 0.5)) ** s
        elif self.family == "beta":
            x = (1.0 - s) * v + s * betaincinv(p[0], p[1], q)
        else:  # uniform
            x = (1.0 - s) * v + s * (p[0] + q * (p[1] - p[0]))
        return np.minimum(x, self.cap)

    def sbg_point(self, z: ArrayLike, z_second: ArrayLike = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """(alpha, beta) of an ``"sbg"`` prior at normal scores ``z`` (principal axis) and
        ``z_second`` (second axis): exp(ln alpha_0 + z d + z_second e), likewise for beta."""
        beta, da, db, ea, eb = self.parameters
        z, z_second = np.asarray(z, dtype=float), np.asarray(z_second, dtype=float)
        return (
            self.median * np.exp(z * da + z_second * ea),
            beta * np.exp(z * db + z_second * eb),
        )


@dataclass(frozen=True, kw_only=True)
class ParameterDraws:
    """Draws of the uncertain parameters, one row per Monte Carlo iteration or tornado row.

    Parameters
    ----------
    draws
        Number of rows.
    values
        Dotted path -> float array of shape ``(draws,)`` for every ``"lognormal"``, ``"beta"``,
        ``"gamma"`` and ``"uniform"`` prior, plus ``"segments.<name>.sbg_alpha"`` and
        ``"segments.<name>.sbg_beta"`` for each ``"sbg"`` prior.
    service_works
        Bool array of shape ``(draws,)``: False where the service programme failed.
    """

    draws: int
    values: dict[str, np.ndarray]
    service_works: np.ndarray

    def business(self, business: Business, index: int) -> Business:
        """``business`` with the values of row ``index`` (not marked as user-set).

        A row where the service failed has every lever weight and every effect of
        :data:`PROGRAMME_EFFECTS` 0, which makes every service response 0. Everything not drawn
        stays as in ``business``.
        """
        segment_changes: dict[str, dict[str, float]] = {s.name: {} for s in business.segments}
        service_changes: dict[str, float] = {}
        lever_changes: dict[str, dict[str, float]] = {lever: {} for lever in LEVERS}
        business_changes: dict[str, float] = {}
        for path, column in self.values.items():
            value = float(column[index])
            if "." not in path:
                business_changes[path] = value
            elif path.startswith("segments."):
                name, field = path.removeprefix("segments.").rsplit(".", 1)
                segment_changes[name][field] = value
            else:
                parts = path.removeprefix("service.").split(".")
                if len(parts) == 2:
                    lever_changes[parts[0]][parts[1]] = value
                else:
                    service_changes[parts[0]] = value
        if not self.service_works[index]:
            for lever in LEVERS:
                lever_changes[lever]["weight"] = 0.0
            service_changes.update({name: 0.0 for name in PROGRAMME_EFFECTS})
        service = business.service
        levers = {lever: replace(service.lever(lever), **lever_changes[lever]) for lever in LEVERS}
        return replace(
            business,
            segments=tuple(replace(s, **segment_changes[s.name]) for s in business.segments),
            service=replace(service, **service_changes, **levers),
            **business_changes,
        )


def _prior(
    business: Business,
    path: str,
    family: str,
    value: float,
    parameters: tuple[float, ...],
    cap: float = math.inf,
    offset: float = 0.0,
) -> Prior:
    """A one-dimensional prior centred on ``value`` with its 5th/95th percentiles filled in.

    A parameter measured with known :class:`~simulator.model.params.Evidence` is drawn from its
    estimate's own 90 % interval instead, widened by its grade
    (:data:`~simulator.model.params.GRADE_WIDENING`): log-normal when the interval is above 0,
    else normal and never below 0."""
    evidence = business.evidence_for(path)
    if evidence is not None:
        widen = GRADE_WIDENING[evidence.grade]
        if evidence.low > 0 and value > 0:
            family, parameters = (
                "lognormal",
                (widen * math.log(evidence.high / evidence.low) / (2 * _TAIL),),
            )
        else:
            family, parameters = (
                "normal",
                (
                    widen * (evidence.high - evidence.low) / (2 * _TAIL),
                    0.0,
                ),
            )
        offset = 0.0
    prior = Prior(
        path=path,
        family=family,
        median=value,
        low=math.nan,
        high=math.nan,
        source=business.source(path),
        parameters=parameters,
        cap=max(cap, value),
        offset=offset,
    )
    # sorted: a log-normal around a negative value (an elasticity) falls as q rises
    low, high = sorted(prior.ppf([0.05, 0.95]))
    return replace(prior, low=float(low), high=float(high))


def _uniform(
    value: float, down: float, up: float, lower: float, upper: float
) -> tuple[float, float]:
    """Uniform bounds [value - down, value + up] clipped to [lower, upper], always containing
    ``value``."""
    return (min(value, max(lower, value - down)), max(value, min(upper, value + up)))


def _beta(mean: float, concentration: float) -> tuple[float, float]:
    """Beta (a, b) with the given mean and concentration a + b."""
    return (mean * concentration, (1.0 - mean) * concentration)


def _segment_priors(business: Business, segment: Segment) -> list[Prior]:
    """Priors of one segment (model.md 2.7 and 5.1), in :func:`uncertain_parameters` order."""
    s = segment
    core = s.name == business.core
    out: list[Prior] = []

    def add(name: str, family: str, parameters: tuple[float, ...], cap: float = math.inf) -> None:
        path = f"segments.{s.name}.{name}"
        out.append(_prior(business, path, family, getattr(s, name), parameters, cap))

    add("arpu_per_month", "lognormal", (0.03,))  # narrow: from data
    if s.variable_cost_per_month > 0:
        add("variable_cost_per_month", "lognormal", (0.03,))
    if s.lasting_price_elasticity > 0:
        add("lasting_price_elasticity", "lognormal", (_ETA_LOG_SD[0 if core else 1],))
    if s.notice_shock_churn_per_10pct > 0:
        sd = _SHOCK_LOG_SD[0 if core else 1]
        add("notice_shock_churn_per_10pct", "lognormal", (sd,), 0.5)
    add("shock_half_life_months", "lognormal", (0.545,))  # 0.5-3 around 1 month
    if 0 < s.decrease_response_ratio < 1:  # Beta(5, 5) around 0.5: 0.25-0.75
        add("decrease_response_ratio", "beta", _beta(s.decrease_response_ratio, 10.0))
    # 0-5 % around 2 %, below ln 1.1 so that a +10 % increase is always noticed
    add("price_threshold", "uniform", _uniform(s.price_threshold, 0.02, 0.03, 0.0, 0.095))
    if s.uncontrollable_churn_share > 0:  # 0.2-0.5 around 0.35
        u = _beta(s.uncontrollable_churn_share, 27.0)
        add("uncontrollable_churn_share", "beta", u, _BELOW_ONE)
    if s.satisfaction_moderation > 0:  # 0.1-1.4 around 0.5
        add("satisfaction_moderation", "gamma", (2.0,))
    if s.max_service_churn_reduction > 0:  # 1-25 % around 10 %
        m = _beta(s.max_service_churn_reduction, 12.0)
        add("max_service_churn_reduction", "beta", m, 0.95)
    # Price response beyond the hazard (docs/model.md, price response; grades there).
    if s.acquisition_price_elasticity < 0:  # -2.0 (-0.95 to -4.2): lognormal on the magnitude
        add("acquisition_price_elasticity", "lognormal", (0.45,))
        add("acquisition_share", "beta", _beta(s.acquisition_share, 18.0))  # 0.2: 0.07-0.37
    if s.wtp_median is not None:
        add("wtp_median", "lognormal", (0.12,))  # 2.0: 1.64-2.43; 1.6: 1.31-1.95
        add("wtp_log_sd", "lognormal", (0.30,))  # 0.3: 0.18-0.49
        add("wtp_exit_half_life_months", "lognormal", (0.50,))  # 1.2: 0.5-2.7 months
    if s.negative_wom_per_defector > 0:  # 0.1 (0.022-0.45)
        add("negative_wom_per_defector", "lognormal", (0.91,))
        add("negative_wom_half_life_months", "lognormal", (0.60,))  # 3: 1.1-8 months
    phi = _uniform(s.referred_churn_multiplier, 0.15, 0.15, 0.5, 2.0)
    add("referred_churn_multiplier", "uniform", phi)
    if s.referral_rate_per_month > 0:
        add("referral_rate_per_month", "lognormal", (0.2,), 0.5)
    cov = s.sbg_log_covariance
    if s.constant_monthly_churn is None and cov and cov[0] + cov[2] > 0:
        out.append(_sbg_prior(s))
    return out


def _sbg_prior(segment: Segment) -> Prior:
    """The joint prior of (ln alpha, ln beta): MVN around the fit with its covariance."""
    var_a, cov_ab, var_b = segment.sbg_log_covariance
    eigenvalues, vectors = np.linalg.eigh(np.array([[var_a, cov_ab], [cov_ab, var_b]]))
    root = vectors[:, ::-1] * np.sqrt(np.clip(eigenvalues[::-1], 0.0, None))
    if root[0, 0] < 0 or (root[0, 0] == 0 and root[1, 0] < 0):
        root[:, 0] = -root[:, 0]  # alpha increases with the principal score
    da, db = (float(x) for x in root[:, 0])
    ea, eb = (float(x) for x in root[:, 1])
    prior = Prior(
        path=f"segments.{segment.name}.sbg",
        family="sbg",
        median=segment.sbg_alpha,
        low=math.nan,
        high=math.nan,
        source="data",
        parameters=(segment.sbg_beta, da, db, ea, eb),
    )
    alphas, _ = prior.sbg_point(np.array([-_TAIL, _TAIL]))
    return replace(prior, low=float(alphas[0]), high=float(alphas[1]))


def uncertain_parameters(business: Business) -> tuple[Prior, ...]:
    """One :class:`Prior` per uncertain parameter of ``business``.

    Order: each segment in business order (economics, price response, service response,
    referrals, then the joint sBG prior if the segment has a fit covariance), then the service
    operations, then each lever in :data:`~simulator.model.params.LEVERS` order, implementation
    failure last. A multiplicative parameter (log-normal, gamma, beta mean) whose value is 0, or a
    beta mean of 1, is certain and has no prior; so are the lever weights and everything not listed
    in model.md 5.1.
    """
    priors: list[Prior] = []
    for segment in business.segments:
        priors += _segment_priors(business, segment)
    ops = business.service
    for name in ("max_arpu_uplift", "max_referral_uplift"):
        if getattr(ops, name) > 0:
            priors.append(
                _prior(business, f"service.{name}", "gamma", getattr(ops, name), (2.0,), 1.0)
            )
    if ops.max_fcr_gain > 0:
        cap = 1.0 - ops.first_contact_resolution - 1e-6
        priors.append(
            _prior(business, "service.max_fcr_gain", "lognormal", ops.max_fcr_gain, (0.4,), cap)
        )
    if ops.max_handling_time_reduction > 0:
        priors.append(
            _prior(
                business,
                "service.max_handling_time_reduction",
                "lognormal",
                ops.max_handling_time_reduction,
                (0.4,),
                0.95,
            )
        )
    if ops.max_attrition_reduction > 0:  # 10 points (2-28)
        priors.append(
            _prior(
                business,
                "service.max_attrition_reduction",
                "gamma",
                ops.max_attrition_reduction,
                (2.0,),
                ops.agent_attrition_per_year,
            )
        )
    if ops.agent_replacement_cost_months > 0:  # 2 months (1.2-3.3)
        priors.append(
            _prior(
                business,
                "service.agent_replacement_cost_months",
                "lognormal",
                ops.agent_replacement_cost_months,
                (0.30,),
            )
        )
    for name in ("rise_contacts_per_100", "overload_churn_increase"):  # 5: 1.6-16; 0.09: 0.03-0.3
        if getattr(ops, name) > 0:
            priors.append(
                _prior(business, f"service.{name}", "lognormal", getattr(ops, name), (0.70,))
            )
    if business.fee_salience > 1:  # fee fairness 1.5 (1.11-3.2): 1 + LogNormal(0.5, 0.9)
        priors.append(
            _prior(business, "fee_salience", "lognormal", business.fee_salience, (0.90,), 5.0, 1.0)
        )
    for lever in LEVERS:
        r = ops.lever(lever)
        base = f"service.{lever}."
        priors += [
            # x50 as a share of the lever's unit cost (0.5-2 x), docs/model.md service investment
            _prior(
                business,
                base + "half_effect_cost_share",
                "lognormal",
                r.half_effect_cost_share,
                (0.42,),
            ),
            # ramp half-life, e.g. 4 months (2-9), model.md 3.2
            _prior(
                business,
                base + "ramp_half_life_months",
                "lognormal",
                r.ramp_half_life_months,
                (0.45,),
            ),
            _prior(
                business,
                base + "hill_exponent",
                "uniform",
                r.hill_exponent,
                _uniform(r.hill_exponent, 0.75, 0.75, 0.1, 10.0),
            ),
        ]
    priors.append(
        Prior(
            path=FAILURE_PATH,
            family="bernoulli",
            median=0.0,
            low=0.0,
            high=1.0,
            source="assumption",
            parameters=(FAILURE_PROBABILITY,),
        )
    )
    return tuple(priors)


def _width(prior: Prior) -> int:
    """Latin-hypercube dimensions a prior takes: two for the joint sBG prior, else one."""
    return 2 if prior.family == "sbg" else 1


def _values(
    priors: tuple[Prior, ...], uniforms: np.ndarray, spreads: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Map uniforms (rows x dimensions, :func:`_width` columns per prior) to parameter values.

    ``spreads`` (rows x priors) scales each prior's width per row (see :meth:`Prior.shrunk_ppf`).
    """
    values: dict[str, np.ndarray] = {}
    works = np.ones(uniforms.shape[0], dtype=bool)
    column = 0
    for i, prior in enumerate(priors):
        q, s = uniforms[:, column], spreads[:, i]
        if prior.family == "sbg":
            z_second = prior.shrunk_ppf(uniforms[:, column + 1], s)
            alpha, beta = prior.sbg_point(prior.shrunk_ppf(q, s), z_second)
            base = prior.path.removesuffix(".sbg")
            values[base + ".sbg_alpha"], values[base + ".sbg_beta"] = alpha, beta
        elif prior.family == "bernoulli":
            works = prior.shrunk_ppf(q, s) != 1.0
        else:
            values[prior.path] = prior.shrunk_ppf(q, s)
        column += _width(prior)
    for array in (*values.values(), works):
        array.setflags(write=False)
    return values, works


def draw_parameters(
    business: Business, draws: int, *, seed: int, spread: float = 1.0
) -> ParameterDraws:
    """Latin-hypercube Monte Carlo draws of every prior of ``business`` (model.md 5.1-5.2).

    Parameters
    ----------
    business
        The business whose :func:`uncertain_parameters` are drawn.
    draws
        Number of draws N (model.md 5.2: 2,000 by default, up to 5,000), at least 1.
    seed
        Seed of the Latin hypercube: the same seed gives identical draws.
    spread
        Scales every prior's width, 0-1: 1 is the prior, 0 makes every draw the business's
        current values (and the service programme always works); see :meth:`Prior.shrunk_ppf`.

    Raises
    ------
    ValueError
        ``draws`` below 1 or ``spread`` outside [0, 1].
    """
    if draws < 1:
        raise ValueError(f"draws must be at least 1; got {draws}")
    if not 0.0 <= spread <= 1.0:
        raise ValueError(f"spread must be in [0, 1]; got {spread}")
    # Imported here: scipy.stats takes about two seconds to import, and the command line's
    # calibrate and the pages without Monte Carlo never need it.
    from scipy.stats import qmc

    priors = uncertain_parameters(business)
    offsets = np.cumsum([0] + [_width(p) for p in priors])
    sampler = qmc.LatinHypercube(d=int(offsets[-1]), rng=np.random.default_rng(seed))
    uniforms = np.clip(sampler.random(draws), _EDGE, 1.0 - _EDGE)
    columns = dict(zip((p.path for p in priors), offsets[:-1].tolist(), strict=True))
    rho = ETA_SHOCK_CORRELATION
    for segment in business.segments:
        eta = columns.get(f"segments.{segment.name}.lasting_price_elasticity")
        shock = columns.get(f"segments.{segment.name}.notice_shock_churn_per_10pct")
        if eta is not None and shock is not None:
            z = rho * ndtri(uniforms[:, eta]) + math.sqrt(1.0 - rho**2) * ndtri(uniforms[:, shock])
            uniforms[:, shock] = np.clip(ndtr(z), _EDGE, 1.0 - _EDGE)
    values, works = _values(priors, uniforms, np.full((draws, len(priors)), float(spread)))
    return ParameterDraws(draws=draws, values=values, service_works=works)


def percentile_draws(
    business: Business, *, low: float = 0.1, high: float = 0.9
) -> tuple[ParameterDraws, tuple[tuple[str, int, int], ...]]:
    """The one-at-a-time design of the tornado chart (model.md 5.3).

    Row 0 has every parameter at its current value (the service programme works). Then, for each
    prior of :func:`uncertain_parameters` in order, a row with that prior at its ``low`` quantile
    and a row at its ``high`` quantile, all others at their current values. The sBG prior moves
    along its principal axis (z = Phi^-1(low), Phi^-1(high)); the failure prior's rows are
    "works" and "failed" when ``low < 1 - p_fail < high``.

    Returns
    -------
    tuple
        The draws (``1 + 2 * len(priors)`` rows) and one ``(path, low_row, high_row)`` per prior.

    Raises
    ------
    ValueError
        Unless 0 < low < high < 1.
    """
    if not 0.0 < low < high < 1.0:
        raise ValueError(f"need 0 < low < high < 1; got low={low}, high={high}")
    priors = uncertain_parameters(business)
    rows = 1 + 2 * len(priors)
    uniforms = np.full((rows, sum(_width(p) for p in priors)), 0.5)
    spreads = np.zeros((rows, len(priors)))
    design = []
    column = 0
    for i, prior in enumerate(priors):
        low_row, high_row = 1 + 2 * i, 2 + 2 * i
        uniforms[[low_row, high_row], column] = (low, high)
        spreads[[low_row, high_row], i] = 1.0
        design.append((prior.path, low_row, high_row))
        column += _width(prior)
    values, works = _values(priors, uniforms, spreads)
    return ParameterDraws(draws=rows, values=values, service_works=works), tuple(design)
