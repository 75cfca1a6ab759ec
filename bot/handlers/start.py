"""Getting started and settings: /start, /postcode, /gemeente, /help, /privacy, /vergeet.

The school's postcode is the only thing stored per chat (Store, SQLite), so it survives restarts.
"""
from __future__ import annotations

import logging

from telegram import Update

from .. import render
from ..context import BotContext
from ..places import parse_location
from . import reply_chat_id, send
from .ask import save_location

log = logging.getLogger(__name__)

# The menu (setMyCommands), in the order shown.
COMMANDS: list[tuple[str, str]] = [
    ("start", "uitleg en gemeente van je school kiezen"),
    ("postcode", "postcode of gemeente van je school instellen"),
    ("help", "hoe stel ik een vraag?"),
    ("privacy", "wat de bot bewaart"),
    ("vergeet", "alles wissen wat de bot over deze chat bewaart"),
]

async def _place(update: Update, context: BotContext) -> tuple[int, str | None, int | None]:
    """The chat, and its place name and postcode (None when not set yet)."""
    chat_id = reply_chat_id(update)
    postcode = await context.state.get_postcode(chat_id)
    return chat_id, context.state.knowledge.place_name(postcode), postcode


async def start(update: Update, context: BotContext) -> None:
    chat_id, place, postcode = await _place(update, context)
    await send(context, chat_id, render.welcome(place, postcode, context.state.knowledge.example_place))


async def set_place(update: Update, context: BotContext) -> None:
    """/postcode 9803 and /gemeente Beekdonk (either accepts both)."""
    state = context.state
    text = " ".join(context.args or [])
    if not text:
        await send(context, reply_chat_id(update), render.ask_location(state.knowledge.example_place))
        return
    postcode = parse_location(state.knowledge, text, explicit=True)
    if postcode is None:
        await send(context, reply_chat_id(update), render.location_unknown(state.knowledge.example_place))
        return
    await save_location(update, context, postcode)


async def help_command(update: Update, context: BotContext) -> None:
    chat_id, place, postcode = await _place(update, context)
    await send(context, chat_id, render.help_text(place, postcode, context.state.knowledge.example_place))


async def privacy(update: Update, context: BotContext) -> None:
    await send(context, reply_chat_id(update), render.privacy_text())


async def forget(update: Update, context: BotContext) -> None:
    """/vergeet: the database rows of this chat, and what memory keeps for it and its user (result
    lists, the parent language picked last, the data of a /beheer or remark step). The flows
    themselves ended on the command already (their fallbacks, in earlier handler groups), so
    the persistence deletes their rows at its next write."""
    await context.state.forget_chat(reply_chat_id(update))
    for data in (context.chat_data, context.user_data):
        if data is not None:
            data.clear()
    await send(context, reply_chat_id(update), render.forgotten())
