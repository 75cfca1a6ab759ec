""""Klopt niet meer": a school tells the organisation that an entry is out of date.

A report names the service, what is wrong (one of REASONS) and an optional short remark about
the service. It never holds who reported it: no chat or user id, no name. It stays open until an
editor or coordinator resolves it (entry fixed, or "alles klopt nog"). The same module keeps
👍/👎 given on a service's card, again without any id of the person who tapped.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

import aiosqlite

from .schema import Service
from .store import fetch_all, fetch_one

# reason id -> what the editor reads ("... klopt niet meer")
REASONS: dict[str, str] = {
    "telefoon": "telefoonnummer",
    "contactpersoon": "contactpersoon",
    "adres": "adres",
    "openingsuren": "openingsuren",
    "bestaat-niet-meer": "de dienst bestaat niet meer",
    "iets-anders": "iets anders",
}
REMARK_MAX = 300
RESOLUTIONS = {"bevestigd": "alles klopt nog", "aangepast": "gegevens aangepast"}
CARD_FEEDBACK = ("nuttig", "niet-nuttig")


@dataclass(frozen=True)
class Report:
    id: int
    created_at: str          # ISO 8601, UTC
    service_id: str
    organisation: str
    region_id: str
    reason: str
    remark: str | None = None
    notified_at: str | None = None
    resolved_at: str | None = None
    resolution: str | None = None
    resolved_by: int | None = None   # the editor's or coordinator's Telegram id

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason, self.reason)


def now_iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def clean_remark(text: str | None) -> str | None:
    """One line, at most REMARK_MAX characters; None when nothing is left."""
    text = " ".join((text or "").split())
    if not text:
        return None
    return text if len(text) <= REMARK_MAX else text[: REMARK_MAX - 1].rstrip() + "…"


_COLUMNS = ("id, created_at, service_id, organisation, region_id, reason, remark, notified_at, "
            "resolved_at, resolution, resolved_by")


def _report(row: aiosqlite.Row) -> Report:
    return Report(*tuple(row))


async def create(conn: aiosqlite.Connection, service: Service, reason: str, remark: str | None = None,
                 now: datetime | None = None) -> Report:
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    remark = clean_remark(remark)
    cur = await conn.execute(
        "INSERT INTO report (created_at, service_id, organisation, region_id, reason, remark) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (now_iso(now), service.id, service.organisation, service.region_id, reason, remark))
    assert cur.lastrowid is not None  # set by every INSERT
    report = await get(conn, cur.lastrowid)
    assert report is not None  # written just now, on this connection
    return report


async def get(conn: aiosqlite.Connection, report_id: int) -> Report | None:
    row = await fetch_one(conn, f"SELECT {_COLUMNS} FROM report WHERE id = ?", (report_id,))
    return _report(row) if row else None


async def set_remark(conn: aiosqlite.Connection, report_id: int, remark: str | None) -> None:
    await conn.execute("UPDATE report SET remark = ? WHERE id = ?", (clean_remark(remark), report_id))


async def withdraw(conn: aiosqlite.Connection, report_id: int) -> bool:
    """The school cancelled before the report was sent: it goes, unsent. False if already sent."""
    cur = await conn.execute("DELETE FROM report WHERE id = ? AND notified_at IS NULL", (report_id,))
    return cur.rowcount == 1


async def mark_notified(conn: aiosqlite.Connection, report_id: int,
                        now: datetime | None = None) -> bool:
    """True only for the first call: the caller that gets True sends the notification."""
    cur = await conn.execute("UPDATE report SET notified_at = ? WHERE id = ? AND notified_at IS NULL",
                             (now_iso(now), report_id))
    return cur.rowcount == 1


async def _close(conn: aiosqlite.Connection, column: Literal["id", "service_id"], key: int | str,
                 resolution: str, user_id: int | None, now: datetime | None) -> int:
    """Close the open reports whose `column` is `key`; the number closed."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"unknown resolution {resolution!r}")
    cur = await conn.execute(
        "UPDATE report SET resolved_at = ?, resolution = ?, resolved_by = ? "
        f"WHERE {column} = ? AND resolved_at IS NULL", (now_iso(now), resolution, user_id, key))
    return cur.rowcount


