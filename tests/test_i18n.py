"""The translation catalogs: current, complete in every language, every message used, placeholders
kept, and merged by id when the English changes (ui.i18n, ui.catalog, ui.text.t).

When a test here fails after new English text was added to ui/text.py: run
``bash scripts/i18n.sh`` and translate the ids it lists in locales/<lang>/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

import simulator
from simulator.model.assumptions import parameter_table
from simulator.model.sample import sample_business
from ui import catalog, i18n, text
from ui.cached import business as app_business

ROOT = Path(__file__).resolve().parents[1]
CODE_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
CODE_FILES += sorted((ROOT / "ui").glob("*.py"))
ENGLISH = text.STRINGS[text.DEFAULT_LANGUAGE]
TRANSLATED = [code for code in catalog.languages() if code != catalog.SOURCE_LANGUAGE]
UPDATE = "run `bash scripts/i18n.sh`, then translate the ids it lists"


def test_there_is_italian():
    assert "it" in TRANSLATED


def test_the_catalogs_are_current_with_the_english_in_the_code():
    stale = [str(path.relative_to(ROOT)) for path in i18n.stale()]
    assert stale == [], f"{stale} out of date: {UPDATE}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_in_every_language(language):
    found = i18n.coverage(language, ENGLISH)
    assert found.missing == (), f"{language} lacks {len(found.missing)} ids: {UPDATE}"
    assert found.review == (), f"{language}: English changed since translated: {UPDATE}"
    assert found.unknown == (), f"{language} has ids the code no longer has: {UPDATE}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders_and_the_markup(language):
    wrong = []
    for key, (english, translated) in catalog.translations(language).items():
        if i18n.placeholders(translated) != i18n.placeholders(english):
            wrong.append(f"{key}: placeholders {sorted(i18n.placeholders(translated))}")
        for mark in ("**", "<br>", "\n"):
            if translated.count(mark) != english.count(mark):
                wrong.append(
                    f"{key}: {mark!r} {translated.count(mark)} times, not {english.count(mark)}"
                )
    assert wrong == []


SAME_IN_ITALIAN = {
    "nav.home", "nav.scenario", "access.password", "kpi.csat", "chart.series",
    "case.scenario.short", "memo.version", "error.generic", "compare.cell", "compare.kpi.npv",
    "saved.label", "saved.label_by", "saved.when", "data.fit.km_months_1", "data.fit.note",
    "unc.tornado.hover", "unit.minutes", "value.no", "value.none", "reference.marketing",
    "export.column.scenario", "export.column.clv_scenario", "chart.explore.plan",
    "chart.price.hover", "data.price.method", "data.price.warning", "data.price.file_warning",
}  # fmt: skip
"""Messages whose Italian is rightly the English: names, abbreviations, pure formats."""


def test_a_translation_is_not_the_english_copied():
    copied = sorted(
        key
        for key, (english, translated) in catalog.translations("it").items()
        if translated == english and key not in SAME_IN_ITALIAN
    )
    assert copied == []


# --- every message is used ----------------------------------------------------------------------


def _code_strings() -> tuple[set[str], list[re.Pattern]]:
    """String constants of the shell and pages (the English dict's own keys left out), and the
    shapes of f-strings that build ids (``f"group.{group}"`` -> ``group\\.[a-z0-9_]+``)."""
    literals, shapes = set(), []
    for path in CODE_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own_keys = {
            id(key)
            for node in ast.walk(tree)
            if isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == i18n.SOURCE_DICT
            for inner in ast.walk(node.value)
            if isinstance(inner, ast.Dict)
            for key in inner.keys
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) not in own_keys:
                    literals.add(node.value)
            elif isinstance(node, ast.JoinedStr):
                parts = [
                    re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z0-9_]+(\\.[a-z_]+)*"
                    for v in node.values
                ]
                if isinstance(node.values[0], ast.Constant) and "." in node.values[0].value:
                    shapes.append(re.compile("^" + "".join(parts) + "$"))
                elif len(node.values) == 2 and isinstance(node.values[1], ast.Constant):
                    shapes.append(re.compile("^" + "".join(parts) + "$"))  # f"{label}.help"
    return literals, shapes


def _core_references() -> set[str]:
    """The plain-word references the core gives its parameters (sample and calibrated)."""
    scenario = simulator.example_scenario()
    found = set()
    for business in (sample_business(), app_business()):
        for reference in parameter_table(business, scenario)["reference"].dropna():
            found.update(reference.split("; "))
    return found


def test_every_message_is_used_by_the_code():
    literals, shapes = _code_strings()
    references = _core_references()
    unused = sorted(
        key
        for key in ENGLISH
        if key not in literals
        and not any(shape.match(key) for shape in shapes)
        and not (key.startswith("reference.") and ENGLISH[key] in references)
    )
    assert unused == [], "delete them from ui/text.py, then run `bash scripts/i18n.sh`"


def test_every_unit_and_reference_the_core_gives_has_a_message():
    table = parameter_table(app_business(), simulator.example_scenario())
    units = sorted(
        unit for unit in table["unit"].unique() if not text.has(f"param_unit.{text._slug(unit)}")
    )
    assert units == []
    plain = {ENGLISH[key] for key in ENGLISH if key.startswith("reference.")}
    assert not plain - _core_references(), "reference messages the core no longer uses"


def test_the_sample_business_name_is_the_one_translated():
    assert sample_business().name == ENGLISH["business.sample_name"]


# --- extraction and merging ---------------------------------------------------------------------


def test_pybabel_extract_reads_the_same_messages(tmp_path):
    """The documented mapping works with Babel's own command line too."""
    pybabel = Path(sys.executable).with_name("pybabel")
    out = tmp_path / "messages.pot"
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", str(i18n.MAPPING), "-o", str(out), "."],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=True,
        timeout=120,
    )
    extracted = {(m.context, m.id) for m in catalog.read(out, None) if m.id}
    assert extracted == {(key, english) for key, english in ENGLISH.items()}


