"""A free-text question, and the buttons that follow up on an answer (more results, a need).

The question's words live only in this handler's local variables: the search gets them, the
reply is built, and they are gone. For "Meer resultaten" the chat keeps the result *ids* in
chat_data (memory only), never the text.
"""
from __future__ import annotations

import logging

from telegram import Update

from .. import callback_data as cd
from .. import render
from ..answering import compose, compose_more, stash_results, theme_outcome
from ..context import BotContext
from ..places import parse_location
from . import answer_button, callback_data, feedback, message_text, reply_chat_id, send
from .start import save_location

log = logging.getLogger(__name__)


async def on_text(update: Update, context: BotContext) -> None:
    state = context.state
    knowledge = state.knowledge                      # one snapshot for this whole update
    chat_id = reply_chat_id(update)
    text = message_text(update)
    postcode = await state.get_postcode(chat_id)
    place = parse_location(knowledge, text, strict=postcode is not None)
    if place is not None:
        await save_location(update, context, place)
        return
    if postcode is None:
        await send(context, chat_id, render.need_location())
        return
    chat_data = context.chat_data if context.chat_data is not None else {}
    outcome = compose(knowledge, text, postcode, lambda ids: stash_results(chat_data, ids))
    await send(context, chat_id, await feedback.signal_and_buttons(state, knowledge, postcode, outcome, chat_id))
    log.info("update %s: %s", update.update_id, outcome.kind)


async def _page_button(update: Update, context: BotContext) -> tuple[cd.Action | None, int]:
    """Answer the button, decode it; the chat to reply in."""
    await answer_button(update)
    return cd.decode(callback_data(update)), reply_chat_id(update)


async def on_more(update: Update, context: BotContext) -> None:
    action, chat_id = await _page_button(update, context)
    if not isinstance(action, cd.MorePage):
        await send(context, chat_id, render.expired())
        return
    state = context.state
    ids = (context.chat_data or {}).get("more", {}).get(action.key)
    postcode = await state.get_postcode(chat_id)
    await send(context, chat_id, compose_more(state.knowledge, action.key, ids, action.page, postcode))


async def on_theme(update: Update, context: BotContext) -> None:
    action, chat_id = await _page_button(update, context)
    if not isinstance(action, cd.ThemePage) or action.theme not in render.load_themes():
        await send(context, chat_id, render.expired())
        return
    state = context.state
    postcode = await state.get_postcode(chat_id)
    outcome = theme_outcome(state.knowledge, action.theme, action.page, postcode)
    if action.page == 0:  # later pages of the same need are not a new question
        reply = await feedback.signal_and_buttons(state, state.knowledge, postcode, outcome, chat_id)
        await send(context, chat_id, reply)
    else:
        await send(context, chat_id, outcome.reply)


async def on_unknown_button(update: Update, context: BotContext) -> None:
    """A button no handler claimed (forged, or from an older version): say it expired."""
    await answer_button(update)
    await send(context, reply_chat_id(update), render.expired())


async def on_other(update: Update, context: BotContext) -> None:
    """Unknown commands, photos, voice messages ...: say what works instead of staying silent."""
    if message_text(update).startswith("/"):
        reply = render.Reply("Die opdracht ken ik niet. Typ /help voor wat ik kan.")
    else:
        reply = render.Reply("Ik lees enkel tekst. Typ je vraag in gewone woorden.")
    await send(context, reply_chat_id(update), reply)
