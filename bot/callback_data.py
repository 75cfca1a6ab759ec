"""Callback data of every inline button: one frozen dataclass per action, one encode/decode.

Telegram allows 64 bytes of callback data; `encode` checks that here, and only here. Callback
data never holds a question's words: only ids, theme ids, page numbers and short keys. A
service is named by a *ref*: its id when the button has room (":<id>"), otherwise "#<hash16>"
(short_hash of the id), resolved by Knowledge.resolve. The wire formats below are stable, so
buttons in old messages keep working after an upgrade:

  k:<id> k#<hash>                 ShowCard         the full card of a service
  m:<key>:<page>                  MorePage         next page of a result list kept in chat_data
  t:<theme>:<page>                ThemePage        services for a need (ask-back, nothing found)
  n                               AllNeeds         every need as a button ("Andere nood…" under nothing found)
  s:<id> s#<hash>                 ShareCard        choose the parent's language for a service
  s<lang>:<id> s<lang>#<hash>     ShareIn          send the parent card in that language
  s=<lang>                        DefaultLanguage  remember the parent language for inline mode
  fa+:<signal>.<tag> fa-:…        RateAnswer       👍/👎 on an answer (anonymous signal row id)
  fa!:<signal>.<tag>              ReportAnswer     "klopt niet meer" on an answer
                                  <tag>: bot/signing.py, binds the button to the chat it was sent to
  fk+<ref> fk-<ref>               RateCard         👍/👎 on a service's card
  f!<ref>                         ReportCard       "klopt niet meer" on a card: what is wrong?
  fr<reason><ref>                 ReportReason     what is wrong (REASONS)
  fn:<report>.<tag>               SendReport       send the report without a remark
                                  <tag>: bound to the chat that made the report (signing.REPORT);
                                  fn:<report> (before the tag) is refused as expired: the report
                                  still goes, without a remark, with the pending-reports job
  fx:<report>.<tag>               CancelReport     withdraw that report (bound like SendReport)
  fx:0                            CancelReport     "Annuleren" in the "what is wrong?" menu (no report
                                  yet): withdraws only the report the presser's own remark flow
                                  waits on (user_data), so never another chat's
  fo:<report>                     ReportStillRight editor: all in the reported entry is right
  fv<ref>                         StillRight       editor: all is still right (reminder)
  fe<ref>                         EditHint         editor: how to change the entry (old buttons)
  b<action>[<arg>]                Beheer           /beheer menu actions (BEHEER_ACTIONS)
  b<s|f|v><hash16>[:<field>]      BeheerService    a service in /beheer: view, field, still right
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kennisbank.services.knowledge import short_hash

MAX_BYTES = 64

# What "klopt niet meer" can say is wrong: one letter on the button, the reason stored.
REASONS = {"t": "telefoon", "c": "contactpersoon", "a": "adres", "u": "openingsuren",
           "w": "bestaat-niet-meer", "x": "iets-anders"}
# /beheer actions without a service; the argument is a page or an index where the action has one.
BEHEER_ACTIONS = {
    "m": "menu", "O": "organisations page", "o": "organisation", "P": "services page",
    "+": "new service", "N": "new organisation", "c": "tick option", "d": "done ticking",
    "y": "confirm", "n": "cancel", "k": "skip step", "a": "audit",
}
BEHEER_WITH_NUMBER = frozenset("OoPc")
BEHEER_SERVICE_ACTIONS = {"s": "view", "f": "field", "v": "still right"}


class CallbackDataTooLong(ValueError):
    """A programming error: a button whose data would not fit Telegram's 64 bytes."""


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise CallbackDataTooLong(f"callback data longer than {MAX_BYTES} bytes: {data[:20]}...")
    return data


def ref(service_id: str, prefix: str) -> str:
    """prefix + ':<id>' when that fits, else prefix + '#<hash16>'."""
    data = f"{prefix}:{service_id}"
    return data if len(data.encode("utf-8")) <= MAX_BYTES else f"{prefix}#{short_hash(service_id)}"


def _ref_value(sep: str, value: str) -> str:
    """The decoded ref: a service id, or '#<hash>'."""
    return value if sep == ":" else "#" + value


# ── the actions ───────────────────────────────────────────────────────────────────────────

class _Action:
    """What every action can do: become callback data (bot/callback_data.encode)."""

    def encode(self) -> str:
        return encode(self)  # type: ignore[arg-type]  # every subclass is a member of Action


@dataclass(frozen=True)
class _OnService(_Action):
    """An action on one service; the subclasses differ only in their wire prefix."""
    service: str                     # id, or "#<hash>"


