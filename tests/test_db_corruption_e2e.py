"""The database file is damaged under the running bot (issue 14, "corruption found while
running"): the coordinators are alerted once, writes are refused with a clear sentence, and
questions are still answered. The real bot polls the Bot API stand-in; the damage is real: the
SQLite file's pages after the first (the schema) are overwritten while the bot has it open.
"""
from __future__ import annotations

import sqlite3

import pytest

from bot import admin_view, render
from kennisbank.store import DatabaseCorrupt, Store, is_corruption

REGION_COORDINATOR, ALL_COORDINATOR, SCHOOL, OTHER_SCHOOL = 900, 903, 4242, 4343
QUESTION = "papa krijgt brieven van een deurwaarder"


@pytest.fixture
def roles(monkeypatch):
    monkeypatch.setenv("WELZIJNSBOT_COORDINATORS", f"{REGION_COORDINATOR}:lindeland,{ALL_COORDINATOR}")


async def damage(store: Store) -> None:
    """Everything in the main file, then every page but the first overwritten with garbage."""
    await store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = store.path
    async with store.conn.execute("PRAGMA page_size") as cur:
        row = await cur.fetchone()
    assert row is not None
    page_size = row[0]
    size = path.stat().st_size
    assert size > page_size
    with path.open("r+b") as fh:
        fh.seek(page_size)
        fh.write(bytes([0xA5]) * (size - page_size))


async def test_damage_while_running_alerts_coordinators_once_and_refuses_writes(bot, chat, standin, roles):
    school = chat(SCHOOL)
    await school.send("/postcode 9801")
    [before] = await school.send(QUESTION)
    assert "Schuldbemiddeling" in before.text
    await damage(bot.state.store)

    since = len(standin.calls)
    [refused] = await school.send("/vergeet")           # a write: finds the damage
    assert refused.text == render.database_damaged().html
    assert "niet bewaard" in refused.text and "coördinator is verwittigd" in refused.text
    assert bot.state.store.corrupt is not None
    for coordinator in (REGION_COORDINATOR, ALL_COORDINATOR):
        alert = await standin.wait_for("sendMessage", chat_id=coordinator, since=since)
        assert alert.text == admin_view.database_damaged(bot.state.store.corrupt).html
        assert "beschadigd" in alert.text

    # questions are still answered (the postcode was read before; the signal is lost, not the answer)
    [after] = await school.send(QUESTION)
    assert "Schuldbemiddeling" in after.text
    # every other write is refused with the same sentence, and no second alert goes out
    other = chat(OTHER_SCHOOL)
    for user, text in ((school, "/postcode 9802"), (other, "/postcode 9801"), (school, "/vergeet")):
        replies = await user.send(text)
        assert replies[-1].text == render.database_damaged().html, text
    # a school that set its postcode meanwhile is answered too (kept in memory, not saved)
    [answer] = await other.send(QUESTION)
    assert "Schuldbemiddeling" in answer.text
    for coordinator in (REGION_COORDINATOR, ALL_COORDINATOR):
        alerts = [c for c in standin.calls_to("sendMessage", chat_id=coordinator, since=since)
                  if "beschadigd" in c.text]
        assert len(alerts) == 1


async def test_a_locked_database_is_no_damage(tmp_path):
    """"database is locked" and other operational errors never trip the alarm; damage does."""
    locked = sqlite3.OperationalError("database is locked")
    assert not is_corruption(locked)
    assert is_corruption(sqlite3.DatabaseError("database disk image is malformed"))
    assert is_corruption(sqlite3.DatabaseError("file is not a database"))
    heard: list[str] = []

    async def listener(name: str) -> None:
        heard.append(name)

    async with Store(tmp_path / "bot.sqlite3") as store:
        store.on_corruption(listener)
        assert not await store.note_error(locked)
        await store.set_postcode(1, 9801)                 # still writable
        assert await store.note_error(sqlite3.DatabaseError("database disk image is malformed"))
        assert await store.note_error(sqlite3.DatabaseError("database disk image is malformed"))
        assert heard == ["DatabaseError"]                 # once
        with pytest.raises(DatabaseCorrupt, match="beschadigd"):
            await store.set_postcode(2, 9801)
        with pytest.raises(DatabaseCorrupt):
            async with store.transaction():
                pass
        with pytest.raises(sqlite3.OperationalError):   # query_only: not even a stray statement writes
            await store.counts.execute("INSERT INTO signal (day, themes, services, fitted) VALUES ('x', '', '', 0)")
        assert await store.get_postcode(1) == 9801        # reads go on
