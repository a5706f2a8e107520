"""Which column of a planner's table plays which role, and how its cells are read.

:func:`propose_mapping` guesses each column's role (from names, then content); the planner
corrects it with :func:`dataclasses.replace`. :mod:`simulator.data.records` validates the table
against the mapping and builds the standard customer records.

Two kinds of table (product.md "Data planners bring"):

* **dated**: start date and end date (empty while active); tenure = whole months from start to
  end or as-of (end-of-month clipping, as :func:`simulator.data.synthetic.completed_months`);
  churned = has an end on or before as-of, unless a churn-flag column is mapped;
* **snapshot**: tenure (months or years) and a churn flag.

A dated proposal needs an end column with empty cells (the active customers): an end date filled
for everyone is a contract end, not a churn date, so such a table is proposed as a snapshot when
it has tenure and a churn flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

ROLES: tuple[str, ...] = (
    "id",
    "start",
    "end",
    "tenure",
    "churned",
    "revenue",
    "segment",
    "satisfaction",
    "contacts",
    "channel",
    "price_before",
    "price_after",
)
"""Roles a column can play, in :class:`ColumnMapping` field order."""

# Normalised names (lowercase, letters and digits only), most specific first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": (
        "customerid",
        "clientnum",
        "clientid",
        "custid",
        "accountid",
        "accountnumber",
        "customernumber",
        "subscriberid",
        "userid",
        "id",
    ),
    "start": (
        "startdate",
        "dateactiv",
        "datestart",
        "signupdate",
        "joindate",
        "activationdate",
        "contractstart",
        "subscriptionstart",
        "start",
    ),
    "end": (
        "enddate",
        "dateend",
        "churndate",
        "canceldate",
        "cancellationdate",
        "terminationdate",
        "contractend",
        "end",
    ),
    "tenure": (
        "tenuremonths",
        "tenureyears",
        "tenure",
        "monthsonbook",
        "numyearsantig",
        "tenureinmonths",
        "monthsactive",
        "accountlength",
        "lifetime",
    ),
    "churned": (
        "churned",
        "churn",
        "attritionflag",
        "exited",
        "ischurned",
        "churnflag",
        "attrition",
        "cancelled",
        "left",
    ),
    "revenue": (
        "monthlyrevenue",
        "monthlycharges",
        "monthlycharge",
        "monthlyfee",
        "mrr",
        "arpu",
        "revenue",
    ),
    "segment": (
        "segment",
        "customersegment",
        "plan",
        "plantype",
        "cardcategory",
        "tier",
        "geography",
        "region",
        "contract",
        "product",
    ),
    "satisfaction": ("satisfaction", "satisfactionscore", "csat", "nps"),
    "contacts": (
        "contacts",
        "contactscount12mon",
        "contactslast12months",
        "supportcalls",
        "customerservicecalls",
        "numcontacts",
        "tickets",
    ),
    "channel": ("acquisitionchannel", "channel", "channelsales", "source"),
    "price_before": ("pricebefore", "oldprice", "previousprice"),
    "price_after": ("priceafter", "newprice", "currentprice"),
}

CHURNED_SPELLINGS = frozenset(
    {"yes", "y", "1", "true", "t", "churned", "churn", "attrited customer", "attrited"}
    | {"exited", "left", "cancelled", "canceled", "gone"}
)
ACTIVE_SPELLINGS = frozenset(
    {"no", "n", "0", "false", "f", "active", "existing customer", "existing", "stayed"}
    | {"retained", "current"}
)

TableKind = Literal["dated", "snapshot"]
TenureUnit = Literal["months", "years"]


@dataclass(frozen=True)
class ColumnMapping:
    """Which file column plays each role (None = not in the file), and how to read them.

    ``churned_values`` and ``active_values`` are the churn-flag spellings (normalised: stripped,
    lowercase, ``1.0`` as ``1``) meaning churned and still a customer; values in neither are an
    error until the planner maps them.
    """

    id: str | None = None
    start: str | None = None
    end: str | None = None
    tenure: str | None = None
    churned: str | None = None
    revenue: str | None = None
    segment: str | None = None
    satisfaction: str | None = None
    contacts: str | None = None
    channel: str | None = None
    price_before: str | None = None
    price_after: str | None = None
    kind: TableKind = "snapshot"
    tenure_unit: TenureUnit = "months"
    churned_values: tuple[str, ...] = ()
    active_values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("dated", "snapshot"):
            raise ValueError(f"ColumnMapping.kind must be 'dated' or 'snapshot'; got {self.kind!r}")
        if self.tenure_unit not in ("months", "years"):
            raise ValueError(
                f"ColumnMapping.tenure_unit must be 'months' or 'years'; got {self.tenure_unit!r}"
            )
        overlap = set(self.churned_values) & set(self.active_values)
        if overlap:
            raise ValueError(f"ColumnMapping: {sorted(overlap)} cannot mean churned and active")

    def columns(self) -> dict[str, str]:
        """Role -> column for the mapped roles."""
        return {r: getattr(self, r) for r in ROLES if getattr(self, r) is not None}


def normalise_name(name: str) -> str:
    """Lowercase letters and digits only: ``Months_on_book`` -> ``monthsonbook``."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def normalise_value(value: object) -> str:
    """A flag value as compared with the spellings: stripped, lowercase, ``1.0`` -> ``1``."""
    text = str(value).strip().lower()
    return re.sub(r"^([+-]?\d+)\.0+$", r"\1", text)


