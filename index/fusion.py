"""Combining ranked score lists: reciprocal rank fusion and weighted z-score fusion."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each item, best score first (ties broken by position)."""
    order = np.argsort(-scores, kind="stable")
    out = np.empty(len(scores), dtype=np.int64)
    out[order] = np.arange(1, len(scores) + 1)
    return out


def reciprocal_rank_fusion(score_lists: Sequence[np.ndarray], *, k: int = 60) -> np.ndarray:
    """Sum over lists of 1 / (k + rank): robust to incomparable score scales (Cormack et al., 2009)."""
    if not score_lists:
        raise ValueError("reciprocal_rank_fusion needs at least one score list")
    return np.asarray(sum(1.0 / (k + ranks(s)) for s in score_lists), dtype=np.float64)


def zscore(scores: np.ndarray, moments: tuple[float, float] | None = None) -> np.ndarray:
    """Scores centred on their mean and scaled by their spread (all zeros when flat); `moments` gives
    the (mean, spread) to use instead of the list's own, when the list holds only part of the scores."""
    mean, spread = moments if moments is not None else _moments(scores)
    if spread < 1e-9:
        return np.zeros_like(scores, dtype=np.float64)
    return np.asarray((scores - mean) / spread, dtype=np.float64)


def _moments(scores: np.ndarray) -> tuple[float, float]:
    centred = scores - scores.mean()
    return float(scores.mean()), float(np.sqrt(np.dot(centred, centred) / len(scores)))


def weighted_fusion(
    score_lists: Sequence[np.ndarray],
    weights: Sequence[float],
    moments: Sequence[tuple[float, float] | None] | None = None,
) -> np.ndarray:
    """Weighted sum of z-scored lists, so that each list counts by its weight, not its scale."""
    if len(score_lists) != len(weights) or not score_lists:
        raise ValueError(f"weighted_fusion needs one weight per list, got {len(weights)} for {len(score_lists)}")
    given = moments or [None] * len(score_lists)
    return np.asarray(
        sum(w * zscore(s, m) for s, w, m in zip(score_lists, weights, given, strict=True)), dtype=np.float64
    )
