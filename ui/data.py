"""The Data page's building blocks: column-mapping widgets, the problems table, the fit table.

Widget keys start with ``data_``; :func:`forget_mapping` clears them when a new file arrives so
the next file starts from its own proposal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

import pandas as pd
import streamlit as st

import simulator
from simulator.data.apply import with_measured_csat
from simulator.data.calibrate import LINKS
from simulator.data.mapping import ROLES, ColumnMapping, override_mapping
from simulator.model.assumptions import with_parameter
from ui import charts, render, saved, state, text
from ui.cached import Calibrated
from ui.literal import PLAIN

ROLE_PREFIX = "data_role_"
TENURE_UNIT_KEY = "data_tenure_unit"
HOLDOUT_LIMIT = 0.05
"""Mean absolute holdout error (share) above which a segment's fit gets a warning."""
UNITS = ("months", "years")
FILE_TYPES = ("csv", "tsv", "txt", "xlsx", "parquet", "gz", "zip")
"""File types the uploader accepts (what :func:`simulator.read_table` reads; a ``.gz`` or
``.zip`` file is unpacked first, and refused with a message unless it holds one table)."""
LARGE_MB = simulator.data.tables.LARGE_FILE_BYTES // 2**20
"""Files above this size (MB) are counted in SQL (simulator.data.sql), which reads CSV only
as UTF-8 split by a comma, semicolon, tab or pipe."""


def role_key(role: str) -> str:
    """Widget key of the selectbox for ``role``."""
    return f"{ROLE_PREFIX}{role}"


def forget_mapping() -> None:
    """Drop the mapping widgets' state (on a new upload)."""
    for key in [k for k in st.session_state if str(k).startswith(ROLE_PREFIX)]:
        del st.session_state[key]
    st.session_state.pop(TENURE_UNIT_KEY, None)


def role_pickers(
    roles: Sequence[str],
    *,
    columns: Callable[[str], list[str]],
    label: Callable[[str], str],
    proposed: object,
    key: Callable[[str], str],
) -> dict[str, str | None]:
    """One selectbox per role in a grid of four: the columns it may take ("(none)" first), the
    ``proposed`` attribute of the role's name preselected. Returns role -> column or None."""
    none = text.t("data.none")
    chosen: dict[str, str | None] = {}
    grid = st.columns(4)
    for i, role in enumerate(roles):
        options = [none, *columns(role)]
        current = getattr(proposed, role)
        with grid[i % 4]:
            picked = st.selectbox(
                label(role),
                options,
                index=options.index(current) if current in options else 0,
                key=key(role),
            )
        chosen[role] = None if picked == none else picked
    return chosen


def mapping_controls(table: pd.DataFrame, proposed: ColumnMapping) -> ColumnMapping:
    """One selectbox per role (the proposal preselected, "(none)" allowed) and the tenure unit.

    Returns the proposal with the planner's corrections. Raises ValueError when a correction
    cannot be applied.
    """
    columns = [str(c) for c in table.columns]
    chosen = role_pickers(
        ROLES,
        columns=lambda role: columns,
        label=lambda role: text.t(f"data.role.{role}"),
        proposed=proposed,
        key=role_key,
    )
    unit = st.radio(
        text.t("data.tenure_unit"),
        UNITS,
        index=UNITS.index(proposed.tenure_unit),
        format_func=lambda u: text.t(f"data.unit.{u}"),
        horizontal=True,
        key=TENURE_UNIT_KEY,
    )
    return corrected_mapping(table, proposed, chosen, unit)


def corrected_mapping(
    table: pd.DataFrame,
    proposed: ColumnMapping,
    chosen: dict[str, str | None],
    unit: str,
) -> ColumnMapping:
    """``proposed`` with the roles in ``chosen`` (None: unmapped) and the tenure unit."""
    changed = {role: column for role, column in chosen.items() if column != getattr(proposed, role)}
    named = {role: column for role, column in changed.items() if column is not None}
    mapping = override_mapping(table, proposed, tenure_unit=unit, **named)
    cleared = {role: None for role, column in changed.items() if column is None}
    if cleared:
        mapping = replace(mapping, **cleared)
        if "churned" in cleared:
            mapping = replace(mapping, churned_values=(), active_values=())
    if "start" in changed or "tenure" in changed:
        kind = "dated" if mapping.start is not None else "snapshot"
        mapping = replace(mapping, kind=kind)
    return mapping


