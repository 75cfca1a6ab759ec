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

__all__ = ["MeanClassifier", "SafetyAlert", "SafetyDetector", "class_weights", "louder", "split_sentences"]


@dataclass(frozen=True)
class SafetyAlert:
    kind: str            # one of corpus.SAFETY_KINDS
    probability: float   # that the question concerns life safety at all (1 - p(harmless)); with two
                         # classifiers the louder one's (what SAFETY_SURE is compared with)
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


class MeanClassifier:
    """An ensemble: the mean of several fitted classifiers' probabilities, in the first one's label
    order. Members that read the dense embedding get the vectors, the others only the words.

    Round 40 (docs/search.md): out of fold on the safety corpus, the mean of the dense and the
    word-only classifier at its fitted threshold (0.125) finds as many dangers (1,892 of 1,949) as
    the two detectors did when either firing raised the alert, and alarms on 303 instead of 318 of
    the 1,529 look-alikes (corpus.is_look_alike) and 1,083 instead of 1,203 of the 7,598 other
    harmless texts; it names the right kind for 0.914 of the dangers (the louder of the two: 0.908).
    A small gain: the two classifiers separate no better for being averaged.
    """

    def __init__(self, members: tuple[TextClassifier, ...]):
        if not members or any(set(m.labels) != set(members[0].labels) for m in members):
            raise ValueError("an ensemble needs members with the same labels")
        self.members = members
        self.labels = tuple(members[0].labels)
        self._order = [[list(m.labels).index(label) for label in self.labels] for m in members]

    @property
    def dense(self) -> bool:
        return any(m.dense for m in self.members)

    def member_probabilities(self, texts: list[str], vectors: np.ndarray | None) -> list[np.ndarray]:
        """Each member's (n, len(labels)) probabilities for texts, columns in this ensemble's label order."""
        return [member.probabilities(texts, vectors if member.dense else None)[:, order]
                for member, order in zip(self.members, self._order, strict=True)]

    def probabilities(self, texts: list[str], vectors: np.ndarray | None) -> np.ndarray:
        """(n, len(labels)): the members' mean probabilities for texts (with their query embeddings)."""
        mean: np.ndarray = np.mean(self.member_probabilities(texts, vectors), axis=0)
        return mean


class SafetyDetector:
    """`threshold`: a possible danger (one urgent door, never "nothing fits"); `lead`: a likely one.

    With an encoder the detector reads the mean of two classifiers, one with the dense embedding
    and one on the words alone (MeanClassifier). The mean decides whether a question may concern a
    danger (its threshold is fitted on the mean's out-of-fold alarms: ranking.json, "dense") and
    which kind; the doors lead when either classifier's own alarm reaches its own lead threshold
    (`lead` is then one per member: the dense one's from ranking.json "dense", the word-only one's
    from "lexical"), as each of the two detectors did before round 40, and the alert's probability
    is the louder classifier's. Without an encoder: the word-only classifier with its own thresholds.
    Until round 40 the two were separate detectors and either firing raised the alert: more false
    alarms at the same recall (MeanClassifier says how many).
    """

    def __init__(self, classifier: TextClassifier | MeanClassifier, threshold: float,
                 lead: float | tuple[float, ...]):
        self.classifier = classifier
        self.threshold = threshold
        members = len(classifier.members) if isinstance(classifier, MeanClassifier) else 1
        leads = lead if isinstance(lead, tuple) else (lead,) * members   # one for all members
        if len(leads) != members:
            raise ValueError(f"{len(leads)} lead thresholds for {members} classifiers")
        self.leads = tuple(max(x, threshold) for x in leads)   # a member that leads always alerts (detect)

    @classmethod
    def load(cls, encoder: Encoder | None, threshold: float, lead: float,
             words_only_lead: float | None = None) -> SafetyDetector:
        """The detector for this encoder (None: the word-only one) with its fitted thresholds: the
        alert `threshold`, the (dense) classifier's `lead` and, with an encoder, the word-only
        classifier's `words_only_lead` (ranking.json "lexical"). Raises ValueError when an encoder
        is given without `words_only_lead`."""
        # Read and hashed once: the fingerprint covers every safety, needs and region question file.
        fingerprint = safety_fingerprint()

        def classifier(reads: Encoder | None) -> TextClassifier:
            return fitted("safety", fingerprint, safety_corpus, reads, SAFETY_C, class_weights())

        if encoder is None:
            return cls(classifier(None), threshold, lead)
        if words_only_lead is None:
            raise ValueError("the word-only classifier's lead threshold is missing")
        return cls(MeanClassifier((classifier(encoder), classifier(None))), threshold, (lead, words_only_lead))

    @property
    def dense(self) -> bool:
        return self.classifier.dense

    def scores(self, texts: list[str], vectors: np.ndarray | None) -> np.ndarray:
        """(n, len(labels)) probabilities for texts (with their query embeddings if dense)."""
        return self.classifier.probabilities(texts, vectors if self.dense else None)

    def detect(self, question: str, vector: np.ndarray | None,
               sentence_vectors: np.ndarray | None = None) -> SafetyAlert | None:
        """The alert for the most alarming part of the question, or None below the thresholds.

        `sentence_vectors` (n, dim) are the query embeddings of split_sentences(question), when
        dense; without them a dense detector reads the whole question only (each reading needs its
        own embedding). Raises ValueError when their number is not the number of sentences.
        """
        texts = [question]
        vectors = None if vector is None or not self.dense else vector[None, :]
        sentences = split_sentences(question)
        if sentences and vectors is None:
            texts += sentences
        elif sentences and sentence_vectors is not None:   # vectors is not None here
            if len(sentence_vectors) != len(sentences):
                raise ValueError(f"{len(sentence_vectors)} sentence embeddings for {len(sentences)} sentences")
            texts += sentences
            vectors = np.vstack([vectors, sentence_vectors])  # type: ignore[list-item]
        labels = tuple(self.classifier.labels)
        if not isinstance(self.classifier, MeanClassifier):
            return _reading(self.classifier.probabilities(texts, vectors), labels, texts, self.threshold,
                            self.leads[0])
        members = self.classifier.member_probabilities(texts, vectors)
        harmless = labels.index(HARMLESS)
        alarms = [float(1.0 - p[:, harmless].min()) for p in members]
        leads = any(a >= lead for a, lead in zip(alarms, self.leads, strict=True))
        # The mean decides whether (or a member that leads: a likely danger is always an alert) and
        # which kind; _reading's rules for a second danger and an unsure kind apply when the doors
        # lead, as they did for each detector of the pair at its own lead.
        threshold = 0.0 if leads else self.threshold
        alert = _reading(np.mean(members, axis=0), labels, texts, threshold, threshold if leads else np.inf)
        if alert is None:
            return None
        alert = replace(alert, probability=max(alarms))
        if alert.also is not None:
            return alert
        # A member that alarms on its own (at the detector's threshold) reads another kind: its door
        # is shown too, and it is the door when the region has none for the first kind (never an
        # answer without a door).
        kinds = [_weighted_kind(p, labels)[0] for p in members]
        other = next((kind for kind, alarm in zip(kinds, alarms, strict=True)
                      if kind != alert.kind and alarm >= self.threshold), None)
        return alert if other is None else replace(alert, also=other, unsure=True)


