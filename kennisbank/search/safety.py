"""The life-safety detector: does this question possibly concern a life or a child's safety?

What help fits each kind lives in kennisbank/safety/ (domain knowledge, no model); this module
only decides whether, and which kind.

A text classifier (search/classifier.py) fitted on kennisbank/needs/safety/: situations per kind
(Dutch as spoken in Flanders and as typed on a phone, French, English, one-word forms, long
stories) against harmless sentences that use the same words (figures of speech, a class pet,
drills, games) and against every ordinary need. Recall comes first: the threshold is fitted on
held-out folds for recall (training.py) and the false-alarm rate is reported next to it.

A long story can hide the one alarming sentence among money and interpreter details, so the
detector reads the whole question and each of its sentences, and keeps the most alarming.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .classifier import TextClassifier, fitted
from .corpus import HARMLESS, SAFETY_KINDS, safety_corpus, safety_fingerprint
from .dense import Encoder
from .params import SAFETY_C

_SENTENCE = re.compile(r"(?<=[.!?;\n])\s+|\s+(?:en toen|maar|mais|but|and then)\s+", re.IGNORECASE)
MIN_SENTENCE_WORDS = 3


@dataclass(frozen=True)
class SafetyAlert:
    kind: str            # one of corpus.SAFETY_KINDS
    probability: float   # that the question concerns life safety at all (1 - p(harmless))
    sentence: str        # the part of the question that raised it (the whole question if short)
    leads: bool = True   # likely danger: urgent doors lead; else possible: one urgent door is shown


def split_sentences(text: str) -> list[str]:
    """The question's sentences with at least three words; [] for a one-sentence question."""
    parts = [p.strip() for p in _SENTENCE.split(text or "") if p and p.strip()]
    parts = [p for p in parts if len(p.split()) >= MIN_SENTENCE_WORDS]
    return parts if len(parts) > 1 else []


class SafetyDetector:
    """`threshold`: a possible danger (one urgent door, never "nothing fits"); `lead`: a likely one."""

    def __init__(self, classifier: TextClassifier, threshold: float, lead: float):
        self.classifier = classifier
        self.threshold = threshold
        self.lead = max(lead, threshold)
        self._harmless = classifier.labels.index(HARMLESS)
        self._kinds = [classifier.labels.index(k) for k in SAFETY_KINDS]

    @classmethod
    def load(cls, encoder: Encoder | None, threshold: float, lead: float) -> SafetyDetector:
        return cls(fitted("safety", safety_fingerprint(), safety_corpus, encoder, SAFETY_C), threshold, lead)

    @property
    def dense(self) -> bool:
        return self.classifier.dense

    def scores(self, texts: list[str], vectors: np.ndarray | None) -> np.ndarray:
        """(n, len(labels)) probabilities for texts (with their query embeddings if dense)."""
        return self.classifier.probabilities(texts, vectors if self.dense else None)

    def detect(self, question: str, vector: np.ndarray | None,
               sentence_vectors: np.ndarray | None = None) -> SafetyAlert | None:
        """The alert for the most alarming part of the question, or None below the threshold.

        `sentence_vectors` are the query embeddings of split_sentences(question), when dense.
        """
        texts = [question]
        vectors = None if vector is None else vector[None, :]
        sentences = split_sentences(question)
        if sentences:
            texts += sentences
            if vectors is not None and sentence_vectors is not None:
                vectors = np.vstack([vectors, sentence_vectors])
        probs = self.scores(texts, vectors)
        alarm = 1.0 - probs[:, self._harmless]
        best = int(np.argmax(alarm))
        if alarm[best] < self.threshold:
            return None
        kind = SAFETY_KINDS[int(np.argmax(probs[best, self._kinds]))]
        return SafetyAlert(kind, float(alarm[best]), texts[best], leads=bool(alarm[best] >= self.lead))
