"""BM25 over stemmed words plus BM25 over character n-grams, for typo-tolerant French search."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import bm25s
import numpy as np

from index.text import Analyzer

# bm25s logs every index build at DEBUG on its own logger, which it sets to DEBUG: keep it quiet
logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndex:
    """Scores every document of a small collection for a query.

    Args:
        texts: the documents.
        analyzer: tokenizer shared by documents and queries.
        ngram_weight: weight of the character n-gram score beside the word score.
    """

    def __init__(self, texts: Sequence[str], analyzer: Analyzer, *, ngram_weight: float = 0.3) -> None:
        if not texts:
            raise ValueError("Cannot build a lexical index over no documents")
        self._analyzer = analyzer
        self._ngram_weight = ngram_weight
        self._words = _bm25([analyzer.tokens(t) for t in texts])
        self._grams = _bm25([analyzer.ngrams(t) for t in texts])
        self.size = len(texts)

    def scores(self, query: str) -> np.ndarray:
        """Combined word and n-gram score of each document (0 where nothing matches)."""
        word_scores = self.word_scores(query)
        grams = self._analyzer.ngrams(query)
        if not grams or self._ngram_weight == 0:
            return word_scores
        # n-gram BM25 grows with the number of grams: scale it to a per-word figure
        gram_scores = self._grams.get_scores(grams) * (len(grams) ** -0.5)
        return np.asarray(word_scores + self._ngram_weight * gram_scores, dtype=np.float32)

    def word_scores(self, query: str) -> np.ndarray:
        """BM25 of the stemmed words alone."""
        tokens = self._analyzer.tokens(query)
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._words.get_scores(tokens), dtype=np.float32)


def _bm25(corpus: list[list[str]]) -> bm25s.BM25:
    retriever = bm25s.BM25()
    retriever.index([tokens or [""] for tokens in corpus], show_progress=False)
    return retriever