@dataclass(frozen=True)
class _OnReport(_Action):
    """An action on one stored "klopt niet meer" report."""
    report: int


class ShowCard(_OnService):
    """The full card of a service."""


class ShareCard(_OnService):
    """Choose the parent's language for a service's card."""


class ReportCard(_OnService):
    """"Klopt niet meer" on a card: ask what is wrong."""


class StillRight(_OnService):
    """Editor: everything in the entry is still right (reminder)."""


class EditHint(_OnService):
    """Editor: how to change the entry (buttons in old messages)."""


@dataclass(frozen=True)
class SendReport(_OnReport):
    """Send the report without a remark; only from the chat that made it (`tag`)."""

    tag: str = ""


class ReportStillRight(_OnReport):
    """Editor: everything in the reported entry is right."""


@dataclass(frozen=True)
class MorePage(_Action):
    """The next page of a result list kept in chat_data under `key`."""

    key: str
    page: int


@dataclass(frozen=True)
class ThemePage(_Action):
    """Services for a need (ask-back, nothing found), from `page`."""

    theme: str
    page: int = 0


@dataclass(frozen=True)
class AllNeeds(_Action):
    """The full list of needs (no fields)."""


@dataclass(frozen=True)
class ShareIn(_Action):
    """Send the parent card of a service in language `lang`."""

    lang: str                        # two letters
    service: str


@dataclass(frozen=True)
class DefaultLanguage(_Action):
    """Remember the parent language for inline mode."""

    lang: str


@dataclass(frozen=True)
class RateAnswer(_Action):
    """👍/👎 on an answer; `signal` is the anonymous signal row id."""

    signal: int
    useful: bool
    tag: str = ""                    # bot/signing.py: only the chat that got the answer can press it


@dataclass(frozen=True)
class ReportAnswer(_Action):
    """"Klopt niet meer" on an answer."""

    signal: int
    tag: str = ""


@dataclass(frozen=True)
class RateCard(_OnService):
    """👍/👎 on a service's card."""

    useful: bool


@dataclass(frozen=True)
class ReportReason(_Action):
    """What is wrong with a reported service."""

    reason: str                      # a key of REASONS
    service: str


@dataclass(frozen=True)
class CancelReport(_Action):
    """Withdraw `report` (only from the chat that made it, `tag`); report 0: nothing made yet."""

    report: int = 0
    tag: str = ""


@dataclass(frozen=True)
class Beheer(_Action):
    """A /beheer menu action without a service."""

    action: str                      # a key of BEHEER_ACTIONS
    number: int | None = None        # page or index, for the actions in BEHEER_WITH_NUMBER


@dataclass(frozen=True)
class BeheerService(_Action):
    action: str                      # a key of BEHEER_SERVICE_ACTIONS
    service_hash: str                # short_hash of the service id (never the id: room for the field)
    field: int | None = None         # for "f": index into kennisbank.revisions.MENU_FIELDS

    @classmethod
    def of(cls, action: str, service_id: str, field: int | None = None) -> BeheerService:
        return cls(action, short_hash(service_id), field)


Action = (ShowCard | MorePage | ThemePage | AllNeeds | ShareCard | ShareIn | DefaultLanguage | RateAnswer | ReportAnswer
          | RateCard | ReportCard | ReportReason | SendReport | CancelReport | ReportStillRight | StillRight
          | EditHint | Beheer | BeheerService)


def encode(action: Action) -> str:
    """The wire format of an action (see the module docstring); CallbackDataTooLong if > 64 bytes."""
    match action:
        case ShowCard(service):
            data = ref(service, "k")
        case MorePage(key, page):
            data = f"m:{key}:{page}"
        case ThemePage(theme, page):
            data = f"t:{theme}:{page}"
        case AllNeeds():
            data = "n"
        case ShareCard(service):
            data = ref(service, "s")
        case ShareIn(lang, service):
            data = ref(service, f"s{lang}")
        case DefaultLanguage(lang):
            data = f"s={lang}"
        case RateAnswer(signal, useful, tag):
            data = f"fa{'+' if useful else '-'}:{signal}" + (f".{tag}" if tag else "")
        case ReportAnswer(signal, tag):
            data = f"fa!:{signal}" + (f".{tag}" if tag else "")
        case RateCard(service, useful):
            data = ref(service, "fk+" if useful else "fk-")
        case ReportCard(service):
            data = ref(service, "f!")
        case ReportReason(reason, service):
            data = ref(service, f"fr{reason}")
        case SendReport(report, tag):
            data = f"fn:{report}" + (f".{tag}" if tag else "")
        case CancelReport(report, tag):
            data = f"fx:{report}" + (f".{tag}" if tag and report else "")
        case ReportStillRight(report):
            data = f"fo:{report}"
        case StillRight(service):
            data = ref(service, "fv")
        case EditHint(service):
            data = ref(service, "fe")
        case Beheer(action_key, number):
            data = f"b{action_key}" + ("" if number is None else str(number))
        case BeheerService(action_key, service_hash, field):
            data = f"b{action_key}{service_hash}" + ("" if field is None else f":{field}")
    return _checked(data)


