"""The reminder job and the report sweep, run with a fixed clock through the real bot and the stand-in."""
from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import jobs
from kennisbank import reports
from kennisbank.schema import KnowledgeBase, organisation_key

TODAY = date.today()   # the clock handed to the job; "alles klopt nog" itself stamps the real date
EDITOR, COORDINATOR = 501, 900
ORGANISATION = "Sociaal Huis Lindegem (OCMW)"
DUE_WITH_EDITOR = {"ocmw-lindegem-schuldbemiddeling": TODAY - timedelta(days=200),
                   "ocmw-lindegem-budgetbeheer": None}
DUE_WITHOUT_EDITOR = {"caw-lindeland-nachtopvang": TODAY - timedelta(days=400),
                      "caw-lindeland-dagcentrum": TODAY - timedelta(days=190)}
DUE_FLEMISH = "levenslijn"   # any Flemish-layer service: only an all-regions coordinator is asked


@pytest.fixture
def reminder_kb(bench_kb) -> KnowledgeBase:
    """The benchmark offer, all confirmed ten days ago except a few chosen entries."""
    dates = {**DUE_WITH_EDITOR, **DUE_WITHOUT_EDITOR}
    flemish = next(s.id for s in bench_kb.services.values() if s.region_id == "vlaanderen")
    dates[flemish] = TODAY - timedelta(days=500)
    services = {sid: dataclasses.replace(s, last_verified=dates.get(sid, TODAY - timedelta(days=10)))
                for sid, s in bench_kb.services.items()}
    return KnowledgeBase(bench_kb.regions, services)


@pytest.fixture
async def running(start_bot, reminder_kb, monkeypatch):
    monkeypatch.setenv("WELZIJNSBOT_COORDINATORS", f"{COORDINATOR}:lindeland")
    bot = await start_bot(kb=reminder_kb)
    await bot.state.store.conn.execute(
        "INSERT INTO editor (user_id, organisation, org_key, bound_at) "
        "VALUES (?, ?, ?, '2026-01-01T00:00:00+00:00')",
        (EDITOR, ORGANISATION, organisation_key("lindeland", ORGANISATION)))
    return bot


def sent_to(standin, chat_id: int, since: int):
    return standin.calls_to("sendMessage", chat_id=chat_id, since=since)


async def test_jobs_are_scheduled(running):
    names = {job.name for job in running.application.job_queue.jobs()}
    assert {"reminders", "reminders-at-start", "report-sweep"} <= names


async def test_reminders_once_then_not_again_within_30_days(running, standin, chat):
    bot = running.application.bot
    since = len(standin.calls)
    plan = await jobs.send_reminders(bot, running.state, TODAY)
    assert set(plan.reminded) == set(DUE_WITH_EDITOR) | set(DUE_WITHOUT_EDITOR)
    to_editor = sent_to(standin, EDITOR, since)
    assert len(to_editor) == 2                             # one message per entry, oldest first
    assert "Budgetbegeleiding" in to_editor[0].text and "Nog nooit bevestigd" in to_editor[0].text
    assert "Schuldbemiddeling" in to_editor[1].text
    assert [b["text"] for b in to_editor[1].buttons] == ["✏️ Aanpassen", "✅ Alles klopt nog"]
    [listing] = sent_to(standin, COORDINATOR, since)       # one list for the coordinator, not one per entry
    assert "Nachtopvang" in listing.text and "Dagcentrum" in listing.text
    assert "Schuldbemiddeling" not in listing.text
    assert {c.chat_id for c in standin.calls_to("sendMessage", since=since)} == {EDITOR, COORDINATOR}

    # ten days later: nothing again
    since = len(standin.calls)
    plan = await jobs.send_reminders(bot, running.state, TODAY + timedelta(days=10))
    assert plan.reminded == {} and not standin.calls_to("sendMessage", since=since)

    # the editor confirms one entry with one tap
    confirm = next(b["callback_data"] for b in to_editor[1].buttons if b["text"] == "✅ Alles klopt nog")
    [edit, done] = await chat(EDITOR).tap(confirm)
    assert edit.method == "editMessageReplyMarkup"
    assert "Bedankt" in done.text
    assert running.state.knowledge.kb.services["ocmw-lindegem-schuldbemiddeling"].last_verified == date.today()

    # after 30 days: the entries still not confirmed come back, the confirmed one does not
    since = len(standin.calls)
    plan = await jobs.send_reminders(bot, running.state, TODAY + timedelta(days=31))
    assert set(plan.reminded) == {"ocmw-lindegem-budgetbeheer"} | set(DUE_WITHOUT_EDITOR)
    assert len(sent_to(standin, EDITOR, since)) == 1


async def test_a_blocked_editor_does_not_stop_the_others(running, standin):
    standin.fail_next(1, status=403, methods={"sendMessage"})
    since = len(standin.calls)
    plan = await jobs.send_reminders(running.application.bot, running.state, TODAY)
    assert len(plan.reminded) == 4
    delivered = standin.calls_to("sendMessage", since=since)
    assert len(delivered) == 2            # 3 messages, the first refused with 403


