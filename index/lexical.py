"""BM25 over stemmed words plus BM25 over character n-grams, for typo-tolerant French search."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from index.text import Analyzer


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
        self._words = _Bm25Table((analyzer.tokens(t) for t in texts), length_norm)
        # no n-gram table when n-grams do not count (it is the larger of the two)
        self._grams = _Bm25Table((analyzer.ngrams(t) for t in texts), length_norm) if ngram_weight else None
        self.size = len(texts)

    def scores(self, query: str) -> np.ndarray:
        """Combined word and n-gram score of each document (0 where nothing matches)."""
        word_scores = self.word_scores(query)
        grams = self._analyzer.ngrams(query)
        if not grams or self._grams is None:
            return word_scores
        # n-gram BM25 grows with the number of grams: scale it to a per-word figure
        gram_scores = self._grams.scores(grams) * (len(grams) ** -0.5)
        return np.asarray(word_scores + self._ngram_weight * gram_scores, dtype=np.float32)

    def word_scores(self, query: str) -> np.ndarray:
        """BM25 of the stemmed words alone (with the query's everyday words translated)."""
        return self._words.scores(self._analyzer.query_tokens(query))


class _Bm25Table:
    """BM25 weights (bm25s's default Lucene variant, same numbers) as a sparse vocabulary × document table.

    A query's scores are one gather of its tokens' rows and a sum. Documents are read one at a time and
    only their distinct tokens are kept, so memory follows the (token, document) pairs, not the text: an
    index over every contract in France holds tens of millions of n-grams.
    """

    def __init__(self, corpus: Iterable[list[str]], length_norm: float = 0.75, k1: float = 1.5) -> None:
        self._vocabulary: dict[str, int] = {}
        token_ids: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        lengths: list[int] = []
        for tokens in corpus:
            tokens = tokens or [""]  # as bm25s: an empty document counts one empty token
            found = Counter(tokens)
            ids = [self._vocabulary.setdefault(token, len(self._vocabulary)) for token in found]
            token_ids.append(np.array(ids, dtype=np.int32))
            counts.append(np.fromiter(found.values(), dtype=np.float32, count=len(found)))
            lengths.append(len(tokens))
        n_documents = len(lengths)
        rows, tf = np.concatenate(token_ids), np.concatenate(counts)
        documents = np.repeat(np.arange(n_documents, dtype=np.int32), [len(ids) for ids in token_ids])
        length = np.asarray(lengths, dtype=np.float32)
        df = np.bincount(rows, minlength=len(self._vocabulary)).astype(np.float64)
        idf = np.log(1 + (n_documents - df + 0.5) / (df + 0.5))
        norm = k1 * ((1 - length_norm) + length_norm * length / length.mean())
        weights = (idf[rows] * tf / (norm[documents] + tf)).astype(np.float32)
        self._table = sparse.csr_matrix((weights, (rows, documents)), shape=(len(self._vocabulary), n_documents))

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every document; a repeated query token counts each time, as in bm25s."""
        ids = [self._vocabulary[t] for t in tokens if t in self._vocabulary]
        if not ids:
            return np.zeros(self._table.shape[1], dtype=np.float32)
        # a token repeated in the query is gathered twice, as bm25s counts it twice
        return np.asarray(self._table[ids].sum(axis=0), dtype=np.float32).ravel()
