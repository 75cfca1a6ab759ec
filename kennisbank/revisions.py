"""Changes made through the bot, as a revision log on top of the YAML baseline.

The region files stay the coordinator's baseline; every confirmed change by an organisation is
one row (who, when, service, field, old and new value as JSON). The knowledge base the bot
answers from is the baseline with the active revisions applied in order, so a change shows at
once, survives a new region file, can be audited, and can be reverted (a revert is a revision
too: it switches an earlier one off, so the value falls back to what lies beneath it).

A confirmation is one IMMEDIATE transaction on its own connection: it re-reads the service's
revisions, compares the value the editor saw in the preview with the current one (no lost
update when two editors change the same field) and inserts the row; with synchronous=FULL a
confirmed change is on disk before the editor sees "bewaard", and a crash leaves no half.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import aiosqlite

from . import fields, practical
from .fields import FieldError
from .schema import STATUSES, SUMMARY_MAX, THEME_IDS, KnowledgeBase, Location, Problem, Region, Service
from .store import Store, fetch_all, fetch_one
from .text import clean, identity

Json = Any  # str | list[str] | None: what a field holds in a revision

NEW_SERVICE = "+dienst"   # the field of a revision that creates a service
# The maxima of the free-text fields are those of the region files (kennisbank/fields.MAXIMA):
# one table, so that a value /beheer accepts is one `check` accepts, and the reverse.
TEXT_MAX = fields.MAXIMA["name"]
DESCRIPTION_MAX = fields.MAXIMA["description"]
STATUS_LABELS = {"active": "actief", "temporarily-closed": "tijdelijk gesloten",
                 "inactive": "niet actief (verborgen)"}
CLEAR = "-"               # typed instead of a value: empty an optional field


# ── the fields an organisation may change ─────────────────────────────────────────────────

@dataclass(frozen=True)
class EditableField:
    """One field of a service as the admin module sees it.

    `parse` turns what an editor typed into the stored JSON value; `check` re-validates a JSON
    value against the service's region (on every apply, so a value that no longer fits, such
    as a municipality that left the region, is reported instead of crashing); `get`/`put` read
    and write the field of a Service.
    """
    key: str
    label: str
    kind: str            # text | list | choices (several of `choices`) | choice (one) | area | date
    required: bool
    hint: str            # what is expected, in the editor's words
    get: Callable[[Service], Json]
    put: Callable[[Service, Json, Region], Service]
    normalise: Callable[[Json], Json]
    choices: tuple[str, ...] = ()

    def parse(self, typed: str, region: Region | None = None) -> Json:
        """Typed text → JSON value; FieldError says what is expected."""
        raw = (typed or "").strip()
        if raw == CLEAR:
            return self.check(None, region)
        if self.kind in ("list", "choices") or (self.kind == "area" and raw.lower() != "all"):
            value: Json = [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]
        else:
            value = raw
        return self.check(value, region)

    def check(self, value: Json, region: Region | None = None) -> Json:
        if value in (None, "", []):
            if self.required:
                raise FieldError(f"{self.label} mag niet leeg zijn; {self.hint}")
            return [] if self.kind in ("list", "choices") else None
        if self.kind in ("list", "choices"):
            if not isinstance(value, list):
                raise FieldError(f"{self.label}: verwacht een lijst; {self.hint}")
            out = []
            for item in value:
                item = self.normalise(item)
                if item not in out:
                    out.append(item)
            return out
        if self.kind == "area":
            return _check_area(value, region)
        return self.normalise(value)

    def show(self, value: Json) -> str:
        """A value as the editor reads it (phones nationally, themes and status by name)."""
        if value in (None, "", []):
            return "(leeg)"
        if self.key == "contact.phone":
            return fields.phone_national(value)
        if self.key == "themes":
            from .themes import theme_label
            return ", ".join(theme_label(t) for t in value)
        if self.key == "status":
            return STATUS_LABELS.get(value, str(value))
        if self.key == "area" and value == "all":
            return "heel de regio"
        if isinstance(value, list):
            return ", ".join(value)
        return str(value)


def _text(what: str, field: str) -> Callable[[Json], str]:
    """A free-text field with its maximum from the one table (fields.MAXIMA)."""
    return fields.bounded(field, what)


def _choice(allowed: Iterable[str], what: str) -> Callable[[Json], str]:
    allowed = tuple(allowed)

    def check(value: Json) -> str:
        text = clean(str(value)).strip()
        if text not in allowed:
            raise FieldError(f"'{fields.shown(value)}' is geen geldige {what}; kies uit: {', '.join(allowed)}")
        return text
    return check


def _date(value: Json) -> str:
    return fields.iso_date(value).isoformat()


def _contact(key: str) -> Callable[[Service, Json, Region], Service]:
    return lambda s, v, r: dataclasses.replace(s, contact=dataclasses.replace(s.contact, **{key: v}))


def _put(attr: str, as_tuple: bool = False) -> Callable[[Service, Json, Region], Service]:
    def put(service: Service, value: Json, region: Region) -> Service:
        new: Json = tuple(value) if as_tuple else value
        return dataclasses.replace(service, **{attr: new})
    return put


def _put_hours(service: Service, value: Json, region: Region) -> Service:
    """Edited hours are read like the file's free text, so the card keeps saying them in every language."""
    schedule = practical.parse_hours(value)[0] if isinstance(value, str) and value else None
    return dataclasses.replace(service, hours=value, schedule=schedule)


