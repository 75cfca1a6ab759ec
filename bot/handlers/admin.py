"""/beheer: organisations keep their own offer right; /herlaad: a coordinator loads new region files.

Bind with an invite code, pick a service, pick a field, type or tick the new value, see old → new
and confirm. Each confirmation is one revision (kennisbank/revisions.py), written in one
transaction that first checks nobody changed the field since the preview; right after it the
bot builds a new knowledge snapshot (in a worker thread) and swaps it in, so searches answer
with the change at once.

The conversation lives in SQLite (bot/admin_session.py), read once per user into memory, so it
survives a restart. The region files without revisions (the baseline) are kept in
state.extra["baseline"]; the bot answers from baseline + revisions.
"""
from __future__ import annotations

import asyncio
import logging
import signal
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters,
)

from kennisbank import editors
from kennisbank import fields as fieldcheck
from kennisbank import revisions as rv
from kennisbank.fields import FieldError
from kennisbank.interop.importing import slugify, unique_id
from kennisbank.reload import reload_directory, report
from kennisbank.schema import KnowledgeBase, Region, Service

from .. import admin_session, admin_view, callbacks
from ..admin_session import Session
from ..render import Reply
from ..state import STATE_KEY, BotState, Knowledge, get_state
from . import reply_chat_id, send

log = logging.getLogger(__name__)

RUNTIME_KEY = "admin"
PRELOAD_GROUP = -50
BASELINE_KEY = "baseline"
CHOICE_FIELDS = ("themes", "languages", "area", "status")
NEW_STEPS = ("organisation", "region", "name", "summary", "themes", "area", "contact.name",
             "contact.phone", "contact.email")
NEW_OPTIONAL = ("contact.phone", "contact.email")


@dataclass
class Runtime:
    """The admin module's share of the bot state."""
    baseline: KnowledgeBase
    sessions: dict[int, Session | None] = field(default_factory=dict)   # None: known to have none
    rebuild: asyncio.Lock = field(default_factory=asyncio.Lock)


def runtime(state: BotState) -> Runtime:
    rt = state.extra.get(RUNTIME_KEY)
    if rt is None:
        rt = state.extra[RUNTIME_KEY] = Runtime(state.knowledge.kb)
        state.extra[BASELINE_KEY] = rt.baseline
    return rt


def edit_service_data(service_id: str) -> str:
    """Callback data that opens a service in /beheer (used by reminders and reports)."""
    return callbacks.admin_service("s", service_id)


# ── knowledge: rebuild after a change, reload new files ─────────────────────────────────────

def _snapshot(kb: KnowledgeBase) -> Knowledge:
    knowledge = Knowledge.build(kb)
    knowledge.engine.prepare()   # build the whole index here, in the worker thread, not on a question
    return knowledge


async def refresh(state: BotState) -> None:
    """Baseline + every revision, as a new snapshot swapped in with one assignment."""
    rt = runtime(state)
    async with rt.rebuild:   # one at a time; each reads the latest revisions, so the last one wins
        kb, _ = await rv.load_effective(state.store, rt.baseline)
        state.knowledge = await asyncio.to_thread(_snapshot, kb)


async def reload_files(state: BotState) -> str:
    """Read the region files again; on errors keep serving the last good knowledge base."""
    rt = runtime(state)
    if state.kb_dir is None:
        return "Er is geen map met regio-bestanden bekend (start de bot met --kb MAP)."
    async with rt.rebuild:
        revisions = await rv.load_revisions(state.store)
        result = await asyncio.to_thread(reload_directory, state.kb_dir, revisions)
        if result.ok:
            knowledge = await asyncio.to_thread(_snapshot, result.kb)
            rt.baseline = state.extra[BASELINE_KEY] = result.baseline
            state.knowledge = knowledge
    log.info("region files reloaded: %s, %d conflicts", "ok" if result.ok else "refused", len(result.conflicts))
    return report(result)


