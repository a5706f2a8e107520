"""The month-by-month loop of :class:`simulator.model.quadrature.QuadratureCohorts`, compiled:
pools of cohorts on quadrature nodes, for many draws at once.

A pool holds the cohorts that share one path of hazard multipliers c_t (model.md 2.4-2.5). On
quadrature node k (churn theta_k, s_k = -ln(1 - theta_k)) its customers survive month t with
probability exp(-c_t s_k), so a pool is a vector over nodes that is multiplied by these
factors every month and receives the month's new customers, spread over the nodes by the
mixing weights. Customers in a month are the sum over pools and nodes; referrals and the word
of mouth of the next month depend on them, so the months run in order.

A pool of customers who knew today's price and pay the new one is also thinned every month by
the reservation-price exits (the ratio G_t / G_t-1, the same on every node: reservation prices
are independent of theta), and its price-driven defectors are counted against its price-free
multipliers c0_t: sum_k state_k (exp(-c0_t s_k) - ratio_t exp(-c_t s_k)).

Written as one compiled loop because its arrays are small per draw (pools x nodes) and its
work is many short passes: numpy would stream every pass through memory for all draws at
once, while here a tile of :data:`TILE` draws stays in the CPU's first-level cache for the
whole horizon. The arithmetic is the one the module docstring of
:mod:`simulator.model.quadrature` describes, operation for operation: factors from the first
``stride`` nodes by ``expm1``, the rest by squaring g = x - 1 (g' = g (2 + g)), each pool
multiplied by 1 + g.

The loop releases the GIL, so :func:`simulator.model.engine.simulate_draws` runs chunks of
draws in threads. Numba compiles it on first use and caches the machine code beside this file.
"""

from __future__ import annotations

import numpy as np
from numba import njit

TILE = 64
"""Draws computed side by side: their pool states (pools x nodes x TILE) fit the L1 cache."""


@njit(nogil=True, cache=True)
def _factors(c, s, stride, head, nodes, p, first, n, t, g):  # pragma: no cover - compiled
    """g[k, i] = exp(-c[p, first + i, t] s_k) - 1 for every node k, draws i < n."""
    for k in range(1, 1 + head):
        for i in range(n):
            g[k, i] = np.expm1(-c[p, first + i, t] * s[k])
    for k in range(1 + stride, nodes):
        for i in range(n):
            x = g[k - stride, i]
            g[k, i] = x * (2.0 + x)


@njit(nogil=True, cache=True)
def _changed(c, p, first, n, t):  # pragma: no cover - compiled
    """Whether pool p's multiplier differs from last month's for any draw of the tile."""
    if t == 0:
        return True
    for i in range(n):  # noqa: SIM110 (a loop numba compiles; any() of a generator it does not)
        if c[p, first + i, t] != c[p, first + i, t - 1]:
            return True
    return False


