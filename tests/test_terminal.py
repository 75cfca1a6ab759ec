"""`welzijnsbot chat` holds the bot's conversation in the terminal; `run` explains a missing token."""
from __future__ import annotations

import io
import re

import pytest

from bot import callback_data as cd
from bot import render
from bot.answering import (
    FORGOTTEN_KEY,
    LIKELY_NEEDS,
    PENDING_FOR,
    PENDING_KEY,
    PENDING_MAX,
    SEARCH_LIMIT,
    Kept,
    Taken,
    compose,
    compose_theme,
    compose_urgent_first,
    drop_stale_questions,
    keep_question,
    likely_needs,
    reading_before_place,
    stash_results,
    take_questions,
    unknown_place,
    until_stale,
)
from bot.cli import main as cli_main
from bot.i18n import PARENT_LANGUAGES
from bot.parent_card import parent_card_text
from bot.places import location_reply, parse_location
from bot.share_view import language_choice
from bot.state import Knowledge
from bot.terminal import TerminalChat, button_lines, run
from fakes import compose_failing_on
from kennisbank.fields import phone_national
from kennisbank.loader import load_knowledge_base
from kennisbank.search import SearchEngine
from kennisbank.themes import load_themes
from paths import ROOT

QUESTION = "papa krijgt steeds brieven van nen deurwaarder"


def chat(kb, lines, postcode=None) -> str:
    out = io.StringIO()
    assert run(kb, io.StringIO("".join(line + "\n" for line in lines)), out, postcode) == 0
    return out.getvalue()


def test_terminal_conversation_matches_the_bot(bench_kb):
    output = chat(bench_kb, ["lindegm", QUESTION, "1", "/privacy", "/vergeet", QUESTION])
    top = SearchEngine(bench_kb).search(QUESTION, 9801, SEARCH_LIMIT).matches[0].service
    assert "Noem geen namen: ik bewaar je vraag niet." in output
    assert "Ingesteld: Lindegem (9801)" in output
    assert top.contact.name is not None and top.contact.phone is not None
    assert top.contact.name in output
    assert "[1] 📇 1." in output and "Meer resultaten" in output
    assert "   [2] 📤 Deel\n" in output   # a service's card and its share on one line, as in Telegram
    # "1" pressed the first button: the full card with the contact
    assert f"Contactkaart: {top.contact.name}, {phone_national(top.contact.phone)}" in output
    assert "Wat ik bewaar" in output and "Gewist" in output
    # after /vergeet the postcode is gone: it asks for the place and keeps the question
    assert output.rstrip().endswith(render.need_location(Knowledge.build(bench_kb).example_place).plain())
    assert "<b>" not in output and "&amp;" not in output


def test_terminal_with_postcode_option_and_help(bench_kb):
    output = chat(bench_kb, ["/help", "/postcode 9810", "/onbekend", "7"], postcode=9801)
    assert "Lindegem" in output and "Oosterveld" in output
    assert "Die opdracht ken ik niet" in output
    assert "Kies een nummer" in output


def test_run_without_token_explains_botfather(monkeypatch, capsys):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert cli_main(["run"]) == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err and "TELEGRAM_BOT_TOKEN" in err and "/newbot" in err


EVICTION = "een mama wordt uit haar huis gezet"


@pytest.fixture(scope="module")
def regions_kb():
    """The default knowledge base of `welzijnsbot chat` and `make run`: regions/."""
    return load_knowledge_base(ROOT / "regions")


@pytest.mark.parametrize("kb_name", ["bench_kb", "regions_kb"])
def test_first_question_is_answered_after_the_place(request, kb_name):
    kb = request.getfixturevalue(kb_name)
    knowledge = Knowledge.build(kb)
    assert knowledge.example_place is not None
    name, postcode = knowledge.example_place
    output = chat(kb, [EVICTION, name])
    expected = compose(knowledge, EVICTION, postcode, lambda ids: "k").reply
    assert expected.buttons, "the example place should have services for this question"
    assert render.need_location(knowledge.example_place).plain() in output
    assert location_reply(knowledge, postcode, answering=True).plain() in output
    assert output.rstrip().endswith("\n".join([expected.plain().rstrip(), *button_lines(expected.buttons)]))


