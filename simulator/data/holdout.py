"""How well an sBG fit on early tenures projects the later ones: the holdout check of a
calibration (model.md section 6.2 step 4), on the same records or counts and with the same fits
as :func:`simulator.data.calibrate.calibrate`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulator.data.calibrate import check_whole_number, curve_reaches
from simulator.data.counts import CustomerCounts, as_counts
from simulator.data.sbg_fit import customer_intervals, fit_sbg_intervals
from simulator.data.survival import life_table
from simulator.model.sbg import sbg_survival

__all__ = ["HOLDOUT_COLUMNS", "holdout_check"]


HOLDOUT_COLUMNS: tuple[str, ...] = (
    "segment",
    "customers",
    "fit_through_months",
    "holdout_tenures",
    "mean_abs_error",
    "mean_error",
    "max_abs_error",
    "sbg_alpha",
    "sbg_beta",
    "reason",
)
"""Columns of :func:`holdout_check`."""


def holdout_check(
    data: pd.DataFrame | CustomerCounts,
    *,
    holdout_months: int = 12,
    tenure_interval_months: int = 1,
) -> pd.DataFrame:
    """How well an sBG fit on early tenures projects the later ones (model.md section 6.2 step 4).

    Per segment, with T the longest whole-month duration in it and c = T - ``holdout_months``
    (rounded up to whole tenure intervals k): every customer's experience is cut at tenure c (a
    churn or censoring after c becomes a censoring at c; customers who entered the data at
    tenure c or later are left out), the sBG is fitted to that as
    :func:`simulator.data.calibrate.calibrate` fits (with the same tenure intervals), and its
    S(t) is compared with the observed curve on all the data at the holdout tenures t = c + k, c
    + 2k, ..., T where the observed curve reaches (:mod:`simulator.data.calibrate`). The
    observed curve is :func:`simulator.data.survival.life_table`: Kaplan-Meier's with whole
    months, the actuarial estimate in the fit's convention with whole years. The holdout is by
    tenure, so it also works for snapshot tables without dates. When nobody was observed below
    tenure e0 (left truncation), both curves are taken given survival to e0: the observed
    product from e0, and S(t) / S(e0).

    Parameters
    ----------
    data
        Standard records form or counts (see :func:`simulator.data.calibrate.calibrate`).
    holdout_months
        Tenures held out, in months (at least 1), rounded up to whole tenure intervals.
    tenure_interval_months
        As for :func:`simulator.data.calibrate.calibrate`: 12 when tenure is known only in whole
        years. The early fit is then interval-censored like the calibration's, and the curves are
        compared only at whole intervals (t = c + 12, c + 24, ...), where the Kaplan-Meier steps of
        such data fall; between them a step curve against a smooth one would count as error.

    Returns
    -------
    pandas.DataFrame
        One row per segment (sorted by name), columns :data:`HOLDOUT_COLUMNS`: ``customers``
        used in the fit, ``fit_through_months`` (c), ``holdout_tenures`` (how many tenures were
        compared), ``mean_abs_error`` and ``max_abs_error`` (absolute survival difference,
        share, NaN when nothing was compared), ``mean_error`` (the signed mean, projected minus
        observed: above 0 the early fit keeps more customers than stayed, i.e. churn at the
        held-out tenures is higher than the fit extrapolates), the early fit's
        ``sbg_alpha``/``sbg_beta`` (NaN if not fitted) and ``reason`` (None, or why the segment
        could not be checked).
    """
    check_whole_number("holdout_months", holdout_months)
    check_whole_number("tenure_interval_months", tenure_interval_months)
    counts = as_counts(data)
    table = counts.counts
    rows = [
        _holdout_segment(
            name, table[table["segment"] == name], holdout_months, tenure_interval_months
        )
        for name in sorted(counts.segments)
    ]
    return pd.DataFrame(rows, columns=list(HOLDOUT_COLUMNS))


def _holdout_segment(
    name: str, seg: pd.DataFrame, holdout: int, interval: int
) -> dict[str, object]:
    months = seg["months"].to_numpy(dtype=np.int64)
    churned = seg["churned"].to_numpy(dtype=bool)
    entry = seg["entry"].to_numpy(dtype=np.int64)
    weights = seg["customers"].to_numpy(dtype=float)
    last = int(months.max())
    cut = last - interval * math.ceil(holdout / interval)
    out: dict[str, object] = {
        "segment": name,
        "customers": 0,
        "fit_through_months": cut,
        "holdout_tenures": 0,
        "mean_abs_error": math.nan,
        "mean_error": math.nan,
        "max_abs_error": math.nan,
        "sbg_alpha": math.nan,
        "sbg_beta": math.nan,
        "reason": None,
    }
    if cut < 1:
        out["reason"] = f"longest tenure {last} months leaves nothing to fit before the holdout"
        return out
    keep = entry < cut
    lower, upper, e, w = customer_intervals(
        months[keep], churned[keep], entry[keep], interval_months=interval, weights=weights[keep]
    )
    # What was known at tenure c: a churn after c, or a censoring after c, is a censoring at c.
    upper = np.where(upper > cut, np.inf, upper)
    lower = np.minimum(lower, cut)
    out["customers"] = int(w.sum())
    if not np.isfinite(upper).any():
        out["reason"] = "no churn observed before the holdout tenures"
        return out
    fit = fit_sbg_intervals(lower, upper, e, w)
    out["sbg_alpha"], out["sbg_beta"] = fit.alpha, fit.beta
    # The observed curve in the fit's own convention for whole-year tenures (life_table); with
    # whole months it is Kaplan-Meier's. Left-truncated data (nobody observed below tenure e0):
    # both curves given survival to e0 (the observed one is 1 until then).
    table = life_table(months, churned, entry, interval_months=interval, weights=weights)
    e0 = int(entry.min())
    grid = range(cut + interval, last + 1, interval)
    tenures = [t for t in grid if curve_reaches(months, entry, t, e0)]
    if not tenures:
        out["reason"] = "the Kaplan-Meier curve does not reach the holdout tenures"
        return out
    observed = table["survival"].to_numpy()[np.array(tenures) // interval - 1]
    projected = np.asarray(
        sbg_survival(fit.alpha, fit.beta, np.array(tenures, dtype=float))
    ) / float(sbg_survival(fit.alpha, fit.beta, float(e0)))
    error = np.abs(projected - observed)
    out["holdout_tenures"] = len(tenures)
    out["mean_abs_error"] = float(error.mean())
    out["mean_error"] = float((projected - observed).mean())
    out["max_abs_error"] = float(error.max())
    return out
