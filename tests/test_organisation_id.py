"""An organisation is its stable key: region + name, or an explicit organisation_id (issue 14).

The format rules `check` enforces, the schema 9 migration and how old bindings get their key,
and `invite` refusing a name that is used in several regions without --region.
"""
from __future__ import annotations

import asyncio
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main as cli
from kennisbank import editors, freshness
from kennisbank.loader import check_directory, load_knowledge_base
from kennisbank.store import MIGRATIONS, Store
from test_organisation_id_e2e import NAME, NORTH, SOUTH, region_file, write_kb


@pytest.fixture(autouse=True)
def _no_configured_coordinators(monkeypatch):
    monkeypatch.delenv(editors.ENV_COORDINATORS, raising=False)


def errors(folder: Path) -> list[str]:
    _kb, problems = check_directory(folder)
    return [str(p) for p in problems if not p.warning]


# ── the format ────────────────────────────────────────────────────────────────────────────

def test_files_without_organisation_id_keep_working_and_namesakes_are_two_organisations(tmp_path):
    kb = load_knowledge_base(write_kb(tmp_path / "kb"))
    north, south = kb.services[NORTH], kb.services[SOUTH]
    assert (north.organisation_id, north.org_key) == (None, "noordveld/huis van het kind")
    assert south.org_key == "zuidveld/huis van het kind"
    assert set(editors.organisations_by_key(kb)) == {north.org_key, south.org_key}


def test_one_organisation_id_may_serve_several_regions_under_one_name(tmp_path):
    folder = write_kb(tmp_path / "kb", north_id="hvhk")
    (folder / "zuidveld.yaml").write_text(region_file("zuidveld", 9902, SOUTH, 22, NAME, "hvhk"), encoding="utf-8")
    kb = load_knowledge_base(folder)
    assert kb.services[NORTH].org_key == kb.services[SOUTH].org_key == "hvhk"
    assert editors.organisations_by_key(kb)["hvhk"].regions == ("noordveld", "zuidveld")


def test_check_refuses_one_id_for_two_names_and_a_split_organisation(tmp_path):
    folder = write_kb(tmp_path / "kb", north_id="hvhk")
    (folder / "zuidveld.yaml").write_text(region_file("zuidveld", 9902, SOUTH, 22, "Kind en Gezin", "hvhk"),
                                          encoding="utf-8")
    [problem] = errors(folder)
    assert "zuidveld.yaml" in problem and "organisation_id 'hvhk' hoort al bij organisatie 'Huis van het Kind'" \
        in problem and "veld organisation_id" in problem

    # the same organisation in one region, one service with the id and one without
    split = region_file("zuidveld", 9902, SOUTH, 22) + region_file(
        "zuidveld", 9902, "hvhk-zuid-twee", 23, NAME, "hvhk-zuid").split("services:\n", 1)[1]
    (folder / "zuidveld.yaml").write_text(split, encoding="utf-8")
    [problem] = errors(folder)
    assert "dienst hvhk-zuid-twee" in problem and "geen organisation_id" in problem

    (folder / "zuidveld.yaml").write_text(region_file("zuidveld", 9902, SOUTH, 22, NAME, "Niet Goed"),
                                          encoding="utf-8")
    [problem] = errors(folder)
    assert "veld organisation_id" in problem and "geen geldige id" in problem


# ── the migration and old bindings ────────────────────────────────────────────────────────

def version_8_database(path: Path) -> None:
    """A database as the bot left it before organisation keys, with an editor of each kind."""
    with sqlite3.connect(path) as db:
        for version, script in MIGRATIONS:
            if version <= 8:
                db.executescript(script)
        db.execute("PRAGMA user_version = 8")
        db.executemany("INSERT INTO editor (user_id, organisation, bound_at) VALUES (?, ?, 'x')",
                       [(41, "Huis van het Kind"), (42, "caw zuidveld"), (42, "Huis van het Kind"),
                        (43, "Verdwenen vzw")])
        db.execute("INSERT INTO invite (organisation, salt, code_hash, created_at, expires_at) "
                   "VALUES ('CAW Zuidveld', x'00', x'00', 'x', 'x')")


