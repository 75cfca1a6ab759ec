"""Turn phone-typed Flemish into comparable terms: folding, synonyms, stemming, compounds, typos.

Both sides (the knowledge base and the question) go through the same Analyzer, so "Uithuiszetting",
"uithuiszettingen" and "uithuiszeting" end up as the same term. Everything here is plain data and
a Snowball stemmer: no model download, fully explainable.
"""
from __future__ import annotations

import bisect
import copy
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ..text import clean
from ..yaml_syntax import safe_load

SYNONYMS_FILE = Path(__file__).resolve().parents[1] / "synonyms.yaml"
ORGANISATION_GROUP = "organisaties"

# Where a question term comes from; the search trusts them differently.
TYPED = "typed"    # the word as typed (or its typo fix)
INSIDE = "inside"  # a typed word inside a recognised expression ("huis", "gezet" in "uit huis gezet")
KEPT = "kept"      # a typed word inside an expression that its target repeats ("eten" in "geen eten")
ADDED = "added"    # a word the synonyms added ("uithuiszetting")

_WORD = re.compile(r"[a-z0-9]+")
_LONG_VOWEL = re.compile(r"([aeou])\1")

# Words that carry no need on their own (Dutch, Flemish spelling as typed, a little French/English).
STOPWORDS = frozenset("""
de het een en of maar want dus als dan die dat deze dit da wa wat wie waar wanneer hoe waarom welk welke
ik je jij u hij zij ze we wij jullie men mij me mijn m zijn haar hun hen ons onze uw ze zich zelf
is ben bent was waren wordt worden werd zijn zou zouden kan kun kunt kunnen kunne kon konden moet moeten
mag mogen wil wilt willen heeft hebben heb had hadden doet doen deed gaat gaan ging krijgt krijgen
er hier daar nu al nog ook wel toch eens even maar zo zoals heel erg echt veel weinig iets iemand
in op aan van voor met bij naar om uit over tot door tegen na onder tussen zonder sinds tijdens per
t s k n nen ne den d der des te ter
le la les un une des du et ou est sont pour avec dans sur pas ne que qui
the a an and or is are to of in on for with at by from my our his her their this that it be
we kan moet zeggen zegt vraag vragen weet weten denk denken graag misschien precies eigenlijk
meer elke elk iedere ieder alle allemaal
ziet zien zag zit zitten zat komt komen kwam staat staan stond ligt liggen maakt maken gedaan gekomen
""".split())

# Words too common in this domain to say which service fits (still matched inside theme phrases).
GENERIC = frozenset("""
mama papa moeder vader ouder ouders kind kinderen kindje kindjes leerling leerlingen gezin gezinnen
school klas juf meester jongen meisje zoon dochter thuis dag week maand jaar keer hulp helpen
iemand contact bellen dienst diensten vrouw man broer zus oudste jongste
leerkracht leerkrachten team geen niet niks nooit jaar jaren euro geld ander andere zoeken zoekt zoek
""".split())

# Who a question is about. Staff or "we" without anyone of a family is the school's own matter
# ("de juf is ziek", "wat eten we vandaag"): a weak hint there is no reason to ask back.
STAFF = frozenset("""
juf juffen meester meesters leerkracht leerkrachten leraar lerares leraars turnleraar turnjuf directeur directrice
directie secretariaat collega collegas personeel zorgco zoco zorgcoordinator ik mijn we wij ons onze
""".split())
FAMILY = frozenset("""
kind kinderen kindje kindjes kleuter kleuters leerling leerlingen jongen meisje zoon dochter broer zus broertje zusje
baby mama papa moeder vader ouder ouders gezin gezinnen familie hij zij ze
""".split())

# Dutch compounds glue parts with these letters ("schoolkosten", "kinder-s-opvang", "huiz-en-markt").
_LINKS = ("", "s", "e", "en")


def fold(text: str) -> str:
    """Lower case without accents: phone typing rarely has them. Invisible characters (a soft
    hyphen, a zero-width space), odd spaces and foreign digits are normalised first."""
    text = clean(text or "").lower()
    if text.isascii():   # nothing to decompose: most service text and typed questions
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def stop_key(word: str) -> str:
    """Small words get their own key space: "was" (was) must not meet the stem of "wassen"."""
    return "_" + word


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


# The Porter variant: the newer Dutch algorithm strips "ge-", which merges "begeleiding" with "beleid".
_stemmer = snowballstemmer.stemmer("dutch_porter")


