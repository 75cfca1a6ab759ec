"""Every text and button of feedback and "klopt niet meer", as render.Reply (no Telegram).

What the school sees (👍/👎 rows, what is wrong, the remark) and what editors and coordinators
see (the report notice, confirmations). Values are escaped here.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from kennisbank import reports
from kennisbank.schema import Service

from . import callback_data as cd
from . import render

REASON_BUTTONS = {"telefoon": "📞 Telefoon", "contactpersoon": "👤 Contactpersoon", "adres": "📍 Adres",
                  "openingsuren": "🕘 Openingsuren", "bestaat-niet-meer": "🚫 Bestaat niet meer",
                  "iets-anders": "✏️ Iets anders"}


# ── what the school sees ────────────────────────────────────────────────────────────────────

def answer_row(signal_id: int, with_report: bool, tag: str) -> tuple[render.Button, ...]:
    row = [render.Button("👍 Nuttig", cd.RateAnswer(signal_id, True, tag).encode()),
           render.Button("👎 Niet nuttig", cd.RateAnswer(signal_id, False, tag).encode())]
    if with_report:
        row.append(render.Button("⚠️ Klopt niet meer", cd.ReportAnswer(signal_id, tag).encode()))
    return tuple(row)


def card_row(service: Service) -> tuple[render.Button, ...]:
    return (render.Button("👍 Nuttig", cd.RateCard(service.id, True).encode()),
            render.Button("👎 Niet nuttig", cd.RateCard(service.id, False).encode()),
            render.Button("⚠️ Klopt niet meer", cd.ReportCard(service.id).encode()))


def with_row(reply: render.Reply, row: tuple[render.Button, ...]) -> render.Reply:
    return render.Reply(reply.html, (*reply.buttons, row))


def card_with_feedback(reply: render.Reply, service: Service) -> render.Reply:
    """The full card with its feedback row (hook for handlers.card)."""
    return with_row(reply, card_row(service))


def which_service(services: Sequence[Service]) -> render.Reply:
    buttons = tuple((render.Button(render.button_label(f"⚠️ {n}. {s.name}"), cd.ReportCard(s.id).encode()),)
                    for n, s in enumerate(services, 1))
    return render.Reply("⚠️ Over welke dienst gaat het?", (*buttons, (cancel_button(),)))


def cancel_button() -> render.Button:
    return render.Button("Annuleren", cd.CancelReport().encode())


def what_is_wrong(service: Service) -> render.Reply:
    codes = {reason: code for code, reason in cd.REASONS.items()}
    buttons = [render.Button(label, cd.ReportReason(codes[reason], service.id).encode())
               for reason, label in REASON_BUTTONS.items()]
    rows = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
    return render.Reply(
        f"⚠️ Wat klopt er niet meer bij <b>{render.esc(render.clip(service.organisation, 80))} · "
        f"{render.esc(render.clip(service.name, 80))}</b>?", (*rows, (cancel_button(),)))


def report_buttons(report_id: int, tag: str) -> tuple[tuple[render.Button, ...], ...]:
    """Send without a remark, or withdraw; `tag` binds both to the chat that made the report."""
    return ((render.Button("➡️ Versturen zonder opmerking", cd.SendReport(report_id, tag).encode()),),
            (render.Button("Annuleren", cd.CancelReport(report_id, tag).encode()),))


def ask_remark(service: Service, report_id: int, tag: str) -> render.Reply:
    return render.Reply(
        "Dank je! Wil je er één korte opmerking bij zetten <b>over de dienst</b>, bv. "
        "<i>het nummer werkt niet meer</i>? Antwoord dan op het volgende bericht.\n"
        "🔒 Noem geen gezin, leerling of andere persoon.",
        report_buttons(report_id, tag))


REMARK_PROMPT = "✍️ Je opmerking over de dienst (antwoord op dit bericht):"
REMARK_PLACEHOLDER = "Opmerking over de dienst, geen namen"


def remark_refused(report_id: int, tag: str) -> render.Reply:
    return render.Reply(
        "🔒 Je opmerking lijkt een naam, een telefoonnummer of een e-mailadres te bevatten. Die "
        "bewaar ik niet. Stuur de opmerking opnieuw, alleen over de dienst (bv. <i>verhuisd naar "
        "een ander adres</i>), of verstuur zonder opmerking.",
        report_buttons(report_id, tag))


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


def too_many_reports() -> render.Reply:
    return render.Reply("Je meldde het afgelopen uur al heel wat; die meldingen zijn doorgegeven. Probeer het "
                        "later opnieuw als er nog iets niet klopt.")


def already_sent() -> render.Reply:
    return render.Reply("✅ Die melding is al doorgegeven. Bedankt!")


def thanks() -> str:
    return "Bedankt voor je feedback!"


# ── what editors and coordinators see ───────────────────────────────────────────────────────

def admin_edit_data(service: Service) -> str:
    """The button that opens this service in /beheer."""
    return cd.BeheerService.of("s", service.id).encode()


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
    buttons = editor_buttons(service, cd.ReportStillRight(report.id).encode()) if service is not None else ()
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
