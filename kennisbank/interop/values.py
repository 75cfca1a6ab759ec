"""Single values as other publishers write them, made into what the contract holds.

Every function here either returns the contract's value or raises ValueError with a Dutch
message that names what was found and what is expected; importers turn that into a report line.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from html.parser import HTMLParser

from babel import Locale, UnknownLocaleError
from babel.core import get_global

# ── text ─────────────────────────────────────────────────────────────────────────────────

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?\s*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
# Paragraph-like elements end with a blank line, line-like ones (a line break, a list item) with a newline.
_PARAGRAPH_TAGS = frozenset({"p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section",
                             "article", "blockquote", "pre", "hr"})
_LINE_TAGS = frozenset({"br", "li", "tr"})


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment; block elements become line breaks, list items bullets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _PARAGRAPH_TAGS:
            self.parts.append("\n\n")
        elif tag in _LINE_TAGS:
            self.parts.append("\n- " if tag == "li" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _PARAGRAPH_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    return bool(_TAG.search(text))


def html_to_text(text: str) -> str:
    """Plain text of an HTML fragment: tags gone, entities decoded, paragraphs kept as blank lines."""
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


# ── languages ────────────────────────────────────────────────────────────────────────────

_LANGUAGE_ALIASES: dict[str, str] = dict(get_global("language_aliases"))


def iso639_1(code: str) -> str:
    """'nl', 'nld', 'dut', 'nl-BE', 'NL_be' -> 'nl'. HSDS allows ISO 639-1, 639-2/3 and BCP 47 tags."""
    text = code.strip()
    primary = re.split(r"[-_]", text, maxsplit=1)[0].lower()
    if re.fullmatch(r"[a-z]{2}", primary):
        candidate = primary
    elif re.fullmatch(r"[a-z]{3}", primary):
        alias = _LANGUAGE_ALIASES.get(primary, "")
        candidate = re.split(r"[-_]", alias, maxsplit=1)[0]
    else:
        candidate = ""
    if len(candidate) == 2:
        try:
            Locale.parse(candidate)
            return candidate
        except (UnknownLocaleError, ValueError):
            pass
    raise ValueError(f"taalcode '{text[:20]}' heeft geen ISO 639-1-code (verwacht bv. nl, nld of nl-BE)")


def country_name(code: str) -> str:
    """Dutch name of an ISO 3166-1 country code ('NL' -> 'Nederland'); the code itself when unknown."""
    return str(Locale.parse("nl").territories.get(code.strip().upper(), code.strip()))


_BELGIUM = frozenset({"be", "bel", "belgie", "belgië", "belgium", "belgique", "belgien"})


def is_belgian(country: str | None) -> bool:
    """An address without a country counts as Belgian (the region files never write one)."""
    return country is None or country.strip().lower() in _BELGIUM or not country.strip()


# ── numbers and dates ────────────────────────────────────────────────────────────────────

def number(value: object) -> float:
    """A JSON number or a numeric string ('51.05', '51,05'); booleans and NaN are not numbers."""
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is geen getal")
    if isinstance(value, (int, float)):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip().replace(",", "."))
        except ValueError:
            raise ValueError(f"'{value.strip()[:30]}' is geen getal") from None
    else:
        raise ValueError("verwacht een getal, niet een " + ("lijst" if isinstance(value, list) else "object"))
    if math.isnan(result) or math.isinf(result):
        raise ValueError(f"'{value}' is geen getal")
    return result


def coordinates(lat: object, lon: object) -> tuple[float, float]:
    """(latitude, longitude) in range; the message names which of the two is wrong."""
    try:
        la = number(lat)
    except ValueError as exc:
        raise ValueError(f"breedtegraad: {exc}") from None
    try:
        lo = number(lon)
    except ValueError as exc:
        raise ValueError(f"lengtegraad: {exc}") from None
    if not -90 <= la <= 90:
        raise ValueError(f"breedtegraad {lat} ligt niet tussen -90 en 90")
    if not -180 <= lo <= 180:
        raise ValueError(f"lengtegraad {lon} ligt niet tussen -180 en 180")
    return la, lo


def iso_date(value: object) -> str:
    """'2026-06-30' or a date-time ('2026-06-30T10:30:45.123Z') -> '2026-06-30'."""
    if not isinstance(value, str):
        raise ValueError(f"'{str(value)[:30]}' is geen datum (verwacht JJJJ-MM-DD)")
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        raise ValueError(f"'{text[:30]}' is geen datum (verwacht JJJJ-MM-DD)") from None


# ── Belgian postcodes ────────────────────────────────────────────────────────────────────

# bpost's postcode ranges per province (Brussels is a region, not a province).
_PROVINCES: tuple[tuple[int, int, str], ...] = (
    (1000, 1299, "Brussels Hoofdstedelijk Gewest"), (1300, 1499, "Waals-Brabant"), (1500, 1999, "Vlaams-Brabant"),
    (2000, 2999, "Antwerpen"), (3000, 3499, "Vlaams-Brabant"), (3500, 3999, "Limburg"), (4000, 4999, "Luik"),
    (5000, 5999, "Namen"), (6000, 6599, "Henegouwen"), (6600, 6999, "Luxemburg"), (7000, 7999, "Henegouwen"),
    (8000, 8999, "West-Vlaanderen"), (9000, 9999, "Oost-Vlaanderen"),
)


def province(postcode: str | int) -> str | None:
    """The province (or the Brussels region) of a Belgian postcode; None for anything else."""
    text = str(postcode).strip()
    if not re.fullmatch(r"[1-9]\d{3}", text):
        return None
    code = int(text)
    return next((name for low, high, name in _PROVINCES if low <= code <= high), None)
