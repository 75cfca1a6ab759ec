"""The reply to a question, a "more results" page or a chosen need: no Telegram here.

Shared by the Telegram handlers (bot/handlers/ask.py) and the terminal chat (bot/terminal.py).
The question's words are only passed through to the search; for "Meer resultaten" the caller
keeps the result *ids* (memory only, see stash_results), never the text. The one exception is
a question asked before the school's place is known: keep_question holds it in the chat's
memory (chat_data, never written to disk or a log) until take_questions answers it once the
place is given, or for PENDING_FOR seconds at most.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from kennisbank.safety import ACUTE_LINE, ACUTE_THEMES
from kennisbank.schema import Service
from kennisbank.search import Answer
from kennisbank.search.params import SAFETY_SURE
from kennisbank.services.knowledge import Knowledge

from . import callback_data as cd
from . import render
from .places import looks_like_a_place
from .privacy import looks_personal

PENDING_KEY = "pending_questions"  # chat_data: [(monotonic time, text, alerted)] awaiting a place
PENDING_FOR = 600.0          # seconds a question waits for the place before it is forgotten
PENDING_MAX = 3              # questions held at once for one chat
FORGOTTEN_KEY = "pending_forgotten"  # chat_data: how many kept questions were forgotten unanswered (no text)
SEARCH_LIMIT = 12            # results fetched per question; the first PAGE_SIZE are shown
LIKELY_NEEDS = 6             # need buttons under "nothing fits" (then "Andere nood…")
STASH_SIZE = 20              # result lists kept per chat for "Meer resultaten"
_keys = itertools.count(1)


def stash_results(chat_data: MutableMapping[str, Any], ids: Sequence[str]) -> str:
    """Keep a result list (ids only) under a short key; the oldest lists are dropped."""
    stash = chat_data.setdefault("more", {})
    key = format(next(_keys), "x")
    stash[key] = tuple(ids)
    while len(stash) > STASH_SIZE:
        stash.pop(next(iter(stash)))
    return key


@dataclass(frozen=True)
class Kept:
    """What keep_question did: how many questions now wait, and whether an older one made room."""
    waiting: int
    dropped: bool


def keep_question(chat_data: MutableMapping[str, Any], text: str, now: float | None = None,
                  alerted: bool = False) -> Kept:
    """Hold a question until the place is known (memory only), after those already held.

    A school that writes a second message before giving the place ("tolk nodig") has asked two
    things; both are answered once the place comes. At most PENDING_MAX are held. The question
    that just came is always kept (the reply says so); among the older ones the oldest without an
    alert makes room first, so a question that raised a possible danger is the last to go (it
    already got its 112 line at once). A question that made room is counted as forgotten.
    """
    at = time.monotonic() if now is None else now
    _drop_stale(chat_data, at)
    kept = [*chat_data.get(PENDING_KEY, ()), (at, text, alerted)]
    dropped = len(kept) > PENDING_MAX
    while len(kept) > PENDING_MAX:
        older = kept[:-1]
        calm = [i for i, k in enumerate(older) if not k[2]]
        kept.pop(calm[0] if calm else 0)
        _count_forgotten(chat_data, 1)
    chat_data[PENDING_KEY] = kept
    return Kept(len(kept), dropped)


def _waited(kept: tuple[float, str, bool], now: float | None) -> float:
    """Seconds a kept (time, text, alerted) question has waited."""
    return (time.monotonic() if now is None else now) - kept[0]


def _fresh(kept: tuple[float, str, bool], now: float | None) -> bool:
    """A kept question may still be answered: it has waited PENDING_FOR seconds at most."""
    return _waited(kept, now) <= PENDING_FOR


def _count_forgotten(chat_data: MutableMapping[str, Any], n: int) -> None:
    if n:
        chat_data[FORGOTTEN_KEY] = chat_data.get(FORGOTTEN_KEY, 0) + n


@dataclass(frozen=True)
class Taken:
    """The kept questions in the order they were asked, and how many were forgotten unanswered
    (waited too long, or made room for a newer one) since the last place was given."""
    questions: tuple[str, ...]
    forgotten: int


def take_questions(chat_data: MutableMapping[str, Any], now: float | None = None) -> Taken:
    """The kept questions, forgotten by taking them (and the count of those forgotten before)."""
    _drop_stale(chat_data, now)
    kept = chat_data.pop(PENDING_KEY, ())
    return Taken(tuple(k[1] for k in kept), chat_data.pop(FORGOTTEN_KEY, 0))


def drop_stale_questions(chat_data: MutableMapping[str, Any], now: float | None = None) -> float | None:
    """Forget the kept questions that waited longer than PENDING_FOR (newer ones stay); the seconds
    until the next one goes stale, or None when none is left (for the job that calls this)."""
    _drop_stale(chat_data, now)
    return until_stale(chat_data, now)


def until_stale(chat_data: MutableMapping[str, Any], now: float | None = None) -> float | None:
    """Seconds until the oldest kept question has waited longer than PENDING_FOR; None if none waits."""
    kept = chat_data.get(PENDING_KEY, ())
    return max(PENDING_FOR - _waited(kept[0], now), 0.0) if kept else None


def _drop_stale(chat_data: MutableMapping[str, Any], now: float | None) -> None:
    kept = chat_data.get(PENDING_KEY, ())
    fresh = [k for k in kept if _fresh(k, now)]
    _count_forgotten(chat_data, len(kept) - len(fresh))
    if fresh:
        chat_data[PENDING_KEY] = fresh
    else:
        chat_data.pop(PENDING_KEY, None)


def page_of(knowledge: Knowledge, ids: Sequence[str], page: int) -> tuple[list[Service], bool]:
    """The services of one page (skipping any gone after a reload) and whether more follow."""
    start, end = page * render.PAGE_SIZE, (page + 1) * render.PAGE_SIZE
    services = [s for s in (knowledge.service(i) for i in ids[start:end]) if s is not None]
    return services, len(ids) > end


def likely_needs(knowledge: Knowledge, recognised: Sequence[str], postcode: int | None,
                 leave_out: Sequence[str] = (), limit: int = LIKELY_NEEDS) -> tuple[str, ...]:
    """The needs to offer when nothing fits: those recognised in the question first, then the
    needs with the most local services for this postcode, then the most Flemish ones (ties: the
    fixed theme order). Needs without any service here are not offered."""
    return needs_when_nothing_fits(knowledge, recognised, postcode, leave_out, limit)[0]


def needs_when_nothing_fits(knowledge: Knowledge, recognised: Sequence[str], postcode: int | None,
                            leave_out: Sequence[str] = (), limit: int = LIKELY_NEEDS
                            ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(likely_needs, the recognised needs no service here lists (KnowledgeBase.unserved)), from one
    count of the services serving `postcode`."""
    order = list(render.load_themes())
    local, flemish = knowledge.kb.theme_counts(postcode)
    offered = [t for t in order if (local[t] or flemish[t]) and t not in leave_out]
    offered.sort(key=lambda t: (t not in recognised, -local[t], -flemish[t], order.index(t)))
    unserved = tuple(t for t in recognised if not (local[t] or flemish[t]))
    return tuple(offered[:limit]), unserved


