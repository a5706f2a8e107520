"""Uncertainty page views: the sentence, the headline cards and the Plotly figures.

No Streamlit here (figures and words are tested as objects). Inputs are the results of
:mod:`simulator.decisions.uncertainty`; the look follows :mod:`ui.charts` (the plan solid, doing
nothing dashed, money axes naming the currency).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from simulator import Business, Scenario
from simulator.decisions.evaluate import BREAKEVEN_SCALE_MAX
from simulator.decisions.priors import FAILURE_PATH
from simulator.decisions.uncertainty import MonteCarlo
from ui import text
from ui.charts import (
    BASELINE_COLOR,
    GAIN_FILL,
    HEIGHT,
    SCENARIO_COLOR,
    figure,
    hline,
    month_axis,
    vline,
)
from ui.kpis import Kpi
from ui.literal import PLAIN, PLOTLY, literal

DRAW_CHOICES = (500, 1000, 2000, 5000)
BAND90_FILL = "rgba(31, 78, 140, 0.15)"
BAND50_FILL = "rgba(31, 78, 140, 0.32)"
GAIN_COLOR = "#2a9d8f"
LOSS_COLOR = "#c44e52"
LOW_COLOR = "#e07b1f"
HIGH_COLOR = "#1f4e8c"
LABEL_BACKGROUND = "rgba(255, 255, 255, 0.85)"
TOP_DRIVERS = 12
HISTOGRAM_BINS = 40
MEASURES = ("customers", "revenue", "cumulative_cash_flow")


def changes_nothing(scenario: Scenario) -> bool:
    """True when the scenario has no price change, fee or service budget."""
    return not scenario.changes_price and scenario.service_spend_per_month == 0


LOSS_STEPS = (1, 2, 5)
"""The loss threshold moves in 1-2-5 steps (per power of ten), like a log scale."""


def default_loss(mc: MonteCarlo) -> float:
    """A round loss threshold on the :func:`loss_options` ladder: the 1-2-5 amount nearest
    (on a log scale) to 5 % of doing nothing's median NPV; 0 when that NPV is 0 or unknown."""
    base = abs(float(np.median(mc.baseline.npv))) * 0.05
    if not math.isfinite(base) or base <= 0:
        return 0.0
    ladder = _ladder(math.floor(math.log10(base)) - 1, 3)
    return min(ladder, key=lambda amount: abs(math.log10(amount / base)))


def loss_options(default: float) -> list[float]:
    """The amounts the loss threshold slider offers: 0, then 1-2-5 steps over four powers of
    ten, two below ``default``'s and one above (1,000 to 5,000,000 for 500,000; 10 to 50,000
    when ``default`` is 0), never below 1."""
    power = math.floor(math.log10(default)) if default > 0 else 3
    return [0.0, *_ladder(power - 2, 4)]


def _ladder(first_power: int, powers: int) -> list[float]:
    """1-2-5 amounts over ``powers`` powers of ten from ``10 ** first_power`` (at least 1)."""
    return [
        float(step * 10**power)
        for power in range(max(0, first_power), max(0, first_power) + powers)
        for step in LOSS_STEPS
    ]


def sentence(mc: MonteCarlo, *, loss: float, currency: str) -> str:
    """What an executive can read aloud: how often the plan wins, by how much, and the risks."""
    p = mc.probability_beats_baseline
    if p >= 0.995:
        opening = text.t("unc.sentence.all")
    elif p <= 0.005:
        opening = text.t("unc.sentence.none")
    else:
        opening = text.t("unc.sentence.some", n=min(9, max(1, round(10 * p))))
    period = text.period(mc.horizon_months)
    out = opening + text.t(
        "unc.sentence.value",
        period=period,
        median=text.signed_money(mc.delta_npv_quantile(0.5), currency, compact=True),
        low=text.signed_money(mc.delta_npv_quantile(0.1), currency, compact=True),
        high=text.signed_money(mc.delta_npv_quantile(0.9), currency, compact=True),
    )
    out += text.t(
        "unc.sentence.loss",
        amount=text.money(loss, currency, compact=True),
        probability=text.percent(mc.probability_of_loss(loss), 0),
    )
    share = mc.probability_payback_within_horizon
    if share > 0:
        out += text.t("unc.sentence.payback", period=period, share=text.percent(share, 0))
    else:
        out += text.t("unc.sentence.never_pays_back", period=period)
    return out


