"""One module per feature; each exposes `register(application)`, called from bot/app.py only.

Helpers here turn a render.Reply into a Telegram message, so no handler builds markup by hand.
"""
from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode

from ..context import BotContext
from ..render import Reply

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(b.label, callback_data=b.data, url=b.url) for b in row]
        for row in reply.buttons
    ])


def reply_chat_id(update: Update) -> int:
    """Where to answer: the chat of the update, or the user's private chat for a button on a
    message sent in inline mode (such callbacks carry no chat)."""
    chat = update.effective_chat
    return chat.id if chat is not None else update.effective_user.id


async def send(context: BotContext, chat_id: int, reply: Reply) -> Message:
    return await context.bot.send_message(
        chat_id, reply.html, parse_mode=ParseMode.HTML, reply_markup=markup(reply),
        link_preview_options=NO_PREVIEW,
    )
