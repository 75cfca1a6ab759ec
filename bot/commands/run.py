"""Start de Telegram-bot (long polling, of een webhook met --webhook-url)."""
from __future__ import annotations

import argparse
import fcntl
import logging
import os
import secrets
import sys
from pathlib import Path
from typing import IO
from urllib.parse import urlparse

from kennisbank.search import settle
from kennisbank.store import DEFAULT_DB, StoreError, check_existing

from .common import add_kb_option, load_kb_or_exit

NO_TOKEN = """\
Geen TELEGRAM_BOT_TOKEN gevonden.

Zo krijg je een token:
  1. Open Telegram en zoek @BotFather.
  2. Stuur /newbot en kies een naam en een gebruikersnaam die op 'bot' eindigt.
  3. BotFather geeft je een token, zoals 123456789:AA...
  4. Start de bot met:  TELEGRAM_BOT_TOKEN='<je token>' welzijnsbot run

Zonder token kan je hetzelfde gesprek in de terminal proberen: welzijnsbot chat
"""


NAME = "run"
HELP = "start de Telegram-bot (token in TELEGRAM_BOT_TOKEN)"


def configure(parser: argparse.ArgumentParser) -> None:
    add_kb_option(parser)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, metavar="BESTAND",
                        help=f"SQLite-bestand van de bot (standaard: {DEFAULT_DB})")
    parser.add_argument("--webhook-url", metavar="URL",
                        help="publieke https-URL voor een webhook (anders long polling)")
    parser.add_argument("--port", type=int, default=8443, help="poort voor de webhook (standaard 8443)")
    parser.add_argument("--listen", default="0.0.0.0", help="adres voor de webhook (standaard 0.0.0.0)")
    parser.add_argument("-v", "--verbose", action="store_true", help="meer details in het logboek")


def main(args: argparse.Namespace) -> int:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from telegram import Update
    from telegram.error import InvalidToken, NetworkError

    from ..app import (  # telegram is only needed from here on
        build_application,
        setup_logging,
    )

    try:
        check_existing(args.db)
        lock = single_instance(args.db)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 1
    setup_logging(token, logging.DEBUG if args.verbose else logging.INFO)
    kb = load_kb_or_exit(args.kb)
    application = build_application(
        token, kb, args.db, base_url=os.environ.get("TELEGRAM_BASE_URL") or None, kb_dir=args.kb)
    # Freeze what is loaded (the search index is built with the knowledge): no question pays for it.
    settle()
    log = logging.getLogger("welzijnsbot")
    try:
        serve(application, args, log, Update.ALL_TYPES)
    except InvalidToken:
        print("Telegram weigert dit token. Kijk het na bij @BotFather (/token) en zet het "
              "opnieuw in TELEGRAM_BOT_TOKEN.", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"Telegram is niet bereikbaar ({type(exc).__name__}). Is er internet, of klopt "
              "TELEGRAM_BASE_URL? Probeer het zo opnieuw.", file=sys.stderr)
        return 1
    finally:
        lock.close()   # the lock goes with it
    return 0


def single_instance(db: Path) -> IO[str]:
    """Hold an exclusive lock next to the database for as long as this process runs: a second bot
    on the same file would send every reminder and sweep twice. StoreError when taken."""
    handle = open(f"{db}.lock", "a+", encoding="utf-8")  # noqa: SIM115 - held open on purpose
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise StoreError(f"Er draait al een bot op {db}. Stop die eerst; twee bots op één databank "
                         "zouden elke herinnering twee keer sturen.") from None
    return handle


def serve(application, args: argparse.Namespace, log: logging.Logger, allowed_updates) -> None:
    if args.webhook_url:
        path = urlparse(args.webhook_url).path.strip("/")
        # Telegram sends this secret in a header; requests without it are refused.
        secret = os.environ.get("TELEGRAM_WEBHOOK_SECRET") or secrets.token_urlsafe(32)
        log.info("webhook op %s:%d (pad /%s)", args.listen, args.port, path)
        application.run_webhook(listen=args.listen, port=args.port, url_path=path,
                                webhook_url=args.webhook_url, secret_token=secret,
                                allowed_updates=allowed_updates)
    else:
        log.info("long polling gestart; Ctrl-C stopt")
        application.run_polling(allowed_updates=allowed_updates)
