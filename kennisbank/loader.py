"""Load and validate every region file of a knowledge-base directory, all problems at once.

A coordinator fixes a file in one pass when every problem is listed with file, line, service id
and field; the bot keeps serving the last good knowledge base when a new one has errors, so the
loader never raises anything but KnowledgeBaseError for bad data.
"""
from __future__ import annotations

import difflib
import gc
import hashlib
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml

from . import fields, practical, yaml_syntax
from .fields import FieldError
from .schema import (
    AUDIENCES,
    CLOSED_KEYS,
    CONTACT_KEYS,
    COST_KEYS,
    HOURS_KEYS,
    I18N_KEYS,
    LOCATION_KEYS,
    MUNICIPALITY_KEYS,
    OPENING_KEYS,
    REGION_KEYS,
    SCHEMA_VERSION,
    SERVICE_KEYS,
    SERVICE_REQUIRED,
    STATUSES,
    THEME_IDS,
    TOP_KEYS,
    Contact,
    KnowledgeBase,
    Location,
    Municipality,
    Region,
    Service,
)
from .schema import Problem as Problem  # re-exported: where most callers look for it
from .text import ODD_SPACES, clean, count, describe, identity

_T = TypeVar("_T")

STALE_AFTER = timedelta(days=365)


def too_long_ago(last_verified: date, today: date) -> bool:
    """Confirmed more than STALE_AFTER before `today`: the one rule for stale data (check, cards, reminders)."""
    return today - last_verified > STALE_AFTER


def stale_message(last_verified: date) -> str:
    """The warning for a service confirmed more than STALE_AFTER ago (check and the cached loads)."""
    return f"laatst bevestigd op {last_verified.isoformat()}, meer dan 12 maanden geleden"
DEFAULT_KB = Path(__file__).resolve().parent.parent / "regions"
FLEMISH_LAYER_ID = "vlaanderen"
_PARALLEL_FROM = 16  # files; below this, starting worker processes costs more than it saves
FICTIONAL_PHONE_PREFIX = "+329999"  # +32 9 999 NN NN, the range example data uses


def _host(address: str) -> str:
    """The domain of an e-mail address or a web address, lower case."""
    host = address.rsplit("@", 1)[-1] if "@" in address and "://" not in address else address.split("://", 1)[-1]
    return host.split("/", 1)[0].split(":", 1)[0].lower()


class KnowledgeBaseError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if not p.warning]
        super().__init__(f"{count(len(errors), 'fout', 'fouten')} in de kennisbank:\n" + "\n".join(map(str, errors)))


# ── YAML with line numbers ────────────────────────────────────────────────────────────────

class _LineDict(dict[Any, Any]):
    """A mapping that remembers the line of each key, for messages that point at the spot."""
    line: int = 0
    key_lines: dict[Any, int]
    key_columns: dict[Any, int]
    duplicate_keys: list[tuple[Any, int]]


class _LineList(list[Any]):
    """A sequence that remembers the line of each item (a service, an area entry)."""
    item_lines: list[int]



class _Loader(yaml_syntax.SafeLoader):
    pass


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> Iterator[_LineList]:
    data = _LineList()
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_object(item, deep=True) for item in node.value)


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Iterator[_LineDict]:
    data = _LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    data.key_columns = {}
    data.duplicate_keys = []
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            key = str(key)
        if key in data:
            data.duplicate_keys.append((key, key_node.start_mark.line + 1))
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1
        data.key_columns[key] = key_node.start_mark.column


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> date | datetime | str:
    # An impossible date such as 2026-13-01 stays text, so validation reports it instead of crashing.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int | str:
    # A number typed with a leading zero is a phone number ("phone: 025551234"), not YAML 1.1's
    # octal 5690012: keep what was typed, so it is validated as written (and quoted back as written).
    raw = str(node.value)
    if len(raw) > 1 and raw.startswith("0") and raw.replace("_", "").isdigit():
        return raw
    value: int = yaml.SafeLoader.construct_yaml_int(loader, node)
    return value


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _line(obj: Any, key: str | bool | None = None) -> int | None:
    if isinstance(obj, _LineDict):
        if key is not None and key in obj.key_lines:
            return obj.key_lines[key]
        return obj.line
    return None


def _item_line(seq: Any, index: int, fallback: int | None = None) -> int | None:
    lines = getattr(seq, "item_lines", None)
    return lines[index] if lines is not None and index < len(lines) else fallback


def _entry_line(obj: Any, key: str, entry: str) -> int | None:
    """The line of one entry of a list field (block style puts each on its own line)."""
    seq = obj.get(key) if isinstance(obj, dict) else None
    if isinstance(seq, list):
        for index, item in enumerate(seq):
            if not isinstance(item, (dict, list)) and str(item).strip() == entry:
                return _item_line(seq, index, _line(obj, key))
    return _line(obj, key)


_MAX_RECOVERIES = 20  # broken services skipped in one file before the check gives up on it


def parse_yaml(text: str, file: str, recover: bool = False) -> tuple[Any, list[Problem]]:
    """The document and its syntax problems, in Dutch with the line and a fix.

    With `recover`, a syntax error inside a service does not end the check: that service's lines
    are blanked and the rest is parsed again, so the document (without the broken services) comes
    back beside the problems and the other services are still checked (kennisbank/yaml_syntax.py).
    """
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), 1):
        # Spaces YAML does not take for indentation (pasted from a word processor or a web page):
        # the parser would complain about a colon somewhere else.
        indent = raw[: len(raw) - len(raw.lstrip(" \t" + ODD_SPACES))]
        if "\t" in indent:
            problems.append(Problem(file, "tab gebruikt om in te springen; gebruik spaties", number))
        odd = [c for c in dict.fromkeys(indent) if c in ODD_SPACES]
        if odd:
            problems.append(Problem(file, f"ingesprongen met een ander spatieteken dan een gewone spatie: "
                                          f"{', '.join(describe(c) for c in odd)}; vervang het door gewone spaties",
                                    number))
    if problems:
        return None, problems
    lines: list[str] | None = None
    for _attempt in range(_MAX_RECOVERIES + 1):
        source = text if lines is None else "\n".join(lines) + "\n"
        try:
            return yaml.load(source, Loader=_Loader), problems  # _Loader is a SafeLoader
        except yaml.reader.ReaderError as exc:
            line = source.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
            return None, [*problems, Problem(file, f"onleesbaar teken #x{exc.character:04x} (stuurteken); "
                                                   "verwijder het", line)]
        except (ValueError, RecursionError) as exc:
            # e.g. an integer of thousands of digits or nesting too deep for Python: never a traceback.
            return None, [*problems, Problem(file, "YAML-waarde te groot of te diep genest (bv. een getal met "
                                                   f"duizenden cijfers): {type(exc).__name__}")]
        except yaml.YAMLError as exc:
            current = source.splitlines()
            line, message = yaml_syntax.describe(source, exc)
            broken = yaml_syntax.broken_items(current, exc) if recover else None
            if broken is None:
                problems.append(Problem(file, f"{message}; {yaml_syntax.NOT_CHECKED}", line))
                return None, problems
            skipped = yaml_syntax.Skipped(broken[0] + 1, broken[1] + 1)
            problems.append(Problem(file, f"{message}; {skipped.sentence()}", line))
            lines = yaml_syntax.blank(current, *broken)
    problems.append(Problem(file, f"nog meer YAML-syntaxfouten; {yaml_syntax.NOT_CHECKED}"))
    return None, problems


