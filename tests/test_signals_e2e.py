"""/signalen end to end (issue 14, "period differencing"): whatever a coordinator asks, no count
below 5 can be found by subtracting published numbers.

The real bot polls the Bot API stand-in and reads a real SQLite file seeded with signals over
several months (the running month too, many small cells, questions with two needs). Every
argument the command accepts is asked by a coordinator of one region and by one of all regions;
every number in every table becomes an equation over the true counts (a cell = its value, a
total = the sum of its row). The test then checks, by linear algebra over all equations
together, that no true count from 1 to 4 is a combination of them, and that no equation leaves
hidden counts whose sum pins them (all 1 or all 4).
"""
from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date

import numpy as np
import pytest

from bot.commands.signalen import month_name
from bot.render import html_to_plain
from kennisbank import signals
from kennisbank.themes import load_themes

REGION_COORDINATOR, ALL_COORDINATOR = 900, 903
PLACES = ("Lindegem", "Oosterveld", "Hoogdonk", "Elders", None)
THEMES = ("huisvesting", "schulden", "voeding", "energie")


@pytest.fixture
def roles(monkeypatch):
    monkeypatch.setenv("WELZIJNSBOT_COORDINATORS", f"{REGION_COORDINATOR}:lindeland,{ALL_COORDINATOR}")


def seed_plan(today: date) -> list[tuple[date, str | None, tuple[str, ...], bool]]:
    """Signals over the running month and the four before it: many counts of 1 to 4."""
    rng = random.Random(14)
    month = signals.Month.of(today)
    months = [month]
    for _ in range(4):
        months.append(months[-1].previous())
    plan: list[tuple[date, str | None, tuple[str, ...], bool]] = []
    for m in months:
        last_day = today.day if m == month else 28
        for place in PLACES:
            for theme in THEMES:
                # Hoogdonk's last complete month only has cells of 5 or more: its totals are published
                full = place == "Hoogdonk" and m == months[1]
                for _ in range(rng.choice((5, 6, 9)) if full else rng.choice((0, 1, 2, 3, 4, 5, 7))):
                    plan.append((m.first.replace(day=rng.randint(1, last_day)), place, (theme,),
                                 rng.random() < 0.6))
            for _ in range(rng.choice((0, 1, 2))):      # a question with two needs counts for both
                plan.append((m.first.replace(day=rng.randint(1, last_day)), place, ("huisvesting", "schulden"),
                             False))
    return plan


def truth(plan) -> dict[tuple[str, str, str, str], int]:
    """(month, municipality, theme, column) -> the true count, counted here independently."""
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for day, place, themes, fitted in plan:
        for theme in themes:
            key = (str(signals.Month.of(day)), place or "(onbekende gemeente)", theme)
            counts[(*key, "asked")] += 1
            if not fitted:
                counts[(*key, "unmatched")] += 1
    return dict(counts)


def parse_table(text: str, labels: dict[str, str]) -> list[tuple[str, str, str, str]]:
    plain = html_to_plain(text)
    if "Geen signalen in deze maand" in plain:
        return []
    lines = plain.splitlines()
    assert "nog" not in plain.split("Gemeente")[-1]     # the whole table fitted the message
    start = next(i for i, line in enumerate(lines) if line.startswith("Gemeente"))
    rows = []
    for line in lines[start + 1:]:
        parts = re.split(r"\s{2,}", line.strip())
        if len(parts) != 4:
            break
        place, label, asked, unmatched = parts
        rows.append((place, labels.get(label, label), asked, unmatched))
    return rows


def members(rows, regions: dict[str, set[str]]) -> dict[str, set[str]]:
    """The municipalities behind each row's place: itself, or the region's others when added up
    ("Regio Lindeland (andere gemeenten)": every municipality of that region without its own row)."""
    own = {r[0] for r in rows}
    out: dict[str, set[str]] = {}
    for place in own:
        region = next((name for name in regions if place in (signals.pooled_label(name, True),
                                                             signals.pooled_label(name, False))), None)
        out[place] = {place} if region is None else regions[region] - own
    return out


def equations(month: str, rows, columns: dict[tuple, int],
              regions: dict[str, set[str]]) -> list[tuple[dict[int, int], int]]:
    """Each published number as (coefficients over the true cells, value)."""
    out = []
    places = members(rows, regions)
    for place, theme, asked, unmatched in rows:
        for column, value in (("asked", asked), ("unmatched", unmatched)):
            if value in ("<5", signals.HIDDEN_TOTAL):
                continue
            cells = [i for (m, p, t, c), i in columns.items()
                     if (m, c) == (month, column) and p in places[place] and (theme == signals.TOTAL or t == theme)]
            out.append((dict.fromkeys(cells, 1), int(value)))
    return out


