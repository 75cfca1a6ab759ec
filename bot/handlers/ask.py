"""A free-text question, and the buttons that follow up on an answer (more results, a need).

The question's words live only in this handler's local variables: the search gets them, the
reply is built, and they are gone. For "Meer resultaten" the chat keeps the result *ids* in
chat_data (memory only), never the text.
"""
from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from datetime import date
from typing import Callable, MutableMapping, Sequence

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from kennisbank.search import Answer

from .. import callbacks, render
from ..privacy import looks_personal
from ..state import Knowledge, get_state
from . import feedback, reply_chat_id, send
from .start import parse_location, save_location

log = logging.getLogger(__name__)

SEARCH_LIMIT = 12            # results fetched per question; the first PAGE_SIZE are shown
STASH_SIZE = 20              # result lists kept per chat for "Meer resultaten"
_keys = itertools.count(1)


def stash_results(chat_data: MutableMapping, ids: Sequence[str]) -> str:
    """Keep a result list (ids only) under a short key; the oldest lists are dropped."""
    stash = chat_data.setdefault("more", {})
    key = format(next(_keys), "x")
    stash[key] = tuple(ids)
    while len(stash) > STASH_SIZE:
        stash.pop(next(iter(stash)))
    return key


def page_of(knowledge: Knowledge, ids: Sequence[str], page: int):
    """The services of one page (skipping any gone after a reload) and whether more follow."""
    start, end = page * render.PAGE_SIZE, (page + 1) * render.PAGE_SIZE
    services = [s for s in (knowledge.service(i) for i in ids[start:end]) if s is not None]
    return services, len(ids) > end


@dataclass(frozen=True)
class Outcome:
    reply: render.Reply
    kind: str                # "answer" | "ask-back" | "not-found": for logs and signals, no text
    themes: tuple[str, ...] = ()      # recognised theme ids (for the anonymous signal)
    services: tuple[str, ...] = ()    # ids of the services shown


def compose(knowledge: Knowledge, question: str, postcode: int | None,
            stash: Callable[[Sequence[str]], str], today: date | None = None) -> Outcome:
    """The reply to a question; shared by the Telegram handler and the terminal chat."""
    hint = looks_personal(question, knowledge.proper_nouns)
    example = knowledge.is_example(postcode)
    result = knowledge.engine.search(question, postcode, SEARCH_LIMIT)
    if result.safety is not None and not result.found:
        # Life safety first: never "nothing fits" and never an ask-back instead of 112 and a door.
        entry = knowledge.engine.entry_points(postcode)
        return Outcome(render.safety_without_doors(result, entry, knowledge.place_name(postcode), example, today),
                       "answer", tuple(result.themes), tuple(s.id for s in entry))
    if result.ambiguous and result.themes:
        return Outcome(render.ask_back(result, privacy_hint=hint), "ask-back")
    if not result.found:
        entry = knowledge.engine.entry_points(postcode)
        return Outcome(render.not_found(entry, knowledge.place_name(postcode), example, hint, today),
                       "not-found", tuple(result.themes), tuple(s.id for s in entry))
    ids = [m.id for m in result.matches]
    more = callbacks.more(stash(ids), 1) if len(ids) > render.PAGE_SIZE else None
    shown = [m.service for m in result.matches[: render.PAGE_SIZE]]
    return Outcome(render.answer(result, page_services=shown, more_data=more, example=example,
                                 privacy_hint=hint, today=today), "answer",
                   tuple(result.themes), tuple(s.id for s in shown))


def compose_more(knowledge: Knowledge, key: str, ids: Sequence[str] | None, page: int,
                 postcode: int | None, today: date | None = None) -> render.Reply:
    if not ids:
        return render.expired()
    services, has_more = page_of(knowledge, ids, page)
    if not services:
        return render.expired()
    return render.answer(
        Answer((), ()), page_services=services, first=page * render.PAGE_SIZE + 1,
        more_data=callbacks.more(key, page + 1) if has_more else None,
        example=knowledge.is_example(postcode), heading="➕ <b>Meer resultaten</b>", today=today)