def _put_address(service: Service, value: Json, region: Region) -> Service:
    if value is None and (service.location is None or service.location.lat is None):
        return dataclasses.replace(service, location=None)
    location = service.location or Location()
    return dataclasses.replace(service, location=dataclasses.replace(location, address=value))


def _put_area(service: Service, value: Json, region: Region) -> Service:
    postcodes, area = area_postcodes(value, region)
    return dataclasses.replace(service, postcodes=postcodes, area=area)


def _put_date(service: Service, value: Json, region: Region) -> Service:
    return dataclasses.replace(service, last_verified=date.fromisoformat(value) if value else None)


def area_postcodes(value: Json, region: Region) -> tuple[frozenset[int] | None, tuple[str, ...] | str]:
    """The loader's reading of `area`: 'all' or municipality names / postcodes of the region."""
    if value == "all":
        return (None if region.is_flemish_layer else region.postcodes), "all"
    by_name = {identity(m.name): m for m in region.municipalities}
    codes: set[int] = set()
    for entry in value:
        text = clean(str(entry)).strip()
        if text.isascii() and text.isdigit() and int(text) in region.postcodes:
            codes.add(int(text))
        elif identity(text) in by_name:
            codes.update(by_name[identity(text)].postcodes)
        else:
            raise FieldError(f"'{fields.shown(text)}' is geen gemeente van {region.name}")
    return frozenset(codes), tuple(str(e) for e in value)


def _check_area(value: Json, region: Region | None) -> Json:
    if isinstance(value, str) and identity(value) == "all":
        return "all"
    if not isinstance(value, list):
        raise FieldError("Gebied: verwacht 'all' of een lijst van gemeenten")
    if region is not None:
        known = {identity(m.name): m.name for m in region.municipalities}
        out = []
        for entry in value:
            text = clean(str(entry)).strip()
            if not (text.isascii() and text.isdigit() and int(text) in region.postcodes) \
                    and identity(text) not in known:
                names = ", ".join(m.name for m in region.municipalities) or "geen (gebruik heel de regio)"
                raise FieldError(f"'{fields.shown(text)}' is geen gemeente van {region.name}; kies uit: {names}")
            out.append(known.get(identity(text), text))
        return out
    return [clean(str(e)).strip() for e in value]


def _list(service: Service, attr: str) -> list[str]:
    return list(getattr(service, attr))


