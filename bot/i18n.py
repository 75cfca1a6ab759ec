"""Texts for parents in their own language: gettext catalogues, language names and bidi.

The catalogues are ordinary gettext .po files in bot/locales/<lang>/LC_MESSAGES/welzijnsbot.po,
kept with Babel. They are read directly at run time (Babel's read_po, compiled to an in-memory
.mo), so a fresh clone works without a build step and a translator only ever edits .po files.
Fuzzy or empty entries are never used: the Dutch text is shown instead, and the tests fail.

Message ids are the Dutch texts, written in the code as `_("...")` (or `N_("...")` where the
text is only marked and translated later), so `pybabel extract` finds them.
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DOMAIN = "welzijnsbot"
LOCALES_DIR = Path(__file__).parent / "locales"
SOURCE_LANGUAGE = "nl"
# The languages a parent card can be made in, in the order the buttons show them.
PARENT_LANGUAGES: tuple[str, ...] = ("nl", "fr", "en", "ar", "tr", "uk", "ro", "pl", "bg", "es", "fa")

# Unicode bidi controls (UAX #9). Isolates keep a number or a Latin name from being reordered
# by the right-to-left text around it; the RLM gives a whole line right-to-left direction even
# when it starts with an emoji or a Dutch name.
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
RLM = "\u200f"
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


class UnknownLanguage(ValueError):
    """A language code without a catalogue; the message lists the valid ones in Dutch."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(f"Onbekende taal '{code}'. Kies uit: {valid_languages_text()}.")


def N_(message: str) -> str:
    """Mark a text for translation where it is defined; translate it where it is shown."""
    return message


def catalogue_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def check_language(lang: str) -> str:
    code = (lang or "").strip().lower()
    if code not in PARENT_LANGUAGES:
        raise UnknownLanguage(lang)
    return code


def load_translations(path: Path, lang: str) -> Translations:
    """Read one .po file into gettext translations, skipping fuzzy and empty entries."""
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)  # fuzzy entries fall back to the Dutch text
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


@cache
def translations(lang: str) -> Translations:
    """The gettext translations for one parent language, built once from its .po file."""
    code = check_language(lang)
    return load_translations(catalogue_path(code), code)


def catalogue_problems(path: Path, lang: str, messages: Iterable[str]) -> list[str]:
    """Why a catalogue would leave a parent with Dutch: missing, empty or fuzzy labels."""
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=lang, domain=DOMAIN)
    problems = []
    for msgid in messages:
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"{path}: ontbreekt: {msgid!r}")
        elif not entry.string or not str(entry.string).strip():
            problems.append(f"{path}: niet vertaald: {msgid!r}")
        elif entry.fuzzy:
            problems.append(f"{path}: fuzzy (nog na te kijken): {msgid!r}")
        elif set(_PLACEHOLDER.findall(msgid)) != set(_PLACEHOLDER.findall(str(entry.string))):
            problems.append(f"{path}: andere {{plaatshouders}} dan het origineel: {msgid!r}")
    for entry in catalog:
        for error in entry.check(catalog):  # Babel's checks, e.g. {placeholders} that differ
            problems.append(f"{path}: {entry.id!r}: {error}")
    return problems


def translator(lang: str) -> Callable[[str], str]:
    """`_ = translator(lang)`: the gettext function for that language."""
    return translations(lang).gettext


def is_rtl(lang: str) -> bool:
    return Locale.parse(lang).character_order == "right-to-left"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def language_name(code: str, in_lang: str) -> str:
    """'ar' as a parent reading `in_lang` knows it (Arabisch, arabe, العربية); the code if unknown."""
    try:
        return Locale.parse(in_lang).languages.get(code) or code
    except (ValueError, TypeError):
        return code


def autonym(code: str) -> str:
    """A language's own name (Türkçe, українська), for buttons a parent can recognise."""
    return _capitalised(Locale.parse(code).get_display_name(code) or code)


def valid_languages_text() -> str:
    return ", ".join(f"{code} ({language_name(code, SOURCE_LANGUAGE)})" for code in PARENT_LANGUAGES)


def isolate(text: str) -> str:
    """Wrap text of unknown direction (a name, an address) so it keeps its own order."""
    return f"{FSI}{text}{PDI}" if text else text


def isolate_ltr(text: str) -> str:
    """Wrap text that is always left-to-right (phone numbers, e-mail, links)."""
    return f"{LRI}{text}{PDI}" if text else text
