"""Welke noden kwamen aan bod, per gemeente en thema, en waar vond de bot niets (een gat in het aanbod)?

Enkel per volledige kalendermaand (nooit een periode die vandaag eindigt: twee zulke periodes
van elkaar aftrekken zou een verborgen aantal tonen). Aantallen kleiner dan 5 worden getoond als
"<5", zodat geen gezin herkenbaar is, en het totaal van een gemeente als "x" als het er een zou
verraden (kennisbank/signals.py).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

from babel.dates import format_date

from kennisbank import signals
from kennisbank.schema import KnowledgeBase
from kennisbank.store import DEFAULT_DB, Store
from kennisbank.themes import load_themes

from .common import add_kb_option, load_kb_or_exit

NAME = "signalen"
HELP = "anonieme signalen: welke noden, waar niets paste (met grafiek)"


def configure(parser: argparse.ArgumentParser) -> None:
    add_kb_option(parser)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="het databasebestand van de bot")
    parser.add_argument("--region", metavar="R", help="enkel de gemeenten van deze regio (id)")
    parser.add_argument("--maand", metavar="JJJJ-MM",
                        help="deze volledige kalendermaand (standaard: de laatste volledige maand)")
    parser.add_argument("--since", help=argparse.SUPPRESS)   # removed: explained when given
    parser.add_argument("--png", type=Path, metavar="BESTAND", help="schrijf ook een grafiek (PNG)")


NO_SINCE = ("--since bestaat niet meer: signalen tonen enkel volledige kalendermaanden, zodat je "
            "verborgen kleine aantallen niet kan terugrekenen uit twee periodes. Gebruik --maand JJJJ-MM.")
LEGEND = ("<5: minder dan 5 vragen. x: het totaal is verborgen omdat er een <5 in de rij staat. "
          "Een vraag met meer noden telt bij elke nood. Een gemeente met weinig vragen telt mee in "
          "'andere gemeenten' of 'alle gemeenten' van haar regio.")


def month_name(month: signals.Month) -> str:
    """'oktober 2026'."""
    return format_date(month.first, format="MMMM y", locale="nl_BE")


def chart_title(month: signals.Month, where: str) -> str:
    """'Welke noden kwamen aan bod? Regio Lindeland, oktober 2026': the period on every chart."""
    return f"Welke noden kwamen aan bod? {where}, {month_name(month)}"


def region_municipalities(kb: KnowledgeBase) -> list[tuple[str, list[str]]]:
    """(region name, its municipalities): the groups `signals.by_level` may add up."""
    return [(r.name, [m.name for m in r.municipalities]) for r in kb.regions.values()]


def table(cells: list[signals.Cell]) -> str:
    """The published table (kennisbank.signals.publish): suppressed cells and safe totals."""
    themes = load_themes()
    rows = [("Gemeente", "Thema", "Vragen", "Niets gevonden")]
    for c in signals.publish(cells):
        label = themes[c.theme].label if c.theme in themes else c.theme
        rows.append((c.municipality, label, c.asked, c.unmatched))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(
        "  ".join(value.ljust(w) if i < 2 else value.rjust(w)
                  for i, (value, w) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    )


async def collect(db: Path, month: signals.Month, municipalities) -> list[signals.Cell]:
    async with Store(db) as store:
        return signals.tabulate(await signals.fetch_month(store.conn, month, municipalities))


def main(args: argparse.Namespace) -> int:
    if args.since is not None:
        print(NO_SINCE, file=sys.stderr)
        return 2
    month = signals.last_complete_month()
    if args.maand:
        try:
            month = signals.Month.parse(args.maand)
        except ValueError:
            print(f"--maand: geef een maand als JJJJ-MM, bv. {month}.", file=sys.stderr)
            return 2
        if not month.is_complete(date.today()):
            print(f"--maand: {month} is nog niet voorbij; enkel volledige maanden (de laatste is "
                  f"{signals.last_complete_month()}).", file=sys.stderr)
            return 2
    municipalities = None
    kb = load_kb_or_exit(args.kb)
    if args.region:
        region = kb.regions.get(args.region)
        if region is None:
            print(f"Onbekende regio '{args.region}'. Gekend: {', '.join(sorted(kb.regions))}", file=sys.stderr)
            return 2
        municipalities = [m.name for m in region.municipalities]
    if not args.db.exists():
        print(f"Database {args.db} bestaat niet (nog). Start de bot eerst of geef --db.", file=sys.stderr)
        return 2
    cells = signals.by_level(asyncio.run(collect(args.db, month, municipalities)), region_municipalities(kb))
    print(f"Signalen van {month_name(month)}")
    if cells:
        print(table(cells))
        print(LEGEND)
    else:
        print("Geen signalen in deze maand.")
    if args.png:
        from kennisbank.signals_chart import pngs

        where = kb.regions[args.region].name if args.region else "alle regio's"
        charts = pngs(cells, chart_title(month, where))
        for n, data in enumerate(charts, 1):
            path = args.png if n == 1 else args.png.with_name(f"{args.png.stem}-{n}{args.png.suffix}")
            path.write_bytes(data)
            print(f"Grafiek geschreven naar {path}")
    return 0
