"""Feedback, "klopt niet meer" and /signalen, end to end: the real bot polling the Bot API stand-in."""
from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from datetime import UTC, date, datetime, timedelta

import matplotlib.image
import pytest

from bot import callback_data as cd
from bot import feedback_view as views
from bot import jobs, render
from bot.handlers import PRIVATE_ONLY, feedback
from bot.privacy import remark_is_personal
from bot.render import html_to_plain, nice_date
from kennisbank import reports, signals
from kennisbank.revisions import load_revisions
from kennisbank.schema import organisation_key

SERVICE = "ocmw-lindegem-schuldbemiddeling"      # organisation: Sociaal Huis Lindegem (OCMW)
ORGANISATION = "Sociaal Huis Lindegem (OCMW)"
EDITOR, COORDINATOR, OTHER_COORDINATOR, SCHOOL = 501, 900, 901, 4242
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def data_of(call, prefix: str) -> list[str]:
    return [b["callback_data"] for b in call.buttons if b.get("callback_data", "").startswith(prefix)]


@pytest.fixture
def roles(monkeypatch):
    """A coordinator of Lindeland from the configuration, one of another region."""
    monkeypatch.setenv("WELZIJNSBOT_COORDINATORS", f"{COORDINATOR}:lindeland,{OTHER_COORDINATOR}:elders")


async def bind_editor(bot, user_id: int = EDITOR, organisation: str = ORGANISATION) -> None:
    await bot.state.store.conn.execute(
        "INSERT INTO editor (user_id, organisation, org_key, bound_at) "
        "VALUES (?, ?, ?, '2026-01-01T00:00:00+00:00')",
        (user_id, organisation, organisation_key("lindeland", organisation)))


async def test_answer_feedback_attaches_to_the_signal_row(bot, chat):
    user = chat(SCHOOL)
    await user.send("/postcode 9801")
    [answer] = await user.send("papa krijgt brieven van een deurwaarder")
    [useful] = data_of(answer, "fa+:")
    assert data_of(answer, "fa-:") and data_of(answer, "fa!:")
    action = cd.decode(useful)
    assert isinstance(action, cd.RateAnswer)
    signal_id = action.signal
    await user.tap(useful)
    async with bot.state.store.conn.execute("SELECT * FROM signal WHERE id = ?", (signal_id,)) as cur:
        row = dict(await cur.fetchone())
    assert row["municipality"] == "Lindegem" and row["fitted"] == 1 and row["feedback"] == "nuttig"
    assert "schulden" in row["themes"].split(",") and SERVICE in row["services"].split(",")
    # the row has no place for a chat, a user or the question's text
    assert set(row) == {"id", "day", "municipality", "themes", "services", "fitted", "feedback"}
    [not_useful] = data_of(answer, "fa-:")
    await user.tap(not_useful)
    async with bot.state.store.conn.execute("SELECT feedback FROM signal WHERE id = ?", (signal_id,)) as cur:
        assert (await cur.fetchone())[0] == "niet-nuttig"


async def test_nothing_found_and_a_chosen_need_are_signals_too(bot, chat):
    user = chat(SCHOOL)
    await user.send("/postcode 9801")
    [reply] = await user.send("xyzzy qwerty plop")
    assert data_of(reply, "fa+:")
    theme = data_of(reply, "t:")[0]          # the first need offered (answering.likely_needs)
    [shown] = await user.tap(theme)
    assert data_of(shown, "fa+:")
    need = cd.decode(theme)
    assert isinstance(need, cd.ThemePage)
    rows = await signals.fetch(bot.state.store.conn)
    assert [(s.fitted, s.themes) for s in rows] == [(False, ()), (True, (need.theme,))]


async def test_the_database_never_holds_the_question(bot, chat, db_path):
    user = chat(SCHOOL)
    await user.send("/postcode 9801")
    question = "De mama van Xanthippe Quobbelaere wordt uit haar huis gezet"
    [answer] = await user.send(question)
    assert data_of(answer, "fa+:")
    await user.tap(data_of(answer, "fa+:")[0])
    assert len(await signals.fetch(bot.state.store.conn)) == 1    # the question did leave a signal
    files = [p for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)]
    assert any(p.name.endswith("-wal") for p in files)
    stored = b"".join(p.read_bytes() for p in files).lower()
    for word in ("xanthippe", "quobbelaere", "mama", "uit haar huis gezet"):
        assert word.encode() not in stored, word


