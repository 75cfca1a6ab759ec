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

import copy
import gc
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .. import cache
from ..organisations import OrganisationHit, Organisations
from ..safety import ACUTE_LINE, PROFILES
from ..schema import THEME_IDS, KnowledgeBase, Service
from ..text import clean
from ..themes import load_themes
from . import constraints, lexical
from .analysis import STOPWORDS, Synonyms, Term, Vocabulary, analyse, fold, words
from .dense import Encoder, configured_encoder, embedding_cache, encoder_problem, load_encoder
from .emergency import names_emergency
from .index import FLANDERS, Hits, Partition, ServiceIndex, is_urgent_door
from .needs import Needs, NeedsModel
from .params import (
    ASK_MAX_WORDS,
    DENSE_KEEP,
    FILL_MIN,
    NEED_RELATIVE,
    NEED_SHOWN,
    PRUNE_FROM,
    RESULT_RELATIVE,
    SAFETY_DOORS,
    SAFETY_SURE,
    SHORT_CASED,
    SPREAD_NEEDS,
    UNCOVERED_MIN,
)
from .ranking import FEATURES, Candidates, RankingModel, features, load_ranking
from .safety import SafetyAlert, SafetyDetector, louder, split_sentences

log = logging.getLogger(__name__)

# How a candidate fits what the question says (SearchEngine._score_inputs).
# OTHER_AGE and AVOIDED are ruled out by the question itself (>= OTHER_AGE).
FITS, CLOSED, OTHER_AGE, AVOIDED = 0, 1, 2, 3
RULED_OUT_REASON = {OTHER_AGE: "age", AVOIDED: "organisation"}
SHOWN_FIRST = 3  # results a phone shows before "more" (bot.render.PAGE_SIZE): an urgent door stands among them
_THEME_INDEX = {t: i for i, t in enumerate(THEME_IDS)}
# Words that, next to an organisation's name, ask for its door ("nummer van het ocmw").
_CONTACT_WORDS = frozenset("""nummer telefoonnummer telefoon tel gsm adres contact contactpersoon mail email e
bereiken bellen open openingsuren uren waar wie site website naam number phone address numero adresse""".split())
# When an organisation is open: "ocmw kwarsel open wnr?", "caw vrijdag open?" (round 45, a phone-typed
# question of a training region that got "nothing fits"); "tot hoe laat open?" (round 47, blind CA;
# "hoe" and "tot" are stop words). Not "sluiten": "het caw sluiten we uit" rules the CAW out.
_WHEN_WORDS = frozenset("""wanneer wnr wanner tijd tijden openingstijden openingsuur sluitingsuur uur laat vanaf
vandaag morgen overmorgen deze week volgende maandag dinsdag woensdag donderdag vrijdag zaterdag zondag ma di
wo do vr za zo voormiddag namiddag vanmiddag avond dicht gesloten toe nog opent sluit
when today tomorrow hours opening time until close closes monday tuesday wednesday thursday friday saturday
sunday quand ouvert ouvre ouverture heures heure quelle jusqu ferme aujourd hui demain lundi mardi mercredi
jeudi vendredi samedi dimanche""".split())
# English question words that are no stop words ("what time does the caw close").
_ASKING_WORDS = frozenset({"what", "does"})
_DOOR_WORDS = _CONTACT_WORDS | _WHEN_WORDS | _ASKING_WORDS
# The stop words a door request is made of besides door words ("tot hoe laat is het ocmw open",
# "le cpas est ouvert jusqu'à quelle heure", "is the caw open on friday"). When the detector alerts,
# every other word next to the name must be one of these, a door word or a place: a door request
# is read from what it holds, not from what it lacks. Two fresh reviewers of round 49 found short
# disclosures made of stop words ("vk hij zit aan haar", "lijn tegen geweld iemand is er nu") that
# lost their leading urgent doors while only words that are no stop words were read.
_DOOR_GLUE = frozenset("""het de t een is tot hoe van en dat in op om te le la l les est a du des et the on at
of to an and""".split())


@dataclass(frozen=True)
class Match:
    service: Service
    score: float                 # 0..1: fitted probability that this is an acceptable referral
    themes: tuple[str, ...]      # recognised needs of the question that this service covers
    words: tuple[str, ...]       # question words that matched this service
    urgent: bool = False         # an urgent door for a life-safety alert
    explanation: tuple[tuple[str, float], ...] = ()  # feature -> share of the logit (explain=True)
    ruled_out: str | None = None  # "age" or "organisation": the question rules it out (it comes last)

    @property
    def id(self) -> str:
        return self.service.id



def _on_first_screen(matches: list[Match], door: Match) -> list[Match]:
    """`matches` with `door` at the last place of the first screen (the bot shows SHOWN_FIRST results
    before "more"), or after the last match when there are fewer: a possible danger's urgent door."""
    return [*matches[:SHOWN_FIRST - 1], door, *matches[SHOWN_FIRST - 1:]]


