"""Which entries need a fresh confirmation, who is asked, and how fresh each organisation's offer is.

An entry's date is its effective `last_verified`: the region file's date, or a later "alles
klopt nog" through the bot (a revision). After REMIND_AFTER_MONTHS the organisation's editors get
a reminder, at most once per REMIND_EVERY per service; an entry without any editor is listed for
the region coordinator(s) instead. After 12 months the bot marks the entry as possibly outdated
(loader.STALE_AFTER, the same threshold the cards use).

The selection is pure (plan_reminders, figures) and takes `today`, so it is tested with a fixed
clock; the small queries below read and record what the bot sends.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import aiosqlite

from .editors import ALL_REGIONS
from .loader import too_long_ago
from .reports import Report
from .schema import KnowledgeBase, Service
from .store import fetch_all

REMIND_AFTER_MONTHS = 6
REMIND_EVERY = timedelta(days=30)
MAX_PER_EDITOR = 10        # reminders per editor per run; the rest follow on later days
OLDEST_SHOWN = 3


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (clamped to the month's end: 31 Aug - 6 months = 28/29 Feb)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def confirmed_within(service: Service, today: date, months: int) -> bool:
    return service.last_verified is not None and service.last_verified >= months_before(today, months)


def is_due(service: Service, today: date) -> bool:
    """Not confirmed in the last six months (never confirmed counts too); inactive ones are not asked."""
    return service.status != "inactive" and not confirmed_within(service, today, REMIND_AFTER_MONTHS)


def is_stale(service: Service, today: date) -> bool:
    return service.last_verified is not None and too_long_ago(service.last_verified, today)


def _oldest_first(service: Service) -> tuple[date, str, str]:
    return (service.last_verified or date.min, service.organisation.casefold(), service.id)


@dataclass
class ReminderPlan:
    """Who gets which reminders in this run, and which services count as reminded."""
    to_editors: dict[int, list[Service]] = field(default_factory=dict)        # editor -> services
    to_coordinators: dict[int, list[Service]] = field(default_factory=dict)   # coordinator -> services
    reminded: dict[str, str] = field(default_factory=dict)                     # service id -> kind

    @property
    def empty(self) -> bool:
        return not self.to_editors and not self.to_coordinators


def coordinators_of(service: Service, coordinators: Mapping[int, Iterable[str]]) -> list[int]:
    return sorted(uid for uid, regions in coordinators.items()
                  if ALL_REGIONS in regions or service.region_id in regions)


def plan_reminders(kb: KnowledgeBase, today: date, *,
                   editors: Mapping[str, Iterable[int]],
                   coordinators: Mapping[int, Iterable[str]],
                   last_sent: Mapping[str, date],
                   max_per_editor: int = MAX_PER_EDITOR) -> ReminderPlan:
    """Pick the due services not reminded in the last 30 days, oldest first.

    editors: organisation key (Service.org_key) -> editor user ids. coordinators: user id -> region ids
    (ALL_REGIONS for every region). last_sent: service id -> day of the last reminder.
    A service is reminded when at least one editor gets it; an editor gets at most
    max_per_editor per run. Without editors it goes, once, on the list of its coordinators.
    A service nobody can be asked about is left out (and not recorded as reminded).
    """
    plan = ReminderPlan()
    for service in sorted((s for s in kb.services.values() if is_due(s, today)), key=_oldest_first):
        sent = last_sent.get(service.id)
        if sent is not None and today - sent < REMIND_EVERY:
            continue
        own = sorted(set(editors.get(service.org_key, ())))
        if own:
            for uid in own:
                queue = plan.to_editors.setdefault(uid, [])
                if len(queue) < max_per_editor:
                    queue.append(service)
                    plan.reminded[service.id] = "editor"
            continue
        for uid in coordinators_of(service, coordinators):
            plan.to_coordinators.setdefault(uid, []).append(service)
            plan.reminded[service.id] = "coordinator"
    plan.to_editors = {uid: s for uid, s in plan.to_editors.items() if s}
    return plan


# ── versheid: figures per organisation ─────────────────────────────────────────────────────

@dataclass(frozen=True)
class OrganisationFreshness:
    organisation: str
    total: int
    within_6: int
    within_12: int
    open_reports: int
    oldest: tuple[Service, ...]      # the least recently confirmed (never confirmed first)


def figures(kb: KnowledgeBase, today: date, open_reports: Iterable[Report] = (),
            oldest_shown: int = OLDEST_SHOWN) -> list[OrganisationFreshness]:
    """Per organisation (inactive entries left out): how fresh the offer is, and open reports."""
    by_org: dict[str, list[Service]] = defaultdict(list)   # organisation key -> its services
    for service in kb.services.values():
        if service.status != "inactive":
            by_org[service.org_key].append(service)
    reports: dict[str, int] = defaultdict(int)
    for report in open_reports:
        reported = kb.services.get(report.service_id)
        if report.is_open and reported is not None:
            reports[reported.org_key] += 1
    out = []
    for key in sorted(by_org, key=lambda k: (by_org[k][0].organisation.casefold(), k)):
        services = by_org[key]
        due = sorted((s for s in services if is_due(s, today)), key=_oldest_first)
        out.append(OrganisationFreshness(
            services[0].organisation, len(services),
            sum(confirmed_within(s, today, 6) for s in services),
            sum(confirmed_within(s, today, 12) for s in services),
            reports[key],
            tuple(due[:oldest_shown])))
    return out


# ── the tables (reminder: migration 5; editor, coordinator: kennisbank.editors) ───────────

async def last_reminders(conn: aiosqlite.Connection) -> dict[str, date]:
    rows = await fetch_all(conn, "SELECT service_id, MAX(sent_on) FROM reminder GROUP BY service_id")
    return {sid: date.fromisoformat(day) for sid, day in rows}


async def record_reminders(conn: aiosqlite.Connection, reminded: Mapping[str, str], today: date) -> None:
    await conn.executemany("INSERT INTO reminder (service_id, sent_on, kind) VALUES (?, ?, ?)",
                           [(sid, today.isoformat(), kind) for sid, kind in reminded.items()])


async def editors_by_organisation(conn: aiosqlite.Connection) -> dict[str, set[int]]:
    """Organisation key (Service.org_key) -> the Telegram ids of its editors (= their private
    chat ids). Bindings without a key (see kennisbank.editors.reconcile) reach nobody."""
    out: dict[str, set[int]] = defaultdict(set)
    for uid, key in await fetch_all(conn, "SELECT user_id, org_key FROM editor WHERE org_key IS NOT NULL"):
        out[key].add(int(uid))
    return dict(out)


async def all_coordinators(conn: aiosqlite.Connection,
                           configured: Mapping[int, Iterable[str]] = {}) -> dict[int, frozenset[str]]:
    """Coordinators from the database and from the configuration (WELZIJNSBOT_COORDINATORS)."""
    out: dict[int, set[str]] = defaultdict(set)
    for uid, regions in configured.items():
        out[int(uid)].update(regions)
    for uid, region in await fetch_all(conn, "SELECT user_id, region FROM coordinator"):
        out[int(uid)].add(region)
    return {uid: frozenset(r) for uid, r in out.items()}