@dataclass(frozen=True)
class Outcome:
    reply: render.Reply
    kind: str                # "answer" | "ask-back" | "not-found" | "possible-danger": for logs, no text
    themes: tuple[str, ...] = ()      # recognised theme ids (for the anonymous signal)
    services: tuple[str, ...] = ()    # ids of the services shown


def compose(knowledge: Knowledge, question: str, postcode: int | None,
            stash: Callable[[Sequence[str]], str], today: date | None = None) -> Outcome:
    """The reply to a question; shared by the Telegram handler and the terminal chat."""
    hint = looks_personal(question, knowledge.proper_nouns)
    example = knowledge.is_example(postcode)
    result = knowledge.engine.search(question, postcode, SEARCH_LIMIT)
    if result.safety is not None and not result.found:
        # Life safety first: never "nothing fits" and never an ask-back instead of 112 and a door.
        entry = knowledge.engine.entry_points(postcode)
        return Outcome(render.safety_without_doors(result, entry, knowledge.place_name(postcode), example, today),
                       "answer", tuple(result.themes), tuple(s.id for s in entry))
    if result.ambiguous and result.themes:
        return Outcome(render.ask_back(result, privacy_hint=hint), "ask-back")
    if not result.found:
        # The general front doors, but not those of an organisation the question says the family
        # tried or refuses (it may be why nothing fits).
        entry = [s for s in knowledge.engine.entry_points(postcode) if s.organisation not in result.avoided]
        needs, unserved = needs_when_nothing_fits(knowledge, result.themes, postcode)
        return Outcome(render.not_found(entry, knowledge.place_name(postcode), example, hint, today, needs, unserved,
                                        emergency=result.names_emergency),
                       "not-found", tuple(result.themes), tuple(s.id for s in entry))
    ids = [m.id for m in result.matches]
    more = cd.MorePage(stash(ids), 1).encode() if len(ids) > render.PAGE_SIZE else None
    shown = [m.service for m in result.matches[: render.PAGE_SIZE]]
    return Outcome(render.answer(result, page_services=shown, more_data=more, example=example,
                                 privacy_hint=hint, today=today), "answer",
                   tuple(result.themes), tuple(s.id for s in shown))


def reading_before_place(knowledge: Knowledge, text: str) -> Answer:
    """How the search reads a message before the school's place is known (all of Flanders); what
    unknown_place and compose_urgent_first look at, searched once."""
    return knowledge.engine.search(text, None, SEARCH_LIMIT)


