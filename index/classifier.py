"""A linear classifier from a question's embedding to the objective, trained on the passages alone.

Nearest-passage search scores an objective by its single closest passage; a classifier trained on all
of an objective's passages (titles, measures, English renderings, vocabulary) learns which directions
of the embedding space tell objectives apart. It is fitted on the corpus only, never on evaluation
questions, and saved beside the dense index so that a restart does not refit it.
"""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

STRENGTH = 30.0  # inverse of the L2 penalty (scikit-learn's C); a plateau from 10 to 300 on dev
_FILE = "classifier.npz"


class ObjectiveClassifier:
    """Multinomial logistic regression scores: `weights` (objectives × dimension) and `bias`."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        if weights.ndim != 2 or bias.shape != (weights.shape[0],):
            raise ValueError(f"classifier weights {weights.shape} and bias {bias.shape} do not match")
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)

    def log_proba(self, query_vectors: np.ndarray) -> np.ndarray:
        """Log-probability of each objective for each query, shape (queries, objectives)."""
        query_vectors = np.asarray(query_vectors, dtype=np.float32)
        # einsum, not `@`: see DenseIndex.scores (BLAS threads fight torch's right after an encode)
        logits = np.einsum("qd,od->qo", query_vectors, self.weights) + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        return np.asarray(logits - np.log(np.exp(logits).sum(axis=1, keepdims=True)), dtype=np.float32)


def fit_classifier(
    vectors: np.ndarray, owners: np.ndarray, n_objectives: int, *, strength: float = STRENGTH
) -> ObjectiveClassifier:
    """Fit the classifier on passage vectors labelled with their objective index (0 … n_objectives - 1).

    Raises:
        ValueError: an objective has no passage to learn from.
    """
    missing = sorted(set(range(n_objectives)) - {int(o) for o in owners})
    if missing:
        raise ValueError(f"objectives {missing} have no passage to learn from")
    if n_objectives == 1:
        # nothing to tell apart: every question gets the only objective
        return ObjectiveClassifier(np.zeros((1, vectors.shape[1])), np.zeros(1))
    from sklearn.linear_model import LogisticRegression  # only needed while fitting

    model = LogisticRegression(C=strength, max_iter=5000).fit(vectors, owners)
    weights, bias = model.coef_, model.intercept_
    if n_objectives == 2:  # scikit-learn keeps a single row for two classes
        weights, bias = np.vstack([-weights / 2, weights / 2]), np.array([-bias[0] / 2, bias[0] / 2])
    return ObjectiveClassifier(weights, bias)


def load_or_fit(
    folder: Path, key: str, vectors: np.ndarray, owners: np.ndarray, n_objectives: int
) -> ObjectiveClassifier:
    """The classifier saved in `folder` for `key` (the corpus and passages it was fitted on), or a new
    fit, saved there atomically. An unreadable or stale file is refitted, with a log line saying why."""
    path = folder / _FILE
    full_key = f"{key}-C{STRENGTH}"
    if path.is_file():
        try:
            with np.load(path) as saved:
                weights, bias = saved["weights"], saved["bias"]
                if str(saved["key"]) == full_key and weights.shape == (n_objectives, vectors.shape[1]):
                    if np.isfinite(weights).all() and np.isfinite(bias).all():
                        return ObjectiveClassifier(weights, bias)
                    logger.warning("The saved objective classifier holds non-finite weights: fitting it again")
                else:
                    logger.info("The saved objective classifier is stale: fitting it again")
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            logger.warning("The saved objective classifier is unreadable (%s): fitting it again", exc)
    classifier = fit_classifier(vectors, owners, n_objectives)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(prefix=".classifier-", suffix=".npz", dir=folder)
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, key=np.array(full_key), weights=classifier.weights, bias=classifier.bias)
        os.replace(staging, path)
    except OSError as exc:  # a read-only cache still answers, it just refits next time
        logger.warning("Could not save the objective classifier in %s: %s", folder, exc)
    return classifier
