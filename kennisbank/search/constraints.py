"""What a question says about fit, beyond the need: the child's age and organisations to avoid.

  ages(question)          -> (low, high) years of the person the question is about, or None
  service_ages(service)   -> (low, high) years a service is for (from its text and audience), or None
  avoided(question, named_in)  -> organisations the family tried, refuses or cannot use (or that are full)

All of it is read from the question's words and the knowledge base's own text, so it works on any
region: "12+" or "0 tot 3 jaar" in a summary, "ze willen niet meer naar het CAW" in a question.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from ..schema import Service
from .analysis import fold

# The ages behind words people use for children (Belgian school system: kleuter 2.5-6, lager 6-12).
_AGE_WORDS = {
    "baby": (0, 1), "babytje": (0, 1), "zuigeling": (0, 1), "bebe": (0, 1), "peuter": (1, 3), "peutertje": (1, 3),
    "toddler": (1, 3), "kleuter": (2, 6), "kleutertje": (2, 6), "kleuterklas": (2, 6), "onthaalklas": (2, 3),
    "tiener": (12, 18), "puber": (11, 18), "adolescent": (12, 18), "teenager": (13, 18), "ado": (12, 18),
    "jongere": (12, 25), "student": (12, 25), "secundair": (12, 18),
}
# Numbers written as words, as staff type them ("een kleuter van vier", "pas vanaf zes jaar",
# "un enfant de huit ans"). Not "een", "un", "one": they are also articles.
_NUMBER_WORDS = {
    **dict(zip(("twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien vijftien zestien "
                "zeventien achttien").split(), range(2, 19), strict=True)),
    **dict(zip("deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize".split(),
               range(2, 17), strict=True)),
    **dict(zip("two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen".split(),
               range(2, 17), strict=True)),
}
# A number, with an optional decimal that is dropped ("2,5 jaar" is 2): never the "5" of "2,5".
_WORDS = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_N = r"(?<![\w.,])(\d{1,2}|(?:" + _WORDS + r")\b)(?:[.,]\d)?"
# After "een kind van", a number word is an age only where a noun cannot follow it ("een kind van
# twee ouders" is no toddler): at the end of a clause or before a verb or "jaar".
_N_CHILD = (r"(?<![\w.,])(\d{1,2}(?:[.,]\d)?|(?:" + _WORDS + r")\b(?=\s*(?:[.,;:!?)]|$|(?:en|and|et|die|dat|heeft|is|"
            r"was|zegt|kan|wil|wordt|that|who|has|qui|a|est|jaar|ans|an|years?|yrs?|maanden|maand|weken|months|mois)\b)))")


def _is_number(word: str) -> bool:
    return word.isdigit() or word in _NUMBER_WORDS


def _number(digits_or_word: str) -> int:
    """"7", "2,5" (2: the decimal is dropped) or "zeven"."""
    digits = re.match(r"\d+", digits_or_word)
    return int(digits.group()) if digits else _NUMBER_WORDS[digits_or_word]

_NUMBER_AGE = re.compile(_N + r"\s*(?:-?\s*(?:jaar|jarige|jr|j|ans|an|years?|yrs?|yo)\b|-?jarig)")
_TWO_AGES = re.compile(_N + r"\s*(?:en|and|et|,)\s*" + _N + r"\s*(?:jaar|ans|years)\b")
_SERVICE_RANGE = re.compile(_N + r"\s*(?:-|tot|à|a|to|en)\s*" + _N + r"\s*(?:jaar|jarigen|ans|years)\b")
_SERVICE_FROM = re.compile(r"\b(?:vanaf|from|dès|des|\+)\s*" + _N + r"\s*(?:jaar|ans|years)?\b|" + _N + r"\s*\+")
_SERVICE_UNTIL = re.compile(r"\b(?:tot|tot en met|onder|until|jusqu'a|-)\s*" + _N + r"\s*(?:jaar|ans|years)\b")
AUDIENCE_AGES = {"kinderen": (0, 12), "jongeren": (12, 25)}

# Words around an organisation's name that say the family will not or cannot go there (again).
_AVOID = re.compile(
    r"\b(geweigerd|weigert|weigerde|weigeren|wil(len)? niet (meer )?naar|niet meer naar|niet (meer )?terug|"
    r"al (geweest|gegaan|aangeklopt|geprobeerd)|al bij .{0,40}?(geweest|gegaan|aangeklopt)|durven niet|durft niet|"
    r"ne veut pas|ne veulent pas|do not want|does not want|doesn'?t want|"
    r"wachtlijst|wachtlijsten|wachttijd|(maanden|maand|mnd|weken|jaar) wachten?|zit vol|zitten vol|volzet|"
    r"(pas|eerst|ten vroegste) (plaats|een (eerste )?gesprek|een afspraak)|"
    r"neemt (niemand|geen \w+) (meer )?aan|nemen (niemand|geen \w+) (meer )?aan|geen plaats|helpt niet|hielp niet|"
    r"niets gedaan|geen vertrouwen|buiten gezet|iets anders|ander dan|behalve|geen zin meer|"
    r"refus[eé]|ne veut plus|d[eé]j[aà]|liste d'attente|refused|already (went|tried|been)|waiting list|won'?t go|"
    r"don'?t want to go|something else|other than)\b")


# Where a clause ends: a sentence mark, "maar", or the last comma before a question mark, which sets
# the school's question apart ("het CGG heeft een wachtlijst, heeft het CLB iets?", "..., does the
# CLB offer anything?", "kan het CLB helpen, want het CGG heeft een wachtlijst?": fresh reviewers,
# rounds 30 and 31). Other commas stay inside the clause: "al bij het CAW, het OCMW en de
# mutualiteit geweest" names three it tried.
_CLAUSE_BREAK = re.compile(r"[.;!?]|\bmaar\b|\bmais\b|\bbut\b|,(?=[^,.;!?]*\?)")


# The first word of a clause that points back at the organisation named in the clause before.
_POINTING_BACK = frozenset({"daar", "ginder", "die", "there"})   # not "ze": that is mostly the family


# The word right before "N jaar", or right after it, that makes it a duration, not an age:
# "wachttijd 4 a 6 jaar", "al 3 jaar", "sinds 2 jaar", "2 jaar geleden", "il y a 2 ans". Since round
# 18 a service for other ages is no reason to answer, so a duration read as an age would hide the
# right service; an age missed only leaves the order as it was. So "hij is al 10 jaar" is skipped too.
_DURATION_BEFORE = frozenset({
    "wachttijd", "wachtlijst", "wachten", "wacht", "duurt", "duur", "binnen", "na", "al", "sinds", "periode",
    "delai", "attente", "depuis", "pendant", "waiting", "wait", "within", "after", "since", "for", "already",
    # Numbers written as words (round 30) made these common: "in vier jaar al drie keer verhuisd",
    # "werkte drie jaar via een interimkantoor", "het contract loopt nog twee jaar".
    "in", "nog", "loopt", "werkt", "werkte", "werkten", "gewerkt", "woont", "woonde", "wonen", "woonden", "gewoond",
    "verblijft", "verbleef", "zat", "zaten", "hier", "leven", "leeft", "leefde", "worked", "lived", "travaille",
    "habite"})
_DURATION_AFTER = frozenset({"geleden", "lang", "wachten", "wachttijd", "ago", "later", "d'attente"})
# Or a word a little after it that says what lasted: "2 jaar op de wachtlijst", "3 jaar in de cel",
# "5 jaar in Belgie", "twee jaar werkloos".
_DURATION_SOON_AFTER = frozenset({
    "wachtlijst", "wachtlijsten", "cel", "gevangenis", "prison", "belgie", "belgium", "belgique", "vlaanderen",
    "werkloos", "getrouwd", "gescheiden", "weduwe", "weduwnaar", "opvangcentrum", "asielcentrum", "waiting",
    "attente", "buitenland", "abroad", "etranger"})
# An age said of a parent ("een mama van 22 jaar") is not the age of the child the help is for.
_ADULTS = frozenset({
    "mama", "papa", "moeder", "vader", "ouder", "ouders", "oma", "opa", "grootmoeder", "grootvader", "tante", "oom",
    "pleegmoeder", "pleegvader", "stiefvader", "stiefmoeder", "mother", "father", "mum", "mom", "dad", "parent",
    "mere", "pere", "maman", "vrouw", "man", "juf", "meester", "leerkracht", "collega"})


# Small words between a duration's noun and its number.
_FILLERS = frozenset({"is", "zijn", "van", "bedraagt", "ongeveer", "gemiddeld", "tussen", "soms", "circa", "ca",
                      "momenteel", "nu", "vaak", "est", "de", "environ", "entre", "about", "around", "between"})


def _is_duration(text: str, start: int, end: int) -> bool:
    before = re.findall(r"[a-z'0-9]+", text[max(0, start - 40):start])
    while before and (_is_number(before[-1]) or (before[-1] in {"a", "tot", "to", "en", "of"} and len(before) > 1
                                                 and _is_number(before[-2]))):
        before.pop()   # "wachttijd 4 a 6 jaar": the word before the range
    while len(before) > 1 and before[-1] in _FILLERS:
        before.pop()   # "de wachttijd is gemiddeld drie tot vijf jaar"
    before = before[-1:]
    if text[:start].rstrip().endswith("il y a"):
        return True
    soon_after = re.findall(r"[a-z']+", text[end:end + 30])[:3]
    return bool(_DURATION_BEFORE.intersection(before) or _DURATION_AFTER.intersection(soon_after[:1])
                or _DURATION_SOON_AFTER.intersection(soon_after) or _in_a_place(soon_after))


# "N jaar in <place>" is how long a family has lived somewhere ("ze zijn pas 2 jaar in Lindegem", a
# fresh reviewer, round 30); "8 jaar in het derde leerjaar", "in mijn klas", "in K2" stay ages.
_NOT_A_PLACE = frozenset({
    "de", "het", "een", "mijn", "zijn", "haar", "onze", "ons", "hun", "jullie", "die", "dat", "deze", "dit",
    "the", "a", "my", "his", "her", "our", "their", "la", "le", "les", "l'", "ma", "mon", "sa", "son", "notre",
    "klas", "kleuterklas", "leerjaar", "lj", "school", "k", "eerste", "tweede", "derde", "vierde", "vijfde", "zesde"})


def _in_a_place(after: list[str]) -> bool:
    """`after`: the words right after "N jaar". True for "in" + a word that is no article, pronoun or
    class ("in lindegem", "in belgie"); the caller's text is folded, so a place name is lower case."""
    return len(after) >= 2 and after[0] == "in" and after[1] not in _NOT_A_PLACE and not re.match(r"k\d", after[1])