def mapping_summary(mapping: ColumnMapping) -> None:
    """How the table will be read: dated or snapshot, and what the churn flag's values mean."""
    st.caption(text.t(f"data.kind.{mapping.kind}"))
    if mapping.churned is None:
        return
    if mapping.churned_values or mapping.active_values:
        st.caption(
            text.t(
                "data.churn_values",
                churned=", ".join(mapping.churned_values) or text.t("value.none"),
                active=", ".join(mapping.active_values) or text.t("value.none"),
            )
        )
    else:
        st.caption(text.t("data.churn_values_unknown"))


def problems_frame(problems: list[simulator.Problem]) -> pd.DataFrame:
    """Problems as a table: severity, column, rows, problem, fix (errors first)."""
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    return pd.DataFrame(
        {
            text.t("data.problem.severity"): [
                text.t(f"data.severity.{p.severity}") for p in ordered
            ],
            text.t("data.problem.column"): [
                text.t("data.problem.file") if p.column is None else str(p.column) for p in ordered
            ],
            text.t("data.problem.rows"): [", ".join(map(str, p.rows)) for p in ordered],
            text.t("data.problem.message"): [p.message for p in ordered],
            text.t("data.problem.fix"): [p.fix for p in ordered],
        }
    )


def problems(found: list[simulator.Problem]) -> bool:
    """Show the problems; True when none of them is an error (calibration may go ahead)."""
    st.subheader(text.t("data.problems_header"))
    errors = sum(p.severity == "error" for p in found)
    if not found:
        st.success(text.t("data.no_problems"), icon=":material/check_circle:")
        return True
    if errors:
        st.error(text.t("data.errors_stop", count=errors), icon=":material/error:")
    else:
        st.warning(text.t("data.warnings_only", count=len(found)), icon=":material/warning:")
    st.dataframe(problems_frame(found), hide_index=True, key="data_problems")
    return errors == 0


def read_error(error: simulator.DataError, *, key: str = "data_read_problems") -> None:
    """A file that cannot be read: one error box and its problems (a table keyed ``key``). A
    problem of the whole file (the usual case) is also written out in the box, where it is not
    cut to a cell's width."""
    said = text.t("data.read_error", name=error.name)
    whole_file = [p for p in error.problems if p.column is None]
    if whole_file and len(whole_file) <= MAX_PROBLEMS_SPELLED_OUT:
        said += "".join(
            "\n\n"
            + text.t(
                "data.read_error.detail",
                message=p.message[:1].upper() + p.message[1:],  # a sentence here
                fix=p.fix,
            )
            for p in whole_file
        )
    st.error(said, icon=":material/error:")
    st.dataframe(problems_frame(error.problems), hide_index=True, key=key)


MAX_PROBLEMS_SPELLED_OUT = 3
"""Up to this many whole-file problems are written out in the error box too."""


def _share(value: float | None, digits: int = 1) -> str:
    return text.percent(value, digits) if value is not None and math.isfinite(value) else ""


def _decimals(value: float | None, decimals: int) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return text.number(value, decimals=decimals)


def fit_frame(result: Calibrated, currency: str) -> pd.DataFrame:
    """Per segment: counts, churn, ARPU, sBG alpha/beta, KM survival, holdout error, reason."""
    holdout = result.holdout.set_index("segment")["mean_abs_error"].to_dict()
    segments = result.calibration.segments
    return pd.DataFrame(
        {
            text.t("data.fit.segment"): [s.name for s in segments],
            text.t("data.fit.customers"): [text.number(s.customers) for s in segments],
            text.t("data.fit.churned"): [text.number(s.churned) for s in segments],
            text.t("data.fit.monthly_churn"): [_share(s.monthly_churn, 2) for s in segments],
            text.t("data.fit.arpu", currency=text.currency_symbol(currency).strip()): [
                _decimals(s.arpu, 2) for s in segments
            ],
            # A fit at the constant-churn limit has meaningless alpha/beta: show none.
            text.t("data.fit.alpha"): [
                "" if s.constant_churn_fits else _decimals(s.fit and s.fit.alpha, 3)
                for s in segments
            ],
            text.t("data.fit.beta"): [
                "" if s.constant_churn_fits else _decimals(s.fit and s.fit.beta, 3)
                for s in segments
            ],
            text.t("data.fit.km12"): [_share(s.km_survival_12) for s in segments],
            text.t("data.fit.km24"): [_share(s.km_survival_24) for s in segments],
            # A segment without a fit of its own uses the assumed retention: no holdout error.
            text.t("data.fit.holdout"): [
                _share(holdout.get(s.name)) if s.fitted else "" for s in segments
            ],
            text.t("data.fit.reason"): [_fit_reason(s) for s in segments],
        }
    )


