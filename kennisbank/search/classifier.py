"""A calibrated text classifier: character n-grams + stems (+ a dense embedding) -> logistic regression.

Used twice: for the needs of a question (24 themes and "no need") and for life safety. Features:
  - character 2..5-grams inside word boundaries of the folded text (survive typos, Flemish and
    phone spellings, compounds: "huurachterstant" shares most n-grams with "huurachterstand");
  - stems after synonyms.yaml (abbreviations, French and English words mapped onto Dutch);
  - the question's dense embedding (multilingual: French and English land near the Dutch
    situations), when an encoder is available.
Each block is TF-IDF/L2-normalised, so DENSE_FEATURE_WEIGHT sets the dense block's say. The
multinomial logistic regression gives probabilities that sum to 1 over the labels; they are
calibrated enough to threshold (checked by cross-validation in training.py).

Fitting takes a few seconds on ~3,000 situations; a fitted classifier is cached on disk (pickle,
in the user's cache directory only) keyed by the corpus, the encoder and this code.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .. import cache
from .analysis import Synonyms, analyse, fold
from .corpus import Corpus
from .dense import Encoder, embedding_cache
from .params import CHAR_NGRAMS, DENSE_FEATURE_WEIGHT

log = logging.getLogger(__name__)
_CODE = Path(__file__)


def normalise(text: str) -> str:
    """Folded, lower case, one space: what the character n-grams see."""
    return " ".join(fold(text).split())


class StemAnalyser:
    """Text -> stems after synonyms (a picklable callable for TfidfVectorizer)."""

    def __call__(self, text: str) -> list[str]:
        return list(_stems(text))


@lru_cache(maxsize=16)
def _stems(text: str) -> tuple[str, ...]:
    # The needs model and the safety detector read the same question: analyse it once. Small on
    # purpose: questions stay in memory only as long as they are being answered.
    return tuple(t.key for t in analyse(text, None, _synonyms()) if not t.stop)


@lru_cache(maxsize=1)
def _synonyms() -> Synonyms:
    return Synonyms.load()


class TextClassifier:
    """fit(corpus, encoder) once; then probabilities(texts, vectors) -> (n, len(labels)) float array."""

    def __init__(self, labels: Sequence[str], chars: TfidfVectorizer, stems: TfidfVectorizer,
                 model: LogisticRegression, dense: bool, train_vectors: np.ndarray | None,
                 train_texts: Sequence[str], train_labels: Sequence[str]):
        self.labels = tuple(labels)
        self.chars = chars
        self.stems = stems
        self.model = model
        self.dense = dense
        self.train_vectors = train_vectors   # (n, dim) of the corpus, for the nearest situation
        self.train_texts = tuple(train_texts)
        self.train_labels = tuple(train_labels)

    # ── features ────────────────────────────────────────────────────────────
    @staticmethod
    def _vectorisers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, preprocessor=normalise,
                                sublinear_tf=True, min_df=1, dtype=np.float32)
        stems = TfidfVectorizer(analyzer=StemAnalyser(), sublinear_tf=True, min_df=1, dtype=np.float32)
        return chars, stems

    def features(self, texts: Sequence[str], vectors: np.ndarray | None) -> sparse.csr_matrix:
        blocks = [self.chars.transform(texts), self.stems.transform(texts)]
        if self.dense:
            if vectors is None:
                raise ValueError("dit model verwacht dense vectoren")
            blocks.append(sparse.csr_matrix(vectors * DENSE_FEATURE_WEIGHT))
        stacked: sparse.csr_matrix = sparse.hstack(blocks, format="csr")
        return stacked

    # ── fitting ─────────────────────────────────────────────────────────────
    @classmethod
    def fit(cls, corpus: Corpus, vectors: np.ndarray | None, c: float) -> TextClassifier:
        """Fit on the whole corpus; with `vectors` (its query embeddings, (n, dim)) the model is dense."""
        chars, stems = cls._vectorisers()
        texts = list(corpus.texts)
        blocks = [chars.fit_transform(texts), stems.fit_transform(texts)]
        if vectors is not None:
            blocks.append(sparse.csr_matrix(vectors * DENSE_FEATURE_WEIGHT))
        x = sparse.hstack(blocks, format="csr")
        model = LogisticRegression(C=c, max_iter=3000)
        model.fit(x, list(corpus.labels))
        return cls(list(model.classes_), chars, stems, model, vectors is not None, vectors, texts, corpus.labels)

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None) -> np.ndarray:
        """(len(texts), len(labels)) probabilities; `vectors` (len(texts), dim) when the model is dense.

        Equal to the fitted LogisticRegression's predict_proba on features(): the same TF-IDF
        (sublinear tf, idf, L2 per block) and softmax over coef @ x + intercept, computed here
        for one question at a time without scikit-learn's input validation, which took ~1 ms of
        the ~2 ms per question.
        """
        if vectors is None and self.dense:
            raise ValueError("dit model verwacht dense vectoren")
        inference = self._inference
        out = np.empty((len(texts), len(self.labels)), dtype=np.float64)
        for row, text in enumerate(texts):
            logits = inference.intercept.copy()
            for analyser, vocabulary, idf, offset in inference.blocks:
                counts: dict[int, int] = {}
                for gram in analyser(text):
                    col = vocabulary.get(gram)
                    if col is not None:
                        counts[col] = counts.get(col, 0) + 1
                if not counts:
                    continue
                cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
                weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[cols]
                weights /= np.linalg.norm(weights)
                logits += inference.coef[:, cols + offset] @ weights
            if self.dense and vectors is not None:
                logits += inference.coef[:, inference.dense_from:] @ (vectors[row].astype(np.float64)
                                                                      * DENSE_FEATURE_WEIGHT)
            logits -= logits.max()
            exp = np.exp(logits)
            out[row] = exp / exp.sum()
        return out

    @cached_property
    def _inference(self) -> _Inference:
        blocks = []
        offset = 0
        for vectoriser in (self.chars, self.stems):
            vocabulary = dict(vectoriser.vocabulary_)
            blocks.append((vectoriser.build_analyzer(), vocabulary, vectoriser.idf_.astype(np.float64), offset))
            offset += len(vocabulary)
        return _Inference(tuple(blocks), np.asarray(self.model.coef_, dtype=np.float64),
                          np.asarray(self.model.intercept_, dtype=np.float64), offset)

    def nearest(self, vector: np.ndarray | None, text: str, label: str) -> tuple[str, float] | None:
        """The training situation of `label` closest to the question (dense cosine, else n-gram cosine)."""
        rows = [i for i, lab in enumerate(self.train_labels) if lab == label]
        if not rows:
            return None
        if self.train_vectors is not None and vector is not None:
            sims = self.train_vectors[rows] @ vector
        else:
            near = self.chars.transform([self.train_texts[i] for i in rows])
            sims = (near @ self.chars.transform([text]).T).toarray()[:, 0]
        best = int(np.argmax(sims))
        return self.train_texts[rows[best]], float(sims[best])


@dataclass(frozen=True)
class _Inference:
    """The fitted model as plain arrays, for fast scoring of one question."""
    # per feature block: (analyser, vocabulary, idf, first column)
    blocks: tuple[tuple[Callable[[str], list[str]], dict[str, int], np.ndarray, int], ...]
    coef: np.ndarray        # (labels, features)
    intercept: np.ndarray   # (labels,)
    dense_from: int         # first column of the dense block


def corpus_vectors(corpus: Corpus, encoder: Encoder) -> np.ndarray:
    """Passage embeddings of a corpus, from the disk cache where known (first start: ~10 ms each)."""
    store = embedding_cache(encoder)
    done = {"last": 0}

    def progress(n: int, total: int) -> None:
        if n - done["last"] >= 500 or n == total:
            done["last"] = n
            log.info("Trainingszinnen inbedden: %d/%d", n, total)

    # Situations are embedded as queries: they are what a school types, and questions are queries.
    vectors = store.vectors(corpus.texts, query=True, progress=progress)
    store.flush()
    return vectors


def fitted(kind: str, fingerprint: str, corpus: Callable[[], Corpus], encoder: Encoder | None, c: float
           ) -> TextClassifier:
    """The classifier for this corpus and encoder: from memory, the disk cache, or fitted now.

    `fingerprint` identifies the corpus (corpus.needs_fingerprint); `corpus()` reads it, which is
    needed only to fit: a start-up with the fitted model in the cache does not parse the corpus.
    """
    key = hashlib.sha256("|".join((kind, fingerprint, encoder.name if encoder else "-", str(c),
                                   _code_version(),
                                   _sklearn_version())).encode()).hexdigest()[:24]
    memo = _MEMO.get(key)
    if memo is not None:
        return memo
    slug = f"{kind}-{'dense' if encoder else 'lexical'}"
    found = cache.load(slug, key)
    if not isinstance(found, TextClassifier):
        situations = corpus()
        log.info("%s-model trainen op %d situaties ...", kind, len(situations))
        found = TextClassifier.fit(situations, corpus_vectors(situations, encoder) if encoder else None, c)
        cache.save(slug, key, found)
    _MEMO[key] = found
    return found


_MEMO: dict[str, TextClassifier] = {}


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def _code_version() -> str:
    """The source of the modules that shape the features, and the feature parameters: a change refits."""
    here = _CODE.parent
    h = hashlib.sha256(repr((CHAR_NGRAMS, DENSE_FEATURE_WEIGHT)).encode())
    for name in ("classifier.py", "analysis.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]
