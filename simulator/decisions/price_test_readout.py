"""Read out a randomised price test: the response it measured, and what the rise is worth now.

The planner uploads the test's customers and their price history, the same two tables as
``calibrate-price`` (docs/model.md, "Price response from price history"): the customers raised
in the test are those whose price history shows the rise; the others, who kept the old price,
are the control. An arm column in the customer table (``arm``, ``group``, ``test_group``,
``test_arm``, ``variant`` or one named by the planner, with values such as ``test`` /
``control``) is checked against the price history and any disagreement is reported.

:func:`read_test` fits the PH-sBG estimator per segment (:mod:`simulator.data.price_response`),
turns each measured hazard ratio per +10 % into the engine's lasting elasticity at the size the
test raised prices by (:class:`simulator.decisions.price_test.RiseUnderTest`: the latitude tau and
the uncontrollable share u of the segment taken into account), and returns the business with
those elasticities marked as data of grade ``randomised_test`` with their 90 % interval
(:class:`simulator.model.params.Evidence`), so that every page and the Monte Carlo then use the
test's estimate. It also gives the chance the rise pays, before and after, and the decision.

The test's estimate replaces the judgement prior (the rule for every measured parameter), rather
than being combined with it: a test worth running measures far more precisely than the prior
knows, and then the two agree.

A segment is graded ``randomised_test`` when it had a control group and the estimator found no
sign of targeting (the customers raised had the tenure of those kept); otherwise the grade of a
price history (``history_with_control`` or ``history_without_control``) and a warning.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.special import ndtri

from simulator.data.mapping import normalise_name, to_date, to_number
from simulator.data.price_counts import count_price_history
from simulator.data.price_response import LEVEL, SegmentPriceResponse, segment_price_response
from simulator.data.price_tables import PriceColumns, price_history, propose_price_columns
from simulator.data.problems import DataError, Problem
from simulator.data.records import id_text
from simulator.data.tables import file_rows, read_table
from simulator.decisions.price_test_rise import RiseUnderTest, elasticity_path, rise_values
from simulator.decisions.priors import draw_parameters
from simulator.model.params import Business, Evidence, Scenario

ARM_NAMES = ("arm", "group", "test_group", "test_arm", "variant", "test_cell")
"""Customer-table columns read as the test arm when present (after normalising the name)."""

TEST_VALUES = frozenset(
    {"test", "tested", "treatment", "treated", "new_price", "new", "raised", "1", "true", "yes"}
)
CONTROL_VALUES = frozenset(
    {"control", "holdout", "hold_out", "old_price", "old", "kept", "0", "false", "no"}
)

ALL_SEGMENTS = "all"
"""The segment of a customer table without a segment column: it stands for every segment."""

READOUT_DRAWS = 1000
"""Monte Carlo draws of the chance the rise pays, before and after."""


@dataclass(frozen=True, kw_only=True)
class SegmentReadout:
    """What the test measured in one segment.

    Attributes
    ----------
    segment
        Segment name (of the business; a table without segments is read for each).
    estimate
        The estimator's result for the customers of this segment in the test.
    price_ratio
        The median ratio of new to old price among the customers raised (None: nobody raised).
    elasticity, elasticity_interval
        The engine's lasting elasticity eta at that rise, and its 90 % interval (None: not
        measured).
    grade
        The evidence grade given, or None when the segment keeps its prior.
    reason
        Why the segment keeps its prior, in words ("" when it does not).
    """

    segment: str
    estimate: SegmentPriceResponse
    price_ratio: float | None
    elasticity: float | None
    elasticity_interval: tuple[float, float] | None
    grade: str | None
    reason: str = ""

    def to_dict(self) -> dict:
        """JSON-ready numbers and words."""
        return {
            **self.estimate.to_dict(),
            "price_ratio": self.price_ratio,
            "elasticity": self.elasticity,
            "elasticity_interval": (
                None if self.elasticity_interval is None else list(self.elasticity_interval)
            ),
            "grade": self.grade,
            "reason": self.reason,
        }


@dataclass(frozen=True, kw_only=True)
class PriceTestReadout:
    """A test read out (module docstring).

    Attributes
    ----------
    segments
        One :class:`SegmentReadout` per segment of the business the test covered.
    business
        The business with the test's elasticities (the one to use from now on).
    value_before, value_after
        Expected value of the rise against no rise, before and after the test (currency).
    probability_before, probability_after
        Share of Monte Carlo draws in which the rise pays, before and after.
    warnings
        What weakens the readout (the files, the arm column), in words.
    """

    segments: tuple[SegmentReadout, ...]
    business: Business
    value_before: float
    value_after: float
    probability_before: float
    probability_after: float
    warnings: tuple[str, ...] = ()

    @property
    def applied(self) -> tuple[str, ...]:
        """Segments whose elasticity now comes from the test."""
        return tuple(s.segment for s in self.segments if s.grade is not None)

    @property
    def raise_price(self) -> bool:
        """The recommendation: raise when the rise's expected value after the test is above 0."""
        return self.value_after > 0

    def to_dict(self) -> dict:
        """JSON-ready: per segment, the values before and after, and the recommendation."""
        return {
            "segments": {s.segment: s.to_dict() for s in self.segments},
            "value_before": self.value_before,
            "value_after": self.value_after,
            "probability_rise_pays_before": self.probability_before,
            "probability_rise_pays_after": self.probability_after,
            "raise": self.raise_price,
            "warnings": list(self.warnings),
        }


