"""Fusion of score lists: z-scores, given moments, reciprocal rank fusion."""

from __future__ import annotations

import numpy as np
import pytest

from index.fusion import ranks, reciprocal_rank_fusion, weighted_fusion, zscore


def test_zscore_uses_the_lists_own_moments_or_the_given_ones() -> None:
    """A list holding only part of the scores is z-scored with the moments of the whole."""
    scores = np.array([1.0, 2.0, 3.0])
    assert np.allclose(zscore(scores), [-1.2247, 0.0, 1.2247], atol=1e-4)
    assert np.allclose(zscore(scores, (2.0, 0.5)), [-2.0, 0.0, 2.0])
    assert not zscore(np.ones(4)).any()  # a flat list counts for nothing


def test_weighted_fusion_applies_moments_to_their_list_only() -> None:
    """Moments given for one list change that list's contribution and no other."""
    first, second = np.array([0.0, 1.0, 2.0]), np.array([3.0, 1.0, 2.0])
    plain = weighted_fusion([first, second], [0.5, 0.5])
    given = weighted_fusion([first, second], [0.5, 0.5], [None, (0.0, 1.0)])
    assert np.allclose(given - plain, 0.5 * (second - zscore(second) - 0.0))
    with pytest.raises(ValueError, match="one weight per list"):
        weighted_fusion([first], [0.5, 0.5])


def test_ranks_and_reciprocal_rank_fusion() -> None:
    """Ranks are 1-based, best first; RRF rewards items ranked well in every list."""
    assert list(ranks(np.array([0.2, 0.9, 0.5]))) == [3, 1, 2]
    fused = reciprocal_rank_fusion([np.array([0.2, 0.9, 0.5]), np.array([0.1, 0.8, 0.9])], k=1)
    assert int(np.argmax(fused)) == 1


def test_the_signals_table_decides_what_each_retriever_fuses() -> None:
    """Lexical alone for the lexical retriever (or without embeddings), the embedded signals for the dense
    one, all three by weight for the hybrid: ranks follow the weights the settings give."""
    import numpy as np

    from index.settings import SearchSettings
    from index.signals import SIGNALS, fuse

    scores = {
        "lexical": np.array([3.0, 1.0, 0.0]),
        "dense": np.array([0.0, 1.0, 3.0]),
        "classifier": np.array([0.0, 3.0, 1.0]),
    }
    settings = SearchSettings(dense_weight=0.3, classifier_weight=0.3)
    assert [s.name for s in SIGNALS] == ["lexical", "dense", "classifier"]
    assert np.argmax(fuse(scores, settings, "lexical")) == 0
    assert np.argmax(fuse({**scores, "dense": None}, settings, "hybrid")) == 0  # no embedder: lexical alone
    assert np.argmax(fuse(scores, SearchSettings(dense_weight=1.0, classifier_weight=0.0), "dense")) == 2
    assert np.argmax(fuse(scores, SearchSettings(dense_weight=0.0, classifier_weight=1.0), "hybrid")) == 1
