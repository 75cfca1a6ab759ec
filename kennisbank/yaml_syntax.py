"""YAML syntax errors said in Dutch, with the line and a fix, and recovery past them.

PyYAML's complaints are English and often point one line after the mistake (a dedented
`name:` makes the parser trip over the next, correctly indented line and complain about a
colon). A coordinator needs the line to change and what to change it to, so the message is
built here from the text itself: the indentation of the offending line against the lines
around it, an unclosed quote, and the parser's reason as a fallback.

Recovery: a syntax error inside one service hides nothing else when that service's lines are
blanked (kept as empty lines, so every later line keeps its number) and the file is parsed
again. A mistake outside the services list (the region block) is not recovered: the services
are checked against the region, so guessing it would invent errors.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from .schema import FIELD_NAMES

# libyaml's safe loader where it is installed (about ten times faster), else the pure-Python one;
# the stubs know them as one API, so the type checker sees the pure-Python class.
if TYPE_CHECKING:
    SafeLoader = yaml.SafeLoader
else:
    SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """yaml.safe_load, with libyaml where installed: the project's own data (themes, synonyms, corpus)."""
    return yaml.load(text, Loader=SafeLoader)

NOT_CHECKED = "de rest van het bestand is niet gecontroleerd tot deze fout opgelost is"

# The parser's reasons (libyaml's wording, then the pure-Python one) and what to do about them.
_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("mapping values are not allowed",),
     "een dubbele punt midden in een waarde; zet de waarde tussen aanhalingstekens, "
     "bv. name: \"Onthaal: vrije inloop\""),
    (("could not find expected ':'",),
     "verwacht 'veld: waarde'; zet een dubbele punt en een spatie na de veldnaam, of zet tekst over meer "
     "regels tussen aanhalingstekens"),
    (("did not find expected key", "expected <block end>"),
     "deze regel past niet bij de velden erboven; controleer het inspringen en of elk aanhalingsteken "
     "gesloten is"),
    (("did not find expected '-' indicator",),
     "verwacht een lijstelement ('- ...') op dezelfde inspringing als de elementen erboven"),
    (("found unexpected end of stream",),
     "het bestand stopt te vroeg; sluit elk aanhalingsteken en elk haakje ([ ] en { })"),
    (("found undefined alias",),
     "een * vooraan verwijst naar iets dat niet bestaat; zet de tekst tussen aanhalingstekens"),
    (("found character that cannot start any token", "that cannot start any token"),
     "een waarde mag niet beginnen met @, ` of %; zet de tekst tussen aanhalingstekens"),
    (("expected ',' or ']'", "did not find expected ',' or ']'"),
     "de lijst tussen [ ] die op deze regel begint, is niet goed gesloten; sluit ze met ] op dezelfde "
     "regel en zet tekst met een komma of dubbele punt tussen aanhalingstekens"),
    (("expected ',' or '}'", "did not find expected ',' or '}'"),
     "het blok tussen { } dat op deze regel begint, is niet goed gesloten; sluit het met } en zet tekst "
     "met een komma of dubbele punt tussen aanhalingstekens"),
    (("block sequence entries are not allowed",),
     "een lijstelement ('- ...') staat achter een veld op dezelfde regel; zet het op een eigen regel, "
     "dieper ingesprongen dan het veld"),
    (("did not find expected node content", "expected the node content"),
     "hier ontbreekt een waarde; zet tekst die met een leesteken begint tussen aanhalingstekens"),
    (("found unknown escape character",),
     "een \\ tussen dubbele aanhalingstekens; gebruik enkele aanhalingstekens ('...') of schrijf \\\\"),
    (("found duplicate anchor", "found undefined tag handle", "did not find expected tag URI",
      "did not find expected alphabetic or numeric character", "expected alphabetic or numeric character"),
     "een & of ! vooraan heeft in YAML een eigen betekenis; zet de tekst tussen aanhalingstekens"),
    (("did not find expected <document start>", "expected '<document start>'"),
     "er staat iets na het einde van het document; zet elk veld onder schema, region of services"),
    (("found a tab character",), "een tab; spring in met spaties"),
)

