"""/signalen: the anonymous need signals of a coordinator's region, as a chart and a table.

Only region coordinators (kennisbank/editors.py) see them, and only for the municipalities of
their region(s). Counts below 5 are shown as "<5" in the table and drawn as 0 in the chart, so
that no family can be recognised in a small municipality. `/signalen 365` widens the period.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

from telegram import Update

from kennisbank import editors, signals
from kennisbank.signals_chart import png_bytes

from .. import render
from ..commands.signalen import table
from ..context import BotContext
from . import refuse_outside_private, reply_chat_id, send

log = logging.getLogger(__name__)

DEFAULT_DAYS = 90
MAX_DAYS = 3660


def refused() -> render.Reply:
    return render.Reply("🔒 De signalen zijn er alleen voor regiocoördinatoren. Ben je coördinator? "
                        "Vraag de beheerder van de bot je toe te voegen.")


def bad_period() -> render.Reply:
    return render.Reply(f"Geef het aantal dagen als getal, bv. <code>/signalen 365</code> "
                        f"(standaard {DEFAULT_DAYS}).")


def table_reply(cells: list[signals.Cell], since: date, where: str) -> render.Reply:
    head = (f"📊 <b>Signalen {render.esc(where)}</b> sinds {render.esc(render.nice_date(since))}\n"
            "Aantallen kleiner dan 5 tonen als &lt;5. Er staat geen vraag, naam of chat in.\n")
    if not cells:
        return render.Reply(head + "\nNog geen signalen in deze periode.")
    rows = table(cells).split("\n")
    for n in range(len(rows), 1, -1):   # the header row and as many rows as fit one message
        tail = "" if n == len(rows) else (
            f"\n… en nog {len(rows) - n} rijen; alles: <code>welzijnsbot signalen</code>")
        text = head + "<pre>" + render.esc("\n".join(rows[:n])) + "</pre>" + tail
        if render.tg_len(text) <= render.MESSAGE_LIMIT:
            break
    return render.Reply(text)


async def signalen(update: Update, context: BotContext) -> None:
    if await refuse_outside_private(update, context):
        return
    state = context.state
    chat_id = reply_chat_id(update)
    roles = await editors.roles_of(state.store, chat_id)   # /signalen is a private chat: chat id = user id
    if not roles.is_coordinator:
        await send(context, chat_id, refused())
        return
    days = DEFAULT_DAYS
    if context.args:
        if not context.args[0].isdigit() or not 1 <= int(context.args[0]) <= MAX_DAYS:
            await send(context, chat_id, bad_period())
            return
        days = int(context.args[0])
    since = date.today() - timedelta(days=days)
    kb = state.knowledge.kb
    if editors.ALL_REGIONS in roles.coordinator_regions:
        municipalities, where = None, "alle regio’s"
    else:
        regions = [kb.regions[r] for r in sorted(roles.coordinator_regions) if r in kb.regions]
        municipalities = [m.name for r in regions for m in r.municipalities]
        where = ", ".join(r.name for r in regions) or "je regio"
    cells = signals.tabulate(await signals.fetch(state.store.conn, since, municipalities))
    await context.bot.send_photo(chat_id, png_bytes(cells, f"Welke noden kwamen aan bod? ({where})"),
                                 caption=f"Signalen sinds {render.nice_date(since)} ({where})")
    await send(context, chat_id, table_reply(cells, since, where))
    log.info("signals shown to a coordinator: %d cells", len(cells))
