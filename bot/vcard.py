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

TELEGRAM_VCARD_MAX = 2048  # bytes, Bot API sendContact.vcard
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


def _build(service: Service, lang: str, note: str | None) -> str:
    card = vobject.vCard()
    person = _one_line(service.contact.name) if service.contact.name else None
    organisation = _one_line(service.organisation)
    card.add("fn").value = person or organisation
    card.add("n").value = _name(person) if person else Name()
    if not person:
        card.add("x-abshowas").value = "COMPANY"  # Apple: file it under the organisation
    card.add("org").value = [organisation, _one_line(service.name)]
    if service.contact.role:
        card.add("title").value = _one_line(service.contact.role)
    phones = [(service.contact.phone, ["work", "voice", "pref"]), (service.phone, ["work", "voice"])]
    seen: set[str] = set()
    for number, types in phones:
        if number and number not in seen:
            seen.add(number)
            tel = card.add("tel")
            tel.value = number
            tel.type_paramlist = types
    for address in dict.fromkeys(a for a in (service.contact.email, service.email) if a):
        mail = card.add("email")
        mail.value = address
        mail.type_paramlist = ["internet", "work"]
    if service.location is not None and service.location.address:
        adr = card.add("adr")
        adr.value = _address(service.location.address)
        adr.type_paramlist = ["work"]
    if service.url:
        card.add("url").value = service.url
    if note:
        card.add("note").value = note
    return card.serialize()


def service_vcard(service: Service, lang: str = SOURCE_LANGUAGE) -> str:
    """The service's contact as vCard 3.0 text; the note (summary, hours) in the parent's language.

    The note is shortened, then dropped, when the card would not fit Telegram's 2,048 bytes.
    """
    lang = check_language(lang)
    for note in (_note(service, lang, True), _note(service, lang, False), None):
        text = _build(service, lang, note)
        if len(text.encode("utf-8")) <= TELEGRAM_VCARD_MAX:
            return text
    return text