@dataclass(frozen=True)
class Answer:
    matches: tuple[Match, ...]
    themes: tuple[str, ...]      # recognised needs of the question, strongest first
    ambiguous: bool = False      # too weak to answer: ask back with `themes` as choices
    safety: SafetyAlert | None = None    # a possible danger to a life or a child: urgent doors lead
    probabilities: tuple[tuple[str, float], ...] = ()  # need -> probability (with "geen-nood")
    nearest: tuple[str, float] | None = None  # training situation closest to the question (explain=True)
    avoided: tuple[str, ...] = ()  # organisations the question says the family tried or refuses
    names_emergency: bool = False  # the question names 112 or an ambulance (emergency.py): 112 first

    @property
    def found(self) -> bool:
        return bool(self.matches)

    @property
    def acute_line(self) -> str | None:
        """"Bij acuut gevaar: bel 112." when the question may concern a life or a child's safety, or
        names the emergency services itself (then without an alert: no urgent door leads)."""
        return ACUTE_LINE if self.safety is not None or self.names_emergency else None


class SearchEngine:
    """Builds its index once; each question scores every service that may answer it (numpy, vectorised).

    `encoder` overrides the configured dense encoder (WELZIJNSBOT_ENCODER); pass `encoder=False`
    for a lexical-only engine. `progress(done, total)` is called while service texts are embedded
    for the first time. After an edit, `with_changes(kb)` gives the engine of the new knowledge
    base at the cost of the changed services only (index.py).
    """

    def __init__(self, kb: KnowledgeBase, encoder: Encoder | bool | None = None,
                 progress: Callable[[int, int], None] | None = None):
        gc_was_enabled = gc.isenabled()
        gc.disable()  # with 20,000 services loaded, each full collection walks millions of objects
        try:
            self._build(kb, encoder, progress)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _build(self, kb: KnowledgeBase, encoder: Encoder | bool | None,
               progress: Callable[[int, int], None] | None) -> None:
        started = time.monotonic()
        self.kb = kb
        if encoder is None or encoder is True:
            encoder = load_encoder()
        self.encoder: Encoder | None = encoder or None
        self.encoder_problem = None if self.encoder else (encoder_problem() or "uitgeschakeld")
        self.ranking: RankingModel = load_ranking(dense=self.encoder is not None)
        self.needs = NeedsModel.load(self.encoder)
        self.safety = SafetyDetector.load(self.encoder, self.ranking.safety_threshold,
                                          self.ranking.safety_lead_threshold,
                                          load_ranking(dense=False).safety_lead_threshold)
        self.themes = load_themes()
        self.synonyms = Synonyms.load()
        self.embeddings_pending = False   # an edit's new text still has its old vector (with_changes)
        self._profile_vectors: dict[str, np.ndarray] = {}   # per safety kind, built on its first alert
        self._profile_terms: dict[str, frozenset[str]] = {}
        self._region_of_postcode = _region_of_postcode(kb)
        self.from_cache = self._restore(kb)
        if not self.from_cache:
            active = [s for s in kb.services.values() if s.is_active]
            self.vocab = Vocabulary(self._known_words(active))
            self.index = ServiceIndex.build(kb, self.vocab)
            self._derive_from_index(kb, progress)
            self._save_built(kb)
        self.build_seconds = time.monotonic() - started

    # ── the built index on disk ─────────────────────────────────────────────
    def _built_key(self) -> str:
        """This code and this encoder: an index built by them can be reused (restored + changes)."""
        here = Path(__file__).resolve().parent
        h = hashlib.sha256((self.encoder.name if self.encoder else "-").encode())
        shared = ("organisations.py", "schema.py", "synonyms.yaml", "themes.yaml", "safety/profiles.yaml")
        for path in (*sorted(here.glob("*.py")), *(here.parent / name for name in shared)):
            h.update(path.read_bytes())
        return h.hexdigest()[:32]

    def _restore(self, kb: KnowledgeBase) -> bool:
        """Start from the index last built from region files, re-indexing only what changed since.

        The cache holds the vocabulary, index, organisations and embeddings of a full build, with
        each region file's content key (KnowledgeBase.sources). A service read again from a file
        with the same key is the same service: its row is kept. The services of a changed or new
        file are indexed afresh (as after an edit, index.py); a removed file's rows are dropped.
        """
        if not kb.sources:
            return False
        found = cache.load(_built_kind(kb), self._built_key())
        if not isinstance(found, dict):
            return False
        vocab, index, organisations = found.get("vocab"), found.get("index"), found.get("organisations")
        vectors, sources, files = found.get("vectors"), found.get("sources"), found.get("files")
        if not (isinstance(vocab, Vocabulary) and isinstance(index, ServiceIndex)
                and isinstance(organisations, Organisations) and isinstance(sources, dict)
                and isinstance(files, tuple) and len(files) == len(index.columns)
                and (self.encoder is not None) == isinstance(vectors, np.ndarray)):
            return False
        if index.regions_moved(kb):
            return False   # the locality of a region's rows changes: build everything
        same = {f for f, key in _resolved_sources(kb).items() if sources.get(f) == key}
        if not same:
            # Not one file unchanged: the cached build is of other data, and its vocabulary and
            # field-length averages would shape the answers (the index keeps those of its build).
            return False
        ids: tuple[Any, ...] = index.columns.services
        resolved = _PathResolver()
        keep = []
        for sid, file in zip(ids, files, strict=True):
            s = kb.services.get(sid)
            keep.append(s is not None and s.is_active and file in same and resolved(s.file) == file)
        kept = {sid for sid, k in zip(ids, keep, strict=True) if k}
        fresh = [s for s in kb.services.values() if s.is_active and s.id not in kept]
        gone = [row for row, k in enumerate(keep) if not k]
        self.vocab = vocab.extended(w for s in fresh for w in self._service_words(s))
        restored = index.restored(kb, keep)
        self.index = restored.applied(kb, self.vocab, gone, fresh) if (gone or fresh) else restored
        if self.index.main is not restored.main:   # too much changed: built from scratch after all
            return False
        self.organisations = organisations.restored(kb, kept).with_changes([], fresh)
        self._vectors = vectors.astype(np.float32) if isinstance(vectors, np.ndarray) else None
        self._delta_vectors = (self._embed(self.index.columns.services[self.index.n_main:], None)
                               if self._vectors is not None else None)
        self._profile_vectors = dict(found.get("profiles") or {})
        return True

    def _save_built(self, kb: KnowledgeBase) -> None:
        if not kb.sources:
            return
        profiles = {kind: self._profile_vector(kind) for kind in PROFILES} if self.encoder else {}
        cache.save(_built_kind(kb), self._built_key(), {
            "vocab": self.vocab, "index": self.index.detached(), "organisations": self.organisations.detached(),
            "vectors": None if self._vectors is None else self._vectors.astype(np.float16),
            "profiles": profiles, "sources": _resolved_sources(kb),
            "files": tuple(map(_PathResolver(), (s.file for s in self.index.columns.services)))})

    def with_changes(self, kb: KnowledgeBase, touched: Iterable[str] | None = None, embed: bool = True
                     ) -> SearchEngine:
        """The engine of `kb`, a knowledge base that differs from this engine's by a few edits.

        Shares the models, the main index rows and their embeddings with this engine (which keeps
        answering from the old data); re-indexes and re-embeds only the changed services. A region
        whose postcodes changed builds everything again (ServiceIndex.applied). `touched`: the ids
        that may differ (Knowledge.updated knows them); None: every service is compared.
        `embed=False`: a changed text keeps its service's previous vector (a new service a zero
        vector) until `with_embeddings()`, so the edit is live in milliseconds and embedding the
        new text (~0.3 s of CPU for a long description) follows; `embeddings_pending` says so.
        """
        old = self.index
        ids = list(touched) if touched is not None else list({*old.row_of, *kb.services})
        now = [s for sid in ids if (s := kb.services.get(sid)) is not None and s.is_active]
        vocab = self.vocab.extended(w for s in now for w in self._service_words(s))
        index = old.with_changes(kb, vocab, ids)
        if index is old:
            return self
        engine = copy.copy(self)
        engine.kb, engine.vocab, engine.index = kb, vocab, index
        engine.embeddings_pending = False   # set again below when this edit leaves some
        engine._profile_terms = {}
        engine._region_of_postcode = _region_of_postcode(kb)
        if index.main is not old.main:   # rebuilt from scratch
            engine._derive_from_index(kb, None)
            return engine

        def version(idx: ServiceIndex, sid: str) -> Service | None:
            row = idx.row_of.get(sid)
            return None if row is None else idx.columns.services[row]

        moved = [sid for sid in ids if version(old, sid) is not version(index, sid)]
        engine.organisations = self.organisations.with_changes(
            [s for sid in moved if (s := version(old, sid)) is not None],
            [s for sid in moved if (s := version(index, sid)) is not None])
        if self.encoder is not None:
            delta = index.columns.services[index.n_main:]
            if embed:
                engine._delta_vectors = self._embed(delta, None)
            else:
                engine._delta_vectors, engine.embeddings_pending = self._known_vectors(delta)
        return engine

    def _derive_from_index(self, kb: KnowledgeBase, progress: Callable[[int, int], None] | None) -> None:
        """Organisations and embeddings of a freshly built index (no delta yet)."""
        self.organisations = Organisations(kb, list(self.index.columns.services), self.synonyms)
        self._vectors = self._embed(self.index.columns.services, progress) if self.encoder else None
        self._delta_vectors = self._vectors[:0] if self._vectors is not None else None

    def with_embeddings(self) -> SearchEngine:
        """This engine with the vectors an edit left pending (with_changes(embed=False)) embedded."""
        if not self.embeddings_pending or self.encoder is None:
            return self
        engine = copy.copy(self)
        engine._delta_vectors = self._embed(self.index.columns.services[self.index.n_main:], None)
        engine.embeddings_pending = False
        return engine

    def _known_vectors(self, services: Sequence[Service]) -> tuple[np.ndarray, bool]:
        """Vectors of `services` without embedding: from the cache, else the service's previous
        vector in this engine, else zeros; and whether any was not its own text's."""
        assert self.encoder is not None and self._vectors is not None and self._delta_vectors is not None
        found = embedding_cache(self.encoder).known([self.passage(s) for s in services])
        out = np.zeros((len(services), self.encoder.dim), dtype=np.float32)
        pending = False
        for i, (s, vec) in enumerate(zip(services, found, strict=True)):
            if vec is not None:
                out[i] = vec
                continue
            pending = True
            row = self.index.row_of.get(s.id)
            if row is not None:
                out[i] = self._vectors[row] if row < self.index.n_main else self._delta_vectors[row - self.index.n_main]
        return out, pending

    # ── building ────────────────────────────────────────────────────────────
    @property
    def _services(self) -> tuple[Service, ...]:
        return self.index.columns.services

    def _known_words(self, services: Iterable[Service]) -> set[str]:
        known: set[str] = set()
        for theme in self.themes.values():
            for phrase in (*theme.phrases, *theme.signals, *theme.weak):
                known.update(words(phrase))
        for target in (*self.synonyms.single.values(), *self.synonyms.multi.values()):
            known.update(target)
        seen: set[str] = set()
        for s in services:
            for text in lexical.service_fields(s).values():
                if text not in seen:  # shared boilerplate is read once
                    seen.add(text)
                    known.update(words(text))
        return known - STOPWORDS

    @staticmethod
    def _service_words(s: Service) -> set[str]:
        return {w for text in lexical.service_fields(s).values() for w in words(text)} - STOPWORDS

    @staticmethod
    def passage(s: Service) -> str:
        """The text of a service that is embedded: what it is, for whom, in its own words."""
        parts = [s.name, s.organisation, s.summary, ", ".join(s.keywords), (s.description or "")[:600]]
        return ". ".join(p.strip() for p in parts if p and p.strip())

    def _embed(self, services: Sequence[Service], progress: Callable[[int, int], None] | None) -> np.ndarray:
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

        vectors = store.vectors([self.passage(s) for s in services], query=False, progress=report)
        if shown["at"]:
            log.info("Zoekindex: %d diensten ingebed in %.1f s (eerste start; daarna uit de cache in %s)",
                     shown["at"], time.monotonic() - started, store.path.parent if store.path else "geheugen")
        store.flush()
        return vectors

    _is_urgent_door = staticmethod(is_urgent_door)

    def _dense(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray | None:
        """Cosine of the question with each row's service (main rows and edited rows apart)."""
        if self._vectors is None or self._delta_vectors is None:
            return None
        n_main = self.index.n_main
        split = int(np.searchsorted(rows, n_main))
        main: np.ndarray
        if split == len(self._vectors) and split == len(rows):
            main = self._vectors @ vector                # all of Flanders: no gather
        elif split > len(self._vectors) // 8:
            main = (self._vectors @ vector)[rows[:split]]   # most rows: one product beats gathering vectors
        else:
            main = self._vectors[rows[:split]] @ vector
        if split == len(rows):
            return main
        return np.concatenate((main, self._delta_vectors[rows[split:] - n_main] @ vector))

    # ── answering ───────────────────────────────────────────────────────────
    def embed_question(self, question: str) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Query embeddings of the question and of its sentences (for the safety detector)."""
        vector, sentence_vectors, _ = self.embed_reading(calm(question))
        return vector, sentence_vectors

    def embed_reading(self, read: str) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """Query embeddings (each of shape (dim,), sentences (n, dim)) of `read` (the question after
        calm), of its sentences (None without any) and of its lower-case reading when _detect needs
        one (else None), in one encoder call; all None without an encoder."""
        if self.encoder is None:
            return None, None, None
        sentences = split_sentences(read)
        lower = [read.lower()] if _reads_lower_too(read) else []
        vectors = self.encoder.queries([read, *sentences, *lower])
        return (vectors[0], vectors[1:1 + len(sentences)] if sentences else None,
                vectors[-1] if lower else None)

    def _detect(self, read: str, vector: np.ndarray | None, sentence_vectors: np.ndarray | None,
                lower_vector: np.ndarray | None) -> SafetyAlert | None:
        """The safety alert for a question; a short one is read in lower case too.

        The encoder is cased and one capital changes a short text's embedding: a fresh reviewer
        found "Zelfmoordpoging" without any alert and "Zelfdoding" a possible self-harm where
        "zelfmoordpoging" and "zelfdoding" alarm. A message starts with a capital by habit, so for
        up to SHORT_CASED words the lower-case reading counts too, the more alarming one wins
        (recall first). `lower_vector`: its embedding (None without an encoder)."""
        alert = self.safety.detect(read, vector, sentence_vectors)
        if not _reads_lower_too(read):
            return alert
        return louder(alert, self.safety.detect(read.lower(), lower_vector, None))

    def search(self, question: str, postcode: int | None = None, limit: int = 3, explain: bool = False) -> Answer:
        """The answer to `question` for a school in `postcode` (None: all of Flanders): at most
        `limit` services after a life-safety alert's urgent doors; `explain` adds why (features,
        the nearest training situation). An empty question gets an empty Answer."""
        question = question or ""
        answer = self._answer(question, postcode, limit, explain)
        return replace(answer, names_emergency=True) if names_emergency(question) else answer

    def _answer(self, question: str, postcode: int | None, limit: int, explain: bool) -> Answer:
        terms = analyse(question, self.vocab, self.synonyms)
        if all(t.stop for t in terms):
            return Answer((), ())
        read = calm(question)  # the text the encoder and the detector read (shouting in lower case)
        vector, sentence_vectors, lower_vector = self.embed_reading(read)
        alert = self._detect(read, vector, sentence_vectors, lower_vector)
        needs = self.needs.recognise(question, vector)
        probabilities = (*sorted(((t, float(p)) for t, p in zip(THEME_IDS, needs.themes, strict=True) if p >= 0.02),
                                 key=lambda tp: -tp[1]), ("geen-nood", needs.none))
        ranked = needs.ranked(NEED_SHOWN, NEED_RELATIVE)
        if alert is not None and alert.leads and alert.probability < SAFETY_SURE:
            # Two models must not disagree before the urgent doors take over: "een mama wordt uit haar
            # huis gezet" is a housing question first (needs) even if it resembles a violence story
            # (safety). A needs model that reads no need at all does not disagree (round 28: a mother
            # with a black eye "from the door" lost her lead when addiction texts moved the needs
            # model; with that data, dangers leading on the safety guard 285 -> 291, ordinary
            # questions the same).
            # In a long story the sentence that raised the alarm is what the needs model must read.
            focus = needs
            parts = split_sentences(read)
            if alert.sentence in parts:
                at = parts.index(alert.sentence)
                focus = self.needs.recognise(alert.sentence, None if sentence_vectors is None else sentence_vectors[at])
            first_need = focus.ranked(NEED_SHOWN, NEED_RELATIVE)[:1]
            if first_need and not set(first_need) & set(PROFILES[alert.kind].themes):
                alert = replace(alert, leads=False)
        nearest = self.needs.nearest(question, vector, ranked[0]) if explain and ranked else None

        named = self.organisations.find(question)
        if named is not None:
            besides_name = {t.typed for t in terms if not t.stop and t.typed not in named.typed}
            if besides_name - _DOOR_WORDS <= self.organisations.places:
                # "caw", "nummer van het ocmw", "ocmw kwarsel open wnr?": nothing but a name (with where
                # and when) is a request for that organisation's door.
                front_doors = self.organisations.front_doors(named, postcode, limit)
                if front_doors and alert is None:
                    return Answer(tuple(Match(s, 0.5, (), named.typed) for s in front_doors), (),
                                  probabilities=probabilities)
                if front_doors and alert is not None and alert.probability < SAFETY_SURE:
                    every_word = {t.typed for t in terms if t.typed not in named.typed}
                    if every_word - _DOOR_WORDS - _DOOR_GLUE <= self.organisations.places:
                        return self._door_request_that_alarms(named, front_doors, alert, question, terms, vector,
                                                              postcode, limit, probabilities)

        if alert is None:
            if needs.none >= self.ranking.none_threshold and needs.none > needs.best:
                return Answer((), (), probabilities=probabilities, nearest=nearest)
            content = {t.typed for t in terms if not t.stop}
            if needs.best < self.ranking.ask_threshold and len(content) <= ASK_MAX_WORDS:
                # A short question with no clear need: ask back. A long story already says much; its
                # needs are spread over several themes, and the services of each answer it better.
                return Answer((), ranked[:4], ambiguous=bool(ranked), probabilities=probabilities, nearest=nearest)

        candidates, x, hits, fit = self._score_inputs(question, terms, needs, vector, postcode, named)
        scores = self.ranking.scores(x) if len(candidates) else np.zeros(0)
        columns = self.index.columns
        # Fit is an order, not a weight. A temporarily-closed service comes after the open ones close
        # to the best: it is still the right kind of help, and the answer says it is closed. A service
        # the question itself rules out (other ages, an organisation the family tried or refuses) comes
        # after everything that fits, and is no reason to answer: when only such services match, the
        # answer is "nothing fits" (round 18; blind-set writers label such questions so).
        ruled_out = fit >= OTHER_AGE
        # Whether there is an answer at all: a service answers a need it covers; without covering one
        # it must be a likely fit on its own words. A story whose needs are spread (no need reaches
        # NEED_SHOWN, and it was not "no need") is answered by the services of its few likeliest
        # needs, not with "nothing fits".
        answered = ranked or needs.ranked(0.0, NEED_RELATIVE)[:SPREAD_NEEDS]
        covers = self._covering(candidates, answered)
        relevant = (covers | (scores >= UNCOVERED_MIN)) & ~ruled_out
        # What is shown once there is an answer: the fitted order decides, not the recognised need.
        # The needs model is one of the ranking's inputs; when it misreads a question ("rouwgroep"
        # as parenting) the words and the meaning still put the right service high, and a filter on
        # covered needs would hide it. Since round 17 the first screen holds the SHOWN_FIRST best
        # services (a zorgco compares a few doors); later pages only what is close to the best.
        # Below that cut a service only fills the first screen, when it fits what the question says
        # and the fitted model gives it at least FILL_MIN of being an acceptable referral.
        # The first screen's places are counted over what the question does not rule out: an avoided
        # organisation's high score must not take a fitting service's place (it comes last). The cut
        # stays relative to the best of all: when the question rules out a strong match, services
        # far below it only fill the screen (with FILL_MIN), and none may mean "nothing fits".
        near = RESULT_RELATIVE * float(scores.max()) if len(scores) else 0.0
        shown = np.zeros(0, dtype=np.int64)
        if relevant.any():
            close = scores >= near
            may_fill = (scores >= FILL_MIN) & (fit == FITS)
            eligible = scores[(close & ~ruled_out) | may_fill]
            if len(eligible):   # else only ruled-out services are close to the best: "nothing fits"
                kth = len(eligible) - min(SHOWN_FIRST, len(eligible))   # the SHOWN_FIRST-th best, ties included
                shown = np.flatnonzero(close | (may_fill & (scores >= np.partition(eligible, kth)[kth])))
        if ruled_out[shown].all():
            # No service covers a need of the question or fits on its own (nothing is shown), or the
            # question rules out every service good enough to show: "nothing fits".
            shown = shown[:0]
        # The order: close to the best and open, close to the best but temporarily closed, what only
        # fills the first screen, then what the question rules out; within each, the fitted score.
        group = np.where(ruled_out, 3, np.where(scores < near, 2, (fit == CLOSED).astype(np.int64)))
        n_themes = columns.n_themes[candidates]
        ranked_shown = shown[np.lexsort((-n_themes[shown], -scores[shown], group[shown]))]
        wanted = max(limit, SAFETY_DOORS + limit)
        if len(ranked_shown) > wanted:   # the first `wanted` and whatever ties with the last of them
            last = ranked_shown[wanted - 1]
            after = ranked_shown[wanted:]
            tied = (group[after] == group[last]) & (scores[after] == scores[last]) & (n_themes[after] == n_themes[last])
            ranked_shown = ranked_shown[:wanted + (len(after) if tied.all() else int(np.argmin(tied)))]
        # Ties are broken by service id, not by row: an edited service moves to the end of the index.
        order = sorted(ranked_shown.tolist(), key=lambda p: (int(group[p]), -float(scores[p]), -float(n_themes[p]),
                                                              self._services[int(candidates[p])].id))
        matches: list[Match] = []
        order = order[:wanted]
        for pos, reasons in zip(order, hits.words(order), strict=True):
            idx = int(candidates[pos])
            s = self._services[idx]
            covered = tuple(t for t in ranked if t in s.themes)
            matches.append(Match(s, round(float(scores[pos]), 4), covered, reasons,
                                 explanation=tuple(self.ranking.contributions(x[pos])) if explain else (),
                                 ruled_out=RULED_OUT_REASON.get(int(fit[pos]))))
        if alert is not None:
            doors = self._safety_doors(alert.kind, question, terms, vector, postcode, named)
            if alert.also is not None:
                # Two dangers in one story: the second kind's best door takes the last place.
                known = {d.id for d in doors}
                second = [d for d in self._safety_doors(alert.also, question, terms, vector, postcode, named)
                          if d.id not in known][:1]
                doors = [*doors[:SAFETY_DOORS - len(second)], *second]
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
                matches = _on_first_screen(rest, first)
        avoided = tuple(sorted({self._services[int(i)].organisation for i in candidates[fit == AVOIDED]}))
        return Answer(tuple(matches[:limit]), ranked, safety=alert, probabilities=probabilities, nearest=nearest,
                      avoided=avoided)

    def _score_inputs(self, question: str, terms: list[Term], needs: Needs, vector: np.ndarray | None,
                      postcode: int | None, named: OrganisationHit | None,
                      ) -> tuple[np.ndarray, np.ndarray, Hits, np.ndarray]:
        """Candidate rows, their feature matrix, the query words each holds, and how each fits (C,):
        FITS, CLOSED (temporarily closed), OTHER_AGE (for other ages than the question names) or
        AVOIDED (of an organisation the question says the family tried or will not go to).
        """
        candidates, spans = self.index.rows_for(postcode, self._region_of_postcode.get(postcode) if postcode else None)
        query = lexical.query_terms(terms)
        bm25, held, idf, hits = self.index.lexical(query, candidates, spans)
        mass = lexical.query_mass(query, idf)
        dense = self._dense(candidates, vector) if vector is not None else None
        columns = self.index.columns
        if len(candidates) > PRUNE_FROM:
            # All of Flanders: only services that could be shown are ranked. A service is shown when
            # it covers a recognised need or the fitted model gives it even odds; one with none of
            # the question's needs, none of its words and a meaning far from it (outside the
            # DENSE_KEEP nearest) cannot. Kept services get the same features as without pruning:
            # the best BM25F and the best cosine, which the features are relative to, are kept.
            answered = {*needs.ranked(NEED_SHOWN, NEED_RELATIVE), *needs.ranked(0.0, NEED_RELATIVE)[:SPREAD_NEEDS]}
            keep = (bm25 > 0) | self._covering(candidates, answered)
            if dense is not None:
                keep[np.argpartition(-dense, min(DENSE_KEEP, len(dense) - 1))[:DENSE_KEEP]] = True
            candidates, bm25, held, hits = candidates[keep], bm25[keep], held[keep], hits.kept(keep)
            dense = dense[keep] if dense is not None else None
        everything = len(candidates) == len(columns) and self.index.n_main == len(columns)

        def take(values: np.ndarray) -> np.ndarray:
            return values if everything else values[candidates]   # all of Flanders: no copy

        inputs = Candidates(
            theme_slots=take(columns.theme_slots),
            theme_position=take(columns.theme_position),
            first_theme=take(columns.first_theme),
            bm25=bm25,
            bm25_cover=held / mass if mass > 0 else np.zeros(len(candidates), dtype=np.float32),
            dense=dense,
            locality=take(columns.locality),
            n_themes=take(columns.n_themes),
            urgent=take(columns.urgent),
        )
        fit = np.where(take(columns.closed), CLOSED, FITS).astype(np.int8)
        asked_ages = constraints.ages(question)
        if asked_ages is not None:
            lo, hi = take(columns.age_lo), take(columns.age_hi)
            fit[(lo >= 0) & ((asked_ages[1] < lo) | (asked_ages[0] > hi))] = OTHER_AGE
        avoid = constraints.avoided(question, self._named_in) if named else frozenset()
        if avoid:
            fit[np.array([self._services[int(i)].organisation in avoid for i in candidates], dtype=bool)] = AVOIDED
        return candidates, features(needs.themes, inputs), hits, fit

    def _named_in(self, text: str) -> frozenset[str]:
        hit = self.organisations.find(text)
        return hit.organisations if hit else frozenset()

    def _covering(self, rows: np.ndarray, themes: Iterable[str]) -> np.ndarray:
        """(len(rows),) bool: which rows' services list one of `themes`."""
        columns = [_THEME_INDEX[t] for t in themes]
        if not columns or not len(rows):
            return np.zeros(len(rows), dtype=bool)
        # Rows first: the candidates of one region are a few hundred of up to 20,000 rows.
        covered: np.ndarray = (self.index.columns.theme_weights[np.ix_(rows, np.array(columns))] > 0).any(axis=1)
        return covered

    def _door_request_that_alarms(self, named: OrganisationHit, front_doors: list[Service], alert: SafetyAlert,
                                  question: str, terms: list[Term], vector: np.ndarray | None,
                                  postcode: int | None, limit: int,
                                  probabilities: tuple[tuple[str, float], ...]) -> Answer:
        """A name with words of where and when that still alarms below SAFETY_SURE ("wanneer sluit het
        ocmw vandaag", read as no roof tonight at 0.57, got the night shelter and the refuge and no
        OCMW): the door asked for comes first and the alert stays, as a possible danger. A front door
        that is one of the kind's urgent doors is marked so; else the kind's best urgent door takes
        the last place of the first screen (with the 112 line), as for any possible danger."""
        alert = replace(alert, leads=False)
        doors = self._safety_doors(alert.kind, question, terms, vector, postcode, named)
        door_ids = {d.id for d in doors}
        found = [Match(s, 0.5, (), named.typed, urgent=s.id in door_ids) for s in front_doors]
        if not any(m.urgent for m in found) and doors:
            found = _on_first_screen(found, replace(doors[0], urgent=True))
        return Answer(tuple(found[:limit]), (), safety=alert, probabilities=probabilities)

    def _safety_doors(self, kind: str, question: str, terms: list[Term], vector: np.ndarray | None,
                      postcode: int | None, named: OrganisationHit | None) -> list[Match]:
        """The region's and the Flemish layer's urgent services for a kind of danger, best first."""
        profile = PROFILES[kind]
        kind_needs = np.zeros(len(THEME_IDS), dtype=np.float32)
        for rank, t in enumerate(profile.themes):
            kind_needs[_THEME_INDEX[t]] = 1.0 / (rank + 1)
        kind_terms = analyse(question + " " + profile.query, self.vocab, self.synonyms)
        kind_vector = None
        if vector is not None and self.encoder is not None:
            kind_vector = self._profile_vector(kind)
            kind_vector = (vector + kind_vector) / np.linalg.norm(vector + kind_vector)
        needs = Needs(kind_needs, 0.0)
        candidates, x, hits, fit = self._score_inputs(question + " " + profile.query, kind_terms, needs,
                                                         kind_vector, postcode, named)
        if not len(candidates):
            return []
        # A door for this kind: it covers the kind's main theme, or another of its themes and shares
        # words with the kind's help ("nachtopvang" for no roof tonight, not the suicide line's "crisis").
        columns = self.index.columns
        weights = columns.theme_weights[candidates]
        main = weights[:, _THEME_INDEX[profile.themes[0]]] > 0
        other = weights[:, [_THEME_INDEX[t] for t in profile.themes[1:]]].max(axis=1) > 0
        profile_words = self._profile_words(kind)
        eligible = columns.urgent[candidates] & ~columns.closed[candidates] & (main | other)
        side = np.flatnonzero(eligible & ~main)   # urgent services of a side theme
        if len(side):
            eligible[side] = self.index.contains_any(candidates[side], profile_words)
        scores = self.ranking.scores(x)
        order = [int(p) for p in np.lexsort((-scores, fit)) if eligible[p]]
        doors = []
        folded = fold(question)
        order = order[:SAFETY_DOORS]
        for pos, reasons in zip(order, hits.words(order), strict=True):
            s = self._services[int(candidates[pos])]
            doors.append(Match(s, round(float(scores[pos]), 4), tuple(t for t in profile.themes if t in s.themes),
                               tuple(w for w in reasons if w in folded), urgent=True,
                               ruled_out=RULED_OUT_REASON.get(int(fit[pos]))))
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
        column = self.index.columns.theme_weights[:, _THEME_INDEX[theme_id]]
        for part in self._partitions(postcode):
            for idx in part.members[column[part.members] > 0]:
                s = self._services[int(idx)]
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

    def _partitions(self, postcode: int | None) -> list[Partition]:
        parts = self.index.partitions
        if postcode is None:
            return list(parts.values())
        keys = (FLANDERS, self._region_of_postcode.get(postcode))
        return [parts[k] for k in keys if k in parts]

    def describe(self) -> str:
        """One line on how this engine answers (dense or lexical only, and why), for logs and `check`."""
        if self.encoder is not None:
            return f"zoeken met woorden en betekenis ({self.encoder.name}, {len(self._services)} diensten)"
        return (f"zoeken enkel met woorden: het dense model ({configured_encoder()}) is niet beschikbaar "
                f"({self.encoder_problem})")


