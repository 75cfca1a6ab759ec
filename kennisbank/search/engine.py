"""From a school's question to ranked services, with the reason for each.

Public API (used by the bot, the CLI and the benchmarks; keep it stable):
  SearchEngine(kb).search(question, postcode=None, limit=3) -> Answer
  SearchEngine(kb).by_theme(theme_id, postcode=None, limit=3) -> Answer
  SearchEngine(kb).entry_points(postcode) -> list[Service]
  search(kb, question, postcode=None, limit=3) -> Answer   (convenience)

How a question is answered:
  1. safety:     the life-safety detector reads the question (safety.py); when it fires,
                 the kind's urgent doors lead the answer, whatever else happens.
  2. needs:      probabilities of the 24 themes and of "no need" (needs.py, learned from data).
  3. abstention: no need -> nothing fits; no clear need -> ask back with the likely needs.
  4. candidates: every active service that serves the postcode (its region and the Flemish layer).
  5. evidence:   BM25F over the service fields (lexical.py), cosine of dense embeddings (dense.py),
                 theme coverage, locality, what the question says about fit (constraints.py).
  6. ranking:    a fitted linear model over that evidence (ranking.py, weights in ranking.json).
Every match says why: the recognised needs it covers, the words it shares with the question, and
(with explain=True) each feature's share of its score and the nearest training situation.
"""
from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from ..organisations import OrganisationHit, Organisations
from ..safety import ACUTE_LINE, PROFILES, URGENT_WORDS
from ..schema import THEME_IDS, KnowledgeBase, Service
from ..themes import load_themes
from . import constraints, lexical
from .analysis import STOPWORDS, Synonyms, Term, Vocabulary, analyse, fold, words
from .dense import Encoder, configured_encoder, embedding_cache, encoder_problem, load_encoder
from .needs import Needs, NeedsModel
from .params import (
    ASK_MAX_WORDS,
    NEED_RELATIVE,
    NEED_SHOWN,
    RESULT_RELATIVE,
    SAFETY_DOORS,
    SAFETY_SURE,
    SPREAD_NEEDS,
    THEME_POSITION,
    UNCOVERED_MIN,
)
from .ranking import FEATURES, Candidates, RankingModel, features, load_ranking
from .safety import SafetyAlert, SafetyDetector, split_sentences

log = logging.getLogger(__name__)

FLANDERS = ""  # partition key of the Flemish layer (services without postcodes)
SHOWN_FIRST = 3  # results a phone shows before "more" (bot.render.PAGE_SIZE): an urgent door stands among them
_THEME_INDEX = {t: i for i, t in enumerate(THEME_IDS)}
# Words that, next to an organisation's name, ask for its door ("nummer van het ocmw").
_CONTACT_WORDS = frozenset("""nummer telefoonnummer telefoon tel gsm adres contact contactpersoon mail email e
bereiken bellen open openingsuren uren waar wie site website naam number phone address numero adresse""".split())


@dataclass(frozen=True)
class Match:
    service: Service
    score: float                 # 0..1: fitted probability that this is an acceptable referral
    themes: tuple[str, ...]      # recognised needs of the question that this service covers
    words: tuple[str, ...]       # question words that matched this service
    urgent: bool = False         # an urgent door for a life-safety alert
    explanation: tuple[tuple[str, float], ...] = ()  # feature -> share of the logit (explain=True)

    @property
    def id(self) -> str:
        return self.service.id


@dataclass(frozen=True)
class Answer:
    matches: tuple[Match, ...]
    themes: tuple[str, ...]      # recognised needs of the question, strongest first
    ambiguous: bool = False      # too weak to answer: ask back with `themes` as choices
    safety: SafetyAlert | None = None    # a possible danger to a life or a child: urgent doors lead
    probabilities: tuple[tuple[str, float], ...] = ()  # need -> probability (with "geen-nood")
    nearest: tuple[str, float] | None = None  # training situation closest to the question (explain=True)

    @property
    def found(self) -> bool:
        return bool(self.matches)

    @property
    def acute_line(self) -> str | None:
        """"Bij acuut gevaar: bel 112." when the question may concern a life or a child's safety."""
        return ACUTE_LINE if self.safety is not None else None


