"""/beheer and /herlaad through the real bot (long polling) against the Bot API stand-in."""
from __future__ import annotations

import asyncio
import html
import json
import os
import shutil
import signal
import sqlite3
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot import admin_view, conversations
from bot import callback_data as cd
from bot.conversations import beheer
from bot.handlers import PRIVATE_ONLY
from kennisbank import editors
from kennisbank import revisions as rv
from kennisbank.fields import phone_national
from kennisbank.loader import load_knowledge_base
from kennisbank.schema import organisation_key
from kennisbank.search import SearchEngine
from kennisbank.themes import theme_label

CAW = "caw-lindeland-onthaal"
OTHER = "bjb-lindeland-pro-deo"       # another organisation's service


@pytest.fixture(autouse=True)
def _no_configured_coordinators(monkeypatch):
    monkeypatch.delenv(editors.ENV_COORDINATORS, raising=False)


def edit(service_id: str) -> str:
    """The "✏️ Aanpassen" button of reminders and reports: the service in /beheer."""
    return cd.BeheerService.of("s", service_id).encode()


def press(call, label: str) -> str:
    """The callback data of the button whose label is (or starts with) `label`."""
    for button in call.buttons:
        if button["text"] == label or button["text"].startswith(label):
            return button["callback_data"]
    raise AssertionError(f"no button {label!r} in {[b['text'] for b in call.buttons]}")


def labels(call) -> list[str]:
    return [b["text"] for b in call.buttons]


def org(name: str = "CAW Lindeland", region: str = "lindeland") -> editors.Organisation:
    """An organisation by its default key (region + name), as `find_organisation` gives it."""
    return editors.Organisation(organisation_key(region, name), name, (region,))


async def bind(user, store, organisation: str = "CAW Lindeland", region: str = "lindeland"):
    invite = await editors.create_invite(store, org(organisation, region))
    [ask] = await user.send("/beheer")
    assert "code" in ask.text
    replies = await user.send(invite.code)
    assert "Gelukt" in replies[0].text, replies[0].text
    return replies[-1]


async def open_field(user, menu, service_name: str, field_label: str):
    [view] = await user.tap(press(menu, service_name))
    [asked] = await user.tap(press(view, field_label))
    return view, asked


async def test_bind_then_change_a_phone_number_a_bad_one_refused_first(bot, chat, bench_kb):
    user = chat(2001)
    menu = await bind(user, bot.state.store)
    caw_services = sorted(s.name for s in bench_kb.services.values() if s.organisation == "CAW Lindeland")
    assert [label for label in labels(menu) if not label.startswith("➕")] == sorted(caw_services, key=str.casefold)
    name = bench_kb.services[CAW].name
    view, asked = await open_field(user, menu, name, "Telefoon")
    assert {"Contactpersoon", "Telefoon", "E-mail", "Openingsuren", "Samenvatting", "Omschrijving",
            "Trefwoorden", "Thema's", "Talen", "Adres", "Meebrengen", "Gebied", "Status",
            "✅ Alles klopt nog"} <= set(labels(view))
    assert "09 999 20 10" in asked.text            # the current number, shown nationally

    [refused] = await user.send("bel de balie")
    assert "geen geldig telefoonnummer" in refused.text and "09 999 10 10" in refused.text
    assert "Bevestigen" not in labels(refused)

    [preview] = await user.send("09 999 77 88")
    assert "09 999 20 10" in preview.text and "09 999 77 88" in preview.text
    saved = await user.tap(press(preview, "Bevestigen"))
    assert "bewaard" in saved[0].text and "09 999 77 88" in saved[0].text

    [revision] = await rv.load_revisions(bot.state.store)
    assert (revision.user_id, revision.service_id, revision.field, revision.old, revision.new) == (
        2001, CAW, "contact.phone", "+3299992010", "+3299997788")
    # The search answers with it at once: the card of the service shows the new number.
    assert bot.state.knowledge.kb.services[CAW].contact.phone == "+3299997788"
    card = await chat(2002).tap(cd.ShowCard(CAW).encode())
    assert "09 999 77 88" in card[0].text