def _region_of_postcode(kb: KnowledgeBase) -> dict[int, str]:
    return {pc: r.id for r in kb.regions.values() for pc in r.postcodes}


class _PathResolver:
    """A region file's path as the cache keys it (absolute, links resolved), each path resolved once:
    the same folder given as "regions" or "/srv/bot/regions" is the same folder."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def __call__(self, file: str) -> str:
        found = self._seen.get(file)
        if found is None:
            found = self._seen[file] = str(Path(file).resolve())
        return found


def _built_kind(kb: KnowledgeBase) -> str:
    """The cache kind of a folder's built index: the bot, `zoek` on another folder and the tests
    each keep their own generations instead of pushing each other's out."""
    folders = sorted({str(Path(f).parent) for f in _resolved_sources(kb)})
    return "engine-" + hashlib.blake2b("|".join(folders).encode(), digest_size=8).hexdigest()


def _resolved_sources(kb: KnowledgeBase) -> dict[str, str]:
    resolve = _PathResolver()
    return {resolve(f): key for f, key in kb.sources.items()}


def _reads_lower_too(read: str) -> bool:
    """Whether the detector also reads this calmed question in lower case (_detect says why)."""
    return read.lower() != read and len(read.split()) <= SHORT_CASED


def calm(text: str) -> str:
    """The text the encoder and the safety detector read: invisible format characters removed
    ("deur\u200bwaarder" is the word the index and the needs model see after fold) and shouting
    ("MAMA WIL ZELFMOORD PLEGEN!!!") in lower case, since the encoder reads both as other tokens."""
    text = clean(text)
    if text.isascii():   # most questions: count with the regex engine rather than per character
        n_letters, n_upper = len(_ASCII_LETTER.findall(text)), len(_ASCII_UPPER.findall(text))
    else:
        letters = [c for c in text if c.isalpha()]
        n_letters, n_upper = len(letters), sum(c.isupper() for c in letters)
    if n_letters and n_upper > 0.6 * n_letters:
        return text.lower()
    return text


_ASCII_LETTER = re.compile(r"[A-Za-z]")
_ASCII_UPPER = re.compile(r"[A-Z]")


def settle() -> None:
    """After loading: hand everything built so far to the collector's permanent generation.

    A full collection walks every object alive; with 20,000 services loaded that is a ~200 ms
    pause at a random question. gc.freeze() takes the loaded knowledge base and index out of those
    walks. Call it once per process, after start-up.
    """
    gc.freeze()


def search(kb: KnowledgeBase, question: str, postcode: int | None = None, limit: int = 3) -> Answer:
    return SearchEngine(kb).search(question, postcode, limit)


__all__ = ["FEATURES", "Answer", "Match", "SearchEngine", "search", "settle"]
