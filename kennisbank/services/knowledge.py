"""The knowledge a running bot answers from: region files (the baseline) plus every revision.

A `Knowledge` is one immutable snapshot (knowledge base, search engine, place names). The
`KnowledgeService` owns the baseline and the current snapshot; after a confirmed edit it builds
a new snapshot from baseline + revisions in a worker thread and switches with one assignment,
so a question is answered wholly from the old or wholly from the new data, never a mix.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from rapidfuzz import fuzz, process

from .. import editors
from .. import revisions as rv
from ..reload import ReloadResult, reload_directory
from ..schema import KnowledgeBase, Municipality, Service
from ..search import SearchEngine
from ..store import Store

log = logging.getLogger(__name__)


def fold(text: str) -> str:
    """Lower case without accents, for forgiving comparisons of place names."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def short_hash(text: str) -> str:
    """A stable 16-character key for ids too long for Telegram's 64-byte callback data."""
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Knowledge:
    """One immutable snapshot: the knowledge base with everything derived from it."""

    kb: KnowledgeBase
    engine: SearchEngine
    places: dict[str, Municipality]           # folded municipality name -> municipality
    by_hash: dict[str, str]                   # short_hash(service id) -> service id
    proper_nouns: frozenset[str]              # words of organisation/place names: never a person

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Knowledge:
        places = {fold(m.name): m for _, m in kb.municipalities()}
        by_hash = {short_hash(sid): sid for sid in kb.services}
        names = [s.organisation for s in kb.services.values()] + [r.name for r in kb.regions.values()]
        names += [m.name for _, m in kb.municipalities()]
        return cls(kb, SearchEngine(kb), places, by_hash, frozenset(_name_words(names)))

    def updated(self, kb: KnowledgeBase, embed: bool = True) -> Knowledge:
        """The snapshot of `kb`, which differs from this one by a few edits: the search engine
        re-indexes only the changed services (SearchEngine.with_changes), the rest is shared.
        `embed=False`: new texts are embedded afterwards, by with_embeddings()."""
        if kb.regions is not self.kb.regions and kb.regions != self.kb.regions:
            return _prepared(kb)   # places and postcodes changed: everything is built again
        before = self.kb.services
        # After an edit only the revised services are new objects; after /herlaad every service is,
        # and equality tells the few that changed in the files.
        touched = [sid for sid, s in kb.services.items() if (old := before.get(sid)) is not s and old != s]
        added = sum(1 for sid in touched if sid not in before)
        if len(kb.services) - added != len(before):   # a service left (a new one's revision undone)
            touched += [sid for sid in before if sid not in kb.services]
        by_hash = dict(self.by_hash)
        by_hash.update((short_hash(sid), sid) for sid in touched)
        new = [kb.services[sid] for sid in touched if sid in kb.services]
        words = self.proper_nouns | _name_words(s.organisation for s in new)
        return Knowledge(kb, self.engine.with_changes(kb, touched, embed), self.places, by_hash, words)

    def with_embeddings(self) -> Knowledge:
        """This snapshot with the embeddings an edit left pending (updated(embed=False))."""
        engine = self.engine.with_embeddings()
        return self if engine is self.engine else replace(self, engine=engine)

    def service(self, service_id: str) -> Service | None:
        """An active service, or None (unknown id or switched off)."""
        service = self.kb.services.get(service_id)
        return service if service is not None and service.is_active else None

    def lookup(self, ref: str) -> Service | None:
        """A service, active or not, by id or by "#<short hash>" for ids too long for a button."""
        if ref.startswith("#"):
            ref = self.by_hash.get(ref[1:], "")
        return self.kb.services.get(ref) if ref else None

    def resolve(self, ref: str) -> Service | None:
        """An active service by id or "#<short hash>" (what schools may be shown)."""
        service = self.lookup(ref)
        return service if service is not None and service.is_active else None

    def find_municipality(self, text: str, cutoff: float = 80) -> Municipality | None:
        """'Lindegem', 'lindegem', 'lindegm' -> Lindegem; None when nothing is close enough."""
        key = fold(text)
        if not key or not self.places:
            return None
        if key in self.places:
            return self.places[key]
        best = process.extractOne(key, list(self.places), scorer=fuzz.ratio, score_cutoff=cutoff)
        return self.places[best[0]] if best else None

    def place_name(self, postcode: int | None) -> str | None:
        if postcode is None:
            return None
        municipality = self.kb.municipality_for_postcode(postcode)
        return municipality.name if municipality else None

    @cached_property
    def example_place(self) -> tuple[str, int] | None:
        """A municipality and postcode that work, for the examples the bot gives (`/postcode 9803`).

        The municipality with the most local services (ties: the first in the files); None
        when only the Flemish layer is loaded.
        """
        local = [s for s in self.kb.active_services() if not self.kb.region_of(s).is_flemish_layer]
        best: tuple[str, int] | None = None
        most = 0
        for _, municipality in self.kb.municipalities():
            postcode = municipality.postcodes[0]
            count = sum(1 for s in local if s.serves(postcode))
            if count > most:
                best, most = (municipality.name, postcode), count
        return best

    def is_example(self, postcode: int | None) -> bool:
        region = self.kb.region_for_postcode(postcode) if postcode is not None else None
        return bool(region and region.example)


