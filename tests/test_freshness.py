"""Freshness: which entries are due a reminder, who gets it, and the versheid figures (fixed clock)."""
from __future__ import annotations

import asyncio
from datetime import date

from kennisbank import freshness, reports
from kennisbank.freshness import figures, months_before, plan_reminders
from kennisbank.schema import KnowledgeBase, Municipality, Region, Service
from kennisbank.store import Store

TODAY = date(2026, 11, 29)
LINDELAND = Region("lindeland", "Regio Lindeland", True, (Municipality("Lindegem", (9801,)),))
FLANDERS = Region("vlaanderen", "Vlaanderen", True, ())


def service(sid: str, organisation: str, verified: date | None, region: str = "lindeland",
            status: str = "active") -> Service:
    return Service(id=sid, organisation=organisation, name=sid, summary="s", themes=("huisvesting",),
                   region_id=region, postcodes=None, last_verified=verified, status=status,
                   phone="+3299991000")


def kb(*services: Service) -> KnowledgeBase:
    return KnowledgeBase({"lindeland": LINDELAND, "vlaanderen": FLANDERS}, {s.id: s for s in services})


KB = kb(
    service("caw-fresh", "CAW Lindeland", date(2026, 6, 1)),        # 6 months minus 2 days: fine
    service("caw-due", "CAW Lindeland", date(2026, 5, 28)),         # just over 6 months
    service("caw-never", "CAW Lindeland", None),                    # never confirmed: due
    service("caw-gone", "CAW Lindeland", date(2020, 1, 1), status="inactive"),  # never asked
    service("ocmw-old", "Sociaal Huis Lindegem", date(2025, 3, 1)),  # no editor: coordinator
    service("helpline", "Vlaamse Lijn", date(2025, 1, 1), region="vlaanderen"),
)
EDITORS = {"lindeland/caw lindeland": {101, 102}}   # by organisation key (region + name)
COORDINATORS = {900: frozenset({"lindeland"}), 901: frozenset({""})}


def test_months_before_clamps_to_the_end_of_the_month():
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 15), 6) == date(2025, 9, 15)
    assert months_before(TODAY, 6) == date(2026, 5, 29)


def test_due_services_go_to_their_editors_and_the_rest_to_coordinators():
    plan = plan_reminders(KB, TODAY, editors=EDITORS, coordinators=COORDINATORS, last_sent={})
    # both editors of the CAW get the two due entries, never-confirmed first
    assert {uid: [s.id for s in ss] for uid, ss in plan.to_editors.items()} == {
        101: ["caw-never", "caw-due"], 102: ["caw-never", "caw-due"]}
    # no editor: the region coordinator and the all-regions coordinator; the Flemish layer only the latter
    assert {uid: [s.id for s in ss] for uid, ss in plan.to_coordinators.items()} == {
        900: ["ocmw-old"], 901: ["helpline", "ocmw-old"]}
    assert plan.reminded == {"caw-never": "editor", "caw-due": "editor",
                             "ocmw-old": "coordinator", "helpline": "coordinator"}


def test_not_again_within_thirty_days_then_again():
    sent = {"caw-due": date(2026, 11, 1), "ocmw-old": date(2026, 10, 30)}   # 28 and 30 days ago
    plan = plan_reminders(KB, TODAY, editors=EDITORS, coordinators=COORDINATORS, last_sent=sent)
    assert "caw-due" not in plan.reminded
    assert "ocmw-old" in plan.reminded


def test_nobody_to_ask_means_not_recorded_and_the_cap_defers_the_rest():
    plan = plan_reminders(KB, TODAY, editors={}, coordinators={}, last_sent={})
    assert plan.empty and plan.reminded == {}
    capped = plan_reminders(KB, TODAY, editors=EDITORS, coordinators={}, last_sent={}, max_per_editor=1)
    assert {uid: [s.id for s in ss] for uid, ss in capped.to_editors.items()} == {101: ["caw-never"],
                                                                               102: ["caw-never"]}
    assert set(capped.reminded) == {"caw-never"}       # caw-due waits for the next run


def test_figures_per_organisation():
    open_report = reports.Report(1, "2026-11-01T10:00:00+00:00", "caw-due", "CAW Lindeland", "lindeland",
                                 "telefoon")
    closed = reports.Report(2, "2026-11-01T10:00:00+00:00", "caw-due", "CAW Lindeland", "lindeland",
                            "adres", resolved_at="2026-11-02T10:00:00+00:00", resolution="bevestigd")
    rows = {f.organisation: f for f in figures(KB, TODAY, [open_report, closed])}
    caw = rows["CAW Lindeland"]
    assert (caw.total, caw.within_6, caw.within_12, caw.open_reports) == (3, 1, 2, 1)
    assert [s.id for s in caw.oldest] == ["caw-never", "caw-due"]
    assert (rows["Sociaal Huis Lindegem"].within_12, rows["Sociaal Huis Lindegem"].open_reports) == (0, 0)
    assert rows["Vlaamse Lijn"].within_12 == 0