def _two_words_before(text: str, start: int) -> tuple[str, ...]:
    """The (at most) two words right before `start`: what says whose age, or which bound, it is."""
    return tuple(re.findall(r"[a-z']+", text[max(0, start - 30):start])[-2:])


def _of_an_adult(before: tuple[str, ...]) -> bool:
    """`before`: _two_words_before the age ("een mama van 22 jaar")."""
    return bool(_ADULTS.intersection(before))


# "Zijn grote zus van 15" is an older sibling, not the pupil the question is about (fresh reviewers,
# rounds 30 and 31: her age ruled out the services for children of primary school age); so is "zijn
# zus van 15". A sibling said alone ("zus van 15 wil ...") may be the one the question is about.
_SIBLING = r"(?:zus|zusje|zuster|broer|broertje|sister|brother|soeur|frere)"
_AFTER_SIBLING = r"\s*(?:\(|,|van|of|de|is|est|'s|v)?\s*$"
_OLDER_SIBLING = re.compile(r"(?:\b(?:grote|oudere|oudste|big|older|oldest|grand|grande)\s+" + _SIBLING
                            + r"|\b(?:soeur|frere)\s+ainee?)" + _AFTER_SIBLING)
_THEIR_SIBLING = re.compile(r"\b(?:zijn|haar|z'n|hun|his|her|their|sa|son)\s+" + _SIBLING + _AFTER_SIBLING)
# Primary school ends at 12: a brother or sister older than that is not the pupil.
_PRIMARY_MAX = 12


