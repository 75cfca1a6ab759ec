"""The loader lists every problem of bad region files, each pointing at file, line, service and field.

A coordinator fixes a file in one pass only when the messages are precise, and the bot must keep
running whatever lands in regions/: bad data is a list of problems, never a traceback.
"""
from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
import yaml

from kennisbank.loader import (
    DEFAULT_KB,
    KnowledgeBaseError,
    check_directory,
    load_knowledge_base,
)
from kennisbank.schema import THEME_IDS
from paths import BENCHMARK_KB

TODAY = date(2026, 11, 29)

REGION = """\
schema: 1
region:
  id: {rid}
  name: Regio {rid}
  example: true
  municipalities:
    - {{name: Beekdonk, postcodes: [{pc1}, {pc2}]}}
    - {{name: Hazelveld, postcodes: [{pc3}]}}
services:
"""

SERVICE = """\
  - id: {sid}
    organisation: Sociaal Huis Beekdonk
    name: Onthaal
    summary: Eerste aanspreekpunt voor wie geen of te weinig inkomen heeft.
    themes: [inkomen]
    area: [Beekdonk]
    contact:
      name: Lotte Voorbeeld
      phone: "+32 9 999 20 11"
      email: lotte@beekdonk.example
    url: https://www.beekdonk.example
    last_verified: 2026-09-01
"""


def region(rid: str = "beekland", pcs: tuple[int, int, int] = (9803, 9804, 9805)) -> str:
    return REGION.format(rid=rid, pc1=pcs[0], pc2=pcs[1], pc3=pcs[2])


def service(sid: str = "onthaal", **replace: str) -> str:
    text = SERVICE.format(sid=sid)
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def check(directory: Path):
    kb, problems = check_directory(directory, today=TODAY)
    errors = [p for p in problems if not p.warning]
    return kb, errors, [p for p in problems if p.warning]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing needle, so tests don't hard-code line numbers."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def only_error(directory: Path):
    kb, errors, _ = check(directory)
    assert kb is None
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def test_a_valid_region_loads_without_problems(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service("a") + service("b"))
    kb, errors, warnings = check(tmp_path)
    assert errors == [] and warnings == []
    assert set(kb.services) == {"a", "b"}
    assert kb.services["a"].postcodes == frozenset({9803, 9804})
    assert kb.services["a"].contact.phone == "+3299992011"


def test_yaml_syntax_error_names_the_line(tmp_path):
    text = region() + service(**{"    name: Onthaal\n": "    name: Onthaal: vrije inloop\n"})
    path = write(tmp_path, "beekland.yaml", text)
    problem = only_error(tmp_path)
    assert problem.file == str(path)
    assert problem.line == line_of(text, "Onthaal: vrije inloop")
    assert "YAML-syntaxfout" in problem.message and "aanhalingstekens" in problem.message


def test_unclosed_quote_is_a_syntax_error_not_a_crash(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service(**{"name: Onthaal": 'name: "Onthaal'}))
    problem = only_error(tmp_path)
    assert "YAML-syntaxfout" in problem.message and problem.line


def test_tabs_are_reported_on_every_line(tmp_path):
    text = region() + service().replace("    name:", "\tname:", 1).replace("    summary:", "\t  summary:")
    write(tmp_path, "beekland.yaml", text)
    kb, errors, _ = check(tmp_path)
    assert kb is None
    assert [e.line for e in errors] == [line_of(text, "\tname"), line_of(text, "\t  summary")]
    assert all("tab" in e.message for e in errors)


def test_unknown_key_names_service_field_and_line(tmp_path):
    text = region() + service(**{"    url:": "    webiste: https://x.example\n    url:"})
    write(tmp_path, "beekland.yaml", text)
    problem = only_error(tmp_path)
    assert (problem.service, problem.field, problem.line) == ("onthaal", "webiste", line_of(text, "webiste"))
    assert "onbekend veld 'webiste'" in problem.message


def test_unknown_key_inside_contact(tmp_path):
    text = region() + service(**{"      name: Lotte": "      naam: Lotte"})
    write(tmp_path, "beekland.yaml", text)
    problem = only_error(tmp_path)
    assert (problem.field, problem.line) == ("contact.naam", line_of(text, "naam: Lotte"))


def test_key_written_twice_is_an_error(tmp_path):
    text = region() + service(**{"    url:": "    name: Tweede naam\n    url:"})
    write(tmp_path, "beekland.yaml", text)
    problem = only_error(tmp_path)
    assert problem.field == "name" and "twee keer" in problem.message
    assert problem.line == line_of(text, "Tweede naam")


@pytest.mark.parametrize("field", ["organisation", "name", "summary", "themes", "area"])
def test_each_missing_required_field_is_named(tmp_path, field):
    lines = [line for line in service().splitlines(keepends=True) if not line.startswith(f"    {field}:")]
    write(tmp_path, "beekland.yaml", region() + "".join(lines))
    kb, errors, _ = check(tmp_path)
    assert kb is None
    assert [(e.service, e.field) for e in errors] == [("onthaal", field)]
    assert "verplicht" in errors[0].message


