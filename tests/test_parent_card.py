"""The card a parent keeps: in their language, plain, safe HTML, right-to-left where needed."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from babel.messages.pofile import read_po
from bidi import get_display

from bot.cli import main as cli_main
from bot.i18n import FSI, LRI, PARENT_LANGUAGES, PDI, RLM, catalogue_path, language_name, translator
from bot.parent_card import parent_card, parent_card_text, utf16_length, visible_length
from bot.render import map_url as map_link
from bot.vcard import service_vcard
from kennisbank.fields import phone_national
from kennisbank.loader import load_knowledge_base
from kennisbank.schema import Contact, Location, Service
from paths import BENCHMARK_KB, ROOT

BIDI_CONTROLS = re.compile("[\u2066-\u2069\u200e\u200f]")


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(BENCHMARK_KB)


def hostile_service(**changes) -> Service:
    fields: dict[str, Any] = dict(
        id="hostile", organisation="<script>alert('x')</script> & Zonen, vzw; \\ test",
        name="Hulp <b>nu</b>\nmet nieuwe regel",
        summary='Een "samenvatting" met <a href="javascript:x">link</a> & <i>tags</i>',
        themes=("schulden",), region_id="lindeland", postcodes=None,
        contact=Contact(name="Jan </b><i>Peeters", role="<u>baas</u>", phone="+3299991010"),
        phone="+3299991000", url="https://x.example/?a=1&b=\"2\"",
        location=Location(address="Straat <1> & co, 9801 Lindegem", lat=51.0, lon=3.7),
        hours="ma <i>9u</i> & 'di'", languages=("nl", "ar"), cost="<€5>", bring=("kaart & <pas>",),
    )
    fields.update(changes)
    return Service(**fields)


class TelegramHTML(HTMLParser):
    """Collects tags and text as Telegram's HTML parse mode would see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.hrefs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [value for name, value in attrs if name == "href"]

    def handle_data(self, data):
        self.text.append(data)


def parse(card: str) -> TelegramHTML:
    parser = TelegramHTML()
    parser.feed(card)
    parser.close()
    return parser


# --- every service of the benchmark, every language ---------------------------------------------

@pytest.mark.parametrize("lang", PARENT_LANGUAGES)
def test_card_for_every_benchmark_service(kb, lang):
    _ = translator(lang)
    for service in kb.services.values():
        card = parent_card(service, lang)
        text = parent_card_text(service, lang)
        assert visible_length(card) <= 1024, service.id      # fits a photo caption
        assert utf16_length(text) <= 1024, service.id
        translated = service.i18n.get(lang, {}).get("summary") if lang != "nl" else None
        summary = translated or service.summary
        seen = "".join(parse(card).text)
        assert summary in seen
        assert _("Wat ze voor je doen") in seen
        in_dutch = _("Deze uitleg is in het Nederlands.")
        assert (in_dutch in seen) == (lang != "nl" and not translated), service.id
        phone = service.contact.phone or service.phone
        if phone:
            assert phone_national(phone) in text
        if service.contact.name:
            assert service.contact.name in text and _("Vraag naar") in text
        assert (_("Adres") in text) == bool(service.location and service.location.address)
        assert ("openstreetmap.org" in text) == (service.location is not None)
        assert set(parse(card).tags) <= {"b", "i", "a"}


def test_service_with_translations_gets_its_own_summary(kb):
    service = kb.services["ocmw-lindegem-onthaal-leefloon"]
    fr = parent_card_text(service, "fr")
    assert service.i18n["fr"]["summary"] in fr
    assert service.summary not in fr
    assert "Ce texte est en néerlandais." not in fr
    assert "Demandez\u00a0: Griet Lindekens (maatschappelijk werker onthaal)" in fr
    assert "Téléphone\u00a0: 09 999 10 11" in fr
    assert "Prix\u00a0: Gratuit" in fr
    assert "On y parle\u00a0: français, néerlandais et anglais" in fr   # theirs first


def test_service_without_translation_says_the_text_is_dutch(kb):
    service = next(s for s in kb.services.values() if "tr" not in s.i18n and s.contact.name)
    tr = parent_card_text(service, "tr").splitlines()
    summary_line = next(i for i, line in enumerate(tr) if service.summary in line)
    assert tr[summary_line].startswith("💬 Size nasıl yardım ederler: ")
    assert tr[summary_line + 1] == "ℹ️ Bu açıklama Hollandaca."


