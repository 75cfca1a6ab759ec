"""/beheer: organisations keep their own offer right, as one persistent ConversationHandler.

Bind with an invite code, pick a service, pick a field, type or tick the new value, see old → new
and confirm. Each confirmation is one revision (kennisbank/revisions.py), written in one
transaction that first checks nobody changed the field since the preview; the knowledge service
then swaps in a new snapshot, so searches answer with the change at once.

States (the ConversationHandler's, mirrored in `Session.step` so the shared button callback
knows where it is):
  code         waiting for an invite code: only code-shaped text is taken, a question typed
               instead still reaches the search
  value        waiting for a typed value of one field
  choose       ticking options (themes, languages, area, status)
  confirm      old → new shown, waiting for Bevestigen
  new          the new-service wizard, one step at a time (typed or ticked)
  new-preview  the whole new service shown, waiting for Bevestigen
Between flows (the menu, a service's page) the conversation has ended: any /beheer button
starts it again. Any other command ends a step, so text after it is a question again; an hour
without activity ends it too, with a message (conversation_timeout). The state and the Session
(organisation data only, never a question) survive a restart through bot/persistence.py.
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from kennisbank import editors
from kennisbank import fields as fieldcheck
from kennisbank import revisions as rv
from kennisbank.fields import FieldError
from kennisbank.interop.importing import slugify, unique_id
from kennisbank.schema import KnowledgeBase, Region, Service
from kennisbank.services.knowledge import Knowledge

from .. import admin_view
from .. import callback_data as cd
from ..context import BotContext
from ..handlers import answer_button, reply_chat_id, send
from ..privacy import remark_is_personal
from ..render import Reply
from ..state import BotState
from . import deadline, flow_handler, past
from . import sweep_expired as sweep_flows

log = logging.getLogger(__name__)

NAME = "beheer"                 # the conversation's name in the persistence, and its user_data key
TIMEOUT = timedelta(hours=1)    # a step without activity ends (and says so)
CHOICE_FIELDS = ("themes", "languages", "area", "status")
NEW_STEPS = ("organisation", "region", "name", "summary", "themes", "area", "contact.name",
             "contact.phone", "contact.email")
NEW_OPTIONAL = ("contact.phone", "contact.email")
# Free text about the offer: a family's name, phone or e-mail does not belong there (a question
# typed into the wrong step, say), so these are refused when they look personal. The service's
# own contact details and names are fine (bot/privacy.remark_is_personal).
FREE_TEXT = frozenset({"hours", "summary", "description", "keywords", "bring"})
IDLE = "idle"                   # no step open: the conversation has ended
STATES = ("code", "value", "choose", "confirm", "new", "new-preview")
UNFINISHED = frozenset(STATES)  # a time-out in one of these is told to the user
TEXT_STEPS = frozenset({"code", "value", "new"})


@dataclass
class Session:
    """The /beheer flow's data, kept in user_data[NAME] as a plain dict (persisted as JSON)."""

    step: str = IDLE              # IDLE or one of STATES
    org: str | None = None        # the organisation chosen in the menu
    service: str | None = None    # service id being changed
    field: str | None = None      # kennisbank.revisions.FIELDS key, or a new-service step
    old: Any = None               # the value shown in the preview (compared when confirming)
    new: Any = None               # the pending new value
    selected: list[str] = dataclass_field(default_factory=list)   # buttons ticked in a choose step
    draft: dict[str, Any] = dataclass_field(default_factory=dict)  # a new service, step by step
    choices: list[str] = dataclass_field(default_factory=list)     # options of a step that depend on the user
    until: str = ""               # ISO UTC time an open step times out ("" when none is open)

    @classmethod
    def from_data(cls, data: object) -> Session:
        """The session kept in user_data[NAME]; a fresh one for none or an unreadable one."""
        if not isinstance(data, dict):
            return cls()
        try:
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except TypeError:   # written by another version: start over rather than crash
            return cls()

    @classmethod
    def of(cls, context: BotContext) -> Session:
        return cls.from_data((context.user_data or {}).get(NAME))

    def keep(self, context: BotContext, now: datetime | None = None) -> None:
        """Store in user_data; an open step gets its deadline TIMEOUT from now."""
        self.until = deadline(TIMEOUT, now) if self.step in STATES else ""
        if context.user_data is not None:
            context.user_data[NAME] = asdict(self)

    def expired(self, now: datetime | None = None) -> bool:
        """An open step past its deadline (see bot/conversations.past)."""
        return self.step in STATES and bool(self.until) and past(self.until, now)

    def reset(self) -> Session:
        """Back to the menu, keeping only the chosen organisation."""
        return Session(org=self.org)


