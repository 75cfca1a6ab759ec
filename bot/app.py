"""Builds the Telegram application: state, handlers, menu, error handling, logging.

Every handler, group and command is registered here, in `register_handlers`: the handler
modules only hold callbacks. The shared state (bot/state.py) lives in
`application.bot_data[STATE_KEY]` and is reached as `context.state` (bot/context.py).
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import traceback
from collections import defaultdict
from collections.abc import Awaitable
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import BotCommand, Message, MessageEntity, Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from kennisbank.schema import KnowledgeBase
from kennisbank.store import Store, StoreError

from . import callback_data as cd
from . import conversations, jobs, render
from . import outbox as outbox_sender
from .context import BotContext
from .conversations import beheer, remark
from .handlers import (
    ask,
    card,
    coordinator_signals,
    db_health,
    feedback,
    private_only,
    reload,
    send,
    share,
    start,
)
from .persistence import ConversationPersistence
from .state import STATE_KEY, BotState

log = logging.getLogger(__name__)

COMMANDS = start.COMMANDS
# A flow's stored state comes back after a restart and its own deadline ends it there (with a
# message); rows older than this are only garbage from a bot that was down for a long time.
FLOW_ROWS_KEPT = timedelta(days=7)

# Handler groups, run in this order for every update; within a group the first matching handler
# wins, and a callback that raises ApplicationHandlerStop ends the update there.
GROUP_GATE = -4       # updates the bot does not answer (channel posts, edits, group chatter): stop
GROUP_REMARK = -3     # the remark after "klopt niet meer": only a reply to its prompt (first:
                      # with a /beheer step open too, that reply is still the remark)
GROUP_BEHEER = -2     # /beheer: text while a step waits for it is a value, not a question
GROUP_DEEP_LINK = -1  # /start <payload> opens a card and stops; plain /start goes on to group 0
GROUP_MAIN = 0        # commands, buttons, and last the plain-text question (the fallback)
GROUP_AFTER = 1       # the same update one step further: the share offer after a card

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
NETWORK_RETRIES = 3          # for 5xx answers and time-outs, on top of 429 handling
MESSAGE_CREATING = ("send", "forward", "copy")   # Bot API methods that put a new message in a chat
READ_TIMEOUT = 10.0          # seconds; a slower answer is a possibly delivered request (bot/outbox.py)
CONCURRENT_UPDATES = 64      # different chats in parallel; one chat's updates stay in order


# ── logging: the token never reaches a log, nor does a question ─────────────────────────────

class RedactFilter(logging.Filter):
    """Second line of defence: replaces the token anywhere in a record (message, args, traceback)."""

    def __init__(self, secret: str, replacement: str = "<TOKEN>"):
        super().__init__()
        self.secret, self.replacement = secret, replacement

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secret:
            return True
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, self.replacement), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, self.replacement)
        if record.exc_text:
            record.exc_info = None  # the redacted text is what gets printed
        return True


CONFLICT_LINE = ("Telegram: een andere bot haalt met hetzelfde token berichten op (409 Conflict). Stop die "
                 "andere bot of geef deze een eigen token; tot dan probeert deze het opnieuw.")


class ShortConfigErrors(logging.Filter):
    """A refused token or a second bot on the same token is a configuration problem, not a crash:
    one line instead of a traceback (PTB logs them with the full stack from its polling loop)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, InvalidToken):
            record.msg, record.args = f"{record.getMessage()} ({type(error).__name__})", None
            record.exc_info, record.exc_text = None, None
        elif isinstance(error, Conflict):
            record.msg, record.args = CONFLICT_LINE, None
            record.exc_info, record.exc_text = None, None
        return True


def quiet_loggers() -> None:
    """Library loggers that would write secrets or user text, capped however verbose the root is.

    httpx logs every request URL (token included) at INFO; python-telegram-bot logs whole updates
    and request parameters (the question's text) at DEBUG; aiosqlite logs every statement at DEBUG.
    """
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("telegram", "aiosqlite", "apscheduler", "tornado"):
        logging.getLogger(name).setLevel(logging.INFO)