def normalise_values(column: pd.Series) -> pd.Series:
    """:func:`normalise_value` of every cell (missing stays missing), computed once per
    distinct value: a million rows of two spellings cost two calls."""
    lookup = {v: normalise_value(v) for v in column.dropna().unique()}
    return column.map(lookup).astype(object).where(column.notna())


def _per_distinct(column: pd.Series, convert) -> pd.Series:
    """``convert(column)`` computed on the distinct values only (the same result when
    ``convert`` treats the values as a set, as :func:`to_number` does)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    if len(uniques) == 0 or len(uniques) > len(column) // 2:
        return convert(column)
    converted = convert(pd.Series(uniques, dtype=column.dtype))
    taken = converted.iloc[np.where(codes < 0, 0, codes)].to_numpy(copy=True)
    taken[codes < 0] = np.nan
    return pd.Series(taken, index=column.index, dtype=converted.dtype)


def recognise_churn_values(
    values: pd.Series,
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Split a churn flag's distinct values into (churned, active, unknown) spellings."""
    distinct = sorted({normalise_value(v) for v in values.dropna().unique()})
    churned = tuple(v for v in distinct if v in CHURNED_SPELLINGS)
    active = tuple(v for v in distinct if v in ACTIVE_SPELLINGS)
    unknown = tuple(v for v in distinct if v not in CHURNED_SPELLINGS | ACTIVE_SPELLINGS)
    return churned, active, unknown


def to_number(column: pd.Series) -> pd.Series:
    """Numbers from a column, NaN where a cell is not one (``1 234,5`` and ``€12`` tolerated)."""
    if pd.api.types.is_bool_dtype(column):
        return column.astype(float)
    if pd.api.types.is_numeric_dtype(column):
        return column.astype(float)
    return _per_distinct(column, _text_to_number)


def _text_to_number(column: pd.Series) -> pd.Series:
    text = column.astype("string").str.strip().str.replace(r"[\s$€£'\u00a0]", "", regex=True)
    present = text.dropna()
    if len(present) and present.str.fullmatch(r"-?\d+,\d+|-?\d+").all():
        text = text.str.replace(",", ".", regex=False)  # decimal commas
    else:
        text = text.str.replace(",", "", regex=False)  # thousands separators
    return pd.to_numeric(text, errors="coerce").astype(float)