async def test_another_organisations_service_is_refused_and_nothing_changes(bot, chat, bench_kb):
    user = chat(2101)
    menu = await bind(user, bot.state.store)
    assert bench_kb.services[OTHER].name not in labels(menu)
    for data in (edit(OTHER), cd.BeheerService.of("f", OTHER, 1).encode(),
                 cd.BeheerService.of("v", OTHER).encode()):
        [refused] = await user.tap(data)
        assert "hoort niet bij jouw organisatie" in refused.text
    assert await rv.load_revisions(bot.state.store) == []
    # Someone without any role gets nothing at all.
    [nobody] = await chat(2102).tap(edit(CAW))
    assert "🔒" in nobody.text


async def test_wrong_used_and_expired_codes_and_the_rate_limit(bot, chat):
    store = bot.state.store
    used = await editors.create_invite(store, org())
    await editors.redeem(store, 2201, used.code)
    expired = await editors.create_invite(store, org(), timedelta(hours=1),
                                          now=datetime.now(UTC) - timedelta(hours=2))
    good = await editors.create_invite(store, org())
    user = chat(2202)
    await user.send("/beheer")
    assert "al gebruikt" in (await user.send(used.code))[0].text
    assert "verlopen" in (await user.send(expired.code))[0].text
    for _ in range(editors.MAX_FAILED_PER_HOUR - 2):
        assert "ken ik niet" in (await user.send("ABCD-EFGH-JKMN-PQRS-TVWX"))[0].text
    [limited] = await user.send(good.code)
    assert "te vaak" in limited.text
    assert (await editors.roles_of(store, 2202, {})).organisations == ()
    # The code was not used up by the refused try: another user can still bind with it.
    [_ask] = await chat(2203).send("/beheer")
    assert "Gelukt" in (await chat(2203).send(good.code))[0].text


async def test_two_editors_on_the_same_field_the_second_is_asked_again(bot, chat, bench_kb):
    anna, bert = chat(2301), chat(2302)
    menu_a = await bind(anna, bot.state.store)
    menu_b = await bind(bert, bot.state.store)
    name = bench_kb.services[CAW].name
    await open_field(anna, menu_a, name, "Openingsuren")
    await open_field(bert, menu_b, name, "Openingsuren")
    [preview_a] = await anna.send("ma-vr 9u-12u")
    [preview_b] = await bert.send("di-do 13u-16u")
    await anna.tap(press(preview_a, "Bevestigen"))
    [again] = await bert.tap(press(preview_b, "Bevestigen"))
    assert "intussen" in again.text and "ma-vr 9u-12u" in again.text and "di-do 13u-16u" in again.text
    assert len(await rv.load_revisions(bot.state.store)) == 1      # nothing written for bert yet
    await bert.tap(press(again, "Bevestigen"))
    revisions = await rv.load_revisions(bot.state.store)
    assert [(r.user_id, r.old, r.new) for r in revisions] == [
        (2301, bench_kb.services[CAW].hours, "ma-vr 9u-12u"), (2302, "ma-vr 9u-12u", "di-do 13u-16u")]
    assert bot.state.knowledge.kb.services[CAW].hours == "di-do 13u-16u"


async def test_the_conversation_survives_a_restart(start_bot, chat, db_path, bench_kb):
    first = await start_bot()
    user = chat(2401)
    menu = await bind(user, first.state.store)
    await open_field(user, menu, bench_kb.services[CAW].name, "E-mail")
    await first.stop()

    # What the restart resumes from: the step of the conversation and the flow's own data, no text.
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT name, chat_id, user_id, state FROM conversation").fetchall() == [
            ("beheer", 2401, 2401, '"value"')]
        [(flow,)] = db.execute("SELECT data FROM flow_data WHERE user_id = 2401").fetchall()
    assert json.loads(flow)["beheer"]["service"] == CAW and json.loads(flow)["beheer"]["field"] == "contact.email"

    second = await start_bot()      # same database file, a new process state
    [preview] = await user.send("nieuw@caw-lindeland.example")
    assert "nieuw@caw-lindeland.example" in preview.text
    await user.tap(press(preview, "Bevestigen"))
    assert second.state.knowledge.kb.services[CAW].contact.email == "nieuw@caw-lindeland.example"
    await second.application.update_persistence()
    with sqlite3.connect(db_path) as db:   # the flow ended with the confirmation: nothing waits
        assert db.execute("SELECT COUNT(*) FROM conversation").fetchone() == (0,)

    third = await start_bot()       # and after another restart the change is still answered
    assert third.state.knowledge.kb.services[CAW].contact.email == "nieuw@caw-lindeland.example"


