#!/usr/bin/env python3
"""Search at the size of all of Flanders (~20,000 services): start-up and time per question.

Makes the big knowledge base with ../shared/benchmark/scale.py (unless --kb points to one), then
measures, in one process and on the same questions:
  start-up   loading (cold: YAML parsed and validated; warm: the validated-model cache) + indexing
  ours       median / p95 time of SearchEngine.search with the school's postcode (a region's
             first question also builds its postings; shown separately, with the collector's pauses)
  prepared   the bot's start-up: engine.prepare() builds every region, settle() freezes the heap;
             then the same questions, with the collector's pauses
  rapidfuzz  median time of rapidfuzz.process.extract over every service text (the naive scan)

  .venv/bin/python benchmarks/search_scale.py                # copies 290 into a temp dir
  .venv/bin/python benchmarks/search_scale.py --kb /tmp/kb-20k --questions 150
Bars (issue 2): start-up <= 3 s, median search <= 1 ms, >= 20x faster than the scan.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmark"
sys.path.insert(0, str(ROOT))

from kennisbank.loader import load_knowledge_base_cached  # noqa: E402
from kennisbank.search import SearchEngine, settle  # noqa: E402


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def describe(pauses: list[tuple[int, float]]) -> str:
    full = [dt for gen, dt in pauses if gen == 2]
    return (f"full collections {len(full)}, longest {1000 * max(full, default=0):.0f} ms; "
            f"all collections {len(pauses)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", type=Path, help="an existing large knowledge base (default: make one)")
    ap.add_argument("--copies", type=int, default=290)
    ap.add_argument("--questions", type=int, default=150, help="how many dev questions to time")
    ap.add_argument("--scan-questions", type=int, default=30, help="questions for the slow rapidfuzz scan")
    a = ap.parse_args()

    tmp = None
    kb_dir = a.kb
    if kb_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="wzb-scale-")
        kb_dir = Path(tmp.name) / "kb"
        subprocess.run([sys.executable, str(SHARED / "scale.py"), "--copies", str(a.copies), "--out", str(kb_dir)],
                       check=True, stdout=subprocess.DEVNULL)
    cache_tmp = tempfile.TemporaryDirectory(prefix="wzb-cache-")
    os.environ["WELZIJNSBOT_CACHE_DIR"] = cache_tmp.name

    kb, cold_load = timed(lambda: load_knowledge_base_cached(kb_dir))  # empty cache: parse, validate, save
    kb, warm_load = timed(lambda: load_knowledge_base_cached(kb_dir))
    engine, index = timed(lambda: SearchEngine(kb))
    n = len(kb.services)

    # The dev questions, each asked from a random copy of its municipality (fixed seed).
    questions = yaml.safe_load((SHARED / "questions-dev.yaml").read_text(encoding="utf-8"))[: a.questions]
    rng = random.Random(2)
    regions = [r for r in kb.regions.values() if not r.is_flemish_layer]
    asked = []
    for q in questions:
        region = rng.choice(regions)
        asked.append((q["q"], sorted(region.postcodes)[rng.randrange(len(region.postcodes))]))

    pauses: list[tuple[int, float]] = []  # (generation, seconds) of every collection during the questions
    started = [0.0]

    def watch(phase, info):
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append((info["generation"], time.perf_counter() - started[0]))

    def ask_all(eng) -> list[float]:
        out = []
        for text, pc in asked:
            _, dt = timed(lambda: eng.search(text, pc))
            out.append(dt)
        return out

    gc.callbacks.append(watch)
    first = ask_all(engine)  # lazy: a region's first question also builds that region's postings
    lazy_pauses, pauses[:] = list(pauses), []
    ours = ask_all(engine)  # steady state, as in a running bot
    gc.callbacks.remove(watch)

    # As the bot starts: build every region now, then freeze what is loaded (kennisbank.search.settle).
    del engine
    engine = SearchEngine(kb)
    _, prepare = timed(engine.prepare)
    _, settling = timed(settle)
    pauses.clear()
    gc.callbacks.append(watch)
    prepared = ask_all(engine)
    gc.callbacks.remove(watch)
    prepared_pauses = list(pauses)

    texts = [" ".join([s.organisation, s.name, s.summary, " ".join(s.keywords)]).lower()
             for s in kb.active_services()]
    scan = []
    for text, _pc in asked[: a.scan_questions]:
        _, dt = timed(lambda: process.extract(text.lower(), texts, scorer=fuzz.token_set_ratio, limit=3))
        scan.append(dt)

    med = statistics.median(ours)
    p95 = sorted(ours)[int(0.95 * (len(ours) - 1))]
    scan_med = statistics.median(scan)
    print(f"services={n} regions={len(kb.regions)} questions={len(asked)}")
    print(f"start-up cold: load {cold_load:.2f} s + index {index:.2f} s = {cold_load + index:.2f} s")
    print(f"start-up warm: load {warm_load:.2f} s + index {index:.2f} s = {warm_load + index:.2f} s")
    print(f"search ours, lazy, first question in a region: median {1000 * statistics.median(first):.3f} ms, "
          f"max {1000 * max(first):.2f} ms; {describe(lazy_pauses)}")
    print(f"search ours, steady state: median {1000 * med:.3f} ms, p95 {1000 * p95:.3f} ms")
    print(f"prepared at start-up (+{prepare:.2f} s, settle {1000 * settling:.0f} ms), first questions: "
          f"median {1000 * statistics.median(prepared):.3f} ms, max {1000 * max(prepared):.2f} ms; "
          f"{describe(prepared_pauses)}")
    print(f"rapidfuzz extract scan: median {1000 * scan_med:.1f} ms  -> ours is {scan_med / med:.0f}x faster")
    ok = warm_load + index <= 3.0 and med <= 0.001 and scan_med / med >= 20
    print("bars (warm start-up <= 3 s, median <= 1 ms, >= 20x):", "OK" if ok else "NOT MET")
    if tmp:
        tmp.cleanup()
    cache_tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
