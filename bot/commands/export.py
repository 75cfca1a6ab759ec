"""Schrijf de kennisbank weg als regio-bestanden (YAML), Open Referral HSDS 3 (JSON) of een
spreadsheet (CSV), bv. om te delen met een andere gids of om in Excel na te kijken."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kennisbank.interop.exporting import WRITERS, ExportError, export_knowledge_base
from kennisbank.schema import KnowledgeBase
from kennisbank.text import count

from .admin import load_effective_or_exit
from .common import add_kb_option, cannot_write

NAME = "export"
HELP = "schrijf de kennisbank weg als YAML, Open Referral HSDS of CSV"


def configure(parser: argparse.ArgumentParser) -> None:
    add_kb_option(parser)
    parser.add_argument("--format", choices=sorted(WRITERS), default="yaml",
                        help="yaml (regio-bestanden), hsds (Open Referral JSON) of csv (spreadsheet); "
                             "standaard yaml")
    parser.add_argument("--out", type=Path, required=True, metavar="MAP", help="map waarin de bestanden komen")
    parser.add_argument("--db", type=Path, default=None, metavar="BESTAND",
                        help="SQLite-bestand van de bot: neem de wijzigingen van organisaties (via /beheer) mee")


def knowledge_base(args: argparse.Namespace) -> KnowledgeBase:
    """What gets exported: the region files, with --db the organisations' changes applied on top."""
    return load_effective_or_exit(args.kb, args.db)


def main(args: argparse.Namespace) -> int:
    if args.format == "yaml" and args.out.resolve() == args.kb.resolve():
        print("--out is de map van de kennisbank zelf; kies een andere map, zo blijft het origineel "
              "(met commentaar) bewaard.", file=sys.stderr)
        return 1
    kb = knowledge_base(args)
    try:
        files = export_knowledge_base(kb, args.format, args.out)
    except ExportError as exc:
        print(f"Export gestopt: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        return cannot_write(args.out, exc)
    regions = count(len(kb.regions), "regio", "regio's")
    print(f"{count(len(kb.services), 'dienst', 'diensten')} uit {regions} geschreven als {args.format}:")
    for path in files:
        print(f"  {path}")
    return 0
