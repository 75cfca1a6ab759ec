"""Life safety first: what help fits each kind of danger, in terms any region file can meet.

The detector that decides whether a question may concern a life or a child's safety is a model
like the needs model and lives with it (kennisbank/search/safety.py). When it fires, the search
leads with the region's and the Flemish layer's urgent services for that kind (profiles.py) and
the answer says "Bij acuut gevaar: bel 112"; it never says "nothing fits". Nothing of the
detection is stored (the anonymous signal keeps only the theme, as for any question).
"""
from .profiles import ACUTE_LINE, ACUTE_THEMES, PROFILES, URGENT_WORDS, SafetyProfile, kind_label

__all__ = ["ACUTE_LINE", "ACUTE_THEMES", "PROFILES", "URGENT_WORDS", "SafetyProfile", "kind_label"]
