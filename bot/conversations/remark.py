"""The optional remark after "⚠️ Klopt niet meer", as one persistent ConversationHandler.

Tapping what is wrong (a reason button) creates the report and asks for one short remark about
the service, with a ForceReply prompt. In state `remark`:
- a text that *replies to that prompt* is the remark: checked for personal data
  (bot/privacy.py), refused with a new prompt, or stored and the report
  sent to the organisation's editors and the region's coordinators;
- any other text is not the conversation's: it goes on to the search as a question, and is
  never stored (the handler returns without stopping the update);
- "Versturen zonder opmerking" sends it without; "Annuleren" sends nothing.
After REMARK_WAIT without a remark the report is sent without one and the school is told. The
flow's data (user_data["remark"]: report id and prompt message id, never text) and state
survive a restart (bot/persistence.py); bot/jobs.py still sends reports left behind anyway.
"""
from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from kennisbank import reports

from .. import callback_data as cd
from .. import feedback_view as views
from .. import render
from ..context import BotContext
from ..handlers import answer_button, feedback, reply_chat_id, send
from ..privacy import remark_is_personal
from . import flow_handler

log = logging.getLogger(__name__)

NAME = "remark"
REMARK = "remark"


def _pending(context: BotContext) -> dict[str, int] | None:
    data = (context.user_data or {}).get(NAME)
    if isinstance(data, dict) and isinstance(data.get("report"), int):
        return data
    return None


def _forget(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(NAME, None)


async def on_reason(update: Update, context: BotContext) -> object:
    """A reason button: create the report, ask for the remark."""
    query = update.callback_query
    if query is None:
        return ConversationHandler.END
    await answer_button(update)
    chat_id = reply_chat_id(update)
    action = cd.decode(query.data)
    state = context.state
    service = state.knowledge.resolve(action.service) if isinstance(action, cd.ReportReason) else None
    if not isinstance(action, cd.ReportReason) or service is None:
        await send(context, chat_id, render.expired())
        raise ApplicationHandlerStop(ConversationHandler.END)
    report = await reports.create(state.store.conn, service, cd.REASONS[action.reason])
    await send(context, chat_id, views.ask_remark(service, report.id))
    prompt_id = await feedback.send_remark_prompt(context, chat_id)
    if context.user_data is not None:
        context.user_data[NAME] = {"report": report.id, "prompt": prompt_id}
    raise ApplicationHandlerStop(REMARK)


async def on_text(update: Update, context: BotContext) -> object:
    """A reply to the prompt is the remark; any other text is a question (not stopped here)."""
    pending = _pending(context)
    message = update.effective_message
    if pending is None or message is None:
        return ConversationHandler.END
    replied_to = message.reply_to_message
    if replied_to is None or replied_to.message_id != pending.get("prompt"):
        return REMARK                      # not ours: the search answers it, nothing is stored
    state = context.state
    chat_id = reply_chat_id(update)
    report = await reports.get(state.store.conn, pending["report"])
    service = state.knowledge.kb.services.get(report.service_id) if report else None
    if report is None or service is None or report.notified_at is not None:
        _forget(context)
        return ConversationHandler.END     # too late for a remark: the text is a question
    text = message.text or ""
    if remark_is_personal(text, service, state.knowledge.proper_nouns):
        await send(context, chat_id, views.remark_refused(report.id))
        pending["prompt"] = await feedback.send_remark_prompt(context, chat_id)
        raise ApplicationHandlerStop(REMARK)
    await reports.set_remark(state.store.conn, report.id, text)
    _forget(context)
    await feedback.finish_report(context, chat_id, report.id)
    raise ApplicationHandlerStop(ConversationHandler.END)


async def on_send_without(update: Update, context: BotContext) -> object:
    query = update.callback_query
    action = cd.decode(query.data if query else None)
    if query is not None:
        await answer_button(update)
    _forget(context)
    chat_id = reply_chat_id(update)
    if isinstance(action, cd.SendReport):
        await feedback.finish_report(context, chat_id, action.report)
    else:
        await send(context, chat_id, render.expired())
    raise ApplicationHandlerStop(ConversationHandler.END)


async def on_cancel(update: Update, context: BotContext) -> object:
    if update.callback_query is not None:
        await answer_button(update)
    pending = _pending(context)
    _forget(context)
    if pending is not None:
        await reports.withdraw(context.state.store.conn, pending["report"])
    await send(context, reply_chat_id(update), views.cancelled())
    raise ApplicationHandlerStop(ConversationHandler.END)


async def on_timeout(update: Update, context: BotContext) -> None:
    """No remark within REMARK_WAIT: the report goes without one, and the school hears so."""
    pending = _pending(context)
    _forget(context)
    report = await reports.get(context.state.store.conn, pending["report"]) if pending else None
    if report is None or report.notified_at is not None:   # withdrawn, or already sent
        return
    await feedback.notify_report(context.bot, context.state, report.id)
    await send(context, reply_chat_id(update), views.sent_without_remark())


def conversation() -> ConversationHandler[BotContext]:
    """bot/app.py registers it in a group before the search."""
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        REMARK: [
            MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, on_text),
            CallbackQueryHandler(on_send_without, pattern=cd.matches(cd.SendReport)),
            CallbackQueryHandler(on_cancel, pattern=cd.matches(cd.CancelReport)),
        ],
        ConversationHandler.TIMEOUT: [TypeHandler(Update, on_timeout)],
    }
    return flow_handler(
        entry_points=[CallbackQueryHandler(on_reason, pattern=cd.matches(cd.ReportReason))],
        states=states,
        fallbacks=[],
        allow_reentry=True,
        conversation_timeout=feedback.REMARK_WAIT.total_seconds(),
        name=NAME, persistent=True,
    )
