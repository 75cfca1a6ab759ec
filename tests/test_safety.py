"""Life safety first: a question that may concern a life or a child's safety is never met with "nothing fits".

The sentences here are written for these tests (not taken from the training corpus in
kennisbank/needs/safety/): each kind in Flemish Dutch, phone typing, French and English, a long
story with one alarming line, and harmless sentences that use the same words.
"""
from __future__ import annotations

import copy
import html
import json
import subprocess
import sys

import numpy as np
import pytest

from kennisbank.safety import ACUTE_LINE, PROFILES
from kennisbank.search import SearchEngine
from kennisbank.search.corpus import SAFETY_KINDS
from kennisbank.search.safety import split_sentences
from paths import ROOT

CASES = {
    "suicide": [
        "de mama zei vanmorgen aan de poort dat ze er niet meer wil zijn",
        "papa is suicidaal volgens de oudste",
        "leerling zegt da hij dood wil, wa moet ik doen",
        "la maman dit qu'elle veut en finir avec la vie",
        "a father told me he is thinking of killing himself",
    ],
    "self-harm": [
        "ik zag sneetjes op de armen van een meisje uit het vijfde, ze draagt altijd lange mouwen",
        "kind krast zichzelf mt een passer tot het bloedt",
        "elle se scarifie les bras depuis quelques semaines",
        "a pupil has been cutting herself in the toilets",
    ],
    "abuse": [
        "hij heeft striemen op zijn rug en zegt dat papa hem met de riem slaat",
        "blauwe plekken op de armen vn da manneke en hy wil nie naar huis",
        "l'enfant a des brûlures de cigarette sur les mains",
        "the boy has bruises on his neck and says his stepfather grabbed him",
    ],
    "sexual-abuse": [
        "een kleuter vertelt dat de nonkel spelletjes met haar doet die geheim moeten blijven "
        "en ze heeft pijn bij het plassen",
        "meisje maakt seksuele tekeningen en zegt dat een buurman haar aanraakt",
        "une élève raconte qu'un adulte la touche quand elle est seule avec lui",
        "a girl says an adult online asked her for naked pictures and wants to meet her",
    ],
    "domestic-violence": [
        "de mama had een blauw oog en de kinderen vertellen dat papa haar slaat",
        "politie was vannacht bij hen thuis omdat papa mama bedreigde met een mes",
        "le père frappe la mère devant les enfants",
        "the children say their dad beats their mum every weekend",
    ],
    "alone": [
        "de kinderen zijn al drie dagen alleen thuis, mama is weg en niemand weet waar",
        "broer van 8 zorgt s nachts alleen voor zijn zusjes, ouders zyn er nie",
        "les enfants restent seuls à la maison depuis le week-end",
        "two young kids have been home alone since friday with no adult",
    ],
    "parent-unable": [
        "de papa staat dronken aan de schoolpoort en wil zijn dochter meenemen met de auto",
        "mama is helemaal in de war aan de poort, ze praat tegen stemmen en wil haar zoontje ophalen",
        "le père est complètement ivre et veut reprendre son fils",
        "the mother is high at the gate and insists on taking her baby home",
    ],
    "no-roof-tonight": [
        "het gezin is vandaag uit hun huis gezet en heeft geen slaapplaats voor vannacht",
        "mama en de 3 kids slapen vannacht op straat",
        "la famille n'a nulle part où dormir ce soir",
        "the family has nowhere to sleep tonight after the fire",
    ],
    "honour": [
        "een meisje van 11 is bang dat ze deze zomer in het land van haar ouders wordt uitgehuwelijkt",
        "de broers dreigen haar iets aan te doen omdat ze een vriendje heeft, ze spreken over de eer van de familie",
        "elle a peur d'être mariée de force pendant les vacances",
        "a girl fears she will be cut during the family trip this summer",
    ],
}

STORY = ("Goeiemiddag, ik ben de zorgcoördinator. Het gezin van onze leerling uit het derde heeft nog een "
         "openstaande schoolrekening van 240 euro voor de zeeklassen, en de mama spreekt weinig Nederlands, dus "
         "we zoeken ook een tolk voor het oudercontact. Vanmorgen vertelde ze terloops dat ze het allemaal niet "
         "meer ziet zitten en dat de kinderen beter af zouden zijn zonder haar. Ze vroeg ook of we het formulier "
         "voor de schooltoeslag kunnen nakijken.")

HARMLESS = [
    "ik ga dood van de werkdruk deze week",
    "die rekentoets was echt een moordpartij",
    "de hamster van de klas is dood, hoe vertellen we het aan de kleuters",
    "morgen is er een brandoefening, moeten we de kinderen verwittigen",
    "in de les geschiedenis werken we rond de Eerste Wereldoorlog",
    "bij trefbal schieten ze elkaar allemaal af",
    "we hebben een luizenplaag in het derde leerjaar",
    "de oma van een leerling is rustig ingeslapen in het rusthuis",
    "hij viel op de speelplaats en heeft een blauwe plek op zijn knie",
    "mama is naar het ziekenhuis om te bevallen, papa haalt de kinderen op",
]


@pytest.fixture(scope="module")
def engine(bench_kb) -> SearchEngine:
    return SearchEngine(bench_kb)


@pytest.mark.parametrize("kind, question", [(k, q) for k, qs in CASES.items() for q in qs])
def test_each_kind_in_dutch_phone_french_and_english_is_detected(engine, kind, question):
    answer = engine.search(question, 9801)
    assert answer.safety is not None, (kind, question)
    assert answer.acute_line == ACUTE_LINE
    assert answer.found, "a life-safety question always gets an answer"
    assert any(m.urgent for m in answer.matches[:3]), [m.id for m in answer.matches]
    if answer.safety.leads:
        assert answer.matches[0].urgent


