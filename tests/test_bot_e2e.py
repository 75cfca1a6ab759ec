"""The real bot (python-telegram-bot long polling) against the Bot API stand-in."""
from __future__ import annotations

import asyncio
import html
import logging
import os
import signal
import sys
from dataclasses import replace

import httpx
import pytest
from telegram.ext import CommandHandler

from bot import answering, render
from bot import callback_data as cd
from bot.answering import LIKELY_NEEDS, PENDING_KEY, SEARCH_LIMIT, compose, likely_needs
from bot.handlers import ask
from bot.places import location_reply
from fakes import compose_failing_on
from kennisbank import outbox as outbox_rows
from kennisbank import signals
from kennisbank.search import SearchEngine
from kennisbank.themes import load_themes

QUESTION = "papa krijgt steeds brieven van nen deurwaarder"


def top_services(kb, question, postcode, n=3):
    return [m.service for m in SearchEngine(kb).search(question, postcode, SEARCH_LIMIT).matches[:n]]


async def test_start_postcode_question_names_contact(bot, chat, bench_kb, standin):
    user = chat(101)
    [welcome] = await user.send("/start")
    assert "Noem geen namen: ik bewaar je vraag niet." in welcome.text
    assert "postcode" in welcome.text

    [asked] = await user.send(QUESTION)          # no postcode yet: asks for it, keeps the question
    assert asked.text == render.need_location(bot.state.knowledge.example_place).html

    placed, answer = await user.send("lindegm")   # typo in the municipality; then the answer
    assert "Lindegem" in placed.text and "9801" in placed.text
    assert await bot.state.store.get_postcode(101) == 9801

    top = top_services(bench_kb, QUESTION, 9801)
    assert top, "the benchmark KB should answer this question"
    assert html.escape(top[0].contact.name) in answer.text
    assert answer.params["parse_mode"] == "HTML"
    assert "voorbeeldgegevens" in answer.text    # Lindeland is example data
    labels = [b["text"] for b in answer.buttons]
    assert any("Meer resultaten" in label for label in labels)

    # the menu was set on start
    assert [c["command"] for c in standin.commands] == ["start", "postcode", "help", "privacy", "vergeet"]


async def test_card_sends_contact_and_venue(bot, chat, bench_kb):
    user = chat(102)
    await user.send("/postcode 9801")
    [_answer] = await user.send(QUESTION)
    top = top_services(bench_kb, QUESTION, 9801)
    for service in top:
        replies = await user.tap(cd.ShowCard(service.id).encode())
        methods = [c.method for c in replies]
        assert methods[0] == "sendMessage"
        assert html.escape(service.name) in replies[0].text
        contact = [c for c in replies if c.method == "sendContact"]
        phone = service.contact.phone or service.phone
        assert len(contact) == (1 if phone else 0)
        if contact:
            assert contact[0].params["phone_number"] == phone
            assert contact[0].params["vcard"].startswith("BEGIN:VCARD")   # bot/vcard.py
        venue = [c for c in replies if c.method == "sendVenue"]
        has_coordinates = service.location is not None and service.location.lat is not None
        assert len(venue) == (1 if has_coordinates else 0)
        if service.location is None:
            assert "Adres" not in replies[0].text


async def test_card_with_coordinates_sends_venue(bot, chat, bench_kb):
    service = next(s for s in bench_kb.active_services()
                   if s.location and s.location.lat is not None and (s.contact.phone or s.phone))
    replies = await chat(103).tap(cd.ShowCard(service.id).encode())
    venue = next(c for c in replies if c.method == "sendVenue")
    assert venue.params["latitude"] == service.location.lat
    assert any(c.method == "sendContact" for c in replies)
    assert "openstreetmap.org" in replies[0].text


async def test_more_results_pages_through_the_same_answer(bot, chat, bench_kb):
    user = chat(104)
    await user.send("/postcode 9801")
    [answer] = await user.send(QUESTION)
    more = next(b["callback_data"] for b in answer.buttons if "Meer" in b["text"])
    [page2] = await user.tap(more)
    expected = top_services(bench_kb, QUESTION, 9801, n=6)[3:6]
    assert expected
    for service in expected:
        assert html.escape(service.organisation) in page2.text
    assert "4." in page2.text
    # result ids, not words, are what the chat keeps
    stash = bot.application.chat_data[104]["more"]
    assert all(isinstance(i, str) and i in bench_kb.services for ids in stash.values() for i in ids)


