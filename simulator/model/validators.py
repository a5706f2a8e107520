"""Field rules declared once and attached to parameter fields (as CHIME's validators).

A parameter class declares each numeric field's rule beside it,
``arpu_per_month: float = rule(ABOVE_0)``, and calls :func:`check_fields` in ``__post_init__``;
only rules that tie several fields together stay in the class. A broken rule raises
:class:`ParameterError` naming the object, the field, the rule in words and the value, which
the pages, scenario files and share links turn into messages for people.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any


class ParameterError(ValueError):
    """An invalid parameter value; ``field`` names it and ``rule`` says what it must be."""

    def __init__(self, owner: str, field: str, rule: str, value: object) -> None:
        super().__init__(f"{owner}.{field} must be {rule}; got {value!r}")
        self.owner = owner
        self.field = field
        self.rule = rule
        self.value = value


@dataclass(frozen=True)
class Bounded:
    """A number between ``low`` and ``high`` (either may be open or absent).

    ``words`` replaces the rule's wording where the bare interval would not tell a person why
    (e.g. "in [0, ln 1.1) so that a +10 % increase is noticed").
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    words: str | None = None

    def holds(self, value: object) -> bool:
        """Whether ``value`` is a number that keeps the rule."""
        if not isinstance(value, float | int) or isinstance(value, bool):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)

    @property
    def rule(self) -> str:
        """The rule in words: "above 0", "at least 0", "below 1", "in [0, 1)"."""
        if self.words:
            return self.words
        if self.high is None:
            return f"{'above' if self.low_open else 'at least'} {self.low:g}"
        if self.low is None:
            return f"{'below' if self.high_open else 'at most'} {self.high:g}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"in {left}{self.low:g}, {self.high:g}{right}"


ABOVE_0 = Bounded(low=0.0, low_open=True)
AT_LEAST_0 = Bounded(low=0.0)
SHARE = Bounded(low=0.0, high=1.0)
"""A fraction from 0 to 1, both included."""
SHARE_BELOW_1 = Bounded(low=0.0, high=1.0, high_open=True)
"""A fraction from 0 up to, not including, 1."""


def rule(rule: Bounded, default: Any = MISSING) -> Any:
    """A dataclass field that keeps ``rule`` (checked by :func:`check_fields`)."""
    return field(default=default, metadata={"rule": rule})


def check(condition: bool, owner: str, name: str, value: object, words: str) -> None:
    """Raise :class:`ParameterError` unless ``condition`` (a rule no single field states)."""
    if not condition:
        raise ParameterError(owner, name, words, value)


def check_fields(owner: str, obj: object) -> None:
    """Store whole numbers given for float fields as floats (so equal objects hash alike, e.g.
    in Streamlit's cache), require every number to be finite, then every field's rule."""
    every: tuple[Field, ...] = fields(obj)  # type: ignore[arg-type]
    for f in every:
        value = getattr(obj, f.name)
        if f.type in ("float", "float | None") and type(value) is int:
            object.__setattr__(obj, f.name, float(value))
    for f in every:
        value = getattr(obj, f.name)
        if isinstance(value, float | int) and not isinstance(value, bool):
            check(math.isfinite(value), owner, f.name, value, "a finite number")
    for f in every:
        bounds = f.metadata.get("rule")
        value = getattr(obj, f.name)
        if bounds is not None and value is not None:
            check(bounds.holds(value), owner, f.name, value, bounds.rule)
