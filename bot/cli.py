"""The one console command, `welzijnsbot`, and its subcommands.

Each subcommand lives in its own module under bot/commands/ with `configure(parser)` and
`main(args) -> int`, and its NAME and HELP; this file only lists them, so adding a command
is one entry here.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from kennisbank.text import clean

from .commands.dutch_argparse import DutchArgumentParser

# Each module (or class, "module:Class") has NAME, HELP, configure(parser) and main(args).
COMMANDS = ("bot.commands.check", "bot.commands.zoek", "bot.commands.kaart", "bot.commands.run",
            "bot.commands.chat", "bot.commands.signalen", "bot.commands.versheid", "bot.commands.export",
            "bot.commands.import_", "bot.commands.admin:Invite", "bot.commands.admin:Audit",
            "bot.commands.admin:Revert", "bot.commands.admin:Coordinator")


def build_parser() -> argparse.ArgumentParser:
    parser = DutchArgumentParser(
        prog="welzijnsbot",
        description="Welzijnsbot: de weg in het welzijnsaanbod voor basisscholen.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="OPDRACHT")
    for target in COMMANDS:
        module_name, _, attr = target.partition(":")
        module = importlib.import_module(module_name)
        if attr:  # "module:Name": one module holding several related subcommands
            module = getattr(module, attr)
        p = sub.add_parser(module.NAME, help=module.HELP, description=(module.__doc__ or module.HELP).strip())
        module.configure(p)
        p.set_defaults(_main=module.main)
    return parser


def clean_arguments(args: argparse.Namespace) -> argparse.Namespace:
    """Every text argument (a municipality, a service id, an organisation, a question) as
    kennisbank.text.clean reads it: a name pasted with a soft hyphen or in NFD is the same name."""
    for key, value in vars(args).items():
        if isinstance(value, str):
            setattr(args, key, clean(value))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            setattr(args, key, [clean(v) for v in value])
    return args


def main(argv: list[str] | None = None) -> int:
    args = clean_arguments(build_parser().parse_args(argv))
    try:
        return int(args._main(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
