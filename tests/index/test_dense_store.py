"""The dense index on disk: manifest checks and automatic rebuilds."""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from corpus import Contract
from index import Searcher
from index.dense import CHECKED
from index.passages import Attached, Passage
from tests.fakes import FakeEmbedder


def _folder(cache: Path) -> Path:
    """The one corpus folder of the fake embedder's cache."""
    folders = [f for f in (cache / "fake").iterdir() if f.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def test_saved_index_is_reused(caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A second start loads the saved index without embedding the passages again."""
    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    embedder = FakeEmbedder()
    with caplog.at_level(logging.INFO, logger="index.dense"):
        Searcher([caph], embedder, cache_dir=tmp_path)
    assert embedder.passage_calls == 0
    assert "Construction de l'index des vecteurs" not in caplog.text
    assert (_folder(tmp_path) / "meta.json").is_file()


def test_each_corpus_keeps_its_own_index(caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Other contract data gets an index of its own; switching back loads the first one, embedding nothing."""
    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    changed = caph.model_copy(update={"title": "Autre titre"})
    with caplog.at_level(logging.INFO, logger="index.dense"):
        Searcher([changed], FakeEmbedder(), cache_dir=tmp_path)
    assert "Construction de l'index des vecteurs" in caplog.text
    caplog.clear()
    embedder = FakeEmbedder()
    with caplog.at_level(logging.INFO, logger="index.dense"):
        Searcher([caph], embedder, cache_dir=tmp_path)
    assert "Construction" not in caplog.text and embedder.passage_calls == 0
    assert len([f for f in (tmp_path / "fake").iterdir() if f.is_dir()]) == 2


def test_an_edit_reembeds_only_the_changed_passages(caph: Contract, tmp_path: Path) -> None:
    """Passage vectors are cached by text: changing one measure embeds that measure's passages only."""
    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    data = caph.model_dump()
    data["axes"][0]["priorities"][0]["objectives"][0]["measures"][0]["text"] = "Une mesure toute nouvelle"
    edited = Contract.model_validate(data)
    counting = _CountingEmbedder()
    Searcher([edited], counting, cache_dir=tmp_path)
    # the measure, read with its objective's title (and its English), and the few cached texts checked
    assert 0 < counting.embedded <= 4 + CHECKED


def test_other_embedder_triggers_rebuild(caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An index whose manifest names another embedder is rebuilt."""
    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    meta = _folder(tmp_path) / "meta.json"
    meta.write_text(meta.read_text().replace('"fake"', '"someone-else"'))
    with caplog.at_level(logging.INFO, logger="index.dense"):
        Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    assert "embedder 'someone-else' != 'fake'" in caplog.text


@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete", "bad-meta"])
def test_damaged_index_is_rebuilt(
    caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    """A truncated, corrupt or missing index file, or an unreadable manifest, is rebuilt and searching works."""
    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    index_file = _folder(tmp_path) / "index.faiss"
    if damage == "truncate":
        index_file.write_bytes(index_file.read_bytes()[:100])
    elif damage == "garbage":
        index_file.write_bytes(b"not a faiss index")
    elif damage == "delete":
        index_file.unlink()
    else:
        (_folder(tmp_path) / "meta.json").write_text("{broken")
    embedder = FakeEmbedder()
    with caplog.at_level(logging.INFO, logger="index.dense"):
        searcher = Searcher([caph], embedder, cache_dir=tmp_path)
    assert "Construction de l'index des vecteurs" in caplog.text
    assert searcher.search("chantier d'insertion", k=1).hits[0].code == "2.1.1"
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="index.dense"):
        Searcher([caph], embedder, cache_dir=tmp_path)
    assert "Construction" not in caplog.text  # the rebuilt index was saved whole


def test_changed_passage_text_triggers_rebuild(
    caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same contract, same passage count, different passage text (a code change): the index is rebuilt."""
    import index.searcher

    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    original = index.searcher.build_passages

    def shouting(contracts: list[Contract], *, enriched: bool = True, situations: Attached | None = None) -> list[Passage]:  # noqa: E501
        built = original(contracts, enriched=enriched, situations=situations)
        return [replace(p, text=p.text.upper()) for p in built]

    monkeypatch.setattr(index.searcher, "build_passages", shouting)
    with caplog.at_level(logging.INFO, logger="index.dense"):
        Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    assert "Construction de l'index des vecteurs" in caplog.text


def test_exhaustive_scores_agree_with_faiss_search(caph: Contract, tmp_path: Path) -> None:
    """Scoring every passage gives exactly the similarities and order of FAISS's own top-k search."""
    import numpy as np

    from index.dense import DenseIndex

    embedder = FakeEmbedder()
    texts = ["chantier d'insertion", "logement des locataires", "violence et victime", "école et élève absent"]
    index = DenseIndex.build(texts, embedder, "hash")
    query = embedder.encode_queries(["élève absent de l'école"])
    scores = index.scores(query)[0]
    similarities, ids = index.search(query, len(texts))
    assert np.allclose(similarities[0], np.sort(scores)[::-1], atol=1e-6)
    assert np.allclose(similarities[0], scores[ids[0]], atol=1e-6)
    assert ids[0][0] == 3


class _CountingEmbedder(FakeEmbedder):
    """Counts the passages it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += len(texts)
        return super().encode_passages(texts)


def _rewrite_index(folder: Path, change: Callable[[np.ndarray], None], *, keep_checksum: bool) -> None:
    """Replace the saved vectors with changed ones, through FAISS (so the file itself is well formed)."""
    import faiss

    from index.cache import sha256_file as _sha256
    from index.dense import MANIFEST_FILE

    index = faiss.read_index(str(folder / "index.faiss"))
    vectors = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d).copy()
    change(vectors)
    rewritten = faiss.IndexFlatIP(index.d)
    rewritten.add(vectors)
    faiss.write_index(rewritten, str(folder / "index.faiss"))
    if keep_checksum:
        meta = json.loads((folder / MANIFEST_FILE).read_text())
        meta["checksum"] = _sha256(folder / "index.faiss")
        (folder / MANIFEST_FILE).write_text(json.dumps(meta))


@pytest.mark.parametrize("keep_checksum", [False, True])
def test_a_nan_vector_is_caught(
    caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture, keep_checksum: bool
) -> None:
    """A NaN in the saved vectors (even with a matching checksum) means a rebuild, never NaN scores."""
    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)

    def poison(vectors: np.ndarray) -> None:
        vectors[3, :] = np.nan

    _rewrite_index(_folder(tmp_path), poison, keep_checksum=keep_checksum)
    with caplog.at_level(logging.INFO, logger="index.dense"):
        searcher = Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    assert ("non finis" if keep_checksum else "empreinte") in caplog.text
    result = searcher.search("logement des locataires", k=3)
    assert all(math.isfinite(h.score) for h in result.hits) and result.hits[0].code != "1.1.1"


def test_a_header_claiming_a_huge_size_is_not_read(
    caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A header whose vector count is enormous is refused before FAISS allocates anything."""
    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    path = _folder(tmp_path) / "index.faiss"
    data = bytearray(path.read_bytes())
    # IndexFlatIP header: 4-byte tag, int d, int64 ntotal: claim 2**40 vectors
    data[8:16] = (2**40).to_bytes(8, "little")
    data += b"\0" * 1_000_000  # and enough bytes that a size check alone would not settle it
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.INFO, logger="index.dense"):
        searcher = Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    assert "Construction de l'index des vecteurs" in caplog.text
    assert searcher.search("chantier d'insertion", k=1).hits


def test_a_kill_between_index_and_manifest_leaves_a_usable_cache(
    caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process killed after writing the new index file but before its manifest: the next start sees the
    mismatch and rebuilds; it never reads a half-written index."""
    import index.dense

    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    (tmp_path / "fake" / "vectors.sqlite3").unlink()  # so that the rebuild embeds, and writes other bytes
    real_replace = os.replace

    def killed_at_the_manifest(source: str, target: object) -> None:
        if str(target).endswith("meta.json") and Path(str(target)).exists():
            raise KeyboardInterrupt("killed")  # stands for SIGKILL: nothing after this line runs
        real_replace(source, target)  # type: ignore[arg-type]

    # the same corpus folder rebuilt (rebuild=True), killed half-way
    monkeypatch.setattr(index.dense.os, "replace", killed_at_the_manifest)
    with pytest.raises(KeyboardInterrupt):
        Searcher([caph], _ShuffledEmbedder(), cache_dir=tmp_path, rebuild=True)
    monkeypatch.setattr(index.dense.os, "replace", real_replace)
    # the shuffled vectors reached the vector cache under the same embedder name: start from real ones
    (tmp_path / "fake" / "vectors.sqlite3").unlink()
    with caplog.at_level(logging.INFO, logger="index.dense"):
        searcher = Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    assert "empreinte" in caplog.text
    assert searcher.search("chantier d'insertion", k=1).hits[0].code == "2.1.1"


def test_two_processes_starting_together_build_once(caph: Contract, tmp_path: Path) -> None:
    """Two processes starting on an empty cache: one builds, the other waits and loads its index."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    log = tmp_path / "builds.txt"
    processes = [context.Process(target=_start_searcher, args=(tmp_path, log)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0, 0]
    assert len(set(log.read_text().split())) == 1  # the process ids that embedded passages


def _start_searcher(cache: Path, log: Path) -> None:
    from corpus import load_contracts

    class SlowEmbedder(FakeEmbedder):
        def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
            time.sleep(0.05)  # long enough for the other process to find the cache stale as well
            with log.open("a") as stream:
                stream.write(f"{os.getpid()}\n")
            return super().encode_passages(texts)

    Searcher(load_contracts()[:1], SlowEmbedder(), cache_dir=cache)


class _ShuffledEmbedder(FakeEmbedder):
    """The fake embedder under the same name with other vectors, so that a rebuild writes other bytes."""

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.roll(super().encode_passages(texts), 1, axis=1)


def test_a_corrupt_vector_cache_costs_only_time(
    caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A vector cache that is not a database is ignored with a warning: the index is built from the model."""
    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    (tmp_path / "fake" / "vectors.sqlite3").write_bytes(b"not a database" * 100)
    for folder in (tmp_path / "fake").iterdir():
        if folder.is_dir():
            (folder / "meta.json").unlink()  # force a rebuild, which reads the cache
    embedder = _CountingEmbedder()
    with caplog.at_level(logging.WARNING, logger="index.vectors"):
        searcher = Searcher([caph], embedder, cache_dir=tmp_path)
    assert "illisible" in caplog.text
    assert embedder.embedded > 1000
    assert searcher.search("chantier d'insertion", k=1).hits


def test_a_cache_folder_others_can_write_to_is_refused(tmp_path: Path) -> None:
    """A cache folder writable by group or others (without the sticky bit) is refused at start, with the
    fix in French: another local user could plant a file there that the service would read."""
    from corpus import load_contracts
    from index import Searcher
    from tests.fakes import FakeEmbedder

    shared = tmp_path / "partagé"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(PermissionError, match="chmod go-w"):
        Searcher(load_contracts(), FakeEmbedder(), cache_dir=shared)
    shared.chmod(0o700)
    assert Searcher(load_contracts(), FakeEmbedder(), cache_dir=shared).search("illettrisme").hits


def test_wrong_vectors_for_the_right_texts_are_detected_and_replaced(
    caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A vector cache whose vectors are not the model's (another model's, damaged, planted) is checked
    against the model before use: emptied, rebuilt with the model's vectors, and answers stay right."""
    import sqlite3

    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    database = tmp_path / "fake" / "vectors.sqlite3"
    rng = np.random.default_rng(0)
    with sqlite3.connect(database) as db:
        keys = [key for (key,) in db.execute("SELECT key FROM vectors")]
        dimension = FakeEmbedder().dimension
        db.executemany(
            "UPDATE vectors SET vector = ? WHERE key = ?",
            [(rng.normal(size=dimension).astype(np.float32).tobytes(), key) for key in keys],
        )
    (_folder(tmp_path) / "meta.json").unlink()  # a rebuild, which reads the cache
    embedder = _CountingEmbedder()
    with caplog.at_level(logging.WARNING, logger="index.dense"):
        searcher = Searcher([caph], embedder, cache_dir=tmp_path)
    assert "ne donne pas les vecteurs du modèle" in caplog.text
    assert embedder.embedded > 1000  # every passage embedded again by the model
    assert searcher.search("chantier d'insertion", k=1, retriever="dense").hits[0].code == "2.1.1"
    (_folder(tmp_path) / "meta.json").unlink()
    again = _CountingEmbedder()
    Searcher([caph], again, cache_dir=tmp_path)
    assert again.embedded == CHECKED  # the cache now holds the model's vectors: only the check embeds


def test_a_garbage_vector_cache_is_replaced(caph: Contract, tmp_path: Path) -> None:
    """A vector cache that is not a database is replaced by a good one on the next build, so that later
    rebuilds reuse it instead of embedding everything every time."""
    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    (tmp_path / "fake" / "vectors.sqlite3").write_bytes(b"garbage" * 1000)
    (_folder(tmp_path) / "meta.json").unlink()
    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    (_folder(tmp_path) / "meta.json").unlink()
    counting = _CountingEmbedder()
    Searcher([caph], counting, cache_dir=tmp_path)
    assert counting.embedded == CHECKED


def _ship(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, texts: list[str]) -> Path:
    """Shipped vectors of the fake embedder for `texts`, in a folder of their own."""
    from index import vectors

    monkeypatch.setattr(vectors, "SHIPPED", tmp_path / "shipped")
    embedder = FakeEmbedder()
    source = vectors.VectorCache(tmp_path / "source.sqlite3", embedder.name, embedder.dimension)
    source.put_many(dict(zip(texts, embedder.encode_passages(texts), strict=True)))
    return vectors.write_shipped(source)


def test_a_new_cache_starts_from_the_shipped_vectors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache that does not exist yet is filled with the vectors shipped for its embedder; one that
    exists is left as it is."""
    from index.vectors import VectorCache

    _ship(tmp_path, monkeypatch, ["aide aux devoirs", "chantier d'insertion"])
    embedder = FakeEmbedder()
    cache = VectorCache(tmp_path / "cache" / "vectors.sqlite3", embedder.name, embedder.dimension)
    found = cache.get_many(["aide aux devoirs", "chantier d'insertion", "autre"])
    assert set(found) == {"aide aux devoirs", "chantier d'insertion"}
    assert np.allclose(found["aide aux devoirs"], embedder.encode_passages(["aide aux devoirs"])[0])
    other = VectorCache(tmp_path / "other.sqlite3", "another-model", embedder.dimension)
    assert other.get_many(["aide aux devoirs"]) == {}  # shipped for another embedder: nothing


def test_tampered_shipped_vectors_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A shipped file whose content no longer matches the SHA-256 it carries is ignored with one log line:
    the passages are then embedded."""
    from index.vectors import VectorCache

    path = _ship(tmp_path, monkeypatch, ["aide aux devoirs"])
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    path.write_bytes(bytes(data))
    embedder = FakeEmbedder()
    with caplog.at_level(logging.WARNING, logger="index.vectors"):
        cache = VectorCache(tmp_path / "cache.sqlite3", embedder.name, embedder.dimension)
        assert cache.get_many(["aide aux devoirs"]) == {}
    assert "Vecteurs livrés" in caplog.text and "illisibles" in caplog.text
