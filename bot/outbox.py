"""Delivery of every reply the bot owes a chat: written first, sent in order, never twice.

Handlers do not call Telegram to reply: `handlers.send` posts the reply here. `Outbox.post`
writes it to the bot's SQLite file (kennisbank/outbox.py: chat id, the bot's own text and
buttons, time, state; never the question) and hands it to the chat's sender, one asyncio task
per chat with owed replies, which sends that chat's replies oldest first. A reply is retried
with backoff (0.5 s doubling to 30 s, or Telegram's retry_after) across an outage until
Telegram accepts it or it is older than `kennisbank.outbox.MAX_AGE` (10 minutes, the reason is
there); then it is dropped with a log line. Owed replies survive a restart: `start` (the
Application's post_init) sends them, `stop` (post_stop) lets a request in flight finish.

Which failures are retried: python-telegram-bot and the Bot API offer no idempotency key, so a
request whose outcome is unknown cannot be repeated safely. Every failure falls in one class:

* not delivered, retried: Telegram answered with an error status (429 with retry_after, 5xx), or
  the request never left (no connection: ConnectError, ConnectTimeout, PoolTimeout). Telegram
  certainly did not deliver the message.
* possibly delivered, NOT resent: the request was (maybe) written and then the answer never came
  (read time-out, connection dropped or reset, a garbled response), and a row found in state
  `sending` at start-up (the bot died with a request in flight). Telegram may have delivered it,
  and a second copy would be a second visible message. The row is deleted and logged.
* refused, dropped: any other error (400 Bad Request, 403 the user blocked the bot, ...): the
  same request would be refused again.

The trade-off, chosen on purpose: after an ambiguous failure a reply is delivered at most once,
so in the rare case that the request was lost *before* Telegram processed it, the school gets no
answer (and can ask again) rather than, in the more common case, the same answer twice. There is
no reliable way to verify: a bot cannot read a chat's messages back, and the message id of a
possibly delivered message is unknown, so it can neither be looked up nor edited nor deleted.
The same rule holds for every request that creates a message (bot/app.RetryingRateLimiter does
not repeat send*/forward*/copy* calls after an ambiguous failure either).

`post` waits for its reply's first attempt (at most FIRST_TRY_WAIT), so in normal operation a
reply is sent while its update is handled (the processing time in the load benchmark includes
it, and replies keep their order with direct calls like a card's contact); while the chat's
sender is backing off, `post` returns at once and the update is done.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import sqlite3
import warnings
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from enum import Enum

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut

from kennisbank import outbox as rows
from kennisbank.store import Store

from .render import Button, Reply, split_reply

log = logging.getLogger(__name__)

OUTBOX_KEY = "outbox"          # application.bot_data key; handlers reach it as context.outbox
FIRST_TRY_WAIT = 15.0          # seconds a handler waits for its reply's first attempt
BACKOFF_FIRST = 0.5            # seconds before the second attempt; doubles per failure ...
BACKOFF_MAX = 30.0             # ... up to this (a 10-minute outage costs about 25 attempts)
SWEEP_EVERY = 60               # seconds between sweeps of rows older than MAX_AGE
STOP_WAIT = 12.0               # on stop, how long a request in flight may finish (read timeout + margin)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

# httpx errors raised before the request was written: nothing reached Telegram.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Verdict(Enum):
    SENT = "sent"
    RETRY = "retry"              # certainly not delivered: send again later
    UNCERTAIN = "uncertain"      # possibly delivered: never resend
    REFUSED = "refused"          # Telegram will refuse it again: drop


def not_delivered(error: BaseException) -> bool:
    """True when Telegram certainly did not deliver the request: it answered 429 or 5xx, or the
    request never left this machine. python-telegram-bot raises transport errors as NetworkError
    or TimedOut *from* the httpx exception, and an error status without one."""
    if isinstance(error, RetryAfter):
        return True
    if type(error) not in (NetworkError, TimedOut):   # BadRequest, Forbidden ... subclass NetworkError
        return False
    cause = error.__cause__
    if isinstance(cause, httpx.HTTPError):
        return isinstance(cause, _NEVER_SENT)
    # An error status from the server (5xx; PTB chains a failed parse of the body, if any).
    return type(error) is NetworkError and (cause is None or isinstance(cause, TelegramError))


def verdict(error: TelegramError) -> Verdict:
    if not_delivered(error):
        return Verdict.RETRY
    if type(error) in (NetworkError, TimedOut, TelegramError):   # no answer, or an unreadable one
        return Verdict.UNCERTAIN
    return Verdict.REFUSED


def retry_after(error: BaseException) -> float:
    """Telegram's retry_after in seconds (0 for other errors), without PTB's deprecation noise."""
    if not isinstance(error, RetryAfter):
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# ── the stored form of a reply's buttons ───────────────────────────────────────────────────

def encode_buttons(reply: Reply) -> str:
    return json.dumps([[{"label": b.label, "data": b.data, "url": b.url} for b in row] for row in reply.buttons],
                      ensure_ascii=False, separators=(",", ":"))


def decode_buttons(stored: str) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(Button(b["label"], b.get("data"), b.get("url")) for b in row) for row in json.loads(stored))


def reply_markup(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data, url=b.url) for b in row]
                                 for row in buttons])


# ── the sender ─────────────────────────────────────────────────────────────────────────────

class Outbox:
    """Owed replies of every chat; one sender task per chat that has any."""

    def __init__(self, store: Store, max_age: timedelta = rows.MAX_AGE):
        self.store = store
        self.max_age = max_age
        # What happened to replies since start (no ids, no text): sent, retried, uncertain,
        # refused, expired, interrupted. For logs and tests.
        self.tally: Counter[str] = Counter()
        self._bot: Bot | None = None
        self._stopping = asyncio.Event()
        self._senders: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()                  # chats with a reply posted while their sender ran
        self._backing_off: set[int] = set()            # chats whose sender waits out an outage
        self._waiting: defaultdict[int, dict[int, asyncio.Future[None]]] = defaultdict(dict)

    @property
    def running(self) -> bool:
        return self._bot is not None and not self._stopping.is_set()

    # ── life cycle (bot/app.py: post_init, post_stop, and a JobQueue sweep) ─────────────

    async def start(self, bot: Bot) -> None:
        """Settle what a crash left behind, drop what is too old, send what is still owed."""
        self._bot, self._stopping = bot, asyncio.Event()
        conn = self.store.relaxed
        interrupted = await rows.settle_interrupted(conn)
        if interrupted:
            self.tally["interrupted"] += interrupted
            log.warning("outbox: %d replies were being sent when the bot stopped; possibly delivered, "
                        "so not sent again", interrupted)
        await self.sweep()

    async def stop(self) -> None:
        """Let requests in flight finish (STOP_WAIT at most); owed replies wait for the next start."""
        self._stopping.set()
        senders = list(self._senders.values())
        if senders:
            _, late = await asyncio.wait(senders, timeout=STOP_WAIT)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._bot = None

    async def sweep(self) -> int:
        """Delete rows older than max_age; start a sender for every chat still owed a reply."""
        conn = self.store.relaxed
        swept = await rows.sweep(conn, datetime.now(UTC), self.max_age)
        if swept:
            self.tally["expired"] += swept
            log.warning("outbox: %d replies older than %s dropped", swept, self.max_age)
        if self.running:
            for chat_id in await rows.owed_chats(conn):
                if chat_id not in self._senders:
                    self._kick(chat_id)
        return swept

    # ── posting (handlers.send) ─────────────────────────────────────────────────────────

    async def post(self, chat_id: int, reply: Reply) -> None:
        """Owe `reply` to the chat; return after its first attempt (or at once during an outage).

        A reply longer than one Telegram message (a long list) is owed as several, split between
        lines with its formatting kept (render.split_reply), in order; the buttons go with the last."""
        for part in split_reply(reply):
            await self._post_one(chat_id, part)

    async def _post_one(self, chat_id: int, reply: Reply) -> None:
        try:
            row_id = await rows.add(self.store.relaxed, chat_id, reply.html, encode_buttons(reply))
        except (sqlite3.Error, RuntimeError) as exc:   # the database failed, or is not open
            # SQLite's own message ("database is locked") names no data: values are bound parameters.
            log.error("outbox: reply not written (%s: %s); sent without the outbox", type(exc).__name__, exc)
            await self.store.note_error(exc)
            await self._send(chat_id, reply.html, reply.buttons)
            return
        if not self.running:
            return   # sent by start(), after the (re)start
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[chat_id][row_id] = waiter
        self._kick(chat_id)
        if chat_id in self._backing_off:
            waiter.set_result(None)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, FIRST_TRY_WAIT)
        finally:
            waiting = self._waiting.get(chat_id)
            if waiting is not None:
                waiting.pop(row_id, None)
                if not waiting:
                    del self._waiting[chat_id]

    def _kick(self, chat_id: int) -> None:
        if chat_id in self._senders:
            self._again.add(chat_id)
            return
        self._senders[chat_id] = asyncio.get_running_loop().create_task(
            self._sender(chat_id), name=f"outbox-{chat_id}")

    def _release_waiters(self, chat_id: int, row_id: int | None = None) -> None:
        waiting = self._waiting.get(chat_id, {})
        for key, waiter in list(waiting.items()):
            if (row_id is None or key == row_id) and not waiter.done():
                waiter.set_result(None)

    # ── sending one chat's replies, oldest first ───────────────────────────────────────

    async def _sender(self, chat_id: int) -> None:
        conn = self.store.relaxed
        backoff = BACKOFF_FIRST
        try:
            while not self._stopping.is_set():
                self._again.discard(chat_id)
                try:
                    owed = await rows.next_owed(conn, chat_id)
                    if owed is None:
                        if chat_id in self._again:
                            continue
                        return
                    result, wait = await self._deliver(conn, owed)
                except sqlite3.Error as exc:
                    log.error("outbox: database error while sending (%s: %s)", type(exc).__name__, exc)
                    if await self.store.note_error(exc):
                        return   # damaged: the rows cannot be read or cleared; replies go direct
                    result, wait = Verdict.RETRY, 0.0
                if result is not Verdict.RETRY:
                    backoff = BACKOFF_FIRST
                    continue
                # An outage: whoever waits for a first attempt in this chat goes on; we wait.
                self._backing_off.add(chat_id)
                self._release_waiters(chat_id)
                delay = max(wait, backoff * random.uniform(0.8, 1.2))
                backoff = min(backoff * 2, BACKOFF_MAX)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
                self._backing_off.discard(chat_id)
        finally:
            self._backing_off.discard(chat_id)
            if self._senders.get(chat_id) is asyncio.current_task():
                del self._senders[chat_id]
            self._release_waiters(chat_id)

    async def _deliver(self, conn, owed: rows.OwedReply) -> tuple[Verdict, float]:
        """One attempt at one row; the row is deleted unless it is to be retried."""
        try:
            if owed.too_old(datetime.now(UTC), self.max_age):
                await rows.remove(conn, owed.id)
                self.tally["expired"] += 1
                log.warning("outbox: reply %d dropped after %d failed attempts: older than %s",
                            owed.id, owed.attempts, self.max_age)
                return Verdict.REFUSED, 0.0
            if not await rows.claim(conn, owed.id):
                return Verdict.REFUSED, 0.0   # gone meanwhile (/vergeet, a sweep): nothing to send
            try:
                await self._send(owed.chat_id, owed.html, decode_buttons(owed.buttons))
            except TelegramError as exc:
                result = verdict(exc)
                name = type(exc.__cause__ or exc).__name__
                if result is Verdict.RETRY:
                    await rows.release(conn, owed.id, name)
                    self.tally["retried"] += 1
                    log.warning("outbox: reply %d not delivered (%s), attempt %d; retrying",
                                owed.id, name, owed.attempts + 1)
                    return result, retry_after(exc)
                await rows.remove(conn, owed.id)
                self.tally[result.value] += 1
                if result is Verdict.UNCERTAIN:
                    log.warning("outbox: reply %d possibly delivered (%s); not sent again", owed.id, name)
                else:
                    log.warning("outbox: reply %d refused by Telegram (%s); dropped", owed.id, name)
                return result, 0.0
            self._release_waiters(owed.chat_id, owed.id)   # the handler goes on while the row is deleted
            await rows.remove(conn, owed.id)
            self.tally["sent"] += 1
            return Verdict.SENT, 0.0
        finally:
            self._release_waiters(owed.chat_id, owed.id)

    async def _send(self, chat_id: int, html: str, buttons: tuple[tuple[Button, ...], ...]) -> None:
        if self._bot is None:
            raise RuntimeError("the outbox is not started")
        await self._bot.send_message(chat_id, html, parse_mode=ParseMode.HTML, reply_markup=reply_markup(buttons),
                                     link_preview_options=NO_PREVIEW)
