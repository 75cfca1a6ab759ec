"""Coordinator commands for the admin module: invite, audit, revert, coordinator.

Each class is one subcommand (listed in bot/cli.py as "bot.commands.admin:Name"); they share
loading the effective knowledge base (region files + revisions from the bot's database).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from kennisbank import editors
from kennisbank import revisions as rv
from kennisbank.fields import FieldError, iso_date
from kennisbank.schema import KnowledgeBase
from kennisbank.store import DEFAULT_DB, Store
from kennisbank.text import count

from .common import Subcommand, add_kb_option, load_kb_or_exit
from .versheid import print_reports


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, metavar="BESTAND",
                        help=f"SQLite-bestand van de bot (standaard: {DEFAULT_DB})")


def require_db(path: Path) -> bool:
    if path.exists():
        return True
    print(f"Databank {path} bestaat niet. Geef het bestand van de bot mee met --db.", file=sys.stderr)
    return False


async def effective_kb(baseline: KnowledgeBase, db: Path) -> KnowledgeBase:
    """The knowledge base as the bot answers from it: region files + changes by organisations."""
    async with Store(db) as store:
        return rv.apply_revisions(baseline, await rv.load_revisions(store))


def load_effective_or_exit(kb_dir: Path, db: Path | None) -> KnowledgeBase:
    """For export --db and invite: without a database, the region files alone."""
    baseline = load_kb_or_exit(kb_dir)
    if db is None:
        return baseline
    if not require_db(db):
        raise SystemExit(1)
    return asyncio.run(effective_kb(baseline, db))


def who(user_id: int | None) -> str:
    return "opdrachtregel" if user_id is None else f"gebruiker {user_id}"


def describe(revision: rv.Revision, reverted_by: dict[int, int]) -> str:
    """One audit line: #id, when, who, service, field: old → new."""
    when = revision.at[:16].replace("T", " ")
    head = f"#{revision.id}  {when} UTC  {who(revision.user_id)}  {revision.organisation} · {revision.service_id}"
    what = rv.describe_change(revision)
    if revision.reverts is not None:
        what += f"  (draait #{revision.reverts} terug)"
    if revision.id in reverted_by:
        what += f"  [teruggedraaid door #{reverted_by[revision.id]}]"
    return f"{head}\n    {what}"


class Invite(Subcommand, name="invite",
             help="eenmalige code voor een organisatie om haar aanbod in de bot bij te houden"):
    """Maak een eenmalige code waarmee een medewerker van een organisatie in de bot (/beheer) het
    aanbod van die organisatie kan bijhouden. De code staat op de laatste regel."""

    @staticmethod
    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--organisation", "--organisatie", required=True, metavar="NAAM",
                            help="de organisatie zoals in de regio-bestanden, bv. \"CAW Lindeland\"")
        parser.add_argument("--region", "--regio", metavar="REGIO",
                            help="de regio (id) van de organisatie; nodig als dezelfde naam in meerdere "
                                 "regio's voorkomt")
        add_kb_option(parser)
        add_db_option(parser)
        parser.add_argument("--valid", "--geldig", default="14d", metavar="DUUR",
                            help="hoe lang de code geldig is: 14d, 36h, 2w (standaard 14d)")

    @staticmethod
    def main(args: argparse.Namespace) -> int:
        try:
            valid = editors.parse_duration(args.valid)
        except FieldError as exc:
            print(f"--valid: {exc}", file=sys.stderr)
            return 2
        baseline = load_kb_or_exit(args.kb)
        new_db = not args.db.exists()

        async def go() -> editors.Invite:
            async with Store(args.db) as store:
                kb = rv.apply_revisions(baseline, await rv.load_revisions(store))
                organisation = editors.find_organisation(kb, args.organisation, args.region)
                await editors.reconcile(store, kb)
                return await editors.create_invite(store, organisation, valid)

        try:
            invite = asyncio.run(go())
        except FieldError as exc:
            print(str(exc)[0].upper() + str(exc)[1:], file=sys.stderr)
            return 1
        if new_db:
            print(f"Let op: {args.db} bestond nog niet en is nu aangemaakt; start de bot met --db {args.db}.")
        print(f"Uitnodiging #{invite.id} voor {invite.organisation} (regio {', '.join(invite.regions)}), "
              "eenmalig, geldig tot "
              f"{invite.expires_at[:16].replace('T', ' ')} UTC.")
        print("Geef de code aan één medewerker; die stuurt /beheer naar de bot en daarna de code.")
        print(invite.code)
        return 0