def tone(mc: MonteCarlo) -> str:
    """Colour of the sentence box: good above a 4-in-5 chance, bad below 1-in-2, else mixed."""
    p = mc.probability_beats_baseline
    return "good" if p >= 0.8 else "bad" if p < 0.5 else "mixed"


def headline_cards(mc: MonteCarlo, *, loss: float, currency: str) -> list[Kpi]:
    """P(beat), median and 80 % interval of the NPV difference, P(loss > X), P(payback)."""
    period = text.period(mc.horizon_months)
    amount = text.money(loss, currency, compact=True)
    low = text.signed_money(mc.delta_npv_quantile(0.1), currency, compact=True)
    high = text.signed_money(mc.delta_npv_quantile(0.9), currency, compact=True)
    return [
        Kpi(
            label=text.t("unc.kpi.beat"),
            value=text.percent(mc.probability_beats_baseline, 0),
            help=text.t(
                "unc.kpi.beat.help",
                se=text.signed_points(mc.standard_error).lstrip("+"),
                draws=text.number(mc.draws),
            ),
        ),
        Kpi(
            label=text.t("unc.kpi.median"),
            value=text.signed_money(mc.delta_npv_quantile(0.5), currency, compact=True),
            help=text.t("unc.kpi.median.help", period=period),
        ),
        Kpi(
            label=text.t("unc.kpi.interval"),
            value=text.t("unc.kpi.interval.value", low=low, high=high),
            help=text.t("unc.kpi.interval.help"),
        ),
        Kpi(
            label=text.t("unc.kpi.loss", amount=amount),
            value=text.percent(mc.probability_of_loss(loss), 0),
            help=text.t("unc.kpi.loss.help", amount=text.money(loss, currency)),
        ),
        Kpi(
            label=text.t("unc.kpi.payback", period=period),
            value=text.percent(mc.probability_payback_within_horizon, 0),
            help=text.t("unc.kpi.payback.help"),
        ),
    ]


def precision(mc: MonteCarlo) -> str:
    """Caption: draws, seed and the sampling error of P(beat)."""
    return text.t(
        "unc.precision",
        draws=text.number(mc.draws),
        seed=mc.seed,
        se=text.signed_points(mc.standard_error).lstrip("+"),
    )


SEGMENT_LABEL_CHARS = 24
"""Longest segment name in a category label on a bar chart's axis: a long name is cut with an
ellipsis (the hover shows the same), so the chart keeps its width."""


def label(path: str, kind: str = "parameter") -> str:
    """Readable label of a drawn parameter path or a scenario setting, for a chart's category
    axis (Plotly's HTML: a segment's name as literal text, cut to :data:`SEGMENT_LABEL_CHARS`)."""
    parts = path.split(".")
    if path == FAILURE_PATH:
        return text.t("unc.param.failure")
    if parts[0] == "segments":
        segment = literal(".".join(parts[1:-1]), PLAIN, limit=SEGMENT_LABEL_CHARS)
        parts = ["segments", segment, parts[-1]]
        if parts[-1] in ("sbg", "sbg_alpha", "sbg_beta"):
            return text.t(f"unc.param.{parts[-1]}", markup=PLOTLY, segment=segment)
    shown = text.path_label(".".join(parts))
    if kind == "setting":
        return text.t("unc.param.setting", markup=PLOTLY, label=shown)
    return literal(shown, PLOTLY)


def source_counts(tornado: pd.DataFrame) -> dict[str, int]:
    """Uncertain parameters by source: total, assumptions, data, user."""
    sources = tornado.loc[tornado["kind"] == "parameter", "source"]
    return {
        "total": int(sources.size),
        "assumptions": int((sources == "assumption").sum()),
        "data": int((sources == "data").sum()),
        "user": int((sources == "user").sum()),
    }


def _axis_money(symbol: str, key: str) -> dict:
    return {"title": {"text": text.t(key, symbol=symbol)}, "tickformat": "~s"}