# ── decoding ──────────────────────────────────────────────────────────────────────────────

_PAGED = re.compile(r"^(?P<kind>[mt]):(?P<value>[^:]+):(?P<page>[0-9]{1,4})$")
_CARD = re.compile(r"^k(?P<sep>[:#])(?P<value>.+)$")
_SHARE = re.compile(r"^s(?P<lang>[a-z]{2})?(?P<sep>[:#=])(?P<value>.+)$")
_FEEDBACK = re.compile(r"^f(?P<kind>a\+|a-|a!|k\+|k-|!|r[a-z]|n|x|o|v|e)(?P<sep>[:#])(?P<value>.+)$")
_NUMBER = re.compile(r"[0-9]{1,18}")
_TAG = re.compile(r"[0-9a-f]{1,32}")
_BEHEER_SERVICE = re.compile(r"^b(?P<action>[sfv])(?P<hash>[0-9a-f]{16})(?::(?P<field>[0-9]{1,3}))?$")
_BEHEER = re.compile(r"^b(?P<action>[mOoP+Ncdynka])(?P<number>[0-9]{1,6})?$")


def _feedback(kind: str, sep: str, value: str) -> Action | None:
    if kind in ("a+", "a-", "a!") and sep == ":":
        signal, dot, tag = value.partition(".")
        if not _NUMBER.fullmatch(signal) or (dot and not _TAG.fullmatch(tag)):
            return None
        return ReportAnswer(int(signal), tag) if kind == "a!" else RateAnswer(int(signal), kind == "a+", tag)
    if kind in ("n", "x") and sep == ":":
        report, dot, tag = value.partition(".")
        if not _NUMBER.fullmatch(report) or (dot and not _TAG.fullmatch(tag)):
            return None
        if kind == "n":
            return SendReport(int(report), tag)
        return CancelReport(int(report), tag) if int(report) else CancelReport()
    if kind == "o":
        return ReportStillRight(int(value)) if sep == ":" and _NUMBER.fullmatch(value) else None
    service = _ref_value(sep, value)
    if kind.startswith("r"):
        return ReportReason(kind[1], service) if kind[1] in REASONS else None
    by_service: dict[str, Action] = {
        "k+": RateCard(service, True), "k-": RateCard(service, False), "!": ReportCard(service),
        "v": StillRight(service), "e": EditHint(service)}
    return by_service.get(kind)


def _beheer(data: str) -> Action | None:
    match = _BEHEER_SERVICE.match(data)
    if match:
        field = match["field"]
        return BeheerService(match["action"], match["hash"], int(field) if field is not None else None)
    match = _BEHEER.match(data)
    if not match or match["action"] not in BEHEER_ACTIONS:
        return None
    action, number = match["action"], match["number"]
    if (number is not None) != (action in BEHEER_WITH_NUMBER):
        return None
    return Beheer(action, int(number) if number is not None else None)


def decode(data: object) -> Action | None:
    """The action of a button; None for anything malformed, forged or from another bot version."""
    if not isinstance(data, str) or not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    head = data[0]
    if head == "k":
        match = _CARD.match(data)
        return ShowCard(_ref_value(match["sep"], match["value"])) if match else None
    if head in "mt":
        match = _PAGED.match(data)
        if not match:
            return None
        page = int(match["page"])
        return MorePage(match["value"], page) if match["kind"] == "m" else ThemePage(match["value"], page)
    if head == "n":
        return AllNeeds() if data == "n" else None
    if head == "s":
        match = _SHARE.match(data)
        if not match:
            return None
        lang, sep, value = match["lang"], match["sep"], match["value"]
        if sep == "=":
            return DefaultLanguage(value) if lang is None and re.fullmatch(r"[a-z]{2}", value) else None
        service = _ref_value(sep, value)
        return ShareCard(service) if lang is None else ShareIn(lang, service)
    if head == "f":
        match = _FEEDBACK.match(data)
        return _feedback(match["kind"], match["sep"], match["value"]) if match else None
    if head == "b":
        return _beheer(data)
    return None


def matches(*kinds: type) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: the data decodes to one of these action types."""
    return lambda data: isinstance(decode(data), kinds)
