"""The needs chart a local network can put in a report (PNG, drawn with matplotlib)."""
from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no screen on a server
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .signals import Cell, publishable, shown
from .themes import load_themes

ASKED_COLOUR = "#2b6cb0"
GAP_COLOUR = "#dd6b20"


def _label(cell: Cell) -> str:
    themes = load_themes()
    theme = themes[cell.theme].label if cell.theme in themes else cell.theme
    return f"{cell.municipality} · {theme}"


def make_figure(cells: Sequence[Cell], title: str = "Welke noden kwamen aan bod?") -> Figure:
    """Two bars per municipality and theme: questions asked, and questions where nothing fitted."""
    rows = list(cells)
    height = max(2.5, 0.45 * len(rows) + 1.5)
    fig, ax = plt.subplots(figsize=(9, height), dpi=100)
    ys = list(range(len(rows)))
    bar = 0.38
    asked = [publishable(c.asked) for c in rows]
    gaps = [publishable(c.unmatched) for c in rows]
    ax.barh([y - bar / 2 for y in ys], asked, height=bar, color=ASKED_COLOUR, label="vragen",
            gid="asked")
    ax.barh([y + bar / 2 for y in ys], gaps, height=bar, color=GAP_COLOUR, label="niets gevonden",
            gid="unmatched")
    for y, c in enumerate(rows):
        ax.text(publishable(c.asked), y - bar / 2, f" {shown(c.asked)}", va="center", fontsize=8)
        if c.unmatched:
            ax.text(publishable(c.unmatched), y + bar / 2, f" {shown(c.unmatched)}", va="center", fontsize=8)
    ax.set_yticks(ys, [_label(c) for c in rows], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("aantal vragen (kleiner dan 5 wordt getoond als <5)")
    ax.set_title(title)
    if rows:
        ax.legend(loc="lower right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "Nog geen signalen in deze periode", ha="center", va="center",
                transform=ax.transAxes)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def png_bytes(cells: Sequence[Cell], title: str | None = None) -> bytes:
    fig = make_figure(cells, **({"title": title} if title else {}))
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    return buffer.getvalue()
