"""From a school's question to ranked services, with the reason for each.

Public API (used by the bot, the CLI and the benchmarks; keep it stable):
  SearchEngine(kb).search(question, postcode=None, limit=3) -> Answer
  SearchEngine(kb).by_theme(theme_id, postcode=None, limit=3) -> Answer
  SearchEngine(kb).entry_points(postcode) -> list[Service]
  search(kb, question, postcode=None, limit=3) -> Answer   (convenience)

How a question is answered (all data, no model; every step can be shown to the user):
  1. kennisbank/text.py turns the question into stemmed terms (accents, typos, compounds,
     abbreviations, French/English words).
  2. The theme taxonomy (themes.yaml) recognises the needs: a phrase counts when all its words
     appear close together. "phrases" name a need, "signals" describe it, "weak" words only hint.
  3. Only services that serve the postcode and cover a recognised need are candidates; the
     words they share with the question (keywords count most, then name, summary, description,
     rarer words more than common ones) order them.
  4. No need recognised: no answer. Only weak hints: ambiguous, the bot asks back with the themes.
"""
from __future__ import annotations

import gc
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .organisations import Organisations
from .schema import THEME_IDS, KnowledgeBase, Service
from .text import (ADDED, FAMILY, GENERIC, INSIDE, KEPT, STAFF, STOPWORDS, Synonyms, Term, Vocabulary, analyse, index_terms,
                   stem, stop_key, words)
from .themes import load_themes


@dataclass(frozen=True)
class Match:
    service: Service
    score: float                 # 0..1, comparable within one answer
    themes: tuple[str, ...]      # recognised themes of the question that this service covers
    words: tuple[str, ...]       # question words that matched this service

    @property
    def id(self) -> str:
        return self.service.id


@dataclass(frozen=True)
class Answer:
    matches: tuple[Match, ...]
    themes: tuple[str, ...]      # recognised needs of the question, strongest first
    ambiguous: bool = False      # too weak to answer: ask back with `themes` as choices

    @property
    def found(self) -> bool:
        return bool(self.matches)


# How much one matched taxonomy entry says about a need.
KIND_WEIGHT = {"phrases": 1.0, "signals": 0.8, "weak": 0.3}
CONFIDENT = 0.75      # a need this strong is answered
HINT = 0.25           # a need this strong is offered as a choice when asking back
RELATIVE = 0.3        # other needs count when at least this share of the strongest
CANDIDATE = 0.5       # a need this strong brings in its services ...
CANDIDATE_RELATIVE = 0.35  # ... when it is at least this share of the strongest
WINDOW = 3            # words allowed between the words of one phrase
# Where a question word is found in a service, and how much that says.
FIELD_WEIGHT = {"keywords": 3.0, "name": 2.5, "summary": 1.5, "organisation": 1.0, "description": 0.7}
KEYWORD_WORD = 0.8    # one word of a several-word keyword ("weg" of "weg van partner")
PART_FACTOR = 0.5     # a compound part ("schuld" in "schuldbemiddeling") is weaker evidence
NEED_WORD_FACTOR = 0.5  # text weight of words that already made a recognised need
SYNONYM_FACTOR = 0.6  # a word added by synonyms.yaml is weaker evidence than a typed one
INSIDE_FACTOR = 0.4   # a typed word inside a recognised expression: the expression's target says it better
TEXT_SCALE = 6.0      # text evidence e/(e+TEXT_SCALE) stays below 1
TEXT_WEIGHT = 2.0     # text evidence relative to one clearly named need
TEXT_ALONE = 0.6      # text evidence that answers even without a recognised need
SECONDARY = 0.85      # a service's later themes are less its core business
IMPLIED = {"keywords": 0.7}  # a need named by one of a service's keywords but not in its themes
COMBINE = 0.2         # a service covering two recognised needs gets part of the second
MAJOR_SHARE = 0.75    # a need this close to the strongest is a main need of the question ...
BOTH_BONUS = 2.0      # ... and a service covering two main needs ranks above those covering one
URGENCY = "crisis"
DEBT = "schulden"
BILL_DEBT_SHARE = 0.8  # debt follows the need a bill's kind names
_BILL_RE = re.compile(r"(rekening|factuur|facturen|facture|bills?|invoice)$")
_PAYING_RE = re.compile(r"(rekening|factuur|facturen|facture|bills?|invoice|betal|betaal|pay|payer|niet|kan|kunnen|cannot|can't|not|pas)")