async def test_an_abandoned_step_times_out_says_so_and_text_is_a_question_again(
        start_bot, chat, standin, db_path, bench_kb, monkeypatch):
    monkeypatch.setattr(beheer, "TIMEOUT", timedelta(seconds=0.5))
    bot = await start_bot()
    user = chat(2451)
    menu = await bind(user, bot.state.store)
    since = len(standin.calls)
    await open_field(user, menu, bench_kb.services[CAW].name, "Samenvatting")
    told = await standin.wait_for("sendMessage", chat_id=2451, since=since,
                                  predicate=lambda c: c.text == admin_view.timed_out().html, timeout=10)
    assert told.params.get("reply_markup") is None

    async def stored_steps() -> int:   # the flow ends once its TIMEOUT callback has returned
        await bot.application.update_persistence()
        with sqlite3.connect(db_path) as db:
            return db.execute("SELECT COUNT(*) FROM conversation").fetchone()[0]

    for _ in range(50):
        if await stored_steps() == 0:
            break
        await asyncio.sleep(0.02)
    assert await stored_steps() == 0
    await user.send("/postcode 9801")
    await user.send("papa krijgt brieven van een deurwaarder")
    assert await rv.load_revisions(bot.state.store) == []            # not taken as the new summary
    assert bot.state.knowledge.kb.services[CAW].summary == bench_kb.services[CAW].summary


async def test_buttons_for_themes_and_status_still_right_and_a_text_question_is_not_captured(bot, chat, bench_kb):
    user = chat(2501)
    menu = await bind(user, bot.state.store)
    name = bench_kb.services[CAW].name
    view, themes = await open_field(user, menu, name, "Thema's")
    assert "✓ " + theme_label("huisvesting") in labels(themes)      # ticked: what it has now
    [ticked] = await user.tap(press(themes, theme_label("voeding")))
    assert "✓ " + theme_label("voeding") in labels(ticked)
    [preview] = await user.tap(press(ticked, "Klaar"))
    assert html.escape(theme_label("voeding")) in preview.text
    await user.tap(press(preview, "Bevestigen"))
    assert "voeding" in bot.state.knowledge.kb.services[CAW].themes

    # Status inactive hides the service from searches; it can be switched back on.
    [view] = await user.tap(edit(CAW))
    [status] = await user.tap(press(view, "Status"))
    [preview] = await user.tap(press(status, "Niet actief"))
    await user.tap(press(preview, "Bevestigen"))
    assert bot.state.knowledge.service(CAW) is None
    [view] = await user.tap(edit(CAW))
    [status] = await user.tap(press(view, "Status"))
    [preview] = await user.tap(press(status, "Actief"))
    await user.tap(press(preview, "Bevestigen"))
    assert bot.state.knowledge.service(CAW) is not None

    # "Alles klopt nog" renews last_verified and is not an edit.
    [view] = await user.tap(edit(CAW))
    [thanks] = await user.tap(press(view, "✅ Alles klopt nog"))
    assert "Bedankt" in thanks.text
    revisions = await rv.load_revisions(bot.state.store)
    assert revisions[-1].field == "last_verified"
    assert bot.state.knowledge.kb.services[CAW].last_verified == date.today()
    assert rv.last_edited(revisions, CAW) == revisions[-2].at     # the status change, not the confirmation

    # Outside a text step, typed text is a question for the search, not a value.
    await user.send("/postcode 9801")
    [answer] = await user.send("papa krijgt brieven van een deurwaarder")
    assert "bewaard" not in answer.text and "Dat lukt niet" not in answer.text
    assert len(await rv.load_revisions(bot.state.store)) == len(revisions)