def _state(session: Session) -> object:
    return session.step if session.step in STATES else ConversationHandler.END


Callback = Callable[[Update, BotContext], Coroutine[Any, Any, object]]


def _step(callback: Callback) -> Callback:
    """The update is /beheer's: stop here (no search for it) and move to the session's step.

    A callback that returns ConversationHandler.END hands the update on (it was not /beheer's:
    text after the step ended). A step past its deadline first times out and says so.
    """
    async def handler(update: Update, context: BotContext) -> object:
        session = Session.of(context)
        if session.expired():
            await _time_out(update, context, session)
        if await callback(update, context) is ConversationHandler.END:
            return ConversationHandler.END
        session = Session.of(context)
        session.keep(context)            # any activity in a step moves its deadline
        raise ApplicationHandlerStop(_state(session))
    handler.__name__ = callback.__name__
    return handler


async def _time_out(update: Update, context: BotContext, session: Session) -> None:
    """End the open step and tell the user."""
    session.reset().keep(context)
    await send(context, reply_chat_id(update), admin_view.timed_out())


# ── who may do what ───────────────────────────────────────────────────────────────────────

async def roles(state: BotState, user_id: int) -> editors.Roles:
    return await editors.roles_of(state.store, user_id)


def my_organisations(r: editors.Roles, kb: KnowledgeBase) -> list[editors.Organisation]:
    """The organisations this user may change, by key (session.org holds the key)."""
    known = editors.organisations_by_key(kb)
    keys = {s.org_key for s in r.services(kb)}
    return sorted((known[k] for k in keys), key=lambda o: (o.name.casefold(), o.regions, o.key))


def _labels(orgs: list[editors.Organisation]) -> list[str]:
    """A name, with its regions when another organisation in the list has the same name."""
    names = Counter(o.name.casefold() for o in orgs)
    return [o.label if names[o.name.casefold()] > 1 else o.name for o in orgs]


def find_mine(r: editors.Roles, knowledge: Knowledge, service_hash: str) -> Service | None:
    """A service by its hash, only among those this user may change (forged buttons find nothing)."""
    service = knowledge.kb.services.get(knowledge.by_hash.get(service_hash, ""))
    return service if service is not None and r.may_edit(service) else None


def looks_like_code(text: str) -> bool:
    """Exactly an invite code's length in its alphabet, once spaces and dashes are gone: a short
    question ("hulp bij pesten") is never taken for a (wrong) code."""
    compact = editors.normalise_code(text)
    return len(compact) == editors.CODE_LENGTH and all(c in editors.ALPHABET for c in compact)


class _CodeShaped(filters.MessageFilter):
    """Waiting for a code, only something shaped like one is taken (and counted as a try)."""

    def filter(self, message: Message) -> bool:
        return looks_like_code(message.text or "")


def _user_id(update: Update) -> int:
    user = update.effective_user
    if user is None:   # every update /beheer handles has a user (messages and buttons in chats)
        raise ValueError("an update without a user reached /beheer")
    return user.id


# ── replies ───────────────────────────────────────────────────────────────────────────────

async def _send(context: BotContext, update: Update, reply: Reply) -> None:
    await send(context, reply_chat_id(update), reply)


async def show_menu(update: Update, context: BotContext, session: Session, prefix: str = "",
                    page: int = 0) -> None:
    state = context.state
    r = await roles(state, _user_id(update))
    kb = state.knowledge.kb
    orgs = my_organisations(r, kb)
    keys = [o.key for o in orgs]
    if session.org is None and len(orgs) == 1:
        session.org = keys[0]
    if session.org is None or session.org not in keys:
        session.org = None
        session.keep(context)
        await _send(context, update, admin_view.organisations(_labels(orgs), page, r.is_coordinator, prefix))
        return
    session.keep(context)
    items = sorted((s for s in r.services(kb) if s.org_key == session.org), key=lambda s: s.name.casefold())
    await _send(context, update, admin_view.services(_labels(orgs)[keys.index(session.org)], items, page, prefix,
                                                     more_orgs=len(orgs) > 1 or r.is_coordinator))


