"""Plotly figure builders: DataFrames from :mod:`simulator` in, ``go.Figure`` out.

One module on purpose: every figure of the pages, built the same way from the same palette,
axes and hover conventions; apart, the conventions would drift between pages.

No Streamlit here, so every figure is tested as an object (``tests/test_charts.py``). All words
come from :mod:`ui.text`; segment names, which come from uploaded data, go into trace names and
tick labels escaped for Plotly's HTML subset (``markup=PLOTLY``). Conventions shared by every
chart: this scenario is a solid line, no change (the baseline) is dashed; the core segment is
the same deep blue everywhere and drawn thicker; money axes name the currency.

Each figure is built from plain dicts in one ``go.Figure(data=..., layout=...)`` call, with
side-by-side panels laid out by axis domains: about five times faster than ``add_trace``,
``add_vline`` and ``make_subplots``, which matters when every slider move rebuilds five charts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from simulator import Business, Calibration, Evaluation, Scenario, sbg_survival
from ui import text
from ui.literal import ELLIPSIS, PLAIN, PLOTLY, literal

CORE_COLOR = "#1f4e8c"
SEGMENT_COLORS = ("#e07b1f", "#2a9d8f", "#8e5ea2", "#c44e52", "#6b8e23")
"""Colours of the other segments, in the order the business lists them."""
REVENUE_COLOR = "#2a7f62"
CONTRIBUTION_COLOR = "#7b4fa0"
SCENARIO_COLOR = "#1f4e8c"
BASELINE_COLOR = "#8a8f98"
GAIN_FILL = "rgba(42, 157, 143, 0.25)"
LOSS_FILL = "rgba(196, 78, 82, 0.25)"
MARKER_COLOR = "#555b66"
HEIGHT = 400
LEGEND_ROOM = 8
"""Legend entries a figure of the given height holds below its plot."""
LEGEND_ENTRY_HEIGHT = 20
"""Pixels a figure grows by for each legend entry beyond :data:`LEGEND_ROOM`."""
NOTHING_TO_PAY_BACK = 0.5
"""Cumulative differences below this (currency) mean the plan changes no cash flow."""


def segment_colors(segments: Sequence[str], core: str) -> dict[str, str]:
    """A stable colour per segment: the core is :data:`CORE_COLOR`."""
    others = iter(SEGMENT_COLORS * (1 + len(segments) // len(SEGMENT_COLORS)))
    return {name: CORE_COLOR if name == core else next(others) for name in segments}


def figure(
    data: list[dict],
    title: str,
    subtitle: str,
    *,
    height: int = HEIGHT,
    top: int = 80,
    **layout: object,
) -> go.Figure:
    """A Plotly figure in the app's style: title and subtitle at the top left, legend at the
    bottom, the locale's number separators; ``layout`` entries replace the defaults. A figure
    with more than :data:`LEGEND_ROOM` legend entries (an upload with many segments) grows by
    :data:`LEGEND_ENTRY_HEIGHT` for each further one, so the legend does not squeeze the plot."""
    entries = sum(1 for trace in data if trace.get("name") and trace.get("showlegend", True))
    height += LEGEND_ENTRY_HEIGHT * max(0, entries - LEGEND_ROOM)
    base = {
        "title": {
            "text": title,
            "subtitle": {"text": subtitle},
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 0.98,
            "yanchor": "top",
        },
        "height": height,
        "margin": {"l": 10, "r": 10, "t": top, "b": 10},
        # At the bottom of the figure: above the plot it collides with the subtitle.
        "legend": {
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "x": 0,
            "xanchor": "left",
        },
        "hovermode": "x unified",
        "separators": text.plotly_separators(),
    }
    return go.Figure(data=data, layout=base | layout)


def month_axis(**extra: object) -> dict:
    """An x axis of months from 0, titled in the page's language."""
    return {"title": {"text": text.t("chart.month")}, "rangemode": "tozero", **extra}


def vline(x: float, *, xref: str = "x", yref: str = "y domain") -> dict:
    """A thin vertical marker line at ``x`` (a Plotly shape)."""
    return {
        "type": "line",
        "xref": xref,
        "yref": yref,
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"dash": "dot", "color": MARKER_COLOR, "width": 1},
    }


