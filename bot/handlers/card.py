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
from ..i18n import SOURCE_LANGUAGE
from ..vcard import service_vcard
from . import answer_button, callback_data, reply_chat_id, send

log = logging.getLogger(__name__)

async def send_contact(context: BotContext, chat_id: int, service: Service, lang: str = SOURCE_LANGUAGE) -> bool:
    """The native contact with its vCard, for the full card and for the share flow alike.

    The vCard is the one that fits Telegram's sendContact (bot/vcard.service_vcard gives way field
    by field, render.fits measures); when not even the name and phones fit, or the vCard cannot be
    built, the contact goes without one: a contact without vCard beats no contact at all (a
    request with a vCard over 2,048 bytes is refused, and the parent would get nothing).
    False when the service has no phone (no contact to send)."""
    contact = render.contact_fields(service)
    if not contact:
        return False
    vcard: str | None = None
    try:
        vcard = service_vcard(service, lang)
    except (ValueError, VObjectError) as exc:
        log.warning("vcard for %s failed: %s", service.id, type(exc).__name__)
    if vcard is None:
        log.warning("vcard for %s sent without its vCard: it does not fit Telegram", service.id)
    await context.bot.send_contact(chat_id, vcard=vcard, **contact)
    return True


async def send_card(context: BotContext, chat_id: int, service: Service) -> None:
    await send(context, chat_id, feedback_view.card_with_feedback(render.card(service), service))
    await send_contact(context, chat_id, service)
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
