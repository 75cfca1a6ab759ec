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

Fitting takes 15-60 s on the ~10,000 situations of each corpus (2 cores, params.FIT_TOL); a fitted
classifier is cached on disk (pickle, in the user's cache directory only) keyed by the corpus, the
encoder and this code.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import time
import weakref
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .. import cache
from .analysis import Synonyms, content_stems, fold
from .corpus import Corpus
from .dense import Encoder, embedding_cache
from .params import CHAR_NGRAMS, DENSE_FEATURE_WEIGHT, FIT_MAX_ITER, FIT_TOL

log = logging.getLogger(__name__)
_CODE = Path(__file__)


def normalise(text: str) -> str:
    """Folded, lower case, one space: what the character n-grams see."""
    return " ".join(fold(text).split())


class StemAnalyser:
    """Text -> stems after synonyms (a picklable callable for TfidfVectorizer)."""

    def __call__(self, text: str) -> list[str]:
        return list(_stems(text))


def _stems(text: str) -> tuple[str, ...]:
    # Not cached here: while answering, _encoded_stems keeps a question's stems for every model.
    return content_stems(text, _synonyms())


class FeatureIds:
    """One integer per feature string over every classifier loaded in this process.

    The needs model and the two safety detectors read the same question and its sentences: each
    n-gram is looked up in one dict once, and each model maps the ids to its own columns with one
    numpy gather (columns(), built when the model answers its first question).
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    @property
    def size(self) -> int:
        return len(self.ids)

    def columns(self, vocabulary: dict[str, int]) -> np.ndarray:
        """(size,) int64: the model's column for each shared id, -1 where it has no such feature."""
        ids = self.ids
        for feature in vocabulary:
            if feature not in ids:
                ids[feature] = len(ids)
        columns = np.full(len(ids), -1, dtype=np.int64)
        columns[np.fromiter((ids[f] for f in vocabulary), dtype=np.int64, count=len(vocabulary))] = \
            np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))
        return columns

    def encode(self, counts: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, counts) of the features some loaded model knows; the rest no model can weigh."""
        ids = self.ids
        found = [(i, n) for i, n in ((ids.get(f), n) for f, n in counts.items()) if i is not None]
        return (np.fromiter((i for i, _ in found), dtype=np.int64, count=len(found)),
                np.fromiter((n for _, n in found), dtype=np.float64, count=len(found)))


CHAR_IDS = FeatureIds()
STEM_IDS = FeatureIds()


# `size` is part of the key: a model loaded later may know n-grams an earlier encoding dropped.
@lru_cache(maxsize=32)
def _encoded_grams(text: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    # The needs model and the safety detectors read the same question: count its n-grams once.
    # "char_wb" n-grams never cross a space, so a text's n-grams are those of its words together.
    parts = [_word_grams(word, size) for word in normalise(text).split()]
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    ids, counts = np.unique(np.concatenate(parts), return_counts=True)
    within = ids < size   # an id registered meanwhile (a model loading on another thread) is not in `size`
    return ids[within], counts[within].astype(np.float64)


@lru_cache(maxsize=20_000)
def _word_grams(word: str, size: int) -> np.ndarray:
    """The shared ids of one word's known n-grams, repeated as often as they occur. Words recur
    from question to question; the cache holds single words, never a question."""
    ids = CHAR_IDS.ids
    found = (ids.get(gram) for gram in char_wb_ngrams(word, *CHAR_NGRAMS))
    return np.fromiter((i for i in found if i is not None), dtype=np.int64)


@lru_cache(maxsize=32)
def _encoded_stems(text: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    ids, counts = STEM_IDS.encode(Counter(_stems(text)))
    within = ids < size   # as in _encoded_grams: only the ids the caller's table covers
    return ids[within], counts[within]


@lru_cache(maxsize=1)
def _synonyms() -> Synonyms:
    return Synonyms.load()


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams inside word boundaries, padded with a space: scikit-learn's "char_wb"
    analyser (without its preprocessing), kept here so that answering needs no scikit-learn."""
    grams: list[str] = []
    for word in text.split():
        word = f" {word} "
        length = len(word)
        for n in range(low, high + 1):
            offset = 0
            grams.append(word[offset:offset + n])
            while offset + n < length:
                offset += 1
                grams.append(word[offset:offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return grams


class TextClassifier:
    """fit(corpus, vectors, c) once; then probabilities(texts, vectors) -> (n, len(labels)) float array.

    A fitted classifier is plain data (vocabularies, idf, coefficients): scikit-learn fits it, but
    answering a question, and loading the model at start-up, do not import scikit-learn (~0.7 s).
    """

    def __init__(self, labels: Sequence[str], char_vocabulary: dict[str, int], char_idf: np.ndarray,
                 stem_vocabulary: dict[str, int], stem_idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray,
                 dense: bool, train_vectors: np.ndarray | None, train_texts: Sequence[str],
                 train_labels: Sequence[str]):
        self.labels = tuple(labels)
        self.char_vocabulary = char_vocabulary   # char n-gram -> column
        self.char_idf = char_idf                 # (len(char_vocabulary),)
        self.stem_vocabulary = stem_vocabulary   # stem -> column, after the char columns
        self.stem_idf = stem_idf
        self.coef = coef                         # (labels, chars + stems [+ dim]) float32: half the memory
        self.intercept = intercept               # (labels,)
        self.dense = dense
        self.train_vectors = train_vectors   # (n, dim) of the corpus, for the nearest situation
        self.train_texts = tuple(train_texts)
        self.train_labels = tuple(train_labels)

    # ── fitting ─────────────────────────────────────────────────────────────
    @staticmethod
    def vectorisers() -> tuple[Any, Any]:
        """The two scikit-learn TfidfVectorizers the features are defined by (char n-grams, stems)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, preprocessor=normalise,
                                sublinear_tf=True, min_df=1, dtype=np.float32)
        stems = TfidfVectorizer(analyzer=StemAnalyser(), sublinear_tf=True, min_df=1, dtype=np.float32)
        return chars, stems

    @classmethod
    def fit(cls, corpus: Corpus, vectors: np.ndarray | None, c: float,
            class_weight: Mapping[str, float] | None = None, tol: float = FIT_TOL) -> TextClassifier:
        """Fit on the whole corpus; with `vectors` (its query embeddings, (n, dim)) the model is dense.
        `class_weight`: label -> weight of its situations in the fit (None: all 1); `tol`: lbfgs's
        gradient tolerance (params.FIT_TOL; another value only to measure what it changes)."""
        from scipy import sparse
        from sklearn.linear_model import LogisticRegression

        chars, stems = cls.vectorisers()
        texts = list(corpus.texts)
        blocks = [chars.fit_transform(texts), stems.fit_transform(texts)]
        if vectors is not None:
            blocks.append(sparse.csr_matrix(vectors * DENSE_FEATURE_WEIGHT))
        x = sparse.hstack(blocks, format="csr")
        # Fitted until the loss stops going down (FIT_TOL), not to where the machine's floating point
        # happens to stop lbfgs early: the thresholds in ranking.json are chosen for this model on one
        # machine and used on all.
        model = LogisticRegression(C=c, tol=tol, max_iter=FIT_MAX_ITER,
                                   class_weight=dict(class_weight) if class_weight else None)
        model.fit(x, list(corpus.labels))
        return cls.from_sklearn(model, chars, stems, vectors, texts, corpus.labels)

    @classmethod
    def from_sklearn(cls, model: Any, chars: Any, stems: Any, vectors: np.ndarray | None, texts: Sequence[str],
                     labels: Sequence[str]) -> TextClassifier:
        """The fitted LogisticRegression and vectorisers as plain arrays."""
        n_chars = len(chars.vocabulary_)
        coef, intercept = np.asarray(model.coef_), np.asarray(model.intercept_)
        if len(model.classes_) == 2:
            # scikit-learn keeps one row for two labels, the second label's logit z; the softmax over
            # (-z/2, z/2) is its sigmoid, so probabilities() needs no case of its own.
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.concatenate([-intercept / 2, intercept / 2])
        return cls(list(model.classes_), {str(k): int(v) for k, v in chars.vocabulary_.items()},
                   np.asarray(chars.idf_, dtype=np.float64),
                   {str(k): int(v) + n_chars for k, v in stems.vocabulary_.items()},
                   np.asarray(stems.idf_, dtype=np.float64),
                   np.asarray(coef, dtype=np.float32), np.asarray(intercept, dtype=np.float64),
                   vectors is not None, vectors, texts, labels)

    # ── answering ───────────────────────────────────────────────────────────
    def __getstate__(self) -> dict[str, Any]:
        # The shared-id columns depend on what else is loaded in this process: never pickled.
        return {k: v for k, v in self.__dict__.items() if k != "_columns"}

    def _answering(self) -> tuple[FeatureSpace, np.ndarray, np.ndarray | None]:
        """This classifier's feature space, its coefficients as (features, labels) rows, which make
        the gather of a question's columns cheap, and the dense block's rows (float64, already
        times DENSE_FEATURE_WEIGHT; None for a model without the dense block)."""
        found = self.__dict__.get("_columns")
        if found is None:
            coef_t = np.ascontiguousarray(self.coef.T)
            dense_from = len(self.char_vocabulary) + len(self.stem_vocabulary)
            found = (FeatureSpace.of(self.char_vocabulary, self.stem_vocabulary, self.char_idf, self.stem_idf),
                     coef_t,
                     coef_t[dense_from:].astype(np.float64) * DENSE_FEATURE_WEIGHT if self.dense else None)
            self._columns = found
        return found

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None) -> np.ndarray:
        """(len(texts), len(labels)) probabilities; `vectors` (len(texts), dim) when the model is dense.

        What the fitted LogisticRegression's predict_proba gives on the TF-IDF features (tested):
        softmax over coef @ x + intercept, for all texts in one product.
        """
        if vectors is None and self.dense:
            raise ValueError("dit model verwacht dense vectoren")
        if not len(texts):
            return np.zeros((0, len(self.labels)), dtype=np.float64)
        space, coef_t, dense_coef = self._answering()
        rows, cols, weights = space.features(tuple(texts))
        gathered = coef_t[cols]
        if len(texts) == 1:   # most questions: no (texts, columns) matrix to build
            logits = (weights @ gathered)[None, :] + self.intercept
        elif len(texts) <= _SMALL_BATCH:   # a question and its sentences: one small product
            x = np.zeros((len(texts), len(cols)))   # the texts' features over the columns they use
            x[rows, np.arange(len(cols))] = weights
            logits = x @ gathered + self.intercept
        else:
            # Thousands of texts (a corpus fold in training): that matrix grows with texts x features
            # (30 GB for 4,000 texts), so each text's weighted rows are summed per label instead.
            contributions = weights[:, None] * gathered
            logits = np.stack([np.bincount(rows, contributions[:, j], minlength=len(texts))
                               for j in range(contributions.shape[1])], axis=1) + self.intercept
        if dense_coef is not None and vectors is not None:
            logits += vectors @ dense_coef
        logits -= logits.max(axis=1, keepdims=True)
        exp: np.ndarray = np.exp(logits)
        out: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
        return out

    def nearest(self, vector: np.ndarray | None, text: str, label: str) -> tuple[str, float] | None:
        """The training situation of `label` closest to the question (dense cosine, else n-gram cosine)."""
        rows = [i for i, lab in enumerate(self.train_labels) if lab == label]
        if not rows:
            return None
        if self.train_vectors is not None and vector is not None:
            sims = self.train_vectors[rows] @ vector
        else:
            question = self._char_block(text)
            sims = np.array([sum(w * question.get(c, 0.0) for c, w in self._char_block(self.train_texts[i]).items())
                             for i in rows])
        best = int(np.argmax(sims))
        return self.train_texts[rows[best]], float(sims[best])

    def _char_block(self, text: str) -> dict[int, float]:
        """The character n-gram block of one text: column -> TF-IDF weight."""
        _, cols, weights = self._answering()[0].features((text,))
        chars = cols < len(self.char_vocabulary)
        return dict(zip(cols[chars].tolist(), weights[chars].tolist(), strict=True))


class FeatureSpace:
    """The TF-IDF space of one fitted vectoriser pair, over the shared feature ids.

    Models fitted on the same texts have the same space and share one object (the dense and the
    word-only safety detector): a question's features are then computed once for both.
    """

    # The spaces in use, weakly: a model that is dropped (training fits and drops dozens of
    # cross-validation models) takes its space with it.
    _loaded: ClassVar[list[weakref.ref[FeatureSpace]]] = []

    def __init__(self, char_vocabulary: dict[str, int], stem_vocabulary: dict[str, int], idf: np.ndarray):
        self.char_vocabulary = char_vocabulary                  # the models' own dicts, not copies
        self.stem_vocabulary = stem_vocabulary
        self.char_columns = CHAR_IDS.columns(char_vocabulary)   # shared char id -> column, -1: none
        self.stem_columns = STEM_IDS.columns(stem_vocabulary)   # shared stem id -> column, -1: none
        self.idf = idf                                            # (columns,) chars then stems
        self._built: tuple[np.ndarray, tuple[int, int]] = (np.zeros(0, dtype=np.int64), (-1, -1))
        self._recent: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    @classmethod
    def of(cls, char_vocabulary: dict[str, int], stem_vocabulary: dict[str, int], char_idf: np.ndarray,
           stem_idf: np.ndarray) -> FeatureSpace:
        """The loaded space with this vocabulary and idf, or a new one."""
        idf = np.concatenate((char_idf, stem_idf))
        live = [space for space in (ref() for ref in cls._loaded) if space is not None]
        cls._loaded[:] = [weakref.ref(space) for space in live]
        for space in live:
            if (space.char_vocabulary == char_vocabulary and space.stem_vocabulary == stem_vocabulary
                    and np.array_equal(space.idf, idf)):
                return space
        space = cls(char_vocabulary, stem_vocabulary, idf)
        cls._loaded.append(weakref.ref(space))
        return space

    def features(self, texts: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The TF-IDF features of the texts as (text, column, weight) triples: sublinear tf, each
        block (char n-grams, stems) L2-normalised per text, as TfidfVectorizer gives them."""
        found = self._recent.get(texts)
        if found is None:
            found = self._features(texts)
            if len(self._recent) >= 4:   # the texts of the question being answered, not a history
                self._recent.pop(next(iter(self._recent)))
            self._recent[texts] = found
        return found

    def _columns(self) -> tuple[np.ndarray, int, int]:
        """One table for both id spaces: shared char ids, then shared stem ids offset by the number
        of char ids, each mapped to this space's column (-1: none). Models loaded after this space
        add ids it does not know; the table grows with -1 for them when it is next used.
        Returns (table, number of char ids, number of stem ids) as the table was built for."""
        sizes = (CHAR_IDS.size, STEM_IDS.size)
        table, built = self._built   # one attribute: a table is never read with another's sizes
        if built != sizes:
            table = np.full(sum(sizes), -1, dtype=np.int64)
            table[:len(self.char_columns)] = self.char_columns
            table[sizes[0]:sizes[0] + len(self.stem_columns)] = self.stem_columns
            self._built = (table, sizes)
        return table, sizes[0], sizes[1]

    def _features(self, texts: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        table, n_chars, n_stems = self._columns()
        # Per text its char n-grams, then its stems (ids shifted past the char ids): block 2i and
        # 2i + 1, each normalised on its own. A question is read with a dozen numpy calls in all.
        ids: list[np.ndarray] = []
        tfs: list[np.ndarray] = []
        lengths: list[int] = []
        for text in texts:
            grams, gram_tf = _encoded_grams(text, n_chars)
            stems, stem_tf = _encoded_stems(text, n_stems)
            ids += (grams, stems + n_chars)
            tfs += (gram_tf, stem_tf)
            lengths += (len(grams), len(stems))
        cols = table[np.concatenate(ids)]
        known = cols >= 0
        cols = cols[known]
        block_of = np.repeat(np.arange(2 * len(texts)), lengths)[known]
        weights = (1.0 + np.log(np.concatenate(tfs)[known])) * self.idf[cols]
        norms = np.sqrt(np.bincount(block_of, weights * weights, minlength=2 * len(texts)))
        return block_of // 2, cols, weights / norms[block_of]


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


def fitted(kind: str, fingerprint: str, corpus: Callable[[], Corpus], encoder: Encoder | None, c: float,
           class_weight: Mapping[str, float] | None = None) -> TextClassifier:
    """The classifier for this corpus and encoder: from memory, the disk cache, or fitted now.

    `fingerprint` identifies the corpus (corpus.needs_fingerprint); `corpus()` reads it, which is
    needed only to fit: a start-up with the fitted model in the cache does not parse the corpus.
    """
    weights = repr(sorted(class_weight.items())) if class_weight else "-"
    key = hashlib.sha256("|".join((kind, fingerprint, encoder.name if encoder else "-", str(c), weights,
                                   _code_version(),
                                   _sklearn_version())).encode()).hexdigest()[:24]
    memo = _MEMO.get(key)
    if memo is not None:
        return memo
    slug = f"{kind}-{'dense' if encoder else 'lexical'}"
    found = cache.load(slug, key)
    if not isinstance(found, TextClassifier):
        situations = corpus()
        reads = "woorden en betekenis" if encoder else "woorden"
        log.info("%s-model (%s) trainen op %d situaties ...", kind, reads, len(situations))
        vectors = corpus_vectors(situations, encoder) if encoder else None   # logs its own time
        started = time.monotonic()
        found = TextClassifier.fit(situations, vectors, c, class_weight)
        log.info("%s-model (%s) getraind in %.0f s; volgende starts lezen het uit de cache",
                 kind, reads, time.monotonic() - started)
        cache.save(slug, key, found)
    _MEMO[key] = found
    return found


_MEMO: dict[str, TextClassifier] = {}
_SMALL_BATCH = 64


def _sklearn_version() -> str:
    # The installed package's dist-info name: importing scikit-learn (~0.7 s) or importlib.metadata
    # (~0.2 s) to ask would cost every start-up that.
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        return "-"
    found = sorted(Path(spec.origin).parents[1].glob("scikit_learn-*.dist-info"))
    return found[-1].name.removesuffix(".dist-info").split("-")[1] if found else "-"


def _code_version() -> str:
    """The source of the modules that shape the features and what a corpus holds (corpus.py decides
    which files, texts and labels are read), and the feature parameters: a change refits."""
    here = _CODE.parent
    h = hashlib.sha256(repr((CHAR_NGRAMS, DENSE_FEATURE_WEIGHT, FIT_TOL, FIT_MAX_ITER)).encode())
    for name in ("classifier.py", "analysis.py", "corpus.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]