def hline(y: float, *, xref: str = "x domain", yref: str = "y") -> dict:
    """A thin horizontal marker line at ``y`` (a Plotly shape)."""
    return {
        "type": "line",
        "xref": xref,
        "yref": yref,
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": MARKER_COLOR, "width": 1},
    }


def _month_marks(price_change_month: int | None, notice_month: int | None) -> dict:
    """Dotted vertical lines, labelled, at the new price and at the notice (None: omitted)."""
    marks = [] if price_change_month is None else [(price_change_month, "chart.new_price", 1)]
    if notice_month is not None and notice_month != price_change_month:
        # At the bottom, so the label never overlaps "New price" a month later.
        marks.append((notice_month, "chart.notice", 0))
    return {
        "shapes": [vline(month) for month, _, _ in marks],
        "annotations": [
            {
                "text": text.t(key),
                "x": month,
                "xref": "x",
                "y": y,
                "yref": "y domain",
                "xanchor": "left",
                "yanchor": "top" if y else "bottom",
                "showarrow": False,
                "font": {"color": MARKER_COLOR},
            }
            for month, key, y in marks
        ],
    }


def _series_name(what: str, case: str) -> str:
    """Legend entry of one line: ``"core (scenario)"``, ``"Revenue (no change)"``."""
    return text.t("chart.series", markup=PLOTLY, what=what, case=text.t(f"case.{case}.short"))


def _line(case: str, color: str, width: float) -> dict:
    dash = "solid" if case == "scenario" else "dash"
    return {"color": color, "width": width, "dash": dash}


def customers_figure(
    monthly: pd.DataFrame,
    *,
    core: str,
    price_change_month: int | None = None,
    notice_month: int | None = None,
) -> go.Figure:
    """Active customers by segment and month: this scenario solid, no change dashed.

    ``monthly`` is :attr:`simulator.Evaluation.monthly` (columns ``case``, ``segment``,
    ``month``, ``customers``).
    """
    segments = list(dict.fromkeys(monthly["segment"]))
    colors = segment_colors(segments, core)
    data = []
    for segment in sorted(segments, key=lambda s: s != core):  # core first in the legend
        for case in ("scenario", "baseline"):
            rows = monthly[(monthly["segment"] == segment) & (monthly["case"] == case)]
            width = (3.5 if segment == core else 2.0) * (1.0 if case == "scenario" else 0.7)
            data.append(
                {
                    "type": "scatter",
                    "x": rows["month"].to_numpy(),
                    "y": rows["customers"].to_numpy(),
                    "name": _series_name(segment, case),
                    "legendgroup": f"segment {segments.index(segment)}",  # an id, not the name
                    "mode": "lines",
                    "line": _line(case, colors[segment], width),
                    "hovertemplate": "%{y:,.0f}",
                }
            )
    return figure(
        data,
        text.t("chart.customers.title"),
        text.t("chart.customers.subtitle"),
        xaxis=month_axis(),
        yaxis={"title": {"text": text.t("chart.customers.y")}, "tickformat": ",.0f"},
        **_month_marks(price_change_month, notice_month),
    )


def revenue_figure(
    monthly: pd.DataFrame, *, currency: str, price_change_month: int | None = None
) -> go.Figure:
    """Revenue and contribution per month, summed over segments, scenario vs no change."""
    symbol = text.currency_symbol(currency).strip()
    totals = monthly.groupby(["case", "month"], sort=True)[["revenue", "contribution"]].sum()
    data = []
    for column, color in (("revenue", REVENUE_COLOR), ("contribution", CONTRIBUTION_COLOR)):
        for case in ("scenario", "baseline"):
            series = totals.loc[case, column]
            data.append(
                {
                    "type": "scatter",
                    "x": series.index.to_numpy(),
                    "y": series.to_numpy(),
                    "name": _series_name(text.t(f"chart.revenue.{column}"), case),
                    "legendgroup": column,
                    "mode": "lines",
                    "line": _line(case, color, 3 if case == "scenario" else 2),
                    "hovertemplate": text.plotly_money(currency),
                }
            )
    return figure(
        data,
        text.t("chart.revenue.title"),
        text.t("chart.revenue.subtitle"),
        xaxis=month_axis(),
        yaxis={"title": {"text": text.t("chart.revenue.y", symbol=symbol)}, "tickformat": "~s"},
        **_month_marks(price_change_month, None),
    )


