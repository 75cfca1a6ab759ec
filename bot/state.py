"""The bot's shared state: one object in `application.bot_data[STATE_KEY]`.

Handlers read `state.knowledge` once per update and use that snapshot throughout, so a reload
(`state.swap_knowledge(kb)`) replaces knowledge base, search index and place names in one
assignment: an update is answered wholly from the old or wholly from the new data, never a mix.
"""
from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

from kennisbank.schema import KnowledgeBase, Municipality, Service
from kennisbank.search import SearchEngine
from kennisbank.store import Store

if TYPE_CHECKING:  # pragma: no cover
    from telegram.ext import CallbackContext

STATE_KEY = "welzijnsbot"


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
    def build(cls, kb: KnowledgeBase) -> "Knowledge":
        places = {fold(m.name): m for _, m in kb.municipalities()}
        by_hash = {short_hash(sid): sid for sid in kb.services}
        names = [s.organisation for s in kb.services.values()] + [r.name for r in kb.regions.values()]
        names += [m.name for _, m in kb.municipalities()]
        words = frozenset(w.casefold() for n in names for w in re.findall(r"[^\W\d_]+", n))
        return cls(kb, SearchEngine(kb), places, by_hash, words)

    def service(self, service_id: str) -> Service | None:
        service = self.kb.services.get(service_id)
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

    def is_example(self, postcode: int | None) -> bool:
        region = self.kb.region_for_postcode(postcode) if postcode is not None else None
        return bool(region and region.example)


@dataclass
class BotState:
    """What every handler shares; created by bot.app.build_application."""

    knowledge: Knowledge
    store: Store
    kb_dir: Path | None = None
    # Processing time per update in seconds (bounded), for the load benchmark and /status-like views.
    timings: deque = field(default_factory=lambda: deque(maxlen=10_000))
    processed: deque = field(default_factory=lambda: deque(maxlen=10_000))  # update ids, in order done
    started: float = field(default_factory=time.monotonic)
    extra: dict[str, Any] = field(default_factory=dict)  # room for later features
    _postcodes: dict[int, int | None] = field(default_factory=dict, repr=False)

    # Per-chat postcode, read on every question: cached in memory, written through to the store.
    # Always go through these three (not state.store directly) so the cache never goes stale.
    async def get_postcode(self, chat_id: int) -> int | None:
        if chat_id not in self._postcodes:
            if len(self._postcodes) > 100_000:
                self._postcodes.clear()
            self._postcodes[chat_id] = await self.store.get_postcode(chat_id)
        return self._postcodes[chat_id]

    async def set_postcode(self, chat_id: int, postcode: int) -> None:
        await self.store.set_postcode(chat_id, postcode)
        self._postcodes[chat_id] = postcode

    async def forget_chat(self, chat_id: int) -> None:
        """/vergeet: everything the store keeps for this chat, and this cache."""
        self._postcodes.pop(chat_id, None)
        await self.store.forget_chat(chat_id)
        self._postcodes.pop(chat_id, None)

    def swap_knowledge(self, kb: KnowledgeBase) -> None:
        """Build the new snapshot first, then switch with a single assignment."""
        self.knowledge = Knowledge.build(kb)


def get_state(context: "CallbackContext") -> BotState:
    return context.application.bot_data[STATE_KEY]
