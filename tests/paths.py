"""Where the tests find things: the repository and the shared benchmark next to it (../shared)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]          # the repository
SHARED = ROOT.parent / "shared"                     # ../shared: the benchmark region and its questions
BENCHMARK = SHARED / "benchmark"
BENCHMARK_KB = BENCHMARK / "kb"
DEV_QUESTIONS = BENCHMARK / "questions-dev.yaml"
