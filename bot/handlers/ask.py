"""A free-text question, and the buttons that follow up on an answer (more results, a need).

The question's words live only in this handler's local variables: the search gets them, the
reply is built, and they are gone. For "Meer resultaten" the chat keeps the result *ids* in
chat_data (memory only), never the text. A question asked before the school's place is known
is the exception: it waits in chat_data (memory only, never persisted or logged) until the place
is given, then it is answered and forgotten; unanswered, a job forgets it after PENDING_FOR. A
second question before the place waits with the first (at most PENDING_MAX), so neither is lost.
"""
from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import JobQueue

from .. import callback_data as cd
from .. import render
from ..answering import (
    Kept,
    Taken,
    compose,
    compose_more,
    compose_urgent_first,
    drop_stale_questions,
    keep_question,
    reading_before_place,
    stash_results,
    take_questions,
    theme_outcome,
    unknown_place_replies,
    until_stale,
)
from ..context import BotContext
from ..places import location_reply, parse_location
from ..state import Knowledge
from . import answer_button, callback_data, feedback, message_text, reply_chat_id, send

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
        reading = reading_before_place(knowledge, text)
        if await _said_unknown_place(context, chat_id, unknown_place_replies(knowledge, text, reading)):
            return   # keep any question from before, nothing of this one
        urgent = compose_urgent_first(knowledge, reading)
        kept = Kept(1, False)
        if context.chat_data is not None:
            kept = keep_question(context.chat_data, text, alerted=urgent is not None)
            _forget_later(context, chat_id)
        if urgent is not None:   # life safety first: 112 (and for a likely danger the Flemish doors)
            await send(context, chat_id, urgent.reply)
        await send(context, chat_id, render.need_location(knowledge.example_place, kept.waiting, kept.dropped))
        return
    if await _said_unknown_place(context, chat_id, unknown_place_replies(knowledge, text)):
        return   # the school's place stays
    await answer(update, context, knowledge, text, postcode)


async def _said_unknown_place(context: BotContext, chat_id: int, replies: tuple[render.Reply, ...]) -> bool:
    """Send answering.unknown_place_replies; whether there were any ("Gent" is no question, and
    "Zelfmoord" or "Voedselbank" typed the same way name a need: no replies, a question)."""
    for reply in replies:
        await send(context, chat_id, reply)
    return bool(replies)


async def answer(update: Update, context: BotContext, knowledge: Knowledge, text: str, postcode: int,
                 kept: bool = False) -> None:
    """Search, record the anonymous signal, send the answer with its buttons; `kept`: a question
    kept from before the place was known, whose answer repeats it (render.kept_answer)."""
    chat_data = context.chat_data if context.chat_data is not None else {}
    outcome = compose(knowledge, text, postcode, lambda ids: stash_results(chat_data, ids))
    chat_id = reply_chat_id(update)
    reply = await feedback.signal_and_buttons(context.state, knowledge, postcode, outcome, chat_id)
    await send(context, chat_id, render.kept_answer(text, reply) if kept else reply)
    log.info("update %s: %s", update.update_id, outcome.kind)


async def save_location(update: Update, context: BotContext, postcode: int) -> None:
    """Remember the school's place; then answer the questions kept from before, if any."""
    state = context.state
    knowledge = state.knowledge
    chat_id = reply_chat_id(update)
    await state.set_postcode(chat_id, postcode)
    taken = take_questions(context.chat_data) if context.chat_data is not None else Taken((), 0)
    await send(context, chat_id, location_reply(knowledge, postcode, len(taken.questions), taken.forgotten))
    failed: Exception | None = None
    for question in taken.questions:
        try:
            await answer(update, context, knowledge, question, postcode, kept=True)
        except Exception as exc:   # noqa: BLE001 - re-raised below
            # The questions were taken (forgotten) first: one failing answer must not cost the
            # others theirs. The first failure goes to the error handler after the loop, which
            # logs it and apologises once.
            failed = failed or exc
    if failed is not None:
        raise failed


def _forget_later(context: BotContext, chat_id: int, after: float | None = None) -> None:
    """A job that forgets the kept questions as each one waits too long (the job holds no text).

    It runs when the *oldest* kept question goes stale, then again for the next one: a question
    never stays in memory much longer than PENDING_FOR, whatever came after it."""
    queue: JobQueue[Any] | None = context.application.job_queue
    if queue is None:   # without the job-queue extra, take_questions still refuses them
        return
    if after is None:
        after = until_stale(context.chat_data) if context.chat_data is not None else None
    name = f"pending-question-{chat_id}"
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    if after is not None:
        queue.run_once(_forget_question, after + 1, chat_id=chat_id, name=name)


async def _forget_question(context: BotContext) -> None:
    if context.chat_data is None or context.job is None or context.job.chat_id is None:
        return
    after = drop_stale_questions(context.chat_data)
    if after is not None:
        _forget_later(context, context.job.chat_id, after)


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


async def on_all_needs(update: Update, context: BotContext) -> None:
    """"Andere nood…" under "nothing fits": every need as a button."""
    await answer_button(update)
    await send(context, reply_chat_id(update), render.all_needs())


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
