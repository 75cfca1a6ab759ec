"""A writer killed with SIGKILL at any moment loses no confirmed change and leaves no half of one."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from kennisbank import revisions as rv
from kennisbank.loader import load_knowledge_base
from paths import BENCHMARK_KB

BENCH_KB = BENCHMARK_KB
SERVICE = "caw-lindeland-onthaal"

# Confirms changes in a loop, like editors tapping "Bevestigen"; prints each id only after
# record() returned, i.e. after the editor would have seen "bewaard".
WRITER = textwrap.dedent("""
    import asyncio, sys
    from kennisbank import revisions as rv
    from kennisbank.loader import load_knowledge_base
    from kennisbank.store import Store

    async def main(db, kb_dir, service, start):
        kb = load_knowledge_base(kb_dir)
        async with Store(db) as store:
            n = start
            while True:
                n += 1
                field, value = (("hours", f"ma {n}u") if n % 2 else ("keywords", [f"woord{n}", "vast"]))
                done = await rv.record(store, kb, user_id=n, service_id=service, field=field, new=value)
                print(done.id, flush=True)

    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
""")


def run_and_kill(script: Path, db: Path, start: int, confirmed_before_kill: int) -> list[int]:
    proc = subprocess.Popen([sys.executable, str(script), str(db), str(BENCH_KB), SERVICE, str(start)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reported: list[int] = []
    assert proc.stdout is not None and proc.stderr is not None  # both PIPE
    try:
        while len(reported) < confirmed_before_kill:
            line = proc.stdout.readline()
            assert line, f"writer stopped early: {proc.stderr.read()}"
            reported.append(int(line))
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reported += [int(x) for x in rest.split()]   # printed before the kill, still in the pipe
    assert proc.returncode == -signal.SIGKILL
    return reported


def test_sigkill_during_writes_loses_no_confirmed_revision(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    db = tmp_path / "bot.sqlite3"
    reported: list[int] = []
    for round_ in range(3):
        reported += run_and_kill(script, db, start=1000 * round_, confirmed_before_kill=25 + 7 * round_)

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    rows = conn.execute("SELECT id, field, old, new FROM revision ORDER BY id").fetchall()
    stored = {row[0] for row in rows}
    assert set(reported) <= stored, f"lost: {sorted(set(reported) - stored)}"
    # No half change: every row is complete, and each one started from the value the previous
    # change of that field left behind (the transactions never interleaved or lost a write).
    last: dict[str, object] = {}
    kb = load_knowledge_base(BENCH_KB)
    for _id, field, old, new in rows:
        old, new = json.loads(old), json.loads(new)
        expected = last.get(field, rv.FIELDS[field].get(kb.services[SERVICE]))
        assert old == expected
        last[field] = new
    effective = rv.apply_revisions(kb, [rv.Revision(i, "", None, SERVICE, "", "lindeland", f, json.loads(o),
                                                    json.loads(n)) for i, f, o, n in rows])
    assert effective.services[SERVICE].hours == last["hours"]
    assert list(effective.services[SERVICE].keywords) == last["keywords"]
