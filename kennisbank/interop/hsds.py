"""Open Referral HSDS 3 in both directions, in the nested JSON form of the HSDS 3 API.

Export writes a folder with
  services.json               a JSON list of HSDS 3 `service` objects, each with its nested
                              organization, contacts (+ phones), phones, schedules, service_areas,
                              service_at_locations (+ location + addresses), languages,
                              cost_options, required_documents and attributes (+ taxonomy_term);
  taxonomy_terms.json         the HSDS `taxonomy_term` objects used (themes and audiences);
  x_welzijnsbot_regions.json  extension: regions with their municipalities and postcodes.

Where HSDS has a home for a project field it is used: themes, audience and keywords are
attributes with a taxonomy_term (taxonomies welzijnsbot-thema / -doelgroep / -trefwoord, a
keyword in the attribute's `value`), how -> application_process, cost -> cost_options,
bring -> required_documents, hours -> schedules (one per opening: byday, opens_at, closes_at, interval,
attending_type; the Dutch text as the first one's description), last_verified -> assured_date.
What HSDS cannot say sits in the extension object `x_welzijnsbot` on each service:
id (the project's), region_id, area (as written), summary and i18n. HSDS `description` holds the
summary followed by a blank line and the longer description, so any HSDS reader shows the full text.
Every HSDS id is a UUID, uuid5 of the project's id (hsds_id), so exports are stable; addresses carry
the province of their Belgian postcode; the export validates against the official HSDS 3 schemas
(tests/test_interop_real_data.py).

Import reads that folder, any HSDS 3 JSON (a list, an API page with `contents`, a single service,
an organization_full with its services) and HSDS tabular data (CSV files + datapackage.json, see
hsds_tabular); hsds_reader maps one service and reports every field it leaves, by its HSDS path.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babel import Locale

from kennisbank import practical
from kennisbank.schema import AUDIENCES, THEME_IDS, KnowledgeBase, Region, Service
from kennisbank.themes import theme_label

from . import hsds_tabular
from .hsds_reader import EXTENSION, TAX_AUDIENCE, TAX_KEYWORD, TAX_THEME, ServiceReader
from .importing import Draft, Issue, Parsed, SourceError, add_built_region, region_from_name, service_id, slugify
from .places import postcode_and_city, split_address
from .rubrics import RubricMap
from .values import province

SERVICES_FILE = "services.json"
TAXONOMY_FILE = "taxonomy_terms.json"
REGIONS_FILE = "x_welzijnsbot_regions.json"
ORGANIZATIONS_FILE = "organizations.json"  # read when present (HSDS from other tools), not written
AUDIENCE_LABELS = {"gezinnen": "Gezinnen", "kinderen": "Kinderen", "jongeren": "Jongeren",
                   "scholen": "Scholen (professionals)"}
_STATUS_OUT = {"active": "active", "temporarily-closed": "temporarily closed", "inactive": "inactive"}


# ── export ────────────────────────────────────────────────────────────────────────────────

# HSDS ids are UUIDs (docs/hsds/identifiers.md). Ours are uuid5 of the project's ids in this
# namespace, so an export is stable from run to run and an import finds the same services again.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:welzijnsbot:hsds")


def hsds_id(*parts: str) -> str:
    """The stable UUID of a project object: hsds_id("service", "caw-onthaal", "contact")."""
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


def _term(taxonomy: str, code: str, name: str) -> dict[str, Any]:
    return {"id": hsds_id("taxonomy_term", taxonomy, code), "code": code, "name": name, "description": name,
            "taxonomy": taxonomy, "language": "nl"}


def theme_term(theme_id: str) -> dict[str, Any]:
    return _term(TAX_THEME, theme_id, theme_label(theme_id))


def audience_term(audience: str) -> dict[str, Any]:
    return _term(TAX_AUDIENCE, audience, AUDIENCE_LABELS.get(audience, audience))


KEYWORD_TERM = _term(TAX_KEYWORD, "trefwoord", "Trefwoord")


def _language_name(code: str) -> str | None:
    name = Locale.parse("nl").languages.get(code)
    return str(name) if name else None


def _phone(pid: str, number: str, **links: str) -> dict[str, Any]:
    return {"id": pid, **links, "number": number, "type": "voice"}


def _address(sid: str, text: str) -> dict[str, Any]:
    """HSDS requires street, city, postcode, province and country: the Belgian address split up."""
    parts = split_address(text)
    if parts is None:
        place = postcode_and_city(text)
        parts = (text, *place) if place else (text, "", "")
    street, postcode, city = parts
    return {"id": hsds_id("service", sid, "address"), "location_id": hsds_id("service", sid, "location"),
            "address_1": street, "city": city, "state_province": province(postcode) or "",
            "postal_code": postcode, "country": "BE", "address_type": "physical"}


def organisation_descriptions(kb: KnowledgeBase) -> dict[str, str]:
    """What the knowledge base knows of each organisation: the services it offers there."""
    offers: dict[str, list[str]] = {}
    for s in kb.services.values():
        names = offers.setdefault(s.organisation, [])
        if s.name not in names:
            names.append(s.name)
    return {org: f"{org} biedt: {'; '.join(names)}." for org, names in offers.items()}


def service_to_hsds(s: Service, region: Region, org_description: str = "") -> dict[str, Any]:
    sid = s.id
    uid = hsds_id("service", sid)
    org_id = hsds_id("organization", slugify(s.organisation, limit=1_000))  # stable uuids, whatever the length
    out: dict[str, Any] = {
        "id": uid, "organization_id": org_id, "name": s.name,
        "description": s.summary + (f"\n\n{s.description}" if s.description else ""),
    }
    if s.url:
        out["url"] = s.url
    if s.email:
        out["email"] = s.email
    out["status"] = _STATUS_OUT[s.status]
    if s.how:
        out["application_process"] = s.how
    if s.last_verified:
        out["assured_date"] = s.last_verified.isoformat()
    out["organization"] = {"id": org_id, "name": s.organisation, "description": org_description}
    c = s.contact
    if any((c.name, c.role, c.phone, c.email)):
        cid = hsds_id("service", sid, "contact")
        contact: dict[str, Any] = {"id": cid, "service_id": uid}
        if c.name:
            contact["name"] = c.name
        if c.role:
            contact["title"] = c.role
        if c.email:
            contact["email"] = c.email
        contact["phones"] = [_phone(hsds_id("service", sid, "contact", "phone"), c.phone, contact_id=cid)
                             ] if c.phone else []
        out["contacts"] = [contact]
    out["phones"] = [_phone(hsds_id("service", sid, "phone"), s.phone, service_id=uid)] if s.phone else []
    out["schedules"] = _schedules(s, uid)
    if s.area == "all":
        out["service_areas"] = [{"id": hsds_id("service", sid, "area", "1"), "service_id": uid, "name": region.name,
                                 "description": "heel de regio" if region.municipalities else "heel Vlaanderen"}]
    else:
        out["service_areas"] = [{"id": hsds_id("service", sid, "area", str(i)), "service_id": uid, "name": entry}
                                for i, entry in enumerate(s.area, 1)]
    if s.location is not None:
        lid = hsds_id("service", sid, "location")
        location: dict[str, Any] = {"id": lid, "location_type": "physical"}
        if s.location.lat is not None:
            location["latitude"], location["longitude"] = s.location.lat, s.location.lon
        location["addresses"] = [_address(sid, s.location.address)] if s.location.address else []
        out["service_at_locations"] = [{"id": hsds_id("service", sid, "at-location"), "service_id": uid,
                                        "location_id": lid, "location": location}]
    else:
        out["service_at_locations"] = []
    out["languages"] = [{"id": hsds_id("service", sid, "language", code), "service_id": uid, "code": code,
                         **({"name": n} if (n := _language_name(code)) else {})} for code in s.languages]
    out["cost_options"] = [_cost_option(s, uid)] if s.cost else []
    out["required_documents"] = [{"id": hsds_id("service", sid, "document", str(i)), "service_id": uid,
                                  "document": doc} for i, doc in enumerate(s.bring, 1)]
    attributes = []
    kinds: tuple[tuple[str, tuple[str, ...], Callable[[str], dict[str, Any]]], ...] = (
        ("theme", s.themes, theme_term), ("audience", s.audience, audience_term),
        ("keyword", s.keywords, lambda _v: KEYWORD_TERM))
    for kind, values, term_of in kinds:
        for i, value in enumerate(values, 1):
            term = term_of(value)
            attribute = {"id": hsds_id("service", sid, kind, str(i)), "link_id": uid, "link_type": kind,
                         "link_entity": "service", "taxonomy_term_id": term["id"], "taxonomy_term": term}
            if kind == "keyword":
                attribute["value"] = value
            attributes.append(attribute)
    out["attributes"] = attributes
    extension: dict[str, Any] = {"id": sid, "region_id": s.region_id,
                                 "area": s.area if s.area == "all" else list(s.area), "summary": s.summary}
    if s.i18n:
        extension["i18n"] = s.i18n
    if s.urgent:
        extension["urgent"] = True
    # The structured fields as the region file writes them, so an import gets back exactly what was
    # exported (closed periods, season and notes have no HSDS field of their own).
    if s.schedule is not None:
        extension["hours"] = practical.hours_block(s.schedule)
    if s.price is not None:
        extension["cost"] = practical.cost_block(s.price)
    if s.access:
        extension["access"] = list(s.access)
    out[EXTENSION] = extension
    return out


def _schedules(s: Service, uid: str) -> list[dict[str, Any]]:
    """One HSDS schedule per opening (byday, opens_at, closes_at, interval, attending_type); the whole
    Dutch text as the first one's description, for readers that only show text."""
    if not s.hours:
        return []
    rows: list[dict[str, Any]] = []
    schedule = s.schedule
    openings = schedule.openings if schedule is not None else ()
    for index, o in enumerate(openings, 1):
        row: dict[str, Any] = {"id": hsds_id("service", s.id, "schedule", str(index)), "service_id": uid,
                               "freq": "WEEKLY"}
        if o.interval != 1:
            row["interval"] = o.interval
        if o.days:
            row["byday"] = ",".join(practical.HSDS_DAYS[d] for d in o.days)
        if o.opens:
            row["opens_at"] = practical.clock_iso(o.opens)
        if o.closes:
            row["closes_at"] = practical.clock_iso(o.closes)
        if o.kind:
            row["attending_type"] = practical.OPENING_KINDS[o.kind]
        if o.part:
            row["notes"] = o.part
        rows.append(row)
    if not rows:
        rows.append({"id": hsds_id("service", s.id, "schedule"), "service_id": uid})
    rows[0]["description"] = s.hours
    return rows