async def resolve(conn: aiosqlite.Connection, report_id: int, resolution: str, user_id: int | None,
                  now: datetime | None = None) -> bool:
    """Close an open report; False when it was already closed (by another editor, say)."""
    return await _close(conn, "id", report_id, resolution, user_id, now) == 1


async def resolve_service(conn: aiosqlite.Connection, service_id: str, resolution: str,
                          user_id: int | None, now: datetime | None = None) -> int:
    """Close every open report of a service (its entry was changed or confirmed as a whole)."""
    return await _close(conn, "service_id", service_id, resolution, user_id, now)


async def fetch(conn: aiosqlite.Connection, *, open_only: bool = False, organisation: str | None = None,
                since: str | None = None, unnotified_before: str | None = None) -> list[Report]:
    where: list[str] = []
    params: list[Any] = []
    if open_only:
        where.append("resolved_at IS NULL")
    if organisation is not None:
        where.append("organisation = ? COLLATE NOCASE")
        params.append(organisation)
    if since is not None:
        where.append("(created_at >= ? OR resolved_at >= ?)")
        params += [since, since]
    if unnotified_before is not None:
        where.append("notified_at IS NULL AND created_at < ?")
        params.append(unnotified_before)
    sql = f"SELECT {_COLUMNS} FROM report" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
    return [_report(r) for r in await fetch_all(conn, sql, params)]


async def notified_recently(conn: aiosqlite.Connection, service_id: str, since: str, other_than: int) -> bool:
    """Was another report on this service sent to its editors since `since` (ISO) and still open?
    Then a new one is bundled with it: recorded and listed, without another notice."""
    return await fetch_one(conn, "SELECT 1 FROM report WHERE service_id = ? AND id != ? AND notified_at >= ? "
                                 "AND resolved_at IS NULL LIMIT 1", (service_id, other_than, since)) is not None


# ── 👍/👎 on a service's card ───────────────────────────────────────────────────────────

async def add_card_feedback(conn: aiosqlite.Connection, service_id: str, feedback: str,
                            day: date | None = None) -> None:
    if feedback not in CARD_FEEDBACK:
        raise ValueError(f"unknown feedback {feedback!r}")
    await conn.execute("INSERT INTO service_feedback (day, service_id, feedback) VALUES (?, ?, ?)",
                       ((day or date.today()).isoformat(), service_id, feedback))


async def card_feedback(conn: aiosqlite.Connection,
                        service_ids: Iterable[str] | None = None) -> dict[str, Counter[str]]:
    """service id -> Counter of 'nuttig' / 'niet-nuttig'."""
    out: dict[str, Counter[str]] = {}
    rows = await fetch_all(conn, "SELECT service_id, feedback, COUNT(*) FROM service_feedback "
                                 "GROUP BY service_id, feedback")
    for service_id, feedback, n in rows:
        out.setdefault(service_id, Counter())[feedback] = n
    if service_ids is not None:
        wanted = set(service_ids)
        out = {k: v for k, v in out.items() if k in wanted}
    return out


def describe(report: Report) -> str:
    """One plain line for the audit and versheid views (the remark in quotes, clipped)."""
    when = report.created_at[:16].replace("T", " ")
    line = f"melding #{report.id}  {when} UTC  {report.organisation} · {report.service_id}: {report.reason_label}"
    if report.remark:
        line += f' — "{report.remark}"'
    if report.resolved_at:
        who = f" door gebruiker {report.resolved_by}" if report.resolved_by is not None else ""
        line += (f"  [opgelost {report.resolved_at[:10]}{who}: "
                 f"{RESOLUTIONS.get(report.resolution or '', report.resolution)}]")
    else:
        line += "  [open]"
    return line
