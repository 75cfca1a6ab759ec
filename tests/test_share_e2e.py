"""Sharing with a parent through the real bot (long polling) and the Bot API stand-in."""
from __future__ import annotations

import html
import logging

import pytest
import vobject

from bot import callback_data as cd
from bot.handlers.share import LANG_KEY
from bot.i18n import PARENT_LANGUAGES, RLM, autonym, translator
from bot.parent_card import parent_card
from kennisbank.fields import phone_national
from kennisbank.search import SearchEngine

SERVICE = "ocmw-lindegem-onthaal-leefloon"   # has fr/en/ar summaries, a contact and an address
SHELTER = "caw-lindeland-vluchthuis"         # secret address: no location


def _sent(calls, method="sendMessage"):
    return [c for c in calls if c.method == method]


async def test_card_offers_sharing_then_language_then_forwardable_card(bot, chat, bench_kb):
    service = bench_kb.services[SERVICE]
    user = chat(201)
    replies = await user.tap(cd.ShowCard(service.id).encode())
    prompt = replies[-1]
    assert prompt.method == "sendMessage" and "doorsturen naar een ouder" in prompt.text
    assert [b["text"] for b in prompt.buttons] == ["📤 Deel met ouder"]
    assert prompt.buttons[0]["callback_data"] == cd.ShareCard(service.id).encode()

    [choice] = await user.tap(prompt.buttons[0]["callback_data"])
    assert choice.method == "editMessageText"                  # the same message, next step
    assert [b["text"] for b in choice.buttons] == [autonym(code) for code in PARENT_LANGUAGES]
    arabic = next(b for b in choice.buttons if b["text"] == "العربية")

    replies = await user.tap(arabic["callback_data"])
    note, card, contact = replies
    assert note.method == "editMessageText" and "Arabisch" in note.text and "Doorsturen" in note.text
    assert card.method == "sendMessage" and card.params["parse_mode"] == "HTML"
    assert card.text == parent_card(service, "ar")
    assert service.i18n["ar"]["summary"] in card.text
    assert card.text.startswith(RLM)
    assert not card.buttons                                     # nothing but the card is forwarded
    assert contact.method == "sendContact"
    assert contact.params["phone_number"] == service.contact.phone
    vcard = vobject.readOne(contact.params["vcard"])
    assert vcard.fn.value == service.contact.name
    assert vcard.note.value.startswith(service.i18n["ar"]["summary"])
    assert bot.state.shares[service.id] == 1


async def test_shelter_card_shared_without_address(bot, chat, bench_kb):
    shelter = bench_kb.services[SHELTER]
    user = chat(202)
    _note, card, contact = await user.tap(cd.ShareIn("tr", shelter.id).encode())
    assert translator("tr")("Adres") not in card.text and "openstreetmap" not in card.text
    assert "ADR" not in contact.params["vcard"]
    assert phone_national(shelter.contact.phone) in card.text


async def test_deep_link_opens_the_card_and_nothing_else(bot, chat, bench_kb):
    service = bench_kb.services[SERVICE]
    replies = await chat(203).send(f"/start {service.id}")
    assert html.escape(service.name) in replies[0].text
    assert "Noem geen namen" not in "".join(c.text for c in replies)   # not the welcome as well
    assert any(c.method == "sendContact" for c in replies)
    assert replies[-1].buttons[0]["callback_data"] == cd.ShareCard(service.id).encode()


async def test_start_without_known_service_is_the_ordinary_welcome(bot, chat):
    [welcome] = await chat(204).send("/start gemeente")
    assert "Noem geen namen" in welcome.text
    [welcome] = await chat(204).send("/start bestaat-niet")
    assert "Noem geen namen" in welcome.text


async def test_inline_without_postcode_offers_to_set_it(bot, standin):
    update = standin.inline_query(301, "schulden")
    await bot.wait_processed(update["update_id"])
    [answer] = standin.calls_to("answerInlineQuery")
    assert answer.params["results"] == []
    assert answer.params["button"]["start_parameter"] == "gemeente"
    assert answer.params["is_personal"] in (True, "true")   # form-encoded by PTB


