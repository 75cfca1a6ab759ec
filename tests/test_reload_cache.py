"""/herlaad through the per-file cache: what a second fresh reviewer found (a later day's stale dates,
an edit that kept the file's size and mtime). Each test once failed on a real defect."""
from __future__ import annotations

import os
from datetime import date, timedelta

import pytest

from kennisbank import loader
from kennisbank.loader import check_directory, load_knowledge_base_cached
from kennisbank.services.knowledge import KnowledgeService
from kennisbank.store import Store
from paths import BENCHMARK_KB

pytestmark = pytest.mark.skipif(not BENCHMARK_KB.exists(), reason="benchmark knowledge base not available")


@pytest.fixture(autouse=True)
def _lexical(monkeypatch):
    monkeypatch.setenv("WELZIJNSBOT_ENCODER", "off")


def rewrite(path, old: str, new: str, keep_mtime: bool = False) -> None:
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    mtime = st.st_mtime_ns if keep_mtime else st.st_mtime_ns + 1_000_000
    os.utime(path, ns=(st.st_atime_ns, mtime))


async def test_herlaad_on_a_later_day_reports_the_stale_dates_of_that_day(region_files, tmp_path, monkeypatch):
    """DEFECT: /herlaad (reload_directory without `today`) now reads unchanged files from the
    per-file cache, whose stale-date warnings were computed on the day the file was first cached.
    The cache key is (path, size, mtime) and not the date, so a service whose last confirmation
    passed the 12-month mark since then gets no warning in ReloadResult.problems ("every problem of
    the files"), while `welzijnsbot check` (check_directory, read afresh) on the same day has it."""
    day0 = date.today()
    lind = region_files / "lindeland.yaml"
    # exactly 365 days old today (not stale: the rule is "more than 12 months"), stale tomorrow
    rewrite(lind, "last_verified: 2026-09-14", f"last_verified: {(day0 - timedelta(days=365)).isoformat()}")
    async with Store(tmp_path / "bot.sqlite3") as store:
        service = KnowledgeService(load_knowledge_base_cached(region_files), store, region_files)  # caches day 0

        class Tomorrow(date):
            @classmethod
            def today(cls):
                return day0 + timedelta(days=1)

        monkeypatch.setattr(loader, "date", Tomorrow)
        result = await service.reload_files()
        assert result is not None and result.ok
        _, checked = check_directory(region_files, day0 + timedelta(days=1))
        stale = {(p.service, p.message) for p in checked if p.field == "last_verified"}
        assert ("ocmw-lindegem-onthaal-leefloon", f"laatst bevestigd op {(day0 - timedelta(days=365)).isoformat()}, "
                "meer dan 12 maanden geleden") in stale
        assert {(p.service, p.message) for p in result.problems if p.field == "last_verified"} == stale


async def test_herlaad_sees_an_edit_that_kept_size_and_mtime(region_files, tmp_path):
    """DEFECT (regression of /herlaad): reload_directory used to read every file afresh; with the
    per-file cache a file whose new content has the same size and the same mtime (a copy that keeps
    the timestamp -- cp -p, rsync -a --times from a checkout, tar -- or two saves within a
    coarse-timestamp filesystem's tick) is served from the cache, so the coordinator's /herlaad
    reports "Kennisbank geladen" and the bot keeps answering with the old phone number."""
    lind = region_files / "lindeland.yaml"
    async with Store(tmp_path / "bot.sqlite3") as store:
        service = KnowledgeService(load_knowledge_base_cached(region_files), store, region_files)
        rewrite(lind, 'phone: "+32 9 999 10 12"', 'phone: "+32 9 999 10 13"', keep_mtime=True)
        result = await service.reload_files()
        assert result is not None and result.ok
        contact = service.current.kb.services["ocmw-lindegem-schuldbemiddeling"].contact
        assert contact.phone == "+3299991013"
