"""What help fits each kind of life-safety situation, in terms any region file can meet.

A region marks its doors for acute situations with `urgent: true` (docs/kennisbank-format.md);
regions that do not are still served: a door is a service of one of the kind's themes whose own
text says it answers at once (a helpline, 24/7, crisis, a report line) or that names the kind's
subject. `query` is what the door's text is compared with (lexically and by meaning), next to the
question itself. The kinds themselves are data, in profiles.yaml beside this file.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..schema import THEME_IDS

PROFILES_FILE = Path(__file__).with_name("profiles.yaml")
ACUTE_LINE = "Bij acuut gevaar: bel 112."
# The themes of an acute need: an urgent door fits a question about these, and choosing one of them
# as a need shows ACUTE_LINE too.
ACUTE_THEMES: tuple[str, ...] = ("crisis", "geweld")


@dataclass(frozen=True)
class SafetyProfile:
    kind: str
    label: str                  # Flemish Dutch, shown to the user
    themes: tuple[str, ...]     # themes whose services may be a door: the first always, the others
                                # when the service's own words meet `query`
    query: str                  # the kind's help in the words services use


def _load_profiles() -> dict[str, SafetyProfile]:
    """The kinds in profiles.yaml's order; a theme that does not exist is a programming error."""
    raw = yaml.safe_load(PROFILES_FILE.read_text(encoding="utf-8"))
    profiles = {kind: SafetyProfile(kind, entry["label"], tuple(entry["themes"]), entry["query"])
                for kind, entry in raw.items()}
    unknown = {t for p in profiles.values() for t in p.themes} - set(THEME_IDS)
    if unknown:
        raise ValueError(f"profiles.yaml: onbekende thema's {sorted(unknown)}")
    return profiles


PROFILES: dict[str, SafetyProfile] = _load_profiles()

# Words in a service's own text that say it answers at once.
URGENT_WORDS = ("24/7", "24 op 24", "dag en nacht", "crisis", "hulplijn", "noodopvang", "nachtopvang", "acuut",
                "vertrouwenscentrum", "meldpunt", "dringend", "zelfmoordlijn", "1712", "1813", "politie", "nood")


def kind_label(kind: str, also: str | None = None, unsure: bool = False) -> str:
    """The kind's Dutch label; with a second kind both, joined by "en" (a story with two dangers)
    or, when the detector is `unsure` which of the two it is, by " / " (labels hold "of" themselves:
    "kind alleen of onveilig of zelfdoding" read as three choices to a reviewer)."""
    if also is None or also == kind:
        return PROFILES[kind].label
    return f"{PROFILES[kind].label}{' / ' if unsure else ' en '}{PROFILES[also].label}"