def _band(months: np.ndarray, low: np.ndarray, high: np.ndarray, fill: str, name: str) -> list:
    return [
        {
            "type": "scatter",
            "x": months,
            "y": low,
            "mode": "lines",
            "line": {"width": 0},
            "hoverinfo": "skip",
            "showlegend": False,
            "legendgroup": name,
        },
        {
            "type": "scatter",
            "x": months,
            "y": high,
            "mode": "lines",
            "line": {"width": 0},
            "fill": "tonexty",
            "fillcolor": fill,
            "name": name,
            "hoverinfo": "skip",
            "legendgroup": name,
        },
    ]


def _bands(rows: pd.DataFrame) -> list:
    months = rows["month"].to_numpy()
    return _band(
        months,
        rows["p05"].to_numpy(),
        rows["p95"].to_numpy(),
        BAND90_FILL,
        text.t("unc.fan.band90"),
    ) + _band(
        months,
        rows["p25"].to_numpy(),
        rows["p75"].to_numpy(),
        BAND50_FILL,
        text.t("unc.fan.band50"),
    )


def _hover(measure: str, symbol: str) -> str:
    return "%{y:,.0f}" if measure == "customers" else f"{symbol}%{{y:,.0f}}"


def _y_axis(measure: str, symbol: str) -> dict:
    if measure == "customers":
        return {"title": {"text": text.t("unc.fan.customers.y")}, "tickformat": ",.0f"}
    return _axis_money(symbol, f"unc.fan.{measure}.y")


def fan_figure(fan: pd.DataFrame, measure: str, *, currency: str) -> go.Figure:
    """The plan's fan (median, 50 % and 90 % bands) with doing nothing's median dashed.

    ``fan`` is :meth:`simulator.decisions.uncertainty.MonteCarlo.fan`; ``measure`` one of its
    measures.
    """
    symbol = text.currency_symbol(currency).strip()
    scn = fan[(fan["measure"] == measure) & (fan["case"] == "scenario")]
    base = fan[(fan["measure"] == measure) & (fan["case"] == "baseline")]
    data = _bands(scn) + [
        {
            "type": "scatter",
            "x": scn["month"].to_numpy(),
            "y": scn["p50"].to_numpy(),
            "name": text.t("unc.fan.median"),
            "mode": "lines",
            "line": {"color": SCENARIO_COLOR, "width": 3},
            "hovertemplate": _hover(measure, symbol),
        },
        {
            "type": "scatter",
            "x": base["month"].to_numpy(),
            "y": base["p50"].to_numpy(),
            "name": text.t("unc.fan.baseline"),
            "mode": "lines",
            "line": {"color": BASELINE_COLOR, "width": 2, "dash": "dash"},
            "hovertemplate": _hover(measure, symbol),
        },
    ]
    return figure(
        data,
        text.t(f"unc.fan.{measure}.title"),
        text.t("unc.fan.subtitle"),
        xaxis=month_axis(),
        yaxis=_y_axis(measure, symbol),
    )


def difference_figure(fan: pd.DataFrame, measure: str, *, currency: str) -> go.Figure:
    """The fan of the plan minus doing nothing (paired draw by draw), with the zero line."""
    symbol = text.currency_symbol(currency).strip()
    rows = fan[(fan["measure"] == measure) & (fan["case"] == "difference")]
    data = _bands(rows) + [
        {
            "type": "scatter",
            "x": rows["month"].to_numpy(),
            "y": rows["p50"].to_numpy(),
            "name": text.t("unc.fan.median_difference"),
            "mode": "lines",
            "line": {"color": SCENARIO_COLOR, "width": 3},
            "hovertemplate": _hover(measure, symbol),
        }
    ]
    return figure(
        data,
        text.t("unc.fan.difference.title", measure=text.t(f"unc.tab.{measure}")),
        text.t("unc.fan.difference.subtitle"),
        xaxis=month_axis(),
        yaxis=_y_axis(measure, symbol),
        shapes=[hline(0.0)],
    )