async def test_a_report_reaches_the_editors_and_the_coordinator_at_once(bot, chat, standin, roles):
    await bind_editor(bot)
    user = chat(SCHOOL)
    await user.send("/postcode 9801")
    [card, *_] = await user.tap(f"k:{SERVICE}")
    assert data_of(card, "fk+") and data_of(card, "fk-")
    [wrong] = data_of(card, "f!")
    [reasons] = await user.tap(wrong)
    [phone] = [b["callback_data"] for b in reasons.buttons if "Telefoon" in b["text"]]
    [prompt, ask] = await user.tap(phone)
    assert "Noem geen gezin" in prompt.text
    assert ask.params["reply_markup"]["force_reply"] is True
    since = len(standin.calls)
    [thanks] = await user.send("Het nummer werkt niet meer, je krijgt een bandje", reply_to=ask)
    assert "Bedankt" in thanks.text
    notice = await standin.wait_for("sendMessage", chat_id=EDITOR, since=since)
    assert "klopt niet meer" in notice.text and "telefoonnummer" in notice.text
    assert "werkt niet meer" in notice.text and "Schuldbemiddeling" in notice.text
    assert [b["text"] for b in notice.buttons] == ["✏️ Aanpassen", "✅ Alles klopt nog"]
    assert await standin.wait_for("sendMessage", chat_id=COORDINATOR, since=since)
    assert not standin.calls_to("sendMessage", chat_id=OTHER_COORDINATOR)
    [report] = await reports.fetch(bot.state.store.conn)
    assert (report.service_id, report.reason, report.is_open) == (SERVICE, "telefoon", True)
    assert report.remark == "Het nummer werkt niet meer, je krijgt een bandje"

    # the editor confirms: last_verified renewed through the revision log, report resolved
    editor = chat(EDITOR)
    [edit, done] = await editor.tap(data_of(notice, "fo:")[0])
    assert edit.method == "editMessageReplyMarkup" and not edit.buttons     # no second tap by mistake
    assert "Bedankt" in done.text and f"#{report.id}" in done.text
    resolved = await reports.get(bot.state.store.conn, report.id)
    assert resolved is not None and resolved.resolution == "bevestigd"
    [revision] = await load_revisions(bot.state.store)
    assert (revision.user_id, revision.field, revision.new) == (EDITOR, "last_verified", date.today().isoformat())
    assert bot.state.knowledge.kb.services[SERVICE].last_verified == date.today()
    [card, *_] = await user.tap(f"k:{SERVICE}")                    # the school sees the new date at once
    assert f"Laatst bevestigd: {nice_date(date.today())}" in card.text
    [change] = [b["callback_data"] for b in notice.buttons if b["text"] == "✏️ Aanpassen"]
    [opened] = await editor.tap(change)        # the admin module opens the entry in /beheer at once
    assert "Kies wat je wil aanpassen" in opened.text and "Telefoon" in [b["text"] for b in opened.buttons]

    # someone else may not confirm another organisation's entry
    stranger = chat(777)
    [refused] = await stranger.tap(data_of(notice, "fo:")[0])
    assert "niet bij jouw organisatie" in refused.text


async def test_a_remark_with_personal_data_is_refused_and_not_stored(bot, chat, standin, roles):
    await bind_editor(bot)
    user = chat(SCHOOL)
    await user.send("/postcode 9801")
    await user.tap(f"k:{SERVICE}")
    [reasons] = await user.tap(cd.ReportCard(SERVICE).encode())
    [other] = [b["callback_data"] for b in reasons.buttons if "Iets anders" in b["text"]]
    [_, ask] = await user.tap(other)
    [refused, ask] = await user.send("Bel de mama, Fatima El Amrani, op 0470 12 34 56", reply_to=ask)
    assert "bewaar ik niet" in refused.text
    [report] = await reports.fetch(bot.state.store.conn)
    assert report.remark is None and report.notified_at is None
    assert not standin.calls_to("sendMessage", chat_id=EDITOR)
    # the service's own number and contact person are fine
    [thanks] = await user.send("Koen Vandeveldeke is niet meer bereikbaar op 09 999 10 12", reply_to=ask)
    assert "Bedankt" in thanks.text
    remarked = await reports.get(bot.state.store.conn, report.id)
    assert remarked is not None and (remarked.remark or "").startswith("Koen Vandeveldeke")
    assert remarked.notified_at is not None
    # after the report, text is a question again
    [answer] = await user.send("papa krijgt brieven van een deurwaarder")
    assert "Schuldbemiddeling" in answer.text


