"""Opening hours, cost, what to bring and how to get in, said in the parent's language.

Day names, times, dates and amounts come from Babel's locale data (CLDR), so "ma-vr 9u-12u"
becomes "lundi au vendredi 09:00 - 12:00" or "من الاثنين إلى الجمعة 09:00-12:00" without a
table of our own; the controlled values of kennisbank/practical.py are gettext texts of the
project's catalogues. Free text (a note) is taken from the service's `i18n` in that language;
without one it is shown in Dutch and said to be Dutch, in the parent's language.

Every function returns a `Said`: the text, and whether a part of it stayed Dutch (the card and
the tests use that to mark and to measure). In right-to-left languages every time span and
amount is wrapped in a left-to-right isolate, so "09:00-12:00" is never read as "12:00-09:00".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_interval, format_skeleton, format_time
from babel.lists import format_list
from babel.numbers import format_currency

from kennisbank import practical
from kennisbank.schema import Service

from .i18n import N_, SOURCE_LANGUAGE, is_rtl, isolate_ltr, translator

# ── the controlled values, as gettext texts (msgid = the Dutch text a parent reads) ────────────

OPENING_KINDS = {
    "vrije-inloop": N_("vrije inloop, zonder afspraak"),
    "op-afspraak": N_("op afspraak"),
    "telefonisch": N_("telefonisch"),
    "chat": N_("via chat"),
}
DAY_PARTS = {"voormiddag": N_("voormiddag"), "namiddag": N_("namiddag"), "avond": N_("avond")}
SEASONS = {"schooljaar": N_("tijdens het schooljaar"), "schoolvakanties": N_("tijdens de schoolvakanties")}
COST_KINDS = {"gratis": N_("Gratis"), "naar-inkomen": N_("Bijdrage volgens je inkomen"),
              "lage-prijs": N_("Lage prijzen")}
# Free-text costs so common that a parent gets them in their own language, also in old files.
COMMON_COSTS = {"gratis en anoniem": N_("Gratis en anoniem")}
COST_PER = {
    "dag": N_("{amount} per dag"),
    "week": N_("{amount} per week"),
    "maand": N_("{amount} per maand"),
    "jaar": N_("{amount} per jaar"),
    "keer": N_("{amount} per keer"),
    "gesprek": N_("{amount} per gesprek"),
    "uur": N_("{amount} per uur"),
    "half-uur": N_("{amount} per half uur"),
}
ACCESS_KINDS = {
    "vrije-inloop": N_("Kom gewoon langs, zonder afspraak"),
    "op-afspraak": N_("Maak eerst een afspraak"),
    "eerst-bellen": N_("Bel eerst"),
    "aan-huis": N_("Ze kunnen bij je thuis komen"),
    "bellen": N_("Je kan bellen"),
    "mailen": N_("Je kan mailen"),
    "chatten": N_("Je kan chatten"),
    "anoniem": N_("Je hoeft je naam niet te zeggen"),
    "via-school": N_("Via de school: vraag het aan de juf, meester of zorgcoördinator"),
    "doorverwijzing": N_("Je hebt een brief nodig van een andere hulpdienst (doorverwijzing)"),
    "inschrijven": N_("Schrijf je eerst in"),
}
BRING_ITEMS = {
    "identiteitskaart": N_("identiteitskaart"),
    "verblijfsdocument": N_("verblijfskaart of verblijfsdocument"),
    "pincode": N_("pincode van je identiteitskaart"),
    "rijksregisternummer": N_("rijksregisternummer"),
    "rekeningnummer": N_("bankrekeningnummer"),
    "loonbrieven": N_("loonbrieven of uitkeringsattesten"),
    "bewijs-van-inkomen": N_("bewijs van inkomen"),
    "aanslagbiljet": N_("aanslagbiljet van de belastingen"),
    "rekeninguittreksels": N_("rekeninguittreksels van de laatste 3 maanden"),
    "huurcontract": N_("huurcontract"),
    "plaatsbeschrijving": N_("plaatsbeschrijving van de woning"),
    "brieven-verhuurder": N_("brieven van de verhuurder"),
    "vonnis": N_("vonnis of brief van de vrederechter"),
    "facturen": N_("facturen"),
    "energiefactuur": N_("laatste energiefactuur"),
    "brieven-schuldeisers": N_("brieven van schuldeisers en deurwaarders"),
    "brieven": N_("de brieven waarover je vragen hebt"),
    "documenten": N_("alle papieren over je vraag"),
    "schoolrekening": N_("de schoolrekening"),
    "medische-kaart": N_("medische kaart"),
    "kaart-ziekenfonds": N_("kaart of klevers van het ziekenfonds"),
    "attest-verhoogde-tegemoetkoming": N_("attest verhoogde tegemoetkoming"),
    "attest-leefloon": N_("attest leefloon"),
    "kindboekje": N_("boekje van Kind en Gezin"),
    "doorverwijsbrief": N_("doorverwijsbrief"),
    "klantenkaart": N_("klantenkaart"),
    "boodschappentas": N_("boodschappentas"),
    "gsm": N_("je gsm"),
    "cv": N_("cv (als je er een hebt)"),
    "diploma": N_("diploma's (als je die hebt)"),
    "lunchpakket": N_("lunchpakket"),
    "drinkbus": N_("drinkfles"),
    "regenjas": N_("regenjas"),
    "zonnecreme": N_("zonnecrème"),
    "boekentas": N_("boekentas met huiswerk en agenda"),
}
DAY_RANGE = N_("{first} tot {last}")
FROM_TIME = N_("vanaf {time}")
UNTIL_TIME = N_("tot {time}")
EVERY_OTHER_WEEK = N_("om de twee weken")
ALWAYS = N_("dag en nacht, elke dag")
BY_APPOINTMENT = N_("op afspraak")
ALSO_BY_APPOINTMENT = N_("ook op afspraak")
CLOSED = N_("gesloten van {start} tot {end}")
IN_DUTCH = N_("(in het Nederlands)")


@dataclass(frozen=True)
class Said:
    text: str
    dutch: bool = False     # part of the text is Dutch free text without a translation


@cache
def babel_locale(lang: str) -> Locale:
    """The Belgian variant where CLDR has one (nl_BE, fr_BE, en_BE: 24-hour clock, euro after), else the language."""
    try:
        return Locale.parse(f"{lang}_BE")
    except (UnknownLocaleError, ValueError):
        return Locale.parse(lang)


def _ltr(text: str, lang: str) -> str:
    return isolate_ltr(text) if is_rtl(lang) else text


def day_names(days: tuple[int, ...], lang: str) -> str:
    """(0, 1, 2, 3, 4) -> 'maandag tot vrijdag'; (0, 2, 4) -> 'maandag, woensdag en vrijdag'."""
    _ = translator(lang)
    names = babel_locale(lang).days["format"]["wide"]
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(_(DAY_RANGE).format(first=names[run[0]], last=names[run[-1]]))
        else:
            parts.extend(names[d] for d in run)
    return format_list(parts, locale=babel_locale(lang)) if parts else ""


def time_span(opens: time | None, closes: time | None, lang: str) -> str:
    _ = translator(lang)
    loc = babel_locale(lang)
    if opens and closes:
        return _ltr(format_interval(opens, closes, "Hm", locale=loc), lang)
    if opens:
        return _(FROM_TIME).format(time=_ltr(format_time(opens, "HH:mm", locale=loc), lang))
    if closes:
        return _(UNTIL_TIME).format(time=_ltr(format_time(closes, "HH:mm", locale=loc), lang))
    return ""


def _note(service: Service, key: str, dutch: str | None, lang: str) -> Said | None:
    """A free-text note in the parent's language, or in Dutch and marked as such."""
    if not dutch:
        return None
    if lang == SOURCE_LANGUAGE:
        return Said(dutch)
    translated = service.i18n.get(lang, {}).get(key)
    if translated:
        return Said(translated)
    return Said(f"{dutch} {translator(lang)(IN_DUTCH)}", dutch=True)


