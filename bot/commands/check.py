"""Controleer alle regio-bestanden in één keer: elke fout met bestand, regel, dienst en veld."""
from __future__ import annotations

import argparse
import sys

from kennisbank.loader import check_directory
from kennisbank.search.dense import configured_encoder, encoder_problem, load_encoder
from kennisbank.text import count

from .common import add_kb_option, services_line

NAME = "check"
HELP = "controleer de kennisbank (YAML) en toon elke fout"


def configure(parser: argparse.ArgumentParser) -> None:
    add_kb_option(parser)


def main(args: argparse.Namespace) -> int:
    kb, problems = check_directory(args.kb)
    # File by file, top to bottom: the order in which a coordinator fixes them.
    in_file_order = sorted(problems, key=lambda p: (p.file, p.line or 0))
    errors = [p for p in in_file_order if not p.warning]
    warnings = [p for p in in_file_order if p.warning]
    for p in errors + warnings:
        print(p, file=sys.stderr if not p.warning else sys.stdout)
    if errors:
        print(f"{count(len(errors), 'fout', 'fouten')}, {count(len(warnings), 'waarschuwing', 'waarschuwingen')} "
              f"in {args.kb}", file=sys.stderr)
        return 1
    assert kb is not None
    regions = [r for r in kb.regions.values() if not r.is_flemish_layer]
    layer = " en de Vlaamse laag" if len(regions) < len(kb.regions) else " (zonder Vlaamse laag)"
    problem = search_problem()
    if problem:
        print(problem)
    where = count(len(regions), "regio", "regio's")
    print(f"OK: {services_line(kb)} in {where}{layer}, {count(len(warnings), 'waarschuwing', 'waarschuwingen')}.")
    return 0


def search_problem() -> str | None:
    """One plain sentence when the search cannot use its dense model (a warning: exit code stays 0)."""
    if load_encoder() is not None:
        return None
    return (f"Let op: het zoekmodel {configured_encoder()} laadt niet ({encoder_problem()}); "
            "de bot zoekt enkel met woorden, wat minder goed werkt voor Franse en Engelse vragen.")