async def test_report_from_an_answer_asks_which_service_and_can_go_without_remark(bot, chat, standin, roles):
    await bind_editor(bot)
    user = chat(SCHOOL)
    await user.send("/postcode 9801")
    [answer] = await user.send("papa krijgt brieven van een deurwaarder")
    [which] = await user.tap(data_of(answer, "fa!:")[0])
    assert "Over welke dienst" in which.text
    [reasons] = await user.tap(cd.ReportCard(SERVICE).encode())
    [gone] = [b["callback_data"] for b in reasons.buttons if "Bestaat niet meer" in b["text"]]
    [prompt, _ask] = await user.tap(gone)
    since = len(standin.calls)
    [thanks] = await user.tap(data_of(prompt, "fn:")[0])
    assert "Bedankt" in thanks.text
    notice = await standin.wait_for("sendMessage", chat_id=EDITOR, since=since)
    assert "bestaat niet meer" in notice.text
    [sig] = await signals.fetch(bot.state.store.conn)
    assert sig.feedback == "klopt-niet"


async def test_card_feedback_is_counted_per_service_once_per_chat(bot, chat):
    user = chat(SCHOOL)
    await user.send("/postcode 9801")
    [card, *_] = await user.tap(f"k:{SERVICE}")
    await user.tap(data_of(card, "fk+")[0])
    await user.tap(data_of(card, "fk+")[0])
    await chat(SCHOOL + 1).tap(data_of(card, "fk-")[0])
    counts = await reports.card_feedback(bot.state.store.conn)
    assert counts[SERVICE] == {"nuttig": 1, "niet-nuttig": 1}


async def test_another_chat_cannot_walk_or_press_an_answers_feedback_buttons(bot, chat):
    """Signal ids are small numbers: without the chat-bound tag anyone could read which services
    another school was shown (its need and municipality) or overwrite its feedback."""
    school = chat(SCHOOL)
    await school.send("/postcode 9801")
    [answer] = await school.send("papa krijgt brieven van een deurwaarder")
    [useful] = data_of(answer, "fa+:")
    [report] = data_of(answer, "fa!:")
    stranger = chat(SCHOOL + 7)
    signal = cd.decode(useful)
    assert isinstance(signal, cd.RateAnswer)
    forged = [useful, report, cd.RateAnswer(signal.signal, False).encode(),      # the school's own buttons,
              cd.ReportAnswer(signal.signal).encode(),                            # unsigned ids,
              cd.ReportAnswer(signal.signal, "0" * 10).encode()]                  # and a guessed tag
    for data in forged:
        [reply] = await stranger.tap(data)
        assert reply.text == render.expired().html, data
    [row] = await signals.fetch(bot.state.store.conn)
    assert row.feedback is None                                  # nothing overwritten
    await school.tap(useful)                                     # the school itself still can
    [row] = await signals.fetch(bot.state.store.conn)
    assert row.feedback == "nuttig"


async def test_forged_feedback_buttons_expire(bot, chat):
    user = chat(SCHOOL)
    for data in ("fa+:999", "fa+:abc", "fa+:²", "fa-:" + "9" * 30, "fo:12", "frq:x", "fk+:bestaat-niet", "f?"):
        [reply] = await user.tap(data)
        assert "verlopen" in reply.text, data