async def test_theme_button_shows_services_for_that_need(bot, chat, bench_kb):
    user = chat(105)
    await user.send("/postcode 9801")
    [reply] = await user.tap(cd.ThemePage("voeding").encode())
    expected = SearchEngine(bench_kb).by_theme("voeding", 9801, 3).matches
    assert expected
    assert html.escape(expected[0].service.name) in reply.text


async def test_restart_keeps_postcode(start_bot, chat, db_path, bench_kb_dir):
    first = await start_bot()
    await chat(106).send("/gemeente Oosterveld")
    assert await first.state.store.get_postcode(106) == 9810
    await first.stop()
    await start_bot(db_path=db_path, kb_dir=bench_kb_dir)   # a new Application, same file
    [reply] = await chat(106).send(QUESTION)
    assert "opnieuw" not in reply.text                # no new question about the municipality
    assert reply.buttons
    [welcome] = await chat(106).send("/start")
    assert "Oosterveld" in welcome.text and "Stuur de gemeente" not in welcome.text


async def test_vergeet_deletes_chat(bot, chat):
    user = chat(107)
    await user.send("/postcode 9801")
    [reply] = await user.send("/vergeet")
    assert "Gewist" in reply.text
    assert await bot.state.store.get_postcode(107) is None
    [privacy] = await user.send("/privacy")
    assert "chat-id" in privacy.text and "postcode" in privacy.text


async def test_broken_handler_gets_apology_and_logs_no_text(start_bot, chat, caplog):
    async def boom(update, context):
        raise RuntimeError("geheime familienaam Janssens")

    await start_bot(setup=lambda app: app.add_handler(CommandHandler("kapot", boom), group=-1))
    with caplog.at_level(logging.INFO):
        replies = await chat(108).send("/kapot")
    assert any("Sorry" in c.text for c in replies)
    assert "RuntimeError" in caplog.text
    assert "Janssens" not in caplog.text


async def test_survives_429_and_500(bot, chat, standin, bench_kb):
    user = chat(109)
    await user.send("/postcode 9801")
    standin.fail_next(1, status=429, retry_after=1, methods={"sendMessage"})
    standin.fail_next(2, status=500, methods={"sendMessage"})
    replies = await user.send(QUESTION)
    assert [c.method for c in replies] == ["sendMessage"]
    assert html.escape(top_services(bench_kb, QUESTION, 9801)[0].contact.name) in replies[0].text
    failed = [c.status for c in standin.calls if c.status != 200]
    assert failed == [429, 500, 500]

    standin.fail_next(1, status=500, methods={"getUpdates"})
    standin.fail_next(1, status=502, methods={"getUpdates"})
    [reply] = await user.send("/help")                # polling went on after its errors
    assert "/postcode" in reply.text


async def test_token_never_logged(standin, start_bot, chat, caplog):
    caplog.set_level(logging.DEBUG)
    await start_bot()
    user = chat(110)
    await user.send("/postcode 9801")
    await user.send(QUESTION)
    standin.fail_next(1, status=500, methods={"sendMessage"})
    await user.send("/help")
    assert caplog.records, "logging must have been captured"
    token = standin.token
    assert token not in caplog.text
    assert token.split(":")[1] not in caplog.text
    assert "deurwaarder" not in caplog.text          # nor the question


async def test_question_text_never_in_database(start_bot, chat, db_path):
    bot = await start_bot()
    user = chat(111)
    await user.send("/postcode 9801")
    secret = "mevrouw Yasmina Vandersteenhoven heeft schulden bij de deurwaarder"
    replies = await user.send(secret)
    assert any("namen" in c.text for c in replies)    # gentle privacy line

    def stored_bytes() -> bytes:
        data = b""
        for suffix in ("", "-wal", "-shm"):
            path = db_path.with_name(db_path.name + suffix)
            if path.exists():
                data += path.read_bytes()
        return data

    # The reply passes through the outbox (the bot's own words, which may name a service "voor
    # schulden en deurwaarders"): delivered, so its row is gone. The question never was there.
    assert await outbox_rows.count(bot.state.store.relaxed) == 0
    before = stored_bytes()
    await bot.stop()
    after = stored_bytes()
    for blob in (before, after):
        assert b"Vandersteenhoven" not in blob and b"Yasmina" not in blob
        assert b"schulden bij de deurwaarder" not in blob
    assert "Vandersteenhoven" not in str(bot.application.chat_data)
    assert "Vandersteenhoven" not in str(bot.application.user_data)