_BLOCK_SCALAR = re.compile(r"(?:^|[:\-]\s)\s*[|>][-+0-9]*\s*$")


def comment_warnings(text: str, file: str) -> list[Problem]:
    """Warnings where ' #' probably cut a value short: YAML reads the rest of the line as a comment.

    "how: Bel eerst. #geen afspraak op woensdag" loads as "Bel eerst.". A comment written on
    purpose usually stands apart ("value   # why"); one right after a single space, or glued to
    its text ("#geen"), is more likely part of the value. Quoted values and block text (| or >)
    keep their '#' and are skipped.
    """
    found: list[Problem] = []
    block_indent: int | None = None   # inside a block scalar: deeper lines are text
    quote: str | None = None          # a quoted value that goes on over the next line
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.lstrip(" ")
        indent = len(raw) - len(stripped)
        if block_indent is not None:
            if not stripped or indent > block_indent:
                continue
            block_indent = None
        prev, i, code = "", 0, raw
        while i < len(raw):
            c = raw[i]
            if quote:
                if c == quote and quote == "'" and raw[i + 1:i + 2] == "'":
                    i += 1
                elif c == quote:
                    quote = None
                elif c == "\\" and quote == '"':
                    i += 1
            elif c in "\"'" and prev in ("", "[", "{", ",", ":", "-", "?"):
                quote = c
            elif c == "#" and (i == 0 or raw[i - 1] in " \t"):
                code = raw[:i]
                value = code.strip()
                if value and not value.endswith(":") and value != "-":
                    one_space = code.endswith(" ") and not code.endswith("  ")
                    glued = raw[i + 1:i + 2] not in ("", " ", "#", "\t")
                    if one_space or glued:
                        comment = " ".join(raw[i:].split())
                        found.append(Problem(file, f"'{fields.shown(comment)[:60]}' is niet ingelezen: na ' #' is de "
                                                   "rest van de regel commentaar; hoort het bij de waarde, zet de "
                                                   "waarde dan tussen aanhalingstekens", number, warning=True))
                break
            if not c.isspace():
                prev = c
            i += 1
        if quote is None and _BLOCK_SCALAR.search(code.rstrip()):
            block_indent = indent
    return found


# Blocks whose fields, dedented by mistake, land beside the block: "contact:" left empty above them.
_BLOCK_FIELDS: dict[str, frozenset[str]] = {"contact": CONTACT_KEYS, "location": LOCATION_KEYS,
                                            "hours": HOURS_KEYS, "cost": COST_KEYS}


def _dedent_hint(obj: Any, key: Any, line: int | None) -> str | None:
    """'controleer het inspringen: ...' when `key` (on `line`) probably belongs in the empty block above it.

    "contact:" with its fields on the same depth leaves contact empty and makes 'name' a second
    service name: the message "staat twee keer" alone sends the coordinator looking for a copy.
    """
    if not isinstance(obj, _LineDict) or line is None:
        return None
    above = sorted((k for k, at in obj.key_lines.items() if at < line and k != key),
                   key=lambda k: -obj.key_lines[k])
    between: list[str] = []   # the keys from here up to the empty block must all be fields of that block
    for block in above:
        fields_of_block = _BLOCK_FIELDS.get(str(block))
        if fields_of_block is not None and obj.get(block) is None:
            if str(key) in fields_of_block and all(k in fields_of_block for k in between):
                break
            return None
        between.append(str(block))
    else:
        return None
    col = obj.key_columns.get(key, 0)
    return (f"controleer het inspringen: hoort '{key}' bij '{block}'? Het staat op {col} spaties, net als "
            f"'{block}' zelf; zet de velden van '{block}' dieper, bv. op {col + 2} spaties")


# ── validation ────────────────────────────────────────────────────────────────────────────