@pytest.fixture
def locales(tmp_path, monkeypatch):
    """A copy of locales/ the test may change (catalog.LOCALES points at it)."""
    copy = tmp_path / "locales"
    shutil.copytree(catalog.LOCALES, copy)
    monkeypatch.setattr(catalog, "LOCALES", copy)
    catalog.languages.cache_clear()
    catalog.translations.cache_clear()
    yield copy
    catalog.languages.cache_clear()
    catalog.translations.cache_clear()


def _template(messages: dict[str, str]) -> Catalog:
    source = Catalog(domain=catalog.DOMAIN)
    for key, english in messages.items():
        source.add(english, "", context=key)
    return source


def test_merging_keeps_translations_by_id_and_flags_changed_english(locales):
    old = catalog.read(catalog.catalog_path("it"), "it")
    title = old.get(ENGLISH["scenario.title"], context="scenario.title").string
    source = _template(
        {
            "scenario.title": "Scenario: price, fee and service spend",  # reworded
            "nav.home": ENGLISH["nav.home"],  # unchanged
            "brand.new": "A new message",
        }
    )
    merged = {m.context: m for m in i18n.merged(source, "it") if m.id}
    assert merged["nav.home"].string == "Home" and not merged["nav.home"].fuzzy
    changed = merged["scenario.title"]
    assert changed.string == title and changed.fuzzy
    assert list(changed.previous_id) == [ENGLISH["scenario.title"]]  # what it was made from
    assert merged["brand.new"].string == ""
    assert set(merged) == {"scenario.title", "nav.home", "brand.new"}  # the rest dropped
    english = {m.context: m.string for m in i18n.merged(source, "en") if m.id}
    assert english["brand.new"] == "A new message"


def test_a_new_language_starts_empty_and_is_listed(locales):
    i18n.update(["fr"])
    assert "fr" in catalog.languages()
    assert i18n.coverage("fr", ENGLISH).missing == tuple(ENGLISH)
    assert i18n.stale() == []


def test_the_page_shows_english_where_the_translation_is_stale_or_fuzzy(locales, monkeypatch):
    path = catalog.catalog_path("it")
    lines = path.read_text(encoding="utf-8")
    lines = lines.replace(
        f'msgid "{ENGLISH["kpi.payback"]}"', 'msgid "Payback period (old English)"'
    )
    path.write_text(lines, encoding="utf-8")
    monkeypatch.setenv(text.LANGUAGE_VARIABLE, "it")
    assert text.t("kpi.payback") == ENGLISH["kpi.payback"]  # made from other English: not used
    assert text.t("kpi.roi") == catalog.translations("it")["kpi.roi"][1]
    assert "kpi.payback" in i18n.coverage("it", ENGLISH).review


def test_check_command_fails_naming_what_is_missing(locales, capsys):
    path = catalog.catalog_path("it")
    text_before = path.read_text(encoding="utf-8")
    english = ENGLISH["kpi.roi.none"]
    translated = catalog.translations("it")["kpi.roi.none"][1]
    path.write_text(
        text_before.replace(
            f'msgid "{english}"\nmsgstr "{translated}"', f'msgid "{english}"\nmsgstr ""'
        ),
        encoding="utf-8",
    )
    catalog.translations.cache_clear()
    assert i18n.main(["check"]) == 1
    assert "it: 1 untranslated: kpi.roi.none" in capsys.readouterr().out
