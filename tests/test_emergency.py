"""A question that names 112 or an ambulance gets the 112 line first, in every channel (issue 11).

"moet ik 112 bellen?", "112" and "bel ik de ziekenwagen of niet" got "nothing fits" and no word
about 112 (reviewers of rounds 50 and 51). A rule, not a detector kind (kennisbank/search/emergency.py):
no alert and no urgent door in front, so a lesson about 112 costs one line and no false alarm.
"""
from __future__ import annotations

import html
import json
import subprocess
import sys

import pytest

from bot import render
from bot.answering import PENDING_KEY, compose, compose_urgent_first, reading_before_place
from bot.commands.zoek import answer_text
from bot.state import Knowledge
from bot.terminal import run
from kennisbank import signals
from kennisbank.safety import ACUTE_LINE
from kennisbank.search import SearchEngine
from kennisbank.search.emergency import names_emergency
from paths import ROOT

MUST_CALL = "moet ik 112 bellen?"


@pytest.mark.parametrize("question", [
    "112", "vk 112", "moet ik 112 bellen?", "112!!", "bel ik de ziekenwagen of niet", "ziekewagen komt",
    "ambulanse gebeld", "is dit een noodgeval", "Ziekenwagen?", "spoedgevallendienst", "leerling bewusteloos",
    "doit-on appeler le SAMU ?", "les urgences", "it is an emergency", "should I call an ambulance",
    "zij is bewusteloos, hartmassage gestart", "élève inconscient", "wat is het noodnummer",
    "help kind in gevaar", "a child in my class is in danger", "urgence à l'école, qui appeler",
    "we hebben een noodsituatie met een gezin", "bellen we de hulpdiensten", "wat doe ik bij acuut gevaar",
    "kid not breathing", "leerling ademt niet meer", "help", "SOS", "hulp!!!", "au secours, qui appeler",
    # found by the round-52 reviewer
    "de MUG is onderweg, wat moet ik nu doen met het kind?", "moeten we met hem naar spoed?", "amblance bellen?",
    "ziekewage bellen?", "kleuter heeft iets ingeslikt en krijgt geen lucht",
    # found by the second round-52 reviewer: a question with a negation, a story that starts elsewhere
    "moet ik niet 112 bellen?", "moet ik geen 112 bellen?", "ik weet niet of ik 112 moet bellen",
    "We zijn bezig met een project over de boerderij en plots zakt een leerling in elkaar, ziekenwagen bellen?",
    "Ik ben de boeken aan het uitdelen en een meisje valt plots om, noodgeval",
    "een kind is gestikt in een stuk appel en krijgt geen adem", "de juf legt uit en een kind ademt niet meer",
    # found by the third round-52 reviewer
    "leerling ademt nie meer help", "moet ik de pompiers bellen of de politie", "brandweer bellen? rook in de klas",
])
def test_the_emergency_services_named_in_every_register(question):
    assert names_emergency(question)


