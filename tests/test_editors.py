"""Roles, invite codes and the coordinators' command line (invite, audit, revert, export --db)."""
from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main as cli
from kennisbank import editors
from kennisbank import revisions as rv
from kennisbank.fields import FieldError
from kennisbank.loader import check_directory, load_knowledge_base
from kennisbank.reload import reload_directory
from kennisbank.schema import organisation_key
from kennisbank.search import SearchEngine
from kennisbank.store import Store
from paths import BENCHMARK

BENCH = BENCHMARK
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def org(name: str, region: str = "lindeland") -> editors.Organisation:
    """An organisation by its default key (region + name), as `find_organisation` gives it."""
    return editors.Organisation(organisation_key(region, name), name, (region,))


@pytest.fixture(autouse=True)
def _no_configured_coordinators(monkeypatch):
    monkeypatch.delenv(editors.ENV_COORDINATORS, raising=False)


# ── roles ───────────────────────────────────────────────────────────────────────────────

def test_coordinators_from_the_configuration():
    assert editors.parse_coordinators("123, 456:lindeland,456:oosterland") == {
        123: frozenset({""}), 456: frozenset({"lindeland", "oosterland"})}
    assert editors.parse_coordinators("") == {}
    with pytest.raises(FieldError, match="'jan' is geen Telegram-gebruikers-id"):
        editors.parse_coordinators("123,jan")


async def test_roles_decide_who_may_change_which_service(tmp_path, bench_kb):
    caw = bench_kb.services["caw-lindeland-onthaal"]
    helpline = next(s for s in bench_kb.services.values() if s.region_id == "vlaanderen")
    async with Store(tmp_path / "bot.sqlite3") as store:
        await editors.add_coordinator(store, 10, "lindeland")
        coordinator = await editors.roles_of(store, 10, {})
        everywhere = await editors.roles_of(store, 11, {11: frozenset({""})})
        nobody = await editors.roles_of(store, 12, {})
    assert coordinator.may_edit(caw) and not coordinator.may_edit(helpline)
    assert everywhere.may_edit(caw) and everywhere.may_edit(helpline)
    assert not nobody.may_edit(caw) and nobody.services(bench_kb) == []


# ── invite codes ──────────────────────────────────────────────────────────────────────

