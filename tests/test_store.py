"""The database file: migrations, and what /vergeet removes (and keeps, on purpose)."""
from __future__ import annotations

from kennisbank.store import MIGRATIONS, Store


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
