"""Every text a parent reads exists, translated and reviewed, in every parent language."""
from __future__ import annotations

import shutil

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from bot import i18n
from bot.i18n import (
    DOMAIN,
    LOCALES_DIR,
    PARENT_LANGUAGES,
    UnknownLanguage,
    autonym,
    catalogue_path,
    catalogue_problems,
    is_rtl,
    language_name,
    load_translations,
    translator,
)
from paths import ROOT

# Modules whose `_()` / `N_()` texts reach parents.
PARENT_MODULES = ["bot/parent_card.py", "bot/vcard.py", "bot/practical_view.py"]


def source_messages() -> set[str]:
    """The msgids as the code has them, found the way `pybabel extract` finds them."""
    found: set[str] = set()
    for module in PARENT_MODULES:
        if (ROOT / module).exists():
            for _line, message, _comments, _context in extract_from_file("python", str(ROOT / module)):
                assert isinstance(message, str)  # the parent texts have no plural forms
                found.add(message)
    return found


def test_the_code_has_parent_texts_to_translate():
    messages = source_messages()
    assert {"Wat ze voor je doen", "Vraag naar", "Telefoon", "Adres", "Openingsuren",
            "Deze uitleg is in het Nederlands.", "Toon op de kaart"} <= messages


@pytest.mark.parametrize("lang", PARENT_LANGUAGES)
def test_no_label_is_missing_empty_or_fuzzy(lang):
    assert catalogue_problems(catalogue_path(lang), lang, sorted(source_messages())) == []


@pytest.mark.parametrize("lang", PARENT_LANGUAGES)
def test_catalogue_has_no_leftover_texts(lang):
    """A text removed from the code is removed from the catalogues too (nothing stale to review)."""
    with catalogue_path(lang).open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    assert {m.id for m in catalog if m.id} == source_messages()
    assert not catalog.obsolete


def test_template_matches_the_code():
    with (LOCALES_DIR / f"{DOMAIN}.pot").open("rb") as fp:
        template = read_po(fp)
    assert {m.id for m in template if m.id} == source_messages()


@pytest.mark.parametrize("lang", [code for code in PARENT_LANGUAGES if code != "nl"])
def test_labels_are_really_translated(lang):
    """A label left in Dutch is a missing translation, except words that are the same (Telefoon)."""
    _ = translator(lang)
    different = [m for m in ("Wat ze voor je doen", "Vraag naar", "Openingsuren", "Neem mee",
                             "Deze uitleg is in het Nederlands.") if _(m) != m]
    assert len(different) == 5


def test_missing_and_fuzzy_labels_are_reported(tmp_path):
    po = tmp_path / "fr.po"
    text = catalogue_path("fr").read_text(encoding="utf-8")
    text = text.replace('msgstr "Téléphone"', 'msgstr ""')
    text = text.replace('msgid "Adres"', '#, fuzzy\nmsgid "Adres"')
    text = text.replace('msgstr "{label}\u00a0:"', 'msgstr "{etiquette} :"')
    po.write_text(text, encoding="utf-8")
    problems = catalogue_problems(po, "fr", ["Telefoon", "Adres", "Kost", "Iets nieuws", "{label}:"])
    assert any("niet vertaald: 'Telefoon'" in p for p in problems)
    assert any("fuzzy" in p and "'Adres'" in p for p in problems)
    assert any("ontbreekt: 'Iets nieuws'" in p for p in problems)
    assert any("plaatshouders" in p and "'{label}:'" in p for p in problems)
    assert not any("'Kost'" in p for p in problems)


def test_fuzzy_translation_is_never_shown(tmp_path):
    po = tmp_path / "fr.po"
    text = catalogue_path("fr").read_text(encoding="utf-8")
    po.write_text(text.replace('msgid "Adres"', '#, fuzzy\nmsgid "Adres"'), encoding="utf-8")
    _ = load_translations(po, "fr").gettext
    assert _("Adres") == "Adres"          # the Dutch text, not an unchecked guess
    assert _("Telefoon") == "Téléphone"


def test_catalogues_load_from_po_without_a_build_step(tmp_path, monkeypatch):
    """A fresh clone has no .mo files: the .po files alone must be enough."""
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n, "LOCALES_DIR", copy)
    i18n.translations.cache_clear()
    try:
        assert not list(copy.rglob("*.mo"))
        assert translator("ar")("Telefoon") == "الهاتف"
    finally:
        i18n.translations.cache_clear()


def test_right_to_left_languages():
    assert [code for code in PARENT_LANGUAGES if is_rtl(code)] == ["ar", "fa"]


def test_language_names_in_the_parents_language():
    assert language_name("ar", "fr") == "arabe"
    assert language_name("nl", "ar") == "الهولندية"
    assert language_name("tr", "nl") == "Turks"
    assert autonym("uk") == "Українська"
    assert autonym("ar") == "العربية"
    assert language_name("xx", "nl") == "xx"


def test_unknown_language_lists_the_valid_ones_in_dutch():
    with pytest.raises(UnknownLanguage) as info:
        translator("xx")
    message = str(info.value)
    assert message.startswith("Onbekende taal 'xx'")
    assert all(f"{code} (" in message for code in PARENT_LANGUAGES)
