"""Replies the bot owes a chat, kept in the bot's SQLite file until Telegram accepted them.

Table `outbox` (migration 8 in kennisbank/store.py). The sender is bot/outbox.py; this module
only stores and never imports Telegram. A row holds what the reply needs and nothing else: the
chat id, the bot's own text (HTML) and buttons (JSON, written and read by the sender), when it
was written, its state and how many attempts failed (with the error's class name). Never the
question: the reply is composed before it is written.

States:
  owed     to be sent; the sender takes the oldest owed row of a chat first (order per chat)
  sending  a request for it may be on its way to Telegram (claimed just before sending)

A row is deleted once Telegram accepted it, or when the sender gives it up (refused, too old,
or possibly delivered). A row still `sending` when the bot starts was cut off by a crash or
kill: Telegram may have delivered it, so it is deleted, never resent (bot/outbox.py says why).
`sweep` deletes rows older than MAX_AGE whatever their state, so a reply's text is never kept
longer than that.

Every read is one step (store.fetch_all says why): a reply was once sent without the outbox
because another handler's INSERT ran inside an outbox read's snapshot ("database is locked").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiosqlite

from .store import fetch_all, fetch_one

# An answer older than this has missed its moment and is dropped instead of sent. A school asks
# between two lessons: after ten minutes it has asked again, phoned someone, or gone back to
# class, and a stale answer (or an apology saying "probeer het zo meteen nog eens") arriving an
# hour later, after a long Telegram outage, confuses more than it helps. Ten minutes also
# outlasts every outage the bot is expected to ride out (Telegram's 5xx and 429 spells last
# seconds to a few minutes) and matches how long a question waits for the school's place
# (bot/answering.PENDING_FOR). It bounds how long a reply's text stays on disk, too.
MAX_AGE = timedelta(minutes=10)

OWED, SENDING = "owed", "sending"


@dataclass(frozen=True)
class OwedReply:
    id: int
    chat_id: int
    html: str
    buttons: str        # JSON, the sender's own format
    created_at: datetime
    attempts: int

    def too_old(self, now: datetime, max_age: timedelta = MAX_AGE) -> bool:
        return now - self.created_at > max_age


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:   # an unreadable time is an old row
        return datetime(1970, 1, 1, tzinfo=UTC)


_COLUMNS = "id, chat_id, html, buttons, created_at, attempts"


def _row(row: aiosqlite.Row | tuple[object, ...]) -> OwedReply:
    id_, chat_id, html, buttons, created_at, attempts = tuple(row)
    return OwedReply(int(str(id_)), int(str(chat_id)), str(html), str(buttons), _parse(str(created_at)),
                     int(str(attempts)))


async def add(conn: aiosqlite.Connection, chat_id: int, html: str, buttons: str,
              now: datetime | None = None) -> int:
    """Write an owed reply; its id orders it after every earlier reply to the same chat."""
    cur = await conn.execute("INSERT INTO outbox (chat_id, html, buttons, created_at) VALUES (?, ?, ?, ?)",
                             (chat_id, html, buttons, _iso(now or _now())))
    row_id = cur.lastrowid
    await cur.close()
    assert row_id is not None  # an INSERT into a rowid table always sets it
    return row_id


async def next_owed(conn: aiosqlite.Connection, chat_id: int) -> OwedReply | None:
    """The oldest owed reply of this chat (None when nothing is owed)."""
    row = await fetch_one(conn, f"SELECT {_COLUMNS} FROM outbox WHERE chat_id = ? AND state = ? "
                                "ORDER BY id LIMIT 1", (chat_id, OWED))
    return _row(row) if row is not None else None


async def owed_chats(conn: aiosqlite.Connection) -> list[int]:
    """Chats with at least one owed reply, the longest waiting first."""
    found = await fetch_all(conn, "SELECT chat_id, MIN(id) AS first FROM outbox WHERE state = ? "
                                  "GROUP BY chat_id ORDER BY first", (OWED,))
    return [int(row[0]) for row in found]


async def claim(conn: aiosqlite.Connection, reply_id: int) -> bool:
    """owed → sending, just before the request; False if the row is gone (/vergeet, a sweep)."""
    cur = await conn.execute("UPDATE outbox SET state = ? WHERE id = ? AND state = ?", (SENDING, reply_id, OWED))
    claimed = cur.rowcount == 1
    await cur.close()
    return claimed


async def release(conn: aiosqlite.Connection, reply_id: int, error: str) -> None:
    """sending → owed after a failure that certainly delivered nothing (5xx, 429, no connection)."""
    await conn.execute("UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? "
                       "WHERE id = ? AND state = ?", (OWED, error[:80], reply_id, SENDING))


async def remove(conn: aiosqlite.Connection, reply_id: int) -> None:
    """Delivered, or given up: the row (and its text) is gone."""
    await conn.execute("DELETE FROM outbox WHERE id = ?", (reply_id,))


async def settle_interrupted(conn: aiosqlite.Connection) -> int:
    """At start-up: rows a crash left `sending` may have reached the chat; delete them. How many."""
    cur = await conn.execute("DELETE FROM outbox WHERE state = ?", (SENDING,))
    count = cur.rowcount
    await cur.close()
    return max(count, 0)


async def sweep(conn: aiosqlite.Connection, now: datetime | None = None, max_age: timedelta = MAX_AGE) -> int:
    """Delete every row older than max_age (owed or not): a reply's text is never kept longer."""
    cur = await conn.execute("DELETE FROM outbox WHERE created_at < ?", (_iso((now or _now()) - max_age),))
    count = cur.rowcount
    await cur.close()
    return max(count, 0)


async def count(conn: aiosqlite.Connection, chat_id: int | None = None) -> int:
    """Rows still in the outbox (of one chat, or all)."""
    where, args = ("WHERE chat_id = ?", (chat_id,)) if chat_id is not None else ("", ())
    row = await fetch_one(conn, f"SELECT COUNT(*) FROM outbox {where}", args)
    return int(row[0]) if row is not None else 0
