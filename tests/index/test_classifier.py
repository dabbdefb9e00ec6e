"""The objective classifier learned from passage embeddings."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from index.classifier import fit_classifier, load_or_fit


def test_learns_which_objective_a_direction_belongs_to() -> None:
    """Passages of three objectives along three axes: a nearby question goes to the right one."""
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8, dtype=np.float32)
    vectors = np.vstack([centres[o] + 0.1 * rng.standard_normal((6, 8)) for o in range(3)]).astype(np.float32)
    owners = np.repeat(np.arange(3), 6)
    classifier = fit_classifier(vectors, owners, 3)
    log_proba = classifier.log_proba(centres[[2, 0]] + 0.05)
    assert log_proba.shape == (2, 3)
    assert list(log_proba.argmax(axis=1)) == [2, 0]
    assert np.allclose(np.exp(log_proba).sum(axis=1), 1.0, atol=1e-5)


def test_two_objectives() -> None:
    """With two objectives scikit-learn keeps one row of weights; both still get a probability."""
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    classifier = fit_classifier(vectors, np.array([0, 0, 1, 1]), 2)
    assert list(classifier.log_proba(np.array([[1, 0], [0, 1]], dtype=np.float32)).argmax(axis=1)) == [0, 1]


def test_objective_without_passage_is_an_error() -> None:
    """Every objective needs something to learn from."""
    with pytest.raises(ValueError, match=r"objectives \[1\] have no passage"):
        fit_classifier(np.ones((2, 4), dtype=np.float32), np.array([0, 2]), 3)


def test_saved_classifier_is_reused_and_a_bad_file_is_refitted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The fit is saved for its key; the same key loads it, another key or a corrupt file refits."""
    vectors = np.eye(3, 4, dtype=np.float32)
    owners = np.arange(3)
    first = load_or_fit(tmp_path, "corpus-a", vectors, owners, 3, np.array([0]))
    again = load_or_fit(tmp_path, "corpus-a", np.zeros((3, 4), dtype=np.float32), owners, 3, np.array([0]))
    assert np.array_equal(first.weights, again.weights)  # loaded: the zero vectors were not fitted on
    with caplog.at_level(logging.INFO, logger="index.classifier"):
        load_or_fit(tmp_path, "corpus-b", vectors, owners, 3, np.array([0]))
        assert "périmé" in caplog.text
        (tmp_path / "classifier.npz").write_bytes(b"not a zip file")
        refitted = load_or_fit(tmp_path, "corpus-b", vectors, owners, 3, np.array([0]))
        assert "illisible" in caplog.text
    assert np.array_equal(refitted.weights, first.weights)
    assert [p.name for p in tmp_path.iterdir()] == ["classifier.npz"]  # no staging file left behind


def test_each_contract_has_its_own_classifier() -> None:
    """Two contracts side by side: probabilities sum to one within each contract, and a contract's
    scores are the same whether it is loaded alone or beside another."""
    rng = np.random.default_rng(1)
    centres = np.eye(5, 8, dtype=np.float32)
    vectors = np.vstack([centres[o] + 0.1 * rng.standard_normal((6, 8)) for o in range(5)]).astype(np.float32)
    owners = np.repeat(np.arange(5), 6)
    both = fit_classifier(vectors, owners, 5, starts=np.array([0, 3]))  # objectives 0-2, then 3-4
    alone = fit_classifier(vectors[owners < 3], owners[owners < 3], 3)
    questions = centres[[1, 4]] + 0.05
    log_proba = both.log_proba(questions)
    assert np.allclose(np.exp(log_proba[:, :3]).sum(axis=1), 1.0, atol=1e-5)
    assert np.allclose(np.exp(log_proba[:, 3:]).sum(axis=1), 1.0, atol=1e-5)
    assert log_proba[0, :3].argmax() == 1 and log_proba[1, 3:].argmax() == 1  # objectives 1 and 4
    assert np.allclose(log_proba[:, :3], alone.log_proba(questions), atol=1e-5)
    assert np.allclose(both.log_proba(questions, 3, 5), log_proba[:, 3:], atol=1e-6)  # one contract only
    with pytest.raises(ValueError, match="whole contracts"):
        both.log_proba(questions, 1, 5)


def test_contract_starts_are_checked() -> None:
    """Starts must begin at the first objective and increase."""
    from index.classifier import ObjectiveClassifier

    with pytest.raises(ValueError, match="must begin at 0"):
        ObjectiveClassifier(np.zeros((4, 2)), np.zeros(4), np.array([1, 3]))
    with pytest.raises(ValueError, match="go past"):
        ObjectiveClassifier(np.zeros((4, 2)), np.zeros(4), np.array([0, 4]))


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04"], ids=["empty", "cut"])
def test_an_empty_or_cut_classifier_file_is_refitted(
    tmp_path: Path, damage: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """A zero-byte file (a power cut between create and write) or a cut one is refitted with one log line,
    never a crash at start; the new file replaces it whole."""
    vectors, owners = np.eye(3, 4, dtype=np.float32), np.arange(3)
    (tmp_path / "classifier.npz").write_bytes(damage)
    with caplog.at_level(logging.WARNING, logger="index.classifier"):
        classifier = load_or_fit(tmp_path, "corpus", vectors, owners, 3, np.array([0]))
    assert "illisible" in caplog.text and classifier.weights.shape == (3, 4)
    assert (tmp_path / "classifier.npz").stat().st_size > 100
