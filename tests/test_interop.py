"""Import and export: exact round trips on the benchmark, and real-world files with real mistakes.

Everything goes through the `welzijnsbot` command (bot.cli.main) with real files in tmp_path,
and every written knowledge base is loaded again with the project's own loader.
"""
from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import fields, replace
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from kennisbank.interop import needs_named_contact
from kennisbank.interop.exporting import export_knowledge_base
from kennisbank.interop.places import postcode_and_city
from kennisbank.interop.yaml_writer import region_text, write_knowledge_base
from kennisbank.loader import check_directory, load_knowledge_base, parse_yaml
from kennisbank.schema import Municipality, Region, Service
from kennisbank.search import SearchEngine
from paths import DEV_QUESTIONS

DATA = Path(__file__).parent / "data"
QUESTIONS = DEV_QUESTIONS


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch):
    monkeypatch.setenv("WELZIJNSBOT_CACHE_DIR", "off")


def run(capsys, *argv: str | Path) -> tuple[int, str, str]:
    """As the console script runs: SystemExit (bad knowledge base) becomes the exit code."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        assert isinstance(exc.code, int)  # the CLI exits with a number
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _comparable(service):
    return replace(service, file="", line=None)


def assert_same_knowledge_base(original, copy) -> None:
    assert list(copy.services) == list(original.services)
    for sid, service in original.services.items():
        other = copy.services[sid]
        for f in fields(service):
            if f.name in ("file", "line"):
                continue
            assert getattr(other, f.name) == getattr(service, f.name), (sid, f.name)
        assert _comparable(other) == _comparable(service)
    assert {k: replace(r, file="") for k, r in copy.regions.items()} == \
           {k: replace(r, file="") for k, r in original.regions.items()}


def assert_same_answers(original, copy) -> None:
    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    assert len(questions) > 50
    a, b = SearchEngine(original), SearchEngine(copy)
    for q in questions:
        ids_a = [m.service.id for m in a.search(q["q"], q.get("postcode")).matches]
        ids_b = [m.service.id for m in b.search(q["q"], q.get("postcode")).matches]
        assert ids_a == ids_b, q["q"]


# ── round trips ───────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("fmt", ["hsds", "csv"])
def test_export_then_import_gives_the_same_knowledge_base(capsys, tmp_path, bench_kb_dir, bench_kb, fmt):
    exported, imported = tmp_path / "export", tmp_path / "regions"
    code, out, err = run(capsys, "export", "--kb", bench_kb_dir, "--format", fmt, "--out", exported)
    assert code == 0, err
    assert f"{len(bench_kb.services)} diensten" in out
    code, out, err = run(capsys, "import", "--format", fmt, exported, "--out", imported)
    assert code == 0, out + err
    assert "0 records niet geïmporteerd" in out
    assert sorted(p.name for p in imported.iterdir()) == ["lindeland.yaml", "vlaanderen.yaml"]
    copy = load_knowledge_base(imported)
    assert_same_knowledge_base(bench_kb, copy)
    assert_same_answers(bench_kb, copy)


def test_yaml_export_writes_region_files_check_accepts(capsys, tmp_path, bench_kb_dir, bench_kb):
    code, _out, err = run(capsys, "export", "--kb", bench_kb_dir, "--out", tmp_path)
    assert code == 0, err
    code, _out, err = run(capsys, "check", "--kb", tmp_path)
    assert code == 0, err
    assert_same_knowledge_base(bench_kb, load_knowledge_base(tmp_path))
    text = (tmp_path / "lindeland.yaml").read_text(encoding="utf-8")
    # the contract's shapes: quoted international phones, ISO dates, area as written, flow lists
    assert 'phone: "+32 9 999 10 11"' in text
    assert "last_verified: 2026-09-14" in text
    assert "area: [9802]" in text and "area: [Oosterveld, Hoogdonk]" in text
    assert "- {name: Lindegem, postcodes: [9801, 9802]}" in text
    order = [line.split(":")[0].strip() for line in text.split("- id: ocmw-lindegem-onthaal-leefloon")[1]
             .split("\n  - id:")[0].splitlines() if line.startswith("    ") and not line.startswith("     ")]
    assert order == ["organisation", "name", "summary", "description", "themes", "keywords", "audience",
                     "area", "contact", "phone", "email", "url", "location", "hours", "languages", "cost",
                     "bring", "how", "i18n", "last_verified"]


def test_yaml_writer_keeps_rare_shapes_exact(tmp_path):
    """Multi-line text, special characters, statuses and a bare location survive a write."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "proefstreek.yaml").write_text("""\
schema: 1
region: {id: proefstreek, name: Regio Proefstreek, example: true, municipalities: [{name: Proef, postcodes: [9870]}]}
services:
  - id: proef-een
    organisation: "Vzw 'De #Haak': proef"
    name: "yes"
    summary: "  Begint met spaties: en een dubbelpunt  "
    description: "Regel een\\n\\nRegel  twee met  dubbele spaties\\n"
    themes: [crisis]
    area: ["9870"]
    url: https://proef.example
    location: {}
    status: temporarily-closed
    i18n: {fr: {summary: "Résumé « avec » guillemets", how: "Appelez"}}