async def post_init(application: Application) -> None:
    """At start: answer from baseline + stored revisions; SIGHUP reloads the region files."""
    state: BotState = application.bot_data[STATE_KEY]
    runtime(state)   # keeps the baseline before the first swap
    if await rv.load_revisions(state.store):
        await refresh(state)
    if state.kb_dir is not None:
        try:
            asyncio.get_running_loop().add_signal_handler(
                signal.SIGHUP, lambda: asyncio.ensure_future(_on_sighup(application)))
        except (NotImplementedError, RuntimeError, AttributeError):  # not on this platform / thread
            log.info("SIGHUP reload not available here; coordinators can use /herlaad")


async def _on_sighup(application: Application) -> None:
    state: BotState = application.bot_data[STATE_KEY]
    text = await reload_files(state)
    for user_id in await _coordinator_ids(state):
        try:
            await application.bot.send_message(user_id, admin_view.reload_report(text).html, parse_mode="HTML")
        except TelegramError as exc:   # never started the bot, or blocked it
            log.warning("reload report not delivered: %s", type(exc).__name__)


async def _coordinator_ids(state: BotState) -> list[int]:
    ids = set(editors.configured_coordinators())
    ids.update(uid for uid, _region in await editors.list_coordinators(state.store))
    return sorted(ids)


# ── sessions ──────────────────────────────────────────────────────────────────────────────

async def get_session(state: BotState, user_id: int) -> Session | None:
    rt = runtime(state)
    if user_id not in rt.sessions:
        if len(rt.sessions) > 50_000:
            rt.sessions.clear()
        rt.sessions[user_id] = await admin_session.load(state.store, user_id)
    return rt.sessions[user_id]


async def put_session(state: BotState, user_id: int, session: Session) -> None:
    session.touch()
    await admin_session.save(state.store, user_id, session)
    runtime(state).sessions[user_id] = session


class _AwaitingText(filters.MessageFilter):
    """Text is for /beheer only while this user's conversation waits for it (see admin_session)."""

    def __init__(self, rt: Runtime):
        super().__init__(name="awaiting_admin_text")
        self.rt = rt

    def filter(self, message: Message) -> bool:
        user = message.from_user
        session = self.rt.sessions.get(user.id) if user is not None else None
        if session is None or not session.awaits_text():
            return False
        # Waiting for a code, only something shaped like one is taken: a question typed instead
        # still reaches the search (and is not counted as a wrong code).
        return session.step != "code" or looks_like_code(message.text or "")


def looks_like_code(text: str) -> bool:
    compact = editors.normalise_code(text)
    return 12 <= len(compact) <= 30 and compact.isalnum() and compact.isascii()


async def preload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """PRELOAD_GROUP, before every feature: have the user's session in memory; a command ends a text step."""
    user = update.effective_user
    if user is None:
        return
    state = get_state(context)
    session = await get_session(state, user.id)
    text = (update.message.text or "") if update.message is not None else ""
    if session is not None and session.step in admin_session.TEXT_STEPS and text.startswith("/") \
            and text.split()[0].split("@")[0] not in ("/beheer", "/herlaad"):
        await put_session(state, user.id, session.reset())


# ── who may do what ───────────────────────────────────────────────────────────────────────

async def roles(state: BotState, user_id: int) -> editors.Roles:
    return await editors.roles_of(state.store, user_id)


def my_organisations(r: editors.Roles, kb: KnowledgeBase) -> list[str]:
    orgs = {s.organisation for s in r.services(kb)} | set(r.organisations)
    return sorted(orgs, key=str.casefold)


def find_mine(r: editors.Roles, knowledge: Knowledge, service_hash: str) -> Service | None:
    """A service by its hash, only among those this user may change (forged buttons find nothing)."""
    service = knowledge.kb.services.get(knowledge.by_hash.get(service_hash, ""))
    return service if service is not None and r.may_edit(service) else None


async def current(state: BotState, service_id: str) -> tuple[Service | None, list[rv.Revision]]:
    """The service as it is now in the database (not the possibly older snapshot)."""
    revisions = await rv.load_revisions(state.store, service_id=service_id)
    return rv.effective_service(runtime(state).baseline, service_id, revisions), revisions


