"""Search behaviour: needs learned from data, abstention, area filtering, fit, reasons, fallback, batch contract."""
from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from kennisbank.loader import load_knowledge_base
from kennisbank.search import SearchEngine, search
from kennisbank.search.analysis import Synonyms, Vocabulary, analyse, fold, stem
from kennisbank.themes import load_themes
from paths import BENCHMARK_KB, ROOT

BENCH_KB = BENCHMARK_KB


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    if not BENCH_KB.exists():
        pytest.skip("benchmark knowledge base not available")
    return SearchEngine(load_knowledge_base(BENCH_KB))


def ids(answer) -> list[str]:
    return [m.id for m in answer.matches]


# ── text normalisation ─────────────────────────────────────────────────────
def test_fold_removes_accents_and_case():
    assert fold("Zorgcoördinator CRÈCHE") == "zorgcoordinator creche"


def test_inflection_meets_the_same_stem():
    assert stem("schulden") == stem("schuld")
    assert stem("betaald") == stem("betalen")
    assert stem("huren") == stem("huur")
    assert stem("gezinnen") == stem("gezin")


def test_compounds_split_and_typos_fixed_against_known_words():
    vocab = Vocabulary({"schuld", "bemiddelaar", "huur", "achterstand", "uithuiszetting", "huisbaas"})
    assert vocab.split("schuldbemiddelaar") == ("schuld", "bemiddelaar")
    assert vocab.split("huurachterstand") == ("huur", "achterstand")
    assert vocab.correct("uithuiszeting") == "uithuiszetting"
    assert vocab.correct("kapper") is None  # no near word: left alone rather than guessed


def test_synonyms_expand_abbreviations_and_spoken_phrases():
    syn = Synonyms.load()
    expanded = [w for w, _, _ in syn.expand("de zoco zegt dat ze eruit te zetten worden".split())]
    assert "zorgcoordinator" in expanded
    assert "uithuiszetting" in expanded
    terms = analyse("papa kreeg brieven van nen deurwaarder", None, syn)
    assert any(t.key == stem("deurwaarder") for t in terms)


def test_taxonomy_has_all_themes_with_rich_phrases():
    themes = load_themes()
    assert len(themes) == 24
    for theme in themes.values():
        assert theme.label
        assert len(theme.phrases) + len(theme.signals) >= 15, theme.id