def _cost_option(s: Service, uid: str) -> dict[str, Any]:
    option: dict[str, Any] = {"id": hsds_id("service", s.id, "cost"), "service_id": uid}
    price = s.price
    if price is not None and price.kind:
        option["option"] = price.kind
    if price is not None and price.amount is not None:
        option["amount"], option["currency"] = float(price.amount), "EUR"
    elif price is not None and price.kind == "gratis":
        option["amount"], option["currency"] = 0, "EUR"
    option["amount_description"] = s.cost
    return option


def regions_extension(kb: KnowledgeBase) -> dict[str, Any]:
    return {"welzijnsbot_schema": 1, "regions": [
        {"id": r.id, "name": r.name, "example": r.example,
         "municipalities": [{"name": m.name, "postcodes": list(m.postcodes)} for m in r.municipalities]}
        for r in kb.regions.values()]}


def write(kb: KnowledgeBase, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    terms = [theme_term(t) for t in THEME_IDS] + [audience_term(a) for a in AUDIENCES] + [KEYWORD_TERM]
    descriptions = organisation_descriptions(kb)
    services = out_dir / SERVICES_FILE
    with services.open("w", encoding="utf-8") as fh:  # one service at a time: 20k services fit in memory
        fh.write("[")
        for i, s in enumerate(kb.services.values()):
            item = service_to_hsds(s, kb.region_of(s), descriptions[s.organisation])
            fh.write(("," if i else "") + "\n  " + _json(item, indent="  "))
        fh.write("\n]\n")
    written = [services]
    for name, data in ((TAXONOMY_FILE, terms), (REGIONS_FILE, regions_extension(kb))):
        path = out_dir / name
        path.write_text(_json(data) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _json(data: Any, indent: str = "") -> str:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("\n", "\n" + indent) if indent else text


# ── import ────────────────────────────────────────────────────────────────────────────────

def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"kan {path} niet lezen: {exc}") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path} is geen geldige JSON (regel {exc.lineno}): {exc.msg}") from None


