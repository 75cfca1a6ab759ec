"""Belgian addresses as the region files write them ("Lindeplein 1, 9801 Lindegem") and the
municipalities an import can derive from them, because a source rarely lists a region's
municipalities but always gives each office's postcode.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from kennisbank import fields
from kennisbank.fields import FieldError

_ADDRESS = re.compile(r"^(?P<street>.+), (?P<postcode>[1-9]\d{3}) (?P<city>\S.*)$")


def split_address(text: str) -> tuple[str, str, str] | None:
    """(street, postcode, city) when the address has the usual shape and joins back exactly."""
    m = _ADDRESS.match(text)
    if not m or join_address(m["street"], m["postcode"], m["city"]) != text:
        return None
    return m["street"], m["postcode"], m["city"]


_PLACE = re.compile(r"(?:^|[\s,])(?P<postcode>[1-9]\d{3})\s+(?P<city>[^\d\s,][^,\d]*?)\s*$")


def postcode_and_city(text: str) -> tuple[str, str] | None:
    """The '9801 Lindegem' at the end of an address, however the street part is written."""
    m = _PLACE.search(text.strip())
    return (m["postcode"], m["city"]) if m else None


def join_address(street: str | None, postcode: str | int | None, city: str | None) -> str:
    place = " ".join(str(p).strip() for p in (postcode, city) if p not in (None, ""))
    return ", ".join(p for p in ((street or "").strip(), place) if p)


def municipalities_from(places: Iterable[tuple[object, str]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Region municipalities from (postcode, city) pairs, in first-seen order; bad postcodes listed."""
    found: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    owner: dict[int, str] = {}
    bad: list[str] = []
    for code, city in places:
        city = (city or "").strip()
        try:
            pc = fields.postcode(code)
        except FieldError as exc:
            bad.append(str(exc))
            continue
        if not city:
            bad.append(f"postcode {pc} zonder gemeente")
            continue
        key = city.lower()
        if pc in owner and owner[pc] != key:
            continue  # one postcode, two spellings: the first one wins
        names.setdefault(key, city)
        owner[pc] = key
        if pc not in found.setdefault(key, []):
            found[key].append(pc)
    return [{"name": names[k], "postcodes": sorted(v)} for k, v in found.items()], bad
