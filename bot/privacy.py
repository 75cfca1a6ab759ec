"""Does a message look like it holds personal data? Then the bot adds a gentle line.

Only a hint for the user: the answer is given either way and nothing is stored. The checks
prefer missing a name over nagging about ordinary sentences: a capitalised word at the start of
a sentence, an acronym (OCMW, CAW) or an organisation word (Sociaal Huis, Kind en Gezin) is no name.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

import phonenumbers

from kennisbank.schema import Service
from kennisbank.text import clean, identity

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Belgian national register number: YY.MM.DD-XXX.CC with optional separators.
_NRN = re.compile(r"(?<!\d)(\d{2})[.\s]?(\d{2})[.\s]?(\d{2})[-\s]?(\d{3})[.\s]?(\d{2})(?!\d)")
# Letters of every script (after NFC: "Ayşe", "Łukasz", "Олена", "محمد"), not only Latin-1.
_WORD = re.compile(r"(?:[^\W\d_]|['’-])+|[.!?:;\n]")
# Particles inside surnames: Van den Broeck, El Amrani, De Smet.
_PARTICLES = {"van", "de", "den", "der", "ter", "ten", "te", "vande", "vanden", "vander", "el", "al",
              "le", "la", "du", "da", "di", "von", "ben", "bin", "ibn", "'t"}
# Capitalised words that are not people: places of help, days, months, common sentence starts.
_NOT_NAMES = {
    # organisations and services
    "sociaal", "huis", "ocmw", "caw", "clb", "cgg", "ckg", "kind", "gezin", "centrum", "dienst",
    "stad", "gemeente", "school", "basisschool", "vzw", "jac", "opvoeding", "welzijn",
    "vlaanderen", "vlaams", "vlaamse", "brussel", "belgië", "belgie", "agentschap", "integratie",
    "inburgering", "vdab", "ziekenfonds", "mutualiteit", "justitiehuis", "politie", "rode", "kruis",
    "voedselbank", "kringwinkel", "tele-onthaal", "awel", "jongerenlijn", "huisarts", "dokter",
    "juf", "meester", "mevrouw", "meneer", "mama", "papa", "oma", "opa", "directie", "directeur",
    "zorgco", "zorgcoördinator", "brugfiguur", "leerkracht", "kinderopvang", "buitenschoolse",
    "opvang", "onthaal", "lokaal", "loket", "kinderarmoede", "team", "wijk", "wijkgezondheidscentrum",
    "groeipakket", "fluvius", "proximus", "telenet", "nederlands", "frans", "engels", "arabisch",
    "turks", "pools", "roemeens", "oekraïens", "russisch", "somalisch", "tigrinya", "dari", "pasjtoe",
    # days and months
    "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag",
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december", "pasen", "kerstmis", "kerst",
    # frequent sentence starts and words people capitalise
    "ik", "wij", "we", "hij", "zij", "ze", "het", "een", "mijn", "onze", "ons", "hun", "haar",
    "zijn", "wat", "waar", "wie", "hoe", "welke", "waarom", "wanneer", "kan", "kunnen", "moet",
    "is", "er", "dit", "dat", "die", "deze", "sinds", "na", "voor", "met", "bij", "in", "op",
    "graag", "hallo", "hoi", "dag", "goedemorgen", "dank", "bedankt", "help", "hulp", "vraag",
}


def _national_register(text: str) -> bool:
    for m in _NRN.finditer(text):
        yy, mm, dd, seq, check = m.groups()
        if not (1 <= int(mm) <= 12 or int(mm) in (0, 20, 40)) or int(dd) > 31:
            continue
        base = int(yy + mm + dd + seq)
        if 97 - base % 97 == int(check) or 97 - (2_000_000_000 + base) % 97 == int(check):
            return True
    return False


def _phone(text: str) -> bool:
    for _ in phonenumbers.PhoneNumberMatcher(text, "BE", leniency=phonenumbers.Leniency.POSSIBLE):
        return True
    return False


def _is_capitalised(word: str) -> bool:
    return len(word) > 1 and word[0].isupper() and not word.isupper() and word[1:] != word[1:].upper()


def _caseless(word: str) -> bool:
    """A word in a script without capitals (Arabic, Hebrew, Georgian ...): a name cannot be
    recognised by its capital, so in a sentence written in a cased script it counts as one."""
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and not any(c.isupper() or c.islower() for c in letters)


def _person_name(text: str, extra_not_names: Iterable[str] = ()) -> bool:
    """Two or more capitalised words in a row (particles allowed between), none a known non-name."""
    not_names = _NOT_NAMES | {identity(w) for w in extra_not_names}
    tokens = _WORD.findall(clean(text))
    wordlike = [t for t in tokens if t not in ".!?:;\n"]
    # Words without capitals are names only in a sentence written mostly in a cased script,
    # so a question typed in Arabic is not taken for a list of names.
    caseless_names = sum(map(_caseless, wordlike)) * 2 < len(wordlike)
    run: list[str] = []
    sentence_start = True

    def is_name(words: list[str]) -> bool:
        caps = [w for w in words if w.casefold() not in _PARTICLES]
        return len(caps) >= 2 and not any(w.casefold() in not_names for w in caps)

    for token in tokens:
        if token in ".!?:;\n":
            if is_name(run):
                return True
            run, sentence_start = [], True
            continue
        name_like = _is_capitalised(token) or (caseless_names and _caseless(token))
        starts_name = name_like and not (sentence_start and token.casefold() in not_names)
        if starts_name or (run and token.casefold() in _PARTICLES):
            run.append(token)
        else:
            if is_name(run):
                return True
            run = []
        sentence_start = False
    return is_name(run)


def looks_personal(text: str, extra_not_names: Iterable[str] = ()) -> bool:
    """True for a name with a surname, a phone number, an e-mail address or a national number.

    `extra_not_names`: words known not to be people here (organisation and place names of the
    knowledge base), so 'Sociaal Huis Lindegem' or 'CAW Lindeland' is never taken for a person.
    """
    if not text:
        return False
    text = clean(text)   # NFC: a decomposed "Céline" is one word
    return bool(_EMAIL.search(text) or _national_register(text) or _phone(text)
                or _person_name(text, extra_not_names))


# ── a remark about a service ("klopt niet meer") ─────────────────────────────────────────

def _own_phones(service: Service) -> set[str]:
    return {p for p in (service.contact.phone, service.phone) if p}


# In a remark, one capitalised word that tells something is a person: "Yasmine zegt dat het nummer
# niet meer werkt" names a child. Only verbs of saying: "Telefoon is kapot" is no name. Words for
# roles, relatives and the places a notice is read are no names either.
_SPEAKS = frozenset({"zegt", "zei", "zegde", "vertelt", "vertelde", "vraagt", "vroeg", "belde", "schreef",
                     "meldt", "meldde", "zeggen", "vertellen"})
_ROLES = frozenset({"mama", "papa", "moeder", "vader", "oma", "opa", "tante", "nonkel", "juf", "meester",
                    "directeur", "directrice", "zorgcoördinator", "zoco", "leerkracht", "collega", "iemand",
                    "niemand", "men", "onthaal", "secretariaat", "brugfiguur", "ouder", "ouders", "kind",
                    "leerling", "buurman", "buurvrouw", "zus", "broer", "dokter", "huisarts", "website",
                    "site", "brief", "folder", "affiche", "bord", "bericht", "mail", "facebook", "google",
                    "antwoordapparaat", "telefoon", "voicemail", "bandje"})


def _first_name_speaks(text: str, not_names: Iterable[str]) -> bool:
    known = _NOT_NAMES | _ROLES | {identity(w) for w in not_names}
    words = _WORD.findall(clean(text))
    return any(_is_capitalised(w) and w.casefold() not in known and nxt.casefold() in _SPEAKS
               for w, nxt in itertools.pairwise(words))


def remark_is_personal(text: str, service: Service, proper_nouns: frozenset[str]) -> bool:
    """Personal data check for a remark; the service's own numbers, address and names are fine."""
    own_emails = {e.casefold() for e in (service.contact.email, service.email) if e}
    text = clean(text)
    cleaned = text
    for match in phonenumbers.PhoneNumberMatcher(text, "BE", leniency=phonenumbers.Leniency.POSSIBLE):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if e164 in _own_phones(service):
            cleaned = cleaned.replace(match.raw_string, " ")
    for email in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", cleaned):
        if email.casefold() in own_emails:
            cleaned = cleaned.replace(email, " ")
    for own in filter(None, (service.contact.name, service.name,
                             service.location.address if service.location else None)):
        cleaned = re.sub(re.escape(own), " ", cleaned, flags=re.IGNORECASE)   # the whole name only
    own_names = [w for w in (service.contact.name or "").split() if w]   # "Koen zei ..." about the contact
    return looks_personal(cleaned, proper_nouns) or _first_name_speaks(cleaned, [*proper_nouns, *own_names])
