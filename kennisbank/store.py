"""The one SQLite database of a running bot: per-chat settings, and what later features add.

The schema carries a version (PRAGMA user_version) and grows only through MIGRATIONS, applied
in order on open, each in its own transaction, so an old database file upgrades itself on the
first start of a newer bot and a crash mid-upgrade leaves the previous version intact.

What is stored is listed for users in /privacy; never store a question's text or a name.
Feature modules keep their own queries but add their tables here, as a new migration at the end
(never edit a migration that has shipped).
"""
from __future__ import annotations

from pathlib import Path

import aiosqlite

# Each entry: (version, SQL script). Versions are consecutive from 1.
MIGRATIONS: list[tuple[int, str]] = [
    (1, """
        CREATE TABLE chat (
            chat_id     INTEGER PRIMARY KEY,
            postcode    INTEGER,
            updated_at  TEXT NOT NULL DEFAULT (datetime('now'))
        );
    """),
    # 2: anonymous need signals (kennisbank/signals.py): no text, no user or chat id.
    (2, """
        CREATE TABLE signal (
            id            INTEGER PRIMARY KEY,
            day           TEXT NOT NULL,
            municipality  TEXT,
            themes        TEXT NOT NULL DEFAULT '',
            services      TEXT NOT NULL DEFAULT '',
            fitted        INTEGER NOT NULL,
            feedback      TEXT
        );
        CREATE INDEX signal_day ON signal(day);
    """),
]

DEFAULT_DB = Path("welzijnsbot.sqlite3")


class Store:
    """Async access to the database file; open() creates and migrates it."""

    def __init__(self, path: Path | str = DEFAULT_DB):
        self.path = Path(path)
        self.db: aiosqlite.Connection | None = None

    async def open(self) -> "Store":
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = await aiosqlite.connect(self.path, isolation_level=None)
        self.db.row_factory = aiosqlite.Row
        await self.db.execute("PRAGMA journal_mode=WAL")
        # FULL: a confirmed change is on disk before the user sees "bewaard".
        await self.db.execute("PRAGMA synchronous=FULL")
        await self.db.execute("PRAGMA foreign_keys=ON")
        await self.db.execute("PRAGMA busy_timeout=5000")
        await self._migrate()
        return self

    async def close(self) -> None:
        if self.db is not None:
            await self.db.close()
            self.db = None

    async def __aenter__(self) -> "Store":
        return await self.open()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0])

    @property
    def conn(self) -> aiosqlite.Connection:
        if self.db is None:
            raise RuntimeError("Store is not open")
        return self.db

    async def _migrate(self) -> None:
        current = await self.schema_version()
        for version, script in MIGRATIONS:
            if version <= current:
                continue
            try:
                await self.conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {int(version)};\nCOMMIT;")
            except Exception:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise

    # ── per-chat settings ─────────────────────────────────────────────────────────────

    async def get_postcode(self, chat_id: int) -> int | None:
        async with self.conn.execute("SELECT postcode FROM chat WHERE chat_id = ?", (chat_id,)) as cur:
            row = await cur.fetchone()
        return row["postcode"] if row else None

    async def set_postcode(self, chat_id: int, postcode: int) -> None:
        await self.conn.execute(
            "INSERT INTO chat (chat_id, postcode) VALUES (?, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET postcode = excluded.postcode, updated_at = datetime('now')",
            (chat_id, postcode),
        )

    async def forget_chat(self, chat_id: int) -> None:
        """/vergeet: everything stored for this chat. Features with per-chat rows extend this."""
        await self.conn.execute("DELETE FROM chat WHERE chat_id = ?", (chat_id,))