FIELDS: dict[str, EditableField] = {f.key: f for f in (
    EditableField("contact.name", "Contactpersoon", "text", False,
                  "de naam van de persoon die scholen kunnen bellen, bv. Sara Voorbeeld",
                  lambda s: s.contact.name, _contact("name"), _text("naam contactpersoon", "contact.name")),
    EditableField("contact.phone", "Telefoon", "text", False,
                  "het telefoonnummer van de contactpersoon, bv. 09 999 10 10",
                  lambda s: s.contact.phone, _contact("phone"), fields.phone),
    EditableField("contact.email", "E-mail", "text", False,
                  "het e-mailadres van de contactpersoon, bv. onthaal@organisatie.be",
                  lambda s: s.contact.email, _contact("email"), fields.email),
    EditableField("hours", "Openingsuren", "text", False, "bv. ma-vr 9u-12u, wo 13u-16u",
                  lambda s: s.hours, _put_hours, _text("openingsuren", "hours")),
    EditableField("summary", "Samenvatting", "text", True,
                  f"één zin in klare taal, maximaal {SUMMARY_MAX} tekens",
                  lambda s: s.summary, _put("summary"), _text("samenvatting", "summary")),
    EditableField("description", "Omschrijving", "text", False,
                  f"een langere uitleg, maximaal {DESCRIPTION_MAX} tekens",
                  lambda s: s.description, _put("description"), _text("omschrijving", "description")),
    EditableField("keywords", "Trefwoorden", "list", False,
                  "woorden gescheiden door komma's, bv. huurachterstand, uithuiszetting",
                  lambda s: _list(s, "keywords"), _put("keywords", True), _text("trefwoord", "keywords")),
    EditableField("themes", "Thema's", "choices", True, "minstens één thema",
                  lambda s: _list(s, "themes"), _put("themes", True), _choice(THEME_IDS, "thema"),
                  THEME_IDS),
    EditableField("languages", "Talen", "choices", False,
                  "taalcodes van twee letters gescheiden door komma's, bv. nl, fr, ar",
                  lambda s: _list(s, "languages"), _put("languages", True), fields.language),
    EditableField("location.address", "Adres", "text", False,
                  "straat, nummer, postcode en gemeente, bv. Stationsstraat 12, 9801 Lindegem",
                  lambda s: s.location.address if s.location else None, _put_address,
                  _text("adres", "location.address")),
    EditableField("bring", "Meebrengen", "list", False,
                  "wat een gezin meebrengt, gescheiden door komma's, bv. identiteitskaart, huurcontract",
                  lambda s: _list(s, "bring"), _put("bring", True), _text("meebrengen", "bring")),
    EditableField("area", "Gebied", "area", True, "heel de regio of een of meer gemeenten",
                  lambda s: "all" if s.area == "all" else list(s.area), _put_area, str),
    EditableField("status", "Status", "choice", True, "actief, tijdelijk gesloten of niet actief",
                  lambda s: s.status, _put("status"), _choice(STATUSES, "status"), STATUSES),
    EditableField("last_verified", "Laatst bevestigd", "date", False, "een datum JJJJ-MM-DD",
                  lambda s: s.last_verified.isoformat() if s.last_verified else None, _put_date, _date),
)}
# What the editor's menu offers, in this order (last_verified has its own one-tap button).
MENU_FIELDS: tuple[str, ...] = tuple(k for k in FIELDS if k != "last_verified")

# A new service: these keys first (step by step in the bot), then any of FIELDS.
NEW_SERVICE_KEYS = ("region", "organisation", "organisation_id", "name")


def reachable(service: Service) -> bool:
    return any((service.contact.phone, service.contact.email, service.phone, service.email, service.url))


def change_service(service: Service, key: str, value: Json, region: Region) -> Service:
    """The service with one field set; FieldError if the value or the resulting service is not valid."""
    spec = FIELDS.get(key)
    if spec is None:
        raise FieldError(f"het veld '{fields.shown(key)}' kan je niet wijzigen")
    changed = spec.put(service, spec.check(value, region), region)
    if not reachable(changed):
        raise FieldError("zo is de dienst niet meer te bereiken: er moet een telefoon, e-mail of "
                         "webpagina overblijven")
    return changed


