"""Feedback on every answer and card, and "⚠️ Klopt niet meer" reports that reach the organisation.

* Every answered question leaves one anonymous signal row (kennisbank/signals.py); the answer's
  👍/👎 buttons carry that row's id, so feedback attaches to the row without any chat id.
* A card's 👍/👎 is stored per service (kennisbank/reports.py), again without any id.
* "⚠️ Klopt niet meer" asks what is wrong (buttons) and for one optional short remark about the
  service. The remark is checked for personal data (bot/privacy.py) and refused if it looks like
  it names a person or holds a phone number or e-mail address that is not the service's own.
  The report goes at once to the organisation's editors and the region's coordinators, with
  "✏️ Aanpassen" and "✅ Alles klopt nog" (renews last_verified as a revision, resolves the report).

Waiting for the remark is a ConversationHandler (bot/conversations/remark.py): only a message
sent as a *reply* to the prompt (Telegram opens the reply by itself: ForceReply) is the remark,
so a new question typed meanwhile is answered as a question and never stored as a remark. A
report whose remark never comes is sent after REMARK_WAIT.

Callback data (prefix "f", reserved in bot/callbacks.py; each ≤ 64 bytes). <ref> is ":<service
id>" or "#<hash16>" for ids too long (resolved by Knowledge.resolve):
  fa+:<signal> fa-:<signal> fa!:<signal>   👍 / 👎 / klopt niet meer on an answer (signal row id)
  fk+<ref> fk-<ref> f!<ref>                  👍 / 👎 / klopt niet meer on a service's card
  fr<reason letter><ref>                     what is wrong (see REASON_CODES)
  fn:<report>                                send the report without a remark
  fx:0                                       cancel
  fo:<report>                                editor: everything in the reported entry is still right
  fv<ref>                                    editor: everything is still right (reminder)
  fe<ref>                                    editor: change the entry (old buttons; now /beheer's own)
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Sequence

import phonenumbers
from telegram import ForceReply, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from kennisbank import editors, freshness, reports, signals
from kennisbank import revisions as rv
from kennisbank.fields import FieldError
from kennisbank.schema import Service

from .. import callbacks, render
from ..context import BotContext
from ..privacy import looks_personal
from ..state import BotState, Knowledge, short_hash
from . import NO_PREVIEW, markup, reply_chat_id, send

log = logging.getLogger(__name__)

PATTERN_FEEDBACK = r"^f"
MAX_BYTES = 64
REMARK_WAIT = timedelta(minutes=15)   # how long the bot waits for the optional remark
RATED_KEY = "rated"             # chat_data: card feedback already given (memory only, no duplicates)

REASON_CODES = {"t": "telefoon", "c": "contactpersoon", "a": "adres", "u": "openingsuren",
                "w": "bestaat-niet-meer", "x": "iets-anders"}
REASON_BUTTONS = {"telefoon": "📞 Telefoon", "contactpersoon": "👤 Contactpersoon", "adres": "📍 Adres",
                  "openingsuren": "🕘 Openingsuren", "bestaat-niet-meer": "🚫 Bestaat niet meer",
                  "iets-anders": "✏️ Iets anders"}
_DATA = re.compile(r"^f(?P<kind>a\+|a-|a!|k\+|k-|!|r[a-z]|n|x|o|v|e)(?P<sep>[:#])(?P<value>.+)$")


# ── callback data ──────────────────────────────────────────────────────────────────────────

def service_ref(service_id: str, prefix: str) -> str:
    data = f"{prefix}:{service_id}"
    return data if len(data.encode("utf-8")) <= MAX_BYTES else f"{prefix}#{short_hash(service_id)}"


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError("callback data too long")
    return data


@dataclass(frozen=True)
class Data:
    kind: str      # a+ a- a! k+ k- ! r<letter> n x o v e
    value: str     # signal id, report id, or service ref (service id or "#hash")


def parse(data: str | None) -> Data | None:
    """None for anything malformed or forged: the handler says the button expired."""
    match = _DATA.match(data or "")
    if not match:
        return None
    kind, sep, value = match["kind"], match["sep"], match["value"]
    numeric = kind in ("a+", "a-", "a!", "n", "o", "x")
    if numeric and (sep != ":" or not re.fullmatch(r"[0-9]{1,18}", value)):
        return None
    if kind.startswith("r") and kind[1] not in REASON_CODES:
        return None
    return Data(kind, value if sep == ":" else "#" + value)


# ── what the school sees ────────────────────────────────────────────────────────────────────

def answer_row(signal_id: int, with_report: bool) -> tuple[render.Button, ...]:
    row = [render.Button("👍 Nuttig", _checked(f"fa+:{signal_id}")),
           render.Button("👎 Niet nuttig", _checked(f"fa-:{signal_id}"))]
    if with_report:
        row.append(render.Button("⚠️ Klopt niet meer", _checked(f"fa!:{signal_id}")))
    return tuple(row)


def card_row(service: Service) -> tuple[render.Button, ...]:
    return (render.Button("👍 Nuttig", service_ref(service.id, "fk+")),
            render.Button("👎 Niet nuttig", service_ref(service.id, "fk-")),
            render.Button("⚠️ Klopt niet meer", service_ref(service.id, "f!")))


def with_row(reply: render.Reply, row: tuple[render.Button, ...]) -> render.Reply:
    return render.Reply(reply.html, reply.buttons + (row,))


def card_with_feedback(reply: render.Reply, service: Service) -> render.Reply:
    """The full card with its feedback row (hook for handlers.card)."""
    return with_row(reply, card_row(service))


def which_service(services: Sequence[Service]) -> render.Reply:
    buttons = tuple((render.Button(render.button_label(f"⚠️ {n}. {s.name}"), service_ref(s.id, "f!")),)
                    for n, s in enumerate(services, 1))
    return render.Reply("⚠️ Over welke dienst gaat het?", buttons + ((cancel_button(),),))


def cancel_button() -> render.Button:
    return render.Button("Annuleren", "fx:0")


def what_is_wrong(service: Service) -> render.Reply:
    codes = {reason: code for code, reason in REASON_CODES.items()}
    buttons = [render.Button(label, service_ref(service.id, f"fr{codes[reason]}"))
               for reason, label in REASON_BUTTONS.items()]
    rows = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
    return render.Reply(
        f"⚠️ Wat klopt er niet meer bij <b>{render.esc(render.clip(service.organisation, 80))} · "
        f"{render.esc(render.clip(service.name, 80))}</b>?", rows + ((cancel_button(),),))


def ask_remark(service: Service, report_id: int) -> render.Reply:
    return render.Reply(
        "Dank je! Wil je er één korte opmerking bij zetten <b>over de dienst</b>, bv. "
        "<i>het nummer werkt niet meer</i>? Antwoord dan op het volgende bericht.\n"
        "🔒 Noem geen gezin, leerling of andere persoon.",
        ((render.Button("➡️ Versturen zonder opmerking", f"fn:{report_id}"),),))


REMARK_PROMPT = "✍️ Je opmerking over de dienst (antwoord op dit bericht):"
REMARK_PLACEHOLDER = "Opmerking over de dienst, geen namen"


async def send_remark_prompt(context: BotContext, chat_id: int) -> int:
    """The message the remark must answer; its id is what on_remark accepts."""
    prompt = await context.bot.send_message(
        chat_id, REMARK_PROMPT,
        reply_markup=ForceReply(selective=True, input_field_placeholder=REMARK_PLACEHOLDER))
    return prompt.message_id


def remark_refused(report_id: int) -> render.Reply:
    return render.Reply(
        "🔒 Je opmerking lijkt een naam, een telefoonnummer of een e-mailadres te bevatten. Die "
        "bewaar ik niet. Stuur de opmerking opnieuw, alleen over de dienst (bv. <i>verhuisd naar "
        "een ander adres</i>), of verstuur zonder opmerking.",
        ((render.Button("➡️ Versturen zonder opmerking", f"fn:{report_id}"),),))


def report_sent(recipients: int) -> render.Reply:
    if recipients:
        text = "✅ Bedankt! Wie het aanbod beheert, kreeg je melding meteen."
    else:
        text = "✅ Bedankt! Je melding staat genoteerd; de regiocoördinator ziet ze in het overzicht."
    return render.Reply(text + " Je naam of chat gaat niet mee.")


def cancelled() -> render.Reply:
    return render.Reply("Oké, er is niets gemeld.")


def sent_without_remark() -> render.Reply:
    return render.Reply("⌛ Er kwam geen opmerking; je melding is zonder opmerking doorgegeven. Bedankt!")


def thanks() -> str:
    return "Bedankt voor je feedback!"


# ── what editors and coordinators see ───────────────────────────────────────────────────────

def admin_edit_data(service: Service) -> str:
    """The admin module's button that opens this service in /beheer."""
    return callbacks.edit_service(service.id)


