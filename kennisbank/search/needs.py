"""Need recognition: the probability of each of the 24 themes, and of no welfare need at all.

Learned from the situations in kennisbank/needs/ (corpus.py) with the text classifier of
classifier.py; it knows nothing of any region, so it works unchanged on any region file.

  NeedsModel.load(encoder) -> NeedsModel
  model.recognise(question, vector) -> Needs   (probabilities in THEME_IDS order, p(no need))
  model.nearest(question, vector, theme) -> (training situation, similarity) for explanations
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..schema import THEME_IDS
from .classifier import TextClassifier, fitted
from .corpus import NO_NEED, needs_corpus, needs_fingerprint
from .dense import Encoder
from .params import NEEDS_C


@dataclass(frozen=True)
class Needs:
    themes: np.ndarray   # (24,) probability per theme, THEME_IDS order
    none: float          # probability that no welfare service is asked for

    @property
    def best(self) -> float:
        return float(self.themes.max())

    def ranked(self, floor: float, relative: float) -> tuple[str, ...]:
        """Theme ids at least `floor` and `relative` x the best, strongest first."""
        top = self.best
        order = np.argsort(-self.themes, kind="stable")
        return tuple(THEME_IDS[i] for i in order if self.themes[i] >= floor and self.themes[i] >= relative * top)


class NeedsModel:
    def __init__(self, classifier: TextClassifier):
        self.classifier = classifier
        self._columns = [classifier.labels.index(t) for t in THEME_IDS]
        self._none = classifier.labels.index(NO_NEED)

    @classmethod
    def load(cls, encoder: Encoder | None) -> NeedsModel:
        return cls(fitted("needs", needs_fingerprint(), needs_corpus, encoder, NEEDS_C))

    @property
    def dense(self) -> bool:
        return self.classifier.dense

    def recognise(self, question: str, vector: np.ndarray | None) -> Needs:
        return self.recognise_many([question], None if vector is None else vector[None, :])[0]

    def recognise_many(self, questions: list[str], vectors: np.ndarray | None) -> list[Needs]:
        probs = self.classifier.probabilities(questions, vectors if self.dense else None)
        return [Needs(row[self._columns].astype(np.float32), float(row[self._none])) for row in probs]

    def nearest(self, question: str, vector: np.ndarray | None, theme: str) -> tuple[str, float] | None:
        return self.classifier.nearest(vector if self.dense else None, question, theme)