@pytest.mark.parametrize("question", [
    "ambulante begeleiding voor een gezin",   # one slip from "ambulance", a welfare term
    "school in 1120 Brussel",                 # a postcode holding 112
    "les familles urgentes",                   # one slip from "urgences"
    "de brandweer komt op bezoek in de kleuterklas",
    "de beamer valt uit, wie bel ik",          # asking whom to call is no emergency (round 50)
    "dringend tolk nodig voor morgen",
    "samurai-verhaal in de klas", "",
    "in gevaar: de toekomst van ons zwembad",  # danger, but nobody of a family
    "het kruispunt aan de school is gevaarlijk voor de kinderen",
    "hoe zeg ik de kleuters dat er geen echt gevaar is bij de brandoefening",
    "papa ruikt naar alcohol, geen acuut gevaar voor het kind volgens hem",
    "help with a benefits form", "hulp nodig bij de huurpremie", "dringend", "wie kan ik nu bellen",
    "de ehbo-koffer is leeg, dringend",
    # found by the round-52 reviewer: a negation, a count or room, a lesson, the past, a welfare term
    "we hebben dringend een tolk nodig, geen noodgeval maar wel snel",
    "the family needs an interpreter urgently, not an emergency", "schulden, vrij dringend, geen 112-toestanden",
    "we hebben 112 leerlingen in de lagere school", "de vergadering is in lokaal 112",
    "we geven een les over 112 bellen, heb je lesmateriaal?", "wat is het verschil tussen 112 en 101?",
    "de papa van een leerling is overleden aan een hartstilstand, hoe begeleid ik de klas?",
    "we moesten gisteren naar de spoedgevallen voor een hechting", "aide alimentaire d'urgence pour une famille",
    "emergency food parcels for a family, where?", "le samu social peut-il héberger une famille?",
    "formation premiers secours pour les enseignants", "ze zeggen dat onze subsidie in gevaar is",
    "de zwemles van de kinderen is in gevaar door de besparingen",
    "het kind is op dit moment niet in acuut gevaar, maar we maken ons zorgen",
    "het kruispunt aan de school is levensgevaarlijk", "papa is ambulancier en werkt nachten",
    "leerling met astma ademt niet goed tijdens de turnles", "met spoed een tolk nodig",
    "les over 112 voor het derde leerjaar", "vader rijdt met de ziekenwagen als job, wie haalt de kinderen op",
    "mama is verpleegster op de spoedgevallen en werkt nachten", "de bus van lijn 112 stopt niet meer aan school",
    "papa heeft een MUG-achtergrond en wil helpen op het schoolfeest", "mijn projector is dood, noodgeval haha",
    "kind in gevaar van schooluitval, wie helpt", "we hebben gisteren 112 gebeld, alles is goed afgelopen",
    # spent blind sets' signals, screened after the second review
    "de huisbaas reageert niet op hun berichten", "hij reageert niet als je zijn naam roept",
    "bij de brandoefening was hij een half uur niet aanspreekbaar",
    "Ze hebben geen huisarts. Bij elke kwaal, gaan ze naar de spoed van het ziekenhuis",
    "Hoe vertel ik de kleuters dat er geen echt gevaar is?",
    "we doen volgende week een brandoefening, moeten we de hulpdiensten verwittigen?",
    "my son had to go to the emergency room last year and now has nightmares",
    "hoe leer ik kleuters het nummer 112", "de 112 app installeren op tablets van school?",
    "de politie komt op bezoek in de klas", "de brandweer komt op het schoolfeest",
])
def test_what_does_not_name_them(question):
    assert not names_emergency(question)


def test_a_named_emergency_gets_112_but_no_alert_and_no_door(bench_kb):
    engine = SearchEngine(bench_kb)
    answer = engine.search(MUST_CALL, 9801)
    assert answer.names_emergency and answer.acute_line == ACUTE_LINE
    assert answer.safety is None and not any(m.urgent for m in answer.matches)
    plain = engine.search("de beamer valt uit, wie bel ik", 9801)
    assert not plain.names_emergency and plain.acute_line is None


def test_a_named_danger_with_112_keeps_its_alert_and_doors(bench_kb):
    """The rule adds a line; it takes nothing from the detector."""
    question = "moet ik 112 bellen? de mama zegt dat ze er een einde aan wil maken"
    answer = SearchEngine(bench_kb).search(question, 9801)
    assert answer.names_emergency and answer.safety is not None and answer.safety.leads
    assert answer.matches[0].urgent