async def test_reminder_log_and_role_tables(tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        await store.conn.execute(
            "INSERT INTO editor (user_id, organisation, org_key, bound_at) "
            "VALUES (101, 'CAW Lindeland', 'lindeland/caw lindeland', 'x')")
        await store.conn.execute(   # bound before organisation keys and not reconciled: reaches nobody
            "INSERT INTO editor (user_id, organisation, bound_at) VALUES (102, 'CAW Lindeland', 'x')")
        await store.conn.execute("INSERT INTO coordinator (user_id, region, added_at) VALUES (900, 'lindeland', 'x')")
        await freshness.record_reminders(store.conn, {"caw-due": "editor"}, date(2026, 10, 1))
        await freshness.record_reminders(store.conn, {"caw-due": "editor"}, date(2026, 11, 1))
        assert await freshness.last_reminders(store.conn) == {"caw-due": date(2026, 11, 1)}
        assert await freshness.editors_by_organisation(store.conn) == {"lindeland/caw lindeland": {101}}
        assert await freshness.all_coordinators(store.conn, {7: frozenset({""})}) == {
            7: frozenset({""}), 900: frozenset({"lindeland"})}


async def _db_with_renewal_and_report(db, bench_kb):
    from kennisbank import revisions as rv
    async with Store(db) as store:
        await store.conn.execute(
            "INSERT INTO revision (at, user_id, service_id, organisation, region_id, field, old, new) "
            "VALUES ('2026-11-20T10:00:00+00:00', 501, 'ocmw-lindegem-budgetbeheer', "
            "'Sociaal Huis Lindegem (OCMW)', 'lindeland', 'last_verified', '\"2026-02-19\"', '\"2026-11-20\"')")
        service = bench_kb.services["ocmw-lindegem-noodwoning"]
        await reports.create(store.conn, service, "telefoon", "nummer werkt niet")
        closed = await reports.create(store.conn, service, "adres")
        await reports.resolve(store.conn, closed.id, "bevestigd", 501)
        assert len(await rv.load_revisions(store)) == 1
        for vote in ("nuttig", "nuttig", "niet-nuttig"):
            await reports.add_card_feedback(store.conn, "ocmw-lindegem-energiecel", vote)
        await reports.add_card_feedback(store.conn, "caw-lindeland-onthaal", "nuttig")


def test_versheid_command(tmp_path, bench_kb, bench_kb_dir, capsys):
    """Sociaal Huis Lindegem in the benchmark: 8 entries; confirmed 2026-09-14, 06-02, 09-30 (and
    02-19, renewed in the bot on 11-20) within 6 months of 2026-11-29; only 2025-10-15 is older than 12."""
    from bot.cli import main

    db = tmp_path / "bot.sqlite3"
    asyncio.run(_db_with_renewal_and_report(db, bench_kb))
    assert main(["versheid", "--kb", str(bench_kb_dir), "--db", str(db), "--today", "2026-11-29",
                 "--organisation", "Sociaal Huis Lindegem (OCMW)"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("Sociaal Huis Lindegem"))
    assert row.split()[-6:] == ["8", "4", "7", "1", "2", "1"]   # and 👍 2, 👎 1 on its cards
    assert "ocmw-lindegem-noodwoning  2025-10-15" in out
    assert "ocmw-lindegem-budgetbeheer" not in out.split("Langst")[1].split("Open")[0]
    assert "nummer werkt niet" in out and "[open]" in out
    assert main(["versheid", "--kb", str(bench_kb_dir), "--db", str(db), "--today", "gisteren"]) == 2


def test_reports_and_their_resolution_show_in_the_audit(tmp_path, bench_kb, capsys):
    from bot.cli import main

    db = tmp_path / "bot.sqlite3"
    asyncio.run(_db_with_renewal_and_report(db, bench_kb))
    assert main(["audit", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Meldingen 'klopt niet meer' (2, 1 open)" in out
    assert 'telefoonnummer — "nummer werkt niet"  [open]' in out
    assert "adres  [opgelost" in out and "door gebruiker 501: alles klopt nog]" in out
    assert main(["audit", "--db", str(db), "--organisation", "CAW Lindeland"]) == 0
    assert "Geen meldingen" in capsys.readouterr().out
