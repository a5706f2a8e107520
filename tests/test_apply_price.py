"""A price response learnt from the firm's history replaces the judgement prior, graded."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.data.apply_price import apply_price_response
from simulator.data.price_response import PriceResponse, SegmentPriceResponse
from simulator.decisions.priors import draw_parameters, uncertain_parameters
from simulator.model.sample import sample_business


def measured(segment: str, hr: float, interval: tuple[float, float], control: int):
    return SegmentPriceResponse(
        segment=segment,
        hazard_ratio_per_10pct=hr,
        hazard_ratio_per_10pct_interval=interval,
        first_month_hazard_ratio=1.8,
        first_month_hazard_ratio_interval=(1.5, 2.1),
        exposed_customers=4000,
        control_customers=control,
        method="PH-sBG with control",
        warnings=(),
    )


def history(*segments) -> PriceResponse:
    import datetime

    return PriceResponse(segments=tuple(segments), as_of=datetime.date(2026, 6, 30))


def test_the_measured_ratio_sets_the_controllable_elasticity_marked_as_data():
    business = sample_business()
    u = business.segment("core").uncontrollable_churn_share
    result = apply_price_response(business, history(measured("core", 1.08, (1.05, 1.11), 900)))
    core = result.business.segment("core")
    # c = u + (1 - u) 1.1 ** eta reproduces the measured ratio at +10 %
    assert u + (1 - u) * 1.1**core.lasting_price_elasticity == pytest.approx(1.08, rel=1e-12)
    path = "segments.core.lasting_price_elasticity"
    assert result.business.source(path) == "data"
    evidence = result.business.evidence_for(path)
    assert evidence.grade == "history_with_control"
    assert evidence.low < core.lasting_price_elasticity < evidence.high
    assert result.applied == (("core", core.lasting_price_elasticity, "history_with_control"),)
    # the other segment keeps its prior
    assert result.business.segment("price-sensitive") == business.segment("price-sensitive")


def test_the_monte_carlo_draws_from_the_estimate_widened_by_its_grade():
    business = sample_business()
    path = "segments.core.lasting_price_elasticity"
    for control, widen in ((900, 1.0), (0, 1.5)):
        result = apply_price_response(
            business, history(measured("core", 1.08, (1.05, 1.11), control))
        )
        prior = {p.path: p for p in uncertain_parameters(result.business)}[path]
        evidence = result.business.evidence_for(path)
        assert prior.source == "data"
        assert prior.family == "lognormal"
        assert prior.median == result.business.segment("core").lasting_price_elasticity
        sd = widen * math.log(evidence.high / evidence.low) / (2 * 1.6448536269514722)
        assert prior.parameters[0] == pytest.approx(sd, rel=1e-12)
        draws = draw_parameters(result.business, 2000, seed=3).values[path]
        share_inside = np.mean((draws > evidence.low) & (draws < evidence.high))
        assert share_inside == pytest.approx(0.9 if widen == 1.0 else 0.73, abs=0.03)


def test_a_history_without_segments_applies_to_every_segment_and_unknown_names_are_said():
    business = sample_business()
    result = apply_price_response(business, history(measured("all", 1.2, (1.1, 1.3), 0)))
    assert [name for name, _, _ in result.applied] == ["core", "price-sensitive"]
    assert all(grade == "history_without_control" for _, _, grade in result.applied)
    other = apply_price_response(business, history(measured("Gold", 1.2, (1.1, 1.3), 10)))
    assert other.applied == () and other.skipped[0][0] == "Gold"
    assert other.business == business


def test_a_segment_the_history_could_not_estimate_keeps_its_prior():
    business = sample_business()
    empty = SegmentPriceResponse(
        segment="core",
        hazard_ratio_per_10pct=None,
        hazard_ratio_per_10pct_interval=None,
        first_month_hazard_ratio=None,
        first_month_hazard_ratio_interval=None,
        exposed_customers=0,
        control_customers=0,
        method="not estimated: nobody was observed after a change",
        warnings=(),
    )
    result = apply_price_response(business, history(empty))
    assert result.business == business and result.skipped[0][0] == "core"
