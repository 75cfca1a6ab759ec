"""Anonymous need signals for the local network: which needs come up where, and where nothing fits.

Each answered question leaves one row: the day, the municipality, the recognised theme ids, the
ids of the services shown, whether anything fitted, and later the feedback given. No text, no
user or chat id: the row cannot be traced back to a school or a family. Counts below
SUPPRESS_BELOW are shown as "<5" so that no family can be recognised in a small municipality.

Suppression must hold under every question a user can ask, not only in one table, so what is
published is fixed (issue 14, "period differencing"):

* Only complete calendar months (`Month`), never a window ending today or starting at a chosen
  day: two overlapping windows (90 and 91 days, or a month asked on the 10th and the 11th) differ
  by a few questions, and that difference is exactly the small count the "<5" hides. Calendar
  months never overlap and a complete month never changes (a signal is dated the day it is
  recorded), so every month is one fixed table, and no published number spans two months.
* Within a month the cells are per municipality and need; a municipality's row has a total
  ("alle noden samen"). A total is the only number that adds cells up, so it is published only
  when no cell in its row is hidden (`publish`): total minus the shown cells would give the
  hidden one, and with two hidden cells the sum can still pin them (1 + 1 = 2). Hiding a second
  cell instead would have to be shown as "<5" (false: it is 5 or more) or as something else (and
  then the small one is total - shown - "at least 5", pinned when that is 1). "Niets gevonden"
  is never larger than "vragen", so a hidden "vragen" has a "niets gevonden" of 0 or "<5", and
  the two columns' totals are decided separately.
* A region is a set of whole municipalities and a municipality's row is the same in every view
  (a region coordinator, all regions, the command line), so views cannot be subtracted either.
"""
from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import aiosqlite

from .store import fetch_all, fetch_one
from .text import clean

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
                         services: Iterable[str], fitted: bool,
                         on_error: Callable[[BaseException], Awaitable[object]] | None = None) -> int | None:
    """record(), but a database failure only costs the signal (logged by type, and handed to
    `on_error`, e.g. Store.note_error), never the answer."""
    try:
        return await record(conn, municipality, themes, services, fitted)
    except sqlite3.Error as exc:
        log.error("signal not recorded: %s", type(exc).__name__)
        if on_error is not None:
            await on_error(exc)
        return None


async def add_feedback(conn: aiosqlite.Connection, signal_id: int, feedback: str) -> bool:
    if feedback not in FEEDBACK_VALUES:
        raise ValueError(f"unknown feedback {feedback!r}")
    cur = await conn.execute("UPDATE signal SET feedback = ? WHERE id = ?", (feedback, signal_id))
    return cur.rowcount == 1


async def services_of(conn: aiosqlite.Connection, signal_id: int) -> list[str]:
    """The service ids an answer showed (for "klopt niet meer" on that answer); [] if unknown."""
    row = await fetch_one(conn, "SELECT services FROM signal WHERE id = ?", (signal_id,))
    return [s for s in (row[0].split(",") if row else []) if s]


async def fetch(conn: aiosqlite.Connection, since: date | None = None,
                municipalities: Iterable[str] | None = None, until: date | None = None) -> list[Signal]:
    """The stored signals from `since` up to (not including) `until`; for publishing use
    `fetch_month`, which only allows the fixed periods."""
    query = "SELECT day, municipality, themes, services, fitted, feedback FROM signal"
    params: list[Any] = []
    clauses = []
    if since is not None:
        clauses.append("day >= ?")
        params.append(since.isoformat())
    if until is not None:
        clauses.append("day < ?")
        params.append(until.isoformat())
    wanted = list(municipalities) if municipalities is not None else None
    if wanted is not None:
        clauses.append(f"municipality IN ({','.join('?' * len(wanted))})")
        params.extend(wanted)
    if clauses:
        query += " WHERE " + " AND ".join(clauses)
    rows = await fetch_all(conn, query, params)
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


# ── what may be published: complete calendar months, suppressed cells, safe totals ──────

@dataclass(frozen=True, order=True)
class Month:
    """A calendar month: the only period for which signals are published."""
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 2000 <= self.year <= 9999:
            raise ValueError(f"no such month: {self.year}-{self.month}")

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-10' (also '2026-1', or typed with other digits: kennisbank.text.clean); ValueError otherwise."""
        year, sep, month = clean(text).strip().partition("-")
        if not sep or not (year.isascii() and year.isdigit() and len(year) == 4
                           and month.isascii() and month.isdigit() and 1 <= len(month) <= 2):
            raise ValueError(f"not a month: {text!r}")
        return cls(int(year), int(month))

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """The first day after the month."""
        return (self.first + timedelta(days=32)).replace(day=1)

    def previous(self) -> Month:
        return Month.of(self.first - timedelta(days=1))

    def is_complete(self, today: date) -> bool:
        return self.end <= today

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def last_complete_month(today: date | None = None) -> Month:
    return Month.of(today or date.today()).previous()