""", encoding="utf-8")
    original = load_knowledge_base(src)
    write_knowledge_base(original, tmp_path / "out")
    assert_same_knowledge_base(original, load_knowledge_base(tmp_path / "out"))


@pytest.mark.parametrize("fmt", ["hsds", "csv"])
def test_formulas_foreign_phones_and_line_breaks_survive_exchange(capsys, tmp_path, fmt):
    src = tmp_path / "src"
    src.mkdir()
    (src / "proefstreek.yaml").write_text("""\
schema: 1
region: {id: proefstreek, name: Regio Proefstreek, example: true, municipalities: [{name: Proef, postcodes: [9870]}]}
services:
  - id: proef-formule
    organisation: "=HYPERLINK(\\"https://kwaad.example\\")"
    name: "-min"
    summary: "+plus; met puntkomma"
    description: "Regel een\\n\\nRegel twee"
    themes: [crisis]
    area: [Proef]
    contact: {name: "@naam", phone: "+31 20 123 4567"}
    hours: "ma\\ndi"
    status: inactive
    i18n: {ar: {name: "اسم", how: "اتصل"}}
""", encoding="utf-8")
    original = load_knowledge_base(src)
    code, out, err = run(capsys, "export", "--kb", src, "--format", fmt, "--out", tmp_path / "x")
    assert code == 0, err
    if fmt == "csv":
        text = (tmp_path / "x" / "diensten.csv").read_text(encoding="utf-8-sig")
        assert "'=HYPERLINK" in text and ";'-min;" in text  # Excel shows text, runs no formula
    code, out, err = run(capsys, "import", "--format", fmt, tmp_path / "x", "--out", tmp_path / "y")
    assert code == 0, out + err
    assert_same_knowledge_base(original, load_knowledge_base(tmp_path / "y"))


def test_yaml_writer_output_reads_back_exactly_for_awkward_text():
    """Quotes, colons, '- ', tabs, blank lines and long lines: whatever is written reads back the same."""
    rng = random.Random(7)
    pieces = [*"abc xyz:#-'\"\t\n,.é→[]{}&*!|>%@`", "  ", " \n", "\n\n", "ab " * 40, "- ",
              "WELZIJNSBOT-DESCRIPTION-0"]

    def text() -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randint(1, 80))).strip() or "x"

    region = Region("r", "R", True, (Municipality("M", (9870,)),))
    services = [Service(id=f"s{i}", organisation=text(), name=text(), summary=text(), description=text(),
                        themes=("crisis",), region_id="r", postcodes=None, hours=text(), keywords=(text(),),
                        i18n={"fr": {"summary": text(), "description": text()}}) for i in range(300)]
    doc, problems = parse_yaml(region_text(region, services), "r.yaml")
    assert problems == []
    for service, raw in zip(services, doc["services"], strict=True):
        for key in ("organisation", "name", "summary", "description", "hours"):
            assert raw[key] == getattr(service, key)
        assert raw["keywords"] == list(service.keywords) and raw["i18n"] == service.i18n


def test_export_function_takes_any_knowledge_base(tmp_path, bench_kb):
    """The admin module passes its own (revised) KnowledgeBase: no region files needed."""
    files = export_knowledge_base(bench_kb, "hsds", tmp_path)
    services = json.loads((tmp_path / "services.json").read_text(encoding="utf-8"))
    assert {p.name for p in files} == {"services.json", "taxonomy_terms.json", "x_welzijnsbot_regions.json"}
    first = next(s for s in services if s["x_welzijnsbot"]["id"] == "ocmw-lindegem-onthaal-leefloon")
    assert first["assured_date"] == "2026-09-14"
    assert first["organization"]["name"] == "Sociaal Huis Lindegem (OCMW)"
    assert first["contacts"][0]["name"] == "Griet Lindekens"
    assert first["contacts"][0]["phones"][0]["number"] == "+3299991011"
    assert [a["taxonomy_term"]["code"] for a in first["attributes"] if a["link_type"] == "theme"] == \
           ["inkomen", "administratie"]
    assert first["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "9801"
    assert first["schedules"][0]["description"].startswith("ma-vr 8u30")
    assert first["required_documents"][0]["document"] == "identiteitskaart of verblijfskaart"


# HSDS 3 required fields per object (schema/*.json "required" and core fields of the spec)
HSDS_REQUIRED = {
    "service": ("id", "name", "status"), "organization": ("id", "name", "description"),
    "contact": ("id",), "phone": ("id", "number"), "schedule": ("id",), "service_area": ("id",),
    "service_at_location": ("id",), "location": ("id", "location_type"),
    "address": ("id", "address_1", "country", "address_type"), "language": ("id",),
    "cost_option": ("id",), "required_document": ("id",), "attribute": ("id", "taxonomy_term_id"),
    "taxonomy_term": ("id", "name", "description"),
}
HSDS_CHILDREN = {
    "service": {"organization": "organization", "contacts": "contact", "phones": "phone",
                "schedules": "schedule", "service_areas": "service_area",
                "service_at_locations": "service_at_location", "languages": "language",
                "cost_options": "cost_option", "required_documents": "required_document",
                "attributes": "attribute"},
    "contact": {"phones": "phone"}, "service_at_location": {"location": "location"},
    "location": {"addresses": "address"}, "attribute": {"taxonomy_term": "taxonomy_term"},
}


def test_hsds_export_has_every_required_field_and_unique_ids(tmp_path, bench_kb):
    export_knowledge_base(bench_kb, "hsds", tmp_path)
    services = json.loads((tmp_path / "services.json").read_text(encoding="utf-8"))
    seen: dict[str, dict] = {}
    counts: dict[str, int] = {}

    def walk(obj: dict, kind: str) -> None:
        counts[kind] = counts.get(kind, 0) + 1
        for key in HSDS_REQUIRED[kind]:
            assert obj.get(key) not in (None, []) or (kind, key) == ("organization", "description"), (kind, key)
        if kind not in ("organization", "taxonomy_term"):  # shared objects repeat, the rest is unique
            assert obj["id"] not in seen, obj["id"]
            seen[obj["id"]] = obj
        for key, child_kind in HSDS_CHILDREN.get(kind, {}).items():
            children = obj.get(key)
            for child in children if isinstance(children, list) else [children] if children else []:
                walk(child, child_kind)

    for service in services:
        walk(service, "service")
    assert service["status"] in ("active", "inactive", "defunct", "temporarily closed")
    assert counts["service"] == len(bench_kb.services) and counts["taxonomy_term"] > counts["service"]
    assert all(counts.get(kind) for kind in HSDS_REQUIRED), counts


# ── spreadsheets as coordinators make them ────────────────────────────────────────────────

def test_coordinator_csv_with_bom_semicolons_crlf_and_mistakes(capsys, tmp_path):
    source = DATA / "coordinator_diensten.csv"
    raw = source.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b";" in raw  # the file is what we claim
    code, out, err = run(capsys, "import", "--format", "csv", source, "--out", tmp_path, "--region",
                         "Regio Beekveld")
    assert code == 3, out + err
    assert "rij 4 · kolom contact_telefoon: niet geïmporteerd: '09 999' is geen geldig telefoonnummer" in out
    assert "rij 5 · kolom naam: niet geïmporteerd: verplicht veld ontbreekt" in out
    assert "rij 6 · kolom themas: niet geïmporteerd: onbekend thema 'sport'" in out
    assert "rij 9" in out  # a list typed without quotes shifts the row: reported, not guessed
    assert "kolom 'opmerking' hoort bij geen veld" in out
    assert "rij 3" not in out and "rij 8" not in out  # empty rows are just empty
    assert "4 records niet geïmporteerd" in out
    kb, problems = check_directory(tmp_path)
    assert kb is not None, problems
    region = kb.regions["beekveld"]
    assert [(m.name, m.postcodes) for m in region.municipalities] == [("Beekveld", (9830,)),
                                                                      ("Rozendries", (9831,))]
    assert region.example is False
    onthaal = kb.services["caw-beekveld-onthaal"]
    assert onthaal.themes == ("huisvesting", "schulden")
    assert onthaal.contact.phone == "+3299995001"
    assert str(onthaal.last_verified) == "2026-01-15"  # Excel's 15/01/2026
    assert onthaal.area == "all"
    kind = kb.services["huis-van-het-kind-rozendries-opvoedingswinkel"]
    assert kind.themes == ("opvoeding", "huisvesting")  # a theme's Dutch label works too
    assert kind.area == ("Beekveld", "Rozendries") and kind.postcodes == frozenset({9830, 9831})
    assert kind.hours == "ma 9u-12u\ndo 13u-16u"
    assert set(kb.services) == {"caw-beekveld-onthaal", "huis-van-het-kind-rozendries-opvoedingswinkel"}


def test_csv_with_commas_no_bom_and_gemeenten_file(capsys, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "diensten.csv").write_text(
        "regio,organisatie,naam,samenvatting,themas,gebied,telefoon,lat,lon,status\n"
        'proef,Vzw Proef,Inloop,"Koffie, babbel en hulp bij brieven.","administratie;netwerk-school",'
        'Proefdorp,09 999 70 01,"51,05",3.7,tijdelijk gesloten\n',
        encoding="utf-8")
    (src / "gemeenten.csv").write_text(
        "regio,regio_naam,voorbeeld,gemeente,postcodes\nproef,Regio Proef,ja,Proefdorp,9870;9871\n",
        encoding="utf-8")
    code, out, err = run(capsys, "import", "--format", "csv", src, "--out", tmp_path / "out")
    assert code == 0, out + err
    kb = load_knowledge_base(tmp_path / "out")
    service = kb.services["vzw-proef-inloop"]
    assert service.summary == "Koffie, babbel en hulp bij brieven."
    assert service.themes == ("administratie", "netwerk-school")
    assert service.location is not None and service.location.lat == 51.05
    assert service.status == "temporarily-closed"
    assert service.postcodes == frozenset({9870, 9871})
    assert kb.regions["proef"].example is True


def test_csv_same_field_twice_keeps_the_first_and_says_so(capsys, tmp_path):
    source = tmp_path / "diensten.csv"
    source.write_text("organisatie;naam;samenvatting;themas;gebied;email;e-mail;adres\n"
                      "Vzw Proef;Inloop;Hulp bij brieven;administratie;all;een@proef.example;twee@proef.example;"
                      "Dorp 1, 9870 Proef\n",
                      encoding="utf-8")
    code, out, err = run(capsys, "import", "--format", "csv", source, "--out", tmp_path / "out", "--region", "proef")
    assert code == 0, out + err
    assert "kolommen 'email' en 'e-mail' zijn hetzelfde veld; enkel 'email' is overgenomen" in out
    assert load_knowledge_base(tmp_path / "out").services["vzw-proef-inloop"].email == "een@proef.example"


def test_csv_rows_of_an_unknown_region_go_to_the_given_one_with_a_note(capsys, tmp_path):
    source = tmp_path / "diensten.csv"
    source.write_text("regio;organisatie;naam;samenvatting;themas;gebied;email;adres\n"
                      "elders;Vzw Proef;Inloop;Hulp;administratie;all;een@proef.example;Dorp 1, 9870 Proef\n",
                      encoding="utf-8")
    code, out, err = run(capsys, "import", "--format", "csv", source, "--out", tmp_path / "out", "--region", "proef")
    assert code == 0, out + err
    assert "rij 2 · kolom regio: let op: regio 'elders' staat niet in gemeenten.csv; in regio proef gezet" in out
    assert load_knowledge_base(tmp_path / "out").services["vzw-proef-inloop"].region_id == "proef"


@pytest.mark.parametrize("address, place", [
    ("Kerkstraat 1, 9830 Beekveld", ("9830", "Beekveld")),
    ("Kerkstraat 1 9830 Beekveld", ("9830", "Beekveld")),
    ("Molenweg 21 bus A,9831 Sint-Rozen-Dries", ("9831", "Sint-Rozen-Dries")),
    ("Straat 1000 bus 2", None),
    ("Postbus 12", None),
])
def test_municipality_from_an_address_however_it_is_written(address, place):
    assert postcode_and_city(address) == place


def test_csv_saved_as_windows_1252_is_read_with_a_warning(capsys, tmp_path):
    source = tmp_path / "diensten.csv"
    source.write_bytes("organisatie;naam;samenvatting;themas;gebied;email;adres\r\n"
                       "Vzw Crèche;Opvang;Opvang voor baby's en peuters;kinderopvang;all;info@creche.example;"
                       "Dorp 1, 9870 Proef\r\n"
                       .encode("cp1252"))
    code, out, err = run(capsys, "import", "--format", "csv", source, "--out", tmp_path / "out",
                         "--region", "proef")
    assert code == 0, out + err
    assert "gelezen als Windows-1252" in out
    assert load_knowledge_base(tmp_path / "out").services["vzw-creche-opvang"].organisation == "Vzw Crèche"


def test_csv_export_refuses_a_list_item_with_a_semicolon(capsys, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "proef.yaml").write_text("""\
schema: 1
region: {id: proef, name: Proef, example: true, municipalities: [{name: Proef, postcodes: [9870]}]}
services:
  - {id: een, organisation: O, name: N, summary: S, themes: [crisis], area: all, url: https://o.example,
     keywords: ["nood; nu"]}