def _of_an_older_sibling(text: str, start: int, age: int) -> bool:
    """Whether the age `age` starting at `start` is said of an older brother or sister of the pupil:
    "grote zus van 15", or "zijn zus van 15" past primary school age ("een tiener en zijn zusje van
    7": the sister may be the pupil)."""
    before = text[max(0, start - 40):start]
    return bool(_OLDER_SIBLING.search(before)) or (age > _PRIMARY_MAX and bool(_THEIR_SIBLING.search(before)))


# An age with a bound before it is a limit, said of a service or a rule, not the child's age: "de
# groep is pas vanaf 8 jaar" for a girl of 5, "kinderen onder 3 jaar", "à partir de 6 ans".
_BOUND_BEFORE = frozenset({"vanaf", "tot", "onder", "boven", "min", "minimum", "max", "maximum", "maximaal",
                           "minstens", "from", "under", "over", "above", "below", "des", "jusqu'a", "avant"})
_BOUND_TWO_BEFORE = frozenset({("ouder", "dan"), ("jonger", "dan"), ("en", "met"), ("partir", "de"),
                               ("moins", "de"), ("plus", "de"), ("older", "than"), ("younger", "than")})


def _is_a_bound(before: tuple[str, ...]) -> bool:
    """`before`: _two_words_before the age ("pas vanaf 8 jaar", "à partir de 6 ans")."""
    return bool(before) and (before[-1] in _BOUND_BEFORE or before in _BOUND_TWO_BEFORE)


