"""Welke noden kwamen aan bod, per gemeente en thema, en waar vond de bot niets (een gat in het aanbod)?

Aantallen kleiner dan 5 worden getoond als "<5", zodat geen gezin herkenbaar is.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from kennisbank import fields, signals
from kennisbank.fields import FieldError
from kennisbank.store import DEFAULT_DB, Store
from kennisbank.themes import load_themes

from .common import add_kb_option, load_kb_or_exit

NAME = "signalen"
HELP = "anonieme signalen: welke noden, waar niets paste (met grafiek)"


def configure(parser: argparse.ArgumentParser) -> None:
    add_kb_option(parser)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="het databasebestand van de bot")
    parser.add_argument("--region", metavar="R", help="enkel de gemeenten van deze regio (id)")
    parser.add_argument("--since", metavar="DATUM", help="vanaf deze dag (JJJJ-MM-DD)")
    parser.add_argument("--png", type=Path, metavar="BESTAND", help="schrijf ook een grafiek (PNG)")


def table(cells: list[signals.Cell]) -> str:
    themes = load_themes()
    rows = [("Gemeente", "Thema", "Vragen", "Niets gevonden")]
    for c in cells:
        label = themes[c.theme].label if c.theme in themes else c.theme
        rows.append((c.municipality, label, signals.shown(c.asked), signals.shown(c.unmatched)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(
        "  ".join(value.ljust(w) if i < 2 else value.rjust(w)
                  for i, (value, w) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    )


async def collect(db: Path, since, municipalities) -> list[signals.Cell]:
    async with Store(db) as store:
        return signals.tabulate(await signals.fetch(store.conn, since, municipalities))


def main(args: argparse.Namespace) -> int:
    since = None
    if args.since:
        try:
            since = fields.iso_date(args.since)
        except FieldError as exc:
            print(f"--since: {exc}", file=sys.stderr)
            return 2
    municipalities = None
    if args.region:
        kb = load_kb_or_exit(args.kb)
        region = kb.regions.get(args.region)
        if region is None:
            print(f"Onbekende regio '{args.region}'. Gekend: {', '.join(sorted(kb.regions))}", file=sys.stderr)
            return 2
        municipalities = [m.name for m in region.municipalities]
    if not args.db.exists():
        print(f"Database {args.db} bestaat niet (nog). Start de bot eerst of geef --db.", file=sys.stderr)
        return 2
    cells = asyncio.run(collect(args.db, since, municipalities))
    if cells:
        print(table(cells))
    else:
        print("Nog geen signalen in deze periode.")
    if args.png:
        from kennisbank.signals_chart import png_bytes

        args.png.write_bytes(png_bytes(cells))
        print(f"Grafiek geschreven naar {args.png}")
    return 0
