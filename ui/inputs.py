"""Widgets -> parameter objects: the Scenario sidebar and the Assumptions edits.

Percent <-> fraction conversion lives here and nowhere else: widgets show percent, the core
takes fractions. Every widget has an explicit key prefixed by its page. Widgets are seeded from
the canonical Scenario in :mod:`ui.state` through ``st.session_state`` (never also with
``value=``), and their values are copied back after the widgets run, so the scenario survives
page switches even though Streamlit forgets the widgets of a page you leave.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from simulator import LEVERS, Business, Scenario
from simulator.model.assumptions import with_parameter
from ui import text
from ui.sections import EDITABLE_GROUPS, section_rows


@dataclass(frozen=True, kw_only=True)
class _Slider:
    """One Scenario field as a slider: ``widget value = field value * scale``."""

    field: str
    key: str  # suffix after the page prefix
    label: str  # text id; its help is ``label + ".help"``
    low: float
    high: float
    step: float
    fmt: str  # printf format; "{money}" is replaced by the currency symbol where it goes
    scale: float = 1.0
    integer: bool = False
    help_key: str | None = None

    def to_widget(self, value: float) -> float | int:
        shown = min(max(value * self.scale, self.low), self.high)
        return int(round(shown)) if self.integer else round(shown, 6)

    def to_field(self, shown: float | int) -> float | int:
        if self.integer and self.scale == 1:
            return int(shown)
        return float(shown) / self.scale


PRICE = (
    _Slider(
        field="price_change",
        key="price_change_pct",
        label="inputs.price_change_pct",
        low=-30.0,
        high=100.0,
        step=1.0,
        fmt="%+.1f%%",
        scale=100.0,
    ),
    _Slider(
        field="monthly_fee",
        key="monthly_fee",
        label="inputs.monthly_fee",
        low=0.0,
        high=30.0,
        step=0.5,
        fmt="{money}%.2f",
    ),
    _Slider(
        field="price_change_month",
        key="price_change_month",
        label="inputs.price_change_month",
        low=1,
        high=36,
        step=1,
        fmt="%d",
        integer=True,
    ),
    _Slider(
        field="notice_months",
        key="notice_months",
        label="inputs.notice_months",
        low=0,
        high=6,
        step=1,
        fmt="%d",
        integer=True,
    ),
    _Slider(
        field="phase_in_months",
        key="phase_in_months",
        label="inputs.phase_in_months",
        low=1,
        high=12,
        step=1,
        fmt="%d",
        integer=True,
    ),
)
SERVICE = tuple(
    _Slider(
        field=f"{lever}_spend_per_month",
        key=f"{lever}_spend",
        label=f"inputs.spend.{lever}",
        low=0,
        high=100_000,
        step=1_000,
        fmt="{money}%,d",
        integer=True,
        help_key="inputs.spend.help",
    )
    for lever in LEVERS
)
HORIZON = (
    _Slider(
        field="horizon_months",
        key="horizon_months",
        label="inputs.horizon_months",
        low=12,
        high=120,
        step=6,
        fmt="%d",
        integer=True,
    ),
    _Slider(
        field="annual_discount_rate",
        key="annual_discount_rate_pct",
        label="inputs.annual_discount_rate_pct",
        low=0.0,
        high=25.0,
        step=0.5,
        fmt="%.1f%%",
        scale=100.0,
    ),
)
GRANDFATHER_FIELD = "grandfather_existing"


def widget_key(prefix: str, name: str) -> str:
    """The session-state key of a widget: ``widget_key("scenario", "price_change_pct")``."""
    return f"{prefix}_{name}"


def scenario_from_widgets(values: Mapping[str, object], *, prefix: str = "scenario") -> Scenario:
    """Build a Scenario from widget values keyed as on the page; raises ValueError if invalid."""
    fields = {
        s.field: s.to_field(values[widget_key(prefix, s.key)])  # type: ignore[arg-type]
        for s in (*PRICE, *SERVICE, *HORIZON)
    }
    fields[GRANDFATHER_FIELD] = bool(values[widget_key(prefix, GRANDFATHER_FIELD)])
    return Scenario(**fields)


def widget_values(scenario: Scenario, *, prefix: str = "scenario") -> dict[str, object]:
    """What each widget shows for ``scenario`` (the inverse of :func:`scenario_from_widgets`)."""
    values: dict[str, object] = {
        widget_key(prefix, s.key): s.to_widget(getattr(scenario, s.field))
        for s in (*PRICE, *SERVICE, *HORIZON)
    }
    values[widget_key(prefix, GRANDFATHER_FIELD)] = scenario.grandfather_existing
    return values


def _money_format(fmt: str, currency: str) -> str:
    """``fmt`` with the currency symbol before or after the number, as the language writes
    money (:func:`ui.text.money_affixes`). The slider's digits are printf's, which knows only
    the comma as a thousands separator: where the language groups otherwise (Italian "10.000")
    they are not grouped, so that "10,000" is never read as ten."""
    if "{money}" not in fmt:
        return fmt
    before, after = text.money_affixes(currency)
    number = fmt.replace("{money}", "")
    if text.plotly_separators()[1:] != ",":
        number = number.replace("%,", "%")
    return before.replace("%", "%%") + number + after.replace("%", "%%")


def _slider(spec: _Slider, prefix: str, currency: str) -> None:
    symbol = text.currency_symbol(currency).strip()
    cast = int if spec.integer else float
    st.slider(
        text.t(spec.label, currency=symbol),
        min_value=cast(spec.low),
        max_value=cast(spec.high),
        step=cast(spec.step),
        format=_money_format(spec.fmt, currency),
        key=widget_key(prefix, spec.key),
        help=text.t(spec.help_key or f"{spec.label}.help"),
    )


def scenario_controls(
    current: Scenario, business: Business, *, prefix: str = "scenario"
) -> tuple[Scenario, str | None]:
    """Draw the scenario sliders in the sidebar; return the scenario they set. The service
    budget's total is also shown per active customer of ``business`` per month, the intensity
    the programme's effect depends on (docs/model.md, service investment).

    Returns ``(scenario, None)`` when the widgets form a valid scenario, else ``(current,
    message)`` with a planner-readable message naming the field, so the page can show the
    error and keep showing the last valid scenario.
    """
    for key, value in widget_values(current, prefix=prefix).items():
        if key not in st.session_state:  # seed once; the widgets below take no value=
            st.session_state[key] = value
    currency = business.currency
    with st.sidebar:
        st.header(text.t("inputs.price_header"))
        st.caption(text.t("inputs.settings_caption"))
        for spec in PRICE:
            _slider(spec, prefix, currency)
        st.toggle(
            text.t("inputs.grandfather_existing"),
            key=widget_key(prefix, GRANDFATHER_FIELD),
            help=text.t("inputs.grandfather_existing.help"),
        )
        st.header(text.t("inputs.service_header"))
        for spec in SERVICE:
            _slider(spec, prefix, currency)
        total = sum(st.session_state[widget_key(prefix, s.key)] for s in SERVICE)
        customers = business.base_customers
        per_customer = total / customers if customers > 0 else float("nan")
        st.caption(
            text.t(
                "inputs.service_caption",
                total=text.money(total, currency),
                per_customer=text.money(per_customer, currency, decimals=2),
            )
        )
        st.header(text.t("inputs.horizon_header"))
        for spec in HORIZON:
            _slider(spec, prefix, currency)
    try:
        return scenario_from_widgets(st.session_state, prefix=prefix), None
    except ValueError as error:
        return current, text.validation_message(error)


# --- Assumptions: edits of the parameter table -> Business --------------------------------


def table_edits(original: pd.DataFrame, edited: pd.DataFrame) -> dict[str, float]:
    """Paths whose ``value`` differs between two versions of an Assumptions table.

    Both frames are indexed by path. Differences within floating-point noise are ignored, so a
    value that was applied (and perhaps rescaled) does not count as a new edit.
    """
    changes = {}
    for path, new in edited["value"].items():
        old = original.at[path, "value"]
        if new is None or (isinstance(new, float) and math.isnan(new)):
            changes[path] = new
        elif not math.isclose(float(new), float(old), rel_tol=1e-9, abs_tol=1e-12):
            changes[path] = float(new)
    return changes


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return text.t("value.yes" if value else "value.no")
    if isinstance(value, int):
        return text.number(value)
    return text.significant(value)


def parameter_view(table: pd.DataFrame, group: str, currency: str) -> pd.DataFrame:
    """The rows of one section (:func:`section_rows`) as shown on the Assumptions page, indexed
    by parameter path: segment or lever, parameter, value, unit, source, the evidence behind the
    value in words (its grade) and its reference.

    Editable sections keep ``value`` numeric (the editor's input); the scenario section shows it
    as text.
    """
    rows = section_rows(table, group).set_index("path")
    owner = rows["segment"].map(text.lever_label) if group == "lever" else rows["segment"]
    view = pd.DataFrame(
        {
            "segment": owner,
            "parameter": rows["parameter"].map(text.parameter_label),
            "value": (
                rows["value"].astype(float)
                if group in EDITABLE_GROUPS
                else rows["value"].map(_shown)
            ),
            "unit": rows["unit"].map(lambda unit: text.unit_label(unit, currency)),
            "source": rows["source"].map(text.source_label),
            "grade": rows["grade"].map(text.grade_label),
            "reference": rows["reference"].map(text.reference_label),
        },
        index=rows.index,
    )
    if not (view["segment"] != "").any():
        view = view.drop(columns="segment")
    return view


def _column_config(group: str) -> dict[str, object]:
    owner = "column.lever" if group == "lever" else "column.segment"
    return {
        "segment": st.column_config.TextColumn(text.t(owner)),
        "parameter": st.column_config.TextColumn(text.t("column.parameter")),
        "value": (
            st.column_config.NumberColumn(text.t("column.value"), format="%.6g")
            if group in EDITABLE_GROUPS
            else st.column_config.TextColumn(text.t("column.value"))
        ),
        "unit": st.column_config.TextColumn(text.t("column.unit")),
        "source": st.column_config.TextColumn(text.t("column.source")),
        "grade": st.column_config.TextColumn(
            text.t("column.grade"), help=text.t("column.grade.help")
        ),
        "reference": st.column_config.TextColumn(text.t("column.reference")),
    }


def _height(rows: int) -> int:
    return 38 + 35 * rows  # header + rows at Streamlit's default row height: no inner scroll


def parameter_editor(
    table: pd.DataFrame, group: str, currency: str, *, prefix: str = "assumptions"
) -> dict[str, float]:
    """An editable table of one parameter group; returns ``{path: new value}`` for edits."""
    view = parameter_view(table, group, currency)
    edited = st.data_editor(
        view,
        key=widget_key(prefix, f"editor_{group}"),
        hide_index=True,
        disabled=[column for column in view.columns if column != "value"],
        column_config=_column_config(group),
        height=_height(len(view)),
    )
    return table_edits(view, edited)


def parameter_editors(
    table: pd.DataFrame, currency: str, *, prefix: str = "assumptions"
) -> dict[str, float]:
    """Every editable section with its header and note (a section without rows is left out);
    returns ``{path: new value}`` for the edits in all of them, in page order."""
    edits: dict[str, float] = {}
    for group in EDITABLE_GROUPS:
        if section_rows(table, group).empty:
            continue
        st.subheader(text.t(f"group.{group}"))
        st.caption(text.t(f"group.{group}.note"))
        edits |= parameter_editor(table, group, currency, prefix=prefix)
    return edits


def settings_table(table: pd.DataFrame, currency: str) -> None:
    """The scenario settings, read-only (they are changed on the Scenario page)."""
    view = parameter_view(table, "scenario", currency)
    st.dataframe(
        view, hide_index=True, column_config=_column_config("scenario"), height=_height(len(view))
    )


def edited_business(business: Business, edits: Mapping[str, float]) -> tuple[Business, str | None]:
    """Apply ``edits`` in order; return the business and a message for the first invalid one.

    Valid edits before an invalid one are kept, so one mistake does not block the others.
    """
    for path, value in edits.items():
        try:
            business = with_parameter(business, path, value)
        except (ValueError, TypeError) as error:
            return business, text.validation_message(error, label=text.path_label(path))
    return business, None
