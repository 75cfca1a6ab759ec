"""Rendering: hostile entries are escaped, messages fit Telegram, buttons fit 64 bytes, marks show."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from bot import callback_data as cd
from bot import render
from bot.state import Knowledge
from kennisbank.schema import Contact, KnowledgeBase, Location, Municipality, Region, Service
from kennisbank.search import Answer, Match
from kennisbank.themes import load_themes

TODAY = date(2026, 11, 29)
ALLOWED_TAGS = {"b", "i", "a", "code"}


def make_service(**changes) -> Service:
    base = Service(
        id="caw-test-onthaal", organisation="CAW Testland", name="Onthaal", summary="Voor elke vraag.",
        themes=("huisvesting",), region_id="testland", postcodes=None,
        contact=Contact(name="Sara Voorbeeld", role="onthaal", phone="+3299991010",
                        email="sara@caw.example"),
        phone="+3299991000", url="https://caw.example",
        location=Location("Stationsstraat 12, 9801 Lindegem", 51.04, 3.71),
        last_verified=TODAY - timedelta(days=30),
    )
    return replace(base, **changes)


HOSTILE = "<script>alert('x')</script> & \"quotes\" 'single' </b><a href=\"javascript:x\">"


def hostile_service(length: int = 1) -> Service:
    text = HOSTILE * length
    return make_service(
        id="x" * 200, organisation=text, name=text, summary=text, description=text * 20,
        contact=Contact(name=text, role=text, phone="+3299991010", email=text),
        email=text, url="https://caw.example/?a=1&b=\"2\"<x>", hours=text, cost=text, how=text,
        bring=tuple([text] * 50), languages=("nl", "fr", "ar"),
        location=Location(text, 51.0, 3.7),
    )


class TagChecker(HTMLParser):
    """Telegram's HTML: only known tags, properly nested, hrefs only http(s)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED_TAGS, f"unexpected tag <{tag}>"
        if tag == "a":
            href = dict(attrs)["href"]
            assert href.startswith(("https://", "http://")), href
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data):
        self.text += data


def check_html(text: str) -> str:
    checker = TagChecker()
    checker.feed(text)
    checker.close()
    assert not checker.stack, f"unclosed tags {checker.stack}"
    assert render.tg_len(text) <= render.MESSAGE_LIMIT
    return checker.text


def check_buttons(reply: render.Reply) -> None:
    for row in reply.buttons:
        for button in row:
            assert button.data is None or len(button.data.encode("utf-8")) <= cd.MAX_BYTES
            assert len(button.label) <= render.BUTTON_LABEL_MAX


def answer_of(*services: Service, themes=("schulden",)) -> Answer:
    return Answer(tuple(Match(s, 0.9, themes, ()) for s in services), themes)


@pytest.mark.parametrize("length", [1, 5, 200])
def test_hostile_entries_are_escaped_and_fit(length):
    service = hostile_service(length)
    replies = [
        render.card(service, TODAY),
        render.answer(answer_of(service, service, service), more_data=cd.MorePage("a", 1).encode(), today=TODAY),
        render.not_found([service, service, service], "<Lindegem>", example=True, today=TODAY),
    ]
    for reply in replies:
        visible = check_html(reply.html)
        assert "<script>" not in reply.html
        check_buttons(reply)
        # what the user reads still says the hostile text literally (escaped, not interpreted)
        assert "<script>" in visible or "…" in visible


def test_short_hostile_text_survives_escaping_intact():
    card = render.card(hostile_service(1), TODAY)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;" in card.html
    assert 'href="https://caw.example/?a=1&amp;b=&quot;2&quot;&lt;x&gt;"' in card.html
    assert HOSTILE in card.plain()


def test_every_theme_button_and_card_id_fits_callback_data():
    for theme in load_themes():
        assert len(cd.ThemePage(theme, 99).encode().encode()) <= 64
    long_id = "een-heel-lange-dienst-id-" * 10
    data = cd.ShowCard(long_id).encode()
    assert len(data.encode()) <= 64
    kb = KnowledgeBase({"testland": Region("testland", "Testland", True, (Municipality("Lindegem", (9801,)),))},
                       {long_id: make_service(id=long_id)})
    action = cd.decode(data)
    assert isinstance(action, cd.ShowCard)
    found = Knowledge.build(kb).resolve(action.service)
    assert found is not None and found.id == long_id


