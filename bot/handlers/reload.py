"""/herlaad and SIGHUP: a coordinator loads new region files (kennisbank/services/knowledge.py).

With errors in the files the bot keeps serving the last good knowledge and says what is wrong.
"""
from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application

from kennisbank import editors
from kennisbank.reload import report

from .. import admin_view
from ..context import BotContext
from ..state import STATE_KEY, BotState
from . import refuse_outside_private, reply_chat_id, send

log = logging.getLogger(__name__)

NO_FOLDER = "Er is geen map met regio-bestanden bekend (start de bot met --kb MAP)."


async def reload_files(state: BotState, *, drop: bool = False) -> str:
    """Reload, and the report for the coordinator (in Dutch). drop: confirm losing services."""
    result = await state.knowledge_service.reload_files(drop=drop)
    return NO_FOLDER if result is None else report(result)


async def post_init(application: Application) -> None:
    """At start: answer from baseline + stored revisions; SIGHUP reloads the region files."""
    state: BotState = application.bot_data[STATE_KEY]
    await state.knowledge_service.start()
    if state.kb_dir is not None:
        try:
            asyncio.get_running_loop().add_signal_handler(
                signal.SIGHUP, lambda: asyncio.ensure_future(_on_sighup(application)))
        except (NotImplementedError, RuntimeError, AttributeError):  # not on this platform / thread
            log.info("SIGHUP reload not available here; coordinators can use /herlaad")


async def _coordinator_ids(state: BotState) -> list[int]:
    ids = set(editors.configured_coordinators())
    ids.update(uid for uid, _region in await editors.list_coordinators(state.store))
    return sorted(ids)


async def _on_sighup(application: Application) -> None:
    state: BotState = application.bot_data[STATE_KEY]
    text = await reload_files(state)
    for user_id in await _coordinator_ids(state):
        try:
            await application.bot.send_message(user_id, admin_view.reload_report(text).html,
                                               parse_mode=ParseMode.HTML)
        except TelegramError as exc:   # never started the bot, or blocked it
            log.warning("reload report not delivered: %s", type(exc).__name__)


async def on_herlaad(update: Update, context: BotContext) -> None:
    if await refuse_outside_private(update, context):
        return
    state = context.state
    user = update.effective_user
    r = await editors.roles_of(state.store, user.id) if user is not None else None
    if r is None or not r.is_coordinator:
        await send(context, reply_chat_id(update), admin_view.reload_refused_role())
        return
    drop = [a.casefold() for a in context.args or []] == ["zeker"]   # /herlaad zeker: services may go
    await send(context, reply_chat_id(update), admin_view.reload_report(await reload_files(state, drop=drop)))
