"""The search index after an edit: only the changed services are indexed again, and the answers are
those of an index built from scratch on the edited knowledge base."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import yaml

from kennisbank.loader import load_knowledge_base
from kennisbank.schema import KnowledgeBase, Service
from kennisbank.search import SearchEngine
from kennisbank.search import index as index_module
from kennisbank.search.analysis import stem
from paths import BENCHMARK_KB, DEV_QUESTIONS

pytestmark = pytest.mark.skipif(not BENCHMARK_KB.exists(), reason="benchmark knowledge base not available")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base(BENCHMARK_KB)


@pytest.fixture(scope="module")
def engine(kb) -> SearchEngine:
    return SearchEngine(kb, encoder=False)


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return yaml.safe_load(DEV_QUESTIONS.read_text(encoding="utf-8"))[:60]


def edited(kb: KnowledgeBase, *changes: Service, drop: tuple[str, ...] = ()) -> KnowledgeBase:
    services = dict(kb.services)
    for s in changes:
        services[s.id] = s
    for sid in drop:
        del services[sid]
    return KnowledgeBase(kb.regions, services, kb.warnings)


def answers(engine: SearchEngine, questions: list[dict], postcode: bool = True) -> list[list[tuple[str, float]]]:
    out = []
    for q in questions:
        answer = engine.search(q["q"], q.get("postcode") if postcode else None, limit=5)
        out.append([(m.id, m.score) for m in answer.matches])
    return out


def same_answers(a: list[list[tuple[str, float]]], b: list[list[tuple[str, float]]]) -> bool:
    """The same services in the same order; scores equal but for the field-length averages, which
    an edit leaves as they were at the full build (index.py): a few thousandths at most."""
    return [[i for i, _ in row] for row in a] == [[i for i, _ in row] for row in b] and all(
        abs(x - y) < 0.005 for ra, rb in zip(a, b, strict=True) for (_, x), (_, y) in zip(ra, rb, strict=True))


def test_an_edit_gives_the_answers_of_a_fresh_build(kb, engine, questions):
    debt = kb.services["ocmw-lindegem-schuldbemiddeling"]
    food = next(s for s in kb.services.values() if "voeding" in s.themes and s.postcodes is not None)
    new_kb = edited(kb, replace(debt, summary=debt.summary + " Ook hulp bij een afbetalingsplan met de deurwaarder."),
                    replace(food, keywords=(*food.keywords, "ontbijt", "brooddoos")))
    updated = engine.with_changes(new_kb)
    fresh = SearchEngine(new_kb, encoder=False)
    assert same_answers(answers(updated, questions), answers(fresh, questions))
    few = questions[:20]
    assert same_answers(answers(updated, few, postcode=False), answers(fresh, few, postcode=False))


def test_an_edit_reindexes_only_the_changed_service(kb, engine):
    debt = kb.services["ocmw-lindegem-schuldbemiddeling"]
    updated = engine.with_changes(edited(kb, replace(debt, name="Schuldhulp en budgetbegeleiding")))
    assert updated.index.main is engine.index.main          # the main rows are shared, not copied
    assert updated.index.delta.n == 1
    assert updated.index.dead[engine.index.row_of[debt.id]]  # the old version is a tombstone
    row = updated.index.row_of[debt.id]
    assert updated.index.columns.services[row].name == "Schuldhulp en budgetbegeleiding"
    assert "budgetbegeleiding" in updated.vocab.words


def test_the_old_engine_keeps_answering_from_the_old_data(kb, engine):
    debt = kb.services["ocmw-lindegem-schuldbemiddeling"]
    before = [m.id for m in engine.search("schulden deurwaarder", 9801).matches]
    closed = replace(debt, status="inactive")
    updated = engine.with_changes(edited(kb, closed))
    assert debt.id in before
    assert debt.id not in [m.id for m in updated.search("schulden deurwaarder", 9801).matches]
    assert [m.id for m in engine.search("schulden deurwaarder", 9801).matches] == before


def test_a_new_service_is_found_and_a_removed_one_is_not(kb, engine):
    template = kb.services["ocmw-lindegem-schuldbemiddeling"]
    new = replace(template, id="nieuw-fietsatelier", name="Fietsatelier De Spaak",
                  summary="Gratis fietsherstelling en tweedehandsfietsen voor gezinnen met een laag inkomen.",
                  keywords=("fiets", "fietsherstelling"), description=None)
    updated = engine.with_changes(edited(kb, new, drop=("ocmw-lindegem-schuldbemiddeling",)))
    assert "nieuw-fietsatelier" in [m.id for m in updated.by_theme("schulden", 9801, limit=50).matches]
    assert stem("fiets") in updated.index.terms_of(updated.index.row_of["nieuw-fietsatelier"])
    assert "ocmw-lindegem-schuldbemiddeling" not in updated.index.row_of
    assert all(m.id != "ocmw-lindegem-schuldbemiddeling"
               for m in updated.by_theme("schulden", 9801, limit=50).matches)
    fresh = SearchEngine(updated.kb, encoder=False)
    assert [m.id for m in updated.by_theme("schulden", 9801, limit=50).matches] == \
        [m.id for m in fresh.by_theme("schulden", 9801, limit=50).matches]


def test_idf_counts_the_services_as_they_are_now(kb, engine):
    debt = kb.services["ocmw-lindegem-schuldbemiddeling"]
    updated = engine.with_changes(edited(kb, replace(debt, summary="Een heel andere tekst over fietsen.")))
    fresh = SearchEngine(updated.kb, encoder=False)
    for term in ("schuld", "fiets", "deurwaarder", "onbestaand"):
        assert updated.index.idf(term) == pytest.approx(fresh.index.idf(term), rel=1e-6)


def test_many_edits_build_everything_again(kb, engine, monkeypatch):
    monkeypatch.setattr(index_module, "DELTA_MAX", 2)
    services = list(kb.services.values())[:3]
    updated = engine.with_changes(edited(kb, *(replace(s, summary=s.summary + " extra") for s in services)))
    assert updated.index.main is not engine.index.main
    assert updated.index.delta.n == 0 and not updated.index.dead.any()


def test_an_unchanged_knowledge_base_is_the_same_engine(kb, engine):
    assert engine.with_changes(KnowledgeBase(kb.regions, dict(kb.services), kb.warnings)) is engine


def test_dense_vectors_follow_the_edit(kb):
    dense = SearchEngine(kb)
    if dense.encoder is None:
        pytest.skip("no encoder")
    debt = kb.services["ocmw-lindegem-schuldbemiddeling"]
    changed = replace(debt, summary="Gratis fietsherstelling voor gezinnen.")
    updated = dense.with_changes(edited(kb, changed))
    fresh = SearchEngine(updated.kb)
    row_new, row_fresh = updated.index.row_of[debt.id], fresh.index.row_of[debt.id]
    assert updated._delta_vectors is not None and fresh._vectors is not None
    assert np.allclose(updated._delta_vectors[row_new - updated.index.n_main], fresh._vectors[row_fresh], atol=1e-3)
    question = "fiets kapot, geen geld voor herstelling"
    assert [m.id for m in updated.search(question, 9801).matches] == \
        [m.id for m in fresh.search(question, 9801).matches]
