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
        length_norm: BM25's b, how much a long document's matches are discounted.
    """

    def __init__(
        self, texts: Sequence[str], analyzer: Analyzer, *, ngram_weight: float = 0.3, length_norm: float = 0.75
    ) -> None:
        if not texts:
            raise ValueError("Cannot build a lexical index over no documents")
        self._analyzer = analyzer
        self._ngram_weight = ngram_weight
        self._words = _Bm25Table([analyzer.tokens(t) for t in texts], length_norm)
        self._grams = _Bm25Table([analyzer.ngrams(t) for t in texts], length_norm)
        self.size = len(texts)

    def scores(self, query: str) -> np.ndarray:
        """Combined word and n-gram score of each document (0 where nothing matches)."""
        word_scores = self.word_scores(query)
        grams = self._analyzer.ngrams(query)
        if not grams or self._ngram_weight == 0:
            return word_scores
        # n-gram BM25 grows with the number of grams: scale it to a per-word figure
        gram_scores = self._grams.scores(grams) * (len(grams) ** -0.5)
        return np.asarray(word_scores + self._ngram_weight * gram_scores, dtype=np.float32)

    def word_scores(self, query: str) -> np.ndarray:
        """BM25 of the stemmed words alone (with the query's everyday words translated)."""
        return self._words.scores(self._analyzer.query_tokens(query))


class _Bm25Table:
    """BM25 weights computed by bm25s, laid out as a dense (vocabulary × documents) table.

    bm25s scores a query token by token in Python; with at most a few hundred documents the whole
    table is small, and a query's scores are one row gather and sum: same numbers, a fraction of the time.
    """

    def __init__(self, corpus: list[list[str]], length_norm: float = 0.75) -> None:
        retriever = bm25s.BM25(b=length_norm)
        retriever.index([tokens or [""] for tokens in corpus], show_progress=False)
        stored = retriever.scores
        table = np.zeros((len(retriever.vocab_dict), stored["num_docs"]), dtype=np.float32)
        for token_id in range(len(stored["indptr"]) - 1):
            start, end = stored["indptr"][token_id], stored["indptr"][token_id + 1]
            table[token_id, stored["indices"][start:end]] = stored["data"][start:end]
        self._table = table
        self._vocabulary: dict[str, int] = retriever.vocab_dict
        self.retriever = retriever

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every document; a repeated query token counts each time, as in bm25s."""
        ids = [self._vocabulary[t] for t in tokens if t in self._vocabulary]
        if not ids:
            return np.zeros(self._table.shape[1], dtype=np.float32)
        return np.asarray(self._table[ids].sum(axis=0), dtype=np.float32)
