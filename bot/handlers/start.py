"""Getting started and settings: /start, /postcode, /gemeente, /help, /privacy, /vergeet.

The school's postcode is the only thing stored per chat (Store, SQLite), so it survives restarts.
"""
from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from kennisbank.fields import FieldError, postcode as parse_postcode

from .. import render
from ..state import Knowledge, get_state
from . import send

log = logging.getLogger(__name__)

# The menu (setMyCommands), in the order shown.
COMMANDS: list[tuple[str, str]] = [
    ("start", "uitleg en gemeente van je school kiezen"),
    ("postcode", "postcode van je school instellen, bv. /postcode 9801"),
    ("help", "hoe stel ik een vraag?"),
    ("privacy", "wat de bot bewaart"),
    ("vergeet", "alles wissen wat de bot over deze chat bewaart"),
]

_POSTCODE_ONLY = re.compile(r"^\s*(\d{4})\s*$")
_POSTCODE_ANY = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def parse_location(knowledge: Knowledge, text: str, *, strict: bool = False) -> int | None:
    """'9801', '9801 Lindegem', 'Lindegem', 'lindegm' -> a postcode; None if not a place.

    strict: only a message that is nothing but a postcode or a municipality name counts
    (used once a postcode is set, so that a question is never mistaken for a place).
    """
    text = (text or "").strip()
    if not text or len(text) > 60:
        return None
    if len(text.split()) > 3:
        return None
    found = (_POSTCODE_ONLY if strict else _POSTCODE_ANY).search(text)
    if found:
        try:
            return parse_postcode(found.group(1))
        except FieldError:
            return None
    municipality = knowledge.find_municipality(text, cutoff=92 if strict else 80)
    return municipality.postcodes[0] if municipality else None


def location_reply(knowledge: Knowledge, postcode: int) -> render.Reply:
    return render.location_set(postcode, knowledge.place_name(postcode), knowledge.is_example(postcode))


async def save_location(update: Update, context: ContextTypes.DEFAULT_TYPE, postcode: int) -> None:
    state = get_state(context)
    await state.set_postcode(update.effective_chat.id, postcode)
    await send(context, update.effective_chat.id, location_reply(state.knowledge, postcode))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    postcode = await state.get_postcode(update.effective_chat.id)
    await send(context, update.effective_chat.id,
               render.welcome(state.knowledge.place_name(postcode), postcode))


async def set_place(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/postcode 9801 and /gemeente Lindegem (either accepts both)."""
    state = get_state(context)
    text = " ".join(context.args or [])
    if not text:
        await send(context, update.effective_chat.id, render.ask_location())
        return
    postcode = parse_location(state.knowledge, text)
    if postcode is None:
        await send(context, update.effective_chat.id, render.location_unknown())
        return
    await save_location(update, context, postcode)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    postcode = await state.get_postcode(update.effective_chat.id)
    await send(context, update.effective_chat.id,
               render.help_text(state.knowledge.place_name(postcode), postcode))


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(context, update.effective_chat.id, render.privacy_text())


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/vergeet: the database rows and the in-memory result lists of this chat."""
    await get_state(context).forget_chat(update.effective_chat.id)
    if context.chat_data is not None:
        context.chat_data.clear()
    await send(context, update.effective_chat.id, render.forgotten())


def register(application: Application) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler(["postcode", "gemeente"], set_place))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("privacy", privacy))
    application.add_handler(CommandHandler("vergeet", forget))
