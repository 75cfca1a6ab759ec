"""What a parent needs to act on: opening hours, cost, what to bring and how to get in, as data.

A parent card in Arabic or Ukrainian can only say "Monday to Friday 09:00 to 12:00" or "bring your
identity card" in that language when the knowledge base holds these as data, not as Dutch text.
This module is the model of those four fields, the controlled values they may use, and the
reading of the free text that region files have always carried ("ma-vr 9u-12u, wo 13u-16u",
"gratis", "bijdrage volgens inkomen"). The shapes follow Open Referral HSDS: a `Schedule` is a
set of HSDS `schedule` rows (byday, opens_at, closes_at, interval, attending_type) plus what
HSDS keeps in `description`/`notes` (by appointment, day and night, closed periods).

Values are Dutch keys (`identiteitskaart`, `vrije-inloop`): the region files are written in
Dutch, and the keys are also the gettext ids' anchors in bot/ (see bot/practical_view.py).
Nothing here knows Telegram or a locale; `dutch_*` give the short Flemish form a coordinator
writes, so a structured value always has a Dutch text for the screens and files that want one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation

from .fields import FieldError, shown
from .text import clean

# ── controlled values ─────────────────────────────────────────────────────────────────────────

DAY_KEYS: tuple[str, ...] = ("ma", "di", "wo", "do", "vr", "za", "zo")
HSDS_DAYS: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# How one opening is attended (HSDS attending_type); the HSDS words are what other readers know.
OPENING_KINDS: dict[str, str] = {
    "vrije-inloop": "in person",
    "op-afspraak": "by appointment",
    "telefonisch": "phone",
    "chat": "online",
}
DAY_PARTS: tuple[str, ...] = ("voormiddag", "namiddag", "avond")
SEASONS: tuple[str, ...] = ("schooljaar", "schoolvakanties")

COST_KINDS: tuple[str, ...] = ("gratis", "naar-inkomen", "lage-prijs", "vast-bedrag")
COST_UNITS: tuple[str, ...] = ("dag", "week", "maand", "jaar", "keer", "gesprek", "uur", "half-uur")

ACCESS_KINDS: dict[str, str] = {
    "vrije-inloop": "vrije inloop, zonder afspraak",
    "op-afspraak": "op afspraak",
    "eerst-bellen": "eerst bellen",
    "aan-huis": "ze komen aan huis",
    "bellen": "bellen",
    "mailen": "mailen",
    "chatten": "chatten",
    "anoniem": "anoniem",
    "via-school": "via de school",
    "doorverwijzing": "met een doorverwijzing",
    "inschrijven": "eerst inschrijven",
}

# What to bring: key -> the Dutch words a parent reads. Free text stays allowed beside these.
BRING_ITEMS: dict[str, str] = {
    "identiteitskaart": "identiteitskaart",
    "verblijfsdocument": "verblijfskaart of verblijfsdocument",
    "pincode": "pincode van je identiteitskaart",
    "rijksregisternummer": "rijksregisternummer",
    "rekeningnummer": "bankrekeningnummer",
    "loonbrieven": "loonbrieven of uitkeringsattesten",
    "bewijs-van-inkomen": "bewijs van inkomen",
    "aanslagbiljet": "aanslagbiljet van de belastingen",
    "rekeninguittreksels": "rekeninguittreksels van de laatste 3 maanden",
    "huurcontract": "huurcontract",
    "plaatsbeschrijving": "plaatsbeschrijving van de woning",
    "brieven-verhuurder": "brieven van de verhuurder",
    "vonnis": "vonnis of brief van de vrederechter",
    "facturen": "facturen",
    "energiefactuur": "laatste energiefactuur",
    "brieven-schuldeisers": "brieven van schuldeisers en deurwaarders",
    "brieven": "de brieven waarover je vragen hebt",
    "documenten": "alle papieren over je vraag",
    "schoolrekening": "de schoolrekening",
    "medische-kaart": "medische kaart",
    "kaart-ziekenfonds": "kaart of klevers van het ziekenfonds",
    "attest-verhoogde-tegemoetkoming": "attest verhoogde tegemoetkoming",
    "attest-leefloon": "attest leefloon",
    "kindboekje": "boekje van Kind en Gezin",
    "doorverwijsbrief": "doorverwijsbrief",
    "klantenkaart": "klantenkaart",
    "boodschappentas": "boodschappentas",
    "gsm": "je gsm",
    "cv": "cv (als je er een hebt)",
    "diploma": "diploma's (als je die hebt)",
    "lunchpakket": "lunchpakket",
    "drinkbus": "drinkfles",
    "regenjas": "regenjas",
    "zonnecreme": "zonnecrème",
    "boekentas": "boekentas met huiswerk en agenda",
}
# Other words people write for the same thing; the loader files them under the key.
BRING_SYNONYMS: dict[str, str] = {
    "identiteitskaart (eid)": "identiteitskaart", "eid": "identiteitskaart", "id-kaart": "identiteitskaart",
    "verblijfskaart": "verblijfsdocument", "verblijfsvergunning": "verblijfsdocument",
    "loonfiches": "loonbrieven", "loonbrief": "loonbrieven", "uitkeringsattesten": "loonbrieven",
    "bankafschriften": "rekeninguittreksels", "rekeninguittreksels": "rekeninguittreksels",
    "kaart ziekenfonds": "kaart-ziekenfonds", "klevers ziekenfonds": "kaart-ziekenfonds",
    "kindboekje": "kindboekje", "drinkfles": "drinkbus",
}


def bring_key(item: str) -> str | None:
    """The controlled key an item stands for, or None for free text."""
    low = " ".join(item.lower().split())
    if low in BRING_ITEMS:
        return low
    if low in BRING_SYNONYMS:
        return BRING_SYNONYMS[low]
    for key, label in BRING_ITEMS.items():
        if low == label.lower():
            return key
    return None


def is_bring_key(item: str) -> bool:
    return item in BRING_ITEMS


# ── opening hours ─────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Opening:
    """One HSDS schedule row: these days, from `opens` to `closes` (either may be unknown)."""
    days: tuple[int, ...]              # 0 = Monday ... 6 = Sunday
    opens: time | None = None
    closes: time | None = None         # before `opens`: the next morning (17u-9u)
    kind: str | None = None            # OPENING_KINDS
    part: str | None = None            # DAY_PARTS, when no times are known ("namiddag")
    interval: int = 1                  # weeks: 2 is every other week


@dataclass(frozen=True)
class ClosedPeriod:
    """Closed from `start` to `end` inclusive: (month, day), each year, or with a year, once."""
    start: tuple[int, int]
    end: tuple[int, int]
    year: int | None = None


@dataclass(frozen=True)
class Schedule:
    openings: tuple[Opening, ...] = ()
    by_appointment: bool = False       # "op afspraak" (also, or only)
    always: bool = False               # day and night, 24/7
    season: str | None = None          # SEASONS: only during the school year / the school holidays
    closed: tuple[ClosedPeriod, ...] = ()
    note: str | None = None            # free text (Dutch), translated in i18n.<lang>.hours_note
    text: str | None = None            # the free text it was read from, kept to write it back as it was

    @property
    def is_empty(self) -> bool:
        return not (self.openings or self.by_appointment or self.always or self.season or self.closed
                    or self.note)


_DAY_WORDS: dict[str, int] = {}
for _i, (_short, _long) in enumerate(zip(DAY_KEYS, ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag",
                                                     "zaterdag", "zondag"), strict=True)):
    for _word in (_short, _short + ".", _long, _long + "s", _long + "en", _long + "avond", _long + "namiddag",
                  _long + "voormiddag"):
        _DAY_WORDS[_word] = _i
_DAY_GROUPS: dict[str, tuple[int, ...]] = {
    "weekdagen": (0, 1, 2, 3, 4), "werkdagen": (0, 1, 2, 3, 4), "werkdag": (0, 1, 2, 3, 4),
    "weekdag": (0, 1, 2, 3, 4), "schooldagen": (0, 1, 2, 3, 4), "schooldag": (0, 1, 2, 3, 4),
    "weekend": (5, 6), "weekends": (5, 6), "dagelijks": tuple(range(7)),
}
_DAYPART_OF_WORD = {"voormiddag": "voormiddag", "namiddag": "namiddag", "avond": "avond", "ochtend": "voormiddag",
                    "middag": "namiddag", "'s avonds": "avond", "'s namiddags": "namiddag",
                    "'s morgens": "voormiddag", "'s ochtends": "voormiddag"}

_TIME = r"(\d{1,2})(?:\s*[u:.h]\s*(\d{2})|\s*(?:u|h|uur)\b)?(?:\s*(?:u|h|uur)\b)?"
_TIME_RE = re.compile(_TIME)
_RANGE_RE = re.compile(r"(?:van\s+)?" + _TIME + r"\s*(?:-|tot(?:\s+en\s+met)?|t/m)\s*" + _TIME)
_FROM_RE = re.compile(r"(?:vanaf|van|na)\s+" + _TIME)
_UNTIL_RE = re.compile(r"(?:tot|voor)\s+" + _TIME)
_ALWAYS_RE = re.compile(r"^(?:altijd(?: open| bereikbaar)?|dag en nacht(?: bereikbaar| open)?|24\s*/\s*7|"
                        r"24\s*u?\s*op\s*24(?:,?\s*7\s*op\s*7)?|7\s*op\s*7,?\s*24\s*u?\s*op\s*24|"
                        r"24 uur per dag(?:,? 7 dagen per week)?|elke dag,? dag en nacht)$")
_APPOINTMENT_RE = re.compile(r"\b(?:enkel |alleen |uitsluitend |steeds |telkens )?(?:na |op |via )?afspraak\b")
_INTERVAL_RE = re.compile(r"\b(?:om de (?:twee|2) weken|tweewekelijks|om de andere week)\b")
_SEASON_RE = {
    "schooljaar": re.compile(r"\b(?:tijdens het schooljaar|in het schooljaar|schooljaar|schooldagen|schooldag)\b"),
    "schoolvakanties": re.compile(r"\b(?:tijdens de schoolvakanties|in de schoolvakanties|schoolvakanties)\b"),
}
_KIND_RE = {
    "vrije-inloop": re.compile(r"\b(?:vrije inloop|zonder afspraak|inloop)\b"),
    "telefonisch": re.compile(r"\b(?:telefonisch|per telefoon|via de telefoon)\b"),
    "chat": re.compile(r"\b(?:chat|chatten)\b"),
}
# Pieces of a clause: at commas, and at 'en'/'of' between the hours of one day and the next day
# ('di 9u-12u en do 14u-17u'), never inside a list of days ('ma, di en do 9-12u').
_DAY_ALTERNATION = "|".join(sorted((re.escape(w) for w in _DAY_WORDS), key=len, reverse=True))
_PIECES_RE = re.compile(r",|\bmaar\b|(?<=[\du])\s+(?:en|of)\s+(?:ook\s+)?(?=(?:op\s+|elke\s+)?(?:"
                        + _DAY_ALTERNATION + r")\b)")
_FILLER = frozenset("en of ook elke iedere alle telkens op de het open geopend enkel alleen , : . ( ) + & "
                    "in".split())


def _clock(hour: str, minute: str | None) -> time | None:
    h, m = int(hour), int(minute or 0)
    if h == 24 and m == 0:
        return time(23, 59)
    if 0 <= h <= 23 and 0 <= m <= 59:
        return time(h, m)
    return None


def _days_from(words: list[str]) -> tuple[tuple[int, ...], list[str]]:
    """Days named by the words (ranges 'ma-vr', lists 'ma, di en do'); the words left over."""
    days: list[int] = []
    rest: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if "-" in word and all(part in _DAY_WORDS for part in word.split("-", 1)):
            first, last = (_DAY_WORDS[p] for p in word.split("-", 1))
            days.extend(range(first, last + 1) if first <= last else (*range(first, 7), *range(0, last + 1)))
        elif word in _DAY_WORDS and index + 2 < len(words) and words[index + 1] in ("-", "tot", "t/m") \
                and words[index + 2] in _DAY_WORDS:
            first, last = _DAY_WORDS[word], _DAY_WORDS[words[index + 2]]
            days.extend(range(first, last + 1))
            index += 2
        elif word in _DAY_WORDS:
            days.append(_DAY_WORDS[word])
        elif word in _DAY_GROUPS:
            days.extend(_DAY_GROUPS[word])
        elif word in ("dag", "dagen") and index > 0 and words[index - 1] in ("elke", "iedere", "alle"):
            days.extend(range(7))
        else:
            rest.append(word)
        index += 1
    return tuple(sorted(set(days))), rest


@dataclass
class _Part:
    days: tuple[int, ...] = ()
    times: tuple[tuple[time | None, time | None], ...] = ()
    kind: str | None = None
    part: str | None = None
    appointment: bool = False


def _read_part(text: str) -> _Part | None:
    """One comma-separated piece ('di en do 13u-16u vrije inloop'), or None if a word is not understood."""
    found = _Part()
    rest = text
    times: list[tuple[time | None, time | None]] = []
    for match in _RANGE_RE.finditer(rest):
        opens, closes = _clock(match[1], match[2]), _clock(match[3], match[4])
        if opens is None or closes is None:
            return None
        times.append((opens, closes))
    rest = _RANGE_RE.sub(" ", rest)
    for regex, is_from in ((_FROM_RE, True), (_UNTIL_RE, False)):
        for match in regex.finditer(rest):
            moment = _clock(match[1], match[2])
            if moment is None:
                return None
            times.append((moment, None) if is_from else (None, moment))
        rest = regex.sub(" ", rest)
    found.times = tuple(times)
    if _APPOINTMENT_RE.search(rest):
        found.appointment = True
        rest = _APPOINTMENT_RE.sub(" ", rest)
    for kind, regex in _KIND_RE.items():
        if regex.search(rest):
            found.kind = kind
            rest = regex.sub(" ", rest)
    for phrase, part in sorted(_DAYPART_OF_WORD.items(), key=lambda item: -len(item[0])):
        if re.search(rf"(?<![\w']){re.escape(phrase)}\b", rest):
            found.part = part
            rest = re.sub(rf"(?<![\w']){re.escape(phrase)}\b", " ", rest)
    for day, number in _DAY_WORDS.items():   # 'woensdagnamiddag', 'dinsdagavond'
        for suffix, part in (("namiddag", "namiddag"), ("avond", "avond"), ("voormiddag", "voormiddag")):
            if day.endswith(suffix) and re.search(rf"\b{day}\b", rest):
                found.part = part
                rest = re.sub(rf"\b{day}\b", DAY_KEYS[number], rest)
    words = re.findall(r"[a-z./]+(?:-[a-z.]+)?|\d+|[^\sa-z\d]", rest)
    found.days, leftover = _days_from(words)
    if any(word not in _FILLER and word not in ("dag", "dagen") for word in leftover):
        return None
    return found


def _normalised(text: str) -> str:
    text = clean(text).lower().replace("\u2013", "-").replace("\u2014", "-").replace("’", "'")
    text = re.sub(r"\s*-\s*", "-", text)
    text = re.sub(r"(?<=[a-z.])-(?=\d)|(?<=\d)-(?=[a-z])", " - ", text)  # 'ma-9u' never seen as a day range
    return " ".join(text.split())


def parse_hours(text: str) -> tuple[Schedule, list[str]]:
    """Read the Flemish ways of writing opening hours; return the schedule and the pieces not understood.

    What is not understood is kept as the schedule's note (Dutch), so nothing is lost; the caller
    warns about it. 'ma-vr 9u-12u, wo 13u-16u', 'elke woensdag 13u30-16u', 'op afspraak',
    'ma, di en do 9-12u', 'dag en nacht', '24/7', 'om de twee weken op donderdag 14u-16u' ...
    """
    original = clean(text).strip()
    norm = _normalised(text)
    season: str | None = None
    interval = 1
    if _INTERVAL_RE.search(norm):
        interval = 2
        norm = " ".join(_INTERVAL_RE.sub(" ", norm).split())
    for name, regex in _SEASON_RE.items():
        if regex.search(norm) and season is None:
            season = name
            if name == "schooljaar":   # 'schooldagen' are weekdays too
                norm = re.sub(r"\b(?:elke )?schooldag(?:en)?\b", "ma-vr", norm)
            norm = " ".join(regex.sub(" ", norm).split())
    if _ALWAYS_RE.match(norm.strip(" .,;")):
        return Schedule(always=True, season=season, text=original), []
    openings: list[Opening] = []
    by_appointment = False
    always = False
    unread: list[str] = []
    for clause in (c.strip(" .") for c in norm.split(";")):
        if not clause:
            continue
        if _ALWAYS_RE.match(clause):
            always = True
            continue
        carried: tuple[int, ...] = ()
        listed: tuple[int, ...] = ()     # 'ma, di en do 9-12u': days listed before the piece with the hours
        pending_kind: str | None = None
        for piece in (p.strip(" .") for p in _PIECES_RE.split(clause)):
            if not piece:
                continue
            part = _read_part(piece)
            if part is None:
                unread.append(piece)
                carried = listed = ()
                continue
            if part.days and listed:
                part.days = tuple(sorted({*listed, *part.days}))
            days = part.days or carried
            only_days = part.days and not (part.times or part.appointment or part.kind or part.part)
            listed = part.days if only_days else ()
            if part.times:
                kind = part.kind or ("op-afspraak" if part.appointment else None) or pending_kind
                for opens, closes in part.times:
                    openings.append(Opening(days, opens, closes, kind, part.part, interval))
                carried = days
            elif (part.days or part.part) and (part.appointment or part.kind or part.part):
                kind = part.kind or ("op-afspraak" if part.appointment else None)
                openings.append(Opening(part.days, None, None, kind, part.part, interval))
                carried = part.days
            elif part.days:
                carried = part.days      # 'ma, di en do 9-12u': the days come before the hours
            elif part.appointment:
                by_appointment = True
            elif part.kind:
                pending_kind = part.kind
                for index, opening in enumerate(openings):   # 'ma-vr 9u-12u, vrije inloop'
                    if opening.kind is None:
                        openings[index] = Opening(opening.days, opening.opens, opening.closes, part.kind,
                                                  opening.part, opening.interval)
            else:
                unread.append(piece)
        if listed:   # 'ma, di': days without hours are still days it is open
            openings.append(Opening(listed, None, None, pending_kind, None, interval))
    note = "; ".join(unread) if unread else None
    if note is not None:
        note = _original_piece(original, note)
    return Schedule(tuple(openings), by_appointment, always, season, (), note, original), unread


def _original_piece(original: str, note: str) -> str:
    """The note as the coordinator wrote it (capitals, dashes, spacing), where it can be found again."""
    low = original.lower()
    letters = [(i, ch) for i, ch in enumerate(low) if not ch.isspace()]
    squeezed = "".join(ch for _i, ch in letters)
    pieces = []
    for piece in note.split("; "):
        wanted = "".join(piece.split()).replace("\u2013", "-")
        at = squeezed.replace("\u2013", "-").find(wanted)
        if at >= 0 and wanted:
            start, end = letters[at][0], letters[at + len(wanted) - 1][0] + 1
            pieces.append(original[start:end])
        else:
            pieces.append(piece)
    return "; ".join(pieces)


def clock_text(moment: time) -> str:
    """'9u', '13u30': how Flemish opening hours are written."""
    return f"{moment.hour}u{moment.minute:02d}" if moment.minute else f"{moment.hour}u"


def days_text(days: tuple[int, ...]) -> str:
    """'ma-vr', 'ma, wo en vr', 'di': the short Flemish forms."""
    if not days:
        return ""
    runs: list[tuple[int, int]] = []
    for day in days:
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    parts = [DAY_KEYS[a] if a == b else (f"{DAY_KEYS[a]}-{DAY_KEYS[b]}" if b - a > 1 else
                                         f"{DAY_KEYS[a]}, {DAY_KEYS[b]}") for a, b in runs]
    words = ", ".join(parts).split(", ")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " en " + words[-1]


def dutch_hours(schedule: Schedule) -> str:
    """The schedule as a coordinator writes it: 'ma-vr 9u-12u vrije inloop; op afspraak'."""
    if schedule.text is not None:
        return schedule.text
    pieces: list[str] = []
    if schedule.always:
        pieces.append("dag en nacht")
    for o in schedule.openings:
        span = ""
        if o.opens and o.closes:
            span = f"{clock_text(o.opens)}-{clock_text(o.closes)}"
        elif o.opens:
            span = f"vanaf {clock_text(o.opens)}"
        elif o.closes:
            span = f"tot {clock_text(o.closes)}"
        words = [("om de twee weken op " if o.interval == 2 else "") + days_text(o.days), o.part or "", span,
                 o.kind.replace("-", " ") if o.kind else ""]
        pieces.append(" ".join(w for w in words if w))
    if schedule.by_appointment:
        pieces.append("op afspraak")
    if schedule.season == "schooljaar":
        pieces.append("tijdens het schooljaar")
    elif schedule.season == "schoolvakanties":
        pieces.append("tijdens de schoolvakanties")
    for period in schedule.closed:
        pieces.append(f"gesloten van {period.start[1]}/{period.start[0]} tot {period.end[1]}/{period.end[0]}"
                      + (f"/{period.year}" if period.year else ""))
    if schedule.note:
        pieces.append(schedule.note)
    return "; ".join(pieces)


# ── cost ──────────────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Cost:
    kind: str | None                   # COST_KINDS; None when only a note is known
    amount: Decimal | None = None      # euro, for vast-bedrag
    per: str | None = None             # COST_UNITS
    note: str | None = None            # free text (Dutch), translated in i18n.<lang>.cost_note
    text: str | None = None            # the free text it was read from


_AMOUNT_RE = re.compile(r"^(?:€\s*)?(\d+(?:[.,]\d{1,2})?)\s*(?:euro|eur|€)\s*(?:per\s+(\S+(?:\s+uur)?))?$")


def amount(value: str) -> Decimal | None:
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        return None


def parse_cost(text: str) -> Cost:
    """'gratis', 'gratis; printen 0,10 euro', 'bijdrage volgens inkomen', '5 euro per dag' ..."""
    original = " ".join(clean(text).split())
    head, _sep, tail = original.partition(";")
    low = head.strip().lower()
    rest = tail.strip() or None
    if low == "gratis":
        return Cost("gratis", note=rest, text=original)
    if low in ("lage prijs", "lage prijzen", "goedkoop"):
        # A second-hand shop or social grocery: you pay, but little. Not "gratis" with a price note,
        # which a parent reads as "Free; low prices".
        return Cost("lage-prijs", note=rest, text=original)
    income = re.match(r"^(?:een )?(?:bijdrage|prijs|tarief|kostprijs) (?:naar|volgens) (?:het )?inkomen[,]?\s*(.*)$",
                      low)
    if income:
        extra = head.strip()[len(head.strip()) - len(income[1]):].strip() if income[1] else ""
        note = "; ".join(t for t in (extra, rest or "") if t) or None
        return Cost("naar-inkomen", note=note, text=original)
    price = _AMOUNT_RE.match(low)
    if price:
        unit = price[2].replace(" ", "-") if price[2] else None
        if unit is None or unit in COST_UNITS:
            return Cost("vast-bedrag", amount(price[1]), unit, rest, original)
    return Cost(None, note=original, text=original)


def dutch_amount(value: Decimal) -> str:
    text = f"{value:.2f}".replace(".", ",")
    return text[:-3] if text.endswith(",00") else text


def dutch_cost(cost: Cost) -> str:
    if cost.text is not None:
        return cost.text
    head = {"gratis": "gratis", "naar-inkomen": "bijdrage volgens inkomen", "lage-prijs": "lage prijzen"}.get(
        cost.kind or "", "")
    if cost.kind == "vast-bedrag" and cost.amount is not None:
        head = f"{dutch_amount(cost.amount)} euro" + (f" per {cost.per.replace('-', ' ')}" if cost.per else "")
    return "; ".join(t for t in (head, cost.note or "") if t)


def dutch_access(kinds: tuple[str, ...]) -> str:
    words = [ACCESS_KINDS[k] for k in kinds if k in ACCESS_KINDS]
    return (words[0] if len(words) == 1 else ", ".join(words[:-1]) + " of " + words[-1]) if words else ""


# ── validators of the block forms (FieldError with a Dutch message, like kennisbank/fields.py) ──

_CLOCK_RE = re.compile(r"^" + _TIME + r"$")


def clock(value: object) -> time:
    """'9u', '13u30', '09:00', '9.30' as a time of day."""
    if isinstance(value, (bool, int, float)):
        raise FieldError(f"'{shown(value)}' wordt als getal gelezen; schrijf het uur tussen aanhalingstekens, "
                         "bv. \"9u30\" of \"09:30\"")
    match = _CLOCK_RE.match(" ".join(clean(str(value)).lower().split()))
    moment = _clock(match[1], match[2]) if match else None
    if moment is None:
        raise FieldError(f"'{shown(value)}' is geen uur; verwacht bv. 9u, 13u30 of 09:30")
    return moment


def days(value: object) -> tuple[int, ...]:
    """'ma-vr', 'ma, wo en vr', 'weekdagen' or a list [ma, wo] as day numbers (0 = Monday)."""
    words: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, str):
            raise FieldError(f"'{shown(value)}' zijn geen dagen; verwacht bv. ma-vr, [ma, wo] of 'ma, di en do'")
        words += re.findall(r"[a-z./]+(?:-[a-z.]+)?|[^\sa-z]", _normalised(item))
    found, rest = _days_from(words)
    if not found or any(w not in _FILLER for w in rest):
        raise FieldError(f"'{shown(value)}' zijn geen dagen; verwacht bv. ma-vr, [ma, wo] of 'ma, di en do' "
                         f"({', '.join(DAY_KEYS)})")
    return found


def month_day(value: object) -> tuple[int, int, int | None]:
    """'07-15' (each year) or 2026-12-24 (once) as (month, day, year or None)."""
    if isinstance(value, date):
        return value.month, value.day, value.year
    text = clean(str(value)).strip()
    match = re.fullmatch(r"(?:(\d{4})-)?(\d{2})-(\d{2})", text)
    if match:
        year = int(match[1]) if match[1] else None
        try:
            date(year or 2000, int(match[2]), int(match[3]))   # 2000: a leap year, so 02-29 is a day
        except ValueError:
            match = None
        else:
            return int(match[2]), int(match[3]), year
    raise FieldError(f"'{shown(value)}' is geen datum; verwacht MM-DD (elk jaar, bv. 07-15) of JJJJ-MM-DD")


def euro(value: object) -> Decimal:
    """An amount in euro: 5, 1.20 or '1,20'."""
    if isinstance(value, bool):
        raise FieldError(f"'{shown(value)}' is geen bedrag; verwacht bv. 5 of 1.20")
    found = amount(str(value)) if isinstance(value, (int, float, str)) else None
    if found is None or found < 0 or not found.is_finite():
        raise FieldError(f"'{shown(value)}' is geen bedrag; verwacht een getal in euro, bv. 5 of 1.20")
    return found.quantize(Decimal("0.01")) if found != found.to_integral_value() else found.quantize(Decimal(1))


# ── the block forms, as written in a region file (for the YAML writer and the HSDS extension) ──

def clock_iso(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def hours_block(schedule: Schedule) -> str | dict[str, object]:
    """What `hours:` says in a region file: the free text it was read from, or the block."""
    if schedule.text is not None:
        return schedule.text
    block: dict[str, object] = {}
    rows = []
    for o in schedule.openings:
        row: dict[str, object] = {}
        if o.days:
            row["days"] = days_text(o.days)
        if o.opens:
            row["opens"] = clock_iso(o.opens)
        if o.closes:
            row["closes"] = clock_iso(o.closes)
        for key, value in (("kind", o.kind), ("part", o.part)):
            if value:
                row[key] = value
        if o.interval != 1:
            row["every"] = o.interval
        rows.append(row)
    if rows:
        block["open"] = rows
    if schedule.by_appointment:
        block["by_appointment"] = True
    if schedule.always:
        block["always"] = True
    if schedule.season:
        block["season"] = schedule.season
    if schedule.closed:
        block["closed"] = [{"from": _month_day_text(p.start, p.year), "to": _month_day_text(p.end, p.year)}
                           for p in schedule.closed]
    if schedule.note:
        block["note"] = schedule.note
    return block


def _month_day_text(month_day: tuple[int, int], year: int | None) -> str:
    return (f"{year:04d}-" if year else "") + f"{month_day[0]:02d}-{month_day[1]:02d}"


def cost_block(cost: Cost) -> str | dict[str, object]:
    if cost.text is not None:
        return cost.text
    block: dict[str, object] = {"kind": cost.kind}
    if cost.amount is not None:
        block["amount"] = int(cost.amount) if cost.amount == cost.amount.to_integral_value() else float(cost.amount)
    if cost.per:
        block["per"] = cost.per
    if cost.note:
        block["note"] = cost.note
    return block