def test_kept_question_is_forgotten_after_pending_for(bench_kb):
    now = [0.0]
    out = io.StringIO()
    terminal = TerminalChat(bench_kb, out, clock=lambda: now[0])
    terminal.handle(EVICTION)
    assert [k[1] for k in terminal.chat_data[PENDING_KEY]] == [EVICTION]
    now[0] = PENDING_FOR + 1
    terminal.handle("Lindegem")
    assert out.getvalue().rstrip().endswith(location_reply(terminal.knowledge, 9801, 0, 1).plain())
    assert PENDING_KEY not in terminal.chat_data


def test_keep_take_and_drop_questions():
    data: dict = {}
    assert keep_question(data, "eerste", now=0) == Kept(1, False)
    assert keep_question(data, "tweede", now=5) == Kept(2, False)   # a second question waits with the first
    assert take_questions(data, now=PENDING_FOR) == Taken(("eerste", "tweede"), 0)
    assert take_questions(data, now=6) == Taken((), 0)              # taken is forgotten
    keep_question(data, "oud", now=0)
    keep_question(data, "nieuw", now=10)
    # the one that waited too long is gone, and the reply to the place can say so
    assert take_questions(data, now=PENDING_FOR + 5) == Taken(("nieuw",), 1)
    assert data == {}


def test_the_job_forgets_each_question_when_it_goes_stale_not_after_the_last():
    """Found by a reviewer: the job ran PENDING_FOR after the *latest* question, so an older one
    stayed in memory up to twice as long."""
    data: dict = {}
    keep_question(data, "derde", now=0)
    keep_question(data, "vierde", now=590)
    assert until_stale(data, now=590) == PENDING_FOR - 590           # the job is due for the oldest
    assert drop_stale_questions(data, now=PENDING_FOR) == 0.0        # at the boundary it may still wait
    assert drop_stale_questions(data, now=PENDING_FOR + 1) == PENDING_FOR + 590 - (PENDING_FOR + 1)
    assert [k[1] for k in data[PENDING_KEY]] == ["vierde"] and data[FORGOTTEN_KEY] == 1
    assert drop_stale_questions(data, now=PENDING_FOR + 591) is None
    assert PENDING_KEY not in data and data[FORGOTTEN_KEY] == 2      # only a count, no text, stays


def test_a_question_that_raised_an_alert_is_the_last_to_make_room():
    """Life safety first: more messages than PENDING_MAX before the place push out calm questions."""
    data: dict = {}
    keep_question(data, "gevaar", now=0, alerted=True)
    for n in range(PENDING_MAX + 2):
        kept = keep_question(data, f"vraag {n}", now=1 + n)
    assert kept == Kept(PENDING_MAX, True)
    taken = take_questions(data, now=10)
    assert taken.questions[0] == "gevaar" and taken.forgotten == 3
    assert list(taken.questions[1:]) == [f"vraag {n}" for n in range(PENDING_MAX + 2)][-(PENDING_MAX - 1):]


def test_the_question_that_just_came_is_always_kept():
    """Found by a reviewer: with PENDING_MAX alerted questions held, a new calm one was dropped at
    once while the bot said it would answer it."""
    data: dict = {}
    for n in range(PENDING_MAX):
        keep_question(data, f"gevaar {n}", now=n, alerted=True)
    assert keep_question(data, "schulden", now=10) == Kept(PENDING_MAX, True)
    taken = take_questions(data, now=11)
    assert taken.questions[-1] == "schulden" and taken.forgotten == 1
    assert list(taken.questions[:-1]) == [f"gevaar {n}" for n in range(1, PENDING_MAX)]


def test_privacy_says_how_many_questions_are_kept_and_how_long():
    assert render._count_word(PENDING_MAX) == render.PENDING_MAX_WORD
    assert PENDING_FOR == 600 and "niet langer dan 10 minuten" in render.privacy_text().plain()


