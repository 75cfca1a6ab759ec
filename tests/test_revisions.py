"""The revision log: confirmed changes on top of the YAML baseline, applied at once, never lost."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from kennisbank import revisions as rv
from kennisbank.fields import FieldError
from kennisbank.loader import load_knowledge_base
from kennisbank.reload import merge, reload_directory, report
from kennisbank.search import SearchEngine
from kennisbank.store import Store

REGION = """\
schema: 1
region:
  id: proefland
  name: Regio Proefland
  example: true
  municipalities:
    - {name: Proefdorp, postcodes: [9901]}
    - {name: Testveld, postcodes: [9902]}
services:
  - id: voedsel-proefdorp
    organisation: Voedselpunt Proefland
    name: Voedselpakketten
    summary: Elke week een gratis voedselpakket voor gezinnen met een klein inkomen.
    themes: [voeding]
    keywords: [voedselpakket]
    area: [Proefdorp]
    contact: {name: Ann Voorbeeld, phone: "+32 9 999 01 01"}
    hours: di 9u-12u
    last_verified: 2026-09-01
  - id: voedsel-testveld
    organisation: Voedselpunt Proefland
    name: Sociale kruidenier
    summary: Winkel met goedkope producten voor wie het moeilijk heeft.
    themes: [voeding, basisbehoeften]
    area: all
    contact: {name: Bert Voorbeeld, email: kruidenier@voedselpunt.example}
  - id: schuld-proefland
    organisation: Schuldhulp Proefland
    name: Schuldbemiddeling
    summary: Hulp bij schulden en een plan met schuldeisers.
    themes: [schulden]
    area: all
    contact: {name: Chris Voorbeeld, phone: "+32 9 999 02 02"}