# ── replies ───────────────────────────────────────────────────────────────────────────────

async def _send(context: ContextTypes.DEFAULT_TYPE, update: Update, reply: Reply) -> None:
    await send(context, reply_chat_id(update), reply)


async def show_menu(update: Update, context: ContextTypes.DEFAULT_TYPE, session: Session, prefix: str = "",
                    page: int = 0) -> None:
    state = get_state(context)
    user_id = update.effective_user.id
    r = await roles(state, user_id)
    kb = state.knowledge.kb
    orgs = my_organisations(r, kb)
    if session.org is None and len(orgs) == 1:
        session.org = orgs[0]
    if session.org is None or session.org not in orgs:
        session.org = None
        await put_session(state, user_id, session)
        await _send(context, update, admin_view.organisations(orgs, page, r.is_coordinator, prefix))
        return
    await put_session(state, user_id, session)
    items = sorted((s for s in r.services(kb) if s.organisation == session.org), key=lambda s: s.name.casefold())
    await _send(context, update, admin_view.services(session.org, items, page, prefix, more_orgs=len(orgs) > 1
                                                     or r.is_coordinator))


async def show_service(update: Update, context: ContextTypes.DEFAULT_TYPE, service_id: str, prefix: str = ""
                       ) -> None:
    state = get_state(context)
    service, revisions = await current(state, service_id)
    if service is None:
        await _send(context, update, admin_view.expired())
        return
    await _send(context, update, admin_view.service_view(service, rv.last_edited(revisions, service_id), prefix))


# ── /beheer and typed text ─────────────────────────────────────────────────────────────────

async def on_beheer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    user_id = update.effective_user.id
    session = (await get_session(state, user_id) or Session()).reset()
    if context.args:   # /beheer CODE: bind in one go
        await _redeem(update, context, session, " ".join(context.args))
        return
    r = await roles(state, user_id)
    if not r.is_coordinator and not r.is_editor:
        session.step = "code"
        await put_session(state, user_id, session)
        await _send(context, update, admin_view.ask_code(user_id))
        return
    await show_menu(update, context, session)


async def _redeem(update: Update, context: ContextTypes.DEFAULT_TYPE, session: Session, code: str) -> None:
    state = get_state(context)
    user_id = update.effective_user.id
    try:
        organisation = await editors.redeem(state.store, user_id, code)
    except editors.InviteError as exc:
        session.step = "code"
        await put_session(state, user_id, session)
        await _send(context, update, admin_view.code_refused(str(exc)))
        return
    session = Session(org=organisation)
    await show_menu(update, context, session, prefix=admin_view.bound(organisation))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    user_id = update.effective_user.id
    session = await get_session(state, user_id)
    text = update.effective_message.text or ""
    if session is None:
        return
    if session.step == "code":
        await _redeem(update, context, session, text)
    elif session.step == "value":
        await _typed_value(update, context, session, text)
    elif session.step == "new":
        await _typed_new(update, context, session, text)


async def _typed_value(update: Update, context: ContextTypes.DEFAULT_TYPE, session: Session, text: str) -> None:
    state = get_state(context)
    user_id = update.effective_user.id
    r = await roles(state, user_id)
    service, _ = await current(state, session.service)
    if service is None or not r.may_edit(service):
        await put_session(state, user_id, session.reset())
        await _send(context, update, admin_view.not_allowed())
        return
    region = state.knowledge.kb.regions.get(service.region_id) or runtime(state).baseline.regions[service.region_id]
    try:
        new = rv.FIELDS[session.field].parse(text, region)
        rv.change_service(service, session.field, new, region)   # the whole entry must stay valid
    except FieldError as exc:
        await put_session(state, user_id, session)   # still waiting for a good value
        await _send(context, update, admin_view.invalid(str(exc), session.field))
        return
    await _preview(update, context, session, service, new)


