"""Recognise an organisation named in a question ("caw", "het ocmw", "huis van het kind") and find its front door.

A zorgcoördinator who types only an organisation's name or abbreviation wants that organisation's
entry service in her municipality, not a guess at a need. The names come from the data, so a new
region's organisations are known without editing code:
  - each part of the `organisation` field ("Sociaal Huis Lindegem (OCMW)" -> "sociaal huis", "ocmw"),
    without place names and legal forms (vzw, stad, regio ...);
  - every all-capitals word in it (CAW, CLB, CKG) and the initials of a long name
    ("Centrum voor Geestelijke Gezondheidszorg" -> cgg);
  - the other names people use, listed under `organisaties:` in synonyms.yaml ("jac" -> caw).
The front door of an organisation is the service that says it is one (onthaal, inloop, sociale
dienst ...) or names the organisation among its keywords; otherwise the first one it lists.
"""
from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .schema import KnowledgeBase, Service
from .search.analysis import STOPWORDS, Synonyms, fold, words

# Words in an organisation field that are no part of its name.
NOT_A_NAME = frozenset("vzw asbl stad gemeente regio kantoor intergemeentelijk intergemeentelijke vlaanderen".split())
# Words in a service name that say "come here first".
FRONT_DOOR = ("onthaal", "inloop", "sociale dienst", "gezinspunt", "loket", "algemeen", "eerste lijn")
_ACRONYM = re.compile(r"[A-Z]{2,6}\b")


@dataclass(frozen=True)
class OrganisationHit:
    organisations: frozenset[str]  # organisation fields (as in the data) the question names
    typed: tuple[str, ...]         # the question words that made the name


