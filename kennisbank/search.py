"""From a school's question to ranked services, with the reason for each.

Public API (used by the bot, the CLI and the benchmarks; keep it stable):
  SearchEngine(kb).search(question, postcode=None, limit=3) -> Answer
  SearchEngine(kb).by_theme(theme_id, postcode=None, limit=3) -> Answer
  SearchEngine(kb).entry_points(postcode) -> list[Service]
  search(kb, question, postcode=None, limit=3) -> Answer   (convenience)
"""
from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from .schema import KnowledgeBase, Service


@dataclass(frozen=True)
class Match:
    service: Service
    score: float                 # 0..1, comparable within one answer
    themes: tuple[str, ...]      # recognised themes of the question that this service covers
    words: tuple[str, ...]       # question words that matched this service

    @property
    def id(self) -> str:
        return self.service.id


@dataclass(frozen=True)
class Answer:
    matches: tuple[Match, ...]
    themes: tuple[str, ...]      # recognised needs of the question, strongest first
    ambiguous: bool = False      # too weak to answer: ask back with `themes` as choices

    @property
    def found(self) -> bool:
        return bool(self.matches)


class SearchEngine:
    """Builds its index once; each query only looks at services that can match."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self._texts = {
            s.id: " ".join([s.organisation, s.name, s.summary, " ".join(s.keywords)]).lower()
            for s in kb.active_services()
        }

    def _candidates(self, postcode: int | None) -> list[Service]:
        return [s for s in self.kb.active_services() if s.serves(postcode)]

    def search(self, question: str, postcode: int | None = None, limit: int = 3) -> Answer:
        question = (question or "").strip().lower()
        if not question:
            return Answer((), ())
        scored = []
        for s in self._candidates(postcode):
            score = fuzz.token_set_ratio(question, self._texts[s.id]) / 100
            if score >= 0.6:
                scored.append(Match(s, score, (), ()))
        scored.sort(key=lambda m: -m.score)
        return Answer(tuple(scored[:limit]), ())

    def by_theme(self, theme_id: str, postcode: int | None = None, limit: int = 3) -> Answer:
        hits = [Match(s, 1.0, (theme_id,), ()) for s in self._candidates(postcode) if theme_id in s.themes]
        return Answer(tuple(hits[:limit]), (theme_id,))

    def entry_points(self, postcode: int | None) -> list[Service]:
        return [s for s in self._candidates(postcode) if "onthaal" in s.name.lower()][:3]


def search(kb: KnowledgeBase, question: str, postcode: int | None = None, limit: int = 3) -> Answer:
    return SearchEngine(kb).search(question, postcode, limit)
