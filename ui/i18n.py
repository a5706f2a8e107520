"""Translations: the gettext catalogs in ``locales/`` and the one command that keeps them current.

* **The source is English, under stable ids.** Every message the app shows is written once, in
  English, in :data:`ui.text.STRINGS` (``STRINGS["en"]``) under a stable id such as
  ``"scenario.title"``; pages and chart builders ask for ids (:func:`ui.text.t`), never for
  English text. New messages are added there, in English, like any other code change.
* **Catalogs.** ``locales/<lang>/LC_MESSAGES/messages.po`` holds one entry per message: the id as
  ``msgctxt``, the English as ``msgid`` (what Poedit, Weblate or Crowdin show the translator as
  the source) and the translation as ``msgstr``. ``locales/messages.pot`` is the template.
  ``en`` is the source language's own catalog (``msgstr`` = ``msgid``), for tools that want one;
  the app reads English from the code.
* **One command updates them:** ``bash scripts/i18n.sh`` (``python -m ui.i18n update``). It
  extracts the messages with Babel's extraction (:mod:`babel.messages.extract`, driven by
  ``locales/babel.cfg``, whose method is :func:`extract_text` below: ``pybabel extract -F
  locales/babel.cfg -o messages.pot .`` with the repository on ``PYTHONPATH`` reads the same
  messages) and merges the template into every catalog **by id**: an unchanged message keeps its
  translation; a message whose English changed keeps it marked *fuzzy*, with the English it was
  made from (``#| msgid``), for review; a new message arrives untranslated; a removed one is
  dropped. ``python -m ui.i18n check`` says whether the catalogs are current and, per language,
  which ids lack a translation or need review.
* **At run time** the ``.po`` files are read directly with Babel, once per process (no compiled
  ``.mo`` files: nothing to build on a fresh clone, in the container or offline). A translation
  is used only when it is not fuzzy and was made from the English the code holds now; any other
  message shows in English, and ``tests/test_i18n.py`` names it.

No Streamlit here.
"""

from __future__ import annotations

import ast
import io
import string
import sys
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import write_po

from ui import catalog
from ui.text import STRINGS, USER_TEXT

ROOT = catalog.ROOT
LOCALES = catalog.LOCALES
DOMAIN = catalog.DOMAIN
SOURCE_LANGUAGE = catalog.SOURCE_LANGUAGE
MAPPING = LOCALES / "babel.cfg"
"""Babel's extraction mapping: which files hold messages, read by which method."""
TEMPLATE = LOCALES / f"{DOMAIN}.pot"
SOURCE_DICT = "STRINGS"
"""The name of the dict in ``ui/text.py`` whose ``"en"`` entry holds the English messages."""
PROJECT = "Service Gap Impact Simulator"
BRACE_FORMAT = "python-brace-format"
WIDTH = 76
catalog_path = catalog.catalog_path
languages = catalog.languages


def placeholders(message: str) -> set[str]:
    """The ``{names}`` a message fills in (``str.format`` fields)."""
    return {field for _, field, _, _ in string.Formatter().parse(message) if field is not None}


# --- extraction (Babel) -------------------------------------------------------------------------


def _comments(source: str) -> dict[int, str]:
    """Line number -> text of each comment that stands alone on its line."""
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and not token.line[: token.start[1]].strip():
            found[token.start[0]] = token.string.lstrip("#").strip()
    return found


def _source_messages(source: str) -> Iterator[tuple[int, str, str, str | None]]:
    """(line, id, English, section comment) of every entry of ``STRINGS["en"]`` in ``source``."""
    tree = ast.parse(source)
    comments = _comments(source)
    for node in ast.walk(tree):
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if not (isinstance(target, ast.Name) and target.id == SOURCE_DICT):
            continue
        languages_dict = node.value
        if not isinstance(languages_dict, ast.Dict):
            continue
        for language_key, messages in zip(languages_dict.keys, languages_dict.values, strict=True):
            if not (isinstance(language_key, ast.Constant) and language_key.value == "en"):
                continue
            if not isinstance(messages, ast.Dict):
                continue
            section, last_line = None, messages.lineno
            for key, value in zip(messages.keys, messages.values, strict=True):
                if not (isinstance(key, ast.Constant) and isinstance(value, ast.Constant)):
                    raise ValueError(f"line {value.lineno}: every message is one literal string")
                above = [line for line in comments if last_line < line < key.lineno]
                if above:
                    section = comments[max(above)]
                yield key.lineno, key.value, value.value, section
                last_line = value.end_lineno or key.lineno


