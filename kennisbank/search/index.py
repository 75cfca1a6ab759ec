"""The search index of the active services: one row per service, every column a numpy array.

Rows are grouped by partition (the Flemish layer, then each region), so a question with a
postcode reads two contiguous row ranges and a question for all of Flanders reads every row,
both with the same vectorised code.

  ServiceIndex.build(kb, vocab) -> ServiceIndex                    everything, from scratch
  index.with_changes(kb, vocab, touched) -> ServiceIndex           after an edit: only what changed
  index.rows_for(postcode, region_id) -> (rows, spans)             candidate rows (active, serving it)
  index.lexical(query, rows, spans) -> (bm25, held, idf, hits)     BM25F and the idf mass held, per row;
                                                                   hits.words(positions): the words matched

Lexical part: BM25F (lexical.py) as one sparse matrix over (rows x terms), compressed by term
(CSC): W[i, t] = p / (k1 + p), p the field-weighted, length-normalised frequency of term t in
service i. The idf is applied per question from document frequencies, so it is always that of
the services as they are now.

Edits (Lucene's segments and deletions, in small): `with_changes` leaves the main rows as they
are; a changed or removed service becomes a tombstone there, and its new version is a row of a
small delta index after the main rows. The document frequencies are corrected for tombstones and
delta rows, so idf stays exact; the field-length averages stay those of the main rows (one edit
moves them by less than 1/n). Compound splitting of the main rows keeps the vocabulary of the
last full build. When the delta reaches DELTA_MAX rows, `with_changes` builds everything again.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np

from ..safety import URGENT_WORDS
from ..schema import THEME_IDS, KnowledgeBase, Service
from . import constraints
from .analysis import Vocabulary, words
from .lexical import FIELDS, FieldAnalyser, service_fields
from .params import BM25_K1, FIELD_B, FIELD_WEIGHT, THEME_POSITION

FLANDERS = ""  # partition key of the Flemish layer (services without postcodes)
DELTA_MAX = 512  # rows changed since the last full build before the next edit rebuilds everything
THEME_INDEX = {t: i for i, t in enumerate(THEME_IDS)}
_FIELD_W = np.array([FIELD_WEIGHT[f] for f in FIELDS], dtype=np.float32)
_FIELD_B = np.array([FIELD_B[f] for f in FIELDS], dtype=np.float32)
_URGENT = tuple(f" {' '.join(words(w)) or w} " for w in URGENT_WORDS)


def is_urgent_door(s: Service) -> bool:
    """Marked `urgent: true`, or its own text says it answers at once (see safety/profiles.py)."""
    if s.urgent:
        return True
    text = " " + " ".join(words(" ".join((s.name, s.summary, " ".join(s.keywords), s.organisation)))) + " "
    return any(w in text for w in _URGENT)   # "24/7" is in _URGENT as " 24 7 ", as words() reads it


def partition_of(s: Service) -> str:
    return FLANDERS if s.postcodes is None else s.region_id


@dataclass(frozen=True)
class Columns:
    """Per-row facts about services, in row order (one array per fact)."""
    services: tuple[Service, ...]
    theme_weights: np.ndarray   # (n, 24) float32: THEME_POSITION of each theme a service lists
    first_theme: np.ndarray     # (n,) int64: index of its main theme
    locality: np.ndarray        # (n,) int8: -1 Flemish layer, 0 whole region, 1 part of it
    closed: np.ndarray          # (n,) bool: temporarily closed
    n_themes: np.ndarray        # (n,) float32
    age_lo: np.ndarray          # (n,) int16: ages it is for (-1: not stated)
    age_hi: np.ndarray          # (n,) int16
    urgent: np.ndarray          # (n,) bool: an urgent door
    partition: tuple[str, ...]  # partition key (FLANDERS or a region id)
    theme_slots: np.ndarray     # (n, K) index of its k-th theme, len(THEME_IDS) for none
    theme_position: np.ndarray  # (n, K) float32: THEME_POSITION of that theme, 0 for none

    @classmethod
    def of(cls, services: Sequence[Service], kb: KnowledgeBase) -> Columns:
        n = len(services)
        k = max((len(s.themes) for s in services), default=1)
        weights = np.zeros((n, len(THEME_IDS)), dtype=np.float32)
        slots = np.full((n, k), len(THEME_IDS), dtype=np.int64)
        positions = np.zeros((n, k), dtype=np.float32)
        for i, s in enumerate(services):
            for rank, t in enumerate(s.themes):
                slots[i, rank] = THEME_INDEX[t]
                positions[i, rank] = weights[i, THEME_INDEX[t]] = THEME_POSITION[min(rank, len(THEME_POSITION) - 1)]
        first = slots[:, 0].copy()
        whole = {r.id: r.postcodes for r in kb.regions.values()}
        ages = [constraints.service_ages(s) or (-1, -1) for s in services]
        return cls(
            services=tuple(services),
            theme_weights=weights,
            first_theme=first,
            locality=np.array([-1 if s.postcodes is None else (0 if s.postcodes == whole.get(s.region_id) else 1)
                               for s in services], dtype=np.int8),
            closed=np.array([s.is_closed for s in services], dtype=bool),
            n_themes=np.array([len(s.themes) for s in services], dtype=np.float32),
            age_lo=np.array([a[0] for a in ages], dtype=np.int16),
            age_hi=np.array([a[1] for a in ages], dtype=np.int16),
            urgent=np.array([is_urgent_door(s) for s in services], dtype=bool),
            partition=tuple(partition_of(s) for s in services),
            theme_slots=slots,
            theme_position=positions,
        )

    def __len__(self) -> int:
        return len(self.services)

    def joined(self, other: Columns) -> Columns:
        """These rows followed by `other`'s."""
        def cat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return np.concatenate((a, b))

        k = max(self.theme_slots.shape[1], other.theme_slots.shape[1])

        def wide(a: np.ndarray, fill: float) -> np.ndarray:   # theme slots padded to the same K
            return np.pad(a, ((0, 0), (0, k - a.shape[1])), constant_values=fill)

        return Columns(self.services + other.services, cat(self.theme_weights, other.theme_weights),
                       cat(self.first_theme, other.first_theme), cat(self.locality, other.locality),
                       cat(self.closed, other.closed), cat(self.n_themes, other.n_themes),
                       cat(self.age_lo, other.age_lo), cat(self.age_hi, other.age_hi), cat(self.urgent, other.urgent),
                       self.partition + other.partition,
                       cat(wide(self.theme_slots, len(THEME_IDS)), wide(other.theme_slots, len(THEME_IDS))),
                       cat(wide(self.theme_position, 0.0), wide(other.theme_position, 0.0)))

    def head(self, n: int) -> Columns:
        """The first n rows."""
        return Columns(self.services[:n], self.theme_weights[:n], self.first_theme[:n], self.locality[:n],
                       self.closed[:n], self.n_themes[:n], self.age_lo[:n], self.age_hi[:n], self.urgent[:n],
                       self.partition[:n], self.theme_slots[:n], self.theme_position[:n])


