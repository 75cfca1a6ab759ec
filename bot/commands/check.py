"""Controleer alle regio-bestanden in één keer: elke fout met bestand, regel, dienst en veld."""
from __future__ import annotations

import argparse
import sys

from kennisbank.loader import check_directory
from kennisbank.search.dense import configured_encoder, encoder_problem, load_encoder

from .common import add_kb_option


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
        print(f"{len(errors)} fout(en), {len(warnings)} waarschuwing(en) in {args.kb}", file=sys.stderr)
        return 1
    assert kb is not None
    regions = [r for r in kb.regions.values() if not r.is_flemish_layer]
    layer = " en de Vlaamse laag" if len(regions) < len(kb.regions) else " (zonder Vlaamse laag)"
    print(f"OK: {len(kb.services)} diensten in {len(regions)} regio('s){layer}, "
          f"{len(warnings)} waarschuwing(en).")
    print(search_status())
    return 0


def search_status() -> str:
    """Whether the search can use its dense model, in one plain sentence (exit code stays 0)."""
    if load_encoder() is not None:
        return f"Zoeken: met woorden en betekenis (model {configured_encoder()})."
    return (f"Let op: het zoekmodel {configured_encoder()} laadt niet ({encoder_problem()}); "
            "de bot zoekt enkel met woorden, wat minder goed werkt voor Franse en Engelse vragen.")