""", encoding="utf-8")
    code, _out, err = run(capsys, "export", "--kb", src, "--format", "csv", "--out", tmp_path / "out")
    assert code == 1
    assert "dienst een: 'nood; nu' in trefwoorden bevat ';'" in err
    assert not (tmp_path / "out" / "diensten.csv").exists()


# ── HSDS from elsewhere ───────────────────────────────────────────────────────────────────

def test_foreign_hsds_file_is_mapped_and_every_loss_reported(capsys, tmp_path):
    code, out, err = run(capsys, "import", "--format", "hsds", DATA / "hsds_voorbeeld.json", "--out", tmp_path,
                         "--region", "beekveld")
    assert code == 3, out + err
    uid = "0b6c1a3e-8f1d-4c55-9c1e-2f7d3a1b9e0"  # ids of the file, kept: they are valid slugs
    e = f"dienst {uid}"
    assert f"{e}2 · name: niet geïmporteerd: verplicht veld ontbreekt" in out
    assert f"{e}3 · phones[0].number: niet geïmporteerd: '12' is geen geldig telefoonnummer" in out
    assert f"{e}4 · attributes[0].taxonomy_term: let op: taxonomieterm 'Sportclubs' hoort bij geen thema" in out
    assert f"{e}1 · contacts[1]: let op: extra contactpersoon 'Nina Reserve' niet overgenomen" in out
    assert f"{e}1: let op: velden zonder plaats in de kennisbank niet overgenomen: alert, organization.description\n" \
        in out
    assert f"{e}1 · languages[1]: let op: taal 'Pools' zonder code niet overgenomen" in out
    assert f"{e}5 · description: let op: samenvatting gemaakt uit de beschrijving" in out
    assert "3 records niet geïmporteerd" in out
    assert f"vul contact.name aan: {uid}5" in out
    kb = load_knowledge_base(tmp_path)
    budget = kb.services[f"{uid}1"]
    assert budget.themes == ("schulden", "inkomen")  # via the rubric mapping
    assert budget.contact.name == "Bert Budget" and budget.contact.role == "budgetbegeleider"
    assert budget.location is not None and budget.location.address == "Dorpsplein 1, 9830 Beekveld"
    assert budget.area == ("Beekveld",) and str(budget.last_verified) == "2026-06-30"
    shop = kb.services[f"{uid}5"]
    assert len(shop.summary) <= 200
    assert (shop.description or "").endswith("Open voor inwoners van Rozendries.")
    assert shop.cost == "0 EUR" and shop.bring == ("klantenkaart",)
    assert needs_named_contact(shop) and not needs_named_contact(budget)


def test_hsds_split_per_object_type_finds_organisation_names(capsys, tmp_path):
    (tmp_path / "services.json").write_text(json.dumps([
        {"id": "dienst-a", "organization_id": "org-7", "name": "Inloop", "description": "Koffie en hulp.",
         "status": "active", "url": "https://org7.example",
         "attributes": [{"taxonomy_term": {"code": "administratie", "name": "Administratie"}}]}]),
        encoding="utf-8")
    (tmp_path / "organizations.json").write_text(json.dumps([{"id": "org-7", "name": "Vzw Zeven"}]),
                                                 encoding="utf-8")
    code, out, err = run(capsys, "import", "--format", "hsds", tmp_path, "--out", tmp_path / "out",
                         "--region", "proef")
    assert code == 1  # no address, so no municipality: a region needs at least one
    assert "regio proef · postcode: let op: geen enkel adres met postcode en gemeente" in out
    assert "dienst dienst-a · region: niet geïmporteerd: onbekende regio 'proef'" in out
    code, out, err = run(capsys, "import", "--format", "hsds", tmp_path, "--out", tmp_path / "out",
                         "--region", "vlaanderen")
    assert code == 0, out + err
    service = load_knowledge_base(tmp_path / "out").services["dienst-a"]
    assert service.organisation == "Vzw Zeven" and service.area == "all" and service.postcodes is None


def test_hsds_of_the_wrong_shape_is_reported_not_skipped_over(capsys, tmp_path):
    source = tmp_path / "services.json"
    source.write_text(json.dumps({"contents": [{
        "id": "Dienst_B", "name": "Inloop", "organization": {"name": "Vzw B"}, "description": "Hulp.",
        "email": "b@b.example", "languages": ["nl"], "schedules": "ma-vr", "contacts": {"name": "Ann"},
        "attributes": [{"taxonomy_term": {"code": "administratie"}}],
        "service_at_locations": [{"location": {"addresses": [
            {"address_1": "Dorp 1", "postal_code": "9870", "city": "Proef"}]}}]}]}), encoding="utf-8")
    code, out, err = run(capsys, "import", "--format", "hsds", source, "--out", tmp_path / "out", "--region", "proef")
    assert code == 0, out + err
    assert "dienst Dienst_B · id: let op: id 'Dienst_B' is omgezet naar 'dienst-b'" in out
    assert "dienst Dienst_B · languages: let op: 1 element is geen object (bv. \"nl\")" in out
    assert "dienst Dienst_B · schedules: let op: verwacht een lijst van objecten, niet \"ma-vr\"" in out
    service = load_knowledge_base(tmp_path / "out").services["dienst-b"]
    assert service.contact.name == "Ann"  # one object where a list belongs still counts
    assert service.languages == () and service.hours is None


def test_hsds_without_region_asks_for_one(capsys, tmp_path):
    code, out, err = run(capsys, "import", "--format", "hsds", DATA / "hsds_voorbeeld.json", "--out", tmp_path)
    assert code == 1
    assert "geen regio bekend: geef --region" in out
    assert "Niets geïmporteerd" in err
    assert not list(tmp_path.iterdir())


# ── De Sociale Kaart ──────────────────────────────────────────────────────────────────────

def test_sociale_kaart_offers_map_to_themes_and_unmapped_ones_are_listed(capsys, tmp_path, monkeypatch):
    """The fixture has the API's real shape (content + page, legalName, contactInfo, activities with codes)."""
    code, out, err = run(capsys, "import", "--format", "sociale-kaart", DATA / "sociale_kaart_voorbeeld.json",
                         "--out", tmp_path, "--region", "Regio Beekveld", "--voorbeeld")
    assert code == 3, out + err
    assert "aanbod 900005 · activities: niet geïmporteerd: geen enkele rubriek hoort bij een thema: Sportclubs" in out
    assert "aanbod 900006 · contactInfo.phones[0].value: niet geïmporteerd: '09 999' is geen geldig telefoonnummer" \
        in out
    assert "aanbod 900007 · contactInfo: niet geïmporteerd: geen manier om de dienst te bereiken" in out
    assert "aanbod 900003 · activities[1].name: let op: rubriek '99.03.02. Vrijwilligerswerk' hoort bij geen " \
           "thema" in out
    # the primary number is the one taken, whatever its place in the list
    assert "aanbod 900002 · contactInfo.phones[0].value: let op: extra telefoonnummer '+32 9 999 40 11' niet " \
           "overgenomen" in out
    assert "aanbod 900003: let op: velden zonder plaats in de kennisbank niet overgenomen: accessibility" in out
    kb = load_knowledge_base(tmp_path)
    assert set(kb.services) == {"sk-900001", "sk-900002", "sk-900003", "sk-900004", "sk-900008", "sk-900009"}
    assert kb.services["sk-900001"].themes == ("schulden", "inkomen")
    assert kb.services["sk-900002"].phone == "+3299994010"
    assert kb.services["sk-900003"].themes == ("voeding",)
    nestje = kb.services["sk-900004"]
    assert nestje.themes == ("kinderopvang",)  # "10.07.02. Groepsopvang voor kinderen": the label, not the code
    assert nestje.location is not None
    assert nestje.location.address == "Schoolstraat 3, 9830 Beekveld"  # the primary address, listed second
    assert nestje.area == ("Beekveld", "Rozendries")  # both addresses serve
    assert kb.services["sk-900008"].url == "https://dekast.example"  # the directory writes websites without scheme
    assert kb.services["sk-900009"].status == "inactive"  # state INACTIVE
    region = kb.regions["beekveld"]
    assert region.name == "Regio Beekveld" and region.example is True
    assert [(m.name, m.postcodes) for m in region.municipalities] == [("Beekveld", (9830,)),
                                                                      ("Rozendries", (9831, 9832))]
    # nothing invented: no contact person, no confirmation date; the bot can see what is missing
    assert all(needs_named_contact(s) and s.last_verified is None for s in kb.services.values())
    assert "6 diensten hebben nog geen contactpersoon met naam" in out
    monkeypatch.delenv("WELZIJNSBOT_CACHE_DIR")   # the search models from the usual cache, not fitted anew
    assert SearchEngine(kb).search("papa heeft schulden bij een deurwaarder", 9830).matches[0].service.id == \
           "sk-900001"