def setup_logging(token: str | None, level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_loggers()
    redact, short = RedactFilter(token or ""), ShortConfigErrors()
    for handler in logging.getLogger().handlers:
        handler.addFilter(short)
        handler.addFilter(redact)


def error_summary(error: BaseException) -> str:
    """Error type and where it happened, without the message (it could quote user text)."""
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    return f"{type(error).__name__} at {where or '?'}"


async def on_error(update: object, context: BotContext) -> None:
    """Log what operating needs (type, place, update id), then apologise: never silence."""
    update_id = update.update_id if isinstance(update, Update) else None
    if context.error is not None:
        log.error("update %s failed: %s", update_id, error_summary(context.error))
    if not isinstance(update, Update) or update.effective_chat is None:
        if isinstance(context.error, sqlite3.Error):   # a job: damage found there counts too
            await context.state.store.note_error(context.error)
        return
    chat = update.effective_chat
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
    except TelegramError:  # the query may be too old; the apology below still matters
        pass
    reply = render.apology()
    if isinstance(context.error, sqlite3.Error | StoreError) and await context.state.store.note_error(context.error):
        reply = render.database_damaged()   # nothing was saved; the coordinators know (db_health)
    try:
        await send(context, chat.id, reply)
    except TelegramError as exc:
        log.error("apology for update %s failed: %s", update_id, type(exc).__name__)


# ── networking: survive 429, 5xx and time-outs ──────────────────────────────────────────────

def repeatable(endpoint: str, error: BaseException) -> bool:
    """May this failed request be sent again? Yes when Telegram certainly did not get it (5xx,
    no connection). After an ambiguous failure (time-out or dropped connection once the request
    was written) only a request that creates no message: a second sendMessage could be a second
    visible message (bot/outbox.py explains the choice). BadRequest, Forbidden etc.: never."""
    if outbox_sender.not_delivered(error):
        return True
    return type(error) in (NetworkError, TimedOut) and not endpoint.startswith(MESSAGE_CREATING)


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter waits out 429 (retry_after); this also retries 5xx answers, failed
    connections and (for requests that create no message) time-outs a few times with a short
    back-off. BadRequest, Forbidden etc. are not retried."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        delay = 0.2
        for attempt in range(NETWORK_RETRIES + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data,
                                                     rate_limit_args)
            except (NetworkError, TimedOut) as exc:
                if not repeatable(endpoint, exc) or attempt == NETWORK_RETRIES:
                    raise
                log.warning("%s failed (%s), retry %d", endpoint, type(exc).__name__, attempt + 1)
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Many chats at once, but each chat's updates one after another (postcode before question)."""

    def __init__(self, max_concurrent_updates: int):
        super().__init__(max_concurrent_updates)
        self._locks: defaultdict[Any, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        key = chat.id if chat is not None else None
        if key is None:
            await coroutine
            return
        lock = self._locks[key]
        try:
            async with lock:
                await coroutine
        finally:
            if not lock.locked() and not getattr(lock, "_waiters", None):
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class TimedApplication(Application):
    """Records the bot's own processing time per update (received → reply sent) in the state."""

    async def process_update(self, update: object) -> None:
        started = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            elapsed = time.perf_counter() - started
            state = self.bot_data.get(STATE_KEY)
            if state is not None:
                state.timings.append(elapsed)
                if isinstance(update, Update):
                    state.processed.append(update.update_id)
            if isinstance(update, Update):
                log.debug("update %s handled in %.1f ms", update.update_id, elapsed * 1000)


# ── which updates are answered ───────────────────────────────────────────────────────────

class AddressedToBot(filters.MessageFilter):
    """A message meant for this bot: it mentions @the_bot (in its text or caption) or replies
    to one of the bot's own messages. Checked when the update arrives, so the username comes
    from getMe and no configuration is needed."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        reply = message.reply_to_message
        if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
            return True
        username = (bot.username or "").casefold()
        mentions = [*message.parse_entities([MessageEntity.MENTION]).values(),
                    *message.parse_caption_entities([MessageEntity.MENTION]).values()]
        return bool(username) and any(m.lstrip("@").casefold() == username for m in mentions)


# The policy, in one filter: a channel is read by many and asks nothing, so the bot never posts
# there; an edited message was answered (and counted as a signal) when it was sent; in a group
# the bot answers commands and what is addressed to it, not the chatter between colleagues.
NOT_ANSWERED = (filters.UpdateType.CHANNEL_POSTS | filters.UpdateType.EDITED
                | (filters.ChatType.GROUPS & ~filters.COMMAND & ~AddressedToBot()))


async def ignore(update: Update, context: BotContext) -> None:
    """No reply, no state, no signal: the update ends here."""
    raise ApplicationHandlerStop


# ── building ─────────────────────────────────────────────────────────────────────────────

def register_handlers(application: Application) -> None:
    """Every handler of the bot, in its group, in order."""
    add = application.add_handler
    add(MessageHandler(NOT_ANSWERED, ignore), group=GROUP_GATE)
    add(remark.conversation(), group=GROUP_REMARK)
    add(beheer.conversation(), group=GROUP_BEHEER)
    add(CommandHandler("start", share.on_start_parameter, has_args=1), group=GROUP_DEEP_LINK)

    add(CommandHandler("start", start.start))
    add(CommandHandler(["postcode", "gemeente"], start.set_place))
    add(CommandHandler("help", start.help_command))
    add(CommandHandler("privacy", start.privacy))
    add(CommandHandler("vergeet", start.forget))
    add(CommandHandler("signalen", coordinator_signals.signalen))
    add(CommandHandler("herlaad", reload.on_herlaad))
    add(CommandHandler("beheer", private_only, filters=~filters.ChatType.PRIVATE))   # private: group -2
    add(CallbackQueryHandler(card.on_card, pattern=cd.matches(cd.ShowCard)))
    add(CallbackQueryHandler(share.on_share, pattern=cd.matches(cd.ShareCard, cd.ShareIn, cd.DefaultLanguage)))
    add(CallbackQueryHandler(feedback.on_feedback, pattern=cd.matches(*feedback.FeedbackAction)))
    add(CallbackQueryHandler(ask.on_more, pattern=cd.matches(cd.MorePage)))
    add(CallbackQueryHandler(ask.on_theme, pattern=cd.matches(cd.ThemePage)))
    add(CallbackQueryHandler(ask.on_all_needs, pattern=cd.matches(cd.AllNeeds)))
    add(CallbackQueryHandler(ask.on_unknown_button))   # after every button handler of this group
    add(InlineQueryHandler(share.on_inline_query))
    add(ChosenInlineResultHandler(share.on_chosen))
    # Last of the main group: plain text (or a photo's or document's caption) is a question;
    # anything else gets a short pointer.
    add(MessageHandler((filters.TEXT | filters.CAPTION) & ~filters.COMMAND, ask.on_text))
    add(MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, ask.on_other))

    add(CallbackQueryHandler(share.after_card, pattern=cd.matches(cd.ShowCard)), group=GROUP_AFTER)
    application.add_error_handler(on_error)


async def _post_init(application: Application) -> None:
    state: BotState = application.bot_data[STATE_KEY]
    if state.store.db is None:
        await state.store.open()
    await reload.post_init(application)   # baseline + stored revisions; SIGHUP reloads the files
    db_health.post_init(application)      # a file found damaged while running: alert, refuse writes
    # Replies still owed from before a restart go out now (bot/outbox.py).
    await application.bot_data[outbox_sender.OUTBOX_KEY].start(application.bot)
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])


async def _post_stop(application: Application) -> None:
    """After the last update was handled: a reply in flight may finish, owed ones wait in the
    database for the next start."""
    await application.bot_data[outbox_sender.OUTBOX_KEY].stop()


async def stop_application(application: Application) -> None:
    """Stop a bot started by hand (tests, benchmarks) in run_polling's order: polling, the
    application (jobs), our post_stop (the outbox), shutdown (which writes the persistence a
    last time), then our own post_shutdown (closes the store)."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        await _post_stop(application)
    await application.shutdown()
    await _post_shutdown(application)


async def sweep_outbox(context: BotContext) -> None:
    await context.outbox.sweep()


async def _post_shutdown(application: Application) -> None:
    await application.bot_data[STATE_KEY].store.close()


def build_application(token: str, kb: KnowledgeBase, db_path: Path | str, *,
                      base_url: str | None = None, kb_dir: Path | None = None,
                      overall_max_rate: float = 30, max_retries: int = 3,
                      concurrent_updates: int = CONCURRENT_UPDATES,
                      read_timeout: float = READ_TIMEOUT) -> Application:
    """The complete bot; run it with run_polling/run_webhook, or start it by hand in tests.

    base_url: another Bot API server (e.g. http://127.0.0.1:8081/bot), from TELEGRAM_BASE_URL.
    overall_max_rate: messages per second over all chats (Telegram allows about 30); 0 = no cap.
    read_timeout: seconds to wait for an answer; a slower one counts as possibly delivered.
    """
    quiet_loggers()
    base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
    file_url = base_url[: -len("/bot")] + "/file/bot" if base_url.endswith("/bot") else base_url
    builder = (
        ApplicationBuilder()
        .application_class(TimedApplication)
        .context_types(ContextTypes(context=BotContext))
        .token(token)
        .base_url(base_url)
        .base_file_url(file_url)
        .rate_limiter(RetryingRateLimiter(overall_max_rate=overall_max_rate, max_retries=max_retries))
        .concurrent_updates(ChatOrderedProcessor(concurrent_updates))
        .connect_timeout(5).read_timeout(read_timeout).write_timeout(10).pool_timeout(5)
        .get_updates_connect_timeout(5).get_updates_pool_timeout(5)
        .persistence(ConversationPersistence(
            db_path, flows=frozenset({beheer.NAME, remark.NAME}),
            max_age={beheer.NAME: FLOW_ROWS_KEPT, remark.NAME: FLOW_ROWS_KEPT}))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    application = builder.build()
    state = application.bot_data[STATE_KEY] = BotState.create(kb, Store(db_path), kb_dir, secret=token)
    application.bot_data[outbox_sender.OUTBOX_KEY] = outbox_sender.Outbox(state.store)
    register_handlers(application)
    jobs.schedule(application)
    if application.job_queue is not None:   # flows restored after a restart time out here
        for flow in (beheer, remark):
            application.job_queue.run_repeating(flow.sweep_expired, conversations.SWEEP_EVERY,
                                                name=f"{flow.NAME}-sweep")
        application.job_queue.run_repeating(sweep_outbox, outbox_sender.SWEEP_EVERY, name="outbox-sweep")
    return application
