"""The decision memo: one self-contained HTML page to send or print, and the charts as PNGs.

:func:`memo_html` puts on one page what the Scenario page shows: the plan in words, the
verdict, the KPI cards as tables, the break-even readouts, where a price rise stops paying (the
price-response view's sentences and charts), the five monthly charts (interactive Plotly, with
plotly.js embedded once, so the file opens offline) and every parameter in use with its source
and the evidence behind it (its grade in words), the price and fee response together.
Everything that comes from the user (business and segment names, the share link) is
HTML-escaped: the page strings it reuses hold such text escaped for Markdown
(:mod:`ui.literal`), which :func:`_inline` writes as the literal characters. No Streamlit here,
so the memo is tested as a string.

:func:`chart_pngs` draws the same charts as PNG images through Kaleido, which drives an
installed Chromium (Debian's ``chromium``; ``BROWSER_PATH`` or ``CHROMIUM_PATH`` point to
another). Without one it returns None and logs why; the memo itself never needs a browser.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import html
import io
import logging
import math
import os
import re
import shutil
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from simulator import Business, Evaluation, Scenario
from simulator.decisions.price_curve import PriceCurve
from ui import charts, kpis, price_view, text
from ui.literal import PLAIN, WORD_JOINER
from ui.sections import SECTIONS, section_rows

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
MODEL_DOC = "docs/model.md"
"""Where the model behind every number is described (path in the repository)."""
CHART_CONFIG = {"displaylogo": False, "responsive": True}
PNG_OPTS = {"format": "png", "width": 1000, "scale": 2}
"""Kaleido layout options: 1000 px wide at twice the pixel density; height from the figure."""
KALEIDO_TIMEOUT_S = 90
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER_VARIABLES = ("BROWSER_PATH", "CHROMIUM_PATH")
"""Environment variables naming a Chromium executable, read in this order before PATH."""
GROUPS = SECTIONS
"""Sections of the parameter table (:mod:`ui.sections`), in memo order: as on the Assumptions
page, the price and fee response together."""
KPI_SECTIONS = ("memo.kpi.value", "memo.kpi.customers", "memo.kpi.service")

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1d2330; margin: 0 auto; max-width: 1100px; padding: 24px 32px; line-height: 1.45; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 28px 0 8px; border-bottom: 2px solid #e3e6ec;
  padding-bottom: 4px; }
h3 { font-size: 1.05rem; margin: 18px 0 6px; }
.meta, .note, footer { color: #5b6270; font-size: 0.9rem; }
.verdict { border-left: 6px solid; border-radius: 4px; padding: 12px 16px; font-size: 1.1rem;
  font-weight: 600; }
.verdict.good { background: #e8f5ec; border-color: #2e7d4f; color: #1b4d31; }
.verdict.mixed { background: #fff6e0; border-color: #c98a00; color: #5c4100; }
.verdict.bad { background: #fdecec; border-color: #c44e52; color: #6d1f22; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; margin: 4px 0 12px; }
th, td { border: 1px solid #dde1e8; padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f3f5f8; }
table.kpis { table-layout: fixed; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.source-assumption td.source { background: #fff3d6; font-weight: 600; }
tr.source-user td.source { background: #e6effa; }
.chart { break-inside: avoid; margin: 8px 0 20px; border: 1px solid #e3e6ec;
  border-radius: 4px; }
a { color: #1f4e8c; word-break: break-all; }
footer { margin-top: 32px; border-top: 1px solid #e3e6ec; padding-top: 8px; }
@media print { body { padding: 0; max-width: none; } h2 { break-after: avoid; }
  table, .verdict { break-inside: avoid; } }
"""


@functools.cache
def app_version() -> str | None:
    """The version in pyproject.toml, or None where the file is not shipped."""
    try:
        with (ROOT / "pyproject.toml").open("rb") as file:
            return tomllib.load(file)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


_MARKDOWN_TEXT = re.compile(r"\\([!-/:-@\[-`{-~])|&(?:amp|lt|gt);|[&<>\"']|" + WORD_JOINER)


