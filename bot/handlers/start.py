"""Getting started and settings: /start, /postcode, /gemeente, /help, /privacy, /vergeet.

The school's postcode is the only thing stored per chat (Store, SQLite), so it survives restarts.
"""
from __future__ import annotations

import logging

from telegram import Update

from .. import render
from ..context import BotContext
from ..places import location_reply, parse_location
from . import reply_chat_id, send

log = logging.getLogger(__name__)

# The menu (setMyCommands), in the order shown.
COMMANDS: list[tuple[str, str]] = [
    ("start", "uitleg en gemeente van je school kiezen"),
    ("postcode", "postcode van je school instellen, bv. /postcode 9801"),
    ("help", "hoe stel ik een vraag?"),
    ("privacy", "wat de bot bewaart"),
    ("vergeet", "alles wissen wat de bot over deze chat bewaart"),
]

async def save_location(update: Update, context: BotContext, postcode: int) -> None:
    state = context.state
    await state.set_postcode(reply_chat_id(update), postcode)
    await send(context, reply_chat_id(update), location_reply(state.knowledge, postcode))


async def _place(update: Update, context: BotContext) -> tuple[int, str | None, int | None]:
    """The chat, and its place name and postcode (None when not set yet)."""
    chat_id = reply_chat_id(update)
    postcode = await context.state.get_postcode(chat_id)
    return chat_id, context.state.knowledge.place_name(postcode), postcode


async def start(update: Update, context: BotContext) -> None:
    chat_id, place, postcode = await _place(update, context)
    await send(context, chat_id, render.welcome(place, postcode))


async def set_place(update: Update, context: BotContext) -> None:
    """/postcode 9801 and /gemeente Lindegem (either accepts both)."""
    state = context.state
    text = " ".join(context.args or [])
    if not text:
        await send(context, reply_chat_id(update), render.ask_location())
        return
    postcode = parse_location(state.knowledge, text, explicit=True)
    if postcode is None:
        await send(context, reply_chat_id(update), render.location_unknown())
        return
    await save_location(update, context, postcode)


async def help_command(update: Update, context: BotContext) -> None:
    chat_id, place, postcode = await _place(update, context)
    await send(context, chat_id, render.help_text(place, postcode))


async def privacy(update: Update, context: BotContext) -> None:
    await send(context, reply_chat_id(update), render.privacy_text())


async def forget(update: Update, context: BotContext) -> None:
    """/vergeet: the database rows and the in-memory result lists of this chat."""
    await context.state.forget_chat(reply_chat_id(update))
    if context.chat_data is not None:
        context.chat_data.clear()
    await send(context, reply_chat_id(update), render.forgotten())