def test_stale_mark_only_after_a_year():
    old = make_service(last_verified=TODAY - timedelta(days=400))
    fresh = make_service(last_verified=TODAY - timedelta(days=100))
    assert "Niet meer bevestigd" in render.answer(answer_of(old), today=TODAY).html
    assert "Niet meer bevestigd" in render.card(old, TODAY).html
    assert "Niet meer bevestigd" not in render.answer(answer_of(fresh), today=TODAY).html
    assert "Niet meer bevestigd" not in render.card(fresh, TODAY).html


def test_closed_service_carries_a_warning():
    closed = make_service(status="temporarily-closed")
    assert "Tijdelijk gesloten" in render.answer(answer_of(closed), today=TODAY).html
    assert "Tijdelijk gesloten" in render.card(closed, TODAY).html
    assert "Tijdelijk gesloten" not in render.card(make_service(), TODAY).html


def test_a_service_the_question_rules_out_says_why_it_may_not_fit():
    fits, other_age = make_service(), make_service(id="speelplein", name="Speelplein (3-12 jaar)")
    avoided = make_service(id="ocmw", organisation="OCMW Testdorp")
    result = Answer((Match(fits, 0.9, ("kinderopvang",), ()), Match(other_age, 0.8, (), (), ruled_out="age"),
                     Match(avoided, 0.7, (), (), ruled_out="organisation")), ("kinderopvang",))
    html = render.answer(result, today=TODAY).html
    check_html(html)
    blocks = html.split("\n\n")
    assert "andere leeftijd" in next(b for b in blocks if "Speelplein" in b)
    assert "niet naartoe wil" in next(b for b in blocks if "OCMW Testdorp" in b)
    assert "andere leeftijd" not in next(b for b in blocks if "1. " in b) and html.count("⚠️") == 2


def test_example_data_is_said():
    example = make_service(example=True)
    assert "voorbeeldgegevens" in render.answer(answer_of(example), today=TODAY).html
    assert "voorbeeldgegevens" in render.card(example, TODAY).html
    assert "voorbeeldgegevens" not in render.answer(answer_of(make_service()), today=TODAY).html


def test_answer_shows_contact_person_with_national_phone():
    html = render.answer(answer_of(make_service()), today=TODAY).html
    assert "Sara Voorbeeld, onthaal" in html and "09 999 10 10" in html
    assert "Herkend" in html and "Schulden" in html


def test_secret_address_never_shown_or_shared():
    shelter = make_service(location=None)
    card = render.card(shelter, TODAY)
    assert "Adres" not in card.html and "openstreetmap" not in card.html
    assert render.venue_fields(shelter) is None
    no_coordinates = make_service(location=Location("Kerkstraat 1, 9801 Lindegem"))
    assert render.venue_fields(no_coordinates) is None
    assert "Kerkstraat 1" in render.card(no_coordinates, TODAY).html


def test_contact_fields_prefer_the_named_person():
    fields = render.contact_fields(make_service())
    assert fields == {"phone_number": "+3299991010", "first_name": "Sara", "last_name": "Voorbeeld"}
    anonymous = make_service(contact=Contact())
    assert (render.contact_fields(anonymous) or {}).get("phone_number") == "+3299991000"
    assert render.contact_fields(make_service(contact=Contact(), phone=None)) is None


def test_plain_text_for_the_terminal():
    reply = render.card(make_service(), TODAY)
    plain = reply.plain()
    assert "<" not in plain and "&amp;" not in plain
    assert "Stationsstraat 12, 9801 Lindegem (https://www.openstreetmap.org/" in plain


def test_an_entry_without_a_named_person_says_so():
    """Imported entries (De Sociale Kaart) have no face yet: the answer says so instead of hiding it."""
    service = make_service(contact=Contact(phone="+3299991011"))
    text = render.answer(answer_of(service)).html
    assert "nog geen vaste contactpersoon" in text and "09 999 10 11" in text


# ── long lists over several messages (render.split_html, issue 13) ───────────────────────────

class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag


def _balanced(text: str) -> bool:
    parser = _Balance()
    parser.feed(text)
    return parser.ok and not parser.stack


def test_short_html_is_one_message_unchanged():
    assert render.split_html("<b>a</b>\nb") == ["<b>a</b>\nb"]


@pytest.mark.parametrize("item", ["• 😀 <i>dienst {n}</i> &amp; co", "• 👨‍👩‍👧 <b>Gezin {n}</b> ✨✨✨",
                                  "• <a href=\"https://x.example/{n}\">link {n}</a> éé", "• ascii {n}"])