def test_missing_id_is_named(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service().replace("  - id: onthaal\n    ", "  - "))
    problem = only_error(tmp_path)
    assert problem.field == "id" and "verplicht" in problem.message


def test_unknown_theme(tmp_path):
    text = region() + service(**{"themes: [inkomen]": "themes: [inkomen, wonen]"})
    write(tmp_path, "beekland.yaml", text)
    problem = only_error(tmp_path)
    assert (problem.field, problem.line) == ("themes", line_of(text, "themes:"))
    assert "onbekend thema 'wonen'" in problem.message


def test_duplicate_id_across_files_names_the_other_file(tmp_path):
    first = write(tmp_path, "beekland.yaml", region() + service("onthaal"))
    write(tmp_path, "meersdal.yaml", region("meersdal", (9813, 9814, 9815)) + service("onthaal"))
    problem = only_error(tmp_path)
    assert problem.file.endswith("meersdal.yaml")
    assert problem.service == "onthaal" and problem.field == "id"
    assert f"{first}:{line_of(region(), 'services:') + 1}" in problem.message


def test_duplicate_id_within_one_file(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service("onthaal") + service("onthaal"))
    problem = only_error(tmp_path)
    assert "bestaat al" in problem.message


def test_area_entry_outside_the_region_points_at_that_entry(tmp_path):
    text = region() + service(**{"    area: [Beekdonk]\n": "    area:\n      - Beekdonk\n      - Lindegem\n"
                                                            "      - 9810\n"})
    write(tmp_path, "beekland.yaml", text)
    kb, errors, _ = check(tmp_path)
    assert kb is None
    assert [(e.field, e.line) for e in errors] == [("area", line_of(text, "- Lindegem")),
                                                  ("area", line_of(text, "- 9810"))]
    assert "'Lindegem' is geen gemeente of postcode van regio beekland" in errors[0].message
    assert "Beekdonk, Hazelveld" in errors[0].message


def test_area_may_use_postcodes_of_the_region(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service(**{"area: [Beekdonk]": "area: [9805, '9803']"}))
    kb, errors, _ = check(tmp_path)
    assert errors == []
    assert kb.services["onthaal"].postcodes == frozenset({9803, 9805})


def test_postcode_claimed_by_two_regions(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service("a"))
    write(tmp_path, "meersdal.yaml", region("meersdal", (9813, 9814, 9805)) + service("b"))
    problem = only_error(tmp_path)
    assert problem.file.endswith("meersdal.yaml")
    assert "postcode 9805 hoort al bij regio 'beekland'" in problem.message


@pytest.mark.parametrize("old, new, field, expected", [
    ('phone: "+32 9 999 20 11"', 'phone: "09 999"', "contact.phone", "geen geldig telefoonnummer"),
    ('phone: "+32 9 999 20 11"', 'phone: "09 999 AB CD"', "contact.phone", "geen geldig telefoonnummer"),
    ('phone: "+32 9 999 20 11"', 'phone: "09 999 20 11 of 09 999 20 12"', "contact.phone", "telefoonnummer"),
    ('phone: "+32 9 999 20 11"', "phone: 3299992011", "contact.phone", "tussen aanhalingstekens"),
    ('phone: "+32 9 999 20 11"', 'phone: "+32 1712"', "contact.phone", "geen geldig telefoonnummer"),
    ("email: lotte@beekdonk.example", "email: lotte.beekdonk.example", "contact.email", "geen geldig e-mailadres"),
    ("email: lotte@beekdonk.example", "email: lotte@beekdonk", "contact.email", "geen geldig e-mailadres"),
    ("url: https://www.beekdonk.example", "url: www.beekdonk.example", "url", "geen geldige webpagina"),
    ("url: https://www.beekdonk.example", "url: https://www.beek donk.example", "url", "geen geldige webpagina"),
    ("last_verified: 2026-09-01", "last_verified: 01/09/2026", "last_verified", "geen geldige datum"),
    ("last_verified: 2026-09-01", "last_verified: 2026-02-30", "last_verified", "geen geldige datum"),
    ("last_verified: 2026-09-01", "last_verified: 20260901", "last_verified", "geen geldige datum"),
    ("last_verified: 2026-09-01", "last_verified: 2026-09-01T10:00:00", "last_verified", "geen geldige datum"),
    ("last_verified: 2026-09-01", "last_verified: 2027-01-01", "last_verified", "in de toekomst"),
])
def test_malformed_field_values(tmp_path, old, new, field, expected):
    text = region() + service(**{old: new})
    write(tmp_path, "beekland.yaml", text)
    problem = only_error(tmp_path)
    assert (problem.service, problem.field) == ("onthaal", field)
    assert problem.line == line_of(text, new.split(":")[0] + ":" + new.split(":", 1)[1][:4])
    assert expected in problem.message


