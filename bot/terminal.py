"""The same conversation as the bot, in a terminal: no token needed (`welzijnsbot chat`).

It uses the bot's own composition and rendering (bot/answering.py, bot/render.py) and shows each reply
as plain text; buttons are numbered, and typing the number presses the button. Nothing is
written to disk: the postcode lives only as long as the session. A question asked before the
place is known waits in memory (bot/answering.keep_question) and is answered once it is given.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import IO

from kennisbank.fields import FieldError, phone_national
from kennisbank.fields import postcode as parse_postcode
from kennisbank.schema import KnowledgeBase

from . import callback_data as cd
from . import render
from .answering import (
    compose,
    compose_more,
    compose_theme,
    compose_urgent_first,
    keep_question,
    reading_before_place,
    stash_results,
    take_questions,
    unknown_place_replies,
)
from .i18n import PARENT_LANGUAGES
from .parent_card import parent_card_text
from .places import location_reply, parse_location
from .share_view import language_choice, ready_for_copy
from .state import Knowledge

log = logging.getLogger(__name__)

# The buttons the terminal chat can press; show() leaves out every other one.
TERMINAL_ACTIONS = (cd.ShowCard, cd.MorePage, cd.ThemePage, cd.AllNeeds, cd.ShareCard, cd.ShareIn)


def button_lines(rows: Sequence[Sequence[render.Button]]) -> list[str]:
    """The terminal's rendering of rows of buttons: one line a row, numbered on across rows."""
    lines, n = [], 0
    for row in rows:
        lines.append("  " + "   ".join(f"[{n + i}] {b.label}" for i, b in enumerate(row, 1)))
        n += len(row)
    return lines