def _separator(lang: str) -> str:
    """Between the parts of one field: the Arabic semicolon in Arabic and Persian."""
    return "\u061b " if is_rtl(lang) else "; "


def _joined(parts: list[Said], lang: str) -> Said:
    return Said(_separator(lang).join(p.text for p in parts if p.text), any(p.dutch for p in parts))


def opening_text(opening: practical.Opening, lang: str) -> str:
    _ = translator(lang)
    words = [_(EVERY_OTHER_WEEK) if opening.interval == 2 else "", day_names(opening.days, lang),
             _(DAY_PARTS[opening.part]) if opening.part else "", time_span(opening.opens, opening.closes, lang)]
    text = " ".join(w for w in words if w)
    if opening.kind:
        kind = _(OPENING_KINDS[opening.kind])
        text = f"{text} ({kind})" if text else kind
    return text


def closed_text(period: practical.ClosedPeriod, lang: str) -> str:
    _ = translator(lang)
    loc = babel_locale(lang)
    year = period.year or 2000
    start, end = date(year, *period.start), date(year, *period.end)
    skeleton = "yMMMMd" if period.year else "MMMMd"
    return _(CLOSED).format(start=format_skeleton(skeleton, start, locale=loc),
                            end=format_skeleton(skeleton, end, locale=loc))


