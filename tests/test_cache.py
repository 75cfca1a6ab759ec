"""The knowledge-base cache is only a shortcut: it never serves data older than the files."""
from __future__ import annotations

import os

import pytest

from kennisbank import cache, loader
from kennisbank.loader import (
    KnowledgeBaseError,
    load_knowledge_base,
    load_knowledge_base_cached,
)


@pytest.fixture
def kb_dir(region_files):
    return region_files


def test_cached_load_equals_fresh_load_and_writes_one_entry_per_file(kb_dir, tmp_path):
    first = load_knowledge_base_cached(kb_dir)
    files = list((tmp_path / "cache").glob("region-*.pickle"))
    assert len(files) == len(list(kb_dir.glob("*.yaml")))
    second = load_knowledge_base_cached(kb_dir)
    assert second.services == load_knowledge_base(kb_dir).services == first.services
    assert second.regions == first.regions


def test_only_the_changed_file_is_read_again(kb_dir, monkeypatch):
    """300 region files and one changed: the start-up parses and validates that one file."""
    load_knowledge_base_cached(kb_dir)
    path = kb_dir / "lindeland.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: Schuldbemiddeling", "name: Schuldhulp", 1),
                    encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    read = []
    original = loader._check_file
    def counted(path, today):
        read.append(path.name)
        return original(path, today)

    monkeypatch.setattr(loader, "_check_file", counted)
    kb = load_knowledge_base_cached(kb_dir)
    assert read == ["lindeland.yaml"]
    assert kb.services["ocmw-lindegem-schuldbemiddeling"].name == "Schuldhulp"
    assert kb.services == load_knowledge_base(kb_dir).services


def test_checks_across_files_still_run_on_cached_files(kb_dir):
    """A new file that reuses an id of a cached file is refused, though the cached file was not read."""
    load_knowledge_base_cached(kb_dir)
    text = (kb_dir / "lindeland.yaml").read_text(encoding="utf-8")
    (kb_dir / "kopie.yaml").write_text(text.replace("id: lindeland", "id: kopie", 1), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as raised:
        load_knowledge_base_cached(kb_dir)
    assert any("bestaat al in" in p.message for p in raised.value.problems)


def test_an_edited_file_is_read_again(kb_dir):
    load_knowledge_base_cached(kb_dir)
    path = kb_dir / "lindeland.yaml"
    text = path.read_text(encoding="utf-8").replace("name: Schuldbemiddeling", "name: Schuldbemiddeling en advies", 1)
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    kb = load_knowledge_base_cached(kb_dir)
    assert kb.services["ocmw-lindegem-schuldbemiddeling"].name == "Schuldbemiddeling en advies"


def test_a_broken_file_is_never_hidden_by_the_cache(kb_dir):
    load_knowledge_base_cached(kb_dir)
    path = kb_dir / "vlaanderen.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - id: [kapot\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError):
        load_knowledge_base_cached(kb_dir)


def test_a_corrupt_cache_file_falls_back_to_the_files(kb_dir, tmp_path):
    load_knowledge_base_cached(kb_dir)
    for f in (tmp_path / "cache").glob("region-*.pickle"):
        f.write_bytes(b"not a pickle")
    assert len(load_knowledge_base_cached(kb_dir).services) == len(load_knowledge_base(kb_dir).services)


def test_caching_can_be_switched_off(kb_dir, monkeypatch):
    monkeypatch.setenv("WELZIJNSBOT_CACHE_DIR", "off")
    assert cache.cache_dir() is None
    assert load_knowledge_base_cached(kb_dir).services


def test_a_few_generations_per_kind_are_kept_and_no_more(tmp_path, monkeypatch):
    """Two checkouts side by side each keep their own cached models instead of refitting in turn."""
    monkeypatch.setenv("WELZIJNSBOT_CACHE_DIR", str(tmp_path / "cache"))
    for n in range(cache.KEEP_GENERATIONS + 2):
        cache.save("model", f"key{n}", {"n": n})
        path = tmp_path / "cache" / f"model-key{n}.pickle"
        os.utime(path, ns=(n * 1_000_000_000, n * 1_000_000_000))   # distinct ages, oldest first
    kept = sorted(p.name for p in (tmp_path / "cache").glob("model-*.pickle"))
    newest = [f"model-key{n}.pickle" for n in range(2, cache.KEEP_GENERATIONS + 2)]
    assert kept == sorted(newest)
    assert cache.load("model", f"key{cache.KEEP_GENERATIONS + 1}") == {"n": cache.KEEP_GENERATIONS + 1}
    assert cache.load("model", "key0") is None


def test_a_service_that_became_stale_since_its_file_was_cached_is_warned_about(kb_dir):
    """The per-file cache keeps a file's warnings as of the day it was read; a later day still gets
    the 'last confirmed more than 12 months ago' warning for a service that has become stale."""
    from datetime import date, timedelta

    from kennisbank.loader import STALE_AFTER, check_directory, check_directory_cached

    kb, _ = check_directory_cached(kb_dir)
    assert kb is not None
    verified = [s for s in kb.services.values() if s.last_verified]
    later = max(s.last_verified for s in verified if s.last_verified) + STALE_AFTER + timedelta(days=1)
    _, problems = check_directory_cached(kb_dir, later)          # every file from the cache
    stale = {p.service for p in problems if p.field == "last_verified" and p.warning}
    _, fresh = check_directory(kb_dir, later)
    assert stale == {p.service for p in fresh if p.field == "last_verified" and p.warning} == {s.id for s in verified}
    assert later > date.today()