def _name_words(names: Iterable[str]) -> set[str]:
    """The letters-only words of names (organisations, places), case-folded: never a person."""
    return {w.casefold() for n in names for w in re.findall(r"[^\W\d_]+", n)}


def _prepared(kb: KnowledgeBase) -> Knowledge:
    return Knowledge.build(kb)   # the whole index, in the worker thread, not on a question


class KnowledgeService:
    """Baseline + revisions → the current snapshot; refresh after an edit, reload new files.

    kb_dir: the folder of region files, for reload (None: reloading is not possible).
    """

    def __init__(self, kb: KnowledgeBase, store: Store, kb_dir: Path | None = None):
        self.baseline = kb
        self.current = Knowledge.build(kb)
        self.store = store
        self.kb_dir = kb_dir
        self._rebuild = asyncio.Lock()

    def swap(self, kb: KnowledgeBase) -> None:
        """Answer from `kb` from now on (built first, then switched with one assignment)."""
        self.current = Knowledge.build(kb)

    async def start(self) -> None:
        """At start: answer from baseline + the revisions stored in the database, and editors
        bound to the organisations as they are now (kennisbank.editors.reconcile)."""
        if await rv.load_revisions(self.store):
            await self.refresh()
        await editors.reconcile(self.store, self.current.kb)

    async def refresh(self) -> None:
        """Baseline + every revision, as a new snapshot; one rebuild at a time, the last one wins."""
        async with self._rebuild:
            kb, _ = await rv.load_effective(self.store, self.baseline)
            # Live in milliseconds; the meaning vector of a changed text follows in a second step.
            self.current = await asyncio.to_thread(self.current.updated, kb, False)
            if self.current.engine.embeddings_pending:
                self.current = await asyncio.to_thread(self.current.with_embeddings)

    async def reload_files(self, *, drop: bool = False) -> ReloadResult | None:
        """Read the region files again; with errors the last good knowledge stays. None: no folder.

        New files that lose services (a file cut off, emptied or deleted) are held back unless
        `drop` confirms it: the result lists them and the running knowledge stays.
        """
        if self.kb_dir is None:
            return None
        async with self._rebuild:
            revisions = await rv.load_revisions(self.store)
            result = await asyncio.to_thread(reload_directory, self.kb_dir, revisions)
            if result.kb is not None:
                result.dropped = tuple(sorted(set(self.current.kb.services) - set(result.kb.services)))
                result.held_back = bool(result.dropped) and not drop
            if result.ok and result.kb is not None and result.baseline is not None:
                # One changed file re-indexes its own services (Knowledge.updated), not 20,000.
                knowledge = await asyncio.to_thread(self.current.updated, result.kb)
                self.baseline, self.current = result.baseline, knowledge
        if result.ok:
            await editors.reconcile(self.store, self.current.kb)   # an organisation_id added, say
        log.info("region files reloaded: %s, %d conflicts", "ok" if result.ok else "refused",
                 len(result.conflicts))
        return result

    async def service_now(self, service_id: str) -> tuple[Service | None, list[rv.Revision]]:
        """The service as it is in the database now (not the possibly older snapshot)."""
        revisions = await rv.load_revisions(self.store, service_id=service_id)
        return rv.effective_service(self.baseline, service_id, revisions), revisions

    async def record(self, *, user_id: int | None, service_id: str, field: str, new: rv.Json,
                     may_edit: Callable[[Service], bool] | None = None, expected: rv.Json = rv.ANY) -> rv.Revision:
        """One revision (see kennisbank.revisions.record), then the snapshot is rebuilt."""
        revision = await rv.record(self.store, self.baseline, user_id=user_id, service_id=service_id,
                                   field=field, new=new, expected=expected, may_edit=may_edit)
        await self.refresh()
        return revision