async def test_a_code_binds_once_and_gives_only_that_organisations_services(tmp_path, bench_kb):
    db = tmp_path / "bot.sqlite3"
    async with Store(db) as store:
        invite = await editors.create_invite(store, editors.find_organisation(bench_kb, "CAW Lindeland"),
                                             timedelta(days=14), now=NOW)
        assert len(invite.code) == 24 and invite.code.count("-") == 4
        organisation = await editors.redeem(store, 501, invite.code.lower().replace("-", " "), now=NOW)
        roles = await editors.roles_of(store, 501, {})
        with pytest.raises(editors.InviteError, match="al gebruikt"):
            await editors.redeem(store, 502, invite.code, now=NOW)
    assert organisation == "CAW Lindeland" and roles.organisations == ("lindeland/caw lindeland",)
    mine = roles.services(bench_kb)
    assert mine and {s.organisation for s in mine} == {"CAW Lindeland"}
    assert not roles.may_edit(bench_kb.services["bjb-lindeland-pro-deo"])
    # Only a salted hash is kept: the code itself is nowhere in the database file.
    wal = db.with_name(db.name + "-wal")
    raw = db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert invite.code.replace("-", "").encode() not in raw and invite.code.encode() not in raw
    columns = [r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(invite)")]
    assert "code" not in columns and "code_hash" in columns


async def test_expired_and_unknown_codes_are_refused(tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        invite = await editors.create_invite(store, org("CAW Lindeland"), timedelta(hours=1), now=NOW)
        with pytest.raises(editors.InviteError, match="verlopen"):
            await editors.redeem(store, 601, invite.code, now=NOW + timedelta(hours=2))
        with pytest.raises(editors.InviteError, match="ken ik niet"):
            await editors.redeem(store, 601, "AAAA-BBBB-CCCC-DDDD-EEEE", now=NOW)
        assert (await editors.roles_of(store, 601, {})).organisations == ()


async def test_wrong_tries_are_limited_per_user_per_hour(tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        invite = await editors.create_invite(store, org("CAW Lindeland"), now=NOW)
        for _ in range(editors.MAX_FAILED_PER_HOUR):
            with pytest.raises(editors.InviteError, match="ken ik niet"):
                await editors.redeem(store, 701, "0000-0000-0000-0000-0000", now=NOW)
        with pytest.raises(editors.InviteError, match="te vaak"):   # even the right code, for now
            await editors.redeem(store, 701, invite.code, now=NOW + timedelta(minutes=30))
        # Another user is not affected; and an hour later this user may try again.
        other = await editors.create_invite(store, org("CLB Lindeland"), now=NOW)
        assert await editors.redeem(store, 702, other.code, now=NOW) == "CLB Lindeland"
        assert await editors.redeem(store, 701, invite.code, now=NOW + timedelta(hours=1, minutes=1)) == "CAW Lindeland"


def test_durations_and_organisation_names():
    assert editors.parse_duration("14d") == timedelta(days=14)
    assert editors.parse_duration("36h") == timedelta(hours=36)
    with pytest.raises(FieldError, match="14d"):
        editors.parse_duration("twee weken")


# ── command line ──────────────────────────────────────────────────────────────────────

def test_invite_prints_the_code_last_and_names_close_matches(tmp_path, capsys):
    db = tmp_path / "bot.sqlite3"
    assert cli(["invite", "--organisation", "caw lindland", "--kb", str(BENCH / "kb"), "--db", str(db)]) == 1
    assert '"CAW Lindeland"' in capsys.readouterr().err
    assert cli(["invite", "--organisation", "caw lindeland", "--kb", str(BENCH / "kb"), "--db", str(db),
                "--valid", "2d"]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert asyncio.run(_redeem(db, 801, code)) == "CAW Lindeland"
    assert cli(["invite", "--organisation", "CAW Lindeland", "--kb", str(BENCH / "kb"), "--db", str(db),
                "--valid", "morgen"]) == 2


async def _redeem(db: Path, user_id: int, code: str) -> str:
    async with Store(db) as store:
        return await editors.redeem(store, user_id, code)


async def _edit(db: Path, kb, **change) -> rv.Revision:
    async with Store(db) as store:
        return await rv.record(store, kb, **change)


def test_audit_and_revert_from_the_command_line(tmp_path, capsys, bench_kb):
    db = tmp_path / "bot.sqlite3"
    first = asyncio.run(_edit(db, bench_kb, user_id=801, service_id="caw-lindeland-onthaal",
                              field="contact.phone", new="+3299997777"))
    asyncio.run(_edit(db, bench_kb, user_id=802, service_id="clb-lindeland-leerlingbegeleiding",
                      field="hours", new="ma-vr 8u-16u"))
    assert cli(["audit", "--db", str(db), "--organisation", "caw lindeland"]) == 0
    out = capsys.readouterr().out
    assert f"#{first.id}" in out and "gebruiker 801" in out and "09 999 77 77" in out
    assert "CLB" not in out
    assert cli(["audit", "--db", str(db), "--since", "2999-01-01"]) == 0
    assert "Geen wijzigingen" in capsys.readouterr().out
    assert cli(["audit", "--db", str(db), "--since", "gisteren"]) == 2
    assert cli(["revert", str(first.id), "--kb", str(BENCH / "kb"), "--db", str(db)]) == 0
    assert "opdrachtregel" in capsys.readouterr().out
    assert cli(["revert", str(first.id), "--kb", str(BENCH / "kb"), "--db", str(db)]) == 1
    assert "al teruggedraaid" in capsys.readouterr().err
    assert cli(["audit", "--db", str(db)]) == 0
    assert f"[teruggedraaid door #{first.id + 2}]" in capsys.readouterr().out
    assert cli(["audit", "--db", str(tmp_path / "bestaat-niet.sqlite3")]) == 1


def test_revert_of_several_changes_goes_newest_first(tmp_path, capsys, bench_kb):
    db = tmp_path / "bot.sqlite3"
    ids = [asyncio.run(_edit(db, bench_kb, user_id=801, service_id="caw-lindeland-onthaal", field="hours",
                             new=f"ma {n}u")).id for n in (8, 9)]
    assert cli(["revert", *map(str, ids), "--kb", str(BENCH / "kb"), "--db", str(db)]) == 0
    effective = rv.apply_revisions(bench_kb, asyncio.run(_load(db)))
    assert effective.services["caw-lindeland-onthaal"].hours == bench_kb.services["caw-lindeland-onthaal"].hours


def test_coordinator_command(tmp_path, capsys):
    db = tmp_path / "bot.sqlite3"
    kb = ["--kb", str(BENCH / "kb"), "--db", str(db)]
    assert cli(["coordinator", "add", "901", "--region", "lindeland", *kb]) == 0
    assert cli(["coordinator", "add", "902", "--region", "atlantis", *kb]) == 1
    assert cli(["coordinator", "list", *kb]) == 0
    assert "901  lindeland" in capsys.readouterr().out
    roles = asyncio.run(_roles(db, 901))
    assert roles.coordinates("lindeland") and not roles.coordinates("vlaanderen")


async def _roles(db: Path, user_id: int) -> editors.Roles:
    async with Store(db) as store:
        return await editors.roles_of(store, user_id, {})


def test_export_with_revisions_then_check_then_reload_gives_the_same_answers(tmp_path, capsys, bench_kb):
    db = tmp_path / "bot.sqlite3"
    caw = "caw-lindeland-onthaal"
    hidden = "clb-lindeland-medisch-consult"
    changes: list[dict[str, Any]] = [
        dict(service_id=caw, field="contact.phone", new="+3299997777"),
        dict(service_id=caw, field="themes", new=[*bench_kb.services[caw].themes, "voeding"]),
        dict(service_id=hidden, field="status", new="inactive"),
        dict(service_id="soepbar-lindegem", field=rv.NEW_SERVICE, new={
            "region": "lindeland", "organisation": "CAW Lindeland", "name": "Soepbar",
            "summary": "Elke woensdag gratis soep en een babbel.", "themes": ["voeding"],
            "area": ["Lindegem"], "contact.name": "Dirk Voorbeeld", "contact.phone": "+3299990303"}),
    ]
    for change in changes:
        asyncio.run(_edit(db, bench_kb, user_id=801, **change))
    revisions = asyncio.run(_load(db))
    live = rv.apply_revisions(bench_kb, revisions)

    out = tmp_path / "export"
    assert cli(["export", "--kb", str(BENCH / "kb"), "--db", str(db), "--out", str(out)]) == 0
    assert cli(["check", "--kb", str(out)]) == 0
    capsys.readouterr()
    exported, _problems = check_directory(out)
    assert exported is not None
    reloaded = reload_directory(out, revisions)
    assert reloaded.ok and reloaded.conflicts == [] and reloaded.skipped == []

    questions = yaml.safe_load((BENCH / "questions-dev.yaml").read_text(encoding="utf-8"))
    questions.append({"q": "een gezin heeft niets meer te eten", "postcode": 9801})
    assert reloaded.kb is not None
    engines = [SearchEngine(kb) for kb in (live, exported, reloaded.kb)]
    for item in questions:
        answers = [[m.service.id for m in e.search(item["q"], item.get("postcode")).matches] for e in engines]
        assert answers[0] == answers[1] == answers[2], item["q"]
    soup = [m.service.id for m in engines[2].by_theme("voeding", 9801, limit=20).matches]
    assert "soepbar-lindegem" in soup and exported.services[caw].contact.phone == "+3299997777"
    assert hidden not in [s.id for s in exported.active_services()]


async def _load(db: Path) -> list[rv.Revision]:
    async with Store(db) as store:
        return await rv.load_revisions(store)


def test_export_without_db_is_the_region_files(tmp_path, capsys):
    out = tmp_path / "export"
    assert cli(["export", "--kb", str(BENCH / "kb"), "--out", str(out)]) == 0
    assert len(load_knowledge_base(out).services) == len(load_knowledge_base(BENCH / "kb").services)
    with pytest.raises(SystemExit) as stopped:
        cli(["export", "--kb", str(BENCH / "kb"), "--db", str(tmp_path / "nee.sqlite3"), "--out", str(out)])
    assert stopped.value.code == 1
    assert "bestaat niet" in capsys.readouterr().err
