"""Text from a user, a link or a file shown as literal text: the one place it is made safe.

Scenario names, notes and authors, business and file names, segment names and values, column
names and share-link values are data, never markup, wherever they appear. :func:`literal` makes
such a value safe for where it goes (:mod:`ui.text` calls it for every user-supplied placeholder):

* :data:`MARKDOWN`: Streamlit's Markdown (``st.markdown``, captions, alert boxes, metric labels
  and tooltips, widget labels, tabs, ``st.table`` cells and headers). ``&``, ``<`` and ``>``
  become character references and every other ASCII punctuation character is backslash-escaped
  (CommonMark: an escaped character or a character reference is never markup, so no link,
  image, HTML, emphasis, heading, list, table or LaTeX can start in the value). Streamlit's
  renderer also turns bare URLs and e-mail addresses into links, shortcodes such as ``:smile:``
  and ``:material/home:`` into emoji and icons, and ``--``, ``->`` or ``<=`` into typographic
  symbols, on the parsed text, where escapes no longer count; so a word joiner (U+2060,
  invisible and zero-width) goes after every ``:`` and ``@``, between ``www`` and its ``.`` and
  inside those symbol pairs.
* :data:`PLOTLY`: Plotly's trace names, titles, annotations, tick labels and hover text, which
  Plotly reads as a subset of HTML (``<a href>``, ``<b>``, ``<br>`` ...): ``&``, ``<`` and ``>``
  become character references.
* :data:`PLAIN`: elements that do not interpret text (select and multiselect options, data
  frames, a text box's value, file names) and text that is data (a business name).

In every form runs of whitespace and control characters become one space, the explicit
bidirectional formatting characters (U+202A-U+202E, U+2066-U+2069), which would reorder the
page's text after the value, are dropped, and a value longer than ``limit`` characters is cut
with an ellipsis. No Streamlit here.
"""

from __future__ import annotations

import re

MARKDOWN = "markdown"
PLOTLY = "plotly"
PLAIN = "plain"
MARKUPS = (MARKDOWN, PLOTLY, PLAIN)

ECHO_CHARS = 80
"""Longest name or value shown as it was given (a file, scenario or segment name, a cell);
longer ones are cut with an ellipsis."""
SENTENCE_CHARS = 400
"""Longest message shown that may quote such values (a reason a file cannot be read)."""
ELLIPSIS = "…"
WORD_JOINER = "\u2060"
"""Invisible, zero-width and unbreakable: breaks a pattern Streamlit would turn into a link."""

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_JOIN_AFTER = re.compile(r"([:@]|(?i:www)(?=\.)|[-<>~](?=[-<>=]))")
_MARKDOWN_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"} | {
    c: "\\" + c for c in "!\"#$%'()*+,-./:;=?@[\\]^_`{|}~"
}
_PLOTLY_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _one_line(value: object, limit: int | None = ECHO_CHARS) -> str:
    """``value`` as one line of text: whitespace and control characters as single spaces,
    bidirectional formatting characters dropped, cut to ``limit`` characters (None: not cut)."""
    line = _SPACE.sub(" ", _BIDI_CONTROLS.sub("", str(value))).strip()
    if limit is not None and len(line) > limit:
        return line[: limit - 1].rstrip() + ELLIPSIS
    return line


def literal(value: object, markup: str = MARKDOWN, *, limit: int | None = ECHO_CHARS) -> str:
    """``value`` (text from a user, a link or a file) as literal text in ``markup``: one of
    :data:`MARKDOWN`, :data:`PLOTLY`, :data:`PLAIN` (see the module docstring); cut to
    ``limit`` characters (None: not cut). ``literal("*a*")`` is ``"\\*a\\*"``;
    ``literal("<b>", PLOTLY)`` is ``"&lt;b&gt;"``.
    """
    if markup not in MARKUPS:
        raise ValueError(f"unknown markup {markup!r}; expected one of {MARKUPS}")
    line = _one_line(value, limit)
    if markup == PLAIN:
        return line
    if markup == PLOTLY:
        return "".join(_PLOTLY_ESCAPES.get(c, c) for c in line)
    joined = _JOIN_AFTER.sub(lambda m: m.group(1) + WORD_JOINER, line)
    return "".join(_MARKDOWN_ESCAPES.get(c, c) for c in joined)
