"""The validated model of the knowledge base (schema 1, see shared/kennisbank-format.md).

Everything downstream (search, rendering, export) reads these frozen objects, never raw YAML,
so a field is checked once, in the loader, and trusted everywhere after.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from . import fields
from .practical import Cost, Schedule
from .text import identity

SCHEMA_VERSION = 1

# The 24 theme ids are a fixed contract with the data files; labels and synonyms live in themes.yaml.
THEME_IDS: tuple[str, ...] = (
    "huisvesting", "schulden", "inkomen", "schoolkosten", "voeding", "basisbehoeften",
    "hygiene", "gezondheid", "psychisch-welzijn", "opvoeding", "geweld", "werk",
    "taal-inburgering", "verblijf", "administratie", "juridisch", "energie", "kinderopvang",
    "vrije-tijd", "huiswerk", "leerlingbegeleiding", "ouderbetrokkenheid", "netwerk-school",
    "crisis",
)
AUDIENCES: tuple[str, ...] = ("gezinnen", "kinderen", "jongeren", "scholen")
STATUSES: tuple[str, ...] = ("active", "temporarily-closed", "inactive")

# Keys allowed in each mapping; anything else is an error so that a typo never drops data.
REGION_KEYS = frozenset({"id", "name", "example", "municipalities"})
MUNICIPALITY_KEYS = frozenset({"name", "postcodes"})
SERVICE_KEYS = frozenset({
    "id", "organisation", "name", "summary", "description", "themes", "keywords", "audience",
    "area", "contact", "phone", "email", "url", "location", "hours", "languages", "cost",
    "bring", "how", "access", "i18n", "status", "last_verified", "urgent", "organisation_id",
})
SERVICE_REQUIRED = ("id", "organisation", "name", "summary", "themes", "area")
CONTACT_KEYS = frozenset({"name", "role", "phone", "email"})
LOCATION_KEYS = frozenset({"address", "lat", "lon"})
# Parent-facing free text in other languages; the *_note keys translate the free-text parts of the
# structured fields (hours.note, cost.note, the bring items that are not in the controlled list).
I18N_KEYS = frozenset({"summary", "name", "description", "how", "hours_note", "cost_note", "bring_note"})
HOURS_KEYS = frozenset({"open", "by_appointment", "always", "season", "closed", "note"})
OPENING_KEYS = frozenset({"days", "opens", "closes", "kind", "part", "every"})
CLOSED_KEYS = frozenset({"from", "to"})
COST_KEYS = frozenset({"kind", "amount", "per", "note"})
TOP_KEYS = frozenset({"schema", "region", "services"})
# Every field name the format knows, at any level: a key outside it is no field (yaml_syntax's hints).
FIELD_NAMES = frozenset().union(TOP_KEYS, REGION_KEYS, MUNICIPALITY_KEYS, SERVICE_KEYS, CONTACT_KEYS,
                                LOCATION_KEYS, I18N_KEYS, HOURS_KEYS, OPENING_KEYS, CLOSED_KEYS, COST_KEYS)
SUMMARY_MAX = fields.MAXIMA["summary"]  # the table of maxima is kennisbank/fields.py


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    line: int | None = None
    service: str | None = None
    field: str | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.service:
            parts.append(f"dienst {fields.shown(self.service)}")
        if self.field:
            parts.append(f"veld {self.field}")
        kind = "waarschuwing" if self.warning else "fout"
        return f"{' · '.join(parts)}: {kind}: {self.message}"


@dataclass(frozen=True)
class Contact:
    name: str | None = None
    role: str | None = None
    phone: str | None = None  # E.164, normalised by the loader
    email: str | None = None


@dataclass(frozen=True)
class Location:
    address: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Municipality:
    name: str
    postcodes: tuple[int, ...]


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    example: bool
    municipalities: tuple[Municipality, ...]
    file: str = ""

    @property
    def is_flemish_layer(self) -> bool:
        """A region without municipalities serves all of Flanders (vlaanderen.yaml)."""
        return not self.municipalities

    @cached_property   # asked for every region on every edit and start-up
    def postcodes(self) -> frozenset[int]:
        return frozenset(pc for m in self.municipalities for pc in m.postcodes)


def organisation_key(region_id: str, organisation: str, organisation_id: str | None = None) -> str:
    """The stable identity of an organisation: who its editors are, whom its reports reach.

    An explicit `organisation_id` (a slug) when the region file gives one: it survives a rename
    and may be shared by the same organisation in several regions. Otherwise region + name
    ("lindeland/huis van het kind", the name on kennisbank.text.identity): two organisations
    of the same name in different regions are two organisations. Slugs have no "/", so the two
    kinds never collide.
    """
    return organisation_id if organisation_id else f"{region_id}/{identity(organisation)}"


@dataclass(frozen=True)
class Service:
    id: str
    organisation: str
    name: str
    summary: str
    themes: tuple[str, ...]
    region_id: str
    # None means "the whole region" (area: all); otherwise the postcodes served.
    postcodes: frozenset[int] | None
    area: tuple[str, ...] | str = "all"  # as written in the file, kept for export
    description: str | None = None
    keywords: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    contact: Contact = field(default_factory=Contact)
    phone: str | None = None
    email: str | None = None
    url: str | None = None
    location: Location | None = None
    hours: str | None = None          # Dutch text: as written, or the short form of `schedule`
    languages: tuple[str, ...] = ()
    cost: str | None = None           # Dutch text: as written, or the short form of `price`
    bring: tuple[str, ...] = ()       # keys of practical.BRING_ITEMS or free text, as written
    how: str | None = None            # free-text note on access (how to get in)
    i18n: dict[str, dict[str, str]] = field(default_factory=dict, hash=False, compare=True)
    status: str = "active"
    last_verified: date | None = None
    # For acute situations: reachable at once (a 24/7 line, a crisis team, a report line). The
    # life-safety check leads with these; regions that do not mark them are still served.
    urgent: bool = False
    # The actionable fields as data (kennisbank/practical.py), so a card can say them in any language.
    schedule: Schedule | None = None  # `hours` as data (read from the free text where possible)
    price: Cost | None = None         # `cost` as data
    access: tuple[str, ...] = ()      # keys of practical.ACCESS_KINDS
    example: bool = False
    file: str = ""
    line: int | None = None
    organisation_id: str | None = None   # optional stable id of the organisation (see organisation_key)

    @property
    def org_key(self) -> str:
        return organisation_key(self.region_id, self.organisation, self.organisation_id)

    @property
    def is_active(self) -> bool:
        return self.status != "inactive"

    @property
    def is_closed(self) -> bool:
        return self.status == "temporarily-closed"

    def serves(self, postcode: int | None) -> bool:
        """Without a postcode every service is a candidate; with one, only those serving it."""
        return postcode is None or self.postcodes is None or postcode in self.postcodes


@dataclass
class KnowledgeBase:
    regions: dict[str, Region]
    services: dict[str, Service]
    warnings: list[Problem] = field(default_factory=list)
    # Region file -> a key of its content as read (name, size, mtime, reader code): what a search
    # index built earlier can reuse. Empty for a knowledge base made any other way (revisions
    # applied, imports, tests).
    sources: dict[str, str] = field(default_factory=dict)

    def region_of(self, service: Service) -> Region:
        return self.regions[service.region_id]

    def region_for_postcode(self, postcode: int) -> Region | None:
        for region in self.regions.values():
            if postcode in region.postcodes:
                return region
        return None

    def municipality_for_postcode(self, postcode: int) -> Municipality | None:
        for region in self.regions.values():
            for m in region.municipalities:
                if postcode in m.postcodes:
                    return m
        return None

    def municipalities(self) -> list[tuple[Region, Municipality]]:
        return [(r, m) for r in self.regions.values() for m in r.municipalities]

    def active_services(self) -> list[Service]:
        return [s for s in self.services.values() if s.is_active]

    def theme_counts(self, postcode: int | None) -> tuple[Counter[str], Counter[str]]:
        """(regional, Flemish layer): per theme id, how many active services serving `postcode` list
        it (all of Flanders when None)."""
        local: Counter[str] = Counter()
        flemish: Counter[str] = Counter()
        for service in self.active_services():
            if service.serves(postcode):
                (flemish if self.region_of(service).is_flemish_layer else local).update(set(service.themes))
        return local, flemish

    def unserved(self, themes: Iterable[str], postcode: int | None) -> tuple[str, ...]:
        """The theme ids of `themes` (in their order) that no active service serving `postcode` lists
        (its region and the Flemish layer; all of Flanders when None): a need this area has no door
        for, so "nothing fits" is not the question's wording."""
        local, flemish = self.theme_counts(postcode)
        return tuple(t for t in themes if not (local[t] or flemish[t]))
