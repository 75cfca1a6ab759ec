"""Edit sequences and restarts of the incremental search index (index.py, engine.with_changes/_restore),
each compared with a SearchEngine built from scratch on the same data. Written by a fresh reviewer."""
from __future__ import annotations

import re
import shutil
from dataclasses import replace

import pytest

from kennisbank.loader import load_knowledge_base, load_knowledge_base_cached
from kennisbank.schema import KnowledgeBase, Service
from kennisbank.search import SearchEngine
from paths import BENCHMARK_KB

pytestmark = pytest.mark.skipif(not BENCHMARK_KB.exists(), reason="benchmark knowledge base not available")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base(BENCHMARK_KB)


@pytest.fixture(scope="module")
def engine(kb) -> SearchEngine:
    return SearchEngine(kb, encoder=False)   # also puts the fitted models in memory for the tests below


def edited(kb: KnowledgeBase, *changes: Service, drop: tuple[str, ...] = ()) -> KnowledgeBase:
    services = dict(kb.services)
    for s in changes:
        services[s.id] = s
    for sid in drop:
        del services[sid]
    return KnowledgeBase(kb.regions, services, kb.warnings)


def theme_ids(engine: SearchEngine, theme: str, postcode: int | None) -> list[str]:
    return [m.id for m in engine.by_theme(theme, postcode, limit=100).matches]


# ── 1. delta rows renumbered, partitions of other regions not ──────────────
def test_editing_a_delta_row_again_keeps_the_other_regions_delta_rows(kb, engine):
    """Edit a Flemish service, then a Lindeland service, then the Flemish one again.

    applied() rebuilds the delta without the old Flemish row, so the Lindeland row moves down one
    place, but only the partitions of the touched keys (here: Flanders) are recomputed; Lindeland's
    partition still points at the old delta row number, which now holds the Flemish service.
    """
    flemish = next(s for s in kb.services.values() if s.postcodes is None and "schulden" in s.themes)
    local = kb.services["ocmw-lindegem-schuldbemiddeling"]
    kb1 = edited(kb, replace(flemish, summary=flemish.summary + " Eerste aanpassing."))
    e1 = engine.with_changes(kb1)
    kb2 = edited(kb1, replace(local, summary=local.summary + " Ook avondspreekuur."))
    e2 = e1.with_changes(kb2)
    kb3 = edited(kb2, replace(flemish, summary=flemish.summary + " Tweede aanpassing."))
    e3 = e2.with_changes(kb3)
    fresh = SearchEngine(kb3, encoder=False)

    assert theme_ids(e3, "schulden", 9801) == theme_ids(fresh, "schulden", 9801)
    assert local.id in [m.id for m in e3.search("schuldbemiddeling deurwaarder", 9801, limit=10).matches]
    lindeland = e3.index.partitions["lindeland"].members
    assert all(e3.index.columns.services[int(r)].region_id == "lindeland" for r in lindeland)


def test_switching_a_service_off_after_another_regions_edit_keeps_the_rest(kb, engine):
    """The same renumbering through a switch-off: the switched-off Flemish delta row leaves the delta,
    the Lindeland delta row after it moves down, Lindeland's partition points past the delta's end."""
    flemish = next(s for s in kb.services.values() if s.postcodes is None and "schulden" in s.themes)
    local = kb.services["ocmw-lindegem-schuldbemiddeling"]
    kb1 = edited(kb, replace(flemish, summary=flemish.summary + " Aanpassing."))
    kb2 = edited(kb1, replace(local, summary=local.summary + " Ook avondspreekuur."))
    kb3 = edited(kb2, replace(kb2.services[flemish.id], status="inactive"))
    e3 = engine.with_changes(kb1).with_changes(kb2).with_changes(kb3)
    fresh = SearchEngine(kb3, encoder=False)
    assert theme_ids(e3, "schulden", 9801) == theme_ids(fresh, "schulden", 9801)