GENERIC = "de regel is geen geldige YAML; vergelijk hem met het voorbeeld in docs/kennisbank-format.md"

_KEY = re.compile(r"^((?:- +)*)([A-Za-z_][A-Za-z0-9_.-]*)\s*:(?:\s|$)")


@dataclass(frozen=True)
class _Line:
    number: int          # 1-based
    col: int             # where the key (or the text) starts, after any '- '
    key: str | None      # 'name' for "  name: x" or "  - name: x"
    opens_block: bool    # "contact:" with nothing after it


def _parse_line(number: int, raw: str) -> _Line | None:
    """None for a blank or comment-only line."""
    stripped = raw.lstrip(" ")
    if not stripped.strip() or stripped.startswith("#"):
        return None
    col = len(raw) - len(stripped)
    match = _KEY.match(stripped)
    if match is None:
        dashes = re.match(r"^(?:- +)*", stripped)
        return _Line(number, col + (dashes.end() if dashes else 0), None, False)
    rest = stripped[match.end():].split(" #", 1)[0].strip()
    return _Line(number, col + len(match.group(1)), match.group(2), rest == "" or rest.startswith("#"))


def _previous(lines: list[str], index: int) -> _Line | None:
    """The first line above `index` (0-based) with content."""
    for i in range(index - 1, -1, -1):
        parsed = _parse_line(i + 1, lines[i])
        if parsed is not None:
            return parsed
    return None


def _spaces(n: int) -> str:
    return "1 spatie" if n == 1 else f"{n} spaties"


def indentation_hint(lines: list[str], index: int, column: int) -> tuple[int, str] | None:
    """(line, message) when the error at `index` (0-based) and `column` is a field at the wrong depth.

    Two mistakes give the same complaint: the field above was dedented (`name:` out from under
    `contact:`, so the parser trips over the next, correctly placed field), or this field was
    indented too deep. Only known field names count, so a colon inside wrapped text still gets
    the advice to quote it.
    """
    if index >= len(lines):
        return None
    here = _parse_line(index + 1, lines[index])
    if here is None or here.key is None or here.key not in FIELD_NAMES:
        return None
    colon = lines[index].find(":", here.col)
    if column not in (colon, here.col):   # the complaint is about a later colon: one inside a value
        return None
    above = _previous(lines, index)
    if above is None or above.key is None or above.key not in FIELD_NAMES:
        return None
    if here.col > above.col and not above.opens_block:
        parent = _previous(lines, above.number - 1)
        if parent is not None and parent.key is not None and parent.opens_block and parent.col >= above.col:
            return above.number, (
                f"controleer het inspringen: '{above.key}' staat op {_spaces(above.col)}, de velden van "
                f"'{parent.key}' op {_spaces(here.col)}; zet '{above.key}' ook op {_spaces(here.col)}")
        return here.number, (
            f"controleer het inspringen: '{here.key}' staat op {_spaces(here.col)}, het veld erboven "
            f"('{above.key}') op {_spaces(above.col)}; zet '{here.key}' op {_spaces(above.col)}")
    if here.col < above.col:
        levels = _open_levels(lines, index)
        if here.col not in levels:
            shown = " of ".join(f"{_spaces(col)} (zoals '{key}')" for col, key in sorted(levels.items())[-2:])
            return here.number, (f"controleer het inspringen: '{here.key}' staat op {_spaces(here.col)}, "
                                 f"maar de velden erboven staan op {shown}")
    return None


def _open_levels(lines: list[str], index: int) -> dict[int, str]:
    """The depths a field on line `index` may take: those of the fields still open above it."""
    levels: dict[int, str] = {}
    limit: int | None = None
    for i in range(index - 1, -1, -1):
        parsed = _parse_line(i + 1, lines[i])
        if parsed is None or parsed.key is None:
            continue
        if limit is None or parsed.col < limit:
            levels.setdefault(parsed.col, parsed.key)
            limit = parsed.col
        if limit == 0:
            break
    return levels