# Words whose stem would collide with another word ("neten" is not "net", "armen" are not "arm").
_KEEP = {"neten": "neet", "neet": "neet", "armen": "armen", "arm": "arm", "lopen": "lopen", "loopt": "lopen",
         "leeg": "leeg", "lege": "leeg"}  # "leeg" (empty) is not "leggen"


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball Dutch stem, undoubled ("gezinn" -> gezin) and without a final d/t ("betaald" -> betal)."""
    if word in _KEEP:
        return _KEEP[word]
    s = _stemmer.stemWord(word)
    if len(s) > 3 and s[-1] == s[-2] and s[-1] not in "aeiou":
        s = s[:-1]
    s = _LONG_VOWEL.sub(r"\1", s)  # "betaald"/"betalen", "huur"/"huren": vowel length is spelling only
    if len(s) > 5 and s.endswith("ig"):  # angstig -> angst, vochtig -> vocht
        s = s[:-2]
    if len(s) > 4 and s[-1] in "dt":
        s = s[:-1]
    # Verb and noun of one Latin root meet: concentreren/concentratie, vaccineren/vaccinatie/gevaccineerd.
    if len(word) > 7 and word.endswith(("eren", "eerd", "eert")) and s.endswith("er"):
        s = s[:-2]
    elif len(word) > 7 and word.endswith(("atie", "aties")) and s.endswith("atie"):
        s = s[:-4]
    return s


@dataclass(frozen=True)
class Synonyms:
    """Question words enriched before matching: abbreviations, French/English, dialect, descriptions."""
    single: dict[str, tuple[str, ...]]
    multi: dict[tuple[str, ...], tuple[str, ...]]
    # Other names people use for an organisation ("jac" -> caw, "sociaal huis" -> ocmw).
    organisations: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = SYNONYMS_FILE) -> Synonyms:
        raw = safe_load(path.read_text(encoding="utf-8")) or {}
        single, multi, organisations = {}, {}, {}
        for name, group in raw.items():
            if name == ORGANISATION_GROUP:  # names, not meanings: matched by the search, never expanded
                for source, target in (group or {}).items():
                    if words(str(source)) and words(str(target)):
                        organisations[tuple(words(str(source)))] = tuple(words(str(target)))
                continue
            for source, target in (group or {}).items():
                key = tuple(words(str(source)))
                value = tuple(words(str(target)))
                if not key or not value:
                    continue
                content = tuple(w for w in key if w not in STOPWORDS)
                if len(key) == 1:
                    single[key[0]] = value
                elif len(content) >= 2:  # "eruit te zetten" matches "eruit zetten"
                    multi[content] = value
                else:
                    multi[key] = value
        return cls(single, multi, organisations)

    def expand(self, tokens: list[str], respelled: list[str] | None = None) -> list[tuple[str, str, str]]:
        """(word to match, words as the user typed them, origin); the typed words stay, the synonyms are added.

        Inside a several-word expression the typed words are marked INSIDE: the expression's meaning
        is in its target, so "gezet" in "uit huis gezet" should not make a service about "op straat gezet" fit.
        Expressions are looked for as typed ("school trip") and as respelled ("huur nie btalen").
        """
        respelled = respelled or tokens
        out: list[tuple[str, str, str]] = []
        i = 0
        while i < len(tokens):
            found = self._expression(tokens, i) or (self._expression(respelled, i) if respelled is not tokens else None)
            if found:
                span, target, seen = found
                typed = " ".join(tokens[i:i + span])
                # keep what was typed (the taxonomy may know it) and add the word services use
                out.extend((w, typed, INSIDE) for w in seen if w not in target)
                out.extend((w, typed, KEPT if w in seen else ADDED) for w in target)
                i += span
                continue
            tok = tokens[i]
            synonyms = self.single.get(tok)
            if respelled[i] != tok:  # an unknown spelling ("vr", "btalen"): only its known form counts
                out.append((respelled[i], tok, ADDED if synonyms else TYPED))
            elif synonyms:
                if tok not in synonyms:
                    out.append((tok, tok, TYPED))
                out.extend((w, tok, TYPED if w == tok else ADDED) for w in synonyms)
            else:
                out.append((tok, tok, TYPED))
            i += 1
        return out

    def _expression(self, tokens: list[str], i: int) -> tuple[int, tuple[str, ...], list[str]] | None:
        """The longest several-word expression starting at i: (words used, target, those words).

        Tried from the longest expression down: the words exactly as typed, or the next n content
        words (small words in between skipped, within n + 3 words).
        """
        if tokens[i] not in self._first_words:   # every match, exact or by content words, starts here
            return None
        longest = self._longest
        # The content words any window can reach, found in one pass (a window of n ends before i + n + 3).
        reach = [j for j in range(i, min(len(tokens), i + longest + 3)) if tokens[j] not in STOPWORDS]
        multi = self.multi
        for n in range(longest, 1, -1):
            typed = tuple(tokens[i:i + n])
            exact = typed in multi
            content: tuple[str, ...] = ()
            span = 0
            if len(reach) >= n and reach[n - 1] < i + n + 3:
                content = tuple(tokens[j] for j in reach[:n])
                span = reach[n - 1] - i + 1
            target = multi.get(typed) or (multi.get(content) if content else None)
            if target and (exact or tokens[i] not in STOPWORDS):
                if exact:
                    span = n
                return span, target, tokens[i:i + span]
        return None

    @cached_property
    def _first_words(self) -> frozenset[str]:
        return frozenset(k[0] for k in self.multi)

    @cached_property
    def _longest(self) -> int:
        return max((len(k) for k in self.multi), default=1)


class Vocabulary:
    """The words the knowledge base and taxonomy know; used to split compounds and fix typos."""

    def __init__(self, known_words: set[str]):
        self.words = {w for w in known_words if len(w) >= 3 and not w.isdigit()}
        self.stems = {stem(w) for w in self.words}
        self._by_initial: dict[str, list[str]] = {}
        for w in sorted(self.words):
            if len(w) >= 4:
                self._by_initial.setdefault(w[0], []).append(w)
        self._sorted = sorted(self.words)
        self._split_cache: dict[str, tuple[str, ...]] = {}
        self._typo_cache: dict[str, str | None] = {}

    def extended(self, words: Iterable[str]) -> Vocabulary:
        """This vocabulary with more words (an edit's new words), without sorting everything again."""
        new = {w for w in words if len(w) >= 3 and not w.isdigit()} - self.words
        if not new:
            return self
        out = copy.copy(self)
        out.words = self.words | new
        out.stems = self.stems | {stem(w) for w in new}
        out._by_initial = dict(self._by_initial)
        out._sorted = list(self._sorted)
        for w in sorted(new):
            bisect.insort(out._sorted, w)
            if len(w) >= 4:
                group = out._by_initial[w[0]] = list(out._by_initial.get(w[0], ()))
                bisect.insort(group, w)
        out._split_cache = {}
        out._typo_cache = {}
        return out

    def known(self, word: str) -> bool:
        return word in self.words or stem(word) in self.stems

    def _part(self, word: str) -> bool:
        """A real word, not just a string that happens to equal some stem."""
        return word in self.words or word + "en" in self.words or word + "e" in self.words

    def base(self, word: str) -> str | None:
        """The known word behind a diminutive ("huisje" -> huis, "appartementje" -> appartement)."""
        if len(word) >= 6 and word.endswith("jes"):  # "sneetjes" -> sneetje
            word = word[:-1]
        if len(word) >= 5 and word.endswith("je"):
            for cut in (2, 3, 4):
                if len(word) - cut >= 3 and self.known(word[:-cut]):
                    return word[:-cut]
        return None

    def split(self, word: str) -> tuple[str, ...]:
        """Compound parts of an unknown word ("schuldbemiddelaar" -> schuld, bemiddelaar), or ()."""
        if word in self._split_cache:
            return self._split_cache[word]
        parts: tuple[str, ...] = ()
        if len(word) >= 7:
            for i in range(3, len(word) - 2):  # longest head first: "huur|achterstand", not "huurachters|tand"
                left, right = word[:i], word[i:]
                # a short head only after a long modifier: "winter|jas", "kinder|bed", not "huurachters|tand"
                if len(right) < (3 if i >= 5 else 4) or not self._part(right):
                    continue
                for link in _LINKS:
                    base = (left[: len(left) - len(link)] if link and left.endswith(link)
                            else (left if not link else None))
                    if base and len(base) >= 3 and self._part(base):
                        parts = (base, right)
                        break
                if parts:
                    break
        self._split_cache[word] = parts
        return parts

    def prefixed(self, word: str) -> str | None:
        """For an unknown participle, a known word sharing its beginning ("gevaccineerd" -> vaccinatie)."""
        if not (word.startswith("ge") and len(word) >= 8):
            return None  # other unknown words stay unknown: "schoolfoto" is not "schoolfonds"
        word = word[2:]  # past participle: the stem is what follows "ge"
        if len(word) < 6:
            return None
        size = max(6, int(len(word) * 0.6))
        prefix = word[:size]
        i = bisect.bisect_left(self._sorted, prefix)
        best = None
        while i < len(self._sorted) and self._sorted[i].startswith(prefix):
            if best is None or len(self._sorted[i]) < len(best):
                best = self._sorted[i]
            i += 1
        return best

    def correct(self, word: str) -> str | None:
        """The known word one typo away (two for long words), same first letter; None if unsure."""
        if word in self._typo_cache:
            return self._typo_cache[word]
        best = None
        if len(word) >= 5 and not word.isdigit():
            limit = 1 if len(word) < 10 else 2  # "vertellen" must not become "vertalen"
            choices = self._by_initial.get(word[0], ())
            hit = process.extractOne(word, choices, scorer=Levenshtein.distance, score_cutoff=limit)
            if hit is not None:
                best = hit[0]
        self._typo_cache[word] = best
        return best


@dataclass(frozen=True)
class Term:
    key: str      # stemmed form used for matching
    typed: str    # the word as it appeared in the question (for the explanation)
    part: bool = False  # came from splitting a compound: weaker evidence
    stop: bool = False  # a small word: only used to match phrases like "ons team", "op straat"
    origin: str = TYPED  # TYPED, INSIDE, KEPT or ADDED: see Synonyms.expand


def respell(token: str, vocab: Vocabulary | None, synonyms: Synonyms | None) -> str:
    """An unknown word in its known spelling, before expressions are looked for.

    "nie" -> niet, "frappe" -> slaat, "btalen" -> betalen: so "huur nie btalen" and "papa frappe maman"
    meet the same expressions as "huur niet betalen" and "papa slaat mama". Known words stay as typed.
    """
    if vocab is not None and vocab.known(token):
        return token
    target = synonyms.single.get(token) if synonyms else None
    if target is not None:
        return target[0] if len(target) == 1 else token
    if vocab is None or token in STOPWORDS or vocab.base(token) or vocab.split(token):
        return token
    if "y" in token:  # phone typing: "schooltyd", "blyven" for "schooltijd", "blijven"
        dutch = token.replace("y", "ij")
        if vocab.known(dutch) or vocab.base(dutch) or vocab.split(dutch):
            return dutch
    return vocab.correct(token) or token


def content_stems(text: str, synonyms: Synonyms) -> tuple[str, ...]:
    """The keys of analyse(text, None, synonyms)'s content terms, in order, without building the
    Terms: what the classifiers read of every question and sentence (tested equal)."""
    said = words(text)
    tokens = [respell(t, None, synonyms) for t in said]
    return tuple(stem(word) for word, _, _ in synonyms.expand(said, tokens) if word not in STOPWORDS)


def analyse(text: str, vocab: Vocabulary | None, synonyms: Synonyms | None) -> list[Term]:
    """Question text -> terms in order. Unknown words are split into compound parts or typo-fixed."""
    said = words(text)
    tokens = [respell(t, vocab, synonyms) for t in said]
    triples = synonyms.expand(said, tokens) if synonyms else [(t, t, TYPED) for t in tokens]
    out: list[Term] = []
    for word, typed, origin in triples:
        if word in STOPWORDS:
            out.append(Term(stop_key(word), typed, stop=True, origin=origin))
            continue
        if vocab is None or vocab.known(word):
            out.append(Term(stem(word), typed, origin=origin))
            if vocab is not None and len(word) >= 7:
                out.extend(Term(stem(p), typed, True, origin=origin) for p in vocab.split(word))
            if vocab is not None and word.startswith("ge") and len(word) >= 6 and vocab.known(word[2:]):
                # "gepest" also as "pest", "gescheiden" as "scheiden"
                out.append(Term(stem(word[2:]), typed, origin=origin))
            continue
        base = vocab.base(word)
        if base is not None:
            out.append(Term(stem(base), typed, origin=origin))
            continue
        parts = vocab.split(word)
        if parts:
            out.extend(Term(stem(p), typed, True, origin=origin) for p in parts)
            continue
        fixed = vocab.correct(word)
        if fixed is None:
            fixed = vocab.prefixed(word)
        if fixed is not None:
            out.append(Term(stem(fixed), typed, origin=origin))
            out.extend(Term(stem(p), typed, True, origin=origin) for p in vocab.split(fixed))
        else:
            out.append(Term(stem(word), typed, origin=origin))
    return out


def index_terms(text: str, vocab: Vocabulary | None = None) -> list[tuple[str, bool]]:
    """Knowledge-base text -> (stem, is_compound_part); compounds also index their parts."""
    out: list[tuple[str, bool]] = []
    for w in words(text):
        if w in STOPWORDS:
            continue
        out.append((stem(w), False))
        if vocab is not None and len(w) >= 7:
            out.extend((stem(p), True) for p in vocab.split(w))
    return out


# A line break ends a sentence too: a Telegram message or a transcribed voice note often has one
# line per thought and no full stops ("papa is weg\nmama wil niet meer leven\nde huur is niet betaald").
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\s*\n\s*|\s+(?:en toen|maar|mais|but|and then)\s+", re.IGNORECASE)
MIN_SENTENCE_WORDS = 3


def split_sentences(text: str) -> list[str]:
    """The question's sentences with at least three words; [] for a one-sentence question."""
    parts = [p.strip() for p in _SENTENCE.split(text or "") if p and p.strip()]
    parts = [p for p in parts if len(p.split()) >= MIN_SENTENCE_WORDS]
    return parts if len(parts) > 1 else []
