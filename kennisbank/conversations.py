"""Where a multi-step conversation stands, per (chat, user), in the bot's SQLite file.

Tables `conversation` and `flow_data` (migration 7 in kennisbank/store.py). The bot's
persistence (bot/persistence.py) is the only writer; it stores a flow's step and the flow's
own data (organisation data, report ids, message ids) and never a question's text.

States and data are JSON. A row older than `max_age` is treated as absent when read: a flow
abandoned before a restart does not wait for text forever after it.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite

from .store import fetch_all

ConversationKey = tuple[int, int]          # (chat id, user id)
JSONValue = Any                            # what json.dumps accepts


def _now() -> datetime:
    return datetime.now(UTC)


def _fresh(updated_at: str, max_age: timedelta | None, now: datetime) -> bool:
    if max_age is None:
        return True
    try:
        return now - datetime.fromisoformat(updated_at) <= max_age
    except ValueError:   # an unreadable time is an old row
        return False


class ConversationRepository:
    """Typed access to the two tables; every write is its own (autocommitted) statement."""

    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def states(self, name: str, max_age: timedelta | None = None,
                     now: datetime | None = None) -> dict[ConversationKey, JSONValue]:
        """Every stored state of conversation `name`, without the rows older than max_age."""
        now = now or _now()
        rows = await fetch_all(self.conn, "SELECT chat_id, user_id, state, updated_at FROM conversation WHERE name = ?",
                               (name,))
        result: dict[ConversationKey, JSONValue] = {}
        for chat_id, user_id, state, updated_at in rows:
            if _fresh(updated_at, max_age, now):
                result[(int(chat_id), int(user_id))] = json.loads(state)
        return result

    async def set_state(self, name: str, key: ConversationKey, state: JSONValue | None,
                        now: datetime | None = None) -> None:
        """state None: the conversation ended, its row goes."""
        chat_id, user_id = key
        if state is None:
            await self.conn.execute("DELETE FROM conversation WHERE name = ? AND chat_id = ? AND user_id = ?",
                                    (name, chat_id, user_id))
            return
        await self.conn.execute(
            "INSERT INTO conversation (name, chat_id, user_id, state, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(name, chat_id, user_id) DO UPDATE SET state = excluded.state, "
            "updated_at = excluded.updated_at",
            (name, chat_id, user_id, json.dumps(state), (now or _now()).isoformat(timespec="seconds")))

    async def flow_data(self, max_age: timedelta | None = None,
                        now: datetime | None = None) -> dict[int, dict[str, JSONValue]]:
        """Per user id, the flows' data (a dict per flow name)."""
        now = now or _now()
        rows = await fetch_all(self.conn, "SELECT user_id, data, updated_at FROM flow_data")
        result: dict[int, dict[str, JSONValue]] = {}
        for user_id, data, updated_at in rows:
            if _fresh(updated_at, max_age, now):
                loaded = json.loads(data)
                if isinstance(loaded, dict):
                    result[int(user_id)] = loaded
        return result

    async def set_flow_data(self, user_id: int, data: Mapping[str, JSONValue] | None,
                            now: datetime | None = None) -> None:
        """data None or empty: nothing kept for this user."""
        if not data:
            await self.conn.execute("DELETE FROM flow_data WHERE user_id = ?", (user_id,))
            return
        await self.conn.execute(
            "INSERT INTO flow_data (user_id, data, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
            (user_id, json.dumps(dict(data), ensure_ascii=False), (now or _now()).isoformat(timespec="seconds")))
