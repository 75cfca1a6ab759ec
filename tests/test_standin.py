"""The Bot API stand-in itself: what later features rely on when they test against it."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram import Bot, InlineQueryResultArticle, InputTextMessageContent
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest


@pytest.fixture
async def tg(standin):
    bot = Bot(standin.token, base_url=standin.base_url)
    async with bot:
        yield bot


async def test_files_inline_answers_and_unknown_methods(tg, standin):
    doc = await tg.send_document(7, document=b"a;b\n1;2\n", filename="signalen.csv", caption="CSV")
    assert doc.document.file_name == "signalen.csv"
    call = standin.calls_to("sendDocument")[-1]
    assert call.files["document"] == b"a;b\n1;2\n" and call.params["caption"] == "CSV"
    photo = await tg.send_photo(7, photo=b"\x89PNG fake")
    assert photo.photo
    ok = await tg.answer_inline_query("1", [InlineQueryResultArticle(
        "a", "Titel", InputTextMessageContent("tekst"))])
    assert ok is True
    assert standin.calls_to("answerInlineQuery")[-1].params["results"][0]["id"] == "a"
    assert await tg.do_api_request("someFutureMethod", api_kwargs={"x": 1}) is True
    edited = await tg.edit_message_text("nieuw", chat_id=7, message_id=doc.message_id)
    assert edited.text == "nieuw" and edited.message_id == doc.message_id


async def test_get_updates_offset_and_long_poll(tg, standin):
    first = standin.message(1, "hallo")
    second = standin.callback(1, "k:x")
    updates = await tg.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
    assert updates[0].message.text == "hallo" and updates[1].callback_query.data == "k:x"
    assert await tg.get_updates(offset=second["update_id"] + 1, timeout=0) == ()
    assert standin.pending == []                      # confirmed by the offset
    inline = standin.inline_query(2, "schulden")
    [update] = await tg.get_updates(offset=second["update_id"] + 1, timeout=1)
    assert update.update_id == inline["update_id"] and update.inline_query.query == "schulden"


async def test_failures_on_request(tg, standin):
    standin.fail_next(1, status=429, retry_after=3)
    with pytest.raises(RetryAfter):
        await tg.send_message(1, "x")
    standin.fail_next(1, status=500, methods={"sendMessage"})
    await tg.get_me()                                 # other methods are not affected
    with pytest.raises(NetworkError):
        await tg.send_message(1, "x")
    assert (await tg.send_message(1, "y")).text == "y"
    assert [c.status for c in standin.calls_to("sendMessage", ok_only=False)] == [429, 500, 200]


async def test_time_windows_dropped_and_late_answers(standin):
    # A bot with a short read timeout, like the outbox tests use.
    request = HTTPXRequest(read_timeout=0.5)
    async with Bot(standin.token, base_url=standin.base_url, request=request) as tg:
        standin.fail_for(0.3, status=502, methods={"sendMessage"})
        with pytest.raises(NetworkError):
            await tg.send_message(1, "in het venster")
        await asyncio.sleep(0.35)
        assert (await tg.send_message(1, "erna")).text == "erna"

        standin.drop_next(1, methods={"sendMessage"})
        with pytest.raises(NetworkError) as dropped:
            await tg.send_message(1, "afgeleverd, antwoord kwijt")
        assert isinstance(dropped.value.__cause__, httpx.RemoteProtocolError)
        standin.delay_next(1, 1.0, methods={"sendMessage"})
        with pytest.raises(TimedOut) as late:
            await tg.send_message(1, "afgeleverd, antwoord te laat")
        assert isinstance(late.value.__cause__, httpx.ReadTimeout)
        await tg.get_me()                                  # the connection pool recovers
    calls = standin.calls_to("sendMessage", ok_only=False)
    assert [(c.text, c.status, c.fault) for c in calls] == [
        ("in het venster", 502, None), ("erna", 200, None),
        ("afgeleverd, antwoord kwijt", 200, "dropped"), ("afgeleverd, antwoord te laat", 200, "delayed")]


async def test_wrong_token_and_control_api(standin):
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{standin.port}") as client:
        wrong = await client.post("/bot1:wrong/getMe")
        assert wrong.status_code == 401
        injected = (await client.post("/_standin/inject", json={"chat_id": 5, "text": "/start"})).json()
        assert injected["message"]["entities"][0]["type"] == "bot_command"
        await client.post("/_standin/fail", json={"n": 1, "status": 502})
        failed = await client.post(f"/bot{standin.token}/getMe")
        assert failed.status_code == 502
        calls = (await client.get("/_standin/calls", params={"since": 0})).json()
        assert calls[-1]["method"] == "getMe" and calls[-1]["status"] == 502