def test_offers_for_all_of_flanders_go_to_the_flemish_layer(capsys, tmp_path):
    code, out, err = run(capsys, "import", "--format", "sociale-kaart", DATA / "sociale_kaart_voorbeeld.json",
                         "--out", tmp_path, "--region", "vlaanderen")
    assert code == 3, out + err
    kb = load_knowledge_base(tmp_path)
    assert kb.regions["vlaanderen"].name == "Vlaanderen" and kb.regions["vlaanderen"].municipalities == ()
    assert all(s.area == "all" and s.postcodes is None for s in kb.services.values())


def test_own_rubric_file_extends_the_mapping(capsys, tmp_path):
    extra = tmp_path / "mijn_rubrieken.yaml"
    extra.write_text("rubrieken:\n  Sportclubs: [vrije-tijd]\n", encoding="utf-8")
    code, _out, err = run(capsys, "import", "--format", "sociale-kaart", DATA / "sociale_kaart_voorbeeld.json",
                         "--out", tmp_path / "out", "--region", "beekveld", "--rubrieken", extra)
    assert code == 3
    assert load_knowledge_base(tmp_path / "out").services["sk-900005"].themes == ("vrije-tijd",)
    extra.write_text("rubrieken:\n  Sportclubs: [sport]\n", encoding="utf-8")
    code, _out, err = run(capsys, "import", "--format", "sociale-kaart", DATA / "sociale_kaart_voorbeeld.json",
                         "--out", tmp_path / "out2", "--region", "beekveld", "--rubrieken", extra)
    assert code == 1
    assert "rubriek 'Sportclubs': onbekend thema sport" in err