async def test_the_migration_adds_the_key_and_reconcile_fills_it_only_where_unambiguous(tmp_path):
    folder = write_kb(tmp_path / "kb")
    caw = region_file("zuidveld", 9902, "caw-zuid", 24, "CAW Zuidveld").split("services:\n", 1)[1]
    (folder / "zuidveld.yaml").write_text(region_file("zuidveld", 9902, SOUTH, 22) + caw, encoding="utf-8")
    kb = load_knowledge_base(folder)
    db = tmp_path / "bot.sqlite3"
    version_8_database(db)
    async with Store(db) as store:
        assert await store.schema_version() == 9
        async with store.conn.execute("SELECT user_id, organisation, org_key FROM editor ORDER BY rowid") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [
                (41, "Huis van het Kind", None), (42, "caw zuidveld", None), (42, "Huis van het Kind", None),
                (43, "Verdwenen vzw", None)]
        # Without a key nobody is an editor yet: a name is no organisation.
        assert (await editors.roles_of(store, 41, {})).organisations == ()

        assert await editors.reconcile(store, kb) == 2
        async with store.conn.execute("SELECT user_id, org_key FROM editor ORDER BY rowid") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [
                (41, None), (42, "zuidveld/caw zuidveld"), (42, None), (43, None)]
        async with store.conn.execute("SELECT org_key FROM invite") as cur:
            assert [r[0] for r in await cur.fetchall()] == ["zuidveld/caw zuidveld"]
        # "Huis van het Kind" is two organisations: that binding grants neither of them.
        roles = await editors.roles_of(store, 42, {})
        assert roles.organisations == ("zuidveld/caw zuidveld",)
        assert not roles.may_edit(kb.services[NORTH]) and not roles.may_edit(kb.services[SOUTH])
        assert await freshness.editors_by_organisation(store.conn) == {"zuidveld/caw zuidveld": {42}}


async def test_adding_an_organisation_id_moves_the_editors_so_a_rename_keeps_them(tmp_path):
    folder = write_kb(tmp_path / "kb")
    db = tmp_path / "bot.sqlite3"
    async with Store(db) as store:
        kb = load_knowledge_base(folder)
        invite = await editors.create_invite(store, editors.find_organisation(kb, NAME, "noordveld"))
        await editors.redeem(store, 51, invite.code)
        assert (await editors.roles_of(store, 51, {})).organisations == ("noordveld/huis van het kind",)

        # Without an id, a rename is a new organisation: the editor loses it (documented).
        renamed = load_knowledge_base(write_kb(tmp_path / "renamed", north_name="Huis van het Kind Noord"))
        await editors.reconcile(store, renamed)
        assert not (await editors.roles_of(store, 51, {})).may_edit(renamed.services[NORTH])

        # The id first (same name): the binding moves to it; then the rename keeps the editor.
        await editors.reconcile(store, load_knowledge_base(write_kb(folder, north_id="hvhk-noord")))
        assert (await editors.roles_of(store, 51, {})).organisations == ("hvhk-noord",)
        renamed = load_knowledge_base(write_kb(folder, north_name="Huis van het Kind Noord", north_id="hvhk-noord"))
        await editors.reconcile(store, renamed)
        roles = await editors.roles_of(store, 51, {})
        assert roles.may_edit(renamed.services[NORTH]) and not roles.may_edit(renamed.services[SOUTH])


def test_reminders_go_to_the_editors_of_that_namesake_only(tmp_path):
    kb = load_knowledge_base(write_kb(tmp_path / "kb"))
    plan = freshness.plan_reminders(kb, date(2026, 11, 30), editors={kb.services[NORTH].org_key: {71}},
                                    coordinators={72: frozenset({"zuidveld"})}, last_sent={})
    assert {uid: [s.id for s in services] for uid, services in plan.to_editors.items()} == {71: [NORTH]}
    assert {uid: [s.id for s in services] for uid, services in plan.to_coordinators.items()} == {72: [SOUTH]}


# ── invite ────────────────────────────────────────────────────────────────────────────────

def test_invite_for_a_name_in_two_regions_requires_region(tmp_path, capsys):
    folder, db = write_kb(tmp_path / "kb"), tmp_path / "bot.sqlite3"
    assert cli(["invite", "--organisation", "huis van het kind", "--kb", str(folder), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "2 organisaties met de naam 'Huis van het Kind'" in err
    assert "noordveld, zuidveld" in err and "--region" in err
    assert cli(["invite", "--organisation", NAME, "--region", "elders", "--kb", str(folder), "--db", str(db)]) == 1
    assert "niet in regio 'elders'" in capsys.readouterr().err
    assert asyncio.run(_invites(db)) == []          # nothing was made

    assert cli(["invite", "--organisation", NAME, "--region", "zuidveld", "--kb", str(folder), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "(regio zuidveld)" in out
    assert asyncio.run(_redeem_roles(db, 61, out.strip().splitlines()[-1])) == ("zuidveld/huis van het kind",)


async def _invites(db: Path) -> list[editors.InviteInfo]:
    async with Store(db) as store:
        return await editors.list_invites(store)


async def _redeem_roles(db: Path, user_id: int, code: str) -> tuple[str, ...]:
    async with Store(db) as store:
        await editors.redeem(store, user_id, code)
        return (await editors.roles_of(store, user_id, {})).organisations
