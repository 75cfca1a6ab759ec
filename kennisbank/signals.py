"""Anonymous need signals for the local network: which needs come up where, and where nothing fits.

Each answered question leaves one row: the day, the municipality, the recognised theme ids, the
ids of the services shown, whether anything fitted, and later the feedback given. No text, no
user or chat id: the row cannot be traced back to a school or a family. Counts below
SUPPRESS_BELOW are shown as "<5" so that no family can be recognised in a small municipality.
"""
from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

SUPPRESS_BELOW = 5
UNKNOWN_THEME = "(geen thema herkend)"
FEEDBACK_VALUES = ("nuttig", "niet-nuttig", "klopt-niet")



@dataclass(frozen=True)
class Signal:
    day: date
    municipality: str | None
    themes: tuple[str, ...]
    services: tuple[str, ...]
    fitted: bool
    feedback: str | None = None


async def record(conn: aiosqlite.Connection, municipality: str | None, themes: Iterable[str],
                 services: Iterable[str], fitted: bool, day: date | None = None) -> int:
    """Store one answered question; returns the row id so feedback can be attached without a chat id."""
    cur = await conn.execute(
        "INSERT INTO signal (day, municipality, themes, services, fitted) VALUES (?, ?, ?, ?, ?)",
        ((day or date.today()).isoformat(), municipality, ",".join(themes), ",".join(services), int(fitted)),
    )
    assert cur.lastrowid is not None  # set by every INSERT
    return cur.lastrowid


async def record_or_none(conn: aiosqlite.Connection, municipality: str | None, themes: Iterable[str],
                         services: Iterable[str], fitted: bool) -> int | None:
    """record(), but a database failure only costs the signal (logged by type), never the answer."""
    try:
        return await record(conn, municipality, themes, services, fitted)
    except sqlite3.Error as exc:
        log.error("signal not recorded: %s", type(exc).__name__)
        return None


async def add_feedback(conn: aiosqlite.Connection, signal_id: int, feedback: str) -> bool:
    if feedback not in FEEDBACK_VALUES:
        raise ValueError(f"unknown feedback {feedback!r}")
    cur = await conn.execute("UPDATE signal SET feedback = ? WHERE id = ?", (feedback, signal_id))
    return cur.rowcount == 1


async def services_of(conn: aiosqlite.Connection, signal_id: int) -> list[str]:
    """The service ids an answer showed (for "klopt niet meer" on that answer); [] if unknown."""
    async with conn.execute("SELECT services FROM signal WHERE id = ?", (signal_id,)) as cur:
        row = await cur.fetchone()
    return [s for s in (row[0].split(",") if row else []) if s]


async def fetch(conn: aiosqlite.Connection, since: date | None = None,
                municipalities: Iterable[str] | None = None) -> list[Signal]:
    query = "SELECT day, municipality, themes, services, fitted, feedback FROM signal"
    params: list[Any] = []
    clauses = []
    if since is not None:
        clauses.append("day >= ?")
        params.append(since.isoformat())
    wanted = list(municipalities) if municipalities is not None else None
    if wanted is not None:
        clauses.append(f"municipality IN ({','.join('?' * len(wanted))})")
        params.extend(wanted)
    if clauses:
        query += " WHERE " + " AND ".join(clauses)
    async with conn.execute(query, params) as cur:
        rows = await cur.fetchall()
    return [
        Signal(date.fromisoformat(r[0]), r[1], tuple(filter(None, r[2].split(","))),
               tuple(filter(None, r[3].split(","))), bool(r[4]), r[5])
        for r in rows
    ]


@dataclass(frozen=True)
class Cell:
    """How often a need came up in a municipality, and how often nothing fitted (a gap)."""
    municipality: str
    theme: str
    asked: int
    unmatched: int


def tabulate(signals: Iterable[Signal]) -> list[Cell]:
    asked: Counter[tuple[str, str]] = Counter()
    unmatched: Counter[tuple[str, str]] = Counter()
    for s in signals:
        place = s.municipality or "(onbekende gemeente)"
        for theme in s.themes or (UNKNOWN_THEME,):
            asked[place, theme] += 1
            if not s.fitted:
                unmatched[place, theme] += 1
    return [Cell(m, t, n, unmatched[m, t]) for (m, t), n in sorted(asked.items(), key=lambda kv: (kv[0][0], -kv[1]))]


def shown(count: int) -> str:
    """A count as it may be published: small numbers could point at one family."""
    return f"<{SUPPRESS_BELOW}" if 0 < count < SUPPRESS_BELOW else str(count)


def publishable(count: int) -> int:
    """The value drawn in a chart: suppressed counts are drawn as 0 and labelled '<5'."""
    return count if count >= SUPPRESS_BELOW else 0
