"""Praat met de bot in de terminal, zonder Telegram-token: typ een vraag, Ctrl-D stopt."""
from __future__ import annotations

import argparse
import sys

from ..terminal import run
from .common import add_kb_option, load_kb_or_exit, show_search_progress

NAME = "chat"
HELP = "hetzelfde gesprek als de bot, in de terminal"


def configure(parser: argparse.ArgumentParser) -> None:
    add_kb_option(parser)
    parser.add_argument("--postcode", type=int, help="postcode van de school (anders vraagt de bot ernaar)")


def main(args: argparse.Namespace) -> int:
    show_search_progress()
    kb = load_kb_or_exit(args.kb)
    return run(kb, sys.stdin, sys.stdout, args.postcode)
