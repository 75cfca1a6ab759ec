"""Every free-text, web and mail field has one maximum (kennisbank/fields.MAXIMA), enforced alike by
`check`, by /beheer and by the importers, and documented in docs/kennisbank-format.md.

The maxima are chosen so that a service with every field at its maximum still fits Telegram: a
parent card in one message and a vCard in sendContact's 2,048 bytes (issue 13, "Unbounded lengths").
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.parent_card import parent_card, visible_length
from bot.render import MESSAGE_LIMIT, card, tg_len
from bot.vcard import TELEGRAM_VCARD_MAX, service_vcard
from kennisbank import fields
from kennisbank import revisions as rv
from kennisbank.fields import FieldError
from kennisbank.loader import check_directory
from kennisbank.schema import Contact, Location, Region, Service
from paths import ROOT
from test_check_cli import run_check
from test_interop import run
from test_loader import check, line_of, region, service, write

LONG_URL = "https://www.beekdonk.example/aanbod?" + "utm_source=nieuwsbrief&id=" * 180   # ~4,500 characters


# ── check: file, line and field ────────────────────────────────────────────────────────────

@pytest.mark.parametrize(("old", "new", "field"), [
    ("url: https://www.beekdonk.example", f"url: {LONG_URL}", "url"),
    ("organisation: Sociaal Huis Beekdonk", "organisation: " + "Sociaal Huis " * 10, "organisation"),
    ("name: Onthaal", "name: " + "Onthaal " * 20, "name"),
    ("      name: Lotte Voorbeeld", "      name: " + "Lotte " * 15, "contact.name"),
    ("      email: lotte@beekdonk.example", f"      email: {'l' * 95}@beekdonk.example", "contact.email"),
    ("    last_verified:", "    how: " + "Bel eerst. " * 50 + "\n    last_verified:", "how"),
    ("    last_verified:", "    keywords: [kort, " + "lang" * 20 + "]\n    last_verified:", "keywords"),
    ("    last_verified:", "    bring: [" + "identiteitskaart " * 20 + "]\n    last_verified:", "bring"),
    ("    last_verified:", "    location: {address: \"" + "Stationsstraat 12 " * 9 + "9803 Beekdonk\"}\n"
                         "    last_verified:", "location.address"),
    ("    last_verified:", "    hours: {note: " + "op afspraak " * 45 + "}\n    last_verified:", "hours.note"),
    ("    last_verified:", "    i18n:\n      fr: {how: " + "Appelez. " * 60 + "}\n    last_verified:",
     "i18n.fr.how"),
])
def test_a_value_over_its_maximum_is_an_error_with_file_line_and_field(tmp_path, old, new, field):
    text = region() + service(**{old: new})
    path = write(tmp_path, "beekland.yaml", text)
    kb, errors, _ = check(tmp_path)
    assert kb is None
    assert [(e.file, e.field, e.service) for e in errors] == [(str(path), field, "onthaal")]
    assert f"maximaal {fields.maximum(field)}" in errors[0].message
    assert "Telegram" in errors[0].message       # why there is a limit, in the coordinator's words
    written = [part for part in new.split("\n") if "last_verified" not in part][-1]
    assert errors[0].line == line_of(text, written)


def test_the_4500_character_url_is_refused_by_check_on_its_line(tmp_path):
    text = region() + service(**{"url: https://www.beekdonk.example": f"url: {LONG_URL}"})
    write(tmp_path, "beekland.yaml", text)
    result = run_check("--kb", str(tmp_path))
    assert result.returncode == 1
    line = line_of(text, "url: ")
    assert re.search(rf"beekland\.yaml:{line} · dienst onthaal · veld url: fout: de webpagina is "
                     rf"{len(LONG_URL)} tekens lang; maximaal 300", result.stderr), result.stderr
    assert LONG_URL not in result.stderr     # the value itself is never echoed in full


def test_values_at_their_maximum_pass(tmp_path):
    at_max = {
        "organisation: Sociaal Huis Beekdonk": "organisation: " + "o" * fields.MAXIMA["organisation"],
        "url: https://www.beekdonk.example": "url: https://www.beekdonk.example/"
                                             + "a" * (fields.MAXIMA["url"] - 29),
    }
    write(tmp_path, "beekland.yaml", region() + service(**at_max))
    kb, errors, _ = check(tmp_path)
    assert errors == [] and kb is not None
    assert len(kb.services["onthaal"].url or "") == fields.MAXIMA["url"]


# ── /beheer: the same table ────────────────────────────────────────────────────────────────

@pytest.mark.parametrize(("key", "field"), [
    ("contact.name", "contact.name"), ("hours", "hours"), ("summary", "summary"),
    ("description", "description"), ("location.address", "location.address"),
    ("keywords", "keywords"), ("bring", "bring"),
])
def test_beheer_refuses_what_check_refuses_and_accepts_what_it_accepts(key, field):
    spec = rv.FIELDS[key]
    limit = fields.maximum(field)
    spec.parse("a" * limit)                               # at the maximum: accepted
    with pytest.raises(FieldError, match=f"maximaal {limit}"):
        spec.parse("a" * (limit + 1))


def test_beheer_refuses_a_long_contact_email_and_a_long_new_name():
    with pytest.raises(FieldError, match="maximaal 100"):
        rv.FIELDS["contact.email"].parse("x" * 95 + "@organisatie.be")
    region_ = Region("proefland", "Proefland", True, ())
    new = {"region": "proefland", "organisation": "Org", "name": "n" * 121, "summary": "Hulp.",
           "themes": ["voeding"], "area": "all", "contact.phone": "+32 9 999 01 01"}
    with pytest.raises(FieldError, match="maximaal 120"):
        rv.build_service("nieuw", new, {"proefland": region_})


def test_a_revision_over_the_maximum_is_not_applied():
    """A value stored before the maximum existed (or forged) is skipped with a warning, not shown."""
    region_ = Region("proefland", "Proefland", True, ())
    base = Service(id="s", organisation="Org", name="Dienst", summary="Hulp.", themes=("voeding",),
                   region_id="proefland", postcodes=None, contact=Contact(phone="+3299990101"))
    with pytest.raises(FieldError, match="maximaal"):
        rv.change_service(base, "location.address", "x" * 151, region_)


# ── importers go through the loader's checks ───────────────────────────────────────────────

def test_csv_import_refuses_a_record_with_a_4500_character_url(capsys, tmp_path):
    src = tmp_path / "diensten.csv"
    src.write_text(
        "id;organisatie;naam;samenvatting;thema's;gebied;contact_telefoon;adres;website\n"
        "kort;CAW Beekveld;Onthaal;Vrije inloop.;huisvesting;all;09 999 50 01;Kerkstraat 1, 9830 Beekveld;"
        "https://caw.example\n"
        f"lang;CAW Beekveld;Chat;Chatten met een hulpverlener.;huisvesting;all;09 999 50 02;"
        f"Kerkstraat 1, 9830 Beekveld;{LONG_URL}\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    code, out, _err = run(capsys, "import", "--format", "csv", src, "--out", out_dir, "--region", "Regio Beekveld")
    assert code == 3, out
    assert re.search(r"rij 3 · kolom website: niet geïmporteerd: de webpagina is \d+ tekens lang; maximaal 300", out)
    kb, problems = check_directory(out_dir)
    assert kb is not None, problems
    assert set(kb.services) == {"kort"}


# ── why: a service with every field at its maximum fits Telegram ───────────────────────────

def _service_at_maxima(letter: str) -> Service:
    def t(field: str) -> str:
        return (letter * fields.maximum(field))

    url = "https://www.organisatie.be/" + "p" * (fields.MAXIMA["url"] - 27)
    mail = "m" * (fields.MAXIMA["email"] - 16) + "@organisatie.be"
    return Service(
        id="vol", organisation=t("organisation"), name=t("name"), summary=t("summary"),
        description=t("description"), themes=("schulden",), region_id="r", postcodes=None,
        contact=Contact(t("contact.name"), t("contact.role"), "+3299991010", mail),
        phone="+3299991000", email="i" + mail[1:], url=url, location=Location(t("location.address")),
        hours=t("hours"), cost=t("cost"), how=t("how"), bring=tuple(t("bring") for _ in range(5)),
        languages=("nl", "fr", "en", "ar", "tr", "uk", "pl", "ro", "bg", "so", "ti"),
        i18n={"fr": {k: letter * v for k, v in fields.I18N_MAXIMA.items()}},
    )


@pytest.mark.parametrize("letter", ["a", "é", "ș"])
def test_every_field_at_its_maximum_still_fits_a_parent_card_a_card_and_a_vcard(letter):
    service = _service_at_maxima(letter)
    for lang in ("nl", "fr", "ar"):
        assert visible_length(parent_card(service, lang)) <= MESSAGE_LIMIT
        vcard = service_vcard(service, lang)
        assert vcard is not None and len(vcard.encode("utf-8")) <= TELEGRAM_VCARD_MAX
        # nothing but the note gave way: the contact is whole
        assert "URL:" in vcard and "ADR" in vcard and "TITLE:" in vcard
    assert tg_len(card(service).html) <= MESSAGE_LIMIT


def test_the_documented_table_is_the_code_table():
    doc = (ROOT / "docs" / "kennisbank-format.md").read_text(encoding="utf-8")
    section = doc.split("## Maxima", 1)[1].split("\n## ", 1)[0]
    documented = {name: int(limit) for name, limit in re.findall(r"`([a-z._]+)`[^|]*\| (\d+)", section)}
    for field, limit in fields.MAXIMA.items():
        assert documented.get(field) == limit, field
    for key, limit in fields.I18N_MAXIMA.items():
        assert f"`{key}` {limit}" in section, key


def test_the_docs_say_check_enforces_them():
    doc = Path(ROOT / "docs" / "kennisbank-format.md").read_text(encoding="utf-8")
    assert "a value longer than its maximum" in doc
