"""The gettext catalogs at run time: which languages there are, and their usable translations.

``locales/<lang>/LC_MESSAGES/messages.po`` are read directly with Babel, once per process (no
compiled ``.mo`` files: nothing to build on a fresh clone, in the container or offline). Each
entry has a message's stable id as ``msgctxt``, its English as ``msgid`` and the translation as
``msgstr``; how they are made and kept current is :mod:`ui.i18n`. No Streamlit here.
"""

from __future__ import annotations

import functools
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
"""The language the messages are written in (:data:`ui.text.STRINGS`)."""


def catalog_path(language: str) -> Path:
    """Where the catalog of ``language`` lives."""
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages with a catalog, the source language first."""
    found = sorted(path.parents[1].name for path in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *(code for code in found if code != SOURCE_LANGUAGE))


def read(path: Path, language: str | None) -> Catalog:
    """The catalog (or template, ``language`` None) in ``path``."""
    with path.open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


@functools.cache
def translations(language: str) -> dict[str, tuple[str, str]]:
    """id -> (the English it was translated from, the translation) for every usable entry of
    ``language``'s catalog: translated and not fuzzy. Empty for the source language and for a
    language without a catalog."""
    path = catalog_path(language)
    if language == SOURCE_LANGUAGE or not path.exists():
        return {}
    return {
        message.context: (message.id, message.string)
        for message in read(path, language)
        if message.id and message.string and not message.fuzzy and message.context
    }
