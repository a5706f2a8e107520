"""Hostile text from users, links and files, and checks that a page shows it as text only.

:data:`HOSTILE` is the corpus the AppTest and browser tests push through every entry point
(share link values, the save form's name, notes and author, an uploaded file's name
(:data:`UPLOAD_FILE_NAME`), its column headers and segment values (:func:`hostile_upload`)).
:func:`markdown_problems` and :func:`plotly_problems` name every place where a string the app
hands to Streamlit's Markdown or to Plotly would still be read as markup;
:func:`page_problems` applies them to a whole AppTest page. :func:`shown` is what a reader sees
of a Markdown string the app built (escapes resolved, word joiners dropped).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from functools import cache

import pandas as pd

from ui.literal import WORD_JOINER

from .conftest import uploaded_firm

EVIL = "evil.example"
"""The one outside host in the corpus: no link, image or request may point at it."""

HOSTILE: dict[str, str] = {
    "markdown_link": f"[Session expired - click to sign in again](https://{EVIL}/login)",
    "markdown_image": f"![x](https://{EVIL}/pixel.png)",
    "html_link": f'<a href="https://{EVIL}/leg">L</a>',
    "html_image": f'<img src="https://{EVIL}/i.png" onerror="alert(1)">',
    "svg_link": f'<svg><a href="https://{EVIL}/svg"><text>S</text></a></svg>',
    "autolinks": f"https://{EVIL}/bare www.{EVIL} mail@{EVIL} <https://{EVIL}/angle>",
    "hyperlink_formula": f'=HYPERLINK("http://{EVIL}","x")',
    "formula_plus": "+cmd|' /C calc'!A0",
    "formula_minus": "-2+3",
    "formula_at": "@SUM(1+1)",
    "streamlit_markup": ":red[alert] :material/warning: :streamlit: $x^2$ **b** -- -> <= # h",
    "bidi": "Plan \u202eexe.nalp\u202c ok",
    "zero_width": "Pl\u200ban\u200d \ufeffA",
    "long": "L" * 3000 + f"[x](https://{EVIL}/long)",
}
"""Names and values an attacker would try; each is safe to show only as literal text."""

SAVEABLE = {key: value for key, value in HOSTILE.items() if key not in ("bidi", "long")}
"""The corpus a save form accepts: a name holds no text-direction character and at most 120
characters (the others are refused with a message, tested apart)."""

UPLOAD_FILE_NAME = (
    f'=HYPERLINK("http:{EVIL}") [Sign in again](http:{EVIL}) <img src=http:{EVIL} '
    "onerror=alert(1)> <svg onload=alert(1)> \u202eexe.txt\u202c @SUM(1) -2+3 :red[x] $x$.csv"
)
"""A file name an attacker can give: no "/" (no browser sends one), under 255 bytes, longer
than a page echoes."""


@cache
def hostile_upload() -> bytes:
    """The firm of :func:`tests.conftest.uploaded_firm` as CSV with every corpus value as a
    segment (its two segments become the Markdown link and the HTML image, a share of the rows
    each other value) and as a column header."""
    raw, _ = uploaded_firm()
    table = pd.read_csv(io.BytesIO(raw), dtype=str)
    values = list(HOSTILE.values())
    segment = table["segment"].map(
        {"core": HOSTILE["markdown_link"], "price-sensitive": HOSTILE["html_image"]}
    )
    spread = table.index % 40 < len(values)
    segment[spread] = [values[i % 40] for i in table.index[spread]]
    table["segment"] = segment
    for i, value in enumerate(values):
        table[f"{value} {i}"] = "x"
    return table.to_csv(index=False).encode()


_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_REFERENCE = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}


def shown(markdown: str) -> str:
    """What a reader sees of ``markdown`` as the app writes user text into it: backslash
    escapes and the references ``&lt;`` ``&gt;`` ``&amp;`` resolved, word joiners dropped (the
    app's own ``**bold**`` is left as it is)."""
    resolved = _ESCAPE.sub(r"\1", markdown)
    for reference, character in _REFERENCE.items():
        resolved = resolved.replace(reference, character)
    return resolved.replace(WORD_JOINER, "")


def _unescaped(markdown: str, characters: str) -> list[str]:
    """Characters of ``characters`` in ``markdown`` not preceded by an escaping backslash."""
    found = []
    for match in re.finditer(f"[{re.escape(characters)}]", markdown):
        backslashes = len(markdown[: match.start()]) - len(markdown[: match.start()].rstrip("\\"))
        if backslashes % 2 == 0:
            found.append(match.group())
    return found


_AUTOLINK = re.compile(r"(?i)(?:https?|ftp|mailto|xmpp):(?!\u2060)|www(?=\.)|\w@(?!\u2060)\w")
_SHORTCODE = re.compile(r":(?!\u2060)[\w+/-]+:")
_ARROWS = re.compile(r"--|<-|->|<=|>=|~=")


def markdown_problems(markdown: str) -> list[str]:
    """Why ``markdown`` (a string the app hands to Streamlit's Markdown) would still show
    markup from user text: an unescaped bracket, angle bracket or dollar (links, images, HTML,
    LaTeX), or a bare URL, e-mail address, shortcode or arrow that Streamlit's renderer turns
    into a link, icon or symbol. Empty when it shows as text. (The app's own strings use
    ``**``, ``*`` and backticks, so those are not counted.)"""
    problems = [f"unescaped {c!r}" for c in dict.fromkeys(_unescaped(markdown, "[]<$"))]
    text = _ESCAPE.sub(r"\1", markdown)  # as the renderer's text nodes hold it
    for pattern, what in ((_AUTOLINK, "autolink"), (_SHORTCODE, "shortcode"), (_ARROWS, "arrow")):
        problems += [f"{what} {m.group()!r}" for m in pattern.finditer(text)]
    return problems


APP_TAGS = {"b", "br", "extra", "i", "sup", "sub", "em"}
"""The HTML tags the app's own chart text uses; Plotly also renders ``<a href>``."""


def plotly_problems(spec: str) -> list[str]:
    """Tags in a Plotly figure's JSON that the app did not write (a user's ``<a>``, ``<img>``,
    ``<svg>`` ...): Plotly reads trace names, titles, annotations, ticks and hover text as
    HTML."""
    strings = list(_strings(json.loads(spec)))
    tags = {m.lower() for s in strings for m in re.findall(r"<\s*/?\s*([A-Za-z][\w-]*)", s)}
    return sorted(f"tag <{tag}>" for tag in tags - APP_TAGS)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


MARKDOWN_FIELDS = ("body", "label", "help")
"""Proto fields Streamlit renders as Markdown (alerts, captions, headings, metric cards, widget
labels and tooltips, tabs, expanders)."""
LITERAL_TYPES = {"code", "text", "json", "exception", "divider"}
"""Elements whose body Streamlit shows as it is (an exception is checked apart; a divider's body
is Streamlit's own ``---``)."""


def page_problems(at) -> list[str]:
    """Every place on an AppTest page where user text would show as markup: Markdown fields,
    ``st.table`` cells and headers (Markdown too), Plotly figures; plus any exception."""
    problems = [f"exception: {e.value}" for e in at.exception]
    for node in nodes(at._tree):
        kind = getattr(node, "type", "")
        if kind == "table":
            frame = node.value
            cells = map(str, [*frame.columns, *frame.index, *frame.to_numpy().ravel()])
            problems += [f"table: {p} in {c:.80}" for c in cells for p in markdown_problems(c)]
            continue
        proto = getattr(node, "proto", None)
        if kind == "plotly_chart" or (proto is not None and hasattr(proto, "spec")):
            problems += [f"chart: {p}" for p in plotly_problems(proto.spec)]
            continue
        if proto is None or kind in LITERAL_TYPES:
            continue
        for field in MARKDOWN_FIELDS:
            value = getattr(proto, field, None)
            if isinstance(value, str):
                where = f"{kind}.{field}"
                problems += [f"{where}: {p} in {value:.80}" for p in markdown_problems(value)]
    return problems


def nodes(node) -> Iterator:
    """``node`` of an AppTest element tree and every node under it."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)
