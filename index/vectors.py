"""Passage vectors remembered by text, so that editing a contract re-embeds only what changed."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from index.cache import read_verified, slug, write_verified

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS about (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_BATCH = 500  # keys per SELECT: SQLite caps the number of parameters of one statement


class VectorCache:
    """A SQLite file of passage vectors for one embedder, keyed by a hash of the passage text.

    A file that is unreadable, or that was written for another embedder or dimension, is ignored (a
    cache miss costs only time) and replaced on the next write.

    Args:
        path: the database file.
        embedder: the embedder's name; vectors of another embedder are never returned.
        dimension: the vectors' length.
    """

    def __init__(self, path: Path, embedder: str, dimension: int) -> None:
        self.path = path
        self.embedder = embedder
        self._identity = f"{embedder}|{dimension}"
        self._dimension = dimension

    @classmethod
    def in_folder(cls, root: Path, embedder: str, dimension: int) -> VectorCache:
        """The embedder's cache in a cache folder: `root/<embedder>/vectors.sqlite3`."""
        return cls(root / slug(embedder) / "vectors.sqlite3", embedder, dimension)

    def get_many(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vector of each text that has one."""
        keys = {_key(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        try:
            with self._open() as db:
                if not self._matches(db):
                    return {}
                wanted = list(keys)
                for start in range(0, len(wanted), _BATCH):
                    part = wanted[start : start + _BATCH]
                    marks = ",".join("?" * len(part))
                    for key, blob in db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part):
                        vector = np.frombuffer(blob, dtype=np.float32)
                        if vector.shape == (self._dimension,) and np.isfinite(vector).all():
                            found[keys[key]] = vector
        except sqlite3.Error as exc:
            logger.warning("Le cache de vecteurs %s est illisible (%s) : tout est recalculé", self.path, exc)
            return {}
        return found

    def put_many(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Remember these vectors (a failure to write is logged, never raised: the cache is optional). A
        file that is not a readable database is replaced by a new one."""
        rows = [(_key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in vectors.items()]
        for attempt in (1, 2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self._open() as db:
                    if not self._matches(db):
                        db.execute("DELETE FROM vectors")
                        db.execute("INSERT OR REPLACE INTO about VALUES ('identity', ?)", (self._identity,))
                    db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
                return
            except sqlite3.DatabaseError as exc:
                damaged = not isinstance(exc, sqlite3.OperationalError) or "not a database" in str(exc)
                if attempt == 1 and damaged and self.path.is_file():
                    logger.warning("Cache de vecteurs %s endommagé (%s) : remplacé par un nouveau", self.path, exc)
                    self.clear(remove=True)
                    continue
                logger.warning("Impossible d'écrire le cache de vecteurs %s : %s", self.path, exc)
                return

    def clear(self, *, remove: bool = False) -> None:
        """Forget every vector (`remove`: delete the file itself, for one that is not a database)."""
        if remove:
            for suffix in ("", "-wal", "-shm", "-journal"):
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
            return
        try:
            with self._open() as db:
                db.execute("DELETE FROM vectors")
        except sqlite3.Error as exc:
            logger.warning("Impossible de vider le cache de vecteurs %s : %s", self.path, exc)

    @contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        new = not self.path.exists()
        if new:
            with contextlib.suppress(OSError):  # a folder that cannot be made: connect says so
                self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:  # one transaction, committed whole or rolled back
                db.executescript(_SCHEMA)
                if new:
                    self._seed(db)
                yield db
        finally:
            db.close()

    def _seed(self, db: sqlite3.Connection) -> None:
        """Fill a new cache with the vectors shipped for its embedder, so that a first start embeds nothing
        the package ships. The file is read only if its content matches the SHA-256 it carries; its
        vectors are keyed by the hash of their text, like the cache's own, and the model is checked
        against a few of them before any is used (`index.dense`)."""
        path = shipped_path(self.embedder)
        if not path.is_file():
            return
        try:
            with np.load(io.BytesIO(read_verified(path)), allow_pickle=False) as arrays:
                identity, keys, vectors = str(arrays["identity"]), arrays["keys"], arrays["vectors"]
            if identity != self._identity or vectors.shape != (len(keys), self._dimension):
                raise ValueError(f"vecteurs de {identity}, forme {vectors.shape}")
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("Vecteurs livrés %s illisibles (%s) : les passages sont calculés", path, exc)
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        rows = [(bytes(key).decode("ascii"), vector.tobytes()) for key, vector in zip(keys, vectors, strict=True)]
        db.execute("INSERT OR REPLACE INTO about VALUES ('identity', ?)", (self._identity,))
        db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
        logger.info("%d vecteurs livrés avec le paquet copiés dans le cache %s", len(rows), self.path)

    def _matches(self, db: sqlite3.Connection) -> bool:
        row = db.execute("SELECT value FROM about WHERE name = 'identity'").fetchone()
        return row is not None and row[0] == self._identity


SHIPPED = Path(__file__).parent / "data" / "vectors"


def shipped_path(embedder: str) -> Path:
    """Where the vectors shipped for `embedder` are (the bundled contract's passages, the shipped
    resources' texts)."""
    return SHIPPED / f"{slug(embedder)}.npz"


def write_shipped(cache: VectorCache) -> Path:
    """Write every vector of `cache` as the vectors shipped for its embedder (`python -m index.ship`)."""
    with cache._open() as db:
        rows = db.execute("SELECT key, vector FROM vectors ORDER BY key").fetchall()
    keys = np.array([key.encode("ascii") for key, _ in rows], dtype="S64")
    vectors = np.vstack([np.frombuffer(blob, dtype=np.float32) for _, blob in rows])
    buffer = io.BytesIO()
    np.savez(buffer, identity=np.array(cache._identity), keys=keys, vectors=vectors)
    path = shipped_path(cache.embedder)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_verified(path, buffer.getvalue())
    return path


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