# ── needs learned from data ────────────────────────────────────────────────
def test_needs_model_recognises_held_out_situations_of_every_theme():
    """Fit on 80% of the corpus, ask the other 20%: every theme is recognised on situations it never saw."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    from kennisbank.schema import THEME_IDS
    from kennisbank.search.classifier import TextClassifier, corpus_vectors
    from kennisbank.search.corpus import NO_NEED, Corpus, needs_corpus
    from kennisbank.search.dense import load_encoder
    from kennisbank.search.params import NEEDS_C

    corpus = needs_corpus()
    encoder = load_encoder()
    vectors = corpus_vectors(corpus, encoder) if encoder else None
    rows = np.arange(len(corpus))
    train, test = train_test_split(rows, test_size=0.2, stratify=corpus.labels, random_state=7)
    part = Corpus(tuple(corpus.texts[i] for i in train), tuple(corpus.labels[i] for i in train), (), "")
    model = TextClassifier.fit(part, vectors[train] if vectors is not None else None, NEEDS_C)
    probs = model.probabilities([corpus.texts[i] for i in test], vectors[test] if vectors is not None else None)
    predicted = [model.labels[j] for j in probs.argmax(axis=1)]
    truth = [corpus.labels[i] for i in test]
    recall = {t: np.mean([p == t for p, g in zip(predicted, truth, strict=True) if g == t])
              for t in (*THEME_IDS, NO_NEED)}
    assert np.mean([p == g for p, g in zip(predicted, truth, strict=True)]) >= 0.7
    weak = {t: round(r, 2) for t, r in recall.items() if r < 0.4}
    assert not weak, weak


def test_corpus_has_enough_situations_per_theme_and_no_evaluation_question():

    from kennisbank.schema import THEME_IDS
    from kennisbank.search.corpus import NO_NEED, needs_corpus

    corpus = needs_corpus()
    own = [s for s in corpus.sources if s != "themes.yaml"]
    counts = {t: sum(1 for lab, src in zip(corpus.labels, corpus.sources, strict=True)
                     if lab == t and src != "themes.yaml")
              for t in (*THEME_IDS, NO_NEED)}
    assert min(counts[t] for t in THEME_IDS) >= 60, counts
    assert counts[NO_NEED] >= 300
    assert len(own) == len({corpus.texts[i] for i, s in enumerate(corpus.sources) if s != "themes.yaml"})
    leaked = _evaluation_questions() & {leak_key(t) for t in corpus.texts}
    assert leaked <= PREDATE_EVALUATION, sorted(leaked - PREDATE_EVALUATION)
    # Only the taxonomy may hold those (see PREDATE_EVALUATION); no written situation does.
    assert not leaked & {leak_key(t) for t, src in zip(corpus.texts, corpus.sources, strict=True)
                         if src != "themes.yaml"}


def test_corpus_has_long_stories_of_every_theme_and_harmless_stories():
    # Round 20: a story's incidental details (Dutch lessons, shift work, an interpreter) must not
    # outvote its one need; the corpus holds long stories of each theme that carry such details.
    from kennisbank.schema import THEME_IDS
    from kennisbank.search.corpus import HARMLESS, NO_NEED, needs_corpus, safety_corpus

    corpus = needs_corpus()
    stories = [(t, lab) for t, lab, src in zip(corpus.texts, corpus.labels, corpus.sources, strict=True)
               if src.startswith("stories/")]
    for theme in (*THEME_IDS, NO_NEED):
        assert sum(1 for t, lab in stories if lab == theme and len(t.split()) >= 40) >= 10, theme
    # Long stories with hard but harmless details are negatives of the safety detector; they are
    # not look-alikes (the lead threshold is fitted on false alarms of texts written to look alarming).
    safety = safety_corpus()
    harmless_stories = [lab for lab, src in zip(safety.labels, safety.sources, strict=True)
                        if src.startswith("harmless-stories.yaml")]
    assert len(harmless_stories) >= 40 and set(harmless_stories) == {HARMLESS}


def test_corpus_has_the_schools_own_needs_next_to_ordinary_school_matters():
    # Round 21: "een collega is overleden, wie helpt de klas" is a need (the school's own), "een
    # collega is ziek, wie vervangt haar" is not; both sides of that line are in needs/school/.
    from kennisbank.search.corpus import NO_NEED, needs_corpus

    corpus = needs_corpus()
    school = Counter(lab for lab, src in zip(corpus.labels, corpus.sources, strict=True)
                     if src.startswith("school/"))
    assert school[NO_NEED] >= 250
    assert school["netwerk-school"] >= 40 and school["psychisch-welzijn"] >= 20
    assert sum(n for label, n in school.items() if label != NO_NEED) >= 200


def test_the_no_need_threshold_reads_every_question_written_by_others():
    # Round 21: the labelled questions of the training regions (those that expect nothing too) and
    # the reviewer's need / no-need questions are what the "no need" threshold is fitted on, next
    # to the corpus. None of them is a corpus text, so the needs model reads them out of sample;
    # it must still tell most school matters from needs (else the fit learns nothing from them).
    import yaml

    from kennisbank.search.corpus import TRAINING_REGIONS
    from kennisbank.search.training import ABSTENTION_QUESTIONS, TRAINING_QUESTIONS, labelled_readings

    files = [*TRAINING_QUESTIONS.glob("*.yaml"), *TRAINING_REGIONS.glob("*/questions.yaml")]
    items = [q for f in files for q in yaml.safe_load(f.read_text(encoding="utf-8"))
             if (q.get("safety") or "none") in ("none", "harmless")]
    review = [yaml.safe_load(f.read_text(encoding="utf-8")) for f in ABSTENTION_QUESTIONS.glob("*.yaml")]
    assert review and all(r["need"] and r["no-need"] for r in review)
    readings = labelled_readings(dense=False)
    assert len(readings.is_none) == len(items) + sum(len(r["need"]) + len(r["no-need"]) for r in review)
    assert readings.is_none.sum() == sum(not q.get("expect") for q in items) + sum(len(r["no-need"]) for r in review)
    none, need = readings.p_none[readings.is_none], readings.p_none[~readings.is_none]
    assert (none[:, None] > need[None, :]).mean() > 0.9   # AUC of p(no need)


def leak_key(text: str) -> str:
    """What two texts share when one is a copy of the other: folded, without punctuation, with
    single spaces ("Zelfmoord mama." and "zelfmoord  mama" are the same item)."""
    return " ".join(re.sub(r"[^\w\s]", " ", fold(text)).split())


# Taxonomy phrases that equal a blind set's one-word question. They are in themes.yaml since
# e6e706d (2026-11-29), before the first blind set was written (2026-11-30): the writers chose the
# need's own name, not the other way round. Any other overlap is a leak.
PREDATE_EVALUATION = {"voedselbank", "opvang na school"}


def _questions(path: Path) -> set[str]:
    """The leak keys of the questions of a question file (dev, blind or training format)."""
    import yaml

    return {leak_key(q["q"]) for q in yaml.safe_load(path.read_text(encoding="utf-8"))}


def _evaluation_questions() -> set[str]:
    """The leak keys of every question of the dev set, of the blind sets and of the safety guard
    sets in benchmarks/; the empty key (the dev set's empty message) is no item to leak."""
    paths = [BENCH_KB.parent / "questions-dev.yaml", *sorted((ROOT / "benchmarks").glob("blind-*/questions.yaml"))]
    found = set().union(*(_questions(path) for path in paths if path.exists()))
    for guard in sorted((ROOT / "benchmarks").glob("guard-*/guard.yaml")):
        raw = yaml.safe_load(guard.read_text(encoding="utf-8"))
        found |= {leak_key(item["q"]) for group in raw.values() for item in group}
    found.discard("")
    assert found, "no evaluation questions found"
    return found


def training_question_keys() -> set[str]:
    """The leak keys of the labelled ranking questions (training-questions/, and the regions
    written by others in training-regions/) and of the questions the "no need" threshold is fitted
    on (abstention-questions/); benchmarks/leak_check.py reads the same."""
    from kennisbank.search.training import abstention_questions

    training_dir = ROOT / "kennisbank" / "search"
    labelled = [*sorted((training_dir / "training-questions").glob("*.yaml")),
                *sorted((training_dir / "training-regions").glob("*/questions.yaml"))]
    assert len(labelled) >= 5
    return set().union(*(_questions(path) for path in labelled)) | {leak_key(q) for q, _ in abstention_questions()}


def test_the_leak_key_ignores_case_accents_punctuation_and_spacing():
    assert leak_key("Zelfmoord  mama.") == leak_key("zelfmoord mama") == "zelfmoord mama"
    assert leak_key("Leefloon?") == "leefloon" and leak_key("café-uitbater!") == "cafe uitbater"
    assert leak_key("?!") == "" and leak_key("opvang na school") != leak_key("opvang naschool")


def test_no_training_data_holds_an_evaluation_question():
    """Neither the safety corpus nor the labelled ranking questions (training-questions/ and the
    regions written by others in training-regions/) contain a question of the dev set or of a
    blind set, nor do the questions the "no need" threshold is fitted on (abstention-questions/):
    what the models are fitted on is never what they are judged on."""
    from kennisbank.search.corpus import safety_corpus

    evaluation = _evaluation_questions()
    training = training_question_keys()
    assert len(training) > 300
    assert not evaluation & training, sorted(evaluation & training)[:5]
    assert not evaluation & {leak_key(t) for t in safety_corpus().texts}


@pytest.mark.parametrize("question, theme", [
    ("de juf ziet dat hij elke maandag met een lege brooddoos komt en stiekem boterhammen van anderen pakt", "voeding"),
    ("ze ruikt naar pipi en draagt al een week dezelfde kleren", "hygiene"),
    ("de rekeningen blijven ongeopend liggen, er komen aanmaningen en nu staat er een deurwaarder aan de deur",
     "schulden"),
    ("il n'arrive plus à payer le loyer et le propriétaire veut les mettre dehors", "huisvesting"),
    ("the mother does not speak Dutch and wants lessons", "taal-inburgering"),
    ("hy heeft al weken kiespyn mr mama heeft gn geld vr de tandarts", "gezondheid"),
    # Round 27: a weekday or a date does not make a need a school matter.
    ("tolk nodig op donderdag", "taal-inburgering"),
    ("tolk somali vr het oudercontact van 12 december", "taal-inburgering"),
])
def test_described_needs_are_recognised(engine, question, theme):
    answer = engine.search(question, 9801)
    assert theme in answer.themes[:2], (answer.themes, answer.probabilities[:3])
    assert answer.found


@pytest.mark.parametrize("question", [
    "", "   ", "?!", "de kopieermachine is kapot", "wat wordt het weer morgen",
    "de wifi in de klassen valt constant uit", "waar kopen we goedkope stoelen voor de klas",
    "de printer in de leraarskamer is weer kapot",
    # A reviewer's case on the border of "nothing fits": p(no need) 0.34 against 0.52 for the
    # school's own needs (a "pedagogische studiedag" is where a team's training takes place). It
    # passed on the machine that fitted round 36 and fails with the same code and data on the
    # library versions of 2026-12-02 (constraints.txt pins them since); kept as a known miss.
    # Since 9ec8661 it passes again by a hair (0.447 against 0.436 on 2026-12-03).
    pytest.param("welke dag is de pedagogische studiedag",
                 marks=pytest.mark.xfail(reason="borderline no-need reading, docs/search.md 'Known weak spots'",
                                         strict=False)),
    "hoeveel kost een nieuwe beamer voor de turnzaal", "wanneer is het oudercontact",
    "kan de turnles van dinsdag naar donderdag verschuiven?", "personeelsvergadering maandag 12/1 om 15u30",
    "infoavond voor de ouders dinsdag 19u",
])
def test_off_topic_or_empty_gets_no_answer(engine, question):
    answer = engine.search(question, 9801)
    assert answer.matches == () and not answer.ambiguous


def test_every_match_has_reasons_and_ordered_scores(engine):
    answer = engine.search("papa krijgt steeds brieven van nen deurwaarder", 9801, explain=True)
    assert answer.themes[0] == "schulden"
    scores = [m.score for m in answer.matches]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert all("schulden" in m.themes for m in answer.matches)
    assert any("deurwaarder" in m.words for m in answer.matches)
    assert answer.nearest is not None and answer.nearest[0]
    assert all(m.explanation for m in answer.matches)


# ── area, status and fit ───────────────────────────────────────────────────
def test_area_filter_never_answers_another_municipality(engine):
    kb = engine.kb
    for question in ["schulden en deurwaarder", "woonbegeleiding huurachterstand", "voedselpakket honger"]:
        for pc in (9801, 9810, 9820):
            for m in engine.search(question, pc, limit=5).matches:
                assert m.service.serves(pc), (question, pc, m.id)
    lindegem_only = [s for s in kb.services.values() if s.postcodes and 9810 not in s.postcodes
                     and s.postcodes <= {9801, 9802}]
    assert lindegem_only
    answer = engine.search("mama vraagt of het OCMW haar geld kan beheren, budgetbeheer", 9810, limit=5)
    assert not {s.id for s in lindegem_only} & set(ids(answer))


def test_flemish_layer_answers_everywhere(engine):
    for pc in (9801, 9810, 9820, 1000, None):
        assert "levenslijn-zelfmoordpreventie" in ids(engine.search("een leerling wil niet meer leven", pc))


def _write_kb(tmp_path: Path) -> Path:
    (tmp_path / "testland.yaml").write_text("""
schema: 1
region:
  id: testland
  name: Regio Testland
  example: true
  municipalities:
    - {name: Aadorp, postcodes: [9901]}
    - {name: Bedorp, postcodes: [9902]}
services:
  - id: woon-aadorp
    organisation: OCMW Aadorp
    name: Woonbegeleiding
    summary: Hulp bij huurachterstand en uithuiszetting.
    themes: [huisvesting]
    keywords: [huurachterstand, uithuiszetting]
    area: [Aadorp]
    phone: "+32 9 999 01 01"
  - id: woon-oud
    organisation: Oude woondienst
    name: Woonhulp (gestopt)
    summary: Hulp bij huurachterstand en uithuiszetting.
    themes: [huisvesting]
    keywords: [huurachterstand, uithuiszetting]
    area: all
    status: inactive
    phone: "+32 9 999 01 02"
  - id: voedsel-dicht
    organisation: Voedselbank Testland
    name: Voedselpakketten
    summary: Gratis voedselpakketten voor gezinnen die niet rondkomen.
    themes: [voeding]
    keywords: [voedselpakket, honger]
    area: all
    status: temporarily-closed
    phone: "+32 9 999 01 03"
""", encoding="utf-8")
    (tmp_path / "vlaanderen.yaml").write_text("""
schema: 1
region:
  id: vlaanderen
  name: Vlaanderen
  example: true
  municipalities: []
services:
  - id: lijn-vlaanderen
    organisation: Testlijn
    name: Luisterlijn
    summary: Anoniem praten als je piekert.
    themes: [psychisch-welzijn]
    keywords: [piekeren, eenzaam]
    area: all
    phone: "+32 9 999 01 04"
""", encoding="utf-8")
    return tmp_path



def test_the_fitted_order_fills_the_first_screen_and_later_pages_keep_the_cut(engine):
    """Once there is an answer, the first screen (3) holds the best-scored services; below 35% of
    the best a service only fills that screen, when it fits the question and scores >= FILL_MIN."""
    import yaml

    from kennisbank.search.engine import SHOWN_FIRST
    from kennisbank.search.params import FILL_MIN, RESULT_RELATIVE
    from paths import DEV_QUESTIONS

    filled = 0
    for item in yaml.safe_load(DEV_QUESTIONS.read_text(encoding="utf-8"))[:80]:
        answer = engine.search(item["q"], item.get("postcode"), limit=12)
        if answer.safety is not None or not answer.matches:
            continue
        near = RESULT_RELATIVE * max(m.score for m in answer.matches)
        # what the question rules out comes after everything else
        flags = [m.ruled_out is not None for m in answer.matches]
        assert flags == sorted(flags)
        kept = [m for m in answer.matches if m.ruled_out is None]
        fillers = [i for i, m in enumerate(kept) if m.score < near]
        for i in fillers:
            m = kept[i]
            assert i < SHOWN_FIRST and m.score >= FILL_MIN and not m.service.is_closed, (item["q"], m.id)
        # fillers come after every fitting service close to the best, in score order
        assert fillers == list(range(len(kept) - len(fillers), len(kept)))
        assert [m.score for m in kept[len(kept) - len(fillers):]] == sorted((kept[i].score for i in fillers),
                                                                             reverse=True)
        filled += bool(fillers)
    assert filled >= 5   # the rule is exercised, not vacuous


def test_a_service_of_a_misread_need_is_still_shown_when_the_ranking_puts_it_first():
    """Round 17: "rouwgroep kinderen" reads as parenting to the needs model, but the words and the
    meaning rank the children's grief group first; a filter on covered needs used to hide it."""
    kb_dir = ROOT / "kennisbank" / "search" / "training-regions" / "kustpolder" / "kb"
    answer = SearchEngine(load_knowledge_base(kb_dir)).search("rouwgroep kinderen", 8436)
    assert "samen-aan-zee-rouwgroep-wolkje" in ids(answer)[:3]


@pytest.mark.parametrize("question, name", [
    ("caw vrijdag open?", "caw"),
    ("ocmw lindegem open wnr?", "ocmw"),      # a place and phone typing next to the name
    ("wanneer is het cgg open", "cgg"),
    ("le CAW est ouvert quand?", "caw"),
    ("is the CAW open on friday", "caw"),
    ("ocmw lindegem waar is dat en tot hoe laat open?", "ocmw"),   # round 47: "hoe laat" was no word of when
    ("le cpas est ouvert jusqu'à quelle heure ?", "ocmw"),
    ("what time does the caw close", "caw"),
    ("hoe laat sluit het caw", "caw"),
])
def test_an_organisation_named_with_only_where_and_when_gets_its_front_door(engine, question, name):
    """Round 45: "ocmw kwarsel open wnr?" got "nothing fits"; only contact words were allowed next to
    a name. Where and when are part of asking for a door too."""
    door = ids(engine.search(name, 9801))
    assert door and ids(engine.search(question, 9801)) == door


class _AlwaysAlarms:
    """A detector that reads every question as a likely danger of one kind (what the fitted one did
    with "wanneer sluit het ocmw vandaag": no roof tonight, 0.57, below SAFETY_SURE), so the test does
    not hang on a refit's probability for one phrase."""

    dense = False

    def __init__(self, kind: str, probability: float = 0.6):
        self.kind, self.probability = kind, probability

    def detect(self, question: str, vector: Any, sentence_vectors: Any = None) -> Any:
        from kennisbank.search.safety import SafetyAlert

        return SafetyAlert(self.kind, self.probability, question, leads=True)


def _alarmed(engine: SearchEngine, kind: str, probability: float = 0.6) -> SearchEngine:
    alarmed = copy.copy(engine)   # a sibling sharing the index and models, as SearchEngine.with_changes makes
    alarmed.safety = _AlwaysAlarms(kind, probability)   # type: ignore[assignment]
    return alarmed


@pytest.mark.parametrize("question, name", [
    ("wanneer sluit het ocmw vandaag", "ocmw"),
    ("ocmw vandaag open?", "ocmw"),
    ("hoe laat sluit het caw", "caw"),
])
def test_a_request_for_a_door_that_alarms_gets_that_door_first_and_keeps_an_urgent_one(engine, question, name):
    """Round 49: "wanneer sluit het ocmw vandaag" alarmed as no roof tonight and the night shelter
    and the refuge led, without the OCMW. Nothing but a name and words of when is a request for
    that door: it comes first; the alert stays, so an urgent door is on the first screen (with the
    112 line, as for a possible danger), but it does not lead."""
    alarmed = _alarmed(engine, "no-roof-tonight")
    door = ids(engine.search(name, 9801))
    story = alarmed.search(f"de mama slaapt met de kinderen in de auto, {question}", 9801)
    # A question that says more than where and when is no door request: the alert leads as before.
    assert story.safety is not None and story.safety.leads and story.matches[0].urgent
    leading = {m.id for m in story.matches if m.urgent}
    for limit in (3, 12):
        answer = alarmed.search(question, 9801, limit)
        assert answer.safety is not None and answer.safety.kind == "no-roof-tonight"
        assert not answer.safety.leads
        assert ids(answer)[0] == door[0]
        urgent = [m for m in answer.matches[:3] if m.urgent]
        assert len(urgent) == 1 and urgent[0].id in leading, ids(answer)   # the kind's best door
        assert len(set(ids(answer))) == len(answer.matches)   # no door twice


@pytest.mark.parametrize("question, kind", [
    ("vk hij zit aan haar", "sexual-abuse"),           # the round-49 reviewer: only stop words and a name
    ("lop hij zit aan haar", "sexual-abuse"),
    ("huis van het kind: hij doet haar iets", "abuse"),
    ("lijn tegen geweld, hij is er nu", "domestic-violence"),
    ("caw il la frappe", "domestic-violence"),
    ("ocmw she hits me", "domestic-violence"),
    ("lijn tegen geweld iemand is er nu", "domestic-violence"),   # the second reviewer: no pronoun
    ("lijn tegen geweld men is er nu", "domestic-violence"),
    ("lijn tegen geweld, zn er nu", "domestic-violence"),
    ("lijn tegen geweld die is hier", "domestic-violence"),
    ("lijn tegen geweld wie komt nu", "domestic-violence"),
])
def test_a_name_with_words_that_ask_for_no_door_is_no_door_request_and_its_doors_lead(engine, question, kind):
    """The door request read only the words that are no stop words, and "hij zit aan haar" is all
    stop words: short disclosures next to a name lost their leading urgent doors (two fresh
    reviewers of round 49). When the detector alerts, every word must be a door word, a place or
    one of the few stop words a door request is made of."""
    answer = _alarmed(engine, kind).search(question, 9801)
    assert answer.safety is not None and answer.safety.leads, ids(answer)
    assert answer.matches[0].urgent


def test_a_sure_danger_leads_even_on_a_door_request(engine):
    """At SAFETY_SURE the doors lead whatever the rest of the question is, as elsewhere."""
    from kennisbank.search.params import SAFETY_SURE

    answer = _alarmed(engine, "no-roof-tonight", SAFETY_SURE).search("wanneer sluit het ocmw vandaag", 9801)
    assert answer.safety is not None and answer.safety.leads and answer.matches[0].urgent
    assert ids(answer)[0] != ids(engine.search("ocmw", 9801))[0]


def test_a_front_door_that_is_an_urgent_door_is_marked_so_and_not_shown_twice(engine):
    """"politiezone nummer" read as partner violence: the police's front door is itself one of the
    kind's urgent doors; it is marked urgent and no second door is added."""
    answer = _alarmed(engine, "domestic-violence").search("politiezone nummer", 9801)
    assert answer.safety is not None and not answer.safety.leads
    assert answer.matches[0].urgent and ids(answer)[0] == ids(engine.search("politiezone", 9801))[0]
    assert [m.urgent for m in answer.matches].count(True) == 1, ids(answer)


@pytest.mark.parametrize("question, name", [
    ("het caw sluiten we uit", "caw"),            # a reviewer (round 47): ruling the CAW out
    ("de caw sluit de dossiers af", "caw"),
    ("het ocmw laat ons vallen", "ocmw"),
])
def test_words_of_when_in_another_sense_are_no_request_for_a_front_door(engine, question, name):
    """"laat", "sluit" and "vanaf" ask when a door is open only next to nothing but the name."""
    door = ids(engine.search(name, 9801))
    assert door and ids(engine.search(question, 9801)) != door


def test_inactive_never_closed_below_open_still_answered(tmp_path):
    kb = load_knowledge_base(_write_kb(tmp_path))
    engine = SearchEngine(kb)
    housing = engine.search("ze worden uit huis gezet", 9901)
    assert ids(housing)[0] == "woon-aadorp"
    assert "woon-oud" not in ids(engine.search("huurachterstand uithuiszetting", None, limit=10))
    food = engine.search("de kinderen hebben honger", 9902)
    assert ids(food)[0] == "voedsel-dicht" and food.matches[0].service.is_closed
    assert "woon-aadorp" not in ids(engine.search("ze worden uit huis gezet", 9902))  # Aadorp-only service
    assert ids(search(kb, "mama piekert de hele nacht", 9902))[0] == "lijn-vlaanderen"


FIT_KB = """
schema: 1
region:
  id: fitland
  name: Regio Fitland
  example: true
  municipalities:
    - {name: Fitdorp, postcodes: [9931]}
services:
  - id: jongeren-onthaal
    organisation: CAW Fitland
    name: Jongerenonthaal (12-25 jaar)
    summary: Jongeren van 12 tot 25 jaar met zorgen over thuis, school of geld kunnen hier praten.
    themes: [psychisch-welzijn]
    audience: [jongeren]
    area: all
    phone: "+32 9 999 02 01"
  - id: kinder-praatpunt
    organisation: Kinderpraatpunt Fitland
    name: Praatpunt voor kinderen
    summary: Kinderen van 6 tot 12 jaar met zorgen of verdriet kunnen hier wekelijks praten met een begeleider.
    themes: [psychisch-welzijn]
    audience: [kinderen]
    area: all
    phone: "+32 9 999 02 02"
  - id: ocmw-voedsel
    organisation: OCMW Fitdorp
    name: Voedselhulp
    summary: Voedselpakketten en maaltijdcheques voor gezinnen die niet rondkomen.
    themes: [voeding]
    area: all
    phone: "+32 9 999 02 03"
  - id: kruidenier
    organisation: Sociale kruidenier Fitland
    name: Sociale kruidenier
    summary: Goedkope boodschappen en voedselpakketten voor gezinnen met een laag inkomen.
    themes: [voeding]
    area: all
    phone: "+32 9 999 02 04"
"""


@pytest.fixture(scope="module")
def fit_engine(tmp_path_factory) -> SearchEngine:
    folder = tmp_path_factory.mktemp("fitkb")
    (folder / "fitland.yaml").write_text(FIT_KB, encoding="utf-8")
    return SearchEngine(load_knowledge_base(folder))


def test_the_childs_age_keeps_services_for_other_ages_below(fit_engine):
    answer = fit_engine.search("een jongen van 8 jaar is heel verdrietig sinds de scheiding en praat met niemand", 9931)
    assert ids(answer)[0] == "kinder-praatpunt"
    teen = fit_engine.search("een meisje van 15 jaar is heel verdrietig sinds de scheiding en praat met niemand", 9931)
    assert ids(teen)[0] == "jongeren-onthaal"


def test_an_organisation_the_family_will_not_go_to_comes_last(fit_engine):
    plain = fit_engine.search("het gezin heeft geen eten meer in huis", 9931)
    assert set(ids(plain)[:2]) == {"ocmw-voedsel", "kruidenier"}
    avoid = fit_engine.search("het gezin heeft geen eten meer, maar het OCMW heeft hen al geweigerd", 9931)
    assert ids(avoid)[0] == "kruidenier"
    assert {m.id: m.ruled_out for m in avoid.matches} == {"kruidenier": None, "ocmw-voedsel": "organisation"}
    # the bot leaves this organisation out of the front doors it offers when nothing fits
    assert avoid.avoided == ("OCMW Fitdorp",) and plain.avoided == ()


def test_an_age_limit_the_question_quotes_is_not_the_childs_age(fit_engine):
    """Round 30: "het praatpunt is pas vanaf zes jaar" for a toddler of four was read as a child of
    4 to 6, so the group she cannot join came first; numbers written as words were not read at all."""
    for question in ("een kleuter van vier is heel verdrietig sinds de scheiding; het praatpunt is pas vanaf zes jaar",
                     "mijn dochter van 4 is heel verdrietig sinds de scheiding, maar het praatpunt is vanaf 6 jaar"):
        answer = fit_engine.search(question, 9931)
        # ruled out: after anything that fits, and no reason to answer on its own (round 18)
        assert [m.ruled_out for m in answer.matches if m.id == "kinder-praatpunt"] in ([], ["age"]), question
        assert answer.themes[:1] == ("psychisch-welzijn",)
    eight = fit_engine.search("een jongen van acht is heel verdrietig sinds de scheiding en praat met niemand", 9931)
    assert ids(eight)[0] == "kinder-praatpunt" and eight.matches[0].ruled_out is None


def test_an_organisation_with_a_waiting_list_the_question_names_comes_last(fit_engine):
    """Round 30: "daar is vijf maanden wachttijd", "neemt niemand meer aan": the school asks what can
    be done meanwhile, so that organisation is no answer."""
    for question in ("het gezin heeft geen eten meer; we vroegen het bij het OCMW, maar daar is drie weken wachttijd",
                     "het gezin heeft geen eten meer en het OCMW neemt niemand meer aan",
                     "geen eten meer in huis, het OCMW zegt twee weken wachten"):
        answer = fit_engine.search(question, 9931)
        assert ids(answer)[0] == "kruidenier", question
        assert {m.id: m.ruled_out for m in answer.matches}.get("ocmw-voedsel") == "organisation", question


def test_when_the_question_rules_out_every_service_that_would_answer_nothing_fits(fit_engine):
    """Round 18: a service for other ages, or of an organisation the family tried or refuses, comes
    after everything that fits and is no reason to answer on its own."""
    teen = fit_engine.search("een meisje van 15 jaar is heel verdrietig sinds de scheiding en praat met niemand", 9931)
    assert ids(teen) == ["jongeren-onthaal", "kinder-praatpunt"]   # the one for 6-12 year olds last
    assert [m.ruled_out for m in teen.matches] == [None, "age"]
    toddler = fit_engine.search("een jongen van 4 jaar is heel verdrietig sinds de scheiding en praat met niemand",
                                9931)
    assert toddler.matches == () and not toddler.ambiguous
    assert toddler.themes[:1] == ("psychisch-welzijn",)   # the need is recognised; the region has nothing for him
    plain = fit_engine.search("een jongen van 8 jaar is heel verdrietig sinds de scheiding en praat met niemand", 9931)
    assert ids(plain)[0] == "kinder-praatpunt"


def test_what_the_question_rules_out_neither_sets_the_cut_nor_takes_a_fitting_place():
    """Review of round 18, on a training region: the avoided OCMW scored 0.93 and its cut hid the
    debt helpline; "2,5 tot 12 jaar" was read as 5-12, so a 4-year-old got "nothing fits"."""
    from kennisbank.search import constraints

    folder = ROOT / "kennisbank" / "search" / "training-regions" / "brusselrand-noord" / "kb"
    kb = load_knowledge_base(folder)
    engine = SearchEngine(kb)
    answer = engine.search("Gezin heeft voor de openstaande schoolrekening al bij het OCMW van Kapelloo aangeklopt "
                           "maar kreeg nee. Met de lening van het huis houden ze niets over.", 1877)
    first = ids(answer)[:3]
    assert "schuldeninfolijn-vlaanderen" in first and "ocmw-kapelloo-sociaal-huis" not in first
    kangoeroe = kb.services["sociaal-huis-nederheem-ibo-kangoeroe"]
    assert constraints.service_ages(kangoeroe) == (2, 12)
    four = engine.search("naschoolse opvang gezocht voor een meisje van 4 jaar", 1863)
    assert ids(four)[:1] == ["sociaal-huis-nederheem-ibo-kangoeroe"] and four.matches[0].ruled_out is None
    # the playground (3-12) is the only strong match for a 2-year-old, and nothing else may fill
    two = engine.search("Ik zoek opvang deze zomer voor een kindje van 2 jaar uit Kapelloo. Het speelplein neemt "
                        "toch pas vanaf 3?", 1877)
    assert two.matches == () and two.safety is None


DOOR_KB = """
schema: 1
region:
  id: deurland
  name: Regio Deurland
  example: true
  municipalities:
    - {name: Deurdorp, postcodes: [9941]}
services:
  - id: jongerenlijn
    organisation: Jongerenlijn Deurland
    name: Crisislijn voor jongeren (12-18 jaar)
    summary: Jongeren van 12 tot 18 jaar die aan zelfdoding denken kunnen dag en nacht bellen.
    themes: [crisis, psychisch-welzijn]
    urgent: true
    area: all
    phone: "+32 9 999 03 01"
  - id: kinder-crisis
    organisation: CKG Deurland
    name: Crisisopvang voor kinderen
    summary: Dringende opvang en hulp voor kinderen in nood, dag en nacht.
    themes: [crisis, opvoeding]
    urgent: true
    area: all
    phone: "+32 9 999 03 02"
"""


def test_a_danger_is_answered_even_when_its_doors_are_for_other_ages(tmp_path):
    """Life safety first: an urgent door for other ages is still a door (never "nothing fits"); it
    comes after a fitting one and says why it may not fit."""
    (tmp_path / "deurland.yaml").write_text(DOOR_KB, encoding="utf-8")
    engine = SearchEngine(load_knowledge_base(tmp_path))
    answer = engine.search("een jongen van 7 jaar zegt dat hij dood wil, hij wil niet meer leven", 9941)
    assert answer.safety is not None and answer.safety.leads
    assert [(m.id, m.urgent, m.ruled_out) for m in answer.matches[:2]] == [
        ("kinder-crisis", True, None), ("jongerenlijn", True, "age")]


def names(known: dict[str, str]):
    """A stand-in for Organisations.find: the organisations whose name word a text holds."""
    return lambda text: frozenset(org for word, org in known.items() if word in re.findall(r"\w+", text))


def test_constraints_read_ages_and_avoidance_from_words():
    from kennisbank.search import constraints

    assert constraints.ages("mijn zoon van 7 jaar") == (7, 7)
    assert (constraints.ages("een peuter en een kleuter") or (99,))[0] <= 3
    assert constraints.ages("de mama is moe") is None
    # A duration or a parent's age is not the child's age (round 18: a service for other ages is no
    # reason to answer, so a wrong age hides the right service); decimals are not read as their tail.
    for duration in ("ze wonen hier al 3 jaar en zoeken een grotere woning", "2 jaar geleden verhuisd",
                     "gemiddelde wachttijd 4 à 6 jaar", "il y a 2 ans", "een jonge mama van 22 jaar zoekt opvang",
                     "ze staan 2 jaar op de wachtlijst voor een sociale woning", "papa zit 3 jaar in de cel",
                     "they have been 2 years in Belgium"):
        assert constraints.ages(duration) is None, duration
    for said, age in (("help for a 4-year-old", 4), ("help for my 8 year old son", 8), ("mon fils a 8 ans", 8),
                      ("een meisje van ongeveer 10 jaar", 10), ("ons kindje van 2,5 jaar", 2),
                      ("de zoon van een mama van 22, hij is 4 jaar", 4), ("mijn dochter van 8 heeft nachtmerries", 8),
                      ("she's 7 and cries a lot", 7), ("een zoontje van 8 maanden", 0),
                      ("hij is 7 jaar hier op school", 7)):
        assert constraints.ages(said) == (age, age), said
    # the school year: the n-th leerjaar is n+5 to n+6 years old
    assert constraints.ages("een meisje uit het derde leerjaar") == constraints.ages("il est en 3e primaire") == (8, 9)
    assert constraints.ages("ze is 3 dagen afwezig") is None and constraints.ages("mama van 3 kinderen") is None
    # Round 30: numbers as words; an age with a bound before it is a limit, not the child's age; a
    # number inside a word's range says the age ("een kleuter van vier" is 4, not 2 to 6).
    for said, age in (("een kleuter van vier is zijn mama verloren", 4), ("un enfant de huit ans", 8),
                      ("she's seven and cries", 7), ("hij is tien jaar", 10),
                      ("haar dochter van 5 is bang; de groep is pas vanaf 8 jaar", 5),
                      ("een meisje van 13, maar die club is tot 12 jaar", 13)):
        assert constraints.ages(said) == (age, age), said
    for no_age in ("een kind van twee ouders", "kinderen onder 3 jaar", "à partir de 6 ans", "ouder dan 12 jaar",
                   "papa werkte drie jaar via een interimkantoor", "in vier jaar al drie keer verhuisd",
                   "het contract loopt nog twee jaar"):
        assert constraints.ages(no_age) is None, no_age
    assert constraints.ages("een tiener en zijn zusje van 7") == (7, 18)   # two children: both kept
    for said, age in (("mijn leerling is 7 en heeft geen vaccins", 7), ("onze kleuter is 5.", 5),
                      ("kind v 7 zoekt opvang", 7), ("zoon (7) zoekt opvang", 7), ("my daughter, aged 7, cries", 7)):
        assert constraints.ages(said) == (age, age), said
    assert constraints.ages("mama heeft twee kindjes van 1 en 5 jaar") == (1, 5)
    assert constraints.ages("het gezin woont hier 2 jaar") is None
    assert constraints.ages("ze leven 2 jaar van een uitkering") is None
    assert constraints.avoided("aangevraagd bij De Lantaarn, maar daar is vijf maanden wachttijd",
                               names({"lantaarn": "L"})) == {"L"}
    assert constraints.avoided("De Leerboom neemt niemand meer aan", names({"leerboom": "B"})) == {"B"}
    for full in ("cgg zegt 6 mnd wachte, kind heeft veel angsten", "het CGG heeft pas plaats in mei",
                 "het CGG kan pas een eerste gesprek geven in juni"):
        assert constraints.avoided(full, names({"cgg": "G"})) == {"G"}, full
    assert constraints.avoided("we gaan naar het CAW, maar het OCMW helpt niet",
                               names({"caw": "C", "ocmw": "O"})) == {"O"}
    # only the organisation the ruling-out clause names: the CLB is what the school asks for
    assert constraints.avoided("het CGG heeft een wachtlijst van zes maanden; kan het CLB intussen iets doen?",
                               names({"cgg": "G", "clb": "L"})) == {"G"}
    assert constraints.avoided("ze willen niet meer naar het CAW, ze zijn bang", names({"caw": "CAW X"}))
    assert not constraints.avoided("het gezin is al bij het OCMW voor een leefloon, nu ook schulden",
                                   names({"ocmw": "OCMW Y"}))
    assert constraints.avoided("ze zijn al bij het OCMW geweest maar kregen niets", names({"ocmw": "OCMW Y"}))
    kust = load_knowledge_base(ROOT / "kennisbank" / "search" / "training-regions" / "kustpolder" / "kb")
    housing = kust.services["woonmaatschappij-kust-sociale-huur"]   # "gemiddelde wachttijd 4 à 6 jaar"
    assert "wachttijd 4" in housing.summary and constraints.service_ages(housing) is None
    assert constraints.avoided("ze willen niet meer naar het CAW", names({"caw": "CAW X"})) == {"CAW X"}
    assert constraints.avoided("het CAW helpt hen goed", names({"caw": "CAW X"})) == frozenset()
    # Round 31, a fresh reviewer's findings: a comma before the school's question ends the clause
    # that rules out; a list of organisations tried stays one clause.
    assert constraints.avoided("het CGG heeft een wachtlijst, kan het CLB intussen iets doen?",
                               names({"cgg": "G", "clb": "L"})) == {"G"}
    assert constraints.avoided("ze zijn al bij het CAW, het OCMW geweest",
                               names({"caw": "C", "ocmw": "O"})) == {"C", "O"}
    # Round 31's reviewer: the last comma before a question mark, whatever the question's first word
    for asked in ("het CGG heeft een wachtlijst, heeft het CLB iets?",
                  "het CGG heeft een wachtlijst, dus wat kan het CLB doen?",
                  "The CGG has a waiting list, does the CLB offer anything?",
                  "le CGG a une liste d'attente, le CLB peut-il aider?",
                  "Kan het CLB helpen, want het CGG heeft een wachtlijst?"):
        assert constraints.avoided(asked, names({"cgg": "G", "clb": "L"})) == {"G"}, asked
    assert constraints.avoided("ze zijn al bij het CAW, het OCMW geweest, wat nu?",
                               names({"caw": "C", "ocmw": "O"})) == {"C", "O"}


def test_how_long_a_family_lives_somewhere_and_an_older_siblings_age_are_not_the_childs_age():
    """A fresh reviewer (round 30): "ze zijn pas 2 jaar in Lindegem" was read as a toddler and "zijn
    grote zus van 15" as a teenager, and either ruled out the services for the pupil."""
    from kennisbank.search import constraints

    for no_age in ("ze zijn pas 2 jaar in Lindegem en hebben schulden", "zijn grote zus van 15 haalt hem af",
                   "zijn grote zus van 15 jaar zorgt voor hem", "grote zus (15) kookt",
                   "sa grande soeur de 15 ans s'occupe de lui", "his older brother is 16",
                   # round 31's reviewer: any brother or sister of the pupil, and a stay abroad
                   "Zijn zus van 15 probeert het", "zijn zus is 15", "haar broer van 16 haalt haar",
                   "Ze hebben 4 jaar in het buitenland gewoond"):
        assert constraints.ages(no_age) is None, no_age
    for said, age in (("kind van 8 jaar in het derde leerjaar", (8, 9)), ("meisje van 4 jaar in K2", (4, 4)),
                      ("kindje van 3 jaar in onze kleuterklas", (3, 3)), ("zoon van 8, zijn grote broer is 14", (8, 8)),
                      ("zus van 15 wil naar de jeugdbeweging", (15, 15))):
        assert constraints.ages(said) == age, said


# ── dense side: fallback and cache ─────────────────────────────────────────
def test_without_the_encoder_search_still_answers_from_words(monkeypatch, tmp_path):
    from kennisbank.search import dense

    monkeypatch.setenv(dense.ENCODER_ENV, "kennisbank_no_such_module:encoder")
    assert dense.load_encoder() is None
    assert "ModuleNotFoundError" in (dense.encoder_problem() or "")
    engine = SearchEngine(load_knowledge_base(BENCH_KB))
    assert engine.encoder is None and "enkel met woorden" in engine.describe()
    answer = engine.search("papa krijgt steeds brieven van een deurwaarder", 9801)
    assert answer.found and "schulden" in answer.matches[0].service.themes
    assert engine.search("de kopieermachine is kapot", 9801).matches == ()
    run = subprocess.run([sys.executable, "-m", "bot.cli", "check", "--kb", str(BENCH_KB)], capture_output=True,
                         text=True, cwd=ROOT, timeout=120, env={**__import__("os").environ})
    assert run.returncode == 0 and "enkel met woorden" in run.stdout


def test_the_bundled_encoder_leaves_numpy_one_blas_thread():
    """Two thread pools on the same cores: OpenBLAS's spinning threads made an all-Flanders
    search wait 5x longer for its query embedding (kennisbank/search/dense.py, E5Small). A fresh
    process, so that the limit is the encoder's doing and not another test's."""
    import json
    import os

    script = ("import json; from threadpoolctl import threadpool_info; import numpy; "
              "from kennisbank.search.dense import E5Small; E5Small(); "
              "print(json.dumps([p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']))")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [1]


class CountingEncoder:
    name = "test-counting"
    dim = 4

    def __init__(self):
        self.seen: list[str] = []

    def _vec(self, texts):
        import numpy as np

        self.seen.extend(texts)
        out = np.array([[len(t), t.count("a"), t.count("e"), 1.0] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    queries = passages = _vec


def test_embedding_cache_embeds_a_text_once_and_an_edited_text_again(tmp_path):
    from kennisbank.search.dense import EmbeddingCache

    encoder = CountingEncoder()
    store = EmbeddingCache(encoder, tmp_path)
    first = store.vectors(["woonbegeleiding", "schuldhulp"])
    assert encoder.seen == ["woonbegeleiding", "schuldhulp"]
    store.vectors(["schuldhulp", "woonbegeleiding"])
    assert len(encoder.seen) == 2  # nothing new
    store.flush()
    reopened = EmbeddingCache(encoder, tmp_path)
    again = reopened.vectors(["woonbegeleiding", "schuldhulp en budgetbeheer"])
    assert encoder.seen[2:] == ["schuldhulp en budgetbeheer"]  # only the edited text
    assert abs(float(again[0] @ first[0]) - 1.0) < 1e-3
    reopened.vectors(["woonbegeleiding"], query=True)
    assert encoder.seen[-1] == "woonbegeleiding"  # a question is another vector than a passage


def test_a_text_whose_key_ends_in_a_zero_byte_is_not_embedded_again(tmp_path):
    """numpy's fixed-width bytes drop trailing NULs; one text in 256 has such a key. Before this was
    mended, ~90 of 20,000 services were embedded again at every start."""
    from kennisbank.search.dense import EmbeddingCache, text_key

    texts = [f"dienst {i}" for i in range(3000)]
    ending_in_zero = [t for t in texts if text_key("passage: " + t).endswith(b"\0")][:3]
    assert ending_in_zero
    encoder = CountingEncoder()
    store = EmbeddingCache(encoder, tmp_path)
    store.vectors(ending_in_zero)
    store.flush()
    reopened = EmbeddingCache(encoder, tmp_path)
    reopened.vectors(ending_in_zero)
    assert encoder.seen == ending_in_zero   # embedded once, read back from the file the second time


def test_engine_reembeds_only_the_edited_service(tmp_path, monkeypatch):
    from kennisbank.search import dense
    from kennisbank.search.needs import NeedsModel
    from kennisbank.search.safety import SafetyDetector

    # The classifiers are not what this test is about: their lexical variants, fitted once per process.
    needs_load, safety_load = NeedsModel.load, SafetyDetector.load
    monkeypatch.setattr(NeedsModel, "load", classmethod(lambda cls, enc: needs_load(None)))
    monkeypatch.setattr(SafetyDetector, "load",
                        classmethod(lambda cls, enc, t, lead, words=None: safety_load(None, t, lead)))

    monkeypatch.setenv("WELZIJNSBOT_CACHE_DIR", str(tmp_path / "cache"))
    encoder = CountingEncoder()
    (tmp_path / "kb1").mkdir()
    kb = load_knowledge_base(_write_kb(tmp_path / "kb1"))
    dense._caches.clear()
    SearchEngine(kb, encoder=encoder)
    before = len([t for t in encoder.seen if "Woonbegeleiding" in t or "Woonhulp" in t or "Voedsel" in t])
    assert before >= 2
    path = tmp_path / "kb1" / "testland.yaml"
    text = path.read_text(encoding="utf-8").replace("Gratis voedselpakketten", "Gratis verse voedselpakketten")
    path.write_text(text, encoding="utf-8")
    dense._caches.clear()  # a new process: only the disk cache remains
    encoder.seen.clear()
    SearchEngine(load_knowledge_base(tmp_path / "kb1"), encoder=encoder)
    passages = [t for t in encoder.seen if "Voedselpakketten" in t or "Woonbegeleiding" in t or "Luisterlijn" in t]
    assert len(passages) == 1 and "verse" in passages[0]


def test_by_theme_and_entry_points_respect_area(engine):
    answer = engine.by_theme("huisvesting", 9810, limit=10)
    assert answer.found and all(m.service.serves(9810) for m in answer.matches)
    assert all("huisvesting" in m.service.themes for m in answer.matches)
    doors = engine.entry_points(9820)
    assert doors and all(s.serves(9820) and "onthaal" in s.name.lower() for s in doors)


# ── CLI batch contract and explanation ─────────────────────────────────────
def test_cli_batch_one_json_line_per_question_in_order(tmp_path):
    (tmp_path / "kb").mkdir()
    kb = _write_kb(tmp_path / "kb")
    lines: list[dict[str, Any]] = [
        {"q": "ze worden uit huis gezet", "postcode": 9901},
        {"q": "de kopieermachine is kapot", "postcode": 9901},
        {"q": "mama piekert de hele nacht", "postcode": None},
        {"q": "ze worden uit huis gezet", "postcode": 9902},
    ]
    stdin = "".join(json.dumps(item) + "\n" for item in lines) + "dit is geen json\n"
    run = subprocess.run([sys.executable, "-m", "bot.cli", "zoek", "--kb", str(kb), "--json", "--batch"],
                         input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(out) == len(lines) + 1
    assert [o["q"] for o in out[:4]] == [item["q"] for item in lines]
    assert out[0]["results"][0]["id"] == "woon-aadorp"
    assert out[1]["results"] == []
    assert out[2]["results"][0]["id"] == "lijn-vlaanderen"
    assert "woon-aadorp" not in [r["id"] for r in out[3]["results"]]
    assert out[0]["themes"][0] == "huisvesting"
    assert out[0]["safety"] is None or not out[0]["safety"]["leads"]  # an eviction is not a likely danger
    assert all({"id", "score"} <= set(r) for o in out[:4] for r in o["results"])
    assert all(r["ruled_out"] in (None, "age", "organisation") for o in out[:4] for r in o["results"])
    assert out[4]["results"] == [] and "regel 5" in run.stderr


def test_cli_search_progress_goes_to_stderr_once(capsys):
    """`zoek` and `chat` show the first start's progress (embedding, fitting the models: one to two
    minutes since round 47) on stderr, once however often they ask, and leave stdout to the answers."""
    import logging

    from bot.commands.common import show_search_progress

    search_log = logging.getLogger("kennisbank.search")
    before, level = list(search_log.handlers), search_log.level
    try:
        show_search_progress()
        show_search_progress()
        logging.getLogger("kennisbank.search.classifier").info("needs-model (woorden) getraind in %.0f s", 41.2)
        seen = capsys.readouterr()
        assert seen.err.count("needs-model (woorden) getraind in 41 s") == 1
        assert seen.out == ""
    finally:
        search_log.handlers[:] = before
        search_log.setLevel(level)


def test_cli_explain_shows_needs_nearest_situation_and_feature_shares():
    run = subprocess.run([sys.executable, "-m", "bot.cli", "zoek", "--kb", str(BENCH_KB), "--postcode", "9801",
                          "--uitleg", "papa krijgt brieven van een deurwaarder"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Noden (kans): Schulden" in run.stdout
    assert "Dichtstbijzijnde trainingssituatie" in run.stdout
    assert "Score: need_max" in run.stdout or "Score: " in run.stdout


@pytest.mark.parametrize("question, hidden", [
    ("we vrezen een uithuiszetting", "we vrezen een uithuis\u00adzetting"),
    ("we vrezen een uithuiszetting", "we vrezen een uithuis\u200bzetting"),
    ("papa krijgt brieven van een deurwaarder", "papa krijgt brieven van een deur\u200bwaarder"),
    ("papa krijgt brieven van een deurwaarder", "papa krijgt brieven van een deur\u00adwaarder\u2060"),
    ("mama zoekt een schuldbemiddelaar", "mama\u00a0zoekt een schuld\u200cbemiddelaar"),
])
def test_invisible_characters_inside_a_word_give_the_same_answer(engine, question, hidden):
    plain, seen = engine.search(question, 9801), engine.search(hidden, 9801)
    assert plain.found and ids(seen) == ids(plain)
    assert seen.themes[:2] == plain.themes[:2]


def _small_classifier(texts: list[str], labels: list[str], c: float = 1.0, vectors: np.ndarray | None = None
                      ) -> tuple[Any, Any]:
    """(our TextClassifier, the scikit-learn reference) fitted on these texts. The reference maps
    (questions, their vectors or None) to LogisticRegression.predict_proba on the same features."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    from kennisbank.search.classifier import TextClassifier
    from kennisbank.search.params import DENSE_FEATURE_WEIGHT

    chars, stems = TextClassifier.vectorisers()

    def features(blocks: list[Any], dense: np.ndarray | None) -> Any:
        if dense is not None:
            blocks.append(sparse.csr_matrix(dense * DENSE_FEATURE_WEIGHT))
        return sparse.hstack(blocks, format="csr")

    model = LogisticRegression(C=c, max_iter=3000).fit(
        features([chars.fit_transform(texts), stems.fit_transform(texts)], vectors), labels)

    def reference(questions: list[str], q_vectors: np.ndarray | None = None) -> np.ndarray:
        return model.predict_proba(features([chars.transform(questions), stems.transform(questions)], q_vectors))

    return TextClassifier.from_sklearn(model, chars, stems, vectors, texts, labels), reference


def test_one_question_scoring_equals_scikit_learns_probabilities():
    """The classifier answers without scikit-learn (classifier.TextClassifier.probabilities); its
    numbers are those of the fitted LogisticRegression on the TfidfVectorizer features."""
    from kennisbank.search.classifier import TextClassifier, char_wb_ngrams, normalise
    from kennisbank.search.corpus import needs_corpus
    from kennisbank.search.params import CHAR_NGRAMS, NEEDS_C

    corpus = needs_corpus()
    ours, sklearn_probabilities = _small_classifier(list(corpus.texts[::7]), list(corpus.labels[::7]), NEEDS_C)
    questions = ["den huisbaas wil ons buiten, vonnis van de vrederechter", "kind wil dood",
                 "Mon fils a faim le matin", "x", "De juf is ziek vandaag!", "  twee   spaties\tén tab  "]
    chars, _ = TextClassifier.vectorisers()
    for q in questions:
        assert char_wb_ngrams(normalise(q), *CHAR_NGRAMS) == chars.build_analyzer()(q)
    reference = sklearn_probabilities(questions)
    assert abs(ours.probabilities(questions, None) - reference).max() < 1e-5   # float32 coefficients
    for q, row in zip(questions, reference, strict=True):   # one at a time (the safety detector's sentences)
        assert abs(ours.probabilities([q], None)[0] - row).max() < 1e-5


def test_a_classifier_of_two_labels_gives_scikit_learns_probabilities():
    """scikit-learn keeps one row of coefficients for two labels (round 43 found ours then gave 1.0
    to every text); the second stage of the safety detector can meet a corpus of two labels."""
    texts = [f"papa slaat kind {i} met de riem" for i in range(12)] + [f"les {i} over de broekriem" for i in range(12)]
    labels = ["abuse"] * 12 + ["harmless"] * 12
    ours, sklearn_probabilities = _small_classifier(texts, labels, 8.0)
    questions = ["papa slaat met de riem", "les over de riem", "x"]
    reference = sklearn_probabilities(questions)
    assert ours.labels == ("abuse", "harmless") and reference.shape == (3, 2)
    assert abs(ours.probabilities(questions, None) - reference).max() < 1e-5
    assert abs(ours.probabilities(questions[:1], None)[0] - reference[0]).max() < 1e-5


def test_dense_classifier_scoring_equals_scikit_learns_probabilities():
    """With the dense block (the question's embedding) the numbers are still those of scikit-learn,
    also for a model whose n-grams were registered after another model's (shared feature ids)."""
    from kennisbank.search.corpus import safety_corpus
    from kennisbank.search.params import SAFETY_C

    corpus = safety_corpus()
    texts, labels = list(corpus.texts[3::11]), list(corpus.labels[3::11])
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(len(texts), 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ours, sklearn_probabilities = _small_classifier(texts, labels, SAFETY_C, vectors)
    questions = ["mijn papa slaat mama", "Il dit qu'il veut mourir", "de klassenhamster is dood", "ok"]
    q_vectors = rng.normal(size=(len(questions), 16)).astype(np.float32)
    reference = sklearn_probabilities(questions, q_vectors)
    assert abs(ours.probabilities(questions, q_vectors) - reference).max() < 1e-5


def test_a_model_answers_the_same_after_another_model_registered_new_features():
    """The shared feature ids grow when a model with new n-grams or stems is loaded; a model that
    answered before keeps answering as scikit-learn does (its column table grows with "none")."""
    # Three labels: the models are multinomial (a binary LogisticRegression has one coefficient row).
    first, sklearn_probabilities = _small_classifier(
        ["de huur is te hoog", "mama zoekt werk", "huisbaas zegt op", "geen job meer", "hij heeft honger"],
        ["huisvesting", "werk", "huisvesting", "werk", "voeding"])
    asked_before = ["de huisbaas wil ons eruit", "mama zoekt werk"]
    first.probabilities(asked_before, None)
    # Words no earlier model knew: new shared ids. The questions asked afterwards are new too, so
    # they are read through the grown table, not answered from the cache of the last texts.
    _small_classifier(["xylofoonquizzqwerty", "zzyzx kwadraat", "qwertyuiop"], ["a", "b", "c"])[0].probabilities(
        ["zzyzx"], None)
    asked_after = ["xylofoonquizzqwerty huur", "zzyzx", "honger en geen werk"]
    after = first.probabilities(asked_after, None)
    reference = sklearn_probabilities(asked_after)
    assert abs(after - reference).max() < 1e-5
    for question, row in zip(asked_after, reference, strict=True):   # one at a time too
        assert abs(first.probabilities([question], None)[0] - row).max() < 1e-5


def test_probabilities_of_no_texts_is_an_empty_array_not_an_error():
    """Found by a fresh review of the shared feature ids: probabilities([]) keeps its documented
    (0, labels) shape instead of failing in np.concatenate."""
    texts = ["papa heeft schulden", "de huur is te hoog", "mama slaat het kind", "geen eten in de brooddoos"]
    labels = ["schulden", "huisvesting", "geweld", "voeding"]
    out = _small_classifier(texts, labels)[0].probabilities([], None)
    assert isinstance(out, np.ndarray) and out.shape == (0, len(labels))


def test_content_stems_are_the_keys_analyse_gives_without_a_vocabulary():
    """The classifiers read content_stems (no Term objects built); it must stay what analyse gives."""
    from kennisbank.search.analysis import content_stems
    from kennisbank.search.corpus import needs_corpus, safety_corpus

    synonyms = Synonyms.load()
    texts = [*needs_corpus().texts[::9], *safety_corpus().texts[::9],
             "", "   ", "🙂", "de de de", "MAMA WIL DOOD", "huur nie btalen, uit huis gezet", "papa frappe maman"]
    for text in texts:
        assert content_stems(text, synonyms) == tuple(t.key for t in analyse(text, None, synonyms) if not t.stop)


def test_a_dropped_classifier_takes_its_feature_space_with_it():
    """Feature spaces are shared while in use (the two safety detectors) and forgotten once their
    models are gone: training fits and drops dozens of cross-validation models."""
    import gc
    import weakref

    from kennisbank.search.classifier import FeatureSpace

    texts = ["zijn kamer is vol schimmel", "de huur is te hoog", "mama zoekt werk", "geen job meer"]
    labels = ["huisvesting", "huisvesting", "werk", "werk"]
    one, same = _small_classifier(texts, labels)[0], _small_classifier(texts, labels)[0]
    one.probabilities(["schimmel in huis"], None)
    same.probabilities(["schimmel in huis"], None)
    assert one._answering()[0] is same._answering()[0]          # one space for identical models
    space = weakref.ref(one._answering()[0])
    del one, same
    gc.collect()
    assert space() is None                                       # nothing keeps it alive
    FeatureSpace.of({"x": 0}, {"y": 1}, np.ones(1), np.ones(1))  # looking up forgets dead spaces
    assert all(ref() is not None for ref in FeatureSpace._loaded[:-1])


def test_region_cross_validation_never_sees_the_held_out_region():
    """training.region_cv fits the ranking without the region it judges: when two regions reward
    opposite features, each held-out region is ranked by what the other one taught, and the
    estimate falls far below the in-sample figure (which a leak would reproduce)."""
    from kennisbank.search.training import fit_ranking, hit_at, region_cv

    rng = np.random.default_rng(12)
    xs, ys, groups, kb_of = [], [], [], []
    # Groups 1-80 are labelled questions; 81-400 corpus situations. Each region teaches its own
    # feature in both: if the held-out region's corpus situations leaked into the fit, or were
    # judged as its questions, hit@1 would rise.
    for group in range(1, 401):
        kb = group % 2
        x = rng.uniform(size=(10, 2))
        y = np.zeros(10, dtype=np.int8)
        y[0] = 1
        x[0, kb] = 3.0          # region 0 rewards feature 0, region 1 feature 1
        x[0, 1 - kb] = 0.0      # and the acceptable service is the weakest on the other one
        xs.append(x)
        ys.append(y)
        groups.append(np.full(10, group))
        kb_of.append(np.full(10, kb))
    x, y, g, kbs = np.vstack(xs), np.concatenate(ys), np.concatenate(groups), np.concatenate(kb_of)
    labelled = set(range(1, 81))
    w, b = fit_ranking(x, y, g, labelled)
    region0 = kbs == 0
    assert hit_at(x[region0], y[region0], g[region0], w, b, 1) == 1.0        # in sample: perfect
    cv = region_cv(x, y, g, labelled, kbs)
    assert cv["questions"] == 80 and set(cv["per_kb"]) == {"0", "1"}
    assert cv["hit@1"] < 0.2      # taught by the other region only: the acceptable one ranks low


def test_encodings_hold_only_the_ids_of_the_table_they_were_asked_for():
    """A model loading on another thread (the engine is rebuilt off the event loop) may register
    ids between building a column table and encoding a question: those ids are left out of an
    encoding for the smaller table instead of indexing past its end."""
    from kennisbank.search.classifier import CHAR_IDS, STEM_IDS, _encoded_grams, _encoded_stems, _stems

    word = "qqxyzzyplonkwoord"
    chars_before, stems_before = CHAR_IDS.size, STEM_IDS.size
    CHAR_IDS.columns({" qqx": 0, "qxyz": 1})            # registered "meanwhile"
    STEM_IDS.columns({_stems(word)[0]: 0})
    for ids, size in ((_encoded_grams(word, chars_before)[0], chars_before),
                      (_encoded_stems(word, stems_before)[0], stems_before)):
        assert (ids < size).all()
    assert len(_encoded_grams(word, CHAR_IDS.size)[0]) >= 2           # with the new table they count
    assert len(_encoded_stems(word, STEM_IDS.size)[0]) == 1


def test_class_weights_shape_the_fit_and_key_the_cached_model(tmp_path, monkeypatch):
    """The safety detectors weigh each danger kind SAFETY_KIND_WEIGHT against "harmless": a
    weighted fit gives a rare label more probability than an unweighted one on the same corpus,
    and a model fitted with other weights is never taken from the cache for this one."""
    from kennisbank.search.classifier import _MEMO, fitted
    from kennisbank.search.corpus import HARMLESS, SAFETY_KINDS, Corpus
    from kennisbank.search.params import SAFETY_KIND_WEIGHT
    from kennisbank.search.safety import class_weights

    monkeypatch.setenv("WELZIJNSBOT_CACHE_DIR", str(tmp_path / "cache"))
    loaded = set(_MEMO)
    assert class_weights() == {**dict.fromkeys(SAFETY_KINDS, SAFETY_KIND_WEIGHT), HARMLESS: 1.0}
    harmless = ["de klas gaat op uitstap", "de turnles is verplaatst", "we zoeken een nieuwe juf",
                "het schoolfeest is zaterdag", "de bib is dicht", "er zijn luizen in de klas",
                "de fotograaf komt morgen", "de refter is te klein"]
    corpus = Corpus((*harmless, "hij wil dood", "zij wil niet meer leven", "papa slaat mama"),
                    (*[HARMLESS] * len(harmless), "suicide", "suicide", "domestic-violence"), (), "test-corpus")
    plain = fitted("test", "test-corpus", lambda: corpus, None, 8.0)
    weighted = fitted("test", "test-corpus", lambda: corpus, None, 8.0, {"suicide": 4.0, "domestic-violence": 4.0,
                                                                         HARMLESS: 1.0})
    assert weighted is not plain
    question = ["ze zegt dat ze dood wil"]
    suicide = plain.labels.index("suicide")
    assert weighted.probabilities(question, None)[0, suicide] > plain.probabilities(question, None)[0, suicide]
    for key in set(_MEMO) - loaded:   # from the disk cache too: each weighting finds its own model
        del _MEMO[key]
    again = fitted("test", "test-corpus", lambda: corpus, None, 8.0, {"suicide": 4.0, "domestic-violence": 4.0,
                                                                      HARMLESS: 1.0})
    assert again is not weighted
    assert abs(again.probabilities(question, None) - weighted.probabilities(question, None)).max() < 1e-12
    for key in set(_MEMO) - loaded:
        del _MEMO[key]


def test_ranking_fit_orders_within_a_question_and_reads_as_a_probability():
    """training.fit_ranking: the order comes from a softmax over each question's candidates, so a
    feature that is the same for every candidate of a question (it tells questions apart, not
    services) gets no weight; the Platt step makes the sigmoid of a score the share of acceptable
    pairs."""
    from kennisbank.search.training import fit_ranking, hit_at, listwise_direction

    rng = np.random.default_rng(14)
    xs, ys, groups = [], [], []
    for group in range(1, 301):
        n = 12
        x = np.zeros((n, 3))
        x[:, 0] = rng.normal(size=n)
        good = int(rng.integers(1, 6))                      # 1-5 acceptable services
        y = np.zeros(n, dtype=np.int8)
        y[np.argsort(-x[:, 0])[:good]] = 1                  # the best on feature 0 are acceptable
        x[:, 1] = good + rng.normal(scale=0.1)               # per question: how many are acceptable
        x[:, 2] = rng.normal(size=n)                         # noise
        xs.append(x)
        ys.append(y)
        groups.append(np.full(n, group))
    x, y, g = np.vstack(xs), np.concatenate(ys), np.concatenate(groups)
    labelled = set(range(1, 51))

    direction = listwise_direction(x, y, g, labelled)
    assert direction[0] > 1.0
    assert abs(direction[1]) < 1e-3 * direction[0]        # constant within a question: no say in its order
    assert abs(direction[2]) < 0.1 * direction[0]

    w, b = fit_ranking(x, y, g, labelled)
    assert np.allclose(w / w[0], direction / direction[0], atol=1e-5)   # calibration keeps the order
    assert hit_at(x, y, g, w, b, 1) == 1.0
    probability = 1.0 / (1.0 + np.exp(-(x @ w + b)))
    assert abs(probability.mean() - y.mean()) < 0.02       # calibrated: as many acceptable as predicted
    middle = (probability > 0.3) & (probability < 0.7)
    assert middle.sum() > 50 and abs(y[middle].mean() - probability[middle].mean()) < 0.1   # also mid-range
    assert probability[y == 1].mean() > 4 * probability[y == 0].mean()


def test_listwise_gradient_is_the_loss_s_derivative_and_bad_input_is_refused():
    """The listwise fit's analytic gradient (L-BFGS relies on it) equals a numerical one; a question
    without an acceptable candidate is refused with a clear error instead of a NaN fit."""
    from scipy.optimize import check_grad

    from kennisbank.search.training import listwise_direction, listwise_loss

    rng = np.random.default_rng(3)
    z = rng.normal(size=(60, 4))
    good = (rng.uniform(size=60) < 0.3).astype(np.float64)
    question = np.repeat(np.arange(6), 10)
    good[::10] = 1.0                              # every question has an acceptable candidate
    weight = rng.uniform(0.5, 2.0, size=6)
    def value(v: np.ndarray) -> float:
        return listwise_loss(v, z, good, question, weight)[0]

    def gradient(v: np.ndarray) -> np.ndarray:
        return listwise_loss(v, z, good, question, weight)[1]

    for w in rng.normal(size=(5, 4)):
        assert check_grad(value, gradient, w) < 1e-5

    y = good.astype(np.int8)
    y[question == 2] = 0
    with pytest.raises(ValueError, match="acceptable candidate"):
        listwise_direction(z, y, question + 1, {1, 2})


def test_keep_safety_keeps_the_fitted_safety_thresholds_only_for_the_same_safety_texts(tmp_path, monkeypatch):
    """Round 46: a needs-only data round refits with --keep-safety. The committed file records the
    digest of the safety texts it was fitted on; a refit that reads other safety texts is refused
    before anything is fitted, and the committed file's digest is that of today's texts."""
    from kennisbank.search import training
    from kennisbank.search.corpus import safety_corpus
    from kennisbank.search.ranking import RANKING_FILE

    committed = json.loads(RANKING_FILE.read_text(encoding="utf-8"))
    assert committed["safety_content"] == training.content_digest(safety_corpus())
    stale = tmp_path / "ranking.json"
    stale.write_text(json.dumps({**committed, "safety_content": "other texts"}), encoding="utf-8")
    monkeypatch.setattr(training, "RANKING_FILE", stale)
    monkeypatch.setattr(training, "load_encoder", lambda: None)
    with pytest.raises(SystemExit, match="keep-safety"):
        training.main(["--keep-safety", "--dry-run"])
    with pytest.raises(SystemExit):
        training.main(["--keep-safety", "--safety-only"])


def test_the_no_need_threshold_is_the_middle_of_equally_good_ones():
    # On a flat cost curve the argmin is noise (round 20: 0.42, then 0.53 after a corpus change);
    # the middle of the thresholds that are as good as the best moves least.
    from kennisbank.schema import THEME_IDS
    from kennisbank.search.corpus import NO_NEED
    from kennisbank.search.training import abstention_thresholds

    classes = sorted((*THEME_IDS, NO_NEED))
    labels = (*["huisvesting"] * 50, *[NO_NEED] * 20)
    oof = np.zeros((len(labels), len(classes)))
    for i, label in enumerate(labels):   # every threshold between 0.1 and 0.8 separates them perfectly
        oof[i, classes.index(NO_NEED)] = 0.8 if label == NO_NEED else 0.1
        oof[i, classes.index("huisvesting")] = 0.1 if label == NO_NEED else 0.8
    none_threshold, _, report = abstention_thresholds(oof, classes, labels)
    assert 0.45 <= none_threshold <= 0.55
    assert report["no_need_recall"] == 1.0 and report["need_false_abstain"] == 0.0

    # Round 21: questions written by others count too. Where the corpus is indifferent, their needs
    # that the model reads as p(no need) 0.6 must still be answered, and their school matters at
    # 0.85 still get "nothing fits".
    from kennisbank.search.training import AbstentionReadings

    labelled = AbstentionReadings(p_none=np.array([0.6] * 10 + [0.85] * 5), best=np.array([0.3] * 10 + [0.1] * 5),
                                  is_none=np.array([False] * 10 + [True] * 5))
    none_threshold, _, report = abstention_thresholds(oof, classes, labels, labelled)
    assert 0.6 < none_threshold <= 0.8
    assert report["labelled_need_false_abstain"] == 0.0 and report["labelled_no_need_recall"] == 1.0