@dataclass
class _Partition:
    """Services of one region (or the Flemish layer): a question only touches the partitions it may answer from."""
    members: np.ndarray                                  # indices into SearchEngine._services
    postings: dict[str, list[tuple[int, float]]] | None = None
    by_theme: dict[str, list[int]] = field(default_factory=dict)


class SearchEngine:
    """Builds its index once; each question scores every service that may answer it (numpy, vectorised).

    `encoder` overrides the configured dense encoder (WELZIJNSBOT_ENCODER); pass `encoder=False`
    for a lexical-only engine. `progress(done, total)` is called while service texts are embedded
    for the first time.
    """

    def __init__(self, kb: KnowledgeBase, encoder: Encoder | bool | None = None,
                 progress: Callable[[int, int], None] | None = None):
        started = time.monotonic()
        self.kb = kb
        if encoder is None or encoder is True:
            encoder = load_encoder()
        self.encoder: Encoder | None = encoder or None
        self.encoder_problem = None if self.encoder else (encoder_problem() or "uitgeschakeld")
        self.ranking: RankingModel = load_ranking(dense=self.encoder is not None)
        self.needs = NeedsModel.load(self.encoder)
        self.safety = SafetyDetector.load(self.encoder, self.ranking.safety_threshold,
                                          self.ranking.safety_lead_threshold)
        self.themes = load_themes()
        self.synonyms = Synonyms.load()
        self._services: list[Service] = [s for s in kb.services.values() if s.is_active]
        self._index = {s.id: i for i, s in enumerate(self._services)}
        self.vocab = Vocabulary(self._known_words())
        self.bm25 = lexical.BM25F(self._services, self.vocab)
        self.organisations = Organisations(kb, self._services, self.synonyms)
        n = len(self._services)
        self._theme_weights = np.zeros((n, len(THEME_IDS)), dtype=np.float32)
        self._first_theme = np.zeros(n, dtype=np.int64)
        for i, s in enumerate(self._services):
            for rank, t in enumerate(s.themes):
                self._theme_weights[i, _THEME_INDEX[t]] = THEME_POSITION[min(rank, len(THEME_POSITION) - 1)]
            self._first_theme[i] = _THEME_INDEX[s.themes[0]]
        whole_region = {r.id: r.postcodes for r in kb.regions.values()}
        self._locality = np.array([-1 if s.postcodes is None
                                   else (0 if s.postcodes == whole_region.get(s.region_id) else 1)
                                   for s in self._services], dtype=np.int8)
        self._closed = np.array([s.is_closed for s in self._services], dtype=bool)
        self._n_themes = np.array([len(s.themes) for s in self._services], dtype=np.float32)
        self._ages = [constraints.service_ages(s) for s in self._services]
        self._urgent = np.array([self._is_urgent_door(s) for s in self._services], dtype=bool)
        self._vectors = self._embed_services(progress) if self.encoder else None
        self._region_of_postcode = {pc: r.id for r in kb.regions.values() for pc in r.postcodes}
        groups: dict[str, list[int]] = {}
        for i, s in enumerate(self._services):
            groups.setdefault(FLANDERS if s.postcodes is None else s.region_id, []).append(i)
        self._parts = {k: _Partition(np.array(v, dtype=np.int64)) for k, v in groups.items()}
        for part in self._parts.values():
            for i in part.members:
                for t in self._services[i].themes:
                    part.by_theme.setdefault(t, []).append(int(i))
        self._profile_vectors: dict[str, np.ndarray] = {}   # per safety kind, built on its first alert
        self._profile_terms: dict[str, frozenset[str]] = {}
        self.build_seconds = time.monotonic() - started

    # ── building ────────────────────────────────────────────────────────────
    def _known_words(self) -> set[str]:
        known: set[str] = set()
        for theme in self.themes.values():
            for phrase in (*theme.phrases, *theme.signals, *theme.weak):
                known.update(words(phrase))
        for target in (*self.synonyms.single.values(), *self.synonyms.multi.values()):
            known.update(target)
        seen: set[str] = set()
        for s in self._services:
            for text in (s.organisation, s.name, s.summary, s.description or "", " ".join(s.keywords)):
                if text not in seen:  # shared boilerplate is read once
                    seen.add(text)
                    known.update(words(text))
        return known - STOPWORDS

    @staticmethod
    def passage(s: Service) -> str:
        """The text of a service that is embedded: what it is, for whom, in its own words."""
        parts = [s.name, s.organisation, s.summary, ", ".join(s.keywords), (s.description or "")[:600]]
        return ". ".join(p.strip() for p in parts if p and p.strip())

    def _embed_services(self, progress: Callable[[int, int], None] | None) -> np.ndarray:
        """Service embeddings from the cache; texts never seen are embedded now (~15 ms each), with progress."""
        assert self.encoder is not None
        store = embedding_cache(self.encoder)
        started = time.monotonic()
        shown = {"at": 0}

        def report(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total)
            elif done - shown["at"] >= 1000 or done == total:
                shown["at"] = done
                log.info("Diensten inbedden voor de zoekfunctie: %d/%d", done, total)

        vectors = store.vectors([self.passage(s) for s in self._services], query=False, progress=report)
        if shown["at"]:
            log.info("Zoekindex: %d diensten ingebed in %.1f s (eerste start; daarna uit de cache in %s)",
                     shown["at"], time.monotonic() - started, store.path.parent if store.path else "geheugen")
        store.flush()
        return vectors

    @staticmethod
    def _is_urgent_door(s: Service) -> bool:
        """Marked `urgent: true`, or its own text says it answers at once (see safety/profiles.py)."""
        if s.urgent:
            return True
        text = " " + " ".join(words(" ".join((s.name, s.summary, " ".join(s.keywords), s.organisation)))) + " "
        return any(f" {' '.join(words(w)) or w} " in text or (w == "24/7" and "24 7" in text) for w in URGENT_WORDS)

    def _partitions_of(self, postcode: int | None) -> list[_Partition]:
        if postcode is None:
            return list(self._parts.values())
        keys = [FLANDERS, self._region_of_postcode.get(postcode)]
        return [self._parts[k] for k in keys if k in self._parts]

    def _partitions(self, postcode: int | None) -> list[_Partition]:
        parts = self._partitions_of(postcode)
        for part in parts:
            if part.postings is None:
                part.postings = self.bm25.postings(int(i) for i in part.members)
        return parts

    def prepare(self, postcodes: Iterable[int] | None = None) -> int:
        """Build the postings now instead of on a region's first question; returns how many were built.

        Without postcodes every region is built: a long-running bot does this once at start-up and
        then calls settle(), so no question later pays for building.
        """
        parts = list(self._parts.values()) if postcodes is None else [
            p for pc in postcodes for p in self._partitions_of(pc)]
        todo = [p for p in parts if p.postings is None]
        for part in todo:
            part.postings = self.bm25.postings(int(i) for i in part.members)
        return len(todo)

    # ── answering ───────────────────────────────────────────────────────────
    def embed_question(self, question: str) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Query embeddings of the question and of its sentences (for the safety detector)."""
        if self.encoder is None:
            return None, None
        question = calm(question)
        sentences = split_sentences(question)
        vectors = self.encoder.queries([question, *sentences])
        return vectors[0], (vectors[1:] if sentences else None)

    def search(self, question: str, postcode: int | None = None, limit: int = 3, explain: bool = False) -> Answer:
        question = question or ""
        terms = analyse(question, self.vocab, self.synonyms)
        if all(t.stop for t in terms):
            return Answer((), ())
        vector, sentence_vectors = self.embed_question(question)
        read = calm(question)  # the text the encoder and the detector read (shouting in lower case)
        alert = self.safety.detect(read, vector, sentence_vectors)
        needs = self.needs.recognise(question, vector)
        probabilities = (*sorted(((t, float(p)) for t, p in zip(THEME_IDS, needs.themes, strict=True) if p >= 0.02),
                                 key=lambda tp: -tp[1]), ("geen-nood", needs.none))
        ranked = needs.ranked(NEED_SHOWN, NEED_RELATIVE)
        if alert is not None and alert.leads and alert.probability < SAFETY_SURE:
            # Two models must agree before the urgent doors take over: "een mama wordt uit haar huis
            # gezet" is a housing question first (needs) even if it resembles a violence story (safety).
            # In a long story the sentence that raised the alarm is what the needs model must read.
            focus = needs
            parts = split_sentences(read)
            if alert.sentence in parts:
                at = parts.index(alert.sentence)
                focus = self.needs.recognise(alert.sentence, None if sentence_vectors is None else sentence_vectors[at])
            if not set(focus.ranked(NEED_SHOWN, NEED_RELATIVE)[:1]) & set(PROFILES[alert.kind].themes):
                alert = replace(alert, leads=False)
        nearest = self.needs.nearest(question, vector, ranked[0]) if explain and ranked else None

        named = self.organisations.find(question)
        if named is not None and alert is None:
            besides_name = {t.typed for t in terms if not t.stop and t.typed not in named.typed}
            if besides_name <= _CONTACT_WORDS:
                # "caw", "nummer van het ocmw": nothing but a name is a request for that organisation's door.
                front_doors = self.organisations.front_doors(named, postcode, limit)
                if front_doors:
                    return Answer(tuple(Match(s, 0.5, (), named.typed) for s in front_doors), (),
                                  probabilities=probabilities)

        if alert is None:
            if needs.none >= self.ranking.none_threshold and needs.none > needs.best:
                return Answer((), (), probabilities=probabilities, nearest=nearest)
            content = {t.typed for t in terms if not t.stop}
            if needs.best < self.ranking.ask_threshold and len(content) <= ASK_MAX_WORDS:
                # A short question with no clear need: ask back. A long story already says much; its
                # needs are spread over several themes, and the services of each answer it better.
                return Answer((), ranked[:4], ambiguous=bool(ranked), probabilities=probabilities, nearest=nearest)

        candidates, x, matched, unfit = self._score_inputs(question, terms, needs, vector, postcode, named)
        scores = self.ranking.scores(x) if len(candidates) else np.zeros(0)
        # Fit is an order, not a weight: among the services good enough to show, what the question
        # rules out (other ages, an organisation to avoid, temporarily closed) comes after what fits.
        # A service answers a need it covers; without covering one it must be a likely fit on its own words.
        # A story whose needs are spread (no need reaches NEED_SHOWN, and it was not "no need") is
        # answered by the services of its few likeliest needs, not with "nothing fits".
        answered = ranked or needs.ranked(0.0, NEED_RELATIVE)[:SPREAD_NEEDS]
        covers = (self._theme_weights[candidates][:, [_THEME_INDEX[t] for t in answered]].max(axis=1) > 0) \
            if answered and len(candidates) else np.zeros(len(candidates), dtype=bool)
        relevant = covers | (scores >= UNCOVERED_MIN)
        top = float(scores[relevant].max()) if relevant.any() else 0.0
        shown = relevant & (scores >= RESULT_RELATIVE * top)
        tier = np.where(shown, unfit.astype(np.int8), 2)
        order = (np.lexsort((-self._n_themes[candidates], -scores, tier)) if len(candidates)
                 else np.zeros(0, dtype=np.int64))
        matches: list[Match] = []
        for pos in order[: max(limit, SAFETY_DOORS + limit)]:
            idx = int(candidates[pos])
            s = self._services[idx]
            if not shown[pos]:
                break  # with or without an alert: a service that does not fit is no answer
            covered = tuple(t for t in ranked if t in s.themes)
            reasons = tuple(matched.get(idx, ()))
            matches.append(Match(s, round(float(scores[pos]), 4), covered, reasons,
                                 explanation=tuple(self.ranking.contributions(x[pos])) if explain else ()))
        if alert is not None:
            doors = self._safety_doors(alert, question, terms, vector, postcode, named)
            door_ids = {d.id for d in doors}
            rest = [m for m in matches if m.id not in door_ids]
            if alert.leads:
                # After the urgent doors only what clearly fits the rest of the question: a weak guess
                # ("een einde maken" read as debts) must not stand next to a suicide line.
                matches = [*doors, *(m for m in rest if m.score >= UNCOVERED_MIN)]
            elif doors:
                # A possible danger: the usual answer, with the best urgent door on the first screen
                # (the bot shows SHOWN_FIRST results before "more"), wherever the ranking put it.
                first = next((replace(m, urgent=True) for m in matches if m.id in door_ids), doors[0])
                matches = [*rest[:SHOWN_FIRST - 1], first, *rest[SHOWN_FIRST - 1:]]
        return Answer(tuple(matches[:limit]), ranked, safety=alert, probabilities=probabilities, nearest=nearest)

    def _candidates(self, postcode: int | None) -> np.ndarray:
        parts = self._partitions(postcode)
        members = np.concatenate([p.members for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        if postcode is None:
            return members
        keep = [i for i in members if self._services[int(i)].serves(postcode)]
        return np.array(keep, dtype=np.int64)

    def _score_inputs(self, question: str, terms: list[Term], needs: Needs, vector: np.ndarray | None,
                      postcode: int | None, named: OrganisationHit | None,
                      ) -> tuple[np.ndarray, np.ndarray, dict[int, list[str]], np.ndarray]:
        """Candidate indices, their feature matrix, the question words each matched, and which do not fit.

        A candidate does not fit when it is for other ages than the question names, belongs to an
        organisation the question says to avoid, or is temporarily closed.
        """
        candidates = self._candidates(postcode)
        bm25: dict[int, float] = {}
        held: dict[int, float] = {}
        matched: dict[int, list[str]] = {}
        query = lexical.query_terms(terms)
        mass = lexical.query_mass(query, self.bm25.idf)
        for part in self._partitions(postcode):
            assert part.postings is not None
            lexical.score(part.postings, query, bm25, matched, self.bm25.idf, held)
        asked_ages = constraints.ages(question)
        avoid = constraints.avoided(question, named.organisations, named.typed) if named else frozenset()
        inputs = Candidates(
            theme_weights=self._theme_weights[candidates],
            first_theme=self._first_theme[candidates],
            bm25=np.array([bm25.get(int(i), 0.0) for i in candidates], dtype=np.float32),
            bm25_cover=(np.array([held.get(int(i), 0.0) for i in candidates], dtype=np.float32) / mass
                        if mass > 0 else np.zeros(len(candidates), dtype=np.float32)),
            dense=(self._vectors[candidates] @ vector) if (self._vectors is not None and vector is not None) else None,
            locality=self._locality[candidates],
            n_themes=self._n_themes[candidates],
            urgent=self._urgent[candidates],
        )
        unfit = self._closed[candidates].copy()
        if asked_ages is not None:
            unfit |= np.array([constraints.age_mismatch(asked_ages, self._ages[int(i)]) for i in candidates],
                              dtype=bool)
        if avoid:
            unfit |= np.array([self._services[int(i)].organisation in avoid for i in candidates], dtype=bool)
        return candidates, features(needs.themes, inputs), matched, unfit

    def _safety_doors(self, alert: SafetyAlert, question: str, terms: list[Term], vector: np.ndarray | None,
                      postcode: int | None, named: OrganisationHit | None) -> list[Match]:
        """The region's and the Flemish layer's urgent services for the alert's kind, best first."""
        profile = PROFILES[alert.kind]
        kind_needs = np.zeros(len(THEME_IDS), dtype=np.float32)
        for rank, t in enumerate(profile.themes):
            kind_needs[_THEME_INDEX[t]] = 1.0 / (rank + 1)
        kind_terms = analyse(question + " " + profile.query, self.vocab, self.synonyms)
        kind_vector = None
        if vector is not None and self.encoder is not None:
            kind_vector = self._profile_vector(alert.kind)
            kind_vector = (vector + kind_vector) / np.linalg.norm(vector + kind_vector)
        needs = Needs(kind_needs, 0.0)
        candidates, x, matched, unfit = self._score_inputs(question + " " + profile.query, kind_terms, needs,
                                                           kind_vector, postcode, named)
        if not len(candidates):
            return []
        # A door for this kind: it covers the kind's main theme, or another of its themes and shares
        # words with the kind's help ("nachtopvang" for no roof tonight, not the suicide line's "crisis").
        main = self._theme_weights[candidates][:, _THEME_INDEX[profile.themes[0]]] > 0
        other = self._theme_weights[candidates][:, [_THEME_INDEX[t] for t in profile.themes[1:]]].max(axis=1) > 0
        profile_words = self._profile_words(alert.kind)
        eligible = self._urgent[candidates] & ~self._closed[candidates] & (main | other)
        for side in np.flatnonzero(eligible & ~main):  # few: urgent services of a side theme
            eligible[side] = bool(profile_words & set(self.bm25.weights(int(candidates[side]))))
        scores = self.ranking.scores(x)
        order = [int(p) for p in np.lexsort((-scores, unfit)) if eligible[p]]
        doors = []
        for pos in order[:SAFETY_DOORS]:
            idx = int(candidates[pos])
            s = self._services[idx]
            doors.append(Match(s, round(float(scores[pos]), 4), tuple(t for t in profile.themes if t in s.themes),
                               tuple(w for w in matched.get(idx, ()) if w in fold(question)), urgent=True))
        return doors

    def _profile_vector(self, kind: str) -> np.ndarray:
        if kind not in self._profile_vectors:
            assert self.encoder is not None
            self._profile_vectors[kind] = embedding_cache(self.encoder).vectors([PROFILES[kind].query], query=True)[0]
        return self._profile_vectors[kind]

    def _profile_words(self, kind: str) -> frozenset[str]:
        """Stems of the kind's help, as the BM25F index stores a service's words."""
        if kind not in self._profile_terms:
            terms = analyse(PROFILES[kind].query, self.vocab, self.synonyms)
            self._profile_terms[kind] = frozenset(t.key for t in terms if not t.stop)
        return self._profile_terms[kind]

    def by_theme(self, theme_id: str, postcode: int | None = None, limit: int = 3) -> Answer:
        """Services for a need chosen with a button: main theme first, local before Flemish."""
        hits = []
        for part in self._partitions(postcode):
            for idx in part.by_theme.get(theme_id, ()):
                s = self._services[idx]
                if s.serves(postcode):
                    hits.append(s)
        hits.sort(key=lambda s: (s.themes.index(theme_id), s.postcodes is None, s.is_closed, s.id))
        return Answer(tuple(Match(s, 1.0, (theme_id,), ()) for s in hits[:limit]), (theme_id,))

    def entry_points(self, postcode: int | None) -> list[Service]:
        """The general front doors (onthaal) when the school does not know where to start."""
        out = []
        for part in self._partitions(postcode):
            for idx in part.members:
                s = self._services[int(idx)]
                if s.serves(postcode) and "onthaal" in s.name.lower() and s not in out:
                    out.append(s)
        out.sort(key=lambda s: (s.postcodes is None, s.id))
        return out[:3]

    def describe(self) -> str:
        """One line on how this engine answers (dense or lexical only, and why), for logs and `check`."""
        if self.encoder is not None:
            return f"zoeken met woorden en betekenis ({self.encoder.name}, {len(self._services)} diensten)"
        return (f"zoeken enkel met woorden: het dense model ({configured_encoder()}) is niet beschikbaar "
                f"({self.encoder_problem})")


def calm(text: str) -> str:
    """Shouting ("MAMA WIL ZELFMOORD PLEGEN!!!") in lower case: the encoder reads capitals as other tokens."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return text.lower()
    return text


def settle() -> None:
    """After loading and prepare(): hand everything built so far to the collector's permanent generation.

    A full collection walks every object alive; with 20,000 services loaded that is a ~200 ms
    pause at a random question. gc.freeze() takes the loaded knowledge base and index out of those
    walks. Call it once per process, after start-up.
    """
    gc.freeze()


def search(kb: KnowledgeBase, question: str, postcode: int | None = None, limit: int = 3) -> Answer:
    return SearchEngine(kb).search(question, postcode, limit)


__all__ = ["FEATURES", "Answer", "Match", "SearchEngine", "search", "settle"]