def test_most_dangers_lead_and_the_kind_is_named_right(engine):
    answers = [(kind, engine.search(q, 9801)) for kind, qs in CASES.items() for q in qs]
    assert sum(a.safety.leads for _, a in answers) / len(answers) >= 0.8
    assert sum(a.safety.kind == kind for kind, a in answers) / len(answers) >= 0.75


@pytest.mark.parametrize("question", CASES["parent-unable"][:2])
def test_a_parent_unable_to_care_at_the_gate_gets_the_police_youth_unit(engine, question):
    """Round 23: a drunk or psychotic parent at the gate needs someone who can come now (the police
    youth and family unit), not a shelter for violence; its crisis services are the kind's doors.
    (Dutch only: asked in English the second door is still the shelter, docs/search.md round 23.)"""
    answer = engine.search(question, 9801)
    assert answer.safety is not None and answer.safety.kind == "parent-unable"
    doors = [m.id for m in answer.matches if m.urgent]
    assert "politie-lindegem-jeugd-en-gezin" in doors, doors
    assert "caw-lindeland-vluchthuis" not in doors


def test_every_kind_has_a_profile_and_a_corpus():
    from kennisbank.search.corpus import safety_corpus

    corpus = safety_corpus()
    for kind in SAFETY_KINDS:
        assert kind in PROFILES
        assert sum(1 for lab in corpus.labels if lab == kind) >= 50, kind


def test_the_detector_learns_from_questions_written_by_others():
    # Round 22: the training regions' labelled questions are safety situations too, with their
    # writer's label: a danger kind, a look-alike (`safety: harmless`) or an ordinary need.
    import yaml

    from kennisbank.search.corpus import HARMLESS, TRAINING_REGIONS, is_look_alike, safety_corpus

    corpus = safety_corpus()
    by_text = {}
    for text, label, source in zip(corpus.texts, corpus.labels, corpus.sources, strict=True):
        if "/questions.yaml:" in source:
            by_text[text] = (label, is_look_alike(source))
    files = sorted(TRAINING_REGIONS.glob("*/questions.yaml"))
    assert len(files) >= 6
    questions = [q for f in files for q in yaml.safe_load(f.read_text(encoding="utf-8"))]
    assert len(by_text) == len({q["q"].strip() for q in questions})
    for q in questions:
        label = q.get("safety") or "none"
        assert by_text[q["q"].strip()] == ((HARMLESS, label == HARMLESS) if label in ("none", HARMLESS)
                                           else (label, False))
    assert sum(label not in (HARMLESS,) for label, _ in by_text.values()) >= 80
    # needs/safety/harmless.yaml stays a look-alike; an ordinary need of the corpus is not one.
    assert any(is_look_alike(s) for s in corpus.sources if s.startswith("harmless.yaml:"))
    assert not any(is_look_alike(s) for s in corpus.sources if s.startswith("harmless-stories.yaml:"))


def test_the_safety_threshold_is_the_highest_that_keeps_the_recall_target():
    # Round 22: recall first. The threshold is where SAFETY_RECALL of the dangers still alarm out of
    # fold (and KIND_RECALL of each kind), not the minimum of a cost that is flat there.
    from kennisbank.search.corpus import HARMLESS
    from kennisbank.search.training import KIND_RECALL, SAFETY_RECALL, safety_threshold

    rng = np.random.default_rng(22)
    kinds = [k for k in SAFETY_KINDS for _ in range(40)]
    danger = rng.uniform(0.05, 1.0, len(kinds))
    harmless = rng.uniform(0.0, 0.6, 400)
    alarm = np.concatenate([danger, harmless])
    labels = (*kinds, *[HARMLESS] * len(harmless))
    look_alike = np.array([False] * len(kinds) + [True] * len(harmless))
    threshold, lead, report = safety_threshold(alarm, labels, look_alike, SAFETY_RECALL)
    assert (danger >= threshold).mean() >= SAFETY_RECALL
    assert (danger >= threshold + 0.005).mean() < SAFETY_RECALL or any(
        (danger[np.array(kinds) == k] >= threshold + 0.005).mean() < KIND_RECALL for k in SAFETY_KINDS)
    assert report["recall_all"] == round(float((danger >= threshold).mean()), 3)
    assert lead >= threshold and (harmless >= lead).mean() <= 0.05
    # One kind found only by weak alarms holds the threshold down for all (no kind below KIND_RECALL).
    weak = np.where(np.array(kinds) == "honour", danger * 0.2, danger)
    low, _, low_report = safety_threshold(np.concatenate([weak, harmless]), labels, look_alike, SAFETY_RECALL)
    assert low < threshold and low_report["recall_honour"] >= KIND_RECALL


