"""Real data in, valid data out (issue 17): HSDS written by others, the real shape of De Sociale
Kaart, HSDS in tabular form, and an HSDS export that validates against the official schemas.

The official HSDS 3 schemas and examples are vendored in tests/data/hsds3 (see its README).
"""
from __future__ import annotations

import copy
import json
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from bot.cli import main
from kennisbank.interop import hsds, sociale_kaart
from kennisbank.interop.exporting import export_knowledge_base
from kennisbank.interop.importing import Issue, build
from kennisbank.interop.rubrics import RubricMap
from kennisbank.interop.values import html_to_text, iso639_1, province
from kennisbank.loader import load_knowledge_base
from kennisbank.schema import KnowledgeBase

DATA = Path(__file__).parent / "data"
HSDS3 = DATA / "hsds3"
REGIONS = Path(__file__).resolve().parent.parent / "regions"
Capsys = pytest.CaptureFixture[str]


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WELZIJNSBOT_CACHE_DIR", "off")


def run(capsys: Capsys, *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def report_lines(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.startswith("  ") and ": " in line]


# ── export: the official schemas, with format checking ───────────────────────────────────

def _validator(schema_file: str) -> jsonschema.Draft202012Validator:
    """The vendored object schemas refer to each other by file name; one registry resolves them all."""
    base = "https://hsds.invalid/schema/"
    registry: Registry = Registry().with_resources(
        (base + path.name, DRAFT202012.create_resource(json.loads(path.read_text(encoding="utf-8"))))
        for path in HSDS3.glob("*.json"))
    return jsonschema.Draft202012Validator({"$ref": base + schema_file}, registry=registry,
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _schema_errors(out_dir: Path) -> list[str]:
    services = json.loads((out_dir / "services.json").read_text(encoding="utf-8"))
    terms = json.loads((out_dir / "taxonomy_terms.json").read_text(encoding="utf-8"))
    errors = [f"dienst {s['x_welzijnsbot']['id']}: {e.json_path}: {e.message}"
              for s in services for e in _validator("service.json").iter_errors(s)]
    errors += [f"term {t.get('code')}: {e.json_path}: {e.message}"
               for t in terms for e in _validator("taxonomy_term.json").iter_errors(t)]
    return errors


def test_the_validator_checks_formats_and_required_fields() -> None:
    """A check that passes everything proves nothing: the same validator refuses what the issue found."""
    validator = _validator("service.json")
    bad = {"id": "caw-onthaal", "name": "Onthaal", "status": "active", "url": "geen url",
           "service_at_locations": [{"id": str(uuid.uuid4()), "location": {
               "id": str(uuid.uuid4()), "location_type": "physical",
               "addresses": [{"id": str(uuid.uuid4()), "address_1": "Dorp 1", "city": "Proef", "postal_code": "9870",
                              "country": "BE", "address_type": "physical"}]}}]}
    messages = sorted(e.message for e in validator.iter_errors(bad))
    assert messages == ["'caw-onthaal' is not a 'uuid'", "'geen url' is not a 'uri'",
                        "'state_province' is a required property"]


@pytest.mark.parametrize("which", ["regions", "benchmark"])
def test_hsds_export_validates_against_the_official_schemas(tmp_path: Path, bench_kb_dir: Path, which: str) -> None:
    kb = load_knowledge_base(REGIONS if which == "regions" else bench_kb_dir)
    export_knowledge_base(kb, "hsds", tmp_path)
    assert _schema_errors(tmp_path) == []
    services = json.loads((tmp_path / "services.json").read_text(encoding="utf-8"))
    assert len(services) == len(kb.services) > 60
    for item in services:
        service = kb.services[item["x_welzijnsbot"]["id"]]
        # deterministic ids: uuid5 of the project's id, so a new export has the same ids
        assert item["id"] == str(uuid.uuid5(hsds.ID_NAMESPACE, f"service/{service.id}"))
        assert item["organization"]["description"].startswith(f"{service.organisation} biedt: ")
        assert service.name in item["organization"]["description"]
        for sal in item["service_at_locations"]:
            for address in sal["location"]["addresses"]:
                assert address["state_province"] == province(address["postal_code"]) != ""


def test_hsds_export_is_stable_and_its_province_comes_from_the_postcode(tmp_path: Path,
                                                                        bench_kb: KnowledgeBase) -> None:
    export_knowledge_base(bench_kb, "hsds", tmp_path / "a")
    export_knowledge_base(bench_kb, "hsds", tmp_path / "b")
    for name in ("services.json", "taxonomy_terms.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    services = json.loads((tmp_path / "a" / "services.json").read_text(encoding="utf-8"))
    first = next(s for s in services if s["x_welzijnsbot"]["id"] == "ocmw-lindegem-onthaal-leefloon")
    address = first["service_at_locations"][0]["location"]["addresses"][0]
    assert (address["postal_code"], address["state_province"]) == ("9801", "Oost-Vlaanderen")
    assert [province(p) for p in ("1000", "1500", "2000", "3000", "3500", "8400", "9000", "4000", "0999", "98")] \
        == ["Brussels Hoofdstedelijk Gewest", "Vlaams-Brabant", "Antwerpen", "Vlaams-Brabant", "Limburg",
            "West-Vlaanderen", "Oost-Vlaanderen", "Luik", None, None]


# ── the specification's own examples ─────────────────────────────────────────────────────

SERVICE_FULL = HSDS3 / "examples" / "service_full.json"
SPEC_ID = "ac148810-d857-441c-9679-408f346de14b"


def _repaired(example: dict[str, Any]) -> dict[str, Any]:
    """service_full.json without its three known defects.

    1. every phone number is wrapped in literal quote characters ("\\"+44 1234 234567\\"");
    2. the location's latitude is 100, outside -90..90;
    3. the location is physical (location_type 'physical', "located on Main Street") but its only
       address is typed 'postal', so it has no visiting address.
    """
    fixed = copy.deepcopy(example)

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("number"), str):
                value["number"] = value["number"].strip('"')
            if value.get("latitude") == 100:
                value["latitude"] = 51.05
            if value.get("address_type") == "postal":
                value["address_type"] = "physical"
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(fixed)
    return fixed


def _import_spec(capsys: Capsys, tmp_path: Path, data: dict[str, Any], name: str) -> tuple[int, list[str]]:
    source = tmp_path / f"{name}.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    rubrics = tmp_path / "rubrieken.yaml"  # the example's taxonomy term is a placeholder called 'name'
    rubrics.write_text("rubrieken:\n  name: [psychisch-welzijn]\n", encoding="utf-8")
    code, out, _err = run(capsys, "import", "--format", "hsds", source, "--out", tmp_path / name,
                         "--region", "vlaanderen", "--rubrieken", rubrics)
    return code, report_lines(out)


# The example's opening hours are English prose: kept as the note, and the import says a parent reads it as is.
HOURS_UNREAD = "The service is available from 10 am to 6pm weekdays. The se…"  # shortened as reported

# What the knowledge base has no place for in service_full.json: every one is named in the report.
SPEC_NOT_TAKEN = (
    "interpretation_services, wait_time, accreditations, eligibility_description, minimum_age, maximum_age, "
    "assurer_email, licenses, alert, phones[0].description, schedules[0].valid_from, schedules[0].valid_to, "
    "schedules[0].dtstart, "
    "schedules[0].timezone, schedules[0].until, schedules[0].count, schedules[0].wkst, schedules[0].freq, "
    "schedules[0].interval, schedules[0].byweekno, schedules[0].bymonthday, schedules[0].byyearday, "
    "schedules[0].schedule_link, schedules[0].attending_type, service_areas[0].description, service_areas[0].extent, "
    "service_areas[0].extent_type, service_areas[0].uri, service_at_locations[0].description, "
    "service_at_locations[0].location.url, "
    "service_at_locations[0].location.alternate_name, service_at_locations[0].location.description, "
    "service_at_locations[0].location.transportation, service_at_locations[0].location.external_identifier, "
    "service_at_locations[0].location.external_identifier_type, service_at_locations[0].location.accessibility, "
    "languages[0].note, organization.alternate_name, organization.description, organization.email, "
    "organization.website, organization.tax_status, organization.year_incorporated, organization.legal_status, "
    "organization.logo, organization.uri, organization.funding, organization.programs, "
    "organization.organization_identifiers, funding, program, required_documents[0].uri, "
    "contacts[0].phones[0].description, attributes[0].value, "
    "attributes[0].taxonomy_term.description, attributes[0].taxonomy_term.taxonomy_detail, "
    "attributes[0].taxonomy_term.language, attributes[0].taxonomy_term.term_uri")


def test_spec_service_full_repaired_imports_with_nothing_dropped_silently(capsys: Capsys, tmp_path: Path) -> None:
    example = json.loads(SERVICE_FULL.read_text(encoding="utf-8"))
    code, lines = _import_spec(capsys, tmp_path, _repaired(example), "hersteld")
    assert code == 0, lines
    e = f"dienst {SPEC_ID}"
    assert lines == [
        f"{e} · description: let op: samenvatting gemaakt uit de beschrijving; lees ze na",
        f"{e} · service_areas[0]: let op: werkingsgebied 'The service is available to all residents of the MyCity "
        "area' niet overgenomen: het gebied komt uit de adressen (of vul 'area' aan)",
        f"{e} · service_at_locations[0].location.addresses[0]: let op: adres in Verenigde Staten: als bezoekadres "
        "overgenomen, niet als gemeente van de regio",
        f"{e}: let op: velden zonder plaats in de kennisbank niet overgenomen: {SPEC_NOT_TAKEN}",
        f"{e} · assured_date: let op: laatst bevestigd op 2005-01-01, meer dan 12 maanden geleden",
        f"{e} · schedules: let op: openingsuren niet (helemaal) gelezen: {HOURS_UNREAD!r}; een ouder ziet dat deel "
        "in het Nederlands. Schrijf bv. 'ma-vr 9u-12u, wo 13u-16u' of 'op afspraak', of gebruik het blok met "
        "open/closed/note (docs/kennisbank-format.md)",
    ]
    service = load_knowledge_base(tmp_path / "hersteld").services[SPEC_ID]
    assert (service.organisation, service.name) == ("Example Organization Inc.", "Community Counselling")
    assert service.summary.startswith("Counselling Services provided by trained professionals.")
    assert service.themes == ("psychisch-welzijn",) and service.keywords == ("MyCity Counselling Services",)
    assert service.phone == "+441234234567" and service.email == "email@example.com"
    assert service.url == "http://example.com/counselling"
    assert (service.contact.name, service.contact.role, service.contact.phone, service.contact.email) == \
        ("Ann Persona", "Reception Manager, Reception", "+441234234567", "email@example.com")
    assert service.location is not None
    assert service.location.address == "1-30 Main Street, MyVillage, ABC 1234 MyCity, Verenigde Staten"
    assert service.location is not None
    assert (service.location.lat, service.location.lon) == (51.05, 101.0)
    assert service.hours == ("The service is available from 10 am to 6pm weekdays. The service is not available on "
                             "public holidays. (do, vr 10:00-18:00) Some of our staff will be unavailable during "
                             "their lunch break which may be any 30 minute period between 1200 and 1400")
    assert service.languages == ("ur",)
    assert service.cost is not None
    assert service.cost.startswith("Non-NHS patients are expected to pay") and service.cost.endswith(
        "; fees_description; Under 18s and Over 60s: 35 GBP per 1 hour session (van 2020-01-01 tot 2022-12-31)")
    assert service.bring[0].startswith("Any official identification document")
    assert service.how is not None
    assert service.how.endswith("\nTelefoon +44 1234 234567: vraag naar toestel 100.")
    assert service.last_verified is not None
    assert service.last_verified.isoformat() == "2005-01-01" and service.status == "active"
    assert service.postcodes is None  # a foreign address is no municipality of the region


def test_spec_service_full_reports_exactly_its_three_defects(capsys: Capsys, tmp_path: Path) -> None:
    example = json.loads(SERVICE_FULL.read_text(encoding="utf-8"))
    _code, repaired = _import_spec(capsys, tmp_path, _repaired(example), "hersteld")
    code, original = _import_spec(capsys, tmp_path, example, "origineel")
    assert code == 1  # the phone number is the only one, and it is not a number: the record is refused
    e = f"dienst {SPEC_ID}"
    defects = [line for line in original if line not in repaired]
    assert defects == [
        # 3. the physical location has only a postal address
        f"{e} · service_at_locations[0].location.addresses[0]: let op: postadres '1-30 Main Street, MyVillage, "
        "ABC 1234 MyCity, Verenigde Staten' niet als bezoekadres overgenomen: locatie 'MyCity Civic Center' is een "
        "fysieke locatie (location_type 'physical') maar heeft geen bezoekadres",
        # 2. latitude 100
        f"{e} · service_at_locations[0].location.latitude: let op: breedtegraad 100 ligt niet tussen -90 en 90; "
        "coördinaten niet overgenomen",
        # 1. the quoted number, where the service and its contact person use it
        f"{e} · contacts[0].phones[0].number: niet geïmporteerd: '\"+44 1234 234567\"' is geen geldig "
        "telefoonnummer; verwacht bv. 09 999 10 10 of +32 9 999 10 10",
        f"{e} · phones[0].number: niet geïmporteerd: '\"+44 1234 234567\"' is geen geldig telefoonnummer; "
        "verwacht bv. 09 999 10 10 of +32 9 999 10 10",
    ]
    # and nothing the repaired file reports is missing from the original's report, except what follows
    # from the defects (the foreign visiting address exists only once the address is a physical one)
    assert [line for line in repaired if line not in original] == [
        f"{e} · service_at_locations[0].location.addresses[0]: let op: adres in Verenigde Staten: als bezoekadres "
        "overgenomen, niet als gemeente van de regio",
        f"{e} · assured_date: let op: laatst bevestigd op 2005-01-01, meer dan 12 maanden geleden",
        f"{e} · schedules: let op: openingsuren niet (helemaal) gelezen: {HOURS_UNREAD!r}; een ouder ziet dat deel "
        "in het Nederlands. Schrijf bv. 'ma-vr 9u-12u, wo 13u-16u' of 'op afspraak', of gebruik het blok met "
        "open/closed/note (docs/kennisbank-format.md)"]


def test_organization_full_imports_its_nested_services(capsys: Capsys, tmp_path: Path) -> None:
    example = _repaired(json.loads((HSDS3 / "examples" / "organization_full.json").read_text(encoding="utf-8")))
    code, lines = _import_spec(capsys, tmp_path, example, "organisatie")
    assert code == 0, lines
    service = load_knowledge_base(tmp_path / "organisatie").services[SPEC_ID]
    assert service.organisation == "Example Organization Inc." and service.name == "Community Counselling"
    left = next(line for line in lines if "velden zonder plaats" in line)
    assert "organization.website" in left and "organization.funding" in left  # the parent's own fields


def test_objects_that_are_no_service_are_named_not_imported(capsys: Capsys, tmp_path: Path) -> None:
    source = tmp_path / "gemengd.json"
    source.write_text(json.dumps([
        {"id": "org-1", "name": "Vzw Proef", "description": "Een organisatie", "website": "https://proef.example"},
        {"id": "loc-1", "name": "Hoofdzetel", "location_type": "physical", "latitude": 51.0, "longitude": 3.7},
        {"id": "term-1", "name": "Voeding", "description": "Voedselhulp", "taxonomy": "eigen", "code": "voeding"},
        {"id": "sal-1", "service": {"id": "dienst-1", "name": "Inloop", "description": "Koffie en hulp.",
                                    "email": "inloop@proef.example", "organization": {"name": "Vzw Proef"},
                                    "attributes": [{"taxonomy_term": {"code": "administratie"}}]},
         "location": {"id": "loc-2", "location_type": "physical", "addresses": [
             {"address_1": "Dorp 1", "postal_code": "9870", "city": "Proef", "country": "BE",
              "address_type": "physical"}]}},
    ]), encoding="utf-8")
    code, out, err = run(capsys, "import", "--format", "hsds", source, "--out", tmp_path / "out", "--region", "proef")
    assert code == 3, out + err
    assert report_lines(out)[:3] == [
        "record 1: niet geïmporteerd: een organisatie (organization), geen dienst (service); overgeslagen",
        "record 2: niet geïmporteerd: een locatie (location), geen dienst (service); overgeslagen",
        "record 3: niet geïmporteerd: een taxonomieterm (taxonomy_term), geen dienst (service); overgeslagen"]
    service = load_knowledge_base(tmp_path / "out").services["dienst-1"]  # from the service_at_location
    assert service.location is not None
    assert service.location.address == "Dorp 1, 9870 Proef" and service.area == ("Proef",)


def _foreign(**changes: Any) -> dict[str, Any]:
    """A service as another Flemish publisher might write it (fictional)."""
    service: dict[str, Any] = {
        "id": "7d7c1a3e-8f1d-4c55-9c1e-2f7d3a1b9e01", "name": "Budgetbegeleiding", "status": "active",
        "description": "<p>Samen met een <b>budgetbegeleider</b> maak je een plan.</p><ul><li>gratis</li>"
                       "<li>op afspraak</li></ul>",
        "organization": {"id": "8d7c1a3e-8f1d-4c55-9c1e-2f7d3a1b9e01", "name": "Sociaal Huis Beekveld"},
        "assured_date": "2026-06-30T10:30:45.123Z",
        "phones": [{"id": "p1", "number": "09 999 60 09", "type": "fax"},
                   {"id": "p2", "number": "09 999 60 00", "type": "voice", "extension": 12}],
        "languages": [{"id": "l1", "code": "nld"}, {"id": "l2", "code": "fr-BE"}, {"id": "l3", "code": "eng"}],
        "attributes": [{"id": "a1", "taxonomy_term": {"id": "t1", "name": "Budgetbeheer", "taxonomy": "eigen"}}],
        "cost_options": [{"id": "c1", "amount": "0", "currency": "eur", "amount_description": "per gesprek"}],
        "schedules": [{"id": "s1", "byday": "MO,WE", "opens_at": "09:00:00", "closes_at": "12:00:00"}],
        "service_at_locations": [
            {"id": "sal1", "location": {"id": "loc1", "location_type": "postal", "addresses": [
                {"id": "a1", "address_1": "Postbus 12", "city": "Beekveld", "postal_code": "9830", "country": "BE",
                 "address_type": "postal"}]}},
            {"id": "sal2", "location": {"id": "loc2", "location_type": "physical", "latitude": "51,01",
                                        "longitude": "3.61", "addresses": [
                {"id": "a2", "address_1": "Dorpsplein 1", "city": "Beekveld", "postal_code": "9830", "country": "BE",
                 "address_type": "physical"}]}},
            {"id": "sal3", "location": {"id": "loc3", "location_type": "physical", "addresses": [
                {"id": "a3", "address_1": "Grensweg 3", "city": "Grensdorp", "postal_code": "4567", "country": "NL",
                 "address_type": "physical"}]}},
        ],
    }
    service.update(changes)
    return service


def test_values_other_publishers_write_are_mapped(capsys: Capsys, tmp_path: Path) -> None:
    source = tmp_path / "services.json"
    source.write_text(json.dumps([_foreign()]), encoding="utf-8")
    code, out, err = run(capsys, "import", "--format", "hsds", source, "--out", tmp_path / "out",
                         "--region", "beekveld")
    assert code == 0, out + err
    e = "dienst 7d7c1a3e-8f1d-4c55-9c1e-2f7d3a1b9e01"
    lines = report_lines(out)
    assert f"{e} · description: let op: HTML omgezet naar platte tekst" in lines
    assert f"{e} · phones[0].number: let op: extra faxnummer 09 999 60 09 van de dienst niet overgenomen " \
           "(één nummer)" in lines
    assert f"{e} · service_at_locations[0].location.addresses[0]: let op: postadres 'Postbus 12, 9830 Beekveld' " \
           "niet als bezoekadres overgenomen" in lines
    assert f"{e} · service_at_locations[2].location.addresses[0]: let op: extra adres 'Grensweg 3, 4567 " \
           "Grensdorp, Nederland' niet als locatie overgenomen (één adres per dienst; wel als gebied)" in lines
    assert not any("velden zonder plaats" in line for line in lines)
    kb = load_knowledge_base(tmp_path / "out")
    service = kb.services["7d7c1a3e-8f1d-4c55-9c1e-2f7d3a1b9e01"]
    assert service.summary == "Samen met een budgetbegeleider maak je een plan."
    assert service.description == "Samen met een budgetbegeleider maak je een plan.\n\n- gratis\n- op afspraak"
    assert service.phone == "+3299996000" and service.how == "Telefoon 09 999 60 00: vraag naar toestel 12."
    assert service.languages == ("nl", "fr", "en")
    assert service.last_verified is not None
    assert service.last_verified.isoformat() == "2026-06-30"
    assert service.location is not None
    assert service.location.address == "Dorpsplein 1, 9830 Beekveld"
    assert service.location is not None
    assert (service.location.lat, service.location.lon) == (51.01, 3.61)
    assert service.cost == "0 EUR per gesprek" and service.hours == "ma, wo 09:00-12:00"
    assert service.themes == ("schulden", "inkomen")
    # the Dutch address (NL) does not become a municipality of the new region
    assert [m.name for m in kb.regions["beekveld"].municipalities] == ["Beekveld"]


def test_a_multilingual_description_gives_the_dutch_text_and_translations(capsys: Capsys, tmp_path: Path) -> None:
    source = tmp_path / "services.json"
    source.write_text(json.dumps([_foreign(description={"nl": "Hulp bij je budget.", "fr-BE": "Aide budgétaire.",
                                                        "xx-1": 5}, name={"nl": "Budget", "en": "Budget help"})]),
                      encoding="utf-8")
    code, out, err = run(capsys, "import", "--format", "hsds", source, "--out", tmp_path / "out", "--region", "b")
    assert code == 0, out + err
    assert "description: let op: verwacht tekst of per taal een tekst; niet overgenomen: xx-1" in out
    service = load_knowledge_base(tmp_path / "out").services["7d7c1a3e-8f1d-4c55-9c1e-2f7d3a1b9e01"]
    assert (service.name, service.summary) == ("Budget", "Hulp bij je budget.")
    assert service.i18n == {"fr": {"summary": "Aide budgétaire."}, "en": {"name": "Budget help"}}


def _one(tmp_path: Path, service: dict[str, Any]) -> tuple[Any, list[str]]:
    source = tmp_path / "services.json"
    source.write_text(json.dumps([service]), encoding="utf-8")
    parsed = hsds.read(source, "beekveld")
    kb, issues = build(parsed, field_label=hsds.field_label)
    return (kb.services.get(service["id"]) if kb else None), [str(i) for i in issues]


@pytest.mark.parametrize("change, expected, imported", [
    # the two places where the old importer raised a traceback
    ({"description": 42}, None, True),
    ({"description": ["Hulp bij je budget."]}, "description: let op: verwacht tekst, niet een lijst", False),
    ({"description": {"opmerking": "x"}}, "description: let op: verwacht tekst of per taal een tekst; niet "
                                         "overgenomen: opmerking", False),
    ({"service_at_locations": [{"location": {"addresses": [{"address_1": 12, "postal_code": 9830,
                                                            "city": "Beekveld"}]}}]}, None, True),
    ({"service_at_locations": [{"location": {"addresses": [{"address_1": {"straat": "Dorp"}, "postal_code": "9830",
                                                            "city": "Beekveld"}]}}]},
     "service_at_locations[0].location.addresses[0].address_1: let op: verwacht tekst of per taal", True),
    # its only phone unreadable, the service has no way to be reached: refused, with both reasons
    ({"phones": "09 999 60 00"}, "phones: let op: verwacht een lijst van objecten, niet \"09 999 60 00\"", False),
    ({"assured_date": "30/06/2026"}, "assured_date: let op: '30/06/2026' is geen datum (verwacht JJJJ-MM-DD); "
                                     "niet overgenomen", True),
    ({"languages": [{"code": "klingon"}]}, "languages[0].code: let op: taalcode 'klingon' heeft geen ISO 639-1-code",
     True),
])
def test_values_of_the_wrong_type_are_named_by_their_hsds_path(tmp_path: Path, change: dict[str, Any], expected: Any,
                                                               imported: bool) -> None:
    service, lines = _one(tmp_path, _foreign(**change))
    assert (service is not None) == imported, lines
    if expected:
        assert any(f"dienst 7d7c1a3e-8f1d-4c55-9c1e-2f7d3a1b9e01 · {expected}" in line for line in lines), lines
    if not imported and "description" in change:  # refused with the reason, in HSDS terms
        assert "dienst 7d7c1a3e-8f1d-4c55-9c1e-2f7d3a1b9e01 · description: niet geïmporteerd: verplicht veld " \
               "ontbreekt of is leeg" in lines
    if not imported and "phones" in change:
        assert any("geen manier om de dienst te bereiken" in line for line in lines)
    if "address_1" in json.dumps(change) and service is not None:
        assert service.location.address.endswith("9830 Beekveld")


@pytest.mark.parametrize("code, expected", [("nl", "nl"), ("nld", "nl"), ("dut", "nl"), ("NL-be", "nl"),
                                            ("fra", "fr"), ("fr_BE", "fr"), ("ara", "ar"), ("tzm", None),
                                            ("zz", None), ("", None)])
def test_language_codes_become_iso_639_1(code: str, expected: Any) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="geen ISO 639-1-code"):
            iso639_1(code)
    else:
        assert iso639_1(code) == expected


def test_html_becomes_plain_text() -> None:
    assert html_to_text("<h2>Titel</h2><p>Een &amp; twee<br>drie</p><script>x()</script>") == \
        "Titel\n\nEen & twee\ndrie"


# ── HSDS in tabular form ──────────────────────────────────────────────────────────────────

def _write_tables(folder: Path, tables: dict[str, str]) -> None:
    folder.mkdir()
    for name, text in tables.items():
        (folder / name).write_text(text, encoding="utf-8")


def test_hsds_tabular_data_package_is_imported(capsys: Capsys, tmp_path: Path) -> None:
    package = tmp_path / "pakket"
    _write_tables(package, {
        "datapackage.json": json.dumps({"name": "proef", "resources": [
            {"name": "service", "path": "diensten.csv"}, {"name": "organization", "path": "organizations.csv"}]}),
        "diensten.csv": "id,organization_id,name,description,email,status\n"
                        "s1,o1,Inloop,Koffie en hulp bij brieven.,inloop@proef.example,active\n"
                        "s2,o1,Kledij,Tweedehands kledij.,kledij@proef.example,actief\n",
        "organizations.csv": "id,name,description\no1,Vzw Proef,Buurtwerk\n",
        "phones.csv": "id,service_id,number,type\np1,s1,09 999 70 09,fax\np2,s1,09 999 70 01,voice\n"
                      "p3,s9,09 999 70 02,voice\n",
        "attributes.csv": "id,link_id,taxonomy_term_id\na1,s1,t1\na2,s2,t2\n",
        "taxonomy_terms.csv": "id,code,name,description\nt1,administratie,Administratie,x\nt2,,Kledingbank,x\n",
        "service_at_location.csv": "id,service_id,location_id\nsal1,s1,l1\nsal2,s2,l1\n",
        "locations.csv": "id,location_type,latitude,longitude\nl1,physical,\"51,05\",3.7\n",
        "addresses.csv": "id,location_id,address_1,city,postal_code,country,address_type\n"
                         "a1,l1,Dorp 1,Proef,9870,BE,physical\n",
        "schedules.csv": "id,service_id,byday,opens_at,closes_at,wkst\nh1,s1,TU,13:00,16:00,MO\n",
    })
    code, out, err = run(capsys, "import", "--format", "hsds", package, "--out", tmp_path / "out", "--region", "proef")
    assert code == 3, out + err
    lines = report_lines(out)
    assert "phones.csv rij 4: niet geïmporteerd: hoort bij geen enkele rij van de gegevens (service_id s9)" in lines
    assert "dienst s1 · phones.csv rij 2 · kolom number: let op: extra faxnummer 09 999 70 09 van de dienst niet " \
           "overgenomen (één nummer)" in lines
    assert "dienst s1: let op: velden zonder plaats in de kennisbank niet overgenomen: schedules.csv rij 2 · " \
           "kolom wkst, organizations.csv rij 2 · " \
           "kolom description" in lines
    assert "dienst s2 · diensten.csv rij 3 · kolom status: niet geïmporteerd: onbekende status 'actief' " \
           "(toegelaten: active, temporarily-closed, inactive)" in lines
    service = load_knowledge_base(tmp_path / "out").services["s1"]
    assert (service.organisation, service.name, service.phone) == ("Vzw Proef", "Inloop", "+3299997001")
    assert service.themes == ("administratie",) and service.hours == "di 13:00-16:00"
    assert service.location is not None
    assert service.location.address == "Dorp 1, 9870 Proef" and service.location.lat == 51.05


def test_the_specifications_tabular_example_is_reported_by_file_row_and_column(capsys: Capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "import", "--format", "hsds", HSDS3 / "examples" / "csv", "--out", tmp_path,
                         "--region", "vlaanderen")
    assert code == 1 and "Traceback" not in err
    lines = report_lines(out)
    e = f"dienst {SPEC_ID}"
    assert "attributes.csv rij 2: niet geïmporteerd: hoort bij geen enkele rij van de gegevens " \
           "(link_id f28dd44b-0c4d-479f-8e90-4c52219a8b3c)" in lines
    assert f"{e} · locations.csv rij 2 · kolom latitude: let op: breedtegraad 100 ligt niet tussen -90 en 90; " \
           "coördinaten niet overgenomen" in lines
    assert f"{e} · phones.csv rij 2 · kolom number: niet geïmporteerd: '\"+44 1234 234567\"' is geen geldig " \
           "telefoonnummer; verwacht bv. 09 999 10 10 of +32 9 999 10 10" in lines
    assert f"{e} · attributes.csv: niet geïmporteerd: verplicht veld ontbreekt of is leeg" in lines


# ── De Sociale Kaart in the API's real shape ─────────────────────────────────────────────

def test_sociale_kaart_hal_shape_imports_name_address_contact_and_themes(capsys: Capsys, tmp_path: Path) -> None:
    data = json.loads((DATA / "sociale_kaart_voorbeeld.json").read_text(encoding="utf-8"))
    hal = {"_embedded": {"healthOffers": data["content"]}, "page": data["page"]}
    source = tmp_path / "hal.json"
    source.write_text(json.dumps(hal), encoding="utf-8")
    code, out, err = run(capsys, "import", "--format", "sociale-kaart", source, "--out", tmp_path / "out",
                         "--region", "Regio Beekveld")
    assert code == 3, out + err
    kb = load_knowledge_base(tmp_path / "out")
    s = kb.services["sk-900001"]
    assert (s.organisation, s.name) == ("Sociaal Huis Beekveld", "Sociaal Huis Beekveld")
    assert s.location is not None
    assert s.location.address == "Dorpsplein 1, 9830 Beekveld" and (s.location.lat, s.location.lon) == (51.01, 3.61)
    assert s.postcodes == frozenset({9830})
    assert (s.phone, s.email, s.url) == ("+3299994001", "schulden@beekveld.example",
                                         "https://www.beekveld.example/schulden")
    assert s.themes == ("schulden", "inkomen") and s.summary == "Schuldbemiddeling; Budgetbeheer"
    assert "aanbod 900001 · activities: let op: geen beschrijving: de activiteiten staan voorlopig als " \
           "samenvatting; vul ze aan" in out


def test_sociale_kaart_rubric_codes_map_through_the_mapping_file(tmp_path: Path) -> None:
    rubrics_file = tmp_path / "r.yaml"
    rubrics_file.write_text("rubrieken:\n  '10.07': [kinderopvang]\n", encoding="utf-8")
    rubrics = RubricMap.load(rubrics_file)
    assert sociale_kaart.themes_of_rubric(rubrics, "10.07.05. Iets anders") == ("kinderopvang",)
    assert sociale_kaart.themes_of_rubric(rubrics, "99.01.01. Schuldbemiddeling") == ("schulden",)
    assert sociale_kaart.rubric_parts("10.07.02. Groepsopvang voor kinderen") == ("10.07.02",
                                                                                  "Groepsopvang voor kinderen")


# ── fuzz: thousands of single-field variants, no traceback, every record accounted for ──

WEIRD: tuple[Any, ...] = (None, "", 0, -1, 3.5, 1e308, True, [], {}, [1, "x"], {"nl": "tekst"}, {"x": {"y": 1}},
                          "<b>x</b> &amp;", "x" * 3000, "\u0000\u202e", "nld", "2020-13-45", "100", "+32 9 999 10 10")
REMOVE: Any = object()


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield (*path, i)
            yield from _paths(item, (*path, i))


def _variants(base: dict[str, Any], rng: random.Random, per_field: int, make_id: Any
              ) -> Iterator[tuple[str, dict[str, Any], tuple[Any, ...], Any]]:
    """(JSON, id, changed path, new value) of single-field variants: each field (containers too)
    replaced by odd values or removed.

    Seeded: per field a fixed sample of the odd values, plus removal. The base is changed in place
    and restored, so thousands of variants of a large record stay cheap.
    """
    for path in list(_paths(base)):
        parent = base
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        original = parent[key]
        for value in (*rng.sample(WEIRD, per_field), REMOVE):
            if value is REMOVE and isinstance(parent, list):
                continue
            if value is REMOVE:
                del parent[key]
            else:
                parent[key] = value
            own_id = base.get("id", REMOVE)
            if path != ("id",):
                base["id"] = make_id()
            yield json.dumps(base), ({"id": base["id"]} if "id" in base else {}), path, value
            if own_id is REMOVE:
                base.pop("id", None)
            else:
                base["id"] = own_id
            parent[key] = original


def _accounted_for(parsed_refs: list[str], kb_ids: set[str], drafts: dict[str, str], issues: list[Issue]) -> None:
    refused = {i.record for i in issues if i.skipped}
    for ref in parsed_refs:
        assert drafts.get(ref) in kb_ids or ref in refused, ref


# Fields that steer how others are read (a phone's type, an address's type, the taxonomy of a term)
# and bookkeeping (ids, links between objects, change logs): their value is used, not copied.
_STEERING = frozenset({"id", "type", "address_type", "location_type", "link_type", "link_entity", "taxonomy",
                       "code", "metadata", "last_modified"})


def _texts_of(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(_texts_of(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(_texts_of(v) for v in value)
    return str(value).lower()


def _format_path(path: tuple[Any, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _silently_dropped(variants: list[Any], refs: list[str], drafts: list[Any], issues: list[Issue]) -> list[str]:
    """Variants whose new text is neither in the imported draft nor named (by its path) in the report."""
    named: dict[str, list[str]] = {}
    for issue in issues:
        found = named.setdefault(issue.record, [])
        if issue.field:
            found.append(issue.field)
        if "niet overgenomen: " in issue.message:
            found.extend(issue.message.split("niet overgenomen: ", 1)[1].split(", "))
    by_ref = {d.ref: _texts_of(d.raw) for d in drafts}
    silent = []
    for ref, (_text, _given, path, value) in zip(refs, variants, strict=True):
        if not isinstance(value, str) or not value.isprintable() or \
                any(isinstance(step, str) and (step in _STEERING or step.endswith("_id")) for step in path):
            continue
        where = _format_path(path)
        if any(where == p or where.startswith((p + ".", p + "[")) for p in named.get(ref, [])):
            continue
        if html_to_text(value).lower()[:20] in by_ref.get(ref, "\0"):
            continue
        silent.append(f"{ref}: {where} = {value[:20]!r}")
    return silent


def test_fuzz_hsds_service_variants_never_crash_and_every_record_is_accounted_for(tmp_path: Path) -> None:
    rng = random.Random(17)
    counter = iter(range(10**6))

    def make_id() -> str:
        return f"00000000-0000-4000-8000-{next(counter):012d}"

    bases = [_repaired(json.loads(SERVICE_FULL.read_text(encoding="utf-8"))), _foreign()]
    variants = [v for base, n in zip(bases, (2, 8), strict=True) for v in _variants(base, rng, n, make_id)]
    assert len(variants) > 2000
    source = tmp_path / "services.json"
    source.write_text("[" + ",".join(v[0] for v in variants) + "]", encoding="utf-8")
    rubrics = tmp_path / "r.yaml"
    rubrics.write_text("rubrieken:\n  name: [psychisch-welzijn]\n", encoding="utf-8")
    parsed = hsds.read(source, "vlaanderen", RubricMap.load(rubrics))
    kb, issues = build(parsed, field_label=hsds.field_label)
    assert kb is not None
    refs = [hsds.record_ref(v[1], f"record {i}") for i, v in enumerate(variants, 1)]
    _accounted_for(refs, set(kb.services), {d.ref: d.raw["id"] for d in parsed.drafts}, issues)
    assert len(kb.services) > len(variants) / 2  # most variants still import
    assert _silently_dropped(variants, refs, parsed.drafts, issues) == []
    # reports speak HSDS: the first step of every field path is a property of an HSDS service
    allowed = set(json.loads((HSDS3 / "service.json").read_text(encoding="utf-8"))["properties"]) | {"region"}
    for issue in issues:
        if issue.field:
            assert issue.field.replace("[", ".").split(".")[0] in allowed, issue


def test_fuzz_sociale_kaart_offer_variants_never_crash_and_every_record_is_accounted_for(tmp_path: Path) -> None:
    rng = random.Random(17)
    counter = iter(range(10**6))

    def make_id() -> dict[str, Any]:
        return {"id": 100000 + next(counter), "authenticSource": "FICTIEF"}

    content = json.loads((DATA / "sociale_kaart_voorbeeld.json").read_text(encoding="utf-8"))["content"]
    variants = [v for base in (content[0], content[1], content[3]) for v in _variants(base, rng, 12, make_id)]
    assert len(variants) > 1000
    source = tmp_path / "aanbod.json"
    source.write_text('{"page": {"number": 0}, "content": [' + ",".join(v[0] for v in variants) + "]}",
                      encoding="utf-8")
    parsed = sociale_kaart.read(source, "Regio Fuzz")
    kb, issues = build(parsed, field_label=sociale_kaart.field_label)
    assert kb is not None
    refs = [sociale_kaart.offer_ref(v[1], i) for i, v in enumerate(variants, 1)]
    _accounted_for(refs, set(kb.services), {d.ref: d.raw["id"] for d in parsed.drafts}, issues)
    assert len(kb.services) > len(variants) / 2
    allowed = {"legalName", "activities", "contactInfo", "addresses", "state", "description", "id"}
    for issue in issues:
        if issue.field and not issue.record.startswith("regio"):
            assert issue.field.replace("[", ".").split(".")[0] in allowed, issue