async def test_a_command_ends_a_waiting_text_step(bot, chat, bench_kb):
    user = chat(2601)
    menu = await bind(user, bot.state.store)
    await open_field(user, menu, bench_kb.services[CAW].name, "Samenvatting")
    await user.send("/postcode 9801")
    [answer] = await user.send("papa krijgt brieven van een deurwaarder")
    assert "Was:" not in answer.text                  # not taken as the new summary
    assert await rv.load_revisions(bot.state.store) == []


async def test_new_service_step_by_step(bot, chat):
    user = chat(2701)
    menu = await bind(user, bot.state.store)
    [step] = await user.tap(press(menu, "➕ Nieuw aanbod"))
    assert "Hoe heet het aanbod" in step.text
    await user.send("Soepbar")
    [summary_refused] = await user.send("x" * 230)
    assert "maximaal 200" in summary_refused.text
    [themes] = await user.send("Elke woensdag gratis soep en een babbel.")
    [ticked] = await user.tap(press(themes, theme_label("voeding")))
    [area] = await user.tap(press(ticked, "Klaar"))
    [area_ticked] = await user.tap(press(area, "Lindegem"))
    [contact] = await user.tap(press(area_ticked, "Klaar"))
    assert "contactpersoon" in contact.text
    [_phone] = await user.send("Dirk Voorbeeld")
    [email] = await user.send("09 999 03 03")
    [preview] = await user.tap(press(email, "Overslaan"))
    assert "Soepbar" in preview.text and "09 999 03 03" in preview.text
    [created] = await user.tap(press(preview, "Bevestigen"))
    assert "Soepbar" in created.text
    kb = bot.state.knowledge.kb
    [soup] = [s for s in kb.services.values() if s.name == "Soepbar"]
    assert soup.organisation == "CAW Lindeland" and soup.contact.phone == "+3299990303"
    found = bot.state.knowledge.engine.by_theme("voeding", 9801, limit=30)
    assert soup.id in [m.service.id for m in found.matches]


@pytest.fixture
def kb_copy(tmp_path, bench_kb_dir):
    target = tmp_path / "kb"
    shutil.copytree(bench_kb_dir, target)
    return target


async def test_herlaad_merges_reports_conflicts_and_refuses_a_broken_file(start_bot, chat, kb_copy, bench_kb):
    bot = await start_bot(kb=load_knowledge_base(kb_copy), kb_dir=kb_copy)
    store = bot.state.store
    await editors.add_coordinator(store, 2801, "lindeland")
    editor = chat(2802)
    menu = await bind(editor, store)
    await open_field(editor, menu, bench_kb.services[CAW].name, "Openingsuren")
    [preview] = await editor.send("ma-vr 9u-12u")
    await editor.tap(press(preview, "Bevestigen"))

    [refused] = await chat(2803).send("/herlaad")
    assert "🔒" in refused.text

    region = kb_copy / "lindeland.yaml"
    text = region.read_text(encoding="utf-8")
    old_hours = bench_kb.services[CAW].hours
    old_summary = bench_kb.services[CAW].summary
    region.write_text(text.replace(old_hours, "alle dagen 8u-20u").replace(old_summary, "Nieuwe samenvatting."),
                      encoding="utf-8")
    [report] = await chat(2801).send("/herlaad")
    assert "Kennisbank geladen" in report.text and "Openingsuren" in report.text and "revert" in report.text
    service = bot.state.knowledge.kb.services[CAW]
    assert service.hours == "ma-vr 9u-12u" and service.summary == "Nieuwe samenvatting."

    region.write_text(text.replace("themes: [", "themes: [onbestaand-thema, ", 1), encoding="utf-8")
    [refused_file] = await chat(2801).send("/herlaad")
    assert "NIET geladen" in refused_file.text and html.escape("onbestaand-thema") in refused_file.text
    assert bot.state.knowledge.kb.services[CAW].summary == "Nieuwe samenvatting."   # last good one stays
    assert bot.state.knowledge.kb.services[CAW].hours == "ma-vr 9u-12u"


