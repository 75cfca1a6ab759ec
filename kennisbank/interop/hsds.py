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
bring -> required_documents, hours -> schedules[].description, last_verified -> assured_date.
What HSDS cannot say sits in the extension object `x_welzijnsbot` on each service:
region_id, area (as written), summary and i18n. HSDS `description` holds the summary followed
by a blank line and the longer description, so any HSDS reader shows the full text.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from babel import Locale

from kennisbank.schema import AUDIENCES, THEME_IDS, KnowledgeBase, Region, Service
from kennisbank.themes import theme_label

from .importing import (
    Draft,
    Issue,
    Parsed,
    SourceError,
    add_built_region,
    region_from_name,
    service_id,
    slugify,
    summarize,
)
from .places import join_address, split_address
from .rubrics import RubricMap

SERVICES_FILE = "services.json"
TAXONOMY_FILE = "taxonomy_terms.json"
REGIONS_FILE = "x_welzijnsbot_regions.json"
ORGANIZATIONS_FILE = "organizations.json"  # read when present (HSDS from other tools), not written
EXTENSION = "x_welzijnsbot"
TAX_THEME, TAX_AUDIENCE, TAX_KEYWORD = "welzijnsbot-thema", "welzijnsbot-doelgroep", "welzijnsbot-trefwoord"
AUDIENCE_LABELS = {"gezinnen": "Gezinnen", "kinderen": "Kinderen", "jongeren": "Jongeren",
                   "scholen": "Scholen (professionals)"}
_STATUS_OUT = {"active": "active", "temporarily-closed": "temporarily closed", "inactive": "inactive"}
_STATUS_IN = {"active": "active", "temporarily closed": "temporarily-closed", "inactive": "inactive",
              "defunct": "inactive", "temporarily-closed": "temporarily-closed"}
# Service keys this module reads; anything else with a value in an imported record is reported.
_KNOWN_KEYS = frozenset({
    "id", "organization_id", "name", "description", "url", "email", "status", "application_process",
    "fees_description", "assured_date", "organization", "contacts", "phones", "schedules",
    "service_areas", "service_at_locations", "languages", "cost_options", "required_documents",
    "attributes", EXTENSION, "last_modified", "metadata",
})


# ── export ────────────────────────────────────────────────────────────────────────────────

def _term(taxonomy: str, code: str, name: str) -> dict[str, Any]:
    return {"id": f"{taxonomy}-{code}", "code": code, "name": name, "description": name,
            "taxonomy": taxonomy, "language": "nl"}


def theme_term(theme_id: str) -> dict[str, Any]:
    return _term(TAX_THEME, theme_id, theme_label(theme_id))


def audience_term(audience: str) -> dict[str, Any]:
    return _term(TAX_AUDIENCE, audience, AUDIENCE_LABELS.get(audience, audience))


KEYWORD_TERM = _term(TAX_KEYWORD, "trefwoord", "Trefwoord")


def _language_name(code: str) -> str | None:
    return Locale.parse("nl").languages.get(code)


def _phone(pid: str, number: str, **links: str) -> dict[str, Any]:
    return {"id": pid, **links, "number": number, "type": "voice"}