_DATE_FORMATS = ("ISO8601", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y%m%d", "%d-%m-%Y")


def to_date(column: pd.Series) -> pd.Series:
    """Dates (datetime64, midnight) from a column, NaT where a cell is not one.

    Text is tried in each of a few formats and read in the one parsing the most cells (the
    first one, on a tie; the search stops at a format that parses every non-empty cell).
    """
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.tz_localize(None).dt.normalize() if column.dt.tz else column.dt.normalize()
    text = column.astype("string").str.strip()
    present = int((text.notna() & (text != "")).sum())
    best = pd.Series(pd.NaT, index=column.index, dtype="datetime64[us]")
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if parsed.notna().sum() > best.notna().sum():
            best = parsed
        if best.notna().sum() == present:
            break
    return best.dt.normalize()


def _date_like(column: pd.Series, share: float) -> bool:
    present = column.dropna()
    return len(present) > 0 and to_date(present).notna().mean() >= share


def _flag_like(column: pd.Series, named: bool) -> bool:
    """At most two values; a column named like a flag may have a few stray ones besides."""
    present = column.dropna().unique()
    if len(present) > 50:  # not a flag, however it is spelled
        return False
    distinct = {normalise_value(v) for v in present}
    if 1 <= len(distinct) <= 2:
        return True
    return named and len(distinct) <= 5 and bool(distinct & (CHURNED_SPELLINGS | ACTIVE_SPELLINGS))


def propose_mapping(table: pd.DataFrame) -> ColumnMapping:
    """Guess each column's role from its name (synonyms) and content; the planner checks it.

    Date roles need cells that parse as dates, the churn role a column with at most two values.
    """
    by_name = {normalise_name(c): c for c in table.columns}
    chosen: dict[str, str] = {}
    used: set[str] = set()

    def fits(role: str, column: str, named: bool = True) -> bool:
        # A synonym is strong evidence: half the cells fitting is enough (validate names the
        # rest); a column found by a word in its name must fit almost everywhere.
        values = table[column]
        share = 0.5 if named else 0.9
        if role in ("start", "end"):
            return _date_like(values, share)
        if role == "churned":
            return _flag_like(values, named)
        if role == "tenure":
            return to_number(values.dropna()).notna().mean() >= share
        return True

    for role in ROLES:
        for synonym in SYNONYMS[role]:
            column = by_name.get(synonym)
            if column is not None and column not in used and fits(role, column):
                chosen[role] = column
                used.add(column)
                break
    # Content fallbacks: a date column named like a start or end, a flag named like churn.
    for column in table.columns:
        key = normalise_name(column)
        if column in used:
            continue
        for role, words in (
            ("start", ("start", "activ", "signup", "join")),
            ("end", ("end", "cancel", "terminat")),
            ("churned", ("churn", "attrit", "exit")),
            ("tenure", ("tenure",)),
        ):
            if role not in chosen and any(w in key for w in words) and fits(role, column, False):
                chosen[role] = column
                used.add(column)
                break

    end_has_gaps = "end" in chosen and table[chosen["end"]].isna().any()
    snapshot_ready = "tenure" in chosen and "churned" in chosen
    if "start" in chosen and (end_has_gaps or not snapshot_ready):
        kind: TableKind = "dated"
    else:
        kind = "snapshot"

    unit: TenureUnit = "months"
    if "tenure" in chosen:
        key = normalise_name(chosen["tenure"])
        numbers = to_number(table[chosen["tenure"]]).dropna()
        if "year" in key or "antig" in key:
            unit = "years"
        elif "month" not in key and len(numbers) and (numbers % 1 == 0).all():
            unit = "years" if numbers.max() <= 15 else "months"

    churned_values: tuple[str, ...] = ()
    active_values: tuple[str, ...] = ()
    if "churned" in chosen:
        churned_values, active_values, _ = recognise_churn_values(table[chosen["churned"]])
    return ColumnMapping(
        **chosen,
        kind=kind,
        tenure_unit=unit,
        churned_values=churned_values,
        active_values=active_values,
    )


__all__ = [
    "ROLES",
    "ColumnMapping",
    "propose_mapping",
    "recognise_churn_values",
    "to_date",
    "to_number",
]


def override_mapping(
    table: pd.DataFrame,
    mapping: ColumnMapping,
    *,
    tenure_unit: TenureUnit | None = None,
    **columns: str,
) -> ColumnMapping:
    """``mapping`` with the planner's corrections: ``columns`` maps roles to file columns.

    A new churn column has its flag spellings recognised again; naming a start column makes the
    table dated, naming a tenure column (without a start) makes it a snapshot.

    Raises
    ------
    ValueError
        A role that does not exist, or a column that is not in the table (the message names it).
    """
    for role, column in columns.items():
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        if column not in table.columns:
            raise ValueError(
                f"column {column!r} (for {role}) is not in the table; "
                f"its columns are {', '.join(map(str, table.columns))}"
            )
    changes: dict[str, object] = dict(columns)
    if "churned" in columns:
        churned, active, _ = recognise_churn_values(table[columns["churned"]])
        changes.update(churned_values=churned, active_values=active)
    if "start" in columns:
        changes["kind"] = "dated"
    elif "tenure" in columns:
        changes["kind"] = "snapshot"
    if tenure_unit is not None:
        changes["tenure_unit"] = tenure_unit
    return replace(mapping, **changes)
