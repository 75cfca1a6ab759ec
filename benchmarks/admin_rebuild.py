#!/usr/bin/env python3
"""How long an organisation's confirmed change takes to reach the answers.

After "Bevestigen" the bot re-applies all revisions to the baseline (apply_revisions) and updates
its snapshot (Knowledge.updated: only the changed service is re-indexed) in a worker thread
before it swaps it in. Baseline in the same run: building the whole snapshot (Knowledge.build).
Measured on the benchmark KB and on ~20,000 services (../shared/benchmark/scale.py), with
REVISIONS revisions in the log (a year of busy editing).

  .venv/bin/python benchmarks/admin_rebuild.py                    # makes /tmp/kb-20k if missing
  .venv/bin/python benchmarks/admin_rebuild.py --kb20k /tmp/kb-20k --revisions 2000
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmark"
sys.path.insert(0, str(ROOT))

from bot.state import Knowledge  # noqa: E402
from kennisbank import revisions as rv  # noqa: E402
from kennisbank.loader import load_knowledge_base_cached  # noqa: E402


def fake_revisions(kb, count: int) -> list[rv.Revision]:
    services = [s for s in kb.services.values() if s.hours]
    out = []
    for i in range(1, count + 1):
        s = services[i % len(services)]
        out.append(rv.Revision(i, "2026-11-29T05:00:00+00:00", 1000 + i % 37, s.id, s.organisation, s.region_id,
                               "hours", s.hours, f"ma-vr {8 + i % 3}u-16u"))
    return out


def measure(label: str, kb_dir: Path, count: int, repeat: int) -> None:
    kb = load_knowledge_base_cached(kb_dir)
    revisions = fake_revisions(kb, count)
    knowledge = Knowledge.build(rv.apply_revisions(kb, revisions[:-repeat]))
    apply_t, update_t, build_t = [], [], []
    for n in range(count - repeat + 1, count + 1):   # each time one more revision, as in the bot
        t0 = time.perf_counter()
        effective = rv.apply_revisions(kb, revisions[:n])
        t1 = time.perf_counter()
        knowledge = knowledge.updated(effective)
        t2 = time.perf_counter()
        apply_t.append(t1 - t0)
        update_t.append(t2 - t1)
    t0 = time.perf_counter()
    Knowledge.build(effective)
    build_t.append(time.perf_counter() - t0)
    a, u, b = statistics.median(apply_t), statistics.median(update_t), statistics.median(build_t)
    print(f"{label:>10}: {len(kb.services):>6} diensten, {count} revisies: apply {a * 1000:7.1f} ms, "
          f"update {u * 1000:7.1f} ms, samen {(a + u) * 1000:7.1f} ms (mediaan van {repeat}); "
          f"heel de snapshot opnieuw bouwen (basislijn) {b * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb20k", type=Path, default=Path("/tmp/kb-20k"))
    parser.add_argument("--revisions", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (args.kb20k / "vlaanderen.yaml").exists():
        subprocess.run([sys.executable, str(SHARED / "scale.py"), "--copies", "290", "--out", str(args.kb20k)],
                       check=True)
    measure("benchmark", SHARED / "kb", args.revisions, args.repeat)
    measure("20k", args.kb20k, args.revisions, args.repeat)


if __name__ == "__main__":
    main()
