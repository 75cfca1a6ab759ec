"""Feedback on every answer and card, and "⚠️ Klopt niet meer" reports that reach the organisation.

* Every answered question leaves one anonymous signal row (kennisbank/signals.py); the answer's
  👍/👎 buttons carry that row's id, so feedback attaches to the row without any chat id.
* A card's 👍/👎 is stored per service (kennisbank/reports.py), again without any id.
* "⚠️ Klopt niet meer" asks what is wrong; the reason buttons start the remark conversation
  (bot/conversations/remark.py). The report goes at once to the organisation's editors and the
  region's coordinators (kennisbank/services/reporting.py), with "✏️ Aanpassen" and "✅ Alles
  klopt nog" (renews last_verified as a revision, resolves the report).

Texts and buttons: bot/feedback_view.py; button data: bot/callback_data.py.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from telegram import ForceReply, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from kennisbank import reports, signals
from kennisbank import revisions as rv
from kennisbank.fields import FieldError
from kennisbank.services import reporting

from .. import callback_data as cd
from .. import feedback_view as views
from .. import render, signing
from ..answering import Outcome
from ..context import BotContext
from ..state import BotState, Knowledge
from . import NO_PREVIEW, answer_button, callback_data, markup, reply_chat_id, send

log = logging.getLogger(__name__)

REMARK_WAIT = timedelta(minutes=15)   # how long the bot waits for the optional remark
BUNDLE_WINDOW = timedelta(days=1)     # one notice per service a day; later reports join the overview
REPORTS_PER_HOUR = 5                  # per chat (memory only): more is a stranger's spam, not a school
RATED_KEY = "rated"             # chat_data: card feedback already given (memory only, no duplicates)


# ── signals (hooks for handlers.ask) ───────────────────────────────────────────────────────

async def record_signal(state: BotState, knowledge: Knowledge, postcode: int | None,
                        themes: Iterable[str], service_ids: Sequence[str], fitted: bool) -> int | None:
    """One anonymous row per answered question; None (and only a log line) if the database fails."""
    return await signals.record_or_none(state.store.counts, knowledge.place_name(postcode), themes,
                                        service_ids, fitted, on_error=state.store.note_error)


async def signal_and_buttons(state: BotState, knowledge: Knowledge, postcode: int | None, outcome: Outcome,
                             chat_id: int) -> render.Reply:
    """For an answer or a "nothing fits" (bot/answering.py): record the signal, add its buttons.

    An ask-back is no answer yet: the need the school picks next is recorded instead.
    """
    if outcome.kind not in ("answer", "not-found"):
        return outcome.reply
    signal_id = await record_signal(state, knowledge, postcode, outcome.themes, outcome.services,
                                    outcome.kind == "answer")
    if signal_id is None:
        return outcome.reply
    tag = state.signer.tag(chat_id, signal_id)   # only this chat can press the buttons
    return views.with_row(outcome.reply, views.answer_row(signal_id, bool(outcome.services), tag))


def report_tag(state: BotState, chat_id: int, report_id: int) -> str:
    """Binds a report's buttons to the chat that made it (the report row keeps no chat id)."""
    return state.signer.tag(chat_id, report_id, signing.REPORT)


def from_reporter(state: BotState, chat_id: int, action: cd.SendReport | cd.CancelReport) -> bool:
    """Was this report button sent to this chat? (A forged or pre-tag button is not.)"""
    return state.signer.verify(chat_id, action.report, action.tag, signing.REPORT)


async def send_remark_prompt(context: BotContext, chat_id: int) -> int:
    """The message the remark must answer; its id is what the remark conversation accepts."""
    prompt = await context.bot.send_message(
        chat_id, views.REMARK_PROMPT,
        reply_markup=ForceReply(selective=True, input_field_placeholder=views.REMARK_PLACEHOLDER))
    return prompt.message_id



# ── notifying ─────────────────────────────────────────────────────────────────────────────

async def notify_report(bot, state: BotState, report_id: int) -> int:
    """Send a report to its recipients once (claimed with notified_at); returns how many got it."""
    conn = state.store.conn
    if not await reports.mark_notified(conn, report_id):
        return 0
    report = await reports.get(conn, report_id)
    if report is None:
        return 0
    since = reports.now_iso(datetime.now(UTC) - BUNDLE_WINDOW)
    if await reports.notified_recently(conn, report.service_id, since, other_than=report.id):
        log.info("report %s bundled with an earlier notice", report_id)
        return 0   # the editors already know; this one is in the overview (welzijnsbot versheid)
    service = state.knowledge.kb.services.get(report.service_id)
    notice = views.report_notice(report, service)
    sent = 0
    for uid in await reporting.recipients(state.store, service) if service is not None else []:
        try:
            await bot.send_message(uid, notice.html, parse_mode=ParseMode.HTML,
                                   reply_markup=markup(notice), link_preview_options=NO_PREVIEW)
            sent += 1
        except TelegramError as exc:  # blocked the bot, never started it: the others still get it
            log.warning("report %s not delivered to a recipient: %s", report_id, type(exc).__name__)
    log.info("report %s sent to %d recipient(s)", report_id, sent)
    return sent