"""


def write_region(directory: Path, text: str = REGION) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "proefland.yaml").write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def kb_dir(tmp_path) -> Path:
    return write_region(tmp_path / "kb")


@pytest.fixture
def kb(kb_dir):
    return load_knowledge_base(kb_dir)


def rev(id_, service_id, field, old, new, reverts=None, organisation="Voedselpunt Proefland"):
    return rv.Revision(id_, f"2026-11-0{min(id_, 9)}T10:00:00+00:00", 7, service_id, organisation,
                       "proefland", field, old, new, reverts)


# ── pure: applying revisions ──────────────────────────────────────────────────────────────

def test_apply_is_pure_and_the_search_answers_with_the_change_at_once(kb):
    question = "papa krijgt brieven van een deurwaarder"
    before = SearchEngine(kb).search(question, postcode=9901, limit=5)
    assert before.matches[0].service.id == "schuld-proefland"
    # The food bank may fill the first screen, but it does not cover the debts need yet.
    food_before = next((m for m in before.matches if m.service.id == "voedsel-proefdorp"), None)
    assert food_before is None or "schulden" not in food_before.themes
    changed = rv.apply_revisions(kb, [
        rev(1, "voedsel-proefdorp", "themes", ["voeding"], ["voeding", "schulden"]),
        rev(2, "voedsel-proefdorp", "contact.phone", "+3299990101", "+3299995555"),
    ])
    assert kb.services["voedsel-proefdorp"].contact.phone == "+3299990101"   # baseline untouched
    assert changed.services["voedsel-proefdorp"].contact.phone == "+3299995555"
    assert changed.services["voedsel-proefdorp"].contact.name == "Ann Voorbeeld"
    after = SearchEngine(changed).search(question, postcode=9901, limit=5)
    food_after = next(m for m in after.matches if m.service.id == "voedsel-proefdorp")
    assert "schulden" in food_after.themes
    assert food_before is None or food_after.score > food_before.score


def test_a_revision_that_no_longer_fits_is_skipped_and_reported(kb):
    result = rv.apply_revisions(kb, [
        rev(1, "bestaat-niet", "hours", None, "ma 9u"),
        rev(2, "voedsel-proefdorp", "area", ["Proefdorp"], ["Verdwenen Gemeente"]),
        rev(3, "voedsel-proefdorp", "hours", "di 9u-12u", "wo 9u-12u"),
    ])
    assert result.services["voedsel-proefdorp"].hours == "wo 9u-12u"
    assert result.services["voedsel-proefdorp"].area == ("Proefdorp",)
    messages = [w.message for w in result.warnings]
    assert any("#1" in m and "niet meer in de kennisbank" in m for m in messages)
    assert any("#2" in m and "Verdwenen Gemeente" in m for m in messages)


def test_reverts_switch_revisions_off_and_on(kb):
    chain = [rev(1, "voedsel-proefdorp", "hours", "di 9u-12u", "wo 9u-12u"),
             rev(2, "voedsel-proefdorp", "hours", None, None, reverts=1)]
    assert rv.apply_revisions(kb, chain).services["voedsel-proefdorp"].hours == "di 9u-12u"
    chain.append(rev(3, "voedsel-proefdorp", "hours", None, None, reverts=2))   # undo the undo
    assert rv.apply_revisions(kb, chain).services["voedsel-proefdorp"].hours == "wo 9u-12u"


def test_status_inactive_hides_a_service_and_active_brings_it_back(kb):
    hidden = rv.apply_revisions(kb, [rev(1, "voedsel-proefdorp", "status", "active", "inactive")])
    assert "voedsel-proefdorp" not in [s.id for s in hidden.active_services()]
    assert "voedsel-proefdorp" not in [m.service.id for m in SearchEngine(hidden).by_theme("voeding", 9901).matches]
    back = rv.apply_revisions(kb, [rev(1, "voedsel-proefdorp", "status", "active", "inactive"),
                                   rev(2, "voedsel-proefdorp", "status", "inactive", "active")])
    assert "voedsel-proefdorp" in [m.service.id for m in SearchEngine(back).by_theme("voeding", 9901).matches]


def test_parse_validates_with_the_shared_field_checks(kb):
    region = kb.regions["proefland"]
    phone = rv.FIELDS["contact.phone"]
    assert phone.parse("09 999 44 44") == "+3299994444"
    assert phone.show("+3299994444") == "09 999 44 44"
    with pytest.raises(FieldError, match="geen geldig telefoonnummer"):
        phone.parse("bel me maar")
    with pytest.raises(FieldError, match="maximaal 200"):
        rv.FIELDS["summary"].parse("x" * 201)
    with pytest.raises(FieldError, match="mag niet leeg"):
        rv.FIELDS["summary"].parse("-")
    assert rv.FIELDS["hours"].parse("-") is None
    assert rv.FIELDS["keywords"].parse("huur; waarborg, huur") == ["huur", "waarborg"]
    assert rv.FIELDS["area"].parse("testveld", region) == ["Testveld"]
    with pytest.raises(FieldError, match="geen gemeente van Regio Proefland; kies uit: Proefdorp, Testveld"):
        rv.FIELDS["area"].parse("Elders", region)
    with pytest.raises(FieldError, match="geen geldige thema"):
        rv.FIELDS["themes"].check(["wonen"], region)
    with pytest.raises(FieldError, match="geen geldige status"):
        rv.FIELDS["status"].check("gesloten", region)


def test_a_change_that_leaves_no_way_to_reach_the_service_is_refused(kb):
    service, region = kb.services["voedsel-proefdorp"], kb.regions["proefland"]
    with pytest.raises(FieldError, match="niet meer te bereiken"):
        rv.change_service(service, "contact.phone", None, region)


# ── stored: confirming, conflicts, reverts ────────────────────────────────────────────────

async def test_a_confirmed_change_is_stored_with_who_when_old_and_new(kb, tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        with pytest.raises(FieldError):
            await rv.record(store, kb, user_id=7, service_id="voedsel-proefdorp", field="contact.phone",
                            new="geen nummer", expected="+3299990101")
        saved = await rv.record(store, kb, user_id=7, service_id="voedsel-proefdorp", field="contact.phone",
                                new=rv.FIELDS["contact.phone"].parse("09 999 33 33"), expected="+3299990101")
        revisions = await rv.load_revisions(store)
    assert [(r.id, r.user_id, r.field, r.old, r.new, r.organisation) for r in revisions] == [
        (saved.id, 7, "contact.phone", "+3299990101", "+3299993333", "Voedselpunt Proefland")]
    assert revisions[0].at.startswith("20") and revisions[0].at.endswith("+00:00")
    assert rv.apply_revisions(kb, revisions).services["voedsel-proefdorp"].contact.phone == "+3299993333"


async def test_second_editor_on_the_same_field_is_asked_again(kb, tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        # Both previewed the baseline value; the first confirms.
        await rv.record(store, kb, user_id=1, service_id="voedsel-proefdorp", field="hours",
                        new="wo 9u-12u", expected="di 9u-12u")
        with pytest.raises(rv.StaleEdit) as stale:
            await rv.record(store, kb, user_id=2, service_id="voedsel-proefdorp", field="hours",
                            new="do 9u-12u", expected="di 9u-12u")
        assert stale.value.current == "wo 9u-12u"
        # Asked again with the value they now saw, the second editor's change goes through.
        await rv.record(store, kb, user_id=2, service_id="voedsel-proefdorp", field="hours",
                        new="do 9u-12u", expected=stale.value.current)
        revisions = await rv.load_revisions(store)
    assert [(r.user_id, r.old, r.new) for r in revisions] == [(1, "di 9u-12u", "wo 9u-12u"),
                                                              (2, "wo 9u-12u", "do 9u-12u")]


async def test_simultaneous_confirmations_never_lose_an_update(kb, tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        outcomes = await asyncio.gather(*(
            rv.record(store, kb, user_id=uid, service_id="voedsel-proefdorp", field="hours",
                      new=f"ma {uid}u", expected="di 9u-12u") for uid in range(1, 7)), return_exceptions=True)
        revisions = await rv.load_revisions(store)
    saved = [o for o in outcomes if isinstance(o, rv.Revision)]
    assert len(saved) == 1 and len(revisions) == 1
    assert all(isinstance(o, rv.StaleEdit) and o.current == saved[0].new for o in outcomes if o is not saved[0])


async def test_may_edit_is_checked_inside_the_transaction(kb, tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        with pytest.raises(rv.NotAllowed, match="niet bij jouw organisatie"):
            await rv.record(store, kb, user_id=1, service_id="schuld-proefland", field="hours", new="ma 9u",
                            may_edit=lambda s: s.organisation == "Voedselpunt Proefland")
        assert await rv.load_revisions(store) == []


async def test_revert_is_a_revision_and_refuses_to_skip_a_later_change(kb, tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        first = await rv.record(store, kb, user_id=1, service_id="voedsel-proefdorp", field="hours", new="wo 9u")
        second = await rv.record(store, kb, user_id=2, service_id="voedsel-proefdorp", field="hours", new="do 9u")
        with pytest.raises(rv.RevertError, match=f"#{second.id}"):
            await rv.revert(store, kb, first.id)
        undo = await rv.revert(store, kb, second.id)
        assert (undo.reverts, undo.old, undo.new, undo.user_id) == (second.id, "do 9u", "wo 9u", None)
        with pytest.raises(rv.RevertError, match="al teruggedraaid"):
            await rv.revert(store, kb, second.id)
        await rv.revert(store, kb, first.id)
        with pytest.raises(rv.RevertError, match="bestaat niet"):
            await rv.revert(store, kb, 999)
        revisions = await rv.load_revisions(store)
    assert len(revisions) == 4
    assert rv.apply_revisions(kb, revisions).services["voedsel-proefdorp"].hours == "di 9u-12u"


async def test_new_service_step_by_step_value_is_validated_and_searchable(kb, tmp_path):
    value = {"region": "proefland", "organisation": "Voedselpunt Proefland", "name": "Soepbar",
             "summary": "Elke woensdag gratis soep en een babbel.", "themes": ["voeding"],
             "area": ["Testveld"], "contact.name": "Dirk Voorbeeld", "contact.phone": "+3299990303"}
    async with Store(tmp_path / "bot.sqlite3") as store:
        with pytest.raises(FieldError, match="Samenvatting ontbreekt"):
            await rv.record(store, kb, user_id=1, service_id="soepbar", field=rv.NEW_SERVICE,
                            new={k: v for k, v in value.items() if k != "summary"})
        with pytest.raises(FieldError, match="bestaat al"):
            await rv.record(store, kb, user_id=1, service_id="voedsel-proefdorp", field=rv.NEW_SERVICE, new=value)
        created = await rv.record(store, kb, user_id=1, service_id="soepbar", field=rv.NEW_SERVICE, new=value)
        revisions = await rv.load_revisions(store)
        effective = rv.apply_revisions(kb, revisions)
        assert effective.services["soepbar"].postcodes == frozenset({9902})
        assert "soepbar" in [m.service.id for m in SearchEngine(effective).by_theme("voeding", 9902).matches]
        await rv.revert(store, kb, created.id)
        assert "soepbar" not in rv.apply_revisions(kb, await rv.load_revisions(store)).services


async def test_confirming_is_not_editing(kb, tmp_path):
    async with Store(tmp_path / "bot.sqlite3") as store:
        await rv.record(store, kb, user_id=1, service_id="voedsel-proefdorp", field="last_verified",
                        new="2026-11-20")
        assert rv.last_edited(await rv.load_revisions(store), "voedsel-proefdorp") is None
        edit = await rv.record(store, kb, user_id=1, service_id="voedsel-proefdorp", field="hours", new="vr 9u")
        revisions = await rv.load_revisions(store)
    assert rv.last_edited(revisions, "voedsel-proefdorp") == edit.at
    assert str(rv.apply_revisions(kb, revisions).services["voedsel-proefdorp"].last_verified) == "2026-11-20"


# ── reload: new files from the coordinator ───────────────────────────────────────────────

def test_reload_keeps_other_fields_and_reports_a_conflict(kb, tmp_path):
    revisions = [rev(1, "voedsel-proefdorp", "contact.phone", "+3299990101", "+3299995555"),
                 rev(2, "voedsel-proefdorp", "hours", "di 9u-12u", "wo 9u-12u")]
    new_text = (REGION.replace("di 9u-12u", "do 13u-16u")                       # same field: conflict
                .replace("Elke week een gratis", "Elke week een gratis en gezond"))  # other field: kept
    result = reload_directory(write_region(tmp_path / "new", new_text), revisions)
    assert result.ok and result.kb is not None
    service = result.kb.services["voedsel-proefdorp"]
    assert service.hours == "wo 9u-12u"               # the organisation's revision stays
    assert service.summary.startswith("Elke week een gratis en gezond")
    assert service.contact.phone == "+3299995555"
    assert [(c.service_id, c.field, c.file_value, c.bot_value) for c in result.conflicts] == [
        ("voedsel-proefdorp", "hours", "do 13u-16u", "wo 9u-12u")]
    assert "welzijnsbot revert 2" in report(result)


def test_reload_without_file_changes_or_with_the_same_value_reports_nothing(kb):
    revisions = [rev(1, "voedsel-proefdorp", "hours", "di 9u-12u", "wo 9u-12u")]
    assert merge(kb, revisions).conflicts == []
    agreed = load_knowledge_base(write_region(Path(kb.regions["proefland"].file).parent.parent / "agreed",
                                              REGION.replace("di 9u-12u", "wo 9u-12u")))
    assert merge(agreed, revisions).conflicts == []


def test_reload_reports_changes_whose_service_left_the_file(tmp_path):
    without = REGION[: REGION.index("  - id: schuld-proefland")]
    result = reload_directory(write_region(tmp_path / "new", without),
                              [rev(1, "schuld-proefland", "hours", None, "ma 9u", organisation="Schuldhulp")])
    assert result.ok and result.kb is not None and "schuld-proefland" not in result.kb.services
    assert [p.service for p in result.skipped] == ["schuld-proefland"]
    assert "1 wijziging via de bot past niet meer:" in report(result)


def test_a_file_with_errors_is_refused_with_every_problem(tmp_path):
    broken = REGION.replace("themes: [schulden]", "themes: [schuldenn]").replace('"+32 9 999 02 02"', "bel ons")
    result = reload_directory(write_region(tmp_path / "new", broken), [])
    assert not result.ok and result.kb is None
    text = report(result)
    assert "NIET geladen" in text and "vorige kennisbank" in text
    assert "schuldenn" in text and "telefoonnummer" in text


def test_revision_values_are_plain_json_in_the_database(kb, tmp_path):
    async def go():
        async with Store(tmp_path / "bot.sqlite3") as store:
            await rv.record(store, kb, user_id=1, service_id="voedsel-proefdorp", field="keywords",
                            new=["voedselpakket", "brood"])
    asyncio.run(go())
    row = sqlite3.connect(tmp_path / "bot.sqlite3").execute("SELECT old, new FROM revision").fetchone()
    assert row == ('["voedselpakket"]', '["voedselpakket", "brood"]')


async def test_an_existing_database_upgrades_and_keeps_its_rows(tmp_path):
    db = tmp_path / "bot.sqlite3"
    old = sqlite3.connect(db)
    old.executescript("CREATE TABLE chat (chat_id INTEGER PRIMARY KEY, postcode INTEGER, "
                      "updated_at TEXT NOT NULL DEFAULT (datetime('now')));"
                      "INSERT INTO chat (chat_id, postcode) VALUES (42, 9801); PRAGMA user_version = 1;")
    old.close()
    async with Store(db) as store:
        assert await store.get_postcode(42) == 9801
        assert await store.schema_version() >= 4
        assert await rv.load_revisions(store) == []