def test_belgian_short_numbers_are_kept_as_dialled(tmp_path):
    """Helplines such as 1712 or 102 have no E.164 form; they are valid Belgian national numbers."""
    write(tmp_path, "beekland.yaml", region() + service(**{'phone: "+32 9 999 20 11"': 'phone: "1712"'}))
    kb, errors, _ = check(tmp_path)
    assert errors == []
    assert kb.services["onthaal"].contact.phone == "1712"


def test_service_without_any_way_to_reach_it(tmp_path):
    text = region() + service(**{
        '      phone: "+32 9 999 20 11"\n      email: lotte@beekdonk.example\n': "      role: onthaal\n",
        "    url: https://www.beekdonk.example\n": ""})
    write(tmp_path, "beekland.yaml", text)
    problem = only_error(tmp_path)
    assert (problem.service, problem.field) == ("onthaal", "contact")
    assert "geen manier om de dienst te bereiken" in problem.message


def test_stale_last_verified_is_only_a_warning(tmp_path):
    text = region() + service(**{"last_verified: 2026-09-01": "last_verified: 2025-10-01"})
    write(tmp_path, "beekland.yaml", text)
    kb, errors, warnings = check(tmp_path)
    assert errors == [] and kb is not None and kb.warnings == warnings
    assert [(w.service, w.field, w.line) for w in warnings] == [
        ("onthaal", "last_verified", line_of(text, "last_verified"))]
    assert "meer dan 12 maanden" in warnings[0].message
    assert "waarschuwing" in str(warnings[0])


def test_numbers_where_text_is_expected(tmp_path):
    text = region() + service(**{"    url:": "    hours: 9.30\n    cost: no\n    url:"})
    write(tmp_path, "beekland.yaml", text)
    kb, errors, _ = check(tmp_path)
    assert kb is None
    assert [(e.field, e.line) for e in errors] == [("hours", line_of(text, "hours")),
                                                  ("cost", line_of(text, "cost"))]
    assert all("aanhalingstekens" in e.message for e in errors)


def test_i18n_texts_are_validated(tmp_path):
    text = region() + service(**{"    url:": "    i18n:\n      fr: {summary: [a, b]}\n      xyz: {summary: hi}\n"
                                           "    url:"})
    write(tmp_path, "beekland.yaml", text)
    _kb, errors, _ = check(tmp_path)
    assert [e.field for e in errors] == ["i18n.fr.summary", "i18n"]
    assert errors[1].line == line_of(text, "xyz")


def test_summary_longer_than_200_characters(tmp_path):
    long = "heel " * 50
    write(tmp_path, "beekland.yaml", region() + service(**{
        "summary: Eerste aanspreekpunt voor wie geen of te weinig inkomen heeft.": f"summary: {long}"}))
    problem = only_error(tmp_path)
    assert problem.field == "summary" and "maximaal 200" in problem.message


def test_huge_values_are_reported_briefly(tmp_path):
    huge = "x" * 200_000
    write(tmp_path, "beekland.yaml", region() + service(**{"url: https://www.beekdonk.example": f"url: {huge}",
                                                           "  - id: onthaal": f"  - id: {huge.upper()}"}))
    kb, errors, _ = check(tmp_path)
    assert kb is None and {e.field for e in errors} == {"id", "url"}
    assert all(len(str(e)) < 500 for e in errors)


def test_integer_with_thousands_of_digits(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service(**{"    url:": "    hours: " + "9" * 5000 + "\n    url:"}))
    problem = only_error(tmp_path)
    assert "te groot" in problem.message


# ── files that are not region files at all ────────────────────────────────────────────────

@pytest.mark.parametrize("content, expected", [
    ("", "moet beginnen met 'schema', 'region' en 'services'"),
    ("# enkel commentaar\n", "moet beginnen met 'schema', 'region' en 'services'"),
    ("- een\n- lijst\n", "moet beginnen met 'schema', 'region' en 'services'"),
    ("gewoon een zin\n", "moet beginnen met 'schema', 'region' en 'services'"),
    ("42\n", "moet beginnen met 'schema', 'region' en 'services'"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "geen UTF-8-tekst"),
    ("caf\xe9\n".encode("latin-1"), "geen UTF-8-tekst"),
    ("schema: 1\n".encode("utf-16"), "opgeslagen als UTF-16"),
    ("schema: 1\nregion:\n  name: x\x00\n", "onleesbaar teken"),
    ("schema: 1\nservices: []\n", "'region' ontbreekt"),
    ("schema: 1\nregion: Beekland\nservices: []\n", "'region' ontbreekt of is geen blok met velden"),
    ("schema: 1\nregion:\n  id: beekland\n  name: B\n  municipalities: [{name: B, postcodes: [9803]}]\n"
     "services: tekst\n", "'services' moet een lijst zijn"),
    ("schema: 1\nregion:\n  id: beekland\n  name: B\n  municipalities: [{name: B, postcodes: [9803]}]\n"
     "services:\n  - gewoon een zin\n", "een dienst moet een blok met velden zijn"),
    ("schema: 1\nregion:\n  id: beekland\n  name: B\n  municipalities: [{name: B, postcodes: [98033]}]\n"
     "services: []\n", "geen postcode"),
    ("schema: 1\nregion:\n  id: beekland\n  name: B\n  municipalities: [{name: B, postcodes: [9803]}]\n"
     "services:\n  - " + "[" * 3000 + "]" * 3000 + "\n", "YAML"),
    ("schema: 2\nregion:\n  id: beekland\n  name: B\n  municipalities: []\nservices: []\n", "schema: 1"),
    ("schema: 1\nregion:\n  id: andere-naam\n  name: B\n  municipalities: []\nservices: []\n",
     "moet gelijk zijn aan de bestandsnaam"),
])
def test_garbage_gives_a_clear_error_naming_the_file(tmp_path, content, expected):
    path = write(tmp_path, "beekland.yaml", content)
    kb, errors, _ = check(tmp_path)
    assert kb is None
    assert errors and all(e.file == str(path) for e in errors)
    assert any(expected in e.message for e in errors), [str(e) for e in errors]
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge_base(tmp_path, today=TODAY)
    assert expected in str(info.value)


