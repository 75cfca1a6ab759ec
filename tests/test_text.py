"""Text that looks the same but is not: invisible characters, odd spaces, foreign digits, NFD.

Every input goes through kennisbank.text.clean before a field validator or the search sees it,
names are compared on kennisbank.text.identity, and bidi controls are refused in stored fields.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from kennisbank import editors, fields
from kennisbank import revisions as rv
from kennisbank.fields import FieldError
from kennisbank.loader import check_directory, load_knowledge_base
from kennisbank.search.analysis import analyse, words
from kennisbank.text import clean, identity

SOFT_HYPHEN, ZWSP, ZWNJ, WORD_JOINER, BOM = "\u00ad", "\u200b", "\u200c", "\u2060", "\ufeff"
INVISIBLE = [SOFT_HYPHEN, ZWSP, ZWNJ, "\u200d", WORD_JOINER, BOM, "\u200e", "\u200f"]
ODD_SPACES = ["\u00a0", "\u2007", "\u202f", "\u3000"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def foreign_digits(number: str, zero: int) -> str:
    return "".join(chr(zero + int(d)) for d in number)


ARABIC_INDIC, EXTENDED_ARABIC_INDIC, FULL_WIDTH = 0x0660, 0x06F0, 0xFF10


# ── the mechanism ───────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("char", INVISIBLE + BIDI)
def test_clean_removes_every_invisible_format_character(char):
    assert clean(f"uithuis{char}zetting") == "uithuiszetting"


@pytest.mark.parametrize("space", ODD_SPACES)
def test_clean_maps_odd_spaces_to_a_space(space):
    assert clean(f"09{space}999{space}10{space}10") == "09 999 10 10"


@pytest.mark.parametrize("zero", [ARABIC_INDIC, EXTENDED_ARABIC_INDIC, FULL_WIDTH])
def test_clean_maps_foreign_digits_to_ascii(zero):
    assert clean(foreign_digits("9801", zero)) == "9801"
    assert clean(foreign_digits("9801", zero), digits=False) == foreign_digits("9801", zero)


@pytest.mark.parametrize("name", ["Sint-Géry", "Zoë-Kerke", "Ærø", "Şile", "Łódź"])
def test_identity_is_the_same_for_nfc_nfd_case_and_invisible_characters(name):
    variants = {name, nfd(name), name.upper(), nfd(name.lower()), name[:2] + SOFT_HYPHEN + name[2:],
                f" {name}\u00a0"}
    assert {identity(v) for v in variants} == {identity(name)}
    assert unicodedata.is_normalized("NFC", identity(nfd(name)))


# ── field validators ────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("typed", [
    "\u206609 999 10 10\u2069",              # first-strong isolate, as in the bot's Arabic card
    "\u2067+32 9 999 10 10\u2069",           # right-to-left isolate
    "\u202a09 999 10 10\u202c",              # left-to-right embedding
    "09\u202f999\u202f10\u202f10",            # narrow no-break spaces
    "09\u00a0999\u00a010\u00a010",
    "09 999 10 10\u200b",
    foreign_digits("099991010", ARABIC_INDIC),
    foreign_digits("099991010", FULL_WIDTH),
])
def test_a_phone_that_looks_right_is_accepted(typed):
    assert fields.phone(typed) == "+3299991010"


@pytest.mark.parametrize("typed", [
    foreign_digits("9801", ARABIC_INDIC), foreign_digits("9801", EXTENDED_ARABIC_INDIC),
    foreign_digits("9801", FULL_WIDTH), "9801\u200b", "\u20669801\u2069", "\u00a09801",
])
def test_a_postcode_in_other_digits_or_with_invisible_characters_is_read(typed):
    assert fields.postcode(typed) == 9801


@pytest.mark.parametrize("typed", [foreign_digits("0900", ARABIC_INDIC), "98O1", foreign_digits("980", FULL_WIDTH),
                                   "\u0969\u096e\u0966\u0967"])  # Devanagari digits: not mapped
def test_what_is_no_postcode_stays_refused(typed):
    with pytest.raises(FieldError):
        fields.postcode(typed)


@pytest.mark.parametrize("char", BIDI)
def test_bidi_controls_in_a_name_are_refused_naming_the_character(char):
    with pytest.raises(FieldError) as exc:
        fields.text(f"Sara {char}Voorbeeld", what="naam")
    assert f"U+{ord(char):04X}" in str(exc.value)
    assert "leesrichting" in str(exc.value)


def test_free_text_is_nfc_without_invisible_characters_but_keeps_joiners_and_digits():
    assert fields.text(nfd("Céline uithuis\u00adzetting")) == "Céline uithuiszetting"
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u06f1\u06f2"  # ZWNJ shapes it; Persian digits stay
    assert fields.text(persian) == persian


@pytest.mark.parametrize("value, validator, expected", [
    ("onthaal\u200b", fields.slug, "onthaal"),
    ("n\u00adl", fields.language, "nl"),
    (foreign_digits("2026", FULL_WIDTH) + "-09-" + foreign_digits("01", FULL_WIDTH), fields.iso_date,
     fields.iso_date("2026-09-01")),
    ("lotte@beekdonk.example\ufeff", fields.email, "lotte@beekdonk.example"),
    ("\u2066https://www.beekdonk.example\u2069", fields.url, "https://www.beekdonk.example"),
])
def test_every_validator_reads_the_cleaned_value(value, validator, expected):
    assert validator(value) == expected


# ── region files ─────────────────────────────────────────────────────────────────────────

REGION = """\
schema: 1
region:
  id: beekland
  name: Regio Beekland
  example: true
  municipalities:
    - {{name: {muni}, postcodes: [9803]}}
    - {{name: Hazelveld, postcodes: ["{pc}"]}}
