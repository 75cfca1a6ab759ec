"""Import health and welfare offers of De Sociale Kaart (the Flemish directory), in the API's own shape.

The shape is the one public code that calls `/api/health-offers` of desocialekaart.be reads
(for example the R scripts in the public repository joostschouppe/NCCN-anchor-processing):

  {"content": [offer, ...], "page": {"size": .., "totalElements": .., "totalPages": .., "number": ..}}
  or, HAL style, {"_embedded": {"<name>": [offer, ...]}, "page": {...}}; a bare list is read too.

  offer = {
    "id": {"id": 900001, "authenticSource": "..."},
    "legalName": {"description": "Sociaal Huis Beekveld"},
    "type": "...", "state": "ACTIVE", "verified": true, "links": [...],
    "addresses": [{"primary": true, "street": {"name": {"description": "Dorpsplein"}}, "number": "1",
                   "box": null, "municipality": {"postalCode": "9830", "name": {"description": "Beekveld"}},
                   "location": {"lat": 51.01, "lon": 3.61}}],
    "contactInfo": {"phones": [{"value": "09 999 40 01", "primary": true}],
                    "emails": [{"value": "...", "primary": true}],
                    "websites": [{"value": "www.beekveld.example", "primary": true}]},
    "activities": [{"name": {"description": "10.07.02. Groepsopvang voor kinderen"}}]
  }

The name is `legalName.description` (there is no separate organisation object, so it is the
organisation too); rubrics (the activities, with or without their code) become theme ids through
sociale_kaart_rubrieken.yaml; the `primary` phone, e-mail, website and address come first.
De Sociale Kaart lists offices, not people: an imported entry has no contact.name, and that
absence is the documented marker that a named contact person still has to be added (see
needs_named_contact). Nothing is made up: no name, no last_verified.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .importing import (
    Draft,
    Issue,
    Parsed,
    SourceError,
    add_built_region,
    read_text,
    region_from_name,
    service_id,
    slugify,
    summarize,
)
from .places import join_address
from .rubrics import RubricMap
from .values import coordinates, html_to_text, is_belgian, looks_like_html

# Keys read below, and bookkeeping of the directory itself (links, verification flag, record type).
_KNOWN_KEYS = frozenset({"id", "legalName", "description", "addresses", "activities", "contactInfo", "state",
                         "links", "verified", "type", "_links"})
_STATE = {"active": "active", "actief": "active", "inactive": "inactive", "inactief": "inactive",
          "stopped": "inactive", "gestopt": "inactive", "closed": "inactive", "gesloten": "inactive",
          "ended": "inactive", "archived": "inactive", "temporarily_closed": "temporarily-closed",
          "temporarily closed": "temporarily-closed", "tijdelijk gesloten": "temporarily-closed",
          "suspended": "temporarily-closed"}
_RUBRIC_CODE = re.compile(r"^\s*(?P<code>\d{1,2}(?:\.\d{1,2})*)\.?\s+(?P<label>\S.*)$")


def _items(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if isinstance(data.get("content"), list):
            return list(data["content"])
        embedded = data.get("_embedded")
        if isinstance(embedded, dict):
            lists = [v for v in embedded.values() if isinstance(v, list)]
            if lists:
                return [item for found in lists for item in found]
    raise SourceError("verwacht aanbod van De Sociale Kaart: 'content' met 'page', of een HAL-lijst '_embedded'")


def _desc(value: Any) -> str | None:
    """Texts come as {"description": "..."}; a bare string or number is taken as it is."""
    if isinstance(value, dict):
        value = value.get("description")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        return None
    text = html_to_text(value) if looks_like_html(value) else value
    return text.strip() or None


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "" or value == {}:
        return []
    return value if isinstance(value, list) else [value]


def _primary_first(entries: list[Any]) -> list[tuple[int, Any]]:
    indexed = list(enumerate(entries))
    return sorted(indexed, key=lambda e: not (isinstance(e[1], dict) and e[1].get("primary") is True))


def rubric_parts(text: str) -> tuple[str | None, str]:
    """'10.07.02. Groepsopvang voor kinderen' -> ('10.07.02', 'Groepsopvang voor kinderen')."""
    m = _RUBRIC_CODE.match(text)
    return (m["code"], m["label"].strip()) if m else (None, text.strip())


def themes_of_rubric(rubrics: RubricMap, text: str) -> tuple[str, ...]:
    """By the full text, the label without its code, the code, then the code's parents (10.07, 10)."""
    code, label = rubric_parts(text)
    found = rubrics.themes_for(text) or rubrics.themes_for(label)
    while not found and code:
        found = rubrics.themes_for(code)
        code = code.rsplit(".", 1)[0] if "." in code else None
    return found


