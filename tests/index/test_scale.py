"""Many contracts in one index: approximate search, per-contract slices, memory mapping, text cache."""

from __future__ import annotations

import logging
from pathlib import Path

import faiss
import numpy as np
import pytest

import index.dense
from corpus import Contract
from eval.scale import HashingEmbedder, generate
from index import Searcher
from index.dense import INDEX_FILE

QUESTIONS = [
    "absentéisme scolaire au collège",
    "chantier d'insertion pour les jeunes du quartier",
    "marchands de sommeil et logement indigne",
    "violences conjugales",
    "accès aux soins des habitants",
    "création d'entreprise",
]


@pytest.fixture(scope="module")
def contracts() -> list[Contract]:
    return generate(6)


def _codes(searcher: Searcher, question: str, **options: object) -> list[tuple[str, str]]:
    return [(h.contract_id, h.code) for h in searcher.search(question, k=5, **options).hits]  # type: ignore[arg-type]


def test_approximate_index_above_the_threshold_agrees_with_exact_search(
    contracts: list[Contract], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the threshold the index is an HNSW graph; answers across all contracts match exact search."""
    exact = Searcher(contracts, HashingEmbedder(), cache_dir=tmp_path / "exact")
    monkeypatch.setattr(index.dense, "APPROXIMATE_ABOVE", 500)
    approximate = Searcher(contracts, HashingEmbedder(), cache_dir=tmp_path / "approximate")
    assert approximate._dense is not None and approximate._dense.approximate
    assert exact._dense is not None and not exact._dense.approximate
    assert len(approximate.passages) > 500
    overlap = []
    for question in QUESTIONS:
        near, truth = _codes(approximate, question), _codes(exact, question)
        assert near[0] == truth[0], question
        overlap.append(len(set(near) & set(truth)) / len(truth))
        # within one contract the search is exact whatever the index
        assert _codes(approximate, question, contract="gen-002") == _codes(exact, question, contract="gen-002")
    # objectives outside the shortlist get its lowest score, which moves the fused ranks a little
    assert np.mean(overlap) >= 0.8
    # saved and loaded again: the HNSW index comes back from disk, memory-mapped
    reloaded = Searcher(contracts, HashingEmbedder(), cache_dir=tmp_path / "approximate")
    assert reloaded._dense is not None and reloaded._dense.approximate
    assert _codes(reloaded, QUESTIONS[0]) == _codes(approximate, QUESTIONS[0])
    assert [p.name for p in (tmp_path / "approximate").rglob(INDEX_FILE)]


def test_a_search_within_one_contract_cites_only_it(contracts: list[Contract], tmp_path: Path) -> None:
    """Every hit of a filtered search belongs to the contract asked for, and its codes exist there."""
    searcher = Searcher(contracts, HashingEmbedder(), cache_dir=tmp_path)
    for question in QUESTIONS:
        result = searcher.search(question, k=10, contract="gen-004")
        assert {h.contract_id for h in result.hits} == {"gen-004"}
        assert all(contracts[4].find(h.code) is not None for h in result.hits)
    named = searcher.search("objectif 5.1.3", contract="gen-001")
    assert named.codes == ("5.1.3",) and named.hits[0].contract_id == "gen-001"


def test_the_index_is_memory_mapped(contracts: list[Contract], tmp_path: Path) -> None:
    """Loaded from disk, the vectors are the file's pages, not a copy: the array does not own its memory."""
    Searcher(contracts[:2], HashingEmbedder(), cache_dir=tmp_path)
    path = next(tmp_path.rglob(INDEX_FILE))
    mapped = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
    reloaded = Searcher(contracts[:2], HashingEmbedder(), cache_dir=tmp_path)
    vectors = reloaded._dense.vectors  # type: ignore[union-attr]
    assert vectors.shape == (mapped.ntotal, mapped.d)
    assert not vectors.flags.owndata and not vectors.flags.writeable


def test_text_side_is_built_once_and_a_broken_cache_is_rebuilt(
    contracts: list[Contract], tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lexical tables are saved beside the index; the next start loads them; a damaged file is rebuilt."""
    first = Searcher(contracts[:2], HashingEmbedder(), cache_dir=tmp_path)
    saved = list((tmp_path / "text").glob("*.npz"))
    assert len(saved) == 1

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the text side was built again")

    with monkeypatch.context() as patch:
        patch.setattr("index.textside.assign_concepts", no_build)
        again = Searcher(contracts[:2], HashingEmbedder(), cache_dir=tmp_path)
    assert _codes(again, QUESTIONS[2]) == _codes(first, QUESTIONS[2])
    assert again.search("absenteisme scolire").corrections == first.search("absenteisme scolire").corrections
    saved[0].write_bytes(b"\x80\x05 not a pickle")
    with caplog.at_level(logging.WARNING, logger="index.textside"):
        rebuilt = Searcher(contracts[:2], HashingEmbedder(), cache_dir=tmp_path)
    assert "Cache du texte illisible" in caplog.text
    assert _codes(rebuilt, QUESTIONS[2]) == _codes(first, QUESTIONS[2])


def test_a_planted_pickle_in_the_text_cache_never_runs(
    contracts: list[Contract], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A cache file replaced by a pickle that would run a command is refused and rebuilt, never executed."""
    import io
    import pickle

    import numpy as np

    Searcher(contracts[:2], HashingEmbedder(), cache_dir=tmp_path)
    saved = next((tmp_path / "text").glob("*.npz"))
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (marker.touch, ())  # type: ignore[return-value]

    buffer = io.BytesIO()
    np.save(buffer, np.array([Payload()], dtype=object), allow_pickle=True)
    saved.write_bytes(buffer.getvalue())
    with caplog.at_level(logging.WARNING, logger="index.textside"):
        Searcher(contracts[:2], HashingEmbedder(), cache_dir=tmp_path)
    saved.write_bytes(pickle.dumps(Payload()))
    Searcher(contracts[:2], HashingEmbedder(), cache_dir=tmp_path)
    assert not marker.exists()
    assert "Cache du texte illisible" in caplog.text


def test_generated_contracts_are_valid_and_distinct(contracts: list[Contract]) -> None:
    """The benchmark's corpus: 50 objectives and 200 measures each, measures differing between contracts."""
    texts = [[m.text for _, _, o in c.objectives() for m in o.measures] for c in contracts]
    assert all(len(t) == 200 for t in texts)
    assert len(set(texts[0]) & set(texts[1])) < 20
    assert len({c.id for c in contracts}) == 6
    vectors = HashingEmbedder().encode_passages(texts[0][:5])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_two_contracts_with_one_id_are_refused(contracts: list[Contract]) -> None:
    """Slices are found by contract id: the same id twice is an error, not a silent overwrite."""
    with pytest.raises(ValueError, match="unique"):
        Searcher([contracts[0], contracts[0]])


def test_every_contracts_best_objective_at_once_is_each_contracts_search(
    contracts: list[Contract], tmp_path: Path
) -> None:
    """Placing the thesaurus asks each contract's best objective for 53 concepts: computed for all
    contracts in one pass, it is what a search within each contract ranks first."""
    searcher = Searcher(contracts[:4], HashingEmbedder(), cache_dir=tmp_path)
    queries = ["absentéisme scolaire des élèves", "logement insalubre marchands de sommeil", "emploi des jeunes"]
    best = searcher.best_in_each_contract(queries)
    for i, query in enumerate(queries):
        for n, contract in enumerate(contracts[:4]):
            hit = searcher.search(query, k=1, contract=contract.id).hits[0]
            assert searcher.keys[best[i, n]] == (hit.contract_id, hit.code)


def test_a_cache_file_edited_without_its_hash_is_rebuilt(
    contracts: list[Contract], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every cache file carries the SHA-256 of its content: the text side rewritten as a well-formed archive
    of other arrays, or the classifier with other weights, is refused and rebuilt, never used."""
    import io

    import numpy as np

    first = Searcher(contracts[:2], HashingEmbedder(), cache_dir=tmp_path)
    saved = next((tmp_path / "text").glob("*.npz"))
    buffer = io.BytesIO()
    np.savez(buffer, format=np.array([0]))
    saved.write_bytes(buffer.getvalue())
    [classifier] = list(tmp_path.rglob("classifier.npz"))
    with np.load(io.BytesIO(classifier.read_bytes()[len(b"cdv-verified-1\n") + 32 :])) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["weights"] = np.zeros_like(arrays["weights"])
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    classifier.write_bytes(classifier.read_bytes()[: len(b"cdv-verified-1\n") + 32] + buffer.getvalue())
    with caplog.at_level(logging.WARNING):
        again = Searcher(contracts[:2], HashingEmbedder(), cache_dir=tmp_path)
    assert "Cache du texte illisible" in caplog.text and "empreinte SHA-256" in caplog.text
    assert "Le classifieur enregistré est illisible" in caplog.text
    assert _codes(again, QUESTIONS[2]) == _codes(first, QUESTIONS[2])