def _with_crossings(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` with the points where the line crosses zero added (linear between the
    points), so that a green and a red area meet exactly there."""
    xs, ys = [x[0]], [y[0]]
    for i in range(1, len(x)):
        if (y[i - 1] < 0) != (y[i] < 0) and y[i] != y[i - 1]:
            xs.append(x[i - 1] + (x[i] - x[i - 1]) * y[i - 1] / (y[i - 1] - y[i]))
            ys.append(0.0)
        xs.append(x[i])
        ys.append(y[i])
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def gain_loss_fills(x: np.ndarray, y: np.ndarray) -> list[dict]:
    """Two fill traces to zero under the line ``y`` over ``x``: green where it is above zero,
    red where below (a gain against doing nothing, a loss), meeting where it crosses zero."""
    x, y = _with_crossings(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return [
        {
            "type": "scatter",
            "x": x,
            "y": part,
            "mode": "none",
            "fill": "tozeroy",
            "fillcolor": fill,
            "hoverinfo": "skip",
            "showlegend": False,
        }
        for part, fill in ((y.clip(min=0), GAIN_FILL), (y.clip(max=0), LOSS_FILL))
    ]


def cash_flow_figure(
    cumulative: pd.Series, *, payback_month: int | None, currency: str
) -> go.Figure:
    """Cumulative cash-flow difference against no change, with zero line and payback month.

    ``cumulative`` is :attr:`simulator.Evaluation.cumulative_cash_flow_difference` (indexed by
    month). Green fill where the plan is ahead, red where it is behind.
    """
    symbol = text.currency_symbol(currency).strip()
    months, values = cumulative.index.to_numpy(), cumulative.to_numpy(dtype=float)
    data = gain_loss_fills(months, values)
    data.append(
        {
            "type": "scatter",
            "x": months,
            "y": values,
            "name": text.t("chart.cash.line"),
            "mode": "lines",
            "line": {"color": SCENARIO_COLOR, "width": 3},
            "hovertemplate": text.plotly_money(currency),
        }
    )
    shapes = [hline(0)]
    if payback_month is not None:
        label = text.t("chart.cash.payback", month=payback_month)
        y = float(cumulative.loc[payback_month])
        shapes.append(vline(payback_month))
        data.append(
            {
                "type": "scatter",
                "x": [payback_month],
                "y": [y],
                "name": label,
                "mode": "markers",
                "marker": {"size": 12, "color": MARKER_COLOR, "symbol": "diamond"},
                "hoverinfo": "skip",
            }
        )
        note = {
            "text": label,
            "x": payback_month,
            "y": y,
            "showarrow": True,
            "arrowhead": 2,
            "ax": 60,
            "ay": -50,
            "xanchor": "left",
            "bgcolor": "rgba(255, 255, 255, 0.8)",
        }
    else:
        nothing = not len(values) or float(abs(values).max()) < NOTHING_TO_PAY_BACK
        key = "chart.cash.nothing" if nothing else "chart.cash.no_payback"
        note = {
            "text": text.t(key, period=text.period(len(cumulative))),
            "xref": "paper",
            "yref": "paper",
            "x": 0.01,
            "y": 0.98,
            "showarrow": False,
        }
    return figure(
        data,
        text.t("chart.cash.title"),
        text.t("chart.cash.subtitle"),
        xaxis=month_axis(),
        yaxis={"title": {"text": text.t("chart.cash.y", symbol=symbol)}, "tickformat": "~s"},
        shapes=shapes,
        annotations=[note | {"font": {"color": MARKER_COLOR}}],
    )


def _leavers_label(extra: float) -> str:
    """Bar label: ``"34 more"`` leave, or ``"215 fewer"``."""
    key = "chart.who.more" if extra >= 0 else "chart.who.fewer"
    return text.t(key, count=text.number(abs(extra)))


def _value_label(value_lost: float, currency: str) -> str:
    """Bar label: ``"€24k lost"`` or ``"€359k kept"``."""
    amount = text.money(abs(value_lost), currency, compact=True)
    return text.t("chart.who.lost" if value_lost >= 0 else "chart.who.kept", amount=amount)


def _panels(count: int, gap: float) -> list[tuple[float, float]]:
    """Horizontal domains of ``count`` side-by-side panels separated by ``gap``."""
    width = (1.0 - gap * (count - 1)) / count
    return [(i * (width + gap), i * (width + gap) + width) for i in range(count)]


def _panel_title(label: str, domain: tuple[float, float]) -> dict:
    return {
        "text": label,
        "x": (domain[0] + domain[1]) / 2,
        "xref": "paper",
        "y": 1.0,
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "yshift": 8,
        "showarrow": False,
        "font": {"size": 15},
    }


def _axis_names(i: int) -> tuple[str, str, str, str]:
    """Layout keys and trace references of panel ``i`` (0-based): xaxis, yaxis, x, y."""
    suffix = "" if i == 0 else str(i + 1)
    return f"xaxis{suffix}", f"yaxis{suffix}", f"x{suffix}", f"y{suffix}"


TICK_LINE_CHARS = 12
"""Longest line of a segment's name under a bar, cut with an ellipsis after its last line: a
longer label overlaps its neighbour's (the customers chart's legend, just above, names every
segment in full)."""


def _wrap(name: str, width: int) -> list[str]:
    """``name`` in lines of at most ``width`` characters, broken at spaces and after hyphens
    (a longer word where it must be)."""
    lines: list[str] = []
    line = ""
    for word in re.findall(r"[^\s-]*-|[^\s-]+", name):
        joined = line + word if not line or line.endswith("-") else f"{line} {word}"
        if len(joined) <= width:
            line = joined
            continue
        if line:
            lines.append(line)
        while len(word) > width:
            lines.append(word[:width])
            word = word[width:]
        line = word
    return [*lines, line] if line else lines


def _tick(name: str, *, core: bool, lines: int = 2) -> str:
    """Category label (Plotly's HTML): the name as literal text in at most ``lines`` lines of
    :data:`TICK_LINE_CHARS` (the last cut with an ellipsis if need be); the core is bold."""
    wrapped = _wrap(literal(name, PLAIN, limit=None), TICK_LINE_CHARS)
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], wrapped[lines - 1][: TICK_LINE_CHARS - 1] + ELLIPSIS]
    shown = "<br>".join(literal(line, PLOTLY, limit=None) for line in wrapped)
    return f"<b>{shown}</b>" if core else shown


MAX_WRAPPED_TICKS = 4
"""Up to this many segments their names wrap under the bars; more stand upright, one line each,
or they would overlap."""


def who_leaves_figure(segments: pd.DataFrame, *, core: str, currency: str) -> go.Figure:
    """Per segment: extra customers who leave and the value they take, core called out.

    ``segments`` is :attr:`simulator.Evaluation.segments`. One bar per segment, core first, in
    bold and outlined; bars below zero mean fewer leave (or value is kept) than with no change.
    """
    symbol = text.currency_symbol(currency).strip()
    names = list(segments["segment"])
    colors = segment_colors(names, core)
    upright = len(names) > MAX_WRAPPED_TICKS
    ticks = [_tick(n, core=n == core, lines=1 if upright else 2) for n in names]
    hover = [
        text.t(
            "chart.who.hover",
            extra=text.signed_number(row.extra_churned),
            lost=text.signed_number(row.customers_lost),
            value=text.signed_money(row.value_lost, currency),
        )
        for row in segments.itertuples()
    ]
    leavers = [_leavers_label(v) for v in segments["extra_churned"]]
    values = [_value_label(v, currency) for v in segments["value_lost"]]
    panels = (
        (
            "extra_churned",
            "chart.who.customers",
            leavers,
            text.t("chart.who.customers_axis"),
            ",.0f",
        ),
        (
            "value_lost",
            "chart.who.value",
            values,
            text.t("chart.who.value_axis", symbol=symbol),
            "~s",
        ),
    )
    # A wide gap: the second panel's axis title and ticks sit in it.
    domains = _panels(len(panels), gap=0.24)
    data, layout, annotations, shapes = [], {}, [], []
    for i, ((column, title, labels, axis_title, fmt), domain) in enumerate(
        zip(panels, domains, strict=True)
    ):
        xaxis, yaxis, x, y = _axis_names(i)
        data.append(
            {
                "type": "bar",
                "x": ticks,
                "y": segments[column].to_numpy(),
                "xaxis": x,
                "yaxis": y,
                "name": text.t(title),
                "marker": {
                    "color": [colors[n] for n in names],
                    "line": {
                        "color": [CORE_COLOR if n == core else "white" for n in names],
                        "width": [3 if n == core else 0 for n in names],
                    },
                },
                "text": labels,
                "textposition": "outside",
                "cliponaxis": False,
                "customdata": hover,
                "hovertemplate": "%{customdata}<extra></extra>",
                "showlegend": False,
            }
        )
        layout[xaxis] = {"domain": domain, "anchor": y, "tickangle": -90 if upright else 0}
        layout[yaxis] = {
            "anchor": x,
            "title": {"text": axis_title},
            "tickformat": fmt,
            "range": _padded_range(segments[column]),
        }
        annotations.append(_panel_title(text.t(title), domain))
        shapes.append(hline(0, xref=f"{x} domain", yref=y))
    return figure(
        data,
        text.t("chart.who.title"),
        text.t("chart.who.subtitle"),
        top=110,
        hovermode="closest",
        annotations=annotations,
        shapes=shapes,
        bargap=0.35,
        **layout,
    )


def _padded_range(values: pd.Series) -> list[float]:
    """Axis range from zero to the extremes, plus a quarter for the labels outside the bars."""
    low, high = min(0.0, float(values.min())), max(0.0, float(values.max()))
    pad = (high - low) / 4 or 1.0
    return [low - pad if low < 0 else 0.0, high + pad if high > 0 else 0.0]


SERVICE_PANELS = (
    ("csat", "chart.service.csat", ".0%", ".1%"),
    ("first_contact_resolution", "chart.service.fcr", ".0%", ".1%"),
    ("handling_time_minutes", "chart.service.aht", ".1f", ".2f"),
)


def service_figure(scenario_service: pd.DataFrame, baseline_service: pd.DataFrame) -> go.Figure:
    """CSAT, first-contact resolution and handling time by month, scenario vs no change.

    Both frames are :attr:`simulator.Projection.service` (columns ``month``, ``csat``,
    ``first_contact_resolution``, ``handling_time_minutes``; shares are fractions).
    """
    cases = (("scenario", scenario_service), ("baseline", baseline_service))
    domains = _panels(len(SERVICE_PANELS), gap=0.07)
    data, layout, annotations = [], {}, []
    for i, ((column, title, axis_format, hover_format), domain) in enumerate(
        zip(SERVICE_PANELS, domains, strict=True)
    ):
        xaxis, yaxis, x, y = _axis_names(i)
        for case, frame in cases:
            data.append(
                {
                    "type": "scatter",
                    "x": frame["month"].to_numpy(),
                    "y": frame[column].to_numpy(),
                    "xaxis": x,
                    "yaxis": y,
                    "name": text.t(f"case.{case}"),
                    "legendgroup": case,
                    "showlegend": i == 0,
                    "mode": "lines",
                    "line": _line(
                        case,
                        SCENARIO_COLOR if case == "scenario" else BASELINE_COLOR,
                        3 if case == "scenario" else 2,
                    ),
                    "hovertemplate": f"%{{y:{hover_format}}}",
                }
            )
        layout[xaxis] = month_axis(domain=domain, anchor=y)
        layout[yaxis] = {"anchor": x, "tickformat": axis_format}
        annotations.append(_panel_title(text.t(title), domain))
    return figure(
        data,
        text.t("chart.service.title"),
        text.t("chart.service.subtitle"),
        height=380,
        top=110,
        annotations=annotations,
        **layout,
    )


def km_fit_figure(
    calibration: Calibration,
    *,
    core: str | None = None,
) -> go.Figure:
    """Observed (Kaplan-Meier steps) against the fitted curve the model uses, one colour per
    segment: the sBG survival, or, where the model uses constant churn (``uses_constant_churn``),
    the geometric survival (1 - c)^t at that constant monthly churn c, labelled as such.

    A segment's ``entry_months`` e is above 0 when the table is left-truncated: the
    Kaplan-Meier curve then starts at 1 at e, so the fitted curve is shown as S(t) / S(e).
    Segments without a fit show only their observed steps.
    """
    names = [s.name for s in calibration.segments]
    colors = segment_colors(names, core if core is not None else names[0])
    truncated = any(s.entry_months > 0 for s in calibration.segments)
    data: list[dict] = []
    for segment in calibration.segments:
        entry = float(segment.entry_months)
        km = segment.km[segment.km["time"] > entry]
        times = [entry, *km["time"].tolist()]
        survival = [1.0, *km["survival"].tolist()]
        color = colors[segment.name]
        width = 3.0 if segment.name == core else 2.0
        data.append(
            {
                "type": "scatter",
                "x": times,
                "y": survival,
                "mode": "lines",
                "line": {"color": color, "width": width, "shape": "hv"},
                "name": text.t("chart.km.observed", markup=PLOTLY, segment=segment.name),
                "hovertemplate": "%{y:.1%}",
            }
        )
        if segment.fit is None:
            continue
        grid = np.linspace(entry, max(times[-1], entry + 1.0), 200)
        constant = segment.uses_constant_churn
        if constant:
            fitted = (1.0 - segment.constant_churn) ** (grid - entry)
        else:
            alpha, beta = segment.fit.alpha, segment.fit.beta
            fitted = np.asarray(sbg_survival(alpha, beta, grid)) / float(
                sbg_survival(alpha, beta, entry)
            )
        data.append(
            {
                "type": "scatter",
                "x": grid,
                "y": fitted,
                "mode": "lines",
                "line": {"color": color, "width": width, "dash": "dash"},
                "name": text.t(
                    "chart.km.constant" if constant else "chart.km.fitted",
                    markup=PLOTLY,
                    segment=segment.name,
                ),
                "hovertemplate": "%{y:.1%}",
            }
        )
    subtitle = "chart.km.subtitle_truncated" if truncated else "chart.km.subtitle"
    return figure(
        data,
        text.t("chart.km.title"),
        text.t(subtitle),
        xaxis={"title": {"text": text.t("chart.km.tenure")}},
        yaxis={"title": {"text": text.t("chart.km.survival")}, "tickformat": ".0%"},
    )


BAIN_BELIEVED = 0.80
"""Share of firms believing they deliver a superior experience (Bain & Company 2005)."""
BAIN_CUSTOMERS = 0.08
"""Share of those firms' customers who agree (Bain & Company 2005)."""


def perception_gap_figure(believed: float, top_box: float) -> go.Figure:
    """What management believes against what customers say, beside the Bain 2005 finding.

    Two groups of two bars: this firm (``believed``, the share management thinks rates the
    service excellent, and ``top_box``, the share of customers who do) and the Bain benchmark
    (80 % of firms believe they are superior; 8 % of their customers agree). Shares are 0-1.
    """
    groups = [text.t("chart.gap.yours"), text.t("chart.gap.bain")]
    bars = (
        ("chart.gap.management", BASELINE_COLOR, [believed, BAIN_BELIEVED]),
        ("chart.gap.customers", CORE_COLOR, [top_box, BAIN_CUSTOMERS]),
    )
    data = [
        {
            "type": "bar",
            "x": groups,
            "y": values,
            "name": text.t(key),
            "marker": {"color": color},
            "text": [text.percent(v, 0) for v in values],
            "textposition": "outside",
            "hovertemplate": "%{y:.0%}<extra>%{fullData.name}</extra>",
        }
        for key, color, values in bars
    ]
    return figure(
        data,
        text.t("chart.gap.title"),
        text.t("chart.gap.subtitle"),
        barmode="group",
        yaxis={"tickformat": ".0%", "range": [0, 1.12]},
    )


def price_months(scenario: Scenario) -> tuple[int | None, int | None]:
    """Months to mark on the charts: (new price, notice); None when the price does not change."""
    if not scenario.changes_price:
        return None, None
    return scenario.price_change_month, scenario.notice_month


SCENARIO_FIGURES = ("customers", "revenue", "cash_flow", "who_leaves", "service")
"""Keys of :func:`scenario_figures`, in the Scenario page's reading order."""


def scenario_figures(
    evaluation: Evaluation, business: Business, scenario: Scenario
) -> dict[str, go.Figure]:
    """The Scenario page's five charts by :data:`SCENARIO_FIGURES` key (the page, the decision
    memo and its PNG files all draw these)."""
    new_price, notice = price_months(scenario)
    core, currency = business.core, business.currency
    return {
        "customers": customers_figure(
            evaluation.monthly, core=core, price_change_month=new_price, notice_month=notice
        ),
        "revenue": revenue_figure(
            evaluation.monthly, currency=currency, price_change_month=new_price
        ),
        "cash_flow": cash_flow_figure(
            evaluation.cumulative_cash_flow_difference,
            payback_month=evaluation.payback_month,
            currency=currency,
        ),
        "who_leaves": who_leaves_figure(evaluation.segments, core=core, currency=currency),
        "service": service_figure(evaluation.scenario.service, evaluation.baseline.service),
    }
