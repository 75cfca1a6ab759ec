"""Telegram's update kinds, through the Bot API stand-in (issue 13).

Channel posts and group chatter get no reply, an edit is neither answered nor counted again,
a caption is a question, four digits inside a question are no postcode, and a button whose
acknowledgement Telegram refuses ("query is too old") still does what it should.
"""
from __future__ import annotations

import html

import pytest

from bot import callback_data as cd
from bot import render
from bot.answering import SEARCH_LIMIT
from kennisbank import signals
from kennisbank.search import SearchEngine

QUESTION = "papa krijgt steeds brieven van nen deurwaarder"
BOT = "@welzijns_test_bot"
TOO_OLD = "Bad Request: query is too old and response timeout expired or query id is invalid"


def top_service(kb, question=QUESTION, postcode=9801):
    return SearchEngine(kb).search(question, postcode, SEARCH_LIMIT).matches[0].service


async def signal_count(bot) -> int:
    return len(await signals.fetch(bot.state.store.conn))


async def private_answer(chat, chat_id: int, question: str = QUESTION) -> str:
    user = chat(chat_id)
    await user.send("/postcode 9801")
    [answer] = await user.send(question)
    return answer.text


# ── channels ───────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("text", ["2026", "/postcode 9801", QUESTION, "/start", f"{BOT} {QUESTION}"])
async def test_channel_posts_get_no_reply_and_change_nothing(bot, chat, standin, text):
    channel = chat(-1001234)
    assert await channel.run(standin.channel_post(channel.chat_id, text)) == []
    assert await channel.run(standin.channel_post(channel.chat_id, text, media="photo")) == []
    assert await bot.state.store.get_postcode(channel.chat_id) is None
    assert await signal_count(bot) == 0


# ── groups ─────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_group_chatter_gets_no_reply(bot, chat, standin, chat_type):
    group = chat(-4001)
    for text in ["9801", "Lindegem", QUESTION, "Ayşe Çelik komt morgen niet, haar mama belde",
                 "schoolreis 2026 betalen", "/postcode@een_andere_bot 9801", "@een_andere_bot hallo"]:
        assert await group.run(standin.message(group.chat_id, text, user_id=77, chat_type=chat_type)) == []
    assert await bot.state.store.get_postcode(group.chat_id) is None
    assert await signal_count(bot) == 0


async def test_in_a_group_commands_and_messages_addressed_to_the_bot_are_answered(bot, chat, standin, bench_kb):
    expected = await private_answer(chat, 4100)
    group = chat(-4002)
    [placed] = await group.run(standin.message(group.chat_id, "/postcode@welzijns_test_bot 9801",
                                               user_id=77, chat_type="supergroup"))
    assert "9801" in placed.text
    assert await bot.state.store.get_postcode(group.chat_id) == 9801

    [mentioned] = await group.run(standin.message(group.chat_id, f"{BOT} {QUESTION}", user_id=77,
                                                  chat_type="supergroup"))
    assert mentioned.text == expected
    assert html.escape(top_service(bench_kb).name) in mentioned.text

    [replied] = await group.run(standin.message(group.chat_id, QUESTION, user_id=78, chat_type="supergroup",
                                                reply_to=placed.result))
    assert replied.text == expected
    # a reply to a colleague's message is chatter again
    chatter = standin.message(group.chat_id, "ok", user_id=79, chat_type="supergroup")
    await group.run(chatter)
    assert await group.run(standin.message(group.chat_id, QUESTION, user_id=78, chat_type="supergroup",
                                           reply_to=chatter["message"])) == []


# ── edits ──────────────────────────────────────────────────────────────────────────────────

async def test_an_edited_question_is_not_answered_again_nor_counted_twice(bot, chat, standin):
    user = chat(4200)
    await user.send("/postcode 9801")
    asked = standin.message(user.chat_id, QUESTION)
    [answer] = await user.run(asked)
    assert answer.buttons                     # an answer with its feedback row: one signal
    counted = await signal_count(bot)
    assert counted == 1
    for edit in [QUESTION + "!", "we hebben geen geld voor de schoolreis", "9000"]:
        assert await user.run(standin.edit(asked, edit)) == []
    assert await signal_count(bot) == counted
    assert await bot.state.store.get_postcode(user.chat_id) == 9801


