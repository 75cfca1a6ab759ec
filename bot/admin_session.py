"""Where an editor is in the /beheer conversation, kept in SQLite so a restart loses nothing.

One row per Telegram user (migration 6). It holds organisation data only: which organisation,
service and field, the value shown in the preview and the pending new value. Never a question:
a text step ends after an hour without activity, and any other command ends it at once, so text
meant as a question is never taken for a value (and never stored here).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field as dataclass_field
from datetime import datetime, timedelta, timezone
from typing import Any

from kennisbank.store import Store

TEXT_STEPS = frozenset({"code", "value", "new"})   # steps in which typed text is for /beheer
IDLE_AFTER = timedelta(hours=1)


@dataclass
class Session:
    step: str = "idle"            # idle | code | value | choose | confirm | new
    org: str | None = None        # the organisation chosen in the menu
    service: str | None = None    # service id being changed
    field: str | None = None      # kennisbank.revisions.FIELDS key, or a new-service step
    old: Any = None               # the value shown in the preview (compared when confirming)
    new: Any = None               # the pending new value
    selected: list = dataclass_field(default_factory=list)   # buttons ticked in a choose step
    draft: dict = dataclass_field(default_factory=dict)       # a new service, step by step
    choices: list = dataclass_field(default_factory=list)     # the options of a step that depend on the user
    at: str = ""                  # last activity, ISO UTC

    def touch(self, now: datetime | None = None) -> "Session":
        self.at = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
        return self

    def awaits_text(self, now: datetime | None = None) -> bool:
        if self.step not in TEXT_STEPS or not self.at:
            return False
        return (now or datetime.now(timezone.utc)) - datetime.fromisoformat(self.at) < IDLE_AFTER

    def reset(self, step: str = "idle") -> "Session":
        """Back to the menu, keeping only the chosen organisation."""
        return Session(step=step, org=self.org).touch()


async def load(store: Store, user_id: int) -> Session | None:
    async with store.conn.execute("SELECT state FROM admin_session WHERE user_id = ?", (user_id,)) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    try:
        data = json.loads(row[0])
        return Session(**{k: v for k, v in data.items() if k in Session.__dataclass_fields__})
    except (ValueError, TypeError):  # an unreadable row is a conversation to start over, not a crash
        return None


async def save(store: Store, user_id: int, session: Session) -> None:
    await store.conn.execute(
        "INSERT INTO admin_session (user_id, state, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        (user_id, json.dumps(asdict(session), ensure_ascii=False), session.at or ""))


async def clear(store: Store, user_id: int) -> None:
    await store.conn.execute("DELETE FROM admin_session WHERE user_id = ?", (user_id,))
