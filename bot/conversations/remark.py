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
import time
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
from . import deadline, flow_handler, past
from . import sweep_expired as sweep_flows

log = logging.getLogger(__name__)

NAME = "remark"
REPORT_TIMES = "report_times"   # chat_data: when this chat made its recent reports (memory only)
REMARK = "remark"


def _pending(context: BotContext) -> dict[str, Any] | None:
    """{"report": id, "prompt": message id, "chat": chat id, "until": ISO deadline}, or None."""
    return _valid((context.user_data or {}).get(NAME))


def _valid(data: object) -> dict[str, Any] | None:
    return data if isinstance(data, dict) and isinstance(data.get("report"), int) else None


def _deadline() -> str:
    return deadline(feedback.REMARK_WAIT)


def _expired(pending: dict[str, Any]) -> bool:
    """Past the wait (see bot/conversations.past)."""
    return past(pending.get("until"))


async def _send_without_remark(context: BotContext, report_id: int, chat_id: int) -> None:
    """The wait is over: the report goes without a remark (once), and the school hears so."""
    report = await reports.get(context.state.store.conn, report_id)
    if report is None:   # withdrawn
        return
    if report.notified_at is None:
        await feedback.notify_report(context.bot, context.state, report.id)
    await send(context, chat_id, views.sent_without_remark())


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
    if _too_many(context):
        await send(context, chat_id, views.too_many_reports())
        raise ApplicationHandlerStop(ConversationHandler.END)
    report = await reports.create(state.store.conn, service, cd.REASONS[action.reason])
    await send(context, chat_id, views.ask_remark(service, report.id, feedback.report_tag(state, chat_id, report.id)))
    prompt_id = await feedback.send_remark_prompt(context, chat_id)
    if context.user_data is not None:
        context.user_data[NAME] = {"report": report.id, "prompt": prompt_id, "chat": chat_id,
                                   "until": _deadline()}
    raise ApplicationHandlerStop(REMARK)


def _too_many(context: BotContext, now: float | None = None) -> bool:
    """REPORTS_PER_HOUR per chat, counted in chat_data (memory only; no chat id on a report)."""
    if context.chat_data is None:
        return False
    now = time.monotonic() if now is None else now
    recent = [t for t in context.chat_data.get(REPORT_TIMES, []) if now - t < 3600]
    if len(recent) >= feedback.REPORTS_PER_HOUR:
        context.chat_data[REPORT_TIMES] = recent
        return True
    context.chat_data[REPORT_TIMES] = [*recent, now]
    return False


async def on_text(update: Update, context: BotContext) -> object:
    """A reply to the prompt is the remark; any other text is a question (not stopped here)."""
    pending = _pending(context)
    message = update.effective_message
    if pending is None or message is None:
        return ConversationHandler.END
    chat_id = reply_chat_id(update)
    if _expired(pending):                  # restored after a restart and past the wait
        _forget(context)
        await _send_without_remark(context, pending["report"], chat_id)
        return ConversationHandler.END     # the text goes on as a question; nothing is stored
    replied_to = message.reply_to_message
    if replied_to is None or replied_to.message_id != pending.get("prompt"):
        return REMARK                      # not ours: the search answers it, nothing is stored
    state = context.state
    report = await reports.get(state.store.conn, pending["report"])
    service = state.knowledge.kb.services.get(report.service_id) if report else None
    if report is None or service is None or report.notified_at is not None:
        _forget(context)
        return ConversationHandler.END     # too late for a remark: the text is a question
    text = message.text or ""
    if remark_is_personal(text, service, state.knowledge.proper_nouns):
        await send(context, chat_id, views.remark_refused(report.id, feedback.report_tag(state, chat_id, report.id)))
        pending["prompt"] = await feedback.send_remark_prompt(context, chat_id)
        pending["until"] = _deadline()
        raise ApplicationHandlerStop(REMARK)
    await reports.set_remark(state.store.conn, report.id, text)
    _forget(context)
    await feedback.finish_report(context, chat_id, report.id)
    raise ApplicationHandlerStop(ConversationHandler.END)


def _still(pending: dict[str, Any] | None) -> object:
    """The state to stay in after a button that did not touch the pending report."""
    return REMARK if pending is not None else ConversationHandler.END