def build_service(service_id: str, value: Json, regions: dict[str, Region]) -> Service:
    """A service created through the bot, from its NEW_SERVICE revision value."""
    service_id = fields.slug(service_id)
    if not isinstance(value, dict):
        raise FieldError("een nieuwe dienst moet een blok met velden zijn")
    region = regions.get(str(value.get("region")))
    if region is None:
        raise FieldError(f"onbekende regio '{fields.shown(value.get('region'))}'")
    unknown = set(value) - set(NEW_SERVICE_KEYS) - set(FIELDS)
    if unknown:
        raise FieldError(f"onbekend veld '{sorted(unknown)[0]}'")
    for key in ("summary", "themes", "area"):
        if value.get(key) in (None, "", []):
            raise FieldError(f"{FIELDS[key].label} ontbreekt; {FIELDS[key].hint}")
    service = Service(
        id=service_id, organisation=fields.bounded("organisation", "organisatie")(value.get("organisation") or ""),
        name=fields.bounded("name", "naam van het aanbod")(value.get("name") or ""),
        summary="", themes=(), region_id=region.id, postcodes=frozenset(), example=region.example,
        file="(bot)", organisation_id=fields.slug(value["organisation_id"]) if value.get("organisation_id") else None,
    )
    for key, spec in FIELDS.items():
        if key in value:
            service = spec.put(service, spec.check(value[key], region), region)
    if not reachable(service):
        raise FieldError("geef minstens een telefoon of e-mail, zodat scholen de dienst kunnen bereiken")
    return service


def service_value(service: Service) -> dict[str, Json]:
    """The NEW_SERVICE value that rebuilds this service (for tests and exports of created services)."""
    value: dict[str, Json] = {"region": service.region_id, "organisation": service.organisation, "name": service.name}
    if service.organisation_id:
        value["organisation_id"] = service.organisation_id
    for key, spec in FIELDS.items():
        current = spec.get(service)
        if current not in (None, "", []):
            value[key] = current
    return value


# ── revisions and applying them ────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Revision:
    id: int
    at: str                 # ISO 8601, UTC
    user_id: int | None     # Telegram user id; None = the command line (a coordinator)
    service_id: str
    organisation: str
    region_id: str
    field: str
    old: Json
    new: Json
    reverts: int | None = None

    @property
    def day(self) -> str:
        return self.at[:10]


def switched_off(revisions: Iterable[Revision]) -> set[int]:
    """Ids of revisions undone by a revert that is itself still in force."""
    off: set[int] = set()
    # A revert always comes after its target, so going backwards decides each revert first.
    for rev in sorted(revisions, key=lambda r: r.id, reverse=True):
        if rev.reverts is not None and rev.id not in off:
            off.add(rev.reverts)
    return off


def active_revisions(revisions: Iterable[Revision]) -> list[Revision]:
    """Revisions that set a value, in order, without those switched off."""
    ordered = sorted(revisions, key=lambda r: r.id)
    off = switched_off(ordered)
    return [r for r in ordered if r.reverts is None and r.id not in off]


def _apply_one(services: dict[str, Service], regions: dict[str, Region], rev: Revision) -> str | None:
    """Apply in place; returns why it could not be applied (then nothing changed)."""
    try:
        if rev.field == NEW_SERVICE:
            if rev.service_id in services:
                return None  # taken over into the region files (export → commit): the file holds it now
            services[rev.service_id] = build_service(rev.service_id, rev.new, regions)
            return None
        service = services.get(rev.service_id)
        if service is None:
            return "de dienst staat niet meer in de kennisbank"
        region = regions.get(service.region_id)
        if region is None:
            return "de regio van de dienst bestaat niet meer"
        if rev.field == "last_verified" and service.last_verified and rev.new \
                and service.last_verified.isoformat() >= str(rev.new):
            return None  # the file already has a later confirmation: keep the later date
        services[rev.service_id] = change_service(service, rev.field, rev.new, region)
        return None
    except FieldError as exc:
        return str(exc)


def apply_revisions(kb: KnowledgeBase, revisions: Iterable[Revision]) -> KnowledgeBase:
    """The effective knowledge base: baseline + active revisions. Pure; kb is not changed.

    A revision that no longer fits (service gone, municipality removed) is skipped and listed
    as a warning in the result, never applied halfway.
    """
    services = dict(kb.services)
    warnings = list(kb.warnings)
    for rev in active_revisions(revisions):
        why = _apply_one(services, kb.regions, rev)
        if why is not None:
            warnings.append(Problem("(wijzigingen via de bot)", f"wijziging #{rev.id} niet toegepast: {why}",
                                    service=rev.service_id, field=rev.field, warning=True))
    return KnowledgeBase(kb.regions, services, warnings)


