"""Callback data of inline buttons: every format in one place, each ≤ 64 bytes (Telegram's limit).

Callback data never holds a question's words; only ids, theme ids and short keys.

  k:<service id>        full card of a service (id as is when it fits)
  k#<hash16>            full card, for ids too long to fit (short_hash of the id)
  m:<key>:<page>        next page of a stashed result list; key -> service ids in chat_data["more"]
  t:<theme id>:<page>   services for a need (theme), page n; from the ask-back and not-found buttons

Reserved prefixes for later features (add the format here when you use one):
  s  share a card (issue 4) · f  feedback (issue 6) · b  admin /beheer (issue 5)
  (f: the formats are listed in bot/handlers/feedback.py, next to their parser)
  b<action>[<arg>]      admin /beheer (bot/conversations/beheer.py): bm menu, bO<page> organisations,
                        bo<index> an organisation, bP<page> its services, b+ new service, bN new
                        organisation, bc<i> tick option i, bd done, by confirm, bn cancel, bk skip
  b<s|f|v><hash16>[:<i>] a service by short_hash of its id: bs view, bf…:<i> field i, bv still right

Each handler registers with the PATTERN_* regex of its prefix.
"""
from __future__ import annotations

from dataclasses import dataclass

from .state import short_hash

MAX_BYTES = 64

PATTERN_CARD = r"^k[:#]"
PATTERN_MORE = r"^m:"
PATTERN_THEME = r"^t:"
PATTERN_ADMIN = r"^b"


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_BYTES:  # a programming error, never user input
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data[:20]}...")
    return data


def card(service_id: str) -> str:
    data = f"k:{service_id}"
    if len(data.encode("utf-8")) <= MAX_BYTES:
        return data
    return _checked(f"k#{short_hash(service_id)}")


def share(service_id: str) -> str:
    """"📤 Deel met ouder" for one service (handled in bot/handlers/share.py, prefix s)."""
    data = f"s:{service_id}"
    if len(data.encode("utf-8")) <= MAX_BYTES:
        return data
    return _checked(f"s#{short_hash(service_id)}")


def more(key: str, page: int) -> str:
    return _checked(f"m:{key}:{page}")


def theme(theme_id: str, page: int = 0) -> str:
    return _checked(f"t:{theme_id}:{page}")


def admin(action: str) -> str:
    return _checked(f"b{action}")


def admin_service(kind: str, service_id: str, arg: str = "") -> str:
    return _checked(f"b{kind}{short_hash(service_id)}" + (f":{arg}" if arg else ""))


def edit_service(service_id: str) -> str:
    """Opens a service in /beheer (the "✏️ Aanpassen" of reminders and reports)."""
    return admin_service("s", service_id)


@dataclass(frozen=True)
class Parsed:
    kind: str          # "card" | "more" | "theme"
    value: str         # service id (or "#hash"), stash key, or theme id
    page: int = 0


def parse(data: str | None) -> Parsed | None:
    """None for anything malformed (old or forged buttons): the handler says the button expired."""
    if not data:
        return None
    if data.startswith("k:") and len(data) > 2:
        return Parsed("card", data[2:])
    if data.startswith("k#") and len(data) > 2:
        return Parsed("card", "#" + data[2:])
    if data.startswith(("m:", "t:")):
        parts = data.split(":")
        if len(parts) != 3 or not parts[1] or not parts[2].isdigit():
            return None
        return Parsed("more" if parts[0] == "m" else "theme", parts[1], int(parts[2]))
    return None
