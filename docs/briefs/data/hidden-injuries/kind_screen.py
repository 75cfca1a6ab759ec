#!/usr/bin/env python3
"""Offline screen (2026-12-03, round 49, not landed): which danger, read by a classifier of its own.

The detector's kind comes from the same classifiers that decide whether to alert, so data that
teaches a kind (whose injury it is) moves the alert threshold too: with the hidden injuries fitted
into the detector (round 39, and again in round 49) the threshold rose 0.13 -> 0.14 and held-out
dangers lost their alert. Here the alert stays the detector's and only the kind is read otherwise:
each member's P(kind) becomes P(danger) x P(kind | danger), where P(kind | danger) comes from a
classifier of the same make (dense or word-only) fitted on the corpus's dangers only, plus the two
thirds of the hidden-injuries dangers that are no corpus text (`injuries.yaml` minus
`held-out.json`). With --blend, P(kind | danger) is the mean of that classifier's and the
detector's own (its kind columns divided by P(danger)). With --no-extra the kind classifier reads
the corpus's dangers only.

It prints the held-out third's dangers at the benchmark region (alert, first kind right, kind
named as first or second), then runs benchmarks/safety_guard.py with the patched detector.

  .venv/bin/python docs/briefs/data/hidden-injuries/kind_screen.py [--blend] [--no-extra] [--off]
"""
from __future__ import annotations

import argparse
import json
import runpy
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(ROOT))


def patch(blend: bool, extra: bool) -> None:
    """Replace the kind columns of every MeanClassifier reading (the engine's detector with an encoder)."""
    import yaml

    from kennisbank.search import safety
    from kennisbank.search.classifier import TextClassifier, corpus_vectors
    from kennisbank.search.corpus import HARMLESS, SAFETY_KINDS, Corpus, safety_corpus
    from kennisbank.search.dense import load_encoder
    from kennisbank.search.params import SAFETY_C

    corpus = safety_corpus()
    texts = [t for t, label in zip(corpus.texts, corpus.labels, strict=True) if label != HARMLESS]
    labels = [label for label in corpus.labels if label != HARMLESS]
    if extra:
        held = json.loads((HERE / "held-out.json").read_text(encoding="utf-8"))["danger"]
        held_texts = {t for kind in held.values() for t in kind}
        written = yaml.safe_load((HERE / "injuries.yaml").read_text(encoding="utf-8"))["danger"]
        for row in written:
            if row["text"] not in held_texts:
                texts.append(row["text"])
                labels.append(row["kind"])
    kinds = Corpus(tuple(texts), tuple(labels), tuple(f"kind:{i}" for i in range(len(texts))), "kinds")
    encoder = load_encoder()
    if encoder is None:
        raise SystemExit("the encoder did not load")
    members = (TextClassifier.fit(kinds, corpus_vectors(kinds, encoder), SAFETY_C, None),
               TextClassifier.fit(kinds, None, SAFETY_C, None))
    print(f"kind classifiers fitted on {len(texts)} dangers", flush=True)
    original = safety.MeanClassifier.member_probabilities

    def member_probabilities(self: Any, texts: list[str], vectors: np.ndarray | None) -> list[np.ndarray]:
        out = []
        harmless = self.labels.index(HARMLESS)
        columns = [self.labels.index(k) for k in SAFETY_KINDS]
        for p, member in zip(original(self, texts, vectors), members, strict=True):
            kind = member.probabilities(texts, vectors if member.dense else None)
            kind = kind[:, [member.labels.index(k) for k in SAFETY_KINDS]]
            danger = (1.0 - p[:, harmless])[:, None]
            if blend:
                kind = (kind + p[:, columns] / np.maximum(danger, 1e-9)) / 2
            q = p.copy()
            q[:, columns] = danger * kind
            out.append(q)
        return out

    safety.MeanClassifier.member_probabilities = member_probabilities  # type: ignore[method-assign]


def held_out_third() -> None:
    from kennisbank.loader import load_knowledge_base
    from kennisbank.search import SearchEngine

    engine = SearchEngine(load_knowledge_base(ROOT.parent / "shared/benchmark/kb"))
    held = json.loads((HERE / "held-out.json").read_text(encoding="utf-8"))["danger"]
    n = alert = first = named = 0
    for kind, questions in held.items():
        for q in questions:
            found = engine.search(q, 9801, 3).safety
            n += 1
            alert += found is not None
            first += found is not None and found.kind == kind
            named += found is not None and kind in (found.kind, found.also)
    print(f"held-out third: {n} dangers, alert {alert}, first kind right {first}, kind named {named}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--blend", action="store_true", help="mean of the kind classifier and the detector's own kind")
    ap.add_argument("--no-extra", action="store_true", help="the kind classifier without the hidden injuries")
    ap.add_argument("--off", action="store_true", help="no patch: the system as it is")
    a = ap.parse_args()
    if not a.off:
        patch(a.blend, not a.no_extra)
    held_out_third()
    sys.argv = [str(ROOT / "benchmarks/safety_guard.py")]
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
