"""The common second half of every import: drafts in the contract's shape → validated model.

Importers (HSDS, CSV, Sociale Kaart) only translate; whether a value is acceptable is decided by
the project's loader (which uses kennisbank/fields.py), so there is exactly one check. A record
that does not pass is left out *and reported* with where it came from (row, record id), the field
and why; the rest goes on.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from kennisbank import fields
from kennisbank.fields import FieldError
from kennisbank.loader import Problem, check_directory
from kennisbank.schema import SCHEMA_VERSION, SUMMARY_MAX, KnowledgeBase

from . import yaml_writer
from .places import municipalities_from

FLEMISH_LAYER = "vlaanderen"  # the one region without municipalities (kennisbank-format.md)


class SourceError(Exception):
    """The source as a whole cannot be read (missing file, not JSON, no header); message in Dutch."""


@dataclass(frozen=True)
class Issue:
    record: str            # where a person finds it in the source: "rij 5", "dienst sk-900001"
    message: str
    field: str | None = None
    skipped: bool = False  # True: the record was not imported

    def __str__(self) -> str:
        where = self.record + (f" · {self.field}" if self.field else "")
        kind = "niet geïmporteerd" if self.skipped else "let op"
        return f"{where}: {kind}: {self.message}"


@dataclass
class Draft:
    ref: str                       # how the source names this record, for messages
    region_id: str
    raw: dict[str, Any]            # a service mapping as in a region file
    # contract field ("contact.phone") -> where the source holds it ("contacts[0].phones[0].number"),
    # so that a problem the loader finds is reported in the source's own terms
    paths: dict[str, str] = field(default_factory=dict)

    def label(self, name: str, fallback: Callable[[str], str]) -> str:
        parts = name.split(".")
        for n in range(len(parts), 0, -1):
            found = self.paths.get(".".join(parts[:n]))
            if found:
                return found
        return fallback(name)


@dataclass
class Parsed:
    regions: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> region mapping
    drafts: list[Draft] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def read_text(path: Path, what: str = "") -> str:
    """A source file's text (UTF-8, a BOM allowed); SourceError naming the file when unreadable."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"kan {what}{path} niet lezen: {exc}") from None