def compose_theme(knowledge: Knowledge, theme_id: str, page: int, postcode: int | None,
                  today: date | None = None) -> render.Reply:
    return theme_outcome(knowledge, theme_id, page, postcode, today).reply


def theme_outcome(knowledge: Knowledge, theme_id: str, page: int, postcode: int | None,
                  today: date | None = None) -> Outcome:
    limit = (page + 1) * render.PAGE_SIZE + 1
    result = knowledge.engine.by_theme(theme_id, postcode, limit)
    ids = [m.id for m in result.matches]
    services, has_more = page_of(knowledge, ids, page)
    if not services:
        entry = knowledge.engine.entry_points(postcode)
        return Outcome(render.not_found(entry, knowledge.place_name(postcode), knowledge.is_example(postcode),
                                        today=today), "not-found", (theme_id,), tuple(s.id for s in entry))
    return Outcome(render.answer(
        result, page_services=services, first=page * render.PAGE_SIZE + 1,
        more_data=callbacks.theme(theme_id, page + 1) if has_more else None,
        example=knowledge.is_example(postcode),
        heading="🔎 <b>" + render.esc(render.theme_title(theme_id)) + "</b>", today=today),
        "answer", (theme_id,), tuple(s.id for s in services))


# ── Telegram handlers ────────────────────────────────────────────────────────────────────

async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    knowledge = state.knowledge                      # one snapshot for this whole update
    chat_id = update.effective_chat.id
    text = update.effective_message.text or ""
    postcode = await state.get_postcode(chat_id)
    place = parse_location(knowledge, text, strict=postcode is not None)
    if place is not None:
        await save_location(update, context, place)
        return
    if postcode is None:
        await send(context, chat_id, render.need_location())
        return
    outcome = compose(knowledge, text, postcode, lambda ids: stash_results(context.chat_data, ids))
    await send(context, chat_id, await feedback.signal_and_buttons(state, knowledge, postcode, outcome))
    log.info("update %s: %s", update.update_id, outcome.kind)


async def on_more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    state = get_state(context)
    parsed = callbacks.parse(query.data)
    chat_id = reply_chat_id(update)
    if parsed is None:
        await send(context, chat_id, render.expired())
        return
    ids = (context.chat_data or {}).get("more", {}).get(parsed.value)
    postcode = await state.get_postcode(chat_id)
    await send(context, chat_id, compose_more(state.knowledge, parsed.value, ids, parsed.page, postcode))


async def on_theme(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    state = get_state(context)
    parsed = callbacks.parse(query.data)
    chat_id = reply_chat_id(update)
    if parsed is None or parsed.value not in render.load_themes():
        await send(context, chat_id, render.expired())
        return
    postcode = await state.get_postcode(chat_id)
    outcome = theme_outcome(state.knowledge, parsed.value, parsed.page, postcode)
    if parsed.page == 0:  # later pages of the same need are not a new question
        await send(context, chat_id, await feedback.signal_and_buttons(state, state.knowledge, postcode, outcome))
    else:
        await send(context, chat_id, outcome.reply)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Unknown commands, photos, voice messages ...: say what works instead of staying silent."""
    message = update.effective_message
    if message.text and message.text.startswith("/"):
        reply = render.Reply("Die opdracht ken ik niet. Typ /help voor wat ik kan.")
    else:
        reply = render.Reply("Ik lees enkel tekst. Typ je vraag in gewone woorden.")
    await send(context, update.effective_chat.id, reply)


def register(application: Application) -> None:
    """Registered last (see bot/app.py): its message handlers are the fallback for any message
    no other feature claimed (plain text is a question; anything else gets a short pointer)."""
    application.add_handler(CallbackQueryHandler(on_more, pattern=callbacks.PATTERN_MORE))
    application.add_handler(CallbackQueryHandler(on_theme, pattern=callbacks.PATTERN_THEME))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, on_other))