# ── handlers ──────────────────────────────────────────────────────────────────────────────

FeedbackAction = (cd.RateAnswer, cd.ReportAnswer, cd.RateCard, cd.ReportCard, cd.SendReport, cd.CancelReport,
                  cd.ReportStillRight, cd.StillRight, cd.EditHint)


async def on_feedback(update: Update, context: BotContext) -> None:
    """Every feedback button but the reasons (those start the remark conversation)."""
    action = cd.decode(callback_data(update))
    chat_id = reply_chat_id(update)
    state = context.state
    knowledge = state.knowledge
    match action:
        case cd.RateAnswer() | cd.ReportAnswer() if not state.signer.verify(chat_id, action.signal, action.tag):
            await answer_button(update)   # another chat's answer, or a forged id: nothing is read or written
            await send(context, chat_id, render.expired())
            return
        case cd.RateAnswer(signal, useful):
            ok = await signals.add_feedback(state.store.counts, signal, "nuttig" if useful else "niet-nuttig")
            await answer_button(update, views.thanks() if ok else None)
            if not ok:
                await send(context, chat_id, render.expired())
            return
        case cd.RateCard(ref, useful):
            service = knowledge.resolve(ref)
            await answer_button(update, views.thanks() if service else None)
            if service is None:
                await send(context, chat_id, render.expired())
                return
            rated: set[str] = context.chat_data.setdefault(RATED_KEY, set()) if context.chat_data is not None \
                else set()
            if service.id not in rated:
                rated.add(service.id)
                await reports.add_card_feedback(state.store.conn, service.id, "nuttig" if useful else "niet-nuttig")
            return
    await answer_button(update)
    match action:
        case cd.ReportAnswer(signal):
            ids = await signals.services_of(state.store.counts, signal)
            services = [s for s in (knowledge.service(i) for i in ids) if s is not None]
            if not services:
                await send(context, chat_id, render.expired())
                return
            await signals.add_feedback(state.store.counts, signal, "klopt-niet")
            await send(context, chat_id, views.what_is_wrong(services[0]) if len(services) == 1
                       else views.which_service(services))
        case cd.ReportCard(ref):
            service = knowledge.resolve(ref)
            await send(context, chat_id, views.what_is_wrong(service) if service else render.expired())
        case cd.SendReport() | cd.CancelReport() if (isinstance(action, cd.SendReport) or action.report) \
                and not from_reporter(state, chat_id, action):
            await send(context, chat_id, render.expired())   # another chat's report, or an old button
        case cd.SendReport(report):   # outside the remark conversation (it ended): still sent once
            await finish_report(context, chat_id, report)
        case cd.CancelReport(report) if report:
            withdrawn = await reports.withdraw(state.store.conn, report)
            await send(context, chat_id, views.cancelled() if withdrawn else views.already_sent())
        case cd.CancelReport():
            await send(context, chat_id, views.cancelled())
        case cd.ReportStillRight() | cd.StillRight():
            await _confirm(update, context, action)
        case cd.EditHint(ref):
            service = knowledge.resolve(ref)
            await send(context, chat_id, views.edit_hint(service) if service else render.expired())
        case _:
            await send(context, chat_id, render.expired())


async def finish_report(context: BotContext, chat_id: int, report_id: int) -> None:
    """Send the report to who keeps the entry (once), and thank the school."""
    state = context.state
    report = await reports.get(state.store.conn, report_id)
    if report is None:
        await send(context, chat_id, render.expired())
        return
    if report.notified_at is not None:
        await send(context, chat_id, views.already_sent())
        return
    sent = await notify_report(context.bot, state, report_id)
    await send(context, chat_id, views.report_sent(sent))


async def _confirm(update: Update, context: BotContext, action: cd.ReportStillRight | cd.StillRight) -> None:
    state = context.state
    chat_id = reply_chat_id(update)
    user = update.effective_user
    report_id = None
    if isinstance(action, cd.ReportStillRight):
        report = await reports.get(state.store.conn, action.report)
        service = state.knowledge.kb.services.get(report.service_id) if report else None
        report_id = report.id if report else None
    else:
        service = state.knowledge.lookup(action.service)   # also a switched-off entry can be confirmed
    if service is None or user is None:
        await send(context, chat_id, render.expired())
        return
    try:
        day = await reporting.confirm_still_right(state.knowledge_service, state.store, user.id, service.id)
    except rv.NotAllowed:
        await send(context, chat_id, views.not_allowed())
        return
    except (rv.UnknownService, FieldError):
        await send(context, chat_id, render.expired())
        return
    if update.callback_query is not None:
        try:  # the buttons of the notice or reminder are done: no second confirmation by mistake
            await update.callback_query.edit_message_reply_markup(reply_markup=None)
        except TelegramError as exc:
            log.info("buttons of a confirmed notice stay: %s", type(exc).__name__)
    await send(context, chat_id, views.confirmed(service, day, report_id))