async def test_signalen_only_for_coordinators_with_small_counts_suppressed(bot, chat, standin, roles):
    conn = bot.state.store.conn
    day = signals.last_complete_month().first      # /signalen shows the last complete month
    for _ in range(7):
        await signals.record(conn, "Lindegem", ["huisvesting"], ["caw-lindeland-onthaal"], True, day)
    for _ in range(2):
        await signals.record(conn, "Lindegem", ["voeding"], [], False, day)
    for _ in range(9):
        await signals.record(conn, "Elders", ["energie"], [], False, day)
    [refusal] = await chat(SCHOOL).send("/signalen")
    assert "alleen voor regiocoördinatoren" in refusal.text
    assert not standin.calls_to("sendPhoto")

    replies = await chat(COORDINATOR).send("/signalen")
    photo, text = replies[0], replies[1]
    assert photo.method == "sendPhoto"
    png = photo.files["photo"]
    assert png.startswith(PNG_SIGNATURE)
    assert matplotlib.image.imread(io.BytesIO(png)).shape[2] in (3, 4)
    plain = html_to_plain(text.text)
    rows = {line.split()[-3]: line for line in plain.splitlines() if line.startswith("Lindegem")}
    assert rows["Voeding"].split()[-2:] == ["<5", "<5"]
    assert rows["huisvesting"].split()[-2:] == ["7", "0"]
    assert rows["samen)"].split()[-2:] == ["x", "x"]     # Lindegem's total would give away the 2
    assert "Elders" not in plain and "2" not in rows["Voeding"]
    [bad] = await chat(COORDINATOR).send("/signalen veel")
    assert "volledige kalendermaand" in bad.text


def test_signal_table_on_disk_has_no_text_column(db_path):
    """The schema itself: which columns the anonymous tables have (checked on the migrated file)."""
    import asyncio

    from kennisbank.store import Store

    async def make():
        async with Store(db_path):
            pass
    asyncio.run(make())
    with sqlite3.connect(db_path) as db:
        report_cols = [r[1] for r in db.execute("PRAGMA table_info(report)")]
        feedback_cols = [r[1] for r in db.execute("PRAGMA table_info(service_feedback)")]
    assert not any("chat" in c or "user" in c for c in report_cols + feedback_cols)


async def test_privacy_lists_what_is_stored_now(bot, chat):
    [reply] = await chat(SCHOOL).send("/privacy")
    for stored in ("anoniem signaal", "zonder chat-id", "klopt niet meer", "herinnering", "/vergeet"):
        assert stored in reply.text, stored


def test_remark_check_allows_only_the_service_own_details(bench_kb):
    from bot.state import Knowledge

    knowledge = Knowledge.build(bench_kb)
    service = bench_kb.services[SERVICE]          # contact Koen Vandeveldeke, 09 999 10 12
    assert not remark_is_personal("Koen Vandeveldeke werkt er niet meer", service, knowledge.proper_nouns)
    assert not remark_is_personal("09 999 10 12 neemt nooit op", service, knowledge.proper_nouns)
    assert not remark_is_personal("Sociaal Huis Lindegem is verhuisd", service, knowledge.proper_nouns)
    assert remark_is_personal("Koen Peeters, de papa, belde al", service, knowledge.proper_nouns)
    assert remark_is_personal("bel 0470 12 34 56", service, knowledge.proper_nouns)
    assert remark_is_personal("mail jan@gezin.example", service, knowledge.proper_nouns)


@pytest.mark.parametrize("remark, personal", [
    ("Yasmine zegt dat het nummer niet meer werkt", True),
    ("Ayşe vertelde dat ze verhuisd zijn", True),
    ("Het nummer klopt niet, Łukasz belde al twee keer", True),
    ("Mama zegt dat ze er niemand bereikt", False),
    ("De website zegt dat ze op woensdag dicht zijn", False),
    ("Koen zei dat hij met pensioen gaat", False),            # the service's own contact
    ("Telefoon is kapot sinds maandag", False),
    ("Lindegem zegt dat het kantoor verhuisd is", False),      # a place of the knowledge base
])
def test_a_remark_with_a_first_name_that_tells_something_is_personal(bench_kb, remark, personal):
    """"<voornaam> zegt dat ..." names a child or a parent: the remark is refused, never stored (issue 13)."""
    from bot.state import Knowledge

    knowledge = Knowledge.build(bench_kb)
    service = bench_kb.services[SERVICE]          # contact Koen Vandeveldeke
    assert remark_is_personal(remark, service, knowledge.proper_nouns) is personal