class _Offer:
    def __init__(self, item: dict[str, Any], ref: str, rubrics: RubricMap) -> None:
        self.item, self.ref, self.rubrics = item, ref, rubrics
        self.issues: list[Issue] = []
        self.raw: dict[str, Any] = {}
        self.paths: dict[str, str] = {}
        self.places: list[tuple[str, str]] = []

    def note(self, message: str, path: str | None, skipped: bool = False) -> None:
        self.issues.append(Issue(self.ref, message, path, skipped))

    def read(self) -> dict[str, Any] | None:
        item = self.item
        name = _desc(item.get("legalName"))
        if item.get("legalName") not in (None, "") and name is None:
            self.note("verwacht {\"description\": \"naam\"}; niet overgenomen", "legalName")
        self.raw["organisation"] = self.raw["name"] = name
        self.paths.update(organisation="legalName.description", name="legalName.description")
        labels = self._activities()
        if labels is None:
            return None
        description = _desc(item.get("description"))
        if description:
            self.raw["summary"] = summarize(description)
            if self.raw["summary"] != description:
                self.raw["description"] = description
            self.paths["summary"] = self.paths["description"] = "description"
        elif labels:
            self.raw["summary"] = summarize("; ".join(labels))
            self.paths["summary"] = "activities"
            self.note("geen beschrijving: de activiteiten staan voorlopig als samenvatting; vul ze aan",
                      "activities")
        elif name:
            self.raw["summary"] = name
            self.paths["summary"] = "legalName.description"
            self.note("geen beschrijving: de naam staat voorlopig als samenvatting", "description")
        self._contact_info()
        self._addresses()
        if not self._state():
            return None
        unused = sorted(str(k) for k, v in item.items() if k not in _KNOWN_KEYS and v not in (None, "", [], {}))
        if unused:
            self.note("velden zonder plaats in de kennisbank niet overgenomen: " + ", ".join(unused), None)
        return {k: v for k, v in self.raw.items() if v not in (None, "", [], {})}

    def _activities(self) -> list[str] | None:
        labels: list[str] = []
        themes: list[str] = []
        activities = _as_list(self.item.get("activities"))
        for i, activity in enumerate(activities):
            text = _desc(activity.get("name")) if isinstance(activity, dict) else _desc(activity)
            if not text:
                self.note(f"activiteit zonder naam ({json.dumps(activity, ensure_ascii=False)[:40]}); niet "
                          "overgenomen", f"activities[{i}].name")
                continue
            label = rubric_parts(text)[1]
            if label not in labels:
                labels.append(label)
            mapped = themes_of_rubric(self.rubrics, text)
            if not mapped:
                self.note(f"rubriek '{text[:80]}' hoort bij geen thema (vul sociale_kaart_rubrieken.yaml aan)",
                          f"activities[{i}].name")
            themes.extend(t for t in mapped if t not in themes)
        self.paths["themes"] = "activities"
        if not themes:
            why = ("geen enkele rubriek hoort bij een thema: " + ", ".join(labels)) if labels else "geen activiteiten"
            self.note(why, "activities", True)
            return None
        self.raw["themes"] = themes
        return labels

    def _contact_info(self) -> None:
        info = self.item.get("contactInfo")
        if info in (None, "", {}):
            return
        if not isinstance(info, dict):
            self.note("verwacht een object met phones, emails en websites; niet overgenomen", "contactInfo")
            return
        for key, field, label in (("phones", "phone", "telefoonnummer"), ("emails", "email", "e-mailadres"),
                                  ("websites", "url", "website")):
            values: list[tuple[str, str]] = []
            for i, entry in _primary_first(_as_list(info.get(key))):
                path = f"contactInfo.{key}[{i}]"
                value = entry.get("value") if isinstance(entry, dict) else entry
                if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
                    if value not in (None, ""):
                        self.note(f"verwacht een tekst in 'value', niet {json.dumps(value, ensure_ascii=False)[:40]}"
                                  "; niet overgenomen", path)
                    continue
                text = str(value).strip()
                if field == "url" and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
                    text = "https://" + text  # the directory often writes www.example.be
                values.append((text, f"{path}.value"))
            if values:
                self.raw[field], self.paths[field] = values[0]
            for extra, path in values[1:]:
                if extra != values[0][0]:
                    self.note(f"extra {label} '{extra}' niet overgenomen (één per dienst)", path)
        unused = sorted(str(k) for k, v in info.items()
                        if k not in ("phones", "emails", "websites") and v not in (None, "", [], {}))
        if unused:
            self.note("velden zonder plaats in de kennisbank niet overgenomen: " + ", ".join(unused), "contactInfo")

    def _address(self, a: dict[str, Any]) -> tuple[str | None, str | None, str | None, bool]:
        """(address text, postcode, municipality, Belgian) of one address object."""
        street = a.get("street")
        street_name = _desc(street.get("name")) if isinstance(street, dict) else _desc(street)
        number = _desc(a.get("number"))
        box = _desc(a.get("box"))
        line = " ".join(t for t in (street_name, number) if t) + (f" bus {box}" if box else "")
        municipality = a.get("municipality")
        postcode = city = None
        if isinstance(municipality, dict):
            postcode, city = _desc(municipality.get("postalCode")), _desc(municipality.get("name"))
        elif municipality not in (None, ""):
            city = _desc(municipality)
        country = a.get("country")
        country_text = _desc(country.get("name") if isinstance(country, dict) and "name" in country else country)
        belgian = is_belgian(country_text)
        text = join_address(line, postcode, city) or None
        if text and not belgian:
            text = f"{text}, {country_text}"
        return text, postcode, city, belgian

    def _addresses(self) -> None:
        entries = _as_list(self.item.get("addresses"))
        chosen = False
        for i, a in _primary_first(entries):
            path = f"addresses[{i}]"
            if not isinstance(a, dict):
                self.note(f"adres is geen object ({json.dumps(a, ensure_ascii=False)[:40]}); niet overgenomen", path)
                continue
            text, postcode, city, belgian = self._address(a)
            if not text:
                self.note("adres zonder straat, postcode of gemeente; niet overgenomen", path)
                continue
            if belgian and postcode:
                self.places.append((postcode, city or ""))
            elif not belgian:
                self.note(f"adres in het buitenland '{text}': niet als gemeente van de regio gebruikt", path)
            if chosen:
                self.note(f"extra adres '{text}' niet als locatie overgenomen (wel als gebied)", path)
                continue
            chosen = True
            location: dict[str, Any] = {"address": text}
            self.paths["location"] = self.paths["location.address"] = path
            loc = a.get("location")
            if isinstance(loc, dict) and (loc.get("lat", loc.get("latitude")) is not None or
                                          loc.get("lon", loc.get("longitude")) is not None):
                try:
                    location["lat"], location["lon"] = coordinates(loc.get("lat", loc.get("latitude")),
                                                                   loc.get("lon", loc.get("longitude")))
                    self.paths["location.lat"] = self.paths["location.lon"] = f"{path}.location"
                except ValueError as exc:
                    self.note(f"{exc}; coördinaten niet overgenomen", f"{path}.location")
            self.raw["location"] = location

    def _state(self) -> bool:
        state = self.item.get("state")
        if state in (None, ""):
            return True
        text = (_desc(state) or "").strip().lower()
        status = _STATE.get(text)
        if status is None:
            self.note(f"onbekende status '{str(state)[:40]}' (verwacht bv. ACTIVE of INACTIVE)", "state", True)
            return False
        self.raw["status"], self.paths["status"] = status, "state"
        return True


