"""The typed callback context: `context.state` is the bot's BotState (bot/state.py).

Registered in bot/app.py through `ContextTypes(context=BotContext)`, as in
python-telegram-bot's contexttypesbot.py example.
"""
from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext, ExtBot

from .outbox import OUTBOX_KEY, Outbox
from .state import STATE_KEY, BotState

UserData = dict[str, Any]
ChatData = dict[str, Any]
BotData = dict[str, Any]


class BotContext(CallbackContext[ExtBot[None], UserData, ChatData, BotData]):
    @property
    def state(self) -> BotState:
        state: BotState = self.application.bot_data[STATE_KEY]
        return state

    @property
    def outbox(self) -> Outbox:
        """Where every reply goes (bot/outbox.py): handlers post, the outbox sends."""
        outbox: Outbox = self.application.bot_data[OUTBOX_KEY]
        return outbox
