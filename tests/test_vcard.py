"""vCards that phones can import: read back with vobject's parser, escaped, never a secret address."""
from __future__ import annotations

from typing import Any

import pytest
import vobject

from bot.i18n import PARENT_LANGUAGES, translator
from bot.vcard import TELEGRAM_VCARD_MAX, service_vcard
from kennisbank.loader import load_knowledge_base
from kennisbank.schema import Contact, Location, Service
from paths import BENCHMARK_KB, ROOT


def vcard_text(service: Service, lang: str = "nl") -> str:
    """service_vcard for a service whose contact fits Telegram (every test here but the last ones)."""
    text = service_vcard(service, lang)
    assert text is not None
    return text


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(BENCHMARK_KB)


def service(**changes) -> Service:
    fields: dict[str, Any] = dict(
        id="hostile", organisation="Wonen, Werk & Zorg; vzw \\ Lindegem",
        name="Hulp; dringend,\nmet nieuwe regel", summary="Je kan hier terecht, ook; zonder afspraak \\ gratis.",
        themes=("huisvesting",), region_id="lindeland", postcodes=None,
        contact=Contact(name="An-Sofie Van, den Berghe; jr.", role="coördinator; onthaal, wonen",
                        phone="+3299991010", email="an@wonen.example"),
        phone="+3299991000", email="info@wonen.example", url="https://wonen.example/a?b=1,2;3",
        location=Location(address="Kerkstraat 5; bus 2, 9801 Lindegem", lat=51.0, lon=3.7),
        hours="ma, di; wo \\ do\nvr", example=True,
    )
    fields.update(changes)
    return Service(**fields)


def unfolded(text: str) -> list[str]:
    """Content lines with RFC folding undone, to look at the raw escaping."""
    return text.replace("\r\n ", "").split("\r\n")


def raw_line(text: str, name: str) -> str:
    return next(line for line in unfolded(text) if line.split(":", 1)[0].split(";")[0] == name)


def read(text: str):
    card = vobject.readOne(text)
    assert card.version.value == "3.0"
    return card


@pytest.mark.parametrize("lang", ["nl", "ar"])
def test_every_benchmark_service_round_trips(kb, lang):
    for s in kb.services.values():
        text = vcard_text(s, lang)
        assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n") and text.endswith("END:VCARD\r\n")
        assert len(text.encode("utf-8")) <= TELEGRAM_VCARD_MAX, s.id
        card = read(text)
        assert card.fn.value == (s.contact.name or s.organisation)
        assert card.org.value == [s.organisation, s.name]
        assert [t.value for t in card.contents.get("tel", [])] == list(
            dict.fromkeys(p for p in (s.contact.phone, s.phone) if p))
        assert {e.value for e in card.contents.get("email", [])} == {
            e for e in (s.contact.email, s.email) if e}
        assert ("adr" in card.contents) == bool(s.location and s.location.address), s.id
        assert ("url" in card.contents) == bool(s.url)
        summary = (s.i18n.get(lang, {}).get("summary") if lang != "nl" else None) or s.summary
        assert card.note.value.startswith(summary)
        if s.contact.role:
            assert card.title.value == s.contact.role


def test_named_contact_with_phones_and_address(kb):
    card = read(vcard_text(kb.services["ocmw-lindegem-onthaal-leefloon"]))
    assert card.n.value.given == "Griet" and card.n.value.family == "Lindekens"
    tels = card.contents["tel"]
    assert tels[0].value == "+3299991011" and tels[0].type_paramlist == ["work", "voice", "pref"]
    assert tels[1].value == "+3299991000" and tels[1].type_paramlist == ["work", "voice"]
    adr = card.adr.value
    assert (adr.street, adr.code, adr.city) == ("Lindeplein 1", "9801", "Lindegem")
    assert "Openingsuren: ma-vr 8u30-12u vrije inloop" in card.note.value


def test_secret_address_never_in_the_vcard(kb):
    shelter = kb.services["caw-lindeland-vluchthuis"]
    for lang in PARENT_LANGUAGES:
        text = vcard_text(shelter, lang)
        assert "ADR" not in text and "LABEL" not in text and "GEO" not in text
        assert read(text).tel.value == shelter.contact.phone


def test_organisation_card_when_no_person():
    card = read(vcard_text(service(contact=Contact())))
    assert card.fn.value == "Wonen, Werk & Zorg; vzw \\ Lindegem"
    assert card.x_abshowas.value == "COMPANY"
    assert [t.value for t in card.contents["tel"]] == ["+3299991000"]


def test_hostile_text_is_escaped_and_reads_back_unchanged():
    text = vcard_text(service())
    assert raw_line(text, "FN") == r"FN:An-Sofie Van\, den Berghe\; jr."
    assert raw_line(text, "ORG") == r"ORG:Wonen\, Werk & Zorg\; vzw \\ Lindegem;Hulp\; dringend\, met nieuwe regel"
    assert raw_line(text, "TITLE") == r"TITLE:coördinator\; onthaal\, wonen"
    assert r"ma\, di\; wo \\ do\nvr" in raw_line(text, "NOTE")
    assert raw_line(text, "ADR") == r"ADR;TYPE=work:;;Kerkstraat 5\; bus 2;Lindegem;;9801;België"
    card = read(text)
    assert card.fn.value == "An-Sofie Van, den Berghe; jr."
    assert card.org.value == ["Wonen, Werk & Zorg; vzw \\ Lindegem", "Hulp; dringend, met nieuwe regel"]
    assert card.title.value == "coördinator; onthaal, wonen"
    assert card.url.value == "https://wonen.example/a?b=1,2;3"
    assert card.note.value == ("Je kan hier terecht, ook; zonder afspraak \\ gratis.\n"
                               "Openingsuren: ma, di; wo \\ do\nvr\n"
                               "Voorbeeld: deze dienst bestaat niet echt.")
    assert card.adr.value.street == "Kerkstraat 5; bus 2"


