"""BM25F over the fields of a service: the words a question shares with a service's own text.

Each field (keywords, name, summary, organisation, description) has a weight and its own length
normalisation (params.FIELD_WEIGHT, FIELD_B); a term's pseudo-frequency is the weighted sum over
fields, saturated with k1 as in Okapi BM25 (Robertson & Zaragoza, "The Probabilistic Relevance
Framework: BM25 and Beyond", 2009, section 3.6). Terms are the stems of search.analysis, so
"uithuiszettingen" meets "uithuiszetting" and compounds also index their parts (weaker).

Postings are kept per partition (one region, or the Flemish layer), so a question with a
postcode touches two partitions, and one partition can be rebuilt after an edit.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from ..schema import Service
from .analysis import ADDED, STOPWORDS, Term, Vocabulary, index_terms
from .params import BM25_K1, COMPOUND_PART, FIELD_B, FIELD_WEIGHT, SYNONYM_TERM

FIELDS = ("keywords", "name", "summary", "organisation", "description")


def service_fields(s: Service) -> dict[str, str]:
    return {"keywords": " ; ".join(s.keywords), "name": s.name, "summary": s.summary,
            "organisation": s.organisation, "description": s.description or ""}


class FieldAnalyser:
    """Field text -> term frequencies (compound parts count COMPOUND_PART); shared texts analysed once."""

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self._memo: dict[str, tuple[dict[str, float], int]] = {}

    def __call__(self, text: str) -> tuple[dict[str, float], int]:
        got = self._memo.get(text)
        if got is None:
            tf: dict[str, float] = defaultdict(float)
            length = 0
            for key, part in index_terms(text, self.vocab):
                tf[key] += COMPOUND_PART if part else 1.0
                length += not part
            got = self._memo[text] = (dict(tf), length)
        return got


class BM25F:
    """Postings per partition: term -> [(service index, idf-weighted saturated pseudo-frequency)]."""

    def __init__(self, services: Sequence[Service], vocab: Vocabulary):
        self.services = services
        self.analyser = FieldAnalyser(vocab)
        self._fields: list[dict[str, tuple[dict[str, float], int]]] = []
        df: Counter[str] = Counter()
        totals: Counter[str] = Counter()
        for s in services:
            analysed = {f: self.analyser(text) for f, text in service_fields(s).items()}
            self._fields.append(analysed)
            df.update({t for tf, _ in analysed.values() for t in tf})
            for f, (_, length) in analysed.items():
                totals[f] += length
        n = max(len(services), 1)
        self.avg_len = {f: max(totals[f] / n, 1.0) for f in FIELDS}
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def weights(self, idx: int) -> dict[str, float]:
        """term -> idf * saturated BM25F pseudo-frequency for one service."""
        pseudo: dict[str, float] = defaultdict(float)
        for f, (tf, length) in self._fields[idx].items():
            norm = 1.0 - FIELD_B[f] + FIELD_B[f] * length / self.avg_len[f]
            for t, c in tf.items():
                pseudo[t] += FIELD_WEIGHT[f] * c / norm
        return {t: self.idf.get(t, 0.0) * v / (BM25_K1 + v) for t, v in pseudo.items()}

    def postings(self, members: Iterable[int]) -> dict[str, list[tuple[int, float]]]:
        out: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for idx in members:
            for t, w in self.weights(idx).items():
                out[t].append((idx, w))
        return dict(out)


def query_terms(terms: list[Term]) -> dict[str, tuple[float, str]]:
    """Question terms -> {stem: (weight, typed word)}: synonyms and compound parts count less."""
    out: dict[str, tuple[float, str]] = {}
    for term in terms:
        if term.stop or term.typed in STOPWORDS:
            continue
        weight = (COMPOUND_PART if term.part else 1.0) * (SYNONYM_TERM if term.origin == ADDED else 1.0)
        if weight > out.get(term.key, (0.0, ""))[0]:
            out[term.key] = (weight, term.typed)
    return out


def score(postings: dict[str, list[tuple[int, float]]], query: dict[str, tuple[float, str]],
          into: dict[int, float], matched: dict[int, list[str]],
          idf: dict[str, float] | None = None, held: dict[int, float] | None = None) -> None:
    """Add the BM25F score of every posting of the query's terms into `into`; record matched words.

    With `idf` and `held`, the same pass also adds per service the idf mass of the query terms it
    contains into `held` (divided by query_mass, the share of the question a service holds).
    """
    for key, (weight, typed) in query.items():
        mass = weight * idf.get(key, 0.0) if idf is not None else 0.0
        for idx, w in postings.get(key, ()):
            into[idx] = into.get(idx, 0.0) + weight * w
            words = matched.setdefault(idx, [])
            if typed not in words:
                words.append(typed)
            if held is not None:
                held[idx] = held.get(idx, 0.0) + mass


def query_mass(query: dict[str, tuple[float, str]], idf: dict[str, float]) -> float:
    """The query's total idf mass over the terms the index knows (0 when it knows none).

    BM25F rewards a service for one rare word it shares with the question ("nachts" in a night
    shelter's text for a question about gaming at night); the share of the question's informative
    words a service holds tells one incidental word from a service that answers what was asked.
    """
    return sum(weight * idf.get(key, 0.0) for key, (weight, _) in query.items())
