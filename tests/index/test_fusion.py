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