def _html_text(markdown: str) -> str:
    """The page's Markdown as HTML text, markup characters left as they are: a backslash-escaped
    character (as :func:`ui.literal.literal` writes user text) as a numeric character reference,
    so it is never taken for markup below, the references ``&amp;``, ``&lt;`` and ``&gt;`` kept,
    any other ``&<>"'`` escaped, word joiners dropped."""

    def one(match: re.Match) -> str:
        escaped, found = match.group(1), match.group()
        if escaped:
            return f"&#{ord(escaped)};"
        if found == WORD_JOINER:
            return ""
        return found if len(found) > 1 else _esc(found)  # a reference, or one character

    return _MARKDOWN_TEXT.sub(one, markdown)


def _inline(markdown: str) -> str:
    """One line of the page's Markdown as HTML: user text literal, ``**bold**`` and ``*italic*``
    of the app's own strings kept."""
    bold = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", _html_text(markdown))
    return re.sub(r"\*(\S.*?)\*", r"<em>\1</em>", bold)


def _paragraphs(lines: Sequence[str]) -> str:
    """Markdown lines as paragraphs; lines starting with ``"- "`` become one list."""
    parts, items = [], []
    for line in [*lines, ""]:
        if line.startswith("- "):
            items.append(f"<li>{_inline(line[2:])}</li>")
            continue
        if items:
            parts.append(f"<ul>{''.join(items)}</ul>")
            items = []
        if line:
            parts.append(f"<p>{_inline(line)}</p>")
    return "\n".join(parts)


def _table(headers: Sequence[str], rows: Sequence[str], *, cls: str = "") -> str:
    """A table with escaped ``headers`` over already-built ``<tr>`` rows."""
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join(rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _kpi_table(cards: Sequence[kpis.Kpi]) -> str:
    """Label, value and change against no change of each card (the card's help as tooltip)."""
    rows = [
        f'<tr><td title="{_html_text(card.help or "")}">{_html_text(card.label)}</td>'
        f'<td class="num">{_html_text(card.value)}</td>'
        f'<td class="num">{_html_text(card.delta or text.t("value.none"))}</td></tr>'
        for card in cards
    ]
    headers = (text.t("memo.column.kpi"), text.t("memo.column.plan"), text.t("memo.column.change"))
    return _table(headers, rows, cls="kpis")


def _kpis(evaluation: Evaluation, business: Business, scenario: Scenario) -> str:
    """The three rows of cards of the Scenario page, one table each."""
    cards = (
        kpis.value_cards(evaluation, scenario, business.currency),
        kpis.customer_cards(evaluation, business, scenario),
        kpis.customer_value_cards(evaluation, business),
    )
    return "\n".join(
        f"<h3>{_esc(text.t(key))}</h3>{_kpi_table(row)}"
        for key, row in zip(KPI_SECTIONS, cards, strict=True)
    )


def _chart(name: str, figure: go.Figure, *, with_plotlyjs: bool) -> str:
    """One interactive chart; ``with_plotlyjs`` embeds the plotly.js library before it."""
    div = pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=with_plotlyjs,
        config=CHART_CONFIG,
        div_id=f"memo-chart-{name}",
    )
    return f'<div class="chart">{div}</div>'


def _charts(figures: Mapping[str, go.Figure], *, first: bool = True) -> str:
    """Every figure as an interactive chart; plotly.js is embedded with the first one only when
    these are the document's ``first`` charts."""
    return "\n".join(
        _chart(name, figure, with_plotlyjs=first and i == 0)
        for i, (name, figure) in enumerate(figures.items())
    )


def value_text(value: object) -> str:
    """A parameter value for reading, in the current language: yes/no, whole numbers grouped,
    six significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return text.t("value.none")
    if isinstance(value, bool):
        return text.t("value.yes" if value else "value.no")
    if isinstance(value, int):
        return text.number(value)
    if isinstance(value, float):
        return text.number(value) if value.is_integer() else text.significant(value)
    return str(value)


PARAMETER_COLUMNS = {
    "owner": "memo.column.owner",
    "parameter": "column.parameter",
    "value": "column.value",
    "unit": "column.unit",
    "source": "column.source",
    "grade": "column.grade",
    "reference": "column.reference",
}
"""Columns of the assumption tables and their headers; "owner" is the segment or lever."""
OPTIONAL_COLUMNS = ("owner", "reference")
"""Left out of a group's table when empty in every row."""
CELL_CLASSES = {"value": "num", "source": "source"}


