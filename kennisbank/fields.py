"""Validation of single field values, shared by the YAML loader, the admin edits and imports.

Each validator returns the normalised value or raises FieldError with a Dutch message that
says what is expected, so that a coordinator or an editor knows how to fix it.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import urlparse

import phonenumbers
from phonenumbers import shortnumberinfo

from .text import bidi_controls, clean, describe


class FieldError(ValueError):
    """A value that does not fit its field; the message is for the person who typed it."""


_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}$")
_LANG = re.compile(r"^[a-z]{2}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHOWN_MAX = 60


def _cleaned(value: object) -> object:
    """A string value with its invisible characters, odd spaces and foreign digits normalised
    (kennisbank.text.clean); other values as they are, for the validator to refuse or accept."""
    return clean(value) if isinstance(value, str) else value


def refuse_bidi(value: str, what: str = "tekst") -> None:
    """Bidi controls make the text after them display reversed (a phone number read backwards)."""
    found = bidi_controls(value)
    if found:
        raise FieldError(f"{what} bevat een onzichtbaar teken dat de leesrichting omkeert: "
                         f"{', '.join(describe(c) for c in found)}; typ de tekst opnieuw zonder dat teken")


def shown(value: object) -> str:
    """A value as quoted in a message: cut short, so a huge value never floods the output."""
    if isinstance(value, (list, tuple, set)):
        return "<lijst>"
    if isinstance(value, dict):
        return "<blok>"
    text_ = str(value).strip()
    return text_ if len(text_) <= _SHOWN_MAX else text_[: _SHOWN_MAX - 1] + "…"


def phone(value: object) -> str:
    """Belgian numbers may be written nationally; stored as E.164 (+3299991010), short numbers as dialled."""
    if not isinstance(value, str):
        raise FieldError(f"'{shown(value)}' wordt als getal gelezen; zet het telefoonnummer tussen "
                         "aanhalingstekens, bv. \"+32 9 999 10 10\"")
    text = clean(value).strip()
    try:
        # Letters would be read as a vanity number (09 999 AB CD): never what a coordinator meant.
        number = None if re.search(r"[^\d\s+()./-]", text) else phonenumbers.parse(text, "BE")
    except phonenumbers.NumberParseException:
        number = None
    # is_possible (not is_valid): fictional example ranges such as 09 999 .. .. must pass.
    if number is not None and not text.startswith(("+", "00")) and \
            shortnumberinfo.is_valid_short_number_for_region(number, "BE"):
        # Belgian short numbers (1712, 102, 112) have no E.164 form: stored as the digits people dial.
        return re.sub(r"\D", "", text)
    if number is None or not phonenumbers.is_possible_number(number):
        raise FieldError(
            f"'{shown(value)}' is geen geldig telefoonnummer; verwacht bv. 09 999 10 10 of +32 9 999 10 10"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_national(e164: str) -> str:
    """How people read a number: Belgian numbers nationally (09 999 10 10), others internationally."""
    if not e164.startswith("+"):
        return e164  # a short number such as 1712
    try:
        number = phonenumbers.parse(e164, "BE")
    except phonenumbers.NumberParseException:
        return e164
    fmt = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 32
           else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, fmt)


# ── maxima: how long each free-text, web and mail field may be ────────────────────────────
#
# Notes people write (hours, cost, how) allow 500: real HSDS data has ~300-character ones; a
# parent card shows at most 300 characters of a value (bot/parent_card.VALUE_MAX).
# A service travels whole into Telegram fields with hard limits: the full card and the parent
# card are one message each (4,096 UTF-16 units), the contact card's vCard is at most 2,048
# bytes (sendContact). One value without a bound (a 4,500-character tracking link) made every
# card of its service undeliverable. These maxima, in characters, are chosen so that a service
# with *every* field at its maximum still fits: the parent card under 4,096 and the vCard under
# 2,048 bytes (Latin text, accents included; bot/vcard.py gives way field by field for scripts
# that take more bytes). The table in docs/kennisbank-format.md is this one; the loader (`check`
# and every importer, which go through it) and /beheer (kennisbank/revisions.py) read it here.
MAXIMA: dict[str, int] = {
    "organisation": 100,
    "name": 120,
    "summary": 200,
    "description": 2000,
    "keywords": 60,            # each item
    "contact.name": 80,
    "contact.role": 80,
    "hours": 500,              # free text
    "hours.note": 500,
    "cost": 500,               # free text
    "cost.note": 500,
    "how": 500,
    "bring": 300,              # each item (real HSDS required_document texts are long)
    "url": 300,
    "email": 100,              # also contact.email
    "location.address": 150,
    "region.name": 100,
    "region.municipalities.name": 60,
}
# The same texts in another language (i18n.<taal>.<key>): as long as the Dutch they translate.
I18N_MAXIMA: dict[str, int] = {
    "summary": MAXIMA["summary"], "name": MAXIMA["name"], "description": MAXIMA["description"],
    "how": MAXIMA["how"], "hours_note": MAXIMA["hours.note"], "cost_note": MAXIMA["cost.note"],
    "bring_note": 500,
}
_WHY_MAX = "zodat de kaart van de dienst in een Telegram-bericht past"


def maximum(field: str) -> int:
    """The longest value of a field as the loader names it: 'url', 'contact.email', 'i18n.fr.how'."""
    if field.startswith("i18n."):
        return I18N_MAXIMA[field.rsplit(".", 1)[-1]]
    if field == "contact.email":
        field = "email"
    return MAXIMA[field]


def _too_long(what: str, length: int, limit: int, hint: str = "") -> FieldError:
    return FieldError(f"{what} is {length} tekens lang; maximaal {limit} ({_WHY_MAX}){hint}")


def bounded(field: str, what: str | None = None) -> Callable[[object], str]:
    """The validator of a free-text field with its maximum (MAXIMA), for the loader and /beheer."""
    limit = maximum(field)
    return lambda value: text(value, max_len=limit, what=what or field)


def email(value: object) -> str:
    text = str(_cleaned(value)).strip()
    if not isinstance(value, str) or not _EMAIL.match(text):
        raise FieldError(f"'{shown(value)}' is geen geldig e-mailadres; verwacht bv. onthaal@organisatie.be")
    if len(text) > MAXIMA["email"]:
        raise _too_long("het e-mailadres", len(text), MAXIMA["email"])
    return text


def url(value: object) -> str:
    text = str(_cleaned(value)).strip()
    parsed = urlparse(text)
    if not isinstance(value, str) or parsed.scheme not in ("http", "https") or "." not in parsed.netloc \
            or any(c.isspace() for c in text):
        raise FieldError(f"'{shown(value)}' is geen geldige webpagina; verwacht bv. https://www.organisatie.be")
    if len(text) > MAXIMA["url"]:
        raise _too_long("de webpagina", len(text), MAXIMA["url"],
                        "; geef een kortere link, bv. de pagina zonder het deel na '?' of de startpagina")
    return text


def iso_date(value: object) -> date:
    # A datetime is a date too, but then the time would silently be dropped: ask for the date alone.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = str(_cleaned(value)).strip()
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(f"'{shown(value)}' is geen geldige datum; verwacht JJJJ-MM-DD, bv. 2026-10-01") from None


def language(value: object) -> str:
    text = str(_cleaned(value)).strip().lower()
    if not _LANG.match(text):
        raise FieldError(f"'{shown(value)}' is geen taalcode; verwacht twee letters (ISO 639-1), bv. nl, fr, ar")
    if text not in _known_languages():
        raise FieldError(f"'{shown(value)}' is geen bestaande taalcode (ISO 639-1); bv. nl, fr, ar, tr, uk")
    return text


@functools.lru_cache(maxsize=1)
def _known_languages() -> frozenset[str]:
    # Babel's CLDR language list: a typo such as 'nk' for 'nl' is caught, not shown as a language.
    from babel import Locale

    return frozenset(code for code in Locale("nl").languages if isinstance(code, str) and len(code) == 2)


# An id travels in Telegram fields of at most 64 bytes (a deep link's start parameter, an inline
# result id, a button's data with its prefix): 60 leaves room for the prefix. Ids are ASCII.
ID_MAX = 60


def slug(value: object) -> str:
    text = str(_cleaned(value)).strip()
    if not _SLUG.match(text):
        raise FieldError(f"'{shown(value)}' is geen geldige id; verwacht kleine letters, cijfers en streepjes")
    if len(text) > ID_MAX:
        raise FieldError(f"id is {len(text)} tekens lang; maximaal {ID_MAX} (links en knoppen in Telegram "
                         "hebben 64 bytes); kort ze in")
    return text


def text(value: object, *, max_len: int | None = None, what: str = "tekst") -> str:
    if isinstance(value, (dict, list)):
        raise FieldError(f"verwacht {what} als gewone tekst, niet als lijst of blok")
    # YAML reads 9.30 as 9.3 and no as false: text that became a number or yes/no would be changed.
    if isinstance(value, (bool, int, float)):
        raise FieldError(f"{what} '{shown(value)}' wordt als getal of ja/nee gelezen; zet het tussen "
                         "aanhalingstekens")
    raw = str(value)
    refuse_bidi(raw, what)
    # A translation keeps its own digits and the joiners its script needs.
    result = clean(raw, digits=False, keep_joiners=True).strip()
    if not result:
        raise FieldError(f"{what} mag niet leeg zijn")
    if max_len is not None and len(result) > max_len:
        raise _too_long(what, len(result), max_len)
    return result


def postcode(value: object) -> int:
    value = _cleaned(value)
    text_ = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"[1-9][0-9]{3}", text_):
        raise FieldError(f"'{shown(value)}' is geen postcode; verwacht vier cijfers, bv. 9000")
    return int(text_)
