"""The one SQLite database of a running bot: per-chat settings, and what later features add.

The schema carries a version (PRAGMA user_version) and grows only through MIGRATIONS, applied
in order on open, each in its own transaction, so an old database file upgrades itself on the
first start of a newer bot and a crash mid-upgrade leaves the previous version intact.

What is stored is listed for users in /privacy; never store a question's text or a name.
Feature modules keep their own queries but add their tables here, as a new migration at the end
(never edit a migration that has shipped), and read through `fetch_all` / `fetch_one` (one step;
they say why).
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

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
    # 3: changes by organisations on top of the region files (kennisbank/revisions.py).
    #    old/new are JSON; user_id is the editor's Telegram id (NULL: the command line).
    (3, """
        CREATE TABLE revision (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            at            TEXT NOT NULL,
            user_id       INTEGER,
            service_id    TEXT NOT NULL,
            organisation  TEXT NOT NULL,
            region_id     TEXT NOT NULL,
            field         TEXT NOT NULL,
            old           TEXT NOT NULL,
            new           TEXT NOT NULL,
            reverts       INTEGER REFERENCES revision(id)
        );
        CREATE INDEX revision_service ON revision(service_id, id);
        CREATE INDEX revision_organisation ON revision(organisation, id);
    """),
    # 4: who may change what (kennisbank/editors.py): coordinators per region, editors per
    #    organisation, one-time invite codes (only a salted hash) and failed code attempts.
    (4, """
        CREATE TABLE coordinator (
            user_id   INTEGER NOT NULL,
            region    TEXT NOT NULL DEFAULT '',
            added_at  TEXT NOT NULL,
            PRIMARY KEY (user_id, region)
        );
        CREATE TABLE invite (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            organisation  TEXT NOT NULL,
            salt          BLOB NOT NULL,
            code_hash     BLOB NOT NULL,
            created_at    TEXT NOT NULL,
            expires_at    TEXT NOT NULL,
            used_at       TEXT,
            used_by       INTEGER
        );
        CREATE TABLE editor (
            user_id       INTEGER NOT NULL,
            organisation  TEXT NOT NULL,
            invite_id     INTEGER REFERENCES invite(id),
            bound_at      TEXT NOT NULL,
            PRIMARY KEY (user_id, organisation)
        );
        CREATE TABLE code_attempt (
            user_id  INTEGER NOT NULL,
            at       TEXT NOT NULL
        );
        CREATE INDEX code_attempt_user ON code_attempt(user_id, at);
    """),
    # 5: the offer stays right (kennisbank/reports.py, kennisbank/freshness.py): "klopt niet
    #    meer" reports (the remark is about the service, never a family), 👍/👎 on a service's
    #    card, and reminder sends. No chat id of the reporter anywhere.
    (5, """
        CREATE TABLE report (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at    TEXT NOT NULL,
            service_id    TEXT NOT NULL,
            organisation  TEXT NOT NULL,
            region_id     TEXT NOT NULL,
            reason        TEXT NOT NULL,
            remark        TEXT,
            notified_at   TEXT,
            resolved_at   TEXT,
            resolution    TEXT,
            resolved_by   INTEGER
        );
        CREATE INDEX report_open ON report(resolved_at, service_id);
        CREATE TABLE service_feedback (
            id          INTEGER PRIMARY KEY,
            day         TEXT NOT NULL,
            service_id  TEXT NOT NULL,
            feedback    TEXT NOT NULL
        );
        CREATE INDEX service_feedback_service ON service_feedback(service_id);
        CREATE TABLE reminder (
            id          INTEGER PRIMARY KEY,
            service_id  TEXT NOT NULL,
            sent_on     TEXT NOT NULL,
            kind        TEXT NOT NULL
        );
        CREATE INDEX reminder_service ON reminder(service_id, sent_on);
    """),
    # 6: where an editor is in the /beheer conversation (bot/admin_session.py), so it survives a
    #    restart. Organisation data only (which service and field, a pending new value); never
    #    a question's text.
    (6, """
        CREATE TABLE admin_session (
            user_id     INTEGER PRIMARY KEY,
            state       TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
    """),
    # 7: multi-step conversations (/beheer, the "klopt niet meer" remark) are python-telegram-bot
    #    ConversationHandlers; their state survives a restart through bot/persistence.py, which
    #    keeps it here (kennisbank/conversations.py). `conversation`: which step a (chat, user)
    #    is at; `flow_data`: the flow's own data per user (organisation data, a report id, a
    #    prompt's message id), never a question's text. admin_session (6) is replaced: a step
    #    half-done at the upgrade starts over.
    (7, """
        DROP TABLE admin_session;
        CREATE TABLE conversation (
            name        TEXT NOT NULL,
            chat_id     INTEGER NOT NULL,
            user_id     INTEGER NOT NULL,
            state       TEXT NOT NULL,
            updated_at  TEXT NOT NULL,
            PRIMARY KEY (name, chat_id, user_id)
        );
        CREATE TABLE flow_data (
            user_id     INTEGER PRIMARY KEY,
            data        TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
    """),
    # 8: replies the bot owes a chat, written before they are sent (kennisbank/outbox.py, sent by
    #    bot/outbox.py). Only what the reply needs: the chat, the bot's own text and buttons, when
    #    it was written and how far delivery got; never the question. A row is deleted once
    #    Telegram accepted it (or it was given up) and swept after outbox.MAX_AGE at the latest.
    (8, """
        CREATE TABLE outbox (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id     INTEGER NOT NULL,
            html        TEXT NOT NULL,
            buttons     TEXT NOT NULL DEFAULT '[]',
            created_at  TEXT NOT NULL,
            state       TEXT NOT NULL DEFAULT 'owed',
            attempts    INTEGER NOT NULL DEFAULT 0,
            last_error  TEXT
        );
        CREATE INDEX outbox_chat ON outbox(chat_id, state, id);
    """),
    # 9: an organisation is its stable key (kennisbank.schema.organisation_key: an explicit
    #    organisation_id, else "region/name"), not its name: a namesake in another region is
    #    another organisation. Editors and invites get `org_key` (what grants); `organisation`
    #    stays as the name shown. A user may be bound to two namesakes, so the editor's key is
    #    (user_id, org_key). Rows from before carry no region: SQL cannot tell which region's
    #    namesake was meant, so their key is filled by kennisbank.editors.reconcile against the
    #    region files (at start and after every reload), and only where the name is one
    #    organisation; until then they grant nothing.
    (9, """
        CREATE TABLE editor_v9 (
            user_id       INTEGER NOT NULL,
            organisation  TEXT NOT NULL,
            org_key       TEXT,
            invite_id     INTEGER REFERENCES invite(id),
            bound_at      TEXT NOT NULL
        );
        INSERT INTO editor_v9 (user_id, organisation, invite_id, bound_at)
            SELECT user_id, organisation, invite_id, bound_at FROM editor;
        DROP TABLE editor;
        ALTER TABLE editor_v9 RENAME TO editor;
        CREATE UNIQUE INDEX editor_user_org ON editor(user_id, org_key);
        CREATE INDEX editor_org ON editor(org_key);
        ALTER TABLE invite ADD COLUMN org_key TEXT;
    """),
]

DEFAULT_DB = Path("welzijnsbot.sqlite3")
BUSY_TIMEOUT_MS = 15_000   # how long a writer waits for another process's write lock
SQLITE_HEADER = b"SQLite format 3\x00"
RESTORE_HINT = ("Zet een reservekopie van dit bestand terug (stop eerst de bot), of verplaats het en "
                "start opnieuw met een lege databank: dan gaan de wijzigingen van organisaties, hun "
                "koppelingen en de signalen verloren.")


async def fetch_all(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> list[Any]:
    """Every row of one read, executed and fetched in one step (one job on aiosqlite's thread).

    Never `execute` and a later fetch: aiosqlite runs a connection's statements in the order they
    were queued, so another handler's write on the same connection could run between the two
    steps, inside the read's snapshot, and after another connection's commit SQLite refuses such a
    write at once ("database is locked"), whatever the busy timeout (tests/test_outbox.py)."""
    return list(await conn.execute_fetchall(sql, params))


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> Any | None:
    """The first row of one read (fetch_all), or None."""
    rows = await fetch_all(conn, sql, params)
    return rows[0] if rows else None


class StoreError(Exception):
    """The database file cannot be used; the message (Dutch) says which file, why and what to do."""


# SQLite's result codes for a damaged file (also its extended codes, e.g. SQLITE_CORRUPT_INDEX).
# "database is locked" (SQLITE_BUSY/LOCKED) or a full disk is no damage: those are not in here.
CORRUPTION_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
CORRUPTION_WORDS = ("malformed", "file is not a database")


def is_corruption(exc: BaseException | None) -> bool:
    """Is this error (or what caused it) SQLite saying the file is damaged?"""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DatabaseCorrupt):
            return True
        if isinstance(exc, sqlite3.DatabaseError):
            name = getattr(exc, "sqlite_errorname", "") or ""
            if name.startswith(CORRUPTION_CODES) or any(w in str(exc).lower() for w in CORRUPTION_WORDS):
                return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


class DatabaseCorrupt(StoreError):
    """The file turned out damaged while the bot runs: nothing is written until it is restored."""

    def __init__(self, path: Path | str):
        super().__init__(f"De databank {path} is beschadigd; er wordt niets meer in bewaard. " + RESTORE_HINT)


def check_existing(path: Path) -> None:
    """A database is only created where none exists: an existing file that is empty (truncated,
    say) or is no SQLite database is refused instead of silently starting afresh."""
    if str(path) == ":memory:" or not path.exists():
        return
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"De databank {path} is niet leesbaar ({exc.strerror or exc}).") from None
    if not header:
        raise StoreError(f"De databank {path} is leeg (0 bytes), terwijl ze gegevens zou moeten bevatten. "
                         + RESTORE_HINT)
    if header != SQLITE_HEADER:
        raise StoreError(f"{path} is geen SQLite-databank (beschadigd of een ander bestand). " + RESTORE_HINT)


class Store:
    """Async access to the database file; open() creates and migrates it."""

    def __init__(self, path: Path | str = DEFAULT_DB):
        self.path = Path(path)
        self.db: aiosqlite.Connection | None = None
        self.counts_db: aiosqlite.Connection | None = None
        # One write transaction at a time in this process: concurrent handlers (three /vergeet at
        # once, several editors confirming) queue here instead of failing on SQLite's lock.
        self._write_lock = asyncio.Lock()
        # Set when SQLite reports the file damaged while running (note_error): from then on the
        # connections are query_only, so no write can make it worse or be half-kept, and reads
        # (the answers) go on as far as the file allows. Listeners hear it once (the bot alerts
        # the coordinators).
        self.corrupt: str | None = None
        self._corruption_listeners: list[Callable[[str], Awaitable[object]]] = []

    async def open(self) -> Store:
        if str(self.path) != ":memory:":
            check_existing(self.path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = await aiosqlite.connect(self.path, isolation_level=None)
        self.db.row_factory = aiosqlite.Row
        await self.db.execute("PRAGMA journal_mode=WAL")
        # FULL: a confirmed change is on disk before the user sees "bewaard".
        await self.db.execute("PRAGMA synchronous=FULL")
        await self.db.execute("PRAGMA foreign_keys=ON")
        await self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await self._migrate()
        # Anonymous counts (signals) and the outbox need no fsync per question: a second
        # connection with synchronous=NORMAL keeps them off the answer's critical path. In WAL
        # mode a commit survives a crash of the bot; a power cut can lose the last few signals or
        # owed replies, never a confirmed edit (those go through `conn`). secure_delete: a
        # delivered reply's text is overwritten in the file when its row is deleted.
        if str(self.path) == ":memory:":
            return self  # a second connection would open another, empty database
        self.counts_db = await aiosqlite.connect(self.path, isolation_level=None)
        await self.counts_db.execute("PRAGMA synchronous=NORMAL")
        await self.counts_db.execute("PRAGMA secure_delete=ON")
        await self.counts_db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return self

    async def close(self) -> None:
        if self.counts_db is not None:
            await self.counts_db.close()
            self.counts_db = None
        if self.db is not None:
            await self.db.close()
            self.db = None

    async def __aenter__(self) -> Store:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        row = await fetch_one(self.conn, "PRAGMA user_version")
        assert row is not None  # a PRAGMA that reads a value always returns its row
        return int(row[0])

    # ── damage found while running ─────────────────────────────────────────────────────

    def on_corruption(self, listener: Callable[[str], Awaitable[object]]) -> None:
        """Call `listener(error name)` the first time the file turns out to be damaged."""
        self._corruption_listeners.append(listener)

    async def note_error(self, exc: BaseException | None) -> bool:
        """Look at a database error someone caught: if it says the file is damaged, stop all
        writes and tell the listeners (once). True when the store is (now or already) corrupt."""
        if self.corrupt is not None:
            return True
        if not is_corruption(exc):
            return False
        self.corrupt = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
        log.critical("database %s is damaged (%s): writes refused until it is restored", self.path, self.corrupt)
        for conn in (self.db, self.counts_db):
            if conn is not None:
                try:
                    await conn.execute("PRAGMA query_only=ON")
                except sqlite3.Error as err:   # it is broken; the flag still refuses transactions
                    log.error("query_only not set: %s", type(err).__name__)
        for listener in self._corruption_listeners:   # they return at once (the bot starts a task)
            await listener(self.corrupt)
        return True

    def refuse_if_corrupt(self) -> None:
        if self.corrupt is not None:
            raise DatabaseCorrupt(self.path)

    @property
    def counts(self) -> aiosqlite.Connection:
        """For anonymous signal rows only; everything else uses `conn`."""
        return self.counts_db if self.counts_db is not None else self.conn

    @property
    def relaxed(self) -> aiosqlite.Connection:
        """For rows that need no fsync of their own: anonymous signals and the outbox
        (kennisbank/outbox.py). The same connection as `counts`."""
        return self.counts

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
            except BaseException:   # also a cancelled task: never leave the transaction open
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise

    # ── per-chat settings ─────────────────────────────────────────────────────────────

    async def get_postcode(self, chat_id: int) -> int | None:
        row = await fetch_one(self.conn, "SELECT postcode FROM chat WHERE chat_id = ?", (chat_id,))
        return row["postcode"] if row else None

    async def set_postcode(self, chat_id: int, postcode: int) -> None:
        self.refuse_if_corrupt()
        await self.conn.execute(
            "INSERT INTO chat (chat_id, postcode) VALUES (?, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET postcode = excluded.postcode, updated_at = datetime('now')",
            (chat_id, postcode),
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error or cancel.

        On a connection of its own (for a file), so that no statement of another handler on the
        shared connection slips into (or is rolled back with) it; one at a time in this process,
        and across processes (the command line and the bot) on SQLite's write lock.
        """
        self.refuse_if_corrupt()
        async with self._write_lock:
            self.refuse_if_corrupt()
            if str(self.path) == ":memory:":   # one database per connection: use the shared one
                conn, own = self.conn, False
            else:
                conn, own = await aiosqlite.connect(self.path, isolation_level=None), True
            try:
                conn.row_factory = aiosqlite.Row
                if own:
                    await conn.execute("PRAGMA synchronous=FULL")
                    await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        await conn.execute("ROLLBACK")
                    raise
                await conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if await self.note_error(exc):
                    raise DatabaseCorrupt(self.path) from exc
                raise
            finally:
                if own:
                    await conn.close()

    async def forget_chat(self, chat_id: int) -> None:
        """/vergeet: everything stored for this chat, in one transaction.

        In a private chat the chat id is the user id, so an editor's binding and a half-done
        /beheer step go too. Kept on purpose: who made a confirmed change (the revision log is
        the organisations' accountability) and recent wrong-code tries (else /vergeet would
        reset the rate limit). Features with new per-chat rows add them here.
        """
        async with self.transaction() as conn:
            await conn.execute("DELETE FROM chat WHERE chat_id = ?", (chat_id,))
            await conn.execute("DELETE FROM conversation WHERE chat_id = ? OR user_id = ?", (chat_id, chat_id))
            await conn.execute("DELETE FROM flow_data WHERE user_id = ?", (chat_id,))
            await conn.execute("DELETE FROM editor WHERE user_id = ?", (chat_id,))
            await conn.execute("DELETE FROM outbox WHERE chat_id = ?", (chat_id,))
