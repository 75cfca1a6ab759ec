#!/usr/bin/env python3
"""Which questions of a new blind set equal a training text, by the leak test's key.

Run it on a set a helper has just written, before anyone reads the set's questions: it prints only
the items that equal (folded, without punctuation, single spaces; tests/test_search.py `leak_key`)
a text of the needs or safety corpus, a labelled training question, a training region's question
or an abstention question. Drop those items (they would fail `make test` and measure the training
data), note them in the set's README, then measure.

  .venv/bin/python benchmarks/leak_check.py benchmarks/blind-<date>-<letter>/questions.yaml
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from kennisbank.search.corpus import needs_corpus, safety_corpus  # noqa: E402
from test_search import PREDATE_EVALUATION, leak_key, training_question_keys  # noqa: E402


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    training = {leak_key(t) for t in (*needs_corpus().texts, *safety_corpus().texts)} | training_question_keys()
    items = yaml.safe_load(Path(sys.argv[1]).read_text(encoding="utf-8"))
    for i, item in enumerate(items):
        key = leak_key(item["q"])
        if key in training:
            note = "(taxonomy, predates the sets)" if key in PREDATE_EVALUATION else ""
            print(i, repr(item["q"]), item.get("kind"), note)
    print(f"{len(items)} questions checked")


if __name__ == "__main__":
    main()