async def test_a_question_typed_instead_of_a_remark_stays_a_question_and_is_not_stored(bot, chat, roles):
    """Only a reply to the remark prompt is a remark: a new question is never stored as one."""
    await bind_editor(bot)
    user = chat(SCHOOL)
    await user.send("/postcode 9801")
    await user.tap(f"k:{SERVICE}")
    [reasons] = await user.tap(cd.ReportCard(SERVICE).encode())
    [phone] = [b["callback_data"] for b in reasons.buttons if "Telefoon" in b["text"]]
    [_, ask] = await user.tap(phone)
    [answer] = await user.send("papa krijgt brieven van een deurwaarder")
    assert "Schuldbemiddeling" in answer.text
    [report] = await reports.fetch(bot.state.store.conn)
    assert report.remark is None
    [thanks] = await user.send("Nummer is veranderd", reply_to=ask)
    assert "Bedankt" in thanks.text
    stored = await reports.get(bot.state.store.conn, report.id)
    assert stored is not None and stored.remark == "Nummer is veranderd"


async def _ask_for_remark(user, reason: str = "Telefoon"):
    await user.send("/postcode 9801")
    await user.tap(f"k:{SERVICE}")
    [reasons] = await user.tap(cd.ReportCard(SERVICE).encode())
    [data] = [b["callback_data"] for b in reasons.buttons if reason in b["text"]]
    [prompt, ask] = await user.tap(data)
    return prompt, ask


async def test_no_remark_in_time_sends_the_report_without_one_and_says_so(
        start_bot, chat, standin, roles, monkeypatch):
    monkeypatch.setattr(feedback, "REMARK_WAIT", timedelta(seconds=0.5))
    bot = await start_bot()
    await bind_editor(bot)
    user = chat(SCHOOL)
    since = len(standin.calls)
    await _ask_for_remark(user)
    told = await standin.wait_for("sendMessage", chat_id=SCHOOL, since=since,
                                  predicate=lambda c: c.text == views.sent_without_remark().html)
    notice = await standin.wait_for("sendMessage", chat_id=EDITOR, since=since)
    assert "telefoon" in notice.text and told.params.get("reply_markup") is None
    [report] = await reports.fetch(bot.state.store.conn)
    assert report.remark is None and report.notified_at is not None


async def test_cancelling_withdraws_the_report_so_nobody_is_told(bot, chat, standin, roles):
    await bind_editor(bot)
    user = chat(SCHOOL)
    await user.send("/postcode 9801")
    [reasons] = await user.tap(cd.ReportCard(SERVICE).encode())
    [address] = [b["callback_data"] for b in reasons.buttons if "Adres" in b["text"]]
    await user.tap(address)
    [report] = await reports.fetch(bot.state.store.conn)          # created, waiting for a remark
    [done] = await user.tap(data_of(reasons, "fx:")[0])            # "Annuleren" after all
    assert done.text == views.cancelled().html
    assert await reports.get(bot.state.store.conn, report.id) is None
    # the sweep that sends forgotten reports has nothing left to send
    later = datetime.now(UTC) + timedelta(hours=1)
    assert await jobs.sweep_reports(bot.application.bot, bot.state, later) == 0
    assert not standin.calls_to("sendMessage", chat_id=EDITOR)


async def test_the_remark_step_survives_a_restart(start_bot, chat, standin, roles, db_path):
    first = await start_bot()
    await bind_editor(first)
    user = chat(SCHOOL)
    _prompt, ask = await _ask_for_remark(user)
    await first.stop()
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT name, state FROM conversation").fetchall() == [("remark", '"remark"')]
        [(flow,)] = db.execute("SELECT data FROM flow_data").fetchall()
    assert set(json.loads(flow)["remark"]) == {"report", "prompt", "chat", "until"}   # ids and a time, no text

    second = await start_bot()
    since = len(standin.calls)
    [thanks] = await user.send("Nummer is veranderd", reply_to=ask)
    assert "Bedankt" in thanks.text
    [report] = await reports.fetch(second.state.store.conn)
    assert report.remark == "Nummer is veranderd" and report.notified_at is not None
    await standin.wait_for("sendMessage", chat_id=EDITOR, since=since)


