"""The full card of a service: the whole entry, then the native contact and the location.

sendContact carries the vCard of bot/vcard.py; sendVenue is only sent when the entry has
coordinates, so a shelter without location never shares an address.
"""
from __future__ import annotations

import logging

from telegram import Update
from vobject.base import VObjectError

from kennisbank.schema import Service

from .. import callback_data as cd
from .. import feedback_view, render
from ..context import BotContext
from ..vcard import service_vcard
from . import answer_button, callback_data, reply_chat_id, send

log = logging.getLogger(__name__)

async def send_card(context: BotContext, chat_id: int, service: Service) -> None:
    await send(context, chat_id, feedback_view.card_with_feedback(render.card(service), service))
    contact = render.contact_fields(service)
    if contact:
        vcard: str | None = None
        try:
            vcard = service_vcard(service)   # fits Telegram's 2,048 bytes (the note gives way)
        except (ValueError, VObjectError) as exc:   # a card without vCard beats no contact at all
            log.warning("vcard for %s failed: %s", service.id, type(exc).__name__)
        await context.bot.send_contact(chat_id, vcard=vcard, **contact)
    venue = render.venue_fields(service)
    if venue:
        await context.bot.send_venue(chat_id, **venue)


async def on_card(update: Update, context: BotContext) -> None:
    await answer_button(update)
    action = cd.decode(callback_data(update))
    service = context.state.knowledge.resolve(action.service) if isinstance(action, cd.ShowCard) else None
    chat_id = reply_chat_id(update)
    if service is None:
        await send(context, chat_id, render.expired())
        return
    await send_card(context, chat_id, service)
