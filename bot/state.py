"""The bot's shared state: one object in `application.bot_data[STATE_KEY]`, typed, reached
through `context.state` (bot/context.py).

Handlers read `state.knowledge` once per update and use that snapshot throughout: a rebuild or
reload (kennisbank/services/knowledge.py) swaps the whole snapshot in one assignment.
"""
from __future__ import annotations

import sqlite3
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from kennisbank.schema import KnowledgeBase
from kennisbank.services.knowledge import Knowledge, KnowledgeService, fold, short_hash
from kennisbank.store import DatabaseCorrupt, Store

from .signing import Signer

__all__ = ["STATE_KEY", "BotState", "Knowledge", "fold", "short_hash"]

STATE_KEY = "welzijnsbot"


@dataclass
class BotState:
    """What every handler shares; created by bot.app.build_application."""

    knowledge_service: KnowledgeService
    store: Store
    kb_dir: Path | None = None
    signer: Signer = field(default_factory=lambda: Signer(""))   # build_application keys it with the token
    # Processing time per update in seconds (bounded), for the load benchmark.
    timings: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))
    processed: deque[int] = field(default_factory=lambda: deque(maxlen=10_000))  # update ids, in order done
    started: float = field(default_factory=time.monotonic)
    shares: Counter[str] = field(default_factory=Counter)   # shared service ids (no user, no text)
    _postcodes: dict[int, int | None] = field(default_factory=dict, repr=False)

    @classmethod
    def create(cls, kb: KnowledgeBase, store: Store, kb_dir: Path | None = None, secret: str = "") -> BotState:
        return cls(KnowledgeService(kb, store, kb_dir), store, kb_dir, Signer(secret))

    @property
    def knowledge(self) -> Knowledge:
        """The current snapshot; read it once per update."""
        return self.knowledge_service.current

    # Per-chat postcode, read on every question: cached in memory, written through to the store.
    # Always go through these three (not state.store directly) so the cache never goes stale.
    # While the database is damaged (Store.note_error) the cache keeps the school answered: a
    # postcode that cannot be read is unknown (the bot asks for it), and one set then is kept
    # in memory only while the user is told it was not saved.
    async def get_postcode(self, chat_id: int) -> int | None:
        if chat_id not in self._postcodes:
            if len(self._postcodes) > 100_000:
                self._postcodes.clear()
            try:
                self._postcodes[chat_id] = await self.store.get_postcode(chat_id)
            except sqlite3.Error as exc:
                if not await self.store.note_error(exc):
                    raise
                return None
        return self._postcodes[chat_id]

    async def set_postcode(self, chat_id: int, postcode: int) -> None:
        try:
            await self.store.set_postcode(chat_id, postcode)
        except DatabaseCorrupt:
            self._postcodes[chat_id] = postcode   # answers go on; the user hears it was not saved
            raise
        self._postcodes[chat_id] = postcode

    async def forget_chat(self, chat_id: int) -> None:
        """/vergeet: everything the store keeps for this chat, and this cache."""
        known = self._postcodes.pop(chat_id, None)
        try:
            await self.store.forget_chat(chat_id)
        except DatabaseCorrupt:   # nothing was forgotten: the cache stays what the file holds
            if known is not None:
                self._postcodes[chat_id] = known
            raise
        self._postcodes.pop(chat_id, None)

    def swap_knowledge(self, kb: KnowledgeBase) -> None:
        """Answer from `kb` from now on (tests and tools; edits go through knowledge_service)."""
        self.knowledge_service.swap(kb)
