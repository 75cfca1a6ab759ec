"""Toon de contactkaart voor een ouder (in de taal van de ouder), of de dienst als vCard."""
from __future__ import annotations

import argparse
import sys

from rapidfuzz import process

from bot.i18n import SOURCE_LANGUAGE, UnknownLanguage, check_language
from bot.parent_card import parent_card_text
from bot.vcard import full_vcard

from .common import add_kb_option, load_kb_or_exit

SUGGESTIONS = 8


NAME = "kaart"
HELP = "contactkaart voor een ouder, in de taal van de ouder (of als vCard)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dienst", metavar="DIENST_ID", help="id van de dienst, bv. caw-lindeland-onthaal")
    add_kb_option(parser)
    parser.add_argument("--lang", default=SOURCE_LANGUAGE, metavar="TAAL",
                        help="taal van de ouder: nl, fr, en, ar, tr, uk, ro, pl, bg, es, fa (standaard nl)")
    parser.add_argument("--vcard", action="store_true", help="toon de dienst als vCard (om op te slaan)")


def _unknown_service(wanted: str, ids: list[str]) -> str:
    close = [match for match, _score, _i in process.extract(wanted, ids, limit=SUGGESTIONS)]
    lines = [f"Onbekende dienst '{wanted}'. Geldige ids zijn bv.:"]
    lines += [f"  {sid}" for sid in close]
    lines.append(f"({len(ids)} diensten in totaal; zoek een id met: welzijnsbot zoek \"je vraag\" --json)")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    try:
        lang = check_language(args.lang)
    except UnknownLanguage as exc:
        print(exc, file=sys.stderr)
        return 2
    kb = load_kb_or_exit(args.kb)
    service = kb.services.get(args.dienst.strip())
    if service is None:
        print(_unknown_service(args.dienst, sorted(kb.services)), file=sys.stderr)
        return 2
    if args.vcard:
        sys.stdout.write(full_vcard(service, lang))  # CRLF as RFC 2426 wants: save as .vcf
    else:
        print(parent_card_text(service, lang))
    return 0