@dataclass(frozen=True)
class Postings:
    """BM25F weights of some rows as a CSC matrix (rows x terms), without idf."""
    terms: dict[str, int]       # term -> column
    indptr: np.ndarray          # (n_terms + 1,) int64: column t holds entries indptr[t]:indptr[t+1]
    rows: np.ndarray            # (nnz,) int32, ascending within a column
    weights: np.ndarray         # (nnz,) float32: p / (k1 + p)
    avg_len: np.ndarray         # (5,) float32: mean length per field (FIELDS order)
    n: int
    term_list: tuple[str, ...] = ()   # column -> term

    def terms_in_rows(self, rows: Sequence[int]) -> Counter[str]:
        """How many of `rows` hold each term (the document frequency those rows contribute)."""
        if not len(rows):
            return Counter()
        hit = np.flatnonzero(np.isin(self.rows, np.asarray(rows, dtype=np.int32)))
        columns = np.searchsorted(self.indptr, hit, side="right") - 1
        ids, counts = np.unique(columns, return_counts=True)
        return Counter({self.term_list[int(i)]: int(c) for i, c in zip(ids, counts, strict=True)})

    @classmethod
    def of(cls, services: Sequence[Service], analyser: FieldAnalyser,
           avg_len: np.ndarray | None = None) -> Postings:
        """The postings of `services` (row i = services[i]); `avg_len` given: normalise with it."""
        terms: dict[str, int] = {}
        analysed: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}   # text -> (term ids, tf, length)
        row_parts: list[np.ndarray] = []
        col_parts: list[np.ndarray] = []
        val_parts: list[np.ndarray] = []
        field_parts: list[np.ndarray] = []
        lengths = np.zeros((len(services), len(FIELDS)), dtype=np.float32)
        for i, s in enumerate(services):
            for f, text in enumerate(service_fields(s).values()):
                got = analysed.get(text)
                if got is None:
                    tf, length = analyser(text)
                    ids = np.array([terms.setdefault(t, len(terms)) for t in tf], dtype=np.int64)
                    got = analysed[text] = (ids, np.fromiter(tf.values(), dtype=np.float32, count=len(tf)), length)
                ids, counts, length = got
                lengths[i, f] = length
                if len(ids):
                    row_parts.append(np.full(len(ids), i, dtype=np.int32))
                    col_parts.append(ids)
                    val_parts.append(counts)
                    field_parts.append(np.full(len(ids), f, dtype=np.int8))
        if avg_len is None:
            avg_len = np.maximum(lengths.mean(axis=0) if len(services) else np.ones(len(FIELDS)), 1.0)
        avg_len = avg_len.astype(np.float32)
        if row_parts:
            rows = np.concatenate(row_parts)
            cols = np.concatenate(col_parts)
            fields = np.concatenate(field_parts)
            norm = 1.0 - _FIELD_B[fields] + _FIELD_B[fields] * lengths[rows, fields] / avg_len[fields]
            pseudo = _FIELD_W[fields] * np.concatenate(val_parts) / norm
        else:
            rows = np.zeros(0, dtype=np.int32)
            cols = np.zeros(0, dtype=np.int64)
            pseudo = np.zeros(0, dtype=np.float32)
        # Compressed by term (CSC), rows ascending in each column; entries of one term in several
        # fields of a service are summed: the BM25F pseudo-frequency.
        if len(rows):
            order = np.lexsort((rows, cols))
            rows, cols, pseudo = rows[order], cols[order], pseudo[order]
            starts = np.flatnonzero(np.r_[True, (np.diff(cols) != 0) | (np.diff(rows) != 0)])
            summed = np.add.reduceat(pseudo, starts)
            rows, cols = rows[starts], cols[starts]
        else:
            summed = pseudo
        indptr = np.searchsorted(cols, np.arange(len(terms) + 1)).astype(np.int64)
        saturated = (summed / (BM25_K1 + summed)).astype(np.float32)
        return cls(terms, indptr, rows.astype(np.int32), saturated, avg_len, len(services), tuple(terms))

    def column(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        j = self.terms.get(term)
        if j is None:
            return _NO_ROWS, _NO_WEIGHTS
        lo, hi = self.indptr[j], self.indptr[j + 1]
        return self.rows[lo:hi], self.weights[lo:hi]


_NO_ROWS = np.zeros(0, dtype=np.int32)
_NO_WEIGHTS = np.zeros(0, dtype=np.float32)


@dataclass(frozen=True)
class Partition:
    members: np.ndarray                    # rows (main and delta, not tombstoned), ascending
    ranges: tuple[tuple[int, int], ...]    # the main rows it spans, as half-open ranges


@dataclass(frozen=True)
class Hits:
    """Which query terms the candidates hold: one (candidate position, term) pair per posting read
    by index.lexical, so the words a match shows need no second look at the postings."""
    position: np.ndarray       # (hits,) position in the candidate rows
    term: np.ndarray           # (hits,) index of the query term, in query order
    typed: tuple[str, ...]     # the query terms as typed, in query order

    @classmethod
    def none(cls, typed: tuple[str, ...]) -> Hits:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), typed)

    def kept(self, keep: np.ndarray) -> Hits:
        """The hits of the candidates where keep (bool, per candidate) is set, renumbered."""
        new = np.cumsum(keep) - 1
        held = keep[self.position]
        return Hits(new[self.position[held]], self.term[held], self.typed)

    def words(self, positions: Sequence[int]) -> list[tuple[str, ...]]:
        """For each candidate position, the question words (as typed, in query order, once) it holds."""
        out = []
        for p in positions:
            found: list[str] = []
            for term in sorted(self.term[self.position == p].tolist()):
                if self.typed[term] not in found:
                    found.append(self.typed[term])
            out.append(tuple(found))
        return out