async def show_service(update: Update, context: BotContext, service_id: str, prefix: str = "") -> None:
    service, revisions = await context.state.knowledge_service.service_now(service_id)
    if service is None:
        await _send(context, update, admin_view.expired())
        return
    await _send(context, update, admin_view.service_view(service, rv.last_edited(revisions, service_id), prefix))


# ── /beheer, typed text, other commands, time-out ─────────────────────────────────────────

async def on_beheer(update: Update, context: BotContext) -> None:
    user_id = _user_id(update)
    session = Session.of(context).reset()
    if context.args:   # /beheer CODE: bind in one go
        await _redeem(update, context, session, " ".join(context.args))
        return
    r = await roles(context.state, user_id)
    if not r.is_coordinator and not r.is_editor:
        session.step = "code"
        session.keep(context)
        await _send(context, update, admin_view.ask_code(user_id))
        return
    await show_menu(update, context, session)


async def _redeem(update: Update, context: BotContext, session: Session, code: str) -> None:
    try:
        organisation = await editors.redeem(context.state.store, _user_id(update), code)
    except editors.InviteError as exc:
        session.step = "code"
        session.keep(context)
        await _send(context, update, admin_view.code_refused(str(exc)))
        return
    await show_menu(update, context, Session(), prefix=admin_view.bound(organisation))


async def on_text(update: Update, context: BotContext) -> object:
    """Text in a state that takes text (code, value, new): the state's handlers let it in."""
    session = Session.of(context)
    text = (update.effective_message.text if update.effective_message else None) or ""
    if session.step not in TEXT_STEPS:   # the step ended (timed out): the text is a question
        return ConversationHandler.END
    if session.step == "code":
        await _redeem(update, context, session, text)
    elif session.step == "value":
        await _typed_value(update, context, session, text)
    elif session.step == "new":
        await _typed_new(update, context, session, text)
    return None


async def on_other_command(update: Update, context: BotContext) -> object:
    """Another command ends the step; the command itself still reaches its own handler."""
    Session.of(context).reset().keep(context)
    return ConversationHandler.END


async def on_timeout(update: Update, context: BotContext) -> None:
    """An hour without activity: the step ends, and the user is told if something was open."""
    session = Session.of(context)
    if session.step in UNFINISHED:
        await _time_out(update, context, session)


async def sweep_expired(context: BotContext) -> None:
    """JobQueue: steps past their deadline that PTB will not time out (restored after a restart)
    end, keeping the chosen organisation, and their user is told. /beheer runs in private chats:
    chat = user."""
    async def tell(user_id: int, _data: Any) -> None:
        await send(context, user_id, admin_view.timed_out())

    await sweep_flows(context, NAME, lambda data: Session.from_data(data).expired(),
                      lambda data: asdict(Session.from_data(data).reset()), tell)


async def _typed_value(update: Update, context: BotContext, session: Session, text: str) -> None:
    state = context.state
    r = await roles(state, _user_id(update))
    service, _ = await state.knowledge_service.service_now(session.service or "")
    if service is None or not r.may_edit(service) or session.field not in rv.FIELDS:
        session.reset().keep(context)
        await _send(context, update, admin_view.not_allowed())
        return
    region = _region(state, service.region_id)
    if session.field in FREE_TEXT and remark_is_personal(text, service, state.knowledge.proper_nouns):
        await _send(context, update, admin_view.looks_personal())   # still waiting; nothing kept
        return
    try:
        new = rv.FIELDS[session.field].parse(text, region)
        rv.change_service(service, session.field, new, region)   # the whole entry must stay valid
    except FieldError as exc:
        await _send(context, update, admin_view.invalid(str(exc), session.field))   # still waiting
        return
    await _preview(update, context, session, service, new)


def _region(state: BotState, region_id: str) -> Region:
    return state.knowledge.kb.regions.get(region_id) or state.knowledge_service.baseline.regions[region_id]


async def _preview(update: Update, context: BotContext, session: Session, service: Service, new: Any) -> None:
    key = session.field or ""
    old = rv.current_value(service, key)
    if new == old:
        session.keep(context)
        await _send(context, update, admin_view.same_value() if session.step == "value" else
                    admin_view.problem("Dat is dezelfde waarde als nu; er verandert niets."))
        return
    session.step, session.old, session.new = "confirm", old, new
    session.keep(context)
    await _send(context, update, admin_view.preview(service, key, old, new))


# ── buttons ───────────────────────────────────────────────────────────────────────────────

