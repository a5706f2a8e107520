"""Small Streamlit building blocks the pages share: page frame, KPI cards, verdict, sources.

Pages stay straight-line recipes; anything with a loop or a branch lives here.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui import access, errors, kpis, present, share, state, text

HOME = "app.py"
SCENARIO_PAGE = "pages/1_Scenario.py"
ASSUMPTIONS_PAGE = "pages/2_Assumptions.py"
DATA_PAGE = "pages/3_Data.py"
UNCERTAINTY_PAGE = "pages/4_Uncertainty.py"
EXPLORE_PAGE = "pages/5_Explore.py"
COMPARE_PAGE = "pages/6_Compare.py"
PAGES = (
    (HOME, "nav.home", ":material/home:"),
    (SCENARIO_PAGE, "nav.scenario", ":material/tune:"),
    (UNCERTAINTY_PAGE, "nav.uncertainty", ":material/ssid_chart:"),
    (EXPLORE_PAGE, "nav.explore", ":material/grid_on:"),
    (COMPARE_PAGE, "nav.compare", ":material/compare_arrows:"),
    (ASSUMPTIONS_PAGE, "nav.assumptions", ":material/fact_check:"),
    (DATA_PAGE, "nav.data", ":material/upload_file:"),
)
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
PAGE_ICON = str(Path(__file__).with_name("icon.svg"))
"""The browser tab's icon, served by the app itself: a Material icon name (``:material/...:``)
or an emoji would make every visitor's browser fetch it from Google's or a CDN's servers."""


def page_setup(title_key: str, *, writes_url: bool = True) -> None:
    """Wide layout, the browser-tab title and the sidebar's page links.

    ``.streamlit/config.toml`` hides Streamlit's own page list (``showSidebarNavigation``), which
    would name the home page after its file ("app"); these links carry our labels instead.
    A scenario in the URL (a share link) is read here, and the URL is kept in step with the
    session's scenario (:mod:`ui.share`): here, or by the page itself after its sliders when
    ``writes_url`` is False. Access control (:mod:`ui.access`, off unless secrets
    set it up) stops the page before anything else is drawn; meeting mode (:mod:`ui.present`)
    collapses the sidebar and enlarges the headline numbers. An unexpected exception anywhere on
    the page shows an error id and a link home instead of a traceback (:mod:`ui.errors`). The
    language comes first: a share link's ``lang`` is read before any text is written, and the
    sidebar's switch (:func:`language_switch`) changes it on every page.
    """
    errors.install()
    share.open_language()
    st.set_page_config(
        page_title=f"{text.t(title_key)} · {text.t('app.title')}",
        page_icon=PAGE_ICON,
        layout="wide",
        initial_sidebar_state=present.sidebar_state(),
    )
    access.gate()
    with st.sidebar:
        for page, label, icon in PAGES:
            st.page_link(page, label=text.t(label), icon=icon)
        language_switch()
    present.toggle()
    st.sidebar.divider()
    share.sync(writes_url=writes_url)


LANGUAGE_KEY = "language_switch"


def _switch_language() -> None:
    """The language switch's callback, run before the page: the session speaks the chosen
    language from this run on, and the URL carries it (:func:`ui.share.write_language`)."""
    state.set_language(st.session_state[LANGUAGE_KEY])
    share.write_language()


def language_switch() -> None:
    """The interface language, each named in its own language ("English", "Italiano")."""
    st.session_state[LANGUAGE_KEY] = text.language()
    st.selectbox(
        text.t("language.label"),
        text.languages(),
        key=LANGUAGE_KEY,
        format_func=text.language_name,
        on_change=_switch_language,
        help=text.t("language.help"),
    )


def page_links() -> None:
    """Links to the working pages, each saying what you do there."""
    for page, label, icon in PAGES[1:]:
        link = f"home.link.{label.removeprefix('nav.')}"
        st.page_link(page, label=text.t(link), icon=icon, help=text.t(f"{label}.help"))


MAX_CARDS_PER_ROW = 5
"""More metric cards than this side by side truncate their values ("€2,…") on a laptop."""


def kpi_row(cards: Sequence[kpis.Kpi], *, describe: bool = False) -> None:
    """Bordered metric cards with their deltas against doing nothing, in one row, or in
    balanced rows of at most :data:`MAX_CARDS_PER_ROW` (7 cards: 4 then 3).

    ``describe`` adds "vs no change" under each delta (for rows without a header saying so).
    """
    start = 0
    for size in row_sizes(len(cards)):
        _card_row(cards[start : start + size], describe=describe)
        start += size


