#!/usr/bin/env python3
"""Offline screen (2026-12-03, round 49, not landed): a non-linear safety member.

A multi-layer perceptron (scikit-learn's MLPClassifier, one hidden layer, the mean of --seeds fits;
danger rows repeated by their class weight, as it takes no class weights) reads the dense
embedding, next to the dense and word-only classifiers, on the training's five folds, whole texts
only. For each combination (the mean of its members' alarms) it prints how many look-alikes and
other harmless texts alarm out of fold at the threshold training.safety_threshold chooses (0.97 of
the dangers, 0.8 of each kind), then, fitted on the whole corpus, the same on the 1,258 questions
by others that screen the detector (`pool()` of ../sae-member/sae_screen.py). About 10 minutes on
2 cores; the probabilities are kept in the temporary folder (mlp-<hidden>-<alpha>.npz).

  .venv/bin/python docs/briefs/data/mlp-member/mlp_screen.py [--hidden 256] [--alpha 1e-2]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs/briefs/data/sae-member"))

COMBOS = {"d+w (now)": ("dense", "word"), "d+w+m": ("dense", "word", "mlp"), "w+m": ("word", "mlp"),
          "m": ("mlp",), "d": ("dense",)}


def main() -> None:
    from sae_screen import GROUPS, alarm_text, members_out_of_fold, pool
    from sklearn.neural_network import MLPClassifier

    from kennisbank.search.classifier import TextClassifier, corpus_vectors
    from kennisbank.search.corpus import HARMLESS, is_look_alike, safety_corpus
    from kennisbank.search.dense import embedding_cache, load_encoder
    from kennisbank.search.params import SAFETY_C
    from kennisbank.search.safety import class_weights
    from kennisbank.search.training import MEAN_RECALL, safety_threshold

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hidden", default="256", help="hidden layer sizes, comma-separated")
    ap.add_argument("--alpha", type=float, default=1e-2, help="the perceptron's L2 penalty")
    ap.add_argument("--tol", type=float, default=1e-4, help="tolerance of every fit (a screen, not a model)")
    ap.add_argument("--seeds", type=int, default=3, help="perceptrons averaged")
    a = ap.parse_args()
    hidden = tuple(int(h) for h in a.hidden.split(","))

    encoder = load_encoder()
    if encoder is None:
        raise SystemExit("the encoder did not load")
    corpus = safety_corpus()
    vectors = corpus_vectors(corpus, encoder)
    weights = class_weights()
    labels = np.array(corpus.labels)
    danger = labels != HARMLESS
    look = np.array([is_look_alike(s) for s in corpus.sources])
    other = ~danger & ~look
    repeat = np.array([round(weights[label]) for label in labels])

    def fit_mlp(x: np.ndarray, y: np.ndarray, r: np.ndarray) -> list[Any]:
        rows = np.repeat(np.arange(len(y)), r)
        return [MLPClassifier(hidden_layer_sizes=hidden, alpha=a.alpha, max_iter=300, random_state=seed,
                              tol=a.tol).fit(x[rows], y[rows]) for seed in range(a.seeds)]

    def alarm_mlp(models: list[Any], x: np.ndarray) -> np.ndarray:
        return np.mean([1 - m.predict_proba(x)[:, list(m.classes_).index(HARMLESS)] for m in models], axis=0)

    oof = members_out_of_fold(corpus, vectors, a.tol, "mlp",
                              lambda train, test: alarm_mlp(fit_mlp(vectors[train], labels[train], repeat[train]),
                                                            vectors[test]))

    thresholds = {}
    for name, members in COMBOS.items():
        p = np.mean([oof[k] for k in members], axis=0)
        try:
            t = thresholds[name] = safety_threshold(p, corpus.labels, look, MEAN_RECALL)[0]
        except ValueError as e:   # the perceptron alone saturates: no threshold meets the rule
            print(f"{name:10} {e}")
            continue
        print(f"{name:10} t={t:6.3f} recall={(p[danger] >= t).mean():.3f} "
              f"look-alikes {int((p[look] >= t).sum())}/{look.sum()} other {int((p[other] >= t).sum())}/{other.sum()}")

    items = pool()
    texts = [q for _, q in items]
    groups = np.array([g for g, _ in items])
    questions = embedding_cache(encoder).vectors(texts, query=True)
    full = {"dense": alarm_text(TextClassifier.fit(corpus, vectors, SAFETY_C, weights, tol=a.tol), texts, questions),
            "word": alarm_text(TextClassifier.fit(corpus, None, SAFETY_C, weights, tol=a.tol), texts, None),
            "mlp": alarm_mlp(fit_mlp(vectors, labels, repeat), questions)}
    np.savez(Path(tempfile.gettempdir()) / f"mlp-{a.hidden}-{a.alpha}.npz", groups=groups,
             **{f"oof_{k}": v for k, v in oof.items()}, **{f"full_{k}": v for k, v in full.items()})
    print("the pool (whole texts), at the out-of-fold threshold:")
    for name, members in COMBOS.items():
        if name not in thresholds:
            continue
        p = np.mean([full[k] for k in members], axis=0)
        counts = (f"{g} {int((p[groups == g] >= thresholds[name]).sum())}/{(groups == g).sum()}" for g in GROUPS)
        print(f"{name:10} " + "  ".join(counts))


if __name__ == "__main__":
    main()