class _FileChecker:
    """Collects the problems of one file while building its model objects."""

    def __init__(self, file: str, today: date):
        self.file = file
        self.today = today
        self.problems: list[Problem] = []

    def error(self, message: str, line: int | None = None, service: str | None = None,
              field: str | None = None) -> None:
        self.problems.append(Problem(self.file, message, line, service, field))

    def warn(self, message: str, line: int | None = None, service: str | None = None,
             field: str | None = None) -> None:
        self.problems.append(Problem(self.file, message, line, service, field, warning=True))

    def unknown_keys(self, obj: dict[Any, Any], allowed: frozenset[str], service: str | None,
                     prefix: str = "") -> None:
        for key in obj:
            if isinstance(key, bool):
                self.error("een veldnaam werd als ja/nee gelezen (yes, no, on, off, true of false zonder "
                           "aanhalingstekens); zet ze tussen aanhalingstekens", _line(obj, key), service,
                           prefix + str(key))
                continue
            if key not in allowed:
                dedented = _dedent_hint(obj, key, _line(obj, key))
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
                hint = f"bedoel je '{close[0]}'?" if close else "toegelaten: " + ", ".join(sorted(allowed))
                self.error(f"onbekend veld '{fields.shown(key)}' ({dedented or hint})", _line(obj, key), service,
                           prefix + str(key))
        for key, line in getattr(obj, "duplicate_keys", []):
            dedented = _dedent_hint(obj, key, line)
            self.error(f"veld '{key}' staat twee keer" + (f"; {dedented}" if dedented else ""), line, service,
                       prefix + str(key))

    def value(self, validator: Callable[[Any], _T], obj: dict[Any, Any], key: str, service: str | None,
              field: str | None = None) -> _T | None:
        """Run a field validator; on failure record the problem and return None."""
        try:
            return validator(obj[key])
        except FieldError as exc:
            self.error(str(exc), _line(obj, key), service, field or key)
            return None

    def str_list(self, obj: dict[Any, Any], key: str, service: str | None) -> tuple[str, ...]:
        value = obj.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error("verwacht een lijst, bv. [a, b]", _line(obj, key), service, key)
            return ()
        out = []
        for index, item in enumerate(value):
            if isinstance(item, (dict, list)) or item is None or str(item).strip() == "":
                self.error("lijst bevat een leeg of samengesteld element", _item_line(value, index, _line(obj, key)),
                           service, key)
                continue
            if isinstance(item, bool):
                # YAML 1.1 reads yes/no/on/off/true/false as a truth value: "languages: [nl, no]".
                self.error("een element werd als ja/nee gelezen (yes, no, on, off, true of false zonder "
                           "aanhalingstekens); zet het tussen aanhalingstekens, bv. [nl, \"no\"]",
                           _item_line(value, index, _line(obj, key)), service, key)
                continue
            if not isinstance(item, str):   # a number in a list ("1712") is its text
                out.append(str(item).strip())
                continue
            try:
                out.append(fields.bounded(key)(item) if key in fields.MAXIMA else fields.text(item, what=key))
            except FieldError as exc:
                self.error(str(exc), _item_line(value, index, _line(obj, key)), service, key)
        return tuple(out)

    def check_region(self, doc: Any, expected_id: str) -> Region | None:
        if not isinstance(doc, dict):
            self.error("het bestand moet beginnen met 'schema', 'region' en 'services'", 1)
            return None
        self.unknown_keys(doc, TOP_KEYS, None)
        if doc.get("schema") != SCHEMA_VERSION:
            self.error(f"verwacht 'schema: {SCHEMA_VERSION}'", _line(doc, "schema"), None, "schema")
        region = doc.get("region")
        if not isinstance(region, dict):
            self.error("het blok 'region' ontbreekt of is geen blok met velden (id, name, municipalities)",
                       _line(doc, "region"), None, "region")
            return None
        self.unknown_keys(region, REGION_KEYS, None, "region.")
        rid = None
        if "id" not in region:
            self.error("verplicht veld ontbreekt", _line(region), None, "region.id")
        else:
            rid = self.value(fields.slug, region, "id", None, "region.id")
            if rid and rid != expected_id:
                self.error(f"region.id '{rid}' moet gelijk zijn aan de bestandsnaam '{fields.shown(expected_id)}'"
                           + (f"; hernoem het bestand naar '{rid}.yaml'" if rid == expected_id.lower().replace(" ", "-")
                              else ""),
                           _line(region, "id"), None, "region.id")
        name = self.value(fields.bounded("region.name", "naam"), region, "name", None, "region.name") \
            if "name" in region else None
        if "name" not in region:
            self.error("verplicht veld ontbreekt", _line(region), None, "region.name")
        example = region.get("example", False)
        if not isinstance(example, bool):
            self.error("verwacht true of false", _line(region, "example"), None, "region.example")
            example = False
        municipalities: list[Municipality] = []
        raw_munis = region.get("municipalities", [])
        # No municipalities means "all of Flanders": only the Flemish layer may say so, and explicitly.
        if "municipalities" not in region:
            self.error("verplicht veld ontbreekt: de lijst van gemeenten met hun postcodes",
                       _line(region), None, "region.municipalities")
        elif raw_munis == [] and rid is not None and rid != FLEMISH_LAYER_ID:
            # A warning, not an error: an import may build a region before its postcodes are known.
            self.warn(f"een regio zonder gemeenten geldt voor heel Vlaanderen; is dat de bedoeling? "
                      f"Normaal is enkel {FLEMISH_LAYER_ID}.yaml zo", _line(region, "municipalities"), None,
                      "region.municipalities")
        if not isinstance(raw_munis, list):
            self.error("verwacht een lijst van gemeenten", _line(region, "municipalities"), None,
                       "region.municipalities")
            raw_munis = []
        for m in raw_munis:
            if not isinstance(m, dict):
                self.error("verwacht {name: ..., postcodes: [...]}", _line(region, "municipalities"),
                           None, "region.municipalities")
                continue
            self.unknown_keys(m, MUNICIPALITY_KEYS, None, "region.municipalities.")
            mname = str(m.get("name", "") or "").strip()
            if mname:
                mname = self.value(fields.bounded("region.municipalities.name", "gemeente"), m, "name", None,
                                   "region.municipalities.name") or ""
            if not mname:
                self.error("gemeente zonder naam", _line(m), None, "region.municipalities.name")
            codes = m.get("postcodes")
            pcs: list[int] = []
            if not isinstance(codes, list) or not codes:
                self.error(f"gemeente '{mname}' heeft geen lijst met postcodes", _line(m), None,
                           "region.municipalities.postcodes")
            else:
                for c in codes:
                    try:
                        pcs.append(fields.postcode(c))
                    except FieldError as exc:
                        self.error(str(exc), _line(m, "postcodes"), None, "region.municipalities.postcodes")
            if mname and any(identity(other.name) == identity(mname) for other in municipalities):
                self.error(f"gemeente '{fields.shown(mname)}' staat twee keer in de lijst", _line(m, "name"), None,
                           "region.municipalities.name")
            seen = {pc: other.name for other in municipalities for pc in other.postcodes}
            for pc in pcs:
                if pc in seen:
                    self.error(f"postcode {pc} staat ook bij gemeente '{seen[pc]}'", _line(m, "postcodes"), None,
                               "region.municipalities.postcodes")
            if mname:
                municipalities.append(Municipality(mname, tuple(pcs)))
        if rid is None or name is None:
            return None
        return Region(rid, name, example, tuple(municipalities), self.file)

    def check_service(self, raw: Any, region: Region, line: int | None = None) -> Service | None:
        if not isinstance(raw, dict):
            self.error(f"een dienst moet een blok met velden zijn (id: ..., name: ...), niet "
                       f"'{fields.shown(raw)}'", line, None, "services")
            return None
        sid = str(raw.get("id", "")).strip() or None
        self.unknown_keys(raw, SERVICE_KEYS, sid)
        for key in SERVICE_REQUIRED:
            if key not in raw or raw[key] in (None, "", []):
                self.error("verplicht veld ontbreekt of is leeg", _line(raw), sid, key)
        if sid is not None:
            sid = self.value(fields.slug, raw, "id", sid)
        v: dict[str, Any] = {}
        for key in ("organisation", "name", "description", "how"):
            if raw.get(key) not in (None, ""):
                v[key] = self.value(fields.bounded(key), raw, key, sid)
        if raw.get("organisation_id") not in (None, ""):
            v["organisation_id"] = self.value(fields.slug, raw, "organisation_id", sid)
        if raw.get("summary") not in (None, ""):
            v["summary"] = self.value(fields.bounded("summary"), raw, "summary", sid)
        themes = self.str_list(raw, "themes", sid)
        for t in themes:
            if t not in THEME_IDS:
                close = nearest_theme(t)
                hint = f"bedoel je '{close}'?" if close else "zie de 24 thema's in docs/kennisbank-format.md"
                self.error(f"onbekend thema '{fields.shown(t)}' ({hint})",
                           _entry_line(raw, "themes", t), sid, "themes")
        audience = self.str_list(raw, "audience", sid)
        for a in audience:
            if a not in AUDIENCES:
                self.error(f"onbekende doelgroep '{a}' (toegelaten: {', '.join(AUDIENCES)})",
                           _entry_line(raw, "audience", a), sid, "audience")
        languages = []
        for lang in self.str_list(raw, "languages", sid):
            try:
                languages.append(fields.language(lang))
            except FieldError as exc:
                self.error(str(exc), _entry_line(raw, "languages", lang), sid, "languages")
        postcodes, area = self._area(raw, region, sid)
        contact = self._contact(raw, sid)
        location = self._location(raw, sid)
        for key, validator in (("phone", fields.phone), ("email", fields.email), ("url", fields.url)):
            if raw.get(key) not in (None, ""):
                v[key] = self.value(validator, raw, key, sid)
        reachable = any((contact.phone, contact.email, v.get("phone"), v.get("email"), v.get("url")))
        raw_reach = any(raw.get(k) for k in ("phone", "email", "url")) or (
            isinstance(raw.get("contact"), dict) and any(raw["contact"].get(k) for k in ("phone", "email")))
        if not reachable and not raw_reach:
            self.error("geen manier om de dienst te bereiken: geef contact.phone, contact.email, "
                       "phone, email of url", _line(raw), sid, "contact")
        status = str(raw.get("status") or "active").strip()
        if status not in STATUSES:
            self.error(f"onbekende status '{status}' (toegelaten: {', '.join(STATUSES)})",
                       _line(raw, "status"), sid, "status")
            status = "active"
        last_verified = None
        if raw.get("last_verified") not in (None, ""):
            last_verified = self.value(fields.iso_date, raw, "last_verified", sid)
            if last_verified and too_long_ago(last_verified, self.today):
                self.warn(stale_message(last_verified), _line(raw, "last_verified"), sid, "last_verified")
            if last_verified and last_verified > self.today:
                self.error(f"last_verified {last_verified.isoformat()} ligt in de toekomst",
                           _line(raw, "last_verified"), sid, "last_verified")
        urgent = raw.get("urgent", False)
        if not isinstance(urgent, bool):
            self.error("verwacht true of false", _line(raw, "urgent"), sid, "urgent")
            urgent = False
        i18n = self._i18n(raw, sid)
        schedule = self._hours(raw, sid)
        price = self._cost(raw, sid)
        access = self._access(raw, sid)
        self._fiction_rule(raw, region, sid, (contact.phone, v.get("phone")),
                           (contact.email, v.get("email"), v.get("url")))
        if sid is None or any(v.get(k) is None for k in ("organisation", "name", "summary")) or not themes:
            return None
        return Service(
            id=sid, organisation=v["organisation"], name=v["name"], summary=v["summary"],
            themes=themes, region_id=region.id, postcodes=postcodes, area=area,
            description=v.get("description"), keywords=self.str_list(raw, "keywords", sid),
            audience=audience, contact=contact, phone=v.get("phone"), email=v.get("email"),
            url=v.get("url"), location=location, languages=tuple(languages),
            hours=practical.dutch_hours(schedule) if schedule else None,
            cost=practical.dutch_cost(price) if price else None, schedule=schedule, price=price, access=access,
            bring=self.str_list(raw, "bring", sid), how=v.get("how"), i18n=i18n,
            status=status, last_verified=last_verified, urgent=urgent, example=region.example, file=self.file,
            line=_line(raw), organisation_id=v.get("organisation_id"),
        )

    # ── the actionable fields: hours, cost, access (kennisbank/practical.py) ──

    def _text_or_block(self, raw: dict[Any, Any], key: str,
                       sid: str | None) -> tuple[dict[Any, Any] | None, str | None]:
        """A field written as free text or as a block: (block, None), (None, validated text), or (None, None)."""
        value = raw.get(key)
        if value in (None, ""):
            return None, None
        if isinstance(value, dict):
            return value, None
        return None, self.value(fields.bounded(key), raw, key, sid)

    def _hours(self, raw: dict[Any, Any], sid: str | None) -> practical.Schedule | None:
        """`hours` as free text (read where possible, the rest kept as a note and warned about) or as a block."""
        value, text = self._text_or_block(raw, "hours", sid)
        if value is None:
            if text is None:
                return None
            schedule, unread = practical.parse_hours(text)
            if unread:
                self.warn(f"openingsuren niet (helemaal) gelezen: '{fields.shown(schedule.note or '')}'; een ouder "
                          "ziet dat deel in het Nederlands. Schrijf bv. 'ma-vr 9u-12u, wo 13u-16u' of 'op afspraak', "
                          "of gebruik het blok met open/closed/note (docs/kennisbank-format.md)",
                          _line(raw, "hours"), sid, "hours")
            return schedule
        problems_before = len(self.problems)
        self.unknown_keys(value, HOURS_KEYS, sid, "hours.")
        openings: list[practical.Opening] = []
        rows = value.get("open") or []
        if not isinstance(rows, list):
            self.error("verwacht een lijst, bv. - {days: ma-vr, opens: 9u, closes: 12u}", _line(value, "open"),
                       sid, "hours.open")
            rows = []
        for index, row in enumerate(rows):
            row_line = _item_line(rows, index, _line(value, "open"))
            if not isinstance(row, dict):
                self.error("verwacht een blok, bv. {days: ma-vr, opens: 9u, closes: 12u}", row_line, sid,
                           "hours.open")
                continue
            opening = self._opening(row, sid)
            if opening is not None:
                openings.append(opening)
        flags = {}
        for key in ("by_appointment", "always"):
            flag = value.get(key, False)
            if not isinstance(flag, bool):
                self.error("verwacht true of false", _line(value, key), sid, f"hours.{key}")
                flag = False
            flags[key] = flag
        season = value.get("season")
        if season is not None and season not in practical.SEASONS:
            self.error(f"onbekende periode '{fields.shown(season)}' (toegelaten: {', '.join(practical.SEASONS)})",
                       _line(value, "season"), sid, "hours.season")
            season = None
        closed: list[practical.ClosedPeriod] = []
        periods = value.get("closed") or []
        if not isinstance(periods, list):
            self.error("verwacht een lijst, bv. - {from: 07-15, to: 08-15}", _line(value, "closed"), sid,
                       "hours.closed")
            periods = []
        for index, period in enumerate(periods):
            if not isinstance(period, dict) or "from" not in period or "to" not in period:
                self.error("verwacht {from: MM-DD, to: MM-DD} (elk jaar) of met jaartal JJJJ-MM-DD (één keer)",
                           _item_line(periods, index, _line(value, "closed")), sid, "hours.closed")
                continue
            self.unknown_keys(period, CLOSED_KEYS, sid, "hours.closed.")
            start = self.value(practical.month_day, period, "from", sid, "hours.closed.from")
            end = self.value(practical.month_day, period, "to", sid, "hours.closed.to")
            if start is not None and end is not None:
                if start[2] != end[2]:
                    self.error("geef beide datums met jaartal of beide zonder", _line(period), sid, "hours.closed")
                    continue
                closed.append(practical.ClosedPeriod(start[:2], end[:2], start[2]))
        note = self.value(fields.bounded("hours.note", "note"), value, "note", sid, "hours.note") \
            if value.get("note") not in (None, "") else None
        schedule = practical.Schedule(tuple(openings), flags["by_appointment"], flags["always"], season,
                                      tuple(closed), note)
        if schedule.is_empty and len(self.problems) == problems_before:
            self.error("het blok hours zegt niets: geef open, by_appointment, always of note", _line(raw, "hours"),
                       sid, "hours")
            return None
        return schedule

    def _opening(self, row: dict[Any, Any], sid: str | None) -> practical.Opening | None:
        self.unknown_keys(row, OPENING_KEYS, sid, "hours.open.")
        days: tuple[int, ...] = ()
        if row.get("days") not in (None, "", []):
            days = self.value(practical.days, row, "days", sid, "hours.open.days") or ()
        times = {}
        for key in ("opens", "closes"):
            if row.get(key) not in (None, ""):
                times[key] = self.value(practical.clock, row, key, sid, f"hours.open.{key}")
        kind = row.get("kind")
        if kind is not None and kind not in practical.OPENING_KINDS:
            self.error(f"onbekende soort '{fields.shown(kind)}' (toegelaten: {', '.join(practical.OPENING_KINDS)})",
                       _line(row, "kind"), sid, "hours.open.kind")
            kind = None
        part = row.get("part")
        if part is not None and part not in practical.DAY_PARTS:
            self.error(f"onbekend dagdeel '{fields.shown(part)}' (toegelaten: {', '.join(practical.DAY_PARTS)})",
                       _line(row, "part"), sid, "hours.open.part")
            part = None
        every = row.get("every", 1)
        if isinstance(every, bool) or not isinstance(every, int) or not 1 <= every <= 4:
            self.error("verwacht het aantal weken tussen twee keren: 1 (elke week) tot 4", _line(row, "every"), sid,
                       "hours.open.every")
            every = 1
        if not days and not times and part is None:
            self.error("geef minstens days, opens/closes of part", _line(row), sid, "hours.open")
            return None
        return practical.Opening(days, times.get("opens"), times.get("closes"), kind, part, every)

    def _cost(self, raw: dict[Any, Any], sid: str | None) -> practical.Cost | None:
        value, text = self._text_or_block(raw, "cost", sid)
        if value is None:
            return practical.parse_cost(text) if text is not None else None
        self.unknown_keys(value, COST_KEYS, sid, "cost.")
        kind = value.get("kind")
        if kind not in practical.COST_KINDS:
            self.error(f"verwacht kind: {', '.join(practical.COST_KINDS)}" +
                       (f", niet '{fields.shown(kind)}'" if kind is not None else ""), _line(value, "kind"), sid,
                       "cost.kind")
            return None
        amount = None
        if value.get("amount") is not None:
            amount = self.value(practical.euro, value, "amount", sid, "cost.amount")
        if kind == "vast-bedrag" and amount is None and "amount" not in value:
            self.error("een vast bedrag heeft een amount (in euro), bv. amount: 5", _line(value), sid, "cost.amount")
        per = value.get("per")
        if per is not None and per not in practical.COST_UNITS:
            self.error(f"onbekende eenheid '{fields.shown(per)}' (toegelaten: {', '.join(practical.COST_UNITS)})",
                       _line(value, "per"), sid, "cost.per")
            per = None
        note = self.value(fields.bounded("cost.note", "note"), value, "note", sid, "cost.note") \
            if value.get("note") not in (None, "") else None
        return practical.Cost(kind, amount, per, note)

    def _access(self, raw: dict[Any, Any], sid: str | None) -> tuple[str, ...]:
        kinds = self.str_list(raw, "access", sid)
        for kind in kinds:
            if kind not in practical.ACCESS_KINDS:
                close = difflib.get_close_matches(kind, list(practical.ACCESS_KINDS), n=1, cutoff=0.6)
                hint = f"bedoel je '{close[0]}'?" if close else "toegelaten: " + ", ".join(practical.ACCESS_KINDS)
                self.error(f"onbekende toegang '{fields.shown(kind)}' ({hint}); een eigen uitleg gaat in 'how'",
                           _entry_line(raw, "access", kind), sid, "access")
        if "vrije-inloop" in kinds and "op-afspraak" in kinds:
            # A parent reads "Kom gewoon langs, zonder afspraak. Maak eerst een afspraak." and does neither.
            self.warn("'vrije-inloop' en 'op-afspraak' spreken elkaar tegen op de ouderkaart; kies er één "
                      "(kan een afspraak ook, zet dan 'ook op afspraak' bij de openingsuren)",
                      _line(raw, "access"), sid, "access")
        return tuple(k for k in kinds if k in practical.ACCESS_KINDS)

    def _fiction_rule(self, raw: dict[Any, Any], region: Region, sid: str | None,
                      phones: tuple[str | None, ...], addresses: tuple[str | None, ...]) -> None:
        """Example data must not look real, and real data must not look like an example."""
        fictional_phone = [p for p in phones if p and p.startswith(FICTIONAL_PHONE_PREFIX)]
        example_host = [a for a in addresses if a and _host(a).endswith(".example")]
        if region.example:
            real = [p for p in phones if p and p not in fictional_phone] + \
                   [a for a in addresses if a and a not in example_host]
            if real:
                self.warn(f"voorbeelddata (example: true) met echt ogende gegevens: {fields.shown(', '.join(real))}; "
                          "gebruik +32 9 999 NN NN en adressen op .example", _line(raw), sid, "contact")
        elif region.id and (fictional_phone or example_host):
            self.warn("ziet eruit als voorbeelddata (+32 9 999 … of .example) in een echte regio; vervang het door "
                      "de gegevens die de organisatie bevestigde", _line(raw), sid, "contact")

    def _area(self, raw: dict[Any, Any], region: Region,
              sid: str | None) -> tuple[frozenset[int] | None, str | tuple[str, ...]]:
        area = raw.get("area")
        if area is None or not region.id:  # no region to check against: its own error is reported
            return frozenset(), ()
        if area == "all":
            return (None if region.is_flemish_layer else region.postcodes), "all"
        if not isinstance(area, list) or not area:
            self.error("verwacht 'all' of een lijst van gemeenten of postcodes", _line(raw, "area"), sid, "area")
            return frozenset(), ()
        by_name = {identity(m.name): m for m in region.municipalities}
        codes: set[int] = set()
        for index, entry in enumerate(area):
            text = fields.shown(clean(entry) if isinstance(entry, str) else entry)
            if text.isascii() and text.isdigit() and int(text) in region.postcodes:
                codes.add(int(text))
            elif identity(text) in by_name:
                codes.update(by_name[identity(text)].postcodes)
            else:
                if text.lower() == "all":
                    self.error("schrijf 'area: all' zonder haakjes, niet als lijstelement",
                               _item_line(area, index, _line(raw, "area")), sid, "area")
                    continue
                known = ", ".join(m.name for m in region.municipalities) or "geen (Vlaamse laag: gebruik 'all')"
                self.error(f"'{text}' is geen gemeente of postcode van regio {region.id} (gemeenten: {known})",
                           _item_line(area, index, _line(raw, "area")), sid, "area")
        return frozenset(codes), tuple(str(a) for a in area)

    def _contact(self, raw: dict[Any, Any], sid: str | None) -> Contact:
        c = raw.get("contact")
        if c is None:
            return Contact()
        if not isinstance(c, dict):
            self.error("verwacht een blok met name, role, phone, email", _line(raw, "contact"), sid, "contact")
            return Contact()
        self.unknown_keys(c, CONTACT_KEYS, sid, "contact.")
        out: dict[str, Any] = {}
        for key in ("name", "role"):
            if c.get(key) not in (None, ""):
                out[key] = self.value(fields.bounded(f"contact.{key}", key), c, key, sid, f"contact.{key}")
        if c.get("phone") not in (None, ""):
            out["phone"] = self.value(fields.phone, c, "phone", sid, "contact.phone")
        if c.get("email") not in (None, ""):
            out["email"] = self.value(fields.email, c, "email", sid, "contact.email")
        return Contact(**out)

    def _location(self, raw: dict[Any, Any], sid: str | None) -> Location | None:
        loc = raw.get("location")
        if loc is None:
            return None
        if not isinstance(loc, dict):
            self.error("verwacht een blok met address, lat, lon", _line(raw, "location"), sid, "location")
            return None
        self.unknown_keys(loc, LOCATION_KEYS, sid, "location.")
        coords = {}
        for key, low, high in (("lat", -90, 90), ("lon", -180, 180)):
            if loc.get(key) is None:
                continue
            value = loc[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                self.error(f"verwacht een getal tussen {low} en {high}", _line(loc, key), sid, f"location.{key}")
            else:
                coords[key] = float(value)
        if ("lat" in coords) != ("lon" in coords):
            self.error("geef lat en lon samen", _line(loc), sid, "location")
            coords = {}
        address = self.value(fields.bounded("location.address", "adres"), loc, "address", sid, "location.address") \
            if loc.get("address") else None
        return Location(address, coords.get("lat"), coords.get("lon"))

    def _i18n(self, raw: dict[Any, Any], sid: str | None) -> dict[str, dict[str, str]]:
        block = raw.get("i18n")
        if block is None:
            return {}
        if not isinstance(block, dict):
            self.error("verwacht per taal een blok, bv. fr: {summary: ...}", _line(raw, "i18n"), sid, "i18n")
            return {}
        out: dict[str, dict[str, str]] = {}
        for lang, texts in block.items():
            if isinstance(lang, bool):   # "no:" (Norwegian) read by YAML 1.1 as false
                self.error("een taalcode werd als ja/nee gelezen (no, yes, on of off zonder aanhalingstekens); "
                           "zet ze tussen aanhalingstekens, bv. \"no\":", _line(block, lang), sid, "i18n")
                continue
            try:
                code = fields.language(lang)
            except FieldError as exc:
                self.error(str(exc), _line(block, lang), sid, "i18n")
                continue
            if not isinstance(texts, dict):
                self.error("verwacht een blok, bv. {summary: ...}", _line(block, lang), sid, f"i18n.{code}")
                continue
            self.unknown_keys(texts, I18N_KEYS, sid, f"i18n.{code}.")
            out[code] = {}
            for key in I18N_KEYS & texts.keys():
                value = self.value(fields.bounded(f"i18n.{code}.{key}", key), texts, key, sid,
                                   f"i18n.{code}.{key}")
                if value is not None:
                    out[code][key] = value
        return out


_LABEL_FILLER = frozenset({"voor", "zelf", "meteen", "hulp", "sociale", "vrije", "tijd", "digitale", "school"})


def nearest_theme(written: str) -> str | None:
    """The theme id a coordinator probably meant: by id, by Dutch label, or by an everyday word.

    'schuld' -> schulden, 'Wonen en huisvesting' -> huisvesting, 'honger' -> voeding (one of that
    theme's phrases); None when nothing is close, rather than a wild guess.
    """
    from .themes import load_themes

    wanted = identity(written)
    names: dict[str, str] = {}
    for theme in load_themes().values():
        names.setdefault(identity(theme.id), theme.id)
        names.setdefault(identity(theme.label), theme.id)
        for word in re.split(r"[\s,()]+", theme.label):
            if len(word) > 3 and identity(word) not in _LABEL_FILLER:
                names.setdefault(identity(word), theme.id)
    if wanted in names:
        return names[wanted]
    for theme in load_themes().values():   # an everyday phrase of exactly one theme
        if wanted in (identity(p) for p in theme.phrases):
            return theme.id
    close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None


def _yaml_files(directory: Path) -> list[Path]:
    if directory.is_file():
        return [directory]
    # Hidden names are editor lock and swap files (.#beekland.yaml), never region files.
    return sorted(p for p in list(directory.glob("*.yaml")) + list(directory.glob("*.yml"))
                  if not p.name.startswith("."))


@dataclass
class _FileResult:
    """What one file yields on its own; checks across files happen when results are merged."""
    name: str
    region: Region | None = None
    region_line: int | None = None
    municipalities_line: int | None = None
    # (id as written, line of the id, validated service or None) in file order
    services: list[tuple[Any, int | None, Service | None]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _check_file(path: Path, today: date) -> _FileResult:
    name = str(path)
    result = _FileResult(name)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        if exc.object[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Notepad's and Excel's "Unicode"
            result.problems.append(Problem(name, "opgeslagen als UTF-16 ('Unicode'); sla het op als UTF-8", 1))
            return result
        line = exc.object.count(b"\n", 0, exc.start) + 1
        result.problems.append(Problem(name, f"geen UTF-8-tekst (byte 0x{exc.object[exc.start]:02x}); is het wel "
                                             "een YAML-bestand? Sla het op als UTF-8", line))
        return result
    except OSError as exc:
        result.problems.append(Problem(name, f"kan het bestand niet lezen: {exc.strerror or exc}"))
        return result
    doc, yaml_problems = parse_yaml(text, name, recover=True)
    result.problems.extend(yaml_problems)
    if doc is None and yaml_problems:
        return result
    result.problems.extend(comment_warnings(text, name))
    checker = _FileChecker(name, today)
    region = checker.check_region(doc, path.stem)
    result.region = region
    if region is not None:
        result.region_line = _line(doc, "region")
        result.municipalities_line = _line(doc["region"], "municipalities")
    raw_services = doc.get("services") if isinstance(doc, dict) else None
    if raw_services is None:
        raw_services = []
    if not isinstance(raw_services, list):
        checker.error("'services' moet een lijst zijn", _line(doc, "services"), None, "services")
        raw_services = []
    # A broken region block still gets its services checked, so one run lists everything.
    service_region = region or Region("", "", False, (), name)
    for index, raw in enumerate(raw_services):
        service = checker.check_service(raw, service_region, _item_line(raw_services, index))
        sid = raw.get("id") if isinstance(raw, dict) else None
        result.services.append((sid, _line(raw, "id") if isinstance(raw, dict) else None, service))
    result.problems.extend(checker.problems)
    return result


def _check_files(files: list[Path], today: date) -> list[_FileResult]:
    """Files are independent until merged: parse them on every core when there are many."""
    workers = min(os.cpu_count() or 1, 8)
    if len(files) < _PARALLEL_FROM or workers < 2:
        return [_check_file(path, today) for path in files]
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            return list(pool.map(_check_file, files, [today] * len(files), chunksize=8))
    except (OSError, BrokenProcessPool):  # no processes allowed here: the slow path still works
        return [_check_file(path, today) for path in files]


def check_directory(directory: Path | str | None = None, today: date | None = None
                    ) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Validate every file; return the knowledge base (None when there are errors) and all problems."""
    directory = Path(directory) if directory is not None else DEFAULT_KB
    today = today or date.today()
    if not directory.exists():
        return None, [Problem(str(directory), "map of bestand bestaat niet")]
    files = _yaml_files(directory)
    if not files:
        return None, [Problem(str(directory), "geen *.yaml-bestanden gevonden")]
    gc_was_enabled = gc.isenabled()
    gc.disable()  # building ~10^6 small objects: the cycle collector only slows it down (~30%)
    try:
        return _merge(_check_files(files, today))
    finally:
        if gc_was_enabled:
            gc.enable()


def _merge(results: list[_FileResult]) -> tuple[KnowledgeBase | None, list[Problem]]:
    problems: list[Problem] = []
    regions: dict[str, Region] = {}
    services: dict[str, Service] = {}
    service_origin: dict[str, str] = {}
    postcode_owner: dict[int, str] = {}
    for result in results:
        name, region = result.name, result.region
        cross: list[Problem] = []
        if region is not None:
            if region.id in regions:
                cross.append(Problem(name, f"regio '{region.id}' staat ook in {regions[region.id].file}",
                                     result.region_line, None, "region.id"))
            regions[region.id] = region
            for m in region.municipalities:
                for pc in m.postcodes:
                    owner = postcode_owner.get(pc)
                    if owner and owner != region.id:
                        cross.append(Problem(name, f"postcode {pc} hoort al bij regio '{owner}'",
                                             result.municipalities_line, None, "region.municipalities.postcodes"))
                    postcode_owner.setdefault(pc, region.id)
        for sid, id_line, service in result.services:
            if sid is not None and str(sid) in service_origin:
                cross.append(Problem(name, f"id '{fields.shown(sid)}' bestaat al in {service_origin[str(sid)]}; "
                                           "een id is uniek over alle bestanden", id_line, str(sid), "id"))
                continue
            if sid is not None:
                service_origin[str(sid)] = f"{name}:{id_line}"
            if service is not None:
                services[service.id] = service
        problems.extend(result.problems + cross)
    problems.extend(_organisation_ids(services.values()))
    if any(not p.warning for p in problems):
        return None, problems
    return KnowledgeBase(regions, services, [p for p in problems if p.warning]), problems


def _organisation_ids(services: Iterable[Service]) -> list[Problem]:
    """The rules of `organisation_id` (docs/kennisbank-format.md), across all files.

    One id is one organisation: every service that carries it has the same organisation name
    (the same organisation in several regions may share it, and then shares its editors). And in
    one region one organisation name is one organisation: all its services carry the same
    organisation_id, or none does (else its editors and reports would split without a word).
    """
    problems: list[Problem] = []
    names: dict[str, tuple[str, Service]] = {}                       # id -> (name identity, first service)
    ids: dict[tuple[str, str], tuple[str | None, Service]] = {}      # (region, name) -> (id, first service)
    for s in services:
        name = identity(s.organisation)
        if s.organisation_id is not None:
            first = names.setdefault(s.organisation_id, (name, s))
            if first[0] != name:
                problems.append(Problem(
                    s.file, f"organisation_id '{s.organisation_id}' hoort al bij organisatie "
                            f"'{first[1].organisation}' ({first[1].file}:{first[1].line}, dienst {first[1].id}), "
                            f"niet bij '{s.organisation}'; één id is één organisatie (met dezelfde redacteurs). "
                            "Hernoem je de organisatie, wijzig dan de naam overal waar dit id staat",
                    s.line, s.id, "organisation_id"))
        seen = ids.setdefault((s.region_id, name), (s.organisation_id, s))
        if seen[0] != s.organisation_id:
            theirs = f"organisation_id '{seen[0]}'" if seen[0] else "geen organisation_id"
            mine = f"organisation_id '{s.organisation_id}'" if s.organisation_id else "geen organisation_id"
            problems.append(Problem(
                s.file, f"organisatie '{s.organisation}' heeft hier {mine}, maar dienst {seen[1].id} "
                        f"({seen[1].file}:{seen[1].line}) van dezelfde organisatie in regio '{s.region_id}' heeft "
                        f"{theirs}; geef alle diensten van een organisatie in een regio hetzelfde organisation_id",
                s.line, s.id, "organisation_id"))
    return problems


def load_knowledge_base(directory: Path | str | None = None, today: date | None = None) -> KnowledgeBase:
    """The validated knowledge base, or KnowledgeBaseError listing every error."""
    kb, problems = check_directory(directory, today)
    if kb is None:
        raise KnowledgeBaseError(problems)
    return kb


def load_knowledge_base_cached(directory: Path | str | None = None) -> KnowledgeBase:
    """Like load_knowledge_base, but reuses what each unchanged region file yielded before.

    For start-up paths (bot, zoek); `welzijnsbot check` always reads the files afresh. The cache
    holds one entry per file (its validated region and services), so after a coordinator changed
    one file of 300 only that file is parsed and validated again; the checks across files
    (duplicate ids, postcodes claimed twice, organisation ids) run on every start, on the cached
    results. A file with errors is never cached: its problems are reported on every start.
    Raises KnowledgeBaseError like load_knowledge_base.
    """
    kb, problems = check_directory_cached(directory)
    if kb is None:
        raise KnowledgeBaseError(problems)
    return kb


def check_directory_cached(directory: Path | str | None = None, today: date | None = None
                           ) -> tuple[KnowledgeBase | None, list[Problem]]:
    """check_directory with the per-file cache of load_knowledge_base_cached (for /herlaad): every
    error and warning, but only changed files are parsed again. A service that became stale since
    its file was cached (last_verified more than STALE_AFTER before `today`) is warned about too."""
    from . import cache

    directory = Path(directory) if directory is not None else DEFAULT_KB
    today = today or date.today()
    files = _yaml_files(directory) if directory.exists() else []
    if not files:
        return check_directory(directory, today)
    code = cache.fingerprint([])
    keys = [(_file_kind(path), cache.content_key(path, code)) for path in files]
    gc_was_enabled = gc.isenabled()
    gc.disable()  # unpickling ~10^6 small objects: the cycle collector only slows it down
    try:
        results: list[_FileResult | None] = []
        for kind, key in keys:
            found = cache.load(kind, key)
            results.append(found if isinstance(found, _FileResult) else None)
        todo = [i for i, r in enumerate(results) if r is None]
        if todo:
            for i, result in zip(todo, _check_files([files[i] for i in todo], today), strict=True):
                results[i] = result
                if not any(not p.warning for p in result.problems):
                    cache.save(*keys[i], result)
        kb, problems = _merge([r for r in results if r is not None])
        if kb is not None:
            kb.sources = {str(path): key for path, (_, key) in zip(files, keys, strict=True)}
            stale = _newly_stale(kb, problems, today)
            kb.warnings.extend(stale)
            problems.extend(stale)
    finally:
        if gc_was_enabled:
            gc.enable()
    return kb, problems


def _newly_stale(kb: KnowledgeBase, problems: list[Problem], today: date) -> list[Problem]:
    """Stale-date warnings that a cached file's result, made on an earlier day, does not have yet."""
    warned = {p.service for p in problems if p.field == "last_verified" and p.warning}
    return [Problem(s.file, stale_message(s.last_verified), s.line, s.id, "last_verified", warning=True)
            for s in kb.services.values()
            if s.last_verified and too_long_ago(s.last_verified, today) and s.id not in warned]


def _file_kind(path: Path) -> str:
    """The cache kind of one region file: its own generations, apart from other files'."""
    return "region-" + hashlib.blake2b(str(path.resolve()).encode(), digest_size=8).hexdigest()


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if not p.warning]