async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    await answer_button(update)
    action = cd.decode(query.data)
    state = context.state
    r = await roles(state, _user_id(update))
    session = Session.of(context)
    if not r.is_coordinator and not r.is_editor:
        if action == cd.Beheer("n"):   # leaving the code question
            session.reset().keep(context)
            await _send(context, update, Reply(admin_view.cancelled()))
        else:
            await _send(context, update, admin_view.no_role())
        return
    match action:
        case cd.BeheerService():
            await _service_button(update, context, r, session, action)
        case cd.Beheer("m"):
            await show_menu(update, context, session.reset())
        case cd.Beheer("O" | "P" as kind, int(page)):
            session = session.reset()
            if kind == "O":
                session.org = None
            await show_menu(update, context, session, page=page)
        case cd.Beheer("o", int(index)):
            orgs = my_organisations(r, state.knowledge.kb)
            if index >= len(orgs):
                await _send(context, update, admin_view.expired())
                return
            await show_menu(update, context, Session(org=orgs[index].key))
        case cd.Beheer("n"):
            await _cancel(update, context, session)
        case cd.Beheer("a") if r.is_coordinator:
            await _audit(update, context, r)
        case cd.Beheer("c", int(index)):
            await _tick(update, context, r, session, index)
        case cd.Beheer("d"):
            await _done_choosing(update, context, r, session)
        case cd.Beheer("y"):
            await _confirm(update, context, r, session)
        case cd.Beheer("+"):
            await _start_new(update, context, r, session, new_org=False)
        case cd.Beheer("N") if r.is_coordinator:
            await _start_new(update, context, r, session, new_org=True)
        case cd.Beheer("k") if session.step == "new" and session.field in NEW_OPTIONAL:
            await _next_new(update, context, r, session)
        case _:
            await _send(context, update, admin_view.expired())


async def _service_button(update: Update, context: BotContext, r: editors.Roles, session: Session,
                          action: cd.BeheerService) -> None:
    state = context.state
    user_id = _user_id(update)
    kind, arg = action.action, action.field
    service = find_mine(r, state.knowledge, action.service_hash)
    if service is None:
        await _send(context, update, admin_view.not_allowed())
        return
    if kind == "s":
        session = session.reset()
        session.org, session.service = service.org_key, service.id
        session.keep(context)
        await show_service(update, context, service.id)
    elif kind == "v":
        today = date.today()
        try:
            await state.knowledge_service.record(user_id=user_id, service_id=service.id, field="last_verified",
                                                 new=today.isoformat(), may_edit=r.may_edit)
        except rv.NotAllowed as exc:
            await _send(context, update, admin_view.problem(str(exc)))
            return
        await show_service(update, context, service.id, prefix=admin_view.verified(today))
    elif kind == "f" and arg is not None and arg < len(rv.MENU_FIELDS):
        key = rv.MENU_FIELDS[arg]
        fresh, _ = await state.knowledge_service.service_now(service.id)
        if fresh is None:
            await _send(context, update, admin_view.expired())
            return
        session = Session(org=service.org_key, service=service.id, field=key)
        value = rv.current_value(fresh, key)
        if key in CHOICE_FIELDS:
            session.step = "choose"
            session.selected = list(value) if isinstance(value, list) else [value]
            session.keep(context)
            await _send(context, update, _choose_reply(state, session, fresh))
        else:
            session.step = "value"
            session.keep(context)
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
    key = session.field or ""
    if session.step == "new" and key == "region":
        return [(rid, kb.regions[rid].name) for rid in session.choices if rid in kb.regions]
    opts = admin_view.options(key, _region_of(state, session))
    known = {value for value, _ in opts}
    # A value the entry already has but no button offers (a rarer language) stays visible, so it can be removed.
    return opts + [(v, admin_view.language_name(v) if key == "languages" else v)
                   for v in session.selected if v not in known]


def _choose_reply(state: BotState, session: Session, service: Service | None = None) -> Reply:
    key = session.field or ""
    title = rv.FIELDS[key].label if key in rv.FIELDS else "Regio"
    if service is not None:
        title += f" van {service.name}"
    single = key in ("status", "region")
    return admin_view.choose(title, key, _options(state, session), session.selected, single)


async def _tick(update: Update, context: BotContext, r: editors.Roles, session: Session, index: int) -> None:
    state = context.state
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
    session.keep(context)
    await _send(context, update, _choose_reply(state, session))