def unknown_place(text: str, reading: Answer) -> bool:
    """Whether a message before the place is known is a place we do not know, not a question to keep.
    `reading`: its reading_before_place.

    It looks like a place (places.looks_like_a_place: "Gent", "Sint-Niklaas") and the search reads
    no need in it, and either nothing at all or no more than an unsure alarm (below SAFETY_SURE).
    The alarm matters: a fresh reviewer typed "Brugge" as the first message and got the suicide
    doors ("brug"; 0.58), kept as a question and answered again after the place. The caller still
    shows the 112 line for such an alarm. "Voedselbank", "Zelfmoord", "Automutilation" (0.98) or an
    organisation's name ("CAW") typed the same way are questions."""
    if not looks_like_a_place(text) or reading.themes:
        return False
    if reading.safety is None:
        return not reading.found
    return reading.safety.probability < SAFETY_SURE


def unknown_place_replies(knowledge: Knowledge, text: str, reading: Answer | None = None) -> tuple[render.Reply, ...]:
    """What to say to a place we do not know (unknown_place), or () when `text` is no such place.

    `reading`: its reading_before_place when the caller has it; else it is searched here, and only
    for a place-like message. An unsure alarm on a place name ("Brugge") still gets the 112 line
    first, never silence; then the school hears the place is unknown."""
    if not looks_like_a_place(text):
        return ()
    reading = reading_before_place(knowledge, text) if reading is None else reading
    if not unknown_place(text, reading):
        return ()
    line = (render.possible_danger(),) if reading.safety is not None else ()
    return (*line, render.location_unknown(knowledge.example_place))


def compose_urgent_first(knowledge: Knowledge, reading: Answer, today: date | None = None) -> Outcome | None:
    """Before the school's place is known: the reply a possible danger needs at once, or None.
    `reading`: the message's reading_before_place.

    Asking "in welke gemeente?" first would keep 112 and a helpline from a school that wrote that a
    parent wants to end her life. The Flemish layer serves every place, so for a likely danger its
    urgent doors and "Bij acuut gevaar: bel 112" come right away. A possible danger that is no
    likely one ("uit haar huis gezet") gets the 112 line alone: its full answer, with an urgent door
    in it, follows once the place is given, and the school that never gives it still has 112. The
    question stays kept either way. Services of a region are left out: they may be elsewhere.
    """
    result = reading
    if result.safety is None:
        # A question that names 112 or an ambulance ("moet ik 112 bellen?") gets the number before
        # "in welke gemeente?" too; no door, since it raised no alert.
        return Outcome(render.emergency_named(), "possible-danger") if result.names_emergency else None
    if not result.safety.leads:
        return Outcome(render.possible_danger(), "possible-danger", tuple(result.themes))
    flemish = tuple(m for m in result.matches if m.service.postcodes is None)
    result = replace(result, matches=flemish)
    example = any(r.example for r in knowledge.kb.regions.values() if r.is_flemish_layer)
    if not flemish:
        return Outcome(render.safety_without_doors(result, (), None, example, today), "answer", tuple(result.themes))
    shown = [m.service for m in flemish[: render.PAGE_SIZE]]
    return Outcome(render.answer(result, page_services=shown, example=example, today=today), "answer",
                   tuple(result.themes), tuple(s.id for s in shown))


def compose_more(knowledge: Knowledge, key: str, ids: Sequence[str] | None, page: int,
                 postcode: int | None, today: date | None = None) -> render.Reply:
    if not ids:
        return render.expired()
    services, has_more = page_of(knowledge, ids, page)
    if not services:
        return render.expired()
    return render.answer(
        Answer((), ()), page_services=services, first=page * render.PAGE_SIZE + 1,
        more_data=cd.MorePage(key, page + 1).encode() if has_more else None,
        example=knowledge.is_example(postcode), heading="➕ <b>Meer resultaten</b>", today=today)


def compose_theme(knowledge: Knowledge, theme_id: str, page: int, postcode: int | None,
                  today: date | None = None) -> render.Reply:
    return theme_outcome(knowledge, theme_id, page, postcode, today).reply


def theme_outcome(knowledge: Knowledge, theme_id: str, page: int, postcode: int | None,
                  today: date | None = None) -> Outcome:
    limit = (page + 1) * render.PAGE_SIZE + 1
    result = knowledge.engine.by_theme(theme_id, postcode, limit)
    ids = [m.id for m in result.matches]
    services, has_more = page_of(knowledge, ids, page)
    if not services:
        entry = knowledge.engine.entry_points(postcode)
        # The chosen need is left out of the offer, so naming it recognised changes only `unserved`.
        needs, unserved = needs_when_nothing_fits(knowledge, (theme_id,), postcode, leave_out=(theme_id,))
        return Outcome(render.not_found(entry, knowledge.place_name(postcode), knowledge.is_example(postcode),
                                        today=today, needs=needs, unserved=unserved),
                       "not-found", (theme_id,), tuple(s.id for s in entry))
    return Outcome(render.answer(
        result, page_services=services, first=page * render.PAGE_SIZE + 1,
        more_data=cd.ThemePage(theme_id, page + 1).encode() if has_more else None,
        example=knowledge.is_example(postcode),
        heading="🔎 <b>" + render.esc(render.theme_title(theme_id)) + "</b>"
        + (f"\n🚨 {render.esc(ACUTE_LINE)}" if theme_id in ACUTE_THEMES else ""), today=today),
        "answer", (theme_id,), tuple(s.id for s in services))
