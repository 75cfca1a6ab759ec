"""Import a JSON export of De Sociale Kaart (the Flemish directory of welfare and health offers).

Expected shape, as the public API gives it (field names in English, a few spellings tolerated):
  {"items": [ {                       # also: a bare list, or "offers" / "results" / "aanbod"
      "id": 900001,
      "name": "Schuldbemiddeling",
      "description": "...",
      "organisation": {"id": 800001, "name": "Sociaal Huis Beekveld"},
      "addresses": [{"street": "Dorpsplein", "number": "1", "box": null, "postcode": "9830",
                     "municipality": "Beekveld", "location": {"lat": 51.0, "lon": 3.6}}],
      "activities": [{"name": "...", "rubrics": [{"id": 301, "name": "Schuldbemiddeling"}]}],
      "phones": [{"number": "09 999 40 01"}], "emails": [{"address": "..."}],
      "websites": [{"url": "https://..."}], "openingHours": "...", "languages": ["nl"]
  } ]}

Rubrics become theme ids through sociale_kaart_rubrieken.yaml. De Sociale Kaart lists offices,
not people: an imported entry has no contact.name, and that absence is the documented marker
that a named contact person still has to be added (see needs_named_contact). Nothing is made
up: no name, no last_verified (the provider has not confirmed the entry to the network yet).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .importing import Draft, Issue, Parsed, SourceError, add_built_region, region_from_name, service_id, summarize
from .places import join_address
from .rubrics import RubricMap

_KNOWN_KEYS = frozenset({"id", "name", "description", "organisation", "organization", "addresses",
                         "activities", "rubrics", "phones", "emails", "websites", "openingHours",
                         "opening_hours", "languages", "lastModified", "last_modified"})


def _items(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("items", "offers", "results", "aanbod", "content"):
            if isinstance(data.get(key), list):
                return data[key]
    raise SourceError("verwacht een lijst van aanbod (of een object met 'items')")


def _texts(values: Any, *keys: str) -> list[str]:
    """Phones, e-mails and websites come as plain strings or as objects; take the text either way."""
    out = []
    for v in _as_list(values):
        if isinstance(v, dict):
            v = next((v[k] for k in keys if v.get(k)), None)
        if v not in (None, ""):
            out.append(str(v).strip())
    return out


def _as_list(value: Any) -> list[Any]:
    """A single value where a list was expected still counts as one element."""
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


def _rubrics(item: dict) -> list[str]:
    names: list[str] = []
    groups = [item] + [a for a in _as_list(item.get("activities")) if isinstance(a, dict)]
    for group in groups:
        for r in _as_list(group.get("rubrics")):
            name = r.get("name") if isinstance(r, dict) else r
            if name and str(name).strip() not in names:
                names.append(str(name).strip())
    return names


def _address(a: dict) -> str:
    street = " ".join(str(a[k]).strip() for k in ("street", "number") if a.get(k))
    if a.get("box"):
        street += f" bus {a['box']}"
    return join_address(street, a.get("postcode") or a.get("postalCode"), a.get("municipality") or a.get("city"))


def _coords(a: dict) -> dict[str, Any]:
    loc = a.get("location") if isinstance(a.get("location"), dict) else {}
    lat = loc.get("lat", loc.get("latitude"))
    lon = loc.get("lon", loc.get("longitude"))
    return {"lat": lat, "lon": lon} if lat is not None or lon is not None else {}


def to_draft(item: dict, ref: str, rubrics: RubricMap, issues: list[Issue]
             ) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    raw: dict[str, Any] = {}
    org = item.get("organisation") or item.get("organization") or {}
    raw["organisation"] = org.get("name") if isinstance(org, dict) else org
    raw["name"] = item.get("name")
    description = str(item.get("description") or "").strip()
    if description:
        raw["summary"] = summarize(description)
        if raw["summary"] != description:
            raw["description"] = description
        if raw["summary"] != description.split("\n\n")[0].strip():
            issues.append(Issue(ref, "samenvatting ingekort uit de beschrijving; lees ze na", "description"))
    elif raw["name"]:
        raw["summary"] = str(raw["name"])
        issues.append(Issue(ref, "geen beschrijving: de naam staat voorlopig als samenvatting", "description"))
    names = _rubrics(item)
    themes: list[str] = []
    for rubric in names:
        mapped = rubrics.themes_for(rubric)
        if not mapped:
            issues.append(Issue(ref, f"rubriek '{rubric}' hoort bij geen thema (vul sociale_kaart_rubrieken.yaml "
                                     "aan)", "rubrics"))
        themes.extend(t for t in mapped if t not in themes)
    if not themes:
        why = ("geen enkele rubriek hoort bij een thema: " + ", ".join(names)) if names else "geen rubrieken"
        issues.append(Issue(ref, why, "rubrics", True))
        return None, []
    raw["themes"] = themes
    phones = _texts(item.get("phones"), "number", "phoneNumber", "value")
    emails = _texts(item.get("emails"), "address", "email", "value")
    websites = _texts(item.get("websites"), "url", "address", "value")
    for what, label, values in (("phones", "telefoonnummer", phones), ("emails", "e-mailadres", emails),
                                ("websites", "website", websites)):
        for extra in values[1:]:
            issues.append(Issue(ref, f"extra {label} '{extra}' niet overgenomen (één per dienst)", what))
    raw["phone"] = phones[0] if phones else None
    raw["email"] = emails[0] if emails else None
    raw["url"] = websites[0] if websites else None
    addresses = [a for a in _as_list(item.get("addresses")) if isinstance(a, dict)]
    if len(addresses) < len(_as_list(item.get("addresses"))):
        issues.append(Issue(ref, "adres zonder velden (straat, postcode, gemeente) niet overgenomen", "addresses"))
    places = [(str(a.get("postcode") or a.get("postalCode") or ""), str(a.get("municipality") or a.get("city") or ""))
              for a in addresses]
    if addresses:
        raw["location"] = {"address": _address(addresses[0]) or None, **_coords(addresses[0])}
        raw["location"] = {k: v for k, v in raw["location"].items() if v is not None}
        for extra in addresses[1:]:
            issues.append(Issue(ref, f"extra adres '{_address(extra)}' niet als locatie overgenomen "
                                     "(wel als gebied)", "addresses"))
    raw["hours"] = item.get("openingHours") or item.get("opening_hours")
    raw["languages"] = [str(x) for x in _as_list(item.get("languages")) if x]
    unused = sorted(k for k, v in item.items() if k not in _KNOWN_KEYS and v not in (None, "", [], {}))
    if unused:
        issues.append(Issue(ref, "velden zonder plaats in de kennisbank niet overgenomen: " + ", ".join(unused)))
    return {k: v for k, v in raw.items() if v not in (None, "", [], {})}, places


def read(source: Path, region: str | None, rubrics: RubricMap | None = None) -> Parsed:
    if not region:
        raise SourceError("geef met --region de regio waarin dit aanbod hoort, bv. --region \"Regio Beekveld\"")
    path = source
    if source.is_dir():
        found = sorted(source.glob("*.json"))
        if len(found) != 1:
            raise SourceError(f"{source}: verwacht precies één .json-bestand, gevonden: {len(found)}")
        path = found[0]
    if not path.exists():
        raise SourceError(f"{path} bestaat niet")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"kan {path} niet lezen: {exc}") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path} is geen geldige JSON (regel {exc.lineno}): {exc.msg}") from None
    rubrics = rubrics or RubricMap.load()
    rid, name = region_from_name(region)
    parsed = Parsed()
    built: list[tuple[Draft, list]] = []
    taken: set[str] = set()
    for index, item in enumerate(_items(data), 1):
        if not isinstance(item, dict):
            parsed.issues.append(Issue(f"aanbod {index}", "geen object", None, True))
            continue
        ref = f"aanbod {item['id']}" if item.get("id") not in (None, "") else f"aanbod nr. {index}"
        raw, places = to_draft(item, ref, rubrics, parsed.issues)
        if raw is None:
            continue
        wanted = f"sk-{item['id']}" if item.get("id") not in (None, "") else ""
        sid = service_id(None, ref, wanted or f"{raw.get('organisation', '')} {raw.get('name', '')}",
                         taken, parsed.issues)
        raw = {"id": sid, **raw}
        draft = Draft(ref, rid, raw)
        parsed.drafts.append(draft)
        built.append((draft, places))
    if built:
        add_built_region(parsed, (rid, name), built)
    return parsed


SK_FIELD_LABELS = {"organisation": "organisation.name", "summary": "description", "themes": "rubrics",
                   "phone": "phones", "email": "emails", "url": "websites", "location": "addresses",
                   "hours": "openingHours", "area": "addresses.municipality", "contact": "phones/emails/websites"}


def field_label(name: str) -> str:
    return SK_FIELD_LABELS.get(name, SK_FIELD_LABELS.get(name.split(".")[0], name))
