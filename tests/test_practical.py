"""Hours, cost, what to bring and access as data: the free text coordinators write, the blocks, check."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kennisbank import practical
from kennisbank.fields import FieldError
from kennisbank.practical import parse_cost, parse_hours
from test_loader import check, line_of, region, service, write


def rows(text: str) -> list[str]:
    """The schedule read from text, one short line per opening, plus its flags and what stayed prose."""
    schedule, unread = parse_hours(text)
    out = []
    for o in schedule.openings:
        span = "-".join(t.strftime("%H:%M") if t else "…" for t in (o.opens, o.closes)) \
            if (o.opens or o.closes) else ""
        words = [practical.days_text(o.days), o.part or "", span, o.kind or "",
                 f"/{o.interval}w" if o.interval != 1 else ""]
        out.append(" ".join(w for w in words if w))
    for flag in ("by_appointment", "always"):
        if getattr(schedule, flag):
            out.append(flag)
    if schedule.season:
        out.append(schedule.season)
    if unread:
        out.append(f"note: {schedule.note}")
    return out


# Thirty ways Flemish services write their hours, as found on websites, folders and region files.
FORMS = [
    ("ma-vr 9u-12u", ["ma-vr 09:00-12:00"]),
    ("wo 13u-16u", ["wo 13:00-16:00"]),
    ("elke woensdag 13u30-16u", ["wo 13:30-16:00"]),
    ("op afspraak", ["by_appointment"]),
    ("ma, di en do 9-12u", ["ma, di en do 09:00-12:00"]),
    ("dag en nacht", ["always"]),
    ("24/7", ["always"]),
    ("24 op 24, 7 op 7", ["always"]),
    ("ma-vr 9u-12u, wo 13u-16u", ["ma-vr 09:00-12:00", "wo 13:00-16:00"]),
    ("Ma\u2013Vr: 9.00\u201312.00 uur", ["ma-vr 09:00-12:00"]),     # en dashes, as word processors write
    ("maandag tot vrijdag van 9 tot 17 uur", ["ma-vr 09:00-17:00"]),
    ("ma t/m vr 8u30-12u en 13u-16u30", ["ma-vr 08:30-12:00", "ma-vr 13:00-16:30"]),
    ("di 9u-12u en do 14u-17u", ["di 09:00-12:00", "do 14:00-17:00"]),
    ("ma-vr 09:00-12:00", ["ma-vr 09:00-12:00"]),
    ("enkel op afspraak", ["by_appointment"]),
    ("weekdagen 9u-17u", ["ma-vr 09:00-17:00"]),
    ("elke werkdag 9u-19u; chat ook op zaterdag 10u-14u", ["ma-vr 09:00-19:00", "za 10:00-14:00 chat"]),
    ("ma-vr 8u30-12u vrije inloop; di en do namiddag op afspraak",
     ["ma-vr 08:30-12:00 vrije-inloop", "di en do namiddag op-afspraak"]),
    ("di en do 9u-12u, of op afspraak", ["di en do 09:00-12:00", "by_appointment"]),
    ("ma-vr 9u-12u vrije inloop, wo ook 13u-16u; telefonisch ma-vr 9u-17u",
     ["ma-vr 09:00-12:00 vrije-inloop", "wo 13:00-16:00", "ma-vr 09:00-17:00 telefonisch"]),
    ("schooldagen 7u-8u30 en 15u30-18u30, woensdag vanaf 12u",
     ["ma-vr 07:00-08:30", "ma-vr 15:30-18:30", "wo 12:00-…", "schooljaar"]),
    ("ma en do 16u-17u30 tijdens het schooljaar", ["ma en do 16:00-17:30", "schooljaar"]),
    ("op afspraak ma-vr", ["ma-vr op-afspraak"]),
    ("woensdagnamiddag 13u30 tot 16u30", ["wo namiddag 13:30-16:30"]),
    ("elke dinsdagnamiddag", ["di namiddag"]),
    ("om de twee weken op donderdag 14u-16u", ["do 14:00-16:00 /2w"]),
    ("wo 13u-18u, vr en za 9u-13u", ["wo 13:00-18:00", "vr en za 09:00-13:00"]),
    ("elke dag 17u-9u", ["ma-zo 17:00-09:00"]),
    ("ma-vr 8u30-16u30; tijdens de zomer gesloten van 15 juli tot 15 augustus",
     ["ma-vr 08:30-16:30", "note: tijdens de zomer gesloten van 15 juli tot 15 augustus"]),
    ("opvoedingswinkel wo 13u-17u", ["note: opvoedingswinkel wo 13u-17u"]),
]


def test_thirty_forms_are_counted():
    assert len(FORMS) == 30


@pytest.mark.parametrize("text, expected", FORMS)
def test_free_text_hours_are_read_as_schedule_data(text, expected):
    assert rows(text) == expected


def test_what_is_not_understood_is_kept_as_the_note_never_dropped():
    schedule, unread = parse_hours("ma-za 9u-15u; douche en wasmachine tot 14u")
    assert unread and schedule.note == "douche en wasmachine tot 14u"
    assert practical.dutch_hours(schedule) == "ma-za 9u-15u; douche en wasmachine tot 14u"  # as written


@pytest.mark.parametrize("text, kind, amount, per, note", [
    ("gratis", "gratis", None, None, None),
    ("Gratis; printen 0,10 euro per blad", "gratis", None, None, "printen 0,10 euro per blad"),
    ("bijdrage volgens inkomen", "naar-inkomen", None, None, None),
    ("prijs naar inkomen, nooit een reden om geen hulp te krijgen", "naar-inkomen", None, None,
     "nooit een reden om geen hulp te krijgen"),
    ("5 euro per dag", "vast-bedrag", Decimal("5"), "dag", None),
    ("1,20 euro per half uur; 50% korting met sociaal tarief", "vast-bedrag", Decimal("1.20"), "half-uur",
     "50% korting met sociaal tarief"),
    ("lage prijzen", "lage-prijs", None, None, None),
    ("lage prijzen; 20% korting met de kortingskaart", "lage-prijs", None, None, "20% korting met de kortingskaart"),
])
def test_free_text_cost_is_read_as_a_kind(text, kind, amount, per, note):
    cost = parse_cost(text)
    assert (cost.kind, cost.amount, cost.per, cost.note) == (kind, amount, per, note)


def test_bring_items_are_found_under_other_names():
    assert practical.bring_key("Loonfiches") == "loonbrieven"
    assert practical.bring_key("verblijfskaart") == "verblijfsdocument"
    assert practical.bring_key("identiteitskaart") == "identiteitskaart"
    assert practical.bring_key("een tekening van je kind") is None


@pytest.mark.parametrize("value, expected", [("9u", "09:00"), ("13u30", "13:30"), ("09:30", "09:30"),
                                             ("9.30", "09:30"), ("24u", "23:59")])
def test_clock_values(value, expected):
    assert practical.clock(value).strftime("%H:%M") == expected


@pytest.mark.parametrize("value", [540, "25u", "halfnegen", True])
def test_clock_refuses_what_is_no_time(value):
    with pytest.raises(FieldError):
        practical.clock(value)


# ── the blocks in a region file, and what check says about them ──────────────────────────────

BLOCKS = """\
    hours:
      open:
        - {days: ma-vr, opens: "9u", closes: "12u", kind: vrije-inloop}
        - {days: [di, do], part: namiddag, kind: op-afspraak}
        - {days: do, opens: "14:00", closes: "16:00", every: 2}
      by_appointment: true
      closed:
        - {from: "07-15", to: "08-15"}
      note: ook op school
    cost: {kind: vast-bedrag, amount: 1.20, per: half-uur, note: korting met sociaal tarief}
    bring: [identiteitskaart, een foto]
    access: [vrije-inloop, eerst-bellen]
    how: Een school mag samen met de ouder bellen.
    i18n:
      fr: {summary: "Premier accueil.", hours_note: "aussi à l'école", cost_note: "réduction", bring_note: "une photo"}
