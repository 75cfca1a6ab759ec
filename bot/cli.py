"""The one console command, `welzijnsbot`, and its subcommands.

Each subcommand lives in its own module under bot/commands/ with `configure(parser)` and
`main(args) -> int`; this file only lists them, so adding a feature is one line here.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help in Dutch)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("bot.commands.check", "controleer de kennisbank (YAML) en toon elke fout"),
    "zoek": ("bot.commands.zoek", "zoek diensten voor een vraag"),
    "kaart": ("bot.commands.kaart", "contactkaart voor een ouder, in de taal van de ouder (of als vCard)"),
    "run": ("bot.commands.run", "start de Telegram-bot (token in TELEGRAM_BOT_TOKEN)"),
    "chat": ("bot.commands.chat", "hetzelfde gesprek als de bot, in de terminal"),
    "signalen": ("bot.commands.signalen", "anonieme signalen: welke noden, waar niets paste (met grafiek)"),
    "versheid": ("bot.commands.versheid", "hoe vers is het aanbod: bevestigd in 6/12 maanden, open meldingen"),
    "export": ("bot.commands.export", "schrijf de kennisbank weg als YAML, Open Referral HSDS of CSV"),
    "import": ("bot.commands.import_", "maak regio-bestanden uit HSDS, een spreadsheet (CSV) of De Sociale Kaart"),
    "invite": ("bot.commands.admin:Invite", "eenmalige code voor een organisatie om haar aanbod in de bot bij te houden"),
    "audit": ("bot.commands.admin:Audit", "wie wijzigde wat via de bot"),
    "revert": ("bot.commands.admin:Revert", "draai een wijziging via de bot terug"),
    "coordinator": ("bot.commands.admin:Coordinator", "regiocoördinatoren toevoegen, wegnemen of tonen"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="welzijnsbot",
        description="Welzijnsbot: de weg in het welzijnsaanbod voor basisscholen.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="OPDRACHT")
    for name, (module_name, help_text) in COMMANDS.items():
        module_name, _, attr = module_name.partition(":")
        module = importlib.import_module(module_name)
        if attr:  # "module:Name": one module holding several related subcommands
            module = getattr(module, attr)
        p = sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip())
        module.configure(p)
        p.set_defaults(_main=module.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._main(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