async def _done_choosing(update: Update, context: BotContext, r: editors.Roles, session: Session) -> None:
    state = context.state
    if session.step == "new":
        await _typed_new(update, context, session, None)
        return
    if session.step != "choose" or session.field not in rv.FIELDS:
        await _send(context, update, admin_view.expired())
        return
    service, _ = await state.knowledge_service.service_now(session.service or "")
    if service is None or not r.may_edit(service):
        session.reset().keep(context)
        await _send(context, update, admin_view.not_allowed())
        return
    region = _region(state, service.region_id)
    value: Any
    if session.field == "status" or (session.field == "area" and session.selected == ["all"]):
        value = session.selected[0] if session.selected else None
    else:
        value = list(session.selected)
    try:
        new = rv.FIELDS[session.field].check(value, region)
        rv.change_service(service, session.field, new, region)
    except FieldError as exc:
        session.keep(context)
        await _send(context, update, admin_view.problem(str(exc)))
        await _send(context, update, _choose_reply(state, session))
        return
    await _preview(update, context, session, service, new)


async def _confirm(update: Update, context: BotContext, r: editors.Roles, session: Session) -> None:
    state = context.state
    user_id = _user_id(update)
    if session.step == "new-preview":
        await _create(update, context, r, session)
        return
    if session.step != "confirm" or session.field not in rv.FIELDS or session.service is None:
        await _send(context, update, admin_view.expired())
        return
    try:
        await state.knowledge_service.record(user_id=user_id, service_id=session.service, field=session.field,
                                             new=session.new, expected=session.old, may_edit=r.may_edit)
    except rv.StaleEdit as exc:
        session.old = exc.current   # ask again, against what is there now
        session.keep(context)
        await _send(context, update, admin_view.stale(session.field, exc.current, session.new))
        return
    except (rv.NotAllowed, rv.UnknownService):
        session.reset().keep(context)
        await _send(context, update, admin_view.not_allowed())
        return
    except FieldError as exc:   # the entry changed underneath so that this value no longer fits
        session.reset().keep(context)
        await _send(context, update, admin_view.problem(str(exc)))
        return
    key, service_id = session.field, session.service
    session.reset().keep(context)
    await show_service(update, context, service_id, prefix=admin_view.saved(key))


async def _cancel(update: Update, context: BotContext, session: Session) -> None:
    service_id = session.service if session.step in ("value", "choose", "confirm") else None
    session.reset().keep(context)
    if service_id:
        await show_service(update, context, service_id, prefix=admin_view.cancelled())
    else:
        await show_menu(update, context, session.reset(), prefix=admin_view.cancelled())


async def _audit(update: Update, context: BotContext, r: editors.Roles, limit: int = 15) -> None:
    everything = await rv.load_revisions(context.state.store)
    mine = [rev for rev in everything if r.coordinates(rev.region_id)]
    shown = list(reversed(mine[-limit:]))
    await _send(context, update, admin_view.audit(shown, rv.switched_off(everything), len(mine)))


# ── a new service, step by step ────────────────────────────────────────────────────────────

def _region_for_new(r: editors.Roles, kb: KnowledgeBase, organisation: str | None) -> str | None:
    """organisation: its key (session.org)."""
    if organisation:
        regions = Counter(s.region_id for s in kb.services.values() if s.org_key == organisation)
        if regions:
            return regions.most_common(1)[0][0]
    own = [rid for rid in r.coordinator_regions if rid and rid in kb.regions]
    if len(own) == 1 and editors.ALL_REGIONS not in r.coordinator_regions:
        return own[0]
    return None


async def _start_new(update: Update, context: BotContext, r: editors.Roles, session: Session,
                     new_org: bool) -> None:
    organisation = None if new_org else session.org
    if organisation is None and not r.is_coordinator:
        await _send(context, update, admin_view.expired())
        return
    draft: dict[str, Any] = {}
    if organisation:
        known = editors.organisations_by_key(context.state.knowledge.kb).get(organisation)
        if known is None:
            await _send(context, update, admin_view.expired())
            return
        draft["organisation"] = known.name
        if known.organisation_id:
            draft["organisation_id"] = known.organisation_id   # the new service carries it too
    region = _region_for_new(r, context.state.knowledge.kb, organisation)
    if region:
        draft["region"] = region
    await _next_new(update, context, r, Session(step="new", org=organisation, draft=draft))


