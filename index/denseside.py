"""The dense side of a search: passage vectors in a FAISS index, the objective classifier, and the vector rows
of the requests no contract covers and of the field's situations."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from corpus import Contract, contract_hash
from index.cache import default_cache_dir, slug
from index.classifier import ObjectiveClassifier, load_or_fit
from index.dense import DenseIndex, load_or_build
from index.embedders import Embedder
from index.layout import Layout, Scope
from index.placement import outside_requests
from index.settings import SHORTLIST, SearchSettings
from index.thesaurus import field_situations
from index.vectors import VectorCache


class DenseSide:
    """Everything a search needs from the embedder, built or loaded once per corpus and embedder."""

    def __init__(
        self,
        contracts: list[Contract],
        layout: Layout,
        embedder: Embedder | None,
        settings: SearchSettings,
        cache_dir: Path | None,
        rebuild: bool,
    ) -> None:
        self._layout = layout
        self._layout_passages = layout.passages
        self.settings = settings
        self.dense: DenseIndex | None = None
        self.vector_row = np.zeros(0, dtype=np.int64)
        self.classifier: ObjectiveClassifier | None = None
        self.outside: np.ndarray | None = None  # vector rows of the topics the contracts do not cover
        self.outside_kinds: list[str] = []
        self.field: np.ndarray | None = None  # vector rows of the field's situations (the thesaurus's)
        self._sample: tuple[np.ndarray, np.ndarray] | None = None  # see _sample_passages
        if embedder is not None:
            # the out-of-scope topics are embedded with the passages, after them, to be saved with them
            # requests no contrat de ville covers (shipped with the index) and the contract's own, if any
            outside, self.outside_kinds = outside_requests(contracts)
            field = field_situations() if self.settings.thesaurus else []
            texts = [p.text for p in self._layout_passages] + outside + field
            # the passages' own text, not just the contract: a change in how passages are built is a change too
            corpus_id = f"{contract_hash(contracts)}-{_text_hash(texts)}"
            # one vector per distinct text: a title or a thesaurus situation shared by many contracts is
            # stored once (fewer vectors, and no clumps of identical points in an HNSW graph)
            distinct = list(dict.fromkeys(texts))
            row_of = {text: row for row, text in enumerate(distinct)}
            rows = np.array([row_of[text] for text in texts], dtype=np.int64)
            self.vector_row = rows[: len(self._layout_passages)]
            outside_rows = rows[len(self._layout_passages) : len(self._layout_passages) + len(outside)]
            self.field = rows[len(self._layout_passages) + len(outside) :] if field else None
            # the passages of each vector row (CSR layout), to spread a shortlisted vector to its passages
            order = np.argsort(self.vector_row, kind="stable")
            self._layout_passages_by_row = order
            self._row_bounds = np.searchsorted(self.vector_row[order], np.arange(len(distinct) + 1))
            # one folder per embedder and corpus, so that switching contracts back and forth rebuilds nothing;
            # passage vectors are shared by all of an embedder's corpora, so an edit re-embeds only what changed
            embedder_dir = (cache_dir or default_cache_dir()) / slug(embedder.name)
            folder = embedder_dir / hashlib.sha256(corpus_id.encode()).hexdigest()[:16]
            vector_cache = VectorCache.in_folder(cache_dir or default_cache_dir(), embedder.name, embedder.dimension)
            self.dense = load_or_build(folder, distinct, embedder, corpus_id, rebuild=rebuild, cache=vector_cache)
            # the classifier learns each objective from the contract's own text (titles, measures, and any
            # editorial additions), not from the attached thesaurus situations: concepts give some objectives
            # twenty situations and others none, and a classifier fitted on them leaned towards the former
            # (dev, source-only: Hit@1 on the questions whose objective holds no situation 0.41 → 0.55, on
            # all questions 0.802 → 0.827)
            learned = np.array([p.kind != "situation" for p in self._layout_passages], dtype=bool)
            self.classifier = load_or_fit(
                folder,
                f"{corpus_id}-contract-text",
                self.dense.vectors,
                self._layout.passage_owner[learned],
                len(self._layout.objectives),
                self._layout.contract_starts,
                rows=self.vector_row[learned],
            )
            self.outside = outside_rows if outside else None
            # some models load their weights on first use: pay that now, not on the first question
            embedder.encode_queries(["warm-up"])

    def passage_scores(self, vectors: np.ndarray, scope: Scope) -> tuple[np.ndarray, np.ndarray | None]:
        """Cosine of each query vector with each passage of the scope, shape (queries, passages), and,
        when those are partly estimated, the (mean, spread) of the objectives' exact scores per query.

        Exact within one contract, or over a flat index. Across all contracts of an approximate (HNSW)
        index, the graph shortlists the nearest vectors and their passages get their cosine; every other
        passage gets what an objective typically scores, estimated on a fixed sample of objectives, which
        also gives the mean and spread the fusion needs to z-score the objectives as exact search would.
        """
        assert self.dense is not None
        rows = self.vector_row[scope.first_passage : scope.passage_stop]
        if scope is not self._layout.whole or not self.dense.approximate:
            if 2 * len(rows) < self.dense.manifest.passages:
                return self.dense.scores_at(vectors, rows), None
            return self.dense.scores(vectors)[:, rows], None
        similarities, found = self.dense.search(vectors, min(SHORTLIST, self.dense.manifest.passages))
        # a fixed sample of objectives scored exactly: their best passage's cosine
        sample = self._sample_passages()
        sampled = np.maximum.reduceat(self.dense.scores_at(vectors, sample[0]), sample[1], axis=1)
        typical = np.median(sampled, axis=1)
        moments = np.stack([sampled.mean(axis=1), sampled.std(axis=1)], axis=1)
        scores = np.empty((len(vectors), len(rows)), dtype=np.float32)
        for q in range(len(vectors)):
            valid = found[q] >= 0
            ids, near = found[q][valid], similarities[q][valid]
            scores[q] = min(float(typical[q]), float(near.min())) if len(near) else float(typical[q])
            # every passage of each shortlisted vector (CSR gather)
            starts, counts = self._row_bounds[ids], self._row_bounds[ids + 1] - self._row_bounds[ids]
            offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            scores[q, self._layout_passages_by_row[np.repeat(starts, counts) + offsets]] = np.repeat(near, counts)
        return scores, moments

    def _sample_passages(self, size: int = 200) -> tuple[np.ndarray, np.ndarray]:
        """The vector rows of the passages of a fixed random sample of objectives, and where each
        objective's passages start among them (for reduceat)."""
        if self._sample is None:
            chosen = np.sort(np.random.default_rng(0).permutation(len(self._layout.objectives))[:size])
            ends = np.append(self._layout.segment_starts[1:], len(self._layout_passages))
            members = [np.arange(self._layout.segment_starts[o], ends[o]) for o in chosen]
            starts = np.cumsum([0] + [len(m) for m in members[:-1]])
            self._sample = (self.vector_row[np.concatenate(members)], starts)
        return self._sample


def _text_hash(texts: list[str]) -> str:
    return hashlib.sha256("\x1e".join(texts).encode()).hexdigest()[:12]