def test_a_region_question_with_an_unknown_safety_label_names_its_file(tmp_path):
    from kennisbank.search.corpus import CorpusError, safety_corpus

    (tmp_path / "proefregio").mkdir()
    bad = tmp_path / "proefregio" / "questions.yaml"
    bad.write_text("- q: een kind wordt thuis geslagen\n  safety: slagen\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"proefregio/questions.yaml: vraag 1: 'safety: slagen'"):
        safety_corpus(regions=tmp_path)


def test_a_line_break_ends_a_sentence():
    # A Telegram message or a transcribed voice note: one thought per line, no full stops.
    voice = "papa is weg sinds vorige week\nmama zegt dat ze niet meer wil leven\n  de huur is ook niet betaald"
    assert split_sentences(voice) == ["papa is weg sinds vorige week", "mama zegt dat ze niet meer wil leven",
                                      "de huur is ook niet betaald"]
    assert split_sentences("Eerste zin staat hier. Tweede zin staat hier") == ["Eerste zin staat hier.",
                                                                               "Tweede zin staat hier"]


def test_the_one_alarming_line_of_a_long_story_is_not_lost(engine):
    assert len(split_sentences(STORY)) >= 3
    answer = engine.search(STORY, 9801)
    assert answer.safety is not None and answer.safety.kind == "suicide"
    assert "ziet zitten" in answer.safety.sentence
    assert answer.matches[0].urgent
    assert "psychisch-welzijn" in answer.matches[0].service.themes or "crisis" in answer.matches[0].service.themes
    # the money and the interpreter are still answered after the urgent doors
    assert len(answer.matches) == 3


@pytest.mark.parametrize("story", [
    "De ouders twijfelen of ze hun hypotheek vervroegd zullen afbetalen. Ze kunnen de afbetaling makkelijk "
    "betalen. Er wordt thuis veel geslagen denk ik.",
    "Papa wil weten of hij zijn spaargeld best in aandelen of op een spaarrekening zet. Hij heeft een goed "
    "inkomen. Een leerling zegt dat papa hem schopt als hij boos is.",
    "The parents ask about the school trip to the zoo. They can pay for it. I think she is being hit at home.",
])
def test_a_hedged_danger_after_calm_sentences_keeps_its_urgent_door(engine, story):
    """A fresh reviewer (round 32, reverted): read in the context of calm sentences about money or a
    trip, a danger said with a hedge lost its alert and could get "nothing fits". Issue 11 names
    this case: the one alarming sentence of a story is never lost."""
    answer = engine.search(story, 9801)
    assert answer.safety is not None and answer.safety.kind in {"abuse", "domestic-violence"}
    assert any(m.urgent for m in answer.matches[:3])


@pytest.mark.xfail(strict=True, reason="life-safety bar not met yet: 3 of these 10 look-alikes get an urgent door "
                                       "(blind sets: 2/7, 1/8); strict, so it is noticed when it starts to pass")
def test_harmless_sentences_with_alarming_words_rarely_raise_an_alarm(engine):
    alarmed = [q for q in HARMLESS if any(m.urgent for m in engine.search(q, 9801).matches[:3])]
    assert len(alarmed) / len(HARMLESS) <= 0.1, alarmed


def test_ranking_json_was_fitted_on_the_corpora_that_are_here():
    # The detector refits from the corpus (the training regions' questions included) whenever a file
    # changes; the thresholds in ranking.json belong to the corpus they were fitted on.
    from kennisbank.search.corpus import needs_fingerprint, safety_fingerprint
    from kennisbank.search.ranking import RANKING_FILE

    fitted = json.loads(RANKING_FILE.read_text(encoding="utf-8"))
    assert fitted["safety_corpus"] == safety_fingerprint(), "refit: python -m kennisbank.search.training --safety-only"
    assert fitted["needs_corpus"] == needs_fingerprint(), "refit: python -m kennisbank.search.training"


def _region(root, name, text):
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "questions.yaml").write_text(text, encoding="utf-8")


def test_a_changed_region_question_changes_the_safety_corpus_fingerprint(tmp_path):
    from kennisbank.search.corpus import safety_corpus, safety_fingerprint

    _region(tmp_path, "proefregio", "- q: papa slaat mama\n  safety: domestic-violence\n")
    before = safety_fingerprint(regions=tmp_path)
    assert safety_corpus(regions=tmp_path).fingerprint == before
    _region(tmp_path, "proefregio", "- q: papa slaat mama\n  safety: none\n")
    assert safety_fingerprint(regions=tmp_path) != before


@pytest.mark.parametrize("content, message", [
    ("- q: een kind wordt thuis geslagen\n", "vraag 1: 'safety: None'"),
    ("42\n", "een lijst van vragen verwacht"),
    ("- safety: none\n", "vraag 1 heeft geen tekst"),
])
def test_a_region_question_file_that_cannot_be_read_right_names_its_file(tmp_path, content, message):
    from kennisbank.search.corpus import CorpusError, safety_corpus

    _region(tmp_path, "proefregio", content)
    with pytest.raises(CorpusError, match=rf"proefregio/questions.yaml: {message}"):
        safety_corpus(regions=tmp_path)


@pytest.mark.parametrize("content, message", [
    ("- q: schulden\n  postcode: Gent\n", "vraag 1: 'postcode: Gent' is geen getal"),
    ("- q: schulden\n  expect: caw-onthaal\n", "vraag 1: 'expect' moet een lijst"),
    ("- q: schulden\n  safety: gevaar\n", "vraag 1: 'safety: gevaar' is geen gekend label"),
])
def test_a_labelled_question_file_is_checked_by_one_reader(tmp_path, content, message):
    """The safety corpus, the abstention fit and the ranking pairs read questions.yaml the same way."""
    from kennisbank.search.corpus import CorpusError, read_labelled_questions

    path = tmp_path / "questions.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match=rf"questions.yaml: {message}"):
        read_labelled_questions(path)


def test_the_shipped_labelled_questions_read_cleanly():
    from kennisbank.search.corpus import TRAINING_REGIONS, read_labelled_questions
    from kennisbank.search.training import TRAINING_QUESTIONS

    regions = [q for f in sorted(TRAINING_REGIONS.glob("*/questions.yaml"))
               for q in read_labelled_questions(f, safety_required=True)]
    assert len(regions) > 500 and all(q.safety is not None for q in regions)
    assert all(q.postcode is not None and q.text == q.text.strip() for q in regions)
    dev_like = [q for f in sorted(TRAINING_QUESTIONS.glob("*.yaml")) for q in read_labelled_questions(f)]
    assert dev_like and all(q.safety is None for q in dev_like)   # these files carry no safety label
    assert any(q.text == "" for q in dev_like)                    # the empty message is a question too
    assert sum(bool(q.expect) for q in dev_like) > len(dev_like) / 2


