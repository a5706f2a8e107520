"""Saved scenarios and calibrations on the pages: save forms, the library, open and delete.

Everything is kept by :class:`ui.store.Store` (one per server, :func:`ui.cached.store`), so a
scenario saved in one session is listed in every other and survives a restart. A saved scenario
remembers the calibration it ran on; saving a scenario on an unsaved calibrated business saves
that business first, so opening the scenario later reproduces its numbers exactly.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import simulator
from ui import cached, inputs, render, state, text
from ui.compare import MAX_COMPARED, Compared, unique_labels
from ui.literal import PLAIN, literal
from ui.store import (
    AUTHOR_CHARS,
    NAME_CHARS,
    NOTES_CHARS,
    SavedCalibration,
    SavedScenario,
    Store,
    StoreError,
)

_PENDING_DELETE = "saved_pending_delete"  # ("scenario" | "calibration", id) awaiting a yes
_FLASH = "saved_flash"  # (message, link) to show after the rerun that lists the change
GO_SCENARIO = (render.SCENARIO_PAGE, "data.go_scenario")


def open_store() -> Store | None:
    """The store, or None after saying on the page why it cannot be opened (without the
    database's file, URL or host: :attr:`StoreError.reason`; the server log has them)."""
    try:
        return cached.store()
    except StoreError as error:
        st.error(text.t("saved.unavailable", message=error.reason), icon=":material/database:")
        return None


def flash() -> None:
    """Show the message a save, use or delete left for this run (it reran to show the change),
    with its link onwards if it has one."""
    message, link = st.session_state.pop(_FLASH, (None, None))
    if message:
        st.success(message, icon=":material/check_circle:")
    if link:
        page, label = link
        st.page_link(page, label=text.t(label), icon=":material/arrow_forward:")


def done(message: str, link: tuple[str, str] | None = None) -> None:
    """Rerun (so every list on the page shows the change), then say ``message``; ``link`` is an
    optional (page, label key) to go on to."""
    st.session_state[_FLASH] = (message, link)
    st.rerun()


def _fields(prefix: str, default_name: str) -> tuple[str, str, str]:
    name = st.text_input(
        text.t("saved.name"), value=default_name, max_chars=NAME_CHARS, key=f"{prefix}_name"
    )
    notes = st.text_area(text.t("saved.notes"), max_chars=NOTES_CHARS, key=f"{prefix}_notes")
    author = st.text_input(
        text.t("saved.author"),
        max_chars=AUTHOR_CHARS,
        key=f"{prefix}_author",
        help=text.t("saved.author.help"),
    )
    return name, notes, author


def _calibration_id(store: Store, author: str) -> str | None:
    """The saved calibration of the business in use (saved now if it is not yet); None for the
    sample business."""
    if state.is_sample():
        return None
    business, origin = state.business(), state.origin()
    if origin.calibration_id and store.calibration(origin.calibration_id) is not None:
        return origin.calibration_id
    saved = store.save_calibration(
        name=business.name,
        notes=text.t("saved.auto_notes"),
        author=author,
        business=business,
        fit_summary=origin.fit_summary,
    )
    state.set_business(
        business, state.Origin(calibration_id=saved.id, fit_summary=origin.fit_summary)
    )
    return saved.id


def save_scenario_form(store: Store, scenario: simulator.Scenario) -> None:
    """A form that saves ``scenario`` (on the business in use) under a name, with notes."""
    with st.form("save_scenario", border=True):
        st.markdown(text.t("saved.save_header"))
        name, notes, author = _fields("save_scenario", "")
        submitted = st.form_submit_button(
            text.t("saved.save"), type="primary", icon=":material/save:"
        )
    if not submitted:
        return
    try:
        calibration_id = _calibration_id(store, author)
        saved = store.save_scenario(
            name=name,
            notes=notes,
            author=author,
            scenario=scenario,
            calibration_id=calibration_id,
        )
    except (StoreError, ValueError) as error:
        st.error(text.t("saved.save_error", message=_reason(error)), icon=":material/error:")
        return
    done(text.t("saved.saved", name=saved.name))


def _reason(error: Exception) -> str:
    """Why a save failed, as a page may say it: a refused entry's reason (a name too long), a
    store failure's without the database's file, URL or host."""
    return error.reason if isinstance(error, StoreError) else str(error)


def calibration_names(calibrations: list[SavedCalibration]) -> dict[str, str]:
    """Saved calibration id -> its name."""
    return {saved.id: saved.name for saved in calibrations}


def business_label(calibration_id: str | None, names: dict[str, str]) -> str:
    """What a saved scenario runs on: the sample, a saved calibration, or a deleted one."""
    if calibration_id is None:
        return text.t("saved.sample_business")
    return names.get(calibration_id, text.t("saved.calibration_gone"))


def when(value) -> str:
    """A stored timestamp in the reader's words (UTC, to the minute)."""
    return text.t("saved.when", date=text.date(value.date()), time=text.time(value))


def item_label(saved: SavedScenario | SavedCalibration) -> str:
    """How a saved item is named in select boxes (which show text as it is): name, author and
    when it was last changed."""
    changed = when(saved.updated_at)
    if saved.author:
        return text.t(
            "saved.label_by", markup=PLAIN, name=saved.name, author=saved.author, when=changed
        )
    return text.t("saved.label", markup=PLAIN, name=saved.name, when=changed)


def scenario_frame(
    scenarios: list[SavedScenario], names: dict[str, str], currency: str
) -> pd.DataFrame:
    """The library as a table: name, settings, business, author, notes, created and updated."""
    return pd.DataFrame(
        {
            text.t("saved.column.name"): [s.name for s in scenarios],
            text.t("saved.column.settings"): [
                text.describe_scenario(s.scenario, currency) for s in scenarios
            ],
            text.t("saved.column.business"): [
                business_label(s.calibration_id, names) for s in scenarios
            ],
            text.t("saved.column.author"): [s.author for s in scenarios],
            text.t("saved.column.notes"): [s.notes for s in scenarios],
            text.t("saved.column.created"): [when(s.created_at) for s in scenarios],
            text.t("saved.column.updated"): [when(s.updated_at) for s in scenarios],
        }
    )


def open_scenario(store: Store, saved: SavedScenario) -> None:
    """Make ``saved`` (and the business it ran on) the session's, then go to the Scenario page."""
    if saved.calibration_id is None:
        state.reset_business()
    else:
        calibration = store.calibration(saved.calibration_id)
        if calibration is None:
            st.error(text.t("saved.open_gone", name=saved.name), icon=":material/error:")
            return
        use_calibration(calibration)
    state.set_scenario(saved.scenario)
    for key, value in inputs.widget_values(saved.scenario).items():
        st.session_state[key] = value  # the Scenario page's sliders start from it
    st.switch_page(render.SCENARIO_PAGE)


def use_calibration(saved: SavedCalibration) -> None:
    """Make a saved calibration's business the one every page uses."""
    origin = state.Origin(calibration_id=saved.id, fit_summary=saved.fit_summary)
    state.set_business(saved.business, origin)


def confirm_delete(kind: str, item_id: str, name: str, delete) -> None:
    """A delete button that asks first; ``delete(item_id)`` runs only after "Yes, delete"."""
    pending = st.session_state.get(_PENDING_DELETE)
    if pending != (kind, item_id):
        if st.button(
            text.t("saved.delete"),
            key=f"saved_delete_{kind}",
            icon=":material/delete:",
        ):
            st.session_state[_PENDING_DELETE] = (kind, item_id)
            st.rerun()
        return
    with st.container(border=True):
        st.warning(text.t(f"saved.delete_confirm.{kind}", name=name), icon=":material/warning:")
        yes, no = st.columns(2)
        if yes.button(text.t("saved.delete_yes"), key=f"saved_delete_yes_{kind}", type="primary"):
            st.session_state.pop(_PENDING_DELETE, None)
            try:
                delete(item_id)
            except StoreError as error:
                said = text.t("saved.delete_error", message=error.reason)
                st.error(said, icon=":material/error:")
                return
            done(text.t("saved.deleted", name=name))
        if no.button(text.t("saved.delete_no"), key=f"saved_delete_no_{kind}"):
            st.session_state.pop(_PENDING_DELETE, None)
            st.rerun()


def _pick(label_key: str, items: list, label, key: str):
    """A select box over ``items`` (saved scenarios or calibrations) by id; the chosen item."""
    by_id = {item.id: item for item in items}
    chosen = st.selectbox(
        text.t(label_key),
        options=list(by_id),
        format_func=lambda item_id: label(by_id[item_id]),
        index=None,
        placeholder=text.t("saved.pick"),
        key=key,
    )
    return by_id.get(chosen)


def scenario_library(store: Store, scenarios: list[SavedScenario], names: dict[str, str]) -> None:
    """The saved scenarios as a table; pick one to open it or delete it."""
    if not scenarios:
        st.info(text.t("saved.none"), icon=":material/info:")
        return
    st.dataframe(
        scenario_frame(scenarios, names, state.business().currency),
        hide_index=True,
        key="saved_scenarios_table",
    )
    chosen = _pick("saved.pick_scenario", scenarios, item_label, "saved_scenario_pick")
    if chosen is None:
        return
    left, right = st.columns(2)
    with left:
        if st.button(
            text.t("saved.open", name=chosen.name),
            key="saved_open_scenario",
            type="primary",
            icon=":material/open_in_browser:",
        ):
            open_scenario(store, chosen)
    with right:
        confirm_delete("scenario", chosen.id, chosen.name, store.delete_scenario)


def save_calibration_form(store: Store) -> None:
    """A form that saves the business in use (its parameters and fit summary, never the uploaded
    rows) as a named calibration; nothing to save while the sample is in use."""
    if state.is_sample():
        st.caption(text.t("saved.calibration_sample"))
        return
    business, origin = state.business(), state.origin()
    with st.form("save_calibration", border=True):
        st.markdown(text.t("saved.calibration_save_header", name=business.name))
        name, notes, author = _fields("save_calibration", business.name)
        submitted = st.form_submit_button(
            text.t("saved.calibration_save"), type="primary", icon=":material/save:"
        )
    if not submitted:
        return
    try:
        saved = store.save_calibration(
            name=name,
            notes=notes,
            author=author,
            business=business,
            fit_summary=origin.fit_summary,
        )
    except (StoreError, ValueError) as error:
        st.error(text.t("saved.save_error", message=_reason(error)), icon=":material/error:")
        return
    use_calibration(saved)
    done(text.t("saved.calibration_saved", name=saved.name))


def calibration_frame(calibrations: list[SavedCalibration]) -> pd.DataFrame:
    """Saved calibrations as a table: name, segments, customers, author, notes, dates."""
    return pd.DataFrame(
        {
            text.t("saved.column.name"): [c.name for c in calibrations],
            text.t("saved.column.segments"): [
                ", ".join(s.name for s in c.business.segments) for c in calibrations
            ],
            text.t("saved.column.customers"): [
                text.number(sum(s.base_customers for s in c.business.segments))
                for c in calibrations
            ],
            text.t("saved.column.author"): [c.author for c in calibrations],
            text.t("saved.column.notes"): [c.notes for c in calibrations],
            text.t("saved.column.created"): [when(c.created_at) for c in calibrations],
        }
    )


def calibration_library(store: Store, calibrations: list[SavedCalibration]) -> None:
    """The saved calibrations as a table; pick one to use it or delete it."""
    if not calibrations:
        st.info(text.t("saved.calibrations_none"), icon=":material/info:")
        return
    st.dataframe(calibration_frame(calibrations), hide_index=True, key="saved_calibrations_table")
    chosen = _pick("saved.pick_calibration", calibrations, item_label, "saved_calibration_pick")
    if chosen is None:
        return
    left, right = st.columns(2)
    with left:
        if st.button(
            text.t("saved.calibration_use", name=chosen.name),
            key="saved_use_calibration",
            type="primary",
            icon=":material/check:",
        ):
            use_calibration(chosen)
            done(text.t("data.in_use", name=chosen.name), GO_SCENARIO)
    with right:
        confirm_delete("calibration", chosen.id, chosen.name, store.delete_calibration)


def calibrations_section() -> None:
    """The Data page's saved calibrations: save the one in use, use or delete a saved one."""
    store = open_store()
    if store is None:
        return
    st.caption(text.t("data.saved_caption", kind=store.kind))
    save_calibration_form(store)
    calibration_library(store, store.calibrations())


CURRENT = "current"
"""The comparison's option for the session's own (possibly unsaved) scenario."""


def comparison_choice(scenarios: list[SavedScenario]) -> list[str]:
    """Pick up to four scenarios: the current one and saved ones (by id); starts with the current
    scenario and the most recently saved."""
    labels = {CURRENT: text.t("compare.current")} | {s.id: item_label(s) for s in scenarios}
    default = [CURRENT, *(s.id for s in scenarios[: MAX_COMPARED - 1])]
    return st.multiselect(
        text.t("compare.choose"),
        options=list(labels),
        default=default,
        format_func=labels.__getitem__,
        max_selections=MAX_COMPARED,
        key="compare_choice",
        help=text.t("compare.choose.help", count=MAX_COMPARED),
    )


def compared(
    choice: list[str], scenarios: list[SavedScenario], calibrations: list[SavedCalibration]
) -> list[Compared]:
    """The chosen scenarios, each run on its own business; a saved scenario whose calibration
    was deleted is left out with a warning."""
    by_id = {s.id: s for s in scenarios}
    businesses = {c.id: c.business for c in calibrations}
    items, labels = [], []
    for key in choice:
        if key == CURRENT:
            business, scenario, label = (
                state.business(),
                state.scenario(),
                text.t("compare.current"),
            )
        else:
            saved = by_id[key]
            if saved.calibration_id is not None and saved.calibration_id not in businesses:
                st.warning(text.t("saved.open_gone", name=saved.name), icon=":material/warning:")
                continue
            business = businesses.get(saved.calibration_id) or cached.business()
            scenario, label = saved.scenario, literal(saved.name, PLAIN)  # one line, cut
        items.append((business, scenario))
        labels.append(label)
    return [
        Compared(
            label=label,
            business=business,
            scenario=scenario,
            evaluation=cached.evaluate(business, scenario),
        )
        for label, (business, scenario) in zip(unique_labels(labels), items, strict=True)
    ]
