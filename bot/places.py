"""Which place a chat's text names: a postcode or a municipality of the knowledge base."""
from __future__ import annotations

import re

from kennisbank.fields import FieldError
from kennisbank.fields import postcode as parse_postcode
from kennisbank.services.knowledge import Knowledge
from kennisbank.text import clean

from . import render

_POSTCODE_ONLY = re.compile(r"^\s*(\d{4})\s*$")
_POSTCODE_ANY = re.compile(r"(?<!\d)(\d{4})(?!\d)")
# Words around a postcode that still say "this is my place": "postcode 9801", "gemeente: 9801".
_PLACE_WORDS = {"postcode", "gemeente", "in", "te", "-"}


def parse_location(knowledge: Knowledge, text: str, *, strict: bool = False, explicit: bool = False) -> int | None:
    """'9801', '9801 Lindegem', 'Lindegem', 'lindegm' -> a postcode; None if not a place.

    strict: only a message that is nothing but a postcode or a municipality name counts
    (used once a postcode is set, so that a question is never mistaken for a place).
    explicit: the text is the argument of /postcode or /gemeente: any valid postcode counts.
    Otherwise four digits among other words ("uitstap 1500 euro", "schoolreis 2026 betalen")
    are a place only when the postcode is in a loaded region and the other words name a
    municipality ("9801 Lindegem"); in doubt the bot asks for the place instead of guessing.
    """
    text = clean(text or "").strip()   # Arabic-Indic or full-width digits, a zero-width space
    if not text or len(text) > 60:
        return None
    if len(text.split()) > 3:
        return None
    found = (_POSTCODE_ONLY if strict else _POSTCODE_ANY).search(text)
    if found:
        try:
            postcode = parse_postcode(found.group(1))
        except FieldError:
            return None
        rest = f"{text[:found.start()]} {text[found.end():]}".split()
        rest = [w for w in rest if w.strip(",.:;!?").casefold() not in _PLACE_WORDS]
        if explicit or not rest:
            return postcode
        known = knowledge.kb.region_for_postcode(postcode) is not None
        return postcode if known and knowledge.find_municipality(" ".join(rest), cutoff=80) else None
    municipality = knowledge.find_municipality(text, cutoff=92 if strict else 80)
    return municipality.postcodes[0] if municipality else None


def looks_like_a_place(text: str) -> bool:
    """One to three capitalised words ("Gent", "Sint-Niklaas") or four digits: what a school types
    when asked for its place. parse_location did not know it; a question is no such thing."""
    text = clean(text).strip().rstrip(".!")
    if _POSTCODE_ONLY.match(text):
        return True
    words = text.split()
    return 1 <= len(words) <= 3 and all(w[:1].isupper() and w.replace("-", "").replace("'", "").isalpha()
                                        for w in words)


def location_reply(knowledge: Knowledge, postcode: int, answering: int = 0, forgotten: int = 0) -> render.Reply:
    """answering: how many questions kept from before the place was known are answered right after;
    forgotten: how many kept questions were forgotten unanswered (render.location_set)."""
    return render.location_set(postcode, knowledge.place_name(postcode), knowledge.is_example(postcode),
                               answering, forgotten)
