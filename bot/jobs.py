"""Jobs that keep the offer right without anyone asking: reminders and reports left waiting.

* Daily (and once shortly after start-up): entries not confirmed in six months go to their
  organisation's editors, at most once per 30 days per entry (kennisbank/freshness.py), each with
  "✅ Alles klopt nog" and "✏️ Aanpassen". Entries without an editor go on ONE list per region
  coordinator.
* Every few minutes: a "klopt niet meer" report whose remark never came is sent anyway, and open
  reports of entries that an editor changed or confirmed since in /beheer are closed
  ("aangepast" or "bevestigd").

The work is in plain async functions taking `today`, so tests run them with a fixed clock
through the real bot and the Bot API stand-in; the JobQueue only calls them.
"""
from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application

from kennisbank import editors, freshness, reports
from kennisbank import revisions as rv
from kennisbank.schema import Service

from . import callback_data as cd
from . import feedback_view, render
from .context import BotContext
from .handlers import NO_PREVIEW, feedback, markup
from .state import STATE_KEY, BotState

log = logging.getLogger(__name__)

DAILY_AT = time(9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
FIRST_RUN_AFTER = 120          # seconds after start-up
SWEEP_EVERY = 300              # seconds between sweeps of waiting reports
LIST_MAX = 300                 # services named in one coordinator list (over several messages)


# ── texts ──────────────────────────────────────────────────────────────────────────────────

def reminder(service: Service, today: date) -> render.Reply:
    lines = [f"🕓 <b>Klopt dit nog?</b> {feedback_view.verified_text(service).capitalize()}.",
             render.service_block(1, service, today).split("\n", 1)[-1]]
    if service.hours:
        lines.append(f"🕘 {render.esc(render.clip(service.hours, 200))}")
    if service.location is not None and service.location.address:
        lines.append(f"📍 {render.esc(render.clip(service.location.address, 200))}")
    lines.append("Scholen bellen op basis van deze gegevens. Tik hieronder als alles nog klopt, of pas aan.")
    html = (f"<b>{render.esc(render.clip(service.organisation, 120))} · "
            f"{render.esc(render.clip(service.name, 120))}</b>\n" + "\n".join(lines))
    return render.Reply(html, feedback_view.editor_buttons(service, _confirm_data(service)))


def _confirm_data(service: Service) -> str:
    return cd.StillRight(service.id).encode()


def coordinator_list(services: list[Service]) -> render.Reply:
    lines = ["🕓 <b>Aanbod zonder beheerder, al lang niet bevestigd</b>",
             "Deze organisaties hebben nog niemand die hun aanbod in de bot bijhoudt. Vraag hen de "
             "gegevens na te kijken, of maak een uitnodiging: "
             "<code>welzijnsbot invite --organisation \"…\" --region …</code> (de regio tussen haakjes)."]
    for service in services[:LIST_MAX]:
        lines.append(f"• {render.esc(render.clip(service.organisation, 60))} · "
                     f"{render.esc(render.clip(service.name, 60))} (<code>{render.esc(service.id)}</code>, "
                     f"{render.esc(service.region_id)}): "
                     f"{feedback_view.verified_text(service)}")
    if len(services) > LIST_MAX:
        lines.append(f"… en nog {len(services) - LIST_MAX}. Alles zien: <code>welzijnsbot versheid</code>")
    # As long as it is: sent over several messages, split between lines (render.split_reply).
    return render.Reply("\n".join(lines))


# ── the work ───────────────────────────────────────────────────────────────────────────────

async def _deliver(bot, chat_id: int, reply: render.Reply) -> bool:
    """Send a reply, as several messages when it is longer than one (render.split_reply)."""
    try:
        for part in render.split_reply(reply):
            await bot.send_message(chat_id, part.html, parse_mode=ParseMode.HTML, reply_markup=markup(part),
                                   link_preview_options=NO_PREVIEW)
        return True
    except TelegramError as exc:  # blocked the bot or never started it: the others still get theirs
        log.warning("reminder not delivered: %s", type(exc).__name__)
        return False


async def send_reminders(bot, state: BotState, today: date) -> freshness.ReminderPlan:
    """Pick, record, then send: a crash halfway never makes anyone get the same reminder twice."""
    conn = state.store.conn
    configured = editors.configured_coordinators(lenient=True)
    plan = freshness.plan_reminders(
        state.knowledge.kb, today,
        editors=await freshness.editors_by_organisation(conn),
        coordinators=await freshness.all_coordinators(conn, configured),
        last_sent=await freshness.last_reminders(conn))
    await freshness.record_reminders(conn, plan.reminded, today)
    for uid, services in plan.to_editors.items():
        for service in services:
            await _deliver(bot, uid, reminder(service, today))
    for uid, services in plan.to_coordinators.items():
        await _deliver(bot, uid, coordinator_list(services))
    log.info("reminders: %d entries, %d editors, %d coordinators", len(plan.reminded),
             len(plan.to_editors), len(plan.to_coordinators))
    return plan


async def sweep_reports(bot, state: BotState, now: datetime | None = None) -> int:
    """Send reports that waited too long for a remark; close reports handled in /beheer since."""
    now = now or datetime.now(UTC)
    conn = state.store.conn
    cutoff = reports.now_iso(now - feedback.REMARK_WAIT)
    sent = 0
    for report in await reports.fetch(conn, unnotified_before=cutoff):
        await feedback.notify_report(bot, state, report.id)
        sent += 1
    for report in await reports.fetch(conn, open_only=True):
        handled = await rv.handled_since(state.store, report.service_id, report.created_at)
        if handled is not None:
            await reports.resolve(conn, report.id, handled[0], handled[1], now)
    return sent


# ── JobQueue ───────────────────────────────────────────────────────────────────────────────

def _state(context: BotContext) -> BotState:
    return context.application.bot_data[STATE_KEY]


async def daily(context: BotContext) -> None:
    await send_reminders(context.bot, _state(context), date.today())


async def sweep(context: BotContext) -> None:
    await sweep_reports(context.bot, _state(context))


def schedule(application: Application) -> None:
    """Daily reminders and the report sweep, on PTB's JobQueue."""
    queue = application.job_queue
    if queue is None:  # python-telegram-bot without the job-queue extra
        log.warning("no JobQueue: reminders are not sent (install python-telegram-bot[job-queue])")
        return
    queue.run_daily(daily, DAILY_AT, name="reminders")
    queue.run_once(daily, FIRST_RUN_AFTER, name="reminders-at-start")
    queue.run_repeating(sweep, SWEEP_EVERY, first=SWEEP_EVERY / 2, name="report-sweep")