def service_to_hsds(s: Service, region: Region) -> dict[str, Any]:
    sid = s.id
    org_id = slugify(s.organisation)
    out: dict[str, Any] = {
        "id": sid, "organization_id": org_id, "name": s.name,
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
    out["organization"] = {"id": org_id, "name": s.organisation, "description": ""}
    c = s.contact
    if any((c.name, c.role, c.phone, c.email)):
        contact: dict[str, Any] = {"id": f"{sid}-contact", "service_id": sid}
        if c.name:
            contact["name"] = c.name
        if c.role:
            contact["title"] = c.role
        if c.email:
            contact["email"] = c.email
        contact["phones"] = [_phone(f"{sid}-contact-phone", c.phone, contact_id=f"{sid}-contact")] if c.phone else []
        out["contacts"] = [contact]
    out["phones"] = [_phone(f"{sid}-phone", s.phone, service_id=sid)] if s.phone else []
    out["schedules"] = [{"id": f"{sid}-schedule", "service_id": sid, "description": s.hours}] if s.hours else []
    if s.area == "all":
        out["service_areas"] = [{"id": f"{sid}-area-1", "service_id": sid, "name": region.name,
                                 "description": "heel de regio" if region.municipalities else "heel Vlaanderen"}]
    else:
        out["service_areas"] = [{"id": f"{sid}-area-{i}", "service_id": sid, "name": entry}
                                for i, entry in enumerate(s.area, 1)]
    if s.location is not None:
        location: dict[str, Any] = {"id": f"{sid}-location", "location_type": "physical"}
        if s.location.lat is not None:
            location["latitude"], location["longitude"] = s.location.lat, s.location.lon
        addresses = []
        if s.location.address:
            parts = split_address(s.location.address)
            address = {"id": f"{sid}-address", "location_id": f"{sid}-location",
                       "address_1": parts[0] if parts else s.location.address}
            if parts:
                address["postal_code"], address["city"] = parts[1], parts[2]
            address.update(country="BE", address_type="physical")
            addresses.append(address)
        location["addresses"] = addresses
        out["service_at_locations"] = [{"id": f"{sid}-at-location", "service_id": sid,
                                        "location_id": f"{sid}-location", "location": location}]
    else:
        out["service_at_locations"] = []
    out["languages"] = [{"id": f"{sid}-language-{code}", "service_id": sid, "code": code,
                         **({"name": n} if (n := _language_name(code)) else {})} for code in s.languages]
    out["cost_options"] = [{"id": f"{sid}-cost", "service_id": sid, "amount_description": s.cost}] if s.cost else []
    out["required_documents"] = [{"id": f"{sid}-document-{i}", "service_id": sid, "document": doc}
                                 for i, doc in enumerate(s.bring, 1)]
    attributes = []
    for kind, values, term_of in (("theme", s.themes, theme_term), ("audience", s.audience, audience_term),
                                  ("keyword", s.keywords, lambda _v: KEYWORD_TERM)):
        for i, value in enumerate(values, 1):
            term = term_of(value)
            attribute = {"id": f"{sid}-{kind}-{i}", "link_id": sid, "link_type": kind,
                         "link_entity": "service", "taxonomy_term_id": term["id"], "taxonomy_term": term}
            if kind == "keyword":
                attribute["value"] = value
            attributes.append(attribute)
    out["attributes"] = attributes
    extension: dict[str, Any] = {"region_id": s.region_id, "area": s.area if s.area == "all" else list(s.area),
                                 "summary": s.summary}
    if s.i18n:
        extension["i18n"] = s.i18n
    if s.urgent:
        extension["urgent"] = True
    out[EXTENSION] = extension
    return out


def regions_extension(kb: KnowledgeBase) -> dict[str, Any]:
    return {"welzijnsbot_schema": 1, "regions": [
        {"id": r.id, "name": r.name, "example": r.example,
         "municipalities": [{"name": m.name, "postcodes": list(m.postcodes)} for m in r.municipalities]}
        for r in kb.regions.values()]}


def write(kb: KnowledgeBase, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    terms = [theme_term(t) for t in THEME_IDS] + [audience_term(a) for a in AUDIENCES] + [KEYWORD_TERM]
    services = out_dir / SERVICES_FILE
    with services.open("w", encoding="utf-8") as fh:  # one service at a time: 20k services fit in memory
        fh.write("[")
        for i, s in enumerate(kb.services.values()):
            fh.write(("," if i else "") + "\n  " + _json(service_to_hsds(s, kb.region_of(s)), indent="  "))
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


def _service_list(data: Any, path: Path) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get("contents"), list):  # an HSDS API page
        return data["contents"]
    if isinstance(data, dict) and "name" in data:
        return [data]
    if isinstance(data, list):
        return data
    raise SourceError(f"{path}: verwacht een lijst van HSDS-services (of een API-pagina met 'contents')")


def _texts(svc: dict, ext: dict) -> tuple[str | None, str | None, bool]:
    """(summary, description, made) from HSDS description and the extension's summary."""
    full = (svc.get("description") or "").strip()
    summary = ext.get("summary")
    if summary:
        if full == summary.strip() or not full:
            return summary, None, False
        if full.startswith(summary + "\n\n"):
            return summary, full[len(summary) + 2:] or None, False
        return summary, full, False
    if not full:
        return None, None, False
    made = summarize(full)
    return made, (full if full != made else None), full != made


def _objects(parent: dict, key: str, ref: str, issues: list[Issue], where: str = "") -> list[dict]:
    """The list of HSDS objects under key; anything of another shape is reported, not skipped over."""
    items = parent.get(key)
    if items in (None, [], ""):
        return []
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        issues.append(Issue(ref, f"verwacht een lijst van objecten, niet {json.dumps(items, ensure_ascii=False)[:60]}; "
                                 "niet overgenomen", where + key))
        return []
    bad = [i for i in items if not isinstance(i, dict)]
    if bad:
        issues.append(Issue(ref, f"{len(bad)} element(en) zijn geen object (bv. "
                                 f"{json.dumps(bad[0], ensure_ascii=False)[:40]}); niet overgenomen", where + key))
    return [i for i in items if isinstance(i, dict)]


def _draft(svc: dict, ref: str, rubrics: RubricMap, issues: list[Issue]
           ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The contract mapping of one HSDS service, and the (postcode, city) of its addresses."""
    ext = svc.get(EXTENSION) if isinstance(svc.get(EXTENSION), dict) else {}
    raw: dict[str, Any] = {}
    org = svc.get("organization") if isinstance(svc.get("organization"), dict) else {}
    raw["organisation"] = org.get("name")
    raw["name"] = svc.get("name")
    summary, description, made = _texts(svc, ext)
    raw["summary"], raw["description"] = summary, description
    if made:
        issues.append(Issue(ref, "samenvatting gemaakt uit de beschrijving; lees ze na", "description"))
    themes, audience, keywords = [], [], []
    for attr in _objects(svc, "attributes", ref, issues):
        term = attr.get("taxonomy_term") if isinstance(attr.get("taxonomy_term"), dict) else {}
        taxonomy, code = str(term.get("taxonomy") or ""), str(term.get("code") or "")
        if taxonomy == TAX_KEYWORD and attr.get("value"):
            keywords.append(str(attr["value"]))
        elif taxonomy == TAX_AUDIENCE or (code in AUDIENCES and attr.get("link_type") == "audience"):
            audience.append(code)
        elif taxonomy == TAX_THEME or code in THEME_IDS:
            themes.append(code)
        else:
            label = str(term.get("name") or code or attr.get("taxonomy_term_id") or "?")
            mapped = rubrics.themes_for(label)
            if mapped:
                themes.extend(t for t in mapped if t not in themes)
            else:
                issues.append(Issue(ref, f"taxonomieterm '{label}' hoort bij geen thema (vul "
                                         "sociale_kaart_rubrieken.yaml aan)", "attributes"))
    raw["themes"], raw["keywords"], raw["audience"] = themes, keywords, audience
    raw["area"] = ext.get("area")
    contacts = _objects(svc, "contacts", ref, issues)
    if contacts:
        c = contacts[0]
        phones = _objects(c, "phones", ref, issues, "contacts.")
        raw["contact"] = {k: v for k, v in (("name", c.get("name")), ("role", c.get("title")),
                                            ("phone", phones[0].get("number") if phones else None),
                                            ("email", c.get("email"))) if v not in (None, "")}
        for extra in phones[1:]:
            issues.append(Issue(ref, f"extra telefoonnummer {extra.get('number')} van de contactpersoon niet "
                                     "overgenomen", "contacts.phones"))
        for extra in contacts[1:]:
            issues.append(Issue(ref, f"extra contactpersoon '{extra.get('name') or '?'}' niet overgenomen "
                                     "(één contactpersoon per dienst)", "contacts"))
    phones = _objects(svc, "phones", ref, issues)
    raw["phone"] = phones[0].get("number") if phones else None
    for extra in phones[1:]:
        issues.append(Issue(ref, f"extra telefoonnummer {extra.get('number')} niet overgenomen", "phones"))
    raw["email"], raw["url"] = svc.get("email"), svc.get("url")
    places: list[tuple[str, str]] = []
    sals = _objects(svc, "service_at_locations", ref, issues)
    if sals:
        loc = sals[0].get("location") if isinstance(sals[0].get("location"), dict) else {}
        if sals[0].get("location") and not loc:
            issues.append(Issue(ref, "locatie is geen object; niet overgenomen", "service_at_locations.location"))
        addresses = _objects(loc, "addresses", ref, issues, "location.")
        location: dict[str, Any] = {}
        if addresses:
            a = addresses[0]
            location["address"] = join_address(a.get("address_1"), a.get("postal_code"), a.get("city")) or None
            if a.get("postal_code"):
                places.append((a.get("postal_code"), a.get("city") or ""))
        if loc.get("latitude") is not None or loc.get("longitude") is not None:
            location["lat"], location["lon"] = loc.get("latitude"), loc.get("longitude")
        raw["location"] = {k: v for k, v in location.items() if v is not None}
        for extra in sals[1:]:
            issues.append(Issue(ref, "extra locatie niet overgenomen (één adres per dienst)", "service_at_locations"))
    schedules = _objects(svc, "schedules", ref, issues)
    hours = [str(s["description"]).strip() for s in schedules if s.get("description")]
    if len(hours) < len(schedules):
        issues.append(Issue(ref, "uurrooster zonder beschrijving (enkel RRULE) niet overgenomen; vul 'hours' aan",
                            "schedules"))
    raw["hours"] = "; ".join(hours) or None
    languages = []
    for lang in _objects(svc, "languages", ref, issues):
        if lang.get("code"):
            languages.append(str(lang["code"]))
        else:
            issues.append(Issue(ref, f"taal '{lang.get('name') or '?'}' zonder code niet overgenomen", "languages"))
    raw["languages"] = languages
    costs = _objects(svc, "cost_options", ref, issues)
    cost_texts = [str(c.get("amount_description") or
                      " ".join(str(c[k]) for k in ("amount", "currency") if c.get(k) is not None)).strip()
                  for c in costs]
    raw["cost"] = "; ".join(t for t in cost_texts if t) or svc.get("fees_description")
    raw["bring"] = [str(d["document"]) for d in _objects(svc, "required_documents", ref, issues) if d.get("document")]
    raw["how"] = svc.get("application_process")
    raw["i18n"] = ext.get("i18n")
    raw["urgent"] = ext.get("urgent") or None
    status = str(svc.get("status") or "active").strip().lower()
    raw["status"] = _STATUS_IN.get(status, status)
    raw["last_verified"] = svc.get("assured_date")
    unused = sorted(k for k, v in svc.items() if k not in _KNOWN_KEYS and v not in (None, "", [], {}))
    if unused:
        issues.append(Issue(ref, "velden zonder plaats in de kennisbank niet overgenomen: " + ", ".join(unused)))
    return raw, places


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


def read(source: Path, region: str | None = None, rubrics: RubricMap | None = None) -> Parsed:
    """Drafts from an HSDS folder (as export writes it) or a single services JSON file."""
    rubrics = rubrics or RubricMap.load()
    folder = source if source.is_dir() else source.parent
    services_path = source / SERVICES_FILE if source.is_dir() else source
    if not services_path.exists():
        raise SourceError(f"{services_path} bestaat niet")
    services = _service_list(_load_json(services_path), services_path)
    parsed = Parsed()
    organizations: dict[str, str] = {}
    if (folder / ORGANIZATIONS_FILE).exists():  # HSDS split per object type: names by organization_id
        for org in _service_list(_load_json(folder / ORGANIZATIONS_FILE), folder / ORGANIZATIONS_FILE):
            if isinstance(org, dict) and org.get("id") and org.get("name"):
                organizations[str(org["id"])] = str(org["name"])
    regions_path = folder / REGIONS_FILE
    if regions_path.exists():
        data = _load_json(regions_path)
        for r in (data.get("regions") if isinstance(data, dict) else None) or []:
            if isinstance(r, dict) and r.get("id"):
                parsed.regions[str(r["id"])] = {k: r.get(k) for k in ("id", "name", "example", "municipalities")}
    forced = region_from_name(region) if region else None
    built_drafts: list[tuple[Draft, list]] = []
    taken: set[str] = set()
    for index, svc in enumerate(services, 1):
        if not isinstance(svc, dict):
            parsed.issues.append(Issue(f"record {index}", "geen HSDS-service (verwacht een JSON-object)", None, True))
            continue
        ref = f"dienst {svc['id']}" if svc.get("id") else f"record {index}"
        issues: list[Issue] = []
        raw, places = _draft(svc, ref, rubrics, issues)
        if not raw.get("organisation") and str(svc.get("organization_id")) in organizations:
            raw["organisation"] = organizations[str(svc["organization_id"])]
        given = svc.get("id")
        if given not in (None, "") and slugify(str(given)) != str(given):
            # HSDS ids are technical (UUIDs, database keys): made into a valid id, not a reason to refuse.
            parsed.issues.append(Issue(ref, f"id '{given}' is omgezet naar '{slugify(str(given))}'", "id"))
            given = slugify(str(given)) or None
        sid = service_id(given, ref, f"{raw.get('organisation') or ''} {raw.get('name') or ''}",
                         taken, parsed.issues)
        parsed.issues.extend(issues)
        if sid is None:
            continue
        ext = svc.get(EXTENSION) if isinstance(svc.get(EXTENSION), dict) else {}
        rid = str(ext.get("region_id") or "")
        if forced and rid not in parsed.regions:
            rid = forced[0]
        elif rid not in parsed.regions:
            parsed.issues.append(Issue(ref, "geen regio bekend: geef --region", "region", True))
            continue
        draft = Draft(ref, rid, clean({"id": sid, **raw}))
        parsed.drafts.append(draft)
        if forced and rid == forced[0] and rid not in parsed.regions:
            built_drafts.append((draft, places))
    if forced and forced[0] not in parsed.regions and built_drafts:
        add_built_region(parsed, forced, built_drafts)
    return parsed


HSDS_FIELD_LABELS = {
    "organisation": "organization.name", "summary": f"{EXTENSION}.summary", "themes": "attributes",
    "keywords": "attributes", "audience": "attributes", "area": f"{EXTENSION}.area",
    "contact": "contacts", "contact.name": "contacts.name", "contact.role": "contacts.title",
    "contact.phone": "contacts.phones.number", "contact.email": "contacts.email", "phone": "phones.number",
    "location": "service_at_locations.location", "location.lat": "location.latitude",
    "location.lon": "location.longitude", "hours": "schedules.description", "languages": "languages.code",
    "cost": "cost_options", "bring": "required_documents", "how": "application_process",
    "i18n": f"{EXTENSION}.i18n", "last_verified": "assured_date",
}


def field_label(name: str) -> str:
    return HSDS_FIELD_LABELS.get(name, HSDS_FIELD_LABELS.get(name.split(".")[0], name))

