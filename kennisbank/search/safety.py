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

from dataclasses import dataclass, replace

import numpy as np

from .analysis import split_sentences
from .classifier import TextClassifier, fitted
from .corpus import HARMLESS, SAFETY_KINDS, safety_corpus, safety_fingerprint
from .dense import Encoder
from .params import SAFETY_C, SAFETY_KIND_WEIGHT, SAFETY_RUNNER_UP

__all__ = ["SafetyAlert", "SafetyDetector", "class_weights", "louder", "split_sentences"]


@dataclass(frozen=True)
class SafetyAlert:
    kind: str            # one of corpus.SAFETY_KINDS
    probability: float   # that the question concerns life safety at all (1 - p(harmless))
    sentence: str        # the part of the question that raised it (the whole question if short)
    leads: bool = True   # likely danger: urgent doors lead; else possible: one urgent door is shown
    also: str | None = None   # a second kind one part of the question raises on its own (its door is shown too)
    unsure: bool = False      # `also` is not a second danger but the other reading of an unsure kind

    @property
    def loudness(self) -> tuple[bool, float]:
        """How alarming, for comparing two alerts: a likely danger first, then the surer one."""
        return self.leads, self.probability


def louder(first: SafetyAlert | None, second: SafetyAlert | None) -> SafetyAlert | None:
    """The more alarming of two alerts of one question (either may be None); `first` on a tie."""
    if first is None or (second is not None and second.loudness > first.loudness):
        return second
    return first


class SafetyDetector:
    """`threshold`: a possible danger (one urgent door, never "nothing fits"); `lead`: a likely one.

    With an encoder there are two detectors, one with the dense embedding and one on the words
    alone, each with its own fitted thresholds (ranking.json). An alert is raised when either
    fires (recall first), as a likely danger when either says so; of two alerts the likely
    danger, then the surer one, is reported. Each detector's out-of-fold recall and false alarms
    are in ranking.json's report (at round 8: 0.949 and 0.928 alone, 0.967 together; false alarms
    on the hard look-alikes 0.167 and 0.170 alone, 0.216 together).
    """

    def __init__(self, classifier: TextClassifier, threshold: float, lead: float,
                 second: tuple[TextClassifier, float, float] | None = None):
        self.classifier = classifier
        self.threshold = threshold
        self.lead = max(lead, threshold)
        self.second = None if second is None else (second[0], second[1], max(second[2], second[1]))

    @classmethod
    def load(cls, encoder: Encoder | None, threshold: float, lead: float,
             words_only: tuple[float, float] | None = None) -> SafetyDetector:
        """The detector for this encoder; `words_only`: the thresholds of the word-only detector,
        which joins the dense one (unused without an encoder: then it is the only one)."""
        # Read and hashed once: the fingerprint covers every safety, needs and region question file.
        fingerprint = safety_fingerprint()
        model = fitted("safety", fingerprint, safety_corpus, encoder, SAFETY_C, class_weights())
        second = None
        if encoder is not None and words_only is not None:
            second = (fitted("safety", fingerprint, safety_corpus, None, SAFETY_C, class_weights()), *words_only)
        return cls(model, threshold, lead, second)

    @property
    def dense(self) -> bool:
        return self.classifier.dense

    def scores(self, texts: list[str], vectors: np.ndarray | None) -> np.ndarray:
        """(n, len(labels)) probabilities for texts (with their query embeddings if dense)."""
        return self.classifier.probabilities(texts, vectors if self.dense else None)

    def detect(self, question: str, vector: np.ndarray | None,
               sentence_vectors: np.ndarray | None = None) -> SafetyAlert | None:
        """The alert for the most alarming part of the question, or None below the thresholds.

        `sentence_vectors` are the query embeddings of split_sentences(question), when dense.
        """
        texts = [question]
        vectors = None if vector is None else vector[None, :]
        sentences = split_sentences(question)
        if sentences:
            texts += sentences
            if vectors is not None and sentence_vectors is not None:
                vectors = np.vstack([vectors, sentence_vectors])
        found = [_reading(self.classifier, texts, vectors if self.dense else None, self.threshold, self.lead)]
        if self.second is not None:
            model, threshold, lead = self.second
            found.append(_reading(model, texts, None, threshold, lead))
        fired = [f for f in found if f is not None]
        if not fired:
            return None
        # A likely danger for either detector is a likely danger; among equals the surer one names
        # the kind (and its probability is what the engine compares with SAFETY_SURE).
        alert = max(fired, key=lambda a: a.loudness)
        other = next((a.kind for a in fired if a.kind != alert.kind), None)
        if alert.also is None and other is not None:
            # The detectors disagree on the kind: the other one's door is shown too, and it is the
            # door when the region has none for the first kind (never an answer without a door).
            alert = replace(alert, also=other, unsure=True)
        return alert


def class_weights() -> dict[str, float]:
    """The weight of each label when the detectors are fitted: every danger kind SAFETY_KIND_WEIGHT,
    harmless 1 (params.py says why)."""
    return {**dict.fromkeys(SAFETY_KINDS, SAFETY_KIND_WEIGHT), HARMLESS: 1.0}


def _reading(model: TextClassifier, texts: list[str], vectors: np.ndarray | None, threshold: float, lead: float
             ) -> SafetyAlert | None:
    """One detector's alert for the most alarming text, or None below its threshold.

    Whether it fires, and how surely, is the most alarming reading's (the whole question or one of
    its sentences). The kind, which chooses the urgent doors, is read from all readings, each
    kind's probability weighted by how alarming that reading is: a fragment of a long story ("ze
    vroeg of ik het niet aan mama wil zeggen") can alarm most on its own without saying what the
    danger is; the sentence before it does. Out of fold on the corpus's multi-sentence dangers
    (round 15) the kind was right for 0.890 instead of 0.856 (dense) and 0.846 instead of 0.815
    (word-only). The reported sentence is the one that says most for that kind, so that the
    engine's check of it with the needs model reads what the kind came from.

    A story can hold two dangers ("mama wil niet meer leven" in a story of violence at home): when
    the most alarming reading, on its own, names another kind at the lead level, that kind is kept
    as `also`, so its door is shown next to the first kind's. Else, when a likely danger's runner-up
    kind weighs at least SAFETY_RUNNER_UP of the chosen one, the detector is unsure which it is
    (a parent with a psychosis and a knife: violence, or a parent unable to care?): the runner-up
    is kept as `also`, marked `unsure`, so a door of each is shown.
    """
    probs = model.probabilities(texts, vectors)
    alarm = 1.0 - probs[:, model.labels.index(HARMLESS)]
    best = int(np.argmax(alarm))
    if alarm[best] < threshold:
        return None
    by_kind = probs[:, [model.labels.index(k) for k in SAFETY_KINDS]]
    weight = alarm @ by_kind
    chosen = int(np.argmax(weight))
    source = int(np.argmax(alarm * by_kind[:, chosen]))
    loudest = int(np.argmax(by_kind[best]))
    also = SAFETY_KINDS[loudest] if loudest != chosen and alarm[best] >= lead else None
    runner_up = int(np.argsort(weight)[-2])
    unsure = also is None and alarm[best] >= lead and weight[runner_up] >= SAFETY_RUNNER_UP * weight[chosen]
    if unsure:
        also = SAFETY_KINDS[runner_up]
    return SafetyAlert(SAFETY_KINDS[chosen], float(alarm[best]), texts[source], leads=bool(alarm[best] >= lead),
                       also=also, unsure=bool(unsure))