def editor_buttons(service: Service, confirm_data: str) -> tuple[tuple[render.Button, ...], ...]:
    return ((render.Button("✏️ Aanpassen", admin_edit_data(service)),
             render.Button("✅ Alles klopt nog", confirm_data)),)


def verified_text(service: Service) -> str:
    if service.last_verified is None:
        return "nog nooit bevestigd"
    return f"laatst bevestigd op {render.esc(render.nice_date(service.last_verified))}"


def report_notice(report: reports.Report, service: Service | None) -> render.Reply:
    title = (f"{service.organisation} · {service.name}" if service else report.service_id)
    lines = [f"⚠️ <b>Melding #{report.id}: klopt niet meer</b>",
             f"<b>{render.esc(render.clip(title, 160))}</b>",
             f"Wat: <b>{render.esc(report.reason_label)}</b>"]
    if report.remark:
        lines.append(f"Opmerking van de school: <i>{render.esc(report.remark)}</i>")
    if service is not None:
        contact = render.contact_line(service)
        if contact:
            lines.append(contact)
        lines.append(f"🕓 {verified_text(service)}")
    lines.append("Een school meldde dit anoniem via de bot. Kijk het na en pas aan, of bevestig dat "
                 "alles nog klopt.")
    buttons = editor_buttons(service, f"fo:{report.id}") if service is not None else ()
    return render.Reply("\n".join(lines), buttons)