def test_non_utf8_byte_is_located(tmp_path):
    write(tmp_path, "beekland.yaml", (region() + service(**{"name: Onthaal": "name: Caf\xe9"})).encode("latin-1"))
    problem = only_error(tmp_path)
    assert problem.line == line_of(region() + service(), "name: Onthaal")


def test_services_null_is_an_empty_region(tmp_path):
    write(tmp_path, "beekland.yaml", region())  # ends in "services:" with nothing: null
    kb, errors, _ = check(tmp_path)
    assert errors == [] and kb.services == {} and "beekland" in kb.regions


def test_empty_or_missing_directory(tmp_path):
    kb, problems = check_directory(tmp_path, today=TODAY)
    assert kb is None and "geen *.yaml-bestanden" in problems[0].message
    kb, problems = check_directory(tmp_path / "bestaat-niet", today=TODAY)
    assert kb is None and "bestaat niet" in problems[0].message


def test_every_problem_of_every_file_in_one_run(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service("a", **{"themes: [inkomen]": "themes: [wonen]"})
          + service("b", **{"url: https://www.beekdonk.example": "url: ftp://x"}))
    write(tmp_path, "meersdal.yaml", region("meersdal", (9813, 9814, 9815))
          + service("c", **{"    area: [Beekdonk]\n": "    area: [Nergensdorp]\n"}))
    write(tmp_path, "kapot.yaml", "schema: 1\nregion: [\n")
    kb, errors, _ = check(tmp_path)
    assert kb is None
    found = {(Path(e.file).name, e.service, e.field) for e in errors}
    assert found == {("beekland.yaml", "a", "themes"), ("beekland.yaml", "b", "url"),
                     ("meersdal.yaml", "c", "area"), ("kapot.yaml", None, None)}


def test_flemish_layer_serves_everyone(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service("a"))
    write(tmp_path, "vlaanderen.yaml", "schema: 1\nregion:\n  id: vlaanderen\n  name: Vlaanderen\n"
          "  example: true\n  municipalities: []\nservices:\n" + service("lijn", **{"area: [Beekdonk]": "area: all"}))
    kb, errors, _ = check(tmp_path)
    assert errors == []
    assert kb.services["lijn"].postcodes is None and kb.services["lijn"].serves(9803)


@pytest.mark.skipif(not BENCHMARK_KB.is_dir(), reason="shared/benchmark is not beside the repository")
def test_benchmark_knowledge_base_passes_with_only_warnings():
    kb, problems = check_directory(BENCHMARK_KB)
    assert [str(p) for p in problems if not p.warning] == []
    assert kb is not None and len(kb.services) > 50


def test_shipped_example_regions_pass():
    kb, problems = check_directory(DEFAULT_KB)
    assert [str(p) for p in problems if not p.warning] == []
    assert kb is not None
    regions = [r for r in kb.regions.values() if not r.is_flemish_layer]
    assert len(regions) >= 2 and all(r.example for r in kb.regions.values())


def test_shipped_example_data_follows_the_fiction_rules():
    """Example data must never look like real contact data: fictional number range, .example only."""
    kb, _ = check_directory(DEFAULT_KB)
    assert kb is not None
    services = list(kb.services.values())
    for s in services:
        for number in (s.contact.phone, s.phone):
            assert number is None or (number.startswith("+329999") and len(number) == 11), (s.id, number)
        for address in (s.contact.email, s.email):
            assert address is None or address.endswith(".example"), (s.id, address)
        assert s.url is None or ".example/" in s.url + "/", (s.id, s.url)
        assert s.contact.name, f"{s.id} has no named contact person"
        assert s.example
    assert {t for s in services for t in s.themes} == set(THEME_IDS)
    assert {s.status for s in services} == {"active", "temporarily-closed", "inactive"}
    assert any(s.i18n for s in services)
    flemish = [s for s in services if kb.region_of(s).is_flemish_layer]
    assert flemish and all(s.postcodes is None for s in flemish)
    postcodes = [pc for r in kb.regions.values() for pc in r.postcodes]
    assert len(postcodes) == len(set(postcodes))
    assert not set(postcodes) & {9801, 9802, 9810, 9820}  # the benchmark region's