def _arm_column(customers: pd.DataFrame, given: str | None, name: str) -> str | None:
    if given is not None:
        if given not in customers.columns:
            raise DataError(
                name,
                [
                    Problem(
                        given,
                        (),
                        "column for the test arm is not in the file",
                        "Pick a column of the file: " + ", ".join(map(str, customers.columns)),
                    )
                ],
            )
        return given
    by_name = {normalise_name(str(c)): c for c in customers.columns}
    return next((by_name[n] for n in ARM_NAMES if n in by_name), None)


def _raised_ids(prices: pd.DataFrame, columns: PriceColumns) -> set[str]:
    """Ids whose price history shows a price above their first one."""
    frame = pd.DataFrame(
        {
            "id": id_text(prices[columns.price_id]),
            "date": to_date(prices[columns.price_date]),
            "price": to_number(prices[columns.price]),
        }
    ).sort_values(["id", "date"], kind="stable")
    first = frame.groupby("id", sort=False)["price"].transform("first")
    return set(frame.loc[frame["price"] > first * (1 + 1e-9), "id"])


def check_arms(
    customers: pd.DataFrame,
    prices: pd.DataFrame,
    columns: PriceColumns,
    arm_column: str | None = None,
    *,
    customers_name: str = "customers",
) -> list[str]:
    """Warnings where the test arm marked in the customer table disagrees with the price history
    (which decides who was tested); [] without an arm column.

    Raises
    ------
    DataError
        A value of the arm column that is neither a test nor a control value, naming the file,
        the column and the first rows.
    """
    column = _arm_column(customers, arm_column, customers_name)
    if column is None:
        return []
    values = customers[column].astype("string").str.strip().str.lower().str.replace(" ", "_")
    is_test = values.isin(TEST_VALUES).fillna(False).to_numpy(bool)
    is_control = values.isin(CONTROL_VALUES).fillna(False).to_numpy(bool)
    unknown = ~(is_test | is_control)
    if unknown.any():
        raise DataError(
            customers_name,
            [
                Problem(
                    column,
                    file_rows(np.flatnonzero(unknown), customers),
                    "test arm is neither a test nor a control value",
                    "Write test (or treatment) for the customers given the new price and control "
                    "for those kept on the old one",
                )
            ],
        )
    ids = id_text(customers[columns.id]).to_numpy(dtype=object)
    raised_ids = _raised_ids(prices, columns)
    raised = np.array([i in raised_ids for i in ids], dtype=bool)
    out = []
    for mask, words in (
        (
            is_control & raised,
            "are marked control but their price history shows a rise: they are read as tested",
        ),
        (
            is_test & ~raised,
            "are marked test but their price history shows no rise: they are read as control "
            "(or they left before the rise)",
        ),
    ):
        if mask.any():
            rows = ", ".join(map(str, file_rows(np.flatnonzero(mask), customers)))
            out.append(f"{customers_name}: {int(mask.sum()):,} customers (rows {rows}) {words}.")
    return out