def _fit_reason(segment: simulator.SegmentCalibration) -> str:
    """Why a segment has no fit of its own, or why its alpha and beta are not shown."""
    if segment.reason:
        return segment.reason
    if segment.uses_constant_churn:
        return text.t("data.fit.constant", churn=_share(segment.constant_churn))
    return ""


def fit_notes(result: Calibrated) -> list[str]:
    """One line per segment with a blank cell in the fit table, saying why: no fit of its own,
    constant churn instead of alpha and beta, or survival at 12 or 24 months not observed
    (the table's customers were first seen later in their tenure, or none stayed that long)."""
    lines = []
    for s in result.calibration.segments:
        notes = [_fit_reason(s)] if _fit_reason(s) else []
        survival = ((12, s.km_survival_12), (24, s.km_survival_24))
        blank = [m for m, v in survival if v is None or not math.isfinite(v)]
        if blank:
            key = "data.fit.km_late" if s.entry_months > 0 else "data.fit.km_short"
            months = text.t(f"data.fit.km_months_{len(blank)}", first=blank[0], last=blank[-1])
            notes.append(text.t(key, months=months, entry=s.entry_months))
        if notes:
            lines.append(text.t("data.fit.note", segment=s.name, notes="; ".join(notes)))
    return lines


def gap_delta(believed: float, measured: float) -> dict[str, str]:
    """The top-box card's delta: how far what customers say (``measured``, a share) lies below
    or above what management believes (``believed``), in whole points, with a matching arrow
    (st.metric's ``delta`` and ``delta_arrow``)."""
    points = round(100 * (believed - measured))
    if points == 0:
        return {"delta": text.t("data.gap.same"), "delta_arrow": "off"}
    key, arrow = ("data.gap.below", "down") if points > 0 else ("data.gap.above", "up")
    return {"delta": text.t(key, points=text.number(abs(points))), "delta_arrow": arrow}


def fit_warnings(result: Calibrated) -> list[str]:
    """Plain warnings: segments without a fit, and fits whose holdout error is above 5%, by
    the direction of the miss (retention overstated or understated)."""
    unfitted = [s.name for s in result.calibration.segments if s.fit is None]
    holdout = result.holdout.set_index("segment")
    errors = holdout["mean_abs_error"]
    fitted = {s.name for s in result.calibration.segments if s.fit is not None}
    poor = [name for name, error in errors.items() if name in fitted and error > HOLDOUT_LIMIT]
    unchecked = [str(n) for n, error in errors.items() if n in fitted and not error >= 0]
    lines = []
    if unfitted:
        lines.append(text.t("data.warn_unfitted", segments=", ".join(unfitted)))
    for key, side in (("data.warn_holdout_over", 1.0), ("data.warn_holdout_under", -1.0)):
        named = [str(n) for n in poor if holdout.loc[n, "mean_error"] * side > 0]
        if named:
            limit = text.percent(HOLDOUT_LIMIT)
            lines.append(text.t(key, segments=", ".join(named), limit=limit))
    if unchecked:
        lines.append(text.t("data.warn_unchecked", segments=", ".join(unchecked)))
    return lines


def fit_table(result: Calibrated, currency: str) -> None:
    """The fit table, its caption and its warnings."""
    st.subheader(text.t("data.fit_header"))
    st.caption(text.t("data.fit_caption"))
    frame = fit_frame(result, currency)
    # The notes are too long for a grid cell: they are written out under the table.
    shown = [c for c in frame.columns if c != text.t("data.fit.reason")]
    st.dataframe(frame, hide_index=True, column_order=shown, key="data_fit_table")
    for line in fit_notes(result):
        st.caption(line)
    for line in fit_warnings(result):
        st.warning(line, icon=":material/warning:")