class IncompleteMonth(ValueError):
    """The month is not over yet (or still to come): its counts would change from day to day."""


async def fetch_month(conn: aiosqlite.Connection, month: Month, municipalities: Iterable[str] | None = None,
                      today: date | None = None) -> list[Signal]:
    """The signals of one complete month: the only way they are published."""
    if not month.is_complete(today or date.today()):
        raise IncompleteMonth(str(month))
    return await fetch(conn, month.first, municipalities, until=month.end)


TOTAL = "(alle noden samen)"
HIDDEN_TOTAL = "x"


@dataclass(frozen=True)
class Published:
    """One line of the published table: a cell, or a municipality's total (theme == TOTAL)."""
    municipality: str
    theme: str
    asked: str
    unmatched: str


def publish(cells: Iterable[Cell]) -> list[Published]:
    """The cells with small counts suppressed and, per municipality, a total that gives none away.

    A count from 1 to SUPPRESS_BELOW - 1 is "<5" (0 is shown: it points at nobody). A municipality's total of a
    column is published only if no cell of that column in its row is hidden, else HIDDEN_TOTAL:
    complementary suppression by hiding the total (see the module docstring for why not a
    second cell). The decision depends only on which cells are hidden, never on their values.
    """
    rows: dict[str, list[Cell]] = {}
    for cell in cells:
        rows.setdefault(cell.municipality, []).append(cell)
    out: list[Published] = []
    for place, row in rows.items():
        asked_hidden = any(is_hidden(c.asked) for c in row)
        unmatched_hidden = any(is_hidden(c.unmatched) for c in row)
        for c in row:
            out.append(Published(place, c.theme, shown(c.asked), shown(c.unmatched)))
        if len(row) > 1:   # one cell: its total is the cell itself
            out.append(Published(
                place, TOTAL,
                HIDDEN_TOTAL if asked_hidden else str(sum(c.asked for c in row)),
                HIDDEN_TOTAL if unmatched_hidden else str(sum(c.unmatched for c in row))))
    return out


def is_hidden(count: int) -> bool:
    return 0 < count < SUPPRESS_BELOW


def shown(count: int) -> str:
    """A count as it may be published: small numbers could point at one family."""
    return f"<{SUPPRESS_BELOW}" if 0 < count < SUPPRESS_BELOW else str(count)


def publishable(count: int) -> int:
    """The value drawn in a chart: suppressed counts are drawn as 0 and labelled '<5'."""
    return count if count >= SUPPRESS_BELOW else 0


# ── the level a month is published at: municipality where counts allow, else the region ─

def pooled_label(region_name: str, all_pooled: bool) -> str:
    return f"{region_name} (alle gemeenten)" if all_pooled else f"{region_name} (andere gemeenten)"


def by_level(cells: Iterable[Cell], regions: Iterable[tuple[str, Iterable[str]]]) -> list[Cell]:
    """The cells at the level most of them reach SUPPRESS_BELOW: a municipality keeps its own row
    only when at least half of its needs were asked 5 times or more; the other municipalities of
    its region are added up into one row ("Regio X (andere gemeenten)", or "(alle gemeenten)").

    Still safe to publish with `publish`: the rows are a partition of the municipalities (a
    municipality is in exactly one row, never also in a sum), so no published number is the
    difference of two others; the partition is decided per region from that region's month only,
    so every view (one region, all regions, the command line) shows the same rows. A municipality
    in no region keeps its own row.
    """
    cells = list(cells)
    rows: dict[str, list[Cell]] = {}
    for cell in cells:
        rows.setdefault(cell.municipality, []).append(cell)
    region_of: dict[str, str] = {}
    for name, municipalities in regions:
        for m in municipalities:
            region_of.setdefault(m, name)
    own = {m for m, row in rows.items()
           if m not in region_of or 2 * sum(c.asked >= SUPPRESS_BELOW for c in row) >= len(row)}
    pooled_regions = {region_of[m] for m in rows if m not in own}
    all_pooled = {name: not any(region_of.get(m) == name for m in own) for name in pooled_regions}
    out = [c for c in cells if c.municipality in own]
    sums: dict[tuple[str, str], list[int]] = {}
    for c in cells:
        if c.municipality not in own:
            name = region_of[c.municipality]
            total = sums.setdefault((pooled_label(name, all_pooled[name]), c.theme), [0, 0])
            total[0] += c.asked
            total[1] += c.unmatched
    out += [Cell(place, theme, a, u) for (place, theme), (a, u) in sums.items()]
    return sorted(out, key=lambda c: (c.municipality, -publishable(c.asked), c.theme))