async def test_inline_lists_services_of_the_users_municipality(bot, chat, standin, bench_kb):
    await chat(302).send("/postcode 9801")                      # private chat id = user id
    update = standin.inline_query(302, "schulden deurwaarder")
    await bot.wait_processed(update["update_id"])
    [answer] = standin.calls_to("answerInlineQuery")
    results = answer.params["results"]
    expected = [m.service for m in SearchEngine(bench_kb).search("schulden deurwaarder", 9801, 10).matches]
    assert [r["id"] for r in results] == [s.id for s in expected]
    assert results and all(r["type"] == "article" for r in results)
    first = bench_kb.services[results[0]["id"]]
    content = results[0]["input_message_content"]
    assert content["message_text"] == parent_card(first, "nl")
    assert content["parse_mode"] == "HTML"
    assert answer.params["button"]["start_parameter"] == "taal"
    assert all(bench_kb.services[r["id"]].serves(9801) for r in results)


async def test_inline_uses_the_language_chosen_last(bot, chat, standin, bench_kb):
    user = chat(303)
    await user.send("/postcode 9801")
    [choice] = await user.send("/start taal")
    assert len(choice.buttons) == len(PARENT_LANGUAGES)
    [done] = await user.tap(cd.DefaultLanguage("uk").encode())
    assert "Oekraïens" in done.text
    update = standin.inline_query(303, "leefloon")
    await bot.wait_processed(update["update_id"])
    [answer] = standin.calls_to("answerInlineQuery")
    result = answer.params["results"][0]
    assert result["input_message_content"]["message_text"] == parent_card(bench_kb.services[result["id"]], "uk")
    assert "Oekraïens" in result["description"]

    await user.send("/vergeet")                                  # forgets the language too
    assert LANG_KEY not in bot.application.user_data.get(303, {})


async def test_chosen_inline_result_counted_without_the_query(bot, standin, caplog):
    caplog.set_level(logging.INFO)
    update = standin.inject({"chosen_inline_result": {
        "result_id": SERVICE, "from": standin.user(304), "query": "papa Jan Peeters schulden"}})
    await bot.wait_processed(update["update_id"])
    assert bot.state.shares[SERVICE] == 1
    assert f"inline card shared: {SERVICE}" in caplog.text
    assert "Peeters" not in caplog.text


async def test_old_or_forged_share_buttons_expire(bot, chat):
    user = chat(305)
    for data in ("s:bestaat-niet", "sxx:" + SERVICE, "s=xx", "s#0000000000000000", "s"):
        [reply] = await user.tap(data)
        assert "verlopen" in reply.text


@pytest.mark.parametrize("lang", PARENT_LANGUAGES)
async def test_every_language_button_sends_a_card(bot, chat, bench_kb, lang):
    service = bench_kb.services[SERVICE]
    replies = await chat(400 + PARENT_LANGUAGES.index(lang)).tap(cd.ShareIn(lang, service.id).encode())
    card = _sent(replies)[0]
    assert card.text == parent_card(service, lang)
    assert translator(lang)("Telefoon") in card.text


async def test_share_straight_from_an_answer(bot, chat, bench_kb):
    """Every service in an answer has its own "📤 Deel" button: no detour through the full card."""
    user = chat(203)
    await user.send("/postcode 9801")
    [answer] = await user.send("papa krijgt steeds brieven van nen deurwaarder")
    shown = SearchEngine(bench_kb).search("papa krijgt steeds brieven van nen deurwaarder", 9801).matches
    shares = [b for b in answer.buttons if b["text"] == "📤 Deel"]
    assert [b["callback_data"] for b in shares] == [cd.ShareCard(m.id).encode() for m in shown]
    [choice] = await user.tap(shares[0]["callback_data"])
    french = next(b for b in choice.buttons if b["text"] == autonym("fr"))
    _, card, contact = await user.tap(french["callback_data"])
    assert card.text == parent_card(shown[0].service, "fr")
    assert contact.method == "sendContact"


