"""A business with the price response its own price history measured (docs/model.md, price
response from price history).

:func:`apply_price_response` replaces each segment's lasting hazard elasticity by the one
learnt from the firm's price history (:mod:`simulator.data.price_response`), marks it as data,
and records its grade and 90 % interval as :class:`~simulator.model.params.Evidence`, so that
the Monte Carlo draws from the estimate instead of the judgement prior.

The estimate is a hazard ratio on the whole hazard; the engine applies the lasting term to the
controllable share of churn only, so eta = ln((HR10 - u) / (1 - u)) / ln 1.1 for the segment's
uncontrollable share u (:func:`~simulator.data.price_response.controllable_elasticity`). The
first-month hazard ratio is reported, not applied: it is measured at the effective date and
does not scale with the rise, while the engine's notice shock falls at notice and does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from simulator.data.price_response import PriceResponse, controllable_elasticity
from simulator.model.evidence import Evidence
from simulator.model.params import Business

ALL_SEGMENTS = "all"
"""The segment name of a price history read without a segment column: it applies to every
segment of the business."""


@dataclass(frozen=True)
class PriceApplication:
    """What :func:`apply_price_response` did.

    ``business`` is the new business; ``applied`` one (segment, elasticity, grade) per segment
    whose elasticity now comes from the price history; ``skipped`` one (segment, reason) per
    segment of the history that could not be used.
    """

    business: Business
    applied: tuple[tuple[str, float, str], ...]
    skipped: tuple[tuple[str, str], ...]


def apply_price_response(business: Business, response: PriceResponse) -> PriceApplication:
    """``business`` with the lasting elasticity of every segment the history measured.

    A segment of the history is matched to the business's segment of the same name (a history
    without segments, named :data:`ALL_SEGMENTS`, to every segment). The grade is
    ``history_with_control`` when some customers kept the old price while others were raised,
    else ``history_without_control``.
    """
    by_name = {s.segment: s for s in response.segments}
    if set(by_name) == {ALL_SEGMENTS}:
        by_name = {seg.name: by_name[ALL_SEGMENTS] for seg in business.segments}
    names = {seg.name for seg in business.segments}
    applied, skipped = [], []
    segments = list(business.segments)
    evidence = list(business.evidence)
    data_fields = list(business.data_fields)
    for name, measured in by_name.items():
        if name not in names:
            skipped.append((name, "no segment of that name in the business in use"))
            continue
        if (
            measured.hazard_ratio_per_10pct is None
            or measured.hazard_ratio_per_10pct_interval is None
        ):
            skipped.append((name, "not estimated: " + (measured.method or "no exposed customers")))
            continue
        index = next(i for i, seg in enumerate(segments) if seg.name == name)
        u = segments[index].uncontrollable_churn_share
        eta = controllable_elasticity(measured.hazard_ratio_per_10pct, u)
        low, high = (
            controllable_elasticity(hr, u) for hr in measured.hazard_ratio_per_10pct_interval
        )
        grade = (
            "history_with_control" if measured.control_customers > 0 else "history_without_control"
        )
        path = f"segments.{name}.lasting_price_elasticity"
        segments[index] = replace(segments[index], lasting_price_elasticity=eta)
        evidence = [e for e in evidence if e.path != path]
        evidence.append(Evidence(path=path, grade=grade, low=low, high=high, note=measured.method))
        if path not in data_fields:
            data_fields.append(path)
        applied.append((name, eta, grade))
    # What the planner now measured replaces what a user set by hand before.
    measured_paths = {f"segments.{name}.lasting_price_elasticity" for name, _, _ in applied}
    user_fields = tuple(f for f in business.user_fields if f not in measured_paths)
    return PriceApplication(
        business=replace(
            business,
            segments=tuple(segments),
            evidence=tuple(evidence),
            data_fields=tuple(data_fields),
            user_fields=user_fields,
        ),
        applied=tuple(applied),
        skipped=tuple(skipped),
    )
