"""Every text and button of /beheer, as render.Reply, independent of Telegram.

Values come from organisations and region files: everything is escaped here. Buttons carry
short callback data (Beheer/BeheerService in bot/callback_data.py); the service is always named by its hash.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from babel import Locale

from kennisbank import revisions as rv
from kennisbank.schema import SUMMARY_MAX, Service
from kennisbank.themes import theme_label

from . import callback_data as cd
from .render import Button, Reply, button_label, clip, esc, fit, nice_date

PAGE = 8                     # organisations per page of buttons
SERVICE_PAGE = 24            # services per page: an organisation's whole offer at once
AUDIT_CHANGE_MAX = 300      # one change in the audit (a description is up to 2,000 characters)
SERVICE_LABEL_MAX = 64       # the service's name on its button; longer ones are cut
LANGUAGES = ("nl", "fr", "en", "de", "ar", "tr", "uk", "ru", "ro", "pl", "bg", "es", "it", "pt",
             "fa", "ps", "ti", "so", "am", "ku")
_DUTCH = Locale("nl")

CANCEL = Button("Annuleren", cd.Beheer("n").encode())
# Under every old → new preview, also when asked again after someone else's change.
CONFIRM_ROW = ((Button("Bevestigen", cd.Beheer("y").encode()), CANCEL),)
BACK = Button("⬅️ Terug naar het menu", cd.Beheer("m").encode())


def language_name(code: str) -> str:
    return (_DUTCH.languages.get(code) or code).capitalize()


def label(text: str) -> str:
    return button_label(text)


def _rows(buttons: Sequence[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row))


def show(key: str, value) -> str:
    spec = rv.FIELDS.get(key)
    return spec.show(value) if spec else ("(leeg)" if value in (None, "", []) else str(value))


# ── getting in ──────────────────────────────────────────────────────────────────────────────

def ask_code(user_id: int) -> Reply:
    return Reply(
        "🔑 <b>Beheer van je aanbod</b>\n"
        "Stuur de code die je van de regiocoördinator kreeg (20 tekens, bv. ABCD-EFGH-JKMN-PQRS-TVWX).\n"
        f"Ben je zelf regiocoördinator? Geef dan dit nummer aan wie de bot beheert: <code>{user_id}</code>.",
        ((CANCEL,),))


def code_refused(message: str) -> Reply:
    return Reply(f"⚠️ {esc(message)}", ((CANCEL,),))


def bound(organisation: str) -> str:
    return f"✅ Gelukt: je houdt nu het aanbod van <b>{esc(organisation)}</b> bij."


def no_role() -> Reply:
    return Reply("🔒 Dit kan enkel een medewerker van de organisatie of een regiocoördinator. "
                 "Stuur /beheer en daarna je code.")


# ── menus ───────────────────────────────────────────────────────────────────────────────────

def _pager(kind: str, page: int, more: bool) -> list[tuple[Button, ...]]:
    """The ⬅️/➡️ row of a long list (kind: O organisations, P services); none when it fits."""
    nav = []
    if page > 0:
        nav.append(Button("⬅️ Vorige", cd.Beheer(kind, page - 1).encode()))
    if more:
        nav.append(Button("Volgende ➡️", cd.Beheer(kind, page + 1).encode()))
    return [tuple(nav)] if nav else []


def organisations(orgs: Sequence[str], page: int, can_add: bool, prefix: str = "") -> Reply:
    start = page * PAGE
    buttons = [Button(label(o), cd.Beheer("o", start + i).encode()) for i, o in enumerate(orgs[start:start + PAGE])]
    rows = list(_rows(buttons, 1)) + _pager("O", page, start + PAGE < len(orgs))
    if can_add:
        rows.append((Button("➕ Nieuwe organisatie", cd.Beheer("N").encode()),))
        rows.append((Button("📜 Laatste wijzigingen", cd.Beheer("a").encode()),))
    text = (prefix + "\n" if prefix else "") + f"Kies een organisatie ({len(orgs)}):"
    return Reply(text, tuple(rows))


def _service_label(service: Service) -> str:
    mark = "⏸ " if not service.is_active else ("🚧 " if service.is_closed else "")
    return clip(mark + service.name, SERVICE_LABEL_MAX)


def services(organisation: str, items: Sequence[Service], page: int = 0, prefix: str = "",
             more_orgs: bool = False) -> Reply:
    start = page * SERVICE_PAGE
    rows: list[tuple[Button, ...]] = [(Button(_service_label(s), cd.BeheerService.of("s", s.id).encode()),)
                                      for s in items[start:start + SERVICE_PAGE]]
    rows += _pager("P", page, start + SERVICE_PAGE < len(items))
    rows.append((Button("➕ Nieuw aanbod", cd.Beheer("+").encode()),))
    if more_orgs:
        rows.append((Button("⬅️ Andere organisatie", cd.Beheer("O", 0).encode()),))
    head = (prefix + "\n" if prefix else "") + f"<b>{esc(organisation)}</b>: "
    head += "kies het aanbod dat je wil bijwerken." if items else "nog geen aanbod in de bot."
    if any(not s.is_active for s in items):
        head += "\n⏸ = niet actief (verborgen voor scholen)"
    return Reply(head, tuple(rows))


def service_view(service: Service, last_edited: str | None, prefix: str = "") -> Reply:
    def build(cap: int) -> str:
        lines = [prefix] if prefix else []
        lines.append(f"<b>{esc(clip(service.organisation, cap))} · {esc(clip(service.name, cap))}</b>")
        for key in rv.MENU_FIELDS:
            spec = rv.FIELDS[key]
            lines.append(f"• {spec.label}: {esc(clip(spec.show(spec.get(service)), cap))}")
        verified = nice_date(service.last_verified) if service.last_verified else "nog nooit"
        lines.append(f"🕓 Laatst bevestigd: {esc(verified)}")
        if last_edited:
            lines.append(f"✏️ Laatst gewijzigd via de bot: {esc(nice_date(date.fromisoformat(last_edited[:10])))}")
        lines.append("Kies wat je wil aanpassen, of bevestig dat alles nog klopt.")
        return "\n".join(lines)

    fields = [Button(rv.FIELDS[key].label, cd.BeheerService.of("f", service.id, i).encode())
              for i, key in enumerate(rv.MENU_FIELDS)]
    still_right = Button("✅ Alles klopt nog", cd.BeheerService.of("v", service.id).encode())
    rows = (*_rows(fields, 3), (still_right,),
                               (BACK,))
    return Reply(fit(build, start=300), rows)


# ── changing a field ────────────────────────────────────────────────────────────────────────

def ask_value(service: Service, key: str, current) -> Reply:
    spec = rv.FIELDS[key]
    text = (f"✏️ <b>{esc(spec.label)}</b> van {esc(clip(service.name, 80))}\n"
            f"Nu: {esc(clip(spec.show(current), 600))}\n"
            f"Typ de nieuwe waarde: {esc(spec.hint)}.")
    if not spec.required:
        text += "\nTyp - (een streepje) om het veld leeg te maken."
    return Reply(text, ((CANCEL,),))


def invalid(message: str, key: str | None = None) -> Reply:
    hint = f"\nVerwacht: {esc(rv.FIELDS[key].hint)}." if key in rv.FIELDS else ""
    return Reply(f"⚠️ Dat lukt niet: {esc(message)}.{hint}\nTyp het opnieuw, of tik Annuleren.", ((CANCEL,),))


def options(key: str, service_region=None) -> list[tuple[str, str]]:
    """(value, button label) for fields chosen with buttons."""
    if key == "themes":
        return [(t, theme_label(t)) for t in rv.FIELDS["themes"].choices]
    if key == "languages":
        return [(code, language_name(code)) for code in LANGUAGES]
    if key == "status":
        return [(s, rv.STATUS_LABELS[s].capitalize()) for s in rv.FIELDS["status"].choices]
    if key == "area":
        out = [("all", "Heel de regio")]
        if service_region is not None:
            out += [(m.name, m.name) for m in service_region.municipalities]
        return out
    return []


def choose(title: str, key: str, opts: Sequence[tuple[str, str]], selected: Sequence[str], single: bool = False
           ) -> Reply:
    buttons = [Button(label(("✓ " if value in selected else "") + text), cd.Beheer("c", i).encode())
               for i, (value, text) in enumerate(opts)]
    rows = _rows(buttons, 2 if len(buttons) > 6 else 1)
    if not single:
        rows += ((Button("Klaar", cd.Beheer("d").encode()), CANCEL),)
    else:
        rows += ((CANCEL,),)
    what = "Kies één waarde." if single else "Tik aan wat past (nog eens tikken haalt het weg), dan Klaar."
    return Reply(f"✏️ <b>{esc(title)}</b>\n{what}", rows)


def preview(service: Service, key: str, old, new) -> Reply:
    spec = rv.FIELDS[key]
    return Reply(
        f"<b>{esc(spec.label)}</b> van {esc(clip(service.name, 80))}\n"
        f"Was: {esc(clip(spec.show(old), 900))}\n"
        f"Wordt: <b>{esc(clip(spec.show(new), 900))}</b>\nKlopt dat?",
        CONFIRM_ROW)


def stale(key: str, current, new) -> Reply:
    spec = rv.FIELDS[key]
    return Reply(
        f"⚠️ Iemand anders paste <b>{esc(spec.label)}</b> intussen aan. Nu staat er: "
        f"{esc(clip(spec.show(current), 900))}\n"
        f"Wil je het toch veranderen in: <b>{esc(clip(spec.show(new), 900))}</b>?",
        CONFIRM_ROW)


def looks_personal() -> Reply:
    return Reply("🔒 Dat lijkt een naam, telefoonnummer of e-mailadres van een persoon te bevatten; dat hoort "
                 "niet in de gegevens van een aanbod en ik bewaar het niet. Typ de tekst over het aanbod "
                 "opnieuw, of tik Annuleren.", ((CANCEL,),))


def same_value() -> Reply:
    return Reply("Dat is dezelfde waarde als nu; er verandert niets. Typ een andere, of tik Annuleren.",
                 ((CANCEL,),))


def saved(key: str) -> str:
    return f"✅ {esc(rv.FIELDS[key].label)} bewaard. De bot antwoordt er meteen mee."


def verified(day: date) -> str:
    return f"✅ Bedankt! Bevestigd op {esc(nice_date(day))}: scholen zien dat de gegevens kloppen."


def not_allowed() -> Reply:
    return Reply("🔒 Dit aanbod hoort niet bij jouw organisatie of regio; je kan het niet bekijken of "
                 "wijzigen. Er is niets veranderd.", ((BACK,),))


def expired() -> Reply:
    return Reply("Die knop is verlopen. Stuur /beheer om verder te gaan.")


def cancelled() -> str:
    return "Geannuleerd; er is niets veranderd."


def timed_out() -> Reply:
    return Reply("⌛ Je /beheer-stap is gestopt na een uur zonder antwoord; er is niets veranderd. "
                 "Stuur /beheer om verder te gaan.")


def problem(message: str) -> Reply:
    return Reply(f"⚠️ {esc(message)}", ((BACK,),))


# ── the audit, for coordinators ─────────────────────────────────────────────────────────────

def audit(revisions: Sequence[rv.Revision], switched_off: set[int], total: int) -> Reply:
    """The latest changes in the coordinator's regions, newest first; reverting is on the command line."""
    def build() -> str:
        lines = ["📜 <b>Laatste wijzigingen via de bot</b>"]
        if not revisions:
            lines.append("Nog geen wijzigingen.")
        for r in revisions:
            who = "opdrachtregel" if r.user_id is None else f"gebruiker {r.user_id}"
            what = rv.describe_change(r)
            mark = " (teruggedraaid)" if r.id in switched_off else ""
            lines.append(f"#{r.id} {esc(r.at[:10])} · {esc(who)} · {esc(clip(r.service_id, 40))}\n"
                         f"    {esc(clip(what, AUDIT_CHANGE_MAX))}{mark}")
        if total > len(revisions):
            lines.append(f"… en {total - len(revisions)} oudere. Alles: <code>welzijnsbot audit</code>")
        lines.append("Terugdraaien: <code>welzijnsbot revert NUMMER</code>")
        return "\n".join(lines)
    # A long audit goes over several messages (the outbox splits it between lines).
    return Reply(build(), ((BACK,),))


