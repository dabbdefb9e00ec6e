"""The objective classifier learned from passage embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from index.classifier import ObjectiveClassifier


def test_learns_which_objective_a_direction_belongs_to() -> None:
    """Passages of three objectives along three axes: a nearby question goes to the right one."""
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8, dtype=np.float32)
    vectors = np.vstack([centres[o] + 0.1 * rng.standard_normal((6, 8)) for o in range(3)]).astype(np.float32)
    owners = np.repeat(np.arange(3), 6)
    classifier = ObjectiveClassifier(vectors, owners, 3)
    log_proba = classifier.log_proba(centres[[2, 0]] + 0.05)
    assert log_proba.shape == (2, 3)
    assert list(log_proba.argmax(axis=1)) == [2, 0]
    assert np.allclose(np.exp(log_proba).sum(axis=1), 1.0, atol=1e-5)


def test_two_objectives() -> None:
    """With two objectives scikit-learn keeps one row of weights; both still get a probability."""
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    classifier = ObjectiveClassifier(vectors, np.array([0, 0, 1, 1]), 2)
    assert list(classifier.log_proba(np.array([[1, 0], [0, 1]], dtype=np.float32)).argmax(axis=1)) == [0, 1]


def test_objective_without_passage_is_an_error() -> None:
    """Every objective needs something to learn from."""
    with pytest.raises(ValueError, match=r"objectives \[1\] have no passage"):
        ObjectiveClassifier(np.ones((2, 4), dtype=np.float32), np.array([0, 2]), 3)