async def _preview(update: Update, context: ContextTypes.DEFAULT_TYPE, session: Session, service: Service,
                   new) -> None:
    state = get_state(context)
    old = rv.current_value(service, session.field)
    if new == old:
        await put_session(state, update.effective_user.id, session)
        await _send(context, update, admin_view.same_value() if session.step == "value" else
                    admin_view.problem("Dat is dezelfde waarde als nu; er verandert niets."))
        return
    session.step, session.old, session.new = "confirm", old, new
    await put_session(state, update.effective_user.id, session)
    await _send(context, update, admin_view.preview(service, session.field, old, new))


# ── buttons ───────────────────────────────────────────────────────────────────────────────

async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    data = query.data or ""
    state = get_state(context)
    user_id = update.effective_user.id
    r = await roles(state, user_id)
    session = await get_session(state, user_id) or Session()
    kind, rest = data[1:2], data[2:]
    if not r.is_coordinator and not r.is_editor:
        if kind == "n":   # leaving the code question
            await put_session(state, user_id, session.reset())
            await _send(context, update, Reply(admin_view.cancelled()))
        else:
            await _send(context, update, admin_view.no_role())
        return
    if kind in ("s", "f", "v"):
        await _service_button(update, context, r, session, kind, rest)
    elif kind == "m":
        await show_menu(update, context, session.reset())
    elif kind in ("O", "P") and rest.isdigit():
        session = session.reset()
        if kind == "O":
            session.org = None
        await show_menu(update, context, session, page=int(rest))
    elif kind == "o" and rest.isdigit():
        orgs = my_organisations(r, state.knowledge.kb)
        if int(rest) >= len(orgs):
            await _send(context, update, admin_view.expired())
            return
        session = Session(org=orgs[int(rest)])
        await show_menu(update, context, session)
    elif kind == "n":
        await _cancel(update, context, session)
    elif kind == "a" and r.is_coordinator:
        await _audit(update, context, r)
    elif kind == "c" and rest.isdigit():
        await _tick(update, context, r, session, int(rest))
    elif kind == "d":
        await _done_choosing(update, context, r, session)
    elif kind == "y":
        await _confirm(update, context, r, session)
    elif kind == "+":
        await _start_new(update, context, r, session, new_org=False)
    elif kind == "N" and r.is_coordinator:
        await _start_new(update, context, r, session, new_org=True)
    elif kind == "k" and session.step == "new" and session.field in NEW_OPTIONAL:
        await _next_new(update, context, r, session)
    else:
        await _send(context, update, admin_view.expired())


async def _service_button(update: Update, context: ContextTypes.DEFAULT_TYPE, r: editors.Roles, session: Session,
                          kind: str, rest: str) -> None:
    state = get_state(context)
    user_id = update.effective_user.id
    service_hash, _, arg = rest.partition(":")
    service = find_mine(r, state.knowledge, service_hash)
    if service is None:
        await _send(context, update, admin_view.not_allowed())
        return
    if kind == "s":
        session = session.reset()
        session.org, session.service = service.organisation, service.id
        await put_session(state, user_id, session)
        await show_service(update, context, service.id)
    elif kind == "v":
        today = date.today()
        try:
            await rv.record(state.store, runtime(state).baseline, user_id=user_id, service_id=service.id,
                            field="last_verified", new=today.isoformat(), may_edit=r.may_edit)
        except rv.NotAllowed as exc:
            await _send(context, update, admin_view.problem(str(exc)))
            return
        await refresh(state)
        await show_service(update, context, service.id, prefix=admin_view.verified(today))
    elif kind == "f" and arg.isdigit() and int(arg) < len(rv.MENU_FIELDS):
        key = rv.MENU_FIELDS[int(arg)]
        fresh, _ = await current(state, service.id)
        session = Session(org=service.organisation, service=service.id, field=key)
        value = rv.current_value(fresh, key)
        if key in CHOICE_FIELDS:
            session.step = "choose"
            session.selected = list(value) if isinstance(value, list) else [value]
            await put_session(state, user_id, session)
            await _send(context, update, _choose_reply(state, session, fresh))
        else:
            session.step = "value"
            await put_session(state, user_id, session)
            await _send(context, update, admin_view.ask_value(fresh, key, value))
    else:
        await _send(context, update, admin_view.expired())