def test_typo_in_a_field_name_suggests_the_right_one(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service(**{"    summary:": "    summery:"}))
    _kb, errors, _ = check(tmp_path)
    unknown = next(e for e in errors if e.field == "summery")
    assert "bedoel je 'summary'?" in unknown.message


def test_a_region_must_list_its_municipalities(tmp_path):
    text = region().replace("  municipalities:\n    - {name: Beekdonk, postcodes: [9803, 9804]}\n"
                            "    - {name: Hazelveld, postcodes: [9805]}\n", "")
    write(tmp_path, "beekland.yaml", text + service(**{"area: [Beekdonk]": "area: all"}))
    problem = only_error(tmp_path)
    assert problem.field == "region.municipalities" and "verplicht" in problem.message


def test_a_region_without_municipalities_outside_the_flemish_layer_is_flagged(tmp_path):
    write(tmp_path, "beekland.yaml", "schema: 1\nregion:\n  id: beekland\n  name: B\n  municipalities: []\n"
          "services: []\n")
    kb, errors, warnings = check(tmp_path)
    assert errors == [] and kb.regions["beekland"].is_flemish_layer
    assert [w.field for w in warnings] == ["region.municipalities"]
    assert "heel Vlaanderen" in warnings[0].message


def test_postcode_twice_within_one_region(tmp_path):
    write(tmp_path, "beekland.yaml", region(pcs=(9803, 9804, 9804)) + service())
    problem = only_error(tmp_path)
    assert "postcode 9804 staat ook bij gemeente 'Beekdonk'" in problem.message


def test_services_are_still_checked_when_the_region_block_is_broken(tmp_path):
    text = region().replace("  name: Regio beekland\n", "") + service(**{"themes: [inkomen]": "themes: [wonen]"})
    write(tmp_path, "beekland.yaml", text)
    kb, errors, _ = check(tmp_path)
    assert kb is None
    assert [(e.service, e.field) for e in errors] == [(None, "region.name"), ("onthaal", "themes")]


_ODD_VALUES = ["", "~", "[]", "{}", "[a, [b]]", "{a: {b: c}}", "9.30", "no", "2026-13-45", "2026-01-01 10:00",
               "1e400", "0x1F", "!!binary aGk=", "*nergens", "'", '"', "- x", ": :", "|", "? x", "9" * 5000,
               ".inf", "!!python/object:os.system x", "!!set {a, b}", "\t", "[" * 50, "<<: {a: 1}"]


