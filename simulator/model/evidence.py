"""How well a parameter's value is known: the grade of its evidence and its 90 % interval.

A parameter measured from the firm's own data carries :class:`Evidence` in
``Business.evidence``: the Assumptions page shows its grade, and the Monte Carlo draws from its
interval widened by the grade (:mod:`simulator.decisions.priors`).
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.model.validators import check, check_fields

EVIDENCE_GRADES: tuple[str, ...] = (
    "randomised_test",
    "history_with_control",
    "history_without_control",
    "survey",
    "published",
    "assumption",
)
"""How well a parameter's value is known, strongest first: a randomised price test on the firm's
own customers; the firm's dated price history with customers who kept the old price as control;
the same without control; a price-sensitivity survey; published figures from other firms; a
judgement assumption. Data-based grades set the Monte Carlo range from the estimate's own
interval (:data:`GRADE_WIDENING`)."""

GRADE_WIDENING: dict[str, float] = {
    "randomised_test": 1.0,
    "history_with_control": 1.0,
    "history_without_control": 1.5,
    "survey": 2.0,
}
"""How much wider than its own 90 % interval the Monte Carlo draws an estimate of each data
grade: an estimate without a control group, or from stated intentions, can be wrong in ways
its interval does not show (selection, concurrent events; intentions overstate action)
[assumption]."""


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """Where a parameter's value was measured and how well: its grade and 90 % interval.

    Parameters
    ----------
    path
        Dotted parameter path, e.g. ``"segments.core.lasting_price_elasticity"``.
    grade
        One of :data:`EVIDENCE_GRADES` (a data grade: not ``"published"`` or ``"assumption"``,
        which are the catalogue's grades of judgement priors).
    low, high
        The estimate's 90 % interval, in the parameter's unit (low <= high).
    note
        How it was measured, in words (shown on the Assumptions page).
    """

    path: str
    grade: str
    low: float
    high: float
    note: str = ""

    def __post_init__(self) -> None:
        check_fields("Evidence", self)
        check(
            self.grade in GRADE_WIDENING,
            "Evidence",
            "grade",
            self.grade,
            f"one of {', '.join(GRADE_WIDENING)}",
        )
        check(self.low <= self.high, "Evidence", "high", self.high, "at least low")