def manual_arpu(mapping: ColumnMapping, business: simulator.Business) -> float | None:
    """Without a revenue column, the ARPU the planner types in (currency per customer-month);
    None when the table has revenue."""
    if mapping.revenue is not None:
        return None
    st.caption(text.t("data.arpu.caption"))
    return float(
        st.number_input(
            text.t("data.arpu", currency=text.currency_symbol(business.currency).strip()),
            min_value=0.0,
            value=float(business.segments[0].arpu_per_month),
            step=1.0,
            format="%.2f",
            key="data_manual_arpu",
            help=text.t("data.arpu.help"),
        )
    )


def fit_summary(result: Calibrated) -> tuple[dict, ...]:
    """Per segment, what a saved calibration keeps of its fit: counts, churn, ARPU, sBG alpha and
    beta, Kaplan-Meier survival at 12 and 24 months and the holdout error (JSON-safe numbers)."""
    holdout = result.holdout.set_index("segment")["mean_abs_error"].to_dict()
    return tuple(
        {
            "segment": segment.name,
            **segment.to_dict(),
            "holdout_mean_abs_error": _json_number(holdout.get(segment.name)),
        }
        for segment in result.calibration.segments
    )


def _json_number(value: object) -> float | None:
    if value is None or not math.isfinite(float(value)):
        return None
    return float(value)


def use_calibration(
    business: simulator.Business,
    result: Calibrated,
    name: str,
    arpu: float | None = None,
) -> None:
    """Make ``business`` with the calibration in ``result`` applied the business every page
    uses; ``arpu`` (typed by hand when the table has no revenue) becomes every segment's ARPU,
    user-set. Reruns the page, which then says so."""
    try:
        calibrated = replace(
            simulator.apply_calibration(business, result.calibration),
            name=text.t("data.business_name", markup=PLAIN, name=name),  # data: never markup
        )
        if arpu is not None:
            for segment in calibrated.segments:
                path = f"segments.{segment.name}.arpu_per_month"
                calibrated = with_parameter(calibrated, path, arpu)
    except ValueError as error:
        st.error(text.t("data.use_error", message=error), icon=":material/error:")
        return
    state.set_business(calibrated, state.Origin(fit_summary=fit_summary(result)))
    saved.done(text.t("data.in_use", name=name), saved.GO_SCENARIO)


def _link_use(
    name: str, segment: simulator.SegmentCalibration, business: simulator.Business
) -> str:
    """What the model does with the link ``name`` of ``segment`` once the calibration is used."""
    if name == "contacts":
        return text.t("data.link.used.contacts")
    field = {
        "satisfaction": "max_service_churn_reduction",
        "price_change_log": "lasting_price_elasticity",
    }[name]
    path = f"segments.{segment.name}.{field}"
    if path not in business.data_fields:
        return text.t("data.link.not_used")
    value = getattr(business.segment(segment.name), field)
    shown = text.percent(value) if name == "satisfaction" else text.number(value, decimals=2)
    return text.t(f"data.link.used.{name}", value=shown)


def links_frame(calibration: simulator.Calibration, business: simulator.Business) -> pd.DataFrame:
    """Per segment and driver: hazard ratio per unit, its 90% interval, customers, model use.

    ``business`` is the calibration applied (what the model would use).
    """
    rows = []
    for segment in calibration.segments:
        for name in LINKS:
            fit = segment.links.get(name)
            if fit is None and name not in segment.link_reasons:
                continue
            row = {
                text.t("data.links.segment"): segment.name,
                text.t("data.links.driver"): text.t(f"data.link.{name}"),
                text.t("data.links.ratio"): "",
                text.t("data.links.interval"): "",
                text.t("data.links.customers"): "",
                text.t("data.links.use"): "",
            }
            if fit is None:  # the reason is in links_notes
                row[text.t("data.links.use")] = text.t("data.link.unfitted")
            else:
                low, high = fit.confidence_interval(0.9)
                row[text.t("data.links.ratio")] = text.number(fit.hazard_ratio, decimals=3)
                row[text.t("data.links.interval")] = (
                    f"{text.number(low, decimals=3)} – {text.number(high, decimals=3)}"
                )
                row[text.t("data.links.customers")] = text.number(fit.customers)
                row[text.t("data.links.use")] = _link_use(name, segment, business)
            rows.append(row)
    return pd.DataFrame(rows)


