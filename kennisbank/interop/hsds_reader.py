"""One HSDS 3 service, as any publisher may write it, mapped onto the contract.

Whatever the value's type (a multilingual object where text belongs, a number, a list, HTML),
the reader never raises: it takes what the contract can hold and reports the rest. It keeps
track of every field it took, so that anything left in the record is listed by its HSDS path
(`schedules[0].wkst`) or, for tabular HSDS, by file, row and column: nothing is dropped silently.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from kennisbank.schema import AUDIENCES, THEME_IDS

from ..text import count
from .importing import Issue, summarize
from .places import join_address
from .rubrics import RubricMap
from .values import coordinates, country_name, html_to_text, is_belgian, iso639_1, iso_date, looks_like_html, number

EXTENSION = "x_welzijnsbot"
TAX_THEME, TAX_AUDIENCE, TAX_KEYWORD = "welzijnsbot-thema", "welzijnsbot-doelgroep", "welzijnsbot-trefwoord"
SOURCE_KEY = "__bron__"  # tabular HSDS: "phones.csv rij 3", set on each object built from a row
STATUS_IN = {"active": "active", "temporarily closed": "temporarily-closed", "inactive": "inactive",
             "defunct": "inactive", "temporarily-closed": "temporarily-closed"}
# Identifiers, links between objects and change logs: bookkeeping, not data a reader loses.
_BOOKKEEPING = frozenset({"id", "metadata", "last_modified", SOURCE_KEY})
_DAYS = {"MO": "ma", "TU": "di", "WE": "wo", "TH": "do", "FR": "vr", "SA": "za", "SU": "zo"}
_NO_VOICE = frozenset({"fax", "pager"})
_PHONE_RANK = {"voice": 0, "": 0, "cell": 1, "mobile": 1, "text": 2, "sms": 2, "textphone": 3, "video": 3}

Obj = dict[str, Any]


def _is_bookkeeping(key: str) -> bool:
    return key in _BOOKKEEPING or key.endswith("_id")


def sub(obj: Obj, base: str, key: str) -> str:
    """The path of obj[key] in the source's terms."""
    if SOURCE_KEY in obj:
        return f"{obj[SOURCE_KEY]} · kolom {key}"
    return f"{base}.{key}" if base else key


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:60]


@dataclass
class Mapped:
    raw: dict[str, Any]
    places: list[tuple[str, str]]
    paths: dict[str, str]
    issues: list[Issue] = field(default_factory=list)