def class_weights() -> dict[str, float]:
    """The weight of each label when the detectors are fitted: every danger kind SAFETY_KIND_WEIGHT,
    harmless 1 (params.py says why)."""
    return {**dict.fromkeys(SAFETY_KINDS, SAFETY_KIND_WEIGHT), HARMLESS: 1.0}


def _reading(probs: np.ndarray, labels: tuple[str, ...], texts: list[str], threshold: float, lead: float
             ) -> SafetyAlert | None:
    """The alert for the most alarming of `texts`, or None below the threshold; `probs` (n, len(labels))
    are the detector's probabilities for them.

    Whether it fires, and how surely, is the most alarming reading's (the whole question or one of
    its sentences). The kind, which chooses the urgent doors, is read from all readings, each
    kind's probability weighted by how alarming that reading is: a fragment of a long story ("ze
    vroeg of ik het niet aan mama wil zeggen") can alarm most on its own without saying what the
    danger is; the sentence before it does. Out of fold on the corpus's multi-sentence dangers
    (round 15) the kind was right for 0.890 instead of 0.856 (dense) and 0.846 instead of 0.815
    (word-only). The reported sentence is the one that says most for that kind, so that the
    engine's check of it with the needs model reads what the kind came from.

    A story can hold two dangers ("mama wil niet meer leven" in a story of violence at home): when
    the most alarming reading, on its own, names another kind and the doors lead, that kind is kept
    as `also`, so its door is shown next to the first kind's. Else, when a likely danger's runner-up
    kind weighs at least SAFETY_RUNNER_UP of the chosen one, the detector is unsure which it is
    (a parent with a psychosis and a knife: violence, or a parent unable to care?): the runner-up
    is kept as `also`, marked `unsure`, so a door of each is shown.
    """
    alarm = 1.0 - probs[:, labels.index(HARMLESS)]
    best = int(np.argmax(alarm))
    if alarm[best] < threshold:
        return None
    kind, weight, by_kind = _weighted_kind(probs, labels)
    chosen = SAFETY_KINDS.index(kind)
    source = int(np.argmax(alarm * by_kind[:, chosen]))
    loudest = int(np.argmax(by_kind[best]))
    also = SAFETY_KINDS[loudest] if loudest != chosen and alarm[best] >= lead else None
    runner_up = int(np.argsort(weight)[-2])
    unsure = also is None and alarm[best] >= lead and weight[runner_up] >= SAFETY_RUNNER_UP * weight[chosen]
    if unsure:
        also = SAFETY_KINDS[runner_up]
    return SafetyAlert(SAFETY_KINDS[chosen], float(alarm[best]), texts[source], leads=bool(alarm[best] >= lead),
                       also=also, unsure=bool(unsure))


def _weighted_kind(probs: np.ndarray, labels: tuple[str, ...]) -> tuple[str, np.ndarray, np.ndarray]:
    """The kind of danger over all readings (rows of `probs`, columns `labels`), each reading's kind
    probabilities weighted by how alarming it is (_reading says why): (kind, weight per kind (K,),
    kind probabilities per reading (n, K))."""
    alarm = 1.0 - probs[:, list(labels).index(HARMLESS)]
    by_kind = probs[:, [list(labels).index(k) for k in SAFETY_KINDS]]
    weight = alarm @ by_kind
    return SAFETY_KINDS[int(np.argmax(weight))], weight, by_kind