async def test_vergeet_during_a_remark_and_a_beheer_step_leaves_nothing_behind(bot, chat, standin, roles, db_path):
    await bind_editor(bot)
    editor = chat(EDITOR)
    _prompt, ask = await _ask_for_remark(editor)                     # a remark waits ...
    [view] = await editor.tap(cd.BeheerService.of("s", SERVICE).encode())
    [field] = [b["callback_data"] for b in view.buttons if b["text"] == "Samenvatting"]
    await editor.tap(field)                                          # ... and a /beheer value step
    # the reply to the remark prompt is the remark, not the /beheer value
    sent = await editor.send("Het nummer is veranderd", reply_to=ask)
    assert views.report_sent(2).html in [c.text for c in sent]        # the editor and the coordinator
    [report] = await reports.fetch(bot.state.store.conn)
    assert report.remark == "Het nummer is veranderd"
    _prompt, ask = await _ask_for_remark(editor, "Adres")            # a second report waits again
    await editor.tap(field)
    await bot.application.update_persistence()
    with sqlite3.connect(db_path) as db:
        assert {r[0] for r in db.execute("SELECT name FROM conversation WHERE user_id = ?", (EDITOR,))} == {
            "beheer", "remark"}
    await editor.send("/vergeet")
    await bot.application.update_persistence()
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM conversation WHERE user_id = ?", (EDITOR,)).fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM flow_data WHERE user_id = ?", (EDITOR,)).fetchone() == (0,)
    assert not bot.application.user_data.get(EDITOR)
    # text afterwards is neither a remark nor a value: nothing is stored from it
    await editor.send("Dit is een vraag over een gezin", reply_to=ask)
    assert [r.remark for r in await reports.fetch(bot.state.store.conn)] == ["Het nummer is veranderd", None]
    assert await load_revisions(bot.state.store) == []


async def _remark_wait_left_open_over_a_stop(start_bot, chat, standin, monkeypatch):
    """A remark asked for with a one-second wait, then the bot stopped: (the ask, stop index)."""
    monkeypatch.setattr(feedback, "REMARK_WAIT", timedelta(seconds=1))
    first = await start_bot()
    await bind_editor(first)
    _prompt, ask = await _ask_for_remark(chat(SCHOOL))
    await first.stop()
    return ask, len(standin.calls)


async def test_a_remark_wait_restored_after_a_restart_ends_and_the_late_reply_is_not_stored(
        start_bot, chat, standin, roles, monkeypatch):
    ask, _ = await _remark_wait_left_open_over_a_stop(start_bot, chat, standin, monkeypatch)
    second = await start_bot()
    await asyncio.sleep(1.5)
    replies = await chat(SCHOOL).send("Nummer is veranderd", reply_to=ask)
    assert views.sent_without_remark().html in [r.text for r in replies]
    [report] = await reports.fetch(second.state.store.conn)
    assert report.remark is None and report.notified_at is not None


async def test_a_restored_remark_wait_ends_even_if_the_school_never_writes(start_bot, chat, standin, roles,
                                                                           monkeypatch):
    from bot import conversations
    monkeypatch.setattr(conversations, "SWEEP_EVERY", timedelta(seconds=0.5))
    _ask, since = await _remark_wait_left_open_over_a_stop(start_bot, chat, standin, monkeypatch)
    second = await start_bot()
    await standin.wait_for("sendMessage", chat_id=SCHOOL, since=since,
                           predicate=lambda c: c.text == views.sent_without_remark().html, timeout=10)
    await standin.wait_for("sendMessage", chat_id=EDITOR, since=since)
    [report] = await reports.fetch(second.state.store.conn)
    assert report.notified_at is not None


async def test_signalen_and_herlaad_never_answer_in_a_group(bot, chat, standin, roles):
    since = len(standin.calls)
    for command in ("/signalen", "/herlaad"):
        update = standin.inject({"message": {
            "message_id": 1, "date": 0, "chat": {"id": -100900, "type": "group", "title": "Netwerk"},
            "from": standin.user(COORDINATOR), "text": command,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}]}})
        await bot.wait_processed(update["update_id"])
    to_group = standin.calls_to(chat_id=-100900, since=since)
    assert [c.method for c in to_group] == ["sendMessage", "sendMessage"]     # no chart (sendPhoto)
    assert {c.text for c in to_group} == {PRIVATE_ONLY.html}


