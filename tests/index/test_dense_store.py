"""The dense index on disk: manifest checks and automatic rebuilds."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from corpus import Contract
from index import Searcher
from index.passages import Passage
from tests.fakes import FakeEmbedder


def _folder(cache: Path) -> Path:
    return cache / "fake"


def test_saved_index_is_reused(caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A second start loads the saved index without embedding the passages again."""
    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    embedder = FakeEmbedder()
    with caplog.at_level(logging.INFO, logger="index.dense"):
        Searcher([caph], embedder, cache_dir=tmp_path)
    assert embedder.passage_calls == 0
    assert "Building the dense index" not in caplog.text
    assert (_folder(tmp_path) / "meta.json").is_file()


def test_changed_corpus_triggers_rebuild(caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An index built from other contract data is stale and is rebuilt, saying why."""
    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    changed = caph.model_copy(update={"title": "Autre titre"})
    with caplog.at_level(logging.INFO, logger="index.dense"):
        Searcher([changed], FakeEmbedder(), cache_dir=tmp_path)
    assert "stale" in caplog.text and "corpus_hash" in caplog.text


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
    assert "Building the dense index" in caplog.text
    assert embedder.passage_calls > 0
    assert searcher.search("chantier d'insertion", k=1).hits[0].code == "2.1.1"


def test_changed_passage_text_triggers_rebuild(
    caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same contract, same passage count, different passage text (a code change): the index is rebuilt."""
    import index.searcher

    Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    original = index.searcher.build_passages

    def shouting(contracts: list[Contract], *, enriched: bool = True) -> list[Passage]:
        return [replace(p, text=p.text.upper()) for p in original(contracts, enriched=enriched)]

    monkeypatch.setattr(index.searcher, "build_passages", shouting)
    with caplog.at_level(logging.INFO, logger="index.dense"):
        Searcher([caph], FakeEmbedder(), cache_dir=tmp_path)
    assert "corpus_hash" in caplog.text


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