def test_training_regions_without_question_files_are_an_error(tmp_path):
    from kennisbank.search.corpus import CorpusError, safety_fingerprint

    with pytest.raises(CorpusError, match="geen trainingsregio"):
        safety_fingerprint(regions=tmp_path)
    (tmp_path / "zonder-vragen").mkdir()
    with pytest.raises(CorpusError, match=r"zonder-vragen: questions\.yaml ontbreekt"):
        safety_fingerprint(regions=tmp_path)


def test_the_look_alikes_the_threshold_weighs_include_the_regions_harmless_questions():
    from kennisbank.search.corpus import HARMLESS, safety_corpus
    from kennisbank.search.training import look_alike_mask

    corpus = safety_corpus()
    mask = look_alike_mask(corpus)
    by_source = dict(zip(corpus.sources, mask, strict=True))
    assert all(v for s, v in by_source.items() if s.startswith("harmless.yaml:"))
    regional = [v for s, v in by_source.items() if "/questions.yaml:" in s and s.endswith(":look-alike")]
    assert len(regional) >= 30 and all(regional)
    # An ordinary question of a region, a harmless story and an ordinary need are negatives, no look-alikes.
    assert not any(v for s, v in by_source.items() if "/questions.yaml:" in s and not s.endswith(":look-alike"))
    assert not any(v for s, v in by_source.items() if s.startswith("harmless-stories.yaml:"))
    assert set(np.array(corpus.labels)[mask]) == {HARMLESS}


def test_a_safety_threshold_that_misses_the_targets_is_an_error():
    from kennisbank.search.corpus import HARMLESS
    from kennisbank.search.training import safety_threshold

    kinds = [k for k in SAFETY_KINDS for _ in range(10)]
    harmless = [HARMLESS] * 20
    silent = np.zeros(len(kinds) + len(harmless))   # no danger ever alarms
    with pytest.raises(ValueError, match="no threshold finds"):
        safety_threshold(silent, (*kinds, *harmless), np.array([False] * len(kinds) + [True] * len(harmless)),
                         0.95)
    with pytest.raises(ValueError, match="no situations of kind"):
        safety_threshold(np.ones(len(harmless) + 1), ("suicide", *harmless),
                         np.zeros(len(harmless) + 1, dtype=bool), 0.95)


@pytest.mark.xfail(strict=True, reason="known since round 21: 'tolk' alone raises a possible suicide alert "
                                       "(word-only detector ~0.5); strict, so it is noticed when it passes")
def test_a_need_named_in_one_word_raises_no_alert(engine):
    assert engine.search("tolk", 9801).safety is None


@pytest.mark.parametrize("question", [
    "papa zegt dat hij zichzelf iets gaat aandoen als mama vertrekt",
    "de oudste van 12 zei tegen de juf dat ze er liever niet meer zou zijn",
])
def test_the_everyday_indirect_words_for_suicide_lead_to_its_doors(engine, question):
    # Round 22: "zichzelf iets aandoen" was in the corpus only as a threat by others (honour,
    # partner violence); said of oneself it is suicide, and its doors lead.
    answer = engine.search(question, 9801)
    assert answer.safety is not None and answer.safety.leads
    assert "suicide" in (answer.safety.kind, answer.safety.also)
    assert answer.matches[0].id == "levenslijn-zelfmoordpreventie"   # the benchmark region's suicide line


def test_doors_serve_the_postcode_and_the_flemish_layer_everywhere(engine, bench_kb):
    for pc in (9801, 9810, 9820, None):
        answer = engine.search("mijn leerling zegt dat hij zichzelf wil doden", pc)
        urgent = [m for m in answer.matches if m.urgent]
        assert urgent and all(m.service.serves(pc) for m in answer.matches)
        assert all(not m.service.is_closed for m in urgent)


def test_a_possible_danger_puts_an_urgent_door_on_the_first_screen_whatever_the_limit(engine):
    """The bot asks for 12 results and shows 3: the door must be among those 3, as in `zoek`."""
    from dataclasses import replace as copy_with

    from kennisbank.search.safety import SafetyDetector

    cautious = copy.copy(engine)   # a sibling sharing the index and models, as SearchEngine.with_changes makes
    cautious.safety = SafetyDetector(engine.safety.classifier, engine.safety.threshold, lead=1.01)  # never leads
    for limit in (3, 12):
        answer = cautious.search("de mama zegt dat ze er een einde aan wil maken", 9801, limit)
        assert answer.safety is not None and not answer.safety.leads
        assert any(m.urgent for m in answer.matches[:3]), [m.id for m in answer.matches]
    assert answer.safety is not None
    assert copy_with(answer.safety, leads=True).leads  # the alert itself is a plain value


@pytest.mark.parametrize("question", [
    "Papa wil er een eind aan maken. Papa wil er een eind aan maken",
    "Ik maak me zorgen om de mama van Noor. De mama van Noor zei me dat ze er een einde aan wil maken. "
    "Ze zegt dat het echt niet meer gaat.",
    "De mama zegt dat ze er een einde aan wil maken. Ze huilt elke dag aan de schoolpoort.",
])
def test_a_suicide_story_without_another_need_gets_only_what_clearly_fits_after_the_doors(engine, question):
    """Round 19 tried to give the story's own need a place after leading doors; a fresh reviewer
    found a budget service next to the suicide line when the alarming sentence is repeated or the
    whole question is blamed, and weak guesses for padded stories. It was reverted; this guards it."""
    answer = engine.search(question, 9801)
    assert answer.safety is not None and answer.safety.leads and answer.matches[0].urgent
    assert all(m.urgent or m.score >= 0.5 for m in answer.matches), [(m.id, m.score) for m in answer.matches]
    assert not any("schulden" in m.service.themes for m in answer.matches)