def _region_of(state: BotState, session: Session) -> Region | None:
    kb = state.knowledge.kb
    if session.step == "new":
        return kb.regions.get(session.draft.get("region", ""))
    service = kb.services.get(session.service or "")
    return kb.regions.get(service.region_id) if service else None


def _options(state: BotState, session: Session) -> list[tuple[str, str]]:
    kb = state.knowledge.kb
    if session.step == "new" and session.field == "region":
        return [(rid, kb.regions[rid].name) for rid in session.choices if rid in kb.regions]
    opts = admin_view.options(session.field, _region_of(state, session))
    known = {value for value, _ in opts}
    # A value the entry already has but no button offers (a rarer language) stays visible, so it can be removed.
    return opts + [(v, admin_view.language_name(v) if session.field == "languages" else v)
                   for v in session.selected if v not in known]


def _choose_reply(state: BotState, session: Session, service: Service | None = None) -> Reply:
    title = rv.FIELDS[session.field].label if session.field in rv.FIELDS else "Regio"
    if service is not None:
        title += f" van {service.name}"
    single = session.field in ("status", "region")
    return admin_view.choose(title, session.field, _options(state, session), session.selected, single)


async def _tick(update: Update, context: ContextTypes.DEFAULT_TYPE, r: editors.Roles, session: Session,
                index: int) -> None:
    state = get_state(context)
    opts = _options(state, session) if session.step in ("choose", "new") and session.field else []
    if index >= len(opts):
        await _send(context, update, admin_view.expired())
        return
    value = opts[index][0]
    if session.field in ("status", "region"):   # one value: choosing it is done
        session.selected = [value]
        await _done_choosing(update, context, r, session)
        return
    if value in session.selected:
        session.selected.remove(value)
    elif session.field == "area":   # heel de regio and single municipalities exclude each other
        session.selected = [value] if value == "all" else [v for v in session.selected if v != "all"] + [value]
    else:
        session.selected.append(value)
    await put_session(state, update.effective_user.id, session)
    await _send(context, update, _choose_reply(state, session))


async def _done_choosing(update: Update, context: ContextTypes.DEFAULT_TYPE, r: editors.Roles,
                         session: Session) -> None:
    state = get_state(context)
    if session.step == "new":
        await _typed_new(update, context, session, None)
        return
    if session.step != "choose":
        await _send(context, update, admin_view.expired())
        return
    service, _ = await current(state, session.service)
    if service is None or not r.may_edit(service):
        await put_session(state, update.effective_user.id, session.reset())
        await _send(context, update, admin_view.not_allowed())
        return
    region = _region_of(state, session)
    if session.field == "status" or (session.field == "area" and session.selected == ["all"]):
        value = session.selected[0] if session.selected else None
    else:
        value = list(session.selected)
    try:
        new = rv.FIELDS[session.field].check(value, region)
        rv.change_service(service, session.field, new, region)
    except FieldError as exc:
        await put_session(state, update.effective_user.id, session)
        await _send(context, update, admin_view.problem(str(exc)))
        await _send(context, update, _choose_reply(state, session))
        return
    await _preview(update, context, session, service, new)


