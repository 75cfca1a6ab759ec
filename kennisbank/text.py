"""Text that looks the same but is not: one normalisation for every input.

Text pasted from a phone, a PDF or the bot's own right-to-left cards carries characters nobody
sees: a soft hyphen inside a word, a zero-width space, bidi isolates around a phone number, a
narrow no-break space between digit groups, Arabic-Indic or full-width digits, a decomposed é.
Every input (region files, /beheer, imports, command-line arguments, questions) passes `clean`
before it is validated or analysed, and identities (municipality and organisation names) are
compared on `identity`, so two spellings that look the same are the same.
"""
from __future__ import annotations

import unicodedata

# Controls that reorder what follows: in a stored field they can make a phone number read backwards.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Joiners shape Arabic and Persian script and emoji sequences: free text keeps them.
JOINERS = frozenset("\u200c\u200d")
# Spaces that look like a space but are another character (no-break, figure, narrow no-break, ideographic).
ODD_SPACES = "\u00a0\u2007\u202f\u3000"
_SPACES = {ord(c): " " for c in ODD_SPACES}
_DIGITS = {
    **{0x0660 + i: str(i) for i in range(10)},   # Arabic-Indic (U+0660..U+0669)
    **{0x06F0 + i: str(i) for i in range(10)},   # Extended Arabic-Indic, Persian and Urdu (U+06F0..U+06F9)
    **{0xFF10 + i: str(i) for i in range(10)},   # full-width (U+FF10..U+FF19)
}
_TABLE = {**_SPACES, **_DIGITS}


def count(n: int, one: str, many: str) -> str:
    """A number with its noun in Flemish Dutch: count(1, "dienst", "diensten") -> "1 dienst"."""
    return f"{n} {one if n == 1 else many}"


def clean(value: str, *, digits: bool = True, keep_joiners: bool = False) -> str:
    """NFC, odd spaces as a space, invisible format characters (Unicode Cf) removed.

    digits: Arabic-Indic, Extended Arabic-Indic and full-width digits as ASCII digits (for
    values read as numbers; free text in a translation keeps its own digits).
    keep_joiners: keep ZWNJ/ZWJ, which change how Arabic script and emoji look.
    """
    text = unicodedata.normalize("NFC", value)
    text = text.translate(_TABLE if digits else _SPACES)
    if text.isascii():   # no format character is ASCII: most text stops here (20,000 services at start-up)
        return text
    return "".join(c for c in text
                   if unicodedata.category(c) != "Cf" or (keep_joiners and c in JOINERS))


def identity(value: str) -> str:
    """The form two names are compared on: cleaned, NFC, case-folded, single spaces."""
    return unicodedata.normalize("NFC", " ".join(clean(value).casefold().split()))


def bidi_controls(value: str) -> list[str]:
    """The bidi control characters in a value, in order of appearance, each once."""
    return list(dict.fromkeys(c for c in value if c in BIDI_CONTROLS))


def describe(char: str) -> str:
    """'U+202E (RIGHT-TO-LEFT OVERRIDE)': how a message names an invisible character."""
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'onbekend teken')})"
