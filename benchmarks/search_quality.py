#!/usr/bin/env python3
"""Search quality next to its peers, in the same run, on the same questions and area filter.

  ours          kennisbank.search.SearchEngine (needs model + BM25F + dense, fitted fusion, safety)
  ours-lexical  the same engine without the dense encoder (what runs when the model cannot load)
  needs-only    ablation: the fitted ranking with only the need features (and locality)
  lexical-only  ablation: our BM25F alone (answers whenever a word overlaps)
  dense-only    ablation/peer: multilingual-e5-small cosine alone, always its top 3
  bm25          rank-bm25 (Okapi) over each service's text; answers whenever a word overlaps
  rapidfuzz     token_set_ratio between question and service name/summary/keywords, answers at >= 40

Every method sees only the active services that serve the question's postcode (plus the Flemish
layer); wrong-area is checked for all. For question sets with `safety:` labels it also reports, for
ours: safety recall (a fitting urgent service in the top 3, per kind), unanswered life-safety
questions, and false alarms (an urgent door in the top 3 of a harmless look-alike).

  .venv/bin/python benchmarks/search_quality.py                         # the dev set
  .venv/bin/python benchmarks/search_quality.py --set benchmarks/blind-2026-11-30-a
  .venv/bin/python benchmarks/search_quality.py --questions F --kb DIR [--misses]
A blind set is measured once, when it is new; its figures are written in its README.md and never
tuned on afterwards (see benchmarks/README.md).
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmark"
sys.path.insert(0, str(ROOT))

from kennisbank.loader import load_knowledge_base  # noqa: E402
from kennisbank.search import Answer, SearchEngine  # noqa: E402
from kennisbank.search.ranking import FEATURES  # noqa: E402


def service_text(s) -> str:
    return " ".join([s.organisation, s.name, s.summary, s.description or "", " ".join(s.keywords)])


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


class Bm25:
    def __init__(self, services):
        self.services = services
        self.model = BM25Okapi([tokens(service_text(s)) for s in services])

    def ids(self, question: str, postcode) -> list[str]:
        scores = self.model.get_scores(tokens(question)) if tokens(question) else []
        # no scores for a question without words: zip stops at once, nothing is ranked
        ranked = sorted(((sc, s.id) for sc, s in zip(scores, self.services, strict=False)
                         if sc > 0 and s.serves(postcode)), reverse=True)
        return [sid for _, sid in ranked[:3]]


FUZZY_MIN = 40  # below this token_set_ratio the baseline abstains


class Fuzzy:
    def __init__(self, services):
        self.items = [(s, " ".join([s.organisation, s.name, s.summary, " ".join(s.keywords)]).lower())
                      for s in services]

    def ids(self, question: str, postcode) -> list[str]:
        q = question.lower().strip()
        if not q:
            return []
        ranked = sorted(((fuzz.token_set_ratio(q, text), s.id) for s, text in self.items if s.serves(postcode)),
                        reverse=True)
        return [sid for sc, sid in ranked[:3] if sc >= FUZZY_MIN]


class Ours:
    def __init__(self, engine: SearchEngine):
        self.engine = engine
        self.last: Answer | None = None

    def ids(self, question: str, postcode) -> list[str]:
        answer = self.engine.search(question, postcode, 3)
        self.last = answer
        return [m.id for m in answer.matches]


class Masked(Ours):
    """The engine with only some ranking features (an ablation); abstention and safety stay."""

    def __init__(self, engine: SearchEngine, keep: tuple[str, ...]):
        masked = np.array([w if f in keep else 0.0 for f, w in zip(FEATURES, engine.ranking.weights, strict=True)],
                          dtype=np.float32)
        engine = _shallow(engine)
        engine.ranking = replace(engine.ranking, weights=masked)
        super().__init__(engine)


def _shallow(engine: SearchEngine) -> SearchEngine:
    clone = object.__new__(SearchEngine)
    clone.__dict__.update(engine.__dict__)
    return clone


class LexicalOnly:
    """Our BM25F alone, over the services of the postcode."""

    def __init__(self, engine: SearchEngine):
        self.engine = engine

    def ids(self, question: str, postcode) -> list[str]:
        from kennisbank.search import lexical
        from kennisbank.search.analysis import analyse

        e = self.engine
        terms = analyse(question, e.vocab, e.synonyms)
        rows, spans = e.index.rows_for(postcode, e._region_of_postcode.get(postcode) if postcode else None)
        bm25, *_ = e.index.lexical(lexical.query_terms(terms), rows, spans)
        ranked = sorted(((float(v), e._services[int(i)].id) for i, v in zip(rows, bm25, strict=True) if v > 0),
                        key=lambda p: -p[0])
        return [sid for _, sid in ranked[:3]]


class DenseOnly:
    """multilingual-e5-small alone: cosine of question and service text, top 3, never abstains."""

    def __init__(self, engine: SearchEngine):
        self.engine = engine

    def ids(self, question: str, postcode) -> list[str]:
        e = self.engine
        vector, _ = e.embed_question(question)
        assert e._vectors is not None and vector is not None  # only run with the encoder
        candidates, _ = e.index.rows_for(postcode, e._region_of_postcode.get(postcode) if postcode else None)
        sims = e._dense(candidates, vector)
        assert sims is not None
        return [e._services[int(candidates[i])].id for i in np.argsort(-sims, kind="stable")[:3]]


def score(method, questions, kb, misses: list | None = None) -> dict:
    hit1 = hit3 = answerable = abstain = unanswerable = wrong = 0
    safety: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])  # kind -> [hits, total]
    unanswered_safety = false_alarm = harmless = 0
    for q in questions:
        pc = q.get("postcode")
        got = method.ids(q["q"] or "", pc)
        wrong += sum(1 for sid in got if not kb.services[sid].serves(pc))
        expect = set(q.get("expect") or [])
        kind = q.get("safety") or "none"
        if expect:
            answerable += 1
            h1 = bool(got) and got[0] in expect
            h3 = bool(expect & set(got[:3]))
            hit1 += h1
            hit3 += h3
            if not h3 and misses is not None:
                misses.append(("miss@3", q["q"], pc, sorted(expect), got[:3]))
        else:
            unanswerable += 1
            abstain += not got
            if got and misses is not None:
                misses.append(("no-abstain", q["q"], pc, [], got[:3]))
        if kind not in ("none", "harmless"):
            safety[kind][0] += bool(expect & set(got[:3]))
            safety[kind][1] += 1
            unanswered_safety += not got
        if kind == "harmless" and isinstance(method, Ours):
            harmless += 1
            assert method.last is not None  # ids() just ran
            false_alarm += any(m.urgent for m in method.last.matches)
    out: dict[str, Any] = {"hit@1": hit1 / max(answerable, 1), "hit@3": hit3 / max(answerable, 1),
           "abstain": abstain / unanswerable if unanswerable else 1.0, "wrong": wrong}
    if safety:
        total = sum(t for _, t in safety.values())
        out["safety"] = sum(h for h, _ in safety.values()) / max(total, 1)
        out["safety_n"] = total
        out["safety_kinds"] = {k: f"{h}/{t}" for k, (h, t) in sorted(safety.items())}
        out["unanswered_safety"] = unanswered_safety
    if harmless:
        out["false_alarm"] = false_alarm / harmless
        out["harmless_n"] = harmless
    return out


def question_sets(a) -> list[tuple[str, Path, Path]]:
    if a.questions:
        return [(a.questions.name, a.questions, a.kb or SHARED / "kb")]
    if a.set:
        return [(d.name, d / "questions.yaml", d / "kb") for d in a.set]
    # Blind sets only on request (--set): each is measured once, when its round is done.
    return [("dev (ours)", SHARED / "questions-dev.yaml", SHARED / "kb")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", type=Path, nargs="+", help="blind set folder(s) with questions.yaml and kb/")
    ap.add_argument("--questions", type=Path)
    ap.add_argument("--kb", type=Path)
    ap.add_argument("--misses", action="store_true", help="print what ours missed")
    a = ap.parse_args()
    for label, qpath, kbdir in question_sets(a):
        kb = load_knowledge_base(kbdir)
        services = kb.active_services()
        questions = yaml.safe_load(qpath.read_text(encoding="utf-8"))
        t0 = time.perf_counter()
        engine = SearchEngine(kb)
        lexical_engine = SearchEngine(kb, encoder=False)
        methods = {
            "ours": Ours(engine),
            "ours-lexical": Ours(lexical_engine),
            "needs-only": Masked(engine, ("need_max", "need_sum", "need_first", "local", "flemish", "specialised")),
            "lexical-only": LexicalOnly(engine),
            "dense-only": DenseOnly(engine),
            "bm25": Bm25(services),
            "rapidfuzz": Fuzzy(services),
        }
        print(f"\n{label}: {len(questions)} questions ({qpath}), "
              f"engines built in {time.perf_counter() - t0:.1f} s")
        print(f"{'method':<13} {'hit@1':>6} {'hit@3':>6} {'abstain':>8} {'wrong':>6} {'safety@3':>9} "
              f"{'no-answer':>10} {'false-alarm':>12}")
        results = {}
        for name, method in methods.items():
            misses: list = []
            r = results[name] = score(method, questions, kb, misses if (a.misses and name == "ours") else None)
            extra = ""
            if "safety" in r:
                extra += f" {r['safety']:9.3f} {r['unanswered_safety']:>10d}"
            if "false_alarm" in r:
                extra += f" {r['false_alarm']:12.3f}"
            print(f"{name:<13} {r['hit@1']:6.3f} {r['hit@3']:6.3f} {r['abstain']:8.3f} {r['wrong']:6d}{extra}")
            for kind, text, pc, expect, got in misses:
                print(f"    {kind:10} [{pc}] {text}\n    {'':10} expected {expect}\n    {'':10} got      {got}")
        if "safety_kinds" in results["ours"]:
            print("ours safety per kind: " + ", ".join(f"{k} {v}" for k, v in results["ours"]["safety_kinds"].items()))
        peers = max(results[m]["hit@3"] for m in ("bm25", "rapidfuzz", "dense-only"))
        print(f"ours hit@3 - best peer (bm25, rapidfuzz, dense-only) = {results['ours']['hit@3'] - peers:+.3f} "
              "(bar: >= +0.15)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