def test_the_replies_say_what_is_kept_and_what_was_forgotten(bench_kb):
    knowledge = Knowledge.build(bench_kb)
    many = ["schulden", "luizen", "zwemles", "bril"]
    output = chat(bench_kb, [*many, "Lindegem"])
    assert output.count(render.need_location(knowledge.example_place).plain()) == 1
    assert render.need_location(knowledge.example_place, 2).plain() in output
    assert render.need_location(knowledge.example_place, 3, dropped=True).plain() in output
    assert "je drie vragen" in output and "een eerdere vraag heb ik laten vallen" in output
    assert location_reply(knowledge, 9801, 3, 1).plain() in output
    assert "Eén vraag van daarvoor heb ik niet meer onthouden" in output
    assert output.index("Lindegem") < output.rindex(
        compose(knowledge, "bril", 9801, lambda ids: "k").reply.plain().splitlines()[0])


def test_a_possible_danger_before_the_place_gets_112_and_is_not_replaced(bench_kb):
    """Found by a reviewer: a question with a *possible* danger waited for the place without a word
    about 112, and the next message ("tolk") replaced it, so it was never answered."""
    knowledge = Knowledge.build(bench_kb)
    possible = compose_urgent_first(knowledge, reading_before_place(knowledge, EVICTION))
    assert possible is not None and possible.kind == "possible-danger" and not possible.services
    assert "112" in possible.reply.plain()
    assert compose_urgent_first(knowledge, reading_before_place(knowledge, QUESTION)) is None
    output = chat(bench_kb, [EVICTION, QUESTION, "Lindegem"])
    asked = render.need_location(knowledge.example_place).plain()
    assert output.index(possible.reply.plain()) < output.index(asked)
    assert location_reply(knowledge, 9801, answering=2).plain() in output
    assert "Hieronder de antwoorden op je twee vragen." in output
    first = compose(knowledge, EVICTION, 9801, lambda ids: "k").reply.plain()
    second = compose(knowledge, QUESTION, 9801, lambda ids: "k").reply.plain()
    assert output.index(asked) < output.index(first) < output.rindex(second)


@pytest.mark.parametrize("kb_name", ["bench_kb", "regions_kb"])
def test_every_example_place_works_on_the_loaded_data(request, kb_name):
    """Welcome, /help and the hints name a municipality and postcode of the loaded data."""
    kb = request.getfixturevalue(kb_name)
    knowledge = Knowledge.build(kb)
    example = knowledge.example_place
    assert example is not None
    name, postcode = example
    assert parse_location(knowledge, name) == postcode and knowledge.place_name(postcode) == name
    assert any(s.serves(postcode) for s in kb.active_services() if not kb.region_of(s).is_flemish_layer)
    texts = [render.welcome(example=example), render.ask_location(example), render.location_unknown(example),
             render.need_location(example), render.help_text(None, None, example)]
    for reply in texts:
        assert f"{postcode}" in reply.html and name in reply.html
    # the commands /help suggests, typed as they are, set that place
    commands = re.findall(r"/(?:postcode|gemeente) [^\s:]+", render.help_text(None, None, example).plain())
    assert len(commands) == 2
    for command in commands:
        output = chat(kb, [command])
        assert location_reply(knowledge, postcode).plain() in output
    other = {"bench_kb": "regions_kb", "regions_kb": "bench_kb"}[kb_name]
    other_example = Knowledge.build(request.getfixturevalue(other)).example_place
    assert other_example is not None and other_example != example


def test_no_example_without_local_municipalities(regions_kb):
    flemish_only = type(regions_kb)({k: r for k, r in regions_kb.regions.items() if r.is_flemish_layer},
                                    {k: s for k, s in regions_kb.services.items()
                                     if regions_kb.region_of(s).is_flemish_layer})
    assert Knowledge.build(flemish_only).example_place is None
    assert "/postcode of /gemeente:" in render.help_text(None, None, None).html
    assert "bv." not in render.ask_location(None).html