@njit(nogil=True, cache=True)
def run_pools(
    c,
    c0,
    thin,
    counted,
    s,
    stride,
    per_node,
    start_state,
    start_pool,
    start_total,
    planned_paid,
    paid_pool,
    referred_pool,
    referral_rate,
    word_of_mouth,
    decay,
    join_month,
    join_from,
    join_into,
    grandfathered,
    customers,
    old_price,
    paid,
    referred,
    defectors,
    knew,
):  # pragma: no cover - compiled; its results are tested through simulate_draws
    """Run every pool of one segment over the horizon, for every draw.

    Parameters
    ----------
    c, c0
        Hazard multipliers and their price-free counterparts, shape (pools, draws, months);
        ``c0`` is read only for ``counted`` pools.
    thin
        Reservation-price thinning G_t / G_t-1 of each pool, shape (pools, draws, months); read
        only for ``counted`` pools.
    counted
        Whether a pool's customers knew today's price and pay the new one, shape (pools,).
    s
        Quadrature nodes s_k, shape (K,); node 0 is the atom at s = 0; s doubles every
        ``stride`` nodes from node 1 on.
    stride
        Nodes per doubling of s.
    per_node
        Mixing weights, shape (K, draws): how a new customer spreads over the nodes.
    start_state
        Today's base on the nodes (customers), shape (K, draws), in pool ``start_pool``.
    start_total
        Today's customers, shape (draws,): the referral base of month 1.
    planned_paid
        Paid acquisitions planned before word of mouth, shape (draws, months).
    paid_pool, referred_pool
        Pool that month t's paid and referred customers join, shape (months,).
    referral_rate
        Referred customers a month per active customer of the month before, before word of
        mouth, shape (draws, months).
    word_of_mouth, decay
        omega and delta per draw, shape (draws,): the stock of price-driven defectors
        B_t = delta B_t-1 + D_t removes exp(-omega (1 - delta) B_t-1 / planned_t) of the
        month's acquisitions.
    join_month, join_from, join_into
        Pool ``join_from[j]`` moves into pool ``join_into[j]`` before month
        ``join_month[j]`` (sorted by month); it is not computed afterwards.
    grandfathered
        Whether a pool's customers keep today's price, shape (pools,).
    customers, old_price, paid, referred, defectors, knew
        Outputs, shape (months, draws): active customers, those of them on today's price, the
        month's paid and referred customers, price-driven defectors (at least 0), and the
        customers alive in ``counted`` pools.
    """
    pools, draws, months = c.shape
    nodes = s.size
    head = min(stride, nodes - 1)
    for first in range(0, draws, TILE):
        n = min(TILE, draws - first)
        last = first + n
        state = np.zeros((pools, nodes, n))
        g = np.zeros((pools, nodes, n))
        g0 = np.zeros((pools, nodes, n))
        active = np.ones(pools, np.bool_)
        for k in range(nodes):
            state[start_pool, k] = start_state[k, first:last]
        previous = start_total[first:last].copy()
        stock = np.zeros(n)
        total = np.empty(n)
        drop = np.empty(n)
        j = 0
        for t in range(months):
            while j < join_month.size and join_month[j] == t:
                state[join_into[j]] += state[join_from[j]]
                state[join_from[j]] = 0.0
                active[join_from[j]] = False
                j += 1
            r = referred[t, first:last]
            new_paid = paid[t, first:last]
            for i in range(n):
                d = first + i
                planned_referred = referral_rate[d, t] * previous[i]
                planned = planned_paid[d, t] + planned_referred
                keep = 1.0
                if planned > 0.0:
                    keep = np.exp(-word_of_mouth[d] * (1.0 - decay[d]) * stock[i] / planned)
                new_paid[i] = planned_paid[d, t] * keep
                r[i] = planned_referred * keep
                total[i] = 0.0
                drop[i] = 0.0
            old = old_price[t, first:last]
            known = knew[t, first:last]
            for p in range(pools):
                if not active[p]:
                    continue  # empty, and no month's new customers join it
                gp = g[p]
                # Factors change only when a multiplier does (never, on a steady path).
                if _changed(c, p, first, n, t):
                    _factors(c, s, stride, head, nodes, p, first, n, t, gp)
                if counted[p] and _changed(c0, p, first, n, t):
                    _factors(c0, s, stride, head, nodes, p, first, n, t, g0[p])
                # One pass per node: count the price-driven defectors, renew (or leave) at the
                # start of month t + 1, take in the month's new customers, count.
                paid_here = p == paid_pool[t]
                referred_here = p == referred_pool[t]
                on_old_price = grandfathered[p]
                knew_price = counted[p]
                sp = state[p]
                g0p = g0[p]
                for k in range(nodes):
                    row = sp[k]
                    factor = gp[k]
                    if knew_price:
                        free = g0p[k]
                        for i in range(n):
                            ratio = thin[p, first + i, t]
                            # (1 + g0) - ratio (1 + g), without cancelling two numbers near 1
                            drop[i] += row[i] * (
                                (free[i] - factor[i]) + (1.0 - ratio) * (1.0 + factor[i])
                            )
                            row[i] *= (1.0 + factor[i]) * ratio
                    else:
                        for i in range(n):
                            row[i] *= 1.0 + factor[i]
                    if paid_here:
                        weight = per_node[k, first:last]
                        for i in range(n):
                            row[i] += weight[i] * new_paid[i]
                    if referred_here:
                        weight = per_node[k, first:last]
                        for i in range(n):
                            row[i] += weight[i] * r[i]
                    for i in range(n):
                        total[i] += row[i]
                    if on_old_price:
                        for i in range(n):
                            old[i] += row[i]
                    if knew_price:
                        for i in range(n):
                            known[i] += row[i]
            for i in range(n):
                customers[t, first + i] = total[i]
                previous[i] = total[i]
                lost = max(drop[i], 0.0)
                defectors[t, first + i] = lost
                stock[i] = decay[first + i] * stock[i] + lost