def histogram_figure(mc: MonteCarlo, *, currency: str) -> go.Figure:
    """Histogram of the NPV difference: gains green, losses red, zero and the median marked."""
    symbol = text.currency_symbol(currency).strip()
    values = mc.delta_npv
    low, high = float(values.min()), float(values.max())
    if high - low <= 1e-9 * max(1.0, abs(high)):
        low, high = low - 0.5, high + 0.5
    # Zero is a bin edge, so no bar mixes gains and losses.
    width = (high - low) / HISTOGRAM_BINS
    edges = width * np.arange(math.floor(low / width), math.ceil(high / width) + 1)
    counts, edges = np.histogram(values, bins=edges)
    centers, widths = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
    share = counts / values.size
    data = []
    for name, mask, color in (
        (text.t("unc.hist.gain"), centers >= 0, GAIN_COLOR),
        (text.t("unc.hist.loss"), centers < 0, LOSS_COLOR),
    ):
        data.append(
            {
                "type": "bar",
                "x": centers[mask],
                "y": share[mask],
                "width": widths[mask],
                "name": name,
                "marker": {"color": color, "line": {"width": 0}},
                "hovertemplate": f"{symbol}%{{x:,.0f}}: %{{y:.1%}}<extra></extra>",
            }
        )
    median = mc.delta_npv_quantile(0.5)
    annotations = [
        {
            "text": text.t("unc.hist.zero"),
            "x": 0,
            "xref": "x",
            "y": 1,
            "yref": "y domain",
            "xanchor": "right",
            "yanchor": "top",
            "showarrow": False,
            "bgcolor": LABEL_BACKGROUND,
        },
        {
            "text": text.t(
                "unc.hist.median", amount=text.signed_money(median, currency, compact=True)
            ),
            "x": median,
            "xref": "x",
            "y": 0.9,  # a line below "no difference", which it meets when the median is near 0
            "yref": "y domain",
            "xanchor": "left",
            "yanchor": "top",
            "showarrow": False,
            "bgcolor": LABEL_BACKGROUND,
        },
    ]
    zero = vline(0.0) | {"line": {"color": "#222222", "width": 2}}
    return figure(
        data,
        text.t("unc.hist.title"),
        text.t("unc.hist.subtitle", period=text.period(mc.horizon_months)),
        xaxis={"title": {"text": text.t("unc.hist.x", symbol=symbol)}, "tickformat": "~s"},
        yaxis={"title": {"text": text.t("unc.hist.y")}, "tickformat": ".0%"},
        bargap=0,
        hovermode="closest",
        shapes=[zero, vline(median)],
        annotations=annotations,
    )


def payback_figure(mc: MonteCarlo) -> go.Figure:
    """Share of futures paid back by each month (a rising step line)."""
    dist = mc.payback_distribution()
    data = [
        {
            "type": "scatter",
            "x": dist["month"].to_numpy(),
            "y": dist["share"].to_numpy(),
            "name": text.t("unc.payback.line"),
            "mode": "lines",
            "line": {"color": SCENARIO_COLOR, "width": 3, "shape": "hv"},
            "fill": "tozeroy",
            "fillcolor": GAIN_FILL,
            "hovertemplate": "%{y:.0%}",
        }
    ]
    return figure(
        data,
        text.t("unc.payback.title"),
        text.t("unc.payback.subtitle"),
        xaxis=month_axis(),
        yaxis={
            "title": {"text": text.t("unc.payback.y")},
            "tickformat": ".0%",
            "range": [0, 1.02],
        },
        showlegend=False,
    )


def _value(value: float) -> str:
    """A parameter value in three significant digits (money, rates and months alike)."""
    if value == 0 or not math.isfinite(value):
        return text.number(value)
    decimals = max(0, 2 - math.floor(math.log10(abs(value))))
    return text.number(value, decimals=min(decimals, 6))