def slugify(text: str, limit: int = fields.ID_MAX - 4) -> str:
    """A readable id from a name: 'Sociaal Huis Lindegem' -> 'sociaal-huis-lindegem'.

    At most `limit` characters, cut at a word, so that unique_id's "-2" still fits fields.ID_MAX.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    made = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(made) > limit:
        made = made[:limit]
        made = made[: made.rindex("-")] if "-" in made else made
    return made


def region_from_name(value: str) -> tuple[str, str]:
    """--region accepts an id ('lindeland') or a name ('Regio Lindeland'): returns (id, name)."""
    value = value.strip()
    rid = slugify(value.removeprefix("Regio ").removeprefix("regio "))
    name = value if value != rid else "Regio " + value.replace("-", " ").title()
    return rid, name


def summarize(text: str) -> str:
    """A summary from a longer text when the source has none: first paragraph or sentence(s)."""
    first = text.strip().split("\n\n")[0].replace("\n", " ").strip()
    if len(first) <= SUMMARY_MAX:
        return first
    cut = first[:SUMMARY_MAX]
    for stop in (". ", "; "):
        if stop in cut:
            return cut[: cut.rindex(stop) + 1].strip()
    return cut[: cut.rindex(" ")].rstrip(",;:") + "…" if " " in cut else cut


def unique_id(wanted: str, taken: set[str]) -> str:
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}-{n}", n + 1
    return candidate


def service_id(value: Any, ref: str, fallback: str, taken: set[str], issues: list[Issue],
               label: str = "id") -> str | None:
    """The record's own id when it has a valid one, else one made from its names.

    Every draft needs a valid id so that the loader's problems can be traced back to it.
    """
    text = "" if value is None else str(value).strip()
    if text:
        try:
            given = fields.slug(text)
        except FieldError as exc:
            issues.append(Issue(ref, str(exc), label, True))
            return None
        taken.add(given)
        return given
    made = unique_id(slugify(fallback) or "dienst", taken)
    taken.add(made)
    return made


def add_built_region(parsed: Parsed, region: tuple[str, str],
                     drafts: list[tuple[Draft, list[tuple[object, str]]]]) -> None:
    """A region the source does not describe: its municipalities come from the addresses' postcodes.

    A draft without an explicit area serves the municipalities where it has an address
    (an office in Lindegem serves Lindegem); without any address, the whole region.
    """
    rid, name = region
    if rid == FLEMISH_LAYER:  # all of Flanders: no municipalities, every service serves everywhere
        parsed.regions[rid] = {"id": rid, "name": "Vlaanderen", "example": False, "municipalities": []}
        for draft, _places in drafts:
            draft.raw.setdefault("area", "all")
        return
    municipalities, bad = municipalities_from(p for _d, places in drafts for p in places)
    parsed.issues.extend(Issue(f"regio {rid}", message, "postcode") for message in bad)
    if not municipalities and rid != FLEMISH_LAYER:
        # Without municipalities a region would silently serve all of Flanders.
        parsed.issues.append(Issue(f"regio {rid}", "geen enkel adres met postcode en gemeente, dus geen gemeenten "
                                   "voor deze regio; geef de gemeenten mee (bv. gemeenten.csv) of gebruik "
                                   f"--region {FLEMISH_LAYER} voor aanbod in heel Vlaanderen", "postcode"))
        return
    parsed.regions[rid] = {"id": rid, "name": name, "example": False, "municipalities": municipalities}
    known = {m["name"].lower(): m["name"] for m in municipalities}
    for draft, places in drafts:
        if draft.raw.get("area") not in (None, "", []):
            continue
        names: list[str] = []
        for _code, city in places:
            found = known.get((city or "").strip().lower())
            if found and found not in names:
                names.append(found)
        draft.raw["area"] = names or "all"


_FAST_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _doc_text(region: dict[str, Any], services: list[dict[str, Any]]) -> str:
    return yaml.dump({"schema": SCHEMA_VERSION, "region": region, "services": services},
                     Dumper=_FAST_DUMPER, allow_unicode=True, sort_keys=False)


def _check(parsed_regions: dict[str, dict[str, Any]], drafts: list[Draft], today: date | None
           ) -> tuple[KnowledgeBase | None, list[Problem]]:
    with tempfile.TemporaryDirectory(prefix="welzijnsbot-import-") as tmp:
        for rid, region in parsed_regions.items():
            services = [d.raw for d in drafts if d.region_id == rid]
            (Path(tmp) / f"{rid}.yaml").write_text(_doc_text(region, services), encoding="utf-8")
        return check_directory(tmp, today=today)


def build(parsed: Parsed, *, field_label: Callable[[str], str] = str, today: date | None = None
          ) -> tuple[KnowledgeBase | None, list[Issue]]:
    """Validate all drafts with the loader; drop (and report) those with errors, keep the rest.

    Returns (None, issues) only when something outside any record is wrong, e.g. a region.
    """
    issues = list(parsed.issues)
    drafts: list[Draft] = []
    seen: dict[str, str] = {}
    for draft in parsed.drafts:
        sid = str(draft.raw.get("id", "")).strip()
        if draft.region_id not in parsed.regions:
            issues.append(Issue(draft.ref, f"onbekende regio '{draft.region_id}'", field_label("region"), True))
        elif sid and sid in seen:
            issues.append(Issue(draft.ref, f"id '{sid}' komt al voor ({seen[sid]})", field_label("id"), True))
        else:
            seen.setdefault(sid, draft.ref)
            drafts.append(draft)
    if not drafts:
        return None, issues
    for _ in range(3):  # dropping a record can only remove problems; a second pass is a safety net
        kb, problems = _check(parsed.regions, drafts, today)
        errors = [p for p in problems if not p.warning]
        if not errors:
            break
        by_id = {str(d.raw.get("id", "")).strip(): d for d in drafts}
        bad: dict[int, Draft] = {}
        for p in errors:
            found = by_id.get(p.service) if p.service else None
            if found is None:
                issues.append(Issue(_region_ref(p), p.message, p.field))
                return None, issues
            issues.append(Issue(found.ref, p.message, found.label(p.field, field_label) if p.field else None, True))
            bad[id(found)] = found
        drafts = [d for d in drafts if id(d) not in bad]
    else:  # pragma: no cover - the loader reports every problem in one pass
        return None, issues
    assert kb is not None
    kept = {str(d.raw.get("id")): d for d in reversed(drafts)}  # the first draft of an id, as before
    for p in problems:
        if p.warning:
            owner = kept.get(p.service) if p.service else None
            label = (owner.label(p.field, field_label) if owner else field_label(p.field)) if p.field else None
            issues.append(Issue(owner.ref if owner else _region_ref(p), p.message, label))
    return kb, issues


def _region_ref(problem: Problem) -> str:
    return f"regio {Path(problem.file).stem}"


def write_region_files(kb: KnowledgeBase, out_dir: Path, overwrite: bool = False
                       ) -> tuple[list[Path], list[Problem]]:
    """Write kb's regions into out_dir and check the result as `welzijnsbot check` would.

    Files are staged and checked first; an existing region file is only replaced with overwrite.
    """
    targets = [out_dir / f"{rid}.yaml" for rid in kb.regions]
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        names = ", ".join(p.name for p in existing)
        raise SourceError(f"{names} bestaat al in {out_dir}; kies een andere map of gebruik --overschrijven")
    others = [p for p in _region_files(out_dir) if p not in targets]
    with tempfile.TemporaryDirectory(prefix="welzijnsbot-import-") as tmp:
        # The check sees the final state (new files and the region files already in out_dir,
        # a postcode may clash) before anything in out_dir is touched.
        staged = yaml_writer.write_knowledge_base(kb, Path(tmp))
        for path in others:
            shutil.copyfile(path, Path(tmp) / path.name)
        _, problems = check_directory(tmp)
        problems = [replace(p, file=str(out_dir / Path(p.file).name)) for p in problems]
        if any(not p.warning for p in problems):
            return [], problems
        out_dir.mkdir(parents=True, exist_ok=True)
        for path in staged:
            shutil.copyfile(path, out_dir / path.name)
    return targets, problems


def _region_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(list(directory.glob("*.yaml")) + list(directory.glob("*.yml")))