def effective_service(kb: KnowledgeBase, service_id: str, revisions: Iterable[Revision]) -> Service | None:
    """One service with its own revisions applied: cheap, for previews and confirmations."""
    services = {service_id: kb.services[service_id]} if service_id in kb.services else {}
    for rev in active_revisions(r for r in revisions if r.service_id == service_id):
        _apply_one(services, kb.regions, rev)
    return services.get(service_id)


def current_value(service: Service | None, key: str) -> Json:
    if service is None:
        return None
    if key == NEW_SERVICE:
        return service_value(service)
    return FIELDS[key].get(service)


def describe_change(revision: Revision) -> str:
    """What a revision did, in words (audit in the bot and on the command line)."""
    if revision.field == NEW_SERVICE:
        if revision.reverts is not None:
            return "nieuw aanbod weggehaald" if revision.new is None else "nieuw aanbod teruggezet"
        return f"nieuw aanbod '{(revision.new or {}).get('name', '')}'"
    spec = FIELDS.get(revision.field)
    if spec is None:
        return f"{revision.field}: {revision.old} → {revision.new}"
    return f"{spec.label}: {spec.show(revision.old)} → {spec.show(revision.new)}"


def last_edited(revisions: Iterable[Revision], service_id: str) -> str | None:
    """When the service's content last changed through the bot; a confirmation is not an edit."""
    days = [r.at for r in revisions if r.service_id == service_id and r.field != "last_verified"]
    return max(days) if days else None


# ── storage ──────────────────────────────────────────────────────────────────────────────

class StaleEdit(Exception):
    """The value changed since the editor's preview: show the new current value and ask again."""

    def __init__(self, current: Json):
        super().__init__("de waarde is intussen gewijzigd")
        self.current = current


class RevertError(Exception):
    """A revert that would not do what the coordinator expects; message in Dutch."""


ANY = object()  # `expected` for changes that need no preview (the one-tap "alles klopt nog")


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row(row: Any) -> Revision:
    return Revision(row["id"], row["at"], row["user_id"], row["service_id"], row["organisation"],
                    row["region_id"], row["field"], json.loads(row["old"]), json.loads(row["new"]),
                    row["reverts"])


_SELECT = "SELECT id, at, user_id, service_id, organisation, region_id, field, old, new, reverts FROM revision"


async def load_revisions(store: Store, *, organisation: str | None = None, since: str | None = None,
                         service_id: str | None = None) -> list[Revision]:
    """All revisions in order (filters are for the audit; apply_revisions needs all of them)."""
    where, params = [], []
    if organisation is not None:
        where.append("organisation = ? COLLATE NOCASE")
        params.append(organisation)
    if since is not None:
        where.append("at >= ?")
        params.append(since)
    if service_id is not None:
        where.append("service_id = ?")
        params.append(service_id)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
    return [_row(r) for r in await fetch_all(store.conn, sql, params)]


async def handled_since(store: Store, service_id: str, since: str) -> tuple[str, int | None] | None:
    """What an editor did after `since` (ISO time): ("aangepast" | "bevestigd", user id), or None.

    A change of any field counts as fixing the entry; "alles klopt nog" (last_verified) as
    confirming it; a change is preferred over a confirmation.
    """
    row = await fetch_one(store.conn, "SELECT field, user_id FROM revision WHERE service_id = ? AND reverts IS NULL "
                          "AND at > ? ORDER BY field = 'last_verified', id DESC LIMIT 1", (service_id, since))
    if row is None:
        return None
    return ("bevestigd" if row[0] == "last_verified" else "aangepast"), row[1]


async def load_effective(store: Store, baseline: KnowledgeBase) -> tuple[KnowledgeBase, list[Revision]]:
    """What the bot answers from: the baseline with every stored revision applied."""
    revisions = await load_revisions(store)
    return apply_revisions(baseline, revisions), revisions


def immediate(store: Store) -> AbstractAsyncContextManager[aiosqlite.Connection]:
    """A write transaction (Store.transaction): one at a time, on a connection of its own."""
    return store.transaction()


async def _service_revisions(conn: aiosqlite.Connection, service_id: str) -> list[Revision]:
    return [_row(r) for r in await fetch_all(conn, _SELECT + " WHERE service_id = ? ORDER BY id", (service_id,))]