@pytest.mark.parametrize("question", [QUESTION, EVICTION, "geld", "xyzzy qwerty plop"])
def test_every_button_the_terminal_shows_works(bench_kb, question):
    """Two levels deep: no shown button answers 'verlopen' (sharing included)."""
    expired = render.expired().plain()
    terminal = TerminalChat(bench_kb, io.StringIO(), postcode=9801)   # one search engine for all paths
    answer = compose(terminal.knowledge, question, 9801, lambda ids: stash_results(terminal.chat_data, ids)).reply

    def fresh() -> tuple[TerminalChat, io.StringIO]:
        """Back to the answer (shown again, not searched again)."""
        terminal.out = io.StringIO()
        terminal.show(answer)
        return terminal, terminal.out

    first, _ = fresh()
    assert first.buttons
    labels = [b.label for b in first.buttons]
    if any(isinstance(cd.decode(b.data), cd.ShowCard) for b in first.buttons):
        assert any(isinstance(cd.decode(b.data), cd.ShareCard) for b in first.buttons), labels
    for n in range(1, len(first.buttons) + 1):
        _, out = fresh()
        terminal.press(n)
        assert expired not in out.getvalue(), n
        for m in range(1, len(terminal.buttons) + 1):
            _, out = fresh()
            terminal.press(n)
            terminal.press(m)
            assert expired not in out.getvalue(), (n, m)


def test_terminal_share_gives_the_parent_card(bench_kb):
    out = io.StringIO()
    terminal = TerminalChat(bench_kb, out, postcode=9801)
    terminal.handle(QUESTION)
    share = next(n for n, b in enumerate(terminal.buttons, 1) if isinstance(cd.decode(b.data), cd.ShareCard))
    action = cd.decode(terminal.buttons[share - 1].data)
    assert isinstance(action, cd.ShareCard)
    service = terminal.knowledge.resolve(action.service)
    assert service is not None
    listed = list(terminal.buttons)
    terminal.press(share)
    choice = language_choice(service)
    assert out.getvalue().rstrip().endswith("\n".join([choice.plain(), *button_lines(choice.buttons)]))
    assert terminal.buttons == [b for row in choice.buttons for b in row]
    mark = len(out.getvalue())
    terminal.press(PARENT_LANGUAGES.index("fr") + 1)
    shown = out.getvalue()[mark:]
    assert parent_card_text(service, "fr").rstrip() in shown
    # the parent card is copied; the list of services is back, as it stays above in Telegram
    assert terminal.buttons == listed and "De knoppen van de lijst:" in shown


def test_terminal_card_keeps_the_list_pressable(bench_kb):
    """After a card, the list's numbers still work (Telegram keeps the list above the card): share
    the card just read, or open the next one, without asking again."""
    out = io.StringIO()
    terminal = TerminalChat(bench_kb, out, postcode=9801)
    terminal.handle(QUESTION)
    listed = list(terminal.buttons)
    actions = [cd.decode(b.data) for b in listed]
    cards = [(n, a.service) for n, a in enumerate(actions, 1) if isinstance(a, cd.ShowCard)]
    assert len(cards) >= 2
    first, second = (terminal.knowledge.resolve(ref) for _, ref in cards[:2])
    assert first is not None and second is not None and first.id != second.id
    terminal.press(cards[0][0])
    assert terminal.buttons == listed
    assert out.getvalue().rstrip().endswith(f"  [{len(listed)}] {listed[-1].label}")
    share = next(n for n, a in enumerate(actions, 1) if a == cd.ShareCard(first.id))
    terminal.press(share)
    assert out.getvalue().rstrip().endswith(f"[{len(PARENT_LANGUAGES)}] "
                                            + language_choice(first).buttons[-1][-1].label)
    terminal.handle(QUESTION)
    terminal.press(cards[0][0])
    mark = len(out.getvalue())
    terminal.press(cards[1][0])
    assert render.card(second).plain().splitlines()[1] in out.getvalue()[mark:]
    assert "Kies een nummer" not in out.getvalue()


def test_terminal_next_page_keeps_the_first_results_pressable(bench_kb):
    """A fresh reviewer (round 30): after "Meer resultaten" results 1-3 could no longer be opened;
    Telegram keeps the first page and its buttons above the next one."""
    out = io.StringIO()
    terminal = TerminalChat(bench_kb, out, postcode=9801)
    terminal.handle(QUESTION)
    first_page = list(terminal.buttons)
    more = next(n for n, b in enumerate(first_page, 1) if isinstance(cd.decode(b.data), cd.MorePage))
    terminal.press(more)
    assert "De knoppen van de eerdere resultaten:" in out.getvalue()
    actions = [cd.decode(b.data) for b in terminal.buttons]
    earlier = [b for b in first_page if not isinstance(cd.decode(b.data), cd.MorePage)]
    assert terminal.buttons[-len(earlier):] == earlier          # numbered on after the new page
    new_cards = [a for a in actions[:-len(earlier)] if isinstance(a, cd.ShowCard)]
    assert new_cards and all(a not in [cd.decode(b.data) for b in earlier] for a in new_cards)
    # a first-page card opens from here, and the list (both pages) stays pressable after it
    first_card = cd.decode(earlier[0].data)
    assert isinstance(first_card, cd.ShowCard)
    service = terminal.knowledge.resolve(first_card.service)
    assert service is not None
    listed = list(terminal.buttons)
    mark = len(out.getvalue())
    terminal.press(len(listed) - len(earlier) + 1)
    assert render.card(service).plain().splitlines()[1] in out.getvalue()[mark:]
    assert terminal.buttons == listed