def _parameter_cells(rows: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The rows of one group as text, columns :data:`PARAMETER_COLUMNS` less empty optional
    ones."""
    lever = rows["group"] == "lever"
    cells = pd.DataFrame(
        {
            "owner": rows["segment"].where(~lever, rows["segment"].map(text.lever_label)),
            "parameter": rows["parameter"].map(text.parameter_label),
            "value": rows["value"].map(value_text),
            "unit": rows["unit"].map(lambda unit: text.unit_label(unit, currency)),
            "source": rows["source"].map(text.source_label),
            "grade": rows["grade"].map(text.grade_label),
            "reference": rows["reference"].fillna("").map(text.reference_label),
        }
    )
    empty = [c for c in OPTIONAL_COLUMNS if (cells[c].astype(str).str.strip() == "").all()]
    return cells.drop(columns=empty)


def _parameter_table(rows: pd.DataFrame, currency: str) -> str:
    """One group's parameters as a table, each row classed by its source."""
    cells = _parameter_cells(rows, currency)
    body = [
        f'<tr class="source-{_esc(source)}">'
        + "".join(
            f'<td class="{CELL_CLASSES.get(column, "")}">{_esc(cell)}</td>'
            for column, cell in zip(cells.columns, values, strict=True)
        )
        + "</tr>"
        for source, values in zip(rows["source"], cells.itertuples(index=False), strict=True)
    ]
    headers = [text.t(PARAMETER_COLUMNS[column]) for column in cells.columns]
    return _table(headers, body, cls="assumptions")


def _assumptions(parameters: pd.DataFrame, currency: str) -> str:
    """Every parameter, one table per group, with value, unit, source and reference."""
    counts = kpis.source_counts(parameters).drop(index="scenario", errors="ignore")
    caption = text.t(
        "memo.sources_caption",
        assumptions=int(counts["assumption"].sum()),
        total=int(counts["total"].sum()),
    )
    parts = [f'<p class="note">{_esc(caption)}</p>']
    for group in GROUPS:
        rows = section_rows(parameters, group)
        if rows.empty:
            continue
        note = f"group.{group}.note"
        parts.append(f"<h3>{_esc(text.t(f'group.{group}'))}</h3>")
        if text.has(note):
            parts.append(f'<p class="note">{_inline(text.t(note))}</p>')
        parts.append(_parameter_table(rows, currency))
    return "\n".join(parts)


def _footer(created: datetime.datetime) -> str:
    version = app_version()
    made = text.t(
        "memo.footer",
        version=text.t("memo.version", version=version) if version else "",
        date=text.date(created.date()),
        time=text.time(created),
        model=MODEL_DOC,
    )
    return f"<footer><p>{_esc(made)}</p><p>{_esc(text.t('memo.charts_note'))}</p></footer>"


def _link(link: str | None) -> str:
    if not link:
        return ""
    target = _esc(link)
    return f'<p class="meta">{_esc(text.t("memo.link"))} <a href="{target}">{target}</a></p>'


def _price_response(
    curve: PriceCurve,
    point: pd.Series,
    evaluation: Evaluation,
    business: Business,
    scenario: Scenario,
) -> str:
    """The Scenario page's price-response view: its two sentences, its three charts (plotly.js
    embedded with the first: they are the memo's first charts) and its caption."""
    sentences = [
        price_view.headline(curve, business.currency),
        price_view.plan_sentence(point, business.currency),
    ]
    figures = price_view.figures(curve, evaluation, business, scenario)
    caption = text.t("price_view.caption", period=text.period(scenario.horizon_months))
    return "\n".join(
        (
            f"<h2>{_esc(text.t('price_view.header'))}</h2>",
            _paragraphs(sentences),
            _charts({f"price_{name}": figure for name, figure in figures.items()}),
            f'<p class="note">{_inline(caption)}</p>',
        )
    )


def memo_html(
    *,
    business: Business,
    scenario: Scenario,
    evaluation: Evaluation,
    parameters: pd.DataFrame,
    created: datetime.datetime,
    link: str | None,
    price_curve: PriceCurve | None = None,
    plan_point: pd.Series | None = None,
) -> str:
    """The decision memo of ``scenario`` for ``business`` as one HTML document.

    ``evaluation`` is :func:`simulator.decisions.evaluate` of the two and ``parameters`` their
    :func:`simulator.model.assumptions.parameter_table`; ``created`` is printed as the memo's date
    and ``link`` (the share link, if any) as a link back to the app. ``price_curve`` and
    ``plan_point`` are the price-response view's (:func:`ui.price_view.curve` and
    :func:`ui.price_view.plan_point`), computed here when not given. The document is UTF-8,
    embeds plotly.js once and loads nothing from the network, so it opens offline.
    """
    curve = price_curve or price_view.curve(business, scenario)
    point = plan_point if plan_point is not None else price_view.plan_point(business, scenario)
    title = text.t("memo.title", markup=PLAIN, business=text.business_name(business.name))
    tone = kpis.tone(evaluation, business)
    sections = (
        f"<h1>{_esc(title)}</h1>",
        f'<p class="meta">{_esc(text.t("memo.created", date=text.date(created.date())))}</p>',
        _link(link),
        f"<h2>{_esc(text.t('memo.plan_header'))}</h2>",
        f"<p>{_esc(text.describe_scenario(scenario, business.currency))}</p>",
        f'<p class="verdict {tone}">{_inline(kpis.verdict(evaluation, business, scenario))}</p>',
        f"<h2>{_esc(text.t('scenario.kpi_header'))}</h2>",
        _kpis(evaluation, business, scenario),
        f"<h2>{_esc(text.t('scenario.breakeven_header'))}</h2>",
        _paragraphs(kpis.breakeven_lines(evaluation, business)),
        f'<p class="note">{_inline(text.t("breakeven.caption"))}</p>',
        _price_response(curve, point, evaluation, business, scenario),
        f"<h2>{_esc(text.t('scenario.charts_header'))}</h2>",
        _charts(charts.scenario_figures(evaluation, business, scenario), first=False),
        f"<h2>{_esc(text.t('memo.assumptions_header'))}</h2>",
        _assumptions(parameters, business.currency),
        _footer(created),
    )
    body = "\n".join(part for part in sections if part)
    return (
        f'<!DOCTYPE html>\n<html lang="{_esc(text.language())}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def browser_path() -> str | None:
    """The Chromium Kaleido should drive: ``BROWSER_PATH``, ``CHROMIUM_PATH``, else on PATH."""
    for variable in BROWSER_VARIABLES:
        if path := os.environ.get(variable):
            return path
    return next(filter(None, map(shutil.which, BROWSER_NAMES)), None)


async def _render(figures: Mapping[str, go.Figure], browser: str) -> dict[str, bytes]:
    """Every figure as PNG bytes, in one browser session (MathJax off: it loads from a CDN)."""
    import kaleido  # ~0.3 s to import; only when images are asked for

    async with kaleido.Kaleido(path=browser, mathjax=False, timeout=KALEIDO_TIMEOUT_S) as draw:
        return {
            name: await draw.calc_fig(figure, opts=PNG_OPTS) for name, figure in figures.items()
        }


def chart_pngs(figures: Mapping[str, go.Figure]) -> dict[str, bytes] | None:
    """``figures`` as PNG images by name, or None (with the reason logged) when no Chromium is
    found or Kaleido fails. Takes a few seconds: it starts a headless browser."""
    browser = browser_path()
    if browser is None:
        logger.warning("No PNG charts: no Chromium found (set BROWSER_PATH to one).")
        return None
    try:
        return asyncio.run(_render(figures, browser))
    except Exception as error:  # Kaleido and choreographer raise many kinds: browser, timeout
        logger.warning("No PNG charts: Kaleido failed with %s (browser %s).", error, browser)
        return None


def charts_zip(pngs: Mapping[str, bytes], *, note: str | None = None) -> bytes:
    """A zip archive of the images, one ``<name>.png`` each, and ``note`` as README.txt."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, png in pngs.items():
            archive.writestr(f"{name}.png", png, compress_type=zipfile.ZIP_STORED)
        if note is not None:
            archive.writestr("README.txt", note + "\n")
    return buffer.getvalue()