def test_sociale_kaart_needs_a_region(capsys, tmp_path):
    code, _out, err = run(capsys, "import", "--format", "sociale-kaart", DATA / "sociale_kaart_voorbeeld.json",
                         "--out", tmp_path)
    assert code == 1
    assert "geef met --region de regio" in err


# ── exit codes and messages ───────────────────────────────────────────────────────────────

def test_import_never_overwrites_without_asking(capsys, tmp_path):
    args = ["import", "--format", "sociale-kaart", DATA / "sociale_kaart_voorbeeld.json", "--out", tmp_path,
            "--region", "beekveld"]
    (tmp_path / "beekveld.yaml").write_text("# eigen werk\n", encoding="utf-8")
    code, _out, err = run(capsys, *args)
    assert code == 1
    assert "beekveld.yaml bestaat al" in err and "--overschrijven" in err
    assert (tmp_path / "beekveld.yaml").read_text(encoding="utf-8") == "# eigen werk\n"
    code, _out, err = run(capsys, *args, "--overschrijven")
    assert code == 3
    assert "sk-900001" in (tmp_path / "beekveld.yaml").read_text(encoding="utf-8")


def test_import_next_to_a_clashing_region_writes_nothing(capsys, tmp_path):
    (tmp_path / "buren.yaml").write_text(
        "schema: 1\nregion: {id: buren, name: Buren, example: true, municipalities: "
        "[{name: Buurdorp, postcodes: [9830]}]}\nservices: []\n", encoding="utf-8")
    code, _out, err = run(capsys, "import", "--format", "sociale-kaart", DATA / "sociale_kaart_voorbeeld.json",
                         "--out", tmp_path, "--region", "beekveld")
    assert code == 1
    assert "hoort al bij regio" in err and "Niets geschreven" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["buren.yaml"]


