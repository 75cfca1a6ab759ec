"""The same conversation as the bot, in a terminal: no token needed (`welzijnsbot chat`).

It uses the bot's own composition and rendering (bot/answering.py, bot/render.py) and shows each reply
as plain text; buttons are numbered, and typing the number presses the button. Nothing is
written to disk: the postcode lives only as long as the session.
"""
from __future__ import annotations

from datetime import date
from typing import IO

from kennisbank.fields import FieldError, phone_national
from kennisbank.fields import postcode as parse_postcode
from kennisbank.schema import KnowledgeBase

from . import callback_data as cd
from . import render
from .answering import compose, compose_more, compose_theme, stash_results
from .places import location_reply, parse_location
from .state import Knowledge


class TerminalChat:
    def __init__(self, kb: KnowledgeBase, out: IO[str], postcode: int | None = None,
                 today: date | None = None):
        self.knowledge = Knowledge.build(kb)
        self.out = out
        self.postcode = postcode
        self.today = today
        self.chat_data: dict = {}
        self.buttons: list[render.Button] = []

    # ── output ──
    def show(self, reply: render.Reply) -> None:
        self.out.write(reply.plain().rstrip() + "\n")
        self.buttons = [b for row in reply.buttons for b in row]
        for n, button in enumerate(self.buttons, 1):
            self.out.write(f"  [{n}] {button.label}\n")
        self.out.write("\n")
        self.out.flush()

    # ── input ──
    def start(self) -> None:
        if self.postcode is None:
            self.show(render.welcome())
        else:
            self.show(location_reply(self.knowledge, self.postcode))

    def handle(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        if text.startswith("/"):
            self.command(text)
        elif text.isdigit() and len(text) <= 2:
            self.press(int(text))
        else:
            self.message(text)

    def command(self, text: str) -> None:
        name, _, arg = text[1:].partition(" ")
        name = name.split("@")[0].lower()
        if name == "start":
            self.show(render.welcome(self.knowledge.place_name(self.postcode), self.postcode))
        elif name in ("postcode", "gemeente"):
            if not arg.strip():
                self.show(render.ask_location())
                return
            self.set_place(parse_location(self.knowledge, arg, explicit=True))
        elif name == "help":
            self.show(render.help_text(self.knowledge.place_name(self.postcode), self.postcode))
        elif name == "privacy":
            self.show(render.Reply(render.privacy_text().html
                                   + "\n<i>Hier in de terminal wordt niets bewaard.</i>"))
        elif name == "vergeet":
            self.postcode, self.chat_data = None, {}
            self.show(render.forgotten())
        else:
            self.show(render.Reply("Die opdracht ken ik niet. Typ /help."))

    def set_place(self, postcode: int | None) -> None:
        if postcode is None:
            self.show(render.location_unknown())
            return
        self.postcode = postcode
        self.show(location_reply(self.knowledge, postcode))

    def message(self, text: str) -> None:
        place = parse_location(self.knowledge, text, strict=self.postcode is not None)
        if place is not None:
            self.set_place(place)
        elif self.postcode is None:
            self.show(render.need_location())
        else:
            outcome = compose(self.knowledge, text, self.postcode,
                              lambda ids: stash_results(self.chat_data, ids), self.today)
            self.show(outcome.reply)

    def press(self, number: int) -> None:
        if not 1 <= number <= len(self.buttons):
            self.show(render.Reply("Kies een nummer uit de lijst hierboven."))
            return
        match cd.decode(self.buttons[number - 1].data):
            case cd.ShowCard(service):
                self.card(service)
            case cd.MorePage(key, page):
                ids = self.chat_data.get("more", {}).get(key)
                self.show(compose_more(self.knowledge, key, ids, page, self.postcode, self.today))
            case cd.ThemePage(theme, page):
                self.show(compose_theme(self.knowledge, theme, page, self.postcode, self.today))
            case _:   # sharing and feedback need Telegram
                self.show(render.expired())

    def card(self, value: str) -> None:
        service = self.knowledge.resolve(value)
        if service is None:
            self.show(render.expired())
            return
        reply = render.card(service, self.today)
        extra = []
        contact = render.contact_fields(service)
        if contact:
            name = " ".join(filter(None, (contact["first_name"], contact["last_name"])))
            extra.append(f"📇 Contactkaart: {render.esc(name)}, {render.esc(phone_national(contact['phone_number']))}")
        venue = render.venue_fields(service)
        if venue:
            extra.append(f"🗺️ Locatie: {venue['latitude']}, {venue['longitude']}")
        self.show(render.Reply("\n".join([reply.html, *extra]), reply.buttons))


def run(kb: KnowledgeBase, stdin: IO[str], stdout: IO[str], postcode: int | None = None) -> int:
    chat = TerminalChat(kb, stdout, postcode)
    if postcode is not None:
        try:
            parse_postcode(postcode)
        except FieldError as exc:
            stdout.write(f"{exc}\n")
            return 2
    chat.start()
    interactive = stdin.isatty()
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        chat.handle(line)
    return 0