def tornado_figure(tornado: pd.DataFrame, *, currency: str, top: int = TOP_DRIVERS) -> go.Figure:
    """Horizontal bars from the central value added to its value with each estimate low/high.

    ``tornado`` is :func:`simulator.decisions.uncertainty.tornado` (sorted by swing); the ``top``
    rows are shown, the largest swing at the top.
    """
    symbol = text.currency_symbol(currency).strip()
    rows = tornado.head(top).iloc[::-1]  # Plotly draws the first category at the bottom
    central = float(tornado.attrs.get("delta_npv_central", 0.0))
    labels = [label(p, k) for p, k in zip(rows["path"], rows["kind"], strict=True)]
    data = []
    for side, color, name in (
        ("low", LOW_COLOR, text.t("unc.tornado.low")),
        ("high", HIGH_COLOR, text.t("unc.tornado.high")),
    ):
        values = rows[f"{side}_value"].to_numpy()
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": labels,
                "x": rows[f"delta_npv_{side}"].to_numpy() - central,
                "base": central,
                "name": name,
                "marker": {"color": color},
                "customdata": [_value(v) for v in values],
                "hovertemplate": (
                    text.t("unc.tornado.hover", label="%{y}", value="%{customdata}")
                    + f"<br>{symbol}%{{x:,.0f}}<extra></extra>"
                ),
            }
        )
    height = max(HEIGHT, 130 + 30 * len(rows))
    return figure(
        data,
        text.t("unc.tornado.title"),
        text.t("unc.tornado.subtitle"),
        height=height,
        barmode="overlay",
        hovermode="closest",
        xaxis={"title": {"text": text.t("unc.tornado.x", symbol=symbol)}, "tickformat": "~s"},
        yaxis={"automargin": True},
        shapes=[vline(central) | {"line": {"color": "#222222", "width": 2}}],
    )


def rank_figure(ranks: pd.DataFrame, *, top: int = TOP_DRIVERS) -> go.Figure:
    """Spearman rank correlations with value added, the strongest at the top."""
    rows = ranks.head(top).iloc[::-1]
    rho = rows["spearman"].to_numpy()
    labels = [label(p) for p in rows["path"]]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": [y for y, r in zip(labels, rho, strict=True) if (r >= 0) == positive],
            "x": rho[(rho >= 0) == positive],
            "name": text.t(key),
            "marker": {"color": color},
            "hovertemplate": "%{y}: %{x:.2f}<extra></extra>",
        }
        for positive, key, color in (
            (True, "unc.rank.positive", GAIN_COLOR),
            (False, "unc.rank.negative", LOSS_COLOR),
        )
    ]
    height = max(HEIGHT, 130 + 30 * len(rows))
    return figure(
        data,
        text.t("unc.rank.title"),
        text.t("unc.rank.subtitle"),
        height=height,
        hovermode="closest",
        xaxis={"title": {"text": text.t("unc.rank.x")}, "range": [-1, 1], "zeroline": True},
        yaxis={"automargin": True, "categoryorder": "array", "categoryarray": labels},
    )


def elasticity_note(frame: pd.DataFrame) -> str:
    """The break-even sentence for a price increase (empty frame: empty string)."""
    status = frame.attrs.get("status")
    if status == "found":
        return text.t("unc.elasticity.found", scale=text.number(frame.attrs["scale"], decimals=1))
    if status == "never_pays":
        return text.t("unc.elasticity.never_pays")
    if status == "always_pays":
        return text.t("unc.elasticity.always_pays", scale=text.number(BREAKEVEN_SCALE_MAX))
    return ""


def elasticity_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The per-segment break-even elasticity table with readable headers and numbers."""
    return pd.DataFrame(
        {
            text.t("unc.elasticity.segment"): frame["segment"],
            text.t("unc.elasticity.assumed"): frame["elasticity"].map(
                lambda v: text.number(v, decimals=2)
            ),
            text.t("unc.elasticity.breakeven"): frame["breakeven_elasticity"].map(
                lambda v: text.number(v, decimals=2)
            ),
            text.t("unc.elasticity.probability"): frame["probability_exceeds"].map(
                lambda v: text.percent(v, 1)
            ),
        }
    )


def sources_note(tornado: pd.DataFrame) -> str:
    """The "assumption, not data" note on the ranges behind the futures."""
    return text.t("unc.sources", **source_counts(tornado))


def scenario_line(business: Business, scenario: Scenario) -> str:
    """The scenario being judged, in one line."""
    return text.t("unc.scenario", scenario=text.describe_scenario(scenario, business.currency))
