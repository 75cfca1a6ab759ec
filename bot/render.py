"""Every text the bot sends, as Telegram HTML plus inline buttons, independent of Telegram itself.

The bot and the terminal chat show the same `Reply`; the terminal prints `reply.plain()`.
All data from entries is escaped here (entries come from YAML and from organisations), every
message fits Telegram's 4,096 characters (long fields are clipped, never the markup), and every
button's callback data comes from bot/callback_data.py (≤ 64 bytes).
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from babel.dates import format_date

from kennisbank import freshness, practical
from kennisbank.fields import phone_national
from kennisbank.outbox import MAX_AGE as OUTBOX_MAX_AGE
from kennisbank.safety import ACUTE_LINE, kind_label
from kennisbank.schema import Service
from kennisbank.search import Answer, Match
from kennisbank.themes import load_themes, theme_label

from . import callback_data as cd
from .i18n import language_name

MESSAGE_LIMIT = 4096        # Telegram: characters (UTF-16 code units) per message
BUTTON_LABEL_MAX = 40       # longer labels are cut off on a phone anyway
PAGE_SIZE = 3               # services per answer; "Meer resultaten" shows the next ones

esc = html.escape


@dataclass(frozen=True)
class Button:
    label: str
    data: str | None = None   # callback data (bot/callback_data.py)
    url: str | None = None


@dataclass(frozen=True)
class Reply:
    html: str
    buttons: tuple[tuple[Button, ...], ...] = ()

    def plain(self) -> str:
        return html_to_plain(self.html)


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


# ── Telegram's length-limited fields ──────────────────────────────────────────────────────
#
# Every value taken from the data (a name, a summary, a vCard) that lands in a Telegram field
# with a limit goes through `tg_field` (cut to fit) or `fits` (may it be sent as it is?), so the
# limit and its unit are written once. Telegram refuses a request with a field over its limit:
# the user then gets nothing. Units: "utf16" (UTF-16 code units, Telegram's characters) or
# "bytes" (UTF-8). Limits Telegram does not document are what a phone shows.
FIELD_LIMITS: dict[str, tuple[int, str]] = {
    "message": (MESSAGE_LIMIT, "utf16"),        # sendMessage.text, after entity parsing
    "caption": (1024, "utf16"),                 # sendPhoto.caption
    "button": (BUTTON_LABEL_MAX, "utf16"),      # an inline button's label (a phone cuts it anyway)
    "callback_data": (64, "bytes"),             # bot/callback_data.py checks its own
    "contact_name": (64, "utf16"),              # sendContact.first_name / last_name
    "vcard": (2048, "bytes"),                   # sendContact.vcard
    "venue_title": (120, "utf16"),              # sendVenue.title
    "venue_address": (200, "utf16"),            # sendVenue.address
    "inline_title": (100, "utf16"),             # InlineQueryResultArticle.title
    "inline_description": (200, "utf16"),       # InlineQueryResultArticle.description
}


def tg_size(kind: str, text: str) -> int:
    """The size of a value as Telegram measures the field `kind` (FIELD_LIMITS)."""
    unit = FIELD_LIMITS[kind][1]
    return len(text.encode("utf-8")) if unit == "bytes" else tg_len(text)


def fits(kind: str, text: str) -> bool:
    """May this value go into the Telegram field `kind` as it is?"""
    return tg_size(kind, text) <= FIELD_LIMITS[kind][0]


def tg_field(kind: str, text: str | None) -> str:
    """A one-line value cut (with an ellipsis) to fit the Telegram field `kind`, in its own unit."""
    text = " ".join((text or "").split())
    if fits(kind, text):
        return text
    limit = FIELD_LIMITS[kind][0]
    cut = text
    while cut and tg_size(kind, cut.rstrip() + "…") > limit:
        # shrink by the overshoot at once (at least one character), then exactly
        over = tg_size(kind, cut + "…") - limit
        cut = cut[: len(cut) - max(1, over // 4)]
    return cut.rstrip() + "…"


def clip(text: str | None, limit: int) -> str:
    """Shorten plain text (before escaping) to `limit` characters with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: max(1, limit - 1)].rstrip() + "…"


def clip_block(text: str | None, limit: int) -> str:
    """Like clip, but keeps line breaks (descriptions, hours)."""
    text = "\n".join(" ".join(line.split()) for line in (text or "").strip().splitlines()).strip()
    return text if len(text) <= limit else text[: max(1, limit - 1)].rstrip() + "…"


