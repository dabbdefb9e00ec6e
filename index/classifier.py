"""A linear classifier from a question's embedding to the objective, trained on the passages alone.

Nearest-passage search scores an objective by its single closest passage; a classifier trained on all
of an objective's passages (titles, measures, English renderings, vocabulary) learns which directions
of the embedding space tell objectives apart. It is fitted on the corpus only, never on evaluation
questions, and saved beside the dense index so that a restart does not refit it. Each contract gets its
own classifier (its objectives compete only with each other): the cost grows with the number of
contracts, not with its square, and adding a contract does not change another's scores.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from index.cache import read_verified, write_verified

logger = logging.getLogger(__name__)

STRENGTH = 100.0  # inverse of the L2 penalty (scikit-learn's C); dev Hit@1 within a point from 30 to 300
_FILE = "classifier.npz"


class ObjectiveClassifier:
    """Multinomial logistic regression scores, one model per contract laid end to end.

    Args:
        weights: objectives × dimension.
        bias: one per objective.
        starts: index of each contract's first objective (a contract's objectives are contiguous);
            default one contract.
    """

    def __init__(self, weights: np.ndarray, bias: np.ndarray, starts: np.ndarray | None = None) -> None:
        if weights.ndim != 2 or bias.shape != (weights.shape[0],):
            raise ValueError(f"classifier weights {weights.shape} and bias {bias.shape} do not match")
        starts = np.zeros(1, dtype=np.int64) if starts is None else np.asarray(starts, dtype=np.int64)
        if starts.ndim != 1 or not len(starts) or starts[0] != 0 or np.any(np.diff(starts) <= 0):
            raise ValueError(f"contract starts {starts.tolist()} must begin at 0 and increase")
        if starts[-1] >= weights.shape[0]:
            raise ValueError(f"contract starts {starts.tolist()} go past {weights.shape[0]} objectives")
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.starts = starts
        self._sizes = np.diff(np.append(starts, weights.shape[0]))

    def log_proba(self, query_vectors: np.ndarray, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Log-probability of each objective within its contract, shape (queries, objectives), for the
        objectives `start` … `stop` - 1 (default all; the range must hold whole contracts).

        Raises:
            ValueError: the range cuts a contract.
        """
        stop = self.weights.shape[0] if stop is None else stop
        inside = (self.starts >= start) & (self.starts < stop)
        if start not in self.starts or (stop != self.weights.shape[0] and stop not in self.starts):
            raise ValueError(f"objectives {start}…{stop - 1} do not hold whole contracts")
        starts, sizes = self.starts[inside] - start, self._sizes[inside]
        query_vectors = np.asarray(query_vectors, dtype=np.float32)
        # einsum, not `@`: see DenseIndex.scores (BLAS threads fight torch's right after an encode)
        logits = np.einsum("qd,od->qo", query_vectors, self.weights[start:stop]) + self.bias[start:stop]
        # a log-softmax per contract
        logits -= np.repeat(np.maximum.reduceat(logits, starts, axis=1), sizes, axis=1)
        norm = np.log(np.add.reduceat(np.exp(logits), starts, axis=1))
        return np.asarray(logits - np.repeat(norm, sizes, axis=1), dtype=np.float32)