@pytest.mark.parametrize("content, message", [
    ("{niet: json", "is geen geldige JSON (regel 1)"),
    ('{"iets": 1}', "verwacht een lijst van HSDS-services"),
])
def test_unreadable_hsds_is_one_clear_error(capsys, tmp_path, content, message):
    source = tmp_path / "services.json"
    source.write_text(content, encoding="utf-8")
    code, _out, err = run(capsys, "import", "--format", "hsds", source, "--out", tmp_path / "out")
    assert code == 1
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_missing_source_and_wrong_header(capsys, tmp_path):
    code, _out, err = run(capsys, "import", "--format", "csv", tmp_path / "nergens.csv", "--out", tmp_path)
    assert code == 1 and "bestaat niet" in err
    bad = tmp_path / "lijst.csv"
    bad.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    code, _out, err = run(capsys, "import", "--format", "csv", bad, "--out", tmp_path / "out")
    assert code == 1 and "geen kolommen 'naam' en 'organisatie'" in err


def test_export_refuses_to_overwrite_its_own_source(capsys, bench_kb_dir):
    code, _out, err = run(capsys, "export", "--kb", bench_kb_dir, "--out", bench_kb_dir)
    assert code == 1 and "kies een andere map" in err


def test_export_of_a_broken_knowledge_base_stops_with_the_errors(capsys, tmp_path):
    (tmp_path / "kapot.yaml").write_text("schema: 1\nregion: {id: kapot, name: K}\nservices:\n  - {id: x}\n",
                                         encoding="utf-8")
    code, _out, err = run(capsys, "export", "--kb", tmp_path, "--format", "hsds", "--out", tmp_path / "out")
    assert code == 1 and "verplicht veld ontbreekt" in err and "welzijnsbot check" in err


