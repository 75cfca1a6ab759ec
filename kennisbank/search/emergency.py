"""Whether a question names the emergency services: 112, an ambulance, an emergency as such.

A rule, not a model, on purpose. Rounds 50 and 51 (docs/search.md) fitted a detector kind for "an
emergency whose nature is not said" and it learned the register of asking for help ("wie bel ik",
"dringend"), which ordinary questions share: a projector that failed alerted. What is certain is
narrower: a school that writes "moet ik 112 bellen?" or "ziekenwagen?" must read the emergency
number first, whatever else the search finds ("nothing fits" is no answer to it). The answer shows
"Bij acuut gevaar: bel 112." and nothing more: no alert, no urgent door in front, so a question
about 112 in a lesson costs one line and no false alarm.

Words are folded (analysis.fold) and compared whole, never as the start of a compound ("ambulancier",
"levensgevaarlijk", "noodnummers aan de muur", "MUG-achtergrond" are no emergency). Typing slips are
listed, not guessed: one slip from "ambulance" is "ambulante" (ambulante hulp, a welfare term), one
from "urgences" is "urgentes". Fresh reviewers (benchmarks/review-2026-12-03-round52/, -round52b/)
broke the first versions with what surrounds the words, so a term does not count:
- when a negation governs it ("geen noodgeval maar wel snel", "not an emergency"), but in a
  question it does not ("moet ik geen 112 bellen?" asks whether to call);
- in a clause about the past, a lesson, a game or someone's job ("gisteren", "overleden aan een
  hartstilstand", "les over 112 bellen", "papa rijdt met de ziekenwagen als job"), or in a sentence
  about a drill or a day to come ("volgende week een brandoefening"). Per clause, because a story
  may start with a project and then tell an emergency ("... en plots zakt een leerling in elkaar,
  ziekenwagen bellen?");
- as a number that counts or numbers something ("112 leerlingen", "lokaal 112", "lijn 112");
- inside a welfare term ("aide alimentaire d'urgence", "emergency food parcels", "samu social",
  "premiers secours").
"""
from __future__ import annotations

import itertools
import re

from .analysis import words

# The emergency number and the services it sends, as staff write them in Dutch, French and English.
# "brandweer" and "politie" only in a question whether to call them (CALLED): a visit of the fire
# brigade or the police is a school event far more often than an emergency typed into a chat. Not "dringend" or "wie bel
# ik": urgency is no emergency (round 50). Not "reanimeren": a spent blind set asks who can
# "reanimate" the printer. Not "crisis": an energy crisis, a crisis in the team. Not "urgentie": the
# urgency of a social-housing application.
NUMBERS = frozenset({"112", "911"})
WORDS = frozenset({
    "ziekenwagen", "ziekenwagens", "ziekewagen", "ambulance", "ambulances", "mug", "noodgeval", "noodgevallen",
    "noodnummer", "noodoproep", "noodsituatie", "hulpdienst", "hulpdiensten", "spoedgeval", "spoedgevallen",
    "spoedgevallendienst", "spoeddienst", "spoedarts", "levensgevaar", "urgence", "urgences", "secours",
    "samu", "emergency", "emergencies", "paramedics", "bewusteloos", "hartmassage", "hartstilstand",
    "inconscient", "unconscious",
    # typed as often as spelled
    "ambulanse", "ambulans", "amblance", "ambulence", "ziekeauto", "ziekenauto", "ziekewagn", "ziekenwagn",
    "ziekewage", "ziekenwage", "noodgevaal",
})
# "spoed" alone is the emergency department one is about to go to: "moeten we met hem naar spoed?". Not
# "met spoed" (urgently), not a visit told of ("al vier keer naar de spoed geweest", "verpleger op
# spoed", "gaan telkens naar de spoed": spent blind sets' health stories).
SPOED_TO = frozenset({"naar"})
SPOED_TOLD = frozenset({"geweest", "gelegen", "moest", "moesten", "ging", "gingen", "keer", "was", "waren",
                        "werkt", "verpleger", "verpleegster", "nachtverpleger",
                        # a habit: a family without a doctor "gaat telkens naar de spoed"
                        "telkens", "elke", "altijd", "vaak", "dikwijls", "soms", "steeds"})
