"""A deterministic embedder for fast tests: counts of a fixed French vocabulary."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index import fold

VOCABULARY = (
    "ecole eleve scolaire absent decroch parent famille emploi insertion chantier logement locataire "
    "sante soin alcool victime violence jeune mediation discrimination energie habitant quartier "
    "formation commerce entreprise droit benevole agee"
).split()


class FakeEmbedder:
    """Vector of how often each vocabulary stem occurs; exact, fast and model-free."""

    def __init__(self, name: str = "fake") -> None:
        self.name = name
        self.dimension = len(VOCABULARY) + 1
        self.passage_calls = 0

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passage_calls += 1
        return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            folded = fold(text)
            for column, stem in enumerate(VOCABULARY):
                vectors[row, column] = folded.count(stem)
            vectors[row, -1] = 0.1  # keeps every vector non-zero
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
