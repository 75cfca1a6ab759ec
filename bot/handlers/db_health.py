"""The database turned out damaged while the bot runs (kennisbank/store.py, Store.note_error).

The store then refuses every write (query_only) and calls the listener registered here once: it
alerts the region coordinators in their private chats. Sent straight through the Bot API, not
through the outbox: the outbox lives in the same damaged file. Users whose action needed the
database get render.database_damaged() from bot.app.on_error; questions are answered on.
"""
from __future__ import annotations

import logging

from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application

from kennisbank import editors

from .. import admin_view
from ..state import STATE_KEY, BotState

log = logging.getLogger(__name__)


async def alert_coordinators(application: Application, error_name: str) -> int:
    """Tell every coordinator once; how many got it."""
    state: BotState = application.bot_data[STATE_KEY]
    reply = admin_view.database_damaged(error_name)
    sent = 0
    for user_id in await editors.all_coordinator_ids(state.store):
        try:
            await application.bot.send_message(user_id, reply.html, parse_mode=ParseMode.HTML)
            sent += 1
        except TelegramError as exc:   # never started the bot, or blocked it
            log.warning("database alert not delivered: %s", type(exc).__name__)
    log.critical("database damaged: %d coordinators alerted", sent)
    return sent


def post_init(application: Application) -> None:
    state: BotState = application.bot_data[STATE_KEY]

    async def on_corruption(error_name: str) -> None:
        # In a task of its own: the handler that found the damage answers its user at once.
        application.create_task(alert_coordinators(application, error_name), name="database-alert")

    state.store.on_corruption(on_corruption)
