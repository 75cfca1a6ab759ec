"""A service as a vCard, so a parent can save the contact on the phone in one tap.

vCard 3.0 (RFC 2426), not 4.0 (RFC 6350): vobject writes 3.0 natively (its 4.0 support is not
released), and 3.0 is what the phones' own contact importers read most reliably (Android's
importer is built around 2.1/3.0, iOS exports 3.0 itself). Telegram passes the text of
sendContact's `vcard` through unchanged, up to 2,048 bytes, so the card is kept under that.
The text escaping (`\\,` `\\;` `\\\\` `\\n`) is the same in both versions and is left to vobject.

Like the parent card, it never carries an address the knowledge base does not list: a shelter
with a secret address has no location, so no ADR.
"""
from __future__ import annotations

import re

import vobject
from vobject.vcard import Address, Name

from kennisbank.schema import Service

from . import practical_view
from .i18n import SOURCE_LANGUAGE, check_language, translator
from .render import FIELD_LIMITS, fits

TELEGRAM_VCARD_MAX = FIELD_LIMITS["vcard"][0]  # bytes, Bot API sendContact.vcard
_POSTCODE_CITY = re.compile(r"^(?P<code>[1-9]\d{3})\s+(?P<city>.+)$")


def _one_line(text: str) -> str:
    """Names and titles are single-line fields: a newline in the data must not split them."""
    return " ".join(text.split())


def _name(person: str) -> Name:
    """First word as given name, the rest as family name: how phones sort most names."""
    given, _, family = _one_line(person).partition(" ")
    return Name(family=family, given=given)


def _address(address: str) -> Address:
    """'Lindeplein 1, 9801 Lindegem' -> street / postcode / city; anything else stays the street."""
    street, _, rest = address.rpartition(",")
    match = _POSTCODE_CITY.match(rest.strip()) if street else None
    if match:
        return Address(street=_one_line(street), city=match["city"].strip(), code=match["code"],
                       country="België")
    return Address(street=_one_line(address))


def _note(service: Service, lang: str, with_hours: bool) -> str:
    _ = translator(lang)
    texts = service.i18n.get(lang, {}) if lang != SOURCE_LANGUAGE else {}
    parts = [texts.get("summary") or service.summary]
    said = practical_view.hours(service, lang) if with_hours else None
    if said:   # the structured hours in the card's language (day names, times: Babel)
        parts.append(f"{_('Openingsuren')}: {said.text}")
    if service.example:
        parts.append(_("Voorbeeld: deze dienst bestaat niet echt."))
    return "\n".join(parts)


# What gives way, in this order, when a card would not fit Telegram's 2,048 bytes (only with
# scripts of 3 or 4 bytes a character at the fields' maxima, kennisbank/fields.MAXIMA): first the
# note, then what a parent can also find on the parent card, never the phone or the name.
_GIVES_WAY = ("url", "adr", "title", "second_email", "org_name")


def _build(service: Service, lang: str, note: str | None, without: frozenset[str] = frozenset()) -> str:
    card = vobject.vCard()
    person = _one_line(service.contact.name) if service.contact.name else None
    organisation = _one_line(service.organisation)
    card.add("fn").value = person or organisation
    card.add("n").value = _name(person) if person else Name()
    if not person:
        card.add("x-abshowas").value = "COMPANY"  # Apple: file it under the organisation
    card.add("org").value = [organisation] if "org_name" in without else [organisation, _one_line(service.name)]
    if service.contact.role and "title" not in without:
        card.add("title").value = _one_line(service.contact.role)
    phones = [(service.contact.phone, ["work", "voice", "pref"]), (service.phone, ["work", "voice"])]
    seen: set[str] = set()
    for number, types in phones:
        if number and number not in seen:
            seen.add(number)
            tel = card.add("tel")
            tel.value = number
            tel.type_paramlist = types
    mails = list(dict.fromkeys(a for a in (service.contact.email, service.email) if a))
    for address in mails[:1] if "second_email" in without else mails:
        mail = card.add("email")
        mail.value = address
        mail.type_paramlist = ["internet", "work"]
    if service.location is not None and service.location.address and "adr" not in without:
        adr = card.add("adr")
        adr.value = _address(service.location.address)
        adr.type_paramlist = ["work"]
    if service.url and "url" not in without:
        card.add("url").value = service.url
    if note:
        card.add("note").value = note
    return card.serialize()


def full_vcard(service: Service, lang: str = SOURCE_LANGUAGE) -> str:
    """Everything, however long: for a .vcf file (welzijnsbot kaart --vcard), not for Telegram."""
    lang = check_language(lang)
    return _build(service, lang, _note(service, lang, True))


def service_vcard(service: Service, lang: str = SOURCE_LANGUAGE) -> str | None:
    """The service's contact as vCard 3.0 text that fits Telegram's sendContact (render.fits), or
    None when not even the name and phones fit (send the contact without a vCard then).

    The note (summary, hours; in the parent's language) is shortened, then dropped; then the
    fields of _GIVES_WAY one by one. The card view and the share flow both send this.
    """
    lang = check_language(lang)
    attempts: list[tuple[str | None, frozenset[str]]] = [
        (_note(service, lang, True), frozenset()), (_note(service, lang, False), frozenset())]
    attempts += [(None, frozenset(_GIVES_WAY[:n])) for n in range(len(_GIVES_WAY) + 1)]
    for note, without in attempts:
        text = _build(service, lang, note, without)
        if fits("vcard", text):
            return text
    return None