async def test_no_combination_of_signalen_reveals_a_count_below_5(bot, chat, standin, roles):
    today = date.today()
    plan = seed_plan(today)
    async with bot.state.store.transaction() as conn:
        for day, place, themes, fitted in plan:
            await signals.record(conn, place, themes, [], fitted, day)
    true = truth(plan)
    columns = {key: i for i, key in enumerate(sorted(true))}
    labels = {t.label: theme_id for theme_id, t in load_themes().items()}
    regions = {r.name: {m.name for m in r.municipalities} for r in bot.state.knowledge.kb.regions.values()}

    running = signals.Month.of(today)
    last = running.previous()
    asked_months = [running]                  # the running month, then five complete ones
    for _ in range(5):
        asked_months.append(asked_months[-1].previous())
    arguments = [None, *(str(m) for m in asked_months), f"{running.year + 1}-01",
                 # the old forms, each a window ending today: refused now
                 "1", "2", "3", "5", "90", "365", "--since", "2026-10-01", str(last.year), "2026-13", "oktober",
                 f"{last} {last.previous()}"]
    published: list[tuple[dict[int, int], int]] = []
    tables = 0
    for coordinator in (REGION_COORDINATOR, ALL_COORDINATOR):
        for argument in arguments:
            replies = await chat(coordinator).send("/signalen" + (f" {argument}" if argument else ""))
            month = last if argument is None else None
            if argument is not None:
                try:
                    month = signals.Month.parse(argument)
                except ValueError:
                    month = None
            if month is None or not month.is_complete(today):
                # refused with an explanation, and nothing counted is sent
                assert [c.method for c in replies] == ["sendMessage"], argument
                assert "volledige" in replies[0].text, argument
                continue
            *photos, text = replies
            assert photos and all(p.method == "sendPhoto" for p in photos) and month_name(month) in text.text
            rows = parse_table(text.text, labels)
            places = set().union(*members(rows, regions).values())
            if coordinator == REGION_COORDINATOR:
                assert places <= {"Lindegem", "Oosterveld", "Hoogdonk"}
            tables += 1
            published += equations(str(month), rows, columns, regions)
    assert tables == 2 * 6   # the last complete month twice (no argument and by name), 4 more, per coordinator

    values = [true[key] for key in sorted(true)]
    # every published number is right
    for coefficients, value in published:
        assert sum(values[i] * k for i, k in coefficients.items()) == value
    # some totals are published (Hoogdonk), so the check below is not empty
    assert any(len(c) > 1 for c, _v in published)

    matrix = np.zeros((len(published), len(values)))
    for row, (coefficients, _value) in enumerate(published):
        for i, k in coefficients.items():
            matrix[row, i] = k
    rank = np.linalg.matrix_rank(matrix)
    small = [key for key, i in columns.items() if 1 <= values[i] < signals.SUPPRESS_BELOW]
    assert len(small) > 50
    for key in small:
        unit = np.zeros((1, len(values)))
        unit[0, columns[key]] = 1
        # derivable by adding and subtracting published numbers <=> in their span
        assert np.linalg.matrix_rank(np.vstack([matrix, unit])) > rank, f"{key} can be computed"
    # nor pinned by bounds: once the shown cells are subtracted, no equation is left with hidden
    # cells whose sum is that of all ones or all fours
    shown_exact = {next(iter(c)): v for c, v in published if len(c) == 1}
    for coefficients, value in published:
        hidden = [i for i in coefficients if i not in shown_exact]
        rest = value - sum(shown_exact[i] for i in coefficients if i in shown_exact)
        if hidden:
            assert rest not in (len(hidden), 4 * len(hidden)), "hidden cells pinned by a total"


async def test_a_long_signals_table_arrives_whole_over_several_valid_messages(bot, chat, standin, roles):
    """Issue 13: a table longer than one message was cut to the rows that fit; now every row is
    sent, over several messages, each a valid <pre> block Telegram accepts."""
    from bot.render import MESSAGE_LIMIT, visible_len
    from kennisbank.schema import THEME_IDS
    last = signals.last_complete_month(date.today())
    day = date(last.year, last.month, 10)
    places = [f"Sint-{name}-ten-Velde" for name in ("Jan", "Pieter", "Maria", "Amands", "Baafs")]
    async with bot.state.store.transaction() as conn:
        for place in places:
            for theme in THEME_IDS:
                for _ in range(5):
                    await signals.record(conn, place, [theme], [], True, day)
    since = len(standin.calls)
    await chat(ALL_COORDINATOR).send("/signalen")
    sent = standin.calls_to("sendMessage", chat_id=ALL_COORDINATOR, since=since, ok_only=False)
    assert len(sent) >= 2
    assert all(c.status == 200 for c in sent)                       # Telegram accepted every part
    assert all(visible_len(c.text) <= MESSAGE_LIMIT for c in sent)
    assert all(c.text.count("<pre>") == c.text.count("</pre>") == 1 for c in sent)
    text = html_to_plain("\n".join(c.text for c in sent))
    labels = load_themes()
    for place in places:                                            # every row, none cut off
        for theme in THEME_IDS:
            assert re.search(rf"{place}\s+{re.escape(labels[theme].label)}\s+5\b", text), (place, theme)
    assert "… en nog" not in text