# Ages said without "jaar": "zijn dochter van 8", "she is 7", and the school year ("3de leerjaar":
# the Flemish primary school starts at 6, so the n-th year is n+5 to n+6; "en 3e primaire" idem).
_CHILD = (r"(?:zoon|zoontje|dochter|dochtertje|kind|kindje|jongen|jongetje|meisje|meiske|manneke|broer|broertje|"
          r"zus|zusje|kleuter|kleutertje|leerling|son|daughter|boy|girl|child|kid|fils|fille|enfant)")
_CHILD_OF = re.compile(r"\b" + _CHILD + r"\s+(?:van|of|de)\s+" + _N_CHILD
                       + r"(?:\s*(maanden|maand|weken|months|mois))?\b")
_IS_AGE = re.compile(r"\b(?:he|she|hij|zij|ze|" + _CHILD[3:-1] + r")(?:\s+is|'s)\s+" + _N
                     + r"(?=\s*(?:[.,;!?)]|$|en\b|and\b|maar\b|but\b|et\b))")
# "kind v 7", "zoon (7)", "my daughter, aged 7", "âgé de 7 ans"
_SHORT_AGE = re.compile(r"\b" + _CHILD + r"\s+(?:v\s+" + _N_CHILD + r"|\(\s*" + _N + r"\s*\))"
                        r"|\baged\s+" + _N + r"|\bag[eé]e?\s+de\s+" + _N)
_ORDINAL = {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "zesde": 6}
_SCHOOL_YEAR = re.compile(r"\b(?:(\d)\s*(?:ste|de|e|st|nd|rd|th|eme|ieme)?|(eerste|tweede|derde|vierde|vijfde|zesde))"
                          r"\s*(?:leerjaar|lj\b|primaire)")


