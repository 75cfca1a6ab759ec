"""The needs chart a local network can put in a report (PNG, drawn with matplotlib).

One row per place and need, at the level `signals.by_level` chose (a municipality where counts
allow, else its region), needs sorted by how often they were asked; at most MAX_ROWS rows per
chart, more rows make more charts. Two series with a legend: questions asked and questions where
nothing fitted (a gap in the offer). Counts below 5 are drawn as 0 and labelled "<5", as in the
table, and rows with the same drawn count keep a fixed order, so the order gives nothing away.
"""
from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no screen on a server
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .signals import Cell, is_hidden, publishable, shown
from .themes import load_themes

ASKED_COLOUR = "#2b6cb0"
GAP_COLOUR = "#dd6b20"
MAX_ROWS = 15
TITLE = "Welke noden kwamen aan bod?"


def _theme(cell: Cell) -> str:
    themes = load_themes()
    return themes[cell.theme].label if cell.theme in themes else cell.theme


def _label(cell: Cell, one_place: bool) -> str:
    return _theme(cell) if one_place else f"{cell.municipality} · {_theme(cell)}"


def make_figure(cells: Sequence[Cell], title: str = TITLE, footnote: str = "") -> Figure:
    """Two bars per place and need: questions asked, and questions where nothing fitted."""
    rows = list(cells)
    places = {c.municipality for c in rows}
    one_place = len(places) == 1
    if one_place:
        title = f"{title}\n{next(iter(places))}"
    note = textwrap.fill(footnote, 150) if footnote else ""
    height = max(3.0, 0.5 * len(rows) + 2.2 + 0.2 * note.count("\n"))
    fig, ax = plt.subplots(figsize=(10, height), dpi=100)
    ys = list(range(len(rows)))
    bar = 0.38
    asked = [publishable(c.asked) for c in rows]
    gaps = [publishable(c.unmatched) for c in rows]
    ax.barh([y - bar / 2 for y in ys], asked, height=bar, color=ASKED_COLOUR, label="vragen",
            gid="asked")
    ax.barh([y + bar / 2 for y in ys], gaps, height=bar, color=GAP_COLOUR,
            label="niets gevonden (gat in het aanbod)", gid="unmatched")
    for y, c in enumerate(rows):
        ax.text(publishable(c.asked), y - bar / 2, f" {shown(c.asked)}", va="center", fontsize=8)
        ax.text(publishable(c.unmatched), y + bar / 2, f" {shown(c.unmatched)}", va="center", fontsize=8,
                color=GAP_COLOUR)
    ax.set_yticks(ys, [_label(c, one_place) for c in rows], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("aantal vragen (kleiner dan 5 wordt getoond als <5)")
    fig.suptitle(title)
    if rows:
        ax.set_xlim(0, max([*asked, *gaps, 5]) * 1.15)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=9, frameon=False)
    else:
        ax.text(0.5, 0.5, "Geen signalen in deze maand", ha="center", va="center", transform=ax.transAxes)
    ax.grid(axis="x", alpha=0.3)
    if note:
        fig.text(0.01, 0.01, note, fontsize=8, va="bottom", ha="left")
    fig.tight_layout(rect=(0, 0.03 + 0.03 * (note.count("\n") + 1) * 4 / height if note else 0, 1, 1))
    return fig


def make_figures(cells: Sequence[Cell], title: str = TITLE) -> list[Figure]:
    """The rows in charts of at most MAX_ROWS each ("(1/3)" in the title when there is more than one).

    When there are more rows than fit one chart, needs asked fewer than 5 times get no empty bar
    of their own: they are named in one line under the chart (no number: they are all "<5").
    """
    rows = list(cells)
    footnote = ""
    if len(rows) > MAX_ROWS:
        small = [c for c in rows if is_hidden(c.asked)]
        rows = [c for c in rows if not is_hidden(c.asked)]
        by_place: dict[str, list[str]] = {}
        for c in small:
            by_place.setdefault(c.municipality, []).append(_theme(c))
        footnote = "Minder dan 5 keer gevraagd (<5): " + "; ".join(
            f"{place}: {', '.join(needs)}" for place, needs in by_place.items()) + "."
    chunks = [rows[i:i + MAX_ROWS] for i in range(0, len(rows), MAX_ROWS)] or [[]]
    if len(chunks) == 1:
        return [make_figure(chunks[0], title, footnote)]
    return [make_figure(chunk, f"{title} ({n}/{len(chunks)})", footnote if n == len(chunks) else "")
            for n, chunk in enumerate(chunks, 1)]


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    return buffer.getvalue()


def png_bytes(cells: Sequence[Cell], title: str | None = None) -> bytes:
    """One chart of all rows (see `pngs` for charts of at most MAX_ROWS rows)."""
    return _png(make_figure(cells, **({"title": title} if title else {})))


def pngs(cells: Sequence[Cell], title: str = TITLE) -> list[bytes]:
    return [_png(fig) for fig in make_figures(cells, title)]
