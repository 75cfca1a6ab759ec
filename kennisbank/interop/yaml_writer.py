"""Write a KnowledgeBase back to region files that `welzijnsbot check` accepts, one per region.

The output follows shared/kennisbank-format.md to the letter (fields in the contract's order,
ISO dates, phones in international notation, `area` as it was written), so an exported or
imported region reads like a hand-made one and a diff against the original shows only real changes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from kennisbank import practical
from kennisbank.schema import SCHEMA_VERSION, KnowledgeBase, Region, Service

HEADER = ("# Regio-bestand van Welzijnsbot (kennisbank schema 1), geschreven door welzijnsbot.\n"
          "# Controleer met: welzijnsbot check --kb <map>\n")


class _FlowList(list[Any]):
    """A short list of words, written on one line: themes: [schulden, inkomen]."""


class _FlowMap(dict[str, Any]):
    """A small mapping written on one line, as in the contract: {name: Lindegem, postcodes: [9801]}."""


# The C dumper when libyaml is there (much faster), else the pure-Python one: the same output.
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[valid-type,misc]  # chosen at import time, see above
    pass


class _Long(str):
    """A longer text (description), folded over lines as people write it: description: >-"""


class _Quoted(str):
    """A phone number, quoted as in the contract so no reader ever takes it for a number."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _long(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    plain = str(value)
    # Folding cannot keep leading/trailing or double spaces exactly; those stay on one line.
    foldable = "\n" not in plain and "  " not in plain and plain == plain.strip() and len(plain) > 90
    style = "|" if "\n" in plain else (">" if foldable else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", plain, style=style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Long, _long)
_Dumper.add_representer(_Quoted, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v), style='"'))
_Dumper.add_representer(_FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(_FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(),
                                                                   flow_style=True))


def phone_text(e164: str) -> str:
    """International notation with spaces (+32 9 999 10 10): E.164, and readable in the file."""
    if not e164.startswith("+"):
        return e164  # a Belgian short number (1712) has no international form
    try:
        number = phonenumbers.parse(e164, "BE")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _phone(e164: str) -> _Quoted:
    return _Quoted(phone_text(e164))


def _area_entry(entry: str) -> int | str:
    return int(entry) if entry.isdigit() else entry


def service_mapping(service: Service) -> dict[str, Any]:
    """The service as the contract writes it: contract order, optional fields only when set."""
    s = service
    out: dict[str, Any] = {"id": s.id, "organisation": s.organisation}
    if s.organisation_id:
        out["organisation_id"] = s.organisation_id
    out.update({"name": s.name, "summary": s.summary})
    if s.description:
        out["description"] = _Long(s.description)
    out["themes"] = _FlowList(s.themes)
    if s.keywords:
        out["keywords"] = _FlowList(s.keywords)
    if s.audience:
        out["audience"] = _FlowList(s.audience)
    out["area"] = "all" if s.area == "all" else _FlowList(_area_entry(a) for a in s.area)
    contact = {k: v for k, v in (("name", s.contact.name), ("role", s.contact.role),
                                 ("phone", s.contact.phone and _phone(s.contact.phone)),
                                 ("email", s.contact.email)) if v}
    if contact:
        out["contact"] = contact
    if s.phone:
        out["phone"] = _phone(s.phone)
    if s.email:
        out["email"] = s.email
    if s.url:
        out["url"] = s.url
    if s.location is not None:
        out["location"] = {k: v for k, v in (("address", s.location.address), ("lat", s.location.lat),
                                             ("lon", s.location.lon)) if v is not None}
    if s.schedule is not None:
        hours = practical.hours_block(s.schedule)
        out["hours"] = hours if isinstance(hours, str) else {
            k: [_FlowMap(r) for r in v] if k in ("open", "closed") and isinstance(v, list) else v
            for k, v in hours.items()}
    elif s.hours:
        out["hours"] = s.hours
    if s.languages:
        out["languages"] = _FlowList(s.languages)
    if s.price is not None:
        cost = practical.cost_block(s.price)
        out["cost"] = cost if isinstance(cost, str) else _FlowMap(cost)
    elif s.cost:
        out["cost"] = s.cost
    if s.bring:
        out["bring"] = _FlowList(s.bring)
    if s.access:
        out["access"] = _FlowList(s.access)
    if s.how:
        out["how"] = s.how
    if s.i18n:
        out["i18n"] = {lang: _FlowMap(texts) for lang, texts in s.i18n.items()}
    if s.status != "active":
        out["status"] = s.status
    if s.last_verified:
        out["last_verified"] = s.last_verified
    if s.urgent:
        out["urgent"] = True
    return out


def region_mapping(region: Region) -> dict[str, Any]:
    return {
        "id": region.id,
        "name": region.name,
        "example": region.example,
        "municipalities": [_FlowMap(name=m.name, postcodes=_FlowList(m.postcodes))
                           for m in region.municipalities],
    }


FOLD_WIDTH = 100
_NO_WRAP = 1 << 20  # one line per value (summary, keywords ...), as people write them


def _dump(data: Any, width: int = _NO_WRAP) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=width)


def _placeholder(index: int) -> str:
    return f"WELZIJNSBOT-DESCRIPTION-{index}"


def _with_folded_descriptions(text: str, descriptions: list[str]) -> str:
    """Put each long description back as a folded block of ~100 columns.

    The block is dumped by PyYAML on its own (so its quoting and folding are the library's)
    and only indented as a whole, which keeps a block scalar's meaning.
    """
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        key, _, value = line.strip().partition(": ")
        if key == "description" and value.startswith("WELZIJNSBOT-DESCRIPTION-"):
            indent = line[: len(line) - len(line.lstrip(" "))]
            block = _dump({"description": _Long(descriptions[int(value.rsplit("-", 1)[1])])}, FOLD_WIDTH)
            out.extend(indent + b if b.strip() else b for b in block.splitlines(keepends=True))
        else:
            out.append(line)
    return "".join(out)


def region_text(region: Region, services: list[Service]) -> str:
    """One region file; services separated by a blank line, as people write them."""
    head = _dump({"schema": SCHEMA_VERSION, "region": region_mapping(region)})
    if not services:
        return HEADER + head + "services: []\n"
    mappings: list[dict[str, Any]] = []
    descriptions: list[str] = []
    for service in services:
        mapping = service_mapping(service)
        if "description" in mapping:
            mapping["description"] = _placeholder(len(descriptions))
            descriptions.append(service.description or "")
        mappings.append(mapping)
    body = _with_folded_descriptions(_dump(mappings), descriptions)
    lines = []
    for line in body.splitlines(keepends=True):
        if line.startswith("- "):  # a new service: everything inside it is indented further
            lines.append("\n")
        lines.append("  " + line if line.strip() else line)
    return HEADER + head + "\nservices:\n" + "".join(lines)


def services_by_region(kb: KnowledgeBase) -> dict[str, list[Service]]:
    grouped: dict[str, list[Service]] = {rid: [] for rid in kb.regions}
    for service in kb.services.values():
        grouped.setdefault(service.region_id, []).append(service)
    return grouped


def write_knowledge_base(kb: KnowledgeBase, out_dir: Path) -> list[Path]:
    """Write every region of kb as <region id>.yaml in out_dir; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for rid, services in services_by_region(kb).items():
        path = out_dir / f"{rid}.yaml"
        path.write_text(region_text(kb.regions[rid], services), encoding="utf-8")
        written.append(path)
    return written
