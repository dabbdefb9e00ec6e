"""Retrieval over the contract: embedders, lexical and dense indexes, fusion, abstention."""

from index.abstention import AbstainRule
from index.cache import default_cache_dir
from index.confidence import CONFIDENT_MARGIN, Confidence, confidence, lead
from index.dense import StaleIndexError
from index.embedders import DEFAULT_EMBEDDER, E5_NAME, MINILM_NAME, USE_NAME, Embedder, load_embedder
from index.hits import Hit, MatchedMeasure, Precedent, SearchResult
from index.searcher import Searcher, open_searcher
from index.settings import MAX_QUERY_CHARS, RETRIEVERS, Retriever, SearchSettings
from index.text import find_codes, fold

__all__ = [
    "CONFIDENT_MARGIN",
    "DEFAULT_EMBEDDER",
    "E5_NAME",
    "MAX_QUERY_CHARS",
    "MINILM_NAME",
    "RETRIEVERS",
    "USE_NAME",
    "AbstainRule",
    "Confidence",
    "Embedder",
    "Hit",
    "MatchedMeasure",
    "Precedent",
    "Retriever",
    "SearchResult",
    "SearchSettings",
    "Searcher",
    "StaleIndexError",
    "confidence",
    "default_cache_dir",
    "find_codes",
    "fold",
    "lead",
    "load_embedder",
    "open_searcher",
]