def extract_text(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extraction method for ``ui/text.py``: each English message as a ``pgettext`` call
    with its id as the context, and comments for the translator (the section of the app, and
    which placeholders hold text a user typed, shown as it was written)."""
    source = fileobj.read().decode("utf-8")
    for line, key, english, section in _source_messages(source):
        comments = [f"Section: {section}"] if section else []
        echoed = sorted(placeholders(english) & USER_TEXT.keys())
        if echoed:
            names = ", ".join(f"{{{name}}}" for name in echoed)
            comments.append(f"{names}: text a user typed or a file holds, shown as it is")
        yield line, "pgettext", (key, english), comments


def template() -> Catalog:
    """Every message of the code, extracted with Babel as ``locales/babel.cfg`` says."""
    with MAPPING.open(encoding="utf-8") as file:
        method_map, options_map = parse_mapping_cfg(file)
    found = Catalog(project=PROJECT, domain=DOMAIN, fuzzy=False)
    sys.path.insert(0, str(ROOT))  # the method is ui.i18n.extract_text, whatever the cwd
    try:
        extracted = list(extract_from_dir(ROOT, method_map, options_map))
    finally:
        sys.path.remove(str(ROOT))
    for filename, line, english, comments, key in extracted:
        if key in {message.context for message in found}:
            raise ValueError(f"{filename}:{line}: the id {key!r} is used twice")
        flags = (BRACE_FORMAT,) if placeholders(english) else ()
        found.add(english, "", [(filename, line)], auto_comments=comments, context=key, flags=flags)
    return found


# --- merging ------------------------------------------------------------------------------------


def merged(source: Catalog, language: str) -> Catalog:
    """The catalog of ``language`` for the messages of ``source``, translations kept by id."""
    path = catalog_path(language)
    old = catalog.read(path, language) if path.exists() else Catalog(locale=language, domain=DOMAIN)
    by_id = {message.context: message for message in old if message.id}
    result = Catalog(
        locale=language,
        domain=DOMAIN,
        project=PROJECT,
        fuzzy=False,
        creation_date=old.creation_date,
        revision_date=old.revision_date,
    )
    for message in source:
        if not message.id:
            continue
        before = by_id.get(message.context)
        flags = set(message.flags)
        previous_id: Sequence[str] = ()
        if language == SOURCE_LANGUAGE:
            translation = message.id
        elif before is None or not before.string:
            translation = ""
        else:
            translation = before.string
            if before.id != message.id:  # the English changed: the translation needs review
                flags.add("fuzzy")
                # the English it was made from: the older one if it was already under review
                made_from = before.previous_id if before.fuzzy else ()
                previous_id = tuple(made_from) or (before.id,)
            elif before.fuzzy:
                flags.add("fuzzy")
                previous_id = before.previous_id
        result[message.id] = Message(
            message.id,
            translation,
            auto_comments=message.auto_comments,
            flags=flags,
            previous_id=previous_id,
            context=message.context,
        )
    return result


def _entries(entries: Catalog) -> list[tuple]:
    """What a catalog says, for comparing two of them (header dates left out)."""
    return [
        (m.context, m.id, m.string, sorted(m.flags), list(m.previous_id), _words(m.auto_comments))
        for m in entries
        if m.id
    ]


def _words(comments: Sequence[str]) -> str:
    """Comments as one line of words: how a catalog file wraps them does not count."""
    return " ".join(" ".join(comments).split())


def _po_bytes(messages: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, messages, width=WIDTH, no_location=True, include_previous=True)
    return buffer.getvalue()


def planned() -> dict[Path, Catalog]:
    """The template and every catalog as the update command would write them."""
    source = template()
    files: dict[Path, Catalog] = {TEMPLATE: source}
    for language in languages():
        files[catalog_path(language)] = merged(source, language)
    return files


def stale() -> list[Path]:
    """The catalog files the update command would change (none when they are current)."""
    out = []
    for path, planned_catalog in planned().items():
        if not path.exists():
            out.append(path)
            continue
        language = None if path == TEMPLATE else path.parents[1].name
        if _entries(catalog.read(path, language)) != _entries(planned_catalog):
            out.append(path)
    return out


def update(new_languages: Sequence[str] = ()) -> list[Path]:
    """Write the template and every catalog (plus new ones for ``new_languages``); returns the
    files that changed."""
    for language in new_languages:
        path = catalog_path(language)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_po_bytes(Catalog(locale=language, domain=DOMAIN, project=PROJECT)))
    languages.cache_clear()
    changed = stale()
    for path, planned_catalog in planned().items():
        if path in changed:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_po_bytes(planned_catalog))
    catalog.translations.cache_clear()
    return changed


@dataclass(frozen=True, kw_only=True)
class Coverage:
    """What a language's catalog lacks against the English in the code, by id."""

    language: str
    missing: tuple[str, ...]  # no translation
    review: tuple[str, ...]  # translated from other English, or marked fuzzy
    unknown: tuple[str, ...]  # in the catalog, not in the code

    @property
    def complete(self) -> bool:
        return not (self.missing or self.review or self.unknown)


def coverage(language: str, english: dict[str, str]) -> Coverage:
    """Which ids of ``english`` (id -> English) ``language``'s catalog does not translate."""
    path = catalog_path(language)
    entries = {
        m.context: m
        for m in (catalog.read(path, language) if path.exists() else ())
        if m.id and m.context
    }
    missing = tuple(key for key in english if key not in entries or not entries[key].string)
    review = tuple(
        key
        for key in english
        if key in entries
        and entries[key].string
        and (entries[key].fuzzy or entries[key].id != english[key])
    )
    unknown = tuple(sorted(set(entries) - set(english)))
    return Coverage(language=language, missing=missing, review=review, unknown=unknown)


def main(argv: Sequence[str] | None = None) -> int:
    """``update [LANG ...]``: extract and merge (new LANG catalogs created); ``check``: exit 1
    if the catalogs are not current or a language lacks translations, naming the ids."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args.pop(0) if args else "update"
    if command == "update":
        changed = update(args)
        for path in changed:
            print(f"updated {path.relative_to(ROOT)}")
        if not changed:
            print("catalogs already current")
    elif command != "check":
        print(__doc__)
        print("usage: python -m ui.i18n [update [LANG ...] | check]", file=sys.stderr)
        return 2
    ok = command == "update" or not stale()
    if not ok:
        print("catalogs are out of date: run `bash scripts/i18n.sh`", file=sys.stderr)
    for language in languages()[1:]:
        found = coverage(language, STRINGS[SOURCE_LANGUAGE])
        for what, keys in (("untranslated", found.missing), ("to review", found.review)):
            if keys:
                print(f"{language}: {len(keys)} {what}: {', '.join(keys)}")
        ok = ok and (command == "update" or found.complete)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
