"""Fusion: one feature vector per (question, service), one fitted linear model to order them.

Features (all computed for every candidate at once, as numpy columns):
  need_max     strongest recognised need the service covers, times its position weight
  need_sum     all recognised needs it covers (a service for two needs of the question)
  need_first   probability of the service's first (core) theme
  bm25_rel     BM25F score relative to the best candidate of this question (0..1)
  bm25_sat     BM25F score saturated, s / (s + 5): the absolute strength of the words
  bm25_cover   share of the question's idf mass in the service's words (0..1): many of the
               question's words, not one incidental rare word
  dense        cosine of question and service embeddings (0 without an encoder)
  dense_rel    that cosine minus the best candidate's (<= 0)
  local        1 for a service of some municipalities (not the whole region), else 0
  flemish      1 for the Flemish layer
  specialised  1 / number of the service's themes
  urgent_off   1 for an urgent door (crisis line, night shelter) times the probability that the
               question is NOT about a crisis or violence: an acute door is no referral for an
               ordinary need (the life-safety detector brings it where a danger is)

What the question says about fit is not a weighted feature but an order (engine.py): a
temporarily-closed service comes after the open ones close to the best; a service for other ages,
or of an organisation the family will not or cannot go to, comes after every service that fits
and is no reason to answer on its own ("nothing fits" when only such services match). Labelled
data rarely shows these cases, so a fitted weight for them would be close to zero and they would
silently do nothing.

The weights (and the abstention thresholds) are fitted by training.py on labelled (question,
acceptable services) pairs and stored in ranking.json: the order by a softmax over each question's
candidates, then the scale by Platt scaling, so that the score of a service is the model's
probability that it is an acceptable referral.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..safety import ACUTE_THEMES
from ..schema import THEME_IDS
from . import params

FEATURES: tuple[str, ...] = ("need_max", "need_sum", "need_first", "bm25_rel", "bm25_sat", "bm25_cover", "dense",
                             "dense_rel", "local", "flemish", "specialised", "urgent_off")

RANKING_FILE = Path(__file__).with_name("ranking.json")
BM25_HALF = 5.0  # BM25F score at which bm25_sat is 0.5
_ACUTE_INDEX = [THEME_IDS.index(t) for t in ACUTE_THEMES]


@dataclass(frozen=True)
class Candidates:
    """Per-candidate inputs, aligned arrays of length C (built by the engine)."""
    theme_slots: np.ndarray     # (C, K) index of the service's k-th theme (T = none), K = most themes listed
    theme_position: np.ndarray  # (C, K) THEME_POSITION of that theme, 0 for none
    first_theme: np.ndarray     # (C,) index of the service's first theme
    bm25: np.ndarray            # (C,)
    bm25_cover: np.ndarray      # (C,) share of the question's idf mass the service holds, 0..1
    dense: np.ndarray | None    # (C,) cosine, None without an encoder
    locality: np.ndarray        # (C,) 1 municipality-specific, 0 whole region, -1 Flemish layer
    n_themes: np.ndarray        # (C,)
    urgent: np.ndarray          # (C,) bool: an urgent door


def features(needs: np.ndarray, c: Candidates) -> np.ndarray:
    """(C, len(FEATURES)) feature matrix; `needs` is (T,) theme probabilities of the question."""
    n = len(c.bm25)
    x = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if not n:
        return x
    # The need a service covers, weighted by where it lists it: over its few themes, not all 24
    # (a question for all of Flanders has 20,000 candidates).
    covered = c.theme_position * np.append(needs, np.float32(0.0))[c.theme_slots]
    best_bm25 = float(c.bm25.max())
    x[:, 0] = covered.max(axis=1)
    x[:, 1] = covered.sum(axis=1)
    x[:, 2] = needs[c.first_theme]
    if best_bm25 > 0:
        x[:, 3] = c.bm25 / best_bm25
    x[:, 4] = c.bm25 / (c.bm25 + BM25_HALF)
    x[:, 5] = c.bm25_cover
    if c.dense is not None:
        x[:, 6] = c.dense
        x[:, 7] = c.dense - float(c.dense.max())
    x[:, 8] = c.locality == 1
    x[:, 9] = c.locality == -1
    x[:, 10] = 1.0 / np.maximum(c.n_themes, 1)
    x[:, 11] = c.urgent * (1.0 - float(max(needs[_ACUTE_INDEX])))
    return x


@dataclass(frozen=True)
class RankingModel:
    """w . features + bias -> logit; plus the fitted abstention thresholds."""
    weights: np.ndarray
    bias: float
    none_threshold: float
    ask_threshold: float
    safety_threshold: float        # a possible danger: one urgent door in the answer, never "nothing fits"
    safety_lead_threshold: float   # a likely danger: the urgent doors lead, with "bel 112"
    source: str = "defaults"

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Probability (0..1) that each candidate is an acceptable referral."""
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-(x @ self.weights + self.bias)))
        return probabilities

    def contributions(self, row: np.ndarray) -> list[tuple[str, float]]:
        """Each feature's share of one candidate's logit, largest first (for --uitleg)."""
        parts = [(name, float(w * v)) for name, w, v in zip(FEATURES, self.weights, row, strict=True)
                 if abs(w * v) > 1e-3]
        return sorted(parts, key=lambda p: -abs(p[1]))

    def to_json(self, meta: dict[str, Any]) -> str:
        return json.dumps({"features": list(FEATURES), "weights": [round(float(w), 5) for w in self.weights],
                           "bias": round(self.bias, 5), "none_threshold": round(self.none_threshold, 4),
                           "ask_threshold": round(self.ask_threshold, 4),
                           "safety_threshold": round(self.safety_threshold, 4),
                           "safety_lead_threshold": round(self.safety_lead_threshold, 4), **meta}, indent=1)


# Before any fit: needs first, then words and meaning; the fitted file replaces these.
_DEFAULT_WEIGHTS = {"need_max": 6.0, "need_sum": 1.0, "need_first": 1.0, "bm25_rel": 1.5, "bm25_sat": 1.5,
                    "bm25_cover": 1.0, "dense": 0.0, "dense_rel": 20.0, "local": 0.3, "flemish": -0.3,
                    "specialised": 0.5, "urgent_off": -1.0}


def load_ranking(path: Path = RANKING_FILE, dense: bool = True) -> RankingModel:
    """The fitted model for a search with (`dense`) or without the encoder; defaults if none is fitted."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        block = raw["dense" if dense else "lexical"]
        if tuple(block["features"]) != FEATURES:
            raise ValueError("features changed since the fit")
        return RankingModel(np.array(block["weights"], dtype=np.float32), float(block["bias"]),
                            float(block["none_threshold"]), float(block["ask_threshold"]),
                            float(block["safety_threshold"]), float(block["safety_lead_threshold"]),
                            source=path.name)
    except (OSError, ValueError, KeyError):
        return RankingModel(np.array([_DEFAULT_WEIGHTS[f] for f in FEATURES], dtype=np.float32), -4.0,
                            params.NONE_THRESHOLD, params.ASK_THRESHOLD, params.SAFETY_THRESHOLD,
                            params.SAFETY_LEAD_THRESHOLD)