# ── a vCard over Telegram's 2,048 bytes (issue 13, "Unbounded lengths") ─────────────────────

WIDE = "\U00020B9F"   # a CJK character of 4 bytes in UTF-8: at the maxima the vCard no longer fits


def _with_service(kb, service):
    from kennisbank.schema import KnowledgeBase
    return KnowledgeBase(kb.regions, {**kb.services, service.id: service}, kb.warnings)


def _wide(bench_kb, **contact):
    import dataclasses

    from kennisbank import fields
    from kennisbank.schema import Contact, Location
    base = bench_kb.services[SERVICE]
    person = {"name": WIDE * fields.MAXIMA["contact.name"], "role": WIDE * fields.MAXIMA["contact.role"],
              "phone": base.contact.phone, "email": "an@lindegem.example", **contact}
    return dataclasses.replace(
        base, id="breed-aanbod", organisation=WIDE * fields.MAXIMA["organisation"], name=WIDE * fields.MAXIMA["name"],
        contact=Contact(**person), url="https://lindegem.example/" + "u" * 270,
        location=Location(WIDE * fields.MAXIMA["location.address"], base.location.lat if base.location else None,
                          base.location.lon if base.location else None))


async def test_share_sends_a_vcard_that_fits_without_the_overflowing_fields(start_bot, chat, standin, bench_kb):
    wide = _wide(bench_kb)
    from bot.vcard import full_vcard
    assert len(full_vcard(wide, "fr").encode()) > 2048       # what was sent before, and refused
    await start_bot(kb=_with_service(bench_kb, wide))
    _note, card, contact = await chat(501).tap(cd.ShareIn("fr", wide.id).encode())
    assert card.status == 200 and contact.status == 200
    assert contact.method == "sendContact" and contact.params["phone_number"] == wide.contact.phone
    vcard_text = contact.params["vcard"]
    assert len(vcard_text.encode("utf-8")) <= 2048
    parsed = vobject.readOne(vcard_text)
    assert "url" not in parsed.contents and "note" not in parsed.contents   # these gave way
    assert parsed.tel.value == wide.contact.phone                            # never the phone
    # the card view sends the very same checked vCard (one helper for both)
    replies = await chat(502).tap(cd.ShowCard(wide.id).encode())
    [card_contact] = [c for c in replies if c.method == "sendContact"]
    assert card_contact.status == 200 and len(card_contact.params["vcard"].encode("utf-8")) <= 2048


async def test_a_contact_whose_vcard_cannot_fit_is_sent_without_one(start_bot, chat, standin, bench_kb):
    """Data from before the maxima (or beyond them): the contact still arrives, refused by nobody."""
    huge = _wide(bench_kb, name=WIDE * 700)
    running = await start_bot(kb=_with_service(bench_kb, huge))
    _note, _card, contact = await chat(503).tap(cd.ShareIn("nl", huge.id).encode())
    assert contact.method == "sendContact" and contact.status == 200
    assert "vcard" not in contact.params
    assert running.state.shares[huge.id] == 1
    assert all(c.status == 200 for c in standin.calls if c.method != "getUpdates")


def test_the_standin_refuses_what_telegram_refuses():
    from standin import refusal
    assert refusal("sendContact", {"vcard": "x" * 2049}) == "Bad Request: VCARD_INVALID"
    assert refusal("sendContact", {"vcard": "x" * 2048}) is None
    assert refusal("sendMessage", {"text": "😀" * 2049}) == "Bad Request: message is too long"
    assert refusal("sendMessage", {"text": "<b>" + "a" * 4096 + "</b>", "parse_mode": "HTML"}) is None
    assert "can't parse entities" in (refusal("sendMessage", {"text": "<b>a", "parse_mode": "HTML"}) or "")
    assert "can't parse entities" in (refusal("sendMessage", {"text": "<b><i>a</b></i>", "parse_mode": "HTML"}) or "")