def hours(service: Service, lang: str) -> Said | None:
    """The opening hours; None when the service gives none."""
    schedule = service.schedule
    if schedule is None and service.hours:   # a Service built in code with only the text: read it here
        schedule = practical.parse_hours(service.hours)[0]
    if schedule is None:
        return None
    if lang == SOURCE_LANGUAGE and schedule.text:
        return Said(schedule.text)   # the coordinator's own Dutch words, for a Dutch reader
    _ = translator(lang)
    parts: list[Said] = []
    if schedule.always:
        parts.append(Said(_(ALWAYS)))
    parts += [Said(opening_text(o, lang)) for o in schedule.openings]
    if schedule.by_appointment:
        parts.append(Said(_(ALSO_BY_APPOINTMENT) if schedule.openings or schedule.always else _(BY_APPOINTMENT)))
    if schedule.season:
        parts.append(Said(_(SEASONS[schedule.season])))
    parts += [Said(closed_text(p, lang)) for p in schedule.closed]
    if parts:
        parts[0] = _capital(parts[0], lang)   # generated text; a note keeps the case it was written in
    note = _note(service, "hours_note", schedule.note, lang)
    if note:
        parts.append(note)
    return _joined(parts, lang)


def amount_text(value: Decimal, lang: str) -> str:
    return _ltr(format_currency(value, "EUR", locale=babel_locale(lang)), lang)


def cost(service: Service, lang: str) -> Said | None:
    price = service.price
    if price is None and service.cost:
        price = practical.parse_cost(service.cost)
    if price is None:
        return None
    _ = translator(lang)
    common = COMMON_COSTS.get((price.note or "").strip().lower()) if price.kind is None else None
    if common:
        return Said(_(common))
    if lang == SOURCE_LANGUAGE and price.text and price.kind is None:
        return Said(price.text)
    parts: list[Said] = []
    if price.kind in COST_KINDS:
        parts.append(Said(_(COST_KINDS[price.kind])))
    elif price.kind == "vast-bedrag" and price.amount is not None:
        shown = amount_text(price.amount, lang)
        parts.append(Said(_(COST_PER[price.per]).format(amount=shown) if price.per else shown))
    note = _note(service, "cost_note", price.note, lang)
    if note:
        parts.append(note)
    return _joined(parts, lang) if parts else None


def bring(service: Service, lang: str) -> Said | None:
    """The items in the order written: controlled ones translated, free text from i18n.<lang>.bring_note."""
    if not service.bring:
        return None
    _ = translator(lang)
    keys = [practical.bring_key(item) for item in service.bring]
    free = [item for item, key in zip(service.bring, keys, strict=True) if key is None]
    translated = service.i18n.get(lang, {}).get("bring_note") if lang != SOURCE_LANGUAGE else None
    names = [_(BRING_ITEMS[key]) if key else item for item, key in zip(service.bring, keys, strict=True)]
    if free and translated:
        names = [_(BRING_ITEMS[k]) for k in keys if k] + [translated]
    text = format_list(names, locale=babel_locale(lang))
    if free and not translated and lang != SOURCE_LANGUAGE:
        return Said(f"{text} {_(IN_DUTCH)}", dutch=True)
    return Said(text)


def access(service: Service, lang: str) -> Said | None:
    """How to get in: the access kinds, then the note (`how`)."""
    _ = translator(lang)
    parts = [Said(_(ACCESS_KINDS[k])) for k in service.access if k in ACCESS_KINDS]
    note = _note(service, "how", service.how, lang)
    if note:
        parts.append(note)
    if not parts:
        return None
    return Said(" ".join(_sentence(p.text) for p in parts), any(p.dutch for p in parts))


# What ends a sentence in the card languages; a closing bracket or quote does not ("… (doorverwijzing)"
# ran into the next sentence), but one after a sentence end keeps it ("(bv. dit.)").
_SENTENCE_ENDS = (".", "!", "?", "…", "。", "؟", "\u06d4")


def _sentence(text: str) -> str:
    return text if text.rstrip(")»\"'”’").endswith(_SENTENCE_ENDS) else text + "."


def _capital(said: Said, lang: str) -> Said:
    """The first letter in upper case, as the language writes it (Turkish and Azeri: i -> İ)."""
    first = said.text[:1]
    upper = "İ" if first == "i" and lang in ("tr", "az") else first.upper()
    return Said(upper + said.text[1:], said.dutch)
