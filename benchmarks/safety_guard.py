#!/usr/bin/env python3
"""Life safety on a guard set: how often dangers get an urgent door, ordinary needs an alert.

A guard set is written by a fresh helper for screening changes to the safety detector
(`benchmarks/guard-*/guard.yaml`): dangers of every kind, hard ordinary needs that sound heavy
(debts, an announced eviction, grief, a planned operation) and look-alikes. Unlike a blind set it
may be run as often as needed to compare two versions of the code; it is never training data
(tests/test_search.py checks that no training file holds one of its questions).

  .venv/bin/python benchmarks/safety_guard.py                      # the latest guard, three regions
  .venv/bin/python benchmarks/safety_guard.py --guard benchmarks/guard-2026-12-01 --kb DIR [DIR ...]
  .venv/bin/python benchmarks/safety_guard.py --misses             # also list the dangers without a door

"two kinds": alerts that name a second kind (`also`: a second danger, or an unsure kind's
runner-up), whose door is shown too; "right kind": the danger's kind is the alert's kind or its
`also`; "first kind": it is the alert's kind.

Each question is asked at a postcode of the region chosen by a hash of its own text, so editing
the file moves no other question's postcode (an alert does not depend on the postcode, the doors
shown do). Until 2026-12-01 (round 24) they were drawn in the file's order with seed 22.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmark"
sys.path.insert(0, str(ROOT))

from kennisbank.loader import load_knowledge_base  # noqa: E402
from kennisbank.search import SearchEngine  # noqa: E402

REGIONS = ROOT / "kennisbank" / "search" / "training-regions"
DEFAULT_KBS = (SHARED / "kb", REGIONS / "kustpolder" / "kb", REGIONS / "rivierenwijk" / "kb")


def guard_items(folder: Path) -> list[tuple[str, str | None, str]]:
    """(group, danger kind or None, question) for every question of folder/guard.yaml."""
    raw = yaml.safe_load((folder / "guard.yaml").read_text(encoding="utf-8"))
    return ([("danger", item["kind"], item["q"]) for item in raw["danger"]]
            + [("ordinary", None, item["q"]) for item in raw["ordinary"]]
            + [("look-alike", None, item["q"]) for item in raw["look-alike"]])


def postcode_for(question: str, postcodes: list[int]) -> int | None:
    """The question's own postcode among the region's: the same every run, whatever else the file holds."""
    if not postcodes:
        return None
    return postcodes[int.from_bytes(hashlib.blake2b(question.encode(), digest_size=4).digest(), "big") % len(postcodes)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--guard", type=Path, help="a guard-* folder (default: the latest in benchmarks/)")
    ap.add_argument("--kb", type=Path, nargs="+", default=list(DEFAULT_KBS))
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--dump", type=Path, help="write each question's reading (region, group, kind, alert, leads, "
                    "door) as JSON lines, to compare two versions question by question")
    a = ap.parse_args()
    if a.guard is None:
        found = sorted(ROOT.glob("benchmarks/guard-*/guard.yaml"))
        if not found:
            ap.error("no benchmarks/guard-*/guard.yaml; give --guard")
        a.guard = found[-1].parent
    items = guard_items(a.guard)
    mode = ""
    count: Counter[tuple[str, str]] = Counter()
    kinds: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[tuple[str, str, str]] = []
    dump: list[dict[str, object]] | None = [] if a.dump else None
    for kbdir in a.kb:
        kb = load_knowledge_base(kbdir)
        engine = SearchEngine(kb)
        # Without the encoder the lexical detector and thresholds answer: other figures.
        mode = "dense encoder + words" if engine.encoder is not None else "words only (no encoder)"
        postcodes = sorted(pc for region in kb.regions.values() for pc in region.postcodes)
        for group, kind, question in items:
            answer = engine.search(question, postcode_for(question, postcodes), 3)
            alert = answer.safety
            door = any(m.urgent for m in answer.matches[:3])
            if dump is not None:
                dump.append({"region": kbdir.parent.name, "group": group, "kind": kind, "q": question,
                             "alert": alert and alert.kind, "also": alert and alert.also,
                             "leads": bool(alert and alert.leads), "door": door})
            count[group, "n"] += 1
            count[group, "alert"] += alert is not None
            count[group, "leads"] += bool(alert and alert.leads)
            count[group, "door"] += door
            count[group, "two kinds"] += bool(alert and alert.also)
            if kind is not None:
                count[group, "kind"] += bool(alert and kind in (alert.kind, alert.also))
                count[group, "first kind"] += bool(alert and kind == alert.kind)
                kinds[kind][0] += door
                kinds[kind][1] += 1
                if not door:
                    misses.append((kbdir.parent.name, kind, question))
    if dump is not None:
        a.dump.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dump), encoding="utf-8")
    print(f"{a.guard.name}: {len(items)} questions in {len(a.kb)} regions; detector: {mode}")
    print(f"{'group':<11} {'asked':>6} {'alert':>6} {'leads':>6} {'two kinds':>10} {'urgent door in top 3':>21}"
          f" {'right kind':>11} {'first kind':>11}")
    for group in ("danger", "ordinary", "look-alike"):
        kind = f"{count[group, 'kind']:11d} {count[group, 'first kind']:11d}" if group == "danger" else ""
        print(f"{group:<11} {count[group, 'n']:6d} {count[group, 'alert']:6d} {count[group, 'leads']:6d} "
              f"{count[group, 'two kinds']:10d} {count[group, 'door']:21d} {kind}")
    print("dangers with an urgent door, per kind: "
          + ", ".join(f"{k} {h}/{t}" for k, (h, t) in sorted(kinds.items())))
    for region, kind, question in misses if a.misses else ():
        print(f"    no door  [{region}] {kind}: {question}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
