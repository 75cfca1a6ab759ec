#!/usr/bin/env python3
"""Does another machine fit the same classifiers? The needs and safety models, fitted twice.

Each machine fits the needs and safety classifiers itself (and caches them), while the thresholds
they are compared with (`kennisbank/search/ranking.json`) were chosen once, on the machine that ran
the training. This fits each classifier on its whole corpus here and once more in a subprocess
whose OpenBLAS uses another CPU's kernels (OPENBLAS_CORETYPE: Sandybridge, or Haswell where this
machine already runs Sandybridge), as a different CPU would, and reports how far the two fits'
probabilities on the corpus lie apart: at params.FIT_TOL and, as the baseline in the same run, at
scikit-learn's default tolerance (1e-4). The kernel is what moves the fit: a reviewer found that
switching numpy's own AVX-512 loops off changes the probabilities by about 1e-20. Where OpenBLAS
cannot be told another kernel (not x86, or another BLAS), it says so and measures nothing.

  .venv/bin/python benchmarks/fit_stability.py                    # all four classifiers, ~8 min on 2 cores
  .venv/bin/python benchmarks/fit_stability.py --kind safety --reads dense --tol 1e-4 1e-8

Columns: "max |dp|" and "mean |dp|" over every (situation, label) probability; "top changed":
situations whose most probable label differs; "alert changed" (safety only): situations on the
other side of the committed alert threshold (the mean classifier's, applied to each member here);
seconds per fit, here and in the subprocess.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_SKLEARN_TOL = 1e-4


def fit_probabilities(kind: str, reads: str, tol: float) -> tuple[np.ndarray, tuple[str, ...], float]:
    """Probabilities (situations, labels) of the classifier fitted at `tol`, its labels, the fit's seconds."""
    from kennisbank.search.classifier import TextClassifier, corpus_vectors
    from kennisbank.search.corpus import needs_corpus, safety_corpus
    from kennisbank.search.dense import load_encoder
    from kennisbank.search.params import NEEDS_C, SAFETY_C
    from kennisbank.search.safety import class_weights

    corpus = safety_corpus() if kind == "safety" else needs_corpus()
    vectors = None
    if reads == "dense":
        encoder = load_encoder()
        if encoder is None:
            raise SystemExit("the encoder does not load: measure --reads words only")
        vectors = corpus_vectors(corpus, encoder)
    started = time.perf_counter()
    model = TextClassifier.fit(corpus, vectors, SAFETY_C if kind == "safety" else NEEDS_C,
                               class_weights() if kind == "safety" else None, tol=tol)
    seconds = time.perf_counter() - started
    return model.probabilities(list(corpus.texts), vectors), tuple(model.labels), seconds


def blas_kernel() -> str | None:
    """The kernel (CPU architecture) numpy's OpenBLAS runs here, or None for another BLAS."""
    from threadpoolctl import threadpool_info

    found = [i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"]
    return str(found[0]) if found and found[0] else None


def other_kernels() -> dict[str, str] | None:
    """Environment for a subprocess whose OpenBLAS runs another CPU's kernels; None where it cannot."""
    here = blas_kernel()
    if here is None or platform.machine() not in ("x86_64", "AMD64"):
        return None
    env = dict(os.environ)
    env["OPENBLAS_CORETYPE"] = "Haswell" if here.lower() == "sandybridge" else "Sandybridge"
    env["PYTHONPATH"] = str(ROOT)
    return env


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kind", nargs="+", choices=("needs", "safety"), default=["needs", "safety"])
    ap.add_argument("--reads", nargs="+", choices=("dense", "words"), default=["dense", "words"])
    ap.add_argument("--tol", nargs="+", type=float, default=None,
                    help=f"tolerances to compare (default: {DEFAULT_SKLEARN_TOL:g} and params.FIT_TOL)")
    ap.add_argument("--worker", nargs=4, metavar=("KIND", "READS", "TOL", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        kind, reads, tol, out = args.worker
        probs, _, seconds = fit_probabilities(kind, reads, float(tol))
        np.save(out, probs)
        Path(out + ".json").write_text(json.dumps({"seconds": seconds, "kernel": blas_kernel()}))
        return 0

    from kennisbank.search.corpus import HARMLESS
    from kennisbank.search.params import FIT_TOL
    from kennisbank.search.ranking import load_ranking

    tols = args.tol or [DEFAULT_SKLEARN_TOL, FIT_TOL]
    alert = load_ranking().safety_threshold
    env = other_kernels()
    if env is None:
        print(f"OpenBLAS cannot be told another kernel here ({platform.machine()}, kernel {blas_kernel()}): "
              "nothing to compare", file=sys.stderr)
        return 2
    reads_all = list(args.reads)
    if "dense" in reads_all:
        from kennisbank.search.dense import encoder_problem, load_encoder
        if load_encoder() is None:
            print(f"dense classifiers left out: {encoder_problem() or 'the encoder is off'}", file=sys.stderr)
            reads_all.remove("dense")
    print(f"OpenBLAS kernel here: {blas_kernel()}; in the subprocess: {env['OPENBLAS_CORETYPE']}")
    print(f"{'classifier':15} {'tol':>7} {'max |dp|':>9} {'mean |dp|':>10} {'top changed':>12} "
          f"{'alert changed':>14} {'s here':>7} {'s other':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kind:
            for reads in reads_all:
                for tol in tols:
                    out = str(Path(tmp) / f"{kind}-{reads}-{tol:g}.npy")
                    subprocess.run([sys.executable, __file__, "--worker", kind, reads, repr(tol), out],
                                   env=env, check=True)
                    report = json.loads(Path(out + ".json").read_text())
                    if report["kernel"] == blas_kernel():   # before fitting here: nothing to compare
                        raise SystemExit(f"the subprocess ran the same kernel ({report['kernel']}): "
                                         "OPENBLAS_CORETYPE had no effect, nothing measured")
                    other, other_seconds = np.load(out), report["seconds"]
                    here, labels, seconds = fit_probabilities(kind, reads, tol)
                    diff = np.abs(here - other)
                    top = int((here.argmax(1) != other.argmax(1)).sum())
                    flips = "-"
                    if kind == "safety":   # the alarm is 1 - p(harmless)
                        h = labels.index(HARMLESS)
                        flips = str(int(((1 - here[:, h] >= alert) != (1 - other[:, h] >= alert)).sum()))
                    print(f"{kind + '-' + reads:15} {tol:7.0e} {diff.max():9.4f} {diff.mean():10.2e} "
                          f"{top:12d} {flips:>14} {seconds:7.1f} {other_seconds:8.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