def test_terminal_leaves_out_buttons_it_cannot_press(bench_kb):
    out = io.StringIO()
    terminal = TerminalChat(bench_kb, out)
    terminal.show(render.Reply("x", ((render.Button("👍", cd.RateAnswer(1, True).encode()),
                                      render.Button("kaart", cd.ShowCard("a").encode())),)))
    assert [b.label for b in terminal.buttons] == ["kaart"]
    assert "👍" not in out.getvalue()


@pytest.mark.parametrize("kb_name", ["bench_kb", "regions_kb"])
def test_nothing_fits_offers_few_needs_and_the_full_list(request, kb_name):
    kb = request.getfixturevalue(kb_name)
    knowledge = Knowledge.build(kb)
    assert knowledge.example_place is not None
    postcode = knowledge.example_place[1]
    outcome = compose(knowledge, "xyzzy qwerty plop", postcode, lambda ids: "k")
    assert outcome.kind == "not-found"
    entry = knowledge.engine.entry_points(postcode)
    actions = [cd.decode(b.data) for row in outcome.reply.buttons for b in row]
    needs = [a.theme for a in actions if isinstance(a, cd.ThemePage)]
    assert 0 < len(needs) <= LIKELY_NEEDS and len(set(needs)) == len(needs)
    assert actions[-1] == cd.AllNeeds()
    assert len(actions) == 2 * len(entry) + len(needs) + 1          # each door: card and share
    # every need offered has services here; "Andere nood…" opens all of them
    for theme in needs:
        assert knowledge.engine.by_theme(theme, postcode).matches
    output = io.StringIO()
    terminal = TerminalChat(kb, output, postcode=postcode)
    terminal.show(outcome.reply)
    terminal.press(len(terminal.buttons))
    assert [cd.decode(b.data) for b in terminal.buttons] == [cd.ThemePage(t) for t in load_themes()]


def test_a_need_the_area_has_no_door_for_is_said_plainly(bench_kb, bench_kb_dir, capsys):
    """A fresh reviewer (round 31): "huiswerkbegeleiding" in Lindegem got "nothing fits, try other
    words", although the search understood it; Lindegem has no homework service (Oosterveld has)."""
    knowledge = Knowledge.build(bench_kb)
    assert bench_kb.unserved(("huiswerk", "schulden"), 9801) == ("huiswerk",)
    assert bench_kb.unserved(("huiswerk", "schulden"), 9810) == ()
    outcome = compose(knowledge, "huiswerkbegeleiding", 9801, lambda ids: "k")
    assert outcome.kind == "not-found" and outcome.themes == ("huiswerk",)
    assert outcome.reply.plain().startswith("Voor “Huiswerkbegeleiding” ken ik geen dienst in Lindegem.")
    assert cd.ThemePage("huiswerk") not in [cd.decode(b.data) for row in outcome.reply.buttons for b in row]
    # the same from the full list of needs ("Andere nood…" -> Huiswerk)
    assert compose_theme(knowledge, "huiswerk", 0, 9801).plain().startswith("Voor “Huiswerkbegeleiding” ken ik")
    # where a homework service is, the same question is answered
    assert compose(knowledge, "huiswerkbegeleiding", 9810, lambda ids: "k").kind == "answer"
    # a school matter is still "nothing fits" in the usual words
    plain = compose(knowledge, "de kopieermachine is kapot", 9801, lambda ids: "k")
    assert plain.reply.plain().startswith("Ik vind geen dienst die goed past bij je vraag.")
    assert cli_main(["zoek", "--kb", str(bench_kb_dir), "--postcode", "9801", "huiswerkbegeleiding"]) == 0
    assert "Voor “Huiswerkbegeleiding” is er geen dienst in deze regio." in capsys.readouterr().out