# Someone of a family said to be "in gevaar" in the same clause, with no word of what danger ("kind in
# gevaar"); "acuut gevaar" says it of itself. Pronouns do not count ("ze zeggen dat onze subsidie in
# gevaar is"), nor a person after "van" ("de zwemles van de kinderen is in gevaar").
DANGER = frozenset({"gevaar", "danger"})
ACUTE = frozenset({"acuut", "acute", "imminent"})
RISK_OF = frozenset({"van", "op"})   # "in gevaar van schooluitval", "gevaar op armoede": a risk, not a danger
PERSONS = frozenset("""kind kinderen kindje kleuter kleuters leerling leerlingen jongen meisje zoon dochter broer zus
baby mama papa moeder vader ouder ouders gezin child children pupil student kid kids mother father parent parents
enfant enfants eleve eleves mere pere""".split())
OWNER = frozenset({"van", "of", "des", "du"})
PERSON_REACH = 6   # "a child in my class is in danger": words between the person and the danger, in one clause
# Breathing that stopped, said as a pair of words in order with at most one between ("niet meer
# lucht"); not "ademt niet goed" (asthma in the gym).
NOT_BREATHING = frozenset({("ademt", "niet"), ("adem", "niet"), ("not", "breathing"), ("respire", "plus"),
                           ("respire", "pas"), ("geen", "lucht"), ("geen", "adem"), ("ademt", "nie"),
                           ("adem", "nie")})
# Not "reageert niet" (a landlord, an autistic child who does not react to his name) or "niet
# aanspreekbaar" (a child who freezes at the fire alarm): spent blind sets tell both as signals.
CHOKING = frozenset({"stikt", "stikken", "gestikt", "verstikt", "choking", "etouffe"})
# The police and the fire brigade count only next to a word of calling them ("moet ik de
# pompiers bellen of de politie", "brandweer bellen?"): a visit of theirs is a school event.
CALLED = frozenset({"brandweer", "pompiers", "politie", "police"})
CALL = frozenset({"bellen", "belle", "bel", "appeler", "appelle", "call"})
BREATHING_GOES_ON = frozenset({"goed", "door", "lekker", "well", "bien"})
# A message that is nothing but a cry for help ("help", "SOS", "hulp!!!", "au secours"): a school that
# types only that may be in the middle of something. "help with a form" says what it is about.
CRIES = frozenset({"help", "hulp", "sos", "nood", "secours"})
CRY_GLUE = frozenset({"au", "aub", "nu", "please", "pls", "snel", "dringend", "urgent", "asap", "me", "ons",
                      "mij", "ik", "heb", "nodig", "hier", "op", "school", "de", "speelplaats"})

# A negation governs a term it stands right before, with at most NEGATION_GAP of these between:
# "geen noodgeval", "not an emergency", "niet in acuut gevaar", "pas une urgence". Not "ik weet niet of
# ik 112 moet bellen", and never in a question: "moet ik geen 112 bellen?" asks whether to call.
NEGATIONS = frozenset({"geen", "niet", "no", "not", "pas", "sans", "zonder"})
NEGATION_GAP = 2
NEGATION_GLUE = frozenset({"een", "de", "het", "in", "acuut", "echt", "echte", "an", "a", "real", "une", "un",
                           "d", "en", "le", "la", "vraiment"})
# What the clause says around the term, making it no call now: the emergency is over or someone died of
# it; a lesson, drill, game, joke or trivia; someone's job. Read per clause: a story that starts with a
# project or yesterday and then tells an emergency ("... en plots zakt een leerling in elkaar,
# ziekenwagen bellen?") keeps its line.
PAST = frozenset({"gisteren", "eergisteren", "vorige", "vorig", "overleden", "gestorven", "moest", "moesten",
                  "keer", "yesterday", "last", "died", "decede", "decedee"})
TEACHING = frozenset({"lesmateriaal", "lespakket", "lesidee", "lesideeen", "lesson", "lessons", "teach",
                      "teaching", "aanleren", "uitleggen", "uitleg", "leren", "themaweek", "project", "poster",
                      "affiche", "verschil", "grap", "grapje", "haha", "hahaha", "lol", "speelgoedtelefoon",
                      "expliquer", "cours", "journee", "noodkaart", "leer", "projectdag", "atelier", "app",
                      "gratis", "bezoek", "klasbezoek", "ziekenhuisje", "spelen", "tekent", "tekening",
                      "tekeningen", "tekenen"})
TEACHING_PAIRS = frozenset({("een", "les"), ("de", "les"), ("onze", "les"), ("les", "over")})  # not French "les"
JOB = frozenset({"job", "werkt", "werk", "beroep", "verpleger", "verpleegster", "nachtverpleger", "chauffeur",
                 "ambulancier", "works", "nurse", "metier", "travaille"})
NOT_NOW = PAST | TEACHING | JOB
# A drill or a day still to come is read per sentence: "we doen volgende week een brandoefening, moeten
# we de hulpdiensten verwittigen?" asks about the drill in its second clause.
PLANNED = frozenset({"oefenen", "oefening", "evacuatieoefening", "brandoefening", "drill", "volgende", "next",
                     "prochaine", "prochain"})