@dataclass(frozen=True)
class ServiceIndex:
    """Columns, postings and partitions of the active services (see the module docstring)."""
    columns: Columns
    main: Postings                     # rows 0 .. n_main-1
    delta: Postings                    # rows n_main .. n_main+len(delta)-1 (edited since the full build)
    dead: np.ndarray                   # (n_main + n_delta,) bool: tombstones
    partitions: dict[str, Partition]
    row_of: dict[str, int]             # service id -> its live row
    live: np.ndarray                   # live rows, ascending
    regions: dict[str, frozenset[int]]  # region id -> its postcodes, as at the full build
    dead_df: Counter[str] = field(default_factory=Counter)   # terms of tombstoned main rows
    # (postcode, region) -> rows_for's answer. Fresh for every version of the index (replace() makes
    # a new one); at most one entry per postcode of Flanders.
    _rows_memo: dict[tuple[int, str | None], tuple[np.ndarray, tuple[tuple[int, int], ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _idf_memo: dict[str, float] = field(default_factory=dict, init=False, repr=False, compare=False)   # term -> idf

    @property
    def n_main(self) -> int:
        return self.main.n

    @property
    def size(self) -> int:
        """Live rows: the number of documents idf counts."""
        return len(self.row_of)

    # ── building ────────────────────────────────────────────────────────────
    @classmethod
    def build(cls, kb: KnowledgeBase, vocab: Vocabulary) -> ServiceIndex:
        active = [s for s in kb.services.values() if s.is_active]
        order = _partition_order(kb, active)
        services = sorted(active, key=lambda s: order[partition_of(s)])   # stable: file order inside
        analyser = FieldAnalyser(vocab)
        columns = Columns.of(services, kb)
        main = Postings.of(services, analyser)
        empty = Postings.of([], analyser, main.avg_len)
        dead = np.zeros(len(services), dtype=bool)
        index = cls(columns, main, empty, dead, {}, {s.id: i for i, s in enumerate(services)},
                    np.arange(len(services), dtype=np.int64), _regions(kb), Counter())
        return replace(index, partitions=index._partitions_for(set(order)))

    def _partitions_for(self, keys: set[str], keep: dict[str, Partition] | None = None) -> dict[str, Partition]:
        """Partition `keys` computed afresh from the live rows; the others kept from `keep`."""
        out = dict(keep or {})
        partition = self.columns.partition
        live_by_part: dict[str, list[int]] = {k: [] for k in keys}
        for row in self.row_of.values():
            key = partition[row]
            if key in live_by_part:
                live_by_part[key].append(row)
        for key, rows in live_by_part.items():
            if not rows:
                out.pop(key, None)
                continue
            members = np.array(sorted(rows), dtype=np.int64)
            main_rows = members[members < self.n_main]
            out[key] = Partition(members, _ranges(main_rows))
        return out

    def with_changes(self, kb: KnowledgeBase, vocab: Vocabulary, touched: Iterable[str] | None = None
                     ) -> ServiceIndex:
        """The index of `kb`, which differs from this index's services by a few edits.

        `touched`: the ids that may differ (changed, added, removed); None: compare every service.
        Services whose value changed (or that were added, switched off or removed) are re-indexed;
        every other row, its postings and its partition are shared with this index. Falls back to
        build() when the delta would reach DELTA_MAX rows or a region's postcodes changed.
        """
        services = self.columns.services
        if touched is None:
            touched = {*self.row_of, *kb.services}
        gone: list[int] = []
        fresh: list[Service] = []
        for sid in touched:
            new = kb.services.get(sid)
            if new is not None and not new.is_active:
                new = None
            row = self.row_of.get(sid)
            # Unchanged services are the same objects (revisions.apply_revisions copies the dict); one
            # that a revision touched is a new object on every refresh, so equality decides for those.
            if row is not None and (new is services[row] or new == services[row]):
                continue
            if row is not None:
                gone.append(row)
            if new is not None:
                fresh.append(new)
        if not gone and not fresh:
            return self
        return self.applied(kb, vocab, gone, fresh)

    def regions_moved(self, kb: KnowledgeBase) -> bool:
        """A region of this index has other postcodes in `kb` (new and removed regions do not count)."""
        return any(self.regions.get(rid, postcodes) != postcodes for rid, postcodes in _regions(kb).items())

    def applied(self, kb: KnowledgeBase, vocab: Vocabulary, gone: Sequence[int], fresh: Sequence[Service]
                ) -> ServiceIndex:
        """This index with the rows `gone` tombstoned and the `fresh` services indexed in the delta.

        A full build instead when the delta would reach DELTA_MAX rows or a region kept its id but
        not its postcodes (the locality of its rows changes); new and removed regions are fine.
        """
        n_main = self.n_main
        services = self.columns.services
        delta_rows = len(self.columns) - n_main
        if self.regions_moved(kb) or delta_rows + len(gone) + len(fresh) >= DELTA_MAX:
            return ServiceIndex.build(kb, vocab)
        dead = self.dead.copy()
        dead[list(gone)] = True
        dead_df = Counter(self.dead_df)
        # A delta row leaves the delta postings below (they are rebuilt); a main row stays and counts.
        dead_df.update(self.main.terms_in_rows([row for row in gone if row < n_main]))
        delta_services = [s for i, s in enumerate(services[n_main:], start=n_main) if not dead[i]]
        delta_services += fresh
        columns = self.columns.head(n_main).joined(Columns.of(delta_services, kb))
        dead = np.concatenate((dead[:n_main], np.zeros(len(delta_services), dtype=bool)))
        row_of = dict(self.row_of)
        for row in gone:
            if services[row] is not None:
                row_of.pop(services[row].id, None)
        row_of.update({s.id: n_main + i for i, s in enumerate(delta_services)})
        delta = Postings.of(delta_services, FieldAnalyser(vocab), self.main.avg_len)
        # The delta is rebuilt, so its rows are numbered anew: every partition that had or has a delta
        # row is computed again, not only those of the edited services.
        keys = {self.columns.partition[row] for row in gone} | set(self.columns.partition[n_main:]) \
            | {partition_of(s) for s in delta_services}
        index = replace(self, columns=columns, delta=delta, dead=dead, row_of=row_of, live=np.flatnonzero(~dead),
                        dead_df=dead_df, regions=_regions(kb))
        return replace(index, partitions=index._partitions_after_edit(keys, self.partitions))

    def _partitions_after_edit(self, keys: set[str], before: dict[str, Partition]) -> dict[str, Partition]:
        """Partitions `keys` from their main rows before (minus tombstones) and the delta rows; the
        others shared with `before`."""
        out = dict(before)
        n_main = self.n_main
        delta_part = self.columns.partition[n_main:]
        for key in keys:
            old = before.get(key)
            main_rows = old.members[old.members < n_main] if old is not None else np.zeros(0, dtype=np.int64)
            main_rows = main_rows[~self.dead[main_rows]]
            delta_rows = np.array([n_main + i for i, p in enumerate(delta_part) if p == key], dtype=np.int64)
            members = np.concatenate((main_rows, delta_rows))
            if not len(members):
                out.pop(key, None)
            else:
                out[key] = Partition(members, _ranges(main_rows))
        return out

    # ── persistence ─────────────────────────────────────────────────────────
    def detached(self) -> ServiceIndex:
        """A copy to pickle: service ids instead of services (the knowledge base has them)."""
        ids: tuple[Any, ...] = tuple(s.id for s in self.columns.services)
        return replace(self, columns=replace(self.columns, services=ids))

    def restored(self, kb: KnowledgeBase, keep: Sequence[bool]) -> ServiceIndex:
        """A detached index joined to the services of `kb`: row i gets kb's service of its id where
        keep[i], and must then be tombstoned by the caller (applied) where not."""
        ids: tuple[Any, ...] = self.columns.services
        # A row that is not kept is never read before applied() tombstones it (dead rows are skipped).
        services = tuple(kb.services[sid] if kept else cast(Service, None) for sid, kept in zip(ids, keep, strict=True))
        return replace(self, columns=replace(self.columns, services=services))

    # ── reading ─────────────────────────────────────────────────────────────
    def rows_for(self, postcode: int | None, region_id: str | None
                 ) -> tuple[np.ndarray, tuple[tuple[int, int], ...]]:
        """Candidate rows for a school with this postcode (its region and the Flemish layer), ascending,
        and the stretches of main rows they lie in. Without a postcode: every live row (all of Flanders).
        """
        if postcode is None:
            return self.live, ((0, self.n_main),)
        memo = self._rows_memo.get((postcode, region_id))
        if memo is not None:
            return memo
        services = self.columns.services
        found: list[np.ndarray] = []
        spans: list[tuple[int, int]] = []
        for key in (FLANDERS, region_id):
            part = self.partitions.get(key) if key is not None else None
            if part is not None:
                # Only a service for part of its region (locality 1) may not serve this postcode.
                some = self.columns.locality[part.members] == 1
                found.append(part.members[~some])
                found.append(np.array([r for r in part.members[some] if services[int(r)].serves(postcode)],
                                      dtype=np.int64))
                spans.extend(part.ranges)
        rows = np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        rows.flags.writeable = False   # shared by every question from this postcode
        self._rows_memo[(postcode, region_id)] = (rows, tuple(spans))
        return rows, tuple(spans)

    def idf(self, term: str) -> float:
        """Okapi idf of a term over the live rows: log(1 + (n - df + 0.5) / (df + 0.5)); 0 when unknown."""
        found = self._idf_memo.get(term)
        if found is None:
            df = self._df(term)
            n = self.size
            found = self._idf_memo[term] = math.log(1 + (n - df + 0.5) / (df + 0.5)) if df > 0 else 0.0
        return found

    def _df(self, term: str) -> int:
        df = 0
        j = self.main.terms.get(term)
        if j is not None:
            df += int(self.main.indptr[j + 1] - self.main.indptr[j]) - self.dead_df.get(term, 0)
        j = self.delta.terms.get(term)
        if j is not None:
            df += int(self.delta.indptr[j + 1] - self.delta.indptr[j])
        return df

    def lexical(self, query: dict[str, tuple[float, str]], rows: np.ndarray, spans: Sequence[tuple[int, int]]
                ) -> tuple[np.ndarray, np.ndarray, dict[str, float], Hits]:
        """BM25F score and held idf mass per row of `rows`, the idf of each query term, and which
        query terms each row holds (Hits, for the words a match shows).

        query: {stem: (weight, typed word)} from lexical.query_terms; rows and spans from rows_for.
        """
        idf = {key: self.idf(key) for key in query}
        typed = tuple(t for _, t in query.values())
        if not len(rows):
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32), idf, Hits.none(typed)
        # The postings of every query term within the candidate stretches, gathered first and summed
        # in one pass (np.bincount) rather than term by term.
        hit_rows: list[np.ndarray] = []
        hit_weights: list[np.ndarray] = []
        masses: list[float] = []
        terms: list[int] = []
        bounds = np.array(spans, dtype=np.int64).ravel()
        for term, (key, (weight, _)) in enumerate(query.items()):
            mass = weight * idf[key]
            if mass <= 0:   # a term without postings
                continue
            for col_rows, col_weights in self._term_rows(key, bounds):
                hit_rows.append(col_rows)
                hit_weights.append(col_weights)
                masses.append(mass)
                terms.append(term)
        if not hit_rows:
            return (np.zeros(len(rows), dtype=np.float32), np.zeros(len(rows), dtype=np.float32), idf,
                    Hits.none(typed))
        at = np.concatenate(hit_rows)
        lengths = [len(r) for r in hit_rows]
        mass_of_hit = np.repeat(np.array(masses, dtype=np.float32), lengths)
        if len(rows) * 8 > len(self.columns):    # most rows (all of Flanders): a position table
            position = np.full(len(self.columns), -1, dtype=np.int64)
            position[rows] = np.arange(len(rows))
            pos = position[at]
        else:                                      # one region: search the few candidate rows
            pos = np.searchsorted(rows, at)
            pos[(pos >= len(rows)) | (rows[np.minimum(pos, len(rows) - 1)] != at)] = -1
        ok = pos >= 0
        pos = pos[ok]
        bm25 = np.bincount(pos, (np.concatenate(hit_weights) * mass_of_hit)[ok], minlength=len(rows)).astype(np.float32)
        held = np.bincount(pos, mass_of_hit[ok], minlength=len(rows)).astype(np.float32)
        return bm25, held, idf, Hits(pos, np.repeat(np.array(terms, dtype=np.int64), lengths)[ok], typed)

    def _term_rows(self, term: str, bounds: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """The (rows, weights) of a term's postings inside the main-row stretches `bounds` (flat
        start, end pairs) and in the delta, as global rows."""
        out: list[tuple[np.ndarray, np.ndarray]] = []
        col_rows, col_weights = self.main.column(term)
        if len(col_rows):
            cuts = np.searchsorted(col_rows, bounds)
            out.extend((col_rows[a:b], col_weights[a:b]) for a, b in zip(cuts[::2], cuts[1::2], strict=True) if b > a)
        col_rows, col_weights = self.delta.column(term)
        if len(col_rows):
            out.append((col_rows.astype(np.int64) + self.n_main, col_weights))
        return out

    def contains_any(self, rows: np.ndarray, terms: Iterable[str]) -> np.ndarray:
        """(len(rows),) bool: which of `rows` (ascending) hold at least one of `terms` (stems)."""
        out = np.zeros(len(rows), dtype=bool)
        split = int(np.searchsorted(rows, self.n_main))
        for term in terms:
            for postings, part, offset, shift in ((self.main, rows[:split], 0, 0),
                                                  (self.delta, rows[split:], split, self.n_main)):
                col_rows, _ = postings.column(term)
                if len(col_rows) and len(part):
                    out[offset:offset + len(part)] |= np.isin(part - shift, col_rows, assume_unique=True)
        return out



def _partition_order(kb: KnowledgeBase, services: Iterable[Service]) -> dict[str, int]:
    order = {FLANDERS: 0}
    for r in kb.regions.values():
        order.setdefault(r.id, len(order))
    for s in services:
        order.setdefault(partition_of(s), len(order))
    return order


def _regions(kb: KnowledgeBase) -> dict[str, frozenset[int]]:
    return {r.id: frozenset(r.postcodes) for r in kb.regions.values()}


def _ranges(rows: np.ndarray) -> tuple[tuple[int, int], ...]:
    if not len(rows):
        return ()
    breaks = np.flatnonzero(np.diff(rows) != 1)
    starts = np.concatenate(([rows[0]], rows[breaks + 1]))
    ends = np.concatenate((rows[breaks], [rows[-1]])) + 1
    return tuple((int(a), int(b)) for a, b in zip(starts, ends, strict=True))
