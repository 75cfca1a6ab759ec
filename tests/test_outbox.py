"""The outbox without Telegram: which failures are retried, and the rows in a real SQLite file."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.app import repeatable
from bot.outbox import Verdict, decode_buttons, encode_buttons, retry_after, verdict
from bot.render import Button, Reply, privacy_text
from kennisbank import outbox as rows
from kennisbank.store import Store

REQUEST = httpx.Request("POST", "http://127.0.0.1/bot1:x/sendMessage")


def caused(error: TelegramError, cause: BaseException | None) -> TelegramError:
    """As python-telegram-bot raises it: `raise NetworkError(...) from httpx_error`."""
    error.__cause__ = cause
    return error


NOT_DELIVERED = [
    RetryAfter(1),
    caused(NetworkError("Internal Server Error (500)"), None),
    caused(NetworkError("Bad Gateway"), TelegramError("Invalid server response")),   # an HTML error page
    caused(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("refused", request=REQUEST)),
    caused(TimedOut(), httpx.ConnectTimeout("connect", request=REQUEST)),
    caused(TimedOut("Pool timeout"), httpx.PoolTimeout("pool", request=REQUEST)),
]
POSSIBLY_DELIVERED = [
    caused(TimedOut(), httpx.ReadTimeout("read", request=REQUEST)),
    caused(TimedOut(), httpx.WriteTimeout("write", request=REQUEST)),
    caused(NetworkError("httpx.RemoteProtocolError"),
           httpx.RemoteProtocolError("Server disconnected without sending a response.", request=REQUEST)),
    caused(NetworkError("httpx.ReadError"), httpx.ReadError("reset", request=REQUEST)),
    caused(NetworkError("Unknown error in HTTP implementation"), OSError("?")),
    TelegramError("Invalid server response"),
]
REFUSED = [BadRequest("Can't parse entities"), Forbidden("bot was blocked by the user")]


@pytest.mark.parametrize("error", NOT_DELIVERED, ids=repr)
def test_an_error_status_or_no_connection_is_retried_by_the_outbox_and_the_rate_limiter(error):
    assert verdict(error) is Verdict.RETRY
    assert repeatable("sendMessage", error)


@pytest.mark.parametrize("error", POSSIBLY_DELIVERED, ids=repr)
def test_a_lost_answer_is_never_resent_but_a_request_without_a_message_may_be(error):
    assert verdict(error) is Verdict.UNCERTAIN
    for method in ("sendMessage", "sendContact", "forwardMessage", "copyMessage"):
        assert not repeatable(method, error)
    if type(error) in (NetworkError, TimedOut):
        assert repeatable("getUpdates", error) and repeatable("editMessageText", error)


@pytest.mark.parametrize("error", REFUSED, ids=repr)
def test_a_refused_reply_is_dropped_not_retried(error):
    assert verdict(error) is Verdict.REFUSED
    assert not repeatable("sendMessage", error) and not repeatable("getUpdates", error)


def test_retry_after_in_seconds():
    assert retry_after(RetryAfter(3)) == 3.0
    assert retry_after(RetryAfter(timedelta(seconds=2))) == 2.0
    assert retry_after(NetworkError("Bad Gateway")) == 0.0


def test_buttons_survive_the_row():
    reply = Reply("x", ((Button("👍", data="f:1:u"), Button("Site", url="https://example.org")),
                        (Button("➕ Meer", "m:1"),)))
    assert decode_buttons(encode_buttons(reply)) == reply.buttons
    assert decode_buttons(encode_buttons(Reply("x"))) == ()


@pytest.fixture
async def store(tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        yield store


async def test_replies_come_out_per_chat_oldest_first_and_a_claimed_one_is_not_owed(store):
    conn = store.relaxed
    first = await rows.add(conn, 1, "een", "[]")
    await rows.add(conn, 2, "ander", "[]")
    second = await rows.add(conn, 1, "twee", "[]")
    assert await rows.owed_chats(conn) == [1, 2]
    owed = await rows.next_owed(conn, 1)
    assert owed is not None and (owed.id, owed.html, owed.attempts) == (first, "een", 0)
    assert await rows.claim(conn, first)
    assert not await rows.claim(conn, first)                  # one sender per row
    nxt = await rows.next_owed(conn, 1)
    assert nxt is not None and nxt.id == second               # a claimed row is not handed out again

    await rows.release(conn, first, "NetworkError")           # certainly not delivered: owed again, first
    again = await rows.next_owed(conn, 1)
    assert again is not None and (again.id, again.attempts) == (first, 1)
    await rows.remove(conn, first)                            # delivered: gone
    assert await rows.count(conn, 1) == 1


@pytest.mark.parametrize("read", [lambda conn: rows.next_owed(conn, 1), rows.owed_chats, rows.count],
                         ids=["next_owed", "owed_chats", "count"])
async def test_a_read_of_the_outbox_never_holds_a_snapshot_another_handler_writes_in(store, read):
    """aiosqlite runs one connection's statements in the order they were queued. When a read took
    two steps (execute, then fetch), another handler's INSERT on the same connection could run
    between them, inside the read's snapshot; if a second connection committed meanwhile, SQLite
    refused the INSERT at once, whatever the busy timeout ("database is locked": a reply sent
    without the outbox, seen under load in CI on 2026-12-03). A read is one step now."""
    import asyncio
    import sqlite3

    conn = store.relaxed
    await rows.add(conn, 1, "een", "[]")
    other = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)

    def another_handler_commits(statement: str) -> None:
        if statement.startswith("INSERT INTO outbox"):   # just before that INSERT takes its lock
            other.execute("INSERT INTO outbox (chat_id, html, buttons, created_at) VALUES (9, 'x', '[]', '2026')")

    await conn._execute(conn._conn.set_trace_callback, another_handler_commits)
    try:
        _, added = await asyncio.gather(read(conn), rows.add(conn, 2, "twee", "[]"))
    finally:
        await conn._execute(conn._conn.set_trace_callback, None)
        other.close()
    assert await rows.count(conn, 2) == 1 and added > 0


async def test_a_row_left_sending_by_a_crash_is_settled_not_resent(store):
    conn = store.relaxed
    cut = await rows.add(conn, 1, "onderweg", "[]")
    await rows.add(conn, 1, "nog niet geprobeerd", "[]")
    await rows.claim(conn, cut)
    assert await rows.settle_interrupted(conn) == 1
    owed = await rows.next_owed(conn, 1)
    assert owed is not None and owed.html == "nog niet geprobeerd"
    assert await rows.count(conn) == 1


async def test_rows_older_than_max_age_are_swept_whatever_their_state(store):
    conn = store.relaxed
    now = datetime.now(UTC)
    old = await rows.add(conn, 1, "oud", "[]", now=now - rows.MAX_AGE - timedelta(seconds=1))
    await rows.claim(conn, old)
    await rows.add(conn, 1, "vers", "[]", now=now)
    fresh = await rows.next_owed(conn, 1)
    assert fresh is not None and not fresh.too_old(now)
    assert await rows.sweep(conn, now) == 1
    assert await rows.count(conn) == 1


async def test_vergeet_deletes_the_replies_owed_to_the_chat(store):
    conn = store.relaxed
    await rows.add(conn, 7, "voor 7", "[]")
    await rows.add(conn, 8, "voor 8", "[]")
    await store.forget_chat(7)
    assert await rows.count(conn, 7) == 0 and await rows.count(conn, 8) == 1


def test_privacy_says_what_an_owed_reply_keeps_and_for_how_long():
    text = privacy_text().plain()
    assert "antwoord dat nog onderweg is" in text and "nooit je vraag" in text
    assert f"ten laatste na {int(rows.MAX_AGE.total_seconds() // 60)} minuten" in text
