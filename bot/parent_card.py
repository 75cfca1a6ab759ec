"""The contact card a bridge worker forwards to a parent, in the parent's language.

A parent keeps it on the phone, so it is a few plain lines: what the service does for them,
whom to ask for, how to reach them, where and when, and what it costs. It says nothing about
the family and never shows an address the knowledge base does not list (a shelter with a
secret address has no location, so no address line).

One list of lines feeds both renderings: HTML for Telegram (every text escaped) and plain
text for the terminal or to paste elsewhere.
"""
from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass

from babel.lists import format_list

from kennisbank.fields import phone_national
from kennisbank.schema import Service

from . import practical_view
from .i18n import (
    RLM,
    SOURCE_LANGUAGE,
    check_language,
    is_rtl,
    isolate,
    isolate_ltr,
    language_name,
    translator,
)
from .render import map_url, tg_len, visible_len

CAPTION_LIMIT = 1024   # Telegram photo caption, counted after entity parsing
MESSAGE_LIMIT = 4096   # Telegram text message
VALUE_MAX = 300        # one free-text field never takes over the card

# Lines left out, in this order, when the card would not fit in a photo caption.
# What a parent needs to act on (hours, cost, what to bring, how to get in) goes last of all.
OPTIONAL = ("url", "general_phone", "languages", "map", "bring", "how")


@dataclass(frozen=True)
class Line:
    key: str
    icon: str
    label: str | None      # already translated; None for a line that is only its value
    value: str
    ltr: bool = False      # phones, e-mail, links: always left-to-right
    link: str | None = None  # URL the value points to (HTML) or that follows it (plain text)
    style: str = ""        # "b", "i" or "" for the HTML rendering
    dutch: bool = False    # the value (or part of it) is Dutch free text without a translation


def _short(text: str) -> str:
    text = " ".join(text.split())  # newlines in an entry must not break the card's layout
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1].rstrip() + "…"


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def card_lines(service: Service, lang: str) -> list[Line]:
    """Everything the card says, in reading order, before it is rendered or shortened."""
    lang = check_language(lang)
    _ = translator(lang)
    texts = service.i18n.get(lang, {}) if lang != SOURCE_LANGUAGE else {}

    def label(translated: str) -> str:
        """A label with its colon, placed as the language wants it (French: 'Prix :')."""
        return _("{label}:").format(label=translated)

    lines = [Line("organisation", "🏢", None, _short(service.organisation), style="b")]
    name = texts.get("name") or service.name
    lines.append(Line("name", "", None, _short(name), style="i"))
    if service.is_closed:
        lines.append(Line("closed", "⚠️", None, _("Nu tijdelijk gesloten"), style="b"))
    summary = texts.get("summary")
    lines.append(Line("summary", "💬", label(_("Wat ze voor je doen")), _short(summary or service.summary),
                      dutch=not summary and lang != SOURCE_LANGUAGE))
    if not summary and lang != SOURCE_LANGUAGE:
        lines.append(Line("in_dutch", "ℹ️", None, _("Deze uitleg is in het Nederlands."), style="i"))
    contact = service.contact
    if contact.name:
        who = contact.name + (f" ({contact.role})" if contact.role else "")
        lines.append(Line("contact", "👤", label(_("Vraag naar")), _short(who)))
    phones = [p for p in (contact.phone, service.phone) if p]
    if phones:
        lines.append(Line("phone", "📞", label(_("Telefoon")), phone_national(phones[0]), ltr=True))
        if len(phones) > 1 and phones[1] != phones[0]:
            lines.append(Line("general_phone", "☎️", label(_("Algemeen nummer")), phone_national(phones[1]),
                              ltr=True))
    mail = contact.email or service.email
    if mail and not phones:
        lines.append(Line("email", "✉️", label(_("E-mail")), mail, ltr=True))
    if service.url:
        key = "url" if (phones or mail) else "url_only"  # the only way to reach them always stays
        lines.append(Line(key, "🌐", label(_("Website")), service.url, ltr=True, link=service.url))
    loc = service.location
    link = map_url(service)
    if loc is not None and loc.address:
        lines.append(Line("address", "📍", label(_("Adres")), _short(loc.address)))
    if link:
        lines.append(Line("map", "🗺", None, _("Toon op de kaart"), link=link))
    said = practical_view.hours(service, lang)
    if said:
        lines.append(Line("hours", "🕘", label(_("Openingsuren")), _short(said.text), dutch=said.dutch))
    if service.languages:
        spoken = sorted(service.languages, key=lambda code: code != lang)  # theirs first
        names = format_list([language_name(code, lang) for code in spoken], locale=lang)
        lines.append(Line("languages", "🗣", label(_("Ze spreken")), names))
    for key, icon, title, said in (
            ("cost", "💶", _("Kost"), practical_view.cost(service, lang)),
            ("bring", "🎒", _("Neem mee"), practical_view.bring(service, lang)),
            ("how", "👉", _("Goed om te weten"), practical_view.access(service, lang))):
        if said:
            lines.append(Line(key, icon, label(title), _short(said.text), dutch=said.dutch))
    if service.example:
        lines.append(Line("example", "🧪", None, _("Voorbeeld: deze dienst bestaat niet echt."),
                          style="i"))
    return lines


def _value(line: Line, rtl: bool, escape) -> str:
    text = escape(line.value)
    if line.ltr and (rtl or _has_rtl(line.value)):
        return isolate_ltr(text)
    if rtl or _has_rtl(line.value):
        return isolate(text)
    return text


def _escape(text: str) -> str:
    """Text between tags: <, > and & escaped; quotes only inside attributes (the href)."""
    return html.escape(text, quote=False)


def _render_html(line: Line, rtl: bool) -> str:
    value = _value(line, rtl, _escape)
    if line.link:
        value = f'<a href="{html.escape(line.link, quote=True)}">{value}</a>'
    if line.style:
        value = f"<{line.style}>{value}</{line.style}>"
    label = f"<b>{_escape(line.label)}</b> " if line.label else ""
    text = " ".join(part for part in (line.icon, label + value) if part)
    return (RLM + text) if rtl else text


def _render_text(line: Line, rtl: bool) -> str:
    value = _value(line, rtl, lambda s: s)
    if line.link and line.link != line.value:
        value = f"{value}: {isolate_ltr(line.link) if rtl else line.link}"
    label = f"{line.label} " if line.label else ""
    text = " ".join(part for part in (line.icon, label + value) if part)
    return (RLM + text) if rtl else text


# How Telegram measures (UTF-16 units; an HTML message after entity parsing): one helper, in render.
utf16_length = tg_len
visible_length = visible_len


def _fit(lines: list[Line], render, measure) -> str:
    """Drop optional lines until the card fits a photo caption; the essentials always stay."""
    kept = list(lines)
    for key in (None, *OPTIONAL):
        if key is not None:
            kept = [line for line in kept if line.key != key]
        text = render(kept)
        if measure(text) <= CAPTION_LIMIT:
            break
    return text


def parent_card(service: Service, lang: str) -> str:
    """The card as Telegram HTML (parse_mode=HTML), under 1,024 characters where possible."""
    rtl = is_rtl(check_language(lang))
    return _fit(card_lines(service, lang),
                lambda lines: "\n".join(_render_html(line, rtl) for line in lines), visible_length)


def parent_card_text(service: Service, lang: str) -> str:
    """The same card as plain text (terminal, or to paste into another app)."""
    rtl = is_rtl(check_language(lang))
    return _fit(card_lines(service, lang),
                lambda lines: "\n".join(_render_text(line, rtl) for line in lines), utf16_length)