# ── a new service, step by step ────────────────────────────────────────────────────────────

NEW_PROMPTS = {
    "organisation": "Hoe heet de organisatie?",
    "name": "Hoe heet het aanbod? (kort, bv. Voedselpakketten)",
    "summary": f"Zeg in één zin wat een gezin er kan vragen (maximaal {SUMMARY_MAX} tekens).",
    "contact.name": "Wie is de contactpersoon die scholen kunnen bellen? (naam)",
    "contact.phone": "Telefoonnummer van die contactpersoon? (bv. 09 999 10 10)",
    "contact.email": "E-mailadres van die contactpersoon?",
}


def ask_new(key: str, step: int, total: int, optional: bool) -> Reply:
    rows = ((Button("Overslaan", cd.Beheer("k").encode()), CANCEL),) if optional else ((CANCEL,),)
    return Reply(f"➕ <b>Nieuw aanbod</b> (stap {step} van {total})\n{esc(NEW_PROMPTS[key])}", rows)


def new_preview(draft: dict) -> Reply:
    lines = ["➕ <b>Nieuw aanbod</b>: klopt dit?",
             f"• Organisatie: {esc(draft.get('organisation', ''))}",
             f"• Naam: {esc(draft.get('name', ''))}"]
    for key in ("summary", "themes", "area", "contact.name", "contact.phone", "contact.email"):
        if key in draft:
            lines.append(f"• {rv.FIELDS[key].label}: {esc(clip(show(key, draft[key]), 300))}")
    return Reply("\n".join(lines), CONFIRM_ROW)