def test_arabic_names_and_note_survive():
    arabic = service(contact=Contact(name="فاطمة الزهراء", role="مرشدة", phone="+3299991010"),
                     organisation="جمعية الأمل، لينديخم",
                     i18n={"ar": {"summary": "مساعدة في السكن، بدون موعد؛ مجاناً."}})
    text = vcard_text(arabic, "ar")
    card = read(text)
    assert card.fn.value == "فاطمة الزهراء"
    assert card.n.value.given == "فاطمة" and card.n.value.family == "الزهراء"
    assert card.org.value[0] == "جمعية الأمل، لينديخم"
    assert card.note.value.startswith("مساعدة في السكن، بدون موعد؛ مجاناً.")
    assert translator("ar")("Openingsuren") in card.note.value


def test_address_without_postcode_stays_whole():
    card = read(vcard_text(service(location=Location(address="Achter de kerk"))))
    assert card.adr.value.street == "Achter de kerk" and card.adr.value.code == ""


def test_too_long_for_telegram_drops_the_note_first():
    long = service(hours="ma-vr 9u-12u; " * 120, summary="Hulp bij alles. " * 12)
    text = vcard_text(long)
    assert len(text.encode("utf-8")) <= TELEGRAM_VCARD_MAX
    card = read(text)
    assert "Openingsuren" not in card.note.value
    assert card.note.value.startswith("Hulp bij alles.")
    assert card.tel.value == "+3299991010"


# --- structured hours in the card's language (issue 16) -------------------------------------------

@pytest.fixture(scope="module")
def example_kb():
    return load_knowledge_base(ROOT / "regions")


@pytest.mark.parametrize("lang, label, days", [
    ("fr", "Heures d'ouverture", "Du lundi au vendredi"),
    ("uk", "Години роботи", "Понеділок\u2013п\u02bcятниця"),
    ("ar", "أوقات العمل", "من الاثنين إلى الجمعة"),
])
def test_vcard_note_carries_the_structured_hours_in_the_cards_language(example_kb, lang, label, days):
    service = example_kb.services["caw-beekland-onthaal"]
    card = vobject.readOne(vcard_text(service, lang))
    note = card.note.value
    assert f"{translator(lang)('Openingsuren')}: " in note
    assert label in note and days in note
    assert "09:00" in note and "17:00" in note and "ma-vr" not in note   # CLDR times, no Dutch shorthand
    assert service.i18n[lang]["summary"] in note


def test_vcard_note_in_dutch_keeps_the_hours_as_the_region_file_says_them(example_kb):
    service = example_kb.services["clb-beekland"]
    note = vobject.readOne(vcard_text(service, "nl")).note.value
    assert "Openingsuren: Maandag tot vrijdag 08:30\u201316:30; gesloten van 15 juli tot 15 augustus" in note


# --- what gives way when a card would not fit Telegram (issue 13, "Unbounded lengths") -----------

WIDE = "\U00020B9F"   # a CJK character of 4 bytes in UTF-8: at the maxima the vCard no longer fits


def wide_service(**changes) -> Service:
    from kennisbank import fields as f
    values: dict[str, Any] = dict(
        id="wide", organisation=WIDE * f.MAXIMA["organisation"], name=WIDE * f.MAXIMA["name"],
        summary="Hulp.", themes=("huisvesting",), region_id="lindeland", postcodes=None,
        contact=Contact(name=WIDE * f.MAXIMA["contact.name"], role=WIDE * f.MAXIMA["contact.role"],
                        phone="+3299991010", email="an@wonen.example"),
        phone="+3299991000", email="info@wonen.example", url="https://wonen.example/" + "u" * 270,
        location=Location(address=WIDE * f.MAXIMA["location.address"]))
    values.update(changes)
    return Service(**values)


def test_fields_give_way_in_order_and_the_phones_and_name_stay():
    text = service_vcard(wide_service())
    assert text is not None and len(text.encode("utf-8")) <= TELEGRAM_VCARD_MAX
    card = read(text)
    assert "note" not in card.contents and "url" not in card.contents and "adr" not in card.contents
    assert [t.value for t in card.contents["tel"]] == ["+3299991010", "+3299991000"]
    assert card.fn.value == WIDE * 80


def test_a_card_that_gives_way_only_as_far_as_needed():
    text = service_vcard(wide_service(location=Location(address="Kerkstraat 1, 9801 Lindegem"),
                                      contact=Contact(name=WIDE * 80, role="onthaal", phone="+3299991010")))
    assert text is not None
    card = read(text)
    assert "url" not in card.contents and card.adr.value.street == "Kerkstraat 1"


def test_a_contact_that_cannot_fit_has_no_vcard():
    """Only possible beyond the maxima (data from before them): then None, and the contact goes without."""
    huge = wide_service(contact=Contact(name=WIDE * 600, phone="+3299991010"))
    assert service_vcard(huge) is None
