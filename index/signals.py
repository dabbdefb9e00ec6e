"""The signals a search fuses, each a name and a weight: adding one is a line here and the stage that
scores it (keyed by the same name).

Every signal scores each objective of the searched contract; the fusion z-scores each list and adds them
by weight (or fuses their ranks, `fusion="rrf"`). The lexical retriever uses the signals that need no
embedder, the dense retriever those that do, the hybrid all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from index.fusion import reciprocal_rank_fusion, weighted_fusion
from index.settings import Retriever, SearchSettings


@dataclass(frozen=True)
class Signal:
    """One list of scores over the objectives, and how much it counts."""

    name: str
    weight: Callable[[SearchSettings], float]
    embedded: bool  # needs the embedder (the dense retriever's signals)


SIGNALS = (
    # BM25 over each objective's text, everyday and English words read as the contract's
    Signal("lexical", lambda s: 1.0 - s.dense_weight - s.classifier_weight, embedded=False),
    # cosine of the question with the objective's closest passage
    Signal("dense", lambda s: s.dense_weight, embedded=True),
    # the contract's objective classifier over the same embeddings
    Signal("classifier", lambda s: s.classifier_weight, embedded=True),
)


def fuse(
    scores: Mapping[str, np.ndarray | None],
    settings: SearchSettings,
    retriever: Retriever,
    moments: Mapping[str, tuple[float, float] | None] | None = None,
) -> np.ndarray:
    """The fused score of each objective from the signals' lists (`moments`: a list's (mean, spread) when
    it holds only part of the scores, as across an approximate index)."""
    embedded = [s for s in SIGNALS if s.embedded]
    if retriever == "lexical" or any(scores.get(s.name) is None for s in embedded):
        return np.asarray(scores["lexical"], dtype=np.float64)
    chosen = [s for s in SIGNALS if retriever == "hybrid" or s.embedded]
    kept = [(s.name, s.weight(settings)) for s in chosen if s.weight(settings) > 0] or [(embedded[0].name, 1.0)]
    lists = [np.asarray(scores[name]) for name, _ in kept]
    if settings.fusion == "rrf":
        return reciprocal_rank_fusion(lists, k=settings.rrf_k)
    given = moments or {}
    return weighted_fusion(lists, [w for _, w in kept], [given.get(name) for name, _ in kept])
