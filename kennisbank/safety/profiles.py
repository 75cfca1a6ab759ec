"""What help fits each kind of life-safety situation, in terms any region file can meet.

A region marks its doors for acute situations with `urgent: true` (docs/kennisbank-format.md);
regions that do not are still served: a door is a service of one of the kind's themes whose own
text says it answers at once (a helpline, 24/7, crisis, a report line) or that names the kind's
subject. `query` is what the door's text is compared with (lexically and by meaning), next to the
question itself.
"""
from __future__ import annotations

from dataclasses import dataclass

ACUTE_LINE = "Bij acuut gevaar: bel 112."


@dataclass(frozen=True)
class SafetyProfile:
    kind: str
    label: str                  # Flemish Dutch, shown to the user
    themes: tuple[str, ...]     # themes whose services may be a door: the first always, the others
                                # when the service's own words meet `query`
    query: str                  # the kind's help in the words services use


PROFILES: dict[str, SafetyProfile] = {p.kind: p for p in (
    SafetyProfile("suicide", "zelfdoding", ("psychisch-welzijn", "crisis"),
                  "zelfmoordlijn zelfmoordpreventie zelfdoding suïcide gedachten praten hulplijn dag en nacht crisis psychiatrie"),
    SafetyProfile("self-harm", "zelfbeschadiging", ("psychisch-welzijn", "crisis", "leerlingbegeleiding"),
                  "zelfbeschadiging zichzelf pijn doen snijden zelfmoordpreventie hulplijn crisis jongeren psychische hulp"),
    SafetyProfile("abuse", "kindermishandeling", ("geweld", "crisis", "leerlingbegeleiding"),
                  "kindermishandeling vertrouwenscentrum melden slaan verwaarlozing geweld kind hulplijn 1712 politie"),
    SafetyProfile("sexual-abuse", "seksueel misbruik", ("geweld", "crisis", "leerlingbegeleiding"),
                  "seksueel misbruik vertrouwenscentrum kindermishandeling zorgcentrum na seksueel geweld melden 1712"),
    SafetyProfile("domestic-violence", "partnergeweld", ("geweld", "crisis"),
                  "partnergeweld intrafamiliaal geweld huiselijk geweld hulplijn 1712 vluchthuis politie opvang"),
    SafetyProfile("alone", "kind alleen of onveilig", ("geweld", "crisis", "opvoeding"),
                  "kind alleen gelaten verwaarlozing onveilig thuis vertrouwenscentrum kindermishandeling politie jeugd crisisopvang"),
    SafetyProfile("parent-unable", "ouder kan niet zorgen", ("opvoeding", "geweld", "crisis"),
                  "acute crisis ouder niet in staat kind opvang crisishulp politie vertrouwenscentrum dringende opvang"),
    SafetyProfile("no-roof-tonight", "geen dak vannacht", ("huisvesting", "crisis"),
                  "nachtopvang noodopvang crisisopvang vannacht dakloos noodwoning opvang dringend"),
    SafetyProfile("honour", "eergerelateerd geweld of gedwongen huwelijk", ("geweld", "crisis", "verblijf"),
                  "eergerelateerd geweld gedwongen huwelijk uithuwelijking genitale verminking meldpunt politie hulplijn 1712"),
)}

# Words in a service's own text that say it answers at once.
URGENT_WORDS = ("24/7", "24 op 24", "dag en nacht", "crisis", "hulplijn", "noodopvang", "nachtopvang", "acuut",
                "vertrouwenscentrum", "meldpunt", "dringend", "zelfmoordlijn", "1712", "1813", "politie", "nood")


def kind_label(kind: str) -> str:
    return PROFILES[kind].label
