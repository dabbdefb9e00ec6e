"""BM25 over stemmed words plus BM25 over character n-grams, for typo-tolerant French search."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

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

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The index as plain arrays (see `from_arrays`), names starting with `prefix`."""
        arrays = {f"{prefix}.size": np.array([self.size]), f"{prefix}.ngram_weight": np.array([self._ngram_weight])}
        arrays.update(self._words.to_arrays(f"{prefix}.words"))
        if self._grams is not None:
            arrays.update(self._grams.to_arrays(f"{prefix}.grams"))
        return arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str, analyzer: Analyzer) -> LexicalIndex:
        """The index `to_arrays` saved, with the analyzer it was built with."""
        index = object.__new__(cls)
        index._analyzer = analyzer
        index._ngram_weight = float(arrays[f"{prefix}.ngram_weight"][0])
        index.size = int(arrays[f"{prefix}.size"][0])
        index._words = _Bm25Table.from_arrays(arrays, f"{prefix}.words")
        grams = f"{prefix}.grams"
        index._grams = _Bm25Table.from_arrays(arrays, grams) if f"{grams}.data" in arrays else None
        return index

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

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The table as plain arrays: vocabulary in id order, then the CSR matrix."""
        table = self._table
        return {
            f"{prefix}.vocabulary": np.array(list(self._vocabulary), dtype=str),
            f"{prefix}.data": table.data,
            f"{prefix}.indices": table.indices,
            f"{prefix}.indptr": table.indptr,
            f"{prefix}.shape": np.array(table.shape),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str) -> _Bm25Table:
        table = object.__new__(cls)
        table._vocabulary = {str(token): i for i, token in enumerate(arrays[f"{prefix}.vocabulary"].tolist())}
        shape = tuple(int(n) for n in arrays[f"{prefix}.shape"])
        table._table = sparse.csr_matrix(
            (arrays[f"{prefix}.data"], arrays[f"{prefix}.indices"], arrays[f"{prefix}.indptr"]), shape=shape
        )
        if len(table._vocabulary) != shape[0]:
            raise ValueError(f"{prefix}: {len(table._vocabulary)} tokens for {shape[0]} rows")
        return table

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every document; a repeated query token counts each time, as in bm25s."""
        ids = [self._vocabulary[t] for t in tokens if t in self._vocabulary]
        if not ids:
            return np.zeros(self._table.shape[1], dtype=np.float32)
        # a token repeated in the query is gathered twice, as bm25s counts it twice
        return np.asarray(self._table[ids].sum(axis=0), dtype=np.float32).ravel()