def clean(raw: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty values: an absent optional field, not an empty one, is what the contract wants."""
    out = {}
    for key, value in raw.items():
        if value in (None, "", [], {}) and key != "location":  # location: {} is a (bare) location
            continue
        if key == "status" and value == "active":
            continue
        out[key] = value
    return out


_SERVICE_MARKS = frozenset({"status", "service_at_locations", "organization", "organization_id", "application_process",
                            "fees_description", "eligibility_description", "assured_date", EXTENSION})
_KIND_MARKS: tuple[tuple[str, frozenset[str]], ...] = (
    ("organization", frozenset({"website", "legal_status", "tax_status", "tax_id", "year_incorporated", "logo",
                                "parent_organization_id", "organization_identifiers", "programs", "locations"})),
    ("location", frozenset({"location_type", "latitude", "longitude", "addresses", "transportation",
                            "external_identifier"})),
    ("taxonomy_term", frozenset({"taxonomy", "parent_id", "term_uri", "taxonomy_id", "taxonomy_detail", "code"})),
    ("taxonomy", frozenset({"version", "uri"})),
)


def kind_of(item: dict[str, Any]) -> str:
    """Which HSDS object a record is: service, organization (with or without services), location ..."""
    if isinstance(item.get("service"), dict):
        return "service_at_location"
    if isinstance(item.get("services"), list):
        return "organization"
    if _SERVICE_MARKS & item.keys():
        return "service"
    for kind, marks in _KIND_MARKS:
        if marks & item.keys():
            return kind
    return "service"


def _records(data: Any, path: Path) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get("contents"), list):  # an HSDS API page
        return list(data["contents"])
    if isinstance(data, dict) and ({"name", "services", "service"} | _SERVICE_MARKS) & data.keys():
        return [data]  # one object: a service, or an organization_full with its services
    if isinstance(data, list):
        return data
    raise SourceError(f"{path}: verwacht een lijst van HSDS-services (of een API-pagina met 'contents')")


def _by_id(path: Path) -> dict[str, dict[str, Any]]:
    """Objects of a side file (organizations.json, taxonomy_terms.json) by id; absent file: none."""
    if not path.exists():
        return {}
    return {str(o["id"]): o for o in _records(_load_json(path), path) if isinstance(o, dict) and o.get("id")}


_KIND_NAMES = {"organization": "een organisatie (organization)", "location": "een locatie (location)",
               "taxonomy_term": "een taxonomieterm (taxonomy_term)", "taxonomy": "een taxonomie (taxonomy)"}


def _services(records: list[tuple[str, Any]], issues: list[Issue]) -> list[tuple[str, dict[str, Any]]]:
    """Every service in the records: nested ones (organization_full, service_at_location) included."""
    out: list[tuple[str, dict[str, Any]]] = []
    for where, item in records:
        if not isinstance(item, dict):
            issues.append(Issue(where, "geen HSDS-service (verwacht een JSON-object)", None, True))
            continue
        kind = kind_of(item)
        if kind == "service":
            out.append((where, item))
        elif kind == "organization" and isinstance(item.get("services"), list):
            org = {k: v for k, v in item.items() if k != "services"}
            nested = [s for s in item["services"] if isinstance(s, dict)]
            if not nested:
                issues.append(Issue(where, "een organisatie (organization) zonder diensten; niets overgenomen",
                                    None, True))
            for i, service in enumerate(item["services"]):
                if not isinstance(service, dict):
                    issues.append(Issue(f"{where} · services[{i}]", "geen HSDS-service (verwacht een JSON-object)",
                                        None, True))
                    continue
                if not isinstance(service.get("organization"), dict):
                    service = {**service, "organization": org}
                out.append((f"{where} · services[{i}]", service))
        elif kind == "service_at_location":
            service = dict(item["service"])
            if not service.get("service_at_locations"):
                service["service_at_locations"] = [{k: v for k, v in item.items() if k != "service"}]
            out.append((where, service))
        else:
            issues.append(Issue(where, f"{_KIND_NAMES[kind]}, geen dienst (service); overgeslagen", None, True))
    return out


def record_ref(svc: dict[str, Any], where: str) -> str:
    """How the report names a record: by its id when it has one, else by its place in the source."""
    ext = svc.get(EXTENSION)
    given = ext.get("id") if isinstance(ext, dict) and ext.get("id") else svc.get("id")  # ours: the project id
    if isinstance(given, (str, int)) and not isinstance(given, bool) and str(given).strip():
        return f"dienst {str(given).strip()[:60]}"
    return where


def read(source: Path, region: str | None = None, rubrics: RubricMap | None = None) -> Parsed:
    """Drafts from HSDS: a folder (as export writes it, or tabular CSV + datapackage.json) or a JSON file."""
    rubrics = rubrics or RubricMap.load()
    folder = source if source.is_dir() else source.parent
    parsed = Parsed()
    if (source.is_dir() and hsds_tabular.is_tabular(source)) or source.suffix.lower() == ".csv" or \
            source.name == hsds_tabular.DATAPACKAGE:
        tabular, organizations, terms = hsds_tabular.load(folder, parsed.issues)
        records: list[tuple[str, Any]] = list(tabular)
    else:
        services_path = source / SERVICES_FILE if source.is_dir() else source
        if not services_path.exists():
            raise SourceError(f"{services_path} bestaat niet")
        records = [(f"record {i}", item)
                   for i, item in enumerate(_records(_load_json(services_path), services_path), 1)]
        organizations = _by_id(folder / ORGANIZATIONS_FILE)
        terms = _by_id(folder / TAXONOMY_FILE)
    regions_path = folder / REGIONS_FILE
    if regions_path.exists():
        data = _load_json(regions_path)
        for r in (data.get("regions") if isinstance(data, dict) else None) or []:
            if isinstance(r, dict) and r.get("id"):
                parsed.regions[str(r["id"])] = {k: r.get(k) for k in ("id", "name", "example", "municipalities")}
    forced = region_from_name(region) if region else None
    built_drafts: list[tuple[Draft, list[tuple[object, str]]]] = []
    taken: set[str] = set()
    for where, svc in _services(records, parsed.issues):
        ref = record_ref(svc, where)
        mapped = ServiceReader(svc, ref, rubrics, terms, organizations).read()
        found_ext = svc.get(EXTENSION)
        ext: dict[str, Any] = found_ext if isinstance(found_ext, dict) else {}
        given = ext.get("id") or svc.get("id")
        given = str(given) if isinstance(given, (str, int)) and not isinstance(given, bool) else None
        if given and slugify(given) != given:
            # HSDS ids are technical (UUIDs, database keys): made into a valid id, not a reason to refuse.
            parsed.issues.append(Issue(ref, f"id '{given[:60]}' is omgezet naar '{slugify(given)[:60]}'", "id"))
            given = slugify(given) or None
        raw = mapped.raw
        sid = service_id(given, ref, f"{raw.get('organisation') or ''} {raw.get('name') or ''}",
                         taken, parsed.issues)
        parsed.issues.extend(mapped.issues)
        if sid is None:
            continue
        rid = str(ext.get("region_id") or "")
        if forced and rid not in parsed.regions:
            rid = forced[0]
        elif rid not in parsed.regions:
            parsed.issues.append(Issue(ref, "geen regio bekend: geef --region", "region", True))
            continue
        draft = Draft(ref, rid, clean({"id": sid, **raw}), mapped.paths)
        parsed.drafts.append(draft)
        if forced and rid == forced[0] and rid not in parsed.regions:
            built_drafts.append((draft, list(mapped.places)))
    if forced and forced[0] not in parsed.regions and built_drafts:
        add_built_region(parsed, forced, built_drafts)
    return parsed


HSDS_FIELD_LABELS = {
    "organisation": "organization.name", "summary": "description", "themes": "attributes",
    "keywords": "attributes", "audience": "attributes", "area": "service_areas",
    "contact": "contacts", "contact.name": "contacts.name", "contact.role": "contacts.title",
    "contact.phone": "contacts.phones.number", "contact.email": "contacts.email", "phone": "phones.number",
    "location": "service_at_locations.location", "location.lat": "location.latitude",
    "location.lon": "location.longitude", "hours": "schedules", "languages": "languages.code",
    "cost": "cost_options", "bring": "required_documents", "how": "application_process",
    "access": EXTENSION + ".access", "i18n": "description", "last_verified": "assured_date", "status": "status",
}


def field_label(name: str) -> str:
    return HSDS_FIELD_LABELS.get(name, HSDS_FIELD_LABELS.get(name.split(".")[0], name))

