"""Sharing a service with a parent, in the parent's language: buttons, inline mode, deep links.

* After a full card: "📤 Deel met ouder" → the parent's language (buttons, each in its own
  script) → the parent card as one message ready to forward, plus the contact as a vCard.
* Inline mode, in any chat: `@bot schulden` lists the fitting services of the school's
  municipality (the postcode stored for the user's private chat, whose id is the user id),
  each with the parent card as the message. Without a postcode, one button opens the private
  chat to set it.
* Deep links: t.me/<bot>?start=<service id> opens that card; ?start=taal picks the default
  parent language for inline mode.

The parent language a user picked last is kept in user_data, in memory only: it is never
written to disk (it hints at a family's origin) and /vergeet forgets it.

Buttons: ShareCard, ShareIn and DefaultLanguage (bot/callback_data.py).
"""
from __future__ import annotations

import logging

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationHandlerStop,
)

from kennisbank.schema import Service

from .. import callback_data as cd
from .. import render
from ..context import BotContext
from ..i18n import PARENT_LANGUAGES, SOURCE_LANGUAGE, language_name
from ..parent_card import parent_card
from ..share_view import (
    default_language_choice,
    default_language_set,
    language_choice,
    ready_to_forward,
    share_prompt,
)
from . import NO_PREVIEW, answer_button, callback_data, markup, reply_chat_id, send
from .card import send_card, send_contact

log = logging.getLogger(__name__)

LANG_KEY = "parent_lang"        # user_data key: the parent language picked last (memory only)
INLINE_RESULTS = 10
INLINE_CACHE_SECONDS = 30       # results depend on the user's postcode: is_personal
START_LANGUAGE = "taal"         # /start taal: choose the default parent language
START_PLACE = "gemeente"        # /start gemeente: from inline mode without a postcode
START_ACUTE = "acuut"           # /start acuut: from inline mode, a question that may concern a danger


# ── handlers ───────────────────────────────────────────────────────────────────────────────

def _count_share(context: BotContext, service_id: str) -> None:
    context.state.shares[service_id] += 1


async def _edit_or_send(update: Update, context: BotContext, reply: render.Reply) -> None:
    """Turn the tapped message into the next step; a message too old to edit gets a new one."""
    query = update.callback_query
    if query is None:
        await send(context, reply_chat_id(update), reply)
        return
    try:
        await query.edit_message_text(reply.html, parse_mode=ParseMode.HTML, reply_markup=markup(reply),
                                      link_preview_options=NO_PREVIEW)
    except BadRequest:
        await send(context, reply_chat_id(update), reply)


async def send_parent_card(context: BotContext, chat_id: int, service: Service,
                           lang: str) -> None:
    """The card as its own message (so forwarding takes nothing else along), then the contact."""
    await context.bot.send_message(chat_id, parent_card(service, lang), parse_mode=ParseMode.HTML,
                                   link_preview_options=NO_PREVIEW)
    await send_contact(context, chat_id, service, lang)   # the vCard checked as in the card view
    _count_share(context, service.id)


async def on_share(update: Update, context: BotContext) -> None:
    await answer_button(update)
    action = cd.decode(callback_data(update))
    knowledge = context.state.knowledge
    chat_id = reply_chat_id(update)
    match action:
        case cd.DefaultLanguage(lang) if lang in PARENT_LANGUAGES:
            _remember_language(context, lang)
            await _edit_or_send(update, context, default_language_set(lang))
            return
        case cd.ShareCard(ref) if (service := knowledge.resolve(ref)) is not None:
            await _edit_or_send(update, context, language_choice(service))
            return
        case cd.ShareIn(lang, ref) if lang in PARENT_LANGUAGES and (service := knowledge.resolve(ref)) is not None:
            _remember_language(context, lang)
            await _edit_or_send(update, context, ready_to_forward(lang))
            await send_parent_card(context, chat_id, service, lang)
            return
    await send(context, chat_id, render.expired())


def _remember_language(context: BotContext, lang: str) -> None:
    """In memory only (user_data, never persisted: bot/persistence.py keeps only the flows' keys)."""
    if context.user_data is not None:
        context.user_data[LANG_KEY] = lang


async def after_card(update: Update, context: BotContext) -> None:
    """Runs after handlers.card showed a full card (next handler group): offer to share it."""
    action = cd.decode(callback_data(update))
    service = context.state.knowledge.resolve(action.service) if isinstance(action, cd.ShowCard) else None
    if service is not None:
        await send(context, reply_chat_id(update), share_prompt(service))


async def on_start_parameter(update: Update, context: BotContext) -> None:
    """/start <service id> or /start taal; anything else goes on to the ordinary /start."""
    parameter = (context.args or [""])[0]
    chat_id = reply_chat_id(update)
    if parameter == START_ACUTE:
        await send(context, chat_id, render.emergency_named())
        return   # then the ordinary welcome: the school may not have given its place yet
    if parameter == START_LANGUAGE:
        await send(context, chat_id, default_language_choice())
        raise ApplicationHandlerStop
    service = context.state.knowledge.service(parameter)
    if service is None:
        return  # /start gemeente, an old or mistyped link: the welcome asks for the municipality
    await send_card(context, chat_id, service)
    await send(context, chat_id, share_prompt(service))
    raise ApplicationHandlerStop


def inline_result(service: Service, lang: str) -> InlineQueryResultArticle:
    where = language_name(lang, SOURCE_LANGUAGE)
    return InlineQueryResultArticle(
        id=service.id,  # a slug of at most 64 characters, as Telegram requires
        title=render.tg_field("inline_title", f"{service.organisation} · {service.name}"),
        description=render.tg_field("inline_description", f"Kaart in het {where}: {service.summary}"),
        input_message_content=InputTextMessageContent(
            parent_card(service, lang), parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW),
    )


async def on_inline_query(update: Update, context: BotContext) -> None:
    """The query's words are used for the search and dropped: never logged or stored."""
    query = update.inline_query
    if query is None:
        return
    state = context.state
    knowledge = state.knowledge
    postcode = await state.store.get_postcode(query.from_user.id)
    if postcode is None:
        await query.answer([], cache_time=0, is_personal=True, button=InlineQueryResultsButton(
            "📍 Kies eerst de gemeente van je school", start_parameter=START_PLACE))
        return
    lang = (context.user_data or {}).get(LANG_KEY, SOURCE_LANGUAGE)
    words = query.query.strip()
    acute = None
    if words:
        found = knowledge.engine.search(words, postcode, INLINE_RESULTS)
        services = [m.service for m in found.matches]
        acute = found.acute_line
    else:
        services = list(knowledge.engine.entry_points(postcode))[:INLINE_RESULTS]
    results = [inline_result(s, lang) for s in services if s.is_active]
    if acute:
        # The one line above the results: 112 comes before choosing a card's language, as in the chat.
        button = InlineQueryResultsButton(f"🚨 {acute}", start_parameter=START_ACUTE)
    else:
        button = InlineQueryResultsButton(f"🌍 Taal: {language_name(lang, SOURCE_LANGUAGE)} (wijzigen)",
                                          start_parameter=START_LANGUAGE)
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=True, button=button)


async def on_chosen(update: Update, context: BotContext) -> None:
    """Inline feedback: which card was sent (the service id only, never the query's words)."""
    chosen = update.chosen_inline_result
    service = context.state.knowledge.service(chosen.result_id) if chosen is not None else None
    if service is not None:
        _count_share(context, service.id)
        log.info("inline card shared: %s", service.id)