# ── the actionable fields as data survive a round trip (issue 16) ──────────────────────────────

REGIONS_DIR = Path(__file__).resolve().parents[1] / "regions"


def test_hsds_round_trip_keeps_schedule_cost_access_and_notes(capsys, tmp_path):
    original = load_knowledge_base(REGIONS_DIR)
    exported, imported = tmp_path / "export", tmp_path / "regions"
    assert run(capsys, "export", "--kb", REGIONS_DIR, "--format", "hsds", "--out", exported)[0] == 0
    code, out, err = run(capsys, "import", "--format", "hsds", exported, "--out", imported)
    assert code == 0, out + err
    assert "niet (helemaal) gelezen" not in out          # nothing of the hours became prose on the way
    copy = load_knowledge_base(imported)
    for sid, service in original.services.items():
        back = copy.services[sid]
        assert back.schedule == service.schedule, sid
        assert (back.price, back.access, back.bring, back.how) == \
            (service.price, service.access, service.bring, service.how), sid
        assert back.i18n == service.i18n, sid                     # notes in every language
    # and other HSDS readers see the openings as HSDS schedules: byday, opens_at, closes_at, attending_type
    items = {i["x_welzijnsbot"]["id"]: i for i in json.loads((exported / "services.json").read_text("utf-8"))}
    rows = items["caw-beekland-onthaal"]["schedules"]
    assert [(r["byday"], r["opens_at"], r["closes_at"], r.get("attending_type")) for r in rows] == [
        ("MO,TU,WE,TH,FR", "09:00", "12:00", "in person"), ("WE", "13:00", "16:00", "in person"),
        ("MO,TU,WE,TH,FR", "09:00", "17:00", "phone")]
    assert rows[0]["description"].startswith("ma-vr 9u-12u vrije inloop")
    assert items["voedselbank-beekland"]["schedules"][0]["interval"] == 2
    cost = items["cgg-meersdal-ouders"]["cost_options"][0]
    assert (cost["option"], cost["amount"], cost["currency"]) == ("vast-bedrag", 11.0, "EUR")


