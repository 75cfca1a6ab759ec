"""Use cases of "klopt niet meer": who hears of a report, and confirming an entry is still right.

The Telegram side (sending, buttons) is bot/handlers/feedback.py; this is the routing rule and
the state change, shared with anything else that needs them.
"""
from __future__ import annotations

from datetime import date

from .. import editors, freshness, reports
from ..schema import Service
from ..store import Store
from .knowledge import KnowledgeService


async def recipients(store: Store, service: Service) -> list[int]:
    """The editors of THIS organisation (by its key: a namesake in another region is another
    organisation) and the region's coordinators (user ids = their private chats).

    A broken WELZIJNSBOT_COORDINATORS configuration counts as none configured here; `check`
    and the bot's start-up report it.
    """
    conn = store.conn
    own = (await freshness.editors_by_organisation(conn)).get(service.org_key, set())
    configured = editors.configured_coordinators(lenient=True)
    coordinators = freshness.coordinators_of(service, await freshness.all_coordinators(conn, configured))
    return sorted(set(own) | set(coordinators))


async def confirm_still_right(knowledge: KnowledgeService, store: Store, user_id: int, service_id: str,
                              today: date | None = None) -> date:
    """Renew last_verified as a revision and close the service's open reports.

    Raises kennisbank.revisions.NotAllowed (not this user's entry) or UnknownService.
    """
    today = today or date.today()
    roles = await editors.roles_of(store, user_id)
    await knowledge.record(user_id=user_id, service_id=service_id, field="last_verified",
                           new=today.isoformat(), may_edit=roles.may_edit)
    await reports.resolve_service(store.conn, service_id, "bevestigd", user_id)
    return today