async def test_report_spam_is_limited_per_chat_and_bundled_per_service(bot, chat, standin, roles):
    await bind_editor(bot)
    stranger = chat(SCHOOL + 11)
    since = len(standin.calls)
    answers = []
    for _ in range(feedback.REPORTS_PER_HOUR + 3):
        [prompt, *_rest] = await stranger.tap(cd.ReportReason("x", SERVICE).encode())
        answers.append(prompt.text)
        if prompt.text != views.too_many_reports().html:
            await stranger.tap(data_of(prompt, "fn:")[0])
    assert answers.count(views.too_many_reports().html) == 3         # the 6th, 7th and 8th are refused
    assert len(await reports.fetch(bot.state.store.conn)) == feedback.REPORTS_PER_HOUR
    notices = [c for c in standin.calls_to("sendMessage", chat_id=EDITOR, since=since) if "Melding #" in c.text]
    assert len(notices) == 1                                          # one notice; the rest in the overview
    # another school's report on the same service the same day joins the first notice too
    [prompt, *_rest] = await chat(SCHOOL + 12).tap(cd.ReportReason("t", SERVICE).encode())
    [thanks] = await chat(SCHOOL + 12).tap(data_of(prompt, "fn:")[0])
    assert thanks.text == views.report_sent(0).html
    assert len([c for c in standin.calls_to("sendMessage", chat_id=EDITOR, since=since) if "Melding #" in c.text]) == 1


async def test_report_buttons_only_work_in_the_chat_that_made_the_report(bot, chat, standin, roles):
    """Issue 14: "Versturen zonder opmerking" (fn:) and "Annuleren" of a report are bound to the
    chat that made it; another chat's press, an unsigned old button or a walked id does nothing."""
    await bind_editor(bot)
    school, stranger = chat(SCHOOL), chat(SCHOOL + 20)
    await stranger.send("/postcode 9801")
    prompt, _ask = await _ask_for_remark(school)
    [send_without] = data_of(prompt, "fn:")
    [cancel] = data_of(prompt, "fx:")
    [report] = await reports.fetch(bot.state.store.conn)
    assert cd.decode(send_without) == cd.SendReport(report.id, feedback.report_tag(bot.state, SCHOOL, report.id))
    since = len(standin.calls)
    forged = [send_without, cancel, f"fn:{report.id}", f"fx:{report.id}",
              *(f"fn:{report.id}.{t}" for t in ("0", "00000000ff", "a" * 10)),
              *(f"fn:{n}.{feedback.report_tag(bot.state, SCHOOL + 20, n)}" for n in (report.id + 1, report.id - 1))]
    for data in forged:
        [reply] = await stranger.tap(data)
        assert reply.text == render.expired().html, data
    assert not standin.calls_to("sendMessage", chat_id=EDITOR, since=since)
    still = await reports.get(bot.state.store.conn, report.id)
    assert still is not None and still.notified_at is None          # not sent early, not withdrawn
    # the school's own old-style button (no tag) is refused too; the report itself waits on
    [old] = await school.tap(f"fn:{report.id}")
    assert old.text == render.expired().html
    # the school's own button sends it, once
    [thanks] = await school.tap(send_without)
    assert "Bedankt" in thanks.text
    assert await standin.wait_for("sendMessage", chat_id=EDITOR, since=since)
    [again] = await school.tap(send_without)
    assert again.text == views.already_sent().html


async def test_a_reports_own_cancel_withdraws_that_report_only(bot, chat, standin, roles):
    await bind_editor(bot)
    school = chat(SCHOOL)
    first, _ask = await _ask_for_remark(school, "Telefoon")
    [first_cancel] = data_of(first, "fx:")
    [first_send] = data_of(first, "fn:")
    await school.tap(first_send)                                      # the first one went
    second, _ask = await _ask_for_remark(school, "Adres")
    [second_report] = [r for r in await reports.fetch(bot.state.store.conn) if r.reason == "adres"]
    # the first report's cancel cannot withdraw the second one waiting for its remark
    [late] = await school.tap(first_cancel)
    assert late.text == views.already_sent().html
    assert await reports.get(bot.state.store.conn, second_report.id) is not None
    [done] = await school.tap(data_of(second, "fx:")[0])
    assert done.text == views.cancelled().html
    assert await reports.get(bot.state.store.conn, second_report.id) is None