async def _next_new(update: Update, context: BotContext, r: editors.Roles, session: Session) -> None:
    """Ask the first step the draft does not have yet (a skipped step counts as answered)."""
    state = context.state
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
        session.step, session.field = "new-preview", None
        session.draft = {k: v for k, v in session.draft.items() if v is not None}
        session.keep(context)
        await _send(context, update, admin_view.new_preview(session.draft))
        return
    key = todo[0]
    session.field, session.selected = key, []
    if key == "region":   # only regions this coordinator may add to
        session.choices = [rid for rid in sorted(state.knowledge.kb.regions) if r.coordinates(rid)]
    session.keep(context)
    if key in ("region", "themes", "area"):
        await _send(context, update, _choose_reply(state, session))
        return
    number = NEW_STEPS.index(key) + 1
    await _send(context, update, admin_view.ask_new(key, number, len(NEW_STEPS), key in NEW_OPTIONAL))


async def _typed_new(update: Update, context: BotContext, session: Session, text: str | None) -> None:
    """A typed answer (text) or the ticked buttons (text None) for the current new-service step."""
    state = context.state
    r = await roles(state, _user_id(update))
    key = session.field or ""
    region = state.knowledge.kb.regions.get(session.draft.get("region", ""))
    value: Any
    try:
        if key in ("region", "themes", "area"):
            if text is not None:   # typed while buttons are expected: show them again
                raise FieldError("tik op de knoppen hieronder")
            if key == "region":
                value = session.selected[0] if session.selected else None
                if value not in state.knowledge.kb.regions:
                    raise FieldError("kies een regio")
            else:
                chosen: Any = "all" if key == "area" and session.selected == ["all"] else list(session.selected)
                value = rv.FIELDS[key].check(chosen, region)
        elif key in ("organisation", "name"):
            value = fieldcheck.bounded(key, "naam")(text or "")
        elif key in rv.FIELDS:
            value = rv.FIELDS[key].parse(text or "", region)
        else:
            await _send(context, update, admin_view.expired())
            return
    except FieldError as exc:
        session.keep(context)
        await _send(context, update, admin_view.invalid(str(exc), key))
        if key in ("region", "themes", "area"):
            await _send(context, update, _choose_reply(state, session))
        return
    session.draft[key] = value
    await _next_new(update, context, r, session)


async def _create(update: Update, context: BotContext, r: editors.Roles, session: Session) -> None:
    state = context.state
    draft = dict(session.draft)
    taken = set(state.knowledge.kb.services)
    service_id = unique_id(slugify(f"{draft.get('organisation', '')} {draft.get('name', '')}")[:60].strip("-")
                           or "aanbod", taken)
    try:
        await state.knowledge_service.record(user_id=_user_id(update), service_id=service_id,
                                             field=rv.NEW_SERVICE, new=draft, may_edit=r.may_edit)
    except rv.NotAllowed:
        session.reset().keep(context)
        await _send(context, update, admin_view.not_allowed())
        return
    except FieldError as exc:
        session.keep(context)
        await _send(context, update, admin_view.problem(str(exc)))
        return
    created, _ = await state.knowledge_service.service_now(service_id)
    Session(org=created.org_key if created else None, service=service_id).keep(context)
    await show_service(update, context, service_id, prefix=admin_view.created(draft.get("name", "")))


# ── the handler ───────────────────────────────────────────────────────────────────────────

def conversation() -> ConversationHandler[BotContext]:
    """/beheer as one ConversationHandler; bot/app.py registers it before the search."""
    buttons: CallbackQueryHandler[BotContext, object] = CallbackQueryHandler(
        _step(on_button), pattern=cd.matches(cd.Beheer, cd.BeheerService))
    # /beheer shows organisation data: private chats only.
    typed = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    text: MessageHandler[BotContext, object] = MessageHandler(typed, _step(on_text))
    beheer: CommandHandler[BotContext, object] = CommandHandler("beheer", _step(on_beheer),
                                                               filters=filters.ChatType.PRIVATE)
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        "code": [MessageHandler(typed & _CodeShaped(), _step(on_text)), buttons],
        "value": [text, buttons],
        "new": [text, buttons],
        "choose": [buttons],
        "confirm": [buttons],
        "new-preview": [buttons],
        ConversationHandler.TIMEOUT: [TypeHandler(Update, on_timeout)],
    }
    return flow_handler(
        entry_points=[beheer, buttons],
        states=states,
        fallbacks=[beheer, MessageHandler(filters.COMMAND & ~filters.Regex(r"^/herlaad\b"), on_other_command)],
        allow_reentry=True,
        conversation_timeout=TIMEOUT.total_seconds(),
        name=NAME, persistent=True,
    )