def fit_classifier(
    vectors: np.ndarray,
    owners: np.ndarray,
    n_objectives: int,
    *,
    starts: np.ndarray | None = None,
    rows: np.ndarray | None = None,
    strength: float = STRENGTH,
) -> ObjectiveClassifier:
    """Fit one classifier per contract on passage vectors labelled with their objective index
    (0 … n_objectives - 1); `starts` gives each contract's first objective (default: one contract).
    With `rows`, passage p's vector is `vectors[rows[p]]` (texts shared by passages stored once).

    Raises:
        ValueError: an objective has no passage to learn from.
    """
    missing = sorted(set(range(n_objectives)) - {int(o) for o in owners})
    if missing:
        raise ValueError(f"objectives {missing} have no passage to learn from")
    starts = np.zeros(1, dtype=np.int64) if starts is None else np.asarray(starts, dtype=np.int64)
    ends = np.append(starts[1:], n_objectives)
    weights = np.zeros((n_objectives, vectors.shape[1]), dtype=np.float32)
    bias = np.zeros(n_objectives, dtype=np.float32)

    def fit(bounds: tuple[int, int]) -> None:
        start, end = bounds
        mine = np.flatnonzero((owners >= start) & (owners < end))
        own = vectors[mine if rows is None else rows[mine]]
        weights[start:end], bias[start:end] = _fit_one(own, owners[mine] - start, end - start, strength)

    # contracts are independent: one per core. BLAS stays on one thread: its threads cost more than they
    # save on matrices this small (measured: 10 fits 5.2 s with two BLAS threads, 0.35 s with one)
    with threadpool_limits(1), ThreadPoolExecutor(max_workers=min(len(starts), os.cpu_count() or 1)) as pool:
        list(pool.map(fit, zip(starts.tolist(), ends.tolist(), strict=True)))
    return ObjectiveClassifier(weights, bias, starts)


def _fit_one(
    vectors: np.ndarray, labels: np.ndarray, n_objectives: int, strength: float
) -> tuple[np.ndarray, np.ndarray]:
    if n_objectives == 1:
        # nothing to tell apart: every question gets the only objective
        return np.zeros((1, vectors.shape[1])), np.zeros(1)
    from sklearn.linear_model import LogisticRegression  # only needed while fitting

    model = LogisticRegression(C=strength, max_iter=5000).fit(vectors, labels)
    weights, bias = model.coef_, model.intercept_
    if n_objectives == 2:  # scikit-learn keeps a single row for two classes
        weights, bias = np.vstack([-weights / 2, weights / 2]), np.array([-bias[0] / 2, bias[0] / 2])
    return weights, bias


# a contract of titles alone has one passage per objective: scikit-learn then warns that the labels look like
# a regression target, in the user's terminal at every start; one example per class is what it is given
warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%", category=UserWarning)


class _Stale(Exception):
    """A saved classifier from an older layout."""


def load_or_fit(
    folder: Path,
    key: str,
    vectors: np.ndarray,
    owners: np.ndarray,
    n_objectives: int,
    starts: np.ndarray,
    *,
    rows: np.ndarray | None = None,
) -> ObjectiveClassifier:
    """The classifier saved in `folder` for `key` (the corpus and passages it was fitted on), or a new
    fit, saved there atomically. An unreadable or stale file is refitted, with a log line saying why."""
    path = folder / _FILE
    full_key = f"{key}-C{STRENGTH}"
    if path.is_file():
        try:
            with np.load(io.BytesIO(read_verified(path)), allow_pickle=False) as saved:
                if "starts" not in saved.files:  # written before contracts had a classifier each
                    raise _Stale
                weights, bias, saved_starts = saved["weights"], saved["bias"], saved["starts"]
                fits = weights.shape == (n_objectives, vectors.shape[1]) and np.array_equal(saved_starts, starts)
                if str(saved["key"]) == full_key and fits:
                    if np.isfinite(weights).all() and np.isfinite(bias).all():
                        return ObjectiveClassifier(weights, bias, saved_starts)
                    logger.warning("Le classifieur enregistré a des poids non finis : il est réappris")
                else:
                    logger.info("Le classifieur enregistré est périmé : il est réappris")
        except _Stale:
            logger.info("Le classifieur enregistré est périmé : il est réappris")
        except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as exc:  # empty, cut, damaged
            logger.warning("Le classifieur enregistré est illisible (%s) : il est réappris", exc)
    classifier = fit_classifier(vectors, owners, n_objectives, starts=starts, rows=rows)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(
            buffer, key=np.array(full_key), weights=classifier.weights, bias=classifier.bias, starts=classifier.starts
        )
        write_verified(path, buffer.getvalue())
    except OSError as exc:  # a read-only cache still answers, it just refits next time
        logger.warning("Impossible d'enregistrer le classifieur dans %s : %s", folder, exc)
    return classifier