async def test_reminder_edit_button_opens_the_service(bot, chat, bench_kb):
    user = chat(2901)
    await bind(user, bot.state.store)
    [view] = await user.tap(edit(CAW))
    assert html.escape(bench_kb.services[CAW].name) in view.text and "Telefoon" in labels(view)


async def test_a_coordinator_changes_any_service_of_the_region_and_adds_an_organisation(
        bot, chat, bench_kb, monkeypatch):
    monkeypatch.setenv(editors.ENV_COORDINATORS, "3001:lindeland")
    user = chat(3001)
    [orgs] = await user.send("/beheer")
    assert "Kies een organisatie" in orgs.text and "➕ Nieuwe organisatie" in labels(orgs)
    [helpline_refused] = await user.tap(edit(
        next(s.id for s in bench_kb.services.values() if s.region_id == "vlaanderen")))
    assert "hoort niet bij jouw organisatie of regio" in helpline_refused.text
    [view] = await user.tap(edit(OTHER))      # another organisation, same region
    [_asked] = await user.tap(press(view, "Contactpersoon"))
    [preview] = await user.send("Eva Voorbeeld")
    await user.tap(press(preview, "Bevestigen"))
    assert bot.state.knowledge.kb.services[OTHER].contact.name == "Eva Voorbeeld"

    [same_org] = await user.send("/beheer")                 # back where the coordinator was
    assert "Bureau voor Juridische Bijstand" in same_org.text
    [orgs] = await user.tap(press(same_org, "⬅️ Andere organisatie"))
    [ask_org] = await user.tap(press(orgs, "➕ Nieuwe organisatie"))
    assert "organisatie" in ask_org.text
    await user.send("Buurthuis De Linde")
    await user.send("Huiswerkklas")
    [themes] = await user.send("Elke dinsdag hulp bij huiswerk voor lagere-schoolkinderen.")
    [ticked] = await user.tap(press(themes, theme_label("huiswerk")))
    [area] = await user.tap(press(ticked, "Klaar"))
    [contact] = await user.tap(press(area, "Heel de regio"))
    [contact] = await user.tap(press(contact, "Klaar"))
    await user.send("Fien Voorbeeld")
    [_email] = await user.tap(press(await _last(user), "Overslaan"))
    [preview] = await user.send("huiswerk@buurthuis-delinde.example")
    [created] = await user.tap(press(preview, "Bevestigen"))
    assert "Huiswerkklas" in created.text
    [new] = [s for s in bot.state.knowledge.kb.services.values() if s.organisation == "Buurthuis De Linde"]
    assert new.region_id == "lindeland" and new.postcodes == bench_kb.regions["lindeland"].postcodes
    assert new.contact.phone is None and new.contact.email == "huiswerk@buurthuis-delinde.example"


async def _last(user):
    """The bot's last message in this chat, as a call-like object with buttons."""
    message = user.standin.last_bot_message(user.chat_id) or {}

    return SimpleNamespace(
        buttons=[b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row],
        text=message.get("text", ""))


async def test_sighup_reloads_the_files_and_tells_the_coordinators(start_bot, standin, kb_copy, bench_kb,
                                                                    monkeypatch):
    monkeypatch.setenv(editors.ENV_COORDINATORS, "3101")
    bot = await start_bot(kb=load_knowledge_base(kb_copy), kb_dir=kb_copy)
    region = kb_copy / "lindeland.yaml"
    region.write_text(region.read_text(encoding="utf-8").replace(bench_kb.services[CAW].summary,
                                                                 "Samenvatting na SIGHUP."), encoding="utf-8")
    since = len(standin.calls)
    os.kill(os.getpid(), signal.SIGHUP)
    told = await standin.wait_for("sendMessage", chat_id=3101, since=since)
    assert "Kennisbank geladen" in told.text
    assert bot.state.knowledge.kb.services[CAW].summary == "Samenvatting na SIGHUP."