def test_mangled_region_files_never_raise(tmp_path):
    """Deterministic mangling of a real example file: whatever lands in regions/, no traceback."""
    base = (DEFAULT_KB / "beekland.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    rng = random.Random(20261129)
    outcomes = set()
    for attempt in range(150):
        lines = list(base)
        for _ in range(rng.randint(1, 3)):
            k = rng.randrange(len(lines))
            op = rng.random()
            if op < 0.4 and ":" in lines[k]:
                lines[k] = f"{lines[k].split(':', 1)[0]}: {rng.choice(_ODD_VALUES)}\n"
            elif op < 0.55:
                del lines[k]
            elif op < 0.7:
                lines[k] = " " * rng.randint(0, 8) + lines[k].lstrip()
            elif op < 0.8:
                lines = lines[:k] or [""]
            else:
                lines.insert(k, lines[rng.randrange(len(lines))])
        directory = tmp_path / str(attempt)
        directory.mkdir()
        path = write(directory, "beekland.yaml", "".join(lines))
        kb, problems = check_directory(directory, today=TODAY)
        errors = [p for p in problems if not p.warning]
        assert (kb is None) == bool(errors)
        assert all(p.file == str(path) and p.message for p in problems)
        outcomes.add(kb is None)
    assert outcomes == {True, False}  # the mangling produced both broken and still-valid files


def test_mistyped_theme_gets_a_suggestion(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service(**{"themes: [inkomen]": "themes: [inkomsten, psychisch]"}))
    _kb, errors, _ = check(tmp_path)
    assert [e.message for e in errors] == ["onbekend thema 'inkomsten' (bedoel je 'inkomen'?)",
                                           "onbekend thema 'psychisch' (bedoel je 'psychisch-welzijn'?)"]


def test_unknown_language_code(tmp_path):
    text = region() + service(**{"    url:": "    languages: [nl, nk]\n    url:"})
    write(tmp_path, "beekland.yaml", text)
    problem = only_error(tmp_path)
    assert (problem.field, problem.line) == ("languages", line_of(text, "languages"))
    assert "'nk' is geen bestaande taalcode" in problem.message


# "Real-looking" data that still belongs to nobody: Ofcom's drama range and RFC 2606 domains.
def test_example_data_that_looks_real_is_flagged(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service(**{'phone: "+32 9 999 20 11"': 'phone: "+44 20 7946 0018"',
                                                           "url: https://www.beekdonk.example": "url: https://www.example.org"}))
    _kb, errors, warnings = check(tmp_path)
    assert errors == []
    assert [(w.service, w.field) for w in warnings] == [("onthaal", "contact")]
    assert "+442079460018" in warnings[0].message and "example.org" in warnings[0].message


def test_real_region_with_example_contact_data_is_flagged(tmp_path):
    write(tmp_path, "beekland.yaml", region().replace("example: true", "example: false")
          + service("echt", **{'phone: "+32 9 999 20 11"': 'phone: "+44 20 7946 0018"',
                               "email: lotte@beekdonk.example": "email: lotte@example.org",
                               "url: https://www.beekdonk.example": "url: https://www.example.org"})
          + service("overgenomen"))
    _kb, errors, warnings = check(tmp_path)
    assert errors == []
    assert [(w.service, w.field) for w in warnings] == [("overgenomen", "contact")]
    assert "voorbeelddata" in warnings[0].message


def test_editor_lock_files_are_not_region_files(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service())
    (tmp_path / ".#beekland.yaml").symlink_to(tmp_path / "bestaat-niet")  # what emacs leaves while editing
    write(tmp_path, "notities.txt", "geen regio")
    kb, errors, _ = check(tmp_path)
    assert errors == [] and list(kb.services) == ["onthaal"]


def test_municipality_listed_twice(tmp_path):
    text = region().replace("{name: Hazelveld,", "{name: beekdonk,")
    write(tmp_path, "beekland.yaml", text + service())
    problem = only_error(tmp_path)
    assert problem.field == "region.municipalities.name" and "twee keer" in problem.message
    assert problem.line == line_of(text, "name: beekdonk")


def test_windows_line_endings_keep_line_numbers(tmp_path):
    text = region() + service(**{"themes: [inkomen]": "themes: [wonen]"})
    write(tmp_path, "beekland.yaml", text.replace("\n", "\r\n").encode("utf-8"))
    problem = only_error(tmp_path)
    assert (problem.field, problem.line) == ("themes", line_of(text, "themes:"))


def test_list_entries_in_block_style_point_at_their_own_line(tmp_path):
    text = region() + service(**{
        "    themes: [inkomen]\n": "    themes:\n      - inkomen\n      - wonen\n",
        "    url:": "    languages:\n      - nl\n      - nk\n    keywords:\n      - \n    url:"})
    write(tmp_path, "beekland.yaml", text)
    _kb, errors, _ = check(tmp_path)
    assert [(e.field, e.line) for e in errors] == [("themes", line_of(text, "- wonen")),
                                                  ("languages", line_of(text, "- nk")),
                                                  ("keywords", line_of(text, "keywords:") + 1)]


def test_capitalised_file_name_gets_a_rename_hint(tmp_path):
    write(tmp_path, "Beekland.yaml", region() + service())
    problem = only_error(tmp_path)
    assert problem.field == "region.id" and "hernoem het bestand naar 'beekland.yaml'" in problem.message


def test_all_written_as_a_list_entry(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service(**{"area: [Beekdonk]": "area: [all]"}))
    problem = only_error(tmp_path)
    assert problem.field == "area" and "zonder haakjes" in problem.message


# ── YAML pitfalls of region files (issue 13) ────────────────────────────────────────────────

@pytest.mark.parametrize("line, cut_short", [
    ("    description: Bel eerst. #geen afspraak nodig op woensdag", True),
    ("    description: Vrije inloop # ook op zaterdag", True),
    ("    description: l'accueil #ouvert le mercredi", True),
    ("    keywords:\n      - huur #deurwaarder", True),
    ('    description: "Bel eerst. #geen afspraak nodig"', False),
    ("    description: Vrije inloop   # a comment that stands apart", False),
    ("    description: |\n      Bel eerst. #geen afspraak nodig\n      Tweede regel #ook", False),
    ("    # a comment on its own line", False),
    ("    keywords: [huur, \"schulden #deurwaarder\"]", False),
])
def test_check_warns_where_a_hash_cut_a_value_short(tmp_path, line, cut_short):
    """Quoted values, block text and comments that stand apart keep quiet; the rest is named."""
    text = region() + service(**{"    url:": line + "\n    url:"})
    write(tmp_path, "beekland.yaml", text)
    kb, errors, warnings = check(tmp_path)
    assert errors == [] and kb is not None
    cut = [w for w in warnings if "niet ingelezen" in w.message]
    if not cut_short:
        assert cut == []
        return
    assert [w.line for w in cut] == [line_of(text, line.splitlines()[-1].strip())]
    assert "#" in cut[0].message and "aanhalingstekens" in cut[0].message


@pytest.mark.parametrize("items", ["[nl, no]", "[nl, yes]", "[nl, off]", "[nl, On]", "[nl, true]"])
def test_yes_no_on_off_in_a_list_is_refused_with_the_fix(tmp_path, items):
    text = region() + service(**{"    url:": f"    languages: {items}\n    url:"})
    write(tmp_path, "beekland.yaml", text)
    error = only_error(tmp_path)
    assert error.field == "languages" and error.line == line_of(text, "languages:")
    assert "aanhalingstekens" in error.message and "ja/nee" in error.message


def test_yes_no_as_a_key_is_refused(tmp_path):
    text = region() + service(**{"    url:": "    i18n:\n      no: {summary: Tekst}\n    url:"})
    write(tmp_path, "beekland.yaml", text)
    error = only_error(tmp_path)
    assert "ja/nee" in error.message and error.line == line_of(text, "no: {summary")


@pytest.mark.parametrize("space", ["\u00a0", "\u2007", "\u202f", "\u3000"])
def test_indentation_with_an_odd_space_names_the_character_and_line(tmp_path, space):
    text = region() + service(**{"    name: Onthaal": space + "   name: Onthaal"})
    write(tmp_path, "beekland.yaml", text)
    error = only_error(tmp_path)
    assert error.line == line_of(text, "name: Onthaal")
    assert f"U+{ord(space):04X}" in error.message and "gewone spaties" in error.message


def test_an_id_longer_than_telegram_fields_allow_is_refused(tmp_path):
    long_id = "onthaal-" + "-".join(["sociaal-huis-beekdonk"] * 3)   # 71 characters
    text = region() + service(sid=long_id)
    write(tmp_path, "beekland.yaml", text)
    error = only_error(tmp_path)
    assert error.field == "id" and "maximaal 60" in error.message


def test_importers_make_ids_that_fit():
    from kennisbank.fields import ID_MAX
    from kennisbank.interop.importing import service_id, slugify

    name = "Centrum voor Algemeen Welzijnswerk Regio Beekland Onthaal en Vrije Inloop voor Gezinnen met Kinderen"
    made = slugify(name)
    assert len(made) <= ID_MAX - 4 and not made.endswith("-") and name.lower().startswith(made.split("-")[0])
    taken: set[str] = set()
    ids = [service_id(None, "rij 2", name, taken, []) for _ in range(3)]
    assert len(set(ids)) == 3 and all(i is not None and len(i) <= ID_MAX for i in ids)


# ── YAML syntax errors in Dutch, indentation named, recovery past a broken service (issue 15) ──

ENGLISH = ("found", "expected", "mapping", "while", "scanning", "parsing", "token", "allowed")


def syntax_errors(errors):
    return [e for e in errors if "YAML-syntaxfout" in e.message]


@pytest.mark.parametrize("old, new, at, fix", [
    ("    name: Onthaal\n", "    name: Onthaal: vrije inloop\n", "Onthaal: vrije", "tussen aanhalingstekens"),
    ("name: Onthaal", "name: @Onthaal", "@Onthaal", "tussen aanhalingstekens"),
    ("name: Onthaal", "name: `Onthaal`", "`Onthaal`", "tussen aanhalingstekens"),
    ("name: Onthaal", 'name: "Onthaal', '"Onthaal', "aanhalingsteken op deze regel wordt niet gesloten"),
    ("name: Onthaal", "name: 'Onthaal", "'Onthaal", "aanhalingsteken op deze regel wordt niet gesloten"),
    ("themes: [inkomen]", "themes: [inkomen, schulden", "themes:", "niet goed gesloten"),
    ("area: [Beekdonk]", "area: {Beekdonk", "area:", "niet goed gesloten"),
    ("name: Onthaal", "name: *Onthaal", "*Onthaal", "verwijst naar iets dat niet bestaat"),
    ("    summary:", "      summary:", "      summary:", "controleer het inspringen: 'summary' staat op 6 spaties"),
])
def test_common_syntax_errors_are_one_dutch_sentence_with_the_line_and_a_fix(tmp_path, old, new, at, fix):
    text = region() + service(**{old: new})
    write(tmp_path, "beekland.yaml", text)
    _, errors, _ = check(tmp_path)
    (problem,) = syntax_errors(errors)
    assert problem.line == line_of(text, at), str(problem)
    assert fix in problem.message, str(problem)
    assert "(" not in problem.message.split("YAML-syntaxfout:")[1] or "regel" in problem.message
    assert not any(word in problem.message.lower().split() for word in ENGLISH), str(problem)


def test_an_unknown_parser_complaint_gets_a_generic_dutch_sentence_with_line_and_column():
    from kennisbank import yaml_syntax
    mark = yaml.Mark("x", 0, 3, 7, "a\nb\nc\nd\n", 0)
    error = yaml.MarkedYAMLError(problem="something new", problem_mark=mark)
    line, message = yaml_syntax.describe("a\nb\nc\nd\n", error)
    assert line == 4 and "kolom 8" in message and "something" not in message


def test_a_dedented_name_under_contact_is_named_as_indentation_not_a_colon(tmp_path):
    text = region() + service(**{"      name: Lotte": "    name: Lotte"})
    write(tmp_path, "beekland.yaml", text)
    _, errors, _ = check(tmp_path)
    (problem,) = errors
    assert problem.line == line_of(text, "    name: Lotte")
    assert "controleer het inspringen: 'name' staat op 4 spaties, de velden van 'contact' op 6" in problem.message
    assert "dubbele punt" not in problem.message


def test_a_colon_inside_wrapped_text_still_gets_the_quoting_advice(tmp_path):
    text = region() + service(**{"    summary: Eerste aanspreekpunt voor wie":
                                 "    summary: Eerste aanspreekpunt\n      opgelet: voor wie"})
    write(tmp_path, "beekland.yaml", text)
    (problem,) = syntax_errors(check(tmp_path)[1])
    assert "aanhalingstekens" in problem.message and "inspringen" not in problem.message


@pytest.mark.parametrize("dedented, field, expected", [
    (("name", "phone", "email"), "name", "veld 'name' staat twee keer; controleer het inspringen: hoort 'name' "
                                         "bij 'contact'? Het staat op 4 spaties"),
    (("name", "role", "phone", "email"), "role", "onbekend veld 'role' (controleer het inspringen: hoort 'role' "
                                                 "bij 'contact'?"),
])
def test_a_dedented_block_is_named_as_indentation(tmp_path, dedented, field, expected):
    body = service(**{"      name: Lotte": "      name: Lotte\n      role: onthaal"})
    if "role" not in dedented:
        body = service()
    for key in dedented:
        body = body.replace(f"      {key}:", f"    {key}:")
    write(tmp_path, "beekland.yaml", region() + body)
    _, errors, _ = check(tmp_path)
    assert any(e.field == field and expected in e.message for e in errors), [str(e) for e in errors]


def test_after_a_syntax_error_the_other_services_of_the_file_are_still_checked(tmp_path):
    text = (region() + service("a", **{"    name: Onthaal\n": "    name: Onthaal: vrije inloop\n"})
            + service("b", **{"themes: [inkomen]": "themes: [wonen]"})
            + service("c", **{"name: Onthaal": 'name: "Onthaal'})
            + service("d", **{"url: https://www.beekdonk.example": "url: ftp://x"}))
    write(tmp_path, "beekland.yaml", text)
    kb, errors, _ = check(tmp_path)
    assert kb is None
    syntax = syntax_errors(errors)
    assert [e.line for e in syntax] == [line_of(text, "Onthaal: vrije"), line_of(text, '"Onthaal')]
    assert all("de rest van deze dienst (regels" in e.message for e in syntax)
    others = [(e.service, e.field) for e in errors if e not in syntax]
    assert others == [("b", "themes"), ("d", "url")]   # nothing invented for a or c, nothing twice


def test_a_syntax_error_in_the_region_block_stops_that_file_only_and_says_so(tmp_path):
    write(tmp_path, "beekland.yaml", region().replace("  name: Regio beekland", "  name: Regio: Beekland")
          + service("a", **{"themes: [inkomen]": "themes: [wonen]"}))
    write(tmp_path, "meersdal.yaml", region("meersdal", (9813, 9814, 9815))
          + service("c", **{"themes: [inkomen]": "themes: [schuld]"}))
    _, errors, _ = check(tmp_path)
    assert [Path(e.file).name for e in errors] == ["beekland.yaml", "meersdal.yaml"]
    assert "de rest van het bestand is niet gecontroleerd tot deze fout opgelost is" in errors[0].message
    assert "onbekend thema 'schuld' (bedoel je 'schulden'?)" in errors[1].message


@pytest.mark.parametrize("written, meant", [
    ("schuld", "schulden"), ("Wonen en huisvesting", "huisvesting"), ("wonen", "huisvesting"),
    ("honger", "voeding"), ("Kinderopvang", "kinderopvang"), ("psychisch", "psychisch-welzijn"),
])
def test_an_unknown_theme_suggests_the_nearest_one_by_id_label_or_word(tmp_path, written, meant):
    write(tmp_path, "beekland.yaml", region() + service(**{"themes: [inkomen]": f"themes: [{written}]"}))
    problem = only_error(tmp_path)
    assert f"onbekend thema '{written}' (bedoel je '{meant}'?)" in problem.message


def test_an_unknown_theme_far_from_any_gets_the_list_not_a_guess(tmp_path):
    write(tmp_path, "beekland.yaml", region() + service(**{"themes: [inkomen]": "themes: [xyzzy]"}))
    assert "zie de 24 thema's" in only_error(tmp_path).message


@pytest.mark.parametrize("typed, e164", [("025551234", "+3225551234"), ("0470123456", "+32470123456")])
def test_a_phone_typed_without_quotes_and_a_leading_zero_is_read_as_typed(tmp_path, typed, e164):
    """YAML 1.1 reads 025551234 as the octal number 5690012; the loader keeps what was typed (review)."""
    text = region() + service(**{'phone: "+32 9 999 20 11"': f"phone: {typed}"})
    write(tmp_path, "beekland.yaml", text)
    kb, errors, _warnings = check(tmp_path)
    assert errors == [] and kb is not None
    assert kb.services["onthaal"].contact.phone == e164