def test_likely_needs_put_the_recognised_need_first(bench_kb):
    knowledge = Knowledge.build(bench_kb)
    unrecognised = likely_needs(knowledge, (), 9801)
    last = unrecognised[-1]
    assert likely_needs(knowledge, (last,), 9801)[0] == last
    assert last not in likely_needs(knowledge, (), 9801, leave_out=(last,))


def test_a_danger_before_the_place_gets_112_and_the_flemish_doors_at_once(bench_kb):
    """The terminal does what the bot does (tests/test_bot_e2e.py): 112 and the Flemish urgent doors
    before the place is asked, then the full local answer once it is given (issue 11)."""
    knowledge = Knowledge.build(bench_kb)
    danger = "mijn papa zegt dat hij niet meer wil leven"
    urgent = compose_urgent_first(knowledge, reading_before_place(knowledge, danger))
    assert urgent is not None and "112" in urgent.reply.plain()
    assert urgent.services and all(bench_kb.services[i].postcodes is None for i in urgent.services)
    output = chat(bench_kb, [danger, "Lindegem"])
    asked = render.need_location(knowledge.example_place).plain()
    assert output.index(urgent.reply.plain().splitlines()[0]) < output.index(asked)
    local = compose(knowledge, danger, 9801, lambda ids: "k").reply.plain()
    assert output.index(asked) < output.rindex(local.splitlines()[0])


@pytest.mark.parametrize("text, place", [
    ("Gent", True), ("Sint-Niklaas", True), ("Sint Amands", True), ("9000", True),
    ("schulden", False), ("een mama wordt uit haar huis gezet", False), ("Papa slaat mama en de kinderen", False),
])
def test_what_looks_like_a_place(text, place):
    from bot.places import looks_like_a_place

    assert looks_like_a_place(text) is place


def test_an_unknown_place_keeps_the_first_question(bench_kb):
    """'Gent' after a kept question is a place the bot does not know, not a new question: the first
    question is answered once a known place follows (newcomer review)."""
    knowledge = Knowledge.build(bench_kb)
    output = chat(bench_kb, [EVICTION, "Gent", "Lindegem"])
    assert render.location_unknown(knowledge.example_place).plain() in output
    local = compose(knowledge, EVICTION, 9801, lambda ids: "k").reply.plain()
    assert local.splitlines()[0] in output.split(render.location_unknown(knowledge.example_place).plain())[1]


@pytest.mark.parametrize("first, kept", [("Gent", False), ("Sint-Niklaas", False), ("Voedselbank", True),
                                         ("Zelfmoord", True), ("Huurachterstand", True), ("Brugge", False)])
def test_a_place_we_do_not_know_as_the_first_message_is_not_kept_as_a_question(bench_kb, first, kept):
    """'Gent' as the very first message was kept and, once the place was known, answered as a
    question ("Ik vind geen dienst…"). A place-like word in which the search finds no need, danger
    or service is now an unknown place; one that names a need is still a question."""
    knowledge = Knowledge.build(bench_kb)
    assert unknown_place(first, reading_before_place(knowledge, first)) is not kept
    output = chat(bench_kb, [first, "Lindegem"])
    unknown = render.location_unknown(knowledge.example_place).plain()
    assert (unknown in output) is not kept
    assert location_reply(knowledge, 9801, answering=int(kept)).plain() in output
    answered = compose(knowledge, first, 9801, lambda ids: "k").reply.plain().splitlines()[0]
    assert (answered in output.split("Ingesteld")[1]) is kept


@pytest.mark.parametrize("second", ["Zelfmoord", "Voedselbank"])
def test_a_one_word_need_after_a_kept_question_is_kept_too(bench_kb, second):
    """Found by a reviewer: after one kept question, a capitalised one-word need was taken for an
    unknown place: "Zelfmoord" got no 112 and was thrown away. Only a word that names no need is a place."""
    knowledge = Knowledge.build(bench_kb)
    output = chat(bench_kb, [QUESTION, second, "Lindegem"])
    assert render.location_unknown(knowledge.example_place).plain() not in output
    assert location_reply(knowledge, 9801, answering=2).plain() in output
    if second == "Zelfmoord":
        urgent = compose_urgent_first(knowledge, reading_before_place(knowledge, second))
        assert urgent is not None and "112" in output.split("Ingesteld")[0]


