"""PTB persistence for the multi-step conversations, on the bot's own SQLite file.

A small `BasePersistence` (see python-telegram-bot's persistentconversationbot.py example) that
keeps only what a conversation needs to resume after a restart: the state of every persistent
`ConversationHandler` and, per user, the flows' own data under the keys in `flows` (for
/beheer: organisation, service, field, pending value; for the remark: a report id and a
message id). Other user_data keys, chat_data, bot_data and callback data are never written.
Rows go through kennisbank/conversations.py (tables of migration 7).

It opens its own connection, because PTB reads persistence in `Application.initialize()`, before
the bot's Store is opened, and writes a last time in `shutdown()`, after it may be closed.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from kennisbank.conversations import ConversationRepository
from kennisbank.store import Store

log = logging.getLogger(__name__)

FlowData = dict[str, Any]
# The shapes PTB's BasePersistence uses (telegram.ext._utils.types, private there).
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]
UPDATE_INTERVAL = 1.0   # seconds between writes of what changed; also written at shutdown


def _canonical(data: FlowData) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


class ConversationPersistence(BasePersistence[FlowData, dict[str, Any], dict[str, Any]]):
    """flows: the user_data keys that are a flow's data; max_age: per conversation name, how
    long a stored state stays valid (its conversation_timeout), so an abandoned step does not
    come back to life after a long restart."""

    def __init__(self, path: Path | str, flows: frozenset[str], max_age: Mapping[str, timedelta]):
        super().__init__(store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True,
                                                     callback_data=False),
                         update_interval=UPDATE_INTERVAL)
        self.path = Path(path)
        self.flows = flows
        self.max_age = dict(max_age)
        self._store: Store | None = None
        self._written: dict[int, str] = {}   # user id -> the flow data last written (as JSON)

    async def _repository(self) -> ConversationRepository:
        if self._store is None or self._store.db is None:
            self._store = await Store(self.path).open()
        return ConversationRepository(self._store.conn)

    # ── what is kept ────────────────────────────────────────────────────────────────────

    async def get_conversations(self, name: str) -> ConversationDict:
        repository = await self._repository()
        states = await repository.states(name, self.max_age.get(name))
        return dict(states.items())

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        if len(key) != 2 or not all(isinstance(part, int) for part in key):
            raise ValueError(f"conversation {name}: only per-chat and per-user keys are kept, not {key!r}")
        repository = await self._repository()
        await repository.set_state(name, (int(key[0]), int(key[1])), new_state)

    async def get_user_data(self) -> dict[int, FlowData]:
        repository = await self._repository()
        longest = max(self.max_age.values(), default=None)
        loaded = {user_id: {k: v for k, v in data.items() if k in self.flows}
                  for user_id, data in (await repository.flow_data(longest)).items()}
        self._written = {user_id: _canonical(data) for user_id, data in loaded.items()}
        return loaded

    async def update_user_data(self, user_id: int, data: FlowData) -> None:
        """PTB calls this for every user with an update since the last write; only a change of
        the flows' data is written (most users never have any)."""
        kept = {k: v for k, v in data.items() if k in self.flows and v}
        text = _canonical(kept)
        if self._written.get(user_id, _canonical({})) == text:
            return
        repository = await self._repository()
        await repository.set_flow_data(user_id, kept)
        self._written[user_id] = text

    async def drop_user_data(self, user_id: int) -> None:
        repository = await self._repository()
        await repository.set_flow_data(user_id, None)
        self._written.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: FlowData) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def flush(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None

    # ── what is never kept (store_data says so; PTB still needs the methods) ────────────

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        """Never kept."""

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        """Never kept."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Never kept."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Never kept."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Never kept."""

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        """Never kept."""