def test_dutch_card_reads_plainly(kb):
    service = kb.services["ocmw-lindegem-onthaal-leefloon"]
    lines = parent_card_text(service, "nl").splitlines()
    assert lines[0] == "🏢 Sociaal Huis Lindegem (OCMW)"
    assert "📞 Telefoon: 09 999 10 11" in lines
    assert "☎️ Algemeen nummer: 09 999 10 00" in lines
    assert "📍 Adres: Lindeplein 1, 9801 Lindegem" in lines
    assert "🗣 Ze spreken: Nederlands, Frans en Engels" in lines
    assert "💶 Kost: Gratis" in lines
    assert any(line.startswith("🎒 Neem mee: identiteitskaart of verblijfskaart") for line in lines)
    assert lines[-1] == "🧪 Voorbeeld: deze dienst bestaat niet echt."   # fictional data says so


def test_spoken_languages_named_in_the_parents_language_theirs_first(kb):
    service = next(s for s in kb.services.values() if "ar" in s.languages and s.languages[0] != "ar")
    line = next(line for line in parent_card_text(service, "ar").splitlines() if "🗣" in line)
    assert line.index(language_name("ar", "ar")) < line.index(language_name("nl", "ar"))


# --- privacy: never a secret address -------------------------------------------------------------

def test_shelter_with_secret_address_shows_no_address(kb):
    shelter = kb.services["caw-lindeland-vluchthuis"]
    assert shelter.location is None
    for lang in PARENT_LANGUAGES:
        _ = translator(lang)
        card = parent_card(shelter, lang)
        assert _("Adres") not in card and _("Toon op de kaart") not in card
        assert "openstreetmap" not in card
        assert phone_national(shelter.contact.phone) in card   # the public front door instead


def test_map_link_points_at_the_listed_spot_only():
    with_coordinates = hostile_service()
    assert map_link(with_coordinates) == ("https://www.openstreetmap.org/?mlat=51.0&mlon=3.7"
                                          "#map=17/51.0/3.7")
    only_address = hostile_service(location=Location(address="Kerkstraat 3, 9810 Oosterveld"))
    assert map_link(only_address) == ("https://www.openstreetmap.org/search?query="
                                      "Kerkstraat%203%2C%209810%20Oosterveld")
    assert map_link(hostile_service(location=None)) is None


# --- hostile entry text --------------------------------------------------------------------------

def test_hostile_entry_text_is_escaped():
    service = hostile_service()
    card = parent_card(service, "nl")
    parsed = parse(card)
    assert set(parsed.tags) <= {"b", "i", "a"}
    assert "<script" not in card and "<u>" not in card and "<pas>" not in card
    assert all(href.startswith("https://") for href in parsed.hrefs)
    assert "https://x.example/?a=1&b=\"2\"" in parsed.hrefs
    text = "".join(parsed.text)
    for original in ("<script>alert('x')</script> & Zonen, vzw; \\ test", "Jan </b><i>Peeters (<u>baas</u>)",
                     "Straat <1> & co, 9801 Lindegem", "ma <i>9u</i> & 'di'", "kaart & <pas>",
                     'Een "samenvatting" met <a href="javascript:x">link</a> & <i>tags</i>'):
        assert original in text
    assert "Hulp <b>nu</b> met nieuwe regel" in text   # a newline in the data stays on its line


def test_long_entry_keeps_the_essentials_and_every_limit():
    service = hostile_service(hours="ma-vr 9u-12u " * 100, how="kom langs " * 100,
                              bring=tuple(f"document {n}" for n in range(80)),
                              summary="Hulp bij alles. " * 12)
    for lang in PARENT_LANGUAGES:
        card = parent_card(service, lang)
        assert visible_length(card) <= 1024
        assert len(card) < 4096
        assert "09 999 10 10" in card and "Lindegem" in card
        assert "…" in card   # the long hours were cut, not the card


def test_closed_service_warns_first():
    lines = parent_card_text(hostile_service(status="temporarily-closed"), "en").splitlines()
    assert lines[2] == "⚠️ Closed for now"


# --- right to left -------------------------------------------------------------------------------