def edit_hint(service: Service) -> render.Reply:
    return render.Reply(f"✏️ Pas <b>{render.esc(render.clip(service.name, 80))}</b> aan met /beheer: "
                        "kies daar de dienst en het veld.")


def confirmed(service: Service, day: date, report_id: int | None) -> render.Reply:
    text = (f"✅ Bedankt! <b>{render.esc(render.clip(service.name, 80))}</b> staat nu als bevestigd op "
            f"{render.esc(render.nice_date(day))}.")
    if report_id is not None:
        text += f" Melding #{report_id} is afgehandeld."
    return render.Reply(text)


def not_allowed() -> render.Reply:
    return render.Reply("Dit aanbod hoort niet bij jouw organisatie of regio; je kan het niet bevestigen.")


# ── signals (hooks for handlers.ask) ───────────────────────────────────────────────────────

async def record_signal(state: BotState, knowledge: Knowledge, postcode: int | None,
                        themes: Iterable[str], service_ids: Sequence[str], fitted: bool) -> int | None:
    """One anonymous row per answered question; None (and only a log line) if the database fails."""
    try:
        return await signals.record(state.store.counts, knowledge.place_name(postcode), themes,
                                    service_ids, fitted)
    except Exception as exc:  # a missing signal must never cost the school its answer
        log.error("signal not recorded: %s", type(exc).__name__)
        return None


async def signal_and_buttons(state: BotState, knowledge: Knowledge, postcode: int | None, outcome) -> render.Reply:
    """For an answer or a "nothing fits" (handlers.ask.Outcome): record the signal, add its buttons.

    An ask-back is no answer yet: the need the school picks next is recorded instead.
    """
    if outcome.kind not in ("answer", "not-found"):
        return outcome.reply
    signal_id = await record_signal(state, knowledge, postcode, outcome.themes, outcome.services,
                                    outcome.kind == "answer")
    if signal_id is None:
        return outcome.reply
    return with_row(outcome.reply, answer_row(signal_id, bool(outcome.services)))


# ── remark check ──────────────────────────────────────────────────────────────────────────

def _own_phones(service: Service) -> set[str]:
    return {p for p in (service.contact.phone, service.phone) if p}


def remark_is_personal(text: str, service: Service, knowledge: Knowledge) -> bool:
    """Personal data check for a remark; the service's own numbers, address and names are fine."""
    own_emails = {e.casefold() for e in (service.contact.email, service.email) if e}
    cleaned = text
    for match in phonenumbers.PhoneNumberMatcher(text, "BE", leniency=phonenumbers.Leniency.POSSIBLE):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if e164 in _own_phones(service):
            cleaned = cleaned.replace(match.raw_string, " ")
    for email in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", cleaned):
        if email.casefold() in own_emails:
            cleaned = cleaned.replace(email, " ")
    for own in filter(None, (service.contact.name, service.name,
                             service.location.address if service.location else None)):
        cleaned = re.sub(re.escape(own), " ", cleaned, flags=re.IGNORECASE)   # the whole name only
    return looks_personal(cleaned, knowledge.proper_nouns)


# ── notifying ─────────────────────────────────────────────────────────────────────────────

async def recipients_of(state: BotState, service: Service) -> list[int]:
    """The organisation's editors and the region's coordinators (their user id = private chat)."""
    conn = state.store.conn
    own = (await freshness.editors_by_organisation(conn)).get(service.organisation.casefold(), set())
    try:
        configured = editors.configured_coordinators()
    except Exception:  # a broken configuration is reported by the admin module at start-up
        configured = {}
    coordinators = freshness.coordinators_of(service, await freshness.all_coordinators(conn, configured))
    return sorted(set(own) | set(coordinators))


