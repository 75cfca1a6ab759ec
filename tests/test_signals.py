"""Anonymous need signals: what is stored, how it is counted, suppressed and drawn."""
from __future__ import annotations

import subprocess
import sys
from datetime import date

import matplotlib.image
import pytest

from kennisbank import signals
from kennisbank.signals_chart import make_figure, png_bytes
from kennisbank.store import Store
from paths import BENCHMARK_KB

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def _fill(db_path):
    async with Store(db_path) as store:
        for _ in range(7):
            await signals.record(store.conn, "Lindegem", ["huisvesting"], ["caw-onthaal"], True, date(2026, 11, 2))
        for _ in range(6):
            await signals.record(store.conn, "Lindegem", ["huisvesting", "schulden"], [], False, date(2026, 11, 3))
        for _ in range(2):
            await signals.record(store.conn, "Oosterveld", ["voeding"], [], False, date(2026, 11, 4))
        await signals.record(store.conn, "Oosterveld", [], [], False, date(2025, 1, 1))
        sid = await signals.record(store.conn, "Hoogdonk", ["energie"], ["energiecel"], True, date(2026, 11, 5))
        assert await signals.add_feedback(store.conn, sid, "nuttig")


async def test_tabulate_counts_questions_and_gaps(tmp_path):
    db = tmp_path / "bot.sqlite3"
    await _fill(db)
    async with Store(db) as store:
        cells = {(c.municipality, c.theme): c for c in signals.tabulate(await signals.fetch(store.conn))}
        recent = signals.tabulate(await signals.fetch(store.conn, since=date(2026, 1, 1)))
        only = signals.tabulate(await signals.fetch(store.conn, municipalities=["Oosterveld"]))
    assert (cells["Lindegem", "huisvesting"].asked, cells["Lindegem", "huisvesting"].unmatched) == (13, 6)
    assert (cells["Lindegem", "schulden"].asked, cells["Lindegem", "schulden"].unmatched) == (6, 6)
    assert cells["Oosterveld", signals.UNKNOWN_THEME].asked == 1
    assert all(c.theme != signals.UNKNOWN_THEME for c in recent)
    assert {c.municipality for c in only} == {"Oosterveld"}


async def test_feedback_values_are_a_closed_list(tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        sid = await signals.record(store.conn, "Lindegem", ["voeding"], [], False)
        with pytest.raises(ValueError):
            await signals.add_feedback(store.conn, sid, "vrije tekst van een gebruiker")
        assert not await signals.add_feedback(store.conn, sid + 100, "nuttig")


def test_small_counts_are_suppressed():
    assert [signals.shown(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]
    assert [signals.publishable(n) for n in (3, 5)] == [0, 5]


async def test_signal_table_holds_no_text(tmp_path):
    """Only dates, municipality names, theme ids, service ids, flags: asserted on the database file."""
    db = tmp_path / "bot.sqlite3"
    await _fill(db)
    async with Store(db) as store, store.conn.execute("PRAGMA table_info(signal)") as cur:
        columns = {row[1] for row in await cur.fetchall()}
    assert columns == {"id", "day", "municipality", "themes", "services", "fitted", "feedback"}


def test_chart_bars_match_the_published_counts():
    cells = [signals.Cell("Lindegem", "huisvesting", 13, 6), signals.Cell("Oosterveld", "voeding", 2, 2)]
    fig = make_figure(cells)
    ax = fig.axes[0]
    asked = [p.get_width() for p in ax.containers[0]]
    gaps = [p.get_width() for p in ax.containers[1]]
    assert asked == [13, 0]  # 2 is below the threshold: not drawn, labelled "<5"
    assert gaps == [6, 0]
    labels = [t.get_text() for t in ax.texts]
    assert " <5" in labels and " 13" in labels
    assert "2" not in "".join(labels).replace("<5", "")


def test_chart_is_a_valid_png(tmp_path):
    data = png_bytes([signals.Cell("Lindegem", "schulden", 9, 1)])
    assert data.startswith(PNG_SIGNATURE)
    path = tmp_path / "chart.png"
    path.write_bytes(data)
    image = matplotlib.image.imread(path)
    assert image.shape[0] > 100 and image.shape[1] > 100


def test_signalen_cli_prints_table_and_writes_png(tmp_path):
    import asyncio

    db = tmp_path / "bot.sqlite3"
    asyncio.run(_fill(db))
    png = tmp_path / "out.png"
    run = subprocess.run([sys.executable, "-m", "bot.cli", "signalen", "--db", str(db), "--kb",
                          str(BENCHMARK_KB), "--region", "lindeland", "--since", "2026-01-01",
                          "--png", str(png)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "Lindegem" in run.stdout and "Wonen" in run.stdout
    assert "<5" in run.stdout  # Oosterveld's two voeding questions
    assert png.read_bytes().startswith(PNG_SIGNATURE)
    bad = subprocess.run([sys.executable, "-m", "bot.cli", "signalen", "--db", str(db), "--since", "gisteren"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "JJJJ-MM-DD" in bad.stderr