async def _insert(conn: aiosqlite.Connection, *, user_id: int | None, service: Service, field: str,
                  old: Json, new: Json, reverts: int | None = None) -> Revision:
    at = now_utc()
    cur = await conn.execute(
        "INSERT INTO revision (at, user_id, service_id, organisation, region_id, field, old, new, reverts) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (at, user_id, service.id, service.organisation, service.region_id, field,
         json.dumps(old, ensure_ascii=False), json.dumps(new, ensure_ascii=False), reverts))
    assert cur.lastrowid is not None  # set by every INSERT
    return Revision(cur.lastrowid, at, user_id, service.id, service.organisation, service.region_id,
                    field, old, new, reverts)


class NotAllowed(Exception):
    """The user may not change this service; message in Dutch."""


class UnknownService(LookupError):
    """No service with this id (in the files or added through the bot); the id is the argument."""


async def record(store: Store, baseline: KnowledgeBase, *, user_id: int | None, service_id: str,
                 field: str, new: Json, expected: Json = ANY,
                 may_edit: Callable[[Service], bool] | None = None) -> Revision:
    """Confirm one change: one transaction, checked against the current value.

    expected: the old value the editor saw in the preview; if the current effective value differs,
    StaleEdit (nothing written). FieldError if the new value is not valid; UnknownService for an
    unknown service id. For field == NEW_SERVICE, `new` is the whole new service (see build_service).
    may_edit: checked on the service as it is inside the transaction; NotAllowed if it says no.
    """
    async with immediate(store) as conn:
        revisions = await _service_revisions(conn, service_id)
        service = effective_service(baseline, service_id, revisions)
        if field == NEW_SERVICE:
            if service is not None:
                raise FieldError(f"er bestaat al een dienst met id '{service_id}'")
            created = build_service(service_id, new, baseline.regions)
            if may_edit is not None and not may_edit(created):
                raise NotAllowed("je mag geen aanbod toevoegen voor deze organisatie of regio")
            return await _insert(conn, user_id=user_id, service=created, field=field, old=None,
                                 new=service_value(created))
        if service is None:
            raise UnknownService(service_id)
        if may_edit is not None and not may_edit(service):
            raise NotAllowed("dit aanbod hoort niet bij jouw organisatie; je kan het niet wijzigen")
        current = current_value(service, field)
        if expected is not ANY and current != expected:
            raise StaleEdit(current)
        changed = change_service(service, field, new, baseline.regions[service.region_id])
        value = FIELDS[field].get(changed)
        return await _insert(conn, user_id=user_id, service=service, field=field, old=current, new=value)


async def revert(store: Store, baseline: KnowledgeBase, revision_id: int, *, user_id: int | None = None
                 ) -> Revision:
    """Switch an earlier revision off, as a new revision; RevertError when that would mislead.

    Refused when a later active revision changed the same field (revert that one first), so a
    revert never silently leaves a value the coordinator did not expect. Reverting a revert
    switches the original change on again.
    """
    async with immediate(store) as conn:
        row = await fetch_one(conn, _SELECT + " WHERE id = ?", (revision_id,))
        if row is None:
            raise RevertError(f"wijziging #{revision_id} bestaat niet")
        target = _row(row)
        revisions = await _service_revisions(conn, target.service_id)
        if target.id in switched_off(revisions):
            raise RevertError(f"wijziging #{revision_id} is al teruggedraaid")
        if target.reverts is None:
            later = [r for r in active_revisions(revisions) if r.id > target.id
                     and (r.field == target.field or target.field == NEW_SERVICE)]
            if later:
                raise RevertError(f"wijziging #{later[-1].id} veranderde daarna dezelfde dienst of hetzelfde "
                                  "veld; draai die eerst terug")
        before = effective_service(baseline, target.service_id, revisions)
        switch = Revision(revisions[-1].id + 1, "", user_id, target.service_id, target.organisation,
                          target.region_id, target.field, None, None, reverts=target.id)
        after = effective_service(baseline, target.service_id, [*revisions, switch])
        kept = after or before
        if kept is None:
            raise RevertError(f"de dienst van wijziging #{revision_id} staat niet meer in de kennisbank")
        return await _insert(conn, user_id=user_id, service=kept, field=target.field,
                             old=current_value(before, target.field), new=current_value(after, target.field),
                             reverts=target.id)