def links_notes(calibration: simulator.Calibration, frame: pd.DataFrame) -> list[str]:
    """What the short cells of the last column of ``frame`` (:func:`links_frame`) mean, for
    under the table (a long cell would be cut at the page's width): why a link was not fitted,
    what "no" means, and why service contacts are shown only."""
    if frame.empty:
        return []
    use = frame[text.t("data.links.use")]
    notes = [
        text.t(
            "data.link.note.unfitted",
            segment=segment.name,
            driver=text.t(f"data.link.{name}"),
            reason=segment.link_reasons[name],
        )
        for segment in calibration.segments
        for name in LINKS
        if name not in segment.links and name in segment.link_reasons
    ]
    if (use == text.t("data.link.not_used")).any():
        notes.append(text.t("data.link.note.not_used"))
    if (use == text.t("data.link.used.contacts")).any():
        notes.append(text.t("data.link.note.contacts"))
    return notes


def links_table(calibration: simulator.Calibration, business: simulator.Business) -> None:
    """The hazard links, or a hint about which columns would give them."""
    st.subheader(text.t("data.links_header"))
    frame = links_frame(calibration, business)
    if frame.empty:
        st.caption(text.t("data.links.none"))
        return
    st.caption(text.t("data.links_caption"))
    st.dataframe(frame, hide_index=True, key="data_links_table")
    for note in links_notes(calibration, frame):
        st.caption(note)


def perception_gap(calibration: simulator.Calibration, business: simulator.Business) -> None:
    """Management's belief against the customers' scores, and the button carrying CSAT over."""
    st.subheader(text.t("data.gap_header"))
    st.caption(text.t("data.gap_caption"))
    scores = calibration.satisfaction
    if scores is None:
        st.info(text.t("data.gap.none"), icon=":material/info:")
        return
    believed = (
        st.slider(
            text.t("data.gap.believed"),
            min_value=0,
            max_value=100,
            value=80,
            step=1,
            format="%d%%",
            key="data_gap_believed",
            help=text.t("data.gap.believed.help"),
        )
        / 100
    )
    exposure = sum(s.churned / s.monthly_churn for s in calibration.segments if s.monthly_churn > 0)
    churners = sum(s.churned for s in calibration.segments)
    monthly = churners / exposure if exposure > 0 else math.nan
    scale = text.number(scores.scale_max)
    left, middle, right = st.columns(3)
    left.metric(
        text.t("data.gap.top_box"),
        text.percent(scores.top_box_share),
        **gap_delta(believed, scores.top_box_share),
        delta_color="off",
        help=text.t("data.gap.top_box.help", score=text.number(scores.excellent_from), scale=scale),
    )
    middle.metric(
        text.t("data.gap.satisfied"),
        text.percent(scores.satisfied_share),
        help=text.t(
            "data.gap.satisfied.help", score=text.number(scores.satisfied_from), scale=scale
        ),
    )
    right.metric(
        text.t("data.gap.annual_churn"),
        _share(1 - (1 - monthly) ** 12 if math.isfinite(monthly) else None),
        help=text.t("data.gap.annual_churn.help"),
    )
    render.chart(charts.perception_gap_figure(believed, scores.top_box_share), key="data_chart_gap")
    if st.button(
        text.t("data.gap.carry"),
        key="data_gap_carry",
        help=text.t("data.gap.carry.help"),
        icon=":material/arrow_forward:",
    ):
        state.set_business(with_measured_csat(state.business(), scores))
        st.success(
            text.t("data.gap.carried", value=text.percent(scores.satisfied_share)),
            icon=":material/check_circle:",
        )


def fit_results(result: Calibrated, business: simulator.Business) -> None:
    """The fit table and the observed-vs-fitted retention chart."""
    fit_table(result, business.currency)
    render.chart(charts.km_fit_figure(result.calibration, core=business.core), key="data_chart_km")


def drivers(result: Calibrated, business: simulator.Business) -> None:
    """The churn drivers and the perception gap; ``business`` is the one the calibration
    would be applied to."""
    applied = simulator.apply_calibration(business, result.calibration)
    links_table(result.calibration, applied)
    perception_gap(result.calibration, applied)