def test_hsds_schedules_of_another_publisher_become_schedule_data(capsys, tmp_path):
    """Without our extension and without descriptions, as another HSDS publisher writes them: the
    rows (byday, opens_at, closes_at) still give the openings."""
    original = load_knowledge_base(REGIONS_DIR)
    exported = tmp_path / "export"
    assert run(capsys, "export", "--kb", REGIONS_DIR, "--format", "hsds", "--out", exported)[0] == 0
    services = json.loads((exported / "services.json").read_text("utf-8"))
    for item in services:
        for key in ("hours", "cost", "access"):
            item["x_welzijnsbot"].pop(key, None)
        for row in item["schedules"]:
            row.pop("description", None)
    (exported / "services.json").write_text(json.dumps(services), encoding="utf-8")
    code, out, err = run(capsys, "import", "--format", "hsds", exported, "--out", tmp_path / "regions")
    assert code == 0, out + err
    copy = load_knowledge_base(tmp_path / "regions")
    for sid in ("caw-beekland-onthaal", "woonmaatschappij-beekland", "kinderlijn-zeg-het", "clb-meersdal"):
        want = original.services[sid].schedule
        got = copy.services[sid].schedule
        assert want is not None and got is not None
        assert [(o.days, o.opens, o.closes) for o in got.openings] == \
            [(o.days, o.opens, o.closes) for o in want.openings], sid


def test_yaml_export_writes_the_blocks_check_accepts(capsys, tmp_path):
    original = load_knowledge_base(REGIONS_DIR)
    assert run(capsys, "export", "--kb", REGIONS_DIR, "--format", "yaml", "--out", tmp_path)[0] == 0
    copy = load_knowledge_base(tmp_path)
    assert all(copy.services[s.id].schedule == s.schedule and copy.services[s.id].price == s.price
               and copy.services[s.id].access == s.access for s in original.services.values())
    written = (tmp_path / "beekland.yaml").read_text("utf-8")
    assert "      - {days: ma-vr, opens: '08:30', closes: '12:00', kind: vrije-inloop}\n" \
           "      - {days: di en do, kind: op-afspraak, part: namiddag}\n" in written


# ── spreadsheets as Excel and Numbers save them (issue 13) ───────────────────────────────────

_EXCEL_ROWS = [["organisatie", "naam", "samenvatting", "themas", "gebied", "email", "adres"],
               ["Vzw Proef", "Café Inloop", "Koffie, babbel en hulp bij brieven: één plek.", "administratie",
                "all", "een@proef.example", "Dorpsstraat 1, 9870 Proef"],
               ["Vzw Proef", "Crèche Zonneke", "Opvang voor baby's en peuters.", "kinderopvang",
                "all", "twee@proef.example", "Dorpsstraat 2, 9870 Proef"]]


@pytest.mark.parametrize("variant, encoding, delimiter, sep_line, named", [
    ("Unicode-tekst", "utf-16", "\t", False, "UTF-16"),
    ("Unicode-tekst zonder BOM", "utf-16-le", "\t", False, "UTF-16"),
    ("CSV met sep=;", "utf-8", ";", True, None),
    ("CSV (Windows) met sep=,", "cp1252", ",", True, "Windows-1252"),
    ("Mac Roman", "mac_roman", ";", False, "Mac Roman"),
])
def test_every_spreadsheet_variant_imports_with_its_accents(capsys, tmp_path, variant, encoding, delimiter, sep_line,
                                                             named):
    buffer = io.StringIO(newline="")
    if sep_line:
        buffer.write(f"sep={delimiter}\r\n")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(_EXCEL_ROWS)
    source = tmp_path / "diensten.csv"
    source.write_bytes(buffer.getvalue().encode(encoding))
    code, out, err = run(capsys, "import", "--format", "csv", source, "--out", tmp_path / "out", "--region", "proef")
    assert code == 0, variant + out + err
    kb = load_knowledge_base(tmp_path / "out")
    names = sorted(s.name for s in kb.services.values())
    assert names == ["Café Inloop", "Crèche Zonneke"], variant
    assert kb.services["vzw-proef-cafe-inloop"].summary == "Koffie, babbel en hulp bij brieven: één plek."
    if named:
        assert named in out, out
    else:
        assert "UTF-16" not in out and "Windows-1252" not in out and "Mac Roman" not in out