# ── 2. organisation members re-ordered by an edit: another front door ──────
def test_an_edit_does_not_change_an_organisations_front_door(kb, engine):
    """CGG Lindeland has two services that rank the same as a front door; the first listed wins.
    Organisations.with_changes appends the edited one at the end of its organisation's members,
    so after an edit of its summary the other service becomes the front door."""
    door = engine.search("cgg", 9801).matches[0].service
    assert door.id == "cgg-lindeland-kinderen-jongeren"
    new_kb = edited(kb, replace(door, summary=door.summary + " Ook op woensdagnamiddag."))
    updated = engine.with_changes(new_kb)
    fresh = SearchEngine(new_kb, encoder=False)
    assert [m.id for m in updated.search("cgg", 9801).matches] == [m.id for m in fresh.search("cgg", 9801).matches]


# ── 3. start-up: organisations restored with the place names of the cached build ──
@pytest.fixture
def region_files(tmp_path, monkeypatch, engine):
    monkeypatch.setenv("WELZIJNSBOT_CACHE_DIR", str(tmp_path / "cache"))
    target = tmp_path / "kb"
    shutil.copytree(BENCHMARK_KB, target)
    for f in target.iterdir():
        f.chmod(0o644)
    return target


def new_region(region_files) -> list[int]:
    """kopie-kopieland.yaml: Lindeland with other ids, postcodes and place names (Lindegem -> Kopiegem ...)."""
    text = (region_files / "lindeland.yaml").read_text(encoding="utf-8")
    text = re.sub(r"\bid: ([a-z0-9-]+)", r"id: kopie-\1", text)
    for old, new in (("Lindegem", "Kopiegem"), ("Oosterveld", "Kopieveld"), ("Hoogdonk", "Kopiedonk"),
                     ("Lindeland", "Kopieland"), ("lindegem", "kopiegem"), ("oosterveld", "kopieveld"),
                     ("hoogdonk", "kopiedonk"), ("lindeland", "kopieland")):
        text = text.replace(old, new)
    codes = sorted(set(re.findall(r"\b98\d\d\b", text)))
    for code in codes:
        text = re.sub(rf"\b{code}\b", str(int(code) - 1000), text)
    (region_files / "kopie-kopieland.yaml").write_text(text, encoding="utf-8")
    return [int(c) - 1000 for c in codes]


def test_a_new_region_at_start_up_knows_its_place_names_for_organisation_names(region_files, monkeypatch):
    """Organisations strips place names from organisation names ("Sociaal Huis Kopiegem" -> "sociaal huis").
    The restored Organisations keep the place names of the cached build, so the new region's place
    names stay part of its organisation names: "huis van het kind adres" at a Kopiegem postcode gets
    a guess at a need instead of the front door of Huis van het Kind Kopiegem."""
    SearchEngine(load_knowledge_base_cached(region_files), encoder=False)   # the cached full build
    codes = new_region(region_files)
    kb = load_knowledge_base_cached(region_files)
    restarted = SearchEngine(kb, encoder=False)
    assert restarted.from_cache
    monkeypatch.setenv("WELZIJNSBOT_CACHE_DIR", "off")   # the fresh build must not read the cache
    fresh = SearchEngine(kb, encoder=False)
    assert not fresh.from_cache
    postcode = codes[0]
    for question in ("huis van het kind adres", "adres huis van het kind"):
        assert [m.id for m in restarted.search(question, postcode).matches] == \
            [m.id for m in fresh.search(question, postcode).matches], question


# ── 4. (low severity, answers correct) the same folder as a relative path reuses nothing ──
def test_the_same_folder_by_a_relative_path_reuses_the_cached_index(region_files, monkeypatch):
    """kb.sources is keyed by str(path) as given, the loader's per-file cache by the resolved path: after a
    build from /abs/kb, a start from "kb" finds no file 'the same' and re-indexes every service (here 87
    rows in the delta and 87 tombstones; from 256 services on, a full build on every such start)."""
    SearchEngine(load_knowledge_base_cached(region_files.resolve()), encoder=False)
    monkeypatch.chdir(region_files.parent)
    restarted = SearchEngine(load_knowledge_base_cached("kb"), encoder=False)
    assert restarted.from_cache
    assert restarted.index.delta.n == 0 and not restarted.index.dead.any()