def test_a_long_list_splits_between_lines_each_part_valid_and_under_the_limit(item):
    lines = [item.format(n=n) for n in range(700)]
    text = "<b>Lijst</b>\n" + "\n".join(lines)
    parts = render.split_html(text)
    assert len(parts) >= 2
    assert all(render.visible_len(p) <= render.MESSAGE_LIMIT for p in parts)
    assert all(_balanced(p) for p in parts)
    assert "\n".join(parts).split("\n") == text.split("\n")      # no line cut, lost or changed


def test_a_tag_open_over_the_split_is_closed_and_reopened():
    rows = [f"rij {n:03d}  Lindegem  huisvesting  12" for n in range(400)]
    text = "<b>Signalen</b>\n<pre>" + "\n".join(rows) + "</pre>\nEinde"
    parts = render.split_html(text)
    assert len(parts) >= 2
    assert all(_balanced(p) for p in parts)
    assert parts[0].endswith("</pre>") and parts[1].startswith("<pre>")
    assert all(render.visible_len(p) <= render.MESSAGE_LIMIT for p in parts)
    assert parts[-1].endswith("</pre>\nEinde")
    # each later part opens with the table's first line as its header, and every row comes once
    plain = [render.html_to_plain(p).splitlines() for p in parts]
    assert [lines[0] for lines in plain[1:]] == [rows[0]] * (len(parts) - 1)
    body = plain[0] + [line for lines in plain[1:] for line in lines[1:]]
    assert [line for line in body if line.startswith("rij ")] == rows


def test_the_limit_is_in_utf16_units_after_entity_parsing():
    emoji = "😀" * 100                         # 200 UTF-16 units, 100 code points
    text = "\n".join(f"<b>{emoji}</b>" for _ in range(41))   # 41 times 200, plus 40 newlines, > 4,096 units
    parts = render.split_html(text)
    assert len(parts) == 3 and all(render.visible_len(p) <= 4096 for p in parts)
    assert render.visible_len("<b>&amp;</b>") == 1


def test_a_single_line_longer_than_a_message_is_cut_as_text_at_spaces():
    line = " ".join(["woord"] * 1500)          # ~9,000 characters on one line
    parts = render.split_html(f"<pre>kop\n{line}\nvoet</pre>")
    # the table's first line ("kop") heads every later part that is not a piece of the long line
    assert len(parts) == 5 and parts[0] == "<pre>kop</pre>" and parts[-1] == "<pre>kop\nvoet</pre>"
    assert all(p.startswith("<pre>") and p.endswith("</pre>") and _balanced(p) for p in parts)
    assert all(render.visible_len(p) <= render.MESSAGE_LIMIT for p in parts)
    assert " ".join(render.html_to_plain(p) for p in parts[1:-1]).split() == line.split()


def test_split_reply_keeps_the_buttons_under_the_last_part():
    button = render.Button("Terug", "m")
    reply = render.Reply("\n".join(f"• regel {n} " + "x" * 80 for n in range(200)), ((button,),))
    parts = render.split_reply(reply)
    assert len(parts) >= 2
    assert [p.buttons for p in parts] == [()] * (len(parts) - 1) + [((button,),)]


@pytest.mark.parametrize(("kind", "value"), [
    ("contact_name", "Ş" * 100), ("venue_title", "🏠" * 100), ("inline_title", "x" * 300),
    ("vcard", "é" * 2000), ("button", "👪" * 30),
])
def test_tg_field_cuts_in_the_fields_own_unit(kind, value):
    cut = render.tg_field(kind, value)
    assert render.fits(kind, cut) and cut.endswith("…")
    assert render.tg_field(kind, "kort") == "kort"


def test_a_kept_answer_repeats_its_question_escaped_clipped_and_on_one_line():
    answer = render.Reply("<b>CAW</b>", ((render.Button("Kaart", "c:1"),),))
    typed = "mama <3 zegt\n\nda papa " + "heel " * 40 + "boos is"
    kept = render.kept_answer(typed, answer)
    first, rest = kept.html.split("\n", 1)
    assert rest == answer.html and kept.buttons == answer.buttons
    assert first.startswith("❓ <i>mama &lt;3 zegt da papa heel") and first.endswith("</i>")
    assert render.tg_len(render.html_to_plain(first)) <= render.KEPT_QUOTE + 2   # "❓ " + the clipped question