"""


def test_blocks_are_read_into_the_model(tmp_path: Path):
    write(tmp_path, "beekland.yaml", region() + service(**{"    url:": BLOCKS + "    url:"}))
    kb, errors, _warnings = check(tmp_path)
    assert errors == [] and kb is not None
    s = kb.services["onthaal"]
    assert s.schedule is not None and s.price is not None
    assert [(o.days, o.kind, o.part, o.interval) for o in s.schedule.openings] == [
        ((0, 1, 2, 3, 4), "vrije-inloop", None, 1), ((1, 3), "op-afspraak", "namiddag", 1), ((3,), None, None, 2)]
    assert s.schedule.closed == (practical.ClosedPeriod((7, 15), (8, 15)),)
    assert s.schedule.by_appointment and s.schedule.note == "ook op school"
    assert (s.price.kind, s.price.amount, s.price.per) == ("vast-bedrag", Decimal("1.20"), "half-uur")
    assert s.access == ("vrije-inloop", "eerst-bellen")
    assert s.hours and s.hours.startswith("ma-vr 9u-12u vrije inloop")   # the Dutch text the staff screens show
    assert s.cost == "1,20 euro per half uur; korting met sociaal tarief"
    assert s.i18n["fr"]["bring_note"] == "une photo"


@pytest.mark.parametrize("block, field, message", [
    ("    hours: {open: [{days: mo-fr, opens: \"9u\"}]}\n", "hours.open.days", "zijn geen dagen"),
    ("    hours: {open: [{days: ma, opens: 9:00}]}\n", "hours.open.opens", "als getal gelezen"),
    ("    hours: {open: [{days: ma, kind: binnenlopen}]}\n", "hours.open.kind", "onbekende soort"),
    ("    hours: {closed: [{from: \"13-01\", to: \"08-15\"}]}\n", "hours.closed.from", "geen datum"),
    ("    hours: {opne: []}\n", "hours.opne", "bedoel je 'open'"),
    ("    cost: {kind: goedkoop}\n", "cost.kind", "verwacht kind"),
    ("    cost: {kind: vast-bedrag, amount: veel}\n", "cost.amount", "geen bedrag"),
    ("    access: [vrij-binnen]\n", "access", "onbekende toegang"),
])
def test_block_mistakes_name_file_line_and_field(tmp_path: Path, block, field, message):
    text = region() + service(**{"    url:": block + "    url:"})
    write(tmp_path, "beekland.yaml", text)
    _kb, errors, _warnings = check(tmp_path)
    assert [(e.field, e.service) for e in errors] == [(field, "onthaal")], errors
    assert message in errors[0].message
    assert errors[0].file.endswith("beekland.yaml") and errors[0].line is not None
    assert errors[0].line >= line_of(text, block.split(":")[0].strip())


def _warnings_with(tmp_path: Path, line: str) -> tuple[str, list]:
    """The region text with `line` added to its service, and the warnings check gives (no errors)."""
    text = region() + service(**{"    url:": line + "\n    url:"})
    write(tmp_path, "beekland.yaml", text)
    kb, errors, warnings = check(tmp_path)
    assert errors == [] and kb is not None
    return text, warnings


def test_check_warns_where_free_text_hours_stay_prose(tmp_path: Path):
    text, warnings = _warnings_with(tmp_path, "    hours: ma-vr 9u-12u; zitdag in het gemeentehuis")
    assert [(w.field, w.line) for w in warnings] == [("hours", line_of(text, "hours:"))]
    assert "zitdag in het gemeentehuis" in warnings[0].message
    assert "in het Nederlands" in warnings[0].message


def test_free_text_hours_that_read_completely_give_no_warning(tmp_path: Path):
    write(tmp_path, "beekland.yaml", region() + service(**{"    url:": "    hours: ma, di en do 9-12u\n    url:"}))
    _kb, errors, warnings = check(tmp_path)
    assert errors == [] and warnings == []


def test_example_regions_hours_are_all_data():
    """The shipped examples show the structured forms: every hours text is read completely."""
    from kennisbank.loader import load_knowledge_base
    from paths import ROOT

    kb = load_knowledge_base(ROOT / "regions")
    assert not [w for w in kb.warnings if w.field == "hours"]
    with_hours = [s for s in kb.services.values() if s.hours]
    assert with_hours and all(s.schedule is not None and s.schedule.text is None for s in with_hours)
    assert all(s.price is not None and s.price.kind for s in kb.services.values() if s.cost)
    assert all(practical.bring_key(item) for s in kb.services.values() for item in s.bring)


def test_check_warns_when_walk_in_and_appointment_contradict(tmp_path: Path):
    """A parent read "Kom gewoon langs, zonder afspraak. Maak eerst een afspraak." (native review)."""
    text, warnings = _warnings_with(tmp_path, "    access: [vrije-inloop, op-afspraak]")
    assert [(w.field, w.line) for w in warnings] == [("access", line_of(text, "access:"))]


def test_example_cards_never_say_free_next_to_a_price():
    """"Gratis; je betaalt lage prijzen" on a second-hand shop: a price note goes without kind gratis."""
    from kennisbank.loader import DEFAULT_KB, load_knowledge_base

    kb = load_knowledge_base(DEFAULT_KB)
    for s in kb.services.values():
        if s.price is not None and s.price.kind == "gratis" and s.price.note:
            assert not any(w in s.price.note for w in ("prijzen", "goedkoop", "goedkoper", "kosten tot")), s.id
        assert not {"vrije-inloop", "op-afspraak"} <= set(s.access), s.id