# What a number counts or numbers: "112 leerlingen", "lokaal 112".
NUMBERED = frozenset({"lokaal", "klas", "kamer", "pagina", "blz", "bladzijde", "nr", "bus", "lijn", "tram",
                      "huisnummer", "room", "page", "salle", "local"})
COUNTED = frozenset({"leerlingen", "kinderen", "kleuters", "euro", "eur", "personen", "ouders", "gezinnen",
                     "dagen", "uren", "uur", "minuten", "km", "leden", "plaatsen", "jaar", "lln", "pupils",
                     "students", "children", "eleves", "enfants", "familles", "families"})
# Welfare terms built on an emergency word: "d'urgence", "en urgence", "emergency food", "samu social".
WELFARE_BEFORE = {"urgence": frozenset({"d", "en"}), "secours": frozenset({"premiers", "premier", "1ers"})}
WELFARE_AFTER = {"samu": frozenset({"social", "sociale"}),
                 "emergency": frozenset({"contact", "contacts", "food", "parcel", "parcels", "fund", "funds",
                                         "funding", "form", "forms", "housing", "shelter", "kit", "plan", "exit",
                                         "supplies", "payment", "grant", "loan", "childcare", "accommodation",
                                         "card", "dentist", "meeting", "appointment"})}


def names_emergency(question: str) -> bool:
    """True when `question` names the emergency number or an emergency service (WORDS, NUMBERS), says
    that someone of a family or "acuut" is in danger without saying which danger (DANGER), says that
    someone does not breathe or respond (NOT_BREATHING, CHOKING), or is nothing but a cry for help
    (CRIES); not for a term a negation governs, nor in a clause that is about the past, a lesson or
    someone's job (NOT_NOW; see the module's text)."""
    present = set(words(question))
    if present and present <= CRIES | CRY_GLUE and present & CRIES:
        return True
    # "MUG-achtergrond", "112-app", "ehbo-les": a hyphen joins a compound, which is no emergency word.
    text = _HYPHEN.sub("", question)
    for sentence in _SENTENCE.findall(text):
        asks = sentence.rstrip().endswith("?")
        if set(words(sentence)) & PLANNED:
            continue
        if any(_clause_names_emergency(words(clause), asks, present) for clause in _CLAUSE.split(sentence)):
            return True
    return False


def _clause_names_emergency(folded: list[str], asks: bool, whole: set[str]) -> bool:
    """`folded`: one clause's words; `asks`: its sentence ends in "?"; `whole`: every word of the
    question (a habit of going to the ER may be told in another clause)."""
    told = set(folded) & NOT_NOW or set(itertools.pairwise(folded)) & TEACHING_PAIRS
    for i, word in enumerate(folded):
        after = folded[i + 1] if i + 1 < len(folded) else ""
        if word in CHOKING or (after not in BREATHING_GOES_ON
                               and any((w, word) in NOT_BREATHING for w in folded[max(0, i - 2):i])):
            return True   # before the negations: "not breathing", "geen lucht" hold one
        if told or (_negated(folded[:i]) and (word in DANGER or not asks)):
            continue   # "moet ik geen 112 bellen?" asks; "is er geen echt gevaar?" still says none
        if word in DANGER and after not in RISK_OF and (ACUTE & set(folded[i - 1:i]) or _person_in_danger(folded[:i])):
            return True
        if word in CALLED and CALL & set(folded[max(0, i - 3):i + 3]):
            return True
        if word in NUMBERS:
            if not (set(folded[i - 1:i]) & NUMBERED or after in COUNTED):
                return True
        elif word == "spoed":
            if SPOED_TO & set(folded[max(0, i - 2):i]) and not SPOED_TOLD & whole:
                return True
        elif word in WORDS and not (set(folded[i - 1:i]) & WELFARE_BEFORE.get(word, frozenset())
                                    or after in WELFARE_AFTER.get(word, frozenset())):
            return True
    return False


def _negated(before: list[str]) -> bool:
    """A negation right before the term, with at most NEGATION_GAP glue words between."""
    for gap in range(min(NEGATION_GAP, len(before) - 1) + 1):
        if before and before[-1 - gap] in NEGATIONS and set(before[len(before) - gap:]) <= NEGATION_GLUE:
            return True
    return False


def _person_in_danger(before: list[str]) -> bool:
    """A person among the PERSON_REACH words before "gevaar", not owned ("de zwemles van de kinderen")."""
    reach = before[-(PERSON_REACH + 1):]
    return any(word in PERSONS and not OWNER & set(reach[max(0, j - 2):j]) for j, word in enumerate(reach))


_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_CLAUSE = re.compile(r"[,;:]+")