async def test_a_coordinator_sees_the_latest_changes_of_the_region_only(bot, chat, bench_kb, monkeypatch):
    monkeypatch.setenv(editors.ENV_COORDINATORS, "3201:lindeland")
    helpline = next(s for s in bench_kb.services.values() if s.region_id == "vlaanderen")
    store = bot.state.store
    await rv.record(store, bench_kb, user_id=11, service_id=CAW, field="hours", new="ma 9u-12u")
    await rv.record(store, bench_kb, user_id=12, service_id=helpline.id, field="hours", new="24 op 7")
    user = chat(3201)
    [orgs] = await user.send("/beheer")
    [audit] = await user.tap(press(orgs, "📜 Laatste wijzigingen"))
    assert "gebruiker 11" in audit.text and "Openingsuren" in audit.text and "ma 9u-12u" in audit.text
    assert "24 op 7" not in audit.text and helpline.id not in audit.text
    # an editor has no audit button and the forged button does nothing
    editor = chat(3202)
    menu = await bind(editor, store)
    assert "📜 Laatste wijzigingen" not in labels(menu)
    [nothing] = await editor.tap(cd.Beheer("a").encode())
    assert "gebruiker 11" not in nothing.text


async def test_a_question_typed_while_the_code_is_asked_still_reaches_the_search(bot, chat, bench_kb):
    user = chat(3301)
    await user.send("/postcode 9801")
    await user.send("/beheer")
    question = "papa krijgt brieven van een deurwaarder"
    [answer] = await user.send(question)
    top = SearchEngine(bench_kb).search(question, 9801).matches[0].service
    assert top.contact.name is not None
    assert html.escape(top.contact.name) in answer.text and "ken ik niet" not in answer.text
    assert "ken ik niet" in (await user.send("ABCD EFGH JKMN PQRS TVWX"))[0].text   # code-shaped: a try


async def _summary_step_left_open_over_a_stop(start_bot, chat, bench_kb, monkeypatch, user_id: int):
    """A /beheer value step opened with a one-second time-out, then the bot stopped: (user, stop index)."""
    monkeypatch.setattr(beheer, "TIMEOUT", timedelta(seconds=1))
    first = await start_bot()
    user = chat(user_id)
    menu = await bind(user, first.state.store)
    await open_field(user, menu, bench_kb.services[CAW].name, "Samenvatting")
    await first.stop()
    return user, len(user.standin.calls)


async def test_a_step_restored_after_a_restart_times_out_and_says_so(start_bot, chat, standin, db_path, bench_kb,
                                                                     monkeypatch):
    """PTB does not re-arm conversation_timeout for a restored state: the step's own deadline does."""
    user, _ = await _summary_step_left_open_over_a_stop(start_bot, chat, bench_kb, monkeypatch, 2461)
    second = await start_bot()
    await asyncio.sleep(1.5)                                   # past the deadline, nobody wrote
    replies = await user.send("papa krijgt brieven van een deurwaarder")
    texts = [r.text for r in replies]
    assert admin_view.timed_out().html in texts                 # told ...
    assert len(texts) == 2 and not any("Was:" in t for t in texts)   # ... and the text is a question
    await second.application.update_persistence()
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM conversation").fetchone() == (0,)
        assert not any("deurwaarder" in row[0] for row in db.execute("SELECT data FROM flow_data"))
    assert await rv.load_revisions(second.state.store) == []


async def test_a_restored_step_is_timed_out_even_if_the_user_never_writes(start_bot, chat, standin, bench_kb,
                                                                          monkeypatch):
    monkeypatch.setattr(conversations, "SWEEP_EVERY", timedelta(seconds=0.5))
    _user, since = await _summary_step_left_open_over_a_stop(start_bot, chat, bench_kb, monkeypatch, 2462)
    second = await start_bot()
    await standin.wait_for("sendMessage", chat_id=2462, since=since,
                           predicate=lambda c: c.text == admin_view.timed_out().html, timeout=10)
    assert beheer.Session.from_data(second.application.user_data[2462][beheer.NAME]).step == beheer.IDLE