class ServiceReader:
    def __init__(self, svc: Obj, ref: str, rubrics: RubricMap, terms: dict[str, Obj] | None = None,
                 organizations: dict[str, Obj] | None = None) -> None:
        self.svc, self.ref, self.rubrics = svc, ref, rubrics
        self.terms, self.organizations = terms or {}, organizations or {}
        self.issues: list[Issue] = []
        self.taken: set[tuple[int, str]] = set()
        self.entered: set[int] = set()
        self.raw: dict[str, Any] = {}
        self.paths: dict[str, str] = {}
        self.places: list[tuple[str, str]] = []
        self.how_extra: list[str] = []
        ext = svc.get(EXTENSION)
        self.ext: Obj = ext if isinstance(ext, dict) else {}
        self.own = bool(self.ext)  # written by Welzijnsbot: derived fields are not reported as lost
        self._seen: set[str] | None = None  # texts of the objects read, to recognise repeated ones

    # ── reading values ──────────────────────────────────────────────────────────────────

    def note(self, message: str, path: str | None) -> None:
        self.issues.append(Issue(self.ref, message, path))

    def take(self, obj: Obj, key: str) -> Any:
        self.entered.add(id(obj))
        self.taken.add((id(obj), key))
        return obj.get(key)

    def text(self, obj: Obj, key: str, base: str, *, i18n_key: str | None = None) -> str | None:
        """Text of obj[key]; numbers become text, HTML plain text, a multilingual object its Dutch text."""
        value = self.take(obj, key)
        path = sub(obj, base, key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            self.note(f"verwacht tekst, niet {_shown(value)}; niet overgenomen", path)
            return None
        if isinstance(value, (int, float)):
            return str(value)
        if isinstance(value, dict):
            return self._multilingual(value, path, i18n_key)
        if isinstance(value, list):
            self.note(f"verwacht tekst, niet een lijst ({_shown(value)}); niet overgenomen", path)
            return None
        text = str(value)
        if looks_like_html(text):
            plain = html_to_text(text)
            if plain != text.strip():
                self.note("HTML omgezet naar platte tekst", path)
            text = plain
        return text.strip() or None

    def _multilingual(self, value: Obj, path: str, i18n_key: str | None) -> str | None:
        texts: dict[str, str] = {}
        bad: list[str] = []
        for lang, text in value.items():
            try:
                code = iso639_1(str(lang))
            except ValueError:
                bad.append(str(lang))
                continue
            if isinstance(text, str) and text.strip():
                plain = html_to_text(text) if looks_like_html(text) else text.strip()
                texts.setdefault(code, plain)
            elif text not in (None, ""):
                bad.append(str(lang))
        if bad:
            self.note(f"verwacht tekst of per taal een tekst; niet overgenomen: {', '.join(bad)[:80]}", path)
        dutch = texts.pop("nl", None)
        for code, text in texts.items():
            if i18n_key:
                entry = self.raw.setdefault("i18n", {}).setdefault(code, {})
                if i18n_key == "summary":
                    made = summarize(text)
                    entry["summary"] = made
                    if made != text:
                        entry["description"] = text
                else:
                    entry[i18n_key] = text
                self.paths.setdefault("i18n", path)
            else:
                self.note(f"tekst in taal '{code}' niet overgenomen (de kennisbank heeft hier enkel Nederlands)",
                          path)
        if dutch is None and (texts or not bad):
            self.note("geen Nederlandse tekst ('nl'); niet overgenomen", path)
        return dutch

    def objects(self, obj: Obj, key: str, base: str) -> list[tuple[Obj, str]]:
        """(object, path) of the HSDS objects under key; one object where a list belongs still counts."""
        items = self.take(obj, key)
        path = sub(obj, base, key)
        if items is None or items == [] or items == "" or items == {}:
            return []
        if isinstance(items, dict):
            self.entered.add(id(items))
            return [(items, items.get(SOURCE_KEY) or path)]
        if not isinstance(items, list):
            self.note(f"verwacht een lijst van objecten, niet {_shown(items)}; niet overgenomen", path)
            return []
        self.entered.add(id(items))
        out: list[tuple[Obj, str]] = []
        bad = 0
        for i, item in enumerate(items):
            if isinstance(item, dict):
                self.entered.add(id(item))
                out.append((item, item.get(SOURCE_KEY) or f"{path}[{i}]"))
            elif item not in (None, ""):
                bad += 1
        if bad:
            first = next(i for i in items if not isinstance(i, dict) and i not in (None, ""))
            what = count(bad, "element is", "elementen zijn")
            self.note(f"{what} geen object (bv. {_shown(first)[:40]}); niet overgenomen", path)
        return out

    def obj(self, parent: Obj, key: str, base: str) -> tuple[Obj, str] | None:
        value = self.take(parent, key)
        path = sub(parent, base, key)
        if value is None or value == "" or value == {}:
            return None
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
            self.entered.add(id(value))
            value, path = value[0], path + "[0]"
        if not isinstance(value, dict):
            self.note(f"verwacht een object, niet {_shown(value)}; niet overgenomen", path)
            return None
        self.entered.add(id(value))
        return value, value.get(SOURCE_KEY) or path

    def set(self, key: str, value: Any, path: str) -> None:
        if value is None or value == "" or value == [] or value == {}:
            return
        self.raw[key] = value
        self.paths[key] = path

    # ── the service ─────────────────────────────────────────────────────────────────────

    def read(self) -> Mapped:
        svc, ext = self.svc, self.ext
        self.entered.add(id(svc))
        if self.own:
            self.entered.add(id(ext))
        for key in ("id", "region_id"):
            if self.own:
                self.take(ext, key)
        self._organisation()
        self.set("name", self.text(svc, "name", "", i18n_key="name"), sub(svc, "", "name"))
        self._texts()
        self._attributes()
        alternate = self.text(svc, "alternate_name", "")
        if alternate:
            self.raw.setdefault("keywords", []).append(alternate)
            self.paths.setdefault("keywords", sub(svc, "", "alternate_name"))
        self._area()
        self._contacts()
        self._phone()
        self.set("email", self.text(svc, "email", ""), sub(svc, "", "email"))
        self.set("url", self.text(svc, "url", ""), sub(svc, "", "url"))
        self._locations()
        self._schedules()
        self._languages()
        self._cost()
        docs = [d for o, p in self.objects(svc, "required_documents", "") if (d := self.text(o, "document", p))]
        self.set("bring", docs, sub(svc, "", "required_documents"))
        how = self.text(svc, "application_process", "", i18n_key="how")
        self.set("how", "\n".join(t for t in [how or "", *self.how_extra] if t), sub(svc, "", "application_process"))
        if self.own:
            i18n = self.take(ext, "i18n")
            if isinstance(i18n, dict) and i18n:
                self.raw["i18n"] = i18n
                self.paths["i18n"] = f"{EXTENSION}.i18n"
            if self.take(ext, "urgent"):
                self.raw["urgent"] = True
            access = self.take(ext, "access")
            if isinstance(access, list) and access:
                self.set("access", access, f"{EXTENSION}.access")
        self._status()
        assured = self.take(svc, "assured_date")
        if assured not in (None, ""):
            try:
                self.set("last_verified", iso_date(assured), sub(svc, "", "assured_date"))
            except ValueError as exc:
                self.note(f"{exc}; niet overgenomen", sub(svc, "", "assured_date"))
        left = self.left_over()
        if left:
            self.note("velden zonder plaats in de kennisbank niet overgenomen: " + ", ".join(left), None)
        return Mapped(self.raw, self.places, self.paths, self.issues)

    def _organisation(self) -> None:
        svc = self.svc
        found = self.obj(svc, "organization", "")
        org_id = self.take(svc, "organization_id")
        if found is None and org_id not in (None, "") and str(org_id) in self.organizations:
            org = self.organizations[str(org_id)]
            found = (org, org.get(SOURCE_KEY) or "organizations.json")
        if found is None:
            return
        org, path = found
        self.set("organisation", self.text(org, "name", path), sub(org, path, "name"))
        if self.own:  # our own export writes a description made from the services: nothing to lose
            self.take(org, "description")

    def _texts(self) -> None:
        svc, ext = self.svc, self.ext
        path = sub(svc, "", "description")
        full = self.text(svc, "description", "", i18n_key="summary") or ""
        summary = self.take(ext, "summary") if self.own else None
        if isinstance(summary, str) and summary.strip():
            self.paths["summary"] = f"{EXTENSION}.summary"
            self.raw["summary"] = summary
            if full and full != summary.strip():
                rest = full[len(summary) + 2:] if full.startswith(summary + "\n\n") else full
                self.set("description", rest, path)
            return
        if not full:
            return
        made = summarize(full)
        self.set("summary", made, path)
        if made != full:
            self.set("description", full, path)
            self.note("samenvatting gemaakt uit de beschrijving; lees ze na", path)

    def _attributes(self) -> None:
        themes: list[str] = []
        audience: list[str] = []
        keywords: list[str] = []
        path = sub(self.svc, "", "attributes")
        for attr, apath in self.objects(self.svc, "attributes", ""):
            found = self.obj(attr, "taxonomy_term", apath)
            term_id = self.take(attr, "taxonomy_term_id")
            if found is None and term_id not in (None, "") and str(term_id) in self.terms:
                found = (self.terms[str(term_id)], "taxonomy_terms")
            term, tpath = found if found else ({}, apath)
            if term:
                self.entered.add(id(term))
            taxonomy = str(self.take(term, "taxonomy") or "")
            code = str(self.take(term, "code") or "")
            link_type = self.take(attr, "link_type")
            self.take(attr, "link_entity")
            value = attr.get("value")
            if taxonomy == TAX_KEYWORD and value:
                keywords.append(str(self.take(attr, "value")))
                self._take_term(term)
            elif taxonomy == TAX_AUDIENCE or (code in AUDIENCES and link_type == "audience"):
                audience.append(code)
                self._take_term(term)
            elif taxonomy == TAX_THEME or code in THEME_IDS:
                themes.append(code)
                self._take_term(term)
            else:
                label = str(self.take(term, "name") or code or term_id or "?")
                mapped = self.rubrics.themes_for(label) or (self.rubrics.themes_for(code) if code else ())
                if mapped:
                    themes.extend(t for t in mapped if t not in themes)
                else:
                    self.note(f"taxonomieterm '{label}' hoort bij geen thema (vul sociale_kaart_rubrieken.yaml "
                              "aan)", tpath)
        if SOURCE_KEY in self.svc:
            path = "attributes.csv"
        self.paths.setdefault("themes", path)
        for key, values in (("themes", themes), ("audience", audience), ("keywords", keywords)):
            if values:
                self.raw.setdefault(key, []).extend(v for v in values if v not in self.raw.get(key, []))
                self.paths.setdefault(key, path)

    def _take_term(self, term: Obj) -> None:
        for key in ("name", "description", "language"):
            self.take(term, key)

    def _area(self) -> None:
        areas = self.objects(self.svc, "service_areas", "")
        if self.own:
            area = self.take(self.ext, "area")
            self.set("area", area, f"{EXTENSION}.area")
            for item, _p in areas:
                for key in ("name", "description"):
                    self.take(item, key)
            return
        for item, path in areas:
            name = self.text(item, "name", path) or self.text(item, "description", path)
            if name:
                self.note(f"werkingsgebied '{name[:60]}' niet overgenomen: het gebied komt uit de adressen "
                          "(of vul 'area' aan)", path)

    def _contacts(self) -> None:
        svc = self.svc
        candidates = self.objects(svc, "contacts", "")
        if not candidates:  # contacts of the service at a location, or of the location itself
            for sal, spath in self.objects(svc, "service_at_locations", ""):
                candidates += self.objects(sal, "contacts", spath)
                loc = self.obj(sal, "location", spath)
                if loc:
                    candidates += self.objects(loc[0], "contacts", loc[1])
        if not candidates:
            return
        contact, path = candidates[0]
        name = self.text(contact, "name", path)
        title = self.text(contact, "title", path)
        department = self.text(contact, "department", path)
        role = ", ".join(t for t in (title, department) if t) or None
        email = self.text(contact, "email", path)
        phone = self._pick_phone(self.objects(contact, "phones", path), "de contactpersoon")
        mapped = {k: v for k, v in (("name", name), ("role", role), ("phone", phone[0] if phone else None),
                                    ("email", email)) if v}
        if mapped:
            self.raw["contact"] = mapped
            self.paths.update({"contact": path, "contact.name": sub(contact, path, "name"),
                               "contact.role": sub(contact, path, "title"),
                               "contact.email": sub(contact, path, "email")})
            if phone:
                self.paths["contact.phone"] = phone[1]
        seen = {json.dumps(contact, sort_keys=True, default=str)}
        for extra, epath in candidates[1:]:
            key = json.dumps(extra, sort_keys=True, default=str)
            self.entered.add(id(extra))
            for k in extra:
                self.taken.add((id(extra), k))
            if key in seen:
                continue
            seen.add(key)
            self.note(f"extra contactpersoon '{extra.get('name') or '?'}' niet overgenomen "
                      "(één contactpersoon per dienst)", epath)

    def _pick_phone(self, phones: list[tuple[Obj, str]], whose: str) -> tuple[str, str] | None:
        """The voice number (never a fax) of a list of HSDS phones, (number, path); the rest reported."""
        ranked: list[tuple[int, int, str, str, Obj]] = []
        for i, (phone, path) in enumerate(phones):
            number_ = self.text(phone, "number", path)
            kind = (self.text(phone, "type", path) or "").lower()
            if not number_:
                continue
            ranked.append((_PHONE_RANK.get(kind, 2) if kind not in _NO_VOICE else 9, i, number_,
                           sub(phone, path, "number"), phone))
        ranked.sort(key=lambda r: (r[0], r[1]))
        if not ranked or ranked[0][0] == 9:
            for _r, _i, number_, path, phone in ranked:
                self.note(f"{phone.get('type')}nummer {number_} van {whose} niet overgenomen (geen spraaklijn)", path)
            return None
        _rank, index, chosen, path, phone = ranked[0]
        extension = self.text(phone, "extension", phones[index][1])
        if extension:
            self.how_extra.append(f"Telefoon {chosen}: vraag naar toestel {extension}.")
        seen = {chosen}
        for _r, _i, number_, epath, extra in ranked[1:]:
            if number_ in seen:
                continue
            seen.add(number_)
            kind = str(extra.get("type") or "telefoon")
            self.note(f"extra {kind}nummer {number_} van {whose} niet overgenomen (één nummer)", epath)
        return chosen, path

    def _at_locations(self, key: str) -> list[tuple[dict[str, Any], str]]:
        """The `key` objects of the service's locations (service_at_locations and their location),
        for a service that has none of its own."""
        found: list[tuple[dict[str, Any], str]] = []
        for sal, spath in self.objects(self.svc, "service_at_locations", ""):
            found += self.objects(sal, key, spath)
            loc = self.obj(sal, "location", spath)
            if loc:
                found += self.objects(loc[0], key, loc[1])
        return found

    def _phone(self) -> None:
        phones = self.objects(self.svc, "phones", "")
        whose = "de dienst"
        if not phones:
            phones, whose = self._at_locations("phones"), "de locatie"
        picked = self._pick_phone(phones, whose)
        if picked:
            self.set("phone", picked[0], picked[1])

    def _locations(self) -> None:
        svc = self.svc
        visit: tuple[str, str, int] | None = None
        found_coords: dict[int, tuple[float, float, str]] = {}
        extra_lines: list[tuple[str, str]] = []
        sals = self.objects(svc, "service_at_locations", "")
        for sal, spath in sals:
            found = self.obj(sal, "location", spath)
            if not found:
                continue
            loc, lpath = found
            kind = (self.text(loc, "location_type", lpath) or "physical").lower()
            loc_name = self.text(loc, "name", lpath)
            addresses = self.objects(loc, "addresses", lpath)
            physical = []
            other = []
            for address, apath in addresses:
                atype = (self.text(address, "address_type", apath) or "physical").lower()
                text, place, country = self._address(address, apath)
                if not text:
                    continue
                if atype != "physical" or kind == "virtual":
                    other.append((atype, text, apath))
                else:
                    physical.append((text, place, country, apath))
            for atype, text, apath in other:
                what = {"postal": "postadres", "virtual": "virtueel adres"}.get(atype, f"adres ({atype})")
                why = (f": locatie '{loc_name or '?'}' is een fysieke locatie (location_type 'physical') maar heeft "
                       "geen bezoekadres" if kind == "physical" and not physical else "")
                self.note(f"{what} '{text}' niet als bezoekadres overgenomen{why}", apath)
            for text, place, country, apath in physical:
                if place is not None:
                    self.places.append(place)
                if visit is None:
                    visit = (text, apath, id(loc))
                    if country:
                        self.note(f"adres in {country}: als bezoekadres overgenomen, niet als gemeente van de "
                                  "regio", apath)
                else:
                    extra_lines.append((text, apath))
            lat, lon = self.take(loc, "latitude"), self.take(loc, "longitude")
            if lat in (None, "") and lon in (None, ""):
                continue
            try:
                la, lo = coordinates(lat, lon)
            except ValueError as exc:
                wrong = "longitude" if str(exc).startswith("lengtegraad") else "latitude"
                self.note(f"{exc}; coördinaten niet overgenomen", sub(loc, lpath, wrong))
                continue
            found_coords.setdefault(id(loc), (la, lo, sub(loc, lpath, "latitude")))
        for text, apath in extra_lines:
            self.note(f"extra adres '{text}' niet als locatie overgenomen (één adres per dienst; wel als gebied)",
                      apath)
        # the coordinates of the visiting address's location; without one, those of the first location
        chosen_loc = visit[2] if visit else next(iter(found_coords), None)
        coords = found_coords.get(chosen_loc) if chosen_loc is not None else None
        for loc_key, (_la, _lo, cpath) in found_coords.items():
            if loc_key != chosen_loc:
                self.note("coördinaten van een andere locatie dan het bezoekadres niet overgenomen", cpath)
        if visit is None and coords is None:
            if sals and any(s.get("location") for s, _p in sals):
                self.raw["location"] = {}
            return
        location: dict[str, Any] = {}
        if visit:
            location["address"] = visit[0]
            self.paths["location.address"] = visit[1]
            self.paths["location"] = visit[1]
        if coords:
            location["lat"], location["lon"] = coords[0], coords[1]
            self.paths["location.lat"] = self.paths["location.lon"] = coords[2]
            self.paths.setdefault("location", coords[2])
        self.raw["location"] = location

    def _address(self, address: Obj, path: str) -> tuple[str | None, tuple[str, str] | None, str | None]:
        """(address as the contract writes it, (postcode, city) when Belgian, country name when foreign)."""
        street = ", ".join(t for t in (self.text(address, "address_1", path), self.text(address, "address_2", path))
                           if t)
        postcode = self.text(address, "postal_code", path)
        city = self.text(address, "city", path)
        country = self.text(address, "country", path)
        for key in ("state_province", "region", "attention"):
            self.take(address, key)
        text = join_address(street, postcode, city) or None
        if not is_belgian(country):
            name = country_name(country or "")
            return (f"{text}, {name}" if text else None), None, name
        return text, ((postcode, city or "") if postcode else None), None

    def _own_block(self, ext_key: str, hsds_key: str, raw_key: str) -> bool:
        """Our own export carries the structured field in the extension: take it whole, and the HSDS
        objects that repeat it (for other readers) are read as done."""
        if not self.own or ext_key not in self.ext:
            return False
        value = self.take(self.ext, ext_key)
        for obj, _path in self.objects(self.svc, hsds_key, ""):
            for key in obj:
                self.take(obj, key)
        if value not in (None, "", [], {}):
            self.raw[raw_key] = value
            self.paths[raw_key] = f"{EXTENSION}.{ext_key}"
        return True

    def _schedules(self) -> None:
        if self._own_block("hours", "schedules", "hours"):
            return
        schedules = self.objects(self.svc, "schedules", "") or self._at_locations("schedules")
        pieces: list[str] = []
        for schedule, path in schedules:
            description = self.text(schedule, "description", path)
            rule = self._rule(schedule, path)
            notes = self.text(schedule, "notes", path)
            piece = " ".join(t for t in (description, f"({rule})" if description and rule else rule, notes) if t)
            if piece and piece not in pieces:
                pieces.append(piece)
        self.set("hours", "; ".join(pieces), sub(self.svc, "", "schedules"))

    def _rule(self, schedule: Obj, path: str) -> str | None:
        """'do, vr 10:00-18:00' from byday, opens_at and closes_at."""
        byday = self.text(schedule, "byday", path)
        opens = self.text(schedule, "opens_at", path)
        closes = self.text(schedule, "closes_at", path)
        days = ", ".join(_DAYS.get(d.strip().upper(), d.strip()) for d in byday.split(",")) if byday else ""
        hours = "-".join(t[:5] if len(t) >= 5 and t[2:3] == ":" else t for t in (opens, closes) if t)
        return " ".join(t for t in (days, hours) if t) or None

    def _languages(self) -> None:
        codes: list[str] = []
        for lang, path in self.objects(self.svc, "languages", ""):
            code = self.text(lang, "code", path)
            name = self.text(lang, "name", path)
            if not code:
                self.note(f"taal '{name or '?'}' zonder code niet overgenomen", path)
                continue
            try:
                normal = iso639_1(code)
            except ValueError as exc:
                self.note(f"{exc}; niet overgenomen", sub(lang, path, "code"))
                continue
            if normal not in codes:
                codes.append(normal)
        self.set("languages", codes, sub(self.svc, "", "languages"))

    def _cost(self) -> None:
        if self._own_block("cost", "cost_options", "cost"):
            return
        svc = self.svc
        parts: list[str] = []
        for key in ("fees_description", "fees"):
            text = self.text(svc, key, "")
            if text and text not in parts:
                parts.append(text)
        for option, path in self.objects(svc, "cost_options", ""):
            label = self.text(option, "option", path)
            amount = self.take(option, "amount")
            currency = self.text(option, "currency", path)
            described = self.text(option, "amount_description", path)
            price = None
            if amount not in (None, ""):
                try:
                    value = number(amount)
                    price = f"{value:g} {currency.upper() if currency else ''}".strip()
                except ValueError as exc:
                    self.note(f"{exc}; bedrag niet overgenomen", sub(option, path, "amount"))
            valid = [self.text(option, k, path) for k in ("valid_from", "valid_to")]
            period = (f"van {valid[0]} " if valid[0] else "") + (f"tot {valid[1]}" if valid[1] else "")
            text = " ".join(t for t in (price, described, f"({period.strip()})" if period else None) if t)
            if label:
                text = f"{label}: {text}" if text else label
            if text and text not in parts:
                parts.append(text)
        self.set("cost", "; ".join(parts), sub(svc, "", "cost_options"))

    def _status(self) -> None:
        value = self.take(self.svc, "status")
        if value in (None, ""):
            return
        status = str(value).strip().lower()
        self.set("status", STATUS_IN.get(status, status), sub(self.svc, "", "status"))

    # ── what is left ────────────────────────────────────────────────────────────────────

    def left_over(self) -> list[str]:
        """Paths of non-empty values that were not taken; an object seen elsewhere counts once."""
        out: list[str] = []
        self._seen = None
        self._left(self.svc, "", out)
        return out

    def _read_elsewhere(self, value: Obj) -> bool:
        """HSDS repeats shared objects (one phone under the service, its contact and its location)."""
        if "id" not in value:
            return False
        if self._seen is None:
            self._seen = set()
            stack: list[Any] = [self.svc]
            while stack:
                item = stack.pop()
                if isinstance(item, dict):
                    if id(item) in self.entered and "id" in item:
                        self._seen.add(json.dumps(item, sort_keys=True, default=str))
                    stack.extend(item.values())
                elif isinstance(item, list):
                    stack.extend(item)
        return json.dumps(value, sort_keys=True, default=str) in self._seen

    def _left(self, value: Any, path: str, out: list[str]) -> None:
        if value is None or value == "" or value == [] or value == {}:
            return
        if isinstance(value, dict):
            if id(value) not in self.entered:
                if self._read_elsewhere(value):
                    return  # the same object (same id and fields) was read at another place
                if all(_is_bookkeeping(k) or v in (None, "", [], {}) for k, v in value.items()):
                    return
                out.append(value.get(SOURCE_KEY) or path or "(record)")
                return
            path = value.get(SOURCE_KEY) or path
            for key, item in value.items():
                if (id(value), key) in self.taken and not isinstance(item, (dict, list)):
                    continue
                if _is_bookkeeping(key):
                    continue
                if (id(value), key) in self.taken and id(item) not in self.entered:
                    continue
                self._left(item, sub(value, path, key), out)
        elif isinstance(value, list):
            before = len(out)
            for i, item in enumerate(value):
                self._left(item, item.get(SOURCE_KEY) or f"{path}[{i}]" if isinstance(item, dict) else f"{path}[{i}]",
                           out)
            whole = [f"{path}[{i}]" for i in range(len(value))]
            if id(value) not in self.entered and out[before:] == whole:
                out[before:] = [path]
        else:
            out.append(path)