async def test_an_edited_command_changes_nothing(bot, chat, standin):
    user = chat(4201)
    command = standin.message(user.chat_id, "/postcode 9801")
    await user.run(command)
    assert await user.run(standin.edit(command, "/postcode 9000")) == []
    assert await bot.state.store.get_postcode(user.chat_id) == 9801


# ── captions ───────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("media", ["photo", "document", "video"])
async def test_a_caption_is_answered_as_a_question(bot, chat, standin, media):
    expected = await private_answer(chat, 4300)
    user = chat(4301)
    await user.send("/postcode 9801")
    [answer] = await user.run(standin.message(user.chat_id, QUESTION, media=media))
    assert answer.text == expected
    assert await signal_count(bot) == 2


async def test_a_photo_without_caption_still_gets_a_pointer(bot, chat, standin):
    user = chat(4302)
    [reply] = await user.run(standin.message(user.chat_id, "", media="photo"))
    assert reply.text == "Ik lees enkel tekst. Typ je vraag in gewone woorden."


# ── no postcode yet: four digits in a question are not a place ─────────────────────────────

@pytest.mark.parametrize("text", ["uitstap 1500 euro", "schoolreis 2026 betalen", "factuur 9801 euro",
                                  "1500 euro uitstap", "nog 2026 te betalen"])
async def test_four_digits_in_a_question_are_not_taken_as_the_postcode(bot, chat, text):
    user = chat(4400)
    [reply] = await user.send(text)
    assert reply.text == render.need_location(bot.state.knowledge.example_place).html
    assert await bot.state.store.get_postcode(user.chat_id) is None


@pytest.mark.parametrize("text, postcode", [
    ("9801", 9801), ("9801 Lindegem", 9801), ("postcode 9801", 9801), ("Lindegem 9801", 9801),
    ("\u0669\u0668\u0660\u0661", 9801), ("9801\u200b", 9801), ("/postcode 1500", 1500),
])
async def test_a_place_or_an_explicit_postcode_is_still_read(bot, chat, text, postcode):
    user = chat(4401)
    [placed] = await user.send(text)
    assert str(postcode) in placed.text
    assert await bot.state.store.get_postcode(user.chat_id) == postcode


async def test_invisible_characters_do_not_change_the_answer(bot, chat):
    expected = await private_answer(chat, 4500)
    for question in ["papa krijgt steeds brieven van nen deur\u00adwaarder",
                     "papa krijgt steeds brieven van nen deur\u200bwaarder",
                     "papa\u00a0krijgt steeds brieven van nen deurwaarder\u2060"]:
        assert await private_answer(chat, 4501, question) == expected


# ── buttons: the acknowledgement is best effort ─────────────────────────────────────────────

async def test_a_card_button_works_when_telegram_says_the_query_is_too_old(bot, chat, standin, bench_kb):
    user = chat(4600)
    await user.send("/postcode 9801")
    await user.send(QUESTION)
    service = top_service(bench_kb)
    standin.fail_next(1, status=400, methods={"answerCallbackQuery"}, description=TOO_OLD)
    replies = await user.tap(cd.ShowCard(service.id).encode())
    assert replies[0].method == "sendMessage" and html.escape(service.name) in replies[0].text
    assert all(render.apology().html != c.text for c in replies)
    [refused] = [c for c in standin.calls if c.method == "answerCallbackQuery" and c.status == 400]
    assert refused is not None


async def test_a_theme_button_works_when_telegram_says_the_query_is_too_old(bot, chat, standin):
    user = chat(4601)
    await user.send("/postcode 9801")
    standin.fail_next(1, status=400, methods={"answerCallbackQuery"}, description=TOO_OLD)
    [reply] = await user.tap(cd.ThemePage("voeding").encode())
    assert reply.text != render.apology().html
    assert reply.buttons