def test_a_region_without_urgent_doors_gets_112_and_no_unrelated_services(tmp_path):
    from bot.answering import compose
    from bot.state import Knowledge
    from kennisbank.loader import load_knowledge_base

    (tmp_path / "stilland.yaml").write_text("""
schema: 1
region:
  id: stilland
  name: Regio Stilland
  example: true
  municipalities:
    - {name: Stildorp, postcodes: [9961]}
services:
  - id: stil-onthaal
    organisation: OCMW Stildorp
    name: Algemeen onthaal
    summary: Met elke vraag over geld, wonen of papieren kan je hier binnenlopen.
    themes: [inkomen, administratie]
    area: all
    phone: "+32 9 999 05 01"
  - id: stil-schulden
    organisation: OCMW Stildorp
    name: Schuldhulp
    summary: Hulp bij schulden en afbetalingsplannen.
    themes: [schulden]
    area: all
    phone: "+32 9 999 05 02"
""", encoding="utf-8")
    knowledge = Knowledge.build(load_knowledge_base(tmp_path))
    outcome = compose(knowledge, "de mama zegt dat ze er een einde aan wil maken", 9961, lambda ids: "k")
    assert "stil-schulden" not in outcome.services
    assert html.escape(ACUTE_LINE) in outcome.reply.html
    assert "stil-onthaal" in outcome.services  # the front door, after 112


def test_a_region_can_mark_its_urgent_doors(tmp_path):
    from kennisbank.loader import load_knowledge_base

    (tmp_path / "noodland.yaml").write_text("""
schema: 1
region:
  id: noodland
  name: Regio Noodland
  example: true
  municipalities:
    - {name: Nooddorp, postcodes: [9941]}
services:
  - id: cgg-wachtlijst
    organisation: CGG Noodland
    name: Therapie voor kinderen
    summary: Begeleiding bij angst, trauma en somberheid; wachttijd enkele maanden.
    themes: [psychisch-welzijn]
    area: all
    phone: "+32 9 999 03 01"
  - id: crisisteam-noodland
    organisation: Mobiel team Noodland
    name: Bereikbaar bij psychische nood
    summary: Een team dat snel langskomt als iemand psychisch vastloopt.
    themes: [psychisch-welzijn]
    urgent: true
    area: all
    phone: "+32 9 999 03 02"
""", encoding="utf-8")
    kb = load_knowledge_base(tmp_path)
    assert kb.services["crisisteam-noodland"].urgent
    answer = SearchEngine(kb).search("de papa zegt dat hij een einde aan zijn leven wil maken", 9941)
    assert answer.safety is not None and answer.matches[0].id == "crisisteam-noodland"


def test_urgent_must_be_true_or_false(tmp_path):
    from kennisbank.loader import check_directory

    (tmp_path / "x.yaml").write_text("""
schema: 1
region: {id: x, name: X, example: true, municipalities: [{name: Xdorp, postcodes: [9951]}]}
services:
  - {id: x-1, organisation: X, name: X, summary: X., themes: [crisis], area: all, phone: "+32 9 999 04 01",
     urgent: "ja"}
""", encoding="utf-8")
    _, problems = check_directory(tmp_path)
    assert any(p.field == "urgent" and not p.warning for p in problems)