def created(name: str) -> str:
    return f"✅ Nieuw aanbod <b>{esc(name)}</b> bewaard. Scholen vinden het meteen."


# ── reloading the region files ─────────────────────────────────────────────────────────────

def reload_report(text: str) -> Reply:
    return Reply(fit(lambda cap: "🔄 " + esc(text if len(text) <= cap * 10 else text[: cap * 10] + "…"),
                     start=400))


def reload_refused_role() -> Reply:
    return Reply("🔒 Enkel een regiocoördinator kan de regio-bestanden opnieuw laden.")


# ── the database turned out damaged while running ──────────────────────────────────────────

def database_damaged(error_name: str) -> Reply:
    return Reply(
        "🚨 <b>De databank van de bot is beschadigd</b> "
        f"(<code>{esc(error_name)}</code>, net vastgesteld terwijl de bot draait).\n"
        "Ik bewaar niets meer tot ze hersteld is: wijzigingen, meldingen, postcodes en /vergeet "
        "worden geweigerd met die uitleg. Vragen over hulp beantwoord ik gewoon verder.\n"
        "<b>Wat nu</b> (voor wie de bot beheert): stop de bot, zet een reservekopie van het "
        "databankbestand terug (of red wat kan met <code>sqlite3 bestand .recover</code>) en start "
        "opnieuw. Deze melding komt één keer.")
