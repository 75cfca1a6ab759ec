"""Every hand-set hyper-parameter of the search, in one place.

The weights that combine the evidence are not here: they are fitted (`ranking.json`, written by
`python -m kennisbank.search.training`). What stays hand-set is the shape of the features and a
few limits, each with the reason it has its value.
"""
from __future__ import annotations

# Text analysis for the needs model: character n-grams inside word boundaries survive phone
# typing ("huurachterstant", "schuldn") and Flemish spellings better than whole words.
CHAR_NGRAMS = (2, 5)
# Inverse regularisation strength of the needs and safety classifiers (logistic regression).
# Needs: 8 is the only value tried so far (5-fold CV top-1 accuracy 0.78 with the dense block).
# Safety: round 21 screened 2, 8 and 32 on the out-of-fold curve; recall at 15% false alarms on
# the look-alikes was 0.943 / 0.953 / 0.951 (dense) and 0.929 / 0.931 / 0.929 (word-only).
NEEDS_C = 8.0
SAFETY_C = 8.0
# How far the classifiers' fit goes: lbfgs stops when the largest gradient entry is below this, or
# when the loss no longer goes down (scikit-learn's fixed ftol, 64 machine epsilons). scikit-learn's
# default (1e-4) stops early, at a point that depends on the machine's floating point (OpenBLAS's
# kernel for the CPU). Each machine fits these classifiers itself, while the thresholds in
# ranking.json were chosen for one machine's fit. Round 47 (benchmarks/fit_stability.py, the same
# corpus fitted with two OpenBLAS kernels): at 1e-4 up to 0.24 apart in probability (dense needs) and
# 22 safety situations on the other side of the alert threshold (word-only safety); at 1e-8 all four
# within 0.005. 1e-8 is never reached: every fit ends where the loss stops going down (a reviewer
# found gradients of 2e-6 to 3e-5 left), which is the point: run to convergence, not to a tolerance.
# Each fit takes 2-5 times as long (15-60 s).
FIT_TOL = 1e-8
FIT_MAX_ITER = 20_000
# Weight of each danger kind against "harmless" when the safety detectors are fitted: ~130
# situations per kind stand against ~7,000 ordinary ones. Round 13 screened this on the
# out-of-fold curve: at equal false alarms on the look-alikes, recall rose by about one point
# for the dense detector and two points for the word-only one, compared with weight 1.
SAFETY_KIND_WEIGHT = 4.0
# Weight of the dense question embedding next to the sparse n-gram features in the classifiers:
# all blocks are L2-normalised, so this is their relative say. 5-fold CV on the needs corpus
# (2026-11-30): top-1 accuracy 0.764 at 1.0, 0.782 at 2.0, 0.783 at 3.0.
DENSE_FEATURE_WEIGHT = 2.0

# L2 penalty of the listwise ranking fit (training.listwise_direction), on standardised features.
# Round 14's leave-one-region-out screen gave hit@3 0.878 / 0.878 / 0.881 at 1e-4 / 1e-3 / 1e-2:
# the fit hardly depends on it; it only keeps the weights finite when a feature separates a few
# questions perfectly.
RANKING_L2 = 1e-3

# How much a service's later themes count: the first theme is its core business.
THEME_POSITION = (1.0, 0.8, 0.65, 0.5)

# BM25F over the service fields: field weights (a keyword is a deliberate label, a description
# mentions much in passing), length normalisation per field, and term saturation.
FIELD_WEIGHT = {"keywords": 3.0, "name": 2.5, "summary": 1.5, "organisation": 1.0, "description": 0.7}
FIELD_B = {"keywords": 0.3, "name": 0.5, "summary": 0.75, "organisation": 0.5, "description": 0.75}
BM25_K1 = 1.2
COMPOUND_PART = 0.5   # "schuld" found only inside "schuldbemiddeling"
SYNONYM_TERM = 0.6    # a word synonyms.yaml added ("loyer" -> huur) is weaker than a typed one

# Abstention: the needs model's probability that the question is about no welfare need at all
# above which the answer is "nothing fits", and the strongest need below which the bot asks
# back. Both are fitted on cross-validated corpus predictions (training.py) and stored with the
# ranking weights; these are the fallbacks when no fitted file is present.
NONE_THRESHOLD = 0.5
ASK_THRESHOLD = 0.2
# Asking back is for short questions ("papieren", "de schoolreis"): at most this many content words.
ASK_MAX_WORDS = 6
# A need this probable is shown as recognised; a need this much weaker than the first is dropped.
NEED_SHOWN = 0.15
NEED_RELATIVE = 0.3
# A long story in which no need reaches NEED_SHOWN (its needs are spread over several themes) is
# answered with the services of this many of its likeliest needs.
SPREAD_NEEDS = 3
# Results within this share of the best fused score are shown (up to the limit).
RESULT_RELATIVE = 0.35
# Below that share a service only fills the first screen (engine.SHOWN_FIRST), and only when the
# fitted model gives it at least this probability of being an acceptable referral. Round 17, on the
# training regions' and dev questions: of 92 fill-ins under 0.05 two were acceptable and none was
# the question's first acceptable one; from 0.05 on, 19 of 90 were, and 3 gave the question its hit.
FILL_MIN = 0.05
# A service that covers none of the recognised needs is shown only when the fitted model gives it
# at least even odds of being an acceptable referral on its words and meaning alone; otherwise a
# need the region has no service for gets "nothing fits" instead of an unrelated service.
UNCOVERED_MIN = 0.5

# A question for all of Flanders (no postcode) has ~20,000 candidates: from PRUNE_FROM on, only
# services that cover a recognised need, share a word with the question, or are among the
# DENSE_KEEP nearest by meaning are ranked; the others cannot be shown (engine._score_inputs).
PRUNE_FROM = 2000
DENSE_KEEP = 300

# Life safety: two fitted thresholds (training.py; these are the fallbacks). Above the first the
# question may concern a danger: one urgent door is in the answer and it is never "nothing fits".
# Above the second the danger is likely: at most SAFETY_DOORS urgent doors lead, with "bel 112".
SAFETY_THRESHOLD = 0.1
SAFETY_LEAD_THRESHOLD = 0.5
SAFETY_DOORS = 2
# A likely danger whose runner-up kind weighs at least this share of the chosen kind (the readings'
# kind probabilities, weighted by how alarming each reading is) is unsure of its kind: the
# runner-up's best door takes the last of the SAFETY_DOORS places. Round 25, on the safety guard:
# 15 more dangers get two kinds, 6 of them the right kind they missed (327 -> 333 of 357); at 0.3,
# 30 more and 9 (docs/search.md).
SAFETY_RUNNER_UP = 0.5
# A question of at most this many words is also read in lower case by the safety detector (the
# encoder is cased: "Zelfmoordpoging" raised no alert where "zelfmoordpoging" did; engine._detect).
SHORT_CASED = 6
# Below this probability the doors lead only when the needs model's main need is one of the kind's
# themes too (two models agree); above it the detector alone is sure enough.
SAFETY_SURE = 0.9
