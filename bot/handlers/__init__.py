"""One module per feature; each exposes `register(application)`, called from bot/app.py only.

Helpers here turn a render.Reply into a Telegram message, so no handler builds markup by hand.
"""
from __future__ import annotations

import logging
import re

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from ..context import BotContext
from ..outbox import NO_PREVIEW as NO_PREVIEW  # re-exported: the handlers send with it too
from ..outbox import reply_markup
from ..render import Reply

log = logging.getLogger(__name__)


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    return reply_markup(reply.buttons)


def reply_chat_id(update: Update) -> int:
    """Where to answer: the chat of the update, or the user's private chat for a button on a
    message sent in inline mode (such callbacks carry no chat). ValueError for an update with
    neither (the handlers registered in bot/app.py never receive one)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None:
        return chat.id
    if user is not None:
        return user.id
    raise ValueError(f"update {update.update_id} has no chat and no user to answer")


PRIVATE_ONLY = Reply("🔒 Dat kan enkel in een privégesprek met mij: open de bot en stuur het daar.")


async def refuse_outside_private(update: Update, context: BotContext) -> bool:
    """Coordinator, editor and report data never go to a group or channel: say so there. True
    when refused (the caller stops)."""
    chat = update.effective_chat
    if chat is None or chat.type == "private":
        return False
    await send(context, chat.id, PRIVATE_ONLY)
    return True


async def private_only(update: Update, context: BotContext) -> None:
    """For commands that exist only in private chats (/beheer), sent in a group."""
    await refuse_outside_private(update, context)


def message_text(update: Update) -> str:
    """The text of the update's message, or the caption of a photo, document or video ('' for
    none); in a group without the '@bot' that addressed the message to this bot."""
    message = update.effective_message
    if message is None:
        return ""
    text = message.text or message.caption or ""
    username = message.get_bot().username if message.chat.type != ChatType.PRIVATE else None
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()
    return text


def callback_data(update: Update) -> str | None:
    """The data of the pressed button (None when the update is no button press)."""
    query = update.callback_query
    return query.data if query is not None else None


async def answer_button(update: Update, text: str | None = None) -> None:
    """Stop the button's spinner (with an optional short notice). Best effort: after downtime
    Telegram refuses queries older than a few seconds ("query is too old"), and the button's
    action (the card, the next page) matters more than the spinner."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(text)
    except TelegramError as exc:
        log.info("update %s: button not acknowledged (%s)", update.update_id, type(exc).__name__)


async def send(context: BotContext, chat_id: int, reply: Reply) -> None:
    """Owe the chat this reply: the outbox (bot/outbox.py) writes it down and sends it, in order,
    across an outage, never twice. Returns after the first attempt (at once during an outage)."""
    await context.outbox.post(chat_id, reply)