async def test_sweep_sends_reports_whose_remark_never_came_and_closes_edited_ones(running, standin):
    conn = running.state.store.conn
    service = running.state.knowledge.kb.services["ocmw-lindegem-schuldbemiddeling"]
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    waiting = await reports.create(conn, service, "adres", now=long_ago)
    fresh = await reports.create(conn, service, "telefoon")           # the school may still type
    since = len(standin.calls)
    assert await jobs.sweep_reports(running.application.bot, running.state) == 1
    notice = await standin.wait_for("sendMessage", chat_id=EDITOR, since=since)
    assert f"#{waiting.id}" in notice.text
    still_fresh = await reports.get(conn, fresh.id)
    assert still_fresh is not None and still_fresh.notified_at is None
    # an editor changed the phone through the admin module: open reports on the entry are closed
    await conn.execute(
        "INSERT INTO revision (at, user_id, service_id, organisation, region_id, field, old, new) "
        "VALUES (?, ?, ?, ?, 'lindeland', 'phone', '\"+3299991012\"', '\"+3299991099\"')",
        (reports.now_iso(), EDITOR, service.id, service.organisation))
    await jobs.sweep_reports(running.application.bot, running.state)
    closed = await reports.get(conn, waiting.id)
    assert closed is not None and (closed.resolution, closed.resolved_by) == ("aangepast", EDITOR)
    # "alles klopt nog" in /beheer closes a later report as confirmed
    other = running.state.knowledge.kb.services["ocmw-lindegem-budgetbeheer"]
    later = await reports.create(conn, other, "openingsuren", now=long_ago)
    await conn.execute(
        "INSERT INTO revision (at, user_id, service_id, organisation, region_id, field, old, new) "
        "VALUES (?, ?, ?, ?, 'lindeland', 'last_verified', 'null', ?)",
        (reports.now_iso(), EDITOR, other.id, other.organisation, f'"{TODAY.isoformat()}"'))
    await jobs.sweep_reports(running.application.bot, running.state)
    confirmed = await reports.get(conn, later.id)
    assert confirmed is not None and confirmed.resolution == "bevestigd"


async def test_the_job_queue_runs_the_reminders(running, standin):
    """The same work through python-telegram-bot's JobQueue, as the daily job does it."""
    since = len(standin.calls)
    running.application.job_queue.run_once(jobs.daily, 0)
    listing = await standin.wait_for("sendMessage", chat_id=COORDINATOR, since=since)
    assert "Nachtopvang" in listing.text
    assert len(standin.calls_to("sendMessage", chat_id=EDITOR, since=since)) == 2


# ── a long coordinator list: several messages, none cut, none refused (issue 13) ─────────────

STALE = 45


@pytest.fixture
async def many_stale(start_bot, bench_kb, monkeypatch):
    """45 entries of organisations without an editor, long names with emoji, none confirmed in a year."""
    monkeypatch.setenv("WELZIJNSBOT_COORDINATORS", f"{COORDINATOR}:lindeland")
    base = next(s for s in bench_kb.services.values() if s.region_id == "lindeland")
    services = {sid: dataclasses.replace(s, last_verified=TODAY - timedelta(days=10))
                for sid, s in bench_kb.services.items()}
    for n in range(STALE):
        sid = f"oud-aanbod-{n:02d}-" + "x" * 40
        services[sid] = dataclasses.replace(
            base, id=sid, organisation=f"🏠 Organisatie {n} " + "🧒 & <samen> " * 8,
            name=f"👪 Aanbod {n} " + "🌍 ééé " * 16, last_verified=TODAY - timedelta(days=400 + n))
    return await start_bot(kb=KnowledgeBase(bench_kb.regions, services))


async def test_a_list_of_45_stale_services_arrives_as_several_valid_messages(many_stale, standin):
    from bot.render import MESSAGE_LIMIT, visible_len
    since = len(standin.calls)
    plan = await jobs.send_reminders(many_stale.application.bot, many_stale.state, TODAY)
    assert len(plan.to_coordinators[COORDINATOR]) >= STALE
    calls = standin.calls_to("sendMessage", chat_id=COORDINATOR, since=since, ok_only=False)
    assert len(calls) >= 2                                             # split, not cut
    assert all(c.status == 200 for c in calls), [c.result for c in calls]   # Telegram accepted each
    assert all(visible_len(c.text) <= MESSAGE_LIMIT for c in calls)
    text = "\n".join(c.text for c in calls)
    for n in range(STALE):                                             # every entry, none dropped
        assert f"oud-aanbod-{n:02d}-" in text
    assert "… en nog" not in text
    assert all(c.text.count("<code>") == c.text.count("</code>") for c in calls)   # formatting kept
    assert all("<b>" in c.text or "<code>" in c.text for c in calls)
    assert "&lt;samen&gt;" in text                                     # data stays escaped
    # lines are never broken: each entry is whole in one message
    for c in calls:
        for line in c.text.split("\n"):
            if line.startswith("• "):
                assert "<code>oud-aanbod-" in line and "</code>" in line and line.count(" · ") == 1
