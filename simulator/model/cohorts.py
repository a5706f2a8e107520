"""Cohorts of one segment through the horizon: who is still a customer each month.

The engine (:mod:`simulator.model.engine`) does the accounting once; this module sums the
PH-sBG survival of a segment's cohorts (model.md sections 2.2-2.3) in one of two ways, which
answer the same questions (:class:`CohortRun`) for the same inputs:

* :class:`ExactCohorts`: the closed form B(alpha, beta + C0 + C) / B(alpha, beta + C0) for every
  cohort and month, computed with log-beta differences. Exact; its cost grows with cohorts x
  months x draws, so it serves single scenarios, root finding and the tests' oracle.
* :class:`~simulator.model.quadrature.QuadratureCohorts`: the churn probability on quadrature
  nodes, for thousands of draws (:mod:`simulator.model.quadrature`).

Cohorts follow *paths*: one hazard multiplier path per key (grandfathered, shocked, referred)
of :meth:`simulator.model.price.HazardPaths.multipliers`. Today's base is one cohort per tenure
on the base key's path; each month adds a paid and a referred cohort on the keys given for that
month. Referred customers of month t are ``referral_rate[t]`` times the customers of month t - 1
(today's base in month 1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, digamma

from simulator.model.sbg import log_survival_ratio, residual_discounted_exposure

Key = tuple[bool, bool, bool]
"""(grandfathered, shocked, referred): which multiplier path a cohort follows."""


@dataclass(frozen=True)
class Defection:
    """Who leaves because of the price, and what their word of mouth costs (model.md, price
    response).

    ``counted`` are the keys of cohorts that knew today's price and pay the new one (not
    grandfathered): only they can be told of a rise that crosses their reservation price, and
    only their churn above ``price_free`` (their multipliers without the price terms, draws x
    months) counts as price-driven. ``reservation`` is G_t (draws, months), the share of them
    not yet gone for their reservation price (independent of theta: it thins every tenure
    alike). Price-driven defectors D_t feed a stock B_t = delta B_t-1 + D_t that removes
    acquisitions, paid and referred alike, by exp(-omega (1 - delta) B_t-1 / planned_t);
    ``word_of_mouth`` is omega and ``decay`` delta, per draw.
    """

    counted: frozenset[Key]
    price_free: Mapping[Key, np.ndarray]
    reservation: np.ndarray
    word_of_mouth: np.ndarray
    decay: np.ndarray


@dataclass(frozen=True)
class CohortRun:
    """What a segment's cohorts did, arrays of shape (draws, months).

    ``customers`` active in each month, ``old_price`` those of them on today's price
    (grandfathered), ``paid`` and ``referred`` the month's new customers, ``defectors`` the
    month's price-driven defectors, ``knew`` the customers alive who knew today's price and pay
    the new one.
    """

    customers: np.ndarray
    old_price: np.ndarray
    paid: np.ndarray
    referred: np.ndarray
    defectors: np.ndarray
    knew: np.ndarray


def keep_after_word_of_mouth(
    stock: np.ndarray, planned: np.ndarray, defection: Defection
) -> np.ndarray:
    """exp(-omega (1 - delta) B / planned): the share of the month's planned acquisitions that
    negative word of mouth leaves (1 where nothing is planned)."""
    lost = defection.word_of_mouth * (1.0 - defection.decay) * stock
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(planned > 0, np.exp(-lost / np.where(planned > 0, planned, 1.0)), 1.0)


@dataclass(frozen=True)
class ExactRun(CohortRun):
    """A :class:`CohortRun` with what the terminal value and the CLV need.

    Per cohort row (today's base by tenure, then the paid and the referred cohort of every
    month), shape (draws, rows): ``alive_end`` customers alive in the last month,
    ``exposure_end`` their accumulated exposure C0 + C; ``row_keys`` the path of each row.
    ``first_paid_survival`` (draws, months): the share of month 1's paid cohort alive each
    month.
    """

    alive_end: np.ndarray
    exposure_end: np.ndarray
    row_keys: tuple[Key, ...]
    first_paid_survival: np.ndarray

    @property
    def first_paid_row(self) -> int:
        """The row of month 1's paid cohort (after today's base)."""
        return len(self.row_keys) - 2 * self.first_paid_survival.shape[1]


def shock_multipliers(
    log_kept, extra_churn: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """The one-month multiplier c per draw that loses ``extra_churn`` more of today's base.

    Solves ln K(c) = ln K(1) + ln(1 - s), where K(c) is the share of today's base (weighted by
    tenure) that survives one month at multiplier c (model.md section 2.3). ``log_kept(c, rows)``
    gives ln K and d ln K / dc for the draws ``rows``. ln K is convex and decreasing in c (the
    log of a mixture of exponentials), so Newton's method from c = 1 converges monotonically.
    For a homogeneous base with churn p the answer is c = 1 + ln(1 - s) / ln(1 - p).
    """
    extra_churn = np.asarray(extra_churn, dtype=float)
    c_out = np.ones(extra_churn.size)
    todo = np.flatnonzero(extra_churn > 0) if rows is None else np.asarray(rows)
    if todo.size == 0:
        return c_out
    target = log_kept(np.ones(todo.size), todo)[0] + np.log1p(-extra_churn[todo])
    c = np.ones(todo.size)
    for _ in range(200):
        value, slope = log_kept(c, todo)
        step = (value - target) / slope
        c = c - step
        if np.all(np.abs(step) <= 1e-13 * c):
            break
    c_out[todo] = c
    return c_out


def mixture_log_kept(
    alpha: np.ndarray,
    beta: np.ndarray,
    constant_churn: float | None,
    exposures: np.ndarray,
    weights: np.ndarray,
    c: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """ln K(c) and d ln K / dc, where K(c) is the share of a base of customers with accumulated
    ``exposures`` (weighted by ``weights``) that survives one month at multiplier ``c``.

    Exact: K(c) = sum_j w_j B(alpha, beta + C_j + c) / B(alpha, beta + C_j) / sum_j w_j, per
    draw (``alpha``, ``beta`` and ``c`` of shape (draws,)); (1 - p)^c with constant churn p. An
    empty base is a new cohort (exposure 0).
    """
    c = np.asarray(c, dtype=float)
    if constant_churn is not None:
        log_keep = math.log1p(-constant_churn)
        return c * log_keep, np.full(c.size, log_keep)
    exposures = np.asarray(exposures, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if exposures.size == 0 or weights.sum() <= 0:
        exposures, weights = np.zeros(1), np.ones(1)
    a = np.asarray(alpha, dtype=float)[:, None]
    b = np.asarray(beta, dtype=float)[:, None] + exposures[None, :]
    cc = c[:, None]
    kept = (weights / weights.sum()) * np.exp(betaln(a, b + cc) - betaln(a, b))
    total = kept.sum(axis=1)
    slope = (kept * (digamma(b + cc) - digamma(a + b + cc))).sum(axis=1) / total
    return np.log(total), slope


class ExactCohorts:
    """Closed-form cohort survival of one segment for a few draws (see the module docstring).

    Parameters
    ----------
    alpha, beta
        sBG parameters per draw, shape (draws,); ignored with ``constant_churn``.
    constant_churn
        Monthly churn of a constant-churn segment, or None.
    base_by_tenure
        Today's customers by tenure in months (element n has renewed n times).
    """

    def __init__(
        self,
        alpha: np.ndarray,
        beta: np.ndarray,
        constant_churn: float | None,
        base_by_tenure: Sequence[float],
    ) -> None:
        self.alpha = np.asarray(alpha, dtype=float).reshape(-1)
        self.beta = np.asarray(beta, dtype=float).reshape(-1)
        self.constant_churn = constant_churn
        self.counts = np.asarray(base_by_tenure, dtype=float)

    def survival(self, rows: np.ndarray, start: np.ndarray, exposure: np.ndarray) -> np.ndarray:
        """Share alive after ``exposure`` of customers who had accumulated ``start``; arrays
        broadcast against the draws ``rows`` on the first axis."""
        exposure = np.asarray(exposure, dtype=float)
        if self.constant_churn is not None:
            return np.exp(exposure * math.log1p(-self.constant_churn)) + 0.0 * np.asarray(start)
        extra = (1,) * (exposure.ndim - 1)
        a = self.alpha[rows].reshape(-1, *extra)
        b = self.beta[rows].reshape(-1, *extra) + start
        return np.exp(log_survival_ratio(a, b, exposure))

    def base_log_kept(self, c: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ln of the share of today's base alive after one month at multiplier ``c`` (per draw
        in ``rows``), and its derivative in c (for :func:`shock_multipliers`)."""
        return mixture_log_kept(
            self.alpha[rows],
            self.beta[rows],
            self.constant_churn,
            np.arange(self.counts.size, dtype=float),
            self.counts,
            c,
        )

    def run(
        self,
        paths: Mapping[Key, np.ndarray],
        base_key: Key,
        paid_keys: Sequence[Key],
        referred_keys: Sequence[Key],
        planned_paid: np.ndarray,
        referral_rate: np.ndarray,
        defection: Defection,
    ) -> ExactRun:
        """Every cohort through the horizon, exactly.

        ``paths`` maps keys to multipliers (draws, months); ``planned_paid`` and
        ``referral_rate`` are (draws, months): the paid customers planned for each month, and
        referred customers per customer of the month before, both before word of mouth.
        """
        draws, horizon = np.shape(planned_paid)
        rows = np.arange(draws)
        months = np.arange(1, horizon + 1)
        counts = self.counts
        tenure = np.arange(counts.size, dtype=float)
        kept = np.broadcast_to(defection.reservation, (draws, horizon))
        kept_before = np.concatenate((np.ones((draws, 1)), kept[:, :-1]), axis=1)

        c_base = np.broadcast_to(paths[base_key], (draws, horizon))
        cum_base = np.cumsum(c_base, axis=1)
        hazard_part = self.survival(rows, tenure[None, :, None], cum_base[:, None, :])
        base_counted = base_key in defection.counted
        base_kept = kept if base_counted else np.ones((draws, horizon))
        base_customers = np.einsum("n,dnt->dt", counts, hazard_part) * base_kept
        defectors = np.zeros((draws, horizon))
        if base_counted and counts.size:
            before = np.concatenate((np.ones((draws, counts.size, 1)), hazard_part[:, :, :-1]), 2)
            exposure_before = np.concatenate((np.zeros((draws, 1)), cum_base[:, :-1]), axis=1)
            c0 = np.broadcast_to(defection.price_free[base_key], (draws, horizon))
            defectors += np.einsum(
                "n,dnt->dt",
                counts,
                self._defecting(
                    rows,
                    before,
                    tenure[None, :, None] + exposure_before[:, None, :],
                    c0[:, None, :],
                    c_base[:, None, :],
                    kept_before[:, None, :],
                    kept[:, None, :],
                ),
            )

        acquired = months
        later = months[None, None, :] > acquired[None, :, None]
        active = np.broadcast_to(months[None, :] >= acquired[:, None], (draws, horizon, horizon))
        surv, defect, exposure_end = {}, {}, {}
        for referred, keys in ((False, paid_keys), (True, referred_keys)):
            c_rows = np.stack([np.broadcast_to(paths[k], (draws, horizon)) for k in keys], axis=1)
            # A cohort acquired in month a accumulates the multipliers of months a + 1 on, summed
            # directly: as a difference of running totals, an infinite multiplier before it
            # joins (a prohibitive price overflows exp; survival is then 0) would give
            # inf - inf = NaN.
            exposure = np.cumsum(np.where(later, c_rows, 0.0), axis=2)
            hazard_rows = np.zeros_like(exposure)
            which = np.broadcast_to(rows[:, None, None], exposure.shape)[active]
            hazard_rows[active] = self._survival_flat(which, exposure[active])
            counted = np.flatnonzero([k in defection.counted for k in keys])
            surv[referred] = hazard_rows.copy()
            surv[referred][:, counted] *= kept[:, None, :]
            defect[referred] = None
            if counted.size:
                # Only cohorts that knew today's price (acquired before the notice) defect. A
                # cohort is whole (survival 1) in the month it joins; G is 1 until the notice.
                alive = hazard_rows[:, counted]
                before = np.concatenate((np.zeros(alive.shape[:2] + (1,)), alive[:, :, :-1]), 2)
                exposure_before = np.concatenate(
                    (np.zeros(alive.shape[:2] + (1,)), exposure[:, counted, :-1]), axis=2
                )
                c0 = np.stack(
                    [
                        np.broadcast_to(defection.price_free[keys[a]], (draws, horizon))
                        for a in counted
                    ],
                    axis=1,
                )
                unit = self._defecting(
                    rows,
                    before,
                    exposure_before,
                    c0,
                    c_rows[:, counted],
                    kept_before[:, None, :],
                    kept[:, None, :],
                )
                defect[referred] = np.zeros_like(exposure)
                defect[referred][:, counted] = np.where(later[:, counted], unit, 0.0)
            exposure_end[referred] = exposure[:, :, -1]

        customers = base_customers.copy()
        paid = np.zeros((draws, horizon))
        referred_new = np.zeros((draws, horizon))
        previous = np.full(draws, counts.sum())
        stock = np.zeros(draws)
        for t in range(horizon):
            planned_referred = referral_rate[:, t] * previous
            keep = keep_after_word_of_mouth(stock, planned_paid[:, t] + planned_referred, defection)
            paid[:, t] = planned_paid[:, t] * keep
            referred_new[:, t] = planned_referred * keep
            customers[:, t:] += (
                paid[:, t, None] * surv[False][:, t, t:]
                + referred_new[:, t, None] * surv[True][:, t, t:]
            )
            for new, unit in ((paid, defect[False]), (referred_new, defect[True])):
                if unit is not None:
                    defectors[:, t:] += new[:, t, None] * unit[:, t, t:]
            stock = defection.decay * stock + np.maximum(defectors[:, t], 0.0)
            previous = customers[:, t]

        paid_counts = paid[:, :, None] * surv[False]
        ref_counts = referred_new[:, :, None] * surv[True]

        def among(flag) -> np.ndarray:
            """Customers of the new cohorts whose key has ``flag``, per month."""
            paid_rows = np.array([flag(k) for k in paid_keys])
            ref_rows = np.array([flag(k) for k in referred_keys])
            return paid_counts[:, paid_rows].sum(axis=1) + ref_counts[:, ref_rows].sum(axis=1)

        old_price = among(lambda k: k[0])
        knew_today = among(lambda k: k in defection.counted)
        if base_key[0]:
            old_price = old_price + base_customers
        if base_counted:
            knew_today = knew_today + base_customers
        return ExactRun(
            customers=customers,
            old_price=old_price,
            paid=paid,
            referred=referred_new,
            defectors=np.maximum(defectors, 0.0),
            knew=knew_today,
            alive_end=np.concatenate(
                (
                    counts[None, :] * hazard_part[:, :, -1] * base_kept[:, -1:],
                    paid_counts[:, :, -1],
                    ref_counts[:, :, -1],
                ),
                axis=1,
            ),
            exposure_end=np.concatenate(
                (
                    tenure[None, :] + cum_base[:, -1:],
                    exposure_end[False],
                    exposure_end[True],
                ),
                axis=1,
            ),
            row_keys=(base_key,) * counts.size + tuple(paid_keys) + tuple(referred_keys),
            first_paid_survival=surv[False][:, 0, :],
        )

    def _defecting(
        self,
        rows: np.ndarray,
        alive_before: np.ndarray,
        exposure_before: np.ndarray,
        price_free: np.ndarray,
        multiplier: np.ndarray,
        kept_before: np.ndarray,
        kept: np.ndarray,
    ) -> np.ndarray:
        """Price-driven defectors per customer of a row: A_t-1 (G_t-1 s0_t - G_t s_t), where A
        is the hazard part of survival and s_t, s0_t the one-month survival at the month's
        multiplier and without the price terms, both from the survivors' own exposure (so they
        are equal, and the defectors exactly 0, when the price changes nothing); 0 where nobody
        was left."""
        with np.errstate(invalid="ignore", over="ignore"):
            s0 = self.survival(rows, exposure_before, price_free)
            s = self.survival(rows, exposure_before, multiplier)
            out = alive_before * (kept_before * s0 - kept * s)
        return np.where(alive_before > 0, np.nan_to_num(out), 0.0)

    def _survival_flat(self, which: np.ndarray, exposure: np.ndarray) -> np.ndarray:
        """Survival of new customers (start exposure 0) for flat arrays of draws and exposures."""
        if self.constant_churn is not None:
            return np.exp(exposure * math.log1p(-self.constant_churn))
        return np.exp(log_survival_ratio(self.alpha[which], self.beta[which], exposure))

    def residual(
        self, draw: int, exposure: np.ndarray, multiplier: np.ndarray, x: float
    ) -> np.ndarray:
        """Discounted further customer-months per customer alive at the horizon, who has
        accumulated ``exposure`` and keeps ``multiplier`` forever (discount factor x a month)."""
        if self.constant_churn is not None:
            keep = np.exp(multiplier * math.log1p(-self.constant_churn))
            return x * keep / (1.0 - x * keep)
        return residual_discounted_exposure(
            float(self.alpha[draw]), self.beta[draw] + exposure, multiplier, x
        )