def _unclosed_quote(lines: list[str], first: int, last: int) -> int | None:
    """The 1-based line, from `first` to `last` (0-based), whose value opens a quote it never closes."""
    for i in range(first, min(last, len(lines) - 1) + 1):
        parsed = _parse_line(i + 1, lines[i])
        if parsed is None or parsed.key is None:
            continue
        value = lines[i].split(":", 1)[1].strip()
        if value[:1] in ("'", '"'):
            q = value[0]
            body = value[1:].replace("\\\\", "").replace('\\"', "") if q == '"' else value[1:].replace("''", "")
            if q not in body:
                return i + 1
    return None


def describe(text: str, exc: yaml.YAMLError) -> tuple[int | None, str]:
    """The line and a Dutch sentence for a syntax error: what is wrong there and how to fix it."""
    lines = text.splitlines()
    mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    reason = str(getattr(exc, "problem", None) or exc)
    line = mark.line + 1 if mark is not None else None
    if mark is not None:
        start = context_mark.line if context_mark is not None and context_mark.line <= mark.line else mark.line
        quoted = _unclosed_quote(lines, start, mark.line)
        if quoted is not None and ("quoted scalar" in str(getattr(exc, "context", "")) or quoted < mark.line + 1):
            return quoted, ("YAML-syntaxfout: het aanhalingsteken op deze regel wordt niet gesloten; zet er een "
                            "op het einde van de waarde (een ' in de tekst zelf schrijf je als '')")
        hint = indentation_hint(lines, mark.line, mark.column)
        if hint is not None:
            return hint[0], f"YAML-syntaxfout: {hint[1]}"
    if context_mark is not None and "flow" in str(getattr(exc, "context", "")):
        line = context_mark.line + 1   # where the [ or { was opened, not where the parser gave up
    fix = next((h for keys, h in _HINTS if any(k in reason for k in keys)), None)
    if fix is None:
        where = f"kolom {mark.column + 1}" if mark is not None else "onbekende plaats"
        return line, f"YAML-syntaxfout: {GENERIC} (fout bij {where})"
    return line, f"YAML-syntaxfout: {fix}"


# ── recovery ──────────────────────────────────────────────────────────────────────────────

_SERVICES = re.compile(r"^services\s*:\s*(#.*)?$")


def service_items(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) 0-based line ranges of the items of a block-style top-level `services:` list."""
    start = next((i for i, raw in enumerate(lines) if _SERVICES.match(raw)), None)
    if start is None:
        return []
    starts: list[int] = []
    item_col: int | None = None
    end = len(lines)
    for i in range(start + 1, len(lines)):
        raw = lines[i]
        stripped = raw.lstrip(" ")
        if not stripped.strip() or stripped.startswith("#"):
            continue
        col = len(raw) - len(stripped)
        if col == 0 and not stripped.startswith("- "):   # the next top-level key
            end = i
            break
        if stripped.startswith("-") and (item_col is None or col == item_col):
            item_col = col
            starts.append(i)
    return [(first, (starts[n + 1] if n + 1 < len(starts) else end) - 1) for n, first in enumerate(starts)]


def broken_items(lines: list[str], exc: yaml.YAMLError) -> tuple[int, int] | None:
    """The 0-based line range of the service items a syntax error lies in; None if not in a service."""
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return None
    items = service_items(lines)
    context_mark = getattr(exc, "context_mark", None)
    first_line = mark.line
    if context_mark is not None and items and items[0][0] <= context_mark.line < mark.line:
        first_line = context_mark.line
    inside = [item for item in items if item[1] >= first_line and item[0] <= mark.line]
    if not inside or not items[0][0] <= first_line:
        return None
    return inside[0][0], inside[-1][1]


@dataclass(frozen=True)
class Skipped:
    """Lines blanked to get past a syntax error: 1-based, inclusive."""
    first: int
    last: int

    def sentence(self) -> str:
        where = f"regel {self.first}" if self.first == self.last else f"regels {self.first}-{self.last}"
        return f"de rest van deze dienst ({where}) wordt pas gecontroleerd als deze fout opgelost is"


def blank(lines: list[str], first: int, last: int) -> list[str]:
    return [("" if first <= i <= last else raw) for i, raw in enumerate(lines)]