services:
  - id: onthaal
    organisation: {org}
    name: Onthaal
    summary: Eerste aanspreekpunt voor wie geen of te weinig inkomen heeft.
    themes: [inkomen]
    area: [{area}]
    contact:
      name: {contact}
      phone: "{phone}"
    last_verified: 2026-09-01
  - id: budget
    organisation: {org2}
    name: Budgetbegeleiding
    summary: Hulp om het budget van het gezin op orde te krijgen.
    themes: [schulden]
    area: all
    contact: {{name: Bert Voorbeeld, phone: "+32 9 999 20 12"}}
"""


def write(tmp_path: Path, **values: str) -> Path:
    defaults = {"muni": "Sint-Géry", "pc": "9804", "org": "Sociaal Huis Sint-Géry", "area": "Sint-Géry",
                "contact": "Lotte Voorbeeld", "phone": "+32 9 999 20 11", "org2": "Sociaal Huis Sint-Géry"}
    (tmp_path / "beekland.yaml").write_text(REGION.format(**(defaults | values)), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("muni, area", [
    ("Sint-Géry", nfd("Sint-Géry")), (nfd("Sint-Géry"), "Sint-Géry"), ("Zoë-Kerke", nfd("zoë-kerke")),
    ("Sint-Géry", "Sint-G\u00adéry"), ("Sint-Géry", "Sint-Géry\u200b"),
])
def test_nfd_municipality_in_area_matches_nfc_in_municipalities(tmp_path, muni, area):
    kb, problems = check_directory(write(tmp_path, muni=muni, area=area))
    assert [p for p in problems if not p.warning] == []
    assert kb is not None and kb.services["onthaal"].postcodes == frozenset({9803})
    assert unicodedata.is_normalized("NFC", kb.regions["beekland"].municipalities[0].name)


def test_one_municipality_written_twice_in_nfc_and_nfd_is_a_duplicate(tmp_path):
    text = REGION.replace("Hazelveld", nfd("sint-géry"))
    (tmp_path / "beekland.yaml").write_text(text.format(
        muni="Sint-Géry", pc="9804", org="O", area="Sint-Géry", contact="Lotte Voorbeeld",
        phone="+32 9 999 20 11", org2="O"), encoding="utf-8")
    kb, problems = check_directory(tmp_path)
    assert kb is None
    assert any("staat twee keer" in p.message for p in problems)


@pytest.mark.parametrize("phone", ["\u2066+32 9 999 20 11\u2069", "+32\u202f9\u202f999\u202f20\u202f11",
                                   "\u202a+32 9 999 20 11\u202c"])
def test_region_file_phone_with_invisible_characters_loads(tmp_path, phone):
    kb, problems = check_directory(write(tmp_path, phone=phone))
    assert [p for p in problems if not p.warning] == []
    assert kb is not None and kb.services["onthaal"].contact.phone == "+3299992011"


@pytest.mark.parametrize("pc", [foreign_digits("9804", ARABIC_INDIC), foreign_digits("9804", FULL_WIDTH)])
def test_region_file_postcode_in_other_digits_is_read(tmp_path, pc):
    kb = load_knowledge_base(write(tmp_path, pc=pc))
    assert kb.regions["beekland"].municipalities[1].postcodes == (9804,)


@pytest.mark.parametrize("char", ["\u202e", "\u202b", "\u2067"])
def test_bidi_control_in_a_contact_name_is_refused(tmp_path, char):
    kb, problems = check_directory(write(tmp_path, contact=f"Lotte {char}Voorbeeld"))
    assert kb is None
    [problem] = [p for p in problems if not p.warning]
    assert (problem.service, problem.field) == ("onthaal", "contact.name")
    assert f"U+{ord(char):04X}" in problem.message


def test_an_organisation_written_in_nfc_and_nfd_is_one_organisation_for_its_editor(tmp_path):
    kb = load_knowledge_base(write(tmp_path, org="Sociaal Huis Sint-Géry", org2=nfd("Sociaal Huis Sint-Géry")))
    assert editors.organisations(kb) == ["Sociaal Huis Sint-Géry"]
    found = editors.find_organisation(kb, nfd("SOCIAAL HUIS SINT-GÉRY"))
    assert found.name == "Sociaal Huis Sint-Géry"
    editor = editors.Roles(7, frozenset(), (found.key,))
    assert {s.id for s in kb.services.values() if editor.may_edit(s)} == {"onthaal", "budget"}


# ── /beheer (the same validators through the revision fields) ────────────────────────────

@pytest.fixture
def kb(tmp_path):
    return load_knowledge_base(write(tmp_path))


def test_beheer_reads_a_phone_with_isolates_and_refuses_an_override_in_a_name(kb):
    service, region = kb.services["onthaal"], kb.regions["beekland"]
    changed = rv.change_service(service, "contact.phone", "\u2066+32 9 999 20 19\u2069", region)
    assert changed.contact.phone == "+3299992019"
    with pytest.raises(FieldError, match="U\\+202E"):
        rv.change_service(service, "contact.name", "Sara \u202eVoorbeeld", region)
    assert rv.change_service(service, "contact.name", nfd("Sara Gé\u00adry"), region).contact.name == "Sara Géry"


@pytest.mark.parametrize("typed", [nfd("sint-géry"), "SINT-G\u00adÉRY", foreign_digits("9803", ARABIC_INDIC)])
def test_beheer_area_matches_the_municipality_however_written(kb, typed):
    changed = rv.change_service(kb.services["budget"], "area", [typed], kb.regions["beekland"])
    assert changed.postcodes == frozenset({9803})


# ── questions ────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("question", [
    "uithuis\u00adzetting dreigt", "uithuis\u200bzetting dreigt", "uit\u2060huiszetting\u00a0dreigt",
    "papa krijgt brieven van een deur\u200bwaarder", "papa krijgt brieven van een deur\u00adwaarder",
    nfd("de zorgcoördinator vraagt hulp"),
])
def test_invisible_characters_do_not_change_the_analysis_of_a_question(question):
    plain = unicodedata.normalize("NFC", question)
    for char in INVISIBLE:
        plain = plain.replace(char, "")
    plain = plain.replace("\u00a0", " ")
    assert words(question) == words(plain)
    assert analyse(question, None, None) == analyse(plain, None, None)


def test_count_says_one_or_many_in_dutch():
    from kennisbank.text import count

    assert count(1, "dienst", "diensten") == "1 dienst"
    assert count(0, "fout", "fouten") == "0 fouten"
    assert count(2, "regio", "regio's") == "2 regio's"


def test_check_and_versheid_count_services_the_same_way(tmp_path):
    """`check` counts every service in the files and names the inactive ones; `versheid` counts the
    others and says that it leaves the inactive ones out: both figures add up (issue 15)."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    from kennisbank.loader import DEFAULT_KB, load_knowledge_base

    kb = load_knowledge_base(DEFAULT_KB)
    inactive = sum(not s.is_active for s in kb.services.values())
    assert inactive >= 1  # the example data keeps one, as a real region would
    bin_dir = Path(sys.executable).parent
    check = subprocess.run([bin_dir / "welzijnsbot", "check"], capture_output=True, text=True, check=True).stdout
    fresh = subprocess.run([bin_dir / "welzijnsbot", "versheid", "--db", str(tmp_path / "db.sqlite3")],
                           capture_output=True, text=True, check=True).stdout
    in_check = re.search(r"OK: (\d+) diensten \((\d+) niet meer actief\)", check)
    in_versheid = re.search(r"van (\d+) diensten \(de (\d+) niet meer actieve", fresh)
    assert in_check and in_versheid, (check, fresh)
    total, shown = int(in_check.group(1)), int(in_versheid.group(1))
    assert total == len(kb.services) and shown == total - inactive