def _offer_id(item: dict[str, Any]) -> str | None:
    value = item.get("id")
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return slugify(str(value)) or None


def offer_ref(item: Any, index: int) -> str:
    """How the report names an offer: by its id in the directory, else by its place in the list."""
    oid = _offer_id(item) if isinstance(item, dict) else None
    return f"aanbod {oid}" if oid else f"aanbod nr. {index}"


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
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path} is geen geldige JSON (regel {exc.lineno}): {exc.msg}") from None
    rubrics = rubrics or RubricMap.load()
    rid, name = region_from_name(region)
    parsed = Parsed()
    built: list[tuple[Draft, list[tuple[object, str]]]] = []
    taken: set[str] = set()
    for index, item in enumerate(_items(data), 1):
        if not isinstance(item, dict):
            parsed.issues.append(Issue(f"aanbod nr. {index}", "geen object", None, True))
            continue
        oid = _offer_id(item)
        ref = offer_ref(item, index)
        offer = _Offer(item, ref, rubrics)
        raw = offer.read()
        parsed.issues.extend(offer.issues)
        if raw is None:
            continue
        sid = service_id(None, ref, f"sk-{oid}" if oid else f"{raw.get('organisation', '')} {raw.get('name', '')}",
                         taken, parsed.issues)
        draft = Draft(ref, rid, {"id": sid, **raw}, offer.paths)
        parsed.drafts.append(draft)
        built.append((draft, list(offer.places)))
    if built:
        add_built_region(parsed, (rid, name), built)
    return parsed


SK_FIELD_LABELS = {"organisation": "legalName.description", "name": "legalName.description", "summary": "description",
                   "themes": "activities", "phone": "contactInfo.phones", "email": "contactInfo.emails",
                   "url": "contactInfo.websites", "location": "addresses", "area": "addresses.municipality",
                   "contact": "contactInfo", "status": "state"}


def field_label(name: str) -> str:
    return SK_FIELD_LABELS.get(name, SK_FIELD_LABELS.get(name.split(".")[0], name))
