"""The month-by-month loop of :class:`simulator.model.cohorts.QuadratureCohorts`, compiled:
pools of cohorts on quadrature nodes, for many draws at once.

A pool holds the cohorts that share one path of hazard multipliers c_t (model.md 2.4-2.5). On
quadrature node k (churn theta_k, s_k = -ln(1 - theta_k)) its customers survive month t with
probability exp(-c_t s_k), so a pool is a vector over nodes that is multiplied by these
factors every month and receives the month's new customers, spread over the nodes by the
mixing weights. Customers in a month are the sum over pools and nodes; referrals in the next
month depend on them, so the months run in order.

Written as one compiled loop because its arrays are small per draw (pools x nodes) and its
work is many short passes: numpy would stream every pass through memory for all draws at
once, while here a tile of :data:`TILE` draws stays in the CPU's first-level cache for the
whole horizon. The arithmetic is the one the module docstring of :mod:`simulator.model.cohorts`
describes, operation for operation: factors from the first ``stride`` nodes by ``expm1``,
the rest by squaring g = x - 1 (g' = g (2 + g)), each pool multiplied by 1 + g.

The loop releases the GIL, so :func:`simulator.model.engine.simulate_draws` runs chunks of draws in
threads. Numba compiles it on first use and caches the machine code beside this file.
"""

from __future__ import annotations

import numpy as np
from numba import njit

TILE = 64
"""Draws computed side by side: their pool states (pools x nodes x TILE) fit the L1 cache."""


@njit(nogil=True, cache=True)
def run_pools(
    c,
    s,
    stride,
    per_node,
    start_state,
    start_pool,
    start_total,
    paid,
    paid_pool,
    referred_pool,
    referral_rate,
    join_month,
    join_from,
    join_into,
    grandfathered,
    customers,
    old_price,
    referred,
):  # pragma: no cover - compiled; its results are tested through simulate_draws
    """Run every pool of one segment over the horizon, for every draw.

    Parameters
    ----------
    c
        Hazard multipliers, shape (pools, draws, months).
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
    paid
        Paid acquisitions (customers), shape (draws, months); they spread over the nodes by
        the mixing weights.
    paid_pool, referred_pool
        Pool that month t's paid and referred customers join, shape (months,).
    referral_rate
        Referred customers a month per active customer of the month before, shape
        (draws, months).
    join_month, join_from, join_into
        Pool ``join_from[j]`` moves into pool ``join_into[j]`` before month
        ``join_month[j]`` (sorted by month); it is not computed afterwards.
    grandfathered
        Whether a pool's customers keep today's price, shape (pools,).
    customers, old_price, referred
        Outputs, shape (months, draws): active customers, those of them on today's price,
        and the month's referred customers.
    """
    pools, draws, months = c.shape
    nodes = s.size
    head = min(stride, nodes - 1)
    for first in range(0, draws, TILE):
        n = min(TILE, draws - first)
        last = first + n
        state = np.zeros((pools, nodes, n))
        g = np.zeros((pools, nodes, n))
        active = np.ones(pools, np.bool_)
        for k in range(nodes):
            state[start_pool, k] = start_state[k, first:last]
        previous = start_total[first:last].copy()
        total = np.empty(n)
        j = 0
        for t in range(months):
            while j < join_month.size and join_month[j] == t:
                state[join_into[j]] += state[join_from[j]]
                state[join_from[j]] = 0.0
                active[join_from[j]] = False
                j += 1
            r = referred[t, first:last]
            for i in range(n):
                r[i] = referral_rate[first + i, t] * previous[i]
                total[i] = 0.0
            old = old_price[t, first:last]
            for p in range(pools):
                if not active[p]:
                    continue  # empty, and no month's new customers join it
                gp = g[p]
                # Factors change only when a multiplier does (never, on a steady path).
                changed = t == 0
                for i in range(n):
                    if changed or c[p, first + i, t] != c[p, first + i, t - 1]:
                        changed = True
                        break
                if changed:
                    for k in range(1, 1 + head):
                        for i in range(n):
                            gp[k, i] = np.expm1(-c[p, first + i, t] * s[k])
                    for k in range(1 + stride, nodes):
                        for i in range(n):
                            x = gp[k - stride, i]
                            gp[k, i] = x * (2.0 + x)
                # One pass per node: renew (or leave) at the start of month t + 1, take in the
                # month's new customers, count.
                paid_here = p == paid_pool[t]
                referred_here = p == referred_pool[t]
                on_old_price = grandfathered[p]
                sp = state[p]
                for k in range(nodes):
                    row = sp[k]
                    factor = gp[k]
                    for i in range(n):
                        row[i] *= 1.0 + factor[i]
                    if paid_here:
                        weight = per_node[k, first:last]
                        for i in range(n):
                            row[i] += weight[i] * paid[first + i, t]
                    if referred_here:
                        weight = per_node[k, first:last]
                        for i in range(n):
                            row[i] += weight[i] * r[i]
                    for i in range(n):
                        total[i] += row[i]
                    if on_old_price:
                        for i in range(n):
                            old[i] += row[i]
            for i in range(n):
                customers[t, first + i] = total[i]
                previous[i] = total[i]
