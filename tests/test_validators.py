"""Field rules declared once (simulator.model.validators) and what they say to people."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from simulator.model.validators import (
    ABOVE_0,
    AT_LEAST_0,
    SHARE,
    SHARE_BELOW_1,
    Bounded,
    ParameterError,
    check_fields,
    rule,
)


@pytest.mark.parametrize(
    ("bounds", "words", "inside", "outside"),
    [
        (ABOVE_0, "above 0", [1e-12, 5.0], [0.0, -1.0]),
        (AT_LEAST_0, "at least 0", [0.0, 3.0], [-1e-12]),
        (SHARE, "in [0, 1]", [0.0, 1.0], [-0.1, 1.1]),
        (SHARE_BELOW_1, "in [0, 1)", [0.0, 0.999], [1.0, -0.1]),
        (Bounded(0.0, 2.0, low_open=True), "in (0, 2]", [2.0, 0.1], [0.0, 2.1]),
        (Bounded(high=1.0, high_open=True), "below 1", [0.5, -3.0], [1.0]),
    ],
)
def test_a_bounded_rule_says_its_interval_and_keeps_to_it(bounds, words, inside, outside):
    assert bounds.rule == words
    assert all(bounds.holds(v) for v in inside)
    assert not any(bounds.holds(v) for v in outside)


def test_a_rule_refuses_what_is_not_a_number():
    assert not AT_LEAST_0.holds("3")
    assert not AT_LEAST_0.holds(True)
    assert not AT_LEAST_0.holds(None)


@dataclass(frozen=True, kw_only=True)
class Thing:
    size: float = rule(ABOVE_0, 1.0)
    share: float | None = rule(SHARE, None)

    def __post_init__(self) -> None:
        check_fields("Thing", self)


def test_check_fields_names_owner_field_rule_and_value():
    with pytest.raises(ParameterError) as refused:
        Thing(size=-2.0)
    assert str(refused.value) == "Thing.size must be above 0; got -2.0"
    assert (refused.value.field, refused.value.rule) == ("size", "above 0")


def test_check_fields_requires_finite_numbers_and_skips_absent_optionals():
    with pytest.raises(ParameterError, match="Thing.size must be a finite number"):
        Thing(size=math.inf)
    assert Thing(share=None).share is None
    with pytest.raises(ParameterError, match=r"Thing.share must be in \[0, 1\]"):
        Thing(share=1.5)


def test_whole_numbers_for_float_fields_are_stored_as_floats():
    assert type(Thing(size=3).size) is float
    assert Thing(size=3) == Thing(size=3.0)
    assert hash(Thing(size=3)) == hash(Thing(size=3.0))
