"""Maak regio-bestanden uit Open Referral HSDS (JSON), een spreadsheet (CSV) of een export van
De Sociale Kaart. Wat niet over kan, staat per record in het verslag (rij of id, veld, waarom);
de rest wordt geïmporteerd en gecontroleerd zoals `welzijnsbot check` dat doet.

Exitcodes: 0 alles geïmporteerd · 3 geïmporteerd, maar sommige records niet (zie verslag) ·
1 niets geschreven (bron onleesbaar, geen geldige records, of de uitvoer klopt niet)."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from kennisbank.interop import hsds, needs_named_contact, sociale_kaart, spreadsheet
from kennisbank.interop.importing import (
    Issue,
    Parsed,
    SourceError,
    build,
    region_from_name,
    write_region_files,
)
from kennisbank.interop.rubrics import RubricMap
from kennisbank.text import count

from .common import cannot_write

FORMATS = ("hsds", "csv", "sociale-kaart")
PARTIAL = 3


NAME = "import"
HELP = "maak regio-bestanden uit HSDS, een spreadsheet (CSV) of De Sociale Kaart"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, required=True, help="soort bron")
    parser.add_argument("source", type=Path, metavar="BRON", help="bestand of map (bv. wat export schreef)")
    parser.add_argument("--out", type=Path, required=True, metavar="MAP", help="map voor de regio-bestanden")
    parser.add_argument("--region", metavar="REGIO",
                        help="regio-id of -naam voor records zonder gekende regio (verplicht voor "
                             "sociale-kaart); de gemeenten komen uit de postcodes van de adressen")
    parser.add_argument("--rubrieken", type=Path, action="append", default=[], metavar="BESTAND",
                        help="extra rubriek→thema-koppelingen (YAML zoals sociale_kaart_rubrieken.yaml)")
    parser.add_argument("--voorbeeld", action="store_true",
                        help="markeer de nieuwe regio als voorbeelddata (example: true)")
    parser.add_argument("--overschrijven", action="store_true", help="vervang bestaande regio-bestanden in MAP")


def _parse(args: argparse.Namespace) -> tuple[Parsed, Callable[[str], str]]:
    if not args.source.exists():
        raise SourceError(f"{args.source} bestaat niet")
    if args.format == "csv":
        return spreadsheet.read(args.source, args.region), spreadsheet.field_label
    rubrics = RubricMap.load(*args.rubrieken)
    if args.format == "hsds":
        return hsds.read(args.source, args.region, rubrics), hsds.field_label
    return sociale_kaart.read(args.source, args.region, rubrics), sociale_kaart.field_label


def _print_issues(issues: list[Issue]) -> None:
    """Grouped per record, in the order the records appear in the source."""
    order: dict[str, int] = {}
    for issue in issues:
        order.setdefault(issue.record, len(order))
    for issue in sorted(issues, key=lambda i: order[i.record]):
        print(f"  {issue}")


def main(args: argparse.Namespace) -> int:
    try:
        parsed, field_label = _parse(args)
    except SourceError as exc:
        print(f"Kan niet importeren: {exc}", file=sys.stderr)
        return 1
    if args.voorbeeld and args.region:
        rid = region_from_name(args.region)[0]
        if rid in parsed.regions:
            parsed.regions[rid]["example"] = True
    kb, issues = build(parsed, field_label=field_label)
    skipped = {i.record for i in issues if i.skipped}
    if issues:
        print("Verslag:")
        _print_issues(issues)
    if kb is None or not kb.services:
        print("Niets geïmporteerd: geen enkel record is bruikbaar (zie het verslag hierboven).", file=sys.stderr)
        return 1
    try:
        files, problems = write_region_files(kb, args.out, overwrite=args.overschrijven)
    except SourceError as exc:
        print(f"Niets geschreven: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        return cannot_write(args.out, exc)
    errors = [p for p in problems if not p.warning]
    if errors:
        for p in errors:
            print(p, file=sys.stderr)
        print(f"Niets geschreven: samen met wat al in {args.out} staat, geeft de controle fouten "
              "(zie hierboven).", file=sys.stderr)
        return 1
    regions = "regio " + ", ".join(kb.regions) if len(kb.regions) == 1 else "regio's " + ", ".join(kb.regions)
    print(f"Geïmporteerd: {count(len(kb.services), 'dienst', 'diensten')} in {regions}, gecontroleerd zoals "
          f"`welzijnsbot check`; {count(len(skipped), 'record', 'records')} niet geïmporteerd.")
    for path in files:
        print(f"  {path}")
    missing = [s.id for s in kb.services.values() if needs_named_contact(s)]
    if missing:
        without = count(len(missing), "dienst heeft", "diensten hebben")
        print(f"{without} nog geen contactpersoon met naam; vul contact.name aan: " + ", ".join(missing))
    return PARTIAL if skipped else 0
