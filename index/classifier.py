"""A linear classifier from a question's embedding to the objective, trained on the passages alone.

Nearest-passage search scores an objective by its single closest passage; a classifier trained on all
of an objective's passages (titles, measures, English renderings, vocabulary) learns which directions
of the embedding space tell objectives apart. It is fitted on the corpus only, never on evaluation
questions, and in about a second on two cores, so it is refitted whenever a searcher is built.
"""

from __future__ import annotations

import numpy as np


class ObjectiveClassifier:
    """Multinomial logistic regression from passage vectors to the index of their objective.

    Args:
        vectors: one embedding per passage.
        owners: the objective index of each passage (0 … n_objectives - 1).
        n_objectives: number of objectives; each needs at least one passage.
        strength: inverse of the L2 penalty (scikit-learn's C).
    """

    def __init__(self, vectors: np.ndarray, owners: np.ndarray, n_objectives: int, *, strength: float = 30.0) -> None:
        from sklearn.linear_model import LogisticRegression  # only needed while fitting

        missing = sorted(set(range(n_objectives)) - {int(o) for o in owners})
        if missing:
            raise ValueError(f"objectives {missing} have no passage to learn from")
        if n_objectives == 1:
            # nothing to tell apart: every question gets the only objective
            self._weights = np.zeros((1, vectors.shape[1]), dtype=np.float32)
            self._bias = np.zeros(1, dtype=np.float32)
            return
        model = LogisticRegression(C=strength, max_iter=5000).fit(vectors, owners)
        weights, bias = model.coef_, model.intercept_
        if n_objectives == 2:  # scikit-learn keeps a single row for two classes
            weights, bias = np.vstack([-weights / 2, weights / 2]), np.array([-bias[0] / 2, bias[0] / 2])
        self._weights = np.ascontiguousarray(weights, dtype=np.float32)
        self._bias = np.asarray(bias, dtype=np.float32)

    def log_proba(self, query_vectors: np.ndarray) -> np.ndarray:
        """Log-probability of each objective for each query, shape (queries, objectives)."""
        query_vectors = np.asarray(query_vectors, dtype=np.float32)
        # einsum, not `@`: see DenseIndex.scores (BLAS threads fight torch's right after an encode)
        logits = np.einsum("qd,od->qo", query_vectors, self._weights) + self._bias
        logits -= logits.max(axis=1, keepdims=True)
        return np.asarray(logits - np.log(np.exp(logits).sum(axis=1, keepdims=True)), dtype=np.float32)