async def test_a_value_or_a_code_sent_as_a_reply_to_the_bots_question_is_taken(bot, chat, bench_kb):
    user = chat(2491)
    invite = await editors.create_invite(bot.state.store, org())
    [ask] = await user.send("/beheer")
    [menu] = await user.send(invite.code, reply_to=ask)
    assert "Gelukt" in menu.text
    _view, asked = await open_field(user, menu, bench_kb.services[CAW].name, "Telefoon")
    [preview] = await user.send("09 999 77 88", reply_to=asked)
    assert preview.text == admin_view.preview(bench_kb.services[CAW], "contact.phone", "+3299992010",
                                              "+3299997788").html


async def test_beheer_is_private_a_group_command_does_not_touch_the_private_step(bot, chat, standin, bench_kb):
    user = chat(2481)
    menu = await bind(user, bot.state.store)
    await open_field(user, menu, bench_kb.services[CAW].name, "Telefoon")
    since = len(standin.calls)
    update = standin.inject({"message": {
        "message_id": 1, "date": 0, "chat": {"id": -1002481, "type": "group", "title": "Zorgteam"},
        "from": standin.user(2481), "text": "/beheer",
        "entities": [{"type": "bot_command", "offset": 0, "length": 7}]}})
    await bot.wait_processed(update["update_id"])
    in_group = standin.calls_to("sendMessage", chat_id=-1002481, since=since)
    assert [c.text for c in in_group] == [PRIVATE_ONLY.html]      # no menu, no code request in the group
    [preview] = await user.send("09 999 77 88")                  # the private step still waits
    assert "09 999 77 88" in preview.text


@pytest.mark.parametrize("text", ["hulp bij pesten", "logopedie voor mijn kind", "waar vind ik hulp",
                                  "schulden gezin", "ABCD EFGH JKMN PQRS"])
def test_short_questions_are_not_taken_for_an_invite_code(text):
    assert not beheer.looks_like_code(text)


def test_an_invite_code_however_typed_looks_like_one():
    assert beheer.looks_like_code("abcd-efgh-jkmn-pqrs-tvwx") and beheer.looks_like_code("ABCD EFGH JKMN PQRS TVWX")


async def test_a_question_about_a_family_typed_into_a_text_step_is_refused_and_not_kept(bot, chat, bench_kb,
                                                                                         db_path):
    user = chat(2701 + 90)
    menu = await bind(user, bot.state.store)
    await open_field(user, menu, bench_kb.services[CAW].name, "Samenvatting")
    [refused] = await user.send("Mama Fatima El Amrani belt op 0470 12 34 56 over de huur")
    assert refused.text == admin_view.looks_personal().html
    await bot.application.update_persistence()
    with sqlite3.connect(db_path) as db:
        assert not any("Fatima" in row[0] for row in db.execute("SELECT data FROM flow_data"))
    own_phone = bench_kb.services[CAW].contact.phone
    [preview] = await user.send(f"Bel eerst naar het onthaal op {phone_national(own_phone)}.")   # its own number
    assert "Klopt dat?" in preview.text


async def test_herlaad_holds_back_files_that_lose_services_until_confirmed(start_bot, chat, kb_copy, bench_kb):
    import yaml
    bot = await start_bot(kb=load_knowledge_base(kb_copy), kb_dir=kb_copy)
    await editors.add_coordinator(bot.state.store, 2851, "lindeland")
    region = kb_copy / "lindeland.yaml"
    data = yaml.safe_load(region.read_text(encoding="utf-8"))
    gone = [s["id"] for s in data["services"][-3:]]
    data["services"] = data["services"][:-3]                  # as if the file were cut off
    region.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    before = set(bot.state.knowledge.kb.services)
    [held] = await chat(2851).send("/herlaad")
    assert "NIET geladen" in held.text and "3 diensten minder" in held.text
    assert all(html.escape(sid) in held.text for sid in gone)
    assert set(bot.state.knowledge.kb.services) == before     # still answering from the old data
    [done] = await chat(2851).send("/herlaad zeker")
    assert "Kennisbank geladen" in done.text
    assert set(bot.state.knowledge.kb.services) == before - set(gone)