class TerminalChat:
    def __init__(self, kb: KnowledgeBase, out: IO[str], postcode: int | None = None,
                 today: date | None = None, clock: Callable[[], float] = time.monotonic):
        self.knowledge = Knowledge.build(kb)
        self.clock = clock
        self.out = out
        self.postcode = postcode
        self.today = today
        self.chat_data: dict = {}
        self.buttons: list[render.Button] = []
        self.list_rows: list[list[render.Button]] = []   # the last list of services, for keep_list

    # ── output ──
    def show(self, reply: render.Reply, keep_list: bool = False, earlier: bool = False) -> None:
        """Print `reply` and number its buttons, a row of buttons on one line (a service's card and
        its "Deel" side by side, as in Telegram). `keep_list`: a reply without buttons this chat can
        press (a service's card, a parent card ready to copy) brings back the last list of services,
        as Telegram keeps that message and its buttons above: the next card or "Deel" is one number
        away. `earlier`: a next page of the list ("Meer resultaten") keeps the earlier results'
        buttons after its own, numbered on, as Telegram keeps the first page above it."""
        self.out.write(reply.plain().rstrip() + "\n")
        # Only buttons this chat can press (feedback and inline mode need Telegram): none that expire.
        rows = [kept for row in reply.buttons
                if (kept := [b for b in row if b.url is None and isinstance(cd.decode(b.data), TERMINAL_ACTIONS)])]
        before: list[list[render.Button]] = []
        if rows:
            if earlier:   # the earlier page's own "Meer resultaten" would only show this page again
                before = [row for row in self.list_rows
                          if not any(isinstance(cd.decode(b.data), cd.MorePage) for b in row)]
            if any(isinstance(cd.decode(b.data), cd.ShowCard) for row in rows for b in row):
                self.list_rows = rows + before
        elif keep_list and self.list_rows:
            rows = self.list_rows
            self.out.write("\nDe knoppen van de lijst:\n")
        self.buttons = [b for row in (*rows, *before) for b in row]
        lines = button_lines([*rows, *before])
        for i, line in enumerate(lines):
            if before and i == len(rows):
                self.out.write("De knoppen van de eerdere resultaten:\n")
            self.out.write(line + "\n")
        self.out.write("\n")
        self.out.flush()

    # ── input ──
    def start(self) -> None:
        if self.postcode is None:
            self.show(render.welcome(example=self.knowledge.example_place))
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
            self.show(render.welcome(self.knowledge.place_name(self.postcode), self.postcode,
                                     self.knowledge.example_place))
        elif name in ("postcode", "gemeente"):
            if not arg.strip():
                self.show(render.ask_location(self.knowledge.example_place))
                return
            self.set_place(parse_location(self.knowledge, arg, explicit=True))
        elif name == "help":
            self.show(render.help_text(self.knowledge.place_name(self.postcode), self.postcode,
                                       self.knowledge.example_place))
        elif name == "privacy":
            self.show(render.Reply(render.privacy_text().html
                                   + "\n<i>Hier in de terminal wordt niets bewaard.</i>"))
        elif name == "vergeet":
            self.postcode, self.chat_data, self.list_rows = None, {}, []
            self.show(render.forgotten())
        elif name in render.TELEGRAM_ONLY:
            self.show(render.telegram_only(name))
        else:
            self.show(render.Reply("Die opdracht ken ik niet. Typ /help."))

    def set_place(self, postcode: int | None) -> None:
        if postcode is None:
            self.show(render.location_unknown(self.knowledge.example_place))
            return
        self.postcode = postcode
        taken = take_questions(self.chat_data, self.clock())
        self.show(location_reply(self.knowledge, postcode, len(taken.questions), taken.forgotten))
        failed: Exception | None = None
        for question in taken.questions:
            try:
                self.answer(question, kept=True)
            except Exception as exc:   # noqa: BLE001 - re-raised below, as the bot's handler does
                failed = failed or exc
        if failed is not None:
            raise failed

    def message(self, text: str) -> None:
        place = parse_location(self.knowledge, text, strict=self.postcode is not None)
        if place is not None:
            self.set_place(place)
            return
        if self.postcode is not None:
            if not self._said(unknown_place_replies(self.knowledge, text)):   # the school's place stays
                self.answer(text)
            return
        reading = reading_before_place(self.knowledge, text)
        if self._said(unknown_place_replies(self.knowledge, text, reading)):   # keep any first question
            return
        urgent = compose_urgent_first(self.knowledge, reading, self.today)
        kept = keep_question(self.chat_data, text, self.clock(), alerted=urgent is not None)
        if urgent is not None:   # life safety first: 112 (and for a likely danger the Flemish doors)
            self.show(urgent.reply)
        self.show(render.need_location(self.knowledge.example_place, kept.waiting, kept.dropped))

    def _said(self, replies: tuple[render.Reply, ...]) -> bool:
        """Show answering.unknown_place_replies; whether there were any (as the bot's handler does)."""
        for reply in replies:
            self.show(reply)
        return bool(replies)

    def answer(self, text: str, kept: bool = False) -> None:
        """`kept`: a question kept from before the place was known (its answer repeats it)."""
        outcome = compose(self.knowledge, text, self.postcode,
                          lambda ids: stash_results(self.chat_data, ids), self.today)
        self.show(render.kept_answer(text, outcome.reply) if kept else outcome.reply)

    def press(self, number: int) -> None:
        if not 1 <= number <= len(self.buttons):
            self.show(render.Reply("Kies een nummer uit de lijst hierboven."))
            return
        match cd.decode(self.buttons[number - 1].data):
            case cd.ShowCard(card_ref):
                self.card(card_ref)
            case cd.MorePage(key, page):
                ids = self.chat_data.get("more", {}).get(key)
                self.show(compose_more(self.knowledge, key, ids, page, self.postcode, self.today), earlier=True)
            case cd.ThemePage(theme, page):
                self.show(compose_theme(self.knowledge, theme, page, self.postcode, self.today))
            case cd.AllNeeds():
                self.show(render.all_needs())
            case cd.ShareCard(ref) if (service := self.knowledge.resolve(ref)) is not None:
                self.show(language_choice(service))
            case cd.ShareIn(lang, ref) if (service := self.knowledge.resolve(ref)) is not None \
                    and lang in PARENT_LANGUAGES:
                self.show(render.Reply(ready_for_copy(lang) + "\n\n" + render.esc(parent_card_text(service, lang))),
                          keep_list=True)
            case _:   # a service gone after a reload
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
        self.show(render.Reply("\n".join([reply.html, *extra]), reply.buttons), keep_list=True)


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
        try:
            chat.handle(line)
        except Exception as exc:   # noqa: BLE001 - as in Telegram: apologise and go on
            # The type only: a message could quote what the user typed.
            log.error("terminal: %s", type(exc).__name__)
            chat.show(render.apology())
    return 0