def test_zoek_says_112_first_in_text_and_json(bench_kb, bench_kb_dir):
    answer = SearchEngine(bench_kb).search(MUST_CALL, 9801)
    text = answer_text(answer)
    assert text.startswith(f"🚨 {ACUTE_LINE}") and "Niets gevonden" not in text
    assert text.endswith(render.EMERGENCY_NOTHING_FITS)   # the chat's wording, not a second one
    lines = [{"q": MUST_CALL, "postcode": 9801}, {"q": "de beamer valt uit, wie bel ik", "postcode": 9801}]
    out = subprocess.run([sys.executable, "-m", "bot.cli", "zoek", "--kb", str(bench_kb_dir), "--batch"],
                         input="".join(json.dumps(x) + "\n" for x in lines), capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    named, plain = [json.loads(line) for line in out.stdout.splitlines()]
    assert named["acute_line"] == ACUTE_LINE and named["safety"] is None and named["results"] == []
    assert plain["acute_line"] is None


def test_nothing_fits_becomes_112_then_the_front_doors(bench_kb):
    knowledge = Knowledge.build(bench_kb)
    outcome = compose(knowledge, MUST_CALL, 9801, lambda ids: "k")
    text = outcome.reply.plain()
    assert text.startswith(f"🚨 {ACUTE_LINE}")
    assert "Ik vind geen dienst die goed past" not in text
    assert outcome.kind == "not-found" and outcome.services   # the front doors are still offered
    assert all(not s.urgent for s in map(bench_kb.services.get, outcome.services))


def test_before_the_place_112_comes_first_and_the_question_waits(bench_kb):
    knowledge = Knowledge.build(bench_kb)
    urgent = compose_urgent_first(knowledge, reading_before_place(knowledge, MUST_CALL))
    assert urgent is not None and urgent.reply.plain() == f"🚨 {ACUTE_LINE}" and not urgent.services
    out = io_chat(bench_kb, [MUST_CALL, "Lindegem"])
    asked = render.need_location(knowledge.example_place).plain()
    assert out.index(ACUTE_LINE) < out.index(asked)
    assert out.count(ACUTE_LINE) == 2        # at once, and again in the kept question's answer


def io_chat(kb, lines) -> str:
    import io
    out = io.StringIO()
    assert run(kb, io.StringIO("".join(line + "\n" for line in lines)), out, None) == 0
    return out.getvalue()


async def test_telegram_says_112_first_and_records_the_signal(bot, chat):
    user = chat(7401)
    await user.send("/postcode 9801")
    before = len(await signals.fetch(bot.state.store.conn))
    [answer] = await user.send(MUST_CALL)
    assert answer.text.startswith(f"🚨 {html.escape(ACUTE_LINE)}")
    assert render.EMERGENCY_NOTHING_FITS in answer.text
    assert "Ik vind geen dienst die goed past" not in answer.text
    assert answer.params["parse_mode"] == "HTML"
    rows = await signals.fetch(bot.state.store.conn)
    assert len(rows) == before + 1           # a "nothing fits" signal, as before: no text, no alert
    assert rows[-1].fitted is False
    assert rows[-1].services and all(not bot.state.knowledge.service(s).urgent for s in rows[-1].services)


async def test_telegram_before_the_place_sends_112_at_once_and_answers_later(bot, chat):
    user = chat(7402)
    knowledge = bot.state.knowledge
    line, asked = await user.send(MUST_CALL)
    assert line.text == render.emergency_named().html
    assert asked.text == render.need_location(knowledge.example_place).html
    assert [(k[1], k[2]) for k in bot.application.chat_data[7402][PENDING_KEY]] == [(MUST_CALL, True)]
    replies = await user.send("Lindegem")
    answered = compose(knowledge, MUST_CALL, 9801, lambda ids: "k").reply
    assert replies[1].text == render.kept_answer(MUST_CALL, answered).html
    assert PENDING_KEY not in bot.application.chat_data[7402]


async def test_inline_mode_shows_112_above_the_cards(bot, chat, standin):
    user = chat(7403)
    await user.send("/postcode 9801")
    update = standin.inline_query(7403, MUST_CALL)
    await bot.wait_processed(update["update_id"])
    [answer] = standin.calls_to("answerInlineQuery")
    assert answer.params["button"]["text"] == f"🚨 {ACUTE_LINE}"
    assert answer.params["button"]["start_parameter"] == "acuut"
    first, *welcome = await user.send("/start acuut")
    assert first.text == render.emergency_named().html and welcome   # then the ordinary welcome


async def test_inline_mode_without_an_emergency_keeps_the_language_button(bot, chat, standin):
    await chat(7404).send("/postcode 9801")
    update = standin.inline_query(7404, "de beamer valt uit, wie bel ik")
    await bot.wait_processed(update["update_id"])
    [answer] = standin.calls_to("answerInlineQuery")
    assert answer.params["button"]["start_parameter"] == "taal"


async def test_inline_mode_shows_112_above_the_urgent_doors_of_an_alert(bot, chat, standin, bench_kb):
    """Issue 11 asks for the same answer in every channel: inline mode listed the urgent doors'
    cards with no 112 line at all before the rule (the alert's doors still come first)."""
    danger = "de mama zegt dat ze er een einde aan wil maken"
    await chat(7405).send("/postcode 9801")
    update = standin.inline_query(7405, danger)
    await bot.wait_processed(update["update_id"])
    [answer] = standin.calls_to("answerInlineQuery")
    assert answer.params["button"]["text"] == f"🚨 {ACUTE_LINE}"
    lead = SearchEngine(bench_kb).search(danger, 9801, 10).matches[0]
    assert lead.urgent and answer.params["results"][0]["id"] == lead.id
