"""What an AppTest page shows a reader, as text, and the English left in it (test_italian_pages).

:func:`page_texts` walks an AppTest's element tree and collects every string a person sees:
Markdown, captions, titles, alert boxes, widget labels, options and help, metric labels, values,
deltas and help, data-frame headers and text cells, and the words of Plotly charts (titles,
axis titles, annotations, legend names, hover templates and hover text). The share link's code
box is left out: a URL. :func:`english_left` finds English in those strings by comparing them with
the English catalog (every message the Italian does not keep as it is) and with a short list of
English words, after the names the planner entered (segments) are taken out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

import pandas as pd
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from ui import catalog, text

SKIPPED_FIELDS = frozenset(
    {"id", "form_id", "icon", "page_script_hash", "page", "url_path", "type", "theme", "spec"}
    | {"config", "format", "key", "language", "data", "default", "value_type", "file_name"}
    | {"url", "script_path", "widget_id", "element_type", "color", "mime", "height", "width"}
)
"""Proto fields that are ids, paths, formats or styles, never words for the reader."""
SKIPPED_ELEMENTS = frozenset({"Code"})
"""Element kinds left out: the share link's box (a URL)."""
ENGLISH_WORDS = re.compile(
    r"\b(the|and|with|your|you|this|that|from|against|nothing|which|would|should|customers|"
    r"months|every|each|per month|whose|there|their|been|than|when|where|what)\b"
)
"""Words a page in Italian never uses: any one of them is English left on the page."""
ALLOWED = ("Closing the delivery gap", "English")
"""English a page in Italian rightly shows: a cited title, the English option of the language
switch (each language is named in its own)."""


def _walk(node) -> Iterator:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _proto_strings(message: Message) -> Iterator[str]:
    for field, value in message.ListFields():
        if field.name in SKIPPED_FIELDS:
            continue
        values = value if isinstance(value, Iterable) and not isinstance(value, str) else [value]
        for item in values:
            if isinstance(item, str):
                yield item
            elif isinstance(item, Message):
                yield from _proto_strings(item)


def _plotly_strings(spec: str) -> Iterator[str]:
    figure = json.loads(spec)
    layout = figure.get("layout", {})

    def titled(part: object) -> Iterator[str]:
        if isinstance(part, dict):
            title = part.get("title")
            if isinstance(title, dict):
                yield from (
                    str(title.get("text", "")),
                    str(title.get("subtitle", {}).get("text", "")),
                )
            elif isinstance(title, str):
                yield title

    yield from titled(layout)
    for name, part in layout.items():
        if name.startswith(("xaxis", "yaxis")):
            yield from titled(part)
    for note in layout.get("annotations", []):
        yield str(note.get("text", ""))
    for trace in figure.get("data", []):
        yield from (str(trace.get(field, "")) for field in ("name", "hovertemplate"))
        for field in ("text", "customdata"):
            value = trace.get(field)
            items = value if isinstance(value, list) else [value]
            yield from (item for item in items if isinstance(item, str))
        yield from titled(trace.get("colorbar", {}))


def _frame_strings(frame: pd.DataFrame, config: str) -> Iterator[str]:
    """Headers as shown (a column's configured label, else its name) and the text cells."""
    labels = {
        name: column["label"]
        for name, column in (json.loads(config) if config else {}).items()
        if isinstance(column, dict) and column.get("label")
    }
    yield from (str(labels.get(str(column), column)) for column in frame.columns)
    yield from (str(name) for name in frame.index.names if name is not None)
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            yield from (value for value in frame[column] if isinstance(value, str))
    if frame.index.dtype == object:
        yield from (value for value in frame.index if isinstance(value, str))


def page_texts(at: AppTest) -> list[str]:
    """Every string the page shows a reader (see the module docstring)."""
    found: list[str] = []
    for node in _walk(at._tree):
        kind = type(node).__name__
        proto = getattr(node, "proto", None)
        if kind in SKIPPED_ELEMENTS or proto is None or isinstance(proto, str):
            continue
        if type(proto).__name__ == "PlotlyChart":
            found.extend(_plotly_strings(proto.spec))
        elif kind in ("Dataframe", "Table"):
            found.extend(_frame_strings(node.value, getattr(proto, "columns", "")))
        elif kind not in ("Block", "Column", "Tab", "Expander"):
            found.extend(_proto_strings(proto))
    return [s for s in found if s.strip()]


def _plain(markdown: str) -> str:
    """Text without Markdown emphasis, backslash escapes and repeated whitespace."""
    unescaped = re.sub(r"\\(.)", r"\1", markdown.replace("\u2060", ""))
    return " ".join(unescaped.replace("*", "").split())


def _english_fragments(language: str) -> tuple[set[str], list[str]]:
    """Whole English messages and English fragments (between placeholders, two words or more)
    of every message that ``language`` does not keep as it is."""
    english = text.STRINGS[text.DEFAULT_LANGUAGE]
    translated = catalog.translations(language)
    also_translations = {_plain(shown) for _, shown in translated.values()}  # "Note" is Italian too
    whole, fragments = set(), []
    for key, source in english.items():
        if key in translated and translated[key][1] == source:
            continue
        plain = _plain(source)
        if "{" not in source and plain not in also_translations:
            whole.add(plain)
        for part in re.split(r"\{[^}]*\}", plain):
            part = part.strip(" .,:;()-–")
            if len(part) >= 12 and len(re.findall(r"[A-Za-z]{2,}", part)) >= 2:
                fragments.append(part)
    return whole, fragments


def english_left(texts: Iterable[str], *, names: Iterable[str], language: str = "it") -> list[str]:
    """The strings of ``texts`` that still hold English, with why; ``names`` (segments, files,
    businesses the planner entered) are taken out first."""
    whole, fragments = _english_fragments(language)
    names = sorted({n for n in names if n}, key=len, reverse=True)
    left = []
    for shown in texts:
        plain = _plain(shown)
        for name in [*names, *ALLOWED]:
            plain = plain.replace(name, " ")
        if plain.strip() in whole:
            left.append(f"{shown!r}: an English message")
            continue
        fragment = next((f for f in fragments if f in plain), None)
        if fragment is not None:
            left.append(f"{shown!r}: English {fragment!r}")
            continue
        word = ENGLISH_WORDS.search(plain)
        if word is not None:
            left.append(f"{shown!r}: English word {word.group()!r}")
    return left
