"""HSDS tabular data (one CSV file per object type plus datapackage.json) made into nested services.

The rows are joined by their foreign keys into the shape of the HSDS JSON (a service with its
phones, contacts, schedules, locations and addresses ...), so the one service reader maps both
forms. Every object built from a row remembers "file rij N", so a report names file, row and column.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .hsds_reader import SOURCE_KEY
from .importing import Issue, SourceError
from .spreadsheet import read_table

DATAPACKAGE = "datapackage.json"
# resource name -> the file HSDS gives it when datapackage.json does not say otherwise
DEFAULT_PATHS = {
    "service": "services.csv", "organization": "organizations.csv", "phone": "phones.csv",
    "contact": "contacts.csv", "schedule": "schedules.csv", "service_area": "service_areas.csv",
    "service_at_location": "service_at_location.csv", "location": "locations.csv", "address": "addresses.csv",
    "language": "languages.csv", "cost_option": "cost_options.csv", "required_document": "required_documents.csv",
    "attribute": "attributes.csv", "taxonomy_term": "taxonomy_terms.csv", "accessibility": "accessibility.csv",
    "funding": "funding.csv", "program": "programs.csv",
}
Row = dict[str, Any]


def is_tabular(folder: Path) -> bool:
    return (folder / DATAPACKAGE).exists() or (folder / DEFAULT_PATHS["service"]).exists()


def _paths(folder: Path) -> dict[str, Path]:
    paths = {name: folder / file for name, file in DEFAULT_PATHS.items()}
    package = folder / DATAPACKAGE
    if package.exists():
        try:
            data = json.loads(package.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SourceError(f"{package} is geen geldige JSON: {exc}") from None
        resources = data.get("resources") if isinstance(data, dict) else None
        for resource in resources if isinstance(resources, list) else []:
            if isinstance(resource, dict) and isinstance(resource.get("name"), str) and \
                    isinstance(resource.get("path"), str) and not Path(resource["path"]).is_absolute() and \
                    ".." not in Path(resource["path"]).parts:
                paths[resource["name"]] = folder / resource["path"]
    return paths


def _rows(path: Path, issues: list[Issue]) -> list[Row]:
    if not path.exists():
        return []
    try:
        header, body = read_table(path, issues)
    except SourceError as exc:
        issues.append(Issue(path.name, str(exc)))
        return []
    rows: list[Row] = []
    for number, cells in body:
        if not any(c.strip() for c in cells):
            continue
        row: Row = {SOURCE_KEY: f"{path.name} rij {number}"}
        for i, column in enumerate(header):
            if column and i < len(cells) and cells[i].strip() != "":
                row.setdefault(column, cells[i].strip())
        if len(cells) > len(header):
            issues.append(Issue(f"{path.name} rij {number}", f"{len(cells) - len(header)} cel(len) meer dan "
                                "kolommen in de kopregel; niet overgenomen"))
        rows.append(row)
    return rows


def _by(rows: list[Row], key: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for row in rows:
        if row.get(key):
            out.setdefault(str(row[key]), []).append(row)
    return out


def load(folder: Path, issues: list[Issue]) -> tuple[list[tuple[str, Row]], dict[str, Row], dict[str, Row]]:
    """(record ref, nested service) for every services row; organizations and taxonomy terms by id."""
    paths = _paths(folder)
    if not paths["service"].exists():
        raise SourceError(f"{folder}: geen {paths['service'].name} (HSDS in tabelvorm heeft een services-tabel)")
    t = {name: _rows(path, issues) for name, path in paths.items() if name in DEFAULT_PATHS}
    organizations = {str(r["id"]): r for r in t["organization"] if r.get("id")}
    terms = {str(r["id"]): r for r in t["taxonomy_term"] if r.get("id")}
    locations = {str(r["id"]): r for r in t["location"] if r.get("id")}
    addresses = _by(t["address"], "location_id")
    phones_of = {key: _by(t["phone"], key) for key in ("service_id", "contact_id", "location_id")}
    contacts_of = _by(t["contact"], "service_id")
    for location_id, location in locations.items():
        location["addresses"] = addresses.get(location_id, [])
        location["phones"] = [p for p in phones_of["location_id"].get(location_id, []) if not p.get("service_id")]
    for contact in t["contact"]:
        contact["phones"] = phones_of["contact_id"].get(str(contact.get("id")), [])
    children = {key: _by(t[name], "service_id") for key, name in (
        ("schedules", "schedule"), ("service_areas", "service_area"), ("languages", "language"),
        ("cost_options", "cost_option"), ("required_documents", "required_document"))}
    attributes = _by(t["attribute"], "link_id")
    sal_rows = _by(t["service_at_location"], "service_id")
    records: list[tuple[str, Row]] = []
    used_phones = {id(p) for c in t["contact"] for p in c["phones"]}
    for service in t["service"]:
        sid = str(service.get("id") or "")
        service["phones"] = [p for p in phones_of["service_id"].get(sid, []) if id(p) not in used_phones]
        service["contacts"] = contacts_of.get(sid, [])
        for key, rows in children.items():
            service[key] = rows.get(sid, [])
        service["attributes"] = attributes.get(sid, [])
        for attribute in service["attributes"]:
            linked = terms.get(str(attribute.get("taxonomy_term_id")))
            if linked is not None:
                attribute["taxonomy_term"] = linked
        sals = []
        for sal in sal_rows.get(sid, []):
            place = locations.get(str(sal.get("location_id")))
            if place is not None:
                sal["location"] = place
            sals.append(sal)
        service["service_at_locations"] = sals
        org = organizations.get(str(service.get("organization_id")))
        if org is not None:
            service["organization"] = org
        records.append((service[SOURCE_KEY], service))
    _report_orphans(t, issues)
    return records, organizations, terms


# How each table hangs on the others: (resource, column, resource the column points to)
_LINKS = (("phone", ("service_id", "contact_id", "location_id"), ("service", "contact", "location")),
          ("contact", ("service_id",), ("service",)), ("schedule", ("service_id",), ("service",)),
          ("service_area", ("service_id",), ("service",)), ("language", ("service_id",), ("service",)),
          ("cost_option", ("service_id",), ("service",)), ("required_document", ("service_id",), ("service",)),
          ("attribute", ("link_id",), ("service",)), ("service_at_location", ("service_id",), ("service",)),
          ("address", ("location_id",), ("location",)))


def _report_orphans(t: dict[str, list[Row]], issues: list[Issue]) -> None:
    """A row that points at no service (or contact, location) of the data set is said, not lost."""
    ids = {name: {str(r["id"]) for r in rows if r.get("id")} for name, rows in t.items()}
    for name, columns, targets in _LINKS:
        for row in t[name]:
            links = [(c, str(row[c])) for c in columns if row.get(c)]
            if any(row.get(c) and str(row[c]) in ids[target] for c, target in zip(columns, targets, strict=True)):
                continue
            shown = ", ".join(f"{c} {v[:40]}" for c, v in links) or "geen " + " of ".join(columns)
            issues.append(Issue(str(row[SOURCE_KEY]), f"hoort bij geen enkele rij van de gegevens ({shown})",
                                None, True))
