"""Whether a question names the emergency services: 112, an ambulance, an emergency as such.

A rule, not a model, on purpose. Rounds 50 and 51 (docs/search.md) fitted a detector kind for "an
emergency whose nature is not said" and it learned the register of asking for help ("wie bel ik",
"dringend"), which ordinary questions share: a projector that failed alerted. What is certain is
narrower: a school that writes "moet ik 112 bellen?" or "ziekenwagen?" must read the emergency
number first, whatever else the search finds ("nothing fits" is no answer to it). The answer shows
"Bij acuut gevaar: bel 112." and nothing more: no alert, no urgent door in front, so a question
about 112 in a lesson costs one line and no false alarm.

Words are folded (analysis.fold) and compared whole; a word of at least COMPOUND_MIN letters may
also be the first part of a compound ("spoedgevallendienst", "reanimatiecursus"). Typing slips are
listed, not guessed: one slip from "ambulance" is "ambulante" (ambulante hulp, a welfare term), one
from "urgences" is "urgentes". Numbers are compared whole only: "1120" is a postcode, not 112.
"""
from __future__ import annotations

from .analysis import FAMILY, words

# The emergency number and the services it sends, as staff write them in Dutch, French and English.
# Not "brandweer" or "politie": a visit of the fire brigade or the police is a school event far more
# often than an emergency typed into a chat (101 is the police's number). Not "dringend" or "wie bel
# ik": urgency is no emergency (round 50). Not "reanimeren": a spent blind set asks who can
# "reanimate" the printer. Not "crisis": an energy crisis, a crisis in the team.
NUMBERS = frozenset({"112", "911"})
WORDS = (
    "ziekenwagen", "ziekewagen", "ambulance", "ambulancier", "noodgeval", "noodnummer", "noodoproep",
    "noodsituatie", "hulpdienst", "hulpdiensten", "spoedgeval", "spoeddienst", "spoedarts", "levensgevaar",
    "urgence", "urgences", "secours", "samu", "emergency", "emergencies", "paramedics",
    "bewusteloos", "hartmassage", "hartstilstand", "inconscient", "unconscious",
    # typed as often as spelled
    "ambulanse", "ambulans", "ziekeauto", "ziekenauto", "ziekewagn", "ziekenwagn", "noodgevaal",
)
# "kind in gevaar": someone of a family said to be in danger, with no word of what danger; "acuut
# gevaar" says it of itself. A school's pool, project or future "in gevaar" names nobody.
DANGER = frozenset({"gevaar", "danger"})
ACUTE = frozenset({"acuut", "acute", "acuet", "imminent"})
PERSONS = FAMILY | {"child", "children", "pupil", "student", "kid", "kids", "mother", "father", "parent",
                    "parents", "enfant", "enfants", "eleve", "eleves", "mere", "pere"}
NEGATIONS = frozenset({"geen", "niet", "no", "not", "pas", "sans"})  # "geen acuut gevaar", "pas de danger"
# Breathing that stopped, said as a phrase (a word pair in order): "ademt niet (meer)", "not breathing".
NOT_BREATHING = (("ademt", "niet"), ("adem", "niet"), ("not", "breathing"), ("respire", "plus"),
                 ("respire", "pas"))
# A message that is nothing but a cry for help ("help", "SOS", "hulp!!!", "au secours"): a school that
# types only that may be in the middle of something. "help with a form" says what it is about.
CRIES = frozenset({"help", "hulp", "sos", "nood", "secours"})
CRY_GLUE = frozenset({"au", "aub", "nu", "please", "pls", "snel", "dringend", "urgent", "asap", "me", "ons",
                      "mij", "ik", "heb", "nodig"})
COMPOUND_MIN = 8   # "samu", "112": shorter terms begin ordinary words ("samurai")


def names_emergency(question: str) -> bool:
    """True when `question` names the emergency number or an emergency service (WORDS, NUMBERS), says
    that someone of a family or "acuut" is in danger without saying which danger (DANGER), says that
    someone does not breathe (NOT_BREATHING), or is nothing but a cry for help (CRIES)."""
    folded = words(question)
    present = set(folded)
    if present and present <= CRIES | CRY_GLUE and present & CRIES:
        return True
    for i, word in enumerate(folded):
        before = folded[max(0, i - 2):i]
        if word in DANGER and not NEGATIONS & set(before) and (present & PERSONS or ACUTE & set(before)):
            return True
        if i and (folded[i - 1], word) in NOT_BREATHING:
            return True
        if word.isdigit():
            if word in NUMBERS:
                return True
            continue
        if word in _WORDS or any(word.startswith(term) for term in _LONG):
            return True
    return False


_WORDS = frozenset(WORDS)
_LONG = tuple(sorted(w for w in _WORDS if len(w) >= COMPOUND_MIN))