def fit(build: Callable[[int], str], start: int = 1200, floor: int = 12) -> str:
    """Build with a per-field cap, shrinking the cap until the message fits Telegram's limit."""
    cap = start
    while True:
        text = build(cap)
        if tg_len(text) <= MESSAGE_LIMIT or cap <= floor:
            break
        cap = max(floor, int(cap * 0.7))
    if tg_len(text) > MESSAGE_LIMIT:  # only with absurd amounts of fields; keep the message valid
        text = esc(clip(html_to_plain(text), MESSAGE_LIMIT - 10))
    return text


def visible_len(text_html: str) -> int:
    """Length of an HTML message as Telegram counts it: after entity parsing (tags out, entities
    decoded), in UTF-16 code units."""
    return tg_len(html.unescape(re.sub(r"<[^>]+>", "", text_html)))


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z-]*)[^>]*>")


def _tags_after(line: str, open_tags: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (name, opening tag) still open after `line`, given those open before it."""
    stack = list(open_tags)
    for m in _TAG.finditer(line):
        if m.group(1):
            if stack and stack[-1][0] == m.group(2).lower():
                stack.pop()
        else:
            stack.append((m.group(2).lower(), m.group(0)))
    return stack


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Telegram HTML over as many messages as it needs, each at most `limit` UTF-16 units after
    entity parsing (visible_len), split only between lines.

    A tag open across a split (a <pre> table, a <b> over several lines) is closed at the end of
    one part and opened again, attributes and all, at the start of the next, so every part is
    valid HTML with its formatting; a split never falls inside a tag. A <pre> block holds a table
    in this bot (/signalen): reopened in a later message it repeats its first line, the column
    header. Only a single line longer than a message on its own is cut, as text, at spaces. Empty
    lines at a split are dropped.
    """
    if visible_len(text) <= limit:
        return [text]
    parts: list[str] = []
    lines: list[str] = []
    opened: list[tuple[str, str]] = []      # open at the start of the current part
    current: list[tuple[str, str]] = []     # open after the last line of the current part
    header = ""                              # first line of the open <pre> table
    used = 0

    def flush() -> None:
        nonlocal lines, opened, used
        while lines and not lines[-1].strip():
            lines.pop()
        body = "\n".join(lines)
        if body.strip():
            parts.append("".join(tag for _name, tag in opened) + body
                         + "".join(f"</{name}>" for name, _tag in reversed(current)))
        lines, opened, used = [], list(current), 0
        if header and any(name == "pre" for name, _tag in current):
            lines, used = [header], visible_len(header)

    for line in text.split("\n"):
        size = visible_len(line) + (1 if lines else 0)
        if lines and used + size > limit:
            flush()
            if not line.strip():
                continue                      # no part starts with an empty line
            size = visible_len(line)
        if size > limit:                      # one line longer than a message: cut it as text
            if lines and lines != [header]:
                flush()
            plain = html.unescape(re.sub(r"<[^>]+>", "", line))
            for piece in _cut_plain(plain, limit):
                lines, used = [esc(piece, quote=False)], tg_len(piece)
                flush()
            current = _tags_after(line, current)
            opened = list(current)
            continue
        lines.append(line)
        used += size
        after = _tags_after(line, current)
        if any(name == "pre" for name, _tag in after) and not any(name == "pre" for name, _tag in current):
            header = re.sub(r"^.*?<pre[^>]*>", "", line, count=1, flags=re.S)   # the table's first line
        elif not any(name == "pre" for name, _tag in after):
            header = ""
        current = after
    if lines and lines != [header]:           # not only a repeated table header
        flush()
    return parts


def _cut_plain(text: str, limit: int) -> list[str]:
    """Plain text in pieces of at most `limit` UTF-16 units, at a space where there is one."""
    pieces = []
    while tg_len(text) > limit:
        cut = len(text)
        while tg_len(text[:cut]) > limit:
            cut = max(1, cut - max(1, (tg_len(text[:cut]) - limit) // 2))
        space = text.rfind(" ", 0, cut)
        cut = space if space > cut // 2 else cut
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def split_reply(reply: Reply, limit: int = MESSAGE_LIMIT) -> list[Reply]:
    """A reply as one or more messages (split_html); the buttons go with the last part, under
    the end of the list they belong to."""
    parts = split_html(reply.html, limit)
    return [Reply(part, reply.buttons if i == len(parts) - 1 else ()) for i, part in enumerate(parts)]


def html_to_plain(text: str) -> str:
    """For the terminal: links as 'text (url)', tags dropped, entities decoded."""
    def link(m: re.Match) -> str:
        url, label = html.unescape(m.group(1)), m.group(2)
        return label if html.unescape(label) == url else f"{label} ({url})"
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', link, text, flags=re.S)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text)


def button_label(text: str) -> str:
    return tg_field("button", text)


# ── small pieces ─────────────────────────────────────────────────────────────────────────

def nice_date(d: date) -> str:
    return format_date(d, format="long", locale="nl_BE")


def is_stale(service: Service, today: date | None = None) -> bool:
    return freshness.is_stale(service, today or date.today())


def language_names(codes: Iterable[str]) -> str:
    return ", ".join(language_name(c, "nl") for c in codes)


def map_url(service: Service) -> str | None:
    loc = service.location
    if loc is None:
        return None
    if loc.lat is not None and loc.lon is not None:
        return (f"https://www.openstreetmap.org/?mlat={loc.lat}&mlon={loc.lon}"
                f"#map=17/{loc.lat}/{loc.lon}")
    if loc.address:
        return "https://www.openstreetmap.org/search?query=" + quote(loc.address)
    return None


def link(url: str, label: str) -> str:
    if not url.lower().startswith(("https://", "http://")):  # no javascript: or tg: from data
        return esc(label)
    return f'<a href="{esc(url, quote=True)}">{esc(label)}</a>'


def theme_title(theme_id: str) -> str:
    theme = load_themes().get(theme_id)
    if theme is None:
        return theme_id
    return f"{theme.emoji} {theme.label}".strip()


def example_line() -> str:
    return "ℹ️ <i>Dit zijn voorbeeldgegevens van een fictieve regio, geen echte diensten.</i>"


PRIVACY_HINT = ("🔒 <i>Tip: namen of gegevens van het gezin zijn niet nodig. "
                "Ik bewaar je vraag niet, maar je hoeft ze ook niet te sturen.</i>")


def status_lines(service: Service, today: date | None = None) -> list[str]:
    lines = []
    if service.is_closed:
        lines.append("⚠️ <b>Tijdelijk gesloten</b>: bel eerst of kies een andere dienst.")
    if is_stale(service, today) and service.last_verified is not None:
        lines.append(f"🕓 <i>Niet meer bevestigd sinds {esc(nice_date(service.last_verified))}: "
                     "gegevens kunnen verouderd zijn.</i>")
    return lines


def contact_line(service: Service, cap: int = 80) -> str | None:
    """The named person first (seed: 'een gezicht'), else the general line."""
    c = service.contact
    phone = c.phone or service.phone
    parts = []
    if c.name:
        who = esc(clip(c.name, cap))
        if c.role:
            who += f", {esc(clip(c.role, cap))}"
        parts.append(f"👤 {who}")
    else:  # e.g. fresh from De Sociale Kaart: say the face is missing rather than hide it
        parts.append("👤 <i>nog geen vaste contactpersoon</i>")
    if phone:
        parts.append(f"📞 {esc(phone_national(phone))}")
    elif c.email or service.email:
        parts.append(f"✉️ {esc(clip(c.email or service.email, cap))}")
    elif service.url:
        parts.append(f"🌐 {esc(clip(service.url, cap))}")
    return " · ".join(parts) or None


# Why a service the question rules out (Match.ruled_out) may not fit: one wording for the bot and
# the terminal ("Let op: ..." in `welzijnsbot zoek`).
RULED_OUT_NOTES = {
    "age": "voor een andere leeftijd dan in je vraag",
    "organisation": "je schreef dat het gezin hier al was of er niet naartoe wil",
}


def service_block(n: int, match: Match | Service, today: date | None = None, cap: int = 200,
                  urgent: bool = False, ruled_out: str | None = None) -> str:
    """One service: name, summary, contact; an urgent door also says when it can be reached, and a
    service the question rules out ("age", "organisation"; it comes last) says why it may not fit."""
    service = match.service if isinstance(match, Match) else match
    mark = "🚨 " if urgent else ""
    lines = [f"<b>{mark}{n}. {esc(clip(service.organisation, cap))} · {esc(clip(service.name, cap))}</b>",
             esc(clip(service.summary, max(cap, 40)))]
    contact = contact_line(service, min(cap, 80))
    if contact:
        lines.append(contact)
    if urgent and service.hours:
        lines.append(f"🕓 {esc(clip(service.hours, min(cap, 80)))}")
    lines.extend(status_lines(service, today))
    note = RULED_OUT_NOTES.get(ruled_out or "")
    if note:
        lines.append(f"⚠️ <i>{esc(note[:1].upper() + note[1:])}.</i>")
    return "\n".join(lines)


def card_buttons(services: Sequence[Service], first: int = 1) -> list[tuple[Button, ...]]:
    """Per service: open its full card, or share it with a parent straight from the answer."""
    return [(Button(button_label(f"📇 {n}. {s.name}"), cd.ShowCard(s.id).encode()),
             Button("📤 Deel", cd.ShareCard(s.id).encode()))
            for n, s in enumerate(services, first)]


def theme_buttons(theme_ids: Iterable[str], per_row: int = 2) -> list[tuple[Button, ...]]:
    buttons = [Button(button_label(theme_title(t)), cd.ThemePage(t).encode()) for t in theme_ids]
    return [tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row)]


# ── conversation texts ───────────────────────────────────────────────────────────────────

# A municipality and postcode of the loaded knowledge base, for examples (Knowledge.example_place);
# None when there is none: the texts then give no example rather than one that does not work.
ExamplePlace = tuple[str, int] | None


def _for_example(example: ExamplePlace) -> str:
    """' (bv. <code>9803</code> of <code>Beekdonk</code>)', or '' without an example."""
    if example is None:
        return ""
    name, postcode = example
    return f" (bv. <code>{postcode}</code> of <code>{esc(name)}</code>)"


def welcome(place: str | None = None, postcode: int | None = None, example: ExamplePlace = None) -> Reply:
    """Three lines on what the bot does; then the location question, unless one is known."""
    if postcode is None:
        follow = ask_location(example).html
    else:
        follow = (f"📍 Je school: <b>{esc(place or str(postcode))}</b>. Stel je vraag, of kies "
                  "een andere gemeente met /postcode.")
    return Reply(
        "👋 Ik help je de juiste dienst te vinden voor een gezin of leerling van je school.\n"
        "Beschrijf het probleem in gewone woorden; je krijgt diensten met een contactpersoon.\n"
        "<b>Noem geen namen: ik bewaar je vraag niet.</b>\n\n" + follow)


def ask_location(example: ExamplePlace = None) -> Reply:
    return Reply(f"In welke gemeente ligt je school? Stuur de gemeente of de postcode{_for_example(example)}.")


# The bot's commands for coordinators and organisations: they need a Telegram user (roles, invites).
TELEGRAM_ONLY = {"beheer": "(je eigen aanbod bijwerken)", "signalen": "(anonieme signalen voor coördinatoren)",
                 "herlaad": "(de regio-bestanden opnieuw laden)"}


def telegram_only(name: str) -> Reply:
    """A command of TELEGRAM_ONLY typed in the terminal chat: where it works, and what works here."""
    return Reply(f"/{esc(name)} {TELEGRAM_ONLY[name]} werkt enkel in Telegram, in je privégesprek met de bot. "
                 "Hier in de terminal: de opdrachtregel, zie <code>welzijnsbot --help</code>.")


def location_unknown(example: ExamplePlace = None) -> Reply:
    return Reply("Die gemeente of postcode ken ik niet. Stuur een postcode van vier cijfers "
                 f"of de naam van de gemeente{_for_example(example)}.")


def location_set(postcode: int, place: str | None, example: bool, answering: int = 0, forgotten: int = 0) -> Reply:
    """answering: how many questions asked before the place was known are answered right after;
    forgotten: how many of those questions were forgotten unanswered (too old, or no room)."""
    if answering > 1:
        ask = f"Hieronder de antwoorden op je {_count_word(answering)} vragen."
    elif answering:
        ask = "Hieronder het antwoord op je vraag."
    else:
        ask = "Stel nu je vraag in gewone woorden."
    if forgotten == 1:
        ask += " Eén vraag van daarvoor heb ik niet meer onthouden: stel ze gerust opnieuw."
    elif forgotten:
        ask += (f" {_count_word(forgotten).capitalize()} vragen van daarvoor heb ik niet meer onthouden: "
                "stel ze gerust opnieuw.")
    if place:
        text = f"📍 Ingesteld: <b>{esc(place)}</b> ({postcode}). {ask}"
    else:
        text = (f"📍 Ingesteld: postcode <b>{postcode}</b>. Voor die gemeente heb ik nog geen lokale "
                f"diensten; je krijgt de diensten voor heel Vlaanderen. {ask}")
    if example:
        text += "\n" + example_line()
    return Reply(text)


KEPT_QUOTE = 80   # characters of a kept question repeated above its answer


def kept_answer(question: str, reply: Reply) -> Reply:
    """The answer to a question kept from before the place was known, headed by that question.

    It comes after the place message, maybe with other kept answers: each says which question it
    answers (clipped to KEPT_QUOTE characters, escaped). The text goes to the chat it came from,
    nowhere else."""
    return Reply(f"❓ <i>{esc(clip(' '.join(question.split()), KEPT_QUOTE))}</i>\n{reply.html}", reply.buttons)


def need_location(example: ExamplePlace = None, waiting: int = 1, dropped: bool = False) -> Reply:
    """A question before the place is known: it is kept (memory only) and answered once the place is given.

    waiting: how many questions are kept now; dropped: the oldest had to make room for this one."""
    if waiting <= 1:
        return Reply("Eerst nog één ding: in welke gemeente ligt je school? Stuur de gemeente of de "
                     f"postcode{_for_example(example)}. Dan beantwoord ik meteen je vraag; tot dan "
                     "onthoud ik ze even, niet langer dan 10 minuten.")
    text = (f"📝 Ik onthoud ook deze vraag. Stuur nog de gemeente of de postcode van je "
            f"school{_for_example(example)}, dan beantwoord ik je {_count_word(waiting)} vragen meteen.")
    if dropped:
        # Not "your oldest question": a calm one makes room before one that sounds like danger.
        text += (f"\nIk onthoud er niet meer dan {_count_word(waiting)}: een eerdere vraag heb ik laten vallen "
                 "(vragen die naar gevaar klinken, onthoud ik het langst). Stel die straks gerust opnieuw.")
    return Reply(text)


def _count_word(n: int) -> str:
    """A small count as Flemish Dutch writes it in a sentence ("je twee vragen"); digits above ten."""
    words = ("nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien")
    return words[n] if 0 <= n < len(words) else str(n)


def help_text(place: str | None, postcode: int | None, example: ExamplePlace = None) -> Reply:
    where = (f"Je school: <b>{esc(place or str(postcode))}</b>." if postcode
             else "Je hebt nog geen gemeente gekozen.")
    return Reply(
        "Typ het probleem zoals je het zou zeggen, bv. <i>een mama wordt uit haar huis gezet</i> "
        "of <i>papa krijgt brieven van een deurwaarder</i>. Je krijgt de diensten van je gemeente "
        "met een contactpersoon; tik op een dienst voor alle gegevens.\n\n"
        f"{where}\n"
        f"{place_commands(example)}: gemeente van je school kiezen\n"
        "/privacy: wat ik bewaar\n"
        "/vergeet: alles wissen wat ik over deze chat bewaar")


def place_commands(example: ExamplePlace) -> str:
    """'/postcode 9803 of /gemeente Beekdonk', or the bare commands without an example."""
    if example is None:
        return "/postcode of /gemeente"
    name, postcode = example
    return f"/postcode {postcode} of /gemeente {esc(name)}"


PENDING_MAX_WORD = "drie"   # bot.answering.PENDING_MAX in words (a test checks they agree)


def privacy_text() -> Reply:
    return Reply(
        "🔒 <b>Wat ik bewaar</b>\n"
        "• je chat-id en de postcode van je school, zodat je die niet elke keer moet geven.\n"
        "• per beantwoorde vraag een anoniem signaal: de dag, de gemeente, de herkende noden "
        "(thema's), welke diensten ik toonde, of er iets paste en je 👍/👎. Zonder je vraag, "
        "zonder chat-id of naam: het kan niet naar jou of een gezin terugwijzen. "
        "Regiocoördinatoren zien ze enkel geteld per volledige kalendermaand, gemeente en nood; "
        "minder dan 5 toon ik als \"&lt;5\", en een totaal dat zo'n klein aantal zou verraden, "
        "verberg ik.\n"
        "• 👍/👎 op een dienstkaart, per dienst geteld, zonder chat-id.\n"
        "• een melding \"klopt niet meer\": de dienst, wat niet klopt en je korte opmerking over "
        "de dienst (zonder je chat-id). Die gaat naar de organisatie en de regiocoördinator.\n"
        "• voor wie het aanbod van een organisatie beheert: je Telegram-id bij die organisatie, "
        "je wijzigingen, en wanneer ik je een herinnering stuurde om je gegevens na te kijken.\n"
        "• een antwoord dat nog onderweg is: je chat-id en mijn eigen antwoord (tekst en knoppen, "
        "dus ook welke diensten ik toon), nooit je vraag. Zo komt het toch aan als Telegram even "
        "niet bereikbaar is. Ik wis het zodra Telegram het aanvaardt, en ten laatste na "
        f"{int(OUTBOX_MAX_AGE.total_seconds() // 60)} minuten.\n"
        "Je vragen en de namen die erin staan, schrijf ik nergens weg, ook niet in een logboek. "
        "Stel je een vraag voor ik je gemeente ken, dan onthoud ik ze in mijn werkgeheugen tot je "
        f"die geeft, hoogstens {PENDING_MAX_WORD} vragen en elk niet langer dan 10 minuten. "
        "Lijkt een vraag over gevaar voor een leven of een kind te gaan, dan toon ik eerst de "
        "dringende hulp; ook dat bewaar ik niet (het signaal kent enkel de thema's).\n\n"
        "Met /vergeet wis je alles wat ik over deze chat bewaar, ook je koppeling als beheerder. "
        "De anonieme signalen en meldingen horen bij geen enkele chat, dus die blijven; wie een "
        "wijziging aan het aanbod deed, blijft in het wijzigingslog staan.")


def forgotten() -> Reply:
    return Reply("🗑️ Gewist: ik bewaar niets meer over deze chat. Met /start begin je opnieuw.")


def expired() -> Reply:
    return Reply("Die knop is verlopen. Stel je vraag gerust opnieuw.")


def database_damaged() -> Reply:
    """For a user whose action needed the (damaged) database: nothing was saved."""
    return Reply("⚠️ Er is een probleem met de databank: wat je net deed, is niet bewaard. De "
                 "coördinator is verwittigd. Vragen over hulp beantwoord ik intussen gewoon verder.")


def apology() -> Reply:
    return Reply("😕 Sorry, er ging iets mis aan mijn kant. Probeer het zo meteen nog eens.")


def answer(result: Answer, *, page_services: Sequence[Service] | None = None, first: int = 1,
           more_data: str | None = None, example: bool = False, privacy_hint: bool = False,
           heading: str | None = None, today: date | None = None) -> Reply:
    """One compact message for a phone: the recognised need, then the services with a contact."""
    services = list(page_services) if page_services is not None else [m.service for m in result.matches]

    urgent = {m.id for m in result.matches if m.urgent}
    ruled_out = {m.id: m.ruled_out for m in result.matches if m.ruled_out}
    leads = result.safety is not None and result.safety.leads

    def build(cap: int) -> str:
        parts = []
        if leads:
            parts.append(safety_heading(result))
        if heading:
            parts.append(heading)
        elif leads:
            pass  # the safety heading says what this answer is about first
        elif result.themes:
            parts.append("🔎 <b>Herkend:</b> " + esc(", ".join(theme_title(t) for t in result.themes)))
        else:
            parts.append("🔎 <b>Dit past het best bij je vraag:</b>")
        parts.extend(service_block(n, s, today, min(cap, 200), urgent=s.id in urgent, ruled_out=ruled_out.get(s.id))
                     for n, s in enumerate(services, first))
        if leads and len(services) > len(urgent) and result.themes:
            recognised = ", ".join(theme_title(t) for t in result.themes)
            parts.insert(1 + len(urgent), "🔎 <b>Ook herkend:</b> " + esc(recognised))
        if result.names_emergency and not leads:
            parts.insert(0, EMERGENCY_NAMED)   # the school wrote 112 or "ziekenwagen": the number first
        elif result.safety is not None and not leads:
            parts.append(POSSIBLE_DANGER)
        if example or any(s.example for s in services):
            parts.append(example_line())
        if privacy_hint:
            parts.append(PRIVACY_HINT)
        return "\n\n".join(parts)

    buttons = card_buttons(services, first)
    if more_data:
        buttons.append((Button("➕ Meer resultaten", more_data),))
    return Reply(fit(build), tuple(buttons))


POSSIBLE_DANGER = f"🚨 Vrees je voor de veiligheid van een kind of een ouder? {esc(ACUTE_LINE)}"
# For a question that names 112 or an ambulance itself (kennisbank/search/emergency.py): no alert, no
# urgent door in front, but the number before anything else.
EMERGENCY_NAMED = f"🚨 {esc(ACUTE_LINE)}"
# After that line, when no service fits: neutral, since the rule also meets a question that only
# mentions 112 (a fresh reviewer: "Vertel wat er gebeurde" presumed an incident).
EMERGENCY_NOTHING_FITS = "Ik vind geen welzijnsdienst die goed past bij je vraag."


def possible_danger() -> Reply:
    """Before the place is known, for a question that may concern a danger: the 112 line alone."""
    return Reply(POSSIBLE_DANGER)


def emergency_named() -> Reply:
    """Before the place is known, for a question that names 112 or an ambulance: the 112 line alone."""
    return Reply(EMERGENCY_NAMED)


def safety_heading(result: Answer) -> str:
    """First lines of an answer to a question that may concern a life or a child's safety."""
    assert result.safety is not None
    kind = kind_label(result.safety.kind, result.safety.also, result.safety.unsure)
    line = f"🚨 <b>Dit klinkt ernstig ({esc(kind)}).</b> {esc(ACUTE_LINE)}"
    if any(m.urgent for m in result.matches):
        line += "\nHier kan je dringend terecht:"
    return line


def safety_without_doors(result: Answer, entry_points: Sequence[Service], place: str | None,
                         example: bool = False, today: date | None = None) -> Reply:
    """A possible danger but no urgent service in this area: 112, then the general front doors."""
    def build(cap: int) -> str:
        parts = [safety_heading(result)]
        if entry_points:
            where = f" in {esc(place)}" if place else ""
            parts.append(f"Voor hulp daarna kan je terecht bij het algemene onthaal{where}:")
            parts.extend(service_block(n, s, today, min(cap, 200)) for n, s in enumerate(entry_points, 1))
        if example or any(s.example for s in entry_points):
            parts.append(example_line())
        return "\n\n".join(parts)
    return Reply(fit(build), tuple(card_buttons(entry_points)))


def ask_back(result: Answer, privacy_hint: bool = False) -> Reply:
    text = ("🤔 Ik ben niet zeker wat je bedoelt. Over welke nood gaat het? Kies hieronder, "
            "of stel je vraag in andere woorden.")
    if result.names_emergency:
        text = f"{EMERGENCY_NAMED}\n\n{text}"
    if privacy_hint:
        text += "\n\n" + PRIVACY_HINT
    return Reply(text, tuple(theme_buttons(result.themes, per_row=1)))


OTHER_NEEDS_LABEL = "Andere nood…"


def not_found(entry_points: Sequence[Service], place: str | None, example: bool = False,
              privacy_hint: bool = False, today: date | None = None, needs: Sequence[str] = (),
              unserved: Sequence[str] = (), emergency: bool = False) -> Reply:
    """Nothing fits: the front doors, the likely needs (answering.likely_needs, at most a few for a
    phone screen) and "Andere nood…", which opens the full list (all_needs). `unserved`: recognised
    needs no service of this area lists (KnowledgeBase.unserved): said plainly, so nobody rewords a
    question the search understood. `emergency`: the question names 112 or an ambulance
    (Answer.names_emergency): the 112 line comes first, then that no welfare service fits."""
    def build(cap: int) -> str:
        parts = ["Ik vind geen dienst die goed past bij je vraag."]
        if unserved:
            parts[0] = unserved_line(unserved, place)
        elif emergency:
            parts[0] = EMERGENCY_NOTHING_FITS
        if emergency:
            parts.insert(0, EMERGENCY_NAMED)
        if entry_points:
            where = f" in {esc(place)}" if place else ""
            parts.append(f"Met elke vraag kan je terecht bij het algemene onthaal{where}:")
            parts.extend(service_block(n, s, today, min(cap, 200)) for n, s in enumerate(entry_points, 1))
        parts.append("Of kies de nood waar het over gaat:")
        if example or any(s.example for s in entry_points):
            parts.append(example_line())
        if privacy_hint:
            parts.append(PRIVACY_HINT)
        return "\n\n".join(parts)
    buttons = (card_buttons(entry_points) + theme_buttons(needs)
               + [(Button(OTHER_NEEDS_LABEL, cd.AllNeeds().encode()),)])
    return Reply(fit(build), tuple(buttons))


def named_needs(themes: Sequence[str]) -> str:
    """'“Huiswerkbegeleiding”', '“A”, “B” en “C”': the needs' labels in a sentence (plain text)."""
    labels = [f"“{theme_label(t)}”" for t in themes]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " en " + labels[-1]


def unserved_line(themes: Sequence[str], place: str | None) -> str:
    """'Voor “Huiswerkbegeleiding” ken ik geen dienst in Lindegem.' (HTML-escaped)."""
    where = f" in {place}" if place else " in deze regio"
    return esc(f"Voor {named_needs(themes)} ken ik geen dienst{where}.")


def all_needs() -> Reply:
    """Every need as a button (after "Andere nood…")."""
    return Reply("Over welke nood gaat het? Kies hieronder.", tuple(theme_buttons(load_themes())))


def card(service: Service, today: date | None = None) -> Reply:
    """The full entry in readable form. A service without location never shows an address."""
    def build(cap: int) -> str:
        c = service.contact
        small = min(cap, 200)
        lines = [f"<b>{esc(clip(service.organisation, small))}</b>",
                 f"<b>{esc(clip(service.name, small))}</b>"]
        lines.extend(status_lines(service, today))
        lines.append("")
        lines.append(esc(clip(service.summary, max(small, 40))))
        if service.description:
            lines.append(esc(clip_block(service.description, cap)))
        lines.append("")
        if c.name or c.phone or c.email:
            who = esc(clip(c.name, small)) if c.name else "Contact"
            if c.role:
                who += f", {esc(clip(c.role, small))}"
            lines.append(f"👤 <b>{who}</b>")
            if c.phone:
                lines.append(f"📞 {esc(phone_national(c.phone))}")
            if c.email:
                lines.append(f"✉️ {esc(clip(c.email, small))}")
        if service.phone and service.phone != c.phone:
            lines.append(f"☎️ Algemeen nummer: {esc(phone_national(service.phone))}")
        if service.email and service.email != c.email:
            lines.append(f"✉️ {esc(clip(service.email, small))}")
        if service.url:
            lines.append("🌐 " + link(service.url, clip(service.url, small)))
        if service.hours:
            lines.append(f"🕘 <b>Uren:</b> {esc(clip_block(service.hours, small))}")
        loc = service.location
        if loc is not None and loc.address:
            url = map_url(service)
            address = clip(loc.address, small)
            lines.append("📍 <b>Adres:</b> " + (link(url, address) if url else esc(address)))
        if service.languages:
            lines.append(f"🗣️ <b>Talen:</b> {esc(clip(language_names(service.languages), small))}")
        if service.cost:
            lines.append(f"💶 <b>Kost:</b> {esc(clip(service.cost, small))}")
        if service.bring:
            items = ", ".join(practical.BRING_ITEMS.get(item, item) for item in service.bring)
            lines.append(f"🎒 <b>Meebrengen:</b> {esc(clip(items, cap))}")
        if service.how:
            lines.append(f"🚶 <b>Hoe:</b> {esc(clip_block(service.how, cap))}")
        if service.last_verified:
            lines.append(f"✅ Laatst bevestigd: {esc(nice_date(service.last_verified))}")
        if service.example:
            lines.append(example_line())
        return "\n".join(lines).replace("\n\n\n", "\n\n").strip()
    return Reply(fit(build))


def contact_fields(service: Service) -> dict | None:
    """Arguments for sendContact (phone, first/last name), or None when there is no phone."""
    c = service.contact
    phone = c.phone or service.phone
    if not phone:
        return None
    if c.name and c.phone:
        first, _, last = c.name.strip().partition(" ")
    else:
        first, last = service.organisation, service.name
    return {"phone_number": phone, "first_name": tg_field("contact_name", first) or "Contact",
            "last_name": tg_field("contact_name", last) or None}


def venue_fields(service: Service) -> dict | None:
    """Arguments for sendVenue, only when the entry has coordinates (never for a secret address)."""
    loc = service.location
    if loc is None or loc.lat is None or loc.lon is None:
        return None
    return {"latitude": loc.lat, "longitude": loc.lon,
            "title": tg_field("venue_title", f"{service.organisation} · {service.name}"),
            "address": tg_field("venue_address", loc.address or service.organisation)}
