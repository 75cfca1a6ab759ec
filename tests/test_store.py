"""The database file: migrations, and what /vergeet removes (and keeps, on purpose)."""
from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys

import pytest
from telegram.error import Conflict

from bot.app import CONFLICT_LINE, ShortConfigErrors
from bot.commands.run import single_instance
from kennisbank.store import MIGRATIONS, Store, StoreError


async def test_a_new_file_gets_every_migration(tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        assert await store.schema_version() == MIGRATIONS[-1][0]
    async with Store(tmp_path / "bot.sqlite3") as store:  # reopening applies nothing twice
        assert await store.schema_version() == MIGRATIONS[-1][0]


async def test_vergeet_removes_the_chat_the_binding_and_the_admin_step(tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        conn = store.conn
        await store.set_postcode(42, 9801)
        await store.set_postcode(43, 9810)
        await conn.execute("INSERT INTO editor (user_id, organisation, bound_at) VALUES (42, 'CAW', 'x')")
        await conn.execute("INSERT INTO editor (user_id, organisation, bound_at) VALUES (43, 'CAW', 'x')")
        await conn.execute("INSERT INTO conversation VALUES ('beheer', 42, 42, '\"value\"', 'x')")
        await conn.execute("INSERT INTO flow_data VALUES (42, '{}', 'x')")
        await store.forget_chat(42)
        assert await store.get_postcode(42) is None and await store.get_postcode(43) == 9810
        async with conn.execute("SELECT user_id FROM editor") as cur:
            assert [r[0] for r in await cur.fetchall()] == [43]
        for table in ("conversation", "flow_data"):
            async with conn.execute(f"SELECT COUNT(*) FROM {table}") as cur:
                assert tuple(await cur.fetchone() or ()) == (0,)


@pytest.mark.parametrize("content", [b"", b"dit is geen databank" * 10])
async def test_an_empty_or_foreign_file_is_refused_not_started_afresh(tmp_path, content):
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(content)
    with pytest.raises(StoreError) as refused:
        await Store(path).open()
    assert str(path) in str(refused.value) and "reservekopie" in str(refused.value)
    assert path.read_bytes() == content                      # left exactly as it was


async def test_a_missing_file_is_created_and_an_existing_one_reopened(tmp_path):
    path = tmp_path / "sub" / "bot.sqlite3"
    async with Store(path) as store:
        await store.set_postcode(1, 9801)
    async with Store(path) as store:
        assert await store.get_postcode(1) == 9801


def test_run_refuses_an_empty_database_in_one_sentence(tmp_path):
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run", "--db", str(path)], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "TELEGRAM_BOT_TOKEN": "123:abc"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith(f"De databank {path} is leeg")


def test_a_second_bot_on_the_same_database_is_refused(tmp_path):
    path = tmp_path / "bot.sqlite3"
    first = single_instance(path)
    try:
        with pytest.raises(StoreError, match="draait al een bot"):
            single_instance(path)
    finally:
        first.close()
    single_instance(path).close()                             # free again once the first is gone


def test_a_409_conflict_is_one_line_in_the_log():
    record = logging.LogRecord("telegram.ext.Updater", logging.ERROR, __file__, 1, "Error while getting Updates",
                               None, (Conflict, Conflict("terminated by other getUpdates request"), None))
    ShortConfigErrors().filter(record)
    assert record.exc_info is None and record.getMessage() == CONFLICT_LINE


async def test_concurrent_forgets_and_edits_all_land(tmp_path, bench_kb):
    """Three /vergeet at once shared one connection's transaction (two were lost); many editors
    confirming at once hit 'database is locked'. Writes now queue: every one lands."""
    from kennisbank import revisions as rv

    async with Store(tmp_path / "bot.sqlite3") as store:
        for chat_id in (1, 2, 3):
            await store.set_postcode(chat_id, 9801)
            await store.conn.execute("INSERT INTO editor (user_id, organisation, bound_at) VALUES (?, 'CAW', 'x')",
                                     (chat_id,))
        await asyncio.gather(*(store.forget_chat(chat_id) for chat_id in (1, 2, 3)))
        assert [await store.get_postcode(c) for c in (1, 2, 3)] == [None, None, None]
        async with store.conn.execute("SELECT COUNT(*) FROM editor") as cur:
            assert tuple(await cur.fetchone() or ()) == (0,)
        service = "caw-lindeland-onthaal"
        days = [f"2026-11-{d:02d}" for d in range(1, 21)]
        await asyncio.gather(*(rv.record(store, bench_kb, user_id=10 + i, service_id=service,
                                         field="last_verified", new=day) for i, day in enumerate(days)))
        assert len(await rv.load_revisions(store)) == len(days)
