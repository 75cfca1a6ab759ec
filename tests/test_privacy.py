"""Personal data in a message is noticed (to add a gentle line), ordinary sentences are not;
and the token is redacted from any log record."""
from __future__ import annotations

import io
import logging
import unicodedata

import pytest

from bot.app import RedactFilter
from bot.privacy import looks_personal, remark_is_personal
from kennisbank.schema import Contact, Service

PERSONAL = [
    "Yasmina El Amrani uit het 3de leerjaar heeft geen jas",
    "de mama van Lotte Peeters wordt uit haar huis gezet",
    "Kevin Van den Broeck komt elke dag zonder ontbijt",
    "bel de mama op 0470 12 34 56 aub",
    "mama is bereikbaar via +32 470 12 34 56",
    "haar mail is mama.test@gmail.com",
    "rijksregisternummer 85.07.30-033.28 staat op de brief",
    "85073003328",
]

ORDINARY = [
    "papa krijgt steeds brieven van nen deurwaarder",
    "Een mama wordt uit haar huis gezet",
    "Kan het Sociaal Huis helpen met de schoolrekening?",
    "Het CAW of het OCMW, wie helpt bij schulden?",
    "Mijn leerling komt zonder boterhammen naar school. Wat kan ik doen?",
    "De Lijn abonnement is te duur voor het gezin",
    "Kind en Gezin zegt dat ze moeten wachten tot Maandag",
    "gezin in Lindegem heeft al 3 maanden huurachterstand van 1500 euro",
    "Vader is sinds 12/03/2025 werkloos en vraagt of de VDAB kan helpen",
    "Nieuwkomer uit Syrië spreekt geen Nederlands",
    "Wie helpt in Oosterveld met luizen?",
]


@pytest.mark.parametrize("text", PERSONAL)
def test_personal_data_is_noticed(text):
    assert looks_personal(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_sentences_are_not_flagged(text):
    assert not looks_personal(text, extra_not_names=["Lindegem", "Oosterveld", "Syrië", "Lijn"])


def test_knowledge_base_names_are_not_people():
    text = "Moet ik naar Sociaal Huis Lindegem of naar CAW Lindeland?"
    assert looks_personal("Moet ik naar Greet Lindeman bellen?")
    assert not looks_personal(text, extra_not_names=["Lindegem", "Lindeland"])


def test_redact_filter_removes_token_everywhere():
    token = "123456:SECRET-token-value"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter(token))
    logger = logging.getLogger("test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("POST https://api.telegram.org/bot%s/getMe", token)
        try:
            raise ValueError(f"bad url /bot{token}/sendMessage")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "getMe" in output and "ValueError" in output
    assert token not in output and "SECRET" not in output
    assert output.count("<TOKEN>") >= 2


# ── names in other scripts (issue 13): letters of every script, after NFC ────────────────

OTHER_SCRIPT_NAMES = [
    "Ayşe Çelik",                 # Turkish
    "Şükrü Yılmaz",
    "Łukasz Wójcik",              # Polish
    "Małgorzata Żyła",
    "Ștefan Mărgărit",            # Romanian
    "Ioana Țăranu",
    "Олена Коваленко",            # Ukrainian (Cyrillic)
    "Дмитрий Соколов",            # Russian
    "محمد العلي",                 # Arabic
    "فاطمة الزهراء",
    "Céline Dubois",              # decomposed (NFD) below
]


@pytest.mark.parametrize("name", [*OTHER_SCRIPT_NAMES, unicodedata.normalize("NFD", "Céline Dubois"),
                                  unicodedata.normalize("NFD", "Ayşe Çelik")])
def test_names_in_other_scripts_are_noticed_in_a_question(name):
    assert looks_personal(f"de mama van {name} wordt uit haar huis gezet")


@pytest.mark.parametrize("name", OTHER_SCRIPT_NAMES)
def test_names_in_other_scripts_make_a_remark_personal(name):
    service = Service(id="onthaal", organisation="Sociaal Huis Beekdonk", name="Onthaal", summary="s",
                      themes=("inkomen",), region_id="beekland", postcodes=frozenset({9803}),
                      contact=Contact(name="Lotte Voorbeeld", phone="+3299992011"))
    assert remark_is_personal(f"{name} belde al, het nummer klopt niet meer", service, frozenset())
    assert remark_is_personal(f"het nummer klopt niet, vraag het aan {name}", service, frozenset())
    assert not remark_is_personal("het nummer klopt niet meer, Lotte Voorbeeld is weg", service, frozenset())


@pytest.mark.parametrize("question", [
    "أبي يتلقى رسائل من محضر قضائي",                 # a whole question in Arabic is no list of names
    "ما عندنا فلوس للإيجار",
    "Мама не може платити за оренду",                 # Ukrainian sentence: one capital only
    "Babam icra memurundan mektup alıyor",            # Turkish sentence
])
def test_ordinary_questions_in_other_languages_are_not_flagged(question):
    assert not looks_personal(question)