async def test_first_question_is_answered_right_after_the_place(bot, chat):
    """Asked before the municipality is known, the question is kept and answered once it is given."""
    user = chat(130)
    knowledge = bot.state.knowledge
    [asked] = await user.send(QUESTION)
    assert asked.text == render.need_location(knowledge.example_place).html
    replies = await user.send("Lindegem")
    expected = render.kept_answer(QUESTION, compose(knowledge, QUESTION, 9801, lambda ids: "k").reply)
    assert [c.text for c in replies] == [location_reply(knowledge, 9801, answering=True).html, expected.html]
    assert replies[1].text.startswith(f"❓ <i>{QUESTION}</i>\n")   # the answer says what it answers
    assert replies[1].buttons[0]["callback_data"] == expected.buttons[0][0].data
    # answered, so forgotten: another place is only a place now
    [again] = await user.send("/postcode 9810")
    assert again.text == location_reply(knowledge, 9810).html
    assert PENDING_KEY not in bot.application.chat_data[130]


async def test_kept_question_never_reaches_disk_or_log(start_bot, chat, db_path, caplog):
    caplog.set_level(logging.DEBUG)
    bot = await start_bot()
    user = chat(131)
    secret = "mevrouw Yasmina Vandersteenhoven heeft schulden bij de deurwaarder"
    await user.send(secret)                               # kept in memory until the place is known
    assert [k[1] for k in bot.application.chat_data[131][PENDING_KEY]] == [secret]
    await bot.application.update_persistence()            # what the persistence would write now
    stored = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert b"Vandersteenhoven" not in stored and b"deurwaarder" not in stored
    replies = await user.send("9801")
    assert len(replies) == 2                              # the place, then the answer
    assert PENDING_KEY not in bot.application.chat_data[131]
    await bot.stop()
    stored = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert b"Vandersteenhoven" not in stored and b"deurwaarder" not in stored
    assert "Vandersteenhoven" not in caplog.text and "deurwaarder" not in caplog.text


@pytest.mark.parametrize("question", [
    QUESTION, "geld", "het gaat niet goed met een leerling", "xyzzy qwerty plop"])
async def test_reply_follows_what_the_engine_found(bot, chat, bench_kb, question):
    """Answer, ask back with needs, or say nothing fits: whichever the search says, never a guess."""
    user = chat(120)
    await user.send("/postcode 9801")
    [reply] = await user.send(question)
    engine = SearchEngine(bench_kb)
    answer = engine.search(question, 9801, SEARCH_LIMIT)
    # the feedback row (handlers/feedback.py, prefix "f") is tested in test_feedback_e2e.py
    data = [b["callback_data"] for b in reply.buttons if b["callback_data"][0] not in "fs"]  # not feedback, share
    if answer.ambiguous and answer.themes:
        assert data == [cd.ThemePage(t).encode() for t in answer.themes]
        [shown] = await user.tap(data[0])
        expected = engine.by_theme(answer.themes[0], 9801, 3).matches
        if expected:
            assert html.escape(expected[0].service.name) in shown.text
    elif not answer.found:
        assert "geen dienst" in reply.text
        entry = engine.entry_points(9801)
        assert data[:len(entry)] == [cd.ShowCard(s.id).encode() for s in entry]
        needs = likely_needs(bot.state.knowledge, answer.themes, 9801)
        assert 0 < len(needs) <= LIKELY_NEEDS
        assert data[len(entry):] == [cd.ThemePage(t).encode() for t in needs] + [cd.AllNeeds().encode()]
        assert len(reply.buttons) <= 2 * len(entry) + LIKELY_NEEDS + 1 + 3   # doors (card, share), needs, 👍👎⚠️
        [full] = await user.tap(cd.AllNeeds().encode())
        assert [b["callback_data"] for b in full.buttons] == [cd.ThemePage(t).encode() for t in load_themes()]
    else:
        assert data[0] == cd.ShowCard(answer.matches[0].id).encode()
        assert html.escape(answer.matches[0].service.organisation) in reply.text


