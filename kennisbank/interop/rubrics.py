"""Which theme ids a rubric (De Sociale Kaart) or foreign taxonomy term stands for.

The mapping is data (sociale_kaart_rubrieken.yaml) so that a coordinator can add the rubrics of
their own region without touching code; `--rubrieken FILE` adds or overrides entries.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from kennisbank.schema import THEME_IDS

from .importing import SourceError, read_text

RUBRICS_FILE = Path(__file__).with_name("sociale_kaart_rubrieken.yaml")


def _key(text: str) -> str:
    """Case, accents and spacing do not matter: 'Opvoedings­ondersteuning ' == 'opvoedingsondersteuning'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("\u00ad", "").split())


@dataclass(frozen=True)
class RubricMap:
    themes: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls, *extra: Path) -> RubricMap:
        mapping: dict[str, tuple[str, ...]] = {}
        for path in (RUBRICS_FILE, *extra):
            mapping.update(_read(path))
        return cls(mapping)

    def themes_for(self, rubric: str) -> tuple[str, ...]:
        return self.themes.get(_key(rubric), ())


def _read(path: Path) -> dict[str, tuple[str, ...]]:
    text = read_text(path, "rubriekenbestand ")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourceError(f"rubriekenbestand {path} is geen geldige YAML: {exc}") from None
    block = data.get("rubrieken") if isinstance(data, dict) else None
    if not isinstance(block, dict):
        raise SourceError(f"{path}: verwacht 'rubrieken:' met per rubriek een lijst thema-ids")
    out: dict[str, tuple[str, ...]] = {}
    for rubric, themes in block.items():
        themes = [themes] if isinstance(themes, str) else themes
        if not isinstance(themes, list) or not themes:
            raise SourceError(f"{path}: rubriek '{rubric}' heeft geen lijst thema-ids")
        unknown = [t for t in themes if t not in THEME_IDS]
        if unknown:
            raise SourceError(f"{path}: rubriek '{rubric}': onbekend thema {', '.join(map(str, unknown))} "
                               "(zie de lijst in kennisbank-format.md)")
        out[_key(str(rubric))] = tuple(themes)
    return out
