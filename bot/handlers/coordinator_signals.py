"""/signalen: the anonymous need signals of a coordinator's region, as a chart and a table.

Only region coordinators (kennisbank/editors.py) see them, and only for the municipalities of
their region(s). Counts below 5 are shown as "<5" in the table and drawn as 0 in the chart, so
that no family can be recognised in a small municipality. Only complete calendar months:
`/signalen` is the last complete month, `/signalen 2026-10` a given one; no other period exists,
so two answers can never be subtracted to find a hidden count (kennisbank/signals.py).
"""
from __future__ import annotations

import logging
from datetime import date

from telegram import Update

from kennisbank import editors, signals
from kennisbank.signals_chart import pngs

from .. import render
from ..commands.signalen import LEGEND, chart_title, month_name, region_municipalities, table
from ..context import BotContext
from . import refuse_outside_private, reply_chat_id, send

log = logging.getLogger(__name__)

def refused() -> render.Reply:
    return render.Reply("🔒 De signalen zijn er alleen voor regiocoördinatoren. Ben je coördinator? "
                        "Vraag de beheerder van de bot je toe te voegen.")


def bad_period(today: date | None = None) -> render.Reply:
    last = signals.last_complete_month(today)
    return render.Reply(
        "De signalen gaan per volledige kalendermaand: <code>/signalen</code> toont de laatste "
        f"({render.esc(month_name(last))}), <code>/signalen {last}</code> een gekozen maand. "
        "Andere periodes kan je niet vragen: twee periodes van elkaar aftrekken zou kleine "
        "aantallen verraden.")


def incomplete_month(month: signals.Month, today: date | None = None) -> render.Reply:
    last = signals.last_complete_month(today)
    return render.Reply(
        f"{render.esc(month_name(month).capitalize())} is nog niet voorbij. Ik toon enkel volledige "
        "maanden, want een lopende maand verandert elke dag en dat verschil zou tonen wie er "
        f"net vroeg. De laatste volledige maand: <code>/signalen {last}</code>.")


def table_reply(cells: list[signals.Cell], month: signals.Month, where: str) -> render.Reply:
    head = (f"📊 <b>Signalen {render.esc(where)}</b>, {render.esc(month_name(month))}\n"
            f"{render.esc(LEGEND)} Er staat geen vraag, naam of chat in.\n")
    if not cells:
        return render.Reply(head + "\nGeen signalen in deze maand.")
    # Every row: a long table is sent over several messages, each a valid <pre> block
    # (render.split_reply reopens the tag), instead of cutting rows off.
    return render.Reply(head + "<pre>" + render.esc(table(cells)) + "</pre>")


async def signalen(update: Update, context: BotContext) -> None:
    if await refuse_outside_private(update, context):
        return
    state = context.state
    chat_id = reply_chat_id(update)
    roles = await editors.roles_of(state.store, chat_id)   # /signalen is a private chat: chat id = user id
    if not roles.is_coordinator:
        await send(context, chat_id, refused())
        return
    today = date.today()
    month = signals.last_complete_month(today)
    if context.args:
        try:
            if len(context.args) != 1:
                raise ValueError("one month")
            month = signals.Month.parse(context.args[0])
        except ValueError:
            await send(context, chat_id, bad_period(today))
            return
        if not month.is_complete(today):
            await send(context, chat_id, incomplete_month(month, today))
            return
    kb = state.knowledge.kb
    if editors.ALL_REGIONS in roles.coordinator_regions:
        municipalities, where = None, "alle regio’s"
    else:
        regions = [kb.regions[r] for r in sorted(roles.coordinator_regions) if r in kb.regions]
        municipalities = [m.name for r in regions for m in r.municipalities]
        where = ", ".join(r.name for r in regions) or "je regio"
    found = await signals.fetch_month(state.store.conn, month, municipalities, today)
    cells = signals.by_level(signals.tabulate(found), region_municipalities(kb))
    for data in pngs(cells, chart_title(month, where)):
        await context.bot.send_photo(chat_id, data, caption=f"Signalen van {month_name(month)} ({where})")
    await send(context, chat_id, table_reply(cells, month, where))
    log.info("signals shown to a coordinator: %d cells", len(cells))