def _price_ratios(history) -> dict[str, float]:
    """Median ratio of the highest later price to the first price among raised customers, per
    segment of the history."""
    frame = pd.DataFrame(
        {
            "customer": history.row_customer,
            "renewal": history.row_renewal,
            "order": history.row_order,
            "price": history.row_price,
        }
    ).sort_values(["customer", "renewal", "order"], kind="stable")
    start = frame[frame["renewal"] == 0].groupby("customer")["price"].last()
    later = frame[frame["renewal"] > 0].groupby("customer")["price"].max()
    ratio = (later / start.reindex(later.index)).dropna()
    ratio = ratio[ratio > 1 + 1e-9]
    segments = pd.Series(history.segment[ratio.index.to_numpy()], index=ratio.index)
    return {str(k): float(v) for k, v in ratio.groupby(segments).median().items()}


def _convert(
    business: Business, name: str, measured: SegmentPriceResponse, ratio: float | None
) -> SegmentReadout:
    segment = business.segment(name)

    def keep(reason: str) -> SegmentReadout:
        return SegmentReadout(
            segment=name,
            estimate=measured,
            price_ratio=ratio,
            elasticity=None,
            elasticity_interval=None,
            grade=None,
            reason=reason,
        )

    if measured.elasticity is None or measured.elasticity_standard_error is None:
        return keep(measured.warnings[0] if measured.warnings else measured.method)
    if ratio is None:
        return keep("Nobody's price rose in this segment's price history.")
    log_ratio = math.log(ratio)
    rise = RiseUnderTest(
        log_price_ratio=log_ratio,
        felt_log_price=max(0.0, log_ratio - segment.price_threshold),
        uncontrollable_share=segment.uncontrollable_churn_share,
    )
    if rise.felt_log_price <= 0:
        return keep(
            f"The test's rise (+{ratio - 1:.1%}) is within this segment's latitude of acceptance, "
            "where the model has no lasting response: the test cannot set the elasticity."
        )
    half = float(ndtri(0.5 + LEVEL / 2)) * measured.elasticity_standard_error
    b = measured.elasticity
    eta, low, high = (float(rise.elasticity(x)) for x in (b, b - half, b + half))
    targeted = any("targeted" in w for w in measured.warnings)
    if measured.control_customers > 0 and not targeted:
        grade = "randomised_test"
    elif measured.control_customers > 0:
        grade = "history_with_control"
    else:
        grade = "history_without_control"
    return SegmentReadout(
        segment=name,
        estimate=measured,
        price_ratio=ratio,
        elasticity=eta,
        elasticity_interval=(low, high),
        grade=grade,
    )


def _apply(business: Business, readouts: list[SegmentReadout]) -> Business:
    segments = list(business.segments)
    evidence = list(business.evidence)
    data_fields = list(business.data_fields)
    measured = set()
    for r in readouts:
        if r.grade is None or r.elasticity is None or r.elasticity_interval is None:
            continue
        path = elasticity_path(r.segment)
        index = next(i for i, s in enumerate(segments) if s.name == r.segment)
        segments[index] = replace(segments[index], lasting_price_elasticity=r.elasticity)
        evidence = [e for e in evidence if e.path != path]
        low, high = r.elasticity_interval
        note = f"Randomised price test: {r.estimate.method}"
        evidence.append(Evidence(path=path, grade=r.grade, low=low, high=high, note=note))
        if path not in data_fields:
            data_fields.append(path)
        measured.add(path)
    return replace(
        business,
        segments=tuple(segments),
        evidence=tuple(evidence),
        data_fields=tuple(data_fields),
        user_fields=tuple(f for f in business.user_fields if f not in measured),
    )