def _is_bill_word(word: str) -> bool:
    """Words of an unpaid bill ("niet betalen", "bill"), as opposed to debt named as such."""
    return all(_PAYING_RE.search(part) for part in word.split())
_OWED_TO = frozenset(stop_key(w) for w in ("bij", "aan"))
CREDITOR_SPAN = 4     # content words after "schulden bij" that name creditors ...
CREDITOR_FACTOR = 0.4  # ... and so say less about another need
OFF_MAIN = 0.7        # a service not covering the question's main need ranks below those that do
LOCAL_BONUS = 0.0     # the school's own municipality first, then the region, then Flemish lines
FLANDERS = ""         # partition key of the Flemish layer (services without postcodes)
_GENERIC_KEYS = frozenset(stem(w) for w in GENERIC)
_NEGATION_KEYS = frozenset(stem(w) for w in ("niet", "geen", "niks", "nooit"))


@dataclass(frozen=True)
class _Phrase:
    theme: str
    keys: tuple[str, ...]
    weight: float
    span: int = WINDOW + 1  # how far apart (in content words) its words may stand


@dataclass
class _Partition:
    """Services of one region (or the Flemish layer): a query only touches the partitions it may answer from.

    The inverted index of a partition is built on its first question (a few ms for a region), so
    start-up with all of Flanders stays short and regions nobody asks about cost nothing.
    """
    members: list[int] = field(default_factory=list)
    by_theme: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    postings: dict[str, list[tuple[int, float]]] | None = None


