"""Two organisations with the same name in two regions, through the real bot and the Bot API
stand-in, on a real SQLite file: an editor of one never sees, changes or hears about the other;
a rename with an organisation_id keeps the editor (issue 14, Authorization)."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot import callback_data as cd
from kennisbank import editors, reports
from kennisbank import revisions as rv
from kennisbank.fields import FieldError
from kennisbank.loader import load_knowledge_base

NAME = "Huis van het Kind"
NORTH, SOUTH = "hvhk-noord-spel", "hvhk-zuid-spel"
EDITOR, SCHOOL, NORTH_COORDINATOR, SOUTH_COORDINATOR = 3101, 3102, 3103, 3104


def region_file(region: str, postcode: int, service_id: str, number: int, organisation: str = NAME,
                organisation_id: str | None = None) -> str:
    org_id = f"    organisation_id: {organisation_id}\n" if organisation_id else ""
    return f"""schema: 1
region:
  id: {region}
  name: Regio {region.capitalize()}
  example: true
  municipalities:
    - {{name: {region.capitalize()}dorp, postcodes: [{postcode}]}}
services:
  - id: {service_id}
    organisation: {organisation}
{org_id}    name: Spelinloop {region.capitalize()}
    summary: Ouders en jonge kinderen spelen samen en vinden er raad bij opvoedingsvragen.
    themes: [opvoeding]
    area: all
    contact:
      name: Fien Voorbeeld
      phone: "+32 9 999 40 {number:02d}"
    last_verified: 2026-01-15
"""


def write_kb(folder: Path, *, north_name: str = NAME, north_id: str | None = None) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "noordveld.yaml").write_text(
        region_file("noordveld", 9901, NORTH, 11, north_name, north_id), encoding="utf-8")
    (folder / "zuidveld.yaml").write_text(region_file("zuidveld", 9902, SOUTH, 22), encoding="utf-8")
    return folder


@pytest.fixture
def coordinators(monkeypatch):
    monkeypatch.setenv(editors.ENV_COORDINATORS, f"{NORTH_COORDINATOR}:noordveld,{SOUTH_COORDINATOR}:zuidveld")


def press(call, label: str) -> str:
    for button in call.buttons:
        if button["text"].startswith(label):
            return button["callback_data"]
    raise AssertionError(f"no button {label!r} in {[b['text'] for b in call.buttons]}")


async def bind_north(bot, user):
    """An invite for the north namesake, the way the command line makes it (--region), redeemed."""
    kb = bot.state.knowledge.kb
    with pytest.raises(FieldError, match="--region"):
        editors.find_organisation(kb, NAME)
    invite = await editors.create_invite(bot.state.store, editors.find_organisation(kb, NAME, "noordveld"))
    await user.send("/beheer")
    replies = await user.send(invite.code)
    assert "Gelukt" in replies[0].text, replies[0].text
    return replies[-1]


async def report(user, service_id: str) -> None:
    """A school taps "klopt niet meer" on the card and sends a remark."""
    [card, *_] = await user.tap(cd.ShowCard(service_id).encode())
    [wrong] = [b["callback_data"] for b in card.buttons if b["callback_data"].startswith("f!")]
    [reasons] = await user.tap(wrong)
    [phone] = [b["callback_data"] for b in reasons.buttons if "Telefoon" in b["text"]]
    [_prompt, ask] = await user.tap(phone)
    [thanks] = await user.send("Het nummer werkt niet meer", reply_to=ask)
    assert "Bedankt" in thanks.text


async def test_an_editor_of_one_namesake_cannot_see_change_or_hear_about_the_other(
        start_bot, chat, standin, tmp_path, coordinators):
    kb_dir = write_kb(tmp_path / "kb")
    bot = await start_bot(kb=load_knowledge_base(kb_dir), kb_dir=kb_dir)
    store = bot.state.store
    editor = chat(EDITOR)
    menu = await bind_north(bot, editor)

    # Sees only the north service.
    labels = [b["text"] for b in menu.buttons]
    assert "Spelinloop Noordveld" in labels and "Spelinloop Zuidveld" not in labels

    # A forged /beheer button and a forged "alles klopt nog" for the south service change nothing.
    [refused] = await editor.tap(cd.BeheerService.of("s", SOUTH).encode())
    assert "Spelinloop Zuidveld" not in refused.text
    await editor.tap(cd.BeheerService.of("v", SOUTH).encode())
    await editor.tap(cd.StillRight(SOUTH).encode())
    assert await rv.load_revisions(store) == []
    assert bot.state.knowledge.kb.services[SOUTH].last_verified == load_knowledge_base(kb_dir).services[
        SOUTH].last_verified

    # Its own service: a change is saved (the binding works at all).
    [view] = await editor.tap(press(menu, "Spelinloop Noordveld"))
    await editor.tap(press(view, "✅ Alles klopt nog"))
    [revision] = await rv.load_revisions(store)
    assert (revision.user_id, revision.service_id, revision.field) == (EDITOR, NORTH, "last_verified")

    # A report about the south service reaches its coordinator, not the north editor.
    school = chat(SCHOOL)
    since = len(standin.calls)
    await report(school, SOUTH)
    assert await standin.wait_for("sendMessage", chat_id=SOUTH_COORDINATOR, since=since)
    assert not standin.calls_to("sendMessage", chat_id=EDITOR, since=since)
    assert not standin.calls_to("sendMessage", chat_id=NORTH_COORDINATOR, since=since)
    # ... and one about the north service does reach the editor.
    since = len(standin.calls)
    await report(school, NORTH)
    notice = await standin.wait_for("sendMessage", chat_id=EDITOR, since=since)
    assert "Spelinloop Noordveld" in notice.text
    assert {r.service_id for r in await reports.fetch(store.conn)} == {NORTH, SOUTH}


async def test_a_rename_with_an_organisation_id_keeps_the_editor(start_bot, chat, tmp_path, coordinators):
    kb_dir = write_kb(tmp_path / "kb", north_id="hvhk-noordveld")
    bot = await start_bot(kb=load_knowledge_base(kb_dir), kb_dir=kb_dir)
    editor = chat(EDITOR)
    await bind_north(bot, editor)

    write_kb(kb_dir, north_name="Huis van het Kind Noordveld", north_id="hvhk-noordveld")
    [reloaded] = await chat(NORTH_COORDINATOR).send("/herlaad")
    assert bot.state.knowledge.kb.services[NORTH].organisation == "Huis van het Kind Noordveld", reloaded.text

    [menu] = await editor.send("/beheer")
    assert "Huis van het Kind Noordveld" in menu.text
    [view] = await editor.tap(press(menu, "Spelinloop Noordveld"))
    await editor.tap(press(view, "✅ Alles klopt nog"))
    [revision] = await rv.load_revisions(bot.state.store)
    assert (revision.user_id, revision.service_id) == (EDITOR, NORTH)
    assert (await editors.roles_of(bot.state.store, EDITOR, {})).organisations == ("hvhk-noordveld",)