async def notify_report(bot, state: BotState, report_id: int) -> int:
    """Send a report to its recipients once (claimed with notified_at); returns how many got it."""
    conn = state.store.conn
    if not await reports.mark_notified(conn, report_id):
        return 0
    report = await reports.get(conn, report_id)
    service = state.knowledge.kb.services.get(report.service_id)
    notice = report_notice(report, service)
    sent = 0
    for uid in await recipients_of(state, service) if service is not None else []:
        try:
            await bot.send_message(uid, notice.html, parse_mode=ParseMode.HTML,
                                   reply_markup=markup(notice), link_preview_options=NO_PREVIEW)
            sent += 1
        except TelegramError as exc:  # blocked the bot, never started it: the others still get it
            log.warning("report %s not delivered to a recipient: %s", report_id, type(exc).__name__)
    log.info("report %s sent to %d recipient(s)", report_id, sent)
    return sent


# ── renewing last_verified ────────────────────────────────────────────────────────────────

async def confirm_still_right(state: BotState, user_id: int, service_id: str, today: date | None = None
                              ) -> date:
    """Renew last_verified as a revision; NotAllowed/UnknownService otherwise."""
    today = today or date.today()
    roles = await editors.roles_of(state.store, user_id)
    await state.knowledge_service.record(user_id=user_id, service_id=service_id, field="last_verified",
                                         new=today.isoformat(), may_edit=roles.may_edit)
    await reports.resolve_service(state.store.conn, service_id, "bevestigd", user_id)
    return today


# ── handlers ──────────────────────────────────────────────────────────────────────────────

async def on_feedback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    state = context.state
    knowledge = state.knowledge
    chat_id = reply_chat_id(update)
    data = parse(query.data)
    if data is None:
        await query.answer()
        await send(context, chat_id, render.expired())
        return
    kind, conn = data.kind, state.store.conn

    if kind in ("a+", "a-"):
        ok = await signals.add_feedback(state.store.counts, int(data.value), "nuttig" if kind == "a+" else "niet-nuttig")
        await query.answer(thanks() if ok else None)
        if not ok:
            await send(context, chat_id, render.expired())
        return
    if kind in ("k+", "k-"):
        service = knowledge.resolve(data.value)
        await query.answer(thanks() if service else None)
        if service is None:
            await send(context, chat_id, render.expired())
            return
        rated = context.chat_data.setdefault(RATED_KEY, set()) if context.chat_data is not None else set()
        if service.id not in rated:
            rated.add(service.id)
            await reports.add_card_feedback(conn, service.id, "nuttig" if kind == "k+" else "niet-nuttig")
        return

    await query.answer()
    if kind == "a!":
        ids = await signals.services_of(state.store.counts, int(data.value))
        services = [s for s in (knowledge.service(i) for i in ids) if s is not None]
        if not services:
            await send(context, chat_id, render.expired())
            return
        await signals.add_feedback(state.store.counts, int(data.value), "klopt-niet")
        reply = what_is_wrong(services[0]) if len(services) == 1 else which_service(services)
        await send(context, chat_id, reply)
    elif kind == "!":
        service = knowledge.resolve(data.value)
        await send(context, chat_id, what_is_wrong(service) if service else render.expired())
    elif kind == "n":   # outside the remark conversation (it ended): still send the report once
        await finish_report(context, chat_id, int(data.value))
    elif kind == "x":
        await send(context, chat_id, cancelled())
    elif kind in ("o", "v"):
        await _confirm(update, context, data)
    elif kind == "e":
        service = knowledge.resolve(data.value)
        await send(context, chat_id, edit_hint(service) if service else render.expired())


async def finish_report(context: BotContext, chat_id: int, report_id: int) -> None:
    """Send the report to who keeps the entry (once), and thank the school."""
    state = context.state
    report = await reports.get(state.store.conn, report_id)
    if report is None:
        await send(context, chat_id, render.expired())
        return
    if report.notified_at is not None:
        await send(context, chat_id, render.Reply("✅ Die melding is al doorgegeven. Bedankt!"))
        return
    sent = await notify_report(context.bot, state, report_id)
    await send(context, chat_id, report_sent(sent))


async def _confirm(update: Update, context: BotContext, data: Data) -> None:
    state = context.state
    chat_id = reply_chat_id(update)
    user_id = update.effective_user.id
    report_id = None
    if data.kind == "o":
        report = await reports.get(state.store.conn, int(data.value))
        service = state.knowledge.kb.services.get(report.service_id) if report else None
        report_id = report.id if report else None
    else:
        value = data.value
        if value.startswith("#"):
            value = state.knowledge.by_hash.get(value[1:], "")
        service = state.knowledge.kb.services.get(value)
    if service is None:
        await send(context, chat_id, render.expired())
        return
    try:
        day = await confirm_still_right(state, user_id, service.id)
    except rv.NotAllowed:
        await send(context, chat_id, not_allowed())
        return
    except (rv.UnknownService, FieldError):
        await send(context, chat_id, render.expired())
        return
    try:  # the buttons of the notice or reminder are done: no second confirmation by mistake
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    except TelegramError:
        pass
    await send(context, chat_id, confirmed(service, day, report_id))
