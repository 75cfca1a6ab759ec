"""The knowledge base as a spreadsheet (CSV) that a region coordinator can fill in and send back.

diensten.csv: one row per service, Dutch column names (COLUMNS), lists separated by `;`.
Translations get a column per field and language: samenvatting_fr, naam_en, toegang_ar ...
gemeenten.csv: one row per municipality (regio, regio_naam, voorbeeld, gemeente, postcodes);
a region without municipalities (the Flemish layer) has one row with an empty gemeente.

Export writes `;`-separated UTF-8 with BOM and Windows line ends, which Excel in Belgium opens
as is. Import takes what spreadsheets produce: UTF-8 with or without BOM (or Windows-1252),
`;`, `,` or tab, any line ends; empty rows are skipped, a bad row is reported by its number.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

from kennisbank.fields import phone_national
from kennisbank.schema import THEME_IDS, KnowledgeBase, Service
from kennisbank.themes import load_themes

from .importing import Draft, Issue, Parsed, SourceError, add_built_region, region_from_name, service_id
from .places import postcode_and_city

SERVICES_CSV = "diensten.csv"
MUNICIPALITIES_CSV = "gemeenten.csv"
LIST_SEP = ";"

# (column, contract field): the order is the order of the contract.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id"), ("regio", "region"), ("organisatie", "organisation"), ("naam", "name"),
    ("samenvatting", "summary"), ("beschrijving", "description"), ("themas", "themes"),
    ("trefwoorden", "keywords"), ("doelgroep", "audience"), ("gebied", "area"),
    ("contact_naam", "contact.name"), ("contact_rol", "contact.role"),
    ("contact_telefoon", "contact.phone"), ("contact_email", "contact.email"),
    ("telefoon", "phone"), ("email", "email"), ("website", "url"), ("adres", "location.address"),
    ("lat", "location.lat"), ("lon", "location.lon"), ("uren", "hours"), ("talen", "languages"),
    ("kosten", "cost"), ("meebrengen", "bring"), ("toegangswijze", "access"), ("toegang", "how"),
    ("status", "status"),
    ("laatst_bevestigd", "last_verified"),
)
I18N_COLUMNS = (("naam", "name"), ("samenvatting", "summary"), ("beschrijving", "description"),
                ("toegang", "how"), ("uren_noot", "hours_note"), ("kosten_noot", "cost_note"),
                ("meebrengen_noot", "bring_note"))
MUNICIPALITY_COLUMNS = ("regio", "regio_naam", "voorbeeld", "gemeente", "postcodes")
LIST_FIELDS = {"themes", "keywords", "audience", "languages", "bring", "access"}
_WORD_LISTS = {"themes", "audience", "languages", "area", "access"}  # items never contain a comma
_STATUS = {"active": "active", "actief": "active", "temporarily-closed": "temporarily-closed",
           "tijdelijk gesloten": "temporarily-closed", "tijdelijk-gesloten": "temporarily-closed",
           "inactive": "inactive", "inactief": "inactive", "stopgezet": "inactive"}
_ALL = {"all", "alle", "alles", "heel de regio", "hele regio"}
_TRUE = {"ja", "true", "waar", "1", "yes", "x"}


class ExportError(Exception):
    """The knowledge base holds something a spreadsheet cannot carry faithfully."""


def _norm(header: str) -> str:
    plain = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower().strip()
    return re.sub(r"[^a-z0-9]+", "_", plain.replace("'", "")).strip("_")


# Column name -> contract field; the contract's own names (organisation, contact.phone) also work.
_ALIASES = {**{_norm(c): f for c, f in COLUMNS}, **{_norm(f): f for _c, f in COLUMNS},
            "thema": "themes", "telefoonnummer": "phone", "e_mail": "email", "url": "url",
            "contact_e_mail": "contact.email", "openingsuren": "hours", "adres_locatie": "location.address"}


# ── export ────────────────────────────────────────────────────────────────────────────────

def _join(values: tuple[str, ...] | list[str], sid: str, what: str, word_list: bool = False) -> str:
    for v in values:
        for sep in (LIST_SEP, "\n") + ((",",) if word_list else ()):
            if sep in v:
                raise ExportError(f"dienst {sid}: '{v}' in {what} bevat {sep!r} en kan niet als lijst in een cel")
    return f"{LIST_SEP} ".join(values)


def _phone(e164: str | None) -> str:
    """09 999 10 10 as people write it; Excel keeps it as text (a leading + would start a formula)."""
    return phone_national(e164) if e164 else ""


_FORMULA_START = ("=", "+", "-", "@")


def _cell(value: str) -> str:
    """A text that Excel would run as a formula gets a leading apostrophe (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _uncell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value


def _num(value: float | None) -> str:
    return "" if value is None else repr(value)


def service_row(s: Service, i18n_columns: list[tuple[str, str, str]]) -> list[str]:
    loc = s.location
    values = {
        "id": s.id, "region": s.region_id, "organisation": s.organisation, "name": s.name,
        "summary": s.summary, "description": s.description or "",
        "themes": _join(s.themes, s.id, "themas"), "keywords": _join(s.keywords, s.id, "trefwoorden"),
        "audience": _join(s.audience, s.id, "doelgroep"),
        "area": "all" if isinstance(s.area, str) else _join(s.area, s.id, "gebied", word_list=True),
        "contact.name": s.contact.name or "", "contact.role": s.contact.role or "",
        "contact.phone": _phone(s.contact.phone), "contact.email": s.contact.email or "",
        "phone": _phone(s.phone), "email": s.email or "", "url": s.url or "",
        "location.address": (loc.address or "") if loc else "",
        "location.lat": _num(loc.lat) if loc else "", "location.lon": _num(loc.lon) if loc else "",
        "hours": s.hours or "", "languages": _join(s.languages, s.id, "talen"), "cost": s.cost or "",
        "bring": _join(s.bring, s.id, "meebrengen"), "access": _join(s.access, s.id, "toegangswijze", word_list=True),
        "how": s.how or "",
        "status": s.status, "last_verified": s.last_verified.isoformat() if s.last_verified else "",
    }
    row = [values[f] for _c, f in COLUMNS]
    row += [s.i18n.get(lang, {}).get(key, "") for _col, key, lang in i18n_columns]
    return [_cell(v) for v in row]


def _i18n_columns(kb: KnowledgeBase) -> list[tuple[str, str, str]]:
    langs: list[str] = []
    used: set[tuple[str, str]] = set()
    for s in kb.services.values():
        for lang, texts in s.i18n.items():
            if lang not in langs:
                langs.append(lang)
            used.update((lang, key) for key in texts)
    return [(f"{col}_{lang}", key, lang) for lang in langs for col, key in I18N_COLUMNS if (lang, key) in used]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def write(kb: KnowledgeBase, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    i18n_columns = _i18n_columns(kb)
    rows = [service_row(s, i18n_columns) for s in kb.services.values()]
    services = out_dir / SERVICES_CSV
    _write_csv(services, [c for c, _f in COLUMNS] + [c for c, _k, _l in i18n_columns], rows)
    municipalities = out_dir / MUNICIPALITIES_CSV
    mrows = []
    for r in kb.regions.values():
        flag = "ja" if r.example else "nee"
        if not r.municipalities:
            mrows.append([r.id, r.name, flag, "", ""])
        for m in r.municipalities:
            mrows.append([r.id, r.name, flag, m.name, f"{LIST_SEP} ".join(map(str, m.postcodes))])
    _write_csv(municipalities, list(MUNICIPALITY_COLUMNS), mrows)
    return [services, municipalities]


# ── import ────────────────────────────────────────────────────────────────────────────────

def read_table(path: Path, issues: list[Issue]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (spreadsheet row number, cells) of a CSV as spreadsheets write them."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"kan {path} niet lezen: {exc}") from None
    text, encoding = decode_spreadsheet(data)
    if encoding is not None:
        issues.append(Issue(path.name, encoding))
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise SourceError(f"{path} is leeg")
    hint = _SEP_LINE.match(first)
    if hint:
        # Excel's own delimiter line ("sep=;"): it is no row for whoever opens the file in Excel.
        delimiter = hint[1]
        text = text[text.index(first) + len(first):].lstrip("\r\n")
    else:
        delimiter = max((";", ",", "\t"), key=first.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header_index = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if header_index is None:
        raise SourceError(f"{path} is leeg")
    header = [c.strip() for c in rows[header_index]]
    body = [(i + 1, [c.replace("\r\n", "\n").replace("\r", "\n") for c in r])
            for i, r in enumerate(rows) if i > header_index]
    return header, body


_SEP_LINE = re.compile(r"^\ufeff?sep=(.)\s*$")
# Letters of Dutch and French words that a wrong 8-bit guess turns into something else.
_ACCENTED = frozenset("éèëêïîíöôóüûúäâàçñÉÈËÊÏÎÖÔÜÛÄÂÀÇ")


def decode_spreadsheet(data: bytes) -> tuple[str, str | None]:
    """The text of a CSV as spreadsheets save it, and a sentence naming the encoding when it is not
    UTF-8 (None for UTF-8, with or without BOM).

    Excel writes "CSV UTF-8", "CSV" (Windows-1252), "Unicode-tekst" (UTF-16 with BOM, tab-separated);
    Numbers and old Mac Excel write Mac Roman, which Windows-1252 turns into mojibake ("Caf\u017d"
    for "Café"): of the two 8-bit readings, the one that gives accented letters inside words wins.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "bestand is UTF-16 (Excel 'Unicode-tekst'); zo gelezen"
    if len(data) >= 4 and data[1::2][:32].count(0) > 12 and data[0::2][:32].count(0) == 0:
        return data.decode("utf-16-le", errors="replace"), "bestand is UTF-16 zonder BOM; zo gelezen"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    readings = {name: data.decode(name, errors="replace") for name in ("cp1252", "mac_roman")}

    def score(text: str) -> int:
        inside = sum(1 for a, b, c in zip(text, text[1:], text[2:], strict=False)
                     if b in _ACCENTED and a.isalpha() and (c.isalpha() or c in " .,;\n"))
        return inside - 3 * text.count("\ufffd")
    best = max(readings, key=lambda name: score(readings[name]))
    label = {"cp1252": "Windows-1252 (Excel 'CSV')", "mac_roman": "Mac Roman (Numbers of oudere Excel op een Mac)"}
    return readings[best], (f"bestand is geen UTF-8; gelezen als {label[best]}. Kijk accenten na, of bewaar "
                            "als 'CSV UTF-8'")


def _split(value: str, key: str) -> list[str]:
    pattern = r"[;,\n]" if key in _WORD_LISTS else r"[;\n]"
    return [part.strip() for part in re.split(pattern, value) if part.strip()]


def _theme(value: str) -> str:
    """A theme id, or its Dutch label as a person would type it ('Wonen en huisvesting')."""
    if value in THEME_IDS:
        return value
    by_label = {_norm(t.label): t.id for t in load_themes().values()}
    return by_label.get(_norm(value), value.lower() if value.lower() in THEME_IDS else value)


def _date(value: str) -> str:
    """Excel in Belgium turns 2026-10-01 into 1/10/2026; read that back as the ISO date it was."""
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", value)
    return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}" if m else value


def _number(value: str) -> float | str:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return value  # the loader says what is expected


def row_to_raw(cells: dict[str, str]) -> dict[str, Any]:
    """Contract mapping of one row (cells keyed by contract field, empty cells left out)."""
    raw: dict[str, Any] = {}
    contact: dict[str, Any] = {}
    location: dict[str, Any] = {}
    i18n: dict[str, dict[str, str]] = {}
    for key, value in cells.items():
        if key.startswith("i18n."):
            _, lang, field = key.split(".")
            i18n.setdefault(lang, {})[field] = value
        elif key.startswith("contact."):
            contact[key.split(".", 1)[1]] = value
        elif key == "location.address":
            location["address"] = value
        elif key in ("location.lat", "location.lon"):
            location[key.split(".", 1)[1]] = _number(value)
        elif key == "themes":
            raw[key] = [_theme(v) for v in _split(value, key)]
        elif key in ("audience", "languages"):
            raw[key] = [v.lower() for v in _split(value, key)]
        elif key in LIST_FIELDS:
            raw[key] = _split(value, key)
        elif key == "area":
            raw[key] = "all" if value.strip().lower() in _ALL else _split(value, key)
        elif key == "status":
            raw[key] = _STATUS.get(value.strip().lower(), value)
        elif key == "last_verified":
            raw[key] = _date(value.strip())
        elif key != "region":
            raw[key] = value
    if contact:
        raw["contact"] = contact
    if location:
        raw["location"] = location
    if i18n:
        raw["i18n"] = i18n
    if raw.get("status") == "active":
        del raw["status"]
    return raw


def _column_map(header: list[str], issues: list[Issue], source: str) -> list[str | None]:
    fields: list[str | None] = []
    i18n_names = {_norm(col): key for col, key in I18N_COLUMNS}
    first: dict[str, str] = {}
    for name in header:
        norm = _norm(name)
        m = re.fullmatch(r"(.+)_([a-z]{2})", norm)
        if norm in _ALIASES:
            field = _ALIASES[norm]
        elif m and m[1] in i18n_names:
            field = f"i18n.{m[2]}.{i18n_names[m[1]]}"
        else:
            field = None
            if norm:
                issues.append(Issue(source, f"kolom '{name}' hoort bij geen veld; wat erin staat is niet "
                                            "overgenomen (zie README: Gegevens importeren en exporteren)"))
        if field is not None and field in first:
            issues.append(Issue(source, f"kolommen '{first[field]}' en '{name}' zijn hetzelfde veld; enkel "
                                        f"'{first[field]}' is overgenomen"))
            field = None
        if field is not None:
            first[field] = name
        fields.append(field)
    return fields


def read_municipalities(path: Path, issues: list[Issue]) -> dict[str, dict[str, Any]]:
    header, body = read_table(path, issues)
    cols = {_norm(h): i for i, h in enumerate(header)}
    missing = [c for c in ("regio", "gemeente", "postcodes") if c not in cols]
    if missing:
        raise SourceError(f"{path.name}: kolom(men) {', '.join(missing)} ontbreken")
    regions: dict[str, dict[str, Any]] = {}
    for number, row in body:
        cell = {c: (row[i].strip() if i < len(row) else "") for c, i in cols.items()}
        if not any(cell.values()):
            continue
        rid = cell.get("regio", "")
        if not rid:
            issues.append(Issue(f"{path.name} rij {number}", "regio ontbreekt", "regio", True))
            continue
        region = regions.setdefault(rid, {
            "id": rid, "name": cell.get("regio_naam") or region_from_name(rid)[1],
            "example": cell.get("voorbeeld", "").lower() in _TRUE, "municipalities": []})
        if cell.get("gemeente"):
            codes = [int(c) if c.isdigit() else c for c in _split(cell.get("postcodes", ""), "area")]
            region["municipalities"].append({"name": cell["gemeente"], "postcodes": codes})
    return regions


def read(source: Path, region: str | None = None) -> Parsed:
    """Drafts from diensten.csv (a file, or a folder holding it and optionally gemeenten.csv)."""
    services_path = source / SERVICES_CSV if source.is_dir() else source
    if not services_path.exists():
        raise SourceError(f"{services_path} bestaat niet")
    parsed = Parsed()
    municipalities_path = services_path.parent / MUNICIPALITIES_CSV
    if municipalities_path.exists() and municipalities_path != services_path:
        parsed.regions.update(read_municipalities(municipalities_path, parsed.issues))
    header, body = read_table(services_path, parsed.issues)
    fields = _column_map(header, parsed.issues, services_path.name)
    if "name" not in fields and "organisation" not in fields:
        raise SourceError(f"{services_path.name}: geen kolommen 'naam' en 'organisatie' gevonden in de "
                           f"eerste rij ({', '.join(header)[:120]}); is dit de juiste kopregel?")
    forced = region_from_name(region) if region else None
    built: list[tuple[Draft, list[Any]]] = []
    taken: set[str] = set()
    for number, row in body:
        ref = f"rij {number}"
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            parsed.issues.append(Issue(ref, f"{len(row)} cellen maar {len(header)} kolommen; staat er een "
                                            "scheidingsteken in een cel zonder aanhalingstekens?", None, True))
            continue
        cells = {f: _uncell(row[i].strip()) for i, f in enumerate(fields)
                 if f and i < len(row) and row[i].strip()}
        raw = row_to_raw(cells)
        sid = service_id(cells.get("id"), ref, f"{raw.get('organisation', '')} {raw.get('name', '')}",
                         taken, parsed.issues, "kolom id")
        if sid is None:
            continue
        raw["id"] = sid
        rid = cells.get("region", "")
        if rid not in parsed.regions:
            if not forced:
                why = (f"regio '{rid}' staat niet in {MUNICIPALITIES_CSV}" if rid else "regio ontbreekt")
                parsed.issues.append(Issue(ref, why + "; geef --region of vul gemeenten.csv aan", "kolom regio", True))
                continue
            if rid and rid != forced[0]:
                parsed.issues.append(Issue(ref, f"regio '{rid}' staat niet in {MUNICIPALITIES_CSV}; "
                                                f"in regio {forced[0]} gezet (--region)", "kolom regio"))
            rid = forced[0]
        draft = Draft(ref, rid, raw)
        parsed.drafts.append(draft)
        if forced and rid == forced[0] and forced[0] not in parsed.regions:
            address = (raw.get("location") or {}).get("address")
            place = postcode_and_city(address) if isinstance(address, str) else None
            built.append((draft, [place] if place else []))
    if forced and forced[0] not in parsed.regions and built:
        add_built_region(parsed, forced, built)
    return parsed


_LABELS = {f: c for c, f in COLUMNS}


def field_label(name: str) -> str:
    """The column a loader field came from, so the message points at the cell to fix."""
    if name.startswith("i18n."):
        parts = name.split(".")
        if len(parts) == 3:
            col = {k: c for c, k in I18N_COLUMNS}.get(parts[2], parts[2])
            return f"kolom {col}_{parts[1]}"
        return "kolommen *_" + (parts[1] if len(parts) > 1 else "xx")
    if name == "contact":
        return "kolommen contact_*"
    if name == "location":
        return "kolommen adres/lat/lon"
    return f"kolom {_LABELS.get(name, name)}"