def _visual(card_html: str) -> list[str]:
    """What a reader sees, line by line, after the Unicode bidi algorithm (UAX #9)."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", card_html))
    return [get_display(line) for line in plain.splitlines()]


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_rtl_card_reads_right_to_left_with_numbers_and_names_intact(kb, lang):
    service = kb.services["ocmw-lindegem-onthaal-leefloon"]
    card = parent_card(service, lang)
    lines = card.splitlines()
    assert all(line.startswith(RLM) for line in lines)            # every line right-to-left
    assert f"{LRI}09 999 10 11{PDI}" in card                       # phone isolated left-to-right
    assert f"{FSI}Griet Lindekens (maatschappelijk werker onthaal){PDI}" in card
    for line in lines:
        assert line.count(PDI) == sum(line.count(c) for c in "\u2066\u2067\u2068")  # balanced
    seen = "\n".join(_visual(card))
    assert "09 999 10 11" in seen and "09 999 10 00" in seen
    assert "Griet Lindekens (maatschappelijk werker onthaal)" in seen
    assert "Lindeplein 1, 9801 Lindegem" in seen
    # Without the isolates the same line would show the number backwards: the test can see it.
    phone_line = next(line for line in lines if "09 999 10 11" in line)
    assert "09 999 10 11" not in "".join(_visual(BIDI_CONTROLS.sub("", phone_line)))


def test_ltr_card_has_no_bidi_controls_unless_the_data_is_rtl():
    card = parent_card(hostile_service(), "fr")
    assert not BIDI_CONTROLS.search(card)
    arabic = parent_card(hostile_service(contact=Contact(name="فاطمة الزهراء", role="onthaal",
                                                         phone="+3299991010")), "fr")
    assert f"{FSI}فاطمة الزهراء (onthaal){PDI}" in arabic
    assert RLM not in arabic


def test_plain_text_card_has_no_markup(kb):
    service = kb.services["caw-lindeland-onthaal"]
    text = parent_card_text(service, "en")
    assert "<" not in text and "&amp;" not in text
    assert "🗺 Show on the map: https://www.openstreetmap.org/?mlat=" in text


# --- the command ---------------------------------------------------------------------------------

def test_cli_prints_the_card(capsys):
    code = cli_main(["kaart", "caw-lindeland-onthaal", "--kb", str(BENCHMARK_KB), "--lang", "ar"])
    out = capsys.readouterr().out
    assert code == 0
    assert "الهاتف" in out and "09 999 20 10" in out


def test_cli_prints_the_vcard(capsys):
    code = cli_main(["kaart", "caw-lindeland-onthaal", "--kb", str(BENCHMARK_KB), "--vcard"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert out == service_vcard(load_knowledge_base(BENCHMARK_KB).services["caw-lindeland-onthaal"])


def test_cli_unknown_service_suggests_valid_ids(capsys):
    code = cli_main(["kaart", "caw-lindeland-onthal", "--kb", str(BENCHMARK_KB)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Onbekende dienst 'caw-lindeland-onthal'" in err
    assert "  caw-lindeland-onthaal\n" in err
    assert "diensten in totaal" in err


def test_cli_unknown_language_lists_valid_ones(capsys):
    code = cli_main(["kaart", "caw-lindeland-onthaal", "--kb", str(BENCHMARK_KB), "--lang", "xx"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Onbekende taal 'xx'" in err and "ar (Arabisch)" in err and "uk (Oekraïens)" in err


# --- the bar of issue 16: a parent who reads no Dutch can act on every example card -------------

ACTIONABLE = {"summary": "💬", "hours": "🕘", "cost": "💶", "bring": "🎒", "how": "👉"}
OTHER_LANGUAGES = [code for code in PARENT_LANGUAGES if code != "nl"]
_LETTER = re.compile(r"[^\W\d_]")


def _fields(card_text: str) -> dict[str, str]:
    """The actionable fields of a plain-text card (what `welzijnsbot kaart ID --lang L` prints), by icon."""
    found = {}
    for line in card_text.splitlines():
        line = BIDI_CONTROLS.sub("", line)
        for key, icon in ACTIONABLE.items():
            if line.startswith(icon + " "):
                found[key] = line[len(icon) + 1:].split(": ", 1)[-1]   # after the label and its colon
    return found


def _same_in(lang: str) -> set[str]:
    """Texts of the catalogue that are the same word in that language ('Gratis' in Spanish)."""
    with catalogue_path(lang).open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    return {str(m.string) for m in catalog if m.id and m.string == m.id}


def _in_language(value: str, dutch_value: str, lang: str) -> bool:
    """A field is in the parent's language when it is not marked as Dutch text and says something other
    than the Dutch card, unless it is a catalogue text that is the same word in both languages or has no
    letters at all (a time, an amount)."""
    if translator(lang)("(in het Nederlands)") in value:
        return False
    return value != dutch_value or not _LETTER.search(value) or value in _same_in(lang)


@pytest.fixture(scope="module")
def example_kb():
    return load_knowledge_base(ROOT / "regions")


def measure(example_kb, lang: str) -> tuple[int, int, list[str]]:
    """(fields in the language, fields on the Dutch cards, what is missing or Dutch) over every example card."""
    good = total = 0
    problems = []
    for service in example_kb.services.values():
        dutch = _fields(parent_card_text(service, "nl"))
        theirs = _fields(parent_card_text(service, lang))
        for key, value in dutch.items():
            total += 1
            if key not in theirs:
                problems.append(f"{service.id}: {key} ontbreekt")
            elif _in_language(theirs[key], value, lang):
                good += 1
            else:
                problems.append(f"{service.id}: {key} in het Nederlands: {theirs[key][:60]}")
        if "in het Nederlands" not in "".join(problems) and translator(lang)("Deze uitleg is in het Nederlands.") \
                in parent_card_text(service, lang):
            problems.append(f"{service.id}: samenvatting in het Nederlands")
    return good, total, problems


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_example_cards_are_actionable_in_the_parents_language(example_kb, lang, capsys):
    good, total, problems = measure(example_kb, lang)
    with capsys.disabled():
        print(f"\n{lang}: {good}/{total} actionable fields in the language ({100 * good / total:.1f}%)")
    assert not [p for p in problems if p.endswith("ontbreekt")]   # nothing on the Dutch card is dropped
    assert good / total >= 0.95, problems


def test_every_field_of_the_dutch_card_is_measured(example_kb):
    """The measure sees all five kinds of field, so a field that disappears cannot go unnoticed."""
    seen = {key for s in example_kb.services.values() for key in _fields(parent_card_text(s, "nl"))}
    assert seen == set(ACTIONABLE)


@pytest.mark.parametrize("lang", ["ar", "uk"])
def test_cli_prints_the_same_card_the_measure_reads(example_kb, lang, capsys):
    service = example_kb.services["sociaalhuis-beekdonk-onthaal"]
    assert cli_main(["kaart", service.id, "--kb", str(ROOT / "regions"), "--lang", lang]) == 0
    assert capsys.readouterr().out.strip() == parent_card_text(service, lang).strip()


def test_how_to_get_in_is_never_dropped_from_a_translated_card():
    service = hostile_service(how="Bel eerst naar het onthaal.", access=("eerst-bellen",))
    tr = parent_card_text(service, "tr")
    assert "👉 " in tr and "Önce arayın" in tr                        # the controlled value, in Turkish
    assert "Bel eerst naar het onthaal. (Hollandaca)" in tr           # the note, in Dutch and said so


def test_hours_cost_and_bring_in_the_parents_language(example_kb):
    service = example_kb.services["ibo-beekdonk"]
    fr = parent_card_text(service, "fr")
    assert "Heures d’ouverture\u00a0: Du lundi au vendredi 07:00 \u2013 08:30" in fr.replace("'", "’")
    assert "mercredi 12:00 \u2013 18:30" in fr
    assert "pendant l’année scolaire" in fr.replace("'", "’")
    assert "1,20 € par demi-heure" in fr.replace("\u202f", " ").replace("\u00a0", " ")   # Babel's spacing
    bring = parent_card_text(example_kb.services["sociaalhuis-beekdonk-onthaal"], "uk")
    assert "посвідчення особи (ID-картка)" in bring and "договір оренди житла" in bring


def test_numbers_and_times_stay_left_to_right_in_arabic(example_kb):
    card = parent_card_text(example_kb.services["caw-beekland-onthaal"], "ar")
    hours = next(line for line in card.splitlines() if "🕘" in line)
    assert f"{LRI}09:00\u201312:00{PDI}" in hours                   # isolated: never read backwards
    assert "الاثنين" in hours and "الجمعة" in hours                  # Monday, Friday from CLDR
    assert get_display(hours).count("09:00\u201312:00") == 1


@pytest.mark.parametrize("text, expected", [
    ("Een brief van een andere dienst (doorverwijzing)", "Een brief van een andere dienst (doorverwijzing)."),
    ("Bel eerst.", "Bel eerst."),
    ("(Bel eerst.)", "(Bel eerst.)"),
    ("هل لديك موعد؟", "هل لديك موعد؟"),
])
def test_every_part_of_how_to_get_in_ends_as_a_sentence(text, expected):
    """A note ending in a bracket ran into the next sentence on every card ("(doorverwijzing) Bij nood...")."""
    from bot.practical_view import _sentence

    assert _sentence(text) == expected


def test_generated_hours_start_with_the_capital_of_the_language():
    from bot.practical_view import Said, _capital

    assert _capital(Said("iki haftada bir"), "tr").text == "İki haftada bir"
    assert _capital(Said("iedere week"), "nl").text == "Iedere week"
