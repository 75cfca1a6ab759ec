"""Anonymous need signals: what is stored, how it is counted, suppressed and drawn."""
from __future__ import annotations

import subprocess
import sys
from datetime import date

import matplotlib.image
import matplotlib.pyplot as plt
import pytest

from bot.commands.signalen import month_name
from kennisbank import signals
from kennisbank.signals_chart import make_figure, make_figures, png_bytes
from kennisbank.store import Store
from kennisbank.themes import load_themes
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


def test_signalen_cli_prints_one_complete_month_and_writes_png(tmp_path):
    import asyncio

    db = tmp_path / "bot.sqlite3"
    asyncio.run(_fill(db))
    last = signals.last_complete_month()

    async def add_last_month():
        async with Store(db) as store:
            for _ in range(7):
                await signals.record(store.conn, "Lindegem", ["huisvesting"], [], True, last.first)
            for _ in range(2):
                await signals.record(store.conn, "Oosterveld", ["voeding"], [], False, last.first)
    asyncio.run(add_last_month())
    png = tmp_path / "out.png"
    run = subprocess.run([sys.executable, "-m", "bot.cli", "signalen", "--db", str(db), "--kb",
                          str(BENCHMARK_KB), "--region", "lindeland", "--png", str(png)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert month_name(last) in run.stdout
    assert "Lindegem" in run.stdout and "Wonen" in run.stdout
    assert "<5" in run.stdout  # Oosterveld's two voeding questions
    assert png.read_bytes().startswith(PNG_SIGNATURE)
    older = subprocess.run([sys.executable, "-m", "bot.cli", "signalen", "--db", str(db), "--maand", "2025-1"],
                           capture_output=True, text=True)
    assert older.returncode == 0 and "Lindegem" not in older.stdout and "<5" in older.stdout
    for argv, expected in ((["--since", "2026-01-01"], "--maand JJJJ-MM"), (["--maand", "gisteren"], "JJJJ-MM"),
                           (["--maand", str(signals.Month.of(date.today()))], "nog niet voorbij")):
        bad = subprocess.run([sys.executable, "-m", "bot.cli", "signalen", "--db", str(db), *argv],
                             capture_output=True, text=True)
        assert bad.returncode == 2 and expected in bad.stderr, argv


# ── what may be published: fixed months, suppression, totals ─────────────────────────────

def test_months_are_fixed_calendar_months():
    oct26 = signals.Month.parse("2026-10")
    assert (oct26.first, oct26.end) == (date(2026, 10, 1), date(2026, 11, 1))
    assert signals.Month.parse("2026-12").end == date(2027, 1, 1)
    assert signals.Month.parse("2026-1").previous() == signals.Month(2025, 12)
    assert str(signals.Month(2026, 3)) == "2026-03"
    assert signals.Month.parse("\uff12\uff10\uff12\uff16-10 ") == oct26       # full-width digits, as typed
    for text in ("2026", "2026-13", "2026-00", "26-10", "2026-10-01", "oktober", "-10", "1999-12"):
        with pytest.raises(ValueError):
            signals.Month.parse(text)
    assert not oct26.is_complete(date(2026, 10, 31)) and oct26.is_complete(date(2026, 11, 1))
    assert signals.last_complete_month(date(2026, 1, 1)) == signals.Month(2025, 12)
    assert signals.last_complete_month(date(2026, 11, 30)) == oct26


async def test_fetch_month_only_gives_complete_months(tmp_path):
    db = tmp_path / "bot.sqlite3"
    await _fill(db)
    async with Store(db) as store:
        november = await signals.fetch_month(store.conn, signals.Month(2026, 11), today=date(2026, 12, 1))
        assert len(november) == 16 and {s.day.month for s in november} == {11}
        with pytest.raises(signals.IncompleteMonth):
            await signals.fetch_month(store.conn, signals.Month(2026, 11), today=date(2026, 11, 30))
        with pytest.raises(signals.IncompleteMonth):
            await signals.fetch_month(store.conn, signals.Month(2027, 1), today=date(2026, 12, 1))


def published(cells):
    return {(p.municipality, p.theme): (p.asked, p.unmatched) for p in signals.publish(cells)}


def test_a_total_is_published_only_when_no_cell_of_its_row_is_hidden():
    C = signals.Cell
    out = published([C("A", "huisvesting", 9, 6), C("A", "schulden", 5, 0),      # nothing hidden
                     C("B", "huisvesting", 9, 6), C("B", "voeding", 3, 0),       # one hidden: total - 9 = 3
                     C("C", "voeding", 1, 1), C("C", "energie", 1, 1),           # two hidden: 1 + 1 = 2
                     C("D", "energie", 2, 2)])                                   # one cell: no total row
    assert out["A", signals.TOTAL] == ("14", "6")
    assert out["B", "voeding"] == ("<5", "0") and out["B", signals.TOTAL] == ("x", "6")
    assert out["C", signals.TOTAL] == ("x", "x")
    assert ("D", signals.TOTAL) not in out and out["D", "energie"] == ("<5", "<5")


def test_a_hidden_gap_hides_only_the_gap_total():
    out = published([signals.Cell("A", "huisvesting", 9, 2), signals.Cell("A", "schulden", 7, 5)])
    assert out["A", "huisvesting"] == ("9", "<5")
    assert out["A", signals.TOTAL] == ("16", "x")    # 16 - 9 - 7 = 0 hides nothing; 7 - 5 would give 2


def test_the_decision_to_hide_a_total_depends_only_on_which_cells_are_hidden():
    """Else a hidden total would itself say something (e.g. "the hidden cells are all 1")."""
    C = signals.Cell
    for small in ((1, 1), (4, 4), (2, 3), (1, 4)):
        out = published([C("A", "huisvesting", 8, 0), C("A", "voeding", small[0], 0), C("A", "energie", small[1], 0)])
        assert out["A", signals.TOTAL][0] == "x", small


def test_published_rows_have_no_number_below_5_except_0():
    C = signals.Cell
    cells = [C(m, t, a, u) for m in "ABC" for t, a, u in (("huisvesting", 7, 3), ("voeding", 4, 4), ("energie", 12, 0))]
    for p in signals.publish(cells):
        for value in (p.asked, p.unmatched):
            assert value in ("<5", "x", "0") or int(value) >= 5


# ── the chart for a report (issue 15): level, period, series, rows ───────────────────────

REGIONS = [("Regio Beekland", ["Beekdonk", "Wilgenbroek", "Hazelveld"]), ("Regio Meersdal", ["Meerskerke", "Rietbeke"])]


def test_by_level_keeps_a_municipality_only_where_its_counts_allow():
    cells = [signals.Cell("Beekdonk", "huisvesting", 9, 2), signals.Cell("Beekdonk", "schulden", 6, 0),
             signals.Cell("Beekdonk", "voeding", 1, 1),
             signals.Cell("Wilgenbroek", "huisvesting", 3, 1), signals.Cell("Hazelveld", "huisvesting", 2, 0),
             signals.Cell("Hazelveld", "voeding", 4, 4),
             signals.Cell("Meerskerke", "schulden", 2, 1), signals.Cell("Rietbeke", "schulden", 3, 0),
             signals.Cell("Elders", "energie", 1, 0)]
    rows = {(c.municipality, c.theme): (c.asked, c.unmatched) for c in signals.by_level(cells, REGIONS)}
    assert rows == {
        ("Beekdonk", "huisvesting"): (9, 2), ("Beekdonk", "schulden"): (6, 0), ("Beekdonk", "voeding"): (1, 1),
        ("Regio Beekland (andere gemeenten)", "huisvesting"): (5, 1),
        ("Regio Beekland (andere gemeenten)", "voeding"): (4, 4),
        ("Regio Meersdal (alle gemeenten)", "schulden"): (5, 1),
        ("Elders", "energie"): (1, 0),   # in no region: its own row, as before
    }
    # a partition: every question counted once, so no published number is a difference of two others
    assert sum(a for a, _ in rows.values()) == sum(c.asked for c in cells)


def test_rows_with_the_same_drawn_count_keep_a_fixed_order():
    """Sorting by the true count would rank hidden cells (a 4 above a 1)."""
    cells = [signals.Cell("Elders", t, n, 0) for t, n in (("voeding", 4), ("energie", 1), ("schulden", 7))]
    assert [c.theme for c in signals.by_level(cells, [])] == ["schulden", "energie", "voeding"]


def chart_texts(fig):
    return [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]


def test_the_chart_names_the_period_and_shows_both_series_with_a_legend():
    from bot.commands.signalen import chart_title
    month = signals.Month(2026, 10)
    cells = [signals.Cell("Regio Beekland (alle gemeenten)", "huisvesting", 9, 5),
             signals.Cell("Regio Beekland (alle gemeenten)", "voeding", 6, 0)]
    (fig,) = make_figures(cells, chart_title(month, "Regio Beekland"))
    assert "oktober 2026" in fig.get_suptitle() and "Regio Beekland" in fig.get_suptitle()
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["vragen", "niets gevonden (gat in het aanbod)"]
    assert [p.get_width() for p in ax.containers[1]] == [5, 0]   # the gap is a bar of its own
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Wonen en huisvesting", "Voeding"]


def test_a_busy_month_gives_charts_of_at_most_15_rows_and_names_the_small_needs_once():
    themes = list(load_themes())
    cells = [signals.Cell(place, theme, 5 + (i * 7 + j) % 9, 0) for i, place in enumerate(("A", "B"))
             for j, theme in enumerate(themes[:12])]
    cells += [signals.Cell("A", theme, 2, 1) for theme in themes[12:20]]
    figures = make_figures(cells, "Welke noden? oktober 2026")
    rows = [len(fig.axes[0].get_yticklabels()) for fig in figures]
    assert rows == [15, 9]   # 24 rows of 5 or more; the 8 small ones are named, not drawn
    titles = [f.get_suptitle().split("\n")[0] for f in figures]
    assert titles == ["Welke noden? oktober 2026 (1/2)", "Welke noden? oktober 2026 (2/2)"]
    (note,) = [t for t in chart_texts(figures[-1]) if t.startswith("Minder dan")]
    assert "Minder dan 5 keer gevraagd (<5): A:" in note
    assert all(load_themes()[t].label.split()[0] in note for t in themes[12:20])
    assert not any(ch.isdigit() for ch in note.split("(<5):")[1])   # names only, never a count
    for fig in figures:
        plt.close(fig)


async def test_72_questions_over_6_municipalities_make_one_readable_region_chart(tmp_path):
    import random
    rng = random.Random(15)
    places = ["Beekdonk"] * 22 + ["Wilgenbroek"] * 9 + ["Hazelveld"] * 7 + ["Meerskerke"] * 18 + ["Rietbeke"] * 10 \
        + ["Zilverhoek"] * 6
    needs = ["huisvesting"] * 8 + ["schulden"] * 6 + ["voeding"] * 5 + ["inkomen"] * 4 + ["opvoeding"] * 3 \
        + ["schoolkosten", "energie", "geweld", "kinderopvang", "taal-inburgering", "verblijf", "gezondheid"]
    found = [signals.Signal(date(2026, 10, 1 + i % 28), place, (rng.choice(needs),), (), rng.random() > 0.3)
             for i, place in enumerate(places)]
    regions = [("Regio Beekland", ["Beekdonk", "Wilgenbroek", "Hazelveld"]),
               ("Regio Meersdal", ["Meerskerke", "Rietbeke", "Zilverhoek"])]
    cells = signals.by_level(signals.tabulate(found), regions)
    assert {c.municipality for c in cells} <= {"Beekdonk", "Meerskerke", "Regio Beekland (andere gemeenten)",
                                                "Regio Beekland (alle gemeenten)", "Regio Meersdal (andere gemeenten)",
                                                "Regio Meersdal (alle gemeenten)"}
    figures = make_figures(cells, "Welke noden kwamen aan bod? alle regio's, oktober 2026")
    assert len(figures) == 1 and len(figures[0].axes[0].get_yticklabels()) <= 15
    drawn = [p.get_width() for p in figures[0].axes[0].containers[0]]
    assert drawn and all(w >= signals.SUPPRESS_BELOW for w in drawn)   # no empty "<5" bars when rows are many
    plt.close(figures[0])
