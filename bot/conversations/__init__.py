"""Multi-step flows, one python-telegram-bot `ConversationHandler` per flow.

beheer: /beheer, organisations keep their own offer right (and the new-service wizard).
remark: the optional remark after "⚠️ Klopt niet meer".

Both are persistent (bot/persistence.py) and time out with a message. They are registered in
their own handler groups before the plain-text search (bot/app.py): a step's callback raises
ApplicationHandlerStop(next state) when it consumed the update, so text meant for a step never
reaches the search, and any text a step does not want falls through to it.
"""
from __future__ import annotations

import warnings
from typing import Any

from telegram.ext import ConversationHandler
from telegram.warnings import PTBUserWarning

from ..context import BotContext


def flow_handler(**kwargs: Any) -> ConversationHandler[BotContext]:
    """A ConversationHandler for one user in one chat (per_chat, per_user; not per_message).

    PTB warns that with per_message=False a CallbackQueryHandler is not tracked per message.
    That is intended: a flow's buttons act on the user's current step (old buttons find the step
    moved on and say they expired), so the warning is silenced here, and only here.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        return ConversationHandler(per_chat=True, per_user=True, per_message=False, **kwargs)