async def _pressed(update: Update, context: BotContext) -> tuple[cd.Action | None, int, dict[str, Any] | None]:
    """The button's action (acknowledged), the chat it was pressed in, and the report this chat waits on."""
    query = update.callback_query
    action = cd.decode(query.data if query else None)
    if query is not None:
        await answer_button(update)
    return action, reply_chat_id(update), _pending(context)


async def on_send_without(update: Update, context: BotContext) -> object:
    """Send the report of the button (bound to this chat: bot/signing.py) without a remark."""
    action, chat_id, pending = await _pressed(update, context)
    if not isinstance(action, cd.SendReport) or not feedback.from_reporter(context.state, chat_id, action):
        await send(context, chat_id, render.expired())    # forged, or from before the tag: nothing sent
        raise ApplicationHandlerStop(_still(pending))
    if pending is not None and pending["report"] != action.report:
        await feedback.finish_report(context, chat_id, action.report)   # an earlier one of this chat
        raise ApplicationHandlerStop(REMARK)
    _forget(context)
    await feedback.finish_report(context, chat_id, action.report)
    raise ApplicationHandlerStop(ConversationHandler.END)


async def on_cancel(update: Update, context: BotContext) -> object:
    """Withdraw the report of the button (bound to this chat: a forged one withdraws nothing).
    The menu's "Annuleren" (report 0, made before the report) withdraws the report this chat's
    flow waits on: it is in this user's own flow data, so never another chat's."""
    action, chat_id, pending = await _pressed(update, context)
    if not isinstance(action, cd.CancelReport):
        await send(context, chat_id, render.expired())
        raise ApplicationHandlerStop(_still(pending))
    report = action.report or (pending["report"] if pending is not None else 0)
    if action.report and not feedback.from_reporter(context.state, chat_id, action):
        await send(context, chat_id, render.expired())
        raise ApplicationHandlerStop(_still(pending))
    withdrawn = not report or await reports.withdraw(context.state.store.conn, report)
    # Too late to cancel once it was sent (the sweep after a restart, say): say so, not "cancelled".
    await send(context, chat_id, views.cancelled() if withdrawn else views.already_sent())
    if pending is not None and pending["report"] != report:
        raise ApplicationHandlerStop(REMARK)
    _forget(context)
    raise ApplicationHandlerStop(ConversationHandler.END)


async def on_timeout(update: Update, context: BotContext) -> None:
    """No remark within REMARK_WAIT: the report goes without one, and the school hears so."""
    pending = _pending(context)
    _forget(context)
    if pending is not None:
        await _send_without_remark(context, pending["report"], reply_chat_id(update))


async def sweep_expired(context: BotContext) -> None:
    """JobQueue: waits past their deadline that PTB will not time out (restored after a restart)
    end; the report goes without a remark and the school hears so."""
    async def tell(user_id: int, pending: dict[str, Any]) -> None:
        await _send_without_remark(context, pending["report"], int(pending.get("chat", user_id)))

    await sweep_flows(context, NAME, lambda data: (pending := _valid(data)) is not None and _expired(pending),
                      lambda _data: None, tell)


async def on_command(update: Update, context: BotContext) -> object:
    """Not stopped: the command still reaches its own handler."""
    _forget(context)
    return ConversationHandler.END


def conversation() -> ConversationHandler[BotContext]:
    """bot/app.py registers it in a group before the search."""
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        REMARK: [
            # Only replies: other text is not the flow's, and does not move its deadline.
            MessageHandler(filters.TEXT & ~filters.COMMAND & filters.REPLY & filters.ChatType.PRIVATE, on_text),
            CallbackQueryHandler(on_send_without, pattern=cd.matches(cd.SendReport)),
            CallbackQueryHandler(on_cancel, pattern=cd.matches(cd.CancelReport)),
        ],
        ConversationHandler.TIMEOUT: [TypeHandler(Update, on_timeout)],
    }
    return flow_handler(
        entry_points=[CallbackQueryHandler(on_reason, pattern=cd.matches(cd.ReportReason))],
        states=states,
        # Any command ends the wait (the report goes later without a remark, bot/jobs.py), so a
        # /vergeet or a new /start is never followed by text taken for a remark.
        fallbacks=[MessageHandler(filters.COMMAND, on_command)],
        allow_reentry=True,
        conversation_timeout=feedback.REMARK_WAIT.total_seconds(),
        name=NAME, persistent=True,
    )
