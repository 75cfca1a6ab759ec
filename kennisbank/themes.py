"""The theme taxonomy: labels and everyday phrases per fixed theme id, kept as data in themes.yaml."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .schema import THEME_IDS
from .yaml_syntax import safe_load

THEMES_FILE = Path(__file__).with_name("themes.yaml")


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    emoji: str
    phrases: tuple[str, ...]   # name the need: enough on their own
    signals: tuple[str, ...] = ()  # describe what staff see without naming the need
    weak: tuple[str, ...] = ()     # only hint at the need; alone they make the bot ask back


@lru_cache(maxsize=1)
def load_themes() -> dict[str, Theme]:
    """All 24 themes in the fixed order; a missing or extra id is a programming error."""
    raw = safe_load(THEMES_FILE.read_text(encoding="utf-8"))
    if set(raw) != set(THEME_IDS):
        missing, extra = set(THEME_IDS) - set(raw), set(raw) - set(THEME_IDS)
        raise ValueError(f"themes.yaml: ontbrekend {sorted(missing)}, onbekend {sorted(extra)}")
    return {
        tid: Theme(tid, raw[tid]["label"], raw[tid].get("emoji", ""), tuple(raw[tid].get("phrases", ())),
                   tuple(raw[tid].get("signals", ())), tuple(raw[tid].get("weak", ())))
        for tid in THEME_IDS
    }


def theme_label(theme_id: str) -> str:
    return load_themes()[theme_id].label