class Audit(Subcommand, name="audit", help="wie wijzigde wat via de bot"):
    """Toon wie wat wijzigde via de bot (nieuwste onderaan), met het nummer om terug te draaien."""

    @staticmethod
    def configure(parser: argparse.ArgumentParser) -> None:
        add_db_option(parser)
        parser.add_argument("--organisation", "--organisatie", metavar="NAAM", help="enkel deze organisatie")
        parser.add_argument("--since", "--sinds", metavar="DATUM", help="vanaf deze dag, JJJJ-MM-DD")

    @staticmethod
    def main(args: argparse.Namespace) -> int:
        since = None
        if args.since:
            try:
                since = iso_date(args.since).isoformat()
            except FieldError as exc:
                print(f"--since: {exc}", file=sys.stderr)
                return 2
        if not require_db(args.db):
            return 1

        async def go() -> tuple[list[rv.Revision], dict[int, int]]:
            async with Store(args.db) as store:
                shown = await rv.load_revisions(store, organisation=args.organisation, since=since)
                everything = await rv.load_revisions(store)
            off = rv.switched_off(everything)
            by = {r.reverts: r.id for r in everything if r.reverts is not None and r.reverts in off}
            return shown, by

        shown, reverted_by = asyncio.run(go())
        if not shown:
            print("Geen wijzigingen gevonden.")
        else:
            for revision in shown:
                print(describe(revision, reverted_by))
            print(f"{count(len(shown), 'wijziging', 'wijzigingen')}. Terugdraaien: welzijnsbot revert NUMMER")
        print_reports(args.db, args.organisation, since)   # "klopt niet meer" (bot/commands/versheid.py)
        return 0


class Revert(Subcommand, name="revert", help="draai een wijziging via de bot terug"):
    """Draai een wijziging via de bot terug; dat is zelf ook een wijziging (zichtbaar in audit)."""

    @staticmethod
    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("revision", type=int, nargs="+", metavar="NUMMER",
                            help="nummer(s) uit welzijnsbot audit; meerdere: nieuwste eerst")
        add_kb_option(parser)
        add_db_option(parser)

    @staticmethod
    def main(args: argparse.Namespace) -> int:
        if not require_db(args.db):
            return 1
        baseline = load_kb_or_exit(args.kb)

        async def go() -> int:
            async with Store(args.db) as store:
                for number in sorted(args.revision, reverse=True):
                    try:
                        done = await rv.revert(store, baseline, number)
                    except rv.RevertError as exc:
                        print(f"Niet teruggedraaid: {exc}.", file=sys.stderr)
                        return 1
                    print(f"Wijziging #{number} teruggedraaid (als wijziging #{done.id}).")
                    print(describe(done, {}))
            return 0

        return asyncio.run(go())


class Coordinator(Subcommand, name="coordinator", help="regiocoördinatoren toevoegen, wegnemen of tonen"):
    """Regiocoördinatoren beheren: zij mogen alles in hun regio wijzigen en zien de audit.
    Ook mogelijk zonder databank: WELZIJNSBOT_COORDINATORS="123,456:lindeland"."""

    @staticmethod
    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("action", choices=("add", "remove", "list"), help="add, remove of list")
        parser.add_argument("user_id", type=int, nargs="?", metavar="GEBRUIKER",
                            help="Telegram-gebruikers-id (de bot toont het bij /beheer)")
        parser.add_argument("--region", "--regio", default=None, metavar="REGIO",
                            help="enkel deze regio (id, bv. lindeland); zonder: alle regio's")
        add_kb_option(parser)
        add_db_option(parser)

    @staticmethod
    def main(args: argparse.Namespace) -> int:
        if args.action != "list" and args.user_id is None:
            print("Geef het Telegram-gebruikers-id mee, bv. welzijnsbot coordinator add 123456", file=sys.stderr)
            return 2
        if args.action == "add" and args.region is not None:
            kb = load_kb_or_exit(args.kb)
            if args.region not in kb.regions:
                print(f"Regio '{args.region}' bestaat niet; regio's: {', '.join(sorted(kb.regions))}",
                      file=sys.stderr)
                return 1

        async def go() -> int:
            async with Store(args.db) as store:
                if args.action == "add":
                    await editors.add_coordinator(store, args.user_id, args.region or editors.ALL_REGIONS)
                    print(f"Gebruiker {args.user_id} is coördinator van "
                          f"{'regio ' + args.region if args.region else 'alle regio’s'}.")
                elif args.action == "remove":
                    removed = await editors.remove_coordinator(store, args.user_id, args.region)
                    print(f"{removed} rol(len) weggehaald." if removed else "Die rol bestond niet.")
                else:
                    rows = await editors.list_coordinators(store)
                    for uid, region in rows:
                        print(f"{uid}  {region or '(alle regio’s)'}")
                    configured = editors.configured_coordinators()
                    for uid, regions in sorted(configured.items()):
                        names = ", ".join(r or "(alle regio’s)" for r in sorted(regions))
                        print(f"{uid}  {names}  (uit {editors.ENV_COORDINATORS})")
                    if not rows and not configured:
                        print("Nog geen coördinatoren.")
            return 0

        try:
            return asyncio.run(go())
        except FieldError as exc:
            print(str(exc), file=sys.stderr)
            return 1