def test_a_failing_answer_gets_an_apology_and_the_chat_goes_on(bench_kb, monkeypatch, caplog):
    """As in Telegram: an error while answering one kept question neither loses the others nor
    ends the chat; the apology comes after the answers, the log holds the type, not the text."""
    import bot.terminal as terminal

    knowledge = Knowledge.build(bench_kb)
    monkeypatch.setattr(terminal, "compose", compose_failing_on("schulden", terminal.compose))
    output = chat(bench_kb, ["schulden", QUESTION, "Lindegem", "/privacy"])
    answered = compose(knowledge, QUESTION, 9801, lambda ids: "k").reply.plain().splitlines()[0]
    apology = render.apology().plain()
    after = output.split(location_reply(knowledge, 9801, answering=2).plain())[1]
    assert answered in after and apology in after and after.index(answered) < after.index(apology)
    assert "niets bewaard" in after                                   # the chat went on after it
    assert "RuntimeError" in caplog.text and "schulden" not in caplog.text


@pytest.mark.parametrize("theme", ["crisis", "geweld"])
def test_an_acute_need_chosen_with_a_button_says_112(bench_kb, theme):
    """Choosing "Crisis, nu meteen" showed its services without "Bij acuut gevaar: bel 112" (newcomer review)."""
    from bot.answering import theme_outcome
    from kennisbank.safety import ACUTE_LINE

    knowledge = Knowledge.build(bench_kb)
    assert ACUTE_LINE in theme_outcome(knowledge, theme, 0, 9801).reply.plain()
    assert ACUTE_LINE not in theme_outcome(knowledge, "schulden", 0, 9801).reply.plain()


@pytest.mark.parametrize("command", ["/signalen", "/beheer", "/herlaad"])
def test_telegram_only_commands_say_where_they_work(bench_kb, command):
    """The README points coordinators to these; the terminal said 'Die opdracht ken ik niet' (review)."""
    output = chat(bench_kb, [command])
    assert "werkt enkel in Telegram" in output and "ken ik niet" not in output


def test_a_place_name_with_an_unsure_alarm_is_an_unknown_place_that_still_gets_112(bench_kb):
    """A fresh reviewer typed "Brugge" first and got the suicide doors ("brug"), kept as a question
    and answered again after the place. It is a place we do not know now: the 112 line (the alarm
    is not dropped), the place asked again, nothing kept, nothing answered after the place."""
    knowledge = Knowledge.build(bench_kb)
    reading = reading_before_place(knowledge, "Brugge")
    assert reading.safety is not None and not reading.themes   # the unsure alarm this is about
    output = chat(bench_kb, ["Brugge", "Lindegem"])
    before, after = output.split("Ingesteld", 1)
    assert render.possible_danger().plain() in before
    assert render.location_unknown(knowledge.example_place).plain() in before
    assert "Dit klinkt ernstig" not in output
    assert location_reply(knowledge, 9801, answering=0).plain().split("Ingesteld", 1)[1] in after


@pytest.mark.parametrize("typed", ["Brugge", "Gent"])
def test_a_place_we_do_not_know_after_the_place_is_not_answered_as_a_question(bench_kb, typed):
    """The same reviewer typed "Brugge" once the place was set and got the suicide doors again. A
    place-like message with no need and at most an unsure alarm is a place we do not know here too
    (the 112 line first when it alarms); the school's place stays what it was."""
    knowledge = Knowledge.build(bench_kb)
    output = chat(bench_kb, ["Lindegem", typed, "schulden"])
    after = output.split("Ingesteld", 1)[1]
    assert render.location_unknown(knowledge.example_place).plain() in after
    assert (render.possible_danger().plain() in after) is (typed == "Brugge")
    assert "Dit klinkt ernstig" not in output
    answered = compose(knowledge, "schulden", 9801, lambda ids: "k").reply.plain().splitlines()[0]
    assert answered in after.split(render.location_unknown(knowledge.example_place).plain(), 1)[1]