async def test_stale_buttons_say_they_expired(bot, chat):
    user = chat(121)
    await user.send("/postcode 9801")
    for data in ("m:nope:1", "k:bestaat-niet", "t:geen-thema:0"):
        [reply] = await user.tap(data)
        assert "verlopen" in reply.text


async def test_webhook_mode(standin, bench_kb_dir, tmp_path, unused_tcp_port):
    """`welzijnsbot run --webhook-url`: registers the webhook, answers posted updates, checks the secret."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": standin.token, "TELEGRAM_BASE_URL": standin.base_url,
           "TELEGRAM_WEBHOOK_SECRET": "geheim-123"}
    url = f"http://127.0.0.1:{unused_tcp_port}/welzijnsbot"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--kb", str(bench_kb_dir), "--db", str(tmp_path / "w.sqlite3"),
        "--webhook-url", url, "--port", str(unused_tcp_port), "--listen", "127.0.0.1",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        hook = await standin.wait_for("setWebhook", timeout=30)
        assert hook.params["url"] == url
        update = {"update_id": 1, "message": {
            "message_id": 1, "date": 0, "chat": {"id": 130, "type": "private"},
            "from": standin.user(130), "text": "/privacy",
            "entities": [{"type": "bot_command", "offset": 0, "length": 8}]}}
        async with httpx.AsyncClient() as client:
            refused = await client.post(url, json=update)
            assert refused.status_code == 403
            accepted = await client.post(url, json=update,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": "geheim-123"})
            assert accepted.status_code == 200
        reply = await standin.wait_for("sendMessage", chat_id=130, timeout=15)
        assert "Wat ik bewaar" in reply.text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, stderr = await asyncio.wait_for(proc.communicate(), 20)
        except TimeoutError:
            proc.kill()
            _, stderr = await proc.communicate()
    log = stderr.decode()
    assert "webhook" in log
    assert standin.token not in log and standin.token.split(":")[1] not in log


async def test_place_commands_accept_names_and_refuse_nonsense(bot, chat):
    user = chat(122)
    [ask] = await user.send("/postcode")
    assert "gemeente" in ask.text
    [refused] = await user.send("/gemeente Atlantis-aan-Zee")
    assert "ken ik niet" in refused.text
    assert await bot.state.get_postcode(122) is None
    [placed] = await user.send("/gemeente hoogdonk")
    assert "Hoogdonk" in placed.text and await bot.state.get_postcode(122) == 9820
    [other] = await user.send("9801")                   # a bare postcode changes it any time
    assert "Lindegem" in other.text and await bot.state.get_postcode(122) == 9801


async def test_knowledge_swap_takes_effect_at_once(bot, chat, bench_kb):
    """A reload replaces the knowledge base for the next update; a button for a service that
    is gone says so instead of failing."""
    user = chat(123)
    await user.send("/postcode 9801")
    [_answer] = await user.send(QUESTION)
    gone = top_services(bench_kb, QUESTION, 9801)[0]
    smaller = replace(bench_kb, services={k: v for k, v in bench_kb.services.items() if k != gone.id})
    bot.state.swap_knowledge(smaller)
    [card] = await user.tap(cd.ShowCard(gone.id).encode())
    assert "verlopen" in card.text
    [again] = await user.send(QUESTION)
    assert cd.ShowCard(gone.id).encode() not in [b["callback_data"] for b in again.buttons]


async def test_unknown_commands_and_non_text_get_a_pointer(bot, chat, standin):
    [reply] = await chat(124).send("/bestaatniet")
    assert "/help" in reply.text
    update = standin.inject({"message": {
        "message_id": 1, "date": 0, "chat": {"id": 124, "type": "private"}, "from": standin.user(124),
        "voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3}}})
    since = len(standin.calls)
    await bot.wait_processed(update["update_id"])
    [pointer] = standin.calls_to("sendMessage", chat_id=124, since=since)
    assert "enkel tekst" in pointer.text


async def test_one_chat_is_handled_in_order_while_chats_run_in_parallel(bot, standin, bench_kb):
    """Postcode and question sent back to back: the question sees the postcode (per-chat order)."""
    updates = []
    for chat_id in range(200, 210):
        updates.append(standin.message(chat_id, "/postcode 9801"))
        updates.append(standin.message(chat_id, QUESTION))
    since = len(standin.calls)
    for update in updates:
        await bot.wait_processed(update["update_id"])
    name = html.escape(top_services(bench_kb, QUESTION, 9801)[0].contact.name)
    for chat_id in range(200, 210):
        # Handled is not yet delivered when the machine is busy: wait for both replies, then check their order.
        placed, answer = await standin.wait_count(2, "sendMessage", chat_id=chat_id, since=since, timeout=30)
        assert "Ingesteld" in placed.text and name in answer.text


async def test_run_with_a_refused_token_says_so(standin, bench_kb_dir, tmp_path):
    wrong = "987654321:WRONG-token-value_xyz"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": wrong, "TELEGRAM_BASE_URL": standin.base_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--kb", str(bench_kb_dir), "--db", str(tmp_path / "x.sqlite3"),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    err = stderr.decode()
    assert proc.returncode == 2
    assert "@BotFather" in err and "Traceback" not in err
    assert wrong not in err and "WRONG-token" not in err


async def test_a_danger_before_the_place_gets_112_and_the_flemish_doors_at_once(bot, chat):
    """Life safety first: "in welke gemeente?" must not stand between a school and 112 (issue 11).
    The Flemish layer's urgent doors come at once, the place is asked next, and once it is given
    the full local answer follows."""
    user = chat(132)
    knowledge = bot.state.knowledge
    danger = "de mama zegt dat ze er een einde aan wil maken"
    urgent, asked = await user.send(danger)
    assert "112" in urgent.text
    shown = [b["callback_data"] for b in urgent.buttons if "callback_data" in b]
    doors = [knowledge.resolve(d.service) for d in map(cd.decode, shown) if isinstance(d, cd.ShowCard)]
    assert doors and all(d is not None and d.postcodes is None for d in doors)   # the Flemish layer only
    assert asked.text == render.need_location(knowledge.example_place).html
    replies = await user.send("Lindegem")
    assert replies[0].text == location_reply(knowledge, 9801, answering=True).html
    answered = compose(knowledge, danger, 9801, lambda ids: "k").reply
    assert replies[1].text == render.kept_answer(danger, answered).html
    assert PENDING_KEY not in bot.application.chat_data[132]


async def test_a_possible_danger_before_the_place_gets_112_and_waits_with_the_next_question(bot, chat):
    """Found by a reviewer: a question with a *possible* danger waited without a word about 112, and
    the next message replaced it, so it was never answered. Now 112 comes at once, both questions
    wait (the danger flagged, so it is the last to make room), and both are answered in order."""
    user = chat(135)
    knowledge = bot.state.knowledge
    eviction = "een mama wordt uit haar huis gezet"
    line, asked = await user.send(eviction)
    assert line.text == render.possible_danger().html and "112" in line.text
    assert asked.text == render.need_location(knowledge.example_place).html
    [asked_again] = await user.send(QUESTION)
    assert asked_again.text == render.need_location(knowledge.example_place, 2).html
    kept = bot.application.chat_data[135][PENDING_KEY]
    assert [(k[1], k[2]) for k in kept] == [(eviction, True), (QUESTION, False)]
    before = len(await signals.fetch(bot.state.store.conn))
    replies = await user.send("Lindegem")
    assert [c.text for c in replies] == [
        location_reply(knowledge, 9801, answering=2).html,
        render.kept_answer(eviction, compose(knowledge, eviction, 9801, lambda ids: "k").reply).html,
        render.kept_answer(QUESTION, compose(knowledge, QUESTION, 9801, lambda ids: "k").reply).html]
    assert len(await signals.fetch(bot.state.store.conn)) == before + 2   # each answer is a signal
    assert PENDING_KEY not in bot.application.chat_data[135]


async def test_one_failing_kept_question_does_not_cost_the_others_their_answer(bot, chat, monkeypatch, caplog):
    """Found in review: the kept questions are taken (forgotten) before they are answered, so an
    error in the first answer lost the ones after it. Now each is answered, the error handler
    apologises once after the last, and the log names the error without the question."""
    user = chat(137)
    knowledge = bot.state.knowledge
    monkeypatch.setattr(ask, "compose", compose_failing_on("schulden", ask.compose))
    await user.send("schulden")
    await user.send(QUESTION)
    before = len(await signals.fetch(bot.state.store.conn))
    with caplog.at_level(logging.INFO):
        replies = await user.send("Lindegem")
    assert [c.text for c in replies] == [
        location_reply(knowledge, 9801, answering=2).html,
        render.kept_answer(QUESTION, compose(knowledge, QUESTION, 9801, lambda ids: "k").reply).html,
        render.apology().html]
    assert len(await signals.fetch(bot.state.store.conn)) == before + 1   # only the answered one
    assert PENDING_KEY not in bot.application.chat_data[137]
    assert "RuntimeError" in caplog.text and "schulden" not in caplog.text


async def test_the_job_forgets_each_kept_question_when_it_goes_stale(bot, chat, monkeypatch):
    """Found by a reviewer: the job ran PENDING_FOR after the latest question, so the first stayed
    in memory up to twice as long. Now it runs for the oldest, then again for the next; only a
    count stays, and the reply to the place says how many were forgotten."""
    monkeypatch.setattr(answering, "PENDING_FOR", 3.0)   # the job runs a second after a question goes stale
    user = chat(136)
    knowledge = bot.state.knowledge
    await user.send("schulden")
    await asyncio.sleep(2)
    await user.send("luizen")
    data = bot.application.chat_data[136]

    async def until(condition, timeout=10.0):
        async def wait():
            while not condition():
                await asyncio.sleep(0.05)
        await asyncio.wait_for(wait(), timeout)

    await until(lambda: data.get(answering.FORGOTTEN_KEY) == 1)     # the job ran for "schulden" ...
    assert [k[1] for k in data[PENDING_KEY]] == ["luizen"]           # ... and "luizen" still waits
    await until(lambda: PENDING_KEY not in data)                     # rescheduled for "luizen"
    assert data[answering.FORGOTTEN_KEY] == 2 and "schulden" not in str(data) and "luizen" not in str(data)
    [placed] = await user.send("Lindegem")
    assert placed.text == location_reply(knowledge, 9801, 0, 2).html
    assert answering.FORGOTTEN_KEY not in data


async def test_an_ordinary_question_before_the_place_only_asks_the_place(bot, chat):
    user = chat(133)
    [asked] = await user.send(QUESTION)
    assert asked.text == render.need_location(bot.state.knowledge.example_place).html


async def test_an_unknown_place_as_the_first_message_is_not_kept(bot, chat):
    """'Gent' as the first message was kept as a question and answered "Ik vind geen dienst…" once
    the place was known; now the school hears at once that the place is unknown, nothing is kept."""
    user = chat(138)
    knowledge = bot.state.knowledge
    [unknown] = await user.send("Gent")
    assert unknown.text == render.location_unknown(knowledge.example_place).html
    assert PENDING_KEY not in bot.application.chat_data[138]
    [placed] = await user.send("Lindegem")
    assert placed.text == location_reply(knowledge, 9801).html
    assert await bot.state.store.get_postcode(138) == 9801


async def test_a_place_name_with_an_unsure_alarm_gets_112_and_is_not_kept(bot, chat):
    """A reviewer's "Brugge" raised the suicide doors and was kept as a question; now it is a place
    we do not know, with the 112 line first (an alarm is never silenced), and nothing is kept."""
    user = chat(139)
    knowledge = bot.state.knowledge
    line, unknown = await user.send("Brugge")
    assert line.text == render.possible_danger().html
    assert unknown.text == render.location_unknown(knowledge.example_place).html
    assert PENDING_KEY not in bot.application.chat_data.get(139, {})
    [placed] = await user.send("Lindegem")   # nothing kept: nothing answered after the place
    assert placed.text == location_reply(knowledge, 9801).html
    line, unknown = await user.send("Brugge")   # once the place is set: the same, the place kept
    assert line.text == render.possible_danger().html
    assert unknown.text == render.location_unknown(knowledge.example_place).html
    assert await bot.state.store.get_postcode(139) == 9801


async def test_an_unknown_place_keeps_the_first_question(bot, chat):
    user = chat(134)
    knowledge = bot.state.knowledge
    await user.send(QUESTION)
    [unknown] = await user.send("Gent")
    assert unknown.text == render.location_unknown(knowledge.example_place).html
    assert [k[1] for k in bot.application.chat_data[134][PENDING_KEY]] == [QUESTION]   # the first is still kept
    replies = await user.send("Lindegem")
    answered = compose(knowledge, QUESTION, 9801, lambda ids: "k").reply
    assert replies[1].text == render.kept_answer(QUESTION, answered).html
