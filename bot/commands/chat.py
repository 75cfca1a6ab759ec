"""Praat met de bot in de terminal, zonder Telegram-token: typ een vraag, Ctrl-D stopt."""
from __future__ import annotations

import argparse
import logging
import sys

from ..terminal import run
from .common import add_kb_option, load_kb_or_exit

NAME = "chat"
HELP = "hetzelfde gesprek als de bot, in de terminal"


def configure(parser: argparse.ArgumentParser) -> None:
    add_kb_option(parser)
    parser.add_argument("--postcode", type=int, help="postcode van de school (anders vraagt de bot ernaar)")


def main(args: argparse.Namespace) -> int:
    # The first start embeds the services and fits the models (a minute); say so on stderr.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    search_log = logging.getLogger("kennisbank.search")
    search_log.addHandler(handler)
    search_log.setLevel(logging.INFO)
    kb = load_kb_or_exit(args.kb)
    return run(kb, sys.stdin, sys.stdout, args.postcode)