async def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, r: editors.Roles, session: Session) -> None:
    state = get_state(context)
    user_id = update.effective_user.id
    if session.step == "new" and session.field == "preview":
        await _create(update, context, r, session)
        return
    if session.step != "confirm" or session.field not in rv.FIELDS:
        await _send(context, update, admin_view.expired())
        return
    try:
        await rv.record(state.store, runtime(state).baseline, user_id=user_id, service_id=session.service,
                        field=session.field, new=session.new, expected=session.old, may_edit=r.may_edit)
    except rv.StaleEdit as exc:
        session.old = exc.current   # ask again, against what is there now
        await put_session(state, user_id, session)
        await _send(context, update, admin_view.stale(session.field, exc.current, session.new))
        return
    except (rv.NotAllowed, KeyError):
        await put_session(state, user_id, session.reset())
        await _send(context, update, admin_view.not_allowed())
        return
    except FieldError as exc:   # the entry changed underneath so that this value no longer fits
        await put_session(state, user_id, session.reset())
        await _send(context, update, admin_view.problem(str(exc)))
        return
    key, service_id = session.field, session.service
    await put_session(state, user_id, session.reset())
    await refresh(state)
    await show_service(update, context, service_id, prefix=admin_view.saved(key))


async def _cancel(update: Update, context: ContextTypes.DEFAULT_TYPE, session: Session) -> None:
    state = get_state(context)
    service_id = session.service if session.step in ("value", "choose", "confirm") else None
    await put_session(state, update.effective_user.id, session.reset())
    if service_id:
        await show_service(update, context, service_id, prefix=admin_view.cancelled())
    else:
        await show_menu(update, context, session.reset(), prefix=admin_view.cancelled())


async def _audit(update: Update, context: ContextTypes.DEFAULT_TYPE, r: editors.Roles, limit: int = 15) -> None:
    state = get_state(context)
    everything = await rv.load_revisions(state.store)
    mine = [rev for rev in everything if r.coordinates(rev.region_id)]
    shown = list(reversed(mine[-limit:]))
    await _send(context, update, admin_view.audit(shown, rv.switched_off(everything), len(mine)))


# ── a new service, step by step ────────────────────────────────────────────────────────────

def _region_for_new(r: editors.Roles, kb: KnowledgeBase, organisation: str | None) -> str | None:
    if organisation:
        regions = Counter(s.region_id for s in kb.services.values() if s.organisation == organisation)
        if regions:
            return regions.most_common(1)[0][0]
    own = [rid for rid in r.coordinator_regions if rid and rid in kb.regions]
    if len(own) == 1 and editors.ALL_REGIONS not in r.coordinator_regions:
        return own[0]
    return None


async def _start_new(update: Update, context: ContextTypes.DEFAULT_TYPE, r: editors.Roles, session: Session,
                     new_org: bool) -> None:
    state = get_state(context)
    organisation = None if new_org else session.org
    if organisation is None and not r.is_coordinator:
        await _send(context, update, admin_view.expired())
        return
    draft: dict = {}
    if organisation:
        draft["organisation"] = organisation
    region = _region_for_new(r, state.knowledge.kb, organisation)
    if region:
        draft["region"] = region
    session = Session(step="new", org=organisation, draft=draft, field=None)
    await _next_new(update, context, r, session)


async def _next_new(update: Update, context: ContextTypes.DEFAULT_TYPE, r: editors.Roles, session: Session) -> None:
    """Ask the first step the draft does not have yet (a skipped step counts as answered)."""
    state = get_state(context)
    if session.field is not None and session.field in NEW_OPTIONAL:
        session.draft.setdefault(session.field, None)
    todo = [k for k in NEW_STEPS if k not in session.draft]
    if not todo and not (session.draft.get("contact.phone") or session.draft.get("contact.email")):
        for key in NEW_OPTIONAL:
            session.draft.pop(key, None)
        todo = list(NEW_OPTIONAL)
        await _send(context, update, admin_view.problem("Geef minstens een telefoon of e-mail, zodat scholen "
                                                        "het aanbod kunnen bereiken."))
    if not todo:
        session.field = "preview"
        session.draft = {k: v for k, v in session.draft.items() if v is not None}
        await put_session(state, update.effective_user.id, session)
        await _send(context, update, admin_view.new_preview(session.draft))
        return
    key = todo[0]
    session.field, session.selected = key, []
    if key == "region":   # only regions this coordinator may add to
        session.choices = [rid for rid in sorted(state.knowledge.kb.regions) if r.coordinates(rid)]
    if key in ("region", "themes", "area"):
        await put_session(state, update.effective_user.id, session)
        await _send(context, update, _choose_reply(state, session))
        return
    await put_session(state, update.effective_user.id, session)
    number = NEW_STEPS.index(key) + 1
    await _send(context, update, admin_view.ask_new(key, number, len(NEW_STEPS), key in NEW_OPTIONAL))


