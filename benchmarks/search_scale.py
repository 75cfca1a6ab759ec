#!/usr/bin/env python3
"""Search at the size of all of Flanders (~20,000 services): start-up and time per question.

Makes the big knowledge base with ../shared/benchmark/scale.py (unless --kb points to one), then
measures, on the same questions:
  first start   a fresh process with no embedding cache: embeds every service text (progress on
                stderr) and says how long it took; skipped when --cache already holds them
  start-up      a fresh process with every cache present: load (validated-model cache) + engine
  with postcode median / p95 of SearchEngine.search, the school's postcode, query embedding included
  no postcode   the same questions for all of Flanders
  embedding     median time of the query embedding alone (part of both figures above)
  rapidfuzz     median time of rapidfuzz.process.extract over every service text (the naive scan),
                measured in the same run as the baseline

  .venv/bin/python benchmarks/search_scale.py                       # copies 290, temporary caches
  .venv/bin/python benchmarks/search_scale.py --cache ~/.cache/wzb-bench --questions 100
Bars (search issue): with postcode <= 15 ms, without <= 30 ms median; start-up <= 3 s with caches.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmark"
sys.path.insert(0, str(ROOT))

START = """
import logging, sys, time
logging.basicConfig(level=logging.INFO, format="%(message)s")
t0 = time.perf_counter()
from kennisbank.loader import load_knowledge_base_cached
from kennisbank.search import SearchEngine
kb = load_knowledge_base_cached(sys.argv[1])
t1 = time.perf_counter()
engine = SearchEngine(kb)
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {len(kb.services)}")
"""


def start(kb_dir: Path) -> tuple[float, float, int]:
    """A fresh process: (load seconds, engine seconds, services)."""
    run = subprocess.run([sys.executable, "-c", START, str(kb_dir)], capture_output=True, text=True, cwd=ROOT,
                         env=os.environ.copy())
    if run.returncode != 0:
        raise SystemExit(run.stderr[-3000:])
    sys.stderr.write("".join(line + "\n" for line in run.stderr.splitlines() if "inbedden" in line or "ingebed" in line
                             or "Zoekindex" in line)[-2000:])
    load, engine, n = run.stdout.split()
    return float(load), float(engine), int(n)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", type=Path, help="an existing large knowledge base (default: make one)")
    ap.add_argument("--copies", type=int, default=290)
    ap.add_argument("--cache", type=Path, help="cache folder to use (default: a new temporary one)")
    ap.add_argument("--questions", type=int, default=100, help="how many dev questions to time")
    ap.add_argument("--scan-questions", type=int, default=20, help="questions for the slow rapidfuzz scan")
    a = ap.parse_args()

    tmp = None
    kb_dir = a.kb
    if kb_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="wzb-scale-")
        kb_dir = Path(tmp.name) / "kb"
        subprocess.run([sys.executable, str(SHARED / "scale.py"), "--copies", str(a.copies), "--out", str(kb_dir)],
                       check=True, stdout=subprocess.DEVNULL)
    cache_tmp = None
    if a.cache is None:
        cache_tmp = tempfile.TemporaryDirectory(prefix="wzb-cache-")
        a.cache = Path(cache_tmp.name)
    os.environ["WELZIJNSBOT_CACHE_DIR"] = str(a.cache)
    had_embeddings = any(a.cache.glob("embeddings-*.npz"))

    first = start(kb_dir)      # fills every cache that is missing (embeddings: minutes at 20k)
    warm = start(kb_dir)       # what a restart costs
    n = warm[2]

    from kennisbank.loader import load_knowledge_base_cached
    from kennisbank.search import SearchEngine, settle

    kb = load_knowledge_base_cached(kb_dir)
    engine = SearchEngine(kb)
    settle()
    questions = yaml.safe_load((SHARED / "questions-dev.yaml").read_text(encoding="utf-8"))[: a.questions]
    rng = random.Random(2)
    regions = [r for r in kb.regions.values() if not r.is_flemish_layer]
    asked = []
    for q in questions:
        region = rng.choice(regions)
        asked.append((q["q"], sorted(region.postcodes)[rng.randrange(len(region.postcodes))]))

    def timed(fn: Callable[..., object], *args: Any, **kwargs: Any) -> float:
        t0 = time.perf_counter()
        fn(*args, **kwargs)
        return time.perf_counter() - t0

    for text, pc in asked[:5]:  # warm the encoder's buffers
        engine.search(text, pc)
    with_pc = [timed(engine.search, text, pc) for text, pc in asked]
    without = [timed(engine.search, text, None) for text, _ in asked]
    embedding = [timed(engine.embed_question, text) for text, _ in asked]
    texts = [" ".join([s.organisation, s.name, s.summary, " ".join(s.keywords)]).lower() for s in kb.active_services()]
    scan = [timed(process.extract, text.lower(), texts, scorer=fuzz.token_set_ratio, limit=3)
            for text, _ in asked[: a.scan_questions]]

    def ms(values: list[float], q: float = 0.5) -> float:
        return 1000 * (statistics.median(values) if q == 0.5 else sorted(values)[int(q * (len(values) - 1))])

    encoder = engine.encoder.name if engine.encoder else "off"
    print(f"services={n} regions={len(kb.regions)} questions={len(asked)} encoder={encoder}")
    label = "first start (embedding cache present)" if had_embeddings else "first start (no embedding cache)"
    print(f"{label}: load {first[0]:.2f} s + engine {first[1]:.2f} s = {first[0] + first[1]:.2f} s")
    print(f"start-up, caches present: load {warm[0]:.2f} s + engine {warm[1]:.2f} s = {warm[0] + warm[1]:.2f} s")
    print(f"search with postcode: median {ms(with_pc):.1f} ms, p95 {ms(with_pc, 0.95):.1f} ms")
    print(f"search without postcode (all of Flanders): median {ms(without):.1f} ms, p95 {ms(without, 0.95):.1f} ms")
    print(f"  of which query embedding: median {ms(embedding):.1f} ms")
    print(f"rapidfuzz extract scan (baseline, same run): median {ms(scan):.1f} ms")
    ok = warm[0] + warm[1] <= 3.0 and ms(with_pc) <= 15 and ms(without) <= 30
    print("bars (start-up <= 3 s, with postcode <= 15 ms, without <= 30 ms):", "OK" if ok else "NOT MET")
    if tmp:
        tmp.cleanup()
    if cache_tmp:
        cache_tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
