"""The full card of a service: the whole entry, then the native contact and the location.

sendContact carries a vCard when bot/vcard.py (issue 4) provides `service_vcard`; sendVenue is
only sent when the entry has coordinates, so a shelter without location never shares an address.
"""
from __future__ import annotations

import importlib
import logging
from typing import Callable

from telegram import Update

from kennisbank.schema import Service

from .. import callback_data as cd
from .. import feedback_view, render
from ..context import BotContext
from . import reply_chat_id, send

log = logging.getLogger(__name__)

VCARD_MAX_BYTES = 2048   # Telegram's limit for sendContact's vcard


def vcard_builder() -> Callable[[Service], str] | None:
    """bot.vcard.service_vcard when that module exists (looked up at call time, not import time)."""
    try:
        return importlib.import_module("bot.vcard").service_vcard
    except (ImportError, AttributeError):
        return None


async def send_card(context: BotContext, chat_id: int, service: Service) -> None:
    await send(context, chat_id, feedback_view.card_with_feedback(render.card(service), service))
    contact = render.contact_fields(service)
    if contact:
        build = vcard_builder()
        vcard = None
        if build is not None:
            try:
                vcard = build(service)
            except Exception as exc:  # a card without vCard beats no contact at all
                log.warning("vcard for %s failed: %s", service.id, type(exc).__name__)
            if vcard and len(vcard.encode("utf-8")) > VCARD_MAX_BYTES:
                vcard = None
        await context.bot.send_contact(chat_id, vcard=vcard, **contact)
    venue = render.venue_fields(service)
    if venue:
        await context.bot.send_venue(chat_id, **venue)


async def on_card(update: Update, context: BotContext) -> None:
    query = update.callback_query
    await query.answer()
    action = cd.decode(query.data)
    service = context.state.knowledge.resolve(action.service) if isinstance(action, cd.ShowCard) else None
    chat_id = reply_chat_id(update)
    if service is None:
        await send(context, chat_id, render.expired())
        return
    await send_card(context, chat_id, service)