def read_test(
    business: Business,
    scenario: Scenario,
    customers: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    columns: PriceColumns | None = None,
    arm_column: str | None = None,
    as_of: datetime.date | None = None,
    customers_name: str = "customers",
    prices_name: str = "prices",
    draws: int = READOUT_DRAWS,
    seed: int = 0,
) -> PriceTestReadout:
    """Read out a test from its customer table and price history (module docstring).

    Parameters
    ----------
    business, scenario
        The business in use and the scenario whose rise was tested.
    customers, prices
        The two tables (:func:`simulator.data.tables.read_table`), as for ``calibrate-price``;
        the customer table may have an arm column.
    columns, arm_column
        Column roles (None: proposed from the names) and the arm column (None: found by name).
    as_of
        The date the tables describe (default: the latest date in the customer table).
    customers_name, prices_name
        File names, for the messages.
    draws, seed
        Monte Carlo of the chance the rise pays, before and after (common random numbers).

    Raises
    ------
    simulator.data.tables.DataError
        A table that cannot be used, naming the file, the column and the rows; also when no
        segment of the test matches a segment of the business.
    """
    columns = propose_price_columns(customers, prices, columns or PriceColumns())
    history = price_history(
        customers,
        prices,
        columns,
        as_of=as_of,
        customers_name=customers_name,
        prices_name=prices_name,
    )
    warnings = check_arms(customers, prices, columns, arm_column, customers_name=customers_name)
    ratios = _price_ratios(history)
    names = {s.name for s in business.segments}
    readouts: list[SegmentReadout] = []
    unknown = []
    for counts in count_price_history(history):
        measured = segment_price_response(counts, history.warnings)
        targets = (
            [s.name for s in business.segments]
            if counts.segment == ALL_SEGMENTS
            else [counts.segment]
        )
        for name in targets:
            if name not in names:
                unknown.append(name)
                continue
            readouts.append(_convert(business, name, measured, ratios.get(counts.segment)))
    if not readouts:
        raise DataError(
            customers_name,
            [
                Problem(
                    columns.segment,
                    (),
                    "no segment of the test is a segment of the business in use ("
                    + ", ".join(sorted(unknown))
                    + ")",
                    "Name the segments as the business does: " + ", ".join(sorted(names)),
                )
            ],
        )
    if unknown:
        warnings.append(
            "Segments of the test that the business does not have were left out: "
            + ", ".join(sorted(unknown))
            + "."
        )
    after = _apply(business, readouts)
    before_values = rise_values(business, scenario, draw_parameters(business, draws, seed=seed))
    after_values = rise_values(after, scenario, draw_parameters(after, draws, seed=seed))
    return PriceTestReadout(
        segments=tuple(readouts),
        business=after,
        value_before=float(np.mean(before_values)),
        value_after=float(np.mean(after_values)),
        probability_before=float(np.mean(before_values > 0)),
        probability_after=float(np.mean(after_values > 0)),
        warnings=tuple(history.warnings) + tuple(warnings),
    )


def read_test_files(
    business: Business,
    scenario: Scenario,
    customers: bytes,
    prices: bytes,
    *,
    customers_name: str,
    prices_name: str,
    **options,
) -> PriceTestReadout:
    """:func:`read_test` on two uploaded files (CSV, Excel or Parquet, read by
    :func:`simulator.data.tables.read_table`); ``options`` are :func:`read_test`'s."""
    return read_test(
        business,
        scenario,
        read_table(customers, name=customers_name),
        read_table(prices, name=prices_name),
        customers_name=customers_name,
        prices_name=prices_name,
        **options,
    )


__all__ = [
    "ARM_NAMES",
    "SegmentReadout",
    "PriceTestReadout",
    "check_arms",
    "read_test",
    "read_test_files",
]