def test_cli_json_has_a_safety_field(bench_kb_dir):
    lines = [{"q": "ze heeft pillen gespaard en een afscheidsbrief geschreven", "postcode": 9801},
             {"q": "waar kopen we nieuwe stoelen voor de refter", "postcode": 9801}]
    run = subprocess.run([sys.executable, "-m", "bot.cli", "zoek", "--kb", str(bench_kb_dir), "--json", "--batch"],
                         input="".join(json.dumps(x) + "\n" for x in lines), capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    alarm, calm = [json.loads(line) for line in run.stdout.splitlines()]
    assert alarm["safety"]["kind"] == "suicide" and alarm["results"] and alarm["results"][0]["urgent"]
    assert calm["safety"] is None and calm["results"] == []


async def test_telegram_answer_leads_with_112_and_the_urgent_door(bot, chat, bench_kb):
    user = chat(7301)
    await user.send("/postcode 9801")
    [answer] = await user.send("de mama zegt dat ze er een einde aan wil maken")
    assert html.escape(ACUTE_LINE) in answer.text
    first = SearchEngine(bench_kb).search("de mama zegt dat ze er een einde aan wil maken", 9801).matches[0]
    assert first.urgent
    assert answer.text.index(html.escape(ACUTE_LINE)) < answer.text.index(html.escape(first.service.name))
    assert answer.params["parse_mode"] == "HTML"
    # the anonymous signal keeps themes and services only: no kind of danger, no text
    rows = await bot.state.store.conn.execute_fetchall("SELECT * FROM signal")
    assert rows
    stored = " ".join(map(str, rows[-1]))
    assert "einde" not in stored and "suicide" not in stored


def test_terminal_chat_shows_the_same_safety_answer(bench_kb_dir):
    run = subprocess.run([sys.executable, "-m", "bot.cli", "chat", "--kb", str(bench_kb_dir), "--postcode", "9801"],
                         input="de papa staat stomdronken aan de poort en wil zijn zoontje meenemen\n",
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert ACUTE_LINE in run.stdout


class _FixedClassifier:
    """A stand-in for a fitted classifier: the same probabilities for every text."""
    dense = False

    def __init__(self, probabilities: dict[str, float]):
        from kennisbank.search.corpus import HARMLESS

        self.labels = (HARMLESS, *SAFETY_KINDS)
        self._row = [probabilities.get(label, 0.0) for label in self.labels]

    def probabilities(self, texts, vectors):
        import numpy as np

        return np.array([self._row for _ in texts])


def test_when_the_detectors_disagree_the_other_kind_gives_the_door_a_region_lacks(tmp_path):
    """The dense detector reads suicide, the word-only one a family without a roof: the region has no
    door for the first kind but a night shelter for the second. The answer shows the shelter as an
    urgent door instead of no door at all."""
    from kennisbank.loader import load_knowledge_base
    from kennisbank.search.safety import MeanClassifier, SafetyDetector

    (tmp_path / "dakland.yaml").write_text("""
schema: 1
region:
  id: dakland
  name: Regio Dakland
  example: true
  municipalities:
    - {name: Dakdorp, postcodes: [9962]}
services:
  - id: dak-nachtopvang
    organisation: CAW Dakland
    name: Nachtopvang De Brug
    summary: Een bed voor vannacht voor wie op straat staat, elke avond vanaf 19 uur.
    themes: [huisvesting]
    urgent: true
    area: all
    phone: "+32 9 999 06 01"
  - id: dak-schulden
    organisation: OCMW Dakdorp
    name: Schuldhulp
    summary: Hulp bij schulden en afbetalingsplannen.
    themes: [schulden]
    area: all
    phone: "+32 9 999 06 02"
""", encoding="utf-8")
    engine = SearchEngine(load_knowledge_base(tmp_path), encoder=False)
    dense = _FixedClassifier({"harmless": 0.05, "suicide": 0.95})
    words = _FixedClassifier({"harmless": 0.6, "no-roof-tonight": 0.4})
    engine.safety = SafetyDetector(MeanClassifier((dense, words)), 0.12, 0.5)  # type: ignore[arg-type]
    answer = engine.search("ze weten niet meer waar ze vannacht moeten slapen en mama ziet het niet meer zitten", 9962)
    assert answer.safety is not None and answer.safety.kind == "suicide" and answer.safety.also == "no-roof-tonight"
    assert [m.id for m in answer.matches if m.urgent] == ["dak-nachtopvang"]
    assert engine._safety_doors("suicide", "x", [], None, 9962, None) == []   # none of the first kind


def test_the_mean_of_the_two_classifiers_alerts_and_each_classifiers_own_lead_leads():
    """With an encoder the detector reads the mean of the dense and the word-only classifier (round
    40): the mean decides whether to alert and which kind, so one classifier's weak alarm no longer
    raises an alert by itself; the doors lead when either classifier reaches its own lead threshold,
    and a classifier that alarms on its own but reads another kind adds that kind's door."""
    from kennisbank.search.safety import MeanClassifier, SafetyDetector

    quiet = _FixedClassifier({"harmless": 0.95, "suicide": 0.05})
    words = _FixedClassifier({"harmless": 0.7, "abuse": 0.3})
    pair = MeanClassifier((quiet, words))  # type: ignore[arg-type]
    alert = SafetyDetector(pair, 0.12, 0.5).detect("papa doet hem pijn", None)
    # mean alarm (0.05 + 0.3) / 2 = 0.175: a possible danger; the quiet classifier (0.05) adds no kind
    assert alert is not None and alert.kind == "abuse" and not alert.leads and alert.also is None
    assert alert.probability == pytest.approx(0.3)   # the louder classifier's
    # The word-only classifier's own lead (0.25) is reached: the doors lead although the mean is 0.175.
    assert SafetyDetector(pair, 0.12, (0.5, 0.25)).detect("x", None).leads  # type: ignore[union-attr]
    faint = _FixedClassifier({"harmless": 0.85, "abuse": 0.15})   # alone above 0.12, the mean 0.1 is not
    assert SafetyDetector(MeanClassifier((quiet, faint)), 0.12, 0.5).detect("x", None) is None  # type: ignore[arg-type]
    loud = _FixedClassifier({"harmless": 0.2, "suicide": 0.8})
    alert = SafetyDetector(MeanClassifier((loud, words)), 0.12, 0.5).detect("x", None)  # type: ignore[arg-type]
    # a likely danger of the louder kind, with the word-only classifier's kind as well
    assert alert is not None and alert.kind == "suicide" and alert.leads
    assert alert.also == "abuse" and alert.unsure
    # A classifier that reaches its own lead is a likely danger even where the mean is below the alert.
    alert = SafetyDetector(pair, 0.2, (0.5, 0.25)).detect("x", None)
    assert alert is not None and alert.leads and alert.kind == "abuse"
    with pytest.raises(ValueError, match="lead thresholds"):
        SafetyDetector(pair, 0.12, (0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="lead threshold is missing"):
        SafetyDetector.load(object(), 0.12, 0.5)  # type: ignore[arg-type]


class _RecordingDenseClassifier(_FixedClassifier):
    """A dense stand-in that records what it reads, with how many embeddings."""
    dense = True

    def __init__(self) -> None:
        super().__init__({"harmless": 0.9, "abuse": 0.1})
        self.read: list[tuple[list[str], int | None]] = []

    def probabilities(self, texts, vectors):
        self.read.append((list(texts), None if vectors is None else len(vectors)))
        return super().probabilities(texts, vectors)


def test_a_dense_detector_reads_each_sentence_only_with_its_own_embedding():
    """A reading without its own embedding would be judged by another text's meaning (a fresh
    reviewer found a short question's lower-case reading passing 3 texts with 1 embedding)."""
    from kennisbank.search.safety import MeanClassifier, SafetyDetector

    dense = _RecordingDenseClassifier()
    words = _FixedClassifier({"harmless": 0.9, "abuse": 0.1})
    detector = SafetyDetector(MeanClassifier((dense, words)), 0.12, (0.6, 0.5))  # type: ignore[arg-type]
    story = "Papa slaat ons. Mama huilt hard."
    sentences = split_sentences(story)
    assert len(sentences) == 2
    vector = np.ones(4, dtype=np.float32)
    detector.detect(story, vector)                                   # no sentence embeddings
    assert dense.read[-1] == ([story], 1)
    detector.detect(story, vector, np.ones((2, 4), dtype=np.float32))
    assert dense.read[-1] == ([story, *sentences], 3)
    with pytest.raises(ValueError, match="sentence embeddings"):
        detector.detect(story, vector, np.ones((1, 4), dtype=np.float32))


def test_the_engine_reads_each_classifiers_own_lead_from_the_fitted_file(engine):
    """With the encoder: the dense classifier's lead from ranking.json "dense", the word-only one's
    from "lexical", in the order of the detector's classifiers (a swap would make either lead at the
    other's threshold)."""
    from kennisbank.search.ranking import load_ranking
    from kennisbank.search.safety import MeanClassifier

    if engine.encoder is None:
        pytest.skip("no encoder")
    detector = engine.safety
    assert isinstance(detector.classifier, MeanClassifier)
    assert [m.dense for m in detector.classifier.members] == [True, False]
    dense, lexical = load_ranking(dense=True), load_ranking(dense=False)
    assert detector.threshold == dense.safety_threshold
    assert detector.leads == (max(dense.safety_lead_threshold, dense.safety_threshold),
                              max(lexical.safety_lead_threshold, dense.safety_threshold))


class _PerTextClassifier:
    """Probabilities per text, for the detector's rules without a fitted model."""
    dense = False

    def __init__(self, rows: dict[str, dict[str, float]]):
        from kennisbank.search.corpus import HARMLESS

        self.labels = (HARMLESS, *SAFETY_KINDS)
        self._rows = rows

    def probabilities(self, texts, vectors):
        import numpy as np

        return np.array([[self._rows[t].get(label, 0.0) for label in self.labels] for t in texts])


def test_the_kind_of_a_long_story_is_read_from_all_its_sentences():
    """The most alarming sentence decides whether and how surely the alarm goes off, but a fragment
    that alarms most on its own ("she asked me not to tell mum") need not name the danger: the kind
    comes from every reading, weighted by how alarming each is."""
    from kennisbank.search.safety import SafetyDetector

    first, second = "De nieuwe vriend van mama komt in de badkamer.", "Ze vroeg het niet aan mama te zeggen."
    story = f"{first} {second}"
    rows = {story: {"harmless": 0.3, "sexual-abuse": 0.5, "suicide": 0.2},
            first: {"harmless": 0.2, "sexual-abuse": 0.75, "suicide": 0.05},
            second: {"harmless": 0.1, "suicide": 0.8, "sexual-abuse": 0.1}}
    alert = SafetyDetector(_PerTextClassifier(rows), 0.12, 0.5).detect(story, None)  # type: ignore[arg-type]
    assert alert is not None
    assert alert.probability == pytest.approx(0.9) and alert.leads    # how sure: the most alarming reading
    assert alert.kind == "sexual-abuse"                                # what: the whole story
    assert alert.sentence == first      # the part that says most for that kind (the engine checks it)
    assert alert.also == "suicide"      # the loudest part on its own: its door is shown too
    alone = SafetyDetector(_PerTextClassifier(rows), 0.12, 0.5).detect(second, None)  # type: ignore[arg-type]
    assert alone is not None and alone.kind == "suicide" and alone.also is None


@pytest.mark.parametrize("probabilities, also", [
    ({"harmless": 0.1, "parent-unable": 0.5, "domestic-violence": 0.4}, "domestic-violence"),   # 0.8 of the first
    ({"harmless": 0.1, "parent-unable": 0.6, "domestic-violence": 0.3}, "domestic-violence"),   # 0.5: on the line
    ({"harmless": 0.1, "parent-unable": 0.7, "domestic-violence": 0.2}, None),                  # 0.29: sure enough
    ({"harmless": 0.6, "parent-unable": 0.22, "domestic-violence": 0.18}, None),                # possible, not likely
])
def test_a_likely_danger_unsure_of_its_kind_keeps_the_runner_up(probabilities, also):
    """Round 25: long stories read as a likely danger of the wrong kind (a psychotic parent with a
    knife as partner violence) showed only that kind's doors. When the runner-up kind weighs at
    least SAFETY_RUNNER_UP of the chosen one, it is kept as `also`, marked unsure, and named after a slash."""
    from kennisbank.safety import kind_label
    from kennisbank.search.params import SAFETY_RUNNER_UP
    from kennisbank.search.safety import SafetyDetector

    assert SAFETY_RUNNER_UP == 0.5
    text = "Papa hoort stemmen en stond gisteren met een mes in de keuken."
    alert = SafetyDetector(_PerTextClassifier({text: probabilities}), 0.12, 0.5).detect(text, None)  # type: ignore[arg-type]
    assert alert is not None and alert.kind == "parent-unable"
    assert alert.also == also and alert.unsure is (also is not None)
    assert kind_label(alert.kind, alert.also, alert.unsure) == (
        "ouder kan niet zorgen / partnergeweld" if also else "ouder kan niet zorgen")


def test_an_unsure_kind_shows_a_door_of_each_and_names_both(bench_kb):
    from bot import render
    from kennisbank.search.safety import SafetyDetector

    text = "Papa hoort stemmen en stond gisteren met een mes in de keuken."
    rows = {text: {"harmless": 0.1, "parent-unable": 0.5, "domestic-violence": 0.4}}
    engine = SearchEngine(bench_kb, encoder=False)
    engine.safety = SafetyDetector(_PerTextClassifier(rows), 0.12, 0.5)  # type: ignore[arg-type]
    answer = engine.search(text, 9801)
    assert answer.safety is not None and answer.safety.unsure
    doors = [m for m in answer.matches if m.urgent]
    assert len(doors) == 2 and answer.matches[:2] == tuple(doors)
    first = engine._safety_doors("parent-unable", text, [], None, 9801, None)[0]
    second = next(d for d in engine._safety_doors("domestic-violence", text, [], None, 9801, None) if d.id != first.id)
    assert [d.id for d in doors] == [first.id, second.id]
    assert "(ouder kan niet zorgen / partnergeweld)" in render.safety_heading(answer)


def test_a_story_with_two_dangers_shows_a_door_for_each(bench_kb):
    """A mother who no longer wants to live, in a story of violence at home: the story reads as
    domestic violence, but the suicide line must not be lost. The doors lead with the first kind's
    best door and the second kind's best door."""
    from kennisbank.search.safety import SafetyDetector

    first, second = "Mama zegt dat ze niet meer wil leven.", "Papa slaat haar elke avond als hij gedronken heeft."
    story = f"{first} {second}"
    rows = {story: {"harmless": 0.25, "domestic-violence": 0.6, "suicide": 0.15},
            first: {"harmless": 0.2, "suicide": 0.8},
            second: {"harmless": 0.22, "domestic-violence": 0.78}}
    engine = SearchEngine(bench_kb, encoder=False)
    engine.safety = SafetyDetector(_PerTextClassifier(rows), 0.18, 0.6)  # type: ignore[arg-type]
    answer = engine.search(story, 9801)
    assert answer.safety is not None and answer.safety.kind == "domestic-violence"
    assert answer.safety.also == "suicide" and answer.safety.sentence == second
    doors = [m for m in answer.matches if m.urgent]
    assert len(doors) == 2 and answer.matches[:2] == tuple(doors)
    assert set(doors[0].service.themes) & set(PROFILES["domestic-violence"].themes)
    suicide_only = engine._safety_doors("suicide", story, [], None, 9801, None)[0]
    assert doors[1].id == suicide_only.id          # the suicide kind's own best door

    from bot.commands.zoek import answer_json
    from bot.render import safety_heading

    both = f"{PROFILES['domestic-violence'].label} en {PROFILES['suicide'].label}"
    assert f"Dit klinkt ernstig ({both}).</b>" in safety_heading(answer)      # both named, HTML-escaped
    assert answer_json(story, answer)["safety"]["also"] == "suicide"


@pytest.mark.parametrize("text, expected", [
    ("MAMA WIL ZELFMOORD PLEGEN!!!", "mama wil zelfmoord plegen!!!"),
    ("ÉÉN KIND SLAAT HIJ", "één kind slaat hij"),     # not ASCII: the per-character count
    ("De mama van Sara", "De mama van Sara"),
    ("OCMW of CAW?", "ocmw of caw?"),
    ("", ""),
    ("112", "112"),
])
def test_shouting_is_read_in_lower_case(text, expected):
    from kennisbank.search.engine import calm

    assert calm(text) == expected


@pytest.mark.parametrize("word", ["Zelfmoordpoging", "Zelfdoding", "Verkrachting", "Zelfdoding bij een ouder"])
def test_a_capital_at_the_start_does_not_switch_the_alarm_off(bench_kb, word):
    """Found by a reviewer: the encoder is cased, and "Zelfmoordpoging" raised no alert at all where
    "zelfmoordpoging" did. A short question is also read in lower case; the more alarming reading wins."""
    engine = SearchEngine(bench_kb)
    cased, lower = engine.search(word, 9801), engine.search(word.lower(), 9801)
    assert lower.safety is not None and cased.safety is not None
    assert cased.safety.kind == lower.safety.kind
    assert cased.safety.probability >= lower.safety.probability - 1e-6
    assert any(m.urgent for m in cased.matches[:3])


def test_the_lower_case_reading_is_embedded_in_the_same_encoder_call(bench_kb):
    """The second reading of a short question costs one more text in the one encoder call per
    question, not a second call (each call has a fixed cost of its own)."""
    engine = SearchEngine(bench_kb)
    assert engine.encoder is not None
    real, calls = engine.encoder, []

    class Recording:
        name, dim = real.name, real.dim

        def queries(self, texts):
            calls.append(list(texts))
            return real.queries(texts)

        def passages(self, texts):
            return real.passages(texts)

    engine.encoder = Recording()
    answer = engine.search("Zelfmoordpoging", 9801)
    assert answer.safety is not None and any(m.urgent for m in answer.matches[:3])
    assert calls == [["Zelfmoordpoging", "zelfmoordpoging"]]
    calls.clear()
    story = "Papa krijgt brieven van de deurwaarder en weet niet wat te doen"   # more than SHORT_CASED words
    engine.search(story, 9801)
    assert len(calls) == 1 and story in calls[0] and story.lower() not in calls[0]


@pytest.mark.parametrize("needs_read, leads", [
    ({}, True),                        # no need read: no disagreement, the doors lead
    ({"geweld": 0.8}, True),           # the needs model agrees
    ({"huisvesting": 0.8}, False),     # it reads another need: one door is shown, not leading
])
def test_a_likely_danger_leads_unless_the_needs_model_reads_another_need(bench_kb, monkeypatch, needs_read, leads):
    from kennisbank.schema import THEME_IDS
    from kennisbank.search.needs import Needs
    from kennisbank.search.safety import SafetyAlert

    engine = SearchEngine(bench_kb)
    question = "de mama had weer een blauw oog en zegt dat het de deur was"
    themes = np.zeros(len(THEME_IDS), dtype=np.float32)
    for theme, p in needs_read.items():
        themes[THEME_IDS.index(theme)] = p
    monkeypatch.setattr(engine.safety, "detect", lambda text, *_: SafetyAlert("domestic-violence", 0.7, text))
    monkeypatch.setattr(engine.needs, "recognise", lambda text, vector: Needs(themes, 0.05 if needs_read else 0.3))
    answer = engine.search(question, 9801)
    assert answer.safety is not None and answer.safety.leads is leads
    assert any(m.urgent for m in answer.matches[:3])   # a door either way
    if leads:
        assert answer.matches[0].urgent
