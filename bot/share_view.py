"""What the brugfiguur sees while sharing a service with a parent (Dutch): shared by the Telegram
handlers (bot/handlers/share.py) and the terminal chat (bot/terminal.py).

Buttons: ShareCard, ShareIn and DefaultLanguage (bot/callback_data.py).
"""
from __future__ import annotations

from kennisbank.schema import Service

from . import callback_data as cd
from . import render
from .i18n import PARENT_LANGUAGES, SOURCE_LANGUAGE, autonym, language_name

LANGUAGES_PER_ROW = 3


def share_button(service: Service) -> render.Button:
    """For any message that shows a service: the first step of sharing it."""
    return render.Button("📤 Deel met ouder", cd.ShareCard(service.id).encode())


def share_prompt(service: Service) -> render.Reply:
    return render.Reply(
        f"📤 <b>{render.esc(render.clip(service.name, 80))}</b> doorsturen naar een ouder? "
        "Je krijgt een korte kaart in de taal van de ouder.",
        ((share_button(service),),))


def _language_rows(data_for) -> tuple[tuple[render.Button, ...], ...]:
    buttons = [render.Button(autonym(code), data_for(code)) for code in PARENT_LANGUAGES]
    return tuple(tuple(buttons[i:i + LANGUAGES_PER_ROW]) for i in range(0, len(buttons), LANGUAGES_PER_ROW))


def language_choice(service: Service) -> render.Reply:
    return render.Reply(
        f"🌍 In welke taal leest de ouder het best? (<b>{render.esc(render.clip(service.name, 80))}</b>)",
        _language_rows(lambda code: cd.ShareIn(code, service.id).encode()))


def default_language_choice() -> render.Reply:
    return render.Reply("🌍 In welke taal wil je kaarten voor ouders standaard delen (ook via "
                        "<code>@bot</code> in andere chats)?",
                        _language_rows(lambda code: cd.DefaultLanguage(code).encode()))


def ready_to_forward(lang: str) -> render.Reply:
    return render.Reply(
        f"✅ Hieronder de kaart in het <b>{render.esc(language_name(lang, SOURCE_LANGUAGE))}</b>. "
        "Houd het bericht ingedrukt en kies <i>Doorsturen</i>; het contact kan de ouder meteen "
        "opslaan. Er staat niets over het gezin in.")


def ready_for_copy(lang: str) -> str:
    """The terminal chat's line above the parent card (there is nothing to forward there)."""
    return (f"✅ De kaart in het <b>{render.esc(language_name(lang, SOURCE_LANGUAGE))}</b>, om te kopiëren "
            "naar een bericht voor de ouder. Er staat niets over het gezin in.")


def default_language_set(lang: str) -> render.Reply:
    return render.Reply(
        f"✅ Kaarten voor ouders deel je nu in het <b>{render.esc(language_name(lang, SOURCE_LANGUAGE))}"
        "</b>. Typ in eender welke chat <code>@</code> + de naam van de bot en een nood, bv. "
        "<i>schulden</i>.")
