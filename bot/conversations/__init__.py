"""Multi-step flows, one python-telegram-bot `ConversationHandler` per flow.

beheer: /beheer, organisations keep their own offer right (and the new-service wizard).
remark: the optional remark after "⚠️ Klopt niet meer".

Both are persistent (bot/persistence.py) and time out with a message. They are registered in
their own handler groups before the plain-text search (bot/app.py): a step's callback raises
ApplicationHandlerStop(next state) when it consumed the update, so text meant for a step never
reaches the search, and any text a step does not want falls through to it.
"""
from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram.error import TelegramError
from telegram.ext import ConversationHandler
from telegram.warnings import PTBUserWarning

from ..context import BotContext

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=1)   # how often sweep_expired looks for flows past their deadline


def deadline(wait: timedelta, now: datetime | None = None) -> str:
    """The ISO UTC time `wait` from now, as a flow keeps it in its data."""
    return ((now or datetime.now(UTC)) + wait).isoformat()


def past(until: object, now: datetime | None = None) -> bool:
    """Is this deadline over? An unreadable one counts as over.

    PTB's conversation_timeout ends a flow in a running bot; a flow restored after a restart
    has no timeout armed, so each flow also keeps its own deadline and checks it here.
    """
    try:
        return (now or datetime.now(UTC)) >= datetime.fromisoformat(str(until))
    except ValueError:
        return True


async def sweep_expired(context: BotContext, name: str, expired: Callable[[Any], bool],
                        after: Callable[[Any], Any], tell: Callable[[int, Any], Awaitable[None]]) -> None:
    """JobQueue: every user whose flow `name` is past its deadline gets after(data) as that flow's
    data (None: none) and is told by tell(user id, old data), so a flow restored after a restart
    ends even when its user never writes again."""
    application = context.application
    for user_id, data in list(application.user_data.items()):
        flow = data.get(name)
        if flow is None or not expired(flow):
            continue
        replacement = after(flow)
        if replacement is None:
            data.pop(name, None)
        else:
            data[name] = replacement
        application.mark_data_for_update_persistence(user_ids=user_id)
        try:
            await tell(user_id, flow)
        except TelegramError as exc:   # blocked the bot meanwhile: the flow ended all the same
            log.info("end of a %s flow not delivered: %s", name, type(exc).__name__)


def flow_handler(**kwargs: Any) -> ConversationHandler[BotContext]:
    """A ConversationHandler for one user in one chat (per_chat, per_user; not per_message).

    PTB warns that with per_message=False a CallbackQueryHandler is not tracked per message.
    That is intended: a flow's buttons act on the user's current step (old buttons find the step
    moved on and say they expired), so the warning is silenced here, and only here.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        return ConversationHandler(per_chat=True, per_user=True, per_message=False, **kwargs)
