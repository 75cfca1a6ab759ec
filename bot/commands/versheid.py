"""Hoe vers is het aanbod? Per organisatie: hoeveel diensten bevestigd zijn in de laatste 6 en 12
maanden, hoeveel "klopt niet meer"-meldingen nog open staan, hoe vaak scholen een kaart nuttig of
niet nuttig vonden, en welke diensten het langst niet bevestigd werden. Met --db telt ook wat
organisaties in de bot bevestigden of wijzigden.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from kennisbank import freshness, reports
from kennisbank import revisions as rv
from kennisbank.fields import FieldError, iso_date
from kennisbank.schema import KnowledgeBase
from kennisbank.store import DEFAULT_DB, Store
from kennisbank.text import count

from .common import add_kb_option, load_kb_or_exit

NAME = "versheid"
HELP = "hoe vers is het aanbod: bevestigd in 6/12 maanden, open meldingen"


def configure(parser: argparse.ArgumentParser) -> None:
    add_kb_option(parser)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, metavar="BESTAND",
                        help=f"SQLite-bestand van de bot (standaard: {DEFAULT_DB}); ontbreekt het, "
                             "dan tellen alleen de regio-bestanden")
    parser.add_argument("--organisation", "--organisatie", metavar="NAAM", help="enkel deze organisatie")
    parser.add_argument("--today", "--vandaag", metavar="DATUM", help=argparse.SUPPRESS)


def _date(service) -> str:
    return service.last_verified.isoformat() if service.last_verified else "nooit bevestigd"


def render_table(rows: list[freshness.OrganisationFreshness], votes: dict[str, Counter]) -> str:
    """votes: organisation -> 👍/👎 given on its cards ('nuttig' / 'niet-nuttig')."""
    header = ("Organisatie", "Diensten", "≤ 6 mnd", "≤ 12 mnd", "Open meldingen", "Nuttig", "Niet nuttig")
    table = [header] + [(r.organisation, str(r.total), str(r.within_6), str(r.within_12), str(r.open_reports),
                         str(votes.get(r.organisation, Counter())["nuttig"]),
                         str(votes.get(r.organisation, Counter())["niet-nuttig"]))
                        for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    return "\n".join("  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                               for i, (v, w) in enumerate(zip(r, widths, strict=True)))
                     for r in table)


def render_report(kb: KnowledgeBase, today: date, open_reports: list[reports.Report],
                  organisation: str | None = None, card_feedback: dict[str, Counter] | None = None) -> str:
    rows = freshness.figures(kb, today, open_reports)
    votes: dict[str, Counter] = {}
    for service_id, counts in (card_feedback or {}).items():
        if service_id in kb.services:
            votes.setdefault(kb.services[service_id].organisation, Counter()).update(counts)
    if organisation is not None:
        rows = [r for r in rows if r.organisation.casefold() == organisation.casefold()]
        open_reports = [r for r in open_reports if r.organisation.casefold() == organisation.casefold()]
    if not rows:
        return "Geen diensten gevonden."
    total = sum(r.total for r in rows)
    inactive = sum(not s.is_active for s in kb.services.values()
                   if organisation is None or s.organisation.casefold() == organisation.casefold())
    aside = (f" (de {inactive} niet meer actieve {'dienst telt' if inactive == 1 else 'diensten tellen'} niet mee)"
             if inactive else "")
    lines = [f"Versheid op {today.isoformat()}: {sum(r.within_6 for r in rows)} van "
             f"{count(total, 'dienst', 'diensten')}{aside} bevestigd in de laatste 6 maanden, "
             f"{sum(r.within_12 for r in rows)} in de laatste 12.", "",
             render_table(rows, votes)]
    oldest = [r for r in rows if r.oldest]
    if oldest:
        lines += ["", "Langst niet bevestigd (ouder dan 6 maanden):"]
        for r in oldest:
            lines.append(f"  {r.organisation}")
            lines += [f"    {s.id}  {_date(s)}" for s in r.oldest]
    if open_reports:
        lines += ["", f"Open meldingen 'klopt niet meer' ({len(open_reports)}):"]
        lines += [f"  {reports.describe(r)}" for r in open_reports]
    return "\n".join(lines)


async def _from_db(baseline: KnowledgeBase, db: Path):
    async with Store(db) as store:
        kb = rv.apply_revisions(baseline, await rv.load_revisions(store))
        return kb, await reports.fetch(store.conn, open_only=True), await reports.card_feedback(store.conn)


def main(args: argparse.Namespace) -> int:
    try:
        today = iso_date(args.today) if args.today else date.today()
    except FieldError as exc:
        print(f"--today: {exc}", file=sys.stderr)
        return 2
    baseline = load_kb_or_exit(args.kb)
    kb, open_reports, votes = baseline, [], {}
    if args.db.exists():
        kb, open_reports, votes = asyncio.run(_from_db(baseline, args.db))
    else:
        print(f"(Databank {args.db} niet gevonden: alleen de regio-bestanden, zonder meldingen.)")
    print(render_report(kb, today, open_reports, args.organisation, votes))
    return 0


def print_reports(db: Path, organisation: str | None = None, since: str | None = None) -> None:
    """The audit's section on reports: made or resolved since `since`, open ones marked."""
    async def fetch() -> list[reports.Report]:
        async with Store(db) as store:
            return await reports.fetch(store.conn, organisation=organisation, since=since)

    found = asyncio.run(fetch())
    if not found:
        print("Geen meldingen 'klopt niet meer'.")
        return
    print(f"\nMeldingen 'klopt niet meer' ({len(found)}, {sum(r.is_open for r in found)} open):")
    for report in found:
        print(f"  {reports.describe(report)}")