def row_sizes(count: int) -> list[int]:
    """Cards per row for ``count`` cards: as few rows as :data:`MAX_CARDS_PER_ROW` allows, the
    first rows at most one card longer than the last (7: [4, 3]; 11: [4, 4, 3])."""
    rows = -(-count // MAX_CARDS_PER_ROW)
    return [count // rows + (1 if i < count % rows else 0) for i in range(rows)]


def _card_row(cards: Sequence[kpis.Kpi], *, describe: bool) -> None:
    for column, card in zip(st.columns(len(cards)), cards, strict=True):
        column.metric(
            card.label,
            card.value,
            delta=card.delta,
            delta_color=card.delta_color,
            delta_arrow=card.delta_arrow,
            delta_description=(
                text.t("kpi.delta_description") if card.delta and describe else None
            ),
            help=card.help,
            border=True,
            height="stretch",
        )


VERDICT_STYLE = {
    "good": (st.success, ":material/thumb_up:"),
    "mixed": (st.warning, ":material/balance:"),
    "bad": (st.error, ":material/thumb_down:"),
}


def verdict(sentence: str, tone: str) -> None:
    """The plain-language verdict: green if nothing is lost, amber if mixed, red if both (large
    in meeting mode)."""
    box, icon = VERDICT_STYLE[tone]
    with present.big_verdict():
        box(sentence, icon=icon)


def bullet_lines(lines: Sequence[str]) -> None:
    """Markdown lines, one paragraph each (lines starting with "- " form a list)."""
    st.markdown("\n\n".join(line for line in lines))


def chart(figure: go.Figure, key: str) -> None:
    """A Plotly figure at full container width."""
    st.plotly_chart(figure, key=key, config=PLOTLY_CONFIG)


def assumption_note(table: pd.DataFrame) -> None:
    """Caption: how many business parameters are assumptions rather than data."""
    _assumption_caption(_business_counts(table))


def _business_counts(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`kpis.source_counts` of the business's parameters (the scenario's left out)."""
    return kpis.source_counts(table).drop(index="scenario", errors="ignore")


def _assumption_caption(counts: pd.DataFrame) -> None:
    st.caption(
        text.t(
            "scenario.sources_caption",
            assumptions=int(counts["assumption"].sum()),
            total=int(counts["total"].sum()),
        )
    )


def sources(table: pd.DataFrame) -> None:
    """How many parameters of each business group are data, assumptions or user settings."""
    counts = _business_counts(table)
    _assumption_caption(counts)
    shown = pd.DataFrame(
        {
            text.t("column.group"): [text.t(f"group.{group}") for group in counts.index],
            text.t("column.total"): counts["total"].to_numpy(),
            text.t("column.data"): counts["data"].to_numpy(),
            text.t("column.assumptions"): counts["assumption"].to_numpy(),
            text.t("column.user"): counts["user"].to_numpy(),
        }
    )
    st.dataframe(shown, hide_index=True, width="content")
    st.page_link(ASSUMPTIONS_PAGE, label=text.t("nav.assumptions"), icon=":material/fact_check:")


def sample_summary(summary: pd.DataFrame, *, as_of: datetime.date, currency: str) -> None:
    """The bundled customer table per segment, with what the app measured from it."""
    st.caption(
        text.t(
            "home.sample_file",
            customers=text.number(summary["customers"].sum()),
            as_of=text.date(as_of),
        )
    )
    shown = pd.DataFrame(
        {
            text.t("summary.segment"): summary["segment"],
            text.t("summary.customers"): summary["customers"].map(text.number),
            text.t("summary.active"): summary["active"].map(text.number),
            text.t("summary.churned"): summary["churned"].map(text.number),
            text.t("summary.churn_share"): summary["churn_share"].map(text.percent),
            text.t("summary.mean_tenure_months"): summary["mean_tenure_months"].map(
                lambda v: text.number(v, decimals=1)
            ),
            text.t("summary.arpu_per_month", currency=currency): summary["arpu_per_month"].map(
                lambda v: text.number(v, decimals=2)
            ),
        }
    )
    st.dataframe(shown, hide_index=True)


def business_summary(table: pd.DataFrame) -> str:
    """One line: how many business parameters are assumptions, data or set by the user."""
    counts = _business_counts(table)
    return text.t(
        "home.sources",
        assumptions=int(counts["assumption"].sum()),
        total=int(counts["total"].sum()),
        data=int(counts["data"].sum()),
        user=int(counts["user"].sum()),
    )


def source_totals(table: pd.DataFrame) -> dict[str, int]:
    """All parameters by source: total, data, assumptions, user, settings."""
    counts = kpis.source_counts(table)
    return {
        "total": int(counts["total"].sum()),
        "data": int(counts["data"].sum()),
        "assumptions": int(counts["assumption"].sum()),
        "user": int(counts["user"].sum()),
        "settings": int(counts["setting"].sum()),
    }