def ages(question: str) -> tuple[int, int] | None:
    """The age range the question is about; None when it says nothing about age."""
    text = fold(question)
    found: list[tuple[int, int]] = []
    for m in _NUMBER_AGE.finditer(text):
        age = _number(m.group(1))
        before = _two_words_before(text, m.start())
        if age <= 25 and not _is_duration(text, m.start(), m.end()) and not _of_an_adult(before) \
                and not _is_a_bound(before) and not _of_an_older_sibling(text, m.start(), age):
            found.append((age, age))
    for m in _CHILD_OF.finditer(text):
        age = 0 if m.group(2) else _number(m.group(1))   # "een zoontje van 8 maanden" is a baby
        if age <= 25 and not _of_an_older_sibling(text, m.start(1), age):
            found.append((age, age))
    for m in (*_IS_AGE.finditer(text), *_SHORT_AGE.finditer(text)):
        number = next(i for i in range(1, len(m.groups()) + 1) if m.group(i))
        age = _number(m.group(number))
        if age <= 25 and not _of_an_older_sibling(text, m.start(number), age):
            found.append((age, age))
    for m in _TWO_AGES.finditer(text):   # "twee kindjes van 1 en 5 jaar": both children
        if not _is_duration(text, m.start(), m.end()) and not _of_an_adult(_two_words_before(text, m.start())):
            found.extend((_number(g),) * 2 for g in m.groups() if _number(g) <= 25)
    for m in _SCHOOL_YEAR.finditer(text):
        year = int(m.group(1)) if m.group(1) else _ORDINAL[m.group(2)]
        if 1 <= year <= 6:
            found.append((year + 5, year + 6))
    said = list(found)
    for word in re.findall(r"[a-z]+", text):
        # "een kleuter van vier": the number says the age, the word only the range around it
        if word in _AGE_WORDS and not any(_AGE_WORDS[word][0] <= lo <= _AGE_WORDS[word][1] for lo, _ in said):
            found.append(_AGE_WORDS[word])
    if not found:
        return None
    return min(lo for lo, _ in found), max(hi for _, hi in found)


def service_ages(s: Service) -> tuple[int, int] | None:
    """The ages a service is for, from its own words ("0 tot 3 jaar", "vanaf 12 jaar", "12+")."""
    text = fold(" ".join((s.name, s.summary)))
    for m in _SERVICE_RANGE.finditer(text):
        lo, hi = _number(m.group(1)), _number(m.group(2))
        if lo < hi <= 25 and not _is_duration(text, m.start(), m.end()):
            return lo, hi
    for m in _SERVICE_FROM.finditer(text):
        lo = _number(m.group(1) or m.group(2))
        if 3 <= lo <= 25 and not _is_duration(text, m.start(), m.end()):
            return lo, 99
    for m in _SERVICE_UNTIL.finditer(text):
        if 1 <= _number(m.group(1)) <= 25 and not _is_duration(text, m.start(), m.end()):
            return 0, _number(m.group(1))
    if s.audience and set(s.audience) <= {"jongeren"}:
        return AUDIENCE_AGES["jongeren"]
    return None


def avoided(question: str, named_in: Callable[[str], frozenset[str]]) -> frozenset[str]:
    """The organisations the question says to avoid ("het OCMW weigerde al", "liever niet het CAW").

    `named_in(text)`: the organisations a text names (Organisations.find). Only those named in the
    clause that rules them out count, or in the clause before when this one points back at it
    ("aangevraagd bij De Lantaarn, maar daar is vijf maanden wachttijd"): in "het CGG heeft een
    wachtlijst; kan het CLB intussen iets doen?" the CLB is what the school asks for (a fresh
    reviewer, round 30)."""
    text = fold(question)
    if not _AVOID.search(text):
        return frozenset()
    out: set[str] = set()
    before: frozenset[str] = frozenset()
    for clause in _CLAUSE_BREAK.split(text):
        here = named_in(clause) if clause.strip() else frozenset()
        if _AVOID.search(clause):
            words = re.findall(r"[a-z0-9']+", clause)
            out |= here or (before if words[:1] and words[0] in _POINTING_BACK else frozenset())
        before = here
    return frozenset(out)