class SearchEngine:
    """Builds its index once; each query only looks at services that can match."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.themes = load_themes()
        self.synonyms = Synonyms.load()
        self._services: list[Service] = [s for s in kb.services.values() if s.is_active]
        self.vocab = Vocabulary(self._known_words())
        self._phrases, self._phrases_by_key = self._build_phrases()
        # Phrases that name a need: a service whose own text uses one covers that need too, more softly.
        self._naming: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for phrase in self._phrases:
            if phrase.weight >= KIND_WEIGHT["phrases"]:
                self._naming[phrase.keys].add(phrase.theme)
        # Words that name a debt: after them "bij"/"aan" introduces the creditor.
        self._debt_keys = {p.keys[0] for p in self._phrases
                           if p.theme == DEBT and len(p.keys) == 1 and p.weight >= KIND_WEIGHT["phrases"]}
        # Words that say something about a need: the taxonomy's and the synonyms' words.
        self._need_keys = {k for p in self._phrases for k in p.keys} | {
            stem(w) for target in (*self.synonyms.single.values(), *self.synonyms.multi.values()) for w in target}
        self._index = {s.id: i for i, s in enumerate(self._services)}
        self._region_of_postcode = {pc: r.id for r in kb.regions.values() for pc in r.postcodes}
        self._parts: dict[str, _Partition] = {}
        self._idf: dict[str, float] = {}
        self._build_index()
        self.organisations = Organisations(kb, self._services, self.synonyms)

    # ── building ────────────────────────────────────────────────────────────
    def _known_words(self) -> set[str]:
        known: set[str] = set()
        for theme in self.themes.values():
            for phrase in (*theme.phrases, *theme.signals, *theme.weak):
                known.update(words(phrase))
        for target in self.synonyms.single.values():
            known.update(target)
        for target in self.synonyms.multi.values():
            known.update(target)
        seen: set[str] = set()
        for s in self._services:
            for text in (s.organisation, s.name, s.summary, s.description or "", " ".join(s.keywords)):
                if text not in seen:  # shared boilerplate is read once
                    seen.add(text)
                    known.update(words(text))
        return known - STOPWORDS

    def _build_phrases(self):
        phrases: list[_Phrase] = []
        by_key: dict[str, list[int]] = defaultdict(list)
        for theme in self.themes.values():
            for kind in ("phrases", "signals", "weak"):
                for text in getattr(theme, kind):
                    keys = tuple(dict.fromkeys(stem(w) for w in words(text) if w not in STOPWORDS))
                    if all(k in _GENERIC_KEYS for k in keys) or (len(keys) == 1 and len(words(text)) > 1):
                        # "ons team", "er morgen uit": the small words are what makes it a phrase
                        keys = tuple(dict.fromkeys(stop_key(w) if w in STOPWORDS else stem(w) for w in words(text)))
                    if not keys:
                        continue
                    # "wil niet naar huis" is "niet" and "huis" only when they stand together: both words
                    # are also in "een betaalbaar huis is niet te vinden". Same for phrases of common words only.
                    plain = sum(k not in _GENERIC_KEYS for k in keys)
                    tight = plain == 0 or (plain == 1 and any(k in _NEGATION_KEYS for k in keys))
                    weight = KIND_WEIGHT[kind] * (1 + 0.2 * (len(keys) - 1))
                    variants = [keys]
                    if len(keys) == 1:  # "huurachterstand" also when typed as "huur achterstand"
                        parts = self.vocab.split(words(text)[-1])
                        if parts:
                            variants.append(tuple(stem(p) for p in parts))
                    for variant in variants:
                        by_key[variant[0]].append(len(phrases))
                        phrases.append(_Phrase(theme.id, variant, weight, len(variant) - 1 if tight else WINDOW + len(variant)))
        return phrases, dict(by_key)

    def _build_index(self) -> None:
        # (field, text) -> {term: weight}: shared texts (an organisation's boilerplate) are analysed once.
        cache: dict[tuple, dict[str, float]] = {}

        def field_weights(field: str, text: str) -> dict[str, float]:
            got = cache.get((field, text))
            if got is None:
                got = {}
                base = FIELD_WEIGHT[field]
                for key, part in index_terms(text, self.vocab):
                    w = base * (PART_FACTOR if part else 1.0)
                    if w > got.get(key, 0.0):
                        got[key] = w
                cache[(field, text)] = got
            return got

        def keyword_weights(keywords: tuple[str, ...]) -> dict[str, float]:
            """A keyword is a phrase: one word of "weg van partner" alone is weaker than "weg" as a keyword."""
            got = cache.get(("keywords", keywords))
            if got is None:
                got = {}
                for keyword in keywords:
                    size = sum(1 for w in words(keyword) if w not in STOPWORDS)
                    scale = 1.0 if size <= 1 else KEYWORD_WORD
                    for key, w in field_weights("keywords", keyword).items():
                        if w * scale > got.get(key, 0.0):
                            got[key] = w * scale
                cache[("keywords", keywords)] = got
            return got

        df: Counter[str] = Counter()
        self._fields: list[tuple[dict[str, float], ...]] = []
        self._implied: list[dict[str, float]] = []
        self._keyword_cache: dict[str, set[str]] = {}
        for idx, s in enumerate(self._services):
            fields = (keyword_weights(s.keywords), field_weights("name", s.name),
                      field_weights("summary", s.summary), field_weights("organisation", s.organisation),
                      field_weights("description", s.description or ""))
            self._fields.append(fields)
            self._implied.append(self._implied_themes(s))
            df.update(set().union(*fields))
            part = self._parts.get(self._partition_key(s))
            if part is None:
                part = self._parts[self._partition_key(s)] = _Partition()
            part.members.append(idx)
            for theme in s.themes:
                part.by_theme[theme].append(idx)
        # 1 for a service of some municipalities, 0 for a whole region, -1 for the Flemish layer.
        whole_region = {r.id: r.postcodes for r in self.kb.regions.values()}
        self._locality = [-1 if s.postcodes is None else (0 if s.postcodes == whole_region.get(s.region_id) else 1)
                          for s in self._services]
        n = max(len(self._services), 1)
        self._idf = {key: math.log(1 + n / count) for key, count in df.items()}

    def _implied_themes(self, s: Service) -> dict[str, float]:
        """Needs a service names in its own words but not in `themes` ("huurwaarborg" at a social service)."""
        implied: dict[str, float] = {}

        def add(themes, factor):
            for t in themes:
                if t not in s.themes and factor > implied.get(t, 0.0):
                    implied[t] = factor

        for keyword in s.keywords:
            themes = self._keyword_cache.get(keyword)
            if themes is None:
                key = tuple(dict.fromkeys(stem(w) for w in words(keyword) if w not in STOPWORDS))
                themes = self._keyword_cache[keyword] = self._naming.get(key, set())
            add(themes, IMPLIED["keywords"])
        # Summary and description words are not used here: single words there name needs in passing
        # ("samenwerking", "sociaal tarief") and made a service cover needs it does not serve.
        return implied

    @staticmethod
    def _partition_key(s: Service) -> str:
        return FLANDERS if s.postcodes is None else s.region_id

    def _partitions_of(self, postcode: int | None) -> list[_Partition]:
        if postcode is None:
            return list(self._parts.values())
        keys = [FLANDERS, self._region_of_postcode.get(postcode)]
        return [self._parts[k] for k in keys if k in self._parts]

    def _partitions(self, postcode: int | None) -> list[_Partition]:
        parts = self._partitions_of(postcode)
        for part in parts:
            if part.postings is None:
                self._fill(part)
        return parts

    def prepare(self, postcodes: Iterable[int] | None = None) -> int:
        """Build the postings now instead of on a region's first question; returns how many were built.

        Without postcodes every region is built (about 1 s for all of Flanders): a long-running bot
        does this once at start-up and then calls settle(), so no question later pays for building
        or for the collector walking the freshly built index. Building is lazy and not locked: fine
        for the bot's single asyncio thread, not for sharing one engine between threads.
        """
        if postcodes is None:
            parts = list(self._parts.values())
        else:
            parts = [p for pc in postcodes for p in self._partitions_of(pc)]
        todo = [p for p in parts if p.postings is None]
        for part in todo:
            self._fill(part)
        return len(todo)

    def _fill(self, part: _Partition) -> None:
        """Term -> [(service, weight)] for one partition; a term's weight is its best field."""
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for idx in part.members:
            keywords, *others = self._fields[idx]
            weights = dict(keywords)
            for fw in others:
                for key, w in fw.items():
                    if w > weights.get(key, 0.0):
                        weights[key] = w
            for key, w in weights.items():
                postings[key].append((idx, w))
        part.postings = dict(postings)

    # ── answering ───────────────────────────────────────────────────────────
    def recognise(self, terms: list[Term]) -> tuple[dict[str, float], dict[str, list[str]]]:
        """Theme scores from the taxonomy, and the typed words that made each theme."""
        positions: dict[str, list[int]] = defaultdict(list)
        typed: dict[str, str] = {}
        part_keys: set[str] = set()
        main_keys: set[str] = set()
        pos = 0.0
        last_typed = None
        debt_at = -9.0
        creditors: set[int] = set()
        for term in terms:
            # Distance counts content words; expansions and compound parts share their word's place.
            if term.stop:
                place = pos + 0.5
            else:
                if term.typed != last_typed:
                    pos += 1
                place = pos
            last_typed = term.typed
            positions[term.key].append(place)
            typed.setdefault(term.key, term.typed)
            (part_keys if term.part else main_keys).add(term.key)
            if term.key in self._debt_keys:
                debt_at = place
            elif term.key in _OWED_TO and place - debt_at <= 1.5:
                # "schulden bij de huisbaas en het ziekenhuis": what follows says to whom, not another need
                creditors.update(range(int(pos) + 1, int(pos) + 1 + CREDITOR_SPAN))
        part_keys -= main_keys
        hits: list[tuple[float, _Phrase]] = []
        for key in positions:
            for pid in self._phrases_by_key.get(key, ()):
                phrase = self._phrases[pid]
                if not all(k in positions for k in phrase.keys):
                    continue
                if len(phrase.keys) > 1 and not self._close(phrase.keys, positions, phrase.span):
                    continue
                weight = phrase.weight
                if creditors and phrase.theme != DEBT and all(
                        any(p in creditors for p in positions[k]) for k in phrase.keys if not k.startswith("_")):
                    weight *= CREDITOR_FACTOR
                if all(k in part_keys or k.startswith("_") for k in phrase.keys):
                    if len(phrase.keys) > 1:  # "geld op" is not in "kindergeld op de rekening"
                        continue
                    weight *= 0.7
                elif any(k in part_keys for k in phrase.keys):
                    weight *= 0.85  # half of it only inside a compound: a little less sure
                hits.append((weight, phrase))
        # Strongest phrases first; a question word counts once per theme ("krap" in "ze zitten krap").
        hits.sort(key=lambda h: -h[0])
        found: dict[str, list[float]] = defaultdict(list)
        why: dict[str, list[str]] = defaultdict(list)
        used: dict[str, set[str]] = defaultdict(set)
        # Longest match wins across themes: "bed" in "ligt al weken in bed" is not about furniture.
        in_long: dict[str, set[str]] = defaultdict(set)
        # A phrase that reaches a typed word only through a compound part ("rekening" of
        # "energierekening") does not own it: the whole word says more than its head.
        for _, phrase in hits:
            if len(phrase.keys) >= 2:
                for k in phrase.keys:
                    if k not in part_keys:
                        in_long[typed[k]].add(phrase.theme)
        for weight, phrase in hits:
            words_of = {typed[k] for k in phrase.keys}
            if words_of & used[phrase.theme]:
                continue
            if len(phrase.keys) == 1:
                longer = in_long.get(typed[phrase.keys[0]], set())
                if longer and phrase.theme not in longer:
                    continue
            used[phrase.theme] |= words_of
            found[phrase.theme].append(weight)
            why[phrase.theme].extend(typed[k] for k in phrase.keys if typed[k] not in why[phrase.theme])
        scores = {}
        for theme, weights in found.items():
            weights.sort(reverse=True)
            scores[theme] = sum(w * 0.6 ** i for i, w in enumerate(weights))
        self._bill_kind_leads(scores, why)
        return scores, why

    @staticmethod
    def _bill_kind_leads(scores: dict[str, float], why: dict[str, list[str]]) -> None:
        """An unpaid bill whose kind names a need ("gasrekening", "electricity bill") is that need
        first and debt second: the energiecel can stop the cut-off, debt help comes after."""
        debt_words = why.get(DEBT, ())
        if not debt_words or not all(_is_bill_word(w) for w in debt_words):
            return  # "schulden", "deurwaarder": the family names debt itself
        if not any(_BILL_RE.search(w) for w in debt_words):
            return  # "niet betalen" without a bill says nothing about its kind
        kinds = [t for t, v in scores.items() if t not in (DEBT, URGENCY) and v >= CANDIDATE]
        if not kinds:
            return
        lead = max(kinds, key=lambda t: scores[t])
        scores[lead] = max(scores[lead], scores[DEBT])
        scores[DEBT] = min(scores[DEBT], BILL_DEBT_SHARE * scores[lead])

    @staticmethod
    def _close(keys: tuple[str, ...], positions: dict[str, list[int]], span: int) -> bool:
        for start in positions[keys[0]]:
            if all(any(abs(p - start) <= span for p in positions[k]) for k in keys[1:]):
                return True
        return False

    def search(self, question: str, postcode: int | None = None, limit: int = 3) -> Answer:
        terms = analyse(question or "", self.vocab, self.synonyms)
        if all(t.stop for t in terms):
            return Answer((), ())
        named = self.organisations.find(question or "")
        if named is not None:
            # "caw", "nummer van het ocmw": nothing but a name is a request for that organisation's door.
            rest = [t for t in terms if not t.stop and not set(t.typed.split()) <= set(named.typed)]
            rest_scores, _ = self.recognise(rest)
            if max(rest_scores.values(), default=0.0) < CONFIDENT:
                doors = self.organisations.front_doors(named, postcode, limit)
                if doors:
                    return Answer(tuple(Match(s, 0.5, (), named.typed) for s in doors), ())
        theme_scores, why = self.recognise(terms)
        top = max(theme_scores.values(), default=0.0)
        hinted = {t: v for t, v in theme_scores.items() if v >= HINT and v >= RELATIVE * top}
        ranked_needs = tuple(sorted(hinted, key=lambda t: (-hinted[t], THEME_IDS.index(t))))
        # Only needs with real evidence bring in services; a lone weak hint does not.
        needs = {t: v for t, v in hinted.items() if v >= CANDIDATE and v >= CANDIDATE_RELATIVE * top}
        confident = top >= CONFIDENT
        if (not confident and len(ranked_needs) == 1 and len({t.typed for t in terms if not t.stop}) == 1
                and len({t.typed for t in terms}) <= 2 and ranked_needs[0] != URGENCY):
            # One word that points to one need ("werk", "de schoolreis") is a request, not a hint;
            # "wanneer is het oudercontact" asks something else about it.
            confident, needs = True, dict(hinted)

        # Text evidence: every non-generic question term, looked up in the allowed partitions only.
        need_words = {w for theme in needs for w in why[theme]}
        query: dict[str, tuple[float, str]] = {}
        for term in terms:
            if term.stop or term.key in _GENERIC_KEYS or term.typed in GENERIC:
                continue
            factor = PART_FACTOR if term.part else 1.0
            if term.origin == ADDED and " " not in term.typed:
                factor *= SYNONYM_FACTOR  # "krap" brings "geld", but softly
            elif term.origin in (INSIDE, KEPT):
                factor *= INSIDE_FACTOR  # "gezet" in "uit huis gezet": the expression's target carries it
            if term.typed in need_words:
                factor *= NEED_WORD_FACTOR  # already counted as the need; let the other words decide
            if factor > query.get(term.key, (0.0, ""))[0]:
                query[term.key] = (factor, term.typed)
        text: dict[int, float] = defaultdict(float)
        matched: dict[int, list[str]] = defaultdict(list)
        candidates: set[int] = set()
        for part in self._partitions(postcode):
            for key, (factor, typed) in query.items():
                idf = self._idf.get(key, 0.0) * factor
                need_word = key in self._need_keys
                for idx, w in part.postings.get(key, ()):
                    if w < FIELD_WEIGHT["name"] and not need_word:
                        continue  # an everyday word ("kijken") in a summary says nothing about fit
                    text[idx] += idf * w
                    if typed not in matched[idx]:
                        matched[idx].append(typed)
            for theme in needs:
                candidates.update(part.by_theme.get(theme, ()))
        candidates.update(text)

        # Needs named about equally clearly: a service covering two of them answers the question best.
        # Urgency (crisis) says how fast, not what: it is never one of the two.
        major = {t for t, v in needs.items() if v >= max(CONFIDENT, MAJOR_SHARE * top) and t != URGENCY}
        # One need clearly ahead of the others is the question's main need.
        main = ranked_needs[0] if needs and len(major) <= 1 and ranked_needs[0] in needs else None
        scored: list[Match] = []
        for idx in candidates:
            s = self._services[idx]
            if not s.serves(postcode):
                continue
            evidence = text.get(idx, 0.0)
            text_part = evidence / (evidence + TEXT_SCALE)
            covered = [t for t in s.themes if t in needs]
            implied = [(t, f) for t, f in self._implied[idx].items() if t in needs]
            covered.extend(t for t, _ in implied)
            if not covered:
                # Words alone answer only when several rare ones meet, and then count for less.
                if not (confident and text_part >= TEXT_ALONE and len(matched.get(idx, ())) >= 2):
                    continue
                text_part *= 0.5
            theme_part = 0.0
            for rank, t in enumerate(s.themes):
                if t in needs:
                    value = needs[t] * SECONDARY ** min(rank, 2)  # the first theme is the core business
                    theme_part = max(theme_part, value) + COMBINE * min(theme_part, value)
            for t, factor in implied:
                value = needs[t] * factor
                theme_part = max(theme_part, value) + COMBINE * min(theme_part, value)
            if len(major) >= 2 and len(major.intersection(s.themes)) >= 2:
                theme_part += BOTH_BONUS  # "geen eten en geen jas": who helps with both comes first
            total = theme_part + TEXT_WEIGHT * text_part + LOCAL_BONUS * self._locality[idx]
            if main and main not in covered:
                total *= OFF_MAIN  # "vuile kleren en krabt aan het hoofd" is hygiene first, clothes second
            if s.is_closed:
                total *= 0.95
            reasons = list(matched.get(idx, ()))
            for t in covered:
                reasons.extend(w for w in why[t] if w not in reasons)
            scored.append(Match(s, total, tuple(covered), tuple(reasons)))

        if not confident:
            typed_words = {t.typed for t in terms}
            if typed_words & STAFF and not typed_words & FAMILY:
                return Answer((), ranked_needs[:4])  # the school's own matter: nothing to ask back
            # "morgen", "snel" alone say how urgent, not what: no reason to ask back.
            hints = tuple(t for t in ranked_needs if t != URGENCY or hinted[t] >= CANDIDATE)[:4]
            return Answer((), hints, ambiguous=bool(hints))
        # Equal evidence: the more specialised service first, then the more local one.
        scored.sort(key=lambda m: (-round(m.score, 3), len(m.service.themes), -self._locality[self._index[m.id]],
                                   m.service.id))
        best = scored[0].score if scored else 1.0
        matches = tuple(Match(m.service, round(m.score / (m.score + 1.0), 4), m.themes, m.words)
                        for m in scored[:limit] if m.score >= 0.35 * best)
        return Answer(matches, ranked_needs)

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
            for idxs in part.by_theme.values():
                for idx in idxs:
                    s = self._services[idx]
                    if s.serves(postcode) and "onthaal" in s.name.lower() and s not in out:
                        out.append(s)
        out.sort(key=lambda s: (s.postcodes is None, s.id))
        return out[:3]


def settle() -> None:
    """After loading and prepare(): hand everything built so far to the collector's permanent generation.

    A full collection walks every object alive; with 20,000 services loaded that is a ~200 ms
    pause at a random question. gc.freeze() takes the loaded knowledge base and index out of those
    walks (measured in benchmarks/search_scale.py). Call it once per process, after start-up. No
    gc.collect() first: loading leaves little garbage, and a full collection costs ~0.3 s at 20k.
    """
    gc.freeze()


def search(kb: KnowledgeBase, question: str, postcode: int | None = None, limit: int = 3) -> Answer:
    return SearchEngine(kb).search(question, postcode, limit)