async def _typed_new(update: Update, context: ContextTypes.DEFAULT_TYPE, session: Session, text: str | None) -> None:
    """A typed answer (text) or the ticked buttons (text None) for the current new-service step."""
    state = get_state(context)
    user_id = update.effective_user.id
    r = await roles(state, user_id)
    key = session.field
    region = state.knowledge.kb.regions.get(session.draft.get("region", ""))
    try:
        if key in ("region", "themes", "area"):
            if text is not None:   # typed while buttons are expected: show them again
                raise FieldError("tik op de knoppen hieronder")
            if key == "region":
                value = session.selected[0] if session.selected else None
                if value not in state.knowledge.kb.regions:
                    raise FieldError("kies een regio")
            else:
                chosen = "all" if key == "area" and session.selected == ["all"] else list(session.selected)
                value = rv.FIELDS[key].check(chosen, region)
        elif key in ("organisation", "name"):
            value = fieldcheck.text(text or "", max_len=rv.TEXT_MAX, what="naam")
        elif key in rv.FIELDS:
            value = rv.FIELDS[key].parse(text or "", region)
        else:
            await _send(context, update, admin_view.expired())
            return
    except FieldError as exc:
        await put_session(state, user_id, session)
        await _send(context, update, admin_view.invalid(str(exc), key))
        if key in ("region", "themes", "area"):
            await _send(context, update, _choose_reply(state, session))
        return
    session.draft[key] = value
    await _next_new(update, context, r, session)


async def _create(update: Update, context: ContextTypes.DEFAULT_TYPE, r: editors.Roles, session: Session) -> None:
    state = get_state(context)
    user_id = update.effective_user.id
    draft = dict(session.draft)
    taken = set(state.knowledge.kb.services)
    service_id = unique_id(slugify(f"{draft.get('organisation', '')} {draft.get('name', '')}")[:60].strip("-")
                           or "aanbod", taken)
    try:
        await rv.record(state.store, runtime(state).baseline, user_id=user_id, service_id=service_id,
                        field=rv.NEW_SERVICE, new=draft, may_edit=r.may_edit)
    except rv.NotAllowed:
        await put_session(state, user_id, session.reset())
        await _send(context, update, admin_view.not_allowed())
        return
    except FieldError as exc:
        await put_session(state, user_id, session)
        await _send(context, update, admin_view.problem(str(exc)))
        return
    session = Session(org=draft.get("organisation"), service=service_id)
    await put_session(state, user_id, session)
    await refresh(state)
    await show_service(update, context, service_id, prefix=admin_view.created(draft.get("name", "")))


# ── /herlaad ──────────────────────────────────────────────────────────────────────────────

async def on_herlaad(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = get_state(context)
    r = await roles(state, update.effective_user.id)
    if not r.is_coordinator:
        await _send(context, update, admin_view.reload_refused_role())
        return
    await _send(context, update, admin_view.reload_report(await reload_files(state)))


def register(application: Application) -> None:
    """Before handlers.ask: while a /beheer step waits for text, that text is a value, not a question."""
    rt = runtime(application.bot_data[STATE_KEY])
    # A group of its own, before all others: the first matching handler of a group wins, so
    # sharing a group would hide another feature's handler.
    application.add_handler(MessageHandler(filters.TEXT, preload), group=PRELOAD_GROUP)
    application.add_handler(CallbackQueryHandler(preload, pattern=callbacks.PATTERN_ADMIN), group=PRELOAD_GROUP)
    application.add_handler(CommandHandler("beheer", on_beheer))
    application.add_handler(CommandHandler("herlaad", on_herlaad))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.PATTERN_ADMIN))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & _AwaitingText(rt), on_text))