class Organisations:
    """Name -> organisations, built once from the knowledge base (a dict lookup per question word)."""

    def __init__(self, kb: KnowledgeBase, services: list[Service], synonyms: Synonyms):
        places = _places(kb)
        self._places = places
        self._synonyms = synonyms
        self._by_name: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self._members: dict[str, list[Service]] = defaultdict(list)
        self._own_words: dict[str, set[str]] = {}
        for s in services:
            if s.organisation not in self._members:
                self._learn(s.organisation)
            self._members[s.organisation].append(s)
        self._longest = max((len(n) for n in self._by_name), default=0)

    @property
    def places(self) -> set[str]:
        """Words of the region and municipality names (folded): never part of an organisation's name."""
        return self._places

    def detached(self) -> Organisations:
        """A copy to pickle: service ids instead of services (the knowledge base has them)."""
        out = copy.copy(self)
        ids: dict[str, list[Any]] = {org: [s.id for s in members] for org, members in self._members.items()}
        out._members = ids
        return out

    def restored(self, kb: KnowledgeBase, keep: set[str]) -> Organisations:
        """A detached copy joined to the services of `kb` whose ids are in `keep` (the others are
        added back with with_changes, named with the place names of `kb`'s regions)."""
        out = copy.copy(self)
        out._places = _places(kb)
        stored: dict[str, list[Any]] = self._members   # service ids while detached
        out._members = defaultdict(list, {org: [kb.services[sid] for sid in ids if sid in keep]
                                          for org, ids in stored.items()})
        return out

    def _learn(self, organisation: str) -> None:
        """Its names, and the other names people use for them (synonyms.yaml `organisaties:`) when
        what they stand for is one of its names. Sets are replaced, never changed in place: a copy
        made by with_changes shares them with the engine that keeps answering."""
        names = self._names(organisation, self._places)
        for name in names:
            self._by_name[name] = self._by_name.get(name, set()) | {organisation}
        for alias, canonical in self._synonyms.organisations.items():
            if canonical in names:
                self._by_name[alias] = self._by_name.get(alias, set()) | {organisation}
        self._own_words[organisation] = {n[0] for n in names if len(n) == 1}

    def with_changes(self, removed: Iterable[Service], added: Iterable[Service]) -> Organisations:
        """A copy after an edit: `removed` services (old versions) out, `added` (new versions) in.

        Only the organisations involved are touched; a name no service carries any more finds no
        front door and is forgotten at the next full build.
        """
        out = copy.copy(self)
        out._members = defaultdict(list, self._members)
        out._by_name = defaultdict(set, self._by_name)
        out._own_words = dict(self._own_words)
        added = list(added)
        replaced = {s.id: s for s in added}
        for s in removed:
            members = out._members[s.organisation]
            new = replaced.get(s.id)
            if new is not None and new.organisation == s.organisation:
                # The same service edited keeps its place: the first listed is the tie-breaker for
                # the front door, as in a fresh build.
                out._members[s.organisation] = [new if m.id == s.id else m for m in members]
                added.remove(new)
            else:
                out._members[s.organisation] = [m for m in members if m.id != s.id]
        for s in added:
            if s.organisation not in out._own_words:
                out._learn(s.organisation)
            out._members[s.organisation] = [*out._members[s.organisation], s]
        out._longest = max((len(n) for n in out._by_name), default=0)
        return out

    @staticmethod
    def _names(organisation: str, places: set[str]) -> set[tuple[str, ...]]:
        names: set[tuple[str, ...]] = set()
        for segment in re.split(r"[(),]", organisation):
            leading = _ACRONYM.match(segment.strip())
            if leading:  # "CKG De Boomgaard" is "ckg"; "arbeidsbemiddeling en OCMW" is not the OCMW
                names.add((fold(leading.group()),))
            ws = [w for w in words(segment) if w not in places and w not in NOT_A_NAME]
            while ws and ws[0] in STOPWORDS:
                ws.pop(0)
            while ws and ws[-1] in STOPWORDS:
                ws.pop()
            if ws and not all(w in STOPWORDS for w in ws):
                names.add(tuple(ws))
            capitals = [w for w in re.findall(r"[^\W\d_]+", segment) if w[0].isupper()
                        and fold(w) not in places and fold(w) not in NOT_A_NAME]
            if len(capitals) >= 3:  # "Centrum voor Geestelijke Gezondheidszorg" is called "CGG"
                names.add(("".join(fold(w[0]) for w in capitals),))
        return names

    def find(self, question: str) -> OrganisationHit | None:
        """The organisations named in the question, longest name first; None when none is."""
        tokens = words(question)
        found: set[str] = set()
        typed: list[str] = []
        first = self._first_words()
        i = 0
        while i < len(tokens):
            if tokens[i] not in first:   # most words begin no name: skip the longest-first tries
                i += 1
                continue
            for n in range(min(self._longest, len(tokens) - i), 0, -1):
                orgs = self._by_name.get(tuple(tokens[i:i + n]))
                if orgs:
                    found |= orgs
                    typed.extend(tokens[i:i + n])
                    i += n
                    break
            else:
                i += 1
        return OrganisationHit(frozenset(found), tuple(typed)) if found else None

    def _first_words(self) -> frozenset[str]:
        """The first word of every known name, for the names dict as it is now (a copy made by
        with_changes has a dict of its own and computes its set again)."""
        memo = self.__dict__.get("_first")
        if memo is None or memo[0] is not self._by_name:
            memo = self._first = (self._by_name, frozenset(name[0] for name in self._by_name if name))
        return memo[1]

    def front_doors(self, hit: OrganisationHit, postcode: int | None, limit: int) -> list[Service]:
        """Each named organisation's entry service that serves the postcode, most local first."""
        # (front-door rank, Flemish layer last, fewest postcodes first, id) and the service
        doors: list[tuple[tuple[tuple[int, int], bool, int, str], Service]] = []
        for organisation in sorted(hit.organisations):
            best = None
            for order, s in enumerate(self._members.get(organisation, ())):
                if not s.serves(postcode):
                    continue
                name = fold(s.name)
                keywords = {w for k in s.keywords for w in words(k)}
                rank = (-any(d in name for d in FRONT_DOOR), -bool(keywords & self._own_words[organisation]), order)
                if best is None or rank < best[0]:
                    best = (rank, s)
            if best is not None:
                s = best[1]
                doors.append(((best[0][:2], s.postcodes is None, len(s.postcodes or ()), s.id), s))
        doors.sort(key=lambda d: d[0])
        return [s for _, s in doors[:limit]]


def _places(kb: KnowledgeBase) -> set[str]:
    """Words of region and municipality names: never part of an organisation's name."""
    places = {w for r in kb.regions.values() for w in words(r.name)}
    return places | {w for r in kb.regions.values() for m in r.municipalities for w in words(m.name)}
