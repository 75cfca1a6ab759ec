"""Load benchmark: many chats at once through the Bot API stand-in, real long polling.

The stand-in runs in its own process (so its work does not count as the bot's); the bot runs
here. Every chat sets its postcode, then asks the benchmark questions one after another, all
chats at the same time. Reported: whether every message was answered, and the bot's own
processing per update (from the update being dispatched to the reply's HTTP call returning),
as recorded by bot.app.TimedApplication.

    .venv/bin/python benchmarks/bot_load.py [--chats 50] [--rounds 5] [--rate 0]

--rate 30 applies Telegram's own overall limit (about 30 messages a second) as production does;
the default 0 measures the bot itself rather than that deliberate throttle.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml
from telegram import Update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_application, stop_application  # noqa: E402
from bot.state import STATE_KEY  # noqa: E402
from kennisbank.loader import load_knowledge_base  # noqa: E402

KB_DIR = ROOT.parent / "shared" / "benchmark" / "kb"
QUESTIONS = ROOT.parent / "shared" / "benchmark" / "questions-dev.yaml"
TOKEN = "123456789:BENCH-token_abcdefghijklmnopqrstuv"


def start_standin() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "standin.py"), "--port", "0",
                             "--token", TOKEN], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None  # stdout=PIPE
    line = proc.stdout.readline()
    base_url = line.split("TELEGRAM_BASE_URL=")[1].split()[0]
    return proc, base_url


async def wait_answers(client: httpx.AsyncClient, control: str, expected: int, since: int,
                       timeout: float = 120) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        calls = (await client.get(f"{control}/calls", params={"since": since})).json()
        sent = [c for c in calls if c["method"] == "sendMessage" and c["status"] == 200]
        if len(sent) >= expected or time.monotonic() > deadline:
            return sent
        await asyncio.sleep(0.05)


async def run(chats: int, rounds: int, rate: float) -> int:
    kb = load_knowledge_base(KB_DIR)
    questions = [item["q"] for item in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))]
    proc, base_url = start_standin()
    control = base_url.rsplit("/bot", 1)[0] + "/_standin"
    db = Path("/tmp") / f"welzijnsbot-bench-{time.time_ns()}.sqlite3"
    app = build_application(TOKEN, kb, db, base_url=base_url, overall_max_rate=rate)
    failures = 0
    try:
        await app.initialize()
        assert app.post_init is not None and app.updater is not None  # both set by the builder
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=2, allowed_updates=Update.ALL_TYPES)
        state = app.bot_data[STATE_KEY]
        async with httpx.AsyncClient(timeout=30) as client:
            since = len((await client.get(f"{control}/calls")).json())
            for chat in range(chats):
                await client.post(f"{control}/inject", json={"chat_id": 5000 + chat, "text": "/postcode 9801"})
            sent = await wait_answers(client, control, chats, since)
            failures += chats - len(sent)
            state.timings.clear()
            started = time.perf_counter()
            total = 0
            for round_ in range(rounds):
                since = len((await client.get(f"{control}/calls")).json())
                for chat in range(chats):
                    q = questions[(chat + round_ * chats) % len(questions)]
                    await client.post(f"{control}/inject", json={"chat_id": 5000 + chat, "text": q})
                sent = await wait_answers(client, control, chats, since)
                answered = {c["params"]["chat_id"] for c in sent}
                failures += chats - len(answered)
                total += chats
            wall = time.perf_counter() - started
        timings = sorted(t * 1000 for t in state.timings)
        median = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"bot_load: {chats} chats at once x {rounds} questions = {total} questions "
              f"(+{chats} /postcode), overall rate cap {rate or 'none'}/s")
        print(f"  answered: {total - failures}/{total}  (unanswered: {failures})")
        print(f"  bot processing per update: median {median:.1f} ms, p95 {p95:.1f} ms, "
              f"max {timings[-1]:.1f} ms  (n={len(timings)})")
        print(f"  wall time {wall:.2f} s, {total / wall:.0f} questions/s")
        print(json.dumps({"chats": chats, "questions": total, "unanswered": failures,
                          "median_ms": round(median, 2), "p95_ms": round(p95, 2),
                          "max_ms": round(timings[-1], 2), "per_second": round(total / wall, 1)}))
        ok = failures == 0 and median <= 10
        print("  OK" if ok else "  NOT OK: target is every message answered and median <= 10 ms")
        return 0 if ok else 1
    finally:
        await stop_application(app)
        proc.terminate()
        proc.wait()
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=float, default=0, help="overall messages/s cap (0 = none)")
    args = parser.parse_args()
    return asyncio.run(run(args.chats, args.rounds, args.rate))


if __name__ == "__main__":
    sys.exit(main())
